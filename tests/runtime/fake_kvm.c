/* SPDX-License-Identifier: Apache-2.0 */
#include "fake_kvm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kfp/arm64_regs.h>

#include "base/ctx.h"
#include "compiler/profiles/profile.h"
#include "runtime/src/sys.h"

static struct fake_kvm *cur;

static void log_call(int fd, unsigned long req)
{
	if (cur->nlog < FAKE_LOG_MAX) {
		cur->log[cur->nlog].fd = fd;
		cur->log[cur->nlog].req = req;
	}
	cur->nlog++;
}

static int fail(int err)
{
	errno = err;
	return -1;
}

static int get_supported_cpuid(struct kvm_cpuid2 *c)
{
	if (cur->nsupported < sizeof(cur->supported_nent) / sizeof(cur->supported_nent[0]))
		cur->supported_nent[cur->nsupported] = c->nent;
	cur->nsupported++;
	/* Like the kernel: E2BIG without saying how many it needs. */
	if (c->nent < cur->ncpuid)
		return fail(E2BIG);
	memcpy(c->entries, cur->cpuid, cur->ncpuid * sizeof(cur->cpuid[0]));
	c->nent = cur->ncpuid;
	return 0;
}

static int get_msr_feature_list(struct kvm_msr_list *l)
{
	uint32_t n = l->nmsrs;
	if (cur->nmsr_list < sizeof(cur->msr_list_n) / sizeof(cur->msr_list_n[0]))
		cur->msr_list_n[cur->nmsr_list] = n;
	cur->nmsr_list++;
	/* Like the kernel: writes back how many there are, then E2BIG. */
	l->nmsrs = cur->nmsrs;
	if (n < cur->nmsrs)
		return fail(E2BIG);
	for (uint32_t i = 0; i < cur->nmsrs; i++)
		l->indices[i] = cur->msrs[i].index;
	return 0;
}

/* Returns how many it read, stopping at the first it cannot. */
static int get_feature_msrs(struct kvm_msrs *m)
{
	uint32_t i;
	for (i = 0; i < m->nmsrs; i++) {
		if (cur->get_msrs_limit >= 0 && i >= (uint32_t)cur->get_msrs_limit)
			break;
		uint32_t j;
		for (j = 0; j < cur->nmsrs && cur->msrs[j].index != m->entries[i].index; j++)
			;
		if (j == cur->nmsrs)
			break;
		m->entries[i].data = cur->msrs[j].data;
	}
	return (int)i;
}

static int set_msrs(const struct kvm_msrs *m)
{
	uint32_t n = m->nmsrs;
	if (cur->set_msrs_limit >= 0 && n > (uint32_t)cur->set_msrs_limit)
		n = (uint32_t)cur->set_msrs_limit;
	for (uint32_t i = 0; i < n && cur->nset_msrs < FAKE_MAX_MSRS; i++)
		cur->set_msrs[cur->nset_msrs++] = m->entries[i];
	return (int)n;
}

static int get_xsave(unsigned long req, void *buf)
{
	size_t size = req == KVM_GET_XSAVE2 ? (size_t)cur->xsave2_size : sizeof(struct kvm_xsave);
	unsigned char *p = buf;
	memset(p, 0, size);
	for (int i = 0; i < 8; i++) {
		p[512 + i] = (unsigned char)(cur->xstate_bv >> (8 * i));
		p[520 + i] = (unsigned char)(cur->xcomp_bv >> (8 * i));
	}
	cur->xsave_req = req;
	return 0;
}

/* ---- arm64 --------------------------------------------------------- */

static int get_reg_list(struct kvm_reg_list *l)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < cur->nregs; i++)
		n += !cur->regs[i].unlisted;
	uint64_t room = l->n;
	/* Like the kernel: writes back how many there are, then E2BIG. */
	l->n = n;
	if (room < n)
		return fail(E2BIG);
	n = 0;
	for (uint32_t i = 0; i < cur->nregs; i++)
		if (!cur->regs[i].unlisted)
			l->reg[n++] = cur->regs[i].id;
	return 0;
}

/* KVM copies KVM_REG_SIZE(id) bytes (4 for the CCSIDR_EL1 demux
 * registers), little-endian as on arm64. */
static size_t reg_bytes(uint64_t id)
{
	size_t n = (size_t)1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
	if (n > sizeof(uint64_t))
		abort();
	return n;
}

static int get_one_reg(const struct kvm_one_reg *one)
{
	struct fake_reg *r = fake_kvm_reg(cur, one->id);
	if (!r)
		return fail(ENOENT);
	unsigned char b[8];
	for (int i = 0; i < 8; i++)
		b[i] = (unsigned char)(r->value >> (8 * i));
	memcpy((void *)(uintptr_t)one->addr, b, reg_bytes(one->id));
	return 0;
}

/* What KVM checks: ID registers change only within the writable masks
 * (before 6.7: not at all), bitmaps only clear bits, invariant registers
 * (the cache description before 6.3) not at all, nothing changes once the
 * VM has run. */
