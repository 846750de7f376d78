/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the VMM emitters (emit_vmm.c and the vmm_*.c files, one a
 * format): what they share, and each format's entry point.
 */
#ifndef KFP_COMPILER_VMM_H
#define KFP_COMPILER_VMM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "base/ctx.h"
#include "emit.h"

/* A growing list of names for one note. */
struct kfp_namelist {
	char *s;
	size_t len, n;
};

void kfp_namelist_add(struct kfp_namelist *l, const char *name);
void kfp_namelist_free(struct kfp_namelist *l);

/* Queues what a format cannot say for a fleet, or why it cannot write
 * it, as "fleet "NAME": ..." with no place: it is about the fleet, not
 * a policy line. */
void kfp_vmm_diag(struct kfp_ctx *ctx, enum kfp_severity sev, const struct kfp_fleet *fl,
		  const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* The fleet's feature of a kind by catalog name; NULL if none. */
const struct kfp_feat *kfp_vmm_find_feat(const struct kfp_fleet *fl, enum kfp_feat_kind kind,
					 const char *name);
/* Can the guest read this feature MSR at all?  Without the CPUID bit that
 * enumerates it, KVM refuses the guest's RDMSR. */
bool kfp_vmm_msr_readable(const struct kfp_fleet *fl, uint32_t msr);

/* The formats (see kfp_emit_vmm()).  Firecracker takes both
 * architectures, QEMU and libvirt x86_64 fleets only. */
int kfp_vmm_firecracker(const struct kfp_policy *pol, const struct kfp_fleet *fl, FILE *out,
			struct kfp_ctx *ctx);
int kfp_vmm_qemu(const struct kfp_policy *pol, const struct kfp_fleet *fl, FILE *out,
		 struct kfp_ctx *ctx);
int kfp_vmm_libvirt(const struct kfp_policy *pol, const struct kfp_fleet *fl, FILE *out,
		    struct kfp_ctx *ctx);

#endif
