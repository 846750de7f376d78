/* SPDX-License-Identifier: Apache-2.0 */
/* The x86 runtime tests: the AMX permission, xsave and XCR0 (see x86_test.c). */
#include "x86_test.h"

/* ------------------------------------------------------------------ */
/* AMX, xsave, XCR0                                                   */

#define AMX_POLICY                                                   \
	BASE "    allow xsavec xsaves xgetbv1 xfd amx-tile;\n"        \
	     "    xsave allow x87 sse xtilecfg xtiledata;\n"

void test_amx_permission(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, AMX_POLICY);
	assert_true(cfg->x86->amx);

	assert_int_equal(kfp_prepare_process(cfg, &rep), 0);
	assert_int_equal(kvm.nprctl, 1);
	assert_int_equal(kvm.prctl_code, 0x1025);
	assert_int_equal(kvm.prctl_arg, 18);
	assert_int_equal(rep.nitems, 0);

	/* Too late: a vCPU exists. */
	kvm.prctl_errno = EBUSY;
	assert_int_equal(kfp_prepare_process(cfg, &rep), -EBUSY);
	const struct kfp_report_item *it = find_item(KFP_ITEM_ORDER, "xtiledata");
	assert_src(it, &p, "xtiledata");
	assert_non_null(strstr(it->detail, "before the first vCPU is created"));

	/* The kernel cannot grant it. */
	kfp_report_init(&rep);
	kvm.prctl_errno = EINVAL;
	assert_int_equal(kfp_prepare_process(cfg, &rep), -ENOTSUP);
	it = find_item(KFP_ITEM_MISSING, "xtiledata");
	assert_non_null(strstr(it->detail, "host cannot grant AMX"));
	policy_free(&p);

	/* No AMX in the policy: nothing asked. */
	cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	kvm.nprctl = 0;
	assert_int_equal(kfp_prepare_process(cfg, &rep), 0);
	assert_int_equal(kvm.nprctl, 0);
	policy_free(&p);
}

/* The leaves that describe AMX (tile palettes 0x1d, TMUL 0x1e) and its
 * xsave size leaves are the host's when AMX is exposed, and absent (zero)
 * when it is hidden. */
void test_amx_leaves(void **state)
{
	(void)state;
	struct policy p;

	fake_kvm_cpuid(&kvm, 0x7, 0)->edx |= 1u << 24;     /* amx-tile */
	fake_kvm_cpuid(&kvm, 0xd, 0)->eax |= 3u << 17;     /* XTILECFG, XTILEDATA */
	fake_kvm_cpuid(&kvm, 0xd, 1)->eax |= 1u << 4;      /* XFD */
	fake_kvm_add_cpuid(&kvm, 0xd, 17, SIG, 0x40, 0xac0, 0x2, 0);
	fake_kvm_add_cpuid(&kvm, 0xd, 18, SIG, 0x2000, 0xb00, 0x6, 0);
	fake_kvm_add_cpuid(&kvm, 0x1d, 0, SIG, 0x1, 0, 0, 0);
	fake_kvm_add_cpuid(&kvm, 0x1d, 1, SIG, 0x04002000, 0x00080040, 0x10, 0);
	fake_kvm_add_cpuid(&kvm, 0x1e, 0, SIG, 0, 0x4010, 0, 0);

	const struct kfp_config *cfg = compile(&p, AMX_POLICY);
	assert_int_equal(apply(cfg), 0);
	assert_memory_equal(written(0x1d, 1), fake_kvm_cpuid(&kvm, 0x1d, 1),
			    sizeof(struct kvm_cpuid_entry2));
	assert_memory_equal(written(0x1e, 0), fake_kvm_cpuid(&kvm, 0x1e, 0),
			    sizeof(struct kvm_cpuid_entry2));
	assert_int_equal(written(0xd, 18)->eax, 0x2000);
	policy_free(&p);

	/* The same host, AMX hidden (the fake keeps the last table set). */
	cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	assert_int_equal(apply(cfg), 0);
	assert_null(written(0x1d, 0));
	assert_null(written(0x1d, 1));
	assert_null(written(0x1e, 0));
	assert_null(written(0xd, 17));
	assert_null(written(0xd, 18));
	policy_free(&p);
}

void test_xstate_outside_policy(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE "    xsave allow x87 sse;\n");

	/* Compacted format with allowed components only: fine. */
	kvm.xcomp_bv = (1ull << 63) | 0x3;
	assert_int_equal(apply(cfg), 0);

	/* PKRU state in a guest whose policy has no pkru. */
	kvm.xstate_bv = 0x203;
	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "pkru");
	assert_string_equal(it->detail, "initial xsave state carries component 9 outside the policy");
	assert_src(it, &p, "x87");
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_XCRS), 1); /* the first apply only */
	policy_free(&p);
}

void test_xcr0(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, "    allow fpu fxsr xsave;\n"
						   "    xsave allow x87;\n");
	/* x87 only; KVM_CAP_XSAVE2 gives a larger buffer: KVM_GET_XSAVE2. */
	kvm.xsave2_size = 8192;
	kvm.xstate_bv = 0x1;
	assert_int_equal(apply(cfg), 0);
	assert_int_equal(plan.xsave_size, 8192);
	assert_int_equal(kvm.xsave_req, KVM_GET_XSAVE2);
	assert_int_equal(kvm.xcrs.nr_xcrs, 1);
	assert_int_equal(kvm.xcrs.xcrs[0].value, 0x1);
	assert_int_equal(written(0xd, 0)->eax, 0x1);

	/* Before KVM_CAP_XSAVE2: the 4 KiB KVM_GET_XSAVE. */
	kvm.xsave2_size = 0;
	kvm.xsave_req = 0;
	assert_int_equal(apply(cfg), 0);
	assert_int_equal(plan.xsave_size, 4096);
	assert_int_equal(kvm.xsave_req, KVM_GET_XSAVE);

	/* No xsave at all: no XCR0 to set. */
	kvm.xsave = false;
	kvm.nlog = 0;
	assert_int_equal(apply(cfg), 0);
	assert_int_equal(plan.xsave_size, 0);
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_XCRS), 0);
	assert_int_equal(rep.napplied, 2); /* CPUID and the MSRs */

	/* More state than the plan holds. */
	kvm.xsave2_size = KFP_XSAVE_MAX + 64;
	kvm.nlog = 0;
	assert_int_equal(apply(cfg), -E2BIG);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	find_item(KFP_ITEM_UNSETTABLE, "xsave state");
	policy_free(&p);
}
