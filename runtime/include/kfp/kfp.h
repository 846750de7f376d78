/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfp runtime: applies a fleet configuration (struct kfp_config from
 * kfp/table.h, compiled in from `kfpc compile`) to KVM so that a guest sees
 * exactly what the policy says, on every host, or the vCPU does not start.
 *
 * It needs only libc and <linux/kvm.h>.  Every function returns 0 or a
 * negative errno:
 *   -ENOTSUP  this host cannot provide the configuration: a feature the
 *             policy exposes is missing, or a value it pins cannot be set.
 *             Nothing was written; the report names each problem.
 *   -EIO      KVM refused a write; the report names the ioctl, the register
 *             or MSR, and the policy line.
 *   -EBUSY    called too late (see the order below).
 *   -EINVAL   bad arguments, or tables of another KFP_TABLE_VERSION.
 *   -E2BIG    the host reports more than the fixed buffers below hold.
 *   other     a KVM ioctl failed with that errno.
 *
 * Order of calls (x86), and why (arm64: see below):
 *   1. kfp_host_init()        once per process, on the /dev/kvm fd: caches
 *                             KVM_GET_SUPPORTED_CPUID and the feature MSRs.
 *   2. kfp_prepare_process()  before the FIRST vCPU of the process is
 *                             created: requests the AMX guest permission
 *                             (ARCH_REQ_XCOMP_GUEST_PERM) when the policy
 *                             allows AMX.  Once a vCPU exists the kernel
 *                             refuses it, and this returns -EBUSY.
 *   3. create the VM and the vCPU.
 *   4. kfp_x86_plan()         reads only: checks every feature and value
 *                             against this host and builds what to write.
 *   5. kfp_x86_commit()       before the vCPU's first KVM_RUN (KVM refuses
 *                             a different CPUID or feature MSRs after it),
 *                             and before the guest executes VMXON (KVM
 *                             refuses VMX capability MSR writes then).
 *                             It reads the CPUID table back and fails with
 *                             -EIO if KVM changed it (some KVMs merge host
 *                             bits into the table they are given).
 *   kfp_x86_apply() does 4 and 5.  Steps 4 and 5 do not allocate memory:
 *   the caller provides the plan, on the stack or statically.
 */
#ifndef KFP_KFP_H
#define KFP_KFP_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include <kfp/table.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- reports ---------------------------------------------------------- */

enum kfp_item_status {
	KFP_ITEM_APPLIED = 1, /* written, or already as the policy says */
	KFP_ITEM_MISSING,     /* the policy exposes it; this host lacks it */
	KFP_ITEM_UNSETTABLE,  /* the policy pins a value this host cannot set */
	KFP_ITEM_REFUSED,     /* KVM refused the write */
	KFP_ITEM_ORDER,       /* called too late: see the order above */
};

#define KFP_REPORT_MAX 64

struct kfp_report_item {
	uint8_t status;      /* enum kfp_item_status */
	const char *name;    /* feature, register or MSR name (static storage) */
	struct kfp_src src;  /* the policy line; file NULL if none */
	int err;             /* negative errno from KVM, or 0 */
	char detail[120];    /* e.g. "KVM_SET_MSRS set 1 of 2 MSRs, stopped at 0x10a" */
};

/* What an apply did.  Fixed size: reports never allocate.  Items beyond
 * KFP_REPORT_MAX are counted in nlost. */
struct kfp_report {
	struct kfp_report_item items[KFP_REPORT_MAX];
	uint32_t nitems, nlost;
	uint32_t napplied; /* registers, MSRs and tables written */
	uint32_t nproblems; /* items other than KFP_ITEM_APPLIED */
};

void kfp_report_init(struct kfp_report *rep);
const char *kfp_item_status_name(uint8_t status);
/* "web.kfp:12:11: avx2: host lacks it" into buf; returns what snprintf does. */
int kfp_report_item_format(const struct kfp_report_item *item, char *buf, size_t size);

/* ---- process ---------------------------------------------------------- */

/* Before the first vCPU of the process.  x86: the AMX permission if cfg
 * allows AMX (nothing to do otherwise); -EBUSY, with a report item, if too
 * late.  arm64: nothing to do. */
int kfp_prepare_process(const struct kfp_config *cfg, struct kfp_report *rep);

#if defined(__x86_64__)

/* ---- x86 host --------------------------------------------------------- */

