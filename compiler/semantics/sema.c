/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Semantic analysis: from a checked syntax tree to one resolved
 * configuration per fleet.
 *
 * For each fleet, the common section(s) of its arch apply first and then
 * the fleet's own sections, which may only narrow them.  Every name is
 * resolved against the catalog; every feature gets a verdict (default deny,
 * denied, exposed, or dropped because hosts lack it or because something it
 * needs is not exposed).  Then the kernel rules run against the fleet's
 * kernels: nothing may be exposed that an older fleet kernel does not show,
 * and nothing may be hidden that a fleet kernel shows but cannot hide.
 */
#include "sema.h"

#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "base/util.h"

/* ---- kernels ---- */

static kfp_kv kv_of(const struct kfp_kver *v)
{
	unsigned minor = v->minor > 255 ? 255 : v->minor;
	return KFP_KV(v->major > 255 ? 255 : v->major, minor);
}

kfp_kv kfp_profile_kv(const struct kfp_host_profile *p)
{
	return kv_of(&p->kernel);
}

kfp_kv kfp_fleet_first_without(const struct kfp_fleet *fl, kfp_kv exposed)
{
	if (exposed == KFP_KV_NEVER)
		return fl->kernels ? fl->kernels[0] : fl->min;
	if (!fl->kernels)
		return exposed > fl->min ? fl->min : 0;
	for (size_t i = 0; i < fl->nkernels; i++)
		if (fl->kernels[i] < exposed)
			return fl->kernels[i];
	return 0;
}

kfp_kv kfp_fleet_first_unhideable(const struct kfp_fleet *fl, kfp_kv exposed,
				  kfp_kv hideable)
{
	if (hideable == KFP_KV_ALWAYS || exposed == KFP_KV_NEVER)
		return 0;
	if (!fl->kernels) {
		kfp_kv k = exposed > fl->min ? exposed : fl->min;
		return k < hideable ? k : 0;
	}
	for (size_t i = 0; i < fl->nkernels; i++)
		if (exposed <= fl->kernels[i] && fl->kernels[i] < hideable)
			return fl->kernels[i];
	return 0;
}

/* A host of kernel series k that shows the feature. */
static bool series_shows(const struct kfp_fleet *fl, kfp_kv k, kfp_host_shows_fn shows,
			 const void *arg, struct kfp_shown *sh)
{
	for (size_t c = 0; c < fl->nclasses; c++) {
		const struct kfp_host_profile *p = fl->classes[c].p;
		if (kfp_profile_kv(p) == k && shows(p, arg)) {
			*sh = (struct kfp_shown){ k, fl->classes[c].names[0], p->kernel_release };
			return true;
		}
	}
	return false;
}

bool kfp_fleet_kernel_shows(const struct kfp_fleet *fl, kfp_kv k, kfp_kv exposed,
			    kfp_host_shows_fn shows, const void *arg, struct kfp_shown *sh)
{
	if (exposed != KFP_KV_NEVER && exposed <= k)
		return true;
	return series_shows(fl, k, shows, arg, sh);
}

kfp_kv kfp_fleet_first_without_shown(const struct kfp_fleet *fl, kfp_kv exposed,
				     kfp_host_shows_fn shows, const void *arg,
				     struct kfp_shown *sh)
{
	*sh = (struct kfp_shown){ 0 };
	if (!fl->kernels) {
		kfp_kv k = kfp_fleet_first_without(fl, exposed);
		return k && series_shows(fl, k, shows, arg, sh) ? 0 : k;
	}
	for (size_t i = 0; i < fl->nkernels; i++) {
		struct kfp_shown h;
		if (!kfp_fleet_kernel_shows(fl, fl->kernels[i], exposed, shows, arg, &h))
			return fl->kernels[i];
		if (h.host && !sh->host)
			*sh = h;
	}
	return 0;
}

