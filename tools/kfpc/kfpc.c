/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfpc: the kfp policy compiler.  Each command runs one pipeline: load the
 * policy (with its includes), check its structure, resolve it against the
 * catalog and the fleets' host profiles, then print or emit.  Diagnostics
 * are queued and printed once; nothing is written if any error was queued.
 *
 * Exit status: 0 clean, 1 the policy has errors (or, for diff, the fleets
 * differ), 2 usage or I/O error.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <glob.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler/catalog/catalog.h"
#include "tools/cli.h"
#include "compiler/semantics/config.h"
#include "base/ctx.h"
#include "compiler/emitters/emit.h"
#include "grammar/fmt.h"
#include "compiler/importers/fingerprint.h"
#include "compiler/importers/import_fc.h"
#include "compiler/pipeline.h"
#include "tools/output.h"
#include "grammar/parse.h"
#include "compiler/profiles/profile.h"
#include "compiler/emitters/report.h"
#include "base/util.h"

#ifndef KFP_VERSION
#define KFP_VERSION "0"
#endif

enum { EXIT_CLEAN = 0, EXIT_POLICY = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
	"usage: kfpc COMMAND [OPTIONS] ARGS...\n"
	"\n"
	"Compiles kfp policies (.kfp) into the tables the kfp runtime applies to KVM.\n"
	"\n"
	"Commands:\n"
	"  check FILE...                  parse and check policies against the catalog\n"
	"                                 and their fleets' host profiles\n"
	"  compile POLICY -o OUT.c --header OUT.h [--depfile OUT.d]\n"
	"                                 emit C tables (kfp/table.h), one config per fleet\n"
	"  compile POLICY --format firecracker|qemu|libvirt [--fleet NAME] -o OUT\n"
	"                                 one fleet as a Firecracker CPU template, a QEMU\n"
	"                                 -cpu argument or a libvirt <cpu> element\n"
	"  dump POLICY                    print each fleet's resolved configuration\n"
	"  explain POLICY FEATURE         why FEATURE (a feature name or REG.FIELD) is\n"
	"                                 on or off, with the lines, hosts and kernel rules\n"
	"  diff OLD.kfp NEW.kfp           per fleet: features added and removed, and\n"
	"                                 whether VMs can move between them\n"
	"  fmt [--check] FILE             print FILE in canonical form (comments kept);\n"
	"                                 with --check, exit 1 if it is not canonical\n"
	"  catalog [--arch A] [--format md|yaml]\n"
	"                                 print the feature catalog (md: the kernel matrix)\n"
	"  import-fingerprint FILE.json [-o OUT.yaml] [--name HOST]\n"
	"                                 turn a Firecracker cpu-template-helper\n"
	"                                 fingerprint into a host profile\n"
	"  import-firecracker TEMPLATE.json -o POLICY.kfp [--name NAME] [--min-kernel V]\n"
	"                                 turn a Firecracker CPU template into a policy\n"
	"\n"
	"Options:\n"
	"  --fleet NAME        only this fleet\n"
	"  --hosts DIR         use the host profiles DIR/*.yaml instead of the fleets'\n"
	"                      'hosts' lines\n"
	"  --catalog DIR       read the catalog from DIR (default: $KFP_CATALOG, else\n"
	"                      the installed one)\n"
	"  --max-errors N      stop after N errors (default 20)\n"
	"  --depfile FILE      compile: also write a Make-style depfile naming every\n"
	"                      policy file and host profile read (for build systems)\n"
	"  -h, --help          show this help\n"
	"  -V, --version       show the version\n"
	"\n"
	"Exit status: 0 clean, 1 the policy has errors (diff: the fleets differ),\n"
	"2 usage or I/O error.  The language is described in kfp(5) and\n"
	"docs/language.md.\n";

/* A diagnostics queue whose place-less diagnostics say they are kfpc's. */
static void kfpc_ctx_init(struct kfp_ctx *ctx)
{
	kfp_ctx_init(ctx);
	ctx->prog = "kfpc";
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("kfpc: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'kfpc --help'.\n", stderr);
	return EXIT_USAGE;
}

struct opts {
	unsigned max_errors;
	bool check_only;
	const char *fleet, *hosts, *catalog, *out, *header, *arch, *format, *name;
	const char *min_kernel;
	const char *depfile;
};

static int parse_opts(int argc, char **argv, struct opts *o)
{
	enum { O_MAX = 256, O_CHECK, O_FLEET, O_HOSTS, O_CATALOG, O_HEADER, O_ARCH,
	       O_FORMAT, O_NAME, O_MIN_KERNEL, O_DEPFILE };
	static const struct option longopts[] = {
		{ "max-errors", required_argument, NULL, O_MAX },
		{ "check", no_argument, NULL, O_CHECK },
		{ "fleet", required_argument, NULL, O_FLEET },
		{ "hosts", required_argument, NULL, O_HOSTS },
		{ "catalog", required_argument, NULL, O_CATALOG },
		{ "header", required_argument, NULL, O_HEADER },
		{ "arch", required_argument, NULL, O_ARCH },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "name", required_argument, NULL, O_NAME },
		{ "min-kernel", required_argument, NULL, O_MIN_KERNEL },
		{ "depfile", required_argument, NULL, O_DEPFILE },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "ho:V", longopts, NULL)) != -1) {
		switch (c) {
		case O_MAX: {
			char *end;
			unsigned long v = strtoul(optarg, &end, 10);
			if (*end || v == 0 || v > 10000) {
				usage_error("--max-errors needs a number from 1 to 10000, not '%s'",
					    optarg);
				return -1;
			}
			o->max_errors = (unsigned)v;
			break;
		}
		case O_CHECK: o->check_only = true; break;
		case O_FLEET: o->fleet = optarg; break;
		case O_HOSTS: o->hosts = optarg; break;
		case O_CATALOG: o->catalog = optarg; break;
		case O_HEADER: o->header = optarg; break;
		case O_ARCH: o->arch = optarg; break;
		case O_FORMAT: o->format = optarg; break;
		case O_NAME: o->name = optarg; break;
		case O_MIN_KERNEL: o->min_kernel = optarg; break;
		case O_DEPFILE: o->depfile = optarg; break;
		case 'o': o->out = optarg; break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_CLEAN);
		case 'V':
			printf("kfpc %s\n", KFP_VERSION);
			exit(EXIT_CLEAN);
		default:
			fputs("Try 'kfpc --help'.\n", stderr);
			return -1;
		}
	}
	return optind;
}

