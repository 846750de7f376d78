/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The arm64 runtime (runtime/src/arm64.c) against a fake KVM (fake_kvm.c)
 * whose registers are those the fleet harness read on Debian's 6.1 and
 * 6.12 under qemu -cpu max (.cache/fleet/facts/), or the N1 host profile
 * (tests/data/profiles/arm64.yaml): field arithmetic in each field's order,
 * writable masks present and absent, hypercall bitmaps (and 5.10 without
 * them), the `unknown` rules, pinned registers (the cache description and
 * PSCI_VERSION, with the compiler's rules for them), commit order and KVM's
 * refusals.  The configurations come from the real compiler, in-process,
 * on small policies (with host profiles written to a temporary directory
 * where pins need them).
 *
 * This file holds what the tests share and runs them all; the tests are in
 * test_arm64*.c by subject.
 */
#include "arm64_test.h"

/* Big: keep them off the stack. */
struct fake_kvm kvm;
struct kfp_arm64_plan plan;
struct kfp_report rep;

/* ------------------------------------------------------------------ */
/* Policies, compiled in-process                                      */

/* HEADER, then an arm64 section with BASE and the given lines (from line
 * 9). */
const struct kfp_config *compile(struct policy *p, const char *section)
{
	char text[sizeof(p->text)];
	snprintf(text, sizeof(text), HEADER "arm64 {\n" BASE "%s}\n", section);
	return compile_text(p, text);
}

void print_report(void)
{
	for (uint32_t i = 0; i < rep.nitems; i++) {
		char line[256];
		kfp_report_item_format(&rep.items[i], line, sizeof(line));
		print_error("  %s %s\n", kfp_item_status_name(rep.items[i].status), line);
	}
}

/* The item named `name` with `status`, or a failure that prints the
 * report. */
const struct kfp_report_item *find_item(uint8_t status, const char *name)
{
	for (uint32_t i = 0; i < rep.nitems; i++)
		if (rep.items[i].status == status && !strcmp(rep.items[i].name, name))
			return &rep.items[i];
	print_report();
	fail_msg("no %s item named %s", kfp_item_status_name(status), name);
	return NULL;
}

void assert_src(const struct kfp_report_item *it, const struct policy *p, const char *needle)
{
	uint32_t line, col;
	where(p, needle, &line, &col);
	assert_non_null(it->src.file);
	assert_string_equal(it->src.file, p->file);
	assert_int_equal(it->src.line, line);
	assert_int_equal(it->src.col, col);
}

void assert_line(const struct kfp_report_item *it, const char *want)
{
	char line[256];
	kfp_report_item_format(it, line, sizeof(line));
	assert_string_equal(line, want);
}

uint64_t written(uint64_t id)
{
	uint64_t v = 0;
	if (!fake_kvm_written_reg(&kvm, id, &v))
		fail_msg("register 0x%016" PRIx64 " was not written", id);
	return v;
}

bool was_written(uint64_t id)
{
	uint64_t v;
	return fake_kvm_written_reg(&kvm, id, &v);
}

uint64_t nibble(uint64_t reg, unsigned shift)
{
	return reg >> shift & 0xf;
}

/* A fresh 6.12 host: the one the fixture sets up. */
void new_host(void)
{
	fake_kvm_init(&kvm);
	fake_kvm_qemu_arm64_6_12(&kvm);
}

int apply(const struct kfp_config *cfg)
{
	kfp_report_init(&rep);
	return kfp_arm64_apply(cfg, FAKE_VM_FD, FAKE_VCPU_FD, &plan, &rep);
}

/* apply() that must succeed; prints the report otherwise. */
void apply_ok(const struct kfp_config *cfg)
{
	int r = apply(cfg);
	if (r != 0 || rep.nproblems) {
		print_report();
		fail_msg("kfp_arm64_apply: %d", r);
	}
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                           */

int setup(void **state)
{
	(void)state;
	fake_kvm_init(&kvm);
	fake_kvm_qemu_arm64_6_12(&kvm);
	kfp_report_init(&rep);
	return 0;
}

int teardown(void **state)
{
	(void)state;
	fake_kvm_uninstall();
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_example_on_6_12),
		T(test_no_masks_writes_nothing),
		T(test_masks_limit_changes),
		T(test_field_arithmetic),
		T(test_host_lacks_field),
		T(test_unknown_field_bits),
		T(test_unknown_id_register),
		T(test_vcpu_features),
		T(test_hypercall_bitmaps),
		T(test_hypercall_missing),
		T(test_hypercalls_before_5_19),
		T(test_state_same_kernel),
		T(test_state_guest_view),
		T(test_state_unknown_register),
		T(test_state_fpmr),
		T(test_state_vcpu_off_and_added),
		T(test_state_bitmap_on_5_10),
		T(test_state_file),
		T(test_pins),
		T(test_pin_psci),
		T(test_pin_errors),
		T(test_commit_order),
		T(test_kvm_refuses_write),
		T(test_reg_list_too_long),
		T(test_bad_tables),
		T(test_n1_profile),
		T(test_guest_program),
		T(test_verdict),
#undef T
	};
	return cmocka_run_group_tests_name("runtime arm64", tests, policy_group_setup,
					   policy_group_teardown);
}
