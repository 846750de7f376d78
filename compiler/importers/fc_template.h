/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to compiler/importers/: a Firecracker custom CPU template read
 * into a model.  The JSON is read by libyaml (JSON is YAML's flow syntax),
 * after a check that the text is JSON and not some other YAML, and every
 * problem is queued on the kfp_ctx, located in the template.
 */
#ifndef KFP_COMPILER_IMPORTERS_FC_TEMPLATE_H
#define KFP_COMPILER_IMPORTERS_FC_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/ctx.h"

/* A template bit is '0', '1' or 'x': filter says which bits are fixed,
 * value what they are fixed to. */
struct bits {
	uint64_t filter[2], value[2]; /* bits 0-63, 64-127 */
};

struct tcpuid {
	uint32_t leaf, subleaf;
	bool has[4];
	struct bits regs[4];
	struct kfp_loc loc; /* its first entry in the template */
};

struct treg {
	uint64_t addr;
	struct bits b;
	struct kfp_loc loc;
};

struct tpl {
	const struct kfp_source *src; /* the template, registered in the ctx */
	bool x86, arm64;
	struct tcpuid *cpuid;
	size_t ncpuid, cpuid_cap;
	struct treg *msrs;
	size_t nmsrs, msrs_cap;
	struct treg *regs;
	size_t nregs, regs_cap;
	struct treg *vcpu; /* addr: the index in kvm_vcpu_init.features */
	size_t nvcpu, vcpu_cap;
	size_t ncaps;
};

/* Reads the template in src (registered in ctx) into *t.  Returns false,
 * with the first problem queued on ctx, if it is not JSON or not a
 * template. */
bool fc_template_read(struct kfp_ctx *ctx, const struct kfp_source *src, struct tpl *t);
void fc_template_free(struct tpl *t);

/* The template as a whole, for diagnostics about no entry: its start. */
struct kfp_loc fc_template_loc(const struct tpl *t);

char bits_char(const struct bits *b, unsigned bit);
const struct tcpuid *tpl_cpuid(const struct tpl *t, uint32_t leaf, uint32_t sub);
char cpuid_char(const struct tpl *t, uint32_t leaf, uint32_t sub, unsigned reg, unsigned bit);
const struct treg *tpl_reg(const struct treg *v, size_t n, uint64_t addr);
char reg_char(const struct treg *v, size_t n, uint64_t addr, unsigned bit);

#endif