static struct kfp_catalog *load_catalog(const struct opts *o)
{
	struct kfp_ctx ctx;
	kfpc_ctx_init(&ctx);
	const char *dir = o->catalog ? o->catalog : kfp_catalog_default_dir();
	struct kfp_catalog *cat = kfp_catalog_load(&ctx, dir);
	kfp_diags_print(&ctx, stderr);
	kfp_ctx_fini(&ctx);
	return cat;
}

/* The front half of every policy command: load, check, resolve (see
 * compiler/pipeline.h).  Returns how it went as an exit status; the
 * diagnostics are printed by session_end(). */
struct session {
	struct kfp_ctx ctx;
	struct kfp_compiled c;
};

static int compile_policy(struct session *s, const char *path, const struct opts *o,
			  const struct kfp_catalog *cat)
{
	kfpc_ctx_init(&s->ctx);
	if (o->max_errors)
		s->ctx.max_errors = o->max_errors;
	struct kfp_compile_opts co = { .fleet = o->fleet, .hosts_dir = o->hosts };
	if (kfp_compile_file(&s->ctx, path, cat, &co, &s->c))
		return EXIT_CLEAN;
	return s->c.unit ? EXIT_POLICY : EXIT_USAGE;
}

static void session_end(struct session *s)
{
	kfp_diags_print(&s->ctx, stderr);
	kfp_compiled_free(&s->c);
	kfp_ctx_fini(&s->ctx);
}

static int cmd_check(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (first >= argc)
		return usage_error("check needs at least one policy file");
	struct kfp_catalog *cat = load_catalog(&o);
	if (!cat)
		return EXIT_USAGE;
	int status = EXIT_CLEAN;
	for (int i = first; i < argc; i++) {
		struct session s = { 0 };
		int st = compile_policy(&s, argv[i], &o, cat);
		session_end(&s);
		if (st > status)
			status = st;
	}
	kfp_catalog_free(cat);
	return status;
}

/* Opens the n files a command writes together (see kfp_output_commit);
 * NULL paths are standard output. */
