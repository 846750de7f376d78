/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fleet_probe: the first in-guest program of the fleet harness.  It runs as
 * /init of an initramfs inside a Debian arm64 kernel booted by
 * tests/fleet/run-fleet (qemu-system-aarch64, EL2 emulated), proves that KVM
 * works there and prints what that kernel's KVM shows, in lines that
 * run-fleet collects from the console into .cache/fleet/facts/<series>.txt:
 *
 *   KFP-BEGIN fleet_probe 1
 *   KFP-FACT <key> <value...>        kernel, api version, target, reglist ...
 *   KFP-CAP <number> <name> <value>  KVM_CHECK_EXTENSION on the VM fd
 *   KFP-LIST <id>                    every register of KVM_GET_REG_LIST
 *   KFP-REG <id> <value> <name>      ID registers (3,0,0,0..7,0..7) listed
 *   KFP-FW <id> <value|-> <name> [errno]   firmware (pseudo-)registers
 *   KFP-CACHE <id> <value> <name>    the cache description: CLIDR_EL1 and
 *                                    the U32 CCSIDR_EL1 demux registers listed
 *   KFP-MASK <id> <mask> <name>      KVM_ARM_GET_REG_WRITABLE_MASKS
 *   KFP-WRITE <what> <when> <ok|ERRNO> [detail]
 *   KFP-RESULT PASS | KFP-RESULT FAIL <reason>
 *   KFP-END
 *
 * PASS means: /dev/kvm opens, a VM and a vCPU are created and initialised
 * (KVM_ARM_PREFERRED_TARGET + KVM_ARM_VCPU_INIT with PSCI 0.2), the register
 * list is read, every listed ID register reads, and a four-instruction
 * guest runs to an MMIO exit with the expected address and data.  The other
 * lines are facts: they are recorded, not judged.
 *
 * Needs only libc, the cross toolchain's <linux/kvm.h> and, of fleet_common,
 * the output and /init helpers (fleet_init.h); linked statically.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <kfp/arm64_regs.h>

#include "fleet_init.h"

#ifndef __aarch64__
#error "fleet_probe is an arm64 guest program: build it with cmake/aarch64-linux-gnu.cmake"
#endif

/* Fallbacks for cross headers older than 6.7 (Debian bookworm ships 6.1);
 * the masks ioctl is kfp/arm64_regs.h's. */
#ifndef KVM_CAP_ARM_WRITABLE_IMP_ID_REGS
#define KVM_CAP_ARM_WRITABLE_IMP_ID_REGS 239
#endif
#ifndef KVM_ARM_FEATURE_ID_RANGE
#define KVM_ARM_FEATURE_ID_RANGE 0
#endif

#define ID_AA64ISAR0_EL1 KFP_ARM64_SYSREG(3, 0, 0, 6, 0)

/* Guest physical layout of the run check. */
#define GUEST_CODE_GPA UINT64_C(0x10000000)
#define GUEST_MEM_SIZE 0x10000 /* a 64K page covers every granule */
#define GUEST_MMIO_GPA UINT64_C(0x90000000)
#define GUEST_MMIO_DATA 0x1234

/* ---- output ------------------------------------------------------------ */

static const char *errname(int e)
{
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
	case EOPNOTSUPP: return "EOPNOTSUPP";
	default: break;
	}
	static char buf[16];
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
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

static const char *id_name(unsigned crm, unsigned op2)
{
	const char *n = id_names[crm & 7][op2 & 7];
	return n ? n : "-";
}

