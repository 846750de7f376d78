/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Applies an arm64 fleet configuration to a VM: the ID registers, field by
 * field in each field's safe direction, and the hypercall bitmaps (firmware
 * pseudo-registers), with the `unknown` rules for what the catalog does not
 * describe.  Only generic KVM ioctls (KVM_GET_REG_LIST, KVM_GET/SET_ONE_REG,
 * KVM_CHECK_EXTENSION) and KVM_ARM_GET_REG_WRITABLE_MASKS, so this file is
 * built and unit-tested on every architecture.
 *
 * The kernel's rules:
 *  - ID registers are per VM and may change only before the first KVM_RUN
 *    of any vCPU; afterwards a different value gives EBUSY.
 *  - A written value may only move each field in its safe direction
 *    (else EINVAL), and only bits the kernel lets a VMM write may change.
 *    Since 6.7 KVM_ARM_GET_REG_WRITABLE_MASKS says which; before 6.7 no
 *    change to the registers the catalog describes is accepted (CSV2/CSV3
 *    and PMUVer aside), so without the masks every change is refused here.
 *  - A kernel that does not list a register reads it as 0.
 *  - Hypercall bitmaps (5.19) may only clear bits KVM offers; unsupported
 *    bits give EINVAL, changes after the VM ran EBUSY.  Before 5.19 there
 *    are none: a kernel's hypercalls cannot be controlled, and the
 *    compiler's kernel rules prove, for every kernel from the fleet's
 *    min_kernel on, that each hypercall the policy turns on is there and
 *    each it turns off is not.
 *  - CLIDR_EL1 and the CCSIDR_EL1 demux registers (the cache description)
 *    take a written value from 6.3; older kernels accept only the value
 *    they show.  PSCI_VERSION takes 0.2 and 1.0 (5.10), 1.1 (5.18).  The
 *    fleet pins them (kfp_pin_row) to what its oldest kernel shows.
 *
 * What the catalog does not describe: a register it has no field of
 * (MIDR_EL1, CLIDR_EL1) keeps the host's value; the `unknown` rules for ID
 * registers cover the feature ID registers proper (op0 3, op1 0, CRn 0,
 * CRm 1..7), whose undescribed bits KVM reads as 0, so a set one is a
 * feature the policy does not know.  Elsewhere undescribed bits are the
 * machine's (CTR_EL0 bit 31 is RES1; MPIDR_EL1 names the vCPU).  A field
 * whose vcpu_init feature is off must read 0; where KVM shows it anyway
 * (ID_AA64PFR0_EL1.EL2 on 5.10 to 6.12), it is written like any other.
 *
 * kfp_arm64_plan reads and kfp_arm64_commit writes; neither allocates.
 * The firmware registers and the pins are planned in arm64_fw.c.
 * Commit order: ID registers, pinned registers, firmware registers (the
 * bitmaps and PSCI_VERSION).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <kfp/arm64_regs.h>

#include "arm64_planner.h"
#include "internal.h"
#include "sys.h"

uint32_t kfp_kernel_version(const char *release)
{
	unsigned long v[2] = { 0, 0 };
	const char *s = release;
	for (int i = 0; i < 2; i++) {
		if (*s < '0' || *s > '9')
			return 0;
		while (*s >= '0' && *s <= '9' && v[i] < 1000)
			v[i] = v[i] * 10 + (unsigned long)(*s++ - '0');
		if (i == 0 && *s++ != '.')
			return 0;
	}
	return (uint32_t)((v[0] > 255 ? 255 : v[0]) << 16 | (v[1] > 255 ? 255 : v[1]) << 8);
}

/* ---- ONE_REG of any size up to 64 bits ----------------------------------- */

/* KVM copies KVM_REG_SIZE(id) bytes: 8 for system and firmware registers,
 * 4 for the CCSIDR_EL1 demux registers. */
