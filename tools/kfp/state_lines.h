/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What kfp's two state files (state.h for x86, state_arm64.h) share: the
 * reading loop (the file opened, its first line the format's magic, blank
 * lines and '#' comments passed over, "unknown line" for a line the format
 * does not have, "empty file" for a file with no line) and the
 * "FILE:LINE: ..." message of the first problem.  Each format reads its
 * own lines.  Nothing here calls KVM: it builds on every architecture.
 */
#ifndef KFP_TOOL_STATE_LINES_H
#define KFP_TOOL_STATE_LINES_H

#include <stdbool.h>
#include <stddef.h>

/* Where a reader is: the file, the line number (0: the file as a whole)
 * and the message buffer (err_size bytes). */
struct state_where {
	const char *path;
	unsigned line;
	char *err;
	size_t err_size;
};

/* Writes "FILE:LINE: <fmt ...>" into w->err; returns -1. */
int state_bad(const struct state_where *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define STATE_LINE_MAX 1024
#define STATE_UNKNOWN 1

struct state_format {
	const char *magic;  /* the first line, without its end: "kfp-x86-state 1" */
	const char *arch;   /* in "not a kfp <arch> state file" */
	int line_size;      /* fgets's buffer, at most STATE_LINE_MAX */
	/* false: a line keeps its "\n" (a blank line is "\n", the magic line
	 * ends with it); true: each line is cut at its first '\r' or '\n'. */
	bool cut_ends;
	/* One line after the magic that is neither blank nor a comment: 0,
	 * state_bad's -1, or STATE_UNKNOWN for a line the format does not
	 * have ("unknown line", its first 40 characters before any "\n"). */
	int (*line)(void *st, char *line, const struct state_where *w);
};

/* Zeroes st (st_size bytes) once the file is open, then reads it; 0, or
 * -1 with the message in err. */
int state_lines_read(const char *path, const struct state_format *fmt, void *st, size_t st_size,
		     char *err, size_t err_size);

#endif
