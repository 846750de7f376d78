/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host profiles refused: every validation error, precise and with its
 * position (structure, values, arm64), and hostile input (truncated files,
 * garbage, alias bombs, huge scalars, deep nesting), which is always an
 * error and never a crash or a blow-up; a large profile loads in linear
 * time.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/profiles/profile.h"
#include "profile_test.h"

static const char header[] =
	"kfp_host_profile: 1\nname: a\narch: x86_64\nkernel: \"6.1\"\n";
static const char arm_header[] =
	"kfp_host_profile: 1\nname: a\narch: arm64\nkernel: \"6.1\"\n";

/* ------------------------------------------------------------------ */
/* Validation errors: each one precise, with its position             */

struct bad {
	const char *text;
	const char *err;
};

/* Reports every mismatch, then fails once. */
static void expect_errors(const struct bad *cases, size_t n, const char *prefix)
{
	unsigned wrong = 0;
	for (size_t i = 0; i < n; i++) {
		char *err = NULL;
		size_t len = strlen(prefix) + strlen(cases[i].text);
		char *text = malloc(len + 1);
		strcpy(text, prefix);
		strcat(text, cases[i].text);
		struct kfp_host_profile *p = profile_parse("t.yaml", text, len, &err);
		if (p) {
			print_error("accepted:\n%s\n", text);
			wrong++;
		} else if (strcmp(err, cases[i].err) != 0) {
			print_error("for:\n%s\nexpected: %s\n     got: %s\n", text,
				    cases[i].err, err);
			wrong++;
		}
		kfp_profile_free(p);
		free(err);
		free(text);
	}
	assert_int_equal(wrong, 0);
}

static void test_errors_structure(void **state)
{
	(void)state;
	static const struct bad cases[] = {
		{ "", "t.yaml:1:1: empty file: expected a host profile" },
		{ "# only a comment\n", "t.yaml:2:1: empty file: expected a host profile" },
		{ "- 1\n- 2\n", "t.yaml:1:1: expected a mapping (a host profile), got a sequence" },
		{ "just text\n", "t.yaml:1:1: expected a mapping (a host profile), got a plain scalar" },
		{ "name: a\n", "t.yaml:1:1: missing required key 'kfp_host_profile'" },
		{ "kfp_host_profile: 1\narch: arm64\nkernel: \"6.1\"\n",
		  "t.yaml:1:1: missing required key 'name'" },
		{ "kfp_host_profile: 1\nname: a\nkernel: \"6.1\"\n",
		  "t.yaml:1:1: missing required key 'arch'" },
		{ "kfp_host_profile: 1\nname: a\narch: arm64\n",
		  "t.yaml:1:1: missing required key 'kernel'" },
		{ "kfp_host_profile: 2\n",
		  "t.yaml:1:19: unsupported host profile format 2 (this kfp reads format 1)" },
		{ "kfp_host_profile: \"1\"\n",
		  "t.yaml:1:19: expected an integer (format version), got the quoted string \"1\"; write it without quotes" },
		{ "kfp_host_profile: 1\nnmae: a\n",
		  "t.yaml:2:1: unknown key 'nmae' in a host profile; did you mean 'name'?" },
		{ "kfp_host_profile: 1\nbogus: a\n",
		  "t.yaml:2:1: unknown key 'bogus' in a host profile" },
		{ "kfp_host_profile: 1\nname: a\nname: b\n",
		  "t.yaml:3:1: duplicate key 'name' (first at 2:1)" },
		{ "kfp_host_profile: 1\nname: [a]\n",
		  "t.yaml:2:7: expected a string (name), got a sequence" },
		{ "kfp_host_profile: 1\nname:\n",
		  "t.yaml:2:6: name must not be empty" },
		{ "kfp_host_profile: 1\nname: \"a\\0b\"\n",
		  "t.yaml:2:7: name contains a NUL character" },
		{ "kfp_host_profile: 1\narch: aarch46\n",
		  "t.yaml:2:7: unknown arch 'aarch46'; did you mean 'aarch64'?" },
		{ "kfp_host_profile: 1\narch: riscv64\n",
		  "t.yaml:2:7: unknown arch 'riscv64' (expected x86_64 or arm64)" },
		{ "kfp_host_profile: 1\nname: a\narch: x86_64\nkernel: \"v6.1\"\n",
		  "t.yaml:4:9: kernel 'v6.1' does not start with MAJOR.MINOR (as in uname -r)" },
		{ "kfp_host_profile: 1\nname: a\narch: x86_64\nkernel: 6\n",
		  "t.yaml:4:9: kernel '6' does not start with MAJOR.MINOR (as in uname -r)" },
		{ "kfp_host_profile: 1\n---\nname: a\n",
		  "t.yaml:2:1: more than one YAML document in the file" },
		{ "kfp_host_profile: 1\nname: \"a\n",
		  "t.yaml:3:1: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar started at 2:7); the file ends there: is it truncated?" },
		{ "kfp_host_profile: 1\nname: a\narch: x86_64\nkernel: \"6.1\"\ncpuid: [[1, 2\n",
		  "t.yaml:6:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence started at 5:9); the file ends there: is it truncated?" },
		{ "kfp_host_profile: 1\n\tname: a\n",
		  "t.yaml:2:1: YAML syntax error: found a tab character that violates indentation (while scanning a plain scalar started at 1:19)" },
	};
	expect_errors(cases, sizeof(cases) / sizeof(cases[0]), "");
}

