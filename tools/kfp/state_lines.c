/* SPDX-License-Identifier: Apache-2.0 */
/* The reading loop and the message both state files share (state_lines.h). */
#include "state_lines.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int state_bad(const struct state_where *w, const char *fmt, ...)
{
	int n = snprintf(w->err, w->err_size, "%s:%u: ", w->path, w->line);
	va_list ap;
	va_start(ap, fmt);
	if (n >= 0 && (size_t)n < w->err_size)
		vsnprintf(w->err + n, w->err_size - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

int state_lines_read(const char *path, const struct state_format *fmt, void *st, size_t st_size,
		     char *err, size_t err_size)
{
	struct state_where w = { .path = path, .line = 0, .err = err, .err_size = err_size };
	FILE *f = fopen(path, "r");
	if (!f)
		return state_bad(&w, "%s", strerror(errno));
	memset(st, 0, st_size);
	/* What ends a line as the format reads it: a blank line is only that. */
	const char *end = fmt->cut_ends ? "" : "\n";
	size_t magic_len = strlen(fmt->magic);
	char line[STATE_LINE_MAX];
	int size = fmt->line_size < STATE_LINE_MAX ? fmt->line_size : STATE_LINE_MAX;
	int rc = 0;
	while (rc == 0 && fgets(line, size, f)) {
		w.line++;
		if (fmt->cut_ends)
			line[strcspn(line, "\r\n")] = 0;
		if (line[0] == '#' || !strcmp(line, end))
			continue;
		if (w.line == 1) {
			if (strncmp(line, fmt->magic, magic_len) || strcmp(line + magic_len, end))
				rc = state_bad(&w, "not a kfp %s state file (expected \"%s\")", fmt->arch,
					       fmt->magic);
		} else if ((rc = fmt->line(st, line, &w)) == STATE_UNKNOWN) {
			line[strcspn(line, "\n")] = 0;
			rc = state_bad(&w, "unknown line \"%.40s\"", line);
		}
	}
	if (rc == 0 && w.line == 0)
		rc = state_bad(&w, "empty file");
	fclose(f);
	return rc;
}
