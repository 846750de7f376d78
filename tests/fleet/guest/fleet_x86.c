/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet_x86: /init of the x86 fleet (tests/fleet/run-fleet --arch x86_64).
 * A Debian x86_64 kernel under qemu TCG -cpu max (AMD SVM with nested
 * paging) builds KVM as modules: this loads them, in the order of
 * /modules/order (/modules/<name>.ko, made by fetch-kernels), so that
 * /dev/kvm is a standard KVM, then runs the steps of /kfp/steps, one a
 * line:
 *
 *   EXPECT NAME PROGRAM ARGS...
 *
 * EXPECT is the exit status the step must have, or '*' for any; NAME names
 * its output lines; "@RELEASE@" in an argument is the kernel release.  The
 * PROGRAM "cat" is built in: it prints the file ARGS names.  Lines:
 *
 *   KFP-FACT module <name> <ok|errno>   insmod of each module
 *   KFP-FACT kvm <ok|errno>             open("/dev/kvm")
 *   KFP-FACT cpu <vendor> <family>.<model>.<stepping>   the emulated CPU
 *   KFP-OUT/KFP-ERR/KFP-EXIT <name> ... a step (fleet_run)
 *   KFP-FILE <name> <line>              the file of a "cat" step
 *
 * PASS: every module loaded, /dev/kvm opened, and every step exited as
 * expected.  What the steps printed is judged on the build machine.
 */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fleet_init.h"

#ifndef __x86_64__
#error "fleet_x86 is an x86_64 guest program"
#endif

#define MAX_ARGS 32

static int load_modules(void)
{
	FILE *order = fopen("/modules/order", "r");
	if (!order)
		return fail("no /modules/order: %s", strerror(errno));
	char name[64];
	int rc = 0;
	while (rc == 0 && fscanf(order, "%63s", name) == 1) {
		char path[96];
		snprintf(path, sizeof(path), "/modules/%s.ko", name);
		int fd = open(path, O_RDONLY | O_CLOEXEC), e = 0;
		if (fd < 0)
			e = errno;
		else if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
			e = errno;
		out("KFP-FACT module %s %s\n", name, e ? strerror(e) : "ok");
		if (e)
			rc = fail("%s %s: %s", fd < 0 ? "open" : "insmod", path, strerror(e));
		if (fd >= 0)
			close(fd);
	}
	fclose(order);
	return rc;
}

static void cpu_fact(void)
{
	unsigned a, b, c, d;
	char vendor[13];
	__cpuid(0, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = '\0';
	__cpuid(1, a, b, c, d);
	unsigned family = (a >> 8 & 0xf) + ((a >> 8 & 0xf) == 0xf ? (a >> 20 & 0xff) : 0);
	unsigned model = (a >> 4 & 0xf) | (a >> 12 & 0xf0);
	out("KFP-FACT cpu %s %u.%u.%u\n", vendor, family, model, a & 0xf);
}

static int cat(const char *name, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return fail("step %s: cannot read %s: %s", name, path, strerror(errno));
	char line[1024];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		out("KFP-FILE %s %s\n", name, line);
	}
	fclose(f);
	return 0;
}

/* One line of /kfp/steps; argument words are split at blanks. */
static int step(char *line, const char *release)
{
	char *argv[MAX_ARGS + 1], *save = NULL, *expect, *name;
	static char words[MAX_ARGS][256];
	static struct fleet_run r;
	int argc = 0;

	expect = strtok_r(line, " \t\n", &save);
	if (!expect || expect[0] == '#')
		return 0;
	name = strtok_r(NULL, " \t\n", &save);
	for (char *w; argc < MAX_ARGS && (w = strtok_r(NULL, " \t\n", &save)); argc++) {
		char *at = strstr(w, "@RELEASE@");
		if (at)
			snprintf(words[argc], sizeof(words[argc]), "%.*s%s%s", (int)(at - w), w, release,
				 at + 9);
		else
			snprintf(words[argc], sizeof(words[argc]), "%s", w);
		argv[argc] = words[argc];
	}
	argv[argc] = NULL;
	if (!name || argc == 0)
		return fail("bad step line (EXPECT NAME PROGRAM ARGS...)");
	if (!strcmp(argv[0], "cat"))
		return argc == 2 ? cat(name, argv[1]) : fail("step %s: cat takes one file", name);
	r.name = name;
	if (fleet_run(&r, argv) < 0)
		return -1;
	if (strcmp(expect, "*") && r.status != atoi(expect))
		return fail("step %s exited %d, expected %s", name, r.status, expect);
	return 0;
}

int main(void)
{
	int as_init = getpid() == 1;
	if (as_init)
		fleet_setup_init();
	setvbuf(stdout, NULL, _IOLBF, 0);

	struct utsname u;
	uname(&u);
	out("\nKFP-BEGIN fleet_x86 1\n");
	out("KFP-FACT kernel %s\n", u.release);
	cpu_fact();

	int rc = load_modules();
	if (rc == 0) {
		int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
		out("KFP-FACT kvm %s\n", fd < 0 ? strerror(errno) : "ok");
		if (fd < 0)
			rc = fail("no /dev/kvm after loading the modules: %s", strerror(errno));
		else
			close(fd);
	}
	setenv("KFP_CATALOG", "/kfp/catalog", 1);
	FILE *steps = rc == 0 ? fopen("/kfp/steps", "r") : NULL;
	if (rc == 0 && !steps)
		rc = fail("no /kfp/steps: %s", strerror(errno));
	char line[2048];
	/* Every step runs, so that one failure does not hide the others. */
	while (steps && fgets(line, sizeof(line), steps))
		if (step(line, u.release) < 0)
			rc = -1;
	if (steps)
		fclose(steps);

	if (rc == 0)
		out("KFP-RESULT PASS\n");
	else
		out("KFP-RESULT FAIL %s\n", fail_reason()[0] ? fail_reason() : "unknown");
	out("KFP-END\n");
	if (as_init) {
		sync();
		reboot(RB_POWER_OFF);
	}
	return rc == 0 ? 0 : 1;
}
