/* SPDX-License-Identifier: Apache-2.0 */
/* The arm64 runtime tests: migration, a saved state checked against a destination
 * (see arm64_test.c). */
#include "arm64_test.h"

/* ------------------------------------------------------------------ */
/* Migration: a saved state checked against a destination             */

#define FPMR KFP_ARM64_SYSREG(3, 3, 4, 4, 2)
#define POR_EL1 KFP_ARM64_SYSREG(3, 0, 10, 2, 4)
#define TCR2_EL1 KFP_ARM64_SYSREG(3, 0, 2, 0, 3)
#define PMCR_EL0 KFP_ARM64_SYSREG(3, 3, 9, 12, 0)
#define ZCR_EL1 KFP_ARM64_SYSREG(3, 0, 1, 2, 0)
#define CNTP_CTL_EL0 KFP_ARM64_SYSREG(3, 3, 14, 2, 1)
#define CNTPCT_EL0 KFP_ARM64_SYSREG(3, 3, 14, 0, 1)
#define RESET_UNKNOWN UINT64_C(0x1de7ec7edbadc0de)

/* What a source saved: every register it lists, with its value. */
static struct {
	struct kfp_arm64_saved_reg regs[FAKE_MAX_REGS];
	uint64_t values[FAKE_MAX_REGS];
	uint8_t rules[FAKE_MAX_REGS];
	struct kfp_arm64_state st;
} saved;

/* Saves the fake host's listed registers (after an apply: what the guest
 * had), under cfg's identity. */
static void save_state(const struct kfp_config *cfg)
{
	uint32_t n = 0;
	for (uint32_t i = 0; i < kvm.nregs; i++) {
		if (kvm.regs[i].unlisted)
			continue;
		saved.values[n] = kvm.regs[i].value;
		saved.regs[n] = (struct kfp_arm64_saved_reg){ kvm.regs[i].id, &saved.values[n] };
		n++;
	}
	saved.st = (struct kfp_arm64_state){ cfg->id, saved.regs, n, "6.12.95+deb12-arm64" };
}

static void save_add(uint64_t id, uint64_t value)
{
	uint32_t n = saved.st.nregs++;
	saved.values[n] = value;
	saved.regs[n] = (struct kfp_arm64_saved_reg){ id, &saved.values[n] };
}

static uint8_t rule_of(uint64_t id)
{
	for (uint32_t i = 0; i < saved.st.nregs; i++)
		if (saved.regs[i].id == id)
			return saved.rules[i];
	fail_msg("0x%016" PRIx64 " is not in the state", id);
	return 0;
}

/* kfp_arm64_plan on the current fake host, then the check; the check
 * writes nothing. */
static int verify(const struct kfp_config *cfg)
{
	kfp_report_init(&rep);
	int r = kfp_arm64_plan(cfg, FAKE_VM_FD, FAKE_VCPU_FD, &plan, &rep);
	if (r < 0) {
		print_report();
		fail_msg("kfp_arm64_plan: %d", r);
	}
	kfp_report_init(&rep);
	unsigned before = fake_kvm_writes(&kvm);
	memset(saved.rules, 0xff, sizeof(saved.rules));
	r = kfp_arm64_verify_state(&plan, FAKE_VCPU_FD, &saved.st, saved.rules, &rep);
	assert_int_equal(fake_kvm_writes(&kvm), before);
	return r;
}

static void assert_detail_has(const struct kfp_report_item *it, const char *needle)
{
	if (!strstr(it->detail, needle)) {
		print_report();
		fail_msg("'%s' not in '%s'", needle, it->detail);
	}
}

void test_state_same_kernel(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	apply_ok(cfg);
	save_state(cfg);
	new_host();
	if (verify(cfg) != 0) {
		print_report();
		fail_msg("a state of the same kernel and policy is refused");
	}
	assert_int_equal(rep.nitems, 0);
	for (uint32_t i = 0; i < saved.st.nregs; i++)
		assert_int_equal(saved.rules[i], KFP_STATE_LISTED);
	assert_string_equal(kfp_state_rule_name(KFP_STATE_FW_IMPLIED), "fw-bitmap-implied");

	/* Another policy's state, or none: refused, whatever it holds. */
	static const uint8_t other[16] = { 1 };
	saved.st.id = other;
	assert_int_equal(verify(cfg), -EPERM);
	assert_detail_has(find_item(KFP_ITEM_REFUSED, "policy identity"),
			  "another configuration than fleet \"f\"");
	saved.st.id = NULL;
	assert_int_equal(verify(cfg), -EPERM);
	find_item(KFP_ITEM_REFUSED, "policy identity");

	/* Bad arguments. */
	assert_int_equal(kfp_arm64_verify_state(NULL, FAKE_VCPU_FD, &saved.st, NULL, &rep), -EINVAL);
	saved.regs[0].value = NULL;
	assert_int_equal(kfp_arm64_verify_state(&plan, FAKE_VCPU_FD, &saved.st, NULL, &rep),
			 -EINVAL);
	policy_free(&p);
}

