/* SPDX-License-Identifier: Apache-2.0 */
/* Scanner tests: tokens, values, locations and the scanner's own errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/ctx.h"
#include "grammar/lexer.h"
#include "grammar/parser.h"
#include "base/util.h"
#define YYSTYPE KFP_YYSTYPE
#define YYLTYPE KFP_YYLTYPE
#include "grammar/scanner.h"

struct tok {
	int kind;
	KFP_YYSTYPE val;
	KFP_YYLTYPE loc;
};

/* Scans text into at most max tokens (the last one is 0); returns count. */
static size_t scan(struct kfp_ctx *ctx, const char *text, size_t len,
		   struct tok *toks, size_t max)
{
	struct kfp_source *src = kfp_source_add(ctx, "t.kfp",
						kfp_xstrndup(text, len), len);
	struct kfp_lexer lx = { .ctx = ctx, .src = src, .line = 1, .col = 1 };
	yyscan_t sc;
	assert_int_equal(kfp_flex_lex_init_extra(&lx, &sc), 0);
	YY_BUFFER_STATE b = kfp_flex__scan_bytes(src->buf, (int)len, sc);
	size_t n = 0;
	do {
		assert_true(n < max);
		toks[n].kind = kfp_flex_lex(&toks[n].val, &toks[n].loc, sc);
	} while (toks[n++].kind != 0);
	kfp_flex__delete_buffer(b, sc);
	kfp_flex_lex_destroy(sc);
	return n;
}

static void free_toks(struct tok *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].kind == IDENT || t[i].kind == STRING || t[i].kind == GROUPREF)
			free(t[i].val.str);
}

static void test_keywords_and_names(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[16];
	kfp_ctx_init(&ctx);
	size_t n = scan(&ctx, "allow sse4.2 avx512-vl @core xsave _x", 37, t, 16);
	assert_int_equal(n, 7);
	assert_int_equal(t[0].kind, KW_ALLOW);
	assert_int_equal(t[1].kind, IDENT);
	assert_string_equal(t[1].val.str, "sse4.2");
	assert_int_equal(t[2].kind, IDENT);
	assert_string_equal(t[2].val.str, "avx512-vl");
	assert_int_equal(t[3].kind, GROUPREF);
	assert_string_equal(t[3].val.str, "core");
	assert_int_equal(t[4].kind, KW_XSAVE);
	assert_int_equal(t[5].kind, IDENT);
	assert_int_equal(t[6].kind, 0);
	assert_int_equal(ctx.errors, 0);
	free_toks(t, n);
	kfp_ctx_fini(&ctx);
}

static void test_numbers_and_versions(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[16];
	kfp_ctx_init(&ctx);
	const char *s = "0x7 42 0XfF 5.10 6.1.3 18446744073709551615 010 3dnow";
	size_t n = scan(&ctx, s, strlen(s), t, 16);
	assert_int_equal(n, 9);
	assert_int_equal(t[6].kind, NUMBER);
	assert_int_equal(t[6].val.num.value, 10); /* never octal */
	assert_int_equal(t[7].kind, IDENT);
	assert_string_equal(t[7].val.str, "3dnow");
	free(t[7].val.str);
	assert_int_equal(t[0].kind, NUMBER);
	assert_true(t[0].val.num.hex);
	assert_int_equal(t[0].val.num.value, 7);
	assert_false(t[1].val.num.hex);
	assert_int_equal(t[1].val.num.value, 42);
	assert_int_equal(t[2].val.num.value, 255);
	assert_int_equal(t[3].kind, KVER);
	assert_int_equal(t[3].val.kver.major, 5);
	assert_int_equal(t[3].val.kver.minor, 10);
	assert_int_equal(t[3].val.kver.parts, 2);
	assert_int_equal(t[4].kind, KVER);
	assert_int_equal(t[4].val.kver.patch, 3);
	assert_int_equal(t[4].val.kver.parts, 3);
	assert_int_equal(t[5].kind, NUMBER);
	assert_true(t[5].val.num.value == UINT64_MAX);
	assert_int_equal(ctx.errors, 0);
	kfp_ctx_fini(&ctx);
}

static void test_number_overflow(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[4];
	kfp_ctx_init(&ctx);
	scan(&ctx, "18446744073709551616", 20, t, 4);
	assert_int_equal(ctx.errors, 1);
	assert_non_null(strstr(ctx.diags[0].msg, "does not fit in 64 bits"));
	kfp_ctx_fini(&ctx);
}

static void test_locations(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[8];
	kfp_ctx_init(&ctx);
	const char *s = "x86_64 {\n\tdeny  rtm;\n}";
	size_t n = scan(&ctx, s, strlen(s), t, 8);
	assert_int_equal(n, 7);
	assert_int_equal(t[2].kind, KW_DENY);
	assert_int_equal(t[2].loc.line, 2);
	assert_int_equal(t[2].loc.col, 2);
	assert_int_equal(t[2].loc.end_col, 5);
	assert_int_equal(t[3].loc.col, 8);
	assert_int_equal(t[3].loc.off, 16);
	assert_int_equal(t[3].loc.end_off, 19);
	assert_int_equal(t[5].kind, '}');
	assert_int_equal(t[5].loc.line, 3);
	free_toks(t, n);
	kfp_ctx_fini(&ctx);
}

