/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kfpc: the kfp policy compiler.  Each command reads its inputs, runs the
 * pipeline (load -> structure -> ...), prints the queued diagnostics once,
 * and exits 0 (clean), 1 (the policy has errors) or 2 (usage or I/O error).
 */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "fmt.h"
#include "parse.h"
#include "structure.h"

#ifndef KFP_VERSION
#define KFP_VERSION "0"
#endif

enum { EXIT_CLEAN = 0, EXIT_POLICY = 1, EXIT_USAGE = 2 };

static const char usage_text[] =
	"usage: kfpc COMMAND [OPTIONS] FILE...\n"
	"\n"
	"Compiles kfp policies (.kfp) into the tables the kfp runtime applies to KVM.\n"
	"\n"
	"Commands:\n"
	"  check FILE...        parse and check policies; print diagnostics\n"
	"  fmt [--check] FILE   print FILE in canonical form (comments kept);\n"
	"                       with --check, print nothing and exit 1 if FILE\n"
	"                       is not already in canonical form\n"
	"\n"
	"Options:\n"
	"  --max-errors N       stop after N errors (default 20)\n"
	"  -h, --help           show this help\n"
	"  -V, --version        show the version\n"
	"\n"
	"Exit status: 0 clean, 1 the policy has errors, 2 usage or I/O error.\n"
	"The language is described in docs/language.md.\n";

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
};

/* Parses the options every command shares; returns the index of the first
 * operand, or -1 after a usage error was printed. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "max-errors", required_argument, NULL, 'm' },
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'm': {
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
		case 'c':
			o->check_only = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(EXIT_CLEAN);
		default:
			fputs("Try 'kfpc --help'.\n", stderr);
			return -1;
		}
	}
	return optind;
}

/* True when the only errors are unreadable files (exit 2, not 1). */
static int finish(struct kfp_ctx *ctx, bool io_error)
{
	kfp_diags_print(ctx, stderr);
	int status = io_error ? EXIT_USAGE : ctx->errors ? EXIT_POLICY : EXIT_CLEAN;
	kfp_ctx_fini(ctx);
	return status;
}

static int cmd_check(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (first >= argc)
		return usage_error("%s needs at least one policy file", "check");

	int status = EXIT_CLEAN;
	for (int i = first; i < argc; i++) {
		struct kfp_ctx ctx;
		kfp_ctx_init(&ctx);
		if (o.max_errors)
			ctx.max_errors = o.max_errors;
		struct kfp_unit *unit = kfp_load(&ctx, argv[i]);
		/* After syntax errors the tree is partial: checking its
		 * structure would only add noise. */
		if (unit && !ctx.errors)
			kfp_check_structure(&ctx, unit);
		kfp_unit_free(unit);
		int s = finish(&ctx, !unit);
		if (s > status)
			status = s;
	}
	return status;
}

static int cmd_fmt(int argc, char **argv)
{
	struct opts o = { 0 };
	int first = parse_opts(argc, argv, &o);
	if (first < 0)
		return EXIT_USAGE;
	if (argc - first != 1)
		return usage_error("%s takes exactly one policy file", "fmt");

	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	if (o.max_errors)
		ctx.max_errors = o.max_errors;
	struct kfp_source *src = kfp_source_load(&ctx, argv[first]);
	if (!src) {
		perror(argv[first]);
		kfp_ctx_fini(&ctx);
		return EXIT_USAGE;
	}
	/* Only this file: formatting must not need its includes. */
	struct kfp_node *stmts = kfp_parse_source(&ctx, src);
	if (ctx.errors) {
		kfp_node_free(stmts);
		fprintf(stderr, "kfpc: not formatting %s: it has syntax errors\n",
			argv[first]);
		return finish(&ctx, false);
	}

	char *text = NULL;
	size_t len = 0;
	FILE *mem = open_memstream(&text, &len);
	if (!mem) {
		perror("kfpc");
		kfp_node_free(stmts);
		kfp_ctx_fini(&ctx);
		return EXIT_USAGE;
	}
	kfp_fmt(src, stmts, mem);
	fclose(mem);

	int status = EXIT_CLEAN;
	if (o.check_only) {
		if (len != src->len || memcmp(text, src->buf, len) != 0) {
			fprintf(stderr, "%s: not in canonical form (run 'kfpc fmt %s')\n",
				argv[first], argv[first]);
			status = EXIT_POLICY;
		}
	} else {
		fwrite(text, 1, len, stdout);
	}
	free(text);
	kfp_node_free(stmts);
	kfp_ctx_fini(&ctx);
	return status;
}

static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
} commands[] = {
	{ "check", cmd_check },
	{ "fmt", cmd_fmt },
};

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage_error("%s", "missing command");
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		fputs(usage_text, stdout);
		return EXIT_CLEAN;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("kfpc %s\n", KFP_VERSION);
		return EXIT_CLEAN;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);

	const char *names[sizeof(commands) / sizeof(commands[0])];
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		names[i] = commands[i].name;
	const char *s = kfp_suggest(argv[1], names, sizeof(names) / sizeof(names[0]));
	fprintf(stderr, "kfpc: unknown command '%s'", argv[1]);
	if (s)
		fprintf(stderr, "; did you mean '%s'?", s);
	fputs("\nTry 'kfpc --help'.\n", stderr);
	return EXIT_USAGE;
}
