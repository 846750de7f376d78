/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Golden tests: each NAME.kfp in a suite directory is run through a kfpc
 * command and everything kfpc prints (stdout and stderr, interleaved) must
 * equal NAME.out byte for byte.  The exit status must be 0 when NAME.out
 * holds no ": error: " and 1 otherwise.
 *
 *   golden KFPC COMMAND DIR [FLEET_DATA WORKDIR]
 *
 * A case may start with header comments:
 *   # kfpc: dump --fleet prod     the command and options (default COMMAND);
 *                                 an @ word stands for the case file, which
 *                                 otherwise comes last
 *   # hosts: cascadelake          run with --hosts WORKDIR/cascadelake
 *   # status: 1                   the expected exit status, when it is not
 *                                 what the presence of errors implies
 * Host classes are listed in DIR/hosts.list, one per line: a class name and
 * the Firecracker fingerprints (names under FLEET_DATA, without
 * "fingerprint_" and ".json") that `kfpc import-fingerprint` turns into its
 * profiles.  FLEET_DATA is part of the repository (tests/data/firecracker):
 * a case that needs hosts fails when it is absent.  A name SUBDIR/NAME is a
 * fingerprint in a sibling of FLEET_DATA (constructed/NAME: the constructed
 * data of tests/data/constructed).
 *
 * Set KFP_GOLDEN_UPDATE=1 to rewrite the .out files from the current output
 * (then review the diff before committing).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

static const char *kfpc, *command, *dir, *fleet_data, *workdir;
static bool have_fleet_data;

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
static int run_argv(char *const *argv, const char *outpath, const char *cwd)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if ((cwd && chdir(cwd) != 0) || !freopen(outpath, "w", stdout) ||
		    dup2(fileno(stdout), 2) < 0)
			_exit(127);
		setvbuf(stdout, NULL, _IONBF, 0);
		execv(argv[0], argv);
		_exit(127);
	}
	int status;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Reads "# key: value" from the case's leading comment lines. */
static bool header(const char *path, const char *key, char *val, size_t size)
{
	FILE *f = fopen(path, "r");
	char line[512];
	bool found = false;
	size_t klen = strlen(key);
	while (f && fgets(line, sizeof(line), f) && line[0] == '#') {
		if (strncmp(line + 1, " ", 1) || strncmp(line + 2, key, klen) ||
		    line[2 + klen] != ':')
			continue;
		const char *v = line + 3 + klen;
		while (*v == ' ')
			v++;
		snprintf(val, size, "%s", v);
		val[strcspn(val, "\n")] = 0;
		found = true;
		break;
	}
	if (f)
		fclose(f);
	return found;
}

static void golden_case(void **state)
{
	const char *name = *state; /* NAME.kfp, relative to dir */
	char out[4200], expect[4096], path[4096], cmd[512], hosts[256], hostdir[4096];
	char tmp[] = "/tmp/kfp-golden-XXXXXX";

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(cmd, sizeof(cmd), "%s", command);
	header(path, "kfpc", cmd, sizeof(cmd));
	bool need_hosts = header(path, "hosts", hosts, sizeof(hosts));
	if (need_hosts && !have_fleet_data)
		fail_msg("%s needs the fleet data (tests/data/firecracker), which is not at %s",
			 name, fleet_data ? fleet_data : "(none given)");

	/* argv: kfpc WORDS-OF-CMD [--hosts DIR] NAME.kfp */
	char *argv[32];
	int argc = 0;
	argv[argc++] = (char *)kfpc;
	bool placed = false;
	for (char *w = strtok(cmd, " "); w && argc < 26; w = strtok(NULL, " ")) {
		placed |= !strcmp(w, "@");
		argv[argc++] = !strcmp(w, "@") ? (char *)name : w;
	}
	if (need_hosts) {
		snprintf(hostdir, sizeof(hostdir), "%s/%s", workdir, hosts);
		argv[argc++] = (char *)"--hosts";
		argv[argc++] = hostdir;
	}
	if (!placed)
		argv[argc++] = (char *)name;
	argv[argc] = NULL;

	int fd = mkstemp(tmp);
	assert_true(fd >= 0);
	close(fd);
	snprintf(expect, sizeof(expect), "%s/%.*s.out", dir,
		 (int)(strlen(name) - 4), name);
	int status = run_argv(argv, tmp, dir);

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
	char st[32];
	int want_status = header(path, "status", st, sizeof(st)) ? atoi(st) :
			  strstr(want, ": error: ") || strstr(want, "kfpc: error: ") ? 1 : 0;
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

/* Imports the fingerprints of DIR/hosts.list into WORKDIR/CLASS/. */
static int make_hosts(void)
{
	char list[4096];
	snprintf(list, sizeof(list), "%s/hosts.list", dir);
	FILE *f = fopen(list, "r");
	if (!f)
		return 0;
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		char *cls = strtok(line, " \t\n");
		if (!cls || cls[0] == '#')
			continue;
		char cdir[4096];
		snprintf(cdir, sizeof(cdir), "%s/%s", workdir, cls);
		mkdir(workdir, 0755);
		mkdir(cdir, 0755);
		for (char *fp = strtok(NULL, " \t\n"); fp; fp = strtok(NULL, " \t\n")) {
			char in[4096], out[4096 + 300];
			const char *base = strrchr(fp, '/');
			if (base)
				snprintf(in, sizeof(in), "%s/../%.*s/fingerprint_%s.json", fleet_data,
					 (int)(base - fp), fp, base + 1);
			else
				snprintf(in, sizeof(in), "%s/fingerprint_%s.json", fleet_data, fp);
			snprintf(out, sizeof(out), "%s/%s.yaml", cdir, base ? base + 1 : fp);
			char *argv[] = { (char *)kfpc, (char *)"import-fingerprint", in,
					 (char *)"-o", out, NULL };
			char log[] = "/tmp/kfp-golden-import-XXXXXX";
			int fd = mkstemp(log);
			close(fd);
			int st = run_argv(argv, log, NULL);
			unlink(log);
			if (st != 0) {
				fprintf(stderr, "golden: kfpc import-fingerprint %s failed (%d)\n", in, st);
				fclose(f);
				return -1;
			}
		}
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 4 && argc != 6) {
		fprintf(stderr, "usage: golden KFPC COMMAND DIR [FLEET_DATA WORKDIR]\n");
		return 2;
	}
	kfpc = argv[1];
	command = argv[2];
	dir = argv[3];
	if (argc == 6) {
		struct stat st;
		fleet_data = argv[4];
		workdir = argv[5];
		have_fleet_data = stat(fleet_data, &st) == 0 && S_ISDIR(st.st_mode);
		if (have_fleet_data && make_hosts() != 0)
			return 1;
	}

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
