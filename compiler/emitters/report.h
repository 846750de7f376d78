/* SPDX-License-Identifier: Apache-2.0 */
/* Human-facing reports: explain, diff, and the catalog as a document. */
#ifndef KFP_COMPILER_REPORT_H
#define KFP_COMPILER_REPORT_H

#include <stdio.h>

#include "compiler/semantics/config.h"

/* Why a feature (a name, an alias, or REG.FIELD) is on or off in each
 * fleet.  Returns 0, or -1 if no catalog entry has that name (nothing
 * written: the caller says so; library code never writes to stderr). */
int kfp_explain(const struct kfp_policy *pol, const char *feature, FILE *out);

/* Per fleet of NEW: what changed from OLD and whether VMs can move.
 * Returns 0 when every fleet is identical, 1 otherwise. */
int kfp_diff(const struct kfp_policy *old, const struct kfp_policy *new_pol, FILE *out);

/* The catalog as the kernel matrix (Markdown) or as normalised YAML; arch
 * -1 means both. */
void kfp_catalog_markdown(const struct kfp_catalog *cat, int arch, FILE *out);
void kfp_catalog_yaml(const struct kfp_catalog *cat, int arch, FILE *out);

#endif
