/* SPDX-License-Identifier: Apache-2.0 */
/* The arm64 runtime tests: pinned registers, the cache description and PSCI_VERSION
 * (see arm64_test.c). */
#include "arm64_test.h"

/* ------------------------------------------------------------------ */
/* Pinned registers                                                   */

static char hosts_tmp[64];

/* A host profile with only what pins need: the cache description and
 * PSCI_VERSION (with psci_0_2). */
static void write_host(const char *name, const char *kernel, uint64_t clidr,
		       const uint32_t *ccsidr, unsigned nccsidr, uint64_t psci)
{
	char path[128];
	snprintf(path, sizeof(path), "%s/%s.yaml", hosts_tmp, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f, "kfp_host_profile: 1\nname: \"%s\"\narch: arm64\nkernel: \"%s\"\n", name, kernel);
	fprintf(f, "reg_list: [0x6030000000140000, 0x603000000013c801");
	for (unsigned n = 0; n < nccsidr; n++)
		fprintf(f, ", 0x%" PRIx64, (uint64_t)FAKE_CCSIDR(n));
	fprintf(f, "]\nid_regs: {}\nfirmware_regs: {0x6030000000140000: 0x%" PRIx64 "}\n", psci);
	fprintf(f, "cache_regs:\n  0x603000000013c801: 0x%" PRIx64 "\n", clidr);
	for (unsigned n = 0; n < nccsidr; n++)
		fprintf(f, "  0x%" PRIx64 ": 0x%" PRIx32 "\n", (uint64_t)FAKE_CCSIDR(n), ccsidr[n]);
	fputs("vcpu_features: [power_off, psci_0_2]\n", f);
	fclose(f);
}

static void hosts_begin(void)
{
	snprintf(hosts_tmp, sizeof(hosts_tmp), "/tmp/kfp-test-hosts-XXXXXX");
	assert_non_null(mkdtemp(hosts_tmp));
	policy_hosts_dir = hosts_tmp;
}

static void hosts_end(void)
{
	static const char *const names[] = { "h5.10", "h5.10b", "h6.1", "h6.12" };
	char path[128];
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s.yaml", hosts_tmp, names[i]);
		remove(path);
	}
	rmdir(hosts_tmp);
	policy_hosts_dir = NULL;
}

/* The -cpu max values of .cache/fleet/rollback: 6.1 (and 5.10) show the
 * hardware's cache, 6.12 its own. */
static const uint32_t hw_ccsidr[3] = { 0x701fe00a, 0x201fe012, 0x70ffe07a };
static const uint32_t kvm_ccsidr[14] = { 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2 };

static char *dump(const struct policy *p, bool readable)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	kfp_dump_fleet(p->pol, &p->pol->fleets[0], f, readable);
	fclose(f);
	return buf;
}

