/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The arm64 KVM vocabulary that the compiler, the runtime, the kfp tool and
 * the fleet's guest programs share, spelled out so that it compiles on
 * every architecture (arm64.c is unit-tested on x86_64 against a fake KVM):
 * ONE_REG ids, the feature ID space, the writable masks ioctl and the
 * arithmetic of ID register fields.  <asm/kvm.h> of arm64 has most of the
 * ids, but only on arm64, and headers before 6.7 lack the masks ioctl.
 * Values are checked against the arm64 headers where they exist.
 *
 * libc and <linux/kvm.h> only; everything here is a macro or static inline.
 */
#ifndef KFP_ARM64_REGS_H
#define KFP_ARM64_REGS_H

#include <stdbool.h>
#include <stddef.h> /* offsetof, in arm64's KVM_REG_ARM_CORE_REG */
#include <stdint.h>

#include <linux/ioctl.h>
#include <linux/kvm.h>

/* A system register: op0<<14 | op1<<11 | CRn<<7 | CRm<<3 | op2 (14 bits of
 * encoding with op0 in the top two). */
#define KFP_ARM64_SYSREG_BASE UINT64_C(0x6030000000130000)
#define KFP_ARM64_SYSREG(op0, op1, crn, crm, op2)                                 \
	(KFP_ARM64_SYSREG_BASE | (uint64_t)(op0) << 14 | (uint64_t)(op1) << 11 | \
	 (uint64_t)(crn) << 7 | (uint64_t)(crm) << 3 | (uint64_t)(op2))
/* A firmware pseudo-register (KVM_REG_ARM_FW_REG(n): PSCI version,
 * workarounds) and a hypercall bitmap (KVM_REG_ARM_FW_FEAT_BMAP_REG(n)). */
#define KFP_ARM64_FW_REG(n) (KFP_ARM64_FW_REG_BASE | (uint64_t)(n))
#define KFP_ARM64_FW_BMAP(n) (KFP_ARM64_FW_BMAP_BASE | (uint64_t)(n))
/* KVM_REG_ARM_PSCI_VERSION */
#define KFP_ARM64_PSCI_VERSION KFP_ARM64_FW_REG(0)
/* Firmware pseudo-registers (PSCI version, workarounds) and the hypercall
 * bitmaps (KVM_REG_ARM_FW_FEAT_BMAP_REG(n), since 5.19). */
#define KFP_ARM64_FW_REG_BASE UINT64_C(0x6030000000140000)
#define KFP_ARM64_FW_BMAP_BASE UINT64_C(0x6030000000160000)
/* KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE: struct kvm_regs
 * (user_pt_regs regs[31], sp, pc, pstate, ...) in 32-bit words. */
#define KFP_ARM64_CORE_REG(word) (UINT64_C(0x6030000000100000) | (uint64_t)(word))
#define KFP_ARM64_CORE_X(n) KFP_ARM64_CORE_REG(2 * (n))
#define KFP_ARM64_CORE_PC KFP_ARM64_CORE_REG(2 * 32)
#define KFP_ARM64_CORE_PSTATE KFP_ARM64_CORE_REG(2 * 33)
/* The cache description: CLIDR_EL1 (3,1,0,0,1), and the U32 CCSIDR_EL1
 * of each CSSELR_EL1 value, which KVM gives as the demux registers
 * KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_DEMUX |
 * KVM_REG_ARM_DEMUX_ID_CCSIDR | CSSELR (KVM_REG_ARM_DEMUX_VAL_MASK, 8 bits;
 * the architecture's CSSELR_EL1 has 4 of them that matter). */
#define KFP_ARM64_CLIDR_EL1 KFP_ARM64_SYSREG(3, 1, 0, 0, 1)
#define KFP_ARM64_CCSIDR_BASE UINT64_C(0x6020000000110000)
#define KFP_ARM64_CCSIDR(csselr) (KFP_ARM64_CCSIDR_BASE | (uint64_t)(csselr))
#define KFP_ARM64_NCSSELR 16

static inline bool kfp_arm64_is_ccsidr(uint64_t id)
{
	return (id & ~UINT64_C(0xff)) == KFP_ARM64_CCSIDR_BASE;
}

