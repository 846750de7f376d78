/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applies an x86 fleet configuration to one vCPU: the guest CPUID table,
 * the feature MSRs (and the VMX capability MSRs with nested VMX), and the
 * initial XCR0.
 *
 * Order constraints, all the kernel's:
 *  - kfp_prepare_process() before the process creates its first vCPU: the
 *    AMX guest permission (ARCH_REQ_XCOMP_GUEST_PERM) is refused with EBUSY
 *    afterwards, and KVM_SET_CPUID2 with AMX in leaf 0xD then fails with
 *    EPERM.
 *  - kfp_x86_commit() before the vCPU's first KVM_RUN: since 5.16/5.17
 *    KVM_SET_CPUID2 fails with EINVAL afterwards unless the table is
 *    identical, and since 6.4 so do feature MSR writes.
 *  - The VMX capability MSRs before the guest executes VMXON: KVM refuses
 *    writes to them while the vCPU is in VMX operation (EBUSY).
 *  - Within a commit: CPUID first (KVM checks some MSR writes, e.g.
 *    IA32_PERF_CAPABILITIES, against the guest's CPUID and sizes the guest
 *    xsave state from leaf 0xD), then the MSRs, then the xsave check and
 *    XCR0 (KVM_SET_XCRS checks XCR0 against the guest's leaf 0xD).
 *
 * kfp_x86_plan reads and kfp_x86_commit writes; neither allocates.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#include "internal.h"
#include "sys.h"

#define XSAVE_LEAF 0xdu
/* The legacy region and the xsave header: the size of an XCR0 of x87|SSE. */
#define XSAVE_LEGACY_SIZE (512 + 64)

/* IA32_VMX_* capability MSRs the planner restricts in their own ways. */
#define MSR_VMX_BASIC 0x480
#define MSR_VMX_MISC 0x485
#define MSR_VMX_PROCBASED_CTLS2 0x48b
#define MSR_VMX_TRUE_PINBASED_CTLS 0x48d
#define MSR_VMX_TRUE_PROCBASED_CTLS 0x48e
#define MSR_VMX_TRUE_EXIT_CTLS 0x48f
#define MSR_VMX_TRUE_ENTRY_CTLS 0x490
/* IA32_VMX_MISC fields that are not features: preemption-timer rate (4:0),
 * CR3-target count (24:16), MSR-list size (27:25), MSEG revision (63:32).
 * KVM requires the timer rate and MSEG revision unchanged. */
#define VMX_MISC_FIELDS 0xffffffff0fff001full

const char *kfp_x86_msr_name(uint32_t index)
{
	static const struct {
		uint32_t index;
		const char *name;
	} names[] = {
		{ 0x10a, "IA32_ARCH_CAPABILITIES" },
		{ 0x345, "IA32_PERF_CAPABILITIES" },
		{ 0x480, "IA32_VMX_BASIC" },
		{ 0x481, "IA32_VMX_PINBASED_CTLS" },
		{ 0x482, "IA32_VMX_PROCBASED_CTLS" },
		{ 0x483, "IA32_VMX_EXIT_CTLS" },
		{ 0x484, "IA32_VMX_ENTRY_CTLS" },
		{ 0x485, "IA32_VMX_MISC" },
		{ 0x486, "IA32_VMX_CR0_FIXED0" },
		{ 0x487, "IA32_VMX_CR0_FIXED1" },
		{ 0x488, "IA32_VMX_CR4_FIXED0" },
		{ 0x489, "IA32_VMX_CR4_FIXED1" },
		{ 0x48a, "IA32_VMX_VMCS_ENUM" },
		{ 0x48b, "IA32_VMX_PROCBASED_CTLS2" },
		{ 0x48c, "IA32_VMX_EPT_VPID_CAP" },
		{ 0x48d, "IA32_VMX_TRUE_PINBASED_CTLS" },
		{ 0x48e, "IA32_VMX_TRUE_PROCBASED_CTLS" },
		{ 0x48f, "IA32_VMX_TRUE_EXIT_CTLS" },
		{ 0x490, "IA32_VMX_TRUE_ENTRY_CTLS" },
		{ 0x491, "IA32_VMX_VMFUNC" },
		{ 0x492, "IA32_VMX_PROCBASED_CTLS3" },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].index == index)
			return names[i].name;
	return "MSR";
}

