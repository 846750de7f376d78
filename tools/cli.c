/* SPDX-License-Identifier: Apache-2.0 */
#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/ctx.h"
#include "base/util.h"

static const char *oom_prog;

/* The allocators abort on exhaustion; only the tool says so, by its name. */
static void report_oom(void)
{
	static const char msg[] = ": out of memory\n";
	/* write(2), not stdio: nothing here may allocate. */
	(void)!write(STDERR_FILENO, oom_prog, strlen(oom_prog));
	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
}

/* What a command printed must have reached standard output: a full disk
 * or a closed pipe is an error, not a success. */
static int finish_stdout(const char *prog, int status)
{
	int err = fflush(stdout) != 0 ? errno : ferror(stdout) ? EIO : 0;
	if (!err)
		return status;
	fprintf(stderr, "%s: cannot write standard output: %s\n", prog, strerror(err));
	return status > 2 ? status : 2;
}

int kfp_cli_main(const char *prog, const char *version, const char *usage,
		 const struct kfp_cli_command *cmds, size_t n, int argc, char **argv)
{
	oom_prog = prog;
	kfp_set_oom_handler(report_oom);
	if (argc < 2) {
		fprintf(stderr, "%s: missing command\nTry '%s --help'.\n", prog, prog);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage, stdout);
		return 0;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("%s %s\n", prog, version);
		return 0;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return finish_stdout(prog, cmds[i].run(argc - 1, argv + 1));

	const char **names = kfp_xcalloc(n + 1, sizeof(*names));
	for (size_t i = 0; i < n; i++)
		names[i] = cmds[i].name;
	const char *s = kfp_suggest(argv[1], names, n);
	fprintf(stderr, "%s: unknown command '%s'", prog, argv[1]);
	if (s)
		fprintf(stderr, "; did you mean '%s'?", s);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	free(names);
	return 2;
}
