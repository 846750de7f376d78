/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet_policy: "reality confirms the compiler" (ctest fleet.compiler, run
 * by tests/fleet/run-compiler on kernels 6.1 and 6.12).  Built with the kfp
 * runtime and three policies kfpc compiled on the host
 * (tests/fleet/policies/): aes-6.12 (ID_AA64ISAR0_EL1.AES = 0, accepted for
 * 6.12 only), hypercalls-6.1 and hypercalls-6.12 (PTP and TRNG off, PV time
 * on).  Each check prints one line
 *   KFP-CHECK <name> PASS|FAIL <detail>
 * with, before it, what it saw (KFP-APPLY report items, KFP-SEEN values):
 *
 *   aes-hidden      (6.12) kfp_arm64_apply(aes-6.12) succeeds, ONE_REG
 *                   ID_AA64ISAR0_EL1 has AES = 0, and the EL1 guest reads
 *                   AES = 0 with MRS, while a VM without the policy reads
 *                   the hardware's AES (the probe can tell).
 *   aes-refused     (6.1) kfp_arm64_apply(aes-6.12) fails with -ENOTSUP
 *                   before any write (every register of KVM_GET_REG_LIST
 *                   reads the same before and after, napplied = 0), and a
 *                   report item names ID_AA64ISAR0_EL1, AES and this
 *                   kernel's release.
 *   hypercalls-off  (6.1, 6.12) kfp_arm64_apply(hypercalls-<series>)
 *                   succeeds; the bitmaps read TRNG (STD_BMAP bit 0), PTP
 *                   (VENDOR_HYP_BMAP bit 1) and FUNC_FEAT (bit 0) clear and
 *                   PV_TIME (STD_HYP_BMAP bit 0) set; the guest gets
 *                   NOT_SUPPORTED from TRNG_VERSION, the KVM vendor
 *                   FEATURES call and PTP, and 0 (supported) from
 *                   ARCH_FEATURES(PV_TIME_FEATURES); a VM without the
 *                   policy gets TRNG and PTP (the probe can tell).
 *
 * KFP-RESULT PASS when every check of this kernel passed.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <kfp/kfp.h>

#include "fleet_common.h"
#include "fleet_tables.h" /* FLEET_POLICY_AES, FLEET_POLICY_HC_6_1, _6_12 */

#define NOT_SUPPORTED UINT64_MAX
#define PSCI_0_2 (1u << KVM_ARM_VCPU_PSCI_0_2)

static int nfailed;