unsigned kfp_arm64_reg_bytes(uint64_t id)
{
	return 1u << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

union reg_buf {
	uint64_t u64;
	uint32_t u32;
	uint16_t u16;
	uint8_t u8;
};

static uint64_t buf_get(const union reg_buf *b, unsigned bytes)
{
	return bytes == 4 ? b->u32 : bytes == 2 ? b->u16 : bytes == 1 ? b->u8 : b->u64;
}

static void buf_put(union reg_buf *b, unsigned bytes, uint64_t v)
{
	b->u64 = 0;
	if (bytes == 4)
		b->u32 = (uint32_t)v;
	else if (bytes == 2)
		b->u16 = (uint16_t)v;
	else if (bytes == 1)
		b->u8 = (uint8_t)v;
	else
		b->u64 = v;
}

int kfp_arm64_one_reg_get(int vcpu_fd, uint64_t id, uint64_t *value, struct kfp_report *rep,
			  const char *name, const struct kfp_src *src)
{
	union reg_buf b = { 0 };
	struct kvm_one_reg one = { .id = id, .addr = (uint64_t)(uintptr_t)&b };
	if (kfp_arm64_reg_bytes(id) > sizeof(b))
		return -EINVAL;
	int r = KFP_IOCTL(vcpu_fd, KVM_GET_ONE_REG, &one, rep, name, src);
	*value = buf_get(&b, kfp_arm64_reg_bytes(id));
	return r < 0 ? r : 0;
}

static int one_reg_set(int vcpu_fd, uint64_t id, uint64_t value)
{
	union reg_buf b;
	struct kvm_one_reg one = { .id = id, .addr = (uint64_t)(uintptr_t)&b };
	if (kfp_arm64_reg_bytes(id) > sizeof(b))
		return -EINVAL;
	buf_put(&b, kfp_arm64_reg_bytes(id), value);
	int r = KFP_IOCTL(vcpu_fd, KVM_SET_ONE_REG, &one, NULL, NULL, NULL);
	return r < 0 ? r : 0;
}

/* ---- fields -------------------------------------------------------------- */

static uint64_t field_mask(const struct kfp_id_field_row *f)
{
	return kfp_arm64_field_mask(f->width);
}

static uint64_t field_get(const struct kfp_id_field_row *f, uint64_t reg)
{
	return kfp_arm64_field_get(reg, f->shift, f->width);
}

/* -1, 0, 1 comparing two raw values in the field's order. */
static int field_cmp(const struct kfp_id_field_row *f, uint64_t a, uint64_t b)
{
	return kfp_arm64_field_cmp(a, b, f->width, f->is_signed);
}

static bool row_valid(const struct kfp_id_reg_row *row)
{
	if (row->nfields && !row->fields)
		return false;
	for (uint32_t i = 0; i < row->nfields; i++) {
		const struct kfp_id_field_row *f = &row->fields[i];
		if (!f->width || f->width > 64 || f->shift + f->width > 64 || !f->name ||
		    f->rule < KFP_RULE_FIXED || f->rule > KFP_RULE_VCPU_OFF)
			return false;
	}
	return true;
}

/* The field's line if the policy mentions it, else the register's. */
static const struct kfp_src *field_src(const struct kfp_id_field_row *f,
				       const struct kfp_id_reg_row *row)
{
	if (f->src.file)
		return &f->src;
	return row->src.file ? &row->src : NULL;
}

/* ---- register list ------------------------------------------------------- */

bool kfp_arm64_listed(const struct kfp_arm64_plan *plan, uint64_t id)
{
	for (uint64_t i = 0; i < plan->nregs; i++)
		if (plan->regs[i] == id)
			return true;
	return false;
}

static int read_reg_list(struct planner *p)
{
	union {
		struct kvm_reg_list hdr;
		unsigned char bytes[sizeof(struct kvm_reg_list) + KFP_MAX_REG_LIST * sizeof(uint64_t)];
	} buf;
	buf.hdr.n = KFP_MAX_REG_LIST;
	int r = KFP_IOCTL(p->vcpu_fd, KVM_GET_REG_LIST, &buf.hdr, NULL, NULL, NULL);
	if (r == -E2BIG) {
		/* KVM wrote back how many it has. */
		kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, "register list", NULL, r,
			       "KVM_GET_REG_LIST lists %llu registers, more than KFP_MAX_REG_LIST (%d)",
			       (unsigned long long)buf.hdr.n, KFP_MAX_REG_LIST);
		return r;
	}
	if (r < 0) {
		kfp_report_add(p->rep, KFP_ITEM_REFUSED, "register list", NULL, r,
			       "KVM_GET_REG_LIST: %s (was KVM_ARM_VCPU_INIT called?)", strerror(-r));
		return r;
	}
	if (buf.hdr.n > KFP_MAX_REG_LIST)
		return -E2BIG;
	p->plan->nregs = buf.hdr.n;
	memcpy(p->plan->regs, buf.hdr.reg, buf.hdr.n * sizeof(uint64_t));
	return 0;
}

