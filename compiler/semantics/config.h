/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The resolved configuration of each fleet: what semantic analysis decides
 * for every catalog feature, and why.  dump, explain, diff and the C emitter
 * all read this; none of them look at the syntax tree again.
 *
 * "Config" here is the compiler's model of a fleet (struct kfp_fleet and
 * its plans), with the reasons and policy locations behind each decision.
 * It is not struct kfp_config of kfp/table.h, the runtime table that
 * compiler/emitters/tables.c builds from this model and that VMMs compile
 * in (an ABI, whose name stays).
 */
#ifndef KFP_COMPILER_CONFIG_H
#define KFP_COMPILER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <kfp/table.h>

#include "grammar/ast.h"
#include "compiler/catalog/catalog.h"
#include "compiler/profiles/profile.h"
#include "compiler/profiles/profile_cache.h"

/* Where a feature ended up, and the reason. */
enum kfp_verdict {
	KFP_V_DEFAULT_DENY, /* the policy does not mention it */
	KFP_V_DENIED,       /* deny / off */
	KFP_V_EXPOSED,      /* allow / require / on, and every host has it */
	KFP_V_LACKING,      /* allowed, but some hosts of the fleet lack it */
	KFP_V_NEEDS,        /* allowed, but a feature it needs is not exposed */
};

/* One catalog feature in one fleet. */
struct kfp_feat {
	enum kfp_feat_kind kind;
	const struct kfp_cat_common *c;
	const void *cat; /* the kfp_cat_* entry of that kind */
	bool mentioned;
	enum kfp_action action; /* valid when mentioned */
	struct kfp_loc loc;     /* the name in the deciding statement */
	bool in_fleet;          /* decided by the fleet's own section */
	bool common_mentioned;  /* the common section mentioned it too */
	enum kfp_action common_action;
	struct kfp_loc common_loc;
	enum kfp_verdict verdict;
	const struct kfp_feat *needs; /* KFP_V_NEEDS: the missing dependency */
	uint32_t nlacking, nhaving;   /* hosts, when the fleet has profiles */
	const char *lacking_host;     /* first host that lacks it */
};

/* A raw `cpuid LEAF SUBLEAF REG bit N = V;` for a bit the catalog does not
 * name. */
struct kfp_raw_cpuid {
	uint32_t leaf, subleaf;
	enum kfp_cpuid_reg reg;
	uint8_t bit, value;
	struct kfp_loc loc;
	bool exposed;             /* value 1: the guest sees it set */
	const char *lacking_host; /* a host that lacks it (it is set anyway) */
};

/* How the guest's value of an ID-register field is chosen: the table's
 * rules (KFP_FIELD_RULES).  FIXED: target holds the exact value; AT_MOST:
 * min(host, target), no host profiles to fix it; HOST: the host's value
 * (cannot be changed); VCPU_OFF: 0 because its vcpu_init feature is off. */
enum kfp_field_rule {
#define KFP_X_(rule, field, value, name) KFP_FIELD_##field = value,
	KFP_FIELD_RULES(KFP_X_)
#undef KFP_X_
};

struct kfp_field_plan {
	const struct kfp_cat_field *f;
	bool mentioned;
	enum kfp_cmp cmp;
	uint64_t value; /* as written (raw field bits) */
	struct kfp_loc loc;
	enum kfp_field_rule rule;
	uint64_t target; /* raw field bits */
	bool hosts_known; /* host profiles gave this field's values */
	uint64_t host_lo, host_hi; /* raw bits of the lowest / highest host value */
	bool write;      /* some host's value differs from the target */
	const struct kfp_cat_vcpu_feature *vcpu; /* controlling feature, if any */
};

struct kfp_reg_plan {
	const struct kfp_cat_id_reg *r;
	struct kfp_field_plan *fields;
	size_t nfields;
	bool mentioned;
	struct kfp_loc loc; /* the deciding id_reg statement */
	uint64_t unknown_mask; /* bits no catalogued field covers */
};

/* A register the fleet fixes to one value on every host (a pin): newer
 * kernels show another value than older ones (6.3 and later synthesize
 * their own cache description; PSCI 1.1 came with 5.18), and a VM must
 * keep what it saw when it rolls back.  The value is what the hosts with
 * the oldest kernel show (CLIDR_EL1, CCSIDR_EL1) or the lowest any host
 * shows (PSCI_VERSION); the runtime writes it where a kernel shows
 * another. */
struct kfp_pin {
	const char *name;      /* static storage */
	uint64_t id, value;    /* ONE_REG id; value (32 bits for CCSIDR_EL1) */
	kfp_kv writable_since; /* first kernel that accepts a written value */
	kfp_kv from;           /* the kernel whose hosts show the value */
	const char *from_host; /* one of them */
	uint32_t nwrite;       /* hosts that show another value */
};

