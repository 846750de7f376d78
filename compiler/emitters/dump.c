/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Printing a resolved fleet.  Two forms share this code:
 *  - the readable dump (`kfpc dump`, golden tests): every decision with
 *    the policy line and the hosts behind it;
 *  - the canonical form hashed into the fleet's identity: only what the
 *    guest can observe, in catalog order, without names of files or hosts,
 *    so that renaming a file or adding an identical host keeps the identity.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <kfp/table.h>

#include "compiler/semantics/sema.h"

static void where(FILE *out, const struct kfp_cat_common *c, const struct kfp_feat *f)
{
	(void)c;
	switch (f->kind) {
	case KFP_FEAT_CPUID: {
		const struct kfp_cat_cpuid *x = f->cat;
		fprintf(out, "cpuid 0x%08x.%u %s[%u]", x->leaf, x->subleaf,
			kfp_cpuid_reg_name(x->reg), x->bit);
		break;
	}
	case KFP_FEAT_KVM:
		fprintf(out, "cpuid 0x40000001.0 eax[%u]", ((const struct kfp_cat_kvm *)f->cat)->bit);
		break;
	case KFP_FEAT_XSAVE: {
		const struct kfp_cat_xsave *x = f->cat;
		fprintf(out, "%s[%u]", x->xss ? "xss" : "xcr0", x->bit);
		break;
	}
	case KFP_FEAT_VMX: {
		const struct kfp_cat_vmx *x = f->cat;
		fprintf(out, "msr 0x%x[%u]", x->msr, x->bit);
		break;
	}
	case KFP_FEAT_MSR_BIT: {
		const struct kfp_cat_msr_bit *x = f->cat;
		fprintf(out, "msr 0x%x[%u]", x->msr->index, x->bit);
		break;
	}
	case KFP_FEAT_HYPERCALL: {
		const struct kfp_cat_fw_bit *x = f->cat;
		fprintf(out, "fw 0x%016" PRIx64 "[%u]", x->reg->id, x->bit);
		break;
	}
	case KFP_FEAT_VCPU:
		fprintf(out, "vcpu_init[%u]", ((const struct kfp_cat_vcpu_feature *)f->cat)->bit);
		break;
	case KFP_FEAT_HYPERV: {
		const struct kfp_cat_hyperv *h = f->cat;
		for (size_t i = 0; i < h->nbits; i++)
			fprintf(out, "%shv 0x%08x %s[%u]", i ? " " : "", h->bits[i].leaf,
				kfp_cpuid_reg_name(h->bits[i].reg), h->bits[i].bit);
		break;
	}
	}
}

static void loc(FILE *out, const struct kfp_loc *l)
{
	if (l->src)
		fprintf(out, "%s:%u:%u", l->src->path, l->line, l->col);
	else
		fputs("-", out);
}

static void feature_line(FILE *out, const struct kfp_fleet *fl, const struct kfp_feat *f)
{
	char *w = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&w, &len);
	where(m, f->c, f);
	fclose(m);
	fprintf(out, "    %-22s %-15s %-30s %-8s ", f->c->name, kfp_feat_kind_name(f->kind), w,
		f->mentioned ? kfp_action_name(f->action) : "-");
	loc(out, &f->loc);
	if (f->verdict == KFP_V_LACKING)
		fprintf(out, "  lacking on %u of %zu hosts, e.g. %s", f->nlacking, fl->nhosts,
			f->lacking_host ? f->lacking_host : "?");
	if (f->verdict == KFP_V_NEEDS && f->needs)
		fprintf(out, "  needs %s, which is hidden", f->needs->c->name);
	fputc('\n', out);
	free(w);
}

/* x86 registers the guest sees: the exposed bits of each catalogued CPUID
 * register, and the xfeature masks. */
