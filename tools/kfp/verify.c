/* SPDX-License-Identifier: Apache-2.0 */
#include "verify.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kfp/x86_regs.h>

#include "json.h"
#include "base/util.h"

static const char *const reg_names[4] = { "eax", "ebx", "ecx", "edx" };

#define MSR_ARCH_CAPABILITIES 0x10a

/* Bits KVM computes while the guest runs rather than taking them from the
 * table: the initial APIC id, the xsave size of the current XCR0, and the
 * bits that mirror CR4.OSXSAVE and CR4.PKE. */
static uint32_t runtime_bits(uint32_t leaf, uint32_t subleaf, unsigned reg)
{
	if (leaf == 0x1 && reg == 1)
		return 0xff000000u;
	if (leaf == 0x1 && reg == 2)
		return 1u << 27;
	if (leaf == 0xd && (subleaf == 0 || subleaf == 1) && reg == 1)
		return 0xffffffffu;
	if (leaf == 0x7 && subleaf == 0 && reg == 2)
		return 1u << 4;
	return 0;
}

static uint32_t entry_reg(const struct kvm_cpuid_entry2 *e, unsigned reg)
{
	const uint32_t r[4] = { e->eax, e->ebx, e->ecx, e->edx };
	return r[reg];
}

static const struct kvm_cpuid_entry2 *table_entry(const struct kvm_cpuid2 *t, uint32_t leaf,
						  uint32_t subleaf)
{
	for (uint32_t i = 0; t && i < t->nent; i++)
		if (t->entries[i].function == leaf && t->entries[i].index == subleaf)
			return &t->entries[i];
	return NULL;
}

static void add_query(struct guest_cpuid **q, size_t *n, size_t *cap, uint32_t leaf,
		      uint32_t subleaf)
{
	for (size_t i = 0; i < *n; i++)
		if ((*q)[i].leaf == leaf && (*q)[i].subleaf == subleaf)
			return;
	struct guest_cpuid e = { .leaf = leaf, .subleaf = subleaf };
	KFP_VEC_PUSH(*q, *n, *cap, e);
}

/* Hyper-V MSRs whose access one enlightenment grants (hyperv.c
 * hv_check_msr_access); reading them has no side effect. */
static const struct {
	const char *enlightenment, *name;
	uint32_t msr;
} hv_msrs[] = {
	{ "hv-vpindex", "HV_X64_MSR_VP_INDEX", 0x40000002 },
	{ "hv-runtime", "HV_X64_MSR_VP_RUNTIME", 0x40000010 },
	{ "hv-time", "HV_X64_MSR_TIME_REF_COUNT", 0x40000020 },
	{ "hv-frequencies", "HV_X64_MSR_TSC_FREQUENCY", 0x40000022 },
	{ "hv-reset", "HV_X64_MSR_RESET", 0x40000003 },
};

struct guest_cpuid *verify_queries(const struct kfp_config *cfg,
				   const struct kvm_cpuid2 *planned, size_t *n)
{
	struct guest_cpuid *q = NULL;
	size_t cap = 0;
	*n = 0;
	for (uint32_t i = 0; i < planned->nent; i++)
		add_query(&q, n, &cap, planned->entries[i].function, planned->entries[i].index);
	/* The highest leaf of each range, for range_max(). */
	add_query(&q, n, &cap, 0x00000000, 0);
	add_query(&q, n, &cap, 0x40000000, 0);
	add_query(&q, n, &cap, 0x80000000, 0);
	for (uint32_t i = 0; i < cfg->nfeatures; i++) {
		const struct kfp_feature_row *r = &cfg->features[i];
		if (r->kind == KFP_KIND_CPUID || r->kind == KFP_KIND_HYPERV)
			add_query(&q, n, &cap, r->leaf, r->subleaf);
		else if (r->kind == KFP_KIND_KVM_PV)
			add_query(&q, n, &cap, r->leaf, 0); /* 0x40000101 with Hyper-V */
		else if (r->kind == KFP_KIND_XSAVE)
			add_query(&q, n, &cap, 0xd, r->xss ? 1 : 0);
	}
	/* IA32_ARCH_CAPABILITIES, when the policy writes it and the guest's
	 * CPUID enumerates it (7.0 EDX[29]; else RDMSR faults). */
	const struct kvm_cpuid_entry2 *l7 = table_entry(planned, 0x7, 0);
	for (uint32_t i = 0; cfg->x86 && i < cfg->x86->nmsrs; i++)
		if (cfg->x86->msrs[i].index == MSR_ARCH_CAPABILITIES && l7 && l7->edx >> 29 & 1)
			add_query(&q, n, &cap, GUEST_RDMSR, MSR_ARCH_CAPABILITIES);
	const struct kvm_cpuid_entry2 *l1 = table_entry(planned, 0x1, 0);
	if (l1 && l1->ecx >> 26 & 1 && table_entry(planned, 0xd, 0))
		add_query(&q, n, &cap, GUEST_XCR0, 0);
	if (cfg->x86 && cfg->x86->hyperv)
		for (size_t i = 0; i < sizeof(hv_msrs) / sizeof(hv_msrs[0]); i++)
			add_query(&q, n, &cap, GUEST_RDMSR, hv_msrs[i].msr);
	return q;
}