void test_pins(void **state)
{
	(void)state;
	hosts_begin();
	write_host("h6.1", "6.1.0-56-arm64", 0x2000023, hw_ccsidr, 3, 0x10001);
	write_host("h6.12", "6.12.95+deb12-arm64", 0x2000021, kvm_ccsidr, 14, 0x10001);
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	hosts_end();

	/* What 6.1 shows, for the registers 6.1 has; PSCI agrees. */
	const struct kfp_arm64_config *a = cfg->arm64;
	assert_int_equal(a->npins, 4);
	assert_string_equal(a->pins[0].name, "CLIDR_EL1");
	assert_int_equal(a->pins[0].id, FAKE_CLIDR_EL1);
	assert_int_equal(a->pins[0].value, 0x2000023);
	for (unsigned n = 0; n < 3; n++) {
		assert_int_equal(a->pins[1 + n].id, FAKE_CCSIDR(n));
		assert_int_equal(a->pins[1 + n].value, hw_ccsidr[n]);
	}
	assert_string_equal(a->pins[3].name, "CCSIDR_EL1[2]");
	assert_null(a->pins[0].src.file); /* --hosts: no `hosts` line */
	char *text = dump(&p, true);
	assert_non_null(strstr(text, "    CLIDR_EL1      (0x603000000013c801) = 0x2000023: as kernel 6.1 "
				     "shows it (host h6.1); written on 1 of 2 hosts, which KVM allows "
				     "from 6.3\n"));
	free(text);
	text = dump(&p, false);
	assert_non_null(strstr(text, "  pin CCSIDR_EL1[1] (0x6020000000110001) = 0x201fe012\n"));
	free(text);

	/* 6.12 takes 6.1's cache description: after the ID registers,
	 * before the firmware registers. */
	apply_ok(cfg);
	assert_int_equal(written(FAKE_CLIDR_EL1), 0x2000023);
	for (unsigned n = 0; n < 3; n++)
		assert_int_equal(written(FAKE_CCSIDR(n)), hw_ccsidr[n]);
	assert_false(was_written(FAKE_CCSIDR(3)));
	assert_int_equal(fake_kvm_reg(&kvm, FAKE_CCSIDR(2))->value, hw_ccsidr[2]);
	uint32_t at_clidr = 0, first_fw = UINT32_MAX, last_id = 0;
	for (uint32_t i = 0; i < kvm.nset_regs; i++) {
		uint64_t id = kvm.set_regs[i].id;
		if (id == FAKE_CLIDR_EL1)
			at_clidr = i;
		else if (kfp_arm64_is_fw_bitmap(id) && first_fw == UINT32_MAX)
			first_fw = i;
		else if (kfp_arm64_is_feature_id_reg(id))
			last_id = i;
	}
	assert_true(at_clidr >= last_id && at_clidr + 3 < first_fw);
	assert_int_equal(kvm.set_regs[at_clidr + 3].id, FAKE_CCSIDR(2));
	assert_string_equal(find_item(KFP_ITEM_APPLIED, "CCSIDR_EL1[0]")->detail,
			    "KVM_SET_ONE_REG 0x6020000000110000 = 0x701fe00a (was 0x2)");

	/* kfp apply's verdict: the guest reads the pinned CLIDR_EL1, KVM
	 * holds every pinned register. */
	struct arm64_observed_reg *regs = calloc(a->nid_regs, sizeof(*regs));
	struct arm64_observed_fw *fw = calloc(a->nfw_regs, sizeof(*fw));
	struct arm64_observed_fw *pins = calloc(a->npins, sizeof(*pins));
	for (uint32_t i = 0; i < a->nid_regs; i++) {
		const struct fake_reg *r = fake_kvm_reg(&kvm, a->id_regs[i].id);
		regs[i] = (struct arm64_observed_reg){ r != NULL, r ? r->reset : 0, r != NULL,
						       r ? r->value : 0 };
	}
	for (uint32_t i = 0; i < a->nfw_regs; i++) {
		const struct fake_reg *r = fake_kvm_reg(&kvm, a->fw_regs[i].id);
		fw[i] = (struct arm64_observed_fw){ r != NULL, r ? r->reset : 0, r ? r->value : 0 };
	}
	for (uint32_t i = 0; i < a->npins; i++) {
		const struct fake_reg *r = fake_kvm_reg(&kvm, a->pins[i].id);
		pins[i] = (struct arm64_observed_fw){ true, r->reset, r->value };
	}
	struct arm64_verdict v;
	arm64_verify(&v, cfg, regs, fw, pins);
	assert_int_equal(v.mismatches, 0);
	char buf[65536];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	arm64_verdict_print_table(&v, false, f);
	fclose(f);
	assert_non_null(strstr(buf, "CLIDR_EL1                    pinned    0x2000023  0x2000021  "
				    "0x2000023  (the fleet's hosts)\n"));
	assert_non_null(strstr(buf, "PINNED REGISTER                   POLICY        HOST         KVM\n"
				    "CLIDR_EL1                      0x2000023   0x2000021   0x2000023\n"));
	arm64_verdict_free(&v);
	/* A KVM that did not keep a pinned value. */
	pins[3].kvm = 0x2;
	arm64_verify(&v, cfg, regs, fw, pins);
	assert_int_equal(v.mismatches, 1);
	f = fmemopen(buf, sizeof(buf), "w");
	arm64_verdict_print_table(&v, false, f);
	fclose(f);
	assert_non_null(strstr(buf, "MISMATCH CCSIDR_EL1[2]: the fleet pins 0x70ffe07a, KVM holds 0x2\n"));
	arm64_verdict_free(&v);
	free(regs);
	free(fw);
	free(pins);

	/* 6.1 shows the pinned values: nothing to write. */
	new_host();
	fake_kvm_qemu_arm64_6_1(&kvm);
	kvm.mask_cap = true; /* (so that the ID registers need no write either) */
	apply_ok(cfg);
	assert_false(was_written(FAKE_CLIDR_EL1));
	assert_false(was_written(FAKE_CCSIDR(0)));

	/* A kernel that does not take the value (before 6.3): -EIO, naming
	 * the register and the kernel, and nothing written after it. */
	new_host();
	fake_kvm_reg(&kvm, FAKE_CLIDR_EL1)->invariant = true;
	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "CLIDR_EL1");
	assert_int_equal(it->err, -EINVAL);
	assert_string_equal(it->detail, "KVM_SET_ONE_REG: Invalid argument: kernel 6.12.95+deb12-arm64 "
					"does not take the fleet's 0x2000023 (it shows 0x2000021)");
	assert_false(was_written(FAKE_CCSIDR(0)));
	for (uint32_t i = 0; i < kvm.nset_regs; i++)
		assert_false(kfp_arm64_is_fw_bitmap(kvm.set_regs[i].id));

	/* A kernel that does not list a pinned register. */
	new_host();
	fake_kvm_del_reg(&kvm, FAKE_CCSIDR(2));
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_string_equal(find_item(KFP_ITEM_MISSING, "CCSIDR_EL1[2]")->detail,
			    "the fleet pins it to 0x70ffe07a; kernel 6.12.95+deb12-arm64 does not list it");
	policy_free(&p);

	/* Without host profiles nothing is pinned; the dump says so. */
	cfg = compile_text(&p, MACHINE_PV_TIME);
	assert_int_equal(cfg->arm64->npins, 0);
	assert_null(cfg->arm64->pins);
	text = dump(&p, true);
	assert_non_null(strstr(text, "  pins: none (no host profiles: the cache description and PSCI "
				     "version are not pinned)\n"));
	free(text);
	text = dump(&p, false);
	assert_null(strstr(text, "pin"));
	free(text);
	policy_free(&p);
}

