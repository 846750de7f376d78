/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the runtime's source files; not installed. */
#ifndef KFP_RUNTIME_INTERNAL_H
#define KFP_RUNTIME_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <kfp/kfp.h>
#include <kfp/x86_regs.h>

/* The library is built with -fvisibility=hidden: only what kfp.h declares
 * is exported, so a shared build keeps the same ABI as the static one. */
#define KFP_API __attribute__((visibility("default")))

/* Adds an item (rep may be NULL).  Never allocates: past KFP_REPORT_MAX
 * items it only counts nlost.  The counters include lost items: an APPLIED
 * item counts in napplied, any other in nproblems. */
void kfp_report_add(struct kfp_report *rep, uint8_t status, const char *name,
		    const struct kfp_src *src, int err, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* (major << 16) | (minor << 8) of a release such as "5.10.0-32-arm64", as
 * kfp_config.min_kernel; 0 if it does not start with MAJOR.MINOR. */
uint32_t kfp_kernel_version(const char *release);
/* The first kernel with hypercall bitmap registers: before it, a kernel's
 * hypercalls are fixed. */
#define KFP_KV_5_19 (UINT32_C(5) << 16 | UINT32_C(19) << 8)

#if defined(__x86_64__)
/* The xsave header, in a KVM_GET_XSAVE(2) buffer. */
#define XSTATE_BV_OFFSET 512
#define XCOMP_BV_OFFSET 520
#define XCOMP_BV_COMPACTED (1ull << 63)
#define XFEATURE_MASK_X87 (1ull << 0)
#define XFEATURE_MASK_SSE (1ull << 1)

/* Bits of a CPUID register that KVM keeps current from the vCPU's state
 * (OSXSAVE, OSPKE, the APIC bit and id, xsave sizes): they say nothing
 * about what a policy let through. */
uint32_t kfp_x86_runtime_bits(uint32_t function, uint32_t index, unsigned reg);
uint64_t kfp_load_le64(const uint8_t *p);

/* Register reg (0 EAX, 1 EBX, 2 ECX, 3 EDX) of a CPUID entry, and its name. */
static inline uint32_t kfp_cpuid_reg(const struct kvm_cpuid_entry2 *e, unsigned reg)
{
	switch (reg) {
	case 0:
		return e->eax;
	case 1:
		return e->ebx;
	case 2:
		return e->ecx;
	}
	return e->edx;
}
extern const char *const kfp_cpuid_reg_names[4];

/* The xfeatures CPUID leaf 0xD offers, from d, its entry of subleaf 0 or
 * 1: those XCR0 may enable from subleaf 0 EDX:EAX, those IA32_XSS may
 * enable from subleaf 1 EDX:ECX.  0 if d is NULL or of another subleaf. */
static inline uint64_t kfp_x86_xfeatures(const struct kvm_cpuid_entry2 *d, uint32_t subleaf)
{
	if (!d || d->index != subleaf)
		return 0;
	return kfp_x86_xsave_mask(subleaf, d->eax, d->ecx, d->edx);
}

/* A name for an MSR the runtime restricts ("IA32_VMX_MISC"), else "MSR". */
const char *kfp_x86_msr_name(uint32_t index);

/* The index of the first supported CPUID entry of `function` (entries are
 * sorted by function, then index), or host->ncpuid. */
uint32_t kfp_host_first_of(const struct kfp_host *host, uint32_t function);
/* KVM_GET_SUPPORTED_HV_CPUID on fd into out (KFP_MAX_HV_CPUID_ENTRIES),
 * sorted.  0 or -errno. */
int kfp_read_hv_cpuid(int fd, struct kvm_cpuid_entry2 *out, uint32_t *n);
#endif

/* The feature row of cfg for a bit, or NULL.  kind KFP_KIND_CPUID also
 * finds KVM paravirtual bits and Hyper-V enlightenments (by their first
 * bit); KFP_KIND_MSR_BIT also finds VMX controls
 * (leaf is the MSR); for KFP_KIND_XSAVE only bit and xss count. */
const struct kfp_feature_row *kfp_feature_find(const struct kfp_config *cfg, uint8_t kind,
					       uint32_t leaf, uint32_t subleaf, uint8_t reg,
					       uint8_t bit, uint8_t xss);
/* The hypercall row for bit `bit` of firmware register `id`, or NULL. */
const struct kfp_feature_row *kfp_feature_find_hypercall(const struct kfp_config *cfg, uint64_t id,
							 uint8_t bit);

/* Where the bits of a register live, to find their feature rows: kind
 * KFP_KIND_CPUID (leaf, subleaf, reg), KFP_KIND_MSR_BIT (leaf is the MSR),
 * KFP_KIND_XSAVE (xss 0 for XCR0, 1 for IA32_XSS, KFP_XSS_EITHER for XCR0's
 * row, else IA32_XSS's) or KFP_KIND_HYPERCALL (id, the firmware register),
 * as kfp_feature_find and kfp_feature_find_hypercall take them. */
struct kfp_bit_site {
	uint8_t kind;
	uint8_t reg;
	uint8_t xss;
	uint32_t leaf, subleaf;
	uint64_t id;
};
#define KFP_XSS_EITHER 2

/* For each set bit of a register, lowest first, the feature it is:
 *
 *	for (uint64_t left = bits; kfp_feature_next_bit(cfg, &site, &left, &bit, &f);)
 *		report bit, whose row is f (NULL if cfg has none);
 *
 * clears the lowest set bit of *bits, stores it in *bit and its row in *f;
 * false once *bits is 0. */
/* Whether a saved state's policy identity (16 bytes, or NULL) is cfg's:
 * 0 if so, else 1, with the refusal reported (report.c; both arches). */
unsigned kfp_state_check_identity(const struct kfp_config *cfg, const uint8_t *id,
				  struct kfp_report *rep);

bool kfp_feature_next_bit(const struct kfp_config *cfg, const struct kfp_bit_site *site,
			  uint64_t *bits, unsigned *bit, const struct kfp_feature_row **f);

/* The feature's own line if the policy mentions it, else fallback. */
static inline const struct kfp_src *kfp_feature_src(const struct kfp_feature_row *f,
						    const struct kfp_src *fallback)
{
	return f && f->src.file ? &f->src : fallback;
}

#endif
