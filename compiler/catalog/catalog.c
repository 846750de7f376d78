/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Catalog loader.  The YAML is read into libyaml's document tree and mapped
 * onto the structs of catalog.h; unknown keys, missing keys, duplicate names
 * and dangling references are errors, so a typo in the data cannot silently
 * drop a feature.  The first error stops the load.
 */
#include "catalog.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "base/ctx.h"
#include "base/util.h"

#ifndef KFP_CATALOG_INSTALL_DIR
#define KFP_CATALOG_INSTALL_DIR "/usr/local/share/kfp/catalog"
#endif

/* ---- arena: every string and array of a catalog, freed at once ---- */

struct arena {
	void **v;
	size_t n, cap;
};

static void *arena_alloc(struct arena *a, size_t n, size_t size)
{
	void *p = kfp_xcalloc(n ? n : 1, size);
	KFP_VEC_PUSH(a->v, a->n, a->cap, p);
	return p;
}

static char *arena_strdup(struct arena *a, const char *s)
{
	char *p = arena_alloc(a, strlen(s) + 1, 1);
	memcpy(p, s, strlen(s));
	return p;
}

/* ---- document access ---- */

struct loader {
	yaml_document_t doc;
	const char *file;
	struct arena *arena;
	char *err;
};

static bool fail(struct loader *ld, const yaml_node_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool fail(struct loader *ld, const yaml_node_t *at, const char *fmt, ...)
{
	if (ld->err)
		return false;
	va_list ap;
	va_start(ap, fmt);
	char *msg = kfp_xvasprintf(fmt, ap);
	va_end(ap);
	if (at)
		ld->err = kfp_xasprintf("%s:%zu:%zu: %s", ld->file, at->start_mark.line + 1,
					at->start_mark.column + 1, msg);
	else
		ld->err = kfp_xasprintf("%s: %s", ld->file, msg);
	free(msg);
	return false;
}

static yaml_node_t *node(struct loader *ld, int id)
{
	return yaml_document_get_node(&ld->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Checks that a mapping has only the allowed keys (NULL-terminated). */
static bool check_keys(struct loader *ld, yaml_node_t *map, const char *const *allowed)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return fail(ld, map, "expected a mapping");
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(ld, p->key);
		const char *key = scalar(k);
		bool ok = false;
		for (size_t i = 0; key && allowed[i]; i++)
			ok |= strcmp(key, allowed[i]) == 0;
		if (!ok) {
			size_t n = 0;
			while (allowed[n])
				n++;
			const char *s = key ? kfp_suggest(key, allowed, n) : NULL;
			return fail(ld, k, "unknown key '%s'%s%s%s", key ? key : "?",
				    s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
		}
	}
	return true;
}

static yaml_node_t *get(struct loader *ld, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const char *k = scalar(node(ld, p->key));
		if (k && strcmp(k, key) == 0)
			return node(ld, p->value);
	}
	return NULL;
}

static yaml_node_t *need(struct loader *ld, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = get(ld, map, key);
	if (!n)
		fail(ld, map, "missing key '%s'", key);
	return n;
}

static bool to_u64(struct loader *ld, yaml_node_t *n, uint64_t max, uint64_t *out)
{
	const char *s = scalar(n);
	if (!s)
		return fail(ld, n, "expected an integer");
	errno = 0;
	char *end;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long long v = strtoull(s, &end, hex ? 16 : 10);
	if (!*s || *end || errno || s[0] == '-')
		return fail(ld, n, "expected an integer, not '%s'", s);
	if (v > max)
		return fail(ld, n, "%s is out of range (at most %llu)", s,
			    (unsigned long long)max);
	*out = v;
	return true;
}

static bool get_u64(struct loader *ld, yaml_node_t *map, const char *key,
		    uint64_t max, uint64_t *out)
{
	yaml_node_t *n = need(ld, map, key);
	return n && to_u64(ld, n, max, out);
}

static bool get_bool(struct loader *ld, yaml_node_t *map, const char *key,
		     bool dflt, bool *out)
{
	yaml_node_t *n = get(ld, map, key);
	*out = dflt;
	if (!n)
		return true;
	const char *s = scalar(n);
	if (s && !strcmp(s, "true"))
		*out = true;
	else if (s && !strcmp(s, "false"))
		*out = false;
	else
		return fail(ld, n, "expected true or false");
	return true;
}

static const char *get_str(struct loader *ld, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = need(ld, map, key);
	const char *s = scalar(n);
	if (n && !s)
		fail(ld, n, "'%s' must be a string", key);
	return s ? arena_strdup(ld->arena, s) : NULL;
}

static bool to_kv(struct loader *ld, yaml_node_t *n, kfp_kv *out)
{
	const char *s = scalar(n);
	unsigned major, minor;
	char tail;
	if (s && !strcmp(s, "always"))
		*out = KFP_KV_ALWAYS;
	else if (s && !strcmp(s, "never"))
		*out = KFP_KV_NEVER;
	else if (s && sscanf(s, "%u.%u%c", &major, &minor, &tail) == 2 &&
		 major < 256 && minor < 256)
		*out = KFP_KV(major, minor);
	else
		return fail(ld, n, "expected a kernel version (\"6.1\"), \"always\" or \"never\"");
	return true;
}

static bool get_kv(struct loader *ld, yaml_node_t *map, const char *key,
		   bool optional, kfp_kv dflt, kfp_kv *out)
{
	yaml_node_t *n = optional ? get(ld, map, key) : need(ld, map, key);
	if (!n) {
		*out = dflt;
		return optional;
	}
	return to_kv(ld, n, out);
}

static size_t seq_len(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE
		       ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
		       : 0;
}

static yaml_node_t *seq_at(struct loader *ld, yaml_node_t *n, size_t i)
{
	return node(ld, n->data.sequence.items.start[i]);
}

static yaml_node_t *need_seq(struct loader *ld, yaml_node_t *map, const char *key,
			     bool optional)
{
	yaml_node_t *n = optional ? get(ld, map, key) : need(ld, map, key);
	const char *s = scalar(n);
	/* "key:" with nothing after it is YAML's null: an empty list. */
	if (s && (!*s || !strcmp(s, "~") || !strcmp(s, "null")))
		return NULL;
	if (n && n->type != YAML_SEQUENCE_NODE) {
		fail(ld, n, "'%s' must be a sequence", key);
		return NULL;
	}
	return n;
}

/* Reads a sequence of strings into a NULL-terminated array (arena). */
static const char **get_names(struct loader *ld, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = need_seq(ld, map, key, true);
	size_t len = seq_len(n);
	const char **v = arena_alloc(ld->arena, len + 1, sizeof(*v));
	for (size_t i = 0; i < len; i++) {
		const char *s = scalar(seq_at(ld, n, i));
		if (!s) {
			fail(ld, seq_at(ld, n, i), "expected a name");
			return v;
		}
		v[i] = arena_strdup(ld->arena, s);
	}
	return v;
}

static bool common(struct loader *ld, yaml_node_t *m, struct kfp_cat_common *c,
		   bool hideable)
{
	c->name = get_str(ld, m, "name");
	c->aliases = get_names(ld, m, "aliases");
	c->source = get_str(ld, m, "source");
	c->line = (uint32_t)m->start_mark.line + 1;
	if (!get_kv(ld, m, "exposed_since", false, 0, &c->exposed_since))
		return false;
	if (hideable && !get_kv(ld, m, "hideable_since", false, 0, &c->hideable_since))
		return false;
	if (!hideable)
		c->hideable_since = KFP_KV_ALWAYS;
	return !ld->err;
}

/* Names must be unique within a namespace, aliases included. */
static bool unique(struct loader *ld, yaml_node_t *at, const char *kind,
		   const struct kfp_cat_common *const *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t x = 0; x == 0 || all[i]->aliases[x - 1]; x++) {
			const char *a = x == 0 ? all[i]->name : all[i]->aliases[x - 1];
			if (!a)
				break;
			for (size_t j = i; j < n; j++) {
				/* Within one entry, only compare later names. */
				size_t from = j == i ? x + 1 : 0;
				for (size_t y = from; y == 0 || all[j]->aliases[y - 1]; y++) {
					const char *b = y == 0 ? all[j]->name : all[j]->aliases[y - 1];
					if (!b)
						break;
					if (!strcmp(a, b))
						return fail(ld, at, "%s name '%s' is used twice (lines %u and %u)",
							    kind, a, all[i]->line, all[j]->line);
				}
			}
		}
	}
	return true;
}

