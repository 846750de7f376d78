/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The catalog loader's document access (loader.h): typed reads of libyaml's
 * document tree, each of which queues the load's first error, located in
 * its file like a policy error, and the arena the catalog lives in.
 */
#include "loader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/util.h"

/* ---- arena: every string and array of a catalog, freed at once ---- */

void *ld_alloc(struct loader *ld, size_t n, size_t size)
{
	void *p = kfp_xcalloc(n ? n : 1, size);
	KFP_VEC_PUSH(ld->arena->v, ld->arena->n, ld->arena->cap, p);
	return p;
}

char *ld_strdup(struct loader *ld, const char *s)
{
	char *p = ld_alloc(ld, strlen(s) + 1, 1);
	memcpy(p, s, strlen(s));
	return p;
}

/* ---- errors ---- */

/* The byte offset of a libyaml mark, whose column counts characters. */
static size_t mark_off(const struct kfp_source *src, const yaml_mark_t *m)
{
	return kfp_source_offset(src, m->line, m->column);
}

static struct kfp_loc mark_loc(const struct kfp_source *src, const yaml_mark_t *start,
			       const yaml_mark_t *end)
{
	size_t off = mark_off(src, start), end_off = mark_off(src, end);
	size_t bol = off, end_bol = end_off;
	while (bol > 0 && src->buf[bol - 1] != '\n')
		bol--;
	while (end_bol > 0 && src->buf[end_bol - 1] != '\n')
		end_bol--;
	if (end_off < off)
		end_off = off;
	return (struct kfp_loc){
		.src = src,
		.line = (uint32_t)start->line + 1,
		.col = (uint32_t)(off - bol) + 1,
		.end_line = (uint32_t)end->line + 1,
		.end_col = (uint32_t)(end_off - end_bol),
		.off = (uint32_t)off,
		.end_off = (uint32_t)end_off,
	};
}

static void fail_loc(struct loader *ld, const yaml_mark_t *start, const yaml_mark_t *end,
		     const char *msg)
{
	/* No node: the file as a whole, shown at its start. */
	static const yaml_mark_t top;
	if (ld->failed)
		return;
	ld->failed = true;
	struct kfp_loc loc = mark_loc(ld->src, start ? start : &top, end ? end : &top);
	kfp_error(ld->ctx, &loc, "%s", msg);
}

bool ld_fail(struct loader *ld, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = kfp_xvasprintf(fmt, ap);
	va_end(ap);
	fail_loc(ld, at ? &at->start_mark : NULL, at ? &at->end_mark : NULL, msg);
	free(msg);
	return false;
}

void ld_fail_at(struct loader *ld, const yaml_mark_t *mark, const char *msg)
{
	fail_loc(ld, mark, mark, msg);
}

/* ---- document access ---- */

yaml_node_t *ld_node(struct loader *ld, int id)
{
	return yaml_document_get_node(&ld->doc, id);
}

const char *ld_scalar(const yaml_node_t *n)
{
	return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

/* Checks that a mapping has only the allowed keys (NULL-terminated). */
bool ld_check_keys(struct loader *ld, yaml_node_t *map, const char *const *allowed)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return ld_fail(ld, map, "expected a mapping");
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = ld_node(ld, p->key);
		const char *key = ld_scalar(k);
		bool ok = false;
		for (size_t i = 0; key && allowed[i]; i++)
			ok |= strcmp(key, allowed[i]) == 0;
		if (!ok) {
			size_t n = 0;
			while (allowed[n])
				n++;
			const char *s = key ? kfp_suggest(key, allowed, n) : NULL;
			return ld_fail(ld, k, "unknown key '%s'%s%s%s", key ? key : "?",
				       s ? "; did you mean '" : "", s ? s : "", s ? "'?" : "");
		}
	}
	return true;
}

yaml_node_t *ld_get(struct loader *ld, yaml_node_t *map, const char *key)
{
	if (!map || map->type != YAML_MAPPING_NODE)
		return NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const char *k = ld_scalar(ld_node(ld, p->key));
		if (k && strcmp(k, key) == 0)
			return ld_node(ld, p->value);
	}
	return NULL;
}

yaml_node_t *ld_need(struct loader *ld, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = ld_get(ld, map, key);
	if (!n)
		ld_fail(ld, map, "missing key '%s'", key);
	return n;
}

bool ld_to_u64(struct loader *ld, yaml_node_t *n, uint64_t max, uint64_t *out)
{
	const char *s = ld_scalar(n);
	if (!s)
		return ld_fail(ld, n, "expected an integer");
	errno = 0;
	char *end;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long long v = strtoull(s, &end, hex ? 16 : 10);
	if (!*s || *end || errno || s[0] == '-')
		return ld_fail(ld, n, "expected an integer, not '%s'", s);
	if (v > max)
		return ld_fail(ld, n, "%s is out of range (at most %llu)", s,
			       (unsigned long long)max);
	*out = v;
	return true;
}

bool ld_get_u64(struct loader *ld, yaml_node_t *map, const char *key,
		uint64_t max, uint64_t *out)
{
	yaml_node_t *n = ld_need(ld, map, key);
	return n && ld_to_u64(ld, n, max, out);
}

