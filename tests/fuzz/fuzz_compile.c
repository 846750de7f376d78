/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the whole compiler through its one entry point,
 * kfp_compile_buffer() (compiler/pipeline.h): load, structure checks and
 * semantic analysis against the catalog and a test host profile
 * (tests/data/profiles, as `kfpc --hosts` gives it: the x86_64 one if the
 * input names x86_64, else the arm64 one), then, for a policy that
 * compiles, the runtime tables and the C tables of every fleet.
 *
 * The harness reads no file the input names: an input that says
 * `include` is skipped (fuzz_parse covers the grammar of includes, and an
 * include of /dev/stdin would block), and the hosts directory stands in
 * for every `hosts` glob.
 *
 * Property, anything else aborts: a compilation that queues no error
 * leaves a policy, and every fleet of it builds its tables.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/catalog/catalog.h"
#include "compiler/emitters/emit.h"
#include "compiler/emitters/tables.h"
#include "compiler/pipeline.h"

/* Loaded once: the catalog is not what this harness fuzzes, and the
 * profile cache parses each host profile once for the whole run. */
static struct kfp_catalog *cat;
static struct kfp_profile_cache *cache;
static FILE *null;

static void setup(void)
{
	struct kfp_ctx ctx;

	kfp_ctx_init(&ctx);
	cat = kfp_catalog_load(&ctx, kfp_catalog_default_dir());
	kfp_diags_print(&ctx, stderr);
	kfp_ctx_fini(&ctx);
	null = fopen("/dev/null", "w");
	if (!cat || !null) {
		fprintf(stderr, "fuzz_compile: %s\n", cat ? "cannot open /dev/null" : "no catalog");
		abort();
	}
	cache = kfp_profile_cache_new();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (memmem(data, size, "include", 7))
		return 0;
	if (!cat)
		setup();
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	const char *hosts = memmem(data, size, "x86_64", 6) ? KFP_FUZZ_HOSTS "x86_64"
							     : KFP_FUZZ_HOSTS "arm64";
	struct kfp_compile_opts opts = { .hosts_dir = hosts, .cache = cache };
	struct kfp_compiled c;
	if (kfp_compile_buffer(&ctx, "fuzz.kfp", (const char *)data, size, cat, &opts, &c)) {
		if (!c.pol) {
			fputs("fuzz_compile: no error queued, but no policy\n", stderr);
			abort();
		}
		for (size_t i = 0; i < c.pol->nfleets; i++)
			kfp_config_free(kfp_build_config(c.pol, &c.pol->fleets[i]));
		kfp_emit_c(c.pol, "fuzz.h", null, null);
	}
	kfp_diags_print(&ctx, null);
	kfp_compiled_free(&c);
	kfp_ctx_fini(&ctx);
	return 0;
}
