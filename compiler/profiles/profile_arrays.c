/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Host profile arrays: built while reading (profile_internal.h), then
 * looked up by binary search (profile.h); and the vocabulary the reader and
 * the writer share.
 */
#include "profile_internal.h"

#include <inttypes.h>
#include <stdlib.h>

#include <kfp/x86_regs.h>

#include "base/util.h"

const char *const kfp_vcpu_feature_names[KFP_NVCPU_FEATURE_NAMES] = {
	"power_off", "el1_32bit", "psci_0_2", "pmu_v3",
	"sve", "ptrauth_address", "ptrauth_generic", "has_el2",
};

const char *kfp_profile_arch_name(enum kfp_arch a)
{
	return a == KFP_ARCH_ARM64 ? "arm64" : "x86_64";
}

/* ---- arrays with positions, sorted and checked once reading is done ---- */

static int cmp_reg_at(const void *a, const void *b)
{
	const struct reg_at *x = a, *y = b;
	return x->id < y->id ? -1 : x->id > y->id;
}

int kfp_cpuid_cmp(const struct kfp_cpuid_entry *x, const struct kfp_cpuid_entry *y)
{
	if (x->function != y->function)
		return x->function < y->function ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int cmp_cpuid_at(const void *a, const void *b)
{
	const struct cpuid_at *x = a, *y = b;
	return kfp_cpuid_cmp(&x->e, &y->e);
}


bool kfp_regs_finish(struct yp *y, struct regs_b *b, const char *what,
		     struct kfp_reg_value **out, size_t *n)
{
	bool sorted = true;
	for (size_t i = 1; i < b->n && sorted; i++)
		sorted = b->v[i - 1].id < b->v[i].id;
	if (!sorted)
		qsort(b->v, b->n, sizeof(*b->v), cmp_reg_at);
	for (size_t i = 1; i < b->n; i++) {
		struct reg_at *p = &b->v[i - 1], *q = &b->v[i];
		if (p->id != q->id)
			continue;
		if (yp_before(q->at, p->at)) {
			struct reg_at *t = p;
			p = q;
			q = t;
		}
		return yp_fail_at(y, q->at, "%s 0x%" PRIx64 " is listed twice (first at %zu:%zu)",
				  what, q->id, p->at.line + 1, p->at.col + 1);
	}
	*out = kfp_xcalloc(b->n, sizeof(**out));
	for (size_t i = 0; i < b->n; i++) {
		(*out)[i].id = b->v[i].id;
		(*out)[i].value = b->v[i].value;
	}
	*n = b->n;
	return true;
}

bool kfp_reg_list_finish(struct yp *y, struct regs_b *b, uint64_t **out, size_t *n)
{
	struct kfp_reg_value *tmp = NULL;
	size_t count = 0;
	if (!kfp_regs_finish(y, b, "register", &tmp, &count))
		return false;
	*out = kfp_xcalloc(count, sizeof(**out));
	for (size_t i = 0; i < count; i++)
		(*out)[i] = tmp[i].id;
	*n = count;
	free(tmp);
	return true;
}

bool kfp_cpuid_finish(struct yp *y, struct cpuid_b *b, struct kfp_cpuid_entry **out,
		      size_t *nout)
{
	bool sorted = true;
	for (size_t i = 1; i < b->n && sorted; i++)
		sorted = cmp_cpuid_at(&b->v[i - 1], &b->v[i]) < 0;
	if (!sorted)
		qsort(b->v, b->n, sizeof(*b->v), cmp_cpuid_at);
	for (size_t i = 1; i < b->n; i++) {
		struct cpuid_at *x = &b->v[i - 1], *z = &b->v[i];
		if (cmp_cpuid_at(x, z) != 0)
			continue;
		if (yp_before(z->at, x->at)) {
			struct cpuid_at *t = x;
			x = z;
			z = t;
		}
		return yp_fail_at(y, z->at,
				  "cpuid function 0x%" PRIx32 " index 0x%" PRIx32 " is listed twice (first at %zu:%zu)",
				  z->e.function, z->e.index, x->at.line + 1,
				  x->at.col + 1);
	}
	*out = kfp_xcalloc(b->n, sizeof(**out));
	for (size_t i = 0; i < b->n; i++)
		(*out)[i] = b->v[i].e;
	*nout = b->n;
	return true;
}

void kfp_bufs_fini(struct profile_bufs *b)
{
	struct regs_b *regs[] = { &b->caps, &b->msrs, &b->reg_list, &b->id_regs,
				  &b->wmasks, &b->fw_regs, &b->cache_regs };
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		free(regs[i]->v);
	free(b->cpuid.v);
	free(b->hv_cpuid.v);
}

/* cache_regs holds CLIDR_EL1 and the CCSIDR_EL1 demux registers only;
 * CCSIDR_EL1 is 32 bits. */
static bool check_cache_regs(struct yp *y, const struct regs_b *b)
{
	for (size_t i = 0; i < b->n; i++) {
		const struct reg_at *r = &b->v[i];
		if (!kfp_arm64_is_cache_reg(r->id))
			return yp_fail_at(y, r->at,
					  "cache register 0x%" PRIx64 " is neither CLIDR_EL1 (0x%" PRIx64 ") nor a CCSIDR_EL1 demux register (0x%" PRIx64 " + CSSELR)",
					  r->id, KFP_ARM64_CLIDR_EL1, KFP_ARM64_CCSIDR_BASE);
		if (r->id != KFP_ARM64_CLIDR_EL1 && r->value >> 32)
			return yp_fail_at(y, r->at,
					  "cache register 0x%" PRIx64 ": 0x%" PRIx64 " does not fit in 32 bits (CCSIDR_EL1)",
					  r->id, r->value);
	}
	return true;
}

bool kfp_bufs_finish(struct yp *y, struct profile_bufs *b, const char *msr,
		     struct kfp_host_profile *p)
{
	return kfp_regs_finish(y, &b->caps, "capability", &p->caps, &p->ncaps) &&
	       kfp_cpuid_finish(y, &b->cpuid, &p->cpuid, &p->ncpuid) &&
	       kfp_cpuid_finish(y, &b->hv_cpuid, &p->hv_cpuid, &p->nhv_cpuid) &&
	       kfp_regs_finish(y, &b->msrs, msr, &p->msrs, &p->nmsrs) &&
	       kfp_reg_list_finish(y, &b->reg_list, &p->reg_list, &p->nreg_list) &&
	       kfp_regs_finish(y, &b->id_regs, "ID register", &p->id_regs, &p->nid_regs) &&
	       kfp_regs_finish(y, &b->wmasks, "writable mask register",
			       &p->writable_masks, &p->nwritable_masks) &&
	       kfp_regs_finish(y, &b->fw_regs, "firmware register", &p->fw_regs,
			       &p->nfw_regs) &&
	       check_cache_regs(y, &b->cache_regs) &&
	       kfp_regs_finish(y, &b->cache_regs, "cache register", &p->cache_regs,
			       &p->ncache_regs);
}

static const struct kfp_reg_value *find_reg(const struct kfp_reg_value *v,
					    size_t n, uint64_t id)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (v[mid].id == id)
			return &v[mid];
		if (v[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct kfp_cpuid_entry *kfp_profile_hv_cpuid(const struct kfp_host_profile *p,
						   uint32_t function)
{
	for (size_t i = 0; i < p->nhv_cpuid; i++)
		if (p->hv_cpuid[i].function == function)
			return &p->hv_cpuid[i];
	return NULL;
}

void kfp_profile_set_xfeatures(struct kfp_host_profile *p)
{
	const struct kfp_cpuid_entry *d0 =
		kfp_profile_cpuid(p, KFP_X86_CPUID_XSAVE, KFP_X86_XSAVE_SUBLEAF_XCR0);
	const struct kfp_cpuid_entry *d1 =
		kfp_profile_cpuid(p, KFP_X86_CPUID_XSAVE, KFP_X86_XSAVE_SUBLEAF_XSS);
	if (d0)
		p->xcr0 = kfp_x86_xsave_mask(d0->index, d0->eax, d0->ecx, d0->edx);
	if (d1)
		p->xss = kfp_x86_xsave_mask(d1->index, d1->eax, d1->ecx, d1->edx);
}

const struct kfp_cpuid_entry *kfp_profile_cpuid(const struct kfp_host_profile *p,
						uint32_t function, uint32_t index)
{
	const struct kfp_cpuid_entry key = { .function = function, .index = index };
	size_t lo = 0, hi = p->ncpuid;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = kfp_cpuid_cmp(&p->cpuid[mid], &key);
		if (c == 0)
			return &p->cpuid[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const struct kfp_reg_value *kfp_profile_msr(const struct kfp_host_profile *p,
					    uint32_t index)
{
	return find_reg(p->msrs, p->nmsrs, index);
}

const struct kfp_reg_value *kfp_profile_id_reg(const struct kfp_host_profile *p,
					       uint64_t id)
{
	return find_reg(p->id_regs, p->nid_regs, id);
}

const struct kfp_reg_value *kfp_profile_fw_reg(const struct kfp_host_profile *p,
					       uint64_t id)
{
	return find_reg(p->fw_regs, p->nfw_regs, id);
}

const struct kfp_reg_value *kfp_profile_cache_reg(const struct kfp_host_profile *p,
						  uint64_t id)
{
	return find_reg(p->cache_regs, p->ncache_regs, id);
}

const struct kfp_reg_value *kfp_profile_writable_mask(const struct kfp_host_profile *p,
						      uint64_t id)
{
	return find_reg(p->writable_masks, p->nwritable_masks, id);
}

bool kfp_profile_has_reg(const struct kfp_host_profile *p, uint64_t id)
{
	size_t lo = 0, hi = p->nreg_list;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (p->reg_list[mid] == id)
			return true;
		if (p->reg_list[mid] < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}