kfp_kv kfp_fleet_first_unhideable_shown(const struct kfp_fleet *fl, kfp_kv exposed,
					kfp_kv hideable, kfp_host_shows_fn shows,
					const void *arg, struct kfp_shown *sh)
{
	*sh = (struct kfp_shown){ 0 };
	kfp_kv first = kfp_fleet_first_unhideable(fl, exposed, hideable);
	if (hideable == KFP_KV_ALWAYS)
		return 0;
	/* Fleet kernels the catalog says do not show it, whose hosts do. */
	for (size_t c = 0; c < fl->nclasses; c++) {
		const struct kfp_host_profile *p = fl->classes[c].p;
		kfp_kv k = kfp_profile_kv(p);
		bool in_fleet = false;
		for (size_t i = 0; fl->kernels && i < fl->nkernels; i++)
			in_fleet |= fl->kernels[i] == k;
		if (!fl->kernels)
			in_fleet = k >= fl->min;
		if (!in_fleet || k >= hideable || (exposed != KFP_KV_NEVER && exposed <= k) ||
		    (first && first <= k) || !shows(p, arg))
			continue;
		first = k;
		*sh = (struct kfp_shown){ k, fl->classes[c].names[0], p->kernel_release };
	}
	return first;
}

/* ---- host profiles ---- */

static void add_host(struct kfp_fleet *fl, struct kfp_profile_cache_entry *e, const char *name)
{
	/* The entry's owner is the fleet being loaded and its index the class
	 * the profile forms there.  A cache outlives fleets: a new fleet can
	 * sit where a freed one was, so check that the class really is this
	 * profile's. */
	if (e->owner != fl || e->index >= fl->nclasses || fl->classes[e->index].p != e->p) {
		struct kfp_host_class nc = { .p = e->p };
		KFP_VEC_PUSH(fl->classes, fl->nclasses, fl->classes_cap, nc);
		e->owner = fl;
		e->index = fl->nclasses - 1;
	}
	struct kfp_host_class *c = &fl->classes[e->index];
	KFP_VEC_PUSH(c->names, c->n, c->cap, kfp_xstrdup(name));
	fl->nhosts++;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A host and the profile that describes it. */
struct host_file {
	const char *host, *path;
};

static int cmp_host_file(const void *a, const void *b)
{
	const struct host_file *x = a, *y = b;
	int c = strcmp(x->host, y->host);
	return c ? c : strcmp(x->path, y->path);
}

/* Two profiles of one host (a copied file) would count it twice: every
 * "all hosts" and "N hosts lack it" would be wrong. */
static void check_duplicate_hosts(struct sema *s, const struct kfp_fleet *fl,
				  struct host_file *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp_host_file);
	for (size_t i = 1; i < n; i++)
		if (!strcmp(v[i - 1].host, v[i].host))
			kfp_error(s->ctx, fl->hosts_loc.src ? &fl->hosts_loc : NULL,
				  "host profiles %s and %s both describe host \"%s\" of fleet \"%s\": a host is counted once, so remove one",
				  v[i - 1].path, v[i].path, v[i].host, fl->name);
}

