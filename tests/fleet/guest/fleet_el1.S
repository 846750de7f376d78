/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The EL1 guest probe of the fleet tests: a few hundred bytes of arm64 code
 * that the in-guest programs (fleet_policy, fleet_rollback) copy into the
 * memory of a KVM VM and run on its vCPU.  Position independent; MMU off.
 *
 * Each pass writes FLEET_EL1_NRESULTS 64-bit words at code + 0x1000:
 *   - the ID registers as the guest reads them with MRS: (3,0,0,CRm,op2)
 *     for CRm 1..7, op2 0..7 (56 words), then MIDR, MPIDR, REVIDR, CTR_EL0,
 *     CLIDR_EL1, DCZID_EL0, AIDR_EL1, and CCSIDR_EL1 for CSSELR 0..13;
 *   - the x0 of SMCCC calls made with HVC #0 (see fleet_el1.h),
 *   - the pass number (x20, incremented each pass, also kept in v7's low
 *     half) and v7's high half (0xfeed << 48): a vCPU restored elsewhere
 *     continues the count, which proves its registers travelled,
 * then stores FLEET_EL1_DONE to the MMIO address 0x90000000 (an MMIO exit)
 * and starts over, so a vCPU that is saved and restored elsewhere probes
 * again on its next KVM_RUN.  An exception taken to EL1 stores ESR_EL1 at
 * results + 0xff0 and ELR_EL1 to MMIO 0x90000008, and stops.
 */
#include "fleet_el1.h"

	.macro mov32 reg, val
	movz	\reg, #((\val) & 0xffff)
	movk	\reg, #(((\val) >> 16) & 0xffff), lsl #16
	.endm

	/* x0 = func, x1 = arg; hvc; store x0 */
	.macro smccc func, arg=0
	mov32	x0, \func
	mov32	x1, \arg
	mov	x2, #0
	mov	x3, #0
	hvc	#0
	str	x0, [x10], #8
	.endm

	.section .rodata.fleet_el1, "a"
	.balign 4096
	.global fleet_el1_code
	.global fleet_el1_code_end
fleet_el1_code:
entry:
	adr	x9, vectors
	msr	vbar_el1, x9
	mov	x2, #(3 << 20)			/* CPACR_EL1.FPEN: FP/SIMD at EL1 */
	msr	cpacr_el1, x2
	isb
	adr	x10, results
	/* State that only survives in registers: the pass count in x20 and
	 * in v7 (a U128 register), with a constant in v7's upper half. */
	add	x20, x20, #1
	movz	x21, #0xfeed, lsl #48
	ins	v7.d[0], x20
	ins	v7.d[1], x21
	.irp crm, 1, 2, 3, 4, 5, 6, 7
	.irp op2, 0, 1, 2, 3, 4, 5, 6, 7
	mrs	x1, S3_0_C0_C\crm\()_\op2
	str	x1, [x10], #8
	.endr
	.endr
	mrs	x1, midr_el1
	str	x1, [x10], #8
	mrs	x1, mpidr_el1
	str	x1, [x10], #8
	mrs	x1, revidr_el1
	str	x1, [x10], #8
	mrs	x1, ctr_el0
	str	x1, [x10], #8
	mrs	x1, clidr_el1
	str	x1, [x10], #8
	mrs	x1, dczid_el0
	str	x1, [x10], #8
	mrs	x1, aidr_el1
	str	x1, [x10], #8
	.irp sel, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13
	mov	x2, #\sel
	msr	csselr_el1, x2
	isb
	mrs	x1, ccsidr_el1
	str	x1, [x10], #8
	.endr
	smccc	0x84000000			/* PSCI_VERSION */
	smccc	0x80000000			/* SMCCC_VERSION */
	smccc	0x80000001, 0x80008000		/* ARCH_FEATURES(WORKAROUND_1) */
	smccc	0x80000001, 0x80007fff		/* ARCH_FEATURES(WORKAROUND_2) */
	smccc	0x80000001, 0x80003fff		/* ARCH_FEATURES(WORKAROUND_3) */
	smccc	0x80000001, 0xc5000020		/* ARCH_FEATURES(PV_TIME_FEATURES) */
	smccc	0x84000050			/* TRNG_VERSION */
	smccc	0x86000000			/* KVM vendor: FEATURES */
	smccc	0x86000001, 0			/* KVM vendor: PTP (virtual counter) */
	umov	x1, v7.d[0]
	str	x1, [x10], #8
	umov	x1, v7.d[1]
	str	x1, [x10], #8
	mov32	x11, FLEET_EL1_MMIO
	mov32	x12, FLEET_EL1_DONE
	str	x12, [x11]
	b	entry

	.balign 2048
vectors:
	.rept 16
	mrs	x1, esr_el1
	adr	x10, results
	str	x1, [x10, #0xff0]
	mrs	x2, elr_el1
	mov32	x11, FLEET_EL1_MMIO
	str	x2, [x11, #8]
	b	.
	.balign 128
	.endr

	.balign 4096
results:
	.skip	4096
fleet_el1_code_end:

	.section .note.GNU-stack, "", %progbits
