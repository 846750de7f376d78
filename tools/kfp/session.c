/* SPDX-License-Identifier: Apache-2.0 */
/* What every kfp command shares: options, usage errors and the session. */
#include "session.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "arch.h"
#include "compiler/catalog/catalog.h"
#include "compiler/pipeline.h"
#include "compiler/semantics/config.h"
#include "compiler/emitters/tables.h"
#include "kvm.h"

int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kfp: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'kfp --help'.\n", stderr);
	return EXIT_USAGE;
}

int parse_opts(int argc, char **argv, struct opts *o)
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

void session_init(struct session *s)
{
	s->kvm_fd = -1;
	kfp_ctx_init(&s->ctx);
	s->ctx.prog = "kfp";
	kfp_report_init(&s->rep);
	s->arch = tool_host_arch();
	if (s->arch)
		s->arch->session_init(s);
}

void session_end(struct session *s)
{
	if (s->arch && s->a)
		s->arch->session_end(s);
	if (s->kvm_fd >= 0)
		close(s->kvm_fd);
	kfp_config_free(s->cfg);
	kfp_policy_free(s->pol);
	kfp_unit_free(s->unit);
	kfp_catalog_free(s->cat);
	kfp_ctx_fini(&s->ctx);
}

int compile_policy(struct session *s, const char *path, const struct opts *o)
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

int pick_fleet(struct session *s, const struct opts *o)
{
	const struct kfp_policy *pol = s->pol;
	const char *arch = kfp_arch_name(s->arch->arch);
	if (o->fleet) {
		s->fl = kfp_policy_fleet(pol, o->fleet);
		if (!s->fl)
			return usage_error("policy \"%s\" has no fleet \"%s\"", pol->name, o->fleet);
		if (s->fl->arch != s->arch->arch)
			return usage_error("fleet \"%s\" is %s; this kfp applies %s fleets only",
					   o->fleet, kfp_arch_name(s->fl->arch), arch);
		return EXIT_OK;
	}
	size_t nmine = 0;
	for (size_t i = 0; i < pol->nfleets; i++)
		if (pol->fleets[i].arch == s->arch->arch) {
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

void print_identity(const uint8_t id[16], FILE *out)
{
	for (int i = 0; i < 16; i++)
		fprintf(out, "%02x", id[i]);
}

void print_report(const struct kfp_report *rep, FILE *out)
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
int runtime_failed(const struct session *s, const char *what, int r)
{
	fprintf(stderr, "kfp: %s: this host cannot run fleet \"%s\" of policy \"%s\" as written (%s):\n",
		what, s->cfg->fleet, s->cfg->policy, strerror(-r));
	print_report(&s->rep, stderr);
	return EXIT_POLICY;
}

int session_args(struct session *s, int argc, char **argv, struct opts *o, int min, int max,
		 const char *cmd, const char *takes)
{
	session_init(s);
	int first = parse_opts(argc, argv, o);
	if (first < 0)
		return -1;
	if (argc - first < min || argc - first > max) {
		usage_error("%s takes %s", cmd, takes);
		return -1;
	}
	return first;
}

int session_policy(struct session *s, const char *path, const struct opts *o)
{
	int status = compile_policy(s, path, o);
	if (status != EXIT_OK)
		return status;
	return pick_fleet(s, o);
}

int session_finish(struct session *s, int status)
{
	session_end(s);
	if (fflush(stdout) != 0 && status == EXIT_OK)
		status = EXIT_USAGE;
	return status;
}

int session_start_files(struct session *s, int argc, char **argv, struct opts *o,
			const char *cmd, const char **second)
{
	int nfiles = second ? 2 : 1;
	int first = session_args(s, argc, argv, o, nfiles, nfiles, cmd,
				 second ? "a policy file and a state file" : "one policy file");
	if (first < 0)
		return EXIT_USAGE;
	if (second)
		*second = argv[first + 1];
	if (!s->arch) {
		fprintf(stderr, "kfp: %s: this architecture is not supported (x86_64 and arm64 only)\n", cmd);
		return EXIT_USAGE;
	}
	int status = session_policy(s, argv[first], o);
	if (status != EXIT_OK)
		return status;
	s->cfg = kfp_build_config(s->pol, s->fl);
	s->kvm_fd = kvm_open();
	if (s->kvm_fd < 0)
		return EXIT_USAGE;
	return s->arch->session_open(s);
}

int session_start(struct session *s, int argc, char **argv, struct opts *o, const char *cmd)
{
	return session_start_files(s, argc, argv, o, cmd, NULL);
}

void print_ok(const struct session *s)
{
	printf("OK: this host can run fleet \"%s\" of policy \"%s\" (identity ", s->cfg->fleet,
	       s->cfg->policy);
	print_identity(s->cfg->id, stdout);
	puts(")");
}

void print_fits(const struct session *s, const char *path, const char *where)
{
	printf("OK: %s fits fleet \"%s\" of policy \"%s\"%s (identity ", path, s->cfg->fleet,
	       s->cfg->policy, where);
	print_identity(s->cfg->id, stdout);
	puts(")");
}

void print_policy_identity(const struct session *s)
{
	printf("policy \"%s\" version %llu, fleet \"%s\", identity ", s->cfg->policy,
	       (unsigned long long)s->cfg->policy_version, s->cfg->fleet);
	print_identity(s->cfg->id, stdout);
}

void warn_mismatches(unsigned mismatches)
{
	if (mismatches)
		fprintf(stderr, "kfp: the guest does not see what the policy says: %u mismatches\n",
			mismatches);
}