static const struct guest_cpuid *seen_at(const struct guest_cpuid *seen, size_t n, uint32_t leaf,
					 uint32_t subleaf)
{
	for (size_t i = 0; i < n; i++)
		if (seen[i].leaf == leaf && seen[i].subleaf == subleaf)
			return &seen[i];
	return NULL;
}

/* The xfeature mask a CPUID 0xD result offers: XCR0 from subleaf 0
 * EDX:EAX, XSS from subleaf 1 EDX:ECX. */
static uint64_t xfeatures(const uint32_t regs[4], bool xss)
{
	return kfp_x86_xsave_mask(xss ? KFP_X86_XSAVE_SUBLEAF_XSS : KFP_X86_XSAVE_SUBLEAF_XCR0,
				  regs[0], regs[2], regs[3]);
}

static int bit_of(uint64_t v, unsigned bit)
{
	return (int)(v >> bit & 1);
}

static int host_value(const struct kfp_feature_row *r, const struct kfp_host *host)
{
	const struct kvm_cpuid_entry2 *e;
	uint64_t msr;
	switch (r->kind) {
	case KFP_KIND_CPUID:
		e = kfp_host_cpuid(host, r->leaf, r->subleaf);
		return e ? bit_of(entry_reg(e, r->reg), r->bit) : 0;
	case KFP_KIND_KVM_PV: /* KVM's table has them at 0x40000001 */
		e = kfp_host_cpuid(host, 0x40000001, 0);
		return e ? bit_of(e->eax, r->bit) : 0;
	case KFP_KIND_HYPERV:
		for (uint32_t i = 0; i < host->nhv_cpuid; i++)
			if (host->hv_cpuid[i].function == r->leaf)
				return bit_of(entry_reg(&host->hv_cpuid[i], r->reg), r->bit);
		return host->hv_sys ? 0 : -1; /* before 5.11: unknown here */
	case KFP_KIND_XSAVE:
		e = kfp_host_cpuid(host, 0xd, r->xss ? 1 : 0);
		if (!e)
			return 0;
		return bit_of(kfp_x86_xsave_mask(e->index, e->eax, e->ecx, e->edx), r->bit);
	case KFP_KIND_VMX:
	case KFP_KIND_MSR_BIT:
		return kfp_host_msr(host, r->leaf, &msr) == 0 ? bit_of(msr, r->bit) : 0;
	}
	return -1;
}

/* A leaf above the highest one its range announces does not exist for the
 * guest, whatever CPUID returns for it (Intel CPUs return the highest basic
 * leaf's data there). */
static bool in_range(const struct guest_cpuid *seen, size_t n, uint32_t leaf)
{
	/* Hypervisor leaves come in blocks of 0x100 (Hyper-V's at
	 * 0x40000000, KVM's at 0x40000100 when Hyper-V is on). */
	uint32_t mask = (leaf & 0xf0000000u) == 0x40000000u ? 0xffffff00u : 0xffff0000u;
	const struct guest_cpuid *base = seen_at(seen, n, leaf & mask, 0);
	return !base || leaf <= base->regs[0];
}