static void x86_masks(FILE *out, const struct kfp_policy *pol, const struct kfp_fleet *fl,
		      bool with_locations)
{
	const struct kfp_catalog *cat = pol->cat;
	uint64_t xcr0 = 0, xss = 0;
	uint32_t kvm = 0;

	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (!kfp_feat_exposed(f))
			continue;
		if (f->kind == KFP_FEAT_XSAVE) {
			const struct kfp_cat_xsave *x = f->cat;
			*(x->xss ? &xss : &xcr0) |= 1ull << x->bit;
		} else if (f->kind == KFP_FEAT_KVM) {
			kvm |= 1u << ((const struct kfp_cat_kvm *)f->cat)->bit;
		}
	}
	/* One line per catalogued (leaf, subleaf, register), in catalog order
	 * of first appearance. */
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *c = &cat->cpuid[i];
		if (!kfp_cat_cpuid_first_of_reg(cat, i))
			continue;
		uint32_t mask = 0, known = 0;
		for (size_t j = i; j < cat->ncpuid; j++) {
			const struct kfp_cat_cpuid *d = &cat->cpuid[j];
			if (d->leaf != c->leaf || d->subleaf != c->subleaf || d->reg != c->reg)
				continue;
			known |= 1u << d->bit;
			if (kfp_feat_exposed(&fl->feats[j]))
				mask |= 1u << d->bit;
		}
		for (size_t r = 0; r < fl->nraw; r++) {
			const struct kfp_raw_cpuid *raw = &fl->raw[r];
			if (raw->leaf == c->leaf && raw->subleaf == c->subleaf && raw->reg == c->reg &&
			    raw->exposed)
				mask |= 1u << raw->bit;
		}
		fprintf(out, "  cpuid 0x%08x.%u %s = 0x%08x (catalogued 0x%08x)\n", c->leaf,
			c->subleaf, kfp_cpuid_reg_name(c->reg), mask, known);
	}
	for (size_t r = 0; r < fl->nraw; r++) {
		const struct kfp_raw_cpuid *raw = &fl->raw[r];
		fprintf(out, "  raw cpuid 0x%08x.%u %s[%u] = %u%s%s%s\n", raw->leaf, raw->subleaf,
			kfp_cpuid_reg_name(raw->reg), raw->bit, raw->value,
			/* Hosts are not part of the canonical form. */
			with_locations && raw->lacking_host ? " (forced: hosts lack it, e.g. " : "",
			with_locations && raw->lacking_host ? raw->lacking_host : "",
			with_locations && raw->lacking_host ? ")" : "");
	}
	if (kfp_fleet_hyperv(fl)) {
		/* Only when on, so that fleets without Hyper-V keep their
		 * identity. */
		fprintf(out, "  hyper-v on: KVM's leaves move to 0x%08x\n", KFP_KVM_LEAVES_HYPERV);
		for (size_t i = 0; i < kfp_hv_nfeature_regs; i++) {
			const struct kfp_hv_reg *hr = &kfp_hv_feature_regs[i];
			fprintf(out, "  hyperv 0x%08x %s = 0x%08x\n", hr->leaf,
				kfp_cpuid_reg_name((enum kfp_cpuid_reg)hr->reg),
				kfp_fleet_hv_reg(cat, fl, hr->leaf, hr->reg));
		}
		fprintf(out, "  kvm 0x%08x eax = 0x%08x\n", KFP_KVM_LEAVES_HYPERV + 1, kvm);
	} else {
		fprintf(out, "  kvm 0x40000001 eax = 0x%08x\n", kvm);
	}
	fprintf(out, "  xcr0 = 0x%016" PRIx64 ", xss = 0x%016" PRIx64 "\n", xcr0, xss);
	fprintf(out, "  unknown CPUID bits: %s\n", kfp_unknown_rule_name(fl->unknown));
}

/* The registers the fleet pins across kernels (sema_arm64.c plan_pins).
 * The canonical form lists them only when there are some, so that fleets
 * without pins keep their identity. */
static void pins(FILE *out, const struct kfp_fleet *fl, bool with_locations)
{
	char a[16], b[16];
	if (!with_locations) {
		for (size_t i = 0; i < fl->npins; i++)
			fprintf(out, "  pin %s (0x%016" PRIx64 ") = 0x%" PRIx64 "\n", fl->pins[i].name,
				fl->pins[i].id, fl->pins[i].value);
		return;
	}
	if (!fl->nhosts) {
		fputs("  pins: none (no host profiles: the cache description and PSCI version are not pinned)\n",
		      out);
		return;
	}
	if (!fl->npins) {
		fputs("  pins: none (the hosts agree on the cache description and PSCI version)\n", out);
		return;
	}
	fputs("  pins (one value on every host; written where a kernel shows another):\n", out);
	for (size_t i = 0; i < fl->npins; i++) {
		const struct kfp_pin *p = &fl->pins[i];
		fprintf(out, "    %-14s (0x%016" PRIx64 ") = 0x%" PRIx64
			": as kernel %s shows it (host %s); written on %u of %zu hosts, which KVM allows from %s\n",
			p->name, p->id, p->value, kfp_kv_str(p->from, a), p->from_host, p->nwrite,
			fl->nhosts, kfp_kv_str(p->writable_since, b));
	}
}

