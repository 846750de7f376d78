/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86_64 section of an imported Firecracker template (fc_gen.h): each
 * catalogued feature (CPUID bit, xsave component, KVM feature, VMX
 * capability, MSR bit) allowed at '1' or 'x' and denied at '0', raw
 * `cpuid` statements for uncatalogued bits at '1', and warnings for what a
 * policy cannot say.
 */
#include "fc_gen.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "compiler/emitters/emit.h"
#include "compiler/semantics/sema.h"

struct item {
	enum kfp_feat_kind kind;
	const struct kfp_cat_common *c;
	const void *cat;
	char ch;
	bool allow;
	char *why; /* why an 'x' or '1' is not allowed */
};

static char item_char(const struct tpl *t, const struct item *it)
{
	switch (it->kind) {
	case KFP_FEAT_CPUID: {
		const struct kfp_cat_cpuid *c = it->cat;
		return cpuid_char(t, c->leaf, c->subleaf, c->reg, c->bit);
	}
	case KFP_FEAT_KVM:
		return cpuid_char(t, 0x40000001, 0, KFP_EAX,
				  ((const struct kfp_cat_kvm *)it->cat)->bit);
	case KFP_FEAT_XSAVE: {
		const struct kfp_cat_xsave *c = it->cat;
		unsigned reg = c->bit >= 32 ? KFP_EDX : c->xss ? KFP_ECX : KFP_EAX;
		return cpuid_char(t, 0xd, c->xss, reg, c->bit % 32);
	}
	case KFP_FEAT_VMX: {
		const struct kfp_cat_vmx *c = it->cat;
		return reg_char(t->msrs, t->nmsrs, c->msr, c->bit);
	}
	case KFP_FEAT_MSR_BIT: {
		const struct kfp_cat_msr_bit *c = it->cat;
		return reg_char(t->msrs, t->nmsrs, c->msr->index, c->bit);
	}
	default:
		return 'x';
	}
}

/* The template entry an item's bit is in, or NULL. */
static const struct kfp_loc *item_loc(const struct tpl *t, const struct item *it)
{
	const struct tcpuid *e = NULL;
	const struct treg *r = NULL;
	switch (it->kind) {
	case KFP_FEAT_CPUID: {
		const struct kfp_cat_cpuid *c = it->cat;
		e = tpl_cpuid(t, c->leaf, c->subleaf);
		break;
	}
	case KFP_FEAT_KVM:
		e = tpl_cpuid(t, 0x40000001, 0);
		break;
	case KFP_FEAT_XSAVE:
		e = tpl_cpuid(t, 0xd, ((const struct kfp_cat_xsave *)it->cat)->xss);
		break;
	case KFP_FEAT_VMX:
		r = tpl_reg(t->msrs, t->nmsrs, ((const struct kfp_cat_vmx *)it->cat)->msr);
		break;
	case KFP_FEAT_MSR_BIT:
		r = tpl_reg(t->msrs, t->nmsrs, ((const struct kfp_cat_msr_bit *)it->cat)->msr->index);
		break;
	default:
		break;
	}
	return e ? &e->loc : r ? &r->loc : NULL;
}

static struct item *find_item(struct item *v, size_t n, enum kfp_feat_kind kind, const void *cat)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == kind && v[i].cat == cat)
			return &v[i];
	return NULL;
}

static bool item_supported(const struct item *it)
{
	if (it->kind == KFP_FEAT_XSAVE)
		return ((const struct kfp_cat_xsave *)it->cat)->kvm_supported;
	if (it->kind == KFP_FEAT_MSR_BIT)
		return ((const struct kfp_cat_msr_bit *)it->cat)->kvm_supported;
	return true;
}

