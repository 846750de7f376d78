/* SPDX-License-Identifier: Apache-2.0 */
#include "ctx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define KFP_MAX_FILE_SIZE (64u << 20)

void kfp_ctx_init(struct kfp_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->max_errors = KFP_DEFAULT_MAX_ERRORS;
}

static void diag_free(struct kfp_diag *d)
{
	free(d->msg);
	for (size_t i = 0; i < d->nfleets; i++)
		free(d->fleets[i]);
	free(d->fleets);
}

void kfp_ctx_fini(struct kfp_ctx *ctx)
{
	for (size_t i = 0; i < ctx->nsources; i++) {
		struct kfp_source *s = ctx->sources[i];
		for (size_t j = 0; j < s->ncomments; j++)
			free(s->comments[j].text);
		free(s->comments);
		free(s->path);
		free(s->buf);
		free(s);
	}
	free(ctx->sources);
	for (size_t i = 0; i < ctx->ndiags; i++)
		diag_free(&ctx->diags[i]);
	free(ctx->diags);
	memset(ctx, 0, sizeof(*ctx));
}

struct kfp_source *kfp_source_add(struct kfp_ctx *ctx, const char *path,
				  char *buf, size_t len)
{
	struct kfp_source *s = kfp_xcalloc(1, sizeof(*s));
	s->path = kfp_xstrdup(path);
	s->buf = buf;
	s->len = len;
	KFP_VEC_PUSH(ctx->sources, ctx->nsources, ctx->sources_cap, s);
	return s;
}

struct kfp_source *kfp_source_load(struct kfp_ctx *ctx, const char *path)
{
	size_t len;
	char *buf = kfp_read_file(path, KFP_MAX_FILE_SIZE, &len);
	return buf ? kfp_source_add(ctx, path, buf, len) : NULL;
}

void kfp_source_add_comment(struct kfp_source *src, const struct kfp_loc *loc)
{
	struct kfp_comment c = { .loc = *loc, .text = kfp_loc_text(loc) };
	/* Drop the newline a line comment's match may include. */
	size_t n = strlen(c.text);
	while (n && (c.text[n - 1] == '\n' || c.text[n - 1] == '\r'))
		c.text[--n] = 0;
	KFP_VEC_PUSH(src->comments, src->ncomments, src->comments_cap, c);
}

size_t kfp_source_offset(const struct kfp_source *src, size_t line, size_t column)
{
	size_t off = 0;
	for (size_t l = 0; l < line && off < src->len; off++)
		l += src->buf[off] == '\n';
	for (size_t col = 0; col < column && off < src->len; col++)
		do
			off++;
		while (off < src->len && ((unsigned char)src->buf[off] & 0xc0) == 0x80);
	return off;
}

struct kfp_loc kfp_source_span(const struct kfp_source *src, size_t off, size_t end_off)
{
	size_t bol = off, end_bol = end_off;
	uint32_t line = 1, end_line = 1;
	for (size_t i = 0; i < end_off && i < src->len; i++) {
		line += i < off && src->buf[i] == '\n';
		end_line += src->buf[i] == '\n';
	}
	while (bol > 0 && src->buf[bol - 1] != '\n')
		bol--;
	while (end_bol > 0 && src->buf[end_bol - 1] != '\n')
		end_bol--;
	return (struct kfp_loc){
		.src = src,
		.line = line,
		.col = (uint32_t)(off - bol) + 1,
		.end_line = end_line,
		.end_col = (uint32_t)(end_off > end_bol ? end_off - end_bol : off - bol + 1),
		.off = (uint32_t)off,
		.end_off = (uint32_t)end_off,
	};
}

char *kfp_loc_text(const struct kfp_loc *loc)
{
	if (!loc->src || loc->end_off < loc->off)
		return kfp_xstrdup("");
	return kfp_xstrndup(loc->src->buf + loc->off, loc->end_off - loc->off);
}

/* ---- queueing ---------------------------------------------------------- */

