/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The C emitter: prints each fleet's tables (built by tables.c) as const
 * data of the types in kfp/table.h.  Output compiles with -std=c11 -Wall
 * -Wextra -Werror -pedantic and is byte-for-byte deterministic.
 */
#include "emit.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "tables.h"
#include "base/util.h"

static char *ident(const char *s)
{
	char *p = kfp_xstrdup(s);
	for (char *c = p; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			*c = '_';
	return p;
}

char *kfp_c_prefix(const struct kfp_policy *pol)
{
	char *name = ident(pol->name ? pol->name : "policy");
	char *p = kfp_xasprintf("kfp_%s", name);
	free(name);
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

static void src(FILE *out, const struct kfp_src *s)
{
	fputs("{ ", out);
	cstring(out, s->file);
	fprintf(out, ", %" PRIu32 "u, %" PRIu32 "u }", s->line, s->col);
}

static const char *cpuid_mode(uint8_t m)
{
	return m == KFP_CPUID_PASS    ? "KFP_CPUID_PASS"
	       : m == KFP_CPUID_XSAVE ? "KFP_CPUID_XSAVE"
	       : m == KFP_CPUID_FORCE ? "KFP_CPUID_FORCE"
				      : "KFP_CPUID_MASK";
}

static void emit_x86(FILE *out, const struct kfp_x86_config *x, const char *sym)
{
	fprintf(out, "static const struct kfp_cpuid_row %s_cpuid[] = {\n", sym);
	for (uint32_t i = 0; i < x->ncpuid; i++) {
		const struct kfp_cpuid_row *r = &x->cpuid[i];
		fprintf(out, "\t{ 0x%08" PRIx32 "u, 0x%" PRIx32 "u, %u, %s, 0x%08" PRIx32 "u, ",
			r->leaf, r->subleaf, r->reg, cpuid_mode(r->mode), r->expose);
		src(out, &r->src);
		fputs(" },\n", out);
	}
	fputs("};\n\n", out);
	fprintf(out, "static const struct kfp_msr_row %s_msrs[] = {\n", sym);
	for (uint32_t i = 0; i < x->nmsrs; i++) {
		const struct kfp_msr_row *r = &x->msrs[i];
		fprintf(out, "\t{ 0x%08" PRIx32 "u, %s, 0x%016" PRIx64 "ull, ", r->index,
			r->kind == KFP_MSR_VMX ? "KFP_MSR_VMX" : "KFP_MSR_FEATURE", r->expose);
		src(out, &r->src);
		fputs(" },\n", out);
	}
	if (!x->nmsrs)
		fputs("\t{ 0u, 0, 0ull, { NULL, 0u, 0u } },\n", out);
	fputs("};\n\n", out);
	fprintf(out, "static const struct kfp_x86_config %s_x86 = {\n", sym);
	fprintf(out, "\t%s_cpuid, %" PRIu32 "u,\n\t%s_msrs, %" PRIu32 "u,\n", sym, x->ncpuid, sym,
		x->nmsrs);
	fprintf(out, "\t0x%016" PRIx64 "ull, 0x%016" PRIx64 "ull,\n\t%u, %u,\n\t", x->xcr0, x->xss,
		x->nested_vmx, x->amx);
	src(out, &x->xsave_src);
	fprintf(out, ",\n\t%u, %u, ", x->hyperv, x->hv_evmcs);
	src(out, &x->hyperv_src);
	fputs("\n};\n\n", out);
}

static void emit_arm64(FILE *out, const struct kfp_arm64_config *a, const char *sym)
{
	static const char *const rules[] = { "0", "KFP_RULE_FIXED", "KFP_RULE_AT_MOST",
					     "KFP_RULE_HOST", "KFP_RULE_VCPU_OFF" };
	static const char *const safes[] = { "0", "KFP_FIELD_LOWER_SAFE", "KFP_FIELD_HIGHER_SAFE",
					     "KFP_FIELD_EXACT" };
	for (uint32_t i = 0; i < a->nid_regs; i++) {
		const struct kfp_id_reg_row *r = &a->id_regs[i];
		if (!r->nfields)
			continue;
		fprintf(out, "static const struct kfp_id_field_row %s_r%" PRIu32 "[] = {\n", sym, i);
		for (uint32_t j = 0; j < r->nfields; j++) {
			const struct kfp_id_field_row *f = &r->fields[j];
			fputs("\t{ ", out);
			cstring(out, f->name);
			fprintf(out, ", %u, %u, %u, %s, %s, 0x%" PRIx64 "ull, ", f->shift, f->width,
				f->is_signed, safes[f->safe & 3], rules[f->rule <= 4 ? f->rule : 0],
				f->value);
			src(out, &f->src);
			fputs(" },\n", out);
		}
		fputs("};\n\n", out);
	}
	fprintf(out, "static const struct kfp_id_reg_row %s_id_regs[] = {\n", sym);
	for (uint32_t i = 0; i < a->nid_regs; i++) {
		const struct kfp_id_reg_row *r = &a->id_regs[i];
		fputs("\t{ ", out);
		cstring(out, r->name);
		fprintf(out, ", 0x%016" PRIx64 "ull, ", r->id);
		if (r->nfields)
			fprintf(out, "%s_r%" PRIu32 ", %" PRIu32 "u, ", sym, i, r->nfields);
		else
			fputs("NULL, 0u, ", out);
		fprintf(out, "0x%016" PRIx64 "ull, ", r->unknown_mask);
		src(out, &r->src);
		fputs(" },\n", out);
	}
	if (!a->nid_regs)
		fputs("\t{ NULL, 0ull, NULL, 0u, 0ull, { NULL, 0u, 0u } },\n", out);
	fputs("};\n\n", out);
	fprintf(out, "static const struct kfp_fw_reg_row %s_fw_regs[] = {\n", sym);
	for (uint32_t i = 0; i < a->nfw_regs; i++) {
		const struct kfp_fw_reg_row *r = &a->fw_regs[i];
		fputs("\t{ ", out);
		cstring(out, r->name);
		fprintf(out, ", 0x%016" PRIx64 "ull, 0x%" PRIx64 "ull, 0x%" PRIx64 "ull, ", r->id,
			r->value, r->known);
		src(out, &r->src);
		fputs(" },\n", out);
	}
	if (!a->nfw_regs)
		fputs("\t{ NULL, 0ull, 0ull, 0ull, { NULL, 0u, 0u } },\n", out);
	fputs("};\n\n", out);
	if (a->npins) {
		fprintf(out, "static const struct kfp_pin_row %s_pins[] = {\n", sym);
		for (uint32_t i = 0; i < a->npins; i++) {
			const struct kfp_pin_row *r = &a->pins[i];
			fputs("\t{ ", out);
			cstring(out, r->name);
			fprintf(out, ", 0x%016" PRIx64 "ull, 0x%" PRIx64 "ull, ", r->id, r->value);
			src(out, &r->src);
			fputs(" },\n", out);
		}
		fputs("};\n\n", out);
	}
	if (a->nregs) {
		static const char *const gates[] = { "0", "KFP_GATE_NONE", "KFP_GATE_ID_FIELD",
						     "KFP_GATE_VCPU" };
		fprintf(out, "static const struct kfp_arm64_reg_row %s_regs[] = {\n", sym);
		for (uint32_t i = 0; i < a->nregs; i++) {
			const struct kfp_arm64_reg_row *r = &a->regs[i];
			fputs("\t{ ", out);
			cstring(out, r->name);
			fputs(", ", out);
			cstring(out, r->feature);
			fprintf(out, ", 0x%016" PRIx64 "ull, 0x%016" PRIx64 "ull, %s, %u, %u, %u, "
				     "0x%016" PRIx64 "ull, %u, %u, 0x%" PRIx64 "ull, 0x%" PRIx64 "ull, %u, ",
				r->match, r->mask, gates[r->gate & 3], r->vcpu_bit, r->shift, r->width,
				r->gate_reg, r->hidden, r->has_reset, r->reset, r->reset_mask, r->counter);
			src(out, &r->src);
			fputs(" },\n", out);
		}
		fputs("};\n\n", out);
	}
	fprintf(out, "static const struct kfp_arm64_config %s_arm64 = {\n", sym);
	fprintf(out, "\t%s_id_regs, %" PRIu32 "u,\n\t%s_fw_regs, %" PRIu32 "u,\n\t0x%08" PRIx32 "u,\n",
		sym, a->nid_regs, sym, a->nfw_regs, a->vcpu_features);
	fprintf(out, "\t%s, %s,\n",
		a->unknown == KFP_UNKNOWN_POLICY_ZERO ? "KFP_UNKNOWN_POLICY_ZERO" : "KFP_UNKNOWN_POLICY_DENY",
		a->fw_unknown == KFP_UNKNOWN_POLICY_ZERO ? "KFP_UNKNOWN_POLICY_ZERO"
							 : "KFP_UNKNOWN_POLICY_DENY");
	if (a->npins)
		fprintf(out, "\t%s_pins, %" PRIu32 "u,\n", sym, a->npins);
	else
		fputs("\tNULL, 0u,\n", out);
	if (a->nregs)
		fprintf(out, "\t%s_regs, %" PRIu32 "u\n};\n\n", sym, a->nregs);
	else
		fputs("\tNULL, 0u\n};\n\n", out);
}

static void emit_fleet(FILE *out, const struct kfp_config *cfg, const char *sym)
{
	fprintf(out, "/* ---- fleet \"%s\" ---- */\n\n", cfg->fleet);
	fprintf(out, "static const struct kfp_feature_row %s_features[] = {\n", sym);
	for (uint32_t i = 0; i < cfg->nfeatures; i++) {
		const struct kfp_feature_row *f = &cfg->features[i];
		fputs("\t{ ", out);
		cstring(out, f->name);
		fprintf(out, ", %u, %u, %u, %u, %u, 0x%08" PRIx32 "u, %" PRIu32 "u, 0x%016" PRIx64 "ull, ",
			f->kind, f->expose, f->reg, f->bit, f->xss, f->leaf, f->subleaf, f->id);
		src(out, &f->src);
		fprintf(out, ", 0x%08" PRIx32 "u },\n", f->since);
	}
	if (!cfg->nfeatures)
		fputs("\t{ NULL, 0, 0, 0, 0, 0, 0u, 0u, 0ull, { NULL, 0u, 0u }, 0u },\n", out);
	fputs("};\n\n", out);
	if (cfg->x86)
		emit_x86(out, cfg->x86, sym);
	else
		emit_arm64(out, cfg->arm64, sym);
	fprintf(out, "const struct kfp_config %s = {\n\tKFP_TABLE_VERSION,\n\t%s,\n\t", sym,
		cfg->x86 ? "KFP_TABLE_X86_64" : "KFP_TABLE_ARM64");
	cstring(out, cfg->policy);
	fputs(", ", out);
	cstring(out, cfg->fleet);
	fprintf(out, ",\n\t%" PRIu64 "u,\n\t0x%08" PRIx32 "u,\n\t{ ", cfg->policy_version,
		cfg->min_kernel);
	for (int k = 0; k < 16; k++)
		fprintf(out, "0x%02x%s", cfg->id[k], k < 15 ? ", " : "");
	fprintf(out, " },\n\t%s_features, %" PRIu32 "u,\n", sym, cfg->nfeatures);
	if (cfg->x86)
		fprintf(out, "\t&%s_x86,\n\tNULL\n};\n\n", sym);
	else
		fprintf(out, "\tNULL,\n\t&%s_arm64\n};\n\n", sym);
}

void kfp_emit_c(const struct kfp_policy *pol, const char *header_name, FILE *c_out,
		FILE *h_out)
{
	char *prefix = kfp_c_prefix(pol);
	char *guard = ident(header_name);
	for (char *c = guard; *c; c++)
		if (*c >= 'a' && *c <= 'z')
			*c = (char)(*c - 'a' + 'A');
	size_t n = pol->nfleets;

	fprintf(h_out, "/* Generated by kfpc from policy \"%s\" version %" PRIu64 ". Do not edit. */\n",
		pol->name, pol->version);
	fprintf(h_out, "#ifndef KFP_GENERATED_%s\n#define KFP_GENERATED_%s\n\n", guard, guard);
	fputs("#include <kfp/table.h>\n\n", h_out);
	for (size_t i = 0; i < n; i++) {
		char *f = ident(pol->fleets[i].name);
		fprintf(h_out, "/* fleet \"%s\" */\nextern const struct kfp_config %s_%s;\n",
			pol->fleets[i].name, prefix, f);
		free(f);
	}
	fprintf(h_out, "\n/* Every fleet of the policy, in source order. */\n");
	fprintf(h_out, "#define %s_NFLEETS %zu\n", prefix, n);
	fprintf(h_out, "extern const struct kfp_config *const %s_fleets[%zu];\n\n#endif\n", prefix,
		n ? n : 1);

	fprintf(c_out, "/* Generated by kfpc from policy \"%s\" version %" PRIu64 ". Do not edit. */\n",
		pol->name, pol->version);
	fputs("#include <stddef.h>\n\n#include ", c_out);
	cstring(c_out, header_name);
	fputs("\n\n", c_out);
	for (size_t i = 0; i < n; i++) {
		char *f = ident(pol->fleets[i].name);
		char *sym = kfp_xasprintf("%s_%s", prefix, f);
		struct kfp_config *cfg = kfp_build_config(pol, &pol->fleets[i]);
		emit_fleet(c_out, cfg, sym);
		kfp_config_free(cfg);
		free(sym);
		free(f);
	}
	fprintf(c_out, "const struct kfp_config *const %s_fleets[%zu] = {\n", prefix, n ? n : 1);
	for (size_t i = 0; i < n; i++) {
		char *f = ident(pol->fleets[i].name);
		fprintf(c_out, "\t&%s_%s,\n", prefix, f);
		free(f);
	}
	if (!n)
		fputs("\tNULL,\n", c_out);
	fputs("};\n", c_out);
	free(guard);
	free(prefix);
}
