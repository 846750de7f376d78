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
 *   xcr <index> <value>                          KVM_GET_XCRS
 *   xsave-size <bytes>                           the KVM_GET_XSAVE(2) buffer:
 *   xsave-data <offset> <hex bytes>              its non-zero 32-byte chunks
 *
 * Numbers are hex with 0x.  The xcr and xsave-* lines (written since
 * `kfp restore-state` exists) are what a destination needs to load the
 * state; verify-state needs only the others.  A VMM carries the same facts
 * in its own migration stream and calls kfp_x86_verify_state() itself.
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
	bool has_xsave;    /* the xsave line: the header is in xsave[512..575] */
	uint32_t xsave_size; /* xsave-size: the whole buffer is in xsave */
	uint8_t xsave[KFP_XSAVE_MAX] __attribute__((aligned(64)));
	struct kvm_xcr xcrs[KVM_MAX_XCRS];
	uint32_t nxcrs;
};

/* 0, or -1 with a message "FILE:LINE: ..." in err (err_size bytes). */
int state_read(const char *path, struct state_file *st, char *err, size_t err_size);
void state_write(FILE *out, const uint8_t id[16], const struct kvm_cpuid2 *cpuid,
		 const struct kvm_msrs *msrs, uint64_t xstate_bv, uint64_t xcomp_bv);
/* The lines a destination needs to load the state: the XCRs and the
 * xsave buffer (size bytes). */
void state_write_load(FILE *out, const struct kvm_xcrs *xcrs, const void *xsave, size_t size);
/* The view kfp_x86_verify_state takes. */
struct kfp_x86_state state_view(const struct state_file *st);

#endif
#endif
