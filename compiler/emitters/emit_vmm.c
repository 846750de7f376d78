/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Emitters for the VMMs people already run: a Firecracker custom CPU
 * template, a QEMU `-cpu` argument and a libvirt `<cpu>` element, each for
 * one fleet.  They read the runtime tables (tables.c) and the fleet's
 * verdicts, so they say what `kfp apply` would do, as far as each format
 * can say it.  docs/vmm-formats.md describes the mapping rules and what each
 * format loses; the notes printed here name the losses of one fleet.
 */
#include "emit.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "compiler/semantics/sema.h"
#include "tables.h"
#include "base/util.h"

/* ---- formats ---- */

static const char *const format_names[] = {
	[KFP_VMM_FIRECRACKER] = "firecracker",
	[KFP_VMM_QEMU] = "qemu",
	[KFP_VMM_LIBVIRT] = "libvirt",
};

bool kfp_vmm_format_parse(const char *s, enum kfp_vmm_format *out)
{
	for (size_t i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++)
		if (!strcmp(s, format_names[i])) {
			*out = (enum kfp_vmm_format)i;
			return true;
		}
	return false;
}

const char *kfp_vmm_format_name(enum kfp_vmm_format fmt)
{
	return format_names[fmt];
}

bool kfp_vmm_format_has_arch(enum kfp_vmm_format fmt, enum kfp_arch arch)
{
	return fmt == KFP_VMM_FIRECRACKER || arch == KFP_ARCH_X86_64;
}

