/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What kfpc writes: the C tables of every example policy are deterministic
 * (two runs give the same bytes), compile with -std=c11 -Wall -Wextra
 * -Werror -pedantic, and link into a program that reads them back; and
 * docs/kernel-matrix.md is what `kfpc catalog --format md` prints now.
 *
 *   test_outputs KFPC CC SOURCE_DIR
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/testkit.h"

static const char *kfpc, *cc, *srcdir;
static char tmpdir[64];

static int run(const char *cmd)
{
	int st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static bool same_file(const char *a, const char *b)
{
	size_t la, lb;
	char *x = tk_slurp(a, &la), *y = tk_slurp(b, &lb);
	bool same = x && y && la == lb && memcmp(x, y, la) == 0;
	free(x);
	free(y);
	return same;
}

/* The C identifier prefix kfpc uses for a policy name. */
static void prefix_of(const char *policy, char *out, size_t size)
{
	snprintf(out, size, "kfp_%s", policy);
	for (char *c = out + 4; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
		      (*c >= '0' && *c <= '9') || *c == '_'))
			*c = '_';
}

static void compile_one(const char *path, const char *policy_name)
{
	char cmd[16384], a[512], b[512];
	for (int i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "mkdir -p %s/run%d && %s compile %s -o %s/run%d/t.c --header %s/run%d/t.h",
			 tmpdir, i, kfpc, path, tmpdir, i, tmpdir, i);
		if (run(cmd) != 0)
			fail_msg("kfpc compile %s failed", path);
	}
	snprintf(a, sizeof(a), "%s/run0/t.c", tmpdir);
	snprintf(b, sizeof(b), "%s/run1/t.c", tmpdir);
	if (!same_file(a, b))
		fail_msg("%s: two compiles gave different .c files", path);
	snprintf(a, sizeof(a), "%s/run0/t.h", tmpdir);
	snprintf(b, sizeof(b), "%s/run1/t.h", tmpdir);
	if (!same_file(a, b))
		fail_msg("%s: two compiles gave different headers", path);

	/* A program that reads every fleet back. */
	char prefix[256], main_c[512];
	prefix_of(policy_name, prefix, sizeof(prefix));
	snprintf(main_c, sizeof(main_c), "%s/run0/main.c", tmpdir);
	FILE *f = fopen(main_c, "w");
	assert_non_null(f);
	fprintf(f,
		"#include <stdio.h>\n#include \"t.h\"\n"
		"int main(void)\n{\n"
		"\tfor (unsigned i = 0; i < %s_NFLEETS; i++) {\n"
		"\t\tconst struct kfp_config *c = %s_fleets[i];\n"
		"\t\tunsigned id = 0;\n"
		"\t\tfor (int k = 0; k < 16; k++)\n\t\t\tid |= c->id[k];\n"
		"\t\tif (c->table_version != KFP_TABLE_VERSION || !id || !c->nfeatures ||\n"
		"\t\t    !(c->x86 || c->arm64))\n\t\t\treturn 1;\n"
		"\t\tprintf(\"%%s %%s %%u pins %%u:\", c->policy, c->fleet, c->nfeatures,\n"
		"\t\t       c->arm64 ? c->arm64->npins : 0u);\n"
		"\t\tfor (unsigned p = 0; c->arm64 && p < c->arm64->npins; p++)\n"
		"\t\t\tprintf(\" %%s=0x%%llx\", c->arm64->pins[p].name,\n"
		"\t\t\t       (unsigned long long)c->arm64->pins[p].value);\n"
		"\t\tputchar('\\n');\n"
		"\t}\n\treturn %s_NFLEETS ? 0 : 1;\n}\n",
		prefix, prefix, prefix);
	fclose(f);
	snprintf(cmd, sizeof(cmd),
		 "%s -std=c11 -Wall -Wextra -Werror -pedantic -I %s/runtime/include -I %s/run0 "
		 "%s/run0/t.c %s -o %s/run0/prog && %s/run0/prog > %s/run0/prog.out",
		 cc, srcdir, tmpdir, tmpdir, main_c, tmpdir, tmpdir, tmpdir);
	if (run(cmd) != 0)
		fail_msg("%s: the generated tables do not build or read back (%s)", path, cmd);
}

