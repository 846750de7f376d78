/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet_rollback: one boot of the rollback test (tests/fleet/run-rollback).
 * Runs as /init of a Debian arm64 kernel under qemu, KVM inside, in two
 * modes: "policy" (the compiled policy applied with the kfp runtime; only
 * when built with the runtime and tables) and "none" (KVM's defaults: what a
 * VMM without kfp gets).  /rollback/plan says what to do:
 *   fleet-<series> NAME   the fleet of the compiled policy for this kernel
 *   restore FROM          a leg that restores /rollback/state-FROM.txt
 *                         (several lines: several legs; none: one fresh leg)
 *   save yes              save the state after the first leg
 *
 * A leg, in each mode:
 *   1. a fresh VM (in-kernel GICv3) and vCPU, KVM_ARM_VCPU_INIT with the
 *      policy's features (PSCI 0.2 without a policy), kfp_arm64_apply() in
 *      mode policy.  A refusal is a result, not a breakdown of the program:
 *        KFP-APPLY <mode> <status> <report item>     (each item)
 *        KFP-APPLY-REFUSED <mode> <FROM|-> fleet=NAME <errno>
 *   2. restoring: every saved register, in the saved order, with
 *      KVM_SET_ONE_REG (values of any size: U32, U64, U128, ...):
 *        KFP-RESTORE <mode> <FROM> ok <id> <name>
 *        KFP-RESTORE <mode> <FROM> skip-safe <id> <name> <rule>
 *        KFP-RESTORE <mode> <FROM> fail <id> <name> <errno> value=.. here=..
 *      A register this kernel does not list may be skipped only by a rule:
 *        fw-bitmap-off        a hypercall bitmap the policy writes as 0
 *                             (by name, or as an unknown bitmap under
 *                             `firmware_regs unknown zero`), saved as 0;
 *        fw-bitmap-implied    a hypercall bitmap (this kernel has none:
 *                             before 5.19) whose every set bit is a
 *                             service this kernel offers without it
 *                             (PV_TIME; TRNG from 5.12; PTP, FUNC_FEAT
 *                             from 5.13); never reset-value;
 *        id-reg-raz           an ID register the policy makes all zero;
 *        feature-off:REG.FLD  a register of a feature whose ID field the
 *                             policy pins to 0, and the guest saw 0;
 *        vcpu-off:FEATURE     a register of a vCPU feature the policy
 *                             leaves off (PMU, SVE, pointer auth);
 *        reset-value          the saved value is the value of a fresh vCPU
 *                             on the source kernel (never changed);
 *        reset-counter        a counter whose saved value lies between two
 *                             reads of a fresh vCPU on the source (no
 *                             offset was ever applied to it).
 *      The policy rules apply in mode policy only; anything else is "fail
 *      ... ENOENT not-listed".  Written registers are read back:
 *        KFP-RESTORE <mode> <FROM> changed <id> <name> wrote=.. read=..
 *      (KVM accepted the write and kept another value; counters are not
 *      compared), and registers only this kernel has are listed:
 *        KFP-RESTORE <mode> <FROM> target-only <id> <name> value=..
 *   3. the EL1 guest probe (fleet_el1.S) runs; a restored vCPU continues
 *      where it was saved, which loops back into the probe:
 *        KFP-GUEST <mode> <FROM|-> <index> <value|n/a> <name>
 *      (n/a: a CCSIDR_EL1 of a cache CLIDR_EL1 does not list), and after a
 *      restore KFP-GUESTDIFF <mode> <FROM> <name> from=.. here=.. for each
 *      read that differs from what the guest read on FROM;
 *   4. with "save yes" (first leg): the vCPU's whole state, every register
 *      of KVM_GET_REG_LIST, and where they differ the values of a fresh
 *      vCPU set up the same way (read before and after the state):
 *        KFP-STATE <mode> <id> <value>
 *        KFP-FRESH <mode> <id> <before> <after> <name> saved=..
 *        KFP-STATE-GUEST <mode> <index> <value> <name>
 *        KFP-STATE-END <mode> <nstate> <nfresh>
 *      The probe's pass count (x20, v7) must be one more than on FROM:
 *        KFP-CONTINUITY <mode> <FROM> ok|broken pass N on FROM, M here
 *   5. KFP-SUMMARY <mode> <FROM> ok=N skip-safe=N fail=N changed=N
 *      guestdiff=N target-only=N continuity=ok|broken, and
 *      KFP-SKIPRULE <mode> <FROM> <rule> N.
 *
 * KFP-RESULT PASS means every step ran (KVM answered, the probe finished);
 * whether the rollback is safe is judged by run-rollback from the lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "fleet_common.h"

