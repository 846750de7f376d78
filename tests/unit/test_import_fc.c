/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Firecracker template reader (compiler/importers/fc_template.c): JSON
 * read through libyaml, and the corners where JSON and YAML differ.  Each
 * input is either read, or refused with one error located in the template.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/ctx.h"
#include "base/util.h"
#include "compiler/importers/fc_template.h"

struct run {
	struct kfp_ctx ctx;
	struct tpl t;
	bool ok;
};

static void run_text(struct run *r, const char *text, size_t len)
{
	kfp_ctx_init(&r->ctx);
	char *buf = kfp_xmalloc(len + 1);
	memcpy(buf, text, len);
	buf[len] = 0;
	struct kfp_source *src = kfp_source_add(&r->ctx, "t.json", buf, len);
	r->ok = fc_template_read(&r->ctx, src, &r->t);
}

static void done(struct run *r)
{
	fc_template_free(&r->t);
	kfp_ctx_fini(&r->ctx);
}

/* Read without a diagnostic. */
static void accepted(const char *text, struct run *r)
{
	run_text(r, text, strlen(text));
	if (!r->ok || r->ctx.ndiags)
		fail_msg("refused: %s\n  %s", text, r->ctx.ndiags ? r->ctx.diags[0].msg : "(no message)");
}

/* Refused with exactly one error at line:col containing msg. */
static void refused_n(const char *text, size_t len, uint32_t line, uint32_t col, const char *msg)
{
	struct run r;
	run_text(&r, text, len);
	if (r.ok)
		fail_msg("accepted: %s", text);
	assert_int_equal(r.ctx.ndiags, 1);
	const struct kfp_diag *d = &r.ctx.diags[0];
	assert_int_equal(d->sev, KFP_SEV_ERROR);
	if (!strstr(d->msg, msg))
		fail_msg("%s\n  says '%s', not '%s'", text, d->msg, msg);
	assert_true(d->has_loc);
	if (d->loc.line != line || d->loc.col != col)
		fail_msg("%s\n  '%s' at %u:%u, not %u:%u", text, d->msg, d->loc.line, d->loc.col,
			 line, col);
	done(&r);
}

static void refused(const char *text, uint32_t line, uint32_t col, const char *msg)
{
	refused_n(text, strlen(text), line, col, msg);
}

static void test_template_read(void **state)
{
	(void)state;
	struct run r;
	accepted("{\"cpuid_modifiers\": [{\"leaf\": \"0x1\", \"subleaf\": \"0x0\", \"flags\": 0,\n"
		 " \"modifiers\": [{\"register\": \"ecx\", \"bitmap\": \"0b1x0\"},\n"
		 "               {\"register\": \"ecx\", \"bitmap\": \"0b0_1\"}]}],\n"
		 " \"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b1\"}],\n"
		 " \"kvm_capabilities\": [\"171\", \"!172\"]}\n",
		 &r);
	assert_true(r.t.x86);
	assert_int_equal(r.t.ncpuid, 1);
	/* Modifiers apply in order: bit 0 '0' then '1', bit 1 'x' then '0'. */
	assert_int_equal(bits_char(&r.t.cpuid[0].regs[2], 0), '1');
	assert_int_equal(bits_char(&r.t.cpuid[0].regs[2], 1), '0');
	assert_int_equal(bits_char(&r.t.cpuid[0].regs[2], 2), '1');
	assert_int_equal(bits_char(&r.t.cpuid[0].regs[2], 3), 'x');
	assert_int_equal(r.t.cpuid[0].loc.line, 1);
	assert_int_equal(r.t.cpuid[0].loc.col, 22);
	assert_int_equal(r.t.nmsrs, 1);
	assert_int_equal(r.t.msrs[0].loc.line, 4);
	assert_int_equal(r.t.ncaps, 2);
	done(&r);
}

/* JSON escapes: "\/" and \uXXXX are JSON, decoded by libyaml. */
static void test_escapes(void **state)
{
	(void)state;
	struct run r;
	accepted("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"a\\/b\", \"\\\"\\\\\\b\\f\\n\\r\\t\"]}", &r);
	done(&r);
	/* A member name spelt with \u escapes is the same name. */
	accepted("{\"msr\\u005fmodifiers\": [{\"addr\": \"\\u0030x10a\", \"bitmap\": \"0b1\"}]}", &r);
	assert_int_equal(r.t.nmsrs, 1);
	assert_int_equal(r.t.msrs[0].addr, 0x10a);
	done(&r);
	accepted("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"\\u00e9\\u20ac\", \"\xc3\xa9\"]}", &r);
	done(&r);
	/* libyaml does not decode surrogate pairs: refused, not misread. */
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"x\\ud83d\\ude00\"]}", 1, 46,
		"surrogate pair");
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"\\ude00\"]}", 1, 45, "surrogate");
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"\\u0000\"]}", 1, 45,
		"\\u0000 in a string");
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"\\u12\"]}", 1, 49,
		"\\u needs four hexadecimal digits");
	/* YAML's own escapes are not JSON. */
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"\\x41\"]}", 1, 46,
		"unknown escape in a string");
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"\\0\"]}", 1, 46,
		"unknown escape in a string");
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"a\tb\"]}", 1, 46,
		"control character in a string");
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"a\nb\"]}", 1, 46,
		"unterminated string");
	/* JSON is UTF-8. */
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [\"\xff\"]}", 1, 45,
		"libyaml cannot read this JSON");
}

