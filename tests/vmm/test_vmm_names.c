/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The QEMU and libvirt names of kfp_vmm_feature_name() (compiler/catalog/vmm_names.c)
 * against the installed tools:
 *
 *   test_vmm_names qemu      every name is a flag of `qemu-system-x86_64
 *                            -cpu help`, and no feature without a name has
 *                            its name or an alias there;
 *   test_vmm_names libvirt   every name is a feature of libvirt's
 *                            cpu_map/x86_features.xml at the same CPUID or
 *                            MSR bit, and libvirt has no feature at the bit
 *                            of a feature without a name.
 *
 * Exits 77 with "SKIP: ..." when the tool is not installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/catalog/catalog.h"
#include "compiler/semantics/config.h"
#include "compiler/emitters/emit.h"

#ifndef KFP_SOURCE_DIR
#define KFP_SOURCE_DIR "."
#endif
#define CPU_MAP "/usr/share/libvirt/cpu_map/x86_features.xml"

static struct kfp_catalog *cat;
static char **qemu_flags;
static size_t nqemu;

struct lv_pos {
	char *name;
	bool msr;
	uint32_t leaf, subleaf, index; /* index: MSR */
	int reg;                       /* 0 eax .. 3 edx */
	unsigned bit;
};
static struct lv_pos *lv;
static size_t nlv, lv_cap;

static char *slurp(FILE *f)
{
	size_t cap = 1 << 16, n = 0, k;
	char *buf = malloc(cap);
	while ((k = fread(buf + n, 1, cap - n - 1, f)) > 0)
		if ((n += k) + 1 >= cap)
			buf = realloc(buf, cap *= 2);
	buf[n] = 0;
	return buf;
}

static bool load_qemu(void)
{
	FILE *p = popen("qemu-system-x86_64 -cpu help 2>/dev/null", "r");
	if (!p)
		return false;
	char *out = slurp(p);
	int st = pclose(p);
	char *s = strstr(out, "Recognized CPUID flags:");
	if (st != 0 || !s) {
		free(out);
		return false;
	}
	s += strlen("Recognized CPUID flags:");
	for (char *t = strtok(s, " \t\n"); t; t = strtok(NULL, " \t\n")) {
		qemu_flags = realloc(qemu_flags, (nqemu + 1) * sizeof(*qemu_flags));
		qemu_flags[nqemu++] = strdup(t);
	}
	free(out);
	return nqemu > 0;
}

static bool attr(const char *tag, const char *end, const char *name, uint32_t *out)
{
	char key[32];
	snprintf(key, sizeof(key), " %s='", name);
	const char *a = strstr(tag, key);
	if (!a || a > end)
		return false;
	*out = (uint32_t)strtoul(a + strlen(key), NULL, 0);
	return true;
}

static void lv_add(struct lv_pos p)
{
	if (nlv == lv_cap) {
		lv_cap = lv_cap ? 2 * lv_cap : 256;
		lv = realloc(lv, lv_cap * sizeof(*lv));
	}
	lv[nlv++] = p;
}

static bool load_libvirt(void)
{
	FILE *f = fopen(CPU_MAP, "r");
	if (!f)
		return false;
	char *xml = slurp(f);
	fclose(f);
	for (char *s = strstr(xml, "<feature name='"); s; s = strstr(s + 1, "<feature name='")) {
		char *name = s + strlen("<feature name='"), *q = strchr(name, '\'');
		char *end = strstr(s, "</feature>");
		if (!q || !end)
			break;
		char *fname = strndup(name, (size_t)(q - name));
		static const char *const regs[] = { "eax", "ebx", "ecx", "edx" };
		for (char *c = strstr(s, "<cpuid "); c && c < end; c = strstr(c + 1, "<cpuid ")) {
			char *ce = strchr(c, '>');
			uint32_t leaf = 0, sub = 0, m;
			attr(c, ce, "eax_in", &leaf);
			attr(c, ce, "ecx_in", &sub);
			for (int r = 0; r < 4; r++)
				if (attr(c, ce, regs[r], &m))
					for (unsigned b = 0; b < 32; b++)
						if (m >> b & 1)
							lv_add((struct lv_pos){ strdup(fname), false, leaf, sub, 0, r, b });
		}
		for (char *c = strstr(s, "<msr "); c && c < end; c = strstr(c + 1, "<msr ")) {
			char *ce = strchr(c, '>');
			uint32_t index = 0, lo = 0, hi = 0;
			attr(c, ce, "index", &index);
			attr(c, ce, "eax", &lo);
			attr(c, ce, "edx", &hi);
			uint64_t m = (uint64_t)hi << 32 | lo;
			for (unsigned b = 0; b < 64; b++)
				if (m >> b & 1)
					lv_add((struct lv_pos){ strdup(fname), true, 0, 0, index, 0, b });
		}
		free(fname);
	}
	free(xml);
	return nlv > 0;
}

