/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host profiles loaded: any key order and YAML style, the files in
 * tests/data/profiles, errors in the kfp_ctx queue with their line, every
 * example of docs/host-profile.md, and kernel version parsing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/ctx.h"
#include "compiler/profiles/profile.h"
#include "profile_test.h"

/* ------------------------------------------------------------------ */
/* Loading                                                            */

static void test_load_any_order_and_style(void **state)
{
	(void)state;
	char *err = NULL;
	/* Block style instead of flow, keys in any order, decimal numbers,
	 * unsorted entries: all accepted and sorted. */
	struct kfp_host_profile *p = parse_str(
		"msrs:\n  0x345: 0\n  266: 0xeb\n"
		"cpuid:\n"
		"  - - 7\n    - 0\n    - 1\n    - 0\n    - 0xd19f4fbb\n    - 0\n    - 0\n"
		"  - [0, 0, 0, 0x16, 0, 0, 0]\n"
		"kernel: 6.18.30-61.116.amzn2023.x86_64\n"
		"arch: x86_64\nname: 'single quoted'\nkfp_host_profile: 1\n"
		"xsave: {xss: 0x100}\n",
		&err);
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	assert_string_equal(p->path, "t.yaml");
	assert_string_equal(p->name, "single quoted");
	assert_int_equal(p->kernel.major, 6);
	assert_int_equal(p->kernel.minor, 18);
	assert_int_equal(p->kernel.patch, 30);
	assert_int_equal(p->ncpuid, 2);
	assert_int_equal(p->cpuid[0].function, 0);
	assert_int_equal(kfp_profile_cpuid(p, 7, 0)->ebx, 0xd19f4fbb);
	assert_null(kfp_profile_cpuid(p, 7, 1));
	assert_null(kfp_profile_cpuid(p, 8, 0));
	assert_int_equal(p->msrs[0].id, 0x10a);
	assert_int_equal(kfp_profile_msr(p, 0x10a)->value, 0xeb);
	assert_int_equal(kfp_profile_msr(p, 0x345)->value, 0);
	assert_null(kfp_profile_msr(p, 0x346));
	assert_int_equal(p->xsave_size, 0);
	assert_int_equal(p->xss, 0x100);
	kfp_profile_free(p);
}

static void test_load_files(void **state)
{
	(void)state;
	char *err = NULL;
	struct kfp_host_profile *p =
		profile_load(KFP_SOURCE_DIR "/tests/data/profiles/x86_64.yaml", &err);
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	assert_int_equal(p->arch, KFP_ARCH_X86_64);
	assert_int_equal(p->ncpuid, 6);
	assert_int_equal(kfp_profile_cpuid(p, 7, 0)->ebx >> 16 & 1, 1);
	assert_int_equal(p->xsave_size, 4096);
	assert_int_equal(p->xcr0, 0x2ff);
	assert_int_equal(p->ncaps, 2);
	assert_int_equal(p->caps[1].id, 208);
	assert_int_equal(p->caps[1].value, 4096);
	assert_round_trip(p);
	kfp_profile_free(p);

	p = profile_load(KFP_SOURCE_DIR "/tests/data/profiles/arm64.yaml", &err);
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	assert_int_equal(p->arch, KFP_ARCH_ARM64);
	assert_int_equal(p->nreg_list, 9);
	assert_true(kfp_profile_has_reg(p, 0x603000000013c030));
	assert_false(kfp_profile_has_reg(p, 0x603000000013c038));
	assert_int_equal(kfp_profile_id_reg(p, 0x603000000013c030)->value >> 4 & 0xf, 2);
	assert_null(kfp_profile_id_reg(p, 0x603000000013c038));
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000160002)->value, 3);
	assert_null(kfp_profile_fw_reg(p, 0x6030000000160003));
	assert_false(p->has_writable_masks);
	assert_null(kfp_profile_writable_mask(p, 0x603000000013c020));
	assert_int_equal(p->vcpu_features, 1u << 0 | 1u << 2 | 1u << 3);
	assert_round_trip(p);
	kfp_profile_free(p);

	assert_null(profile_load(KFP_SOURCE_DIR "/tests/data/profiles/missing.yaml",
				     &err));
	assert_string_equal(err, KFP_SOURCE_DIR "/tests/data/profiles/missing.yaml: cannot open: No such file or directory");
	free(err);
}

/* A profile's error goes to the kfp_ctx queue, located in the profile, which
 * is registered as a source: it prints like a policy error, with the line.
 * Good profiles are not kept as sources. */