static struct item *x86_items(struct gen *g, size_t *count)
{
	const struct kfp_catalog *cat = g->cat;
	/* The semantics' x86_64 features, in catalog order (CPUID bits first,
	 * so items[i] is cat->cpuid[i]), less Hyper-V: a template has none. */
	const struct kfp_sema_arch *arch = kfp_sema_arch(KFP_ARCH_X86_64);
	size_t all = arch->feats(cat, NULL), n = 0, i;
	struct kfp_feat *feats = kfp_xcalloc(all + 1, sizeof(*feats));
	arch->feats(cat, feats);
	struct item *v = kfp_xcalloc(all + 1, sizeof(*v));
	for (size_t k = 0; k < all; k++)
		if (feats[k].kind != KFP_FEAT_HYPERV)
			v[n++] = (struct item){ .kind = feats[k].kind, .c = feats[k].c,
						.cat = feats[k].cat };
	free(feats);
	char kb[16];
	for (i = 0; i < n; i++) {
		struct item *it = &v[i];
		it->ch = item_char(g->t, it);
		if (it->ch == '0')
			continue;
		if (!item_supported(it)) {
			it->why = kfp_xstrdup("KVM never shows it to guests");
		} else if (kfp_fleet_first_without(&g->fl, it->c->exposed_since)) {
			it->why = it->c->exposed_since == KFP_KV_NEVER ?
					  kfp_xstrdup("no catalogued kernel shows it") :
					  kfp_xasprintf("shown only from %s",
							kfp_kv_str(it->c->exposed_since, kb));
			if (it->ch == '1' && !g->skip) {
				g->skip = true;
				g->why_skip = kfp_xasprintf("the template sets '%s' to 1, which KVM shows only from %s",
							    it->c->name, kfp_kv_str(it->c->exposed_since, kb));
			}
		} else {
			it->allow = true;
		}
	}
	/* Dependencies, until nothing changes. */
	const struct kfp_cat_cpuid *vmx = kfp_cat_find_cpuid(cat, "vmx");
	for (bool changed = true; changed;) {
		changed = false;
		for (i = 0; i < n; i++) {
			struct item *it = &v[i], *dep = NULL;
			if (!it->allow)
				continue;
			if (it->kind == KFP_FEAT_CPUID) {
				const struct kfp_cat_cpuid *c = it->cat;
				for (size_t k = 0; c->requires[k] && !dep; k++) {
					struct item *d = find_item(v, n, KFP_FEAT_CPUID, c->requires[k]);
					if (d && !d->allow)
						dep = d;
				}
				for (size_t k = 0; c->requires_xsave[k] && !dep; k++) {
					struct item *d = find_item(v, n, KFP_FEAT_XSAVE, c->requires_xsave[k]);
					if (d && !d->allow)
						dep = d;
				}
			} else if (it->kind == KFP_FEAT_VMX && vmx) {
				struct item *d = find_item(v, n, KFP_FEAT_CPUID, vmx);
				if (d && !d->allow)
					dep = d;
			} else if (it->kind == KFP_FEAT_MSR_BIT) {
				const struct kfp_cat_msr_bit *mb = it->cat;
				const char *en = kfp_vmm_msr_enabler(mb->msr->index);
				const struct kfp_cat_cpuid *ec = en ? kfp_cat_find_cpuid(cat, en) : NULL;
				struct item *d = ec ? find_item(v, n, KFP_FEAT_CPUID, ec) : NULL;
				if (d && !d->allow)
					dep = d;
			}
			if (dep) {
				it->allow = false;
				it->why = kfp_xasprintf("needs '%s', which is hidden", dep->c->name);
				changed = true;
			}
		}
	}
	*count = n;
	return v;
}

static void free_items(struct item *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].why);
	free(v);
}