static const struct {
	uint64_t id;
	const char *name;
} fw_regs[] = {
	{ KFP_ARM64_FW_REG(0), "PSCI_VERSION" },
	{ KFP_ARM64_FW_REG(1), "SMCCC_ARCH_WORKAROUND_1" },
	{ KFP_ARM64_FW_REG(2), "SMCCC_ARCH_WORKAROUND_2" },
	{ KFP_ARM64_FW_REG(3), "SMCCC_ARCH_WORKAROUND_3" },
	{ KFP_ARM64_FW_BMAP(0), "STD_BMAP" },
	{ KFP_ARM64_FW_BMAP(1), "STD_HYP_BMAP" },
	{ KFP_ARM64_FW_BMAP(2), "VENDOR_HYP_BMAP" },
	{ KFP_ARM64_FW_BMAP(3), "VENDOR_HYP_BMAP_2" },
};

static const struct {
	unsigned nr;
	const char *name;
} caps[] = {
	{ 70, "ONE_REG" },
	{ 93, "ARM_EL1_32BIT" },
	{ 126, "ARM_PMU_V3" },
	{ 165, "ARM_VM_IPA_SIZE" },
	{ 170, "ARM_SVE" },
	{ 171, "ARM_PTRAUTH_ADDRESS" },
	{ 172, "ARM_PTRAUTH_GENERIC" },
	{ 177, "ARM_NISV_TO_USER" },
	{ 205, "ARM_MTE" },
	{ 209, "SYS_ATTRIBUTES" },
	{ 230, "ARM_SUPPORTED_REG_MASK_RANGES" },
	{ 239, "ARM_WRITABLE_IMP_ID_REGS" },
};

/* ---- KVM helpers --------------------------------------------------------- */

static int get_reg(int vcpu, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };
	return ioctl(vcpu, KVM_GET_ONE_REG, &r) < 0 ? errno : 0;
}

static int set_reg(int vcpu, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };
	return ioctl(vcpu, KVM_SET_ONE_REG, &r) < 0 ? errno : 0;
}

struct vm {
	int vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
};

static int vm_create(int kvm, struct vm *v, struct kvm_vcpu_init *init_out)
{
	struct kvm_vcpu_init init;
	int sz;

	v->vm = v->vcpu = -1;
	v->run = NULL;
	v->vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (v->vm < 0)
		return fail("KVM_CREATE_VM: %s", errname(errno));
	v->vcpu = ioctl(v->vm, KVM_CREATE_VCPU, 0);
	if (v->vcpu < 0)
		return fail("KVM_CREATE_VCPU: %s", errname(errno));
	memset(&init, 0, sizeof(init));
	if (ioctl(v->vm, KVM_ARM_PREFERRED_TARGET, &init) < 0)
		return fail("KVM_ARM_PREFERRED_TARGET: %s", errname(errno));
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (ioctl(v->vcpu, KVM_ARM_VCPU_INIT, &init) < 0)
		return fail("KVM_ARM_VCPU_INIT: %s", errname(errno));
	if (init_out)
		*init_out = init;
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

static void vm_destroy(struct vm *v)
{
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->vcpu >= 0)
		close(v->vcpu);
	if (v->vm >= 0)
		close(v->vm);
}

static struct kvm_reg_list *reg_list(int vcpu)
{
	struct kvm_reg_list probe = { .n = 0 }, *l;

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
		fail("KVM_GET_REG_LIST(n=%llu): %s", (unsigned long long)probe.n,
		     errname(errno));
		free(l);
		return NULL;
	}
	return l;
}

static int in_list(const struct kvm_reg_list *l, uint64_t id)
{
	for (uint64_t i = 0; i < l->n; i++)
		if (l->reg[i] == id)
			return 1;
	return 0;
}

/* ---- the checks ---------------------------------------------------------- */

static volatile sig_atomic_t alarmed;
static void on_alarm(int sig)
{
	(void)sig;
	alarmed = 1;
}

/* Writes ID_AA64ISAR0_EL1 with AES cleared (and the same value back) and
 * prints what KVM said.  when: "before_run" or "after_run". */
