/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ```kfp examples of docs/language.md must be true: every example that
 * is a complete policy (it has a `policy` statement) must pass `kfpc check`
 * against the real catalog.
 *
 *   check_doc_examples KFPC DOC
 *
 * Each example is written to a file of its own in a temporary directory and
 * checked there.  Markers, in the example's leading comment lines:
 *
 *   # file: NAME       the example is the file NAME of a policy split over
 *                      several files.  Consecutive examples with this marker
 *                      are written next to each other (NAME may contain
 *                      directories); only those with a `policy` statement
 *                      are checked, the others are their includes.
 *   # expect: error    the example shows a mistake: `kfpc check` must exit
 *                      with status 1 and report an error.
 *
 * Examples without a `policy` statement (fragments) are not checked.  Each
 * checked example is one test, named after its line in DOC; a failure prints
 * what kfpc said.  Exits 1 if any example fails, or if DOC has none.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <ftw.h>
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

struct example {
	unsigned line;      /* of the opening ```kfp in DOC */
	char *text;         /* the lines between the fences */
	char *name;         /* file name, relative to dir */
	char dir[64];       /* the directory it is written to, relative */
	bool multi;         /* has a "# file:" marker */
	bool expect_error;
	bool has_policy;
	char *bad_marker;   /* a marker this program does not know, if any */
};

static const char *kfpc, *doc;
static char workdir[] = "/tmp/kfp-doc-examples-XXXXXX";
static struct example *examples;
static size_t nexamples;

static char *xstrndup(const char *s, size_t n)
{
	char *r = strndup(s, n);
	if (!r) {
		perror("check_doc_examples");
		exit(2);
	}
	return r;
}

/* Reads the leading comment lines of an example for its markers, and looks
 * for a `policy` statement at the start of a line. */
static void scan_example(struct example *ex)
{
	bool leading = true;
	for (const char *p = ex->text; *p;) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		const char *s = p;
		while (s < p + len && (*s == ' ' || *s == '\t'))
			s++;
		if (leading && s < p + len && *s == '#') {
			if (!strncmp(s, "# file:", 7)) {
				const char *v = s + 7;
				while (*v == ' ')
					v++;
				size_t vlen = (size_t)(p + len - v);
				while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\r'))
					vlen--;
				free(ex->name);
				ex->name = xstrndup(v, vlen);
				ex->multi = true;
			} else if (!strncmp(s, "# expect:", 9)) {
				const char *v = s + 9;
				while (*v == ' ')
					v++;
				if (!strncmp(v, "error", 5) &&
				    (v + 5 == p + len || v[5] == ' ' || v[5] == '\r'))
					ex->expect_error = true;
				else if (!ex->bad_marker)
					ex->bad_marker = xstrndup(s, (size_t)(p + len - s));
			}
		} else if (s < p + len) {
			leading = false;
		}
		if (!strncmp(s, "policy", 6) && (s[6] == ' ' || s[6] == '\t' || s[6] == '"'))
			ex->has_policy = true;
		p = eol ? eol + 1 : p + len;
	}
}

/* A relative path that stays inside the example's directory. */
static bool safe_name(const char *name)
{
	if (!*name || name[0] == '/')
		return false;
	for (const char *p = name; *p;) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 2 && !strncmp(p, "..", 2)))
			return false;
		p += n;
		if (*p == '/')
			p++;
	}
	return true;
}

/* Splits DOC into its ```kfp examples.  Returns false (after saying why) if
 * DOC cannot be read or a fence is not closed. */
