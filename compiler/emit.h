/* SPDX-License-Identifier: Apache-2.0 */
/* Emitters: C tables for the runtime (kfp/table.h). */
#ifndef KFP_COMPILER_EMIT_H
#define KFP_COMPILER_EMIT_H

#include <stdio.h>

#include "config.h"

/* The C identifier prefix for a policy: "kfp_" + its name, with every
 * character outside [A-Za-z0-9_] turned into '_'.  Caller frees. */
char *kfp_c_prefix(const struct kfp_policy *pol);

/* Writes the tables of every fleet in pol.  `header_name` is what the .c
 * file #includes.  Output is deterministic: the same input gives the same
 * bytes. */
void kfp_emit_c(const struct kfp_policy *pol, const char *header_name, FILE *c_out,
		FILE *h_out);

#endif
