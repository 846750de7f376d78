/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Firecracker custom CPU template (JSON) read into a model (fc_template.h).
 *
 * libyaml reads the JSON: JSON is YAML's flow syntax.  YAML accepts more
 * than JSON (comments, single quotes, unquoted words, trailing commas,
 * escapes such as \x41, several documents) and treats some JSON differently
 * (a tab at the start of a line; duplicate keys, which JSON leaves to the
 * reader and Firecracker rejects), so the text is first checked to be JSON:
 * json_check() walks its tokens, builds nothing and reports the first
 * problem where it is.  Strings with \u escapes of surrogates (characters
 * beyond U+FFFF) are refused there: libyaml does not decode them.
 */
#include "fc_template.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/util.h"

#define JSON_MAX_DEPTH 64

/* ---- locations ---- */

/* The byte offset of a libyaml mark, whose column counts characters. */
static size_t mark_off(const struct kfp_source *src, const yaml_mark_t *m)
{
	return kfp_source_offset(src, m->line, m->column);
}

struct kfp_loc fc_template_loc(const struct tpl *t)
{
	return kfp_file_loc(t->src);
}

/* ---- is it JSON? ---- */

struct jc {
	struct kfp_ctx *ctx;
	const struct kfp_source *src;
	char *copy; /* what libyaml reads: tabs and lone CRs outside strings
		     * become spaces, which keeps every offset and column */
	size_t pos;
};

