/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The feature catalog: where every feature lives and from which kernel KVM
 * exposes it and can hide it.  Loaded from one YAML file per architecture in
 * compiler/catalog/: data with provenance, checked against kernel sources by
 * scripts/check-catalog.
 */
#ifndef KFP_COMPILER_CATALOG_H
#define KFP_COMPILER_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <kfp/arm64_regs.h>
#include <kfp/table.h>

struct kfp_ctx;

/* The table's feature kinds (KFP_FEATURE_KINDS), by their compiler names:
 * KFP_FEAT_<FEAT> has the value of KFP_KIND_<KIND>. */
enum kfp_feat_kind {
#define KFP_X_(kind, feat, value, name) KFP_FEAT_##feat = value,
	KFP_FEATURE_KINDS(KFP_X_)
#undef KFP_X_
};

/* Kernel versions as one comparable number. */
typedef uint32_t kfp_kv;
#define KFP_KV(major, minor) ((kfp_kv)(major) << 16 | (kfp_kv)(minor) << 8)
#define KFP_KV_ALWAYS ((kfp_kv)0)      /* "always": every kernel */
#define KFP_KV_NEVER ((kfp_kv)UINT32_MAX) /* "never": no kernel */
/* Formats a version ("5.10", "always", "never") into buf. */
const char *kfp_kv_str(kfp_kv v, char buf[16]);

/* What every catalog entry has. */
struct kfp_cat_common {
	const char *name;
	const char **aliases; /* NULL-terminated, may be empty */
	kfp_kv exposed_since;
	kfp_kv hideable_since;
	const char *source;
	uint32_t line; /* in the catalog file, for diagnostics */
};

enum kfp_cpuid_reg { KFP_EAX, KFP_EBX, KFP_ECX, KFP_EDX };

struct kfp_cat_cpuid {
	struct kfp_cat_common c;
	uint32_t leaf, subleaf;
	enum kfp_cpuid_reg reg;
	uint8_t bit;
	const struct kfp_cat_cpuid **requires; /* NULL-terminated */
	const struct kfp_cat_xsave **requires_xsave; /* NULL-terminated */
	/* Set by the VMM, never reported by KVM_GET_SUPPORTED_CPUID (the
	 * hypervisor bit, tsc-deadline); a host has it when KVM has
	 * `capability` (0: every KVM host). */
	bool vmm_owned;
	uint32_t capability;
	/* Whole CPUID leaves that describe only this feature (AMX: 0x1D, 0x1E):
	 * the host's when it is exposed, zero when it is hidden. */
	const uint32_t *leaves;
	size_t nleaves;
};

struct kfp_cat_kvm {
	struct kfp_cat_common c;
	uint8_t bit; /* in CPUID 0x40000001 EAX */
};

/* One CPUID bit of a Hyper-V enlightenment (leaves 0x40000000-0x4000000A as
 * KVM_GET_SUPPORTED_HV_CPUID reports them). */
struct kfp_cat_hv_bit {
	uint32_t leaf;
	enum kfp_cpuid_reg reg;
	uint8_t bit;
	const char *define; /* the hyperv-tlfs.h macro */
};

/* A Hyper-V enlightenment, under QEMU's hv-* name: the CPUID bits QEMU sets
 * for it.  Two enlightenments may share a bit (hv-tlbflush and hv-ipi). */
struct kfp_cat_hyperv {
	struct kfp_cat_common c;
	struct kfp_cat_hv_bit *bits;
	size_t nbits;
	const struct kfp_cat_hyperv **requires; /* NULL-terminated */
};

/* A VMX control that KVM hides from an L1 using the enlightened VMCS, on
 * kernels [since, until). */
struct kfp_cat_evmcs_filter {
	const struct kfp_cat_vmx *control;
	kfp_kv since, until;
	const char *source;
	uint32_t line;
};

struct kfp_cat_xsave {
	struct kfp_cat_common c;
	uint8_t bit;
	bool xss; /* supervisor state (IA32_XSS) rather than XCR0 */
	bool kvm_supported;
	const struct kfp_cat_cpuid **requires; /* NULL-terminated */
};

struct kfp_cat_vmx {
	struct kfp_cat_common c;
	uint32_t msr;
	const char *msr_name;
	uint8_t bit; /* in the 64-bit MSR value */
};

