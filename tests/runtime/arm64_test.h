/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the arm64 runtime tests (test_arm64*.c): the fake KVM, plan and
 * report every test uses, small policies compiled in-process, assertions
 * on the report, and the fixtures (arm64_test.c, which also runs them all).
 */
#ifndef KFP_TEST_ARM64_H
#define KFP_TEST_ARM64_H

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
extern struct fake_kvm kvm;
extern struct kfp_arm64_plan plan;
extern struct kfp_report rep;

/* Policies, compiled in-process */

#define HEADER "policy \"t\" version 1;\nfleet \"f\" { arch arm64; min_kernel 6.12; }\n"
/* Fields no kernel lets a VMM change (kept at the host's value), as in
 * policies/examples/arm64-aes-hidden.kfp; lines 4 to 9. */
#define BASE                                                          \
	"    id_reg ID_AA64PFR0_EL1 { FP >= 0; AdvSIMD >= 0; RAS >= 0; }\n" \
	"    id_reg ID_AA64PFR1_EL1 { RAS_frac >= 0; MTE >= 0; }\n"         \
	"    id_reg ID_AA64MMFR1_EL1 { VH >= 0; XNX >= 0; TWED >= 0; HCX >= 0; }\n" \
	"    id_reg ID_AA64MMFR2_EL1 { FWB >= 0; EVT >= 0; NV >= 0; }\n"   \
	"    id_reg ID_AA64MMFR4_EL1 { E2H0 >= 0; }\n"

/* A policy of the fleet tests' machine.inc.kfp (every ID register at the
 * host's value, PSCI 0.2, no hypercall) with PV time on, so that the
 * qemu hosts need no ID-register write. */
#define MACHINE_PV_TIME                                                                 \
	"policy \"t\" version 1;\n"                                                     \
	"include \"" KFP_SOURCE_DIR "/tests/fleet/policies/machine.inc.kfp\";\n"          \
	"fleet \"f\" { arch arm64; min_kernel 6.12; }\n"                                 \
	"arm64 {\n    id_reg ID_AA64ISAR0_EL1 { * >= 0; }\n    hypercalls { pv_time on; }\n}\n"

const struct kfp_config *compile(struct policy *p, const char *section);
void print_report(void);
const struct kfp_report_item *find_item(uint8_t status, const char *name);
void assert_src(const struct kfp_report_item *it, const struct policy *p, const char *needle);
void assert_line(const struct kfp_report_item *it, const char *want);
uint64_t written(uint64_t id);
bool was_written(uint64_t id);
uint64_t nibble(uint64_t reg, unsigned shift);
void new_host(void);
int apply(const struct kfp_config *cfg);
void apply_ok(const struct kfp_config *cfg);
int setup(void **state);
int teardown(void **state);

/* The tests, by subject: ID and firmware registers and commit
 * (test_arm64.c), migration (test_arm64_state.c), pinned registers
 * (test_arm64_pins.c), kfp apply's guest program and verdict
 * (test_arm64_verdict.c). */
void test_example_on_6_12(void **state);
void test_no_masks_writes_nothing(void **state);
void test_masks_limit_changes(void **state);
void test_field_arithmetic(void **state);
void test_host_lacks_field(void **state);
void test_unknown_field_bits(void **state);
void test_unknown_id_register(void **state);
void test_vcpu_features(void **state);
void test_hypercall_bitmaps(void **state);
void test_hypercall_missing(void **state);
void test_hypercalls_before_5_19(void **state);
void test_state_same_kernel(void **state);
void test_state_guest_view(void **state);
void test_state_unknown_register(void **state);
void test_state_fpmr(void **state);
void test_state_vcpu_off_and_added(void **state);
void test_state_bitmap_on_5_10(void **state);
void test_state_file(void **state);
void test_pins(void **state);
void test_pin_psci(void **state);
void test_pin_errors(void **state);
void test_commit_order(void **state);
void test_kvm_refuses_write(void **state);
void test_reg_list_too_long(void **state);
void test_bad_tables(void **state);
void test_n1_profile(void **state);
void test_guest_program(void **state);
void test_verdict(void **state);

#endif
