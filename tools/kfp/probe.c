/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fills a host profile from /dev/kvm, the same way on every host, so that
 * profiles of a fleet can be compared and the compiler can check policies
 * against them: on x86_64 the supported CPUID table and feature MSRs, on
 * arm64 the register list, ID registers, writable masks, firmware
 * registers and vCPU init features.
 */
#include "probe.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kvm.h"
#include <kfp/arm64_regs.h>
#include "base/util.h"

#if defined(__x86_64__)

/* Capabilities the compiler and runtime look at, ascending (the profile
 * keeps them sorted).  KVM_CAP_XSAVE2 is asked on a VM fd, where it gives
 * the xsave buffer size of that VM. */
static const struct {
	unsigned cap;
	bool vm;
} probed_caps[] = {
	{ KVM_CAP_HYPERV, false },           /* 44 */
	{ KVM_CAP_HYPERV_VAPIC, false },     /* 45 */
	{ KVM_CAP_HYPERV_SPIN, false },      /* 46 */
	{ KVM_CAP_XSAVE, false },            /* 55 */
	{ KVM_CAP_XCRS, false },             /* 56 */
	{ KVM_CAP_ONE_REG, false },          /* 70 */
	{ KVM_CAP_TSC_DEADLINE_TIMER, false }, /* 72: the tsc-deadline CPUID bit */
	{ KVM_CAP_HYPERV_TIME, false },      /* 96 */
	{ KVM_CAP_HYPERV_SYNIC, false },     /* 123 */
	{ KVM_CAP_HYPERV_SYNIC2, false },    /* 148 */
	{ KVM_CAP_HYPERV_VP_INDEX, false },  /* 149 */
	{ KVM_CAP_GET_MSR_FEATURES, false }, /* 153 */
	{ KVM_CAP_HYPERV_EVENTFD, false },   /* 154 */
	{ KVM_CAP_HYPERV_TLBFLUSH, false },  /* 155 */
	{ KVM_CAP_HYPERV_SEND_IPI, false },  /* 161 */
	{ KVM_CAP_HYPERV_ENLIGHTENED_VMCS, false }, /* 163 */
	{ KVM_CAP_HYPERV_CPUID, false },     /* 167 */
	{ KVM_CAP_HYPERV_DIRECT_TLBFLUSH, false }, /* 175 */
	{ KVM_CAP_SYS_HYPERV_CPUID, false }, /* 191 */
	{ KVM_CAP_HYPERV_ENFORCE_CPUID, false }, /* 199 */
	{ KVM_CAP_XSAVE2, true },            /* 208 */
	{ KVM_CAP_SYS_ATTRIBUTES, false },   /* 209 */
};

#define NPROBED_CAPS (sizeof(probed_caps) / sizeof(probed_caps[0]))

/* Far more than any kernel reports (about 60 entries). */
#define MAX_CPUID_ENTRIES 4096
#define MAX_FEATURE_MSRS 4096

static int cmp_cpuid(const void *a, const void *b)
{
	const struct kfp_cpuid_entry *x = a, *y = b;
	if (x->function != y->function)
		return x->function < y->function ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return 0;
}

/* KVM_GET_SUPPORTED_CPUID copies a few fields from the CPU the call ran
 * on: its APIC ids.  They name a CPU, not what the host offers (a VMM sets
 * them per vCPU), so the profile holds 0 there and probing the same host
 * twice gives the same profile. */
static void clear_cpu_ids(struct kfp_cpuid_entry *e)
{
	if (e->function == 0x1)
		e->ebx &= 0x00ffffffu; /* initial APIC id */
	else if (e->function == 0xb || e->function == 0x1f)
		e->edx = 0; /* x2APIC id */
	else if (e->function == 0x8000001e)
		e->eax = 0; /* extended APIC id */
}

