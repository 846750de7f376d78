/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The catalog's lifetime: reading x86_64.yaml and arm64.yaml (from a
 * directory or from memory), checking each file's top level and handing
 * its sections to load_x86.c and load_arm64.c, freeing, and finding the
 * default directory.  A file is registered in the kfp_ctx as a source, so
 * that its errors are located and quoted like a policy's.  The first error
 * stops the load.
 */
#include "catalog.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "base/ctx.h"
#include "base/util.h"

#ifndef KFP_CATALOG_INSTALL_DIR
#define KFP_CATALOG_INSTALL_DIR "/usr/local/share/kfp/catalog"
#endif

static bool load_doc(struct kfp_ctx *ctx, struct kfp_catalog *cat, const struct kfp_source *src,
		     const char *arch)
{
	static const char *const x86_keys[] = { "arch", "baseline", "cpuid_features",
		"kvm_features", "xsave_components", "vmx_controls", "msrs", "hyperv",
		"hyperv_features", "evmcs_filters", NULL };
	static const char *const arm_keys[] = { "arch", "baseline", "id_registers",
		"firmware_registers", "vcpu_init_features", "feature_registers", NULL };
	yaml_parser_t parser;
	struct loader ld = { .ctx = ctx, .src = src, .arena = cat->arena };
	bool ok = false;

	if (!yaml_parser_initialize(&parser))
		return ld_fail(&ld, NULL, "cannot initialise the YAML parser");
	yaml_parser_set_input_string(&parser, (const unsigned char *)src->buf, src->len);
	if (!yaml_parser_load(&parser, &ld.doc)) {
		ld_fail_at(&ld, &parser.problem_mark,
			   parser.problem ? parser.problem : "invalid YAML");
		yaml_parser_delete(&parser);
		return false;
	}
	yaml_node_t *root = yaml_document_get_root_node(&ld.doc);
	bool x86 = !strcmp(arch, "x86_64");
	kfp_kv base;
	if (!root) {
		ld_fail(&ld, NULL, "empty catalog");
	} else if (ld_check_keys(&ld, root, x86 ? x86_keys : arm_keys)) {
		const char *a = ld_scalar(ld_need(&ld, root, "arch"));
		if (a && strcmp(a, arch))
			ld_fail(&ld, ld_get(&ld, root, "arch"), "arch is '%s', expected '%s'", a, arch);
		else if (ld_get_kv(&ld, root, "baseline", false, 0, &base)) {
			if (cat->baseline && cat->baseline != base)
				ld_fail(&ld, ld_get(&ld, root, "baseline"),
					"baseline differs from the other catalog file");
			cat->baseline = base;
			ok = x86 ? kfp_cat_load_x86(&ld, root, cat) &&
				   kfp_cat_load_hyperv(&ld, root, cat)
				 : kfp_cat_load_arm64(&ld, root, cat);
		}
	}
	yaml_document_delete(&ld.doc);
	yaml_parser_delete(&parser);
	return ok && !ld.failed;
}

/* Either source may be NULL. */
static struct kfp_catalog *load_sources(struct kfp_ctx *ctx, const struct kfp_source *x86,
					const struct kfp_source *arm64)
{
	struct kfp_catalog *cat = kfp_xcalloc(1, sizeof(*cat));
	cat->arena = kfp_xcalloc(1, sizeof(struct arena));
	if ((x86 && !load_doc(ctx, cat, x86, "x86_64")) ||
	    (arm64 && !load_doc(ctx, cat, arm64, "arm64"))) {
		kfp_catalog_free(cat);
		return NULL;
	}
	return cat;
}

/* A copy of an in-memory document, registered under its file's name. */
static const struct kfp_source *add_copy(struct kfp_ctx *ctx, const char *name,
					 const char *data, size_t len)
{
	if (!data)
		return NULL;
	char *buf = kfp_xmalloc(len + 1);
	memcpy(buf, data, len);
	buf[len] = 0;
	return kfp_source_add(ctx, name, buf, len);
}

struct kfp_catalog *kfp_catalog_parse(struct kfp_ctx *ctx, const char *x86, size_t x86_len,
				      const char *arm64, size_t arm64_len)
{
	return load_sources(ctx, add_copy(ctx, "x86_64.yaml", x86, x86_len),
			    add_copy(ctx, "arm64.yaml", arm64, arm64_len));
}

struct kfp_catalog *kfp_catalog_load(struct kfp_ctx *ctx, const char *dir)
{
	char *px = kfp_xasprintf("%s/x86_64.yaml", dir);
	char *pa = kfp_xasprintf("%s/arm64.yaml", dir);
	const struct kfp_source *x = kfp_source_load(ctx, px);
	const struct kfp_source *a = x ? kfp_source_load(ctx, pa) : NULL;
	struct kfp_catalog *cat = NULL;

	if (!x || !a)
		kfp_error(ctx, NULL,
			  "cannot read the catalog %s: %s (set KFP_CATALOG or use --catalog DIR)",
			  x ? pa : px, strerror(errno));
	else if ((cat = load_sources(ctx, x, a)))
		cat->dir = kfp_xstrdup(dir);
	free(px);
	free(pa);
	return cat;
}

void kfp_catalog_free(struct kfp_catalog *cat)
{
	if (!cat)
		return;
	struct arena *a = cat->arena;
	for (size_t i = 0; a && i < a->n; i++)
		free(a->v[i]);
	if (a)
		free(a->v);
	free(a);
	free(cat->dir);
	free(cat);
}

static bool has_catalog(const char *dir)
{
	char path[4200];
	snprintf(path, sizeof(path), "%s/x86_64.yaml", dir);
	FILE *f = fopen(path, "r");
	if (f)
		fclose(f);
	return f != NULL;
}

const char *kfp_catalog_default_dir(void)
{
	/* The answer is the same for the whole process. */
	static char beside_exe[4096];

	const char *env = getenv("KFP_CATALOG");
	if (env && *env)
		return env;
	/* Installed: BINDIR/../share/kfp/catalog, wherever the prefix was
	 * moved to. */
	char exe[4000];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			snprintf(beside_exe, sizeof(beside_exe), "%s/../share/kfp/catalog", exe);
			if (has_catalog(beside_exe))
				return beside_exe;
		}
	}
#ifdef KFP_CATALOG_SOURCE_DIR
	/* Running from a build tree. */
	if (has_catalog(KFP_CATALOG_SOURCE_DIR))
		return KFP_CATALOG_SOURCE_DIR;
#endif
	return KFP_CATALOG_INSTALL_DIR;
}
