/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kfp tool on this machine's KVM: probe, check and apply, with the
 * guest's own CPUID compared against the policy.
 *
 *   test_live usage KFP                 command-line handling (no KVM needed)
 *   test_live live KFP KFPC SOURCE_DIR  everything that needs /dev/kvm
 *
 * Without a usable /dev/kvm the live tests print "SKIP: ..." and exit 77.
 * A case this host cannot run (a feature the policy exposes is missing, or
 * KVM rewrites the CPUID table it is given so nothing can be hidden) is
 * reported as a skip that names the reason, never as a pass.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <cmocka.h>

#include "tests/support/testkit.h"

#include "compiler/catalog/catalog.h"
#include "compiler/semantics/config.h"
#include "base/ctx.h"
#include "compiler/pipeline.h"
#include "compiler/profiles/profile.h"
#include "compiler/emitters/tables.h"

static const char *kfp, *kfpc, *srcdir;
static char tmpdir[64];

#define TIME_LIMIT_S 60

/* Runs prog with args in the source directory; stdout and stderr apart. */
static struct tk_result run(const char *prog, const char *const *args)
{
	const struct tk_how how = { .dir = srcdir, .time_limit_s = TIME_LIMIT_S };
	return tk_run(&how, prog, args);
}

#define KFP(...) run(kfp, (const char *const[]){ __VA_ARGS__, NULL })
#define KFPC(...) run(kfpc, (const char *const[]){ __VA_ARGS__, NULL })

static void show(const char *what, const struct tk_result *r)
{
	printf("---- %s: exit %d\n%s%s----\n", what, r->status, r->out, r->err);
}

static char *tmp_path(const char *name)
{
	static char path[4][256];
	static unsigned next;
	char *p = path[next++ % 4];
	snprintf(p, sizeof(path[0]), "%s/%s", tmpdir, name);
	return p;
}

static void write_text(const char *path, const char *text)
{
	tk_write(path, text);
}

/* ---- usage (no KVM) --------------------------------------------------- */

static void test_usage(void **state)
{
	(void)state;
	struct tk_result r = KFP("--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: kfp COMMAND"));
	tk_result_free(&r);
	r = KFP("--version");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "kfp "));
	tk_result_free(&r);
	r = KFP("aply", "x.kfp");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "unknown command 'aply'; did you mean 'apply'?"));
	tk_result_free(&r);
	r = KFP("check");
	assert_int_equal(r.status, 2);
	tk_result_free(&r);
	r = KFP("apply", "--bogus", "x.kfp");
	assert_int_equal(r.status, 2);
	tk_result_free(&r);
	r = KFP("check", "does-not-exist.kfp");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "does-not-exist.kfp"));
	tk_result_free(&r);
	/* Policy errors come before any look at KVM. */
	const char *bad = tmp_path("bad.kfp");
	write_text(bad, "policy \"bad\" version 1;\nfleet \"f\" { arch x86_64; min_kernel 6.1; }\n"
			"x86_64 { allow no_such_feature; }\n");
	r = KFP("check", bad);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, "bad.kfp:3:16: error:"));
	tk_result_free(&r);
	/* A policy without an x86_64 fleet names its fleets. */
	r = KFP("check", "policies/examples/arm64-aes-hidden.kfp");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.err, "no x86_64 fleet"));
	assert_non_null(strstr(r.err, "\"arm\" (arm64)"));
	tk_result_free(&r);
}

/* ---- helpers for the live tests -------------------------------------- */

/* This host's profile, as `kfp probe` writes it. */
static struct kfp_host_profile *probe(void)
{
	const char *path = tmp_path("probe.yaml");
	struct tk_result r = KFP("probe", "-o", path, "--name", "this-host");
	if (r.status != 0)
		show("kfp probe", &r);
	assert_int_equal(r.status, 0);
	tk_result_free(&r);
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_host_profile *p = kfp_profile_load(&ctx, path);
	kfp_diags_print(&ctx, stderr);
	kfp_ctx_fini(&ctx);
	assert_non_null(p);
	return p;
}