const char *const kfp_cpuid_reg_names[4] = { "EAX", "EBX", "ECX", "EDX" };

static uint32_t *cpuid_reg_ptr(struct kvm_cpuid_entry2 *e, unsigned reg)
{
	switch (reg) {
	case 0:
		return &e->eax;
	case 1:
		return &e->ebx;
	case 2:
		return &e->ecx;
	}
	return &e->edx;
}

static unsigned report_cpuid_missing(const struct kfp_config *cfg, const struct kfp_cpuid_row *row,
				     uint32_t subleaf, uint32_t missing, struct kfp_report *rep)
{
	const struct kfp_bit_site site = { .kind = KFP_KIND_CPUID, .reg = row->reg,
					   .leaf = row->leaf, .subleaf = subleaf };
	const struct kfp_feature_row *f;
	unsigned n = 0, bit;
	for (uint64_t left = missing; kfp_feature_next_bit(cfg, &site, &left, &bit, &f);) {
		n++;
		if (f)
			kfp_report_add(rep, KFP_ITEM_MISSING, f->name, kfp_feature_src(f, &row->src), 0,
				       "the policy exposes it; this host's KVM does not offer "
				       "it (CPUID 0x%" PRIx32 ".%" PRIu32 " %s bit %u)",
				       row->leaf, subleaf, kfp_cpuid_reg_names[row->reg], bit);
		else
			kfp_report_add(rep, KFP_ITEM_MISSING, "cpuid", &row->src, 0,
				       "0x%" PRIx32 ".%" PRIu32 " %s bit %u: the policy exposes it; "
				       "this host's KVM does not offer it",
				       row->leaf, subleaf, kfp_cpuid_reg_names[row->reg], bit);
	}
	return n;
}

static unsigned report_xsave_missing(const struct kfp_config *cfg, uint64_t missing, uint8_t xss,
				     struct kfp_report *rep)
{
	const struct kfp_bit_site site = { .kind = KFP_KIND_XSAVE, .xss = xss };
	const struct kfp_feature_row *f;
	unsigned n = 0, bit;
	for (uint64_t left = missing; kfp_feature_next_bit(cfg, &site, &left, &bit, &f);) {
		n++;
		kfp_report_add(rep, KFP_ITEM_MISSING, f ? f->name : "xsave",
			       kfp_feature_src(f, &cfg->x86->xsave_src), 0,
			       "the policy allows xsave component %u (%s); this host's KVM does "
			       "not offer it (CPUID 0xd.%u)",
			       bit, xss ? "XSS" : "XCR0", xss ? 1u : 0u);
	}
	return n;
}

static unsigned report_msr_missing(const struct kfp_config *cfg, const struct kfp_msr_row *row,
				   uint64_t missing, struct kfp_report *rep)
{
	const struct kfp_bit_site site = { .kind = KFP_KIND_MSR_BIT, .leaf = row->index };
	const struct kfp_feature_row *f;
	unsigned n = 0, bit;
	for (uint64_t left = missing; kfp_feature_next_bit(cfg, &site, &left, &bit, &f);) {
		n++;
		if (f)
			kfp_report_add(rep, KFP_ITEM_MISSING, f->name, kfp_feature_src(f, &row->src), 0,
				       "the policy exposes it; this host's KVM does not offer "
				       "it (MSR 0x%" PRIx32 " bit %u)",
				       row->index, bit);
		else
			kfp_report_add(rep, KFP_ITEM_MISSING, kfp_x86_msr_name(row->index), &row->src, 0,
				       "bit %u of MSR 0x%" PRIx32 ": the policy exposes it; this "
				       "host's KVM does not offer it",
				       bit, row->index);
	}
	return n;
}

/* Precedence when several rows cover one register: a feature mask is more
 * specific than the leaf-wide xsave and pass-through rows. */
