/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the host profile tests (test_profile_*.c) share: the readers with
 * their one error taken from the kfp_ctx, the writer into a string, and the
 * write -> load round trip.
 */
#ifndef KFP_TESTS_PROFILE_TEST_H
#define KFP_TESTS_PROFILE_TEST_H

#include <stddef.h>

#include "compiler/profiles/profile.h"

/* The readers queue their one error in a kfp_ctx, located in the file
 * (registered as a source); the tests compare it as "FILE:LINE:COL: msg",
 * or "msg" where it has no place.  Each returns the profile, or NULL and
 * the error in *err (the caller frees it; err may be NULL for
 * profile_parse). */
struct kfp_host_profile *profile_parse(const char *name, const char *data, size_t len,
				       char **err);
struct kfp_host_profile *profile_load(const char *path, char **err);
struct kfp_host_profile *fingerprint_load(const char *path, const char *name,
					  char **err);
/* profile_parse of a C string, as "t.yaml". */
struct kfp_host_profile *parse_str(const char *text, char **err);

/* kfp_profile_write into a string (the caller frees it). */
char *write_str(const struct kfp_host_profile *p);

/* write -> parse gives the same profile, and writing that gives the same
 * text. */
void assert_round_trip(const struct kfp_host_profile *p);

#endif
