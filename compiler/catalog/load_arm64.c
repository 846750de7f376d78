/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The arm64 catalog file: ID registers and their fields, firmware
 * (hypercall) registers and their bits, KVM_ARM_VCPU_INIT features, and the
 * registers that exist only with a feature.  As for x86_64, every key is
 * checked and every reference resolved.
 */
#include <stdlib.h>
#include <string.h>

#include "loader.h"
#include "base/util.h"

/* "ID_AA64PFR2_EL1.FPMR", "vcpu sve" or "none". */
static bool feature_reg_gate(struct loader *ld, yaml_node_t *m, struct kfp_catalog *cat,
			     struct kfp_cat_feature_reg *r)
{
	yaml_node_t *n = ld_need(ld, m, "gate");
	const char *s = ld_scalar(n);
	const char *dot = s ? strchr(s, '.') : NULL;
	if (!s)
		return ld_fail(ld, n ? n : m, "gate must be REG.FIELD, 'vcpu FEATURE' or 'none'");
	if (!strcmp(s, "none")) {
		r->gate = KFP_REG_GATE_NONE;
		return true;
	}
	if (!strncmp(s, "vcpu ", 5)) {
		r->gate = KFP_REG_GATE_VCPU;
		for (size_t i = 0; i < cat->nvcpu; i++)
			if (!strcmp(cat->vcpu[i].c.name, s + 5))
				r->vcpu = &cat->vcpu[i];
		return r->vcpu ? true : ld_fail(ld, n, "gate: no vcpu_init feature '%s'", s + 5);
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
		return r->field ? true : ld_fail(ld, n, "gate: no ID register field '%s'", s);
	}
	return ld_fail(ld, n, "gate must be REG.FIELD, 'vcpu FEATURE' or 'none', not '%s'", s);
}

/* feature_registers: `encoding` (one system register) or `id` with an
 * optional `mask` (a class of registers, e.g. SVE's).  `members` names the
 * system registers of a class for scripts/check-catalog only. */
static bool load_feature_regs(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat)
{
	static const char *const keys[] = { "name", "aliases", "encoding", "id", "mask", "members",
		"feature", "gate", "reset", "reset_mask", "counter", "exposed_since", "source", NULL };
	yaml_node_t *seq = ld_need_seq(ld, root, "feature_registers", true);
	cat->nfeature_regs = ld_seq_len(seq);
	cat->feature_regs = ld_alloc(ld, cat->nfeature_regs, sizeof(*cat->feature_regs));
	for (size_t i = 0; i < cat->nfeature_regs; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		struct kfp_cat_feature_reg *r = &cat->feature_regs[i];
		uint64_t v;
		if (!ld_check_keys(ld, m, keys) || !ld_common(ld, m, &r->c, false))
			return false;
		r->feature = ld_get_str(ld, m, "feature");
		yaml_node_t *enc = ld_need_seq(ld, m, "encoding", true);
		if (enc && ld_get(ld, m, "id"))
			return ld_fail(ld, m, "%s: encoding or id, not both", r->c.name);
		if (enc) {
			static const uint64_t max[5] = { 3, 7, 15, 15, 7 };
			unsigned e[5];
			if (ld_seq_len(enc) != 5)
				return ld_fail(ld, enc, "encoding needs [op0, op1, CRn, CRm, op2]");
			for (size_t k = 0; k < 5; k++) {
				if (!ld_to_u64(ld, ld_seq_at(ld, enc, k), max[k], &v))
					return false;
				e[k] = (unsigned)v;
			}
			r->match = kfp_arm64_sysreg_id(e[0], e[1], e[2], e[3], e[4]);
			r->mask = UINT64_MAX;
		} else {
			if (!ld_get_u64(ld, m, "id", UINT64_MAX, &r->match))
				return false;
			r->mask = UINT64_MAX;
			if (ld_get(ld, m, "mask") && !ld_get_u64(ld, m, "mask", UINT64_MAX, &r->mask))
				return false;
			if (r->match & ~r->mask)
				return ld_fail(ld, m, "%s: id has bits outside mask", r->c.name);
		}
		if (!feature_reg_gate(ld, m, cat, r))
			return false;
		r->has_reset = ld_get(ld, m, "reset") != NULL;
		if (r->has_reset && !ld_get_u64(ld, m, "reset", UINT64_MAX, &r->reset))
			return false;
		r->reset_mask = UINT64_MAX;
		if (ld_get(ld, m, "reset_mask") && !ld_get_u64(ld, m, "reset_mask", UINT64_MAX, &r->reset_mask))
			return false;
		if (!ld_get_bool(ld, m, "counter", false, &r->counter))
			return false;
		for (size_t k = 0; k < i; k++) {
			const struct kfp_cat_feature_reg *o = &cat->feature_regs[k];
			/* Two classes overlap when some id matches both. */
			if (!((r->match ^ o->match) & r->mask & o->mask))
				return ld_fail(ld, m, "%s overlaps %s", r->c.name, o->c.name);
		}
	}
	CHECK_UNIQUE(ld, seq ? seq : root, "feature register", cat->feature_regs,
		     cat->nfeature_regs);
	return !ld->failed;
}

