/* SPDX-License-Identifier: Apache-2.0 */
/* The feature rows of a configuration, by where a feature lives: reports
 * name what a host lacks or what KVM refused by these rows, one set bit of
 * a register at a time (kfp_feature_next_bit). */
#include "internal.h"

const struct kfp_feature_row *kfp_feature_find(const struct kfp_config *cfg, uint8_t kind,
					       uint32_t leaf, uint32_t subleaf, uint8_t reg,
					       uint8_t bit, uint8_t xss)
{
	for (uint32_t i = 0; i < cfg->nfeatures; i++) {
		const struct kfp_feature_row *f = &cfg->features[i];
		if (f->bit != bit)
			continue;
		switch (kind) {
		case KFP_KIND_CPUID:
			if ((f->kind == KFP_KIND_CPUID || f->kind == KFP_KIND_KVM_PV ||
			     f->kind == KFP_KIND_HYPERV) &&
			    f->leaf == leaf && f->subleaf == subleaf && f->reg == reg)
				return f;
			break;
		case KFP_KIND_MSR_BIT:
			if ((f->kind == KFP_KIND_MSR_BIT || f->kind == KFP_KIND_VMX) && f->leaf == leaf)
				return f;
			break;
		case KFP_KIND_XSAVE:
			if (f->kind == KFP_KIND_XSAVE && !f->xss == !xss)
				return f;
			break;
		}
	}
	return NULL;
}

const struct kfp_feature_row *kfp_feature_find_hypercall(const struct kfp_config *cfg, uint64_t id,
							 uint8_t bit)
{
	for (uint32_t i = 0; i < cfg->nfeatures; i++) {
		const struct kfp_feature_row *f = &cfg->features[i];
		if (f->kind == KFP_KIND_HYPERCALL && f->id == id && f->bit == bit)
			return f;
	}
	return NULL;
}

bool kfp_feature_next_bit(const struct kfp_config *cfg, const struct kfp_bit_site *site,
			  uint64_t *bits, unsigned *bit, const struct kfp_feature_row **f)
{
	if (!*bits)
		return false;
	unsigned b = 0;
	while (!(*bits >> b & 1))
		b++;
	*bits &= ~(UINT64_C(1) << b);
	*bit = b;
	if (site->kind == KFP_KIND_HYPERCALL) {
		*f = kfp_feature_find_hypercall(cfg, site->id, (uint8_t)b);
	} else if (site->kind == KFP_KIND_XSAVE && site->xss == KFP_XSS_EITHER) {
		*f = kfp_feature_find(cfg, KFP_KIND_XSAVE, 0, 0, 0, (uint8_t)b, 0);
		if (!*f)
			*f = kfp_feature_find(cfg, KFP_KIND_XSAVE, 0, 0, 0, (uint8_t)b, 1);
	} else {
		*f = kfp_feature_find(cfg, site->kind, site->leaf, site->subleaf, site->reg,
				      (uint8_t)b, site->xss);
	}
	return true;
}