static bool same_diag(const struct kfp_diag *a, const struct kfp_diag *b)
{
	return a->sev == b->sev && a->has_loc == b->has_loc &&
	       (!a->has_loc || (a->loc.src == b->loc.src && a->loc.off == b->loc.off &&
				a->loc.end_off == b->loc.end_off)) &&
	       !strcmp(a->msg, b->msg);
}

/* One past the notes of the diagnostic at i. */
static size_t group_end(const struct kfp_ctx *ctx, size_t i)
{
	while (++i < ctx->ndiags && ctx->diags[i].sev == KFP_SEV_NOTE)
		;
	return i;
}

static void add_fleet(struct kfp_diag *d, const char *name)
{
	for (size_t i = 0; i < d->nfleets; i++)
		if (!strcmp(d->fleets[i], name))
			return;
	KFP_VEC_PUSH(d->fleets, d->nfleets, d->fleets_cap, kfp_xstrdup(name));
}

static unsigned max_errors(const struct kfp_ctx *ctx)
{
	return ctx->max_errors ? ctx->max_errors : KFP_DEFAULT_MAX_ERRORS;
}

static void push_too_many(struct kfp_ctx *ctx)
{
	ctx->too_many = true;
	ctx->last_dropped = true;
	struct kfp_diag d = {
		.sev = KFP_SEV_ERROR,
		.msg = kfp_xasprintf("too many errors (%u), stopping", max_errors(ctx)),
	};
	KFP_VEC_PUSH(ctx->diags, ctx->ndiags, ctx->diags_cap, d);
}

/* Decides on the last group once its notes are in: a repeat of the group
 * it started like (same diagnostic, same notes) is dropped and its fleet
 * named on the original; anything else is a problem of its own. */
static void seal(struct kfp_ctx *ctx)
{
	if (!ctx->repeat)
		return;
	ctx->repeat = false;
	size_t orig = ctx->repeat_of, at = ctx->repeat_at;
	size_t n = group_end(ctx, orig) - orig;
	bool same = ctx->ndiags - at == n;
	for (size_t k = 0; same && k < n; k++)
		same = same_diag(&ctx->diags[orig + k], &ctx->diags[at + k]);
	bool error = ctx->diags[at].sev == KFP_SEV_ERROR;
	bool drop = same || (error && (ctx->too_many || ctx->errors >= max_errors(ctx)));
	if (same)
		add_fleet(&ctx->diags[orig], ctx->diags[at].fleets[0]);
	else if (error && !drop)
		ctx->errors++;
	if (drop) {
		while (ctx->ndiags > at)
			diag_free(&ctx->diags[--ctx->ndiags]);
		if (!same && !ctx->too_many)
			push_too_many(ctx);
	}
}

void kfp_ctx_enter_fleet(struct kfp_ctx *ctx, const char *name, const struct kfp_loc *block)
{
	seal(ctx);
	ctx->fleet = name;
	ctx->fleet_block = *block;
	ctx->fleets_entered++;
}

void kfp_ctx_leave_fleet(struct kfp_ctx *ctx)
{
	seal(ctx);
	ctx->fleet = NULL;
}

/* Outside the block of the fleet being resolved: shared by fleets. */
static bool shared(const struct kfp_ctx *ctx, const struct kfp_diag *d)
{
	const struct kfp_loc *b = &ctx->fleet_block;
	return ctx->fleet && (!d->has_loc || d->loc.src != b->src || d->loc.off < b->off ||
			      d->loc.off >= b->end_off);
}

