/* SPDX-License-Identifier: Apache-2.0 */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/semantics/sema.h"
#include "base/util.h"

/* ---- explain ---- */

static void quote_line(FILE *out, const struct kfp_loc *l)
{
	if (!l || !l->src)
		return;
	const char *buf = l->src->buf;
	size_t start = l->off;
	while (start > 0 && buf[start - 1] != '\n')
		start--;
	size_t end = start;
	while (end < l->src->len && buf[end] != '\n')
		end++;
	while (start < end && (buf[start] == ' ' || buf[start] == '\t'))
		start++;
	fprintf(out, "      %s:%u:%u: %.*s\n", l->src->path, l->line, l->col,
		(int)(end - start > 200 ? 200 : end - start), buf + start);
}

static bool host_has(const struct kfp_host_profile *p, const void *f)
{
	return kfp_host_has_feat(p, f);
}

static bool host_lacks(const struct kfp_host_profile *p, const void *f)
{
	return !kfp_host_has_feat(p, f);
}

/* shows(host, arg): whether a fleet host shows the feature, whose kernel
 * then wins over the catalog (NULL: no host evidence). */
static void explain_kernels(FILE *out, const struct kfp_fleet *fl,
			    const struct kfp_cat_common *c, bool shown, kfp_host_shows_fn shows,
			    const void *arg)
{
	char a[16], b[16], k[16];
	struct kfp_shown sh = { 0 }, h;
	for (size_t i = 0; shows && i < fl->nclasses && !sh.host; i++) {
		kfp_kv v = kfp_profile_kv(fl->classes[i].p);
		if ((c->exposed_since == KFP_KV_NEVER || v < c->exposed_since) &&
		    kfp_fleet_kernel_shows(fl, v, c->exposed_since, shows, arg, &h))
			sh = h;
	}
	fprintf(out, "    kernels: %s shows it %s%s", sh.host ? "the catalog says KVM" : "KVM",
		c->exposed_since == KFP_KV_NEVER ? "on no kernel" :
		c->exposed_since == KFP_KV_ALWAYS ? "on every kernel" : "from ",
		c->exposed_since == KFP_KV_NEVER || c->exposed_since == KFP_KV_ALWAYS
			? "" : kfp_kv_str(c->exposed_since, a));
	fprintf(out, "; a VMM can hide it %s%s\n", c->hideable_since == KFP_KV_NEVER ? "on no kernel" :
		c->hideable_since == KFP_KV_ALWAYS ? "on every kernel" : "from ",
		c->hideable_since == KFP_KV_NEVER || c->hideable_since == KFP_KV_ALWAYS
			? "" : kfp_kv_str(c->hideable_since, b));
	if (sh.host)
		fprintf(out, "      but host %s (kernel %s) shows it, and what the fleet's hosts show wins for their kernel %s\n",
			sh.host, sh.release, kfp_kv_str(sh.since, k));
	struct kfp_shown unused;
	if (shown) {
		kfp_kv w = shows ? kfp_fleet_first_without_shown(fl, c->exposed_since, shows, arg, &unused)
				 : kfp_fleet_first_without(fl, c->exposed_since);
		if (w)
			fprintf(out, "      rule: fleet kernel %s does not show it, so it cannot be exposed\n",
				kfp_kv_str(w, k));
		else
			fprintf(out, "      rule: every fleet kernel shows it: exposing it is rollback-safe\n");
	} else {
		kfp_kv w = shows ? kfp_fleet_first_unhideable_shown(fl, c->exposed_since,
								   c->hideable_since, shows, arg,
								   &unused)
				 : kfp_fleet_first_unhideable(fl, c->exposed_since, c->hideable_since);
		if (w)
			fprintf(out, "      rule: fleet kernel %s shows it and cannot hide it\n",
				kfp_kv_str(w, k));
		else
			fprintf(out, "      rule: every fleet kernel can hide it (or does not show it)\n");
	}
	fprintf(out, "    source: %s\n", c->source);
}

/* Hiding an enlightenment hides its CPUID bits everywhere; only kernels
 * with KVM_CAP_HYPERV_ENFORCE_CPUID also refuse its MSRs and hypercalls. */
static void explain_hyperv(FILE *out, const struct kfp_policy *pol, const struct kfp_fleet *fl,
			   const struct kfp_feat *f)
{
	char a[16], k[16];
	if (kfp_feat_exposed(f) || !kfp_fleet_hyperv(fl))
		return;
	kfp_kv w = kfp_fleet_first_without(fl, pol->cat->hv_enforce_since);
	if (w)
		fprintf(out, "      enforcement: KVM refuses its MSRs and hypercalls only from %s "
			     "(KVM_CAP_HYPERV_ENFORCE_CPUID); on fleet kernel %s a guest can still use them\n",
			kfp_kv_str(pol->cat->hv_enforce_since, a), kfp_kv_str(w, k));
	else
		fprintf(out, "      enforcement: every fleet kernel refuses its MSRs and hypercalls "
			     "(KVM_CAP_HYPERV_ENFORCE_CPUID, from %s)\n",
			kfp_kv_str(pol->cat->hv_enforce_since, a));
}

