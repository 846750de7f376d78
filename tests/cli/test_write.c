/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Output files (base/output.h): a failed write is an error naming the
 * file; devices, FIFOs and standard output are written in place and never
 * replaced; regular files are replaced atomically through symbolic links;
 * nothing half-written and no temporary file is ever left behind.  First
 * the helper itself, then every command of kfpc and kfp that writes.
 *
 * Device nodes are made with mknod(2) in a temporary directory (1,7 is
 * /dev/full's device, 1,3 /dev/null's); where that is not permitted those
 * cases skip, saying so.  The real /dev is never touched.
 *
 *   test_write KFPC KFP SOURCE_DIR
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "tests/support/testkit.h"

#include "tools/output.h"

static const char *kfpc, *kfp, *srcdir;
static char dir[64];

static char *at(const char *name)
{
	static char paths[4][512];
	static unsigned next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof(paths[0]), "%s/%s", dir, name);
	return p;
}

static void put(const char *name, const char *text)
{
	tk_write(at(name), text);
}

static void assert_content(const char *name, const char *want)
{
	char *got = tk_slurp(at(name), NULL);
	if (!got)
		fail_msg("%s: missing", name);
	assert_string_equal(got, want);
	free(got);
}

/* The directory holds exactly these names (sorted, space-separated):
 * nothing half-written, no temporary file. */
static void assert_dir(const char *want)
{
	struct dirent **list;
	int n = scandir(dir, &list, NULL, alphasort);
	assert_true(n >= 0);
	char got[1024] = "";
	for (int i = 0; i < n; i++) {
		if (strcmp(list[i]->d_name, ".") && strcmp(list[i]->d_name, "..")) {
			if (*got)
				strcat(got, " ");
			strncat(got, list[i]->d_name, sizeof(got) - strlen(got) - 2);
		}
		free(list[i]);
	}
	free(list);
	assert_string_equal(got, want);
}

static void assert_type(const char *name, mode_t type)
{
	struct stat st;
	assert_int_equal(lstat(at(name), &st), 0);
	assert_int_equal(st.st_mode & S_IFMT, type);
}

/* A character device like /dev/full (1,7) or /dev/null (1,3), or a skip. */
static void make_device(const char *name, unsigned minor)
{
	if (mknod(at(name), S_IFCHR | 0666, makedev(1, minor)) != 0) {
		printf("SKIP: mknod is not permitted here (%s): the device cases cannot run\n",
		       strerror(errno));
		skip();
	}
	int fd = open(at(name), O_WRONLY);
	if (fd < 0) {
		printf("SKIP: a device node made here cannot be opened (%s)\n", strerror(errno));
		skip();
	}
	close(fd);
}

static bool write_one(const char *name, const char *text)
{
	struct kfp_output out;
	if (!kfp_output_open(&out, "test", name ? at(name) : NULL))
		return false;
	fputs(text, out.f);
	return kfp_output_commit(&out, 1);
}

/* ---- the helper ------------------------------------------------------ */

