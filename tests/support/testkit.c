/* SPDX-License-Identifier: Apache-2.0 */
#include "testkit.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/util.h"

/* Larger than any file a test reads. */
#define TK_MAX_FILE (256u << 20)
#define TK_MAX_ARGS 30

char *tk_slurp(const char *path, size_t *len)
{
	size_t n = 0;
	char *buf = kfp_read_file(path, TK_MAX_FILE, &n);
	if (buf && len)
		*len = n;
	return buf;
}

void tk_write_bytes(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		fail_msg("cannot create %s: %s", path, strerror(errno));
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

void tk_write(const char *path, const char *text)
{
	tk_write_bytes(path, text, strlen(text));
}

bool tk_mkdtemp(char *tmpl)
{
	return mkdtemp(tmpl) != NULL;
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

bool tk_rmtree(const char *dir)
{
	return nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0;
}

/* A file that holds what the child writes; read back after it exits. */
static FILE *capture(void)
{
	FILE *f = tmpfile();
	assert_non_null(f);
	return f;
}

static char *read_back(FILE *f)
{
	if (!f)
		return NULL;
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	long size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	char *buf = kfp_xmalloc((size_t)size + 1);
	assert_int_equal(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = 0;
	fclose(f);
	return buf;
}

struct tk_result tk_run(const struct tk_how *how, const char *prog, const char *const *args)
{
	static const struct tk_how plain;
	if (!how)
		how = &plain;
	const char *argv[TK_MAX_ARGS + 2] = { prog };
	size_t argc = 1;
	for (; args[argc - 1]; argc++) {
		assert_true(argc <= TK_MAX_ARGS);
		argv[argc] = args[argc - 1];
	}
	FILE *out = how->out_file ? NULL : capture();
	FILE *err = how->merge_err ? NULL : capture();
	fflush(stdout); /* or the child writes the parent's buffer again */
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (how->dir && chdir(how->dir) != 0)
			_exit(127);
		int ofd = out ? fileno(out)
			      : open(how->out_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
		if (ofd < 0 || dup2(ofd, STDOUT_FILENO) < 0 ||
		    dup2(err ? fileno(err) : STDOUT_FILENO, STDERR_FILENO) < 0)
			_exit(127);
		if (how->time_limit_s)
			alarm(how->time_limit_s);
		execv(prog, (char *const *)argv);
		_exit(127);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return (struct tk_result){
		.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
		.out = read_back(out),
		.err = read_back(err),
	};
}

void tk_result_free(struct tk_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}
