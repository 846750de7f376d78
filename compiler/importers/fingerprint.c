/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The import of Firecracker cpu-template-helper fingerprints (JSON, read
 * through libyaml's event reader: JSON is YAML) into host profiles.  It
 * stops at the first problem and queues it in the kfp_ctx, located in the
 * file like a policy error.
 */
#include "fingerprint.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kfp/arm64_regs.h>

#include "base/ctx.h"
#include "base/kver.h"
#include "base/util.h"
#include "compiler/profiles/profile_internal.h"

/* The arch, size and group of a ONE_REG id (<kfp/arm64_regs.h>): the
 * spaces arm64 registers are sorted by. */
#define ONE_REG_SPACE_MASK	0xffffffffffff0000ull

static const char *const cpuid_regs[] = { "eax", "ebx", "ecx", "edx" };

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

/* A "0b..." bitmap of up to 128 bits, most significant digit first. */
struct bitmap {
	uint64_t lo, hi;
	unsigned digits;
	char bad;          /* 0, or the first character that is not 0 or 1 */
	bool no_prefix;
	struct yp_pos at;
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
			       yp_ev_what(&y->ev));
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
	struct yp_pos kernel_at;
	struct yp_pos x86_at, arm_at; /* the first x86 or arm64 modifier key */
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
	struct yp_pos start = yp_at(y);
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
					       yp_excerpt(yp_text(y), yp_len(y), buf));
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
	struct kfp_sysreg_enc e = kfp_arm64_sysreg_enc(id);
	return kfp_arm64_is_sysreg(id) && e.op0 == 3 && e.crn == 0 &&
	       (e.op1 == 0 || (e.op1 == 3 && e.crm == 0 && e.op2 == 1)); /* CTR_EL0 */
}

static bool is_fw_reg(uint64_t id)
{
	uint64_t space = id & ONE_REG_SPACE_MASK;
	return space == KFP_ARM64_FW_REG_BASE || space == KFP_ARM64_FW_BMAP_BASE;
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
	if ((r.id & KVM_REG_ARCH_MASK) != KVM_REG_ARM64)
		return yp_fail_at(&f->y, r.at, "%s is not an arm64 ONE_REG id",
				  entry);
	unsigned size_bits = 8u << ((r.id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
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
		struct yp_pos later = yp_before(f->arm_at, f->x86_at) ? f->x86_at : f->arm_at;
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

static bool fp_finish(struct fingerprint *f, struct yp_pos top)
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
				  yp_excerpt(p->kernel_release,
					  strlen(p->kernel_release), buf));
	if (!fp_arch(f) || !kfp_cpuid_finish(y, &f->cpuid, &p->cpuid, &p->ncpuid) ||
	    !kfp_regs_finish(y, &f->msrs, "msr", &p->msrs, &p->nmsrs) ||
	    !kfp_reg_list_finish(y, &f->regs, &p->reg_list, &p->nreg_list) ||
	    !kfp_regs_finish(y, &f->id_regs, "ID register", &p->id_regs, &p->nid_regs) ||
	    !kfp_regs_finish(y, &f->fw_regs, "firmware register", &p->fw_regs,
			 &p->nfw_regs) ||
	    !kfp_regs_finish(y, &f->cache_regs, "cache register", &p->cache_regs,
			 &p->ncache_regs))
		return false;
	kfp_profile_set_xfeatures(p);
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

struct kfp_host_profile *kfp_profile_from_fingerprint(struct kfp_ctx *ctx, const char *path,
						      const char *name)
{
	struct fingerprint f;
	size_t len;
	char *data = kfp_profile_read_file(ctx, path, &len);
	if (!data)
		return NULL;

	memset(&f, 0, sizeof(f));
	yp_init(&f.y, ctx, path, data, len, true);
	f.p = kfp_xcalloc(1, sizeof(*f.p));
	f.p->path = kfp_xstrdup(path);
	f.p->name = name ? kfp_xstrdup(name) : default_name(path);
	bool ok = yp_begin(&f.y, "a Firecracker fingerprint");
	struct yp_pos top = yp_at(&f.y);
	ok = ok && fp_top(&f) && yp_end(&f.y) && fp_finish(&f, top);
	if (ok && (!*f.p->name || !kfp_utf8_valid(f.p->name))) {
		kfp_error(ctx, NULL, "%s: the host name must be non-empty UTF-8 text", path);
		ok = false;
	} else if (!ok && !f.y.failed) {
		kfp_error(ctx, NULL, "%s: cannot import the fingerprint", path);
	}
	struct kfp_host_profile *p = f.p;
	if (!ok) {
		kfp_profile_free(p);
		p = NULL;
	}
	fingerprint_fini(&f);
	free(data);
	return p;
}