/* A policy compiled in-process: for its fleets and the tables the tool
 * builds from it. */
struct compiled {
	struct kfp_ctx ctx;
	struct kfp_catalog *cat;
	struct kfp_compiled c;
};

/* The catalog, its load's diagnostics printed. */
static struct kfp_catalog *load_catalog(void)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_catalog *cat = kfp_catalog_load(&ctx, kfp_catalog_default_dir());
	kfp_diags_print(&ctx, stderr);
	kfp_ctx_fini(&ctx);
	assert_non_null(cat);
	return cat;
}

static void compile(struct compiled *c, const char *path)
{
	kfp_ctx_init(&c->ctx);
	c->cat = kfp_catalog_load(&c->ctx, kfp_catalog_default_dir());
	assert_non_null(c->cat);
	if (!kfp_compile_file(&c->ctx, path, c->cat, NULL, &c->c))
		kfp_diags_print(&c->ctx, stderr);
	assert_int_equal(c->ctx.errors, 0);
}

static void compiled_free(struct compiled *c)
{
	kfp_compiled_free(&c->c);
	kfp_catalog_free(c->cat);
	kfp_ctx_fini(&c->ctx);
}

/* Reads `"key": "0x..."` or `"key": N` after p; false if absent. */
static bool json_u32(const char *p, const char *key, uint32_t *v)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\": ", key);
	const char *k = strstr(p, pat);
	if (!k)
		return false;
	k += strlen(pat);
	if (*k == '"')
		k++;
	char *end;
	unsigned long x = strtoul(k, &end, 0);
	if (end == k)
		return false;
	*v = (uint32_t)x;
	return true;
}

/* The guest's registers for (leaf, subleaf) in the "cpuid" array. */
static bool json_guest_cpuid(const char *json, uint32_t leaf, uint32_t subleaf, uint32_t regs[4])
{
	char pat[96];
	snprintf(pat, sizeof(pat), "{\"leaf\": \"0x%08x\", \"subleaf\": \"0x%08x\", \"planned\"",
		 leaf, subleaf);
	const char *p = strstr(json, pat);
	if (!p)
		return false;
	p = strstr(p, "\"guest\": [");
	if (!p)
		return false;
	p += strlen("\"guest\": [");
	for (int i = 0; i < 4; i++) {
		while (*p == ' ' || *p == ',' || *p == '"')
			p++;
		char *end;
		regs[i] = (uint32_t)strtoul(p, &end, 16);
		if (end == p)
			return false;
		p = end;
	}
	return true;
}

/* When `kfp apply` found mismatches because KVM itself rewrote the CPUID
 * table (KVM_GET_CPUID2 is not what KVM_SET_CPUID2 was given), no policy
 * can hide those bits on this host: a limitation of the host, which the
 * test reports as a skip.  Any other mismatch is a failure. */
static bool kvm_rewrites_cpuid(const char *json)
{
	uint32_t changed = 0, mismatches = 0, registers = 0;
	if (!json_u32(json, "kvm_changed_registers", &changed) ||
	    !json_u32(json, "mismatches", &mismatches) || !changed)
		return false;
	for (const char *p = strstr(json, "\"register_mismatches\""); p && (p = strstr(p, "\"reg\": ")); p++)
		registers++;
	/* Every register mismatch is one KVM made itself. */
	return registers == changed;
}

/* The runtime itself refuses when KVM rewrites the CPUID table it was
 * given (it reads the table back before the vCPU runs): every refusal
 * `kfp apply` printed must be such a rewrite. */
static bool runtime_refused_rewrite(const char *err)
{
	unsigned refused = 0, rewrites = 0;
	for (const char *p = err; (p = strstr(p, "(refused)")); p++) {
		const char *bol = p;
		while (bol > err && bol[-1] != '\n')
			bol--;
		refused++;
		char line[512];
		size_t len = (size_t)(p - bol) < sizeof(line) - 1 ? (size_t)(p - bol) : sizeof(line) - 1;
		memcpy(line, bol, len);
		line[len] = 0;
		rewrites += strstr(line, "KVM rewrote CPUID") != NULL;
	}
	return refused && refused == rewrites;
}

