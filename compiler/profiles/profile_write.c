/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The host profile writer: the YAML format of docs/host-profile.md, which
 * the loader (profile_load.c) reads back without loss.
 */
#include "profile_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "base/kver.h"

/* Decodes one UTF-8 sequence the way libyaml's reader accepts it.
 * Returns its length, or 0 if it is not valid. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	unsigned n;
	uint32_t c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 2;
		c &= 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3;
		c &= 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4;
		c &= 0x07;
	} else {
		return 0;
	}
	for (unsigned i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
	if (c < min[n] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

bool kfp_utf8_valid(const char *s)
{
	uint32_t cp;
	for (const unsigned char *u = (const unsigned char *)s; *u;) {
		size_t n = utf8_decode(u, &cp);
		if (!n)
			return false;
		u += n;
	}
	return true;
}

/* A YAML double-quoted string.  Everything outside printable ASCII is
 * escaped, so no line break, BOM or control character can change the
 * meaning; the string must be valid UTF-8 (utf8_valid). */
static void write_string(FILE *out, const char *s)
{
	uint32_t cp;
	fputc('"', out);
	for (const unsigned char *u = (const unsigned char *)s; *u;) {
		size_t n = utf8_decode(u, &cp);
		u += n;
		if (cp == '"' || cp == '\\')
			fprintf(out, "\\%c", (char)cp);
		else if (cp == '\t' || cp == '\n' || cp == '\r')
			fprintf(out, "\\%c", cp == '\t' ? 't' : cp == '\n' ? 'n' : 'r');
		else if (cp >= 0x20 && cp < 0x7f)
			fputc((int)cp, out);
		else if (cp < 0x80)
			fprintf(out, "\\x%02" PRIx32, cp);
		else if (cp <= 0xffff)
			fprintf(out, "\\u%04" PRIx32, cp);
		else
			fprintf(out, "\\U%08" PRIx32, cp);
	}
	fputc('"', out);
}

static bool regs_sorted(const struct kfp_reg_value *v, size_t n, unsigned id_bits,
			unsigned value_bits)
{
	for (size_t i = 0; i < n; i++) {
		if (i && v[i - 1].id >= v[i].id)
			return false;
		if ((id_bits < 64 && v[i].id >> id_bits) ||
		    (value_bits < 64 && v[i].value >> value_bits))
			return false;
	}
	return true;
}

/* Whether kfp_profile_load would read the output back as the same profile. */
static bool writable(const struct kfp_host_profile *p)
{
	struct kfp_kver kv;
	if (!p->name || !*p->name || !kfp_utf8_valid(p->name) ||
	    !p->kernel_release || !kfp_utf8_valid(p->kernel_release) ||
	    !kfp_kver_parse(p->kernel_release, &kv))
		return false;
	if (p->arch != KFP_ARCH_X86_64 && p->arch != KFP_ARCH_ARM64)
		return false;
	if (!regs_sorted(p->caps, p->ncaps, 32, 32))
		return false;
	if (p->arch == KFP_ARCH_X86_64) {
		for (size_t i = 1; i < p->ncpuid; i++)
			if (kfp_cpuid_cmp(&p->cpuid[i - 1], &p->cpuid[i]) >= 0)
				return false;
		for (size_t i = 1; i < p->nhv_cpuid; i++)
			if (kfp_cpuid_cmp(&p->hv_cpuid[i - 1], &p->hv_cpuid[i]) >= 0)
				return false;
		if (p->nhv_cpuid && !p->has_hv_cpuid)
			return false;
		return regs_sorted(p->msrs, p->nmsrs, 32, 64) &&
		       !p->nreg_list && !p->nid_regs && !p->has_writable_masks &&
		       !p->nwritable_masks && !p->nfw_regs && !p->ncache_regs &&
		       !p->vcpu_features;
	}
	for (size_t i = 0; i < p->ncache_regs; i++)
		if (!kfp_arm64_is_cache_reg(p->cache_regs[i].id) ||
		    (p->cache_regs[i].id != KFP_ARM64_CLIDR_EL1 && p->cache_regs[i].value >> 32))
			return false;
	for (size_t i = 1; i < p->nreg_list; i++)
		if (p->reg_list[i - 1] >= p->reg_list[i])
			return false;
	return regs_sorted(p->id_regs, p->nid_regs, 64, 64) &&
	       regs_sorted(p->writable_masks, p->nwritable_masks, 64, 64) &&
	       regs_sorted(p->fw_regs, p->nfw_regs, 64, 64) &&
	       regs_sorted(p->cache_regs, p->ncache_regs, 64, 64) &&
	       (p->has_writable_masks || !p->nwritable_masks) &&
	       !p->ncpuid && !p->nmsrs && !p->xsave_size && !p->xcr0 && !p->xss &&
	       !p->has_hv_cpuid && !p->evmcs_version;
}

