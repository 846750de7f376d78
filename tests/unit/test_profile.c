/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host profiles: write/load round trips, every validation error with its
 * position, hostile input, the documented examples, and the import of the
 * real Firecracker fingerprints in tests/data/firecracker.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/ctx.h"
#include "base/util.h"
#include "compiler/importers/fingerprint.h"
#include "compiler/profiles/profile.h"

#ifndef KFP_FLEET_DATA
#define KFP_FLEET_DATA "tests/data"
#endif

#define FLEET_DIR KFP_FLEET_DATA "/firecracker"

/* ------------------------------------------------------------------ */
/* Helpers                                                            */

/* The readers queue their one error in a kfp_ctx, located in the file
 * (registered as a source); the tests compare it as "FILE:LINE:COL: msg",
 * or "msg" where it has no place. */
static char *take_error(struct kfp_ctx *ctx, const struct kfp_host_profile *p)
{
	char *msg = NULL;
	assert_int_equal(ctx->errors, p ? 0 : 1);
	for (size_t i = 0; i < ctx->ndiags && !msg; i++) {
		const struct kfp_diag *d = &ctx->diags[i];
		if (d->sev != KFP_SEV_ERROR)
			continue;
		if (d->has_loc) {
			assert_non_null(d->loc.src->buf);
			msg = kfp_xasprintf("%s:%u:%u: %s", d->loc.src->path, d->loc.line,
					    d->loc.col, d->msg);
		} else {
			msg = kfp_xstrdup(d->msg);
		}
	}
	kfp_ctx_fini(ctx);
	return msg;
}

static struct kfp_host_profile *profile_parse(const char *name, const char *data, size_t len,
					      char **err)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_host_profile *p = kfp_profile_parse(&ctx, name, data, len);
	char *msg = take_error(&ctx, p);
	if (err)
		*err = msg;
	else
		free(msg);
	return p;
}

static struct kfp_host_profile *profile_load(const char *path, char **err)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_host_profile *p = kfp_profile_load(&ctx, path);
	*err = take_error(&ctx, p);
	return p;
}

static struct kfp_host_profile *fingerprint_load(const char *path, const char *name,
						 char **err)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_host_profile *p = kfp_profile_from_fingerprint(&ctx, path, name);
	*err = take_error(&ctx, p);
	return p;
}

static struct kfp_host_profile *parse_str(const char *text, char **err)
{
	return profile_parse("t.yaml", text, strlen(text), err);
}

static void assert_regs_equal(const char *what, const struct kfp_reg_value *a,
			      size_t na, const struct kfp_reg_value *b, size_t nb)
{
	if (na != nb)
		print_error("%s: %zu entries vs %zu\n", what, na, nb);
	assert_int_equal(na, nb);
	for (size_t i = 0; i < na; i++) {
		if (a[i].id != b[i].id || a[i].value != b[i].value)
			print_error("%s[%zu]: 0x%" PRIx64 "=0x%" PRIx64 " vs 0x%" PRIx64 "=0x%" PRIx64 "\n",
				    what, i, a[i].id, a[i].value, b[i].id, b[i].value);
		assert_int_equal(a[i].id, b[i].id);
		assert_int_equal(a[i].value, b[i].value);
	}
}

/* Every field but the path, which names where each copy came from. */
static void assert_profiles_equal(const struct kfp_host_profile *a,
				  const struct kfp_host_profile *b)
{
	assert_string_equal(a->name, b->name);
	assert_int_equal(a->arch, b->arch);
	assert_string_equal(a->kernel_release, b->kernel_release);
	assert_int_equal(a->kernel.major, b->kernel.major);
	assert_int_equal(a->kernel.minor, b->kernel.minor);
	assert_int_equal(a->kernel.patch, b->kernel.patch);
	assert_int_equal(a->kernel.parts, b->kernel.parts);
	assert_regs_equal("kvm_caps", a->caps, a->ncaps, b->caps, b->ncaps);

	assert_int_equal(a->ncpuid, b->ncpuid);
	for (size_t i = 0; i < a->ncpuid; i++) {
		const struct kfp_cpuid_entry *x = &a->cpuid[i], *y = &b->cpuid[i];
		assert_int_equal(x->function, y->function);
		assert_int_equal(x->index, y->index);
		assert_int_equal(x->flags, y->flags);
		assert_int_equal(x->eax, y->eax);
		assert_int_equal(x->ebx, y->ebx);
		assert_int_equal(x->ecx, y->ecx);
		assert_int_equal(x->edx, y->edx);
	}
	assert_regs_equal("msrs", a->msrs, a->nmsrs, b->msrs, b->nmsrs);
	assert_int_equal(a->xsave_size, b->xsave_size);
	assert_int_equal(a->xcr0, b->xcr0);
	assert_int_equal(a->xss, b->xss);

	assert_int_equal(a->nreg_list, b->nreg_list);
	for (size_t i = 0; i < a->nreg_list; i++)
		assert_int_equal(a->reg_list[i], b->reg_list[i]);
	assert_regs_equal("id_regs", a->id_regs, a->nid_regs, b->id_regs,
			  b->nid_regs);
	assert_int_equal(a->has_writable_masks, b->has_writable_masks);
	assert_regs_equal("writable_masks", a->writable_masks,
			  a->nwritable_masks, b->writable_masks,
			  b->nwritable_masks);
	assert_regs_equal("firmware_regs", a->fw_regs, a->nfw_regs, b->fw_regs,
			  b->nfw_regs);
	assert_regs_equal("cache_regs", a->cache_regs, a->ncache_regs, b->cache_regs,
			  b->ncache_regs);
	assert_int_equal(a->vcpu_features, b->vcpu_features);
}

static char *write_str(const struct kfp_host_profile *p)
{
	char *out = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&out, &len);
	assert_non_null(mem);
	int r = kfp_profile_write(p, mem);
	fclose(mem);
	if (r != 0)
		print_error("kfp_profile_write: %s\n", strerror(-r));
	assert_int_equal(r, 0);
	return out;
}

/* write -> parse gives the same profile, and writing that gives the same
 * text. */
static void assert_round_trip(const struct kfp_host_profile *p)
{
	char *err = NULL;
	char *text = write_str(p);
	struct kfp_host_profile *q = parse_str(text, &err);
	if (!q)
		print_error("written profile does not load: %s\n%s", err, text);
	assert_non_null(q);
	assert_profiles_equal(p, q);
	char *again = write_str(q);
	assert_string_equal(text, again);
	free(again);
	free(text);
	kfp_profile_free(q);
}

/* A profile built by hand, its arrays on the heap like a loaded one's. */
static struct kfp_host_profile *new_profile(enum kfp_arch arch,
					    const char *name,
					    const char *kernel)
{
	struct kfp_host_profile *p = calloc(1, sizeof(*p));
	p->path = strdup("built");
	p->name = strdup(name);
	p->arch = arch;
	p->kernel_release = strdup(kernel);
	assert_true(kfp_kver_parse(kernel, &p->kernel));
	return p;
}

static void *dup_array(const void *v, size_t size)
{
	void *p = malloc(size);
	memcpy(p, v, size);
	return p;
}

#define SET_ARRAY(p, field, nfield, ...)                                     \
	do {                                                                 \
		__typeof__(*(p)->field) tmp_[] = __VA_ARGS__;                \
		(p)->field = dup_array(tmp_, sizeof(tmp_));                  \
		(p)->nfield = sizeof(tmp_) / sizeof(tmp_[0]);                \
	} while (0)

