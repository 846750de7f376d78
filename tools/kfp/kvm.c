/* SPDX-License-Identifier: Apache-2.0 */
#include "kvm.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

static void on_alarm(int sig)
{
	(void)sig; /* only interrupts KVM_RUN */
}

int kvm_run_guest(int kvm_fd, const struct kvm_guest *g)
{
	int size = kvm_ioctl_val(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size < (int)sizeof(struct kvm_run))
		return -1;
	struct kvm_run *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED,
				   g->vcpu_fd, 0);
	if (run == MAP_FAILED) {
		fprintf(stderr, "kfp: mmap of the vCPU's kvm_run: %s\n", strerror(errno));
		return -1;
	}
	if (g->start(g->arg) < 0) {
		munmap(run, (size_t)size);
		return -1;
	}

	/* An alarm interrupts KVM_RUN if the guest never ends. */
	struct sigaction sa = { .sa_handler = on_alarm }, old;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, &old);
	alarm(KVM_GUEST_TIMEOUT_S);

	int status = -1;
	for (size_t iter = 0; iter < g->max_exits; iter++) {
		if (ioctl(g->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR) {
				char got[128];
				g->progress(g->arg, got, sizeof(got));
				fprintf(stderr, "kfp: the guest did not finish within %d s (%s)\n",
					KVM_GUEST_TIMEOUT_S, got);
			} else {
				fprintf(stderr, "kfp: KVM_RUN: %s\n", strerror(errno));
			}
			goto out;
		}
		enum kvm_guest_step step = g->exit(run, g->arg);
		if (step == KVM_GUEST_DONE)
			status = 0;
		if (step != KVM_GUEST_MORE)
			goto out;
	}
	fprintf(stderr, "kfp: the guest did not %s after %zu exits\n", g->end, g->max_exits);
out:
	alarm(0);
	sigaction(SIGALRM, &old, NULL);
	munmap(run, (size_t)size);
	return status;
}
