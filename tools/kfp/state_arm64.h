/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfp's vCPU state file (arm64): what `kfp apply --save-state` writes and
 * `kfp verify-state` checks, in the family of the x86 file (state.h).  A
 * text file, one item per line:
 *
 *   kfp-arm64-state 1
 *   identity <32 hex digits>          the fleet's kfp_config.id
 *   kernel <release>                  the source's uname -r
 *   reg <id> <value>                  every register of KVM_GET_REG_LIST
 *
 * Numbers are hex with 0x; a value is the register as one number of
 * KVM_REG_SIZE(id) bytes (an SVE Z register: 512 hex digits).  A VMM
 * carries the same facts in its own migration stream and calls
 * kfp_arm64_verify_state() itself.  Nothing here calls KVM, so it builds
 * (and is tested) on every architecture.
 */
#ifndef KFP_TOOL_STATE_ARM64_H
#define KFP_TOOL_STATE_ARM64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <kfp/kfp.h>

#define ARM64_STATE_REG_BYTES 256 /* KVM_REG_SIZE_U2048 */

struct arm64_state_file {
	bool has_id;
	uint8_t id[16];
	char kernel[65];
	uint32_t nregs;
	struct kfp_arm64_saved_reg regs[KFP_MAX_REG_LIST];
	uint8_t values[KFP_MAX_REG_LIST][ARM64_STATE_REG_BYTES];
};

/* 0, or -1 with a message "FILE:LINE: ..." in err (err_size bytes). */
int arm64_state_read(const char *path, struct arm64_state_file *st, char *err, size_t err_size);
/* values[i] holds KVM_REG_SIZE(ids[i]) bytes as KVM_GET_ONE_REG gave them. */
void arm64_state_write(FILE *out, const uint8_t id[16], const char *kernel, const uint64_t *ids,
		       const uint8_t (*values)[ARM64_STATE_REG_BYTES], uint32_t n);
/* The view kfp_arm64_verify_state takes. */
struct kfp_arm64_state arm64_state_view(const struct arm64_state_file *st);

#endif
