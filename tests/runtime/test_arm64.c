/* SPDX-License-Identifier: Apache-2.0 */
/* The arm64 runtime tests: ID registers, firmware registers, commit, and the register
 * list, tables and profiles (see arm64_test.c). */
#include "arm64_test.h"

/* ------------------------------------------------------------------ */
/* ID registers                                                       */

void test_example_on_6_12(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile_file(&p, KFP_SOURCE_DIR "/policies/examples/arm64-aes-hidden.kfp");
	assert_int_equal(kfp_arm64_vcpu_features(cfg), 0);

	apply_ok(cfg);
	/* AES hidden, and by default deny everything else of ISAR0. */
	assert_int_equal(written(ID_AA64ISAR0), 0);
	/* PFR0: FP, AdvSIMD, RAS, EL0, EL1 stay; EL2 reads 2 although
	 * has_el2 is off, so it is written as 0 (the mask allows it). */
	uint64_t pfr0 = written(ID_AA64PFR0);
	assert_int_equal(nibble(pfr0, 16), 1); /* FP */
	assert_int_equal(nibble(pfr0, 20), 1); /* AdvSIMD */
	assert_int_equal(nibble(pfr0, 28), 2); /* RAS */
	assert_int_equal(nibble(pfr0, 0), 2);  /* EL0 */
	assert_int_equal(nibble(pfr0, 8), 0);  /* EL2 */
	assert_int_equal(nibble(pfr0, 60), 0); /* CSV3: default deny */
	/* Registers KVM shows as 0 need no write. */
	assert_false(was_written(ID(6, 2)));
	/* Hypercalls: none mentioned, all off. */
	assert_int_equal(written(STD_BMAP), 0);
	assert_int_equal(written(STD_HYP_BMAP), 0);
	assert_int_equal(written(VENDOR_HYP_BMAP), 0);
	/* One APPLIED item per register written. */
	assert_int_equal(rep.napplied, kvm.nset_regs);
	assert_int_equal(plan.nwrites, kvm.nset_regs);
	const struct kfp_report_item *it = find_item(KFP_ITEM_APPLIED, "ID_AA64ISAR0_EL1");
	assert_src(it, &p, "AES = 0");
	assert_string_equal(it->detail,
			    "KVM_SET_ONE_REG 0x603000000013c030 = 0x0 (was 0x1221111110212120)");
	policy_free(&p);
}

void test_no_masks_writes_nothing(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile(&p, "    id_reg ID_AA64ISAR0_EL1 { AES = 0; * >= 0; }\n");
	fake_kvm_qemu_arm64_6_1(&kvm);

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_int_equal(rep.napplied, 0);
	assert_int_equal(plan.nwrites, 0);
	const struct kfp_report_item *it = find_item(KFP_ITEM_UNSETTABLE, "AES");
	assert_src(it, &p, "AES");
	assert_line(it, "test.kfp:9:31: AES: kernel 6.1.0-56-arm64 cannot change ID_AA64ISAR0_EL1.AES "
			"2 -> 0 (no writable masks, KVM < 6.7)");
	/* Default deny elsewhere: one item per register, pointing at the
	 * register's block when the policy names the register. */
	it = find_item(KFP_ITEM_UNSETTABLE, "ID_AA64PFR0_EL1");
	assert_src(it, &p, "id_reg ID_AA64PFR0_EL1");
	assert_line(it, "test.kfp:4:5: ID_AA64PFR0_EL1: kernel 6.1.0-56-arm64 cannot change 6 "
			"default-deny fields (no writable masks, KVM < 6.7): CSV3 1->0, CSV2 1->0, ...");
	assert_true(strlen(it->detail) < sizeof(it->detail) - 1);
	/* EL2: no kernel hides it for has_el2 being off, so it is one of
	 * the default-deny fields above, not a vcpu-off field of its own. */
	for (uint32_t i = 0; i < rep.nitems; i++)
		assert_string_not_equal(rep.items[i].name, "EL2");
	/* ISAR0 has no other change: only AES is named there. */
	for (uint32_t i = 0; i < rep.nitems; i++)
		if (strstr(rep.items[i].detail, "ID_AA64ISAR0_EL1."))
			assert_string_equal(rep.items[i].name, "AES");
	policy_free(&p);
}

