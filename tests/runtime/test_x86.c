/* SPDX-License-Identifier: Apache-2.0 */
/* The x86 runtime tests: host probing, CPUID, host profiles, bad tables and
 * reports (see x86_test.c). */
#include "x86_test.h"

/* ------------------------------------------------------------------ */
/* Host                                                               */

void test_host_init_grows_buffers(void **state)
{
	(void)state;
	/* 101 entries: 64 is too small, 128 fits. */
	for (uint32_t i = 0; i < 70; i++)
		fake_kvm_add_cpuid(&kvm, 0x4, 4 + i, SIG, i, 0, 0, 0);
	/* 43 feature MSRs: 32 is too small; KVM says how many it has. */
	for (uint32_t i = 0; i < 40; i++)
		fake_kvm_set_msr(&kvm, 0x1000 + i, i);

	assert_int_equal(kfp_host_init(&host, FAKE_KVM_FD), 0);
	assert_int_equal(kvm.nsupported, 2);
	assert_int_equal(kvm.supported_nent[0], 64);
	assert_int_equal(kvm.supported_nent[1], 128);
	assert_int_equal(host.ncpuid, kvm.ncpuid);
	for (uint32_t i = 1; i < host.ncpuid; i++)
		assert_true(host.cpuid[i - 1].function < host.cpuid[i].function ||
			    (host.cpuid[i - 1].function == host.cpuid[i].function &&
			     host.cpuid[i - 1].index < host.cpuid[i].index));

	assert_int_equal(kvm.nmsr_list, 2);
	assert_int_equal(kvm.msr_list_n[0], 32);
	assert_int_equal(kvm.msr_list_n[1], 43);
	assert_int_equal(host.nmsrs, 43);
	for (uint32_t i = 1; i < host.nmsrs; i++)
		assert_true(host.msrs[i - 1].index < host.msrs[i].index);
	uint64_t v;
	assert_int_equal(kfp_host_msr(&host, 0x1007, &v), 0);
	assert_int_equal(v, 7);
}

void test_host_init_too_many_cpuid_entries(void **state)
{
	(void)state;
	while (kvm.ncpuid < 300)
		fake_kvm_add_cpuid(&kvm, 0x20000000, kvm.ncpuid, SIG, 0, 0, 0, 0);
	assert_int_equal(kfp_host_init(&host, FAKE_KVM_FD), -E2BIG);
	assert_int_equal(kvm.nsupported, 3);
	assert_int_equal(kvm.supported_nent[2], KFP_MAX_CPUID_ENTRIES);
	assert_int_equal(host.ncpuid, 0);
}

void test_host_init_short_msr_read(void **state)
{
	(void)state;
	/* The list is 0x8b, 0xce, 0x10a; KVM_GET_MSRS reads two and stops, so
	 * 0x10a is not recorded. */
	kvm.get_msrs_limit = 2;
	assert_int_equal(kfp_host_init(&host, FAKE_KVM_FD), 0);
	assert_int_equal(host.nmsrs, 2);
	assert_int_equal(host.msrs[0].index, 0x8b);
	assert_int_equal(host.msrs[1].index, 0xce);
	assert_int_equal(kfp_host_msr(&host, 0x10a, NULL), -ENOENT);

	/* Without KVM_CAP_GET_MSR_FEATURES there are none to read. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	kvm.msr_features = false;
	assert_int_equal(kfp_host_init(&host, FAKE_KVM_FD), 0);
	assert_int_equal(host.nmsrs, 0);
	assert_int_equal(fake_kvm_calls(&kvm, KVM_GET_MSR_FEATURE_INDEX_LIST), 0);
}

void test_host_cpuid_lookup(void **state)
{
	(void)state;
	assert_int_equal(kfp_host_init(&host, FAKE_KVM_FD), 0);
	/* Not indexed: the index is ignored. */
	const struct kvm_cpuid_entry2 *e = kfp_host_cpuid(&host, 0x1, 5);
	assert_non_null(e);
	assert_int_equal(e->function, 0x1);
	/* Indexed: it must match. */
	e = kfp_host_cpuid(&host, 0xd, 6);
	assert_non_null(e);
	assert_int_equal(e->eax, 0x200);
	assert_null(kfp_host_cpuid(&host, 0xd, 8));
	assert_null(kfp_host_cpuid(&host, 0x12, 0));
	assert_int_equal(kfp_host_init(&host, -1), -EINVAL);
}

/* ------------------------------------------------------------------ */
/* CPUID                                                              */

