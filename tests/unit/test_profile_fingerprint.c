/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host profiles imported from Firecracker fingerprints: small constructed
 * ones and their errors, then the real fingerprints in
 * tests/data/firecracker (every one imports and round-trips; facts of the
 * x86 and arm64 hosts; the load time of a realistic profile).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "compiler/profiles/profile.h"
#include "profile_test.h"

#ifndef KFP_FLEET_DATA
#define KFP_FLEET_DATA "tests/data"
#endif

#define FLEET_DIR KFP_FLEET_DATA "/firecracker"

/* ------------------------------------------------------------------ */
/* Firecracker fingerprints                                           */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/kfp-test-profile-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[512];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	return rmdir(tmpdir);
}

static struct kfp_host_profile *import_text(const char *text, char **err,
					    char *path, size_t pathlen)
{
	static unsigned count;
	snprintf(path, pathlen, "%s/fp%u.json", tmpdir, count++);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return fingerprint_load(path, "host", err);
}

static const char fp_x86_head[] =
	"{\n"
	"  \"kernel_version\": \"6.1.172-216.329.amzn2023.x86_64\",\n"
	"  \"guest_cpu_config\": {\n"
	"    \"cpuid_modifiers\": [\n";

#define FP_REG(r, bits) "{\"register\": \"" r "\", \"bitmap\": \"0b" bits "\"}"
#define Z32 "00000000000000000000000000000000"
#define FP_LEAF(leaf, eax)                                                   \
	"      {\"leaf\": \"" leaf "\", \"subleaf\": \"0x0\", \"flags\": 0,\n" \
	"       \"modifiers\": [" FP_REG("eax", eax) ", " FP_REG("ebx", Z32)    \
	", " FP_REG("ecx", Z32) ", " FP_REG("edx", Z32) "]}"

static void test_fingerprint_small(void **state)
{
	(void)state;
	char path[128], *err = NULL;
	char text[4096];
	snprintf(text, sizeof(text), "%s%s,\n%s\n    ],\n"
		 "    \"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b%s%s\"}]\n"
		 "  },\n  \"extra\": {\"ignored\": [1, {\"a\": 2}]}\n}\n",
		 fp_x86_head,
		 FP_LEAF("0xd", "00000000000000000000001011100111"),
		 FP_LEAF("0x1", "00000000000000000000000000000001"),
		 Z32, "00000000000000000000000011101011");
	struct kfp_host_profile *p = import_text(text, &err, path, sizeof(path));
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	assert_string_equal(p->name, "host");
	assert_string_equal(p->path, path);
	assert_int_equal(p->arch, KFP_ARCH_X86_64);
	assert_int_equal(p->ncpuid, 2);
	assert_int_equal(p->cpuid[0].function, 1); /* sorted */
	assert_int_equal(p->cpuid[0].eax, 1);
	assert_int_equal(p->xcr0, 0x2e7);
	assert_int_equal(p->xss, 0);
	assert_int_equal(kfp_profile_msr(p, 0x10a)->value, 0xeb);
	assert_round_trip(p);
	kfp_profile_free(p);

	/* without a name, the file's base name */
	p = fingerprint_load(path, NULL, &err);
	assert_non_null(p);
	assert_non_null(strstr(path, p->name));
	assert_null(strstr(p->name, ".json"));
	kfp_profile_free(p);
}

static unsigned fp_wrong;

static void expect_fp_error(const char *text, const char *suffix)
{
	char path[128], *err = NULL;
	struct kfp_host_profile *p = import_text(text, &err, path, sizeof(path));
	if (p) {
		print_error("accepted:\n%s\n", text);
		fp_wrong++;
	} else if (strncmp(err, path, strlen(path)) != 0 ||
		   strcmp(err + strlen(path), suffix) != 0) {
		/* "PATH:LINE:COL: ..." */
		print_error("for:\n%s\nexpected: %s%s\n     got: %s\n", text, path,
			    suffix, err);
		fp_wrong++;
	}
	kfp_profile_free(p);
	free(err);
}

