/* SPDX-License-Identifier: Apache-2.0 */
#include "arm64.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <kfp/kfp.h>

#include "kvm.h"
#include <kfp/arm64_regs.h>
#include "verify_arm64.h"

#ifndef __aarch64__
#error "arm64.c makes arm64 KVM calls: build it for arm64 only"
#endif

#define VBAR_EL1 KFP_ARM64_SYSREG(3, 0, 12, 0, 0)
/* EL1h with D, A, I and F masked. */
#define PSTATE_EL1H_MASKED 0x3c5

/* The capability that says a vcpu_init feature is supported; 0 if none. */
static unsigned feature_cap(unsigned bit)
{
	switch (bit) {
	case KFP_ARM64_VCPU_EL1_32BIT: return KFP_CAP_ARM_EL1_32BIT;
	case KFP_ARM64_VCPU_PSCI_0_2: return KFP_CAP_ARM_PSCI_0_2;
	case KFP_ARM64_VCPU_PMU_V3: return KFP_CAP_ARM_PMU_V3;
	case KFP_ARM64_VCPU_SVE: return KFP_CAP_ARM_SVE;
	case KFP_ARM64_VCPU_PTRAUTH_ADDRESS: return KFP_CAP_ARM_PTRAUTH_ADDRESS;
	case KFP_ARM64_VCPU_PTRAUTH_GENERIC: return KFP_CAP_ARM_PTRAUTH_GENERIC;
	}
	return 0;
}

static const struct kfp_feature_row *vcpu_feature_row(const struct kfp_config *cfg, unsigned bit)
{
	for (uint32_t i = 0; i < cfg->nfeatures; i++)
		if (cfg->features[i].kind == KFP_KIND_VCPU_INIT && cfg->features[i].bit == bit)
			return &cfg->features[i];
	return NULL;
}

int arm64_vm_create(int kvm_fd, const struct kfp_config *cfg, uint32_t features,
		    struct arm64_vm *vm)
{
	vm->vm_fd = vm->vcpu_fd = -1;
	vm->mem = NULL;
	vm->vm_fd = kvm_create_vm(kvm_fd);
	if (vm->vm_fd < 0)
		return -1;
	/* Every feature the policy turns on, named if this host lacks it. */
	int missing = 0;
	for (unsigned bit = 0; bit < 32; bit++) {
		unsigned cap = feature_cap(bit);
		if (!(features >> bit & 1) || !cap || kvm_check_cap(vm->vm_fd, cap))
			continue;
		const struct kfp_feature_row *f = vcpu_feature_row(cfg, bit);
		if (f && f->src.file)
			fprintf(stderr, "%s:%" PRIu32 ":%" PRIu32 ": ", f->src.file, f->src.line,
				f->src.col);
		fprintf(stderr, "kfp: vcpu_init feature %s (bit %u): this host's KVM does not offer it (capability %u)\n",
			f ? f->name : "?", bit, cap);
		missing++;
	}
	if (missing)
		return -1;