int kfp_arm64_get_reg(struct planner *p, uint64_t id, uint64_t *value, const char *name,
		      const struct kfp_src *src)
{
	return kfp_arm64_one_reg_get(p->vcpu_fd, id, value, p->rep, name, src);
}

/* KVM_CHECK_EXTENSION says whether range 0 (the feature ID space) is
 * supported; then the masks are read. */
static int read_masks(struct planner *p, int vm_fd)
{
	struct kfp_arm64_plan *plan = p->plan;
	plan->have_masks = 0;
	memset(plan->masks, 0, sizeof(plan->masks));
	int r = KFP_IOCTL_VAL(vm_fd, KVM_CHECK_EXTENSION, KFP_CAP_ARM_SUPPORTED_REG_MASK_RANGES,
			      NULL, NULL, NULL);
	if (r <= 0 || !(r & 1))
		return 0;
	struct kfp_reg_mask_range range = { .addr = (uint64_t)(uintptr_t)plan->masks, .range = 0 };
	r = KFP_IOCTL(vm_fd, KFP_ARM_GET_REG_WRITABLE_MASKS, &range, p->rep, "writable masks", NULL);
	if (r < 0)
		return r;
	plan->have_masks = 1;
	return 0;
}

/* Bits of register id a VMM may change on this kernel. */
static uint64_t writable(const struct kfp_arm64_plan *plan, uint64_t id)
{
	if (!plan->have_masks || !kfp_arm64_in_mask_range(id))
		return 0;
	return plan->masks[kfp_arm64_mask_index(id)];
}

int kfp_arm64_add_write(struct planner *p, uint64_t id, uint64_t value, uint64_t old,
			const char *name, const struct kfp_src *src)
{
	struct kfp_arm64_plan *plan = p->plan;
	if (plan->nwrites == KFP_MAX_ARM64_WRITES) {
		kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, name, src, -E2BIG,
			       "more than KFP_MAX_ARM64_WRITES (%d) registers to write",
			       KFP_MAX_ARM64_WRITES);
		return -E2BIG;
	}
	plan->writes[plan->nwrites++] = (struct kfp_reg_write){
		.id = id, .value = value, .old = old, .name = name,
		.src = src ? *src : (struct kfp_src){ NULL, 0, 0 },
	};
	return 0;
}

/* ---- ID registers -------------------------------------------------------- */

/* Why this kernel cannot make the change, in a report's few words. */
static const char *cannot_change(const struct kfp_arm64_plan *plan)
{
	return plan->have_masks ? "not in its writable masks" : "no writable masks, KVM < 6.7";
}

/* The guest value of one field from the current one, or false after
 * reporting why this host cannot give it. */
