/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Firecracker custom CPU template of a fleet (JSON), x86_64 (CPUID and
 * MSR modifiers) or arm64 (vCPU features and register modifiers): each
 * bit '1', '0', or 'x' for the host's, from the runtime tables.
 */
#include "vmm.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/semantics/sema.h"
#include "tables.h"
#include "base/util.h"

/* A bitmap in Firecracker's notation, most significant bit first. */
static void fc_bitmap(FILE *out, unsigned width, const char *bits /* [width], bit 0 first */)
{
	fputs("\"0b", out);
	for (unsigned i = width; i-- > 0;)
		fputc(bits[i], out);
	fputc('"', out);
}

struct fc_reg {
	uint32_t leaf, subleaf;
	unsigned reg;
	uint32_t expose;
	bool owned; /* a leaf of a hidden feature: zero, nothing to note if absent */
};

struct fc_regs {
	struct fc_reg *v;
	size_t n, cap;
};

static void fc_add(struct fc_regs *r, uint32_t leaf, uint32_t subleaf, unsigned reg,
		   uint32_t expose)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].leaf == leaf && r->v[i].subleaf == subleaf && r->v[i].reg == reg) {
			r->v[i].expose |= expose;
			return;
		}
	struct fc_reg x = { leaf, subleaf, reg, expose, false };
	KFP_VEC_PUSH(r->v, r->n, r->cap, x);
}

/* A whole (leaf, subleaf) of a hidden feature, all zero. */
static void fc_add_zero_leaf(struct fc_regs *r, uint32_t leaf, uint32_t subleaf)
{
	for (unsigned reg = 0; reg < 4; reg++) {
		struct fc_reg x = { leaf, subleaf, reg, 0, true };
		KFP_VEC_PUSH(r->v, r->n, r->cap, x);
	}
}

/* The leaves that describe a hidden feature, zeroed as the runtime zeroes
 * them: the size and offset subleaf 0xD.N of each hidden xsave component
 * (N >= 2) and every subleaf of the leaves a hidden CPUID feature owns
 * (AMX: 0x1D, 0x1E), those the fleet's hosts report or, without host
 * profiles, subleaf 0.  Firecracker would otherwise pass the host's values
 * through. */
static void fc_hidden_leaves(const struct kfp_fleet *fl, struct fc_regs *r)
{
	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (kfp_feat_exposed(f))
			continue;
		if (f->kind == KFP_FEAT_XSAVE) {
			uint8_t bit = ((const struct kfp_cat_xsave *)f->cat)->bit;
			if (bit >= 2)
				fc_add_zero_leaf(r, 0xd, bit);
			continue;
		}
		if (f->kind != KFP_FEAT_CPUID)
			continue;
		const struct kfp_cat_cpuid *c = f->cat;
		for (size_t k = 0; k < c->nleaves; k++) {
			uint32_t leaf = c->leaves[k];
			if (!fl->nclasses) {
				fc_add_zero_leaf(r, leaf, 0);
				continue;
			}
			/* Each subleaf once, whichever hosts report it. */
			for (size_t h = 0; h < fl->nclasses; h++) {
				const struct kfp_host_profile *p = fl->classes[h].p;
				for (size_t e = 0; e < p->ncpuid; e++) {
					uint32_t sub = p->cpuid[e].index;
					bool seen = false;
					for (size_t q = 0; q < r->n && !seen; q++)
						seen = r->v[q].leaf == leaf && r->v[q].subleaf == sub;
					if (p->cpuid[e].function == leaf && !seen)
						fc_add_zero_leaf(r, leaf, sub);
				}
			}
		}
	}
}

static int fc_reg_cmp(const void *a, const void *b)
{
	const struct fc_reg *x = a, *y = b;
	if (x->leaf != y->leaf)
		return x->leaf < y->leaf ? -1 : 1;
	if (x->subleaf != y->subleaf)
		return x->subleaf < y->subleaf ? -1 : 1;
	return (int)x->reg - (int)y->reg;
}

static bool is_pass_reg(const struct kfp_x86_config *x, uint32_t leaf, uint32_t subleaf,
			unsigned reg)
{
	for (uint32_t i = 0; i < x->ncpuid; i++) {
		const struct kfp_cpuid_row *r = &x->cpuid[i];
		if (r->mode == KFP_CPUID_PASS && r->leaf == leaf && r->reg == reg &&
		    (r->subleaf == subleaf || r->subleaf == KFP_ANY_SUBLEAF))
			return true;
	}
	return false;
}

