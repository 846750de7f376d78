/* SPDX-License-Identifier: Apache-2.0 */
/*
 * QEMU's and libvirt's spellings of x86 features (kfp_vmm_feature_name):
 * every one that the catalog does not accept as a name or an alias of the
 * same feature gets "did you mean" naming kfp's name (QEMU's 3dnowprefetch
 * is prefetchw), and every one it accepts is that very feature.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/catalog/catalog.h"
#include "compiler/emitters/emit.h"
#include "compiler/pipeline.h"
#include "compiler/semantics/sema.h"

#ifndef KFP_SOURCE_DIR
#define KFP_SOURCE_DIR "."
#endif

static struct kfp_catalog *cat;

/* Compiles one statement in a common x86_64 section; returns everything
 * kfpc would print. */
static char *check(const char *stmt)
{
	char text[512];
	snprintf(text, sizeof(text),
		 "policy \"p\" version 1;\nfleet \"a\" { arch x86_64; min_kernel 6.1; }\n"
		 "x86_64 {\n    %s\n}\n", stmt);
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_compiled c;
	kfp_compile_buffer(&ctx, "t.kfp", text, strlen(text), cat, NULL, &c);
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	kfp_diags_print(&ctx, mem);
	fclose(mem);
	kfp_compiled_free(&c);
	kfp_ctx_fini(&ctx);
	return out;
}

struct counts {
	unsigned foreign; /* spellings kfp knows under another name */
	unsigned same;    /* spellings that are names or aliases */
};

/* One catalog feature: its QEMU and libvirt names, if any. */
static void one(enum kfp_feat_kind kind, const struct kfp_cat_common *c, const void *entry,
		const void *found_as_is(const char *), const char *pre, const char *post,
		struct counts *n)
{
	static const enum kfp_vmm_format fmts[] = { KFP_VMM_QEMU, KFP_VMM_LIBVIRT };
	for (size_t i = 0; i < 2; i++) {
		char name[160], stmt[256], want[256];
		if (!kfp_vmm_feature_name(fmts[i], kind, c->name, name, sizeof(name)))
			continue;
		const void *e = found_as_is(name);
		if (e) {
			/* Every catalog entry starts with its common part.  One
			 * VMM name may cover two features (QEMU's kvmclock sets
			 * kvmclock's and kvmclock2's bits). */
			const struct kfp_cat_common *ec = e;
			char other[160];
			if (e != entry &&
			    !(kfp_vmm_feature_name(fmts[i], kind, ec->name, other, sizeof(other)) &&
			      !strcmp(other, name)))
				fail_msg("%s's '%s' is kfp's '%s', but the catalog resolves it to another feature",
					 kfp_vmm_format_name(fmts[i]), name, c->name);
			n->same++;
			continue;
		}
		snprintf(stmt, sizeof(stmt), "%s%s%s", pre, name, post);
		snprintf(want, sizeof(want), "did you mean '%s'?", c->name);
		char *out = check(stmt);
		if (!strstr(out, want))
			fail_msg("'%s' (%s) should get \"%s\", got:\n%s", stmt,
				 kfp_vmm_format_name(fmts[i]), want, out);
		free(out);
		n->foreign++;
	}
}

static const void *find_cpuid(const char *name) { return kfp_cat_find_cpuid(cat, name); }
static const void *find_kvm(const char *name) { return kfp_cat_find_kvm(cat, name); }
static const void *find_vmx(const char *name) { return kfp_cat_find_vmx(cat, name); }
static const struct kfp_cat_msr *cur_msr;
static const void *find_msr_bit(const char *name) { return kfp_cat_find_msr_bit(cur_msr, name); }

static void test_every_vmm_spelling(void **state)
{
	(void)state;
	struct counts n = { 0 };
	for (size_t i = 0; i < cat->ncpuid; i++)
		one(KFP_FEAT_CPUID, &cat->cpuid[i].c, &cat->cpuid[i], find_cpuid, "allow ", ";", &n);
	for (size_t i = 0; i < cat->nkvm; i++)
		one(KFP_FEAT_KVM, &cat->kvm[i].c, &cat->kvm[i], find_kvm, "kvm allow ", ";", &n);
	for (size_t i = 0; i < cat->nvmx; i++)
		one(KFP_FEAT_VMX, &cat->vmx[i].c, &cat->vmx[i], find_vmx, "vmx allow ", ";", &n);
	for (size_t m = 0; m < cat->nmsrs; m++) {
		cur_msr = &cat->msrs[m];
		char pre[160];
		snprintf(pre, sizeof(pre), "msr %s { allow ", cur_msr->c.name);
		for (size_t i = 0; i < cur_msr->nbits; i++)
			one(KFP_FEAT_MSR_BIT, &cur_msr->bits[i].c, &cur_msr->bits[i], find_msr_bit,
			    pre, "; }", &n);
	}
	printf("%u QEMU/libvirt spellings are kfp names or aliases, %u get \"did you mean\"\n",
	       n.same, n.foreign);
	/* At least QEMU's and libvirt's 3dnow, 3dnowext and 3dnowprefetch. */
	assert_true(n.foreign >= 6);
	assert_true(n.same > 100);
}

/* The cases the issue named, with the exact message, and a spelling of
 * another list. */
static void test_messages(void **state)
{
	(void)state;
	char *out = check("allow 3dnowprefetch;");
	assert_non_null(strstr(out, "t.kfp:4:11: error: unknown CPUID feature '3dnowprefetch'; did you mean 'prefetchw'?\n"));
	assert_non_null(strstr(out, "note: '3dnowprefetch' is QEMU's and libvirt's name for kfp's 'prefetchw'\n"));
	free(out);
	out = check("xsave allow 3dnow;");
	assert_non_null(strstr(out, "error: unknown xsave component '3dnow'\n"));
	assert_non_null(strstr(out, "note: '3dnow' is QEMU's and libvirt's name for the CPUID feature 'amd-3dnow': write 'allow amd-3dnow;'\n"));
	free(out);
}

static int setup(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	cat = kfp_catalog_load(&ctx, KFP_SOURCE_DIR "/compiler/catalog");
	kfp_diags_print(&ctx, stderr);
	kfp_ctx_fini(&ctx);
	if (!cat)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kfp_catalog_free(cat);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_vmm_spelling),
		cmocka_unit_test(test_messages),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
