/* SPDX-License-Identifier: Apache-2.0 */
/* Parser tests: the tree it builds, error recovery, includes, structure. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "grammar/ast.h"
#include "grammar/parse.h"
#include "compiler/semantics/structure.h"

static struct kfp_unit *parse(struct kfp_ctx *ctx, const char *text)
{
	kfp_ctx_init(ctx);
	return kfp_load_buffer(ctx, "t.kfp", text, strlen(text));
}

static bool has_diag(const struct kfp_ctx *ctx, enum kfp_severity sev,
		     const char *needle, unsigned line, unsigned col)
{
	for (size_t i = 0; i < ctx->ndiags; i++) {
		const struct kfp_diag *d = &ctx->diags[i];
		if (d->sev == sev && strstr(d->msg, needle) &&
		    (!line || (d->has_loc && d->loc.line == line && d->loc.col == col)))
			return true;
	}
	return false;
}

static void dump_diags(const struct kfp_ctx *ctx)
{
	kfp_diags_print(ctx, stderr);
}

static void test_tree(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct kfp_unit *u = parse(&ctx,
		"policy \"web\" version 3;\n"
		"fleet \"a\" { arch arm64; min_kernel 6.12; hosts \"h/*.yaml\"; }\n"
		"group g { a @h }\n"
		"group h { b }\n"
		"x86_64 {\n"
		"  xsave allow x87 sse;\n"
		"  msr IA32_ARCH_CAPABILITIES { deny mds_no; }\n"
		"  cpuid 0x7 0 ebx bit 4 = 0;\n"
		"}\n"
		"arm64 {\n"
		"  id_reg ID_AA64ISAR0_EL1 { AES <= 1; SHA3 = NI; }\n"
		"  vcpu_init { psci_0_2; sve off; }\n"
		"  firmware_regs unknown zero;\n"
		"}\n");
	if (ctx.errors)
		dump_diags(&ctx);
	assert_int_equal(ctx.errors, 0);
	const struct kfp_node *n = u->stmts;
	assert_int_equal(n->kind, KFP_N_POLICY);
	assert_string_equal(n->name, "web");
	assert_int_equal(n->u.policy.version.value, 3);

	n = n->next;
	assert_int_equal(n->kind, KFP_N_FLEET);
	const struct kfp_node *k = n->children;
	assert_int_equal(k->kind, KFP_N_ARCH);
	assert_int_equal(k->u.arch.arch, KFP_ARCH_ARM64);
	k = k->next;
	assert_int_equal(k->kind, KFP_N_MIN_KERNEL);
	assert_int_equal(k->u.min_kernel.major, 6);
	assert_int_equal(k->u.min_kernel.minor, 12);
	assert_int_equal(k->next->kind, KFP_N_HOSTS);
	assert_string_equal(k->next->name, "h/*.yaml");

	n = n->next;
	assert_int_equal(n->kind, KFP_N_GROUP);
	assert_int_equal(n->u.group.n, 2);
	assert_true(n->u.group.v[1].group_ref);
	assert_int_equal(n->u.group.v[1].loc.col, 13);

	n = n->next->next;
	assert_int_equal(n->kind, KFP_N_SECTION);
	k = n->children;
	assert_int_equal(k->u.features.domain, KFP_DOM_XSAVE);
	assert_int_equal(k->u.features.action, KFP_ACT_ALLOW);
	assert_int_equal(k->u.features.names.n, 2);
	k = k->next;
	assert_int_equal(k->kind, KFP_N_MSR);
	assert_int_equal(k->children->u.features.domain, KFP_DOM_MSR);
	assert_int_equal(k->children->u.features.action, KFP_ACT_DENY);
	k = k->next;
	assert_int_equal(k->kind, KFP_N_CPUID);
	assert_int_equal(k->u.cpuid.leaf.value, 7);
	assert_true(k->u.cpuid.leaf.hex);
	assert_string_equal(k->u.cpuid.reg, "ebx");
	assert_int_equal(k->u.cpuid.bit.value, 4);
	assert_int_equal(k->loc.line, 8);
	assert_int_equal(k->loc.col, 3);
	assert_int_equal(k->loc.end_col, 28);

	n = n->next;
	k = n->children;
	assert_int_equal(k->kind, KFP_N_ID_REG);
	assert_int_equal(k->children->u.field.cmp, KFP_CMP_LE);
	assert_int_equal(k->children->u.field.value.num.value, 1);
	assert_true(k->children->next->u.field.value.named);
	assert_string_equal(k->children->next->u.field.value.name, "NI");
	k = k->next;
	assert_int_equal(k->kind, KFP_N_VCPU_INIT);
	assert_int_equal(k->children->u.sw.state, KFP_SWITCH_IMPLICIT_ON);
	assert_int_equal(k->children->next->u.sw.state, KFP_SWITCH_OFF);
	assert_int_equal(k->next->kind, KFP_N_FIRMWARE_REGS);
	assert_int_equal(k->next->u.unknown.rule, KFP_UNKNOWN_ZERO);

	assert_int_equal(kfp_check_structure(&ctx, u), 0);
	kfp_unit_free(u);
	kfp_ctx_fini(&ctx);
}

static void test_recovery_reports_each_error(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct kfp_unit *u = parse(&ctx,
		"policy \"p\" version 1;\n"
		"x86_64 {\n"
		"  alow sse;\n"
		"  allow avx;\n"
		"  deny 5.10;\n"
		"}\n"
		"polcy \"q\";\n"
		"arm64 { unknown deny; }\n");
	assert_int_equal(ctx.errors, 3);
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "unexpected identifier 'alow'", 3, 3));
	assert_true(has_diag(&ctx, KFP_SEV_NOTE, "did you mean 'allow'?", 3, 3));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "unexpected kernel version '5.10'", 5, 8));
	assert_true(has_diag(&ctx, KFP_SEV_NOTE, "did you mean 'policy'?", 7, 1));
	/* Statements around the errors survive. */
	const struct kfp_node *n = u->stmts->next;
	assert_int_equal(n->kind, KFP_N_SECTION);
	assert_int_equal(n->children->kind, KFP_N_FEATURES);
	assert_string_equal(n->children->u.features.names.v[0].text, "avx");
	assert_int_equal(n->next->kind, KFP_N_SECTION);
	kfp_unit_free(u);
	kfp_ctx_fini(&ctx);
}

