/* SPDX-License-Identifier: Apache-2.0 */
#include "structure.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

struct defs {
	const struct kfp_node **fleets;
	size_t nfleets, fleets_cap;
	const struct kfp_node **groups;
	size_t ngroups, groups_cap;
	const struct kfp_node *policy;
};

static void collect(struct kfp_ctx *ctx, struct defs *d,
		    const struct kfp_unit *unit, bool top)
{
	for (const struct kfp_node *n = unit->stmts; n; n = n->next) {
		switch (n->kind) {
		case KFP_N_POLICY:
			if (!top) {
				kfp_error(ctx, &n->loc,
					  "a 'policy' statement belongs in the top-level file, not in an included one");
			} else if (d->policy) {
				kfp_error(ctx, &n->loc, "second 'policy' statement");
				kfp_note(ctx, &d->policy->loc, "the first one is here");
			} else {
				d->policy = n;
			}
			break;
		case KFP_N_INCLUDE:
			if (n->u.include.unit)
				collect(ctx, d, n->u.include.unit, false);
			break;
		case KFP_N_FLEET:
			for (size_t i = 0; i < d->nfleets; i++)
				if (strcmp(d->fleets[i]->name, n->name) == 0) {
					kfp_error(ctx, &n->name_loc,
						  "fleet \"%s\" is defined twice", n->name);
					kfp_note(ctx, &d->fleets[i]->name_loc,
						 "the first definition is here");
				}
			KFP_VEC_PUSH(d->fleets, d->nfleets, d->fleets_cap, n);
			break;
		case KFP_N_GROUP:
			for (size_t i = 0; i < d->ngroups; i++)
				if (strcmp(d->groups[i]->name, n->name) == 0) {
					kfp_error(ctx, &n->name_loc,
						  "group '%s' is defined twice", n->name);
					kfp_note(ctx, &d->groups[i]->name_loc,
						 "the first definition is here");
				}
			KFP_VEC_PUSH(d->groups, d->ngroups, d->groups_cap, n);
			break;
		default:
			break;
		}
	}
}

static const struct kfp_node *find_group(const struct defs *d, const char *name)
{
	for (size_t i = 0; i < d->ngroups; i++)
		if (strcmp(d->groups[i]->name, name) == 0)
			return d->groups[i];
	return NULL;
}

static void undefined_group(struct kfp_ctx *ctx, const struct defs *d,
			    const struct kfp_name *ref)
{
	const char **names = kfp_xcalloc(d->ngroups + 1, sizeof(*names));
	for (size_t i = 0; i < d->ngroups; i++)
		names[i] = d->groups[i]->name;
	const char *s = kfp_suggest(ref->text, names, d->ngroups);
	if (s)
		kfp_error(ctx, &ref->loc, "undefined group '@%s'; did you mean '@%s'?",
			  ref->text, s);
	else
		kfp_error(ctx, &ref->loc, "undefined group '@%s'", ref->text);
	free(names);
}

/* Depth-first walk of group references; `path` holds the groups being
 * expanded, so meeting one of them again is a cycle. */
static size_t group_index(const struct defs *d, const struct kfp_node *g)
{
	size_t i = 0;
	while (d->groups[i] != g)
		i++;
	return i;
}

static void check_group(struct kfp_ctx *ctx, const struct defs *d,
			const struct kfp_node *g, const struct kfp_node **path,
			size_t depth, bool *in_reported_cycle)
{
	for (size_t i = 0; i < depth; i++) {
		if (path[i] != g)
			continue;
		/* Report each cycle once, at the group where the walk met it. */
		if (in_reported_cycle[group_index(d, g)])
			return;
		kfp_error(ctx, &g->name_loc, "group '%s' includes itself", g->name);
		for (size_t j = i; j < depth; j++) {
			in_reported_cycle[group_index(d, path[j])] = true;
			if (j > i)
				kfp_note(ctx, &path[j]->name_loc, "through group '%s'",
					 path[j]->name);
		}
		return;
	}
	if (depth >= d->ngroups)
		return;
	path[depth] = g;
	for (size_t i = 0; i < g->u.group.n; i++) {
		const struct kfp_name *m = &g->u.group.v[i];
		if (!m->group_ref)
			continue;
		const struct kfp_node *sub = find_group(d, m->text);
		if (sub)
			check_group(ctx, d, sub, path, depth + 1, in_reported_cycle);
	}
}

static void check_names(struct kfp_ctx *ctx, const struct defs *d,
			const struct kfp_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		if (names->v[i].group_ref && !find_group(d, names->v[i].text))
			undefined_group(ctx, d, &names->v[i]);
}

static bool stmt_fits_arch(const struct kfp_node *n, enum kfp_arch arch)
{
	switch (n->kind) {
	case KFP_N_FEATURES:
	case KFP_N_MSR:
	case KFP_N_CPUID:
		return arch == KFP_ARCH_X86_64;
	case KFP_N_ID_REG:
	case KFP_N_VCPU_INIT:
	case KFP_N_HYPERCALLS:
	case KFP_N_FIRMWARE_REGS:
		return arch == KFP_ARCH_ARM64;
	default:
		return true;
	}
}