#define KFP_MAX_CPUID_ENTRIES 256
#define KFP_MAX_FEATURE_MSRS 128
#define KFP_MAX_HV_CPUID_ENTRIES 16

struct kfp_msr_value {
	uint32_t index;
	uint64_t value;
};

/* What this host's KVM offers, read once per process. */
struct kfp_host {
	int kvm_fd;
	uint32_t ncpuid;
	/* KVM_GET_SUPPORTED_CPUID, plus the bits the VMM owns that this KVM
	 * honours: hypervisor (CPUID.1:ECX[31]) and, with
	 * KVM_CAP_TSC_DEADLINE_TIMER, tsc-deadline (CPUID.1:ECX[24]). */
	struct kvm_cpuid_entry2 cpuid[KFP_MAX_CPUID_ENTRIES];
	uint32_t nmsrs;
	struct kfp_msr_value msrs[KFP_MAX_FEATURE_MSRS]; /* feature MSRs, sorted by index */
	/* KVM_GET_SUPPORTED_HV_CPUID as a system ioctl (5.11+), sorted; before
	 * 5.11 it needs a vCPU, and kfp_x86_apply asks the vCPU it is given. */
	uint32_t nhv_cpuid;
	struct kvm_cpuid_entry2 hv_cpuid[KFP_MAX_HV_CPUID_ENTRIES];
	uint8_t hv_sys;     /* KVM_CAP_SYS_HYPERV_CPUID: hv_cpuid is valid */
	uint8_t hv_enforce; /* KVM_CAP_HYPERV_ENFORCE_CPUID (5.14) */
	uint8_t hv_evmcs;   /* KVM_CAP_HYPERV_ENLIGHTENED_VMCS (Intel) */
};

int kfp_host_init(struct kfp_host *host, int kvm_fd);

/* The supported entry for (function, index), or NULL. */
const struct kvm_cpuid_entry2 *kfp_host_cpuid(const struct kfp_host *host,
					      uint32_t function, uint32_t index);
/* A feature MSR's value, or -ENOENT if KVM does not list it. */
int kfp_host_msr(const struct kfp_host *host, uint32_t index, uint64_t *value);

/* ---- x86 per vCPU ----------------------------------------------------- */

#define KFP_MAX_PLAN_MSRS 64
#define KFP_XSAVE_MAX (16 * 1024)

/* Everything a commit writes, built by kfp_x86_plan.  About 40 KiB.  KVM's
 * variable-sized ioctl arguments live in byte buffers (a struct with a
 * flexible array member cannot be a member); use the accessors below. */
struct kfp_x86_plan {
	const struct kfp_config *cfg;
	_Alignas(8) unsigned char cpuid_buf[sizeof(struct kvm_cpuid2) +
					    KFP_MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2)];
	_Alignas(8) unsigned char msrs_buf[sizeof(struct kvm_msrs) +
					   KFP_MAX_PLAN_MSRS * sizeof(struct kvm_msr_entry)];
	/* KVM_GET_CPUID2 after KVM_SET_CPUID2: what KVM really holds. */
	_Alignas(8) unsigned char readback_buf[sizeof(struct kvm_cpuid2) +
					       KFP_MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2)];
	const struct kfp_msr_row *msr_rows[KFP_MAX_PLAN_MSRS]; /* for reports */
	uint64_t xcr0;        /* the initial XCR0 set with KVM_SET_XCRS */
	uint32_t xsave_size;  /* KVM_CAP_XSAVE2 on the VM fd; 0 if unsupported */
	uint8_t hv_enforce;   /* Hyper-V: enable KVM_CAP_HYPERV_ENFORCE_CPUID */
	uint8_t xsave[KFP_XSAVE_MAX] __attribute__((aligned(64)));
};

/* The CPUID table and MSR list a plan passes to KVM_SET_CPUID2 and
 * KVM_SET_MSRS. */
static inline struct kvm_cpuid2 *kfp_plan_cpuid(struct kfp_x86_plan *plan)
{
	return (struct kvm_cpuid2 *)(void *)plan->cpuid_buf;
}

static inline struct kvm_msrs *kfp_plan_msrs(struct kfp_x86_plan *plan)
{
	return (struct kvm_msrs *)(void *)plan->msrs_buf;
}

int kfp_x86_plan(const struct kfp_config *cfg, const struct kfp_host *host, int vm_fd,
		 struct kfp_x86_plan *plan, struct kfp_report *rep);
