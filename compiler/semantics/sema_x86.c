/* SPDX-License-Identifier: Apache-2.0 */
/* Semantic analysis for x86_64 fleets: CPUID features, the KVM paravirtual
 * leaf, xsave components, nested VMX controls and feature-MSR bits.  The
 * Hyper-V rules are in sema_hyperv.c, the CPU vendors in
 * sema_x86_vendors.c. */
#include <stdlib.h>
#include <string.h>

#include "compiler/catalog/vmm_names.h"
#include "sema.h"
#include "base/util.h"

/* A bit the VMM owns: every KVM host has it, or those whose KVM has its
 * capability.  A profile without that capability's value (a Firecracker
 * fingerprint records no KVM_CHECK_EXTENSION results) shows what the VMM
 * that dumped it set, after checking the capability itself. */
static int vmm_owned_has(const struct kfp_host_profile *p, const struct kfp_cat_cpuid *c)
{
	if (!c->capability)
		return 1;
	for (size_t i = 0; i < p->ncaps; i++)
		if (p->caps[i].id == c->capability)
			return p->caps[i].value != 0;
	return -1;
}

bool kfp_host_has_feat(const struct kfp_host_profile *p, const struct kfp_feat *f)
{
	const struct kfp_cpuid_entry *e;
	const struct kfp_reg_value *m;

	switch (f->kind) {
	case KFP_FEAT_CPUID: {
		const struct kfp_cat_cpuid *c = f->cat;
		int owned = c->vmm_owned ? vmm_owned_has(p, c) : -1;
		if (owned >= 0)
			return owned;
		e = kfp_profile_cpuid(p, c->leaf, c->subleaf);
		if (!e)
			return false;
		uint32_t regs[4] = { e->eax, e->ebx, e->ecx, e->edx };
		return regs[c->reg] >> c->bit & 1;
	}
	case KFP_FEAT_KVM:
		e = kfp_profile_cpuid(p, 0x40000001, 0);
		return e && (e->eax >> ((const struct kfp_cat_kvm *)f->cat)->bit & 1);
	case KFP_FEAT_XSAVE: {
		const struct kfp_cat_xsave *x = f->cat;
		return ((x->xss ? p->xss : p->xcr0) >> x->bit) & 1;
	}
	case KFP_FEAT_VMX: {
		const struct kfp_cat_vmx *v = f->cat;
		m = kfp_profile_msr(p, v->msr);
		return m && (m->value >> v->bit & 1);
	}
	case KFP_FEAT_MSR_BIT: {
		const struct kfp_cat_msr_bit *b = f->cat;
		m = kfp_profile_msr(p, b->msr->index);
		return m && (m->value >> b->bit & 1);
	}
	case KFP_FEAT_HYPERCALL: {
		const struct kfp_cat_fw_bit *b = f->cat;
		m = kfp_profile_fw_reg(p, b->reg->id);
		return m && (m->value >> b->bit & 1);
	}
	case KFP_FEAT_VCPU:
		return p->vcpu_features >> ((const struct kfp_cat_vcpu_feature *)f->cat)->bit & 1;
	case KFP_FEAT_HYPERV: {
		/* Every bit, in what KVM_GET_SUPPORTED_HV_CPUID reported; a
		 * profile that did not record it has none. */
		const struct kfp_cat_hyperv *h = f->cat;
		for (size_t i = 0; i < h->nbits; i++) {
			e = kfp_profile_hv_cpuid(p, h->bits[i].leaf);
			if (!e)
				return false;
			uint32_t regs[4] = { e->eax, e->ebx, e->ecx, e->edx };
			if (!(regs[h->bits[i].reg] >> h->bits[i].bit & 1))
				return false;
		}
		return true;
	}
	}
	return false;
}

bool kfp_host_shows_feat(const struct kfp_host_profile *p, const void *feat)
{
	return kfp_host_has_feat(p, feat);
}

static bool host_lacks(const struct kfp_host_profile *p, const void *f)
{
	return !kfp_host_has_feat(p, f);
}

static bool host_has(const struct kfp_host_profile *p, const void *f)
{
	return kfp_host_has_feat(p, f);
}

