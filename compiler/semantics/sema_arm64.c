/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Semantic analysis for arm64 fleets: ID-register fields, vcpu_init
 * features and hypercall bitmaps.
 *
 * A field's guest value is chosen by its safe direction: a lower-safe field
 * may be lowered (default deny lowers it to "not implemented"), a
 * higher-safe one only raised, an exact one never changed.  With host
 * profiles every field gets one fixed value for the whole fleet: lower-safe
 * fields take the minimum over hosts, higher-safe ones the maximum, and an
 * exact field whose hosts disagree is an error.  Changing a field needs a
 * kernel that lets the VMM write it, on every fleet kernel that shows it.
 *
 * The field arithmetic is in sema_arm64_fields.c, the pinned registers
 * (CLIDR_EL1, CCSIDR_EL1, PSCI_VERSION) in sema_arm64_pins.c.
 */
#include <stdlib.h>
#include <string.h>

#include <kfp/arm64_regs.h>

#include "sema.h"
#include "sema_arm64.h"
#include "base/util.h"

/* ---- fields that a vcpu_init feature controls ---- */

/* KVM reports these fields as 0 unless the vCPU is created with the
 * feature, so turning the feature off hides them without any write, on the
 * kernels from `since` on.  Seen on Debian's kernels under qemu -cpu max
 * and on Neoverse N1: 5.10 shows PMUVer/PerfMon without pmu_v3 (6.1 hides
 * them), and no checked kernel hides EL2 without has_el2, so EL2 is not in
 * this table. */
static const struct {
	const char *reg, *field, *feature;
	kfp_kv since;
} vcpu_fields[] = {
	{ "ID_AA64PFR0_EL1", "SVE", "sve", KFP_KV(5, 10) },
	{ "ID_AA64ISAR1_EL1", "APA", "ptrauth_address", KFP_KV(5, 10) },
	{ "ID_AA64ISAR1_EL1", "API", "ptrauth_address", KFP_KV(5, 10) },
	{ "ID_AA64ISAR2_EL1", "APA3", "ptrauth_address", KFP_KV(5, 10) },
	{ "ID_AA64ISAR1_EL1", "GPA", "ptrauth_generic", KFP_KV(5, 10) },
	{ "ID_AA64ISAR1_EL1", "GPI", "ptrauth_generic", KFP_KV(5, 10) },
	{ "ID_AA64ISAR2_EL1", "GPA3", "ptrauth_generic", KFP_KV(5, 10) },
	{ "ID_AA64DFR0_EL1", "PMUVer", "pmu_v3", KFP_KV(6, 1) },
	{ "ID_DFR0_EL1", "PerfMon", "pmu_v3", KFP_KV(6, 1) },
	{ "ID_AA64ZFR0_EL1", NULL, "sve", KFP_KV(5, 10) }, /* the whole register */
};

/* The vcpu_init feature that hides a field when off, if it does so on
 * every kernel of the fleet. */
static const struct kfp_cat_vcpu_feature *controlling(const struct kfp_catalog *cat,
						      const struct kfp_fleet *fl,
						      const struct kfp_cat_field *f)
{
	for (size_t i = 0; i < sizeof(vcpu_fields) / sizeof(vcpu_fields[0]); i++)
		if (!strcmp(vcpu_fields[i].reg, f->reg->c.name) &&
		    (!vcpu_fields[i].field || !strcmp(vcpu_fields[i].field, f->c.name)) &&
		    !kfp_fleet_first_without(fl, vcpu_fields[i].since))
			return kfp_cat_find_vcpu(cat, vcpu_fields[i].feature);
	return NULL;
}


/* ---- statements ---- */

static struct kfp_reg_plan *plan_of(struct kfp_fleet *fl, const struct kfp_cat_id_reg *r)
{
	for (size_t i = 0; i < fl->nregs; i++)
		if (fl->regs[i].r == r)
			return &fl->regs[i];
	return NULL;
}

static void unknown_reg(struct sema *s, const struct kfp_node *n)
{
	size_t cnt = s->cat->nid_regs;
	const struct kfp_cat_common **all = kfp_xcalloc(cnt + 1, sizeof(*all));
	for (size_t i = 0; i < cnt; i++)
		all[i] = &s->cat->id_regs[i].c;
	struct kfp_name nm = { .text = n->name, .loc = n->name_loc };
	kfp_sema_unknown_name(s, &nm, "ID register", all, cnt);
	free(all);
}

