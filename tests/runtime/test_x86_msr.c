/* SPDX-License-Identifier: Apache-2.0 */
/* The x86 runtime tests: feature and VMX MSRs, and KVM refusing writes
 * (see x86_test.c). */
#include "x86_test.h"

/* ------------------------------------------------------------------ */
/* MSRs                                                               */

#define MSR_POLICY                                                                    \
	BASE "    xsave allow x87 sse;\n"                                              \
	     "    msr IA32_ARCH_CAPABILITIES { allow rdcl_no mds_no; }\n"              \
	     "    msr IA32_PERF_CAPABILITIES { allow full_width_write; }\n"

void test_arch_capabilities(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, MSR_POLICY);
	fake_kvm_set_msr(&kvm, 0x345, 0x2000 | 0x4c4); /* full-width writes, LBR format */

	assert_int_equal(apply(cfg), 0);
	assert_int_equal(written_msr(0x10a), 0xc0aa0eb & 0x21);
	assert_int_equal(written_msr(0x345), 0x2000);

	/* A host without mds_no. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	fake_kvm_set_msr(&kvm, 0x10a, 0xc0aa0eb & ~0x20ull);
	fake_kvm_set_msr(&kvm, 0x345, 0x2000);
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_src(find_item(KFP_ITEM_MISSING, "mds_no"), &p, "mds_no");

	/* A host without IA32_PERF_CAPABILITIES at all. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(rep.nproblems, 1);
	assert_src(find_item(KFP_ITEM_MISSING, "IA32_PERF_CAPABILITIES"), &p, "full_width_write");
	policy_free(&p);
}

#define VMX_POLICY                                                                            \
	BASE "    allow vmx;\n"                                                                \
	     "    xsave allow x87 sse;\n"                                                      \
	     "    vmx allow ept vpid unrestricted-guest hlt-exit secondary-ctls nmi-exit vnmi\n" \
	     "        store-lma ins-outs true-ctls invept eptp-switching;\n"                   \
	     "    msr IA32_ARCH_CAPABILITIES { allow rdcl_no; }\n"

void test_vmx_msrs(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, VMX_POLICY);
	assert_true(cfg->x86->nested_vmx);
	fake_kvm_add_vmx(&kvm);

	assert_int_equal(apply(cfg), 0);
	assert_true(written(0x1, 0)->ecx & (1u << 5));
	/* BASIC as it is; MISC keeps its fields (timer rate, CR3 targets). */
	assert_int_equal(written_msr(0x480), 0x00d8100011e57ed0);
	assert_int_equal(written_msr(0x485), 0x00040005 | 0x20);
	/* Controls: must-be-1 (low) kept, allowed-1 (high) restricted to
	 * the policy, except controls that must be 1. */
	assert_int_equal(written_msr(0x48b), (1ull << 33) | (1ull << 37) | (1ull << 39));
	uint64_t procbased = written_msr(0x48e);
	assert_int_equal((uint32_t)procbased, 0x04006172);
	assert_int_equal(procbased >> 32, 0x80000080u | 0x04006172u);
	assert_false(procbased & (1ull << 42)); /* mwait-exit: the host has it */
	assert_int_equal(written_msr(0x48d), 0x0000003e00000016);
	/* Capabilities: a subset. */
	assert_int_equal(written_msr(0x48c), 1ull << 20);
	assert_int_equal(written_msr(0x491), 1);
	assert_int_equal(written_msr(0x10a), 1);

	/* A host whose nested VMX lacks EPT. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	fake_kvm_add_vmx(&kvm);
	fake_kvm_set_msr(&kvm, 0x48b, 0x0617fbff00000000 & ~(1ull << 33));
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_int_equal(rep.nproblems, 1);
	const struct kfp_report_item *it = find_item(KFP_ITEM_MISSING, "ept");
	assert_src(it, &p, "ept");
	assert_non_null(strstr(it->detail, "MSR 0x48b bit 33"));

	/* A host without nested VMX at all. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	find_item(KFP_ITEM_MISSING, "vmx");
	find_item(KFP_ITEM_MISSING, "IA32_VMX_TRUE_PROCBASED_CTLS");
	policy_free(&p);
}

void test_set_msrs_partial_write(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, VMX_POLICY);
	fake_kvm_add_vmx(&kvm);
	/* Planned: 0x10a, 0x480, 0x485, 0x48b, ...; KVM stops at the 4th. */
	kvm.set_msrs_limit = 3;

	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "IA32_VMX_PROCBASED_CTLS2");
	assert_src(it, &p, "ept");
	char want[120];
	snprintf(want, sizeof(want),
		 "KVM_SET_MSRS set 3 of %" PRIu32 " MSRs; KVM refused MSR 0x48b = 0x%" PRIx64,
		 kfp_plan_msrs(&plan)->nmsrs, (uint64_t)kfp_plan_msrs(&plan)->entries[3].data);
	assert_string_equal(it->detail, want);
	/* CPUID was written; nothing after the MSRs was. */
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_CPUID2), 1);
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_XCRS), 0);
	assert_int_equal(rep.napplied, 1);
	policy_free(&p);
}

void test_set_cpuid_refused(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	kvm.set_cpuid_errno = EINVAL;

	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "CPUID table");
	assert_string_equal(it->detail, "KVM_SET_CPUID2: Invalid argument");
	assert_int_equal(it->err, -EINVAL);
	assert_src(it, &p, "xsave"); /* the first feature of the first CPUID row */
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_MSRS), 0);
	policy_free(&p);
}

/* A KVM that merges host bits into the table it is given (as PVM does):
 * the read-back catches it before any MSR is written or the vCPU runs. */
void test_kvm_rewrites_cpuid(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	kvm.merge_function = 0x7;
	kvm.merge_index = 0;
	kvm.merge_reg = 1;          /* EBX */
	kvm.merge_bits = 1u << 5;   /* avx2, which the policy hides */

	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "avx2");
	assert_string_equal(it->detail, "default deny; KVM rewrote CPUID 0x7.0 EBX: set 0x00000000, "
					"holds 0x00000020 (added 0x00000020)");
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_MSRS), 0);
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_XCRS), 0);
	policy_free(&p);
}

/* 5.10 and 6.1 leave nent as passed when KVM_GET_CPUID2 succeeds: the
 * read-back asks for exactly the entries it set, so that it never reads
 * entries KVM did not write, and still sees what KVM changed. */
void test_get_cpuid_keeps_nent(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	kvm.get_cpuid_keeps_nent = true;

	assert_int_equal(apply(cfg), 0);
	uint32_t nent = kfp_plan_cpuid(&plan)->nent;
	assert_true(nent > 0);
	assert_int_equal(kvm.nset_cpuid, nent);
	assert_int_equal(kvm.get_cpuid_nent, nent);
	char detail[96];
	snprintf(detail, sizeof(detail), "KVM_SET_CPUID2: %u entries, read back unchanged", nent);
	assert_string_equal(find_item(KFP_ITEM_APPLIED, "CPUID table")->detail, detail);

	/* A change is still seen. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	kvm.get_cpuid_keeps_nent = true;
	kvm.merge_function = 0x7;
	kvm.merge_reg = 1;
	kvm.merge_bits = 1u << 5;
	assert_int_equal(apply(cfg), -EIO);
	assert_non_null(find_item(KFP_ITEM_REFUSED, "avx2"));
	policy_free(&p);
}
