/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Golden tests: each NAME.kfp in a suite directory is run through a kfpc
 * command and everything kfpc prints (stdout then stderr) must equal
 * NAME.out byte for byte.  The exit status must be 0 when NAME.out holds no
 * "error:" line and 1 otherwise.
 *
 *   golden KFPC COMMAND DIR        e.g. golden build/compiler/kfpc check tests/golden/parse
 *
 * Set KFP_GOLDEN_UPDATE=1 to rewrite the .out files from the current output
 * (then review the diff before committing).
 */
#include <dirent.h>
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

static const char *kfpc, *command, *dir;

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	size_t r;
	while (buf && (r = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += r;
		if (n + 1 >= cap)
			buf = realloc(buf, cap *= 2);
	}
	fclose(f);
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

/* Runs kfpc with stdout and stderr going to one file; returns the status. */
static int run(const char *policy, const char *outpath)
{
	pid_t pid = fork();
	if (pid == 0) {
		if (chdir(dir) != 0 || !freopen(outpath, "w", stdout) ||
		    dup2(fileno(stdout), 2) < 0)
			_exit(127);
		execl(kfpc, kfpc, command, policy, (char *)NULL);
		_exit(127);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void golden_case(void **state)
{
	const char *name = *state; /* NAME.kfp, relative to dir */
	char out[4200], expect[4096], tmp[] = "/tmp/kfp-golden-XXXXXX";
	int fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);

	snprintf(expect, sizeof(expect), "%s/%.*s.out", dir,
		 (int)(strlen(name) - 4), name);
	int status = run(name, tmp);

	size_t got_len = 0, want_len = 0;
	char *got = slurp(tmp, &got_len);
	unlink(tmp);
	assert_non_null(got);

	if (getenv("KFP_GOLDEN_UPDATE")) {
		FILE *f = fopen(expect, "wb");
		assert_non_null(f);
		fwrite(got, 1, got_len, f);
		fclose(f);
	}
	char *want = slurp(expect, &want_len);
	if (!want)
		fail_msg("%s: missing %s (run with KFP_GOLDEN_UPDATE=1 to create it)",
			 name, expect);
	if (got_len != want_len || memcmp(got, want, got_len) != 0) {
		snprintf(out, sizeof(out), "%s.actual", expect);
		FILE *f = fopen(out, "wb");
		if (f) {
			fwrite(got, 1, got_len, f);
			fclose(f);
		}
		print_error("--- expected (%s)\n%s--- actual (saved as %s)\n%s",
			    expect, want, out, got);
		fail_msg("%s: output differs from %s", name, expect);
	}
	int want_status = strstr(want, ": error: ") ? 1 : 0;
	if (status != want_status)
		fail_msg("%s: exit status %d, expected %d", name, status, want_status);
	free(got);
	free(want);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct CMUnitTest *)a)->name,
		      ((const struct CMUnitTest *)b)->name);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: golden KFPC COMMAND DIR\n");
		return 2;
	}
	kfpc = argv[1];
	command = argv[2];
	dir = argv[3];

	DIR *d = opendir(dir);
	if (!d) {
		perror(dir);
		return 2;
	}
	size_t n = 0, cap = 64;
	struct CMUnitTest *tests = calloc(cap, sizeof(*tests));
	struct dirent *e;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".kfp") != 0)
			continue;
		/* Files named *.inc.kfp are only included by other cases. */
		if (len > 8 && strcmp(e->d_name + len - 8, ".inc.kfp") == 0)
			continue;
		if (n == cap)
			tests = realloc(tests, (cap *= 2) * sizeof(*tests));
		char *name = strdup(e->d_name);
		tests[n++] = (struct CMUnitTest){
			.name = name,
			.test_func = golden_case,
			.initial_state = name,
		};
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "golden: no .kfp cases in %s\n", dir);
		return 1;
	}
	qsort(tests, n, sizeof(*tests), by_name);
	int failed = _cmocka_run_group_tests(dir, tests, n, NULL, NULL);
	for (size_t i = 0; i < n; i++)
		free((void *)tests[i].name);
	free(tests);
	return failed ? 1 : 0;
}
