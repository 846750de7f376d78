/* SPDX-License-Identifier: Apache-2.0 */
#include "sys.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

static int real_ioctl(int fd, unsigned long req, void *arg)
{
	return ioctl(fd, req, arg);
}

/* glibc before 2.39 has no arch_prctl() wrapper; other architectures
 * have no such system call. */
static long real_arch_prctl(int code, unsigned long arg)
{
#ifdef SYS_arch_prctl
	return syscall(SYS_arch_prctl, code, arg);
#else
	(void)code;
	(void)arg;
	errno = ENOSYS;
	return -1;
#endif
}

static int real_uname(struct utsname *u)
{
	return uname(u);
}

static const struct kfp_sys_ops real_ops = { real_ioctl, real_arch_prctl, real_uname };
static const struct kfp_sys_ops *ops = &real_ops;

void kfp_sys_set_ops(const struct kfp_sys_ops *o)
{
	ops = o ? o : &real_ops;
}

int kfp_sys_ioctl(int fd, unsigned long req, const char *req_name, void *arg,
		  struct kfp_report *rep, const char *what, const struct kfp_src *src)
{
	int r = ops->ioctl(fd, req, arg);
	if (r >= 0)
		return r;
	int err = errno ? -errno : -EIO;
	if (rep)
		kfp_report_add(rep, KFP_ITEM_REFUSED, what, src, err, "%s: %s", req_name,
			       strerror(-err));
	return err;
}

int kfp_sys_arch_prctl(int code, unsigned long arg)
{
	if (ops->arch_prctl(code, arg) < 0)
		return errno ? -errno : -EIO;
	return 0;
}

const char *kfp_sys_kernel_release(char *buf, size_t size)
{
	struct utsname u;
	if (ops->uname(&u) < 0)
		snprintf(buf, size, "unknown");
	else
		snprintf(buf, size, "%s", u.release);
	return buf;
}
