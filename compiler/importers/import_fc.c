/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firecracker custom CPU template -> kfp policy.
 *
 * A template bit is '0' (cleared), '1' (set, whatever the host has) or 'x'
 * (the host's value), applied as (host & ~filter) | value.  A policy is
 * default deny and cannot pass a bit through unseen, so:
 *  - a catalogued feature at '1' or 'x' is allowed (exposed when the host
 *    has it), one at '0' is denied;
 *  - an uncatalogued bit at '1' in a feature register becomes a raw
 *    `cpuid ... = 1`, one at 'x' is hidden (default deny);
 *  - arm64 ID-register fields fixed by the template become `FIELD = v`,
 *    fields left at 'x' keep the host's value (`* >= 0`).
 * Registers the template does not mention are all 'x'.  The policy is
 * generated for a kernel, compiled to check it, and printed in canonical
 * form; without --min-kernel the oldest catalogued kernel for which it
 * checks is used.  docs/vmm-formats.md has the details.
 */
#include "import_fc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/semantics/config.h"
#include "base/ctx.h"
#include "compiler/emitters/emit.h"
#include "grammar/fmt.h"
#include "compiler/pipeline.h"
#include "compiler/profiles/profile.h"
#include "compiler/semantics/sema.h"
#include "base/util.h"

/* ---- JSON ---- */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	uint32_t line, col;
	char *str; /* J_STR: the text; J_NUM: the literal */
	bool b;
	struct jv *kids; /* J_ARR items, J_OBJ values */
	char **keys;     /* J_OBJ */
	size_t n, cap;
};

struct jp {
	const char *file;
	const char *s;
	size_t len, pos;
	uint32_t line, col;
	char *err;
	unsigned depth;
};

