/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the arm64 semantic analysis files (sema_arm64*.c). */
#ifndef KFP_SEMA_ARM64_H
#define KFP_SEMA_ARM64_H

#include "sema.h"

/* Plans the registers the fleet pins from its host profiles
 * (sema_arm64_pins.c); none without profiles. */
void kfp_sema_arm64_pins(struct sema *s, struct kfp_fleet *fl);

#endif
