/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The installed kfp, as a VMM author uses it:
 *
 *   test_install build CMAKE BUILD_DIR SOURCE_DIR WORK_DIR DIRS VERSION CC CFLAGS LDFLAGS
 *       `cmake --install BUILD_DIR --prefix WORK_DIR/prefix`, then checks the
 *       installed files (DIRS: BINDIR:LIBDIR:INCLUDEDIR:DATADIR:MANDIR, relative),
 *       the shared library's exports and SONAME, a one-file program built
 *       with `pkg-config --cflags --libs libkfp`, examples/tiny-vmm built
 *       out of tree with find_package(kfp) (into WORK_DIR/vmm), and that
 *       kfp_add_policy regenerates the tables when the policy, a file it
 *       includes or a host profile changes, and only then.  CC, CFLAGS and
 *       LDFLAGS are the build's (sanitizer flags included).
 *   test_install live WORK_DIR
 *       runs WORK_DIR/vmm/tiny-vmm on /dev/kvm.  Without a usable /dev/kvm
 *       it prints "SKIP: ..." and exits 77; so does a host that lacks what
 *       the example policy exposes, or whose KVM rewrites the CPUID table
 *       it is given (the runtime refuses: "KVM rewrote CPUID ...").
 */
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

static const char *cmake, *builddir, *srcdir, *workdir, *version, *cc, *cflags, *ldflags;
static char bindir[256], libdir[256], includedir[256], datadir[256], mandir[256];
static char prefix[1024], logpath[1024];

/* ---- helpers ---------------------------------------------------------- */

