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
 *      policy's features (PSCI 0.2 without a policy).  In mode policy the
 *      product's sequence for a destination: kfp_arm64_plan(), then, with
 *      a state to restore, kfp_arm64_verify_state() (before any write),
 *      then kfp_arm64_commit().  A refusal is a result, not a breakdown of
 *      the program:
 *        KFP-APPLY <mode> <status> <report item>     (each item)
 *        KFP-APPLY-REFUSED <mode> <FROM|-> fleet=NAME <errno>
 *        KFP-VERIFY <mode> <FROM> ok|refused <errno>
 *        KFP-VERIFY-ITEM <mode> <FROM> <report item> (each reason)
 *      The harness restores even a refused state, to show what the
 *      refusal prevented.
 *   2. restoring: every saved register, in the saved order, with
 *      KVM_SET_ONE_REG (values of any size: U32, U64, U128, ...):
 *        KFP-RESTORE <mode> <FROM> ok <id> <name>
 *        KFP-RESTORE <mode> <FROM> skip-safe <id> <name> <rule>
 *        KFP-RESTORE <mode> <FROM> fail <id> <name> <errno> value=.. here=..
 *      A register this kernel does not list is skipped only by the rule
 *      kfp_arm64_verify_state() names for it (kfp_state_rule_name():
 *      feature-off, vcpu-off, reset-value, fw-bitmap-off,
 *      fw-bitmap-implied, id-reg-raz, no-such-cache, counter); anything
 *      else, and every one in mode none, is "fail ... ENOENT
 *      not-listed".  Written registers are read back:
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
 *      of KVM_GET_REG_LIST, and in mode policy the policy identity, as a
 *      VMM's migration stream carries it:
 *        KFP-STATE-ID <mode> <32 hex digits>
 *        KFP-STATE <mode> <id> <value>
 *        KFP-STATE-GUEST <mode> <index> <value> <name>
 *        KFP-STATE-END <mode> <nstate>
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
	unsigned char v[REG_MAX_BYTES]; /* as KVM_GET_ONE_REG gave it */
};

struct saved {
	size_t n, cap;
	struct regval *r;
	uint8_t id[16]; /* the policy identity (mode policy) */
	int have_id;
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
	char path[128], line[1024], m[16], kind[32], vs[600];
	uint64_t id;
	unsigned idx;
	size_t nstate = 0;
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
		} else if (strcmp(kind, "KFP-STATE-ID") == 0 &&
			   sscanf(line, "%*s %*s %599s", vs) == 1 && strlen(vs) == 32) {
			for (int i = 0; i < 16; i++) {
				unsigned b;
				if (sscanf(vs + 2 * i, "%2x", &b) != 1)
					break;
				s->id[i] = (uint8_t)b;
			}
			s->have_id = 1;
		} else if (strcmp(kind, "KFP-STATE-GUEST") == 0 &&
			   sscanf(line, "%*s %*s %u %599s", &idx, vs) == 2 &&
			   idx < FLEET_EL1_NRESULTS) {
			s->guest[idx] = strtoull(vs, NULL, 16);
			s->have_guest = 1;
		} else if (strcmp(kind, "KFP-STATE-END") == 0 &&
			   sscanf(line, "%*s %*s %zu", &nstate) == 1) {
			s->complete = 1;
		}
	}
	fclose(f);
	if (!s->complete || nstate != s->n)
		return fail("%s: mode %s: %zu KFP-STATE lines, KFP-STATE-END says %zu%s",
			    path, mode, s->n, nstate,
			    s->complete ? "" : " (no KFP-STATE-END)");
	out("KFP-FACT loaded %s mode=%s registers=%zu identity=%s\n", path, mode, s->n,
	    s->have_id ? "yes" : "no");
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
#endif

