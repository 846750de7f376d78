/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host profiles by content: a cache shared across compilations, so that
 * identical host profiles (the same file but for its `name:` line) are
 * parsed once.
 */
#ifndef KFP_COMPILER_PROFILES_PROFILE_CACHE_H
#define KFP_COMPILER_PROFILES_PROFILE_CACHE_H

#include <stddef.h>

#include "base/ctx.h"
#include "compiler/profiles/profile.h"

struct kfp_profile_cache;

struct kfp_profile_cache_entry {
	struct kfp_host_profile *p;
	/* The cache's user's: semantics keeps the fleet being loaded and the
	 * class this profile forms in it, so that adding a host is O(1). */
	const void *owner;
	size_t index;
};

struct kfp_profile_cache *kfp_profile_cache_new(void);
void kfp_profile_cache_free(struct kfp_profile_cache *cache);

/* The profile of the file at path, parsed only if no file with the same
 * content (but for its `name:` line) was.  *name is set to the file's
 * `name:` value, unquoted (malloc'd; NULL if none), unless it is already
 * set.  NULL on failure, with the error queued in ctx: located in the
 * profile when it cannot be parsed, else at `at` (where the profile is
 * named; NULL: no place).  The entry is valid until the next load. */
struct kfp_profile_cache_entry *kfp_profile_cache_load(struct kfp_profile_cache *cache,
						       struct kfp_ctx *ctx, const char *path,
						       const struct kfp_loc *at, char **name);

#endif