static bool probe_cpuid(int kvm_fd, struct kfp_host_profile *p)
{
	struct kvm_cpuid2 *c = NULL;
	int r = -E2BIG;
	for (uint32_t n = 64; r == -E2BIG && n <= MAX_CPUID_ENTRIES; n *= 2) {
		free(c);
		c = kfp_xcalloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		c->nent = n;
		r = kvm_ioctl_quiet(kvm_fd, KVM_GET_SUPPORTED_CPUID, c);
	}
	if (r < 0) {
		fprintf(stderr, "kfp: KVM_GET_SUPPORTED_CPUID: %s\n", strerror(-r));
		free(c);
		return false;
	}
	p->cpuid = kfp_xcalloc(c->nent + 1, sizeof(*p->cpuid));
	p->ncpuid = c->nent;
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];
		p->cpuid[i] = (struct kfp_cpuid_entry){ e->function, e->index, e->flags,
							e->eax, e->ebx, e->ecx, e->edx };
	}
	free(c);
	for (size_t i = 0; i < p->ncpuid; i++)
		clear_cpu_ids(&p->cpuid[i]);
	qsort(p->cpuid, p->ncpuid, sizeof(*p->cpuid), cmp_cpuid);
	for (size_t i = 1; i < p->ncpuid; i++)
		if (!cmp_cpuid(&p->cpuid[i - 1], &p->cpuid[i])) {
			fprintf(stderr, "kfp: KVM_GET_SUPPORTED_CPUID lists leaf 0x%x subleaf 0x%x twice\n",
				p->cpuid[i].function, p->cpuid[i].index);
			return false;
		}
	return true;
}

/* The feature MSRs (KVM_GET_MSR_FEATURE_INDEX_LIST) and their values,
 * read one at a time on the system fd so that one MSR KVM will not read
 * does not hide the others. */
static bool probe_msrs(int kvm_fd, struct kfp_host_profile *p)
{
	if (!kvm_check_cap(kvm_fd, KVM_CAP_GET_MSR_FEATURES))
		return true; /* before 4.17: no feature MSRs */
	struct kvm_msr_list probe = { .nmsrs = 0 };
	int r = kvm_ioctl_quiet(kvm_fd, KVM_GET_MSR_FEATURE_INDEX_LIST, &probe);
	if (r < 0 && r != -E2BIG) {
		fprintf(stderr, "kfp: KVM_GET_MSR_FEATURE_INDEX_LIST: %s\n", strerror(-r));
		return false;
	}
	if (probe.nmsrs > MAX_FEATURE_MSRS) {
		fprintf(stderr, "kfp: KVM lists %u feature MSRs, more than %u\n", probe.nmsrs,
			MAX_FEATURE_MSRS);
		return false;
	}
	struct kvm_msr_list *list = kfp_xcalloc(1, sizeof(*list) + probe.nmsrs * sizeof(uint32_t));
	list->nmsrs = probe.nmsrs;
	if (probe.nmsrs && kvm_ioctl(kvm_fd, KVM_GET_MSR_FEATURE_INDEX_LIST, list) < 0) {
		free(list);
		return false;
	}
	p->msrs = kfp_xcalloc(list->nmsrs + 1, sizeof(*p->msrs));
	for (uint32_t i = 0; i < list->nmsrs; i++) {
		union {
			struct kvm_msrs hdr;
			unsigned char bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
		} one = { .hdr.nmsrs = 1 };
		one.hdr.entries[0].index = list->indices[i];
		r = kvm_ioctl(kvm_fd, KVM_GET_MSRS, &one.hdr);
		if (r < 0) {
			free(list);
			return false;
		}
		if (r != 1) {
			fprintf(stderr, "kfp: warning: KVM lists feature MSR 0x%x but does not read it; left out\n",
				list->indices[i]);
			continue;
		}
		p->msrs[p->nmsrs++] = (struct kfp_reg_value){ one.hdr.entries[0].index,
							      one.hdr.entries[0].data };
	}
	free(list);
	for (size_t i = 1; i < p->nmsrs; i++) /* KVM's order is not sorted */
		for (size_t j = i; j > 0 && p->msrs[j - 1].id > p->msrs[j].id; j--) {
			struct kfp_reg_value t = p->msrs[j];
			p->msrs[j] = p->msrs[j - 1];
			p->msrs[j - 1] = t;
		}
	for (size_t i = 1; i < p->nmsrs; i++)
		if (p->msrs[i - 1].id == p->msrs[i].id) {
			fprintf(stderr, "kfp: KVM lists feature MSR 0x%" PRIx64 " twice\n",
				p->msrs[i].id);
			return false;
		}
	return true;
}