static void explain_feat(FILE *out, const struct kfp_policy *pol, const struct kfp_fleet *fl,
			 const struct kfp_feat *f)
{
	fprintf(out, "  fleet \"%s\": %s %s: %s\n", fl->name, kfp_feat_kind_name(f->kind),
		f->c->name, kfp_verdict_name(f->verdict));
	if (f->mentioned) {
		fprintf(out, "    decided by '%s'%s at:\n", kfp_action_name(f->action),
			f->in_fleet ? " in the fleet's own section" : "");
		quote_line(out, &f->loc);
		if (f->in_fleet && f->common_mentioned) {
			fprintf(out, "    narrowing the common section's '%s' at:\n",
				kfp_action_name(f->common_action));
			quote_line(out, &f->common_loc);
		}
	} else {
		fputs("    the policy does not mention it: hidden by default deny\n", out);
	}
	if (f->verdict == KFP_V_NEEDS && f->needs)
		fprintf(out, "    it needs %s '%s', which is %s\n", kfp_feat_kind_name(f->needs->kind),
			f->needs->c->name, kfp_verdict_name(f->needs->verdict));
	if (fl->nhosts) {
		uint32_t n;
		char *have = kfp_hosts_phrase(fl, host_has, f, &n);
		fprintf(out, "    hosts: %u of %zu have it%s%s\n", n, fl->nhosts, n ? ": " : "", have);
		free(have);
		char *lack = kfp_hosts_phrase(fl, host_lacks, f, &n);
		if (n)
			fprintf(out, "           %u lack it: %s\n", n, lack);
		free(lack);
	} else {
		fputs("    hosts: no host profiles (the runtime checks each host when it applies)\n", out);
	}
	explain_kernels(out, fl, f->c, kfp_feat_exposed(f),
			f->kind == KFP_FEAT_VCPU ? NULL : kfp_host_shows_feat, f);
	if (f->kind == KFP_FEAT_HYPERV)
		explain_hyperv(out, pol, fl, f);
}

static void explain_field(FILE *out, const struct kfp_fleet *fl, const struct kfp_field_plan *fp)
{
	const struct kfp_cat_field *f = fp->f;
	char v1[48], v2[48];
	fprintf(out, "  fleet \"%s\": %s.%s (bits %u..%u, %s%s-safe) = %s\n", fl->name,
		f->reg->c.name, f->c.name, f->shift, f->shift + f->width - 1,
		f->is_signed ? "signed, " : "",
		kfp_field_safe_name(f->safe),
		kfp_field_str(f, fp->target, v1));
	switch (fp->rule) {
	case KFP_FIELD_VCPU_OFF:
		fprintf(out, "    0 because vcpu_init feature '%s' is off\n", fp->vcpu->c.name);
		break;
	case KFP_FIELD_HOST:
		if (fp->vcpu)
			fprintf(out, "    the host's value: it comes with vcpu_init feature '%s', which is on (KVM shows it only to vCPUs created with the feature)\n",
				fp->vcpu->c.name);
		else
			fputs("    the host's value: KVM cannot change this field\n", out);
		break;
	case KFP_FIELD_AT_MOST:
		fputs("    min(host, value): no host profiles fix it for the fleet\n", out);
		break;
	case KFP_FIELD_FIXED:
		fputs(fp->mentioned ? "    fixed by the policy and the fleet's hosts\n"
				    : "    fixed at 'not implemented' by default deny\n", out);
		break;
	}
	if (fp->mentioned) {
		fprintf(out, "    policy: %s %s at:\n", kfp_cmp_name(fp->cmp),
			kfp_field_str(f, fp->value, v1));
		quote_line(out, &fp->loc);
	}
	if (fp->hosts_known)
		fprintf(out, "    hosts: values %s..%s%s\n", kfp_field_str(f, fp->host_lo, v1),
			kfp_field_str(f, fp->host_hi, v2),
			fp->write ? "; the runtime writes the register" : "; no write needed");
	explain_kernels(out, fl, &f->c,
			fp->rule == KFP_FIELD_HOST || fp->target != kfp_field_hidden(f),
			fp->hosts_known ? kfp_host_shows_field : NULL, f);
}

