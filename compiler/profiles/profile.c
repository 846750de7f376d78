/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host profiles: the YAML format of docs/host-profile.md (load, validate,
 * write) and the import of Firecracker cpu-template-helper fingerprints.
 *
 * Both readers stream libyaml events straight into the profile instead of
 * building a document tree: the compiler loads thousands of profiles per
 * run, and a tree would cost an allocation per node for nothing.  Anchors,
 * aliases and tags are refused, so a hostile file cannot make us expand
 * anything (billion laughs) and there is exactly one way to spell a value.
 * Every reader stops at the first problem and reports it as
 * "FILE:LINE:COL: what is wrong".
 */
#include "profile.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base/ctx.h"
#include "base/util.h"

/* A profile larger than this is not a profile; refuse it before parsing. */
#define MAX_FILE_SIZE (64u << 20)

/* ONE_REG id spaces used to sort arm64 registers (include/uapi/linux/kvm.h,
 * arch/arm64/include/uapi/asm/kvm.h). */
#define ONE_REG_ARM64		0x6000000000000000ull
#define ONE_REG_ARCH_MASK	0xff00000000000000ull
#define ONE_REG_SIZE_SHIFT	52
#define ONE_REG_SPACE_MASK	0xffffffffffff0000ull
#define ONE_REG_SYSREG_U64	0x6030000000130000ull
#define ONE_REG_FW_U64		0x6030000000140000ull
#define ONE_REG_FW_BMAP_U64	0x6030000000160000ull

static const char *const vcpu_feature_names[] = {
	"power_off", "el1_32bit", "psci_0_2", "pmu_v3",
	"sve", "ptrauth_address", "ptrauth_generic", "has_el2",
};
#define NVCPU_FEATURE_NAMES \
	(sizeof(vcpu_feature_names) / sizeof(vcpu_feature_names[0]))

static const char *const cpuid_regs[] = { "eax", "ebx", "ecx", "edx" };

/* ------------------------------------------------------------------ */
/* Integers and text                                                  */

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Parses decimal or 0x hex.  Returns 0, -EINVAL (not an integer), -EDOM
 * (decimal with a leading zero: octal in YAML 1.1, so ambiguous) or -ERANGE
 * (does not fit in 64 bits).
 */