static int set_one_reg(const struct kvm_one_reg *one)
{
	struct fake_reg *r = fake_kvm_reg(cur, one->id);
	unsigned char b[8] = { 0 };
	uint64_t v = 0;
	if (!r)
		return fail(ENOENT);
	memcpy(b, (const void *)(uintptr_t)one->addr, reg_bytes(one->id));
	for (int i = 0; i < 8; i++)
		v |= (uint64_t)b[i] << (8 * i);
	if (one->id == cur->set_fail_id && cur->set_fail_errno)
		return fail(cur->set_fail_errno);
	if (v != r->value) {
		if (cur->ran)
			return fail(EBUSY);
		if (r->invariant)
			return fail(EINVAL);
		if (kfp_arm64_in_mask_range(one->id)) {
			uint64_t m = cur->mask_cap ? cur->masks[kfp_arm64_mask_index(one->id)] : 0;
			if ((v ^ r->value) & ~m)
				return fail(EINVAL);
		}
		if (kfp_arm64_is_fw_bitmap(one->id) && (v & ~r->reset))
			return fail(EINVAL);
	}
	r->value = v ^ (one->id == cur->hold_id ? cur->hold_xor : 0);
	if (cur->nset_regs < FAKE_MAX_REGS) {
		cur->set_regs[cur->nset_regs].id = one->id;
		cur->set_regs[cur->nset_regs].value = v;
		cur->nset_regs++;
	}
	return 0;
}

static int get_masks(const struct kfp_reg_mask_range *range)
{
	if (cur->masks_errno)
		return fail(cur->masks_errno);
	if (range->range != 0)
		return fail(EINVAL);
	memcpy((void *)(uintptr_t)range->addr, cur->masks, sizeof(cur->masks));
	return 0;
}

static int check_extension(unsigned long cap)
{
	switch (cap) {
	case KFP_CAP_ARM_SUPPORTED_REG_MASK_RANGES:
		return cur->mask_cap ? 1 : 0;
	case KVM_CAP_GET_MSR_FEATURES:
		return cur->msr_features;
	case KVM_CAP_XSAVE:
		return cur->xsave;
	case KVM_CAP_XSAVE2:
		return cur->xsave2_size;
	case KVM_CAP_TSC_DEADLINE_TIMER:
		return cur->tsc_deadline;
	case KVM_CAP_HYPERV_CPUID:
		return cur->nhv_cpuid > 0;
	case KVM_CAP_SYS_HYPERV_CPUID:
		return cur->hv_sys;
	case KVM_CAP_HYPERV_ENFORCE_CPUID:
		return cur->hv_enforce;
	case KVM_CAP_HYPERV_ENLIGHTENED_VMCS:
		return cur->hv_evmcs;
	}
	return 0;
}

static int get_hv_cpuid(struct kvm_cpuid2 *c)
{
	if (!cur->nhv_cpuid)
		return fail(ENOTTY);
	if (c->nent < cur->nhv_cpuid)
		return fail(E2BIG);
	memcpy(c->entries, cur->hv_cpuid, cur->nhv_cpuid * sizeof(c->entries[0]));
	c->nent = cur->nhv_cpuid;
	return 0;
}

static int enable_cap(const struct kvm_enable_cap *cap)
{
	switch (cap->cap) {
	case KVM_CAP_HYPERV_ENFORCE_CPUID:
		if (!cur->hv_enforce)
			return fail(EINVAL);
		cur->enforce_on = cap->args[0] != 0;
		cur->enforce_after_cpuid = cur->nset_cpuid_calls;
		return 0;
	case KVM_CAP_HYPERV_ENLIGHTENED_VMCS:
		if (!cur->hv_evmcs)
			return fail(EINVAL);
		*(uint16_t *)(uintptr_t)cap->args[0] = cur->evmcs_version;
		cur->evmcs_on = true;
		cur->evmcs_after_cpuid = cur->nset_cpuid_calls;
		return 0;
	}
	return fail(EINVAL);
}