static int guest_value(const struct kfp_feature_row *r, const struct guest_cpuid *seen, size_t n)
{
	const struct guest_cpuid *g;
	switch (r->kind) {
	case KFP_KIND_CPUID:
		g = seen_at(seen, n, r->leaf, r->subleaf);
		if (g && !in_range(seen, n, r->leaf))
			return 0;
		return g ? bit_of(g->regs[r->reg], r->bit) : -1;
	case KFP_KIND_KVM_PV:
	case KFP_KIND_HYPERV:
		g = seen_at(seen, n, r->leaf, 0);
		if (g && !in_range(seen, n, r->leaf))
			return 0;
		return g ? bit_of(g->regs[r->reg & 3], r->bit) : -1;
	case KFP_KIND_XSAVE:
		g = seen_at(seen, n, 0xd, r->xss ? 1 : 0);
		if (g && !in_range(seen, n, 0xd))
			return 0;
		return g ? bit_of(xfeatures(g->regs, r->xss), r->bit) : -1;
	case KFP_KIND_MSR_BIT:
		/* Read with RDMSR when the guest could (GUEST_RDMSR). */
		g = seen_at(seen, n, GUEST_RDMSR, r->leaf);
		return g ? bit_of((uint64_t)g->regs[3] << 32 | g->regs[0], r->bit) : -1;
	}
	return -1; /* VMX controls: the guest cannot read them */
}

void verify(struct verdict *v, const struct kfp_config *cfg, const struct kfp_host *host,
	    const struct kvm_cpuid2 *planned, const struct kvm_cpuid2 *kvm_table,
	    const struct guest_cpuid *seen, size_t nseen)
{
	memset(v, 0, sizeof(*v));
	v->cfg = cfg;
	v->planned = planned;
	v->seen = seen;
	v->nseen = nseen;
	const struct guest_cpuid *x = seen_at(seen, nseen, GUEST_XCR0, 0);
	const struct kvm_cpuid_entry2 *d0 = table_entry(planned, 0xd, 0);
	if (x && d0) {
		v->xcr0_read = true;
		v->xcr0_planned = kfp_x86_xsave_mask(0, d0->eax, d0->ecx, d0->edx);
		v->xcr0_guest = (uint64_t)x->regs[3] << 32 | x->regs[0];
		v->xcr0_mismatch = v->xcr0_guest != v->xcr0_planned;
	}
	v->features = kfp_xcalloc(cfg->nfeatures + 1, sizeof(*v->features));
	v->nfeatures = cfg->nfeatures;
	for (uint32_t i = 0; i < cfg->nfeatures; i++) {
		struct feature_view *f = &v->features[i];
		f->row = &cfg->features[i];
		f->host = host_value(f->row, host);
		f->guest = guest_value(f->row, seen, nseen);
		f->mismatch = f->guest >= 0 && f->guest != f->row->expose;
		v->feature_mismatches += f->mismatch;
		if (f->row->expose)
			v->nexposed++;
		else
			v->nhidden++;
	}
	for (size_t i = 0; i < sizeof(hv_msrs) / sizeof(hv_msrs[0]); i++) {
		const struct guest_cpuid *g = seen_at(seen, nseen, GUEST_RDMSR, hv_msrs[i].msr);
		if (!g || v->nmsrs == sizeof(v->msrs) / sizeof(v->msrs[0]))
			continue;
		struct msr_probe *m = &v->msrs[v->nmsrs++];
		m->enlightenment = hv_msrs[i].enlightenment;
		m->msr_name = hv_msrs[i].name;
		m->msr = hv_msrs[i].msr;
		for (uint32_t k = 0; k < cfg->nfeatures; k++)
			if (cfg->features[k].kind == KFP_KIND_HYPERV &&
			    !strcmp(cfg->features[k].name, m->enlightenment))
				m->exposed = cfg->features[k].expose;
		m->enforced = host->hv_enforce;
		m->faulted = g->regs[1] != 0;
		m->mismatch = m->faulted != (!m->exposed && m->enforced);
		v->msr_mismatches += m->mismatch;
	}
	size_t cap = 0;
	for (uint32_t i = 0; i < planned->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &planned->entries[i];
		const struct guest_cpuid *g = seen_at(seen, nseen, e->function, e->index);
		const struct kvm_cpuid_entry2 *k = table_entry(kvm_table, e->function, e->index);
		for (unsigned reg = 0; reg < 4; reg++) {
			uint32_t want = entry_reg(e, reg);
			uint32_t ignore = runtime_bits(e->function, e->index, reg);
			v->nregs_checked++;
			if (g && !((want ^ g->regs[reg]) & ~ignore))
				continue;
			struct reg_diff d = {
				.leaf = e->function,
				.subleaf = e->index,
				.reg = reg,
				.planned = want,
				.guest = g ? g->regs[reg] : 0,
				.kvm_known = k != NULL,
				.kvm = k ? entry_reg(k, reg) : 0,
			};
			v->nkvm_changed += d.kvm_known && d.kvm != d.planned;
			KFP_VEC_PUSH(v->diffs, v->ndiffs, cap, d);
		}
	}
}