static void diag(FILE *out, const char *sev, const struct kfp_fleet *fl, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void diag(FILE *out, const char *sev, const struct kfp_fleet *fl, const char *fmt, ...)
{
	va_list ap;
	if (!out)
		return;
	fprintf(out, "kfpc: %s: fleet \"%s\": ", sev, fl->name);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

/* A growing list of names for one note. */
struct namelist {
	char *s;
	size_t len, n;
};

static void namelist_add(struct namelist *l, const char *name)
{
	char *t = kfp_xasprintf("%s%s%s", l->s ? l->s : "", l->s ? " " : "", name);
	free(l->s);
	l->s = t;
	l->n++;
}

static void namelist_free(struct namelist *l)
{
	free(l->s);
	*l = (struct namelist){ 0 };
}

/* ---- feature names ---- */

/*
 * Where QEMU or libvirt spell a catalog feature differently from the
 * catalog, or have no name for it (NULL); SAME means the catalog's name.
 * Every feature not listed has the catalog's name in both (for VMX controls:
 * QEMU's "vmx-" + the catalog name).  libvirt has no names for KVM
 * paravirtual features (they are set outside <cpu>) nor, in 9.0, for VMX
 * controls; see kfp_vmm_feature_name().
 *
 * Checked against QEMU 7.2 (`qemu-system-x86_64 -cpu help`) and libvirt 9.0
 * (/usr/share/libvirt/cpu_map/x86_features.xml), Debian 12, by
 * tests/vmm/test_vmm_names.  The features with no name are:
 *  - bits newer than those releases (fzrm, fsrs, avx-ifma, lam, the AVX10
 *    leaf, the AMD 0x80000021 bits, most IA32_ARCH_CAPABILITIES bits from
 *    sbdr_ssdp_no on, ...): QEMU and libvirt cannot turn them on;
 *  - the AMD copies of CPUID.1:EDX in 0x80000001:EDX (amd-fpu ...): QEMU
 *    fills them in from CPUID.1:EDX itself on AMD CPU models;
 *  - fdp-excptn-only, zero-fcs-fds, flush-l1d, sev*, vnmi, sgx-edeccssa,
 *    perfmon-v2 and the like, which QEMU 7.2 does not name;
 *  - KVM features QEMU does not name (async_pf_vmexit, hc_map_gpa_range,
 *    migration_control) and kvmclock2, whose bit QEMU's "kvmclock" sets
 *    together with kvmclock's (both map to "kvmclock": it is on only when
 *    both are exposed);
 *  - VMX controls QEMU 7.2 does not name; QEMU calls bits 41 and 43 of
 *    IA32_VMX_EPT_VPID_CAP "vmx-invept-single-context" (shared with bit 25)
 *    and "vmx-invept-single-context-noglobals".
 */
#define SAME ""

static const struct vmm_name {
	enum kfp_feat_kind kind;
	const char *kfp, *qemu, *libvirt;
} vmm_names[] = {
	{ KFP_FEAT_CPUID, "pclmulqdq", SAME, "pclmuldq" },
	{ KFP_FEAT_CPUID, "tsc_adjust", "tsc-adjust", SAME },
	{ KFP_FEAT_CPUID, "fdp-excptn-only", NULL, NULL },
	{ KFP_FEAT_CPUID, "zero-fcs-fds", NULL, NULL },
	{ KFP_FEAT_CPUID, "flush-l1d", NULL, NULL },
	{ KFP_FEAT_CPUID, "cmpccxadd", NULL, NULL },
	{ KFP_FEAT_CPUID, "fzrm", NULL, NULL },
	{ KFP_FEAT_CPUID, "fsrs", NULL, NULL },
	{ KFP_FEAT_CPUID, "fsrc", NULL, NULL },
	{ KFP_FEAT_CPUID, "amx-fp16", NULL, NULL },
	{ KFP_FEAT_CPUID, "avx-ifma", NULL, NULL },
	{ KFP_FEAT_CPUID, "lam", NULL, NULL },
	{ KFP_FEAT_CPUID, "avx-vnni-int8", NULL, NULL },
	{ KFP_FEAT_CPUID, "avx-ne-convert", NULL, NULL },
	{ KFP_FEAT_CPUID, "amx-complex", NULL, NULL },
	{ KFP_FEAT_CPUID, "prefetchiti", NULL, NULL },
	{ KFP_FEAT_CPUID, "avx10", NULL, NULL },
	{ KFP_FEAT_CPUID, "intel-psfd", NULL, NULL },
	{ KFP_FEAT_CPUID, "ipred-ctrl", NULL, NULL },
	{ KFP_FEAT_CPUID, "rrsba-ctrl", NULL, NULL },
	{ KFP_FEAT_CPUID, "ddpd-u", NULL, NULL },
	{ KFP_FEAT_CPUID, "bhi-ctrl", NULL, NULL },
	{ KFP_FEAT_CPUID, "mcdt-no", NULL, NULL },
	{ KFP_FEAT_CPUID, "sgx-edeccssa", NULL, NULL },
	{ KFP_FEAT_CPUID, "avx10-128", NULL, NULL },
	{ KFP_FEAT_CPUID, "avx10-256", NULL, NULL },
	{ KFP_FEAT_CPUID, "avx10-512", NULL, NULL },
	{ KFP_FEAT_CPUID, "lahf_lm", "lahf-lm", SAME },
	{ KFP_FEAT_CPUID, "cmp_legacy", "cmp-legacy", SAME },
	{ KFP_FEAT_CPUID, "prefetchw", "3dnowprefetch", "3dnowprefetch" },
	{ KFP_FEAT_CPUID, "perfctr_core", "perfctr-core", SAME },
	{ KFP_FEAT_CPUID, "amd-fpu", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-vme", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-de", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-pse", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-tsc", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-msr", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-pae", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-mce", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-cx8", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-apic", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-mtrr", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-pge", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-mca", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-cmov", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-pat", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-pse36", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-mmx", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-fxsr", NULL, NULL },
	{ KFP_FEAT_CPUID, "fxsr_opt", "fxsr-opt", SAME },
	{ KFP_FEAT_CPUID, "amd-3dnowext", "3dnowext", "3dnowext" },
	{ KFP_FEAT_CPUID, "amd-3dnow", "3dnow", "3dnow" },
	{ KFP_FEAT_CPUID, "stibp-always-on", NULL, NULL },
	{ KFP_FEAT_CPUID, "amd-psfd", NULL, NULL },
	{ KFP_FEAT_CPUID, "vnmi", NULL, NULL },
	{ KFP_FEAT_CPUID, "sev", NULL, NULL },
	{ KFP_FEAT_CPUID, "sev-es", NULL, NULL },
	{ KFP_FEAT_CPUID, "sev-snp", NULL, NULL },
	{ KFP_FEAT_CPUID, "sme-coherent", NULL, NULL },
	{ KFP_FEAT_CPUID, "no-nested-data-bp", NULL, NULL },
	{ KFP_FEAT_CPUID, "wrmsr-xx-base-ns", NULL, NULL },
	{ KFP_FEAT_CPUID, "lfence-always-serializing", NULL, NULL },
	{ KFP_FEAT_CPUID, "verw-clear", NULL, NULL },
	{ KFP_FEAT_CPUID, "null-sel-clr-base", NULL, NULL },
	{ KFP_FEAT_CPUID, "auto-ibrs", NULL, NULL },
	{ KFP_FEAT_CPUID, "no-smm-ctl-msr", NULL, NULL },
	{ KFP_FEAT_CPUID, "sbpb", NULL, NULL },
	{ KFP_FEAT_CPUID, "ibpb-brtype", NULL, NULL },
	{ KFP_FEAT_CPUID, "srso-no", NULL, NULL },
	{ KFP_FEAT_CPUID, "srso-user-kernel-no", NULL, NULL },
	{ KFP_FEAT_CPUID, "tsa-sq-no", NULL, NULL },
	{ KFP_FEAT_CPUID, "tsa-l1-no", NULL, NULL },
	{ KFP_FEAT_CPUID, "perfmon-v2", NULL, NULL },
	{ KFP_FEAT_CPUID, "xstore", SAME, NULL },
	{ KFP_FEAT_CPUID, "xstore-en", SAME, NULL },
	{ KFP_FEAT_CPUID, "xcrypt", SAME, NULL },
	{ KFP_FEAT_CPUID, "xcrypt-en", SAME, NULL },
	{ KFP_FEAT_CPUID, "ace2", SAME, NULL },
	{ KFP_FEAT_CPUID, "ace2-en", SAME, NULL },
	{ KFP_FEAT_CPUID, "phe", SAME, NULL },
	{ KFP_FEAT_CPUID, "phe-en", SAME, NULL },
	{ KFP_FEAT_CPUID, "pmm", SAME, NULL },
	{ KFP_FEAT_CPUID, "pmm-en", SAME, NULL },
	/* Hyper-V: QEMU's hv-* properties; libvirt 9.0's elements of
	 * <features><hyperv> (domaincommon.rng), stimer-direct being
	 * <stimer><direct/>.  hv-time is libvirt's <clock><timer
	 * name='hypervclock'> and hv-crash its <panic model='hyperv'>,
	 * outside <features>: emit_libvirt() says so. */
	{ KFP_FEAT_HYPERV, "hv-relaxed", SAME, "relaxed" },
	{ KFP_FEAT_HYPERV, "hv-vapic", SAME, "vapic" },
	{ KFP_FEAT_HYPERV, "hv-vpindex", SAME, "vpindex" },
	{ KFP_FEAT_HYPERV, "hv-runtime", SAME, "runtime" },
	{ KFP_FEAT_HYPERV, "hv-synic", SAME, "synic" },
	{ KFP_FEAT_HYPERV, "hv-stimer", SAME, "stimer" },
	{ KFP_FEAT_HYPERV, "hv-stimer-direct", SAME, "stimer-direct" },
	{ KFP_FEAT_HYPERV, "hv-reset", SAME, "reset" },
	{ KFP_FEAT_HYPERV, "hv-frequencies", SAME, "frequencies" },
	{ KFP_FEAT_HYPERV, "hv-reenlightenment", SAME, "reenlightenment" },
	{ KFP_FEAT_HYPERV, "hv-tlbflush", SAME, "tlbflush" },
	{ KFP_FEAT_HYPERV, "hv-ipi", SAME, "ipi" },
	{ KFP_FEAT_HYPERV, "hv-evmcs", SAME, "evmcs" },
	{ KFP_FEAT_HYPERV, "hv-avic", SAME, "avic" },
	{ KFP_FEAT_HYPERV, "hv-time", SAME, NULL },
	{ KFP_FEAT_HYPERV, "hv-crash", SAME, NULL },
	{ KFP_FEAT_HYPERV, "hv-tlbflush-ext", SAME, NULL },
	{ KFP_FEAT_HYPERV, "hv-tlbflush-direct", SAME, NULL },
	{ KFP_FEAT_HYPERV, "hv-emsr-bitmap", SAME, NULL },
	{ KFP_FEAT_HYPERV, "hv-xmm-input", SAME, NULL },
	{ KFP_FEAT_HYPERV, "hv-syndbg", SAME, NULL },
	{ KFP_FEAT_KVM, "nopiodelay", "kvm-nopiodelay", NULL },
	{ KFP_FEAT_KVM, "kvmclock2", "kvmclock", NULL },
	{ KFP_FEAT_KVM, "async_pf", "kvm-asyncpf", NULL },
	{ KFP_FEAT_KVM, "steal_time", "kvm-steal-time", NULL },
	{ KFP_FEAT_KVM, "pv_eoi", "kvm-pv-eoi", NULL },
	{ KFP_FEAT_KVM, "pv_unhalt", "kvm-pv-unhalt", NULL },
	{ KFP_FEAT_KVM, "pv_tlb_flush", "kvm-pv-tlb-flush", NULL },
	{ KFP_FEAT_KVM, "async_pf_vmexit", NULL, NULL },
	{ KFP_FEAT_KVM, "pv_send_ipi", "kvm-pv-ipi", NULL },
	{ KFP_FEAT_KVM, "poll_control", "kvm-poll-control", NULL },
	{ KFP_FEAT_KVM, "pv_sched_yield", "kvm-pv-sched-yield", NULL },
	{ KFP_FEAT_KVM, "async_pf_int", "kvm-asyncpf-int", NULL },
	{ KFP_FEAT_KVM, "msi_ext_dest_id", "kvm-msi-ext-dest-id", NULL },
	{ KFP_FEAT_KVM, "hc_map_gpa_range", NULL, NULL },
	{ KFP_FEAT_KVM, "migration_control", NULL, NULL },
	{ KFP_FEAT_KVM, "clocksource_stable", "kvmclock-stable-bit", NULL },
	{ KFP_FEAT_MSR_BIT, "rdcl_no", "rdctl-no", "rdctl-no" },
	{ KFP_FEAT_MSR_BIT, "ibrs_all", "ibrs-all", "ibrs-all" },
	{ KFP_FEAT_MSR_BIT, "skip_l1dfl_vmentry", "skip-l1dfl-vmentry", "skip-l1dfl-vmentry" },
	{ KFP_FEAT_MSR_BIT, "ssb_no", "ssb-no", "ssb-no" },
	{ KFP_FEAT_MSR_BIT, "mds_no", "mds-no", "mds-no" },
	{ KFP_FEAT_MSR_BIT, "if_pschange_mc_no", "pschange-mc-no", "pschange-mc-no" },
	{ KFP_FEAT_MSR_BIT, "tsx_ctrl", "tsx-ctrl", "tsx-ctrl" },
	{ KFP_FEAT_MSR_BIT, "taa_no", "taa-no", "taa-no" },
	{ KFP_FEAT_MSR_BIT, "sbdr_ssdp_no", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "fbsdp_no", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "psdp_no", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "fb_clear", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "fb_clear_ctrl", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "rrsba", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "bhi_no", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "xapic_disable_status", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "pbrsb_no", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "gds_ctrl", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "gds_no", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "rfds_no", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "rfds_clear", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "its_no", NULL, NULL },
	{ KFP_FEAT_MSR_BIT, "full_width_write", "full-width-write", NULL },
	{ KFP_FEAT_VMX, "enable-user-wait-pause", NULL, NULL },
	{ KFP_FEAT_VMX, "eptp-wb", NULL, NULL },
	{ KFP_FEAT_VMX, "invvpid-single-context", "vmx-invept-single-context", NULL },
	{ KFP_FEAT_VMX, "invvpid-single-context-noglobals", "vmx-invept-single-context-noglobals", NULL },
	{ KFP_FEAT_VMX, "exit-host-addr-space-size", NULL, NULL },
};

bool kfp_vmm_feature_name(enum kfp_vmm_format fmt, enum kfp_feat_kind kind,
			  const char *name, char *buf, size_t size)
{
	if (fmt == KFP_VMM_FIRECRACKER)
		return false;
	switch (kind) {
	case KFP_FEAT_CPUID:
	case KFP_FEAT_MSR_BIT:
	case KFP_FEAT_HYPERV:
		break;
	case KFP_FEAT_KVM:
	case KFP_FEAT_VMX:
		if (fmt == KFP_VMM_LIBVIRT)
			return false;
		break;
	default:
		return false;
	}
	const char *n = name;
	for (size_t i = 0; i < sizeof(vmm_names) / sizeof(vmm_names[0]); i++) {
		const struct vmm_name *v = &vmm_names[i];
		if (v->kind != kind || strcmp(v->kfp, name))
			continue;
		n = fmt == KFP_VMM_QEMU ? v->qemu : v->libvirt;
		if (!n)
			return false;
		if (!*n)
			n = name;
		break;
	}
	const char *pre = kind == KFP_FEAT_VMX && strncmp(n, "vmx-", 4) ? "vmx-" : "";
	int len = snprintf(buf, size, "%s%s", pre, n);
	return len > 0 && (size_t)len < size;
}

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

/* ---- shared facts ---- */

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

static const struct kfp_feat *find_feat(const struct kfp_fleet *fl, enum kfp_feat_kind kind,
					const char *name)
{
	for (size_t i = 0; i < fl->nfeats; i++)
		if (fl->feats[i].kind == kind && !strcmp(fl->feats[i].c->name, name))
			return &fl->feats[i];
	return NULL;
}

/* Can the guest read this feature MSR at all?  Without the CPUID bit that
 * enumerates it, KVM refuses the guest's RDMSR. */
static bool msr_readable(const struct kfp_fleet *fl, uint32_t msr)
{
	const char *en = kfp_vmm_msr_enabler(msr);
	if (!en)
		return true;
	const struct kfp_feat *f = find_feat(fl, KFP_FEAT_CPUID, en);
	return f && kfp_feat_exposed(f);
}

/* Exposed, and visible through the format: an MSR bit only counts when
 * its MSR can be read. */
static bool exposed_for_vmm(const struct kfp_fleet *fl, const struct kfp_feat *f)
{
	if (!kfp_feat_exposed(f))
		return false;
	if (f->kind == KFP_FEAT_MSR_BIT)
		return msr_readable(fl, ((const struct kfp_cat_msr_bit *)f->cat)->msr->index);
	return true;
}

static void hexid(FILE *out, const uint8_t id[16])
{
	for (int k = 0; k < 16; k++)
		fprintf(out, "%02x", id[k]);
}

/* ---- Firecracker ---- */

/* A bitmap in Firecracker's notation, most significant bit first. */
static void fc_bitmap(FILE *out, unsigned width, const char *bits /* [width], bit 0 first */)
{
	fputs("\"0b", out);
	for (unsigned i = width; i-- > 0;)
		fputc(bits[i], out);
	fputc('"', out);
}

struct fc_reg {
	uint32_t leaf, subleaf;
	unsigned reg;
	uint32_t expose;
	bool owned; /* a leaf of a hidden feature: zero, nothing to note if absent */
};

struct fc_regs {
	struct fc_reg *v;
	size_t n, cap;
};

static void fc_add(struct fc_regs *r, uint32_t leaf, uint32_t subleaf, unsigned reg,
		   uint32_t expose)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].leaf == leaf && r->v[i].subleaf == subleaf && r->v[i].reg == reg) {
			r->v[i].expose |= expose;
			return;
		}
	struct fc_reg x = { leaf, subleaf, reg, expose, false };
	KFP_VEC_PUSH(r->v, r->n, r->cap, x);
}