struct walk {
	struct kfp_fleet *fl;
	bool in_fleet;
	enum kfp_domain dom;
	enum kfp_action act;
	const struct kfp_cat_msr *msr;
};

/* The catalog entries of one domain, as commons, for "did you mean". */
static const struct kfp_cat_common **domain_commons(const struct kfp_catalog *cat,
						    enum kfp_domain dom,
						    const struct kfp_cat_msr *msr, size_t *n)
{
	size_t k = 0, total = dom == KFP_DOM_CPUID ? cat->ncpuid : dom == KFP_DOM_KVM ? cat->nkvm :
			     dom == KFP_DOM_XSAVE ? cat->nxsave : dom == KFP_DOM_VMX ? cat->nvmx :
			     dom == KFP_DOM_HYPERV ? cat->nhyperv : msr ? msr->nbits : 0;
	const struct kfp_cat_common **v = kfp_xcalloc(total + 1, sizeof(*v));
	for (size_t i = 0; i < total; i++)
		v[k++] = dom == KFP_DOM_CPUID ? &cat->cpuid[i].c : dom == KFP_DOM_KVM ? &cat->kvm[i].c :
			 dom == KFP_DOM_XSAVE ? &cat->xsave[i].c : dom == KFP_DOM_VMX ? &cat->vmx[i].c :
			 dom == KFP_DOM_HYPERV ? &cat->hyperv[i].c : &msr->bits[i].c;
	*n = k;
	return v;
}

static const char *domain_what(enum kfp_domain dom)
{
	switch (dom) {
	case KFP_DOM_CPUID:
		return "CPUID feature";
	case KFP_DOM_XSAVE:
		return "xsave component";
	case KFP_DOM_KVM:
		return "KVM paravirtual feature";
	case KFP_DOM_VMX:
		return "VMX control";
	case KFP_DOM_HYPERV:
		return "Hyper-V enlightenment";
	case KFP_DOM_MSR:
		break;
	}
	return "bit";
}

static enum kfp_feat_kind domain_kind(enum kfp_domain dom)
{
	switch (dom) {
	case KFP_DOM_CPUID:
		return KFP_FEAT_CPUID;
	case KFP_DOM_XSAVE:
		return KFP_FEAT_XSAVE;
	case KFP_DOM_KVM:
		return KFP_FEAT_KVM;
	case KFP_DOM_VMX:
		return KFP_FEAT_VMX;
	case KFP_DOM_HYPERV:
		return KFP_FEAT_HYPERV;
	case KFP_DOM_MSR:
		break;
	}
	return KFP_FEAT_MSR_BIT;
}

static const void *lookup(const struct kfp_catalog *cat, enum kfp_domain dom,
			  const struct kfp_cat_msr *msr, const char *name,
			  enum kfp_feat_kind *kind)
{
	*kind = domain_kind(dom);
	switch (dom) {
	case KFP_DOM_CPUID:
		return kfp_cat_find_cpuid(cat, name);
	case KFP_DOM_XSAVE:
		return kfp_cat_find_xsave(cat, name);
	case KFP_DOM_KVM:
		return kfp_cat_find_kvm(cat, name);
	case KFP_DOM_VMX:
		return kfp_cat_find_vmx(cat, name);
	case KFP_DOM_HYPERV:
		return kfp_cat_find_hyperv(cat, name);
	case KFP_DOM_MSR:
		return msr ? kfp_cat_find_msr_bit(msr, name) : NULL;
	}
	return NULL;
}

/* The feature among all (of one kind) that QEMU or libvirt spell `name`
 * while kfp names it otherwise (QEMU's 3dnowprefetch is prefetchw); *vmms
 * says whose spelling it is. */
static const struct kfp_cat_common *vmm_spelling(const struct kfp_cat_common *const *all,
						 size_t n, enum kfp_feat_kind kind,
						 const char *name, const char **vmms)
{
	for (size_t i = 0; i < n; i++) {
		char buf[160];
		bool qemu = kfp_vmm_feature_name(KFP_VMM_QEMU, kind, all[i]->name, buf, sizeof(buf)) &&
			    !strcmp(buf, name);
		bool libvirt = kfp_vmm_feature_name(KFP_VMM_LIBVIRT, kind, all[i]->name, buf,
						    sizeof(buf)) && !strcmp(buf, name);
		if (qemu || libvirt) {
			*vmms = qemu && libvirt ? "QEMU's and libvirt's" : qemu ? "QEMU's" : "libvirt's";
			return all[i];
		}
	}
	return NULL;
}