static void test_fingerprint_errors(void **state)
{
	(void)state;
	char text[4096];

	snprintf(text, sizeof(text), "%s%s\n    ]\n  }\n}\n", fp_x86_head,
		 FP_LEAF("0x7", "0000000000000000000000000000000x"));
	expect_fp_error(text, ":6:52: cpuid leaf 0x7 subleaf 0x0 eax: bitmap has 'x' (keep the host's bit) digits, so this is a CPU template, not a fingerprint");

	snprintf(text, sizeof(text), "%s%s\n    ]\n  }\n}\n", fp_x86_head,
		 FP_LEAF("0x7", "0000000000000000000000000000000"));
	expect_fp_error(text, ":6:52: cpuid leaf 0x7 subleaf 0x0 eax: bitmap has 31 digits, expected 32");

	snprintf(text, sizeof(text), "%s%s,\n%s\n    ]\n  }\n}\n", fp_x86_head,
		 FP_LEAF("0x7", Z32), FP_LEAF("0x7", Z32));
	expect_fp_error(text, ":7:7: cpuid function 0x7 index 0x0 is listed twice (first at 5:7)");

	snprintf(text, sizeof(text), "%s      {\"leaf\": \"0x7\", \"subleaf\": \"0x0\", \"flags\": 0, \"modifiers\": [%s]}\n    ]\n  }\n}\n",
		 fp_x86_head, FP_REG("eax", Z32));
	expect_fp_error(text, ":5:7: cpuid leaf 0x7 subleaf 0x0 has no bitmap for ebx");

	snprintf(text, sizeof(text), "%s      {\"leaf\": \"0x100000000\"}\n    ]\n  }\n}\n",
		 fp_x86_head);
	expect_fp_error(text, ":5:16: cpuid leaf: 0x100000000 does not fit in 32 bits");

	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\", \"guest_cpu_config\": {\n"
			"  \"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b101\"}]}}\n",
			":2:49: msr 0x10a: bitmap has 3 digits, expected 64");
	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\", \"guest_cpu_config\": {\n"
			"  \"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"101\"}]}}\n",
			":2:49: msr 0x10a: bitmap does not start with \"0b\"");
	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\", \"guest_cpu_config\": {\n"
			"  \"msr_modifiers\": [{\"bitmap\": \"0b1\"}]}}\n",
			":2:21: msr modifier without 'addr'");
	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\", \"guest_cpu_config\": {\n"
			"  \"reg_modifiers\": [{\"addr\": \"0x6030000000100000\", \"bitmap\": \"0b" Z32 "\"}]}}\n",
			":2:3: arm64 modifiers in the fingerprint of an x86_64 kernel");
	expect_fp_error("{\"kernel_version\": \"6.1.0-aarch64\", \"guest_cpu_config\": {\n"
			"  \"reg_modifiers\": [{\"addr\": \"0x6030000000100000\", \"bitmap\": \"0b1" Z32 Z32 "\"}]}}\n",
			":2:62: register 0x6030000000100000: bitmap has 65 digits, expected 32, 64 or 128");
	expect_fp_error("{\"kernel_version\": \"6.1.0-aarch64\", \"guest_cpu_config\": {\n"
			"  \"reg_modifiers\": [{\"addr\": \"0x6030000000100000\", \"bitmap\": \"0b1" Z32 Z32 Z32 "0000000000000000000000000000000\"}]}}\n",
			":2:62: register 0x6030000000100000: the value does not fit the register's 64 bits");
	expect_fp_error("{\"kernel_version\": \"6.1.0-aarch64\", \"guest_cpu_config\": {\n"
			"  \"reg_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b" Z32 "\"}]}}\n",
			":2:21: register 0x10a is not an arm64 ONE_REG id");
	expect_fp_error("{\"kernel_version\": \"6.1.0-aarch64\", \"guest_cpu_config\": {\n"
			"  \"vcpu_features\": [{\"index\": 1, \"bitmap\": \"0b" Z32 "\"}]}}\n",
			":2:21: vcpu_features index 1: KVM defines feature word 0 only");
	expect_fp_error("{\"kernel_version\": \"6.1\", \"guest_cpu_config\": {}}\n",
			":1:20: cannot tell the architecture: kernel_version ends in neither x86_64 nor aarch64 and there are no modifiers");
	expect_fp_error("{\"kernel_version\": \"linux\", \"guest_cpu_config\": {}}\n",
			":1:20: kernel_version 'linux' does not start with MAJOR.MINOR");
	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\"}\n",
			":1:1: missing 'guest_cpu_config': not a Firecracker fingerprint");
	expect_fp_error("[]\n",
			":1:1: expected a mapping (a fingerprint), got a sequence");
	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\", \"guest_cpu_config\": {\"x\": &a 1}}\n",
			":1:62: anchors (&a) are not allowed in a host profile");

	assert_int_equal(fp_wrong, 0);
	char *err = NULL;
	assert_null(fingerprint_load("/nonexistent/fp.json", NULL, &err));
	assert_string_equal(err, "/nonexistent/fp.json: cannot open: No such file or directory");
	free(err);
}

