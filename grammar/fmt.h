/* SPDX-License-Identifier: Apache-2.0 */
/* `kfpc fmt`: prints a parsed file in canonical form, keeping comments. */
#ifndef KFP_GRAMMAR_FMT_H
#define KFP_GRAMMAR_FMT_H

#include <stdio.h>

#include "ast.h"

/* Prints the statements of one file (includes are printed as include
 * statements, not inlined).  Canonical form: four-space indentation, one
 * statement per line, blocks open on the statement's line, at most one blank
 * line kept between statements, numbers in the radix they were written in
 * (hex in lower case), and comments kept where they were (a comment inside a
 * one-line statement moves to the end of that statement).  Formatting the
 * output again gives the same bytes. */
void kfp_fmt(const struct kfp_source *src, const struct kfp_node *stmts,
	     FILE *out);

#endif
