/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Semantic analysis for arm64 fleets: the registers a fleet pins to one
 * value from its host profiles (the cache description CLIDR_EL1 and
 * CCSIDR_EL1[n], and PSCI_VERSION), and the kernels that can write them.
 */
#include <stdlib.h>
#include <string.h>

#include <kfp/arm64_regs.h>

#include "sema.h"
#include "sema_arm64.h"
#include "base/util.h"

/* ---- pins ---- */

/* The registers a fleet pins, and from which kernel KVM accepts a written
 * value (kernels before that accept only the value they show):
 *  - CLIDR_EL1 and the CCSIDR_EL1 demux registers: 6.3 ("KVM: arm64:
 *    Normalize cache configuration", 6.3 merge window).  5.10 and 6.1
 *    treat them as invariant (sys_regs.c: CLIDR_EL1 in
 *    invariant_sys_regs, set_invariant_sys_reg; demux_c15_set: "This is
 *    also invariant: you can't change it"), showing the hardware's cache;
 *    6.12 fabricates its own (reset_clidr, get_ccsidr) and takes any
 *    consistent value (set_clidr, set_ccsidr).  Seen on Debian's kernels
 *    under qemu: 6.12 writes 6.1's values, 6.1 refuses 6.12's with EINVAL.
 *  - PSCI_VERSION: kvm_arm_set_fw_reg takes 0.2 and 1.0 from 5.10
 *    (arch/arm64/kvm/psci.c), 1.1 from 5.18 (6.1 hypercalls.c has it, 5.10
 *    not), 1.2 and 1.3 from 6.13 (upstream; not in the checked sources),
 *    with vcpu_init psci_0_2 on. */
#define CACHE_WRITABLE_SINCE KFP_KV(6, 3)

static const char *const ccsidr_names[KFP_ARM64_NCSSELR] = {
	"CCSIDR_EL1[0]",  "CCSIDR_EL1[1]",  "CCSIDR_EL1[2]",  "CCSIDR_EL1[3]",
	"CCSIDR_EL1[4]",  "CCSIDR_EL1[5]",  "CCSIDR_EL1[6]",  "CCSIDR_EL1[7]",
	"CCSIDR_EL1[8]",  "CCSIDR_EL1[9]",  "CCSIDR_EL1[10]", "CCSIDR_EL1[11]",
	"CCSIDR_EL1[12]", "CCSIDR_EL1[13]", "CCSIDR_EL1[14]", "CCSIDR_EL1[15]",
};

static kfp_kv psci_writable_since(uint64_t v)
{
	switch (v) {
	case 0x2:     /* 0.2 */
	case 0x10000: /* 1.0 */
		return KFP_KV(5, 10);
	case 0x10001:
		return KFP_KV(5, 18);
	case 0x10002:
	case 0x10003:
		return KFP_KV(6, 13);
	}
	return KFP_KV_NEVER;
}

static kfp_kv host_kv(const struct kfp_host_profile *p)
{
	return KFP_KV(p->kernel.major > 255 ? 255 : p->kernel.major,
		      p->kernel.minor > 255 ? 255 : p->kernel.minor);
}

static const struct kfp_reg_value *pin_value(const struct kfp_host_profile *p, uint64_t id)
{
	return id == KFP_ARM64_PSCI_VERSION ? kfp_profile_fw_reg(p, id) : kfp_profile_cache_reg(p, id);
}

/* Where errors about the hosts' values point: the `hosts` line, else the
 * fleet's kernels. */
static const struct kfp_loc *hosts_at(const struct kfp_fleet *fl)
{
	if (fl->hosts_loc.src)
		return &fl->hosts_loc;
	return fl->kernels ? &fl->kernels_loc : &fl->min_loc;
}

