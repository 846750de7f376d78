/* SPDX-License-Identifier: Apache-2.0 */
#include "fmt.h"

#include <inttypes.h>

struct printer {
	FILE *out;
	const struct kfp_source *src;
	size_t next;        /* next comment to print */
	uint32_t last_line; /* last source line printed, for blank lines */
	bool at_start;      /* nothing printed yet in this block */
};

static void indent(struct printer *p, int depth)
{
	for (int i = 0; i < depth; i++)
		fputs("    ", p->out);
}

static const struct kfp_comment *peek(const struct printer *p)
{
	return p->next < p->src->ncomments ? &p->src->comments[p->next] : NULL;
}

/* Keeps one blank line where the source had one or more. */
static void gap(struct printer *p, uint32_t line)
{
	if (!p->at_start && p->last_line && line > p->last_line + 1)
		fputc('\n', p->out);
	p->at_start = false;
}

/* Comments that start before `off` go on lines of their own. */
static void comments_before(struct printer *p, uint32_t off, int depth)
{
	const struct kfp_comment *c;
	while ((c = peek(p)) && c->loc.off < off) {
		gap(p, c->loc.line);
		indent(p, depth);
		fprintf(p->out, "%s\n", c->text);
		p->last_line = c->loc.end_line;
		p->next++;
	}
}

/* After a statement: comments inside it (before `end_off`) and one that
 * starts on its last line go at the end of the printed line. */
static void comments_trailing(struct printer *p, uint32_t end_off,
			      uint32_t line)
{
	const struct kfp_comment *c;
	while ((c = peek(p)) &&
	       (c->loc.off < end_off || (c->loc.line == line && c->loc.line == c->loc.end_line))) {
		fprintf(p->out, "  %s", c->text);
		p->next++;
		if (c->loc.off >= end_off)
			break;
	}
	fputc('\n', p->out);
	p->last_line = line;
}

static void print_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		switch (*s) {
		case '"': fputs("\\\"", out); break;
		case '\\': fputs("\\\\", out); break;
		case '\n': fputs("\\n", out); break;
		case '\t': fputs("\\t", out); break;
		default: fputc(*s, out); break;
		}
	}
	fputc('"', out);
}

static void print_number(FILE *out, const struct kfp_number *n)
{
	if (n->hex)
		fprintf(out, "0x%" PRIx64, n->value);
	else
		fprintf(out, "%" PRIu64, n->value);
}

static void print_kver(FILE *out, const struct kfp_kver *v)
{
	fprintf(out, "%u.%u", v->major, v->minor);
	if (v->parts > 2)
		fprintf(out, ".%u", v->patch);
}

static void print_names(FILE *out, const struct kfp_names *names)
{
	for (size_t i = 0; i < names->n; i++)
		fprintf(out, " %s%s", names->v[i].group_ref ? "@" : "",
			names->v[i].text);
}

static void print_block(struct printer *p, const struct kfp_node *n, int depth);