static void unknown_field(struct sema *s, const struct kfp_cat_id_reg *r,
			  const struct kfp_node *n)
{
	const struct kfp_cat_common **all = kfp_xcalloc(r->nfields + 1, sizeof(*all));
	for (size_t i = 0; i < r->nfields; i++)
		all[i] = &r->fields[i].c;
	struct kfp_name nm = { .text = n->name, .loc = n->name_loc };
	char *what = kfp_xasprintf("field of %s", r->c.name);
	kfp_sema_unknown_name(s, &nm, what, all, r->nfields);
	free(what);
	free(all);
	for (size_t i = 0; i < s->cat->nid_regs; i++)
		if (&s->cat->id_regs[i] != r && kfp_cat_find_field(&s->cat->id_regs[i], n->name)) {
			kfp_note(s->ctx, &n->name_loc, "%s is a field of %s", n->name,
				 s->cat->id_regs[i].c.name);
			break;
		}
}

/* The highest value a statement lets the guest see, in field order, for the
 * narrowing check: `>=` allows anything the host has. */
static bool looser(const struct kfp_cat_field *f, enum kfp_cmp c1, uint64_t v1,
		   enum kfp_cmp c2, uint64_t v2)
{
	bool up1 = c1 == KFP_CMP_GE, up2 = c2 == KFP_CMP_GE;
	if (up1 != up2)
		return up1;
	return kfp_field_cmp(f, v1, v2) > 0;
}

static void set_field(struct sema *s, struct kfp_reg_plan *rp, const struct kfp_cat_field *f,
		      const struct kfp_node *n, bool in_fleet);

static void field_stmt(struct sema *s, struct kfp_reg_plan *rp, const struct kfp_node *blk,
		       const struct kfp_node *n, bool in_fleet)
{
	if (!strcmp(n->name, "*")) {
		/* `* op value;`: every field no statement of this block names,
		 * and that an earlier block has not set. */
		for (size_t i = 0; i < rp->nfields; i++) {
			bool named = false;
			for (const struct kfp_node *k = blk->children; k && !named; k = k->next)
				named = !strcmp(k->name, rp->r->fields[i].c.name);
			/* An exact field cannot be capped: `* >= 0` leaves it at
			 * the host's value, as if unmentioned. */
			bool exact_skip = rp->r->fields[i].safe == KFP_SAFE_EXACT &&
					  n->u.field.cmp != KFP_CMP_EQ;
			if (!named && !exact_skip && !(rp->fields[i].mentioned && !in_fleet))
				set_field(s, rp, &rp->r->fields[i], n, in_fleet);
		}
		return;
	}
	const struct kfp_cat_field *f = kfp_cat_find_field(rp->r, n->name);
	if (!f) {
		unknown_field(s, rp->r, n);
		return;
	}
	set_field(s, rp, f, n, in_fleet);
}

static void set_field(struct sema *s, struct kfp_reg_plan *rp, const struct kfp_cat_field *f,
		      const struct kfp_node *n, bool in_fleet)
{
	struct kfp_field_plan *fp = &rp->fields[f - rp->r->fields];
	const struct kfp_value *v = &n->u.field.value;
	uint64_t raw;

	if (v->named) {
		size_t k;
		for (k = 0; k < f->nvalues && strcmp(f->values[k].name, v->name); k++)
			;
		if (k == f->nvalues) {
			const char **names = kfp_xcalloc(f->nvalues + 1, sizeof(*names));
			for (size_t i = 0; i < f->nvalues; i++)
				names[i] = f->values[i].name;
			const char *sug = kfp_suggest(v->name, names, f->nvalues);
			if (sug)
				kfp_error(s->ctx, &v->loc, "%s.%s has no value '%s'; did you mean '%s'?",
					  rp->r->c.name, f->c.name, v->name, sug);
			else if (f->nvalues)
				kfp_error(s->ctx, &v->loc, "%s.%s has no value '%s' (it has %s%s)",
					  rp->r->c.name, f->c.name, v->name, names[0],
					  f->nvalues > 1 ? " and others" : "");
			else
				kfp_error(s->ctx, &v->loc, "%s.%s has no named values; write a number",
					  rp->r->c.name, f->c.name);
			free(names);
			return;
		}
		raw = f->values[k].value;
	} else {
		raw = v->num.value;
		if (raw > kfp_arm64_field_mask(f->width)) {
			kfp_error(s->ctx, &v->loc, "%s.%s is %u bits wide; %llu does not fit",
				  rp->r->c.name, f->c.name, f->width, (unsigned long long)raw);
			return;
		}
	}
	if (f->safe == KFP_SAFE_EXACT && n->u.field.cmp != KFP_CMP_EQ) {
		kfp_error(s->ctx, &n->loc,
			  "%s.%s cannot be changed by a VMM (its safe value is exact): use '='",
			  rp->r->c.name, f->c.name);
		return;
	}
	if (fp->mentioned) {
		if (!in_fleet) {
			kfp_error(s->ctx, &n->name_loc, "%s.%s is set twice", rp->r->c.name, f->c.name);
			kfp_note(s->ctx, &fp->loc, "it is first set here");
			return;
		}
		if (looser(f, n->u.field.cmp, raw, fp->cmp, fp->value)) {
			kfp_error(s->ctx, &n->loc,
				  "a fleet section can only narrow the common section: this shows more of %s.%s",
				  rp->r->c.name, f->c.name);
			kfp_note(s->ctx, &fp->loc, "the common section sets it here");
			return;
		}
	} else if (in_fleet && f->safe == KFP_SAFE_LOWER && n->u.field.cmp == KFP_CMP_GE) {
		kfp_error(s->ctx, &n->loc,
			  "a fleet section can only narrow the common section, which hides %s.%s (default deny)",
			  rp->r->c.name, f->c.name);
		return;
	}
	fp->mentioned = true;
	fp->cmp = n->u.field.cmp;
	fp->value = raw;
	fp->loc = n->loc;
}