void test_masks_limit_changes(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile(&p, "    id_reg ID_AA64ISAR0_EL1 { AES = 0; * >= 0; }\n");
	/* A 6.12 kernel whose mask leaves AES out. */
	fake_kvm_set_mask(&kvm, ID_AA64ISAR0, 0xffffffffffffff00);

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_int_equal(rep.nproblems, 1);
	assert_line(find_item(KFP_ITEM_UNSETTABLE, "AES"),
		    "test.kfp:9:31: AES: kernel 6.12.95+deb12-arm64 cannot change ID_AA64ISAR0_EL1.AES "
		    "2 -> 0 (not in its writable masks)");

	/* The masks ioctl failing although the capability says it works. */
	fake_kvm_set_mask(&kvm, ID_AA64ISAR0, 0xfffffffffffffff0);
	kvm.masks_errno = EFAULT;
	assert_int_equal(apply(cfg), -EFAULT);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	find_item(KFP_ITEM_REFUSED, "writable masks");
	policy_free(&p);
}

void test_field_arithmetic(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p,
					       "    id_reg ID_AA64ISAR0_EL1 { AES <= 1; SHA2 <= 3; SHA1 >= 0; }\n"
					       "    id_reg ID_AA64MMFR0_EL1 { TGRAN4 <= IMP; TGRAN64 <= NI; }\n");
	apply_ok(cfg);
	/* AT_MOST: min(host, value).  AES 2 -> 1, SHA2 stays 2, SHA1 (>= 0,
	 * no host profiles) keeps 1, the rest of ISAR0 is hidden. */
	assert_int_equal(written(ID_AA64ISAR0), 0x2110);
	/* Signed fields: TGRAN4 52_BIT (1) -> IMP (0); TGRAN64 IMP (0) ->
	 * NI (0xf, which is -1: lower than IMP). */
	uint64_t mmfr0 = written(ID_AA64MMFR0);
	assert_int_equal(nibble(mmfr0, 28), 0);
	assert_int_equal(nibble(mmfr0, 24), 0xf);

	/* NI is below every value of a signed field: a host without the
	 * 64K granule keeps NI. */
	new_host();
	fake_kvm_set_reg(&kvm, ID_AA64MMFR0, 0x00000323ff201126);
	apply_ok(cfg);
	mmfr0 = written(ID_AA64MMFR0);
	assert_int_equal(nibble(mmfr0, 28), 0xf);
	assert_int_equal(nibble(mmfr0, 24), 0xf);
	policy_free(&p);
}

void test_host_lacks_field(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile(&p, "    id_reg ID_AA64ISAR0_EL1 { AES = PMULL; * >= 0; }\n");
	fake_kvm_set_reg(&kvm, ID_AA64ISAR0, 0x1221111110212110); /* AES 1 */

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_line(find_item(KFP_ITEM_MISSING, "AES"),
		    "test.kfp:9:31: AES: ID_AA64ISAR0_EL1.AES: the policy needs 2; this host has 1 "
		    "(lower-safe field)");

	/* A kernel that does not list the register reads it as 0. */
	fake_kvm_reg(&kvm, ID_AA64ISAR0)->unlisted = true;
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_line(find_item(KFP_ITEM_MISSING, "AES"),
		    "test.kfp:9:31: AES: ID_AA64ISAR0_EL1.AES: the policy needs 2; kernel "
		    "6.12.95+deb12-arm64 does not list ID_AA64ISAR0_EL1");
	policy_free(&p);
}

void test_unknown_field_bits(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile(&p, "    id_reg ID_AA64ISAR0_EL1 { AES = 0; * >= 0; }\n");
	/* Bits 3:0 of ISAR0 are no field in the catalog. */
	fake_kvm_set_reg(&kvm, ID_AA64ISAR0, 0x1221111110212121);

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_line(find_item(KFP_ITEM_UNSETTABLE, "ID_AA64ISAR0_EL1"),
		    "test.kfp:9:5: ID_AA64ISAR0_EL1: ID_AA64ISAR0_EL1 reads 0x1221111110212121: "
		    "unknown field bits 0x1 set (unknown deny)");

	/* unknown zero: cleared, where the mask lets a VMM do it. */
	policy_free(&p);
	cfg = compile(&p, "    id_reg ID_AA64ISAR0_EL1 { AES = 0; * >= 0; }\n    unknown zero;\n");
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_string_equal(find_item(KFP_ITEM_UNSETTABLE, "ID_AA64ISAR0_EL1")->detail,
			    "kernel 6.12.95+deb12-arm64 cannot clear its unknown bits 0x1 (not in its "
			    "writable masks; unknown zero)");
	fake_kvm_set_mask(&kvm, ID_AA64ISAR0, ~0ull);
	apply_ok(cfg);
	assert_int_equal(written(ID_AA64ISAR0), 0x1221111110212100);
	policy_free(&p);
}