/* Runs a shell command, its output into logpath; returns its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[8192], full[8192 + 1024 + 64];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "( %s ) >'%s' 2>&1", cmd, logpath);
	fflush(stdout);
	int st = system(full);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void show_log(const char *what)
{
	char *log = tk_slurp(logpath, NULL);
	fprintf(stderr, "---- %s ----\n%s---- end ----\n", what, log ? log : "(no output)\n");
	free(log);
}

#define SH_OK(...)                                                   \
	do {                                                         \
		if (sh(__VA_ARGS__) != 0) {                          \
			show_log(#__VA_ARGS__);                      \
			fail_msg("command failed");                  \
		}                                                    \
	} while (0)

static bool log_has(const char *s)
{
	char *log = tk_slurp(logpath, NULL);
	bool has = log && strstr(log, s);
	free(log);
	return has;
}

static void expect_file(const char *dir, const char *name)
{
	char path[2048];
	struct stat st;
	snprintf(path, sizeof(path), "%s/%s/%s", prefix, dir, name);
	if (stat(path, &st) != 0 || st.st_size == 0)
		fail_msg("not installed (or empty): %s", path);
}

/* Nanoseconds since the epoch of path's last change; 0 if absent. */
static long long mtime_ns(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return 0;
	return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

/* Configures and builds a CMake project against the prefix. */
static void cmake_build(const char *src, const char *bin)
{
	SH_OK("rm -rf '%s' && '%s' -S '%s' -B '%s' -DCMAKE_PREFIX_PATH='%s' -DCMAKE_C_COMPILER='%s'"
	      " -DCMAKE_C_FLAGS='%s' -DCMAKE_EXE_LINKER_FLAGS='%s'",
	      bin, cmake, src, bin, prefix, cc, cflags, ldflags);
	SH_OK("'%s' --build '%s'", cmake, bin);
}

/* Builds bin again; says whether kfpc ran (its output file is new). */
static bool rebuilt(const char *bin, const char *generated)
{
	long long before = mtime_ns(generated);
	assert_true(before > 0);
	SH_OK("'%s' --build '%s'", cmake, bin);
	return mtime_ns(generated) > before && log_has("kfpc: compiling policy");
}

/* ---- build: install, then use the install ------------------------------ */

static void test_install_files(void **state)
{
	(void)state;
	SH_OK("rm -rf '%s'", prefix);
	SH_OK("'%s' --install '%s' --prefix '%s'", cmake, builddir, prefix);
	expect_file(bindir, "kfpc");
	expect_file(bindir, "kfp");
	expect_file(libdir, "libkfp.a");
	expect_file(libdir, "libkfp.so");
	expect_file(libdir, "libkfp.so.0");
	char versioned[64];
	snprintf(versioned, sizeof(versioned), "libkfp.so.%s", version);
	expect_file(libdir, versioned);
	expect_file(includedir, "kfp/kfp.h");
	expect_file(includedir, "kfp/table.h");
	expect_file(includedir, "kfp/kvm_ioctl.h");
	expect_file(includedir, "kfp/arm64_regs.h");
	expect_file(includedir, "kfp/x86_regs.h");
	expect_file(libdir, "pkgconfig/libkfp.pc");
	expect_file(libdir, "cmake/kfp/kfpConfig.cmake");
	expect_file(libdir, "cmake/kfp/kfpConfigVersion.cmake");
	expect_file(libdir, "cmake/kfp/kfpTargets.cmake");
	expect_file(libdir, "cmake/kfp/kfp-functions.cmake");
	expect_file(datadir, "kfp/catalog/x86_64.yaml");
	expect_file(datadir, "kfp/catalog/arm64.yaml");
	/* The man pages of docs/man, where the source has them. */
	SH_OK("cd '%s' && if [ -d docs/man ]; then for f in docs/man/*.[1-8]; do"
	      " [ -e \"$f\" ] || continue; p='%s/%s'/man\"${f##*.}\"/\"${f##*/}\";"
	      " [ -s \"$p\" ] || { echo \"not installed: $p\"; exit 1; }; echo \"$p\"; done; fi",
	      srcdir, prefix, mandir);
	char *man = tk_slurp(logpath, NULL);
	printf("man pages installed:\n%s", man && *man ? man : "(none: the source has none)\n");
	free(man);
	/* The installed kfpc runs, and says its version. */
	SH_OK("'%s/%s/kfpc' --version", prefix, bindir);
	char want[96];
	snprintf(want, sizeof(want), "kfpc %s", version);
	assert_true(log_has(want));
}

/* libkfp.so exports the functions of kfp/kfp.h and nothing else. */
static void test_shared_exports(void **state)
{
	(void)state;
	SH_OK("readelf -d '%s/%s/libkfp.so'", prefix, libdir);
	assert_true(log_has("Library soname: [libkfp.so.0]"));
	SH_OK("nm -D --defined-only '%s/%s/libkfp.so' | awk '{print $NF}' | sort", prefix, libdir);
	char *syms = tk_slurp(logpath, NULL);
	assert_non_null(syms);
	printf("exported by libkfp.so:\n%s", syms);
	unsigned n = 0;
	for (char *line = strtok(syms, "\n"); line; line = strtok(NULL, "\n")) {
		/* The section bounds of -fsanitize=fuzzer-no-link coverage
		 * counters, in instrumented builds only. */
		if (strstr(cflags, "-fsanitize=fuzzer") &&
		    (!strncmp(line, "__start___sancov_", 17) || !strncmp(line, "__stop___sancov_", 16)))
			continue;
		if (strncmp(line, "kfp_", 4) != 0)
			fail_msg("libkfp.so exports '%s', which is not kfp/kfp.h API", line);
		n++;
	}
	free(syms);
	assert_true(n >= 4);
	static const char *const api[] = {
		"kfp_report_init", "kfp_item_status_name", "kfp_report_item_format",
		"kfp_prepare_process",
#if defined(__x86_64__)
		"kfp_host_init", "kfp_host_cpuid", "kfp_host_msr",
		"kfp_x86_plan", "kfp_x86_commit", "kfp_x86_apply",
#endif
	};
	static const char *const internal[] = { "kfp_report_add", "kfp_sys_ioctl", "kfp_sys_set_ops",
						"kfp_host_first_of", "kfp_feature_find" };
	char *all = tk_slurp(logpath, NULL);
	char word[64];
	for (size_t i = 0; i < sizeof(api) / sizeof(api[0]); i++) {
		snprintf(word, sizeof(word), "%s\n", api[i]);
		if (!strstr(all, word))
			fail_msg("libkfp.so does not export %s", api[i]);
	}
	for (size_t i = 0; i < sizeof(internal) / sizeof(internal[0]); i++) {
		snprintf(word, sizeof(word), "%s\n", internal[i]);
		if (strstr(all, word))
			fail_msg("libkfp.so exports the internal %s", internal[i]);
	}
	free(all);
}

/* A one-file program built with pkg-config, against libkfp.so. */
static void test_pkg_config(void **state)
{
	(void)state;
	char dir[2048], c[2200];
	snprintf(dir, sizeof(dir), "%s/pc", workdir);
	snprintf(c, sizeof(c), "%s/hello.c", dir);
	SH_OK("rm -rf '%s' && mkdir -p '%s'", dir, dir);
	FILE *f = fopen(c, "w");
	assert_non_null(f);
	fputs("#include <stdio.h>\n#include <kfp/kfp.h>\n"
	      "int main(void)\n{\n\tstatic struct kfp_report rep;\n\tkfp_report_init(&rep);\n"
	      "\tprintf(\"libkfp: %u items, %s, tables v%d\\n\", rep.nitems,\n"
	      "\t       kfp_item_status_name(KFP_ITEM_MISSING), KFP_TABLE_VERSION);\n"
	      "\treturn 0;\n}\n", f);
	assert_int_equal(fclose(f), 0);
	char pcmd[2048];
	snprintf(pcmd, sizeof(pcmd), "PKG_CONFIG_PATH='%s/%s/pkgconfig' pkg-config", prefix, libdir);
	SH_OK("%s --modversion libkfp", pcmd);
	assert_true(log_has(version));
	SH_OK("'%s' -std=c11 -Wall -Wextra -Werror %s -o '%s/hello' '%s' %s $(%s --cflags --libs libkfp)",
	      cc, cflags, dir, c, ldflags, pcmd);
	SH_OK("LD_LIBRARY_PATH='%s/%s' '%s/hello' && ldd '%s/hello'", prefix, libdir, dir, dir);
	assert_true(log_has("libkfp: 0 items, missing, tables v2"));
	assert_true(log_has("libkfp.so.0"));
}

/* examples/tiny-vmm, out of tree, with find_package(kfp): the binary the
 * live test runs. */
static void test_example(void **state)
{
	(void)state;
	char src[2048], bin[2048], gen[2200];
	snprintf(src, sizeof(src), "%s/examples/tiny-vmm", srcdir);
	snprintf(bin, sizeof(bin), "%s/vmm", workdir);
	snprintf(gen, sizeof(gen), "%s/kfp-policies/policy.h", bin);
	cmake_build(src, bin);
	char *h = tk_slurp(gen, NULL);
	assert_non_null(h);
	assert_non_null(strstr(h, "kfp_tiny_vmm_local"));
	free(h);
	SH_OK("test -x '%s/tiny-vmm'", bin);
}

/* kfp_add_policy's dependencies, on a copy of the example: nothing to do
 * when nothing changed; the tables again when the policy or the file it
 * includes changes, and new content when that content changes. */
static void test_rebuild(void **state)
{
	(void)state;
	char src[2048], bin[2048], gen[2200];
	snprintf(src, sizeof(src), "%s/vmm-src", workdir);
	snprintf(bin, sizeof(bin), "%s/vmm-copy", workdir);
	snprintf(gen, sizeof(gen), "%s/kfp-policies/policy.c", bin);
	SH_OK("rm -rf '%s' && cp -R '%s/examples/tiny-vmm' '%s'", src, srcdir, src);
	cmake_build(src, bin);
	assert_false(rebuilt(bin, gen));

	sleep(1); /* coarse file times */
	SH_OK("touch '%s/policy.kfp'", src);
	assert_true(rebuilt(bin, gen));
	assert_false(rebuilt(bin, gen));

	sleep(1);
	SH_OK("touch '%s/baseline.kfp'", src);
	assert_true(rebuilt(bin, gen));

	/* Hide sse4.2: the tables must say so. */
	char *before = tk_slurp(gen, NULL);
	sleep(1);
	SH_OK("sed -i 's/ sse4.2 / /' '%s/baseline.kfp' && ! grep -q 'sse4.2' '%s/baseline.kfp'", src,
	      src);
	assert_true(rebuilt(bin, gen));
	char *after = tk_slurp(gen, NULL);
	assert_non_null(before);
	assert_non_null(after);
	assert_string_not_equal(before, after);
	free(before);
	free(after);
}

/* HOSTS: adding, changing or removing a host profile rebuilds. */
static void test_hosts_rebuild(void **state)
{
	(void)state;
	char src[2048], bin[2048], gen[2200], path[2200];
	snprintf(src, sizeof(src), "%s/hosted-src", workdir);
	snprintf(bin, sizeof(bin), "%s/hosted", workdir);
	snprintf(gen, sizeof(gen), "%s/kfp-policies/fleet.c", bin);
	SH_OK("rm -rf '%s' && mkdir -p '%s/hosts' && cp '%s/tests/data/profiles/x86_64.yaml' '%s/hosts/a.yaml'",
	      src, src, srcdir, src);
	snprintf(path, sizeof(path), "%s/CMakeLists.txt", src);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("cmake_minimum_required(VERSION 3.20)\nproject(hosted LANGUAGES C)\n"
	      "find_package(kfp REQUIRED)\nadd_library(hosted STATIC)\n"
	      "kfp_add_policy(hosted policies/fleet.kfp HOSTS hosts)\n", f);
	assert_int_equal(fclose(f), 0);
	SH_OK("mkdir -p '%s/policies'", src);
	snprintf(path, sizeof(path), "%s/policies/fleet.kfp", src);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("policy \"hosted\" version 1;\n\nfleet \"prod\" {\n    arch x86_64;\n"
	      "    min_kernel 6.1;\n}\n\nx86_64 {\n    allow fpu fxsr sse sse2;\n}\n", f);
	assert_int_equal(fclose(f), 0);
	cmake_build(src, bin);
	assert_false(rebuilt(bin, gen));

	sleep(1);
	/* Another host (two profiles of one host are an error). */
	SH_OK("sed 's/^name: .*/name: \"b\"/' '%s/hosts/a.yaml' > '%s/hosts/b.yaml'", src, src);
	assert_true(rebuilt(bin, gen));
	assert_false(rebuilt(bin, gen));
	sleep(1);
	SH_OK("touch '%s/hosts/a.yaml'", src);
	assert_true(rebuilt(bin, gen));
	sleep(1);
	SH_OK("rm '%s/hosts/b.yaml'", src);
	assert_true(rebuilt(bin, gen));
}

/* ---- live: the tiny VMM on this host's KVM ----------------------------- */

static const char *skip_reason;

/* NULL if /dev/kvm can run a VM, else why not. */
static const char *kvm_unusable(char *buf, size_t size)
{
#if !defined(__x86_64__)
	snprintf(buf, size, "tiny-vmm is x86_64 only");
	return buf;
#endif
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(buf, size, "/dev/kvm: %s", strerror(errno));
		return buf;
	}
	int vm = ioctl(fd, KVM_CREATE_VM, 0UL);
	if (vm < 0)
		snprintf(buf, size, "KVM_CREATE_VM: %s", strerror(errno));
	else
		close(vm);
	close(fd);
	return vm < 0 ? buf : NULL;
}