static void arm64_regs(FILE *out, const struct kfp_policy *pol, const struct kfp_fleet *fl,
		       bool with_locations)
{
	(void)pol; /* the x86 view needs it (guest_view) */
	uint32_t vcpu = 0;
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].kind == KFP_FEAT_VCPU && kfp_feat_exposed(&fl->feats[i]))
			vcpu |= 1u << ((const struct kfp_cat_vcpu_feature *)fl->feats[i].cat)->bit;
	fprintf(out, "  vcpu_init features = 0x%08x\n", vcpu);
	fprintf(out, "  unknown ID-register fields: %s; unknown firmware registers: %s\n",
		kfp_unknown_rule_name(fl->unknown),
		kfp_unknown_rule_name(fl->fw_unknown));
	for (size_t i = 0; i < fl->nregs; i++) {
		const struct kfp_reg_plan *rp = &fl->regs[i];
		bool header = false;
		for (size_t j = 0; j < rp->nfields; j++) {
			const struct kfp_field_plan *fp = &rp->fields[j];
			/* The readable dump shows fields the policy or the hosts
			 * make interesting; the canonical form shows all. */
			bool interesting = fp->mentioned || fp->write ||
					   (fp->hosts_known && fp->host_hi != kfp_field_hidden(fp->f));
			if (with_locations && !interesting)
				continue;
			if (!header) {
				fprintf(out, "  %s (0x%016" PRIx64 ")\n", rp->r->c.name, rp->r->id);
				header = true;
			}
			/* The canonical form, which the identity hashes, keeps
			 * raw field bits; the readable one shows signed fields
			 * signed ("NI (-1)"). */
			if (!with_locations) {
				fprintf(out, "    %-12s = %-4" PRIu64 " %s\n", fp->f->c.name, fp->target,
					kfp_field_rule_name(fp->rule));
				continue;
			}
			char v1[48], v2[48];
			fprintf(out, "    %-12s = %-4s %s", fp->f->c.name,
				kfp_field_str(fp->f, fp->target, v1), kfp_field_rule_name(fp->rule));
			if (fp->hosts_known)
				fprintf(out, ", hosts %s..%s", kfp_field_str(fp->f, fp->host_lo, v1),
					kfp_field_str(fp->f, fp->host_hi, v2));
			if (fp->write)
				fputs(", written", out);
			if (fp->mentioned) {
				fprintf(out, ", policy %s %s at ", kfp_cmp_name(fp->cmp),
					kfp_field_str(fp->f, fp->value, v1));
				loc(out, &fp->loc);
			}
			fputc('\n', out);
		}
	}
	pins(out, fl, with_locations);
}

/* What the guest sees of a fleet's registers, per architecture (indexed
 * by enum kfp_arch): CPUID masks and MSRs, or ID and firmware registers. */
static void (*const guest_view[KFP_ARCH_COUNT])(FILE *out, const struct kfp_policy *pol,
						const struct kfp_fleet *fl, bool with_locations) = {
	[KFP_ARCH_X86_64] = x86_masks,
	[KFP_ARCH_ARM64] = arm64_regs,
};

void kfp_dump_fleet(const struct kfp_policy *pol, const struct kfp_fleet *fl,
		    FILE *out, bool with_locations)
{
	char b[16];

	if (!with_locations) {
		/* Canonical form: the guest-visible configuration only. */
		fprintf(out, "kfp-config 1\narch %s\n", kfp_arch_name(fl->arch));
		for (size_t i = 0; i < fl->nfeats; i++)
			if (kfp_feat_exposed(&fl->feats[i]))
				fprintf(out, "exposed %s %s\n", kfp_feat_kind_name(fl->feats[i].kind),
					fl->feats[i].c->name);
		guest_view[fl->arch](out, pol, fl, false);
		return;
	}

	fprintf(out, "fleet \"%s\" (policy \"%s\" version %" PRIu64 ")\n", fl->name,
		pol->name ? pol->name : "?", pol->version);
	fprintf(out, "  arch %s, min_kernel %s, kernels: ", kfp_arch_name(fl->arch),
		kfp_kv_str(fl->min, b));
	if (fl->kernels)
		for (size_t i = 0; i < fl->nkernels; i++)
			fprintf(out, "%s%s", i ? " " : "", kfp_kv_str(fl->kernels[i], b));
	else
		fprintf(out, "every kernel from %s", kfp_kv_str(fl->min, b));
	fputc('\n', out);
	if (fl->nhosts)
		fprintf(out, "  hosts: %zu profiles in %zu classes\n", fl->nhosts, fl->nclasses);
	else
		fputs("  hosts: none (no compile-time host checks)\n", out);
	fputs("  identity: ", out);
	for (int i = 0; i < 16; i++)
		fprintf(out, "%02x", fl->id[i]);
	fputc('\n', out);

	static const struct {
		enum kfp_verdict v;
		const char *title;
	} groups[] = {
		{ KFP_V_EXPOSED, "exposed" },
		{ KFP_V_DENIED, "hidden by the policy" },
		{ KFP_V_LACKING, "dropped: some hosts lack them" },
		{ KFP_V_NEEDS, "dropped: they need a hidden feature" },
	};
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		size_t n = 0;
		for (size_t i = 0; i < fl->nfeats; i++)
			n += fl->feats[i].verdict == groups[g].v;
		if (!n)
			continue;
		fprintf(out, "  %s (%zu):\n", groups[g].title, n);
		for (size_t i = 0; i < fl->nfeats; i++)
			if (fl->feats[i].verdict == groups[g].v)
				feature_line(out, fl, &fl->feats[i]);
	}
	size_t dflt = 0;
	for (size_t i = 0; i < fl->nfeats; i++)
		dflt += fl->feats[i].verdict == KFP_V_DEFAULT_DENY;
	fprintf(out, "  hidden by default deny: %zu other catalog features\n", dflt);
	fputs("  guest view:\n", out);
	guest_view[fl->arch](out, pol, fl, true);
}