/* The guest keeps what it saw: an ID register, a hypercall bitmap or a
 * pinned register that differs is refused, naming the field and line. */
void test_state_guest_view(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	apply_ok(cfg);
	save_state(cfg);
	for (uint32_t i = 0; i < saved.st.nregs; i++) {
		if (saved.regs[i].id == ID_AA64ISAR0)
			saved.values[i] ^= UINT64_C(0xf) << 4; /* AES 2 -> 0xd */
		if (saved.regs[i].id == STD_HYP_BMAP)
			saved.values[i] = 0;
	}
	new_host();
	assert_int_equal(verify(cfg), -EPERM);
	assert_int_equal(rule_of(ID_AA64ISAR0), KFP_STATE_REFUSED);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "AES");
	assert_detail_has(it, "ID_AA64ISAR0_EL1.AES: the state has 13, kernel 6.12.95+deb12-arm64 gives 2");
	assert_src(it, &p, "* >= 0; }\n    hypercalls");
	it = find_item(KFP_ITEM_REFUSED, "KVM_REG_ARM_STD_HYP_BMAP");
	assert_detail_has(it, "the state has 0x0, the policy 0x1");

	/* Another CPU: MIDR_EL1 is the host's, and the guest saw the
	 * source's. */
	new_host();
	apply_ok(cfg);
	save_state(cfg);
	new_host();
	fake_kvm_set_reg(&kvm, ID(0, 0), 0x00000000000f0511);
	assert_int_equal(verify(cfg), -EPERM);
	assert_int_equal(rule_of(ID(0, 0)), KFP_STATE_REFUSED);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "MIDR_EL1")->detail,
			    "the state has 0xf0510, kernel 6.12.95+deb12-arm64 shows 0xf0511 (the "
			    "host's value)");
	assert_int_equal(rep.nitems, 1);
	policy_free(&p);
}

/* A register the catalog does not know, saved but not listed here: never
 * dropped silently. */
void test_state_unknown_register(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	apply_ok(cfg);
	save_state(cfg);
	const uint64_t impdef = KFP_ARM64_SYSREG(3, 0, 15, 15, 7);
	save_add(impdef, 0);
	new_host();
	assert_int_equal(verify(cfg), -EPERM);
	assert_int_equal(rule_of(impdef), KFP_STATE_REFUSED);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "register");
	assert_string_equal(it->detail, "0x603000000013c7ff (3,0,15,15,7) = 0x0: kernel "
					"6.12.95+deb12-arm64 does not list it; not in the catalog");
	assert_int_equal(rep.nitems, 1);

	/* The same the other way: listed here, not in the state. */
	saved.st.nregs--;
	fake_kvm_set_reg(&kvm, impdef, 0);
	assert_int_equal(verify(cfg), -EPERM);
	assert_detail_has(find_item(KFP_ITEM_REFUSED, "register"), "lists it, the state lacks it");
	policy_free(&p);
}

/* FPMR (FEAT_FPMR, 6.12 lists it when the VM has it), saved with a value
 * on a destination that does not list it. */
void test_state_fpmr(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile(&p, "    id_reg ID_AA64PFR2_EL1 { FPMR >= 0; }\n");
	apply_ok(cfg);
	save_state(cfg);
	save_add(FPMR, 0x5);
	new_host();
	snprintf(kvm.release, sizeof(kvm.release), "6.12.0-old-arm64");
	/* Not hidden, not at its reset value: refused, naming the feature
	 * and this kernel, at the line that exposes it. */
	assert_int_equal(verify(cfg), -EPERM);
	assert_int_equal(rule_of(FPMR), KFP_STATE_REFUSED);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "FPMR");
	assert_string_equal(it->detail, "FPMR = 0x5, not reset 0x0; kernel 6.12.0-old-arm64 does "
					"not list it; FEAT_FPMR not hidden");
	assert_src(it, &p, "FPMR >= 0");

	/* At its reset value it holds nothing the guest could lose. */
	saved.values[saved.st.nregs - 1] = 0;
	assert_int_equal(verify(cfg), 0);
	assert_int_equal(rule_of(FPMR), KFP_STATE_RESET_VALUE);
	policy_free(&p);

	/* FEAT_FPMR hidden by the policy (= 0, or at most 0 where no host
	 * profile fixes it): safe as feature-off. */
	static const char *const hide[] = { "    id_reg ID_AA64PFR2_EL1 { FPMR = 0; }\n",
					    "    id_reg ID_AA64PFR2_EL1 { FPMR <= 0; }\n" };
	for (unsigned i = 0; i < 2; i++) {
		cfg = compile(&p, hide[i]);
		new_host();
		apply_ok(cfg);
		save_state(cfg);
		save_add(FPMR, 0);
		new_host();
		assert_int_equal(verify(cfg), 0);
		assert_int_equal(rule_of(FPMR), KFP_STATE_FEATURE_OFF);
		policy_free(&p);
	}
}

