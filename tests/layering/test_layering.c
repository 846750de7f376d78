/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The layering of the tree, kept by a test.  Every #include of every source
 * file under base/, grammar/, compiler/, runtime/ and tools/ is read and
 * checked against the pipeline's direction:
 *
 *   base -> grammar -> compiler (catalog -> profiles -> semantics ->
 *   emitters -> importers, pipeline) -> tables <- runtime;  tools on top.
 *
 * The table format's public headers (runtime/include/kfp) are the contract
 * every side shares: the grammar, the compiler and the tools may include
 * them.
 *
 * A stage may include its own headers and those of the stages before it,
 * never one after it.  The runtime (runtime/src and its public headers
 * runtime/include/kfp) includes nothing but itself, libc, POSIX and the
 * kernel's uapi headers.  Nothing includes the runtime's private headers
 * (runtime/src) but the runtime itself.  Project headers are named by their
 * path from the top of the tree; a bare "name.h" must be in the including
 * file's own folder.
 *
 * The tree also keeps its files small: a hand-written source file in those
 * folders, and in tests/, bench/ and examples/, may not exceed
 * KFP_MAX_LINES lines.
 */
#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#define KFP_MAX_LINES 800

/* The units of the tree, most specific first: a path belongs to the first
 * unit whose prefix it starts with. */
enum unit {
	U_BASE,
	U_GRAMMAR,
	U_CATALOG,
	U_PROFILES,
	U_SEMANTICS,
	U_EMITTERS,
	U_IMPORTERS,
	U_COMPILER, /* compiler/ itself: the pipeline that wires the stages */
	U_RUNTIME_API,
	U_RUNTIME,
	U_TOOLS,
	U_NUNITS,
	U_NONE = -1,
};

static const struct {
	const char *prefix;
	const char *name;
	/* bit u: this unit may include unit u's headers */
	unsigned may;
	/* angle-bracket headers: libc, POSIX and linux only */
	bool system_only;
	/* and the two libraries the compiler builds on */
	bool yaml_xxhash;
} units[U_NUNITS] = {
#define B(u) (1u << (u))
	[U_BASE] = { "base/", "base", B(U_BASE), true, false },
	/* The grammar's enums come from the table format's X-macro lists
	 * (kfp/table.h), the one contract every side shares. */
	[U_GRAMMAR] = { "grammar/", "grammar", B(U_BASE) | B(U_RUNTIME_API) | B(U_GRAMMAR), true,
			false },
	[U_CATALOG] = { "compiler/catalog/", "compiler/catalog",
			B(U_BASE) | B(U_GRAMMAR) | B(U_RUNTIME_API) | B(U_CATALOG), true, true },
	[U_PROFILES] = { "compiler/profiles/", "compiler/profiles",
			 B(U_BASE) | B(U_GRAMMAR) | B(U_RUNTIME_API) | B(U_CATALOG) |
				 B(U_PROFILES), true, true },
	[U_SEMANTICS] = { "compiler/semantics/", "compiler/semantics",
			  B(U_BASE) | B(U_GRAMMAR) | B(U_RUNTIME_API) | B(U_CATALOG) |
				  B(U_PROFILES) | B(U_SEMANTICS), true, true },
	[U_EMITTERS] = { "compiler/emitters/", "compiler/emitters",
			 B(U_BASE) | B(U_GRAMMAR) | B(U_RUNTIME_API) | B(U_CATALOG) |
				 B(U_PROFILES) | B(U_SEMANTICS) | B(U_EMITTERS), true, true },
	[U_IMPORTERS] = { "compiler/importers/", "compiler/importers",
			  B(U_BASE) | B(U_GRAMMAR) | B(U_RUNTIME_API) | B(U_CATALOG) |
				  B(U_PROFILES) | B(U_SEMANTICS) | B(U_EMITTERS) |
				  B(U_IMPORTERS) | B(U_COMPILER), true, true },
	[U_COMPILER] = { "compiler/", "compiler",
			 B(U_BASE) | B(U_GRAMMAR) | B(U_RUNTIME_API) | B(U_CATALOG) |
				 B(U_PROFILES) | B(U_SEMANTICS) | B(U_EMITTERS) |
				 B(U_COMPILER), true, true },
	[U_RUNTIME_API] = { "runtime/include/", "runtime/include", B(U_RUNTIME_API), true, false },
	[U_RUNTIME] = { "runtime/src/", "runtime/src", B(U_RUNTIME_API) | B(U_RUNTIME), true, false },
	[U_TOOLS] = { "tools/", "tools",
		      B(U_BASE) | B(U_GRAMMAR) | B(U_RUNTIME_API) | B(U_CATALOG) |
			      B(U_PROFILES) | B(U_SEMANTICS) | B(U_EMITTERS) |
			      B(U_IMPORTERS) | B(U_COMPILER) | B(U_TOOLS), false, false },
#undef B
};

