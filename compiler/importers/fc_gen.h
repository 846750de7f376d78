/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to compiler/importers/: writing the policy of a Firecracker
 * template (fc_template.h).  import_fc.c generates the policy for a kernel
 * and checks it; fc_x86.c and fc_arm64.c write each architecture's section.
 */
#ifndef KFP_COMPILER_IMPORTERS_FC_GEN_H
#define KFP_COMPILER_IMPORTERS_FC_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler/catalog/catalog.h"
#include "compiler/semantics/config.h"
#include "fc_template.h"

struct gen {
	const struct kfp_catalog *cat;
	const struct tpl *t;
	struct kfp_fleet fl; /* only min and kernels: for the kernel rules */
	FILE *f;
	char *const *outbuf;   /* the buffer behind f */
	struct kfp_ctx *diag;  /* warnings; NULL while trying kernels */
	bool skip;      /* this kernel cannot express a '1' of the template */
	char *why_skip;
	/* arm64: fields the template fixes but the policy cannot (the
	 * compiler said why), by register index * 64 + field index; and
	 * which generated line holds each `FIELD = v;`. */
	char **fallback;
	size_t nfallback;
	uint32_t *field_line;
};

/* A warning about the template, at the entry `at` (NULL: the template as a
 * whole), when g reports them. */
void fc_warn(const struct gen *g, const struct kfp_loc *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A statement per `per` names, so that lines stay readable. */
void fc_name_stmts(FILE *f, const char *indent, const char *prefix, const char **names,
		   size_t n, size_t per);
/* "# text" lines wrapped at about 76 columns. */
void fc_comment(FILE *f, const char *indent, const char *text);
/* The line the next output starts on. */
uint32_t fc_cur_line(FILE *f, char *const *buf);
/* "0b" and width characters 0, 1 or x. */
void fc_bitmap_text(char *buf, const struct bits *b, unsigned width);

/* The body of the x86_64 or arm64 section. */
void fc_x86_policy(struct gen *g);
void fc_arm64_policy(struct gen *g);

#endif