static bool jerr(struct jp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool jerr(struct jp *p, const char *fmt, ...)
{
	if (p->err)
		return false;
	va_list ap;
	va_start(ap, fmt);
	char *m = kfp_xvasprintf(fmt, ap);
	va_end(ap);
	p->err = kfp_xasprintf("%s:%" PRIu32 ":%" PRIu32 ": %s", p->file, p->line, p->col, m);
	free(m);
	return false;
}

static int jpeek(const struct jp *p)
{
	return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static void jadv(struct jp *p)
{
	if (p->pos >= p->len)
		return;
	if (p->s[p->pos] == '\n') {
		p->line++;
		p->col = 1;
	} else {
		p->col++;
	}
	p->pos++;
}

static void jws(struct jp *p)
{
	for (int c = jpeek(p); c == ' ' || c == '\t' || c == '\n' || c == '\r'; c = jpeek(p))
		jadv(p);
}

static void jv_free(struct jv *v)
{
	for (size_t i = 0; i < v->n; i++) {
		jv_free(&v->kids[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->kids);
	free(v->keys);
	free(v->str);
}

static void put_utf8(char **buf, size_t *n, size_t *cap, uint32_t cp)
{
	char t[4];
	size_t k = 0;
	if (cp < 0x80) {
		t[k++] = (char)cp;
	} else if (cp < 0x800) {
		t[k++] = (char)(0xc0 | cp >> 6);
		t[k++] = (char)(0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		t[k++] = (char)(0xe0 | cp >> 12);
		t[k++] = (char)(0x80 | (cp >> 6 & 0x3f));
		t[k++] = (char)(0x80 | (cp & 0x3f));
	} else {
		t[k++] = (char)(0xf0 | cp >> 18);
		t[k++] = (char)(0x80 | (cp >> 12 & 0x3f));
		t[k++] = (char)(0x80 | (cp >> 6 & 0x3f));
		t[k++] = (char)(0x80 | (cp & 0x3f));
	}
	for (size_t i = 0; i < k; i++)
		KFP_VEC_PUSH(*buf, *n, *cap, t[i]);
}

static bool jhex4(struct jp *p, uint32_t *out)
{
	*out = 0;
	for (int i = 0; i < 4; i++) {
		int c = jpeek(p);
		int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
			c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (v < 0)
			return jerr(p, "\\u needs four hexadecimal digits");
		*out = *out << 4 | (uint32_t)v;
		jadv(p);
	}
	return true;
}

static bool jstring(struct jp *p, char **out)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	jadv(p); /* " */
	for (;;) {
		int c = jpeek(p);
		if (c < 0 || c == '\n') {
			free(buf);
			return jerr(p, "unterminated string");
		}
		if (c < 0x20) {
			free(buf);
			return jerr(p, "control character in a string");
		}
		if (c == '"') {
			jadv(p);
			break;
		}
		if (c != '\\') {
			KFP_VEC_PUSH(buf, n, cap, (char)c);
			jadv(p);
			continue;
		}
		jadv(p);
		c = jpeek(p);
		const char *esc = "\"\\/bfnrt", *val = "\"\\/\b\f\n\r\t";
		const char *e = c > 0 ? strchr(esc, c) : NULL;
		if (e && c) {
			KFP_VEC_PUSH(buf, n, cap, val[e - esc]);
			jadv(p);
		} else if (c == 'u') {
			uint32_t cp, lo;
			jadv(p);
			if (!jhex4(p, &cp)) {
				free(buf);
				return false;
			}
			if (cp >= 0xd800 && cp < 0xdc00) {
				if (jpeek(p) != '\\') {
					free(buf);
					return jerr(p, "unpaired surrogate in \\u escape");
				}
				jadv(p);
				if (jpeek(p) != 'u') {
					free(buf);
					return jerr(p, "unpaired surrogate in \\u escape");
				}
				jadv(p);
				if (!jhex4(p, &lo)) {
					free(buf);
					return false;
				}
				if (lo < 0xdc00 || lo >= 0xe000) {
					free(buf);
					return jerr(p, "unpaired surrogate in \\u escape");
				}
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			} else if (cp >= 0xdc00 && cp < 0xe000) {
				free(buf);
				return jerr(p, "unpaired surrogate in \\u escape");
			}
			if (cp == 0) {
				free(buf);
				return jerr(p, "\\u0000 in a string");
			}
			put_utf8(&buf, &n, &cap, cp);
		} else {
			free(buf);
			return jerr(p, "unknown escape in a string");
		}
	}
	KFP_VEC_PUSH(buf, n, cap, 0);
	*out = buf;
	return true;
}

static bool jvalue(struct jp *p, struct jv *v);

static bool jcontainer(struct jp *p, struct jv *v, bool obj)
{
	if (++p->depth > 64)
		return jerr(p, "nested too deeply");
	jadv(p);
	jws(p);
	if (jpeek(p) == (obj ? '}' : ']')) {
		jadv(p);
		p->depth--;
		return true;
	}
	for (;;) {
		char *key = NULL;
		jws(p);
		if (obj) {
			if (jpeek(p) != '"')
				return jerr(p, "expected a member name (a string)");
			if (!jstring(p, &key))
				return false;
			for (size_t i = 0; i < v->n; i++)
				if (!strcmp(v->keys[i], key)) {
					free(key);
					return jerr(p, "duplicate member \"%s\"", v->keys[i]);
				}
			jws(p);
			if (jpeek(p) != ':') {
				free(key);
				return jerr(p, "expected ':' after a member name");
			}
			jadv(p);
			jws(p);
		}
		if (v->n == v->cap) {
			v->cap = v->cap ? 2 * v->cap : 8;
			v->kids = kfp_xrealloc(v->kids, v->cap * sizeof(*v->kids));
			if (obj)
				v->keys = kfp_xrealloc(v->keys, v->cap * sizeof(*v->keys));
		}
		memset(&v->kids[v->n], 0, sizeof(v->kids[v->n]));
		if (obj)
			v->keys[v->n] = key;
		v->n++;
		if (!jvalue(p, &v->kids[v->n - 1]))
			return false;
		jws(p);
		int c = jpeek(p);
		if (c == ',') {
			jadv(p);
			continue;
		}
		if (c == (obj ? '}' : ']')) {
			jadv(p);
			p->depth--;
			return true;
		}
		return jerr(p, obj ? "expected ',' or '}'" : "expected ',' or ']'");
	}
}

static bool jword(struct jp *p, const char *w)
{
	size_t n = strlen(w);
	if (p->len - p->pos < n || memcmp(p->s + p->pos, w, n))
		return false;
	for (size_t i = 0; i < n; i++)
		jadv(p);
	return true;
}

static bool jvalue(struct jp *p, struct jv *v)
{
	jws(p);
	v->line = p->line;
	v->col = p->col;
	int c = jpeek(p);
	if (c == '{') {
		v->t = J_OBJ;
		return jcontainer(p, v, true);
	}
	if (c == '[') {
		v->t = J_ARR;
		return jcontainer(p, v, false);
	}
	if (c == '"') {
		v->t = J_STR;
		return jstring(p, &v->str);
	}
	if (c == '-' || (c >= '0' && c <= '9')) {
		size_t start = p->pos;
		if (c == '-')
			jadv(p);
		for (c = jpeek(p); (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
				   c == '+' || c == '-';
		     c = jpeek(p))
			jadv(p);
		v->t = J_NUM;
		v->str = kfp_xstrndup(p->s + start, p->pos - start);
		return true;
	}
	if (jword(p, "true") || jword(p, "false")) {
		v->t = J_BOOL;
		v->b = p->s[p->pos - 1] == 'e' && p->s[p->pos - 2] == 'u';
		return true;
	}
	if (jword(p, "null")) {
		v->t = J_NULL;
		return true;
	}
	return c < 0 ? jerr(p, "unexpected end of file") : jerr(p, "unexpected character '%c'", c);
}

/* ---- the template ---- */

struct bits {
	uint64_t filter[2], value[2]; /* bits 0-63, 64-127 */
};

/* Firecracker applies modifiers in order: a later one wins where it has a
 * '0' or '1'. */
static void bits_merge(struct bits *a, const struct bits *b)
{
	for (int i = 0; i < 2; i++) {
		a->value[i] = (a->value[i] & ~b->filter[i]) | b->value[i];
		a->filter[i] |= b->filter[i];
	}
}

static char bits_char(const struct bits *b, unsigned bit)
{
	int w = bit >= 64;
	bit &= 63;
	if (!(b->filter[w] >> bit & 1))
		return 'x';
	return b->value[w] >> bit & 1 ? '1' : '0';
}

struct tcpuid {
	uint32_t leaf, subleaf;
	bool has[4];
	struct bits regs[4];
	uint32_t line, col; /* of its first entry in the template */
};

struct treg {
	uint64_t addr;
	struct bits b;
	uint32_t line, col;
};

struct tpl {
	const char *file;
	bool x86, arm64;
	struct tcpuid *cpuid;
	size_t ncpuid, cpuid_cap;
	struct treg *msrs;
	size_t nmsrs, msrs_cap;
	struct treg *regs;
	size_t nregs, regs_cap;
	struct treg *vcpu; /* addr: the index in kvm_vcpu_init.features */
	size_t nvcpu, vcpu_cap;
	size_t ncaps;
};

static void tpl_free(struct tpl *t)
{
	free(t->cpuid);
	free(t->msrs);
	free(t->regs);
	free(t->vcpu);
}

static bool verr(struct tpl *t, const struct jv *v, char **err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static bool verr(struct tpl *t, const struct jv *v, char **err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *m = kfp_xvasprintf(fmt, ap);
	va_end(ap);
	*err = kfp_xasprintf("%s:%" PRIu32 ":%" PRIu32 ": %s", t->file, v->line, v->col, m);
	free(m);
	return false;
}

static const struct jv *member(const struct jv *obj, const char *key)
{
	for (size_t i = 0; i < obj->n; i++)
		if (!strcmp(obj->keys[i], key))
			return &obj->kids[i];
	return NULL;
}

/* Checks an object's members against the ones allowed (Firecracker rejects
 * unknown fields) and that the required ones are there. */
static bool members(struct tpl *t, const struct jv *obj, const char *what,
		    const char *const *allowed, const char *const *required, char **err)
{
	if (obj->t != J_OBJ)
		return verr(t, obj, err, "%s must be an object", what);
	for (size_t i = 0; i < obj->n; i++) {
		bool ok = false;
		for (size_t k = 0; allowed[k] && !ok; k++)
			ok = !strcmp(obj->keys[i], allowed[k]);
		if (!ok)
			return verr(t, &obj->kids[i], err, "unknown member \"%s\" in %s", obj->keys[i],
				    what);
	}
	for (size_t k = 0; required[k]; k++)
		if (!member(obj, required[k]))
			return verr(t, obj, err, "%s has no \"%s\"", what, required[k]);
	return true;
}

/* A number written "0x..." or "0b..." (Firecracker's deserialize_from_str). */
static bool hexbin(struct tpl *t, const struct jv *v, const char *what, unsigned bits,
		   uint64_t *out, char **err)
{
	if (v->t != J_STR)
		return verr(t, v, err, "%s must be a string such as \"0x1f\"", what);
	const char *s = v->str;
	unsigned base = !strncmp(s, "0x", 2) ? 16 : !strncmp(s, "0b", 2) ? 2 : 0;
	if (!base || !s[2])
		return verr(t, v, err, "%s \"%s\" needs the prefix 0x or 0b and digits", what, s);
	uint64_t x = 0;
	for (s += 2; *s; s++) {
		int d = *s >= '0' && *s <= '9' ? *s - '0' : *s >= 'a' && *s <= 'f' ? *s - 'a' + 10 :
			*s >= 'A' && *s <= 'F' ? *s - 'A' + 10 : 99;
		if (d >= (int)base)
			return verr(t, v, err, "%s \"%s\" is not a number", what, v->str);
		if (x > (UINT64_MAX - (uint64_t)d) / base)
			return verr(t, v, err, "%s \"%s\" does not fit in %u bits", what, v->str, bits);
		x = x * base + (uint64_t)d;
	}
	if (bits < 64 && x >> bits)
		return verr(t, v, err, "%s \"%s\" does not fit in %u bits", what, v->str, bits);
	*out = x;
	return true;
}

static bool uint_num(struct tpl *t, const struct jv *v, const char *what, uint32_t *out,
		     char **err)
{
	if (v->t != J_NUM || v->str[0] == '-' || strpbrk(v->str, ".eE"))
		return verr(t, v, err, "%s must be a non-negative integer", what);
	errno = 0;
	char *end;
	unsigned long long x = strtoull(v->str, &end, 10);
	if (errno || *end || x > UINT32_MAX)
		return verr(t, v, err, "%s %s does not fit in 32 bits", what, v->str);
	*out = (uint32_t)x;
	return true;
}

/* "0b0_1x..." read right to left; shorter strings leave the top bits 'x'. */
static bool bitmap(struct tpl *t, const struct jv *v, unsigned width, struct bits *out,
		   char **err)
{
	if (v->t != J_STR)
		return verr(t, v, err, "a bitmap must be a string such as \"0b01x\"");
	const char *s = v->str;
	if (!strncmp(s, "0b", 2))
		s += 2;
	memset(out, 0, sizeof(*out));
	unsigned i = 0;
	for (size_t k = strlen(s); k-- > 0;) {
		char c = s[k];
		if (c == '_')
			continue;
		if (c != '0' && c != '1' && c != 'x')
			return verr(t, v, err, "bitmap \"%s\" has the character '%c' (only 0, 1, x and _)",
				    v->str, c);
		if (i == width)
			return verr(t, v, err, "bitmap \"%s\" is longer than the register's %u bits",
				    v->str, width);
		if (c != 'x') {
			out->filter[i / 64] |= 1ull << (i % 64);
			if (c == '1')
				out->value[i / 64] |= 1ull << (i % 64);
		}
		i++;
	}
	return true;
}

static bool load_cpuid(struct tpl *t, const struct jv *arr, char **err)
{
	static const char *const keys[] = { "leaf", "subleaf", "flags", "modifiers", NULL };
	static const char *const mkeys[] = { "register", "bitmap", NULL };
	if (arr->t != J_ARR)
		return verr(t, arr, err, "cpuid_modifiers must be an array");
	for (size_t i = 0; i < arr->n; i++) {
		const struct jv *o = &arr->kids[i];
		uint64_t leaf, sub;
		uint32_t flags;
		if (!members(t, o, "a cpuid modifier", keys, keys, err) ||
		    !hexbin(t, member(o, "leaf"), "leaf", 32, &leaf, err) ||
		    !hexbin(t, member(o, "subleaf"), "subleaf", 32, &sub, err) ||
		    !uint_num(t, member(o, "flags"), "flags", &flags, err))
			return false;
		struct tcpuid *e = NULL;
		for (size_t k = 0; k < t->ncpuid && !e; k++)
			if (t->cpuid[k].leaf == leaf && t->cpuid[k].subleaf == sub)
				e = &t->cpuid[k];
		if (!e) {
			struct tcpuid n = { .leaf = (uint32_t)leaf, .subleaf = (uint32_t)sub,
					    .line = o->line, .col = o->col };
			KFP_VEC_PUSH(t->cpuid, t->ncpuid, t->cpuid_cap, n);
			e = &t->cpuid[t->ncpuid - 1];
		}
		const struct jv *mods = member(o, "modifiers");
		if (mods->t != J_ARR)
			return verr(t, mods, err, "modifiers must be an array");
		for (size_t k = 0; k < mods->n; k++) {
			static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
			const struct jv *m = &mods->kids[k];
			if (!members(t, m, "a register modifier", mkeys, mkeys, err))
				return false;
			const struct jv *r = member(m, "register");
			int reg = -1;
			for (int q = 0; q < 4 && r->t == J_STR; q++)
				if (!strcmp(r->str, regs[q]))
					reg = q;
			if (reg < 0)
				return verr(t, r, err, "register must be \"eax\", \"ebx\", \"ecx\" or \"edx\"");
			struct bits b;
			if (!bitmap(t, member(m, "bitmap"), 32, &b, err))
				return false;
			bits_merge(&e->regs[reg], &b);
			e->has[reg] = true;
		}
	}
	return true;
}

static bool load_regs(struct tpl *t, const struct jv *arr, const char *what, unsigned addr_bits,
		      unsigned width, struct treg **v, size_t *n, size_t *cap, char **err)
{
	static const char *const keys[] = { "addr", "bitmap", NULL };
	if (arr->t != J_ARR)
		return verr(t, arr, err, "%s must be an array", what);
	for (size_t i = 0; i < arr->n; i++) {
		const struct jv *o = &arr->kids[i];
		uint64_t addr;
		struct bits b;
		if (!members(t, o, "a register modifier", keys, keys, err) ||
		    !hexbin(t, member(o, "addr"), "addr", addr_bits, &addr, err) ||
		    !bitmap(t, member(o, "bitmap"), width, &b, err))
			return false;
		struct treg *e = NULL;
		for (size_t k = 0; k < *n && !e; k++)
			if ((*v)[k].addr == addr)
				e = &(*v)[k];
		if (!e) {
			struct treg r = { .addr = addr, .line = o->line, .col = o->col };
			KFP_VEC_PUSH(*v, *n, *cap, r);
			e = &(*v)[*n - 1];
		}
		bits_merge(&e->b, &b);
	}
	return true;
}

static bool load_vcpu(struct tpl *t, const struct jv *arr, char **err)
{
	static const char *const keys[] = { "index", "bitmap", NULL };
	if (arr->t != J_ARR)
		return verr(t, arr, err, "vcpu_features must be an array");
	for (size_t i = 0; i < arr->n; i++) {
		const struct jv *o = &arr->kids[i];
		uint32_t index;
		struct bits b;
		if (!members(t, o, "a vcpu_features entry", keys, keys, err) ||
		    !uint_num(t, member(o, "index"), "index", &index, err) ||
		    !bitmap(t, member(o, "bitmap"), 32, &b, err))
			return false;
		if (index >= 7)
			return verr(t, member(o, "index"), err,
				    "index %" PRIu32 " is past the 7 words of kvm_vcpu_init.features", index);
		struct treg *e = NULL;
		for (size_t k = 0; k < t->nvcpu && !e; k++)
			if (t->vcpu[k].addr == index)
				e = &t->vcpu[k];
		if (!e) {
			struct treg r = { .addr = index, .line = o->line, .col = o->col };
			KFP_VEC_PUSH(t->vcpu, t->nvcpu, t->vcpu_cap, r);
			e = &t->vcpu[t->nvcpu - 1];
		}
		bits_merge(&e->b, &b);
	}
	return true;
}

static bool load_tpl(struct tpl *t, const struct jv *root, char **err)
{
	static const char *const keys[] = { "cpuid_modifiers", "msr_modifiers", "reg_modifiers",
					    "vcpu_features", "kvm_capabilities", NULL };
	static const char *const none[] = { NULL };
	if (!members(t, root, "a CPU template", keys, none, err))
		return false;
	const struct jv *v;
	if ((v = member(root, "cpuid_modifiers")) && !load_cpuid(t, v, err))
		return false;
	if ((v = member(root, "msr_modifiers")) &&
	    !load_regs(t, v, "msr_modifiers", 32, 64, &t->msrs, &t->nmsrs, &t->msrs_cap, err))
		return false;
	if ((v = member(root, "reg_modifiers")) &&
	    !load_regs(t, v, "reg_modifiers", 64, 128, &t->regs, &t->nregs, &t->regs_cap, err))
		return false;
	if ((v = member(root, "vcpu_features")) && !load_vcpu(t, v, err))
		return false;
	if ((v = member(root, "kvm_capabilities"))) {
		if (v->t != J_ARR)
			return verr(t, v, err, "kvm_capabilities must be an array");
		t->ncaps = v->n;
	}
	t->x86 = member(root, "cpuid_modifiers") || member(root, "msr_modifiers");
	t->arm64 = member(root, "reg_modifiers") || member(root, "vcpu_features");
	if (t->x86 && t->arm64)
		return verr(t, root, err,
			    "the template mixes x86_64 members (cpuid_modifiers, msr_modifiers) with aarch64 ones (reg_modifiers, vcpu_features)");
	if (!t->x86 && !t->arm64)
		return verr(t, root, err,
			    "the template modifies nothing, so its architecture is unknown (an x86_64 template has cpuid_modifiers or msr_modifiers, an aarch64 one reg_modifiers or vcpu_features)");
	return true;
}

/* ---- policy text ---- */

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static void out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
}

static char *out_close(struct out *o)
{
	fclose(o->f);
	return o->buf;
}

/* A statement per `per` names, so that lines stay readable. */
static void name_stmts(FILE *f, const char *indent, const char *prefix, const char **names,
		       size_t n, size_t per)
{
	for (size_t i = 0; i < n; i += per) {
		fprintf(f, "%s%s", indent, prefix);
		for (size_t k = i; k < n && k < i + per; k++)
			fprintf(f, " %s", names[k]);
		fputs(";\n", f);
	}
}

/* "# text" lines wrapped at about 76 columns. */
static void comment(FILE *f, const char *indent, const char *text)
{
	const char *s = text;
	while (*s) {
		size_t room = 76 - strlen(indent) - 2, n = strlen(s);
		if (n > room) {
			n = room;
			while (n > 0 && s[n] != ' ')
				n--;
			if (n == 0)
				n = strcspn(s, " ");
		}
		fprintf(f, "%s# %.*s\n", indent, (int)n, s);
		s += n;
		while (*s == ' ')
			s++;
	}
}

static void warn(FILE *diag, const struct tpl *t, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void warn(FILE *diag, const struct tpl *t, const char *fmt, ...)
{
	if (!diag)
		return;
	va_list ap;
	va_start(ap, fmt);
	fprintf(diag, "kfpc: warning: %s: ", t->file);
	vfprintf(diag, fmt, ap);
	fputc('\n', diag);
	va_end(ap);
}

struct gen {
	const struct kfp_catalog *cat;
	const struct tpl *t;
	struct kfp_fleet fl; /* only min and kernels: for the kernel rules */
	FILE *f;
	char *const *outbuf; /* the buffer behind f */
	FILE *diag;     /* warnings; NULL while trying kernels */
	bool skip;      /* this kernel cannot express a '1' of the template */
	char *why_skip;
	/* arm64: fields the template fixes but the policy cannot (the
	 * compiler said why), by register index * 64 + field index; and
	 * which generated line holds each `FIELD = v;`. */
	char **fallback;
	size_t nfallback;
	uint32_t *field_line;
};

/* The line the next output starts on. */
static uint32_t cur_line(FILE *f, char *const *buf)
{
	fflush(f);
	uint32_t n = 1;
	for (const char *p = *buf; p && *p; p++)
		n += *p == '\n';
	return n;
}

static const struct tcpuid *tpl_cpuid(const struct tpl *t, uint32_t leaf, uint32_t sub)
{
	for (size_t i = 0; i < t->ncpuid; i++)
		if (t->cpuid[i].leaf == leaf && t->cpuid[i].subleaf == sub)
			return &t->cpuid[i];
	return NULL;
}

static char cpuid_char(const struct tpl *t, uint32_t leaf, uint32_t sub, unsigned reg,
		       unsigned bit)
{
	const struct tcpuid *e = tpl_cpuid(t, leaf, sub);
	return e && e->has[reg] ? bits_char(&e->regs[reg], bit) : 'x';
}

static const struct treg *tpl_reg(const struct treg *v, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].addr == addr)
			return &v[i];
	return NULL;
}

static char reg_char(const struct treg *v, size_t n, uint64_t addr, unsigned bit)
{
	const struct treg *r = tpl_reg(v, n, addr);
	return r ? bits_char(&r->b, bit) : 'x';
}

static void bitmap_text(char *buf, const struct bits *b, unsigned width)
{
	char *p = buf;
	p += sprintf(p, "0b");
	for (unsigned i = width; i-- > 0;)
		*p++ = bits_char(b, i);
	*p = 0;
}

/* -- x86 -- */

struct item {
	enum kfp_feat_kind kind;
	const struct kfp_cat_common *c;
	const void *cat;
	char ch;
	bool allow;
	char *why; /* why an 'x' or '1' is not allowed */
};

static char item_char(const struct tpl *t, const struct item *it)
{
	switch (it->kind) {
	case KFP_FEAT_CPUID: {
		const struct kfp_cat_cpuid *c = it->cat;
		return cpuid_char(t, c->leaf, c->subleaf, c->reg, c->bit);
	}
	case KFP_FEAT_KVM:
		return cpuid_char(t, 0x40000001, 0, KFP_EAX,
				  ((const struct kfp_cat_kvm *)it->cat)->bit);
	case KFP_FEAT_XSAVE: {
		const struct kfp_cat_xsave *c = it->cat;
		unsigned reg = c->bit >= 32 ? KFP_EDX : c->xss ? KFP_ECX : KFP_EAX;
		return cpuid_char(t, 0xd, c->xss, reg, c->bit % 32);
	}
	case KFP_FEAT_VMX: {
		const struct kfp_cat_vmx *c = it->cat;
		return reg_char(t->msrs, t->nmsrs, c->msr, c->bit);
	}
	case KFP_FEAT_MSR_BIT: {
		const struct kfp_cat_msr_bit *c = it->cat;
		return reg_char(t->msrs, t->nmsrs, c->msr->index, c->bit);
	}
	default:
		return 'x';
	}
}

static struct item *find_item(struct item *v, size_t n, enum kfp_feat_kind kind, const void *cat)
{
	for (size_t i = 0; i < n; i++)
		if (v[i].kind == kind && v[i].cat == cat)
			return &v[i];
	return NULL;
}

static bool item_supported(const struct item *it)
{
	if (it->kind == KFP_FEAT_XSAVE)
		return ((const struct kfp_cat_xsave *)it->cat)->kvm_supported;
	if (it->kind == KFP_FEAT_MSR_BIT)
		return ((const struct kfp_cat_msr_bit *)it->cat)->kvm_supported;
	return true;
}

static struct item *x86_items(struct gen *g, size_t *count)
{
	const struct kfp_catalog *cat = g->cat;
	size_t n = cat->ncpuid + cat->nkvm + cat->nxsave + cat->nvmx, i = 0;
	for (size_t k = 0; k < cat->nmsrs; k++)
		n += cat->msrs[k].nbits;
	struct item *v = kfp_xcalloc(n + 1, sizeof(*v));
#define ADD(K, E) v[i++] = (struct item){ .kind = (K), .c = &(E).c, .cat = &(E) }
	for (size_t k = 0; k < cat->ncpuid; k++)
		ADD(KFP_FEAT_CPUID, cat->cpuid[k]);
	for (size_t k = 0; k < cat->nkvm; k++)
		ADD(KFP_FEAT_KVM, cat->kvm[k]);
	for (size_t k = 0; k < cat->nxsave; k++)
		ADD(KFP_FEAT_XSAVE, cat->xsave[k]);
	for (size_t k = 0; k < cat->nvmx; k++)
		ADD(KFP_FEAT_VMX, cat->vmx[k]);
	for (size_t k = 0; k < cat->nmsrs; k++)
		for (size_t b = 0; b < cat->msrs[k].nbits; b++)
			ADD(KFP_FEAT_MSR_BIT, cat->msrs[k].bits[b]);
#undef ADD
	char kb[16];
	for (i = 0; i < n; i++) {
		struct item *it = &v[i];
		it->ch = item_char(g->t, it);
		if (it->ch == '0')
			continue;
		if (!item_supported(it)) {
			it->why = kfp_xstrdup("KVM never shows it to guests");
		} else if (kfp_fleet_first_without(&g->fl, it->c->exposed_since)) {
			it->why = it->c->exposed_since == KFP_KV_NEVER ?
					  kfp_xstrdup("no catalogued kernel shows it") :
					  kfp_xasprintf("shown only from %s",
							kfp_kv_str(it->c->exposed_since, kb));
			if (it->ch == '1' && !g->skip) {
				g->skip = true;
				g->why_skip = kfp_xasprintf("the template sets '%s' to 1, which KVM shows only from %s",
							    it->c->name, kfp_kv_str(it->c->exposed_since, kb));
			}
		} else {
			it->allow = true;
		}
	}
	/* Dependencies, until nothing changes. */
	const struct kfp_cat_cpuid *vmx = kfp_cat_find_cpuid(cat, "vmx");
	for (bool changed = true; changed;) {
		changed = false;
		for (i = 0; i < n; i++) {
			struct item *it = &v[i], *dep = NULL;
			if (!it->allow)
				continue;
			if (it->kind == KFP_FEAT_CPUID) {
				const struct kfp_cat_cpuid *c = it->cat;
				for (size_t k = 0; c->requires[k] && !dep; k++) {
					struct item *d = find_item(v, n, KFP_FEAT_CPUID, c->requires[k]);
					if (d && !d->allow)
						dep = d;
				}
				for (size_t k = 0; c->requires_xsave[k] && !dep; k++) {
					struct item *d = find_item(v, n, KFP_FEAT_XSAVE, c->requires_xsave[k]);
					if (d && !d->allow)
						dep = d;
				}
			} else if (it->kind == KFP_FEAT_VMX && vmx) {
				struct item *d = find_item(v, n, KFP_FEAT_CPUID, vmx);
				if (d && !d->allow)
					dep = d;
			} else if (it->kind == KFP_FEAT_MSR_BIT) {
				const struct kfp_cat_msr_bit *mb = it->cat;
				const char *en = kfp_vmm_msr_enabler(mb->msr->index);
				const struct kfp_cat_cpuid *ec = en ? kfp_cat_find_cpuid(cat, en) : NULL;
				struct item *d = ec ? find_item(v, n, KFP_FEAT_CPUID, ec) : NULL;
				if (d && !d->allow)
					dep = d;
			}
			if (dep) {
				it->allow = false;
				it->why = kfp_xasprintf("needs '%s', which is hidden", dep->c->name);
				changed = true;
			}
		}
	}
	*count = n;
	return v;
}

static void free_items(struct item *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].why);
	free(v);
}

/* The allow, deny and "not allowed" lines of a set of items. */
static void item_lines(struct gen *g, struct item **v, size_t n, const char *indent,
		       const char *domain)
{
	const char **allow = kfp_xcalloc(n + 1, sizeof(*allow)),
		   **deny = kfp_xcalloc(n + 1, sizeof(*deny));
	size_t na = 0, nd = 0;
	char *lost = NULL;
	for (size_t i = 0; i < n; i++) {
		if (v[i]->allow)
			allow[na++] = v[i]->c->name;
		else if (v[i]->ch == '0')
			deny[nd++] = v[i]->c->name;
		else {
			char *s = kfp_xasprintf("%s%s%s (%c: %s)", lost ? lost : "", lost ? ", " : "",
						v[i]->c->name, v[i]->ch, v[i]->why);
			free(lost);
			lost = s;
			if (v[i]->ch == '1')
				warn(g->diag, g->t, "the template sets %s '%s' to 1, but it cannot be allowed: %s; the policy hides it",
				     kfp_feat_kind_name(v[i]->kind), v[i]->c->name, v[i]->why);
		}
	}
	char *pre = kfp_xasprintf("%s%sallow", domain, *domain ? " " : "");
	name_stmts(g->f, indent, pre, allow, na, 8);
	free(pre);
	pre = kfp_xasprintf("%s%sdeny", domain, *domain ? " " : "");
	name_stmts(g->f, indent, pre, deny, nd, 8);
	free(pre);
	if (lost) {
		char *s = kfp_xasprintf("Hidden although not 0 in the template: %s.", lost);
		comment(g->f, indent, s);
		free(s);
		free(lost);
	}
	free(allow);
	free(deny);
}

static bool cpuid_reg_catalogued(const struct kfp_catalog *cat, uint32_t leaf, uint32_t sub,
				 unsigned reg)
{
	if (leaf == 0x40000001 && sub == 0 && reg == KFP_EAX)
		return true;
	if (leaf == 0xd && ((sub == 0 && (reg == KFP_EAX || reg == KFP_EDX)) ||
			    (sub == 1 && reg != KFP_EBX)))
		return true;
	for (size_t i = 0; i < cat->ncpuid; i++)
		if (cat->cpuid[i].leaf == leaf && cat->cpuid[i].subleaf == sub &&
		    cat->cpuid[i].reg == reg)
			return true;
	return false;
}

static bool bit_named(const struct kfp_catalog *cat, uint32_t leaf, uint32_t sub, unsigned reg,
		      unsigned bit)
{
	if (leaf == 0x40000001) {
		for (size_t i = 0; i < cat->nkvm; i++)
			if (cat->kvm[i].bit == bit)
				return true;
		return false;
	}
	if (leaf == 0xd && !(sub == 1 && reg == KFP_EAX)) {
		bool xss = sub == 1;
		unsigned b = bit + (reg == KFP_EDX ? 32 : 0);
		for (size_t i = 0; i < cat->nxsave; i++)
			if (cat->xsave[i].xss == xss && cat->xsave[i].bit == b)
				return true;
		return false;
	}
	return kfp_cat_cpuid_at(cat, leaf, sub, (enum kfp_cpuid_reg)reg, bit) != NULL;
}

/* Uncatalogued bits of a feature register: '1' becomes a raw cpuid
 * statement, 'x' is hidden by default deny (noted). */
static void raw_bits(struct gen *g, uint32_t leaf, uint32_t sub, unsigned reg)
{
	const struct tcpuid *e = tpl_cpuid(g->t, leaf, sub);
	if (!e || !e->has[reg])
		return;
	char *xs = NULL;
	for (unsigned b = 0; b < 32; b++) {
		if (bit_named(g->cat, leaf, sub, reg, b))
			continue;
		char c = bits_char(&e->regs[reg], b);
		if (c == '1' && !(leaf == 0xd && !(sub == 1 && reg == KFP_EAX))) {
			fprintf(g->f, "    cpuid 0x%" PRIx32 " %" PRIu32 " %s bit %u = 1;\n", leaf, sub,
				kfp_cpuid_reg_name((enum kfp_cpuid_reg)reg), b);
		} else if (c == '1') {
			warn(g->diag, g->t, "CPUID 0x%" PRIx32 ".%" PRIu32 " %s bit %u is set to 1, but the catalog has no xsave component there: not imported",
			     leaf, sub, kfp_cpuid_reg_name((enum kfp_cpuid_reg)reg), b);
		} else if (c == 'x') {
			char *s = kfp_xasprintf("%s%s%u", xs ? xs : "", xs ? " " : "", b);
			free(xs);
			xs = s;
		}
	}
	if (xs) {
		char *s = kfp_xasprintf("Bits %s are 'x' in the template but have no name in the catalog: hidden (default deny).",
					xs);
		comment(g->f, "    ", s);
		free(s);
		free(xs);
	}
}

static bool bits_all_zero(const struct bits *b, unsigned width)
{
	for (unsigned bit = 0; bit < width; bit++)
		if (bits_char(b, bit) != '0')
			return false;
	return true;
}

/* True when (leaf, subleaf) describes a feature the import hides. */
static bool owned_leaf_hidden(struct item *items, size_t n, const struct kfp_catalog *cat,
			      uint32_t leaf, uint32_t subleaf)
{
	const struct kfp_cat_xsave *xs;
	const struct kfp_cat_cpuid *c;
	if (!kfp_cat_leaf_owner(cat, leaf, subleaf, &xs, &c))
		return false;
	const struct item *it = xs ? find_item(items, n, KFP_FEAT_XSAVE, xs) :
				     find_item(items, n, KFP_FEAT_CPUID, c);
	return it && !it->allow;
}

static void x86_policy(struct gen *g)
{
	const struct kfp_catalog *cat = g->cat;
	const struct tpl *t = g->t;
	FILE *f = g->f;
	size_t n;
	struct item *items = x86_items(g, &n);
	struct item **sel = kfp_xcalloc(n + 1, sizeof(*sel));
	char bm[140];

	/* CPUID feature registers, in catalog order. */
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *c = &cat->cpuid[i];
		if (!kfp_cat_cpuid_first_of_reg(cat, i))
			continue;
		size_t k = 0;
		for (size_t j = i; j < cat->ncpuid; j++)
			if (cat->cpuid[j].leaf == c->leaf && cat->cpuid[j].subleaf == c->subleaf &&
			    cat->cpuid[j].reg == c->reg)
				sel[k++] = &items[j];
		const struct tcpuid *e = tpl_cpuid(t, c->leaf, c->subleaf);
		if (e && e->has[c->reg]) {
			bitmap_text(bm, &e->regs[c->reg], 32);
			fprintf(f, "    # CPUID 0x%" PRIx32 ".%" PRIu32 " %s: %s\n", c->leaf, c->subleaf,
				kfp_cpuid_reg_name(c->reg), bm);
		} else {
			fprintf(f, "    # CPUID 0x%" PRIx32 ".%" PRIu32 " %s: not in the template (all x)\n",
				c->leaf, c->subleaf, kfp_cpuid_reg_name(c->reg));
		}
		item_lines(g, sel, k, "    ", "");
		raw_bits(g, c->leaf, c->subleaf, c->reg);
		fputc('\n', f);
	}

	/* XSAVE components, KVM features. */
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].kind == KFP_FEAT_XSAVE)
			sel[k++] = &items[i];
	fputs("    # XSAVE components: CPUID 0xd.0 EAX:EDX (XCR0) and 0xd.1 ECX:EDX (XSS)\n", f);
	item_lines(g, sel, k, "    ", "xsave");
	raw_bits(g, 0xd, 0, KFP_EAX);
	raw_bits(g, 0xd, 0, KFP_EDX);
	raw_bits(g, 0xd, 1, KFP_ECX);
	raw_bits(g, 0xd, 1, KFP_EDX);
	fputc('\n', f);
	k = 0;
	for (size_t i = 0; i < n; i++)
		if (items[i].kind == KFP_FEAT_KVM)
			sel[k++] = &items[i];
	fputs("    # KVM paravirtual features: CPUID 0x40000001 EAX\n", f);
	item_lines(g, sel, k, "    ", "kvm");
	raw_bits(g, 0x40000001, 0, KFP_EAX);
	fputc('\n', f);

	/* Nested VMX. */
	const struct kfp_cat_cpuid *vmxc = kfp_cat_find_cpuid(cat, "vmx");
	struct item *vmx = vmxc ? find_item(items, n, KFP_FEAT_CPUID, vmxc) : NULL;
	fputs("    # Nested VMX: the IA32_VMX_* capability MSRs\n", f);
	if (vmx && vmx->allow) {
		k = 0;
		for (size_t i = 0; i < n; i++)
			if (items[i].kind == KFP_FEAT_VMX)
				sel[k++] = &items[i];
		item_lines(g, sel, k, "    ", "vmx");
	} else {
		fputs("    vmx deny;\n", f);
	}
	fputc('\n', f);

	/* Feature MSRs. */
	for (size_t m = 0; m < cat->nmsrs; m++) {
		const struct kfp_cat_msr *msr = &cat->msrs[m];
		const struct treg *r = tpl_reg(t->msrs, t->nmsrs, msr->index);
		if (r) {
			bitmap_text(bm, &r->b, 64);
			fprintf(f, "    # MSR 0x%" PRIx32 ": %s\n", msr->index, bm);
		} else {
			fprintf(f, "    # MSR 0x%" PRIx32 ": not in the template (all x)\n", msr->index);
		}
		k = 0;
		for (size_t i = 0; i < n; i++)
			if (items[i].kind == KFP_FEAT_MSR_BIT &&
			    ((const struct kfp_cat_msr_bit *)items[i].cat)->msr == msr)
				sel[k++] = &items[i];
		fprintf(f, "    msr %s {\n", msr->c.name);
		bool any = false;
		for (size_t i = 0; i < k; i++)
			any |= sel[i]->allow || sel[i]->ch == '0';
		const char *en = kfp_vmm_msr_enabler(msr->index);
		if (any) {
			item_lines(g, sel, k, "        ", "");
		} else {
			if (en) {
				char *s = kfp_xasprintf("The guest cannot read this MSR: CPUID feature '%s' is hidden.",
							en);
				comment(f, "        ", s);
				free(s);
			}
			fputs("        deny;\n", f);
		}
		fputs("    }\n", f);
		if (r)
			for (unsigned b = 0; b < 64; b++) {
				bool named = false;
				for (size_t q = 0; q < msr->nbits; q++)
					named |= msr->bits[q].bit == b;
				if (!named && bits_char(&r->b, b) == '1')
					warn(g->diag, t, "MSR 0x%" PRIx32 " bit %u is set to 1, but the catalog has no name for it: not imported",
					     msr->index, b);
			}
	}
	fputs("\n    unknown deny;\n", f);

	/* What the template says that a policy cannot. */
	for (size_t i = 0; i < t->ncpuid; i++) {
		const struct tcpuid *e = &t->cpuid[i];
		for (unsigned reg = 0; reg < 4; reg++) {
			if (!e->has[reg] || cpuid_reg_catalogued(cat, e->leaf, e->subleaf, reg) ||
			    !e->regs[reg].filter[0])
				continue;
			/* A leaf of a feature the policy hides is zero with
			 * kfp too (AMX's 0x1d and 0x1e, an xsave component's
			 * subleaf of 0xd). */
			if (owned_leaf_hidden(items, n, cat, e->leaf, e->subleaf) &&
			    bits_all_zero(&e->regs[reg], 32))
				continue;
			bitmap_text(bm, &e->regs[reg], 32);
			warn(g->diag, t, "CPUID 0x%" PRIx32 ".%" PRIu32 " %s (%s) has no catalogued features: kfp copies informational registers from the host, so the template's fixed bits are not imported",
			     e->leaf, e->subleaf, kfp_cpuid_reg_name((enum kfp_cpuid_reg)reg), bm);
		}
	}
	for (size_t i = 0; i < t->nmsrs; i++) {
		bool known = false;
		for (size_t m = 0; m < cat->nmsrs; m++)
			known |= cat->msrs[m].index == t->msrs[i].addr;
		for (size_t v = 0; v < cat->nvmx; v++)
			known |= cat->vmx[v].msr == t->msrs[i].addr;
		if (!known)
			warn(g->diag, t, "MSR 0x%" PRIx64 " is not a catalogued feature MSR: not imported",
			     t->msrs[i].addr);
	}
	free(sel);
	free_items(items, n);
}

