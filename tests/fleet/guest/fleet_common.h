/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the in-guest programs fleet_policy and fleet_rollback (fleet_probe
 * and fleet_tool use only fleet_init.h): console output, /init plumbing,
 * a VM with one vCPU, ONE_REG access of any size, register names, and the
 * EL1 guest probe (fleet_el1.S).
 */
#ifndef FLEET_COMMON_H
#define FLEET_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include <kfp/arm64_regs.h>

#include "fleet_el1.h"
#include "fleet_init.h"

#define REG_ID_AA64ISAR0_EL1 KFP_ARM64_SYSREG(3, 0, 0, 6, 0)

#define GUEST_GPA UINT64_C(0x10000000)
#define GUEST_MEM 0x10000
#define VGIC_DIST_GPA UINT64_C(0x08000000)
#define VGIC_REDIST_GPA UINT64_C(0x080a0000)

/* The largest ONE_REG value handled (KVM_REG_SIZE_U2048). */
#define REG_MAX_BYTES 256

const char *errname(int e);

/* /init: mounts, console; prints KFP-BEGIN; returns the kernel series
 * ("5.10", "6.1", "6.12", ...) in series. */
void fleet_begin(const char *program, char *series, size_t size);
/* Prints KFP-RESULT (PASS when rc == 0 and no fail() was recorded) and
 * KFP-END, and powers off when running as /init. */
void fleet_end(int rc) __attribute__((noreturn));

struct vm {
	int vm, vcpu, gic;
	struct kvm_run *run;
	size_t run_size;
	void *mem; /* GUEST_MEM bytes at GUEST_GPA, or NULL */
};

/* KVM_CREATE_VM + vCPU 0 + KVM_ARM_VCPU_INIT with the preferred target and
 * features0, an in-kernel GICv3 (initialised); the run area is mapped. */
int vm_create(int kvm, uint32_t features0, struct vm *v);
void vm_destroy(struct vm *v);

size_t reg_size(uint64_t id);
/* KVM_GET/SET_ONE_REG of reg_size(id) bytes; 0 or an errno. */
int reg_get(int vcpu, uint64_t id, void *val);
int reg_set(int vcpu, uint64_t id, const void *val);
int reg_get64(int vcpu, uint64_t id, uint64_t *val);
int reg_set64(int vcpu, uint64_t id, uint64_t val);
/* "0x" and the value as one big-endian hex number of its full width. */
void reg_format(uint64_t id, const void *val, char *buf, size_t size);
/* The reverse; 0 or -1. */
int reg_parse(uint64_t id, const char *s, void *val);

/* KVM_GET_REG_LIST, malloc'd; *n the count.  NULL on failure (fail()). */
uint64_t *reg_list(int vcpu, uint64_t *n);
int in_list(const uint64_t *l, uint64_t n, uint64_t id);

/* A name for a ONE_REG id ("ID_AA64ISAR0_EL1", "x3", "CCSIDR[4]",
 * "S3_0_C2_C0_3"); static storage, valid until the next call. */
const char *reg_name(uint64_t id);

/* The EL1 probe: el1_map() gives the VM its memory with the probe code;
 * el1_start() points the vCPU's PC at it; el1_run() runs until the probe
 * reports (its results in res[FLEET_EL1_NRESULTS]) and completes the
 * MMIO exit, so the vCPU's state is consistent for saving. */
int el1_map(struct vm *v);
int el1_start(struct vm *v);
int el1_run(struct vm *v, uint64_t *res);
/* A name for result word i ("ID_AA64ISAR0_EL1", "CCSIDR[3]",
 * "hvc:TRNG_VERSION"); the ID words are named by encoding. */
const char *el1_result_name(unsigned i);
/* The value compared across kernels: the PTP call returns a time, so only
 * "supported or not" counts for it. */
uint64_t el1_result_norm(unsigned i, uint64_t v);
/* Whether result word i means anything given the others: CCSIDR_EL1 only
 * for the caches CLIDR_EL1 lists (UNKNOWN otherwise). */
int el1_result_valid(unsigned i, const uint64_t *res);

#endif
