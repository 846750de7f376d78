/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output files, the one way kfpc and kfp write them.  What a command prints
 * goes to memory first; committing writes it out with every write, fsync and
 * close checked.  A regular file (or a path that does not exist yet) is
 * written to a temporary file beside it, renamed over it only once it is
 * complete and synced: a failed run leaves the old file as it was and no
 * temporary file behind.  A symbolic link is followed: the file it points
 * to is replaced, the link stays.  Anything else (a device, a FIFO, this
 * process's standard output under any name, such as /dev/stdout) is written
 * in place, never replaced.  Every failure is reported, before anything is
 * replaced, as "PROG: cannot write PATH: reason".
 */
#ifndef KFP_TOOLS_OUTPUT_H
#define KFP_TOOLS_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct kfp_output {
	const char *prog;  /* message prefix: "kfpc" or "kfp" */
	const char *path;  /* as given; NULL or "-" is standard output */
	FILE *f;           /* what the command writes into (memory) */
	char *buf;
	size_t len;
	int fd;            /* in place: the target, opened; else -1 */
	char *target;      /* else: the file to replace, symlinks resolved */
	unsigned mode;     /* the permissions the new file gets */
};

/* Opens an output.  Returns out->f, or NULL after printing why the path
 * cannot be written (a directory, a missing or read-only directory...). */
FILE *kfp_output_open(struct kfp_output *out, const char *prog, const char *path);

/* Writes out n opened outputs.  Devices, FIFOs and standard output are
 * written first (that cannot be taken back); then each regular file is
 * written and synced under a temporary name, and only when all of them
 * are complete are they renamed over their targets, so a failure replaces
 * none.  Interrupts wait while temporary files exist.  Releases every
 * output; returns false after printing why. */
bool kfp_output_commit(struct kfp_output *outs, size_t n);

/* Releases an opened output without writing anything. */
void kfp_output_discard(struct kfp_output *out);

/* Opens, writes len bytes and commits. */
bool kfp_output_write(const char *prog, const char *path, const void *buf, size_t len);

#endif