bool kfp_cat_load_arm64(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat)
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

	yaml_node_t *seq = ld_need_seq(ld, root, "id_registers", false);
	cat->nid_regs = ld_seq_len(seq);
	cat->id_regs = ld_alloc(ld, cat->nid_regs, sizeof(*cat->id_regs));
	for (size_t i = 0; i < cat->nid_regs; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		struct kfp_cat_id_reg *r = &cat->id_regs[i];
		if (!ld_check_keys(ld, m, reg_keys) || !ld_common(ld, m, &r->c, false))
			return false;
		yaml_node_t *enc = ld_need_seq(ld, m, "encoding", false);
		static const uint64_t max[5] = { 3, 7, 15, 15, 7 };
		uint8_t e[5];
		if (ld_seq_len(enc) != 5)
			return ld_fail(ld, enc ? enc : m, "encoding needs [op0, op1, CRn, CRm, op2]");
		for (size_t k = 0; k < 5; k++) {
			if (!ld_to_u64(ld, ld_seq_at(ld, enc, k), max[k], &v))
				return false;
			e[k] = (uint8_t)v;
		}
		r->op0 = e[0];
		r->op1 = e[1];
		r->crn = e[2];
		r->crm = e[3];
		r->op2 = e[4];
		r->id = kfp_arm64_sysreg_id(e[0], e[1], e[2], e[3], e[4]);

		yaml_node_t *fields = ld_need_seq(ld, m, "fields", true);
		r->nfields = ld_seq_len(fields);
		r->fields = ld_alloc(ld, r->nfields, sizeof(*r->fields));
		uint64_t used = 0;
		for (size_t j = 0; j < r->nfields; j++) {
			yaml_node_t *fm = ld_seq_at(ld, fields, j);
			struct kfp_cat_field *f = &r->fields[j];
			uint64_t shift, width;
			if (!ld_check_keys(ld, fm, field_keys) || !ld_common(ld, fm, &f->c, true) ||
			    !ld_get_u64(ld, fm, "shift", 63, &shift) ||
			    !ld_get_u64(ld, fm, "width", 64, &width) ||
			    !ld_get_bool(ld, fm, "signed", false, &f->is_signed))
				return false;
			if (width == 0 || shift + width > 64)
				return ld_fail(ld, fm, "field %s does not fit in 64 bits", f->c.name);
			uint64_t mask = (width == 64 ? ~0ull : ((1ull << width) - 1)) << shift;
			if (used & mask)
				return ld_fail(ld, fm, "field %s overlaps another field of %s",
					       f->c.name, r->c.name);
			used |= mask;
			f->shift = (uint8_t)shift;
			f->width = (uint8_t)width;
			f->reg = r;
			const char *safe = ld_scalar(ld_need(ld, fm, "safe"));
			f->safe = 0;
			for (unsigned k = KFP_SAFE_LOWER; safe && k <= KFP_SAFE_EXACT; k++)
				if (!strcmp(safe, kfp_field_safe_name(k)))
					f->safe = (enum kfp_safe)k;
			if (!f->safe)
				return ld_fail(ld, ld_get(ld, fm, "safe") ? ld_get(ld, fm, "safe") : fm,
					       "safe must be lower, higher or exact");
			yaml_node_t *vals = ld_get(ld, fm, "values");
			if (vals && vals->type != YAML_MAPPING_NODE)
				return ld_fail(ld, vals, "values must be a mapping NAME: VALUE");
			f->nvalues = vals ? (size_t)(vals->data.mapping.pairs.top -
						     vals->data.mapping.pairs.start) : 0;
			f->values = ld_alloc(ld, f->nvalues, sizeof(*f->values));
			for (size_t k = 0; k < f->nvalues; k++) {
				yaml_node_pair_t *p = &vals->data.mapping.pairs.start[k];
				const char *vn = ld_scalar(ld_node(ld, p->key));
				if (!vn)
					return ld_fail(ld, vals, "value names must be strings");
				f->values[k].name = ld_strdup(ld, vn);
				if (!ld_to_u64(ld, ld_node(ld, p->value),
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
				return ld_fail(ld, ld_seq_at(ld, seq, j), "%s and %s have the same encoding",
					       cat->id_regs[i].c.name, cat->id_regs[j].c.name);

	seq = ld_need_seq(ld, root, "firmware_registers", false);
	cat->nfw_regs = ld_seq_len(seq);
	cat->fw_regs = ld_alloc(ld, cat->nfw_regs, sizeof(*cat->fw_regs));
	size_t nbits_total = 0;
	for (size_t i = 0; i < cat->nfw_regs; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		struct kfp_cat_fw_reg *r = &cat->fw_regs[i];
		if (!ld_check_keys(ld, m, fw_keys))
			return false;
		const char *kind = ld_scalar(ld_need(ld, m, "kind"));
		if (!kind || (strcmp(kind, "bitmap") && strcmp(kind, "value")))
			return ld_fail(ld, m, "kind must be bitmap or value");
		r->bitmap = !strcmp(kind, "bitmap");
		if (!ld_common(ld, m, &r->c, r->bitmap) || !ld_get_u64(ld, m, "id", UINT64_MAX, &r->id))
			return false;
		yaml_node_t *bits = ld_need_seq(ld, m, "bits", true);
		r->nbits = ld_seq_len(bits);
		r->bits = ld_alloc(ld, r->nbits, sizeof(*r->bits));
		for (size_t j = 0; j < r->nbits; j++) {
			yaml_node_t *b = ld_seq_at(ld, bits, j);
			if (!ld_check_keys(ld, b, fwbit_keys) ||
			    !ld_common(ld, b, &r->bits[j].c, true) || !ld_get_u64(ld, b, "bit", 63, &v))
				return false;
			r->bits[j].bit = (uint8_t)v;
			r->bits[j].reg = r;
		}
		for (size_t a = 0; a < r->nbits; a++)
			for (size_t b = a + 1; b < r->nbits; b++)
				if (r->bits[a].bit == r->bits[b].bit)
					return ld_fail(ld, m, "%s: bits %s and %s are both bit %u", r->c.name,
						       r->bits[a].c.name, r->bits[b].c.name, r->bits[a].bit);
		for (size_t k = 0; k < i; k++)
			if (cat->fw_regs[k].id == r->id)
				return ld_fail(ld, m, "%s and %s have the same id", cat->fw_regs[k].c.name,
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
	bool ok = ld_unique(ld, seq, "firmware bitmap bit", c, nbits_total);
	free(c);
	free(all);
	if (!ok)
		return false;

	seq = ld_need_seq(ld, root, "vcpu_init_features", false);
	cat->nvcpu = ld_seq_len(seq);
	cat->vcpu = ld_alloc(ld, cat->nvcpu, sizeof(*cat->vcpu));
	for (size_t i = 0; i < cat->nvcpu; i++) {
		yaml_node_t *m = ld_seq_at(ld, seq, i);
		if (!ld_check_keys(ld, m, vcpu_keys) || !ld_common(ld, m, &cat->vcpu[i].c, false) ||
		    !ld_get_u64(ld, m, "bit", 31, &v))
			return false;
		cat->vcpu[i].bit = (uint8_t)v;
		if (!ld_get_u64(ld, m, "capability", UINT32_MAX, &v))
			return false;
		cat->vcpu[i].capability = (uint32_t)v;
	}
	CHECK_UNIQUE(ld, seq, "vcpu_init feature", cat->vcpu, cat->nvcpu);
	return load_feature_regs(ld, root, cat);
}
