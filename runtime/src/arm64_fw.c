/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The arm64 planner's firmware pseudo-registers (the hypercall bitmaps,
 * with the `unknown` rule for the bits the catalog does not know) and the
 * registers a fleet pins (CLIDR_EL1, CCSIDR_EL1[n], PSCI_VERSION).  The
 * kernel's rules for both are in arm64.c.
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

/* ---- firmware registers -------------------------------------------------- */

static const struct kfp_src *hypercall_src(const struct kfp_feature_row *f,
					   const struct kfp_fw_reg_row *row)
{
	if (f && f->src.file)
		return &f->src;
	return row->src.file ? &row->src : NULL;
}

/* Each bit of `missing`: a hypercall the policy turns on that this host
 * does not offer. */
static void report_hypercalls_missing(struct planner *p, const struct kfp_fw_reg_row *row,
				      uint64_t missing, bool absent)
{
	const struct kfp_bit_site site = { .kind = KFP_KIND_HYPERCALL, .id = row->id };
	const struct kfp_feature_row *f;
	unsigned bit;
	for (uint64_t left = missing; kfp_feature_next_bit(p->cfg, &site, &left, &bit, &f);) {
		if (absent && p->kver && p->kver < KFP_KV_5_19)
			kfp_report_add(p->rep, KFP_ITEM_MISSING, f ? f->name : row->name,
				       hypercall_src(f, row), 0,
				       "the policy turns it on; kernel %s (older than min_kernel "
				       "%u.%u) has no %s",
				       p->kernel, p->cfg->min_kernel >> 16,
				       p->cfg->min_kernel >> 8 & 0xff, row->name);
		else if (absent)
			kfp_report_add(p->rep, KFP_ITEM_MISSING, f ? f->name : row->name,
				       hypercall_src(f, row), 0,
				       "the policy turns it on; kernel %s has no %s (hypercall "
				       "bitmaps need 5.19)",
				       p->kernel, row->name);
		else
			kfp_report_add(p->rep, KFP_ITEM_MISSING, f ? f->name : row->name,
				       hypercall_src(f, row), 0,
				       "the policy turns it on; this host's KVM does not offer it "
				       "(%s bit %u)",
				       row->name, bit);
		p->problems++;
	}
}

int kfp_arm64_plan_fw_reg(struct planner *p, const struct kfp_fw_reg_row *row)
{
	const struct kfp_src *src = row->src.file ? &row->src : NULL;
	uint64_t cur = 0;
	int r = -ENOENT;
	if (kfp_arm64_listed(p->plan, row->id)) {
		r = kfp_arm64_one_reg_get(p->vcpu_fd, row->id, &cur, NULL, NULL, NULL);
		if (r < 0 && r != -ENOENT) {
			kfp_report_add(p->rep, KFP_ITEM_REFUSED, row->name, src, r,
				       "KVM_GET_ONE_REG: %s", strerror(-r));
			return r;
		}
	}
	if (r == -ENOENT) {
		/* No bitmap register.  Before 5.19 there are none, and the
		 * hypercalls are fixed: the compiler's kernel rules cover
		 * every kernel from min_kernel on.  An older kernel, or one
		 * that lacks a bitmap newer than 5.19, lacks the services the
		 * policy turns on. */
		if (row->value && p->kver && p->kver < KFP_KV_5_19 &&
		    p->kver >= p->cfg->min_kernel) {
			kfp_report_add(p->rep, KFP_ITEM_APPLIED, row->name, src, 0,
				       "kernel %s has no hypercall bitmaps (before 5.19): its "
				       "hypercalls are fixed; kernel rules cover them",
				       p->kernel);
			return 0;
		}
		report_hypercalls_missing(p, row, row->value, true);
		return 0;
	}
	uint64_t missing = row->value & ~cur;
	report_hypercalls_missing(p, row, missing, false);
	uint64_t unknown = cur & ~row->known;
	if (unknown && p->cfg->arm64->fw_unknown != KFP_UNKNOWN_POLICY_ZERO) {
		kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, row->name, src, 0,
			       "reads 0x%" PRIx64 ": bits 0x%" PRIx64 " are hypercalls the catalog "
			       "does not know (firmware_regs unknown deny)",
			       cur, unknown);
		p->problems++;
	}
	/* The services the policy turns on; everything else off. */
	uint64_t target = row->value & cur;
	if (missing || target == cur)
		return 0;
	return kfp_arm64_add_write(p, row->id, target, cur, row->name, src);
}

