/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the runtime's source files; not installed. */
#ifndef KFP_RUNTIME_INTERNAL_H
#define KFP_RUNTIME_INTERNAL_H

#include <stdint.h>

#include <kfp/kfp.h>

/* The library is built with -fvisibility=hidden: only what kfp.h declares
 * is exported, so a shared build keeps the same ABI as the static one. */
#define KFP_API __attribute__((visibility("default")))

/* Adds an item (rep may be NULL).  Never allocates: past KFP_REPORT_MAX
 * items it only counts nlost.  The counters include lost items: an APPLIED
 * item counts in napplied, any other in nproblems. */
void kfp_report_add(struct kfp_report *rep, uint8_t status, const char *name,
		    const struct kfp_src *src, int err, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* The index of the first supported CPUID entry of `function` (entries are
 * sorted by function, then index), or host->ncpuid. */
uint32_t kfp_host_first_of(const struct kfp_host *host, uint32_t function);

/* The feature row of cfg for a bit, or NULL.  kind KFP_KIND_CPUID also
 * finds KVM paravirtual bits; KFP_KIND_MSR_BIT also finds VMX controls
 * (leaf is the MSR); for KFP_KIND_XSAVE only bit and xss count. */
const struct kfp_feature_row *kfp_feature_find(const struct kfp_config *cfg, uint8_t kind,
					       uint32_t leaf, uint32_t subleaf, uint8_t reg,
					       uint8_t bit, uint8_t xss);

#endif
