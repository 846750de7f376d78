/* SPDX-License-Identifier: Apache-2.0 */
#include "ast.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

struct kfp_node *kfp_node_new(enum kfp_node_kind kind,
			      const struct kfp_loc *loc)
{
	struct kfp_node *n = kfp_xcalloc(1, sizeof(*n));
	n->kind = kind;
	if (loc)
		n->loc = *loc;
	return n;
}

void kfp_names_push(struct kfp_names *names, struct kfp_name name)
{
	KFP_VEC_PUSH(names->v, names->n, names->cap, name);
}

void kfp_kvers_push(struct kfp_kvers *kvers, struct kfp_kver kv)
{
	KFP_VEC_PUSH(kvers->v, kvers->n, kvers->cap, kv);
}

void kfp_names_free(struct kfp_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		free(names->v[i].text);
	free(names->v);
	memset(names, 0, sizeof(*names));
}

void kfp_node_free(struct kfp_node *n)
{
	while (n) {
		struct kfp_node *next = n->next;
		kfp_node_free(n->children);
		free(n->name);
		switch (n->kind) {
		case KFP_N_INCLUDE:
			kfp_unit_free(n->u.include.unit);
			break;
		case KFP_N_FEATURES:
			kfp_names_free(&n->u.features.names);
			break;
		case KFP_N_GROUP:
			kfp_names_free(&n->u.group);
			break;
		case KFP_N_VENDORS:
			kfp_names_free(&n->u.vendors);
			break;
		case KFP_N_KERNELS:
			free(n->u.kernels.v);
			break;
		case KFP_N_CPUID:
			free(n->u.cpuid.reg);
			break;
		case KFP_N_FIELD:
			free(n->u.field.value.name);
			break;
		default:
			break;
		}
		free(n);
		n = next;
	}
}

void kfp_unit_free(struct kfp_unit *unit)
{
	if (!unit)
		return;
	kfp_node_free(unit->stmts);
	free(unit);
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool names_equal(const struct kfp_names *a, const struct kfp_names *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!str_eq(a->v[i].text, b->v[i].text) ||
		    a->v[i].group_ref != b->v[i].group_ref)
			return false;
	return true;
}

static bool num_eq(const struct kfp_number *a, const struct kfp_number *b)
{
	return a->value == b->value && a->hex == b->hex;
}

static bool node_equal_one(const struct kfp_node *a, const struct kfp_node *b)
{
	if (a->kind != b->kind || !str_eq(a->name, b->name))
		return false;
	switch (a->kind) {
	case KFP_N_POLICY:
		return num_eq(&a->u.policy.version, &b->u.policy.version);
	case KFP_N_SECTION:
	case KFP_N_ARCH:
		return a->u.arch.arch == b->u.arch.arch;
	case KFP_N_MIN_KERNEL:
		return kfp_kver_cmp(&a->u.min_kernel, &b->u.min_kernel) == 0 &&
		       a->u.min_kernel.parts == b->u.min_kernel.parts;
	case KFP_N_KERNELS:
		if (a->u.kernels.n != b->u.kernels.n)
			return false;
		for (size_t i = 0; i < a->u.kernels.n; i++)
			if (kfp_kver_cmp(&a->u.kernels.v[i], &b->u.kernels.v[i]) ||
			    a->u.kernels.v[i].parts != b->u.kernels.v[i].parts)
				return false;
		return true;
	case KFP_N_VENDORS:
		return names_equal(&a->u.vendors, &b->u.vendors);
	case KFP_N_FEATURES:
		return a->u.features.domain == b->u.features.domain &&
		       a->u.features.action == b->u.features.action &&
		       names_equal(&a->u.features.names, &b->u.features.names);
	case KFP_N_GROUP:
		return names_equal(&a->u.group, &b->u.group);
	case KFP_N_CPUID:
		return num_eq(&a->u.cpuid.leaf, &b->u.cpuid.leaf) &&
		       num_eq(&a->u.cpuid.subleaf, &b->u.cpuid.subleaf) &&
		       num_eq(&a->u.cpuid.bit, &b->u.cpuid.bit) &&
		       num_eq(&a->u.cpuid.value, &b->u.cpuid.value) &&
		       str_eq(a->u.cpuid.reg, b->u.cpuid.reg);
	case KFP_N_UNKNOWN:
	case KFP_N_FIRMWARE_REGS:
		return a->u.unknown.rule == b->u.unknown.rule;
	case KFP_N_FIELD:
		return a->u.field.cmp == b->u.field.cmp &&
		       a->u.field.value.named == b->u.field.value.named &&
		       str_eq(a->u.field.value.name, b->u.field.value.name) &&
		       (a->u.field.value.named ||
			num_eq(&a->u.field.value.num, &b->u.field.value.num));
	case KFP_N_SWITCH:
		return a->u.sw.state == b->u.sw.state;
	default:
		return true;
	}
}

