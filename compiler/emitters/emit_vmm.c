/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emitters for the VMMs people already run: a Firecracker custom CPU
 * template (vmm_firecracker.c), a QEMU `-cpu` argument and a libvirt
 * `<cpu>` element (vmm_qemu.c), each for one fleet.  They read the runtime
 * tables (tables.c) and the fleet's verdicts, so they say what `kfp apply`
 * would do, as far as each format can say it.  docs/vmm-formats.md
 * describes the mapping rules and what each format loses; the notes queued
 * here name the losses of one fleet.  This file holds the formats' names,
 * what they share and the dispatch.
 */
#include "vmm.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* ---- formats ---- */

/* One descriptor a format, in enum order: its name, the architectures
 * it describes (1 << enum kfp_arch) and its writer. */
#define ARCH(a) (1u << (a))

static const struct vmm_format {
	const char *name;
	unsigned arches;
	int (*emit)(const struct kfp_policy *pol, const struct kfp_fleet *fl, FILE *out,
		    struct kfp_ctx *ctx);
} formats[] = {
	[KFP_VMM_FIRECRACKER] = { "firecracker", ARCH(KFP_ARCH_X86_64) | ARCH(KFP_ARCH_ARM64),
				  kfp_vmm_firecracker },
	[KFP_VMM_QEMU] = { "qemu", ARCH(KFP_ARCH_X86_64), kfp_vmm_qemu },
	[KFP_VMM_LIBVIRT] = { "libvirt", ARCH(KFP_ARCH_X86_64), kfp_vmm_libvirt },
};

bool kfp_vmm_format_parse(const char *s, enum kfp_vmm_format *out)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (!strcmp(s, formats[i].name)) {
			*out = (enum kfp_vmm_format)i;
			return true;
		}
	return false;
}

const char *kfp_vmm_format_name(enum kfp_vmm_format fmt)
{
	return formats[fmt].name;
}

bool kfp_vmm_format_has_arch(enum kfp_vmm_format fmt, enum kfp_arch arch)
{
	return formats[fmt].arches & ARCH(arch);
}

/* ---- what the formats share ---- */

static void queue(struct kfp_ctx *ctx, enum kfp_severity sev, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void queue(struct kfp_ctx *ctx, enum kfp_severity sev, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	kfp_vdiag(ctx, sev, NULL, fmt, ap);
	va_end(ap);
}

void kfp_vmm_diag(struct kfp_ctx *ctx, enum kfp_severity sev, const struct kfp_fleet *fl,
		  const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *msg = kfp_xvasprintf(fmt, ap);
	va_end(ap);
	queue(ctx, sev, "fleet \"%s\": %s", fl->name, msg);
	free(msg);
}

void kfp_namelist_add(struct kfp_namelist *l, const char *name)
{
	char *t = kfp_xasprintf("%s%s%s", l->s ? l->s : "", l->s ? " " : "", name);
	free(l->s);
	l->s = t;
	l->n++;
}

void kfp_namelist_free(struct kfp_namelist *l)
{
	free(l->s);
	*l = (struct kfp_namelist){ 0 };
}

uint32_t kfp_fc_cpuid_flags(uint32_t leaf)
{
	/* cpuid_function_is_indexed(), arch/x86/include/asm/cpuid.h 6.12 */
	switch (leaf) {
	case 0x4:
	case 0x7:
	case 0xb:
	case 0xd:
	case 0xf:
	case 0x10:
	case 0x12:
	case 0x14:
	case 0x17:
	case 0x18:
	case 0x1d:
	case 0x1e:
	case 0x1f:
	case 0x24:
	case 0x8000001d:
		return 1;
	}
	return 0;
}

const char *kfp_vmm_msr_enabler(uint32_t msr)
{
	switch (msr) {
	case 0x10a: /* IA32_ARCH_CAPABILITIES */
		return "arch-capabilities";
	case 0x345: /* IA32_PERF_CAPABILITIES */
		return "pdcm";
	}
	return NULL;
}

const struct kfp_feat *kfp_vmm_find_feat(const struct kfp_fleet *fl, enum kfp_feat_kind kind,
					 const char *name)
{
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].kind == kind && !strcmp(fl->feats[i].c->name, name))
			return &fl->feats[i];
	return NULL;
}

bool kfp_vmm_msr_readable(const struct kfp_fleet *fl, uint32_t msr)
{
	const char *en = kfp_vmm_msr_enabler(msr);
	if (!en)
		return true;
	const struct kfp_feat *f = kfp_vmm_find_feat(fl, KFP_FEAT_CPUID, en);
	return f && kfp_feat_exposed(f);
}

/* ---- dispatch ---- */

int kfp_emit_vmm(enum kfp_vmm_format fmt, const struct kfp_policy *pol,
		 const struct kfp_fleet *fl, FILE *out, struct kfp_ctx *ctx)
{
	if (!kfp_vmm_format_has_arch(fmt, fl->arch)) {
		kfp_vmm_diag(ctx, KFP_SEV_ERROR, fl,
			     "the %s format describes x86_64 CPUs only, and this fleet is arm64",
			     kfp_vmm_format_name(fmt));
		return -1;
	}
	return formats[fmt].emit(pol, fl, out, ctx);
}