static void check(const char *name, int ok, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void check(const char *name, int ok, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	out("KFP-CHECK %s %s %s\n", name, ok ? "PASS" : "FAIL", buf);
	if (!ok) {
		nfailed++;
		fail("%s: %s", name, buf);
	}
}

static void print_report(const char *what, const struct kfp_report *rep)
{
	char buf[300];

	for (uint32_t i = 0; i < rep->nitems; i++) {
		kfp_report_item_format(&rep->items[i], buf, sizeof(buf));
		out("KFP-APPLY %s %s %s\n", what,
		    kfp_item_status_name(rep->items[i].status), buf);
	}
	out("KFP-APPLY %s napplied=%u nproblems=%u nlost=%u\n", what, rep->napplied,
	    rep->nproblems, rep->nlost);
}

/* A VM, the policy applied (cfg NULL: none), the EL1 probe run.  Returns
 * the apply's result (0 or -errno) in *applied; -1 on a breakdown. */
static int probe_vm(int kvm, const struct kfp_config *cfg, const char *what,
		    struct vm *v, uint64_t *res, int *applied)
{
	static struct kfp_arm64_plan plan;
	struct kfp_report rep;

	*applied = 0;
	if (vm_create(kvm, cfg ? kfp_arm64_vcpu_features(cfg) : PSCI_0_2, v) < 0)
		return -1;
	if (cfg) {
		kfp_report_init(&rep);
		*applied = kfp_arm64_apply(cfg, v->vm, v->vcpu, &plan, &rep);
		print_report(what, &rep);
		if (*applied)
			return 0;
	}
	if (el1_map(v) < 0 || el1_start(v) < 0 || el1_run(v, res) < 0)
		return -1;
	return 0;
}

static unsigned field(uint64_t v, unsigned shift)
{
	return (unsigned)kfp_arm64_field_get(v, shift, 4);
}

/* 6.12: the guest sees AES = 0. */
static void aes_hidden(int kvm)
{
	struct vm v, n;
	uint64_t res[FLEET_EL1_NRESULTS], nres[FLEET_EL1_NRESULTS], isar0 = 0;
	int applied;

	if (probe_vm(kvm, NULL, "none", &n, nres, &applied) < 0) {
		check("aes-hidden", 0, "the VM without a policy broke down: %s", fail_reason());
		vm_destroy(&n);
		return;
	}
	out("KFP-SEEN none guest ID_AA64ISAR0_EL1=0x%016" PRIx64 " AES=%u\n",
	    nres[FLEET_EL1_ID(6, 0)], field(nres[FLEET_EL1_ID(6, 0)], 4));
	vm_destroy(&n);
	if (probe_vm(kvm, FLEET_POLICY_AES, "aes-6.12", &v, res, &applied) < 0) {
		check("aes-hidden", 0, "broke down: %s", fail_reason());
		vm_destroy(&v);
		return;
	}
	if (applied) {
		check("aes-hidden", 0, "kfp_arm64_apply(aes-6.12) on this 6.12 kernel: %s",
		      errname(-applied));
		vm_destroy(&v);
		return;
	}
	reg_get64(v.vcpu, REG_ID_AA64ISAR0_EL1, &isar0);
	uint64_t g = res[FLEET_EL1_ID(6, 0)];
	out("KFP-SEEN aes-6.12 one_reg ID_AA64ISAR0_EL1=0x%016" PRIx64 " AES=%u\n", isar0,
	    field(isar0, 4));
	out("KFP-SEEN aes-6.12 guest ID_AA64ISAR0_EL1=0x%016" PRIx64 " AES=%u\n", g,
	    field(g, 4));
	check("aes-hidden", field(isar0, 4) == 0 && field(g, 4) == 0 &&
				    field(nres[FLEET_EL1_ID(6, 0)], 4) != 0 &&
				    (g & ~UINT64_C(0xf0)) == (nres[FLEET_EL1_ID(6, 0)] & ~UINT64_C(0xf0)),
	      "guest MRS ID_AA64ISAR0_EL1=0x%016" PRIx64 " (AES=%u; without the policy AES=%u, "
	      "other fields %s); ONE_REG AES=%u",
	      g, field(g, 4), field(nres[FLEET_EL1_ID(6, 0)], 4),
	      (g & ~UINT64_C(0xf0)) == (nres[FLEET_EL1_ID(6, 0)] & ~UINT64_C(0xf0)) ? "unchanged"
										 : "CHANGED",
	      field(isar0, 4));
	vm_destroy(&v);
}

/* All registers of the vCPU's list, for "nothing was written". */
static uint64_t *snapshot(int vcpu, uint64_t *n, unsigned char (**vals)[REG_MAX_BYTES])
{
	uint64_t *l = reg_list(vcpu, n);

	if (!l)
		return NULL;
	*vals = calloc(*n ? *n : 1, REG_MAX_BYTES);
	if (!*vals) {
		free(l);
		return NULL;
	}
	for (uint64_t i = 0; i < *n; i++)
		reg_get(vcpu, l[i], (*vals)[i]);
	return l;
}

/* 6.1: the 6.12-only policy is refused before any write, naming the field
 * and this kernel. */
static void aes_refused(int kvm, const char *release)
{
	static struct kfp_arm64_plan plan;
	struct kfp_report rep;
	struct vm v;
	uint64_t n0 = 0, n1 = 0, *l0, *l1;
	unsigned char (*v0)[REG_MAX_BYTES] = NULL, (*v1)[REG_MAX_BYTES] = NULL;
	char buf[300], named[300] = "";
	unsigned changed = 0;

	if (vm_create(kvm, kfp_arm64_vcpu_features(FLEET_POLICY_AES), &v) < 0) {
		check("aes-refused", 0, "broke down: %s", fail_reason());
		vm_destroy(&v);
		return;
	}
	l0 = snapshot(v.vcpu, &n0, &v0);
	kfp_report_init(&rep);
	int r = kfp_arm64_apply(FLEET_POLICY_AES, v.vm, v.vcpu, &plan, &rep);
	print_report("aes-6.12", &rep);
	l1 = snapshot(v.vcpu, &n1, &v1);
	if (!l0 || !l1 || n0 != n1) {
		check("aes-refused", 0, "register list unreadable or changed (%" PRIu64 " -> %" PRIu64 ")",
		      n0, n1);
		goto out;
	}
	for (uint64_t i = 0; i < n0; i++)
		if (l0[i] != l1[i] ||
		    (memcmp(v0[i], v1[i], reg_size(l0[i])) != 0 &&
		     l0[i] != KFP_ARM64_SYSREG(3, 3, 14, 3, 2) /* the virtual counter moves */ &&
		     l0[i] != KFP_ARM64_SYSREG(3, 3, 14, 0, 1) /* the physical one too */)) {
			out("KFP-SEEN aes-6.12 changed %s\n", reg_name(l0[i]));
			changed++;
		}
	for (uint32_t i = 0; i < rep.nitems; i++) {
		kfp_report_item_format(&rep.items[i], buf, sizeof(buf));
		if (strstr(buf, "ID_AA64ISAR0_EL1") && strstr(buf, "AES") &&
		    strstr(buf, release)) {
			snprintf(named, sizeof(named), "%s", buf);
			break;
		}
	}
	check("aes-refused", r == -ENOTSUP && changed == 0 && rep.napplied == 0 && named[0],
	      "kfp_arm64_apply: %s, %u of %" PRIu64 " registers changed (counters aside), napplied=%u; "
	      "item naming ID_AA64ISAR0_EL1, AES and %s: %s",
	      r ? errname(-r) : "0 (accepted!)", changed, n0, rep.napplied, release,
	      named[0] ? named : "none");
out:
	free(l0);
	free(l1);
	free(v0);
	free(v1);
	vm_destroy(&v);
}

/* 6.1, 6.12: PTP and TRNG off, in the bitmaps and for the guest. */
static void hypercalls_off(int kvm, const struct kfp_config *cfg, const char *what)
{
	struct vm v, n;
	uint64_t res[FLEET_EL1_NRESULTS], nres[FLEET_EL1_NRESULTS];
	uint64_t std = ~0ull, hyp = ~0ull, vend = ~0ull;
	int applied;

	if (probe_vm(kvm, NULL, "none", &n, nres, &applied) < 0) {
		check("hypercalls-off", 0, "the VM without a policy broke down: %s", fail_reason());
		vm_destroy(&n);
		return;
	}
	out("KFP-SEEN none guest TRNG_VERSION=0x%" PRIx64 " KVM_FEATURES=0x%" PRIx64
	    " PTP=%s PV_TIME=0x%" PRIx64 "\n",
	    nres[FLEET_EL1_TRNG_VERSION], nres[FLEET_EL1_KVM_FEATURES],
	    nres[FLEET_EL1_PTP] == NOT_SUPPORTED ? "NOT_SUPPORTED" : "supported",
	    nres[FLEET_EL1_PV_TIME]);
	vm_destroy(&n);
	if (probe_vm(kvm, cfg, what, &v, res, &applied) < 0) {
		check("hypercalls-off", 0, "broke down: %s", fail_reason());
		vm_destroy(&v);
		return;
	}
	if (applied) {
		check("hypercalls-off", 0, "kfp_arm64_apply(%s) refused on this kernel: %s (see KFP-APPLY)",
		      what, errname(-applied));
		vm_destroy(&v);
		return;
	}
	reg_get64(v.vcpu, KFP_ARM64_FW_BMAP(0), &std);
	reg_get64(v.vcpu, KFP_ARM64_FW_BMAP(1), &hyp);
	reg_get64(v.vcpu, KFP_ARM64_FW_BMAP(2), &vend);
	out("KFP-SEEN %s one_reg STD_BMAP=0x%" PRIx64 " STD_HYP_BMAP=0x%" PRIx64
	    " VENDOR_HYP_BMAP=0x%" PRIx64 "\n", what, std, hyp, vend);
	out("KFP-SEEN %s guest TRNG_VERSION=0x%" PRIx64 " KVM_FEATURES=0x%" PRIx64
	    " PTP=%s PV_TIME=0x%" PRIx64 "\n",
	    what, res[FLEET_EL1_TRNG_VERSION], res[FLEET_EL1_KVM_FEATURES],
	    res[FLEET_EL1_PTP] == NOT_SUPPORTED ? "NOT_SUPPORTED" : "supported",
	    res[FLEET_EL1_PV_TIME]);
	int bitmaps = (std & 1) == 0 && (vend & 3) == 0 && (hyp & 1) == 1;
	int guest = res[FLEET_EL1_TRNG_VERSION] == NOT_SUPPORTED &&
		    res[FLEET_EL1_KVM_FEATURES] == NOT_SUPPORTED &&
		    res[FLEET_EL1_PTP] == NOT_SUPPORTED && res[FLEET_EL1_PV_TIME] == 0;
	int control = nres[FLEET_EL1_TRNG_VERSION] != NOT_SUPPORTED &&
		      nres[FLEET_EL1_PTP] != NOT_SUPPORTED;
	check("hypercalls-off", bitmaps && guest && control,
	      "bitmaps STD=0x%" PRIx64 " STD_HYP=0x%" PRIx64 " VENDOR_HYP=0x%" PRIx64 " (%s); guest "
	      "TRNG_VERSION=%s PTP=%s KVM_FEATURES=%s PV_TIME=%s (%s); without the policy TRNG "
	      "%s, PTP %s",
	      std, hyp, vend, bitmaps ? "TRNG, PTP, FUNC_FEAT clear, PV_TIME set" : "WRONG",
	      res[FLEET_EL1_TRNG_VERSION] == NOT_SUPPORTED ? "NOT_SUPPORTED" : "supported",
	      res[FLEET_EL1_PTP] == NOT_SUPPORTED ? "NOT_SUPPORTED" : "supported",
	      res[FLEET_EL1_KVM_FEATURES] == NOT_SUPPORTED ? "NOT_SUPPORTED" : "supported",
	      res[FLEET_EL1_PV_TIME] == 0 ? "supported" : "NOT_SUPPORTED",
	      guest ? "as the policy says" : "WRONG",
	      nres[FLEET_EL1_TRNG_VERSION] != NOT_SUPPORTED ? "supported" : "NOT_SUPPORTED",
	      nres[FLEET_EL1_PTP] != NOT_SUPPORTED ? "supported" : "NOT_SUPPORTED");
	vm_destroy(&v);
}

int main(void)
{
	char series[16];
	struct utsname u;
	int kvm;

	fleet_begin("fleet_policy", series, sizeof(series));
	uname(&u);
	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		fleet_end(fail("open /dev/kvm: %s", errname(errno)));
	if (strcmp(series, "6.12") == 0) {
		aes_hidden(kvm);
		hypercalls_off(kvm, FLEET_POLICY_HC_6_12, "hypercalls-6.12");
	} else if (strcmp(series, "6.1") == 0) {
		aes_refused(kvm, u.release);
		hypercalls_off(kvm, FLEET_POLICY_HC_6_1, "hypercalls-6.1");
	} else {
		fail("fleet_policy runs on 6.1 and 6.12, not %s", series);
	}
	close(kvm);
	out("KFP-FACT checks failed=%d\n", nfailed);
	fleet_end(nfailed ? -1 : 0);
}