/* The allow, deny and "not allowed" lines of a set of items. */
static void item_lines(struct gen *g, struct item **v, size_t n, const char *indent,
		       const char *domain)
{
	const char **allow = kfp_xcalloc(n + 1, sizeof(*allow)),
		   **deny = kfp_xcalloc(n + 1, sizeof(*deny));
	size_t na = 0, nd = 0;
	char *lost = NULL;
	for (size_t i = 0; i < n; i++) {
		if (v[i]->allow)
			allow[na++] = v[i]->c->name;
		else if (v[i]->ch == '0')
			deny[nd++] = v[i]->c->name;
		else {
			char *s = kfp_xasprintf("%s%s%s (%c: %s)", lost ? lost : "", lost ? ", " : "",
						v[i]->c->name, v[i]->ch, v[i]->why);
			free(lost);
			lost = s;
			if (v[i]->ch == '1')
				fc_warn(g, item_loc(g->t, v[i]), "the template sets %s '%s' to 1, but it cannot be allowed: %s; the policy hides it",
				     kfp_feat_kind_name(v[i]->kind), v[i]->c->name, v[i]->why);
		}
	}
	char *pre = kfp_xasprintf("%s%sallow", domain, *domain ? " " : "");
	fc_name_stmts(g->f, indent, pre, allow, na, 8);
	free(pre);
	pre = kfp_xasprintf("%s%sdeny", domain, *domain ? " " : "");
	fc_name_stmts(g->f, indent, pre, deny, nd, 8);
	free(pre);
	if (lost) {
		char *s = kfp_xasprintf("Hidden although not 0 in the template: %s.", lost);
		fc_comment(g->f, indent, s);
		free(s);
		free(lost);
	}
	free(allow);
	free(deny);
}

static bool cpuid_reg_catalogued(const struct kfp_catalog *cat, uint32_t leaf, uint32_t sub,
				 unsigned reg)
{
	if (leaf == 0x40000001 && sub == 0 && reg == KFP_EAX)
		return true;
	if (leaf == 0xd && ((sub == 0 && (reg == KFP_EAX || reg == KFP_EDX)) ||
			    (sub == 1 && reg != KFP_EBX)))
		return true;
	for (size_t i = 0; i < cat->ncpuid; i++)
		if (cat->cpuid[i].leaf == leaf && cat->cpuid[i].subleaf == sub &&
		    cat->cpuid[i].reg == reg)
			return true;
	return false;
}

static bool bit_named(const struct kfp_catalog *cat, uint32_t leaf, uint32_t sub, unsigned reg,
		      unsigned bit)
{
	if (leaf == 0x40000001) {
		for (size_t i = 0; i < cat->nkvm; i++)
			if (cat->kvm[i].bit == bit)
				return true;
		return false;
	}
	if (leaf == 0xd && !(sub == 1 && reg == KFP_EAX)) {
		bool xss = sub == 1;
		unsigned b = bit + (reg == KFP_EDX ? 32 : 0);
		for (size_t i = 0; i < cat->nxsave; i++)
			if (cat->xsave[i].xss == xss && cat->xsave[i].bit == b)
				return true;
		return false;
	}
	return kfp_cat_cpuid_at(cat, leaf, sub, (enum kfp_cpuid_reg)reg, bit) != NULL;
}

/* Uncatalogued bits of a feature register: '1' becomes a raw cpuid
 * statement, 'x' is hidden by default deny (noted). */
static void raw_bits(struct gen *g, uint32_t leaf, uint32_t sub, unsigned reg)
{
	const struct tcpuid *e = tpl_cpuid(g->t, leaf, sub);
	if (!e || !e->has[reg])
		return;
	char *xs = NULL;
	for (unsigned b = 0; b < 32; b++) {
		if (bit_named(g->cat, leaf, sub, reg, b))
			continue;
		char c = bits_char(&e->regs[reg], b);
		if (c == '1' && !(leaf == 0xd && !(sub == 1 && reg == KFP_EAX))) {
			fprintf(g->f, "    cpuid 0x%" PRIx32 " %" PRIu32 " %s bit %u = 1;\n", leaf, sub,
				kfp_cpuid_reg_name((enum kfp_cpuid_reg)reg), b);
		} else if (c == '1') {
			fc_warn(g, &e->loc, "CPUID 0x%" PRIx32 ".%" PRIu32 " %s bit %u is set to 1, but the catalog has no xsave component there: not imported",
			     leaf, sub, kfp_cpuid_reg_name((enum kfp_cpuid_reg)reg), b);
		} else if (c == 'x') {
			char *s = kfp_xasprintf("%s%s%u", xs ? xs : "", xs ? " " : "", b);
			free(xs);
			xs = s;
		}
	}
	if (xs) {
		char *s = kfp_xasprintf("Bits %s are 'x' in the template but have no name in the catalog: hidden (default deny).",
					xs);
		fc_comment(g->f, "    ", s);
		free(s);
		free(xs);
	}
}