void kfp_vdiag(struct kfp_ctx *ctx, enum kfp_severity sev,
	       const struct kfp_loc *loc, const char *fmt, va_list ap)
{
	if (sev != KFP_SEV_NOTE)
		seal(ctx);
	if (sev == KFP_SEV_NOTE && ctx->last_dropped)
		return;
	struct kfp_diag d = { .sev = sev, .has_loc = loc && loc->src };
	if (d.has_loc)
		d.loc = *loc;
	d.msg = kfp_xvasprintf(fmt, ap);
	if (sev != KFP_SEV_NOTE)
		ctx->last_dropped = false;
	/* Even past the error limit, a repeat names its fleet on the
	 * problem already reported. */
	if (sev != KFP_SEV_NOTE && shared(ctx, &d)) {
		add_fleet(&d, ctx->fleet);
		for (size_t i = 0; i < ctx->ndiags; i++)
			if (ctx->diags[i].nfleets && same_diag(&ctx->diags[i], &d)) {
				/* Counted, or dropped, when sealed. */
				ctx->repeat = true;
				ctx->repeat_of = i;
				ctx->repeat_at = ctx->ndiags;
				KFP_VEC_PUSH(ctx->diags, ctx->ndiags, ctx->diags_cap, d);
				return;
			}
	}
	if (sev == KFP_SEV_ERROR) {
		if (ctx->too_many || ctx->errors >= max_errors(ctx)) {
			diag_free(&d);
			if (!ctx->too_many)
				push_too_many(ctx);
			ctx->last_dropped = true;
			return;
		}
		ctx->errors++;
	}
	KFP_VEC_PUSH(ctx->diags, ctx->ndiags, ctx->diags_cap, d);
}

#define DEFINE_DIAG(fn, sev)                                                   \
	void fn(struct kfp_ctx *ctx, const struct kfp_loc *loc,                \
		const char *fmt, ...)                                          \
	{                                                                      \
		va_list ap;                                                    \
		va_start(ap, fmt);                                             \
		kfp_vdiag(ctx, sev, loc, fmt, ap);                             \
		va_end(ap);                                                    \
	}
DEFINE_DIAG(kfp_error, KFP_SEV_ERROR)
DEFINE_DIAG(kfp_warning, KFP_SEV_WARNING)
DEFINE_DIAG(kfp_note, KFP_SEV_NOTE)

/* ---- printing ---------------------------------------------------------- */

/* Length of a valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
	size_t len;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/* Shown source lines are cut to a window this wide around the column. */
#define EXCERPT_WIDTH 120

/*
 * Prints the line a location starts on and an underline below it.  Bytes
 * that are not printable (controls, invalid UTF-8, NUL) are shown as '?', a
 * valid multi-byte character takes one column, and tabs are kept in both
 * lines so that the underline stays aligned.
 */
static void print_excerpt(const struct kfp_loc *loc, FILE *out)
{
	const struct kfp_source *s = loc->src;
	size_t start = loc->off > s->len ? s->len : loc->off;

	while (start > 0 && s->buf[start - 1] != '\n')
		start--;
	size_t eol = start;
	while (eol < s->len && s->buf[eol] != '\n')
		eol++;
	if (eol > start && s->buf[eol - 1] == '\r')
		eol--;

	size_t caret = loc->off > eol ? eol : loc->off;
	size_t caret_end = loc->end_off > eol ? eol : loc->end_off;
	if (loc->end_line != loc->line)
		caret_end = eol;
	if (caret_end <= caret)
		caret_end = caret + 1;

	/* Window long lines around the caret. */
	size_t from = start, to = eol;
	bool cut_left = false, cut_right = false;
	if (eol - start > EXCERPT_WIDTH) {
		from = caret > start + EXCERPT_WIDTH / 2 ? caret - EXCERPT_WIDTH / 2 : start;
		while (from > start && ((unsigned char)s->buf[from] & 0xc0) == 0x80)
			from--;
		to = from + EXCERPT_WIDTH < eol ? from + EXCERPT_WIDTH : eol;
		cut_left = from > start;
		cut_right = to < eol;
		if (caret_end > to)
			caret_end = to;
	}

	char gutter[16];
	int gw = snprintf(gutter, sizeof(gutter), "%5u", loc->line);
	fprintf(out, "%s | %s", gutter, cut_left ? "..." : "");
	for (size_t i = from; i < to;) {
		const unsigned char *p = (const unsigned char *)s->buf + i;
		size_t n = utf8_seq(p, to - i);
		if (n == 1 && (p[0] == '\t' || (p[0] >= 0x20 && p[0] < 0x7f)))
			fputc(p[0], out);
		else if (n > 1)
			fwrite(p, 1, n, out);
		else
			fputc('?', out);
		i += n ? n : 1;
	}
	fprintf(out, "%s\n", cut_right ? "..." : "");

	fprintf(out, "%*s | %s", gw, "", cut_left ? "   " : "");
	bool first = true;
	for (size_t i = from; i < to || i == caret;) {
		if (i >= caret_end && !(i == caret))
			break;
		const unsigned char *p = (const unsigned char *)s->buf + i;
		size_t n = i < to ? utf8_seq(p, to - i) : 1;
		if (i < caret)
			fputc(i < to && p[0] == '\t' ? '\t' : ' ', out);
		else {
			fputc(first ? '^' : '~', out);
			first = false;
		}
		i += n ? n : 1;
	}
	fputc('\n', out);
}