static void test_missing_semicolon_hint(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct kfp_unit *u = parse(&ctx, "policy \"p\" version 1;\nx86_64 {\n  allow avx\n}\n");
	assert_int_equal(ctx.errors, 1);
	assert_true(has_diag(&ctx, KFP_SEV_NOTE, "is a ';' missing at the end of line 3?", 4, 1));
	kfp_unit_free(u);
	kfp_ctx_fini(&ctx);
}

static void test_error_cap(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	char text[4096] = "policy \"p\" version 1;\n";
	for (int i = 0; i < 100; i++)
		strcat(text, "$ ");
	struct kfp_unit *u = parse(&ctx, text);
	assert_int_equal(ctx.errors, KFP_DEFAULT_MAX_ERRORS);
	assert_true(ctx.too_many);
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "too many errors (20), stopping", 0, 0));
	kfp_unit_free(u);
	kfp_ctx_fini(&ctx);
}

static void test_no_policy_statement(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct kfp_unit *u = parse(&ctx, "");
	assert_int_equal(ctx.errors, 0);
	assert_int_equal(kfp_check_structure(&ctx, u), 1);
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "a policy file starts with", 1, 1));
	kfp_unit_free(u);
	kfp_ctx_fini(&ctx);
}

static void test_structure(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct kfp_unit *u = parse(&ctx,
		"policy \"p\" version 1;\n"
		"fleet \"a\" { arch x86_64; arm64 { unknown deny; } }\n"
		"fleet \"a\" { min_kernel 6.1; arch arm64; arch arm64; }\n"
		"group g { @nope @h }\n"
		"group h { @g }\n"
		"arm64 { allow aes; id_reg R { A = 1; A = 2; } hypercalls { ptp; } }\n"
		"x86_64 { cpuid 0x7 0 exx bit 32 = 2; unknown deny; unknown zero; }\n");
	assert_int_equal(ctx.errors, 0);
	kfp_check_structure(&ctx, u);
	if (0)
		dump_diags(&ctx);
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "fleet \"a\" has no 'min_kernel'", 2, 7));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "an arm64 section in fleet \"a\", whose arch is x86_64", 2, 26));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "fleet \"a\" is defined twice", 3, 7));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "fleet \"a\" sets 'arch' twice", 3, 41));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "undefined group '@nope'", 4, 11));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "group 'g' includes itself", 4, 7));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "'allow' has no meaning in an arm64 section", 6, 9));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "field 'A' is set twice", 6, 38));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "say 'on' or 'off' for hypercall 'ptp'", 6, 60));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "'exx' is not a CPUID register", 7, 22));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "bit 32 is out of range", 7, 30));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "a bit can only be 0 or 1", 7, 35));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "second 'unknown' rule", 7, 52));
	kfp_unit_free(u);
	kfp_ctx_fini(&ctx);
}

