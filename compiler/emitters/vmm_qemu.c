/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A fleet as a QEMU `-cpu` argument and as a libvirt domain `<cpu>`
 * element, x86_64 only.  Both name features (vmm_names.c) on top of the
 * qemu64 model, so they share how the fleet's features become flags.
 */
#include "vmm.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/semantics/sema.h"
#include "base/util.h"

/* What QEMU's qemu64 model turns on by itself (QEMU 7.2 builtin_x86_defs,
 * plus what its KVM accelerator adds: x2apic and the KVM paravirtual
 * features), by catalog name.  A hidden feature in this list is written
 * `=off` (QEMU) or `policy='disable'` (libvirt, whose own qemu64 lacks
 * lahf_lm and the KVM additions, which QEMU still enables). */
static const char *const qemu64_defaults[] = {
	"fpu", "de", "pse", "tsc", "msr", "pae", "mce", "cx8", "apic", "sep", "mtrr", "pge",
	"mca", "cmov", "pat", "pse36", "clflush", "mmx", "fxsr", "sse", "sse2", "pni", "cx16",
	"syscall", "nx", "lm", "lahf_lm", "svm", "x2apic",
	/* KVM accelerator defaults (kvm_default_props) */
	"kvmclock", "kvmclock2", "nopiodelay", "async_pf", "steal_time", "pv_eoi",
	"clocksource_stable",
};

#define QEMU_BASE_MODEL "qemu64"

static bool in_qemu64(const struct kfp_feat *f)
{
	if (f->kind != KFP_FEAT_CPUID && f->kind != KFP_FEAT_KVM)
		return false;
	/* The bits a VMM owns are written either way: QEMU sets the
	 * hypervisor bit in every model, and whether it offers tsc-deadline
	 * depends on the model and the irqchip. */
	if (f->kind == KFP_FEAT_CPUID && ((const struct kfp_cat_cpuid *)f->cat)->vmm_owned)
		return true;
	for (size_t i = 0; i < sizeof(qemu64_defaults) / sizeof(qemu64_defaults[0]); i++)
		if (!strcmp(f->c->name, qemu64_defaults[i]))
			return true;
	return false;
}

/* Exposed, and visible through the format: an MSR bit only counts when
 * its MSR can be read. */
static bool exposed_for_vmm(const struct kfp_fleet *fl, const struct kfp_feat *f)
{
	if (!kfp_feat_exposed(f))
		return false;
	if (f->kind == KFP_FEAT_MSR_BIT)
		return kfp_vmm_msr_readable(fl, ((const struct kfp_cat_msr_bit *)f->cat)->msr->index);
	return true;
}

static void hexid(FILE *out, const uint8_t id[16])
{
	for (int k = 0; k < 16; k++)
		fprintf(out, "%02x", id[k]);
}

/* One VMM feature name and the catalog features behind it (QEMU's
 * "kvmclock" sets two bits). */
struct vmm_flag {
	char name[160];
	bool all_exposed, any_exposed, qemu64;
};

struct vmm_flags {
	struct vmm_flag *v;
	size_t n, cap;
	struct kfp_namelist unnamed; /* exposed, but the VMM has no name */
};

static void collect_flags(enum kfp_vmm_format fmt, const struct kfp_fleet *fl,
			  struct vmm_flags *fs)
{
	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		bool exposed = exposed_for_vmm(fl, f);
		char name[160];
		if (f->kind == KFP_FEAT_XSAVE || f->kind == KFP_FEAT_HYPERCALL ||
		    f->kind == KFP_FEAT_VCPU)
			continue;
		/* libvirt sets KVM features outside <cpu>: kfp_vmm_libvirt()
		 * lists them in a comment. */
		if (fmt == KFP_VMM_LIBVIRT && (f->kind == KFP_FEAT_KVM || f->kind == KFP_FEAT_HYPERV))
			continue;
		if (!kfp_vmm_feature_name(fmt, f->kind, f->c->name, name, sizeof(name))) {
			if (exposed)
				kfp_namelist_add(&fs->unnamed, f->c->name);
			continue;
		}
		struct vmm_flag *fg = NULL;
		for (size_t k = 0; k < fs->n && !fg; k++)
			if (!strcmp(fs->v[k].name, name))
				fg = &fs->v[k];
		if (!fg) {
			struct vmm_flag nf = { .all_exposed = true };
			snprintf(nf.name, sizeof(nf.name), "%s", name);
			KFP_VEC_PUSH(fs->v, fs->n, fs->cap, nf);
			fg = &fs->v[fs->n - 1];
		}
		fg->all_exposed &= exposed;
		fg->any_exposed |= exposed;
		fg->qemu64 |= in_qemu64(f);
	}
}