/* A whole (leaf, subleaf) of a hidden feature, all zero. */
static void fc_add_zero_leaf(struct fc_regs *r, uint32_t leaf, uint32_t subleaf)
{
	for (unsigned reg = 0; reg < 4; reg++) {
		struct fc_reg x = { leaf, subleaf, reg, 0, true };
		KFP_VEC_PUSH(r->v, r->n, r->cap, x);
	}
}

/* The leaves that describe a hidden feature, zeroed as the runtime zeroes
 * them: the size and offset subleaf 0xD.N of each hidden xsave component
 * (N >= 2) and every subleaf of the leaves a hidden CPUID feature owns
 * (AMX: 0x1D, 0x1E), those the fleet's hosts report or, without host
 * profiles, subleaf 0.  Firecracker would otherwise pass the host's values
 * through. */
static void fc_hidden_leaves(const struct kfp_fleet *fl, struct fc_regs *r)
{
	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (kfp_feat_exposed(f))
			continue;
		if (f->kind == KFP_FEAT_XSAVE) {
			uint8_t bit = ((const struct kfp_cat_xsave *)f->cat)->bit;
			if (bit >= 2)
				fc_add_zero_leaf(r, 0xd, bit);
			continue;
		}
		if (f->kind != KFP_FEAT_CPUID)
			continue;
		const struct kfp_cat_cpuid *c = f->cat;
		for (size_t k = 0; k < c->nleaves; k++) {
			uint32_t leaf = c->leaves[k];
			if (!fl->nclasses) {
				fc_add_zero_leaf(r, leaf, 0);
				continue;
			}
			/* Each subleaf once, whichever hosts report it. */
			for (size_t h = 0; h < fl->nclasses; h++) {
				const struct kfp_host_profile *p = fl->classes[h].p;
				for (size_t e = 0; e < p->ncpuid; e++) {
					uint32_t sub = p->cpuid[e].index;
					bool seen = false;
					for (size_t q = 0; q < r->n && !seen; q++)
						seen = r->v[q].leaf == leaf && r->v[q].subleaf == sub;
					if (p->cpuid[e].function == leaf && !seen)
						fc_add_zero_leaf(r, leaf, sub);
				}
			}
		}
	}
}