static bool open_outputs(struct kfp_output *outs, const char *const *paths, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!kfp_output_open(&outs[i], "kfpc", paths[i])) {
			while (i--)
				kfp_output_discard(&outs[i]);
			return false;
		}
	return true;
}

/* ---- --depfile: the files a build system must watch ---- */

struct deps {
	char **v;
	size_t n, cap;
};

/* Adds path, made absolute (the depfile must not depend on the directory
 * the build runs kfpc in), unless it is there already. */
static void dep_add(struct deps *d, const char *path)
{
	char *abs = realpath(path, NULL);
	if (!abs)
		abs = kfp_xstrdup(path);
	for (size_t i = 0; i < d->n; i++)
		if (!strcmp(d->v[i], abs)) {
			free(abs);
			return;
		}
	KFP_VEC_PUSH(d->v, d->n, d->cap, abs);
}

/* The host profiles a glob matches, and its directory, so that adding or
 * removing a profile counts as a change too. */
static void dep_add_glob(struct deps *d, const char *pat)
{
	glob_t g;
	if (glob(pat, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++)
			dep_add(d, g.gl_pathv[i]);
		globfree(&g);
	}
	const char *slash = strrchr(pat, '/');
	char *dir = !slash ? kfp_xstrdup(".") : slash == pat ? kfp_xstrdup("/")
				: kfp_xstrndup(pat, (size_t)(slash - pat));
	if (!strpbrk(dir, "*?["))
		dep_add(d, dir);
	free(dir);
}

static void dep_print(const char *path, FILE *out)
{
	for (const char *p = path; *p; p++) {
		if (*p == ' ' || *p == '\\' || *p == '#')
			fputc('\\', out);
		else if (*p == '$')
			fputc('$', out);
		fputc(*p, out);
	}
}

/* "TARGET: FILE..." for every policy file loaded and every host profile
 * read, the way the compilation read them (see load_hosts in sema.c). */
static void print_depfile(const struct session *s, const struct opts *o, const char *target,
			  FILE *mem)
{
	struct deps d = { 0 };
	for (size_t i = 0; i < s->ctx.nsources; i++)
		dep_add(&d, s->ctx.sources[i]->path);
	if (o->hosts) {
		char *pat = kfp_xasprintf("%s/*.yaml", o->hosts);
		dep_add_glob(&d, pat);
		free(pat);
	} else {
		for (size_t f = 0; s->c.pol && f < s->c.pol->nfleets; f++) {
			const struct kfp_node *fn = s->c.pol->fleets[f].node;
			for (const struct kfp_node *k = fn ? fn->children : NULL; k; k = k->next) {
				if (k->kind != KFP_N_HOSTS)
					continue;
				const char *file = k->loc.src->path;
				const char *slash = strrchr(file, '/');
				char *pat = k->name[0] == '/' || !slash
						    ? kfp_xstrdup(k->name)
						    : kfp_xasprintf("%.*s/%s", (int)(slash - file), file,
								    k->name);
				dep_add_glob(&d, pat);
				free(pat);
			}
		}
	}
	dep_print(target, mem);
	fputc(':', mem);
	for (size_t i = 0; i < d.n; i++) {
		fputs(" \\\n  ", mem);
		dep_print(d.v[i], mem);
		free(d.v[i]);
	}
	fputc('\n', mem);
	free(d.v);
}

/* The one fleet a VMM format is written for: --fleet, or the policy's only
 * fleet of an architecture the format describes. */
static const struct kfp_fleet *vmm_fleet(const struct kfp_policy *pol, enum kfp_vmm_format fmt,
					 const char *want)
{
	const struct kfp_fleet *found = NULL;
	size_t n = 0;
	for (size_t i = 0; i < pol->nfleets; i++) {
		const struct kfp_fleet *fl = &pol->fleets[i];
		if (want ? !strcmp(fl->name, want) : kfp_vmm_format_has_arch(fmt, fl->arch)) {
			found = found ? found : fl;
			n++;
		}
	}
	if (n == 1)
		return found;
	if (n == 0 && fmt == KFP_VMM_FIRECRACKER)
		fprintf(stderr, "kfpc: error: policy \"%s\" has no fleet\n", pol->name);
	else if (n == 0)
		fprintf(stderr, "kfpc: error: policy \"%s\" has no x86_64 fleet, and the %s format describes x86_64 CPUs only\n",
			pol->name, kfp_vmm_format_name(fmt));
	else
		fprintf(stderr, "kfpc: error: policy \"%s\" has %zu fleets the %s format can describe: choose one with --fleet\n",
			pol->name, n, kfp_vmm_format_name(fmt));
	return NULL;
}

