/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Out of memory: the allocators (base/util.c) abort, and print nothing of
 * their own.  Only a tool says so, under its own name: kfp_cli_main()
 * installs the handler, so that kfpc says "kfpc: out of memory" and kfp
 * says "kfp: out of memory".
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/util.h"
#include "tools/cli.h"

/* An allocation no allocator grants; under ASan, malloc returns NULL for
 * it instead of reporting. */
#define TOO_MUCH (SIZE_MAX / 4)
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

static int run_exhaust(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	free(kfp_xmalloc(TOO_MUCH));
	return 0;
}

static const struct kfp_cli_command commands[] = { { "exhaust", run_exhaust } };

/* A sanitizer's own report lines ("==PID==WARNING: AddressSanitizer failed
 * to allocate ...") are not the program's: drop them. */
static void drop_sanitizer_lines(char *text)
{
	char *out = text;
	for (const char *line = text; *line;) {
		const char *nl = strchr(line, '\n');
		size_t len = nl ? (size_t)(nl - line) + 1 : strlen(line);
		if (strncmp(line, "==", 2) != 0) {
			memmove(out, line, len);
			out += len;
		}
		line += len;
	}
	*out = 0;
}

/* Runs fn in a child with stderr captured: its stderr and how it ended. */
static void in_child(void (*fn)(void), char *err, size_t size, int *status)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		signal(SIGABRT, SIG_DFL);
		dup2(fds[1], STDERR_FILENO);
		close(fds[0]);
		fn();
		_exit(0);
	}
	close(fds[1]);
	size_t n = 0;
	ssize_t r;
	while (n + 1 < size && (r = read(fds[0], err + n, size - 1 - n)) > 0)
		n += (size_t)r;
	err[n] = 0;
	close(fds[0]);
	assert_int_equal(waitpid(pid, status, 0), pid);
	drop_sanitizer_lines(err);
}

static void tool_exhausts(void)
{
	char *argv[] = { "kfpc", "exhaust", NULL };
	kfp_cli_main("kfpc", "0", "usage\n", commands, 1, 2, argv);
}

static void library_exhausts(void)
{
	free(kfp_xmalloc(TOO_MUCH));
}

static void test_tool_names_itself(void **state)
{
	(void)state;
	char err[256];
	int status;
	in_child(tool_exhausts, err, sizeof(err), &status);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(err, "kfpc: out of memory\n");
}

static void test_library_prints_nothing(void **state)
{
	(void)state;
	char err[256];
	int status;
	in_child(library_exhausts, err, sizeof(err), &status);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
	assert_string_equal(err, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tool_names_itself),
		cmocka_unit_test(test_library_prints_nothing),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
