/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The x86 runtime against a fake KVM (fake_kvm.c): host probing with its
 * E2BIG retries, CPUID default deny, leaf 0xD, feature and VMX MSRs, the
 * AMX permission, the xsave check, XCR0, and reports.  The configurations
 * come from the real compiler, run in-process on small policies, so these
 * tests also cover compiler -> tables -> runtime end to end.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <kfp/kfp.h>

#include "compiler/catalog/catalog.h"
#include "compiler/semantics/config.h"
#include "fake_kvm.h"
#include "runtime/src/internal.h"
#include "grammar/parse.h"
#include "policy.h"
#include "compiler/semantics/structure.h"
#include "compiler/emitters/tables.h"

#ifndef KFP_SOURCE_DIR
#define KFP_SOURCE_DIR "."
#endif

#define SIG KVM_CPUID_FLAG_SIGNIFCANT_INDEX

/* Big: keep them off the stack. */
static struct fake_kvm kvm;
static struct kfp_host host;
static struct kfp_x86_plan plan;
static struct kfp_report rep;

/* ------------------------------------------------------------------ */
/* Policies, compiled in-process                                      */

#define HEADER "policy \"t\" version 1;\nfleet \"f\" { arch x86_64; min_kernel 6.1; }\n"
/* What every test policy allows, so that its dependencies are met. */
#define BASE "    allow fpu fxsr sse sse2 xsave;\n"

/* HEADER, then an x86_64 section with the given lines (from line 4). */
static const struct kfp_config *compile(struct policy *p, const char *section)
{
	char text[sizeof(p->text)];
	snprintf(text, sizeof(text), HEADER "x86_64 {\n%s}\n", section);
	return compile_text(p, text);
}

/* The item named `name` with `status`, or a failure that prints the
 * report. */
static const struct kfp_report_item *find_item(uint8_t status, const char *name)
{
	for (uint32_t i = 0; i < rep.nitems; i++)
		if (rep.items[i].status == status && !strcmp(rep.items[i].name, name))
			return &rep.items[i];
	for (uint32_t i = 0; i < rep.nitems; i++) {
		char line[256];
		kfp_report_item_format(&rep.items[i], line, sizeof(line));
		print_error("  %s %s\n", kfp_item_status_name(rep.items[i].status), line);
	}
	fail_msg("no %s item named %s", kfp_item_status_name(status), name);
	return NULL;
}

static void assert_src(const struct kfp_report_item *it, const struct policy *p, const char *needle)
{
	uint32_t line, col;
	where(p, needle, &line, &col);
	assert_non_null(it->src.file);
	assert_string_equal(it->src.file, "test.kfp");
	assert_int_equal(it->src.line, line);
	assert_int_equal(it->src.col, col);
}

static const struct kfp_cpuid_row *cpuid_row(const struct kfp_config *cfg, uint32_t leaf,
					     uint32_t subleaf, uint8_t reg, uint8_t mode)
{
	for (uint32_t i = 0; i < cfg->x86->ncpuid; i++) {
		const struct kfp_cpuid_row *r = &cfg->x86->cpuid[i];
		if (r->leaf == leaf && r->subleaf == subleaf && r->reg == reg && r->mode == mode)
			return r;
	}
	return NULL;
}

static const struct kvm_cpuid_entry2 *written(uint32_t function, uint32_t index)
{
	return fake_kvm_written_cpuid(&kvm, function, index);
}

static uint64_t written_msr(uint32_t index)
{
	uint64_t v = 0;
	if (!fake_kvm_written_msr(&kvm, index, &v))
		fail_msg("MSR 0x%" PRIx32 " was not written", index);
	return v;
}

/* host init + plan + commit on the fake's fds. */
static int apply(const struct kfp_config *cfg)
{
	kfp_report_init(&rep);
	int r = kfp_host_init(&host, FAKE_KVM_FD);
	assert_int_equal(r, 0);
	return kfp_x86_apply(cfg, &host, FAKE_VM_FD, FAKE_VCPU_FD, &plan, &rep);
}

/* ------------------------------------------------------------------ */
/* Fixtures                                                           */

static int setup(void **state)
{
	(void)state;
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	kfp_report_init(&rep);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fake_kvm_uninstall();
	return 0;
}

/* ------------------------------------------------------------------ */
/* Host                                                               */

static void test_host_init_grows_buffers(void **state)
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

static void test_host_init_too_many_cpuid_entries(void **state)
{
	(void)state;
	while (kvm.ncpuid < 300)
		fake_kvm_add_cpuid(&kvm, 0x20000000, kvm.ncpuid, SIG, 0, 0, 0, 0);
	assert_int_equal(kfp_host_init(&host, FAKE_KVM_FD), -E2BIG);
	assert_int_equal(kvm.nsupported, 3);
	assert_int_equal(kvm.supported_nent[2], KFP_MAX_CPUID_ENTRIES);
	assert_int_equal(host.ncpuid, 0);
}