bool ld_get_bool(struct loader *ld, yaml_node_t *map, const char *key,
		 bool dflt, bool *out)
{
	yaml_node_t *n = ld_get(ld, map, key);
	*out = dflt;
	if (!n)
		return true;
	const char *s = ld_scalar(n);
	if (s && !strcmp(s, "true"))
		*out = true;
	else if (s && !strcmp(s, "false"))
		*out = false;
	else
		return ld_fail(ld, n, "expected true or false");
	return true;
}

const char *ld_get_str(struct loader *ld, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = ld_need(ld, map, key);
	const char *s = ld_scalar(n);
	if (n && !s)
		ld_fail(ld, n, "'%s' must be a string", key);
	return s ? ld_strdup(ld, s) : NULL;
}

static bool to_kv(struct loader *ld, yaml_node_t *n, kfp_kv *out)
{
	const char *s = ld_scalar(n);
	unsigned major, minor;
	char tail;
	if (s && !strcmp(s, "always"))
		*out = KFP_KV_ALWAYS;
	else if (s && !strcmp(s, "never"))
		*out = KFP_KV_NEVER;
	else if (s && sscanf(s, "%u.%u%c", &major, &minor, &tail) == 2 &&
		 major < 256 && minor < 256)
		*out = KFP_KV(major, minor);
	else
		return ld_fail(ld, n, "expected a kernel version (\"6.1\"), \"always\" or \"never\"");
	return true;
}

bool ld_get_kv(struct loader *ld, yaml_node_t *map, const char *key,
	       bool optional, kfp_kv dflt, kfp_kv *out)
{
	yaml_node_t *n = optional ? ld_get(ld, map, key) : ld_need(ld, map, key);
	if (!n) {
		*out = dflt;
		return optional;
	}
	return to_kv(ld, n, out);
}

size_t ld_seq_len(const yaml_node_t *n)
{
	return n && n->type == YAML_SEQUENCE_NODE
		       ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start)
		       : 0;
}

yaml_node_t *ld_seq_at(struct loader *ld, yaml_node_t *n, size_t i)
{
	return ld_node(ld, n->data.sequence.items.start[i]);
}

yaml_node_t *ld_need_seq(struct loader *ld, yaml_node_t *map, const char *key,
			 bool optional)
{
	yaml_node_t *n = optional ? ld_get(ld, map, key) : ld_need(ld, map, key);
	const char *s = ld_scalar(n);
	/* "key:" with nothing after it is YAML's null: an empty list. */
	if (s && (!*s || !strcmp(s, "~") || !strcmp(s, "null")))
		return NULL;
	if (n && n->type != YAML_SEQUENCE_NODE) {
		ld_fail(ld, n, "'%s' must be a sequence", key);
		return NULL;
	}
	return n;
}

/* Reads a sequence of strings into a NULL-terminated array (arena). */
const char **ld_get_names(struct loader *ld, yaml_node_t *map, const char *key)
{
	yaml_node_t *n = ld_need_seq(ld, map, key, true);
	size_t len = ld_seq_len(n);
	const char **v = ld_alloc(ld, len + 1, sizeof(*v));
	for (size_t i = 0; i < len; i++) {
		const char *s = ld_scalar(ld_seq_at(ld, n, i));
		if (!s) {
			ld_fail(ld, ld_seq_at(ld, n, i), "expected a name");
			return v;
		}
		v[i] = ld_strdup(ld, s);
	}
	return v;
}

bool ld_common(struct loader *ld, yaml_node_t *m, struct kfp_cat_common *c,
	       bool hideable)
{
	c->name = ld_get_str(ld, m, "name");
	c->aliases = ld_get_names(ld, m, "aliases");
	c->source = ld_get_str(ld, m, "source");
	c->line = (uint32_t)m->start_mark.line + 1;
	if (!ld_get_kv(ld, m, "exposed_since", false, 0, &c->exposed_since))
		return false;
	if (hideable && !ld_get_kv(ld, m, "hideable_since", false, 0, &c->hideable_since))
		return false;
	if (!hideable)
		c->hideable_since = KFP_KV_ALWAYS;
	return !ld->failed;
}

/* Names must be unique within a namespace, aliases included. */
bool ld_unique(struct loader *ld, yaml_node_t *at, const char *kind,
	       const struct kfp_cat_common *const *all, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		for (size_t x = 0; x == 0 || all[i]->aliases[x - 1]; x++) {
			const char *a = x == 0 ? all[i]->name : all[i]->aliases[x - 1];
			if (!a)
				break;
			for (size_t j = i; j < n; j++) {
				/* Within one entry, only compare later names. */
				size_t from = j == i ? x + 1 : 0;
				for (size_t y = from; y == 0 || all[j]->aliases[y - 1]; y++) {
					const char *b = y == 0 ? all[j]->name : all[j]->aliases[y - 1];
					if (!b)
						break;
					if (!strcmp(a, b))
						return ld_fail(ld, at, "%s name '%s' is used twice (lines %u and %u)",
							       kind, a, all[i]->line, all[j]->line);
				}
			}
		}
	}
	return true;
}
