/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Builds the runtime tables (kfp/table.h) of a resolved fleet: the feature
 * rows, then the x86_64 or arm64 part through the arch's descriptor.
 */
#include "tables.h"

#include <stdlib.h>
#include <string.h>

#include "compiler/semantics/sema.h"
#include "base/util.h"

/* Informational CPUID registers, copied from the host: identification,
 * cache and topology descriptions, address sizes.  They describe the
 * machine, not features a guest could start to depend on across kernels.
 * `reg` 4 means all four registers. */
static const struct {
	uint32_t leaf, subleaf;
	uint8_t reg;
} pass_regs[] = {
	{ 0x00000000, 0, 4 },               /* max basic leaf, vendor */
	{ 0x00000001, 0, 0 },               /* family, model, stepping */
	{ 0x00000001, 0, 1 },               /* brand index, CLFLUSH size, APIC id */
	{ 0x00000002, 0, 4 },               /* cache descriptors */
	{ 0x00000004, KFP_ANY_SUBLEAF, 4 }, /* deterministic cache parameters */
	{ 0x00000007, 0, 0 },               /* max subleaf of leaf 7 */
	{ 0x0000000b, KFP_ANY_SUBLEAF, 4 }, /* x2APIC topology */
	{ 0x00000016, 0, 4 },               /* frequency information */
	{ 0x0000001f, KFP_ANY_SUBLEAF, 4 }, /* V2 extended topology */
	{ 0x40000000, 0, 4 },               /* KVM signature, max hypervisor leaf */
	{ 0x80000000, 0, 4 },               /* max extended leaf */
	{ 0x80000001, 0, 0 },               /* extended signature */
	{ 0x80000002, 0, 4 },               /* brand string */
	{ 0x80000003, 0, 4 },
	{ 0x80000004, 0, 4 },
	{ 0x80000005, 0, 4 },               /* L1 cache and TLB */
	{ 0x80000006, 0, 4 },               /* L2/L3 cache */
	{ 0x80000008, 0, 0 },               /* address sizes */
	{ 0x80000008, 0, 2 },               /* core count */
	{ 0x8000001d, KFP_ANY_SUBLEAF, 4 }, /* AMD cache topology */
	{ 0x8000001e, 0, 4 },               /* AMD topology */
};

static struct kfp_src src_of(const struct kfp_loc *l)
{
	if (!l || !l->src)
		return (struct kfp_src){ NULL, 0, 0 };
	return (struct kfp_src){ l->src->path, l->line, l->col };
}

static struct kfp_feature_row feature_row(const struct kfp_feat *f, bool hyperv)
{
	struct kfp_feature_row r = {
		.name = f->c->name,
		.kind = (uint8_t)f->kind, /* one list: KFP_FEAT_x == KFP_KIND_x */
		.expose = kfp_feat_exposed(f),
		.src = src_of(f->mentioned ? &f->loc : NULL),
	};
	switch (f->kind) {
	case KFP_FEAT_CPUID: {
		const struct kfp_cat_cpuid *c = f->cat;
		r.leaf = c->leaf;
		r.subleaf = c->subleaf;
		r.reg = (uint8_t)c->reg;
		r.bit = c->bit;
		break;
	}
	case KFP_FEAT_KVM:
		r.leaf = (hyperv ? KFP_KVM_LEAVES_HYPERV : 0x40000000) + 1;
		r.bit = ((const struct kfp_cat_kvm *)f->cat)->bit;
		break;
	case KFP_FEAT_XSAVE:
		r.bit = ((const struct kfp_cat_xsave *)f->cat)->bit;
		r.xss = ((const struct kfp_cat_xsave *)f->cat)->xss;
		break;
	case KFP_FEAT_VMX:
		r.leaf = ((const struct kfp_cat_vmx *)f->cat)->msr;
		r.bit = ((const struct kfp_cat_vmx *)f->cat)->bit;
		break;
	case KFP_FEAT_MSR_BIT:
		r.leaf = ((const struct kfp_cat_msr_bit *)f->cat)->msr->index;
		r.bit = ((const struct kfp_cat_msr_bit *)f->cat)->bit;
		break;
	case KFP_FEAT_HYPERCALL:
		r.id = ((const struct kfp_cat_fw_bit *)f->cat)->reg->id;
		r.bit = ((const struct kfp_cat_fw_bit *)f->cat)->bit;
		r.since = f->c->exposed_since == KFP_KV_NEVER ? 0 : f->c->exposed_since;
		break;
	case KFP_FEAT_VCPU:
		r.bit = ((const struct kfp_cat_vcpu_feature *)f->cat)->bit;
		break;
	case KFP_FEAT_HYPERV: {
		const struct kfp_cat_hyperv *h = f->cat;
		r.leaf = h->bits[0].leaf;
		r.reg = (uint8_t)h->bits[0].reg;
		r.bit = h->bits[0].bit;
		break;
	}
	}
	return r;
}