#define CHECK_UNIQUE(ld, at, kind, arr, n)                                      \
	do {                                                                   \
		const struct kfp_cat_common **c_ = kfp_xcalloc((n) + 1, sizeof(*c_)); \
		for (size_t i_ = 0; i_ < (n); i_++)                            \
			c_[i_] = &(arr)[i_].c;                                 \
		bool ok_ = unique(ld, at, kind, c_, n);                        \
		free(c_);                                                      \
		if (!ok_)                                                      \
			return false;                                          \
	} while (0)

/* ---- x86_64 ---- */

static bool reg_from(struct loader *ld, yaml_node_t *n, enum kfp_cpuid_reg *out)
{
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
	const char *s = scalar(n);
	for (int i = 0; s && i < 4; i++)
		if (!strcmp(s, regs[i])) {
			*out = (enum kfp_cpuid_reg)i;
			return true;
		}
	return fail(ld, n, "expected eax, ebx, ecx or edx");
}

static bool load_x86(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat)
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

	yaml_node_t *seq = need_seq(ld, root, "cpuid_features", false);
	cat->ncpuid = seq_len(seq);
	cat->cpuid = arena_alloc(ld->arena, cat->ncpuid, sizeof(*cat->cpuid));
	for (size_t i = 0; i < cat->ncpuid; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		struct kfp_cat_cpuid *f = &cat->cpuid[i];
		if (!check_keys(ld, m, cpuid_keys) || !common(ld, m, &f->c, true))
			return false;
		if (!get_u64(ld, m, "leaf", UINT32_MAX, &v))
			return false;
		f->leaf = (uint32_t)v;
		v = 0;
		if (get(ld, m, "subleaf") && !get_u64(ld, m, "subleaf", UINT32_MAX, &v))
			return false;
		f->subleaf = (uint32_t)v;
		if (!reg_from(ld, need(ld, m, "reg"), &f->reg) ||
		    !get_u64(ld, m, "bit", 31, &v))
			return false;
		f->bit = (uint8_t)v;
		v = 0;
		if (!get_bool(ld, m, "vmm_owned", false, &f->vmm_owned) ||
		    (get(ld, m, "capability") && !get_u64(ld, m, "capability", UINT32_MAX, &v)))
			return false;
		f->capability = (uint32_t)v;
		if (f->capability && !f->vmm_owned)
			return fail(ld, get(ld, m, "capability"),
				    "'capability' is only for vmm_owned features");
		yaml_node_t *lv = need_seq(ld, m, "leaves", true);
		f->nleaves = seq_len(lv);
		uint32_t *leaves = arena_alloc(ld->arena, f->nleaves + 1, sizeof(*leaves));
		for (size_t k = 0; k < f->nleaves; k++) {
			yaml_node_t *e = seq_at(ld, lv, k);
			if (!to_u64(ld, e, UINT32_MAX, &v))
				return false;
			if (v == 0xd || v == f->leaf)
				return fail(ld, e, "leaf 0x%llx describes more than '%s'", (unsigned long long)v,
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
				return fail(ld, seq_at(ld, seq, j),
					    "'%s' and '%s' name the same CPUID bit",
					    a->c.name, b->c.name);
		}

	seq = need_seq(ld, root, "kvm_features", false);
	cat->nkvm = seq_len(seq);
	cat->kvm = arena_alloc(ld->arena, cat->nkvm, sizeof(*cat->kvm));
	for (size_t i = 0; i < cat->nkvm; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		if (!check_keys(ld, m, kvm_keys) || !common(ld, m, &cat->kvm[i].c, true) ||
		    !get_u64(ld, m, "bit", 31, &v))
			return false;
		cat->kvm[i].bit = (uint8_t)v;
	}
	CHECK_UNIQUE(ld, seq, "KVM feature", cat->kvm, cat->nkvm);

	seq = need_seq(ld, root, "xsave_components", false);
	cat->nxsave = seq_len(seq);
	cat->xsave = arena_alloc(ld->arena, cat->nxsave, sizeof(*cat->xsave));
	for (size_t i = 0; i < cat->nxsave; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		struct kfp_cat_xsave *x = &cat->xsave[i];
		if (!check_keys(ld, m, xsave_keys) || !common(ld, m, &x->c, true) ||
		    !get_u64(ld, m, "bit", 63, &v) ||
		    !get_bool(ld, m, "kvm_supported", true, &x->kvm_supported))
			return false;
		x->bit = (uint8_t)v;
		const char *r = scalar(need(ld, m, "register"));
		if (!r || (strcmp(r, "xcr0") && strcmp(r, "xss")))
			return fail(ld, get(ld, m, "register"), "register must be xcr0 or xss");
		x->xss = !strcmp(r, "xss");
	}
	CHECK_UNIQUE(ld, seq, "xsave component", cat->xsave, cat->nxsave);

	seq = need_seq(ld, root, "vmx_controls", false);
	cat->nvmx = seq_len(seq);
	cat->vmx = arena_alloc(ld->arena, cat->nvmx, sizeof(*cat->vmx));
	for (size_t i = 0; i < cat->nvmx; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		struct kfp_cat_vmx *x = &cat->vmx[i];
		if (!check_keys(ld, m, vmx_keys) || !common(ld, m, &x->c, true) ||
		    !get_u64(ld, m, "msr", UINT32_MAX, &v))
			return false;
		x->msr = (uint32_t)v;
		x->msr_name = get_str(ld, m, "msr_name");
		if (!get_u64(ld, m, "bit", 63, &v))
			return false;
		x->bit = (uint8_t)v;
	}
	CHECK_UNIQUE(ld, seq, "VMX control", cat->vmx, cat->nvmx);

	seq = need_seq(ld, root, "msrs", false);
	cat->nmsrs = seq_len(seq);
	cat->msrs = arena_alloc(ld->arena, cat->nmsrs, sizeof(*cat->msrs));
	for (size_t i = 0; i < cat->nmsrs; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		struct kfp_cat_msr *msr = &cat->msrs[i];
		if (!check_keys(ld, m, msr_keys) || !common(ld, m, &msr->c, false) ||
		    !get_u64(ld, m, "index", UINT32_MAX, &v))
			return false;
		msr->index = (uint32_t)v;
		yaml_node_t *bits = need_seq(ld, m, "bits", false);
		msr->nbits = seq_len(bits);
		msr->bits = arena_alloc(ld->arena, msr->nbits, sizeof(*msr->bits));
		for (size_t j = 0; j < msr->nbits; j++) {
			yaml_node_t *b = seq_at(ld, bits, j);
			struct kfp_cat_msr_bit *mb = &msr->bits[j];
			if (!check_keys(ld, b, bit_keys) || !common(ld, b, &mb->c, true) ||
			    !get_u64(ld, b, "bit", 63, &v) ||
			    !get_bool(ld, b, "kvm_supported", true, &mb->kvm_supported))
				return false;
			mb->bit = (uint8_t)v;
			mb->msr = msr;
		}
		CHECK_UNIQUE(ld, bits, "MSR bit", msr->bits, msr->nbits);
	}
	CHECK_UNIQUE(ld, seq, "MSR", cat->msrs, cat->nmsrs);

	/* Dependencies, now that every name is known. */
	seq = get(ld, root, "cpuid_features");
	for (size_t i = 0; i < cat->ncpuid; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		const char **req = get_names(ld, m, "requires");
		const char **reqx = get_names(ld, m, "requires_xsave");
		size_t n = 0, nx = 0;
		while (req[n])
			n++;
		while (reqx[nx])
			nx++;
		cat->cpuid[i].requires = arena_alloc(ld->arena, n + 1, sizeof(void *));
		cat->cpuid[i].requires_xsave = arena_alloc(ld->arena, nx + 1, sizeof(void *));
		for (size_t k = 0; k < n; k++)
			if (!(cat->cpuid[i].requires[k] = kfp_cat_find_cpuid(cat, req[k])))
				return fail(ld, get(ld, m, "requires"),
					    "'%s' requires '%s', which is not in the catalog",
					    cat->cpuid[i].c.name, req[k]);
		for (size_t k = 0; k < nx; k++)
			if (!(cat->cpuid[i].requires_xsave[k] = kfp_cat_find_xsave(cat, reqx[k])))
				return fail(ld, get(ld, m, "requires_xsave"),
					    "'%s' requires xsave component '%s', which is not in the catalog",
					    cat->cpuid[i].c.name, reqx[k]);
	}
	seq = get(ld, root, "xsave_components");
	for (size_t i = 0; i < cat->nxsave; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		const char **req = get_names(ld, m, "requires");
		size_t n = 0;
		while (req[n])
			n++;
		cat->xsave[i].requires = arena_alloc(ld->arena, n + 1, sizeof(void *));
		for (size_t k = 0; k < n; k++)
			if (!(cat->xsave[i].requires[k] = kfp_cat_find_cpuid(cat, req[k])))
				return fail(ld, get(ld, m, "requires"),
					    "xsave component '%s' requires '%s', which is not in the catalog",
					    cat->xsave[i].c.name, req[k]);
	}
	return !ld->err;
}

static bool hv_bit(struct loader *ld, yaml_node_t *m, struct kfp_cat_hv_bit *b)
{
	static const char *const keys[] = { "leaf", "reg", "bit", "define", NULL };
	uint64_t v;
	if (!m || m->type != YAML_MAPPING_NODE)
		return fail(ld, m, "expected {leaf, reg, bit, define}");
	if (!check_keys(ld, m, keys) || !get_u64(ld, m, "leaf", UINT32_MAX, &v))
		return false;
	b->leaf = (uint32_t)v;
	if ((b->leaf & ~0xffu) != 0x40000000u)
		return fail(ld, get(ld, m, "leaf"), "Hyper-V leaves are 0x40000000-0x400000ff");
	if (!reg_from(ld, need(ld, m, "reg"), &b->reg) || !get_u64(ld, m, "bit", 31, &v))
		return false;
	b->bit = (uint8_t)v;
	b->define = get_str(ld, m, "define");
	return !ld->err;
}

/* Hyper-V enlightenments and the eVMCS filters; optional, so that a catalog
 * without them (fuzz corpora, older files) still loads. */
static bool load_hyperv(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat)
{
	static const char *const top_keys[] = { "enforce_cpuid_since", "enforce_cpuid_source",
		"hypercall_bit", NULL };
	static const char *const hv_keys[] = { "name", "aliases", "bits", "requires",
		"exposed_since", "source", NULL };
	static const char *const filter_keys[] = { "control", "filtered_since",
		"filtered_until", "source", NULL };

	yaml_node_t *top = get(ld, root, "hyperv");
	cat->hv_enforce_since = KFP_KV_NEVER;
	if (top) {
		if (!check_keys(ld, top, top_keys) ||
		    !get_kv(ld, top, "enforce_cpuid_since", false, 0, &cat->hv_enforce_since) ||
		    !(cat->hv_enforce_source = get_str(ld, top, "enforce_cpuid_source")) ||
		    !hv_bit(ld, need(ld, top, "hypercall_bit"), &cat->hv_hypercall))
			return false;
	}
	yaml_node_t *seq = need_seq(ld, root, "hyperv_features", true);
	if (seq && !top)
		return fail(ld, seq, "hyperv_features needs the 'hyperv' mapping");
	cat->nhyperv = seq_len(seq);
	cat->hyperv = arena_alloc(ld->arena, cat->nhyperv, sizeof(*cat->hyperv));
	for (size_t i = 0; i < cat->nhyperv; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		struct kfp_cat_hyperv *h = &cat->hyperv[i];
		if (!check_keys(ld, m, hv_keys) || !common(ld, m, &h->c, false))
			return false;
		yaml_node_t *bits = need_seq(ld, m, "bits", false);
		h->nbits = seq_len(bits);
		if (!h->nbits)
			return fail(ld, m, "'%s' has no CPUID bits", h->c.name);
		h->bits = arena_alloc(ld->arena, h->nbits, sizeof(*h->bits));
		for (size_t b = 0; b < h->nbits; b++)
			if (!hv_bit(ld, seq_at(ld, bits, b), &h->bits[b]))
				return false;
	}
	CHECK_UNIQUE(ld, seq, "Hyper-V enlightenment", cat->hyperv, cat->nhyperv);
	for (size_t i = 0; i < cat->nhyperv; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		const char **req = get_names(ld, m, "requires");
		size_t n = 0;
		while (req[n])
			n++;
		cat->hyperv[i].requires = arena_alloc(ld->arena, n + 1, sizeof(void *));
		for (size_t k = 0; k < n; k++)
			if (!(cat->hyperv[i].requires[k] = kfp_cat_find_hyperv(cat, req[k])))
				return fail(ld, get(ld, m, "requires"),
					    "'%s' requires '%s', which is not in the catalog",
					    cat->hyperv[i].c.name, req[k]);
	}

	seq = need_seq(ld, root, "evmcs_filters", true);
	cat->nevmcs = seq_len(seq);
	cat->evmcs = arena_alloc(ld->arena, cat->nevmcs, sizeof(*cat->evmcs));
	for (size_t i = 0; i < cat->nevmcs; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		struct kfp_cat_evmcs_filter *f = &cat->evmcs[i];
		if (!check_keys(ld, m, filter_keys))
			return false;
		const char *name = scalar(need(ld, m, "control"));
		if (!name)
			return fail(ld, m, "expected a VMX control name");
		if (!(f->control = kfp_cat_find_vmx(cat, name)))
			return fail(ld, get(ld, m, "control"), "'%s' is not a VMX control of the catalog",
				    name);
		if (!get_kv(ld, m, "filtered_since", false, 0, &f->since) ||
		    !get_kv(ld, m, "filtered_until", false, 0, &f->until) ||
		    !(f->source = get_str(ld, m, "source")))
			return false;
		f->line = (uint32_t)m->start_mark.line + 1;
		for (size_t j = 0; j < i; j++)
			if (cat->evmcs[j].control == f->control)
				return fail(ld, m, "'%s' is listed twice", name);
	}
	return !ld->err;
}

/* ---- arm64 ---- */

/* "ID_AA64PFR2_EL1.FPMR", "vcpu sve" or "none". */
static bool feature_reg_gate(struct loader *ld, yaml_node_t *m, struct kfp_catalog *cat,
			     struct kfp_cat_feature_reg *r)
{
	yaml_node_t *n = need(ld, m, "gate");
	const char *s = scalar(n);
	const char *dot = s ? strchr(s, '.') : NULL;
	if (!s)
		return fail(ld, n ? n : m, "gate must be REG.FIELD, 'vcpu FEATURE' or 'none'");
	if (!strcmp(s, "none")) {
		r->gate = KFP_REG_GATE_NONE;
		return true;
	}
	if (!strncmp(s, "vcpu ", 5)) {
		r->gate = KFP_REG_GATE_VCPU;
		for (size_t i = 0; i < cat->nvcpu; i++)
			if (!strcmp(cat->vcpu[i].c.name, s + 5))
				r->vcpu = &cat->vcpu[i];
		return r->vcpu ? true : fail(ld, n, "gate: no vcpu_init feature '%s'", s + 5);
	}
	if (dot) {
		r->gate = KFP_REG_GATE_FIELD;
		for (size_t i = 0; i < cat->nid_regs; i++) {
			const struct kfp_cat_id_reg *reg = &cat->id_regs[i];
			if (strlen(reg->c.name) != (size_t)(dot - s) || strncmp(reg->c.name, s, (size_t)(dot - s)))
				continue;
			for (size_t j = 0; j < reg->nfields; j++)
				if (!strcmp(reg->fields[j].c.name, dot + 1))
					r->field = &reg->fields[j];
		}
		return r->field ? true : fail(ld, n, "gate: no ID register field '%s'", s);
	}
	return fail(ld, n, "gate must be REG.FIELD, 'vcpu FEATURE' or 'none', not '%s'", s);
}

/* feature_registers: `encoding` (one system register) or `id` with an
 * optional `mask` (a class of registers, e.g. SVE's).  `members` names the
 * system registers of a class for scripts/check-catalog only. */
static bool load_feature_regs(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat)
{
	static const char *const keys[] = { "name", "aliases", "encoding", "id", "mask", "members",
		"feature", "gate", "reset", "reset_mask", "counter", "exposed_since", "source", NULL };
	yaml_node_t *seq = need_seq(ld, root, "feature_registers", true);
	cat->nfeature_regs = seq_len(seq);
	cat->feature_regs = arena_alloc(ld->arena, cat->nfeature_regs, sizeof(*cat->feature_regs));
	for (size_t i = 0; i < cat->nfeature_regs; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		struct kfp_cat_feature_reg *r = &cat->feature_regs[i];
		uint64_t v;
		if (!check_keys(ld, m, keys) || !common(ld, m, &r->c, false))
			return false;
		r->feature = get_str(ld, m, "feature");
		yaml_node_t *enc = need_seq(ld, m, "encoding", true);
		if (enc && get(ld, m, "id"))
			return fail(ld, m, "%s: encoding or id, not both", r->c.name);
		if (enc) {
			static const uint64_t max[5] = { 3, 7, 15, 15, 7 };
			unsigned e[5];
			if (seq_len(enc) != 5)
				return fail(ld, enc, "encoding needs [op0, op1, CRn, CRm, op2]");
			for (size_t k = 0; k < 5; k++) {
				if (!to_u64(ld, seq_at(ld, enc, k), max[k], &v))
					return false;
				e[k] = (unsigned)v;
			}
			r->match = kfp_arm64_sysreg_id(e[0], e[1], e[2], e[3], e[4]);
			r->mask = UINT64_MAX;
		} else {
			if (!get_u64(ld, m, "id", UINT64_MAX, &r->match))
				return false;
			r->mask = UINT64_MAX;
			if (get(ld, m, "mask") && !get_u64(ld, m, "mask", UINT64_MAX, &r->mask))
				return false;
			if (r->match & ~r->mask)
				return fail(ld, m, "%s: id has bits outside mask", r->c.name);
		}
		if (!feature_reg_gate(ld, m, cat, r))
			return false;
		r->has_reset = get(ld, m, "reset") != NULL;
		if (r->has_reset && !get_u64(ld, m, "reset", UINT64_MAX, &r->reset))
			return false;
		r->reset_mask = UINT64_MAX;
		if (get(ld, m, "reset_mask") && !get_u64(ld, m, "reset_mask", UINT64_MAX, &r->reset_mask))
			return false;
		if (!get_bool(ld, m, "counter", false, &r->counter))
			return false;
		for (size_t k = 0; k < i; k++) {
			const struct kfp_cat_feature_reg *o = &cat->feature_regs[k];
			/* Two classes overlap when some id matches both. */
			if (!((r->match ^ o->match) & r->mask & o->mask))
				return fail(ld, m, "%s overlaps %s", r->c.name, o->c.name);
		}
	}
	CHECK_UNIQUE(ld, seq ? seq : root, "feature register", cat->feature_regs,
		     cat->nfeature_regs);
	return !ld->err;
}

static bool load_arm64(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat)
{
	static const char *const reg_keys[] = { "name", "aliases", "encoding",
		"exposed_since", "source", "fields", NULL };
	static const char *const field_keys[] = { "name", "aliases", "shift", "width",
		"signed", "safe", "values", "exposed_since", "hideable_since", "source", NULL };
	static const char *const fw_keys[] = { "name", "aliases", "id", "kind",
		"exposed_since", "hideable_since", "source", "bits", NULL };
	static const char *const fwbit_keys[] = { "name", "aliases", "bit",
		"exposed_since", "hideable_since", "source", NULL };
	static const char *const vcpu_keys[] = { "name", "aliases", "bit", "capability",
		"exposed_since", "source", NULL };
	uint64_t v;

	yaml_node_t *seq = need_seq(ld, root, "id_registers", false);
	cat->nid_regs = seq_len(seq);
	cat->id_regs = arena_alloc(ld->arena, cat->nid_regs, sizeof(*cat->id_regs));
	for (size_t i = 0; i < cat->nid_regs; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		struct kfp_cat_id_reg *r = &cat->id_regs[i];
		if (!check_keys(ld, m, reg_keys) || !common(ld, m, &r->c, false))
			return false;
		yaml_node_t *enc = need_seq(ld, m, "encoding", false);
		static const uint64_t max[5] = { 3, 7, 15, 15, 7 };
		uint8_t e[5];
		if (seq_len(enc) != 5)
			return fail(ld, enc ? enc : m, "encoding needs [op0, op1, CRn, CRm, op2]");
		for (size_t k = 0; k < 5; k++) {
			if (!to_u64(ld, seq_at(ld, enc, k), max[k], &v))
				return false;
			e[k] = (uint8_t)v;
		}
		r->op0 = e[0];
		r->op1 = e[1];
		r->crn = e[2];
		r->crm = e[3];
		r->op2 = e[4];
		r->id = kfp_arm64_sysreg_id(e[0], e[1], e[2], e[3], e[4]);

		yaml_node_t *fields = need_seq(ld, m, "fields", true);
		r->nfields = seq_len(fields);
		r->fields = arena_alloc(ld->arena, r->nfields, sizeof(*r->fields));
		uint64_t used = 0;
		for (size_t j = 0; j < r->nfields; j++) {
			yaml_node_t *fm = seq_at(ld, fields, j);
			struct kfp_cat_field *f = &r->fields[j];
			uint64_t shift, width;
			if (!check_keys(ld, fm, field_keys) || !common(ld, fm, &f->c, true) ||
			    !get_u64(ld, fm, "shift", 63, &shift) ||
			    !get_u64(ld, fm, "width", 64, &width) ||
			    !get_bool(ld, fm, "signed", false, &f->is_signed))
				return false;
			if (width == 0 || shift + width > 64)
				return fail(ld, fm, "field %s does not fit in 64 bits", f->c.name);
			uint64_t mask = (width == 64 ? ~0ull : ((1ull << width) - 1)) << shift;
			if (used & mask)
				return fail(ld, fm, "field %s overlaps another field of %s",
					    f->c.name, r->c.name);
			used |= mask;
			f->shift = (uint8_t)shift;
			f->width = (uint8_t)width;
			f->reg = r;
			const char *safe = scalar(need(ld, fm, "safe"));
			if (safe && !strcmp(safe, "lower"))
				f->safe = KFP_SAFE_LOWER;
			else if (safe && !strcmp(safe, "higher"))
				f->safe = KFP_SAFE_HIGHER;
			else if (safe && !strcmp(safe, "exact"))
				f->safe = KFP_SAFE_EXACT;
			else
				return fail(ld, get(ld, fm, "safe") ? get(ld, fm, "safe") : fm,
					    "safe must be lower, higher or exact");
			yaml_node_t *vals = get(ld, fm, "values");
			if (vals && vals->type != YAML_MAPPING_NODE)
				return fail(ld, vals, "values must be a mapping NAME: VALUE");
			f->nvalues = vals ? (size_t)(vals->data.mapping.pairs.top -
						     vals->data.mapping.pairs.start) : 0;
			f->values = arena_alloc(ld->arena, f->nvalues, sizeof(*f->values));
			for (size_t k = 0; k < f->nvalues; k++) {
				yaml_node_pair_t *p = &vals->data.mapping.pairs.start[k];
				const char *vn = scalar(node(ld, p->key));
				if (!vn)
					return fail(ld, vals, "value names must be strings");
				f->values[k].name = arena_strdup(ld->arena, vn);
				if (!to_u64(ld, node(ld, p->value),
					    width == 64 ? UINT64_MAX : (1ull << width) - 1,
					    &f->values[k].value))
					return false;
			}
		}
		CHECK_UNIQUE(ld, fields ? fields : m, "field", r->fields, r->nfields);
	}
	CHECK_UNIQUE(ld, seq, "ID register", cat->id_regs, cat->nid_regs);
	for (size_t i = 0; i < cat->nid_regs; i++)
		for (size_t j = i + 1; j < cat->nid_regs; j++)
			if (cat->id_regs[i].id == cat->id_regs[j].id)
				return fail(ld, seq_at(ld, seq, j), "%s and %s have the same encoding",
					    cat->id_regs[i].c.name, cat->id_regs[j].c.name);

	seq = need_seq(ld, root, "firmware_registers", false);
	cat->nfw_regs = seq_len(seq);
	cat->fw_regs = arena_alloc(ld->arena, cat->nfw_regs, sizeof(*cat->fw_regs));
	size_t nbits_total = 0;
	for (size_t i = 0; i < cat->nfw_regs; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		struct kfp_cat_fw_reg *r = &cat->fw_regs[i];
		if (!check_keys(ld, m, fw_keys))
			return false;
		const char *kind = scalar(need(ld, m, "kind"));
		if (!kind || (strcmp(kind, "bitmap") && strcmp(kind, "value")))
			return fail(ld, m, "kind must be bitmap or value");
		r->bitmap = !strcmp(kind, "bitmap");
		if (!common(ld, m, &r->c, r->bitmap) || !get_u64(ld, m, "id", UINT64_MAX, &r->id))
			return false;
		yaml_node_t *bits = need_seq(ld, m, "bits", true);
		r->nbits = seq_len(bits);
		r->bits = arena_alloc(ld->arena, r->nbits, sizeof(*r->bits));
		for (size_t j = 0; j < r->nbits; j++) {
			yaml_node_t *b = seq_at(ld, bits, j);
			if (!check_keys(ld, b, fwbit_keys) ||
			    !common(ld, b, &r->bits[j].c, true) || !get_u64(ld, b, "bit", 63, &v))
				return false;
			r->bits[j].bit = (uint8_t)v;
			r->bits[j].reg = r;
		}
		for (size_t a = 0; a < r->nbits; a++)
			for (size_t b = a + 1; b < r->nbits; b++)
				if (r->bits[a].bit == r->bits[b].bit)
					return fail(ld, m, "%s: bits %s and %s are both bit %u", r->c.name,
						    r->bits[a].c.name, r->bits[b].c.name, r->bits[a].bit);
		for (size_t k = 0; k < i; k++)
			if (cat->fw_regs[k].id == r->id)
				return fail(ld, m, "%s and %s have the same id", cat->fw_regs[k].c.name,
					    r->c.name);
		nbits_total += r->nbits;
	}
	CHECK_UNIQUE(ld, seq, "firmware register", cat->fw_regs, cat->nfw_regs);
	/* Bit names are global: the policy names them without the register. */
	struct kfp_cat_fw_bit *all = kfp_xcalloc(nbits_total + 1, sizeof(*all));
	size_t k = 0;
	for (size_t i = 0; i < cat->nfw_regs; i++)
		for (size_t j = 0; j < cat->fw_regs[i].nbits; j++)
			all[k++] = cat->fw_regs[i].bits[j];
	const struct kfp_cat_common **c = kfp_xcalloc(nbits_total + 1, sizeof(*c));
	for (size_t i = 0; i < nbits_total; i++)
		c[i] = &all[i].c;
	bool ok = unique(ld, seq, "firmware bitmap bit", c, nbits_total);
	free(c);
	free(all);
	if (!ok)
		return false;

	seq = need_seq(ld, root, "vcpu_init_features", false);
	cat->nvcpu = seq_len(seq);
	cat->vcpu = arena_alloc(ld->arena, cat->nvcpu, sizeof(*cat->vcpu));
	for (size_t i = 0; i < cat->nvcpu; i++) {
		yaml_node_t *m = seq_at(ld, seq, i);
		if (!check_keys(ld, m, vcpu_keys) || !common(ld, m, &cat->vcpu[i].c, false) ||
		    !get_u64(ld, m, "bit", 31, &v))
			return false;
		cat->vcpu[i].bit = (uint8_t)v;
		if (!get_u64(ld, m, "capability", UINT32_MAX, &v))
			return false;
		cat->vcpu[i].capability = (uint32_t)v;
	}
	CHECK_UNIQUE(ld, seq, "vcpu_init feature", cat->vcpu, cat->nvcpu);
	return load_feature_regs(ld, root, cat);
}

/* ---- files ---- */

static bool load_doc(struct kfp_catalog *cat, struct arena *arena, const char *file,
		     const char *data, size_t len, const char *arch, char **err)
{
	yaml_parser_t parser;
	struct loader ld = { .file = file, .arena = arena };
	bool ok = false;

	if (!yaml_parser_initialize(&parser)) {
		*err = kfp_xasprintf("%s: cannot initialise the YAML parser", file);
		return false;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		*err = kfp_xasprintf("%s:%zu:%zu: %s", file, parser.problem_mark.line + 1,
				     parser.problem_mark.column + 1,
				     parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		return false;
	}
	yaml_node_t *root = yaml_document_get_root_node(&ld.doc);
	static const char *const x86_keys[] = { "arch", "baseline", "cpuid_features",
		"kvm_features", "xsave_components", "vmx_controls", "msrs", "hyperv",
		"hyperv_features", "evmcs_filters", NULL };
	static const char *const arm_keys[] = { "arch", "baseline", "id_registers",
		"firmware_registers", "vcpu_init_features", "feature_registers", NULL };
	bool x86 = !strcmp(arch, "x86_64");
	kfp_kv base;
	if (!root) {
		fail(&ld, NULL, "empty catalog");
	} else if (check_keys(&ld, root, x86 ? x86_keys : arm_keys)) {
		const char *a = scalar(need(&ld, root, "arch"));
		if (a && strcmp(a, arch))
			fail(&ld, get(&ld, root, "arch"), "arch is '%s', expected '%s'", a, arch);
		else if (get_kv(&ld, root, "baseline", false, 0, &base)) {
			if (cat->baseline && cat->baseline != base)
				fail(&ld, get(&ld, root, "baseline"),
				     "baseline differs from the other catalog file");
			cat->baseline = base;
			ok = x86 ? load_x86(&ld, root, cat) && load_hyperv(&ld, root, cat)
				 : load_arm64(&ld, root, cat);
		}
	}
	if (ld.err) {
		*err = ld.err;
		ok = false;
	}
	yaml_document_delete(&ld.doc);
	yaml_parser_delete(&parser);
	return ok;
}

struct kfp_catalog *kfp_catalog_parse(const char *x86, size_t x86_len,
				      const char *arm64, size_t arm64_len,
				      char **err)
{
	struct kfp_catalog *cat = kfp_xcalloc(1, sizeof(*cat));
	struct arena *arena = kfp_xcalloc(1, sizeof(*arena));
	cat->arena = arena;
	*err = NULL;
	if ((x86 && !load_doc(cat, arena, "x86_64.yaml", x86, x86_len, "x86_64", err)) ||
	    (arm64 && !load_doc(cat, arena, "arm64.yaml", arm64, arm64_len, "arm64", err))) {
		kfp_catalog_free(cat);
		return NULL;
	}
	return cat;
}

/* The catalog files are a few hundred KiB; this bounds a wrong path. */
#define KFP_MAX_CATALOG_FILE (64u << 20)

struct kfp_catalog *kfp_catalog_load(const char *dir, char **err)
{
	char *px = kfp_xasprintf("%s/x86_64.yaml", dir);
	char *pa = kfp_xasprintf("%s/arm64.yaml", dir);
	size_t lx = 0, la = 0;
	char *x = kfp_read_file(px, KFP_MAX_CATALOG_FILE, &lx);
	char *a = x ? kfp_read_file(pa, KFP_MAX_CATALOG_FILE, &la) : NULL;
	struct kfp_catalog *cat = NULL;

	if (!x || !a) {
		*err = kfp_xasprintf("cannot read the catalog %s: %s (set KFP_CATALOG or use --catalog DIR)",
				     x ? pa : px, strerror(errno));
	} else {
		struct kfp_catalog *c = kfp_catalog_parse(x, lx, a, la, err);
		if (c) {
			c->dir = kfp_xstrdup(dir);
			cat = c;
		} else if (*err) {
			/* Name the real file rather than its base name. */
			char *full = kfp_xasprintf("%s/%s", dir, *err);
			free(*err);
			*err = full;
		}
	}
	free(x);
	free(a);
	free(px);
	free(pa);
	return cat;
}

void kfp_catalog_free(struct kfp_catalog *cat)
{
	if (!cat)
		return;
	struct arena *a = cat->arena;
	for (size_t i = 0; a && i < a->n; i++)
		free(a->v[i]);
	if (a)
		free(a->v);
	free(a);
	free(cat->dir);
	free(cat);
}

static bool has_catalog(const char *dir)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/x86_64.yaml", dir);
	FILE *f = fopen(path, "r");
	if (f)
		fclose(f);
	return f != NULL;
}

const char *kfp_catalog_default_dir(void)
{
	/* The answer is the same for the whole process. */
	static char beside_exe[4096];

	const char *env = getenv("KFP_CATALOG");
	if (env && *env)
		return env;
	/* Installed: BINDIR/../share/kfp/catalog, wherever the prefix was
	 * moved to. */
	char exe[4000];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			snprintf(beside_exe, sizeof(beside_exe), "%s/../share/kfp/catalog", exe);
			if (has_catalog(beside_exe))
				return beside_exe;
		}
	}
