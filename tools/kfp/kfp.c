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
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <kfp/kfp.h>

#include "compiler/catalog/catalog.h"
#include "tools/cli.h"
#include "compiler/semantics/config.h"
#include "base/ctx.h"
#include "kvm.h"
#include "tools/output.h"
#include "probe.h"
#include "compiler/profiles/profile.h"
#include "state.h"
#include "compiler/pipeline.h"
#include "compiler/emitters/tables.h"
#include "base/util.h"
#if defined(__x86_64__)
#include "guest.h"
#include "restore.h"
#include "verify.h"
#elif defined(__aarch64__)
#include "arm64.h"
#include "state_arm64.h"
#include "verify_arm64.h"
#endif

/* The fleets this kfp applies: the host's architecture. */
#if defined(__x86_64__)
#define HOST_ARCH KFP_ARCH_X86_64
#elif defined(__aarch64__)
#define HOST_ARCH KFP_ARCH_ARM64
#endif

#ifndef KFP_VERSION
#define KFP_VERSION "0"
#endif

enum { EXIT_OK = 0, EXIT_POLICY = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
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

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kfp: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'kfp --help'.\n", stderr);
	return EXIT_USAGE;
}

struct opts {
	const char *fleet, *catalog, *out, *name, *save_state, *hosts;
	bool json, all;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_FLEET = 256, O_CATALOG, O_NAME, O_JSON, O_ALL, O_SAVE_STATE, O_HOSTS };
	static const struct option longopts[] = {
		{ "fleet", required_argument, NULL, O_FLEET },
		{ "catalog", required_argument, NULL, O_CATALOG },
		{ "name", required_argument, NULL, O_NAME },
		{ "json", no_argument, NULL, O_JSON },
		{ "all", no_argument, NULL, O_ALL },
		{ "save-state", required_argument, NULL, O_SAVE_STATE },
		{ "hosts", required_argument, NULL, O_HOSTS },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
		switch (c) {
		case O_FLEET: o->fleet = optarg; break;
		case O_CATALOG: o->catalog = optarg; break;
		case O_NAME: o->name = optarg; break;
		case O_JSON: o->json = true; break;
		case O_ALL: o->all = true; break;
		case O_SAVE_STATE: o->save_state = optarg; break;
		case O_HOSTS: o->hosts = optarg; break;
		case 'o': o->out = optarg; break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_OK);
		default:
			fputs("Try 'kfp --help'.\n", stderr);
			return -1;
		}
	}
	return optind;
}

/* ---- probe ------------------------------------------------------------ */

static int cmd_probe(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (first != argc)
		return usage_error("probe takes no file arguments (use -o FILE)");
#if !defined(HOST_ARCH)
	fprintf(stderr, "kfp: probe: this architecture is not supported (x86_64 and arm64 only)\n");
	return EXIT_USAGE;
#endif
	if (o.name && !*o.name)
		return usage_error("--name needs a non-empty name");
	int kvm_fd = kvm_open();
	if (kvm_fd < 0)
		return EXIT_USAGE;
	struct kfp_host_profile *p = probe_host(kvm_fd, o.name);
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

/* ---- check and apply -------------------------------------------------- */

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
#if defined(__x86_64__)
	int vm_fd, vcpu_fd;
	struct kfp_host *host;
	struct kfp_x86_plan *plan;
	struct guest_mem mem;
#elif defined(__aarch64__)
	struct arm64_vm vm;
	struct kfp_arm64_plan *plan;
#endif
};

static void session_end(struct session *s)
{
#if defined(__x86_64__)
	if (s->vcpu_fd >= 0)
		close(s->vcpu_fd);
	guest_teardown(&s->mem);
	if (s->vm_fd >= 0)
		close(s->vm_fd);
	free(s->host);
#elif defined(__aarch64__)
	arm64_vm_destroy(&s->vm);
#endif
	if (s->kvm_fd >= 0)
		close(s->kvm_fd);
	free(s->plan);
	kfp_config_free(s->cfg);
	kfp_policy_free(s->pol);
	kfp_unit_free(s->unit);
	kfp_catalog_free(s->cat);
	kfp_ctx_fini(&s->ctx);
}