/* Registers of vCPU features the policy leaves off (5.10 lists the PMU's
 * without pmu_v3), and registers only the destination lists. */
void test_state_vcpu_off_and_added(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	apply_ok(cfg);
	save_state(cfg);
	save_add(PMCR_EL0, 0x41013000);
	save_add(ZCR_EL1, 0x3);
	/* The physical timer 6.1 does not list: disabled (ISTATUS is KVM's
	 * status bit), and the counter, which 6.1 shows as the host's. */
	save_add(CNTP_CTL_EL0, 0x4);
	save_add(CNTPCT_EL0, 0x18aeda9b);
	new_host();
	/* 6.12 lists TCR2_EL1 and POR_EL1 at their reset values. */
	fake_kvm_set_reg(&kvm, TCR2_EL1, 0);
	fake_kvm_set_reg(&kvm, POR_EL1, RESET_UNKNOWN);
	/* An unallocated feature ID register this kernel does not list reads
	 * as 0 here, as the guest read it there. */
	fake_kvm_del_reg(&kvm, ID(4, 3));
	assert_int_equal(verify(cfg), 0);
	assert_int_equal(rule_of(PMCR_EL0), KFP_STATE_VCPU_OFF);
	assert_int_equal(rule_of(ZCR_EL1), KFP_STATE_VCPU_OFF);
	assert_int_equal(rule_of(ID(4, 3)), KFP_STATE_ID_REG);
	assert_int_equal(rule_of(CNTP_CTL_EL0), KFP_STATE_RESET_VALUE);
	assert_int_equal(rule_of(CNTPCT_EL0), KFP_STATE_COUNTER);
	assert_string_equal(kfp_state_rule_name(KFP_STATE_COUNTER), "counter");

	/* An enabled timer holds state the guest would lose. */
	saved.values[saved.st.nregs - 2] = 0x1;
	assert_int_equal(verify(cfg), -EPERM);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "CNTP_CTL_EL0")->detail,
			    "CNTP_CTL_EL0 = 0x1, not reset 0x0; kernel 6.12.95+deb12-arm64 does not "
			    "list it");
	saved.values[saved.st.nregs - 2] = 0x4;

	/* A value the guest could have set, on a register the state lacks:
	 * the guest would see it change. */
	fake_kvm_set_reg(&kvm, POR_EL1, 0x7);
	assert_int_equal(verify(cfg), -EPERM);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "POR_EL1");
	assert_string_equal(it->detail, "kernel 6.12.95+deb12-arm64 lists it = 0x7, not reset; the "
					"state lacks it; FEAT_S1POE not hidden");
	policy_free(&p);
}

/* The same CPU as the 6.12 fake under 5.10: no hypercall bitmaps, and the
 * cache description of 6.12 (whose CCSIDR_EL1 for caches CLIDR_EL1 does
 * not describe 5.10 does not list). */
static void host_5_10_like_6_12(void)
{
	fake_kvm_qemu_arm64_6_12(&kvm);
	for (unsigned n = 0; n < 4; n++)
		fake_kvm_del_reg(&kvm, KFP_ARM64_FW_BMAP_BASE | n);
	for (unsigned n = 3; n < 14; n++)
		fake_kvm_del_reg(&kvm, FAKE_CCSIDR(n));
	snprintf(kvm.release, sizeof(kvm.release), "5.10.0-32-arm64");
}

/* A hypercall bitmap saved on 6.12, restored on 5.10, which has none:
 * safe only when 5.10 offers every service it turns on. */