static void flags_notes(enum kfp_vmm_format fmt, const struct kfp_fleet *fl,
			const struct vmm_flags *fs, struct kfp_ctx *ctx)
{
	const char *vmm = fmt == KFP_VMM_QEMU ? "QEMU 7.2" : "libvirt 9.0";
	if (fs->unnamed.n)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl, "%s has no name for these exposed features, which the guest will not see: %s",
			     vmm, fs->unnamed.s);
	for (size_t k = 0; k < fs->n; k++)
		if (fs->v[k].any_exposed && !fs->v[k].all_exposed)
			kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl,
				     "%s's '%s' covers several catalog features and only some are exposed: left off",
				     vmm, fs->v[k].name);
	size_t nraw = 0;
	for (size_t k = 0; k < fl->nraw; k++)
		nraw += fl->raw[k].exposed;
	if (nraw)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl, "%zu raw cpuid bit(s) set to 1 have no %s name: not exposed", nraw,
			     vmm);
}

/* With Hyper-V on: can every fleet kernel enforce hidden enlightenments?
 * QEMU's hv-enforce-cpuid fails to start a VM on a kernel that cannot. */
static bool hyperv_enforceable(const struct kfp_policy *pol, const struct kfp_fleet *fl)
{
	return !kfp_fleet_first_without(fl, pol->cat->hv_enforce_since);
}

int kfp_vmm_qemu(const struct kfp_policy *pol, const struct kfp_fleet *fl, FILE *out,
		 struct kfp_ctx *ctx)
{
	struct vmm_flags fs = { 0 };
	char v[16];
	collect_flags(KFP_VMM_QEMU, fl, &fs);
	flags_notes(KFP_VMM_QEMU, fl, &fs, ctx);
	fputs(QEMU_BASE_MODEL, out);
	for (size_t k = 0; k < fs.n; k++) {
		const struct vmm_flag *fg = &fs.v[k];
		if (fg->all_exposed)
			fprintf(out, ",%s=on", fg->name);
		else if (fg->qemu64)
			fprintf(out, ",%s=off", fg->name);
	}
	if (kfp_fleet_hyperv(fl)) {
		if (hyperv_enforceable(pol, fl))
			fputs(",hv-enforce-cpuid=on", out);
		else
			kfp_vmm_diag(ctx, KFP_SEV_WARNING, fl,
				     "no hv-enforce-cpuid: kernels before %s lack KVM_CAP_HYPERV_ENFORCE_CPUID, and QEMU would not start there; a guest can use hidden enlightenments",
				     kfp_kv_str(pol->cat->hv_enforce_since, v));
	}
	fputs(",enforce\n", out);
	kfp_namelist_free(&fs.unnamed);
	free(fs.v);
	return 0;
}

/* Text for an XML comment: no "--", no trailing '-'. */
static void xml_comment_text(FILE *out, const char *s)
{
	char prev = 0;
	for (; *s; s++) {
		char c = *s;
		if ((unsigned char)c < 0x20)
			c = ' ';
		if (c == '-' && (prev == '-' || !s[1]))
			fputc(' ', out);
		fputc(c, out);
		prev = c;
	}
}

/* <features><hyperv mode='custom'>: every enlightenment libvirt names,
 * on or off (default deny), when Hyper-V is on.  Exposed ones libvirt
 * names elsewhere or not at all go to *outside and *unnamed. */
static void libvirt_hyperv(const struct kfp_fleet *fl, FILE *out, struct kfp_namelist *outside,
			   struct kfp_namelist *unnamed)
{
	char name[64], direct[16] = "";
	if (!kfp_fleet_hyperv(fl))
		return;
	const struct kfp_feat *sd = kfp_vmm_find_feat(fl, KFP_FEAT_HYPERV, "hv-stimer-direct");
	if (sd && kfp_feat_exposed(sd))
		snprintf(direct, sizeof(direct), "on");
	fputs("<features>\n  <hyperv mode='custom'>\n", out);
	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (f->kind != KFP_FEAT_HYPERV)
			continue;
		bool on = kfp_feat_exposed(f);
		if (!kfp_vmm_feature_name(KFP_VMM_LIBVIRT, f->kind, f->c->name, name, sizeof(name))) {
			if (on && (!strcmp(f->c->name, "hv-time") || !strcmp(f->c->name, "hv-crash")))
				kfp_namelist_add(outside, f->c->name);
			else if (on)
				kfp_namelist_add(unnamed, f->c->name);
			continue;
		}
		if (!strcmp(name, "stimer-direct"))
			continue;
		if (!strcmp(name, "stimer") && on)
			fprintf(out, "    <stimer state='on'><direct state='%s'/></stimer>\n",
				*direct ? direct : "off");
		else
			fprintf(out, "    <%s state='%s'/>\n", name, on ? "on" : "off");
	}
	fputs("  </hyperv>\n</features>\n", out);
}