static void load_hosts(struct sema *s, struct kfp_fleet *fl)
{
	struct kfp_ctx *ctx = s->ctx;
	const char **paths = NULL;
	size_t n = 0, cap = 0;

	if (s->opts.hosts_dir) {
		char *pat = kfp_xasprintf("%s/*.yaml", s->opts.hosts_dir);
		glob_t g;
		if (glob(pat, 0, NULL, &g) == 0) {
			for (size_t i = 0; i < g.gl_pathc; i++)
				KFP_VEC_PUSH(paths, n, cap, kfp_xstrdup(g.gl_pathv[i]));
			globfree(&g);
		}
		if (n == 0)
			kfp_error(ctx, NULL, "no host profiles (*.yaml) in %s", s->opts.hosts_dir);
		free(pat);
	} else {
		for (const struct kfp_node *k = fl->node->children; k; k = k->next) {
			if (k->kind != KFP_N_HOSTS)
				continue;
			if (!fl->hosts_loc.src)
				fl->hosts_loc = k->loc;
			/* Relative to the file that says it. */
			const char *file = k->loc.src->path;
			const char *slash = strrchr(file, '/');
			char *pat = k->name[0] == '/' || !slash
					    ? kfp_xstrdup(k->name)
					    : kfp_xasprintf("%.*s/%s", (int)(slash - file), file, k->name);
			glob_t g;
			int rc = glob(pat, GLOB_ERR, NULL, &g);
			if (rc == 0) {
				for (size_t i = 0; i < g.gl_pathc; i++)
					KFP_VEC_PUSH(paths, n, cap, kfp_xstrdup(g.gl_pathv[i]));
				globfree(&g);
			} else {
				kfp_error(ctx, &k->name_loc, "no host profiles match '%s'", pat);
				kfp_note(ctx, &k->loc,
					 "write them with 'kfp probe -o FILE' on each host, or remove this line to compile without host checks");
			}
			free(pat);
		}
	}
	if (n)
		qsort(paths, n, sizeof(*paths), cmp_str);
	struct host_file *hosts = kfp_xcalloc(n + 1, sizeof(*hosts));
	size_t nhosts = 0;
	for (size_t i = 0; i < n; i++) {
		char *name = NULL;
		struct kfp_profile_cache_entry *e = kfp_profile_cache_load(
			s->cache, ctx, paths[i], fl->hosts_loc.src ? &fl->hosts_loc : NULL, &name);
		struct kfp_host_profile *p = e ? e->p : NULL;
		if (!p) {
			/* queued by the cache */
		} else if (p->arch != fl->arch) {
			kfp_error(ctx, fl->hosts_loc.src ? &fl->hosts_loc : NULL,
				  "host profile %s is for %s, but fleet \"%s\" is %s", paths[i],
				  kfp_arch_name(p->arch), fl->name, kfp_arch_name(fl->arch));
		} else {
			/* Hosts are named by their profile's name (the file when
			 * it has none): stable across machines and checkouts. */
			const char *hn = name ? name : paths[i];
			kfp_kv hk = kv_of(&p->kernel);
			char a[16], b[16];
			if (fl->min && hk < fl->min)
				kfp_warning(ctx, fl->hosts_loc.src ? &fl->hosts_loc : &fl->min_loc,
					    "host %s runs kernel %s, older than fleet \"%s\"'s min_kernel %s",
					    hn, kfp_kv_str(hk, a), fl->name, kfp_kv_str(fl->min, b));
			add_host(fl, e, hn);
			const struct kfp_host_class *c = &fl->classes[e->index];
			hosts[nhosts++] = (struct host_file){ c->names[c->n - 1], paths[i] };
		}
		free(name);
	}
	check_duplicate_hosts(s, fl, hosts, nhosts);
	free(hosts);
	for (size_t i = 0; i < n; i++)
		free((void *)paths[i]);
	free(paths);
}

/* `vendors` names the CPU vendors of a fleet's hosts, where the arch has
 * them (its descriptor's vendors()). */
static void check_vendors(struct sema *s, struct kfp_fleet *fl, const struct kfp_sema_arch *arch)
{
	const struct kfp_node *vn = NULL;
	for (const struct kfp_node *k = fl->node->children; k; k = k->next)
		if (k->kind == KFP_N_VENDORS) {
			if (vn) {
				kfp_error(s->ctx, &k->loc, "fleet \"%s\" sets 'vendors' twice", fl->name);
				kfp_note(s->ctx, &vn->loc, "it is first set here");
			}
			vn = k;
		}
	if (arch->vendors)
		arch->vendors(s, fl, vn);
	else if (vn)
		kfp_error(s->ctx, &vn->loc,
			  "'vendors' is for x86_64 fleets: it names the CPU vendors of their hosts");
}

/* Names up to three hosts of a list, "a, b, c and 5 more". */
char *kfp_hosts_phrase(const struct kfp_fleet *fl,
		       bool (*pick)(const struct kfp_host_profile *, const void *),
		       const void *arg, uint32_t *count)
{
	size_t total = 0, shown = 0;
	char *out = kfp_xstrdup("");
	for (size_t i = 0; i < fl->nclasses; i++) {
		const struct kfp_host_class *c = &fl->classes[i];
		if (!pick(c->p, arg))
			continue;
		for (size_t j = 0; j < c->n; j++, total++) {
			if (shown == 3)
				continue;
			char *next = kfp_xasprintf("%s%s%s", out, shown ? ", " : "", c->names[j]);
			free(out);
			out = next;
			shown++;
		}
	}
	if (total > shown) {
		char *next = kfp_xasprintf("%s and %zu more", out, total - shown);
		free(out);
		out = next;
	}
	if (count)
		*count = (uint32_t)total;
	return out;
}

/* ---- features ---- */

const char *kfp_feat_kind_name(enum kfp_feat_kind kind)
{
	return kfp_feature_kind_name(kind);
}

