/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What this host's KVM offers: the supported CPUID table and the feature
 * MSRs, read once per process on the /dev/kvm fd.
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "sys.h"

/* KVM_GET_SUPPORTED_CPUID does not say how many entries it needs: grow the
 * buffer on E2BIG.  64 fits most hosts (59 seen on a 6.18 Intel host). */
#define CPUID_FIRST_TRY 64
#define MSR_LIST_FIRST_TRY 32

static int cpuid_cmp(const struct kvm_cpuid_entry2 *a, const struct kvm_cpuid_entry2 *b)
{
	if (a->function != b->function)
		return a->function < b->function ? -1 : 1;
	if (a->index != b->index)
		return a->index < b->index ? -1 : 1;
	return 0;
}

static int read_supported_cpuid(struct kfp_host *host, int kvm_fd)
{
	union {
		struct kvm_cpuid2 hdr;
		unsigned char bytes[sizeof(struct kvm_cpuid2) +
				    KFP_MAX_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2)];
	} buf;
	uint32_t nent = CPUID_FIRST_TRY;
	int r;

	for (;;) {
		buf.hdr.nent = nent;
		buf.hdr.padding = 0;
		r = KFP_IOCTL(kvm_fd, KVM_GET_SUPPORTED_CPUID, &buf.hdr, NULL, NULL, NULL);
		if (r != -E2BIG)
			break;
		if (nent == KFP_MAX_CPUID_ENTRIES)
			return -E2BIG;
		nent = nent * 2 > KFP_MAX_CPUID_ENTRIES ? KFP_MAX_CPUID_ENTRIES : nent * 2;
	}
	if (r < 0)
		return r;
	if (buf.hdr.nent > nent)
		return -E2BIG;

	/* Sorted by (function, index) for kfp_host_cpuid and the planner. */
	host->ncpuid = 0;
	for (uint32_t i = 0; i < buf.hdr.nent; i++) {
		const struct kvm_cpuid_entry2 *e = &buf.hdr.entries[i];
		uint32_t j = host->ncpuid++;
		for (; j > 0 && cpuid_cmp(&host->cpuid[j - 1], e) > 0; j--)
			host->cpuid[j] = host->cpuid[j - 1];
		host->cpuid[j] = *e;
	}
	return 0;
}

/* The CPUID bits a VMM owns: KVM_GET_SUPPORTED_CPUID never reports them,
 * and KVM honours them in the table the VMM sets.  The hypervisor bit
 * (CPUID.1:ECX[31]) on every KVM; TSC-deadline (CPUID.1:ECX[24]) where
 * KVM_CAP_TSC_DEADLINE_TIMER says the in-kernel LAPIC emulates it.  They
 * count as offered, so a policy that allows them gets them. */
static void add_vmm_owned_bits(struct kfp_host *host, int kvm_fd)
{
	uint32_t bits = 1u << 31;
	if (KFP_IOCTL_VAL(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER, NULL, NULL,
			  NULL) > 0)
		bits |= 1u << 24;
	for (uint32_t i = kfp_host_first_of(host, 1);
	     i < host->ncpuid && host->cpuid[i].function == 1; i++)
		host->cpuid[i].ecx |= bits;
}

static int read_feature_msrs(struct kfp_host *host, int kvm_fd)
{
	union {
		struct kvm_msr_list hdr;
		unsigned char bytes[sizeof(struct kvm_msr_list) +
				    KFP_MAX_FEATURE_MSRS * sizeof(uint32_t)];
	} list;
	union {
		struct kvm_msrs hdr;
		unsigned char bytes[sizeof(struct kvm_msrs) +
				    KFP_MAX_FEATURE_MSRS * sizeof(struct kvm_msr_entry)];
	} msrs;
	uint32_t n = MSR_LIST_FIRST_TRY;
	int r;

	host->nmsrs = 0;
	r = KFP_IOCTL_VAL(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_GET_MSR_FEATURES, NULL, NULL, NULL);
	if (r <= 0)
		return r;
	for (;;) {
		list.hdr.nmsrs = n;
		r = KFP_IOCTL(kvm_fd, KVM_GET_MSR_FEATURE_INDEX_LIST, &list.hdr, NULL, NULL, NULL);
		if (r != -E2BIG)
			break;
		/* KVM writes back how many it has. */
		if (n == KFP_MAX_FEATURE_MSRS || list.hdr.nmsrs > KFP_MAX_FEATURE_MSRS)
			return -E2BIG;
		n = list.hdr.nmsrs > n ? list.hdr.nmsrs : n * 2;
		if (n > KFP_MAX_FEATURE_MSRS)
			n = KFP_MAX_FEATURE_MSRS;
	}
	if (r < 0)
		return r;
	if (list.hdr.nmsrs > n)
		return -E2BIG;

	msrs.hdr.nmsrs = list.hdr.nmsrs;
	msrs.hdr.pad = 0;
	for (uint32_t i = 0; i < list.hdr.nmsrs; i++)
		msrs.hdr.entries[i] = (struct kvm_msr_entry){ .index = list.hdr.indices[i] };
	/* Returns how many it read; it stops at the first it cannot read. */
	r = KFP_IOCTL(kvm_fd, KVM_GET_MSRS, &msrs.hdr, NULL, NULL, NULL);
	if (r < 0)
		return r;
	if ((uint32_t)r > list.hdr.nmsrs)
		r = (int)list.hdr.nmsrs;
	for (int i = 0; i < r; i++) {
		const struct kvm_msr_entry *e = &msrs.hdr.entries[i];
		uint32_t j = host->nmsrs++;
		for (; j > 0 && host->msrs[j - 1].index > e->index; j--)
			host->msrs[j] = host->msrs[j - 1];
		host->msrs[j] = (struct kfp_msr_value){ e->index, e->data };
	}
	return 0;
}