void verdict_free(struct verdict *v)
{
	free(v->features);
	free(v->diffs);
	v->features = NULL;
	v->diffs = NULL;
}

static const char *kind_name(const struct kfp_feature_row *r)
{
	switch (r->kind) {
	case KFP_KIND_CPUID: return "cpuid";
	case KFP_KIND_KVM_PV: return "kvm-pv";
	case KFP_KIND_XSAVE: return r->xss ? "xsave-xss" : "xsave";
	case KFP_KIND_VMX: return "vmx";
	case KFP_KIND_MSR_BIT: return "msr";
	case KFP_KIND_HYPERCALL: return "hypercall";
	case KFP_KIND_VCPU_INIT: return "vcpu-init";
	case KFP_KIND_HYPERV: return "hyperv";
	}
	return "?";
}

/* Where a feature lives, for mismatch messages. */
static void where(const struct kfp_feature_row *r, char *buf, size_t size)
{
	switch (r->kind) {
	case KFP_KIND_CPUID:
		snprintf(buf, size, "cpuid 0x%" PRIx32 ".%" PRIu32 " %s[%u]", r->leaf, r->subleaf,
			 reg_names[r->reg & 3], r->bit);
		break;
	case KFP_KIND_KVM_PV:
	case KFP_KIND_HYPERV:
		snprintf(buf, size, "cpuid 0x%" PRIx32 " %s[%u]", r->leaf, reg_names[r->reg & 3],
			 r->bit);
		break;
	case KFP_KIND_XSAVE:
		snprintf(buf, size, "%s bit %u, cpuid 0xd.%d", r->xss ? "xss" : "xcr0", r->bit,
			 r->xss ? 1 : 0);
		break;
	default:
		snprintf(buf, size, "msr 0x%" PRIx32 " bit %u", r->leaf, r->bit);
	}
}

static const char *value_str(int v)
{
	return v < 0 ? "n/a" : v ? "1" : "0";
}

static bool shown(const struct feature_view *f, bool show_all)
{
	return show_all || f->row->expose || f->row->src.file || f->mismatch;
}

static void print_diff(const struct reg_diff *d, FILE *out)
{
	fprintf(out, "MISMATCH cpuid 0x%08" PRIx32 ".%" PRIu32 " %s: planned 0x%08" PRIx32
		", the guest saw 0x%08" PRIx32 " (bits 0x%08" PRIx32 ")",
		d->leaf, d->subleaf, reg_names[d->reg], d->planned, d->guest,
		(d->planned ^ d->guest) & ~runtime_bits(d->leaf, d->subleaf, d->reg));
	if (d->kvm_known && d->kvm != d->planned)
		fprintf(out, "; KVM_GET_CPUID2 holds 0x%08" PRIx32
			": KVM changed the table it was given", d->kvm);
	fputc('\n', out);
}