/*
 * Checks a `kfp apply --json` document against the fleet: every hidden
 * feature hidden in the guest, every exposed one present, the guest's
 * CPUID.(0xD,0) EAX equal to the policy's XCR0 (low half) and the host's.
 */
static void check_apply_json(const char *json, const struct kfp_config *cfg,
			     const struct kfp_host_profile *host)
{
	unsigned nfeatures = 0, nchecked = 0;
	for (const char *p = strstr(json, "{\"name\": "); p; p = strstr(p + 1, "{\"name\": ")) {
		const char *eol = strchr(p, '\n');
		char line[512];
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, p, len);
		line[len] = 0;
		nfeatures++;
		uint32_t policy, guest;
		assert_true(json_u32(line, "policy", &policy));
		if (!strstr(line, "\"kind\": \"cpuid\"") && !strstr(line, "\"kind\": \"kvm-pv\"") &&
		    !strstr(line, "\"kind\": \"xsave"))
			continue;
		if (!json_u32(line, "guest", &guest)) {
			fprintf(stderr, "no guest value: %s\n", line);
			fail();
		}
		if (policy != guest) {
			fprintf(stderr, "the guest does not see what the policy says: %s\n", line);
			fail();
		}
		nchecked++;
	}
	assert_int_equal(nfeatures, cfg->nfeatures);
	assert_true(nchecked > 0);

	uint32_t regs[4];
	assert_true(json_guest_cpuid(json, 0xd, 0, regs));
	assert_int_equal(regs[0], (uint32_t)(cfg->x86->xcr0 & host->xcr0));
	uint32_t mismatches = 1;
	assert_true(json_u32(json, "mismatches", &mismatches));
	assert_int_equal(mismatches, 0);
}

enum outcome { RAN, SKIPPED };

/*
 * `kfp check` then `kfp apply --json` for one fleet of a policy.  A fleet
 * this host cannot run is a documented skip: `check` names what is
 * missing.
 */
static enum outcome apply_fleet(const char *policy, const char *fleet,
				const struct kfp_host_profile *host)
{
	struct tk_result r = KFP("check", policy, "--fleet", fleet);
	if (r.status == 1 && strstr(r.err, "this host cannot run fleet")) {
		printf("SKIP: %s fleet \"%s\": this host's KVM lacks what the policy exposes:\n%s",
		       policy, fleet, r.err);
		tk_result_free(&r);
		return SKIPPED;
	}
	if (r.status != 0)
		show("kfp check", &r);
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "OK: this host can run fleet"));
	tk_result_free(&r);

	r = KFP("apply", policy, "--fleet", fleet, "--json");
	if (r.status == 1 && (kvm_rewrites_cpuid(r.out) || runtime_refused_rewrite(r.err))) {
		printf("SKIP: %s fleet \"%s\": this host's KVM changes the CPUID table a VMM gives it (KVM_GET_CPUID2 differs from what KVM_SET_CPUID2 was given), so no policy can hide those bits here; `kfp apply %s` lists them\n",
		       policy, fleet, policy);
		tk_result_free(&r);
		return SKIPPED;
	}
	if (r.status != 0)
		show("kfp apply --json", &r);
	assert_int_equal(r.status, 0);

	struct compiled c;
	compile(&c, policy);
	const struct kfp_fleet *fl = kfp_policy_fleet(c.c.pol, fleet);
	assert_non_null(fl);
	struct kfp_config *cfg = kfp_build_config(c.c.pol, fl);
	check_apply_json(r.out, cfg, host);
	kfp_config_free(cfg);
	compiled_free(&c);
	tk_result_free(&r);
	printf("ok: %s fleet \"%s\": the guest sees what the policy says\n", policy, fleet);
	return RAN;
}

/* ---- live tests ------------------------------------------------------- */

