/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fake KVM behind the runtime's system-call seam (runtime/src/sys.h):
 * a configurable host (supported CPUID, feature MSRs, capabilities; on
 * arm64 the register list, ONE_REG values and writable masks) that answers
 * like the kernel does, including its E2BIG and partial-write conventions,
 * and records every ioctl and every value written.
 */
#ifndef KFP_TESTS_FAKE_KVM_H
#define KFP_TESTS_FAKE_KVM_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/kvm.h>

#include <kfp/arm64_regs.h>

#define FAKE_KVM_FD 100
#define FAKE_VM_FD 101
#define FAKE_VCPU_FD 102

#define FAKE_MAX_CPUID 512
#define FAKE_MAX_MSRS 160
#define FAKE_LOG_MAX 256
#define FAKE_MAX_REGS 1100
#define FAKE_MASKS (3 * 8 * 8)

/* An arm64 ONE_REG register. */
struct fake_reg {
	uint64_t id;
	uint64_t value; /* what KVM_GET_ONE_REG returns now */
	uint64_t reset; /* KVM's value for a new VM: hypercall bitmaps may only clear bits of it */
	bool unlisted;  /* readable, but not in KVM_GET_REG_LIST */
	bool invariant; /* KVM takes only the value it shows (EINVAL) */
};

struct fake_kvm {
	/* The host. */
	struct kvm_cpuid_entry2 cpuid[FAKE_MAX_CPUID]; /* KVM_GET_SUPPORTED_CPUID */
	uint32_t ncpuid;
	struct kvm_msr_entry msrs[FAKE_MAX_MSRS]; /* feature MSRs, in list order */
	uint32_t nmsrs;
	bool msr_features;   /* KVM_CAP_GET_MSR_FEATURES */
	int get_msrs_limit;  /* KVM_GET_MSRS on /dev/kvm reads at most this many (-1: all) */
	int xsave2_size;     /* KVM_CAP_XSAVE2 on the VM fd */
	bool xsave;          /* KVM_CAP_XSAVE */
	bool tsc_deadline;   /* KVM_CAP_TSC_DEADLINE_TIMER */
	uint64_t xstate_bv, xcomp_bv; /* the xsave header KVM_GET_XSAVE(2) returns */

	/* Injected failures. */
	int set_msrs_limit;  /* KVM_SET_MSRS sets at most this many (-1: all) */
	int set_cpuid_errno; /* KVM_SET_CPUID2 fails with it (0: succeeds) */
	int prctl_errno;     /* arch_prctl fails with it (0: succeeds) */
	/* KVM_GET_CPUID2 returns the table with these bits ORed into leaf
	 * merge_function.merge_index's register merge_reg (a KVM that merges
	 * host bits into what it is given). */
	uint32_t merge_function, merge_index, merge_bits;
	unsigned merge_reg;
	/* KVM_GET_CPUID2 as 5.10 and 6.1 do it: on success nent stays what
	 * the caller passed (6.12 sets it to the entries KVM holds), and the
	 * entries after those KVM holds are not written. */
	bool get_cpuid_keeps_nent;

	/* arm64. */
	struct fake_reg regs[FAKE_MAX_REGS]; /* KVM_GET_REG_LIST order */
	uint32_t nregs;
	bool mask_cap;       /* KVM_CAP_ARM_SUPPORTED_REG_MASK_RANGES says range 0 */
	int masks_errno;     /* KVM_ARM_GET_REG_WRITABLE_MASKS fails with it */
	uint64_t masks[FAKE_MASKS];
	bool ran;            /* the VM has run: a different value gives EBUSY */
	uint64_t set_fail_id; /* KVM_SET_ONE_REG of this id fails with set_fail_errno */
	int set_fail_errno;
	uint64_t hold_id, hold_xor; /* KVM holds this register XOR hold_xor after a write */
	char release[65];    /* uname -r */

	/* Hyper-V (KVM_GET_SUPPORTED_HV_CPUID). */
	struct kvm_cpuid_entry2 hv_cpuid[16];
	uint32_t nhv_cpuid;
	bool hv_sys;         /* KVM_CAP_SYS_HYPERV_CPUID: also on /dev/kvm (5.11+) */
	bool hv_enforce;     /* KVM_CAP_HYPERV_ENFORCE_CPUID (5.14+) */
	bool hv_evmcs;       /* KVM_CAP_HYPERV_ENLIGHTENED_VMCS (Intel) */
	uint16_t evmcs_version;
	/* What the runtime enabled, with the number of KVM_SET_CPUID2 calls
	 * before it (KVM wants both before the CPUID table). */
	bool enforce_on, evmcs_on;
	unsigned enforce_after_cpuid, evmcs_after_cpuid;
	unsigned nset_cpuid_calls;