static enum unit unit_of(const char *path)
{
	for (int u = 0; u < U_NUNITS; u++)
		if (!strncmp(path, units[u].prefix, strlen(units[u].prefix)))
			return (enum unit)u;
	return U_NONE;
}

/* libc, POSIX and the kernel's uapi: what every layer may include. */
static bool is_system_header(const char *h)
{
	static const char *const names[] = {
		"assert.h", "ctype.h", "dirent.h", "elf.h", "endian.h", "errno.h",
		"fcntl.h", "fnmatch.h", "ftw.h", "getopt.h", "glob.h", "inttypes.h",
		"libgen.h", "limits.h", "locale.h", "math.h", "poll.h", "pthread.h",
		"sched.h", "setjmp.h", "signal.h", "stdalign.h", "stdarg.h",
		"stdatomic.h", "stdbool.h", "stddef.h", "stdint.h", "stdio.h",
		"stdlib.h", "stdnoreturn.h", "string.h", "strings.h", "time.h",
		"unistd.h",
	};
	static const char *const dirs[] = { "sys/", "linux/", "asm/", "asm-generic/" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(h, names[i]))
			return true;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (!strncmp(h, dirs[i], strlen(dirs[i])))
			return true;
	return false;
}

/* The headers bison and flex generate beside grammar/'s sources. */
static bool is_generated(const char *file, const char *h)
{
	return unit_of(file) == U_GRAMMAR &&
	       (!strcmp(h, "parser.h") || !strcmp(h, "scanner.h"));
}

/* file (a path from the top of the tree) includes h, in quotes (quoted) or
 * angle brackets.  exists(path) tells whether a path from the top exists.
 * Returns NULL if that is allowed, else why not (a static string). */
static const char *check_include(const char *file, const char *h, bool quoted,
				 bool (*exists)(const char *path), char *why, size_t whylen)
{
	enum unit from = unit_of(file), to;

	if (from == U_NONE)
		return NULL;
	if (!quoted) {
		if (!strncmp(h, "kfp/", 4)) {
			to = U_RUNTIME_API;
		} else if (is_system_header(h) ||
			   (units[from].yaml_xxhash &&
			    (!strcmp(h, "yaml.h") || !strcmp(h, "xxhash.h"))) ||
			   !units[from].system_only) {
			return NULL;
		} else {
			snprintf(why, whylen, "%s may include only libc, POSIX and linux headers%s",
				 units[from].name,
				 units[from].yaml_xxhash ? ", <yaml.h> and <xxhash.h>" : "");
			return why;
		}
	} else if (!strchr(h, '/')) {
		char dir[4096];
		const char *slash = strrchr(file, '/');

		if (is_generated(file, h))
			return NULL;
		snprintf(dir, sizeof(dir), "%.*s/%s", (int)(slash - file), file, h);
		if (exists(dir))
			return NULL;
		snprintf(why, whylen, "a bare \"%s\" must be in %.*s/; name a header "
			 "of another folder by its path from the top", h, (int)(slash - file),
			 file);
		return why;
	} else {
		to = unit_of(h);
		if (to == U_NONE || !exists(h)) {
			snprintf(why, whylen, "no such project header");
			return why;
		}
	}
	if (units[from].may & (1u << to))
		return NULL;
	if (to == U_RUNTIME)
		snprintf(why, whylen, "runtime/src is the runtime's private code; "
			 "%s uses the public headers (<kfp/...>)", units[from].name);
	else
		snprintf(why, whylen, "%s may not include %s (the pipeline runs "
			 "base -> grammar -> compiler -> tables <- runtime; tools on top)",
			 units[from].name, units[to].name);
	return why;
}

/* ---- the rules, on made-up includes --------------------------------------- */

static bool fake_exists(const char *path)
{
	static const char *const tree[] = {
		"base/ctx.h", "grammar/ast.h", "compiler/catalog/catalog.h",
		"compiler/semantics/sema.h", "compiler/emitters/emit.h",
		"runtime/src/internal.h", "tools/cli.h", "tools/kfp/kvm.h",
	};

	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++)
		if (!strcmp(path, tree[i]))
			return true;
	return false;
}

static const char *check(const char *file, const char *h, bool quoted)
{
	static char why[512];

	return check_include(file, h, quoted, fake_exists, why, sizeof(why));
}

