/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ID register fields of the arm64 catalog as the compiler reads them:
 * values (kfp/arm64_regs.h's arithmetic, shared with the runtime), their
 * names for people, and which fields are features default deny hides.
 */
#include <stdio.h>
#include <string.h>

#include <kfp/arm64_regs.h>

#include "config.h"

uint64_t kfp_field_get(const struct kfp_cat_field *f, uint64_t reg)
{
	return kfp_arm64_field_get(reg, f->shift, f->width);
}

int64_t kfp_field_signed(const struct kfp_cat_field *f, uint64_t raw)
{
	return kfp_arm64_field_value(raw, f->width, f->is_signed);
}

const char *kfp_field_str(const struct kfp_cat_field *f, uint64_t raw, char buf[48])
{
	if (kfp_field_signed(f, raw) >= 0) {
		snprintf(buf, 48, "%llu", (unsigned long long)raw);
		return buf;
	}
	for (size_t i = 0; i < f->nvalues; i++)
		if (f->values[i].value == raw) {
			snprintf(buf, 48, "%.24s (%lld)", f->values[i].name,
				 (long long)kfp_field_signed(f, raw));
			return buf;
		}
	snprintf(buf, 48, "%lld", (long long)kfp_field_signed(f, raw));
	return buf;
}

int kfp_field_cmp(const struct kfp_cat_field *f, uint64_t a, uint64_t b)
{
	return kfp_arm64_field_cmp(a, b, f->width, f->is_signed);
}

uint64_t kfp_field_hidden(const struct kfp_cat_field *f)
{
	return f->is_signed ? kfp_arm64_field_mask(f->width) : 0;
}

/* Fields KVM refuses to lower below a floor although its writable masks
 * cover them (sys_regs.c set_id_dfr0_el1: "CopDbg below Armv8 debug"):
 * they describe the machine, not a feature default deny could hide. */
static const struct {
	const char *reg, *field;
} kvm_floored[] = {
	{ "ID_DFR0_EL1", "CopDbg" },
};

/* A field is a feature when 0 means "not implemented" (named NI in the Arm
 * sysreg data): default deny hides those, and 0 is also what kernels that do
 * not show the field read.  The others describe the machine (EL0, DebugVer,
 * PARange, cache line sizes, breakpoint counts), or are signed fields whose
 * 0 means "implemented" (FP, AdvSIMD, TGran4): they keep the fleet's host
 * value unless the policy says otherwise. */
bool kfp_field_is_feature(const struct kfp_cat_field *f)
{
	if (f->is_signed || f->safe == KFP_SAFE_HIGHER)
		return false;
	for (size_t i = 0; i < sizeof(kvm_floored) / sizeof(kvm_floored[0]); i++)
		if (!strcmp(kvm_floored[i].reg, f->reg->c.name) &&
		    !strcmp(kvm_floored[i].field, f->c.name))
			return false;
	for (size_t i = 0; i < f->nvalues; i++)
		if (!strcmp(f->values[i].name, "NI") && f->values[i].value == 0)
			return true;
	return false;
}
