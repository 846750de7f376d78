/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The arm64 runtime (runtime/src/arm64.c) against a fake KVM (fake_kvm.c)
 * whose registers are those the fleet harness read on Debian's 6.1 and
 * 6.12 under qemu -cpu max (.cache/fleet/facts/), or the N1 host profile
 * (tests/data/profiles/arm64.yaml): field arithmetic in each field's order,
 * writable masks present and absent, hypercall bitmaps (and 5.10 without
 * them), the `unknown` rules, pinned registers (the cache description and
 * PSCI_VERSION, with the compiler's rules for them), commit order and KVM's
 * refusals.  The configurations come from the real compiler, in-process,
 * on small policies (with host profiles written to a temporary directory
 * where pins need them).
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <kfp/arm64_regs.h>
#include <kfp/kfp.h>

#include "compiler/catalog/catalog.h"
#include "compiler/semantics/config.h"
#include "fake_kvm.h"
#include "grammar/parse.h"
#include "policy.h"
#include "compiler/semantics/structure.h"
#include "compiler/emitters/tables.h"
#include "tools/kfp/state_arm64.h"
#include "tools/kfp/verify_arm64.h"

#ifndef KFP_SOURCE_DIR
#define KFP_SOURCE_DIR "."
#endif

#define ID(crm, op2) KFP_ARM64_SYSREG(3, 0, 0, crm, op2)
#define ID_AA64PFR0 ID(4, 0)
#define ID_AA64ISAR0 ID(6, 0)
#define ID_AA64MMFR0 ID(7, 0)
#define STD_BMAP (KFP_ARM64_FW_BMAP_BASE | 0)
#define STD_HYP_BMAP (KFP_ARM64_FW_BMAP_BASE | 1)
#define VENDOR_HYP_BMAP (KFP_ARM64_FW_BMAP_BASE | 2)
#define VENDOR_HYP_BMAP_2 (KFP_ARM64_FW_BMAP_BASE | 3)

/* Big: keep them off the stack. */
static struct fake_kvm kvm;
static struct kfp_arm64_plan plan;
static struct kfp_report rep;

/* ------------------------------------------------------------------ */
/* Policies, compiled in-process                                      */

#define HEADER "policy \"t\" version 1;\nfleet \"f\" { arch arm64; min_kernel 6.12; }\n"
/* Fields no kernel lets a VMM change (kept at the host's value), as in
 * policies/examples/arm64-aes-hidden.kfp; lines 4 to 9. */
#define BASE                                                          \
	"    id_reg ID_AA64PFR0_EL1 { FP >= 0; AdvSIMD >= 0; RAS >= 0; }\n" \
	"    id_reg ID_AA64PFR1_EL1 { RAS_frac >= 0; MTE >= 0; }\n"         \
	"    id_reg ID_AA64MMFR1_EL1 { VH >= 0; XNX >= 0; TWED >= 0; HCX >= 0; }\n" \
	"    id_reg ID_AA64MMFR2_EL1 { FWB >= 0; EVT >= 0; NV >= 0; }\n"   \
	"    id_reg ID_AA64MMFR4_EL1 { E2H0 >= 0; }\n"

/* HEADER, then an arm64 section with BASE and the given lines (from line
 * 9). */
static const struct kfp_config *compile(struct policy *p, const char *section)
{
	char text[sizeof(p->text)];
	snprintf(text, sizeof(text), HEADER "arm64 {\n" BASE "%s}\n", section);
	return compile_text(p, text);
}

/* A policy of the fleet tests' machine.inc.kfp (every ID register at the
 * host's value, PSCI 0.2, no hypercall) with PV time on, so that the
 * qemu hosts need no ID-register write. */
#define MACHINE_PV_TIME                                                                 \
	"policy \"t\" version 1;\n"                                                     \
	"include \"" KFP_SOURCE_DIR "/tests/fleet/policies/machine.inc.kfp\";\n"          \
	"fleet \"f\" { arch arm64; min_kernel 6.12; }\n"                                 \
	"arm64 {\n    id_reg ID_AA64ISAR0_EL1 { * >= 0; }\n    hypercalls { pv_time on; }\n}\n"

static void print_report(void)
{
	for (uint32_t i = 0; i < rep.nitems; i++) {
		char line[256];
		kfp_report_item_format(&rep.items[i], line, sizeof(line));
		print_error("  %s %s\n", kfp_item_status_name(rep.items[i].status), line);
	}
}

/* The item named `name` with `status`, or a failure that prints the
 * report. */
static const struct kfp_report_item *find_item(uint8_t status, const char *name)
{
	for (uint32_t i = 0; i < rep.nitems; i++)
		if (rep.items[i].status == status && !strcmp(rep.items[i].name, name))
			return &rep.items[i];
	print_report();
	fail_msg("no %s item named %s", kfp_item_status_name(status), name);
	return NULL;
}

static void assert_src(const struct kfp_report_item *it, const struct policy *p, const char *needle)
{
	uint32_t line, col;
	where(p, needle, &line, &col);
	assert_non_null(it->src.file);
	assert_string_equal(it->src.file, p->file);
	assert_int_equal(it->src.line, line);
	assert_int_equal(it->src.col, col);
}

static void assert_line(const struct kfp_report_item *it, const char *want)
{
	char line[256];
	kfp_report_item_format(it, line, sizeof(line));
	assert_string_equal(line, want);
}

static uint64_t written(uint64_t id)
{
	uint64_t v = 0;
	if (!fake_kvm_written_reg(&kvm, id, &v))
		fail_msg("register 0x%016" PRIx64 " was not written", id);
	return v;
}

static bool was_written(uint64_t id)
{
	uint64_t v;
	return fake_kvm_written_reg(&kvm, id, &v);
}

static uint64_t nibble(uint64_t reg, unsigned shift)
{
	return reg >> shift & 0xf;
}

/* A fresh 6.12 host: the one the fixture sets up. */
static void new_host(void)
{
	fake_kvm_init(&kvm);
	fake_kvm_qemu_arm64_6_12(&kvm);
}

static int apply(const struct kfp_config *cfg)
{
	kfp_report_init(&rep);
	return kfp_arm64_apply(cfg, FAKE_VM_FD, FAKE_VCPU_FD, &plan, &rep);
}

/* apply() that must succeed; prints the report otherwise. */
static void apply_ok(const struct kfp_config *cfg)
{
	int r = apply(cfg);
	if (r != 0 || rep.nproblems) {
		print_report();
		fail_msg("kfp_arm64_apply: %d", r);
	}
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                           */

static int setup(void **state)
{
	(void)state;
	fake_kvm_init(&kvm);
	fake_kvm_qemu_arm64_6_12(&kvm);
	kfp_report_init(&rep);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_kvm_uninstall();
	return 0;
}

/* ------------------------------------------------------------------ */
/* ID registers                                                       */

static void test_example_on_6_12(void **state)
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

static void test_no_masks_writes_nothing(void **state)
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

static void test_masks_limit_changes(void **state)
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

static void test_field_arithmetic(void **state)
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

static void test_host_lacks_field(void **state)
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

static void test_unknown_field_bits(void **state)
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

static void test_unknown_id_register(void **state)
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

static void test_vcpu_features(void **state)
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

static void test_hypercall_bitmaps(void **state)
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

static void test_hypercall_missing(void **state)
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
static void test_hypercalls_before_5_19(void **state)
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
/* Migration: a saved state checked against a destination             */

#define FPMR KFP_ARM64_SYSREG(3, 3, 4, 4, 2)
#define POR_EL1 KFP_ARM64_SYSREG(3, 0, 10, 2, 4)
#define TCR2_EL1 KFP_ARM64_SYSREG(3, 0, 2, 0, 3)
#define PMCR_EL0 KFP_ARM64_SYSREG(3, 3, 9, 12, 0)
#define ZCR_EL1 KFP_ARM64_SYSREG(3, 0, 1, 2, 0)
#define CNTP_CTL_EL0 KFP_ARM64_SYSREG(3, 3, 14, 2, 1)
#define CNTPCT_EL0 KFP_ARM64_SYSREG(3, 3, 14, 0, 1)
#define RESET_UNKNOWN UINT64_C(0x1de7ec7edbadc0de)

/* What a source saved: every register it lists, with its value. */
static struct {
	struct kfp_arm64_saved_reg regs[FAKE_MAX_REGS];
	uint64_t values[FAKE_MAX_REGS];
	uint8_t rules[FAKE_MAX_REGS];
	struct kfp_arm64_state st;
} saved;

/* Saves the fake host's listed registers (after an apply: what the guest
 * had), under cfg's identity. */
static void save_state(const struct kfp_config *cfg)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < kvm.nregs; i++) {
		if (kvm.regs[i].unlisted)
			continue;
		saved.values[n] = kvm.regs[i].value;
		saved.regs[n] = (struct kfp_arm64_saved_reg){ kvm.regs[i].id, &saved.values[n] };
		n++;
	}
	saved.st = (struct kfp_arm64_state){ cfg->id, saved.regs, n, "6.12.95+deb12-arm64" };
}

