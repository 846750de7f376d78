/* SPDX-License-Identifier: Apache-2.0 */
#include "verify_arm64.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include <kfp/arm64_regs.h>
#include "base/util.h"

/* ---- the guest program --------------------------------------------------- */

#define A64_STR_X0_X1 0xf9000020u  /* str x0, [x1] */
#define A64_STR_XZR_X2 0xf900005fu /* str xzr, [x2] */
#define A64_STR_X0_X3 0xf9000060u  /* str x0, [x3] */
#define A64_B_SELF 0x14000000u     /* b . */
#define ESR_EL1 KFP_ARM64_SYSREG(3, 0, 5, 2, 0)

uint32_t arm64_mrs(uint64_t id, unsigned rt)
{
	/* MRS: 1101 0101 0011 o0 op1 CRn CRm op2 Rt, with op0 = 2 + o0. */
	struct kfp_sysreg_enc e = kfp_arm64_sysreg_enc(id);
	return 0xd5300000u | (e.op0 & 1) << 19 | e.op1 << 16 | e.crn << 12 | e.crm << 8 |
	       e.op2 << 5 | (rt & 31);
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i)); /* A64 instructions are little-endian */
}

int arm64_guest_program(void *mem, const uint64_t *ids, size_t n)
{
	uint8_t *m = mem;
	if (n > ARM64_GUEST_MAX_READS)
		return -1;
	memset(m, 0, ARM64_GUEST_MEM_SIZE);
	size_t pc = 0;
	for (size_t i = 0; i < n; i++) {
		put32(m + pc, arm64_mrs(ids[i], 0));
		put32(m + pc + 4, A64_STR_X0_X1);
		pc += 8;
	}
	put32(m + pc, A64_STR_XZR_X2);
	put32(m + pc + 4, A64_B_SELF);
	/* Sixteen vectors of 0x80 bytes: a register the guest may not read
	 * (an UNDEF) ends the program with its syndrome. */
	for (size_t v = 0; v < 16; v++) {
		uint8_t *at = m + ARM64_GUEST_VECTORS + 0x80 * v;
		put32(at, arm64_mrs(ESR_EL1, 0));
		put32(at + 4, A64_STR_X0_X3);
		put32(at + 8, A64_B_SELF);
	}
	return 0;
}

/* ---- the verdict ----------------------------------------------------------- */

static uint64_t field_mask(const struct kfp_id_field_row *f)
{
	return kfp_arm64_field_mask(f->width);
}

static uint64_t field_get(const struct kfp_id_field_row *f, uint64_t reg)
{
	return kfp_arm64_field_get(reg, f->shift, f->width);
}

/* The value the policy gives the field on a host with value `host`. */
static uint64_t field_expected(const struct kfp_id_field_row *f, uint64_t host)
{
	uint64_t v = f->value & field_mask(f);
	switch (f->rule) {
	case KFP_RULE_FIXED:
		return v;
	case KFP_RULE_AT_MOST:
		return kfp_arm64_field_le(host, v, f->width, f->is_signed) ? host : v;
	case KFP_RULE_VCPU_OFF:
		return 0;
	}
	return host;
}

static void add_view(struct arm64_verdict *v, size_t *cap, struct arm64_field_view fv)
{
	if (fv.observed) {
		v->nchecked++;
		fv.mismatch = fv.guest != fv.expected;
		v->mismatches += fv.mismatch;
		v->nchanged += fv.guest != fv.host;
	}
	KFP_VEC_PUSH(v->fields, v->nfields, *cap, fv);
}

static const struct kfp_pin_row *pin_of(const struct kfp_arm64_config *a, uint64_t id)
{
	for (uint32_t i = 0; i < a->npins; i++)
		if (a->pins[i].id == id)
			return &a->pins[i];
	return NULL;
}

