/* SPDX-License-Identifier: Apache-2.0 */
/* The x86 runtime tests: Hyper-V enlightenments (see x86_test.c). */
#include "x86_test.h"

/* ------------------------------------------------------------------ */
/* Hyper-V                                                            */

#define HV_FLEET(kernel) "policy \"t\" version 1;\nfleet \"f\" { arch x86_64; min_kernel " kernel "; }\n"
#define HV_SECTION                                                              \
	"x86_64 {\n" BASE "    allow hypervisor;\n    kvm allow kvmclock;\n"                         \
	"    hyperv allow hv-relaxed hv-vapic hv-time hv-vpindex hv-synic;\n}\n"

/* 6.12: the Hyper-V leaves from the system ioctl, exactly the policy's
 * bits, KVM's own leaves at 0x40000100, enforcement before the table. */
void test_hyperv_apply(void **state)
{
	(void)state;
	struct policy p;
	fake_kvm_hyperv(&kvm, 612);
	const struct kfp_config *cfg = compile_text(&p, HV_FLEET("6.1") HV_SECTION);
	assert_non_null(cfg);
	assert_true(cfg->x86->hyperv);

	assert_int_equal(apply(cfg), 0);
	assert_int_equal(rep.nproblems, 0);
	assert_int_equal(fake_kvm_calls(&kvm, KVM_GET_SUPPORTED_HV_CPUID), 1);
	assert_int_equal(kvm.log[0].fd, FAKE_KVM_FD);
	assert_true(kvm.enforce_on);
	assert_int_equal(kvm.enforce_after_cpuid, 0);
	assert_false(kvm.evmcs_on);
	find_item(KFP_ITEM_APPLIED, "Hyper-V CPUID");

	/* hv-runtime, hv-crash, ... are hidden; the hypercall MSR bit (5) is on. */
	const struct kvm_cpuid_entry2 *f = written(0x40000003, 0);
	assert_non_null(f);
	assert_int_equal(f->eax, 1u << 1 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 9);
	assert_int_equal(f->ebx, 0);
	assert_int_equal(f->edx, 0);
	assert_int_equal(written(0x40000004, 0)->eax, 1u << 5);
	assert_int_equal(written(0x40000004, 0)->ebx, 0xfff);
	assert_int_equal(written(0x4000000a, 0)->eax, 0);
	assert_int_equal(written(0x4000000a, 0)->ebx, 0);
	/* The identification leaves are KVM's Hyper-V ones. */
	assert_memory_equal(written(0x40000000, 0), &kvm.hv_cpuid[0], sizeof(struct kvm_cpuid_entry2));
	assert_int_equal(written(0x40000001, 0)->eax, 0x31237648); /* "Hv#1" */
	/* Synthetic debugging is not allowed: its leaves are not given. */
	assert_null(written(0x40000080, 0));
	/* KVM's leaves, moved: the signature with its last leaf moved too. */
	const struct kvm_cpuid_entry2 *k0 = written(0x40000100, 0);
	assert_non_null(k0);
	assert_int_equal(k0->eax, 0x40000101);
	assert_int_equal(k0->ebx, 0x4b4d564b);
	assert_int_equal(written(0x40000101, 0)->eax, 1u << 0); /* kvmclock */
	policy_free(&p);
}

/* 5.10: no system ioctl and no enforcement.  kfp_x86_apply asks the vCPU;
 * kfp_x86_plan alone says why it cannot; the report says the hiding is not
 * enforced, as the compiler warned. */
void test_hyperv_5_10(void **state)
{
	(void)state;
	struct policy p;
	fake_kvm_hyperv(&kvm, 510);
	const struct kfp_config *cfg = compile_text(&p, HV_FLEET("5.10") HV_SECTION);
	assert_non_null(cfg);

	kfp_report_init(&rep);
	assert_int_equal(kfp_host_init(&host, FAKE_KVM_FD), 0);
	assert_false(host.hv_sys);
	assert_int_equal(kfp_x86_plan(cfg, &host, FAKE_VM_FD, &plan, &rep), -ENOTSUP);
	find_item(KFP_ITEM_MISSING, "Hyper-V CPUID");
	assert_int_equal(fake_kvm_writes(&kvm), 0);

	assert_int_equal(apply(cfg), 0);
	assert_int_equal(rep.nproblems, 0);
	assert_false(kvm.enforce_on);
	const struct kfp_report_item *it = find_item(KFP_ITEM_APPLIED, "Hyper-V CPUID");
	assert_non_null(strstr(it->detail, "not enforced"));
	assert_int_equal(written(0x40000003, 0)->eax,
			 1u << 1 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 9);
	assert_int_equal(written(0x40000100, 0)->eax, 0x40000101);
	policy_free(&p);
}

