/* SPDX-License-Identifier: Apache-2.0 */
/* The x86 runtime tests: migration, checking a saved state (see x86_test.c). */
#include "x86_test.h"

/* ------------------------------------------------------------------ */
/* Migration: checking a saved state                                  */

#define STATE_POLICY BASE "    allow avx;\n    xsave allow x87 sse avx;\n" \
	"    msr IA32_ARCH_CAPABILITIES { allow rdcl_no; }\n"

/* A state as the source vCPU would have saved it under cfg: the table the
 * runtime set, the MSRs it wrote, an xsave header with x87, SSE and AVX. */
static struct kfp_x86_state saved_state(const struct kfp_config *cfg, uint8_t *xsave)
{
	assert_int_equal(apply(cfg), 0);
	memset(xsave, 0, 4096);
	xsave[512] = 0x7; /* XSTATE_BV: x87 | SSE | AVX */
	struct kvm_cpuid2 *t = kfp_plan_cpuid(&plan);
	struct kvm_msrs *m = kfp_plan_msrs(&plan);
	return (struct kfp_x86_state){
		.id = cfg->id,
		.cpuid = t->entries,
		.ncpuid = t->nent,
		.msrs = m->entries,
		.nmsrs = m->nmsrs,
		.xsave = xsave,
		.xsave_size = 4096,
	};
}

void test_verify_state(void **state)
{
	(void)state;
	struct policy p;
	static uint8_t xsave[4096];
	const struct kfp_config *cfg = compile(&p, STATE_POLICY);
	struct kfp_x86_state st = saved_state(cfg, xsave);

	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), 0);
	assert_int_equal(rep.nproblems, 0);

	/* Another configuration's identity. */
	uint8_t other[16];
	memcpy(other, cfg->id, 16);
	other[0] ^= 1;
	st.id = other;
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	assert_non_null(strstr(find_item(KFP_ITEM_REFUSED, "policy identity")->detail,
			       "saved under another configuration than fleet \"f\""));
	st.id = NULL;
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "policy identity")->detail,
			    "the state carries no kfp policy identity");
	st.id = cfg->id;
	policy_free(&p);
}

/* A state with more than the fleet allows is refused, never trimmed. */
void test_verify_state_refuses_extra(void **state)
{
	(void)state;
	struct policy p;
	static uint8_t xsave[4096];
	const struct kfp_config *cfg = compile(&p, STATE_POLICY);
	struct kfp_x86_state st = saved_state(cfg, xsave);
	static struct kvm_cpuid_entry2 cpuid[KFP_MAX_CPUID_ENTRIES];
	memcpy(cpuid, st.cpuid, st.ncpuid * sizeof(cpuid[0]));
	st.cpuid = cpuid;
	for (uint32_t i = 0; i < st.ncpuid; i++)
		if (cpuid[i].function == 0x7 && cpuid[i].index == 0)
			cpuid[i].ebx |= 1u << 5;        /* avx2, hidden */
	static struct kvm_msr_entry msrs[8];
	memcpy(msrs, st.msrs, st.nmsrs * sizeof(msrs[0]));
	st.msrs = msrs;
	for (uint32_t i = 0; i < st.nmsrs; i++)
		if (msrs[i].index == 0x10a)
			msrs[i].data |= 1u << 5;       /* mds_no, hidden */
	xsave[512] |= 0xe0;                     /* AVX-512 state, not allowed */
	const uint8_t before[4] = { xsave[512], xsave[513], xsave[514], xsave[515] };

	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	assert_non_null(strstr(find_item(KFP_ITEM_REFUSED, "avx2")->detail,
			       "the state exposes CPUID 0x7.0 EBX bit 5, which fleet \"f\" hides"));
	assert_non_null(strstr(find_item(KFP_ITEM_REFUSED, "mds_no")->detail,
			       "MSR 0x10a has bit 5"));
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "opmask");
	assert_non_null(strstr(it->detail, "xsave header (XSTATE_BV) carries xsave component 5"));
	assert_non_null(find_item(KFP_ITEM_REFUSED, "zmm_hi256"));
	assert_non_null(find_item(KFP_ITEM_REFUSED, "hi16_zmm"));
	/* Nothing was trimmed. */
	assert_memory_equal(before, xsave + 512, 4);
	policy_free(&p);
}

/* A state that lacks what the fleet exposes does not fit either. */
void test_verify_state_refuses_missing(void **state)
{
	(void)state;
	struct policy p;
	static uint8_t xsave[4096];
	const struct kfp_config *cfg = compile(&p, STATE_POLICY);
	struct kfp_x86_state st = saved_state(cfg, xsave);
	static struct kvm_cpuid_entry2 cpuid[KFP_MAX_CPUID_ENTRIES];
	memcpy(cpuid, st.cpuid, st.ncpuid * sizeof(cpuid[0]));
	st.cpuid = cpuid;
	for (uint32_t i = 0; i < st.ncpuid; i++)
		if (cpuid[i].function == 0x1)
			cpuid[i].ecx &= ~(1u << 28);    /* avx */

	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	assert_non_null(strstr(find_item(KFP_ITEM_REFUSED, "avx")->detail,
			       "the state lacks CPUID 0x1.0 ECX bit 28, which fleet \"f\" exposes"));
	policy_free(&p);
}

/* A bit the policy forces to 1 (the host lacks it) is part of the fleet's
 * register: a state that has it fits, one without it does not. */
void test_verify_state_forced_bit(void **state)
{
	(void)state;
	struct policy p;
	static uint8_t xsave[4096];
	const struct kfp_config *cfg =
		compile(&p, STATE_POLICY "    cpuid 0x80000008 0 ebx bit 18 = 1;\n");
	assert_false(fake_kvm_cpuid(&kvm, 0x80000008, 0)->ebx & 1u << 18);
	struct kfp_x86_state st = saved_state(cfg, xsave);
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), 0);

	static struct kvm_cpuid_entry2 cpuid[KFP_MAX_CPUID_ENTRIES];
	memcpy(cpuid, st.cpuid, st.ncpuid * sizeof(cpuid[0]));
	st.cpuid = cpuid;
	for (uint32_t i = 0; i < st.ncpuid; i++)
		if (cpuid[i].function == 0x80000008)
			cpuid[i].ebx &= ~(1u << 18);
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	policy_free(&p);
}