static int compile_vmm(const struct opts *o, enum kfp_vmm_format fmt, const char *path)
{
	struct kfp_catalog *cat = load_catalog(o);
	if (!cat)
		return EXIT_USAGE;
	struct session s = { 0 };
	/* What the format loses is printed after the compiler's own
	 * diagnostics.  It has a queue of its own: --max-errors caps the
	 * policy's errors, not these. */
	struct kfp_ctx notes;
	kfpc_ctx_init(&notes);
	notes.max_errors = UINT_MAX;
	char *buf = NULL;
	size_t len = 0;
	int status = compile_policy(&s, path, o, cat);
	if (status == EXIT_CLEAN) {
		const struct kfp_fleet *fl = vmm_fleet(s.c.pol, fmt, o->fleet);
		FILE *mem = open_memstream(&buf, &len);
		int st = fl ? kfp_emit_vmm(fmt, s.c.pol, fl, mem, &notes) : -1;
		fclose(mem);
		const char *paths[] = { o->out, o->depfile };
		size_t n = o->depfile ? 2 : 1;
		struct kfp_output outs[2];
		if (st != 0) {
			status = EXIT_POLICY;
		} else if (!open_outputs(outs, paths, n)) {
			status = EXIT_USAGE;
		} else {
			fwrite(buf, 1, len, outs[0].f);
			if (o->depfile)
				print_depfile(&s, o, o->out, outs[1].f);
			if (!kfp_output_commit(outs, n))
				status = EXIT_USAGE;
		}
	}
	session_end(&s);
	kfp_diags_print(&notes, stderr);
	kfp_ctx_fini(&notes);
	free(buf);
	kfp_catalog_free(cat);
	return status;
}

static int cmd_compile(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error("compile takes one policy file");
	if (o.format && strcmp(o.format, "c")) {
		enum kfp_vmm_format fmt;
		if (!kfp_vmm_format_parse(o.format, &fmt))
			return usage_error("--format is c, firecracker, qemu or libvirt, not '%s'",
					   o.format);
		if (o.header)
			return usage_error("--header is only for --format c");
		if (!o.out)
			return usage_error("compile --format %s needs -o OUT", o.format);
		return compile_vmm(&o, fmt, argv[first]);
	}
	if (!o.out || !o.header)
		return usage_error("compile needs -o OUT.c and --header OUT.h");
	struct kfp_catalog *cat = load_catalog(&o);
	if (!cat)
		return EXIT_USAGE;
	struct session s = { 0 };
	int status = compile_policy(&s, argv[first], &o, cat);
	if (status == EXIT_CLEAN) {
		/* All three are replaced, or none. */
		const char *paths[] = { o.out, o.header, o.depfile };
		size_t n = o.depfile ? 3 : 2;
		struct kfp_output outs[3];
		if (!open_outputs(outs, paths, n)) {
			status = EXIT_USAGE;
		} else {
			/* The .c includes the header by its base name. */
			const char *base = strrchr(o.header, '/');
			kfp_emit_c(s.c.pol, base ? base + 1 : o.header, outs[0].f, outs[1].f);
			if (o.depfile)
				print_depfile(&s, &o, o.out, outs[2].f);
			if (!kfp_output_commit(outs, n))
				status = EXIT_USAGE;
		}
	}
	session_end(&s);
	kfp_catalog_free(cat);
	return status;
}

static int cmd_dump(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error("dump takes one policy file");
	struct kfp_catalog *cat = load_catalog(&o);
	if (!cat)
		return EXIT_USAGE;
	struct session s = { 0 };
	int status = compile_policy(&s, argv[first], &o, cat);
	if (status == EXIT_CLEAN)
		for (size_t i = 0; i < s.c.pol->nfleets; i++)
			kfp_dump_fleet(s.c.pol, &s.c.pol->fleets[i], stdout, true);
	session_end(&s);
	kfp_catalog_free(cat);
	return status;
}

