/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfp table format: the one contract between kfpc (which emits these
 * structures as const C data, one `struct kfp_config` per fleet) and the
 * runtime (which applies them to KVM).  It depends on nothing but
 * <stdint.h>.  Bump KFP_TABLE_VERSION on any incompatible change; the
 * runtime refuses tables of another version.
 *
 * Every row carries the policy location it came from, so that a failure at
 * apply time names the policy line that caused it.
 */
#ifndef KFP_TABLE_H
#define KFP_TABLE_H

#include <stdint.h>

/* 2: arm64 feature-register rows and hypercall rows' first kernel
 *    (kfp_arm64_verify_state), KFP_CPUID_FORCE rows (a forced 1), the
 *    Hyper-V members of struct kfp_x86_config. */
#define KFP_TABLE_VERSION 2

/* A place in a .kfp file; file is NULL for decisions no line made (default
 * deny). */
struct kfp_src {
	const char *file;
	uint32_t line, col;
};

enum kfp_table_arch {
	KFP_TABLE_X86_64 = 1,
	KFP_TABLE_ARM64 = 2,
};

/*
 * The enumerations both sides share are each one list (an X-macro, as jq
 * lists its opcodes): the compiler's enum, the table's values and the
 * names that the catalog, the language, the diagnostics and the reports
 * use all come from it, so nothing translates one into the other by hand.
 * A list's values are the table's: they are ABI and never change.  Each
 * entry is X(TABLE, OTHER, VALUE, NAME): the table's enumerator, the other
 * side's, the value and the name.
 */

/* Defines `const char *fn(unsigned value)`: the NAME of a list's VALUE. */
#define KFP_NAME_CASE_(table, other, value, name)                              \
	case value:                                                            \
		return name;
#define KFP_DEFINE_NAMES_(fn, list)                                            \
	static inline const char *fn(unsigned value)                           \
	{                                                                      \
		switch (value) {                                               \
			list(KFP_NAME_CASE_)                                   \
		}                                                              \
		return "?";                                                    \
	}

/*
 * What a named feature is, for reports: KFP_KIND_<KIND> here,
 * KFP_FEAT_<FEAT> in the compiler (compiler/semantics/config.h); NAME is how
 * diagnostics call it.
 */
#define KFP_FEATURE_KINDS(X)                                                   \
	X(CPUID, CPUID, 1, "CPUID feature")           /* leaf, subleaf, reg, bit */ \
	X(KVM_PV, KVM, 2, "KVM feature")              /* CPUID 0x40000001 EAX bit */ \
	X(XSAVE, XSAVE, 3, "xsave component")         /* bit in XCR0 (or XSS when `xss`) */ \
	X(VMX, VMX, 4, "VMX control")                 /* msr, bit */ \
	X(MSR_BIT, MSR_BIT, 5, "MSR bit")             /* msr, bit */ \
	X(HYPERCALL, HYPERCALL, 6, "hypercall")       /* ONE_REG id of the bitmap, bit */ \
	X(VCPU_INIT, VCPU, 7, "vcpu_init feature")    /* KVM_ARM_VCPU_INIT feature bit */ \
	X(HYPERV, HYPERV, 8, "Hyper-V enlightenment") /* its first CPUID bit */

enum kfp_feature_kind {
#define KFP_X_(kind, feat, value, name) KFP_KIND_##kind = value,
	KFP_FEATURE_KINDS(KFP_X_)
#undef KFP_X_
};
KFP_DEFINE_NAMES_(kfp_feature_kind_name, KFP_FEATURE_KINDS)

/* Where KVM's own paravirtual leaves (signature, KVM_CPUID_FEATURES) are
 * when Hyper-V is on: the Hyper-V leaves take 0x40000000-0x400000ff. */
#define KFP_KVM_LEAVES_HYPERV 0x40000100u

/* One named feature and its fate.  The runtime uses these rows to name what
 * a host lacks or what KVM refused. */
