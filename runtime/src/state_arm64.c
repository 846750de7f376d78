/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Checking a saved arm64 vCPU state against a destination, before the
 * destination loads it.  KVM's register list changes between kernels: a
 * kernel lists a register when it supports the feature the register
 * belongs to, and only when the vCPU or the host has it.  So a state saved
 * on one kernel may hold registers another does not list, and the other
 * may list registers the state lacks.  Each such difference must be safe
 * by a rule that follows from the policy, or the state is refused: loading
 * it anyway would drop state a running guest may rely on.
 *
 * What the guest saw travels with it: the ID registers, the hypercall
 * bitmaps and the pinned registers of the state must be what the plan
 * gives the destination.  The registers of features (the catalog's
 * feature_registers, kfp_arm64_reg_row) say which feature a register
 * belongs to, whether the policy hides it and KVM's reset value.
 *
 * Reads only: the plan, the state and KVM_GET_ONE_REG of the destination
 * vCPU.  No heap allocation.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <kfp/arm64_regs.h>

#include "internal.h"
#include "sys.h"

/* KVM_REG_SIZE_U2048: an SVE Z register, the largest ONE_REG. */
#define REG_MAX_BYTES 256

struct checker {
	const struct kfp_arm64_plan *plan;
	const struct kfp_config *cfg;
	const struct kfp_arm64_state *st;
	int vcpu_fd;
	struct kfp_report *rep;
	char kernel[65]; /* the destination's, for reports */
	uint32_t kver;
	const char *from; /* the source's kernel, or "the source" */
};