struct rows {
	struct kfp_cpuid_row *cpuid;
	size_t ncpuid, cpuid_cap;
	struct kfp_msr_row *msrs;
	size_t nmsrs, msrs_cap;
};

static void cpuid_row(struct rows *r, uint32_t leaf, uint32_t subleaf, unsigned reg,
		      uint8_t mode, uint32_t expose, const struct kfp_loc *l)
{
	struct kfp_cpuid_row row = { leaf, subleaf, (uint8_t)reg, mode, expose, src_of(l) };
	KFP_VEC_PUSH(r->cpuid, r->ncpuid, r->cpuid_cap, row);
}

static void x86_config(struct kfp_config *cfg, const struct kfp_policy *pol,
		       const struct kfp_fleet *fl)
{
	const struct kfp_catalog *cat = pol->cat;
	struct kfp_x86_config *x = kfp_xcalloc(1, sizeof(*x));
	struct rows r = { 0 };
	const struct kfp_loc *xsave_loc = NULL;
	bool vmx_cpuid = false, vmx_any = false;

	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (!kfp_feat_exposed(f))
			continue;
		if (f->kind == KFP_FEAT_XSAVE) {
			const struct kfp_cat_xsave *c = f->cat;
			*(c->xss ? &x->xss : &x->xcr0) |= 1ull << c->bit;
			x->amx |= c->bit == 17 || c->bit == 18; /* XTILECFG, XTILEDATA */
			if (!xsave_loc)
				xsave_loc = &f->loc;
		}
		if (f->kind == KFP_FEAT_CPUID && !strcmp(f->c->name, "vmx"))
			vmx_cpuid = true;
		vmx_any |= f->kind == KFP_FEAT_VMX;
	}
	x->xsave_src = src_of(xsave_loc);
	x->nested_vmx = vmx_cpuid && vmx_any;

	const struct kfp_loc *hv_loc = NULL;
	for (size_t i = 0; i < fl->nfeats && !hv_loc; i++)
		if (fl->feats[i].kind == KFP_FEAT_HYPERV && kfp_feat_exposed(&fl->feats[i]))
			hv_loc = &fl->feats[i].loc;
	x->hyperv = hv_loc != NULL;
	x->hyperv_src = src_of(hv_loc);
	const struct kfp_cat_hyperv *evmcs = kfp_cat_find_hyperv(cat, "hv-evmcs");
	const struct kfp_feat *ev = evmcs ? kfp_fleet_feat(fl, KFP_FEAT_HYPERV, evmcs) : NULL;
	x->hv_evmcs = ev && kfp_feat_exposed(ev);
	uint32_t kvm_base = x->hyperv ? KFP_KVM_LEAVES_HYPERV : 0x40000000;

	for (size_t i = 0; i < sizeof(pass_regs) / sizeof(pass_regs[0]); i++)
		for (unsigned reg = 0; reg < 4; reg++)
			if (pass_regs[i].reg == 4 || pass_regs[i].reg == reg)
				cpuid_row(&r, pass_regs[i].leaf == 0x40000000 ? kvm_base
									      : pass_regs[i].leaf,
					  pass_regs[i].subleaf, reg, KFP_CPUID_PASS, 0, NULL);
	/* Leaves that describe one feature (AMX's tile palettes and TMUL):
	 * the host's when it is exposed; without a row they are not given
	 * to the guest. */
	for (size_t i = 0; i < cat->ncpuid; i++)
		for (size_t k = 0; k < cat->cpuid[i].nleaves; k++)
			if (kfp_feat_exposed(&fl->feats[i]))
				for (unsigned reg = 0; reg < 4; reg++)
					cpuid_row(&r, cat->cpuid[i].leaves[k], KFP_ANY_SUBLEAF, reg,
						  KFP_CPUID_PASS, 0, &fl->feats[i].loc);
	if (x->hyperv) {
		/* Identification, version and limits as KVM reports them;
		 * 0x40000004 EBX is the spinlock retry count. */
		static const uint32_t hv_pass[] = { 0x40000000, 0x40000001, 0x40000002,
						    0x40000005 };
		for (size_t i = 0; i < sizeof(hv_pass) / sizeof(hv_pass[0]); i++)
			for (unsigned reg = 0; reg < 4; reg++)
				cpuid_row(&r, hv_pass[i], 0, reg, KFP_CPUID_PASS, 0, hv_loc);
		cpuid_row(&r, 0x40000004, 0, KFP_EBX, KFP_CPUID_PASS, 0, hv_loc);
		for (size_t i = 0; i < kfp_hv_nfeature_regs; i++) {
			const struct kfp_hv_reg *hr = &kfp_hv_feature_regs[i];
			cpuid_row(&r, hr->leaf, 0, hr->reg, KFP_CPUID_MASK,
				  kfp_fleet_hv_reg(cat, fl, hr->leaf, hr->reg), hv_loc);
		}
	}
	/* Leaf 0xD follows the xfeatures; its feature bits (0xD.1 EAX) are
	 * mask rows below, which take precedence. */
	for (unsigned reg = 0; reg < 4; reg++)
		cpuid_row(&r, 0xd, KFP_ANY_SUBLEAF, reg, KFP_CPUID_XSAVE, 0, xsave_loc);
	/* Feature registers, in catalog order of first appearance. */
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *c = &cat->cpuid[i];
		if (!kfp_cat_cpuid_first_of_reg(cat, i))
			continue;
		uint32_t mask = 0;
		const struct kfp_loc *l = NULL;
		for (size_t j = i; j < cat->ncpuid; j++) {
			const struct kfp_cat_cpuid *d = &cat->cpuid[j];
			if (d->leaf == c->leaf && d->subleaf == c->subleaf && d->reg == c->reg &&
			    kfp_feat_exposed(&fl->feats[j])) {
				mask |= 1u << d->bit;
				if (!l)
					l = &fl->feats[j].loc;
			}
		}
		cpuid_row(&r, c->leaf, c->subleaf, c->reg, KFP_CPUID_MASK, mask, l);
	}
	/* KVM paravirtual features. */
	uint32_t kvm = 0;
	const struct kfp_loc *kvm_loc = NULL;
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].kind == KFP_FEAT_KVM && kfp_feat_exposed(&fl->feats[i])) {
			kvm |= 1u << ((const struct kfp_cat_kvm *)fl->feats[i].cat)->bit;
			if (!kvm_loc)
				kvm_loc = &fl->feats[i].loc;
		}
	cpuid_row(&r, kvm_base + 1, 0, 0, KFP_CPUID_MASK, kvm, kvm_loc);
	/* Raw `cpuid ... = 1` bits: set whatever the host offers. */
	for (size_t k = 0; k < fl->nraw; k++) {
		const struct kfp_raw_cpuid *raw = &fl->raw[k];
		if (raw->exposed)
			cpuid_row(&r, raw->leaf, raw->subleaf, raw->reg, KFP_CPUID_FORCE,
				  1u << raw->bit, &raw->loc);
	}

	/* Feature MSRs, always written (default deny clears their bits);
	 * VMX capability MSRs only when nested VMX is on. */
	for (size_t m = 0; m < cat->nmsrs; m++) {
		struct kfp_msr_row row = { .index = cat->msrs[m].index, .kind = KFP_MSR_FEATURE };
		const struct kfp_loc *l = NULL;
		for (size_t i = 0; i < fl->nfeats; i++) {
			const struct kfp_feat *f = &fl->feats[i];
			if (f->kind == KFP_FEAT_MSR_BIT && kfp_feat_exposed(f) &&
			    ((const struct kfp_cat_msr_bit *)f->cat)->msr == &cat->msrs[m]) {
				row.expose |= 1ull << ((const struct kfp_cat_msr_bit *)f->cat)->bit;
				if (!l)
					l = &f->loc;
			}
		}
		row.src = src_of(l);
		KFP_VEC_PUSH(r.msrs, r.nmsrs, r.msrs_cap, row);
	}
	if (x->nested_vmx) {
		for (size_t v = 0; v < cat->nvmx; v++) {
			uint32_t msr = cat->vmx[v].msr;
			bool seen = false;
			for (size_t k = 0; k < r.nmsrs; k++)
				seen |= r.msrs[k].index == msr;
			if (seen)
				continue;
			struct kfp_msr_row row = { .index = msr, .kind = KFP_MSR_VMX };
			const struct kfp_loc *l = NULL;
			for (size_t i = 0; i < fl->nfeats; i++) {
				const struct kfp_feat *f = &fl->feats[i];
				if (f->kind == KFP_FEAT_VMX && kfp_feat_exposed(f) &&
				    ((const struct kfp_cat_vmx *)f->cat)->msr == msr) {
					row.expose |= 1ull << ((const struct kfp_cat_vmx *)f->cat)->bit;
					if (!l)
						l = &f->loc;
				}
			}
			row.src = src_of(l);
			KFP_VEC_PUSH(r.msrs, r.nmsrs, r.msrs_cap, row);
		}
	}
	x->cpuid = r.cpuid;
	x->ncpuid = (uint32_t)r.ncpuid;
	x->msrs = r.msrs;
	x->nmsrs = (uint32_t)r.nmsrs;
	cfg->x86 = x;
}

