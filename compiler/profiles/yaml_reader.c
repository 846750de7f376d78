/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The libyaml event reader of host profiles and fingerprints
 * (yaml_reader.h).
 */
#include "yaml_reader.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/util.h"

/* ------------------------------------------------------------------ */
/* Integers and text                                                  */

/*
 * Parses decimal or 0x hex.  Returns 0, -EINVAL (not an integer), -EDOM
 * (decimal with a leading zero: octal in YAML 1.1, so ambiguous) or -ERANGE
 * (does not fit in 64 bits).
 */
int yp_parse_uint(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	bool big = false;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (size_t i = 2; i < len; i++) {
			int d = kfp_hex_digit(s[i]);
			if (d < 0)
				return -EINVAL;
			big |= (v >> 60) != 0;
			v = v << 4 | (uint64_t)d;
		}
	} else {
		if (len == 0)
			return -EINVAL;
		for (size_t i = 0; i < len; i++) {
			if (s[i] < '0' || s[i] > '9')
				return -EINVAL;
			unsigned d = (unsigned)(s[i] - '0');
			big |= v > (UINT64_MAX - d) / 10;
			v = v * 10 + d;
		}
		if (len > 1 && s[0] == '0')
			return -EDOM;
	}
	if (big)
		return -ERANGE;
	*out = v;
	return 0;
}

/* A short, printable excerpt of untrusted text for an error message. */
const char *yp_excerpt(const char *s, size_t len, char buf[64])
{
	size_t n = len > 40 ? 40 : len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	strcpy(buf + n, len > n ? "..." : "");
	return buf;
}

/* ------------------------------------------------------------------ */
/* The libyaml event layer                                            */

void yp_init(struct yp *y, struct kfp_ctx *ctx, const char *file, const char *data,
	     size_t len, bool lenient)
{
	memset(y, 0, sizeof(*y));
	y->ctx = ctx;
	y->file = file;
	y->data = data;
	y->len = len;
	y->lenient = lenient;
	if (!yaml_parser_initialize(&y->parser)) {
		kfp_error(ctx, NULL, "%s: out of memory while parsing YAML", file);
		y->failed = true;
		return;
	}
	yaml_parser_set_input_string(&y->parser, (const unsigned char *)data, len);
}

void yp_fini(struct yp *y)
{
	if (y->live)
		yaml_event_delete(&y->ev);
	yaml_parser_delete(&y->parser);
}


/* The byte offset of a position, whose column counts characters. */
static size_t pos_off(const struct yp *y, struct yp_pos at)
{
	size_t off = 0;
	for (size_t line = 0; line < at.line && off < y->len; off++)
		line += y->data[off] == '\n';
	for (size_t col = 0; col < at.col && off < y->len; col++)
		do
			off++;
		while (off < y->len && ((unsigned char)y->data[off] & 0xc0) == 0x80);
	return off;
}

static bool __attribute__((format(printf, 3, 0)))
yp_vfail(struct yp *y, struct yp_pos at, const char *fmt, va_list ap)
{
	if (y->failed)
		return false;
	y->failed = true;
	/* The file becomes a source of the context only now: a run loads
	 * thousands of good profiles, which need not stay in memory. */
	char *buf = kfp_xmalloc(y->len + 1);
	memcpy(buf, y->data, y->len);
	buf[y->len] = 0;
	const struct kfp_source *src = kfp_source_add(y->ctx, y->file, buf, y->len);
	size_t off = pos_off(y, at), bol = off;
	while (bol > 0 && y->data[bol - 1] != '\n')
		bol--;
	struct kfp_loc loc = {
		.src = src,
		.line = (uint32_t)at.line + 1,
		.col = (uint32_t)(off - bol) + 1,
		.end_line = (uint32_t)at.line + 1,
		.end_col = (uint32_t)(off - bol) + 1,
		.off = (uint32_t)off,
		.end_off = (uint32_t)(off < y->len ? off + 1 : off),
	};
	char *msg = kfp_xvasprintf(fmt, ap);
	kfp_error(y->ctx, &loc, "%s", msg);
	free(msg);
	return false;
}

/* Records an error at a position.  Always returns false. */
bool yp_fail_at(struct yp *y, struct yp_pos at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yp_vfail(y, at, fmt, ap);
	va_end(ap);
	return false;
}

/* Records an error at the current event.  Always returns false. */
bool yp_fail(struct yp *y, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yp_vfail(y, yp_at(y), fmt, ap);
	va_end(ap);
	return false;
}

