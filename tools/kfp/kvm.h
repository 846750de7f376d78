/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The kfp tool's own KVM calls (the runtime library makes the ones that
 * apply a policy).  Every ioctl with an argument goes through kvm_ioctl(),
 * which checks at compile time that the argument's size is the one the
 * ioctl number encodes, and names the ioctl when it fails.
 */
#ifndef KFP_TOOL_KVM_H
#define KFP_TOOL_KVM_H

#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

#include <kfp/kvm_ioctl.h> /* KFP_IOC_ARG_CHECK */

/* ioctl(fd, cmd, arg): the result, or -errno.  kvm_ioctl prints
 * "kfp: CMD: error" on failure; kvm_ioctl_quiet is for expected failures
 * (E2BIG when sizing a buffer). */
#define kvm_ioctl(fd, cmd, arg) (KFP_IOC_ARG_CHECK(cmd, arg, #cmd), kvm_ioctl_named(fd, cmd, arg, #cmd))
#define kvm_ioctl_quiet(fd, cmd, arg) (KFP_IOC_ARG_CHECK(cmd, arg, #cmd), kvm_ioctl_named(fd, cmd, arg, NULL))
/* For _IO ioctls, whose argument is a plain value. */
#define kvm_ioctl_val(fd, cmd, val) kvm_ioctl_value(fd, cmd, (unsigned long)(val), #cmd)

int kvm_ioctl_named(int fd, unsigned long cmd, void *arg, const char *name);
int kvm_ioctl_value(int fd, unsigned long cmd, unsigned long val, const char *name);

/* Opens /dev/kvm and checks the API version.  On failure prints
 * "kfp: cannot open /dev/kvm: ..." and returns -1. */
int kvm_open(void);

/* KVM_CHECK_EXTENSION: the value, 0 if unsupported. */
int kvm_check_cap(int fd, unsigned cap);

/* A VM with nothing in it (KVM_CREATE_VM type 0), or -1 after a message. */
int kvm_create_vm(int kvm_fd);

/* How long kvm_run_guest lets a guest program run. */
#define KVM_GUEST_TIMEOUT_S 10

enum kvm_guest_step { KVM_GUEST_MORE, KVM_GUEST_DONE, KVM_GUEST_FAILED };

/* A guest program for kvm_run_guest: its vCPU and what to do with it. */
struct kvm_guest {
	int vcpu_fd;
	size_t max_exits; /* then "the guest did not <end> after <max_exits> exits" */
	const char *end;  /* "halt", "end" */
	/* After the vCPU's kvm_run is mapped, before the first KVM_RUN: the
	 * registers the program starts with.  Prints what failed, returns -1. */
	int (*start)(void *arg);
	/* Each exit: MORE to run on, DONE, or FAILED after a message. */
	enum kvm_guest_step (*exit)(const struct kvm_run *run, void *arg);
	/* How far the program got, for the timeout message. */
	void (*progress)(void *arg, char *buf, size_t size);
	void *arg;
};

/* Maps the vCPU's kvm_run, calls start, then runs the vCPU and hands each
 * exit to exit until it says DONE (0).  Returns -1 after a message when
 * exit says FAILED, KVM_RUN fails, the program is still running after
 * KVM_GUEST_TIMEOUT_S seconds (a SIGALRM interrupts KVM_RUN) or after
 * max_exits exits.  The vCPU must not have run yet. */
int kvm_run_guest(int kvm_fd, const struct kvm_guest *g);

#endif
