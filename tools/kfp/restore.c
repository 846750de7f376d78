/* SPDX-License-Identifier: Apache-2.0 */
#include "restore.h"

#if defined(__x86_64__)

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guest.h"
#include "kvm.h"
#include "base/util.h"
#include "verify.h"

static uint32_t entry_reg(const struct kvm_cpuid_entry2 *e, unsigned reg)
{
	const uint32_t r[4] = { e->eax, e->ebx, e->ecx, e->edx };
	return r[reg];
}

static const struct kvm_cpuid_entry2 *saved_entry(const struct state_file *st, uint32_t leaf,
						  uint32_t subleaf)
{
	for (uint32_t i = 0; i < st->ncpuid; i++)
		if (st->cpuid[i].function == leaf && st->cpuid[i].index == subleaf)
			return &st->cpuid[i];
	return NULL;
}

/* 1 when the saved table has the bit and this host's KVM does not. */
static bool lacks(const struct state_file *st, const struct kfp_host *host, uint32_t leaf,
		  uint32_t subleaf, unsigned reg, unsigned bit)
{
	const struct kvm_cpuid_entry2 *s = saved_entry(st, leaf, subleaf);
	const struct kvm_cpuid_entry2 *h = kfp_host_cpuid(host, leaf, subleaf);
	return s && (entry_reg(s, reg) >> bit & 1) && !(h && entry_reg(h, reg) >> bit & 1);
}

static const char *const reg_names[4] = { "eax", "ebx", "ecx", "edx" };

static const char *xsave_name(const struct kfp_catalog *cat, unsigned bit)
{
	for (size_t i = 0; i < cat->nxsave; i++)
		if (!cat->xsave[i].xss && cat->xsave[i].bit == bit)
			return cat->xsave[i].c.name;
	return "?";
}

unsigned restore_host_problems(const struct state_file *st, const struct kfp_host *host,
			       const struct kfp_catalog *cat, const char *kernel, FILE *out)
{
	unsigned n = 0;
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *c = &cat->cpuid[i];
		if (!lacks(st, host, c->leaf, c->subleaf, c->reg, c->bit))
			continue;
		fprintf(out, "  %s (CPUID 0x%" PRIx32 ".%" PRIu32 " %s[%u]): the state has it, kernel %s does not offer it\n",
			c->c.name, c->leaf, c->subleaf, reg_names[c->reg], c->bit, kernel);
		n++;
	}
	for (size_t i = 0; i < cat->nkvm; i++) {
		const struct kfp_cat_kvm *k = &cat->kvm[i];
		if (!lacks(st, host, 0x40000001, 0, 0, k->bit))
			continue;
		fprintf(out, "  %s (KVM paravirtual, CPUID 0x40000001 eax[%u]): the state has it, kernel %s does not offer it\n",
			k->c.name, k->bit, kernel);
		n++;
	}
	/* The xsave components: what the guest's XSTATE_BV holds and what
	 * its XCR0 enables must be in the XCR0 this KVM supports. */
	const struct kvm_cpuid_entry2 *d0 = kfp_host_cpuid(host, 0xd, 0);
	uint64_t supported = d0 ? (uint64_t)d0->edx << 32 | d0->eax : 0;
	uint64_t xstate_bv = 0, xcr0 = 0;
	if (st->has_xsave || st->xsave_size)
		memcpy(&xstate_bv, st->xsave + 512, sizeof(xstate_bv));
	for (uint32_t i = 0; i < st->nxcrs; i++)
		if (st->xcrs[i].xcr == 0)
			xcr0 = st->xcrs[i].value;
	for (unsigned bit = 0; bit < 64; bit++) {
		const char *what = xstate_bv >> bit & 1 ? "XSTATE_BV" : xcr0 >> bit & 1 ? "XCR0" : NULL;
		if (!what || supported >> bit & 1)
			continue;
		fprintf(out, "  xsave component %u (%s): in the state's %s, kernel %s does not support it (XCR0 0x%" PRIx64 ")\n",
			bit, xsave_name(cat, bit), what, kernel, supported);
		n++;
	}
	return n;
}

