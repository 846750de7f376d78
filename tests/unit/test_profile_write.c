/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host profiles written by kfp_profile_write: write/load round trips of
 * profiles built by hand (x86, arm64, empty, names of any text), and the
 * profiles the writer refuses.
 */
#include <errno.h>
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

/* ------------------------------------------------------------------ */
/* Profiles built by hand                                             */

/* A profile built by hand, its arrays on the heap like a loaded one's. */
static struct kfp_host_profile *new_profile(enum kfp_arch arch,
					    const char *name,
					    const char *kernel)
{
	struct kfp_host_profile *p = calloc(1, sizeof(*p));
	p->path = strdup("built");
	p->name = strdup(name);
	p->arch = arch;
	p->kernel_release = strdup(kernel);
	assert_true(kfp_kver_parse(kernel, &p->kernel));
	return p;
}

static void *dup_array(const void *v, size_t size)
{
	void *p = malloc(size);
	memcpy(p, v, size);
	return p;
}

#define SET_ARRAY(p, field, nfield, ...)                                     \
	do {                                                                 \
		__typeof__(*(p)->field) tmp_[] = __VA_ARGS__;                \
		(p)->field = dup_array(tmp_, sizeof(tmp_));                  \
		(p)->nfield = sizeof(tmp_) / sizeof(tmp_[0]);                \
	} while (0)

static struct kfp_host_profile *x86_profile(void)
{
	struct kfp_host_profile *p =
		new_profile(KFP_ARCH_X86_64, "cascadelake-a",
			    "6.1.172-216.329.amzn2023.x86_64");
	SET_ARRAY(p, caps, ncaps, { { 153, 1 }, { 208, 4096 }, { 0xffffffff, 0x7fffffff } });
	SET_ARRAY(p, cpuid, ncpuid, {
		{ 0x0, 0, 0, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 },
		{ 0x7, 0, 1, 0, 0xd19f4fbb, 0x80c, 0xbc000400 },
		{ 0x7, 1, 1, 0, 0, 0, 0 },
		{ 0xd, 0, 1, 0x2e7, 0x240, 0xa88, 0 },
		{ 0x80000008, 0, 0, 0x302e, 0x100d000, 0, 0 },
		{ 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
		  0xffffffff, 0xffffffff },
	});
	SET_ARRAY(p, msrs, nmsrs, {
		{ 0x10a, 0x000000000a0000eb },
		{ 0x345, 0 },
		{ 0x480, 0xda040000000012 },
		{ 0xffffffff, UINT64_MAX },
	});
	p->xsave_size = 4096;
	p->xcr0 = 0x2e7;
	p->xss = 0x1900;
	return p;
}

static struct kfp_host_profile *arm64_profile(void)
{
	struct kfp_host_profile *p =
		new_profile(KFP_ARCH_ARM64, "n1-a", "6.12.48+deb13-arm64");
	SET_ARRAY(p, caps, ncaps, { { 126, 1 }, { 230, 1 } });
	SET_ARRAY(p, reg_list, nreg_list, {
		0x6030000000100000, 0x603000000013c020, 0x603000000013c030,
		0x6030000000160000, 0x6040000000100054, UINT64_MAX,
	});
	SET_ARRAY(p, id_regs, nid_regs, {
		{ 0x603000000013c020, 0x1100000011111112 },
		{ 0x603000000013c030, 0x100010211120 },
	});
	p->has_writable_masks = true;
	SET_ARRAY(p, writable_masks, nwritable_masks, {
		{ 0x603000000013c020, 0x0f000000f0000000 },
		{ 0x603000000013c030, UINT64_MAX },
	});
	SET_ARRAY(p, fw_regs, nfw_regs, {
		{ 0x6030000000140000, 0x10001 },
		{ 0x6030000000160000, 1 },
		{ 0x6030000000160002, 3 },
	});
	/* 6.12's own cache description: CLIDR_EL1 and U32 CCSIDR_EL1. */
	SET_ARRAY(p, cache_regs, ncache_regs, {
		{ 0x6020000000110000, 0x2 },
		{ 0x602000000011000d, 0xffffffff },
		{ 0x603000000013c801, 0x9200003 },
	});
	/* psci_0_2, pmu_v3, sve, has_el2, and two bits without names yet */
	p->vcpu_features = 1u << 2 | 1u << 3 | 1u << 4 | 1u << 7 | 1u << 9 |
			   1u << 31;
	return p;
}

