/* SPDX-License-Identifier: Apache-2.0 */
/*
 * x86 CPU vendors: a fleet's `vendors` statement against the CPUID.0
 * vendor strings of its hosts.  The x86_64 arch descriptor's vendors()
 * (sema_arch.c).
 */
#include "sema.h"

#include <stdlib.h>
#include <string.h>

#include "base/util.h"

/* x86 CPU vendors by their CPUID.0 string, with the names `vendors` takes. */
static const struct {
	const char *name, *label, *cpuid;
} x86_vendors[] = {
	{ "intel", "Intel", "GenuineIntel" },
	{ "amd", "AMD", "AuthenticAMD" },
	{ "hygon", "Hygon", "HygonGenuine" },
};
#define NX86_VENDORS (sizeof(x86_vendors) / sizeof(x86_vendors[0]))

/* The CPUID.0 vendor string of a host (EBX, EDX, ECX), "" if unknown. */
static void host_vendor(const struct kfp_host_profile *p, char out[13])
{
	const struct kfp_cpuid_entry *e = kfp_profile_cpuid(p, 0, 0);
	out[0] = 0;
	if (!e)
		return;
	const uint32_t regs[3] = { e->ebx, e->edx, e->ecx };
	for (int r = 0; r < 3; r++)
		for (int b = 0; b < 4; b++)
			out[r * 4 + b] = (char)(regs[r] >> (8 * b));
	out[12] = 0;
	for (int i = 0; i < 12; i++)
		if (out[i] < 0x20 || out[i] > 0x7e)
			out[i] = '?';
}

static bool host_of_vendor(const struct kfp_host_profile *p, const void *vendor)
{
	char v[13];
	host_vendor(p, v);
	return !strcmp(v, vendor);
}

static const char *vendor_label(const char *cpuid)
{
	for (size_t i = 0; i < NX86_VENDORS; i++)
		if (!strcmp(x86_vendors[i].cpuid, cpuid))
			return x86_vendors[i].label;
	return cpuid;
}

/* Migrating a VM between CPU vendors changes what no policy can pin (the
 * vendor string, family and model, errata, the vendor's own leaves), so
 * a fleet whose hosts mix vendors must say so with `vendors`, which also
 * refuses hosts of any other vendor. */
void kfp_sema_x86_vendors(struct sema *s, struct kfp_fleet *fl, const struct kfp_node *vn)
{
	bool listed[NX86_VENDORS] = { false };
	for (size_t i = 0; vn && i < vn->u.vendors.n; i++) {
		const struct kfp_name *nm = &vn->u.vendors.v[i];
		size_t v = 0;
		while (v < NX86_VENDORS && strcmp(x86_vendors[v].name, nm->text))
			v++;
		if (v == NX86_VENDORS)
			kfp_error(s->ctx, &nm->loc, "unknown CPU vendor '%s' (expected intel, amd or hygon)",
				  nm->text);
		else if (listed[v])
			kfp_error(s->ctx, &nm->loc, "vendor '%s' is listed twice", nm->text);
		else
			listed[v] = true;
	}
	if (!fl->nclasses)
		return;

	/* The distinct vendors of the fleet's hosts, in host order. */
	char seen[8][13];
	size_t nseen = 0;
	for (size_t c = 0; c < fl->nclasses && nseen < 8; c++) {
		char v[13];
		host_vendor(fl->classes[c].p, v);
		size_t k = 0;
		while (k < nseen && strcmp(seen[k], v))
			k++;
		if (k == nseen)
			memcpy(seen[nseen++], v, sizeof(v));
	}
	if (vn) {
		for (size_t k = 0; k < nseen; k++) {
			size_t v = 0;
			while (v < NX86_VENDORS && strcmp(x86_vendors[v].cpuid, seen[k]))
				v++;
			if (v < NX86_VENDORS && listed[v])
				continue;
			uint32_t n;
			char *hosts = kfp_hosts_phrase(fl, host_of_vendor, seen[k], &n);
			kfp_error(s->ctx, &vn->loc,
				  "fleet \"%s\" names the CPU vendors of its hosts, but %u of them are %s (%s), which it does not name: %s",
				  fl->name, n, vendor_label(seen[k]), seen[k], hosts);
			free(hosts);
		}
		return;
	}
	if (nseen < 2)
		return;
	char *all = kfp_xstrdup(""), *stmt = kfp_xstrdup("vendors");
	for (size_t k = 0; k < nseen; k++) {
		for (size_t v = 0; v < NX86_VENDORS; v++)
			if (!strcmp(x86_vendors[v].cpuid, seen[k])) {
				char *next = kfp_xasprintf("%s %s", stmt, x86_vendors[v].name);
				free(stmt);
				stmt = next;
			}
		uint32_t n;
		char *hosts = kfp_hosts_phrase(fl, host_of_vendor, seen[k], &n);
		char *next = kfp_xasprintf("%s%s%s (%s): %s", all, k ? "; " : "",
					   vendor_label(seen[k]), seen[k], hosts);
		free(all);
		free(hosts);
		all = next;
	}
	kfp_error(s->ctx, fl->hosts_loc.src ? &fl->hosts_loc : &fl->node->name_loc,
		  "fleet \"%s\" mixes CPU vendors, which no policy can hide from a VM that migrates between them: %s",
		  fl->name, all);
	kfp_note(s->ctx, &fl->node->name_loc,
		 "if VMs are meant to migrate across vendors, say so in the fleet: '%s;'", stmt);
	free(all);
	free(stmt);
}