#ifdef KFP_FLEET_RUNTIME
#include <kfp/kfp.h>
#include "fleet_tables.h"
#endif

#define MODE_NONE 0
#define MODE_POLICY 1
static const char *const mode_names[] = { "none", "policy" };

/* ---- the plan ------------------------------------------------------------ */

#define MAX_LEGS 4
static char plan_restore[MAX_LEGS][64];
static int plan_nrestore, plan_save;
static char plan_fleet[64];

static void read_plan(const char *series)
{
	FILE *f = fopen("/rollback/plan", "r");
	char line[256], key[64], val[64];
	char fleet_key[32];

	snprintf(fleet_key, sizeof(fleet_key), "fleet-%s", series);
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		if (line[0] == '#')
			continue;
		val[0] = '\0';
		if (sscanf(line, "%63s %63s", key, val) < 1)
			continue;
		if (strcmp(key, "restore") == 0 && plan_nrestore < MAX_LEGS)
			snprintf(plan_restore[plan_nrestore++], sizeof(plan_restore[0]),
				 "%s", val);
		else if (strcmp(key, "save") == 0)
			plan_save = strcmp(val, "no") != 0;
		else if (strcmp(key, "fleet") == 0 && plan_fleet[0] == '\0')
			snprintf(plan_fleet, sizeof(plan_fleet), "%s", val);
		else if (strcmp(key, fleet_key) == 0)
			snprintf(plan_fleet, sizeof(plan_fleet), "%s", val);
	}
	fclose(f);
	out("KFP-FACT plan restore=");
	for (int i = 0; i < plan_nrestore; i++)
		out("%s%s", i ? "," : "", plan_restore[i]);
	out("%s save=%s fleet=%s\n", plan_nrestore ? "" : "-", plan_save ? "yes" : "no",
	    plan_fleet[0] ? plan_fleet : "-");
}

/* ---- saved state ------------------------------------------------------------ */

struct regval {
	uint64_t id;
	unsigned char v[REG_MAX_BYTES];
	unsigned char f1[REG_MAX_BYTES], f2[REG_MAX_BYTES]; /* fresh values */
	int have_fresh; /* a KFP-FRESH line: else fresh == saved */
};

struct saved {
	size_t n, cap, nfresh;
	struct regval *r;
	uint64_t guest[FLEET_EL1_NRESULTS];
	int have_guest, complete;
};

static struct regval *saved_find(struct saved *s, uint64_t id)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->r[i].id == id)
			return &s->r[i];
	return NULL;
}

/* Whether /rollback/state-FROM.txt has a complete state of this mode. */
static int state_has_mode(const char *from, const char *mode)
{
	char path[128], line[256], kind[32], m[16];
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/rollback/state-%s.txt", from);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %15s", kind, m) == 2 &&
		    strcmp(kind, "KFP-STATE-END") == 0 && strcmp(m, mode) == 0)
			found = 1;
	fclose(f);
	return found;
}

