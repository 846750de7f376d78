/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The compiler's pipeline in one call: load a policy (the file and what it
 * includes), check its structure, resolve it against the catalog and the
 * fleets' host profiles.  The tools, the importer, the benchmarks and the
 * tests all compile through here (as nftables' nft_run_cmd_from_filename()
 * serves its CLI, tests and fuzzers), so the order of the stages and the
 * rule that a stage does not run after errors in the one before are
 * written once.
 */
#ifndef KFP_COMPILER_PIPELINE_H
#define KFP_COMPILER_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>

#include "base/ctx.h"
#include "grammar/ast.h"
#include "compiler/semantics/config.h"

/* What a compilation leaves behind; kfp_compiled_free() frees both. */
struct kfp_compiled {
	struct kfp_unit *unit;  /* NULL: the file could not be read */
	struct kfp_policy *pol; /* NULL: syntax or structure errors came first */
};

/* Compiles the policy file at path.  Every diagnostic goes to ctx, which
 * the caller prints.  Returns true when no error was queued: then out->pol
 * is the resolved policy.  opts may be NULL (every fleet, hosts from the
 * policy's `hosts` lines, a profile cache of its own). */
bool kfp_compile_file(struct kfp_ctx *ctx, const char *path, const struct kfp_catalog *cat,
		      const struct kfp_compile_opts *opts, struct kfp_compiled *out);

/* The same for a policy already in memory (tests, the importer); name is
 * the path diagnostics show, and includes are relative to the working
 * directory. */
bool kfp_compile_buffer(struct kfp_ctx *ctx, const char *name, const char *data, size_t len,
			const struct kfp_catalog *cat, const struct kfp_compile_opts *opts,
			struct kfp_compiled *out);

void kfp_compiled_free(struct kfp_compiled *c);

#endif