/* KVM_ARM_VCPU_INIT feature bits (uapi asm/kvm.h). */
#define KFP_ARM64_VCPU_POWER_OFF 0
#define KFP_ARM64_VCPU_EL1_32BIT 1
#define KFP_ARM64_VCPU_PSCI_0_2 2
#define KFP_ARM64_VCPU_PMU_V3 3
#define KFP_ARM64_VCPU_SVE 4
#define KFP_ARM64_VCPU_PTRAUTH_ADDRESS 5
#define KFP_ARM64_VCPU_PTRAUTH_GENERIC 6

/* Capabilities (include/uapi/linux/kvm.h). */
#define KFP_CAP_ARM_EL1_32BIT 93
#define KFP_CAP_ARM_PSCI_0_2 102
#define KFP_CAP_ARM_PMU_V3 126
#define KFP_CAP_ARM_SVE 170
#define KFP_CAP_ARM_PTRAUTH_ADDRESS 171
#define KFP_CAP_ARM_PTRAUTH_GENERIC 172
#define KFP_CAP_ARM_SUPPORTED_REG_MASK_RANGES 230

/* KVM_ARM_GET_REG_WRITABLE_MASKS (VM ioctl, 6.7): range 0 is the feature ID
 * space, 3 * 8 * 8 masks indexed by KFP_ARM64_FEATURE_ID_IDX. */
struct kfp_reg_mask_range {
	uint64_t addr;  /* user pointer to the mask array */
	uint32_t range; /* KVM_ARM_FEATURE_ID_RANGE (0) */
	uint32_t reserved[13];
};
#define KFP_ARM_GET_REG_WRITABLE_MASKS _IOR(KVMIO, 0xb6, struct kfp_reg_mask_range)
#define KFP_ARM64_FEATURE_ID_RANGE_SIZE (3 * 8 * 8)

#if defined(__aarch64__) && defined(KVM_ARM_GET_REG_WRITABLE_MASKS)
_Static_assert(KFP_ARM_GET_REG_WRITABLE_MASKS == KVM_ARM_GET_REG_WRITABLE_MASKS,
	       "KVM_ARM_GET_REG_WRITABLE_MASKS");
#endif
#if defined(__aarch64__) && defined(KVM_REG_ARM_FW_FEAT_BMAP)
_Static_assert(KFP_ARM64_FW_BMAP_BASE ==
		       (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_FW_FEAT_BMAP),
	       "KVM_REG_ARM_FW_FEAT_BMAP");
#endif
#if defined(__aarch64__)
_Static_assert(KFP_ARM64_CORE_PC == (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
				     KVM_REG_ARM_CORE_REG(regs.pc)),
	       "core register pc");
_Static_assert(KFP_ARM64_CCSIDR(0) == (KVM_REG_ARM64 | KVM_REG_SIZE_U32 | KVM_REG_ARM_DEMUX |
				       KVM_REG_ARM_DEMUX_ID_CCSIDR),
	       "CCSIDR_EL1 demux registers");
_Static_assert(KFP_ARM64_CORE_PSTATE == (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
					 KVM_REG_ARM_CORE_REG(regs.pstate)),
	       "core register pstate");
_Static_assert(KFP_ARM64_CORE_X(1) == (KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
				       KVM_REG_ARM_CORE_REG(regs.regs[1])),
	       "core register x1");
#endif

/* The fields of a system register's ONE_REG id. */
struct kfp_sysreg_enc {
	unsigned op0, op1, crn, crm, op2;
};

static inline bool kfp_arm64_is_sysreg(uint64_t id)
{
	return (id & ~UINT64_C(0xffff)) == KFP_ARM64_SYSREG_BASE;
}

static inline struct kfp_sysreg_enc kfp_arm64_sysreg_enc(uint64_t id)
{
	return (struct kfp_sysreg_enc){ (unsigned)(id >> 14 & 3), (unsigned)(id >> 11 & 7),
					(unsigned)(id >> 7 & 15), (unsigned)(id >> 3 & 15),
					(unsigned)(id & 7) };
}

/* The feature ID space of the writable masks: op0 3, op1 0, 1 or 3, CRn 0,
 * CRm 0..7 (sys_regs.c is_feature_id_reg()). */
