/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structural checks on a loaded policy: what the grammar accepts but a
 * policy may not say (a statement in the wrong architecture, a fleet without
 * an arch, a duplicate definition, an undefined or cyclic group).  Name
 * resolution against the catalog comes after this pass.
 */
#ifndef KFP_COMPILER_STRUCTURE_H
#define KFP_COMPILER_STRUCTURE_H

#include "grammar/ast.h"

/* Returns the number of errors queued by this pass. */
unsigned kfp_check_structure(struct kfp_ctx *ctx, const struct kfp_unit *unit);

#endif