/* A name that is in no list of this domain: "did you mean", naming kfp's
 * name for another tool's spelling, or the statement of the list it is in. */
static void unknown_name(struct sema *s, const struct walk *w, const struct kfp_name *nm)
{
	static const enum kfp_domain lists[] = { KFP_DOM_CPUID, KFP_DOM_XSAVE, KFP_DOM_KVM,
						 KFP_DOM_VMX };
	char *what = w->dom == KFP_DOM_MSR ? kfp_xasprintf("bit of %s", w->msr->c.name)
					   : kfp_xstrdup(domain_what(w->dom));
	/* This domain first, then the other lists. */
	enum kfp_domain order[5] = { w->dom };
	size_t norder = 1;
	for (size_t i = 0; i < 4; i++)
		if (lists[i] != w->dom)
			order[norder++] = lists[i];
	bool reported = false;
	for (size_t i = 0; i < norder && !reported; i++) {
		enum kfp_domain dom = order[i];
		enum kfp_feat_kind kind = domain_kind(dom);
		/* A name of another list as such gets its note in one_name. */
		if (dom != w->dom && lookup(s->cat, dom, NULL, nm->text, &kind))
			continue;
		size_t n;
		const struct kfp_cat_common **all = domain_commons(s->cat, dom, w->msr, &n);
		const char *vmms;
		const struct kfp_cat_common *c = vmm_spelling(all, n, kind, nm->text, &vmms);
		free(all);
		if (!c)
			continue;
		reported = true;
		if (dom == w->dom) {
			kfp_error(s->ctx, &nm->loc, "unknown %s '%s'; did you mean '%s'?", what,
				  nm->text, c->name);
			kfp_note(s->ctx, &nm->loc, "'%s' is %s name for kfp's '%s'", nm->text, vmms,
				 c->name);
		} else {
			kfp_error(s->ctx, &nm->loc, "unknown %s '%s'", what, nm->text);
			kfp_note(s->ctx, &nm->loc, "'%s' is %s name for the %s '%s': write '%s%s%s %s;'",
				 nm->text, vmms, domain_what(dom), c->name, kfp_domain_keyword(dom),
				 dom == KFP_DOM_CPUID ? "" : " ", kfp_action_name(w->act), c->name);
		}
	}
	if (!reported) {
		size_t n;
		const struct kfp_cat_common **all = domain_commons(s->cat, w->dom, w->msr, &n);
		kfp_sema_unknown_name(s, nm, what, all, n);
		free(all);
	}
	free(what);
}

static void one_name(struct sema *s, const struct kfp_name *nm, const struct kfp_loc *use,
		     void *arg)
{
	struct walk *w = arg;
	enum kfp_feat_kind kind;
	const void *cat = lookup(s->cat, w->dom, w->msr, nm->text, &kind);

	if (!cat) {
		unknown_name(s, w, nm);
		/* The name may belong to another list. */
		static const enum kfp_domain others[] = { KFP_DOM_CPUID, KFP_DOM_XSAVE,
							  KFP_DOM_KVM, KFP_DOM_VMX,
							  KFP_DOM_HYPERV };
		for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
			enum kfp_feat_kind k2;
			if (others[i] == w->dom || !lookup(s->cat, others[i], NULL, nm->text, &k2))
				continue;
			kfp_note(s->ctx, &nm->loc, "'%s' is a %s: write '%s%s%s %s;'", nm->text,
				 domain_what(others[i]), kfp_domain_keyword(others[i]),
				 others[i] == KFP_DOM_CPUID ? "" : " ", kfp_action_name(w->act),
				 nm->text);
			break;
		}
		return;
	}
	kfp_sema_decide(s, w->fl, kfp_fleet_feat(w->fl, kind, cat), w->act, use, w->in_fleet);
}