static unsigned mode_rank(uint8_t mode)
{
	switch (mode) {
	case KFP_CPUID_MASK:
		return 3;
	case KFP_CPUID_XSAVE:
		return 2;
	case KFP_CPUID_PASS:
		return 1;
	}
	return 0;
}

/* The table the guest's CPUID is built from: KVM_GET_SUPPORTED_CPUID, and
 * with Hyper-V on, the Hyper-V leaves of KVM_GET_SUPPORTED_HV_CPUID at
 * 0x40000000 and KVM's own leaves moved to KFP_KVM_LEAVES_HYPERV.  Sorted
 * by (function, index). */
struct cpuid_source {
	const struct kvm_cpuid_entry2 *e;
	uint32_t n;
};

static uint32_t source_first_of(const struct cpuid_source *s, uint32_t function)
{
	uint32_t lo = 0, hi = s->n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (s->e[mid].function < function)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

#define HV_LEAVES 0x40000000u /* through 0x400000ff */

static bool in_hv_range(uint32_t function)
{
	return (function & ~0xffu) == HV_LEAVES;
}

/* Merges the host's table with its Hyper-V leaves into out.  0, or -E2BIG
 * when the result does not fit. */
static int hyperv_source(const struct kfp_host *host, const struct kvm_cpuid_entry2 *hv,
			 uint32_t nhv, struct kvm_cpuid_entry2 *out, uint32_t *n)
{
	uint32_t k = 0;
	for (uint32_t pass = 0; pass < 4; pass++) {
		/* below 0x40000000; Hyper-V; KVM's, moved; the rest */
		if (pass == 1) {
			for (uint32_t i = 0; i < nhv; i++) {
				if (!in_hv_range(hv[i].function))
					continue;
				if (k == KFP_MAX_CPUID_ENTRIES)
					return -E2BIG;
				out[k++] = hv[i];
			}
			continue;
		}
		for (uint32_t i = 0; i < host->ncpuid; i++) {
			struct kvm_cpuid_entry2 e = host->cpuid[i];
			bool take = pass == 0 ? e.function < HV_LEAVES :
				    pass == 2 ? in_hv_range(e.function) :
						e.function >= HV_LEAVES + 0x100;
			if (!take)
				continue;
			if (pass == 2) {
				/* EAX of KVM's signature leaf is its last leaf. */
				if (e.function == HV_LEAVES && in_hv_range(e.eax))
					e.eax += KFP_KVM_LEAVES_HYPERV - HV_LEAVES;
				e.function += KFP_KVM_LEAVES_HYPERV - HV_LEAVES;
			} else if (pass == 3 && e.function < KFP_KVM_LEAVES_HYPERV + 0x100) {
				continue; /* a host leaf where KVM's now are */
			}
			if (k == KFP_MAX_CPUID_ENTRIES)
				return -E2BIG;
			out[k++] = e;
		}
	}
	*n = k;
	return 0;
}

/* Which row decides each register of each supported entry. */
struct reg_choice {
	uint8_t mode[KFP_MAX_CPUID_ENTRIES][4]; /* 0: no row */
	uint32_t mask[KFP_MAX_CPUID_ENTRIES][4]; /* KFP_CPUID_MASK: OR of the rows */
	uint32_t force[KFP_MAX_CPUID_ENTRIES][4]; /* KFP_CPUID_FORCE: OR of the rows */
};

/* Matches every CPUID row against the supported entries.  Returns the
 * number of problems found, or -EINVAL for a malformed row. */
static int choose_rows(const struct kfp_config *cfg, const struct cpuid_source *host,
		       struct reg_choice *ch, struct kfp_report *rep)
{
	const struct kfp_x86_config *x = cfg->x86;
	int problems = 0;

	memset(ch->mode, 0, sizeof(ch->mode[0]) * host->n);
	memset(ch->force, 0, sizeof(ch->force[0]) * host->n);
	for (uint32_t r = 0; r < x->ncpuid; r++) {
		const struct kfp_cpuid_row *row = &x->cpuid[r];
		unsigned rank = mode_rank(row->mode);
		bool matched = false;
		if (row->reg > 3 || (!rank && row->mode != KFP_CPUID_FORCE))
			return -EINVAL;
		if (row->mode == KFP_CPUID_FORCE) {
			for (uint32_t i = source_first_of(host, row->leaf);
			     i < host->n && host->e[i].function == row->leaf; i++)
				if (row->subleaf == KFP_ANY_SUBLEAF || row->subleaf == host->e[i].index) {
					ch->force[i][row->reg] |= row->expose;
					matched = true;
				}
			if (!matched) {
				kfp_report_add(rep, KFP_ITEM_MISSING, "cpuid", &row->src, 0,
					       "0x%" PRIx32 ".%" PRIu32 " %s: the policy sets bits 0x%08" PRIx32
					       " of a leaf this host's KVM does not report",
					       row->leaf, row->subleaf, kfp_cpuid_reg_names[row->reg], row->expose);
				problems++;
			}
			continue;
		}
		for (uint32_t i = source_first_of(host, row->leaf);
		     i < host->n && host->e[i].function == row->leaf; i++) {
			const struct kvm_cpuid_entry2 *e = &host->e[i];
			if (row->subleaf != KFP_ANY_SUBLEAF && row->subleaf != e->index)
				continue;
			matched = true;
			unsigned cur = mode_rank(ch->mode[i][row->reg]);
			if (rank > cur) {
				ch->mode[i][row->reg] = row->mode;
				ch->mask[i][row->reg] = 0;
			} else if (rank < cur) {
				continue;
			}
			if (row->mode != KFP_CPUID_MASK)
				continue;
			ch->mask[i][row->reg] |= row->expose;
			uint32_t missing = row->expose & ~kfp_cpuid_reg(e, row->reg);
			if (missing)
				problems += (int)report_cpuid_missing(cfg, row, e->index, missing, rep);
		}
		if (!matched && row->mode == KFP_CPUID_MASK && row->expose)
			problems += (int)report_cpuid_missing(
				cfg, row, row->subleaf == KFP_ANY_SUBLEAF ? 0 : row->subleaf,
				row->expose, rep);
	}
	return problems;
}

/* CPUID.(0xD,0).ECX: the xsave area size for every allowed XCR0
 * component, from the components' offsets and sizes. */
static uint32_t xsave_area_size(const struct kfp_host *host, uint64_t xcr0)
{
	uint32_t size = XSAVE_LEGACY_SIZE;
	for (uint32_t i = 2; i < 64; i++) {
		if (!(xcr0 >> i & 1))
			continue;
		const struct kvm_cpuid_entry2 *e = kfp_host_cpuid(host, XSAVE_LEAF, i);
		if (e && e->index == i && e->ebx + e->eax > size)
			size = e->ebx + e->eax;
	}
	return size;
}

/* A leaf 0xD register under a KFP_CPUID_XSAVE row.  *keep is set when the
 * entry stays in the guest's table. */
static uint32_t xsave_reg(const struct kfp_host *host, const struct kvm_cpuid_entry2 *e,
			  unsigned reg, uint64_t xcr0, uint64_t xss, bool *keep)
{
	if (e->function != XSAVE_LEAF)
		return 0;
	switch (e->index) {
	case 0:
		*keep = true;
		switch (reg) {
		case 0:
			return (uint32_t)xcr0;
		case 1: /* KVM keeps it current for the guest's XCR0 */
			return e->ebx;
		case 2:
			return xsave_area_size(host, xcr0);
		}
		return (uint32_t)(xcr0 >> 32);
	case 1:
		*keep = true;
		switch (reg) {
		case 0: /* feature bits: only a mask row exposes them */
			return 0;
		case 1: /* KVM keeps it current for XCR0 | XSS */
			return e->ebx;
		case 2:
			return (uint32_t)xss;
		}
		return (uint32_t)(xss >> 32);
	}
	/* A component's size, offset and flags: only if the guest may use it. */
	if (e->index < 64 && ((xcr0 | xss) >> e->index & 1)) {
		*keep = true;
		return kfp_cpuid_reg(e, reg);
	}
	return 0;
}

static void build_cpuid(const struct kfp_host *host, const struct cpuid_source *src,
			const struct reg_choice *ch, uint64_t xcr0, uint64_t xss,
			struct kvm_cpuid2 *out)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < src->n; i++) {
		const struct kvm_cpuid_entry2 *e = &src->e[i];
		struct kvm_cpuid_entry2 *o = &out->entries[n];
		bool keep = false;
		*o = (struct kvm_cpuid_entry2){ .function = e->function, .index = e->index,
						.flags = e->flags };
		for (unsigned reg = 0; reg < 4; reg++) {
			uint32_t v = 0;
			switch (ch->mode[i][reg]) {
			case KFP_CPUID_MASK:
				v = ch->mask[i][reg];
				keep = true;
				break;
			case KFP_CPUID_PASS:
				v = kfp_cpuid_reg(e, reg);
				keep = true;
				break;
			case KFP_CPUID_XSAVE:
				v = xsave_reg(host, e, reg, xcr0, xss, &keep);
				break;
			}
			if (ch->force[i][reg]) {
				v |= ch->force[i][reg];
				keep = true;
			}
			*cpuid_reg_ptr(o, reg) = v;
		}
		/* Leaves no row covers are not given to the guest. */
		if (keep)
			n++;
	}
	out->nent = n;
	out->padding = 0;
}