/* How many of the fleet's host classes report a CPUID leaf. */
static size_t hosts_with_leaf(const struct kfp_fleet *fl, uint32_t leaf, uint32_t subleaf,
			      const char **lacking)
{
	size_t n = 0;
	*lacking = NULL;
	for (size_t c = 0; c < fl->nclasses; c++) {
		if (kfp_profile_cpuid(fl->classes[c].p, leaf, subleaf))
			n++;
		else if (!*lacking)
			*lacking = fl->classes[c].names[0];
	}
	return n;
}

static int fc_x86(const struct kfp_policy *pol, const struct kfp_fleet *fl,
		  const struct kfp_config *cfg, FILE *out, struct kfp_ctx *ctx)
{
	const struct kfp_x86_config *x = cfg->x86;
	const bool proven = fl->nclasses > 0;
	const char on = proven ? '1' : 'x';
	struct fc_regs regs = { 0 };
	struct kfp_namelist skipped = { 0 }, absent = { 0 };
	int status = 0;

	for (uint32_t i = 0; i < x->ncpuid; i++) {
		const struct kfp_cpuid_row *r = &x->cpuid[i];
		if ((r->mode != KFP_CPUID_MASK && r->mode != KFP_CPUID_FORCE) ||
		    r->subleaf == KFP_ANY_SUBLEAF)
			continue;
		if (is_pass_reg(x, r->leaf, r->subleaf, r->reg)) {
			/* A raw `cpuid` bit in a register kfp copies from
			 * the host. */
			char *s = kfp_xasprintf("0x%" PRIx32 ".%" PRIu32 ".%s", r->leaf, r->subleaf,
						kfp_cpuid_reg_name((enum kfp_cpuid_reg)r->reg));
			kfp_namelist_add(&skipped, s);
			free(s);
			continue;
		}
		fc_add(&regs, r->leaf, r->subleaf, r->reg, r->expose);
	}
	/* Leaf 0xD: the xfeatures the guest may enable, XCR0 in subleaf 0
	 * EAX:EDX and XSS in subleaf 1 ECX:EDX. */
	fc_add(&regs, 0xd, 0, KFP_EAX, (uint32_t)x->xcr0);
	fc_add(&regs, 0xd, 0, KFP_EDX, (uint32_t)(x->xcr0 >> 32));
	fc_add(&regs, 0xd, 1, KFP_ECX, (uint32_t)x->xss);
	fc_add(&regs, 0xd, 1, KFP_EDX, (uint32_t)(x->xss >> 32));
	fc_hidden_leaves(fl, &regs);
	qsort(regs.v, regs.n, sizeof(*regs.v), fc_reg_cmp);

	if (skipped.n)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl,
			     "raw cpuid bits in registers kfp copies from the host are not in the template: %s",
			     skipped.s);
	/* Firecracker's CPUID normalization, after the template, sets the
	 * bits a VMM owns whatever the template says. */
	struct kfp_namelist forced = { 0 };
	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (f->kind == KFP_FEAT_CPUID && !kfp_feat_exposed(f) &&
		    ((const struct kfp_cat_cpuid *)f->cat)->vmm_owned)
			kfp_namelist_add(&forced, f->c->name);
	}
	if (forced.n)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl,
			     "Firecracker sets these bits itself after applying a template, so the guest sees them although the fleet hides them: %s",
			     forced.s);
	kfp_namelist_free(&forced);

	/* Which leaves to modify: Firecracker refuses a template that
	 * modifies a leaf KVM does not report, and leaving out a leaf the
	 * host has passes its bits through. */
	bool *keep = kfp_xcalloc(regs.n + 1, sizeof(*keep));
	for (size_t i = 0; i < regs.n; i++) {
		const struct fc_reg *r = &regs.v[i];
		if (i && r->leaf == regs.v[i - 1].leaf && r->subleaf == regs.v[i - 1].subleaf) {
			keep[i] = keep[i - 1];
			continue;
		}
		if (!proven) {
			keep[i] = true;
			continue;
		}
		const char *lacking;
		size_t have = hosts_with_leaf(fl, r->leaf, r->subleaf, &lacking);
		if (have == fl->nclasses) {
			keep[i] = true;
		} else if (have == 0) {
			if (r->owned)
				continue; /* nothing to hide */
			char *s = kfp_xasprintf("0x%" PRIx32 ".%" PRIu32, r->leaf, r->subleaf);
			kfp_namelist_add(&absent, s);
			free(s);
		} else {
			kfp_vmm_diag(ctx, KFP_SEV_ERROR, fl,
				     "CPUID leaf 0x%" PRIx32 " subleaf %" PRIu32
				     " is reported by some hosts but not by %s: Firecracker refuses a template that modifies a leaf KVM does not report, and leaving it out would pass the other hosts' bits through; split the fleet",
				     r->leaf, r->subleaf, lacking);
			status = -1;
		}
	}
	if (!proven)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl,
			     "no host profiles: exposed bits are 'x' (the host's value; kfp's runtime would refuse a host that lacks one, Firecracker shows it as absent), and every catalogued feature leaf is modified, although Firecracker refuses a template that modifies a leaf the host's KVM does not report (vendor-specific leaves such as 0x8000001f or 0xc0000001): give the fleet host profiles to leave out the leaves its hosts lack");
	else if (absent.n)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl, "no host reports CPUID leaves %s: not in the template",
			     absent.s);

	if (status == 0) {
		fputs("{\n  \"cpuid_modifiers\": [", out);
		bool first_leaf = true;
		for (size_t i = 0; i < regs.n; i++) {
			const struct fc_reg *r = &regs.v[i];
			if (!keep[i])
				continue;
			bool new_leaf = i == 0 || !keep[i - 1] || r->leaf != regs.v[i - 1].leaf ||
					r->subleaf != regs.v[i - 1].subleaf;
			if (new_leaf) {
				fprintf(out,
					"%s\n    {\n      \"leaf\": \"0x%" PRIx32
					"\",\n      \"subleaf\": \"0x%" PRIx32
					"\",\n      \"flags\": %" PRIu32 ",\n      \"modifiers\": [",
					first_leaf ? "" : ",", r->leaf, r->subleaf,
					kfp_fc_cpuid_flags(r->leaf));
				first_leaf = false;
			}
			char bits[32];
			for (unsigned b = 0; b < 32; b++)
				bits[b] = r->expose >> b & 1 ? on : '0';
			/* A raw `cpuid ... = 1` names the bit's value: '1',
			 * which the importer reads back as the same statement
			 * ('x' on an unnamed bit is pass-through). */
			for (size_t k = 0; k < fl->nraw; k++)
				if (fl->raw[k].exposed && fl->raw[k].leaf == r->leaf &&
				    fl->raw[k].subleaf == r->subleaf && fl->raw[k].reg == r->reg)
					bits[fl->raw[k].bit] = '1';
			fprintf(out, "%s\n        {\n          \"register\": \"%s\",\n          \"bitmap\": ",
				new_leaf ? "" : ",", kfp_cpuid_reg_name((enum kfp_cpuid_reg)r->reg));
			fc_bitmap(out, 32, bits);
			fputs("\n        }", out);
			bool last = i + 1 == regs.n || regs.v[i + 1].leaf != r->leaf ||
				    regs.v[i + 1].subleaf != r->subleaf;
			if (last)
				fputs("\n      ]\n    }", out);
		}
		fputs(first_leaf ? "],\n" : "\n  ],\n", out);

		/* Feature MSRs the guest can read (their CPUID bit is
		 * exposed), then the VMX capability MSRs when nested VMX
		 * is on. */
		fputs("  \"msr_modifiers\": [", out);
		bool first = true;
		for (uint32_t i = 0; i < x->nmsrs; i++) {
			const struct kfp_msr_row *m = &x->msrs[i];
			if (m->kind == KFP_MSR_FEATURE && !kfp_vmm_msr_readable(fl, m->index))
				continue;
			char bits[64];
			for (unsigned b = 0; b < 64; b++)
				bits[b] = m->kind == KFP_MSR_VMX ? 'x' : '0';
			for (unsigned b = 0; b < 64; b++)
				if (m->expose >> b & 1)
					bits[b] = on;
			if (m->kind == KFP_MSR_VMX)
				for (size_t v = 0; v < pol->cat->nvmx; v++)
					if (pol->cat->vmx[v].msr == m->index &&
					    !(m->expose >> pol->cat->vmx[v].bit & 1))
						bits[pol->cat->vmx[v].bit] = '0';
			fprintf(out, "%s\n    {\n      \"addr\": \"0x%" PRIx32 "\",\n      \"bitmap\": ",
				first ? "" : ",", m->index);
			fc_bitmap(out, 64, bits);
			fputs("\n    }", out);
			first = false;
		}
		fputs(first ? "]\n}\n" : "\n  ]\n}\n", out);
	}
	kfp_namelist_free(&skipped);
	kfp_namelist_free(&absent);
	free(keep);
	free(regs.v);
	return status;
}