static void save_add(uint64_t id, uint64_t value)
{
	uint32_t n = saved.st.nregs++;
	saved.values[n] = value;
	saved.regs[n] = (struct kfp_arm64_saved_reg){ id, &saved.values[n] };
}

static uint8_t rule_of(uint64_t id)
{
	for (uint32_t i = 0; i < saved.st.nregs; i++)
		if (saved.regs[i].id == id)
			return saved.rules[i];
	fail_msg("0x%016" PRIx64 " is not in the state", id);
	return 0;
}

/* kfp_arm64_plan on the current fake host, then the check; the check
 * writes nothing. */
static int verify(const struct kfp_config *cfg)
{
	kfp_report_init(&rep);
	int r = kfp_arm64_plan(cfg, FAKE_VM_FD, FAKE_VCPU_FD, &plan, &rep);
	if (r < 0) {
		print_report();
		fail_msg("kfp_arm64_plan: %d", r);
	}
	kfp_report_init(&rep);
	unsigned before = fake_kvm_writes(&kvm);
	memset(saved.rules, 0xff, sizeof(saved.rules));
	r = kfp_arm64_verify_state(&plan, FAKE_VCPU_FD, &saved.st, saved.rules, &rep);
	assert_int_equal(fake_kvm_writes(&kvm), before);
	return r;
}

