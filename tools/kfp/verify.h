/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the guest saw against what the policy says: every feature row of a
 * fleet's configuration with its policy, host and guest values, and every
 * CPUID register the plan set against what the guest read back.
 */
#ifndef KFP_TOOL_VERIFY_H
#define KFP_TOOL_VERIFY_H

#include <stdbool.h>
#include <stdio.h>

#include <kfp/kfp.h>

#include "guest.h"

/* The (leaf, subleaf) pairs the guest runs CPUID for: every entry of the
 * plan's CPUID table, then the leaves the feature rows read that the
 * table lacks (so a hidden leaf is seen as the guest sees it).  Last, when
 * the plan gives the guest XSAVE, its XCR0 after enabling what CPUID.0xD.0
 * offers (GUEST_XCR0). */
struct guest_cpuid *verify_queries(const struct kfp_config *cfg,
				   const struct kvm_cpuid2 *planned, size_t *n);

struct feature_view {
	const struct kfp_feature_row *row;
	int host, guest; /* 0 or 1; -1: not observable */
	bool mismatch;   /* the guest's bit is not the policy's */
};

struct reg_diff {
	uint32_t leaf, subleaf;
	unsigned reg; /* 0 eax .. 3 edx */
	uint32_t planned, guest;
	bool kvm_known; /* KVM_GET_CPUID2 worked; kvm is its value */
	uint32_t kvm;
};

/* A Hyper-V MSR the guest read: does RDMSR fault as the plan and the
 * kernel say?  Hidden enlightenments fault only where KVM enforces them
 * (KVM_CAP_HYPERV_ENFORCE_CPUID, 5.14). */
struct msr_probe {
	const char *enlightenment, *msr_name;
	uint32_t msr;
	bool exposed, enforced; /* the plan; the kernel */
	bool faulted;           /* #GP in the guest */
	bool mismatch;
};

struct verdict {
	const struct kfp_config *cfg;
	const char *kernel; /* uname -r */
	struct feature_view *features;
	size_t nfeatures;
	struct reg_diff *diffs;
	size_t ndiffs;
	unsigned feature_mismatches;
	unsigned nexposed, nhidden;
	const struct kvm_cpuid2 *planned;
	const struct guest_cpuid *seen;
	size_t nseen;
	unsigned nregs_checked;
	unsigned nkvm_changed; /* diffs where KVM_GET_CPUID2 is not the plan */
	/* XCR0: what the plan's CPUID.0xD.0 offers, and what the guest read
	 * with XGETBV after enabling all of it (xcr0_read: it did). */
	uint64_t xcr0_planned, xcr0_guest;
	bool xcr0_read, xcr0_mismatch;
	struct msr_probe msrs[8];
	size_t nmsrs;
	unsigned msr_mismatches;
};

/* Compares.  kvm_table is KVM_GET_CPUID2 after the commit, or NULL. */
void verify(struct verdict *v, const struct kfp_config *cfg, const struct kfp_host *host,
	    const struct kvm_cpuid2 *planned, const struct kvm_cpuid2 *kvm_table,
	    const struct guest_cpuid *seen, size_t nseen);
void verdict_free(struct verdict *v);

static inline unsigned verdict_mismatches(const struct verdict *v)
{
	return v->feature_mismatches + (unsigned)v->ndiffs + v->xcr0_mismatch + v->msr_mismatches;
}

/* A readable table: features that are exposed, mentioned by the policy or
 * mismatched (all with show_all), then each mismatch and a verdict line. */
void verdict_print_table(const struct verdict *v, bool show_all, FILE *out);
/* A JSON document with every feature. */
void verdict_print_json(const struct verdict *v, FILE *out);

#endif