/* The profile loads back and writes out byte for byte; probing twice gives
 * the same profile; kfpc accepts it for a policy. */
static void test_probe_round_trip(void **state)
{
	(void)state;
	struct kfp_host_profile *p = probe();
	char *file = tk_slurp(tmp_path("probe.yaml"), NULL);
	assert_non_null(file);
	char *again = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&again, &len);
	assert_int_equal(kfp_profile_write(p, mem), 0);
	fclose(mem);
	assert_string_equal(again, file);
	assert_int_equal(p->arch, KFP_ARCH_X86_64);
	assert_string_equal(p->name, "this-host");
	assert_true(p->ncpuid > 0);
	assert_non_null(kfp_profile_cpuid(p, 0, 0));
	free(again);

	/* Deterministic: no field depends on the CPU probe ran on. */
	struct tk_result r = KFP("probe", "--name", "this-host");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, file);
	tk_result_free(&r);
	free(file);
	kfp_profile_free(p);

	char *hosts = tmp_path("hosts");
	assert_int_equal(mkdir(hosts, 0700) == 0 || errno == EEXIST, 1);
	char *dst = tmp_path("hosts/this-host.yaml");
	assert_int_equal(rename(tmp_path("probe.yaml"), dst), 0);
	r = KFPC("check", "--hosts", tmp_path("hosts"), "policies/examples/minimal-x86.kfp");
	if (r.status != 0)
		show("kfpc check --hosts", &r);
	assert_int_equal(r.status, 0);
	tk_result_free(&r);
}

/* The first catalogued CPUID feature, needing no other, that min_kernel 6.1
 * may expose and that this host's KVM does not offer. */
static const struct kfp_cat_cpuid *lacking_feature(const struct kfp_catalog *cat,
						   const struct kfp_host_profile *host)
{
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *f = &cat->cpuid[i];
		if (f->c.exposed_since > KFP_KV(6, 1) || f->requires[0] || f->requires_xsave[0])
			continue;
		const struct kfp_cpuid_entry *e = kfp_profile_cpuid(host, f->leaf, f->subleaf);
		uint32_t regs[4] = { 0 };
		if (e)
			memcpy(regs, (uint32_t[4]){ e->eax, e->ebx, e->ecx, e->edx }, sizeof(regs));
		if (!(regs[f->reg] >> f->bit & 1))
			return f;
	}
	return NULL;
}

/* A policy that requires what this host lacks fails before anything is
 * written, naming the feature and its line; apply runs no guest. */
static void test_lacking_feature_refused(void **state)
{
	(void)state;
	struct kfp_host_profile *host = probe();
	struct kfp_catalog *cat = load_catalog();
	const struct kfp_cat_cpuid *f = lacking_feature(cat, host);
	if (!f) {
		printf("SKIP: this host's KVM offers every catalogued CPUID feature\n");
		kfp_catalog_free(cat);
		kfp_profile_free(host);
		skip();
	}
	printf("this host lacks '%s' (CPUID 0x%x.%u %s bit %u)\n", f->c.name, f->leaf,
	       f->subleaf, kfp_cpuid_reg_name(f->reg), f->bit);
	char text[512];
	snprintf(text, sizeof(text),
		 "policy \"lacking\" version 1;\n"
		 "\n"
		 "fleet \"local\" {\n"
		 "    arch x86_64;\n"
		 "    min_kernel 6.1;\n"
		 "}\n"
		 "\n"
		 "x86_64 {\n"
		 "    allow fpu;\n"
		 "    require %s;\n"
		 "    unknown deny;\n"
		 "}\n",
		 f->c.name);
	const char *policy = tmp_path("lacking.kfp");
	write_text(policy, text);
	char where[384];
	snprintf(where, sizeof(where), "%s:10:13: %s:", policy, f->c.name);

	struct tk_result r = KFP("check", policy);
	if (r.status != 1 || !strstr(r.err, where))
		show("kfp check", &r);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, where));
	assert_null(strstr(r.out, "OK:"));
	tk_result_free(&r);

	r = KFP("apply", policy);
	if (r.status != 1 || !strstr(r.err, where))
		show("kfp apply", &r);
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.err, where));
	assert_null(strstr(r.out, "FEATURE")); /* no guest ran */
	tk_result_free(&r);
	kfp_catalog_free(cat);
	kfp_profile_free(host);
}