static struct kfp_host_profile *x86_profile(void)
{
	struct kfp_host_profile *p =
		new_profile(KFP_ARCH_X86_64, "cascadelake-a",
			    "6.1.172-216.329.amzn2023.x86_64");
	SET_ARRAY(p, caps, ncaps, { { 153, 1 }, { 208, 4096 }, { 0xffffffff, 0x7fffffff } });
	SET_ARRAY(p, cpuid, ncpuid, {
		{ 0x0, 0, 0, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69 },
		{ 0x7, 0, 1, 0, 0xd19f4fbb, 0x80c, 0xbc000400 },
		{ 0x7, 1, 1, 0, 0, 0, 0 },
		{ 0xd, 0, 1, 0x2e7, 0x240, 0xa88, 0 },
		{ 0x80000008, 0, 0, 0x302e, 0x100d000, 0, 0 },
		{ 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff,
		  0xffffffff, 0xffffffff },
	});
	SET_ARRAY(p, msrs, nmsrs, {
		{ 0x10a, 0x000000000a0000eb },
		{ 0x345, 0 },
		{ 0x480, 0xda040000000012 },
		{ 0xffffffff, UINT64_MAX },
	});
	p->xsave_size = 4096;
	p->xcr0 = 0x2e7;
	p->xss = 0x1900;
	return p;
}

static struct kfp_host_profile *arm64_profile(void)
{
	struct kfp_host_profile *p =
		new_profile(KFP_ARCH_ARM64, "n1-a", "6.12.48+deb13-arm64");
	SET_ARRAY(p, caps, ncaps, { { 126, 1 }, { 230, 1 } });
	SET_ARRAY(p, reg_list, nreg_list, {
		0x6030000000100000, 0x603000000013c020, 0x603000000013c030,
		0x6030000000160000, 0x6040000000100054, UINT64_MAX,
	});
	SET_ARRAY(p, id_regs, nid_regs, {
		{ 0x603000000013c020, 0x1100000011111112 },
		{ 0x603000000013c030, 0x100010211120 },
	});
	p->has_writable_masks = true;
	SET_ARRAY(p, writable_masks, nwritable_masks, {
		{ 0x603000000013c020, 0x0f000000f0000000 },
		{ 0x603000000013c030, UINT64_MAX },
	});
	SET_ARRAY(p, fw_regs, nfw_regs, {
		{ 0x6030000000140000, 0x10001 },
		{ 0x6030000000160000, 1 },
		{ 0x6030000000160002, 3 },
	});
	/* 6.12's own cache description: CLIDR_EL1 and U32 CCSIDR_EL1. */
	SET_ARRAY(p, cache_regs, ncache_regs, {
		{ 0x6020000000110000, 0x2 },
		{ 0x602000000011000d, 0xffffffff },
		{ 0x603000000013c801, 0x9200003 },
	});
	/* psci_0_2, pmu_v3, sve, has_el2, and two bits without names yet */
	p->vcpu_features = 1u << 2 | 1u << 3 | 1u << 4 | 1u << 7 | 1u << 9 |
			   1u << 31;
	return p;
}

/* ------------------------------------------------------------------ */
/* Round trips                                                        */

static void test_round_trip_x86(void **state)
{
	(void)state;
	struct kfp_host_profile *p = x86_profile();
	assert_round_trip(p);
	kfp_profile_free(p);
}

static void test_round_trip_arm64(void **state)
{
	(void)state;
	struct kfp_host_profile *p = arm64_profile();
	assert_round_trip(p);

	/* "the masks ioctl worked and returned nothing" differs from "the
	 * kernel has no masks ioctl" */
	free(p->writable_masks);
	p->writable_masks = NULL;
	p->nwritable_masks = 0;
	assert_round_trip(p);
	p->has_writable_masks = false;
	assert_round_trip(p);
	kfp_profile_free(p);
}

static void test_round_trip_empty(void **state)
{
	(void)state;
	struct kfp_host_profile *p = new_profile(KFP_ARCH_X86_64, "e", "5.10");
	assert_round_trip(p);
	p->arch = KFP_ARCH_ARM64;
	assert_round_trip(p);
	kfp_profile_free(p);
}

/* Names are free text: quotes, backslashes, control characters, line
 * breaks that YAML would fold (NEL, LS, PS), a BOM, non-BMP characters. */
static void test_round_trip_strings(void **state)
{
	(void)state;
	static const char *const names[] = {
		"plain", "with \"quotes\" and \\backslash\\",
		"tab\tnew\nline\rcr", "\x01\x1f\x7f",
		"caf\xc3\xa9 \xe2\x80\xa8 \xc2\x85 \xe2\x80\xa9 \xef\xbb\xbf end",
		"\xf0\x9f\x98\x80 emoji", " leading and trailing ", "#not a comment",
		"- looks: [like, yaml]", "&anchor *alias !tag", "0x10", "null",
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct kfp_host_profile *p =
			new_profile(KFP_ARCH_X86_64, names[i], "6.1.0-18-amd64");
		assert_round_trip(p);
		kfp_profile_free(p);
	}
}

/* The writer refuses profiles that would not load back as themselves. */
static void test_write_rejects(void **state)
{
	(void)state;
	FILE *null = fopen("/dev/null", "w");
	struct kfp_host_profile *p = x86_profile();

	p->msrs[0].id = 0x999; /* no longer sorted */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	p->msrs[0].id = 0x10a;
	p->cpuid[1] = p->cpuid[0]; /* duplicate */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	kfp_profile_free(p);

	p = x86_profile();
	p->vcpu_features = 1; /* arm64 data in an x86 profile */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	p->vcpu_features = 0;
	p->arch = KFP_ARCH_ARM64;
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	p->arch = KFP_ARCH_X86_64;
	free(p->name);
	p->name = strdup("bad \xff utf-8");
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	free(p->name);
	p->name = strdup("");
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	free(p->kernel_release);
	p->kernel_release = strdup("not a version");
	free(p->name);
	p->name = strdup("ok");
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	kfp_profile_free(p);

	p = arm64_profile();
	p->has_writable_masks = false; /* masks without the ioctl */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	p->has_writable_masks = true;
	p->cache_regs[1].value = 0x100000000; /* CCSIDR_EL1 is 32 bits */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	p->cache_regs[1].value = 0;
	p->cache_regs[0].id = 0x603000000013c800; /* not a cache register */
	assert_int_equal(kfp_profile_write(p, null), -EINVAL);
	kfp_profile_free(p);

	p = x86_profile();
	SET_ARRAY(p, cache_regs, ncache_regs, { { 0x603000000013c801, 1 } });
	assert_int_equal(kfp_profile_write(p, null), -EINVAL); /* arm64 data */
	kfp_profile_free(p);
	fclose(null);
}

/* ------------------------------------------------------------------ */
/* Loading                                                            */

static const char header[] =
	"kfp_host_profile: 1\nname: a\narch: x86_64\nkernel: \"6.1\"\n";
static const char arm_header[] =
	"kfp_host_profile: 1\nname: a\narch: arm64\nkernel: \"6.1\"\n";