void test_unknown_id_register(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, "");
	/* (3,0,0,3,3) is no register the catalog knows. */
	fake_kvm_set_reg(&kvm, ID(3, 3), 0x10);

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_line(find_item(KFP_ITEM_UNSETTABLE, "ID register"),
		    "ID register: 0x603000000013c01b (3,0,0,3,3) reads 0x10: not in the catalog "
		    "(unknown deny)");
	/* MPIDR_EL1 (CRm 0) describes the vCPU: never refused. */
	assert_int_equal(rep.nproblems, 1);

	/* unknown zero: written 0 where the mask allows. */
	policy_free(&p);
	cfg = compile(&p, "    unknown zero;\n");
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_string_equal(find_item(KFP_ITEM_UNSETTABLE, "ID register")->detail,
			    "0x603000000013c01b (3,0,0,3,3) = 0x10: kernel 6.12.95+deb12-arm64 cannot "
			    "zero it (not in its writable masks)");
	fake_kvm_set_mask(&kvm, ID(3, 3), 0xff);
	apply_ok(cfg);
	assert_int_equal(written(ID(3, 3)), 0);
	find_item(KFP_ITEM_APPLIED, "ID register");
	policy_free(&p);
}

void test_vcpu_features(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile(&p, "    vcpu_init { psci_0_2; pmu_v3; sve off; }\n"
			    "    id_reg ID_AA64DFR0_EL1 { PMUVer <= 1; }\n");
	assert_int_equal(kfp_arm64_vcpu_features(cfg), (1u << 2) | (1u << 3));
	/* A vCPU with the PMU shows PMUVer; the policy caps it. */
	fake_kvm_set_reg(&kvm, ID(5, 0), 0x0000000010305409);
	apply_ok(cfg);
	assert_int_equal(nibble(written(ID(5, 0)), 8), 1);
	policy_free(&p);

	/* An x86 configuration has no arm64 features. */
	static const struct kfp_config x86 = { .table_version = KFP_TABLE_VERSION,
					       .arch = KFP_TABLE_X86_64 };
	assert_int_equal(kfp_arm64_vcpu_features(&x86), 0);
	assert_int_equal(kfp_arm64_vcpu_features(NULL), 0);
	assert_int_equal(kfp_arm64_plan(&x86, FAKE_VM_FD, FAKE_VCPU_FD, &plan, &rep), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* Firmware registers                                                 */

#define HYPERCALLS "    hypercalls { pv_time on; trng off; ptp off; }\n"

void test_hypercall_bitmaps(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, "    id_reg ID_AA64ISAR0_EL1 { * >= 0; }\n" HYPERCALLS);
	/* A bitmap newer than the catalog. */
	fake_kvm_set_reg(&kvm, VENDOR_HYP_BMAP_2, 0x3);

	apply_ok(cfg);
	assert_int_equal(written(STD_BMAP), 0);        /* trng off */
	assert_false(was_written(STD_HYP_BMAP));       /* pv_time on: as it is */
	assert_int_equal(written(VENDOR_HYP_BMAP), 0); /* ptp off, func_feat by default */
	assert_int_equal(written(VENDOR_HYP_BMAP_2), 0); /* firmware_regs unknown zero */
	assert_src(find_item(KFP_ITEM_APPLIED, "KVM_REG_ARM_STD_BMAP"), &p, "trng");
	find_item(KFP_ITEM_APPLIED, "firmware register");

	/* firmware_regs unknown deny refuses the unknown bitmap. */
	policy_free(&p);
	cfg = compile(&p, "    id_reg ID_AA64ISAR0_EL1 { * >= 0; }\n" HYPERCALLS
			  "    firmware_regs unknown deny;\n");
	new_host();
	fake_kvm_set_reg(&kvm, VENDOR_HYP_BMAP_2, 0x3);
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(rep.nproblems, 1);
	assert_line(find_item(KFP_ITEM_UNSETTABLE, "firmware register"),
		    "firmware register: hypercall bitmap 0x6030000000160003 reads 0x3: not in the "
		    "catalog (firmware_regs unknown deny)");
	policy_free(&p);
}

void test_hypercall_missing(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, "    id_reg ID_AA64ISAR0_EL1 { * >= 0; }\n" HYPERCALLS);
	/* A host without PV time. */
	fake_kvm_set_reg(&kvm, STD_HYP_BMAP, 0);

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_int_equal(rep.nproblems, 1);
	const struct kfp_report_item *it = find_item(KFP_ITEM_MISSING, "pv_time");
	assert_src(it, &p, "pv_time");
	assert_string_equal(it->detail, "the policy turns it on; this host's KVM does not offer it "
					"(KVM_REG_ARM_STD_HYP_BMAP bit 0)");

	/* A kernel before 5.19: no bitmaps. */
	for (uint32_t i = 0; i < 4; i++)
		fake_kvm_del_reg(&kvm, KFP_ARM64_FW_BMAP_BASE | i);
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(rep.nproblems, 1);
	assert_string_equal(find_item(KFP_ITEM_MISSING, "pv_time")->detail,
			    "the policy turns it on; kernel 6.12.95+deb12-arm64 has no "
			    "KVM_REG_ARM_STD_HYP_BMAP (hypercall bitmaps need 5.19)");
	policy_free(&p);

	/* With every hypercall off there is nothing to do there. */
	cfg = compile(&p, "    id_reg ID_AA64ISAR0_EL1 { * >= 0; }\n");
	apply_ok(cfg);
	policy_free(&p);
}