static void switch_stmt(struct sema *s, struct kfp_fleet *fl, const struct kfp_node *n,
			bool in_fleet, bool hypercall)
{
	enum kfp_action act = n->u.sw.state == KFP_SWITCH_OFF ? KFP_ACT_DENY : KFP_ACT_REQUIRE;
	if (!hypercall && !strcmp(n->name, "ptrauth")) {
		/* KVM wants both pointer-auth features or neither. */
		const char *both[] = { "ptrauth_address", "ptrauth_generic" };
		for (int i = 0; i < 2; i++) {
			const struct kfp_cat_vcpu_feature *v = kfp_cat_find_vcpu(s->cat, both[i]);
			if (v)
				kfp_sema_decide(s, fl, kfp_fleet_feat(fl, KFP_FEAT_VCPU, v), act,
						&n->name_loc, in_fleet);
		}
		return;
	}
	const void *cat = hypercall ? (const void *)kfp_cat_find_fw_bit(s->cat, n->name)
				    : (const void *)kfp_cat_find_vcpu(s->cat, n->name);
	if (!cat) {
		size_t cnt = 0;
		const struct kfp_cat_common **all = kfp_xcalloc(fl->nfeats + 1, sizeof(*all));
		for (size_t i = 0; i < fl->nfeats; i++)
			if (fl->feats[i].kind == (hypercall ? KFP_FEAT_HYPERCALL : KFP_FEAT_VCPU))
				all[cnt++] = fl->feats[i].c;
		struct kfp_name nm = { .text = n->name, .loc = n->name_loc };
		kfp_sema_unknown_name(s, &nm, hypercall ? "hypercall" : "vcpu_init feature", all, cnt);
		free(all);
		return;
	}
	kfp_sema_decide(s, fl, kfp_fleet_feat(fl, hypercall ? KFP_FEAT_HYPERCALL : KFP_FEAT_VCPU, cat),
			act, &n->name_loc, in_fleet);
}

static void section(struct sema *s, struct kfp_fleet *fl, const struct kfp_node *sec,
		    bool in_fleet)
{
	for (const struct kfp_node *n = sec->children; n; n = n->next) {
		switch (n->kind) {
		case KFP_N_ID_REG: {
			const struct kfp_cat_id_reg *r = kfp_cat_find_id_reg(s->cat, n->name);
			if (!r) {
				unknown_reg(s, n);
				break;
			}
			struct kfp_reg_plan *rp = plan_of(fl, r);
			if (!rp->mentioned || in_fleet)
				rp->loc = n->loc;
			rp->mentioned = true;
			for (const struct kfp_node *k = n->children; k; k = k->next)
				field_stmt(s, rp, n, k, in_fleet);
			break;
		}
		case KFP_N_VCPU_INIT:
		case KFP_N_HYPERCALLS:
			for (const struct kfp_node *k = n->children; k; k = k->next)
				switch_stmt(s, fl, k, in_fleet, n->kind == KFP_N_HYPERCALLS);
			break;
		case KFP_N_FIRMWARE_REGS:
			fl->fw_unknown = n->u.unknown.rule;
			break;
		case KFP_N_UNKNOWN:
			fl->unknown = n->u.unknown.rule;
			break;
		default:
			break;
		}
	}
}