/* `xsave deny;`, `kvm deny;`, `vmx deny;`, `hyperv deny;`, `msr X { deny; }`: the whole list. */
static void deny_all(struct sema *s, struct walk *w, const struct kfp_loc *loc)
{
	for (size_t i = 0; i < w->fl->nfeats; i++) {
		struct kfp_feat *f = &w->fl->feats[i];
		bool match = (w->dom == KFP_DOM_XSAVE && f->kind == KFP_FEAT_XSAVE) ||
			     (w->dom == KFP_DOM_KVM && f->kind == KFP_FEAT_KVM) ||
			     (w->dom == KFP_DOM_VMX && f->kind == KFP_FEAT_VMX) ||
			     (w->dom == KFP_DOM_HYPERV && f->kind == KFP_FEAT_HYPERV) ||
			     (w->dom == KFP_DOM_MSR && f->kind == KFP_FEAT_MSR_BIT &&
			      ((const struct kfp_cat_msr_bit *)f->cat)->msr == w->msr);
		/* Denying everything does not conflict with an earlier
		 * allow in the same scope: it is meant for fleets. */
		if (match && !(f->mentioned && !w->in_fleet && f->action != KFP_ACT_DENY))
			kfp_sema_decide(s, w->fl, f, KFP_ACT_DENY, loc, w->in_fleet);
	}
}

static void raw_cpuid(struct sema *s, struct kfp_fleet *fl, const struct kfp_node *n,
		      bool in_fleet)
{
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	enum kfp_cpuid_reg reg = KFP_EAX;
	for (int i = 0; i < 4; i++)
		if (!strcmp(n->u.cpuid.reg, regs[i]))
			reg = (enum kfp_cpuid_reg)i;
	struct kfp_raw_cpuid r = {
		.leaf = (uint32_t)n->u.cpuid.leaf.value,
		.subleaf = (uint32_t)n->u.cpuid.subleaf.value,
		.reg = reg,
		.bit = (uint8_t)n->u.cpuid.bit.value,
		.value = (uint8_t)n->u.cpuid.value.value,
		.loc = n->loc,
	};
	const struct kfp_cat_cpuid *c = kfp_cat_cpuid_at(s->cat, r.leaf, r.subleaf, reg, r.bit);
	if (c) {
		/* A named bit is decided like its name, so it cannot escape the
		 * dependency and kernel checks. */
		kfp_warning(s->ctx, &n->loc, "this bit is the CPUID feature '%s'; write '%s %s;'",
			    c->c.name, r.value ? "allow" : "deny", c->c.name);
		kfp_sema_decide(s, fl, kfp_fleet_feat(fl, KFP_FEAT_CPUID, c),
				r.value ? KFP_ACT_ALLOW : KFP_ACT_DENY, &n->loc, in_fleet);
		return;
	}
	for (size_t i = 0; i < fl->nraw; i++) {
		struct kfp_raw_cpuid *o = &fl->raw[i];
		if (o->leaf == r.leaf && o->subleaf == r.subleaf && o->reg == r.reg &&
		    o->bit == r.bit) {
			if (o->value != r.value && !in_fleet) {
				kfp_error(s->ctx, &n->loc, "this bit is set to %u and to %u", r.value,
					  o->value);
				kfp_note(s->ctx, &o->loc, "it is set to %u here", o->value);
			}
			if (in_fleet && r.value && !o->value) {
				kfp_error(s->ctx, &n->loc,
					  "a fleet section can only narrow the common section, which sets this bit to 0");
				kfp_note(s->ctx, &o->loc, "it is set to 0 here");
			}
			o->value = r.value;
			o->loc = r.loc;
			return;
		}
	}
	if (in_fleet && r.value) {
		kfp_error(s->ctx, &n->loc,
			  "a fleet section can only narrow the common section, which does not set this bit");
		return;
	}
	KFP_VEC_PUSH(fl->raw, fl->nraw, fl->raw_cap, r);
}