/* libyaml's reader reports a byte offset, not a mark: count lines and
 * characters. */
static struct yp_pos offset_at(const struct yp *y, size_t off)
{
	struct yp_pos at = { 0, 0 };
	if (off > y->len)
		off = y->len;
	for (size_t i = 0; i < off; i++) {
		if (y->data[i] == '\n') {
			at.line++;
			at.col = 0;
		} else if (((unsigned char)y->data[i] & 0xc0) != 0x80) {
			at.col++;
		}
	}
	return at;
}

static bool yp_syntax_error(struct yp *y)
{
	const yaml_parser_t *ps = &y->parser;
	const char *problem = ps->problem ? ps->problem : "unknown error";
	struct yp_pos at = { ps->problem_mark.line, ps->problem_mark.column };

	switch (ps->error) {
	case YAML_MEMORY_ERROR:
		return yp_fail_at(y, at, "out of memory while parsing YAML");
	case YAML_READER_ERROR:
		at = offset_at(y, ps->problem_offset);
		if (ps->problem_value >= 0)
			return yp_fail_at(y, at, "not valid YAML text: %s (byte 0x%02x)",
					  problem, (unsigned)ps->problem_value & 0xff);
		return yp_fail_at(y, at, "not valid YAML text: %s", problem);
	default: {
		/* A value that is still open where the file ends: a profile
		 * cut short (kfp probe never writes one). */
		const char *cut = ps->problem_mark.index >= y->len
					  ? "; the file ends there: is it truncated?" : "";
		if (ps->context)
			return yp_fail_at(y, at, "YAML syntax error: %s (%s started at %zu:%zu)%s",
					  problem, ps->context,
					  ps->context_mark.line + 1,
					  ps->context_mark.column + 1, cut);
		return yp_fail_at(y, at, "YAML syntax error: %s%s", problem, cut);
	}
	}
}

/* Refuses the YAML features a profile never needs and an attacker would. */
static bool yp_check_node(struct yp *y)
{
	const yaml_event_t *e = &y->ev;
	const yaml_char_t *anchor = NULL, *tag = NULL;
	char buf[64];

	switch (e->type) {
	case YAML_ALIAS_EVENT: {
		const char *a = (const char *)e->data.alias.anchor;
		return yp_fail(y, "aliases (*%s) are not allowed in a host profile",
			       yp_excerpt(a, strlen(a), buf));
	}
	case YAML_SCALAR_EVENT:
		anchor = e->data.scalar.anchor;
		tag = e->data.scalar.tag;
		break;
	case YAML_SEQUENCE_START_EVENT:
		anchor = e->data.sequence_start.anchor;
		tag = e->data.sequence_start.tag;
		break;
	case YAML_MAPPING_START_EVENT:
		anchor = e->data.mapping_start.anchor;
		tag = e->data.mapping_start.tag;
		break;
	default:
		return true;
	}
	if (anchor)
		return yp_fail(y, "anchors (&%s) are not allowed in a host profile",
			       yp_excerpt((const char *)anchor,
				       strlen((const char *)anchor), buf));
	if (tag)
		return yp_fail(y, "tags (%s) are not allowed in a host profile",
			       yp_excerpt((const char *)tag, strlen((const char *)tag),
				       buf));
	return true;
}

/* Moves to the next event. */
bool yp_next(struct yp *y)
{
	if (y->failed)
		return false;
	if (y->live) {
		yaml_event_delete(&y->ev);
		y->live = false;
	}
	if (!yaml_parser_parse(&y->parser, &y->ev))
		return yp_syntax_error(y);
	y->live = true;
	return yp_check_node(y);
}