int kfp_explain(const struct kfp_policy *pol, const char *feature, FILE *out)
{
	bool found = false;
	const char *dot = strchr(feature, '.');

	for (size_t i = 0; i < pol->nfleets; i++) {
		const struct kfp_fleet *fl = &pol->fleets[i];
		for (size_t k = 0; k < fl->nfeats; k++) {
			const struct kfp_feat *f = &fl->feats[k];
			bool match = !strcmp(f->c->name, feature);
			for (size_t a = 0; !match && f->c->aliases && f->c->aliases[a]; a++)
				match = !strcmp(f->c->aliases[a], feature);
			if (match) {
				explain_feat(out, pol, fl, f);
				found = true;
			}
		}
		for (size_t r = 0; r < fl->nregs; r++) {
			const struct kfp_reg_plan *rp = &fl->regs[r];
			for (size_t j = 0; j < rp->nfields; j++) {
				const struct kfp_cat_field *f = rp->fields[j].f;
				bool match = dot ? (!strncmp(feature, rp->r->c.name, (size_t)(dot - feature)) &&
						    strlen(rp->r->c.name) == (size_t)(dot - feature) &&
						    !strcmp(dot + 1, f->c.name))
						 : !strcmp(feature, f->c.name);
				if (match) {
					explain_field(out, fl, &rp->fields[j]);
					found = true;
				}
			}
		}
	}
	return found ? 0 : -1;
}

/* ---- diff ---- */

enum relation { SAME, MORE, LESS, MIXED };

static enum relation join(enum relation a, enum relation b)
{
	if (a == SAME)
		return b;
	if (b == SAME || a == b)
		return a;
	return MIXED;
}

/* Compares one fleet; prints the changes; returns how NEW relates to OLD. */
static enum relation diff_fleet(const struct kfp_fleet *a, const struct kfp_fleet *b, FILE *out)
{
	enum relation rel = SAME;
	for (size_t i = 0; i < b->nfeats; i++) {
		const struct kfp_feat *nf = &b->feats[i];
		const struct kfp_feat *of = kfp_fleet_feat(a, nf->kind, nf->cat);
		bool was = of && kfp_feat_exposed(of), is = kfp_feat_exposed(nf);
		if (was == is)
			continue;
		fprintf(out, "    %c %s %s\n", is ? '+' : '-', kfp_feat_kind_name(nf->kind), nf->c->name);
		rel = join(rel, is ? MORE : LESS);
	}
	for (size_t r = 0; r < b->nregs && r < a->nregs; r++)
		for (size_t j = 0; j < b->regs[r].nfields; j++) {
			const struct kfp_field_plan *nf = &b->regs[r].fields[j];
			const struct kfp_field_plan *of = &a->regs[r].fields[j];
			bool same_rule = nf->rule == of->rule;
			if (same_rule && nf->target == of->target)
				continue;
			int c = kfp_field_cmp(nf->f, nf->target, of->target);
			/* Higher is more for lower-safe fields, and the other way
			 * round for higher-safe ones. */
			if (nf->f->safe == KFP_SAFE_HIGHER)
				c = -c;
			fprintf(out, "    %c %s.%s: %" PRIu64 " -> %" PRIu64 "%s\n",
				c > 0 ? '+' : c < 0 ? '-' : '~', nf->f->reg->c.name, nf->f->c.name,
				of->target, nf->target, same_rule ? "" : " (rule changed)");
			rel = join(rel, !same_rule || c == 0 ? MIXED : c > 0 ? MORE : LESS);
		}
	return rel;
}

int kfp_diff(const struct kfp_policy *old, const struct kfp_policy *new_pol, FILE *out)
{
	int differ = 0;
	for (size_t i = 0; i < new_pol->nfleets; i++) {
		const struct kfp_fleet *b = &new_pol->fleets[i];
		const struct kfp_fleet *a = kfp_policy_fleet(old, b->name);
		fprintf(out, "fleet \"%s\":\n", b->name);
		if (!a) {
			fputs("  new fleet (not in OLD)\n", out);
			differ = 1;
			continue;
		}
		if (a->arch != b->arch) {
			fprintf(out, "  incompatible: arch changed from %s to %s\n",
				kfp_arch_name(a->arch), kfp_arch_name(b->arch));
			differ = 1;
			continue;
		}
		enum relation rel = diff_fleet(a, b, out);
		if (rel == SAME && memcmp(a->id, b->id, 16))
			rel = MIXED; /* something outside features and fields */
		switch (rel) {
		case SAME:
			fputs("  identical: VMs move both ways\n", out);
			break;
		case MORE:
			fputs("  superset (forward only): VMs started under OLD can move to hosts that apply NEW; VMs started under NEW cannot move back\n", out);
			break;
		case LESS:
		case MIXED:
			fputs("  incompatible: VMs started under OLD would lose features on hosts that apply NEW\n", out);
			break;
		}
		differ |= rel != SAME;
	}
	for (size_t i = 0; i < old->nfleets; i++)
		if (!kfp_policy_fleet(new_pol, old->fleets[i].name)) {
			fprintf(out, "fleet \"%s\":\n  removed (not in NEW)\n", old->fleets[i].name);
			differ = 1;
		}
	return differ;
}