static void test_host_init_short_msr_read(void **state)
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

static void test_host_cpuid_lookup(void **state)
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

static void test_apply_minimal_example(void **state)
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

static void test_missing_feature_writes_nothing(void **state)
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

static void test_raw_cpuid_bit(void **state)
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

static void test_xsave_leaf_follows_xfeatures(void **state)
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

static void test_missing_xsave_component(void **state)
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
static void test_row_precedence(void **state)
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
/* MSRs                                                               */

#define MSR_POLICY                                                                    \
	BASE "    xsave allow x87 sse;\n"                                              \
	     "    msr IA32_ARCH_CAPABILITIES { allow rdcl_no mds_no; }\n"              \
	     "    msr IA32_PERF_CAPABILITIES { allow full_width_write; }\n"

static void test_arch_capabilities(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, MSR_POLICY);
	fake_kvm_set_msr(&kvm, 0x345, 0x2000 | 0x4c4); /* full-width writes, LBR format */

	assert_int_equal(apply(cfg), 0);
	assert_int_equal(written_msr(0x10a), 0xc0aa0eb & 0x21);
	assert_int_equal(written_msr(0x345), 0x2000);

	/* A host without mds_no. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	fake_kvm_set_msr(&kvm, 0x10a, 0xc0aa0eb & ~0x20ull);
	fake_kvm_set_msr(&kvm, 0x345, 0x2000);
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_src(find_item(KFP_ITEM_MISSING, "mds_no"), &p, "mds_no");

	/* A host without IA32_PERF_CAPABILITIES at all. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(rep.nproblems, 1);
	assert_src(find_item(KFP_ITEM_MISSING, "IA32_PERF_CAPABILITIES"), &p, "full_width_write");
	policy_free(&p);
}

#define VMX_POLICY                                                                            \
	BASE "    allow vmx;\n"                                                                \
	     "    xsave allow x87 sse;\n"                                                      \
	     "    vmx allow ept vpid unrestricted-guest hlt-exit secondary-ctls nmi-exit vnmi\n" \
	     "        store-lma ins-outs true-ctls invept eptp-switching;\n"                   \
	     "    msr IA32_ARCH_CAPABILITIES { allow rdcl_no; }\n"

static void test_vmx_msrs(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, VMX_POLICY);
	assert_true(cfg->x86->nested_vmx);
	fake_kvm_add_vmx(&kvm);

	assert_int_equal(apply(cfg), 0);
	assert_true(written(0x1, 0)->ecx & (1u << 5));
	/* BASIC as it is; MISC keeps its fields (timer rate, CR3 targets). */
	assert_int_equal(written_msr(0x480), 0x00d8100011e57ed0);
	assert_int_equal(written_msr(0x485), 0x00040005 | 0x20);
	/* Controls: must-be-1 (low) kept, allowed-1 (high) restricted to
	 * the policy, except controls that must be 1. */
	assert_int_equal(written_msr(0x48b), (1ull << 33) | (1ull << 37) | (1ull << 39));
	uint64_t procbased = written_msr(0x48e);
	assert_int_equal((uint32_t)procbased, 0x04006172);
	assert_int_equal(procbased >> 32, 0x80000080u | 0x04006172u);
	assert_false(procbased & (1ull << 42)); /* mwait-exit: the host has it */
	assert_int_equal(written_msr(0x48d), 0x0000003e00000016);
	/* Capabilities: a subset. */
	assert_int_equal(written_msr(0x48c), 1ull << 20);
	assert_int_equal(written_msr(0x491), 1);
	assert_int_equal(written_msr(0x10a), 1);

	/* A host whose nested VMX lacks EPT. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	fake_kvm_add_vmx(&kvm);
	fake_kvm_set_msr(&kvm, 0x48b, 0x0617fbff00000000 & ~(1ull << 33));
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_int_equal(rep.nproblems, 1);
	const struct kfp_report_item *it = find_item(KFP_ITEM_MISSING, "ept");
	assert_src(it, &p, "ept");
	assert_non_null(strstr(it->detail, "MSR 0x48b bit 33"));

	/* A host without nested VMX at all. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	find_item(KFP_ITEM_MISSING, "vmx");
	find_item(KFP_ITEM_MISSING, "IA32_VMX_TRUE_PROCBASED_CTLS");
	policy_free(&p);
}

static void test_set_msrs_partial_write(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, VMX_POLICY);
	fake_kvm_add_vmx(&kvm);
	/* Planned: 0x10a, 0x480, 0x485, 0x48b, ...; KVM stops at the 4th. */
	kvm.set_msrs_limit = 3;

	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "IA32_VMX_PROCBASED_CTLS2");
	assert_src(it, &p, "ept");
	char want[120];
	snprintf(want, sizeof(want),
		 "KVM_SET_MSRS set 3 of %" PRIu32 " MSRs; KVM refused MSR 0x48b = 0x%" PRIx64,
		 kfp_plan_msrs(&plan)->nmsrs, (uint64_t)kfp_plan_msrs(&plan)->entries[3].data);
	assert_string_equal(it->detail, want);
	/* CPUID was written; nothing after the MSRs was. */
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_CPUID2), 1);
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_XCRS), 0);
	assert_int_equal(rep.napplied, 1);
	policy_free(&p);
}

