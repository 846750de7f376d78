/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON both verdicts of `kfp apply` print (verify.c on x86_64,
 * verify_arm64.c on arm64): strings, and the fields that name the
 * configuration and the host.
 */
#ifndef KFP_TOOL_JSON_H
#define KFP_TOOL_JSON_H

#include <stdbool.h>
#include <stdio.h>

#include <kfp/table.h>

/* s as a JSON string ("null" for NULL): quotes, backslashes and control
 * characters escaped; other bytes as they are (the policy's sources are
 * UTF-8).  short_escapes: \n, \r and \t as those two-character escapes,
 * else as \u000a and the like, as every other control character. */
void json_string(const char *s, bool short_escapes, FILE *out);

/* The members "policy", "policy_version", "fleet", "identity" and
 * "host_kernel" (kernel), each but the last followed by ",\n  "; strings
 * as json_string() writes them. */
void json_config_members(const struct kfp_config *cfg, const char *kernel, bool short_escapes,
			 FILE *out);

#endif
