/* SPDX-License-Identifier: Apache-2.0 */
/* The EL1 guest probe (fleet_el1.S): its layout, shared with C. */
#ifndef FLEET_EL1_H
#define FLEET_EL1_H

#define FLEET_EL1_MMIO 0x90000000
#define FLEET_EL1_DONE 0x600d
#define FLEET_EL1_RESULTS_OFF 0x1000 /* results, from the start of the code */
#define FLEET_EL1_ESR_OFF 0x1ff0     /* ESR_EL1 of an unexpected exception */
#define FLEET_EL1_SIZE 0x2000

/* Result words. */
#define FLEET_EL1_ID(crm, op2) ((crm - 1) * 8 + (op2)) /* CRm 1..7 */
#define FLEET_EL1_MIDR 56
#define FLEET_EL1_MPIDR 57
#define FLEET_EL1_REVIDR 58
#define FLEET_EL1_CTR 59
#define FLEET_EL1_CLIDR 60
#define FLEET_EL1_DCZID 61
#define FLEET_EL1_AIDR 62
#define FLEET_EL1_CCSIDR(sel) (63 + (sel)) /* CSSELR 0..13 */
#define FLEET_EL1_HVC 77
#define FLEET_EL1_PSCI_VERSION (FLEET_EL1_HVC + 0)
#define FLEET_EL1_SMCCC_VERSION (FLEET_EL1_HVC + 1)
#define FLEET_EL1_WA1 (FLEET_EL1_HVC + 2)
#define FLEET_EL1_WA2 (FLEET_EL1_HVC + 3)
#define FLEET_EL1_WA3 (FLEET_EL1_HVC + 4)
#define FLEET_EL1_PV_TIME (FLEET_EL1_HVC + 5)
#define FLEET_EL1_TRNG_VERSION (FLEET_EL1_HVC + 6)
#define FLEET_EL1_KVM_FEATURES (FLEET_EL1_HVC + 7)
#define FLEET_EL1_PTP (FLEET_EL1_HVC + 8)
#define FLEET_EL1_PASS (FLEET_EL1_HVC + 9)   /* from v7.d[0] (= x20) */
#define FLEET_EL1_V7HI (FLEET_EL1_HVC + 10)  /* v7.d[1]: FLEET_EL1_V7HI_VALUE */
#define FLEET_EL1_V7HI_VALUE UINT64_C(0xfeed000000000000)
#define FLEET_EL1_NRESULTS (FLEET_EL1_HVC + 11)

#endif
