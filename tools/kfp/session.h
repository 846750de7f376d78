/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What every kfp command shares: the options, the usage errors, and the
 * session (one policy, one fleet, on this host's KVM) that check, apply
 * and verify-state open.  The architecture's part of a session (its VM,
 * vCPU and plan) is the arch descriptor's (arch.h).
 */
#ifndef KFP_TOOL_SESSION_H
#define KFP_TOOL_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <kfp/kfp.h>

#include "base/ctx.h"

enum { EXIT_OK = 0, EXIT_POLICY = 1, EXIT_USAGE = 2 };

/* `kfp --help` (kfp.c). */
extern const char usage_text[];

struct opts {
	const char *fleet, *catalog, *out, *name, *save_state, *hosts;
	bool json, all;
};

/* "kfp: <message>\nTry 'kfp --help'." on stderr; returns EXIT_USAGE. */
int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The index of the first file argument, or -1 after a message.  --help
 * prints the usage and exits. */
int parse_opts(int argc, char **argv, struct opts *o);

struct tool_arch;
struct arch_session; /* the VM, vCPU and plan: each arch's own */

/* One policy, one fleet, on this host's KVM. */
struct session {
	struct kfp_ctx ctx;
	struct kfp_catalog *cat;
	struct kfp_unit *unit;
	struct kfp_policy *pol;
	const struct kfp_fleet *fl;
	struct kfp_config *cfg;
	int kvm_fd;
	struct kfp_report rep;
	const struct tool_arch *arch; /* NULL: this kfp applies nothing */
	struct arch_session *a;
};

/* A session with nothing open yet, for this host's arch. */
void session_init(struct session *s);
void session_end(struct session *s);

/* Compiles the policy at path (with the catalog and --fleet, --hosts). */
int compile_policy(struct session *s, const char *path, const struct opts *o);

/* The fleet to apply: --fleet, or the policy's only fleet of this host's
 * architecture. */
int pick_fleet(struct session *s, const struct opts *o);

/* session_init and the options: the index of the first of the min to max
 * file arguments, or -1 after a message ("CMD takes TAKES"). */
int session_args(struct session *s, int argc, char **argv, struct opts *o, int min, int max,
		 const char *cmd, const char *takes);

/* compile_policy, then pick_fleet. */
int session_policy(struct session *s, const char *path, const struct opts *o);

/* session_end; a status of EXIT_OK becomes EXIT_USAGE if stdout cannot be
 * flushed.  Returns the status. */
int session_finish(struct session *s, int status);

/* Everything before the first write: compile, choose the fleet, build its
 * tables, open KVM (and the arch's session_open).  With `second`, the
 * command takes a second file after the policy (verify-state's state). */
int session_start_files(struct session *s, int argc, char **argv, struct opts *o,
			const char *cmd, const char **second);
int session_start(struct session *s, int argc, char **argv, struct opts *o, const char *cmd);

void print_identity(const uint8_t id[16], FILE *out);
void print_report(const struct kfp_report *rep, FILE *out);
/* A runtime call failed: say why, naming every problem. */
int runtime_failed(const struct session *s, const char *what, int r);
/* "OK: this host can run fleet ..." */
void print_ok(const struct session *s);
/* "OK: PATH fits fleet ...WHERE (identity ...)" */
void print_fits(const struct session *s, const char *path, const char *where);
/* apply's first line on stdout: "policy ... identity ID", no newline. */
void print_policy_identity(const struct session *s);
/* apply --json: the mismatches, if any, named on stderr. */
void warn_mismatches(unsigned mismatches);

#endif
