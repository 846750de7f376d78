/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checking a saved x86 vCPU state against a fleet configuration, before a
 * migration destination loads it.  The state must carry the fleet's policy
 * identity, a CPUID table whose feature registers are exactly the fleet's,
 * feature MSRs inside the fleet's, and no xsave component the fleet does
 * not allow.  A state that does not fit is refused, with a reason for each
 * difference: trimming it to fit would hide from a running guest a feature
 * it has already seen.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "internal.h"

static const struct kvm_cpuid_entry2 *state_cpuid(const struct kfp_x86_state *st,
						  uint32_t function, uint32_t index)
{
	for (uint32_t i = 0; i < st->ncpuid; i++)
		if (st->cpuid[i].function == function && st->cpuid[i].index == index)
			return &st->cpuid[i];
	return NULL;
}

/* One item per differing bit: the feature's name, or the bit's address. */
static unsigned cpuid_bits(const struct kfp_config *cfg, const struct kfp_cpuid_row *row,
			   uint32_t bits, bool extra, struct kfp_report *rep)
{
	const struct kfp_bit_site site = { .kind = KFP_KIND_CPUID, .reg = row->reg,
					   .leaf = row->leaf, .subleaf = row->subleaf };
	const struct kfp_feature_row *f;
	unsigned n = 0, bit;
	for (uint64_t left = bits; kfp_feature_next_bit(cfg, &site, &left, &bit, &f);) {
		n++;
		kfp_report_add(rep, KFP_ITEM_REFUSED, f ? f->name : "cpuid",
			       kfp_feature_src(f, &row->src), 0,
			       extra ? "the state exposes CPUID 0x%" PRIx32 ".%" PRIx32 " %s bit %u, "
				       "which fleet \"%s\" hides"
				     : "the state lacks CPUID 0x%" PRIx32 ".%" PRIx32 " %s bit %u, "
				       "which fleet \"%s\" exposes",
			       row->leaf, row->subleaf, kfp_cpuid_reg_names[row->reg & 3], bit, cfg->fleet);
	}
	return n;
}

/* Components outside what the fleet allows, from a mask of xfeatures. */
static unsigned xfeatures(const struct kfp_config *cfg, uint64_t present, uint64_t allowed,
			  const char *where, struct kfp_report *rep)
{
	const struct kfp_bit_site site = { .kind = KFP_KIND_XSAVE, .xss = KFP_XSS_EITHER };
	const struct kfp_feature_row *f;
	unsigned n = 0, bit;
	for (uint64_t left = present & ~allowed; kfp_feature_next_bit(cfg, &site, &left, &bit, &f);) {
		n++;
		kfp_report_add(rep, KFP_ITEM_REFUSED, f ? f->name : "xsave",
			       kfp_feature_src(f, &cfg->x86->xsave_src), 0,
			       "the state's %s carries xsave component %u, which fleet \"%s\" does "
			       "not allow",
			       where, bit, cfg->fleet);
	}
	return n;
}

KFP_API int kfp_x86_verify_state(const struct kfp_config *cfg, const struct kfp_x86_state *st,
				 struct kfp_report *rep)
{
	if (!cfg || !st || cfg->table_version != KFP_TABLE_VERSION || !cfg->x86 ||
	    (st->ncpuid && !st->cpuid) || (st->nmsrs && !st->msrs))
		return -EINVAL;
	const struct kfp_x86_config *x = cfg->x86;
	unsigned bad = 0;

	bad += kfp_state_check_identity(cfg, st->id, rep);

	/* Feature registers: exactly the fleet's. */
	for (uint32_t i = 0; i < x->ncpuid; i++) {
		const struct kfp_cpuid_row *row = &x->cpuid[i];
		if (row->mode != KFP_CPUID_MASK)
			continue;
		uint32_t ignore = kfp_x86_runtime_bits(row->leaf, row->subleaf, row->reg);
		/* hv-evmcs: 0x4000000A EAX also holds the eVMCS versions, a
		 * value from KVM rather than features. */
		if (x->hv_evmcs && row->leaf == 0x4000000a && row->reg == 0)
			ignore |= 0xffffu;
		const struct kvm_cpuid_entry2 *e = state_cpuid(st, row->leaf, row->subleaf);
		uint32_t have = e ? kfp_cpuid_reg(e, row->reg) & ~ignore : 0;
		uint32_t want = row->expose & ~ignore;
		/* Bits the policy forces to 1 belong to the register too. */
		for (uint32_t k = 0; k < x->ncpuid; k++) {
			const struct kfp_cpuid_row *f = &x->cpuid[k];
			if (f->mode == KFP_CPUID_FORCE && f->leaf == row->leaf &&
			    f->subleaf == row->subleaf && f->reg == row->reg)
				want |= f->expose & ~ignore;
		}
		bad += cpuid_bits(cfg, row, have & ~want, true, rep);
		bad += cpuid_bits(cfg, row, want & ~have, false, rep);
	}

	/* The xfeatures the state's CPUID lets the guest enable. */
	const struct kvm_cpuid_entry2 *d0 = state_cpuid(st, 0xd, 0);
	const struct kvm_cpuid_entry2 *d1 = state_cpuid(st, 0xd, 1);
	if (d0)
		bad += xfeatures(cfg, kfp_x86_xfeatures(d0, 0), x->xcr0, "CPUID 0xd.0", rep);
	if (d1)
		bad += xfeatures(cfg, kfp_x86_xfeatures(d1, 1), x->xss, "CPUID 0xd.1", rep);

	/* Feature MSRs: inside the fleet's bits.  For VMX control MSRs only
	 * the allowed-1 half is a set of features. */
	for (uint32_t i = 0; i < x->nmsrs; i++) {
		const struct kfp_msr_row *row = &x->msrs[i];
		for (uint32_t k = 0; k < st->nmsrs; k++) {
			if (st->msrs[k].index != row->index)
				continue;
			uint64_t v = st->msrs[k].data;
			uint64_t extra = row->kind == KFP_MSR_VMX ? (v & ~row->expose) & ~0xffffffffull
								 : v & ~row->expose;
			const struct kfp_bit_site site = { .kind = KFP_KIND_MSR_BIT,
							   .leaf = row->index };
			const struct kfp_feature_row *f;
			unsigned bit;
			for (uint64_t left = extra;
			     kfp_feature_next_bit(cfg, &site, &left, &bit, &f);) {
				bad++;
				kfp_report_add(rep, KFP_ITEM_REFUSED, f ? f->name : "MSR",
					       kfp_feature_src(f, &row->src), 0,
					       "the state's MSR 0x%" PRIx32 " has bit %u, which fleet \"%s\" "
					       "hides",
					       row->index, bit, cfg->fleet);
			}
		}
	}

	/* The xsave header: state for components the fleet does not allow
	 * (x87 and SSE state always exists). */
	if (st->xsave && st->xsave_size >= XCOMP_BV_OFFSET + 8) {
		const uint8_t *h = st->xsave;
		uint64_t allowed = x->xcr0 | x->xss | XFEATURE_MASK_X87 | XFEATURE_MASK_SSE;
		bad += xfeatures(cfg, kfp_load_le64(h + XSTATE_BV_OFFSET), allowed,
				 "xsave header (XSTATE_BV)", rep);
		bad += xfeatures(cfg, kfp_load_le64(h + XCOMP_BV_OFFSET) & ~XCOMP_BV_COMPACTED, allowed,
				 "xsave header (XCOMP_BV)", rep);
	}
	return bad ? -EPERM : 0;
}