int kfp_vmm_libvirt(const struct kfp_policy *pol, const struct kfp_fleet *fl, FILE *out,
		    struct kfp_ctx *ctx)
{
	struct vmm_flags fs = { 0 };
	struct kfp_namelist kvm_on = { 0 }, kvm_off = { 0 }, hv_outside = { 0 }, hv_unnamed = { 0 };
	char *hv = NULL;
	size_t hv_len = 0;
	FILE *hvf = open_memstream(&hv, &hv_len);
	libvirt_hyperv(fl, hvf, &hv_outside, &hv_unnamed);
	fclose(hvf);
	collect_flags(KFP_VMM_LIBVIRT, fl, &fs);
	/* KVM paravirtual features are not <cpu> features in libvirt. */
	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (f->kind != KFP_FEAT_KVM)
			continue;
		if (kfp_feat_exposed(f))
			kfp_namelist_add(&kvm_on, f->c->name);
		else if (in_qemu64(f))
			kfp_namelist_add(&kvm_off, f->c->name);
	}
	flags_notes(KFP_VMM_LIBVIRT, fl, &fs, ctx);
	if (kvm_on.n || kvm_off.n)
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl,
			     "KVM paravirtual features are set outside <cpu> (<clock>, <features><kvm>): see the comment in the output");

	fputs("<!-- Generated by kfpc from policy \"", out);
	xml_comment_text(out, pol->name);
	fprintf(out, "\" version %" PRIu64 ", fleet \"", pol->version);
	xml_comment_text(out, fl->name);
	fputs("\" (identity ", out);
	hexid(out, fl->id);
	fputs("). Do not edit. -->\n", out);
	if (fs.unnamed.n) {
		fputs("<!-- Exposed by the policy, but libvirt has no name for them (the guest will not see them): ",
		      out);
		xml_comment_text(out, fs.unnamed.s);
		fputs(" -->\n", out);
	}
	if (kvm_on.n || kvm_off.n) {
		fputs("<!-- KVM paravirtual features are set outside <cpu> (<clock>, <features><kvm>).", out);
		if (kvm_on.n) {
			fputs(" Exposed: ", out);
			xml_comment_text(out, kvm_on.s);
			fputs(".", out);
		}
		if (kvm_off.n) {
			fputs(" Hidden, but QEMU enables them by default with KVM: ", out);
			xml_comment_text(out, kvm_off.s);
			fputs(".", out);
		}
		fputs(" -->\n", out);
	}
	if (hv_outside.n) {
		fputs("<!-- Hyper-V enlightenments libvirt sets outside <features> (hv-time: <clock><timer name='hypervclock' present='yes'/>; hv-crash: <devices><panic model='hyperv'/>). Exposed: ",
		      out);
		xml_comment_text(out, hv_outside.s);
		fputs(" -->\n", out);
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl, "Hyper-V enlightenments set outside <features>: %s (see the comment in the output)",
			     hv_outside.s);
	}
	if (hv_unnamed.n) {
		fputs("<!-- Exposed Hyper-V enlightenments libvirt 9.0 has no element for (the guest will not see them): ",
		      out);
		xml_comment_text(out, hv_unnamed.s);
		fputs(" -->\n", out);
		kfp_vmm_diag(ctx, KFP_SEV_NOTE, fl, "libvirt 9.0 has no element for these exposed Hyper-V enlightenments, which the guest will not see: %s",
			     hv_unnamed.s);
	}
	fputs("<cpu mode='custom' match='exact' check='full'>\n", out);
	fputs("  <model fallback='forbid'>" QEMU_BASE_MODEL "</model>\n", out);
	for (size_t k = 0; k < fs.n; k++) {
		const struct vmm_flag *fg = &fs.v[k];
		if (fg->all_exposed)
			fprintf(out, "  <feature policy='require' name='%s'/>\n", fg->name);
		else if (fg->qemu64)
			fprintf(out, "  <feature policy='disable' name='%s'/>\n", fg->name);
	}
	fputs("</cpu>\n", out);
	fputs(hv, out);
	free(hv);
	kfp_namelist_free(&hv_outside);
	kfp_namelist_free(&hv_unnamed);
	kfp_namelist_free(&fs.unnamed);
	kfp_namelist_free(&kvm_on);
	kfp_namelist_free(&kvm_off);
	free(fs.v);
	return 0;
}
