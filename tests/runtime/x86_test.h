/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the x86 runtime tests (test_x86*.c): the fake KVM, host, plan
 * and report every test uses, small policies compiled in-process,
 * assertions on what was written, and the fixtures (x86_test.c, which also
 * runs them all).
 */
#ifndef KFP_TEST_X86_H
#define KFP_TEST_X86_H

#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kfp/kfp.h>

#include "compiler/catalog/catalog.h"
#include "compiler/semantics/config.h"
#include "fake_kvm.h"
#include "runtime/src/internal.h"
#include "grammar/parse.h"
#include "policy.h"
#include "compiler/semantics/structure.h"
#include "compiler/emitters/tables.h"

#ifndef KFP_SOURCE_DIR
#define KFP_SOURCE_DIR "."
#endif

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* Big: keep them off the stack. */
extern struct fake_kvm kvm;
extern struct kfp_host host;
extern struct kfp_x86_plan plan;
extern struct kfp_report rep;

/* Policies, compiled in-process */

#define HEADER "policy \"t\" version 1;\nfleet \"f\" { arch x86_64; min_kernel 6.1; }\n"
/* What every test policy allows, so that its dependencies are met. */
#define BASE "    allow fpu fxsr sse sse2 xsave;\n"

const struct kfp_config *compile(struct policy *p, const char *section);
const struct kfp_report_item *find_item(uint8_t status, const char *name);
void assert_src(const struct kfp_report_item *it, const struct policy *p, const char *needle);
const struct kfp_cpuid_row *cpuid_row(const struct kfp_config *cfg, uint32_t leaf,
				      uint32_t subleaf, uint8_t reg, uint8_t mode);
const struct kvm_cpuid_entry2 *written(uint32_t function, uint32_t index);
uint64_t written_msr(uint32_t index);
int apply(const struct kfp_config *cfg);
int setup(void **state);
int teardown(void **state);

/* The tests, by subject: host probing, CPUID, host profiles, bad tables
 * and reports (test_x86.c), MSRs (test_x86_msr.c), migration
 * (test_x86_state.c), AMX, xsave and XCR0 (test_x86_xsave.c), Hyper-V
 * (test_x86_hyperv.c). */
void test_host_init_grows_buffers(void **state);
void test_host_init_too_many_cpuid_entries(void **state);
void test_host_init_short_msr_read(void **state);
void test_host_cpuid_lookup(void **state);
void test_apply_minimal_example(void **state);
void test_missing_feature_writes_nothing(void **state);
void test_raw_cpuid_bit(void **state);
void test_xsave_leaf_follows_xfeatures(void **state);
void test_missing_xsave_component(void **state);
void test_row_precedence(void **state);
void test_arch_capabilities(void **state);
void test_vmx_msrs(void **state);
void test_set_msrs_partial_write(void **state);
void test_set_cpuid_refused(void **state);
void test_kvm_rewrites_cpuid(void **state);
void test_get_cpuid_keeps_nent(void **state);
void test_verify_state(void **state);
void test_verify_state_refuses_extra(void **state);
void test_verify_state_refuses_missing(void **state);
void test_verify_state_forced_bit(void **state);
void test_amx_permission(void **state);
void test_amx_leaves(void **state);
void test_xstate_outside_policy(void **state);
void test_xcr0(void **state);
void test_profile_host(void **state);
void test_plan_rejects_bad_tables(void **state);
void test_report_format_and_overflow(void **state);
void test_vmm_owned_bits(void **state);
void test_hyperv_apply(void **state);
void test_hyperv_5_10(void **state);
void test_hyperv_missing_writes_nothing(void **state);
void test_hyperv_evmcs(void **state);
void test_hyperv_verify_state(void **state);

#endif
