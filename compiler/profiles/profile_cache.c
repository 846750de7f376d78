/* SPDX-License-Identifier: Apache-2.0 */
/* Host profiles by content hash (profile_cache.h). */
#include "profile_cache.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/ctx.h"
#include "base/util.h"

struct cache_entry {
	XXH128_hash_t hash;
	struct kfp_profile_cache_entry e;
};

/* Profiles by content hash: an open-addressing table of indexes into v. */
struct kfp_profile_cache {
	struct cache_entry *v;
	size_t n, cap;
	size_t *slots; /* index + 1, 0 = empty; size is a power of two */
	size_t nslots;
};

struct kfp_profile_cache *kfp_profile_cache_new(void)
{
	return kfp_xcalloc(1, sizeof(struct kfp_profile_cache));
}

void kfp_profile_cache_free(struct kfp_profile_cache *cache)
{
	if (!cache)
		return;
	for (size_t i = 0; i < cache->n; i++)
		kfp_profile_free(cache->v[i].e.p);
	free(cache->v);
	free(cache->slots);
	free(cache);
}

/* Host profiles are a few KiB; this bounds a wrong glob. */
#define KFP_MAX_PROFILE_FILE (16u << 20)

/* The value of a profile's top-level `name:` line, unquoted; NULL if none. */
static char *name_line(const char *line, const char *end)
{
	const char *v = line + 5;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	const char *e = end;
	while (e > v && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (e - v >= 2 && (*v == '"' || *v == '\'') && e[-1] == *v) {
		v++;
		e--;
	}
	return e > v ? kfp_xstrndup(v, (size_t)(e - v)) : NULL;
}

static size_t *cache_slot(struct kfp_profile_cache *cache, XXH128_hash_t h)
{
	size_t mask = cache->nslots - 1;
	for (size_t i = (size_t)h.low64 & mask;; i = (i + 1) & mask) {
		size_t *slot = &cache->slots[i];
		if (!*slot || XXH128_isEqual(cache->v[*slot - 1].hash, h))
			return slot;
	}
}

static void cache_grow(struct kfp_profile_cache *cache)
{
	size_t n = cache->nslots ? cache->nslots * 2 : 64;
	free(cache->slots);
	cache->slots = kfp_xcalloc(n, sizeof(*cache->slots));
	cache->nslots = n;
	for (size_t i = 0; i < cache->n; i++)
		*cache_slot(cache, cache->v[i].hash) = i + 1;
}

struct kfp_profile_cache_entry *kfp_profile_cache_load(struct kfp_profile_cache *cache,
						       struct kfp_ctx *ctx, const char *path,
						       const struct kfp_loc *at, char **name)
{
	size_t len;
	char *data = kfp_read_file(path, KFP_MAX_PROFILE_FILE, &len);
	if (!data && errno == EFBIG) {
		kfp_error(ctx, at, "cannot use host profile %s: larger than %u MiB, which no host profile is",
			  path, KFP_MAX_PROFILE_FILE >> 20);
		return NULL;
	}
	if (!data) {
		kfp_error(ctx, at, "cannot use host profile %s: %s", path, strerror(errno));
		return NULL;
	}
	/* Hash everything but the `name:` line. */
	XXH3_state_t *st = XXH3_createState();
	XXH3_128bits_reset(st);
	const char *p = data, *end = data + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		if (strncmp(p, "name:", 5) != 0)
			XXH3_128bits_update(st, p, (size_t)(next - p));
		else if (!*name)
			*name = name_line(p, next);
		p = next;
	}
	XXH128_hash_t h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	if (2 * (cache->n + 1) > cache->nslots)
		cache_grow(cache);
	size_t *slot = cache_slot(cache, h);
	if (*slot) {
		free(data);
		return &cache->v[*slot - 1].e;
	}
	struct kfp_host_profile *prof = kfp_profile_parse(ctx, path, data, len);
	free(data);
	if (!prof)
		return NULL;
	struct cache_entry ce = { .hash = h, .e = { .p = prof } };
	KFP_VEC_PUSH(cache->v, cache->n, cache->cap, ce);
	*slot = cache->n;
	return &cache->v[cache->n - 1].e;
}
