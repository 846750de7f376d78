/* SPDX-License-Identifier: Apache-2.0 */
/* The command dispatch kfpc and kfp share: `PROG COMMAND ARGS...`, with
 * --help, --version and "did you mean" for a mistyped command. */
#ifndef KFP_GRAMMAR_CLI_H
#define KFP_GRAMMAR_CLI_H

#include <stddef.h>

struct kfp_cli_command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0] is the command */
};

/* Runs the command argv[1] names.  Exit status 0 for --help and --version,
 * 2 for a missing or unknown command. */
int kfp_cli_main(const char *prog, const char *version, const char *usage,
		 const struct kfp_cli_command *cmds, size_t n, int argc, char **argv);

#endif
