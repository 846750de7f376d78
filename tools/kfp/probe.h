/* SPDX-License-Identifier: Apache-2.0 */
/* `kfp probe`: this host's KVM as a host profile (docs/host-profile.md). */
#ifndef KFP_TOOL_PROBE_H
#define KFP_TOOL_PROBE_H

#include <stdbool.h>

#include "compiler/profiles/profile.h"

/* Reads what the KVM behind kvm_fd offers a guest: the kernel and name
 * here, the rest with probe_arch (this host's arch descriptor's probe).
 * name NULL means the host name.  Prints what failed and returns NULL on
 * error. */
struct kfp_host_profile *probe_host(int kvm_fd, const char *name,
				    bool (*probe_arch)(int kvm_fd, struct kfp_host_profile *p));

/* The arch's part of a profile, each built for its arch only (the
 * descriptors' probe).  Print what failed and return false on error. */
bool probe_x86_64(int kvm_fd, struct kfp_host_profile *p);
bool probe_arm64(int kvm_fd, struct kfp_host_profile *p);

#endif