static bool read_doc(void)
{
	FILE *f = fopen(doc, "r");
	if (!f) {
		fprintf(stderr, "check_doc_examples: cannot read %s: %s\n", doc, strerror(errno));
		return false;
	}
	char *line = NULL;
	size_t cap = 0, ncap = 0;
	ssize_t len;
	unsigned lineno = 0, open_line = 0;
	bool in_kfp = false, in_other = false;
	char *buf = NULL;
	size_t buflen = 0;
	FILE *body = NULL;
	unsigned group = 0;

	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		bool fence = !strncmp(line, "```", 3);
		if (in_kfp) {
			if (!fence) {
				fputs(line, body);
				continue;
			}
			fclose(body);
			in_kfp = false;
			if (nexamples == ncap) {
				ncap = ncap ? 2 * ncap : 16;
				examples = realloc(examples, ncap * sizeof(*examples));
				if (!examples) {
					perror("check_doc_examples");
					exit(2);
				}
			}
			struct example *ex = &examples[nexamples++];
			*ex = (struct example){ .line = open_line, .text = buf };
			scan_example(ex);
			/* A "# file:" example joins the previous one's directory
			 * when that one is a "# file:" example too and its
			 * directory does not hold the name yet. */
			const struct example *prev = nexamples > 1 ? ex - 1 : NULL;
			bool join = ex->multi && prev && prev->multi;
			for (const struct example *o = examples; join && o < ex; o++)
				if (!strcmp(o->dir, prev->dir) && !strcmp(o->name, ex->name))
					join = false;
			if (join)
				memcpy(ex->dir, prev->dir, sizeof(ex->dir));
			else
				snprintf(ex->dir, sizeof(ex->dir), "ex%u", ++group);
			if (!ex->name) {
				char name[32];
				snprintf(name, sizeof(name), "line-%u.kfp", ex->line);
				ex->name = xstrndup(name, strlen(name));
			}
			buf = NULL;
			continue;
		}
		if (!fence)
			continue;
		if (in_other) {
			in_other = false;
			continue;
		}
		const char *info = line + 3;
		size_t ilen = strcspn(info, " \t\r\n");
		if (ilen == 3 && !strncmp(info, "kfp", 3)) {
			in_kfp = true;
			open_line = lineno;
			buflen = 0;
			body = open_memstream(&buf, &buflen);
			if (!body) {
				perror("check_doc_examples");
				exit(2);
			}
		} else {
			in_other = true;
			open_line = lineno;
		}
	}
	free(line);
	fclose(f);
	if (in_kfp || in_other) {
		if (in_kfp) {
			fclose(body);
			free(buf);
		}
		fprintf(stderr, "%s:%u: the code block opened here is not closed\n", doc, open_line);
		return false;
	}
	return true;
}

static int mkdirs(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = 0;
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* Writes every example under workdir/DIR/NAME. */
static bool write_examples(void)
{
	for (size_t i = 0; i < nexamples; i++) {
		struct example *ex = &examples[i];
		if (!safe_name(ex->name)) {
			fprintf(stderr, "%s:%u: '# file: %s' must be a relative path inside "
				"the example's directory\n", doc, ex->line, ex->name);
			return false;
		}
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s/%s", workdir, ex->dir, ex->name);
		char *slash = strrchr(path, '/');
		*slash = 0;
		if (mkdirs(path) != 0) {
			fprintf(stderr, "check_doc_examples: cannot create %s: %s\n", path,
				strerror(errno));
			return false;
		}
		*slash = '/';
		FILE *f = fopen(path, "w");
		if (!f || fputs(ex->text, f) < 0 || fclose(f) != 0) {
			fprintf(stderr, "check_doc_examples: cannot write %s: %s\n", path,
				strerror(errno));
			return false;
		}
	}
	return true;
}

/* Runs `kfpc check NAME` in the example's directory; *out gets what kfpc
 * printed (stdout and stderr).  Returns the exit status. */
static int run_check(const struct example *ex, char **out)
{
	char dir[4096], log[4096 + 16];
	snprintf(dir, sizeof(dir), "%s/%s", workdir, ex->dir);
	snprintf(log, sizeof(log), "%s/%s.log", workdir, ex->dir);
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (chdir(dir) != 0 || !freopen(log, "w", stdout) || dup2(fileno(stdout), 2) < 0)
			_exit(127);
		execl(kfpc, kfpc, "check", ex->name, (char *)NULL);
		_exit(127);
	}
	int status = -1;
	if (pid < 0 || waitpid(pid, &status, 0) < 0)
		status = -1;
	else
		status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);

	*out = NULL;
	FILE *f = fopen(log, "r");
	if (f) {
		size_t cap = 0;
		ssize_t n = getdelim(out, &cap, 0, f);
		if (n < 0) {
			free(*out);
			*out = NULL;
		}
		fclose(f);
	}
	if (!*out)
		*out = xstrndup("", 0);
	return status;
}

