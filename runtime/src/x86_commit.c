/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Commits a planned x86 configuration to one vCPU (kfp_x86_commit): the
 * CPUID table, the Hyper-V enlightenments, the MSRs, then the xsave check
 * and XCR0, each read back and checked.  The order constraints are the
 * kernel's; x86.c, which plans, lists them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "internal.h"
#include "sys.h"

uint64_t kfp_load_le64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* Where a CPUID write failure points: the first feature line in the
 * table. */
static const struct kfp_src *cpuid_src(const struct kfp_x86_config *x)
{
	for (uint32_t i = 0; i < x->ncpuid; i++)
		if (x->cpuid[i].mode == KFP_CPUID_MASK && x->cpuid[i].src.file)
			return &x->cpuid[i].src;
	return NULL;
}

/* KVM_GET_XSAVE(2) after KVM_SET_CPUID2: the state KVM would migrate must
 * hold no component the policy does not allow. */
static int check_xsave(struct kfp_x86_plan *plan, int vcpu_fd, struct kfp_report *rep)
{
	const struct kfp_config *cfg = plan->cfg;
	const struct kfp_src *src = &cfg->x86->xsave_src;
	struct kvm_xsave *xs = (struct kvm_xsave *)(void *)plan->xsave;
	int r;

	if (plan->xsave_size > sizeof(struct kvm_xsave))
		r = KFP_IOCTL(vcpu_fd, KVM_GET_XSAVE2, xs, rep, "xsave state", src);
	else
		r = KFP_IOCTL(vcpu_fd, KVM_GET_XSAVE, xs, rep, "xsave state", src);
	if (r < 0)
		return r;

	/* x87 and SSE state is always there (the FXSAVE region), whatever
	 * the policy says about XSAVE. */
	uint64_t allowed = cfg->x86->xcr0 | cfg->x86->xss | XFEATURE_MASK_X87 | XFEATURE_MASK_SSE;
	uint64_t present = kfp_load_le64(plan->xsave + XSTATE_BV_OFFSET) |
			   (kfp_load_le64(plan->xsave + XCOMP_BV_OFFSET) & ~XCOMP_BV_COMPACTED);
	uint64_t extra = present & ~allowed;
	const struct kfp_bit_site site = { .kind = KFP_KIND_XSAVE, .xss = KFP_XSS_EITHER };
	const struct kfp_feature_row *f;
	unsigned bit;
	for (uint64_t left = extra; kfp_feature_next_bit(cfg, &site, &left, &bit, &f);)
		kfp_report_add(rep, KFP_ITEM_REFUSED, f ? f->name : "xsave", kfp_feature_src(f, src), 0,
			       "initial xsave state carries component %u outside the policy", bit);
	return extra ? -EIO : 0;
}

uint32_t kfp_x86_runtime_bits(uint32_t function, uint32_t index, unsigned reg)
{
	if (function == 0x1 && reg == 1)
		return 0xff000000u;         /* initial APIC id */
	if (function == 0x1 && reg == 2)
		return 1u << 27;            /* OSXSAVE follows CR4 */
	if (function == 0x1 && reg == 3)
		return 1u << 9;             /* APIC follows the APIC base MSR */
	if (function == 0x7 && index == 0 && reg == 2)
		return 1u << 4;             /* OSPKE follows CR4 */
	if (function == 0xd && index <= 1 && reg == 1)
		return 0xffffffffu;         /* xsave size for the current XCR0/XSS */
	return 0;
}

/*
 * KVM_GET_CPUID2 after KVM_SET_CPUID2.  KVM accepts tables it does not
 * honour, and some KVMs merge host bits into the table they are given; a
 * guest would then see features the policy hides.  Any difference is a
 * refusal, named by the features it adds or removes.
 *
 * KVM holds exactly the entries it was given, so the read-back asks for
 * that many: 5.10 and 6.1 leave nent as passed when the call succeeds (6.12
 * sets it to what KVM holds), and a larger buffer would leave entries KVM
 * never wrote in the count.  A KVM that holds more fails with E2BIG.
 */
