/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host profile loader: the YAML format of docs/host-profile.md, read
 * through the event reader (yaml_reader.h) straight into the profile and
 * validated.  It stops at the first problem and queues it in the kfp_ctx,
 * located in the file like a policy error.
 */
#include "profile_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/kver.h"
#include "base/util.h"

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

struct loader {
	struct profile_reader r;
	bool seen[TK_COUNT];
	struct yp_pos key_at[TK_COUNT];
};

/* A mapping of integers to integers (kvm_caps, msrs, id_regs, ...). */
struct reg_map {
	struct regs_b *b;
	const char *kwhat, *vwhat;
	unsigned id_bits, value_bits;
};

static bool load_reg_pair(struct yp *y, void *arg)
{
	const struct reg_map *m = arg;
	struct reg_at r = { .at = yp_at(y) };
	if (!yp_uint(y, m->kwhat, m->id_bits, &r.id) || !yp_next(y) ||
	    !yp_uint(y, m->vwhat, m->value_bits, &r.value))
		return false;
	KFP_VEC_PUSH(m->b->v, m->b->n, m->b->cap, r);
	return true;
}

static bool load_reg_map(struct yp *y, struct regs_b *b, const char *kwhat,
			 unsigned id_bits, const char *vwhat, unsigned value_bits)
{
	struct reg_map m = { b, kwhat, vwhat, id_bits, value_bits };
	return yp_each(y, YAML_MAPPING_START_EVENT, "a mapping", load_reg_pair, &m);
}

/* [function, index, flags, eax, ebx, ecx, edx] */
struct cpuid_fields {
	struct cpuid_at c;
	size_t n;
};

static bool load_cpuid_field(struct yp *y, void *arg)
{
	static const char *const what[7] = {
		"cpuid function", "cpuid index", "cpuid flags",
		"cpuid eax", "cpuid ebx", "cpuid ecx", "cpuid edx",
	};
	struct cpuid_fields *f = arg;
	uint32_t *field[7] = {
		&f->c.e.function, &f->c.e.index, &f->c.e.flags,
		&f->c.e.eax, &f->c.e.ebx, &f->c.e.ecx, &f->c.e.edx,
	};
	size_t i = f->n++;
	if (i == 7)
		return yp_fail(y, "cpuid entry has more than 7 values (function, index, flags, eax, ebx, ecx, edx)");
	return yp_uint32(y, what[i], field[i]);
}

static bool load_cpuid_entry(struct yp *y, void *arg)
{
	struct cpuid_b *b = arg;
	struct cpuid_fields f = { .c = { .at = yp_at(y) } };

	if (!yp_is(y, YAML_SEQUENCE_START_EVENT))
		return yp_fail(y, "expected a cpuid entry [function, index, flags, eax, ebx, ecx, edx], got %s",
			       yp_ev_what(&y->ev));
	if (!yp_each(y, YAML_SEQUENCE_START_EVENT, "a cpuid entry", load_cpuid_field, &f))
		return false;
	if (f.n != 7)
		return yp_fail_at(y, f.c.at, "cpuid entry has %zu values, expected 7 (function, index, flags, eax, ebx, ecx, edx)",
				  f.n);
	KFP_VEC_PUSH(b->v, b->n, b->cap, f.c);
	return true;
}

static bool load_cpuid(struct yp *y, struct cpuid_b *b)
{
	return yp_each(y, YAML_SEQUENCE_START_EVENT, "a sequence of cpuid entries",
		       load_cpuid_entry, b);
}

static bool load_reg_id(struct yp *y, void *arg)
{
	struct regs_b *b = arg;
	struct reg_at r = { .at = yp_at(y) };
	if (!yp_uint(y, "register id", 64, &r.id))
		return false;
	KFP_VEC_PUSH(b->v, b->n, b->cap, r);
	return true;
}