#ifdef KFP_CATALOG_SOURCE_DIR
	/* Running from a build tree. */
	if (has_catalog(KFP_CATALOG_SOURCE_DIR))
		return KFP_CATALOG_SOURCE_DIR;
#endif
	return KFP_CATALOG_INSTALL_DIR;
}

/* ---- lookups ---- */

static bool named(const struct kfp_cat_common *c, const char *name)
{
	if (!strcmp(c->name, name))
		return true;
	for (size_t i = 0; c->aliases && c->aliases[i]; i++)
		if (!strcmp(c->aliases[i], name))
			return true;
	return false;
}

#define FIND(arr, n, name)                                                     \
	do {                                                                   \
		for (size_t i_ = 0; i_ < (n); i_++)                            \
			if (named(&(arr)[i_].c, name))                         \
				return &(arr)[i_];                             \
		return NULL;                                                   \
	} while (0)

const struct kfp_cat_cpuid *kfp_cat_find_cpuid(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->cpuid, cat->ncpuid, name);
}

const struct kfp_cat_kvm *kfp_cat_find_kvm(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->kvm, cat->nkvm, name);
}

const struct kfp_cat_hyperv *kfp_cat_find_hyperv(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->hyperv, cat->nhyperv, name);
}

const struct kfp_cat_xsave *kfp_cat_find_xsave(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->xsave, cat->nxsave, name);
}