/* One register per line: these maps are what people diff. */
static void write_reg_map(FILE *out, const char *key,
			  const struct kfp_reg_value *v, size_t n)
{
	if (!n) {
		fprintf(out, "%s: {}\n", key);
		return;
	}
	fprintf(out, "%s:\n", key);
	for (size_t i = 0; i < n; i++)
		fprintf(out, "  0x%" PRIx64 ": 0x%" PRIx64 "\n", v[i].id,
			v[i].value);
}

static void write_cpuid(FILE *out, const char *key, const struct kfp_cpuid_entry *v, size_t n)
{
	if (!n)
		fprintf(out, "%s: []\n", key);
	else
		fprintf(out, "%s:  # function, index, flags, eax, ebx, ecx, edx\n", key);
	for (size_t i = 0; i < n; i++) {
		const struct kfp_cpuid_entry *e = &v[i];
		fprintf(out, "  - [0x%08" PRIx32 ", 0x%" PRIx32 ", 0x%" PRIx32
			", 0x%08" PRIx32 ", 0x%08" PRIx32 ", 0x%08" PRIx32
			", 0x%08" PRIx32 "]\n", e->function, e->index, e->flags,
			e->eax, e->ebx, e->ecx, e->edx);
	}
}

static void write_x86(const struct kfp_host_profile *p, FILE *out)
{
	write_cpuid(out, "cpuid", p->cpuid, p->ncpuid);
	write_reg_map(out, "msrs", p->msrs, p->nmsrs);
	fprintf(out, "xsave: {size: %" PRIu32 ", xcr0: 0x%" PRIx64
		", xss: 0x%" PRIx64 "}\n", p->xsave_size, p->xcr0, p->xss);
	if (p->has_hv_cpuid)
		write_cpuid(out, "hyperv_cpuid", p->hv_cpuid, p->nhv_cpuid);
	if (p->evmcs_version)
		fprintf(out, "evmcs_version: 0x%" PRIx16 "\n", p->evmcs_version);
}

static void write_arm64(const struct kfp_host_profile *p, FILE *out)
{
	fputs("reg_list: [", out);
	for (size_t i = 0; i < p->nreg_list; i++)
		fprintf(out, "%s0x%" PRIx64, i == 0 ? "\n  " : i % 4 ? ", " : ",\n  ",
			p->reg_list[i]);
	fputs("]\n", out);
	write_reg_map(out, "id_regs", p->id_regs, p->nid_regs);
	if (p->has_writable_masks)
		write_reg_map(out, "writable_masks", p->writable_masks,
			      p->nwritable_masks);
	write_reg_map(out, "firmware_regs", p->fw_regs, p->nfw_regs);
	/* Absent when nothing recorded it (older probes, fingerprints
	 * without these registers): the same as empty. */
	if (p->ncache_regs)
		write_reg_map(out, "cache_regs", p->cache_regs, p->ncache_regs);
	fputs("vcpu_features: [", out);
	const char *sep = "";
	for (unsigned bit = 0; bit < 32; bit++) {
		if (!(p->vcpu_features & 1u << bit))
			continue;
		if (bit < KFP_NVCPU_FEATURE_NAMES)
			fprintf(out, "%s%s", sep, kfp_vcpu_feature_names[bit]);
		else
			fprintf(out, "%s%u", sep, bit);
		sep = ", ";
	}
	fputs("]\n", out);
}

int kfp_profile_write(const struct kfp_host_profile *p, FILE *out)
{
	if (!writable(p))
		return -EINVAL;
	fprintf(out, "# KVM host profile, see docs/host-profile.md\n"
		     "kfp_host_profile: %d\nname: ", KFP_PROFILE_FORMAT);
	write_string(out, p->name);
	fprintf(out, "\narch: %s\nkernel: ", kfp_profile_arch_name(p->arch));
	write_string(out, p->kernel_release);
	fputs("\nkvm_caps: {", out);
	for (size_t i = 0; i < p->ncaps; i++)
		fprintf(out, "%s%" PRIu64 ": %" PRIu64, i ? ", " : "",
			p->caps[i].id, p->caps[i].value);
	fputs("}\n", out);
	if (p->arch == KFP_ARCH_X86_64)
		write_x86(p, out);
	else
		write_arm64(p, out);
	if (fflush(out) != 0 || ferror(out))
		return -EIO;
	return 0;
}