static void section(struct sema *s, struct kfp_fleet *fl, const struct kfp_node *sec,
		    bool in_fleet)
{
	for (const struct kfp_node *n = sec->children; n; n = n->next) {
		struct walk w = { .fl = fl, .in_fleet = in_fleet };
		switch (n->kind) {
		case KFP_N_FEATURES:
			w.dom = n->u.features.domain;
			w.act = n->u.features.action;
			if (n->u.features.names.n == 0)
				deny_all(s, &w, &n->loc);
			else
				kfp_sema_expand(s, &n->u.features.names, one_name, &w, NULL, 0);
			break;
		case KFP_N_MSR:
			w.dom = KFP_DOM_MSR;
			w.msr = kfp_cat_find_msr(s->cat, n->name);
			if (!w.msr) {
				size_t cnt = s->cat->nmsrs;
				const struct kfp_cat_common **all = kfp_xcalloc(cnt + 1, sizeof(*all));
				for (size_t i = 0; i < cnt; i++)
					all[i] = &s->cat->msrs[i].c;
				struct kfp_name nm = { .text = n->name, .loc = n->name_loc };
				kfp_sema_unknown_name(s, &nm, "MSR", all, cnt);
				free(all);
				break;
			}
			for (const struct kfp_node *k = n->children; k; k = k->next) {
				w.act = k->u.features.action;
				if (k->u.features.names.n == 0)
					deny_all(s, &w, &k->loc);
				else
					kfp_sema_expand(s, &k->u.features.names, one_name, &w, NULL, 0);
			}
			break;
		case KFP_N_CPUID:
			raw_cpuid(s, fl, n, in_fleet);
			break;
		case KFP_N_UNKNOWN:
			fl->unknown = n->u.unknown.rule;
			break;
		default:
			break; /* arm64 statements were reported by the structure pass */
		}
	}
}

static bool kvm_supported(const struct kfp_feat *f)
{
	if (f->kind == KFP_FEAT_XSAVE)
		return ((const struct kfp_cat_xsave *)f->cat)->kvm_supported;
	if (f->kind == KFP_FEAT_MSR_BIT)
		return ((const struct kfp_cat_msr_bit *)f->cat)->kvm_supported;
	return true;
}

/* The features a feature needs, as kfp_feats (NULL-terminated, malloc'd). */
static struct kfp_feat **needs_of(struct sema *s, struct kfp_fleet *fl, const struct kfp_feat *f)
{
	size_t n = 0, cap = 8;
	struct kfp_feat **v = kfp_xcalloc(cap, sizeof(*v));
	if (f->kind == KFP_FEAT_CPUID) {
		const struct kfp_cat_cpuid *c = f->cat;
		for (size_t i = 0; c->requires[i]; i++)
			KFP_VEC_PUSH(v, n, cap, kfp_fleet_feat(fl, KFP_FEAT_CPUID, c->requires[i]));
		for (size_t i = 0; c->requires_xsave[i]; i++)
			KFP_VEC_PUSH(v, n, cap,
				     kfp_fleet_feat(fl, KFP_FEAT_XSAVE, c->requires_xsave[i]));
	} else if (f->kind == KFP_FEAT_VMX) {
		const struct kfp_cat_cpuid *vmx = kfp_cat_find_cpuid(s->cat, "vmx");
		if (vmx)
			KFP_VEC_PUSH(v, n, cap, kfp_fleet_feat(fl, KFP_FEAT_CPUID, vmx));
	} else if (f->kind == KFP_FEAT_KVM) {
		/* A guest looks for the KVM leaves only when the hypervisor
		 * bit is set (Linux: hypervisor_cpuid_base()). */
		const struct kfp_cat_cpuid *hv = kfp_cat_find_cpuid(s->cat, "hypervisor");
		if (hv)
			KFP_VEC_PUSH(v, n, cap, kfp_fleet_feat(fl, KFP_FEAT_CPUID, hv));
	} else if (f->kind == KFP_FEAT_HYPERV) {
		const struct kfp_cat_hyperv *h = f->cat;
		for (size_t i = 0; h->requires[i]; i++)
			KFP_VEC_PUSH(v, n, cap, kfp_fleet_feat(fl, KFP_FEAT_HYPERV, h->requires[i]));
	}
	KFP_VEC_PUSH(v, n, cap, NULL);
	return v;
}

