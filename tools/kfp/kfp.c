/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfp: the kfp runtime on the command line.  `probe` writes this host's
 * profile for the compiler; `check` and `apply` compile a policy, build the
 * fleet's tables in memory (the same tables `kfpc compile` emits) and hand
 * them to the runtime library on this host's KVM.  `apply` then runs a tiny
 * guest that reads its CPUID (x86_64) or its ID registers (arm64) back, so
 * what is compared with the policy is what a guest really sees.
 *
 * Exit status: 0 ok, 1 the policy has errors or this host cannot provide
 * it (or the guest saw something else), 2 usage or I/O error.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "tools/output.h"
#include "compiler/profiles/profile.h"
#include "kvm.h"
#include "probe.h"
#include "session.h"
#include "tools/cli.h"

#ifndef KFP_VERSION
#define KFP_VERSION "0"
#endif

const char usage_text[] =
	"usage: kfp COMMAND [OPTIONS] ARGS...\n"
	"\n"
	"Applies kfp policies to this host's KVM, and checks what a guest sees.\n"
	"\n"
	"Commands:\n"
	"  probe [-o FILE] [--name NAME]  write this host's profile (docs/host-profile.md)\n"
	"                                 for `kfpc check --hosts`\n"
	"  check POLICY.kfp [--fleet NAME]\n"
	"                                 can this host run the fleet?  Reads only.\n"
	"  apply POLICY.kfp [--fleet NAME] [--all] [--json]\n"
	"                                 apply the fleet to a new VM and vCPU, run a\n"
	"                                 guest that reads its CPUID (x86_64) or its ID\n"
	"                                 registers (arm64), and compare every feature\n"
	"                                 with the policy\n"
	"  verify-state POLICY.kfp STATE [--fleet NAME]\n"
	"                                 may a saved vCPU state be loaded under the fleet\n"
	"                                 on this host?  x86_64: the policy identity,\n"
	"                                 CPUID, feature MSRs and the xsave header (needs\n"
	"                                 no KVM); arm64: the identity, ID registers and\n"
	"                                 hypercall bitmaps as planned here, and a named\n"
	"                                 rule for every register this kernel lists\n"
	"                                 differently (a throwaway vCPU, nothing written)\n"
	"  restore-state STATE [POLICY.kfp] [--fleet NAME]\n"
	"                                 load a saved vCPU state (x86_64) on this host as\n"
	"                                 a migration destination does: verify-state (with a\n"
	"                                 policy), check that this host's KVM offers every\n"
	"                                 feature and xsave component of the state, then\n"
	"                                 KVM_SET_CPUID2, KVM_SET_MSRS, KVM_SET_XSAVE,\n"
	"                                 KVM_SET_XCRS, and compare what the guest reads\n"
	"\n"
	"Options:\n"
	"  --fleet NAME        the fleet (default: the policy's only fleet of this\n"
	"                      host's architecture)\n"
	"  --hosts DIR         compile the policy against the host profiles DIR/*.yaml\n"
	"                      instead of the fleet's 'hosts' lines (e.g. this host's\n"
	"                      `kfp probe` output)\n"
	"  --all               apply: list every feature, not only the exposed and the\n"
	"                      mentioned ones (arm64: every ID-register field)\n"
	"  --json              apply: print a JSON document with every feature\n"
	"  --save-state FILE   apply: write the vCPU's state, as a migration source\n"
	"                      would, for verify-state\n"
	"  --catalog DIR       read the catalog from DIR (default: $KFP_CATALOG, else\n"
	"                      the installed one)\n"
	"  -o, --output FILE   probe: write the profile to FILE (default: stdout)\n"
	"  --name NAME         probe: the host's name (default: the host name)\n"
	"  -h, --help          show this help\n"
	"  -V, --version       show the version\n"
	"\n"
	"Exit status: 0 ok, 1 the policy has errors or this host cannot run it as\n"
	"written (apply: the guest saw something else), 2 usage or I/O error.\n";

/* ---- probe ------------------------------------------------------------ */

static int cmd_probe(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (first != argc)
		return usage_error("probe takes no file arguments (use -o FILE)");
	const struct tool_arch *arch = tool_host_arch();
	if (!arch) {
		fprintf(stderr, "kfp: probe: this architecture is not supported (x86_64 and arm64 only)\n");
		return EXIT_USAGE;
	}
	if (o.name && !*o.name)
		return usage_error("--name needs a non-empty name");
	int kvm_fd = kvm_open();
	if (kvm_fd < 0)
		return EXIT_USAGE;
	struct kfp_host_profile *p = probe_host(kvm_fd, o.name, arch->probe);
	close(kvm_fd);
	if (!p)
		return EXIT_POLICY;

	/* A failed run leaves no half profile behind (see output.h). */
	int status = EXIT_OK;
	struct kfp_output out;
	if (!kfp_output_open(&out, "kfp", o.out)) {
		status = EXIT_USAGE;
	} else {
		int r = kfp_profile_write(p, out.f);
		if (r < 0) {
			fprintf(stderr, "kfp: cannot write the profile: %s\n", strerror(-r));
			status = r == -EINVAL ? EXIT_POLICY : EXIT_USAGE;
			kfp_output_discard(&out);
		} else if (!kfp_output_commit(&out, 1)) {
			status = EXIT_USAGE;
		}
	}
	kfp_profile_free(p);
	return status;
}

/* ---- check and apply: the arch's work in a session ---------------------- */

static int cmd_check(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	int status = session_start(&s, argc, argv, &o, "check");
	if (status == EXIT_OK)
		status = s.arch->check(&s);
	session_end(&s);
	return status;
}

static int cmd_apply(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	struct kfp_output state_out = { .fd = -1 };
	int status = session_start(&s, argc, argv, &o, "apply");
	/* Before any work: a state file that cannot be written fails now. */
	if (status == EXIT_OK && o.save_state && !kfp_output_open(&state_out, "kfp", o.save_state))
		status = EXIT_USAGE;
	if (status == EXIT_OK)
		status = s.arch->apply(&s, &o, &state_out);
	kfp_output_discard(&state_out);
	return session_finish(&s, status);
}

int main(int argc, char **argv)
{
	/* verify-state and restore-state where this host's arch has them. */
	const struct tool_arch *arch = tool_host_arch();
	struct kfp_cli_command commands[5];
	size_t n = 0;
	commands[n++] = (struct kfp_cli_command){ "probe", cmd_probe };
	commands[n++] = (struct kfp_cli_command){ "check", cmd_check };
	commands[n++] = (struct kfp_cli_command){ "apply", cmd_apply };
	if (arch && arch->verify_state)
		commands[n++] = (struct kfp_cli_command){ "verify-state", arch->verify_state };
	if (arch && arch->restore_state)
		commands[n++] = (struct kfp_cli_command){ "restore-state", arch->restore_state };
	return kfp_cli_main("kfp", KFP_VERSION, usage_text, commands, n, argc, argv);
}