/* -- arm64 -- */

static void arm64_policy(struct gen *g)
{
	const struct kfp_catalog *cat = g->cat;
	const struct tpl *t = g->t;
	FILE *f = g->f;
	char bm[140];

	for (size_t i = 0; i < cat->nid_regs; i++) {
		const struct kfp_cat_id_reg *r = &cat->id_regs[i];
		const struct treg *tr = tpl_reg(t->regs, t->nregs, r->id);
		if (!r->nfields) {
			/* Left at the host's value by the emitter too. */
			if (tr && (tr->b.filter[0] || tr->b.filter[1]))
				warn(g->diag, t, "%s has no catalogued fields: the template's fixed bits are not imported",
				     r->c.name);
			continue;
		}
		if (tr) {
			bitmap_text(bm, &tr->b, 64);
			fprintf(f, "    # %s: %s\n", r->c.name, bm);
		}
		fprintf(f, "    id_reg %s {\n", r->c.name);
		size_t named = 0;
		uint64_t covered = 0;
		for (size_t k = 0; k < r->nfields; k++) {
			const struct kfp_cat_field *fd = &r->fields[k];
			uint64_t ones = fd->width >= 64 ? ~0ull : (1ull << fd->width) - 1;
			uint64_t mask = ones << fd->shift;
			covered |= mask;
			uint64_t filt = tr ? tr->b.filter[0] & mask : 0;
			size_t id = i * 64 + k;
			if (filt == mask && !g->fallback[id]) {
				g->field_line[id] = cur_line(f, g->outbuf);
				fprintf(f, "        %s = %" PRIu64 ";\n", fd->c.name,
					(tr->b.value[0] & mask) >> fd->shift);
				named++;
				continue;
			}
			if (filt == mask) {
				/* The compiler refused `FIELD = v`. */
				char *why = kfp_xasprintf("%s.%s is %" PRIu64 " in the template, but the policy keeps the host's value: %s",
							  r->c.name, fd->c.name,
							  (tr->b.value[0] & mask) >> fd->shift, g->fallback[id]);
				warn(g->diag, t, "%s", why);
				comment(f, "        ", why);
				free(why);
			} else if (filt) {
				warn(g->diag, t, "%s.%s is only partly fixed by the template: a policy sets whole fields, so it keeps the host's value",
				     r->c.name, fd->c.name);
				fprintf(f, "        # %s: only partly fixed by the template: host value\n",
					fd->c.name);
			}
			/* 'x': the host's value, when every fleet kernel
			 * shows the field; else hidden. */
			if (fd->c.exposed_since != KFP_KV_NEVER &&
			    kfp_fleet_first_without(&g->fl, fd->c.exposed_since)) {
				fprintf(f, "        %s = %" PRIu64 "; # not shown by every fleet kernel\n",
					fd->c.name, kfp_field_hidden(fd));
				named++;
			}
		}
		if (named < r->nfields)
			fputs("        * >= 0;\n", f);
		fputs("    }\n", f);
		if (tr)
			for (unsigned b = 0; b < 128; b++)
				if ((b >= 64 || !(covered >> b & 1)) && bits_char(&tr->b, b) == '1')
					warn(g->diag, t, "%s bit %u is set to 1, but no catalogued field covers it: not imported",
					     r->c.name, b);
	}

	/* vcpu_init: Firecracker starts from psci_0_2 and sets power_off on
	 * secondary vCPUs itself. */
	uint64_t feat0 = 0;
	const struct kfp_cat_vcpu_feature *psci = kfp_cat_find_vcpu(cat, "psci_0_2");
	if (psci)
		feat0 |= 1ull << psci->bit;
	for (size_t i = 0; i < t->nvcpu; i++) {
		const struct treg *v = &t->vcpu[i];
		if (v->addr == 0) {
			feat0 = (feat0 & ~v->b.filter[0]) | v->b.value[0];
		} else if (v->b.value[0]) {
			warn(g->diag, t, "vcpu_features word %" PRIu64 " sets bits KVM does not define: not imported",
			     v->addr);
		}
	}
	fputs("\n    vcpu_init {\n", f);
	for (size_t i = 0; i < cat->nvcpu; i++) {
		const struct kfp_cat_vcpu_feature *v = &cat->vcpu[i];
		if (!strcmp(v->c.name, "power_off"))
			continue;
		fprintf(f, "        %s %s;\n", v->c.name, feat0 >> v->bit & 1 ? "on" : "off");
	}
	fputs("    }\n", f);

	/* Hypercall services. */
	bool any = false;
	for (size_t i = 0; i < cat->nfw_regs; i++)
		any |= cat->fw_regs[i].bitmap && cat->fw_regs[i].nbits;
	if (any) {
		fputs("\n    hypercalls {\n", f);
		for (size_t i = 0; i < cat->nfw_regs; i++) {
			const struct kfp_cat_fw_reg *r = &cat->fw_regs[i];
			if (!r->bitmap)
				continue;
			for (size_t b = 0; b < r->nbits; b++) {
				const struct kfp_cat_fw_bit *fb = &r->bits[b];
				char c = reg_char(t->regs, t->nregs, r->id, fb->bit);
				bool on = c == '1' ||
					  (c == 'x' && !kfp_fleet_first_without(&g->fl, fb->c.exposed_since));
				fprintf(f, "        %s %s;\n", fb->c.name, on ? "on" : "off");
			}
		}
		fputs("    }\n", f);
	}
	fputs("\n    firmware_regs unknown zero;\n    unknown deny;\n", f);

	for (size_t i = 0; i < t->nregs; i++) {
		const struct treg *tr = &t->regs[i];
		if (kfp_cat_find_id_reg_by_id(cat, tr->addr))
			continue;
		const struct kfp_cat_fw_reg *fr = kfp_cat_find_fw_reg_by_id(cat, tr->addr);
		if (fr && fr->bitmap) {
			for (unsigned b = 0; b < 64; b++) {
				bool named = false;
				for (size_t q = 0; q < fr->nbits; q++)
					named |= fr->bits[q].bit == b;
				if (!named && bits_char(&tr->b, b) == '1')
					warn(g->diag, t, "%s bit %u is set to 1, but the catalog has no service there: not imported",
					     fr->c.name, b);
			}
			continue;
		}
		if (tr->b.filter[0] || tr->b.filter[1])
			warn(g->diag, t, "register 0x%016" PRIx64 " (%s) is not a catalogued ID register or hypercall bitmap: not imported",
			     tr->addr, fr ? fr->c.name : "unknown");
	}
}