static const char *add_hint(const struct kfp_feat *d)
{
	switch (d->kind) {
	case KFP_FEAT_XSAVE:
		return "xsave allow";
	case KFP_FEAT_KVM:
		return "kvm allow";
	case KFP_FEAT_VMX:
		return "vmx allow";
	case KFP_FEAT_HYPERV:
		return "hyperv allow";
	default:
		return "allow";
	}
}

/* "'f' needs CPUID feature 'a' and xsave components 'x', 'y', which are not
 * allowed", with a note at each one that is denied.  d is in needs_of()
 * order, so each kind is one run. */
static void refused_error(struct sema *s, const struct kfp_feat *f, struct kfp_feat *const *d,
			  size_t n)
{
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	for (size_t k = 0; k < n;) {
		size_t run = 1;
		while (k + run < n && d[k + run]->kind == d[k]->kind)
			run++;
		fprintf(mem, "%s%s%s", k ? " and " : "", kfp_feat_kind_name(d[k]->kind),
			run > 1 ? "s" : "");
		for (size_t j = 0; j < run; j++)
			fprintf(mem, "%s'%s'", j ? ", " : " ", d[k + j]->c->name);
		k += run;
	}
	fclose(mem);
	kfp_error(s->ctx, &f->loc, "'%s' needs %s, which %s not allowed", f->c->name, text,
		  n > 1 ? "are" : "is");
	for (size_t k = 0; k < n; k++)
		if (d[k]->verdict == KFP_V_DENIED)
			kfp_note(s->ctx, &d[k]->loc, "'%s' is denied here", d[k]->c->name);
	free(text);
}

/* The dependencies the policy does not allow, collected over the whole
 * fleet (and over what they need in turn) for one fix-it note. */
struct missing {
	struct kfp_feat **v;
	size_t n, cap;
};

static void add_missing(struct sema *s, struct kfp_fleet *fl, struct missing *m,
			struct kfp_feat *d)
{
	if (d->verdict != KFP_V_DEFAULT_DENY)
		return;
	for (size_t i = 0; i < m->n; i++)
		if (m->v[i] == d)
			return;
	KFP_VEC_PUSH(m->v, m->n, m->cap, d);
	/* Allowing d alone would only bring the next error. */
	struct kfp_feat **deps = needs_of(s, fl, d);
	for (size_t k = 0; deps[k]; k++)
		add_missing(s, fl, m, deps[k]);
	free(deps);
}

/* "add 'allow a b;' and 'xsave allow c;' to this section". */
static void missing_note(struct sema *s, const struct kfp_fleet *fl, const struct missing *m)
{
	static const enum kfp_feat_kind kinds[] = { KFP_FEAT_CPUID, KFP_FEAT_KVM,
						    KFP_FEAT_XSAVE, KFP_FEAT_VMX, KFP_FEAT_HYPERV };
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	unsigned stmts = 0;
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		bool first = true;
		for (size_t i = 0; i < m->n; i++) {
			if (m->v[i]->kind != kinds[k])
				continue;
			if (first)
				fprintf(mem, "%s'%s", stmts++ ? " and " : "", add_hint(m->v[i]));
			fprintf(mem, " %s", m->v[i]->c->name);
			first = false;
		}
		if (!first)
			fputs(";'", mem);
	}
	fclose(mem);
	kfp_note(s->ctx, &fl->section_loc, "add %s to this section", text);
	free(text);
}

/* Drops features whose dependencies are not exposed, until nothing changes.
 * A dependency the policy does not allow is an error (every one of them,
 * and one note that says what to add); one that hosts lack only drops the
 * dependent feature (an error if it is required). */