/* Appends "name" to a list of at most three names, counting the rest. */
static void add_name(char **list, size_t *n, const char *name)
{
	if ((*n)++ < 3) {
		char *next = kfp_xasprintf("%s%s%s", *list ? *list : "", *list ? ", " : "", name);
		free(*list);
		*list = next;
	}
}

static char *names_phrase(char *list, size_t n)
{
	char *out = n > 3 ? kfp_xasprintf("%s and %zu more", list, n - 3) : kfp_xstrdup(list ? list : "");
	free(list);
	return out;
}

/* Kernel rule: every host that shows another value than the pin must run
 * a kernel that accepts the write. */
static void pin_kernel_rule(struct sema *s, struct kfp_fleet *fl, struct kfp_pin *pin)
{
	char a[16], b[16], c[16];
	char *kernels = NULL, *hosts = NULL;
	size_t nk = 0, nh = 0;
	kfp_kv seen[64];
	size_t nseen = 0;
	for (size_t i = 0; i < fl->nclasses; i++) {
		const struct kfp_host_class *hc = &fl->classes[i];
		const struct kfp_reg_value *rv = pin_value(hc->p, pin->id);
		if (!rv || rv->value == pin->value)
			continue;
		pin->nwrite += (uint32_t)hc->n;
		kfp_kv k = host_kv(hc->p);
		if (k >= pin->writable_since)
			continue;
		bool dup = false;
		for (size_t j = 0; j < nseen; j++)
			dup |= seen[j] == k;
		if (!dup) {
			if (nseen < sizeof(seen) / sizeof(seen[0]))
				seen[nseen++] = k;
			add_name(&kernels, &nk, kfp_kv_str(k, a));
		}
		for (size_t j = 0; j < hc->n; j++) {
			char *h = kfp_xasprintf("%s (0x%llx)", hc->names[j],
						(unsigned long long)rv->value);
			add_name(&hosts, &nh, h);
			free(h);
		}
	}
	if (!nh)
		return;
	kernels = names_phrase(kernels, nk);
	hosts = names_phrase(hosts, nh);
	const struct kfp_loc *at = fl->kernels ? &fl->kernels_loc : &fl->min_loc;
	if (pin->writable_since == KFP_KV_NEVER)
		kfp_error(s->ctx, at,
			  "%s must be pinned to 0x%llx (what kernel %s shows, host %s), but no kernel lets a VMM write that value; kernel%s %s show%s another: %s",
			  pin->name, (unsigned long long)pin->value, kfp_kv_str(pin->from, b),
			  pin->from_host, nk > 1 ? "s" : "", kernels, nk > 1 ? "" : "s", hosts);
	else
		kfp_error(s->ctx, at,
			  "%s must be pinned to 0x%llx (what kernel %s shows, host %s), but kernel%s %s show%s another value and let%s a VMM write it only from %s: %s",
			  pin->name, (unsigned long long)pin->value, kfp_kv_str(pin->from, b),
			  pin->from_host, nk > 1 ? "s" : "", kernels, nk > 1 ? "" : "s",
			  nk > 1 ? "" : "s", kfp_kv_str(pin->writable_since, c), hosts);
	free(kernels);
	free(hosts);
}

static void add_pin(struct kfp_fleet *fl, size_t *cap, struct kfp_pin pin)
{
	KFP_VEC_PUSH(fl->pins, fl->npins, *cap, pin);
}

/* CLIDR_EL1 or CCSIDR_EL1[n]: the oldest kernel's value, if the hosts do
 * not all show the same. */