static void test_set_cpuid_refused(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	kvm.set_cpuid_errno = EINVAL;

	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "CPUID table");
	assert_string_equal(it->detail, "KVM_SET_CPUID2: Invalid argument");
	assert_int_equal(it->err, -EINVAL);
	assert_src(it, &p, "xsave"); /* the first feature of the first CPUID row */
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_MSRS), 0);
	policy_free(&p);
}

/* A KVM that merges host bits into the table it is given (as PVM does):
 * the read-back catches it before any MSR is written or the vCPU runs. */
static void test_kvm_rewrites_cpuid(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	kvm.merge_function = 0x7;
	kvm.merge_index = 0;
	kvm.merge_reg = 1;          /* EBX */
	kvm.merge_bits = 1u << 5;   /* avx2, which the policy hides */

	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "avx2");
	assert_string_equal(it->detail, "default deny; KVM rewrote CPUID 0x7.0 EBX: set 0x00000000, "
					"holds 0x00000020 (added 0x00000020)");
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_MSRS), 0);
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_XCRS), 0);
	policy_free(&p);
}

/* 5.10 and 6.1 leave nent as passed when KVM_GET_CPUID2 succeeds: the
 * read-back asks for exactly the entries it set, so that it never reads
 * entries KVM did not write, and still sees what KVM changed. */
static void test_get_cpuid_keeps_nent(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	kvm.get_cpuid_keeps_nent = true;

	assert_int_equal(apply(cfg), 0);
	uint32_t nent = kfp_plan_cpuid(&plan)->nent;
	assert_true(nent > 0);
	assert_int_equal(kvm.nset_cpuid, nent);
	assert_int_equal(kvm.get_cpuid_nent, nent);
	char detail[96];
	snprintf(detail, sizeof(detail), "KVM_SET_CPUID2: %u entries, read back unchanged", nent);
	assert_string_equal(find_item(KFP_ITEM_APPLIED, "CPUID table")->detail, detail);

	/* A change is still seen. */
	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	kvm.get_cpuid_keeps_nent = true;
	kvm.merge_function = 0x7;
	kvm.merge_reg = 1;
	kvm.merge_bits = 1u << 5;
	assert_int_equal(apply(cfg), -EIO);
	assert_non_null(find_item(KFP_ITEM_REFUSED, "avx2"));
	policy_free(&p);
}

/* ------------------------------------------------------------------ */
/* Migration: checking a saved state                                  */

#define STATE_POLICY BASE "    allow avx;\n    xsave allow x87 sse avx;\n" \
	"    msr IA32_ARCH_CAPABILITIES { allow rdcl_no; }\n"

/* A state as the source vCPU would have saved it under cfg: the table the
 * runtime set, the MSRs it wrote, an xsave header with x87, SSE and AVX. */
static struct kfp_x86_state saved_state(const struct kfp_config *cfg, uint8_t *xsave)
{
	assert_int_equal(apply(cfg), 0);
	memset(xsave, 0, 4096);
	xsave[512] = 0x7; /* XSTATE_BV: x87 | SSE | AVX */
	struct kvm_cpuid2 *t = kfp_plan_cpuid(&plan);
	struct kvm_msrs *m = kfp_plan_msrs(&plan);
	return (struct kfp_x86_state){
		.id = cfg->id,
		.cpuid = t->entries,
		.ncpuid = t->nent,
		.msrs = m->entries,
		.nmsrs = m->nmsrs,
		.xsave = xsave,
		.xsave_size = 4096,
	};
}