static void test_new_file(void **state)
{
	(void)state;
	mode_t mask = umask(022);
	assert_true(write_one("a.c", "new\n"));
	umask(mask);
	assert_content("a.c", "new\n");
	struct stat st;
	assert_int_equal(stat(at("a.c"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0644);
	assert_dir("a.c");
}

static void test_replace_keeps_mode(void **state)
{
	(void)state;
	put("a.c", "old\n");
	assert_int_equal(chmod(at("a.c"), 0640), 0);
	assert_true(write_one("a.c", "new\n"));
	assert_content("a.c", "new\n");
	struct stat st;
	assert_int_equal(stat(at("a.c"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_dir("a.c");
}

static void test_symlink_followed(void **state)
{
	(void)state;
	assert_int_equal(mkdir(at("real"), 0755), 0);
	put("real/a.h", "old\n");
	assert_int_equal(symlink("real/a.h", at("link.h")), 0);
	assert_true(write_one("link.h", "new\n"));
	assert_type("link.h", S_IFLNK);
	assert_content("real/a.h", "new\n");
	/* A dangling link: the file it names is created. */
	assert_int_equal(symlink("real/b.h", at("dangling.h")), 0);
	assert_true(write_one("dangling.h", "b\n"));
	assert_type("dangling.h", S_IFLNK);
	assert_content("real/b.h", "b\n");
	assert_dir("dangling.h link.h real");
}

static void test_full_device(void **state)
{
	(void)state;
	make_device("full", 7);
	assert_false(write_one("full", "anything\n"));
	struct stat st;
	assert_int_equal(lstat(at("full"), &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 7));
	assert_dir("full");
}

static void test_null_device(void **state)
{
	(void)state;
	make_device("null", 3);
	assert_true(write_one("null", "gone\n"));
	assert_type("null", S_IFCHR);
	assert_dir("null");
}

static void test_fifo(void **state)
{
	(void)state;
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	int pipefd[2];
	assert_int_equal(pipe(pipefd), 0);
	pid_t pid = fork();
	if (pid == 0) {
		/* The reader: what it gets from the FIFO, back on the pipe. */
		close(pipefd[0]);
		int fd = open(at("fifo"), O_RDONLY);
		char buf[256];
		ssize_t n;
		while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
			if (write(pipefd[1], buf, (size_t)n) != n)
				_exit(1);
		_exit(0);
	}
	close(pipefd[1]);
	assert_true(write_one("fifo", "through the fifo\n"));
	char got[256] = "";
	ssize_t n = read(pipefd[0], got, sizeof(got) - 1);
	close(pipefd[0]);
	int st;
	waitpid(pid, &st, 0);
	assert_true(n > 0);
	got[n] = 0;
	assert_string_equal(got, "through the fifo\n");
	assert_type("fifo", S_IFIFO);
	assert_dir("fifo");
}

/* Two outputs committed together: when the second cannot be written, the
 * first keeps its old content. */
static void test_failure_replaces_none(void **state)
{
	(void)state;
	put("a.c", "old\n");
	assert_int_equal(mkdir(at("ro"), 0555), 0);
	struct kfp_output outs[2];
	assert_non_null(kfp_output_open(&outs[0], "test", at("a.c")));
	fputs("new\n", outs[0].f);
	if (access(at("ro"), W_OK) == 0) {
		/* root may write anywhere: make the second fail on a device. */
		kfp_output_discard(&outs[0]);
		make_device("full", 7);
		assert_non_null(kfp_output_open(&outs[0], "test", at("a.c")));
		fputs("new\n", outs[0].f);
		assert_non_null(kfp_output_open(&outs[1], "test", at("full")));
	} else {
		assert_null(kfp_output_open(&outs[1], "test", at("ro/a.h")));
		kfp_output_discard(&outs[0]);
		assert_content("a.c", "old\n");
		assert_dir("a.c ro");
		return;
	}
	fputs("anything\n", outs[1].f);
	assert_false(kfp_output_commit(outs, 2));
	assert_content("a.c", "old\n");
	assert_dir("a.c full ro");
}

static void test_unwritable_paths(void **state)
{
	(void)state;
	struct kfp_output out;
	assert_int_equal(mkdir(at("sub"), 0755), 0);
	assert_null(kfp_output_open(&out, "test", at("sub")));
	assert_null(kfp_output_open(&out, "test", at("missing/a.c")));
	assert_null(kfp_output_open(&out, "test", ""));
	assert_int_equal(symlink("loop", at("loop")), 0);
	assert_null(kfp_output_open(&out, "test", at("loop")));
	assert_dir("loop sub");
}

static void test_discard(void **state)
{
	(void)state;
	put("a.c", "old\n");
	struct kfp_output outs[2];
	assert_non_null(kfp_output_open(&outs[0], "test", at("a.c")));
	assert_non_null(kfp_output_open(&outs[1], "test", at("b.c")));
	fputs("new\n", outs[0].f);
	fputs("new\n", outs[1].f);
	kfp_output_discard(&outs[0]);
	kfp_output_discard(&outs[1]);
	assert_content("a.c", "old\n");
	assert_dir("a.c");
}

/* ---- the commands ---------------------------------------------------- */

/* Runs PROG ARGS... in the test directory, standard output to out (a name
 * in the directory) or discarded; standard error in .err. */
static struct tk_result run(const char *prog, const char *out, const char *const *args)
{
	const struct tk_how how = { .dir = dir, .out_file = out ? out : "/dev/null" };
	return tk_run(&how, prog, args);
}

#define KFPC(out, ...) run(kfpc, out, (const char *const[]){ __VA_ARGS__, NULL })

static void assert_failed(struct tk_result r, const char *prog, const char *file)
{
	char want[256];
	snprintf(want, sizeof(want), "%s: cannot write %s: No space left on device", prog, file);
	if (r.status != 2 || !strstr(r.err, want))
		fail_msg("exit %d, stderr:\n%s\nwanted exit 2 and '%s'", r.status, r.err, want);
	free(r.err);
}

static char *src(const char *rel)
{
	static char paths[4][512];
	static unsigned next;
	char *p = paths[next++ % 4];
	snprintf(p, sizeof(paths[0]), "%s/%s", srcdir, rel);
	return p;
}

#define POLICY src("policies/examples/minimal-x86.kfp")

static void test_compile_outputs_full(void **state)
{
	(void)state;
	make_device("full", 7);
	assert_failed(KFPC(NULL, "compile", POLICY, "-o", "full", "--header", "t.h"), "kfpc", "full");
	assert_dir("full");
	assert_failed(KFPC(NULL, "compile", POLICY, "-o", "t.c", "--header", "full"), "kfpc", "full");
	assert_dir("full");
	assert_failed(KFPC(NULL, "compile", POLICY, "-o", "t.c", "--header", "t.h", "--depfile",
			   "full"), "kfpc", "full");
	assert_dir("full");
	assert_failed(KFPC(NULL, "compile", POLICY, "--format", "qemu", "-o", "full"), "kfpc",
		      "full");
	assert_failed(KFPC(NULL, "compile", POLICY, "--format", "qemu", "-o", "q.txt",
			   "--depfile", "full"), "kfpc", "full");
	assert_dir("full");
	assert_type("full", S_IFCHR);
}

/* A failed compile leaves the previous tables as they were. */
static void test_compile_keeps_old_files(void **state)
{
	(void)state;
	make_device("full", 7);
	put("t.c", "old c\n");
	put("t.h", "old h\n");
	assert_failed(KFPC(NULL, "compile", POLICY, "-o", "t.c", "--header", "t.h", "--depfile",
			   "full"), "kfpc", "full");
	assert_content("t.c", "old c\n");
	assert_content("t.h", "old h\n");
	assert_dir("full t.c t.h");
}

static void test_compile_through_links_and_devices(void **state)
{
	(void)state;
	make_device("null", 3);
	put("real.h", "old\n");
	assert_int_equal(symlink("real.h", at("t.h")), 0);
	struct tk_result r = KFPC(NULL, "compile", POLICY, "-o", "null", "--header", "t.h");
	assert_int_equal(r.status, 0);
	free(r.err);
	assert_type("null", S_IFCHR);
	assert_type("t.h", S_IFLNK);
	char *h = tk_slurp(at("real.h"), NULL);
	assert_non_null(strstr(h, "#ifndef"));
	free(h);
	/* /dev/stdout: the file the shell opened, written in place. */
	put("stdout.c", "");
	r = KFPC("stdout.c", "compile", POLICY, "-o", "/dev/stdout", "--header", "t.h");
	assert_int_equal(r.status, 0);
	free(r.err);
	char *c = tk_slurp(at("stdout.c"), NULL);
	assert_non_null(strstr(c, "#include \"t.h\""));
	free(c);
	assert_dir("null real.h stdout.c t.h");
}

static void test_stdout_commands_full(void **state)
{
	(void)state;
	make_device("full", 7);
	assert_failed(KFPC("full", "fmt", POLICY), "kfpc", "standard output");
	assert_failed(KFPC("full", "catalog"), "kfpc", "standard output");
	assert_failed(KFPC("full", "catalog", "--format", "yaml"), "kfpc", "standard output");
	assert_failed(KFPC("full", "dump", POLICY), "kfpc", "standard output");
	assert_dir("full");
}

static void test_imports_full(void **state)
{
	(void)state;
	make_device("full", 7);
	assert_failed(KFPC(NULL, "import-fingerprint",
			   src("tests/data/firecracker/fingerprint_INTEL_CASCADELAKE_6.1host.json"),
			   "-o", "full"), "kfpc", "full");
	assert_failed(KFPC(NULL, "import-firecracker", src("tests/data/firecracker/template_T2.json"),
			   "-o", "full"), "kfpc", "full");
	assert_dir("full");
	assert_type("full", S_IFCHR);
}

static void test_probe_full(void **state)
{
	(void)state;
	if (access("/dev/kvm", R_OK | W_OK) != 0) {
		printf("SKIP: kfp probe needs /dev/kvm (%s)\n", strerror(errno));
		skip();
	}
	make_device("full", 7);
	assert_failed(run(kfp, NULL, (const char *const[]){ "probe", "-o", "full", NULL }), "kfp",
		      "full");
	assert_dir("full");
	assert_type("full", S_IFCHR);
}

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/kfp-write-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "chmod -R u+w '%s' && rm -rf '%s'", dir, dir);
	return system(cmd) == 0 ? 0 : -1;
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: test_write KFPC KFP SOURCE_DIR\n");
		return 2;
	}
	kfpc = argv[1];
	kfp = argv[2];
	srcdir = argv[3];
	const struct CMUnitTest tests[] = {
		T(test_new_file),
		T(test_replace_keeps_mode),
		T(test_symlink_followed),
		T(test_full_device),
		T(test_null_device),
		T(test_fifo),
		T(test_failure_replaces_none),
		T(test_unwritable_paths),
		T(test_discard),
		T(test_compile_outputs_full),
		T(test_compile_keeps_old_files),
		T(test_compile_through_links_and_devices),
		T(test_stdout_commands_full),
		T(test_imports_full),
		T(test_probe_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