static const char *stmt_keyword(const struct kfp_node *n)
{
	if (n->kind == KFP_N_FEATURES) {
		if (n->u.features.domain == KFP_DOM_CPUID)
			return kfp_action_name(n->u.features.action);
		return kfp_domain_keyword(n->u.features.domain);
	}
	return kfp_node_kind_name(n->kind);
}

/* Switch names, field names: each at most once per block. */
static void check_unique_children(struct kfp_ctx *ctx, const struct kfp_node *blk,
				  const char *what)
{
	for (const struct kfp_node *a = blk->children; a; a = a->next)
		for (const struct kfp_node *b = a->next; b; b = b->next)
			if (a->name && b->name && strcmp(a->name, b->name) == 0) {
				kfp_error(ctx, &b->name_loc, "%s '%s' is set twice", what,
					  b->name);
				kfp_note(ctx, &a->name_loc, "it is first set here");
				break;
			}
}

static void check_section(struct kfp_ctx *ctx, const struct defs *d,
			  const struct kfp_node *sec)
{
	enum kfp_arch arch = sec->u.arch.arch;
	const struct kfp_node *unknown = NULL, *fw = NULL;

	for (const struct kfp_node *n = sec->children; n; n = n->next) {
		if (!stmt_fits_arch(n, arch)) {
			kfp_error(ctx, &n->loc, "'%s' has no meaning in an %s section",
				  stmt_keyword(n), kfp_arch_name(arch));
			if (n->kind == KFP_N_FEATURES && n->u.features.domain == KFP_DOM_CPUID)
				kfp_note(ctx, &sec->name_loc,
					 "arm64 features are ID-register fields: use 'id_reg NAME { FIELD = VALUE; }'");
			continue;
		}
		switch (n->kind) {
		case KFP_N_FEATURES:
			check_names(ctx, d, &n->u.features.names);
			if (n->u.features.names.n == 0 &&
			    (n->u.features.action != KFP_ACT_DENY ||
			     n->u.features.domain == KFP_DOM_CPUID))
				kfp_error(ctx, &n->loc, "'%s' needs at least one name",
					  kfp_action_name(n->u.features.action));
			break;
		case KFP_N_MSR:
			for (const struct kfp_node *k = n->children; k; k = k->next) {
				check_names(ctx, d, &k->u.features.names);
				if (k->u.features.names.n == 0 &&
				    k->u.features.action != KFP_ACT_DENY)
					kfp_error(ctx, &k->loc, "'%s' needs at least one name",
						  kfp_action_name(k->u.features.action));
			}
			break;
		case KFP_N_CPUID: {
			const char *r = n->u.cpuid.reg;
			if (strcmp(r, "eax") && strcmp(r, "ebx") && strcmp(r, "ecx") &&
			    strcmp(r, "edx"))
				kfp_error(ctx, &n->u.cpuid.reg_loc,
					  "'%s' is not a CPUID register; expected eax, ebx, ecx or edx", r);
			if (n->u.cpuid.leaf.value > UINT32_MAX)
				kfp_error(ctx, &n->u.cpuid.leaf.loc, "a CPUID leaf has 32 bits");
			if (n->u.cpuid.subleaf.value > UINT32_MAX)
				kfp_error(ctx, &n->u.cpuid.subleaf.loc, "a CPUID subleaf has 32 bits");
			if (n->u.cpuid.bit.value > 31)
				kfp_error(ctx, &n->u.cpuid.bit.loc,
					  "bit %llu is out of range; CPUID registers have bits 0 to 31",
					  (unsigned long long)n->u.cpuid.bit.value);
			if (n->u.cpuid.value.value > 1)
				kfp_error(ctx, &n->u.cpuid.value.loc, "a bit can only be 0 or 1");
			break;
		}
		case KFP_N_UNKNOWN:
		case KFP_N_FIRMWARE_REGS: {
			const struct kfp_node **prev = n->kind == KFP_N_UNKNOWN ? &unknown : &fw;
			if (*prev) {
				kfp_error(ctx, &n->loc, "second '%s' rule in this section",
					  kfp_node_kind_name(n->kind));
				kfp_note(ctx, &(*prev)->loc, "the first one is here");
			}
			*prev = n;
			break;
		}
		case KFP_N_ID_REG:
			check_unique_children(ctx, n, "field");
			break;
		case KFP_N_VCPU_INIT:
			check_unique_children(ctx, n, "vcpu_init feature");
			break;
		case KFP_N_HYPERCALLS:
			check_unique_children(ctx, n, "hypercall");
			for (const struct kfp_node *k = n->children; k; k = k->next)
				if (k->u.sw.state == KFP_SWITCH_IMPLICIT_ON)
					kfp_error(ctx, &k->loc,
						  "say 'on' or 'off' for hypercall '%s'", k->name);
			break;
		default:
			break;
		}
	}
}