static void test_load_any_order_and_style(void **state)
{
	(void)state;
	char *err = NULL;
	/* Block style instead of flow, keys in any order, decimal numbers,
	 * unsorted entries: all accepted and sorted. */
	struct kfp_host_profile *p = parse_str(
		"msrs:\n  0x345: 0\n  266: 0xeb\n"
		"cpuid:\n"
		"  - - 7\n    - 0\n    - 1\n    - 0\n    - 0xd19f4fbb\n    - 0\n    - 0\n"
		"  - [0, 0, 0, 0x16, 0, 0, 0]\n"
		"kernel: 6.18.30-61.116.amzn2023.x86_64\n"
		"arch: x86_64\nname: 'single quoted'\nkfp_host_profile: 1\n"
		"xsave: {xss: 0x100}\n",
		&err);
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	assert_string_equal(p->path, "t.yaml");
	assert_string_equal(p->name, "single quoted");
	assert_int_equal(p->kernel.major, 6);
	assert_int_equal(p->kernel.minor, 18);
	assert_int_equal(p->kernel.patch, 30);
	assert_int_equal(p->ncpuid, 2);
	assert_int_equal(p->cpuid[0].function, 0);
	assert_int_equal(kfp_profile_cpuid(p, 7, 0)->ebx, 0xd19f4fbb);
	assert_null(kfp_profile_cpuid(p, 7, 1));
	assert_null(kfp_profile_cpuid(p, 8, 0));
	assert_int_equal(p->msrs[0].id, 0x10a);
	assert_int_equal(kfp_profile_msr(p, 0x10a)->value, 0xeb);
	assert_int_equal(kfp_profile_msr(p, 0x345)->value, 0);
	assert_null(kfp_profile_msr(p, 0x346));
	assert_int_equal(p->xsave_size, 0);
	assert_int_equal(p->xss, 0x100);
	kfp_profile_free(p);
}

static void test_load_files(void **state)
{
	(void)state;
	char *err = NULL;
	struct kfp_host_profile *p =
		profile_load(KFP_SOURCE_DIR "/tests/data/profiles/x86_64.yaml", &err);
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	assert_int_equal(p->arch, KFP_ARCH_X86_64);
	assert_int_equal(p->ncpuid, 6);
	assert_int_equal(kfp_profile_cpuid(p, 7, 0)->ebx >> 16 & 1, 1);
	assert_int_equal(p->xsave_size, 4096);
	assert_int_equal(p->xcr0, 0x2ff);
	assert_int_equal(p->ncaps, 2);
	assert_int_equal(p->caps[1].id, 208);
	assert_int_equal(p->caps[1].value, 4096);
	assert_round_trip(p);
	kfp_profile_free(p);

	p = profile_load(KFP_SOURCE_DIR "/tests/data/profiles/arm64.yaml", &err);
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	assert_int_equal(p->arch, KFP_ARCH_ARM64);
	assert_int_equal(p->nreg_list, 9);
	assert_true(kfp_profile_has_reg(p, 0x603000000013c030));
	assert_false(kfp_profile_has_reg(p, 0x603000000013c038));
	assert_int_equal(kfp_profile_id_reg(p, 0x603000000013c030)->value >> 4 & 0xf, 2);
	assert_null(kfp_profile_id_reg(p, 0x603000000013c038));
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000160002)->value, 3);
	assert_null(kfp_profile_fw_reg(p, 0x6030000000160003));
	assert_false(p->has_writable_masks);
	assert_null(kfp_profile_writable_mask(p, 0x603000000013c020));
	assert_int_equal(p->vcpu_features, 1u << 0 | 1u << 2 | 1u << 3);
	assert_round_trip(p);
	kfp_profile_free(p);

	assert_null(profile_load(KFP_SOURCE_DIR "/tests/data/profiles/missing.yaml",
				     &err));
	assert_string_equal(err, KFP_SOURCE_DIR "/tests/data/profiles/missing.yaml: cannot open: No such file or directory");
	free(err);
}

/* A profile's error goes to the kfp_ctx queue, located in the profile, which
 * is registered as a source: it prints like a policy error, with the line.
 * Good profiles are not kept as sources. */
static void test_error_in_ctx(void **state)
{
	(void)state;
	static const char text[] = "kfp_host_profile: 1\nname: h\ncpuids: []\n";
	struct kfp_ctx ctx;
	char *out = NULL;
	size_t len = 0;

	kfp_ctx_init(&ctx);
	assert_null(kfp_profile_parse(&ctx, "h.yaml", text, strlen(text)));
	assert_int_equal(ctx.errors, 1);
	assert_int_equal(ctx.nsources, 1);
	FILE *mem = open_memstream(&out, &len);
	assert_non_null(mem);
	kfp_diags_print(&ctx, mem);
	fclose(mem);
	assert_string_equal(out,
			    "h.yaml:3:1: error: unknown key 'cpuids' in a host profile; did you mean 'cpuid'?\n"
			    "    3 | cpuids: []\n"
			    "      | ^\n");
	free(out);
	kfp_ctx_fini(&ctx);

	kfp_ctx_init(&ctx);
	struct kfp_host_profile *p =
		kfp_profile_load(&ctx, KFP_SOURCE_DIR "/tests/data/profiles/x86_64.yaml");
	assert_non_null(p);
	assert_int_equal(ctx.nsources, 0);
	assert_int_equal(ctx.ndiags, 0);
	kfp_profile_free(p);
	kfp_ctx_fini(&ctx);
}

/* Every complete example in docs/host-profile.md loads. */
static void test_doc_examples(void **state)
{
	(void)state;
	const char *path = KFP_SOURCE_DIR "/docs/host-profile.md";
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	char line[512];
	char *block = NULL;
	size_t len = 0;
	FILE *mem = NULL;
	unsigned examples = 0;

	while (fgets(line, sizeof(line), f)) {
		if (!mem && strcmp(line, "```yaml\n") == 0) {
			mem = open_memstream(&block, &len);
		} else if (mem && strcmp(line, "```\n") == 0) {
			fclose(mem);
			mem = NULL;
			if (strstr(block, "kfp_host_profile: 1")) {
				char *err = NULL;
				struct kfp_host_profile *p =
					profile_parse("doc", block, len, &err);
				if (!p)
					print_error("%s in:\n%s", err, block);
				assert_non_null(p);
				assert_round_trip(p);
				kfp_profile_free(p);
				examples++;
			}
			free(block);
			block = NULL;
		} else if (mem) {
			fputs(line, mem);
		}
	}
	fclose(f);
	assert_true(examples >= 2);
}

/* ------------------------------------------------------------------ */
/* Validation errors: each one precise, with its position             */

struct bad {
	const char *text;
	const char *err;
};

/* Reports every mismatch, then fails once. */
static void expect_errors(const struct bad *cases, size_t n, const char *prefix)
{
	unsigned wrong = 0;
	for (size_t i = 0; i < n; i++) {
		char *err = NULL;
		size_t len = strlen(prefix) + strlen(cases[i].text);
		char *text = malloc(len + 1);
		strcpy(text, prefix);
		strcat(text, cases[i].text);
		struct kfp_host_profile *p = profile_parse("t.yaml", text, len, &err);
		if (p) {
			print_error("accepted:\n%s\n", text);
			wrong++;
		} else if (strcmp(err, cases[i].err) != 0) {
			print_error("for:\n%s\nexpected: %s\n     got: %s\n", text,
				    cases[i].err, err);
			wrong++;
		}
		kfp_profile_free(p);
		free(err);
		free(text);
	}
	assert_int_equal(wrong, 0);
}