void test_apply_minimal_example(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile_file(&p, KFP_SOURCE_DIR "/policies/examples/minimal-x86.kfp");

	assert_int_equal(apply(cfg), 0);
	assert_int_equal(rep.nproblems, 0);
	assert_int_equal(rep.napplied, 3);
	assert_int_equal(rep.nitems, 3);
	for (uint32_t i = 0; i < rep.nitems; i++)
		assert_int_equal(rep.items[i].status, KFP_ITEM_APPLIED);
	assert_int_equal(kfp_plan_cpuid(&plan)->nent, kvm.nset_cpuid);

	/* Pass-through leaves are the host's. */
	assert_memory_equal(written(0x0, 0), fake_kvm_cpuid(&kvm, 0x0, 0),
			    sizeof(struct kvm_cpuid_entry2));
	assert_memory_equal(written(0x40000000, 0), fake_kvm_cpuid(&kvm, 0x40000000, 0),
			    sizeof(struct kvm_cpuid_entry2));
	assert_memory_equal(written(0x4, 3), fake_kvm_cpuid(&kvm, 0x4, 3),
			    sizeof(struct kvm_cpuid_entry2));
	assert_int_equal(written(0x4, 3)->flags, SIG);

	/* Default deny: leaf 1 ECX/EDX hold exactly the allowed bits, and a
	 * bit the host supports but the policy does not name is 0. */
	const struct kvm_cpuid_entry2 *l1 = written(0x1, 0);
	assert_non_null(l1);
	assert_int_equal(l1->ecx, cpuid_row(cfg, 0x1, 0, 2, KFP_CPUID_MASK)->expose);
	assert_int_equal(l1->edx, cpuid_row(cfg, 0x1, 0, 3, KFP_CPUID_MASK)->expose);
	assert_true(fake_kvm_cpuid(&kvm, 0x1, 0)->ecx & (1u << 28)); /* avx */
	assert_false(l1->ecx & (1u << 28));
	assert_true(l1->ecx & (1u << 20)); /* sse4.2 */
	assert_int_equal(l1->eax, fake_kvm_cpuid(&kvm, 0x1, 0)->eax);
	assert_int_equal(written(0x7, 0)->ebx, 0);
	assert_int_equal(written(0x40000001, 0)->eax, 0);
	/* A leaf nothing describes (the architectural PMU) is dropped. */
	assert_null(written(0xa, 0));

	/* Leaf 0xD: x87 and SSE only. */
	const struct kvm_cpuid_entry2 *d0 = written(0xd, 0);
	assert_non_null(d0);
	assert_int_equal(d0->eax, 0x3);
	assert_int_equal(d0->edx, 0);
	assert_int_equal(d0->ebx, 0x240);
	assert_int_equal(d0->ecx, 512 + 64);
	assert_int_equal(written(0xd, 1)->eax, 0);
	assert_null(written(0xd, 2));

	/* IA32_ARCH_CAPABILITIES is on the host: written, every bit hidden.
	 * IA32_PERF_CAPABILITIES is not: nothing to hide, not written. */
	assert_int_equal(written_msr(0x10a), 0);
	assert_int_equal(kvm.nset_msrs, 1);

	assert_int_equal(kvm.xsave_req, KVM_GET_XSAVE);
	assert_int_equal(kvm.xcrs.nr_xcrs, 1);
	assert_int_equal(kvm.xcrs.xcrs[0].xcr, 0);
	assert_int_equal(kvm.xcrs.xcrs[0].value, 0x3);
	policy_free(&p);
}

void test_missing_feature_writes_nothing(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE
					       "    allow avx;\n"
					       "    require avx2;\n"
					       "    xsave allow x87 sse avx;\n");
	fake_kvm_cpuid(&kvm, 0x7, 0)->ebx &= ~(1u << 5); /* this host lacks avx2 */

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_int_equal(rep.napplied, 0);
	assert_int_equal(rep.nproblems, 1);
	const struct kfp_report_item *it = find_item(KFP_ITEM_MISSING, "avx2");
	assert_src(it, &p, "avx2");
	char line[256];
	kfp_report_item_format(it, line, sizeof(line));
	assert_string_equal(line, "test.kfp:6:13: avx2: the policy exposes it; this host's KVM "
				  "does not offer it (CPUID 0x7.0 EBX bit 5)");
	policy_free(&p);
}

