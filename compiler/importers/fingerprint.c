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
	struct profile_reader r;
	const char *name;
	struct yp_pos kernel_at;
	struct yp_pos x86_at, arm_at; /* the first x86 or arm64 modifier key */
	bool has_x86, has_arm, has_kernel, has_config;
};

/* At a key of a modifier: "bitmap" is loaded into *b, other keys
 * skipped. */
static bool fp_bitmap_or_skip(struct yp *y, struct bitmap *b, bool *has_bitmap)
{
	if (!yp_is_key(y, "bitmap"))
		return yp_next(y) && yp_skip(y);
	*has_bitmap = true;
	return yp_next(y) && load_bitmap(y, b);
}

/* cpuid modifier: {register: eax|ebx|ecx|edx, bitmap: "0b..."} */
struct cpuid_reg {
	struct bitmap b;
	int reg;
	bool has_bitmap;
};

/* The register modifiers of a cpuid leaf. */
struct cpuid_regs {
	struct bitmap v[4];
	bool seen[4];
};

static bool fp_cpuid_reg_key(struct yp *y, void *arg)
{
	struct cpuid_reg *c = arg;
	char buf[64];

	if (!yp_is_key(y, "register"))
		return fp_bitmap_or_skip(y, &c->b, &c->has_bitmap);
	if (!yp_next(y) || !yp_expect(y, YAML_SCALAR_EVENT, "a register name"))
		return false;
	for (int i = 0; i < 4; i++)
		if (yp_is_key(y, cpuid_regs[i]))
			c->reg = i;
	if (c->reg < 0)
		return yp_fail(y, "unknown cpuid register '%s' (expected eax, ebx, ecx or edx)",
			       yp_excerpt(yp_text(y), yp_len(y), buf));
	return true;
}

static bool fp_cpuid_reg(struct yp *y, void *arg)
{
	struct cpuid_regs *regs = arg;
	struct yp_pos start = yp_at(y);
	struct cpuid_reg c = { .b = { .no_prefix = true }, .reg = -1 };

	if (!yp_each_key(y, "a register modifier", fp_cpuid_reg_key, &c))
		return false;
	if (c.reg < 0 || !c.has_bitmap)
		return yp_fail_at(y, start, "cpuid modifier without %s",
				  c.reg < 0 ? "'register'" : "'bitmap'");
	if (regs->seen[c.reg])
		return yp_fail_at(y, start, "cpuid register %s is given twice",
				  cpuid_regs[c.reg]);
	regs->seen[c.reg] = true;
	regs->v[c.reg] = c.b;
	return true;
}

/* {leaf, subleaf, flags, modifiers[]} */
static const char *const leaf_keys[4] = { "leaf", "subleaf", "flags", "modifiers" };

struct cpuid_leaf {
	struct cpuid_at c;
	struct cpuid_regs regs;
	bool has[4];
};

static bool fp_cpuid_leaf_key(struct yp *y, void *arg)
{
	struct cpuid_leaf *l = arg;
	int k = -1;

	for (int i = 0; i < 4; i++)
		if (yp_is_key(y, leaf_keys[i]))
			k = i;
	if (!yp_next(y))
		return false;
	if (k >= 0)
		l->has[k] = true;
	return k == 0 ? yp_uint32(y, "cpuid leaf", &l->c.e.function) :
	       k == 1 ? yp_uint32(y, "cpuid subleaf", &l->c.e.index) :
	       k == 2 ? yp_uint32(y, "cpuid flags", &l->c.e.flags) :
	       k == 3 ? yp_each(y, YAML_SEQUENCE_START_EVENT,
				"a sequence of register modifiers", fp_cpuid_reg, &l->regs) :
			yp_skip(y);
}

