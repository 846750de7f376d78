/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfp's x86_64 descriptor: check and apply with the x86 runtime
 * (kfp_x86_plan, kfp_x86_apply) and a real-mode guest that runs CPUID,
 * verify-state and restore-state with kfp's x86 state file.  Built on
 * x86_64 only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <kfp/kfp.h>

#include "arch.h"
#include "tools/output.h"
#include "base/util.h"
#include "compiler/catalog/catalog.h"
#include "compiler/emitters/tables.h"
#include "compiler/semantics/config.h"
#include "guest.h"
#include "kvm.h"
#include "probe.h"
#include "restore.h"
#include "session.h"
#include "state.h"
#include "verify.h"

#if !defined(__x86_64__)
#error "cmd_x86.c makes x86 KVM calls: build it for x86_64 only"
#endif

/* The x86 part of a session. */
struct arch_session {
	int vm_fd, vcpu_fd;
	struct kfp_host *host;
	struct kfp_x86_plan *plan;
	struct guest_mem mem;
};

static void x86_session_init(struct session *s)
{
	s->a = kfp_xcalloc(1, sizeof(*s->a));
	s->a->vm_fd = s->a->vcpu_fd = -1;
}

static void x86_session_end(struct session *s)
{
	if (s->a->vcpu_fd >= 0)
		close(s->a->vcpu_fd);
	guest_teardown(&s->a->mem);
	if (s->a->vm_fd >= 0)
		close(s->a->vm_fd);
	free(s->a->host);
	free(s->a->plan);
	free(s->a);
	s->a = NULL;
}

/* Reads what this host's KVM offers. */
static int x86_session_open(struct session *s)
{
	s->a->plan = kfp_xcalloc(1, sizeof(*s->a->plan));
	s->a->host = kfp_xcalloc(1, sizeof(*s->a->host));
	int r = kfp_host_init(s->a->host, s->kvm_fd);
	if (r < 0) {
		fprintf(stderr, "kfp: reading what this host's KVM offers: %s\n", strerror(-r));
		return EXIT_POLICY;
	}
	return EXIT_OK;
}

static int x86_check(struct session *s)
{
	s->a->vm_fd = kvm_create_vm(s->kvm_fd);
	if (s->a->vm_fd < 0)
		return EXIT_POLICY;
	int r = kfp_x86_plan(s->cfg, s->a->host, s->a->vm_fd, s->a->plan, &s->rep);
	if (r < 0)
		return runtime_failed(s, "check", r);
	print_ok(s);
	return EXIT_OK;
}

/* KVM's copy of the vCPU's CPUID table after the commit, to tell "KVM
 * changed the table" from "the guest saw something else".  NULL if KVM
 * will not say.  KVM holds the nent entries of the table that was set; 5.10
 * and 6.1 leave nent as passed on success, so ask for exactly those. */