void test_raw_cpuid_bit(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE "    cpuid 0xa 0 eax bit 0 = 1;\n");

	/* The host's leaf 0xA has EAX bit 0 clear: `= 1` sets it anyway, and
	 * the leaf is given to the guest with that bit only. */
	assert_false(fake_kvm_cpuid(&kvm, 0xa, 0)->eax & 1);
	assert_int_equal(apply(cfg), 0);
	const struct kvm_cpuid_entry2 *e = written(0xa, 0);
	assert_non_null(e);
	assert_int_equal(e->eax, 1);
	assert_int_equal(e->edx, 0);
	policy_free(&p);

	/* A leaf this host's KVM does not report cannot carry it: nothing is
	 * written. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	assert_null(fake_kvm_cpuid(&kvm, 0x1c, 0));
	cfg = compile(&p, BASE "    cpuid 0x1c 0 eax bit 0 = 1;\n");
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	const struct kfp_report_item *it = find_item(KFP_ITEM_MISSING, "cpuid");
	assert_src(it, &p, "cpuid");
	char line[256];
	kfp_report_item_format(it, line, sizeof(line));
	assert_string_equal(line, "test.kfp:5:5: cpuid: 0x1c.0 EAX: the policy sets bits 0x00000001 "
				  "of a leaf this host's KVM does not report");
	policy_free(&p);
}

void test_xsave_leaf_follows_xfeatures(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE
					       "    allow xsaveopt avx avx512f;\n"
					       "    xsave allow x87 sse avx opmask zmm_hi256 hi16_zmm;\n");
	assert_int_equal(cfg->x86->xcr0, 0xe7);
	assert_int_equal(apply(cfg), 0);

	const struct kvm_cpuid_entry2 *d0 = written(0xd, 0), *d1 = written(0xd, 1);
	assert_non_null(d0);
	assert_int_equal(d0->eax, 0xe7); /* allowed & host (0x2ff) */
	assert_int_equal(d0->edx, 0);
	assert_int_equal(d0->ebx, 0x240);
	/* hi16_zmm ends last: 0x680 + 0x400.  Without pkru (0xa80 + 8). */
	assert_int_equal(d0->ecx, 0xa80);
	assert_int_equal(d0->flags, SIG);
	/* 0xD.1 EAX: the mask row (xsaveopt) beats the xsave row. */
	assert_non_null(d1);
	assert_int_equal(d1->eax, 0x1);
	assert_int_equal(d1->ebx, 0x240);
	assert_int_equal(d1->ecx, 0);
	assert_int_equal(d1->edx, 0);
	/* Sub-leaves of allowed components are the host's; the others go. */
	for (uint32_t i = 2; i < 10; i++) {
		const struct kvm_cpuid_entry2 *host_e = fake_kvm_cpuid(&kvm, 0xd, i);
		if (cfg->x86->xcr0 >> i & 1)
			assert_memory_equal(written(0xd, i), host_e, sizeof(*host_e));
		else
			assert_null(written(0xd, i));
	}
	policy_free(&p);
}

void test_missing_xsave_component(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE
					       "    allow avx avx512f;\n"
					       "    xsave allow x87 sse avx opmask zmm_hi256 hi16_zmm;\n");
	fake_kvm_cpuid(&kvm, 0xd, 0)->eax = 0x7; /* no AVX-512 state */

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_int_equal(rep.nproblems, 3);
	assert_src(find_item(KFP_ITEM_MISSING, "opmask"), &p, "opmask");
	assert_src(find_item(KFP_ITEM_MISSING, "hi16_zmm"), &p, "hi16_zmm");
	policy_free(&p);
}

/* Hand-built rows: precedence and sub-leaf matching, independent of what
 * the compiler emits today. */