static void test_errors_structure(void **state)
{
	(void)state;
	static const struct bad cases[] = {
		{ "", "t.yaml:1:1: empty file: expected a host profile" },
		{ "# only a comment\n", "t.yaml:2:1: empty file: expected a host profile" },
		{ "- 1\n- 2\n", "t.yaml:1:1: expected a mapping (a host profile), got a sequence" },
		{ "just text\n", "t.yaml:1:1: expected a mapping (a host profile), got a plain scalar" },
		{ "name: a\n", "t.yaml:1:1: missing required key 'kfp_host_profile'" },
		{ "kfp_host_profile: 1\narch: arm64\nkernel: \"6.1\"\n",
		  "t.yaml:1:1: missing required key 'name'" },
		{ "kfp_host_profile: 1\nname: a\nkernel: \"6.1\"\n",
		  "t.yaml:1:1: missing required key 'arch'" },
		{ "kfp_host_profile: 1\nname: a\narch: arm64\n",
		  "t.yaml:1:1: missing required key 'kernel'" },
		{ "kfp_host_profile: 2\n",
		  "t.yaml:1:19: unsupported host profile format 2 (this kfp reads format 1)" },
		{ "kfp_host_profile: \"1\"\n",
		  "t.yaml:1:19: expected an integer (format version), got the quoted string \"1\"; write it without quotes" },
		{ "kfp_host_profile: 1\nnmae: a\n",
		  "t.yaml:2:1: unknown key 'nmae' in a host profile; did you mean 'name'?" },
		{ "kfp_host_profile: 1\nbogus: a\n",
		  "t.yaml:2:1: unknown key 'bogus' in a host profile" },
		{ "kfp_host_profile: 1\nname: a\nname: b\n",
		  "t.yaml:3:1: duplicate key 'name' (first at 2:1)" },
		{ "kfp_host_profile: 1\nname: [a]\n",
		  "t.yaml:2:7: expected a string (name), got a sequence" },
		{ "kfp_host_profile: 1\nname:\n",
		  "t.yaml:2:6: name must not be empty" },
		{ "kfp_host_profile: 1\nname: \"a\\0b\"\n",
		  "t.yaml:2:7: name contains a NUL character" },
		{ "kfp_host_profile: 1\narch: aarch46\n",
		  "t.yaml:2:7: unknown arch 'aarch46'; did you mean 'aarch64'?" },
		{ "kfp_host_profile: 1\narch: riscv64\n",
		  "t.yaml:2:7: unknown arch 'riscv64' (expected x86_64 or arm64)" },
		{ "kfp_host_profile: 1\nname: a\narch: x86_64\nkernel: \"v6.1\"\n",
		  "t.yaml:4:9: kernel 'v6.1' does not start with MAJOR.MINOR (as in uname -r)" },
		{ "kfp_host_profile: 1\nname: a\narch: x86_64\nkernel: 6\n",
		  "t.yaml:4:9: kernel '6' does not start with MAJOR.MINOR (as in uname -r)" },
		{ "kfp_host_profile: 1\n---\nname: a\n",
		  "t.yaml:2:1: more than one YAML document in the file" },
		{ "kfp_host_profile: 1\nname: \"a\n",
		  "t.yaml:3:1: YAML syntax error: found unexpected end of stream (while scanning a quoted scalar started at 2:7); the file ends there: is it truncated?" },
		{ "kfp_host_profile: 1\nname: a\narch: x86_64\nkernel: \"6.1\"\ncpuid: [[1, 2\n",
		  "t.yaml:6:1: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence started at 5:9); the file ends there: is it truncated?" },
		{ "kfp_host_profile: 1\n\tname: a\n",
		  "t.yaml:2:1: YAML syntax error: found a tab character that violates indentation (while scanning a plain scalar started at 1:19)" },
	};
	expect_errors(cases, sizeof(cases) / sizeof(cases[0]), "");
}

static void test_errors_values(void **state)
{
	(void)state;
	static const struct bad cases[] = {
		{ "cpuids: []\n",
		  "t.yaml:5:1: unknown key 'cpuids' in a host profile; did you mean 'cpuid'?" },
		{ "cpuid: {}\n",
		  "t.yaml:5:8: expected a sequence of cpuid entries, got a mapping" },
		{ "cpuid: [1]\n",
		  "t.yaml:5:9: expected a cpuid entry [function, index, flags, eax, ebx, ecx, edx], got a plain scalar" },
		{ "cpuid:\n  - [1, 2, 3]\n",
		  "t.yaml:6:5: cpuid entry has 3 values, expected 7 (function, index, flags, eax, ebx, ecx, edx)" },
		{ "cpuid:\n  - [1, 2, 3, 4, 5, 6, 7, 8]\n",
		  "t.yaml:6:27: cpuid entry has more than 7 values (function, index, flags, eax, ebx, ecx, edx)" },
		{ "cpuid:\n  - [1, 2, 3, 4, 5, 6, 0x100000000]\n",
		  "t.yaml:6:24: cpuid edx: 0x100000000 does not fit in 32 bits" },
		{ "cpuid:\n  - [4294967296, 0, 0, 0, 0, 0, 0]\n",
		  "t.yaml:6:6: cpuid function: 0x100000000 does not fit in 32 bits" },
		{ "cpuid:\n  - [1, 2, 3, 4, 5, eax, 7]\n",
		  "t.yaml:6:21: expected an integer (cpuid ecx), decimal or 0x hex, got 'eax'" },
		{ "cpuid:\n  - [1, 2, 3, 4, 5, -1, 7]\n",
		  "t.yaml:6:21: expected an integer (cpuid ecx), decimal or 0x hex, got '-1'" },
		{ "cpuid:\n  - [7, 0, 1, 0, 0, 0, 0]\n  - [1, 0, 0, 0, 0, 0, 0]\n  - [7, 0, 0, 0, 0, 0, 0]\n",
		  "t.yaml:8:5: cpuid function 0x7 index 0x0 is listed twice (first at 6:5)" },
		{ "msrs: {0x10a: 1, 0x10a: 2}\n",
		  "t.yaml:5:18: MSR 0x10a is listed twice (first at 5:8)" },
		{ "msrs: {0x100000000: 1}\n",
		  "t.yaml:5:8: MSR index: 0x100000000 does not fit in 32 bits" },
		{ "msrs: {0x10a: 0x1ffffffffffffffff}\n",
		  "t.yaml:5:15: MSR value: '0x1ffffffffffffffff' does not fit in 64 bits" },
		{ "msrs: {0x10a: 18446744073709551616}\n",
		  "t.yaml:5:15: MSR value: '18446744073709551616' does not fit in 64 bits" },
		{ "msrs: {\"0x10a\": 1}\n",
		  "t.yaml:5:8: expected an integer (MSR index), got the quoted string \"0x10a\"; write it without quotes" },
		{ "msrs: {010: 1}\n",
		  "t.yaml:5:8: MSR index: '010' has a leading zero, which YAML 1.1 reads as octal; write it in decimal without the zero or as 0x hex" },
		{ "msrs: [1]\n",
		  "t.yaml:5:7: expected a mapping, got a sequence" },
		{ "msrs:\n",
		  "t.yaml:5:6: expected a mapping, got an empty value" },
		{ "kvm_caps: {208: 0x100000000}\n",
		  "t.yaml:5:17: capability value: 0x100000000 does not fit in 32 bits" },
		{ "kvm_caps: {208: 1, 208: 2}\n",
		  "t.yaml:5:20: capability 0xd0 is listed twice (first at 5:12)" },
		{ "xsave: {size: 4096, xcr: 3}\n",
		  "t.yaml:5:21: unknown key 'xcr' in xsave; did you mean 'xcr0'?" },
		{ "xsave: {size: 4096, size: 3}\n",
		  "t.yaml:5:21: duplicate key 'xsave.size' (first at 5:9)" },
		{ "xsave: {size: 0x100000000}\n",
		  "t.yaml:5:15: xsave size: 0x100000000 does not fit in 32 bits" },
		{ "xsave: 4096\n",
		  "t.yaml:5:8: expected a mapping {size: N, xcr0: X, xss: X}, got a plain scalar" },
		/* arch-specific keys under the wrong arch */
		{ "reg_list: [1]\n",
		  "t.yaml:5:1: 'reg_list' belongs in arm64 profiles, but this one is x86_64" },
		{ "vcpu_features: []\n",
		  "t.yaml:5:1: 'vcpu_features' belongs in arm64 profiles, but this one is x86_64" },
		/* anchors, aliases and tags */
		{ "kvm_caps: &caps {1: 1}\n",
		  "t.yaml:5:11: anchors (&caps) are not allowed in a host profile" },
		{ "kvm_caps: *caps\n",
		  "t.yaml:5:11: aliases (*caps) are not allowed in a host profile" },
		{ "kvm_caps: !!map {}\n",
		  "t.yaml:5:11: tags (tag:yaml.org,2002:map) are not allowed in a host profile" },
	};
	expect_errors(cases, sizeof(cases) / sizeof(cases[0]), header);
}

