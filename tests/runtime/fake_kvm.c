/* SPDX-License-Identifier: Apache-2.0 */
#include "fake_kvm.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"
#include "sys.h"

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

static int check_extension(unsigned long cap)
{
	switch (cap) {
	case KVM_CAP_GET_MSR_FEATURES:
		return cur->msr_features;
	case KVM_CAP_XSAVE:
		return cur->xsave;
	case KVM_CAP_XSAVE2:
		return cur->xsave2_size;
	}
	return 0;
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
		}
	} else if (fd == FAKE_VM_FD) {
		if (req == KVM_CHECK_EXTENSION)
			return check_extension((unsigned long)arg);
	} else if (fd == FAKE_VCPU_FD) {
		switch (req) {
		case KVM_SET_CPUID2: {
			const struct kvm_cpuid2 *c = arg;
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
			if (c->nent < cur->nset_cpuid) {
				c->nent = cur->nset_cpuid;
				return fail(E2BIG);
			}
			memcpy(c->entries, cur->set_cpuid, cur->nset_cpuid * sizeof(c->entries[0]));
			c->nent = cur->nset_cpuid;
			for (uint32_t i = 0; i < c->nent && cur->merge_bits; i++) {
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

static const struct kfp_sys_ops fake_ops = { fake_ioctl, fake_arch_prctl };

void fake_kvm_init(struct fake_kvm *k)
{
	memset(k, 0, sizeof(*k));
	k->msr_features = true;
	k->get_msrs_limit = -1;
	k->set_msrs_limit = -1;
	k->xsave = true;
	k->xsave2_size = 4096;
	k->xstate_bv = 0x3; /* x87 | SSE, as for a new vCPU */
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
	/* tests/data/profiles/x86_64.yaml (a Cascade Lake host, 6.1). */
	fake_kvm_add_cpuid(k, 0x0, 0, 0, 0x16, 0x756e6547, 0x6c65746e, 0x49656e69);
	fake_kvm_add_cpuid(k, 0x1, 0, 0, 0x00050657, 0x00010800, 0xf7fa3203, 0x0f8bfbff);
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
	char *err = NULL;
	struct kfp_host_profile *p = kfp_profile_load(path, &err);
	if (!p) {
		fprintf(stderr, "%s\n", err ? err : path);
		free(err);
		return -1;
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