/* ---- catalog documents ---- */

static void md_row_common(FILE *out, const struct kfp_cat_common *c)
{
	char a[16], b[16];
	fprintf(out, " | %s | %s |", kfp_kv_str(c->exposed_since, a), kfp_kv_str(c->hideable_since, b));
}

static void md_name(FILE *out, const struct kfp_cat_common *c)
{
	fprintf(out, "| `%s`", c->name);
	for (size_t i = 0; c->aliases && c->aliases[i]; i++)
		fprintf(out, "%s`%s`", i ? ", " : " (", c->aliases[i]);
	if (c->aliases && c->aliases[0])
		fputc(')', out);
}

void kfp_catalog_markdown(const struct kfp_catalog *cat, int arch, FILE *out)
{
	char b[16];
	fputs("# kfp kernel matrix\n\n"
	      "Generated by `kfpc catalog --format md` from `compiler/catalog/`; do not edit.\n"
	      "For every feature KVM can show a guest: where it lives, the first kernel\n"
	      "from which KVM shows it (*exposed*) and the first from which a VMM can\n"
	      "hide it (*hideable*). \"always\" means every kernel the catalog describes;\n"
	      "\"never\" means no such kernel. Versions are those of Debian's kernel\n"
	      "packages, which carry stable backports; see each entry's `source` in the\n"
	      "catalog for the evidence.\n\n", out);
	fprintf(out, "Baseline: %s (a version of %s means \"%s or earlier\").\n\n",
		kfp_kv_str(cat->baseline, b), b, b);
	if (arch != KFP_ARCH_ARM64) {
		fputs("## x86_64\n\n### CPUID features\n\n"
		      "| feature | CPUID | exposed | hideable | needs |\n|---|---|---|---|---|\n", out);
		for (size_t i = 0; i < cat->ncpuid; i++) {
			const struct kfp_cat_cpuid *c = &cat->cpuid[i];
			md_name(out, &c->c);
			fprintf(out, " | 0x%08x.%u %s[%u]", c->leaf, c->subleaf,
				kfp_cpuid_reg_name(c->reg), c->bit);
			md_row_common(out, &c->c);
			fputc(' ', out);
			for (size_t k = 0; c->requires[k]; k++)
				fprintf(out, "%s%s", k ? ", " : "", c->requires[k]->c.name);
			for (size_t k = 0; c->requires_xsave[k]; k++)
				fprintf(out, "%sxsave %s", k || c->requires[0] ? ", " : "",
					c->requires_xsave[k]->c.name);
			if (c->vmm_owned && c->capability)
				fprintf(out, "%sset by the VMM, with KVM capability %u",
					c->requires[0] || c->requires_xsave[0] ? "; " : "",
					c->capability);
			else if (c->vmm_owned)
				fprintf(out, "%sset by the VMM",
					c->requires[0] || c->requires_xsave[0] ? "; " : "");
			fputs(" |\n", out);
		}
		fputs("\n### KVM paravirtual features (CPUID 0x40000001 EAX)\n\n"
		      "Each needs the CPUID feature `hypervisor`: a guest looks for the KVM\n"
		      "leaves only when the hypervisor bit is set.\n\n"
		      "| feature | bit | exposed | hideable |\n|---|---|---|---|\n", out);
		for (size_t i = 0; i < cat->nkvm; i++) {
			md_name(out, &cat->kvm[i].c);
			fprintf(out, " | %u", cat->kvm[i].bit);
			md_row_common(out, &cat->kvm[i].c);
			fputc('\n', out);
		}
		fputs("\n### xsave components\n\n"
		      "| component | register[bit] | KVM supports | exposed | hideable |\n|---|---|---|---|---|\n",
		      out);
		for (size_t i = 0; i < cat->nxsave; i++) {
			const struct kfp_cat_xsave *x = &cat->xsave[i];
			md_name(out, &x->c);
			fprintf(out, " | %s[%u] | %s", x->xss ? "XSS" : "XCR0", x->bit,
				x->kvm_supported ? "yes" : "no");
			md_row_common(out, &x->c);
			fputc('\n', out);
		}
		fputs("\n### Nested VMX controls\n\n"
		      "| control | MSR[bit] | exposed | hideable |\n|---|---|---|---|\n", out);
		for (size_t i = 0; i < cat->nvmx; i++) {
			md_name(out, &cat->vmx[i].c);
			fprintf(out, " | %s (0x%x)[%u]", cat->vmx[i].msr_name, cat->vmx[i].msr,
				cat->vmx[i].bit);
			md_row_common(out, &cat->vmx[i].c);
			fputc('\n', out);
		}
		if (cat->nhyperv) {
			fprintf(out, "\n### Hyper-V enlightenments (QEMU's names)\n\n"
				     "Hidden in CPUID on every kernel; their MSRs and hypercalls are refused "
				     "only from %s (KVM_CAP_HYPERV_ENFORCE_CPUID).\n\n"
				     "| enlightenment | CPUID bits | exposed | needs |\n|---|---|---|---|\n",
				kfp_kv_str(cat->hv_enforce_since, b));
			for (size_t i = 0; i < cat->nhyperv; i++) {
				const struct kfp_cat_hyperv *h = &cat->hyperv[i];
				char e[16];
				md_name(out, &h->c);
				fputs(" |", out);
				for (size_t k = 0; k < h->nbits; k++)
					fprintf(out, "%s0x%08x %s[%u]", k ? ", " : " ", h->bits[k].leaf,
						kfp_cpuid_reg_name(h->bits[k].reg), h->bits[k].bit);
				fprintf(out, " | %s | ", kfp_kv_str(h->c.exposed_since, e));
				for (size_t k = 0; h->requires[k]; k++)
					fprintf(out, "%s%s", k ? ", " : "", h->requires[k]->c.name);
				fputs(" |\n", out);
			}
		}
		if (cat->nevmcs) {
			fputs("\n### VMX controls KVM hides from an eVMCS guest (hv-evmcs)\n\n"
			      "| control | from | until |\n|---|---|---|\n", out);
			for (size_t i = 0; i < cat->nevmcs; i++) {
				char s[16], u[16];
				fprintf(out, "| `%s` | %s | %s |\n", cat->evmcs[i].control->c.name,
					kfp_kv_str(cat->evmcs[i].since, s), kfp_kv_str(cat->evmcs[i].until, u));
			}
		}
		for (size_t m = 0; m < cat->nmsrs; m++) {
			fprintf(out, "\n### %s (MSR 0x%x)\n\n| bit name | bit | KVM supports | exposed | hideable |\n|---|---|---|---|---|\n",
				cat->msrs[m].c.name, cat->msrs[m].index);
			for (size_t i = 0; i < cat->msrs[m].nbits; i++) {
				const struct kfp_cat_msr_bit *mb = &cat->msrs[m].bits[i];
				md_name(out, &mb->c);
				fprintf(out, " | %u | %s", mb->bit, mb->kvm_supported ? "yes" : "no");
				md_row_common(out, &mb->c);
				fputc('\n', out);
			}
		}
		fputc('\n', out);
	}
	if (arch != KFP_ARCH_X86_64) {
		fputs("## arm64\n\n### ID-register fields\n\n"
		      "| register | field | bits | signed | safe | exposed | hideable |\n|---|---|---|---|---|---|---|\n",
		      out);
		for (size_t i = 0; i < cat->nid_regs; i++) {
			const struct kfp_cat_id_reg *r = &cat->id_regs[i];
			if (!r->nfields)
				fprintf(out, "| `%s` (%u,%u,%u,%u,%u) | (no fields) | | | | %s | |\n",
					r->c.name, r->op0, r->op1, r->crn, r->crm, r->op2,
					kfp_kv_str(r->c.exposed_since, b));
			for (size_t j = 0; j < r->nfields; j++) {
				const struct kfp_cat_field *f = &r->fields[j];
				fprintf(out, "| `%s` (%u,%u,%u,%u,%u) | `%s` | %u..%u | %s | %s", r->c.name,
					r->op0, r->op1, r->crn, r->crm, r->op2, f->c.name, f->shift,
					f->shift + f->width - 1, f->is_signed ? "yes" : "no",
					kfp_field_safe_name(f->safe));
				md_row_common(out, &f->c);
				fputc('\n', out);
			}
		}
		fputs("\n### Firmware registers and hypercall bitmaps\n\n"
		      "| register / hypercall | id[bit] | exposed | hideable |\n|---|---|---|---|\n", out);
		for (size_t i = 0; i < cat->nfw_regs; i++) {
			const struct kfp_cat_fw_reg *r = &cat->fw_regs[i];
			fprintf(out, "| `%s` | 0x%016" PRIx64, r->c.name, r->id);
			md_row_common(out, &r->c);
			fputc('\n', out);
			for (size_t j = 0; j < r->nbits; j++) {
				fprintf(out, "| `%s` | [%u]", r->bits[j].c.name, r->bits[j].bit);
				md_row_common(out, &r->bits[j].c);
				fputc('\n', out);
			}
		}
		fputs("\n### vcpu_init features\n\n| feature | bit | capability | exposed |\n|---|---|---|---|\n",
		      out);
		for (size_t i = 0; i < cat->nvcpu; i++)
			fprintf(out, "| `%s` | %u | %u | %s |\n", cat->vcpu[i].c.name, cat->vcpu[i].bit,
				cat->vcpu[i].capability, kfp_kv_str(cat->vcpu[i].c.exposed_since, b));
		fputs("\n### Registers of features (migration checks)\n\n"
		      "| register | ONE_REG id / mask | feature | gate | reset | listed |\n"
		      "|---|---|---|---|---|---|\n",
		      out);
		for (size_t i = 0; i < cat->nfeature_regs; i++) {
			const struct kfp_cat_feature_reg *r = &cat->feature_regs[i];
			fprintf(out, "| `%s` | 0x%016" PRIx64, r->c.name, r->match);
			if (r->mask != UINT64_MAX)
				fprintf(out, " / 0x%016" PRIx64, r->mask);
			fprintf(out, " | %s | ", r->feature);
			if (r->gate == KFP_REG_GATE_FIELD)
				fprintf(out, "`%s.%s`", r->field->reg->c.name, r->field->c.name);
			else if (r->gate == KFP_REG_GATE_VCPU)
				fprintf(out, "vcpu `%s`", r->vcpu->c.name);
			else
				fputs("none", out);
			if (r->counter)
				fputs(" | counter", out);
			else if (r->has_reset && r->reset_mask != UINT64_MAX)
				fprintf(out, " | 0x%" PRIx64 " (bits 0x%" PRIx64 ")", r->reset, r->reset_mask);
			else if (r->has_reset)
				fprintf(out, " | 0x%" PRIx64, r->reset);
			else
				fputs(" | -", out);
			fprintf(out, " | %s |\n", kfp_kv_str(r->c.exposed_since, b));
		}
	}
}