static void pin_cache_reg(struct sema *s, struct kfp_fleet *fl, size_t *cap, uint64_t id,
			  const char *name)
{
	kfp_kv oldest = KFP_KV_NEVER;
	const struct kfp_host_class *first = NULL;
	bool differ = false;
	for (size_t i = 0; i < fl->nclasses; i++) {
		const struct kfp_reg_value *rv = kfp_profile_cache_reg(fl->classes[i].p, id);
		if (!rv)
			continue;
		if (first && kfp_profile_cache_reg(first->p, id)->value != rv->value)
			differ = true;
		if (!first)
			first = &fl->classes[i];
		kfp_kv k = host_kv(fl->classes[i].p);
		if (k < oldest)
			oldest = k;
	}
	if (!differ)
		return;
	const struct kfp_host_class *from = NULL;
	for (size_t i = 0; i < fl->nclasses; i++) {
		const struct kfp_host_class *hc = &fl->classes[i];
		const struct kfp_reg_value *rv = kfp_profile_cache_reg(hc->p, id);
		if (!rv || host_kv(hc->p) != oldest)
			continue;
		if (!from) {
			from = hc;
			continue;
		}
		uint64_t v0 = kfp_profile_cache_reg(from->p, id)->value;
		if (rv->value != v0) {
			char k[16];
			kfp_error(s->ctx, hosts_at(fl),
				  "%s differs between hosts of kernel %s, the oldest of fleet \"%s\" (0x%llx on %s, 0x%llx on %s): the fleet cannot pin it to one value",
				  name, kfp_kv_str(oldest, k), fl->name, (unsigned long long)v0,
				  from->names[0], (unsigned long long)rv->value, hc->names[0]);
			return;
		}
	}
	struct kfp_pin pin = {
		.name = name, .id = id, .value = kfp_profile_cache_reg(from->p, id)->value,
		.writable_since = CACHE_WRITABLE_SINCE, .from = oldest, .from_host = from->names[0],
	};
	add_pin(fl, cap, pin);
	pin_kernel_rule(s, fl, &fl->pins[fl->npins - 1]);
}

/* PSCI_VERSION: the lowest version any host shows, when PSCI 0.2 is on
 * (without it every kernel gives 0.1). */
static void pin_psci(struct sema *s, struct kfp_fleet *fl, size_t *cap)
{
	const struct kfp_cat_vcpu_feature *psci = kfp_cat_find_vcpu(s->cat, "psci_0_2");
	if (!psci || !kfp_feat_exposed(kfp_fleet_feat(fl, KFP_FEAT_VCPU, psci)))
		return;
	const struct kfp_host_class *low = NULL;
	bool differ = false;
	for (size_t i = 0; i < fl->nclasses; i++) {
		const struct kfp_reg_value *rv = kfp_profile_fw_reg(fl->classes[i].p, KFP_ARM64_PSCI_VERSION);
		if (!rv)
			continue;
		if (low) {
			uint64_t lv = kfp_profile_fw_reg(low->p, KFP_ARM64_PSCI_VERSION)->value;
			differ |= rv->value != lv;
			if (rv->value > lv ||
			    (rv->value == lv && host_kv(fl->classes[i].p) >= host_kv(low->p)))
				continue;
		}
		low = &fl->classes[i];
	}
	if (!differ)
		return;
	uint64_t v = kfp_profile_fw_reg(low->p, KFP_ARM64_PSCI_VERSION)->value;
	struct kfp_pin pin = {
		.name = "PSCI_VERSION", .id = KFP_ARM64_PSCI_VERSION, .value = v,
		.writable_since = psci_writable_since(v), .from = host_kv(low->p),
		.from_host = low->names[0],
	};
	add_pin(fl, cap, pin);
	pin_kernel_rule(s, fl, &fl->pins[fl->npins - 1]);
}

/* The fleet's pins, from its host profiles (none without them). */
void kfp_sema_arm64_pins(struct sema *s, struct kfp_fleet *fl)
{
	size_t cap = 0;
	pin_cache_reg(s, fl, &cap, KFP_ARM64_CLIDR_EL1, "CLIDR_EL1");
	for (unsigned n = 0; n < KFP_ARM64_NCSSELR; n++)
		pin_cache_reg(s, fl, &cap, KFP_ARM64_CCSIDR_BASE | n, ccsidr_names[n]);
	pin_psci(s, fl, &cap);
}
