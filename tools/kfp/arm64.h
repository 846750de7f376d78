/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kfp tool's own KVM calls on arm64 (built on arm64 only): a VM with
 * one vCPU initialised with a policy's vcpu_init features and a little
 * guest memory, what KVM holds for a configuration's registers, and the
 * guest that reads ID registers back (verify_arm64.h).
 */
#ifndef KFP_TOOL_ARM64_H
#define KFP_TOOL_ARM64_H

#include <stddef.h>
#include <stdint.h>

#include <kfp/table.h>

#include "verify_arm64.h"

struct arm64_vm {
	int vm_fd, vcpu_fd;
	void *mem; /* ARM64_GUEST_MEM_SIZE bytes at ARM64_GUEST_GPA */
};

/* KVM_CREATE_VM, the guest memory, KVM_CREATE_VCPU and KVM_ARM_VCPU_INIT
 * with `features` (kfp_arm64_vcpu_features).  A feature this host lacks is
 * named by cfg's feature row and its policy line.  Prints what failed and
 * returns -1 (the caller still calls arm64_vm_destroy). */
int arm64_vm_create(int kvm_fd, const struct kfp_config *cfg, uint32_t features,
		    struct arm64_vm *vm);
void arm64_vm_destroy(struct arm64_vm *vm);

/* After the configuration is committed, before the first run: what the
 * vcpu_init features need then (SVE: KVM_ARM_VCPU_FINALIZE; PMU: its
 * initialisation).  Prints what failed and returns -1. */
int arm64_vm_finish(struct arm64_vm *vm, uint32_t features);

/* KVM_GET_ONE_REG of every register row of cfg.  Before the apply (after
 * false) it fills listed and host of regs and present and host of fw and
 * pins; after it, fw's and pins' kvm. */
int arm64_read_config_regs(const struct arm64_vm *vm, const struct kfp_config *cfg, int after,
			   struct arm64_observed_reg *regs, struct arm64_observed_fw *fw,
			   struct arm64_observed_fw *pins);

/* Runs the guest program for ids[0..n) and stores what MRS returned in
 * values.  The vCPU must not have run yet.  Prints what went wrong and
 * returns -1. */
int arm64_guest_read(int kvm_fd, struct arm64_vm *vm, const uint64_t *ids, size_t n,
		     uint64_t *values);

#endif
