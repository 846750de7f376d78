/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Hyper-V enlightenments of x86_64 fleets: the guest values of the Hyper-V
 * CPUID registers, and the kernel rules that only Hyper-V has (hidden
 * enlightenments enforced from KVM_CAP_HYPERV_ENFORCE_CPUID on, and the VMX
 * controls KVM hides from an enlightened-VMCS guest).
 */
#include "sema.h"

const struct kfp_hv_reg kfp_hv_feature_regs[] = {
	{ 0x40000003, KFP_EAX }, { 0x40000003, KFP_EBX }, { 0x40000003, KFP_ECX },
	{ 0x40000003, KFP_EDX }, { 0x40000004, KFP_EAX }, { 0x40000004, KFP_ECX },
	{ 0x40000004, KFP_EDX }, { 0x4000000a, KFP_EAX }, { 0x4000000a, KFP_EBX },
	{ 0x4000000a, KFP_ECX }, { 0x4000000a, KFP_EDX },
};
const size_t kfp_hv_nfeature_regs = sizeof(kfp_hv_feature_regs) / sizeof(kfp_hv_feature_regs[0]);

bool kfp_fleet_hyperv(const struct kfp_fleet *fl)
{
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].kind == KFP_FEAT_HYPERV && kfp_feat_exposed(&fl->feats[i]))
			return true;
	return false;
}

uint32_t kfp_fleet_hv_reg(const struct kfp_catalog *cat, const struct kfp_fleet *fl,
			  uint32_t leaf, unsigned reg)
{
	uint32_t v = 0;
	bool on = false;
	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (f->kind != KFP_FEAT_HYPERV || !kfp_feat_exposed(f))
			continue;
		const struct kfp_cat_hyperv *h = f->cat;
		on = true;
		for (size_t b = 0; b < h->nbits; b++)
			if (h->bits[b].leaf == leaf && h->bits[b].reg == reg)
				v |= 1u << h->bits[b].bit;
	}
	if (on && cat->hv_hypercall.leaf == leaf && cat->hv_hypercall.reg == reg)
		v |= 1u << cat->hv_hypercall.bit;
	return v;
}

/* The first enlightenment exposed, or hidden (preferring one the policy
 * denies by name). */
static const struct kfp_feat *first_hyperv(const struct kfp_fleet *fl, bool exposed)
{
	const struct kfp_feat *any = NULL;
	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (f->kind != KFP_FEAT_HYPERV || kfp_feat_exposed(f) != exposed)
			continue;
		if (exposed || (f->mentioned && f->action == KFP_ACT_DENY))
			return f;
		if (!any)
			any = f;
	}
	return any;
}

/* Hiding an enlightenment hides its CPUID bits; only kernels with
 * KVM_CAP_HYPERV_ENFORCE_CPUID also refuse its MSRs and hypercalls. */
static void hyperv_enforcement_rule(struct sema *s, struct kfp_fleet *fl)
{
	char a[16], b[16];
	const struct kfp_feat *on = first_hyperv(fl, true), *hidden = first_hyperv(fl, false);
	if (!on || !hidden)
		return;
	kfp_kv k = kfp_fleet_first_without(fl, s->cat->hv_enforce_since);
	if (!k)
		return;
	kfp_warning(s->ctx, &on->loc,
		    "fleet \"%s\" runs kernel %s, which cannot enforce hidden Hyper-V enlightenments (KVM_CAP_HYPERV_ENFORCE_CPUID is in KVM from %s): there a guest can use the MSRs and hypercalls of hidden ones such as '%s' although CPUID does not show them",
		    fl->name, kfp_kv_str(k, a), kfp_kv_str(s->cat->hv_enforce_since, b),
		    hidden->c->name);
	kfp_note(s->ctx, fl->kernels ? &fl->kernels_loc : &fl->min_loc,
		 "the fleet's kernels are set here");
}

/* With hv-evmcs, L1 uses the enlightened VMCS and KVM hides from it the
 * VMX controls eVMCS cannot hold, which differ by kernel: a control the
 * policy exposes must survive that filter on every fleet kernel. */
static void evmcs_rule(struct sema *s, struct kfp_fleet *fl)
{
	char a[16];
	const struct kfp_cat_hyperv *evmcs = kfp_cat_find_hyperv(s->cat, "hv-evmcs");
	const struct kfp_feat *ev = evmcs ? kfp_fleet_feat(fl, KFP_FEAT_HYPERV, evmcs) : NULL;
	if (!ev || !kfp_feat_exposed(ev))
		return;
	for (size_t i = 0; i < s->cat->nevmcs; i++) {
		const struct kfp_cat_evmcs_filter *flt = &s->cat->evmcs[i];
		struct kfp_feat *c = kfp_fleet_feat(fl, KFP_FEAT_VMX, flt->control);
		if (!c || !kfp_feat_exposed(c))
			continue;
		/* The first fleet kernel in [since, until): what
		 * kfp_fleet_first_unhideable() computes for any range. */
		kfp_kv k = kfp_fleet_first_unhideable(fl, flt->since, flt->until);
		if (!k)
			continue;
		kfp_error(s->ctx, &c->loc,
			  "KVM %s hides the VMX control '%s' from a guest that uses the enlightened VMCS, which 'hv-evmcs' turns on: fleet \"%s\" cannot expose both",
			  kfp_kv_str(k, a), c->c->name, fl->name);
		kfp_note(s->ctx, &ev->loc, "'hv-evmcs' is allowed here");
		c->verdict = KFP_V_DENIED;
	}
}

void kfp_sema_hyperv_rules(struct sema *s, struct kfp_fleet *fl)
{
	hyperv_enforcement_rule(s, fl);
	evmcs_rule(s, fl);
}
