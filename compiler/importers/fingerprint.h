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
 * NULL and *err on failure. */
struct kfp_host_profile *kfp_profile_from_fingerprint(const char *path,
						      const char *name, char **err);

#endif