static void test_errors_values(void **state)
{
	(void)state;
	static const struct bad cases[] = {
		{ "cpuids: []\n",
		  "t.yaml:5:1: unknown key 'cpuids' in a host profile; did you mean 'cpuid'?" },
		{ "cpuid: {}\n",
		  "t.yaml:5:8: expected a sequence of cpuid entries, got a mapping" },
		{ "cpuid: [1]\n",
		  "t.yaml:5:9: expected a cpuid entry [function, index, flags, eax, ebx, ecx, edx], got a plain scalar" },
		{ "cpuid:\n  - [1, 2, 3]\n",
		  "t.yaml:6:5: cpuid entry has 3 values, expected 7 (function, index, flags, eax, ebx, ecx, edx)" },
		{ "cpuid:\n  - [1, 2, 3, 4, 5, 6, 7, 8]\n",
		  "t.yaml:6:27: cpuid entry has more than 7 values (function, index, flags, eax, ebx, ecx, edx)" },
		{ "cpuid:\n  - [1, 2, 3, 4, 5, 6, 0x100000000]\n",
		  "t.yaml:6:24: cpuid edx: 0x100000000 does not fit in 32 bits" },
		{ "cpuid:\n  - [4294967296, 0, 0, 0, 0, 0, 0]\n",
		  "t.yaml:6:6: cpuid function: 0x100000000 does not fit in 32 bits" },
		{ "cpuid:\n  - [1, 2, 3, 4, 5, eax, 7]\n",
		  "t.yaml:6:21: expected an integer (cpuid ecx), decimal or 0x hex, got 'eax'" },
		{ "cpuid:\n  - [1, 2, 3, 4, 5, -1, 7]\n",
		  "t.yaml:6:21: expected an integer (cpuid ecx), decimal or 0x hex, got '-1'" },
		{ "cpuid:\n  - [7, 0, 1, 0, 0, 0, 0]\n  - [1, 0, 0, 0, 0, 0, 0]\n  - [7, 0, 0, 0, 0, 0, 0]\n",
		  "t.yaml:8:5: cpuid function 0x7 index 0x0 is listed twice (first at 6:5)" },
		{ "msrs: {0x10a: 1, 0x10a: 2}\n",
		  "t.yaml:5:18: MSR 0x10a is listed twice (first at 5:8)" },
		{ "msrs: {0x100000000: 1}\n",
		  "t.yaml:5:8: MSR index: 0x100000000 does not fit in 32 bits" },
		{ "msrs: {0x10a: 0x1ffffffffffffffff}\n",
		  "t.yaml:5:15: MSR value: '0x1ffffffffffffffff' does not fit in 64 bits" },
		{ "msrs: {0x10a: 18446744073709551616}\n",
		  "t.yaml:5:15: MSR value: '18446744073709551616' does not fit in 64 bits" },
		{ "msrs: {\"0x10a\": 1}\n",
		  "t.yaml:5:8: expected an integer (MSR index), got the quoted string \"0x10a\"; write it without quotes" },
		{ "msrs: {010: 1}\n",
		  "t.yaml:5:8: MSR index: '010' has a leading zero, which YAML 1.1 reads as octal; write it in decimal without the zero or as 0x hex" },
		{ "msrs: [1]\n",
		  "t.yaml:5:7: expected a mapping, got a sequence" },
		{ "msrs:\n",
		  "t.yaml:5:6: expected a mapping, got an empty value" },
		{ "kvm_caps: {208: 0x100000000}\n",
		  "t.yaml:5:17: capability value: 0x100000000 does not fit in 32 bits" },
		{ "kvm_caps: {208: 1, 208: 2}\n",
		  "t.yaml:5:20: capability 0xd0 is listed twice (first at 5:12)" },
		{ "xsave: {size: 4096, xcr: 3}\n",
		  "t.yaml:5:21: unknown key 'xcr' in xsave; did you mean 'xcr0'?" },
		{ "xsave: {size: 4096, size: 3}\n",
		  "t.yaml:5:21: duplicate key 'xsave.size' (first at 5:9)" },
		{ "xsave: {size: 0x100000000}\n",
		  "t.yaml:5:15: xsave size: 0x100000000 does not fit in 32 bits" },
		{ "xsave: 4096\n",
		  "t.yaml:5:8: expected a mapping {size: N, xcr0: X, xss: X}, got a plain scalar" },
		/* arch-specific keys under the wrong arch */
		{ "reg_list: [1]\n",
		  "t.yaml:5:1: 'reg_list' belongs in arm64 profiles, but this one is x86_64" },
		{ "vcpu_features: []\n",
		  "t.yaml:5:1: 'vcpu_features' belongs in arm64 profiles, but this one is x86_64" },
		/* anchors, aliases and tags */
		{ "kvm_caps: &caps {1: 1}\n",
		  "t.yaml:5:11: anchors (&caps) are not allowed in a host profile" },
		{ "kvm_caps: *caps\n",
		  "t.yaml:5:11: aliases (*caps) are not allowed in a host profile" },
		{ "kvm_caps: !!map {}\n",
		  "t.yaml:5:11: tags (tag:yaml.org,2002:map) are not allowed in a host profile" },
	};
	expect_errors(cases, sizeof(cases) / sizeof(cases[0]), header);
}