static int load_state(const char *from, const char *mode, struct saved *s)
{
	char path[128], line[1024], m[16], kind[32], vs[600], v2[600];
	uint64_t id;
	unsigned idx;
	size_t nstate = 0, nfresh = 0;
	FILE *f;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/rollback/state-%s.txt", from);
	f = fopen(path, "r");
	if (!f)
		return fail("cannot open %s: %s", path, errname(errno));
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31s %15s", kind, m) != 2 || strcmp(m, mode) != 0)
			continue;
		if (strcmp(kind, "KFP-STATE") == 0 &&
		    sscanf(line, "%*s %*s %" SCNx64 " %599s", &id, vs) == 2) {
			if (s->n == s->cap) {
				size_t cap = s->cap ? 2 * s->cap : 512;
				struct regval *r = realloc(s->r, cap * sizeof(*r));
				if (!r) {
					fclose(f);
					return fail("out of memory");
				}
				s->r = r;
				s->cap = cap;
			}
			struct regval *r = &s->r[s->n];
			memset(r, 0, sizeof(*r));
			r->id = id;
			if (reg_parse(id, vs, r->v) < 0) {
				fclose(f);
				return fail("%s: bad value for 0x%" PRIx64, path, id);
			}
			s->n++;
		} else if (strcmp(kind, "KFP-FRESH") == 0 &&
			   sscanf(line, "%*s %*s %" SCNx64 " %599s %599s", &id, vs,
				  v2) == 3) {
			struct regval *r = saved_find(s, id);
			if (!r || reg_parse(id, vs, r->f1) < 0 ||
			    reg_parse(id, v2, r->f2) < 0) {
				fclose(f);
				return fail("%s: bad KFP-FRESH line for 0x%" PRIx64,
					    path, id);
			}
			r->have_fresh = 1;
			nfresh++;
		} else if (strcmp(kind, "KFP-STATE-GUEST") == 0 &&
			   sscanf(line, "%*s %*s %u %599s", &idx, vs) == 2 &&
			   idx < FLEET_EL1_NRESULTS) {
			s->guest[idx] = strtoull(vs, NULL, 16);
			s->have_guest = 1;
		} else if (strcmp(kind, "KFP-STATE-END") == 0 &&
			   sscanf(line, "%*s %*s %zu %zu", &nstate, &nfresh) == 2) {
			s->complete = 1;
			s->nfresh = nfresh;
		}
	}
	fclose(f);
	for (size_t i = 0; i < s->n; i++)
		if (!s->r[i].have_fresh) {
			memcpy(s->r[i].f1, s->r[i].v, REG_MAX_BYTES);
			memcpy(s->r[i].f2, s->r[i].v, REG_MAX_BYTES);
		}
	if (!s->complete || nstate != s->n)
		return fail("%s: mode %s: %zu KFP-STATE lines, KFP-STATE-END says %zu%s",
			    path, mode, s->n, nstate,
			    s->complete ? "" : " (no KFP-STATE-END)");
	out("KFP-FACT loaded %s mode=%s registers=%zu fresh-differs=%zu\n", path,
	    mode, s->n, s->nfresh);
	return 0;
}

/* ---- the policy ---------------------------------------------------------- */

#ifdef KFP_FLEET_RUNTIME
static const struct kfp_config *find_fleet(const char *name)
{
	for (size_t i = 0; i < FLEET_TABLES_NFLEETS; i++)
		if (strcmp(FLEET_TABLES_FLEETS[i]->fleet, name) == 0)
			return FLEET_TABLES_FLEETS[i];
	return NULL;
}

static void print_report(const char *what, const struct kfp_report *rep)
{
	char buf[256];

	for (uint32_t i = 0; i < rep->nitems; i++) {
		kfp_report_item_format(&rep->items[i], buf, sizeof(buf));
		out("KFP-APPLY %s %s %s\n", what,
		    kfp_item_status_name(rep->items[i].status), buf);
	}
	out("KFP-APPLY %s napplied=%u nproblems=%u nlost=%u\n", what,
	    rep->napplied, rep->nproblems, rep->nlost);
}

static const struct kfp_id_reg_row *policy_id_row(const struct kfp_config *cfg,
						  uint64_t id)
{
	for (uint32_t i = 0; i < cfg->arm64->nid_regs; i++)
		if (cfg->arm64->id_regs[i].id == id)
			return &cfg->arm64->id_regs[i];
	return NULL;
}

/* The policy pins field (id, shift) to 0 on every fleet kernel. */
static const struct kfp_id_field_row *policy_field_zero(const struct kfp_config *cfg,
							uint64_t id, unsigned shift)
{
	const struct kfp_id_reg_row *row = policy_id_row(cfg, id);

	if (!row)
		return NULL;
	for (uint32_t i = 0; i < row->nfields; i++) {
		const struct kfp_id_field_row *f = &row->fields[i];
		if (f->shift != shift)
			continue;
		if ((f->rule == KFP_RULE_FIXED || f->rule == KFP_RULE_VCPU_OFF) &&
		    f->value == 0)
			return f;
		return NULL;
	}
	return NULL;
}
#endif