static int check_cpuid(struct kfp_x86_plan *plan, int vcpu_fd, struct kfp_report *rep)
{
	const struct kfp_config *cfg = plan->cfg;
	struct kvm_cpuid2 *set = kfp_plan_cpuid(plan);
	struct kvm_cpuid2 *got = (struct kvm_cpuid2 *)(void *)plan->readback_buf;
	const struct kfp_src *src = cpuid_src(cfg->x86);
	unsigned bad = 0;

	got->nent = set->nent;
	int r = KFP_IOCTL(vcpu_fd, KVM_GET_CPUID2, got, rep, "CPUID table", src);
	if (r < 0)
		return -EIO;
	for (uint32_t i = 0; i < set->nent; i++) {
		const struct kvm_cpuid_entry2 *want = &set->entries[i];
		const struct kvm_cpuid_entry2 *have = NULL;
		for (uint32_t j = 0; j < got->nent && !have; j++)
			if (got->entries[j].function == want->function &&
			    got->entries[j].index == want->index)
				have = &got->entries[j];
		for (unsigned reg = 0; reg < 4; reg++) {
			uint32_t ignore = kfp_x86_runtime_bits(want->function, want->index, reg);
			uint32_t w = kfp_cpuid_reg(want, reg) & ~ignore;
			uint32_t h = have ? kfp_cpuid_reg(have, reg) & ~ignore : 0;
			if (w == h)
				continue;
			bad++;
			/* Name the first feature KVM added, else the first it took. */
			uint32_t diff = w ^ h;
			unsigned bit = 0;
			uint32_t added = h & ~w;
			uint32_t pick = added ? added : diff;
			while (!(pick >> bit & 1))
				bit++;
			const struct kfp_feature_row *f =
				kfp_feature_find(cfg, KFP_KIND_CPUID, want->function, want->index,
						 (uint8_t)reg, (uint8_t)bit, 0);
			/* A feature the policy never mentions has no line:
			 * say "default deny" rather than point elsewhere. */
			bool dflt = f && !f->src.file;
			kfp_report_add(rep, KFP_ITEM_REFUSED, f ? f->name : "CPUID table",
				       f ? (dflt ? NULL : &f->src) : src, 0,
				       "%sKVM rewrote CPUID 0x%" PRIx32 ".%" PRIx32 " %s: set 0x%08" PRIx32
				       ", holds 0x%08" PRIx32 " (%s 0x%08" PRIx32 ")",
				       dflt ? "default deny; " : "", want->function, want->index,
				       kfp_cpuid_reg_names[reg], w, h, added ? "added" : "removed", diff);
		}
	}
	return bad ? -EIO : 0;
}

static int commit_hyperv(struct kfp_x86_plan *plan, int vcpu_fd, struct kfp_report *rep)
{
	const struct kfp_x86_config *x = plan->cfg->x86;
	struct kvm_enable_cap cap;
	int r;

	if (x->hv_evmcs) {
		uint16_t version = 0;
		memset(&cap, 0, sizeof(cap));
		cap.cap = KVM_CAP_HYPERV_ENLIGHTENED_VMCS;
		cap.args[0] = (uint64_t)(uintptr_t)&version;
		r = KFP_IOCTL(vcpu_fd, KVM_ENABLE_CAP, &cap, rep, "hv-evmcs", &x->hyperv_src);
		if (r < 0)
			return -EIO;
		kfp_report_add(rep, KFP_ITEM_APPLIED, "hv-evmcs", &x->hyperv_src, 0,
			       "KVM_CAP_HYPERV_ENLIGHTENED_VMCS: eVMCS versions 0x%04x", version);
	}
	if (!plan->hv_enforce) {
		/* The compiler warned at the policy line; say it here too. */
		kfp_report_add(rep, KFP_ITEM_APPLIED, "Hyper-V CPUID", &x->hyperv_src, 0,
			       "not enforced: this kernel lacks KVM_CAP_HYPERV_ENFORCE_CPUID (5.14), so a "
			       "guest can still use the MSRs and hypercalls of hidden enlightenments");
		return 0;
	}
	memset(&cap, 0, sizeof(cap));
	cap.cap = KVM_CAP_HYPERV_ENFORCE_CPUID;
	cap.args[0] = 1;
	r = KFP_IOCTL(vcpu_fd, KVM_ENABLE_CAP, &cap, rep, "Hyper-V CPUID", &x->hyperv_src);
	if (r < 0)
		return -EIO;
	kfp_report_add(rep, KFP_ITEM_APPLIED, "Hyper-V CPUID", &x->hyperv_src, 0,
		       "KVM_CAP_HYPERV_ENFORCE_CPUID: hidden enlightenments' MSRs and hypercalls fault");
	return 0;
}