static int fc_reg_cmp(const void *a, const void *b)
{
	const struct fc_reg *x = a, *y = b;
	if (x->leaf != y->leaf)
		return x->leaf < y->leaf ? -1 : 1;
	if (x->subleaf != y->subleaf)
		return x->subleaf < y->subleaf ? -1 : 1;
	return (int)x->reg - (int)y->reg;
}

static bool is_pass_reg(const struct kfp_x86_config *x, uint32_t leaf, uint32_t subleaf,
			unsigned reg)
{
	for (uint32_t i = 0; i < x->ncpuid; i++) {
		const struct kfp_cpuid_row *r = &x->cpuid[i];
		if (r->mode == KFP_CPUID_PASS && r->leaf == leaf && r->reg == reg &&
		    (r->subleaf == subleaf || r->subleaf == KFP_ANY_SUBLEAF))
			return true;
	}
	return false;
}

/* How many of the fleet's host classes report a CPUID leaf. */
static size_t hosts_with_leaf(const struct kfp_fleet *fl, uint32_t leaf, uint32_t subleaf,
			      const char **lacking)
{
	size_t n = 0;
	*lacking = NULL;
	for (size_t c = 0; c < fl->nclasses; c++) {
		if (kfp_profile_cpuid(fl->classes[c].p, leaf, subleaf))
			n++;
		else if (!*lacking)
			*lacking = fl->classes[c].names[0];
	}
	return n;
}

