/* SPDX-License-Identifier: Apache-2.0 */
/* Emitters: C tables for the runtime (kfp/table.h). */
#ifndef KFP_COMPILER_EMIT_H
#define KFP_COMPILER_EMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/ctx.h"
#include "compiler/catalog/vmm_names.h"
#include "compiler/semantics/config.h"

/* The C identifier prefix for a policy: "kfp_" + its name, with every
 * character outside [A-Za-z0-9_] turned into '_'.  Caller frees. */
char *kfp_c_prefix(const struct kfp_policy *pol);

/* Writes the tables of every fleet in pol.  `header_name` is what the .c
 * file #includes.  Output is deterministic: the same input gives the same
 * bytes. */
void kfp_emit_c(const struct kfp_policy *pol, const char *header_name, FILE *c_out,
		FILE *h_out);


/* "firecracker", "qemu", "libvirt"; false for anything else. */
bool kfp_vmm_format_parse(const char *s, enum kfp_vmm_format *out);
const char *kfp_vmm_format_name(enum kfp_vmm_format fmt);
/* Whether the format can describe fleets of this architecture. */
bool kfp_vmm_format_has_arch(enum kfp_vmm_format fmt, enum kfp_arch arch);

/* Writes fleet fl in the given format.  Notes (what the format cannot say
 * for this fleet) and errors are queued on ctx, without a place, as
 * "fleet "NAME": ...".  Returns 0, or -1 after an error: the fleet cannot
 * be expressed and out holds nothing useful.  The output is
 * deterministic. */
int kfp_emit_vmm(enum kfp_vmm_format fmt, const struct kfp_policy *pol,
		 const struct kfp_fleet *fl, FILE *out, struct kfp_ctx *ctx);

/* Firecracker `flags` of a CPUID leaf: KVM_CPUID_FLAG_SIGNIFCANT_INDEX (1)
 * for the leaves whose subleaf selects the entry, else 0. */
uint32_t kfp_fc_cpuid_flags(uint32_t leaf);

/* The CPUID feature that enumerates a feature MSR (the guest cannot read
 * the MSR without it): "arch-capabilities" for IA32_ARCH_CAPABILITIES,
 * "pdcm" for IA32_PERF_CAPABILITIES; NULL if the MSR has none listed. */
const char *kfp_vmm_msr_enabler(uint32_t msr);

#endif