static void x86_free(struct kfp_config *cfg)
{
	free((void *)cfg->x86->cpuid);
	free((void *)cfg->x86->msrs);
	free((void *)cfg->x86);
}

/* The plan of one catalogued field in a fleet, or NULL. */
static const struct kfp_field_plan *field_plan(const struct kfp_fleet *fl,
					      const struct kfp_cat_field *f)
{
	for (size_t i = 0; i < fl->nregs; i++)
		for (size_t j = 0; j < fl->regs[i].nfields; j++)
			if (fl->regs[i].fields[j].f == f)
				return &fl->regs[i].fields[j];
	return NULL;
}

/* The registers of features, and whether the fleet hides each feature:
 * its field is 0 on every host (fixed 0, or its vCPU feature off), or its
 * vCPU feature is off. */
static struct kfp_arm64_reg_row *feature_reg_rows(const struct kfp_policy *pol,
						  const struct kfp_fleet *fl, uint32_t vcpu_features)
{
	const struct kfp_catalog *cat = pol->cat;
	struct kfp_arm64_reg_row *rows = kfp_xcalloc(cat->nfeature_regs + 1, sizeof(*rows));
	for (size_t i = 0; i < cat->nfeature_regs; i++) {
		const struct kfp_cat_feature_reg *c = &cat->feature_regs[i];
		struct kfp_arm64_reg_row r = {
			.name = c->c.name, .feature = c->feature, .match = c->match, .mask = c->mask,
			.gate = KFP_GATE_NONE, .has_reset = c->has_reset, .reset = c->reset,
			.reset_mask = c->reset_mask, .counter = c->counter,
		};
		if (c->gate == KFP_REG_GATE_FIELD) {
			const struct kfp_field_plan *fp = field_plan(fl, c->field);
			r.gate = KFP_GATE_ID_FIELD;
			r.gate_reg = c->field->reg->id;
			r.shift = c->field->shift;
			r.width = c->field->width;
			/* 0 on every host: fixed 0, at most 0 (unsigned), or off
			 * with its vCPU feature. */
			r.hidden = fp && ((fp->rule == KFP_FIELD_FIXED && fp->target == 0) ||
					  (fp->rule == KFP_FIELD_AT_MOST && fp->target == 0 &&
					   !c->field->is_signed) ||
					  fp->rule == KFP_FIELD_VCPU_OFF);
			r.src = src_of(fp && fp->mentioned ? &fp->loc : NULL);
		} else if (c->gate == KFP_REG_GATE_VCPU) {
			const struct kfp_feat *f = kfp_fleet_feat(fl, KFP_FEAT_VCPU, c->vcpu);
			r.gate = KFP_GATE_VCPU;
			r.vcpu_bit = c->vcpu->bit;
			r.hidden = !(vcpu_features >> c->vcpu->bit & 1);
			r.src = src_of(f && f->mentioned ? &f->loc : NULL);
		}
		rows[i] = r;
	}
	return rows;
}