static bool fleet_dir_missing(void)
{
	DIR *d = opendir(FLEET_DIR);
	if (d) {
		closedir(d);
		return false;
	}
	fail_msg("no fleet data at %s (it is part of the repository: tests/data/firecracker)",
		 FLEET_DIR);
	return true;
}

static struct kfp_host_profile *import_fleet(const char *file)
{
	char path[512], *err = NULL;
	snprintf(path, sizeof(path), "%s/%s", FLEET_DIR, file);
	struct kfp_host_profile *p = fingerprint_load(path, file, &err);
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	return p;
}

/* Every fingerprint imports, and import -> write -> load is lossless. */
static void test_fleet_all(void **state)
{
	(void)state;
	if (fleet_dir_missing()) {
		skip();
		return;
	}
	DIR *d = opendir(FLEET_DIR);
	struct dirent *e;
	unsigned n = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, "fingerprint_", 12) != 0 || len < 5 ||
		    strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		struct kfp_host_profile *p = import_fleet(e->d_name);
		bool arm = strstr(e->d_name, "ARM") != NULL;
		assert_int_equal(p->arch, arm ? KFP_ARCH_ARM64 : KFP_ARCH_X86_64);
		assert_int_equal(p->kernel.parts, 3);
		if (arm)
			assert_true(p->nreg_list > 200 && p->nid_regs > 0);
		else
			assert_true(p->ncpuid > 40 && p->nmsrs > 30);
		assert_round_trip(p);
		kfp_profile_free(p);
		n++;
	}
	closedir(d);
	assert_true(n >= 8);
}

static void test_fleet_x86_facts(void **state)
{
	(void)state;
	if (fleet_dir_missing()) {
		skip();
		return;
	}
	struct kfp_host_profile *p = import_fleet("fingerprint_INTEL_CASCADELAKE_6.1host.json");
	assert_string_equal(p->kernel_release, "6.1.172-216.329.amzn2023.x86_64");
	assert_int_equal(p->kernel.major, 6);
	assert_int_equal(p->kernel.minor, 1);
	assert_int_equal(p->kernel.patch, 172);
	assert_int_equal(p->ncpuid, 47);
	assert_int_equal(p->nmsrs, 33);
	const struct kfp_cpuid_entry *l7 = kfp_profile_cpuid(p, 7, 0);
	assert_non_null(l7);
	assert_int_equal(l7->flags, 1); /* KVM_CPUID_FLAG_SIGNIFCANT_INDEX */
	assert_int_equal(l7->ebx, 0xd19f67eb);
	assert_int_equal(l7->ebx >> 16 & 1, 1); /* AVX512F */
	/* "GenuineIntel" */
	assert_int_equal(kfp_profile_cpuid(p, 0, 0)->ebx, 0x756e6547);
	assert_int_equal(p->xcr0, 0x2ff); /* CPUID.(0xD,0) EDX:EAX */
	assert_int_equal(p->xss, 0);      /* CPUID.(0xD,1) EDX:ECX */
	assert_int_equal(p->xsave_size, 0); /* not in a fingerprint */
	assert_int_equal(kfp_profile_msr(p, 0x10a)->value, 0xc0aa0eb);
	kfp_profile_free(p);

	p = import_fleet("fingerprint_INTEL_CASCADELAKE_5.10host.json");
	assert_int_equal(p->kernel.major, 5);
	assert_int_equal(p->kernel.minor, 10);
	assert_int_equal(p->kernel.patch, 255);
	kfp_profile_free(p);

	p = import_fleet("fingerprint_INTEL_CASCADELAKE_6.18host.json");
	assert_int_equal(p->kernel.major, 6);
	assert_int_equal(p->kernel.minor, 18);
	assert_int_equal(p->nmsrs, 39); /* the newer kernel offers more */
	kfp_profile_free(p);

	p = import_fleet("fingerprint_AMD_MILAN_6.1host.json");
	assert_int_equal(p->ncpuid, 61);
	assert_int_equal(kfp_profile_cpuid(p, 7, 0)->ebx >> 16 & 1, 0);
	assert_null(kfp_profile_msr(p, 0x10a));
	assert_non_null(kfp_profile_cpuid(p, 0x8000001d, 4));
	kfp_profile_free(p);
}

