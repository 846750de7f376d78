/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation helpers that abort on exhaustion, and a growable-array macro. */
#ifndef KFP_GRAMMAR_UTIL_H
#define KFP_GRAMMAR_UTIL_H

#include <stdarg.h>
#include <stddef.h>

void *kfp_xmalloc(size_t n);
void *kfp_xcalloc(size_t n, size_t size);
void *kfp_xrealloc(void *p, size_t n);
char *kfp_xstrdup(const char *s);
char *kfp_xstrndup(const char *s, size_t n);
char *kfp_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *kfp_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Called when an allocation fails, before the process aborts.  The
 * libraries print nothing: the tool that runs them installs a handler that
 * says so under its own name (tools/cli.c).  NULL: abort silently. */
void kfp_set_oom_handler(void (*handler)(void));

/* The value of a hexadecimal digit, or -1. */
static inline int kfp_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Reads a whole file into a NUL-terminated buffer (the caller frees it).
 * Returns NULL with errno set on failure; EFBIG beyond max bytes. */
char *kfp_read_file(const char *path, size_t max, size_t *len);

/* Appends x to the array (arr, n, cap), growing it as needed. */
#define KFP_VEC_PUSH(arr, n, cap, x)                                           \
	do {                                                                   \
		if ((n) == (cap)) {                                            \
			(cap) = (cap) ? 2 * (cap) : 8;                         \
			(arr) = kfp_xrealloc((arr), (cap) * sizeof(*(arr)));   \
		}                                                              \
		(arr)[(n)++] = (x);                                            \
	} while (0)

#endif