void arm64_verify(struct arm64_verdict *v, const struct kfp_config *cfg,
		  const struct arm64_observed_reg *regs, const struct arm64_observed_fw *fw,
		  const struct arm64_observed_fw *pins)
{
	const struct kfp_arm64_config *a = cfg->arm64;
	size_t cap = 0;
	memset(v, 0, sizeof(*v));
	v->cfg = cfg;
	v->unknown_zero = a->unknown == KFP_UNKNOWN_POLICY_ZERO;
	for (uint32_t i = 0; i < a->nid_regs; i++) {
		const struct kfp_id_reg_row *row = &a->id_regs[i];
		const struct arm64_observed_reg *o = &regs[i];
		v->nregs_read += o->read;
		if (!row->nfields) {
			/* Describes the machine: the host's value, or the
			 * fleet's where it pins it. */
			const struct kfp_pin_row *pin = pin_of(a, row->id);
			add_view(v, &cap, (struct arm64_field_view){ .reg = row, .host = o->host,
								     .expected = pin ? pin->value : o->host,
								     .guest = o->guest,
								     .observed = o->read,
								     .pinned = pin != NULL });
			continue;
		}
		uint64_t covered = 0;
		for (uint32_t j = 0; j < row->nfields; j++) {
			const struct kfp_id_field_row *f = &row->fields[j];
			uint64_t h = field_get(f, o->host);
			covered |= field_mask(f) << f->shift;
			add_view(v, &cap, (struct arm64_field_view){
				.reg = row, .field = f, .host = h, .expected = field_expected(f, h),
				.guest = field_get(f, o->guest), .observed = o->read });
		}
		/* Bits no field covers: 0 in the feature ID registers under
		 * `unknown zero`, else the host's. */
		uint64_t host_unknown = o->host & ~covered;
		bool zero = v->unknown_zero && kfp_arm64_is_feature_id_reg(row->id);
		uint64_t want = zero ? 0 : host_unknown;
		if (host_unknown || (o->guest & ~covered))
			add_view(v, &cap, (struct arm64_field_view){ .reg = row, .host = host_unknown,
								     .expected = want,
								     .guest = o->guest & ~covered,
								     .observed = o->read });
	}
	v->fw = kfp_xcalloc(a->nfw_regs + 1, sizeof(*v->fw));
	v->nfw = a->nfw_regs;
	for (uint32_t i = 0; i < a->nfw_regs; i++) {
		v->fw[i] = (struct arm64_fw_view){ &a->fw_regs[i], &fw[i], false };
		v->fw[i].mismatch = fw[i].present && fw[i].kvm != a->fw_regs[i].value;
		v->mismatches += v->fw[i].mismatch;
	}
	v->pins = kfp_xcalloc(a->npins + 1, sizeof(*v->pins));
	v->npins = pins ? a->npins : 0;
	for (size_t i = 0; i < v->npins; i++) {
		v->pins[i] = (struct arm64_pin_view){ &a->pins[i], &pins[i], false };
		v->pins[i].mismatch = !pins[i].present || pins[i].kvm != a->pins[i].value;
		v->mismatches += v->pins[i].mismatch;
	}
}

void arm64_verdict_free(struct arm64_verdict *v)
{
	free(v->fields);
	free(v->fw);
	free(v->pins);
	v->fields = NULL;
	v->fw = NULL;
	v->pins = NULL;
}

static const char *rule_name(const struct arm64_field_view *f)
{
	if (!f->field)
		return f->reg->nfields ? "unknown" : f->pinned ? "pinned" : "host";
	switch (f->field->rule) {
	case KFP_RULE_FIXED: return "fixed";
	case KFP_RULE_AT_MOST: return "at-most";
	case KFP_RULE_HOST: return "host";
	case KFP_RULE_VCPU_OFF: return "vcpu-off";
	}
	return "?";
}

/* "ID_AA64ISAR0_EL1.AES", or the register alone (its unknown bits with
 * a suffix). */
static void view_name(const struct arm64_field_view *f, char *buf, size_t size)
{
	if (f->field)
		snprintf(buf, size, "%s.%s", f->reg->name, f->field->name);
	else if (f->reg->nfields)
		snprintf(buf, size, "%s.<unknown bits>", f->reg->name);
	else
		snprintf(buf, size, "%s", f->reg->name);
}

static const struct kfp_src *view_src(const struct arm64_field_view *f)
{
	if (f->field && f->field->src.file)
		return &f->field->src;
	return NULL;
}

/* Where a pinned register's value comes from: the fleet's hosts. */
static const struct kfp_pin_row *view_pin(const struct arm64_verdict *v,
					  const struct arm64_field_view *f)
{
	return f->pinned ? pin_of(v->cfg->arm64, f->reg->id) : NULL;
}

static bool shown(const struct arm64_field_view *f, bool show_all)
{
	return show_all || f->mismatch || view_src(f) || f->pinned ||
	       (f->observed && f->guest != f->host);
}

/* Field values are small numbers; whole registers in hex. */
static void value_str(const struct arm64_field_view *f, uint64_t v, bool observed, char *buf,
		      size_t size)
{
	if (!observed)
		snprintf(buf, size, "n/a");
	else if (f->field)
		snprintf(buf, size, "%" PRIu64, v);
	else
		snprintf(buf, size, "0x%" PRIx64, v);
}