static struct kvm_cpuid2 *kvm_cpuid_table(int vcpu_fd, uint32_t nent)
{
	struct kvm_cpuid2 *t = kfp_xcalloc(1, sizeof(*t) + nent * sizeof(t->entries[0]));
	t->nent = nent;
	if (kvm_ioctl_quiet(vcpu_fd, KVM_GET_CPUID2, t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

/* What a migration source saves of the vCPU (apply --save-state): KVM's
 * CPUID table, the feature MSRs the fleet writes, and the xsave header. */
static int save_state(struct session *s, struct kfp_output *out)
{
	struct kvm_cpuid2 *cpuid = kvm_cpuid_table(s->a->vcpu_fd, kfp_plan_cpuid(s->a->plan)->nent);
	struct kvm_msrs *msrs = kfp_xcalloc(1, sizeof(*msrs) + KFP_MAX_PLAN_MSRS * sizeof(msrs->entries[0]));
	for (uint32_t i = 0; i < s->cfg->x86->nmsrs && i < KFP_MAX_PLAN_MSRS; i++)
		msrs->entries[msrs->nmsrs++].index = s->cfg->x86->msrs[i].index;
	int got = msrs->nmsrs ? kvm_ioctl_quiet(s->a->vcpu_fd, KVM_GET_MSRS, msrs) : 0;
	msrs->nmsrs = got > 0 ? (uint32_t)got : 0;
	struct kvm_xsave *xs = kfp_xcalloc(1, KFP_XSAVE_MAX);
	uint64_t xstate_bv = 0, xcomp_bv = 0;
	size_t xsize = s->a->plan->xsave_size > sizeof(*xs) ? s->a->plan->xsave_size : sizeof(*xs);
	int xr = xsize > sizeof(*xs) ? kvm_ioctl_quiet(s->a->vcpu_fd, KVM_GET_XSAVE2, xs)
				     : kvm_ioctl_quiet(s->a->vcpu_fd, KVM_GET_XSAVE, xs);
	if (xr == 0) {
		memcpy(&xstate_bv, (const uint8_t *)xs + 512, 8);
		memcpy(&xcomp_bv, (const uint8_t *)xs + 520, 8);
	}
	struct kvm_xcrs xcrs;
	memset(&xcrs, 0, sizeof(xcrs));
	if (kvm_ioctl_quiet(s->a->vcpu_fd, KVM_GET_XCRS, &xcrs) < 0)
		xcrs.nr_xcrs = 0;
	int rc = -1;
	if (!cpuid) {
		fprintf(stderr, "kfp: --save-state: KVM_GET_CPUID2 failed\n");
		kfp_output_discard(out);
	} else {
		state_write(out->f, s->cfg->id, cpuid, msrs, xstate_bv, xcomp_bv);
		if (xr == 0)
			state_write_load(out->f, &xcrs, xs, xsize);
		const char *path = out->path;
		if (kfp_output_commit(out, 1)) {
			fprintf(stderr, "kfp: saved the vCPU state in %s\n", path);
			rc = 0;
		}
	}
	free(xs);
	free(msrs);
	free(cpuid);
	return rc;
}

static int x86_apply(struct session *s, const struct opts *o, struct kfp_output *state_out)
{
	int status = EXIT_OK;
	/* The AMX permission, if the policy allows AMX, must come before the
	 * process's first vCPU. */
	int r = kfp_prepare_process(s->cfg, &s->rep);
	if (r < 0)
		return runtime_failed(s, "apply", r);
	s->a->vm_fd = kvm_create_vm(s->kvm_fd);
	if (s->a->vm_fd < 0 || guest_setup(s->a->vm_fd, &s->a->mem) < 0)
		return EXIT_POLICY;
	s->a->vcpu_fd = kvm_ioctl_val(s->a->vm_fd, KVM_CREATE_VCPU, 0);
	if (s->a->vcpu_fd < 0)
		return EXIT_POLICY;
	r = kfp_x86_apply(s->cfg, s->a->host, s->a->vm_fd, s->a->vcpu_fd, s->a->plan, &s->rep);
	if (r < 0)
		return runtime_failed(s, "apply", r);

	const struct kvm_cpuid2 *planned = kfp_plan_cpuid(s->a->plan);
	struct kvm_cpuid2 *kvm_table = kvm_cpuid_table(s->a->vcpu_fd, planned->nent);
	size_t nq;
	struct guest_cpuid *q = verify_queries(s->cfg, planned, &nq);
	if (guest_run_cpuid(s->kvm_fd, s->a->vcpu_fd, &s->a->mem, q, nq) < 0) {
		free(q);
		free(kvm_table);
		return EXIT_POLICY;
	}
	struct utsname u;
	struct verdict v;
	verify(&v, s->cfg, s->a->host, planned, kvm_table, q, nq);
	v.kernel = uname(&u) == 0 ? u.release : NULL;
	if (o->json) {
		verdict_print_json(&v, stdout);
		warn_mismatches(verdict_mismatches(&v));
	} else {
		print_policy_identity(s);
		printf("\nhost kernel %s: KVM accepted %u writes; the guest ran CPUID for %zu (leaf, subleaf) pairs\n\n",
		       v.kernel ? v.kernel : "?", s->rep.napplied, nq);
		verdict_print_table(&v, o->all, stdout);
	}
	if (verdict_mismatches(&v))
		status = EXIT_POLICY;
	if (o->save_state && status == EXIT_OK && save_state(s, state_out) < 0)
		status = EXIT_USAGE;
	verdict_free(&v);
	free(q);
	free(kvm_table);
	return status;
}

/* state_read, its message on stderr: EXIT_OK or EXIT_USAGE. */
static int read_state(const char *path, struct state_file *st)
{
	char err[512];
	if (state_read(path, st, err, sizeof(err)) < 0) {
		fprintf(stderr, "kfp: %s\n", err);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* Checks a saved vCPU state against a fleet before a destination loads it.
 * Reads no KVM: the destination decides before it creates the vCPU. */
static int x86_verify_state(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	static struct state_file st;
	int status = EXIT_USAGE;
	int first = session_args(&s, argc, argv, &o, 2, 2, "verify-state",
				 "a policy file and a state file");
	if (first < 0 || (status = session_policy(&s, argv[first], &o)) != EXIT_OK)
		goto out;
	s.cfg = kfp_build_config(s.pol, s.fl);
	if ((status = read_state(argv[first + 1], &st)) != EXIT_OK)
		goto out;
	struct kfp_x86_state view = state_view(&st);
	int r = kfp_x86_verify_state(s.cfg, &view, &s.rep);
	if (r < 0) {
		fprintf(stderr, "kfp: verify-state: %s may not be loaded under fleet \"%s\" of policy \"%s\":\n",
			argv[first + 1], s.cfg->fleet, s.cfg->policy);
		print_report(&s.rep, stderr);
		status = EXIT_POLICY;
	} else {
		print_fits(&s, argv[first + 1], "");
	}
out:
	session_end(&s);
	return status;
}

/* Loads a saved vCPU state on this host, whole or not at all. */
static int x86_restore_state(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	static struct state_file st;
	struct utsname u;
	const char *kernel = uname(&u) == 0 ? u.release : "?";
	int status = EXIT_USAGE;
	int first = session_args(&s, argc, argv, &o, 1, 2, "restore-state",
				 "a state file and, optionally, a policy file");
	if (first < 0)
		goto out;
	const char *path = argv[first];
	if (read_state(path, &st) != EXIT_OK)
		goto out;
	if (!st.xsave_size || !st.nxcrs) {
		fprintf(stderr, "kfp: %s has no xsave-size, xsave-data or xcr lines: it can be verified, not loaded\n", path);
		goto out;
	}
	if (argc - first == 2) {
		if ((status = session_policy(&s, argv[first + 1], &o)) != EXIT_OK)
			goto out;
	} else {
		/* No policy: only the host's own check (the catalog names what
		 * it lacks). */
		s.cat = kfp_catalog_load(&s.ctx, o.catalog ? o.catalog : kfp_catalog_default_dir());
		if (!s.cat) {
			kfp_diags_print(&s.ctx, stderr);
			goto out;
		}
	}
	s.kvm_fd = kvm_open();
	if (s.kvm_fd < 0)
		goto out;
	s.a->host = kfp_xcalloc(1, sizeof(*s.a->host));
	int r = kfp_host_init(s.a->host, s.kvm_fd);
	if (r < 0) {
		fprintf(stderr, "kfp: reading what this host's KVM offers: %s\n", strerror(-r));
		status = EXIT_POLICY;
		goto out;
	}
	/* Every reason, before the first write. */
	unsigned problems = 0;
	if (s.fl) {
		s.cfg = kfp_build_config(s.pol, s.fl);
		struct kfp_x86_state view = state_view(&st);
		if (kfp_x86_verify_state(s.cfg, &view, &s.rep) < 0) {
			fprintf(stderr, "kfp: restore-state: %s does not fit fleet \"%s\" of policy \"%s\":\n",
				path, s.cfg->fleet, s.cfg->policy);
			print_report(&s.rep, stderr);
			problems += s.rep.nitems + s.rep.nlost;
		}
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	unsigned host_problems = mem ? restore_host_problems(&st, s.a->host, s.cat, kernel, mem) : 0;
	if (mem)
		fclose(mem);
	if (host_problems)
		fprintf(stderr, "kfp: restore-state: this host (kernel %s) cannot hold %s:\n%s", kernel,
			path, text);
	free(text);
	problems += host_problems;
	if (problems) {
		fprintf(stderr, "kfp: restore-state: %s was not loaded (%u reasons); nothing was written\n",
			path, problems);
		status = EXIT_POLICY;
		goto out;
	}
	printf("kernel %s: %s%s%s fits; loading it into a new vCPU\n", kernel, path,
	       s.cfg ? " and fleet " : "", s.cfg ? s.cfg->fleet : "");
	status = restore_load(s.kvm_fd, &st, s.a->host, stdout) == 0 ? EXIT_OK : EXIT_POLICY;
out:
	return session_finish(&s, status);
}

const struct tool_arch tool_arch_x86_64 = {
	.arch = KFP_ARCH_X86_64,
	.probe = probe_x86_64,
	.session_init = x86_session_init,
	.session_end = x86_session_end,
	.session_open = x86_session_open,
	.check = x86_check,
	.apply = x86_apply,
	.verify_state = x86_verify_state,
	.restore_state = x86_restore_state,
};