void verdict_print_table(const struct verdict *v, bool show_all, FILE *out)
{
	const struct kfp_config *cfg = v->cfg;
	size_t wname = strlen("FEATURE"), wkind = strlen("KIND"), nshown = 0;
	for (size_t i = 0; i < v->nfeatures; i++) {
		const struct feature_view *f = &v->features[i];
		if (!shown(f, show_all))
			continue;
		nshown++;
		if (strlen(f->row->name) > wname)
			wname = strlen(f->row->name);
		if (strlen(kind_name(f->row)) > wkind)
			wkind = strlen(kind_name(f->row));
	}
	fprintf(out, "%-*s  %-*s  POLICY  HOST  GUEST  SOURCE\n", (int)wname, "FEATURE",
		(int)wkind, "KIND");
	for (size_t i = 0; i < v->nfeatures; i++) {
		const struct feature_view *f = &v->features[i];
		if (!shown(f, show_all))
			continue;
		fprintf(out, "%-*s  %-*s  %6d  %4s  %5s  ", (int)wname, f->row->name, (int)wkind,
			kind_name(f->row), f->row->expose, value_str(f->host), value_str(f->guest));
		if (f->row->src.file)
			fprintf(out, "%s:%" PRIu32 ":%" PRIu32, f->row->src.file, f->row->src.line,
				f->row->src.col);
		else
			fputs("(default deny)", out);
		fputs(f->mismatch ? "  <- MISMATCH\n" : "\n", out);
	}
	if (nshown < v->nfeatures)
		fprintf(out, "(%zu more features, hidden by default deny and hidden in the guest; --all shows them)\n",
			v->nfeatures - nshown);
	fputc('\n', out);

	for (size_t i = 0; i < v->nfeatures; i++) {
		const struct feature_view *f = &v->features[i];
		if (!f->mismatch)
			continue;
		char loc[64];
		where(f->row, loc, sizeof(loc));
		fprintf(out, "MISMATCH %s (%s): the policy %s it, the guest %s it\n", f->row->name,
			loc, f->row->expose ? "exposes" : "hides",
			f->guest ? "sees" : "does not see");
	}
	for (size_t i = 0; i < v->ndiffs; i++)
		print_diff(&v->diffs[i], out);
	if (v->xcr0_read)
		fprintf(out, "%s XCR0: the plan offers 0x%" PRIx64 ", the guest enabled and reads 0x%" PRIx64
			" (CR4.OSXSAVE, XSETBV, XGETBV)\n", v->xcr0_mismatch ? "MISMATCH" : "OK",
			v->xcr0_planned, v->xcr0_guest);
	for (size_t i = 0; i < v->nmsrs; i++) {
		const struct msr_probe *m = &v->msrs[i];
		fprintf(out, "%s %s (0x%08" PRIx32 "): %s %s, %s; RDMSR in the guest %s\n",
			m->mismatch ? "MISMATCH" : "OK", m->msr_name, m->msr, m->enlightenment,
			m->exposed ? "exposed" : "hidden",
			m->enforced ? "enforced (KVM_CAP_HYPERV_ENFORCE_CPUID)"
				    : "not enforced by this kernel",
			m->faulted ? "faults with #GP" : "reads it");
	}
	if (v->nkvm_changed)
		fprintf(out, "NOTE: KVM_SET_CPUID2 succeeded but KVM changed %u registers of the table it was given (KVM_GET_CPUID2): this host's KVM does not let a VMM hide those bits\n",
			v->nkvm_changed);
	unsigned n = verdict_mismatches(v);
	if (n)
		fprintf(out, "FAIL: the guest does not see what policy \"%s\" says for fleet \"%s\": %u mismatches (%u features, %zu CPUID registers%s%s)\n",
			cfg->policy, cfg->fleet, n, v->feature_mismatches, v->ndiffs,
			v->xcr0_mismatch ? ", XCR0" : "", v->msr_mismatches ? ", Hyper-V MSRs" : "");
	else
		fprintf(out, "OK: the guest sees what policy \"%s\" says for fleet \"%s\": %u features exposed, %u hidden; %u CPUID registers as planned\n",
			cfg->policy, cfg->fleet, v->nexposed, v->nhidden, v->nregs_checked);
}

static void json_value(int v, FILE *out)
{
	if (v < 0)
		fputs("null", out);
	else
		fprintf(out, "%d", v);
}

static void json_hex(uint32_t v, FILE *out)
{
	fprintf(out, "\"0x%08" PRIx32 "\"", v);
}

