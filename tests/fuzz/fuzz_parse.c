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

#include "ast.h"
#include "fmt.h"
#include "parse.h"
#include "structure.h"

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
		kfp_check_structure(&ctx, &unit);
		unsigned errors = ctx.errors;
		size_t len = strlen(once);
		struct kfp_source *src2 = kfp_source_add(&ctx, "formatted.kfp",
							 strdup(once), len);
		struct kfp_node *tree2;
		char *twice = format(&ctx, src2, &tree2);
		if (ctx.errors != errors || !kfp_node_equal(unit.stmts, tree2) ||
		    strcmp(once, twice) != 0) {
			fprintf(stderr, "fmt round trip broken:\n--- once\n%s--- twice\n%s",
				once, twice);
			abort();
		}
		kfp_node_free(tree2);
		free(twice);
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
