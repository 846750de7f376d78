/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Firecracker custom CPU template -> kfp policy.
 *
 * A template bit is '0' (cleared), '1' (set, whatever the host has) or 'x'
 * (the host's value), applied as (host & ~filter) | value.  A policy is
 * default deny and cannot pass a bit through unseen, so:
 *  - a catalogued feature at '1' or 'x' is allowed (exposed when the host
 *    has it), one at '0' is denied;
 *  - an uncatalogued bit at '1' in a feature register becomes a raw
 *    `cpuid ... = 1`, one at 'x' is hidden (default deny);
 *  - arm64 ID-register fields fixed by the template become `FIELD = v`,
 *    fields left at 'x' keep the host's value (`* >= 0`).
 * Registers the template does not mention are all 'x'.  The policy is
 * generated for a kernel, compiled to check it, and printed in canonical
 * form; without --min-kernel the oldest catalogued kernel for which it
 * checks is used.  docs/vmm-formats.md has the details.
 *
 * This file drives the import: fc_template.c reads the template, fc_x86.c
 * and fc_arm64.c write the policy's architecture section.
 */
#include "import_fc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/util.h"
#include "compiler/pipeline.h"
#include "compiler/profiles/profile.h"
#include "compiler/semantics/config.h"
#include "compiler/semantics/sema.h"
#include "fc_gen.h"
#include "grammar/fmt.h"

/* ---- policy text ---- */

struct out {
	char *buf;
	size_t len;
	FILE *f;
};

static void out_open(struct out *o)
{
	o->buf = NULL;
	o->len = 0;
	o->f = open_memstream(&o->buf, &o->len);
}

static char *out_close(struct out *o)
{
	fclose(o->f);
	return o->buf;
}


void fc_name_stmts(FILE *f, const char *indent, const char *prefix, const char **names,
		   size_t n, size_t per)
{
	for (size_t i = 0; i < n; i += per) {
		fprintf(f, "%s%s", indent, prefix);
		for (size_t k = i; k < n && k < i + per; k++)
			fprintf(f, " %s", names[k]);
		fputs(";\n", f);
	}
}

/* "# text" lines wrapped at about 76 columns. */
void fc_comment(FILE *f, const char *indent, const char *text)
{
	const char *s = text;
	while (*s) {
		size_t room = 76 - strlen(indent) - 2, n = strlen(s);
		if (n > room) {
			n = room;
			while (n > 0 && s[n] != ' ')
				n--;
			if (n == 0)
				n = strcspn(s, " ");
		}
		fprintf(f, "%s# %.*s\n", indent, (int)n, s);
		s += n;
		while (*s == ' ')
			s++;
	}
}

void fc_warn(const struct gen *g, const struct kfp_loc *at, const char *fmt, ...)
{
	if (!g->diag)
		return;
	struct kfp_loc whole = fc_template_loc(g->t);
	va_list ap;
	va_start(ap, fmt);
	kfp_vdiag(g->diag, KFP_SEV_WARNING, at ? at : &whole, fmt, ap);
	va_end(ap);
}

/* The line the next output starts on. */
uint32_t fc_cur_line(FILE *f, char *const *buf)
{
	fflush(f);
	uint32_t n = 1;
	for (const char *p = *buf; p && *p; p++)
		n += *p == '\n';
	return n;
}

void fc_bitmap_text(char *buf, const struct bits *b, unsigned width)
{
	char *p = buf;
	p += sprintf(p, "0b");
	for (unsigned i = width; i-- > 0;)
		*p++ = bits_char(b, i);
	*p = 0;
}

/* -- the whole policy -- */

static char *quote(const char *s)
{
	char *buf = NULL;
	size_t n = 0, cap = 0;
	KFP_VEC_PUSH(buf, n, cap, '"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			KFP_VEC_PUSH(buf, n, cap, '\\');
		if (*s == '\n' || *s == '\t') {
			KFP_VEC_PUSH(buf, n, cap, '\\');
			KFP_VEC_PUSH(buf, n, cap, *s == '\n' ? 'n' : 't');
			continue;
		}
		KFP_VEC_PUSH(buf, n, cap, *s);
	}
	KFP_VEC_PUSH(buf, n, cap, '"');
	KFP_VEC_PUSH(buf, n, cap, 0);
	return buf;
}

static char *generate(struct gen *g, const struct kfp_import_opts *o, const char *kernel)
{
	struct out out;
	out_open(&out);
	g->f = out.f;
	g->outbuf = &out.buf;
	FILE *f = out.f;
	const struct tpl *t = g->t;
	char *q = quote(o->name);

	fprintf(f, "# Imported by kfpc import-firecracker from %s.\n#\n", o->source);
	fc_comment(f, "",
		t->x86 ? "A Firecracker template applies (host & ~filter) | value: a '0' clears a bit, a '1' sets it and an 'x' keeps the host's.  A policy is default deny and never passes a bit through unseen: every feature at '1' or 'x' is allowed (the guest sees it when the host has it) and everything else is hidden.  Informational CPUID registers are copied from the host.  See docs/vmm-formats.md." :
			 "A Firecracker template applies (host & ~filter) | value: a '0' clears a bit, a '1' sets it and an 'x' keeps the host's.  Here an ID-register field the template fixes is set to that value, a field at 'x' keeps the host's value, and bits outside the catalogued fields are hidden (default deny).  See docs/vmm-formats.md.");
	if (t->ncaps)
		fc_comment(f, "", "The template's kvm_capabilities are Firecracker start-up checks: not imported.");
	fprintf(f, "policy %s version 1;\n\nfleet %s {\n    arch %s;\n    min_kernel %s;\n}\n\n", q, q,
		t->x86 ? "x86_64" : "arm64", kernel);
	fprintf(f, "%s {\n", t->x86 ? "x86_64" : "arm64");
	if (t->x86)
		fc_x86_policy(g);
	else
		fc_arm64_policy(g);
	fputs("}\n", f);
	free(q);
	return out_close(&out);
}

/* The template entry a statement of the generated policy comes from: the
 * CPUID leaf or MSR of the feature named at loc (x86), or the register of
 * the enclosing `id_reg NAME {` (arm64).  Returns NULL when the template
 * does not mention it (the statement keeps or hides a host value). */
static const struct kfp_loc *template_pos(const struct gen *g, const struct kfp_loc *loc)
{
	const struct kfp_catalog *cat = g->cat;
	const struct tpl *t = g->t;
	const struct tcpuid *e = NULL;
	const struct treg *r = NULL;
	if (t->x86) {
		char *name = kfp_loc_text(loc);
		const struct kfp_cat_cpuid *c = kfp_cat_find_cpuid(cat, name);
		const struct kfp_cat_xsave *x = kfp_cat_find_xsave(cat, name);
		const struct kfp_cat_vmx *v = kfp_cat_find_vmx(cat, name);
		if (c)
			e = tpl_cpuid(t, c->leaf, c->subleaf);
		else if (kfp_cat_find_kvm(cat, name))
			e = tpl_cpuid(t, 0x40000001, 0);
		else if (x)
			e = tpl_cpuid(t, 0xd, x->xss);
		else if (v)
			r = tpl_reg(t->msrs, t->nmsrs, v->msr);
		for (size_t m = 0; !c && !x && !v && !r && m < cat->nmsrs; m++)
			if (kfp_cat_find_msr_bit(&cat->msrs[m], name))
				r = tpl_reg(t->msrs, t->nmsrs, cat->msrs[m].index);
		free(name);
	} else {
		/* Back to the line that opens the statement's id_reg block. */
		const char *buf = loc->src->buf;
		for (size_t at = loc->off; at > 0 && !r;) {
			size_t bol = at - 1;
			while (bol > 0 && buf[bol - 1] != '\n')
				bol--;
			char name[128];
			if (sscanf(buf + bol, " id_reg %127[A-Za-z0-9_] {", name) == 1) {
				const struct kfp_cat_id_reg *reg = kfp_cat_find_id_reg(cat, name);
				if (!reg)
					break;
				r = tpl_reg(t->regs, t->nregs, reg->id);
				if (!r)
					break;
			}
			at = bol;
		}
	}
	return e ? &e->loc : r ? &r->loc : NULL;
}

/* The compiler's diagnostics about the generated policy, which is not
 * written, queued on ctx: each at the template entry it comes from (or the
 * template as a whole), with the generated statement quoted on a line of
 * its own. */
static void queue_template_diags(const struct gen *g, const struct kfp_ctx *cctx,
				 struct kfp_ctx *ctx)
{
	struct kfp_loc whole = fc_template_loc(g->t);
	for (size_t i = 0; i < cctx->ndiags; i++) {
		const struct kfp_diag *d = &cctx->diags[i];
		const struct kfp_loc *at = d->has_loc ? template_pos(g, &d->loc) : NULL;
		char *msg;
		if (d->has_loc) {
			const char *bol = d->loc.src->buf + d->loc.off;
			while (bol > d->loc.src->buf && bol[-1] != '\n')
				bol--;
			bol += strspn(bol, " ");
			msg = kfp_xasprintf("%s\n    in the generated policy: %.*s", d->msg,
					    (int)strcspn(bol, "\n"), bol);
		} else {
			msg = kfp_xstrdup(d->msg);
		}
		if (d->sev == KFP_SEV_ERROR)
			kfp_error(ctx, at ? at : &whole, "%s", msg);
		else if (d->sev == KFP_SEV_WARNING)
			kfp_warning(ctx, at ? at : &whole, "%s", msg);
		else
			kfp_note(ctx, at ? at : &whole, "%s", msg);
		free(msg);
	}
}

/* Compiles the generated text; on success returns it in canonical form.
 * Otherwise, for each error at a `FIELD = v;` line of g, records the
 * compiler's message in g->fallback and sets *retry; queues the
 * diagnostics on errs if given. */
static char *check_policy(const struct kfp_catalog *cat, struct gen *g, const char *text,
			  bool *retry, struct kfp_ctx *errs)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	ctx.max_errors = 10000;
	struct kfp_compiled c;
	char *result = NULL;
	*retry = false;
	if (kfp_compile_buffer(&ctx, "imported.kfp", text, strlen(text), cat, NULL, &c)) {
		struct out o;
		out_open(&o);
		kfp_fmt(c.unit->src, c.unit->stmts, o.f);
		result = out_close(&o);
	} else {
		for (size_t d = 0; d < ctx.ndiags && g->field_line; d++) {
			const struct kfp_diag *dg = &ctx.diags[d];
			if (dg->sev != KFP_SEV_ERROR || !dg->has_loc)
				continue;
			for (size_t id = 0; id < g->nfallback; id++)
				if (g->field_line[id] == dg->loc.line && !g->fallback[id]) {
					g->fallback[id] = kfp_xstrdup(dg->msg);
					*retry = true;
				}
		}
		if (errs)
			queue_template_diags(g, &ctx, errs);
	}
	kfp_compiled_free(&c);
	kfp_ctx_fini(&ctx);
	return result;
}