static void arm64_config(struct kfp_config *cfg, const struct kfp_policy *pol,
			 const struct kfp_fleet *fl)
{
	const struct kfp_catalog *cat = pol->cat;
	struct kfp_arm64_config *a = kfp_xcalloc(1, sizeof(*a));
	struct kfp_id_reg_row *regs = kfp_xcalloc(fl->nregs + 1, sizeof(*regs));

	for (size_t i = 0; i < fl->nregs; i++) {
		const struct kfp_reg_plan *rp = &fl->regs[i];
		struct kfp_id_field_row *fields = kfp_xcalloc(rp->nfields + 1, sizeof(*fields));
		for (size_t j = 0; j < rp->nfields; j++) {
			const struct kfp_field_plan *fp = &rp->fields[j];
			fields[j] = (struct kfp_id_field_row){
				.name = fp->f->c.name,
				.shift = fp->f->shift,
				.width = fp->f->width,
				.is_signed = fp->f->is_signed,
				/* The table's values (kfp/table.h lists). */
				.safe = (uint8_t)fp->f->safe,
				.rule = (uint8_t)fp->rule,
				.value = fp->target,
				.src = src_of(fp->mentioned ? &fp->loc : NULL),
			};
		}
		regs[i] = (struct kfp_id_reg_row){
			.name = rp->r->c.name,
			.id = rp->r->id,
			.fields = rp->nfields ? fields : NULL,
			.nfields = (uint32_t)rp->nfields,
			.unknown_mask = rp->unknown_mask,
			.src = src_of(rp->mentioned ? &rp->loc : NULL),
		};
		if (!rp->nfields)
			free(fields);
	}
	a->id_regs = regs;
	a->nid_regs = (uint32_t)fl->nregs;

	struct kfp_fw_reg_row *fw = kfp_xcalloc(cat->nfw_regs + 1, sizeof(*fw));
	size_t nfw = 0;
	for (size_t i = 0; i < cat->nfw_regs; i++) {
		const struct kfp_cat_fw_reg *r = &cat->fw_regs[i];
		if (!r->bitmap)
			continue;
		struct kfp_fw_reg_row row = { .name = r->c.name, .id = r->id };
		const struct kfp_loc *l = NULL;
		for (size_t b = 0; b < r->nbits; b++) {
			row.known |= 1ull << r->bits[b].bit;
			const struct kfp_feat *f = kfp_fleet_feat(fl, KFP_FEAT_HYPERCALL, &r->bits[b]);
			if (f && kfp_feat_exposed(f))
				row.value |= 1ull << r->bits[b].bit;
			if (f && f->mentioned && !l)
				l = &f->loc;
		}
		row.src = src_of(l);
		fw[nfw++] = row;
	}
	a->fw_regs = fw;
	a->nfw_regs = (uint32_t)nfw;
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].kind == KFP_FEAT_VCPU && kfp_feat_exposed(&fl->feats[i]))
			a->vcpu_features |= 1u << ((const struct kfp_cat_vcpu_feature *)fl->feats[i].cat)->bit;
	a->unknown = (uint8_t)fl->unknown;
	a->fw_unknown = (uint8_t)fl->fw_unknown;
	a->regs = feature_reg_rows(pol, fl, a->vcpu_features);
	a->nregs = (uint32_t)cat->nfeature_regs;
	if (fl->npins) {
		struct kfp_pin_row *pins = kfp_xcalloc(fl->npins, sizeof(*pins));
		for (size_t i = 0; i < fl->npins; i++)
			pins[i] = (struct kfp_pin_row){
				.name = fl->pins[i].name,
				.id = fl->pins[i].id,
				.value = fl->pins[i].value,
				.src = src_of(fl->hosts_loc.src ? &fl->hosts_loc : NULL),
			};
		a->pins = pins;
		a->npins = (uint32_t)fl->npins;
	}
	cfg->arm64 = a;
}

