/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kfp restore-state` (x86): loads a saved vCPU state on this host as a
 * migration destination does, after checking that this host's KVM can hold
 * it.  A state is loaded whole or not at all: never trimmed.
 */
#ifndef KFP_TOOL_RESTORE_H
#define KFP_TOOL_RESTORE_H

#include <stdio.h>

#include <kfp/kfp.h>

#include "compiler/catalog/catalog.h"
#include "state.h"

#if defined(__x86_64__)

/* Everything the state needs that this host's KVM does not offer: each
 * catalogued CPUID and KVM paravirtual feature of the saved table that
 * KVM_GET_SUPPORTED_CPUID lacks, and each xsave component of XSTATE_BV and
 * XCR0 outside the XCR0 KVM supports, one line each on out ("kernel" names
 * this host's kernel).  Returns how many. */
unsigned restore_host_problems(const struct state_file *st, const struct kfp_host *host,
			       const struct kfp_catalog *cat, const char *kernel, FILE *out);

/* Creates a VM and vCPU on kvm_fd, loads the state with KVM_SET_CPUID2 (the
 * saved table), KVM_SET_MSRS, KVM_SET_XSAVE and KVM_SET_XCRS, runs the
 * guest of `kfp apply` and compares its CPUID and XCR0 with the saved ones.
 * Prints what it did and what the guest saw; 0 the guest sees the saved
 * state, 1 it does not or an ioctl failed. */
int restore_load(int kvm_fd, const struct state_file *st, const struct kfp_host *host,
		 FILE *out);

#endif
#endif
