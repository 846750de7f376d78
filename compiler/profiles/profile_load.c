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
	struct yp y;
	struct kfp_host_profile *p;
	bool seen[TK_COUNT];
	struct yp_pos key_at[TK_COUNT];
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
			       yp_ev_what(&y->ev));
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
	const char *word = yp_excerpt(yp_text(y), yp_len(y), buf);
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
	struct yp_pos first[3];
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
	}
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
			  top_keys[k], kfp_profile_arch_name(want), kfp_profile_arch_name(l->p->arch));
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
					  "cache register 0x%" PRIx64 " is neither CLIDR_EL1 (0x%" PRIx64 ") nor a CCSIDR_EL1 demux register (0x%" PRIx64 " + CSSELR)",
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
static bool check_complete(struct loader *l, struct yp_pos top)
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
					  top_keys[keys[i]], kfp_profile_arch_name(l->p->arch));
	return true;
}

static bool load_finish(struct loader *l, struct yp_pos top)
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
	return kfp_regs_finish(y, &l->caps, "capability", &p->caps, &p->ncaps) &&
	       kfp_cpuid_finish(y, &l->cpuid, &p->cpuid, &p->ncpuid) &&
	       kfp_cpuid_finish(y, &l->hv_cpuid, &p->hv_cpuid, &p->nhv_cpuid) &&
	       kfp_regs_finish(y, &l->msrs, "MSR", &p->msrs, &p->nmsrs) &&
	       kfp_reg_list_finish(y, &l->reg_list, &p->reg_list, &p->nreg_list) &&
	       kfp_regs_finish(y, &l->id_regs, "ID register", &p->id_regs, &p->nid_regs) &&
	       kfp_regs_finish(y, &l->wmasks, "writable mask register",
			   &p->writable_masks, &p->nwritable_masks) &&
	       kfp_regs_finish(y, &l->fw_regs, "firmware register", &p->fw_regs,
			   &p->nfw_regs) &&
	       check_cache_regs(y, &l->cache_regs) &&
	       kfp_regs_finish(y, &l->cache_regs, "cache register", &p->cache_regs,
			   &p->ncache_regs) &&
	       check_complete(l, top);
}

struct kfp_host_profile *kfp_profile_parse(struct kfp_ctx *ctx, const char *name,
					   const char *data, size_t len)
{
	struct loader l;
	struct yp_pos top;

	if (!name)
		name = "<host profile>";
	memset(&l, 0, sizeof(l));
	yp_init(&l.y, ctx, name, data, len, false);
	l.p = kfp_xcalloc(1, sizeof(*l.p));
	l.p->path = kfp_xstrdup(name);
	bool ok = yp_begin(&l.y, "a host profile");
	top = yp_at(&l.y);
	ok = ok && load_top(&l) && yp_end(&l.y) && load_finish(&l, top);
	struct kfp_host_profile *p = l.p;
	if (!ok) {
		if (!l.y.failed)
			kfp_error(ctx, NULL, "%s: cannot parse the host profile", name);
		kfp_profile_free(p);
		p = NULL;
	}
	loader_fini(&l);
	return p;
}

/* Reads a whole file; NULL and an error queued on failure. */
char *kfp_profile_read_file(struct kfp_ctx *ctx, const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		kfp_error(ctx, NULL, "%s: cannot open: %s", path, strerror(errno));
		return NULL;
	}
	size_t cap = 16384, n = 0, k;
	char *buf = kfp_xmalloc(cap + 1);
	while ((k = fread(buf + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n > KFP_PROFILE_MAX_FILE_SIZE) {
			kfp_error(ctx, NULL, "%s: larger than %u MiB, not a host profile", path,
				  KFP_PROFILE_MAX_FILE_SIZE >> 20);
			goto fail;
		}
		if (n == cap) {
			cap *= 2;
			buf = kfp_xrealloc(buf, cap + 1);
		}
	}
	if (ferror(f)) {
		kfp_error(ctx, NULL, "%s: cannot read: %s", path, strerror(errno));
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