static void arm64_free(struct kfp_config *cfg)
{
	for (uint32_t i = 0; i < cfg->arm64->nid_regs; i++)
		free((void *)cfg->arm64->id_regs[i].fields);
	free((void *)cfg->arm64->id_regs);
	free((void *)cfg->arm64->fw_regs);
	free((void *)cfg->arm64->pins);
	free((void *)cfg->arm64->regs);
	free((void *)cfg->arm64);
}

/* What the tables of each architecture take: one const descriptor per
 * arch (as libseccomp has), looked up once by the fleet's or the table's
 * arch, instead of a test of the arch wherever they differ. */
struct tables_arch {
	uint8_t table_arch; /* enum kfp_table_arch */
	/* Sets cfg->x86 or cfg->arm64, and frees it. */
	void (*build)(struct kfp_config *cfg, const struct kfp_policy *pol,
		      const struct kfp_fleet *fl);
	void (*free)(struct kfp_config *cfg);
};

static const struct tables_arch tables_arches[KFP_ARCH_COUNT] = {
	[KFP_ARCH_X86_64] = { KFP_TABLE_X86_64, x86_config, x86_free },
	[KFP_ARCH_ARM64] = { KFP_TABLE_ARM64, arm64_config, arm64_free },
};

static const struct tables_arch *table_arch(uint8_t table_arch)
{
	for (size_t i = 0; i < KFP_ARCH_COUNT; i++)
		if (tables_arches[i].table_arch == table_arch)
			return &tables_arches[i];
	return NULL;
}

struct kfp_config *kfp_build_config(const struct kfp_policy *pol, const struct kfp_fleet *fl)
{
	const struct tables_arch *ta = &tables_arches[fl->arch];
	struct kfp_config *cfg = kfp_xcalloc(1, sizeof(*cfg));
	cfg->table_version = KFP_TABLE_VERSION;
	cfg->arch = ta->table_arch;
	cfg->policy = pol->name;
	cfg->fleet = fl->name;
	cfg->policy_version = pol->version;
	cfg->min_kernel = fl->min;
	memcpy(cfg->id, fl->id, 16);
	struct kfp_feature_row *rows = kfp_xcalloc(fl->nfeats + 1, sizeof(*rows));
	bool hyperv = kfp_fleet_hyperv(fl);
	for (size_t i = 0; i < fl->nfeats; i++)
		rows[i] = feature_row(&fl->feats[i], hyperv);
	cfg->features = rows;
	cfg->nfeatures = (uint32_t)fl->nfeats;
	ta->build(cfg, pol, fl);
	return cfg;
}

void kfp_config_free(struct kfp_config *cfg)
{
	if (!cfg)
		return;
	free((void *)cfg->features);
	table_arch(cfg->arch)->free(cfg);
	free(cfg);
}
