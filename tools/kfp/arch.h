/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One descriptor per architecture kfp applies, behind one interface: how
 * to probe the host, open and close a session's VM, and run the commands
 * whose work differs by architecture.  tool_host_arch() (arch.c) is the
 * one place that chooses; the rest of the tool asks the descriptor.
 */
#ifndef KFP_TOOL_ARCH_H
#define KFP_TOOL_ARCH_H

#include <stdbool.h>

#include <kfp/kfp.h>

#include "compiler/profiles/profile.h"

struct kfp_output;
struct opts;
struct session;

struct tool_arch {
	enum kfp_arch arch; /* the fleets this kfp applies */
	/* Fills the arch's part of a profile (probe.c). */
	bool (*probe)(int kvm_fd, struct kfp_host_profile *p);
	/* s->a with nothing open; its teardown (session_end). */
	void (*session_init)(struct session *s);
	void (*session_end)(struct session *s);
	/* After KVM is open: what a session needs of it. */
	int (*session_open)(struct session *s);
	/* The work of `check` and `apply` after session_start (and, for
	 * apply, after --save-state's file is open: state_out). */
	int (*check)(struct session *s);
	int (*apply)(struct session *s, const struct opts *o, struct kfp_output *state_out);
	/* Whole commands; NULL where the arch has none. */
	int (*verify_state)(int argc, char **argv);
	int (*restore_state)(int argc, char **argv);
};

extern const struct tool_arch tool_arch_x86_64;
extern const struct tool_arch tool_arch_arm64;

/* This host's descriptor, or NULL (kfp applies x86_64 and arm64 only). */
const struct tool_arch *tool_host_arch(void);

#endif
