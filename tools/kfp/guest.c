/* SPDX-License-Identifier: Apache-2.0 */
#include "guest.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "kvm.h"

#define GUEST_MEM_SIZE 0x10000
#define GUEST_CODE 0x1000
#define GUEST_TABLE 0x2000
#define GUEST_PORT 0x10
#define GUEST_TABLE_MAX ((GUEST_MEM_SIZE - GUEST_TABLE) / 8 - 1)
/* Where real mode's TSS may live on Intel without unrestricted guest; far
 * above the guest's memory (QEMU's choice). */
#define GUEST_TSS_ADDR 0xfffbd000
#define MSR_IA32_APICBASE 0x1b

/*
 * 16-bit code at GUEST_CODE.  For each (leaf, subleaf) pair of u32 at
 * GUEST_TABLE until leaf 0xffffffff: CPUID, then EAX, EBX, ECX, EDX each
 * written with `out dx, eax` to GUEST_PORT.  Leaf GUEST_XCR0 instead does
 * what an OS does to use XSAVE: sets CR4.OSXSAVE, enables in XCR0 every
 * component CPUID.0xD.0 EDX:EAX offers (XSETBV), and reads XCR0 back
 * (XGETBV): EAX, 0, 0, EDX.  Leaf GUEST_RDMSR reads the MSR its subleaf
 * names: EAX, then 1 if the read faulted with #GP (the handler at
 * GUEST_GP_HANDLER, real mode's vector 13, skips the RDMSR) else 0, then
 * the MSR index, then EDX.  Then hlt.  EDX is saved in EDI before DX is
 * loaded with the port number.
 */
static const uint8_t guest_code[] = {
	0xbe, 0x00, 0x20,       /* 00: mov si, 0x2000                 */
	0x66, 0x8b, 0x04,       /* 03: L: mov eax, [si]               */
	0x66, 0x83, 0xf8, 0xff, /* 06: cmp eax, -1                    */
	0x74, 0x4d,             /* 0a: je done (0x0c + 0x4d = 0x59)   */
	0x66, 0x8b, 0x4c, 0x04, /* 0c: mov ecx, [si + 4]              */
	0x66, 0x83, 0xf8, 0xfe, /* 10: cmp eax, -2 (GUEST_XCR0)       */
	0x75, 0x25,             /* 14: jne C (0x16 + 0x25 = 0x3b)     */
	0x0f, 0x20, 0xe0,       /* 16: mov eax, cr4                   */
	0x66, 0x0d, 0x00, 0x00, 0x04, 0x00, /* 19: or eax, 1 << 18 (OSXSAVE) */
	0x0f, 0x22, 0xe0,       /* 1f: mov cr4, eax                   */
	0x66, 0xb8, 0x0d, 0x00, 0x00, 0x00, /* 22: mov eax, 0xd       */
	0x66, 0x31, 0xc9,       /* 28: xor ecx, ecx                   */
	0x0f, 0xa2,             /* 2b: cpuid: EDX:EAX what XCR0 may hold */
	0x66, 0x31, 0xc9,       /* 2d: xor ecx, ecx (XCR0)            */
	0x0f, 0x01, 0xd1,       /* 30: xsetbv                         */
	0x0f, 0x01, 0xd0,       /* 33: xgetbv                         */
	0x66, 0x31, 0xdb,       /* 36: xor ebx, ebx                   */
	0xeb, 0x02,             /* 39: jmp R (0x3b + 0x02 = 0x3d)     */
	0xeb, 0x1d,             /* 3b: C: jmp M (0x3d + 0x1d = 0x5a)  */
	0x66, 0x89, 0xd7,       /* 3d: R: mov edi, edx                */
	0xba, 0x10, 0x00,       /* 40: mov dx, 0x10                   */
	0x66, 0xef,             /* 43: out dx, eax                    */
	0x66, 0x89, 0xd8,       /* 45: mov eax, ebx                   */
	0x66, 0xef,             /* 48: out dx, eax                    */
	0x66, 0x89, 0xc8,       /* 4a: mov eax, ecx                   */
	0x66, 0xef,             /* 4d: out dx, eax                    */
	0x66, 0x89, 0xf8,       /* 4f: mov eax, edi                   */
	0x66, 0xef,             /* 52: out dx, eax                    */
	0x83, 0xc6, 0x08,       /* 54: add si, 8                      */
	0xeb, 0xaa,             /* 57: jmp L (0x59 - 0x56 = 0x03)     */
	0xf4,                   /* 59: done: hlt                      */
	0x66, 0x83, 0xf8, 0xfd, /* 5a: M: cmp eax, -3 (GUEST_RDMSR)   */
	0x74, 0x04,             /* 5e: je S (0x60 + 0x04 = 0x64)      */
	0x0f, 0xa2,             /* 60: cpuid                          */
	0xeb, 0xd9,             /* 62: jmp R (0x64 - 0x27 = 0x3d)     */
	0x66, 0x31, 0xdb,       /* 64: S: xor ebx, ebx                */
	0x0f, 0x32,             /* 67: rdmsr                          */
	0xeb, 0xd2,             /* 69: jmp R (0x6b - 0x2e = 0x3d)     */
	/* 6b: the #GP handler: return past the 2-byte RDMSR, EBX = 1. */
	0x55,                   /* 6b: push bp                        */
	0x89, 0xe5,             /* 6c: mov bp, sp                     */
	0x83, 0x46, 0x02, 0x02, /* 6e: add word [bp + 2], 2 (the IP)  */
	0x5d,                   /* 72: pop bp                         */
	0x66, 0xbb, 0x01, 0x00, 0x00, 0x00, /* 73: mov ebx, 1         */
	0xcf,                   /* 79: iret                           */
};