static bool field_target(struct planner *p, const struct kfp_id_reg_row *row,
			 const struct kfp_id_field_row *f, bool present, uint64_t cur,
			 uint64_t *out)
{
	uint64_t c = field_get(f, cur), v = f->value & field_mask(f), t = c;
	switch (f->rule) {
	case KFP_RULE_FIXED:
		t = v;
		break;
	case KFP_RULE_AT_MOST:
		t = field_cmp(f, c, v) <= 0 ? c : v;
		break;
	case KFP_RULE_HOST:
		t = c;
		break;
	case KFP_RULE_VCPU_OFF:
		/* KVM reads it as 0 without the vcpu_init feature; where it
		 * does not, the field must be written like any other. */
		t = 0;
		break;
	}
	*out = t;
	if (t == c)
		return true;
	const struct kfp_src *src = field_src(f, row);
	if (!present) {
		kfp_report_add(p->rep, KFP_ITEM_MISSING, f->name, src, 0,
			       "%s.%s: the policy needs %" PRIu64 "; kernel %s does not list %s",
			       row->name, f->name, t, p->kernel, row->name);
		return false;
	}
	bool ok;
	switch (f->safe) {
	case KFP_FIELD_LOWER_SAFE:
		ok = field_cmp(f, t, c) < 0;
		break;
	case KFP_FIELD_HIGHER_SAFE:
		ok = field_cmp(f, t, c) > 0;
		break;
	default:
		/* Exact: KVM takes only the host's value or the safe one,
		 * which for the fields a policy may hide is 0. */
		ok = t == 0 && f->rule != KFP_RULE_AT_MOST;
		if (!ok) {
			kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, f->name, src, 0,
				       "%s.%s is exact: KVM takes only this host's %" PRIu64
				       ", the policy needs %" PRIu64,
				       row->name, f->name, c, t);
			return false;
		}
	}
	if (!ok) {
		kfp_report_add(p->rep, KFP_ITEM_MISSING, f->name, src, 0,
			       "%s.%s: the policy needs %" PRIu64 "; this host has %" PRIu64
			       " (%s-safe field)",
			       row->name, f->name, t, c,
			       f->safe == KFP_FIELD_LOWER_SAFE ? "lower" : "higher");
		return false;
	}
	return true;
}

/* "AES 2->0, SHA1 1->0, ..." for the fields of row that `which` selects
 * (all if NULL) and whose bits `bits` touches, as many as fit in buf;
 * returns how many there are. */
static unsigned list_fields(const struct kfp_id_reg_row *row, uint64_t cur, uint64_t target,
			    uint64_t bits, bool (*which)(const struct kfp_id_field_row *), char *buf,
			    size_t size)
{
	unsigned n = 0;
	size_t len = 0;
	bool cut = false;
	buf[0] = '\0';
	for (uint32_t i = 0; i < row->nfields; i++) {
		const struct kfp_id_field_row *f = &row->fields[i];
		if (!(bits & field_mask(f) << f->shift) || (which && !which(f)))
			continue;
		char one[64];
		int w = snprintf(one, sizeof(one), "%s%s %" PRIu64 "->%" PRIu64, n++ ? ", " : "",
				 f->name, field_get(f, cur), field_get(f, target));
		if (cut || w < 0)
			continue;
		/* Room for ", ..." after it. */
		if (len + (size_t)w + 6 <= size) {
			memcpy(buf + len, one, (size_t)w + 1);
			len += (size_t)w;
		} else {
			cut = true;
			if (len + 6 <= size)
				memcpy(buf + len, ", ...", 6);
		}
	}
	return n;
}

/* Fields the policy leaves to default deny: reported together, per
 * register, so that the lines the policy wrote stand out. */
static bool by_default(const struct kfp_id_field_row *f)
{
	return !f->src.file && f->rule != KFP_RULE_VCPU_OFF;
}