static inline bool kfp_arm64_in_mask_range(uint64_t id)
{
	struct kfp_sysreg_enc e = kfp_arm64_sysreg_enc(id);
	return kfp_arm64_is_sysreg(id) && e.op0 == 3 && e.crn == 0 && e.crm < 8 &&
	       (e.op1 == 0 || e.op1 == 1 || e.op1 == 3);
}

/* KVM_ARM_FEATURE_ID_RANGE_IDX: op1 3 is stored as 2. */
static inline unsigned kfp_arm64_mask_index(uint64_t id)
{
	struct kfp_sysreg_enc e = kfp_arm64_sysreg_enc(id);
	unsigned op1 = e.op1 == 3 ? 2 : e.op1;
	return op1 << 6 | e.crm << 3 | e.op2;
}

/* The feature ID registers proper: op0 3, op1 0, CRn 0, CRm 1..7.  KVM
 * zeroes the bits of these that the kernel does not describe, so a set bit
 * no catalogued field covers is a feature the policy does not know.  (CRm 0
 * holds MIDR, MPIDR and REVIDR, which describe the CPU.) */
static inline bool kfp_arm64_is_feature_id_reg(uint64_t id)
{
	struct kfp_sysreg_enc e = kfp_arm64_sysreg_enc(id);
	return kfp_arm64_is_sysreg(id) && e.op0 == 3 && e.op1 == 0 && e.crn == 0 && e.crm >= 1 &&
	       e.crm <= 7;
}

static inline bool kfp_arm64_is_fw_bitmap(uint64_t id)
{
	return (id & ~UINT64_C(0xffff)) == KFP_ARM64_FW_BMAP_BASE;
}

/* ---- ID register fields ----------------------------------------------------
 * A field is `width` bits at `shift` (the Arm ARM's ID fields are 4 bits
 * wide; the catalog also describes wider ones).  A signed field is two's
 * complement, so 0xf of a 4-bit field is -1, "not implemented" (FP,
 * AdvSIMD, TGran4); an unsigned one counts up from 0.  As the kernel's
 * cpuid_feature_extract_{signed,unsigned}_field_width()
 * (arch/arm64/include/asm/cpufeature.h). */

/* The `width` low bits set. */
static inline uint64_t kfp_arm64_field_mask(unsigned width)
{
	return width >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << width) - 1;
}

/* The raw value of the field at shift/width of register value reg. */
static inline uint64_t kfp_arm64_field_get(uint64_t reg, unsigned shift, unsigned width)
{
	return reg >> shift & kfp_arm64_field_mask(width);
}

/* reg with the field at shift/width replaced by v (cut to the field). */
static inline uint64_t kfp_arm64_field_put(uint64_t reg, unsigned shift, unsigned width,
					   uint64_t v)
{
	uint64_t m = kfp_arm64_field_mask(width) << shift;
	return (reg & ~m) | (v << shift & m);
}

/* The value of a raw field: sign-extended from bit width - 1 when the
 * field is signed, else as it is.  Only the `width` low bits of raw count. */
static inline int64_t kfp_arm64_field_value(uint64_t raw, unsigned width, bool is_signed)
{
	uint64_t m = kfp_arm64_field_mask(width);
	if (width >= 64)
		return (int64_t)raw;
	raw &= m;
	if (is_signed && (raw >> (width - 1) & 1))
		return (int64_t)(raw | ~m);
	return (int64_t)raw;
}

/* -1, 0 or 1 comparing two raw values of a field in the field's order. */
static inline int kfp_arm64_field_cmp(uint64_t a, uint64_t b, unsigned width, bool is_signed)
{
	int64_t x, y;
	if (!is_signed)
		return a < b ? -1 : a > b;
	x = kfp_arm64_field_value(a, width, true);
	y = kfp_arm64_field_value(b, width, true);
	return x < y ? -1 : x > y;
}

/* Whether raw value a of a field is lower than or equal to b. */
static inline bool kfp_arm64_field_le(uint64_t a, uint64_t b, unsigned width, bool is_signed)
{
	return kfp_arm64_field_cmp(a, b, width, is_signed) <= 0;
}

#endif