static bool fp_cpuid_leaf(struct fingerprint *f, struct yp *y)
{
	struct cpuid_leaf l = { .c = { .at = yp_at(y) } };
	char entry[96];

	if (!yp_each_key(y, "a mapping", fp_cpuid_leaf_key, &l))
		return false;
	for (int i = 0; i < 4; i++)
		if (!l.has[i])
			return yp_fail_at(y, l.c.at, "cpuid modifier without '%s'", leaf_keys[i]);
	snprintf(entry, sizeof(entry), "cpuid leaf 0x%" PRIx32 " subleaf 0x%" PRIx32,
		 l.c.e.function, l.c.e.index);
	uint32_t *out[4] = { &l.c.e.eax, &l.c.e.ebx, &l.c.e.ecx, &l.c.e.edx };
	for (int i = 0; i < 4; i++) {
		char what[128];
		if (!l.regs.seen[i])
			return yp_fail_at(y, l.c.at, "%s has no bitmap for %s", entry,
					  cpuid_regs[i]);
		snprintf(what, sizeof(what), "%s %s", entry, cpuid_regs[i]);
		if (!check_bitmap(y, &l.regs.v[i], what, 32, 32, 32))
			return false;
		*out[i] = (uint32_t)l.regs.v[i].lo;
	}
	KFP_VEC_PUSH(f->r.b.cpuid.v, f->r.b.cpuid.n, f->r.b.cpuid.cap, l.c);
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

/* msr: kept with its value. */
static bool fp_take_msr(struct fingerprint *f, struct reg_at *r, const struct bitmap *b,
			const char *entry)
{
	(void)entry;
	r->value = b->lo;
	KFP_VEC_PUSH(f->r.b.msrs.v, f->r.b.msrs.n, f->r.b.msrs.cap, *r);
	return true;
}

/* arm64 register: every id goes to reg_list, ID, firmware and cache
 * registers also keep their value. */
static bool fp_take_reg(struct fingerprint *f, struct reg_at *r, const struct bitmap *b,
			const char *entry)
{
	struct profile_bufs *bufs = &f->r.b;

	if ((r->id & KVM_REG_ARCH_MASK) != KVM_REG_ARM64)
		return yp_fail_at(&f->r.y, r->at, "%s is not an arm64 ONE_REG id",
				  entry);
	unsigned size_bits = 8u << ((r->id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
	if ((size_bits < 128 && b->hi) || (size_bits < 64 && b->lo >> size_bits))
		return yp_fail_at(&f->r.y, b->at, "%s: the value does not fit the register's %u bits",
				  entry, size_bits);
	r->value = b->lo;
	KFP_VEC_PUSH(bufs->reg_list.v, bufs->reg_list.n, bufs->reg_list.cap, *r);
	if (is_id_reg(r->id))
		KFP_VEC_PUSH(bufs->id_regs.v, bufs->id_regs.n, bufs->id_regs.cap, *r);
	else if (is_fw_reg(r->id))
		KFP_VEC_PUSH(bufs->fw_regs.v, bufs->fw_regs.n, bufs->fw_regs.cap, *r);
	else if (kfp_arm64_is_cache_reg(r->id))
		KFP_VEC_PUSH(bufs->cache_regs.v, bufs->cache_regs.n, bufs->cache_regs.cap,
			     *r);
	return true;
}

/* kvm_vcpu_init.features[index]; only word 0 exists. */
static bool fp_take_vcpu_feature(struct fingerprint *f, struct reg_at *r,
				 const struct bitmap *b, const char *entry)
{
	if (r->id != 0)
		return yp_fail_at(&f->r.y, r->at, "%s: KVM defines feature word 0 only",
				  entry);
	f->r.p->vcpu_features |= (uint32_t)b->lo;
	return true;
}

/* {addr, bitmap} for msr_modifiers and reg_modifiers, {index, bitmap} for
 * vcpu_features. */
struct modifier_kind {
	const char *kind, *key;
	unsigned id_bits;      /* of the value of key */
	unsigned w1, w2, w3;   /* the widths a bitmap may have */
	bool decimal;          /* named "<kind> <key> N", else "<kind> 0xN" */
	bool (*take)(struct fingerprint *f, struct reg_at *r, const struct bitmap *b,
		     const char *entry);
};

static const struct modifier_kind msr_kind = {
	"msr", "addr", 32, 64, 64, 64, false, fp_take_msr,
};
static const struct modifier_kind reg_kind = {
	"register", "addr", 64, 32, 64, 128, false, fp_take_reg,
};
static const struct modifier_kind vcpu_kind = {
	"vcpu_features", "index", 32, 32, 32, 32, true, fp_take_vcpu_feature,
};

struct modifier {
	const struct modifier_kind *k;
	struct reg_at r;
	struct bitmap b;
	bool has_id, has_bitmap;
};

static bool fp_modifier_key(struct yp *y, void *arg)
{
	struct modifier *m = arg;

	if (!yp_is_key(y, m->k->key))
		return fp_bitmap_or_skip(y, &m->b, &m->has_bitmap);
	m->has_id = true;
	return yp_next(y) && yp_uint(y, m->k->kind, m->k->id_bits, &m->r.id);
}

static bool fp_modifier(struct fingerprint *f, struct yp *y, const struct modifier_kind *k)
{
	struct modifier m = { .k = k, .r = { .at = yp_at(y) } };
	char entry[64];

	if (!yp_each_key(y, "a mapping", fp_modifier_key, &m))
		return false;
	if (!m.has_id || !m.has_bitmap)
		return yp_fail_at(y, m.r.at, "%s modifier without '%s'", k->kind,
				  m.has_id ? "bitmap" : k->key);
	if (k->decimal)
		snprintf(entry, sizeof(entry), "%s %s %" PRIu64, k->kind, k->key, m.r.id);
	else
		snprintf(entry, sizeof(entry), "%s 0x%" PRIx64, k->kind, m.r.id);
	return check_bitmap(y, &m.b, entry, k->w1, k->w2, k->w3) &&
	       k->take(f, &m.r, &m.b, entry);
}

/* A list of guest_cpu_config: cpuid modifiers (kind NULL) or others. */
struct fp_list {
	struct fingerprint *f;
	const struct modifier_kind *kind;
};

static bool fp_list_item(struct yp *y, void *arg)
{
	const struct fp_list *l = arg;
	return l->kind ? fp_modifier(l->f, y, l->kind) : fp_cpuid_leaf(l->f, y);
}

/* guest_cpu_config: Firecracker's template format. */
static bool fp_config_key(struct yp *y, void *arg)
{
	static const struct {
		const char *key, *what;
		bool arm;
		const struct modifier_kind *kind;
	} lists[] = {
		{ "cpuid_modifiers", "a sequence of cpuid modifiers", false, NULL },
		{ "msr_modifiers", "a sequence of msr modifiers", false, &msr_kind },
		{ "reg_modifiers", "a sequence of register modifiers", true, &reg_kind },
		{ "vcpu_features", "a sequence of vcpu feature words", true, &vcpu_kind },
	};
	struct fingerprint *f = arg;

	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		if (!yp_is_key(y, lists[i].key))
			continue;
		if (lists[i].arm && !f->has_arm) {
			f->has_arm = true;
			f->arm_at = yp_at(y);
		} else if (!lists[i].arm && !f->has_x86) {
			f->has_x86 = true;
			f->x86_at = yp_at(y);
		}
		struct fp_list l = { f, lists[i].kind };
		return yp_next(y) && yp_each(y, YAML_SEQUENCE_START_EVENT, lists[i].what,
					     fp_list_item, &l);
	}
	/* kvm_capabilities lists changes to Firecracker's own capability
	 * checks, not KVM_CHECK_EXTENSION values; other keys do not describe
	 * the host either. */
	return yp_next(y) && yp_skip(y);
}

static bool fp_top_key(struct yp *y, void *arg)
{
	struct fingerprint *f = arg;

	if (yp_is_key(y, "kernel_version")) {
		bool ok = yp_next(y) && yp_string(y, "kernel_version",
						  &f->r.p->kernel_release);
		f->kernel_at = yp_at(y);
		f->has_kernel = true;
		return ok;
	}
	if (yp_is_key(y, "guest_cpu_config")) {
		f->has_config = true;
		return yp_next(y) &&
		       yp_each_key(y, "a mapping (guest_cpu_config)", fp_config_key, f);
	}
	return yp_next(y) && yp_skip(y);
}

static bool fp_top(struct profile_reader *r)
{
	return yp_each_key(&r->y, "a mapping (a fingerprint)", fp_top_key, r);
}

/* The architecture, from the kernel name and the kinds of modifiers; the
 * two must agree. */
static bool fp_arch(struct fingerprint *f)
{
	struct kfp_host_profile *p = f->r.p;
	struct yp *y = &f->r.y;
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

static bool fp_finish(struct profile_reader *r, struct yp_pos top)
{
	struct fingerprint *f = (struct fingerprint *)r;
	struct kfp_host_profile *p = r->p;
	struct yp *y = &r->y;
	char buf[64];

	p->name = f->name ? kfp_xstrdup(f->name) : default_name(y->file);
	if (!f->has_kernel)
		return yp_fail_at(y, top, "missing 'kernel_version': not a Firecracker fingerprint");
	if (!f->has_config)
		return yp_fail_at(y, top, "missing 'guest_cpu_config': not a Firecracker fingerprint");
	if (!kfp_kver_parse(p->kernel_release, &p->kernel))
		return yp_fail_at(y, f->kernel_at, "kernel_version '%s' does not start with MAJOR.MINOR",
				  yp_excerpt(p->kernel_release,
					  strlen(p->kernel_release), buf));
	if (!fp_arch(f) || !kfp_bufs_finish(y, &r->b, "msr", p))
		return false;
	kfp_profile_set_xfeatures(p);
	if (!*p->name || !kfp_utf8_valid(p->name)) {
		kfp_error(y->ctx, NULL, "%s: the host name must be non-empty UTF-8 text", y->file);
		y->failed = true; /* the error is queued */
		return false;
	}
	return true;
}

struct kfp_host_profile *kfp_profile_from_fingerprint(struct kfp_ctx *ctx, const char *path,
						      const char *name)
{
	static const struct profile_format format = {
		.what = "a Firecracker fingerprint",
		.fail = "cannot import the fingerprint",
		.lenient = true,
		.top = fp_top,
		.finish = fp_finish,
	};
	struct fingerprint f;
	size_t len;
	char *data = kfp_profile_read_file(ctx, path, &len);
	if (!data)
		return NULL;

	memset(&f, 0, sizeof(f));
	f.name = name;
	struct kfp_host_profile *p = kfp_profile_read(&f.r, &format, ctx, path, data, len);
	free(data);
	return p;
}
