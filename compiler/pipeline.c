/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one place that wires the compiler's stages together: grammar
 * (load), structure checks, semantic analysis.  See pipeline.h.
 */
#include "pipeline.h"

#include "grammar/parse.h"
#include "compiler/semantics/structure.h"

/* After syntax errors the tree is partial, and after structure errors its
 * names are: resolving it further would only add noise. */
static bool resolve(struct kfp_ctx *ctx, const struct kfp_catalog *cat,
		    const struct kfp_compile_opts *opts, struct kfp_compiled *out)
{
	if (!out->unit || ctx->errors || kfp_check_structure(ctx, out->unit))
		return false;
	out->pol = kfp_compile(ctx, out->unit, cat, opts);
	return !ctx->errors;
}

bool kfp_compile_file(struct kfp_ctx *ctx, const char *path, const struct kfp_catalog *cat,
		      const struct kfp_compile_opts *opts, struct kfp_compiled *out)
{
	*out = (struct kfp_compiled){ kfp_load(ctx, path), NULL };
	return resolve(ctx, cat, opts, out);
}

bool kfp_compile_buffer(struct kfp_ctx *ctx, const char *name, const char *data, size_t len,
			const struct kfp_catalog *cat, const struct kfp_compile_opts *opts,
			struct kfp_compiled *out)
{
	*out = (struct kfp_compiled){ kfp_load_buffer(ctx, name, data, len), NULL };
	return resolve(ctx, cat, opts, out);
}

void kfp_compiled_free(struct kfp_compiled *c)
{
	kfp_policy_free(c->pol);
	kfp_unit_free(c->unit);
	*c = (struct kfp_compiled){ 0 };
}