/* -- the whole policy -- */

static char *quote(const char *s)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	KFP_VEC_PUSH(buf, n, cap, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			KFP_VEC_PUSH(buf, n, cap, '\\');
		if (*s == '\n' || *s == '\t') {
			KFP_VEC_PUSH(buf, n, cap, '\\');
			KFP_VEC_PUSH(buf, n, cap, *s == '\n' ? 'n' : 't');
			continue;
		}
		KFP_VEC_PUSH(buf, n, cap, *s);
	}
	KFP_VEC_PUSH(buf, n, cap, '"');
	KFP_VEC_PUSH(buf, n, cap, 0);
	return buf;
}

static char *generate(struct gen *g, const struct kfp_import_opts *o, const char *kernel)
{
	struct out out;
	out_open(&out);
	g->f = out.f;
	g->outbuf = &out.buf;
	FILE *f = out.f;
	const struct tpl *t = g->t;
	char *q = quote(o->name);

	fprintf(f, "# Imported by kfpc import-firecracker from %s.\n#\n", o->source);
	comment(f, "",
		t->x86 ? "A Firecracker template applies (host & ~filter) | value: a '0' clears a bit, a '1' sets it and an 'x' keeps the host's.  A policy is default deny and never passes a bit through unseen: every feature at '1' or 'x' is allowed (the guest sees it when the host has it) and everything else is hidden.  Informational CPUID registers are copied from the host.  See docs/vmm-formats.md." :
			 "A Firecracker template applies (host & ~filter) | value: a '0' clears a bit, a '1' sets it and an 'x' keeps the host's.  Here an ID-register field the template fixes is set to that value, a field at 'x' keeps the host's value, and bits outside the catalogued fields are hidden (default deny).  See docs/vmm-formats.md.");
	if (t->ncaps)
		comment(f, "", "The template's kvm_capabilities are Firecracker start-up checks: not imported.");
	fprintf(f, "policy %s version 1;\n\nfleet %s {\n    arch %s;\n    min_kernel %s;\n}\n\n", q, q,
		t->x86 ? "x86_64" : "arm64", kernel);
	fprintf(f, "%s {\n", t->x86 ? "x86_64" : "arm64");
	if (t->x86)
		x86_policy(g);
	else
		arm64_policy(g);
	fputs("}\n", f);
	free(q);
	return out_close(&out);
}

