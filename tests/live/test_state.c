/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `kfp verify-state` (no KVM needed): a state saved under a fleet passes;
 * one that carries a hidden feature, an xsave component the fleet does not
 * allow, or another policy's identity is refused with a named reason.
 *
 *   test_state KFP SOURCE_DIR
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/testkit.h"

#include "compiler/catalog/catalog.h"
#include "compiler/semantics/config.h"
#include "compiler/pipeline.h"
#include "tools/kfp/state.h"
#include "compiler/emitters/tables.h"

static const char *kfp, *srcdir;
static char tmpdir[64];

static const char policy_text[] =
	"policy \"mig\" version 1;\n"
	"fleet \"f\" { arch x86_64; min_kernel 6.1; }\n"
	"x86_64 {\n"
	"    allow fpu fxsr sse sse2 xsave avx;\n"
	"    xsave allow x87 sse avx;\n"
	"}\n";

/* Writes a state that matches the fleet: its feature registers exactly,
 * passthrough leaves as a host would fill them, x87|SSE|AVX in the xsave
 * header.  `tweak` changes it before writing. */
static void write_state(const char *path, void (*tweak)(struct kvm_cpuid2 *, uint8_t *id,
							 uint64_t *xstate_bv))
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_catalog *cat = kfp_catalog_load(&ctx, kfp_catalog_default_dir());
	assert_non_null(cat);
	struct kfp_compiled c;
	assert_true(kfp_compile_buffer(&ctx, "mig.kfp", policy_text, strlen(policy_text), cat,
				       NULL, &c));
	const struct kfp_policy *pol = c.pol;
	struct kfp_config *cfg = kfp_build_config(pol, &pol->fleets[0]);

	struct kvm_cpuid2 *t = calloc(1, sizeof(*t) + KFP_MAX_CPUID_ENTRIES * sizeof(t->entries[0]));
	for (uint32_t i = 0; i < cfg->x86->ncpuid; i++) {
		const struct kfp_cpuid_row *r = &cfg->x86->cpuid[i];
		if (r->mode != KFP_CPUID_MASK)
			continue;
		struct kvm_cpuid_entry2 *e = NULL;
		for (uint32_t k = 0; k < t->nent; k++)
			if (t->entries[k].function == r->leaf && t->entries[k].index == r->subleaf)
				e = &t->entries[k];
		if (!e) {
			e = &t->entries[t->nent++];
			e->function = r->leaf;
			e->index = r->subleaf;
		}
		uint32_t *regs[4] = { &e->eax, &e->ebx, &e->ecx, &e->edx };
		*regs[r->reg] = r->expose;
	}
	/* Leaf 0xD as a host with x87|SSE|AVX would report it. */
	struct kvm_cpuid_entry2 *d = &t->entries[t->nent++];
	d->function = 0xd;
	d->eax = (uint32_t)cfg->x86->xcr0;
	uint8_t id[16];
	memcpy(id, cfg->id, 16);
	uint64_t xstate_bv = 0x7;
	if (tweak)
		tweak(t, id, &xstate_bv);
	struct kvm_msrs msrs = { 0 };
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	state_write(f, id, t, &msrs, xstate_bv, 0);
	fclose(f);
	free(t);
	kfp_config_free(cfg);
	kfp_compiled_free(&c);
	kfp_catalog_free(cat);
	kfp_ctx_fini(&ctx);
}

/* kfp verify-state mig.kfp STATE in the scratch directory; stdout and
 * stderr together. */
static struct tk_result verify(const char *state)
{
	const struct tk_how how = { .dir = tmpdir, .merge_err = true };
	return tk_run(&how, kfp, (const char *const[]){ "verify-state", "mig.kfp", state, NULL });
}

static void tweak_avx2(struct kvm_cpuid2 *t, uint8_t *id, uint64_t *bv)
{
	(void)id;
	(void)bv;
	for (uint32_t i = 0; i < t->nent; i++)
		if (t->entries[i].function == 0x7 && t->entries[i].index == 0)
			t->entries[i].ebx |= 1u << 5;
}

static void tweak_avx512_state(struct kvm_cpuid2 *t, uint8_t *id, uint64_t *bv)
{
	(void)t;
	(void)id;
	*bv |= 1u << 5; /* opmask state */
}