static void gen_init(struct gen *g, const struct kfp_catalog *cat, const struct tpl *t,
		     kfp_kv min, const char *name)
{
	*g = (struct gen){ .cat = cat, .t = t, .fl = { .min = min, .name = name } };
	g->nfallback = cat->nid_regs * 64;
	g->fallback = kfp_xcalloc(g->nfallback + 1, sizeof(*g->fallback));
	g->field_line = kfp_xcalloc(g->nfallback + 1, sizeof(*g->field_line));
}

static void gen_fini(struct gen *g)
{
	for (size_t i = 0; i < g->nfallback; i++)
		free(g->fallback[i]);
	free(g->fallback);
	free(g->field_line);
	free(g->why_skip);
}

static size_t gen_nfallback(const struct gen *g)
{
	size_t n = 0;
	for (size_t i = 0; i < g->nfallback; i++)
		n += g->fallback[i] != NULL;
	return n;
}

/* Generates and checks the policy for one kernel, giving up fixed fields
 * the compiler refuses.  Returns the canonical text, or NULL (with the
 * last generated text in *last). */
static char *attempt(struct gen *g, const struct kfp_import_opts *o, const char *kernel,
		     char **last)
{
	for (;;) {
		bool retry;
		free(*last);
		g->skip = false;
		free(g->why_skip);
		g->why_skip = NULL;
		*last = generate(g, o, kernel);
		char *canon = check_policy(g->cat, g, *last, &retry, NULL);
		if (canon || !retry)
			return canon;
	}
}