static void resolve_dependencies(struct sema *s, struct kfp_fleet *fl)
{
	struct missing missing = { 0 };
	bool changed = true, kvm_reported = false;
	while (changed) {
		changed = false;
		for (size_t i = 0; i < fl->nfeats; i++) {
			struct kfp_feat *f = &fl->feats[i];
			if (f->verdict != KFP_V_EXPOSED)
				continue;
			struct kfp_feat **deps = needs_of(s, fl, f);
			struct kfp_feat **refused = NULL;
			size_t nrefused = 0, refused_cap = 0;
			for (size_t k = 0; deps[k]; k++) {
				struct kfp_feat *d = deps[k];
				if (d->verdict == KFP_V_EXPOSED)
					continue;
				if (f->verdict == KFP_V_EXPOSED) {
					f->verdict = KFP_V_NEEDS;
					f->needs = d;
					changed = true;
				}
				if (d->verdict == KFP_V_DEFAULT_DENY || d->verdict == KFP_V_DENIED)
					KFP_VEC_PUSH(refused, nrefused, refused_cap, d);
			}
			free(deps);
			if (nrefused && f->kind == KFP_FEAT_KVM) {
				/* Every KVM feature needs the hypervisor bit: one
				 * error for all of them, saying why. */
				if (!kvm_reported) {
					kfp_error(s->ctx, &f->loc,
						  "'%s' needs %s '%s', which is not allowed: a guest looks for the KVM leaves at 0x40000000 only when the hypervisor bit is set",
						  f->c->name, kfp_feat_kind_name(refused[0]->kind),
						  refused[0]->c->name);
					if (refused[0]->verdict == KFP_V_DENIED)
						kfp_note(s->ctx, &refused[0]->loc, "'%s' is denied here",
							 refused[0]->c->name);
				}
				kvm_reported = true;
			} else if (nrefused) {
				refused_error(s, f, refused, nrefused);
			} else if (f->verdict == KFP_V_NEEDS && f->action == KFP_ACT_REQUIRE) {
				kfp_error(s->ctx, &f->loc,
					  "required '%s' needs '%s', which some hosts of fleet \"%s\" lack",
					  f->c->name, f->needs->c->name, fl->name);
			}
			for (size_t k = 0; k < nrefused; k++)
				add_missing(s, fl, &missing, refused[k]);
			free(refused);
		}
	}
	if (missing.n)
		missing_note(s, fl, &missing);
	free(missing.v);
}

/* Nothing may be exposed that an older fleet kernel does not show: a VM
 * that saw it on a newer kernel would lose it when rolled back. */
void kfp_sema_allow_rule(struct sema *s, struct kfp_fleet *fl, struct kfp_feat *f)
{
	char a[16], b[16];

	if (!kvm_supported(f)) {
		kfp_error(s->ctx, &f->loc, "KVM never shows the %s '%s' to guests",
			  kfp_feat_kind_name(f->kind), f->c->name);
		f->verdict = KFP_V_DENIED;
		return;
	}
	struct kfp_shown sh;
	kfp_kv k = kfp_fleet_first_without_shown(fl, f->c->exposed_since, kfp_host_shows_feat, f, &sh);
	if (sh.host && !k && kfp_fleet_first_without(fl, f->c->exposed_since))
		kfp_note(s->ctx, &f->loc,
			 "host %s (kernel %s) shows '%s', which the catalog dates from %s: what the fleet's hosts show wins for their kernel %s",
			 sh.host, sh.release, f->c->name, kfp_kv_str(f->c->exposed_since, a),
			 kfp_kv_str(sh.since, b));
	if (!k)
		return;
	if (f->c->exposed_since == KFP_KV_NEVER)
		kfp_error(s->ctx, &f->loc, "no kernel the catalog describes shows '%s' to guests",
			  f->c->name);
	else
		kfp_error(s->ctx, &f->loc,
			  "'%s' is shown by KVM only from %s, but fleet \"%s\" must roll back to %s: a VM that uses it would lose it",
			  f->c->name, kfp_kv_str(f->c->exposed_since, a), fl->name,
			  kfp_kv_str(k, b));
	kfp_note(s->ctx, fl->kernels ? &fl->kernels_loc : &fl->min_loc,
		 "the fleet's kernels are set here");
	f->verdict = KFP_V_DENIED;
}

/* Nothing may be hidden that a fleet kernel shows but cannot hide.  Only
 * matters when some host has it, or when no host profiles say otherwise. */