static void test_strings(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[4];
	kfp_ctx_init(&ctx);
	const char *s = "\"a\\\"b\\\\c\\td \xc3\xa9\"";
	size_t n = scan(&ctx, s, strlen(s), t, 4);
	assert_int_equal(t[0].kind, STRING);
	assert_string_equal(t[0].val.str, "a\"b\\c\td \xc3\xa9");
	assert_int_equal(ctx.errors, 0);
	free_toks(t, n);
	kfp_ctx_fini(&ctx);
}

static void test_bad_strings(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[8];
	kfp_ctx_init(&ctx);
	/* invalid UTF-8, bad escape, then an unterminated string */
	const char *s = "\"\xff\" \"\\q\" \"abc\n";
	size_t n = scan(&ctx, s, strlen(s), t, 8);
	assert_int_equal(ctx.errors, 3);
	assert_non_null(strstr(ctx.diags[0].msg, "invalid UTF-8 byte 0xff"));
	assert_int_equal(ctx.diags[0].loc.col, 2);
	assert_non_null(strstr(ctx.diags[1].msg, "unknown escape"));
	assert_non_null(strstr(ctx.diags[2].msg, "unterminated string"));
	assert_int_equal(ctx.diags[2].loc.col, 10);
	free_toks(t, n);
	kfp_ctx_fini(&ctx);
}

static void test_comments_kept(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[8];
	kfp_ctx_init(&ctx);
	const char *s = "# one\nallow // two\n/* three\n */ x";
	size_t n = scan(&ctx, s, strlen(s), t, 8);
	assert_int_equal(n, 3);
	const struct kfp_source *src = ctx.sources[0];
	assert_int_equal(src->ncomments, 3);
	assert_string_equal(src->comments[0].text, "# one");
	assert_string_equal(src->comments[1].text, "// two");
	assert_string_equal(src->comments[2].text, "/* three\n */");
	assert_int_equal(src->comments[2].loc.line, 3);
	assert_int_equal(src->comments[2].loc.end_line, 4);
	free_toks(t, n);
	kfp_ctx_fini(&ctx);
}

static void test_unterminated_comment(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[4];
	kfp_ctx_init(&ctx);
	scan(&ctx, "allow /* never closed", 21, t, 4);
	assert_int_equal(ctx.errors, 1);
	assert_string_equal(ctx.diags[0].msg, "unterminated comment");
	assert_int_equal(ctx.diags[0].loc.col, 7);
	kfp_ctx_fini(&ctx);
}

static void test_nul_in_comments(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[8];
	kfp_ctx_init(&ctx);
	const char s[] = "# a\0b\n/* c\n\0 */ x";
	size_t n = scan(&ctx, s, sizeof(s) - 1, t, 8);
	assert_int_equal(ctx.errors, 2);
	assert_string_equal(ctx.diags[0].msg, "NUL byte in a comment");
	assert_int_equal(ctx.diags[0].loc.line, 1);
	assert_int_equal(ctx.diags[0].loc.col, 4);
	assert_int_equal(ctx.diags[1].loc.line, 3);
	assert_int_equal(ctx.diags[1].loc.col, 1);
	free_toks(t, n);
	kfp_ctx_fini(&ctx);
}

static void test_junk(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[8];
	kfp_ctx_init(&ctx);
	const char s[] = { 'a', 0, 'b', ' ', '$', ' ', (char)0xfe, (char)0xfd };
	size_t n = scan(&ctx, s, sizeof(s), t, 8);
	assert_int_equal(t[1].kind, JUNK);
	assert_int_equal(ctx.errors, 3);
	assert_string_equal(ctx.diags[0].msg, "unexpected NUL byte");
	assert_int_equal(ctx.diags[0].loc.col, 2);
	assert_string_equal(ctx.diags[1].msg, "unexpected character '$'");
	assert_non_null(strstr(ctx.diags[2].msg, "non-ASCII byte 0xfe"));
	free_toks(t, n);
	kfp_ctx_fini(&ctx);
}

static void test_long_name(void **state)
{
	(void)state;
	struct kfp_ctx ctx;
	struct tok t[4];
	size_t len = 1 << 20;
	char *s = malloc(len);
	memset(s, 'a', len);
	kfp_ctx_init(&ctx);
	scan(&ctx, s, len, t, 4);
	assert_int_equal(t[0].kind, JUNK);
	assert_int_equal(ctx.errors, 1);
	assert_non_null(strstr(ctx.diags[0].msg, "name is too long"));
	kfp_ctx_fini(&ctx);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keywords_and_names),
		cmocka_unit_test(test_numbers_and_versions),
		cmocka_unit_test(test_number_overflow),
		cmocka_unit_test(test_locations),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_bad_strings),
		cmocka_unit_test(test_comments_kept),
		cmocka_unit_test(test_unterminated_comment),
		cmocka_unit_test(test_nul_in_comments),
		cmocka_unit_test(test_junk),
		cmocka_unit_test(test_long_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
