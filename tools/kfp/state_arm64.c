/* SPDX-License-Identifier: Apache-2.0 */
#include "state_arm64.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "state_lines.h"

static unsigned reg_bytes(uint64_t id)
{
	return 1u << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

/* "0x..." into `bytes` little-endian bytes (arm64's order, as KVM gives
 * them); false if it is not hex or does not fit. */
static bool parse_value(const char *s, size_t len, uint8_t *out, unsigned bytes)
{
	if (len < 3 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return false;
	memset(out, 0, bytes);
	unsigned nibble = 0;
	for (size_t i = len; i > 2; i--, nibble++) {
		int d = kfp_hex_digit(s[i - 1]);
		if (d < 0)
			return false;
		if (nibble / 2 >= bytes) {
			if (d)
				return false;
			continue;
		}
		out[nibble / 2] |= (uint8_t)(d << (4 * (nibble % 2)));
	}
	return true;
}

/* One line of the arm64 file after its magic (state_lines.h). */
static int state_line(void *file, char *line, const struct state_where *w)
{
	struct arm64_state_file *st = file;
	int rc = 0;
	if (!strncmp(line, "identity ", 9)) {
		const char *h = line + 9;
		if (strlen(h) != 32)
			rc = state_bad(w, "an identity has 32 hex digits");
		for (int i = 0; i < 16 && rc == 0; i++) {
			int hi = kfp_hex_digit(h[2 * i]), lo = kfp_hex_digit(h[2 * i + 1]);
			if (hi < 0 || lo < 0)
				rc = state_bad(w, "an identity has 32 hex digits");
			st->id[i] = (uint8_t)(hi << 4 | lo);
		}
		st->has_id = true;
	} else if (!strncmp(line, "kernel ", 7)) {
		snprintf(st->kernel, sizeof(st->kernel), "%.64s", line + 7);
	} else if (!strncmp(line, "reg ", 4)) {
		char *end, *v;
		errno = 0;
		uint64_t id = strtoull(line + 4, &end, 16);
		v = end + strspn(end, " \t");
		size_t len = strcspn(v, " \t");
		if (errno || end == line + 4 || strncmp(line + 4, "0x", 2) || v[len] != 0)
			rc = state_bad(w, "reg needs an id and a value");
		else if (reg_bytes(id) > ARM64_STATE_REG_BYTES)
			rc = state_bad(w, "register 0x%016" PRIx64 " is larger than %d bytes",
				       id, ARM64_STATE_REG_BYTES);
		else if (st->nregs == KFP_MAX_REG_LIST)
			rc = state_bad(w, "more than %d registers", KFP_MAX_REG_LIST);
		else if (!parse_value(v, len, st->values[st->nregs], reg_bytes(id)))
			rc = state_bad(w, "the value of 0x%016" PRIx64 " is not a hex number of %u bytes",
				       id, reg_bytes(id));
		else {
			st->regs[st->nregs] = (struct kfp_arm64_saved_reg){ id, st->values[st->nregs] };
			st->nregs++;
		}
	} else {
		rc = STATE_UNKNOWN;
	}
	return rc;
}

int arm64_state_read(const char *path, struct arm64_state_file *st, char *err, size_t err_size)
{
	static const struct state_format arm64 = {
		.magic = "kfp-arm64-state 1",
		.arch = "arm64",
		.line_size = 1024,
		.cut_ends = true,
		.line = state_line,
	};
	return state_lines_read(path, &arm64, st, sizeof(*st), err, err_size);
}

void arm64_state_write(FILE *out, const uint8_t id[16], const char *kernel, const uint64_t *ids,
		       const uint8_t (*values)[ARM64_STATE_REG_BYTES], uint32_t n)
{
	fputs("kfp-arm64-state 1\nidentity ", out);
	for (int i = 0; i < 16; i++)
		fprintf(out, "%02x", id[i]);
	fprintf(out, "\nkernel %s\n", kernel ? kernel : "unknown");
	for (uint32_t i = 0; i < n; i++) {
		unsigned bytes = reg_bytes(ids[i]);
		if (bytes > ARM64_STATE_REG_BYTES)
			continue;
		fprintf(out, "reg 0x%016" PRIx64 " 0x", ids[i]);
		for (unsigned b = bytes; b > 0; b--)
			fprintf(out, "%02x", values[i][b - 1]);
		fputc('\n', out);
	}
}

struct kfp_arm64_state arm64_state_view(const struct arm64_state_file *st)
{
	return (struct kfp_arm64_state){
		.id = st->has_id ? st->id : NULL,
		.regs = st->regs,
		.nregs = st->nregs,
		.kernel = st->kernel[0] ? st->kernel : NULL,
	};
}