static int cmd_explain(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 2)
		return usage_error("explain takes a policy file and a feature name");
	struct kfp_catalog *cat = load_catalog(&o);
	if (!cat)
		return EXIT_USAGE;
	struct session s = { 0 };
	int status = compile_policy(&s, argv[first], &o, cat);
	/* Explaining is most useful when the policy has errors, as long as
	 * the fleets resolved. */
	if (s.c.pol) {
		int st = kfp_explain(s.c.pol, argv[first + 1], stdout);
		if (st)
			fprintf(stderr, "kfpc: no feature '%s' in the catalog for this policy's fleets\n",
				argv[first + 1]);
		if (st && status == EXIT_CLEAN)
			status = EXIT_USAGE;
	}
	session_end(&s);
	kfp_catalog_free(cat);
	return status;
}

static int cmd_diff(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 2)
		return usage_error("diff takes two policy files: OLD.kfp NEW.kfp");
	struct kfp_catalog *cat = load_catalog(&o);
	if (!cat)
		return EXIT_USAGE;
	struct session a = { 0 }, b = { 0 };
	int sa = compile_policy(&a, argv[first], &o, cat);
	int sb = compile_policy(&b, argv[first + 1], &o, cat);
	int status = sa > sb ? sa : sb;
	if (status == EXIT_CLEAN)
		status = kfp_diff(a.c.pol, b.c.pol, stdout) ? EXIT_POLICY : EXIT_CLEAN;
	session_end(&a);
	session_end(&b);
	kfp_catalog_free(cat);
	return status;
}

static int cmd_fmt(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error("fmt takes exactly one policy file");

	struct kfp_ctx ctx;
	kfpc_ctx_init(&ctx);
	if (o.max_errors)
		ctx.max_errors = o.max_errors;
	struct kfp_source *src = kfp_source_load(&ctx, argv[first]);
	if (!src) {
		fprintf(stderr, "kfpc: cannot read '%s': %s\n", argv[first], strerror(errno));
		kfp_ctx_fini(&ctx);
		return EXIT_USAGE;
	}
	/* Only this file: formatting must not need its includes. */
	struct kfp_node *stmts = kfp_parse_source(&ctx, src);
	if (ctx.errors) {
		kfp_node_free(stmts);
		kfp_diags_print(&ctx, stderr);
		fprintf(stderr, "kfpc: not formatting %s: it has syntax errors\n", argv[first]);
		kfp_ctx_fini(&ctx);
		return EXIT_POLICY;
	}
	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	kfp_fmt(src, stmts, mem);
	fclose(mem);

	int status = EXIT_CLEAN;
	if (o.check_only) {
		if (len != src->len || memcmp(text, src->buf, len) != 0) {
			fprintf(stderr, "%s: not in canonical form (run 'kfpc fmt %s')\n",
				argv[first], argv[first]);
			status = EXIT_POLICY;
		}
	} else if (!kfp_output_write("kfpc", NULL, text, len)) {
		status = EXIT_USAGE;
	}
	free(text);
	kfp_node_free(stmts);
	kfp_ctx_fini(&ctx);
	return status;
}

static int cmd_catalog(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (first != argc)
		return usage_error("catalog takes no file arguments");
	const char *fmt = o.format ? o.format : "md";
	if (strcmp(fmt, "md") && strcmp(fmt, "yaml"))
		return usage_error("--format is md or yaml, not '%s'", fmt);
	int arch = -1;
	if (o.arch) {
		if (!strcmp(o.arch, "x86_64"))
			arch = KFP_ARCH_X86_64;
		else if (!strcmp(o.arch, "arm64") || !strcmp(o.arch, "aarch64"))
			arch = KFP_ARCH_ARM64;
		else
			return usage_error("--arch is x86_64 or arm64, not '%s'", o.arch);
	}
	struct kfp_catalog *cat = load_catalog(&o);
	if (!cat)
		return EXIT_USAGE;
	struct kfp_output out;
	int status = EXIT_CLEAN;
	if (!kfp_output_open(&out, "kfpc", NULL)) {
		status = EXIT_USAGE;
	} else {
		if (!strcmp(fmt, "md"))
			kfp_catalog_markdown(cat, arch, out.f);
		else
			kfp_catalog_yaml(cat, arch, out.f);
		if (!kfp_output_commit(&out, 1))
			status = EXIT_USAGE;
	}
	kfp_catalog_free(cat);
	return status;
}