const char *kfp_verdict_name(enum kfp_verdict v)
{
	static const char *const names[] = {
		[KFP_V_DEFAULT_DENY] = "hidden (default deny)",
		[KFP_V_DENIED] = "hidden (denied)",
		[KFP_V_EXPOSED] = "exposed",
		[KFP_V_LACKING] = "hidden (hosts lack it)",
		[KFP_V_NEEDS] = "hidden (needs a hidden feature)",
	};
	return names[v];
}

bool kfp_feat_exposed(const struct kfp_feat *f)
{
	return f->verdict == KFP_V_EXPOSED;
}

/* One kfp_feat per catalog entry of the fleet's arch, in catalog order, so
 * that a catalog pointer maps to its kfp_feat by arithmetic. */
static void init_feats(struct sema *s, struct kfp_fleet *fl, const struct kfp_sema_arch *arch)
{
	size_t n = arch->feats(s->cat, NULL);
	fl->feats = kfp_xcalloc(n + 1, sizeof(*fl->feats));
	fl->nfeats = arch->feats(s->cat, fl->feats);
}

struct kfp_feat *kfp_fleet_feat(const struct kfp_fleet *fl, enum kfp_feat_kind kind,
				const void *cat)
{
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].kind == kind && fl->feats[i].cat == cat)
			return &fl->feats[i];
	return NULL;
}

/* Records one allow/deny/require of a feature in the current scope. */
void kfp_sema_decide(struct sema *s, struct kfp_fleet *fl, struct kfp_feat *f,
		     enum kfp_action act, const struct kfp_loc *loc, bool in_fleet)
{
	struct kfp_ctx *ctx = s->ctx;
	bool deny = act == KFP_ACT_DENY;

	if (!in_fleet) {
		if (f->common_mentioned && (f->common_action == KFP_ACT_DENY) != deny) {
			kfp_error(ctx, loc, "'%s' is both %s and %s", f->c->name,
				  deny ? "allowed" : "denied", deny ? "denied" : "allowed");
			kfp_note(ctx, &f->common_loc, "it is %s here",
				 deny ? "allowed" : "denied");
			return;
		}
		if (!f->common_mentioned || act == KFP_ACT_REQUIRE ||
		    f->common_action == KFP_ACT_DENY) {
			f->common_action = act;
			if (!f->common_mentioned || act == KFP_ACT_REQUIRE)
				f->common_loc = *loc;
		}
		f->common_mentioned = true;
		f->mentioned = true;
		f->action = f->common_action;
		f->loc = f->common_loc;
		return;
	}
	if (f->in_fleet && (f->action == KFP_ACT_DENY) != deny) {
		kfp_error(ctx, loc, "'%s' is both %s and %s in fleet \"%s\"", f->c->name,
			  deny ? "allowed" : "denied", deny ? "denied" : "allowed", fl->name);
		kfp_note(ctx, &f->loc, "it is %s here", deny ? "allowed" : "denied");
		return;
	}
	if (!deny && !(f->common_mentioned && f->common_action != KFP_ACT_DENY)) {
		kfp_error(ctx, loc,
			  "a fleet section can only narrow the common %s section, which does not allow '%s'",
			  kfp_arch_name(fl->arch), f->c->name);
		if (f->common_mentioned)
			kfp_note(ctx, &f->common_loc, "the common section denies it here");
		else
			kfp_note(ctx, loc, "allow it in the common %s section, and deny it in the fleets that must not have it",
				 kfp_arch_name(fl->arch));
		return;
	}
	if (f->in_fleet && act != KFP_ACT_REQUIRE)
		return; /* a repeat */
	f->in_fleet = true;
	f->mentioned = true;
	f->action = act;
	f->loc = *loc;
}

/* Group expansion: calls fn for every name, groups flattened.  `use` is the
 * location in the statement (a group reference's location for its members). */
void kfp_sema_expand(struct sema *s, const struct kfp_names *names,
		     void (*fn)(struct sema *, const struct kfp_name *, const struct kfp_loc *use, void *),
		     void *arg, const struct kfp_loc *use, unsigned depth)
{
	for (size_t i = 0; i < names->n; i++) {
		const struct kfp_name *nm = &names->v[i];
		const struct kfp_loc *at = use ? use : &nm->loc;
		if (!nm->group_ref) {
			fn(s, nm, at, arg);
			continue;
		}
		const struct kfp_node *g = NULL;
		for (size_t k = 0; k < s->ngroups; k++)
			if (!strcmp(s->groups[k]->name, nm->text))
				g = s->groups[k];
		/* Undefined and cyclic groups were reported by the structure
		 * pass; the depth bound stops a cycle here. */
		if (g && depth < 32)
			kfp_sema_expand(s, &g->u.group, fn, arg, at, depth + 1);
	}
}