static const char *sev_name(enum kfp_severity sev)
{
	switch (sev) {
	case KFP_SEV_ERROR:
		return "error";
	case KFP_SEV_WARNING:
		return "warning";
	case KFP_SEV_NOTE:
		break;
	}
	return "note";
}

static void print_one(const char *prog, enum kfp_severity sev, const struct kfp_loc *loc,
		      const char *msg, FILE *out)
{
	if (loc && !loc->line) {
		/* The file as a whole: no line to show. */
		fprintf(out, "%s: %s: %s\n", loc->src->path, sev_name(sev), msg);
	} else if (loc) {
		fprintf(out, "%s:%u:%u: %s: %s\n", loc->src->path, loc->line,
			loc->col, sev_name(sev), msg);
		print_excerpt(loc, out);
	} else if (prog) {
		fprintf(out, "%s: %s: %s\n", prog, sev_name(sev), msg);
	} else {
		fprintf(out, "%s: %s\n", sev_name(sev), msg);
	}
}

/* "web.kfp: in fleets "a", "b" and "c":" before a problem the fleets share,
 * when there are several. */
static void print_fleets(const struct kfp_ctx *ctx, const struct kfp_diag *d, FILE *out)
{
	fprintf(out, "%s: in fleet%s ", d->has_loc ? d->loc.src->path : ctx->prog ? ctx->prog : "",
		d->nfleets > 1 ? "s" : "");
	for (size_t i = 0; i < d->nfleets; i++)
		fprintf(out, "%s\"%s\"", !i ? "" : i + 1 == d->nfleets ? " and " : ", ",
			d->fleets[i]);
	fputs(":\n", out);
}

void kfp_diags_print(const struct kfp_ctx *ctx, FILE *out)
{
	for (size_t i = 0; i < ctx->ndiags; i++) {
		const struct kfp_diag *d = &ctx->diags[i];
		if (d->nfleets && ctx->fleets_entered > 1)
			print_fleets(ctx, d, out);
		print_one(ctx->prog, d->sev, d->has_loc ? &d->loc : NULL, d->msg, out);
		if (!d->has_loc || d->sev == KFP_SEV_NOTE)
			continue;
		/* The include chain, innermost first, after the diagnostic's
		 * own notes would be confusing: print it right away. */
		for (const struct kfp_source *s = d->loc.src; s->included_from;
		     s = s->included_from)
			print_one(ctx->prog, KFP_SEV_NOTE, &s->include_loc,
				  "included from here", out);
	}
}

/* ---- suggestions ------------------------------------------------------- */

unsigned kfp_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	if (la > 64 || lb > 64)
		return ~0u;
	unsigned row[65];
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

const char *kfp_suggest(const char *word, const char *const *candidates,
			size_t n)
{
	size_t len = strlen(word);
	unsigned limit = len <= 3 ? 1 : len <= 6 ? 2 : 3;
	unsigned best = limit + 1;
	const char *pick = NULL;

	for (size_t i = 0; i < n; i++) {
		if (!candidates[i])
			continue;
		unsigned d = kfp_edit_distance(word, candidates[i]);
		if (d < best) {
			best = d;
			pick = candidates[i];
		}
	}
	return pick;
}
