/* SPDX-License-Identifier: Apache-2.0 */
/* The arm64 runtime tests: kfp apply's guest program and verdict
 * (tools/kfp/verify_arm64.c; see arm64_test.c). */
#include "arm64_test.h"

/* ------------------------------------------------------------------ */
/* kfp apply's guest program and verdict (tools/kfp/verify_arm64.c) */

static uint32_t word(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void test_guest_program(void **state)
{
	(void)state;
	/* As an assembler encodes them. */
	assert_int_equal(arm64_mrs(ID(0, 0), 0), 0xd5380000);                   /* midr_el1 */
	assert_int_equal(arm64_mrs(ID_AA64ISAR0, 0), 0xd5380600);               /* id_aa64isar0_el1 */
	assert_int_equal(arm64_mrs(KFP_ARM64_SYSREG(3, 0, 5, 2, 0), 0), 0xd5385200); /* esr_el1 */
	assert_int_equal(arm64_mrs(KFP_ARM64_SYSREG(3, 3, 0, 0, 1), 1), 0xd53b0021); /* x1, ctr_el0 */
	assert_int_equal(arm64_mrs(KFP_ARM64_SYSREG(3, 1, 0, 0, 1), 2), 0xd5390022); /* x2, clidr_el1 */

	static uint8_t mem[ARM64_GUEST_MEM_SIZE];
	const uint64_t ids[] = { ID_AA64PFR0, ID_AA64ISAR0 };
	assert_int_equal(arm64_guest_program(mem, ids, 2), 0);
	assert_int_equal(word(mem + 0), 0xd5380400); /* mrs x0, id_aa64pfr0_el1 */
	assert_int_equal(word(mem + 4), 0xf9000020); /* str x0, [x1] */
	assert_int_equal(word(mem + 8), 0xd5380600);
	assert_int_equal(word(mem + 12), 0xf9000020);
	assert_int_equal(word(mem + 16), 0xf900005f); /* str xzr, [x2] */
	assert_int_equal(word(mem + 20), 0x14000000); /* b . */
	for (unsigned v = 0; v < 16; v++) {
		const uint8_t *at = mem + ARM64_GUEST_VECTORS + 0x80 * v;
		assert_int_equal(word(at), 0xd5385200);     /* mrs x0, esr_el1 */
		assert_int_equal(word(at + 4), 0xf9000060); /* str x0, [x3] */
	}
	static uint64_t many[ARM64_GUEST_MAX_READS + 1];
	assert_int_equal(arm64_guest_program(mem, many, ARM64_GUEST_MAX_READS), 0);
	assert_int_equal(word(mem + 8 * ARM64_GUEST_MAX_READS + 4), 0x14000000);
	assert_true(8 * ARM64_GUEST_MAX_READS + 8 <= ARM64_GUEST_VECTORS);
	assert_int_equal(arm64_guest_program(mem, many, ARM64_GUEST_MAX_READS + 1), -1);
}

void test_verdict(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, "    id_reg ID_AA64ISAR0_EL1 { AES = 0; * >= 0; }\n"
						   "    id_reg ID_AA64MMFR0_EL1 { TGRAN64 <= NI; }\n"
						   "    hypercalls { pv_time on; }\n");
	const struct kfp_arm64_config *a = cfg->arm64;
	struct arm64_observed_reg *regs = calloc(a->nid_regs, sizeof(*regs));
	struct arm64_observed_fw *fw = calloc(a->nfw_regs, sizeof(*fw));
	/* A guest that sees what the plan wrote on the 6.12 host. */
	apply_ok(cfg);
	for (uint32_t i = 0; i < a->nid_regs; i++) {
		const struct fake_reg *r = fake_kvm_reg(&kvm, a->id_regs[i].id);
		regs[i].listed = regs[i].read = r != NULL;
		if (!r)
			continue;
		regs[i].host = r->reset;
		regs[i].guest = r->value;
	}
	for (uint32_t i = 0; i < a->nfw_regs; i++) {
		const struct fake_reg *r = fake_kvm_reg(&kvm, a->fw_regs[i].id);
		fw[i] = (struct arm64_observed_fw){ r != NULL, r ? r->reset : 0, r ? r->value : 0 };
	}
	struct arm64_verdict v;
	arm64_verify(&v, cfg, regs, fw, NULL);
	assert_int_equal(v.mismatches, 0);
	assert_true(v.nchanged > 10);

	char buf[65536];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	arm64_verdict_print_table(&v, false, f);
	fclose(f);
	assert_non_null(strstr(buf, "ID_AA64ISAR0_EL1.AES        fixed          0       2       0  test.kfp:9:31\n"));
	assert_non_null(strstr(buf, "ID_AA64MMFR0_EL1.TGRAN64    at-most       15       0      15  test.kfp:10:31\n"));
	/* EL2 is not hidden by has_el2 being off: default deny writes it. */
	assert_non_null(strstr(buf, "ID_AA64PFR0_EL1.EL2         fixed          0       2       0  (default deny)\n"));
	assert_non_null(strstr(buf, "KVM_REG_ARM_STD_HYP_BMAP             0x1         0x1         0x1\n"));
	assert_non_null(strstr(buf, "OK: the guest sees what policy \"t\" says for fleet \"f\""));
	arm64_verdict_free(&v);

	/* A guest that still sees AES, and a bitmap KVM did not take. */
	for (uint32_t i = 0; i < a->nid_regs; i++)
		if (a->id_regs[i].id == ID_AA64ISAR0)
			regs[i].guest |= 0x20;
	fw[0].kvm = 0x1;
	arm64_verify(&v, cfg, regs, fw, NULL);
	assert_int_equal(v.mismatches, 2);
	f = fmemopen(buf, sizeof(buf), "w");
	arm64_verdict_print_table(&v, false, f);
	fclose(f);
	assert_non_null(strstr(buf, "MISMATCH ID_AA64ISAR0_EL1.AES (0x603000000013c030): the policy "
				    "gives 0 (fixed), the guest reads 2\n"));
	assert_non_null(strstr(buf, "MISMATCH KVM_REG_ARM_STD_BMAP: the policy gives 0x0, KVM holds 0x1\n"));
	assert_non_null(strstr(buf, "FAIL: the guest does not see what policy \"t\" says for fleet \"f\": 2 mismatches\n"));
	f = fmemopen(buf, sizeof(buf), "w");
	arm64_verdict_print_json(&v, f);
	fclose(f);
	assert_non_null(strstr(buf, "{\"register\": \"ID_AA64ISAR0_EL1\", \"id\": \"0x603000000013c030\", "
				    "\"field\": \"AES\", \"rule\": \"fixed\", \"policy\": 0, \"host\": 2, "
				    "\"guest\": 2, \"src\": \"test.kfp:9:31\", \"mismatch\": true}"));
	assert_non_null(strstr(buf, "\"mismatches\": 2\n}\n"));
	arm64_verdict_free(&v);
	free(regs);
	free(fw);
	policy_free(&p);
}
