/* SPDX-License-Identifier: Apache-2.0 */
/* Shared code of the fleet in-guest programs: see fleet_common.h. */
#include "fleet_common.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#ifndef __aarch64__
#error "an arm64 guest program: build it with cmake/aarch64-linux-gnu.cmake"
#endif

/* ---- output ------------------------------------------------------------ */

const char *errname(int e)
{
	static char buf[16];

	switch (e) {
	case 0: return "ok";
	case EINVAL: return "EINVAL";
	case ENOENT: return "ENOENT";
	case EBUSY: return "EBUSY";
	case E2BIG: return "E2BIG";
	case EPERM: return "EPERM";
	case EFAULT: return "EFAULT";
	case ENOTTY: return "ENOTTY";
	case ENXIO: return "ENXIO";
	case ENODEV: return "ENODEV";
	case EINTR: return "EINTR";
	case ENOTSUP: return "ENOTSUP";
	case EIO: return "EIO";
	case ENOEXEC: return "ENOEXEC";
	default: break;
	}
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

/* ---- /init ------------------------------------------------------------- */

static int as_init;
static volatile sig_atomic_t alarmed;

static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

void fleet_begin(const char *program, char *series, size_t size)
{
	struct utsname u;
	struct sigaction sa;
	unsigned maj = 0, min = 0;

	as_init = getpid() == 1;
	if (as_init)
		fleet_setup_init();
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: KVM_RUN gets EINTR */
	sigaction(SIGALRM, &sa, NULL);

	uname(&u);
	sscanf(u.release, "%u.%u", &maj, &min);
	snprintf(series, size, "%u.%u", maj, min);
	out("\nKFP-BEGIN %s 1\n", program);
	out("KFP-FACT kernel %s\n", u.release);
	out("KFP-FACT series %s\n", series);
}

void fleet_end(int rc)
{
	if (rc == 0 && fail_reason()[0] == '\0')
		out("KFP-RESULT PASS\n");
	else
		out("KFP-RESULT FAIL %s\n", fail_reason()[0] ? fail_reason() : "unknown");
	out("KFP-END\n");
	if (as_init) {
		sync();
		reboot(RB_POWER_OFF);
	}
	exit(rc == 0 ? 0 : 1);
}

/* ---- VM ---------------------------------------------------------------- */

int vm_create(int kvm, uint32_t features0, struct vm *v)
{
	struct kvm_vcpu_init init;
	int sz;

	memset(v, 0, sizeof(*v));
	v->vm = v->vcpu = v->gic = -1;
	v->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return fail("KVM_CREATE_VM: %s", errname(errno));
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return fail("KVM_CREATE_VCPU: %s", errname(errno));
	memset(&init, 0, sizeof(init));
	if (ioctl(v->vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return fail("KVM_ARM_PREFERRED_TARGET: %s", errname(errno));
	init.features[0] = features0;
	if (ioctl(v->vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return fail("KVM_ARM_VCPU_INIT(features 0x%x): %s", features0,
			    errname(errno));
	/* An in-kernel GICv3, as every real VMM has: without one, 6.12
	 * clears the GIC fields of the ID registers at the first KVM_RUN. */
	struct kvm_create_device dev = { .type = KVM_DEV_TYPE_ARM_VGIC_V3 };
	if (ioctl(v->vm, KVM_CREATE_DEVICE, &dev) < 0)
		return fail("KVM_CREATE_DEVICE(VGIC_V3): %s", errname(errno));
	uint64_t dist = VGIC_DIST_GPA, redist = VGIC_REDIST_GPA;
	struct kvm_device_attr a_dist = {
		.group = KVM_DEV_ARM_VGIC_GRP_ADDR,
		.attr = KVM_VGIC_V3_ADDR_TYPE_DIST,
		.addr = (uint64_t)(uintptr_t)&dist,
	}, a_redist = {
		.group = KVM_DEV_ARM_VGIC_GRP_ADDR,
		.attr = KVM_VGIC_V3_ADDR_TYPE_REDIST,
		.addr = (uint64_t)(uintptr_t)&redist,
	}, a_init = {
		.group = KVM_DEV_ARM_VGIC_GRP_CTRL,
		.attr = KVM_DEV_ARM_VGIC_CTRL_INIT,
	};
	if (ioctl((int)dev.fd, KVM_SET_DEVICE_ATTR, &a_dist) < 0 ||
	    ioctl((int)dev.fd, KVM_SET_DEVICE_ATTR, &a_redist) < 0 ||
	    ioctl((int)dev.fd, KVM_SET_DEVICE_ATTR, &a_init) < 0) {
		int e = errno;
		close((int)dev.fd);
		return fail("VGIC_V3 setup: %s", errname(e));
	}
	v->gic = (int)dev.fd;
	sz = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0)
		return fail("KVM_GET_VCPU_MMAP_SIZE: %s", errname(errno));
	v->run_size = (size_t)sz;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		      v->vcpu, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		return fail("mmap(vcpu): %s", errname(errno));
	}
	return 0;
}

void vm_destroy(struct vm *v)
{
	if (v->mem)
		munmap(v->mem, GUEST_MEM);
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->gic >= 0)
		close(v->gic);
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->vm >= 0)
		close(v->vm);
	memset(v, 0, sizeof(*v));
	v->vm = v->vcpu = v->gic = -1;
}

/* ---- registers ----------------------------------------------------------- */

size_t reg_size(uint64_t id)
{
	return (size_t)1 << ((id & KVM_REG_SIZE_MASK) >> KVM_REG_SIZE_SHIFT);
}

int reg_get(int vcpu, uint64_t id, void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	if (reg_size(id) > REG_MAX_BYTES)
		return E2BIG;
	return ioctl(vcpu, KVM_GET_ONE_REG, &r) < 0 ? errno : 0;
}

int reg_set(int vcpu, uint64_t id, const void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	if (reg_size(id) > REG_MAX_BYTES)
		return E2BIG;
	return ioctl(vcpu, KVM_SET_ONE_REG, &r) < 0 ? errno : 0;
}

int reg_get64(int vcpu, uint64_t id, uint64_t *val)
{
	unsigned char b[REG_MAX_BYTES] = { 0 };
	int e;

	if (reg_size(id) > 8)
		return E2BIG;
	e = reg_get(vcpu, id, b);
	*val = 0;
	memcpy(val, b, reg_size(id)); /* little endian */
	return e;
}

int reg_set64(int vcpu, uint64_t id, uint64_t val)
{
	if (reg_size(id) > 8)
		return E2BIG;
	return reg_set(vcpu, id, &val);
}

void reg_format(uint64_t id, const void *val, char *buf, size_t size)
{
	const unsigned char *b = val;
	size_t n = reg_size(id), o = 0;

	if (size < 3 + 2 * n) {
		snprintf(buf, size, "?");
		return;
	}
	buf[o++] = '0';
	buf[o++] = 'x';
	for (size_t i = n; i-- > 0;) {
		snprintf(buf + o, 3, "%02x", b[i]);
		o += 2;
	}
	buf[o] = '\0';
}

int reg_parse(uint64_t id, const char *s, void *val)
{
	unsigned char *b = val;
	size_t n = reg_size(id), len;

	if (n > REG_MAX_BYTES || strncmp(s, "0x", 2) != 0)
		return -1;
	s += 2;
	len = strspn(s, "0123456789abcdefABCDEF");
	if (len != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		unsigned v;
		if (sscanf(s + 2 * (n - 1 - i), "%2x", &v) != 1)
			return -1;
		b[i] = (unsigned char)v;
	}
	return 0;
}

uint64_t *reg_list(int vcpu, uint64_t *n)
{
	struct kvm_reg_list probe = { .n = 0 }, *l;
	uint64_t *ids;

	if (ioctl(vcpu, KVM_GET_REG_LIST, &probe) == 0 || errno != E2BIG) {
		fail("KVM_GET_REG_LIST(n=0): expected E2BIG, got %s",
		     errname(errno));
		return NULL;
	}
	l = calloc(1, sizeof(*l) + probe.n * sizeof(l->reg[0]));
	if (!l) {
		fail("out of memory");
		return NULL;
	}
	l->n = probe.n;
	if (ioctl(vcpu, KVM_GET_REG_LIST, l) < 0) {
		fail("KVM_GET_REG_LIST: %s", errname(errno));
		free(l);
		return NULL;
	}
	ids = malloc((l->n ? l->n : 1) * sizeof(*ids));
	if (!ids) {
		free(l);
		fail("out of memory");
		return NULL;
	}
	memcpy(ids, l->reg, l->n * sizeof(*ids));
	*n = l->n;
	free(l);
	return ids;
}

int in_list(const uint64_t *l, uint64_t n, uint64_t id)
{
	for (uint64_t i = 0; i < n; i++)
		if (l[i] == id)
			return 1;
	return 0;
}

/* ---- names ------------------------------------------------------------- */

static const char *const id_names[8][8] = {
	{ "MIDR_EL1", NULL, NULL, NULL, NULL, "MPIDR_EL1", "REVIDR_EL1", NULL },
	{ "ID_PFR0_EL1", "ID_PFR1_EL1", "ID_DFR0_EL1", "ID_AFR0_EL1",
	  "ID_MMFR0_EL1", "ID_MMFR1_EL1", "ID_MMFR2_EL1", "ID_MMFR3_EL1" },
	{ "ID_ISAR0_EL1", "ID_ISAR1_EL1", "ID_ISAR2_EL1", "ID_ISAR3_EL1",
	  "ID_ISAR4_EL1", "ID_ISAR5_EL1", "ID_MMFR4_EL1", "ID_ISAR6_EL1" },
	{ "MVFR0_EL1", "MVFR1_EL1", "MVFR2_EL1", NULL, "ID_PFR2_EL1",
	  "ID_DFR1_EL1", "ID_MMFR5_EL1", NULL },
	{ "ID_AA64PFR0_EL1", "ID_AA64PFR1_EL1", "ID_AA64PFR2_EL1", NULL,
	  "ID_AA64ZFR0_EL1", "ID_AA64SMFR0_EL1", NULL, "ID_AA64FPFR0_EL1" },
	{ "ID_AA64DFR0_EL1", "ID_AA64DFR1_EL1", "ID_AA64DFR2_EL1", NULL,
	  "ID_AA64AFR0_EL1", "ID_AA64AFR1_EL1", NULL, NULL },
	{ "ID_AA64ISAR0_EL1", "ID_AA64ISAR1_EL1", "ID_AA64ISAR2_EL1",
	  "ID_AA64ISAR3_EL1", NULL, NULL, NULL, NULL },
	{ "ID_AA64MMFR0_EL1", "ID_AA64MMFR1_EL1", "ID_AA64MMFR2_EL1",
	  "ID_AA64MMFR3_EL1", "ID_AA64MMFR4_EL1", NULL, NULL, NULL },
};

static const struct {
	uint8_t op0, op1, crn, crm, op2;
	const char *name;
} sys_names[] = {
	{ 3, 0, 1, 0, 0, "SCTLR_EL1" },     { 3, 0, 1, 0, 1, "ACTLR_EL1" },
	{ 3, 0, 1, 0, 2, "CPACR_EL1" },     { 3, 0, 1, 0, 3, "SCTLR2_EL1" },
	{ 3, 0, 1, 0, 5, "RGSR_EL1" },      { 3, 0, 1, 0, 6, "GCR_EL1" },
	{ 3, 0, 1, 2, 0, "ZCR_EL1" },       { 3, 0, 2, 0, 0, "TTBR0_EL1" },
	{ 3, 0, 2, 0, 1, "TTBR1_EL1" },     { 3, 0, 2, 0, 2, "TCR_EL1" },
	{ 3, 0, 2, 0, 3, "TCR2_EL1" },      { 3, 0, 2, 1, 0, "APIAKEYLO_EL1" },
	{ 3, 0, 2, 1, 1, "APIAKEYHI_EL1" }, { 3, 0, 2, 1, 2, "APIBKEYLO_EL1" },
	{ 3, 0, 2, 1, 3, "APIBKEYHI_EL1" }, { 3, 0, 2, 2, 0, "APDAKEYLO_EL1" },
	{ 3, 0, 2, 2, 1, "APDAKEYHI_EL1" }, { 3, 0, 2, 2, 2, "APDBKEYLO_EL1" },
	{ 3, 0, 2, 2, 3, "APDBKEYHI_EL1" }, { 3, 0, 2, 3, 0, "APGAKEYLO_EL1" },
	{ 3, 0, 2, 3, 1, "APGAKEYHI_EL1" }, { 3, 0, 5, 1, 0, "AFSR0_EL1" },
	{ 3, 0, 5, 1, 1, "AFSR1_EL1" },     { 3, 0, 5, 2, 0, "ESR_EL1" },
	{ 3, 0, 5, 6, 0, "TFSR_EL1" },      { 3, 0, 5, 6, 1, "TFSRE0_EL1" },
	{ 3, 0, 6, 0, 0, "FAR_EL1" },       { 3, 0, 7, 4, 0, "PAR_EL1" },
	{ 3, 0, 9, 14, 1, "PMINTENSET_EL1" }, { 3, 0, 9, 14, 2, "PMINTENCLR_EL1" },
	{ 3, 0, 10, 2, 0, "MAIR_EL1" },     { 3, 0, 10, 2, 2, "PIRE0_EL1" },
	{ 3, 0, 10, 2, 3, "PIR_EL1" },      { 3, 0, 10, 2, 4, "POR_EL1" },
	{ 3, 0, 10, 3, 0, "AMAIR_EL1" },    { 3, 0, 12, 0, 0, "VBAR_EL1" },
	{ 3, 0, 12, 12, 5, "ICC_SRE_EL1" }, { 3, 0, 13, 0, 1, "CONTEXTIDR_EL1" },
	{ 3, 0, 13, 0, 4, "TPIDR_EL1" },    { 3, 0, 13, 0, 7, "SCXTNUM_EL1" },
	{ 3, 0, 14, 1, 0, "CNTKCTL_EL1" },  { 3, 1, 0, 0, 1, "CLIDR_EL1" },
	{ 3, 1, 0, 0, 7, "AIDR_EL1" },      { 3, 2, 0, 0, 0, "CSSELR_EL1" },
	{ 3, 3, 0, 0, 1, "CTR_EL0" },       { 3, 3, 0, 0, 7, "DCZID_EL0" },
	{ 3, 3, 9, 12, 0, "PMCR_EL0" },     { 3, 3, 9, 12, 1, "PMCNTENSET_EL0" },
	{ 3, 3, 9, 12, 2, "PMCNTENCLR_EL0" }, { 3, 3, 9, 12, 3, "PMOVSCLR_EL0" },
	{ 3, 3, 9, 12, 4, "PMSWINC_EL0" },  { 3, 3, 9, 12, 5, "PMSELR_EL0" },
	{ 3, 3, 9, 13, 0, "PMCCNTR_EL0" },  { 3, 3, 9, 14, 0, "PMUSERENR_EL0" },
	{ 3, 3, 9, 14, 3, "PMOVSSET_EL0" }, { 3, 3, 10, 2, 4, "POR_EL0" },
	{ 3, 3, 13, 0, 2, "TPIDR_EL0" },    { 3, 3, 13, 0, 3, "TPIDRRO_EL0" },
	{ 3, 3, 13, 0, 7, "SCXTNUM_EL0" },  { 3, 3, 14, 0, 1, "CNTPCT_EL0" },
	{ 3, 3, 14, 0, 2, "TIMER_CVAL(CNTV_CVAL_EL0)" },
	{ 3, 3, 14, 2, 1, "CNTP_CTL_EL0" }, { 3, 3, 14, 2, 2, "CNTP_CVAL_EL0" },
	{ 3, 3, 14, 3, 1, "CNTV_CTL_EL0" },
	{ 3, 3, 14, 3, 2, "TIMER_CNT(CNTVCT_EL0)" },
	{ 3, 3, 14, 15, 7, "PMCCFILTR_EL0" }, { 3, 4, 3, 0, 0, "DACR32_EL2" },
	{ 3, 4, 5, 0, 1, "IFSR32_EL2" },    { 3, 4, 5, 3, 0, "FPEXC32_EL2" },
	{ 2, 0, 0, 2, 0, "MDCCINT_EL1" },   { 2, 0, 0, 2, 2, "MDSCR_EL1" },
	{ 2, 0, 1, 0, 0, "MDRAR_EL1" },     { 2, 0, 1, 0, 4, "OSLAR_EL1" },
	{ 2, 0, 1, 1, 4, "OSLSR_EL1" },     { 2, 0, 1, 3, 4, "OSDLR_EL1" },
	{ 2, 0, 1, 4, 4, "DBGPRCR_EL1" },   { 2, 0, 7, 8, 6, "DBGCLAIMSET_EL1" },
	{ 2, 0, 7, 9, 6, "DBGCLAIMCLR_EL1" }, { 2, 0, 7, 14, 6, "DBGAUTHSTATUS_EL1" },
	{ 2, 3, 0, 1, 0, "MDCCSR_EL0" },    { 2, 3, 0, 4, 0, "DBGDTR_EL0" },
	{ 2, 3, 0, 5, 0, "DBGDTRRX_EL0" },  { 2, 4, 0, 7, 0, "DBGVCR32_EL2" },
};

const char *reg_name(uint64_t id)
{
	static char buf[48];
	uint64_t arch_coproc = id & (KVM_REG_ARCH_MASK | KVM_REG_ARM_COPROC_MASK);
	uint64_t low = id & 0xffff;

	if (arch_coproc == (KVM_REG_ARM64 | KVM_REG_ARM_CORE)) {
		/* offsets in 32-bit words of struct kvm_regs */
		unsigned off = (unsigned)(id & 0xffff);
		if (off < 62 && off % 2 == 0)
			snprintf(buf, sizeof(buf), "x%u", off / 2);
		else if (off == 62)
			snprintf(buf, sizeof(buf), "sp");
		else if (off == 64)
			snprintf(buf, sizeof(buf), "pc");
		else if (off == 66)
			snprintf(buf, sizeof(buf), "pstate");
		else if (off == 68)
			snprintf(buf, sizeof(buf), "sp_el1");
		else if (off == 70)
			snprintf(buf, sizeof(buf), "elr_el1");
		else if (off >= 72 && off < 82)
			snprintf(buf, sizeof(buf), "spsr[%u]", (off - 72) / 2);
		else if (off >= 84 && off < 84 + 128)
			snprintf(buf, sizeof(buf), "v%u", (off - 84) / 4);
		else if (off == 212)
			snprintf(buf, sizeof(buf), "fpsr");
		else if (off == 213)
			snprintf(buf, sizeof(buf), "fpcr");
		else
			snprintf(buf, sizeof(buf), "core[%u]", off);
		return buf;
	}
	if (arch_coproc == (KVM_REG_ARM64 | KVM_REG_ARM64_SYSREG)) {
		struct kfp_sysreg_enc e = kfp_arm64_sysreg_enc(id);
		unsigned op0 = e.op0, op1 = e.op1, crn = e.crn, crm = e.crm, op2 = e.op2;
		if (op0 == 3 && op1 == 0 && crn == 0 && crm < 8 &&
		    id_names[crm][op2])
			return id_names[crm][op2];
		for (size_t i = 0; i < sizeof(sys_names) / sizeof(sys_names[0]); i++)
			if (sys_names[i].op0 == op0 && sys_names[i].op1 == op1 &&
			    sys_names[i].crn == crn && sys_names[i].crm == crm &&
			    sys_names[i].op2 == op2)
				return sys_names[i].name;
		if (op0 == 2 && op1 == 0 && crn == 0 && op2 >= 4) {
			static const char *const dbg[] = { "DBGBVR", "DBGBCR",
							   "DBGWVR", "DBGWCR" };
			snprintf(buf, sizeof(buf), "%s%u_EL1", dbg[op2 - 4], crm);
			return buf;
		}
		if (op0 == 3 && op1 == 3 && crn == 14 && crm >= 8) {
			unsigned n = (crm & 3) * 8 + op2;
			snprintf(buf, sizeof(buf), "%s%u_EL0",
				 crm < 12 ? "PMEVCNTR" : "PMEVTYPER", n);
			return buf;
		}
		snprintf(buf, sizeof(buf), "S%u_%u_C%u_C%u_%u", op0, op1, crn, crm,
			 op2);
		return buf;
	}
	if (arch_coproc == (KVM_REG_ARM64 | KVM_REG_ARM_FW)) {
		static const char *const fw[] = { "PSCI_VERSION",
						  "SMCCC_ARCH_WORKAROUND_1",
						  "SMCCC_ARCH_WORKAROUND_2",
						  "SMCCC_ARCH_WORKAROUND_3" };
		if (low < 4)
			return fw[low];
	}
	if (arch_coproc == (KVM_REG_ARM64 | (UINT64_C(0x0016) << KVM_REG_ARM_COPROC_SHIFT))) {
		static const char *const bm[] = { "STD_BMAP", "STD_HYP_BMAP",
						  "VENDOR_HYP_BMAP",
						  "VENDOR_HYP_BMAP_2" };
		if (low < 4)
			return bm[low];
	}
	if (arch_coproc == (KVM_REG_ARM64 | KVM_REG_ARM_DEMUX)) {
		snprintf(buf, sizeof(buf), "CCSIDR[%u]", (unsigned)(id & 0xff));
		return buf;
	}
	snprintf(buf, sizeof(buf), "0x%016" PRIx64, id);
	return buf;
}

/* ---- the EL1 probe ----------------------------------------------------------- */

extern const unsigned char fleet_el1_code[], fleet_el1_code_end[];

int el1_map(struct vm *v)
{
	size_t n = (size_t)(fleet_el1_code_end - fleet_el1_code);

	if (n > GUEST_MEM || n < FLEET_EL1_SIZE)
		return fail("EL1 probe image has %zu bytes", n);
	v->mem = mmap(NULL, GUEST_MEM, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (v->mem == MAP_FAILED) {
		v->mem = NULL;
		return fail("mmap(guest memory): %s", errname(errno));
	}
	memcpy(v->mem, fleet_el1_code, n);
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = GUEST_GPA,
		.memory_size = GUEST_MEM,
		.userspace_addr = (uint64_t)(uintptr_t)v->mem,
	};
	if (ioctl(v->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION: %s", errname(errno));
	return 0;
}

int el1_start(struct vm *v)
{
	uint64_t pc_id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
			 KVM_REG_ARM_CORE_REG(regs.pc);
	int e = reg_set64(v->vcpu, pc_id, GUEST_GPA);

	return e ? fail("KVM_SET_ONE_REG(pc): %s", errname(e)) : 0;
}

int el1_run(struct vm *v, uint64_t *res)
{
	int rc = -1;

	alarmed = 0;
	alarm(60);
	for (int i = 0; i < 64; i++) {
		if (ioctl(v->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR && !alarmed)
				continue;
			fail("KVM_RUN: %s%s", errname(errno),
			     alarmed ? " (the EL1 probe did not finish within 60 s)" : "");
			break;
		}
		if (v->run->exit_reason != KVM_EXIT_MMIO) {
			fail("KVM_RUN: exit reason %u, expected MMIO",
			     v->run->exit_reason);
			break;
		}
		uint64_t data = 0, addr = v->run->mmio.phys_addr;
		memcpy(&data, v->run->mmio.data,
		       v->run->mmio.len < 8 ? v->run->mmio.len : 8);
		if (addr == FLEET_EL1_MMIO + 8) {
			uint64_t esr;
			memcpy(&esr, (char *)v->mem + FLEET_EL1_ESR_OFF, 8);
			fail("EL1 probe: exception ESR_EL1=0x%" PRIx64
			     " ELR_EL1=0x%" PRIx64, esr, data);
			break;
		}
		if (addr != FLEET_EL1_MMIO || !v->run->mmio.is_write ||
		    data != FLEET_EL1_DONE) {
			fail("EL1 probe: unexpected MMIO exit addr=0x%" PRIx64
			     " data=0x%" PRIx64, addr, data);
			break;
		}
		memcpy(res, (char *)v->mem + FLEET_EL1_RESULTS_OFF,
		       FLEET_EL1_NRESULTS * sizeof(uint64_t));
		/* Complete the MMIO write (KVM does it on the next KVM_RUN) and
		 * come straight back, so the saved PC is past the store. */
		v->run->immediate_exit = 1;
		if (ioctl(v->vcpu, KVM_RUN, 0) == 0 || errno != EINTR) {
			fail("KVM_RUN(immediate_exit): expected EINTR, got %s",
			     errname(errno));
			v->run->immediate_exit = 0;
			break;
		}
		v->run->immediate_exit = 0;
		rc = 0;
		break;
	}
	alarm(0);
	return rc;
}

const char *el1_result_name(unsigned i)
{
	static char buf[40];
	static const char *const hvc[] = {
		"hvc:PSCI_VERSION",  "hvc:SMCCC_VERSION",
		"hvc:ARCH_FEATURES(WORKAROUND_1)", "hvc:ARCH_FEATURES(WORKAROUND_2)",
		"hvc:ARCH_FEATURES(WORKAROUND_3)", "hvc:ARCH_FEATURES(PV_TIME)",
		"hvc:TRNG_VERSION",  "hvc:KVM_FEATURES", "hvc:PTP",
		"pass(x20,v7.lo)", "v7.hi",
	};

	if (i < 56) {
		unsigned crm = i / 8 + 1, op2 = i % 8;
		const char *n = id_names[crm][op2];
		if (n)
			return n;
		snprintf(buf, sizeof(buf), "S3_0_C0_C%u_%u", crm, op2);
		return buf;
	}
	switch (i) {
	case FLEET_EL1_MIDR: return "MIDR_EL1";
	case FLEET_EL1_MPIDR: return "MPIDR_EL1";
	case FLEET_EL1_REVIDR: return "REVIDR_EL1";
	case FLEET_EL1_CTR: return "CTR_EL0";
	case FLEET_EL1_CLIDR: return "CLIDR_EL1";
	case FLEET_EL1_DCZID: return "DCZID_EL0";
	case FLEET_EL1_AIDR: return "AIDR_EL1";
	default: break;
	}
	if (i >= FLEET_EL1_CCSIDR(0) && i < FLEET_EL1_HVC) {
		snprintf(buf, sizeof(buf), "CCSIDR_EL1[CSSELR=%u]",
			 i - FLEET_EL1_CCSIDR(0));
		return buf;
	}
	if (i >= FLEET_EL1_HVC && i < FLEET_EL1_NRESULTS)
		return hvc[i - FLEET_EL1_HVC];
	return "?";
}

int el1_result_valid(unsigned i, const uint64_t *res)
{
	unsigned sel, level, ctype;

	if (i < FLEET_EL1_CCSIDR(0) || i >= FLEET_EL1_HVC)
		return 1;
	/* CCSIDR_EL1 describes the cache CSSELR selects only if CLIDR_EL1
	 * says it exists; otherwise its value is UNKNOWN. */
	sel = i - FLEET_EL1_CCSIDR(0);
	level = sel >> 1;
	ctype = (unsigned)(res[FLEET_EL1_CLIDR] >> (3 * level)) & 7;
	if (sel & 1)
		return ctype == 1 || ctype == 3;           /* instruction */
	return ctype == 2 || ctype == 3 || ctype == 4; /* data or unified */
}

uint64_t el1_result_norm(unsigned i, uint64_t v)
{
	if (i == FLEET_EL1_PTP)
		return v == UINT64_MAX ? UINT64_MAX : 0; /* a time, or NOT_SUPPORTED */
	return v;
}