static int compile_policy(struct session *s, const char *path, const struct opts *o)
{
	s->cat = kfp_catalog_load(&s->ctx, o->catalog ? o->catalog : kfp_catalog_default_dir());
	if (!s->cat) {
		kfp_diags_print(&s->ctx, stderr);
		return EXIT_USAGE;
	}
	struct kfp_compile_opts co = { .fleet = o->fleet, .hosts_dir = o->hosts };
	struct kfp_compiled c;
	bool ok = kfp_compile_file(&s->ctx, path, s->cat, &co, &c);
	s->unit = c.unit;
	s->pol = c.pol;
	kfp_diags_print(&s->ctx, stderr);
	if (!s->unit)
		return EXIT_USAGE;
	return ok ? EXIT_OK : EXIT_POLICY;
}

#if defined(HOST_ARCH)
/* The fleet to apply: --fleet, or the policy's only fleet of this host's
 * architecture. */
static int pick_fleet(struct session *s, const struct opts *o)
{
	const struct kfp_policy *pol = s->pol;
	const char *arch = kfp_arch_name(HOST_ARCH);
	if (o->fleet) {
		s->fl = kfp_policy_fleet(pol, o->fleet);
		if (!s->fl)
			return usage_error("policy \"%s\" has no fleet \"%s\"", pol->name, o->fleet);
		if (s->fl->arch != HOST_ARCH)
			return usage_error("fleet \"%s\" is %s; this kfp applies %s fleets only",
					   o->fleet, kfp_arch_name(s->fl->arch), arch);
		return EXIT_OK;
	}
	size_t nmine = 0;
	for (size_t i = 0; i < pol->nfleets; i++)
		if (pol->fleets[i].arch == HOST_ARCH) {
			nmine++;
			s->fl = &pol->fleets[i];
		}
	if (nmine == 1)
		return EXIT_OK;
	s->fl = NULL;
	fprintf(stderr, "kfp: policy \"%s\" has %s %s fleet; its fleets are:", pol->name,
		nmine ? "more than one" : "no", arch);
	for (size_t i = 0; i < pol->nfleets; i++)
		fprintf(stderr, "%s \"%s\" (%s)", i ? "," : "", pol->fleets[i].name,
			kfp_arch_name(pol->fleets[i].arch));
	fputs(nmine ? "\nkfp: choose one with --fleet NAME\n" : "\n", stderr);
	return EXIT_USAGE;
}
#endif

static void print_identity(const uint8_t id[16], FILE *out)
{
	for (int i = 0; i < 16; i++)
		fprintf(out, "%02x", id[i]);
}

static void print_report(const struct kfp_report *rep, FILE *out)
{
	char buf[512];
	for (uint32_t i = 0; i < rep->nitems; i++) {
		if (rep->items[i].status == KFP_ITEM_APPLIED)
			continue;
		kfp_report_item_format(&rep->items[i], buf, sizeof(buf));
		fprintf(out, "  %s (%s)\n", buf, kfp_item_status_name(rep->items[i].status));
	}
	if (rep->nlost)
		fprintf(out, "  ... and %u more\n", rep->nlost);
}

/* A runtime call failed: say why, naming every problem. */
static int runtime_failed(const struct session *s, const char *what, int r)
{
	fprintf(stderr, "kfp: %s: this host cannot run fleet \"%s\" of policy \"%s\" as written (%s):\n",
		what, s->cfg->fleet, s->cfg->policy, strerror(-r));
	print_report(&s->rep, stderr);
	return EXIT_POLICY;
}

/* Everything before the first write: compile, choose the fleet, build its
 * tables, open KVM (x86_64: and read what it offers).  With `second`, the
 * command takes a second file after the policy (verify-state's state). */
