/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to compiler/catalog/: the catalog loader's access to a YAML
 * document.  Each catalog file is read into libyaml's document tree (not
 * the event stream the profile and import readers use: the loader looks
 * entries up by key and comes back to them once every name is known), and
 * each helper reports the first problem through the kfp_ctx queue, located
 * in the file, then does nothing more: callers stop at the first false or
 * NULL.
 */
#ifndef KFP_COMPILER_CATALOG_LOADER_H
#define KFP_COMPILER_CATALOG_LOADER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

#include "catalog.h"

struct kfp_ctx;
struct kfp_source;

/* Every string and array of a catalog, freed at once (kfp_catalog_free). */
struct arena {
	void **v;
	size_t n, cap;
};

struct loader {
	yaml_document_t doc;
	struct kfp_ctx *ctx;
	const struct kfp_source *src; /* the file, registered in ctx */
	struct arena *arena;
	bool failed; /* an error is queued: the load stops */
};

/* n zeroed elements (at least one) or a copy of s, owned by the catalog. */
void *ld_alloc(struct loader *ld, size_t n, size_t size);
char *ld_strdup(struct loader *ld, const char *s);

/* Queues the load's first error at node `at` (NULL: the file's start);
 * later ones are dropped.  Returns false. */
bool ld_fail(struct loader *ld, const yaml_node_t *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* The same at a mark of libyaml's (a syntax error). */
void ld_fail_at(struct loader *ld, const yaml_mark_t *mark, const char *msg);

yaml_node_t *ld_node(struct loader *ld, int id);
/* The text of a scalar node, else NULL. */
const char *ld_scalar(const yaml_node_t *n);

/* A mapping with only the keys of `allowed` (NULL-terminated). */
bool ld_check_keys(struct loader *ld, yaml_node_t *map, const char *const *allowed);
/* The value of key in map, or NULL; ld_need fails when it is missing. */
yaml_node_t *ld_get(struct loader *ld, yaml_node_t *map, const char *key);
yaml_node_t *ld_need(struct loader *ld, yaml_node_t *map, const char *key);

bool ld_to_u64(struct loader *ld, yaml_node_t *n, uint64_t max, uint64_t *out);
bool ld_get_u64(struct loader *ld, yaml_node_t *map, const char *key,
		uint64_t max, uint64_t *out);
bool ld_get_bool(struct loader *ld, yaml_node_t *map, const char *key,
		 bool dflt, bool *out);
/* A copy in the catalog's arena. */
const char *ld_get_str(struct loader *ld, yaml_node_t *map, const char *key);
bool ld_get_kv(struct loader *ld, yaml_node_t *map, const char *key,
	       bool optional, kfp_kv dflt, kfp_kv *out);

size_t ld_seq_len(const yaml_node_t *n);
yaml_node_t *ld_seq_at(struct loader *ld, yaml_node_t *n, size_t i);
/* A sequence, or NULL when it is absent (optional) or empty. */
yaml_node_t *ld_need_seq(struct loader *ld, yaml_node_t *map, const char *key,
			 bool optional);
/* A sequence of strings as a NULL-terminated array (arena). */
const char **ld_get_names(struct loader *ld, yaml_node_t *map, const char *key);

/* name, aliases, source, exposed_since and (if hideable) hideable_since. */
bool ld_common(struct loader *ld, yaml_node_t *m, struct kfp_cat_common *c,
	       bool hideable);
/* Names must be unique within a namespace, aliases included. */
bool ld_unique(struct loader *ld, yaml_node_t *at, const char *kind,
	       const struct kfp_cat_common *const *all, size_t n);

/* ld_unique over an array of catalog entries; returns false from the
 * calling function on a duplicate. */
#define CHECK_UNIQUE(ld, at, kind, arr, n)                                     \
	do {                                                                   \
		const struct kfp_cat_common **c_ = kfp_xcalloc((n) + 1, sizeof(*c_)); \
		for (size_t i_ = 0; i_ < (n); i_++)                            \
			c_[i_] = &(arr)[i_].c;                                 \
		bool ok_ = ld_unique(ld, at, kind, c_, n);                     \
		free(c_);                                                      \
		if (!ok_)                                                      \
			return false;                                          \
	} while (0)

/* The sections of each file, after its top-level keys are checked. */
bool kfp_cat_load_x86(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat);
bool kfp_cat_load_hyperv(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat);
bool kfp_cat_load_arm64(struct loader *ld, yaml_node_t *root, struct kfp_catalog *cat);

#endif