#ifdef KFP_FLEET_RUNTIME
/* Registers that exist only with a feature. */
static const struct {
	uint64_t reg;
	uint64_t idreg;
	unsigned shift;
	const char *field;
} feature_regs[] = {
	{ SYSREG(3, 0, 2, 0, 3), SYSREG(3, 0, 0, 7, 3), 0, "ID_AA64MMFR3_EL1.TCRX" },
	{ SYSREG(3, 0, 1, 0, 3), SYSREG(3, 0, 0, 7, 3), 4, "ID_AA64MMFR3_EL1.SCTLRX" },
	{ SYSREG(3, 0, 10, 2, 2), SYSREG(3, 0, 0, 7, 3), 8, "ID_AA64MMFR3_EL1.S1PIE" },
	{ SYSREG(3, 0, 10, 2, 3), SYSREG(3, 0, 0, 7, 3), 8, "ID_AA64MMFR3_EL1.S1PIE" },
	{ SYSREG(3, 0, 10, 2, 4), SYSREG(3, 0, 0, 7, 3), 16, "ID_AA64MMFR3_EL1.S1POE" },
	{ SYSREG(3, 3, 10, 2, 4), SYSREG(3, 0, 0, 7, 3), 16, "ID_AA64MMFR3_EL1.S1POE" },
	{ SYSREG(3, 0, 1, 0, 5), SYSREG(3, 0, 0, 4, 1), 8, "ID_AA64PFR1_EL1.MTE" },
	{ SYSREG(3, 0, 1, 0, 6), SYSREG(3, 0, 0, 4, 1), 8, "ID_AA64PFR1_EL1.MTE" },
	{ SYSREG(3, 0, 5, 6, 0), SYSREG(3, 0, 0, 4, 1), 8, "ID_AA64PFR1_EL1.MTE" },
	{ SYSREG(3, 0, 5, 6, 1), SYSREG(3, 0, 0, 4, 1), 8, "ID_AA64PFR1_EL1.MTE" },
	{ SYSREG(3, 0, 13, 0, 7), SYSREG(3, 0, 0, 4, 1), 8, "ID_AA64PFR1_EL1.MTE" },
	{ SYSREG(3, 3, 13, 0, 7), SYSREG(3, 0, 0, 4, 1), 8, "ID_AA64PFR1_EL1.MTE" },
};

static int is_pmu_reg(uint64_t id)
{
	unsigned low = (unsigned)(id & 0xffff);
	unsigned op0 = low >> 14 & 3, op1 = low >> 11 & 7, crn = low >> 7 & 15,
		 crm = low >> 3 & 15;

	if ((id & ~UINT64_C(0xffff)) != UINT64_C(0x6030000000130000))
		return 0;
	if (op0 != 3)
		return 0;
	if (crn == 9 && crm >= 12 && (op1 == 3 || op1 == 0))
		return 1; /* PMCR_EL0 ... PMOVSSET_EL0, PMINTEN{SET,CLR}_EL1 */
	if (op1 == 3 && crn == 14 && crm >= 8)
		return 1; /* PMEVCNTRn_EL0, PMEVTYPERn_EL0, PMCCFILTR_EL0 */
	return 0;
}

static int is_sve_reg(uint64_t id)
{
	return (id & KVM_REG_ARM_COPROC_MASK) == KVM_REG_ARM64_SVE ||
	       id == SYSREG(3, 0, 1, 2, 0); /* ZCR_EL1 */
}

static int is_ptrauth_reg(uint64_t id)
{
	uint64_t b = SYSREG(3, 0, 2, 1, 0);
	return id >= b && id <= SYSREG(3, 0, 2, 3, 1) &&
	       ((id >> 3) & 15) >= 1 && ((id >> 3) & 15) <= 3;
}
#endif

static int is_counter(uint64_t id)
{
	return id == SYSREG(3, 3, 14, 3, 2) /* KVM_REG_ARM_TIMER_CNT */ ||
	       id == SYSREG(3, 3, 14, 0, 1) /* CNTPCT_EL0 (PTIMER_CNT) */;
}

static uint64_t u64of(uint64_t id, const unsigned char *b)
{
	uint64_t v = 0;
	size_t n = reg_size(id);
	memcpy(&v, b, n < 8 ? n : 8);
	return v;
}

/* This kernel's version, (major << 8) | minor. */
static unsigned kver;

/* The services of a hypercall bitmap register that a kernel without the
 * bitmap registers (before 5.19) offers every guest: PV_TIME (STD_HYP bit
 * 0, 5.10 and before), TRNG (STD bit 0, 5.12), FUNC_FEAT and PTP (VENDOR_HYP
 * bits 0 and 1, 5.13); arch/arm64/kvm/hypercalls.c. */
static uint64_t implied_services(uint64_t id)
{
	switch (id & 0xffff) {
	case 0: return kver >= (5u << 8 | 12) ? 1 : 0;
	case 1: return 1;
	case 2: return kver >= (5u << 8 | 13) ? 3 : 0;
	default: return 0;
	}
}

/* Why a saved register that this kernel does not list may be skipped, or
 * NULL.  rule is filled with the name. */
static const char *skip_rule(int mode, const void *cfgp, struct saved *s,
			     struct regval *r, char *rule, size_t size)
{
	size_t n = reg_size(r->id);
	int zero = 1;