/* The template entry a statement of the generated policy comes from: the
 * CPUID leaf or MSR of the feature named at loc (x86), or the register of
 * the enclosing `id_reg NAME {` (arm64).  Returns false when the template
 * does not mention it (the statement keeps or hides a host value). */
static bool template_pos(const struct gen *g, const struct kfp_loc *loc, uint32_t *line,
			 uint32_t *col)
{
	const struct kfp_catalog *cat = g->cat;
	const struct tpl *t = g->t;
	const struct tcpuid *e = NULL;
	const struct treg *r = NULL;
	if (t->x86) {
		char *name = kfp_loc_text(loc);
		const struct kfp_cat_cpuid *c = kfp_cat_find_cpuid(cat, name);
		const struct kfp_cat_xsave *x = kfp_cat_find_xsave(cat, name);
		const struct kfp_cat_vmx *v = kfp_cat_find_vmx(cat, name);
		if (c)
			e = tpl_cpuid(t, c->leaf, c->subleaf);
		else if (kfp_cat_find_kvm(cat, name))
			e = tpl_cpuid(t, 0x40000001, 0);
		else if (x)
			e = tpl_cpuid(t, 0xd, x->xss);
		else if (v)
			r = tpl_reg(t->msrs, t->nmsrs, v->msr);
		for (size_t m = 0; !c && !x && !v && !r && m < cat->nmsrs; m++)
			if (kfp_cat_find_msr_bit(&cat->msrs[m], name))
				r = tpl_reg(t->msrs, t->nmsrs, cat->msrs[m].index);
		free(name);
	} else {
		/* Back to the line that opens the statement's id_reg block. */
		const char *buf = loc->src->buf;
		for (size_t at = loc->off; at > 0 && !r;) {
			size_t bol = at - 1;
			while (bol > 0 && buf[bol - 1] != '\n')
				bol--;
			char name[128];
			if (sscanf(buf + bol, " id_reg %127[A-Za-z0-9_] {", name) == 1) {
				const struct kfp_cat_id_reg *reg = kfp_cat_find_id_reg(cat, name);
				if (!reg)
					break;
				r = tpl_reg(t->regs, t->nregs, reg->id);
				if (!r)
					break;
			}
			at = bol;
		}
	}
	if (e) {
		*line = e->line;
		*col = e->col;
	} else if (r) {
		*line = r->line;
		*col = r->col;
	}
	return e || r;
}