/* ---- the catalog as YAML: the catalog files' own format ---- */

/* A double-quoted YAML scalar. */
static void y_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

static void y_kv(FILE *out, const char *ind, const char *key, kfp_kv v)
{
	char b[16];
	fprintf(out, "%s%s: \"%s\"\n", ind, key, kfp_kv_str(v, b));
}

/* The fields every entry has, name first: "- name:" starts an entry.  The
 * rest of the common part comes after the entry's own fields (y_tail). */
static void y_head(FILE *out, const struct kfp_cat_common *c, const char *ind)
{
	fprintf(out, "%.*s- name: ", (int)strlen(ind) - 2, ind);
	y_str(out, c->name);
	fputc('\n', out);
	if (c->aliases && c->aliases[0]) {
		fprintf(out, "%saliases: [", ind);
		for (size_t i = 0; c->aliases[i]; i++) {
			fputs(i ? ", " : "", out);
			y_str(out, c->aliases[i]);
		}
		fputs("]\n", out);
	}
}

static void y_tail(FILE *out, const struct kfp_cat_common *c, const char *ind, bool hideable)
{
	y_kv(out, ind, "exposed_since", c->exposed_since);
	if (hideable)
		y_kv(out, ind, "hideable_since", c->hideable_since);
	fprintf(out, "%ssource: ", ind);
	y_str(out, c->source);
	fputc('\n', out);
}