/* Hypercall bitmaps and pinned registers are both whole registers with
 * one policy value: one row each in the text table and in JSON. */
static void print_whole_reg(const char *name, uint64_t policy, const struct arm64_observed_fw *obs,
			    bool mismatch, FILE *out)
{
	char e[24], h[24], g[24];

	snprintf(e, sizeof(e), "0x%" PRIx64, policy);
	if (obs->present) {
		snprintf(h, sizeof(h), "0x%" PRIx64, obs->host);
		snprintf(g, sizeof(g), "0x%" PRIx64, obs->kvm);
	} else {
		snprintf(h, sizeof(h), "absent");
		snprintf(g, sizeof(g), "absent");
	}
	fprintf(out, "%-28s  %10s  %10s  %10s%s\n", name, e, h, g, mismatch ? "  <- MISMATCH" : "");
}

static void json_whole_reg(bool first, const char *name, uint64_t id, uint64_t policy,
			   const struct arm64_observed_fw *obs, bool mismatch, FILE *out)
{
	fputs(first ? "\n    {\"name\": " : ",\n    {\"name\": ", out);
	json_string(name, false, out);
	fprintf(out, ", \"id\": \"0x%016" PRIx64 "\", \"policy\": %" PRIu64, id, policy);
	if (obs->present)
		fprintf(out, ", \"host\": %" PRIu64 ", \"kvm\": %" PRIu64, obs->host, obs->kvm);
	else
		fputs(", \"host\": null, \"kvm\": null", out);
	fprintf(out, ", \"mismatch\": %s}", mismatch ? "true" : "false");
}

void arm64_verdict_print_table(const struct arm64_verdict *v, bool show_all, FILE *out)
{
	const struct kfp_config *cfg = v->cfg;
	char name[96], h[24], e[24], g[24];
	int wname = (int)strlen("FIELD");
	size_t nshown = 0;
	for (size_t i = 0; i < v->nfields; i++) {
		if (!shown(&v->fields[i], show_all))
			continue;
		nshown++;
		view_name(&v->fields[i], name, sizeof(name));
		if ((int)strlen(name) > wname)
			wname = (int)strlen(name);
	}
	fprintf(out, "%-*s  %-8s  %6s  %6s  %6s  SOURCE\n", wname, "FIELD", "RULE", "POLICY", "HOST",
		"GUEST");
	for (size_t i = 0; i < v->nfields; i++) {
		const struct arm64_field_view *f = &v->fields[i];
		if (!shown(f, show_all))
			continue;
		view_name(f, name, sizeof(name));
		value_str(f, f->expected, true, e, sizeof(e));
		value_str(f, f->host, true, h, sizeof(h));
		value_str(f, f->guest, f->observed, g, sizeof(g));
		fprintf(out, "%-*s  %-8s  %6s  %6s  %6s  ", wname, name, rule_name(f), e, h, g);
		const struct kfp_src *src = view_src(f);
		const struct kfp_pin_row *pin = view_pin(v, f);
		if (src)
			fprintf(out, "%s:%" PRIu32 ":%" PRIu32, src->file, src->line, src->col);
		else if (pin && pin->src.file)
			fprintf(out, "%s:%" PRIu32 ":%" PRIu32 " (hosts)", pin->src.file,
				pin->src.line, pin->src.col);
		else if (pin)
			fputs("(the fleet's hosts)", out);
		else if (f->field && f->field->rule == KFP_RULE_FIXED)
			fputs("(default deny)", out);
		else if (f->field && f->field->rule == KFP_RULE_VCPU_OFF)
			fputs("(vcpu feature off)", out);
		else
			fputs("-", out);
		fputs(f->mismatch ? "  <- MISMATCH\n" : "\n", out);
	}
	if (nshown < v->nfields)
		fprintf(out, "(%zu more fields as the host has them, or hidden by default deny and "
			     "hidden in the guest; --all shows them)\n",
			v->nfields - nshown);
	if (v->nfw) {
		fprintf(out, "\n%-28s  %10s  %10s  %10s\n", "HYPERCALL BITMAP", "POLICY", "HOST", "KVM");
		for (size_t i = 0; i < v->nfw; i++)
			print_whole_reg(v->fw[i].row->name, v->fw[i].row->value, v->fw[i].obs,
					v->fw[i].mismatch, out);
	}
	if (v->npins) {
		fprintf(out, "\n%-28s  %10s  %10s  %10s\n", "PINNED REGISTER", "POLICY", "HOST", "KVM");
		for (size_t i = 0; i < v->npins; i++)
			print_whole_reg(v->pins[i].row->name, v->pins[i].row->value, v->pins[i].obs,
					v->pins[i].mismatch, out);
	}
	fputc('\n', out);

	for (size_t i = 0; i < v->nfields; i++) {
		const struct arm64_field_view *f = &v->fields[i];
		if (!f->mismatch)
			continue;
		view_name(f, name, sizeof(name));
		fprintf(out, "MISMATCH %s (0x%016" PRIx64 "): the policy gives %" PRIu64
			" (%s), the guest reads %" PRIu64 "\n",
			name, f->reg->id, f->expected, rule_name(f), f->guest);
	}
	for (size_t i = 0; i < v->nfw; i++)
		if (v->fw[i].mismatch)
			fprintf(out, "MISMATCH %s: the policy gives 0x%" PRIx64 ", KVM holds 0x%" PRIx64
				"\n",
				v->fw[i].row->name, v->fw[i].row->value, v->fw[i].obs->kvm);
	for (size_t i = 0; i < v->npins; i++)
		if (v->pins[i].mismatch && v->pins[i].obs->present)
			fprintf(out, "MISMATCH %s: the fleet pins 0x%" PRIx64 ", KVM holds 0x%" PRIx64
				"\n",
				v->pins[i].row->name, v->pins[i].row->value, v->pins[i].obs->kvm);
		else if (v->pins[i].mismatch)
			fprintf(out, "MISMATCH %s: the fleet pins 0x%" PRIx64 ", KVM does not have it\n",
				v->pins[i].row->name, v->pins[i].row->value);
	if (v->mismatches)
		fprintf(out, "FAIL: the guest does not see what policy \"%s\" says for fleet \"%s\": %u mismatches\n",
			cfg->policy, cfg->fleet, v->mismatches);
	else
		fprintf(out, "OK: the guest sees what policy \"%s\" says for fleet \"%s\": %u fields of %u ID registers as planned (%u differ from the host), %zu hypercall bitmaps%s\n",
			cfg->policy, cfg->fleet, v->nchecked, v->nregs_read, v->nchanged, v->nfw,
			v->npins ? ", the pinned registers" : "");
}

