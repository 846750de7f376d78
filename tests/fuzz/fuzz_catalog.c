/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the catalog loader (compiler/catalog/).  The input is the x86_64
 * document, a NUL byte, then the arm64 document; without a NUL the whole
 * input is the x86_64 document and there is no arm64 one.  Each document is
 * copied into a buffer of exactly its length (no terminator), so a read past
 * the end is caught.
 *
 * Properties, anything else aborts:
 *   - failure queues one error, located in the document ("x86_64.yaml"
 *     or "arm64.yaml"), success queues none;
 *   - a loaded catalog is consistent: every entry is found by its name and
 *     each alias, back-pointers point at the owner, requirements point into
 *     the catalog, ID register fields fit and do not overlap, registers of
 *     features have a gate in the catalog and no id in two entries.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "compiler/catalog/catalog.h"

static void die(const char *what, const char *name)
{
	fprintf(stderr, "catalog loader property broken: %s%s%s\n", what,
		name ? ": " : "", name ? name : "");
	abort();
}

static char *copy(const uint8_t *p, size_t n)
{
	char *b = malloc(n ? n : 1);
	if (!b)
		abort();
	if (n)
		memcpy(b, p, n);
	return b;
}

/* The common part; found is what the namespace's lookup gives for a name. */
#define CHECK_NAMES(entry, lookup)                                             \
	do {                                                                   \
		const struct kfp_cat_common *c_ = &(entry)->c;                 \
		char kb_[16];                                                  \
		if (!c_->name || !c_->source || !c_->aliases)                  \
			die("entry without name, source or aliases", c_->name); \
		(void)kfp_kv_str(c_->exposed_since, kb_);                      \
		(void)kfp_kv_str(c_->hideable_since, kb_);                     \
		if ((lookup(c_->name)) != (entry))                             \
			die("lookup by name finds another entry", c_->name);   \
		for (size_t a_ = 0; c_->aliases[a_]; a_++)                     \
			if ((lookup(c_->aliases[a_])) != (entry))              \
				die("lookup by alias finds another entry",     \
				    c_->aliases[a_]);                          \
	} while (0)

static bool in(const void *p, const void *base, size_t n, size_t size)
{
	const char *c = p, *b = base;
	return c >= b && c < b + n * size && (size_t)(c - b) % size == 0;
}

static void check_x86(const struct kfp_catalog *cat)
{
#define L(name) kfp_cat_find_cpuid(cat, name)
	for (size_t i = 0; i < cat->ncpuid; i++) {
		const struct kfp_cat_cpuid *f = &cat->cpuid[i];
		CHECK_NAMES(f, L);
		if (kfp_cat_cpuid_at(cat, f->leaf, f->subleaf, f->reg, f->bit) != f)
			die("two CPUID features share a bit", f->c.name);
		if (f->bit > 31 || !f->requires || !f->requires_xsave)
			die("bad CPUID feature", f->c.name);
		(void)kfp_cpuid_reg_name(f->reg);
		for (size_t k = 0; f->requires[k]; k++)
			if (!in(f->requires[k], cat->cpuid, cat->ncpuid, sizeof(*f)))
				die("requires points outside the catalog", f->c.name);
		for (size_t k = 0; f->requires_xsave[k]; k++)
			if (!in(f->requires_xsave[k], cat->xsave, cat->nxsave, sizeof(*cat->xsave)))
				die("requires_xsave points outside the catalog", f->c.name);
	}
#undef L
#define L(name) kfp_cat_find_kvm(cat, name)
	for (size_t i = 0; i < cat->nkvm; i++)
		CHECK_NAMES(&cat->kvm[i], L);
#undef L
#define L(name) kfp_cat_find_xsave(cat, name)
	for (size_t i = 0; i < cat->nxsave; i++) {
		const struct kfp_cat_xsave *x = &cat->xsave[i];
		CHECK_NAMES(x, L);
		if (!x->requires)
			die("xsave component without requires", x->c.name);
		for (size_t k = 0; x->requires[k]; k++)
			if (!in(x->requires[k], cat->cpuid, cat->ncpuid, sizeof(*cat->cpuid)))
				die("xsave requires points outside the catalog", x->c.name);
	}
#undef L
#define L(name) kfp_cat_find_vmx(cat, name)
	for (size_t i = 0; i < cat->nvmx; i++) {
		CHECK_NAMES(&cat->vmx[i], L);
		if (!cat->vmx[i].msr_name)
			die("VMX control without msr_name", cat->vmx[i].c.name);
	}
#undef L
#define L(name) kfp_cat_find_msr(cat, name)
	for (size_t i = 0; i < cat->nmsrs; i++) {
		const struct kfp_cat_msr *m = &cat->msrs[i];
		CHECK_NAMES(m, L);
#define LB(name) kfp_cat_find_msr_bit(m, name)
		for (size_t j = 0; j < m->nbits; j++) {
			CHECK_NAMES(&m->bits[j], LB);
			if (m->bits[j].msr != m)
				die("MSR bit does not point at its MSR", m->bits[j].c.name);
		}
#undef LB
	}
#undef L
}

