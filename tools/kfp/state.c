/* SPDX-License-Identifier: Apache-2.0 */
#include "state.h"

#if defined(__x86_64__)

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "state_lines.h"

/* Reads `count` hex numbers ("0x..") after the keyword; false if the line
 * does not have exactly that many. */
static bool numbers(const char *s, uint64_t *v, int count)
{
	for (int i = 0; i < count; i++) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
			return false;
		char *end;
		errno = 0;
		v[i] = strtoull(s, &end, 16);
		if (errno || end == s + 2)
			return false;
		s = end;
	}
	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	return *s == 0;
}

/* "xsave-data 0x<offset> <hex bytes>" after xsave-size. */
static bool xsave_data(const char *s, struct state_file *st)
{
	char *end;
	errno = 0;
	unsigned long off = strtoul(s, &end, 16);
	if (errno || end == s || *end != ' ')
		return false;
	s = end + 1;
	size_t len = strcspn(s, "\r\n");
	if (len == 0 || len % 2 || len > 64 || off + len / 2 > st->xsave_size)
		return false;
	for (size_t i = 0; i < len / 2; i++) {
		unsigned b;
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return false;
		st->xsave[off + i] = (uint8_t)b;
	}
	return true;
}

/* One line of the x86 file after its magic (state_lines.h). */
static int state_line(void *file, char *line, const struct state_where *w)
{
	struct state_file *st = file;
	uint64_t v[7];
	int rc = 0;
	if (!strncmp(line, "identity ", 9)) {
		const char *h = line + 9;
		for (int i = 0; i < 16 && rc == 0; i++) {
			unsigned b;
			if (sscanf(h + 2 * i, "%2x", &b) != 1)
				rc = state_bad(w, "an identity has 32 hex digits");
			st->id[i] = (uint8_t)b;
		}
		st->has_id = true;
	} else if (!strncmp(line, "cpuid ", 6)) {
		if (!numbers(line + 6, v, 7))
			rc = state_bad(w, "cpuid needs function, index, flags, eax, ebx, ecx, edx");
		else if (st->ncpuid == KFP_MAX_CPUID_ENTRIES)
			rc = state_bad(w, "more than %d cpuid entries", KFP_MAX_CPUID_ENTRIES);
		else
			st->cpuid[st->ncpuid++] = (struct kvm_cpuid_entry2){
				.function = (uint32_t)v[0], .index = (uint32_t)v[1],
				.flags = (uint32_t)v[2], .eax = (uint32_t)v[3],
				.ebx = (uint32_t)v[4], .ecx = (uint32_t)v[5], .edx = (uint32_t)v[6],
			};
	} else if (!strncmp(line, "msr ", 4)) {
		if (!numbers(line + 4, v, 2))
			rc = state_bad(w, "msr needs an index and a value");
		else if (st->nmsrs == KFP_MAX_PLAN_MSRS)
			rc = state_bad(w, "more than %d MSRs", KFP_MAX_PLAN_MSRS);
		else
			st->msrs[st->nmsrs++] = (struct kvm_msr_entry){
				.index = (uint32_t)v[0], .data = v[1],
			};
	} else if (!strncmp(line, "xsave ", 6)) {
		if (!numbers(line + 6, v, 2)) {
			rc = state_bad(w, "xsave needs XSTATE_BV and XCOMP_BV");
		} else {
			for (int i = 0; i < 8; i++) {
				st->xsave[512 + i] = (uint8_t)(v[0] >> (8 * i));
				st->xsave[520 + i] = (uint8_t)(v[1] >> (8 * i));
			}
			st->has_xsave = true;
		}
	} else if (!strncmp(line, "xcr ", 4)) {
		if (!numbers(line + 4, v, 2))
			rc = state_bad(w, "xcr needs an index and a value");
		else if (st->nxcrs == KVM_MAX_XCRS)
			rc = state_bad(w, "more than %d XCRs", KVM_MAX_XCRS);
		else
			st->xcrs[st->nxcrs++] = (struct kvm_xcr){ .xcr = (uint32_t)v[0], .value = v[1] };
	} else if (!strncmp(line, "xsave-size ", 11)) {
		if (!numbers(line + 11, v, 1) || v[0] < 576 || v[0] > KFP_XSAVE_MAX)
			rc = state_bad(w, "xsave-size must be 576 to %d bytes", KFP_XSAVE_MAX);
		else
			st->xsave_size = (uint32_t)v[0];
	} else if (!strncmp(line, "xsave-data ", 11)) {
		rc = xsave_data(line + 11, st) ? 0 : state_bad(w,
			"xsave-data needs an offset and up to 32 bytes in hex, inside xsave-size");
	} else {
		rc = STATE_UNKNOWN;
	}
	return rc;
}

int state_read(const char *path, struct state_file *st, char *err, size_t err_size)
{
	static const struct state_format x86 = {
		.magic = "kfp-x86-state 1",
		.arch = "x86",
		.line_size = 512,
		.cut_ends = false,
		.line = state_line,
	};
	return state_lines_read(path, &x86, st, sizeof(*st), err, err_size);
}

void state_write(FILE *out, const uint8_t id[16], const struct kvm_cpuid2 *cpuid,
		 const struct kvm_msrs *msrs, uint64_t xstate_bv, uint64_t xcomp_bv)
{
	fputs("kfp-x86-state 1\nidentity ", out);
	for (int i = 0; i < 16; i++)
		fprintf(out, "%02x", id[i]);
	fputc('\n', out);
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &cpuid->entries[i];
		fprintf(out, "cpuid 0x%" PRIx32 " 0x%" PRIx32 " 0x%" PRIx32 " 0x%08" PRIx32
			" 0x%08" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32 "\n",
			e->function, e->index, e->flags, e->eax, e->ebx, e->ecx, e->edx);
	}
	for (uint32_t i = 0; i < msrs->nmsrs; i++)
		fprintf(out, "msr 0x%" PRIx32 " 0x%016" PRIx64 "\n", msrs->entries[i].index,
			(uint64_t)msrs->entries[i].data);
	fprintf(out, "xsave 0x%016" PRIx64 " 0x%016" PRIx64 "\n", xstate_bv, xcomp_bv);
}

void state_write_load(FILE *out, const struct kvm_xcrs *xcrs, const void *xsave, size_t size)
{
	for (uint32_t i = 0; i < xcrs->nr_xcrs; i++)
		fprintf(out, "xcr 0x%" PRIx32 " 0x%016" PRIx64 "\n", xcrs->xcrs[i].xcr,
			(uint64_t)xcrs->xcrs[i].value);
	fprintf(out, "xsave-size 0x%zx\n", size);
	const uint8_t *b = xsave;
	for (size_t off = 0; off < size; off += 32) {
		size_t n = size - off < 32 ? size - off : 32;
		bool zero = true;
		for (size_t i = 0; i < n && zero; i++)
			zero = b[off + i] == 0;
		if (zero)
			continue;
		fprintf(out, "xsave-data 0x%zx ", off);
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%02x", b[off + i]);
		fputc('\n', out);
	}
}

struct kfp_x86_state state_view(const struct state_file *st)
{
	return (struct kfp_x86_state){
		.id = st->has_id ? st->id : NULL,
		.cpuid = st->cpuid,
		.ncpuid = st->ncpuid,
		.msrs = st->msrs,
		.nmsrs = st->nmsrs,
		.xsave = st->has_xsave || st->xsave_size ? st->xsave : NULL,
		.xsave_size = st->xsave_size ? st->xsave_size : st->has_xsave ? 576 : 0,
	};
}

#endif
