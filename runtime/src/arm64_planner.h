/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the arm64 planner's files (arm64.c, arm64_fw.c); not installed. */
#ifndef KFP_RUNTIME_ARM64_PLANNER_H
#define KFP_RUNTIME_ARM64_PLANNER_H

#include <stdbool.h>
#include <stdint.h>

#include <kfp/kfp.h>

/* What plan_* share: the configuration, the plan and the kernel. */
struct planner {
	const struct kfp_config *cfg;
	struct kfp_arm64_plan *plan;
	int vcpu_fd;
	struct kfp_report *rep;
	char kernel[65]; /* uname -r, for reports */
	uint32_t kver;   /* its version as in kfp_config.min_kernel; 0 if unknown */
	unsigned problems;
};

/* arm64.c: ONE_REG access, the register list and the planned writes. */
/* The bytes KVM copies for register id (KVM_REG_SIZE). */
unsigned kfp_arm64_reg_bytes(uint64_t id);
/* KVM_GET_ONE_REG of a register of up to 64 bits; 0 or -errno. */
int kfp_arm64_one_reg_get(int vcpu_fd, uint64_t id, uint64_t *value, struct kfp_report *rep,
			  const char *name, const struct kfp_src *src);
/* Whether KVM_GET_REG_LIST listed id. */
bool kfp_arm64_listed(const struct kfp_arm64_plan *plan, uint64_t id);
int kfp_arm64_get_reg(struct planner *p, uint64_t id, uint64_t *value, const char *name,
		      const struct kfp_src *src);
/* Appends a write to the plan; -E2BIG past KFP_MAX_ARM64_WRITES. */
int kfp_arm64_add_write(struct planner *p, uint64_t id, uint64_t value, uint64_t old,
			const char *name, const struct kfp_src *src);

/* arm64_fw.c: firmware registers and pins. */
int kfp_arm64_plan_fw_reg(struct planner *p, const struct kfp_fw_reg_row *row);
int kfp_arm64_plan_unknown_fw_regs(struct planner *p);
bool kfp_arm64_pin_valid(const struct kfp_pin_row *pin);
const struct kfp_pin_row *kfp_arm64_find_pin(const struct kfp_arm64_config *a, uint64_t id);
int kfp_arm64_plan_pins(struct planner *p, bool firmware);

#endif
