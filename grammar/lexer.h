/* SPDX-License-Identifier: Apache-2.0 */
/* State shared by the scanner and the parser (internal to grammar/). */
#ifndef KFP_GRAMMAR_LEXER_H
#define KFP_GRAMMAR_LEXER_H

#include "ast.h"
#include "base/ctx.h"

/* Identifiers longer than this are refused (names in the catalog are far
 * shorter; this keeps a 1 MB "identifier" from reaching the compiler). */
#define KFP_MAX_IDENT 128

struct kfp_lexer {
	struct kfp_ctx *ctx;
	struct kfp_source *src;
	uint32_t off, line, col;    /* position of the next byte */
	struct kfp_loc comment_loc; /* start of an open block comment */
	struct kfp_node *result, *result_tail;
	uint32_t tok_line;  /* line of the current token */
	uint32_t last_line; /* line of the last token before the current one */
	void *scanner; /* the flex scanner (yyscan_t) */
};

/* The keyword spellings, for "did you mean" (NULL-terminated). */
extern const char *const kfp_keywords[];

#endif
