/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfp: the kfp runtime on the command line.  `probe` writes this host's
 * profile for the compiler; `check` and `apply` compile a policy, build the
 * fleet's tables in memory (the same tables `kfpc compile` emits) and hand
 * them to the runtime library on this host's KVM.  `apply` then runs a tiny
 * guest that reads its CPUID back, so what is compared with the policy is
 * what a guest really sees.
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

#include "catalog.h"
#include "config.h"
#include "ctx.h"
#include "guest.h"
#include "kvm.h"
#include "parse.h"
#include "probe.h"
#include "profile.h"
#include "structure.h"
#include "tables.h"
#include "util.h"
#include "verify.h"

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
	"                                 guest that reads its CPUID, and compare every\n"
	"                                 feature with the policy\n"
	"\n"
	"Options:\n"
	"  --fleet NAME        the fleet (default: the policy's only x86_64 fleet)\n"
	"  --all               apply: list every feature, not only the exposed and the\n"
	"                      mentioned ones\n"
	"  --json              apply: print a JSON document with every feature\n"
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
	const char *fleet, *catalog, *out, *name;
	bool json, all;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_FLEET = 256, O_CATALOG, O_NAME, O_JSON, O_ALL };
	static const struct option longopts[] = {
		{ "fleet", required_argument, NULL, O_FLEET },
		{ "catalog", required_argument, NULL, O_CATALOG },
		{ "name", required_argument, NULL, O_NAME },
		{ "json", no_argument, NULL, O_JSON },
		{ "all", no_argument, NULL, O_ALL },
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
#if !defined(__x86_64__)
	fprintf(stderr, "kfp: probe: this architecture is not supported yet (x86_64 only)\n");
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

	/* Through a temporary file, so that a failed run leaves no half
	 * profile behind. */
	int status = EXIT_OK;
	FILE *out = stdout;
	char *tmp = NULL;
	if (o.out && strcmp(o.out, "-")) {
		tmp = kfp_xasprintf("%s.tmp.%d", o.out, (int)getpid());
		out = fopen(tmp, "w");
		if (!out) {
			fprintf(stderr, "kfp: cannot write %s: %s\n", tmp, strerror(errno));
			free(tmp);
			kfp_profile_free(p);
			return EXIT_USAGE;
		}
	}
	int r = kfp_profile_write(p, out);
	if (r < 0) {
		fprintf(stderr, "kfp: cannot write the profile: %s\n", strerror(-r));
		status = r == -EINVAL ? EXIT_POLICY : EXIT_USAGE;
	}
	if (out != stdout) {
		bool ok = status == EXIT_OK && !ferror(out);
		ok &= fclose(out) == 0;
		if (ok && rename(tmp, o.out) != 0)
			ok = false;
		if (!ok) {
			if (status == EXIT_OK) {
				fprintf(stderr, "kfp: cannot write %s: %s\n", o.out, strerror(errno));
				status = EXIT_USAGE;
			}
			unlink(tmp);
		}
		free(tmp);
	} else if (fflush(stdout) != 0) {
		status = EXIT_USAGE;
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
	int kvm_fd, vm_fd, vcpu_fd;
	struct kfp_host *host;
	struct kfp_x86_plan *plan;
	struct kfp_report rep;
	struct guest_mem mem;
};

static void session_end(struct session *s)
{
	if (s->vcpu_fd >= 0)
		close(s->vcpu_fd);
	guest_teardown(&s->mem);
	if (s->vm_fd >= 0)
		close(s->vm_fd);
	if (s->kvm_fd >= 0)
		close(s->kvm_fd);
	free(s->plan);
	free(s->host);
	kfp_config_free(s->cfg);
	kfp_policy_free(s->pol);
	kfp_unit_free(s->unit);
	kfp_catalog_free(s->cat);
	kfp_ctx_fini(&s->ctx);
}

static int compile_policy(struct session *s, const char *path, const struct opts *o)
{
	char *err = NULL;
	s->cat = kfp_catalog_load(o->catalog ? o->catalog : kfp_catalog_default_dir(), &err);
	if (!s->cat) {
		fprintf(stderr, "kfp: %s\n", err);
		free(err);
		return EXIT_USAGE;
	}
	s->unit = kfp_load(&s->ctx, path);
	if (!s->unit) {
		kfp_diags_print(&s->ctx, stderr);
		return EXIT_USAGE;
	}
	int status = EXIT_OK;
	if (s->ctx.errors || kfp_check_structure(&s->ctx, s->unit)) {
		status = EXIT_POLICY;
	} else {
		struct kfp_compile_opts co = { .fleet = o->fleet };
		s->pol = kfp_compile(&s->ctx, s->unit, s->cat, &co);
		if (s->ctx.errors)
			status = EXIT_POLICY;
	}
	kfp_diags_print(&s->ctx, stderr);
	return status;
}

/* The fleet to apply: --fleet, or the policy's only x86_64 fleet. */
static int pick_fleet(struct session *s, const struct opts *o)
{
	const struct kfp_policy *pol = s->pol;
	if (o->fleet) {
		s->fl = kfp_policy_fleet(pol, o->fleet);
		if (!s->fl)
			return usage_error("policy \"%s\" has no fleet \"%s\"", pol->name, o->fleet);
		if (s->fl->arch != KFP_ARCH_X86_64)
			return usage_error("fleet \"%s\" is %s; this kfp applies x86_64 fleets only",
					   o->fleet, kfp_arch_name(s->fl->arch));
		return EXIT_OK;
	}
	size_t nx86 = 0;
	for (size_t i = 0; i < pol->nfleets; i++)
		if (pol->fleets[i].arch == KFP_ARCH_X86_64) {
			nx86++;
			s->fl = &pol->fleets[i];
		}
	if (nx86 == 1)
		return EXIT_OK;
	s->fl = NULL;
	fprintf(stderr, "kfp: policy \"%s\" has %s x86_64 fleet; its fleets are:", pol->name,
		nx86 ? "more than one" : "no");
	for (size_t i = 0; i < pol->nfleets; i++)
		fprintf(stderr, "%s \"%s\" (%s)", i ? "," : "", pol->fleets[i].name,
			kfp_arch_name(pol->fleets[i].arch));
	fputs(nx86 ? "\nkfp: choose one with --fleet NAME\n" : "\n", stderr);
	return EXIT_USAGE;
}

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
 * tables, read this host's KVM. */
static int session_start(struct session *s, int argc, char **argv, struct opts *o,
			 const char *cmd)
{
	s->kvm_fd = s->vm_fd = s->vcpu_fd = -1;
	kfp_ctx_init(&s->ctx);
	s->ctx.prog = "kfp";
	kfp_report_init(&s->rep);
	int first = parse_opts(argc, argv, o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error("%s takes one policy file", cmd);
#if !defined(__x86_64__)
	fprintf(stderr, "kfp: %s: this architecture is not supported yet (x86_64 only)\n", cmd);
	return EXIT_USAGE;
#endif
	int status = compile_policy(s, argv[first], o);
	if (status != EXIT_OK)
		return status;
	if ((status = pick_fleet(s, o)) != EXIT_OK)
		return status;
	s->cfg = kfp_build_config(s->pol, s->fl);
	s->kvm_fd = kvm_open();
	if (s->kvm_fd < 0)
		return EXIT_USAGE;
	s->host = kfp_xcalloc(1, sizeof(*s->host));
	int r = kfp_host_init(s->host, s->kvm_fd);
	if (r < 0) {
		fprintf(stderr, "kfp: reading what this host's KVM offers: %s\n", strerror(-r));
		return EXIT_POLICY;
	}
	s->plan = kfp_xcalloc(1, sizeof(*s->plan));
	return EXIT_OK;
}

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
			if (r < 0) {
				status = runtime_failed(&s, "check", r);
			} else {
				printf("OK: this host can run fleet \"%s\" of policy \"%s\" (identity ",
				       s.cfg->fleet, s.cfg->policy);
				print_identity(s.cfg->id, stdout);
				puts(")");
			}
		}
	}
	session_end(&s);
	return status;
}

