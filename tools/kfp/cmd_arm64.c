/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfp's arm64 descriptor: check and apply with the arm64 runtime
 * (kfp_arm64_plan, kfp_arm64_apply) and a guest that reads the ID
 * registers, and verify-state on a throwaway vCPU.  Built on arm64 only.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <kfp/kfp.h>

#include "arch.h"
#include "arm64.h"
#include "tools/output.h"
#include "base/util.h"
#include "compiler/semantics/config.h"
#include "kvm.h"
#include "probe.h"
#include "session.h"
#include "state_arm64.h"
#include "verify_arm64.h"

#if !defined(__aarch64__)
#error "cmd_arm64.c makes arm64 KVM calls: build it for arm64 only"
#endif

/* The arm64 part of a session. */
struct arch_session {
	struct arm64_vm vm;
	struct kfp_arm64_plan *plan;
};

static void arm64_session_init(struct session *s)
{
	s->a = kfp_xcalloc(1, sizeof(*s->a));
	s->a->vm = (struct arm64_vm){ .vm_fd = -1, .vcpu_fd = -1 };
}

static void arm64_session_end(struct session *s)
{
	arm64_vm_destroy(&s->a->vm);
	free(s->a->plan);
	free(s->a);
	s->a = NULL;
}

static int arm64_session_open(struct session *s)
{
	s->a->plan = kfp_xcalloc(1, sizeof(*s->a->plan));
	return EXIT_OK;
}

/* What a migration source saves of the vCPU (apply --save-state): every
 * register KVM lists, with its value, and the policy identity. */