/* ---- resolution ---- */

static void host_range(struct kfp_fleet *fl, struct kfp_field_plan *fp)
{
	const struct kfp_cat_field *f = fp->f;
	for (size_t c = 0; c < fl->nclasses; c++) {
		const struct kfp_reg_value *rv = kfp_profile_id_reg(fl->classes[c].p, f->reg->id);
		if (!rv)
			continue;
		uint64_t v = kfp_field_get(f, rv->value);
		if (!fp->hosts_known || kfp_field_cmp(f, v, fp->host_lo) < 0)
			fp->host_lo = v;
		if (!fp->hosts_known || kfp_field_cmp(f, v, fp->host_hi) > 0)
			fp->host_hi = v;
		fp->hosts_known = true;
	}
}

/* The first host whose value of the field fails pred against v. */
static const char *host_where(struct kfp_fleet *fl, const struct kfp_cat_field *f,
			      int (*pred)(int), uint64_t v, uint64_t *got)
{
	for (size_t c = 0; c < fl->nclasses; c++) {
		const struct kfp_reg_value *rv = kfp_profile_id_reg(fl->classes[c].p, f->reg->id);
		if (!rv)
			continue;
		uint64_t h = kfp_field_get(f, rv->value);
		if (!pred(kfp_field_cmp(f, h, v))) {
			*got = h;
			return fl->classes[c].names[0];
		}
	}
	return NULL;
}

/* The first host whose value of the field is v. */
static const char *host_with(struct kfp_fleet *fl, const struct kfp_cat_field *f, uint64_t v)
{
	for (size_t c = 0; c < fl->nclasses; c++) {
		const struct kfp_reg_value *rv = kfp_profile_id_reg(fl->classes[c].p, f->reg->id);
		if (rv && kfp_field_get(f, rv->value) == v)
			return fl->classes[c].names[0];
	}
	return "?";
}

static int ge0(int c) { return c >= 0; }
static int le0(int c) { return c <= 0; }
static int eq0(int c) { return c == 0; }

static void requirement(struct sema *s, struct kfp_fleet *fl, struct kfp_field_plan *fp,
			int (*pred)(int), const char *rel)
{
	uint64_t got;
	char a[48], b[48];
	const char *host = host_where(fl, fp->f, pred, fp->value, &got);
	if (host)
		kfp_error(s->ctx, &fp->loc, "host %s has %s.%s = %s, but the policy needs %s %s",
			  host, fp->f->reg->c.name, fp->f->c.name, kfp_field_str(fp->f, got, a), rel,
			  kfp_field_str(fp->f, fp->value, b));
}