void test_state_bitmap_on_5_10(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	struct kfp_config c = *cfg;
	c.min_kernel = 5u << 16 | 10u << 8;
	apply_ok(&c);
	save_state(&c);
	host_5_10_like_6_12();
	if (verify(&c) != 0) {
		print_report();
		fail_msg("the 6.12 state is refused on 5.10");
	}
	assert_int_equal(rule_of(STD_HYP_BMAP), KFP_STATE_FW_IMPLIED); /* PV time: 5.10 has it */
	assert_int_equal(rule_of(STD_BMAP), KFP_STATE_FW_OFF);
	assert_int_equal(rule_of(VENDOR_HYP_BMAP), KFP_STATE_FW_OFF);
	/* CLIDR_EL1 0x2000021: an L1 instruction cache, a unified L2. */
	assert_int_equal(rule_of(FAKE_CCSIDR(3)), KFP_STATE_NO_CACHE);
	assert_int_equal(rule_of(FAKE_CCSIDR(13)), KFP_STATE_NO_CACHE);

	/* The real 5.10 shows another debug architecture and no HCX: what
	 * the guest saw on 6.12 it would lose. */
	fake_kvm_qemu_arm64_5_10(&kvm);
	assert_int_equal(verify(&c), -EPERM);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "DebugVer")->detail,
			    "ID_AA64DFR0_EL1.DebugVer: the state has 9, kernel 5.10.0-32-arm64 "
			    "gives 6 (the guest saw it)");
	find_item(KFP_ITEM_REFUSED, "HCX");
	policy_free(&p);

	/* PTP (5.13): 5.10 cannot offer it.  The plan accepts 5.10 (its
	 * hypercalls are fixed, and a fleet of min_kernel 5.10 would not
	 * have passed kfpc); the state check refuses what would be lost. */
	cfg = compile(&p, "    hypercalls { pv_time on; ptp on; }\n");
	c = *cfg;
	c.min_kernel = 5u << 16 | 10u << 8;
	new_host();
	apply_ok(&c);
	save_state(&c);
	host_5_10_like_6_12();
	assert_int_equal(verify(&c), -EPERM);
	assert_int_equal(rule_of(STD_HYP_BMAP), KFP_STATE_FW_IMPLIED);
	assert_int_equal(rule_of(VENDOR_HYP_BMAP), KFP_STATE_REFUSED);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "ptp");
	assert_string_equal(it->detail, "on in the state (KVM_REG_ARM_VENDOR_HYP_BMAP bit 1); kernel "
					"5.10.0-32-arm64 offers it only from 5.13");
	assert_src(it, &p, "ptp on");

	policy_free(&p);

	/* A kernel with bitmaps that lacks one (VENDOR_HYP_BMAP_2 is newer
	 * than 6.12) lacks its services. */
	cfg = compile_text(&p, MACHINE_PV_TIME);
	new_host();
	apply_ok(cfg);
	save_state(cfg);
	save_add(VENDOR_HYP_BMAP_2, 0x1);
	new_host();
	assert_int_equal(verify(cfg), -EPERM);
	assert_int_equal(rule_of(VENDOR_HYP_BMAP_2), KFP_STATE_REFUSED);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "hypercall")->detail,
			    "on in the state (hypercall bitmap bit 0); kernel 6.12.95+deb12-arm64 "
			    "has no hypercall bitmap");
	policy_free(&p);
}

/* The tool's state file: what apply --save-state writes, verify-state
 * reads back, any register size, and refused when malformed. */
void test_state_file(void **state)
{
	(void)state;
	static struct arm64_state_file st;
	static uint8_t values[3][ARM64_STATE_REG_BYTES];
	const uint64_t ids[3] = { ID_AA64ISAR0, FAKE_CCSIDR(1),
				  UINT64_C(0x6080000000150000) /* SVE Z0, 2048 bits */ };
	const uint8_t id[16] = { 0xde, 0xad, [15] = 0x01 };
	memcpy(values[0], &(uint64_t){ UINT64_C(0x1221111110212120) }, 8);
	memcpy(values[1], &(uint32_t){ 0x701fe00a }, 4);
	for (unsigned i = 0; i < 256; i++)
		values[2][i] = (uint8_t)i;
	char path[] = "/tmp/kfp-state-XXXXXX", err[256];
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	arm64_state_write(f, id, "6.12.95+deb12-arm64", ids,
			  (const uint8_t(*)[ARM64_STATE_REG_BYTES])values, 3);
	fclose(f);
	assert_int_equal(arm64_state_read(path, &st, err, sizeof(err)), 0);
	struct kfp_arm64_state v = arm64_state_view(&st);
	assert_memory_equal(v.id, id, 16);
	assert_string_equal(v.kernel, "6.12.95+deb12-arm64");
	assert_int_equal(v.nregs, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(v.regs[i].id, ids[i]);
		assert_memory_equal(v.regs[i].value, values[i], i == 0 ? 8 : i == 1 ? 4 : 256);
	}
	/* A value wider than its register, and a line the format lacks. */
	f = fopen(path, "w");
	fputs("kfp-arm64-state 1\nreg 0x6020000000110001 0x1701fe00a\n", f);
	fclose(f);
	assert_int_equal(arm64_state_read(path, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, ":2: the value of 0x6020000000110001 is not a hex number of 4 bytes"));
	f = fopen(path, "w");
	fputs("kfp-x86-state 1\n", f);
	fclose(f);
	assert_int_equal(arm64_state_read(path, &st, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a kfp arm64 state file"));
	unlink(path);
}