static bool in_qemu(const char *name)
{
	for (size_t i = 0; i < nqemu; i++)
		if (!strcmp(qemu_flags[i], name))
			return true;
	return false;
}

/* Every spelling of a catalog feature: its name and aliases, each also
 * with '-' for '_'; VMX controls with QEMU's "vmx-" prefix. */
static size_t spellings(enum kfp_feat_kind kind, const struct kfp_cat_common *c, char out[][160],
			size_t max)
{
	const char *pre = kind == KFP_FEAT_VMX ? "vmx-" : "";
	size_t n = 0;
	for (size_t i = 0; n + 2 <= max; i++) {
		const char *s = i == 0 ? c->name : c->aliases[i - 1];
		if (!s)
			break;
		snprintf(out[n++], 160, "%s%s", pre, s);
		snprintf(out[n], 160, "%s%s", pre, s);
		for (char *p = out[n]; *p; p++)
			if (*p == '_')
				*p = '-';
		n++;
	}
	return n;
}

static void check_qemu_kind(enum kfp_feat_kind kind, const struct kfp_cat_common *c)
{
	char name[160], sp[32][160];
	if (kfp_vmm_feature_name(KFP_VMM_QEMU, kind, c->name, name, sizeof(name))) {
		if (!in_qemu(name))
			fail_msg("'%s' maps to QEMU's '%s', which `-cpu help` does not list", c->name,
				 name);
		return;
	}
	size_t n = spellings(kind, c, sp, 32);
	for (size_t i = 0; i < n; i++)
		if (in_qemu(sp[i]))
			fail_msg("'%s' has no QEMU name in vmm_names.c, but QEMU lists '%s'", c->name,
				 sp[i]);
}

static void test_qemu(void **state)
{
	(void)state;
	for (size_t i = 0; i < cat->ncpuid; i++)
		check_qemu_kind(KFP_FEAT_CPUID, &cat->cpuid[i].c);
	for (size_t i = 0; i < cat->nkvm; i++)
		check_qemu_kind(KFP_FEAT_KVM, &cat->kvm[i].c);
	for (size_t i = 0; i < cat->nvmx; i++)
		check_qemu_kind(KFP_FEAT_VMX, &cat->vmx[i].c);
	for (size_t m = 0; m < cat->nmsrs; m++)
		for (size_t b = 0; b < cat->msrs[m].nbits; b++)
			check_qemu_kind(KFP_FEAT_MSR_BIT, &cat->msrs[m].bits[b].c);
}

/* Hyper-V: QEMU's hv-* CPU properties (`-device qemu64-x86_64-cpu,help`,
 * as QEMU accepts them only with KVM).  Every enlightenment maps to one,
 * and every hv-* property that switches an enlightenment is catalogued;
 * the others set values or modes. */
static void test_qemu_hyperv(void **state)
{
	(void)state;
	static const char *const not_enlightenments[] = {
		"hv-apicv", /* QEMU's alias of hv-avic */
		"hv-enforce-cpuid", "hv-passthrough", "hv-spinlocks", "hv-vendor-id",
		"hv-max-vps", "hv-synic-kvm-only", "hv-no-nonarch-coresharing",
		"hv-version-id-build", "hv-version-id-major", "hv-version-id-minor",
		"hv-version-id-sbranch", "hv-version-id-snumber", "hv-version-id-spack",
	};
	FILE *p = popen("qemu-system-x86_64 -device qemu64-x86_64-cpu,help 2>/dev/null", "r");
	assert_non_null(p);
	char *out = slurp(p);
	assert_int_equal(pclose(p), 0);
	char name[160];
	for (size_t i = 0; i < cat->nhyperv; i++) {
		const struct kfp_cat_common *c = &cat->hyperv[i].c;
		assert_true(kfp_vmm_feature_name(KFP_VMM_QEMU, KFP_FEAT_HYPERV, c->name, name,
						 sizeof(name)));
		char want[200];
		snprintf(want, sizeof(want), " %s=", name);
		if (!strstr(out, want))
			fail_msg("'%s' maps to QEMU's '%s', which its CPU properties do not list",
				 c->name, name);
	}
	size_t nprops = 0;
	for (char *s = strstr(out, " hv-"); s; s = strstr(s + 1, " hv-")) {
		char prop[64];
		if (sscanf(s + 1, "%63[a-z0-9-]=", prop) != 1)
			continue;
		nprops++;
		bool known = kfp_cat_find_hyperv(cat, prop) != NULL;
		for (size_t k = 0; !known && k < sizeof(not_enlightenments) / sizeof(*not_enlightenments); k++)
			known = !strcmp(prop, not_enlightenments[k]);
		if (!known)
			fail_msg("QEMU has the property '%s', which the catalog does not know", prop);
	}
	assert_true(nprops >= cat->nhyperv);
	free(out);
}