static void test_rules(void **state)
{
	(void)state;
	/* allowed */
	assert_null(check("grammar/parse.c", "base/ctx.h", true));
	assert_null(check("grammar/parse.c", "parser.h", true));
	assert_null(check("grammar/ast.h", "kfp/table.h", false));
	assert_null(check("compiler/semantics/sema.c", "compiler/catalog/catalog.h", true));
	assert_null(check("compiler/emitters/tables.c", "kfp/table.h", false));
	assert_null(check("compiler/catalog/load.c", "yaml.h", false));
	assert_null(check("runtime/src/x86.c", "internal.h", true));
	assert_null(check("runtime/src/x86.c", "linux/kvm.h", false));
	assert_null(check("tools/kfp/kfp.c", "compiler/semantics/sema.h", true));
	assert_null(check("tools/kfp/kfp.c", "kvm.h", true));
	assert_null(check("tools/kfp/kfp.c", "getopt.h", false));
	/* against the direction of the pipeline */
	assert_non_null(check("grammar/parse.c", "compiler/catalog/catalog.h", true));
	assert_non_null(check("base/ctx.c", "grammar/ast.h", true));
	assert_non_null(check("compiler/catalog/catalog.c", "compiler/semantics/sema.h", true));
	assert_non_null(check("compiler/semantics/sema_x86.c", "compiler/emitters/emit.h", true));
	assert_non_null(check("compiler/emitters/emit_c.c", "tools/cli.h", true));
	/* the runtime: itself, libc and linux only */
	assert_non_null(check("runtime/src/x86.c", "base/ctx.h", true));
	assert_non_null(check("runtime/src/x86.c", "yaml.h", false));
	assert_non_null(check("runtime/include/kfp/kfp.h", "runtime/src/internal.h", true));
	/* its private headers are its own */
	assert_non_null(check("tools/kfp/arm64.c", "runtime/src/internal.h", true));
	/* yaml and xxhash in the compiler only */
	assert_non_null(check("grammar/load.c", "yaml.h", false));
	/* a bare name from another folder, or a header that does not exist */
	assert_non_null(check("compiler/semantics/sema.c", "catalog.h", true));
	assert_non_null(check("compiler/semantics/sema.c", "compiler/semantics/nope.h", true));
}

/* ---- the tree ------------------------------------------------------------- */

static const char *root;
static size_t root_len;
static unsigned nfiles, nincludes, nviolations, nlong;

static bool tree_exists(const char *path)
{
	char full[4096];
	struct stat st;

	snprintf(full, sizeof(full), "%s/%s", root, path);
	return stat(full, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_source(const char *path)
{
	const char *dot = strrchr(path, '.');

	return dot && (!strcmp(dot, ".c") || !strcmp(dot, ".h") || !strcmp(dot, ".y") ||
		       !strcmp(dot, ".l"));
}

static void scan_file(const char *full, const char *rel)
{
	FILE *f = fopen(full, "r");
	char line[4096], why[512];
	unsigned lineno = 0;

	if (!f) {
		fail_msg("%s: %s", full, strerror(errno));
		return;
	}
	nfiles++;
	while (fgets(line, sizeof(line), f)) {
		const char *p = line;
		char h[1024];
		char close;
		size_t n;

		lineno++;
		while (isspace((unsigned char)*p))
			p++;
		if (*p++ != '#')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "include", 7))
			continue;
		p += 7;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p != '"' && *p != '<')
			continue; /* a macro include */
		close = *p == '"' ? '"' : '>';
		n = strcspn(p + 1, close == '"' ? "\"" : ">");
		if (n >= sizeof(h) || p[1 + n] != close)
			continue;
		memcpy(h, p + 1, n);
		h[n] = 0;
		nincludes++;
		const char *bad = check_include(rel, h, close == '"', tree_exists, why, sizeof(why));
		if (bad) {
			printf("%s:%u: #include %c%s%c: %s\n", rel, lineno, close == '"' ? '"' : '<',
			       h, close, bad);
			nviolations++;
		}
	}
	if (lineno > KFP_MAX_LINES) {
		printf("%s: %u lines: split it by subject (at most %d)\n", rel, lineno,
		       KFP_MAX_LINES);
		nlong++;
	}
	fclose(f);
}

static int visit(const char *full, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_F && is_source(full))
		scan_file(full, full + root_len + 1);
	return 0;
}

static void test_tree(void **state)
{
	/* Includes are checked in the pipeline's folders; the length of
	 * every hand-written source file everywhere. */
	static const char *const dirs[] = { "base",  "grammar", "compiler", "runtime",
					    "tools", "tests",   "bench",    "examples" };
	char dir[4096];

	(void)state;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(dir, sizeof(dir), "%s/%s", root, dirs[i]);
		if (nftw(dir, visit, 16, FTW_PHYS))
			fail_msg("%s: %s", dir, strerror(errno));
	}
	printf("layering: %u files, %u #includes, %u against the layering, %u too long\n",
	       nfiles, nincludes, nviolations, nlong);
	/* The scan must have seen the tree, or the test proves nothing. */
	assert_true(nfiles >= 50);
	assert_true(nincludes >= 300);
	assert_int_equal(nviolations, 0);
	assert_int_equal(nlong, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_tree),
	};

	root = argc > 1 ? argv[1] : KFP_SOURCE_DIR;
	root_len = strlen(root);
	while (root_len > 1 && root[root_len - 1] == '/')
		root_len--;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