static void write_checks(int vcpu, const char *when)
{
	uint64_t isar0 = 0, back = 0;
	int e;

	e = get_reg(vcpu, ID_AA64ISAR0_EL1, &isar0);
	if (e) {
		out("KFP-WRITE ID_AA64ISAR0_EL1.AES=0 %s %s (read failed)\n",
		    when, errname(e));
		return;
	}
	e = set_reg(vcpu, ID_AA64ISAR0_EL1, isar0);
	out("KFP-WRITE ID_AA64ISAR0_EL1=same %s %s\n", when, errname(e));
	if (((isar0 >> 4) & 0xf) == 0) {
		out("KFP-WRITE ID_AA64ISAR0_EL1.AES=0 %s n/a (AES already 0)\n",
		    when);
	} else {
		e = set_reg(vcpu, ID_AA64ISAR0_EL1, isar0 & ~UINT64_C(0xf0));
		get_reg(vcpu, ID_AA64ISAR0_EL1, &back);
		out("KFP-WRITE ID_AA64ISAR0_EL1.AES=0 %s %s readback=0x%016" PRIx64
		    "\n", when, errname(e), back);
	}
	/* The PV_TIME bit of the standard hypervisor service bitmap: the
	 * rollback rule writes 0 to bitmaps the VMM does not know. */
	e = get_reg(vcpu, KFP_ARM64_FW_BMAP(1), &back);
	if (e) {
		out("KFP-WRITE STD_HYP_BMAP=0 %s %s (read failed)\n", when,
		    errname(e));
		return;
	}
	e = set_reg(vcpu, KFP_ARM64_FW_BMAP(1), 0);
	out("KFP-WRITE STD_HYP_BMAP=0 %s %s was=0x%" PRIx64 "\n", when,
	    errname(e), back);
}