/* ------------------------------------------------------------------ */
/* Round trips                                                        */

static void test_round_trip_x86(void **state)
{
	(void)state;
	struct kfp_host_profile *p = x86_profile();
	assert_round_trip(p);
	kfp_profile_free(p);
}

static void test_round_trip_arm64(void **state)
{
	(void)state;
	struct kfp_host_profile *p = arm64_profile();
	assert_round_trip(p);

	/* "the masks ioctl worked and returned nothing" differs from "the
	 * kernel has no masks ioctl" */
	free(p->writable_masks);
	p->writable_masks = NULL;
	p->nwritable_masks = 0;
	assert_round_trip(p);
	p->has_writable_masks = false;
	assert_round_trip(p);
	kfp_profile_free(p);
}

static void test_round_trip_empty(void **state)
{
	(void)state;
	struct kfp_host_profile *p = new_profile(KFP_ARCH_X86_64, "e", "5.10");
	assert_round_trip(p);
	p->arch = KFP_ARCH_ARM64;
	assert_round_trip(p);
	kfp_profile_free(p);
}

/* Names are free text: quotes, backslashes, control characters, line
 * breaks that YAML would fold (NEL, LS, PS), a BOM, non-BMP characters. */
static void test_round_trip_strings(void **state)
{
	(void)state;
	static const char *const names[] = {
		"plain", "with \"quotes\" and \\backslash\\",
		"tab\tnew\nline\rcr", "\x01\x1f\x7f",
		"caf\xc3\xa9 \xe2\x80\xa8 \xc2\x85 \xe2\x80\xa9 \xef\xbb\xbf end",
		"\xf0\x9f\x98\x80 emoji", " leading and trailing ", "#not a comment",
		"- looks: [like, yaml]", "&anchor *alias !tag", "0x10", "null",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct kfp_host_profile *p =
			new_profile(KFP_ARCH_X86_64, names[i], "6.1.0-18-amd64");
		assert_round_trip(p);
		kfp_profile_free(p);
	}
}

/* The writer refuses profiles that would not load back as themselves. */
static void test_write_rejects(void **state)
{
	(void)state;
	FILE *null = fopen("/dev/null", "w");
	struct kfp_host_profile *p = x86_profile();

	p->msrs[0].id = 0x999; /* no longer sorted */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	p->msrs[0].id = 0x10a;
	p->cpuid[1] = p->cpuid[0]; /* duplicate */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	kfp_profile_free(p);

	p = x86_profile();
	p->vcpu_features = 1; /* arm64 data in an x86 profile */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	p->vcpu_features = 0;
	p->arch = KFP_ARCH_ARM64;
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	p->arch = KFP_ARCH_X86_64;
	free(p->name);
	p->name = strdup("bad \xff utf-8");
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	free(p->name);
	p->name = strdup("");
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	free(p->kernel_release);
	p->kernel_release = strdup("not a version");
	free(p->name);
	p->name = strdup("ok");
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	kfp_profile_free(p);

	p = arm64_profile();
	p->has_writable_masks = false; /* masks without the ioctl */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	p->has_writable_masks = true;
	p->cache_regs[1].value = 0x100000000; /* CCSIDR_EL1 is 32 bits */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	p->cache_regs[1].value = 0;
	p->cache_regs[0].id = 0x603000000013c800; /* not a cache register */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	kfp_profile_free(p);

	p = x86_profile();
	SET_ARRAY(p, cache_regs, ncache_regs, { { 0x603000000013c801, 1 } });
	assert_int_equal(kfp_profile_write(p, null), -EINVAL); /* arm64 data */
	kfp_profile_free(p);
	fclose(null);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_x86),
		cmocka_unit_test(test_round_trip_arm64),
		cmocka_unit_test(test_round_trip_empty),
		cmocka_unit_test(test_round_trip_strings),
		cmocka_unit_test(test_write_rejects),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