/* An enlightenment the host's KVM lacks (hv-xmm-input before 6.1): named,
 * with its policy line, and nothing written, not even the capabilities. */
void test_hyperv_missing_writes_nothing(void **state)
{
	(void)state;
	struct policy p;
	fake_kvm_hyperv(&kvm, 510);
	const struct kfp_config *cfg = compile_text(&p, HV_FLEET("6.1")
		"x86_64 {\n" BASE "    hyperv allow hv-xmm-input;\n}\n");
	assert_non_null(cfg);

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_false(kvm.enforce_on);
	const struct kfp_report_item *it = find_item(KFP_ITEM_MISSING, "hv-xmm-input");
	assert_src(it, &p, "hv-xmm-input");
	policy_free(&p);
}

/* hv-evmcs: KVM_CAP_HYPERV_ENLIGHTENED_VMCS before the CPUID table (and so
 * before the VMX MSRs); a host without it is refused before any write. */
void test_hyperv_evmcs(void **state)
{
	(void)state;
	struct policy p;
	fake_kvm_add_vmx(&kvm);
	fake_kvm_hyperv(&kvm, 612);
	const struct kfp_config *cfg = compile_text(&p, HV_FLEET("6.1")
		"x86_64 {\n" BASE "    allow vmx;\n    vmx allow nmi-exit;\n"
		"    hyperv allow hv-vapic hv-evmcs;\n}\n");
	assert_non_null(cfg);
	assert_true(cfg->x86->hv_evmcs);

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	find_item(KFP_ITEM_MISSING, "hv-evmcs");

	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	fake_kvm_add_vmx(&kvm);
	fake_kvm_hyperv(&kvm, 612);
	kvm.hv_evmcs = true;
	kvm.evmcs_version = 0x0101;
	kvm.hv_cpuid[4].eax |= 1u << 14; /* HV_X64_ENLIGHTENED_VMCS_RECOMMENDED */
	/* Without a version in 0x4000000A EAX: refused, nothing written. */
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	find_item(KFP_ITEM_MISSING, "hv-evmcs");
	for (uint32_t i = 0; i < kvm.nhv_cpuid; i++)
		if (kvm.hv_cpuid[i].function == 0x4000000a)
			kvm.hv_cpuid[i].eax |= 0x0101; /* eVMCS 1 only, as KVM says */
	assert_int_equal(apply(cfg), 0);
	assert_true(kvm.evmcs_on);
	assert_int_equal(kvm.evmcs_after_cpuid, 0);
	assert_true(kvm.enforce_on);
	assert_int_equal(written(0x40000004, 0)->eax, 1u << 14);
	/* The version passes; hv-emsr-bitmap (bit 19), not allowed, does not. */
	assert_int_equal(written(0x4000000a, 0)->eax, 0x0101);
	/* verify-state takes the version as a value, not as features. */
	static struct kvm_cpuid_entry2 cpuid[FAKE_MAX_CPUID];
	memcpy(cpuid, kvm.set_cpuid, kvm.nset_cpuid * sizeof(cpuid[0]));
	struct kfp_x86_state st = { .id = cfg->id, .cpuid = cpuid, .ncpuid = kvm.nset_cpuid };
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), 0);
	assert_true(kvm.nset_msrs > 0);
	policy_free(&p);
}

/* verify-state covers the Hyper-V leaves and KVM's moved ones: the state
 * a commit leaves passes; a hidden enlightenment's bit, or a KVM feature
 * bit at 0x40000101, is refused by name. */
void test_hyperv_verify_state(void **state)
{
	(void)state;
	struct policy p;
	fake_kvm_hyperv(&kvm, 612);
	const struct kfp_config *cfg = compile_text(&p, HV_FLEET("6.1") HV_SECTION);
	assert_non_null(cfg);
	assert_int_equal(apply(cfg), 0);

	static struct kvm_cpuid_entry2 cpuid[FAKE_MAX_CPUID];
	memcpy(cpuid, kvm.set_cpuid, kvm.nset_cpuid * sizeof(cpuid[0]));
	struct kfp_x86_state st = { .id = cfg->id, .cpuid = cpuid, .ncpuid = kvm.nset_cpuid };
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), 0);

	for (uint32_t i = 0; i < st.ncpuid; i++) {
		if (cpuid[i].function == 0x40000003)
			cpuid[i].eax |= 1u << 7; /* HV_MSR_RESET_AVAILABLE: hv-reset, hidden */
		if (cpuid[i].function == 0x40000101)
			cpuid[i].eax |= 1u << 3; /* kvmclock2, hidden */
	}
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	assert_non_null(strstr(find_item(KFP_ITEM_REFUSED, "hv-reset")->detail,
			       "the state exposes CPUID 0x40000003.0 EAX bit 7"));
	find_item(KFP_ITEM_REFUSED, "kvmclock2");
	policy_free(&p);
}