	for (size_t i = 0; i < n; i++)
		if (r->v[i])
			zero = 0;
#ifdef KFP_FLEET_RUNTIME
	const struct kfp_config *cfg = cfgp;
	if (mode == MODE_POLICY && cfg && cfg->arm64) {
		const struct kfp_arm64_config *a = cfg->arm64;
		/* hypercall bitmaps */
		if ((r->id & ~UINT64_C(0xffff)) == UINT64_C(0x6030000000160000)) {
			const struct kfp_fw_reg_row *row = NULL;
			for (uint32_t i = 0; i < a->nfw_regs; i++)
				if (a->fw_regs[i].id == r->id)
					row = &a->fw_regs[i];
			if (zero && ((row && row->value == 0) ||
				     (!row && a->fw_unknown == KFP_UNKNOWN_POLICY_ZERO))) {
				snprintf(rule, size, "fw-bitmap-off%s", row ? "" : "(unknown,zero)");
				return rule;
			}
		}
		/* ID registers */
		if ((r->id & ~UINT64_C(0x3f)) == SYSREG(3, 0, 0, 0, 0) && zero) {
			const struct kfp_id_reg_row *row = policy_id_row(cfg, r->id);
			int allzero = 1;
			if (row) {
				for (uint32_t i = 0; i < row->nfields; i++)
					if (!((row->fields[i].rule == KFP_RULE_FIXED ||
					       row->fields[i].rule == KFP_RULE_VCPU_OFF) &&
					      row->fields[i].value == 0))
						allzero = 0;
			}
			if (allzero) {
				snprintf(rule, size, "id-reg-raz%s", row ? "" : "(unknown)");
				return rule;
			}
		}
		for (size_t i = 0; i < sizeof(feature_regs) / sizeof(feature_regs[0]); i++) {
			if (feature_regs[i].reg != r->id)
				continue;
			struct regval *idr = saved_find(s, feature_regs[i].idreg);
			if (policy_field_zero(cfg, feature_regs[i].idreg,
					      feature_regs[i].shift) &&
			    idr && ((u64of(idr->id, idr->v) >> feature_regs[i].shift) & 0xf) == 0) {
				snprintf(rule, size, "feature-off:%s", feature_regs[i].field);
				return rule;
			}
		}
		if (is_pmu_reg(r->id) && !(a->vcpu_features & (1u << KVM_ARM_VCPU_PMU_V3))) {
			snprintf(rule, size, "vcpu-off:pmu_v3");
			return rule;
		}
		if (is_sve_reg(r->id) && !(a->vcpu_features & (1u << KVM_ARM_VCPU_SVE))) {
			snprintf(rule, size, "vcpu-off:sve");
			return rule;
		}
		if (is_ptrauth_reg(r->id) &&
		    !(a->vcpu_features & (1u << KVM_ARM_VCPU_PTRAUTH_ADDRESS))) {
			snprintf(rule, size, "vcpu-off:ptrauth");
			return rule;
		}
	}
#else
	(void)mode;
	(void)cfgp;
	(void)s;
	(void)zero;
#endif
	/* A hypercall bitmap this kernel does not have (before 5.19): safe
	 * only if every service it turns on is one this kernel offers without
	 * it.  Not by reset-value: a bit set by default is a service the guest
	 * may use. */
	if ((r->id & ~UINT64_C(0xffff)) == UINT64_C(0x6030000000160000)) {
		uint64_t v = u64of(r->id, r->v);
		if ((v & ~implied_services(r->id)) == 0) {
			snprintf(rule, size, "fw-bitmap-implied");
			return rule;
		}
		return NULL;
	}
	if (memcmp(r->v, r->f1, n) == 0 && memcmp(r->v, r->f2, n) == 0) {
		snprintf(rule, size, "reset-value");
		return rule;
	}
	if (n == 8 && is_counter(r->id)) {
		uint64_t v = u64of(r->id, r->v), a1 = u64of(r->id, r->f1),
			 a2 = u64of(r->id, r->f2);
		if (a1 <= v && v <= a2) {
			snprintf(rule, size, "reset-counter");
			return rule;
		}
	}
	return NULL;
}

/* ---- one mode -------------------------------------------------------------- */

struct counts {
	unsigned ok, skip, fail, changed, guestdiff, targetonly;
	int continuity; /* 1 the guest continued the saved pass count, -1 not */
	struct {
		char rule[96];
		unsigned n;
	} rules[32];
	unsigned nrules;
};

static void count_rule(struct counts *c, const char *rule)
{
	for (unsigned i = 0; i < c->nrules; i++)
		if (strcmp(c->rules[i].rule, rule) == 0) {
			c->rules[i].n++;
			return;
		}
	if (c->nrules < 32) {
		snprintf(c->rules[c->nrules].rule, sizeof(c->rules[0].rule), "%s", rule);
		c->rules[c->nrules++].n = 1;
	}
}

