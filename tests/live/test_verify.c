/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How `kfp apply` judges what the guest saw (tools/kfp/verify.c), on
 * made-up data, so that the verdict is tested on the behaviour of a
 * well-behaved KVM whatever this machine's KVM does.  No KVM needed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tools/kfp/verify.h"

static const struct kfp_feature_row features[] = {
	/* name, kind, expose, reg, bit, xss, leaf, subleaf, id, src, since */
	{ "sse3", KFP_KIND_CPUID, 1, 2, 0, 0, 0x1, 0, 0, { "p.kfp", 3, 11 }, 0 },
	{ "avx", KFP_KIND_CPUID, 0, 2, 28, 0, 0x1, 0, 0, { NULL, 0, 0 }, 0 },
	{ "avx2", KFP_KIND_CPUID, 0, 1, 5, 0, 0x7, 0, 0, { NULL, 0, 0 }, 0 },
	{ "amx-fp8", KFP_KIND_CPUID, 0, 0, 4, 0, 0x1e, 1, 0, { NULL, 0, 0 }, 0 },
	{ "kvmclock", KFP_KIND_KVM_PV, 1, 0, 0, 0, 0x40000001, 0, 0, { "p.kfp", 5, 15 }, 0 },
	{ "x87", KFP_KIND_XSAVE, 1, 0, 0, 0, 0, 0, 0, { "p.kfp", 6, 17 }, 0 },
	{ "sse", KFP_KIND_XSAVE, 1, 0, 1, 0, 0, 0, 0, { "p.kfp", 6, 21 }, 0 },
	{ "avx", KFP_KIND_XSAVE, 0, 0, 2, 0, 0, 0, 0, { NULL, 0, 0 }, 0 },
	{ "rdcl_no", KFP_KIND_MSR_BIT, 1, 0, 0, 0, 0x10a, 0, 0, { "p.kfp", 7, 9 }, 0 },
};

static const struct kfp_config cfg = {
	.table_version = KFP_TABLE_VERSION,
	.arch = KFP_TABLE_X86_64,
	.policy = "p\"q\n",
	.fleet = "f",
	.features = features,
	.nfeatures = sizeof(features) / sizeof(features[0]),
};

#define NPLAN 6

/* What the plan gives KVM_SET_CPUID2. */
static const struct kvm_cpuid_entry2 plan_entries[NPLAN] = {
	{ .function = 0x0, .eax = 0xd, .ebx = 0x68747541 },
	{ .function = 0x1, .eax = 0xa10f11, .ebx = 0x00020800, .ecx = 0x00000001, .edx = 0x1 },
	{ .function = 0x7, .flags = 1, .eax = 0, .ebx = 0 },
	{ .function = 0xd, .index = 0, .flags = 1, .eax = 0x3, .ebx = 0x240, .ecx = 0x240 },
	{ .function = 0x40000000, .eax = 0x40000001 },
	{ .function = 0x40000001, .eax = 0x1 },
};

/* A kvm_cpuid2 with room for NPLAN entries. */
union cpuid_table {
	struct kvm_cpuid2 hdr;
	unsigned char bytes[sizeof(struct kvm_cpuid2) + NPLAN * sizeof(struct kvm_cpuid_entry2)];
};

static union cpuid_table plan;

static struct kfp_host host;

static int setup(void **state)
{
	(void)state;
	plan.hdr.nent = NPLAN;
	memcpy(plan.hdr.entries, plan_entries, sizeof(plan_entries));
	/* The host offers avx and avx2 too, and ARCH_CAPABILITIES.RDCL_NO. */
	host.ncpuid = NPLAN;
	memcpy(host.cpuid, plan_entries, sizeof(plan_entries));
	host.cpuid[1].ecx |= 1u << 28;
	host.cpuid[2].ebx |= 1u << 5;
	host.cpuid[3].eax |= 1u << 2;
	host.nmsrs = 1;
	host.msrs[0] = (struct kfp_msr_value){ 0x10a, 0x1 };
	return 0;
}

/* What a guest that sees the plan reads, with the fields KVM computes at
 * run time changed. */
static size_t faithful_guest(struct guest_cpuid **out)
{
	size_t n;
	struct guest_cpuid *q = verify_queries(&cfg, &plan.hdr, &n);
	for (size_t i = 0; i < n; i++) {
		for (uint32_t j = 0; j < NPLAN; j++) {
			const struct kvm_cpuid_entry2 *e = &plan_entries[j];
			if (e->function == q[i].leaf && e->index == q[i].subleaf)
				memcpy(q[i].regs, (uint32_t[4]){ e->eax, e->ebx, e->ecx, e->edx },
				       sizeof(q[i].regs));
		}
		if (q[i].leaf == 0x1) {
			q[i].regs[1] = (q[i].regs[1] & 0x00ffffff) | 0x05000000; /* APIC id */
			q[i].regs[2] |= 1u << 27;                               /* OSXSAVE */
		}
		if (q[i].leaf == 0xd)
			q[i].regs[1] = 0x340; /* size for the current XCR0 */
		if (q[i].leaf == 0x1e) /* above the highest basic leaf: Intel repeats 0xd */
			memcpy(q[i].regs, (uint32_t[4]){ 0xffffffff, 0, 0, 0 }, sizeof(q[i].regs));
	}
	*out = q;
	return n;
}