static unsigned reg_bytes(uint64_t id)
{
	return 1u << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

/* The low 64 bits of a register's bytes (arm64 is little-endian; KVM
 * copies registers of up to 8 bytes as the host's integers). */
static uint64_t low64(uint64_t id, const void *value)
{
	unsigned n = reg_bytes(id);
	union {
		uint64_t u64;
		uint32_t u32;
		uint16_t u16;
		uint8_t u8;
	} b = { 0 };
	memcpy(&b, value, n < 8 ? n : 8);
	return n == 4 ? b.u32 : n == 2 ? b.u16 : n == 1 ? b.u8 : b.u64;
}

/* Whether the bytes above the low 64 bits are all zero. */
static bool high_zero(uint64_t id, const void *value)
{
	const uint8_t *p = value;
	for (unsigned i = 8; i < reg_bytes(id); i++)
		if (p[i])
			return false;
	return true;
}

static bool listed(const struct kfp_arm64_plan *plan, uint64_t id)
{
	for (uint64_t i = 0; i < plan->nregs; i++)
		if (plan->regs[i] == id)
			return true;
	return false;
}

static const struct kfp_arm64_saved_reg *saved(const struct kfp_arm64_state *st, uint64_t id)
{
	for (uint32_t i = 0; i < st->nregs; i++)
		if (st->regs[i].id == id)
			return &st->regs[i];
	return NULL;
}

static int get_bytes(const struct checker *c, uint64_t id, void *buf)
{
	struct kvm_one_reg one = { .id = id, .addr = (uint64_t)(uintptr_t)buf };
	memset(buf, 0, REG_MAX_BYTES);
	int r = KFP_IOCTL(c->vcpu_fd, KVM_GET_ONE_REG, &one, c->rep, "KVM_GET_ONE_REG", NULL);
	return r < 0 ? r : 0;
}

/* What the destination gives a register of up to 8 bytes once the plan is
 * committed: the planned write, else what KVM holds, else 0 (a kernel
 * that does not list an ID register reads it as 0). */
static int planned(const struct checker *c, uint64_t id, uint64_t *value)
{
	for (uint32_t i = 0; i < c->plan->nwrites; i++)
		if (c->plan->writes[i].id == id) {
			*value = c->plan->writes[i].value;
			return 0;
		}
	*value = 0;
	if (!listed(c->plan, id))
		return 0;
	_Alignas(8) uint8_t buf[REG_MAX_BYTES];
	int r = get_bytes(c, id, buf);
	if (r == 0)
		*value = low64(id, buf);
	return r;
}

static const struct kfp_id_reg_row *id_row(const struct kfp_arm64_config *a, uint64_t id)
{
	for (uint32_t i = 0; i < a->nid_regs; i++)
		if (a->id_regs[i].id == id)
			return &a->id_regs[i];
	return NULL;
}

static const struct kfp_fw_reg_row *fw_row(const struct kfp_arm64_config *a, uint64_t id)
{
	for (uint32_t i = 0; i < a->nfw_regs; i++)
		if (a->fw_regs[i].id == id)
			return &a->fw_regs[i];
	return NULL;
}

static const struct kfp_pin_row *pin_row(const struct kfp_arm64_config *a, uint64_t id)
{
	for (uint32_t i = 0; i < a->npins; i++)
		if (a->pins[i].id == id)
			return &a->pins[i];
	return NULL;
}

static const struct kfp_arm64_reg_row *reg_row(const struct kfp_arm64_config *a, uint64_t id)
{
	for (uint32_t i = 0; i < a->nregs; i++)
		if ((id & a->regs[i].mask) == a->regs[i].match)
			return &a->regs[i];
	return NULL;
}

static const struct kfp_src *src_or_null(const struct kfp_src *src)
{
	return src && src->file ? src : NULL;
}

/* "(3,3,4,4,2)" for a system register, else "" (the id says the rest). */
static const char *encoding(uint64_t id, char buf[24])
{
	buf[0] = '\0';
	if (kfp_arm64_is_sysreg(id)) {
		struct kfp_sysreg_enc e = kfp_arm64_sysreg_enc(id);
		snprintf(buf, 24, " (%u,%u,%u,%u,%u)", e.op0, e.op1, e.crn, e.crm, e.op2);
	}
	return buf;
}

/* ---- what the guest saw -------------------------------------------------- */

/* The feature ID registers and every ID register the catalog describes
 * (MIDR_EL1, CTR_EL0, CLIDR_EL1, ...): what the guest read of them it
 * must read on the destination too. */
static bool is_id_reg(const struct kfp_arm64_config *a, uint64_t id)
{
	return kfp_arm64_is_feature_id_reg(id) || id_row(a, id);
}

/* An ID register: the state's value must be the destination's. */
static int check_id_reg(const struct checker *c, uint64_t id, uint64_t have, bool in_state,
			uint8_t *rule)
{
	const struct kfp_id_reg_row *row = id_row(c->cfg->arm64, id);
	uint64_t want;
	int r = planned(c, id, &want);
	if (r < 0)
		return r;
	if (have == want) {
		*rule = listed(c->plan, id) ? KFP_STATE_LISTED : KFP_STATE_ID_REG;
		return 0;
	}
	*rule = KFP_STATE_REFUSED;
	const char *how = in_state ? "the state has" : "the state lacks it (0):";
	char enc[24];
	if (!row) {
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, "ID register", NULL, 0,
			       "0x%016" PRIx64 "%s: %s 0x%" PRIx64 ", kernel %s gives 0x%" PRIx64, id,
			       encoding(id, enc), how, have, c->kernel, want);
		return 0;
	}
	if (!row->nfields) {
		/* It describes the machine, and the policy keeps each host's
		 * value: this host is another machine (or pin it). */
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, row->name, src_or_null(&row->src), 0,
			       "%s 0x%" PRIx64 ", kernel %s shows 0x%" PRIx64 " (the host's value)",
			       how, have, c->kernel, want);
		return 0;
	}
	/* One item per field that differs; bits no field covers together. */
	uint64_t covered = 0;
	for (uint32_t i = 0; i < row->nfields; i++) {
		const struct kfp_id_field_row *f = &row->fields[i];
		uint64_t m = f->width >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << f->width) - 1;
		covered |= m << f->shift;
		uint64_t a = have >> f->shift & m, b = want >> f->shift & m;
		if (a == b)
			continue;
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, f->name,
			       src_or_null(f->src.file ? &f->src : &row->src), 0,
			       "%s.%s: %s %" PRIu64 ", kernel %s gives %" PRIu64 " (the guest saw it)",
			       row->name, f->name, how, a, c->kernel, b);
	}
	if ((have ^ want) & ~covered)
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, row->name, src_or_null(&row->src), 0,
			       "%s bits no field describes: %s 0x%" PRIx64 ", kernel %s gives 0x%" PRIx64,
			       row->name, how, have & ~covered, c->kernel, want & ~covered);
	return 0;
}

