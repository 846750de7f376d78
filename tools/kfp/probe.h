/* SPDX-License-Identifier: Apache-2.0 */
/* `kfp probe`: this host's KVM as a host profile (docs/host-profile.md). */
#ifndef KFP_TOOL_PROBE_H
#define KFP_TOOL_PROBE_H

#include "compiler/profiles/profile.h"

/* Reads what the KVM behind kvm_fd offers a guest.  name NULL means the
 * host name.  Prints what failed and returns NULL on error. */
struct kfp_host_profile *probe_host(int kvm_fd, const char *name);

#endif