static void assert_detail_has(const struct kfp_report_item *it, const char *needle)
{
	if (!strstr(it->detail, needle)) {
		print_report();
		fail_msg("'%s' not in '%s'", needle, it->detail);
	}
}

static void test_state_same_kernel(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	apply_ok(cfg);
	save_state(cfg);
	new_host();
	if (verify(cfg) != 0) {
		print_report();
		fail_msg("a state of the same kernel and policy is refused");
	}
	assert_int_equal(rep.nitems, 0);
	for (uint32_t i = 0; i < saved.st.nregs; i++)
		assert_int_equal(saved.rules[i], KFP_STATE_LISTED);
	assert_string_equal(kfp_state_rule_name(KFP_STATE_FW_IMPLIED), "fw-bitmap-implied");

	/* Another policy's state, or none: refused, whatever it holds. */
	static const uint8_t other[16] = { 1 };
	saved.st.id = other;
	assert_int_equal(verify(cfg), -EPERM);
	assert_detail_has(find_item(KFP_ITEM_REFUSED, "policy identity"),
			  "another configuration than fleet \"f\"");
	saved.st.id = NULL;
	assert_int_equal(verify(cfg), -EPERM);
	find_item(KFP_ITEM_REFUSED, "policy identity");

	/* Bad arguments. */
	assert_int_equal(kfp_arm64_verify_state(NULL, FAKE_VCPU_FD, &saved.st, NULL, &rep), -EINVAL);
	saved.regs[0].value = NULL;
	assert_int_equal(kfp_arm64_verify_state(&plan, FAKE_VCPU_FD, &saved.st, NULL, &rep),
			 -EINVAL);
	policy_free(&p);
}

/* The guest keeps what it saw: an ID register, a hypercall bitmap or a
 * pinned register that differs is refused, naming the field and line. */
static void test_state_guest_view(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	apply_ok(cfg);
	save_state(cfg);
	for (uint32_t i = 0; i < saved.st.nregs; i++) {
		if (saved.regs[i].id == ID_AA64ISAR0)
			saved.values[i] ^= UINT64_C(0xf) << 4; /* AES 2 -> 0xd */
		if (saved.regs[i].id == STD_HYP_BMAP)
			saved.values[i] = 0;
	}
	new_host();
	assert_int_equal(verify(cfg), -EPERM);
	assert_int_equal(rule_of(ID_AA64ISAR0), KFP_STATE_REFUSED);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "AES");
	assert_detail_has(it, "ID_AA64ISAR0_EL1.AES: the state has 13, kernel 6.12.95+deb12-arm64 gives 2");
	assert_src(it, &p, "* >= 0; }\n    hypercalls");
	it = find_item(KFP_ITEM_REFUSED, "KVM_REG_ARM_STD_HYP_BMAP");
	assert_detail_has(it, "the state has 0x0, the policy 0x1");

	/* Another CPU: MIDR_EL1 is the host's, and the guest saw the
	 * source's. */
	new_host();
	apply_ok(cfg);
	save_state(cfg);
	new_host();
	fake_kvm_set_reg(&kvm, ID(0, 0), 0x00000000000f0511);
	assert_int_equal(verify(cfg), -EPERM);
	assert_int_equal(rule_of(ID(0, 0)), KFP_STATE_REFUSED);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "MIDR_EL1")->detail,
			    "the state has 0xf0510, kernel 6.12.95+deb12-arm64 shows 0xf0511 (the "
			    "host's value)");
	assert_int_equal(rep.nitems, 1);
	policy_free(&p);
}

/* A register the catalog does not know, saved but not listed here: never
 * dropped silently. */
static void test_state_unknown_register(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	apply_ok(cfg);
	save_state(cfg);
	const uint64_t impdef = KFP_ARM64_SYSREG(3, 0, 15, 15, 7);
	save_add(impdef, 0);
	new_host();
	assert_int_equal(verify(cfg), -EPERM);
	assert_int_equal(rule_of(impdef), KFP_STATE_REFUSED);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "register");
	assert_string_equal(it->detail, "0x603000000013c7ff (3,0,15,15,7) = 0x0: kernel "
					"6.12.95+deb12-arm64 does not list it; not in the catalog");
	assert_int_equal(rep.nitems, 1);

	/* The same the other way: listed here, not in the state. */
	saved.st.nregs--;
	fake_kvm_set_reg(&kvm, impdef, 0);
	assert_int_equal(verify(cfg), -EPERM);
	assert_detail_has(find_item(KFP_ITEM_REFUSED, "register"), "lists it, the state lacks it");
	policy_free(&p);
}

/* FPMR (FEAT_FPMR, 6.12 lists it when the VM has it), saved with a value
 * on a destination that does not list it. */
