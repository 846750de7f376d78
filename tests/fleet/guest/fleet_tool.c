/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet_tool: the kfp tool itself on a real arm64 kernel.  It runs as /init
 * of the fleet harness's initramfs (tests/fleet/run-fleet --program
 * fleet_tool), which holds only /init: so the static kfp tool
 * (build-aarch64/kfp/bin/kfp), the catalog and the policy are embedded in
 * this program and written to /kfp/ first.  Then, each as a child process:
 *
 *   kfp probe -o /kfp/host.yaml --name fleet-<release>
 *   kfp check /kfp/policies/arm64-aes-hidden.kfp
 *   kfp apply /kfp/policies/arm64-aes-hidden.kfp --save-state /kfp/state
 *   kfp verify-state /kfp/policies/arm64-aes-hidden.kfp /kfp/state
 *   kfp verify-state ... /kfp/state-other   (the state with another identity)
 *
 * Lines (see tests/fleet/README.md):
 *   KFP-PROFILE <line>          the host profile kfp probe wrote
 *   KFP-OUT <command> <line>    the command's standard output
 *   KFP-ERR <command> <line>    its standard error
 *   KFP-EXIT <command> <status>
 *
 * PASS: probe succeeds; on 6.12 and later (the policy's min_kernel) check
 * and apply succeed and the guest reads ID_AA64ISAR0_EL1.AES as 0, the
 * saved state verifies (OK) and the same state under another policy
 * identity is refused naming it; before
 * 6.12 both fail before any write (ENOTSUP) naming ID_AA64ISAR0_EL1.AES
 * and the kernel release.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "fleet_init.h"

#ifndef __aarch64__
#error "fleet_tool is an arm64 guest program: build it with cmake/aarch64-linux-gnu.cmake"
#endif

/* The embedded files (kfp_fleet_embed in CMakeLists.txt). */
#define EMBEDDED(sym) extern const char sym[], sym##_end[]
EMBEDDED(kfp_tool_bin);
EMBEDDED(catalog_x86_64);
EMBEDDED(catalog_arm64);
EMBEDDED(policy_aes_hidden);

#define KFP "/kfp/bin/kfp"
#define POLICY "/kfp/policies/arm64-aes-hidden.kfp"
#define PROFILE "/kfp/host.yaml"
#define STATE "/kfp/state"
#define STATE_OTHER "/kfp/state-other"

static int write_file(const char *path, const char *start, const char *end, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return fail("open %s: %s", path, strerror(errno));
	for (const char *p = start; p < end;) {
		ssize_t n = write(fd, p, (size_t)(end - p));
		if (n < 0) {
			close(fd);
			return fail("write %s: %s", path, strerror(errno));
		}
		p += n;
	}
	return close(fd) == 0 ? 0 : fail("close %s: %s", path, strerror(errno));
}

static int unpack(void)
{
	const char *dirs[] = { "/kfp", "/kfp/bin", "/kfp/catalog", "/kfp/policies" };
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		if (mkdir(dirs[i], 0755) < 0 && errno != EEXIST)
			return fail("mkdir %s: %s", dirs[i], strerror(errno));
	if (write_file(KFP, kfp_tool_bin, kfp_tool_bin_end, 0755) < 0 ||
	    write_file("/kfp/catalog/x86_64.yaml", catalog_x86_64, catalog_x86_64_end, 0644) < 0 ||
	    write_file("/kfp/catalog/arm64.yaml", catalog_arm64, catalog_arm64_end, 0644) < 0 ||
	    write_file(POLICY, policy_aes_hidden, policy_aes_hidden_end, 0644) < 0)
		return -1;
	setenv("KFP_CATALOG", "/kfp/catalog", 1);
	out("KFP-FACT kfp %zu bytes, catalog %zu + %zu bytes\n",
	    (size_t)(kfp_tool_bin_end - kfp_tool_bin), (size_t)(catalog_x86_64_end - catalog_x86_64),
	    (size_t)(catalog_arm64_end - catalog_arm64));
	return 0;
}

/* The GUEST column of a field's line in kfp apply's table, or NULL. */
static const char *guest_value(const struct fleet_run *r, const char *field, char *buf, size_t size)
{
	size_t flen = strlen(field);
	for (const char *l = r->out; *l;) {
		const char *e = strchr(l, '\n');
		if (!strncmp(l, field, flen) && l[flen] == ' ') {
			/* FIELD RULE POLICY HOST GUEST SOURCE */
			char name[96], rule[16], pol[24], host[24], guest[24];
			if (sscanf(l, "%95s %15s %23s %23s %23s", name, rule, pol, host, guest) == 5) {
				snprintf(buf, size, "%s", guest);
				return buf;
			}
		}
		if (!e)
			break;
		l = e + 1;
	}
	return NULL;
}

static struct fleet_run probe_run = { .name = "probe" }, check_run = { .name = "check" },
		  apply_run = { .name = "apply" }, verify_run = { .name = "verify-state" },
		  other_run = { .name = "verify-state-other" };

/* STATE with its identity line replaced: a state saved under another
 * policy. */
static int write_other_state(void)
{
	FILE *in = fopen(STATE, "r"), *o = fopen(STATE_OTHER, "w");
	char line[1024];
	if (!in || !o) {
		if (in)
			fclose(in);
		if (o)
			fclose(o);
		return fail("cannot copy %s: %s", STATE, strerror(errno));
	}
	while (fgets(line, sizeof(line), in))
		fputs(strncmp(line, "identity ", 9) ? line
						     : "identity 00000000000000000000000000000001\n",
		      o);
	fclose(in);
	return fclose(o) == 0 ? 0 : fail("write %s: %s", STATE_OTHER, strerror(errno));
}

/* A migration on this kernel: the state kfp apply saved verifies, and the
 * same state under another identity is refused before any write. */
static int migration(void)
{
	char *verify_argv[] = { KFP, "verify-state", POLICY, STATE, NULL };
	char *other_argv[] = { KFP, "verify-state", POLICY, STATE_OTHER, NULL };
	if (fleet_run(&verify_run, verify_argv) < 0 || write_other_state() < 0 ||
	    fleet_run(&other_run, other_argv) < 0)
		return -1;
	if (verify_run.status != 0 || !strstr(verify_run.out, "OK: " STATE " fits"))
		return fail("kfp verify-state of the saved state exited %d", verify_run.status);
	if (other_run.status != 1 || !strstr(other_run.err, "policy identity"))
		return fail("kfp verify-state of a state of another identity exited %d without "
			    "naming the identity",
			    other_run.status);
	return 0;
}

static int tool(const char *release, bool new_kernel)
{
	char name[96];
	snprintf(name, sizeof(name), "fleet-%s", release);
	char *probe_argv[] = { KFP, "probe", "-o", PROFILE, "--name", name, NULL };
	char *check_argv[] = { KFP, "check", POLICY, NULL };
	char *apply_argv[] = { KFP, "apply", POLICY, "--save-state", STATE, NULL };
	if (fleet_run(&probe_run, probe_argv) < 0 || fleet_run(&check_run, check_argv) < 0 ||
	    fleet_run(&apply_run, apply_argv) < 0)
		return -1;

	/* The profile, for kfpc on the build machine. */
	FILE *f = fopen(PROFILE, "r");
	if (f) {
		char line[512];
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			out("KFP-PROFILE %s\n", line);
		}
		fclose(f);
	}
	if (probe_run.status != 0)
		return fail("kfp probe exited %d", probe_run.status);

	if (new_kernel) {
		char buf[24];
		if (check_run.status != 0)
			return fail("kfp check exited %d on %s", check_run.status, release);
		if (apply_run.status != 0)
			return fail("kfp apply exited %d on %s", apply_run.status, release);
		const char *aes = guest_value(&apply_run, "ID_AA64ISAR0_EL1.AES", buf, sizeof(buf));
		if (!aes || strcmp(aes, "0"))
			return fail("the guest reads ID_AA64ISAR0_EL1.AES as %s, not 0", aes ? aes : "?");
		out("KFP-FACT guest ID_AA64ISAR0_EL1.AES %s\n", aes);
		return migration();
	}
	/* Before 6.12: refused before any write, naming the field and kernel. */
	const struct fleet_run *runs[] = { &check_run, &apply_run };
	for (size_t i = 0; i < 2; i++) {
		const struct fleet_run *r = runs[i];
		if (r->status != 1)
			return fail("kfp %s exited %d on %s, expected 1", r->name, r->status, release);
		if (!strstr(r->err, "ID_AA64ISAR0_EL1.AES") || !strstr(r->err, release))
			return fail("kfp %s does not name ID_AA64ISAR0_EL1.AES and kernel %s", r->name,
				    release);
		if (!strstr(r->err, strerror(ENOTSUP)))
			return fail("kfp %s did not fail before writing (ENOTSUP)", r->name);
	}
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
	unsigned major = 0, minor = 0;
	sscanf(u.release, "%u.%u", &major, &minor);
	bool new_kernel = major > 6 || (major == 6 && minor >= 12);
	out("\nKFP-BEGIN fleet_tool 1\n");
	out("KFP-FACT kernel %s\n", u.release);
	out("KFP-FACT expect %s\n", new_kernel ? "apply succeeds, AES = 0 in the guest"
					       : "check and apply refuse ID_AA64ISAR0_EL1.AES");

	int rc = unpack() < 0 ? -1 : tool(u.release, new_kernel);
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
