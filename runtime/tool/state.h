/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfp's vCPU state file (x86): what `kfp apply --save-state` writes and
 * `kfp verify-state` checks.  A text file, one item per line:
 *
 *   kfp-x86-state 1
 *   identity <32 hex digits>                     the fleet's kfp_config.id
 *   cpuid <function> <index> <flags> <eax> <ebx> <ecx> <edx>
 *   msr <index> <value>
 *   xsave <XSTATE_BV> <XCOMP_BV>                 the xsave header
 *
 * Numbers are hex with 0x.  A VMM carries the same facts in its own
 * migration stream and calls kfp_x86_verify_state() itself.
 */
#ifndef KFP_TOOL_STATE_H
#define KFP_TOOL_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <kfp/kfp.h>

#if defined(__x86_64__)

struct state_file {
	bool has_id;
	uint8_t id[16];
	struct kvm_cpuid_entry2 cpuid[KFP_MAX_CPUID_ENTRIES];
	uint32_t ncpuid;
	struct kvm_msr_entry msrs[KFP_MAX_PLAN_MSRS];
	uint32_t nmsrs;
	bool has_xsave;
	uint8_t xsave[576]; /* the legacy region and the header */
};

/* 0, or -1 with a message "FILE:LINE: ..." in err (err_size bytes). */
int state_read(const char *path, struct state_file *st, char *err, size_t err_size);
void state_write(FILE *out, const uint8_t id[16], const struct kvm_cpuid2 *cpuid,
		 const struct kvm_msrs *msrs, uint64_t xstate_bv, uint64_t xcomp_bv);
/* The view kfp_x86_verify_state takes. */
struct kfp_x86_state state_view(const struct state_file *st);

#endif
#endif