static void test_fleet_arm64_facts(void **state)
{
	(void)state;
	if (fleet_dir_missing()) {
		skip();
		return;
	}
	struct kfp_host_profile *p = import_fleet("fingerprint_ARM_NEOVERSE_N1_6.1host.json");
	assert_int_equal(p->arch, KFP_ARCH_ARM64);
	assert_int_equal(p->kernel.minor, 1);
	assert_int_equal(p->nreg_list, 242); /* as seen here on 6.1 */
	const struct kfp_reg_value *isar0 = kfp_profile_id_reg(p, 0x603000000013c030);
	assert_non_null(isar0);
	assert_int_equal(isar0->value >> 4 & 0xf, 2); /* AES: AES + PMULL */
	assert_int_equal(kfp_profile_id_reg(p, 0x603000000013c020)->value,
			 0x1100000011111112);
	assert_int_equal(kfp_profile_id_reg(p, 0x603000000013c000)->value >> 4 & 0xfff,
			 0xd0c); /* MIDR PartNum: Neoverse N1 */
	assert_true(kfp_profile_has_reg(p, 0x603000000013c030));
	assert_true(kfp_profile_has_reg(p, 0x6040000000100054)); /* a V register */
	/* core registers are in reg_list only */
	assert_null(kfp_profile_id_reg(p, 0x6030000000100000));
	assert_null(kfp_profile_fw_reg(p, 0x6030000000100000));
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000140000)->value, 0x10001);
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000160000)->value, 1);
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000160001)->value, 1);
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000160002)->value, 3);
	assert_null(kfp_profile_fw_reg(p, 0x6030000000160003));
	assert_int_equal(p->vcpu_features, 0);
	assert_int_equal(p->ncpuid + p->nmsrs, 0);
	/* The hardware's cache: L1 data and instruction, unified L2 and LoC 2
	 * ... as 6.1 shows it. */
	assert_int_equal(p->ncache_regs, 4);
	assert_int_equal(kfp_profile_cache_reg(p, 0x603000000013c801)->value, 0x82000023);
	assert_int_equal(kfp_profile_cache_reg(p, 0x6020000000110000)->value, 0x701fe01a);
	assert_int_equal(kfp_profile_cache_reg(p, 0x6020000000110002)->value, 0x70ffe03a);
	assert_null(kfp_profile_id_reg(p, 0x603000000013c801)); /* op1 1: not an ID register */
	kfp_profile_free(p);

	p = import_fleet("fingerprint_ARM_NEOVERSE_N1_5.10host.json");
	assert_int_equal(p->kernel.minor, 10);
	assert_int_equal(p->nreg_list, 312); /* as seen here on 5.10 */
	/* no hypercall bitmap registers before 5.19 */
	assert_null(kfp_profile_fw_reg(p, 0x6030000000160000));
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000140000)->value, 0x10000);
	kfp_profile_free(p);

	p = import_fleet("fingerprint_ARM_NEOVERSE_N1_6.18host.json");
	assert_int_equal(p->kernel.minor, 18);
	assert_int_equal(p->nreg_list, 254);
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000160003)->value, 0);
	/* 6.3 and later fabricate the cache description: 14 CCSIDR_EL1 with
	 * only a line size. */
	assert_int_equal(p->ncache_regs, 15);
	assert_int_equal(kfp_profile_cache_reg(p, 0x603000000013c801)->value, 0x3000123);
	assert_int_equal(kfp_profile_cache_reg(p, 0x602000000011000d)->value, 0x2);
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000140000)->value, 0x10003);
	kfp_profile_free(p);
}

/* Load time of a realistic x86 profile: a figure, printed and never
 * asserted (a timed assertion fails on a busy machine, not on slow code);
 * bench/bench_compile measures loading at scale. */
static void test_fleet_load_time(void **state)
{
	(void)state;
	if (fleet_dir_missing()) {
		skip();
		return;
	}
	struct kfp_host_profile *p = import_fleet("fingerprint_INTEL_CASCADELAKE_6.1host.json");
	char *text = write_str(p);
	size_t len = strlen(text);
	kfp_profile_free(p);

	struct timespec t0, t1;
	const int n = 1000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		struct kfp_host_profile *q = profile_parse("t.yaml", text, len, NULL);
		assert_non_null(q);
		kfp_profile_free(q);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n;
	printf("cascadelake 6.1 profile (%zu bytes): %.1f us per load\n", len, us);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fingerprint_small),
		cmocka_unit_test(test_fingerprint_errors),
		cmocka_unit_test(test_fleet_all),
		cmocka_unit_test(test_fleet_x86_facts),
		cmocka_unit_test(test_fleet_arm64_facts),
		cmocka_unit_test(test_fleet_load_time),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