/* The value written for a feature MSR, from the host's. */
static uint64_t msr_value(const struct kfp_msr_row *row, uint64_t host)
{
	if (row->kind != KFP_MSR_VMX)
		return host & row->expose;
	switch (row->index) {
	case MSR_VMX_BASIC:
		/* Revision, VMCS size and memory type must stay as they are. */
		return host;
	case MSR_VMX_MISC:
		return (host & VMX_MISC_FIELDS) | (host & row->expose & ~VMX_MISC_FIELDS);
	case MSR_VMX_PROCBASED_CTLS2:
	case MSR_VMX_TRUE_PINBASED_CTLS:
	case MSR_VMX_TRUE_PROCBASED_CTLS:
	case MSR_VMX_TRUE_EXIT_CTLS:
	case MSR_VMX_TRUE_ENTRY_CTLS: {
		/* Low half: the must-be-1 settings, kept.  High half: the
		 * allowed-1 settings, which may only shrink; a control that
		 * must be 1 stays allowed. */
		uint64_t low = host & 0xffffffffu;
		uint64_t high = host & (row->expose | low << 32) & 0xffffffff00000000u;
		return high | low;
	}
	}
	/* EPT_VPID_CAP, VMFUNC: plain capability bits, a subset is valid. */
	return host & row->expose;
}