static int restore(int mode, const char *from, const void *cfg, struct vm *v,
		   struct saved *s, struct counts *c)
{
	const char *m = mode_names[mode];
	uint64_t n = 0, *list = reg_list(v->vcpu, &n);
	char vb[600], rb[600], rule[96];
	unsigned char back[REG_MAX_BYTES];
	char *written;

	if (!list)
		return -1;
	written = calloc(s->n ? s->n : 1, 1);
	if (!written) {
		free(list);
		return fail("out of memory");
	}
	for (size_t i = 0; i < s->n; i++) {
		struct regval *r = &s->r[i];
		const char *name = reg_name(r->id);
		if (!in_list(list, n, r->id)) {
			if (skip_rule(mode, cfg, s, r, rule, sizeof(rule))) {
				out("KFP-RESTORE %s %s skip-safe 0x%016" PRIx64 " %s %s\n", m,
				    from, r->id, name, rule);
				c->skip++;
				count_rule(c, rule);
			} else {
				reg_format(r->id, r->v, vb, sizeof(vb));
				out("KFP-RESTORE %s %s fail 0x%016" PRIx64 " %s ENOENT not-listed value=%s\n",
				    m, from, r->id, name, vb);
				c->fail++;
			}
			continue;
		}
		int e = reg_set(v->vcpu, r->id, r->v);
		if (e) {
			reg_format(r->id, r->v, vb, sizeof(vb));
			memset(back, 0, sizeof(back));
			reg_get(v->vcpu, r->id, back);
			reg_format(r->id, back, rb, sizeof(rb));
			out("KFP-RESTORE %s %s fail 0x%016" PRIx64 " %s %s value=%s here=%s\n",
			    m, from, r->id, name, errname(e), vb, rb);
			c->fail++;
			continue;
		}
		written[i] = 1;
		out("KFP-RESTORE %s %s ok 0x%016" PRIx64 " %s\n", m, from, r->id, name);
		c->ok++;
	}
	/* Read back what was written: KVM must keep it (counters move). */
	for (size_t i = 0; i < s->n; i++) {
		struct regval *r = &s->r[i];
		if (!written[i] || is_counter(r->id))
			continue;
		memset(back, 0, sizeof(back));
		if (reg_get(v->vcpu, r->id, back) != 0 ||
		    memcmp(back, r->v, reg_size(r->id)) != 0) {
			reg_format(r->id, r->v, vb, sizeof(vb));
			reg_format(r->id, back, rb, sizeof(rb));
			out("KFP-RESTORE %s %s changed 0x%016" PRIx64 " %s wrote=%s read=%s\n",
			    m, from, r->id, reg_name(r->id), vb, rb);
			c->changed++;
		}
	}
	for (uint64_t i = 0; i < n; i++) {
		if (saved_find(s, list[i]))
			continue;
		memset(back, 0, sizeof(back));
		reg_get(v->vcpu, list[i], back);
		reg_format(list[i], back, rb, sizeof(rb));
		out("KFP-RESTORE %s %s target-only 0x%016" PRIx64 " %s value=%s\n", m, from,
		    list[i], reg_name(list[i]), rb);
		c->targetonly++;
	}
	free(written);
	free(list);
	return 0;
}

/* Prints the whole state of v (KFP-STATE, KFP-FRESH, KFP-STATE-GUEST,
 * KFP-STATE-END): every listed register, and where they differ the values
 * of a fresh vCPU set up the same way (read before and after). */