/* Looks a key up in a table; on failure reports it with a suggestion. */
static int lookup_key(struct yp *y, const char *const *keys, size_t n,
		      const char *where)
{
	char buf[64];
	for (size_t i = 0; i < n; i++)
		if (keys[i] && yp_is_key(y, keys[i]))
			return (int)i;
	const char *word = yp_excerpt(yp_text(y), yp_len(y), buf);
	const char *s = kfp_suggest(word, keys, n);
	if (s)
		yp_fail(y, "unknown key '%s' in %s; did you mean '%s'?", word,
			where, s);
	else
		yp_fail(y, "unknown key '%s' in %s", word, where);
	return -1;
}

/* At a key of a mapping with these keys, each allowed once: its index
 * (its position recorded in first[]), or -1 after an error.  prefix names
 * the mapping in the error on a duplicate. */
static int take_key(struct yp *y, const char *const *keys, size_t n, const char *where,
		    const char *prefix, bool *seen, struct yp_pos *first)
{
	int k = lookup_key(y, keys, n, where);
	if (k < 0)
		return -1;
	if (seen[k]) {
		yp_fail(y, "duplicate key '%s%s' (first at %zu:%zu)", prefix, keys[k],
			first[k].line + 1, first[k].col + 1);
		return -1;
	}
	seen[k] = true;
	first[k] = yp_at(y);
	return k;
}

static const char *const xsave_keys[] = { "size", "xcr0", "xss" };

struct xsave {
	struct kfp_host_profile *p;
	bool seen[3];
	struct yp_pos first[3];
};

static bool load_xsave_key(struct yp *y, void *arg)
{
	struct xsave *x = arg;
	int k = take_key(y, xsave_keys, 3, "xsave", "xsave.", x->seen, x->first);
	if (k < 0 || !yp_next(y))
		return false;
	return k == 0 ? yp_uint32(y, "xsave size", &x->p->xsave_size) :
	       k == 1 ? yp_uint(y, "xcr0", 64, &x->p->xcr0) :
			yp_uint(y, "xss", 64, &x->p->xss);
}

static bool load_xsave(struct yp *y, struct kfp_host_profile *p)
{
	struct xsave x = { .p = p };
	return yp_each_key(y, "a mapping {size: N, xcr0: X, xss: X}", load_xsave_key, &x);
}

static bool load_vcpu_feature(struct yp *y, void *arg)
{
	uint32_t *features = arg;
	char buf[64];
	if (!yp_is(y, YAML_SCALAR_EVENT))
		return yp_fail(y, "expected a vCPU feature name, got %s",
			       yp_ev_what(&y->ev));
	unsigned bit = KFP_NVCPU_FEATURE_NAMES;
	uint64_t v;
	for (unsigned i = 0; i < KFP_NVCPU_FEATURE_NAMES; i++)
		if (yp_is_key(y, kfp_vcpu_feature_names[i]))
			bit = i;
	const char *word = yp_excerpt(yp_text(y), yp_len(y), buf);
	if (bit == KFP_NVCPU_FEATURE_NAMES) {
		/* Bits without a name yet are written as numbers. */
		if (yp_parse_uint(yp_text(y), yp_len(y), &v) == 0 &&
		    y->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			if (v >= 32)
				return yp_fail(y, "vCPU feature bit %" PRIu64 " is out of range (0..31)",
					       v);
			bit = (unsigned)v;
		} else {
			const char *s = kfp_suggest(word, kfp_vcpu_feature_names,
						    KFP_NVCPU_FEATURE_NAMES);
			if (s)
				return yp_fail(y, "unknown vCPU feature '%s'; did you mean '%s'?",
					       word, s);
			return yp_fail(y, "unknown vCPU feature '%s'", word);
		}
	}
	if (*features & 1u << bit)
		return yp_fail(y, "vCPU feature '%s' is listed twice", word);
	*features |= 1u << bit;
	return true;
}