static bool offered(const struct kfp_host_profile *host, uint32_t leaf, uint32_t subleaf,
		    unsigned reg, unsigned bit)
{
	const struct kfp_cpuid_entry *e = kfp_profile_cpuid(host, leaf, subleaf);
	if (!e)
		return false;
	const uint32_t regs[4] = { e->eax, e->ebx, e->ecx, e->edx };
	return regs[reg] >> bit & 1;
}

static bool all_in(const struct kfp_cat_cpuid *const *req, const bool *in,
		   const struct kfp_catalog *cat)
{
	for (; *req; req++)
		if (!in[*req - cat->cpuid])
			return false;
	return true;
}

/*
 * A policy exposing everything this host offers that a 6.1 fleet may
 * expose (CPUID features whose dependencies are exposed too, KVM
 * paravirtual features, xsave components): `check` must accept it, and
 * the guest must see exactly it.  This exercises apply on any host, even
 * one that lacks part of the x86-64-v2 baseline.
 */
static void test_host_subset(void **state)
{
	(void)state;
	struct kfp_host_profile *host = probe();
	struct kfp_catalog *cat = load_catalog();
	bool *in = calloc(cat->ncpuid + 1, sizeof(bool));
	for (bool grew = true; grew;) {
		grew = false;
		for (size_t i = 0; i < cat->ncpuid; i++) {
			const struct kfp_cat_cpuid *f = &cat->cpuid[i];
			if (in[i] || f->c.exposed_since > KFP_KV(6, 1) || f->requires_xsave[0] ||
			    !offered(host, f->leaf, f->subleaf, f->reg, f->bit) ||
			    !all_in(f->requires, in, cat))
				continue;
			in[i] = grew = true;
		}
	}
	size_t cap = 1 << 16, n = 0;
	char *text = malloc(cap);
	n += (size_t)snprintf(text + n, cap - n,
			      "policy \"host-subset\" version 1;\n\n"
			      "fleet \"local\" {\n    arch x86_64;\n    min_kernel 6.1;\n}\n\n"
			      "x86_64 {\n");
	for (size_t i = 0; i < cat->ncpuid; i++)
		if (in[i])
			n += (size_t)snprintf(text + n, cap - n, "    allow %s;\n", cat->cpuid[i].c.name);
	for (size_t i = 0; i < cat->nkvm; i++)
		if (cat->kvm[i].c.exposed_since <= KFP_KV(6, 1) &&
		    offered(host, 0x40000001, 0, 0, cat->kvm[i].bit))
			n += (size_t)snprintf(text + n, cap - n, "    kvm allow %s;\n",
					      cat->kvm[i].c.name);
	for (size_t i = 0; i < cat->nxsave; i++) {
		const struct kfp_cat_xsave *x = &cat->xsave[i];
		uint64_t have = x->xss ? host->xss : host->xcr0;
		if (x->kvm_supported && x->c.exposed_since <= KFP_KV(6, 1) &&
		    (have >> x->bit & 1) && all_in(x->requires, in, cat))
			n += (size_t)snprintf(text + n, cap - n, "    xsave allow %s;\n", x->c.name);
	}
	snprintf(text + n, cap - n, "    unknown deny;\n}\n");
	const char *policy = tmp_path("host-subset.kfp");
	write_text(policy, text);
	free(text);
	free(in);
	kfp_catalog_free(cat);
	enum outcome o = apply_fleet(policy, "local", host);
	kfp_profile_free(host);
	if (o == SKIPPED)
		skip();
}

static void test_minimal_x86(void **state)
{
	(void)state;
	struct kfp_host_profile *host = probe();
	enum outcome o = apply_fleet("policies/examples/minimal-x86.kfp", "local", host);
	kfp_profile_free(host);
	if (o == SKIPPED)
		skip();
}