static void test_state_fpmr(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile(&p, "    id_reg ID_AA64PFR2_EL1 { FPMR >= 0; }\n");
	apply_ok(cfg);
	save_state(cfg);
	save_add(FPMR, 0x5);
	new_host();
	snprintf(kvm.release, sizeof(kvm.release), "6.12.0-old-arm64");
	/* Not hidden, not at its reset value: refused, naming the feature
	 * and this kernel, at the line that exposes it. */
	assert_int_equal(verify(cfg), -EPERM);
	assert_int_equal(rule_of(FPMR), KFP_STATE_REFUSED);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "FPMR");
	assert_string_equal(it->detail, "FPMR = 0x5, not reset 0x0; kernel 6.12.0-old-arm64 does "
					"not list it; FEAT_FPMR not hidden");
	assert_src(it, &p, "FPMR >= 0");

	/* At its reset value it holds nothing the guest could lose. */
	saved.values[saved.st.nregs - 1] = 0;
	assert_int_equal(verify(cfg), 0);
	assert_int_equal(rule_of(FPMR), KFP_STATE_RESET_VALUE);
	policy_free(&p);

	/* FEAT_FPMR hidden by the policy (= 0, or at most 0 where no host
	 * profile fixes it): safe as feature-off. */
	static const char *const hide[] = { "    id_reg ID_AA64PFR2_EL1 { FPMR = 0; }\n",
					    "    id_reg ID_AA64PFR2_EL1 { FPMR <= 0; }\n" };
	for (unsigned i = 0; i < 2; i++) {
		cfg = compile(&p, hide[i]);
		new_host();
		apply_ok(cfg);
		save_state(cfg);
		save_add(FPMR, 0);
		new_host();
		assert_int_equal(verify(cfg), 0);
		assert_int_equal(rule_of(FPMR), KFP_STATE_FEATURE_OFF);
		policy_free(&p);
	}
}

/* Registers of vCPU features the policy leaves off (5.10 lists the PMU's
 * without pmu_v3), and registers only the destination lists. */
static void test_state_vcpu_off_and_added(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	apply_ok(cfg);
	save_state(cfg);
	save_add(PMCR_EL0, 0x41013000);
	save_add(ZCR_EL1, 0x3);
	/* The physical timer 6.1 does not list: disabled (ISTATUS is KVM's
	 * status bit), and the counter, which 6.1 shows as the host's. */
	save_add(CNTP_CTL_EL0, 0x4);
	save_add(CNTPCT_EL0, 0x18aeda9b);
	new_host();
	/* 6.12 lists TCR2_EL1 and POR_EL1 at their reset values. */
	fake_kvm_set_reg(&kvm, TCR2_EL1, 0);
	fake_kvm_set_reg(&kvm, POR_EL1, RESET_UNKNOWN);
	/* An unallocated feature ID register this kernel does not list reads
	 * as 0 here, as the guest read it there. */
	fake_kvm_del_reg(&kvm, ID(4, 3));
	assert_int_equal(verify(cfg), 0);
	assert_int_equal(rule_of(PMCR_EL0), KFP_STATE_VCPU_OFF);
	assert_int_equal(rule_of(ZCR_EL1), KFP_STATE_VCPU_OFF);
	assert_int_equal(rule_of(ID(4, 3)), KFP_STATE_ID_REG);
	assert_int_equal(rule_of(CNTP_CTL_EL0), KFP_STATE_RESET_VALUE);
	assert_int_equal(rule_of(CNTPCT_EL0), KFP_STATE_COUNTER);
	assert_string_equal(kfp_state_rule_name(KFP_STATE_COUNTER), "counter");

	/* An enabled timer holds state the guest would lose. */
	saved.values[saved.st.nregs - 2] = 0x1;
	assert_int_equal(verify(cfg), -EPERM);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "CNTP_CTL_EL0")->detail,
			    "CNTP_CTL_EL0 = 0x1, not reset 0x0; kernel 6.12.95+deb12-arm64 does not "
			    "list it");
	saved.values[saved.st.nregs - 2] = 0x4;

	/* A value the guest could have set, on a register the state lacks:
	 * the guest would see it change. */
	fake_kvm_set_reg(&kvm, POR_EL1, 0x7);
	assert_int_equal(verify(cfg), -EPERM);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "POR_EL1");
	assert_string_equal(it->detail, "kernel 6.12.95+deb12-arm64 lists it = 0x7, not reset; the "
					"state lacks it; FEAT_S1POE not hidden");
	policy_free(&p);
}

/* The same CPU as the 6.12 fake under 5.10: no hypercall bitmaps, and the
 * cache description of 6.12 (whose CCSIDR_EL1 for caches CLIDR_EL1 does
 * not describe 5.10 does not list). */
static void host_5_10_like_6_12(void)
{
	fake_kvm_qemu_arm64_6_12(&kvm);
	for (unsigned n = 0; n < 4; n++)
		fake_kvm_del_reg(&kvm, KFP_ARM64_FW_BMAP_BASE | n);
	for (unsigned n = 3; n < 14; n++)
		fake_kvm_del_reg(&kvm, FAKE_CCSIDR(n));
	snprintf(kvm.release, sizeof(kvm.release), "5.10.0-32-arm64");
}

/* A hypercall bitmap saved on 6.12, restored on 5.10, which has none:
 * safe only when 5.10 offers every service it turns on. */