static void check_example(void **state)
{
	const struct example *ex = *state;
	if (ex->bad_marker)
		fail_msg("%s:%u: unknown marker '%s' (the markers are '# file: NAME' and "
			 "'# expect: error')", doc, ex->line, ex->bad_marker);
	char *out;
	int status = run_check(ex, &out);
	bool reported = strstr(out, ": error: ") != NULL;
	bool ok = ex->expect_error ? status == 1 && reported : status == 0;
	if (!ok) {
		/* kfpc's line L of the example is line ex->line + L of DOC. */
		print_error("%s:%u: kfpc check %s exited with status %d%s; kfpc said:\n%s"
			    "(line L of %s is line %u+L of %s)\n",
			    doc, ex->line, ex->name, status,
			    ex->expect_error ? ", but the example is marked '# expect: error'" : "",
			    out, ex->name, ex->line, doc);
		free(out);
		fail_msg("%s:%u: the example %s", doc, ex->line,
			 ex->expect_error ? "does not fail as its '# expect: error' says" :
					    "fails kfpc check");
	}
	free(out);
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(path);
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: check_doc_examples KFPC DOC\n");
		return 2;
	}
	/* Absolute, since each example is checked from its own directory. */
	char *kfpc_path = realpath(argv[1], NULL);
	if (!kfpc_path || access(kfpc_path, X_OK) != 0) {
		fprintf(stderr, "check_doc_examples: cannot run %s: %s\n", argv[1],
			strerror(errno));
		free(kfpc_path);
		return 2;
	}
	kfpc = kfpc_path;
	doc = argv[2];
	if (!read_doc()) {
		free(kfpc_path);
		return 1;
	}
	if (!mkdtemp(workdir)) {
		perror("check_doc_examples: mkdtemp");
		free(kfpc_path);
		return 2;
	}

	int failed = 1;
	struct CMUnitTest *tests = calloc(nexamples ? nexamples : 1, sizeof(*tests));
	size_t n = 0;
	if (tests && write_examples()) {
		for (size_t i = 0; i < nexamples; i++) {
			struct example *ex = &examples[i];
			if (!ex->has_policy && !ex->expect_error && !ex->bad_marker)
				continue;
			const char *base = strrchr(doc, '/');
			char name[300];
			snprintf(name, sizeof(name), "%.256s:%u", base ? base + 1 : doc, ex->line);
			tests[n++] = (struct CMUnitTest){
				.name = xstrndup(name, strlen(name)),
				.test_func = check_example,
				.initial_state = ex,
			};
		}
		if (n == 0) {
			fprintf(stderr, "check_doc_examples: %s has no complete kfp example\n", doc);
		} else {
			failed = _cmocka_run_group_tests(doc, tests, n, NULL, NULL);
			printf("%zu passed, %d failed (%zu kfp examples, %zu fragments not checked)\n",
			       n - (size_t)failed, failed, nexamples, nexamples - n);
		}
	}

	nftw(workdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	for (size_t i = 0; i < n; i++)
		free((void *)tests[i].name);
	free(tests);
	for (size_t i = 0; i < nexamples; i++) {
		free(examples[i].text);
		free(examples[i].name);
		free(examples[i].bad_marker);
	}
	free(examples);
	free(kfpc_path);
	return failed ? 1 : 0;
}