/* Every example policy's x86_64 fleets: applied where this host can run
 * them, a named skip where it cannot. */
static void test_examples(void **state)
{
	(void)state;
	struct kfp_host_profile *host = probe();
	char dir[1024];
	snprintf(dir, sizeof(dir), "%s/policies/examples", srcdir);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	unsigned ran = 0, skipped = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".kfp") != 0)
			continue;
		char policy[1024];
		snprintf(policy, sizeof(policy), "policies/examples/%s", e->d_name);
		struct compiled c;
		compile(&c, policy);
		for (size_t i = 0; i < c.c.pol->nfleets; i++) {
			if (c.c.pol->fleets[i].arch != KFP_ARCH_X86_64)
				continue;
			if (apply_fleet(policy, c.c.pol->fleets[i].name, host) == RAN)
				ran++;
			else
				skipped++;
		}
		compiled_free(&c);
	}
	closedir(d);
	kfp_profile_free(host);
	printf("example x86_64 fleets: %u applied, %u skipped\n", ran, skipped);
	assert_true(ran + skipped > 0);
	if (!ran)
		skip();
}

/* ---- setup ------------------------------------------------------------ */

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/kfp-live-XXXXXX");
	return tk_mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("KFP_TEST_KEEP")) { /* for a look at the generated policies */
		printf("kept %s\n", tmpdir);
		return 0;
	}
	return tk_rmtree(tmpdir) ? 0 : -1;
}

/* NULL if this machine can run the live tests, else why not. */
static const char *kvm_unusable(char *buf, size_t size)
{
#if !defined(__x86_64__)
	snprintf(buf, size, "the live tests are x86_64 only");
	return buf;
#endif
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(buf, size, "%s", strerror(errno));
		return buf;
	}
	const char *why = NULL;
	int vm = -1;
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		why = "unexpected KVM API version";
	} else if ((vm = ioctl(fd, KVM_CREATE_VM, 0UL)) < 0) {
		snprintf(buf, size, "KVM_CREATE_VM: %s", strerror(errno));
		why = buf;
	}
	if (vm >= 0)
		close(vm);
	close(fd);
	return why;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "usage")) {
		kfp = realpath(argv[2], NULL);
		srcdir = argc >= 4 ? argv[3] : ".";
		if (!kfp) {
			fprintf(stderr, "test_live: %s: %s\n", argv[2], strerror(errno));
			return 2;
		}
		const struct CMUnitTest tests[] = { cmocka_unit_test(test_usage) };
		return cmocka_run_group_tests(tests, setup, teardown);
	}
	if (argc != 5 || strcmp(argv[1], "live")) {
		fprintf(stderr, "usage: test_live usage KFP SOURCE_DIR\n"
				"       test_live live KFP KFPC SOURCE_DIR\n");
		return 2;
	}
	/* Absolute: the commands run in the source directory. */
	kfp = realpath(argv[2], NULL);
	kfpc = realpath(argv[3], NULL);
	srcdir = argv[4];
	if (!kfp || !kfpc) {
		fprintf(stderr, "test_live: %s: %s\n", kfp ? argv[3] : argv[2], strerror(errno));
		return 2;
	}
	char why[160];
	if (kvm_unusable(why, sizeof(why))) {
		printf("SKIP: /dev/kvm is not available (%s)\n", why);
		return 77;
	}
	/* The catalog of this source tree, wherever the test runs from. */
	char catalog[1024];
	snprintf(catalog, sizeof(catalog), "%s/compiler/catalog", srcdir);
	setenv("KFP_CATALOG", catalog, 0);
	if (chdir(srcdir) != 0) {
		perror(srcdir);
		return 2;
	}
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_round_trip),
		cmocka_unit_test(test_lacking_feature_refused),
		cmocka_unit_test(test_host_subset),
		cmocka_unit_test(test_minimal_x86),
		cmocka_unit_test(test_examples),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