static void test_verify_state(void **state)
{
	(void)state;
	struct policy p;
	static uint8_t xsave[4096];
	const struct kfp_config *cfg = compile(&p, STATE_POLICY);
	struct kfp_x86_state st = saved_state(cfg, xsave);

	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), 0);
	assert_int_equal(rep.nproblems, 0);

	/* Another configuration's identity. */
	uint8_t other[16];
	memcpy(other, cfg->id, 16);
	other[0] ^= 1;
	st.id = other;
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	assert_non_null(strstr(find_item(KFP_ITEM_REFUSED, "policy identity")->detail,
			       "saved under another configuration than fleet \"f\""));
	st.id = NULL;
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	assert_string_equal(find_item(KFP_ITEM_REFUSED, "policy identity")->detail,
			    "the state carries no kfp policy identity");
	st.id = cfg->id;
	policy_free(&p);
}

/* A state with more than the fleet allows is refused, never trimmed. */
static void test_verify_state_refuses_extra(void **state)
{
	(void)state;
	struct policy p;
	static uint8_t xsave[4096];
	const struct kfp_config *cfg = compile(&p, STATE_POLICY);
	struct kfp_x86_state st = saved_state(cfg, xsave);
	static struct kvm_cpuid_entry2 cpuid[KFP_MAX_CPUID_ENTRIES];
	memcpy(cpuid, st.cpuid, st.ncpuid * sizeof(cpuid[0]));
	st.cpuid = cpuid;
	for (uint32_t i = 0; i < st.ncpuid; i++)
		if (cpuid[i].function == 0x7 && cpuid[i].index == 0)
			cpuid[i].ebx |= 1u << 5;        /* avx2, hidden */
	static struct kvm_msr_entry msrs[8];
	memcpy(msrs, st.msrs, st.nmsrs * sizeof(msrs[0]));
	st.msrs = msrs;
	for (uint32_t i = 0; i < st.nmsrs; i++)
		if (msrs[i].index == 0x10a)
			msrs[i].data |= 1u << 5;       /* mds_no, hidden */
	xsave[512] |= 0xe0;                     /* AVX-512 state, not allowed */
	const uint8_t before[4] = { xsave[512], xsave[513], xsave[514], xsave[515] };

	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	assert_non_null(strstr(find_item(KFP_ITEM_REFUSED, "avx2")->detail,
			       "the state exposes CPUID 0x7.0 EBX bit 5, which fleet \"f\" hides"));
	assert_non_null(strstr(find_item(KFP_ITEM_REFUSED, "mds_no")->detail,
			       "MSR 0x10a has bit 5"));
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "opmask");
	assert_non_null(strstr(it->detail, "xsave header (XSTATE_BV) carries xsave component 5"));
	assert_non_null(find_item(KFP_ITEM_REFUSED, "zmm_hi256"));
	assert_non_null(find_item(KFP_ITEM_REFUSED, "hi16_zmm"));
	/* Nothing was trimmed. */
	assert_memory_equal(before, xsave + 512, 4);
	policy_free(&p);
}

/* A state that lacks what the fleet exposes does not fit either. */
static void test_verify_state_refuses_missing(void **state)
{
	(void)state;
	struct policy p;
	static uint8_t xsave[4096];
	const struct kfp_config *cfg = compile(&p, STATE_POLICY);
	struct kfp_x86_state st = saved_state(cfg, xsave);
	static struct kvm_cpuid_entry2 cpuid[KFP_MAX_CPUID_ENTRIES];
	memcpy(cpuid, st.cpuid, st.ncpuid * sizeof(cpuid[0]));
	st.cpuid = cpuid;
	for (uint32_t i = 0; i < st.ncpuid; i++)
		if (cpuid[i].function == 0x1)
			cpuid[i].ecx &= ~(1u << 28);    /* avx */

	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	assert_non_null(strstr(find_item(KFP_ITEM_REFUSED, "avx")->detail,
			       "the state lacks CPUID 0x1.0 ECX bit 28, which fleet \"f\" exposes"));
	policy_free(&p);
}

/* A bit the policy forces to 1 (the host lacks it) is part of the fleet's
 * register: a state that has it fits, one without it does not. */
static void test_verify_state_forced_bit(void **state)
{
	(void)state;
	struct policy p;
	static uint8_t xsave[4096];
	const struct kfp_config *cfg =
		compile(&p, STATE_POLICY "    cpuid 0x80000008 0 ebx bit 18 = 1;\n");
	assert_false(fake_kvm_cpuid(&kvm, 0x80000008, 0)->ebx & 1u << 18);
	struct kfp_x86_state st = saved_state(cfg, xsave);
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), 0);

	static struct kvm_cpuid_entry2 cpuid[KFP_MAX_CPUID_ENTRIES];
	memcpy(cpuid, st.cpuid, st.ncpuid * sizeof(cpuid[0]));
	st.cpuid = cpuid;
	for (uint32_t i = 0; i < st.ncpuid; i++)
		if (cpuid[i].function == 0x80000008)
			cpuid[i].ebx &= ~(1u << 18);
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	policy_free(&p);
}