static bool bits_all_zero(const struct bits *b, unsigned width)
{
	for (unsigned bit = 0; bit < width; bit++)
		if (bits_char(b, bit) != '0')
			return false;
	return true;
}

/* True when (leaf, subleaf) describes a feature the import hides. */
static bool owned_leaf_hidden(struct item *items, size_t n, const struct kfp_catalog *cat,
			      uint32_t leaf, uint32_t subleaf)
{
	const struct kfp_cat_xsave *xs;
	const struct kfp_cat_cpuid *c;
	if (!kfp_cat_leaf_owner(cat, leaf, subleaf, &xs, &c))
		return false;
	const struct item *it = xs ? find_item(items, n, KFP_FEAT_XSAVE, xs) :
				     find_item(items, n, KFP_FEAT_CPUID, c);
	return it && !it->allow;
}

void fc_x86_policy(struct gen *g)
{
	const struct kfp_catalog *cat = g->cat;
	const struct tpl *t = g->t;
	FILE *f = g->f;
	size_t n;
	struct item *items = x86_items(g, &n);
	struct item **sel = kfp_xcalloc(n + 1, sizeof(*sel));
	char bm[140];

	/* CPUID feature registers, in catalog order. */
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *c = &cat->cpuid[i];
		if (!kfp_cat_cpuid_first_of_reg(cat, i))
			continue;
		size_t k = 0;
		for (size_t j = i; j < cat->ncpuid; j++)
			if (cat->cpuid[j].leaf == c->leaf && cat->cpuid[j].subleaf == c->subleaf &&
			    cat->cpuid[j].reg == c->reg)
				sel[k++] = &items[j];
		const struct tcpuid *e = tpl_cpuid(t, c->leaf, c->subleaf);
		if (e && e->has[c->reg]) {
			fc_bitmap_text(bm, &e->regs[c->reg], 32);
			fprintf(f, "    # CPUID 0x%" PRIx32 ".%" PRIu32 " %s: %s\n", c->leaf, c->subleaf,
				kfp_cpuid_reg_name(c->reg), bm);
		} else {
			fprintf(f, "    # CPUID 0x%" PRIx32 ".%" PRIu32 " %s: not in the template (all x)\n",
				c->leaf, c->subleaf, kfp_cpuid_reg_name(c->reg));
		}
		item_lines(g, sel, k, "    ", "");
		raw_bits(g, c->leaf, c->subleaf, c->reg);
		fputc('\n', f);
	}

	/* XSAVE components, KVM features. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].kind == KFP_FEAT_XSAVE)
			sel[k++] = &items[i];
	fputs("    # XSAVE components: CPUID 0xd.0 EAX:EDX (XCR0) and 0xd.1 ECX:EDX (XSS)\n", f);
	item_lines(g, sel, k, "    ", "xsave");
	raw_bits(g, 0xd, 0, KFP_EAX);
	raw_bits(g, 0xd, 0, KFP_EDX);
	raw_bits(g, 0xd, 1, KFP_ECX);
	raw_bits(g, 0xd, 1, KFP_EDX);
	fputc('\n', f);
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].kind == KFP_FEAT_KVM)
			sel[k++] = &items[i];
	fputs("    # KVM paravirtual features: CPUID 0x40000001 EAX\n", f);
	item_lines(g, sel, k, "    ", "kvm");
	raw_bits(g, 0x40000001, 0, KFP_EAX);
	fputc('\n', f);

	/* Nested VMX. */
	const struct kfp_cat_cpuid *vmxc = kfp_cat_find_cpuid(cat, "vmx");
	struct item *vmx = vmxc ? find_item(items, n, KFP_FEAT_CPUID, vmxc) : NULL;
	fputs("    # Nested VMX: the IA32_VMX_* capability MSRs\n", f);
	if (vmx && vmx->allow) {
		k = 0;
		for (size_t i = 0; i < n; i++)
			if (items[i].kind == KFP_FEAT_VMX)
				sel[k++] = &items[i];
		item_lines(g, sel, k, "    ", "vmx");
	} else {
		fputs("    vmx deny;\n", f);
	}
	fputc('\n', f);

	/* Feature MSRs. */
	for (size_t m = 0; m < cat->nmsrs; m++) {
		const struct kfp_cat_msr *msr = &cat->msrs[m];
		const struct treg *r = tpl_reg(t->msrs, t->nmsrs, msr->index);
		if (r) {
			fc_bitmap_text(bm, &r->b, 64);
			fprintf(f, "    # MSR 0x%" PRIx32 ": %s\n", msr->index, bm);
		} else {
			fprintf(f, "    # MSR 0x%" PRIx32 ": not in the template (all x)\n", msr->index);
		}
		k = 0;
		for (size_t i = 0; i < n; i++)
			if (items[i].kind == KFP_FEAT_MSR_BIT &&
			    ((const struct kfp_cat_msr_bit *)items[i].cat)->msr == msr)
				sel[k++] = &items[i];
		fprintf(f, "    msr %s {\n", msr->c.name);
		bool any = false;
		for (size_t i = 0; i < k; i++)
			any |= sel[i]->allow || sel[i]->ch == '0';
		const char *en = kfp_vmm_msr_enabler(msr->index);
		if (any) {
			item_lines(g, sel, k, "        ", "");
		} else {
			if (en) {
				char *s = kfp_xasprintf("The guest cannot read this MSR: CPUID feature '%s' is hidden.",
							en);
				fc_comment(f, "        ", s);
				free(s);
			}
			fputs("        deny;\n", f);
		}
		fputs("    }\n", f);
		if (r)
			for (unsigned b = 0; b < 64; b++) {
				bool named = false;
				for (size_t q = 0; q < msr->nbits; q++)
					named |= msr->bits[q].bit == b;
				if (!named && bits_char(&r->b, b) == '1')
					fc_warn(g, &r->loc, "MSR 0x%" PRIx32 " bit %u is set to 1, but the catalog has no name for it: not imported",
					     msr->index, b);
			}
	}
	fputs("\n    unknown deny;\n", f);

	/* What the template says that a policy cannot. */
	for (size_t i = 0; i < t->ncpuid; i++) {
		const struct tcpuid *e = &t->cpuid[i];
		for (unsigned reg = 0; reg < 4; reg++) {
			if (!e->has[reg] || cpuid_reg_catalogued(cat, e->leaf, e->subleaf, reg) ||
			    !e->regs[reg].filter[0])
				continue;
			/* A leaf of a feature the policy hides is zero with
			 * kfp too (AMX's 0x1d and 0x1e, an xsave component's
			 * subleaf of 0xd). */
			if (owned_leaf_hidden(items, n, cat, e->leaf, e->subleaf) &&
			    bits_all_zero(&e->regs[reg], 32))
				continue;
			fc_bitmap_text(bm, &e->regs[reg], 32);
			fc_warn(g, &e->loc, "CPUID 0x%" PRIx32 ".%" PRIu32 " %s (%s) has no catalogued features: kfp copies informational registers from the host, so the template's fixed bits are not imported",
			     e->leaf, e->subleaf, kfp_cpuid_reg_name((enum kfp_cpuid_reg)reg), bm);
		}
	}
	for (size_t i = 0; i < t->nmsrs; i++) {
		bool known = false;
		for (size_t m = 0; m < cat->nmsrs; m++)
			known |= cat->msrs[m].index == t->msrs[i].addr;
		for (size_t v = 0; v < cat->nvmx; v++)
			known |= cat->vmx[v].msr == t->msrs[i].addr;
		if (!known)
			fc_warn(g, &t->msrs[i].loc, "MSR 0x%" PRIx64 " is not a catalogued feature MSR: not imported",
			     t->msrs[i].addr);
	}
	free(sel);
	free_items(items, n);
}
