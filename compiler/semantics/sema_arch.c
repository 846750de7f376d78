/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One small const descriptor per architecture (as libseccomp has one per
 * arch behind one interface): what sema.c asks of an arch is asked here,
 * once, instead of in `if (arch == ...)` chains.  The rules themselves
 * live in sema_x86*.c and sema_arm64.c.
 */
#include "sema.h"

/* Appends one kfp_feat for catalog entry e (v NULL: only counts). */
#define ADD(kind_, e)                                                          \
	do {                                                                   \
		if (v)                                                         \
			v[n] = (struct kfp_feat){ .kind = (kind_), .c = &(e).c, .cat = &(e) }; \
		n++;                                                           \
	} while (0)

static size_t x86_feats(const struct kfp_catalog *cat, struct kfp_feat *v)
{
	size_t n = 0;
	for (size_t k = 0; k < cat->ncpuid; k++)
		ADD(KFP_FEAT_CPUID, cat->cpuid[k]);
	for (size_t k = 0; k < cat->nkvm; k++)
		ADD(KFP_FEAT_KVM, cat->kvm[k]);
	for (size_t k = 0; k < cat->nxsave; k++)
		ADD(KFP_FEAT_XSAVE, cat->xsave[k]);
	for (size_t k = 0; k < cat->nvmx; k++)
		ADD(KFP_FEAT_VMX, cat->vmx[k]);
	for (size_t k = 0; k < cat->nmsrs; k++)
		for (size_t b = 0; b < cat->msrs[k].nbits; b++)
			ADD(KFP_FEAT_MSR_BIT, cat->msrs[k].bits[b]);
	for (size_t k = 0; k < cat->nhyperv; k++)
		ADD(KFP_FEAT_HYPERV, cat->hyperv[k]);
	return n;
}

static size_t arm64_feats(const struct kfp_catalog *cat, struct kfp_feat *v)
{
	size_t n = 0;
	for (size_t k = 0; k < cat->nvcpu; k++)
		ADD(KFP_FEAT_VCPU, cat->vcpu[k]);
	for (size_t k = 0; k < cat->nfw_regs; k++)
		for (size_t b = 0; b < cat->fw_regs[k].nbits; b++)
			ADD(KFP_FEAT_HYPERCALL, cat->fw_regs[k].bits[b]);
	return n;
}

static const struct kfp_sema_arch arches[KFP_ARCH_COUNT] = {
	[KFP_ARCH_X86_64] = {
		.feats = x86_feats,
		.vendors = kfp_sema_x86_vendors,
		.resolve = kfp_sema_x86,
	},
	[KFP_ARCH_ARM64] = {
		.feats = arm64_feats,
		.resolve = kfp_sema_arm64,
	},
};

const struct kfp_sema_arch *kfp_sema_arch(enum kfp_arch arch)
{
	return &arches[arch];
}