/* VM 1: facts and writes before any KVM_RUN. */
static int facts(int kvm)
{
	struct vm v;
	struct kvm_vcpu_init init;
	struct kvm_reg_list *l;
	static uint64_t masks[KFP_ARM64_FEATURE_ID_RANGE_SIZE];
	int rc = 0, e, cap;

	if (vm_create(kvm, &v, &init) < 0) {
		vm_destroy(&v);
		return -1;
	}
	out("KFP-FACT target %u features0 0x%x\n", init.target,
	    init.features[0]);
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		cap = ioctl(v.vm, KVM_CHECK_EXTENSION, caps[i].nr);
		out("KFP-CAP %u %s %d\n", caps[i].nr, caps[i].name, cap);
	}

	l = reg_list(v.vcpu);
	if (!l) {
		vm_destroy(&v);
		return -1;
	}
	out("KFP-FACT reglist %llu\n", (unsigned long long)l->n);
	for (uint64_t i = 0; i < l->n; i++)
		out("KFP-LIST 0x%016llx\n", (unsigned long long)l->reg[i]);

	unsigned nid = 0;
	for (unsigned crm = 0; crm < 8; crm++) {
		for (unsigned op2 = 0; op2 < 8; op2++) {
			uint64_t id = KFP_ARM64_SYSREG(3, 0, 0, crm, op2), val = 0;
			if (!in_list(l, id))
				continue;
			e = get_reg(v.vcpu, id, &val);
			if (e) {
				out("KFP-REG 0x%016" PRIx64 " - %s %s\n", id,
				    id_name(crm, op2), errname(e));
				rc = fail("KVM_GET_ONE_REG %s: %s",
					  id_name(crm, op2), errname(e));
				continue;
			}
			nid++;
			out("KFP-REG 0x%016" PRIx64 " 0x%016" PRIx64 " %s\n", id,
			    val, id_name(crm, op2));
		}
	}
	out("KFP-FACT idregs %u\n", nid);
	if (nid == 0)
		rc = fail("no ID register in KVM_GET_REG_LIST");

	/* The cache description: 6.3 and later fabricate their own, older
	 * kernels show the hardware's (host profiles: cache_regs). */
	unsigned ncache = 0;
	for (uint64_t i = 0; i < l->n; i++) {
		uint64_t id = l->reg[i], val = 0;
		char name[32];
		if (id == KFP_ARM64_SYSREG(3, 1, 0, 0, 1)) {
			snprintf(name, sizeof(name), "CLIDR_EL1");
			e = get_reg(v.vcpu, id, &val);
		} else if ((id & ~UINT64_C(0xf)) == UINT64_C(0x6020000000110000)) {
			uint32_t v32 = 0;
			struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&v32 };
			snprintf(name, sizeof(name), "CCSIDR[%u]", (unsigned)(id & 0xf));
			e = ioctl(v.vcpu, KVM_GET_ONE_REG, &r) < 0 ? errno : 0;
			val = v32;
		} else {
			continue;
		}
		if (e) {
			rc = fail("KVM_GET_ONE_REG %s: %s", name, errname(e));
			continue;
		}
		ncache++;
		out("KFP-CACHE 0x%016" PRIx64 " 0x%" PRIx64 " %s\n", id, val, name);
	}
	out("KFP-FACT cache %u\n", ncache);

	unsigned nfw = 0, nbmap = 0;
	for (size_t i = 0; i < sizeof(fw_regs) / sizeof(fw_regs[0]); i++) {
		uint64_t val = 0;
		int listed = in_list(l, fw_regs[i].id);
		e = get_reg(v.vcpu, fw_regs[i].id, &val);
		if (e) {
			out("KFP-FW 0x%016" PRIx64 " - %s %s%s\n", fw_regs[i].id,
			    fw_regs[i].name, errname(e),
			    listed ? " (listed!)" : "");
			continue;
		}
		nfw++;
		if ((fw_regs[i].id & 0xffff0000) == 0x160000)
			nbmap++;
		out("KFP-FW 0x%016" PRIx64 " 0x%" PRIx64 " %s%s\n", fw_regs[i].id,
		    val, fw_regs[i].name, listed ? "" : " (unlisted)");
	}
	out("KFP-FACT fwregs %u bitmaps %u\n", nfw, nbmap);

	/* Writable masks: ask even when the capability says no, to record
	 * what the ioctl does on that kernel. */
	cap = ioctl(v.vm, KVM_CHECK_EXTENSION,
		    KFP_CAP_ARM_SUPPORTED_REG_MASK_RANGES);
	struct kfp_reg_mask_range range = {
		.addr = (uint64_t)(uintptr_t)masks,
		.range = KVM_ARM_FEATURE_ID_RANGE,
	};
	e = ioctl(v.vm, KFP_ARM_GET_REG_WRITABLE_MASKS, &range) < 0 ? errno : 0;
	out("KFP-FACT masks cap=%d ioctl=%s\n", cap, errname(e));
	if (e == 0) {
		for (unsigned idx = 0; idx < KFP_ARM64_FEATURE_ID_RANGE_SIZE; idx++) {
			unsigned op1 = idx >> 6, crm = (idx >> 3) & 7, op2 = idx & 7;
			uint64_t id;
			if (op1 == 2)
				op1 = 3;
			id = KFP_ARM64_SYSREG(3, op1, 0, crm, op2);
			if (masks[idx] == 0 && !(op1 == 0 && in_list(l, id)))
				continue;
			out("KFP-MASK 0x%016" PRIx64 " 0x%016" PRIx64 " %s\n", id,
			    masks[idx], op1 == 0 ? id_name(crm, op2) : "-");
		}
	}

	write_checks(v.vcpu, "before_run");
	free(l);
	vm_destroy(&v);
	return rc;
}

/* VM 2: runs movz x0,#0x1234; movz x1,#0x9000,lsl#16; str x0,[x1]; b .
 * and expects an MMIO write exit at 0x90000000.  Then the writes again,
 * now that the VM has run. */