/* "did you mean", over a domain's names and aliases. */
void kfp_sema_unknown_name(struct sema *s, const struct kfp_name *nm, const char *what,
			   const struct kfp_cat_common *const *all, size_t n)
{
	size_t cap = n * 4 + 1, k = 0;
	const char **cands = kfp_xcalloc(cap, sizeof(*cands));
	for (size_t i = 0; i < n; i++) {
		cands[k++] = all[i]->name;
		for (size_t a = 0; all[i]->aliases && all[i]->aliases[a] && k < cap; a++)
			cands[k++] = all[i]->aliases[a];
	}
	const char *sug = kfp_suggest(nm->text, cands, k);
	if (sug)
		kfp_error(s->ctx, &nm->loc, "unknown %s '%s'; did you mean '%s'?", what,
			  nm->text, sug);
	else
		kfp_error(s->ctx, &nm->loc, "unknown %s '%s'", what, nm->text);
	free(cands);
}

/* ---- fleets ---- */

static void collect_defs(struct sema *s, const struct kfp_unit *unit)
{
	for (const struct kfp_node *n = unit->stmts; n; n = n->next) {
		switch (n->kind) {
		case KFP_N_POLICY:
			if (!s->pol->name) {
				s->pol->name = n->name;
				s->pol->version = n->u.policy.version.value;
			}
			break;
		case KFP_N_INCLUDE:
			if (n->u.include.unit)
				collect_defs(s, n->u.include.unit);
			break;
		case KFP_N_GROUP:
			KFP_VEC_PUSH(s->groups, s->ngroups, s->groups_cap, n);
			break;
		case KFP_N_SECTION:
			KFP_VEC_PUSH(s->sections, s->nsections, s->sections_cap, n);
			break;
		case KFP_N_FLEET:
			KFP_VEC_PUSH(s->fleet_nodes, s->nfleet_nodes, s->fleet_nodes_cap, n);
			break;
		default:
			break;
		}
	}
}

static void setup_fleet(struct sema *s, struct kfp_fleet *fl, const struct kfp_node *node)
{
	fl->node = node;
	fl->name = node->name;
	for (const struct kfp_node *k = node->children; k; k = k->next) {
		if (k->kind == KFP_N_ARCH)
			fl->arch = k->u.arch.arch;
		if (k->kind == KFP_N_MIN_KERNEL) {
			fl->min_kernel = k->u.min_kernel;
			fl->min = kv_of(&k->u.min_kernel);
			fl->min_loc = k->loc;
		}
		if (k->kind == KFP_N_KERNELS && k->u.kernels.n) {
			fl->nkernels = k->u.kernels.n;
			fl->kernels = kfp_xcalloc(fl->nkernels, sizeof(*fl->kernels));
			for (size_t i = 0; i < fl->nkernels; i++)
				fl->kernels[i] = kv_of(&k->u.kernels.v[i]);
			fl->kernels_loc = k->loc;
		}
	}
	fl->unknown = KFP_UNKNOWN_DENY;
	fl->fw_unknown = KFP_UNKNOWN_ZERO;
	if (fl->min && fl->min < s->cat->baseline) {
		char b[16];
		kfp_error(s->ctx, &fl->min_loc,
			  "min_kernel is older than %s, the oldest kernel the catalog describes",
			  kfp_kv_str(s->cat->baseline, b));
	}
}

/* Calls fn for each section that applies to the fleet: common ones first. */
void kfp_sema_sections(struct sema *s, struct kfp_fleet *fl,
		       void (*fn)(struct sema *, struct kfp_fleet *, const struct kfp_node *, bool),
		       void *unused)
{
	(void)unused;
	for (size_t i = 0; i < s->nsections; i++)
		if (s->sections[i]->u.arch.arch == fl->arch) {
			if (!fl->section_loc.src)
				fl->section_loc = s->sections[i]->name_loc;
			fn(s, fl, s->sections[i], false);
		}
	for (const struct kfp_node *k = fl->node->children; k; k = k->next)
		if (k->kind == KFP_N_SECTION && k->u.arch.arch == fl->arch) {
			if (!fl->section_loc.src)
				fl->section_loc = k->name_loc;
			fn(s, fl, k, true);
		}
	if (!fl->section_loc.src)
		fl->section_loc = fl->node->name_loc;
}

