/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86 KVM vocabulary that the compiler, the runtime and the kfp tool
 * share: what CPUID leaf 0xD says of the xsave features, the one derivation
 * of the masks XCR0 and IA32_XSS may hold.
 *
 * libc only; everything here is a macro or static inline.
 */
#ifndef KFP_X86_REGS_H
#define KFP_X86_REGS_H

#include <stdint.h>

/* CPUID leaf 0xD: subleaf 0 lists the user xfeatures (XCR0) in EDX:EAX,
 * subleaf 1 the supervisor ones (IA32_XSS) in EDX:ECX. */
#define KFP_X86_CPUID_XSAVE 0xdu
#define KFP_X86_XSAVE_SUBLEAF_XCR0 0u
#define KFP_X86_XSAVE_SUBLEAF_XSS 1u

/* The xfeatures a CPUID.(0xD, subleaf) result offers: XCR0's from subleaf
 * 0, IA32_XSS's from subleaf 1. */
static inline uint64_t kfp_x86_xsave_mask(uint32_t subleaf, uint32_t eax, uint32_t ecx,
					  uint32_t edx)
{
	return (uint64_t)edx << 32 | (subleaf == KFP_X86_XSAVE_SUBLEAF_XSS ? ecx : eax);
}

#endif