/* Counts the report lines ("  ... (status)") tiny-vmm printed, and those
 * of the given status (and, if text is set, containing it). */
static void count_items(const char *err, const char *status, const char *text, unsigned *all,
			unsigned *match)
{
	*all = *match = 0;
	char line[1024];
	for (const char *p = err; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		snprintf(line, sizeof(line), "%.*s", (int)len, p);
		p += len + (eol != NULL);
		if (strncmp(line, "  ", 2) != 0 || len < 3 || line[strlen(line) - 1] != ')')
			continue;
		(*all)++;
		char *open = strrchr(line, '(');
		if (open && !strncmp(open + 1, status, strlen(status)) && (!text || strstr(line, text)))
			(*match)++;
	}
}

static void test_tiny_vmm_live(void **state)
{
	(void)state;
	char bin[2048];
	snprintf(bin, sizeof(bin), "%s/vmm/tiny-vmm", workdir);
	if (access(bin, X_OK) != 0)
		fail_msg("%s: not built (the install.build test builds it)", bin);
	char why[160];
	if (kvm_unusable(why, sizeof(why))) {
		skip_reason = "/dev/kvm is not usable";
		printf("SKIP: %s (%s)\n", skip_reason, why);
		skip();
	}
	int st = sh("'%s'", bin);
	char *out = tk_slurp(logpath, NULL);
	assert_non_null(out);
	printf("---- tiny-vmm (exit %d) ----\n%s---- end ----\n", st, out);
	unsigned all, missing, unsettable, rewrites;
	count_items(out, "missing", NULL, &all, &missing);
	count_items(out, "unsettable", NULL, &all, &unsettable);
	count_items(out, "refused", "KVM rewrote CPUID", &all, &rewrites);
	free(out);
	if (st == 1 && all && all == missing + unsettable) {
		skip_reason = "this host's KVM lacks what examples/tiny-vmm/policy.kfp exposes (the runtime refused with -ENOTSUP; the items above name each feature)";
	} else if (st == 1 && all && all == rewrites) {
		skip_reason = "this host's KVM rewrites the CPUID table a VMM gives it (KVM_GET_CPUID2 differs from what KVM_SET_CPUID2 was given), so the runtime refuses (-EIO, \"KVM rewrote CPUID ...\"): no policy can hide those bits here";
	}
	if (skip_reason) {
		printf("SKIP: %s\n", skip_reason);
		skip();
	}
	assert_int_equal(st, 0);
	assert_true(log_has("OK: the guest sees what the policy says"));
}

