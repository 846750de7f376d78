/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The abstract syntax tree of a .kfp file.  Every node, name and value
 * carries the source span it came from.  The tree is purely syntactic: names
 * are not resolved here, and statements that only make sense in one
 * architecture are accepted in any section so that the compiler can explain
 * the mistake better than a syntax error could.
 */
#ifndef KFP_GRAMMAR_AST_H
#define KFP_GRAMMAR_AST_H

#include <stdbool.h>
#include <stdint.h>
#include <kfp/table.h>

#include "base/ctx.h"
#include "base/kver.h"

enum kfp_node_kind {
	/* top level */
	KFP_N_POLICY,        /* policy "name" version N; */
	KFP_N_INCLUDE,       /* include "file"; */
	KFP_N_FLEET,         /* fleet "name" { ... } */
	KFP_N_GROUP,         /* group name { a b @other } */
	KFP_N_SECTION,       /* x86_64 { ... }  arm64 { ... } */
	/* fleet body */
	KFP_N_ARCH,          /* arch x86_64; */
	KFP_N_MIN_KERNEL,    /* min_kernel 5.10; */
	KFP_N_KERNELS,       /* kernels 5.10 6.1 6.12; */
	KFP_N_HOSTS,         /* hosts "glob"; */
	KFP_N_VENDORS,       /* vendors intel amd; */
	/* section body */
	KFP_N_FEATURES,      /* [xsave|kvm|vmx] allow|deny|require names; */
	KFP_N_MSR,           /* msr NAME { allow|deny|require names; ... } */
	KFP_N_CPUID,         /* cpuid LEAF SUBLEAF REG bit N = V; */
	KFP_N_UNKNOWN,       /* unknown deny|zero; */
	KFP_N_ID_REG,        /* id_reg NAME { FIELD op VALUE; ... } */
	KFP_N_FIELD,         /* FIELD = V;  FIELD <= V;  FIELD >= V; */
	KFP_N_VCPU_INIT,     /* vcpu_init { name [on|off]; ... } */
	KFP_N_HYPERCALLS,    /* hypercalls { name on|off; ... } */
	KFP_N_SWITCH,        /* name [on|off]; */
	KFP_N_FIRMWARE_REGS, /* firmware_regs unknown zero|deny; */
};

enum kfp_arch { KFP_ARCH_X86_64, KFP_ARCH_ARM64 };
#define KFP_ARCH_COUNT 2

/* Where a feature list applies.  KFP_DOM_CPUID is the plain form. */
enum kfp_domain {
	KFP_DOM_CPUID,
	KFP_DOM_XSAVE,
	KFP_DOM_KVM,
	KFP_DOM_VMX,
	KFP_DOM_HYPERV, /* Hyper-V enlightenments (hv-*) */
	KFP_DOM_MSR, /* inside msr NAME { } */
};

enum kfp_action { KFP_ACT_ALLOW, KFP_ACT_DENY, KFP_ACT_REQUIRE };
enum kfp_cmp { KFP_CMP_EQ, KFP_CMP_LE, KFP_CMP_GE };
/* `unknown deny|zero;`: the table's KFP_UNKNOWN_RULES. */
enum kfp_unknown_rule {
#define KFP_X_(rule, front, value, name) KFP_UNKNOWN_##front = value,
	KFP_UNKNOWN_RULES(KFP_X_)
#undef KFP_X_
};
enum kfp_switch_state { KFP_SWITCH_IMPLICIT_ON, KFP_SWITCH_ON, KFP_SWITCH_OFF };

struct kfp_name {
	char *text;
	struct kfp_loc loc;
	bool group_ref; /* written @name */
};

struct kfp_names {
	struct kfp_name *v;
	size_t n, cap;
};

/* An integer as written: the radix is kept so that fmt can reprint it. */
struct kfp_number {
	uint64_t value;
	bool hex;
	struct kfp_loc loc;
};

struct kfp_kvers {
	struct kfp_kver *v;
	size_t n, cap;
};

/* A field value: a number or a named value (e.g. IMP). */
struct kfp_value {
	bool named;
	struct kfp_number num;
	char *name;
	struct kfp_loc loc;
};

struct kfp_unit;

struct kfp_node {
	enum kfp_node_kind kind;
	struct kfp_loc loc;        /* the whole statement */
	struct kfp_node *next;     /* next statement in the same block */
	struct kfp_node *children; /* block contents */
	struct kfp_loc end_loc;    /* the closing brace of a block */
	/* policy/fleet name, group/msr/id_reg/field/switch name,
	 * include/hosts path; NULL when the statement has none */
	char *name;
	struct kfp_loc name_loc;
	union {
		struct {
			struct kfp_number version;
		} policy;
		struct {
			struct kfp_unit *unit; /* NULL if not loaded or a repeat */
		} include;
		struct {
			enum kfp_arch arch;
			bool alias; /* written "aarch64" */
		} arch;            /* KFP_N_SECTION and KFP_N_ARCH */
		struct kfp_kver min_kernel;
		struct kfp_kvers kernels;
		struct kfp_names vendors; /* KFP_N_VENDORS */
		struct {
			enum kfp_domain domain;
			enum kfp_action action;
			struct kfp_loc action_loc;
			struct kfp_names names;
		} features;             /* KFP_N_FEATURES */
		struct kfp_names group; /* KFP_N_GROUP members */
		struct {
			struct kfp_number leaf, subleaf, bit, value;
			char *reg;
			struct kfp_loc reg_loc;
		} cpuid;
		struct {
			enum kfp_unknown_rule rule;
			struct kfp_loc rule_loc;
		} unknown; /* KFP_N_UNKNOWN and KFP_N_FIRMWARE_REGS */
		struct {
			enum kfp_cmp cmp;
			struct kfp_value value;
		} field;
		struct {
			enum kfp_switch_state state;
		} sw;
	} u;
};

/* One parsed file. */
struct kfp_unit {
	struct kfp_source *src;
	struct kfp_node *stmts;
};

struct kfp_node *kfp_node_new(enum kfp_node_kind kind,
			      const struct kfp_loc *loc);
void kfp_node_free(struct kfp_node *n);     /* the node and its siblings */
void kfp_unit_free(struct kfp_unit *unit);  /* with included units */
void kfp_names_push(struct kfp_names *names, struct kfp_name name);
void kfp_names_free(struct kfp_names *names);
void kfp_kvers_push(struct kfp_kvers *kvers, struct kfp_kver kv);

/* Structural equality, ignoring locations and comments (for round trips). */
bool kfp_node_equal(const struct kfp_node *a, const struct kfp_node *b);

const char *kfp_arch_name(enum kfp_arch arch);
const char *kfp_domain_keyword(enum kfp_domain dom); /* "" for CPUID */
const char *kfp_action_name(enum kfp_action act);
const char *kfp_cmp_name(enum kfp_cmp cmp);
const char *kfp_node_kind_name(enum kfp_node_kind kind);

int kfp_kver_cmp(const struct kfp_kver *a, const struct kfp_kver *b);

#endif