/* A pinned register (cache description, PSCI_VERSION): the fleet's value. */
static uint8_t check_pin(const struct checker *c, const struct kfp_pin_row *pin, uint64_t have)
{
	if (have != pin->value) {
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, pin->name, src_or_null(&pin->src), 0,
			       "the state has 0x%" PRIx64 ", the fleet pins 0x%" PRIx64, have,
			       pin->value);
		return KFP_STATE_REFUSED;
	}
	if (!listed(c->plan, pin->id)) {
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, pin->name, src_or_null(&pin->src), 0,
			       "the fleet pins it; kernel %s does not list it", c->kernel);
		return KFP_STATE_REFUSED;
	}
	return KFP_STATE_LISTED;
}

/* A hypercall bitmap: the services the guest could call travel with it. */
static int check_fw(const struct checker *c, uint64_t id, uint64_t have, uint8_t *rule)
{
	const struct kfp_fw_reg_row *row = fw_row(c->cfg->arm64, id);
	const char *name = row ? row->name : "hypercall bitmap";
	const struct kfp_src *src = row ? src_or_null(&row->src) : NULL;
	/* Each bit is the hypercall the catalog knows, if it does. */
	const struct kfp_bit_site site = { .kind = KFP_KIND_HYPERCALL, .id = id };
	const struct kfp_feature_row *f;
	unsigned bit;
	*rule = KFP_STATE_REFUSED;
	if (row && have != row->value) {
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, name, src, 0,
			       "the state has 0x%" PRIx64 ", the policy 0x%" PRIx64, have, row->value);
		return 0;
	}
	if (listed(c->plan, id)) {
		uint64_t want;
		int r = planned(c, id, &want);
		if (r < 0)
			return r;
		for (uint64_t left = have ^ want;
		     kfp_feature_next_bit(c->cfg, &site, &left, &bit, &f);) {
			const char *s = f ? f->name : "hypercall";
			kfp_report_add(c->rep, KFP_ITEM_REFUSED, s, f ? src_or_null(&f->src) : src, 0,
				       "%s bit %u: %s in the state, %s on kernel %s", name, bit,
				       have >> bit & 1 ? "on" : "off", have >> bit & 1 ? "off" : "on",
				       c->kernel);
		}
		if (have == want)
			*rule = KFP_STATE_LISTED;
		return 0;
	}
	if (!have) {
		*rule = KFP_STATE_FW_OFF;
		return 0;
	}
	/* No such bitmap here.  Before 5.19 there are none and a kernel's
	 * hypercalls are fixed: safe only if it offers every service the
	 * state turns on.  A newer kernel without it lacks those services. */
	bool ok = true;
	for (uint64_t left = have; kfp_feature_next_bit(c->cfg, &site, &left, &bit, &f);) {
		const char *s = f ? f->name : "hypercall";
		if (c->kver && c->kver < KFP_KV_5_19 && f && f->since && f->since <= c->kver)
			continue;
		ok = false;
		if (c->kver && c->kver < KFP_KV_5_19 && f && f->since)
			kfp_report_add(c->rep, KFP_ITEM_REFUSED, s, f ? src_or_null(&f->src) : src, 0,
				       "on in the state (%s bit %u); kernel %s offers it only from "
				       "%" PRIu32 ".%" PRIu32,
				       name, bit, c->kernel, f->since >> 16, f->since >> 8 & 0xff);
		else
			kfp_report_add(c->rep, KFP_ITEM_REFUSED, s, f ? src_or_null(&f->src) : src, 0,
				       "on in the state (%s bit %u); kernel %s has no %s", name, bit,
				       c->kernel, name);
	}
	if (ok)
		*rule = KFP_STATE_FW_IMPLIED;
	return 0;
}