KFP_API int kfp_x86_commit(struct kfp_x86_plan *plan, int vcpu_fd, struct kfp_report *rep)
{
	if (!plan || !plan->cfg || !plan->cfg->x86)
		return -EINVAL;
	const struct kfp_x86_config *x = plan->cfg->x86;
	struct kvm_cpuid2 *cpuid = kfp_plan_cpuid(plan);
	struct kvm_msrs *msrs = kfp_plan_msrs(plan);
	const struct kfp_src *src = cpuid_src(x);
	int r;

	/* KVM's order: eVMCS and enforcement before the CPUID table, which
	 * they interpret, and the VMX MSRs after it, which eVMCS filters. */
	if (x->hyperv) {
		r = commit_hyperv(plan, vcpu_fd, rep);
		if (r < 0)
			return r;
	}
	r = KFP_IOCTL(vcpu_fd, KVM_SET_CPUID2, cpuid, rep, "CPUID table", src);
	if (r < 0)
		return -EIO;
	r = check_cpuid(plan, vcpu_fd, rep);
	if (r < 0)
		return r;
	kfp_report_add(rep, KFP_ITEM_APPLIED, "CPUID table", src, 0,
		       "KVM_SET_CPUID2: %" PRIu32 " entries, read back unchanged", cpuid->nent);

	if (msrs->nmsrs) {
		r = KFP_IOCTL(vcpu_fd, KVM_SET_MSRS, msrs, rep, "feature MSRs", NULL);
		if (r < 0)
			return -EIO;
		/* KVM stops at the first MSR it refuses and says how many it
		 * set. */
		if ((uint32_t)r < msrs->nmsrs) {
			const struct kfp_msr_row *row = plan->msr_rows[r];
			kfp_report_add(rep, KFP_ITEM_REFUSED, kfp_x86_msr_name(row->index), &row->src, 0,
				       "KVM_SET_MSRS set %d of %" PRIu32 " MSRs; KVM refused MSR "
				       "0x%" PRIx32 " = 0x%" PRIx64,
				       r, msrs->nmsrs, row->index, (uint64_t)msrs->entries[r].data);
			return -EIO;
		}
		kfp_report_add(rep, KFP_ITEM_APPLIED, "feature MSRs", NULL, 0,
			       "KVM_SET_MSRS: %" PRIu32 " MSRs", msrs->nmsrs);
	}

	if (plan->xsave_size) {
		r = check_xsave(plan, vcpu_fd, rep);
		if (r < 0)
			return r;
		struct kvm_xcrs xcrs;
		memset(&xcrs, 0, sizeof(xcrs));
		xcrs.nr_xcrs = 1;
		xcrs.xcrs[0].xcr = 0;
		xcrs.xcrs[0].value = plan->xcr0;
		r = KFP_IOCTL(vcpu_fd, KVM_SET_XCRS, &xcrs, rep, "XCR0", &x->xsave_src);
		if (r < 0)
			return -EIO;
		kfp_report_add(rep, KFP_ITEM_APPLIED, "XCR0", &x->xsave_src, 0,
			       "KVM_SET_XCRS: XCR0 = 0x%" PRIx64, plan->xcr0);
	}
	return 0;
}
