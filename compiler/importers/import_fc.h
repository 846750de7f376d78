/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kfpc import-firecracker`: a Firecracker custom CPU template (JSON) to a
 * kfp policy with one fleet.  The rules, and what a policy cannot say that a
 * template can (pass-through, forced bits), are in docs/vmm-formats.md.
 */
#ifndef KFP_COMPILER_IMPORT_FC_H
#define KFP_COMPILER_IMPORT_FC_H

#include "compiler/catalog/catalog.h"

struct kfp_ctx;

struct kfp_import_opts {
	const char *name;       /* the policy's and the fleet's name */
	const char *min_kernel; /* "6.1"; NULL: the oldest kernel that works */
	const char *source;     /* what the header comment calls the template */
};

/*
 * Reads the template at path, registered in ctx as a source, and sets
 * *policy to an equivalent policy in canonical form (malloc'd), which passes
 * `kfpc check`.  What the policy cannot express is queued on ctx as
 * warnings, located at the template entry they are about, and explained in
 * comments in the policy.  Returns 0; 1 if the template is malformed or
 * cannot be expressed (for the requested min_kernel), with the reasons
 * queued on ctx; 2 if it cannot be read.
 */
int kfp_import_firecracker(struct kfp_ctx *ctx, const char *path, const struct kfp_catalog *cat,
			   const struct kfp_import_opts *opts, char **policy);

#endif