static bool probe_caps(int kvm_fd, struct kfp_host_profile *p)
{
	int vm_fd = kvm_create_vm(kvm_fd);
	if (vm_fd < 0)
		return false;
	p->caps = kfp_xcalloc(NPROBED_CAPS, sizeof(*p->caps));
	for (size_t i = 0; i < NPROBED_CAPS; i++) {
		unsigned cap = probed_caps[i].cap;
		int v = kvm_check_cap(probed_caps[i].vm ? vm_fd : kvm_fd, cap);
		p->caps[p->ncaps++] = (struct kfp_reg_value){ cap, (uint64_t)v };
		if (cap == KVM_CAP_XSAVE2)
			p->xsave_size = (uint32_t)v;
	}
	close(vm_fd);
	return true;
}

/* KVM_GET_SUPPORTED_HV_CPUID into the profile (sorted). */
static bool hv_cpuid_from(int fd, struct kfp_host_profile *p)
{
	enum { MAX_HV = 32 };
	struct kvm_cpuid2 *c = kfp_xcalloc(1, sizeof(*c) + MAX_HV * sizeof(c->entries[0]));
	c->nent = MAX_HV;
	int r = kvm_ioctl(fd, KVM_GET_SUPPORTED_HV_CPUID, c);
	if (r < 0) {
		free(c);
		return false;
	}
	p->has_hv_cpuid = true;
	p->hv_cpuid = kfp_xcalloc(c->nent + 1, sizeof(*p->hv_cpuid));
	p->nhv_cpuid = c->nent;
	for (uint32_t i = 0; i < c->nent; i++) {
		const struct kvm_cpuid_entry2 *e = &c->entries[i];
		p->hv_cpuid[i] = (struct kfp_cpuid_entry){ e->function, e->index, e->flags,
							   e->eax, e->ebx, e->ecx, e->edx };
	}
	free(c);
	qsort(p->hv_cpuid, p->nhv_cpuid, sizeof(*p->hv_cpuid), cmp_cpuid);
	return true;
}

/* The Hyper-V leaves KVM offers: the system ioctl from 5.11, before that
 * a vCPU's (with an in-kernel LAPIC, so that the LAPIC-dependent bits
 * match what the system ioctl reports).  On Intel, the eVMCS version a
 * vCPU gets from KVM_CAP_HYPERV_ENLIGHTENED_VMCS, which the leaves then
 * report too. */
static bool probe_hyperv(int kvm_fd, struct kfp_host_profile *p)
{
	bool sys = kvm_check_cap(kvm_fd, KVM_CAP_SYS_HYPERV_CPUID) > 0;
	bool evmcs = kvm_check_cap(kvm_fd, KVM_CAP_HYPERV_ENLIGHTENED_VMCS) > 0;
	if (!sys && kvm_check_cap(kvm_fd, KVM_CAP_HYPERV_CPUID) <= 0 && !evmcs)
		return true; /* no Hyper-V: the profile says nothing */
	if (sys && !evmcs)
		return hv_cpuid_from(kvm_fd, p);
	int vm_fd = kvm_create_vm(kvm_fd);
	if (vm_fd < 0)
		return false;
	bool ok = kvm_ioctl_val(vm_fd, KVM_CREATE_IRQCHIP, 0) >= 0;
	int vcpu_fd = ok ? kvm_ioctl_val(vm_fd, KVM_CREATE_VCPU, 0) : -1;
	ok = vcpu_fd >= 0;
	if (ok && evmcs) {
		uint16_t version = 0;
		struct kvm_enable_cap cap = { .cap = KVM_CAP_HYPERV_ENLIGHTENED_VMCS };
		cap.args[0] = (uint64_t)(uintptr_t)&version;
		ok = kvm_ioctl(vcpu_fd, KVM_ENABLE_CAP, &cap) >= 0;
		p->evmcs_version = version;
	}
	if (ok)
		ok = hv_cpuid_from(vcpu_fd, p);
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	close(vm_fd);
	return ok;
}