/* ---- the cache description ---------------------------------------------- */

/* Whether CLIDR_EL1 describes the cache CSSELR_EL1 value `csselr` selects
 * (Ctype<n>: 1 instruction, 2 data, 3 separate, 4 unified; InD, bit 0,
 * selects the instruction cache).  For any other CSSELR_EL1 the
 * architecture leaves CCSIDR_EL1 UNKNOWN: the guest has nothing to keep. */
static bool cache_described(uint64_t clidr, uint64_t csselr)
{
	unsigned level = (unsigned)(csselr >> 1 & 7), ctype = (unsigned)(clidr >> (3 * level) & 7);
	if (csselr & ~UINT64_C(0xf))
		return true; /* TnD and beyond: not judged here */
	if (level > 6)
		return false; /* Ctype1..Ctype7: levels 1 to 7 */
	if (csselr & 1)
		return ctype == 1 || ctype == 3;
	return ctype == 2 || ctype == 3 || ctype == 4;
}

/* ---- registers a kernel lists and another does not ----------------------- */

static bool vcpu_on(const struct checker *c, unsigned bit)
{
	return c->cfg->arm64->vcpu_features >> bit & 1;
}

/* The field that gates row reads 0 in the state (what the guest saw), or
 * the state has no such register (a kernel reads it as 0). */
static bool gate_zero(const struct checker *c, const struct kfp_arm64_reg_row *row)
{
	const struct kfp_arm64_saved_reg *g = saved(c->st, row->gate_reg);
	if (!g)
		return true;
	uint64_t m = row->width >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << row->width) - 1;
	return !(low64(g->id, g->value) >> row->shift & m);
}

/* Why a register need not hold what it holds: its feature is out of the
 * guest's reach.  0 if it is not. */
static uint8_t hidden_rule(const struct checker *c, const struct kfp_arm64_reg_row *row,
			   bool in_state)
{
	if (row->gate == KFP_GATE_VCPU && !vcpu_on(c, row->vcpu_bit))
		return KFP_STATE_VCPU_OFF;
	if (row->gate == KFP_GATE_ID_FIELD && row->hidden && (!in_state || gate_zero(c, row)))
		return KFP_STATE_FEATURE_OFF;
	return 0;
}

static bool at_reset(const struct kfp_arm64_reg_row *row, uint64_t id, const void *value)
{
	return row->has_reset && high_zero(id, value) &&
	       !((low64(id, value) ^ row->reset) & row->reset_mask);
}