/* ------------------------------------------------------------------ */
/* AMX, xsave, XCR0                                                   */

#define AMX_POLICY                                                   \
	BASE "    allow xsavec xsaves xgetbv1 xfd amx-tile;\n"        \
	     "    xsave allow x87 sse xtilecfg xtiledata;\n"

static void test_amx_permission(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, AMX_POLICY);
	assert_true(cfg->x86->amx);

	assert_int_equal(kfp_prepare_process(cfg, &rep), 0);
	assert_int_equal(kvm.nprctl, 1);
	assert_int_equal(kvm.prctl_code, 0x1025);
	assert_int_equal(kvm.prctl_arg, 18);
	assert_int_equal(rep.nitems, 0);

	/* Too late: a vCPU exists. */
	kvm.prctl_errno = EBUSY;
	assert_int_equal(kfp_prepare_process(cfg, &rep), -EBUSY);
	const struct kfp_report_item *it = find_item(KFP_ITEM_ORDER, "xtiledata");
	assert_src(it, &p, "xtiledata");
	assert_non_null(strstr(it->detail, "before the first vCPU is created"));

	/* The kernel cannot grant it. */
	kfp_report_init(&rep);
	kvm.prctl_errno = EINVAL;
	assert_int_equal(kfp_prepare_process(cfg, &rep), -ENOTSUP);
	it = find_item(KFP_ITEM_MISSING, "xtiledata");
	assert_non_null(strstr(it->detail, "host cannot grant AMX"));
	policy_free(&p);

	/* No AMX in the policy: nothing asked. */
	cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	kvm.nprctl = 0;
	assert_int_equal(kfp_prepare_process(cfg, &rep), 0);
	assert_int_equal(kvm.nprctl, 0);
	policy_free(&p);
}

/* The leaves that describe AMX (tile palettes 0x1d, TMUL 0x1e) and its
 * xsave size leaves are the host's when AMX is exposed, and absent (zero)
 * when it is hidden. */
static void test_amx_leaves(void **state)
{
	(void)state;
	struct policy p;

	fake_kvm_cpuid(&kvm, 0x7, 0)->edx |= 1u << 24;     /* amx-tile */
	fake_kvm_cpuid(&kvm, 0xd, 0)->eax |= 3u << 17;     /* XTILECFG, XTILEDATA */
	fake_kvm_cpuid(&kvm, 0xd, 1)->eax |= 1u << 4;      /* XFD */
	fake_kvm_add_cpuid(&kvm, 0xd, 17, SIG, 0x40, 0xac0, 0x2, 0);
	fake_kvm_add_cpuid(&kvm, 0xd, 18, SIG, 0x2000, 0xb00, 0x6, 0);
	fake_kvm_add_cpuid(&kvm, 0x1d, 0, SIG, 0x1, 0, 0, 0);
	fake_kvm_add_cpuid(&kvm, 0x1d, 1, SIG, 0x04002000, 0x00080040, 0x10, 0);
	fake_kvm_add_cpuid(&kvm, 0x1e, 0, SIG, 0, 0x4010, 0, 0);

	const struct kfp_config *cfg = compile(&p, AMX_POLICY);
	assert_int_equal(apply(cfg), 0);
	assert_memory_equal(written(0x1d, 1), fake_kvm_cpuid(&kvm, 0x1d, 1),
			    sizeof(struct kvm_cpuid_entry2));
	assert_memory_equal(written(0x1e, 0), fake_kvm_cpuid(&kvm, 0x1e, 0),
			    sizeof(struct kvm_cpuid_entry2));
	assert_int_equal(written(0xd, 18)->eax, 0x2000);
	policy_free(&p);

	/* The same host, AMX hidden (the fake keeps the last table set). */
	cfg = compile(&p, BASE "    xsave allow x87 sse;\n");
	assert_int_equal(apply(cfg), 0);
	assert_null(written(0x1d, 0));
	assert_null(written(0x1d, 1));
	assert_null(written(0x1e, 0));
	assert_null(written(0xd, 17));
	assert_null(written(0xd, 18));
	policy_free(&p);
}