static int session_start_files(struct session *s, int argc, char **argv, struct opts *o,
			       const char *cmd, const char **second)
{
	s->kvm_fd = -1;
#if defined(__x86_64__)
	s->vm_fd = s->vcpu_fd = -1;
#elif defined(__aarch64__)
	s->vm = (struct arm64_vm){ .vm_fd = -1, .vcpu_fd = -1 };
#endif
	kfp_ctx_init(&s->ctx);
	s->ctx.prog = "kfp";
	kfp_report_init(&s->rep);
	int first = parse_opts(argc, argv, o);
	if (first < 0)
		return EXIT_USAGE;
	if (second && argc - first != 2)
		return usage_error("%s takes a policy file and a state file", cmd);
	if (!second && argc - first != 1)
		return usage_error("%s takes one policy file", cmd);
	if (second)
		*second = argv[first + 1];
#if !defined(HOST_ARCH)
	fprintf(stderr, "kfp: %s: this architecture is not supported (x86_64 and arm64 only)\n", cmd);
	return EXIT_USAGE;
#else
	int status = compile_policy(s, argv[first], o);
	if (status != EXIT_OK)
		return status;
	if ((status = pick_fleet(s, o)) != EXIT_OK)
		return status;
	s->cfg = kfp_build_config(s->pol, s->fl);
	s->kvm_fd = kvm_open();
	if (s->kvm_fd < 0)
		return EXIT_USAGE;
	s->plan = kfp_xcalloc(1, sizeof(*s->plan));
#if defined(__x86_64__)
	s->host = kfp_xcalloc(1, sizeof(*s->host));
	int r = kfp_host_init(s->host, s->kvm_fd);
	if (r < 0) {
		fprintf(stderr, "kfp: reading what this host's KVM offers: %s\n", strerror(-r));
		return EXIT_POLICY;
	}
#endif
	return EXIT_OK;
#endif
}

static int session_start(struct session *s, int argc, char **argv, struct opts *o,
			 const char *cmd)
{
	return session_start_files(s, argc, argv, o, cmd, NULL);
}

static void print_ok(const struct session *s)
{
	printf("OK: this host can run fleet \"%s\" of policy \"%s\" (identity ", s->cfg->fleet,
	       s->cfg->policy);
	print_identity(s->cfg->id, stdout);
	puts(")");
}

#if defined(__x86_64__)

