/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Policies of the runtime tests (test_x86.c, test_arm64.c), compiled
 * in-process by the real compiler against the default catalog, which the
 * group setup loads.
 */
#ifndef KFP_TESTS_RUNTIME_POLICY_H
#define KFP_TESTS_RUNTIME_POLICY_H

#include <stdint.h>

#include <kfp/kfp.h>

#include "compiler/semantics/config.h"
#include "grammar/parse.h"

struct policy {
	const char *file; /* "test.kfp", or the path of compile_file() */
	struct kfp_ctx ctx;
	struct kfp_unit *unit;
	struct kfp_policy *pol;
	struct kfp_config *cfg;
	char text[4096];
};

/* Host profiles for the next compilation (NULL: none). */
extern const char *policy_hosts_dir;

/* The cmocka group setup and teardown: load and free the catalog. */
int policy_group_setup(void **state);
int policy_group_teardown(void **state);

/* The policy `text` as test.kfp, compiled: its first fleet's
 * configuration, or a test failure with the diagnostics. */
const struct kfp_config *compile_text(struct policy *p, const char *text);
/* The same for the policy file at `path`. */
const struct kfp_config *compile_file(struct policy *p, const char *path);
/* The diagnostics (to free) of a policy that parses but must not compile. */
char *compile_errors(struct policy *p, const char *text);
void policy_free(struct policy *p);

/* Line and column of the first `needle` in the policy text. */
void where(const struct policy *p, const char *needle, uint32_t *line, uint32_t *col);

#endif
