/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86_64 catalog file: CPUID features, KVM paravirtual features, xsave
 * components, VMX controls, feature MSRs, and the Hyper-V enlightenments
 * with the eVMCS filters.  Unknown keys, missing keys, duplicate names and
 * dangling references are errors, so a typo in the data cannot silently
 * drop a feature.
 */
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "base/util.h"

static bool reg_from(struct loader *ld, yaml_node_t *n, enum kfp_cpuid_reg *out)
{
	const char *s = ld_scalar(n);
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, kfp_cpuid_reg_name((enum kfp_cpuid_reg)i))) {
			*out = (enum kfp_cpuid_reg)i;
			return true;
		}
	return ld_fail(ld, n, "expected eax, ebx, ecx or edx");
}

bool kfp_cat_load_x86(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat)
{
	static const char *const cpuid_keys[] = { "name", "aliases", "leaf", "subleaf",
		"reg", "bit", "exposed_since", "hideable_since", "requires",
		"requires_xsave", "vmm_owned", "capability", "leaves", "source", NULL };
	static const char *const kvm_keys[] = { "name", "aliases", "bit", "exposed_since",
		"hideable_since", "source", NULL };
	static const char *const xsave_keys[] = { "name", "aliases", "bit", "register",
		"requires", "kvm_supported", "exposed_since", "hideable_since", "source", NULL };
	static const char *const vmx_keys[] = { "name", "aliases", "msr", "msr_name", "bit",
		"exposed_since", "hideable_since", "source", NULL };
	static const char *const msr_keys[] = { "name", "aliases", "index", "exposed_since",
		"source", "bits", NULL };
	static const char *const bit_keys[] = { "name", "aliases", "bit", "exposed_since",
		"hideable_since", "kvm_supported", "source", NULL };
	uint64_t v;

	yaml_node_t *seq = ld_need_seq(ld, root, "cpuid_features", false);
	cat->ncpuid = ld_seq_len(seq);
	cat->cpuid = ld_alloc(ld, cat->ncpuid, sizeof(*cat->cpuid));
	for (size_t i = 0; i < cat->ncpuid; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		struct kfp_cat_cpuid *f = &cat->cpuid[i];
		if (!ld_check_keys(ld, m, cpuid_keys) || !ld_common(ld, m, &f->c, true))
			return false;
		if (!ld_get_u64(ld, m, "leaf", UINT32_MAX, &v))
			return false;
		f->leaf = (uint32_t)v;
		v = 0;
		if (ld_get(ld, m, "subleaf") && !ld_get_u64(ld, m, "subleaf", UINT32_MAX, &v))
			return false;
		f->subleaf = (uint32_t)v;
		if (!reg_from(ld, ld_need(ld, m, "reg"), &f->reg) ||
		    !ld_get_u64(ld, m, "bit", 31, &v))
			return false;
		f->bit = (uint8_t)v;
		v = 0;
		if (!ld_get_bool(ld, m, "vmm_owned", false, &f->vmm_owned) ||
		    (ld_get(ld, m, "capability") && !ld_get_u64(ld, m, "capability", UINT32_MAX, &v)))
			return false;
		f->capability = (uint32_t)v;
		if (f->capability && !f->vmm_owned)
			return ld_fail(ld, ld_get(ld, m, "capability"),
				       "'capability' is only for vmm_owned features");
		yaml_node_t *lv = ld_need_seq(ld, m, "leaves", true);
		f->nleaves = ld_seq_len(lv);
		uint32_t *leaves = ld_alloc(ld, f->nleaves + 1, sizeof(*leaves));
		for (size_t k = 0; k < f->nleaves; k++) {
			yaml_node_t *e = ld_seq_at(ld, lv, k);
			if (!ld_to_u64(ld, e, UINT32_MAX, &v))
				return false;
			if (v == 0xd || v == f->leaf)
				return ld_fail(ld, e, "leaf 0x%llx describes more than '%s'", (unsigned long long)v,
					       f->c.name);
			leaves[k] = (uint32_t)v;
		}
		f->leaves = leaves;
	}
	CHECK_UNIQUE(ld, seq, "CPUID feature", cat->cpuid, cat->ncpuid);
	for (size_t i = 0; i < cat->ncpuid; i++)
		for (size_t j = i + 1; j < cat->ncpuid; j++) {
			const struct kfp_cat_cpuid *a = &cat->cpuid[i], *b = &cat->cpuid[j];
			if (a->leaf == b->leaf && a->subleaf == b->subleaf &&
			    a->reg == b->reg && a->bit == b->bit)
				return ld_fail(ld, ld_seq_at(ld, seq, j),
					       "'%s' and '%s' name the same CPUID bit",
					       a->c.name, b->c.name);
		}

	seq = ld_need_seq(ld, root, "kvm_features", false);
	cat->nkvm = ld_seq_len(seq);
	cat->kvm = ld_alloc(ld, cat->nkvm, sizeof(*cat->kvm));
	for (size_t i = 0; i < cat->nkvm; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		if (!ld_check_keys(ld, m, kvm_keys) || !ld_common(ld, m, &cat->kvm[i].c, true) ||
		    !ld_get_u64(ld, m, "bit", 31, &v))
			return false;
		cat->kvm[i].bit = (uint8_t)v;
	}
	CHECK_UNIQUE(ld, seq, "KVM feature", cat->kvm, cat->nkvm);

	seq = ld_need_seq(ld, root, "xsave_components", false);
	cat->nxsave = ld_seq_len(seq);
	cat->xsave = ld_alloc(ld, cat->nxsave, sizeof(*cat->xsave));
	for (size_t i = 0; i < cat->nxsave; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		struct kfp_cat_xsave *x = &cat->xsave[i];
		if (!ld_check_keys(ld, m, xsave_keys) || !ld_common(ld, m, &x->c, true) ||
		    !ld_get_u64(ld, m, "bit", 63, &v) ||
		    !ld_get_bool(ld, m, "kvm_supported", true, &x->kvm_supported))
			return false;
		x->bit = (uint8_t)v;
		const char *r = ld_scalar(ld_need(ld, m, "register"));
		if (!r || (strcmp(r, "xcr0") && strcmp(r, "xss")))
			return ld_fail(ld, ld_get(ld, m, "register"), "register must be xcr0 or xss");
		x->xss = !strcmp(r, "xss");
	}
	CHECK_UNIQUE(ld, seq, "xsave component", cat->xsave, cat->nxsave);

	seq = ld_need_seq(ld, root, "vmx_controls", false);
	cat->nvmx = ld_seq_len(seq);
	cat->vmx = ld_alloc(ld, cat->nvmx, sizeof(*cat->vmx));
	for (size_t i = 0; i < cat->nvmx; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		struct kfp_cat_vmx *x = &cat->vmx[i];
		if (!ld_check_keys(ld, m, vmx_keys) || !ld_common(ld, m, &x->c, true) ||
		    !ld_get_u64(ld, m, "msr", UINT32_MAX, &v))
			return false;
		x->msr = (uint32_t)v;
		x->msr_name = ld_get_str(ld, m, "msr_name");
		if (!ld_get_u64(ld, m, "bit", 63, &v))
			return false;
		x->bit = (uint8_t)v;
	}
	CHECK_UNIQUE(ld, seq, "VMX control", cat->vmx, cat->nvmx);

	seq = ld_need_seq(ld, root, "msrs", false);
	cat->nmsrs = ld_seq_len(seq);
	cat->msrs = ld_alloc(ld, cat->nmsrs, sizeof(*cat->msrs));
	for (size_t i = 0; i < cat->nmsrs; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		struct kfp_cat_msr *msr = &cat->msrs[i];
		if (!ld_check_keys(ld, m, msr_keys) || !ld_common(ld, m, &msr->c, false) ||
		    !ld_get_u64(ld, m, "index", UINT32_MAX, &v))
			return false;
		msr->index = (uint32_t)v;
		yaml_node_t *bits = ld_need_seq(ld, m, "bits", false);
		msr->nbits = ld_seq_len(bits);
		msr->bits = ld_alloc(ld, msr->nbits, sizeof(*msr->bits));
		for (size_t j = 0; j < msr->nbits; j++) {
			yaml_node_t *b = ld_seq_at(ld, bits, j);
			struct kfp_cat_msr_bit *mb = &msr->bits[j];
			if (!ld_check_keys(ld, b, bit_keys) || !ld_common(ld, b, &mb->c, true) ||
			    !ld_get_u64(ld, b, "bit", 63, &v) ||
			    !ld_get_bool(ld, b, "kvm_supported", true, &mb->kvm_supported))
				return false;
			mb->bit = (uint8_t)v;
			mb->msr = msr;
		}
		CHECK_UNIQUE(ld, bits, "MSR bit", msr->bits, msr->nbits);
	}
	CHECK_UNIQUE(ld, seq, "MSR", cat->msrs, cat->nmsrs);

	/* Dependencies, now that every name is known. */
	seq = ld_get(ld, root, "cpuid_features");
	for (size_t i = 0; i < cat->ncpuid; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		const char **req = ld_get_names(ld, m, "requires");
		const char **reqx = ld_get_names(ld, m, "requires_xsave");
		size_t n = 0, nx = 0;
		while (req[n])
			n++;
		while (reqx[nx])
			nx++;
		cat->cpuid[i].requires = ld_alloc(ld, n + 1, sizeof(void *));
		cat->cpuid[i].requires_xsave = ld_alloc(ld, nx + 1, sizeof(void *));
		for (size_t k = 0; k < n; k++)
			if (!(cat->cpuid[i].requires[k] = kfp_cat_find_cpuid(cat, req[k])))
				return ld_fail(ld, ld_get(ld, m, "requires"),
					       "'%s' requires '%s', which is not in the catalog",
					       cat->cpuid[i].c.name, req[k]);
		for (size_t k = 0; k < nx; k++)
			if (!(cat->cpuid[i].requires_xsave[k] = kfp_cat_find_xsave(cat, reqx[k])))
				return ld_fail(ld, ld_get(ld, m, "requires_xsave"),
					       "'%s' requires xsave component '%s', which is not in the catalog",
					       cat->cpuid[i].c.name, reqx[k]);
	}
	seq = ld_get(ld, root, "xsave_components");
	for (size_t i = 0; i < cat->nxsave; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		const char **req = ld_get_names(ld, m, "requires");
		size_t n = 0;
		while (req[n])
			n++;
		cat->xsave[i].requires = ld_alloc(ld, n + 1, sizeof(void *));
		for (size_t k = 0; k < n; k++)
			if (!(cat->xsave[i].requires[k] = kfp_cat_find_cpuid(cat, req[k])))
				return ld_fail(ld, ld_get(ld, m, "requires"),
					       "xsave component '%s' requires '%s', which is not in the catalog",
					       cat->xsave[i].c.name, req[k]);
	}
	return !ld->failed;
}