static void test_xstate_outside_policy(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, BASE "    xsave allow x87 sse;\n");

	/* Compacted format with allowed components only: fine. */
	kvm.xcomp_bv = (1ull << 63) | 0x3;
	assert_int_equal(apply(cfg), 0);

	/* PKRU state in a guest whose policy has no pkru. */
	kvm.xstate_bv = 0x203;
	assert_int_equal(apply(cfg), -EIO);
	const struct kfp_report_item *it = find_item(KFP_ITEM_REFUSED, "pkru");
	assert_string_equal(it->detail, "initial xsave state carries component 9 outside the policy");
	assert_src(it, &p, "x87");
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_XCRS), 1); /* the first apply only */
	policy_free(&p);
}

static void test_xcr0(void **state)
{
	(void)state;
	struct policy p;
	const struct kfp_config *cfg = compile(&p, "    allow fpu fxsr xsave;\n"
						   "    xsave allow x87;\n");
	/* x87 only; KVM_CAP_XSAVE2 gives a larger buffer: KVM_GET_XSAVE2. */
	kvm.xsave2_size = 8192;
	kvm.xstate_bv = 0x1;
	assert_int_equal(apply(cfg), 0);
	assert_int_equal(plan.xsave_size, 8192);
	assert_int_equal(kvm.xsave_req, KVM_GET_XSAVE2);
	assert_int_equal(kvm.xcrs.nr_xcrs, 1);
	assert_int_equal(kvm.xcrs.xcrs[0].value, 0x1);
	assert_int_equal(written(0xd, 0)->eax, 0x1);

	/* Before KVM_CAP_XSAVE2: the 4 KiB KVM_GET_XSAVE. */
	kvm.xsave2_size = 0;
	kvm.xsave_req = 0;
	assert_int_equal(apply(cfg), 0);
	assert_int_equal(plan.xsave_size, 4096);
	assert_int_equal(kvm.xsave_req, KVM_GET_XSAVE);

	/* No xsave at all: no XCR0 to set. */
	kvm.xsave = false;
	kvm.nlog = 0;
	assert_int_equal(apply(cfg), 0);
	assert_int_equal(plan.xsave_size, 0);
	assert_int_equal(fake_kvm_calls(&kvm, KVM_SET_XCRS), 0);
	assert_int_equal(rep.napplied, 2); /* CPUID and the MSRs */

	/* More state than the plan holds. */
	kvm.xsave2_size = KFP_XSAVE_MAX + 64;
	kvm.nlog = 0;
	assert_int_equal(apply(cfg), -E2BIG);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	find_item(KFP_ITEM_UNSETTABLE, "xsave state");
	policy_free(&p);
}

/* ------------------------------------------------------------------ */
/* Host profiles, bad tables, reports                                 */

static void test_profile_host(void **state)
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

static void test_plan_rejects_bad_tables(void **state)
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

static void test_report_format_and_overflow(void **state)
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
static void test_vmm_owned_bits(void **state)
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

/* ------------------------------------------------------------------ */
/* Hyper-V                                                            */

#define HV_FLEET(kernel) "policy \"t\" version 1;\nfleet \"f\" { arch x86_64; min_kernel " kernel "; }\n"
#define HV_SECTION                                                              \
	"x86_64 {\n" BASE "    allow hypervisor;\n    kvm allow kvmclock;\n"                         \
	"    hyperv allow hv-relaxed hv-vapic hv-time hv-vpindex hv-synic;\n}\n"

/* 6.12: the Hyper-V leaves from the system ioctl, exactly the policy's
 * bits, KVM's own leaves at 0x40000100, enforcement before the table. */
static void test_hyperv_apply(void **state)
{
	(void)state;
	struct policy p;
	fake_kvm_hyperv(&kvm, 612);
	const struct kfp_config *cfg = compile_text(&p, HV_FLEET("6.1") HV_SECTION);
	assert_non_null(cfg);
	assert_true(cfg->x86->hyperv);

	assert_int_equal(apply(cfg), 0);
	assert_int_equal(rep.nproblems, 0);
	assert_int_equal(fake_kvm_calls(&kvm, KVM_GET_SUPPORTED_HV_CPUID), 1);
	assert_int_equal(kvm.log[0].fd, FAKE_KVM_FD);
	assert_true(kvm.enforce_on);
	assert_int_equal(kvm.enforce_after_cpuid, 0);
	assert_false(kvm.evmcs_on);
	find_item(KFP_ITEM_APPLIED, "Hyper-V CPUID");

	/* hv-runtime, hv-crash, ... are hidden; the hypercall MSR bit (5) is on. */
	const struct kvm_cpuid_entry2 *f = written(0x40000003, 0);
	assert_non_null(f);
	assert_int_equal(f->eax, 1u << 1 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 9);
	assert_int_equal(f->ebx, 0);
	assert_int_equal(f->edx, 0);
	assert_int_equal(written(0x40000004, 0)->eax, 1u << 5);
	assert_int_equal(written(0x40000004, 0)->ebx, 0xfff);
	assert_int_equal(written(0x4000000a, 0)->eax, 0);
	assert_int_equal(written(0x4000000a, 0)->ebx, 0);
	/* The identification leaves are KVM's Hyper-V ones. */
	assert_memory_equal(written(0x40000000, 0), &kvm.hv_cpuid[0], sizeof(struct kvm_cpuid_entry2));
	assert_int_equal(written(0x40000001, 0)->eax, 0x31237648); /* "Hv#1" */
	/* Synthetic debugging is not allowed: its leaves are not given. */
	assert_null(written(0x40000080, 0));
	/* KVM's leaves, moved: the signature with its last leaf moved too. */
	const struct kvm_cpuid_entry2 *k0 = written(0x40000100, 0);
	assert_non_null(k0);
	assert_int_equal(k0->eax, 0x40000101);
	assert_int_equal(k0->ebx, 0x4b4d564b);
	assert_int_equal(written(0x40000101, 0)->eax, 1u << 0); /* kvmclock */
	policy_free(&p);
}