bool probe_x86_64(int kvm_fd, struct kfp_host_profile *p)
{
	p->arch = KFP_ARCH_X86_64;
	if (!probe_caps(kvm_fd, p) || !probe_cpuid(kvm_fd, p) || !probe_msrs(kvm_fd, p) ||
	    !probe_hyperv(kvm_fd, p))
		return false;
	kfp_profile_set_xfeatures(p);
	return true;
}

#elif defined(__aarch64__)

/* Capabilities of arm64 VMs the compiler and runtime look at, ascending,
 * asked on a VM fd (some are per VM). */
static const unsigned arm64_caps[] = {
	KVM_CAP_ONE_REG,                       /* 70 */
	KFP_CAP_ARM_EL1_32BIT,                 /* 93 */
	KFP_CAP_ARM_PSCI_0_2,                  /* 102 */
	KFP_CAP_ARM_PMU_V3,                    /* 126 */
	KFP_CAP_ARM_SVE,                       /* 170 */
	KFP_CAP_ARM_PTRAUTH_ADDRESS,           /* 171 */
	KFP_CAP_ARM_PTRAUTH_GENERIC,           /* 172 */
	KVM_CAP_SYS_ATTRIBUTES,                /* 209 */
	KFP_CAP_ARM_SUPPORTED_REG_MASK_RANGES, /* 230 */
	239,                                   /* ARM_WRITABLE_IMP_ID_REGS (6.15) */
};

#define NARM64_CAPS (sizeof(arm64_caps) / sizeof(arm64_caps[0]))