/* The compiler's diagnostics about the generated policy, which is not
 * written: each at the template entry it comes from (or the template as a
 * whole), with the generated statement quoted. */
static void print_template_diags(const struct gen *g, const struct kfp_ctx *ctx, FILE *out)
{
	for (size_t i = 0; i < ctx->ndiags; i++) {
		const struct kfp_diag *d = &ctx->diags[i];
		const char *sev = d->sev == KFP_SEV_ERROR ? "error" :
				  d->sev == KFP_SEV_WARNING ? "warning" : "note";
		uint32_t line, col;
		if (d->has_loc && template_pos(g, &d->loc, &line, &col))
			fprintf(out, "%s:%" PRIu32 ":%" PRIu32 ": %s: %s\n", g->t->file, line, col, sev,
				d->msg);
		else
			fprintf(out, "%s: %s: %s\n", g->t->file, sev, d->msg);
		if (!d->has_loc)
			continue;
		const char *bol = d->loc.src->buf + d->loc.off;
		while (bol > d->loc.src->buf && bol[-1] != '\n')
			bol--;
		bol += strspn(bol, " ");
		fprintf(out, "    in the generated policy: %.*s\n", (int)strcspn(bol, "\n"), bol);
	}
}

/* Compiles the generated text; on success returns it in canonical form.
 * Otherwise, for each error at a `FIELD = v;` line of g, records the
 * compiler's message in g->fallback and sets *retry; prints the
 * diagnostics on errs if given. */