/* The libvirt feature at a bit, or NULL. */
static const char *lv_at(bool msr, uint32_t leaf, uint32_t sub, uint32_t index, int reg,
			 unsigned bit)
{
	for (size_t i = 0; i < nlv; i++) {
		const struct lv_pos *p = &lv[i];
		if (p->msr != msr || p->bit != bit)
			continue;
		if (msr ? p->index == index : p->leaf == leaf && p->subleaf == sub && p->reg == reg)
			return p->name;
	}
	return NULL;
}

static void check_lv(enum kfp_feat_kind kind, const struct kfp_cat_common *c, bool msr,
		     uint32_t leaf, uint32_t sub, uint32_t index, int reg, unsigned bit)
{
	char name[160];
	const char *at = lv_at(msr, leaf, sub, index, reg, bit);
	if (kfp_vmm_feature_name(KFP_VMM_LIBVIRT, kind, c->name, name, sizeof(name))) {
		if (!at)
			fail_msg("'%s' maps to libvirt's '%s', but libvirt has no feature at its bit",
				 c->name, name);
		else if (strcmp(at, name))
			fail_msg("'%s' maps to libvirt's '%s', but libvirt calls its bit '%s'", c->name,
				 name, at);
	} else if (at) {
		fail_msg("'%s' has no libvirt name in vmm_names.c, but libvirt calls its bit '%s'",
			 c->name, at);
	}
}

static void test_libvirt(void **state)
{
	(void)state;
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *c = &cat->cpuid[i];
		check_lv(KFP_FEAT_CPUID, &c->c, false, c->leaf, c->subleaf, 0, c->reg, c->bit);
	}
	for (size_t i = 0; i < cat->nkvm; i++)
		check_lv(KFP_FEAT_KVM, &cat->kvm[i].c, false, 0x40000001, 0, 0, 0, cat->kvm[i].bit);
	for (size_t i = 0; i < cat->nvmx; i++)
		check_lv(KFP_FEAT_VMX, &cat->vmx[i].c, true, 0, 0, cat->vmx[i].msr, 0, cat->vmx[i].bit);
	for (size_t m = 0; m < cat->nmsrs; m++)
		for (size_t b = 0; b < cat->msrs[m].nbits; b++)
			check_lv(KFP_FEAT_MSR_BIT, &cat->msrs[m].bits[b].c, true, 0, 0,
				 cat->msrs[m].index, 0, cat->msrs[m].bits[b].bit);
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "qemu") && strcmp(argv[1], "libvirt"))) {
		fprintf(stderr, "usage: test_vmm_names qemu|libvirt\n");
		return 2;
	}
	bool qemu = !strcmp(argv[1], "qemu");
	if (qemu && !load_qemu()) {
		puts("SKIP: qemu-system-x86_64 not installed (Debian package qemu-system-x86)");
		return 77;
	}
	if (!qemu && !load_libvirt()) {
		puts("SKIP: libvirt's " CPU_MAP " not installed (Debian package libvirt0)");
		return 77;
	}
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	cat = kfp_catalog_load(&ctx, KFP_SOURCE_DIR "/compiler/catalog");
	kfp_diags_print(&ctx, stderr);
	kfp_ctx_fini(&ctx);
	if (!cat)
		return 1;
	const struct CMUnitTest qemu_tests[] = { cmocka_unit_test(test_qemu),
						 cmocka_unit_test(test_qemu_hyperv) };
	const struct CMUnitTest libvirt_tests[] = { cmocka_unit_test(test_libvirt) };
	int rc = qemu ? cmocka_run_group_tests(qemu_tests, NULL, NULL)
		      : cmocka_run_group_tests(libvirt_tests, NULL, NULL);
	kfp_catalog_free(cat);
	for (size_t i = 0; i < nqemu; i++)
		free(qemu_flags[i]);
	free(qemu_flags);
	for (size_t i = 0; i < nlv; i++)
		free(lv[i].name);
	free(lv);
	return rc;
}
