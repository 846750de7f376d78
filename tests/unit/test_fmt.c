/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fmt round trips: parse, fmt, parse again gives the same tree, and
 * formatting the output again gives the same bytes.  Run on a tricky sample
 * and on every policy under policies/ and tests/golden/.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "grammar/ast.h"
#include "grammar/fmt.h"
#include "grammar/parse.h"

static char *format(struct kfp_ctx *ctx, const char *name, const char *text,
		    size_t len, struct kfp_node **tree)
{
	char *buf = malloc(len + 1);
	memcpy(buf, text, len);
	buf[len] = 0;
	struct kfp_source *src = kfp_source_add(ctx, name, buf, len);
	*tree = kfp_parse_source(ctx, src);
	char *out = NULL;
	size_t outlen = 0;
	FILE *mem = open_memstream(&out, &outlen);
	kfp_fmt(src, *tree, mem);
	fclose(mem);
	return out;
}

/* Returns false (and says why) if the round trip does not hold. */
static bool round_trip(const char *name, const char *text, size_t len,
		       char **formatted)
{
	struct kfp_ctx ctx;
	struct kfp_node *t1, *t2, *t3;
	kfp_ctx_init(&ctx);
	char *once = format(&ctx, name, text, len, &t1);
	if (ctx.errors) {
		kfp_ctx_fini(&ctx);
		kfp_node_free(t1);
		free(once);
		return true; /* files with syntax errors are not formatted */
	}
	char *twice = format(&ctx, "formatted", once, strlen(once), &t2);
	char *thrice = format(&ctx, "formatted2", twice, strlen(twice), &t3);
	bool ok = true;
	if (ctx.errors) {
		kfp_diags_print(&ctx, stderr);
		print_error("%s: fmt output does not parse:\n%s", name, once);
		ok = false;
	} else if (!kfp_node_equal(t1, t2)) {
		print_error("%s: fmt changed the tree:\n%s", name, once);
		ok = false;
	} else if (strcmp(once, twice) != 0 || strcmp(twice, thrice) != 0) {
		print_error("%s: fmt is not idempotent:\n--- once\n%s--- twice\n%s",
			    name, once, twice);
		ok = false;
	}
	kfp_node_free(t1);
	kfp_node_free(t2);
	kfp_node_free(t3);
	kfp_ctx_fini(&ctx);
	if (formatted)
		*formatted = once;
	else
		free(once);
	free(twice);
	free(thrice);
	return ok;
}

static const char sample[] =
	"# header comment\n"
	"policy   \"p\\\"q\"   version 0x3 ;   // trailing\n"
	"\n\n\n"
	"group g{a b   @h}\n"
	"group h { c # inside a one-line statement\n d }\n"
	"x86_64{ # on the brace line\n"
	"\tallow sse4.2 xsave   vmx;\n"
	"  /* block\n     comment */\n"
	"  msr IA32_ARCH_CAPABILITIES {allow rdcl_no;}\n"
	"  cpuid 0x00000007 0 ebx bit 4 = 0;\n"
	"  # last in block\n"
	"}\n"
	"arm64 { id_reg R { F>=0x1; G = IMP; } hypercalls { ptp off; } }\n"
	"fleet \"f\" { arch aarch64; min_kernel 6.1.0; }\n"
	"# end\n";

static const char sample_expected[] =
	"# header comment\n"
	"policy \"p\\\"q\" version 0x3;  // trailing\n"
	"\n"
	"group g { a b @h }\n"
	"group h { c d }  # inside a one-line statement\n"
	"x86_64 {  # on the brace line\n"
	"    allow sse4.2 xsave vmx;\n"
	"    /* block\n     comment */\n"
	"    msr IA32_ARCH_CAPABILITIES {\n"
	"        allow rdcl_no;\n"
	"    }\n"
	"    cpuid 0x7 0 ebx bit 4 = 0;\n"
	"    # last in block\n"
	"}\n"
	"arm64 {\n"
	"    id_reg R {\n"
	"        F >= 0x1;\n"
	"        G = IMP;\n"
	"    }\n"
	"    hypercalls {\n"
	"        ptp off;\n"
	"    }\n"
	"}\n"
	"fleet \"f\" {\n"
	"    arch arm64;\n"
	"    min_kernel 6.1.0;\n"
	"}\n"
	"# end\n";

static void test_sample(void **state)
{
	(void)state;
	char *out = NULL;
	assert_true(round_trip("sample", sample, strlen(sample), &out));
	assert_string_equal(out, sample_expected);
	free(out);
}

static unsigned files_checked;

static void walk(const char *dir, unsigned *failures)
{
	DIR *d = opendir(dir);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		size_t len = strlen(e->d_name);
		if (e->d_type == DT_DIR) {
			walk(path, failures);
			continue;
		}
		if (len < 5 || strcmp(e->d_name + len - 4, ".kfp") != 0)
			continue;
		FILE *f = fopen(path, "rb");
		if (!f)
			continue;
		char *buf = malloc(1 << 20);
		size_t n = fread(buf, 1, (1 << 20) - 1, f);
		fclose(f);
		files_checked++;
		if (!round_trip(path, buf, n, NULL))
			(*failures)++;
		free(buf);
	}
	closedir(d);
}

static void test_repository_policies(void **state)
{
	(void)state;
	unsigned failures = 0;
	walk(KFP_SOURCE_DIR "/policies", &failures);
	walk(KFP_SOURCE_DIR "/tests/golden", &failures);
	print_message("round-tripped %u policy files\n", files_checked);
	assert_true(files_checked > 0);
	assert_int_equal(failures, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample),
		cmocka_unit_test(test_repository_policies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