static void test_errors_arm64(void **state)
{
	(void)state;
	static const struct bad cases[] = {
		{ "cpuid: []\n",
		  "t.yaml:5:1: 'cpuid' belongs in x86_64 profiles, but this one is arm64" },
		{ "xsave: {size: 1}\n",
		  "t.yaml:5:1: 'xsave' belongs in x86_64 profiles, but this one is arm64" },
		{ "reg_list: [1, 2, 1]\n",
		  "t.yaml:5:18: register 0x1 is listed twice (first at 5:12)" },
		{ "reg_list: [0x10000000000000000]\n",
		  "t.yaml:5:12: register id: '0x10000000000000000' does not fit in 64 bits" },
		{ "id_regs: {0x603000000013c020: 1, 0x603000000013c020: 1}\n",
		  "t.yaml:5:34: ID register 0x603000000013c020 is listed twice (first at 5:11)" },
		{ "firmware_regs: {x: 1}\n",
		  "t.yaml:5:17: expected an integer (firmware register id), decimal or 0x hex, got 'x'" },
		{ "writable_masks: {1: 0x1ffffffffffffffff}\n",
		  "t.yaml:5:21: writable mask: '0x1ffffffffffffffff' does not fit in 64 bits" },
		{ "vcpu_features: [pmuv3]\n",
		  "t.yaml:5:17: unknown vCPU feature 'pmuv3'; did you mean 'pmu_v3'?" },
		{ "vcpu_features: [teleport]\n",
		  "t.yaml:5:17: unknown vCPU feature 'teleport'" },
		{ "vcpu_features: [sve, sve]\n",
		  "t.yaml:5:22: vCPU feature 'sve' is listed twice" },
		{ "vcpu_features: [32]\n",
		  "t.yaml:5:17: vCPU feature bit 32 is out of range (0..31)" },
		{ "vcpu_features: [[sve]]\n",
		  "t.yaml:5:17: expected a vCPU feature name, got a sequence" },
		{ "vcpu_features: sve\n",
		  "t.yaml:5:16: expected a sequence of vCPU feature names, got a plain scalar" },
		{ "cache_regs: {0x603000000013c801: 1, 0x603000000013c020: 1}\n",
		  "t.yaml:5:37: cache register 0x603000000013c020 is neither CLIDR_EL1 "
		  "(0x603000000013c801) nor a CCSIDR_EL1 demux register (0x6020000000110000 + CSSELR)" },
		{ "cache_regs: {0x6020000000110010: 1}\n",
		  "t.yaml:5:14: cache register 0x6020000000110010 is neither CLIDR_EL1 "
		  "(0x603000000013c801) nor a CCSIDR_EL1 demux register (0x6020000000110000 + CSSELR)" },
		{ "cache_regs: {0x6020000000110001: 0x100000000}\n",
		  "t.yaml:5:14: cache register 0x6020000000110001: 0x100000000 does not fit in 32 "
		  "bits (CCSIDR_EL1)" },
		{ "cache_regs: {0x6020000000110001: 1, 0x6020000000110001: 2}\n",
		  "t.yaml:5:37: cache register 0x6020000000110001 is listed twice (first at 5:14)" },
	};
	expect_errors(cases, sizeof(cases) / sizeof(cases[0]), arm_header);

	/* an arch-specific key before the arch is checked at the end */
	static const struct bad late[] = {
		{ "msrs: {}\nkfp_host_profile: 1\nname: a\narch: arm64\nkernel: \"6.1\"\n",
		  "t.yaml:1:1: 'msrs' belongs in x86_64 profiles, but this one is arm64" },
	};
	expect_errors(late, 1, "");
}

