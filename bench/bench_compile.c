/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_compile: how long kfpc takes to compile a policy against a fleet of
 * N host profiles, N = 10 .. 10,000.  A benchmark that prints figures, not a
 * test: it fails only if the policy does not compile or the data is wrong.
 *
 * The hosts are made from the real Firecracker fingerprints (Cascade Lake
 * 5.10/6.1/6.18, Ice Lake 6.1, Milan 6.1), imported with
 * kfp_profile_from_fingerprint and mutated in bits the policy does not look
 * at (CPUID leaf 0x6 EAX above bit 2; bit 2 is arat, which the policy
 * allows), then written as YAML with kfp_profile_write.  Two scenarios:
 *
 *   distinct  every profile differs from every other one (not only in its
 *             name): N hardware+kernel classes, N profiles to parse.
 *   classes   the hosts fall into 20 identical classes (20 mutated
 *             profiles, copied with only `name:` differing): the compiler
 *             should hash every file but parse only 20.
 *
 * What is timed, per run: kfp_compile_file (load, structure, sema) with
 * a fresh kfp_profile_cache (so reading, hashing, deduplicating and parsing
 * every profile is measured), as kfpc check does.  The catalog is loaded
 * once, outside the timing; freeing the result is not timed either.  Each
 * figure is the median of --reps runs (default 3).  The profile files are
 * written before the runs (their generation time is printed separately) and
 * are in the page cache when they are read.
 *
 * Usage: bench_compile [--sizes 10,100,1000,10000] [--reps 3]
 *                      [--scenario distinct|classes] [--keep] [FLEET_DATA_DIR]
 * Exit status: 0 done, 1 the compile failed or the fleet data is missing,
 * 2 usage or I/O error.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "compiler/catalog/catalog.h"
#include "compiler/semantics/config.h"
#include "base/ctx.h"
#include "compiler/importers/fingerprint.h"
#include "compiler/profiles/profile.h"
#include "compiler/pipeline.h"

#ifndef KFP_FLEET_DATA_DIR
#define KFP_FLEET_DATA_DIR "tests/data/firecracker"
#endif

#define NCLASSES 20     /* the "classes" scenario */
#define MAX_SIZES 16
#define MAX_REPS 99

/* The goals from the issue. */
#define GOAL_DISTINCT_HOSTS 10000
#define GOAL_DISTINCT_MS 2000.0
#define GOAL_CLASSES_US_PER_HOST 20.0 /* virsh cpu-baseline: 0.2 s / 10,000 */

static const char *const fingerprints[] = {
	"fingerprint_INTEL_CASCADELAKE_5.10host.json",
	"fingerprint_INTEL_CASCADELAKE_6.1host.json",
	"fingerprint_INTEL_CASCADELAKE_6.18host.json",
	"fingerprint_INTEL_ICELAKE_6.1host.json",
	"fingerprint_AMD_MILAN_6.1host.json",
};
#define NBASES (sizeof(fingerprints) / sizeof(fingerprints[0]))

/* A realistic x86_64 policy: one fleet over every profile, a Cascade
 * Lake-class baseline over Intel and AMD hosts (so it says 'vendors intel
 * amd').  Hosts without some features (Milan has no AVX-512) make the
 * compiler drop them: warnings-free, no errors. */
static const char policy_text[] =
	"# bench_compile: a Cascade Lake-class baseline for a mixed x86_64 fleet.\n"
	"policy \"bench-x86\" version 1;\n"
	"\n"
	"fleet \"bench\" {\n"
	"    arch x86_64;\n"
	"    min_kernel 5.10;\n"
	"    hosts \"hosts/*.yaml\";\n"
	"    vendors intel amd;\n"
	"}\n"
	"\n"
	"group avx512-core { avx512f avx512cd avx512bw avx512dq avx512vl }\n"
	"\n"
	"x86_64 {\n"
	"    allow fpu pse tsc msr pae cx8 apic sep pge cmov pat clflush mmx fxsr;\n"
	"    allow sse sse2 pni ssse3 sse4.1 sse4.2 syscall nx lm pdpe1gb rdtscp;\n"
	"    allow cx16 lahf_lm popcnt abm movbe x2apic arat;\n"
	"    allow pclmulqdq aes avx avx2 fma f16c bmi1 bmi2 adx rdrand rdseed;\n"
	"    allow xsave xsaveopt xsavec fsgsbase smep smap erms invpcid;\n"
	"    allow clflushopt clwb hypervisor;\n"
	"    allow @avx512-core avx512vnni;\n"
	"    allow spec-ctrl stibp ssbd md-clear arch-capabilities;\n"
	"    deny hle rtm;\n"
	"    xsave allow x87 sse avx opmask zmm_hi256 hi16_zmm;\n"
	"    kvm allow kvmclock kvmclock2 steal_time pv_eoi pv_unhalt;\n"
	"    vmx deny;\n"
	"    msr IA32_ARCH_CAPABILITIES {\n"
	"        allow rdcl_no ibrs_all skip_l1dfl_vmentry mds_no;\n"
	"    }\n"
	"    unknown deny;\n"
	"}\n";