/* Reports each field (and the unknown bits) a change of `bad` touches. */
static void report_unwritable(struct planner *p, const struct kfp_id_reg_row *row, uint64_t cur,
			      uint64_t target, uint64_t bad)
{
	const char *why = cannot_change(p->plan);
	const struct kfp_src *reg_src = row->src.file ? &row->src : NULL;
	uint64_t covered = 0;
	for (uint32_t i = 0; i < row->nfields; i++) {
		const struct kfp_id_field_row *f = &row->fields[i];
		uint64_t m = field_mask(f) << f->shift;
		covered |= m;
		if (!(bad & m) || by_default(f))
			continue;
		kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, f->name, field_src(f, row), 0,
			       "kernel %s cannot change %s.%s %" PRIu64 " -> %" PRIu64 " (%s)%s",
			       p->kernel, row->name, f->name, field_get(f, cur), field_get(f, target),
			       why, f->rule == KFP_RULE_VCPU_OFF ? "; its vcpu feature is off" : "");
	}
	/* The list gets what room the report's detail leaves. */
	char head[sizeof(p->rep->items[0].detail)], list[sizeof(head)];
	unsigned n = list_fields(row, cur, target, bad, by_default, list, sizeof(list));
	if (n) {
		int w = snprintf(head, sizeof(head), "kernel %s cannot change %u default-deny field%s (%s): ",
				 p->kernel, n, n > 1 ? "s" : "", why);
		size_t room = w > 0 && (size_t)w < sizeof(head) ? sizeof(head) - (size_t)w : 1;
		list_fields(row, cur, target, bad, by_default, list, room);
		kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, row->name, reg_src, 0, "%s%s", head, list);
	}
	if (bad & ~covered)
		kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, row->name, reg_src, 0,
			       "kernel %s cannot clear its unknown bits 0x%" PRIx64 " (%s; unknown zero)",
			       p->kernel, bad & ~covered, why);
}

static int plan_id_reg(struct planner *p, const struct kfp_id_reg_row *row)
{
	const struct kfp_arm64_config *a = p->cfg->arm64;
	bool present = kfp_arm64_listed(p->plan, row->id);
	uint64_t cur = 0;
	if (present) {
		int r = kfp_arm64_get_reg(p, row->id, &cur, row->name, row->src.file ? &row->src : NULL);
		if (r < 0)
			return r;
	}
	/* A register the catalog describes no field of (MIDR_EL1, CLIDR_EL1)
	 * describes the machine: the host's value. */
	if (!row->nfields)
		return 0;

	uint64_t target = cur;
	bool ok = true;
	for (uint32_t i = 0; i < row->nfields; i++) {
		const struct kfp_id_field_row *f = &row->fields[i];
		uint64_t t;
		if (field_target(p, row, f, present, cur, &t))
			target = kfp_arm64_field_put(target, f->shift, f->width, t);
		else
			ok = false;
	}
	/* Bits no catalogued field covers, in the feature ID registers:
	 * features this policy does not know. */
	uint64_t unknown = cur & row->unknown_mask;
	if (unknown && kfp_arm64_is_feature_id_reg(row->id)) {
		if (a->unknown == KFP_UNKNOWN_POLICY_ZERO) {
			target &= ~unknown;
		} else {
			kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, row->name,
				       row->src.file ? &row->src : NULL, 0,
				       "%s reads 0x%016" PRIx64 ": unknown field bits 0x%" PRIx64
				       " set (unknown deny)",
				       row->name, cur, unknown);
			ok = false;
		}
	}
	if (!ok) {
		p->problems++;
		return 0;
	}
	if (target == cur)
		return 0;
	uint64_t bad = (target ^ cur) & ~writable(p->plan, row->id);
	if (bad) {
		report_unwritable(p, row, cur, target, bad);
		p->problems++;
		return 0;
	}
	/* The write points at the first changed field the policy names. */
	const struct kfp_src *src = row->src.file ? &row->src : NULL;
	for (uint32_t i = 0; i < row->nfields; i++) {
		const struct kfp_id_field_row *f = &row->fields[i];
		if (f->src.file && field_get(f, target ^ cur)) {
			src = &f->src;
			break;
		}
	}
	return kfp_arm64_add_write(p, row->id, target, cur, row->name, src);
}

static const struct kfp_id_reg_row *find_id_row(const struct kfp_arm64_config *a, uint64_t id)
{
	for (uint32_t i = 0; i < a->nid_regs; i++)
		if (a->id_regs[i].id == id)
			return &a->id_regs[i];
	return NULL;
}