static void test_state_bitmap_on_5_10(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	struct kfp_config c = *cfg;
	c.min_kernel = 5u << 16 | 10u << 8;
	apply_ok(&c);
	save_state(&c);
	host_5_10_like_6_12();
	if (verify(&c) != 0) {
		print_report();
		fail_msg("the 6.12 state is refused on 5.10");
	}
	assert_int_equal(rule_of(STD_HYP_BMAP), KFP_STATE_FW_IMPLIED); /* PV time: 5.10 has it */
	assert_int_equal(rule_of(STD_BMAP), KFP_STATE_FW_OFF);
	assert_int_equal(rule_of(VENDOR_HYP_BMAP), KFP_STATE_FW_OFF);
	/* CLIDR_EL1 0x2000021: an L1 instruction cache, a unified L2. */
	assert_int_equal(rule_of(FAKE_CCSIDR(3)), KFP_STATE_NO_CACHE);
	assert_int_equal(rule_of(FAKE_CCSIDR(13)), KFP_STATE_NO_CACHE);

	/* The real 5.10 shows another debug architecture and no HCX: what
	 * the guest saw on 6.12 it would lose. */
	fake_kvm_qemu_arm64_5_10(&kvm);
	assert_int_equal(verify(&c), -EPERM);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "DebugVer")->detail,
			    "ID_AA64DFR0_EL1.DebugVer: the state has 9, kernel 5.10.0-32-arm64 "
			    "gives 6 (the guest saw it)");
	find_item(KFP_ITEM_REFUSED, "HCX");
	policy_free(&p);

	/* PTP (5.13): 5.10 cannot offer it.  The plan accepts 5.10 (its
	 * hypercalls are fixed, and a fleet of min_kernel 5.10 would not
	 * have passed kfpc); the state check refuses what would be lost. */
	cfg = compile(&p, "    hypercalls { pv_time on; ptp on; }\n");
	c = *cfg;
	c.min_kernel = 5u << 16 | 10u << 8;
	new_host();
	apply_ok(&c);
	save_state(&c);
	host_5_10_like_6_12();
	assert_int_equal(verify(&c), -EPERM);
	assert_int_equal(rule_of(STD_HYP_BMAP), KFP_STATE_FW_IMPLIED);
	assert_int_equal(rule_of(VENDOR_HYP_BMAP), KFP_STATE_REFUSED);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "ptp");
	assert_string_equal(it->detail, "on in the state (KVM_REG_ARM_VENDOR_HYP_BMAP bit 1); kernel "
					"5.10.0-32-arm64 offers it only from 5.13");
	assert_src(it, &p, "ptp on");

	policy_free(&p);

	/* A kernel with bitmaps that lacks one (VENDOR_HYP_BMAP_2 is newer
	 * than 6.12) lacks its services. */
	cfg = compile_text(&p, MACHINE_PV_TIME);
	new_host();
	apply_ok(cfg);
	save_state(cfg);
	save_add(VENDOR_HYP_BMAP_2, 0x1);
	new_host();
	assert_int_equal(verify(cfg), -EPERM);
	assert_int_equal(rule_of(VENDOR_HYP_BMAP_2), KFP_STATE_REFUSED);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "hypercall")->detail,
			    "on in the state (hypercall bitmap bit 0); kernel 6.12.95+deb12-arm64 "
			    "has no hypercall bitmap");
	policy_free(&p);
}

/* The tool's state file: what apply --save-state writes, verify-state
 * reads back, any register size, and refused when malformed. */
