/* SPDX-License-Identifier: Apache-2.0 */
#include "policy.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "compiler/catalog/catalog.h"
#include "compiler/pipeline.h"
#include "compiler/emitters/tables.h"

static struct kfp_catalog *catalog;

const char *policy_hosts_dir;

int policy_group_setup(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	catalog = kfp_catalog_load(&ctx, kfp_catalog_default_dir());
	kfp_diags_print(&ctx, stderr);
	kfp_ctx_fini(&ctx);
	if (!catalog)
		return -1;
	return 0;
}

int policy_group_teardown(void **state)
{
	(void)state;
	kfp_catalog_free(catalog);
	return 0;
}

/* Compiles p->text as test.kfp, or the file at path, keeping what it
 * made in p.  True when no error was queued. */
static bool compile(struct policy *p, const char *path)
{
	struct kfp_compile_opts co = { .hosts_dir = policy_hosts_dir };
	struct kfp_compiled c;
	bool ok = path ? kfp_compile_file(&p->ctx, path, catalog, &co, &c)
		       : kfp_compile_buffer(&p->ctx, "test.kfp", p->text, strlen(p->text),
					    catalog, &co, &c);
	p->unit = c.unit;
	p->pol = c.pol;
	return ok;
}

static const struct kfp_config *compile_checked(struct policy *p, const char *path)
{
	if (!compile(p, path)) {
		kfp_diags_print(&p->ctx, stderr);
		if (p->pol)
			fail_msg("the test policy does not compile");
		fail_msg("the test policy does not parse");
	}
	p->cfg = kfp_build_config(p->pol, &p->pol->fleets[0]);
	return p->cfg;
}

static void load_text(struct policy *p, const char *text)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->text, sizeof(p->text), "%s", text);
	p->file = "test.kfp";
	kfp_ctx_init(&p->ctx);
}

const struct kfp_config *compile_text(struct policy *p, const char *text)
{
	load_text(p, text);
	return compile_checked(p, NULL);
}

const struct kfp_config *compile_file(struct policy *p, const char *path)
{
	memset(p, 0, sizeof(*p));
	p->file = path;
	kfp_ctx_init(&p->ctx);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(p->text, 1, sizeof(p->text) - 1, f);
	p->text[n] = '\0';
	fclose(f);
	return compile_checked(p, path);
}

char *compile_errors(struct policy *p, const char *text)
{
	load_text(p, text);
	assert_false(compile(p, NULL));
	/* It parsed and passed the structure checks: the errors are the
	 * compiler's. */
	assert_non_null(p->pol);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	kfp_diags_print(&p->ctx, f);
	fclose(f);
	return buf;
}

void policy_free(struct policy *p)
{
	kfp_config_free(p->cfg);
	kfp_policy_free(p->pol);
	kfp_unit_free(p->unit);
	kfp_ctx_fini(&p->ctx);
}

void where(const struct policy *p, const char *needle, uint32_t *line, uint32_t *col)
{
	const char *at = strstr(p->text, needle);
	assert_non_null(at);
	*line = 1;
	const char *bol = p->text;
	for (const char *c = p->text; c < at; c++)
		if (*c == '\n') {
			++*line;
			bol = c + 1;
		}
	*col = (uint32_t)(at - bol) + 1;
}
