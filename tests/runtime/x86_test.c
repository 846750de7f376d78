/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86 runtime against a fake KVM (fake_kvm.c): host probing with its
 * E2BIG retries, CPUID default deny, leaf 0xD, feature and VMX MSRs, the
 * AMX permission, the xsave check, XCR0, and reports.  The configurations
 * come from the real compiler, run in-process on small policies, so these
 * tests also cover compiler -> tables -> runtime end to end.
 *
 * This file holds what the tests share and runs them all; the tests are in
 * test_x86*.c by subject.
 */
#include "x86_test.h"

/* Big: keep them off the stack. */
struct fake_kvm kvm;
struct kfp_host host;
struct kfp_x86_plan plan;
struct kfp_report rep;

/* ------------------------------------------------------------------ */
/* Policies, compiled in-process                                      */

/* HEADER, then an x86_64 section with the given lines (from line 4). */
const struct kfp_config *compile(struct policy *p, const char *section)
{
	char text[sizeof(p->text)];
	snprintf(text, sizeof(text), HEADER "x86_64 {\n%s}\n", section);
	return compile_text(p, text);
}

/* The item named `name` with `status`, or a failure that prints the
 * report. */
const struct kfp_report_item *find_item(uint8_t status, const char *name)
{
	for (uint32_t i = 0; i < rep.nitems; i++)
		if (rep.items[i].status == status && !strcmp(rep.items[i].name, name))
			return &rep.items[i];
	for (uint32_t i = 0; i < rep.nitems; i++) {
		char line[256];
		kfp_report_item_format(&rep.items[i], line, sizeof(line));
		print_error("  %s %s\n", kfp_item_status_name(rep.items[i].status), line);
	}
	fail_msg("no %s item named %s", kfp_item_status_name(status), name);
	return NULL;
}

void assert_src(const struct kfp_report_item *it, const struct policy *p, const char *needle)
{
	uint32_t line, col;
	where(p, needle, &line, &col);
	assert_non_null(it->src.file);
	assert_string_equal(it->src.file, "test.kfp");
	assert_int_equal(it->src.line, line);
	assert_int_equal(it->src.col, col);
}

const struct kfp_cpuid_row *cpuid_row(const struct kfp_config *cfg, uint32_t leaf,
				      uint32_t subleaf, uint8_t reg, uint8_t mode)
{
	for (uint32_t i = 0; i < cfg->x86->ncpuid; i++) {
		const struct kfp_cpuid_row *r = &cfg->x86->cpuid[i];
		if (r->leaf == leaf && r->subleaf == subleaf && r->reg == reg && r->mode == mode)
			return r;
	}
	return NULL;
}

const struct kvm_cpuid_entry2 *written(uint32_t function, uint32_t index)
{
	return fake_kvm_written_cpuid(&kvm, function, index);
}

uint64_t written_msr(uint32_t index)
{
	uint64_t v = 0;
	if (!fake_kvm_written_msr(&kvm, index, &v))
		fail_msg("MSR 0x%" PRIx32 " was not written", index);
	return v;
}

/* host init + plan + commit on the fake's fds. */
int apply(const struct kfp_config *cfg)
{
	kfp_report_init(&rep);
	int r = kfp_host_init(&host, FAKE_KVM_FD);
	assert_int_equal(r, 0);
	return kfp_x86_apply(cfg, &host, FAKE_VM_FD, FAKE_VCPU_FD, &plan, &rep);
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                           */

int setup(void **state)
{
	(void)state;
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	kfp_report_init(&rep);
	return 0;
}

int teardown(void **state)
{
	(void)state;
	fake_kvm_uninstall();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_host_init_grows_buffers),
		T(test_host_init_too_many_cpuid_entries),
		T(test_host_init_short_msr_read),
		T(test_host_cpuid_lookup),
		T(test_apply_minimal_example),
		T(test_vmm_owned_bits),
		T(test_missing_feature_writes_nothing),
		T(test_raw_cpuid_bit),
		T(test_xsave_leaf_follows_xfeatures),
		T(test_missing_xsave_component),
		T(test_row_precedence),
		T(test_arch_capabilities),
		T(test_vmx_msrs),
		T(test_set_msrs_partial_write),
		T(test_set_cpuid_refused),
		T(test_kvm_rewrites_cpuid),
	T(test_get_cpuid_keeps_nent),
		T(test_verify_state),
		T(test_verify_state_refuses_extra),
		T(test_verify_state_refuses_missing),
		T(test_verify_state_forced_bit),
		T(test_amx_permission),
		T(test_amx_leaves),
		T(test_xstate_outside_policy),
		T(test_xcr0),
		T(test_profile_host),
		T(test_plan_rejects_bad_tables),
		T(test_report_format_and_overflow),
		T(test_hyperv_apply),
		T(test_hyperv_5_10),
		T(test_hyperv_missing_writes_nothing),
		T(test_hyperv_evmcs),
		T(test_hyperv_verify_state),
#undef T
	};
	return cmocka_run_group_tests_name("runtime x86", tests, policy_group_setup,
					   policy_group_teardown);
}