static void test_state_file(void **state)
{
	(void)state;
	static struct arm64_state_file st;
	static uint8_t values[3][ARM64_STATE_REG_BYTES];
	const uint64_t ids[3] = { ID_AA64ISAR0, FAKE_CCSIDR(1),
				  UINT64_C(0x6080000000150000) /* SVE Z0, 2048 bits */ };
	const uint8_t id[16] = { 0xde, 0xad, [15] = 0x01 };
	memcpy(values[0], &(uint64_t){ UINT64_C(0x1221111110212120) }, 8);
	memcpy(values[1], &(uint32_t){ 0x701fe00a }, 4);
	for (unsigned i = 0; i < 256; i++)
		values[2][i] = (uint8_t)i;
	char path[] = "/tmp/kfp-state-XXXXXX", err[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	arm64_state_write(f, id, "6.12.95+deb12-arm64", ids,
			  (const uint8_t(*)[ARM64_STATE_REG_BYTES])values, 3);
	fclose(f);
	assert_int_equal(arm64_state_read(path, &st, err, sizeof(err)), 0);
	struct kfp_arm64_state v = arm64_state_view(&st);
	assert_memory_equal(v.id, id, 16);
	assert_string_equal(v.kernel, "6.12.95+deb12-arm64");
	assert_int_equal(v.nregs, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(v.regs[i].id, ids[i]);
		assert_memory_equal(v.regs[i].value, values[i], i == 0 ? 8 : i == 1 ? 4 : 256);
	}
	/* A value wider than its register, and a line the format lacks. */
	f = fopen(path, "w");
	fputs("kfp-arm64-state 1\nreg 0x6020000000110001 0x1701fe00a\n", f);
	fclose(f);
	assert_int_equal(arm64_state_read(path, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: the value of 0x6020000000110001 is not a hex number of 4 bytes"));
	f = fopen(path, "w");
	fputs("kfp-x86-state 1\n", f);
	fclose(f);
	assert_int_equal(arm64_state_read(path, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a kfp arm64 state file"));
	unlink(path);
}

/* ------------------------------------------------------------------ */
/* Pinned registers                                                   */

static char hosts_tmp[64];

/* A host profile with only what pins need: the cache description and
 * PSCI_VERSION (with psci_0_2). */
static void write_host(const char *name, const char *kernel, uint64_t clidr,
		       const uint32_t *ccsidr, unsigned nccsidr, uint64_t psci)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s.yaml", hosts_tmp, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "kfp_host_profile: 1\nname: \"%s\"\narch: arm64\nkernel: \"%s\"\n", name, kernel);
	fprintf(f, "reg_list: [0x6030000000140000, 0x603000000013c801");
	for (unsigned n = 0; n < nccsidr; n++)
		fprintf(f, ", 0x%" PRIx64, (uint64_t)FAKE_CCSIDR(n));
	fprintf(f, "]\nid_regs: {}\nfirmware_regs: {0x6030000000140000: 0x%" PRIx64 "}\n", psci);
	fprintf(f, "cache_regs:\n  0x603000000013c801: 0x%" PRIx64 "\n", clidr);
	for (unsigned n = 0; n < nccsidr; n++)
		fprintf(f, "  0x%" PRIx64 ": 0x%" PRIx32 "\n", (uint64_t)FAKE_CCSIDR(n), ccsidr[n]);
	fputs("vcpu_features: [power_off, psci_0_2]\n", f);
	fclose(f);
}

static void hosts_begin(void)
{
	snprintf(hosts_tmp, sizeof(hosts_tmp), "/tmp/kfp-test-hosts-XXXXXX");
	assert_non_null(mkdtemp(hosts_tmp));
	policy_hosts_dir = hosts_tmp;
}

static void hosts_end(void)
{
	static const char *const names[] = { "h5.10", "h5.10b", "h6.1", "h6.12" };
	char path[128];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.yaml", hosts_tmp, names[i]);
		remove(path);
	}
	rmdir(hosts_tmp);
	policy_hosts_dir = NULL;
}

/* The -cpu max values of .cache/fleet/rollback: 6.1 (and 5.10) show the
 * hardware's cache, 6.12 its own. */
static const uint32_t hw_ccsidr[3] = { 0x701fe00a, 0x201fe012, 0x70ffe07a };
static const uint32_t kvm_ccsidr[14] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };

static char *dump(const struct policy *p, bool readable)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	kfp_dump_fleet(p->pol, &p->pol->fleets[0], f, readable);
	fclose(f);
	return buf;
}