struct kfp_cat_msr_bit {
	struct kfp_cat_common c;
	uint8_t bit;
	bool kvm_supported;
	const struct kfp_cat_msr *msr;
};

struct kfp_cat_msr {
	struct kfp_cat_common c;
	uint32_t index;
	struct kfp_cat_msr_bit *bits;
	size_t nbits;
};

/* The direction in which KVM lets a VMM change a field: the table's
 * KFP_FIELD_SAFETY, KFP_SAFE_<SAFE> having the value of KFP_FIELD_<FIELD>. */
enum kfp_safe {
#define KFP_X_(field, safe, value, name) KFP_SAFE_##safe = value,
	KFP_FIELD_SAFETY(KFP_X_)
#undef KFP_X_
};

struct kfp_cat_value {
	const char *name;
	uint64_t value;
};

struct kfp_cat_field {
	struct kfp_cat_common c;
	uint8_t shift, width;
	bool is_signed;
	enum kfp_safe safe;
	struct kfp_cat_value *values;
	size_t nvalues;
	const struct kfp_cat_id_reg *reg;
};

struct kfp_cat_id_reg {
	struct kfp_cat_common c;
	uint8_t op0, op1, crn, crm, op2;
	uint64_t id; /* KVM ONE_REG id */
	struct kfp_cat_field *fields;
	size_t nfields;
};

struct kfp_cat_fw_bit {
	struct kfp_cat_common c;
	uint8_t bit;
	const struct kfp_cat_fw_reg *reg;
};

struct kfp_cat_fw_reg {
	struct kfp_cat_common c;
	uint64_t id;
	bool bitmap;
	struct kfp_cat_fw_bit *bits;
	size_t nbits;
};

struct kfp_cat_vcpu_feature {
	struct kfp_cat_common c;
	uint8_t bit;
	uint32_t capability;
};

/* What makes a register of a feature reachable by the guest. */
enum kfp_reg_gate_kind {
	KFP_REG_GATE_NONE,  /* nothing: a register some kernels list and others not */
	KFP_REG_GATE_FIELD, /* an ID register field other than 0 */
	KFP_REG_GATE_VCPU,  /* a KVM_ARM_VCPU_INIT feature */
};

/* A register that exists only with a feature (feature_registers): its
 * ONE_REG ids are those with (id & mask) == match.  exposed_since: first
 * kernel whose KVM_GET_REG_LIST lists it (given the feature). */
struct kfp_cat_feature_reg {
	struct kfp_cat_common c;
	const char *feature; /* "FEAT_FPMR", "PMUv3" */
	uint64_t match, mask;
	enum kfp_reg_gate_kind gate;
	const struct kfp_cat_field *field;        /* KFP_REG_GATE_FIELD */
	const struct kfp_cat_vcpu_feature *vcpu;  /* KFP_REG_GATE_VCPU */
	bool has_reset;
	uint64_t reset; /* KVM's reset value (sys_regs.c reset_val) */
	uint64_t reset_mask; /* the bits reset speaks for (default all) */
	bool counter;   /* a counter: a kernel without it shows the host's */
};

struct kfp_catalog {
	kfp_kv baseline; /* oldest kernel described (both files agree) */
	/* x86_64 */
	struct kfp_cat_cpuid *cpuid;
	size_t ncpuid;
	struct kfp_cat_kvm *kvm;
	size_t nkvm;
	struct kfp_cat_xsave *xsave;
	size_t nxsave;
	struct kfp_cat_vmx *vmx;
	size_t nvmx;
	struct kfp_cat_msr *msrs;
	size_t nmsrs;
	struct kfp_cat_hyperv *hyperv;
	size_t nhyperv;
	struct kfp_cat_evmcs_filter *evmcs;
	size_t nevmcs;
	kfp_kv hv_enforce_since; /* KVM_CAP_HYPERV_ENFORCE_CPUID */
	const char *hv_enforce_source;
	struct kfp_cat_hv_bit hv_hypercall; /* set whenever Hyper-V is on */
	/* arm64 */
	struct kfp_cat_id_reg *id_regs;
	size_t nid_regs;
	struct kfp_cat_fw_reg *fw_regs;
	size_t nfw_regs;
	struct kfp_cat_vcpu_feature *vcpu;
	size_t nvcpu;
	struct kfp_cat_feature_reg *feature_regs;
	size_t nfeature_regs;
	/* storage */
	void *arena;
	char *dir;
};