static void plan_field(struct sema *s, struct kfp_fleet *fl, struct kfp_field_plan *fp)
{
	const struct kfp_cat_field *f = fp->f;
	fp->vcpu = controlling(s->cat, fl, f);
	/* With its feature on, KVM shows a controlled field only to a vCPU
	 * created with the feature: host profiles, dumped without it, do not
	 * say what the guest would see. */
	if (!fp->vcpu)
		host_range(fl, fp);
	if (fp->vcpu && !kfp_feat_exposed(kfp_fleet_feat(fl, KFP_FEAT_VCPU, fp->vcpu))) {
		host_range(fl, fp);
		fp->rule = KFP_FIELD_VCPU_OFF;
		fp->target = 0;
		if (fp->mentioned && fp->value != 0 && fp->cmp != KFP_CMP_LE)
			kfp_error(s->ctx, &fp->loc,
				  "%s.%s reads 0 because vcpu_init feature '%s' is off",
				  f->reg->c.name, f->c.name, fp->vcpu->c.name);
		return;
	}
	if (fp->vcpu && !fp->mentioned) {
		/* The feature is on and brings its fields (ptrauth: API, APA,
		 * APA3, GPA, GPI, GPA3; sve: SVE and ID_AA64ZFR0_EL1; pmu_v3:
		 * PMUVer, PerfMon): the guest sees the host's values. */
		fp->rule = KFP_FIELD_HOST;
		return;
	}
	if (!fp->mentioned) {
		if (kfp_field_is_feature(f)) {
			/* Default deny. */
			fp->rule = KFP_FIELD_FIXED;
			fp->target = kfp_field_hidden(f);
		} else if (!fp->hosts_known) {
			fp->rule = KFP_FIELD_HOST;
		} else if (f->safe != KFP_SAFE_EXACT) {
			/* A machine property: one value for the whole fleet,
			 * combined in the field's safe direction. */
			fp->rule = KFP_FIELD_FIXED;
			fp->target = f->safe == KFP_SAFE_LOWER ? fp->host_lo : fp->host_hi;
		} else {
			fp->rule = KFP_FIELD_HOST;
			fp->target = fp->host_lo;
			if (fp->host_lo != fp->host_hi)
				kfp_error(s->ctx, &fl->section_loc,
					  "%s.%s differs across the hosts of fleet \"%s\" (%llu to %llu) and KVM cannot change it (its safe value is exact)",
					  f->reg->c.name, f->c.name, fl->name,
					  (unsigned long long)fp->host_lo, (unsigned long long)fp->host_hi);
		}
		return;
	}
	bool lower = f->safe == KFP_SAFE_LOWER;
	switch (fp->cmp) {
	case KFP_CMP_EQ:
		requirement(s, fl, fp, f->safe == KFP_SAFE_EXACT ? eq0 : lower ? ge0 : le0,
			    f->safe == KFP_SAFE_EXACT ? "exactly" : lower ? "at least" : "at most");
		fp->rule = KFP_FIELD_FIXED;
		fp->target = fp->value;
		break;
	case KFP_CMP_LE:
		if (!lower)
			requirement(s, fl, fp, le0, "at most");
		fp->rule = fp->hosts_known ? KFP_FIELD_FIXED : lower ? KFP_FIELD_AT_MOST : KFP_FIELD_HOST;
		fp->target = !fp->hosts_known ? fp->value :
			     lower ? (kfp_field_cmp(f, fp->value, fp->host_lo) < 0 ? fp->value : fp->host_lo)
				   : fp->host_hi;
		break;
	case KFP_CMP_GE: {
		/* `>= 0` asks for nothing but one value on every host: "what
		 * the hardware has", also on a signed field whose hosts read
		 * NI (0xf, -1), which is below 0 in the field's order. */
		bool anything = fp->value == 0;
		if (lower && !anything)
			requirement(s, fl, fp, ge0, "at least");
		fp->rule = fp->hosts_known ? KFP_FIELD_FIXED : KFP_FIELD_HOST;
		fp->target = !fp->hosts_known ? fp->value :
			     lower || anything || kfp_field_cmp(f, fp->value, fp->host_hi) <= 0
				     ? (lower ? fp->host_lo : fp->host_hi)
				     : fp->value;
		break;
	}
	}
}

/* True when the fleet's host profiles include hosts of kernel series k and
 * all of them already show the field's target: on those hosts the runtime
 * writes nothing, so k need not accept a write. */
static bool kernel_hosts_show_target(const struct kfp_fleet *fl, const struct kfp_field_plan *fp,
				     kfp_kv k)
{
	size_t seen = 0;
	for (size_t c = 0; c < fl->nclasses; c++) {
		const struct kfp_host_profile *p = fl->classes[c].p;
		if (kfp_profile_kv(p) != k)
			continue;
		const struct kfp_reg_value *rv = kfp_profile_id_reg(p, fp->f->reg->id);
		if (!rv || kfp_field_get(fp->f, rv->value) != fp->target)
			return false;
		seen++;
	}
	return seen > 0;
}

/* The first fleet kernel that shows the field, cannot write it, and may
 * have to: a `kernels` list whose every kernel has host profiles is checked
 * against what those hosts show (a 6.1 host that already shows DebugVer 6
 * needs no write); any other kernel is assumed to need the write. */
static kfp_kv first_unwritable(const struct kfp_fleet *fl, const struct kfp_field_plan *fp,
				kfp_host_shows_fn shows, struct kfp_shown *sh)
{
	const struct kfp_cat_common *c = &fp->f->c;
	if (!fl->kernels || !fp->hosts_known || fp->rule != KFP_FIELD_FIXED)
		return kfp_fleet_first_unhideable_shown(fl, c->exposed_since, c->hideable_since,
							 shows, fp->f, sh);
	*sh = (struct kfp_shown){ 0 };
	for (size_t i = 0; i < fl->nkernels; i++) {
		kfp_kv k = fl->kernels[i];
		struct kfp_shown h = { 0 };
		if (k < c->hideable_since &&
		    kfp_fleet_kernel_shows(fl, k, c->exposed_since, shows, fp->f, &h) &&
		    !kernel_hosts_show_target(fl, fp, k)) {
			*sh = h;
			return k;
		}
	}
	return 0;
}