static void test_pins(void **state)
{
	(void)state;
	hosts_begin();
	write_host("h6.1", "6.1.0-56-arm64", 0x2000023, hw_ccsidr, 3, 0x10001);
	write_host("h6.12", "6.12.95+deb12-arm64", 0x2000021, kvm_ccsidr, 14, 0x10001);
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	hosts_end();

	/* What 6.1 shows, for the registers 6.1 has; PSCI agrees. */
	const struct kfp_arm64_config *a = cfg->arm64;
	assert_int_equal(a->npins, 4);
	assert_string_equal(a->pins[0].name, "CLIDR_EL1");
	assert_int_equal(a->pins[0].id, FAKE_CLIDR_EL1);
	assert_int_equal(a->pins[0].value, 0x2000023);
	for (unsigned n = 0; n < 3; n++) {
		assert_int_equal(a->pins[1 + n].id, FAKE_CCSIDR(n));
		assert_int_equal(a->pins[1 + n].value, hw_ccsidr[n]);
	}
	assert_string_equal(a->pins[3].name, "CCSIDR_EL1[2]");
	assert_null(a->pins[0].src.file); /* --hosts: no `hosts` line */
	char *text = dump(&p, true);
	assert_non_null(strstr(text, "    CLIDR_EL1      (0x603000000013c801) = 0x2000023: as kernel 6.1 "
				     "shows it (host h6.1); written on 1 of 2 hosts, which KVM allows "
				     "from 6.3\n"));
	free(text);
	text = dump(&p, false);
	assert_non_null(strstr(text, "  pin CCSIDR_EL1[1] (0x6020000000110001) = 0x201fe012\n"));
	free(text);

	/* 6.12 takes 6.1's cache description: after the ID registers,
	 * before the firmware registers. */
	apply_ok(cfg);
	assert_int_equal(written(FAKE_CLIDR_EL1), 0x2000023);
	for (unsigned n = 0; n < 3; n++)
		assert_int_equal(written(FAKE_CCSIDR(n)), hw_ccsidr[n]);
	assert_false(was_written(FAKE_CCSIDR(3)));
	assert_int_equal(fake_kvm_reg(&kvm, FAKE_CCSIDR(2))->value, hw_ccsidr[2]);
	uint32_t at_clidr = 0, first_fw = UINT32_MAX, last_id = 0;
	for (uint32_t i = 0; i < kvm.nset_regs; i++) {
		uint64_t id = kvm.set_regs[i].id;
		if (id == FAKE_CLIDR_EL1)
			at_clidr = i;
		else if (kfp_arm64_is_fw_bitmap(id) && first_fw == UINT32_MAX)
			first_fw = i;
		else if (kfp_arm64_is_feature_id_reg(id))
			last_id = i;
	}
	assert_true(at_clidr >= last_id && at_clidr + 3 < first_fw);
	assert_int_equal(kvm.set_regs[at_clidr + 3].id, FAKE_CCSIDR(2));
	assert_string_equal(find_item(KFP_ITEM_APPLIED, "CCSIDR_EL1[0]")->detail,
			    "KVM_SET_ONE_REG 0x6020000000110000 = 0x701fe00a (was 0x2)");

	/* kfp apply's verdict: the guest reads the pinned CLIDR_EL1, KVM
	 * holds every pinned register. */
	struct arm64_observed_reg *regs = calloc(a->nid_regs, sizeof(*regs));
	struct arm64_observed_fw *fw = calloc(a->nfw_regs, sizeof(*fw));
	struct arm64_observed_fw *pins = calloc(a->npins, sizeof(*pins));
	for (uint32_t i = 0; i < a->nid_regs; i++) {
		const struct fake_reg *r = fake_kvm_reg(&kvm, a->id_regs[i].id);
		regs[i] = (struct arm64_observed_reg){ r != NULL, r ? r->reset : 0, r != NULL,
						       r ? r->value : 0 };
	}
	for (uint32_t i = 0; i < a->nfw_regs; i++) {
		const struct fake_reg *r = fake_kvm_reg(&kvm, a->fw_regs[i].id);
		fw[i] = (struct arm64_observed_fw){ r != NULL, r ? r->reset : 0, r ? r->value : 0 };
	}
	for (uint32_t i = 0; i < a->npins; i++) {
		const struct fake_reg *r = fake_kvm_reg(&kvm, a->pins[i].id);
		pins[i] = (struct arm64_observed_fw){ true, r->reset, r->value };
	}
	struct arm64_verdict v;
	arm64_verify(&v, cfg, regs, fw, pins);
	assert_int_equal(v.mismatches, 0);
	char buf[65536];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	arm64_verdict_print_table(&v, false, f);
	fclose(f);
	assert_non_null(strstr(buf, "CLIDR_EL1                    pinned    0x2000023  0x2000021  "
				    "0x2000023  (the fleet's hosts)\n"));
	assert_non_null(strstr(buf, "PINNED REGISTER                   POLICY        HOST         KVM\n"
				    "CLIDR_EL1                      0x2000023   0x2000021   0x2000023\n"));
	arm64_verdict_free(&v);
	/* A KVM that did not keep a pinned value. */
	pins[3].kvm = 0x2;
	arm64_verify(&v, cfg, regs, fw, pins);
	assert_int_equal(v.mismatches, 1);
	f = fmemopen(buf, sizeof(buf), "w");
	arm64_verdict_print_table(&v, false, f);
	fclose(f);
	assert_non_null(strstr(buf, "MISMATCH CCSIDR_EL1[2]: the fleet pins 0x70ffe07a, KVM holds 0x2\n"));
	arm64_verdict_free(&v);
	free(regs);
	free(fw);
	free(pins);

	/* 6.1 shows the pinned values: nothing to write. */
	new_host();
	fake_kvm_qemu_arm64_6_1(&kvm);
	kvm.mask_cap = true; /* (so that the ID registers need no write either) */
	apply_ok(cfg);
	assert_false(was_written(FAKE_CLIDR_EL1));
	assert_false(was_written(FAKE_CCSIDR(0)));

	/* A kernel that does not take the value (before 6.3): -EIO, naming
	 * the register and the kernel, and nothing written after it. */
	new_host();
	fake_kvm_reg(&kvm, FAKE_CLIDR_EL1)->invariant = true;
	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "CLIDR_EL1");
	assert_int_equal(it->err, -EINVAL);
	assert_string_equal(it->detail, "KVM_SET_ONE_REG: Invalid argument: kernel 6.12.95+deb12-arm64 "
					"does not take the fleet's 0x2000023 (it shows 0x2000021)");
	assert_false(was_written(FAKE_CCSIDR(0)));
	for (uint32_t i = 0; i < kvm.nset_regs; i++)
		assert_false(kfp_arm64_is_fw_bitmap(kvm.set_regs[i].id));

	/* A kernel that does not list a pinned register. */
	new_host();
	fake_kvm_del_reg(&kvm, FAKE_CCSIDR(2));
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_string_equal(find_item(KFP_ITEM_MISSING, "CCSIDR_EL1[2]")->detail,
			    "the fleet pins it to 0x70ffe07a; kernel 6.12.95+deb12-arm64 does not list it");
	policy_free(&p);

	/* Without host profiles nothing is pinned; the dump says so. */
	cfg = compile_text(&p, MACHINE_PV_TIME);
	assert_int_equal(cfg->arm64->npins, 0);
	assert_null(cfg->arm64->pins);
	text = dump(&p, true);
	assert_non_null(strstr(text, "  pins: none (no host profiles: the cache description and PSCI "
				     "version are not pinned)\n"));
	free(text);
	text = dump(&p, false);
	assert_null(strstr(text, "pin"));
	free(text);
	policy_free(&p);
}

