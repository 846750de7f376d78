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

/* What semantic analysis asks of an architecture (sema_arch.c). */
struct kfp_sema_arch {
	/* Fills v with one kfp_feat per catalog entry of the arch, in
	 * catalog order, and returns how many (v NULL: only counts them). */
	size_t (*feats)(const struct kfp_catalog *cat, struct kfp_feat *v);
	/* Checks the fleet's `vendors` statement (vn, NULL if none) against
	 * its hosts; NULL if the arch has no CPU vendors to name. */
	void (*vendors)(struct sema *s, struct kfp_fleet *fl, const struct kfp_node *vn);
	/* Resolves the fleet's sections and runs the arch's rules. */
	void (*resolve)(struct sema *s, struct kfp_fleet *fl);
};

const struct kfp_sema_arch *kfp_sema_arch(enum kfp_arch arch);

void kfp_sema_x86(struct sema *s, struct kfp_fleet *fl);
/* The Hyper-V kernel rules of an x86_64 fleet (sema_hyperv.c). */
void kfp_sema_hyperv_rules(struct sema *s, struct kfp_fleet *fl);
void kfp_sema_x86_vendors(struct sema *s, struct kfp_fleet *fl, const struct kfp_node *vn);
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
/* The kernel series (major.minor) a host profile's kernel belongs to. */
kfp_kv kfp_profile_kv(const struct kfp_host_profile *p);
/* The first fleet kernel that shows a feature but cannot hide it (0: none). */
kfp_kv kfp_fleet_first_unhideable(const struct kfp_fleet *fl, kfp_kv exposed,
				  kfp_kv hideable);

/* What the fleet's hosts show wins over the catalog for their kernels: a
 * fleet kernel shows a feature when the catalog says so (from `exposed`)
 * or when a fleet host of that kernel series shows it (a vendor kernel
 * with backports, or one that does not hide what Debian's hides).  The
 * functions below are kfp_fleet_first_without() and
 * kfp_fleet_first_unhideable() with that correction; *sh names the host
 * whose kernel the correction came from (sh->host NULL if none). */
struct kfp_shown {
	kfp_kv since;        /* its kernel series */
	const char *host;    /* its name */
	const char *release; /* its kernel release */
};
typedef bool (*kfp_host_shows_fn)(const struct kfp_host_profile *, const void *);
kfp_kv kfp_fleet_first_without_shown(const struct kfp_fleet *fl, kfp_kv exposed,
				     kfp_host_shows_fn shows, const void *arg,
				     struct kfp_shown *sh);
kfp_kv kfp_fleet_first_unhideable_shown(const struct kfp_fleet *fl, kfp_kv exposed,
					kfp_kv hideable, kfp_host_shows_fn shows,
					const void *arg, struct kfp_shown *sh);
/* Does a fleet kernel show the feature, by the catalog or its hosts? */
bool kfp_fleet_kernel_shows(const struct kfp_fleet *fl, kfp_kv k, kfp_kv exposed,
			    kfp_host_shows_fn shows, const void *arg, struct kfp_shown *sh);
/* Does a host show an ID-register field (a value other than the 0 that a
 * kernel that does not show it reads)?  arg is the kfp_cat_field. */
bool kfp_host_shows_field(const struct kfp_host_profile *p, const void *field);

void kfp_sema_allow_rule(struct sema *s, struct kfp_fleet *fl, struct kfp_feat *f);
void kfp_sema_hide_rule(struct sema *s, struct kfp_fleet *fl, const struct kfp_feat *f);

/* "a.yaml, b.yaml, c.yaml and 5 more": hosts for which pick() is true. */
char *kfp_hosts_phrase(const struct kfp_fleet *fl,
		       bool (*pick)(const struct kfp_host_profile *, const void *),
		       const void *arg, uint32_t *count);

/* Does a host have a feature?  (x86 kinds and hypercalls.) */
bool kfp_host_has_feat(const struct kfp_host_profile *p, const struct kfp_feat *f);
/* The same, as a kfp_hosts_phrase() predicate; arg is the kfp_feat. */
bool kfp_host_shows_feat(const struct kfp_host_profile *p, const void *feat);


#endif