bool kfp_node_equal(const struct kfp_node *a, const struct kfp_node *b)
{
	for (; a && b; a = a->next, b = b->next)
		if (!node_equal_one(a, b) ||
		    !kfp_node_equal(a->children, b->children))
			return false;
	return !a && !b;
}

const char *kfp_arch_name(enum kfp_arch arch)
{
	return arch == KFP_ARCH_ARM64 ? "arm64" : "x86_64";
}

const char *kfp_domain_keyword(enum kfp_domain dom)
{
	switch (dom) {
	case KFP_DOM_XSAVE:
		return "xsave";
	case KFP_DOM_KVM:
		return "kvm";
	case KFP_DOM_VMX:
		return "vmx";
	case KFP_DOM_HYPERV:
		return "hyperv";
	case KFP_DOM_CPUID:
	case KFP_DOM_MSR:
		break;
	}
	return "";
}

const char *kfp_action_name(enum kfp_action act)
{
	switch (act) {
	case KFP_ACT_ALLOW:
		return "allow";
	case KFP_ACT_DENY:
		return "deny";
	case KFP_ACT_REQUIRE:
		break;
	}
	return "require";
}

const char *kfp_cmp_name(enum kfp_cmp cmp)
{
	switch (cmp) {
	case KFP_CMP_LE:
		return "<=";
	case KFP_CMP_GE:
		return ">=";
	case KFP_CMP_EQ:
		break;
	}
	return "=";
}

const char *kfp_node_kind_name(enum kfp_node_kind kind)
{
	static const char *const names[] = {
		[KFP_N_POLICY] = "policy",       [KFP_N_INCLUDE] = "include",
		[KFP_N_FLEET] = "fleet",         [KFP_N_GROUP] = "group",
		[KFP_N_SECTION] = "section",     [KFP_N_ARCH] = "arch",
		[KFP_N_MIN_KERNEL] = "min_kernel", [KFP_N_HOSTS] = "hosts",
		[KFP_N_KERNELS] = "kernels",
		[KFP_N_VENDORS] = "vendors",
		[KFP_N_FEATURES] = "feature list", [KFP_N_MSR] = "msr",
		[KFP_N_CPUID] = "cpuid",         [KFP_N_UNKNOWN] = "unknown",
		[KFP_N_ID_REG] = "id_reg",       [KFP_N_FIELD] = "field",
		[KFP_N_VCPU_INIT] = "vcpu_init", [KFP_N_HYPERCALLS] = "hypercalls",
		[KFP_N_SWITCH] = "switch",       [KFP_N_FIRMWARE_REGS] = "firmware_regs",
	};
	return names[kind];
}

int kfp_kver_cmp(const struct kfp_kver *a, const struct kfp_kver *b)
{
	if (a->major != b->major)
		return a->major < b->major ? -1 : 1;
	if (a->minor != b->minor)
		return a->minor < b->minor ? -1 : 1;
	if (a->patch != b->patch)
		return a->patch < b->patch ? -1 : 1;
	return 0;
}