enum scenario { SC_DISTINCT, SC_CLASSES, SC_COUNT };
static const char *const scenario_names[SC_COUNT] = { "distinct", "classes" };

struct result {
	bool done;
	size_t hosts, classes;
	double runs[MAX_REPS];
	double median_ms;
	double gen_ms;
	size_t gen_bytes;
};

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(const double *v, unsigned n)
{
	double s[MAX_REPS];
	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = NULL;
	if (vasprintf(&s, fmt, ap) < 0) {
		perror("bench_compile: vasprintf");
		exit(2);
	}
	va_end(ap);
	return s;
}

/* Removes DIR/hosts/ * and DIR/fleet.kfp, then the directories. */
static void remove_tree(const char *dir)
{
	char *hosts = xasprintf("%s/hosts", dir);
	DIR *d = opendir(hosts);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char *p = xasprintf("%s/%s", hosts, e->d_name);
			unlink(p);
			free(p);
		}
		closedir(d);
	}
	rmdir(hosts);
	free(hosts);
	char *pol = xasprintf("%s/fleet.kfp", dir);
	unlink(pol);
	free(pol);
	rmdir(dir);
}

/* The index of CPUID leaf 0x6 subleaf 0 in a profile. */
static size_t leaf6_index(const struct kfp_host_profile *p)
{
	for (size_t i = 0; i < p->ncpuid; i++)
		if (p->cpuid[i].function == 6 && p->cpuid[i].index == 0)
			return i;
	return SIZE_MAX;
}

/* Writes base with another name and mutation m (>= 1): CPUID.6:EAX keeps
 * bits 0-2 (bit 2 is arat) and gets m in bits 3-31, bits that no catalog
 * entry names.  Distinct m, distinct bytes. */