static bool hv_bit(struct loader *ld, yaml_node_t *m, struct kfp_cat_hv_bit *b)
{
	static const char *const keys[] = { "leaf", "reg", "bit", "define", NULL };
	uint64_t v;
	if (!m || m->type != YAML_MAPPING_NODE)
		return ld_fail(ld, m, "expected {leaf, reg, bit, define}");
	if (!ld_check_keys(ld, m, keys) || !ld_get_u64(ld, m, "leaf", UINT32_MAX, &v))
		return false;
	b->leaf = (uint32_t)v;
	if ((b->leaf & ~0xffu) != 0x40000000u)
		return ld_fail(ld, ld_get(ld, m, "leaf"), "Hyper-V leaves are 0x40000000-0x400000ff");
	if (!reg_from(ld, ld_need(ld, m, "reg"), &b->reg) || !ld_get_u64(ld, m, "bit", 31, &v))
		return false;
	b->bit = (uint8_t)v;
	b->define = ld_get_str(ld, m, "define");
	return !ld->failed;
}

/* Hyper-V enlightenments and the eVMCS filters; optional, so that a catalog
 * without them (fuzz corpora, older files) still loads. */
bool kfp_cat_load_hyperv(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat)
{
	static const char *const top_keys[] = { "enforce_cpuid_since", "enforce_cpuid_source",
		"hypercall_bit", NULL };
	static const char *const hv_keys[] = { "name", "aliases", "bits", "requires",
		"exposed_since", "source", NULL };
	static const char *const filter_keys[] = { "control", "filtered_since",
		"filtered_until", "source", NULL };

	yaml_node_t *top = ld_get(ld, root, "hyperv");
	cat->hv_enforce_since = KFP_KV_NEVER;
	if (top) {
		if (!ld_check_keys(ld, top, top_keys) ||
		    !ld_get_kv(ld, top, "enforce_cpuid_since", false, 0, &cat->hv_enforce_since) ||
		    !(cat->hv_enforce_source = ld_get_str(ld, top, "enforce_cpuid_source")) ||
		    !hv_bit(ld, ld_need(ld, top, "hypercall_bit"), &cat->hv_hypercall))
			return false;
	}
	yaml_node_t *seq = ld_need_seq(ld, root, "hyperv_features", true);
	if (seq && !top)
		return ld_fail(ld, seq, "hyperv_features needs the 'hyperv' mapping");
	cat->nhyperv = ld_seq_len(seq);
	cat->hyperv = ld_alloc(ld, cat->nhyperv, sizeof(*cat->hyperv));
	for (size_t i = 0; i < cat->nhyperv; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		struct kfp_cat_hyperv *h = &cat->hyperv[i];
		if (!ld_check_keys(ld, m, hv_keys) || !ld_common(ld, m, &h->c, false))
			return false;
		yaml_node_t *bits = ld_need_seq(ld, m, "bits", false);
		h->nbits = ld_seq_len(bits);
		if (!h->nbits)
			return ld_fail(ld, m, "'%s' has no CPUID bits", h->c.name);
		h->bits = ld_alloc(ld, h->nbits, sizeof(*h->bits));
		for (size_t b = 0; b < h->nbits; b++)
			if (!hv_bit(ld, ld_seq_at(ld, bits, b), &h->bits[b]))
				return false;
	}
	CHECK_UNIQUE(ld, seq, "Hyper-V enlightenment", cat->hyperv, cat->nhyperv);
	for (size_t i = 0; i < cat->nhyperv; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		const char **req = ld_get_names(ld, m, "requires");
		size_t n = 0;
		while (req[n])
			n++;
		cat->hyperv[i].requires = ld_alloc(ld, n + 1, sizeof(void *));
		for (size_t k = 0; k < n; k++)
			if (!(cat->hyperv[i].requires[k] = kfp_cat_find_hyperv(cat, req[k])))
				return ld_fail(ld, ld_get(ld, m, "requires"),
					       "'%s' requires '%s', which is not in the catalog",
					       cat->hyperv[i].c.name, req[k]);
	}

	seq = ld_need_seq(ld, root, "evmcs_filters", true);
	cat->nevmcs = ld_seq_len(seq);
	cat->evmcs = ld_alloc(ld, cat->nevmcs, sizeof(*cat->evmcs));
	for (size_t i = 0; i < cat->nevmcs; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		struct kfp_cat_evmcs_filter *f = &cat->evmcs[i];
		if (!ld_check_keys(ld, m, filter_keys))
			return false;
		const char *name = ld_scalar(ld_need(ld, m, "control"));
		if (!name)
			return ld_fail(ld, m, "expected a VMX control name");
		if (!(f->control = kfp_cat_find_vmx(cat, name)))
			return ld_fail(ld, ld_get(ld, m, "control"), "'%s' is not a VMX control of the catalog",
				       name);
		if (!ld_get_kv(ld, m, "filtered_since", false, 0, &f->since) ||
		    !ld_get_kv(ld, m, "filtered_until", false, 0, &f->until) ||
		    !(f->source = ld_get_str(ld, m, "source")))
			return false;
		f->line = (uint32_t)m->start_mark.line + 1;
		for (size_t j = 0; j < i; j++)
			if (cat->evmcs[j].control == f->control)
				return ld_fail(ld, m, "'%s' is listed twice", name);
	}
	return !ld->failed;
}