int kfp_x86_commit(struct kfp_x86_plan *plan, int vcpu_fd, struct kfp_report *rep);
int kfp_x86_apply(const struct kfp_config *cfg, const struct kfp_host *host, int vm_fd,
		  int vcpu_fd, struct kfp_x86_plan *plan, struct kfp_report *rep);

/*
 * ---- migration: checking a saved vCPU state (x86) ----------------------
 *
 * Before a destination loads a vCPU state it received, it checks that the
 * state is one this fleet's configuration allows: the same policy identity
 * (struct kfp_config.id, carried in the migration stream), a CPUID table
 * whose feature registers are exactly the fleet's, feature MSRs inside the
 * fleet's, and an xsave header (XSTATE_BV, XCOMP_BV) with no component the
 * fleet does not allow.  A state that fails is refused with a report that
 * names each reason; it is never trimmed to fit.  Reads only memory.
 */
struct kfp_x86_state {
	const uint8_t *id;                     /* 16 bytes, or NULL if the stream has none */
	const struct kvm_cpuid_entry2 *cpuid;  /* KVM_GET_CPUID2 of the source vCPU */
	uint32_t ncpuid;
	const struct kvm_msr_entry *msrs;      /* the feature MSRs the source saved */
	uint32_t nmsrs;
	const void *xsave;                     /* KVM_GET_XSAVE(2) buffer */
	uint32_t xsave_size;
};

/* 0, or -EPERM with the reasons in rep. */
int kfp_x86_verify_state(const struct kfp_config *cfg, const struct kfp_x86_state *st,
			 struct kfp_report *rep);

#endif /* __x86_64__ */

/*
 * ---- arm64 ------------------------------------------------------------
 *
 * Order of calls, and why:
 *   1. kfp_arm64_vcpu_features() fills kvm_vcpu_init.features from the
 *      policy (PSCI 0.2, PMU, SVE, pointer auth); the VMM then calls
 *      KVM_ARM_VCPU_INIT (and, with SVE, KVM_ARM_VCPU_FINALIZE after the
 *      plan is committed).
 *   2. kfp_arm64_plan() reads only: KVM_GET_REG_LIST, every ID register and
 *      firmware register with KVM_GET_ONE_REG, and, when the kernel has it,
 *      KVM_ARM_GET_REG_WRITABLE_MASKS.  It computes each ID register field
 *      by field (safe direction and signedness), checks that every change
 *      is writable on this kernel (without the masks ioctl, no change is),
 *      that every hypercall the policy turns on is offered, and applies the
 *      `unknown` rules to registers the catalog does not know: unknown
 *      hypercall bitmaps are written as 0, unknown ID registers with a
 *      nonzero value are refused under `unknown deny` (zeroed under
 *      `unknown zero`, where writable).  The fleet's pinned registers
 *      (CLIDR_EL1, CCSIDR_EL1, PSCI_VERSION: kfp_pin_row) are written
 *      where this kernel shows another value.  A kernel without hypercall
 *      bitmaps (before 5.19) is accepted when it is not older than the
 *      fleet's min_kernel: its hypercalls are fixed and the compiler's
 *      kernel rules cover them.  Any problem: -ENOTSUP, nothing written.
 *   3. kfp_arm64_commit() before the first KVM_RUN of any vCPU of the VM
 *      (ID registers are per VM; KVM answers EBUSY to a different value
 *      afterwards): ID registers first, then the pinned cache registers,
 *      then firmware registers (with PSCI_VERSION).  A write KVM refuses
 *      (a kernel before 6.3 does not take another cache description):
 *      -EIO, naming the register and the kernel.
 *   kfp_arm64_apply() does 2 and 3.  No heap allocation.
 */
#define KFP_MAX_REG_LIST 1024
#define KFP_MAX_ARM64_WRITES 128

struct kfp_reg_write {
	uint64_t id;
	uint64_t value, old;
	const char *name;       /* register name (static storage) */
	struct kfp_src src;
};

struct kfp_arm64_plan {
	const struct kfp_config *cfg;
	uint64_t nregs;                    /* KVM_GET_REG_LIST */
	uint64_t regs[KFP_MAX_REG_LIST];
	int have_masks;                    /* KVM_ARM_GET_REG_WRITABLE_MASKS worked */
	uint64_t masks[192];               /* its answer (range 0) */
	uint32_t nwrites;
	struct kfp_reg_write writes[KFP_MAX_ARM64_WRITES]; /* ID registers, pins, firmware */
};

