/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Loading a policy: a file and the files it includes.  Includes are followed
 * depth first; a stack of the files being loaded detects cycles, and a list
 * of every file loaded makes a repeated include a no-op.  Files are told
 * apart by device and inode, so two spellings of one path are one file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "parse.h"
#include "base/util.h"

/* Deep include chains are almost certainly a mistake; this also bounds the
 * recursion. */
#define KFP_MAX_INCLUDE_DEPTH 32

struct file_id {
	dev_t dev;
	ino_t ino;
	const struct kfp_source *src;
};

struct loader {
	struct kfp_ctx *ctx;
	struct file_id *seen; /* every file loaded */
	size_t nseen, seen_cap;
	struct file_id *stack; /* the include chain being loaded */
	size_t depth, stack_cap;
};

static char *resolve(const char *including, const char *path)
{
	if (path[0] == '/' || !including)
		return kfp_xstrdup(path);
	const char *slash = strrchr(including, '/');
	if (!slash)
		return kfp_xstrdup(path);
	return kfp_xasprintf("%.*s/%s", (int)(slash - including), including, path);
}

static void parse_includes(struct loader *ld, struct kfp_unit *unit);

static struct kfp_unit *parse_unit(struct loader *ld, struct kfp_source *src,
				   struct file_id id)
{
	struct kfp_unit *unit = kfp_xcalloc(1, sizeof(*unit));
	unit->src = src;
	unit->stmts = kfp_parse_source(ld->ctx, src);
	id.src = src;
	KFP_VEC_PUSH(ld->seen, ld->nseen, ld->seen_cap, id);
	KFP_VEC_PUSH(ld->stack, ld->depth, ld->stack_cap, id);
	parse_includes(ld, unit);
	ld->depth--;
	return unit;
}

static void include_one(struct loader *ld, struct kfp_unit *parent,
			struct kfp_node *inc)
{
	struct kfp_ctx *ctx = ld->ctx;
	char *path = resolve(parent->src->path, inc->name);
	struct stat st;

	if (inc->name[0] == 0) {
		kfp_error(ctx, &inc->name_loc, "include needs a file name");
		goto out;
	}
	if (stat(path, &st) != 0) {
		kfp_error(ctx, &inc->name_loc, "cannot include '%s': %s", path,
			  strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < ld->depth; i++) {
		if (ld->stack[i].dev != st.st_dev || ld->stack[i].ino != st.st_ino)
			continue;
		/* The "included from" chain printed with the error names
		 * every link of the cycle. */
		kfp_error(ctx, &inc->name_loc, "include cycle: '%s' includes itself",
			  path);
		goto out;
	}
	for (size_t i = 0; i < ld->nseen; i++)
		if (ld->seen[i].dev == st.st_dev && ld->seen[i].ino == st.st_ino)
			goto out; /* already loaded: include once */
	if (ld->depth >= KFP_MAX_INCLUDE_DEPTH) {
		kfp_error(ctx, &inc->name_loc, "includes nested more than %d deep",
			  KFP_MAX_INCLUDE_DEPTH);
		goto out;
	}
	struct kfp_source *src = kfp_source_load(ctx, path);
	if (!src) {
		kfp_error(ctx, &inc->name_loc, "cannot include '%s': %s", path,
			  strerror(errno));
		goto out;
	}
	src->included_from = parent->src;
	src->include_loc = inc->loc;
	inc->u.include.unit = parse_unit(ld, src,
					 (struct file_id){ st.st_dev, st.st_ino, NULL });
out:
	free(path);
}

static void parse_includes(struct loader *ld, struct kfp_unit *unit)
{
	for (struct kfp_node *n = unit->stmts; n && !ld->ctx->too_many; n = n->next)
		if (n->kind == KFP_N_INCLUDE)
			include_one(ld, unit, n);
}

static struct kfp_unit *load_source(struct kfp_ctx *ctx, struct kfp_source *src,
				    struct file_id id)
{
	struct loader ld = { .ctx = ctx };
	struct kfp_unit *unit = parse_unit(&ld, src, id);
	free(ld.seen);
	free(ld.stack);
	return unit;
}

struct kfp_unit *kfp_load(struct kfp_ctx *ctx, const char *path)
{
	struct stat st;
	struct kfp_source *src = NULL;

	if (stat(path, &st) == 0)
		src = kfp_source_load(ctx, path);
	if (!src) {
		kfp_error(ctx, NULL, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	return load_source(ctx, src, (struct file_id){ st.st_dev, st.st_ino, NULL });
}

struct kfp_unit *kfp_load_buffer(struct kfp_ctx *ctx, const char *name,
				 const char *data, size_t len)
{
	char *buf = kfp_xmalloc(len + 1);
	memcpy(buf, data, len);
	buf[len] = 0;
	struct kfp_source *src = kfp_source_add(ctx, name, buf, len);
	/* A buffer has no inode; (0, 0) matches no real file. */
	return load_source(ctx, src, (struct file_id){ 0, 0, NULL });
}