static int arm64_save_state(const struct session *s, struct kfp_output *out)
{
	static uint8_t values[KFP_MAX_REG_LIST][ARM64_STATE_REG_BYTES];
	const struct kfp_arm64_plan *plan = s->a->plan;
	for (uint64_t i = 0; i < plan->nregs; i++) {
		struct kvm_one_reg one = { .id = plan->regs[i], .addr = (uint64_t)(uintptr_t)values[i] };
		if ((plan->regs[i] & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT > 8 ||
		    kvm_ioctl(s->a->vm.vcpu_fd, KVM_GET_ONE_REG, &one) < 0) {
			fprintf(stderr, "kfp: --save-state: cannot read register 0x%016llx\n",
				(unsigned long long)plan->regs[i]);
			return -1;
		}
	}
	struct utsname u;
	arm64_state_write(out->f, s->cfg->id, uname(&u) == 0 ? u.release : NULL, plan->regs,
			  (const uint8_t(*)[ARM64_STATE_REG_BYTES])values, (uint32_t)plan->nregs);
	const char *path = out->path;
	if (!kfp_output_commit(out, 1))
		return -1;
	fprintf(stderr, "kfp: saved the vCPU state in %s (%llu registers)\n", path,
		(unsigned long long)plan->nregs);
	return 0;
}

/* The VM and vCPU a plan reads: a vCPU initialised with the policy's
 * vcpu_init features, as a VMM would create it. */
static int arm64_session_vm(struct session *s)
{
	uint32_t features = kfp_arm64_vcpu_features(s->cfg);
	return arm64_vm_create(s->kvm_fd, s->cfg, features, &s->a->vm) < 0 ? EXIT_POLICY : EXIT_OK;
}

static int arm64_check(struct session *s)
{
	int status = arm64_session_vm(s);
	if (status != EXIT_OK)
		return status;
	int r = kfp_arm64_plan(s->cfg, s->a->vm.vm_fd, s->a->vm.vcpu_fd, s->a->plan, &s->rep);
	if (r < 0)
		return runtime_failed(s, "check", r);
	print_ok(s);
	return EXIT_OK;
}

static int arm64_apply(struct session *s, const struct opts *o, struct kfp_output *state_out)
{
	struct arm64_observed_reg *regs = NULL;
	struct arm64_observed_fw *fw = NULL, *pins = NULL;
	uint64_t *ids = NULL, *values = NULL;
	int status = arm64_session_vm(s);
	if (status != EXIT_OK)
		goto out;
	const struct kfp_arm64_config *a = s->cfg->arm64;
	regs = kfp_xcalloc(a->nid_regs + 1, sizeof(*regs));
	fw = kfp_xcalloc(a->nfw_regs + 1, sizeof(*fw));
	pins = kfp_xcalloc(a->npins + 1, sizeof(*pins));
	/* What this host's KVM gives a new VM, before the apply. */
	if (arm64_read_config_regs(&s->a->vm, s->cfg, 0, regs, fw, pins) < 0) {
		status = EXIT_POLICY;
		goto out;
	}
	int r = kfp_arm64_apply(s->cfg, s->a->vm.vm_fd, s->a->vm.vcpu_fd, s->a->plan, &s->rep);
	if (r < 0) {
		status = runtime_failed(s, "apply", r);
		goto out;
	}
	if (arm64_vm_finish(&s->a->vm, kfp_arm64_vcpu_features(s->cfg)) < 0 ||
	    arm64_read_config_regs(&s->a->vm, s->cfg, 1, regs, fw, pins) < 0) {
		status = EXIT_POLICY;
		goto out;
	}
	/* The guest reads every register of the configuration KVM lists. */
	size_t n = 0;
	ids = kfp_xcalloc(a->nid_regs + 1, sizeof(*ids));
	values = kfp_xcalloc(a->nid_regs + 1, sizeof(*values));
	for (uint32_t i = 0; i < a->nid_regs; i++)
		if (regs[i].listed)
			ids[n++] = a->id_regs[i].id;
	if (arm64_guest_read(s->kvm_fd, &s->a->vm, ids, n, values) < 0) {
		status = EXIT_POLICY;
		goto out;
	}
	for (uint32_t i = 0, k = 0; i < a->nid_regs; i++)
		if (regs[i].listed) {
			regs[i].read = true;
			regs[i].guest = values[k++];
		}

	struct utsname u;
	struct arm64_verdict v;
	arm64_verify(&v, s->cfg, regs, fw, pins);
	v.kernel = uname(&u) == 0 ? u.release : NULL;
	if (o->json) {
		arm64_verdict_print_json(&v, stdout);
		warn_mismatches(v.mismatches);
	} else {
		print_policy_identity(s);
		printf("\nhost kernel %s: KVM accepted %u writes (%s); the guest read %zu ID registers\n\n",
		       v.kernel ? v.kernel : "?", s->rep.napplied,
		       s->a->plan->have_masks ? "writable masks" : "no writable masks", n);
		arm64_verdict_print_table(&v, o->all, stdout);
	}
	if (v.mismatches)
		status = EXIT_POLICY;
	if (o->save_state && status == EXIT_OK && arm64_save_state(s, state_out) < 0)
		status = EXIT_USAGE;
	arm64_verdict_free(&v);
out:
	free(regs);
	free(fw);
	free(pins);
	free(ids);
	free(values);
	return status;
}

/* Checks a saved vCPU state against the fleet on this host: a throwaway
 * vCPU initialised as a destination VMM would, the fleet planned on it,
 * then kfp_arm64_verify_state.  Nothing is written to the vCPU. */
static int arm64_verify_state(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	static struct arm64_state_file st;
	static uint8_t rules[KFP_MAX_REG_LIST];
	char err[512];
	const char *path = NULL;
	int status = session_start_files(&s, argc, argv, &o, "verify-state", &path);
	if (status != EXIT_OK)
		goto out;
	if (arm64_state_read(path, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "kfp: %s\n", err);
		status = EXIT_USAGE;
		goto out;
	}
	if ((status = arm64_session_vm(&s)) != EXIT_OK)
		goto out;
	int r = kfp_arm64_plan(s.cfg, s.a->vm.vm_fd, s.a->vm.vcpu_fd, s.a->plan, &s.rep);
	if (r < 0) {
		status = runtime_failed(&s, "verify-state", r);
		goto out;
	}
	kfp_report_init(&s.rep);
	struct kfp_arm64_state view = arm64_state_view(&st);
	r = kfp_arm64_verify_state(s.a->plan, s.a->vm.vcpu_fd, &view, rules, &s.rep);
	unsigned count[16] = { 0 };
	for (uint32_t i = 0; i < st.nregs; i++)
		count[rules[i] & 15]++;
	printf("%s: %u registers saved on kernel %s\n", path, st.nregs,
	       st.kernel[0] ? st.kernel : "?");
	for (unsigned k = 0; k < 16; k++)
		if (count[k])
			printf("  %-18s %u\n", kfp_state_rule_name((uint8_t)k), count[k]);
	for (uint32_t i = 0; i < st.nregs; i++)
		if (rules[i] != KFP_STATE_LISTED && rules[i] != KFP_STATE_REFUSED)
			printf("  safe to drop: 0x%016llx (%s)\n", (unsigned long long)st.regs[i].id,
			       kfp_state_rule_name(rules[i]));
	if (r == -EPERM) {
		fprintf(stderr, "kfp: verify-state: %s may not be loaded under fleet \"%s\" of policy \"%s\" on this host:\n",
			path, s.cfg->fleet, s.cfg->policy);
		print_report(&s.rep, stderr);
		status = EXIT_POLICY;
	} else if (r < 0) {
		status = runtime_failed(&s, "verify-state", r);
	} else {
		print_fits(&s, path, " on this host");
	}
out:
	return session_finish(&s, status);
}

const struct tool_arch tool_arch_arm64 = {
	.arch = KFP_ARCH_ARM64,
	.probe = probe_arm64,
	.session_init = arm64_session_init,
	.session_end = arm64_session_end,
	.session_open = arm64_session_open,
	.check = arm64_check,
	.apply = arm64_apply,
	.verify_state = arm64_verify_state,
	.restore_state = NULL,
};