	/* What the runtime did. */
	struct {
		int fd;
		unsigned long req;
	} log[FAKE_LOG_MAX];
	unsigned nlog;
	uint32_t supported_nent[8]; /* nent of each KVM_GET_SUPPORTED_CPUID */
	unsigned nsupported;
	uint32_t msr_list_n[8]; /* nmsrs of each KVM_GET_MSR_FEATURE_INDEX_LIST */
	unsigned nmsr_list;
	struct kvm_cpuid_entry2 set_cpuid[FAKE_MAX_CPUID];
	uint32_t nset_cpuid;
	uint32_t get_cpuid_nent; /* nent passed to the last KVM_GET_CPUID2 */
	struct kvm_msr_entry set_msrs[FAKE_MAX_MSRS];
	uint32_t nset_msrs;
	struct kvm_xcrs xcrs;
	unsigned long xsave_req; /* KVM_GET_XSAVE or KVM_GET_XSAVE2 */
	struct {
		uint64_t id, value;
	} set_regs[FAKE_MAX_REGS]; /* every KVM_SET_ONE_REG KVM accepted, in order */
	uint32_t nset_regs;
	unsigned nprctl;
	int prctl_code;
	unsigned long prctl_arg;
};

/* An empty host with XSAVE (4096 bytes) and feature MSRs, installed behind
 * the seam.  fake_kvm_uninstall() restores the real system calls. */
void fake_kvm_init(struct fake_kvm *k);
void fake_kvm_uninstall(void);

/* A Cascade Lake-like host (no nested VMX): the CPUID entries and MSRs of
 * tests/data/profiles/x86_64.yaml plus the informational and xsave leaves
 * such a host reports. */
void fake_kvm_cascadelake(struct fake_kvm *k);
/* Hyper-V as Debian's kernels report it (hyperv.c kvm_get_hv_cpuid, a
 * vCPU with an in-kernel LAPIC, no eVMCS): version 510, 601 or 612 picks
 * the bits each sets, the system ioctl and enforcement (6.1 and 6.12).
 * KVM's own leaves 0x40000000/1 are added to the supported table too. */
void fake_kvm_hyperv(struct fake_kvm *k, unsigned version);
/* Nested VMX: CPUID.1:ECX.VMX and the VMX capability MSRs. */
void fake_kvm_add_vmx(struct fake_kvm *k);
/* Replaces the host with a host profile (kfp probe's YAML), x86_64 or
 * arm64.  0 or -1. */
int fake_kvm_load_profile(struct fake_kvm *k, const char *path);

struct kvm_cpuid_entry2 *fake_kvm_cpuid(struct fake_kvm *k, uint32_t function, uint32_t index);
void fake_kvm_add_cpuid(struct fake_kvm *k, uint32_t function, uint32_t index, uint32_t flags,
			uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx);
void fake_kvm_set_msr(struct fake_kvm *k, uint32_t index, uint64_t value);
void fake_kvm_del_msr(struct fake_kvm *k, uint32_t index);
/* The value written for an MSR with KVM_SET_MSRS; false if none. */
bool fake_kvm_written_msr(const struct fake_kvm *k, uint32_t index, uint64_t *value);
/* The entry written with KVM_SET_CPUID2, or NULL. */
const struct kvm_cpuid_entry2 *fake_kvm_written_cpuid(const struct fake_kvm *k,
						      uint32_t function, uint32_t index);

/* arm64: the register (NULL if KVM does not know it), setting or adding
 * one.  fake_kvm_set_reg sets both the value and the reset value. */
struct fake_reg *fake_kvm_reg(struct fake_kvm *k, uint64_t id);
void fake_kvm_set_reg(struct fake_kvm *k, uint64_t id, uint64_t value);
void fake_kvm_del_reg(struct fake_kvm *k, uint64_t id);
void fake_kvm_set_mask(struct fake_kvm *k, uint64_t id, uint64_t mask);
/* The arm64 host of the fleet harness on Debian's 6.12 (qemu -cpu max;
 * .cache/fleet/facts/6.12.txt): the ID registers, firmware registers and
 * writable masks it reports.  fake_kvm_qemu_arm64_6_1 is the same CPU on
 * 6.1: no writable masks, so KVM refuses any ID-register change. */
void fake_kvm_qemu_arm64_6_12(struct fake_kvm *k);
void fake_kvm_qemu_arm64_6_1(struct fake_kvm *k);
/* The same CPU on 5.10: no hypercall bitmaps (ENOENT), PSCI 1.0. */
void fake_kvm_qemu_arm64_5_10(struct fake_kvm *k);
/* The cache description: CLIDR_EL1 and the U32 CCSIDR_EL1 demux
 * registers.  6.12 fabricates them and takes any value (CLIDR_EL1 within
 * its writable mask); 6.1 shows the hardware's and takes nothing else. */
#define FAKE_CLIDR_EL1 KFP_ARM64_CLIDR_EL1
#define FAKE_CCSIDR(csselr) KFP_ARM64_CCSIDR(csselr)
/* The value written for a register with KVM_SET_ONE_REG (the last one);
 * false if none. */
bool fake_kvm_written_reg(const struct fake_kvm *k, uint64_t id, uint64_t *value);

/* How many ioctls in the log change vCPU state (KVM_SET_*). */
unsigned fake_kvm_writes(const struct fake_kvm *k);
/* How many times req was issued. */
unsigned fake_kvm_calls(const struct fake_kvm *k, unsigned long req);

#endif
