/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The front end's context: source files, source locations and the
 * diagnostics queue.  One context per compilation; there is no global state,
 * so the compiler can run as a library (CLI, tests, fuzzers).
 */
#ifndef KFP_GRAMMAR_CTX_H
#define KFP_GRAMMAR_CTX_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct kfp_source;

/* A span of source text.  Lines and columns are 1-based; columns count
 * bytes.  end_col is the last column of the span (inclusive). */
struct kfp_loc {
	const struct kfp_source *src;
	uint32_t line, col; /* line 0: the file as a whole (kfp_file_loc) */
	uint32_t end_line, end_col;
	uint32_t off, end_off; /* byte offsets, [off, end_off) */
};

/* A diagnostic about a file as a whole, printed "FILE: error: ..." with no
 * excerpt. */
static inline struct kfp_loc kfp_file_loc(const struct kfp_source *src)
{
	return (struct kfp_loc){ .src = src };
}

/* A comment kept by the scanner so that `kfpc fmt` can reprint it. */
struct kfp_comment {
	struct kfp_loc loc;
	char *text; /* as written, including the # // or slash-star marker */
};

/* One loaded file.  The buffer stays alive as long as the context, so
 * diagnostics can quote any line of it. */
struct kfp_source {
	char *path;                 /* as shown in diagnostics */
	char *buf;                  /* file contents, NUL-terminated */
	size_t len;
	const struct kfp_source *included_from;
	struct kfp_loc include_loc; /* the include statement, if included */
	struct kfp_comment *comments;
	size_t ncomments, comments_cap;
};

enum kfp_severity { KFP_SEV_ERROR, KFP_SEV_WARNING, KFP_SEV_NOTE };

struct kfp_diag {
	enum kfp_severity sev;
	bool has_loc;
	struct kfp_loc loc;
	char *msg;
	char **fleets; /* a problem in what fleets share: the fleets it affects */
	size_t nfleets, fleets_cap;
};

#define KFP_DEFAULT_MAX_ERRORS 20

struct kfp_ctx {
	struct kfp_source **sources;
	size_t nsources, sources_cap;
	struct kfp_diag *diags;
	size_t ndiags, diags_cap;
	unsigned errors;     /* errors queued (not counting dropped ones) */
	unsigned max_errors; /* cap; 0 means KFP_DEFAULT_MAX_ERRORS */
	bool too_many;       /* the cap was hit: stop as soon as possible */
	bool last_dropped;   /* the last error was dropped: drop its notes */
	const char *prog;    /* the tool that prints the queue ("kfpc"): the prefix
			      * of diagnostics without a place; NULL: none */

	/* While a fleet is resolved, an error or warning outside its block
	 * comes from what the fleets share (a common section, a group): it is
	 * queued once, naming every fleet it affects, and a repeat of it for
	 * another fleet (the same diagnostic with the same notes) only adds
	 * that fleet's name.  A repeat does not count against max_errors. */
	const char *fleet;          /* the fleet being resolved, or NULL */
	struct kfp_loc fleet_block;
	unsigned fleets_entered;
	bool repeat;                /* the last group may repeat group repeat_of */
	size_t repeat_of, repeat_at;
};

void kfp_ctx_init(struct kfp_ctx *ctx);
void kfp_ctx_fini(struct kfp_ctx *ctx);

/* Registers a buffer (takes ownership of buf, which must have len+1 bytes
 * with buf[len] == 0) under the given display path. */
struct kfp_source *kfp_source_add(struct kfp_ctx *ctx, const char *path,
				  char *buf, size_t len);

/* Reads a whole file.  Returns NULL and sets errno on failure. */
struct kfp_source *kfp_source_load(struct kfp_ctx *ctx, const char *path);

/* The byte offset in src of a position given as a 0-based line and a
 * column counted in characters (UTF-8), as libyaml's marks give it;
 * src->len at most. */
size_t kfp_source_offset(const struct kfp_source *src, size_t line, size_t column);

/* The bytes [off, end_off) of src as a location (an empty span: the
 * character at off). */
struct kfp_loc kfp_source_span(const struct kfp_source *src, size_t off, size_t end_off);

void kfp_source_add_comment(struct kfp_source *src, const struct kfp_loc *loc);

/* Brackets the diagnostics of one fleet (see struct kfp_ctx).  name must
 * live until kfp_ctx_leave_fleet. */
void kfp_ctx_enter_fleet(struct kfp_ctx *ctx, const char *name, const struct kfp_loc *block);
void kfp_ctx_leave_fleet(struct kfp_ctx *ctx);

/* Queues a diagnostic.  loc may be NULL for diagnostics about no place. */
void kfp_error(struct kfp_ctx *ctx, const struct kfp_loc *loc,
	       const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kfp_warning(struct kfp_ctx *ctx, const struct kfp_loc *loc,
		 const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kfp_note(struct kfp_ctx *ctx, const struct kfp_loc *loc,
	      const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void kfp_vdiag(struct kfp_ctx *ctx, enum kfp_severity sev,
	       const struct kfp_loc *loc, const char *fmt, va_list ap)
	__attribute__((format(printf, 4, 0)));

/* Prints every queued diagnostic, in order, with source excerpts and the
 * "included from" chain. */
void kfp_diags_print(const struct kfp_ctx *ctx, FILE *out);

/* The text a location covers, as a newly allocated string. */
char *kfp_loc_text(const struct kfp_loc *loc);

/* Edit distance, for "did you mean" suggestions. */
unsigned kfp_edit_distance(const char *a, const char *b);
/* The best candidate within a distance that scales with the word's length,
 * or NULL. */
const char *kfp_suggest(const char *word, const char *const *candidates,
			size_t n);

#endif