/* KVM's copy of the vCPU's CPUID table after the commit, to tell "KVM
 * changed the table" from "the guest saw something else".  NULL if KVM
 * will not say. */
static struct kvm_cpuid2 *kvm_cpuid_table(int vcpu_fd)
{
	struct kvm_cpuid2 *t = kfp_xcalloc(1, sizeof(*t) + KFP_MAX_CPUID_ENTRIES * sizeof(t->entries[0]));
	t->nent = KFP_MAX_CPUID_ENTRIES;
	if (kvm_ioctl_quiet(vcpu_fd, KVM_GET_CPUID2, t) < 0) {
		free(t);
		return NULL;
	}
	return t;
}

static int cmd_apply(int argc, char **argv)
{
	struct opts o = { 0 };
	struct session s = { 0 };
	int status = session_start(&s, argc, argv, &o, "apply");
	if (status != EXIT_OK)
		goto out;
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
	struct kvm_cpuid2 *kvm_table = kvm_cpuid_table(s.vcpu_fd);
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
	verdict_free(&v);
	free(q);
	free(kvm_table);
out:
	session_end(&s);
	if (fflush(stdout) != 0 && status == EXIT_OK)
		status = EXIT_USAGE;
	return status;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "probe", cmd_probe },
	{ "check", cmd_check },
	{ "apply", cmd_apply },
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("missing command");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("kfp %s\n", KFP_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);

	const char *names[NCOMMANDS];
	for (size_t i = 0; i < NCOMMANDS; i++)
		names[i] = commands[i].name;
	const char *s = kfp_suggest(argv[1], names, NCOMMANDS);
	fprintf(stderr, "kfp: unknown command '%s'", argv[1]);
	if (s)
		fprintf(stderr, "; did you mean '%s'?", s);
	fputs("\nTry 'kfp --help'.\n", stderr);
	return EXIT_USAGE;
}