/* ---- main --------------------------------------------------------------- */

static void split_dirs(const char *dirs)
{
	char *d[5] = { bindir, libdir, includedir, datadir, mandir };
	const char *p = dirs;
	for (int i = 0; i < 5; i++) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		snprintf(d[i], sizeof(bindir), "%.*s", (int)len, p);
		p = colon ? colon + 1 : p + len;
	}
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "live")) {
		workdir = argv[2];
		snprintf(logpath, sizeof(logpath), "%s/live.log", workdir);
		const struct CMUnitTest tests[] = { cmocka_unit_test(test_tiny_vmm_live) };
		int failed = cmocka_run_group_tests(tests, NULL, NULL);
		return failed ? failed : skip_reason ? 77 : 0;
	}
	if (argc != 11 || strcmp(argv[1], "build")) {
		fprintf(stderr, "usage: test_install build CMAKE BUILD_DIR SOURCE_DIR WORK_DIR "
				"BINDIR:LIBDIR:INCLUDEDIR:DATADIR:MANDIR VERSION CC CFLAGS LDFLAGS\n"
				"       test_install live WORK_DIR\n");
		return 2;
	}
	cmake = argv[2];
	builddir = argv[3];
	srcdir = argv[4];
	workdir = argv[5];
	split_dirs(argv[6]);
	version = argv[7];
	cc = argv[8];
	cflags = argv[9];
	ldflags = argv[10];
	snprintf(prefix, sizeof(prefix), "%s/prefix", workdir);
	snprintf(logpath, sizeof(logpath), "%s/build.log", workdir);
	char mk[2048];
	snprintf(mk, sizeof(mk), "mkdir -p '%s'", workdir);
	if (system(mk) != 0)
		return 2;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_install_files),
		cmocka_unit_test(test_shared_exports),
		cmocka_unit_test(test_pkg_config),
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_rebuild),
		cmocka_unit_test(test_hosts_rebuild),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