/* Tabs, CRs and newlines are JSON whitespace anywhere between tokens,
 * where YAML refuses a tab at the start of a line. */
static void test_whitespace(void **state)
{
	(void)state;
	struct run r;
	accepted("\t{\t\"msr_modifiers\"\t:\t[\r\n\t\t{\"addr\": \"0x10a\",\r\n\t\t \"bitmap\": \"0b1\"}\t]\t}\t\r\n",
		 &r);
	assert_int_equal(r.t.msrs[0].loc.line, 2);
	assert_int_equal(r.t.msrs[0].loc.col, 3);
	done(&r);
	refused("\t{\t\"msr_modifiers\":\r\n\t[{\"addr\": \"0x10a\", \"bitmap\": \"0b2\"}]}", 2, 31,
		"has the character '2'");
}

/* JSON leaves duplicate member names to the reader; YAML readers keep one
 * of them.  Firecracker refuses them, and so does kfp, at any depth. */
static void test_duplicates(void **state)
{
	(void)state;
	refused("{\"msr_modifiers\": [],\n \"msr_modifiers\": []}", 2, 2,
		"duplicate member \"msr_modifiers\"");
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [{\"a\": 1, \"a\": 1}]}", 1, 53,
		"duplicate member \"a\"");
	refused("{\"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b1\", \"addr\": \"0x10b\"}]}",
		1, 55, "duplicate member \"addr\"");
}

/* Numbers are read as written: a long one is too big, not rounded. */
static void test_numbers(void **state)
{
	(void)state;
	struct run r;
	char big[1200] = "{\"msr_modifiers\": [], \"kvm_capabilities\": [";
	size_t n = strlen(big);
	memset(big + n, '7', 1000);
	strcpy(big + n + 1000, ", -0.5e-3, 1E+2, 0, true, false, null]}");
	accepted(big, &r);
	assert_int_equal(r.t.ncaps, 7);
	done(&r);
#define FLAGS(v)                                                               \
	snprintf(text, sizeof(text),                                           \
		 "{\"cpuid_modifiers\": [{\"leaf\": \"0x1\", \"subleaf\": \"0x0\", \"flags\": %s, \"modifiers\": []}]}", \
		 v)
	char text[256];
	FLAGS("99999999999999999999999999999999");
	refused(text, 1, 65, "flags 99999999999999999999999999999999 does not fit in 32 bits");
	FLAGS("4294967296");
	refused(text, 1, 65, "does not fit in 32 bits");
	FLAGS("1e3");
	refused(text, 1, 65, "flags must be a non-negative integer");
	FLAGS("\"1\"");
	refused(text, 1, 65, "flags must be a non-negative integer");
	FLAGS("01");
	refused(text, 1, 65, "'01' is not a JSON number");
	FLAGS("-");
	refused(text, 1, 65, "'-' is not a JSON number");
	FLAGS("0x1");
	refused(text, 1, 65, "'0x1' is not a JSON number");
	refused("{\"msr_modifiers\": [{\"addr\": \"0x100000000\", \"bitmap\": \"0b1\"}]}", 1, 29,
		"addr \"0x100000000\" does not fit in 32 bits");
	refused("{\"reg_modifiers\": [{\"addr\": \"0x10000000000000000\", \"bitmap\": \"0b1\"}]}", 1,
		29, "does not fit in 64 bits");
}

/* Nesting is bounded (64 levels), before libyaml sees the text. */
static void test_depth(void **state)
{
	(void)state;
	struct run r;
	char text[512];
	/* The object and the array are 2 levels; 62 more make 64. */
	snprintf(text, sizeof(text), "{\"msr_modifiers\": [], \"kvm_capabilities\": [%.*s%.*s]}", 62,
		 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 62,
		 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
	accepted(text, &r);
	done(&r);
	snprintf(text, sizeof(text), "{\"msr_modifiers\": [], \"kvm_capabilities\": [%.*s%.*s]}", 63,
		 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 63,
		 "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
	refused(text, 1, 106, "nested too deeply");
	size_t deep = 100000;
	char *big = kfp_xmalloc(deep + 1);
	memset(big, '[', deep);
	big[deep] = 0;
	refused(big, 1, 65, "nested too deeply");
	free(big);
}

/* What YAML reads and JSON does not is refused where it is. */
static void test_not_json(void **state)
{
	(void)state;
	refused("msr_modifiers: []\n", 1, 1, "unexpected character 'm'");
	refused("--- {\"msr_modifiers\": []}\n", 1, 1, "is not a JSON number");
	refused("{\"msr_modifiers\": []}\n---\n{}\n", 2, 1, "unexpected text after the JSON value");
	refused("{\"msr_modifiers\": []} # comment\n", 1, 23, "unexpected text after the JSON value");
	refused("{\"msr_modifiers\": [] # comment\n}\n", 1, 22, "expected ',' or '}'");
	refused("{'msr_modifiers': []}", 1, 2, "expected a member name (a string)");
	refused("{msr_modifiers: []}", 1, 2, "expected a member name (a string)");
	refused("{\"msr_modifiers\": [],}", 1, 22, "expected a member name (a string)");
	refused("{\"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b1\"},]}", 1, 55,
		"unexpected character ']'");
	refused("{\"msr_modifiers\" []}", 1, 18, "expected ':' after a member name");
	refused("{\"msr_modifiers\": [ }", 1, 21, "unexpected character '}'");
	refused("{\"msr_modifiers\": [\"a\": 1]}", 1, 23, "expected ',' or ']'");
	refused("{\"msr_modifiers\": [1 2]}", 1, 22, "expected ',' or ']'");
	refused("{\"msr_modifiers\": &a []}", 1, 19, "unexpected character '&'");
	refused("{\"msr_modifiers\": !!seq []}", 1, 19, "unexpected character '!'");
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [yes]}", 1, 44,
		"unexpected character 'y'");
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": [True]}", 1, 44,
		"unexpected character 'T'");
	refused("\xef\xbb\xbf{\"msr_modifiers\": []}", 1, 1, "unexpected character");
	refused("{\"msr_modifiers\": [", 1, 20, "unexpected end of file");
	refused("", 1, 1, "unexpected end of file");
	refused_n("{\"msr_modifiers\": []}\0", 22, 1, 1, "the file contains a NUL byte");
	/* A member name longer than libyaml's 1024-character limit on
	 * implicit keys: JSON, but refused, loudly. */
	char text[1200] = "{\"msr_modifiers\": [], \"";
	size_t n = strlen(text);
	memset(text + n, 'k', 1100);
	strcpy(text + n + 1100, "\": 1}");
	struct run r;
	run_text(&r, text, strlen(text));
	assert_false(r.ok);
	assert_int_equal(r.ctx.ndiags, 1);
	assert_non_null(strstr(r.ctx.diags[0].msg, "libyaml cannot read this JSON"));
	assert_true(r.ctx.diags[0].has_loc);
	done(&r);
}