/* ------------------------------------------------------------------ */
/* Hostile input: always an error, never a crash or a blow-up         */

static void expect_rejected(const char *text, size_t len, const char *what)
{
	char *err = NULL;
	struct kfp_host_profile *p = profile_parse("t.yaml", text, len, &err);
	if (p)
		print_error("%s: accepted\n", what);
	assert_null(p);
	assert_non_null(err);
	assert_true(strncmp(err, "t.yaml:", 7) == 0);
	/* untrusted text is quoted in excerpts, not in full */
	assert_true(strlen(err) < 300);
	free(err);
}

/* A profile cut short anywhere (a full disk, an interrupted copy) is an
 * error, never a smaller host: every proper prefix of what kfp probe
 * writes, for both arches, is refused (all but the final newline). */
static void test_truncated(void **state)
{
	(void)state;
	static const char *const files[] = {
		KFP_SOURCE_DIR "/tests/data/profiles/x86_64.yaml",
		KFP_SOURCE_DIR "/tests/data/profiles/arm64.yaml",
	};
	for (size_t i = 0; i < 2; i++) {
		char *err = NULL;
		struct kfp_host_profile *p = profile_load(files[i], &err);
		if (!p)
			fail_msg("%s", err);
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		assert_int_equal(kfp_profile_write(p, mem), 0);
		fclose(mem);
		kfp_profile_free(p);
		unsigned truncated = 0;
		for (size_t n = 0; n + 1 < len; n++) {
			p = profile_parse("t.yaml", text, n, &err);
			if (p)
				fail_msg("%s cut to %zu of %zu bytes loads", files[i], n, len);
			if (strncmp(err, "t.yaml", 6) != 0)
				fail_msg("the error does not name the file: %s", err);
			truncated += strstr(err, "truncated") != NULL;
			free(err);
		}
		/* Past the required common keys, the message says why. */
		assert_true(truncated > len / 2);
		p = profile_parse("t.yaml", text, len - 1, &err);
		assert_non_null(p);
		kfp_profile_free(p);
		free(text);
	}
}