/* Hosts with identical profiles form one class. */
struct kfp_host_class {
	struct kfp_host_profile *p;
	const char **names; /* the hosts' names (a profile's `name:`) */
	size_t n, cap;
};

struct kfp_fleet {
	const struct kfp_node *node;
	const char *name;
	enum kfp_arch arch;
	struct kfp_kver min_kernel;
	kfp_kv min;
	struct kfp_loc min_loc;
	kfp_kv *kernels; /* explicit `kernels` list, or NULL: every kernel >= min */
	size_t nkernels;
	struct kfp_loc kernels_loc;
	struct kfp_loc section_loc; /* first section that applies, for defaults */

	struct kfp_host_class *classes;
	size_t nclasses, classes_cap, nhosts;
	struct kfp_loc hosts_loc;

	struct kfp_feat *feats;
	size_t nfeats;
	struct kfp_raw_cpuid *raw;
	size_t nraw, raw_cap;
	enum kfp_unknown_rule unknown, fw_unknown;

	struct kfp_reg_plan *regs;
	size_t nregs;
	struct kfp_pin *pins; /* arm64: CLIDR_EL1, CCSIDR_EL1[n], PSCI_VERSION */
	size_t npins;

	uint8_t id[16]; /* identity: hash of the canonical content */
};

struct kfp_policy {
	const char *name;
	uint64_t version;
	const struct kfp_unit *unit;
	const struct kfp_catalog *cat;
	struct kfp_fleet *fleets;
	size_t nfleets;
	struct kfp_profile_cache *cache; /* owned when the caller gave none */
};

struct kfp_compile_opts {
	const char *fleet;    /* only this fleet (NULL: all) */
	const char *hosts_dir; /* read every *.yaml here instead of `hosts` globs */
	struct kfp_profile_cache *cache; /* optional (profile_cache.h) */
};

/* Resolves a loaded, structurally checked policy against the catalog and
 * the fleets' host profiles.  Errors go to ctx; the result is usable only if
 * none were queued. */
struct kfp_policy *kfp_compile(struct kfp_ctx *ctx, const struct kfp_unit *unit,
			       const struct kfp_catalog *cat,
			       const struct kfp_compile_opts *opts);
void kfp_policy_free(struct kfp_policy *pol);

const struct kfp_fleet *kfp_policy_fleet(const struct kfp_policy *pol, const char *name);
struct kfp_feat *kfp_fleet_feat(const struct kfp_fleet *fl, enum kfp_feat_kind kind,
				const void *cat);

/* Prints a fleet: readable, with the policy lines and hosts behind each
 * decision (with_locations), or the canonical guest-visible form that the
 * fleet's identity hashes. */
void kfp_dump_fleet(const struct kfp_policy *pol, const struct kfp_fleet *fl,
		    FILE *out, bool with_locations);

/* Hyper-V is on when the fleet exposes an enlightenment.  The guest then
 * finds the Hyper-V leaves at 0x40000000 and KVM's own paravirtual leaves
 * at KFP_KVM_LEAVES_HYPERV (0x40000100), as QEMU places them. */
bool kfp_fleet_hyperv(const struct kfp_fleet *fl);
/* The guest value of a Hyper-V CPUID register: the exposed enlightenments'
 * bits, and HV_MSR_HYPERCALL_AVAILABLE whenever Hyper-V is on. */
uint32_t kfp_fleet_hv_reg(const struct kfp_catalog *cat, const struct kfp_fleet *fl,
			  uint32_t leaf, unsigned reg);
/* Hyper-V feature registers, in the order tables and dumps list them. */
struct kfp_hv_reg {
	uint32_t leaf;
	uint8_t reg;
};
extern const struct kfp_hv_reg kfp_hv_feature_regs[];
extern const size_t kfp_hv_nfeature_regs;

const char *kfp_feat_kind_name(enum kfp_feat_kind kind);
const char *kfp_verdict_name(enum kfp_verdict v);
bool kfp_feat_exposed(const struct kfp_feat *f);

/* Field value helpers (raw bits <-> signed values). */
int64_t kfp_field_signed(const struct kfp_cat_field *f, uint64_t raw);
/* A field value for people: its number, and for a negative value of a
 * signed field its name too ("NI (-1)", not 15). */
const char *kfp_field_str(const struct kfp_cat_field *f, uint64_t raw, char buf[48]);
/* -1, 0, 1 comparing two raw field values in the field's order. */
int kfp_field_cmp(const struct kfp_cat_field *f, uint64_t a, uint64_t b);
/* The value that means "not implemented": 0, or all ones if signed. */
uint64_t kfp_field_hidden(const struct kfp_cat_field *f);
uint64_t kfp_field_get(const struct kfp_cat_field *f, uint64_t reg);
/* True when "not implemented" (NI) is one of the field's values: a feature
 * that default deny hides.  Other fields describe the machine. */
bool kfp_field_is_feature(const struct kfp_cat_field *f);

#endif
