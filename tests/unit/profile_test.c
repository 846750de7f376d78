/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host profile tests' shared helpers (profile_test.h): the readers,
 * the writer into a string, and the round trip with its field-by-field
 * comparison.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/ctx.h"
#include "base/util.h"
#include "compiler/importers/fingerprint.h"
#include "compiler/profiles/profile.h"
#include "profile_test.h"

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

struct kfp_host_profile *profile_parse(const char *name, const char *data, size_t len,
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

struct kfp_host_profile *profile_load(const char *path, char **err)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_host_profile *p = kfp_profile_load(&ctx, path);
	*err = take_error(&ctx, p);
	return p;
}

struct kfp_host_profile *fingerprint_load(const char *path, const char *name,
					  char **err)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_host_profile *p = kfp_profile_from_fingerprint(&ctx, path, name);
	*err = take_error(&ctx, p);
	return p;
}

struct kfp_host_profile *parse_str(const char *text, char **err)
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

char *write_str(const struct kfp_host_profile *p)
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
void assert_round_trip(const struct kfp_host_profile *p)
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