/* 5.10: no system ioctl and no enforcement.  kfp_x86_apply asks the vCPU;
 * kfp_x86_plan alone says why it cannot; the report says the hiding is not
 * enforced, as the compiler warned. */
static void test_hyperv_5_10(void **state)
{
	(void)state;
	struct policy p;
	fake_kvm_hyperv(&kvm, 510);
	const struct kfp_config *cfg = compile_text(&p, HV_FLEET("5.10") HV_SECTION);
	assert_non_null(cfg);

	kfp_report_init(&rep);
	assert_int_equal(kfp_host_init(&host, FAKE_KVM_FD), 0);
	assert_false(host.hv_sys);
	assert_int_equal(kfp_x86_plan(cfg, &host, FAKE_VM_FD, &plan, &rep), -ENOTSUP);
	find_item(KFP_ITEM_MISSING, "Hyper-V CPUID");
	assert_int_equal(fake_kvm_writes(&kvm), 0);

	assert_int_equal(apply(cfg), 0);
	assert_int_equal(rep.nproblems, 0);
	assert_false(kvm.enforce_on);
	const struct kfp_report_item *it = find_item(KFP_ITEM_APPLIED, "Hyper-V CPUID");
	assert_non_null(strstr(it->detail, "not enforced"));
	assert_int_equal(written(0x40000003, 0)->eax,
			 1u << 1 | 1u << 2 | 1u << 4 | 1u << 5 | 1u << 6 | 1u << 9);
	assert_int_equal(written(0x40000100, 0)->eax, 0x40000101);
	policy_free(&p);
}

/* An enlightenment the host's KVM lacks (hv-xmm-input before 6.1): named,
 * with its policy line, and nothing written, not even the capabilities. */
static void test_hyperv_missing_writes_nothing(void **state)
{
	(void)state;
	struct policy p;
	fake_kvm_hyperv(&kvm, 510);
	const struct kfp_config *cfg = compile_text(&p, HV_FLEET("6.1")
		"x86_64 {\n" BASE "    hyperv allow hv-xmm-input;\n}\n");
	assert_non_null(cfg);

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	assert_false(kvm.enforce_on);
	const struct kfp_report_item *it = find_item(KFP_ITEM_MISSING, "hv-xmm-input");
	assert_src(it, &p, "hv-xmm-input");
	policy_free(&p);
}

/* hv-evmcs: KVM_CAP_HYPERV_ENLIGHTENED_VMCS before the CPUID table (and so
 * before the VMX MSRs); a host without it is refused before any write. */
