/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime tables of a fleet (kfp/table.h), built in memory.  This is the
 * one place that turns a resolved fleet into tables: the C emitter prints
 * them and the kfp tool applies them, so a VMM that compiles tables in gets
 * exactly what `kfp apply` tested.
 */
#ifndef KFP_COMPILER_TABLES_H
#define KFP_COMPILER_TABLES_H

#include <kfp/table.h>

#include "compiler/semantics/config.h"

/* Strings in the result point into the policy's sources and catalog: free
 * it before them. */
struct kfp_config *kfp_build_config(const struct kfp_policy *pol, const struct kfp_fleet *fl);
void kfp_config_free(struct kfp_config *cfg);

#endif
