/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firecracker cpu-template-helper fingerprints (JSON) as host profiles
 * (compiler/profiles/profile.h).
 */
#ifndef KFP_COMPILER_IMPORTERS_FINGERPRINT_H
#define KFP_COMPILER_IMPORTERS_FINGERPRINT_H

#include "compiler/profiles/profile.h"

/* Converts a Firecracker cpu-template-helper fingerprint (JSON) into a
 * profile.  The host name is taken from `name`, else from the file name.
 * NULL on failure, with the error queued in ctx (located in the file,
 * which is then registered in ctx as a source). */
struct kfp_host_profile *kfp_profile_from_fingerprint(struct kfp_ctx *ctx, const char *path,
						      const char *name);

#endif