static void test_errors_arm64(void **state)
{
	(void)state;
	static const struct bad cases[] = {
		{ "cpuid: []\n",
		  "t.yaml:5:1: 'cpuid' belongs in x86_64 profiles, but this one is arm64" },
		{ "xsave: {size: 1}\n",
		  "t.yaml:5:1: 'xsave' belongs in x86_64 profiles, but this one is arm64" },
		{ "reg_list: [1, 2, 1]\n",
		  "t.yaml:5:18: register 0x1 is listed twice (first at 5:12)" },
		{ "reg_list: [0x10000000000000000]\n",
		  "t.yaml:5:12: register id: '0x10000000000000000' does not fit in 64 bits" },
		{ "id_regs: {0x603000000013c020: 1, 0x603000000013c020: 1}\n",
		  "t.yaml:5:34: ID register 0x603000000013c020 is listed twice (first at 5:11)" },
		{ "firmware_regs: {x: 1}\n",
		  "t.yaml:5:17: expected an integer (firmware register id), decimal or 0x hex, got 'x'" },
		{ "writable_masks: {1: 0x1ffffffffffffffff}\n",
		  "t.yaml:5:21: writable mask: '0x1ffffffffffffffff' does not fit in 64 bits" },
		{ "vcpu_features: [pmuv3]\n",
		  "t.yaml:5:17: unknown vCPU feature 'pmuv3'; did you mean 'pmu_v3'?" },
		{ "vcpu_features: [teleport]\n",
		  "t.yaml:5:17: unknown vCPU feature 'teleport'" },
		{ "vcpu_features: [sve, sve]\n",
		  "t.yaml:5:22: vCPU feature 'sve' is listed twice" },
		{ "vcpu_features: [32]\n",
		  "t.yaml:5:17: vCPU feature bit 32 is out of range (0..31)" },
		{ "vcpu_features: [[sve]]\n",
		  "t.yaml:5:17: expected a vCPU feature name, got a sequence" },
		{ "vcpu_features: sve\n",
		  "t.yaml:5:16: expected a sequence of vCPU feature names, got a plain scalar" },
		{ "cache_regs: {0x603000000013c801: 1, 0x603000000013c020: 1}\n",
		  "t.yaml:5:37: cache register 0x603000000013c020 is neither CLIDR_EL1 "
		  "(0x603000000013c801) nor a CCSIDR_EL1 demux register (0x6020000000110000 + CSSELR)" },
		{ "cache_regs: {0x6020000000110010: 1}\n",
		  "t.yaml:5:14: cache register 0x6020000000110010 is neither CLIDR_EL1 "
		  "(0x603000000013c801) nor a CCSIDR_EL1 demux register (0x6020000000110000 + CSSELR)" },
		{ "cache_regs: {0x6020000000110001: 0x100000000}\n",
		  "t.yaml:5:14: cache register 0x6020000000110001: 0x100000000 does not fit in 32 "
		  "bits (CCSIDR_EL1)" },
		{ "cache_regs: {0x6020000000110001: 1, 0x6020000000110001: 2}\n",
		  "t.yaml:5:37: cache register 0x6020000000110001 is listed twice (first at 5:14)" },
	};
	expect_errors(cases, sizeof(cases) / sizeof(cases[0]), arm_header);

	/* an arch-specific key before the arch is checked at the end */
	static const struct bad late[] = {
		{ "msrs: {}\nkfp_host_profile: 1\nname: a\narch: arm64\nkernel: \"6.1\"\n",
		  "t.yaml:1:1: 'msrs' belongs in x86_64 profiles, but this one is arm64" },
	};
	expect_errors(late, 1, "");
}

/* ------------------------------------------------------------------ */
/* Hostile input: always an error, never a crash or a blow-up         */

static void expect_rejected(const char *text, size_t len, const char *what)
{
	char *err = NULL;
	struct kfp_host_profile *p = profile_parse("t.yaml", text, len, &err);
	if (p)
		print_error("%s: accepted\n", what);
	assert_null(p);
	assert_non_null(err);
	assert_true(strncmp(err, "t.yaml:", 7) == 0);
	/* untrusted text is quoted in excerpts, not in full */
	assert_true(strlen(err) < 300);
	free(err);
}

/* A profile cut short anywhere (a full disk, an interrupted copy) is an
 * error, never a smaller host: every proper prefix of what kfp probe
 * writes, for both arches, is refused (all but the final newline). */
static void test_truncated(void **state)
{
	(void)state;
	static const char *const files[] = {
		KFP_SOURCE_DIR "/tests/data/profiles/x86_64.yaml",
		KFP_SOURCE_DIR "/tests/data/profiles/arm64.yaml",
	};
	for (size_t i = 0; i < 2; i++) {
		char *err = NULL;
		struct kfp_host_profile *p = profile_load(files[i], &err);
		if (!p)
			fail_msg("%s", err);
		char *text = NULL;
		size_t len = 0;
		FILE *mem = open_memstream(&text, &len);
		assert_int_equal(kfp_profile_write(p, mem), 0);
		fclose(mem);
		kfp_profile_free(p);
		unsigned truncated = 0;
		for (size_t n = 0; n + 1 < len; n++) {
			p = profile_parse("t.yaml", text, n, &err);
			if (p)
				fail_msg("%s cut to %zu of %zu bytes loads", files[i], n, len);
			if (strncmp(err, "t.yaml", 6) != 0)
				fail_msg("the error does not name the file: %s", err);
			truncated += strstr(err, "truncated") != NULL;
			free(err);
		}
		/* Past the required common keys, the message says why. */
		assert_true(truncated > len / 2);
		p = profile_parse("t.yaml", text, len - 1, &err);
		assert_non_null(p);
		kfp_profile_free(p);
		free(text);
	}
}