void kfp_sema_hide_rule(struct sema *s, struct kfp_fleet *fl, const struct kfp_feat *f)
{
	char a[16], b[16];
	struct kfp_shown sh;
	kfp_kv k = kfp_fleet_first_unhideable_shown(fl, f->c->exposed_since, f->c->hideable_since,
						    kfp_host_shows_feat, f, &sh);
	if (!k)
		return;
	uint32_t having = 0;
	char *hosts = NULL;
	if (fl->nclasses) {
		hosts = kfp_hosts_phrase(fl, host_has, f, &having);
		if (!having) {
			free(hosts);
			return;
		}
	}
	kfp_error(s->ctx, f->mentioned ? &f->loc : &fl->section_loc,
		  "%s'%s' must be hidden, but kernel %s shows it and can hide it only from %s%s%s",
		  f->mentioned ? "" : "by default deny, ", f->c->name, kfp_kv_str(k, a),
		  kfp_kv_str(f->c->hideable_since, b), hosts ? "; hosts that have it: " : "",
		  hosts ? hosts : "");
	kfp_note(s->ctx, fl->kernels ? &fl->kernels_loc : &fl->min_loc,
		 "the fleet's kernels are set here");
	free(hosts);
}

void kfp_sema_x86(struct sema *s, struct kfp_fleet *fl)
{
	kfp_sema_sections(s, fl, section, NULL);

	for (size_t i = 0; i < fl->nfeats; i++) {
		struct kfp_feat *f = &fl->feats[i];
		f->verdict = !f->mentioned ? KFP_V_DEFAULT_DENY :
			     f->action == KFP_ACT_DENY ? KFP_V_DENIED : KFP_V_EXPOSED;
	}
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].verdict == KFP_V_EXPOSED)
			kfp_sema_allow_rule(s, fl, &fl->feats[i]);

	/* Fleet inventory: exposed only if every host has it. */
	if (fl->nclasses) {
		for (size_t i = 0; i < fl->nfeats; i++) {
			struct kfp_feat *f = &fl->feats[i];
			if (f->verdict != KFP_V_EXPOSED)
				continue;
			char *hosts = kfp_hosts_phrase(fl, host_lacks, f, &f->nlacking);
			f->nhaving = (uint32_t)fl->nhosts - f->nlacking;
			if (f->nlacking) {
				f->verdict = KFP_V_LACKING;
				for (size_t c = 0; c < fl->nclasses && !f->lacking_host; c++)
					if (!kfp_host_has_feat(fl->classes[c].p, f))
						f->lacking_host = fl->classes[c].names[0];
				if (f->action == KFP_ACT_REQUIRE) {
					kfp_error(s->ctx, &f->loc,
						  "'%s' is required, but %u of %zu hosts of fleet \"%s\" lack it: %s",
						  f->c->name, f->nlacking, fl->nhosts, fl->name, hosts);
					kfp_note(s->ctx, &fl->hosts_loc, "the fleet's hosts are listed here");
				}
			}
			free(hosts);
		}
		/* A raw `= 1` sets the bit whatever the host has (as a
		 * Firecracker template's '1' does); dump names a host that
		 * lacks it. */
		for (size_t r = 0; r < fl->nraw; r++) {
			struct kfp_raw_cpuid *raw = &fl->raw[r];
			raw->exposed = raw->value;
			for (size_t c = 0; c < fl->nclasses && raw->value && !raw->lacking_host; c++) {
				const struct kfp_cpuid_entry *e =
					kfp_profile_cpuid(fl->classes[c].p, raw->leaf, raw->subleaf);
				uint32_t regs[4] = { 0 };
				if (e) {
					regs[0] = e->eax;
					regs[1] = e->ebx;
					regs[2] = e->ecx;
					regs[3] = e->edx;
				}
				if (!(regs[raw->reg] >> raw->bit & 1))
					raw->lacking_host = fl->classes[c].names[0];
			}
		}
	} else {
		for (size_t r = 0; r < fl->nraw; r++)
			fl->raw[r].exposed = fl->raw[r].value;
	}
	resolve_dependencies(s, fl);
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].verdict != KFP_V_EXPOSED)
			kfp_sema_hide_rule(s, fl, &fl->feats[i]);
	kfp_sema_hyperv_rules(s, fl);
}