static int write_host(struct kfp_host_profile *base, size_t leaf6, uint32_t m,
		      const char *name, const char *path, size_t *bytes)
{
	uint32_t old_eax = base->cpuid[leaf6].eax;
	char *old_name = base->name;
	base->cpuid[leaf6].eax = (old_eax & 0x7) | m << 3;
	base->name = (char *)name;
	FILE *f = fopen(path, "w");
	int rc = f ? kfp_profile_write(base, f) : -errno;
	if (f) {
		long sz = ftell(f);
		if (sz > 0)
			*bytes += (size_t)sz;
		if (fclose(f) != 0 && rc == 0)
			rc = -errno;
	}
	base->cpuid[leaf6].eax = old_eax;
	base->name = old_name;
	if (rc) {
		fprintf(stderr, "bench_compile: cannot write %s: %s\n", path, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Makes DIR with fleet.kfp and hosts/ holding n profiles. */
static int generate(enum scenario sc, size_t n, const char *dir,
		    struct kfp_host_profile **bases, const size_t *leaf6,
		    size_t *bytes)
{
	char *hosts = xasprintf("%s/hosts", dir);
	char *pol = xasprintf("%s/fleet.kfp", dir);
	int rc = -1;
	FILE *f;
	if (mkdir(dir, 0700) || mkdir(hosts, 0700)) {
		fprintf(stderr, "bench_compile: mkdir %s: %s\n", hosts, strerror(errno));
		goto out;
	}
	if (!(f = fopen(pol, "w"))) {
		fprintf(stderr, "bench_compile: cannot write %s: %s\n", pol, strerror(errno));
		goto out;
	}
	bool bad = fputs(policy_text, f) == EOF;
	if (fclose(f) || bad) {
		fprintf(stderr, "bench_compile: cannot write %s: %s\n", pol, strerror(errno));
		goto out;
	}
	*bytes = 0;
	for (size_t i = 0; i < n; i++) {
		/* distinct: host i is base i % 5 with mutation i + 1.
		 * classes: host i is in class c = i % 20, which is base c % 5
		 * with mutation c + 1. */
		size_t c = sc == SC_DISTINCT ? i : i % NCLASSES;
		size_t b = c % NBASES;
		char name[64], path[4096];
		snprintf(name, sizeof(name), "%s-%05zu", scenario_names[sc], i);
		snprintf(path, sizeof(path), "%s/host-%05zu.yaml", hosts, i);
		if (write_host(bases[b], leaf6[b], (uint32_t)(c + 1), name, path, bytes))
			goto out;
	}
	rc = 0;
out:
	free(hosts);
	free(pol);
	return rc;
}

/* One timed compile.  Returns the time in ms, or a negative value if the
 * compile failed (diagnostics printed). */
static double compile_once(const char *policy, const struct kfp_catalog *cat,
			   size_t *nhosts, size_t *nclasses, unsigned *nwarnings)
{
	struct kfp_ctx ctx;
	struct kfp_compiled c;
	struct kfp_profile_cache *cache;
	double t0 = now_ms(), t1;

	kfp_ctx_init(&ctx);
	cache = kfp_profile_cache_new();
	struct kfp_compile_opts co = { .cache = cache };
	bool ok = kfp_compile_file(&ctx, policy, cat, &co, &c);
	t1 = now_ms();

	const struct kfp_policy *pol = c.pol;
	ok = ok && pol->nfleets == 1;
	if (ok) {
		*nhosts = pol->fleets[0].nhosts;
		*nclasses = pol->fleets[0].nclasses;
	}
	*nwarnings = 0;
	for (size_t i = 0; i < ctx.ndiags; i++)
		*nwarnings += ctx.diags[i].sev == KFP_SEV_WARNING;
	if (!ok || *nwarnings)
		kfp_diags_print(&ctx, stderr);
	kfp_compiled_free(&c);
	kfp_profile_cache_free(cache);
	kfp_ctx_fini(&ctx);
	return ok ? t1 - t0 : -1;
}

static int parse_sizes(const char *s, size_t *sizes, unsigned *nsizes)
{
	*nsizes = 0;
	while (*s) {
		char *end;
		errno = 0;
		unsigned long v = strtoul(s, &end, 10);
		if (errno || end == s || v == 0 || v > 1000000 || (*end && *end != ',') ||
		    *nsizes == MAX_SIZES)
			return -1;
		sizes[(*nsizes)++] = v;
		s = *end ? end + 1 : end;
	}
	return *nsizes ? 0 : -1;
}

static void usage(FILE *out)
{
	fputs("usage: bench_compile [--sizes N,N,...] [--reps R] [--scenario S] [--keep]\n"
	      "                     [FLEET_DATA_DIR]\n"
	      "  --sizes     numbers of hosts (default 10,100,1000,10000)\n"
	      "  --reps      runs per figure, the median is shown (default 3)\n"
	      "  --scenario  only 'distinct' or only 'classes' (default both)\n"
	      "  --keep      keep the generated policy and profiles (printed path)\n"
	      "  FLEET_DATA_DIR  the Firecracker fingerprints (default " KFP_FLEET_DATA_DIR ")\n",
	      out);
}

static const struct result *find_result(const struct result *res, const size_t *sizes,
					unsigned nsizes, size_t n)
{
	for (unsigned i = 0; i < nsizes; i++)
		if (sizes[i] == n && res[i].done)
			return &res[i];
	return NULL;
}

int main(int argc, char **argv)
{
	size_t sizes[MAX_SIZES] = { 10, 100, 1000, 10000 };
	unsigned nsizes = 4, reps = 3;
	bool keep = false, want[SC_COUNT] = { true, true };
	const char *data = KFP_FLEET_DATA_DIR;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--sizes") && i + 1 < argc) {
			if (parse_sizes(argv[++i], sizes, &nsizes)) {
				fprintf(stderr, "bench_compile: bad --sizes '%s'\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--reps") && i + 1 < argc) {
			char *end;
			unsigned long v = strtoul(argv[++i], &end, 10);
			if (*end || v == 0 || v > MAX_REPS) {
				fprintf(stderr, "bench_compile: bad --reps '%s'\n", argv[i]);
				return 2;
			}
			reps = (unsigned)v;
		} else if (!strcmp(a, "--scenario") && i + 1 < argc) {
			int sc = 0;
			while (sc < SC_COUNT && strcmp(argv[i + 1], scenario_names[sc]))
				sc++;
			if (sc == SC_COUNT) {
				fprintf(stderr, "bench_compile: bad --scenario '%s'\n", argv[i + 1]);
				return 2;
			}
			for (int j = 0; j < SC_COUNT; j++)
				want[j] = j == sc;
			i++;
		} else if (!strcmp(a, "--keep")) {
			keep = true;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		} else if (a[0] == '-') {
			usage(stderr);
			return 2;
		} else {
			data = a;
		}
	}

	/* The real hosts. */
	struct kfp_host_profile *bases[NBASES] = { 0 };
	size_t leaf6[NBASES];
	for (size_t b = 0; b < NBASES; b++) {
		char *path = xasprintf("%s/%s", data, fingerprints[b]);
		if (access(path, R_OK) != 0) {
			fprintf(stderr, "bench_compile: no fleet data at %s (%s)\n", path,
				strerror(errno));
			free(path);
			return 1;
		}
		struct kfp_ctx ctx;
		kfp_ctx_init(&ctx);
		ctx.prog = "bench_compile";
		bases[b] = kfp_profile_from_fingerprint(&ctx, path, fingerprints[b]);
		free(path);
		kfp_diags_print(&ctx, stderr);
		kfp_ctx_fini(&ctx);
		if (!bases[b])
			return 2;
		leaf6[b] = leaf6_index(bases[b]);
		if (leaf6[b] == SIZE_MAX) {
			fprintf(stderr, "bench_compile: %s has no CPUID leaf 0x6\n", fingerprints[b]);
			return 2;
		}
	}

	struct kfp_ctx cat_ctx;
	kfp_ctx_init(&cat_ctx);
	cat_ctx.prog = "bench_compile";
	double t0 = now_ms();
	struct kfp_catalog *cat = kfp_catalog_load(&cat_ctx, kfp_catalog_default_dir());
	double cat_ms = now_ms() - t0;
	kfp_diags_print(&cat_ctx, stderr);
	kfp_ctx_fini(&cat_ctx);
	if (!cat)
		return 2;

	const char *tmp = getenv("TMPDIR");
	char *root = xasprintf("%s/kfp-bench-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(root)) {
		fprintf(stderr, "bench_compile: mkdtemp %s: %s\n", root, strerror(errno));
		return 2;
	}

	printf("kfp compile benchmark: policy with 1 x86_64 fleet, profiles from %zu Firecracker fingerprints in %s\n",
	       NBASES, data);
	printf("timed: kfp_compile_file (load, structure, sema), fresh profile cache per run; median of %u runs\n",
	       reps);
	printf("catalog load (once, not timed): %.1f ms; work dir: %s\n\n", cat_ms, root);
	printf("%-9s %6s %7s %10s %9s   %s\n", "scenario", "hosts", "classes", "total ms", "us/host",
	       "runs (ms)");

	struct result res[SC_COUNT][MAX_SIZES];
	memset(res, 0, sizeof(res));
	int status = 0;
	for (int sc = 0; sc < SC_COUNT && !status; sc++) {
		for (unsigned k = 0; k < nsizes && !status && want[sc]; k++) {
			struct result *r = &res[sc][k];
			size_t n = sizes[k];
			char *dir = xasprintf("%s/%s-%zu", root, scenario_names[sc], n);
			char *policy = xasprintf("%s/fleet.kfp", dir);
			double g0 = now_ms();
			if (generate((enum scenario)sc, n, dir, bases, leaf6, &r->gen_bytes)) {
				status = 2;
				goto next;
			}
			r->gen_ms = now_ms() - g0;
			for (unsigned rep = 0; rep < reps; rep++) {
				unsigned nwarn;
				double ms = compile_once(policy, cat, &r->hosts, &r->classes, &nwarn);
				if (ms < 0) {
					fprintf(stderr, "bench_compile: %s does not compile (%s, %zu hosts)\n",
						policy, scenario_names[sc], n);
					status = 1;
					goto next;
				}
				if (nwarn && rep == 0)
					fprintf(stderr, "bench_compile: note: %u warnings (above)\n", nwarn);
				r->runs[rep] = ms;
			}
			size_t want_classes = sc == SC_DISTINCT ? n : (n < NCLASSES ? n : NCLASSES);
			if (r->hosts != n || r->classes != want_classes) {
				fprintf(stderr,
					"bench_compile: %s: the compiler saw %zu hosts in %zu classes, expected %zu in %zu\n",
					scenario_names[sc], r->hosts, r->classes, n, want_classes);
				status = 1;
				goto next;
			}
			r->median_ms = median(r->runs, reps);
			r->done = true;
			printf("%-9s %6zu %7zu %10.2f %9.2f  ", scenario_names[sc], n, r->classes,
			       r->median_ms, r->median_ms * 1e3 / (double)n);
			for (unsigned rep = 0; rep < reps; rep++)
				printf(" %.2f", r->runs[rep]);
			putchar('\n');
			fflush(stdout);
		next:
			if (!keep)
				remove_tree(dir);
			free(policy);
			free(dir);
		}
	}
	if (status)
		goto out;

	printf("\nprofile-file generation (kfp_profile_write, not part of the figures above):\n");
	for (int sc = 0; sc < SC_COUNT; sc++)
		for (unsigned k = 0; k < nsizes; k++)
			if (res[sc][k].done)
				printf("  %-9s %6zu files  %8.1f MB  %9.2f ms\n", scenario_names[sc],
				       sizes[k], (double)res[sc][k].gen_bytes / 1e6, res[sc][k].gen_ms);

	printf("\ngrowth (linear growth means t(10N)/t(N) ~ 10):\n");
	for (int sc = 0; sc < SC_COUNT; sc++)
		for (unsigned k = 0; k < nsizes; k++) {
			const struct result *big = &res[sc][k];
			const struct result *small = find_result(res[sc], sizes, nsizes, sizes[k] / 10);
			if (big->done && small && sizes[k] % 10 == 0)
				printf("  %-9s t(%zu)/t(%zu) = %.1f\n", scenario_names[sc], sizes[k],
				       sizes[k] / 10, big->median_ms / small->median_ms);
		}

	/* Both goals are about 10,000 hosts: smaller runs are dominated by the
	 * fixed cost (policy, catalog resolution) and are not compared. */
	printf("\ngoals (at %d hosts):\n", GOAL_DISTINCT_HOSTS);
	const struct result *d = find_result(res[SC_DISTINCT], sizes, nsizes, GOAL_DISTINCT_HOSTS);
	if (d)
		printf("  distinct: goal: < %.0f ms for %d distinct profiles; measured: %.0f ms (%.0f us/host) -> %s\n",
		       GOAL_DISTINCT_MS, GOAL_DISTINCT_HOSTS, d->median_ms,
		       d->median_ms * 1e3 / (double)d->hosts,
		       d->median_ms < GOAL_DISTINCT_MS ? "met" : "NOT met");
	else
		printf("  distinct: goal: < %.0f ms for %d distinct profiles; measured: not run\n",
		       GOAL_DISTINCT_MS, GOAL_DISTINCT_HOSTS);
	const struct result *c = find_result(res[SC_CLASSES], sizes, nsizes, GOAL_DISTINCT_HOSTS);
	if (c)
		printf("  classes:  goal: < %.0f us/host, %d hosts in %d classes (virsh cpu-baseline: ~0.2 s for 10,000 CPUs); "
		       "measured: %.2f us/host (%.0f ms) -> %s\n",
		       GOAL_CLASSES_US_PER_HOST, GOAL_DISTINCT_HOSTS, NCLASSES,
		       c->median_ms * 1e3 / (double)c->hosts, c->median_ms,
		       c->median_ms * 1e3 / (double)c->hosts < GOAL_CLASSES_US_PER_HOST ? "met" : "NOT met");
	else
		printf("  classes:  goal: < %.0f us/host, %d hosts in %d classes (virsh cpu-baseline: ~0.2 s for 10,000 CPUs); "
		       "measured: not run\n",
		       GOAL_CLASSES_US_PER_HOST, GOAL_DISTINCT_HOSTS, NCLASSES);

out:
	if (keep)
		printf("\nkept: %s\n", root);
	else
		rmdir(root);
	free(root);
	kfp_catalog_free(cat);
	for (size_t b = 0; b < NBASES; b++)
		kfp_profile_free(bases[b]);
	return status;
}