static void test_queries_cover_plan_and_features(void **state)
{
	(void)state;
	size_t n;
	struct guest_cpuid *q = verify_queries(&cfg, &plan.hdr, &n);
	/* The plan's 6 entries in order, then 0x80000000 (a range's top) and
	 * 0x1e.1 (a feature's leaf the plan lacks); no duplicates. */
	assert_int_equal(n, NPLAN + 2);
	for (uint32_t i = 0; i < NPLAN; i++)
		assert_int_equal(q[i].leaf, plan_entries[i].function);
	assert_int_equal(q[NPLAN].leaf, 0x80000000);
	assert_int_equal(q[NPLAN + 1].leaf, 0x1e);
	assert_int_equal(q[NPLAN + 1].subleaf, 1);
	free(q);
}

/* With XSAVE in the plan, the guest enables what CPUID.0xD.0 offers and
 * reads XCR0 back, last; another value is a mismatch, named in the table
 * and in the JSON. */
static void test_xcr0_read_by_the_guest(void **state)
{
	(void)state;
	static union cpuid_table xplan;
	xplan.hdr.nent = NPLAN;
	memcpy(xplan.hdr.entries, plan_entries, sizeof(plan_entries));
	xplan.hdr.entries[1].ecx |= 1u << 26; /* XSAVE; 0xd.0 offers 0x3 */

	struct guest_cpuid *q, *faithful;
	size_t n, nf = faithful_guest(&faithful);
	q = verify_queries(&cfg, &xplan.hdr, &n);
	assert_int_equal(n, nf + 1);
	assert_int_equal(q[n - 1].leaf, GUEST_XCR0);
	memcpy(q, faithful, nf * sizeof(*q));
	free(faithful);
	q[1].regs[2] |= 1u << 26;
	q[n - 1].regs[0] = 0x3;

	struct verdict v;
	verify(&v, &cfg, &host, &xplan.hdr, &xplan.hdr, q, n);
	assert_true(v.xcr0_read);
	assert_int_equal(verdict_mismatches(&v), 0);
	verdict_free(&v);

	q[n - 1].regs[0] = 0x1; /* the guest could not enable SSE */
	verify(&v, &cfg, &host, &xplan.hdr, &xplan.hdr, q, n);
	assert_true(v.xcr0_mismatch);
	assert_int_equal(verdict_mismatches(&v), 1);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	verdict_print_table(&v, false, out);
	verdict_print_json(&v, out);
	fclose(out);
	assert_non_null(strstr(text, "MISMATCH XCR0: the plan offers 0x3, the guest enabled and reads 0x1"));
	assert_non_null(strstr(text, "\"xcr0\": {\"planned\": \"0x3\", \"guest\": \"0x1\", \"mismatch\": true}"));
	assert_null(strstr(text, "0xfffffffe")); /* not a CPUID leaf */
	free(text);
	verdict_free(&v);
	free(q);
}

/* A fleet that writes IA32_ARCH_CAPABILITIES to a guest whose CPUID
 * enumerates it: the guest reads the MSR (RDMSR) and its bits are judged. */
static void test_arch_capabilities_read_by_the_guest(void **state)
{
	(void)state;
	static const struct kfp_msr_row msr_rows[] = { { .index = 0x10a } };
	static const struct kfp_x86_config x86 = { .msrs = msr_rows, .nmsrs = 1 };
	struct kfp_config mcfg = cfg;
	mcfg.x86 = &x86;
	static union cpuid_table mplan;
	mplan.hdr.nent = NPLAN;
	memcpy(mplan.hdr.entries, plan_entries, sizeof(plan_entries));
	mplan.hdr.entries[2].edx |= 1u << 29; /* 7.0 EDX: arch-capabilities */

	struct guest_cpuid *q, *faithful;
	size_t n, nf = faithful_guest(&faithful);
	q = verify_queries(&mcfg, &mplan.hdr, &n);
	assert_int_equal(n, nf + 1);
	assert_int_equal(q[n - 1].leaf, GUEST_RDMSR);
	assert_int_equal(q[n - 1].subleaf, 0x10a);
	memcpy(q, faithful, nf * sizeof(*q));
	free(faithful);
	q[2].regs[3] |= 1u << 29;

	struct verdict v;
	q[n - 1].regs[0] = 0x1; /* rdcl_no, as the policy says */
	verify(&v, &mcfg, &host, &mplan.hdr, &mplan.hdr, q, n);
	assert_int_equal(v.features[8].guest, 1);
	assert_int_equal(verdict_mismatches(&v), 0);
	verdict_free(&v);

	q[n - 1].regs[0] = 0x0;
	verify(&v, &mcfg, &host, &mplan.hdr, &mplan.hdr, q, n);
	assert_true(v.features[8].mismatch);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	verdict_print_json(&v, out);
	fclose(out);
	assert_non_null(strstr(text, "\"guest_msrs\": [{\"index\": \"0x10a\", \"value\": \"0x0000000000000000\"}]"));
	free(text);
	verdict_free(&v);
	free(q);
}

