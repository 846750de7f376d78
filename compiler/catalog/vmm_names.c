/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one place that maps catalog names to QEMU and libvirt names (see
 * kfp_vmm_feature_name() in vmm_names.h).
 */
#include "vmm_names.h"

#include <stdio.h>
#include <string.h>

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