static void test_examples(void **state)
{
	(void)state;
	char dir[2048];
	snprintf(dir, sizeof(dir), "%s/policies/examples", srcdir);
	DIR *d = opendir(dir);
	assert_non_null(d);
	struct dirent *e;
	unsigned n = 0;
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		if (len < 5 || strcmp(e->d_name + len - 4, ".kfp"))
			continue;
		char path[2400], line[512], name[256] = "";
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "r");
		while (f && fgets(line, sizeof(line), f))
			if (sscanf(line, "policy \"%255[^\"]\"", name) == 1)
				break;
		if (f)
			fclose(f);
		if (!name[0])
			continue;
		compile_one(path, name);
		n++;
	}
	closedir(d);
	assert_true(n >= 3);
}

/* An arm64 fleet whose hosts disagree on the cache description (6.1 shows
 * the hardware's, 6.12 its own) and on PSCI: the tables carry the pins. */
static void test_pinned_tables(void **state)
{
	(void)state;
	char path[256], out[256];
	static const char *const hosts[2][2] = {
		{ "h61", "6.1.0-56-arm64\"\ncache_regs: {0x603000000013c801: 0x2000023, "
			 "0x6020000000110000: 0x701fe00a}\nfirmware_regs: {0x6030000000140000: 0x10000}" },
		{ "h612", "6.12.95+deb12-arm64\"\ncache_regs: {0x603000000013c801: 0x2000021, "
			  "0x6020000000110000: 0x2}\nfirmware_regs: {0x6030000000140000: 0x10001}" },
	};
	for (int i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s.yaml", tmpdir, hosts[i][0]);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fprintf(f, "kfp_host_profile: 1\nname: \"%s\"\narch: arm64\nkernel: \"%s\n"
			   "reg_list: []\nid_regs: {}\n"
			   "vcpu_features: [power_off, psci_0_2]\n",
			hosts[i][0], hosts[i][1]);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/pins.kfp", tmpdir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "policy \"pins\" version 1;\ninclude \"%s/tests/fleet/policies/machine.inc.kfp\";\n"
		   "fleet \"f\" {\n    arch arm64;\n    min_kernel 6.12;\n    hosts \"h*.yaml\";\n}\n",
		srcdir);
	fclose(f);
	compile_one(path, "pins");
	size_t len;
	snprintf(out, sizeof(out), "%s/run0/prog.out", tmpdir);
	char *text = tk_slurp(out, &len);
	assert_non_null(text);
	assert_string_equal(text, "pins f 12 pins 3: CLIDR_EL1=0x2000023 CCSIDR_EL1[0]=0x701fe00a "
				  "PSCI_VERSION=0x10000\n");
	free(text);
	snprintf(out, sizeof(out), "%s/run0/t.c", tmpdir);
	text = tk_slurp(out, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "static const struct kfp_pin_row kfp_pins_f_pins[] = {\n"
				     "\t{ \"CLIDR_EL1\", 0x603000000013c801ull, 0x2000023ull, { \""));
	free(text);
}

static void test_kernel_matrix_is_current(void **state)
{
	(void)state;
	char cmd[16384], out[256], doc[4096];
	snprintf(out, sizeof(out), "%s/matrix.md", tmpdir);
	snprintf(cmd, sizeof(cmd), "%s catalog --format md > %s", kfpc, out);
	assert_int_equal(run(cmd), 0);
	snprintf(doc, sizeof(doc), "%s/docs/kernel-matrix.md", srcdir);
	if (!same_file(out, doc))
		fail_msg("docs/kernel-matrix.md is out of date: regenerate it with "
			 "'kfpc catalog --format md > docs/kernel-matrix.md'");
}

static int setup(void **state)
{
	(void)state;
	strcpy(tmpdir, "/tmp/kfp-out-XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return run(cmd);
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: test_outputs KFPC CC SOURCE_DIR\n");
		return 2;
	}
	kfpc = argv[1];
	cc = argv[2];
	srcdir = argv[3];
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_examples),
		cmocka_unit_test(test_pinned_tables),
		cmocka_unit_test(test_kernel_matrix_is_current),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
