/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fills a host profile from /dev/kvm, the same way on every host, so that
 * profiles of a fleet can be compared and the compiler can check policies
 * against them.  x86_64 only for now.
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
#include "util.h"

/* Capabilities the compiler and runtime look at, ascending (the profile
 * keeps them sorted).  KVM_CAP_XSAVE2 is asked on a VM fd, where it gives
 * the xsave buffer size of that VM. */
static const struct {
	unsigned cap;
	bool vm;
} probed_caps[] = {
	{ KVM_CAP_XSAVE, false },            /* 55 */
	{ KVM_CAP_XCRS, false },             /* 56 */
	{ KVM_CAP_ONE_REG, false },          /* 70 */
	{ KVM_CAP_GET_MSR_FEATURES, false }, /* 153 */
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

struct kfp_host_profile *probe_host(int kvm_fd, const char *name)
{
#if !defined(__x86_64__)
	(void)kvm_fd;
	(void)name;
	fprintf(stderr, "kfp: probe: this architecture is not supported yet (x86_64 only)\n");
	return NULL;
#else
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
	p->arch = KFP_ARCH_X86_64;
	p->kernel_release = kfp_xstrdup(u.release);
	if (!kfp_kver_parse(u.release, &p->kernel)) {
		fprintf(stderr, "kfp: kernel release '%s' does not start with MAJOR.MINOR\n",
			u.release);
		goto fail;
	}
	if (!probe_caps(kvm_fd, p) || !probe_cpuid(kvm_fd, p) || !probe_msrs(kvm_fd, p))
		goto fail;
	/* The xfeatures a guest may enable: CPUID.(0xD,0) EDX:EAX for XCR0,
	 * CPUID.(0xD,1) EDX:ECX for IA32_XSS. */
	const struct kfp_cpuid_entry *d0 = kfp_profile_cpuid(p, 0xd, 0);
	const struct kfp_cpuid_entry *d1 = kfp_profile_cpuid(p, 0xd, 1);
	if (d0)
		p->xcr0 = (uint64_t)d0->edx << 32 | d0->eax;
	if (d1)
		p->xss = (uint64_t)d1->edx << 32 | d1->ecx;
	return p;
fail:
	kfp_profile_free(p);
	return NULL;
#endif
}