/* Writes files into a fresh directory and loads the first one. */
static char tmpdir[64];

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int make_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/kfp-test-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_includes(void **state)
{
	(void)state;
	char path[256];
	struct kfp_ctx ctx;
	write_file("top.kfp", "policy \"p\" version 1;\ninclude \"a.kfp\";\ninclude \"a.kfp\";\ninclude \"missing.kfp\";\n");
	write_file("a.kfp", "fleet \"f\" { arch x86_64; min_kernel 6.1; }\ninclude \"b.kfp\";\n");
	write_file("b.kfp", "group g { x }\ninclude \"a.kfp\";\n");
	snprintf(path, sizeof(path), "%s/top.kfp", tmpdir);
	kfp_ctx_init(&ctx);
	struct kfp_unit *u = kfp_load(&ctx, path);
	assert_non_null(u);
	/* The cycle a -> b -> a and the missing file are errors; the repeated
	 * include of a.kfp is not. */
	assert_int_equal(ctx.errors, 2);
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "include cycle", 2, 9));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "cannot include", 4, 9));
	const struct kfp_node *inc = u->stmts->next;
	assert_non_null(inc->u.include.unit);
	assert_null(inc->next->u.include.unit); /* loaded once */
	const struct kfp_unit *a = inc->u.include.unit;
	assert_int_equal(a->stmts->kind, KFP_N_FLEET);
	assert_ptr_equal(a->src->included_from, u->src);
	assert_int_equal(a->src->include_loc.line, 2);

	/* The error inside b.kfp prints the chain that led to it. */
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	kfp_diags_print(&ctx, mem);
	fclose(mem);
	assert_non_null(strstr(text, "b.kfp:2:9: error: include cycle"));
	assert_non_null(strstr(text, "a.kfp:2:1: note: included from here"));
	assert_non_null(strstr(text, "top.kfp:2:1: note: included from here"));
	free(text);
	kfp_unit_free(u);
	kfp_ctx_fini(&ctx);
}

static void test_policy_in_include(void **state)
{
	(void)state;
	char path[256];
	struct kfp_ctx ctx;
	write_file("p1.kfp", "policy \"p\" version 1;\ninclude \"p2.kfp\";\n");
	write_file("p2.kfp", "policy \"q\" version 2;\n");
	snprintf(path, sizeof(path), "%s/p1.kfp", tmpdir);
	kfp_ctx_init(&ctx);
	struct kfp_unit *u = kfp_load(&ctx, path);
	kfp_check_structure(&ctx, u);
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "belongs in the top-level file", 1, 1));
	kfp_unit_free(u);
	kfp_ctx_fini(&ctx);
}

static void test_unreadable_file(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	assert_null(kfp_load(&ctx, "/nonexistent/x.kfp"));
	assert_true(has_diag(&ctx, KFP_SEV_ERROR, "cannot read '/nonexistent/x.kfp'", 0, 0));
	kfp_ctx_fini(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tree),
		cmocka_unit_test(test_recovery_reports_each_error),
		cmocka_unit_test(test_missing_semicolon_hint),
		cmocka_unit_test(test_error_cap),
		cmocka_unit_test(test_no_policy_statement),
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_includes),
		cmocka_unit_test(test_policy_in_include),
		cmocka_unit_test(test_unreadable_file),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