static int fake_ioctl(int fd, unsigned long req, void *arg)
{
	log_call(fd, req);
	if (fd == FAKE_KVM_FD) {
		switch (req) {
		case KVM_CHECK_EXTENSION:
			return check_extension((unsigned long)arg);
		case KVM_GET_SUPPORTED_CPUID:
			return get_supported_cpuid(arg);
		case KVM_GET_MSR_FEATURE_INDEX_LIST:
			return get_msr_feature_list(arg);
		case KVM_GET_MSRS:
			return get_feature_msrs(arg);
		case KVM_GET_SUPPORTED_HV_CPUID:
			if (!cur->hv_sys)
				return fail(EINVAL);
			return get_hv_cpuid(arg);
		}
	} else if (fd == FAKE_VM_FD) {
		if (req == KVM_CHECK_EXTENSION)
			return check_extension((unsigned long)arg);
		if (req == KFP_ARM_GET_REG_WRITABLE_MASKS)
			return get_masks(arg);
	} else if (fd == FAKE_VCPU_FD) {
		switch (req) {
		case KVM_GET_REG_LIST:
			return get_reg_list(arg);
		case KVM_GET_ONE_REG:
			return get_one_reg(arg);
		case KVM_SET_ONE_REG:
			return set_one_reg(arg);
		case KVM_GET_SUPPORTED_HV_CPUID:
			return get_hv_cpuid(arg);
		case KVM_ENABLE_CAP:
			return enable_cap(arg);
		case KVM_SET_CPUID2: {
			const struct kvm_cpuid2 *c = arg;
			cur->nset_cpuid_calls++;
			if (cur->set_cpuid_errno)
				return fail(cur->set_cpuid_errno);
			if (c->nent > FAKE_MAX_CPUID)
				return fail(E2BIG);
			memcpy(cur->set_cpuid, c->entries, c->nent * sizeof(c->entries[0]));
			cur->nset_cpuid = c->nent;
			return 0;
		}
		case KVM_GET_CPUID2: {
			struct kvm_cpuid2 *c = arg;
			cur->get_cpuid_nent = c->nent;
			if (c->nent < cur->nset_cpuid) {
				c->nent = cur->nset_cpuid;
				return fail(E2BIG);
			}
			memcpy(c->entries, cur->set_cpuid, cur->nset_cpuid * sizeof(c->entries[0]));
			if (!cur->get_cpuid_keeps_nent)
				c->nent = cur->nset_cpuid;
			for (uint32_t i = 0; i < cur->nset_cpuid && cur->merge_bits; i++) {
				struct kvm_cpuid_entry2 *e = &c->entries[i];
				if (e->function != cur->merge_function || e->index != cur->merge_index)
					continue;
				uint32_t *regs[4] = { &e->eax, &e->ebx, &e->ecx, &e->edx };
				*regs[cur->merge_reg & 3] |= cur->merge_bits;
			}
			return 0;
		}
		case KVM_SET_MSRS:
			return set_msrs(arg);
		case KVM_GET_XSAVE:
		case KVM_GET_XSAVE2:
			return get_xsave(req, arg);
		case KVM_SET_XCRS:
			cur->xcrs = *(const struct kvm_xcrs *)arg;
			return 0;
		}
	} else {
		return fail(EBADF);
	}
	return fail(ENOTTY);
}

static long fake_arch_prctl(int code, unsigned long arg)
{
	cur->nprctl++;
	cur->prctl_code = code;
	cur->prctl_arg = arg;
	return cur->prctl_errno ? fail(cur->prctl_errno) : 0;
}

static int fake_uname(struct utsname *u)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->release, sizeof(u->release), "%s", cur->release);
	snprintf(u->machine, sizeof(u->machine), "fake");
	return 0;
}

static const struct kfp_sys_ops fake_ops = { fake_ioctl, fake_arch_prctl, fake_uname };

void fake_kvm_init(struct fake_kvm *k)
{
	memset(k, 0, sizeof(*k));
	k->msr_features = true;
	k->get_msrs_limit = -1;
	k->set_msrs_limit = -1;
	k->xsave = true;
	k->xsave2_size = 4096;
	k->xstate_bv = 0x3; /* x87 | SSE, as for a new vCPU */
	snprintf(k->release, sizeof(k->release), "6.1.0-fake");
	cur = k;
	kfp_sys_set_ops(&fake_ops);
}

void fake_kvm_uninstall(void)
{
	kfp_sys_set_ops(NULL);
	cur = NULL;
}

struct kvm_cpuid_entry2 *fake_kvm_cpuid(struct fake_kvm *k, uint32_t function, uint32_t index)
{
	for (uint32_t i = 0; i < k->ncpuid; i++)
		if (k->cpuid[i].function == function && k->cpuid[i].index == index)
			return &k->cpuid[i];
	return NULL;
}

void fake_kvm_add_cpuid(struct fake_kvm *k, uint32_t function, uint32_t index, uint32_t flags,
			uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	if (k->ncpuid == FAKE_MAX_CPUID)
		abort();
	k->cpuid[k->ncpuid++] = (struct kvm_cpuid_entry2){
		.function = function, .index = index, .flags = flags,
		.eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx,
	};
}

void fake_kvm_set_msr(struct fake_kvm *k, uint32_t index, uint64_t value)
{
	for (uint32_t i = 0; i < k->nmsrs; i++)
		if (k->msrs[i].index == index) {
			k->msrs[i].data = value;
			return;
		}
	if (k->nmsrs == FAKE_MAX_MSRS)
		abort();
	k->msrs[k->nmsrs++] = (struct kvm_msr_entry){ .index = index, .data = value };
}

void fake_kvm_del_msr(struct fake_kvm *k, uint32_t index)
{
	for (uint32_t i = 0; i < k->nmsrs; i++)
		if (k->msrs[i].index == index) {
			memmove(&k->msrs[i], &k->msrs[i + 1], (k->nmsrs - i - 1) * sizeof(k->msrs[0]));
			k->nmsrs--;
			return;
		}
}

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX

