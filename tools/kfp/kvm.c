/* SPDX-License-Identifier: Apache-2.0 */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int kvm_ioctl_named(int fd, unsigned long cmd, void *arg, const char *name)
{
	int r;
	do
		r = ioctl(fd, cmd, arg);
	while (r < 0 && errno == EINTR);
	if (r >= 0)
		return r;
	r = -errno;
	if (name)
		fprintf(stderr, "kfp: %s: %s\n", name, strerror(-r));
	return r;
}

int kvm_ioctl_value(int fd, unsigned long cmd, unsigned long val, const char *name)
{
	int r = ioctl(fd, cmd, val);
	if (r >= 0)
		return r;
	r = -errno;
	fprintf(stderr, "kfp: %s: %s\n", name, strerror(-r));
	return r;
}

int kvm_open(void)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kfp: cannot open /dev/kvm: %s\n", strerror(errno));
		return -1;
	}
	int v = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (v != KVM_API_VERSION) {
		if (v < 0)
			fprintf(stderr, "kfp: cannot open /dev/kvm: it is not KVM (KVM_GET_API_VERSION: %s)\n",
				strerror(errno));
		else
			fprintf(stderr, "kfp: cannot open /dev/kvm: KVM API version %d, expected %d\n",
				v, KVM_API_VERSION);
		close(fd);
		return -1;
	}
	return fd;
}

int kvm_check_cap(int fd, unsigned cap)
{
	int r = ioctl(fd, KVM_CHECK_EXTENSION, (unsigned long)cap);
	return r > 0 ? r : 0;
}

int kvm_create_vm(int kvm_fd)
{
	int fd;
	/* KVM_CREATE_VM can fail with EINTR while the kernel sets up the VM. */
	do
		fd = ioctl(kvm_fd, KVM_CREATE_VM, 0UL);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		fprintf(stderr, "kfp: KVM_CREATE_VM: %s\n", strerror(errno));
	return fd;
}