/* Feature ID registers KVM lists that the catalog does not know. */
static int plan_unknown_id_regs(struct planner *p)
{
	const struct kfp_arm64_config *a = p->cfg->arm64;
	for (uint64_t i = 0; i < p->plan->nregs; i++) {
		uint64_t id = p->plan->regs[i], cur;
		if (!kfp_arm64_is_feature_id_reg(id) || find_id_row(a, id))
			continue;
		int r = kfp_arm64_get_reg(p, id, &cur, "ID register", NULL);
		if (r < 0)
			return r;
		if (!cur)
			continue;
		struct kfp_sysreg_enc e = kfp_arm64_sysreg_enc(id);
		if (a->unknown != KFP_UNKNOWN_POLICY_ZERO) {
			kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, "ID register", NULL, 0,
				       "0x%016" PRIx64 " (%u,%u,%u,%u,%u) reads 0x%" PRIx64
				       ": not in the catalog (unknown deny)",
				       id, e.op0, e.op1, e.crn, e.crm, e.op2, cur);
			p->problems++;
		} else if (cur & ~writable(p->plan, id)) {
			kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, "ID register", NULL, 0,
				       "0x%016" PRIx64 " (%u,%u,%u,%u,%u) = 0x%" PRIx64
				       ": kernel %s cannot zero it (%s)",
				       id, e.op0, e.op1, e.crn, e.crm, e.op2, cur, p->kernel,
				       cannot_change(p->plan));
			p->problems++;
		} else if ((r = kfp_arm64_add_write(p, id, 0, cur, "ID register", NULL)) < 0) {
			return r;
		}
	}
	return 0;
}

/* ---- API ----------------------------------------------------------------- */

KFP_API uint32_t kfp_arm64_vcpu_features(const struct kfp_config *cfg)
{
	if (!cfg || cfg->arch != KFP_TABLE_ARM64 || !cfg->arm64)
		return 0;
	return cfg->arm64->vcpu_features;
}

KFP_API int kfp_arm64_plan(const struct kfp_config *cfg, int vm_fd, int vcpu_fd,
			   struct kfp_arm64_plan *plan, struct kfp_report *rep)
{
	if (!cfg || !plan || cfg->table_version != KFP_TABLE_VERSION ||
	    cfg->arch != KFP_TABLE_ARM64 || !cfg->arm64)
		return -EINVAL;
	const struct kfp_arm64_config *a = cfg->arm64;
	if ((a->nid_regs && !a->id_regs) || (a->nfw_regs && !a->fw_regs) ||
	    (a->npins && !a->pins))
		return -EINVAL;
	for (uint32_t i = 0; i < a->nid_regs; i++)
		if (!row_valid(&a->id_regs[i]))
			return -EINVAL;
	for (uint32_t i = 0; i < a->npins; i++)
		if (!kfp_arm64_pin_valid(&a->pins[i]))
			return -EINVAL;

	struct planner p = { .cfg = cfg, .plan = plan, .vcpu_fd = vcpu_fd, .rep = rep };
	kfp_sys_kernel_release(p.kernel, sizeof(p.kernel));
	p.kver = kfp_kernel_version(p.kernel);
	plan->cfg = cfg;
	plan->nregs = 0;
	plan->nwrites = 0;

	int r = read_reg_list(&p);
	if (r == 0)
		r = read_masks(&p, vm_fd);
	/* ID registers, pinned registers, firmware registers (with the
	 * pinned PSCI_VERSION): the commit order. */
	for (uint32_t i = 0; i < a->nid_regs && r == 0; i++)
		r = plan_id_reg(&p, &a->id_regs[i]);
	if (r == 0)
		r = plan_unknown_id_regs(&p);
	if (r == 0)
		r = kfp_arm64_plan_pins(&p, false);
	for (uint32_t i = 0; i < a->nfw_regs && r == 0; i++)
		r = kfp_arm64_plan_fw_reg(&p, &a->fw_regs[i]);
	if (r == 0)
		r = kfp_arm64_plan_pins(&p, true);
	if (r == 0)
		r = kfp_arm64_plan_unknown_fw_regs(&p);
	if (r < 0 || p.problems) {
		plan->nwrites = 0; /* a failed plan writes nothing */
		return r < 0 ? r : -ENOTSUP;
	}
	return 0;
}