/* Every kernel version the catalog of an architecture mentions. */
static size_t catalog_kernels(const struct kfp_catalog *cat, bool x86, kfp_kv *v, size_t cap)
{
	size_t n = 0;
#define KV(x)                                                                          \
	do {                                                                           \
		kfp_kv k_ = (x);                                                       \
		bool seen_ = k_ == KFP_KV_ALWAYS || k_ == KFP_KV_NEVER || k_ < cat->baseline; \
		for (size_t i_ = 0; i_ < n && !seen_; i_++)                            \
			seen_ = v[i_] == k_;                                           \
		if (!seen_ && n < cap)                                                 \
			v[n++] = k_;                                                   \
	} while (0)
#define COMMON(c) do { KV((c).exposed_since); KV((c).hideable_since); } while (0)
	KV(cat->baseline);
	if (x86) {
		for (size_t i = 0; i < cat->ncpuid; i++)
			COMMON(cat->cpuid[i].c);
		for (size_t i = 0; i < cat->nkvm; i++)
			COMMON(cat->kvm[i].c);
		for (size_t i = 0; i < cat->nxsave; i++)
			COMMON(cat->xsave[i].c);
		for (size_t i = 0; i < cat->nvmx; i++)
			COMMON(cat->vmx[i].c);
		for (size_t i = 0; i < cat->nmsrs; i++)
			for (size_t b = 0; b < cat->msrs[i].nbits; b++)
				COMMON(cat->msrs[i].bits[b].c);
	} else {
		for (size_t i = 0; i < cat->nid_regs; i++)
			for (size_t k = 0; k < cat->id_regs[i].nfields; k++)
				COMMON(cat->id_regs[i].fields[k].c);
		for (size_t i = 0; i < cat->nfw_regs; i++) {
			COMMON(cat->fw_regs[i].c);
			for (size_t b = 0; b < cat->fw_regs[i].nbits; b++)
				COMMON(cat->fw_regs[i].bits[b].c);
		}
		for (size_t i = 0; i < cat->nvcpu; i++)
			COMMON(cat->vcpu[i].c);
	}
#undef COMMON
#undef KV
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
			kfp_kv x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n;
}