const struct kfp_cat_vmx *kfp_cat_find_vmx(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->vmx, cat->nvmx, name);
}

const struct kfp_cat_msr *kfp_cat_find_msr(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->msrs, cat->nmsrs, name);
}

const struct kfp_cat_msr_bit *kfp_cat_find_msr_bit(const struct kfp_cat_msr *msr, const char *name)
{
	FIND(msr->bits, msr->nbits, name);
}

const struct kfp_cat_id_reg *kfp_cat_find_id_reg(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->id_regs, cat->nid_regs, name);
}

const struct kfp_cat_field *kfp_cat_find_field(const struct kfp_cat_id_reg *reg, const char *name)
{
	FIND(reg->fields, reg->nfields, name);
}

const struct kfp_cat_vcpu_feature *kfp_cat_find_vcpu(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->vcpu, cat->nvcpu, name);
}

const struct kfp_cat_fw_bit *kfp_cat_find_fw_bit(const struct kfp_catalog *cat, const char *name)
{
	for (size_t i = 0; i < cat->nfw_regs; i++)
		for (size_t j = 0; j < cat->fw_regs[i].nbits; j++)
			if (named(&cat->fw_regs[i].bits[j].c, name))
				return &cat->fw_regs[i].bits[j];
	return NULL;
}