/* The directory kfpc reads the catalog from when none is given: $KFP_CATALOG
 * if set, else share/kfp/catalog beside the running program's bin/ (an
 * installed kfpc, wherever its prefix is), else the source tree's
 * compiler/catalog (a build tree), else the configured install path. */
const char *kfp_catalog_default_dir(void);

/* Loads x86_64.yaml and arm64.yaml from dir.  The files are registered in
 * ctx as sources; on failure returns NULL with the error (located in its
 * file when it has a place) queued in ctx, for the caller to print. */
struct kfp_catalog *kfp_catalog_load(struct kfp_ctx *ctx, const char *dir);
/* Same, from in-memory documents (fuzzers, tests), registered under the
 * names x86_64.yaml and arm64.yaml; either may be NULL. */
struct kfp_catalog *kfp_catalog_parse(struct kfp_ctx *ctx, const char *x86, size_t x86_len,
				      const char *arm64, size_t arm64_len);
void kfp_catalog_free(struct kfp_catalog *cat);

/* Name lookups; aliases match too.  NULL if unknown. */
const struct kfp_cat_cpuid *kfp_cat_find_cpuid(const struct kfp_catalog *cat, const char *name);
const struct kfp_cat_kvm *kfp_cat_find_kvm(const struct kfp_catalog *cat, const char *name);
const struct kfp_cat_hyperv *kfp_cat_find_hyperv(const struct kfp_catalog *cat, const char *name);
const struct kfp_cat_xsave *kfp_cat_find_xsave(const struct kfp_catalog *cat, const char *name);
const struct kfp_cat_vmx *kfp_cat_find_vmx(const struct kfp_catalog *cat, const char *name);
const struct kfp_cat_msr *kfp_cat_find_msr(const struct kfp_catalog *cat, const char *name);
const struct kfp_cat_msr_bit *kfp_cat_find_msr_bit(const struct kfp_cat_msr *msr, const char *name);
const struct kfp_cat_id_reg *kfp_cat_find_id_reg(const struct kfp_catalog *cat, const char *name);
const struct kfp_cat_id_reg *kfp_cat_find_id_reg_by_id(const struct kfp_catalog *cat, uint64_t id);
const struct kfp_cat_field *kfp_cat_find_field(const struct kfp_cat_id_reg *reg, const char *name);
const struct kfp_cat_fw_bit *kfp_cat_find_fw_bit(const struct kfp_catalog *cat, const char *name);
const struct kfp_cat_fw_reg *kfp_cat_find_fw_reg_by_id(const struct kfp_catalog *cat, uint64_t id);
const struct kfp_cat_vcpu_feature *kfp_cat_find_vcpu(const struct kfp_catalog *cat, const char *name);
/* The CPUID feature at a bit position, or NULL. */
const struct kfp_cat_cpuid *kfp_cat_cpuid_at(const struct kfp_catalog *cat, uint32_t leaf,
					     uint32_t subleaf, enum kfp_cpuid_reg reg,
					     unsigned bit);

/* The feature a CPUID (leaf, subleaf) describes, if any: the xsave
 * component whose size and offset subleaf 0xD.N (N >= 2) holds, or the
 * CPUID feature whose `leaves` list the leaf.  Sets *xsave or *cpuid (the
 * other NULL); false if the leaf belongs to no one feature. */
bool kfp_cat_leaf_owner(const struct kfp_catalog *cat, uint32_t leaf, uint32_t subleaf,
			const struct kfp_cat_xsave **xsave, const struct kfp_cat_cpuid **cpuid);

/* ONE_REG id of an AArch64 system register. */
static inline uint64_t kfp_arm64_sysreg_id(unsigned op0, unsigned op1, unsigned crn,
					   unsigned crm, unsigned op2)
{
	return KFP_ARM64_SYSREG(op0, op1, crn, crm, op2);
}

const char *kfp_cpuid_reg_name(enum kfp_cpuid_reg reg);

/* True when cat->cpuid[i] is the first catalog entry of its (leaf, subleaf,
 * register): for visiting each feature register once, in catalog order. */
bool kfp_cat_cpuid_first_of_reg(const struct kfp_catalog *cat, size_t i);

#endif
