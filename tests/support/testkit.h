/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the tests that drive kfpc and kfp share: reading a file whole,
 * writing one, a scratch directory, and running a program with its output
 * captured.  Failures to do any of it fail the test (cmocka), except where
 * a NULL return is documented.
 */
#ifndef KFP_TESTS_TESTKIT_H
#define KFP_TESTS_TESTKIT_H

#include <stdbool.h>
#include <stddef.h>

/* The whole file, NUL-terminated (the caller frees it), its length in
 * *len when len is not NULL; NULL when it cannot be read. */
char *tk_slurp(const char *path, size_t *len);

/* Writes text to path, replacing it; asserts that every byte was written. */
void tk_write(const char *path, const char *text);
void tk_write_bytes(const char *path, const void *data, size_t len);

/* Makes a fresh directory from a mkdtemp(3) template such as
 * "/tmp/kfp-cli-XXXXXX" (rewritten in place); false on failure. */
bool tk_mkdtemp(char *tmpl);
/* Removes a directory tree; false on failure. */
bool tk_rmtree(const char *dir);

/* How to run a program. */
struct tk_how {
	const char *dir;       /* working directory, NULL: this one */
	const char *out_file;  /* standard output into this file (relative to
				* dir), "/dev/null" to discard; NULL: captured */
	bool merge_err;        /* standard error into standard output */
	unsigned time_limit_s; /* SIGALRM after so many seconds; 0: none */
};

struct tk_result {
	int status; /* exit status, or 128 + signal; 127: could not run */
	char *out;  /* standard output (NULL when out_file names a file) */
	char *err;  /* standard error (NULL when merged into out) */
};

/* Runs prog with args (NULL-terminated, at most 30) as argv[1...]. */
struct tk_result tk_run(const struct tk_how *how, const char *prog, const char *const *args);
void tk_result_free(struct tk_result *r);

#endif