/* A saved register the destination does not list. */
static uint8_t check_dropped(const struct checker *c, const struct kfp_arm64_saved_reg *r)
{
	const struct kfp_arm64_reg_row *row = reg_row(c->cfg->arm64, r->id);
	const struct kfp_arm64_saved_reg *clidr = saved(c->st, KFP_ARM64_CLIDR_EL1);
	char enc[24];
	if (kfp_arm64_is_ccsidr(r->id) && clidr && !cache_described(low64(KFP_ARM64_CLIDR_EL1, clidr->value), r->id & 0xff))
		return KFP_STATE_NO_CACHE;
	if (!row) {
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, "register", NULL, 0,
			       "0x%016" PRIx64 "%s = 0x%" PRIx64 "%s: kernel %s does not list it; "
			       "not in the catalog",
			       r->id, encoding(r->id, enc), low64(r->id, r->value),
			       high_zero(r->id, r->value) ? "" : "...", c->kernel);
		return KFP_STATE_REFUSED;
	}
	uint8_t rule = hidden_rule(c, row, true);
	if (rule)
		return rule;
	if (at_reset(row, r->id, r->value))
		return KFP_STATE_RESET_VALUE;
	/* A kernel that does not list a counter (the physical counter before
	 * 6.12's list) shows the guest the host's: what every migration to
	 * such a kernel gives, whatever the source saved. */
	if (row->counter)
		return KFP_STATE_COUNTER;
	/* A register of no feature can only be safe by its reset value. */
	char why[64] = "";
	if (row->gate != KFP_GATE_NONE)
		snprintf(why, sizeof(why), "; %s not hidden", row->feature);
	if (row->has_reset)
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, row->name, src_or_null(&row->src), 0,
			       "%s = 0x%" PRIx64 "%s, not reset 0x%" PRIx64 "; kernel %s does not "
			       "list it%s",
			       row->name, low64(r->id, r->value), high_zero(r->id, r->value) ? "" : "...",
			       row->reset, c->kernel, why);
	else
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, row->name, src_or_null(&row->src), 0,
			       "%s = 0x%" PRIx64 "%s; kernel %s does not list it%s", row->name,
			       low64(r->id, r->value), high_zero(r->id, r->value) ? "" : "...",
			       c->kernel, why);
	return KFP_STATE_REFUSED;
}

/* A register the destination lists and the state lacks: the guest gets
 * the destination's value, so it must be one the guest cannot reach or
 * KVM's reset value. */
static int check_added(const struct checker *c, uint64_t id, unsigned *bad)
{
	const struct kfp_arm64_config *a = c->cfg->arm64;
	char enc[24];
	uint8_t rule;
	int r;
	if (is_id_reg(a, id)) {
		if ((r = check_id_reg(c, id, 0, false, &rule)) < 0)
			return r;
		*bad += rule == KFP_STATE_REFUSED;
		return 0;
	}
	const struct kfp_pin_row *pin = pin_row(a, id);
	if (pin) {
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, pin->name, src_or_null(&pin->src), 0,
			       "the fleet pins it; the state lacks it");
		++*bad;
		return 0;
	}
	if (kfp_arm64_is_fw_bitmap(id)) {
		/* A bitmap of the policy: the source had none (before 5.19),
		 * and the compiler's kernel rules cover its fixed hypercalls.
		 * One the catalog does not know must be off. */
		uint64_t want;
		if (fw_row(a, id))
			return 0;
		if ((r = planned(c, id, &want)) < 0)
			return r;
		if (want) {
			kfp_report_add(c->rep, KFP_ITEM_REFUSED, "hypercall bitmap", NULL, 0,
				       "0x%016" PRIx64 " = 0x%" PRIx64 " on kernel %s: not in the "
				       "catalog, and the state lacks it",
				       id, want, c->kernel);
			++*bad;
		}
		return 0;
	}
	if (kfp_arm64_is_ccsidr(id)) {
		uint64_t clidr;
		if ((r = planned(c, KFP_ARM64_CLIDR_EL1, &clidr)) < 0)
			return r;
		if (!cache_described(clidr, id & 0xff))
			return 0;
	}
	const struct kfp_arm64_reg_row *row = reg_row(a, id);
	if (!row) {
		kfp_report_add(c->rep, KFP_ITEM_REFUSED, "register", NULL, 0,
			       "0x%016" PRIx64 "%s: kernel %s lists it, the state lacks it; not in "
			       "the catalog",
			       id, encoding(id, enc), c->kernel);
		++*bad;
		return 0;
	}
	if (hidden_rule(c, row, false) || row->counter)
		return 0;
	_Alignas(8) uint8_t buf[REG_MAX_BYTES];
	if ((r = get_bytes(c, id, buf)) < 0)
		return r;
	if (at_reset(row, id, buf))
		return 0;
	char why[64] = "";
	if (row->gate != KFP_GATE_NONE)
		snprintf(why, sizeof(why), "; %s not hidden", row->feature);
	kfp_report_add(c->rep, KFP_ITEM_REFUSED, row->name, src_or_null(&row->src), 0,
		       "kernel %s lists it = 0x%" PRIx64 "%s; the state lacks it%s", c->kernel,
		       low64(id, buf), row->has_reset ? ", not reset" : "", why);
	++*bad;
	return 0;
}