static void test_pin_psci(void **state)
{
	(void)state;
	hosts_begin();
	write_host("h5.10", "5.10.0-32-arm64", 0x2000023, hw_ccsidr, 3, 0x10000);
	write_host("h6.1", "6.1.0-56-arm64", 0x2000023, hw_ccsidr, 3, 0x10001);
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	hosts_end();
	/* The same cache everywhere; PSCI 1.0, the lowest. */
	assert_int_equal(cfg->arm64->npins, 1);
	assert_string_equal(cfg->arm64->pins[0].name, "PSCI_VERSION");
	assert_int_equal(cfg->arm64->pins[0].value, 0x10000);

	/* 6.1 writes it with the firmware registers, after the bitmaps. */
	fake_kvm_qemu_arm64_6_1(&kvm);
	kvm.mask_cap = true;
	apply_ok(cfg);
	assert_int_equal(written(KFP_ARM64_FW_REG_BASE), 0x10000);
	assert_true(kvm.nset_regs >= 2);
	assert_true(kfp_arm64_is_fw_bitmap(kvm.set_regs[kvm.nset_regs - 2].id));
	assert_int_equal(kvm.set_regs[kvm.nset_regs - 1].id, KFP_ARM64_FW_REG_BASE);

	/* 5.10 shows 1.0 already. */
	struct kfp_config c = *cfg;
	c.min_kernel = 5u << 16 | 10u << 8;
	new_host();
	fake_kvm_qemu_arm64_5_10(&kvm);
	apply_ok(&c);
	assert_false(was_written(KFP_ARM64_FW_REG_BASE));
	policy_free(&p);
}

/* The compiler's rules for pins. */
static void test_pin_errors(void **state)
{
	(void)state;
	struct policy p;
	/* The oldest kernel's hosts disagree: no value to pin. */
	hosts_begin();
	write_host("h5.10", "5.10.0-32-arm64", 0x2000023, hw_ccsidr, 3, 0x10000);
	write_host("h5.10b", "5.10.0-30-arm64", 0xa200023, hw_ccsidr, 3, 0x10000);
	write_host("h6.12", "6.12.95+deb12-arm64", 0x2000021, kvm_ccsidr, 14, 0x10001);
	char *err = compile_errors(&p, MACHINE_PV_TIME);
	hosts_end();
	if (!strstr(err, "error: CLIDR_EL1 differs between hosts of kernel 5.10, the oldest of fleet "
			 "\"f\" (0x2000023 on h5.10, 0xa200023 on h5.10b): the fleet cannot pin it to "
			 "one value"))
		fail_msg("%s", err);
	free(err);
	kfp_policy_free(p.pol);
	kfp_unit_free(p.unit);
	kfp_ctx_fini(&p.ctx);

	/* A kernel before 6.3 shows another cache description (other
	 * hardware): it cannot take the pinned one. */
	hosts_begin();
	write_host("h5.10", "5.10.0-32-arm64", 0x2000023, hw_ccsidr, 3, 0x10000);
	write_host("h6.1", "6.1.0-56-arm64", 0xa200023, hw_ccsidr, 3, 0x10001);
	err = compile_errors(&p, MACHINE_PV_TIME);
	hosts_end();
	if (!strstr(err, "test.kfp:3:25: error: CLIDR_EL1 must be pinned to 0x2000023 (what kernel 5.10 "
			 "shows, host h5.10), but kernel 6.1 shows another value and lets a VMM write it "
			 "only from 6.3: h6.1 (0xa200023)"))
		fail_msg("%s", err);
	/* PSCI 1.0 is a value 6.1 takes. */
	assert_null(strstr(err, "PSCI_VERSION"));
	free(err);
	kfp_policy_free(p.pol);
	kfp_unit_free(p.unit);
	kfp_ctx_fini(&p.ctx);
}

/* ------------------------------------------------------------------ */
/* Commit                                                             */

static void test_commit_order(void **state)
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

static void test_kvm_refuses_write(void **state)
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

static void test_reg_list_too_long(void **state)
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

static void test_bad_tables(void **state)
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

static void test_n1_profile(void **state)
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

/* ------------------------------------------------------------------ */
/* kfp apply's guest program and verdict (tools/kfp/verify_arm64.c) */

static uint32_t word(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_guest_program(void **state)
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

static void test_verdict(void **state)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_example_on_6_12),
		T(test_no_masks_writes_nothing),
		T(test_masks_limit_changes),
		T(test_field_arithmetic),
		T(test_host_lacks_field),
		T(test_unknown_field_bits),
		T(test_unknown_id_register),
		T(test_vcpu_features),
		T(test_hypercall_bitmaps),
		T(test_hypercall_missing),
		T(test_hypercalls_before_5_19),
		T(test_state_same_kernel),
		T(test_state_guest_view),
		T(test_state_unknown_register),
		T(test_state_fpmr),
		T(test_state_vcpu_off_and_added),
		T(test_state_bitmap_on_5_10),
		T(test_state_file),
		T(test_pins),
		T(test_pin_psci),
		T(test_pin_errors),
		T(test_commit_order),
		T(test_kvm_refuses_write),
		T(test_reg_list_too_long),
		T(test_bad_tables),
		T(test_n1_profile),
		T(test_guest_program),
		T(test_verdict),
#undef T
	};
	return cmocka_run_group_tests_name("runtime arm64", tests, policy_group_setup,
					   policy_group_teardown);
}