static void test_faithful_guest_has_no_mismatch(void **state)
{
	(void)state;
	struct guest_cpuid *q;
	size_t n = faithful_guest(&q);
	struct verdict v;
	verify(&v, &cfg, &host, &plan.hdr, &plan.hdr, q, n);
	assert_int_equal(verdict_mismatches(&v), 0);
	assert_int_equal(v.nexposed, 5);
	assert_int_equal(v.nhidden, 4);
	assert_int_equal(v.features[0].guest, 1);     /* sse3 */
	assert_int_equal(v.features[1].host, 1);      /* avx: host has it, hidden */
	assert_int_equal(v.features[1].guest, 0);
	assert_int_equal(v.features[3].guest, 0);     /* out of range: absent */
	assert_int_equal(v.features[8].guest, -1);    /* MSR bit: n/a */
	assert_int_equal(v.features[8].host, 1);
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	verdict_print_table(&v, false, out);
	fclose(out);
	assert_non_null(strstr(text, "OK: the guest sees what policy"));
	assert_non_null(strstr(text, "p.kfp:3:11"));
	assert_null(strstr(text, "avx2")); /* hidden and unmentioned */
	free(text);
	verdict_free(&v);
	free(q);
}

static void test_hidden_feature_seen_is_a_mismatch(void **state)
{
	(void)state;
	struct guest_cpuid *q;
	size_t n = faithful_guest(&q);
	q[2].regs[1] |= 1u << 5; /* the guest sees avx2 */
	q[3].regs[0] |= 1u << 2; /* and the AVX state in XCR0 */
	/* KVM's copy of the table says KVM put avx2 there itself. */
	static union cpuid_table kvm;
	kvm.hdr.nent = NPLAN;
	memcpy(kvm.hdr.entries, plan_entries, sizeof(plan_entries));
	kvm.hdr.entries[2].ebx |= 1u << 5;
	struct verdict v;
	verify(&v, &cfg, &host, &plan.hdr, &kvm.hdr, q, n);
	assert_int_equal(v.feature_mismatches, 2);
	assert_true(v.features[2].mismatch);
	assert_true(v.features[7].mismatch);
	assert_int_equal(v.ndiffs, 2);
	assert_int_equal(v.nkvm_changed, 1);

	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	verdict_print_table(&v, false, out);
	fclose(out);
	assert_non_null(strstr(text, "MISMATCH avx2 (cpuid 0x7.0 ebx[5]): the policy hides it, the guest sees it"));
	assert_non_null(strstr(text, "KVM_GET_CPUID2 holds 0x00000020: KVM changed the table it was given"));
	assert_non_null(strstr(text, "FAIL:"));
	free(text);

	out = open_memstream(&text, &len);
	verdict_print_json(&v, out);
	fclose(out);
	assert_non_null(strstr(text, "\"policy\": \"p\\\"q\\n\""));
	assert_non_null(strstr(text, "{\"name\": \"avx2\", \"kind\": \"cpuid\", \"policy\": 0, \"host\": 1, \"guest\": 1, \"src\": null, \"mismatch\": true}"));
	assert_non_null(strstr(text, "{\"name\": \"rdcl_no\", \"kind\": \"msr\", \"policy\": 1, \"host\": 1, \"guest\": null, \"src\": \"p.kfp:7:9\", \"mismatch\": false}"));
	assert_non_null(strstr(text, "\"kvm_changed_registers\": 1,\n  \"mismatches\": 4\n}\n"));
	free(text);
	verdict_free(&v);
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queries_cover_plan_and_features),
		cmocka_unit_test(test_faithful_guest_has_no_mismatch),
		cmocka_unit_test(test_xcr0_read_by_the_guest),
		cmocka_unit_test(test_arch_capabilities_read_by_the_guest),
		cmocka_unit_test(test_hidden_feature_seen_is_a_mismatch),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