/* Kernel rules for one field.  A kernel that does not show a field reads it
 * as 0, so a nonzero guest value needs every fleet kernel to show the
 * field, and a guest value that differs from a host's needs every fleet
 * kernel that shows the field to let the VMM write it.  Returns the kernel
 * that breaks a rule (0 if none); *changing says which rule. */
static bool no_host_shows(const struct kfp_host_profile *p, const void *field)
{
	(void)p;
	(void)field;
	return false;
}

bool kfp_host_shows_field(const struct kfp_host_profile *p, const void *field)
{
	/* A kernel that does not show a field reads 0 there. */
	const struct kfp_cat_field *f = field;
	const struct kfp_reg_value *rv = kfp_profile_id_reg(p, f->reg->id);
	return rv && kfp_field_get(f, rv->value) != 0;
}

static kfp_kv field_kernel(struct kfp_fleet *fl, struct kfp_field_plan *fp, bool *changing,
			   struct kfp_shown *sh)
{
	const struct kfp_cat_field *f = fp->f;
	*changing = false;
	*sh = (struct kfp_shown){ 0 };
	/* What the hosts show wins over the catalog for their kernels; host
	 * profiles that do not say what the guest sees (a controlled field
	 * with its feature on) are no evidence. */
	kfp_host_shows_fn shows = fp->hosts_known ? kfp_host_shows_field : no_host_shows;
	bool any_shows = false;
	for (size_t c = 0; c < fl->nclasses && !any_shows; c++)
		any_shows = shows(fl->classes[c].p, f);
	if (fp->rule == KFP_FIELD_VCPU_OFF || (f->c.exposed_since == KFP_KV_NEVER && !any_shows))
		return 0;
	if (fp->rule == KFP_FIELD_HOST) {
		/* The host's value, unknown here: nonzero unless the hosts say
		 * otherwise. */
		if (fp->hosts_known && fp->host_lo == 0 && fp->host_hi == 0)
			return 0;
		return kfp_fleet_first_without_shown(fl, f->c.exposed_since, shows, f, sh);
	}
	if (fp->target != 0) {
		kfp_kv k = kfp_fleet_first_without_shown(fl, f->c.exposed_since, shows, f, sh);
		if (k)
			return k;
	}
	/* A write is needed where a host's value differs from the target;
	 * without host profiles, assume it does. */
	fp->write = fp->rule == KFP_FIELD_AT_MOST || !fp->hosts_known ||
		    fp->host_lo != fp->target || fp->host_hi != fp->target;
	if (!fp->write)
		return 0;
	*changing = true;
	return first_unwritable(fl, fp, shows, sh);
}

/* Names the host whose kernel shows a field earlier than the catalog. */
static void shown_note(struct sema *s, const struct kfp_loc *loc, const struct kfp_cat_field *f,
		       const struct kfp_shown *sh)
{
	char a[16], b[16];
	if (!sh->host)
		return;
	kfp_note(s->ctx, loc,
		 "host %s (kernel %s) shows %s.%s, which the catalog says KVM shows %s%s: what the fleet's hosts show wins for their kernel %s",
		 sh->host, sh->release, f->reg->c.name, f->c.name,
		 f->c.exposed_since == KFP_KV_NEVER ? "on no kernel" : "only from ",
		 f->c.exposed_since == KFP_KV_NEVER ? "" : kfp_kv_str(f->c.exposed_since, a),
		 kfp_kv_str(sh->since, b));
}

