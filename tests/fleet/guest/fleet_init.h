/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every in-guest program uses, arm64 and x86_64 (fleet_init.c):
 * console output, the first failure reason, the /init mounts, and running
 * a command with its output on the console.
 */
#ifndef FLEET_INIT_H
#define FLEET_INIT_H

#include <stdbool.h>
#include <stddef.h>

void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records the first failure reason (for KFP-RESULT FAIL); returns -1. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *fail_reason(void);

/* As /init: mounts devtmpfs, proc and sysfs, and takes the console from
 * devtmpfs when the kernel started init with no stdio (no /dev/console in
 * the initramfs). */
void fleet_setup_init(void);

/* A command a program runs, and what it printed (kept for the verdict). */
struct fleet_run {
	const char *name;
	int status; /* exit status (128 + signal), or -1 */
	char out[65536], err[8192];
	size_t nout, nerr;
};

/* Runs argv as a child and prints its output line by line as
 * "KFP-OUT <name> <line>" and "KFP-ERR <name> <line>", then
 * "KFP-EXIT <name> <status>".  -1 (with fail()) if it cannot be run. */
int fleet_run(struct fleet_run *r, char *const argv[]);

#endif