#define GUEST_GP_HANDLER (GUEST_CODE + 0x6b)
#define GUEST_IVT_GP (13 * 4) /* real mode: IP, CS of vector 13 */

_Static_assert(sizeof(guest_code) == 0x7a, "guest code length");
_Static_assert(GUEST_CODE + sizeof(guest_code) <= GUEST_TABLE, "guest code overlaps its table");

int guest_setup(int vm_fd, struct guest_mem *mem)
{
	mem->size = GUEST_MEM_SIZE;
	mem->host = mmap(NULL, mem->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem->host == MAP_FAILED) {
		fprintf(stderr, "kfp: mmap of the guest's memory: %s\n", strerror(errno));
		mem->host = NULL;
		return -1;
	}
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = mem->size,
		.userspace_addr = (uintptr_t)mem->host,
	};
	if (kvm_ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return -1;
	/* Real mode on VMX without unrestricted guest needs a TSS; SVM
	 * ignores it.  No in-kernel irqchip: with one, hlt never leaves the
	 * kernel. */
	return kvm_ioctl_val(vm_fd, KVM_SET_TSS_ADDR, GUEST_TSS_ADDR) < 0 ? -1 : 0;
}

void guest_teardown(struct guest_mem *mem)
{
	if (mem->host)
		munmap(mem->host, mem->size);
	mem->host = NULL;
}

static const char *exit_reason_name(uint32_t r)
{
	switch (r) {
	case KVM_EXIT_UNKNOWN: return "KVM_EXIT_UNKNOWN";
	case KVM_EXIT_EXCEPTION: return "KVM_EXIT_EXCEPTION";
	case KVM_EXIT_IO: return "KVM_EXIT_IO";
	case KVM_EXIT_HLT: return "KVM_EXIT_HLT";
	case KVM_EXIT_MMIO: return "KVM_EXIT_MMIO";
	case KVM_EXIT_SHUTDOWN: return "KVM_EXIT_SHUTDOWN (triple fault)";
	case KVM_EXIT_FAIL_ENTRY: return "KVM_EXIT_FAIL_ENTRY";
	case KVM_EXIT_INTERNAL_ERROR: return "KVM_EXIT_INTERNAL_ERROR";
	default: return NULL;
	}
}

