/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfpc as a user runs it: help, version, exit statuses, the example
 * policies, and hostile input.  Every hostile file must give exit status 1
 * and a located error ("FILE:LINE:COL: error:") within the time limit, and
 * never a crash.
 *
 *   test_cli KFPC EXAMPLES_DIR
 */
#include <dirent.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/testkit.h"

static const char *kfpc, *examples;
static char tmpdir[64];

#define TIME_LIMIT_S 20

/* kfpc with args, in the scratch directory; stdout and stderr together. */
static struct tk_result run(const char *const *args)
{
	const struct tk_how how = { .dir = tmpdir, .merge_err = true, .time_limit_s = TIME_LIMIT_S };
	return tk_run(&how, kfpc, args);
}

#define RUN(...) run((const char *const[]){ __VA_ARGS__, NULL })

static void write_bytes(const char *name, const void *data, size_t len)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	tk_write_bytes(path, data, len);
}

static void write_text(const char *name, const char *text)
{
	write_bytes(name, text, strlen(text));
}

static void test_help_and_version(void **state)
{
	(void)state;
	struct tk_result r = RUN("--help");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "usage: kfpc COMMAND"));
	assert_non_null(strstr(r.out, "fmt [--check] FILE"));
	free(r.out);
	r = RUN("--version");
	assert_int_equal(r.status, 0);
	assert_non_null(strstr(r.out, "kfpc "));
	free(r.out);
	r = RUN("check", "--help");
	assert_int_equal(r.status, 0);
	free(r.out);
}

static void test_usage_errors(void **state)
{
	(void)state;
	struct tk_result r = run((const char *const[]){ NULL });
	assert_int_equal(r.status, 2);
	free(r.out);
	r = RUN("chek", "x.kfp");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.out, "unknown command 'chek'; did you mean 'check'?"));
	free(r.out);
	r = RUN("check");
	assert_int_equal(r.status, 2);
	free(r.out);
	r = RUN("check", "--bogus", "x.kfp");
	assert_int_equal(r.status, 2);
	free(r.out);
	r = RUN("check", "does-not-exist.kfp");
	assert_int_equal(r.status, 2);
	assert_non_null(strstr(r.out, "cannot read 'does-not-exist.kfp': No such file or directory"));
	free(r.out);
	r = RUN("fmt", "does-not-exist.kfp");
	assert_int_equal(r.status, 2);
	free(r.out);
}

/* A template that cannot be expressed: the compiler's errors about the
 * generated policy, which is not written, point at the template's JSON
 * (the entry of the register they are about, or the file) and quote the
 * generated statement; they never name a file that does not exist. */
static void test_import_firecracker_errors_point_at_template(void **state)
{
	(void)state;
	/* ID_AA64MMFR1_EL1 with only HAFDBS fixed: fields it leaves to the
	 * host cannot be hidden on every kernel from 5.10 on. */
	write_text("t.json", "{\n  \"reg_modifiers\": [\n    {\n"
			     "      \"addr\": \"0x603000000013c039\",\n"
			     "      \"bitmap\": \"0bxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx0000\"\n"
			     "    }\n  ]\n}\n");
	struct tk_result r = RUN("import-firecracker", "t.json", "--min-kernel", "5.10", "-o", "t.kfp");
	assert_int_equal(r.status, 1);
	assert_null(strstr(r.out, "imported.kfp"));
	assert_non_null(strstr(r.out, "t.json:3:5: error: ID_AA64MMFR1_EL1.ECBHB must be changed to 0"));
	assert_non_null(strstr(r.out, "    in the generated policy: ECBHB = 0; # not shown by every "
				      "fleet kernel\n    3 |     {\n"));
	/* A statement about a register the template does not mention: the
	 * template as a whole. */
	assert_non_null(strstr(r.out, "t.json: error: 'trng' must be hidden"));
	assert_non_null(strstr(r.out, "t.json: note: the fleet's kernels are set here\n"
				      "    in the generated policy: min_kernel 5.10;\n"));
	char path[128];
	snprintf(path, sizeof(path), "%s/t.kfp", tmpdir);
	assert_int_equal(access(path, F_OK), -1);
	free(r.out);
}

static void test_examples_check_and_are_canonical(void **state)
{
	(void)state;
	DIR *d = opendir(examples);
	assert_non_null(d);
	struct dirent *e;
	unsigned n = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".kfp") != 0)
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%s", examples, e->d_name);
		struct tk_result r = RUN("fmt", "--check", path);
		if (r.status != 0)
			fail_msg("%s is not in canonical form:\n%s", path, r.out);
		free(r.out);
		/* Files that only hold shared fleets or groups are included
		 * by the policies, which check them. */
		FILE *f = fopen(path, "r");
		char first[256] = "";
		while (f && fgets(first, sizeof(first), f))
			if (strncmp(first, "policy ", 7) == 0)
				break;
		bool is_policy = f && strncmp(first, "policy ", 7) == 0;
		if (f)
			fclose(f);
		if (!is_policy)
			continue;
		r = RUN("check", path);
		if (r.status != 0)
			fail_msg("kfpc check %s failed:\n%s", path, r.out);
		free(r.out);
		n++;
	}
	closedir(d);
	assert_true(n >= 2);
}