static int parse_uint(const char *s, size_t len, uint64_t *out)
{
	uint64_t v = 0;
	bool big = false;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		for (size_t i = 2; i < len; i++) {
			int d = hexval(s[i]);
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
static const char *excerpt(const char *s, size_t len, char buf[64])
{
	size_t n = len > 40 ? 40 : len;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		buf[i] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	strcpy(buf + n, len > n ? "..." : "");
	return buf;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* ------------------------------------------------------------------ */
/* The libyaml event layer                                            */

struct at {
	size_t line, col; /* 0-based, as libyaml counts */
};

struct yp {
	yaml_parser_t parser;
	yaml_event_t ev;
	bool live;     /* ev holds an event that must be deleted */
	bool lenient;  /* fingerprints: integers may be quoted ("0x1f") */
	const char *file;
	const char *data;
	size_t len;
	char *err;     /* the first error; later ones are dropped */
};

static void yp_init(struct yp *y, const char *file, const char *data,
		    size_t len, bool lenient)
{
	memset(y, 0, sizeof(*y));
	if (!yaml_parser_initialize(&y->parser)) {
		fputs("kfp: out of memory\n", stderr);
		abort();
	}
	yaml_parser_set_input_string(&y->parser, (const unsigned char *)data, len);
	y->file = file;
	y->data = data;
	y->len = len;
	y->lenient = lenient;
}

static void yp_fini(struct yp *y)
{
	if (y->live)
		yaml_event_delete(&y->ev);
	yaml_parser_delete(&y->parser);
}

static struct at yp_at(const struct yp *y)
{
	return (struct at){ y->ev.start_mark.line, y->ev.start_mark.column };
}

static bool __attribute__((format(printf, 3, 0)))
yp_vfail(struct yp *y, struct at at, const char *fmt, va_list ap)
{
	if (y->err)
		return false;
	char *msg = kfp_xvasprintf(fmt, ap);
	y->err = kfp_xasprintf("%s:%zu:%zu: %s", y->file, at.line + 1,
			       at.col + 1, msg);
	free(msg);
	return false;
}

/* Records an error at a position.  Always returns false. */
static bool __attribute__((format(printf, 3, 4)))
yp_fail_at(struct yp *y, struct at at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yp_vfail(y, at, fmt, ap);
	va_end(ap);
	return false;
}

/* Records an error at the current event.  Always returns false. */
static bool __attribute__((format(printf, 2, 3)))
yp_fail(struct yp *y, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	yp_vfail(y, yp_at(y), fmt, ap);
	va_end(ap);
	return false;
}

/* libyaml's reader reports a byte offset, not a mark: count lines. */
static struct at offset_at(const struct yp *y, size_t off)
{
	struct at at = { 0, 0 };
	if (off > y->len)
		off = y->len;
	for (size_t i = 0; i < off; i++) {
		if (y->data[i] == '\n') {
			at.line++;
			at.col = 0;
		} else {
			at.col++;
		}
	}
	return at;
}

static bool yp_syntax_error(struct yp *y)
{
	const yaml_parser_t *ps = &y->parser;
	const char *problem = ps->problem ? ps->problem : "unknown error";
	struct at at = { ps->problem_mark.line, ps->problem_mark.column };

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
			       excerpt(a, strlen(a), buf));
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
			       excerpt((const char *)anchor,
				       strlen((const char *)anchor), buf));
	if (tag)
		return yp_fail(y, "tags (%s) are not allowed in a host profile",
			       excerpt((const char *)tag, strlen((const char *)tag),
				       buf));
	return true;
}

/* Moves to the next event. */
static bool yp_next(struct yp *y)
{
	if (y->err)
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

static const char *ev_what(const yaml_event_t *e)
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

static bool yp_is(const struct yp *y, yaml_event_type_t type)
{
	return y->ev.type == type;
}

static const char *yp_text(const struct yp *y)
{
	return (const char *)y->ev.data.scalar.value;
}

static size_t yp_len(const struct yp *y)
{
	return y->ev.data.scalar.length;
}

static bool yp_is_key(const struct yp *y, const char *key)
{
	size_t n = strlen(key);
	return yp_len(y) == n && memcmp(yp_text(y), key, n) == 0;
}

/* Moves to the first node of the only document. */
static bool yp_begin(struct yp *y, const char *what)
{
	if (!yp_next(y) || !yp_next(y))
		return false;
	if (yp_is(y, YAML_STREAM_END_EVENT))
		return yp_fail(y, "empty file: expected %s", what);
	return yp_next(y);
}

/* After the root node: the document and the stream must end. */
static bool yp_end(struct yp *y)
{
	if (!yp_next(y))
		return false;
	if (!yp_is(y, YAML_DOCUMENT_END_EVENT))
		return yp_fail(y, "expected the end of the document, got %s",
			       ev_what(&y->ev));
	if (!yp_next(y))
		return false;
	if (!yp_is(y, YAML_STREAM_END_EVENT))
		return yp_fail(y, "more than one YAML document in the file");
	return true;
}

static bool yp_expect(struct yp *y, yaml_event_type_t type, const char *what)
{
	if (yp_is(y, type))
		return true;
	return yp_fail(y, "expected %s, got %s", what, ev_what(&y->ev));
}

/* Moves to the next key of a mapping, which must be a scalar; *done is set
 * instead at the mapping's end. */
static bool yp_next_key(struct yp *y, bool *done)
{
	*done = false;
	if (!yp_next(y))
		return false;
	if (yp_is(y, YAML_MAPPING_END_EVENT)) {
		*done = true;
		return true;
	}
	return yp_expect(y, YAML_SCALAR_EVENT, "a key");
}

/* The current event is a node to ignore (fingerprints only). */
static bool yp_skip(struct yp *y)
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
static bool yp_uint(struct yp *y, const char *what, unsigned bits,
		    uint64_t *out)
{
	char buf[64];
	uint64_t v;

	if (!yp_is(y, YAML_SCALAR_EVENT))
		return yp_fail(y, "expected an integer (%s), got %s", what,
			       ev_what(&y->ev));
	if (!y->lenient && y->ev.data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return yp_fail(y, "expected an integer (%s), got the quoted string \"%s\"; write it without quotes",
			       what, excerpt(yp_text(y), yp_len(y), buf));
	int r = parse_uint(yp_text(y), yp_len(y), &v);
	const char *s = r ? excerpt(yp_text(y), yp_len(y), buf) : NULL;
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

static bool yp_uint32(struct yp *y, const char *what, uint32_t *out)
{
	uint64_t v = 0;
	if (!yp_uint(y, what, 32, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* The current event as a non-empty string (malloc'd). */
static bool yp_string(struct yp *y, const char *what, char **out)
{
	if (!yp_is(y, YAML_SCALAR_EVENT))
		return yp_fail(y, "expected a string (%s), got %s", what,
			       ev_what(&y->ev));
	if (yp_len(y) == 0)
		return yp_fail(y, "%s must not be empty", what);
	if (memchr(yp_text(y), 0, yp_len(y)))
		return yp_fail(y, "%s contains a NUL character", what);
	free(*out);
	*out = kfp_xstrndup(yp_text(y), yp_len(y));
	return true;
}

/* ------------------------------------------------------------------ */
/* Arrays with positions, sorted and checked once loading is done     */

struct reg_at {
	uint64_t id, value;
	struct at at;
};

struct regs_b {
	struct reg_at *v;
	size_t n, cap;
};

struct cpuid_at {
	struct kfp_cpuid_entry e;
	struct at at;
};

struct cpuid_b {
	struct cpuid_at *v;
	size_t n, cap;
};

static int cmp_reg_at(const void *a, const void *b)
{
	const struct reg_at *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int cmp_cpuid_key(const struct kfp_cpuid_entry *x,
			 const struct kfp_cpuid_entry *y)
{
	if (x->function != y->function)
		return x->function < y->function ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_cpuid_at(const void *a, const void *b)
{
	const struct cpuid_at *x = a, *y = b;
	return cmp_cpuid_key(&x->e, &y->e);
}

static bool at_before(struct at a, struct at b)
{
	return a.line < b.line || (a.line == b.line && a.col < b.col);
}

/* Sorts (writers usually emit sorted data: check first), then refuses
 * duplicates, pointing at the later one. */
static bool finish_regs(struct yp *y, struct regs_b *b, const char *what,
			struct kfp_reg_value **out, size_t *n)
{
	bool sorted = true;
	for (size_t i = 1; i < b->n && sorted; i++)
		sorted = b->v[i - 1].id < b->v[i].id;
	if (!sorted)
		qsort(b->v, b->n, sizeof(*b->v), cmp_reg_at);
	for (size_t i = 1; i < b->n; i++) {
		struct reg_at *p = &b->v[i - 1], *q = &b->v[i];
		if (p->id != q->id)
			continue;
		if (at_before(q->at, p->at)) {
			struct reg_at *t = p;
			p = q;
			q = t;
		}
		return yp_fail_at(y, q->at, "%s 0x%" PRIx64 " is listed twice (first at %zu:%zu)",
				  what, q->id, p->at.line + 1, p->at.col + 1);
	}
	*out = kfp_xcalloc(b->n, sizeof(**out));
	for (size_t i = 0; i < b->n; i++) {
		(*out)[i].id = b->v[i].id;
		(*out)[i].value = b->v[i].value;
	}
	*n = b->n;
	return true;
}

static bool finish_reg_list(struct yp *y, struct regs_b *b, uint64_t **out,
			    size_t *n)
{
	struct kfp_reg_value *tmp = NULL;
	size_t count = 0;
	if (!finish_regs(y, b, "register", &tmp, &count))
		return false;
	*out = kfp_xcalloc(count, sizeof(**out));
	for (size_t i = 0; i < count; i++)
		(*out)[i] = tmp[i].id;
	*n = count;
	free(tmp);
	return true;
}

static bool finish_cpuid_into(struct yp *y, struct cpuid_b *b,
			      struct kfp_cpuid_entry **out, size_t *nout)
{
	bool sorted = true;
	for (size_t i = 1; i < b->n && sorted; i++)
		sorted = cmp_cpuid_at(&b->v[i - 1], &b->v[i]) < 0;
	if (!sorted)
		qsort(b->v, b->n, sizeof(*b->v), cmp_cpuid_at);
	for (size_t i = 1; i < b->n; i++) {
		struct cpuid_at *x = &b->v[i - 1], *z = &b->v[i];
		if (cmp_cpuid_at(x, z) != 0)
			continue;
		if (at_before(z->at, x->at)) {
			struct cpuid_at *t = x;
			x = z;
			z = t;
		}
		return yp_fail_at(y, z->at,
				  "cpuid function 0x%" PRIx32 " index 0x%" PRIx32 " is listed twice (first at %zu:%zu)",
				  z->e.function, z->e.index, x->at.line + 1,
				  x->at.col + 1);
	}
	*out = kfp_xcalloc(b->n, sizeof(**out));
	for (size_t i = 0; i < b->n; i++)
		(*out)[i] = b->v[i].e;
	*nout = b->n;
	return true;
}

static bool finish_cpuid(struct yp *y, struct cpuid_b *b,
			 struct kfp_host_profile *p)
{
	return finish_cpuid_into(y, b, &p->cpuid, &p->ncpuid);
}

/* ------------------------------------------------------------------ */
/* The profile format                                                 */

enum top_key {
	TK_FORMAT, TK_NAME, TK_ARCH, TK_KERNEL, TK_CAPS,
	TK_CPUID, TK_MSRS, TK_XSAVE, TK_HV_CPUID, TK_EVMCS,
	TK_REG_LIST, TK_ID_REGS, TK_WMASKS, TK_FW_REGS, TK_CACHE_REGS, TK_VCPU,
	TK_COUNT
};

static const char *const top_keys[TK_COUNT] = {
	[TK_FORMAT] = "kfp_host_profile",
	[TK_NAME] = "name",
	[TK_ARCH] = "arch",
	[TK_KERNEL] = "kernel",
	[TK_CAPS] = "kvm_caps",
	[TK_CPUID] = "cpuid",
	[TK_MSRS] = "msrs",
	[TK_XSAVE] = "xsave",
	[TK_HV_CPUID] = "hyperv_cpuid",
	[TK_EVMCS] = "evmcs_version",
	[TK_REG_LIST] = "reg_list",
	[TK_ID_REGS] = "id_regs",
	[TK_WMASKS] = "writable_masks",
	[TK_FW_REGS] = "firmware_regs",
	[TK_CACHE_REGS] = "cache_regs",
	[TK_VCPU] = "vcpu_features",
};

/* Keys from TK_CPUID on belong to one architecture. */
static bool key_arch(enum top_key k, enum kfp_arch *arch)
{
	if (k < TK_CPUID)
		return false;
	*arch = k < TK_REG_LIST ? KFP_ARCH_X86_64 : KFP_ARCH_ARM64;
	return true;
}

static const char *arch_name(enum kfp_arch a)
{
	return a == KFP_ARCH_ARM64 ? "arm64" : "x86_64";
}

struct loader {
	struct yp y;
	struct kfp_host_profile *p;
	bool seen[TK_COUNT];
	struct at key_at[TK_COUNT];
	struct regs_b caps, msrs, reg_list, id_regs, wmasks, fw_regs, cache_regs;
	struct cpuid_b cpuid, hv_cpuid;
};

static void loader_fini(struct loader *l)
{
	free(l->caps.v);
	free(l->msrs.v);
	free(l->reg_list.v);
	free(l->id_regs.v);
	free(l->wmasks.v);
	free(l->fw_regs.v);
	free(l->cache_regs.v);
	free(l->cpuid.v);
	free(l->hv_cpuid.v);
	yp_fini(&l->y);
}

/* A mapping of integers to integers (kvm_caps, msrs, id_regs, ...). */
static bool load_reg_map(struct yp *y, struct regs_b *b, const char *kwhat,
			 unsigned id_bits, const char *vwhat, unsigned value_bits)
{
	if (!yp_expect(y, YAML_MAPPING_START_EVENT, "a mapping"))
		return false;
	for (;;) {
		struct reg_at r = { .id = 0 };
		if (!yp_next(y))
			return false;
		if (yp_is(y, YAML_MAPPING_END_EVENT))
			return true;
		r.at = yp_at(y);
		if (!yp_uint(y, kwhat, id_bits, &r.id) || !yp_next(y) ||
		    !yp_uint(y, vwhat, value_bits, &r.value))
			return false;
		KFP_VEC_PUSH(b->v, b->n, b->cap, r);
	}
}

/* [function, index, flags, eax, ebx, ecx, edx] */
static bool load_cpuid_entry(struct yp *y, struct cpuid_b *b)
{
	static const char *const what[7] = {
		"cpuid function", "cpuid index", "cpuid flags",
		"cpuid eax", "cpuid ebx", "cpuid ecx", "cpuid edx",
	};
	struct cpuid_at c = { .at = yp_at(y) };
	uint32_t *field[7] = {
		&c.e.function, &c.e.index, &c.e.flags,
		&c.e.eax, &c.e.ebx, &c.e.ecx, &c.e.edx,
	};
	size_t n;

	if (!yp_is(y, YAML_SEQUENCE_START_EVENT))
		return yp_fail(y, "expected a cpuid entry [function, index, flags, eax, ebx, ecx, edx], got %s",
			       ev_what(&y->ev));
	for (n = 0;; n++) {
		if (!yp_next(y))
			return false;
		if (yp_is(y, YAML_SEQUENCE_END_EVENT))
			break;
		if (n == 7)
			return yp_fail(y, "cpuid entry has more than 7 values (function, index, flags, eax, ebx, ecx, edx)");
		if (!yp_uint32(y, what[n], field[n]))
			return false;
	}
	if (n != 7)
		return yp_fail_at(y, c.at, "cpuid entry has %zu values, expected 7 (function, index, flags, eax, ebx, ecx, edx)",
				  n);
	KFP_VEC_PUSH(b->v, b->n, b->cap, c);
	return true;
}

static bool load_cpuid(struct yp *y, struct cpuid_b *b)
{
	if (!yp_expect(y, YAML_SEQUENCE_START_EVENT, "a sequence of cpuid entries"))
		return false;
	for (;;) {
		if (!yp_next(y))
			return false;
		if (yp_is(y, YAML_SEQUENCE_END_EVENT))
			return true;
		if (!load_cpuid_entry(y, b))
			return false;
	}
}

static bool load_reg_list(struct yp *y, struct regs_b *b)
{
	if (!yp_expect(y, YAML_SEQUENCE_START_EVENT, "a sequence of register ids"))
		return false;
	for (;;) {
		struct reg_at r = { .value = 0 };
		if (!yp_next(y))
			return false;
		if (yp_is(y, YAML_SEQUENCE_END_EVENT))
			return true;
		r.at = yp_at(y);
		if (!yp_uint(y, "register id", 64, &r.id))
			return false;
		KFP_VEC_PUSH(b->v, b->n, b->cap, r);
	}
}

/* Looks a key up in a table; on failure reports it with a suggestion. */
static int lookup_key(struct yp *y, const char *const *keys, size_t n,
		      const char *where)
{
	char buf[64];
	for (size_t i = 0; i < n; i++)
		if (keys[i] && yp_is_key(y, keys[i]))
			return (int)i;
	const char *word = excerpt(yp_text(y), yp_len(y), buf);
	const char *s = kfp_suggest(word, keys, n);
	if (s)
		yp_fail(y, "unknown key '%s' in %s; did you mean '%s'?", word,
			where, s);
	else
		yp_fail(y, "unknown key '%s' in %s", word, where);
	return -1;
}

static bool load_xsave(struct yp *y, struct kfp_host_profile *p)
{
	static const char *const keys[] = { "size", "xcr0", "xss" };
	struct at first[3];
	bool seen[3] = { false, false, false };
	bool done;

	if (!yp_expect(y, YAML_MAPPING_START_EVENT,
		       "a mapping {size: N, xcr0: X, xss: X}"))
		return false;
	for (;;) {
		if (!yp_next_key(y, &done))
			return false;
		if (done)
			return true;
		int k = lookup_key(y, keys, 3, "xsave");
		if (k < 0)
			return false;
		if (seen[k])
			return yp_fail(y, "duplicate key 'xsave.%s' (first at %zu:%zu)",
				       keys[k], first[k].line + 1, first[k].col + 1);
		seen[k] = true;
		first[k] = yp_at(y);
		if (!yp_next(y))
			return false;
		bool ok = k == 0 ? yp_uint32(y, "xsave size", &p->xsave_size) :
			  k == 1 ? yp_uint(y, "xcr0", 64, &p->xcr0) :
				   yp_uint(y, "xss", 64, &p->xss);
		if (!ok)
			return false;
	}
}

static bool load_vcpu_features(struct yp *y, uint32_t *features)
{
	char buf[64];
	if (!yp_expect(y, YAML_SEQUENCE_START_EVENT,
		       "a sequence of vCPU feature names"))
		return false;
	for (;;) {
		if (!yp_next(y))
			return false;
		if (yp_is(y, YAML_SEQUENCE_END_EVENT))
			return true;
		if (!yp_is(y, YAML_SCALAR_EVENT))
			return yp_fail(y, "expected a vCPU feature name, got %s",
				       ev_what(&y->ev));
		unsigned bit = NVCPU_FEATURE_NAMES;
		uint64_t v;
		for (unsigned i = 0; i < NVCPU_FEATURE_NAMES; i++)
			if (yp_is_key(y, vcpu_feature_names[i]))
				bit = i;
		const char *word = excerpt(yp_text(y), yp_len(y), buf);
		if (bit == NVCPU_FEATURE_NAMES) {
			/* Bits without a name yet are written as numbers. */
			if (parse_uint(yp_text(y), yp_len(y), &v) == 0 &&
			    y->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
				if (v >= 32)
					return yp_fail(y, "vCPU feature bit %" PRIu64 " is out of range (0..31)",
						       v);
				bit = (unsigned)v;
			} else {
				const char *s = kfp_suggest(word, vcpu_feature_names,
							    NVCPU_FEATURE_NAMES);
				if (s)
					return yp_fail(y, "unknown vCPU feature '%s'; did you mean '%s'?",
						       word, s);
				return yp_fail(y, "unknown vCPU feature '%s'", word);
			}
		}
		if (*features & 1u << bit)
			return yp_fail(y, "vCPU feature '%s' is listed twice", word);
		*features |= 1u << bit;
	}
}

static bool load_arch(struct yp *y, enum kfp_arch *arch)
{
	static const char *const names[] = { "x86_64", "arm64", "aarch64" };
	char buf[64];
	if (!yp_is(y, YAML_SCALAR_EVENT))
		return yp_fail(y, "expected x86_64 or arm64, got %s",
			       ev_what(&y->ev));
	for (size_t i = 0; i < 3; i++)
		if (yp_is_key(y, names[i])) {
			*arch = i == 0 ? KFP_ARCH_X86_64 : KFP_ARCH_ARM64;
			return true;
		}
	const char *word = excerpt(yp_text(y), yp_len(y), buf);
	const char *s = kfp_suggest(word, names, 3);
	if (s)
		return yp_fail(y, "unknown arch '%s'; did you mean '%s'?", word, s);
	return yp_fail(y, "unknown arch '%s' (expected x86_64 or arm64)", word);
}

static bool load_kernel(struct yp *y, struct kfp_host_profile *p)
{
	char buf[64];
	if (!yp_string(y, "kernel", &p->kernel_release))
		return false;
	if (!kfp_kver_parse(p->kernel_release, &p->kernel))
		return yp_fail(y, "kernel '%s' does not start with MAJOR.MINOR (as in uname -r)",
			       excerpt(yp_text(y), yp_len(y), buf));
	return true;
}

static bool load_format(struct yp *y)
{
	uint64_t v;
	if (!yp_uint(y, "format version", 64, &v))
		return false;
	if (v != KFP_PROFILE_FORMAT)
		return yp_fail(y, "unsupported host profile format %" PRIu64 " (this kfp reads format %d)",
			       v, KFP_PROFILE_FORMAT);
	return true;
}

static bool load_value(struct loader *l, enum top_key k)
{
	struct yp *y = &l->y;
	struct kfp_host_profile *p = l->p;

	switch (k) {
	case TK_FORMAT:
		return load_format(y);
	case TK_NAME:
		return yp_string(y, "name", &p->name);
	case TK_ARCH:
		return load_arch(y, &p->arch);
	case TK_KERNEL:
		return load_kernel(y, p);
	case TK_CAPS:
		return load_reg_map(y, &l->caps, "capability number", 32,
				    "capability value", 32);
	case TK_CPUID:
		return load_cpuid(y, &l->cpuid);
	case TK_MSRS:
		return load_reg_map(y, &l->msrs, "MSR index", 32, "MSR value", 64);
	case TK_XSAVE:
		return load_xsave(y, p);
	case TK_HV_CPUID:
		p->has_hv_cpuid = true;
		return load_cpuid(y, &l->hv_cpuid);
	case TK_EVMCS: {
		uint64_t v = 0;
		if (!yp_uint(y, "evmcs_version", 16, &v))
			return false;
		p->evmcs_version = (uint16_t)v;
		return true;
	}
	case TK_REG_LIST:
		return load_reg_list(y, &l->reg_list);
	case TK_ID_REGS:
		return load_reg_map(y, &l->id_regs, "ID register id", 64,
				    "ID register value", 64);
	case TK_WMASKS:
		p->has_writable_masks = true;
		return load_reg_map(y, &l->wmasks, "writable mask register id", 64,
				    "writable mask", 64);
	case TK_FW_REGS:
		return load_reg_map(y, &l->fw_regs, "firmware register id", 64,
				    "firmware register value", 64);
	case TK_CACHE_REGS:
		return load_reg_map(y, &l->cache_regs, "cache register id", 64,
				    "cache register value", 64);
	case TK_VCPU:
		return load_vcpu_features(y, &p->vcpu_features);
	default:
		return false;
	}
}

/* An arch-specific key under the other arch. */
static bool check_key_arch(struct loader *l, enum top_key k)
{
	enum kfp_arch want;
	if (!l->seen[TK_ARCH] || !key_arch(k, &want) || want == l->p->arch)
		return true;
	return yp_fail_at(&l->y, l->key_at[k],
			  "'%s' belongs in %s profiles, but this one is %s",
			  top_keys[k], arch_name(want), arch_name(l->p->arch));
}

static bool load_top(struct loader *l)
{
	struct yp *y = &l->y;
	bool done;

	if (!yp_expect(y, YAML_MAPPING_START_EVENT, "a mapping (a host profile)"))
		return false;
	for (;;) {
		if (!yp_next_key(y, &done))
			return false;
		if (done)
			return true;
		int k = lookup_key(y, top_keys, TK_COUNT, "a host profile");
		if (k < 0)
			return false;
		if (l->seen[k])
			return yp_fail(y, "duplicate key '%s' (first at %zu:%zu)",
				       top_keys[k], l->key_at[k].line + 1,
				       l->key_at[k].col + 1);
		l->seen[k] = true;
		l->key_at[k] = yp_at(y);
		if (!check_key_arch(l, k) || !yp_next(y) || !load_value(l, k))
			return false;
	}
}

/* cache_regs holds CLIDR_EL1 and the CCSIDR_EL1 demux registers only;
 * CCSIDR_EL1 is 32 bits. */
static bool check_cache_regs(struct yp *y, const struct regs_b *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct reg_at *r = &b->v[i];
		if (!kfp_arm64_is_cache_reg(r->id))
			return yp_fail_at(y, r->at,
					  "cache register 0x%" PRIx64 " is neither CLIDR_EL1 (0x%llx) nor a CCSIDR_EL1 demux register (0x%llx + CSSELR)",
					  r->id, KFP_ARM64_CLIDR_EL1, KFP_ARM64_CCSIDR_BASE);
		if (r->id != KFP_ARM64_CLIDR_EL1 && r->value >> 32)
			return yp_fail_at(y, r->at,
					  "cache register 0x%" PRIx64 ": 0x%" PRIx64 " does not fit in 32 bits (CCSIDR_EL1)",
					  r->id, r->value);
	}
	return true;
}

/* Every key kfp probe writes for the profile's arch.  The last of them is
 * a one-line flow value, so a file cut short anywhere lacks one of them,
 * or ends inside a value (a YAML error). */
static bool check_complete(struct loader *l, struct at top)
{
	static const enum top_key x86[] = { TK_CPUID, TK_MSRS, TK_XSAVE };
	static const enum top_key arm64[] = { TK_REG_LIST, TK_ID_REGS, TK_FW_REGS, TK_VCPU };
	bool is_x86 = l->p->arch == KFP_ARCH_X86_64;
	const enum top_key *keys = is_x86 ? x86 : arm64;
	size_t n = is_x86 ? sizeof(x86) / sizeof(x86[0]) : sizeof(arm64) / sizeof(arm64[0]);
	for (size_t i = 0; i < n; i++)
		if (!l->seen[keys[i]])
			return yp_fail_at(&l->y, top,
					  "missing required key '%s' of an %s profile (kfp probe always writes it: is the file truncated?)",
					  top_keys[keys[i]], arch_name(l->p->arch));
	return true;
}

static bool load_finish(struct loader *l, struct at top)
{
	static const enum top_key required[] = { TK_FORMAT, TK_NAME, TK_ARCH, TK_KERNEL };

	struct kfp_host_profile *p = l->p;
	struct yp *y = &l->y;

	for (size_t i = 0; i < 4; i++)
		if (!l->seen[required[i]])
			return yp_fail_at(y, top, "missing required key '%s'",
					  top_keys[required[i]]);

	for (int k = 0; k < TK_COUNT; k++)
		if (l->seen[k] && !check_key_arch(l, (enum top_key)k))
			return false;
	return finish_regs(y, &l->caps, "capability", &p->caps, &p->ncaps) &&
	       finish_cpuid(y, &l->cpuid, p) &&
	       finish_cpuid_into(y, &l->hv_cpuid, &p->hv_cpuid, &p->nhv_cpuid) &&
	       finish_regs(y, &l->msrs, "MSR", &p->msrs, &p->nmsrs) &&
	       finish_reg_list(y, &l->reg_list, &p->reg_list, &p->nreg_list) &&
	       finish_regs(y, &l->id_regs, "ID register", &p->id_regs, &p->nid_regs) &&
	       finish_regs(y, &l->wmasks, "writable mask register",
			   &p->writable_masks, &p->nwritable_masks) &&
	       finish_regs(y, &l->fw_regs, "firmware register", &p->fw_regs,
			   &p->nfw_regs) &&
	       check_cache_regs(y, &l->cache_regs) &&
	       finish_regs(y, &l->cache_regs, "cache register", &p->cache_regs,
			   &p->ncache_regs) &&
	       check_complete(l, top);
}

static void set_err(char **err, char *msg)
{
	if (err)
		*err = msg;
	else
		free(msg);
}

struct kfp_host_profile *kfp_profile_parse(const char *name, const char *data,
					   size_t len, char **err)
{
	struct loader l;
	struct at top;

	if (!name)
		name = "<host profile>";
	memset(&l, 0, sizeof(l));
	yp_init(&l.y, name, data, len, false);
	l.p = kfp_xcalloc(1, sizeof(*l.p));
	l.p->path = kfp_xstrdup(name);
	bool ok = yp_begin(&l.y, "a host profile");
	top = yp_at(&l.y);
	ok = ok && load_top(&l) && yp_end(&l.y) && load_finish(&l, top);
	struct kfp_host_profile *p = l.p;
	if (!ok) {
		set_err(err, l.y.err ? l.y.err :
			kfp_xasprintf("%s: cannot parse the host profile", name));
		l.y.err = NULL;
		kfp_profile_free(p);
		p = NULL;
	}
	loader_fini(&l);
	return p;
}

/* Reads a whole file; NULL and a message on failure. */
static char *read_file(const char *path, size_t *len, char **err)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		set_err(err, kfp_xasprintf("%s: cannot open: %s", path, strerror(errno)));
		return NULL;
	}
	size_t cap = 16384, n = 0, k;
	char *buf = kfp_xmalloc(cap + 1);
	while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n > MAX_FILE_SIZE) {
			set_err(err, kfp_xasprintf("%s: larger than %u MiB, not a host profile",
						   path, MAX_FILE_SIZE >> 20));
			goto fail;
		}
		if (n == cap) {
			cap *= 2;
			buf = kfp_xrealloc(buf, cap + 1);
		}
	}
	if (ferror(f)) {
		set_err(err, kfp_xasprintf("%s: cannot read: %s", path, strerror(errno)));
		goto fail;
	}
	fclose(f);
	buf[n] = 0;
	*len = n;
	return buf;
fail:
	fclose(f);
	free(buf);
	return NULL;
}

struct kfp_host_profile *kfp_profile_load(const char *path, char **err)
{
	size_t len;
	char *data = read_file(path, &len, err);
	if (!data)
		return NULL;
	struct kfp_host_profile *p = kfp_profile_parse(path, data, len, err);
	free(data);
	return p;
}

void kfp_profile_free(struct kfp_host_profile *p)
{
	if (!p)
		return;
	free(p->path);
	free(p->name);
	free(p->kernel_release);
	free(p->caps);
	free(p->cpuid);
	free(p->hv_cpuid);
	free(p->msrs);
	free(p->reg_list);
	free(p->id_regs);
	free(p->writable_masks);
	free(p->fw_regs);
	free(p->cache_regs);
	free(p);
}

/* ------------------------------------------------------------------ */
/* Writing                                                            */

/* Decodes one UTF-8 sequence the way libyaml's reader accepts it.
 * Returns its length, or 0 if it is not valid. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	unsigned n;
	uint32_t c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	for (unsigned i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

static bool utf8_valid(const char *s)
{
	uint32_t cp;
	for (const unsigned char *u = (const unsigned char *)s; *u;) {
		size_t n = utf8_decode(u, &cp);
		if (!n)
			return false;
		u += n;
	}
	return true;
}

/* A YAML double-quoted string.  Everything outside printable ASCII is
 * escaped, so no line break, BOM or control character can change the
 * meaning; the string must be valid UTF-8 (utf8_valid). */
static void write_string(FILE *out, const char *s)
{
	uint32_t cp;
	fputc('"', out);
	for (const unsigned char *u = (const unsigned char *)s; *u;) {
		size_t n = utf8_decode(u, &cp);
		u += n;
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (cp == '\t' || cp == '\n' || cp == '\r')
			fprintf(out, "\\%c", cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r');
		else if (cp >= 0x20 && cp < 0x7f)
			fputc((int)cp, out);
		else if (cp < 0x80)
			fprintf(out, "\\x%02" PRIx32, cp);
		else if (cp <= 0xffff)
			fprintf(out, "\\u%04" PRIx32, cp);
		else
			fprintf(out, "\\U%08" PRIx32, cp);
	}
	fputc('"', out);
}

static bool regs_sorted(const struct kfp_reg_value *v, size_t n, unsigned id_bits,
			unsigned value_bits)
{
	for (size_t i = 0; i < n; i++) {
		if (i && v[i - 1].id >= v[i].id)
			return false;
		if ((id_bits < 64 && v[i].id >> id_bits) ||
		    (value_bits < 64 && v[i].value >> value_bits))
			return false;
	}
	return true;
}

/* Whether kfp_profile_load would read the output back as the same profile. */
static bool writable(const struct kfp_host_profile *p)
{
	struct kfp_kver kv;
	if (!p->name || !*p->name || !utf8_valid(p->name) ||
	    !p->kernel_release || !utf8_valid(p->kernel_release) ||
	    !kfp_kver_parse(p->kernel_release, &kv))
		return false;
	if (p->arch != KFP_ARCH_X86_64 && p->arch != KFP_ARCH_ARM64)
		return false;
	if (!regs_sorted(p->caps, p->ncaps, 32, 32))
		return false;
	if (p->arch == KFP_ARCH_X86_64) {
		for (size_t i = 1; i < p->ncpuid; i++)
			if (cmp_cpuid_key(&p->cpuid[i - 1], &p->cpuid[i]) >= 0)
				return false;
		for (size_t i = 1; i < p->nhv_cpuid; i++)
			if (cmp_cpuid_key(&p->hv_cpuid[i - 1], &p->hv_cpuid[i]) >= 0)
				return false;
		if (p->nhv_cpuid && !p->has_hv_cpuid)
			return false;
		return regs_sorted(p->msrs, p->nmsrs, 32, 64) &&
		       !p->nreg_list && !p->nid_regs && !p->has_writable_masks &&
		       !p->nwritable_masks && !p->nfw_regs && !p->ncache_regs &&
		       !p->vcpu_features;
	}
	for (size_t i = 0; i < p->ncache_regs; i++)
		if (!kfp_arm64_is_cache_reg(p->cache_regs[i].id) ||
		    (p->cache_regs[i].id != KFP_ARM64_CLIDR_EL1 && p->cache_regs[i].value >> 32))
			return false;
	for (size_t i = 1; i < p->nreg_list; i++)
		if (p->reg_list[i - 1] >= p->reg_list[i])
			return false;
	return regs_sorted(p->id_regs, p->nid_regs, 64, 64) &&
	       regs_sorted(p->writable_masks, p->nwritable_masks, 64, 64) &&
	       regs_sorted(p->fw_regs, p->nfw_regs, 64, 64) &&
	       regs_sorted(p->cache_regs, p->ncache_regs, 64, 64) &&
	       (p->has_writable_masks || !p->nwritable_masks) &&
	       !p->ncpuid && !p->nmsrs && !p->xsave_size && !p->xcr0 && !p->xss &&
	       !p->has_hv_cpuid && !p->evmcs_version;
}

/* One register per line: these maps are what people diff. */
static void write_reg_map(FILE *out, const char *key,
			  const struct kfp_reg_value *v, size_t n)
{
	if (!n) {
		fprintf(out, "%s: {}\n", key);
		return;
	}
	fprintf(out, "%s:\n", key);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  0x%" PRIx64 ": 0x%" PRIx64 "\n", v[i].id,
			v[i].value);
}

static void write_cpuid(FILE *out, const char *key, const struct kfp_cpuid_entry *v, size_t n)
{
	if (!n)
		fprintf(out, "%s: []\n", key);
	else
		fprintf(out, "%s:  # function, index, flags, eax, ebx, ecx, edx\n", key);
	for (size_t i = 0; i < n; i++) {
		const struct kfp_cpuid_entry *e = &v[i];
		fprintf(out, "  - [0x%08" PRIx32 ", 0x%" PRIx32 ", 0x%" PRIx32
			", 0x%08" PRIx32 ", 0x%08" PRIx32 ", 0x%08" PRIx32
			", 0x%08" PRIx32 "]\n", e->function, e->index, e->flags,
			e->eax, e->ebx, e->ecx, e->edx);
	}
}

static void write_x86(const struct kfp_host_profile *p, FILE *out)
{
	write_cpuid(out, "cpuid", p->cpuid, p->ncpuid);
	write_reg_map(out, "msrs", p->msrs, p->nmsrs);
	fprintf(out, "xsave: {size: %" PRIu32 ", xcr0: 0x%" PRIx64
		", xss: 0x%" PRIx64 "}\n", p->xsave_size, p->xcr0, p->xss);
	if (p->has_hv_cpuid)
		write_cpuid(out, "hyperv_cpuid", p->hv_cpuid, p->nhv_cpuid);
	if (p->evmcs_version)
		fprintf(out, "evmcs_version: 0x%" PRIx16 "\n", p->evmcs_version);
}

static void write_arm64(const struct kfp_host_profile *p, FILE *out)
{
	fputs("reg_list: [", out);
	for (size_t i = 0; i < p->nreg_list; i++)
		fprintf(out, "%s0x%" PRIx64, i == 0 ? "\n  " : i % 4 ? ", " : ",\n  ",
			p->reg_list[i]);
	fputs("]\n", out);
	write_reg_map(out, "id_regs", p->id_regs, p->nid_regs);
	if (p->has_writable_masks)
		write_reg_map(out, "writable_masks", p->writable_masks,
			      p->nwritable_masks);
	write_reg_map(out, "firmware_regs", p->fw_regs, p->nfw_regs);
	/* Absent when nothing recorded it (older probes, fingerprints
	 * without these registers): the same as empty. */
	if (p->ncache_regs)
		write_reg_map(out, "cache_regs", p->cache_regs, p->ncache_regs);
	fputs("vcpu_features: [", out);
	const char *sep = "";
	for (unsigned bit = 0; bit < 32; bit++) {
		if (!(p->vcpu_features & 1u << bit))
			continue;
		if (bit < NVCPU_FEATURE_NAMES)
			fprintf(out, "%s%s", sep, vcpu_feature_names[bit]);
		else
			fprintf(out, "%s%u", sep, bit);
		sep = ", ";
	}
	fputs("]\n", out);
}

int kfp_profile_write(const struct kfp_host_profile *p, FILE *out)
{
	if (!writable(p))
		return -EINVAL;
	fprintf(out, "# KVM host profile, see docs/host-profile.md\n"
		     "kfp_host_profile: %d\nname: ", KFP_PROFILE_FORMAT);
	write_string(out, p->name);
	fprintf(out, "\narch: %s\nkernel: ", arch_name(p->arch));
	write_string(out, p->kernel_release);
	fputs("\nkvm_caps: {", out);
	for (size_t i = 0; i < p->ncaps; i++)
		fprintf(out, "%s%" PRIu64 ": %" PRIu64, i ? ", " : "",
			p->caps[i].id, p->caps[i].value);
	fputs("}\n", out);
	if (p->arch == KFP_ARCH_X86_64)
		write_x86(p, out);
	else
		write_arm64(p, out);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Firecracker fingerprints                                           */

/* A "0b..." bitmap of up to 128 bits, most significant digit first. */
struct bitmap {
	uint64_t lo, hi;
	unsigned digits;
	char bad;          /* 0, or the first character that is not 0 or 1 */
	bool no_prefix;
	struct at at;
};

static void bitmap_decode(const char *s, size_t len, struct bitmap *b)
{
	memset(b, 0, sizeof(*b));
	if (len < 2 || s[0] != '0' || s[1] != 'b') {
		b->no_prefix = true;
		return;
	}
	for (size_t i = 2; i < len; i++) {
		if (s[i] != '0' && s[i] != '1') {
			if (!b->bad)
				b->bad = s[i];
			continue;
		}
		b->hi = b->hi << 1 | b->lo >> 63;
		b->lo = b->lo << 1 | (uint64_t)(s[i] - '0');
	}
	b->digits = (unsigned)(len - 2 > 4096 ? 4096 : len - 2);
}

static bool load_bitmap(struct yp *y, struct bitmap *b)
{
	if (!yp_is(y, YAML_SCALAR_EVENT))
		return yp_fail(y, "expected a bitmap string \"0b...\", got %s",
			       ev_what(&y->ev));
	bitmap_decode(yp_text(y), yp_len(y), b);
	b->at = yp_at(y);
	return true;
}

/* Checks a bitmap once the entry it belongs to can be named. */
static bool check_bitmap(struct yp *y, const struct bitmap *b,
			 const char *entry, unsigned w1, unsigned w2,
			 unsigned w3)
{
	if (b->no_prefix)
		return yp_fail_at(y, b->at, "%s: bitmap does not start with \"0b\"",
				  entry);
	if (b->bad == 'x')
		return yp_fail_at(y, b->at, "%s: bitmap has 'x' (keep the host's bit) digits, so this is a CPU template, not a fingerprint",
				  entry);
	if (b->bad)
		return yp_fail_at(y, b->at, "%s: bitmap has the digit '%c'; only 0 and 1 belong in a fingerprint",
				  entry, b->bad >= 0x20 && b->bad < 0x7f ? b->bad : '?');
	if (b->digits != w1 && b->digits != w2 && b->digits != w3) {
		if (w1 == w2)
			return yp_fail_at(y, b->at, "%s: bitmap has %u digits, expected %u",
					  entry, b->digits, w1);
		return yp_fail_at(y, b->at, "%s: bitmap has %u digits, expected %u, %u or %u",
				  entry, b->digits, w1, w2, w3);
	}
	return true;
}

struct fingerprint {
	struct yp y;
	struct kfp_host_profile *p;
	struct at kernel_at;
	struct at x86_at, arm_at; /* the first x86 or arm64 modifier key */
	bool has_x86, has_arm, has_kernel, has_config;
	struct cpuid_b cpuid;
	struct regs_b msrs, regs, id_regs, fw_regs, cache_regs;
};

static void fingerprint_fini(struct fingerprint *f)
{
	free(f->cpuid.v);
	free(f->msrs.v);
	free(f->regs.v);
	free(f->id_regs.v);
	free(f->fw_regs.v);
	free(f->cache_regs.v);
	yp_fini(&f->y);
}

/* Iterates over a sequence of mappings, calling fn at each mapping. */
static bool fp_each(struct fingerprint *f, const char *what,
		    bool (*fn)(struct fingerprint *f))
{
	struct yp *y = &f->y;
	if (!yp_expect(y, YAML_SEQUENCE_START_EVENT, what))
		return false;
	for (;;) {
		if (!yp_next(y))
			return false;
		if (yp_is(y, YAML_SEQUENCE_END_EVENT))
			return true;
		if (!yp_expect(y, YAML_MAPPING_START_EVENT, "a mapping") || !fn(f))
			return false;
	}
}

/* cpuid modifier: {register: eax|ebx|ecx|edx, bitmap: "0b..."} */
static bool fp_cpuid_reg(struct yp *y, struct bitmap regs[4], bool seen[4])
{
	struct at start = yp_at(y);
	struct bitmap b = { .no_prefix = true };
	int reg = -1;
	bool has_bitmap = false, done;
	char buf[64];

	if (!yp_expect(y, YAML_MAPPING_START_EVENT, "a register modifier"))
		return false;
	for (;;) {
		if (!yp_next_key(y, &done))
			return false;
		if (done)
			break;
		if (yp_is_key(y, "register")) {
			if (!yp_next(y) || !yp_expect(y, YAML_SCALAR_EVENT, "a register name"))
				return false;
			for (int i = 0; i < 4; i++)
				if (yp_is_key(y, cpuid_regs[i]))
					reg = i;
			if (reg < 0)
				return yp_fail(y, "unknown cpuid register '%s' (expected eax, ebx, ecx or edx)",
					       excerpt(yp_text(y), yp_len(y), buf));
		} else if (yp_is_key(y, "bitmap")) {
			if (!yp_next(y) || !load_bitmap(y, &b))
				return false;
			has_bitmap = true;
		} else if (!yp_next(y) || !yp_skip(y)) {
			return false;
		}
	}
	if (reg < 0 || !has_bitmap)
		return yp_fail_at(y, start, "cpuid modifier without %s",
				  reg < 0 ? "'register'" : "'bitmap'");
	if (seen[reg])
		return yp_fail_at(y, start, "cpuid register %s is given twice",
				  cpuid_regs[reg]);
	seen[reg] = true;
	regs[reg] = b;
	return true;
}

static bool fp_cpuid_regs(struct yp *y, struct bitmap regs[4], bool seen[4])
{
	if (!yp_expect(y, YAML_SEQUENCE_START_EVENT, "a sequence of register modifiers"))
		return false;
	for (;;) {
		if (!yp_next(y))
			return false;
		if (yp_is(y, YAML_SEQUENCE_END_EVENT))
			return true;
		if (!fp_cpuid_reg(y, regs, seen))
			return false;
	}
}

/* {leaf, subleaf, flags, modifiers[]} */
static bool fp_cpuid_leaf(struct fingerprint *f)
{
	struct yp *y = &f->y;
	struct cpuid_at c = { .at = yp_at(y) };
	struct bitmap regs[4];
	bool seen_reg[4] = { false, false, false, false };
	bool has[4] = { false, false, false, false }, done;
	static const char *const keys[4] = { "leaf", "subleaf", "flags", "modifiers" };
	char entry[96];

	for (;;) {
		if (!yp_next_key(y, &done))
			return false;
		if (done)
			break;
		int k = -1;
		for (int i = 0; i < 4; i++)
			if (yp_is_key(y, keys[i]))
				k = i;
		if (!yp_next(y))
			return false;
		if (k >= 0)
			has[k] = true;
		bool ok = k == 0 ? yp_uint32(y, "cpuid leaf", &c.e.function) :
			  k == 1 ? yp_uint32(y, "cpuid subleaf", &c.e.index) :
			  k == 2 ? yp_uint32(y, "cpuid flags", &c.e.flags) :
			  k == 3 ? fp_cpuid_regs(y, regs, seen_reg) :
				   yp_skip(y);
		if (!ok)
			return false;
	}
	for (int i = 0; i < 4; i++)
		if (!has[i])
			return yp_fail_at(y, c.at, "cpuid modifier without '%s'", keys[i]);
	snprintf(entry, sizeof(entry), "cpuid leaf 0x%" PRIx32 " subleaf 0x%" PRIx32,
		 c.e.function, c.e.index);
	uint32_t *out[4] = { &c.e.eax, &c.e.ebx, &c.e.ecx, &c.e.edx };
	for (int i = 0; i < 4; i++) {
		char what[128];
		if (!seen_reg[i])
			return yp_fail_at(y, c.at, "%s has no bitmap for %s", entry,
					  cpuid_regs[i]);
		snprintf(what, sizeof(what), "%s %s", entry, cpuid_regs[i]);
		if (!check_bitmap(y, &regs[i], what, 32, 32, 32))
			return false;
		*out[i] = (uint32_t)regs[i].lo;
	}
	KFP_VEC_PUSH(f->cpuid.v, f->cpuid.n, f->cpuid.cap, c);
	return true;
}

/* {addr, bitmap} for msr_modifiers and reg_modifiers, {index, bitmap} for
 * vcpu_features: the first key is `key`. */
static bool fp_addr_bitmap(struct fingerprint *f, const char *kind,
			   const char *key, unsigned id_bits, struct reg_at *r,
			   struct bitmap *b)
{
	struct yp *y = &f->y;
	bool has_addr = false, has_bitmap = false, done;

	r->at = yp_at(y);
	for (;;) {
		if (!yp_next_key(y, &done))
			return false;
		if (done)
			break;
		if (yp_is_key(y, key)) {
			if (!yp_next(y) || !yp_uint(y, kind, id_bits, &r->id))
				return false;
			has_addr = true;
		} else if (yp_is_key(y, "bitmap")) {
			if (!yp_next(y) || !load_bitmap(y, b))
				return false;
			has_bitmap = true;
		} else if (!yp_next(y) || !yp_skip(y)) {
			return false;
		}
	}
	if (!has_addr || !has_bitmap)
		return yp_fail_at(y, r->at, "%s modifier without '%s'", kind,
				  has_addr ? "bitmap" : key);
	return true;
}

static bool fp_msr(struct fingerprint *f)
{
	struct reg_at r;
	struct bitmap b;
	char entry[64];

	if (!fp_addr_bitmap(f, "msr", "addr", 32, &r, &b))
		return false;
	snprintf(entry, sizeof(entry), "msr 0x%" PRIx64, r.id);
	if (!check_bitmap(&f->y, &b, entry, 64, 64, 64))
		return false;
	r.value = b.lo;
	KFP_VEC_PUSH(f->msrs.v, f->msrs.n, f->msrs.cap, r);
	return true;
}

/* The ID registers (op0 3, op1 0, CRn 0) and CTR_EL0 (3, 3, 0, 0, 1), the
 * cache type register that the catalog describes with them. */
static bool is_id_reg(uint64_t id)
{
	unsigned enc = id & 0xffff;
	unsigned op0 = enc >> 14 & 3, op1 = enc >> 11 & 7, crn = enc >> 7 & 15;
	return (id & ONE_REG_SPACE_MASK) == ONE_REG_SYSREG_U64 && op0 == 3 && crn == 0 &&
	       (op1 == 0 || (op1 == 3 && (enc & 0x7ff) == 1)); /* CTR_EL0: CRm 0, op2 1 */
}

static bool is_fw_reg(uint64_t id)
{
	uint64_t space = id & ONE_REG_SPACE_MASK;
	return space == ONE_REG_FW_U64 || space == ONE_REG_FW_BMAP_U64;
}

/* arm64 register: every id goes to reg_list, ID, firmware and cache
 * registers also keep their value. */
static bool fp_reg(struct fingerprint *f)
{
	struct reg_at r;
	struct bitmap b;
	char entry[64];

	if (!fp_addr_bitmap(f, "register", "addr", 64, &r, &b))
		return false;
	snprintf(entry, sizeof(entry), "register 0x%" PRIx64, r.id);
	if (!check_bitmap(&f->y, &b, entry, 32, 64, 128))
		return false;
	if ((r.id & ONE_REG_ARCH_MASK) != ONE_REG_ARM64)
		return yp_fail_at(&f->y, r.at, "%s is not an arm64 ONE_REG id",
				  entry);
	unsigned size_bits = 8u << (r.id >> ONE_REG_SIZE_SHIFT & 0xf);
	if ((size_bits < 128 && b.hi) || (size_bits < 64 && b.lo >> size_bits))
		return yp_fail_at(&f->y, b.at, "%s: the value does not fit the register's %u bits",
				  entry, size_bits);
	r.value = b.lo;
	KFP_VEC_PUSH(f->regs.v, f->regs.n, f->regs.cap, r);
	if (is_id_reg(r.id))
		KFP_VEC_PUSH(f->id_regs.v, f->id_regs.n, f->id_regs.cap, r);
	else if (is_fw_reg(r.id))
		KFP_VEC_PUSH(f->fw_regs.v, f->fw_regs.n, f->fw_regs.cap, r);
	else if (kfp_arm64_is_cache_reg(r.id))
		KFP_VEC_PUSH(f->cache_regs.v, f->cache_regs.n, f->cache_regs.cap, r);
	return true;
}

/* {index, bitmap}: kvm_vcpu_init.features[index]; only word 0 exists. */
static bool fp_vcpu_feature(struct fingerprint *f)
{
	struct reg_at r;
	struct bitmap b;
	char entry[64];

	if (!fp_addr_bitmap(f, "vcpu_features", "index", 32, &r, &b))
		return false;
	snprintf(entry, sizeof(entry), "vcpu_features index %" PRIu64, r.id);
	if (!check_bitmap(&f->y, &b, entry, 32, 32, 32))
		return false;
	if (r.id != 0)
		return yp_fail_at(&f->y, r.at, "%s: KVM defines feature word 0 only",
				  entry);
	f->p->vcpu_features |= (uint32_t)b.lo;
	return true;
}

static bool fp_mark_arch(struct fingerprint *f, bool arm)
{
	if (arm && !f->has_arm) {
		f->has_arm = true;
		f->arm_at = yp_at(&f->y);
	} else if (!arm && !f->has_x86) {
		f->has_x86 = true;
		f->x86_at = yp_at(&f->y);
	}
	return true;
}

/* guest_cpu_config: Firecracker's template format. */
static bool fp_config(struct fingerprint *f)
{
	struct yp *y = &f->y;
	bool done, ok;

	if (!yp_expect(y, YAML_MAPPING_START_EVENT, "a mapping (guest_cpu_config)"))
		return false;
	for (;;) {
		if (!yp_next_key(y, &done))
			return false;
		if (done)
			return true;
		if (yp_is_key(y, "cpuid_modifiers")) {
			ok = fp_mark_arch(f, false) && yp_next(y) &&
			     fp_each(f, "a sequence of cpuid modifiers", fp_cpuid_leaf);
		} else if (yp_is_key(y, "msr_modifiers")) {
			ok = fp_mark_arch(f, false) && yp_next(y) &&
			     fp_each(f, "a sequence of msr modifiers", fp_msr);
		} else if (yp_is_key(y, "reg_modifiers")) {
			ok = fp_mark_arch(f, true) && yp_next(y) &&
			     fp_each(f, "a sequence of register modifiers", fp_reg);
		} else if (yp_is_key(y, "vcpu_features")) {
			ok = fp_mark_arch(f, true) && yp_next(y) &&
			     fp_each(f, "a sequence of vcpu feature words",
				     fp_vcpu_feature);
		} else {
			/* kvm_capabilities lists changes to Firecracker's own
			 * capability checks, not KVM_CHECK_EXTENSION values;
			 * other keys do not describe the host either. */
			ok = yp_next(y) && yp_skip(y);
		}
		if (!ok)
			return false;
	}
}

static bool fp_top(struct fingerprint *f)
{
	struct yp *y = &f->y;
	bool done, ok;

	if (!yp_expect(y, YAML_MAPPING_START_EVENT, "a mapping (a fingerprint)"))
		return false;
	for (;;) {
		if (!yp_next_key(y, &done))
			return false;
		if (done)
			return true;
		if (yp_is_key(y, "kernel_version")) {
			ok = yp_next(y) && yp_string(y, "kernel_version",
						     &f->p->kernel_release);
			f->kernel_at = yp_at(y);
			f->has_kernel = true;
		} else if (yp_is_key(y, "guest_cpu_config")) {
			ok = yp_next(y) && fp_config(f);
			f->has_config = true;
		} else {
			ok = yp_next(y) && yp_skip(y);
		}
		if (!ok)
			return false;
	}
}

/* The architecture, from the kernel name and the kinds of modifiers; the
 * two must agree. */
static bool fp_arch(struct fingerprint *f)
{
	struct kfp_host_profile *p = f->p;
	struct yp *y = &f->y;
	bool k_arm = ends_with(p->kernel_release, "aarch64");
	bool k_x86 = ends_with(p->kernel_release, "x86_64");

	if (f->has_arm && f->has_x86) {
		struct at later = at_before(f->arm_at, f->x86_at) ? f->x86_at : f->arm_at;
		return yp_fail_at(y, later, "both x86_64 (cpuid/msr) and arm64 (reg/vcpu_features) modifiers in one fingerprint");
	}
	if (k_arm && f->has_x86)
		return yp_fail_at(y, f->x86_at, "x86_64 modifiers in the fingerprint of an aarch64 kernel");
	if (k_x86 && f->has_arm)
		return yp_fail_at(y, f->arm_at, "arm64 modifiers in the fingerprint of an x86_64 kernel");
	if (!k_arm && !k_x86 && !f->has_arm && !f->has_x86)
		return yp_fail_at(y, f->kernel_at, "cannot tell the architecture: kernel_version ends in neither x86_64 nor aarch64 and there are no modifiers");
	p->arch = k_arm || f->has_arm ? KFP_ARCH_ARM64 : KFP_ARCH_X86_64;
	return true;
}

static bool fp_finish(struct fingerprint *f, struct at top)
{
	struct kfp_host_profile *p = f->p;
	struct yp *y = &f->y;
	char buf[64];

	if (!f->has_kernel)
		return yp_fail_at(y, top, "missing 'kernel_version': not a Firecracker fingerprint");
	if (!f->has_config)
		return yp_fail_at(y, top, "missing 'guest_cpu_config': not a Firecracker fingerprint");
	if (!kfp_kver_parse(p->kernel_release, &p->kernel))
		return yp_fail_at(y, f->kernel_at, "kernel_version '%s' does not start with MAJOR.MINOR",
				  excerpt(p->kernel_release,
					  strlen(p->kernel_release), buf));
	if (!fp_arch(f) || !finish_cpuid(y, &f->cpuid, p) ||
	    !finish_regs(y, &f->msrs, "msr", &p->msrs, &p->nmsrs) ||
	    !finish_reg_list(y, &f->regs, &p->reg_list, &p->nreg_list) ||
	    !finish_regs(y, &f->id_regs, "ID register", &p->id_regs, &p->nid_regs) ||
	    !finish_regs(y, &f->fw_regs, "firmware register", &p->fw_regs,
			 &p->nfw_regs) ||
	    !finish_regs(y, &f->cache_regs, "cache register", &p->cache_regs,
			 &p->ncache_regs))
		return false;
	/* The xfeatures KVM lets a guest enable: CPUID.(0xD,0) EDX:EAX for
	 * XCR0, CPUID.(0xD,1) EDX:ECX for IA32_XSS. */
	const struct kfp_cpuid_entry *d0 = kfp_profile_cpuid(p, 0xd, 0);
	const struct kfp_cpuid_entry *d1 = kfp_profile_cpuid(p, 0xd, 1);
	if (d0)
		p->xcr0 = (uint64_t)d0->edx << 32 | d0->eax;
	if (d1)
		p->xss = (uint64_t)d1->edx << 32 | d1->ecx;
	return true;
}

/* "dir/fingerprint_X.json" -> "fingerprint_X" */
static char *default_name(const char *path)
{
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	size_t n = strlen(base);
	if (ends_with(base, ".json") && n > 5)
		n -= 5;
	return kfp_xstrndup(base, n);
}

struct kfp_host_profile *kfp_profile_from_fingerprint(const char *path,
						      const char *name, char **err)
{
	struct fingerprint f;
	size_t len;
	char *data = read_file(path, &len, err);
	if (!data)
		return NULL;

	memset(&f, 0, sizeof(f));
	yp_init(&f.y, path, data, len, true);
	f.p = kfp_xcalloc(1, sizeof(*f.p));
	f.p->path = kfp_xstrdup(path);
	f.p->name = name ? kfp_xstrdup(name) : default_name(path);
	bool ok = yp_begin(&f.y, "a Firecracker fingerprint");
	struct at top = yp_at(&f.y);
	ok = ok && fp_top(&f) && yp_end(&f.y) && fp_finish(&f, top);
	if (ok && (!*f.p->name || !utf8_valid(f.p->name))) {
		f.y.err = kfp_xasprintf("%s: the host name must be non-empty UTF-8 text",
					path);
		ok = false;
	}
	struct kfp_host_profile *p = f.p;
	if (!ok) {
		set_err(err, f.y.err ? f.y.err :
			kfp_xasprintf("%s: cannot import the fingerprint", path));
		f.y.err = NULL;
		kfp_profile_free(p);
		p = NULL;
	}
	fingerprint_fini(&f);
	free(data);
	return p;
}

/* ------------------------------------------------------------------ */
/* Kernel versions and lookups                                        */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool kfp_kver_parse(const char *s, struct kfp_kver *out)
{
	uint32_t part[3] = { 0, 0, 0 };
	unsigned parts = 0;

	while (parts < 3 && is_digit(*s)) {
		uint64_t v = 0;
		for (; is_digit(*s); s++) {
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > UINT32_MAX)
				return false;
		}
		part[parts++] = (uint32_t)v;
		if (*s != '.')
			break;
		s++;
	}
	if (parts < 2)
		return false;
	memset(out, 0, sizeof(*out));
	out->major = part[0];
	out->minor = part[1];
	out->patch = part[2];
	out->parts = parts;
	return true;
}

static const struct kfp_reg_value *find_reg(const struct kfp_reg_value *v,
					    size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].id == id)
			return &v[mid];
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct kfp_cpuid_entry *kfp_profile_hv_cpuid(const struct kfp_host_profile *p,
						   uint32_t function)
{
	for (size_t i = 0; i < p->nhv_cpuid; i++)
		if (p->hv_cpuid[i].function == function)
			return &p->hv_cpuid[i];
	return NULL;
}

const struct kfp_cpuid_entry *kfp_profile_cpuid(const struct kfp_host_profile *p,
						uint32_t function, uint32_t index)
{
	const struct kfp_cpuid_entry key = { .function = function, .index = index };
	size_t lo = 0, hi = p->ncpuid;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp_cpuid_key(&p->cpuid[mid], &key);
		if (c == 0)
			return &p->cpuid[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct kfp_reg_value *kfp_profile_msr(const struct kfp_host_profile *p,
					    uint32_t index)
{
	return find_reg(p->msrs, p->nmsrs, index);
}

const struct kfp_reg_value *kfp_profile_id_reg(const struct kfp_host_profile *p,
					       uint64_t id)
{
	return find_reg(p->id_regs, p->nid_regs, id);
}

const struct kfp_reg_value *kfp_profile_fw_reg(const struct kfp_host_profile *p,
					       uint64_t id)
{
	return find_reg(p->fw_regs, p->nfw_regs, id);
}

const struct kfp_reg_value *kfp_profile_cache_reg(const struct kfp_host_profile *p,
						  uint64_t id)
{
	return find_reg(p->cache_regs, p->ncache_regs, id);
}

const struct kfp_reg_value *kfp_profile_writable_mask(const struct kfp_host_profile *p,
						      uint64_t id)
{
	return find_reg(p->writable_masks, p->nwritable_masks, id);
}

bool kfp_profile_has_reg(const struct kfp_host_profile *p, uint64_t id)
{
	size_t lo = 0, hi = p->nreg_list;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->reg_list[mid] == id)
			return true;
		if (p->reg_list[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