const char *yp_ev_what(const yaml_event_t *e)
{
	switch (e->type) {
	case YAML_SCALAR_EVENT:
		if (e->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
			return "a quoted string";
		return e->data.scalar.length ? "a plain scalar" : "an empty value";
	case YAML_SEQUENCE_START_EVENT:
		return "a sequence";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SEQUENCE_END_EVENT:
		return "the end of a sequence";
	case YAML_MAPPING_END_EVENT:
		return "the end of a mapping";
	default:
		return "the end of the document";
	}
}




bool yp_is_key(const struct yp *y, const char *key)
{
	size_t n = strlen(key);
	return yp_len(y) == n && memcmp(yp_text(y), key, n) == 0;
}

/* Moves to the first node of the only document. */
bool yp_begin(struct yp *y, const char *what)
{
	if (!yp_next(y) || !yp_next(y))
		return false;
	if (yp_is(y, YAML_STREAM_END_EVENT))
		return yp_fail(y, "empty file: expected %s", what);
	return yp_next(y);
}

/* After the root node: the document and the stream must end. */
bool yp_end(struct yp *y)
{
	if (!yp_next(y))
		return false;
	if (!yp_is(y, YAML_DOCUMENT_END_EVENT))
		return yp_fail(y, "expected the end of the document, got %s",
			       yp_ev_what(&y->ev));
	if (!yp_next(y))
		return false;
	if (!yp_is(y, YAML_STREAM_END_EVENT))
		return yp_fail(y, "more than one YAML document in the file");
	return true;
}

bool yp_expect(struct yp *y, yaml_event_type_t type, const char *what)
{
	if (yp_is(y, type))
		return true;
	return yp_fail(y, "expected %s, got %s", what, yp_ev_what(&y->ev));
}

bool yp_each(struct yp *y, yaml_event_type_t type, const char *what, yp_entry_fn *fn,
	     void *arg)
{
	yaml_event_type_t end = type == YAML_SEQUENCE_START_EVENT ? YAML_SEQUENCE_END_EVENT
								  : YAML_MAPPING_END_EVENT;
	if (!yp_expect(y, type, what))
		return false;
	for (;;) {
		if (!yp_next(y))
			return false;
		if (yp_is(y, end))
			return true;
		if (!fn(y, arg))
			return false;
	}
}

struct key_fn {
	yp_entry_fn *fn;
	void *arg;
};

static bool at_key(struct yp *y, void *arg)
{
	const struct key_fn *k = arg;
	return yp_expect(y, YAML_SCALAR_EVENT, "a key") && k->fn(y, k->arg);
}

bool yp_each_key(struct yp *y, const char *what, yp_entry_fn *fn, void *arg)
{
	struct key_fn k = { fn, arg };
	return yp_each(y, YAML_MAPPING_START_EVENT, what, at_key, &k);
}

/* The current event is a node to ignore (fingerprints only). */
bool yp_skip(struct yp *y)
{
	size_t depth = 0;
	for (;;) {
		switch (y->ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (depth == 0)
			return true;
		if (!yp_next(y))
			return false;
	}
}

/* The current event as an integer of at most `bits` bits. */
bool yp_uint(struct yp *y, const char *what, unsigned bits, uint64_t *out)
{
	char buf[64];
	uint64_t v;

	if (!yp_is(y, YAML_SCALAR_EVENT))
		return yp_fail(y, "expected an integer (%s), got %s", what,
			       yp_ev_what(&y->ev));
	if (!y->lenient && y->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return yp_fail(y, "expected an integer (%s), got the quoted string \"%s\"; write it without quotes",
			       what, yp_excerpt(yp_text(y), yp_len(y), buf));
	int r = yp_parse_uint(yp_text(y), yp_len(y), &v);
	const char *s = r ? yp_excerpt(yp_text(y), yp_len(y), buf) : NULL;
	switch (r) {
	case -EINVAL:
		return yp_fail(y, "expected an integer (%s), decimal or 0x hex, got '%s'",
			       what, s);
	case -EDOM:
		return yp_fail(y, "%s: '%s' has a leading zero, which YAML 1.1 reads as octal; write it in decimal without the zero or as 0x hex",
			       what, s);
	case -ERANGE:
		return yp_fail(y, "%s: '%s' does not fit in 64 bits", what, s);
	}
	if (bits < 64 && v >> bits)
		return yp_fail(y, "%s: 0x%" PRIx64 " does not fit in %u bits",
			       what, v, bits);
	*out = v;
	return true;
}

bool yp_uint32(struct yp *y, const char *what, uint32_t *out)
{
	uint64_t v = 0;
	if (!yp_uint(y, what, 32, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* The current event as a non-empty string (malloc'd). */
bool yp_string(struct yp *y, const char *what, char **out)
{
	if (!yp_is(y, YAML_SCALAR_EVENT))
		return yp_fail(y, "expected a string (%s), got %s", what,
			       yp_ev_what(&y->ev));
	if (yp_len(y) == 0)
		return yp_fail(y, "%s must not be empty", what);
	if (memchr(yp_text(y), 0, yp_len(y)))
		return yp_fail(y, "%s contains a NUL character", what);
	free(*out);
	*out = kfp_xstrndup(yp_text(y), yp_len(y));
	return true;
}