struct kfp_feature_row {
	const char *name;
	uint8_t kind;   /* enum kfp_feature_kind */
	uint8_t expose; /* 1: the guest sees it, so the host must provide it */
	uint8_t reg;    /* CPUID register: 0 eax, 1 ebx, 2 ecx, 3 edx */
	uint8_t bit;
	uint8_t xss;    /* KFP_KIND_XSAVE: an XSS (supervisor) component */
	uint32_t leaf, subleaf; /* CPUID; for VMX and MSR bits, leaf is the MSR */
	uint64_t id;    /* KFP_KIND_HYPERCALL: the firmware register */
	struct kfp_src src;
	/* KFP_KIND_HYPERCALL: the first kernel that offers the service, as
	 * kfp_config.min_kernel (a kernel before 5.19 offers it without a
	 * bitmap to turn it off); 0 if unknown. */
	uint32_t since;
};

/*
 * x86: how to build the guest CPUID table from KVM_GET_SUPPORTED_CPUID.
 * Each row covers one register of one (leaf, subleaf):
 *  - KFP_CPUID_MASK: a feature register.  The guest value is `expose`; every
 *    bit of it must be set in the supported table (else -ENOTSUP).  Bits
 *    outside `expose` are hidden, catalogued or not (default deny).
 *  - KFP_CPUID_PASS: an informational register (vendor, family/model,
 *    cache and topology descriptions, address sizes) copied from the host.
 *  - KFP_CPUID_XSAVE: computed from the xfeature masks (leaf 0xD).
 *  - KFP_CPUID_FORCE: bits `expose` are set in the guest's register on top
 *    of what the other rows give, whether or not the host offers them (a
 *    policy's raw `cpuid ... = 1`).  The leaf must be one the host reports.
 * Leaves with no row are not given to the guest.  subleaf KFP_ANY_SUBLEAF
 * matches every subleaf of an indexed leaf.
 */
enum kfp_cpuid_mode {
	KFP_CPUID_MASK = 1,
	KFP_CPUID_PASS = 2,
	KFP_CPUID_XSAVE = 3,
	KFP_CPUID_FORCE = 4,
};

#define KFP_ANY_SUBLEAF 0xffffffffu

struct kfp_cpuid_row {
	uint32_t leaf, subleaf;
	uint8_t reg;  /* 0 eax .. 3 edx */
	uint8_t mode; /* enum kfp_cpuid_mode */
	uint32_t expose;
	struct kfp_src src;
};

/*
 * x86 feature MSRs written with KVM_SET_MSRS.  The value written is the
 * host's value (KVM_GET_MSRS on the system fd) restricted to `expose`; every
 * bit of `expose` must be set on the host.  For VMX capability control MSRs
 * the high 32 bits are the allowed-1 settings, which may only shrink.
 */
enum kfp_msr_kind {
	KFP_MSR_FEATURE = 1, /* e.g. IA32_ARCH_CAPABILITIES */
	KFP_MSR_VMX = 2,     /* IA32_VMX_* capability MSRs */
};

struct kfp_msr_row {
	uint32_t index;
	uint8_t kind; /* enum kfp_msr_kind */
	uint64_t expose;
	struct kfp_src src;
};

struct kfp_x86_config {
	const struct kfp_cpuid_row *cpuid;
	uint32_t ncpuid;
	const struct kfp_msr_row *msrs;
	uint32_t nmsrs;
	uint64_t xcr0, xss;    /* the xfeatures the guest may enable */
	uint8_t nested_vmx;    /* the VMX MSRs are written (vmx allowed) */
	uint8_t amx;           /* needs ARCH_REQ_XCOMP_GUEST_PERM */
	struct kfp_src xsave_src;
	/* Added after the members above, so that tables emitted before
	 * Hyper-V existed (zero here) keep their meaning.  With `hyperv`, the
	 * CPUID rows of leaves 0x40000000-0x400000ff describe the Hyper-V
	 * leaves (from KVM_GET_SUPPORTED_HV_CPUID) and those from
	 * KFP_KVM_LEAVES_HYPERV KVM's own leaves, moved there; the runtime
	 * enables KVM_CAP_HYPERV_ENFORCE_CPUID where the kernel has it. */
	uint8_t hyperv;
	uint8_t hv_evmcs;      /* enable KVM_CAP_HYPERV_ENLIGHTENED_VMCS first */
	struct kfp_src hyperv_src; /* the first allowed enlightenment */
};