static int plan_msrs(const struct kfp_config *cfg, const struct kfp_host *host,
		     struct kfp_x86_plan *plan, struct kfp_report *rep)
{
	const struct kfp_x86_config *x = cfg->x86;
	struct kvm_msrs *out = kfp_plan_msrs(plan);
	uint32_t n = 0;
	int problems = 0;

	for (uint32_t r = 0; r < x->nmsrs; r++) {
		const struct kfp_msr_row *row = &x->msrs[r];
		uint64_t hv;
		if (kfp_host_msr(host, row->index, &hv) < 0) {
			/* Nothing to hide: the guest reads 0. */
			if (!row->expose)
				continue;
			const struct kfp_feature_row *f = kfp_feature_find(
				cfg, KFP_KIND_MSR_BIT, row->index, 0, 0,
				(uint8_t)__builtin_ctzll(row->expose), 0);
			kfp_report_add(rep, KFP_ITEM_MISSING, kfp_x86_msr_name(row->index), &row->src, 0,
				       "this host's KVM does not list MSR 0x%" PRIx32 "; the policy "
				       "exposes %d of its bits (%s...)",
				       row->index, __builtin_popcountll(row->expose),
				       f ? f->name : "?");
			problems++;
			continue;
		}
		uint64_t missing = row->expose & ~hv;
		if (missing)
			problems += (int)report_msr_missing(cfg, row, missing, rep);
		if (n == KFP_MAX_PLAN_MSRS)
			return -E2BIG;
		out->entries[n] = (struct kvm_msr_entry){ .index = row->index,
							  .data = msr_value(row, hv) };
		plan->msr_rows[n++] = row;
	}
	out->nmsrs = n;
	out->pad = 0;
	return problems;
}