/* The Hyper-V leaves KVM can show (KVM_GET_SUPPORTED_HV_CPUID on fd, the
 * system fd from 5.11 or a vCPU), sorted by function.  0 or -errno. */
int kfp_read_hv_cpuid(int fd, struct kvm_cpuid_entry2 *out, uint32_t *n)
{
	union {
		struct kvm_cpuid2 hdr;
		unsigned char bytes[sizeof(struct kvm_cpuid2) +
				    KFP_MAX_HV_CPUID_ENTRIES * sizeof(struct kvm_cpuid_entry2)];
	} buf;
	buf.hdr.nent = KFP_MAX_HV_CPUID_ENTRIES;
	buf.hdr.padding = 0;
	int r = KFP_IOCTL(fd, KVM_GET_SUPPORTED_HV_CPUID, &buf.hdr, NULL, NULL, NULL);
	if (r < 0)
		return r;
	if (buf.hdr.nent > KFP_MAX_HV_CPUID_ENTRIES)
		return -E2BIG;
	*n = 0;
	for (uint32_t i = 0; i < buf.hdr.nent; i++) {
		const struct kvm_cpuid_entry2 *e = &buf.hdr.entries[i];
		uint32_t j = (*n)++;
		for (; j > 0 && cpuid_cmp(&out[j - 1], e) > 0; j--)
			out[j] = out[j - 1];
		out[j] = *e;
	}
	return 0;
}

static int check_cap(int kvm_fd, long cap)
{
	int r = KFP_IOCTL_VAL(kvm_fd, KVM_CHECK_EXTENSION, cap, NULL, NULL, NULL);
	return r > 0;
}

KFP_API int kfp_host_init(struct kfp_host *host, int kvm_fd)
{
	if (!host || kvm_fd < 0)
		return -EINVAL;
	host->kvm_fd = kvm_fd;
	host->ncpuid = host->nmsrs = 0;
	int r = read_supported_cpuid(host, kvm_fd);
	if (r == 0) {
		add_vmm_owned_bits(host, kvm_fd);
		r = read_feature_msrs(host, kvm_fd);
	}
	host->nhv_cpuid = 0;
	host->hv_enforce = (uint8_t)check_cap(kvm_fd, KVM_CAP_HYPERV_ENFORCE_CPUID);
	host->hv_evmcs = (uint8_t)check_cap(kvm_fd, KVM_CAP_HYPERV_ENLIGHTENED_VMCS);
	host->hv_sys = (uint8_t)check_cap(kvm_fd, KVM_CAP_SYS_HYPERV_CPUID);
	if (r == 0 && host->hv_sys && kfp_read_hv_cpuid(kvm_fd, host->hv_cpuid, &host->nhv_cpuid) < 0)
		host->hv_sys = 0; /* a Hyper-V policy then reports what is missing */
	if (r < 0)
		host->ncpuid = host->nmsrs = 0;
	return r;
}

uint32_t kfp_host_first_of(const struct kfp_host *host, uint32_t function)
{
	uint32_t lo = 0, hi = host->ncpuid;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (host->cpuid[mid].function < function)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

KFP_API const struct kvm_cpuid_entry2 *kfp_host_cpuid(const struct kfp_host *host,
						      uint32_t function, uint32_t index)
{
	for (uint32_t lo = kfp_host_first_of(host, function); lo < host->ncpuid && host->cpuid[lo].function == function; lo++) {
		const struct kvm_cpuid_entry2 *e = &host->cpuid[lo];
		if (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == index)
			return e;
	}
	return NULL;
}

KFP_API int kfp_host_msr(const struct kfp_host *host, uint32_t index, uint64_t *value)
{
	uint32_t lo = 0, hi = host->nmsrs;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (host->msrs[mid].index == index) {
			if (value)
				*value = host->msrs[mid].value;
			return 0;
		}
		if (host->msrs[mid].index < index)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -ENOENT;
}