static int fc_x86(const struct kfp_policy *pol, const struct kfp_fleet *fl,
		  const struct kfp_config *cfg, FILE *out, FILE *err)
{
	const struct kfp_x86_config *x = cfg->x86;
	const bool proven = fl->nclasses > 0;
	const char on = proven ? '1' : 'x';
	struct fc_regs regs = { 0 };
	struct namelist skipped = { 0 }, absent = { 0 };
	int status = 0;

	for (uint32_t i = 0; i < x->ncpuid; i++) {
		const struct kfp_cpuid_row *r = &x->cpuid[i];
		if ((r->mode != KFP_CPUID_MASK && r->mode != KFP_CPUID_FORCE) ||
		    r->subleaf == KFP_ANY_SUBLEAF)
			continue;
		if (is_pass_reg(x, r->leaf, r->subleaf, r->reg)) {
			/* A raw `cpuid` bit in a register kfp copies from
			 * the host. */
			char *s = kfp_xasprintf("0x%" PRIx32 ".%" PRIu32 ".%s", r->leaf, r->subleaf,
						kfp_cpuid_reg_name((enum kfp_cpuid_reg)r->reg));
			namelist_add(&skipped, s);
			free(s);
			continue;
		}
		fc_add(&regs, r->leaf, r->subleaf, r->reg, r->expose);
	}
	/* Leaf 0xD: the xfeatures the guest may enable, XCR0 in subleaf 0
	 * EAX:EDX and XSS in subleaf 1 ECX:EDX. */
	fc_add(&regs, 0xd, 0, KFP_EAX, (uint32_t)x->xcr0);
	fc_add(&regs, 0xd, 0, KFP_EDX, (uint32_t)(x->xcr0 >> 32));
	fc_add(&regs, 0xd, 1, KFP_ECX, (uint32_t)x->xss);
	fc_add(&regs, 0xd, 1, KFP_EDX, (uint32_t)(x->xss >> 32));
	fc_hidden_leaves(fl, &regs);
	qsort(regs.v, regs.n, sizeof(*regs.v), fc_reg_cmp);

	if (skipped.n)
		diag(err, "note", fl,
		     "raw cpuid bits in registers kfp copies from the host are not in the template: %s",
		     skipped.s);
	/* Firecracker's CPUID normalization, after the template, sets the
	 * bits a VMM owns whatever the template says. */
	struct namelist forced = { 0 };
	for (size_t i = 0; i < fl->nfeats; i++) {
		const struct kfp_feat *f = &fl->feats[i];
		if (f->kind == KFP_FEAT_CPUID && !kfp_feat_exposed(f) &&
		    ((const struct kfp_cat_cpuid *)f->cat)->vmm_owned)
			namelist_add(&forced, f->c->name);
	}
	if (forced.n)
		diag(err, "note", fl,
		     "Firecracker sets these bits itself after applying a template, so the guest sees them although the fleet hides them: %s",
		     forced.s);
	namelist_free(&forced);

	/* Which leaves to modify: Firecracker refuses a template that
	 * modifies a leaf KVM does not report, and leaving out a leaf the
	 * host has passes its bits through. */
	bool *keep = kfp_xcalloc(regs.n + 1, sizeof(*keep));
	for (size_t i = 0; i < regs.n; i++) {
		const struct fc_reg *r = &regs.v[i];
		if (i && r->leaf == regs.v[i - 1].leaf && r->subleaf == regs.v[i - 1].subleaf) {
			keep[i] = keep[i - 1];
			continue;
		}
		if (!proven) {
			keep[i] = true;
			continue;
		}
		const char *lacking;
		size_t have = hosts_with_leaf(fl, r->leaf, r->subleaf, &lacking);
		if (have == fl->nclasses) {
			keep[i] = true;
		} else if (have == 0) {
			if (r->owned)
				continue; /* nothing to hide */
			char *s = kfp_xasprintf("0x%" PRIx32 ".%" PRIu32, r->leaf, r->subleaf);
			namelist_add(&absent, s);
			free(s);
		} else {
			diag(err, "error", fl,
			     "CPUID leaf 0x%" PRIx32 " subleaf %" PRIu32
			     " is reported by some hosts but not by %s: Firecracker refuses a template that modifies a leaf KVM does not report, and leaving it out would pass the other hosts' bits through; split the fleet",
			     r->leaf, r->subleaf, lacking);
			status = -1;
		}
	}
	if (!proven)
		diag(err, "note", fl,
		     "no host profiles: exposed bits are 'x' (the host's value; kfp's runtime would refuse a host that lacks one, Firecracker shows it as absent), and every catalogued feature leaf is modified, although Firecracker refuses a template that modifies a leaf the host's KVM does not report (vendor-specific leaves such as 0x8000001f or 0xc0000001): give the fleet host profiles to leave out the leaves its hosts lack");
	else if (absent.n)
		diag(err, "note", fl, "no host reports CPUID leaves %s: not in the template",
		     absent.s);

	if (status == 0) {
		fputs("{\n  \"cpuid_modifiers\": [", out);
		bool first_leaf = true;
		for (size_t i = 0; i < regs.n; i++) {
			const struct fc_reg *r = &regs.v[i];
			if (!keep[i])
				continue;
			bool new_leaf = i == 0 || !keep[i - 1] || r->leaf != regs.v[i - 1].leaf ||
					r->subleaf != regs.v[i - 1].subleaf;
			if (new_leaf) {
				fprintf(out,
					"%s\n    {\n      \"leaf\": \"0x%" PRIx32
					"\",\n      \"subleaf\": \"0x%" PRIx32
					"\",\n      \"flags\": %" PRIu32 ",\n      \"modifiers\": [",
					first_leaf ? "" : ",", r->leaf, r->subleaf,
					kfp_fc_cpuid_flags(r->leaf));
				first_leaf = false;
			}
			char bits[32];
			for (unsigned b = 0; b < 32; b++)
				bits[b] = r->expose >> b & 1 ? on : '0';
			/* A raw `cpuid ... = 1` names the bit's value: '1',
			 * which the importer reads back as the same statement
			 * ('x' on an unnamed bit is pass-through). */
			for (size_t k = 0; k < fl->nraw; k++)
				if (fl->raw[k].exposed && fl->raw[k].leaf == r->leaf &&
				    fl->raw[k].subleaf == r->subleaf && fl->raw[k].reg == r->reg)
					bits[fl->raw[k].bit] = '1';
			fprintf(out, "%s\n        {\n          \"register\": \"%s\",\n          \"bitmap\": ",
				new_leaf ? "" : ",", kfp_cpuid_reg_name((enum kfp_cpuid_reg)r->reg));
			fc_bitmap(out, 32, bits);
			fputs("\n        }", out);
			bool last = i + 1 == regs.n || regs.v[i + 1].leaf != r->leaf ||
				    regs.v[i + 1].subleaf != r->subleaf;
			if (last)
				fputs("\n      ]\n    }", out);
		}
		fputs(first_leaf ? "],\n" : "\n  ],\n", out);

		/* Feature MSRs the guest can read (their CPUID bit is
		 * exposed), then the VMX capability MSRs when nested VMX
		 * is on. */
		fputs("  \"msr_modifiers\": [", out);
		bool first = true;
		for (uint32_t i = 0; i < x->nmsrs; i++) {
			const struct kfp_msr_row *m = &x->msrs[i];
			if (m->kind == KFP_MSR_FEATURE && !msr_readable(fl, m->index))
				continue;
			char bits[64];
			for (unsigned b = 0; b < 64; b++)
				bits[b] = m->kind == KFP_MSR_VMX ? 'x' : '0';
			for (unsigned b = 0; b < 64; b++)
				if (m->expose >> b & 1)
					bits[b] = on;
			if (m->kind == KFP_MSR_VMX)
				for (size_t v = 0; v < pol->cat->nvmx; v++)
					if (pol->cat->vmx[v].msr == m->index &&
					    !(m->expose >> pol->cat->vmx[v].bit & 1))
						bits[pol->cat->vmx[v].bit] = '0';
			fprintf(out, "%s\n    {\n      \"addr\": \"0x%" PRIx32 "\",\n      \"bitmap\": ",
				first ? "" : ",", m->index);
			fc_bitmap(out, 64, bits);
			fputs("\n    }", out);
			first = false;
		}
		fputs(first ? "]\n}\n" : "\n  ]\n}\n", out);
	}
	namelist_free(&skipped);
	namelist_free(&absent);
	free(keep);
	free(regs.v);
	return status;
}