/* A kernel without hypercall bitmaps (5.10): its hypercalls are fixed, and
 * the compiler's kernel rules cover every kernel from min_kernel on. */
void test_hypercalls_before_5_19(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	struct kfp_config c = *cfg;
	c.min_kernel = 5u << 16 | 10u << 8;
	fake_kvm_qemu_arm64_5_10(&kvm);

	apply_ok(&c);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	const struct kfp_report_item *it = find_item(KFP_ITEM_APPLIED, "KVM_REG_ARM_STD_HYP_BMAP");
	assert_src(it, &p, "pv_time");
	assert_string_equal(it->detail, "kernel 5.10.0-32-arm64 has no hypercall bitmaps (before "
					"5.19): its hypercalls are fixed; kernel rules cover them");
	/* The bitmaps the policy leaves all off say nothing. */
	assert_int_equal(rep.nitems, 1);

	/* A kernel older than the fleet's min_kernel: the compiler's rules
	 * do not cover it. */
	c.min_kernel = 6u << 16 | 1u << 8;
	assert_int_equal(apply(&c), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	it = find_item(KFP_ITEM_MISSING, "pv_time");
	assert_src(it, &p, "pv_time");
	assert_string_equal(it->detail, "the policy turns it on; kernel 5.10.0-32-arm64 (older than "
					"min_kernel 6.1) has no KVM_REG_ARM_STD_HYP_BMAP");

	/* A release that does not say its version proves nothing. */
	c.min_kernel = 5u << 16 | 10u << 8;
	snprintf(kvm.release, sizeof(kvm.release), "custom");
	assert_int_equal(apply(&c), -ENOTSUP);
	find_item(KFP_ITEM_MISSING, "pv_time");
	policy_free(&p);
}

/* ------------------------------------------------------------------ */
/* Commit                                                             */

void test_commit_order(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile(&p, "    id_reg ID_AA64ISAR0_EL1 { AES = 0; * >= 0; }\n");

	/* The plan reads only. */
	kfp_report_init(&rep);
	assert_int_equal(kfp_arm64_plan(cfg, FAKE_VM_FD, FAKE_VCPU_FD, &plan, &rep), 0);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_true(plan.have_masks);
	assert_int_equal(plan.nregs, kvm.nregs);
	assert_true(plan.nwrites > 3);

	assert_int_equal(kfp_arm64_commit(&plan, FAKE_VCPU_FD, &rep), 0);
	assert_int_equal(kvm.nset_regs, plan.nwrites);
	/* ID registers first, then the firmware registers. */
	bool fw = false;
	for (uint32_t i = 0; i < kvm.nset_regs; i++) {
		bool is_fw = kfp_arm64_is_fw_bitmap(kvm.set_regs[i].id);
		assert_true(is_fw || !fw);
		fw |= is_fw;
		assert_int_equal(kvm.set_regs[i].id, plan.writes[i].id);
	}
	assert_true(fw);
	policy_free(&p);
}

void test_kvm_refuses_write(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile(&p, "    id_reg ID_AA64ISAR0_EL1 { AES = 0; * >= 0; }\n");

	kvm.set_fail_id = ID_AA64ISAR0;
	kvm.set_fail_errno = EINVAL;
	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "ID_AA64ISAR0_EL1");
	assert_src(it, &p, "AES");
	assert_int_equal(it->err, -EINVAL);
	assert_string_equal(it->detail, "KVM_SET_ONE_REG: Invalid argument; the write changes AES 2->0");
	/* Nothing after the refused write. */
	for (uint32_t i = 0; i < kvm.nset_regs; i++)
		assert_false(kfp_arm64_is_fw_bitmap(kvm.set_regs[i].id));

	/* Too late: the VM has run. */
	new_host();
	kvm.ran = true;
	assert_int_equal(apply(cfg), -EBUSY);
	it = find_item(KFP_ITEM_ORDER, "ID_AA64PFR0_EL1");
	assert_non_null(strstr(it->detail, "the VM has already run"));

	/* KVM accepts a value but holds another. */
	new_host();
	kvm.hold_id = ID_AA64ISAR0;
	kvm.hold_xor = 0x10;
	assert_int_equal(apply(cfg), -EIO);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "ID_AA64ISAR0_EL1")->detail,
			    "KVM_SET_ONE_REG 0x603000000013c030 = 0x1221111110212100 succeeded, but "
			    "KVM holds 0x1221111110212110");
	policy_free(&p);
}

