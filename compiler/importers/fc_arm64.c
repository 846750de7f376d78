/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The arm64 section of an imported Firecracker template (fc_gen.h): ID
 * register fields the template fixes become `FIELD = v`, fields at 'x' keep
 * the host's value; vcpu_init features and hypercall services from the
 * template's vcpu_features and firmware registers.
 */
#include "fc_gen.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "compiler/semantics/sema.h"

void fc_arm64_policy(struct gen *g)
{
	const struct kfp_catalog *cat = g->cat;
	const struct tpl *t = g->t;
	FILE *f = g->f;
	char bm[140];

	for (size_t i = 0; i < cat->nid_regs; i++) {
		const struct kfp_cat_id_reg *r = &cat->id_regs[i];
		const struct treg *tr = tpl_reg(t->regs, t->nregs, r->id);
		if (!r->nfields) {
			/* Left at the host's value by the emitter too. */
			if (tr && (tr->b.filter[0] || tr->b.filter[1]))
				fc_warn(g, &tr->loc, "%s has no catalogued fields: the template's fixed bits are not imported",
				     r->c.name);
			continue;
		}
		if (tr) {
			fc_bitmap_text(bm, &tr->b, 64);
			fprintf(f, "    # %s: %s\n", r->c.name, bm);
		}
		fprintf(f, "    id_reg %s {\n", r->c.name);
		size_t named = 0;
		uint64_t covered = 0;
		for (size_t k = 0; k < r->nfields; k++) {
			const struct kfp_cat_field *fd = &r->fields[k];
			uint64_t ones = fd->width >= 64 ? ~0ull : (1ull << fd->width) - 1;
			uint64_t mask = ones << fd->shift;
			covered |= mask;
			uint64_t filt = tr ? tr->b.filter[0] & mask : 0;
			size_t id = i * 64 + k;
			if (filt == mask && !g->fallback[id]) {
				g->field_line[id] = fc_cur_line(f, g->outbuf);
				fprintf(f, "        %s = %" PRIu64 ";\n", fd->c.name,
					(tr->b.value[0] & mask) >> fd->shift);
				named++;
				continue;
			}
			if (filt == mask) {
				/* The compiler refused `FIELD = v`. */
				char *why = kfp_xasprintf("%s.%s is %" PRIu64 " in the template, but the policy keeps the host's value: %s",
							  r->c.name, fd->c.name,
							  (tr->b.value[0] & mask) >> fd->shift, g->fallback[id]);
				fc_warn(g, &tr->loc, "%s", why);
				fc_comment(f, "        ", why);
				free(why);
			} else if (filt) {
				fc_warn(g, &tr->loc, "%s.%s is only partly fixed by the template: a policy sets whole fields, so it keeps the host's value",
				     r->c.name, fd->c.name);
				fprintf(f, "        # %s: only partly fixed by the template: host value\n",
					fd->c.name);
			}
			/* 'x': the host's value, when every fleet kernel
			 * shows the field; else hidden. */
			if (fd->c.exposed_since != KFP_KV_NEVER &&
			    kfp_fleet_first_without(&g->fl, fd->c.exposed_since)) {
				fprintf(f, "        %s = %" PRIu64 "; # not shown by every fleet kernel\n",
					fd->c.name, kfp_field_hidden(fd));
				named++;
			}
		}
		if (named < r->nfields)
			fputs("        * >= 0;\n", f);
		fputs("    }\n", f);
		if (tr)
			for (unsigned b = 0; b < 128; b++)
				if ((b >= 64 || !(covered >> b & 1)) && bits_char(&tr->b, b) == '1')
					fc_warn(g, &tr->loc, "%s bit %u is set to 1, but no catalogued field covers it: not imported",
					     r->c.name, b);
	}

	/* vcpu_init: Firecracker starts from psci_0_2 and sets power_off on
	 * secondary vCPUs itself. */
	uint64_t feat0 = 0;
	const struct kfp_cat_vcpu_feature *psci = kfp_cat_find_vcpu(cat, "psci_0_2");
	if (psci)
		feat0 |= 1ull << psci->bit;
	for (size_t i = 0; i < t->nvcpu; i++) {
		const struct treg *v = &t->vcpu[i];
		if (v->addr == 0) {
			feat0 = (feat0 & ~v->b.filter[0]) | v->b.value[0];
		} else if (v->b.value[0]) {
			fc_warn(g, &v->loc, "vcpu_features word %" PRIu64 " sets bits KVM does not define: not imported",
			     v->addr);
		}
	}
	fputs("\n    vcpu_init {\n", f);
	for (size_t i = 0; i < cat->nvcpu; i++) {
		const struct kfp_cat_vcpu_feature *v = &cat->vcpu[i];
		if (!strcmp(v->c.name, "power_off"))
			continue;
		fprintf(f, "        %s %s;\n", v->c.name, feat0 >> v->bit & 1 ? "on" : "off");
	}
	fputs("    }\n", f);

	/* Hypercall services. */
	bool any = false;
	for (size_t i = 0; i < cat->nfw_regs; i++)
		any |= cat->fw_regs[i].bitmap && cat->fw_regs[i].nbits;
	if (any) {
		fputs("\n    hypercalls {\n", f);
		for (size_t i = 0; i < cat->nfw_regs; i++) {
			const struct kfp_cat_fw_reg *r = &cat->fw_regs[i];
			if (!r->bitmap)
				continue;
			for (size_t b = 0; b < r->nbits; b++) {
				const struct kfp_cat_fw_bit *fb = &r->bits[b];
				char c = reg_char(t->regs, t->nregs, r->id, fb->bit);
				bool on = c == '1' ||
					  (c == 'x' && !kfp_fleet_first_without(&g->fl, fb->c.exposed_since));
				fprintf(f, "        %s %s;\n", fb->c.name, on ? "on" : "off");
			}
		}
		fputs("    }\n", f);
	}
	fputs("\n    firmware_regs unknown zero;\n    unknown deny;\n", f);

	for (size_t i = 0; i < t->nregs; i++) {
		const struct treg *tr = &t->regs[i];
		if (kfp_cat_find_id_reg_by_id(cat, tr->addr))
			continue;
		const struct kfp_cat_fw_reg *fr = kfp_cat_find_fw_reg_by_id(cat, tr->addr);
		if (fr && fr->bitmap) {
			for (unsigned b = 0; b < 64; b++) {
				bool named = false;
				for (size_t q = 0; q < fr->nbits; q++)
					named |= fr->bits[q].bit == b;
				if (!named && bits_char(&tr->b, b) == '1')
					fc_warn(g, &tr->loc, "%s bit %u is set to 1, but the catalog has no service there: not imported",
					     fr->c.name, b);
			}
			continue;
		}
		if (tr->b.filter[0] || tr->b.filter[1])
			fc_warn(g, &tr->loc, "register 0x%016" PRIx64 " (%s) is not a catalogued ID register or hypercall bitmap: not imported",
			     tr->addr, fr ? fr->c.name : "unknown");
	}
}