static int run_check(int kvm)
{
	static const uint32_t code[] = {
		0xd2824680, /* movz x0, #0x1234 */
		0xd2b20001, /* movz x1, #0x9000, lsl #16 */
		0xf9000020, /* str  x0, [x1] */
		0x14000000, /* b    . */
	};
	struct vm v;
	void *mem;
	int rc = -1;

	if (vm_create(kvm, &v, NULL) < 0)
		goto out;
	mem = mmap(NULL, GUEST_MEM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED) {
		fail("mmap(guest memory): %s", errname(errno));
		goto out;
	}
	memcpy(mem, code, sizeof(code));
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = GUEST_CODE_GPA,
		.memory_size = GUEST_MEM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)mem,
	};
	if (ioctl(v.vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		fail("KVM_SET_USER_MEMORY_REGION: %s", errname(errno));
		goto out;
	}
	uint64_t pc_id = KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
			 KVM_REG_ARM_CORE_REG(regs.pc);
	int e = set_reg(v.vcpu, pc_id, GUEST_CODE_GPA);
	if (e) {
		fail("KVM_SET_ONE_REG(pc): %s", errname(e));
		goto out;
	}

	alarmed = 0;
	alarm(30);
	for (int i = 0; i < 16; i++) {
		if (ioctl(v.vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR && !alarmed)
				continue;
			fail("KVM_RUN: %s%s", errname(errno),
			     alarmed ? " (no exit within 30 s)" : "");
			break;
		}
		if (v.run->exit_reason != KVM_EXIT_MMIO) {
			fail("KVM_RUN: exit reason %u, expected MMIO",
			     v.run->exit_reason);
			break;
		}
		uint64_t data = 0;
		memcpy(&data, v.run->mmio.data,
		       v.run->mmio.len < 8 ? v.run->mmio.len : 8);
		out("KFP-FACT run mmio addr=0x%llx len=%u write=%u data=0x%" PRIx64
		    "\n", (unsigned long long)v.run->mmio.phys_addr,
		    v.run->mmio.len, v.run->mmio.is_write, data);
		if (v.run->mmio.phys_addr != GUEST_MMIO_GPA ||
		    !v.run->mmio.is_write || data != GUEST_MMIO_DATA) {
			fail("KVM_RUN: unexpected MMIO exit");
			break;
		}
		rc = 0;
		break;
	}
	alarm(0);
	if (rc == 0)
		write_checks(v.vcpu, "after_run");
out:
	vm_destroy(&v);
	return rc;
}

int main(int argc, char **argv)
{
	struct utsname u;
	struct sigaction sa;
	int as_init = getpid() == 1, kvm, rc = 0;

	(void)argc;
	(void)argv;
	if (as_init)
		fleet_setup_init();
	setvbuf(stdout, NULL, _IOLBF, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: KVM_RUN gets EINTR */
	sigaction(SIGALRM, &sa, NULL);

	uname(&u);
	out("\nKFP-BEGIN fleet_probe 1\n");
	out("KFP-FACT kernel %s\n", u.release);
	out("KFP-FACT version %s\n", u.version);
	out("KFP-FACT machine %s\n", u.machine);
	out("KFP-FACT pagesize %ld\n", sysconf(_SC_PAGESIZE));

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0) {
		rc = fail("open /dev/kvm: %s", errname(errno));
	} else {
		out("KFP-FACT api_version %d\n", ioctl(kvm, KVM_GET_API_VERSION, 0));
		if (facts(kvm) < 0)
			rc = -1;
		if (run_check(kvm) < 0)
			rc = -1;
		close(kvm);
	}

	if (rc == 0)
		out("KFP-RESULT PASS\n");
	else
		out("KFP-RESULT FAIL %s\n", fail_reason()[0] ? fail_reason() : "unknown");
	out("KFP-END\n");
	if (as_init) {
		sync();
		reboot(RB_POWER_OFF);
		/* reboot failed: let the kernel panic (panic=-1 + -no-reboot). */
	}
	return rc == 0 ? 0 : 1;
}