/* ---- API ----------------------------------------------------------------- */

KFP_API const char *kfp_state_rule_name(uint8_t rule)
{
	switch (rule) {
	case KFP_STATE_REFUSED: return "refused";
	case KFP_STATE_LISTED: return "listed";
	case KFP_STATE_ID_REG: return "id-reg-raz";
	case KFP_STATE_FEATURE_OFF: return "feature-off";
	case KFP_STATE_VCPU_OFF: return "vcpu-off";
	case KFP_STATE_RESET_VALUE: return "reset-value";
	case KFP_STATE_FW_OFF: return "fw-bitmap-off";
	case KFP_STATE_FW_IMPLIED: return "fw-bitmap-implied";
	case KFP_STATE_NO_CACHE: return "no-such-cache";
	case KFP_STATE_COUNTER: return "counter";
	}
	return "?";
}

KFP_API int kfp_arm64_verify_state(const struct kfp_arm64_plan *plan, int vcpu_fd,
				   const struct kfp_arm64_state *st, uint8_t *rules,
				   struct kfp_report *rep)
{
	if (!plan || !st || !plan->cfg || plan->cfg->table_version != KFP_TABLE_VERSION ||
	    plan->cfg->arch != KFP_TABLE_ARM64 || !plan->cfg->arm64 ||
	    plan->nregs > KFP_MAX_REG_LIST || plan->nwrites > KFP_MAX_ARM64_WRITES ||
	    (st->nregs && !st->regs))
		return -EINVAL;
	const struct kfp_config *cfg = plan->cfg;
	const struct kfp_arm64_config *a = cfg->arm64;
	if ((a->nregs && !a->regs) || (a->nid_regs && !a->id_regs) ||
	    (a->nfw_regs && !a->fw_regs) || (a->npins && !a->pins))
		return -EINVAL;
	for (uint32_t i = 0; i < st->nregs; i++)
		if (!st->regs[i].value || reg_bytes(st->regs[i].id) > REG_MAX_BYTES)
			return -EINVAL;

	struct checker c = { .plan = plan, .cfg = cfg, .st = st, .vcpu_fd = vcpu_fd, .rep = rep,
			     .from = st->kernel ? st->kernel : "the source" };
	kfp_sys_kernel_release(c.kernel, sizeof(c.kernel));
	c.kver = kfp_kernel_version(c.kernel);
	unsigned bad = 0;
	int r = 0;

	bad += kfp_state_check_identity(cfg, st->id, rep);

	for (uint32_t i = 0; i < st->nregs && r == 0; i++) {
		const struct kfp_arm64_saved_reg *s = &st->regs[i];
		const struct kfp_pin_row *pin = pin_row(a, s->id);
		uint64_t have = low64(s->id, s->value);
		uint8_t rule = KFP_STATE_REFUSED;
		if (pin)
			rule = check_pin(&c, pin, have);
		else if (is_id_reg(a, s->id))
			r = check_id_reg(&c, s->id, have, true, &rule);
		else if (kfp_arm64_is_fw_bitmap(s->id))
			r = check_fw(&c, s->id, have, &rule);
		else if (listed(plan, s->id))
			rule = KFP_STATE_LISTED;
		else
			rule = check_dropped(&c, s);
		bad += rule == KFP_STATE_REFUSED;
		if (rules)
			rules[i] = rule;
	}
	for (uint64_t i = 0; i < plan->nregs && r == 0; i++)
		if (!saved(st, plan->regs[i]))
			r = check_added(&c, plan->regs[i], &bad);
	if (r < 0)
		return r;
	return bad ? -EPERM : 0;
}
