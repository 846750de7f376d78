/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The runtime's only door to the kernel.  Every ioctl and arch_prctl goes
 * through the ops below, so that tests can put a fake KVM behind them
 * (kfp_sys_set_ops); nothing else in the runtime makes a system call.
 */
#ifndef KFP_RUNTIME_SYS_H
#define KFP_RUNTIME_SYS_H

#include <stdint.h>

#include <stddef.h>
#include <sys/utsname.h>

#include <linux/ioctl.h>

#include <kfp/kfp.h>
#include <kfp/kvm_ioctl.h> /* KFP_IOC_ARG_CHECK, KFP_IOC_VAL_CHECK */

/* All behave like the system calls: -1 with errno set on failure. */
struct kfp_sys_ops {
	int (*ioctl)(int fd, unsigned long req, void *arg);
	long (*arch_prctl)(int code, unsigned long arg);
	int (*uname)(struct utsname *u);
};

/* Tests only.  NULL restores the real system calls.  Not thread-safe: set
 * it before any other runtime call. */
void kfp_sys_set_ops(const struct kfp_sys_ops *ops);

/* The ioctl's result, or -errno.  On failure, if rep is not NULL, adds a
 * REFUSED item for `what` at `src` whose detail is "<req_name>: <error>". */
int kfp_sys_ioctl(int fd, unsigned long req, const char *req_name, void *arg,
		  struct kfp_report *rep, const char *what, const struct kfp_src *src);

/* 0, or -errno.  -ENOSYS on architectures without arch_prctl. */
int kfp_sys_arch_prctl(int code, unsigned long arg);

/* The kernel release (uname -r) into buf, for reports that name the
 * kernel; "unknown" if uname fails.  Returns buf. */
const char *kfp_sys_kernel_release(char *buf, size_t size);

/* kfp_sys_ioctl with the ioctl's name taken from the macro, for messages. */
#define KFP_IOCTL(fd, cmd, arg, rep, what, src) \
	(KFP_IOC_ARG_CHECK(cmd, arg, #cmd), kfp_sys_ioctl(fd, cmd, #cmd, arg, rep, what, src))

/* For _IO ioctls, whose argument is a plain value (KVM_CHECK_EXTENSION). */
#define KFP_IOCTL_VAL(fd, cmd, val, rep, what, src) \
	(KFP_IOC_VAL_CHECK(cmd, #cmd), \
	 kfp_sys_ioctl(fd, cmd, #cmd, (void *)(uintptr_t)(val), rep, what, src))

#endif