static bool load_arch(struct yp *y, enum kfp_arch *arch)
{
	static const char *const names[] = { "x86_64", "arm64", "aarch64" };
	char buf[64];
	if (!yp_is(y, YAML_SCALAR_EVENT))
		return yp_fail(y, "expected x86_64 or arm64, got %s",
			       yp_ev_what(&y->ev));
	for (size_t i = 0; i < 3; i++)
		if (yp_is_key(y, names[i])) {
			*arch = i == 0 ? KFP_ARCH_X86_64 : KFP_ARCH_ARM64;
			return true;
		}
	const char *word = yp_excerpt(yp_text(y), yp_len(y), buf);
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
			       yp_excerpt(yp_text(y), yp_len(y), buf));
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
	struct yp *y = &l->r.y;
	struct kfp_host_profile *p = l->r.p;
	struct profile_bufs *b = &l->r.b;

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
		return load_reg_map(y, &b->caps, "capability number", 32,
				    "capability value", 32);
	case TK_CPUID:
		return load_cpuid(y, &b->cpuid);
	case TK_MSRS:
		return load_reg_map(y, &b->msrs, "MSR index", 32, "MSR value", 64);
	case TK_XSAVE:
		return load_xsave(y, p);
	case TK_HV_CPUID:
		p->has_hv_cpuid = true;
		return load_cpuid(y, &b->hv_cpuid);
	case TK_EVMCS: {
		uint64_t v = 0;
		if (!yp_uint(y, "evmcs_version", 16, &v))
			return false;
		p->evmcs_version = (uint16_t)v;
		return true;
	}
	case TK_REG_LIST:
		return yp_each(y, YAML_SEQUENCE_START_EVENT, "a sequence of register ids",
			       load_reg_id, &b->reg_list);
	case TK_ID_REGS:
		return load_reg_map(y, &b->id_regs, "ID register id", 64,
				    "ID register value", 64);
	case TK_WMASKS:
		p->has_writable_masks = true;
		return load_reg_map(y, &b->wmasks, "writable mask register id", 64,
				    "writable mask", 64);
	case TK_FW_REGS:
		return load_reg_map(y, &b->fw_regs, "firmware register id", 64,
				    "firmware register value", 64);
	case TK_CACHE_REGS:
		return load_reg_map(y, &b->cache_regs, "cache register id", 64,
				    "cache register value", 64);
	case TK_VCPU:
		return yp_each(y, YAML_SEQUENCE_START_EVENT, "a sequence of vCPU feature names",
			       load_vcpu_feature, &p->vcpu_features);
	default:
		return false;
	}
}

/* An arch-specific key under the other arch. */
static bool check_key_arch(struct loader *l, enum top_key k)
{
	enum kfp_arch want;
	if (!l->seen[TK_ARCH] || !key_arch(k, &want) || want == l->r.p->arch)
		return true;
	return yp_fail_at(&l->r.y, l->key_at[k],
			  "'%s' belongs in %s profiles, but this one is %s",
			  top_keys[k], kfp_profile_arch_name(want), kfp_profile_arch_name(l->r.p->arch));
}

static bool load_top_key(struct yp *y, void *arg)
{
	struct loader *l = arg;
	int k = take_key(y, top_keys, TK_COUNT, "a host profile", "", l->seen, l->key_at);
	return k >= 0 && check_key_arch(l, (enum top_key)k) && yp_next(y) &&
	       load_value(l, (enum top_key)k);
}

static bool load_top(struct profile_reader *r)
{
	return yp_each_key(&r->y, "a mapping (a host profile)", load_top_key, r);
}

/* Every key kfp probe writes for the profile's arch.  The last of them is
 * a one-line flow value, so a file cut short anywhere lacks one of them,
 * or ends inside a value (a YAML error). */
static bool check_complete(struct loader *l, struct yp_pos top)
{
	static const enum top_key x86[] = { TK_CPUID, TK_MSRS, TK_XSAVE };
	static const enum top_key arm64[] = { TK_REG_LIST, TK_ID_REGS, TK_FW_REGS, TK_VCPU };
	bool is_x86 = l->r.p->arch == KFP_ARCH_X86_64;
	const enum top_key *keys = is_x86 ? x86 : arm64;
	size_t n = is_x86 ? sizeof(x86) / sizeof(x86[0]) : sizeof(arm64) / sizeof(arm64[0]);
	for (size_t i = 0; i < n; i++)
		if (!l->seen[keys[i]])
			return yp_fail_at(&l->r.y, top,
					  "missing required key '%s' of an %s profile (kfp probe always writes it: is the file truncated?)",
					  top_keys[keys[i]], kfp_profile_arch_name(l->r.p->arch));
	return true;
}