static void test_hostile(void **state)
{
	(void)state;
	/* binary garbage, including NUL bytes and invalid UTF-8 */
	unsigned seed = 12345;
	char garbage[4096];
	for (int round = 0; round < 50; round++) {
		for (size_t i = 0; i < sizeof(garbage); i++) {
			seed = seed * 1103515245u + 12345u;
			garbage[i] = (char)(seed >> 16);
		}
		expect_rejected(garbage, sizeof(garbage), "garbage");
	}
	expect_rejected("kfp_host_profile: 1\0name: a", 27, "NUL byte");
	expect_rejected("kfp_host_profile: 1\nname: \xff\xfe\n", 29, "bad UTF-8");
	expect_rejected("\xef\xbb\xbf", 3, "only a BOM");

	/* the billion laughs: refused at the first anchor */
	static const char bomb[] =
		"kfp_host_profile: 1\nname: a\narch: arm64\nkernel: \"6.1\"\n"
		"reg_list: &a [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n"
		"id_regs: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
		"firmware_regs: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n";
	expect_rejected(bomb, strlen(bomb), "alias bomb");
	static const char lol[] =
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n";
	expect_rejected(lol, strlen(lol), "lol bomb");

	/* huge integers and huge scalars */
	size_t n = 1 << 20;
	char *run = malloc(n + 1);
	memset(run, 'f', n);
	run[n] = 0;
	char *big = malloc(2 * n);
	snprintf(big, 2 * n, "%smsrs: {0x10a: 0x%s}\n", header, run);
	expect_rejected(big, strlen(big), "huge hex");
	memset(run, '9', n);
	snprintf(big, 2 * n, "%smsrs: {0x10a: %s}\n", header, run);
	expect_rejected(big, strlen(big), "huge decimal");
	memset(run, 'k', n);
	snprintf(big, 2 * n, "%s: 1\n", run);
	expect_rejected(big, strlen(big), "huge key");
	free(run);

	/* deep nesting */
	memset(big, '[', n);
	expect_rejected(big, n, "deep flow nesting");
	strcpy(big, header);
	strcat(big, "cpuid: ");
	size_t at = strlen(big);
	memset(big + at, '[', 100000);
	expect_rejected(big, at + 100000, "deep nesting in a value");
	free(big);
}

/* A large profile loads in linear time. */
static void test_many_entries(void **state)
{
	(void)state;
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	fputs(arm_header, mem);
	fputs("reg_list: [", mem);
	for (unsigned i = 0; i < 100000; i++)
		fprintf(mem, "%s0x%x", i ? ", " : "", 100000 - i);
	fputs("]\nid_regs: {}\nfirmware_regs: {}\nvcpu_features: []\n", mem);
	fclose(mem);
	char *err = NULL;
	struct kfp_host_profile *p = profile_parse("t.yaml", text, len, &err);
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	assert_int_equal(p->nreg_list, 100000);
	assert_int_equal(p->reg_list[0], 1);
	assert_true(kfp_profile_has_reg(p, 77777));
	assert_false(kfp_profile_has_reg(p, 100001));
	kfp_profile_free(p);
	free(text);
}

/* ------------------------------------------------------------------ */
/* Kernel versions                                                    */

static void test_kver(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool ok;
		uint32_t major, minor, patch;
		unsigned parts;
	} cases[] = {
		{ "6.1.172-216.329.amzn2023.x86_64", true, 6, 1, 172, 3 },
		{ "5.10.255-253.1008.amzn2.aarch64", true, 5, 10, 255, 3 },
		{ "6.18.30-61.116.amzn2023.x86_64", true, 6, 18, 30, 3 },
		{ "6.12.48+deb13-arm64", true, 6, 12, 48, 3 },
		{ "5.10", true, 5, 10, 0, 2 },
		{ "6.1-rc1", true, 6, 1, 0, 2 },
		{ "6.1.", true, 6, 1, 0, 2 },
		{ "6.1.2.3", true, 6, 1, 2, 3 },
		{ "4294967295.0", true, 4294967295u, 0, 0, 2 },
		{ "4294967296.0", false, 0, 0, 0, 0 },
		{ "6", false, 0, 0, 0, 0 },
		{ "6.", false, 0, 0, 0, 0 },
		{ "v6.1", false, 0, 0, 0, 0 },
		{ "", false, 0, 0, 0, 0 },
		{ ".1", false, 0, 0, 0, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kfp_kver v;
		bool ok = kfp_kver_parse(cases[i].s, &v);
		if (ok != cases[i].ok)
			print_error("%s\n", cases[i].s);
		assert_int_equal(ok, cases[i].ok);
		if (!ok)
			continue;
		assert_int_equal(v.major, cases[i].major);
		assert_int_equal(v.minor, cases[i].minor);
		assert_int_equal(v.patch, cases[i].patch);
		assert_int_equal(v.parts, cases[i].parts);
	}
}

/* ------------------------------------------------------------------ */
/* Firecracker fingerprints                                           */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/kfp-test-profile-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	(void)state;
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	while (d && (e = readdir(d))) {
		char path[512];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	if (d)
		closedir(d);
	return rmdir(tmpdir);
}

static struct kfp_host_profile *import_text(const char *text, char **err,
					    char *path, size_t pathlen)
{
	static unsigned count;
	snprintf(path, pathlen, "%s/fp%u.json", tmpdir, count++);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return fingerprint_load(path, "host", err);
}

static const char fp_x86_head[] =
	"{\n"
	"  \"kernel_version\": \"6.1.172-216.329.amzn2023.x86_64\",\n"
	"  \"guest_cpu_config\": {\n"
	"    \"cpuid_modifiers\": [\n";

#define FP_REG(r, bits) "{\"register\": \"" r "\", \"bitmap\": \"0b" bits "\"}"
#define Z32 "00000000000000000000000000000000"
#define FP_LEAF(leaf, eax)                                                   \
	"      {\"leaf\": \"" leaf "\", \"subleaf\": \"0x0\", \"flags\": 0,\n" \
	"       \"modifiers\": [" FP_REG("eax", eax) ", " FP_REG("ebx", Z32)    \
	", " FP_REG("ecx", Z32) ", " FP_REG("edx", Z32) "]}"

static void test_fingerprint_small(void **state)
{
	(void)state;
	char path[128], *err = NULL;
	char text[4096];
	snprintf(text, sizeof(text), "%s%s,\n%s\n    ],\n"
		 "    \"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b%s%s\"}]\n"
		 "  },\n  \"extra\": {\"ignored\": [1, {\"a\": 2}]}\n}\n",
		 fp_x86_head,
		 FP_LEAF("0xd", "00000000000000000000001011100111"),
		 FP_LEAF("0x1", "00000000000000000000000000000001"),
		 Z32, "00000000000000000000000011101011");
	struct kfp_host_profile *p = import_text(text, &err, path, sizeof(path));
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	assert_string_equal(p->name, "host");
	assert_string_equal(p->path, path);
	assert_int_equal(p->arch, KFP_ARCH_X86_64);
	assert_int_equal(p->ncpuid, 2);
	assert_int_equal(p->cpuid[0].function, 1); /* sorted */
	assert_int_equal(p->cpuid[0].eax, 1);
	assert_int_equal(p->xcr0, 0x2e7);
	assert_int_equal(p->xss, 0);
	assert_int_equal(kfp_profile_msr(p, 0x10a)->value, 0xeb);
	assert_round_trip(p);
	kfp_profile_free(p);

	/* without a name, the file's base name */
	p = fingerprint_load(path, NULL, &err);
	assert_non_null(p);
	assert_non_null(strstr(path, p->name));
	assert_null(strstr(p->name, ".json"));
	kfp_profile_free(p);
}

static unsigned fp_wrong;

static void expect_fp_error(const char *text, const char *suffix)
{
	char path[128], *err = NULL;
	struct kfp_host_profile *p = import_text(text, &err, path, sizeof(path));
	if (p) {
		print_error("accepted:\n%s\n", text);
		fp_wrong++;
	} else if (strncmp(err, path, strlen(path)) != 0 ||
		   strcmp(err + strlen(path), suffix) != 0) {
		/* "PATH:LINE:COL: ..." */
		print_error("for:\n%s\nexpected: %s%s\n     got: %s\n", text, path,
			    suffix, err);
		fp_wrong++;
	}
	kfp_profile_free(p);
	free(err);
}