static char *check_policy(const struct kfp_catalog *cat, struct gen *g, const char *text,
			  bool *retry, FILE *errs)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	ctx.max_errors = 10000;
	struct kfp_compiled c;
	char *result = NULL;
	*retry = false;
	if (kfp_compile_buffer(&ctx, "imported.kfp", text, strlen(text), cat, NULL, &c)) {
		struct out o;
		out_open(&o);
		kfp_fmt(c.unit->src, c.unit->stmts, o.f);
		result = out_close(&o);
	} else {
		for (size_t d = 0; d < ctx.ndiags && g->field_line; d++) {
			const struct kfp_diag *dg = &ctx.diags[d];
			if (dg->sev != KFP_SEV_ERROR || !dg->has_loc)
				continue;
			for (size_t id = 0; id < g->nfallback; id++)
				if (g->field_line[id] == dg->loc.line && !g->fallback[id]) {
					g->fallback[id] = kfp_xstrdup(dg->msg);
					*retry = true;
				}
		}
		if (errs)
			print_template_diags(g, &ctx, errs);
	}
	kfp_compiled_free(&c);
	kfp_ctx_fini(&ctx);
	return result;
}

static void gen_init(struct gen *g, const struct kfp_catalog *cat, const struct tpl *t,
		     kfp_kv min, const char *name)
{
	*g = (struct gen){ .cat = cat, .t = t, .fl = { .min = min, .name = name } };
	g->nfallback = cat->nid_regs * 64;
	g->fallback = kfp_xcalloc(g->nfallback + 1, sizeof(*g->fallback));
	g->field_line = kfp_xcalloc(g->nfallback + 1, sizeof(*g->field_line));
}

