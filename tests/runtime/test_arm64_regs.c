/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfp/arm64_regs.h: the ID register field arithmetic that the compiler, the
 * runtime and the kfp tool share, over every value of a 4-bit field, signed
 * and unsigned, against the kernel's own formulas
 * (arch/arm64/include/asm/cpufeature.h):
 *
 *   cpuid_feature_extract_signed_field_width(features, field, width) =
 *       (s64)(features << (64 - width - field)) >> (64 - width)
 *   cpuid_feature_extract_unsigned_field_width(features, field, width) =
 *       (u64)(features << (64 - width - field)) >> (64 - width)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <kfp/arm64_regs.h>

static int64_t kernel_signed(uint64_t features, unsigned field, unsigned width)
{
	return (int64_t)(features << (64 - width - field)) >> (64 - width);
}

static uint64_t kernel_unsigned(uint64_t features, unsigned field, unsigned width)
{
	return (features << (64 - width - field)) >> (64 - width);
}

/* Every value of a 4-bit field at every field position of a register whose
 * other bits are all set or all clear. */
static void test_extract_all_values(void **state)
{
	(void)state;
	for (unsigned shift = 0; shift <= 60; shift += 4)
		for (uint64_t v = 0; v < 16; v++)
			for (int bg = 0; bg < 2; bg++) {
				uint64_t others = bg ? ~(UINT64_C(0xf) << shift) : 0;
				uint64_t reg = others | v << shift;
				uint64_t raw = kfp_arm64_field_get(reg, shift, 4);
				assert_int_equal(raw, v);
				assert_int_equal(raw, kernel_unsigned(reg, shift, 4));
				assert_int_equal(kfp_arm64_field_value(raw, 4, false), (int64_t)v);
				assert_int_equal(kfp_arm64_field_value(raw, 4, true),
						 kernel_signed(reg, shift, 4));
				assert_int_equal(kfp_arm64_field_value(raw, 4, true),
						 v < 8 ? (int64_t)v : (int64_t)v - 16);
				/* Only the field's own bits count. */
				assert_int_equal(kfp_arm64_field_value(reg >> shift, 4, true),
						 kernel_signed(reg, shift, 4));
				/* Replacing the field keeps every other bit. */
				for (uint64_t w = 0; w < 16; w++) {
					uint64_t r2 = kfp_arm64_field_put(reg, shift, 4, w);
					assert_int_equal(r2 & ~(UINT64_C(0xf) << shift), others);
					assert_int_equal(kfp_arm64_field_get(r2, shift, 4), w);
				}
			}
	/* 0xf is -1, "not implemented", in a signed field. */
	assert_int_equal(kfp_arm64_field_value(0xf, 4, true), -1);
	assert_int_equal(kfp_arm64_field_value(0x8, 4, true), -8);
	assert_int_equal(kfp_arm64_field_value(0x7, 4, true), 7);
	assert_int_equal(kfp_arm64_field_put(0, 0, 4, 0x1f), 0xf);
}

/* The order of fields: unsigned 0 < 1 < ... < 15; signed -8 < ... < -1 < 0
 * < ... < 7. */
static void test_compare_all_values(void **state)
{
	(void)state;
	for (uint64_t a = 0; a < 16; a++)
		for (uint64_t b = 0; b < 16; b++) {
			int64_t sa = a < 8 ? (int64_t)a : (int64_t)a - 16;
			int64_t sb = b < 8 ? (int64_t)b : (int64_t)b - 16;
			int u = a < b ? -1 : a > b, s = sa < sb ? -1 : sa > sb;
			assert_int_equal(kfp_arm64_field_cmp(a, b, 4, false), u);
			assert_int_equal(kfp_arm64_field_cmp(a, b, 4, true), s);
			assert_int_equal(kfp_arm64_field_le(a, b, 4, false), a <= b);
			assert_int_equal(kfp_arm64_field_le(a, b, 4, true), sa <= sb);
		}
	assert_true(kfp_arm64_field_le(0xf, 0, 4, true));  /* NI below 0 */
	assert_false(kfp_arm64_field_le(0xf, 0, 4, false)); /* 15 above 0 */
}

/* Wider fields and the whole register. */
static void test_widths(void **state)
{
	(void)state;
	assert_int_equal(kfp_arm64_field_mask(1), 1);
	assert_int_equal(kfp_arm64_field_mask(4), 0xf);
	assert_int_equal(kfp_arm64_field_mask(64), UINT64_MAX);
	assert_int_equal(kfp_arm64_field_get(UINT64_C(0x1234567890abcdef), 0, 64),
			 UINT64_C(0x1234567890abcdef));
	assert_int_equal(kfp_arm64_field_value(UINT64_MAX, 64, true), -1);
	assert_int_equal(kfp_arm64_field_value(0x80, 8, true), -128);
	assert_int_equal(kfp_arm64_field_value(0x80, 8, false), 128);
	assert_int_equal(kfp_arm64_field_put(UINT64_MAX, 8, 8, 0), UINT64_C(0xffffffffffff00ff));
}

/* The ONE_REG ids against values KVM documents. */
static void test_register_ids(void **state)
{
	(void)state;
	assert_int_equal(KFP_ARM64_SYSREG(3, 0, 0, 6, 0), UINT64_C(0x603000000013c030));
	assert_int_equal(KFP_ARM64_SYSREG(3, 1, 0, 0, 1), UINT64_C(0x603000000013c801));
	assert_int_equal(KFP_ARM64_PSCI_VERSION, UINT64_C(0x6030000000140000));
	assert_int_equal(KFP_ARM64_FW_BMAP(2), UINT64_C(0x6030000000160002));
	assert_true(kfp_arm64_is_feature_id_reg(KFP_ARM64_SYSREG(3, 0, 0, 6, 0)));
	assert_false(kfp_arm64_is_feature_id_reg(KFP_ARM64_SYSREG(3, 1, 0, 0, 1)));
	assert_true(kfp_arm64_is_fw_bitmap(KFP_ARM64_FW_BMAP(0)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_extract_all_values),
		cmocka_unit_test(test_compare_all_values),
		cmocka_unit_test(test_widths),
		cmocka_unit_test(test_register_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