static int cmd_check(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	int status = session_start(&s, argc, argv, &o, "check");
	if (status == EXIT_OK) {
		s.vm_fd = kvm_create_vm(s.kvm_fd);
		if (s.vm_fd < 0) {
			status = EXIT_POLICY;
		} else {
			int r = kfp_x86_plan(s.cfg, s.host, s.vm_fd, s.plan, &s.rep);
			if (r < 0)
				status = runtime_failed(&s, "check", r);
			else
				print_ok(&s);
		}
	}
	session_end(&s);
	return status;
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
	struct kvm_cpuid2 *cpuid = kvm_cpuid_table(s->vcpu_fd, kfp_plan_cpuid(s->plan)->nent);
	struct kvm_msrs *msrs = kfp_xcalloc(1, sizeof(*msrs) + KFP_MAX_PLAN_MSRS * sizeof(msrs->entries[0]));
	for (uint32_t i = 0; i < s->cfg->x86->nmsrs && i < KFP_MAX_PLAN_MSRS; i++)
		msrs->entries[msrs->nmsrs++].index = s->cfg->x86->msrs[i].index;
	int got = msrs->nmsrs ? kvm_ioctl_quiet(s->vcpu_fd, KVM_GET_MSRS, msrs) : 0;
	msrs->nmsrs = got > 0 ? (uint32_t)got : 0;
	struct kvm_xsave *xs = kfp_xcalloc(1, KFP_XSAVE_MAX);
	uint64_t xstate_bv = 0, xcomp_bv = 0;
	size_t xsize = s->plan->xsave_size > sizeof(*xs) ? s->plan->xsave_size : sizeof(*xs);
	int xr = xsize > sizeof(*xs) ? kvm_ioctl_quiet(s->vcpu_fd, KVM_GET_XSAVE2, xs)
				     : kvm_ioctl_quiet(s->vcpu_fd, KVM_GET_XSAVE, xs);
	if (xr == 0) {
		memcpy(&xstate_bv, (const uint8_t *)xs + 512, 8);
		memcpy(&xcomp_bv, (const uint8_t *)xs + 520, 8);
	}
	struct kvm_xcrs xcrs;
	memset(&xcrs, 0, sizeof(xcrs));
	if (kvm_ioctl_quiet(s->vcpu_fd, KVM_GET_XCRS, &xcrs) < 0)
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

static int cmd_apply(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	struct kfp_output state_out = { .fd = -1 };
	int status = session_start(&s, argc, argv, &o, "apply");
	if (status != EXIT_OK)
		goto out;
	/* Before any work: a state file that cannot be written fails now. */
	if (o.save_state && !kfp_output_open(&state_out, "kfp", o.save_state)) {
		status = EXIT_USAGE;
		goto out;
	}
	/* The AMX permission, if the policy allows AMX, must come before the
	 * process's first vCPU. */
	int r = kfp_prepare_process(s.cfg, &s.rep);
	if (r < 0) {
		status = runtime_failed(&s, "apply", r);
		goto out;
	}
	s.vm_fd = kvm_create_vm(s.kvm_fd);
	if (s.vm_fd < 0 || guest_setup(s.vm_fd, &s.mem) < 0) {
		status = EXIT_POLICY;
		goto out;
	}
	s.vcpu_fd = kvm_ioctl_val(s.vm_fd, KVM_CREATE_VCPU, 0);
	if (s.vcpu_fd < 0) {
		status = EXIT_POLICY;
		goto out;
	}
	r = kfp_x86_apply(s.cfg, s.host, s.vm_fd, s.vcpu_fd, s.plan, &s.rep);
	if (r < 0) {
		status = runtime_failed(&s, "apply", r);
		goto out;
	}

	const struct kvm_cpuid2 *planned = kfp_plan_cpuid(s.plan);
	struct kvm_cpuid2 *kvm_table = kvm_cpuid_table(s.vcpu_fd, planned->nent);
	size_t nq;
	struct guest_cpuid *q = verify_queries(s.cfg, planned, &nq);
	if (guest_run_cpuid(s.kvm_fd, s.vcpu_fd, &s.mem, q, nq) < 0) {
		free(q);
		free(kvm_table);
		status = EXIT_POLICY;
		goto out;
	}
	struct utsname u;
	struct verdict v;
	verify(&v, s.cfg, s.host, planned, kvm_table, q, nq);
	v.kernel = uname(&u) == 0 ? u.release : NULL;
	if (o.json) {
		verdict_print_json(&v, stdout);
		if (verdict_mismatches(&v))
			fprintf(stderr, "kfp: the guest does not see what the policy says: %u mismatches\n",
				verdict_mismatches(&v));
	} else {
		printf("policy \"%s\" version %llu, fleet \"%s\", identity ", s.cfg->policy,
		       (unsigned long long)s.cfg->policy_version, s.cfg->fleet);
		print_identity(s.cfg->id, stdout);
		printf("\nhost kernel %s: KVM accepted %u writes; the guest ran CPUID for %zu (leaf, subleaf) pairs\n\n",
		       v.kernel ? v.kernel : "?", s.rep.napplied, nq);
		verdict_print_table(&v, o.all, stdout);
	}
	if (verdict_mismatches(&v))
		status = EXIT_POLICY;
	if (o.save_state && status == EXIT_OK && save_state(&s, &state_out) < 0)
		status = EXIT_USAGE;
	verdict_free(&v);
	free(q);
	free(kvm_table);
out:
	kfp_output_discard(&state_out);
	session_end(&s);
	if (fflush(stdout) != 0 && status == EXIT_OK)
		status = EXIT_USAGE;
	return status;
}

#elif defined(__aarch64__)

/* What a migration source saves of the vCPU (apply --save-state): every
 * register KVM lists, with its value, and the policy identity. */
static int arm64_save_state(const struct session *s, struct kfp_output *out)
{
	static uint8_t values[KFP_MAX_REG_LIST][ARM64_STATE_REG_BYTES];
	const struct kfp_arm64_plan *plan = s->plan;
	for (uint64_t i = 0; i < plan->nregs; i++) {
		struct kvm_one_reg one = { .id = plan->regs[i], .addr = (uint64_t)(uintptr_t)values[i] };
		if ((plan->regs[i] & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT > 8 ||
		    kvm_ioctl(s->vm.vcpu_fd, KVM_GET_ONE_REG, &one) < 0) {
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
	return arm64_vm_create(s->kvm_fd, s->cfg, features, &s->vm) < 0 ? EXIT_POLICY : EXIT_OK;
}

static int cmd_check(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	int status = session_start(&s, argc, argv, &o, "check");
	if (status == EXIT_OK)
		status = arm64_session_vm(&s);
	if (status == EXIT_OK) {
		int r = kfp_arm64_plan(s.cfg, s.vm.vm_fd, s.vm.vcpu_fd, s.plan, &s.rep);
		if (r < 0)
			status = runtime_failed(&s, "check", r);
		else
			print_ok(&s);
	}
	session_end(&s);
	return status;
}

static int cmd_apply(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	struct arm64_observed_reg *regs = NULL;
	struct arm64_observed_fw *fw = NULL, *pins = NULL;
	uint64_t *ids = NULL, *values = NULL;
	struct kfp_output state_out = { .fd = -1 };
	int status = session_start(&s, argc, argv, &o, "apply");
	/* Before any work: a state file that cannot be written fails now. */
	if (status == EXIT_OK && o.save_state && !kfp_output_open(&state_out, "kfp", o.save_state))
		status = EXIT_USAGE;
	if (status == EXIT_OK)
		status = arm64_session_vm(&s);
	if (status != EXIT_OK)
		goto out;
	const struct kfp_arm64_config *a = s.cfg->arm64;
	regs = kfp_xcalloc(a->nid_regs + 1, sizeof(*regs));
	fw = kfp_xcalloc(a->nfw_regs + 1, sizeof(*fw));
	pins = kfp_xcalloc(a->npins + 1, sizeof(*pins));
	/* What this host's KVM gives a new VM, before the apply. */
	if (arm64_read_config_regs(&s.vm, s.cfg, 0, regs, fw, pins) < 0) {
		status = EXIT_POLICY;
		goto out;
	}
	int r = kfp_arm64_apply(s.cfg, s.vm.vm_fd, s.vm.vcpu_fd, s.plan, &s.rep);
	if (r < 0) {
		status = runtime_failed(&s, "apply", r);
		goto out;
	}
	if (arm64_vm_finish(&s.vm, kfp_arm64_vcpu_features(s.cfg)) < 0 ||
	    arm64_read_config_regs(&s.vm, s.cfg, 1, regs, fw, pins) < 0) {
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
	if (arm64_guest_read(s.kvm_fd, &s.vm, ids, n, values) < 0) {
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
	arm64_verify(&v, s.cfg, regs, fw, pins);
	v.kernel = uname(&u) == 0 ? u.release : NULL;
	if (o.json) {
		arm64_verdict_print_json(&v, stdout);
		if (v.mismatches)
			fprintf(stderr, "kfp: the guest does not see what the policy says: %u mismatches\n",
				v.mismatches);
	} else {
		printf("policy \"%s\" version %llu, fleet \"%s\", identity ", s.cfg->policy,
		       (unsigned long long)s.cfg->policy_version, s.cfg->fleet);
		print_identity(s.cfg->id, stdout);
		printf("\nhost kernel %s: KVM accepted %u writes (%s); the guest read %zu ID registers\n\n",
		       v.kernel ? v.kernel : "?", s.rep.napplied,
		       s.plan->have_masks ? "writable masks" : "no writable masks", n);
		arm64_verdict_print_table(&v, o.all, stdout);
	}
	if (v.mismatches)
		status = EXIT_POLICY;
	if (o.save_state && status == EXIT_OK && arm64_save_state(&s, &state_out) < 0)
		status = EXIT_USAGE;
	arm64_verdict_free(&v);
out:
	kfp_output_discard(&state_out);
	free(regs);
	free(fw);
	free(pins);
	free(ids);
	free(values);
	session_end(&s);
	if (fflush(stdout) != 0 && status == EXIT_OK)
		status = EXIT_USAGE;
	return status;
}

#else

static int cmd_check(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	int status = session_start(&s, argc, argv, &o, "check");
	session_end(&s);
	return status;
}

static int cmd_apply(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	int status = session_start(&s, argc, argv, &o, "apply");
	session_end(&s);
	return status;
}

#endif

#if defined(__x86_64__)
/* Checks a saved vCPU state against a fleet before a destination loads it.
 * Reads no KVM: the destination decides before it creates the vCPU. */
static int cmd_verify_state(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { .kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	kfp_ctx_init(&s.ctx);
	s.ctx.prog = "kfp";
	kfp_report_init(&s.rep);
	int first = parse_opts(argc, argv, &o);
	int status = EXIT_USAGE;
	static struct state_file st;
	char err[512];
	if (first < 0)
		goto out;
	if (argc - first != 2) {
		status = usage_error("verify-state takes a policy file and a state file");
		goto out;
	}
	if ((status = compile_policy(&s, argv[first], &o)) != EXIT_OK ||
	    (status = pick_fleet(&s, &o)) != EXIT_OK)
		goto out;
	s.cfg = kfp_build_config(s.pol, s.fl);
	if (state_read(argv[first + 1], &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "kfp: %s\n", err);
		status = EXIT_USAGE;
		goto out;
	}
	struct kfp_x86_state view = state_view(&st);
	int r = kfp_x86_verify_state(s.cfg, &view, &s.rep);
	if (r < 0) {
		fprintf(stderr, "kfp: verify-state: %s may not be loaded under fleet \"%s\" of policy \"%s\":\n",
			argv[first + 1], s.cfg->fleet, s.cfg->policy);
		print_report(&s.rep, stderr);
		status = EXIT_POLICY;
	} else {
		printf("OK: %s fits fleet \"%s\" of policy \"%s\" (identity ", argv[first + 1],
		       s.cfg->fleet, s.cfg->policy);
		print_identity(s.cfg->id, stdout);
		puts(")");
	}
out:
	session_end(&s);
	return status;
}
#endif

#if defined(__aarch64__)
/* Checks a saved vCPU state against the fleet on this host: a throwaway
 * vCPU initialised as a destination VMM would, the fleet planned on it,
 * then kfp_arm64_verify_state.  Nothing is written to the vCPU. */
static int cmd_verify_state(int argc, char **argv)
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
	int r = kfp_arm64_plan(s.cfg, s.vm.vm_fd, s.vm.vcpu_fd, s.plan, &s.rep);
	if (r < 0) {
		status = runtime_failed(&s, "verify-state", r);
		goto out;
	}
	kfp_report_init(&s.rep);
	struct kfp_arm64_state view = arm64_state_view(&st);
	r = kfp_arm64_verify_state(s.plan, s.vm.vcpu_fd, &view, rules, &s.rep);
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
		printf("OK: %s fits fleet \"%s\" of policy \"%s\" on this host (identity ", path,
		       s.cfg->fleet, s.cfg->policy);
		print_identity(s.cfg->id, stdout);
		puts(")");
	}
out:
	session_end(&s);
	if (fflush(stdout) != 0 && status == EXIT_OK)
		status = EXIT_USAGE;
	return status;
}
#endif

#if defined(__x86_64__)
/* Loads a saved vCPU state on this host, whole or not at all. */
static int cmd_restore_state(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { .kvm_fd = -1, .vm_fd = -1, .vcpu_fd = -1 };
	kfp_ctx_init(&s.ctx);
	s.ctx.prog = "kfp";
	kfp_report_init(&s.rep);
	int first = parse_opts(argc, argv, &o);
	int status = EXIT_USAGE;
	static struct state_file st;
	char err[512];
	struct utsname u;
	const char *kernel = uname(&u) == 0 ? u.release : "?";
	if (first < 0)
		goto out;
	if (argc - first != 1 && argc - first != 2) {
		status = usage_error("restore-state takes a state file and, optionally, a policy file");
		goto out;
	}
	const char *path = argv[first];
	if (state_read(path, &st, err, sizeof(err)) < 0) {
		fprintf(stderr, "kfp: %s\n", err);
		goto out;
	}
	if (!st.xsave_size || !st.nxcrs) {
		fprintf(stderr, "kfp: %s has no xsave-size, xsave-data or xcr lines: it can be verified, not loaded\n", path);
		goto out;
	}
	if (argc - first == 2) {
		if ((status = compile_policy(&s, argv[first + 1], &o)) != EXIT_OK ||
		    (status = pick_fleet(&s, &o)) != EXIT_OK)
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
	s.host = kfp_xcalloc(1, sizeof(*s.host));
	int r = kfp_host_init(s.host, s.kvm_fd);
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
	unsigned host_problems = mem ? restore_host_problems(&st, s.host, s.cat, kernel, mem) : 0;
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
	status = restore_load(s.kvm_fd, &st, s.host, stdout) == 0 ? EXIT_OK : EXIT_POLICY;
out:
	session_end(&s);
	if (fflush(stdout) != 0 && status == EXIT_OK)
		status = EXIT_USAGE;
	return status;
}
#endif

static const struct kfp_cli_command commands[] = {
	{ "probe", cmd_probe },
	{ "check", cmd_check },
	{ "apply", cmd_apply },
#if defined(__x86_64__) || defined(__aarch64__)
	{ "verify-state", cmd_verify_state },
#endif
#if defined(__x86_64__)
	{ "restore-state", cmd_restore_state },
#endif
};

int main(int argc, char **argv)
{
	return kfp_cli_main("kfp", KFP_VERSION, usage_text, commands,
			    sizeof(commands) / sizeof(commands[0]), argc, argv);
}