/* ------------------------------------------------------------------ */
/* Register list, tables, profiles                                    */

void test_reg_list_too_long(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, "");
	for (uint32_t i = 0; kvm.nregs <= KFP_MAX_REG_LIST; i++)
		fake_kvm_set_reg(&kvm, UINT64_C(0x6030000000150000) | i, 0);
	assert_int_equal(apply(cfg), -E2BIG);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_non_null(strstr(find_item(KFP_ITEM_UNSETTABLE, "register list")->detail,
			       "more than KFP_MAX_REG_LIST (1024)"));
	policy_free(&p);
}

void test_bad_tables(void **state)
{
	(void)state;
	static const struct kfp_id_field_row bad_field[] = {
		{ "F", 62, 4, 0, KFP_FIELD_LOWER_SAFE, KFP_RULE_FIXED, 0, { NULL, 0, 0 } },
	};
	static const struct kfp_id_reg_row rows[] = {
		{ "R", ID(6, 0), bad_field, 1, 0, { NULL, 0, 0 } },
	};
	static const struct kfp_arm64_config a = { .id_regs = rows, .nid_regs = 1 };
	struct kfp_config cfg = { .table_version = KFP_TABLE_VERSION, .arch = KFP_TABLE_ARM64,
				  .arm64 = &a };
	assert_int_equal(apply(&cfg), -EINVAL);
	cfg.table_version = KFP_TABLE_VERSION + 1;
	assert_int_equal(apply(&cfg), -EINVAL);
	assert_int_equal(kfp_arm64_commit(NULL, FAKE_VCPU_FD, &rep), -EINVAL);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
}

void test_n1_profile(void **state)
{
	(void)state;
	/* The N1 host of tests/data/profiles/arm64.yaml: 6.1, no masks,
	 * ISAR0 0x100010211120 (AES 2, SHA1 1, SHA2 1, CRC32 1, ATOMIC 2,
	 * RDM 1, DP 1). */
	assert_int_equal(fake_kvm_load_profile(&kvm, KFP_SOURCE_DIR "/tests/data/profiles/arm64.yaml"), 0);
	struct policy p;
	const struct kfp_config *cfg = compile(&p,
					       "    id_reg ID_AA64ISAR0_EL1 { AES <= 1; SHA1 >= 0; SHA2 >= 0; CRC32 >= 0;\n"
					       "        ATOMIC <= 1; RDM >= 0; DP >= 0; }\n"
					       "    vcpu_init { psci_0_2; }\n");
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_string_equal(find_item(KFP_ITEM_UNSETTABLE, "AES")->detail,
			    "kernel 6.1.172-216.329.amzn2023.aarch64 cannot change ID_AA64ISAR0_EL1.AES "
			    "2 -> 1 (no writable masks, KVM < 6.7)");
	find_item(KFP_ITEM_UNSETTABLE, "ATOMIC");

	/* The same CPU on a kernel with writable masks. */
	kvm.mask_cap = true;
	for (uint32_t crm = 1; crm < 8; crm++)
		for (uint32_t op2 = 0; op2 < 8; op2++)
			fake_kvm_set_mask(&kvm, ID(crm, op2), ~0ull);
	apply_ok(cfg);
	assert_int_equal(written(ID_AA64ISAR0), 0x100010111110);
	/* PFR0 0x1100000011111112: CSV3, CSV2, GIC and EL3 hidden by default
	 * deny, EL2 1 -> 0 (has_el2 off); RAS, AdvSIMD, FP (BASE), EL1 and
	 * EL0 (machine properties) kept. */
	assert_int_equal(written(ID_AA64PFR0), 0x0000000010110012);
	policy_free(&p);
}