/*
 * arm64 ID registers.  For each field the guest value is chosen by `rule`;
 * `safe` says in which direction KVM lets a VMM change it.
 *
 * Rules: KFP_RULE_<RULE> here, KFP_FIELD_<RULE> in the compiler
 * (compiler/semantics/config.h); NAME is how `kfpc dump` shows it.
 */
#define KFP_FIELD_RULES(X)                                                     \
	X(FIXED, FIXED, 1, "fixed")                      /* exactly `value` */ \
	X(AT_MOST, AT_MOST, 2, "min(host, value)")       /* in field order */ \
	X(HOST, HOST, 3, "host value")                   /* the host's value, unchanged */ \
	X(VCPU_OFF, VCPU_OFF, 4, "0 (vcpu feature off)") /* its vcpu_init feature is off */

enum kfp_field_rule_kind {
#define KFP_X_(rule, field, value, name) KFP_RULE_##rule = value,
	KFP_FIELD_RULES(KFP_X_)
#undef KFP_X_
};
KFP_DEFINE_NAMES_(kfp_field_rule_name, KFP_FIELD_RULES)

/* Safe directions: KFP_FIELD_<FIELD> here, KFP_SAFE_<SAFE> in the catalog
 * (compiler/catalog/catalog.h), whose `safe:` key spells it NAME. */
#define KFP_FIELD_SAFETY(X)                                                    \
	X(LOWER_SAFE, LOWER, 1, "lower")                                       \
	X(HIGHER_SAFE, HIGHER, 2, "higher")                                    \
	X(EXACT, EXACT, 3, "exact")

enum kfp_field_safe {
#define KFP_X_(field, safe, value, name) KFP_FIELD_##field = value,
	KFP_FIELD_SAFETY(KFP_X_)
#undef KFP_X_
};
KFP_DEFINE_NAMES_(kfp_field_safe_name, KFP_FIELD_SAFETY)

struct kfp_id_field_row {
	const char *name;
	uint8_t shift, width;
	uint8_t is_signed;
	uint8_t safe; /* enum kfp_field_safe */
	uint8_t rule; /* enum kfp_field_rule_kind */
	uint64_t value;
	struct kfp_src src;
};

struct kfp_id_reg_row {
	const char *name;
	uint64_t id; /* ONE_REG id */
	const struct kfp_id_field_row *fields;
	uint32_t nfields;
	uint64_t unknown_mask; /* bits no catalogued field covers */
	struct kfp_src src;
};

/* A firmware pseudo-register: a hypercall bitmap written as `value`, with
 * `known` the bits the catalog describes.  Bitmap registers the catalog
 * does not know are written as 0 under `firmware_regs unknown zero`. */
struct kfp_fw_reg_row {
	const char *name;
	uint64_t id;
	uint64_t value, known;
	struct kfp_src src;
};

/* A register the fleet pins to one value on every host: the cache
 * description (CLIDR_EL1, the U32 CCSIDR_EL1 demux registers) as the
 * fleet's oldest kernel shows it, and PSCI_VERSION as the lowest any host
 * shows, so that a VM keeps what it saw when it rolls back to an older
 * kernel.  The runtime writes `value` where the kernel shows another
 * (KVM accepts it from 6.3 for the cache registers); firmware registers
 * (PSCI_VERSION) are written with the other firmware registers. */
struct kfp_pin_row {
	const char *name;
	uint64_t id;    /* ONE_REG id; its size is KVM_REG_SIZE(id) (4 or 8 bytes) */
	uint64_t value;
	struct kfp_src src; /* the fleet's `hosts` line; file NULL if none */
};

/*
 * A register that exists only with a feature: SVE's Z, P and FFR registers
 * and ZCR_EL1, the PMU's, the pointer-auth keys, FPMR, TCR2_EL1, POR_EL1,
 * ...  (the catalog's feature_registers).  A kernel lists it in
 * KVM_GET_REG_LIST only when it supports the feature, and the vCPU or the
 * host has it; a kernel may also list a register that another does not for
 * no feature at all (`gate` NONE).  The row says whether this fleet's
 * policy hides the feature, so that a migration destination that does not
 * list a saved register can tell state it may drop (the guest cannot
 * reach the register) from state it would lose.  A row matches the ONE_REG
 * ids with (id & mask) == match.
 */