static int save(int kvm, int mode, uint32_t features, const void *cfg, struct vm *v,
		const uint64_t *guest)
{
	const char *m = mode_names[mode];
	struct vm f;
	uint64_t n = 0, nf = 0, *list = NULL, *flist = NULL;
	unsigned char (*f1)[REG_MAX_BYTES] = NULL, (*sv)[REG_MAX_BYTES] = NULL;
	unsigned char val[REG_MAX_BYTES];
	char a[600], b[600], cbuf[600];
	size_t nstate = 0, nfresh = 0;
	int rc = 0;

	(void)cfg;
	if (vm_create(kvm, features, &f) < 0) {
		vm_destroy(&f);
		return -1;
	}
#ifdef KFP_FLEET_RUNTIME
	if (mode == MODE_POLICY) {
		static struct kfp_arm64_plan plan;
		struct kfp_report rep;
		kfp_report_init(&rep);
		int e = kfp_arm64_apply(cfg, f.vm, f.vcpu, &plan, &rep);
		if (e) {
			print_report("fresh", &rep);
			vm_destroy(&f);
			return fail("kfp_arm64_apply on the fresh vCPU: %s (it worked on the first)",
				    errname(-e));
		}
	}
#endif
	list = reg_list(v->vcpu, &n);
	flist = reg_list(f.vcpu, &nf);
	f1 = calloc(n ? n : 1, sizeof(*f1));
	sv = calloc(n ? n : 1, sizeof(*sv));
	if (!list || !flist || !f1 || !sv) {
		rc = fail("out of memory");
		goto out;
	}
	for (uint64_t i = 0; i < n; i++)
		if (in_list(flist, nf, list[i]))
			reg_get(f.vcpu, list[i], f1[i]);
	for (uint64_t i = 0; i < n; i++) {
		memset(val, 0, sizeof(val));
		int e = reg_get(v->vcpu, list[i], val);
		if (e) {
			out("KFP-STATE-ERR %s 0x%016" PRIx64 " %s %s\n", m, list[i],
			    reg_name(list[i]), errname(e));
			rc = fail("KVM_GET_ONE_REG %s: %s", reg_name(list[i]), errname(e));
			continue;
		}
		reg_format(list[i], val, a, sizeof(a));
		out("KFP-STATE %s 0x%016" PRIx64 " %s\n", m, list[i], a);
		nstate++;
		memcpy(sv[i], val, sizeof(val));
	}
	for (uint64_t i = 0; i < n; i++) {
		unsigned char after[REG_MAX_BYTES] = { 0 };
		size_t sz = reg_size(list[i]);
		if (in_list(flist, nf, list[i]))
			reg_get(f.vcpu, list[i], after);
		if (memcmp(f1[i], sv[i], sz) == 0 && memcmp(after, sv[i], sz) == 0)
			continue;
		reg_format(list[i], f1[i], a, sizeof(a));
		reg_format(list[i], after, b, sizeof(b));
		reg_format(list[i], sv[i], cbuf, sizeof(cbuf));
		out("KFP-FRESH %s 0x%016" PRIx64 " %s %s %s saved=%s\n", m, list[i], a, b,
		    reg_name(list[i]), cbuf);
		nfresh++;
	}
	for (unsigned i = 0; guest && i < FLEET_EL1_NRESULTS; i++)
		out("KFP-STATE-GUEST %s %u 0x%016" PRIx64 " %s\n", m, i, guest[i],
		    el1_result_name(i));
	out("KFP-STATE-END %s %zu %zu\n", m, nstate, nfresh);
out:
	free(list);
	free(flist);
	free(f1);
	free(sv);
	vm_destroy(&f);
	return rc;
}

/* One leg: a fresh VM (the policy applied in mode policy), the state from
 * `from` restored (NULL: none, the probe starts afresh), the probe run,
 * and the state saved if asked. */