static const struct kfp_fw_reg_row *find_fw_row(const struct kfp_arm64_config *a, uint64_t id)
{
	for (uint32_t i = 0; i < a->nfw_regs; i++)
		if (a->fw_regs[i].id == id)
			return &a->fw_regs[i];
	return NULL;
}

/* Hypercall bitmaps KVM lists that the catalog does not know: services a
 * newer kernel added. */
int kfp_arm64_plan_unknown_fw_regs(struct planner *p)
{
	const struct kfp_arm64_config *a = p->cfg->arm64;
	for (uint64_t i = 0; i < p->plan->nregs; i++) {
		uint64_t id = p->plan->regs[i], cur;
		if (!kfp_arm64_is_fw_bitmap(id) || find_fw_row(a, id))
			continue;
		int r = kfp_arm64_get_reg(p, id, &cur, "firmware register", NULL);
		if (r < 0)
			return r;
		if (!cur)
			continue;
		if (a->fw_unknown == KFP_UNKNOWN_POLICY_ZERO) {
			if ((r = kfp_arm64_add_write(p, id, 0, cur, "firmware register", NULL)) < 0)
				return r;
			continue;
		}
		kfp_report_add(p->rep, KFP_ITEM_UNSETTABLE, "firmware register", NULL, 0,
			       "hypercall bitmap 0x%016" PRIx64 " reads 0x%" PRIx64
			       ": not in the catalog (firmware_regs unknown deny)",
			       id, cur);
		p->problems++;
	}
	return 0;
}

/* ---- pinned registers ---------------------------------------------------- */

static bool is_fw_reg(uint64_t id)
{
	return (id & ~UINT64_C(0xffff)) == KFP_ARM64_FW_REG_BASE || kfp_arm64_is_fw_bitmap(id);
}

bool kfp_arm64_pin_valid(const struct kfp_pin_row *pin)
{
	unsigned bytes = kfp_arm64_reg_bytes(pin->id);
	return pin->name && bytes <= 8 && (bytes == 8 || !(pin->value >> (8 * bytes)));
}

const struct kfp_pin_row *kfp_arm64_find_pin(const struct kfp_arm64_config *a, uint64_t id)
{
	for (uint32_t i = 0; i < a->npins; i++)
		if (a->pins[i].id == id)
			return &a->pins[i];
	return NULL;
}

/* The pins of one kind (firmware registers or not): a write where this
 * kernel shows another value.  Whether KVM takes it is known only when it
 * is written (6.3 and later take the cache description; before, only the
 * value the kernel shows). */
int kfp_arm64_plan_pins(struct planner *p, bool firmware)
{
	const struct kfp_arm64_config *a = p->cfg->arm64;
	for (uint32_t i = 0; i < a->npins; i++) {
		const struct kfp_pin_row *pin = &a->pins[i];
		const struct kfp_src *src = pin->src.file ? &pin->src : NULL;
		if (is_fw_reg(pin->id) != firmware)
			continue;
		if (!kfp_arm64_listed(p->plan, pin->id)) {
			kfp_report_add(p->rep, KFP_ITEM_MISSING, pin->name, src, 0,
				       "the fleet pins it to 0x%" PRIx64 "; kernel %s does not list it",
				       pin->value, p->kernel);
			p->problems++;
			continue;
		}
		uint64_t cur;
		int r = kfp_arm64_get_reg(p, pin->id, &cur, pin->name, src);
		if (r < 0)
			return r;
		if (cur == pin->value)
			continue;
		if ((r = kfp_arm64_add_write(p, pin->id, pin->value, cur, pin->name, src)) < 0)
			return r;
	}
	return 0;
}