static void test_fmt_check_detects_noncanonical(void **state)
{
	(void)state;
	write_text("ugly.kfp", "policy   \"p\" version 1;\n");
	struct tk_result r = RUN("fmt", "--check", "ugly.kfp");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "not in canonical form"));
	free(r.out);
	r = RUN("fmt", "ugly.kfp");
	assert_int_equal(r.status, 0);
	assert_string_equal(r.out, "policy \"p\" version 1;\n");
	free(r.out);
	write_text("broken.kfp", "policy \"p\" version;\n");
	r = RUN("fmt", "broken.kfp");
	assert_int_equal(r.status, 1);
	assert_non_null(strstr(r.out, "not formatting broken.kfp: it has syntax errors"));
	free(r.out);
}

/* A hostile file: kfpc must exit 1 with a located error, in time. */
static void expect_located_error(const char *name, const char *want)
{
	struct tk_result r = RUN("check", name);
	if (r.status >= 128)
		fail_msg("%s: kfpc died with signal %d", name, r.status - 128);
	if (r.status != 1)
		fail_msg("%s: exit status %d, expected 1:\n%.2000s", name, r.status, r.out);
	char prefix[128];
	snprintf(prefix, sizeof(prefix), "%s:", name);
	if (!strstr(r.out, prefix) || !strstr(r.out, ": error: "))
		fail_msg("%s: no located error in:\n%.2000s", name, r.out);
	if (want && !strstr(r.out, want))
		fail_msg("%s: expected \"%s\" in:\n%.2000s", name, want, r.out);
	/* Excerpts of huge lines are cut, so the output stays small. */
	assert_true(strlen(r.out) < 64 * 1024);
	free(r.out);
}

static void test_hostile_inputs(void **state)
{
	(void)state;
	write_text("empty.kfp", "");
	expect_located_error("empty.kfp", "empty.kfp:1:1: error: a policy file starts with");

	unsigned char garbage[8192];
	uint32_t x = 2463534242u;
	for (size_t i = 0; i < sizeof(garbage); i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		garbage[i] = (unsigned char)x;
	}
	write_bytes("garbage.kfp", garbage, sizeof(garbage));
	expect_located_error("garbage.kfp", "too many errors");

	const char nul[] = "policy \"p\" version 1;\nx86_64 { allow a\0b; }\n";
	write_bytes("nul.kfp", nul, sizeof(nul) - 1);
	expect_located_error("nul.kfp", "nul.kfp:2:17: error: unexpected NUL byte");

	write_text("utf8.kfp", "policy \"p\xc3\x28\" version 1;\nx86_64 { allow \xe2\x82\xac; }\n");
	expect_located_error("utf8.kfp", "utf8.kfp:1:10: error: invalid UTF-8 byte 0xc3 in string");

	write_text("string.kfp", "policy \"p version 1;\n");
	expect_located_error("string.kfp", "string.kfp:1:8: error: unterminated string");

	write_text("comment.kfp", "policy \"p\" version 1;\n/* no end\n\n");
	expect_located_error("comment.kfp", "comment.kfp:2:1: error: unterminated comment");

	size_t big = 1 << 20;
	char *line = malloc(big + 64);
	strcpy(line, "policy \"p\" version 1;\nx86_64 { allow ");
	size_t off = strlen(line);
	for (size_t i = 0; i < big; i++)
		line[off + i] = (i % 8 == 7) ? ' ' : 'a';
	strcpy(line + off + big, " $; }\n");
	write_text("longline.kfp", line);
	expect_located_error("longline.kfp", "error: unexpected character '$'");
	free(line);

	char *braces = malloc(100001);
	memset(braces, '{', 100000);
	braces[100000] = 0;
	write_text("braces.kfp", braces);
	expect_located_error("braces.kfp", "braces.kfp:1:1: error: unexpected '{'");
	memcpy(braces, "policy \"p\" version 1;\nx86_64 ", 29);
	write_text("braces2.kfp", braces);
	expect_located_error("braces2.kfp", "braces2.kfp:2:9: error: unexpected '{'");
	free(braces);

	write_text("cycle-a.kfp", "policy \"p\" version 1;\ninclude \"cycle-b.kfp\";\n");
	write_text("cycle-b.kfp", "include \"cycle-a.kfp\";\n");
	expect_located_error("cycle-a.kfp", "cycle-b.kfp:1:9: error: include cycle");

	write_text("missing.kfp", "policy \"p\" version 1;\ninclude \"nowhere.kfp\";\n");
	expect_located_error("missing.kfp",
			     "missing.kfp:2:9: error: cannot include 'nowhere.kfp': No such file or directory");
}