static void check_fields(struct sema *s, struct kfp_fleet *fl, struct kfp_reg_plan *rp)
{
	char a[16], b[16];
	char *defaults = NULL; /* default-deny fields that cannot be hidden */
	kfp_kv dk = 0, dh = 0;
	/* Those a host shows earlier than the catalog, for the notes. */
	struct kfp_shown *dsh = kfp_xcalloc(rp->nfields + 1, sizeof(*dsh));
	const struct kfp_cat_field **dsf = kfp_xcalloc(rp->nfields + 1, sizeof(*dsf));
	size_t nd = 0;
	bool dexact = false; /* some of them are exact: only '=' applies */

	for (size_t i = 0; i < rp->nfields; i++) {
		struct kfp_field_plan *fp = &rp->fields[i];
		const struct kfp_cat_field *f = fp->f;
		bool changing;
		struct kfp_shown sh;
		kfp_kv k = field_kernel(fl, fp, &changing, &sh);
		const struct kfp_loc *at = fp->mentioned ? &fp->loc : rp->mentioned ? &rp->loc
											 : &fl->section_loc;
		if (!k) {
			/* Allowed only because a host shows it earlier. */
			if (sh.host && fp->target != kfp_field_hidden(f) &&
			    kfp_fleet_first_without(fl, f->c.exposed_since))
				shown_note(s, at, f, &sh);
			continue;
		}
		if (!changing) {
			kfp_error(s->ctx, fp->mentioned ? &fp->loc : &fl->section_loc,
				  "%s.%s is shown by KVM only from %s, but fleet \"%s\" must roll back to %s: a VM that sees it would lose it",
				  rp->r->c.name, f->c.name, kfp_kv_str(f->c.exposed_since, a), fl->name,
				  kfp_kv_str(k, b));
			kfp_note(s->ctx, fl->kernels ? &fl->kernels_loc : &fl->min_loc,
				 "the fleet's kernels are set here");
			shown_note(s, at, f, &sh);
		} else if (!fp->mentioned && !kfp_field_is_feature(f)) {
			/* A machine property whose hosts differ: the fleet's
			 * value needs a write that some kernel cannot do. */
			char c[48];
			kfp_error(s->ctx, rp->mentioned ? &rp->loc : &fl->section_loc,
				  "%s.%s differs across the hosts of fleet \"%s\" (%llu on %s, %llu on %s): giving every VM %llu needs a write that kernel %s cannot do (%s)",
				  rp->r->c.name, f->c.name, fl->name, (unsigned long long)fp->host_lo,
				  host_with(fl, f, fp->host_lo), (unsigned long long)fp->host_hi,
				  host_with(fl, f, fp->host_hi), (unsigned long long)fp->target,
				  kfp_kv_str(k, a),
				  f->c.hideable_since == KFP_KV_NEVER
					  ? "no kernel allows it"
					  : (snprintf(c, sizeof(c), "KVM allows it from %s",
						      kfp_kv_str(f->c.hideable_since, b)), c));
			kfp_note(s->ctx, fl->kernels ? &fl->kernels_loc : &fl->min_loc,
				 "the fleet's kernels are set here");
			shown_note(s, at, f, &sh);
		} else if (fp->mentioned) {
			uint64_t other = fp->host_lo != fp->target ? fp->host_lo : fp->host_hi;
			char *host = fp->hosts_known
					     ? kfp_xasprintf(" (host %s has %llu)", host_with(fl, f, other),
							     (unsigned long long)other)
					     : kfp_xstrdup("");
			char c[48];
			kfp_error(s->ctx, &fp->loc,
				  "%s.%s must be changed to %llu%s, but kernel %s shows it and %s",
				  rp->r->c.name, f->c.name, (unsigned long long)fp->target, host,
				  kfp_kv_str(k, a),
				  f->c.hideable_since == KFP_KV_NEVER
					  ? "no kernel lets a VMM change it"
					  : (snprintf(c, sizeof(c), "lets a VMM change it only from %s",
						      kfp_kv_str(f->c.hideable_since, b)), c));
			free(host);
			kfp_note(s->ctx, fl->kernels ? &fl->kernels_loc : &fl->min_loc,
				 "the fleet's kernels are set here");
			shown_note(s, at, f, &sh);
		} else {
			char *next = kfp_xasprintf("%s%s%s", defaults ? defaults : "",
						   defaults ? ", " : "", f->c.name);
			free(defaults);
			defaults = next;
			if (sh.host) {
				dsh[nd] = sh;
				dsf[nd++] = f;
			}
			dexact |= f->safe == KFP_SAFE_EXACT;
			if (!dk || k < dk)
				dk = k;
			if (f->c.hideable_since > dh)
				dh = f->c.hideable_since;
		}
	}
	if (defaults) {
		if (dh == KFP_KV_NEVER)
			kfp_error(s->ctx, rp->mentioned ? &rp->loc : &fl->section_loc,
				  "by default deny, %s fields %s must be hidden, but kernel %s shows them and no kernel lets a VMM change them",
				  rp->r->c.name, defaults, kfp_kv_str(dk, a));
		else
			kfp_error(s->ctx, rp->mentioned ? &rp->loc : &fl->section_loc,
				  "by default deny, %s fields %s must be hidden, but kernel %s shows them and cannot change them (KVM allows it from %s)",
				  rp->r->c.name, defaults, kfp_kv_str(dk, a), kfp_kv_str(dh, b));
		kfp_note(s->ctx, rp->mentioned ? &rp->loc : &fl->section_loc,
			 "say what the guest may see: 'FIELD <= VALUE;' caps a field, 'FIELD >= 0;' keeps the host's value%s%s",
			 dexact ? "; an exact field takes only 'FIELD = VALUE;'" : "",
			 fl->nclasses ? "" : "; host profiles would show which fields the hardware lacks");
		for (size_t i = 0; i < nd; i++)
			shown_note(s, rp->mentioned ? &rp->loc : &fl->section_loc, dsf[i], &dsh[i]);
		free(defaults);
	}
	free(dsh);
	free(dsf);
}