int restore_load(int kvm_fd, const struct state_file *st, const struct kfp_host *host, FILE *out)
{
	int status = 1, vm_fd, vcpu_fd = -1;
	struct guest_mem mem = { 0 };
	struct kvm_cpuid2 *cpuid = NULL;
	struct kvm_msrs *msrs = NULL;
	struct guest_cpuid *q = NULL;

	vm_fd = kvm_create_vm(kvm_fd);
	if (vm_fd < 0 || guest_setup(vm_fd, &mem) < 0)
		goto out;
	vcpu_fd = kvm_ioctl_val(vm_fd, KVM_CREATE_VCPU, 0);
	if (vcpu_fd < 0)
		goto out;

	cpuid = kfp_xcalloc(1, sizeof(*cpuid) + st->ncpuid * sizeof(cpuid->entries[0]));
	cpuid->nent = st->ncpuid;
	memcpy(cpuid->entries, st->cpuid, st->ncpuid * sizeof(cpuid->entries[0]));
	if (kvm_ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid) < 0)
		goto out;
	fprintf(out, "KVM_SET_CPUID2: the saved table, %" PRIu32 " entries\n", st->ncpuid);
	if (st->nmsrs) {
		msrs = kfp_xcalloc(1, sizeof(*msrs) + st->nmsrs * sizeof(msrs->entries[0]));
		msrs->nmsrs = st->nmsrs;
		memcpy(msrs->entries, st->msrs, st->nmsrs * sizeof(msrs->entries[0]));
		int r = kvm_ioctl(vcpu_fd, KVM_SET_MSRS, msrs);
		if (r < 0)
			goto out;
		if ((uint32_t)r < st->nmsrs) {
			fprintf(out, "KVM_SET_MSRS: KVM refused MSR 0x%" PRIx32 " = 0x%" PRIx64 " (set %d of %" PRIu32 ")\n",
				st->msrs[r].index, (uint64_t)st->msrs[r].data, r, st->nmsrs);
			goto out;
		}
		fprintf(out, "KVM_SET_MSRS: %" PRIu32 " MSRs\n", st->nmsrs);
	}
	if (st->xsave_size) {
		if (kvm_ioctl(vcpu_fd, KVM_SET_XSAVE, (struct kvm_xsave *)(void *)st->xsave) < 0)
			goto out;
		uint64_t bv;
		memcpy(&bv, st->xsave + 512, sizeof(bv));
		fprintf(out, "KVM_SET_XSAVE: %" PRIu32 " bytes, XSTATE_BV 0x%" PRIx64 "\n", st->xsave_size, bv);
	}
	uint64_t xcr0 = 0;
	if (st->nxcrs) {
		struct kvm_xcrs xcrs;
		memset(&xcrs, 0, sizeof(xcrs));
		xcrs.nr_xcrs = st->nxcrs;
		memcpy(xcrs.xcrs, st->xcrs, st->nxcrs * sizeof(xcrs.xcrs[0]));
		if (kvm_ioctl(vcpu_fd, KVM_SET_XCRS, &xcrs) < 0)
			goto out;
		for (uint32_t i = 0; i < st->nxcrs; i++)
			if (st->xcrs[i].xcr == 0)
				xcr0 = st->xcrs[i].value;
		fprintf(out, "KVM_SET_XCRS: XCR0 = 0x%" PRIx64 "\n", xcr0);
	}

	/* The guest reads its CPUID (and, with XSAVE, enables and reads
	 * XCR0) as on the source. */
	static const struct kfp_config no_policy = { .policy = "(saved state)", .fleet = "-" };
	size_t nq;
	q = verify_queries(&no_policy, cpuid, &nq);
	if (guest_run_cpuid(kvm_fd, vcpu_fd, &mem, q, nq) < 0)
		goto out;
	struct verdict v;
	verify(&v, &no_policy, host, cpuid, NULL, q, nq);
	for (size_t i = 0; i < v.ndiffs; i++)
		fprintf(out, "MISMATCH cpuid 0x%08" PRIx32 ".%" PRIu32 " %s: saved 0x%08" PRIx32 ", the guest reads 0x%08" PRIx32 "\n",
			v.diffs[i].leaf, v.diffs[i].subleaf, reg_names[v.diffs[i].reg],
			v.diffs[i].planned, v.diffs[i].guest);
	/* The guest program starts over, so it enables XCR0 again: what it
	 * reads is what the restored CPUID lets it enable. */
	if (v.xcr0_read)
		fprintf(out, "%s XCR0: the restored CPUID offers 0x%" PRIx64 ", the guest enabled and reads 0x%" PRIx64 "\n",
			v.xcr0_mismatch ? "MISMATCH" : "OK", v.xcr0_planned, v.xcr0_guest);
	if (v.ndiffs || v.xcr0_mismatch) {
		fprintf(out, "FAIL: the restored guest does not see the saved state\n");
	} else {
		fprintf(out, "OK: the restored guest reads the saved CPUID (%u registers) and XCR0\n",
			v.nregs_checked);
		status = 0;
	}
	verdict_free(&v);
out:
	free(q);
	free(msrs);
	free(cpuid);
	if (vcpu_fd >= 0)
		close(vcpu_fd);
	guest_teardown(&mem);
	if (vm_fd >= 0)
		close(vm_fd);
	return status;
}

#endif
