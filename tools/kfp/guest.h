/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A tiny real-mode guest that executes CPUID for a list of (leaf, subleaf)
 * pairs (and RDMSR, XSETBV/XGETBV: GUEST_RDMSR, GUEST_XCR0) and reports each result through port
 * I/O: what a guest really sees once a policy has been applied.
 */
#ifndef KFP_TOOL_GUEST_H
#define KFP_TOOL_GUEST_H

#include <stddef.h>
#include <stdint.h>

struct guest_cpuid {
	uint32_t leaf, subleaf;
	uint32_t regs[4]; /* eax, ebx, ecx, edx, as the guest saw them */
};

/* A query of this leaf is not CPUID: the guest does what an OS that uses
 * XSAVE does, sets CR4.OSXSAVE and enables in XCR0 every component its
 * CPUID.0xD.0 offers (XSETBV), then reads XCR0 (XGETBV); regs are EAX, 0,
 * 0, EDX.  Only when the guest's CPUID has XSAVE (else setting CR4.OSXSAVE
 * faults), and after every CPUID query: CPUID.1:ECX OSXSAVE follows CR4. */
#define GUEST_XCR0 0xfffffffeu
/* A "leaf" that reads the MSR given as subleaf: regs are EAX, 1 if RDMSR
 * faulted with #GP (else 0), the MSR index, EDX. */
#define GUEST_RDMSR 0xfffffffdu

/* The guest's memory, mapped at guest physical address 0. */
struct guest_mem {
	void *host;
	size_t size;
};

/* Before the vCPU is created: maps the guest's memory into vm_fd and sets
 * what real mode needs.  Prints what failed and returns -1. */
int guest_setup(int vm_fd, struct guest_mem *mem);
void guest_teardown(struct guest_mem *mem);

/* Runs CPUID in the guest for q[0..n) and fills in their regs.  The vCPU
 * must not have run yet.  Prints what went wrong and returns -1. */
int guest_run_cpuid(int kvm_fd, int vcpu_fd, struct guest_mem *mem, struct guest_cpuid *q,
		    size_t n);

#endif