/* vcpu_init feature bit -> the capability that offers it (0: always). */
static const unsigned feature_caps[] = {
	[KFP_ARM64_VCPU_POWER_OFF] = 0,
	[KFP_ARM64_VCPU_EL1_32BIT] = KFP_CAP_ARM_EL1_32BIT,
	[KFP_ARM64_VCPU_PSCI_0_2] = KFP_CAP_ARM_PSCI_0_2,
	[KFP_ARM64_VCPU_PMU_V3] = KFP_CAP_ARM_PMU_V3,
	[KFP_ARM64_VCPU_SVE] = KFP_CAP_ARM_SVE,
	[KFP_ARM64_VCPU_PTRAUTH_ADDRESS] = KFP_CAP_ARM_PTRAUTH_ADDRESS,
	[KFP_ARM64_VCPU_PTRAUTH_GENERIC] = KFP_CAP_ARM_PTRAUTH_GENERIC,
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static bool in_list(const uint64_t *list, size_t n, uint64_t id)
{
	return bsearch(&id, list, n, sizeof(*list), cmp_u64) != NULL;
}

/* A register of up to 64 bits (KVM copies KVM_REG_SIZE(id) bytes: 4 for
 * the CCSIDR_EL1 demux registers). */
static int get_one_reg(int vcpu_fd, uint64_t id, uint64_t *value)
{
	union {
		uint64_t u64;
		uint32_t u32;
	} buf = { 0 };
	unsigned size = 1u << (id >> 52 & 0xf);
	if (size > sizeof(buf))
		return -E2BIG;
	struct kvm_one_reg one = { .id = id, .addr = (uintptr_t)&buf };
	int r = kvm_ioctl_quiet(vcpu_fd, KVM_GET_ONE_REG, &one);
	*value = size == 4 ? buf.u32 : buf.u64;
	return r;
}

/*
 * The registers as a new vCPU sees them.  The vCPU has every opt-in
 * feature this host offers (PSCI 0.2, PMU, pointer authentication) except
 * SVE, whose registers depend on the vector lengths a VMM chooses: so the
 * ID registers show what a policy that turns those features on gets.
 */
static bool probe_vcpu(int vm_fd, struct kfp_host_profile *p)
{
	int vcpu_fd = kvm_ioctl_val(vm_fd, KVM_CREATE_VCPU, 0);
	if (vcpu_fd < 0)
		return false;
	bool ok = false;
	struct kvm_vcpu_init init;
	memset(&init, 0, sizeof(init));
	if (kvm_ioctl(vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		goto out;
	uint32_t features = p->vcpu_features & (1u << KFP_ARM64_VCPU_PSCI_0_2 |
						1u << KFP_ARM64_VCPU_PMU_V3 |
						1u << KFP_ARM64_VCPU_PTRAUTH_ADDRESS |
						1u << KFP_ARM64_VCPU_PTRAUTH_GENERIC);
	init.features[0] = features;
	if (kvm_ioctl(vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0)
		goto out;

	struct kvm_reg_list probe = { .n = 0 };
	int r = kvm_ioctl_quiet(vcpu_fd, KVM_GET_REG_LIST, &probe);
	if (r != -E2BIG) {
		fprintf(stderr, "kfp: KVM_GET_REG_LIST (n = 0): expected E2BIG, got %s\n",
			r < 0 ? strerror(-r) : "success");
		goto out;
	}
	struct kvm_reg_list *list = kfp_xcalloc(1, sizeof(*list) + probe.n * sizeof(uint64_t));
	list->n = probe.n;
	if (kvm_ioctl(vcpu_fd, KVM_GET_REG_LIST, list) < 0) {
		free(list);
		goto out;
	}
	p->nreg_list = list->n;
	p->reg_list = kfp_xcalloc(list->n + 1, sizeof(*p->reg_list));
	memcpy(p->reg_list, list->reg, list->n * sizeof(uint64_t));
	free(list);
	qsort(p->reg_list, p->nreg_list, sizeof(*p->reg_list), cmp_u64);

	/* The ID registers: the feature ID space (op0 3, op1 0/1/3, CRn 0,
	 * CRm 0..7), which holds MIDR_EL1 ... ID_AA64MMFR4_EL1 and CTR_EL0,
	 * CLIDR_EL1 and AIDR_EL1; the firmware registers; and the cache
	 * description (CLIDR_EL1 again, and the U32 CCSIDR_EL1 demux
	 * registers), which the compiler pins across kernels. */
	p->id_regs = kfp_xcalloc(p->nreg_list + 1, sizeof(*p->id_regs));
	p->fw_regs = kfp_xcalloc(p->nreg_list + 1, sizeof(*p->fw_regs));
	p->cache_regs = kfp_xcalloc(p->nreg_list + 1, sizeof(*p->cache_regs));
	for (size_t i = 0; i < p->nreg_list; i++) {
		uint64_t id = p->reg_list[i], v = 0;
		bool idreg = kfp_arm64_in_mask_range(id);
		bool fw = (id & ~UINT64_C(0xffff)) == KFP_ARM64_FW_REG_BASE ||
			  kfp_arm64_is_fw_bitmap(id);
		bool cache = kfp_arm64_is_cache_reg(id);
		if (!idreg && !fw && !cache)
			continue;
		if ((r = get_one_reg(vcpu_fd, id, &v)) < 0) {
			fprintf(stderr, "kfp: KVM_GET_ONE_REG 0x%016" PRIx64 ": %s\n", id, strerror(-r));
			goto out;
		}
		if (idreg)
			p->id_regs[p->nid_regs++] = (struct kfp_reg_value){ id, v };
		else if (fw)
			p->fw_regs[p->nfw_regs++] = (struct kfp_reg_value){ id, v };
		if (cache)
			p->cache_regs[p->ncache_regs++] = (struct kfp_reg_value){ id, v };
	}
	ok = true;
out:
	close(vcpu_fd);
	return ok;
}

/* KVM_ARM_GET_REG_WRITABLE_MASKS, when the kernel has it (6.7). */
static bool probe_masks(int vm_fd, struct kfp_host_profile *p)
{
	int cap = kvm_check_cap(vm_fd, KFP_CAP_ARM_SUPPORTED_REG_MASK_RANGES);
	if (!(cap & 1))
		return true;
	static uint64_t masks[KFP_ARM64_FEATURE_ID_RANGE_SIZE];
	struct kfp_reg_mask_range range = { .addr = (uintptr_t)masks, .range = 0 };
	if (kvm_ioctl(vm_fd, KFP_ARM_GET_REG_WRITABLE_MASKS, &range) < 0)
		return false;
	p->has_writable_masks = true;
	p->writable_masks = kfp_xcalloc(KFP_ARM64_FEATURE_ID_RANGE_SIZE, sizeof(*p->writable_masks));
	/* The index back to the register: op1 2 stands for 3. */
	for (unsigned idx = 0; idx < KFP_ARM64_FEATURE_ID_RANGE_SIZE; idx++) {
		unsigned op1 = idx >> 6 == 2 ? 3 : idx >> 6;
		uint64_t id = KFP_ARM64_SYSREG(3, op1, 0, idx >> 3 & 7, idx & 7);
		if (masks[idx] || in_list(p->reg_list, p->nreg_list, id))
			p->writable_masks[p->nwritable_masks++] = (struct kfp_reg_value){ id, masks[idx] };
	}
	qsort(p->writable_masks, p->nwritable_masks, sizeof(*p->writable_masks), cmp_u64);
	return true;
}

bool probe_arm64(int kvm_fd, struct kfp_host_profile *p)
{
	p->arch = KFP_ARCH_ARM64;
	int vm_fd = kvm_create_vm(kvm_fd);
	if (vm_fd < 0)
		return false;
	p->caps = kfp_xcalloc(NARM64_CAPS, sizeof(*p->caps));
	for (size_t i = 0; i < NARM64_CAPS; i++)
		p->caps[p->ncaps++] = (struct kfp_reg_value){ arm64_caps[i],
							      (uint64_t)kvm_check_cap(vm_fd, arm64_caps[i]) };
	for (unsigned bit = 0; bit < sizeof(feature_caps) / sizeof(feature_caps[0]); bit++)
		if (!feature_caps[bit] || kvm_check_cap(vm_fd, feature_caps[bit]))
			p->vcpu_features |= 1u << bit;
	bool ok = probe_vcpu(vm_fd, p) && probe_masks(vm_fd, p);
	close(vm_fd);
	return ok;
}

#endif

struct kfp_host_profile *probe_host(int kvm_fd, const char *name,
				    bool (*probe_arch)(int kvm_fd, struct kfp_host_profile *p))
{
	struct utsname u;
	if (uname(&u) != 0) {
		fprintf(stderr, "kfp: uname: %s\n", strerror(errno));
		return NULL;
	}
	char host[256] = "";
	if (!name) {
		if (gethostname(host, sizeof(host) - 1) != 0 || !host[0]) {
			fprintf(stderr, "kfp: cannot read the host name (%s); give one with --name\n",
				strerror(errno));
			return NULL;
		}
		name = host;
	}
	struct kfp_host_profile *p = kfp_xcalloc(1, sizeof(*p));
	p->name = kfp_xstrdup(name);
	p->kernel_release = kfp_xstrdup(u.release);
	if (!kfp_kver_parse(u.release, &p->kernel)) {
		fprintf(stderr, "kfp: kernel release '%s' does not start with MAJOR.MINOR\n",
			u.release);
		goto fail;
	}
	if (!probe_arch(kvm_fd, p))
		goto fail;
	return p;
fail:
	kfp_profile_free(p);
	return NULL;
}
