/* SPDX-License-Identifier: Apache-2.0 */
/* Kernel versions (kver.h). */
#include "kver.h"

#include <string.h>

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool kfp_kver_parse(const char *s, struct kfp_kver *out)
{
	uint32_t part[3] = { 0, 0, 0 };
	unsigned parts = 0;

	while (parts < 3 && is_digit(*s)) {
		uint64_t v = 0;
		for (; is_digit(*s); s++) {
			v = v * 10 + (uint64_t)(*s - '0');
			if (v > UINT32_MAX)
				return false;
		}
		part[parts++] = (uint32_t)v;
		if (*s != '.')
			break;
		s++;
	}
	if (parts < 2)
		return false;
	memset(out, 0, sizeof(*out));
	out->major = part[0];
	out->minor = part[1];
	out->patch = part[2];
	out->parts = parts;
	return true;
}