void fake_kvm_cascadelake(struct fake_kvm *k)
{
	k->ncpuid = 0;
	k->nmsrs = 0;
	/* tests/data/profiles/x86_64.yaml (a Cascade Lake host, 6.1), without
	 * the bits that Firecracker, which dumped it, sets itself and
	 * KVM_GET_SUPPORTED_CPUID never reports: hypervisor and tsc-deadline
	 * (CPUID.1:ECX 31 and 24). */
	fake_kvm_add_cpuid(k, 0x0, 0, 0, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69);
	fake_kvm_add_cpuid(k, 0x1, 0, 0, 0x00050657, 0x00010800, 0x76fa3203, 0x0f8bfbff);
	fake_kvm_add_cpuid(k, 0x7, 0, SIG, 0, 0xd19f67eb, 0x0000080c, 0xac000400);
	fake_kvm_add_cpuid(k, 0xd, 0, SIG, 0x2ff, 0x240, 0xa88, 0);
	fake_kvm_add_cpuid(k, 0xd, 1, SIG, 0xf, 0x240, 0, 0);
	fake_kvm_add_cpuid(k, 0x80000001, 0, 0, 0, 0, 0x121, 0x2c100800);
	/* Informational leaves such a host reports too. */
	fake_kvm_add_cpuid(k, 0x2, 0, 0, 0x00feff01, 0xf0, 0, 0);
	fake_kvm_add_cpuid(k, 0x4, 0, SIG, 0x1c004121, 0x01c0003f, 0x3f, 0);
	fake_kvm_add_cpuid(k, 0x4, 1, SIG, 0x1c004122, 0x01c0003f, 0x3f, 0);
	fake_kvm_add_cpuid(k, 0x4, 2, SIG, 0x1c004143, 0x03c0003f, 0x3ff, 0);
	fake_kvm_add_cpuid(k, 0x4, 3, SIG, 0x1c03c163, 0x0280003f, 0xdfff, 0x4);
	fake_kvm_add_cpuid(k, 0x6, 0, 0, 0x4, 0, 0, 0);
	/* Architectural PMU: no catalog entry, no pass-through row. */
	fake_kvm_add_cpuid(k, 0xa, 0, 0, 0x07300404, 0, 0, 0x603);
	fake_kvm_add_cpuid(k, 0xb, 0, SIG, 0x1, 0x1, 0x100, 0);
	fake_kvm_add_cpuid(k, 0xb, 1, SIG, 0x4, 0x1, 0x201, 0);
	/* xsave components: size, offset (EAX, EBX). */
	fake_kvm_add_cpuid(k, 0xd, 2, SIG, 0x100, 0x240, 0, 0);  /* avx */
	fake_kvm_add_cpuid(k, 0xd, 3, SIG, 0x40, 0x3c0, 0, 0);   /* bndregs */
	fake_kvm_add_cpuid(k, 0xd, 4, SIG, 0x40, 0x400, 0, 0);   /* bndcsr */
	fake_kvm_add_cpuid(k, 0xd, 5, SIG, 0x40, 0x440, 0, 0);   /* opmask */
	fake_kvm_add_cpuid(k, 0xd, 6, SIG, 0x200, 0x480, 0, 0);  /* zmm_hi256 */
	fake_kvm_add_cpuid(k, 0xd, 7, SIG, 0x400, 0x680, 0, 0);  /* hi16_zmm */
	fake_kvm_add_cpuid(k, 0xd, 9, SIG, 0x8, 0xa80, 0, 0);    /* pkru */
	fake_kvm_add_cpuid(k, 0x16, 0, 0, 0x898, 0xe10, 0x64, 0);
	fake_kvm_add_cpuid(k, 0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
	fake_kvm_add_cpuid(k, 0x40000001, 0, 0, 0x01007afb, 0, 0, 0);
	fake_kvm_add_cpuid(k, 0x80000000, 0, 0, 0x80000008, 0, 0, 0);
	fake_kvm_add_cpuid(k, 0x80000002, 0, 0, 0x65746e49, 0x2952286c, 0x6f655820, 0x2952286e);
	fake_kvm_add_cpuid(k, 0x80000003, 0, 0, 0x616c5020, 0x756e6974, 0x3832206d, 0x00004c38);
	fake_kvm_add_cpuid(k, 0x80000004, 0, 0, 0, 0, 0, 0);
	fake_kvm_add_cpuid(k, 0x80000006, 0, 0, 0, 0, 0x01006040, 0);
	fake_kvm_add_cpuid(k, 0x80000007, 0, 0, 0, 0, 0, 0x100);
	fake_kvm_add_cpuid(k, 0x80000008, 0, 0, 0x3030, 0x0100d000, 0, 0);

	fake_kvm_set_msr(k, 0x8b, 0x100000000);
	fake_kvm_set_msr(k, 0xce, 0x80000000);
	fake_kvm_set_msr(k, 0x10a, 0xc0aa0eb);
}

static void hv_add(struct fake_kvm *k, uint32_t function, uint32_t eax, uint32_t ebx, uint32_t ecx,
		   uint32_t edx)
{
	k->hv_cpuid[k->nhv_cpuid++] = (struct kvm_cpuid_entry2){
		.function = function, .eax = eax, .ebx = ebx, .ecx = ecx, .edx = edx,
	};
}

void fake_kvm_hyperv(struct fake_kvm *k, unsigned version)
{
	/* hyperv-tlfs.h bit numbers, as kvm_get_hv_cpuid sets them. */
	uint32_t feat_eax = 1u << 0 | 1u << 1 | 1u << 2 | 1u << 3 | 1u << 4 | 1u << 5 | 1u << 6 |
			    1u << 7 | 1u << 9 | 1u << 11 | 1u << 13;
	uint32_t feat_ebx = 1u << 4 | 1u << 5 | 1u << 11;
	uint32_t feat_edx = 1u << 1 | 1u << 8 | 1u << 10 | 1u << 11 | 1u << 19;
	uint32_t info_eax = 1u << 2 | 1u << 3 | 1u << 5 | 1u << 10 | 1u << 11;
	if (version >= 601) {
		feat_edx |= 1u << 4; /* HV_X64_HYPERCALL_XMM_INPUT_AVAILABLE */
		info_eax |= 1u << 9; /* HV_DEPRECATING_AEOI_RECOMMENDED */
	}
	if (version >= 612) {
		feat_eax |= 1u << 15; /* HV_ACCESS_TSC_INVARIANT */
		feat_ebx |= 1u << 20; /* HV_ENABLE_EXTENDED_HYPERCALLS */
		feat_edx |= 1u << 14; /* HV_FEATURE_EXT_GVA_RANGES_FLUSH */
	}
	k->nhv_cpuid = 0;
	/* "Linux KVM Hv", "Hv#1", Hyper-V 2016. */
	hv_add(k, 0x40000000, 0x40000082, 0x756e694c, 0x564b2078, 0x7648204d);
	hv_add(k, 0x40000001, 0x31237648, 0, 0, 0);
	hv_add(k, 0x40000002, 0x00003839, 0x000a0000, 0, 0);
	hv_add(k, 0x40000003, feat_eax, feat_ebx, 0, feat_edx);
	hv_add(k, 0x40000004, info_eax, 0xfff, 0, 0);
	hv_add(k, 0x40000005, version >= 601 ? 1024 : 288, 64, 0, 0);
	hv_add(k, 0x40000080, 0, 0x756e694c, 0x564b2078, 0x7648204d);
	hv_add(k, 0x40000081, 0x31235356, 0, 0, 0);
	hv_add(k, 0x40000082, 1u << 1, 0, 0, 0);
	if (version >= 601)
		hv_add(k, 0x4000000a, 1u << 19 | (version >= 612 ? 1u << 17 : 0), 1u << 0, 0, 0);
	k->hv_sys = version >= 601;
	k->hv_enforce = version >= 601;
	if (!fake_kvm_cpuid(k, 0x40000000, 0))
		fake_kvm_add_cpuid(k, 0x40000000, 0, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
	if (!fake_kvm_cpuid(k, 0x40000001, 0))
		fake_kvm_add_cpuid(k, 0x40000001, 0, 0, 0x01007afb, 0, 0, 0);
}

void fake_kvm_add_vmx(struct fake_kvm *k)
{
	struct kvm_cpuid_entry2 *e = fake_kvm_cpuid(k, 0x1, 0);
	if (e)
		e->ecx |= 1u << 5;
	/* What KVM with kvm_intel nested=1 reports on such a host. */
	fake_kvm_set_msr(k, 0x480, 0x00d8100011e57ed0); /* BASIC: INS/OUTS, TRUE ctls, WB */
	fake_kvm_set_msr(k, 0x485, 0x20040165);         /* MISC: timer rate 5, 4 CR3 targets */
	fake_kvm_set_msr(k, 0x48b, 0x0617fbff00000000); /* PROCBASED_CTLS2 */
	fake_kvm_set_msr(k, 0x48c, 0x00000f0106734141); /* EPT_VPID_CAP */
	fake_kvm_set_msr(k, 0x48d, 0x000000ff00000016); /* TRUE_PINBASED */
	fake_kvm_set_msr(k, 0x48e, 0xfff9fffe04006172); /* TRUE_PROCBASED */
	fake_kvm_set_msr(k, 0x48f, 0x007fefff00036dfb); /* TRUE_EXIT */
	fake_kvm_set_msr(k, 0x490, 0x0000f3ff000011fb); /* TRUE_ENTRY */
	fake_kvm_set_msr(k, 0x491, 0x1);                /* VMFUNC: EPTP switching */
}

int fake_kvm_load_profile(struct fake_kvm *k, const char *path)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	struct kfp_host_profile *p = kfp_profile_load(&ctx, path);
	kfp_diags_print(&ctx, stderr);
	kfp_ctx_fini(&ctx);
	if (!p)
		return -1;
	if (p->arch == KFP_ARCH_ARM64) {
		k->nregs = 0;
		memset(k->masks, 0, sizeof(k->masks));
		for (size_t i = 0; i < p->nreg_list; i++)
			fake_kvm_set_reg(k, p->reg_list[i], 0);
		for (size_t i = 0; i < p->nid_regs; i++)
			fake_kvm_set_reg(k, p->id_regs[i].id, p->id_regs[i].value);
		for (size_t i = 0; i < p->nfw_regs; i++)
			fake_kvm_set_reg(k, p->fw_regs[i].id, p->fw_regs[i].value);
		for (size_t i = 0; i < p->ncache_regs; i++)
			fake_kvm_set_reg(k, p->cache_regs[i].id, p->cache_regs[i].value);
		k->mask_cap = p->has_writable_masks;
		for (size_t i = 0; i < p->nwritable_masks; i++)
			fake_kvm_set_mask(k, p->writable_masks[i].id, p->writable_masks[i].value);
		snprintf(k->release, sizeof(k->release), "%s", p->kernel_release);
		kfp_profile_free(p);
		return 0;
	}
	k->ncpuid = 0;
	k->nmsrs = 0;
	for (size_t i = 0; i < p->ncpuid; i++) {
		const struct kfp_cpuid_entry *c = &p->cpuid[i];
		fake_kvm_add_cpuid(k, c->function, c->index, c->flags, c->eax, c->ebx, c->ecx, c->edx);
	}
	for (size_t i = 0; i < p->nmsrs; i++)
		fake_kvm_set_msr(k, (uint32_t)p->msrs[i].id, p->msrs[i].value);
	k->msr_features = false;
	k->xsave2_size = 0;
	for (size_t i = 0; i < p->ncaps; i++) {
		if (p->caps[i].id == KVM_CAP_GET_MSR_FEATURES)
			k->msr_features = p->caps[i].value != 0;
		if (p->caps[i].id == KVM_CAP_XSAVE2)
			k->xsave2_size = (int)p->caps[i].value;
	}
	kfp_profile_free(p);
	return 0;
}

bool fake_kvm_written_msr(const struct fake_kvm *k, uint32_t index, uint64_t *value)
{
	for (uint32_t i = 0; i < k->nset_msrs; i++)
		if (k->set_msrs[i].index == index) {
			*value = k->set_msrs[i].data;
			return true;
		}
	return false;
}

const struct kvm_cpuid_entry2 *fake_kvm_written_cpuid(const struct fake_kvm *k,
						      uint32_t function, uint32_t index)
{
	for (uint32_t i = 0; i < k->nset_cpuid; i++)
		if (k->set_cpuid[i].function == function && k->set_cpuid[i].index == index)
			return &k->set_cpuid[i];
	return NULL;
}

unsigned fake_kvm_writes(const struct fake_kvm *k)
{
	unsigned n = 0;
	for (unsigned i = 0; i < k->nlog && i < FAKE_LOG_MAX; i++)
		switch (k->log[i].req) {
		case KVM_SET_CPUID2:
		case KVM_SET_MSRS:
		case KVM_SET_XCRS:
		case KVM_SET_XSAVE:
		case KVM_SET_ONE_REG:
		case KVM_ENABLE_CAP:
			n++;
		}
	return n;
}

unsigned fake_kvm_calls(const struct fake_kvm *k, unsigned long req)
{
	unsigned n = 0;
	for (unsigned i = 0; i < k->nlog && i < FAKE_LOG_MAX; i++)
		n += k->log[i].req == req;
	return n;
}

/* ---- arm64 hosts ------------------------------------------------------- */

struct fake_reg *fake_kvm_reg(struct fake_kvm *k, uint64_t id)
{
	for (uint32_t i = 0; i < k->nregs; i++)
		if (k->regs[i].id == id)
			return &k->regs[i];
	return NULL;
}

void fake_kvm_set_reg(struct fake_kvm *k, uint64_t id, uint64_t value)
{
	struct fake_reg *r = fake_kvm_reg(k, id);
	if (!r) {
		if (k->nregs == FAKE_MAX_REGS)
			abort();
		r = &k->regs[k->nregs++];
		*r = (struct fake_reg){ .id = id };
	}
	r->value = r->reset = value;
}

void fake_kvm_del_reg(struct fake_kvm *k, uint64_t id)
{
	struct fake_reg *r = fake_kvm_reg(k, id);
	if (r) {
		memmove(r, r + 1, (size_t)(&k->regs[k->nregs] - (r + 1)) * sizeof(*r));
		k->nregs--;
	}
}

void fake_kvm_set_mask(struct fake_kvm *k, uint64_t id, uint64_t mask)
{
	if (!kfp_arm64_in_mask_range(id))
		abort();
	k->masks[kfp_arm64_mask_index(id)] = mask;
}

bool fake_kvm_written_reg(const struct fake_kvm *k, uint64_t id, uint64_t *value)
{
	bool found = false;
	for (uint32_t i = 0; i < k->nset_regs; i++)
		if (k->set_regs[i].id == id) {
			*value = k->set_regs[i].value;
			found = true;
		}
	return found;
}

#define ID(crm, op2) KFP_ARM64_SYSREG(3, 0, 0, crm, op2)

/* .cache/fleet/facts/6.12.txt: Debian 6.12.95 under qemu-system-aarch64
 * -M virt,virtualization=on -cpu max, a vCPU with PSCI 0.2 only. */
static const struct {
	uint64_t id, value, mask;
} qemu_max[] = {
	{ ID(0, 0), 0x00000000000f0510, 0 },          /* MIDR_EL1 */
	{ ID(0, 5), 0x0000000080000000, 0 },          /* MPIDR_EL1 */
	{ ID(0, 6), 0, 0 },                           /* REVIDR_EL1 */
	{ ID(1, 0), 0x0000000001020131, 0xffffffff }, /* ID_PFR0_EL1 */
	{ ID(1, 1), 0x0000000010011001, 0xffffffff }, /* ID_PFR1_EL1 */
	{ ID(1, 2), 0x0000000000010009, 0xffffffff }, /* ID_DFR0_EL1 */
	{ ID(1, 3), 0, 0 },                           /* ID_AFR0_EL1 */
	{ ID(1, 4), 0x0000000010101105, 0xffffffff }, /* ID_MMFR0_EL1 */
	{ ID(1, 5), 0x0000000040000000, 0xffffffff }, /* ID_MMFR1_EL1 */
	{ ID(1, 6), 0x0000000001260000, 0xffffffff }, /* ID_MMFR2_EL1 */
	{ ID(1, 7), 0x0000000002122211, 0xffffffff }, /* ID_MMFR3_EL1 */
	{ ID(2, 0), 0x0000000002101110, 0xffffffff }, /* ID_ISAR0_EL1 */
	{ ID(2, 1), 0x0000000013112111, 0xffffffff }, /* ID_ISAR1_EL1 */
	{ ID(2, 2), 0x0000000021232042, 0xffffffff }, /* ID_ISAR2_EL1 */
	{ ID(2, 3), 0x0000000001112131, 0xffffffff }, /* ID_ISAR3_EL1 */
	{ ID(2, 4), 0x0000000000011142, 0xffffffff }, /* ID_ISAR4_EL1 */
	{ ID(2, 5), 0x0000000001011121, 0xffffffff }, /* ID_ISAR5_EL1 */
	{ ID(2, 6), 0x0000000000011110, 0xffffffff }, /* ID_MMFR4_EL1 */
	{ ID(2, 7), 0x0000000001111111, 0xffffffff }, /* ID_ISAR6_EL1 */
	{ ID(3, 0), 0x0000000010110222, 0xffffffff }, /* MVFR0_EL1 */
	{ ID(3, 1), 0x0000000013211111, 0xffffffff }, /* MVFR1_EL1 */
	{ ID(3, 2), 0x0000000000000043, 0xffffffff }, /* MVFR2_EL1 */
	{ ID(3, 3), 0, 0 },
	{ ID(3, 4), 0x0000000000000011, 0xffffffff }, /* ID_PFR2_EL1 */
	{ ID(3, 5), 0, 0 },                           /* ID_DFR1_EL1 */
	{ ID(3, 6), 0x0000000000000001, 0xffffffff }, /* ID_MMFR5_EL1 */
	{ ID(3, 7), 0, 0 },
	{ ID(4, 0), 0x1101001021110222, 0xffff00f00f00ffff }, /* ID_AA64PFR0_EL1 */
	{ ID(4, 1), 0x0000000000000021, 0x0000000f000000ff }, /* ID_AA64PFR1_EL1 */
	{ ID(4, 2), 0, 0x0000000f00000000 },                  /* ID_AA64PFR2_EL1 */
	{ ID(4, 3), 0, 0 },
	{ ID(4, 4), 0, 0x0ff0ff0f0fff00ff },                  /* ID_AA64ZFR0_EL1 */
	{ ID(4, 5), 0, 0 },                                   /* ID_AA64SMFR0_EL1 */
	{ ID(4, 6), 0, 0 },
	{ ID(4, 7), 0, 0x00000000f0000003 },                  /* ID_AA64FPFR0_EL1 */
	{ ID(5, 0), 0x0000000010305009, 0x000000f000f00f0f }, /* ID_AA64DFR0_EL1 */
	{ ID(5, 1), 0, 0 },
	{ ID(5, 2), 0, 0 },
	{ ID(5, 3), 0, 0 },
	{ ID(5, 4), 0, 0 },
	{ ID(5, 5), 0, 0 },
	{ ID(5, 6), 0, 0 },
	{ ID(5, 7), 0, 0 },
	{ ID(6, 0), 0x1221111110212120, 0xfffffffffffffff0 }, /* ID_AA64ISAR0_EL1 */
	{ ID(6, 1), 0x0011111100211002, 0xffffffff00fff00f }, /* ID_AA64ISAR1_EL1 */
	{ ID(6, 2), 0, 0xffff0fffffff00ff },                  /* ID_AA64ISAR2_EL1 */
	{ ID(6, 3), 0, 0 },
	{ ID(6, 4), 0, 0 },
	{ ID(6, 5), 0, 0 },
	{ ID(6, 6), 0, 0 },
	{ ID(6, 7), 0, 0 },
	{ ID(7, 0), 0x0000032310201126, 0xff00f000ffffff0f }, /* ID_AA64MMFR0_EL1 */
	{ ID(7, 1), 0x0000011010211122, 0xfffff0f00ffff00f }, /* ID_AA64MMFR1_EL1 */
	{ ID(7, 2), 0x1021011010011011, 0xf0ff000ff00fffff }, /* ID_AA64MMFR2_EL1 */
	{ ID(7, 3), 0, 0x00000000000f0f0f },                  /* ID_AA64MMFR3_EL1 */
	{ ID(7, 4), 0, 0 },                                   /* ID_AA64MMFR4_EL1 */
	{ ID(7, 5), 0, 0 },
	{ ID(7, 6), 0, 0 },
	{ ID(7, 7), 0, 0 },
	{ KFP_ARM64_FW_REG_BASE | 0, 0x10001, 0 },   /* PSCI_VERSION */
	{ KFP_ARM64_FW_REG_BASE | 1, 0x2, 0 },       /* SMCCC_ARCH_WORKAROUND_1 */
	{ KFP_ARM64_FW_REG_BASE | 2, 0x0, 0 },       /* SMCCC_ARCH_WORKAROUND_2 */
	{ KFP_ARM64_FW_REG_BASE | 3, 0x0, 0 },       /* SMCCC_ARCH_WORKAROUND_3 */
	{ KFP_ARM64_FW_BMAP_BASE | 0, 0x1, 0 },      /* STD_BMAP: TRNG */
	{ KFP_ARM64_FW_BMAP_BASE | 1, 0x1, 0 },      /* STD_HYP_BMAP: PV_TIME */
	{ KFP_ARM64_FW_BMAP_BASE | 2, 0x3, 0 },      /* VENDOR_HYP_BMAP: FUNC_FEAT, PTP */
};

void fake_kvm_qemu_arm64_6_12(struct fake_kvm *k)
{
	k->nregs = 0;
	memset(k->masks, 0, sizeof(k->masks));
	/* Core registers come first in KVM's list. */
	fake_kvm_set_reg(k, KFP_ARM64_CORE_PC, 0);
	fake_kvm_set_reg(k, KFP_ARM64_CORE_PSTATE, 0x3c5);
	for (size_t i = 0; i < sizeof(qemu_max) / sizeof(qemu_max[0]); i++) {
		fake_kvm_set_reg(k, qemu_max[i].id, qemu_max[i].value);
		if (kfp_arm64_in_mask_range(qemu_max[i].id))
			fake_kvm_set_mask(k, qemu_max[i].id, qemu_max[i].mask);
	}
	/* The cache description 6.12 fabricates (.cache/fleet/rollback state
	 * of -cpu max): CLIDR_EL1 (writable, mask 0x7fffffffffff) and 14 U32
	 * CCSIDR_EL1 demux registers with only a line size. */
	fake_kvm_set_reg(k, FAKE_CLIDR_EL1, 0x2000021);
	fake_kvm_set_mask(k, FAKE_CLIDR_EL1, 0x00007fffffffffff);
	for (unsigned n = 0; n < 14; n++)
		fake_kvm_set_reg(k, FAKE_CCSIDR(n), 0x2);
	k->mask_cap = true;
	snprintf(k->release, sizeof(k->release), "6.12.95+deb12-arm64");
}

void fake_kvm_qemu_arm64_6_1(struct fake_kvm *k)
{
	fake_kvm_qemu_arm64_6_12(k);
	/* 6.1 (.cache/fleet/facts/6.1.txt) differs in ID_AA64DFR0_EL1.DebugVer
	 * and ID_AA64MMFR1_EL1 bits 43:40, and has no writable masks. */
	fake_kvm_set_reg(k, ID(5, 0), 0x0000000010305006);
	fake_kvm_set_reg(k, ID(7, 1), 0x0000001010211122);
	memset(k->masks, 0, sizeof(k->masks));
	k->mask_cap = false;
	/* The hardware's cache description, which 6.1 only shows: L1 data
	 * and instruction caches and a unified L2. */
	static const uint32_t ccsidr[3] = { 0x701fe00a, 0x201fe012, 0x70ffe07a };
	fake_kvm_set_reg(k, FAKE_CLIDR_EL1, 0x2000023);
	fake_kvm_reg(k, FAKE_CLIDR_EL1)->invariant = true;
	for (unsigned n = 0; n < 14; n++) {
		if (n >= 3) {
			fake_kvm_del_reg(k, FAKE_CCSIDR(n));
			continue;
		}
		fake_kvm_set_reg(k, FAKE_CCSIDR(n), ccsidr[n]);
		fake_kvm_reg(k, FAKE_CCSIDR(n))->invariant = true;
	}
	snprintf(k->release, sizeof(k->release), "6.1.0-56-arm64");
}

void fake_kvm_qemu_arm64_5_10(struct fake_kvm *k)
{
	fake_kvm_qemu_arm64_6_1(k);
	/* 5.10 (.cache/fleet/facts/5.10.txt): no hypercall bitmaps (ENOENT)
	 * and PSCI 1.0.  (The real 5.10 also shows the PMU without pmu_v3;
	 * left out here, so that the ID registers need no write.) */
	for (unsigned n = 0; n < 4; n++)
		fake_kvm_del_reg(k, KFP_ARM64_FW_BMAP_BASE | n);
	fake_kvm_set_reg(k, KFP_ARM64_FW_REG_BASE | 0, 0x10000);
	snprintf(k->release, sizeof(k->release), "5.10.0-32-arm64");
}