static void test_error_in_ctx(void **state)
{
	(void)state;
	static const char text[] = "kfp_host_profile: 1\nname: h\ncpuids: []\n";
	struct kfp_ctx ctx;
	char *out = NULL;
	size_t len = 0;

	kfp_ctx_init(&ctx);
	assert_null(kfp_profile_parse(&ctx, "h.yaml", text, strlen(text)));
	assert_int_equal(ctx.errors, 1);
	assert_int_equal(ctx.nsources, 1);
	FILE *mem = open_memstream(&out, &len);
	assert_non_null(mem);
	kfp_diags_print(&ctx, mem);
	fclose(mem);
	assert_string_equal(out,
			    "h.yaml:3:1: error: unknown key 'cpuids' in a host profile; did you mean 'cpuid'?\n"
			    "    3 | cpuids: []\n"
			    "      | ^\n");
	free(out);
	kfp_ctx_fini(&ctx);

	kfp_ctx_init(&ctx);
	struct kfp_host_profile *p =
		kfp_profile_load(&ctx, KFP_SOURCE_DIR "/tests/data/profiles/x86_64.yaml");
	assert_non_null(p);
	assert_int_equal(ctx.nsources, 0);
	assert_int_equal(ctx.ndiags, 0);
	kfp_profile_free(p);
	kfp_ctx_fini(&ctx);
}

/* Every complete example in docs/host-profile.md loads. */
static void test_doc_examples(void **state)
{
	(void)state;
	const char *path = KFP_SOURCE_DIR "/docs/host-profile.md";
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[512];
	char *block = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	unsigned examples = 0;

	while (fgets(line, sizeof(line), f)) {
		if (!mem && strcmp(line, "```yaml\n") == 0) {
			mem = open_memstream(&block, &len);
		} else if (mem && strcmp(line, "```\n") == 0) {
			fclose(mem);
			mem = NULL;
			if (strstr(block, "kfp_host_profile: 1")) {
				char *err = NULL;
				struct kfp_host_profile *p =
					profile_parse("doc", block, len, &err);
				if (!p)
					print_error("%s in:\n%s", err, block);
				assert_non_null(p);
				assert_round_trip(p);
				kfp_profile_free(p);
				examples++;
			}
			free(block);
			block = NULL;
		} else if (mem) {
			fputs(line, mem);
		}
	}
	fclose(f);
	assert_true(examples >= 2);
}

/* ------------------------------------------------------------------ */
/* Kernel versions                                                    */

static void test_kver(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
		uint32_t major, minor, patch;
		unsigned parts;
	} cases[] = {
		{ "6.1.172-216.329.amzn2023.x86_64", true, 6, 1, 172, 3 },
		{ "5.10.255-253.1008.amzn2.aarch64", true, 5, 10, 255, 3 },
		{ "6.18.30-61.116.amzn2023.x86_64", true, 6, 18, 30, 3 },
		{ "6.12.48+deb13-arm64", true, 6, 12, 48, 3 },
		{ "5.10", true, 5, 10, 0, 2 },
		{ "6.1-rc1", true, 6, 1, 0, 2 },
		{ "6.1.", true, 6, 1, 0, 2 },
		{ "6.1.2.3", true, 6, 1, 2, 3 },
		{ "4294967295.0", true, 4294967295u, 0, 0, 2 },
		{ "4294967296.0", false, 0, 0, 0, 0 },
		{ "6", false, 0, 0, 0, 0 },
		{ "6.", false, 0, 0, 0, 0 },
		{ "v6.1", false, 0, 0, 0, 0 },
		{ "", false, 0, 0, 0, 0 },
		{ ".1", false, 0, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kfp_kver v;
		bool ok = kfp_kver_parse(cases[i].s, &v);
		if (ok != cases[i].ok)
			print_error("%s\n", cases[i].s);
		assert_int_equal(ok, cases[i].ok);
		if (!ok)
			continue;
		assert_int_equal(v.major, cases[i].major);
		assert_int_equal(v.minor, cases[i].minor);
		assert_int_equal(v.patch, cases[i].patch);
		assert_int_equal(v.parts, cases[i].parts);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_in_ctx),
		cmocka_unit_test(test_load_any_order_and_style),
		cmocka_unit_test(test_load_files),
		cmocka_unit_test(test_doc_examples),
		cmocka_unit_test(test_kver),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
