/* SPDX-License-Identifier: Apache-2.0 */
#include "report.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sema.h"
#include "util.h"

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

static void explain_kernels(FILE *out, const struct kfp_fleet *fl,
			    const struct kfp_cat_common *c, bool shown)
{
	char a[16], b[16], k[16];
	fprintf(out, "    kernels: KVM shows it %s%s", c->exposed_since == KFP_KV_NEVER ? "on no kernel" :
		c->exposed_since == KFP_KV_ALWAYS ? "on every kernel" : "from ",
		c->exposed_since == KFP_KV_NEVER || c->exposed_since == KFP_KV_ALWAYS
			? "" : kfp_kv_str(c->exposed_since, a));
	fprintf(out, "; a VMM can hide it %s%s\n", c->hideable_since == KFP_KV_NEVER ? "on no kernel" :
		c->hideable_since == KFP_KV_ALWAYS ? "on every kernel" : "from ",
		c->hideable_since == KFP_KV_NEVER || c->hideable_since == KFP_KV_ALWAYS
			? "" : kfp_kv_str(c->hideable_since, b));
	if (shown) {
		kfp_kv w = kfp_fleet_first_without(fl, c->exposed_since);
		if (w)
			fprintf(out, "      rule: fleet kernel %s does not show it, so it cannot be exposed\n",
				kfp_kv_str(w, k));
		else
			fprintf(out, "      rule: every fleet kernel shows it: exposing it is rollback-safe\n");
	} else {
		kfp_kv w = kfp_fleet_first_unhideable(fl, c->exposed_since, c->hideable_since);
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
	explain_kernels(out, fl, f->c, kfp_feat_exposed(f));
	if (f->kind == KFP_FEAT_HYPERV)
		explain_hyperv(out, pol, fl, f);
}

static void explain_field(FILE *out, const struct kfp_fleet *fl, const struct kfp_field_plan *fp)
{
	const struct kfp_cat_field *f = fp->f;
	fprintf(out, "  fleet \"%s\": %s.%s (bits %u..%u, %s%s-safe) = %" PRIu64 "\n", fl->name,
		f->reg->c.name, f->c.name, f->shift, f->shift + f->width - 1,
		f->is_signed ? "signed, " : "",
		f->safe == KFP_SAFE_LOWER ? "lower" : f->safe == KFP_SAFE_HIGHER ? "higher" : "exact",
		fp->target);
	switch (fp->rule) {
	case KFP_FIELD_VCPU_OFF:
		fprintf(out, "    0 because vcpu_init feature '%s' is off\n", fp->vcpu->c.name);
		break;
	case KFP_FIELD_HOST:
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
		fprintf(out, "    policy: %s %" PRIu64 " at:\n", kfp_cmp_name(fp->cmp), fp->value);
		quote_line(out, &fp->loc);
	}
	if (fp->hosts_known)
		fprintf(out, "    hosts: values %" PRIu64 "..%" PRIu64 "%s\n", fp->host_lo, fp->host_hi,
			fp->write ? "; the runtime writes the register" : "; no write needed");
	explain_kernels(out, fl, &f->c, fp->target != kfp_field_hidden(f));
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
	if (!found) {
		fprintf(stderr, "kfpc: no feature '%s' in the catalog for this policy's fleets\n",
			feature);
		return -1;
	}
	return 0;
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
			fputs(" |\n", out);
		}
		fputs("\n### KVM paravirtual features (CPUID 0x40000001 EAX)\n\n"
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
					f->safe == KFP_SAFE_LOWER ? "lower" :
					f->safe == KFP_SAFE_HIGHER ? "higher" : "exact");
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
	}
}

static void y_common(FILE *out, const struct kfp_cat_common *c, const char *ind)
{
	char a[16], b[16];
	fprintf(out, "%sexposed_since: \"%s\"\n%shideable_since: \"%s\"\n", ind,
		kfp_kv_str(c->exposed_since, a), ind, kfp_kv_str(c->hideable_since, b));
}