/* The size of the vCPU's xsave state, 0 if KVM has no xsave. */
static int xsave_size(const struct kfp_config *cfg, int vm_fd, struct kfp_report *rep)
{
	const struct kfp_src *src = &cfg->x86->xsave_src;
	int r = KFP_IOCTL_VAL(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE2, rep, "xsave state", src);
	if (r != 0)
		return r;
	/* Before 5.17: the fixed 4 KiB struct kvm_xsave, if any. */
	r = KFP_IOCTL_VAL(vm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XSAVE, rep, "xsave state", src);
	return r > 0 ? (int)sizeof(struct kvm_xsave) : r;
}

/* Hyper-V: what this host's KVM must offer beyond the leaves (the eVMCS
 * capability); the leaves themselves are checked like any CPUID row. */
static int plan_hyperv(const struct kfp_config *cfg, const struct kfp_host *host,
		       const struct kvm_cpuid_entry2 *hv, uint32_t nhv,
		       struct kvm_cpuid_entry2 *merged, struct cpuid_source *src,
		       struct kfp_report *rep)
{
	const struct kfp_x86_config *x = cfg->x86;
	int problems = 0;
	if (!hv) {
		kfp_report_add(rep, KFP_ITEM_MISSING, "Hyper-V CPUID", &x->hyperv_src, -ENOTSUP,
			       "this kernel reports its Hyper-V leaves only per vCPU (KVM_GET_SUPPORTED_HV_CPUID "
			       "is a system ioctl from 5.11): use kfp_x86_apply, which asks the vCPU");
		return 1;
	}
	if (x->hv_evmcs && !host->hv_evmcs) {
		kfp_report_add(rep, KFP_ITEM_MISSING, "hv-evmcs", &x->hyperv_src, -ENOTSUP,
			       "KVM_CAP_HYPERV_ENLIGHTENED_VMCS: this host's KVM does not offer it (Intel VMX only)");
		problems++;
	}
	int r = hyperv_source(host, hv, nhv, merged, &src->n);
	if (r < 0)
		return r;
	src->e = merged;
	return problems;
}

#define HV_NESTED_FEATURES 0x4000000au
#define HV_EVMCS_VERSION_MASK 0xffffu /* EAX: highest and lowest version */

/* hv-evmcs: the guest's CPUID 0x4000000A EAX carries the eVMCS versions
 * KVM supports (a value, not feature bits), taken from KVM's Hyper-V
 * table.  1 if KVM's table has none (5.10 reports it only on a vCPU that
 * already enabled eVMCS), after a report item. */
static int evmcs_version(const struct kfp_config *cfg, const struct cpuid_source *src,
			 struct kvm_cpuid2 *out, struct kfp_report *rep)
{
	uint32_t i = source_first_of(src, HV_NESTED_FEATURES);
	uint32_t version = i < src->n && src->e[i].function == HV_NESTED_FEATURES
				   ? src->e[i].eax & HV_EVMCS_VERSION_MASK : 0;
	for (uint32_t k = 0; k < out->nent && version; k++)
		if (out->entries[k].function == HV_NESTED_FEATURES) {
			out->entries[k].eax |= version;
			return 0;
		}
	kfp_report_add(rep, KFP_ITEM_MISSING, "hv-evmcs", &cfg->x86->hyperv_src, -ENOTSUP,
		       "KVM_GET_SUPPORTED_HV_CPUID reports no eVMCS version in CPUID 0x4000000A EAX");
	return 1;
}

static int x86_plan(const struct kfp_config *cfg, const struct kfp_host *host,
		    const struct kvm_cpuid_entry2 *hv, uint32_t nhv, int vm_fd,
		    struct kfp_x86_plan *plan, struct kfp_report *rep)
{
	struct reg_choice ch;
	struct kvm_cpuid_entry2 merged[KFP_MAX_CPUID_ENTRIES];
	struct cpuid_source src = { host->cpuid, host->ncpuid };
	int problems = 0;