void verdict_print_json(const struct verdict *v, FILE *out)
{
	fputs("{\n  ", out);
	json_config_members(v->cfg, v->kernel, true, out);
	fputs(",\n  \"features\": [", out);
	for (size_t i = 0; i < v->nfeatures; i++) {
		const struct feature_view *f = &v->features[i];
		fputs(i ? ",\n    {\"name\": " : "\n    {\"name\": ", out);
		json_string(f->row->name, true, out);
		fputs(", \"kind\": ", out);
		json_string(kind_name(f->row), true, out);
		fprintf(out, ", \"policy\": %d, \"host\": ", f->row->expose);
		json_value(f->host, out);
		fputs(", \"guest\": ", out);
		json_value(f->guest, out);
		fputs(", \"src\": ", out);
		if (f->row->src.file) {
			char *src = kfp_xasprintf("%s:%" PRIu32 ":%" PRIu32, f->row->src.file,
						  f->row->src.line, f->row->src.col);
			json_string(src, true, out);
			free(src);
		} else {
			fputs("null", out);
		}
		fprintf(out, ", \"mismatch\": %s}", f->mismatch ? "true" : "false");
	}
	fputs("\n  ],\n  \"cpuid\": [", out);
	for (size_t i = 0, k = 0; i < v->nseen; i++) {
		const struct guest_cpuid *g = &v->seen[i];
		if (g->leaf == GUEST_XCR0 || g->leaf == GUEST_RDMSR)
			continue;
		fputs(k++ ? ",\n    {\"leaf\": " : "\n    {\"leaf\": ", out);
		json_hex(g->leaf, out);
		fputs(", \"subleaf\": ", out);
		json_hex(g->subleaf, out);
		const struct kvm_cpuid_entry2 *e = table_entry(v->planned, g->leaf, g->subleaf);
		fputs(", \"planned\": ", out);
		if (e) {
			for (unsigned r = 0; r < 4; r++) {
				fputs(r ? ", " : "[", out);
				json_hex(entry_reg(e, r), out);
			}
			fputc(']', out);
		} else {
			fputs("null", out);
		}
		fputs(", \"guest\": ", out);
		for (unsigned r = 0; r < 4; r++) {
			fputs(r ? ", " : "[", out);
			json_hex(g->regs[r], out);
		}
		fputs("]}", out);
	}
	fputs("\n  ],\n  \"register_mismatches\": [", out);
	for (size_t i = 0; i < v->ndiffs; i++) {
		const struct reg_diff *d = &v->diffs[i];
		fputs(i ? ",\n    {\"leaf\": " : "\n    {\"leaf\": ", out);
		json_hex(d->leaf, out);
		fputs(", \"subleaf\": ", out);
		json_hex(d->subleaf, out);
		fprintf(out, ", \"reg\": \"%s\", \"planned\": ", reg_names[d->reg]);
		json_hex(d->planned, out);
		fputs(", \"guest\": ", out);
		json_hex(d->guest, out);
		fputs(", \"kvm\": ", out);
		if (d->kvm_known)
			json_hex(d->kvm, out);
		else
			fputs("null", out);
		fputc('}', out);
	}
	fputs("\n  ],\n  \"guest_msrs\": [", out);
	for (size_t i = 0, k = 0; i < v->nseen; i++) {
		const struct guest_cpuid *g = &v->seen[i];
		if (g->leaf != GUEST_RDMSR)
			continue;
		fprintf(out, "%s{\"index\": \"0x%" PRIx32 "\", \"value\": \"0x%016" PRIx64 "\"}",
			k++ ? ", " : "", g->subleaf, (uint64_t)g->regs[3] << 32 | g->regs[0]);
	}
	fputs("],\n  \"xcr0\": ", out);
	if (v->xcr0_read)
		fprintf(out, "{\"planned\": \"0x%" PRIx64 "\", \"guest\": \"0x%" PRIx64
			"\", \"mismatch\": %s}", v->xcr0_planned, v->xcr0_guest,
			v->xcr0_mismatch ? "true" : "false");
	else
		fputs("null", out);
	fputs(",\n  \"hyperv_msrs\": [", out);
	for (size_t i = 0; i < v->nmsrs; i++) {
		const struct msr_probe *m = &v->msrs[i];
		fprintf(out, "%s{\"msr\": \"0x%08" PRIx32 "\", \"name\": \"%s\", \"enlightenment\": \"%s\", "
			"\"exposed\": %s, \"enforced\": %s, \"faulted\": %s, \"mismatch\": %s}",
			i ? ",\n    " : "\n    ", m->msr, m->msr_name, m->enlightenment,
			m->exposed ? "true" : "false", m->enforced ? "true" : "false",
			m->faulted ? "true" : "false", m->mismatch ? "true" : "false");
	}
	fputs(v->nmsrs ? "\n  ]" : "]", out);
	fprintf(out, ",\n  \"kvm_changed_registers\": %u,\n  \"mismatches\": %u\n}\n",
		v->nkvm_changed, verdict_mismatches(v));
}
