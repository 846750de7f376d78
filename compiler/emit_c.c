/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C emitter: one `const struct kfp_config` per fleet, in the format of
 * runtime/include/kfp/table.h.  Rows carry their policy locations.  The
 * output compiles with -std=c11 -Wall -Wextra -Werror -pedantic.
 */
#include "emit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sema.h"
#include "util.h"

/* Informational CPUID registers, copied from the host: identification,
 * cache and topology descriptions, address sizes.  They describe the
 * machine, not features a guest could start to depend on across kernels.
 * `reg` 4 means all four registers; subleaf ~0 means every subleaf. */
static const struct {
	uint32_t leaf, subleaf;
	uint8_t reg;
} pass_regs[] = {
	{ 0x00000000, 0, 4 },         /* max basic leaf, vendor */
	{ 0x00000001, 0, 0 },         /* family, model, stepping */
	{ 0x00000001, 0, 1 },         /* brand index, CLFLUSH size, APIC id */
	{ 0x00000002, 0, 4 },         /* cache descriptors */
	{ 0x00000004, ~0u, 4 },       /* deterministic cache parameters */
	{ 0x00000007, 0, 0 },         /* max subleaf of leaf 7 */
	{ 0x0000000b, ~0u, 4 },       /* x2APIC topology */
	{ 0x00000016, 0, 4 },         /* frequency information */
	{ 0x0000001f, ~0u, 4 },       /* V2 extended topology */
	{ 0x40000000, 0, 4 },         /* KVM signature, max hypervisor leaf */
	{ 0x80000000, 0, 4 },         /* max extended leaf */
	{ 0x80000001, 0, 0 },         /* extended signature */
	{ 0x80000002, 0, 4 },         /* brand string */
	{ 0x80000003, 0, 4 },
	{ 0x80000004, 0, 4 },
	{ 0x80000005, 0, 4 },         /* L1 cache and TLB */
	{ 0x80000006, 0, 4 },         /* L2/L3 cache */
	{ 0x80000008, 0, 0 },         /* address sizes */
	{ 0x80000008, 0, 2 },         /* core count */
	{ 0x8000001d, ~0u, 4 },       /* AMD cache topology */
	{ 0x8000001e, 0, 4 },         /* AMD topology */
};