static void test_fingerprint_errors(void **state)
{
	(void)state;
	char text[4096];

	snprintf(text, sizeof(text), "%s%s\n    ]\n  }\n}\n", fp_x86_head,
		 FP_LEAF("0x7", "0000000000000000000000000000000x"));
	expect_fp_error(text, ":6:52: cpuid leaf 0x7 subleaf 0x0 eax: bitmap has 'x' (keep the host's bit) digits, so this is a CPU template, not a fingerprint");

	snprintf(text, sizeof(text), "%s%s\n    ]\n  }\n}\n", fp_x86_head,
		 FP_LEAF("0x7", "0000000000000000000000000000000"));
	expect_fp_error(text, ":6:52: cpuid leaf 0x7 subleaf 0x0 eax: bitmap has 31 digits, expected 32");

	snprintf(text, sizeof(text), "%s%s,\n%s\n    ]\n  }\n}\n", fp_x86_head,
		 FP_LEAF("0x7", Z32), FP_LEAF("0x7", Z32));
	expect_fp_error(text, ":7:7: cpuid function 0x7 index 0x0 is listed twice (first at 5:7)");

	snprintf(text, sizeof(text), "%s      {\"leaf\": \"0x7\", \"subleaf\": \"0x0\", \"flags\": 0, \"modifiers\": [%s]}\n    ]\n  }\n}\n",
		 fp_x86_head, FP_REG("eax", Z32));
	expect_fp_error(text, ":5:7: cpuid leaf 0x7 subleaf 0x0 has no bitmap for ebx");

	snprintf(text, sizeof(text), "%s      {\"leaf\": \"0x100000000\"}\n    ]\n  }\n}\n",
		 fp_x86_head);
	expect_fp_error(text, ":5:16: cpuid leaf: 0x100000000 does not fit in 32 bits");

	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\", \"guest_cpu_config\": {\n"
			"  \"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b101\"}]}}\n",
			":2:49: msr 0x10a: bitmap has 3 digits, expected 64");
	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\", \"guest_cpu_config\": {\n"
			"  \"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"101\"}]}}\n",
			":2:49: msr 0x10a: bitmap does not start with \"0b\"");
	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\", \"guest_cpu_config\": {\n"
			"  \"msr_modifiers\": [{\"bitmap\": \"0b1\"}]}}\n",
			":2:21: msr modifier without 'addr'");
	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\", \"guest_cpu_config\": {\n"
			"  \"reg_modifiers\": [{\"addr\": \"0x6030000000100000\", \"bitmap\": \"0b" Z32 "\"}]}}\n",
			":2:3: arm64 modifiers in the fingerprint of an x86_64 kernel");
	expect_fp_error("{\"kernel_version\": \"6.1.0-aarch64\", \"guest_cpu_config\": {\n"
			"  \"reg_modifiers\": [{\"addr\": \"0x6030000000100000\", \"bitmap\": \"0b1" Z32 Z32 "\"}]}}\n",
			":2:62: register 0x6030000000100000: bitmap has 65 digits, expected 32, 64 or 128");
	expect_fp_error("{\"kernel_version\": \"6.1.0-aarch64\", \"guest_cpu_config\": {\n"
			"  \"reg_modifiers\": [{\"addr\": \"0x6030000000100000\", \"bitmap\": \"0b1" Z32 Z32 Z32 "0000000000000000000000000000000\"}]}}\n",
			":2:62: register 0x6030000000100000: the value does not fit the register's 64 bits");
	expect_fp_error("{\"kernel_version\": \"6.1.0-aarch64\", \"guest_cpu_config\": {\n"
			"  \"reg_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b" Z32 "\"}]}}\n",
			":2:21: register 0x10a is not an arm64 ONE_REG id");
	expect_fp_error("{\"kernel_version\": \"6.1.0-aarch64\", \"guest_cpu_config\": {\n"
			"  \"vcpu_features\": [{\"index\": 1, \"bitmap\": \"0b" Z32 "\"}]}}\n",
			":2:21: vcpu_features index 1: KVM defines feature word 0 only");
	expect_fp_error("{\"kernel_version\": \"6.1\", \"guest_cpu_config\": {}}\n",
			":1:20: cannot tell the architecture: kernel_version ends in neither x86_64 nor aarch64 and there are no modifiers");
	expect_fp_error("{\"kernel_version\": \"linux\", \"guest_cpu_config\": {}}\n",
			":1:20: kernel_version 'linux' does not start with MAJOR.MINOR");
	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\"}\n",
			":1:1: missing 'guest_cpu_config': not a Firecracker fingerprint");
	expect_fp_error("[]\n",
			":1:1: expected a mapping (a fingerprint), got a sequence");
	expect_fp_error("{\"kernel_version\": \"6.1.0-x86_64\", \"guest_cpu_config\": {\"x\": &a 1}}\n",
			":1:62: anchors (&a) are not allowed in a host profile");

	assert_int_equal(fp_wrong, 0);
	char *err = NULL;
	assert_null(fingerprint_load("/nonexistent/fp.json", NULL, &err));
	assert_string_equal(err, "/nonexistent/fp.json: cannot open: No such file or directory");
	free(err);
}

static bool fleet_dir_missing(void)
{
	DIR *d = opendir(FLEET_DIR);
	if (d) {
		closedir(d);
		return false;
	}
	fail_msg("no fleet data at %s (it is part of the repository: tests/data/firecracker)",
		 FLEET_DIR);
	return true;
}

static struct kfp_host_profile *import_fleet(const char *file)
{
	char path[512], *err = NULL;
	snprintf(path, sizeof(path), "%s/%s", FLEET_DIR, file);
	struct kfp_host_profile *p = fingerprint_load(path, file, &err);
	if (!p)
		print_error("%s\n", err);
	assert_non_null(p);
	return p;
}

/* Every fingerprint imports, and import -> write -> load is lossless. */
static void test_fleet_all(void **state)
{
	(void)state;
	if (fleet_dir_missing()) {
		skip();
		return;
	}
	DIR *d = opendir(FLEET_DIR);
	struct dirent *e;
	unsigned n = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (strncmp(e->d_name, "fingerprint_", 12) != 0 || len < 5 ||
		    strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		struct kfp_host_profile *p = import_fleet(e->d_name);
		bool arm = strstr(e->d_name, "ARM") != NULL;
		assert_int_equal(p->arch, arm ? KFP_ARCH_ARM64 : KFP_ARCH_X86_64);
		assert_int_equal(p->kernel.parts, 3);
		if (arm)
			assert_true(p->nreg_list > 200 && p->nid_regs > 0);
		else
			assert_true(p->ncpuid > 40 && p->nmsrs > 30);
		assert_round_trip(p);
		kfp_profile_free(p);
		n++;
	}
	closedir(d);
	assert_true(n >= 8);
}

