/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfp/kvm_ioctl.h: the compile-time check that a KVM ioctl's argument has
 * the size its number encodes, shared by libkfp and the kfp tool (and any
 * VMM that wants it).  libc and <linux/kvm.h> only.
 */
#ifndef KFP_KVM_IOCTL_H
#define KFP_KVM_IOCTL_H

#include <linux/kvm.h>

/* Fails to compile unless the argument's type has the size the ioctl
 * number encodes (for KVM's variable-sized arguments, the fixed header).
 * name is the ioctl's name for the message, e.g. #cmd. */
#define KFP_IOC_ARG_CHECK(cmd, arg, name)                                               \
	((void)sizeof(struct {                                                          \
		_Static_assert(_IOC_SIZE(cmd) == sizeof(*(arg)), "argument size of " name); \
		int ok;                                                                 \
	}))

/* Fails to compile unless the ioctl is an _IO one, whose argument is a
 * plain value, not a pointer. */
#define KFP_IOC_VAL_CHECK(cmd, name)                                                    \
	((void)sizeof(struct {                                                          \
		_Static_assert(_IOC_SIZE(cmd) == 0, name " takes a value, not a pointer"); \
		int ok;                                                                 \
	}))

#endif