static int cmd_import_fingerprint(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error("import-fingerprint takes one fingerprint file");
	const char *path = argv[first];
	FILE *probe = fopen(path, "rb");
	if (!probe) {
		fprintf(stderr, "kfpc: cannot read '%s': %s\n", path, strerror(errno));
		return EXIT_USAGE;
	}
	fclose(probe);
	char *name = NULL;
	if (o.name) {
		name = strdup(o.name);
	} else {
		/* fingerprint_INTEL_CASCADELAKE_6.1host.json -> INTEL_CASCADELAKE_6.1host */
		const char *base = strrchr(path, '/');
		base = base ? base + 1 : path;
		if (!strncmp(base, "fingerprint_", 12))
			base += 12;
		name = strdup(base);
		char *dot = strstr(name, ".json");
		if (dot)
			*dot = 0;
	}
	struct kfp_ctx ctx;
	kfpc_ctx_init(&ctx);
	struct kfp_host_profile *p = kfp_profile_from_fingerprint(&ctx, path, name);
	free(name);
	kfp_diags_print(&ctx, stderr);
	kfp_ctx_fini(&ctx);
	if (!p)
		return EXIT_POLICY;
	struct kfp_output out;
	int status = EXIT_CLEAN, r;
	if (!kfp_output_open(&out, "kfpc", o.out)) {
		status = EXIT_USAGE;
	} else if ((r = kfp_profile_write(p, out.f)) != 0) {
		fprintf(stderr, "kfpc: cannot write the profile of '%s': %s\n", path, strerror(-r));
		kfp_output_discard(&out);
		status = EXIT_USAGE;
	} else if (!kfp_output_commit(&out, 1)) {
		status = EXIT_USAGE;
	}
	kfp_profile_free(p);
	return status;
}

static int cmd_import_firecracker(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error("import-firecracker takes one template file");
	const char *path = argv[first];
	struct kfp_kver kv;
	if (o.min_kernel && (!kfp_kver_parse(o.min_kernel, &kv) ||
			     strspn(o.min_kernel, "0123456789.") != strlen(o.min_kernel)))
		return usage_error("--min-kernel needs a version such as 6.1, not '%s'", o.min_kernel);
	/* template_T2.json -> T2 */
	const char *base = strrchr(path, '/');
	base = base ? base + 1 : path;
	char *name = kfp_xstrdup(o.name ? o.name : !strncmp(base, "template_", 9) ? base + 9 : base);
	char *dot = o.name ? NULL : strstr(name, ".json");
	if (dot)
		*dot = 0;
	if (!*name) {
		free(name);
		return usage_error("--name must not be empty");
	}
	struct kfp_catalog *cat = load_catalog(&o);
	if (!cat) {
		free(name);
		return EXIT_USAGE;
	}
	struct kfp_import_opts io = { .name = name, .min_kernel = o.min_kernel, .source = base };
	char *text = NULL;
	struct kfp_ctx ctx;
	kfpc_ctx_init(&ctx);
	ctx.max_errors = UINT_MAX;
	int status = kfp_import_firecracker(&ctx, path, cat, &io, &text);
	kfp_diags_print(&ctx, stderr);
	kfp_ctx_fini(&ctx);
	if (status == 0 && !kfp_output_write("kfpc", o.out, text, strlen(text)))
		status = EXIT_USAGE;
	free(text);
	free(name);
	kfp_catalog_free(cat);
	return status;
}

static const struct kfp_cli_command commands[] = {
	{ "check", cmd_check },
	{ "compile", cmd_compile },
	{ "dump", cmd_dump },
	{ "explain", cmd_explain },
	{ "diff", cmd_diff },
	{ "fmt", cmd_fmt },
	{ "catalog", cmd_catalog },
	{ "import-fingerprint", cmd_import_fingerprint },
	{ "import-firecracker", cmd_import_firecracker },
};

int main(int argc, char **argv)
{
	return kfp_cli_main("kfpc", KFP_VERSION, usage_text, commands,
			    sizeof(commands) / sizeof(commands[0]), argc, argv);
}