	if (!cfg || !host || !plan || cfg->table_version != KFP_TABLE_VERSION ||
	    cfg->arch != KFP_TABLE_X86_64 || !cfg->x86)
		return -EINVAL;
	const struct kfp_x86_config *x = cfg->x86;
	plan->cfg = cfg;
	plan->hv_enforce = 0;

	if (x->hyperv) {
		int r = plan_hyperv(cfg, host, hv, nhv, merged, &src, rep);
		if (r < 0)
			return r;
		problems += r;
		plan->hv_enforce = host->hv_enforce;
	}
	int r0 = choose_rows(cfg, &src, &ch, rep);
	if (r0 < 0)
		return r0;
	problems += r0;

	/* The xfeatures: bounded by the host's leaf 0xD. */
	const struct kvm_cpuid_entry2 *d0 = kfp_host_cpuid(host, XSAVE_LEAF, 0);
	const struct kvm_cpuid_entry2 *d1 = kfp_host_cpuid(host, XSAVE_LEAF, 1);
	uint64_t host_xcr0 = kfp_x86_xfeatures(d0, 0);
	uint64_t host_xss = kfp_x86_xfeatures(d1, 1);
	problems += (int)report_xsave_missing(cfg, x->xcr0 & ~host_xcr0, 0, rep);
	problems += (int)report_xsave_missing(cfg, x->xss & ~host_xss, 1, rep);
	build_cpuid(host, &src, &ch, x->xcr0 & host_xcr0, x->xss & host_xss, kfp_plan_cpuid(plan));
	if (x->hyperv && x->hv_evmcs)
		problems += evmcs_version(cfg, &src, kfp_plan_cpuid(plan), rep);

	int r = plan_msrs(cfg, host, plan, rep);
	if (r < 0)
		return r;
	problems += r;

	r = xsave_size(cfg, vm_fd, rep);
	if (r < 0)
		return r;
	if (r > KFP_XSAVE_MAX) {
		kfp_report_add(rep, KFP_ITEM_UNSETTABLE, "xsave state", &x->xsave_src, -E2BIG,
			       "KVM's xsave state is %d bytes, more than KFP_XSAVE_MAX (%d)", r,
			       KFP_XSAVE_MAX);
		return -E2BIG;
	}
	plan->xsave_size = (uint32_t)r;
	/* The guest starts with x87 (XCR0 bit 0 is always 1) and SSE if the
	 * policy allows it; it enables the rest itself. */
	plan->xcr0 = (x->xcr0 & (XFEATURE_MASK_X87 | XFEATURE_MASK_SSE)) | XFEATURE_MASK_X87;

	return problems ? -ENOTSUP : 0;
}

KFP_API int kfp_x86_plan(const struct kfp_config *cfg, const struct kfp_host *host, int vm_fd,
			 struct kfp_x86_plan *plan, struct kfp_report *rep)
{
	if (!host)
		return -EINVAL;
	return x86_plan(cfg, host, host->hv_sys ? host->hv_cpuid : NULL, host->nhv_cpuid, vm_fd,
			plan, rep);
}

KFP_API int kfp_x86_apply(const struct kfp_config *cfg, const struct kfp_host *host, int vm_fd,
			  int vcpu_fd, struct kfp_x86_plan *plan, struct kfp_report *rep)
{
	int r;
	if (cfg && cfg->x86 && cfg->x86->hyperv && host && !host->hv_sys) {
		/* Before 5.11 only a vCPU answers KVM_GET_SUPPORTED_HV_CPUID. */
		struct kvm_cpuid_entry2 hv[KFP_MAX_HV_CPUID_ENTRIES];
		uint32_t nhv = 0;
		r = kfp_read_hv_cpuid(vcpu_fd, hv, &nhv);
		r = x86_plan(cfg, host, r < 0 ? NULL : hv, nhv, vm_fd, plan, rep);
	} else {
		r = kfp_x86_plan(cfg, host, vm_fd, plan, rep);
	}
	return r < 0 ? r : kfp_x86_commit(plan, vcpu_fd, rep);
}