static void print_exit(const struct kvm_run *run, int vcpu_fd)
{
	const char *name = exit_reason_name(run->exit_reason);
	fprintf(stderr, "kfp: the guest stopped unexpectedly: ");
	if (name)
		fprintf(stderr, "%s", name);
	else
		fprintf(stderr, "exit reason %u", run->exit_reason);
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		fprintf(stderr, " (port 0x%x, %s, size %u, count %u)", run->io.port,
			run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in", run->io.size,
			run->io.count);
		break;
	case KVM_EXIT_MMIO:
		fprintf(stderr, " (address 0x%llx)", (unsigned long long)run->mmio.phys_addr);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		fprintf(stderr, " (hardware reason 0x%llx)",
			(unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		fprintf(stderr, " (suberror %u", run->internal.suberror);
		for (uint32_t i = 0; i < run->internal.ndata && i < 16; i++)
			fprintf(stderr, ", 0x%llx", (unsigned long long)run->internal.data[i]);
		fputc(')', stderr);
		break;
	}
	struct kvm_regs regs;
	if (ioctl(vcpu_fd, KVM_GET_REGS, &regs) == 0)
		fprintf(stderr, " at rip 0x%llx", (unsigned long long)regs.rip);
	fputc('\n', stderr);
}

static int set_real_mode(int vcpu_fd)
{
	struct kvm_sregs sregs;
	if (kvm_ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		return -1;
	struct kvm_segment *segs[] = { &sregs.cs, &sregs.ds, &sregs.es, &sregs.ss,
				       &sregs.fs, &sregs.gs };
	for (size_t i = 0; i < sizeof(segs) / sizeof(segs[0]); i++) {
		segs[i]->base = 0;
		segs[i]->selector = 0;
	}
	if (kvm_ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		return -1;
	struct kvm_regs regs = { .rip = GUEST_CODE, .rflags = 0x2, .rsp = GUEST_MEM_SIZE - 16 };
	if (kvm_ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		return -1;
	/* Without an in-kernel local APIC, KVM shows the guest the CPUID APIC
	 * bit only while IA32_APIC_BASE has it enabled, as a VMM with its own
	 * APIC model sets it: base 0xfee00000, enabled, bootstrap processor. */
	union {
		struct kvm_msrs hdr;
		unsigned char bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
	} apic_base = { .hdr.nmsrs = 1 };
	apic_base.hdr.entries[0] = (struct kvm_msr_entry){ .index = MSR_IA32_APICBASE,
							   .data = 0xfee00900 };
	int r = kvm_ioctl(vcpu_fd, KVM_SET_MSRS, &apic_base.hdr);
	if (r != 1) {
		if (r >= 0)
			fprintf(stderr, "kfp: KVM_SET_MSRS: KVM refused IA32_APIC_BASE 0x%llx\n",
				(unsigned long long)apic_base.hdr.entries[0].data);
		return -1;
	}
	return 0;
}

/* guest_run_cpuid's program, for kvm_run_guest. */
struct cpuid_run {
	int vcpu_fd;
	struct guest_cpuid *q;
	size_t n;
	size_t got; /* values received: 4 per query */
};

static int cpuid_start(void *arg)
{
	const struct cpuid_run *r = arg;
	return set_real_mode(r->vcpu_fd);
}

static enum kvm_guest_step cpuid_exit(const struct kvm_run *run, void *arg)
{
	struct cpuid_run *r = arg;
	if (run->exit_reason == KVM_EXIT_HLT) {
		if (r->got != 4 * r->n) {
			fprintf(stderr, "kfp: the guest halted after %zu of %zu CPUID results\n",
				r->got / 4, r->n);
			return KVM_GUEST_FAILED;
		}
		return KVM_GUEST_DONE;
	}
	if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_OUT &&
	    run->io.port == GUEST_PORT && run->io.size == 4 && run->io.count == 1 &&
	    r->got < 4 * r->n) {
		uint32_t v;
		memcpy(&v, (const uint8_t *)run + run->io.data_offset, sizeof(v));
		r->q[r->got / 4].regs[r->got % 4] = v;
		r->got++;
		return KVM_GUEST_MORE;
	}
	print_exit(run, r->vcpu_fd);
	return KVM_GUEST_FAILED;
}

static void cpuid_progress(void *arg, char *buf, size_t size)
{
	const struct cpuid_run *r = arg;
	snprintf(buf, size, "%zu of %zu CPUID results", r->got / 4, r->n);
}

int guest_run_cpuid(int kvm_fd, int vcpu_fd, struct guest_mem *mem, struct guest_cpuid *q,
		    size_t n)
{
	if (n > GUEST_TABLE_MAX) {
		fprintf(stderr, "kfp: %zu CPUID queries, the guest holds at most %d\n", n,
			GUEST_TABLE_MAX);
		return -1;
	}
	uint8_t *m = mem->host;
	memcpy(m + GUEST_CODE, guest_code, sizeof(guest_code));
	const uint16_t gp_vector[2] = { GUEST_GP_HANDLER, 0 };
	memcpy(m + GUEST_IVT_GP, gp_vector, sizeof(gp_vector));
	uint32_t *table = (uint32_t *)(void *)(m + GUEST_TABLE);
	for (size_t i = 0; i < n; i++) {
		table[2 * i] = q[i].leaf;
		table[2 * i + 1] = q[i].subleaf;
	}
	table[2 * n] = 0xffffffff;
	table[2 * n + 1] = 0;

	struct cpuid_run r = { .vcpu_fd = vcpu_fd, .q = q, .n = n };
	const struct kvm_guest guest = {
		.vcpu_fd = vcpu_fd,
		/* One exit per value, one for hlt, and a few spare. */
		.max_exits = 4 * n + 16,
		.end = "halt",
		.start = cpuid_start,
		.exit = cpuid_exit,
		.progress = cpuid_progress,
		.arg = &r,
	};
	return kvm_run_guest(kvm_fd, &guest);
}