/* A write KVM refused: for an ID register, the fields it changes; for a
 * pinned register, the kernel that does not take the fleet's value. */
static void refused(const struct kfp_arm64_plan *plan, const struct kfp_reg_write *w, int err,
		    struct kfp_report *rep)
{
	const struct kfp_src *src = w->src.file ? &w->src : NULL;
	const struct kfp_id_reg_row *row = find_id_row(plan->cfg->arm64, w->id);
	char list[80], kernel[65];
	if (kfp_arm64_find_pin(plan->cfg->arm64, w->id))
		kfp_report_add(rep, KFP_ITEM_REFUSED, w->name, src, err,
			       "KVM_SET_ONE_REG: %s: kernel %s does not take the fleet's 0x%" PRIx64
			       " (it shows 0x%" PRIx64 ")",
			       strerror(-err), kfp_sys_kernel_release(kernel, sizeof(kernel)),
			       w->value, w->old);
	else if (row && list_fields(row, w->old, w->value, w->old ^ w->value, NULL, list, sizeof(list)))
		kfp_report_add(rep, KFP_ITEM_REFUSED, w->name, src, err,
			       "KVM_SET_ONE_REG: %s; the write changes %s", strerror(-err), list);
	else
		kfp_report_add(rep, KFP_ITEM_REFUSED, w->name, src, err,
			       "KVM_SET_ONE_REG 0x%016" PRIx64 " = 0x%" PRIx64 " (was 0x%" PRIx64
			       "): %s",
			       w->id, w->value, w->old, strerror(-err));
}

KFP_API int kfp_arm64_commit(struct kfp_arm64_plan *plan, int vcpu_fd, struct kfp_report *rep)
{
	if (!plan || !plan->cfg || !plan->cfg->arm64 || plan->nwrites > KFP_MAX_ARM64_WRITES)
		return -EINVAL;
	for (uint32_t i = 0; i < plan->nwrites; i++) {
		const struct kfp_reg_write *w = &plan->writes[i];
		const struct kfp_src *src = w->src.file ? &w->src : NULL;
		uint64_t back = 0;
		int r = one_reg_set(vcpu_fd, w->id, w->value);
		if (r == -EBUSY) {
			kfp_report_add(rep, KFP_ITEM_ORDER, w->name, src, r,
				       "KVM_SET_ONE_REG 0x%016" PRIx64 ": EBUSY, the VM has already "
				       "run (commit before the first KVM_RUN)",
				       w->id);
			return -EBUSY;
		}
		if (r < 0) {
			refused(plan, w, r, rep);
			return -EIO;
		}
		/* KVM must hold what it accepted. */
		r = kfp_arm64_one_reg_get(vcpu_fd, w->id, &back, NULL, NULL, NULL);
		if (r < 0) {
			kfp_report_add(rep, KFP_ITEM_REFUSED, w->name, src, r,
				       "KVM_GET_ONE_REG 0x%016" PRIx64 " after the write: %s", w->id,
				       strerror(-r));
			return -EIO;
		}
		if (back != w->value) {
			kfp_report_add(rep, KFP_ITEM_REFUSED, w->name, src, 0,
				       "KVM_SET_ONE_REG 0x%016" PRIx64 " = 0x%" PRIx64
				       " succeeded, but KVM holds 0x%" PRIx64,
				       w->id, w->value, back);
			return -EIO;
		}
		kfp_report_add(rep, KFP_ITEM_APPLIED, w->name, src, 0,
			       "KVM_SET_ONE_REG 0x%016" PRIx64 " = 0x%" PRIx64 " (was 0x%" PRIx64 ")",
			       w->id, w->value, w->old);
	}
	return 0;
}

KFP_API int kfp_arm64_apply(const struct kfp_config *cfg, int vm_fd, int vcpu_fd,
			    struct kfp_arm64_plan *plan, struct kfp_report *rep)
{
	int r = kfp_arm64_plan(cfg, vm_fd, vcpu_fd, plan, rep);
	return r < 0 ? r : kfp_arm64_commit(plan, vcpu_fd, rep);
}