static bool load_finish(struct profile_reader *r, struct yp_pos top)
{
	static const enum top_key required[] = { TK_FORMAT, TK_NAME, TK_ARCH, TK_KERNEL };
	struct loader *l = (struct loader *)r;

	for (size_t i = 0; i < 4; i++)
		if (!l->seen[required[i]])
			return yp_fail_at(&r->y, top, "missing required key '%s'",
					  top_keys[required[i]]);

	for (int k = 0; k < TK_COUNT; k++)
		if (l->seen[k] && !check_key_arch(l, (enum top_key)k))
			return false;
	return kfp_bufs_finish(&r->y, &r->b, "MSR", r->p) && check_complete(l, top);
}

struct kfp_host_profile *kfp_profile_read(struct profile_reader *r,
					  const struct profile_format *fmt,
					  struct kfp_ctx *ctx, const char *file,
					  const char *data, size_t len)
{
	yp_init(&r->y, ctx, file, data, len, fmt->lenient);
	r->p = kfp_xcalloc(1, sizeof(*r->p));
	r->p->path = kfp_xstrdup(file);
	bool ok = yp_begin(&r->y, fmt->what);
	struct yp_pos top = yp_at(&r->y);
	ok = ok && fmt->top(r) && yp_end(&r->y) && fmt->finish(r, top);
	struct kfp_host_profile *p = r->p;
	if (!ok) {
		if (!r->y.failed)
			kfp_error(ctx, NULL, "%s: %s", file, fmt->fail);
		kfp_profile_free(p);
		p = NULL;
	}
	kfp_bufs_fini(&r->b);
	yp_fini(&r->y);
	return p;
}

struct kfp_host_profile *kfp_profile_parse(struct kfp_ctx *ctx, const char *name,
					   const char *data, size_t len)
{
	static const struct profile_format format = {
		.what = "a host profile",
		.fail = "cannot parse the host profile",
		.top = load_top,
		.finish = load_finish,
	};
	struct loader l;

	if (!name)
		name = "<host profile>";
	memset(&l, 0, sizeof(l));
	return kfp_profile_read(&l.r, &format, ctx, name, data, len);
}

/* Reads a whole file; NULL and an error queued on failure. */
char *kfp_profile_read_file(struct kfp_ctx *ctx, const char *path, size_t *len)
{
	char *buf = kfp_read_file(path, KFP_PROFILE_MAX_FILE_SIZE, len);
	if (buf)
		return buf;
	if (errno == EFBIG)
		kfp_error(ctx, NULL, "%s: larger than %u MiB, not a host profile", path,
			  KFP_PROFILE_MAX_FILE_SIZE >> 20);
	else if (errno == EISDIR || errno == EIO)
		kfp_error(ctx, NULL, "%s: cannot read: %s", path, strerror(errno));
	else
		kfp_error(ctx, NULL, "%s: cannot open: %s", path, strerror(errno));
	return NULL;
}

struct kfp_host_profile *kfp_profile_load(struct kfp_ctx *ctx, const char *path)
{
	size_t len;
	char *data = kfp_profile_read_file(ctx, path, &len);
	if (!data)
		return NULL;
	struct kfp_host_profile *p = kfp_profile_parse(ctx, path, data, len);
	free(data);
	return p;
}

void kfp_profile_free(struct kfp_host_profile *p)
{
	if (!p)
		return;
	void *owned[] = {
		p->path, p->name, p->kernel_release, p->caps, p->cpuid, p->hv_cpuid,
		p->msrs, p->reg_list, p->id_regs, p->writable_masks, p->fw_regs,
		p->cache_regs,
	};
	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		free(owned[i]);
	free(p);
}
