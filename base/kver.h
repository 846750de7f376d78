/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel versions: as a policy writes them (6.1) and as uname -r gives them
 * ("6.1.172-216.amzn2023.x86_64"). */
#ifndef KFP_BASE_KVER_H
#define KFP_BASE_KVER_H

#include <stdbool.h>
#include <stdint.h>

#include "base/ctx.h"

/* A kernel version such as 5.10 or 6.1.0. */
struct kfp_kver {
	uint32_t major, minor, patch;
	unsigned parts; /* 2 or 3, as written */
	struct kfp_loc loc;
};

/* Parses "6.1.172-216.amzn2023.x86_64" into 6.1.172 (loc unset).  Returns
 * false if the string does not start with MAJOR.MINOR. */
bool kfp_kver_parse(const char *s, struct kfp_kver *out);

#endif