int kfp_import_firecracker(struct kfp_ctx *ctx, const char *path, const struct kfp_catalog *cat,
			   const struct kfp_import_opts *o, char **policy)
{
	*policy = NULL;
	struct kfp_source *src = kfp_source_load(ctx, path);
	if (!src) {
		kfp_error(ctx, NULL, "cannot read %s: %s", path, strerror(errno));
		return 2;
	}
	struct tpl t;
	int status = 1;
	if (!fc_template_read(ctx, src, &t))
		goto out;
	struct kfp_loc whole = fc_template_loc(&t);

	kfp_kv kernels[64];
	size_t nk;
	char kbuf[16];
	if (o->min_kernel) {
		struct kfp_kver kv;
		if (!kfp_kver_parse(o->min_kernel, &kv) ||
		    strspn(o->min_kernel, "0123456789.") != strlen(o->min_kernel)) {
			kfp_error(ctx, NULL, "--min-kernel needs a version such as 6.1, not '%s'",
				  o->min_kernel);
			goto out;
		}
		kernels[0] = KFP_KV(kv.major, kv.minor);
		nk = 1;
	} else {
		nk = catalog_kernels(cat, t.x86, kernels, 64);
	}
	/* The fields the newest kernel cannot fix either: the oldest kernel
	 * that gives up no more than these is the default. */
	char *last = NULL, *canon = NULL;
	size_t least = 0, chosen = 0;
	struct gen g;
	if (!o->min_kernel) {
		gen_init(&g, cat, &t, kernels[nk - 1], o->name);
		free(attempt(&g, o, kfp_kv_str(kernels[nk - 1], kbuf), &last));
		least = gen_nfallback(&g);
		gen_fini(&g);
	}
	for (size_t i = 0; i < nk && !canon; i++) {
		const char *kt = o->min_kernel ? o->min_kernel : kfp_kv_str(kernels[i], kbuf);
		gen_init(&g, cat, &t, kernels[i], o->name);
		canon = attempt(&g, o, kt, &last);
		bool last_kernel = i + 1 == nk;
		if (canon && !o->min_kernel && !last_kernel &&
		    (g.skip || gen_nfallback(&g) > least)) {
			free(canon);
			canon = NULL;
		}
		if (canon)
			chosen = i;
		if (!canon && last_kernel) {
			kfp_error(ctx, &whole, "the template cannot be expressed as a policy%s%s:",
				  o->min_kernel ? " for min_kernel " : "",
				  o->min_kernel ? o->min_kernel : "");
			bool retry;
			free(check_policy(cat, &g, last, &retry, ctx));
		}
		gen_fini(&g);
	}
	if (canon) {
		/* Once more with the warnings on. */
		const char *kt = o->min_kernel ? o->min_kernel : kfp_kv_str(kernels[chosen], kbuf);
		gen_init(&g, cat, &t, kernels[chosen], o->name);
		free(canon);
		canon = attempt(&g, o, kt, &last);
		free(canon);
		g.diag = ctx;
		free(last);
		last = generate(&g, o, kt);
		bool retry;
		*policy = check_policy(cat, &g, last, &retry, ctx);
		gen_fini(&g);
		if (*policy) {
			if (!o->min_kernel)
				kfp_note(ctx, &whole, "min_kernel %s, the oldest kernel for which the policy checks (choose another with --min-kernel)",
					 kt);
			status = 0;
		}
	}
	free(last);
out:
	fc_template_free(&t);
	return status;
}