const struct kfp_cat_id_reg *kfp_cat_find_id_reg_by_id(const struct kfp_catalog *cat, uint64_t id)
{
	for (size_t i = 0; i < cat->nid_regs; i++)
		if (cat->id_regs[i].id == id)
			return &cat->id_regs[i];
	return NULL;
}

const struct kfp_cat_fw_reg *kfp_cat_find_fw_reg_by_id(const struct kfp_catalog *cat, uint64_t id)
{
	for (size_t i = 0; i < cat->nfw_regs; i++)
		if (cat->fw_regs[i].id == id)
			return &cat->fw_regs[i];
	return NULL;
}

const struct kfp_cat_cpuid *kfp_cat_cpuid_at(const struct kfp_catalog *cat, uint32_t leaf,
					     uint32_t subleaf, enum kfp_cpuid_reg reg,
					     unsigned bit)
{
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *f = &cat->cpuid[i];
		if (f->leaf == leaf && f->subleaf == subleaf && f->reg == reg && f->bit == bit)
			return f;
	}
	return NULL;
}

bool kfp_cat_leaf_owner(const struct kfp_catalog *cat, uint32_t leaf, uint32_t subleaf,
			const struct kfp_cat_xsave **xsave, const struct kfp_cat_cpuid **cpuid)
{
	*xsave = NULL;
	*cpuid = NULL;
	if (leaf == 0xd) {
		for (size_t i = 0; subleaf >= 2 && i < cat->nxsave; i++)
			if (cat->xsave[i].bit == subleaf)
				*xsave = &cat->xsave[i];
		return *xsave;
	}
	for (size_t i = 0; i < cat->ncpuid; i++)
		for (size_t k = 0; k < cat->cpuid[i].nleaves; k++)
			if (cat->cpuid[i].leaves[k] == leaf) {
				*cpuid = &cat->cpuid[i];
				return true;
			}
	return false;
}

const char *kfp_kv_str(kfp_kv v, char buf[16])
{
	if (v == KFP_KV_ALWAYS)
		return "always";
	if (v == KFP_KV_NEVER)
		return "never";
	snprintf(buf, 16, "%u.%u", v >> 16, (v >> 8) & 0xff);
	return buf;
}

const char *kfp_cpuid_reg_name(enum kfp_cpuid_reg reg)
{
	static const char *const names[] = { "eax", "ebx", "ecx", "edx" };
	return names[reg & 3];
}

bool kfp_cat_cpuid_first_of_reg(const struct kfp_catalog *cat, size_t i)
{
	const struct kfp_cat_cpuid *c = &cat->cpuid[i];
	for (size_t j = 0; j < i; j++)
		if (cat->cpuid[j].leaf == c->leaf && cat->cpuid[j].subleaf == c->subleaf &&
		    cat->cpuid[j].reg == c->reg)
			return false;
	return true;
}