static void print_stmt(struct printer *p, const struct kfp_node *n, int depth)
{
	FILE *out = p->out;

	comments_before(p, n->loc.off, depth);
	gap(p, n->loc.line);
	indent(p, depth);
	switch (n->kind) {
	case KFP_N_POLICY:
		fputs("policy ", out);
		print_string(out, n->name);
		fputs(" version ", out);
		print_number(out, &n->u.policy.version);
		fputc(';', out);
		break;
	case KFP_N_INCLUDE:
		fputs("include ", out);
		print_string(out, n->name);
		fputc(';', out);
		break;
	case KFP_N_HOSTS:
		fputs("hosts ", out);
		print_string(out, n->name);
		fputc(';', out);
		break;
	case KFP_N_ARCH:
		fprintf(out, "arch %s;", kfp_arch_name(n->u.arch.arch));
		break;
	case KFP_N_MIN_KERNEL:
		fputs("min_kernel ", out);
		print_kver(out, &n->u.min_kernel);
		fputc(';', out);
		break;
	case KFP_N_KERNELS:
		fputs("kernels", out);
		for (size_t i = 0; i < n->u.kernels.n; i++) {
			fputc(' ', out);
			print_kver(out, &n->u.kernels.v[i]);
		}
		fputc(';', out);
		break;
	case KFP_N_VENDORS:
		fputs("vendors", out);
		print_names(out, &n->u.vendors);
		fputc(';', out);
		break;
	case KFP_N_GROUP:
		fprintf(out, "group %s {", n->name);
		print_names(out, &n->u.group);
		fputs(" }", out);
		break;
	case KFP_N_FEATURES:
		if (n->u.features.domain != KFP_DOM_CPUID &&
		    n->u.features.domain != KFP_DOM_MSR)
			fprintf(out, "%s ", kfp_domain_keyword(n->u.features.domain));
		fputs(kfp_action_name(n->u.features.action), out);
		print_names(out, &n->u.features.names);
		fputc(';', out);
		break;
	case KFP_N_CPUID:
		fputs("cpuid ", out);
		print_number(out, &n->u.cpuid.leaf);
		fputc(' ', out);
		print_number(out, &n->u.cpuid.subleaf);
		fprintf(out, " %s bit ", n->u.cpuid.reg);
		print_number(out, &n->u.cpuid.bit);
		fputs(" = ", out);
		print_number(out, &n->u.cpuid.value);
		fputc(';', out);
		break;
	case KFP_N_UNKNOWN:
		fprintf(out, "unknown %s;",
			kfp_unknown_rule_name(n->u.unknown.rule));
		break;
	case KFP_N_FIRMWARE_REGS:
		fprintf(out, "firmware_regs unknown %s;",
			kfp_unknown_rule_name(n->u.unknown.rule));
		break;
	case KFP_N_FIELD:
		fprintf(out, "%s %s ", n->name, kfp_cmp_name(n->u.field.cmp));
		if (n->u.field.value.named)
			fputs(n->u.field.value.name, out);
		else
			print_number(out, &n->u.field.value.num);
		fputc(';', out);
		break;
	case KFP_N_SWITCH:
		fputs(n->name, out);
		if (n->u.sw.state == KFP_SWITCH_ON)
			fputs(" on", out);
		else if (n->u.sw.state == KFP_SWITCH_OFF)
			fputs(" off", out);
		fputc(';', out);
		break;
	case KFP_N_FLEET:
		fputs("fleet ", out);
		print_string(out, n->name);
		print_block(p, n, depth);
		return;
	case KFP_N_SECTION:
		fputs(kfp_arch_name(n->u.arch.arch), out);
		print_block(p, n, depth);
		return;
	case KFP_N_MSR:
		fprintf(out, "msr %s", n->name);
		print_block(p, n, depth);
		return;
	case KFP_N_ID_REG:
		fprintf(out, "id_reg %s", n->name);
		print_block(p, n, depth);
		return;
	case KFP_N_VCPU_INIT:
		fputs("vcpu_init", out);
		print_block(p, n, depth);
		return;
	case KFP_N_HYPERCALLS:
		fputs("hypercalls", out);
		print_block(p, n, depth);
		return;
	}
	comments_trailing(p, n->loc.end_off, n->loc.end_line);
}

static void print_block(struct printer *p, const struct kfp_node *n, int depth)
{
	const struct kfp_comment *c;
	uint32_t first = n->children ? n->children->loc.off : n->end_loc.off;

	fputs(" {", p->out);
	/* A comment on the opening line stays there. */
	c = peek(p);
	if (c && c->loc.off < first && c->loc.line == n->loc.line &&
	    c->loc.end_line == c->loc.line) {
		fprintf(p->out, "  %s", c->text);
		p->next++;
	}
	fputc('\n', p->out);
	p->last_line = n->loc.line;
	p->at_start = true;
	for (const struct kfp_node *k = n->children; k; k = k->next)
		print_stmt(p, k, depth + 1);
	comments_before(p, n->end_loc.off, depth + 1);
	indent(p, depth);
	fputc('}', p->out);
	p->at_start = false;
	comments_trailing(p, n->end_loc.end_off, n->end_loc.line);
}

void kfp_fmt(const struct kfp_source *src, const struct kfp_node *stmts,
	     FILE *out)
{
	struct printer p = { .out = out, .src = src, .at_start = true };

	for (const struct kfp_node *n = stmts; n; n = n->next)
		print_stmt(&p, n, 0);
	comments_before(&p, UINT32_MAX, 0);
}