/* "requires: [a, b]": the names of NULL-terminated catalog pointers. */
#define Y_NAMES(out, ind, key, arr)                                           \
	do {                                                                   \
		if (!(arr)[0])                                                 \
			break;                                                 \
		fprintf(out, "%s%s: [", ind, key);                             \
		for (size_t i_ = 0; (arr)[i_]; i_++) {                         \
			fputs(i_ ? ", " : "", out);                            \
			y_str(out, (arr)[i_]->c.name);                         \
		}                                                              \
		fputs("]\n", out);                                             \
	} while (0)

/* A Hyper-V CPUID bit as the loader reads it: {leaf, reg, bit, define}. */
static void y_hv_bit(FILE *out, const struct kfp_cat_hv_bit *b)
{
	fprintf(out, "{leaf: 0x%" PRIx32 ", reg: %s, bit: %u", b->leaf, kfp_cpuid_reg_name(b->reg),
		b->bit);
	if (b->define) {
		fputs(", define: ", out);
		y_str(out, b->define);
	}
	fputc('}', out);
}

static void y_x86(const struct kfp_catalog *cat, FILE *out)
{
	const char *in = "    ", *in2 = "        ";
	fputs("arch: x86_64\n", out);
	y_kv(out, "", "baseline", cat->baseline);
	fputs("cpuid_features:\n", out);
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *c = &cat->cpuid[i];
		y_head(out, &c->c, in);
		fprintf(out, "%sleaf: 0x%" PRIx32 "\n%ssubleaf: %" PRIu32 "\n%sreg: %s\n%sbit: %u\n",
			in, c->leaf, in, c->subleaf, in, kfp_cpuid_reg_name(c->reg), in, c->bit);
		Y_NAMES(out, in, "requires", c->requires);
		Y_NAMES(out, in, "requires_xsave", c->requires_xsave);
		if (c->vmm_owned)
			fprintf(out, "%svmm_owned: true\n%scapability: %" PRIu32 "\n", in, in,
				c->capability);
		if (c->nleaves) {
			fprintf(out, "%sleaves: [", in);
			for (size_t k = 0; k < c->nleaves; k++)
				fprintf(out, "%s0x%x", k ? ", " : "", c->leaves[k]);
			fputs("]\n", out);
		}
		y_tail(out, &c->c, in, true);
	}
	fputs("kvm_features:\n", out);
	for (size_t i = 0; i < cat->nkvm; i++) {
		y_head(out, &cat->kvm[i].c, in);
		fprintf(out, "%sbit: %u\n", in, cat->kvm[i].bit);
		y_tail(out, &cat->kvm[i].c, in, true);
	}
	fputs("xsave_components:\n", out);
	for (size_t i = 0; i < cat->nxsave; i++) {
		const struct kfp_cat_xsave *x = &cat->xsave[i];
		y_head(out, &x->c, in);
		fprintf(out, "%sbit: %u\n%sregister: %s\n%skvm_supported: %s\n", in, x->bit, in,
			x->xss ? "xss" : "xcr0", in, x->kvm_supported ? "true" : "false");
		Y_NAMES(out, in, "requires", x->requires);
		y_tail(out, &x->c, in, true);
	}
	fputs("vmx_controls:\n", out);
	for (size_t i = 0; i < cat->nvmx; i++) {
		const struct kfp_cat_vmx *v = &cat->vmx[i];
		y_head(out, &v->c, in);
		fprintf(out, "%smsr: 0x%" PRIx32 "\n%smsr_name: ", in, v->msr, in);
		y_str(out, v->msr_name);
		fprintf(out, "\n%sbit: %u\n", in, v->bit);
		y_tail(out, &v->c, in, true);
	}
	if (cat->nhyperv) {
		fputs("hyperv:\n", out);
		y_kv(out, "  ", "enforce_cpuid_since", cat->hv_enforce_since);
		fputs("  enforce_cpuid_source: ", out);
		y_str(out, cat->hv_enforce_source);
		fputs("\n  hypercall_bit: ", out);
		y_hv_bit(out, &cat->hv_hypercall);
		fputs("\nhyperv_features:\n", out);
	}
	for (size_t i = 0; i < cat->nhyperv; i++) {
		const struct kfp_cat_hyperv *h = &cat->hyperv[i];
		y_head(out, &h->c, in);
		fprintf(out, "%sbits:\n", in);
		for (size_t k = 0; k < h->nbits; k++) {
			fprintf(out, "%s- ", in);
			y_hv_bit(out, &h->bits[k]);
			fputc('\n', out);
		}
		Y_NAMES(out, in, "requires", h->requires);
		y_tail(out, &h->c, in, false);
	}
	if (cat->nevmcs)
		fputs("evmcs_filters:\n", out);
	for (size_t i = 0; i < cat->nevmcs; i++) {
		const struct kfp_cat_evmcs_filter *e = &cat->evmcs[i];
		fputs("  - control: ", out);
		y_str(out, e->control->c.name);
		fputc('\n', out);
		y_kv(out, in, "filtered_since", e->since);
		y_kv(out, in, "filtered_until", e->until);
		fprintf(out, "%ssource: ", in);
		y_str(out, e->source);
		fputc('\n', out);
	}
	fputs("msrs:\n", out);
	for (size_t m = 0; m < cat->nmsrs; m++) {
		const struct kfp_cat_msr *msr = &cat->msrs[m];
		y_head(out, &msr->c, in);
		fprintf(out, "%sindex: 0x%" PRIx32 "\n", in, msr->index);
		y_tail(out, &msr->c, in, false);
		fprintf(out, "%sbits:%s\n", in, msr->nbits ? "" : " []");
		for (size_t i = 0; i < msr->nbits; i++) {
			const struct kfp_cat_msr_bit *b = &msr->bits[i];
			y_head(out, &b->c, in2);
			fprintf(out, "%sbit: %u\n%skvm_supported: %s\n", in2, b->bit, in2,
				b->kvm_supported ? "true" : "false");
			y_tail(out, &b->c, in2, true);
		}
	}
}