enum kfp_reg_gate {
	KFP_GATE_NONE = 1,     /* no feature: only the reset value makes it safe */
	KFP_GATE_ID_FIELD = 2, /* an ID register field: gate_reg, shift, width */
	KFP_GATE_VCPU = 3,     /* a KVM_ARM_VCPU_INIT feature: vcpu_bit */
};

struct kfp_arm64_reg_row {
	const char *name;     /* "FPMR", "PMEVCNTR<n>_EL0", "SVE Z<n>/P<n>/FFR" */
	const char *feature;  /* "FEAT_FPMR (ID_AA64PFR2_EL1.FPMR)", "vcpu pmu_v3" */
	uint64_t match, mask;
	uint8_t gate;         /* enum kfp_reg_gate */
	uint8_t vcpu_bit;     /* KFP_GATE_VCPU */
	uint8_t shift, width; /* KFP_GATE_ID_FIELD: the field of gate_reg */
	uint64_t gate_reg;    /* KFP_GATE_ID_FIELD: ONE_REG id of the ID register */
	uint8_t hidden;       /* the policy hides the feature on every host */
	uint8_t has_reset;    /* KVM resets the register to `reset` */
	uint64_t reset;
	uint64_t reset_mask;  /* the bits `reset` speaks for (not status bits KVM computes) */
	uint8_t counter;      /* a counter: a kernel that does not list it shows the host's */
	struct kfp_src src;   /* the policy line that decides the feature; file NULL: default deny */
};

/* What happens to what the catalog does not know: KFP_UNKNOWN_POLICY_<RULE>
 * here, KFP_UNKNOWN_<RULE> in the front end (grammar/ast.h); the language
 * spells it NAME (`unknown zero;`). */
#define KFP_UNKNOWN_RULES(X)                                                   \
	X(DENY, DENY, 1, "deny")                                               \
	X(ZERO, ZERO, 2, "zero")

enum kfp_unknown_policy {
#define KFP_X_(rule, front, value, name) KFP_UNKNOWN_POLICY_##rule = value,
	KFP_UNKNOWN_RULES(KFP_X_)
#undef KFP_X_
};
KFP_DEFINE_NAMES_(kfp_unknown_rule_name, KFP_UNKNOWN_RULES)

struct kfp_arm64_config {
	const struct kfp_id_reg_row *id_regs;
	uint32_t nid_regs;
	const struct kfp_fw_reg_row *fw_regs;
	uint32_t nfw_regs;
	uint32_t vcpu_features; /* KVM_ARM_VCPU_INIT feature bits to set */
	uint8_t unknown;        /* enum kfp_unknown_policy: ID-register fields/registers */
	uint8_t fw_unknown;     /* enum kfp_unknown_policy: firmware registers */
	/* Added after the members above, so that tables emitted before
	 * pins existed (zero here) keep their meaning. */
	const struct kfp_pin_row *pins;
	uint32_t npins;
	/* Registers of features (migration checks); after the pins for the
	 * same reason. */
	const struct kfp_arm64_reg_row *regs;
	uint32_t nregs;
};

/* One fleet's tables, as the runtime applies them.  Not to be confused with
 * the compiler's model of a fleet (compiler/semantics/config.h), from which
 * kfpc builds this (compiler/emitters/tables.c). */
struct kfp_config {
	uint32_t table_version; /* KFP_TABLE_VERSION */
	uint8_t arch;           /* enum kfp_table_arch */
	const char *policy, *fleet;
	uint64_t policy_version;
	uint32_t min_kernel;    /* (major << 16) | (minor << 8) */
	uint8_t id[16];         /* identity: XXH3-128 of the canonical content */
	const struct kfp_feature_row *features;
	uint32_t nfeatures;
	const struct kfp_x86_config *x86;     /* set when arch is x86_64 */
	const struct kfp_arm64_config *arm64; /* set when arch is arm64 */
};

#endif
