/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Catalog lookups: by name (aliases match too), by id, by CPUID bit
 * position, and the small formatting helpers of catalog.h.
 */
#include "catalog.h"

#include <stdio.h>
#include <string.h>

static bool named(const struct kfp_cat_common *c, const char *name)
{
	if (!strcmp(c->name, name))
		return true;
	for (size_t i = 0; c->aliases && c->aliases[i]; i++)
		if (!strcmp(c->aliases[i], name))
			return true;
	return false;
}

#define FIND(arr, n, name)                                                     \
	do {                                                                   \
		for (size_t i_ = 0; i_ < (n); i_++)                            \
			if (named(&(arr)[i_].c, name))                         \
				return &(arr)[i_];                             \
		return NULL;                                                   \
	} while (0)

const struct kfp_cat_cpuid *kfp_cat_find_cpuid(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->cpuid, cat->ncpuid, name);
}

const struct kfp_cat_kvm *kfp_cat_find_kvm(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->kvm, cat->nkvm, name);
}

const struct kfp_cat_hyperv *kfp_cat_find_hyperv(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->hyperv, cat->nhyperv, name);
}

const struct kfp_cat_xsave *kfp_cat_find_xsave(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->xsave, cat->nxsave, name);
}

const struct kfp_cat_vmx *kfp_cat_find_vmx(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->vmx, cat->nvmx, name);
}

const struct kfp_cat_msr *kfp_cat_find_msr(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->msrs, cat->nmsrs, name);
}

const struct kfp_cat_msr_bit *kfp_cat_find_msr_bit(const struct kfp_cat_msr *msr, const char *name)
{
	FIND(msr->bits, msr->nbits, name);
}

const struct kfp_cat_id_reg *kfp_cat_find_id_reg(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->id_regs, cat->nid_regs, name);
}

const struct kfp_cat_field *kfp_cat_find_field(const struct kfp_cat_id_reg *reg, const char *name)
{
	FIND(reg->fields, reg->nfields, name);
}

const struct kfp_cat_vcpu_feature *kfp_cat_find_vcpu(const struct kfp_catalog *cat, const char *name)
{
	FIND(cat->vcpu, cat->nvcpu, name);
}

const struct kfp_cat_fw_bit *kfp_cat_find_fw_bit(const struct kfp_catalog *cat, const char *name)
{
	for (size_t i = 0; i < cat->nfw_regs; i++)
		for (size_t j = 0; j < cat->fw_regs[i].nbits; j++)
			if (named(&cat->fw_regs[i].bits[j].c, name))
				return &cat->fw_regs[i].bits[j];
	return NULL;
}

const struct kfp_cat_id_reg *kfp_cat_find_id_reg_by_id(const struct kfp_catalog *cat, uint64_t id)
{
	for (size_t i = 0; i < cat->nid_regs; i++)
		if (cat->id_regs[i].id == id)
			return &cat->id_regs[i];
	return NULL;
}

const struct kfp_cat_fw_reg *kfp_cat_find_fw_reg_by_id(const struct kfp_catalog *cat, uint64_t id)
{
	for (size_t i = 0; i < cat->nfw_regs; i++)
		if (cat->fw_regs[i].id == id)
			return &cat->fw_regs[i];
	return NULL;
}

const struct kfp_cat_cpuid *kfp_cat_cpuid_at(const struct kfp_catalog *cat, uint32_t leaf,
					     uint32_t subleaf, enum kfp_cpuid_reg reg,
					     unsigned bit)
{
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *f = &cat->cpuid[i];
		if (f->leaf == leaf && f->subleaf == subleaf && f->reg == reg && f->bit == bit)
			return f;
	}
	return NULL;
}

bool kfp_cat_leaf_owner(const struct kfp_catalog *cat, uint32_t leaf, uint32_t subleaf,
			const struct kfp_cat_xsave **xsave, const struct kfp_cat_cpuid **cpuid)
{
	*xsave = NULL;
	*cpuid = NULL;
	if (leaf == 0xd) {
		for (size_t i = 0; subleaf >= 2 && i < cat->nxsave; i++)
			if (cat->xsave[i].bit == subleaf)
				*xsave = &cat->xsave[i];
		return *xsave;
	}
	for (size_t i = 0; i < cat->ncpuid; i++)
		for (size_t k = 0; k < cat->cpuid[i].nleaves; k++)
			if (cat->cpuid[i].leaves[k] == leaf) {
				*cpuid = &cat->cpuid[i];
				return true;
			}
	return false;
}

const char *kfp_kv_str(kfp_kv v, char buf[16])
{
	if (v == KFP_KV_ALWAYS)
		return "always";
	if (v == KFP_KV_NEVER)
		return "never";
	snprintf(buf, 16, "%u.%u", v >> 16, (v >> 8) & 0xff);
	return buf;
}

const char *kfp_cpuid_reg_name(enum kfp_cpuid_reg reg)
{
	static const char *const names[] = { "eax", "ebx", "ecx", "edx" };
	return names[reg & 3];
}

bool kfp_cat_cpuid_first_of_reg(const struct kfp_catalog *cat, size_t i)
{
	const struct kfp_cat_cpuid *c = &cat->cpuid[i];
	for (size_t j = 0; j < i; j++)
		if (cat->cpuid[j].leaf == c->leaf && cat->cpuid[j].subleaf == c->subleaf &&
		    cat->cpuid[j].reg == c->reg)
			return false;
	return true;
}