static int is_counter(uint64_t id)
{
	return id == KFP_ARM64_SYSREG(3, 3, 14, 3, 2) /* KVM_REG_ARM_TIMER_CNT */ ||
	       id == KFP_ARM64_SYSREG(3, 3, 14, 0, 1) /* CNTPCT_EL0 (PTIMER_CNT) */;
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

/* rules: what kfp_arm64_verify_state() said of each saved register (mode
 * policy), or NULL (mode none: no rule lets a register go). */
static int restore(int mode, const char *from, const uint8_t *rules, struct vm *v,
		   struct saved *s, struct counts *c)
{
	const char *m = mode_names[mode];
	uint64_t n = 0, *list = reg_list(v->vcpu, &n);
	char vb[600], rb[600];
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
#ifdef KFP_FLEET_RUNTIME
			if (rules && rules[i] != KFP_STATE_REFUSED && rules[i] != KFP_STATE_LISTED) {
				const char *rule = kfp_state_rule_name(rules[i]);
				out("KFP-RESTORE %s %s skip-safe 0x%016" PRIx64 " %s %s\n", m,
				    from, r->id, name, rule);
				c->skip++;
				count_rule(c, rule);
				continue;
			}
#else
			(void)rules;
#endif
			reg_format(r->id, r->v, vb, sizeof(vb));
			out("KFP-RESTORE %s %s fail 0x%016" PRIx64 " %s ENOENT not-listed value=%s\n",
			    m, from, r->id, name, vb);
			c->fail++;
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

#ifdef KFP_FLEET_RUNTIME
/* A destination's check of the state, as a VMM makes it after
 * kfp_arm64_plan() and before any write: KFP-VERIFY, and the rule of each
 * saved register into rules. */
static int verify(const char *m, const char *from, const struct kfp_arm64_plan *plan,
		  int vcpu, const struct saved *s, uint8_t *rules)
{
	struct kfp_arm64_saved_reg *regs = calloc(s->n ? s->n : 1, sizeof(*regs));
	struct kfp_report rep;
	char buf[256];

	if (!regs)
		return fail("out of memory");
	for (size_t i = 0; i < s->n; i++)
		regs[i] = (struct kfp_arm64_saved_reg){ s->r[i].id, s->r[i].v };
	const struct kfp_arm64_state st = { s->have_id ? s->id : NULL, regs, (uint32_t)s->n, from };
	kfp_report_init(&rep);
	int e = kfp_arm64_verify_state(plan, vcpu, &st, rules, &rep);
	free(regs);
	for (uint32_t i = 0; i < rep.nitems; i++) {
		kfp_report_item_format(&rep.items[i], buf, sizeof(buf));
		out("KFP-VERIFY-ITEM %s %s %s\n", m, from, buf);
	}
	if (rep.nlost)
		out("KFP-VERIFY-ITEM %s %s (%u more reasons)\n", m, from, rep.nlost);
	if (e == 0)
		out("KFP-VERIFY %s %s ok\n", m, from);
	else
		out("KFP-VERIFY %s %s refused %s\n", m, from, errname(-e));
	return e == -EPERM || e == 0 ? 0 : fail("kfp_arm64_verify_state: %s", errname(-e));
}
#endif

/* Prints the whole state of v (KFP-STATE-ID in mode policy, KFP-STATE,
 * KFP-STATE-GUEST, KFP-STATE-END): every listed register. */
static int save(int mode, const void *cfg, struct vm *v, const uint64_t *guest)
{
	const char *m = mode_names[mode];
	uint64_t n = 0, *list = reg_list(v->vcpu, &n);
	unsigned char val[REG_MAX_BYTES];
	char a[600];
	size_t nstate = 0;
	int rc = 0;

	if (!list)
		return -1;
#ifdef KFP_FLEET_RUNTIME
	if (cfg) {
		const struct kfp_config *k = cfg;
		out("KFP-STATE-ID %s ", m);
		for (int i = 0; i < 16; i++)
			out("%02x", k->id[i]);
		out("\n");
	}
#else
	(void)cfg;
#endif
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
	}
	for (unsigned i = 0; guest && i < FLEET_EL1_NRESULTS; i++)
		out("KFP-STATE-GUEST %s %u 0x%016" PRIx64 " %s\n", m, i, guest[i],
		    el1_result_name(i));
	out("KFP-STATE-END %s %zu\n", m, nstate);
	free(list);
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
	uint8_t *rules = NULL;
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
		int e = kfp_arm64_plan(cfg, v.vm, v.vcpu, &plan, &rep);
		/* A destination checks the state before it writes anything. */
		if (e == 0 && from) {
			rules = calloc(s.n ? s.n : 1, 1);
			if (!rules || verify(m, from, &plan, v.vcpu, &s, rules) < 0) {
				rc = -1;
				goto out;
			}
		}
		if (e == 0)
			e = kfp_arm64_commit(&plan, v.vcpu, &rep);
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
		if (restore(mode, from, rules, &v, &s, &c) < 0) {
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
	if (do_save && save(mode, cfg, &v, ran ? res : NULL) < 0)
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
	free(rules);
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
