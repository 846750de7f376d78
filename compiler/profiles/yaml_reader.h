/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small reader over libyaml's event stream, shared by the host profile
 * loader and the Firecracker fingerprint importer.
 *
 * Both stream events straight into the profile instead of building a
 * document tree: the compiler loads thousands of profiles per run, and a
 * tree would cost an allocation per node for nothing.  Anchors, aliases and
 * tags are refused, so a hostile file cannot make us expand anything
 * (billion laughs) and there is exactly one way to spell a value.  A reader
 * stops at the first problem and queues it in its kfp_ctx, located in the
 * file (which it registers there as a source, so the error is shown with
 * an excerpt like a policy error); every call after it returns false.
 */
#ifndef KFP_COMPILER_PROFILES_YAML_READER_H
#define KFP_COMPILER_PROFILES_YAML_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

struct kfp_ctx;

/* A position in the file. */
struct yp_pos {
	size_t line, col; /* 0-based, as libyaml counts */
};

struct yp {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool live;     /* ev holds an event that must be deleted */
	bool lenient;  /* fingerprints: integers may be quoted ("0x1f") */
	struct kfp_ctx *ctx;
	const char *file;
	const char *data;
	size_t len;
	bool failed;   /* an error is queued: later ones are dropped */
};

/* Reads data[0..len) (which must outlive the reader), named file in
 * errors, which go to ctx. */
void yp_init(struct yp *y, struct kfp_ctx *ctx, const char *file, const char *data,
	     size_t len, bool lenient);
void yp_fini(struct yp *y);

/* Queues the reader's first error at a position, or at the current event;
 * later ones are dropped.  Always return false. */
bool yp_fail_at(struct yp *y, struct yp_pos at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
bool yp_fail(struct yp *y, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Moves to the next event. */
bool yp_next(struct yp *y);
/* Moves to the first node of the only document; after the root node,
 * yp_end checks that the document and the stream end. */
bool yp_begin(struct yp *y, const char *what);
bool yp_end(struct yp *y);
/* The current event is of this type, else an error naming `what`. */
bool yp_expect(struct yp *y, yaml_event_type_t type, const char *what);
/* Called at each entry of a collection (yp_each, yp_each_key) with the
 * caller's arg; false stops the walk. */
typedef bool yp_entry_fn(struct yp *y, void *arg);
/* The current event starts a sequence or a mapping (type is
 * YAML_SEQUENCE_START_EVENT or YAML_MAPPING_START_EVENT), else an error
 * naming `what`: calls fn at each item, or at each key of a mapping (any
 * node; fn reads the value too), until the end. */
bool yp_each(struct yp *y, yaml_event_type_t type, const char *what, yp_entry_fn *fn,
	     void *arg);
/* The same over a mapping whose keys must be scalars. */
bool yp_each_key(struct yp *y, const char *what, yp_entry_fn *fn, void *arg);
/* Skips the current node. */
bool yp_skip(struct yp *y);

/* The current event as an integer of at most `bits` bits, or as a
 * non-empty string (malloc'd, replacing *out). */
bool yp_uint(struct yp *y, const char *what, unsigned bits, uint64_t *out);
bool yp_uint32(struct yp *y, const char *what, uint32_t *out);
bool yp_string(struct yp *y, const char *what, char **out);

/* What an event is, for "expected X, got Y". */
const char *yp_ev_what(const yaml_event_t *e);

/*
 * Parses decimal or 0x hex.  Returns 0, -EINVAL (not an integer), -EDOM
 * (decimal with a leading zero: octal in YAML 1.1, so ambiguous) or -ERANGE
 * (does not fit in 64 bits).
 */
int yp_parse_uint(const char *s, size_t len, uint64_t *out);
/* A short, printable excerpt of untrusted text for an error message. */
const char *yp_excerpt(const char *s, size_t len, char buf[64]);

static inline struct yp_pos yp_at(const struct yp *y)
{
	return (struct yp_pos){ y->ev.start_mark.line, y->ev.start_mark.column };
}

static inline bool yp_before(struct yp_pos a, struct yp_pos b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

static inline bool yp_is(const struct yp *y, yaml_event_type_t type)
{
	return y->ev.type == type;
}

/* The current scalar. */
static inline const char *yp_text(const struct yp *y)
{
	return (const char *)y->ev.data.scalar.value;
}

static inline size_t yp_len(const struct yp *y)
{
	return y->ev.data.scalar.length;
}

bool yp_is_key(const struct yp *y, const char *key);

#endif
