/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kfp apply` on arm64: the guest program that reads ID registers with MRS,
 * and what it read against what the policy says, field by field.  Nothing
 * here calls KVM, so it builds (and is tested) on every architecture; the
 * KVM side is arm64.c.
 */
#ifndef KFP_TOOL_VERIFY_ARM64_H
#define KFP_TOOL_VERIFY_ARM64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kfp/table.h>

/* Guest physical layout: code at ARM64_GUEST_GPA, the exception vectors
 * ARM64_GUEST_VECTORS further on; stores to the MMIO addresses (no
 * memslot) exit to the tool with KVM_EXIT_MMIO. */
#define ARM64_GUEST_GPA UINT64_C(0x80000000)
#define ARM64_GUEST_MEM_SIZE 0x10000
#define ARM64_GUEST_VECTORS 0x800 /* VBAR_EL1 must be 2 KiB aligned */
#define ARM64_MMIO_VALUE UINT64_C(0x90000000) /* x1: one store per register read */
#define ARM64_MMIO_DONE UINT64_C(0x90000008)  /* x2: the program ended */
#define ARM64_MMIO_FAULT UINT64_C(0x90000010) /* x3: an exception, with ESR_EL1 */
/* Registers the program can read: its code must end before the vectors. */
#define ARM64_GUEST_MAX_READS ((ARM64_GUEST_VECTORS / 4 - 2) / 2)

/* `MRS X<rt>, <sysreg>` for a ONE_REG system register id. */
uint32_t arm64_mrs(uint64_t id, unsigned rt);

/* Writes the guest program into mem (ARM64_GUEST_MEM_SIZE bytes, mapped
 * at ARM64_GUEST_GPA): for each id `mrs x0, id; str x0, [x1]`, then
 * `str xzr, [x2]`; every exception vector stores ESR_EL1 to [x3].  The
 * caller sets x1, x2, x3, VBAR_EL1 and the PC.  -1 if n is too large. */
int arm64_guest_program(void *mem, const uint64_t *ids, size_t n);

/* What the tool observed, per row of the configuration (same order as
 * cfg->arm64->id_regs, fw_regs and pins). */
struct arm64_observed_reg {
	bool listed;    /* KVM_GET_REG_LIST has it */
	uint64_t host;  /* KVM_GET_ONE_REG before the apply (0 if not listed) */
	bool read;      /* the guest read it */
	uint64_t guest; /* what MRS returned */
};

struct arm64_observed_fw {
	bool present;   /* KVM has the register */
	uint64_t host;  /* before the apply */
	uint64_t kvm;   /* KVM_GET_ONE_REG after the apply */
};

struct arm64_field_view {
	const struct kfp_id_reg_row *reg;
	const struct kfp_id_field_row *field; /* NULL: a register without fields, or its unknown bits */
	uint64_t host, expected, guest; /* field values (whole registers for NULL) */
	bool observed;                  /* the guest read the register */
	bool pinned;                    /* a register without fields the fleet pins */
	bool mismatch;
};

struct arm64_fw_view {
	const struct kfp_fw_reg_row *row;
	const struct arm64_observed_fw *obs;
	bool mismatch;
};

/* A pinned register (CLIDR_EL1, CCSIDR_EL1[n], PSCI_VERSION): KVM must
 * hold the fleet's value after the apply. */
struct arm64_pin_view {
	const struct kfp_pin_row *row;
	const struct arm64_observed_fw *obs;
	bool mismatch;
};

struct arm64_verdict {
	const struct kfp_config *cfg;
	const char *kernel; /* uname -r */
	struct arm64_field_view *fields;
	size_t nfields;
	struct arm64_fw_view *fw;
	size_t nfw;
	struct arm64_pin_view *pins;
	size_t npins;
	unsigned mismatches, nchecked, nchanged, nregs_read;
	unsigned unknown_zero; /* unknown bits are expected to read 0 */
};

/* Compares.  regs has cfg->arm64->nid_regs entries, fw nfw_regs, pins
 * npins (may be NULL when there are none).  A register without fields
 * that the fleet pins (CLIDR_EL1) must read the pinned value. */
void arm64_verify(struct arm64_verdict *v, const struct kfp_config *cfg,
		  const struct arm64_observed_reg *regs, const struct arm64_observed_fw *fw,
		  const struct arm64_observed_fw *pins);
void arm64_verdict_free(struct arm64_verdict *v);

/* A readable table: fields the policy mentions, fields whose guest value
 * differs from the host's, mismatches (all with show_all), the hypercall
 * bitmaps, the pinned registers, then each mismatch and a verdict line. */
void arm64_verdict_print_table(const struct arm64_verdict *v, bool show_all, FILE *out);
/* A JSON document with every field. */
void arm64_verdict_print_json(const struct arm64_verdict *v, FILE *out);

#endif