static void check_fleet(struct kfp_ctx *ctx, const struct defs *d,
			const struct kfp_node *f)
{
	const struct kfp_node *arch = NULL, *min = NULL;

	if (f->name[0] == 0)
		kfp_error(ctx, &f->name_loc, "a fleet needs a name");
	for (const struct kfp_node *n = f->children; n; n = n->next) {
		const struct kfp_node **seen = n->kind == KFP_N_ARCH ? &arch :
					       n->kind == KFP_N_MIN_KERNEL ? &min : NULL;
		if (!seen)
			continue;
		if (*seen) {
			kfp_error(ctx, &n->loc, "fleet \"%s\" sets '%s' twice", f->name,
				  kfp_node_kind_name(n->kind));
			kfp_note(ctx, &(*seen)->loc, "it is first set here");
		}
		*seen = n;
	}
	const struct kfp_node *kernels = NULL;
	for (const struct kfp_node *n = f->children; n; n = n->next) {
		if (n->kind != KFP_N_KERNELS)
			continue;
		if (kernels) {
			kfp_error(ctx, &n->loc, "fleet \"%s\" sets 'kernels' twice", f->name);
			kfp_note(ctx, &kernels->loc, "it is first set here");
		}
		kernels = n;
		for (size_t i = 0; min && i < n->u.kernels.n; i++)
			if (kfp_kver_cmp(&n->u.kernels.v[i], &min->u.min_kernel) < 0) {
				kfp_error(ctx, &n->u.kernels.v[i].loc,
					  "kernel %u.%u is older than the fleet's min_kernel",
					  n->u.kernels.v[i].major, n->u.kernels.v[i].minor);
				kfp_note(ctx, &min->loc, "min_kernel is set here");
			}
		for (size_t i = 1; i < n->u.kernels.n; i++)
			if (kfp_kver_cmp(&n->u.kernels.v[i - 1], &n->u.kernels.v[i]) >= 0)
				kfp_error(ctx, &n->u.kernels.v[i].loc,
					  "list kernels once each, oldest first");
	}
	if (!arch)
		kfp_error(ctx, &f->name_loc,
			  "fleet \"%s\" has no 'arch' (add 'arch x86_64;' or 'arch arm64;')",
			  f->name);
	if (!min)
		kfp_error(ctx, &f->name_loc,
			  "fleet \"%s\" has no 'min_kernel' (the oldest host kernel its VMs must be able to roll back to)",
			  f->name);
	for (const struct kfp_node *n = f->children; n; n = n->next) {
		if (n->kind != KFP_N_SECTION)
			continue;
		if (arch && n->u.arch.arch != arch->u.arch.arch) {
			kfp_error(ctx, &n->name_loc,
				  "an %s section in fleet \"%s\", whose arch is %s",
				  kfp_arch_name(n->u.arch.arch), f->name,
				  kfp_arch_name(arch->u.arch.arch));
			kfp_note(ctx, &arch->loc, "the fleet's arch is set here");
		}
		check_section(ctx, d, n);
	}
}

static void check_unit(struct kfp_ctx *ctx, const struct defs *d,
		       const struct kfp_unit *unit)
{
	for (const struct kfp_node *n = unit->stmts; n; n = n->next) {
		switch (n->kind) {
		case KFP_N_INCLUDE:
			if (n->u.include.unit)
				check_unit(ctx, d, n->u.include.unit);
			break;
		case KFP_N_FLEET:
			check_fleet(ctx, d, n);
			break;
		case KFP_N_GROUP:
			check_names(ctx, d, &n->u.group);
			if (n->u.group.n == 0)
				kfp_error(ctx, &n->name_loc, "group '%s' is empty", n->name);
			break;
		case KFP_N_SECTION:
			check_section(ctx, d, n);
			break;
		default:
			break;
		}
	}
}

unsigned kfp_check_structure(struct kfp_ctx *ctx, const struct kfp_unit *unit)
{
	unsigned before = ctx->errors;
	struct defs d = { 0 };

	collect(ctx, &d, unit, true);
	if (!d.policy) {
		struct kfp_loc at = { .src = unit->src, .line = 1, .col = 1,
				      .end_line = 1, .end_col = 1 };
		kfp_error(ctx, &at,
			  "a policy file starts with 'policy \"NAME\" version N;'");
	}
	check_unit(ctx, &d, unit);
	if (d.ngroups) {
		const struct kfp_node **path = kfp_xcalloc(d.ngroups, sizeof(*path));
		bool *reported = kfp_xcalloc(d.ngroups, sizeof(*reported));
		for (size_t i = 0; i < d.ngroups; i++)
			check_group(ctx, &d, d.groups[i], path, 0, reported);
		free(reported);
		free(path);
	}
	free(d.fleets);
	free(d.groups);
	return ctx->errors - before;
}
