/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the host profile readers.  Every input goes to kfp_profile_parse;
 * an input that looks like JSON also goes to the fingerprint importer
 * (through a memfd, which needs no file system).  Whatever either accepts
 * must survive the round trip: write -> parse gives the same profile, and
 * writing that again gives the same bytes.  Anything else aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "base/ctx.h"
#include "compiler/importers/fingerprint.h"
#include "compiler/profiles/profile.h"

static void die(const char *what, const char *text)
{
	fprintf(stderr, "profile round trip broken: %s\n%s", what, text ? text : "");
	abort();
}

static bool regs_equal(const struct kfp_reg_value *a, size_t na,
		       const struct kfp_reg_value *b, size_t nb)
{
	return na == nb && (!na || memcmp(a, b, na * sizeof(*a)) == 0);
}

static bool cpuid_equal(const struct kfp_host_profile *a,
			const struct kfp_host_profile *b)
{
	if (a->ncpuid != b->ncpuid)
		return false;
	for (size_t i = 0; i < a->ncpuid; i++) {
		const struct kfp_cpuid_entry *x = &a->cpuid[i], *y = &b->cpuid[i];
		if (x->function != y->function || x->index != y->index ||
		    x->flags != y->flags || x->eax != y->eax || x->ebx != y->ebx ||
		    x->ecx != y->ecx || x->edx != y->edx)
			return false;
	}
	return true;
}

/* Field for field, except the path. */
static bool profiles_equal(const struct kfp_host_profile *a,
			   const struct kfp_host_profile *b)
{
	return strcmp(a->name, b->name) == 0 && a->arch == b->arch &&
	       strcmp(a->kernel_release, b->kernel_release) == 0 &&
	       a->kernel.major == b->kernel.major &&
	       a->kernel.minor == b->kernel.minor &&
	       a->kernel.patch == b->kernel.patch &&
	       a->kernel.parts == b->kernel.parts &&
	       regs_equal(a->caps, a->ncaps, b->caps, b->ncaps) &&
	       cpuid_equal(a, b) &&
	       regs_equal(a->msrs, a->nmsrs, b->msrs, b->nmsrs) &&
	       a->xsave_size == b->xsave_size && a->xcr0 == b->xcr0 &&
	       a->xss == b->xss && a->nreg_list == b->nreg_list &&
	       (!a->nreg_list || memcmp(a->reg_list, b->reg_list,
					a->nreg_list * sizeof(*a->reg_list)) == 0) &&
	       regs_equal(a->id_regs, a->nid_regs, b->id_regs, b->nid_regs) &&
	       a->has_writable_masks == b->has_writable_masks &&
	       regs_equal(a->writable_masks, a->nwritable_masks,
			  b->writable_masks, b->nwritable_masks) &&
	       regs_equal(a->fw_regs, a->nfw_regs, b->fw_regs, b->nfw_regs) &&
	       a->vcpu_features == b->vcpu_features;
}

static char *write_mem(const struct kfp_host_profile *p, size_t *len)
{
	char *out = NULL;
	FILE *mem = open_memstream(&out, len);
	if (!mem)
		abort();
	int r = kfp_profile_write(p, mem);
	fclose(mem);
	if (r != 0)
		die("an accepted profile cannot be written", NULL);
	return out;
}

static void check_round_trip(const struct kfp_host_profile *p)
{
	size_t len, len2;
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	char *once = write_mem(p, &len);
	struct kfp_host_profile *q = kfp_profile_parse(&ctx, "written.yaml", once, len);
	if (!q)
		die(ctx.ndiags ? ctx.diags[0].msg : "no error", once);
	kfp_ctx_fini(&ctx);
	if (!profiles_equal(p, q))
		die("write -> parse changed the profile", once);
	char *twice = write_mem(q, &len2);
	if (len != len2 || memcmp(once, twice, len) != 0)
		die("writing is not deterministic", twice);
	kfp_profile_free(q);
	free(once);
	free(twice);
}

static void fuzz_fingerprint(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = memfd_create("fingerprint.json", 0);
	if (fd < 0)
		return;
	if (write(fd, data, size) == (ssize_t)size) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		struct kfp_ctx ctx;
		kfp_ctx_init(&ctx);
		struct kfp_host_profile *p = kfp_profile_from_fingerprint(&ctx, path, NULL);
		if (p)
			check_round_trip(p);
		else if (ctx.errors != 1)
			die("a refused fingerprint without exactly one error", NULL);
		kfp_profile_free(p);
		kfp_ctx_fini(&ctx);
	}
	close(fd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_host_profile *p = kfp_profile_parse(&ctx, "fuzz.yaml", (const char *)data, size);
	if (p)
		check_round_trip(p);
	else if (ctx.errors != 1 || !ctx.diags[0].has_loc ||
		 strcmp(ctx.diags[0].loc.src->path, "fuzz.yaml") != 0)
		die("an error without a position in the file", ctx.ndiags ? ctx.diags[0].msg : NULL);
	kfp_profile_free(p);
	kfp_ctx_fini(&ctx);

	if (size && data[0] == '{')
		fuzz_fingerprint(data, size);
	return 0;
}