void arm64_verdict_print_json(const struct arm64_verdict *v, FILE *out)
{
	fputs("{\n  \"arch\": \"arm64\",\n  ", out);
	json_config_members(v->cfg, v->kernel, false, out);
	fputs(",\n  \"fields\": [", out);
	for (size_t i = 0; i < v->nfields; i++) {
		const struct arm64_field_view *f = &v->fields[i];
		fputs(i ? ",\n    {\"register\": " : "\n    {\"register\": ", out);
		json_string(f->reg->name, false, out);
		fprintf(out, ", \"id\": \"0x%016" PRIx64 "\", \"field\": ", f->reg->id);
		json_string(f->field ? f->field->name : NULL, false, out);
		fputs(", \"rule\": ", out);
		json_string(rule_name(f), false, out);
		fprintf(out, ", \"policy\": %" PRIu64 ", \"host\": %" PRIu64 ", \"guest\": ", f->expected,
			f->host);
		if (f->observed)
			fprintf(out, "%" PRIu64, f->guest);
		else
			fputs("null", out);
		fputs(", \"src\": ", out);
		const struct kfp_src *src = view_src(f);
		if (src) {
			char *s = kfp_xasprintf("%s:%" PRIu32 ":%" PRIu32, src->file, src->line, src->col);
			json_string(s, false, out);
			free(s);
		} else {
			fputs("null", out);
		}
		fprintf(out, ", \"mismatch\": %s}", f->mismatch ? "true" : "false");
	}
	fputs("\n  ],\n  \"hypercall_bitmaps\": [", out);
	for (size_t i = 0; i < v->nfw; i++)
		json_whole_reg(i == 0, v->fw[i].row->name, v->fw[i].row->id, v->fw[i].row->value,
			       v->fw[i].obs, v->fw[i].mismatch, out);
	fputs("\n  ],\n  \"pins\": [", out);
	for (size_t i = 0; i < v->npins; i++)
		json_whole_reg(i == 0, v->pins[i].row->name, v->pins[i].row->id, v->pins[i].row->value,
			       v->pins[i].obs, v->pins[i].mismatch, out);
	fprintf(out, "\n  ],\n  \"registers_read\": %u,\n  \"fields_checked\": %u,\n  \"mismatches\": %u\n}\n",
		v->nregs_read, v->nchecked, v->mismatches);
}