	vm->mem = mmap(NULL, ARM64_GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED) {
		fprintf(stderr, "kfp: mmap of the guest's memory: %s\n", strerror(errno));
		vm->mem = NULL;
		return -1;
	}
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = ARM64_GUEST_GPA,
		.memory_size = ARM64_GUEST_MEM_SIZE,
		.userspace_addr = (uintptr_t)vm->mem,
	};
	if (kvm_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -1;
	vm->vcpu_fd = kvm_ioctl_val(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		return -1;
	struct kvm_vcpu_init init;
	memset(&init, 0, sizeof(init));
	if (kvm_ioctl(vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return -1;
	init.features[0] = features;
	if (kvm_ioctl(vm->vcpu_fd, KVM_ARM_VCPU_INIT, &init) < 0) {
		fprintf(stderr, "kfp: KVM_ARM_VCPU_INIT refused vcpu_init features 0x%" PRIx32 "\n",
			features);
		return -1;
	}
	return 0;
}

void arm64_vm_destroy(struct arm64_vm *vm)
{
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->mem)
		munmap(vm->mem, ARM64_GUEST_MEM_SIZE);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	vm->vm_fd = vm->vcpu_fd = -1;
	vm->mem = NULL;
}

int arm64_vm_finish(struct arm64_vm *vm, uint32_t features)
{
	if (features >> KFP_ARM64_VCPU_PMU_V3 & 1) {
		/* No in-kernel irqchip here: the PMU needs no interrupt. */
		struct kvm_device_attr attr = { .group = KVM_ARM_VCPU_PMU_V3_CTRL,
						.attr = KVM_ARM_VCPU_PMU_V3_INIT };
		if (kvm_ioctl(vm->vcpu_fd, KVM_SET_DEVICE_ATTR, &attr) < 0)
			return -1;
	}
	if (features >> KFP_ARM64_VCPU_SVE & 1) {
		int what = KVM_ARM_VCPU_SVE;
		if (kvm_ioctl(vm->vcpu_fd, KVM_ARM_VCPU_FINALIZE, &what) < 0)
			return -1;
	}
	return 0;
}

/* A register of up to 64 bits: KVM copies KVM_REG_SIZE(id) bytes (4 for
 * the CCSIDR_EL1 demux registers). */
static int get_reg(int vcpu_fd, uint64_t id, uint64_t *value)
{
	union {
		uint64_t u64;
		uint32_t u32;
	} buf = { 0 };
	uint64_t size = KVM_REG_SIZE(id);
	if (size > sizeof(buf))
		return -E2BIG;
	struct kvm_one_reg one = { .id = id, .addr = (uintptr_t)&buf };
	int r = kvm_ioctl_quiet(vcpu_fd, KVM_GET_ONE_REG, &one);
	*value = size == 4 ? buf.u32 : buf.u64;
	return r;
}

static int set_reg(int vcpu_fd, uint64_t id, uint64_t value)
{
	struct kvm_one_reg one = { .id = id, .addr = (uintptr_t)&value };
	return kvm_ioctl(vcpu_fd, KVM_SET_ONE_REG, &one);
}

int arm64_read_config_regs(const struct arm64_vm *vm, const struct kfp_config *cfg, int after,
			   struct arm64_observed_reg *regs, struct arm64_observed_fw *fw,
			   struct arm64_observed_fw *pins)
{
	const struct kfp_arm64_config *a = cfg->arm64;
	int r;
	if (!after) {
		struct kvm_reg_list probe = { .n = 0 };
		r = kvm_ioctl_quiet(vm->vcpu_fd, KVM_GET_REG_LIST, &probe);
		if (r != -E2BIG) {
			fprintf(stderr, "kfp: KVM_GET_REG_LIST: %s\n", strerror(r < 0 ? -r : EINVAL));
			return -1;
		}
		union {
			struct kvm_reg_list hdr;
			uint64_t words[1 + KFP_MAX_REG_LIST];
		} list;
		if (probe.n > KFP_MAX_REG_LIST) {
			fprintf(stderr, "kfp: KVM lists %llu registers, more than %d\n",
				(unsigned long long)probe.n, KFP_MAX_REG_LIST);
			return -1;
		}
		list.hdr.n = probe.n;
		if (kvm_ioctl(vm->vcpu_fd, KVM_GET_REG_LIST, &list.hdr) < 0)
			return -1;
		for (uint32_t i = 0; i < a->nid_regs; i++) {
			regs[i] = (struct arm64_observed_reg){ 0 };
			for (uint64_t j = 0; j < list.hdr.n && !regs[i].listed; j++)
				regs[i].listed = list.hdr.reg[j] == a->id_regs[i].id;
			if (regs[i].listed && (r = get_reg(vm->vcpu_fd, a->id_regs[i].id, &regs[i].host)) < 0) {
				fprintf(stderr, "kfp: KVM_GET_ONE_REG %s: %s\n", a->id_regs[i].name,
					strerror(-r));
				return -1;
			}
		}
	}
	for (uint32_t i = 0; i < a->nfw_regs; i++) {
		uint64_t v = 0;
		r = get_reg(vm->vcpu_fd, a->fw_regs[i].id, &v);
		if (r < 0 && r != -ENOENT) {
			fprintf(stderr, "kfp: KVM_GET_ONE_REG %s: %s\n", a->fw_regs[i].name, strerror(-r));
			return -1;
		}
		if (!after) {
			fw[i] = (struct arm64_observed_fw){ .present = r == 0, .host = v };
		} else {
			fw[i].kvm = v;
		}
	}
	for (uint32_t i = 0; i < a->npins; i++) {
		uint64_t v = 0;
		r = get_reg(vm->vcpu_fd, a->pins[i].id, &v);
		if (r < 0 && r != -ENOENT) {
			fprintf(stderr, "kfp: KVM_GET_ONE_REG %s: %s\n", a->pins[i].name, strerror(-r));
			return -1;
		}
		if (!after)
			pins[i] = (struct arm64_observed_fw){ .present = r == 0, .host = v };
		else
			pins[i].kvm = v;
	}
	return 0;
}

/* arm64_guest_read's program, for kvm_run_guest. */
struct regs_run {
	struct arm64_vm *vm;
	const uint64_t *ids;
	size_t n;
	uint64_t *values;
	size_t got;
};

static int regs_start(void *arg)
{
	const struct regs_run *r = arg;
	const struct arm64_vm *vm = r->vm;
	if (set_reg(vm->vcpu_fd, KFP_ARM64_CORE_PC, ARM64_GUEST_GPA) < 0 ||
	    set_reg(vm->vcpu_fd, KFP_ARM64_CORE_PSTATE, PSTATE_EL1H_MASKED) < 0 ||
	    set_reg(vm->vcpu_fd, KFP_ARM64_CORE_X(1), ARM64_MMIO_VALUE) < 0 ||
	    set_reg(vm->vcpu_fd, KFP_ARM64_CORE_X(2), ARM64_MMIO_DONE) < 0 ||
	    set_reg(vm->vcpu_fd, KFP_ARM64_CORE_X(3), ARM64_MMIO_FAULT) < 0 ||
	    set_reg(vm->vcpu_fd, VBAR_EL1, ARM64_GUEST_GPA + ARM64_GUEST_VECTORS) < 0)
		return -1;
	return 0;
}

static enum kvm_guest_step regs_exit(const struct kvm_run *run, void *arg)
{
	struct regs_run *r = arg;
	size_t got = r->got, n = r->n;
	if (run->exit_reason != KVM_EXIT_MMIO || !run->mmio.is_write || run->mmio.len != 8) {
		fprintf(stderr, "kfp: the guest stopped unexpectedly: exit reason %u after %zu of %zu registers\n",
			run->exit_reason, got, n);
		return KVM_GUEST_FAILED;
	}
	uint64_t data = 0;
	for (int i = 7; i >= 0; i--)
		data = data << 8 | run->mmio.data[i];
	if (run->mmio.phys_addr == ARM64_MMIO_VALUE && got < n) {
		r->values[r->got++] = data;
		return KVM_GUEST_MORE;
	}
	if (run->mmio.phys_addr == ARM64_MMIO_DONE && got == n)
		return KVM_GUEST_DONE;
	if (run->mmio.phys_addr == ARM64_MMIO_FAULT)
		fprintf(stderr, "kfp: the guest took an exception (ESR_EL1 0x%" PRIx64 ") reading register 0x%016" PRIx64 "\n",
			data, got < n ? r->ids[got] : 0);
	else
		fprintf(stderr, "kfp: the guest wrote 0x%llx after %zu of %zu registers\n",
			(unsigned long long)run->mmio.phys_addr, got, n);
	return KVM_GUEST_FAILED;
}

static void regs_progress(void *arg, char *buf, size_t size)
{
	const struct regs_run *r = arg;
	snprintf(buf, size, "%zu of %zu registers read", r->got, r->n);
}

int arm64_guest_read(int kvm_fd, struct arm64_vm *vm, const uint64_t *ids, size_t n,
		     uint64_t *values)
{
	if (arm64_guest_program(vm->mem, ids, n) < 0) {
		fprintf(stderr, "kfp: %zu ID registers to read; the guest program holds %d\n", n,
			ARM64_GUEST_MAX_READS);
		return -1;
	}
	struct regs_run r = { .vm = vm, .ids = ids, .n = n, .values = values };
	const struct kvm_guest guest = {
		.vcpu_fd = vm->vcpu_fd,
		.max_exits = n + 16,
		.end = "end",
		.start = regs_start,
		.exit = regs_exit,
		.progress = regs_progress,
		.arg = &r,
	};
	return kvm_run_guest(kvm_fd, &guest);
}