/* The front door for host profiles: a profile that is cut short, a second
 * profile of the same host, one of the other architecture, one from a
 * newer kfp, and 100 MB of something: each is an error that names the
 * file, and nothing is written. */
static void test_bad_host_profiles(void **state)
{
	(void)state;
	char path[1024];
	snprintf(path, sizeof(path), "%s/../../tests/data/profiles/x86_64.yaml", examples);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	char good[4096];
	size_t len = fread(good, 1, sizeof(good) - 1, f);
	fclose(f);
	good[len] = 0;
	char *cut = strstr(good, "msrs:");
	assert_non_null(cut);
	snprintf(path, sizeof(path), "%s/h", tmpdir);
	assert_int_equal(mkdir(path, 0755), 0);
	write_bytes("h/good.yaml", good, len);
	write_text("p.kfp", "policy \"p\" version 1;\n"
			    "fleet \"a\" { arch x86_64; min_kernel 5.10; hosts \"h/*.yaml\"; }\n"
			    "x86_64 { allow fpu; }\n");
	struct tk_result r = RUN("compile", "p.kfp", "-o", "out.c", "--header", "out.h");
	assert_int_equal(r.status, 0);
	free(r.out);
	snprintf(path, sizeof(path), "%s/out.c", tmpdir);
	assert_int_equal(remove(path), 0);
	snprintf(path, sizeof(path), "%s/out.h", tmpdir);
	assert_int_equal(remove(path), 0);

	char future[4096];
	snprintf(future, sizeof(future), "%s", good);
	char *v = strstr(future, "kfp_host_profile: 1");
	assert_non_null(v);
	v[strlen("kfp_host_profile: ")] = '2';
	snprintf(path, sizeof(path), "%s/../../tests/data/profiles/arm64.yaml", examples);
	f = fopen(path, "rb");
	assert_non_null(f);
	char arm[4096];
	size_t arm_len = fread(arm, 1, sizeof(arm) - 1, f);
	fclose(f);

	static const struct {
		const char *file, *want;
	} cases[] = {
		{ "h/truncated.yaml", "h/truncated.yaml:2:1: error: missing required key 'msrs' of an x86_64 profile (kfp probe always writes it: is the file truncated?)" },
		{ "h/truncated2.yaml", "h/truncated2.yaml:14:6: error: " },
		{ "h/copy.yaml", "host profiles h/copy.yaml and h/good.yaml both describe host \"cascadelake-a\" of fleet \"a\"" },
		{ "h/arm.yaml", "host profile h/arm.yaml is for arm64, but fleet \"a\" is x86_64" },
		{ "h/future.yaml", "h/future.yaml:2:19: error: unsupported host profile format 2 (this kfp reads format 1)" },
		{ "h/huge.yaml", "cannot use host profile h/huge.yaml: larger than 16 MiB, which no host profile is" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *file = cases[i].file;
		if (i == 0)
			write_bytes(file, good, (size_t)(cut - good));
		else if (i == 1)
			write_bytes(file, good, (size_t)(cut - good) + 7); /* inside a value */
		else if (i == 2)
			write_bytes(file, good, len);
		else if (i == 3)
			write_bytes(file, arm, arm_len);
		else if (i == 4)
			write_text(file, future);
		else {
			/* 100 MB, made here: a profile followed by zeros. */
			snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
			write_bytes(file, good, len);
			assert_int_equal(truncate(path, 100 << 20), 0);
		}
		r = RUN("compile", "p.kfp", "-o", "out.c", "--header", "out.h");
		if (r.status != 1 || !strstr(r.out, cases[i].want))
			fail_msg("%s: exit %d, wanted 1 and '%s' in:\n%s", file, r.status,
				 cases[i].want, r.out);
		free(r.out);
		snprintf(path, sizeof(path), "%s/out.c", tmpdir);
		assert_int_equal(access(path, F_OK), -1);
		snprintf(path, sizeof(path), "%s/out.h", tmpdir);
		assert_int_equal(access(path, F_OK), -1);
		snprintf(path, sizeof(path), "%s/%s", tmpdir, file);
		assert_int_equal(remove(path), 0);
	}
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/kfp-cli-XXXXXX");
	return tk_mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	return tk_rmtree(tmpdir) ? 0 : -1;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: test_cli KFPC EXAMPLES_DIR\n");
		return 2;
	}
	kfpc = argv[1];
	examples = argv[2];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_and_version),
		cmocka_unit_test(test_usage_errors),
		cmocka_unit_test(test_examples_check_and_are_canonical),
		cmocka_unit_test(test_import_firecracker_errors_point_at_template),
		cmocka_unit_test(test_bad_host_profiles),
		cmocka_unit_test(test_fmt_check_detects_noncanonical),
		cmocka_unit_test(test_hostile_inputs),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
