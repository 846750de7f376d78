/* SPDX-License-Identifier: Apache-2.0 */
#include "parse.h"

#include <stdint.h>

#include "lexer.h"
#include "parser.h"
/* scanner.h speaks of YYSTYPE/YYLTYPE; the parser is prefixed. */
#define YYSTYPE KFP_YYSTYPE
#define YYLTYPE KFP_YYLTYPE
#include "scanner.h"

int kfp_yylex(KFP_YYSTYPE *val, KFP_YYLTYPE *loc, struct kfp_lexer *lx)
{
	/* After too many errors, end the input instead of scanning on. */
	if (lx->ctx->too_many)
		return KFP_YYEOF;
	lx->last_line = lx->tok_line;
	int tok = kfp_flex_lex(val, loc, (yyscan_t)lx->scanner);
	lx->tok_line = loc->end_line;
	return tok;
}

struct kfp_node *kfp_parse_source(struct kfp_ctx *ctx, struct kfp_source *src)
{
	struct kfp_lexer lx = {
		.ctx = ctx,
		.src = src,
		.line = 1,
		.col = 1,
	};
	yyscan_t scanner;

	if (src->len > UINT32_MAX - 1) {
		kfp_error(ctx, NULL, "%s: file too large", src->path);
		return NULL;
	}
	if (kfp_flex_lex_init_extra(&lx, &scanner))
		return NULL;
	lx.scanner = scanner;
	YY_BUFFER_STATE buf = kfp_flex__scan_bytes(src->buf, (int)src->len, scanner);
	kfp_yyparse(&lx);
	kfp_flex__delete_buffer(buf, scanner);
	kfp_flex_lex_destroy(scanner);
	return lx.result;
}