static void identity(struct kfp_fleet *fl, const struct kfp_policy *pol)
{
	/* The canonical content: everything the tables carry, without source
	 * locations, in a fixed order. */
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	kfp_dump_fleet(pol, fl, mem, false);
	fclose(mem);
	XXH128_hash_t h = XXH3_128bits(text, len);
	XXH128_canonical_t c;
	XXH128_canonicalFromHash(&c, h);
	memcpy(fl->id, c.digest, 16);
	free(text);
}

struct kfp_policy *kfp_compile(struct kfp_ctx *ctx, const struct kfp_unit *unit,
			       const struct kfp_catalog *cat,
			       const struct kfp_compile_opts *opts)
{
	struct sema s = { .ctx = ctx, .cat = cat };
	if (opts)
		s.opts = *opts;
	s.cache = s.opts.cache ? s.opts.cache : kfp_profile_cache_new();
	s.pol = kfp_xcalloc(1, sizeof(*s.pol));
	s.pol->unit = unit;
	s.pol->cat = cat;
	collect_defs(&s, unit);

	bool found = !s.opts.fleet;
	s.pol->fleets = kfp_xcalloc(s.nfleet_nodes + 1, sizeof(*s.pol->fleets));
	for (size_t i = 0; i < s.nfleet_nodes; i++) {
		if (s.opts.fleet && strcmp(s.opts.fleet, s.fleet_nodes[i]->name))
			continue;
		found = true;
		struct kfp_fleet *fl = &s.pol->fleets[s.pol->nfleets++];
		kfp_ctx_enter_fleet(ctx, s.fleet_nodes[i]->name, &s.fleet_nodes[i]->loc);
		setup_fleet(&s, fl, s.fleet_nodes[i]);
		const struct kfp_sema_arch *arch = kfp_sema_arch(fl->arch);
		load_hosts(&s, fl);
		check_vendors(&s, fl, arch);
		init_feats(&s, fl, arch);
		arch->resolve(&s, fl);
		kfp_ctx_leave_fleet(ctx);
	}
	if (!found) {
		const char **names = kfp_xcalloc(s.nfleet_nodes + 1, sizeof(*names));
		for (size_t i = 0; i < s.nfleet_nodes; i++)
			names[i] = s.fleet_nodes[i]->name;
		const char *sug = kfp_suggest(s.opts.fleet, names, s.nfleet_nodes);
		kfp_error(ctx, NULL, "the policy has no fleet \"%s\"%s%s%s", s.opts.fleet,
			  sug ? "; did you mean \"" : "", sug ? sug : "", sug ? "\"?" : "");
		free(names);
	}
	if (s.nfleet_nodes == 0)
		kfp_warning(ctx, NULL, "the policy defines no fleet, so it compiles to nothing");
	for (size_t i = 0; i < s.pol->nfleets; i++)
		identity(&s.pol->fleets[i], s.pol);

	if (!s.opts.cache)
		s.pol_owns_cache = s.cache;
	s.pol->cache = s.pol_owns_cache;
	free(s.groups);
	free(s.sections);
	free(s.fleet_nodes);
	return s.pol;
}

void kfp_policy_free(struct kfp_policy *pol)
{
	if (!pol)
		return;
	for (size_t i = 0; i < pol->nfleets; i++) {
		struct kfp_fleet *fl = &pol->fleets[i];
		for (size_t c = 0; c < fl->nclasses; c++) {
			for (size_t j = 0; j < fl->classes[c].n; j++)
				free((void *)fl->classes[c].names[j]);
			free(fl->classes[c].names);
		}
		free(fl->classes);
		free(fl->feats);
		free(fl->raw);
		free(fl->kernels);
		for (size_t r = 0; r < fl->nregs; r++)
			free(fl->regs[r].fields);
		free(fl->regs);
		free(fl->pins);
	}
	free(pol->fleets);
	kfp_profile_cache_free(pol->cache);
	free(pol);
}

const struct kfp_fleet *kfp_policy_fleet(const struct kfp_policy *pol, const char *name)
{
	for (size_t i = 0; i < pol->nfleets; i++)
		if (!strcmp(pol->fleets[i].name, name))
			return &pol->fleets[i];
	return NULL;
}