static void y_arm64(const struct kfp_catalog *cat, FILE *out)
{
	const char *in = "    ", *in2 = "        ";
	fputs("arch: arm64\n", out);
	y_kv(out, "", "baseline", cat->baseline);
	fputs("id_registers:\n", out);
	for (size_t i = 0; i < cat->nid_regs; i++) {
		const struct kfp_cat_id_reg *r = &cat->id_regs[i];
		y_head(out, &r->c, in);
		fprintf(out, "%sencoding: [%u, %u, %u, %u, %u]\n", in, r->op0, r->op1, r->crn,
			r->crm, r->op2);
		y_tail(out, &r->c, in, false);
		fprintf(out, "%sfields:%s\n", in, r->nfields ? "" : " []");
		for (size_t j = 0; j < r->nfields; j++) {
			const struct kfp_cat_field *f = &r->fields[j];
			y_head(out, &f->c, in2);
			fprintf(out, "%sshift: %u\n%swidth: %u\n%ssigned: %s\n%ssafe: %s\n", in2,
				f->shift, in2, f->width, in2, f->is_signed ? "true" : "false", in2,
				kfp_field_safe_name(f->safe));
			if (f->nvalues) {
				fprintf(out, "%svalues: {", in2);
				for (size_t k = 0; k < f->nvalues; k++) {
					fputs(k ? ", " : "", out);
					y_str(out, f->values[k].name);
					fprintf(out, ": %" PRIu64, f->values[k].value);
				}
				fputs("}\n", out);
			}
			y_tail(out, &f->c, in2, true);
		}
	}
	fputs("firmware_registers:\n", out);
	for (size_t i = 0; i < cat->nfw_regs; i++) {
		const struct kfp_cat_fw_reg *r = &cat->fw_regs[i];
		y_head(out, &r->c, in);
		fprintf(out, "%sid: 0x%016" PRIx64 "\n%skind: %s\n", in, r->id, in,
			r->bitmap ? "bitmap" : "value");
		y_tail(out, &r->c, in, r->bitmap);
		if (!r->nbits)
			continue;
		fprintf(out, "%sbits:\n", in);
		for (size_t j = 0; j < r->nbits; j++) {
			y_head(out, &r->bits[j].c, in2);
			fprintf(out, "%sbit: %u\n", in2, r->bits[j].bit);
			y_tail(out, &r->bits[j].c, in2, true);
		}
	}
	fputs("vcpu_init_features:\n", out);
	for (size_t i = 0; i < cat->nvcpu; i++) {
		const struct kfp_cat_vcpu_feature *v = &cat->vcpu[i];
		y_head(out, &v->c, in);
		fprintf(out, "%sbit: %u\n%scapability: %" PRIu32 "\n", in, v->bit, in, v->capability);
		y_tail(out, &v->c, in, false);
	}
	fputs("feature_registers:\n", out);
	for (size_t i = 0; i < cat->nfeature_regs; i++) {
		const struct kfp_cat_feature_reg *r = &cat->feature_regs[i];
		y_head(out, &r->c, in);
		fprintf(out, "%sid: 0x%016" PRIx64 "\n", in, r->match);
		if (r->mask != UINT64_MAX)
			fprintf(out, "%smask: 0x%016" PRIx64 "\n", in, r->mask);
		fprintf(out, "%sfeature: ", in);
		y_str(out, r->feature);
		fprintf(out, "\n%sgate: ", in);
		switch (r->gate) {
		case KFP_REG_GATE_VCPU:
			fprintf(out, "\"vcpu %s\"\n", r->vcpu->c.name);
			break;
		case KFP_REG_GATE_FIELD:
			for (size_t k = 0; k < cat->nid_regs; k++) {
				const struct kfp_cat_id_reg *reg = &cat->id_regs[k];
				if (r->field >= reg->fields && r->field < reg->fields + reg->nfields)
					fprintf(out, "%s.%s\n", reg->c.name, r->field->c.name);
			}
			break;
		default:
			fputs("none\n", out);
		}
		if (r->has_reset)
			fprintf(out, "%sreset: 0x%" PRIx64 "\n", in, r->reset);
		if (r->reset_mask != UINT64_MAX)
			fprintf(out, "%sreset_mask: 0x%" PRIx64 "\n", in, r->reset_mask);
		if (r->counter)
			fprintf(out, "%scounter: true\n", in);
		y_tail(out, &r->c, in, false);
	}
}

void kfp_catalog_yaml(const struct kfp_catalog *cat, int arch, FILE *out)
{
	fputs("# kfp catalog, written by kfpc catalog --format yaml: the catalog file\n"
	      "# format (compiler/catalog), every field, loadable with --catalog DIR.\n", out);
	if (arch != KFP_ARCH_ARM64)
		y_x86(cat, out);
	if (arch == -1)
		fputs("---\n", out);
	if (arch != KFP_ARCH_X86_64)
		y_arm64(cat, out);
}