void kfp_catalog_yaml(const struct kfp_catalog *cat, int arch, FILE *out)
{
	fputs("# kfp catalog, normalised by kfpc catalog --format yaml\n", out);
	if (arch != KFP_ARCH_ARM64) {
		fputs("x86_64:\n  cpuid_features:\n", out);
		for (size_t i = 0; i < cat->ncpuid; i++) {
			const struct kfp_cat_cpuid *c = &cat->cpuid[i];
			fprintf(out, "    - name: %s\n      leaf: 0x%x\n      subleaf: %u\n      reg: %s\n      bit: %u\n",
				c->c.name, c->leaf, c->subleaf, kfp_cpuid_reg_name(c->reg), c->bit);
			y_common(out, &c->c, "      ");
		}
		fputs("  kvm_features:\n", out);
		for (size_t i = 0; i < cat->nkvm; i++) {
			fprintf(out, "    - name: %s\n      bit: %u\n", cat->kvm[i].c.name, cat->kvm[i].bit);
			y_common(out, &cat->kvm[i].c, "      ");
		}
		fputs("  xsave_components:\n", out);
		for (size_t i = 0; i < cat->nxsave; i++) {
			fprintf(out, "    - name: %s\n      bit: %u\n      register: %s\n",
				cat->xsave[i].c.name, cat->xsave[i].bit, cat->xsave[i].xss ? "xss" : "xcr0");
			y_common(out, &cat->xsave[i].c, "      ");
		}
		fputs("  vmx_controls:\n", out);
		for (size_t i = 0; i < cat->nvmx; i++) {
			fprintf(out, "    - name: %s\n      msr: 0x%x\n      bit: %u\n", cat->vmx[i].c.name,
				cat->vmx[i].msr, cat->vmx[i].bit);
			y_common(out, &cat->vmx[i].c, "      ");
		}
		if (cat->nhyperv) {
			char e[16];
			fprintf(out, "  hyperv_enforce_cpuid_since: \"%s\"\n  hyperv_features:\n",
				kfp_kv_str(cat->hv_enforce_since, e));
		}
		for (size_t i = 0; i < cat->nhyperv; i++) {
			const struct kfp_cat_hyperv *h = &cat->hyperv[i];
			fprintf(out, "    - name: %s\n      bits:\n", h->c.name);
			for (size_t k = 0; k < h->nbits; k++)
				fprintf(out, "        - {leaf: 0x%x, reg: %s, bit: %u}\n", h->bits[k].leaf,
					kfp_cpuid_reg_name(h->bits[k].reg), h->bits[k].bit);
			y_common(out, &h->c, "      ");
		}
		if (cat->nevmcs)
			fputs("  evmcs_filters:\n", out);
		for (size_t i = 0; i < cat->nevmcs; i++) {
			char s[16], u[16];
			fprintf(out, "    - control: %s\n      filtered_since: \"%s\"\n      filtered_until: \"%s\"\n",
				cat->evmcs[i].control->c.name, kfp_kv_str(cat->evmcs[i].since, s),
				kfp_kv_str(cat->evmcs[i].until, u));
		}
		fputs("  msrs:\n", out);
		for (size_t m = 0; m < cat->nmsrs; m++) {
			fprintf(out, "    - name: %s\n      index: 0x%x\n      bits:\n", cat->msrs[m].c.name,
				cat->msrs[m].index);
			for (size_t i = 0; i < cat->msrs[m].nbits; i++) {
				fprintf(out, "        - name: %s\n          bit: %u\n",
					cat->msrs[m].bits[i].c.name, cat->msrs[m].bits[i].bit);
				y_common(out, &cat->msrs[m].bits[i].c, "          ");
			}
		}
	}
	if (arch != KFP_ARCH_X86_64) {
		fputs("arm64:\n  id_registers:\n", out);
		for (size_t i = 0; i < cat->nid_regs; i++) {
			const struct kfp_cat_id_reg *r = &cat->id_regs[i];
			fprintf(out, "    - name: %s\n      id: 0x%016" PRIx64 "\n      fields:\n", r->c.name, r->id);
			for (size_t j = 0; j < r->nfields; j++) {
				const struct kfp_cat_field *f = &r->fields[j];
				fprintf(out, "        - name: %s\n          shift: %u\n          width: %u\n          signed: %s\n          safe: %s\n",
					f->c.name, f->shift, f->width, f->is_signed ? "true" : "false",
					f->safe == KFP_SAFE_LOWER ? "lower" :
					f->safe == KFP_SAFE_HIGHER ? "higher" : "exact");
				y_common(out, &f->c, "          ");
			}
		}
		fputs("  firmware_registers:\n", out);
		for (size_t i = 0; i < cat->nfw_regs; i++) {
			fprintf(out, "    - name: %s\n      id: 0x%016" PRIx64 "\n", cat->fw_regs[i].c.name,
				cat->fw_regs[i].id);
			for (size_t j = 0; j < cat->fw_regs[i].nbits; j++) {
				fprintf(out, "      - bit: %s %u\n", cat->fw_regs[i].bits[j].c.name,
					cat->fw_regs[i].bits[j].bit);
			}
		}
		fputs("  vcpu_init_features:\n", out);
		for (size_t i = 0; i < cat->nvcpu; i++)
			fprintf(out, "    - name: %s\n      bit: %u\n", cat->vcpu[i].c.name, cat->vcpu[i].bit);
	}
}