static bool jc_fail(struct jc *c, size_t at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool jc_fail(struct jc *c, size_t at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct kfp_loc loc = kfp_source_span(c->src, at, at < c->src->len ? at + 1 : at);
	kfp_vdiag(c->ctx, KFP_SEV_ERROR, &loc, fmt, ap);
	va_end(ap);
	return false;
}

/* A string from its opening quote to after its closing one. */
static bool jc_string(struct jc *c)
{
	const char *s = c->src->buf;
	size_t len = c->src->len;
	for (c->pos++;;) {
		if (c->pos >= len || s[c->pos] == '\n')
			return jc_fail(c, c->pos, "unterminated string");
		unsigned char ch = (unsigned char)s[c->pos];
		if (ch < 0x20)
			return jc_fail(c, c->pos, "control character in a string");
		if (ch == '"') {
			c->pos++;
			return true;
		}
		if (ch != '\\') {
			c->pos++;
			continue;
		}
		size_t at = c->pos++;
		ch = c->pos < len ? (unsigned char)s[c->pos] : 0;
		if (ch && strchr("\"\\/bfnrt", ch)) {
			c->pos++;
			continue;
		}
		if (ch != 'u')
			return jc_fail(c, c->pos, "unknown escape in a string");
		c->pos++;
		uint32_t cp = 0;
		for (int i = 0; i < 4; i++, c->pos++) {
			int v = c->pos < len ? kfp_hex_digit((unsigned char)s[c->pos]) : -1;
			if (v < 0)
				return jc_fail(c, c->pos, "\\u needs four hexadecimal digits");
			cp = cp << 4 | (uint32_t)v;
		}
		if (cp == 0)
			return jc_fail(c, at, "\\u0000 in a string");
		if (cp >= 0xd800 && cp < 0xe000)
			return jc_fail(c, at, "\\u%04" PRIX32 " is half of a surrogate pair: characters beyond U+FFFF cannot be written as \\u escapes here (write them as UTF-8)",
				       cp);
	}
}

/* A number, true, false or null. */
static bool jc_word(struct jc *c)
{
	const char *s = c->src->buf;
	size_t start = c->pos, end = start;
	while (end < c->src->len && (strchr("+-.", s[end]) || (s[end] >= '0' && s[end] <= '9') ||
				     (s[end] >= 'a' && s[end] <= 'z') || (s[end] >= 'A' && s[end] <= 'Z')))
		end++;
	size_t n = end - start;
	c->pos = end;
	if ((n == 4 && !memcmp(s + start, "true", 4)) || (n == 5 && !memcmp(s + start, "false", 5)) ||
	    (n == 4 && !memcmp(s + start, "null", 4)))
		return true;
	/* -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
	size_t i = start;
#define DIGITS(min)                                                            \
	do {                                                                   \
		size_t d_ = i;                                                 \
		while (i < end && s[i] >= '0' && s[i] <= '9')                  \
			i++;                                                   \
		if (i - d_ < (min))                                            \
			goto bad;                                              \
	} while (0)
	if (i < end && s[i] == '-')
		i++;
	if (i < end && s[i] == '0')
		i++;
	else
		DIGITS(1);
	if (i < end && s[i] == '.') {
		i++;
		DIGITS(1);
	}
	if (i < end && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < end && (s[i] == '+' || s[i] == '-'))
			i++;
		DIGITS(1);
	}
#undef DIGITS
	if (i == end)
		return true;
bad:
	if (!((s[start] >= '0' && s[start] <= '9') || s[start] == '-'))
		return jc_fail(c, start, "unexpected character '%c'", s[start]);
	return jc_fail(c, start, "'%.*s' is not a JSON number", (int)(n > 40 ? 40 : n), s + start);
}

/* Checks that the source is one JSON value and nothing else. */
static bool json_check(struct jc *c)
{
	enum { VALUE, VALUE_OR_CLOSE, KEY, KEY_OR_CLOSE, COLON, COMMA_OR_CLOSE, DONE } want = VALUE;
	char stack[JSON_MAX_DEPTH];
	unsigned depth = 0;
	const char *s = c->src->buf;
	size_t len = c->src->len;
	c->copy = kfp_xmalloc(len + 1);
	memcpy(c->copy, s, len + 1);
	if (memchr(s, 0, len))
		return jc_fail(c, 0, "the file contains a NUL byte");
	for (c->pos = 0;;) {
		while (c->pos < len && strchr(" \t\n\r", s[c->pos]) && s[c->pos]) {
			if (s[c->pos] == '\t' || (s[c->pos] == '\r' && s[c->pos + 1] != '\n'))
				c->copy[c->pos] = ' ';
			c->pos++;
		}
		if (c->pos >= len) {
			if (want != DONE)
				return jc_fail(c, c->pos, "unexpected end of file");
			return true;
		}
		size_t at = c->pos;
		char ch = s[at];
		bool obj = depth && stack[depth - 1] == '{';
		switch (want) {
		case DONE:
			return jc_fail(c, at, "unexpected text after the JSON value");
		case COLON:
			if (ch != ':')
				return jc_fail(c, at, "expected ':' after a member name");
			c->pos++;
			want = VALUE;
			continue;
		case COMMA_OR_CLOSE:
			if (ch == ',') {
				c->pos++;
				want = obj ? KEY : VALUE;
				continue;
			}
			if (ch != (obj ? '}' : ']'))
				return jc_fail(c, at, obj ? "expected ',' or '}'" : "expected ',' or ']'");
			c->pos++;
			depth--;
			want = depth ? COMMA_OR_CLOSE : DONE;
			continue;
		case KEY_OR_CLOSE:
		case KEY:
			if (want == KEY_OR_CLOSE && ch == '}') {
				c->pos++;
				depth--;
				want = depth ? COMMA_OR_CLOSE : DONE;
				continue;
			}
			if (ch != '"')
				return jc_fail(c, at, "expected a member name (a string)");
			if (!jc_string(c))
				return false;
			want = COLON;
			continue;
		case VALUE_OR_CLOSE:
			if (ch == ']') {
				c->pos++;
				depth--;
				want = depth ? COMMA_OR_CLOSE : DONE;
				continue;
			}
			/* fall through */
		case VALUE:
			break;
		}
		if (ch == '{' || ch == '[') {
			if (depth == JSON_MAX_DEPTH)
				return jc_fail(c, at, "nested too deeply");
			stack[depth++] = ch;
			c->pos++;
			want = ch == '{' ? KEY_OR_CLOSE : VALUE_OR_CLOSE;
			continue;
		}
		if (ch == '"') {
			if (!jc_string(c))
				return false;
		} else if (ch == '-' || (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z')) {
			if (!jc_word(c))
				return false;
		} else {
			return jc_fail(c, at, "unexpected character '%c'", ch);
		}
		want = depth ? COMMA_OR_CLOSE : DONE;
	}
}

/* ---- the document ---- */

struct rd {
	struct kfp_ctx *ctx;
	yaml_document_t doc;
	struct tpl *t;
};

typedef yaml_node_t node;

static struct kfp_loc node_loc(const struct rd *r, const node *n)
{
	size_t off = mark_off(r->t->src, &n->start_mark), end = mark_off(r->t->src, &n->end_mark);
	return kfp_source_span(r->t->src, off, end > off ? end : off);
}

static bool verr(struct rd *r, const node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static bool verr(struct rd *r, const node *n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct kfp_loc loc = node_loc(r, n);
	kfp_vdiag(r->ctx, KFP_SEV_ERROR, &loc, fmt, ap);
	va_end(ap);
	return false;
}

static node *get(struct rd *r, int id)
{
	return yaml_document_get_node(&r->doc, id);
}

static bool is_obj(const node *n)
{
	return n->type == YAML_MAPPING_NODE;
}

static bool is_arr(const node *n)
{
	return n->type == YAML_SEQUENCE_NODE;
}

/* A JSON string: json_check() let only those be quoted. */
static const char *str(const node *n)
{
	return n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ?
		       (const char *)n->data.scalar.value :
		       NULL;
}

/* A JSON number, as written. */
static const char *num(const node *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return NULL;
	const char *s = (const char *)n->data.scalar.value;
	return *s == '-' || (*s >= '0' && *s <= '9') ? s : NULL;
}

static size_t arr_len(const node *n)
{
	return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static node *arr_at(struct rd *r, const node *n, size_t i)
{
	return get(r, n->data.sequence.items.start[i]);
}

static node *member(struct rd *r, const node *obj, const char *key)
{
	for (yaml_node_pair_t *p = obj->data.mapping.pairs.start; p < obj->data.mapping.pairs.top; p++)
		if (!strcmp(str(get(r, p->key)), key))
			return get(r, p->value);
	return NULL;
}

/* JSON leaves duplicate member names to the reader; Firecracker refuses
 * them, and so does kfp, anywhere in the file. */
static bool no_duplicates(struct rd *r, const node *n, unsigned depth)
{
	if (depth > JSON_MAX_DEPTH)
		return verr(r, n, "nested too deeply");
	if (is_arr(n)) {
		for (size_t i = 0; i < arr_len(n); i++)
			if (!no_duplicates(r, arr_at(r, n, i), depth + 1))
				return false;
	} else if (is_obj(n)) {
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top;
		     p++) {
			const node *k = get(r, p->key);
			for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++)
				if (!strcmp(str(get(r, q->key)), str(k)))
					return verr(r, k, "duplicate member \"%s\"", str(k));
			if (!no_duplicates(r, get(r, p->value), depth + 1))
				return false;
		}
	}
	return true;
}

/* ---- the template ---- */

/* Firecracker applies modifiers in order: a later one wins where it has a
 * '0' or '1'. */
static void bits_merge(struct bits *a, const struct bits *b)
{
	for (int i = 0; i < 2; i++) {
		a->value[i] = (a->value[i] & ~b->filter[i]) | b->value[i];
		a->filter[i] |= b->filter[i];
	}
}

char bits_char(const struct bits *b, unsigned bit)
{
	int w = bit >= 64;
	bit &= 63;
	if (!(b->filter[w] >> bit & 1))
		return 'x';
	return b->value[w] >> bit & 1 ? '1' : '0';
}

/* Checks an object's members against the ones allowed (Firecracker rejects
 * unknown fields) and that the required ones are there. */
static bool members(struct rd *r, const node *obj, const char *what, const char *const *allowed,
		    const char *const *required)
{
	if (!is_obj(obj))
		return verr(r, obj, "%s must be an object", what);
	for (yaml_node_pair_t *p = obj->data.mapping.pairs.start; p < obj->data.mapping.pairs.top;
	     p++) {
		const char *key = str(get(r, p->key));
		bool ok = false;
		for (size_t k = 0; allowed[k] && !ok; k++)
			ok = !strcmp(key, allowed[k]);
		if (!ok)
			return verr(r, get(r, p->value), "unknown member \"%s\" in %s", key, what);
	}
	for (size_t k = 0; required[k]; k++)
		if (!member(r, obj, required[k]))
			return verr(r, obj, "%s has no \"%s\"", what, required[k]);
	return true;
}

/* A number written "0x..." or "0b..." (Firecracker's deserialize_from_str). */
static bool hexbin(struct rd *r, const node *v, const char *what, unsigned bits, uint64_t *out)
{
	const char *s = str(v), *text = s;
	if (!s)
		return verr(r, v, "%s must be a string such as \"0x1f\"", what);
	unsigned base = !strncmp(s, "0x", 2) ? 16 : !strncmp(s, "0b", 2) ? 2 : 0;
	if (!base || !s[2])
		return verr(r, v, "%s \"%s\" needs the prefix 0x or 0b and digits", what, s);
	uint64_t x = 0;
	for (s += 2; *s; s++) {
		int d = kfp_hex_digit((unsigned char)*s);
		if (d < 0 || d >= (int)base)
			return verr(r, v, "%s \"%s\" is not a number", what, text);
		if (x > (UINT64_MAX - (uint64_t)d) / base)
			return verr(r, v, "%s \"%s\" does not fit in %u bits", what, text, bits);
		x = x * base + (uint64_t)d;
	}
	if (bits < 64 && x >> bits)
		return verr(r, v, "%s \"%s\" does not fit in %u bits", what, text, bits);
	*out = x;
	return true;
}

static bool uint_num(struct rd *r, const node *v, const char *what, uint32_t *out)
{
	const char *s = num(v);
	if (!s || s[0] == '-' || strpbrk(s, ".eE"))
		return verr(r, v, "%s must be a non-negative integer", what);
	errno = 0;
	char *end;
	unsigned long long x = strtoull(s, &end, 10);
	if (errno || *end || x > UINT32_MAX)
		return verr(r, v, "%s %s does not fit in 32 bits", what, s);
	*out = (uint32_t)x;
	return true;
}

/* "0b0_1x..." read right to left; shorter strings leave the top bits 'x'. */
static bool bitmap(struct rd *r, const node *v, unsigned width, struct bits *out)
{
	const char *text = str(v), *s = text;
	if (!s)
		return verr(r, v, "a bitmap must be a string such as \"0b01x\"");
	if (!strncmp(s, "0b", 2))
		s += 2;
	memset(out, 0, sizeof(*out));
	unsigned i = 0;
	for (size_t k = strlen(s); k-- > 0;) {
		char c = s[k];
		if (c == '_')
			continue;
		if (c != '0' && c != '1' && c != 'x')
			return verr(r, v, "bitmap \"%s\" has the character '%c' (only 0, 1, x and _)",
				    text, c);
		if (i == width)
			return verr(r, v, "bitmap \"%s\" is longer than the register's %u bits", text,
				    width);
		if (c != 'x') {
			out->filter[i / 64] |= 1ull << (i % 64);
			if (c == '1')
				out->value[i / 64] |= 1ull << (i % 64);
		}
		i++;
	}
	return true;
}

static bool load_cpuid(struct rd *r, const node *arr)
{
	static const char *const keys[] = { "leaf", "subleaf", "flags", "modifiers", NULL };
	static const char *const mkeys[] = { "register", "bitmap", NULL };
	struct tpl *t = r->t;
	if (!is_arr(arr))
		return verr(r, arr, "cpuid_modifiers must be an array");
	for (size_t i = 0; i < arr_len(arr); i++) {
		const node *o = arr_at(r, arr, i);
		uint64_t leaf, sub;
		uint32_t flags;
		if (!members(r, o, "a cpuid modifier", keys, keys) ||
		    !hexbin(r, member(r, o, "leaf"), "leaf", 32, &leaf) ||
		    !hexbin(r, member(r, o, "subleaf"), "subleaf", 32, &sub) ||
		    !uint_num(r, member(r, o, "flags"), "flags", &flags))
			return false;
		struct tcpuid *e = NULL;
		for (size_t k = 0; k < t->ncpuid && !e; k++)
			if (t->cpuid[k].leaf == leaf && t->cpuid[k].subleaf == sub)
				e = &t->cpuid[k];
		if (!e) {
			struct tcpuid n = { .leaf = (uint32_t)leaf, .subleaf = (uint32_t)sub,
					    .loc = node_loc(r, o) };
			KFP_VEC_PUSH(t->cpuid, t->ncpuid, t->cpuid_cap, n);
			e = &t->cpuid[t->ncpuid - 1];
		}
		const node *mods = member(r, o, "modifiers");
		if (!is_arr(mods))
			return verr(r, mods, "modifiers must be an array");
		for (size_t k = 0; k < arr_len(mods); k++) {
			static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
			const node *m = arr_at(r, mods, k);
			if (!members(r, m, "a register modifier", mkeys, mkeys))
				return false;
			const node *rn = member(r, m, "register");
			int reg = -1;
			for (int q = 0; q < 4 && str(rn); q++)
				if (!strcmp(str(rn), regs[q]))
					reg = q;
			if (reg < 0)
				return verr(r, rn, "register must be \"eax\", \"ebx\", \"ecx\" or \"edx\"");
			struct bits b;
			if (!bitmap(r, member(r, m, "bitmap"), 32, &b))
				return false;
			bits_merge(&e->regs[reg], &b);
			e->has[reg] = true;
		}
	}
	return true;
}

/* Entries by address (or vcpu_features index), merged in order. */
static void add_reg(struct rd *r, const node *o, uint64_t addr, const struct bits *b,
		    struct treg **v, size_t *n, size_t *cap)
{
	struct treg *e = NULL;
	for (size_t k = 0; k < *n && !e; k++)
		if ((*v)[k].addr == addr)
			e = &(*v)[k];
	if (!e) {
		struct treg reg = { .addr = addr, .loc = node_loc(r, o) };
		KFP_VEC_PUSH(*v, *n, *cap, reg);
		e = &(*v)[*n - 1];
	}
	bits_merge(&e->b, b);
}

static bool load_regs(struct rd *r, const node *arr, const char *what, unsigned addr_bits,
		      unsigned width, struct treg **v, size_t *n, size_t *cap)
{
	static const char *const keys[] = { "addr", "bitmap", NULL };
	if (!is_arr(arr))
		return verr(r, arr, "%s must be an array", what);
	for (size_t i = 0; i < arr_len(arr); i++) {
		const node *o = arr_at(r, arr, i);
		uint64_t addr;
		struct bits b;
		if (!members(r, o, "a register modifier", keys, keys) ||
		    !hexbin(r, member(r, o, "addr"), "addr", addr_bits, &addr) ||
		    !bitmap(r, member(r, o, "bitmap"), width, &b))
			return false;
		add_reg(r, o, addr, &b, v, n, cap);
	}
	return true;
}

static bool load_vcpu(struct rd *r, const node *arr)
{
	static const char *const keys[] = { "index", "bitmap", NULL };
	struct tpl *t = r->t;
	if (!is_arr(arr))
		return verr(r, arr, "vcpu_features must be an array");
	for (size_t i = 0; i < arr_len(arr); i++) {
		const node *o = arr_at(r, arr, i);
		uint32_t index;
		struct bits b;
		if (!members(r, o, "a vcpu_features entry", keys, keys) ||
		    !uint_num(r, member(r, o, "index"), "index", &index) ||
		    !bitmap(r, member(r, o, "bitmap"), 32, &b))
			return false;
		if (index >= 7)
			return verr(r, member(r, o, "index"),
				    "index %" PRIu32 " is past the 7 words of kvm_vcpu_init.features", index);
		add_reg(r, o, index, &b, &t->vcpu, &t->nvcpu, &t->vcpu_cap);
	}
	return true;
}

static bool load_tpl(struct rd *r, const node *root)
{
	static const char *const keys[] = { "cpuid_modifiers", "msr_modifiers", "reg_modifiers",
					    "vcpu_features", "kvm_capabilities", NULL };
	static const char *const none[] = { NULL };
	struct tpl *t = r->t;
	if (!members(r, root, "a CPU template", keys, none))
		return false;
	const node *v;
	if ((v = member(r, root, "cpuid_modifiers")) && !load_cpuid(r, v))
		return false;
	if ((v = member(r, root, "msr_modifiers")) &&
	    !load_regs(r, v, "msr_modifiers", 32, 64, &t->msrs, &t->nmsrs, &t->msrs_cap))
		return false;
	if ((v = member(r, root, "reg_modifiers")) &&
	    !load_regs(r, v, "reg_modifiers", 64, 128, &t->regs, &t->nregs, &t->regs_cap))
		return false;
	if ((v = member(r, root, "vcpu_features")) && !load_vcpu(r, v))
		return false;
	if ((v = member(r, root, "kvm_capabilities"))) {
		if (!is_arr(v))
			return verr(r, v, "kvm_capabilities must be an array");
		t->ncaps = arr_len(v);
	}
	t->x86 = member(r, root, "cpuid_modifiers") || member(r, root, "msr_modifiers");
	t->arm64 = member(r, root, "reg_modifiers") || member(r, root, "vcpu_features");
	if (t->x86 && t->arm64)
		return verr(r, root,
			    "the template mixes x86_64 members (cpuid_modifiers, msr_modifiers) with aarch64 ones (reg_modifiers, vcpu_features)");
	if (!t->x86 && !t->arm64)
		return verr(r, root,
			    "the template modifies nothing, so its architecture is unknown (an x86_64 template has cpuid_modifiers or msr_modifiers, an aarch64 one reg_modifiers or vcpu_features)");
	return true;
}

bool fc_template_read(struct kfp_ctx *ctx, const struct kfp_source *src, struct tpl *t)
{
	*t = (struct tpl){ .src = src };
	struct jc c = { .ctx = ctx, .src = src };
	if (!json_check(&c)) {
		free(c.copy);
		return false;
	}
	struct rd r = { .ctx = ctx, .t = t };
	yaml_parser_t parser;
	yaml_parser_initialize(&parser);
	yaml_parser_set_input_string(&parser, (const unsigned char *)c.copy, src->len);
	bool ok = yaml_parser_load(&parser, &r.doc);
	if (!ok) {
		/* JSON that libyaml does not read: say so, where it stopped. */
		size_t off = parser.error == YAML_READER_ERROR ? parser.problem_offset :
							       mark_off(src, &parser.problem_mark);
		struct kfp_loc loc = kfp_source_span(src, off, off < src->len ? off + 1 : off);
		kfp_error(ctx, &loc, "libyaml cannot read this JSON: %s",
			  parser.problem ? parser.problem : "unknown error");
	} else {
		node *root = yaml_document_get_root_node(&r.doc);
		ok = root && no_duplicates(&r, root, 0) && load_tpl(&r, root);
		yaml_document_delete(&r.doc);
	}
	yaml_parser_delete(&parser);
	free(c.copy);
	return ok;
}

void fc_template_free(struct tpl *t)
{
	free(t->cpuid);
	free(t->msrs);
	free(t->regs);
	free(t->vcpu);
}

const struct tcpuid *tpl_cpuid(const struct tpl *t, uint32_t leaf, uint32_t sub)
{
	for (size_t i = 0; i < t->ncpuid; i++)
		if (t->cpuid[i].leaf == leaf && t->cpuid[i].subleaf == sub)
			return &t->cpuid[i];
	return NULL;
}

char cpuid_char(const struct tpl *t, uint32_t leaf, uint32_t sub, unsigned reg, unsigned bit)
{
	const struct tcpuid *e = tpl_cpuid(t, leaf, sub);
	return e && e->has[reg] ? bits_char(&e->regs[reg], bit) : 'x';
}

const struct treg *tpl_reg(const struct treg *v, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].addr == addr)
			return &v[i];
	return NULL;
}

char reg_char(const struct treg *v, size_t n, uint64_t addr, unsigned bit)
{
	const struct treg *r = tpl_reg(v, n, addr);
	return r ? bits_char(&r->b, bit) : 'x';
}