struct fc_arm_reg {
	uint64_t id;
	unsigned width; /* the register's size in bits: 64, or 32 (CCSIDR_EL1) */
	char bits[64];
};

static bool fc_pinned(const struct kfp_arm64_config *a, uint64_t id)
{
	for (uint32_t i = 0; i < a->npins; i++)
		if (a->pins[i].id == id)
			return true;
	return false;
}

static int fc_arm_cmp(const void *a, const void *b)
{
	const struct fc_arm_reg *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void field_bits(char *bits, const struct kfp_id_field_row *f, uint64_t value)
{
	for (unsigned b = 0; b < f->width && f->shift + b < 64; b++)
		bits[f->shift + b] = value >> b & 1 ? '1' : '0';
}

static int fc_arm64(const struct kfp_policy *pol, const struct kfp_fleet *fl,
		    const struct kfp_config *cfg, FILE *out, struct kfp_ctx *ctx)
{
	const struct kfp_arm64_config *a = cfg->arm64;
	const struct kfp_catalog *cat = pol->cat;
	struct fc_arm_reg *regs =
		kfp_xcalloc(a->nid_regs + a->nfw_regs + a->npins + 1, sizeof(*regs));
	size_t n = 0;
	struct kfp_namelist at_most = { 0 }, absent = { 0 }, fieldless = { 0 };
	int status = 0;

	for (uint32_t i = 0; i < a->nid_regs; i++) {
		const struct kfp_id_reg_row *r = &a->id_regs[i];
		const struct kfp_cat_id_reg *c = kfp_cat_find_id_reg_by_id(cat, r->id);
		if (c && kfp_fleet_first_without(fl, c->c.exposed_since))
			continue;
		/* Nothing known about it (REVIDR_EL1, AIDR_EL1, CLIDR_EL1):
		 * writing 0 would only make Firecracker fail on hosts whose
		 * KVM keeps it invariant.  A pinned one is written below. */
		if (!r->nfields) {
			if (!fc_pinned(a, r->id))
				kfp_namelist_add(&fieldless, r->name);
			continue;
		}
		/* Firecracker reads every register it modifies. */
		size_t have = 0, known = 0;
		const char *lacking = NULL;
		for (size_t k = 0; k < fl->nclasses; k++) {
			const struct kfp_host_profile *p = fl->classes[k].p;
			if (!p->nreg_list)
				continue;
			known++;
			if (kfp_profile_has_reg(p, r->id))
				have++;
			else if (!lacking)
				lacking = fl->classes[k].names[0];
		}
		if (known && have == 0) {
			kfp_namelist_add(&absent, r->name);
			continue;
		}
		if (have != known) {
			kfp_vmm_diag(ctx, KFP_SEV_ERROR, fl,
				     "%s is listed by some hosts' KVM_GET_REG_LIST but not by %s: Firecracker refuses a template that modifies a register KVM does not list; split the fleet",
				     r->name, lacking);
			status = -1;
			continue;
		}
		struct fc_arm_reg *o = &regs[n++];
		o->id = r->id;
		o->width = 64;
		/* Bits no catalogued field covers: in the feature ID
		 * registers (op1 0, CRn 0, CRm 1-7) features the policy does
		 * not know, 0; elsewhere (CTR_EL0, whose bit 31 is RES1) the
		 * host's, as the runtime keeps them. */
		const struct kfp_cat_id_reg *cr = kfp_cat_find_id_reg_by_id(cat, r->id);
		bool feature_reg = cr && cr->op0 == 3 && cr->op1 == 0 && cr->crn == 0 &&
				   cr->crm >= 1 && cr->crm <= 7;
		memset(o->bits, feature_reg ? '0' : 'x', sizeof(o->bits));
		for (uint32_t j = 0; j < r->nfields; j++) {
			const struct kfp_id_field_row *f = &r->fields[j];
			switch (f->rule) {
			case KFP_RULE_HOST:
				for (unsigned b = 0; b < f->width && f->shift + b < 64; b++)
					o->bits[f->shift + b] = 'x';
				break;
			case KFP_RULE_AT_MOST: {
				/* min(host, value) has no bitmap: write the
				 * value, which KVM refuses on a host below it. */
				char *s = kfp_xasprintf("%s.%s", r->name, f->name);
				kfp_namelist_add(&at_most, s);
				free(s);
				field_bits(o->bits, f, f->value);
				break;
			}
			case KFP_RULE_VCPU_OFF:
				field_bits(o->bits, f, 0);
				break;
			default:
				field_bits(o->bits, f, f->value);
				break;
			}
		}
	}
	/* The hypercall bitmaps: services on are '1' (KVM refuses a bit the
	 * host does not offer), everything else 0. */
	for (uint32_t i = 0; i < a->nfw_regs; i++) {
		const struct kfp_fw_reg_row *r = &a->fw_regs[i];
		const struct kfp_cat_fw_reg *c = kfp_cat_find_fw_reg_by_id(cat, r->id);
		if (c && kfp_fleet_first_without(fl, c->c.exposed_since))
			continue;
		struct fc_arm_reg *o = &regs[n++];
		o->id = r->id;
		o->width = 64;
		for (unsigned b = 0; b < 64; b++)
			o->bits[b] = r->value >> b & 1 ? '1' : '0';
	}
	/* The pinned registers (the oldest kernel's cache description, the
	 * lowest PSCI version): their whole value, which a kernel that shows
	 * another and cannot take it (before 6.3) refuses, as kfp's runtime
	 * does. */
	for (uint32_t i = 0; i < a->npins; i++) {
		struct fc_arm_reg *o = &regs[n++];
		o->id = a->pins[i].id;
		o->width = (a->pins[i].id >> 52 & 0xf) == 2 ? 32 : 64;
		memset(o->bits, '0', sizeof(o->bits));
		for (unsigned b = 0; b < o->width; b++)
			o->bits[b] = a->pins[i].value >> b & 1 ? '1' : '0';
	}
	qsort(regs, n, sizeof(*regs), fc_arm_cmp);

	if (at_most.n)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl,
			     "without host profiles, '<=' fields are written as their bound, which KVM refuses on a host whose value is lower (kfp's runtime would take the host's value): %s",
			     at_most.s);
	if (absent.n)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl, "no host lists %s: not in the template", absent.s);
	if (fieldless.n)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl,
			     "the catalog describes no fields of %s: not in the template, so they keep the host's value",
			     fieldless.s);
	if (a->unknown == KFP_UNKNOWN_POLICY_DENY || a->fw_unknown == KFP_UNKNOWN_POLICY_DENY)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl,
			     "'unknown deny' becomes 0 in the template: bits no catalogued field or service covers are written as 0 (KVM refuses that on a kernel that cannot change them)");

	if (status == 0) {
		/* KVM_ARM_VCPU_INIT features.  power_off stays 'x':
		 * Firecracker sets it for the secondary vCPUs. */
		char vbits[32];
		memset(vbits, '0', sizeof(vbits));
		for (size_t i = 0; i < fl->nfeats; i++) {
			const struct kfp_feat *f = &fl->feats[i];
			if (f->kind != KFP_FEAT_VCPU)
				continue;
			unsigned bit = ((const struct kfp_cat_vcpu_feature *)f->cat)->bit;
			if (bit < 32)
				vbits[bit] = kfp_feat_exposed(f) ? '1' : '0';
		}
		const struct kfp_cat_vcpu_feature *po = kfp_cat_find_vcpu(cat, "power_off");
		if (po && po->bit < 32)
			vbits[po->bit] = 'x';
		fputs("{\n  \"vcpu_features\": [\n    {\n      \"index\": 0,\n      \"bitmap\": ", out);
		fc_bitmap(out, 32, vbits);
		fputs("\n    }\n  ],\n  \"reg_modifiers\": [", out);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "%s\n    {\n      \"addr\": \"0x%016" PRIx64 "\",\n      \"bitmap\": ",
				i ? "," : "", regs[i].id);
			fc_bitmap(out, regs[i].width, regs[i].bits);
			fputs("\n    }", out);
		}
		fputs(n ? "\n  ]\n}\n" : "]\n}\n", out);
	}
	kfp_namelist_free(&at_most);
	kfp_namelist_free(&absent);
	kfp_namelist_free(&fieldless);
	free(regs);
	return status;
}

int kfp_vmm_firecracker(const struct kfp_policy *pol, const struct kfp_fleet *fl, FILE *out,
			struct kfp_ctx *ctx)
{
	if (kfp_fleet_hyperv(fl)) {
		struct kfp_namelist hv = { 0 };
		for (size_t i = 0; i < fl->nfeats; i++)
			if (fl->feats[i].kind == KFP_FEAT_HYPERV && kfp_feat_exposed(&fl->feats[i]))
				kfp_namelist_add(&hv, fl->feats[i].c->name);
		kfp_vmm_diag(ctx, KFP_SEV_ERROR, fl,
			     "Firecracker has no Hyper-V enlightenments (its templates cannot hold the Hyper-V leaves or KVM's Hyper-V capabilities), and the policy exposes: %s",
			     hv.s);
		kfp_namelist_free(&hv);
		return -1;
	}
	struct kfp_config *cfg = kfp_build_config(pol, fl);
	int st = cfg->x86 ? fc_x86(pol, fl, cfg, out, ctx) : fc_arm64(pol, fl, cfg, out, ctx);
	kfp_config_free(cfg);
	return st;
}