static void test_hyperv_evmcs(void **state)
{
	(void)state;
	struct policy p;
	fake_kvm_add_vmx(&kvm);
	fake_kvm_hyperv(&kvm, 612);
	const struct kfp_config *cfg = compile_text(&p, HV_FLEET("6.1")
		"x86_64 {\n" BASE "    allow vmx;\n    vmx allow nmi-exit;\n"
		"    hyperv allow hv-vapic hv-evmcs;\n}\n");
	assert_non_null(cfg);
	assert_true(cfg->x86->hv_evmcs);

	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	find_item(KFP_ITEM_MISSING, "hv-evmcs");

	fake_kvm_init(&kvm);
	fake_kvm_cascadelake(&kvm);
	fake_kvm_add_vmx(&kvm);
	fake_kvm_hyperv(&kvm, 612);
	kvm.hv_evmcs = true;
	kvm.evmcs_version = 0x0101;
	kvm.hv_cpuid[4].eax |= 1u << 14; /* HV_X64_ENLIGHTENED_VMCS_RECOMMENDED */
	/* Without a version in 0x4000000A EAX: refused, nothing written. */
	assert_int_equal(apply(cfg), -ENOTSUP);
	assert_int_equal(fake_kvm_writes(&kvm), 0);
	find_item(KFP_ITEM_MISSING, "hv-evmcs");
	for (uint32_t i = 0; i < kvm.nhv_cpuid; i++)
		if (kvm.hv_cpuid[i].function == 0x4000000a)
			kvm.hv_cpuid[i].eax |= 0x0101; /* eVMCS 1 only, as KVM says */
	assert_int_equal(apply(cfg), 0);
	assert_true(kvm.evmcs_on);
	assert_int_equal(kvm.evmcs_after_cpuid, 0);
	assert_true(kvm.enforce_on);
	assert_int_equal(written(0x40000004, 0)->eax, 1u << 14);
	/* The version passes; hv-emsr-bitmap (bit 19), not allowed, does not. */
	assert_int_equal(written(0x4000000a, 0)->eax, 0x0101);
	/* verify-state takes the version as a value, not as features. */
	static struct kvm_cpuid_entry2 cpuid[FAKE_MAX_CPUID];
	memcpy(cpuid, kvm.set_cpuid, kvm.nset_cpuid * sizeof(cpuid[0]));
	struct kfp_x86_state st = { .id = cfg->id, .cpuid = cpuid, .ncpuid = kvm.nset_cpuid };
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), 0);
	assert_true(kvm.nset_msrs > 0);
	policy_free(&p);
}

/* verify-state covers the Hyper-V leaves and KVM's moved ones: the state
 * a commit leaves passes; a hidden enlightenment's bit, or a KVM feature
 * bit at 0x40000101, is refused by name. */
static void test_hyperv_verify_state(void **state)
{
	(void)state;
	struct policy p;
	fake_kvm_hyperv(&kvm, 612);
	const struct kfp_config *cfg = compile_text(&p, HV_FLEET("6.1") HV_SECTION);
	assert_non_null(cfg);
	assert_int_equal(apply(cfg), 0);

	static struct kvm_cpuid_entry2 cpuid[FAKE_MAX_CPUID];
	memcpy(cpuid, kvm.set_cpuid, kvm.nset_cpuid * sizeof(cpuid[0]));
	struct kfp_x86_state st = { .id = cfg->id, .cpuid = cpuid, .ncpuid = kvm.nset_cpuid };
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), 0);

	for (uint32_t i = 0; i < st.ncpuid; i++) {
		if (cpuid[i].function == 0x40000003)
			cpuid[i].eax |= 1u << 7; /* HV_MSR_RESET_AVAILABLE: hv-reset, hidden */
		if (cpuid[i].function == 0x40000101)
			cpuid[i].eax |= 1u << 3; /* kvmclock2, hidden */
	}
	kfp_report_init(&rep);
	assert_int_equal(kfp_x86_verify_state(cfg, &st, &rep), -EPERM);
	assert_non_null(strstr(find_item(KFP_ITEM_REFUSED, "hv-reset")->detail,
			       "the state exposes CPUID 0x40000003.0 EAX bit 7"));
	find_item(KFP_ITEM_REFUSED, "kvmclock2");
	policy_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_host_init_grows_buffers),
		T(test_host_init_too_many_cpuid_entries),
		T(test_host_init_short_msr_read),
		T(test_host_cpuid_lookup),
		T(test_apply_minimal_example),
		T(test_vmm_owned_bits),
		T(test_missing_feature_writes_nothing),
		T(test_raw_cpuid_bit),
		T(test_xsave_leaf_follows_xfeatures),
		T(test_missing_xsave_component),
		T(test_row_precedence),
		T(test_arch_capabilities),
		T(test_vmx_msrs),
		T(test_set_msrs_partial_write),
		T(test_set_cpuid_refused),
		T(test_kvm_rewrites_cpuid),
	T(test_get_cpuid_keeps_nent),
		T(test_verify_state),
		T(test_verify_state_refuses_extra),
		T(test_verify_state_refuses_missing),
		T(test_verify_state_forced_bit),
		T(test_amx_permission),
		T(test_amx_leaves),
		T(test_xstate_outside_policy),
		T(test_xcr0),
		T(test_profile_host),
		T(test_plan_rejects_bad_tables),
		T(test_report_format_and_overflow),
		T(test_hyperv_apply),
		T(test_hyperv_5_10),
		T(test_hyperv_missing_writes_nothing),
		T(test_hyperv_evmcs),
		T(test_hyperv_verify_state),
#undef T
	};
	return cmocka_run_group_tests_name("runtime x86", tests, policy_group_setup,
					   policy_group_teardown);
}
