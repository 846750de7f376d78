/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the front end: scan, parse, structure checks, diagnostics
 * printing, and the fmt round-trip property (formatting a file that parsed
 * cleanly gives text that parses to the same tree and is a fixed point).
 * Includes are not followed, so the fuzzer never touches the file system.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "grammar/ast.h"
#include "grammar/fmt.h"
#include "grammar/parse.h"
#include "compiler/semantics/structure.h"

static char *format(struct kfp_ctx *ctx, struct kfp_source *src,
		    struct kfp_node **tree)
{
	*tree = kfp_parse_source(ctx, src);
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	kfp_fmt(src, *tree, mem);
	fclose(mem);
	return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	char *buf = malloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = 0;
	struct kfp_source *src = kfp_source_add(&ctx, "fuzz.kfp", buf, size);
	struct kfp_unit unit = { .src = src };
	char *once = format(&ctx, src, &unit.stmts);

	if (!ctx.errors) {
		/* The second pass gets a context of its own: the structure check
		 * below may reach the error cap, and a parser in a context at the
		 * cap stops at once (by design), which would read as "fmt gave
		 * nothing". */
		struct kfp_ctx ctx2;
		kfp_ctx_init(&ctx2);
		size_t len = strlen(once);
		struct kfp_source *src2 = kfp_source_add(&ctx2, "formatted.kfp",
							 strdup(once), len);
		struct kfp_node *tree2;
		char *twice = format(&ctx2, src2, &tree2);
		if (ctx2.errors || !kfp_node_equal(unit.stmts, tree2) ||
		    strcmp(once, twice) != 0) {
			kfp_diags_print(&ctx2, stderr);
			fprintf(stderr, "fmt round trip broken:\n--- once\n%s--- twice\n%s",
				once, twice);
			abort();
		}
		kfp_node_free(tree2);
		free(twice);
		kfp_ctx_fini(&ctx2);
		kfp_check_structure(&ctx, &unit);
	}

	FILE *null = fopen("/dev/null", "w");
	if (null) {
		kfp_diags_print(&ctx, null);
		fclose(null);
	}
	free(once);
	kfp_node_free(unit.stmts);
	kfp_ctx_fini(&ctx);
	return 0;
}