static void test_hostile(void **state)
{
	(void)state;
	/* binary garbage, including NUL bytes and invalid UTF-8 */
	unsigned seed = 12345;
	char garbage[4096];
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(garbage); i++) {
			seed = seed * 1103515245u + 12345u;
			garbage[i] = (char)(seed >> 16);
		}
		expect_rejected(garbage, sizeof(garbage), "garbage");
	}
	expect_rejected("kfp_host_profile: 1\0name: a", 27, "NUL byte");
	expect_rejected("kfp_host_profile: 1\nname: \xff\xfe\n", 29, "bad UTF-8");
	expect_rejected("\xef\xbb\xbf", 3, "only a BOM");

	/* the billion laughs: refused at the first anchor */
	static const char bomb[] =
		"kfp_host_profile: 1\nname: a\narch: arm64\nkernel: \"6.1\"\n"
		"reg_list: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
		"id_regs: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"firmware_regs: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
	expect_rejected(bomb, strlen(bomb), "alias bomb");
	static const char lol[] =
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n";
	expect_rejected(lol, strlen(lol), "lol bomb");

	/* huge integers and huge scalars */
	size_t n = 1 << 20;
	char *run = malloc(n + 1);
	memset(run, 'f', n);
	run[n] = 0;
	char *big = malloc(2 * n);
	snprintf(big, 2 * n, "%smsrs: {0x10a: 0x%s}\n", header, run);
	expect_rejected(big, strlen(big), "huge hex");
	memset(run, '9', n);
	snprintf(big, 2 * n, "%smsrs: {0x10a: %s}\n", header, run);
	expect_rejected(big, strlen(big), "huge decimal");
	memset(run, 'k', n);
	snprintf(big, 2 * n, "%s: 1\n", run);
	expect_rejected(big, strlen(big), "huge key");
	free(run);

	/* deep nesting */
	memset(big, '[', n);
	expect_rejected(big, n, "deep flow nesting");
	strcpy(big, header);
	strcat(big, "cpuid: ");
	size_t at = strlen(big);
	memset(big + at, '[', 100000);
	expect_rejected(big, at + 100000, "deep nesting in a value");
	free(big);
}

/* A large profile loads in linear time. */
static void test_many_entries(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	fputs(arm_header, mem);
	fputs("reg_list: [", mem);
	for (unsigned i = 0; i < 100000; i++)
		fprintf(mem, "%s0x%x", i ? ", " : "", 100000 - i);
	fputs("]\nid_regs: {}\nfirmware_regs: {}\nvcpu_features: []\n", mem);
	fclose(mem);
	char *err = NULL;
	struct kfp_host_profile *p = profile_parse("t.yaml", text, len, &err);
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	assert_int_equal(p->nreg_list, 100000);
	assert_int_equal(p->reg_list[0], 1);
	assert_true(kfp_profile_has_reg(p, 77777));
	assert_false(kfp_profile_has_reg(p, 100001));
	kfp_profile_free(p);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_structure),
		cmocka_unit_test(test_errors_values),
		cmocka_unit_test(test_errors_arm64),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_many_entries),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