char *kfp_c_prefix(const struct kfp_policy *pol)
{
	char *p = kfp_xasprintf("kfp_%s", pol->name ? pol->name : "policy");
	for (char *c = p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			*c = '_';
	return p;
}

static char *ident(const char *s)
{
	char *p = kfp_xstrdup(s);
	for (char *c = p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			*c = '_';
	return p;
}

static void cstring(FILE *out, const char *s)
{
	if (!s) {
		fputs("NULL", out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\%03o", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void src(FILE *out, const struct kfp_loc *l)
{
	if (!l || !l->src) {
		fputs("{ NULL, 0, 0 }", out);
		return;
	}
	fputs("{ ", out);
	cstring(out, l->src->path);
	fprintf(out, ", %u, %u }", l->line, l->col);
}

static void feature_rows(FILE *out, const struct kfp_fleet *fl, const char *sym)
{
	fprintf(out, "static const struct kfp_feature_row %s_features[] = {\n", sym);
	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		unsigned kind = 0, reg = 0, bit = 0, xss = 0;
		uint32_t leaf = 0, subleaf = 0;
		uint64_t id = 0;
		switch (f->kind) {
		case KFP_FEAT_CPUID: {
			const struct kfp_cat_cpuid *c = f->cat;
			kind = 1;
			leaf = c->leaf;
			subleaf = c->subleaf;
			reg = c->reg;
			bit = c->bit;
			break;
		}
		case KFP_FEAT_KVM:
			kind = 2;
			leaf = 0x40000001;
			bit = ((const struct kfp_cat_kvm *)f->cat)->bit;
			break;
		case KFP_FEAT_XSAVE:
			kind = 3;
			bit = ((const struct kfp_cat_xsave *)f->cat)->bit;
			xss = ((const struct kfp_cat_xsave *)f->cat)->xss;
			break;
		case KFP_FEAT_VMX:
			kind = 4;
			leaf = ((const struct kfp_cat_vmx *)f->cat)->msr;
			bit = ((const struct kfp_cat_vmx *)f->cat)->bit;
			break;
		case KFP_FEAT_MSR_BIT:
			kind = 5;
			leaf = ((const struct kfp_cat_msr_bit *)f->cat)->msr->index;
			bit = ((const struct kfp_cat_msr_bit *)f->cat)->bit;
			break;
		case KFP_FEAT_HYPERCALL:
			kind = 6;
			id = ((const struct kfp_cat_fw_bit *)f->cat)->reg->id;
			bit = ((const struct kfp_cat_fw_bit *)f->cat)->bit;
			break;
		case KFP_FEAT_VCPU:
			kind = 7;
			bit = ((const struct kfp_cat_vcpu_feature *)f->cat)->bit;
			break;
		}
		fputs("\t{ ", out);
		cstring(out, f->c->name);
		fprintf(out, ", %u, %u, %u, %u, %u, 0x%08" PRIx32 "u, %" PRIu32 "u, 0x%016" PRIx64 "ull, ",
			kind, kfp_feat_exposed(f), reg, bit, xss, leaf, subleaf, id);
		src(out, f->mentioned ? &f->loc : NULL);
		fputs(" },\n", out);
	}
	fputs("};\n\n", out);
}

static bool cpuid_reg_known(const struct kfp_catalog *cat, uint32_t leaf, uint32_t sub,
			    unsigned reg)
{
	for (size_t i = 0; i < cat->ncpuid; i++)
		if (cat->cpuid[i].leaf == leaf && cat->cpuid[i].subleaf == sub &&
		    cat->cpuid[i].reg == reg)
			return true;
	return false;
}

static void x86_tables(FILE *out, const struct kfp_policy *pol, const struct kfp_fleet *fl,
		       const char *sym)
{
	const struct kfp_catalog *cat = pol->cat;
	uint64_t xcr0 = 0, xss = 0;
	bool amx = false, vmx_cpuid = false, vmx_any = false;
	const struct kfp_loc *xsave_loc = NULL;

	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (!kfp_feat_exposed(f))
			continue;
		if (f->kind == KFP_FEAT_XSAVE) {
			const struct kfp_cat_xsave *x = f->cat;
			*(x->xss ? &xss : &xcr0) |= 1ull << x->bit;
			amx |= x->bit == 17 || x->bit == 18;
			if (!xsave_loc)
				xsave_loc = &f->loc;
		}
		if (f->kind == KFP_FEAT_CPUID && !strcmp(f->c->name, "vmx"))
			vmx_cpuid = true;
		vmx_any |= f->kind == KFP_FEAT_VMX;
	}

	fprintf(out, "static const struct kfp_cpuid_row %s_cpuid[] = {\n", sym);
	size_t ncpuid = 0;
	for (size_t i = 0; i < sizeof(pass_regs) / sizeof(pass_regs[0]); i++) {
		for (unsigned r = 0; r < 4; r++) {
			if (pass_regs[i].reg != 4 && pass_regs[i].reg != r)
				continue;
			fprintf(out, "\t{ 0x%08" PRIx32 "u, 0x%08" PRIx32 "u, %u, KFP_CPUID_PASS, 0, ",
				pass_regs[i].leaf, pass_regs[i].subleaf, r);
			src(out, NULL);
			fputs(" },\n", out);
			ncpuid++;
		}
	}
	/* Leaf 0xD follows the xfeatures; its feature bits (0xD.1 EAX) are
	 * mask rows below, which take precedence. */
	for (unsigned r = 0; r < 4; r++) {
		fprintf(out, "\t{ 0x0000000du, 0xffffffffu, %u, KFP_CPUID_XSAVE, 0, ", r);
		src(out, xsave_loc);
		fputs(" },\n", out);
		ncpuid++;
	}
	/* Feature registers, catalogued and raw. */
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *c = &cat->cpuid[i];
		bool first = true;
		for (size_t j = 0; j < i && first; j++)
			first = !(cat->cpuid[j].leaf == c->leaf && cat->cpuid[j].subleaf == c->subleaf &&
				  cat->cpuid[j].reg == c->reg);
		if (!first)
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
		for (size_t r = 0; r < fl->nraw; r++)
			if (fl->raw[r].leaf == c->leaf && fl->raw[r].subleaf == c->subleaf &&
			    fl->raw[r].reg == c->reg && fl->raw[r].exposed) {
				mask |= 1u << fl->raw[r].bit;
				if (!l)
					l = &fl->raw[r].loc;
			}
		fprintf(out, "\t{ 0x%08" PRIx32 "u, %" PRIu32 "u, %u, KFP_CPUID_MASK, 0x%08" PRIx32 "u, ",
			c->leaf, c->subleaf, c->reg, mask);
		src(out, l);
		fputs(" },\n", out);
		ncpuid++;
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
	fprintf(out, "\t{ 0x40000001u, 0u, 0, KFP_CPUID_MASK, 0x%08" PRIx32 "u, ", kvm);
	src(out, kvm_loc);
	fputs(" },\n", out);
	ncpuid++;
	/* Raw bits in registers the catalog does not describe. */
	for (size_t r = 0; r < fl->nraw; r++) {
		const struct kfp_raw_cpuid *raw = &fl->raw[r];
		if (cpuid_reg_known(cat, raw->leaf, raw->subleaf, raw->reg) || !raw->exposed)
			continue;
		fprintf(out, "\t{ 0x%08" PRIx32 "u, %" PRIu32 "u, %u, KFP_CPUID_MASK, 0x%08" PRIx32 "u, ",
			raw->leaf, raw->subleaf, raw->reg, 1u << raw->bit);
		src(out, &raw->loc);
		fputs(" },\n", out);
		ncpuid++;
	}
	fputs("};\n\n", out);

	/* Feature MSRs; VMX capability MSRs only when nested VMX is on. */
	fprintf(out, "static const struct kfp_msr_row %s_msrs[] = {\n", sym);
	size_t nmsrs = 0;
	for (size_t m = 0; m < cat->nmsrs; m++) {
		uint64_t mask = 0;
		const struct kfp_loc *l = NULL;
		for (size_t i = 0; i < fl->nfeats; i++) {
			const struct kfp_feat *f = &fl->feats[i];
			if (f->kind == KFP_FEAT_MSR_BIT && kfp_feat_exposed(f) &&
			    ((const struct kfp_cat_msr_bit *)f->cat)->msr == &cat->msrs[m]) {
				mask |= 1ull << ((const struct kfp_cat_msr_bit *)f->cat)->bit;
				if (!l)
					l = &f->loc;
			}
		}
		fprintf(out, "\t{ 0x%08" PRIx32 "u, KFP_MSR_FEATURE, 0x%016" PRIx64 "ull, ",
			cat->msrs[m].index, mask);
		src(out, l);
		fputs(" },\n", out);
		nmsrs++;
	}
	bool nested = vmx_cpuid && vmx_any;
	if (nested) {
		/* One row per VMX MSR that has catalogued controls, by index. */
		uint32_t done[64];
		size_t ndone = 0;
		for (size_t v = 0; v < cat->nvmx && ndone < 64; v++) {
			uint32_t msr = cat->vmx[v].msr;
			bool seen = false;
			for (size_t k = 0; k < ndone; k++)
				seen |= done[k] == msr;
			if (seen)
				continue;
			done[ndone++] = msr;
			uint64_t mask = 0;
			const struct kfp_loc *l = NULL;
			for (size_t i = 0; i < fl->nfeats; i++) {
				const struct kfp_feat *f = &fl->feats[i];
				if (f->kind == KFP_FEAT_VMX && kfp_feat_exposed(f) &&
				    ((const struct kfp_cat_vmx *)f->cat)->msr == msr) {
					mask |= 1ull << ((const struct kfp_cat_vmx *)f->cat)->bit;
					if (!l)
						l = &f->loc;
				}
			}
			fprintf(out, "\t{ 0x%08" PRIx32 "u, KFP_MSR_VMX, 0x%016" PRIx64 "ull, ", msr, mask);
			src(out, l);
			fputs(" },\n", out);
			nmsrs++;
		}
	}
	if (!nmsrs)
		fputs("\t{ 0u, 0, 0ull, { NULL, 0, 0 } },\n", out);
	fputs("};\n\n", out);

	fprintf(out, "static const struct kfp_x86_config %s_x86 = {\n", sym);
	fprintf(out, "\t%s_cpuid, %zuu,\n\t%s_msrs, %zuu,\n", sym, ncpuid, sym, nmsrs);
	fprintf(out, "\t0x%016" PRIx64 "ull, 0x%016" PRIx64 "ull,\n\t%u, %u,\n\t", xcr0, xss,
		nested, amx);
	src(out, xsave_loc);
	fputs("\n};\n\n", out);
}

static void arm64_tables(FILE *out, const struct kfp_policy *pol, const struct kfp_fleet *fl,
			 const char *sym)
{
	const struct kfp_catalog *cat = pol->cat;
	static const char *const rules[] = { "KFP_RULE_FIXED", "KFP_RULE_AT_MOST",
					     "KFP_RULE_HOST", "KFP_RULE_VCPU_OFF" };
	static const char *const safes[] = { "KFP_FIELD_LOWER_SAFE", "KFP_FIELD_HIGHER_SAFE",
					     "KFP_FIELD_EXACT" };

	for (size_t i = 0; i < fl->nregs; i++) {
		const struct kfp_reg_plan *rp = &fl->regs[i];
		if (!rp->nfields)
			continue;
		fprintf(out, "static const struct kfp_id_field_row %s_r%zu[] = {\n", sym, i);
		for (size_t j = 0; j < rp->nfields; j++) {
			const struct kfp_field_plan *fp = &rp->fields[j];
			fputs("\t{ ", out);
			cstring(out, fp->f->c.name);
			fprintf(out, ", %u, %u, %u, %s, %s, 0x%" PRIx64 "ull, ", fp->f->shift,
				fp->f->width, fp->f->is_signed, safes[fp->f->safe], rules[fp->rule],
				fp->target);
			src(out, fp->mentioned ? &fp->loc : NULL);
			fputs(" },\n", out);
		}
		fputs("};\n\n", out);
	}
	fprintf(out, "static const struct kfp_id_reg_row %s_id_regs[] = {\n", sym);
	for (size_t i = 0; i < fl->nregs; i++) {
		const struct kfp_reg_plan *rp = &fl->regs[i];
		fputs("\t{ ", out);
		cstring(out, rp->r->c.name);
		fprintf(out, ", 0x%016" PRIx64 "ull, ", rp->r->id);
		if (rp->nfields)
			fprintf(out, "%s_r%zu, %zuu, ", sym, i, rp->nfields);
		else
			fputs("NULL, 0u, ", out);
		fprintf(out, "0x%016" PRIx64 "ull, ", rp->unknown_mask);
		src(out, rp->mentioned ? &rp->loc : NULL);
		fputs(" },\n", out);
	}
	fputs("};\n\n", out);

	fprintf(out, "static const struct kfp_fw_reg_row %s_fw_regs[] = {\n", sym);
	size_t nfw = 0;
	for (size_t i = 0; i < cat->nfw_regs; i++) {
		const struct kfp_cat_fw_reg *r = &cat->fw_regs[i];
		if (!r->bitmap)
			continue;
		uint64_t value = 0, known = 0;
		const struct kfp_loc *l = NULL;
		for (size_t b = 0; b < r->nbits; b++) {
			known |= 1ull << r->bits[b].bit;
			const struct kfp_feat *f = kfp_fleet_feat(fl, KFP_FEAT_HYPERCALL, &r->bits[b]);
			if (f && kfp_feat_exposed(f))
				value |= 1ull << r->bits[b].bit;
			if (f && f->mentioned && !l)
				l = &f->loc;
		}
		fputs("\t{ ", out);
		cstring(out, r->c.name);
		fprintf(out, ", 0x%016" PRIx64 "ull, 0x%" PRIx64 "ull, 0x%" PRIx64 "ull, ", r->id, value,
			known);
		src(out, l);
		fputs(" },\n", out);
		nfw++;
	}
	if (!nfw)
		fputs("\t{ NULL, 0ull, 0ull, 0ull, { NULL, 0, 0 } },\n", out);
	fputs("};\n\n", out);

	uint32_t vcpu = 0;
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].kind == KFP_FEAT_VCPU && kfp_feat_exposed(&fl->feats[i]))
			vcpu |= 1u << ((const struct kfp_cat_vcpu_feature *)fl->feats[i].cat)->bit;
	fprintf(out, "static const struct kfp_arm64_config %s_arm64 = {\n", sym);
	fprintf(out, "\t%s_id_regs, %zuu,\n\t%s_fw_regs, %zuu,\n\t0x%08" PRIx32 "u,\n", sym,
		fl->nregs, sym, nfw, vcpu);
	fprintf(out, "\t%s, %s\n};\n\n",
		fl->unknown == KFP_UNKNOWN_ZERO ? "KFP_UNKNOWN_POLICY_ZERO" : "KFP_UNKNOWN_POLICY_DENY",
		fl->fw_unknown == KFP_UNKNOWN_ZERO ? "KFP_UNKNOWN_POLICY_ZERO" : "KFP_UNKNOWN_POLICY_DENY");
}

void kfp_emit_c(const struct kfp_policy *pol, const char *header_name, FILE *c_out,
		FILE *h_out)
{
	char *prefix = kfp_c_prefix(pol);
	char *guard = ident(header_name);
	for (char *c = guard; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');

	fprintf(h_out, "/* Generated by kfpc from policy \"%s\" version %" PRIu64 ". Do not edit. */\n",
		pol->name, pol->version);
	fprintf(h_out, "#ifndef KFP_GENERATED_%s\n#define KFP_GENERATED_%s\n\n", guard, guard);
	fputs("#include <kfp/table.h>\n\n", h_out);
	for (size_t i = 0; i < pol->nfleets; i++) {
		char *f = ident(pol->fleets[i].name);
		fprintf(h_out, "/* fleet \"%s\" */\nextern const struct kfp_config %s_%s;\n", pol->fleets[i].name,
			prefix, f);
		free(f);
	}
	fprintf(h_out, "\n/* Every fleet of the policy, in source order. */\n");
	fprintf(h_out, "extern const struct kfp_config *const %s_fleets[%zu];\n", prefix,
		pol->nfleets ? pol->nfleets : 1);
	fprintf(h_out, "#define %s_NFLEETS %zu\n\n#endif\n", prefix, pol->nfleets);

	fprintf(c_out, "/* Generated by kfpc from policy \"%s\" version %" PRIu64 ". Do not edit. */\n",
		pol->name, pol->version);
	fputs("#include <stddef.h>\n\n#include ", c_out);
	cstring(c_out, header_name);
	fputs("\n\n", c_out);
	for (size_t i = 0; i < pol->nfleets; i++) {
		const struct kfp_fleet *fl = &pol->fleets[i];
		char *f = ident(fl->name);
		char *sym = kfp_xasprintf("%s_%s", prefix, f);
		fprintf(c_out, "/* ---- fleet \"%s\" ---- */\n\n", fl->name);
		feature_rows(c_out, fl, sym);
		if (fl->arch == KFP_ARCH_X86_64)
			x86_tables(c_out, pol, fl, sym);
		else
			arm64_tables(c_out, pol, fl, sym);
		fprintf(c_out, "const struct kfp_config %s = {\n", sym);
		fprintf(c_out, "\tKFP_TABLE_VERSION,\n\t%s,\n\t",
			fl->arch == KFP_ARCH_X86_64 ? "KFP_TABLE_X86_64" : "KFP_TABLE_ARM64");
		cstring(c_out, pol->name);
		fputs(", ", c_out);
		cstring(c_out, fl->name);
		fprintf(c_out, ",\n\t%" PRIu64 "u,\n\t0x%08" PRIx32 "u,\n\t{ ", pol->version, fl->min);
		for (int k = 0; k < 16; k++)
			fprintf(c_out, "0x%02x%s", fl->id[k], k < 15 ? ", " : "");
		fprintf(c_out, " },\n\t%s_features, %zuu,\n", sym, fl->nfeats);
		if (fl->arch == KFP_ARCH_X86_64)
			fprintf(c_out, "\t&%s_x86,\n\tNULL\n};\n\n", sym);
		else
			fprintf(c_out, "\tNULL,\n\t&%s_arm64\n};\n\n", sym);
		free(sym);
		free(f);
	}
	fprintf(c_out, "const struct kfp_config *const %s_fleets[%zu] = {\n", prefix,
		pol->nfleets ? pol->nfleets : 1);
	for (size_t i = 0; i < pol->nfleets; i++) {
		char *f = ident(pol->fleets[i].name);
		fprintf(c_out, "\t&%s_%s,\n", prefix, f);
		free(f);
	}
	if (!pol->nfleets)
		fputs("\tNULL,\n", c_out);
	fputs("};\n", c_out);
	free(guard);
	free(prefix);
}