static void test_fleet_x86_facts(void **state)
{
	(void)state;
	if (fleet_dir_missing()) {
		skip();
		return;
	}
	struct kfp_host_profile *p = import_fleet("fingerprint_INTEL_CASCADELAKE_6.1host.json");
	assert_string_equal(p->kernel_release, "6.1.172-216.329.amzn2023.x86_64");
	assert_int_equal(p->kernel.major, 6);
	assert_int_equal(p->kernel.minor, 1);
	assert_int_equal(p->kernel.patch, 172);
	assert_int_equal(p->ncpuid, 47);
	assert_int_equal(p->nmsrs, 33);
	const struct kfp_cpuid_entry *l7 = kfp_profile_cpuid(p, 7, 0);
	assert_non_null(l7);
	assert_int_equal(l7->flags, 1); /* KVM_CPUID_FLAG_SIGNIFCANT_INDEX */
	assert_int_equal(l7->ebx, 0xd19f67eb);
	assert_int_equal(l7->ebx >> 16 & 1, 1); /* AVX512F */
	/* "GenuineIntel" */
	assert_int_equal(kfp_profile_cpuid(p, 0, 0)->ebx, 0x756e6547);
	assert_int_equal(p->xcr0, 0x2ff); /* CPUID.(0xD,0) EDX:EAX */
	assert_int_equal(p->xss, 0);      /* CPUID.(0xD,1) EDX:ECX */
	assert_int_equal(p->xsave_size, 0); /* not in a fingerprint */
	assert_int_equal(kfp_profile_msr(p, 0x10a)->value, 0xc0aa0eb);
	kfp_profile_free(p);

	p = import_fleet("fingerprint_INTEL_CASCADELAKE_5.10host.json");
	assert_int_equal(p->kernel.major, 5);
	assert_int_equal(p->kernel.minor, 10);
	assert_int_equal(p->kernel.patch, 255);
	kfp_profile_free(p);

	p = import_fleet("fingerprint_INTEL_CASCADELAKE_6.18host.json");
	assert_int_equal(p->kernel.major, 6);
	assert_int_equal(p->kernel.minor, 18);
	assert_int_equal(p->nmsrs, 39); /* the newer kernel offers more */
	kfp_profile_free(p);

	p = import_fleet("fingerprint_AMD_MILAN_6.1host.json");
	assert_int_equal(p->ncpuid, 61);
	assert_int_equal(kfp_profile_cpuid(p, 7, 0)->ebx >> 16 & 1, 0);
	assert_null(kfp_profile_msr(p, 0x10a));
	assert_non_null(kfp_profile_cpuid(p, 0x8000001d, 4));
	kfp_profile_free(p);
}

static void test_fleet_arm64_facts(void **state)
{
	(void)state;
	if (fleet_dir_missing()) {
		skip();
		return;
	}
	struct kfp_host_profile *p = import_fleet("fingerprint_ARM_NEOVERSE_N1_6.1host.json");
	assert_int_equal(p->arch, KFP_ARCH_ARM64);
	assert_int_equal(p->kernel.minor, 1);
	assert_int_equal(p->nreg_list, 242); /* as seen here on 6.1 */
	const struct kfp_reg_value *isar0 = kfp_profile_id_reg(p, 0x603000000013c030);
	assert_non_null(isar0);
	assert_int_equal(isar0->value >> 4 & 0xf, 2); /* AES: AES + PMULL */
	assert_int_equal(kfp_profile_id_reg(p, 0x603000000013c020)->value,
			 0x1100000011111112);
	assert_int_equal(kfp_profile_id_reg(p, 0x603000000013c000)->value >> 4 & 0xfff,
			 0xd0c); /* MIDR PartNum: Neoverse N1 */
	assert_true(kfp_profile_has_reg(p, 0x603000000013c030));
	assert_true(kfp_profile_has_reg(p, 0x6040000000100054)); /* a V register */
	/* core registers are in reg_list only */
	assert_null(kfp_profile_id_reg(p, 0x6030000000100000));
	assert_null(kfp_profile_fw_reg(p, 0x6030000000100000));
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000140000)->value, 0x10001);
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000160000)->value, 1);
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000160001)->value, 1);
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000160002)->value, 3);
	assert_null(kfp_profile_fw_reg(p, 0x6030000000160003));
	assert_int_equal(p->vcpu_features, 0);
	assert_int_equal(p->ncpuid + p->nmsrs, 0);
	/* The hardware's cache: L1 data and instruction, unified L2 and LoC 2
	 * ... as 6.1 shows it. */
	assert_int_equal(p->ncache_regs, 4);
	assert_int_equal(kfp_profile_cache_reg(p, 0x603000000013c801)->value, 0x82000023);
	assert_int_equal(kfp_profile_cache_reg(p, 0x6020000000110000)->value, 0x701fe01a);
	assert_int_equal(kfp_profile_cache_reg(p, 0x6020000000110002)->value, 0x70ffe03a);
	assert_null(kfp_profile_id_reg(p, 0x603000000013c801)); /* op1 1: not an ID register */
	kfp_profile_free(p);

	p = import_fleet("fingerprint_ARM_NEOVERSE_N1_5.10host.json");
	assert_int_equal(p->kernel.minor, 10);
	assert_int_equal(p->nreg_list, 312); /* as seen here on 5.10 */
	/* no hypercall bitmap registers before 5.19 */
	assert_null(kfp_profile_fw_reg(p, 0x6030000000160000));
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000140000)->value, 0x10000);
	kfp_profile_free(p);

	p = import_fleet("fingerprint_ARM_NEOVERSE_N1_6.18host.json");
	assert_int_equal(p->kernel.minor, 18);
	assert_int_equal(p->nreg_list, 254);
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000160003)->value, 0);
	/* 6.3 and later fabricate the cache description: 14 CCSIDR_EL1 with
	 * only a line size. */
	assert_int_equal(p->ncache_regs, 15);
	assert_int_equal(kfp_profile_cache_reg(p, 0x603000000013c801)->value, 0x3000123);
	assert_int_equal(kfp_profile_cache_reg(p, 0x602000000011000d)->value, 0x2);
	assert_int_equal(kfp_profile_fw_reg(p, 0x6030000000140000)->value, 0x10003);
	kfp_profile_free(p);
}

/* Load time of a realistic x86 profile: a figure, printed and never
 * asserted (a timed assertion fails on a busy machine, not on slow code);
 * bench/bench_compile measures loading at scale. */
static void test_fleet_load_time(void **state)
{
	(void)state;
	if (fleet_dir_missing()) {
		skip();
		return;
	}
	struct kfp_host_profile *p = import_fleet("fingerprint_INTEL_CASCADELAKE_6.1host.json");
	char *text = write_str(p);
	size_t len = strlen(text);
	kfp_profile_free(p);

	struct timespec t0, t1;
	const int n = 1000;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < n; i++) {
		struct kfp_host_profile *q = profile_parse("t.yaml", text, len, NULL);
		assert_non_null(q);
		kfp_profile_free(q);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	double us = ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / 1e3 / n;
	printf("cascadelake 6.1 profile (%zu bytes): %.1f us per load\n", len, us);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_x86),
		cmocka_unit_test(test_round_trip_arm64),
		cmocka_unit_test(test_round_trip_empty),
		cmocka_unit_test(test_round_trip_strings),
		cmocka_unit_test(test_write_rejects),
		cmocka_unit_test(test_error_in_ctx),
		cmocka_unit_test(test_load_any_order_and_style),
		cmocka_unit_test(test_load_files),
		cmocka_unit_test(test_doc_examples),
		cmocka_unit_test(test_errors_structure),
		cmocka_unit_test(test_errors_values),
		cmocka_unit_test(test_errors_arm64),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_many_entries),
		cmocka_unit_test(test_kver),
		cmocka_unit_test(test_fingerprint_small),
		cmocka_unit_test(test_fingerprint_errors),
		cmocka_unit_test(test_fleet_all),
		cmocka_unit_test(test_fleet_x86_facts),
		cmocka_unit_test(test_fleet_arm64_facts),
		cmocka_unit_test(test_fleet_load_time),
	};
	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