static void tweak_identity(struct kvm_cpuid2 *t, uint8_t *id, uint64_t *bv)
{
	(void)t;
	(void)bv;
	id[15] ^= 0xff;
}

static void test_matching_state(void **state)
{
	(void)state;
	write_state("/dev/null", NULL); /* the catalog and policy work */
	char path[128];
	snprintf(path, sizeof(path), "%s/ok.state", tmpdir);
	write_state(path, NULL);
	struct tk_result r = verify("ok.state");
	if (r.status != 0)
		fail_msg("verify-state refused a matching state:\n%s", r.out);
	assert_non_null(strstr(r.out, "OK: ok.state fits fleet \"f\" of policy \"mig\""));
	tk_result_free(&r);
}

static void expect_refusal(const char *name, void (*tweak)(struct kvm_cpuid2 *, uint8_t *, uint64_t *),
			   const char *want)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	write_state(path, tweak);
	struct tk_result r = verify(name);
	if (r.status != 1 || !strstr(r.out, want))
		fail_msg("%s: exit %d, expected 1 and \"%s\" in:\n%s", name, r.status, want, r.out);
	assert_non_null(strstr(r.out, "may not be loaded under fleet \"f\""));
	tk_result_free(&r);
}

static void test_refusals(void **state)
{
	(void)state;
	expect_refusal("avx2.state", tweak_avx2,
		       "avx2: the state exposes CPUID 0x7.0 EBX bit 5, which fleet \"f\" hides");
	expect_refusal("opmask.state", tweak_avx512_state,
		       "opmask: the state's xsave header (XSTATE_BV) carries xsave component 5");
	expect_refusal("identity.state", tweak_identity,
		       "policy identity: the state was saved under another configuration");
}

static void test_bad_state_file(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/bad.state", tmpdir);
	FILE *f = fopen(path, "w");
	fputs("kfp-x86-state 1\ncpuid 0x1 0x0\n", f);
	fclose(f);
	struct tk_result r = verify("bad.state");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.out, "bad.state:2: cpuid needs function, index, flags"));
	tk_result_free(&r);
}

/* The lines restore-state needs (XCRs, the xsave buffer) read back as
 * written; a chunk outside xsave-size is an error. */
static void test_load_lines_round_trip(void **state)
{
	(void)state;
	char path[128];
	snprintf(path, sizeof(path), "%s/load.state", tmpdir);
	static uint8_t area[4096];
	memset(area, 0, sizeof(area));
	area[0] = 0x7f;                  /* FCW */
	area[512] = 0x07;                /* XSTATE_BV: x87 | SSE | AVX */
	area[576 + 31] = 0xa5;           /* an AVX upper half's last byte */
	struct kvm_xcrs xcrs = { .nr_xcrs = 1 };
	xcrs.xcrs[0].xcr = 0;
	xcrs.xcrs[0].value = 0x7;
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("kfp-x86-state 1\nxsave 0x7 0x0\n", f);
	state_write_load(f, &xcrs, area, sizeof(area));
	fclose(f);

	static struct state_file st;
	char err[256];
	assert_int_equal(state_read(path, &st, err, sizeof(err)), 0);
	assert_int_equal(st.nxcrs, 1);
	assert_int_equal(st.xcrs[0].value, 0x7);
	assert_int_equal(st.xsave_size, 4096);
	assert_memory_equal(st.xsave, area, sizeof(area));
	assert_int_equal(state_view(&st).xsave_size, 4096);

	f = fopen(path, "w");
	fputs("kfp-x86-state 1\nxsave-size 0x240\nxsave-data 0x240 00\n", f);
	fclose(f);
	assert_int_equal(state_read(path, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "load.state:3: xsave-data needs"));
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/kfp-state-XXXXXX");
	if (!tk_mkdtemp(tmpdir))
		return -1;
	char path[128];
	snprintf(path, sizeof(path), "%s/mig.kfp", tmpdir);
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	fputs(policy_text, f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	return tk_rmtree(tmpdir) ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_state KFP SOURCE_DIR\n");
		return 2;
	}
	kfp = argv[1];
	srcdir = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matching_state),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_bad_state_file),
		cmocka_unit_test(test_load_lines_round_trip),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