struct fc_arm_reg {
	uint64_t id;
	unsigned width; /* the register's size in bits: 64, or 32 (CCSIDR_EL1) */
	char bits[64];
};

static bool fc_pinned(const struct kfp_arm64_config *a, uint64_t id)
{
	for (uint32_t i = 0; i < a->npins; i++)
		if (a->pins[i].id == id)
			return true;
	return false;
}

static int fc_arm_cmp(const void *a, const void *b)
{
	const struct fc_arm_reg *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static void field_bits(char *bits, const struct kfp_id_field_row *f, uint64_t value)
{
	for (unsigned b = 0; b < f->width && f->shift + b < 64; b++)
		bits[f->shift + b] = value >> b & 1 ? '1' : '0';
}

static int fc_arm64(const struct kfp_policy *pol, const struct kfp_fleet *fl,
		    const struct kfp_config *cfg, FILE *out, FILE *err)
{
	const struct kfp_arm64_config *a = cfg->arm64;
	const struct kfp_catalog *cat = pol->cat;
	struct fc_arm_reg *regs =
		kfp_xcalloc(a->nid_regs + a->nfw_regs + a->npins + 1, sizeof(*regs));
	size_t n = 0;
	struct namelist at_most = { 0 }, absent = { 0 }, fieldless = { 0 };
	int status = 0;

	for (uint32_t i = 0; i < a->nid_regs; i++) {
		const struct kfp_id_reg_row *r = &a->id_regs[i];
		const struct kfp_cat_id_reg *c = kfp_cat_find_id_reg_by_id(cat, r->id);
		if (c && kfp_fleet_first_without(fl, c->c.exposed_since))
			continue;
		/* Nothing known about it (REVIDR_EL1, AIDR_EL1, CLIDR_EL1):
		 * writing 0 would only make Firecracker fail on hosts whose
		 * KVM keeps it invariant.  A pinned one is written below. */
		if (!r->nfields) {
			if (!fc_pinned(a, r->id))
				namelist_add(&fieldless, r->name);
			continue;
		}
		/* Firecracker reads every register it modifies. */
		size_t have = 0, known = 0;
		const char *lacking = NULL;
		for (size_t k = 0; k < fl->nclasses; k++) {
			const struct kfp_host_profile *p = fl->classes[k].p;
			if (!p->nreg_list)
				continue;
			known++;
			if (kfp_profile_has_reg(p, r->id))
				have++;
			else if (!lacking)
				lacking = fl->classes[k].names[0];
		}
		if (known && have == 0) {
			namelist_add(&absent, r->name);
			continue;
		}
		if (have != known) {
			diag(err, "error", fl,
			     "%s is listed by some hosts' KVM_GET_REG_LIST but not by %s: Firecracker refuses a template that modifies a register KVM does not list; split the fleet",
			     r->name, lacking);
			status = -1;
			continue;
		}
		struct fc_arm_reg *o = &regs[n++];
		o->id = r->id;
		o->width = 64;
		/* Bits no catalogued field covers: in the feature ID
		 * registers (op1 0, CRn 0, CRm 1-7) features the policy does
		 * not know, 0; elsewhere (CTR_EL0, whose bit 31 is RES1) the
		 * host's, as the runtime keeps them. */
		const struct kfp_cat_id_reg *cr = kfp_cat_find_id_reg_by_id(cat, r->id);
		bool feature_reg = cr && cr->op0 == 3 && cr->op1 == 0 && cr->crn == 0 &&
				   cr->crm >= 1 && cr->crm <= 7;
		memset(o->bits, feature_reg ? '0' : 'x', sizeof(o->bits));
		for (uint32_t j = 0; j < r->nfields; j++) {
			const struct kfp_id_field_row *f = &r->fields[j];
			switch (f->rule) {
			case KFP_RULE_HOST:
				for (unsigned b = 0; b < f->width && f->shift + b < 64; b++)
					o->bits[f->shift + b] = 'x';
				break;
			case KFP_RULE_AT_MOST: {
				/* min(host, value) has no bitmap: write the
				 * value, which KVM refuses on a host below it. */
				char *s = kfp_xasprintf("%s.%s", r->name, f->name);
				namelist_add(&at_most, s);
				free(s);
				field_bits(o->bits, f, f->value);
				break;
			}
			case KFP_RULE_VCPU_OFF:
				field_bits(o->bits, f, 0);
				break;
			default:
				field_bits(o->bits, f, f->value);
				break;
			}
		}
	}
	/* The hypercall bitmaps: services on are '1' (KVM refuses a bit the
	 * host does not offer), everything else 0. */
	for (uint32_t i = 0; i < a->nfw_regs; i++) {
		const struct kfp_fw_reg_row *r = &a->fw_regs[i];
		const struct kfp_cat_fw_reg *c = kfp_cat_find_fw_reg_by_id(cat, r->id);
		if (c && kfp_fleet_first_without(fl, c->c.exposed_since))
			continue;
		struct fc_arm_reg *o = &regs[n++];
		o->id = r->id;
		o->width = 64;
		for (unsigned b = 0; b < 64; b++)
			o->bits[b] = r->value >> b & 1 ? '1' : '0';
	}
	/* The pinned registers (the oldest kernel's cache description, the
	 * lowest PSCI version): their whole value, which a kernel that shows
	 * another and cannot take it (before 6.3) refuses, as kfp's runtime
	 * does. */
	for (uint32_t i = 0; i < a->npins; i++) {
		struct fc_arm_reg *o = &regs[n++];
		o->id = a->pins[i].id;
		o->width = (a->pins[i].id >> 52 & 0xf) == 2 ? 32 : 64;
		memset(o->bits, '0', sizeof(o->bits));
		for (unsigned b = 0; b < o->width; b++)
			o->bits[b] = a->pins[i].value >> b & 1 ? '1' : '0';
	}
	qsort(regs, n, sizeof(*regs), fc_arm_cmp);

	if (at_most.n)
		diag(err, "note", fl,
		     "without host profiles, '<=' fields are written as their bound, which KVM refuses on a host whose value is lower (kfp's runtime would take the host's value): %s",
		     at_most.s);
	if (absent.n)
		diag(err, "note", fl, "no host lists %s: not in the template", absent.s);
	if (fieldless.n)
		diag(err, "note", fl,
		     "the catalog describes no fields of %s: not in the template, so they keep the host's value",
		     fieldless.s);
	if (a->unknown == KFP_UNKNOWN_POLICY_DENY || a->fw_unknown == KFP_UNKNOWN_POLICY_DENY)
		diag(err, "note", fl,
		     "'unknown deny' becomes 0 in the template: bits no catalogued field or service covers are written as 0 (KVM refuses that on a kernel that cannot change them)");

	if (status == 0) {
		/* KVM_ARM_VCPU_INIT features.  power_off stays 'x':
		 * Firecracker sets it for the secondary vCPUs. */
		char vbits[32];
		memset(vbits, '0', sizeof(vbits));
		for (size_t i = 0; i < fl->nfeats; i++) {
			const struct kfp_feat *f = &fl->feats[i];
			if (f->kind != KFP_FEAT_VCPU)
				continue;
			unsigned bit = ((const struct kfp_cat_vcpu_feature *)f->cat)->bit;
			if (bit < 32)
				vbits[bit] = kfp_feat_exposed(f) ? '1' : '0';
		}
		const struct kfp_cat_vcpu_feature *po = kfp_cat_find_vcpu(cat, "power_off");
		if (po && po->bit < 32)
			vbits[po->bit] = 'x';
		fputs("{\n  \"vcpu_features\": [\n    {\n      \"index\": 0,\n      \"bitmap\": ", out);
		fc_bitmap(out, 32, vbits);
		fputs("\n    }\n  ],\n  \"reg_modifiers\": [", out);
		for (size_t i = 0; i < n; i++) {
			fprintf(out, "%s\n    {\n      \"addr\": \"0x%016" PRIx64 "\",\n      \"bitmap\": ",
				i ? "," : "", regs[i].id);
			fc_bitmap(out, regs[i].width, regs[i].bits);
			fputs("\n    }", out);
		}
		fputs(n ? "\n  ]\n}\n" : "]\n}\n", out);
	}
	namelist_free(&at_most);
	namelist_free(&absent);
	namelist_free(&fieldless);
	free(regs);
	return status;
}

/* ---- QEMU and libvirt ---- */

/* One VMM feature name and the catalog features behind it (QEMU's
 * "kvmclock" sets two bits). */
struct vmm_flag {
	char name[160];
	bool all_exposed, any_exposed, qemu64;
};

struct vmm_flags {
	struct vmm_flag *v;
	size_t n, cap;
	struct namelist unnamed; /* exposed, but the VMM has no name */
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
		/* libvirt sets KVM features outside <cpu>: emit_libvirt()
		 * lists them in a comment. */
		if (fmt == KFP_VMM_LIBVIRT && (f->kind == KFP_FEAT_KVM || f->kind == KFP_FEAT_HYPERV))
			continue;
		if (!kfp_vmm_feature_name(fmt, f->kind, f->c->name, name, sizeof(name))) {
			if (exposed)
				namelist_add(&fs->unnamed, f->c->name);
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
			const struct vmm_flags *fs, FILE *err)
{
	const char *vmm = fmt == KFP_VMM_QEMU ? "QEMU 7.2" : "libvirt 9.0";
	if (fs->unnamed.n)
		diag(err, "note", fl, "%s has no name for these exposed features, which the guest will not see: %s",
		     vmm, fs->unnamed.s);
	for (size_t k = 0; k < fs->n; k++)
		if (fs->v[k].any_exposed && !fs->v[k].all_exposed)
			diag(err, "note", fl,
			     "%s's '%s' covers several catalog features and only some are exposed: left off",
			     vmm, fs->v[k].name);
	size_t nraw = 0;
	for (size_t k = 0; k < fl->nraw; k++)
		nraw += fl->raw[k].exposed;
	if (nraw)
		diag(err, "note", fl, "%zu raw cpuid bit(s) set to 1 have no %s name: not exposed", nraw,
		     vmm);
}

/* With Hyper-V on: can every fleet kernel enforce hidden enlightenments?
 * QEMU's hv-enforce-cpuid fails to start a VM on a kernel that cannot. */
static bool hyperv_enforceable(const struct kfp_policy *pol, const struct kfp_fleet *fl)
{
	return !kfp_fleet_first_without(fl, pol->cat->hv_enforce_since);
}

static int emit_qemu(const struct kfp_policy *pol, const struct kfp_fleet *fl, FILE *out,
		     FILE *err)
{
	struct vmm_flags fs = { 0 };
	char v[16];
	collect_flags(KFP_VMM_QEMU, fl, &fs);
	flags_notes(KFP_VMM_QEMU, fl, &fs, err);
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
			diag(err, "warning", fl,
			     "no hv-enforce-cpuid: kernels before %s lack KVM_CAP_HYPERV_ENFORCE_CPUID, and QEMU would not start there; a guest can use hidden enlightenments",
			     kfp_kv_str(pol->cat->hv_enforce_since, v));
	}
	fputs(",enforce\n", out);
	namelist_free(&fs.unnamed);
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
static void libvirt_hyperv(const struct kfp_fleet *fl, FILE *out, struct namelist *outside,
			   struct namelist *unnamed)
{
	char name[64], direct[16] = "";
	if (!kfp_fleet_hyperv(fl))
		return;
	const struct kfp_feat *sd = find_feat(fl, KFP_FEAT_HYPERV, "hv-stimer-direct");
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
				namelist_add(outside, f->c->name);
			else if (on)
				namelist_add(unnamed, f->c->name);
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

static int emit_libvirt(const struct kfp_policy *pol, const struct kfp_fleet *fl, FILE *out,
			FILE *err)
{
	struct vmm_flags fs = { 0 };
	struct namelist kvm_on = { 0 }, kvm_off = { 0 }, hv_outside = { 0 }, hv_unnamed = { 0 };
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
			namelist_add(&kvm_on, f->c->name);
		else if (in_qemu64(f))
			namelist_add(&kvm_off, f->c->name);
	}
	flags_notes(KFP_VMM_LIBVIRT, fl, &fs, err);
	if (kvm_on.n || kvm_off.n)
		diag(err, "note", fl,
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
		diag(err, "note", fl, "Hyper-V enlightenments set outside <features>: %s (see the comment in the output)",
		     hv_outside.s);
	}
	if (hv_unnamed.n) {
		fputs("<!-- Exposed Hyper-V enlightenments libvirt 9.0 has no element for (the guest will not see them): ",
		      out);
		xml_comment_text(out, hv_unnamed.s);
		fputs(" -->\n", out);
		diag(err, "note", fl, "libvirt 9.0 has no element for these exposed Hyper-V enlightenments, which the guest will not see: %s",
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
	namelist_free(&hv_outside);
	namelist_free(&hv_unnamed);
	namelist_free(&fs.unnamed);
	namelist_free(&kvm_on);
	namelist_free(&kvm_off);
	free(fs.v);
	return 0;
}

int kfp_emit_vmm(enum kfp_vmm_format fmt, const struct kfp_policy *pol,
		 const struct kfp_fleet *fl, FILE *out, FILE *err)
{
	if (!kfp_vmm_format_has_arch(fmt, fl->arch)) {
		diag(err, "error", fl, "the %s format describes x86_64 CPUs only, and this fleet is arm64",
		     kfp_vmm_format_name(fmt));
		return -1;
	}
	if (fmt == KFP_VMM_QEMU)
		return emit_qemu(pol, fl, out, err);
	if (fmt == KFP_VMM_LIBVIRT)
		return emit_libvirt(pol, fl, out, err);
	if (kfp_fleet_hyperv(fl)) {
		struct namelist hv = { 0 };
		for (size_t i = 0; i < fl->nfeats; i++)
			if (fl->feats[i].kind == KFP_FEAT_HYPERV && kfp_feat_exposed(&fl->feats[i]))
				namelist_add(&hv, fl->feats[i].c->name);
		diag(err, "error", fl,
		     "Firecracker has no Hyper-V enlightenments (its templates cannot hold the Hyper-V leaves or KVM's Hyper-V capabilities), and the policy exposes: %s",
		     hv.s);
		namelist_free(&hv);
		return -1;
	}
	struct kfp_config *cfg = kfp_build_config(pol, fl);
	int st = cfg->x86 ? fc_x86(pol, fl, cfg, out, err) : fc_arm64(pol, fl, cfg, out, err);
	kfp_config_free(cfg);
	return st;
}