void kfp_sema_arm64(struct sema *s, struct kfp_fleet *fl)
{
	const struct kfp_catalog *cat = s->cat;

	fl->nregs = cat->nid_regs;
	fl->regs = kfp_xcalloc(fl->nregs + 1, sizeof(*fl->regs));
	for (size_t i = 0; i < fl->nregs; i++) {
		struct kfp_reg_plan *rp = &fl->regs[i];
		rp->r = &cat->id_regs[i];
		rp->nfields = rp->r->nfields;
		rp->fields = kfp_xcalloc(rp->nfields + 1, sizeof(*rp->fields));
		uint64_t covered = 0;
		for (size_t j = 0; j < rp->nfields; j++) {
			rp->fields[j].f = &rp->r->fields[j];
			covered |= kfp_arm64_field_mask(rp->r->fields[j].width) << rp->r->fields[j].shift;
		}
		rp->unknown_mask = ~covered;
	}
	kfp_sema_sections(s, fl, section, NULL);

	/* vcpu_init features and hypercalls: on means required. */
	for (size_t i = 0; i < fl->nfeats; i++) {
		struct kfp_feat *f = &fl->feats[i];
		f->verdict = !f->mentioned ? KFP_V_DEFAULT_DENY :
			     f->action == KFP_ACT_DENY ? KFP_V_DENIED : KFP_V_EXPOSED;
		if (f->verdict == KFP_V_EXPOSED)
			kfp_sema_allow_rule(s, fl, f);
		if (f->verdict != KFP_V_EXPOSED || !fl->nclasses)
			continue;
		for (size_t c = 0; c < fl->nclasses; c++) {
			const struct kfp_host_profile *p = fl->classes[c].p;
			/* Profiles that do not record support cannot refute it. */
			bool known = f->kind == KFP_FEAT_VCPU
					     ? p->vcpu_features != 0
					     : kfp_profile_fw_reg(p, ((const struct kfp_cat_fw_bit *)f->cat)->reg->id) != NULL;
			if (known && !kfp_host_has_feat(p, f)) {
				kfp_error(s->ctx, &f->loc, "host %s does not offer %s '%s'",
					  fl->classes[c].names[0], kfp_feat_kind_name(f->kind), f->c->name);
				f->verdict = KFP_V_LACKING;
				break;
			}
		}
	}
	const struct kfp_cat_vcpu_feature *pa = kfp_cat_find_vcpu(cat, "ptrauth_address");
	const struct kfp_cat_vcpu_feature *pg = kfp_cat_find_vcpu(cat, "ptrauth_generic");
	if (pa && pg) {
		struct kfp_feat *a = kfp_fleet_feat(fl, KFP_FEAT_VCPU, pa);
		struct kfp_feat *g = kfp_fleet_feat(fl, KFP_FEAT_VCPU, pg);
		if (kfp_feat_exposed(a) != kfp_feat_exposed(g)) {
			struct kfp_feat *on = kfp_feat_exposed(a) ? a : g;
			kfp_error(s->ctx, &on->loc,
				  "KVM enables pointer authentication only with both ptrauth_address and ptrauth_generic; turn on both or neither");
		}
	}
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].verdict != KFP_V_EXPOSED &&
		    fl->feats[i].kind == KFP_FEAT_HYPERCALL)
			kfp_sema_hide_rule(s, fl, &fl->feats[i]);

	for (size_t i = 0; i < fl->nregs; i++) {
		for (size_t j = 0; j < fl->regs[i].nfields; j++)
			plan_field(s, fl, &fl->regs[i].fields[j]);
		check_fields(s, fl, &fl->regs[i]);
	}
	kfp_sema_arm64_pins(s, fl);
}