static int leg(int kvm, int mode, const char *from, int do_save)
{
	const char *m = mode_names[mode];
	const char *tag = from ? from : "-";
	const void *cfg = NULL;
	uint32_t features = 1u << KVM_ARM_VCPU_PSCI_0_2;
	struct vm v;
	struct saved s;
	struct counts c;
	uint64_t res[FLEET_EL1_NRESULTS];
	int rc = 0, ran = 0;

	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
#ifdef KFP_FLEET_RUNTIME
	if (mode == MODE_POLICY) {
		const struct kfp_config *k = find_fleet(plan_fleet);
		if (!k)
			return fail("no fleet '%s' in the compiled policy", plan_fleet);
		cfg = k;
		features = kfp_arm64_vcpu_features(k);
	}
#endif
	if (from && !state_has_mode(from, m)) {
		/* The source did not save this mode (e.g. it refused the
		 * policy): nothing to restore. */
		out("KFP-LEG-SKIPPED %s %s no state saved in mode %s on %s\n", m, tag, m, from);
		return 0;
	}
	if (from && load_state(from, m, &s) < 0)
		return -1;
	if (vm_create(kvm, features, &v) < 0) {
		vm_destroy(&v);
		free(s.r);
		return -1;
	}
#ifdef KFP_FLEET_RUNTIME
	if (mode == MODE_POLICY) {
		static struct kfp_arm64_plan plan;
		struct kfp_report rep;
		kfp_report_init(&rep);
		int e = kfp_arm64_apply(cfg, v.vm, v.vcpu, &plan, &rep);
		print_report(m, &rep);
		if (e) {
			/* A result, not a breakdown of the test: this kernel
			 * refuses the policy, loudly, before the VM runs. */
			out("KFP-APPLY-REFUSED %s %s fleet=%s %s\n", m, tag, plan_fleet,
			    errname(-e));
			goto out;
		}
	}
#endif
	if (el1_map(&v) < 0) {
		rc = -1;
		goto out;
	}
	if (from) {
		if (restore(mode, from, cfg, &v, &s, &c) < 0) {
			rc = -1;
			goto out;
		}
	} else if (el1_start(&v) < 0) {
		rc = -1;
		goto out;
	}
	if (el1_run(&v, res) < 0) {
		rc = -1;
		out("KFP-GUEST-FAIL %s %s %s\n", m, tag, fail_reason());
	} else {
		ran = 1;
		for (unsigned i = 0; i < FLEET_EL1_NRESULTS; i++) {
			int vh = el1_result_valid(i, res);
			if (vh)
				out("KFP-GUEST %s %s %u 0x%016" PRIx64 " %s\n", m, tag, i,
				    res[i], el1_result_name(i));
			else
				out("KFP-GUEST %s %s %u n/a %s\n", m, tag, i, el1_result_name(i));
			if (!from || !s.have_guest)
				continue;
			if (i == FLEET_EL1_PASS) {
				/* The pass count lives in x20 and v7: one more than
				 * on FROM only if the registers travelled. */
				c.continuity = res[i] == s.guest[i] + 1 ? 1 : -1;
				out("KFP-CONTINUITY %s %s %s pass %" PRIu64 " on %s, %" PRIu64 " here\n",
				    m, tag, c.continuity > 0 ? "ok" : "broken", s.guest[i], from,
				    res[i]);
				continue;
			}
			int vf = el1_result_valid(i, s.guest);
			if (vh != vf || (vh && el1_result_norm(i, res[i]) !=
						 el1_result_norm(i, s.guest[i]))) {
				out("KFP-GUESTDIFF %s %s %s from=0x%016" PRIx64 " here=0x%016" PRIx64 "\n",
				    m, tag, el1_result_name(i), s.guest[i], res[i]);
				c.guestdiff++;
			}
		}
	}
	if (do_save && save(kvm, mode, features, cfg, &v, ran ? res : NULL) < 0)
		rc = -1;
	if (from) {
		out("KFP-SUMMARY %s %s ok=%u skip-safe=%u fail=%u changed=%u guestdiff=%u target-only=%u continuity=%s\n",
		    m, tag, c.ok, c.skip, c.fail, c.changed, c.guestdiff, c.targetonly,
		    c.continuity > 0 ? "ok" : c.continuity < 0 ? "broken" : "-");
		for (unsigned i = 0; i < c.nrules; i++)
			out("KFP-SKIPRULE %s %s %s %u\n", m, tag, c.rules[i].rule, c.rules[i].n);
	}
out:
	vm_destroy(&v);
	free(s.r);
	return rc;
}

static int run_mode(int kvm, int mode)
{
	int rc = 0;

#ifdef KFP_FLEET_RUNTIME
	if (mode == MODE_POLICY) {
		const struct kfp_config *k = find_fleet(plan_fleet);
		if (!k)
			return fail("no fleet '%s' in the compiled policy", plan_fleet);
		out("KFP-FACT policy \"%s\" fleet \"%s\" min_kernel %u.%u features 0x%x\n",
		    k->policy, k->fleet, k->min_kernel >> 16, (k->min_kernel >> 8) & 0xff,
		    kfp_arm64_vcpu_features(k));
	}
#endif
	if (plan_nrestore == 0)
		return leg(kvm, mode, NULL, plan_save);
	for (int i = 0; i < plan_nrestore; i++)
		if (leg(kvm, mode, plan_restore[i], plan_save && i == 0) < 0)
			rc = -1;
	return rc;
}

int main(void)
{
	char series[16];
	int kvm, rc = 0;

	fleet_begin("fleet_rollback", series, sizeof(series));
	{
		unsigned maj = 0, min = 0;
		sscanf(series, "%u.%u", &maj, &min);
		kver = maj << 8 | min;
	}
	read_plan(series);
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		fleet_end(fail("open /dev/kvm: %s", errname(errno)));
#ifdef KFP_FLEET_RUNTIME
	out("KFP-FACT runtime yes\n");
	if (run_mode(kvm, MODE_POLICY) < 0)
		rc = -1;
#else
	out("KFP-FACT runtime no (mode policy skipped)\n");
#endif
	if (run_mode(kvm, MODE_NONE) < 0)
		rc = -1;
	close(kvm);
	fleet_end(rc);
}