void test_pin_psci(void **state)
{
	(void)state;
	hosts_begin();
	write_host("h5.10", "5.10.0-32-arm64", 0x2000023, hw_ccsidr, 3, 0x10000);
	write_host("h6.1", "6.1.0-56-arm64", 0x2000023, hw_ccsidr, 3, 0x10001);
	struct policy p;
	const struct kfp_config *cfg = compile_text(&p, MACHINE_PV_TIME);
	hosts_end();
	/* The same cache everywhere; PSCI 1.0, the lowest. */
	assert_int_equal(cfg->arm64->npins, 1);
	assert_string_equal(cfg->arm64->pins[0].name, "PSCI_VERSION");
	assert_int_equal(cfg->arm64->pins[0].value, 0x10000);

	/* 6.1 writes it with the firmware registers, after the bitmaps. */
	fake_kvm_qemu_arm64_6_1(&kvm);
	kvm.mask_cap = true;
	apply_ok(cfg);
	assert_int_equal(written(KFP_ARM64_FW_REG_BASE), 0x10000);
	assert_true(kvm.nset_regs >= 2);
	assert_true(kfp_arm64_is_fw_bitmap(kvm.set_regs[kvm.nset_regs - 2].id));
	assert_int_equal(kvm.set_regs[kvm.nset_regs - 1].id, KFP_ARM64_FW_REG_BASE);

	/* 5.10 shows 1.0 already. */
	struct kfp_config c = *cfg;
	c.min_kernel = 5u << 16 | 10u << 8;
	new_host();
	fake_kvm_qemu_arm64_5_10(&kvm);
	apply_ok(&c);
	assert_false(was_written(KFP_ARM64_FW_REG_BASE));
	policy_free(&p);
}

/* The compiler's rules for pins. */
void test_pin_errors(void **state)
{
	(void)state;
	struct policy p;
	/* The oldest kernel's hosts disagree: no value to pin. */
	hosts_begin();
	write_host("h5.10", "5.10.0-32-arm64", 0x2000023, hw_ccsidr, 3, 0x10000);
	write_host("h5.10b", "5.10.0-30-arm64", 0xa200023, hw_ccsidr, 3, 0x10000);
	write_host("h6.12", "6.12.95+deb12-arm64", 0x2000021, kvm_ccsidr, 14, 0x10001);
	char *err = compile_errors(&p, MACHINE_PV_TIME);
	hosts_end();
	if (!strstr(err, "error: CLIDR_EL1 differs between hosts of kernel 5.10, the oldest of fleet "
			 "\"f\" (0x2000023 on h5.10, 0xa200023 on h5.10b): the fleet cannot pin it to "
			 "one value"))
		fail_msg("%s", err);
	free(err);
	kfp_policy_free(p.pol);
	kfp_unit_free(p.unit);
	kfp_ctx_fini(&p.ctx);

	/* A kernel before 6.3 shows another cache description (other
	 * hardware): it cannot take the pinned one. */
	hosts_begin();
	write_host("h5.10", "5.10.0-32-arm64", 0x2000023, hw_ccsidr, 3, 0x10000);
	write_host("h6.1", "6.1.0-56-arm64", 0xa200023, hw_ccsidr, 3, 0x10001);
	err = compile_errors(&p, MACHINE_PV_TIME);
	hosts_end();
	if (!strstr(err, "test.kfp:3:25: error: CLIDR_EL1 must be pinned to 0x2000023 (what kernel 5.10 "
			 "shows, host h5.10), but kernel 6.1 shows another value and lets a VMM write it "
			 "only from 6.3: h6.1 (0xa200023)"))
		fail_msg("%s", err);
	/* PSCI 1.0 is a value 6.1 takes. */
	assert_null(strstr(err, "PSCI_VERSION"));
	free(err);
	kfp_policy_free(p.pol);
	kfp_unit_free(p.unit);
	kfp_ctx_fini(&p.ctx);
}
