/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to semantic analysis (sema*.c) and its printers. */
#ifndef KFP_COMPILER_SEMA_H
#define KFP_COMPILER_SEMA_H

#include <stdio.h>

#include "config.h"

struct sema {
	struct kfp_ctx *ctx;
	const struct kfp_catalog *cat;
	struct kfp_compile_opts opts;
	struct kfp_profile_cache *cache, *pol_owns_cache;
	struct kfp_policy *pol;
	const struct kfp_node **groups;
	size_t ngroups, groups_cap;
	const struct kfp_node **sections; /* common sections, in source order */
	size_t nsections, sections_cap;
	const struct kfp_node **fleet_nodes;
	size_t nfleet_nodes, fleet_nodes_cap;
};

void kfp_sema_x86(struct sema *s, struct kfp_fleet *fl);
void kfp_sema_arm64(struct sema *s, struct kfp_fleet *fl);

void kfp_sema_sections(struct sema *s, struct kfp_fleet *fl,
		       void (*fn)(struct sema *, struct kfp_fleet *, const struct kfp_node *, bool),
		       void *unused);
void kfp_sema_expand(struct sema *s, const struct kfp_names *names,
		     void (*fn)(struct sema *, const struct kfp_name *, const struct kfp_loc *use, void *),
		     void *arg, const struct kfp_loc *use, unsigned depth);
void kfp_sema_decide(struct sema *s, struct kfp_fleet *fl, struct kfp_feat *f,
		     enum kfp_action act, const struct kfp_loc *loc, bool in_fleet);
void kfp_sema_unknown_name(struct sema *s, const struct kfp_name *nm, const char *what,
			   const struct kfp_cat_common *const *all, size_t n);

/* The first fleet kernel that does not show a feature exposed from
 * `exposed` (0: every fleet kernel shows it). */
kfp_kv kfp_fleet_first_without(const struct kfp_fleet *fl, kfp_kv exposed);
/* The first fleet kernel that shows a feature but cannot hide it (0: none). */
/* The kernel series (major.minor) a host profile's kernel belongs to. */
kfp_kv kfp_profile_kv(const struct kfp_host_profile *p);
kfp_kv kfp_fleet_first_unhideable(const struct kfp_fleet *fl, kfp_kv exposed,
				  kfp_kv hideable);

void kfp_sema_allow_rule(struct sema *s, struct kfp_fleet *fl, struct kfp_feat *f);
void kfp_sema_hide_rule(struct sema *s, struct kfp_fleet *fl, const struct kfp_feat *f);

/* "a.yaml, b.yaml, c.yaml and 5 more": hosts for which pick() is true. */
char *kfp_hosts_phrase(const struct kfp_fleet *fl,
		       bool (*pick)(const struct kfp_host_profile *, const void *),
		       const void *arg, uint32_t *count);

/* Does a host have a feature?  (x86 kinds and hypercalls.) */
bool kfp_host_has_feat(const struct kfp_host_profile *p, const struct kfp_feat *f);


#endif
