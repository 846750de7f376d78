/* SPDX-License-Identifier: Apache-2.0 */
#include "json.h"

#include <inttypes.h>

void json_string(const char *s, bool short_escapes, FILE *out)
{
	if (!s) {
		fputs("null", out);
		return;
	}
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (short_escapes && *p == '\n')
			fputs("\\n", out);
		else if (short_escapes && *p == '\r')
			fputs("\\r", out);
		else if (short_escapes && *p == '\t')
			fputs("\\t", out);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\u%04x", *p);
		else
			fputc(*p, out);
	}
	fputc('"', out);
}

void json_config_members(const struct kfp_config *cfg, const char *kernel, bool short_escapes,
			 FILE *out)
{
	fputs("\"policy\": ", out);
	json_string(cfg->policy, short_escapes, out);
	fprintf(out, ",\n  \"policy_version\": %" PRIu64 ",\n  \"fleet\": ", cfg->policy_version);
	json_string(cfg->fleet, short_escapes, out);
	fputs(",\n  \"identity\": \"", out);
	for (int i = 0; i < 16; i++)
		fprintf(out, "%02x", cfg->id[i]);
	fputs("\",\n  \"host_kernel\": ", out);
	json_string(kernel, short_escapes, out);
}