static void check_arm64(const struct kfp_catalog *cat)
{
#define L(name) kfp_cat_find_id_reg(cat, name)
	for (size_t i = 0; i < cat->nid_regs; i++) {
		const struct kfp_cat_id_reg *r = &cat->id_regs[i];
		CHECK_NAMES(r, L);
		if (r->id != kfp_arm64_sysreg_id(r->op0, r->op1, r->crn, r->crm, r->op2))
			die("ID register id does not match its encoding", r->c.name);
		(void)kfp_cat_find_id_reg_by_id(cat, r->id);
		uint64_t used = 0;
#define LF(name) kfp_cat_find_field(r, name)
		for (size_t j = 0; j < r->nfields; j++) {
			const struct kfp_cat_field *f = &r->fields[j];
			CHECK_NAMES(f, LF);
			if (f->reg != r)
				die("field does not point at its register", f->c.name);
			if (!f->width || f->width > 64 || f->shift + f->width > 64)
				die("field does not fit", f->c.name);
			uint64_t mask = (f->width == 64 ? ~0ull : (1ull << f->width) - 1) << f->shift;
			if (used & mask)
				die("fields overlap", f->c.name);
			used |= mask;
			for (size_t k = 0; k < f->nvalues; k++)
				if (!f->values[k].name ||
				    (f->width < 64 && f->values[k].value >> f->width))
					die("field value does not fit", f->c.name);
		}
#undef LF
	}
#undef L
#define L(name) kfp_cat_find_fw_bit(cat, name)
	for (size_t i = 0; i < cat->nfw_regs; i++) {
		const struct kfp_cat_fw_reg *r = &cat->fw_regs[i];
		if (!r->c.name || !r->c.source || !r->c.aliases)
			die("firmware register without name, source or aliases", r->c.name);
		(void)kfp_cat_find_fw_reg_by_id(cat, r->id);
		for (size_t j = 0; j < r->nbits; j++) {
			CHECK_NAMES(&r->bits[j], L);
			if (r->bits[j].reg != r || r->bits[j].bit > 63)
				die("bad firmware bit", r->bits[j].c.name);
		}
	}
#undef L
#define L(name) kfp_cat_find_vcpu(cat, name)
	for (size_t i = 0; i < cat->nvcpu; i++)
		CHECK_NAMES(&cat->vcpu[i], L);
#undef L
	/* Registers of features: a gate that points into the catalog, ids
	 * inside their mask, no id in two entries. */
	for (size_t i = 0; i < cat->nfeature_regs; i++) {
		const struct kfp_cat_feature_reg *r = &cat->feature_regs[i];
		if (!r->c.name || !r->c.source || !r->feature)
			die("feature register without name, source or feature", r->c.name);
		if (r->match & ~r->mask)
			die("feature register id outside its mask", r->c.name);
		if ((r->gate == KFP_REG_GATE_FIELD && !r->field) ||
		    (r->gate == KFP_REG_GATE_VCPU && !r->vcpu))
			die("feature register gate points nowhere", r->c.name);
		if (r->field && (r->field < r->field->reg->fields ||
				 r->field >= r->field->reg->fields + r->field->reg->nfields))
			die("feature register gate is not a field of its register", r->c.name);
		for (size_t j = 0; j < i; j++)
			if (!((r->match ^ cat->feature_regs[j].match) & r->mask &
			      cat->feature_regs[j].mask))
				die("two feature registers match one id", r->c.name);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nul = memchr(data, 0, size);
	size_t xlen = nul ? (size_t)(nul - data) : size;
	size_t alen = nul ? size - xlen - 1 : 0;
	char *x86 = copy(data, xlen);
	char *arm64 = nul ? copy(nul + 1, alen) : NULL;
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);

	struct kfp_catalog *cat = kfp_catalog_parse(&ctx, x86, xlen, arm64, alen);
	const struct kfp_diag *d = ctx.ndiags ? &ctx.diags[0] : NULL;
	if (cat) {
		if (d)
			die("a loaded catalog with an error", d->msg);
		check_x86(cat);
		check_arm64(cat);
	} else if (ctx.ndiags != 1 || !d->has_loc ||
		   (strcmp(d->loc.src->path, "x86_64.yaml") != 0 &&
		    strcmp(d->loc.src->path, "arm64.yaml") != 0)) {
		die("an error not located in its document", d ? d->msg : NULL);
	}
	kfp_catalog_free(cat);
	kfp_ctx_fini(&ctx);
	free(x86);
	free(arm64);
	return 0;
}