static void gen_fini(struct gen *g)
{
	for (size_t i = 0; i < g->nfallback; i++)
		free(g->fallback[i]);
	free(g->fallback);
	free(g->field_line);
	free(g->why_skip);
}

static size_t gen_nfallback(const struct gen *g)
{
	size_t n = 0;
	for (size_t i = 0; i < g->nfallback; i++)
		n += g->fallback[i] != NULL;
	return n;
}

/* Generates and checks the policy for one kernel, giving up fixed fields
 * the compiler refuses.  Returns the canonical text, or NULL (with the
 * last generated text in *last). */
static char *attempt(struct gen *g, const struct kfp_import_opts *o, const char *kernel,
		     char **last)
{
	for (;;) {
		bool retry;
		free(*last);
		g->skip = false;
		free(g->why_skip);
		g->why_skip = NULL;
		*last = generate(g, o, kernel);
		char *canon = check_policy(g->cat, g, *last, &retry, NULL);
		if (canon || !retry)
			return canon;
	}
}

/* Every kernel version the catalog of an architecture mentions. */
static size_t catalog_kernels(const struct kfp_catalog *cat, bool x86, kfp_kv *v, size_t cap)
{
	size_t n = 0;
#define KV(x)                                                                          \
	do {                                                                           \
		kfp_kv k_ = (x);                                                       \
		bool seen_ = k_ == KFP_KV_ALWAYS || k_ == KFP_KV_NEVER || k_ < cat->baseline; \
		for (size_t i_ = 0; i_ < n && !seen_; i_++)                            \
			seen_ = v[i_] == k_;                                           \
		if (!seen_ && n < cap)                                                 \
			v[n++] = k_;                                                   \
	} while (0)
#define COMMON(c) do { KV((c).exposed_since); KV((c).hideable_since); } while (0)
	KV(cat->baseline);
	if (x86) {
		for (size_t i = 0; i < cat->ncpuid; i++)
			COMMON(cat->cpuid[i].c);
		for (size_t i = 0; i < cat->nkvm; i++)
			COMMON(cat->kvm[i].c);
		for (size_t i = 0; i < cat->nxsave; i++)
			COMMON(cat->xsave[i].c);
		for (size_t i = 0; i < cat->nvmx; i++)
			COMMON(cat->vmx[i].c);
		for (size_t i = 0; i < cat->nmsrs; i++)
			for (size_t b = 0; b < cat->msrs[i].nbits; b++)
				COMMON(cat->msrs[i].bits[b].c);
	} else {
		for (size_t i = 0; i < cat->nid_regs; i++)
			for (size_t k = 0; k < cat->id_regs[i].nfields; k++)
				COMMON(cat->id_regs[i].fields[k].c);
		for (size_t i = 0; i < cat->nfw_regs; i++) {
			COMMON(cat->fw_regs[i].c);
			for (size_t b = 0; b < cat->fw_regs[i].nbits; b++)
				COMMON(cat->fw_regs[i].bits[b].c);
		}
		for (size_t i = 0; i < cat->nvcpu; i++)
			COMMON(cat->vcpu[i].c);
	}
#undef COMMON
#undef KV
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			kfp_kv x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n;
}

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *buf = NULL;
	size_t n = 0, cap = 0;
	char chunk[65536];
	size_t k;
	while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0) {
		while (n + k + 1 > cap) {
			cap = cap ? 2 * cap : sizeof(chunk) * 2;
			buf = kfp_xrealloc(buf, cap);
		}
		memcpy(buf + n, chunk, k);
		n += k;
	}
	bool bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		errno = EIO;
		return NULL;
	}
	if (!buf)
		buf = kfp_xmalloc(1);
	buf[n] = 0;
	*len = n;
	return buf;
}

int kfp_import_firecracker(const char *path, const struct kfp_catalog *cat,
			   const struct kfp_import_opts *o, char **policy, FILE *diag)
{
	size_t len;
	*policy = NULL;
	char *data = read_all(path, &len);
	if (!data) {
		fprintf(diag, "kfpc: cannot read %s: %s\n", path, strerror(errno));
		return 2;
	}
	struct jp p = { .file = path, .s = data, .len = len, .line = 1, .col = 1 };
	struct jv root = { 0 };
	struct tpl t = { .file = path };
	char *err = NULL;
	int status = 1;
	if (memchr(data, 0, len)) {
		jerr(&p, "the file contains a NUL byte");
	} else if (jvalue(&p, &root)) {
		jws(&p);
		if (p.pos < p.len)
			jerr(&p, "unexpected text after the JSON value");
	}
	if (p.err) {
		fprintf(diag, "kfpc: %s\n", p.err);
		goto out;
	}
	if (!load_tpl(&t, &root, &err)) {
		fprintf(diag, "kfpc: %s\n", err);
		goto out;
	}

	kfp_kv kernels[64];
	size_t nk;
	char kbuf[16];
	if (o->min_kernel) {
		struct kfp_kver kv;
		if (!kfp_kver_parse(o->min_kernel, &kv) ||
		    strspn(o->min_kernel, "0123456789.") != strlen(o->min_kernel)) {
			fprintf(diag, "kfpc: --min-kernel needs a version such as 6.1, not '%s'\n",
				o->min_kernel);
			goto out;
		}
		kernels[0] = KFP_KV(kv.major, kv.minor);
		nk = 1;
	} else {
		nk = catalog_kernels(cat, t.x86, kernels, 64);
	}

	/* The fields the newest kernel cannot fix either: the oldest kernel
	 * that gives up no more than these is the default. */
	char *last = NULL, *canon = NULL;
	size_t least = 0, chosen = 0;
	struct gen g;
	if (!o->min_kernel) {
		gen_init(&g, cat, &t, kernels[nk - 1], o->name);
		free(attempt(&g, o, kfp_kv_str(kernels[nk - 1], kbuf), &last));
		least = gen_nfallback(&g);
		gen_fini(&g);
	}
	for (size_t i = 0; i < nk && !canon; i++) {
		const char *kt = o->min_kernel ? o->min_kernel : kfp_kv_str(kernels[i], kbuf);
		gen_init(&g, cat, &t, kernels[i], o->name);
		canon = attempt(&g, o, kt, &last);
		bool last_kernel = i + 1 == nk;
		if (canon && !o->min_kernel && !last_kernel &&
		    (g.skip || gen_nfallback(&g) > least)) {
			free(canon);
			canon = NULL;
		}
		if (canon)
			chosen = i;
		if (!canon && last_kernel) {
			fprintf(diag, "kfpc: %s: the template cannot be expressed as a policy%s%s:\n",
				path, o->min_kernel ? " for min_kernel " : "",
				o->min_kernel ? o->min_kernel : "");
			bool retry;
			free(check_policy(cat, &g, last, &retry, diag));
		}
		gen_fini(&g);
	}
	if (canon) {
		/* Once more with the warnings on. */
		const char *kt = o->min_kernel ? o->min_kernel : kfp_kv_str(kernels[chosen], kbuf);
		gen_init(&g, cat, &t, kernels[chosen], o->name);
		free(canon);
		canon = attempt(&g, o, kt, &last);
		free(canon);
		g.diag = diag;
		free(last);
		last = generate(&g, o, kt);
		bool retry;
		*policy = check_policy(cat, &g, last, &retry, diag);
		gen_fini(&g);
		if (*policy) {
			if (!o->min_kernel)
				fprintf(diag, "kfpc: note: %s: min_kernel %s, the oldest kernel for which the policy checks (choose another with --min-kernel)\n",
					path, kt);
			status = 0;
		}
	}
	free(last);
out:
	free(err);
	free(p.err);
	jv_free(&root);
	tpl_free(&t);
	free(data);
	return status;
}
