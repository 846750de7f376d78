/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host profiles: what one host's KVM offers, as `kfp probe` writes it (YAML,
 * documented in docs/host-profile.md) or as imported from a Firecracker
 * cpu-template-helper fingerprint (compiler/importers/fingerprint.h).  The compiler checks policies against
 * them; nothing here knows about policies.
 */
#ifndef KFP_COMPILER_PROFILE_H
#define KFP_COMPILER_PROFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kfp/arm64_regs.h>

#include "base/ctx.h"
#include "base/kver.h"
#include "grammar/ast.h"

#define KFP_PROFILE_FORMAT 1

/* One KVM_GET_SUPPORTED_CPUID entry (struct kvm_cpuid_entry2). */
struct kfp_cpuid_entry {
	uint32_t function, index, flags;
	uint32_t eax, ebx, ecx, edx;
};

/* A register (MSR index, ONE_REG id, capability number) and its value. */
struct kfp_reg_value {
	uint64_t id;
	uint64_t value;
};

struct kfp_host_profile {
	char *path;           /* the file it was read from, for diagnostics */
	char *name;           /* host name */
	enum kfp_arch arch;
	char *kernel_release; /* uname -r */
	struct kfp_kver kernel; /* parsed from kernel_release (loc unset) */
	struct kfp_reg_value *caps; /* KVM_CHECK_EXTENSION results, by cap number */
	size_t ncaps;

	/* x86_64 */
	struct kfp_cpuid_entry *cpuid; /* sorted by (function, index) */
	size_t ncpuid;
	struct kfp_reg_value *msrs; /* feature MSRs incl. VMX caps, sorted by index */
	size_t nmsrs;
	uint32_t xsave_size;  /* KVM_CAP_XSAVE2, 0 if unknown */
	uint64_t xcr0, xss;   /* supported xfeatures (from CPUID 0xD) */
	/* KVM_GET_SUPPORTED_HV_CPUID (0x40000000-0x4000000A, 0x40000080-82),
	 * sorted; has_hv_cpuid false: not recorded (older profiles). */
	bool has_hv_cpuid;
	struct kfp_cpuid_entry *hv_cpuid;
	size_t nhv_cpuid;
	uint16_t evmcs_version; /* KVM_CAP_HYPERV_ENLIGHTENED_VMCS; 0: none */

	/* arm64 */
	uint64_t *reg_list; /* KVM_GET_REG_LIST, sorted */
	size_t nreg_list;
	struct kfp_reg_value *id_regs; /* ID register values, sorted by ONE_REG id */
	size_t nid_regs;
	bool has_writable_masks; /* KVM_ARM_GET_REG_WRITABLE_MASKS worked */
	struct kfp_reg_value *writable_masks; /* by ONE_REG id, sorted */
	size_t nwritable_masks;
	struct kfp_reg_value *fw_regs; /* firmware pseudo-registers, sorted */
	size_t nfw_regs;
	/* The cache description: CLIDR_EL1 and the CCSIDR_EL1 demux
	 * registers, sorted (kfp_arm64_is_cache_reg). */
	struct kfp_reg_value *cache_regs;
	size_t ncache_regs;
	uint32_t vcpu_features; /* bit n: KVM_ARM_VCPU_INIT feature n supported */
};

/* arm64 registers of the cache description (profile key cache_regs):
 * CLIDR_EL1 and CCSIDR_EL1 of each of the 16 CSSELR_EL1 values
 * (<kfp/arm64_regs.h>). */
static inline bool kfp_arm64_is_cache_reg(uint64_t id)
{
	return id == KFP_ARM64_CLIDR_EL1 ||
	       (kfp_arm64_is_ccsidr(id) && (id & 0xff) < KFP_ARM64_NCSSELR);
}

/*
 * Reads a profile (from a file, or from memory under a name).  On failure
 * returns NULL with the error queued in ctx, for the caller to print: the
 * file is then registered in ctx as a source, so that the error is located
 * and quoted like a policy error.
 */
struct kfp_host_profile *kfp_profile_load(struct kfp_ctx *ctx, const char *path);
struct kfp_host_profile *kfp_profile_parse(struct kfp_ctx *ctx, const char *name,
					   const char *data, size_t len);
void kfp_profile_free(struct kfp_host_profile *p);

/* Writes a profile in the YAML format kfp_profile_load reads back without
 * loss.  Returns 0 or -errno. */
int kfp_profile_write(const struct kfp_host_profile *p, FILE *out);

/* Lookups (binary search); NULL if absent. */
/* Sets p->xcr0 and p->xss from the profile's CPUID leaf 0xD, as KVM
 * offers them to a guest (kfp_x86_xsave_mask). */
void kfp_profile_set_xfeatures(struct kfp_host_profile *p);

const struct kfp_cpuid_entry *kfp_profile_cpuid(const struct kfp_host_profile *p,
						uint32_t function, uint32_t index);
/* A Hyper-V leaf (index 0). */
const struct kfp_cpuid_entry *kfp_profile_hv_cpuid(const struct kfp_host_profile *p,
						   uint32_t function);
const struct kfp_reg_value *kfp_profile_msr(const struct kfp_host_profile *p,
					    uint32_t index);
const struct kfp_reg_value *kfp_profile_id_reg(const struct kfp_host_profile *p,
					       uint64_t id);
const struct kfp_reg_value *kfp_profile_fw_reg(const struct kfp_host_profile *p,
					       uint64_t id);
const struct kfp_reg_value *kfp_profile_cache_reg(const struct kfp_host_profile *p,
						  uint64_t id);
const struct kfp_reg_value *kfp_profile_writable_mask(const struct kfp_host_profile *p,
						      uint64_t id);
bool kfp_profile_has_reg(const struct kfp_host_profile *p, uint64_t id);

#endif