void test_row_precedence(void **state)
{
	(void)state;
	static const struct kfp_cpuid_row rows[] = {
		{ 0x7, KFP_ANY_SUBLEAF, 1, KFP_CPUID_PASS, 0, { NULL, 0, 0 } },
		{ 0x7, 0, 1, KFP_CPUID_MASK, 1u << 5, { "x.kfp", 3, 1 } },
		{ 0x7, 0, 1, KFP_CPUID_MASK, 1u << 3, { "x.kfp", 4, 1 } },
		{ 0x4, KFP_ANY_SUBLEAF, 0, KFP_CPUID_PASS, 0, { NULL, 0, 0 } },
	};
	static const struct kfp_x86_config x86 = { .cpuid = rows, .ncpuid = 4 };
	static const struct kfp_config cfg = { .table_version = KFP_TABLE_VERSION,
					       .arch = KFP_TABLE_X86_64,
					       .x86 = &x86 };
	fake_kvm_add_cpuid(&kvm, 0x7, 1, SIG, 0x10, 0x77, 0, 0);

	assert_int_equal(apply(&cfg), 0);
	/* MASK beats PASS; two MASK rows for one register add up. */
	assert_int_equal(written(0x7, 0)->ebx, (1u << 5) | (1u << 3));
	assert_int_equal(written(0x7, 0)->eax, 0);
	/* The PASS row with any sub-leaf covers 0x7.1 EBX; EAX has no row. */
	assert_int_equal(written(0x7, 1)->ebx, 0x77);
	assert_int_equal(written(0x7, 1)->eax, 0);
	for (uint32_t i = 0; i < 4; i++)
		assert_int_equal(written(0x4, i)->eax, fake_kvm_cpuid(&kvm, 0x4, i)->eax);
	assert_int_equal(kvm.nset_cpuid, 6);
	/* Nothing in the policy: XCR0 starts with x87 only. */
	assert_int_equal(kvm.xcrs.xcrs[0].value, 0x1);
}

/* ------------------------------------------------------------------ */
/* Host profiles, bad tables, reports                                 */

void test_profile_host(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg =
		compile_file(&p, KFP_SOURCE_DIR "/policies/examples/minimal-x86.kfp");
	assert_int_equal(fake_kvm_load_profile(&kvm, KFP_SOURCE_DIR "/tests/data/profiles/x86_64.yaml"), 0);

	assert_int_equal(apply(cfg), 0);
	assert_int_equal(host.ncpuid, 6);
	assert_int_equal(host.nmsrs, 3);
	assert_int_equal(written(0xd, 0)->eax, 0x3);
	assert_int_equal(written(0x1, 0)->ecx, cpuid_row(cfg, 0x1, 0, 2, KFP_CPUID_MASK)->expose);
	assert_int_equal(written_msr(0x10a), 0);
	assert_int_equal(kvm.xcrs.xcrs[0].value, 0x3);
	policy_free(&p);
}

void test_plan_rejects_bad_tables(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	struct kfp_config bad = *cfg;
	assert_int_equal(kfp_host_init(&host, FAKE_KVM_FD), 0);

	bad.table_version = KFP_TABLE_VERSION + 1;
	assert_int_equal(kfp_x86_plan(&bad, &host, FAKE_VM_FD, &plan, &rep), -EINVAL);
	bad = *cfg;
	bad.arch = KFP_TABLE_ARM64;
	assert_int_equal(kfp_x86_plan(&bad, &host, FAKE_VM_FD, &plan, &rep), -EINVAL);
	bad = *cfg;
	bad.x86 = NULL;
	assert_int_equal(kfp_x86_plan(&bad, &host, FAKE_VM_FD, &plan, &rep), -EINVAL);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	policy_free(&p);
}