/* The KVM_ARM_VCPU_INIT feature bits the policy turns on. */
uint32_t kfp_arm64_vcpu_features(const struct kfp_config *cfg);

int kfp_arm64_plan(const struct kfp_config *cfg, int vm_fd, int vcpu_fd,
		   struct kfp_arm64_plan *plan, struct kfp_report *rep);
int kfp_arm64_commit(struct kfp_arm64_plan *plan, int vcpu_fd, struct kfp_report *rep);
int kfp_arm64_apply(const struct kfp_config *cfg, int vm_fd, int vcpu_fd,
		    struct kfp_arm64_plan *plan, struct kfp_report *rep);

/*
 * ---- migration: checking a saved vCPU state (arm64) --------------------
 *
 * A destination checks a vCPU state it received before it loads any of it:
 * after kfp_arm64_plan() (or kfp_arm64_apply()) on a fresh vCPU, before
 * the first KVM_SET_ONE_REG of the state.  The state is the source's
 * KVM_GET_REG_LIST with each register's KVM_GET_ONE_REG bytes, and the
 * policy identity (kfp_config.id) the VMM carries in its migration stream.
 * The check:
 *   - the identity is the destination fleet's;
 *   - every saved ID register and hypercall bitmap equals what the plan
 *     gives the destination (what the guest saw, it keeps);
 *   - every saved register the destination does not list is safe by a
 *     rule that follows from the policy (enum kfp_state_rule: the
 *     feature it belongs to is hidden, its vCPU feature is off, it holds
 *     KVM's reset value, a bitmap's services are ones the destination
 *     kernel offers without it, it describes a cache the state's
 *     CLIDR_EL1 does not have, or it is a counter the destination shows
 *     as the host's); a register no rule covers, or one the
 *     catalog does not know, is refused, naming the register, the feature,
 *     the destination kernel and the policy line;
 *   - every register the destination lists and the state lacks belongs
 *     to a feature the policy hides, holds its reset value, or describes
 *     a cache the destination's CLIDR_EL1 does not have.
 * Reads only (KVM_GET_ONE_REG on vcpu_fd), writes nothing, no heap.
 */
enum kfp_state_rule {
	KFP_STATE_REFUSED = 0,      /* no rule makes the difference safe */
	KFP_STATE_LISTED = 1,       /* the destination lists it: restore it */
	KFP_STATE_ID_REG = 2,       /* an ID register the destination reads as the same value (RAZ) */
	KFP_STATE_FEATURE_OFF = 3,  /* its feature's ID field is hidden by the policy */
	KFP_STATE_VCPU_OFF = 4,     /* its KVM_ARM_VCPU_INIT feature is off */
	KFP_STATE_RESET_VALUE = 5,  /* it holds KVM's reset value */
	KFP_STATE_FW_OFF = 6,       /* a hypercall bitmap saved as 0 */
	KFP_STATE_FW_IMPLIED = 7,   /* a bitmap whose services the kernel offers without it */
	KFP_STATE_NO_CACHE = 8,     /* a CCSIDR_EL1 of a cache CLIDR_EL1 does not describe */
	KFP_STATE_COUNTER = 9,      /* a counter the destination shows as the host's, unsaved */
};

/* "listed", "feature-off", ... */
const char *kfp_state_rule_name(uint8_t rule);

struct kfp_arm64_saved_reg {
	uint64_t id;       /* ONE_REG id; the value has KVM_REG_SIZE(id) bytes */
	const void *value; /* KVM_GET_ONE_REG's bytes, as KVM gave them */
};

struct kfp_arm64_state {
	const uint8_t *id;  /* 16 bytes, or NULL if the stream has none */
	const struct kfp_arm64_saved_reg *regs;
	uint32_t nregs;
	const char *kernel; /* the source's kernel release, for reports; may be NULL */
};

/* 0, or -EPERM with the reasons in rep (-EINVAL: bad arguments; another
 * negative errno: KVM_GET_ONE_REG failed).  rules, if not NULL, receives
 * st->nregs entries: the enum kfp_state_rule of each saved register. */
int kfp_arm64_verify_state(const struct kfp_arm64_plan *plan, int vcpu_fd,
			   const struct kfp_arm64_state *st, uint8_t *rules,
			   struct kfp_report *rep);

#ifdef __cplusplus
}
#endif

#endif
