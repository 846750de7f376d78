/* SPDX-License-Identifier: Apache-2.0 */
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>

static void (*oom_handler)(void);

void kfp_set_oom_handler(void (*handler)(void))
{
	oom_handler = handler;
}

static void oom(void)
{
	if (oom_handler)
		oom_handler();
	abort();
}

void *kfp_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (!p)
		oom();
	return p;
}

void *kfp_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom();
	return p;
}

void *kfp_xrealloc(void *p, size_t n)
{
	p = realloc(p, n ? n : 1);
	if (!p)
		oom();
	return p;
}

char *kfp_xstrdup(const char *s)
{
	return kfp_xstrndup(s, strlen(s));
}

char *kfp_xstrndup(const char *s, size_t n)
{
	char *p = kfp_xmalloc(n + 1);
	memcpy(p, s, n);
	p[n] = 0;
	return p;
}

char *kfp_xvasprintf(const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0)
		oom();
	char *p = kfp_xmalloc((size_t)n + 1);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	return p;
}

char *kfp_xasprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *p = kfp_xvasprintf(fmt, ap);
	va_end(ap);
	return p;
}

char *kfp_read_file(const char *path, size_t max, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	struct stat st;
	if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
		fclose(f);
		errno = EISDIR;
		return NULL;
	}
	size_t cap = 1 << 14, n = 0, k;
	char *buf = kfp_xmalloc(cap);
	while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
		n += k;
		if (n + 1 < cap)
			continue;
		if (cap > max) {
			free(buf);
			fclose(f);
			errno = EFBIG;
			return NULL;
		}
		buf = kfp_xrealloc(buf, cap *= 2);
	}
	int err = ferror(f) ? EIO : 0;
	fclose(f);
	if (err || n > max) {
		free(buf);
		errno = err ? err : EFBIG;
		return NULL;
	}
	buf[n] = 0;
	*len = n;
	return buf;
}