void test_report_format_and_overflow(void **state)
{
	(void)state;
	char buf[256];
	struct kfp_report_item it = { .status = KFP_ITEM_MISSING, .name = "avx2",
				      .src = { "web.kfp", 12, 11 } };
	strcpy(it.detail, "host lacks it");
	assert_int_equal(kfp_report_item_format(&it, buf, sizeof(buf)),
			 (int)strlen("web.kfp:12:11: avx2: host lacks it"));
	assert_string_equal(buf, "web.kfp:12:11: avx2: host lacks it");
	it.src.file = NULL;
	kfp_report_item_format(&it, buf, sizeof(buf));
	assert_string_equal(buf, "avx2: host lacks it");
	/* Truncated like snprintf, returning the full length. */
	assert_int_equal(kfp_report_item_format(&it, buf, 5), (int)strlen("avx2: host lacks it"));
	assert_string_equal(buf, "avx2");

	assert_string_equal(kfp_item_status_name(KFP_ITEM_APPLIED), "applied");
	assert_string_equal(kfp_item_status_name(KFP_ITEM_MISSING), "missing");
	assert_string_equal(kfp_item_status_name(KFP_ITEM_UNSETTABLE), "unsettable");
	assert_string_equal(kfp_item_status_name(KFP_ITEM_REFUSED), "refused");
	assert_string_equal(kfp_item_status_name(KFP_ITEM_ORDER), "order");
	assert_string_equal(kfp_item_status_name(0), "unknown");

	/* A host with no CPUID at all lacks everything the example exposes:
	 * more problems than a report holds. */
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE
					       "    allow avx avx2 avx512f avx512cd avx512bw avx512dq avx512vl\n"
					       "        pclmulqdq aes f16c fma bmi1 bmi2 adx rdrand rdseed movbe\n"
					       "        popcnt sse3 ssse3 sse4.1 sse4.2 cx16 lahf_lm abm\n"
					       "        cmov cx8 pae pse tsc msr apic pge mmx syscall nx lm\n"
					       "        clflush clflushopt clwb sep pat pdpe1gb rdtscp\n"
					       "        fsgsbase smep smap erms invpcid xsaveopt xsavec;\n"
					       "    allow hypervisor;\n"
					       "    kvm allow kvmclock kvmclock2 steal_time pv_eoi pv_unhalt;\n"
					       "    xsave allow x87 sse avx opmask zmm_hi256 hi16_zmm;\n");
	kvm.ncpuid = 0;
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(rep.nitems, KFP_REPORT_MAX);
	assert_true(rep.nlost > 0);
	assert_int_equal(rep.nproblems, rep.nitems + rep.nlost);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	policy_free(&p);

	/* APPLIED items count in napplied even when lost. */
	kfp_report_init(&rep);
	for (int i = 0; i < KFP_REPORT_MAX + 3; i++)
		kfp_report_add(&rep, KFP_ITEM_APPLIED, "x", NULL, 0, "%d", i);
	assert_int_equal(rep.nitems, KFP_REPORT_MAX);
	assert_int_equal(rep.nlost, 3);
	assert_int_equal(rep.napplied, KFP_REPORT_MAX + 3);
	assert_int_equal(rep.nproblems, 0);
	assert_string_equal(rep.items[KFP_REPORT_MAX - 1].detail, "63");
}

/* What a Linux guest does to find KVM (hypervisor_cpuid_base() and
 * kvm_cpuid_base()): only with the hypervisor bit, it looks for the
 * "KVMKVMKVM" signature at 0x40000000 and up, in steps of 0x100. */
static bool guest_finds_kvm(void)
{
	const struct kvm_cpuid_entry2 *l1 = written(0x1, 0);
	if (!l1 || !(l1->ecx & 1u << 31))
		return false;
	for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
		const struct kvm_cpuid_entry2 *e = written(base, 0);
		char sig[13];
		if (!e)
			continue;
		memcpy(sig, &e->ebx, 4);
		memcpy(sig + 4, &e->ecx, 4);
		memcpy(sig + 8, &e->edx, 4);
		sig[12] = 0;
		if (!memcmp(sig, "KVMKVMKVM\0\0\0", 12) && e->eax >= base + 1)
			return true;
	}
	return false;
}

/* The bits the VMM owns are not in KVM_GET_SUPPORTED_CPUID: the runtime
 * sets them when the policy allows them, the hypervisor bit on every KVM
 * and tsc-deadline only with KVM_CAP_TSC_DEADLINE_TIMER. */
void test_vmm_owned_bits(void **state)
{
	(void)state;
	struct policy p;
	const uint32_t hypervisor = 1u << 31, tsc_deadline = 1u << 24;

	assert_false(fake_kvm_cpuid(&kvm, 0x1, 0)->ecx & (hypervisor | tsc_deadline));
	kvm.tsc_deadline = true;
	const struct kfp_config *cfg =
		compile(&p, BASE "    allow apic hypervisor tsc-deadline;\n"
				 "    kvm allow kvmclock;\n");
	assert_int_equal(apply(cfg), 0);
	assert_int_equal(written(0x1, 0)->ecx & (hypervisor | tsc_deadline),
			 hypervisor | tsc_deadline);
	assert_true(written(0x40000001, 0)->eax & 1); /* kvmclock */
	assert_true(guest_finds_kvm());

	/* Without the capability, KVM cannot emulate the TSC-deadline
	 * timer: the apply stops before any write, naming the feature. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	kvm.tsc_deadline = false;
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_src(find_item(KFP_ITEM_MISSING, "tsc-deadline"), &p, "tsc-deadline;");
	assert_int_equal(rep.nproblems, 1);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	policy_free(&p);

	/* Default deny: a policy that does not allow them hides them. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	kvm.tsc_deadline = true;
	cfg = compile(&p, BASE "    allow apic;\n");
	assert_int_equal(apply(cfg), 0);
	assert_int_equal(written(0x1, 0)->ecx & (hypervisor | tsc_deadline), 0);
	assert_false(guest_finds_kvm());
	policy_free(&p);
}