/* The template's own rules. */
static void test_template_rules(void **state)
{
	(void)state;
	refused("[]", 1, 1, "a CPU template must be an object");
	refused("{}", 1, 1, "the template modifies nothing");
	refused("{\"reg_modifiers\": [], \"cpuid_modifiers\": []}", 1, 1, "mixes x86_64 members");
	refused("{\"cpuid_modifiers\": [], \"extra\": 1}", 1, 34, "unknown member \"extra\" in a CPU template");
	refused("{\"cpuid_modifiers\": [{\"leaf\": \"0x1\", \"subleaf\": \"0x0\", \"flags\": 0,\n"
		" \"modifiers\": [{\"register\": \"eex\", \"bitmap\": \"0b1\"}]}]}\n",
		2, 29, "register must be \"eax\", \"ebx\", \"ecx\" or \"edx\"");
	refused("{\"cpuid_modifiers\": [{\"leaf\": \"0x1\"}]}", 1, 22, "a cpuid modifier has no \"subleaf\"");
	refused("{\"vcpu_features\": [{\"index\": 7, \"bitmap\": \"0b1\"}]}", 1, 30,
		"index 7 is past the 7 words");
	refused("{\"msr_modifiers\": [{\"addr\": \"0x10a\", \"bitmap\": \"0b1_0000000000000000000000000000000000000000000000000000000000000000\"}]}",
		1, 48, "is longer than the register's 64 bits");
	refused("{\"msr_modifiers\": {}}", 1, 19, "msr_modifiers must be an array");
	refused("{\"msr_modifiers\": [], \"kvm_capabilities\": {}}", 1, 43,
		"kvm_capabilities must be an array");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_template_read), cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_whitespace),    cmocka_unit_test(test_duplicates),
		cmocka_unit_test(test_numbers),       cmocka_unit_test(test_depth),
		cmocka_unit_test(test_not_json),      cmocka_unit_test(test_template_rules),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
