/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The .kfp grammar.  Pure, reentrant, with locations; syntax errors are
 * reported through parse.error custom so that they read "unexpected X,
 * expected A, B or C" and suggest a keyword for a misspelled one.  The parser
 * recovers at statement boundaries (';' and '}').  Actions only build the
 * tree and queue diagnostics; they never print.
 */
%require "3.8"
%define api.pure full
%define api.prefix {kfp_yy}
%define api.location.type {struct kfp_loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {struct kfp_lexer *lx}

%code requires {
#include "grammar/ast.h"
#include "grammar/lexer.h"

/* A list under construction: O(1) append. */
struct kfp_node_list {
	struct kfp_node *head, *tail;
};

#define YYLLOC_DEFAULT(cur, rhs, n)                                            \
	do {                                                                   \
		if (n) {                                                       \
			(cur) = YYRHSLOC(rhs, 1);                              \
			(cur).end_line = YYRHSLOC(rhs, n).end_line;            \
			(cur).end_col = YYRHSLOC(rhs, n).end_col;              \
			(cur).end_off = YYRHSLOC(rhs, n).end_off;              \
		} else {                                                       \
			(cur) = YYRHSLOC(rhs, 0);                              \
			(cur).line = (cur).end_line;                           \
			(cur).col = (cur).end_col;                             \
			(cur).off = (cur).end_off;                             \
		}                                                              \
	} while (0)
}

%code provides {
int kfp_yylex(KFP_YYSTYPE *val, KFP_YYLTYPE *loc, struct kfp_lexer *lx);
}

%code {
#include <stdlib.h>
#include <string.h>

#include "base/util.h"

static struct kfp_node_list list_append(struct kfp_node_list l,
					struct kfp_node *n)
{
	if (!n)
		return l;
	if (l.tail)
		l.tail->next = n;
	else
		l.head = n;
	l.tail = n;
	return l;
}

static struct kfp_node *node(enum kfp_node_kind kind, const struct kfp_loc *loc)
{
	return kfp_node_new(kind, loc);
}

static struct kfp_node *block(enum kfp_node_kind kind, const struct kfp_loc *loc,
			      struct kfp_node_list body, const struct kfp_loc *end)
{
	struct kfp_node *n = kfp_node_new(kind, loc);
	n->children = body.head;
	n->end_loc = *end;
	return n;
}

static struct kfp_node *features(const struct kfp_loc *loc, enum kfp_domain dom,
				 enum kfp_action act, const struct kfp_loc *act_loc,
				 struct kfp_names names)
{
	struct kfp_node *n = kfp_node_new(KFP_N_FEATURES, loc);
	n->u.features.domain = dom;
	n->u.features.action = act;
	n->u.features.action_loc = *act_loc;
	n->u.features.names = names;
	return n;
}

static struct kfp_name name_of(char *text, const struct kfp_loc *loc, bool group)
{
	return (struct kfp_name){ .text = text, .loc = *loc, .group_ref = group };
}

static void yyerror(const KFP_YYLTYPE *loc, struct kfp_lexer *lx, const char *msg)
{
	kfp_error(lx->ctx, loc, "%s", msg);
}
}

%union {
	char *str;
	struct kfp_number num;
	struct kfp_kver kver;
	struct kfp_node *node;
	struct kfp_node_list list;
	struct kfp_names names;
	struct kfp_name name;
	struct kfp_value value;
	struct kfp_kvers kvers;
	int ival;
}

%token <str> IDENT "identifier"
%token <str> STRING "string"
%token <str> GROUPREF "group reference"
%token <num> NUMBER "number"
%token <kver> KVER "kernel version"
%token JUNK "invalid input"
%token LE "<=" GE ">="
%token KW_POLICY "policy" KW_VERSION "version" KW_INCLUDE "include"
%token KW_FLEET "fleet" KW_ARCH "arch" KW_MIN_KERNEL "min_kernel" KW_KERNELS "kernels"
%token KW_HOSTS "hosts" KW_GROUP "group" KW_X86_64 "x86_64" KW_ARM64 "arm64"
%token KW_AARCH64 "aarch64" KW_ALLOW "allow" KW_DENY "deny"
%token KW_REQUIRE "require" KW_XSAVE "xsave" KW_KVM "kvm" KW_HYPERV "hyperv" KW_VMX "vmx"
%token KW_MSR "msr" KW_CPUID "cpuid" KW_BIT "bit" KW_UNKNOWN "unknown"
%token KW_ID_REG "id_reg" KW_VCPU_INIT "vcpu_init" KW_HYPERCALLS "hypercalls"
%token KW_FIRMWARE_REGS "firmware_regs" KW_ON "on" KW_OFF "off" KW_ZERO "zero"
%token KW_VENDORS "vendors"

%type <list> fleet_list sec_list msr_list field_list switch_list
%type <node> top_stmt policy_stmt include_stmt fleet_stmt group_stmt section
%type <node> fleet_item sec_stmt msr_stmt field_stmt switch_stmt
%type <names> name_list ident_list
%type <kvers> kver_list
%type <name> name_item
%type <ival> arch_kw action domain_kw cmp unknown_rule switch_state
%type <value> value

%destructor { free($$); } <str>
%destructor { kfp_node_free($$); } <node>
%destructor { kfp_node_free($$.head); } <list>
%destructor { kfp_names_free(&$$); } <names>
%destructor { free($$.text); } <name>
%destructor { free($$.name); } <value>
%destructor { free($$.v); } <kvers>

%start file

%%

/* Top-level statements go straight to the lexer's result list, so that a
 * file whose parse had to be abandoned still yields what did parse. */
file
	: %empty
	| file top_stmt
		{
			struct kfp_node_list l = { lx->result, lx->result_tail };
			l = list_append(l, $2);
			lx->result = l.head;
			lx->result_tail = l.tail;
		}
	| file error ';'                { yyerrok; }
	| file error '}'                { yyerrok; }
	;

top_stmt
	: policy_stmt
	| include_stmt
	| fleet_stmt
	| group_stmt
	| section
	;

policy_stmt
	: KW_POLICY STRING KW_VERSION NUMBER ';'
		{
			$$ = node(KFP_N_POLICY, &@$);
			$$->name = $2;
			$$->name_loc = @2;
			$$->u.policy.version = $4;
		}
	;

include_stmt
	: KW_INCLUDE STRING ';'
		{
			$$ = node(KFP_N_INCLUDE, &@$);
			$$->name = $2;
			$$->name_loc = @2;
		}
	;

fleet_stmt
	: KW_FLEET STRING '{' fleet_list '}'
		{
			$$ = block(KFP_N_FLEET, &@$, $4, &@5);
			$$->name = $2;
			$$->name_loc = @2;
		}
	| KW_FLEET STRING '{' fleet_list error '}'
		{
			$$ = block(KFP_N_FLEET, &@$, $4, &@6);
			$$->name = $2;
			$$->name_loc = @2;
			yyerrok;
		}
	;

fleet_list
	: %empty                        { $$ = (struct kfp_node_list){ 0 }; }
	| fleet_list fleet_item         { $$ = list_append($1, $2); }
	| fleet_list error ';'          { $$ = $1; yyerrok; }
	;

fleet_item
	: KW_ARCH arch_kw ';'
		{
			$$ = node(KFP_N_ARCH, &@$);
			$$->u.arch.arch = (enum kfp_arch)($2 & 1);
			$$->u.arch.alias = $2 & 2;
			$$->name_loc = @2;
		}
	| KW_MIN_KERNEL KVER ';'
		{
			$$ = node(KFP_N_MIN_KERNEL, &@$);
			$$->u.min_kernel = $2;
		}
	| KW_MIN_KERNEL NUMBER ';'
		{
			kfp_error(lx->ctx, &@2,
				  "a kernel version needs major and minor numbers, e.g. %llu.0",
				  (unsigned long long)$2.value);
			$$ = NULL;
		}
	| KW_KERNELS kver_list ';'
		{
			$$ = node(KFP_N_KERNELS, &@$);
			$$->u.kernels = $2;
		}
	| KW_VENDORS ident_list ';'
		{
			$$ = node(KFP_N_VENDORS, &@$);
			$$->u.vendors = $2;
		}
	| KW_HOSTS STRING ';'
		{
			$$ = node(KFP_N_HOSTS, &@$);
			$$->name = $2;
			$$->name_loc = @2;
		}
	| section
	;

kver_list
	: KVER                          { $$ = (struct kfp_kvers){ 0 }; kfp_kvers_push(&$$, $1); }
	| kver_list KVER                { $$ = $1; kfp_kvers_push(&$$, $2); }
	;

group_stmt
	: KW_GROUP IDENT '{' name_list '}'
		{
			$$ = node(KFP_N_GROUP, &@$);
			$$->name = $2;
			$$->name_loc = @2;
			$$->u.group = $4;
			$$->end_loc = @5;
		}
	;

/* Bit 0 is the architecture, bit 1 says it was written with an alias. */
arch_kw
	: KW_X86_64                     { $$ = KFP_ARCH_X86_64; }
	| KW_ARM64                      { $$ = KFP_ARCH_ARM64; }
	| KW_AARCH64                    { $$ = KFP_ARCH_ARM64 | 2; }
	;

section
	: arch_kw '{' sec_list '}'
		{
			$$ = block(KFP_N_SECTION, &@$, $3, &@4);
			$$->u.arch.arch = (enum kfp_arch)($1 & 1);
			$$->u.arch.alias = $1 & 2;
			$$->name_loc = @1;
		}
	| arch_kw '{' sec_list error '}'
		{
			$$ = block(KFP_N_SECTION, &@$, $3, &@5);
			$$->u.arch.arch = (enum kfp_arch)($1 & 1);
			$$->u.arch.alias = $1 & 2;
			$$->name_loc = @1;
			yyerrok;
		}
	;

sec_list
	: %empty                        { $$ = (struct kfp_node_list){ 0 }; }
	| sec_list sec_stmt             { $$ = list_append($1, $2); }
	| sec_list error ';'            { $$ = $1; yyerrok; }
	;

action
	: KW_ALLOW                      { $$ = KFP_ACT_ALLOW; }
	| KW_DENY                       { $$ = KFP_ACT_DENY; }
	| KW_REQUIRE                    { $$ = KFP_ACT_REQUIRE; }
	;

domain_kw
	: KW_XSAVE                      { $$ = KFP_DOM_XSAVE; }
	| KW_KVM                        { $$ = KFP_DOM_KVM; }
	| KW_HYPERV                     { $$ = KFP_DOM_HYPERV; }
	| KW_VMX                        { $$ = KFP_DOM_VMX; }
	;

unknown_rule
	: KW_DENY                       { $$ = KFP_UNKNOWN_DENY; }
	| KW_ZERO                       { $$ = KFP_UNKNOWN_ZERO; }
	;

sec_stmt
	: action name_list ';'
		{ $$ = features(&@$, KFP_DOM_CPUID, (enum kfp_action)$1, &@1, $2); }
	| domain_kw action name_list ';'
		{ $$ = features(&@$, (enum kfp_domain)$1, (enum kfp_action)$2, &@2, $3); }
	| KW_MSR IDENT '{' msr_list '}'
		{
			$$ = block(KFP_N_MSR, &@$, $4, &@5);
			$$->name = $2;
			$$->name_loc = @2;
		}
	| KW_MSR IDENT '{' msr_list error '}'
		{
			$$ = block(KFP_N_MSR, &@$, $4, &@6);
			$$->name = $2;
			$$->name_loc = @2;
			yyerrok;
		}
	| KW_CPUID NUMBER NUMBER IDENT KW_BIT NUMBER '=' NUMBER ';'
		{
			$$ = node(KFP_N_CPUID, &@$);
			$$->u.cpuid.leaf = $2;
			$$->u.cpuid.subleaf = $3;
			$$->u.cpuid.reg = $4;
			$$->u.cpuid.reg_loc = @4;
			$$->u.cpuid.bit = $6;
			$$->u.cpuid.value = $8;
		}
	| KW_UNKNOWN unknown_rule ';'
		{
			$$ = node(KFP_N_UNKNOWN, &@$);
			$$->u.unknown.rule = (enum kfp_unknown_rule)$2;
			$$->u.unknown.rule_loc = @2;
		}
	| KW_ID_REG IDENT '{' field_list '}'
		{
			$$ = block(KFP_N_ID_REG, &@$, $4, &@5);
			$$->name = $2;
			$$->name_loc = @2;
		}
	| KW_ID_REG IDENT '{' field_list error '}'
		{
			$$ = block(KFP_N_ID_REG, &@$, $4, &@6);
			$$->name = $2;
			$$->name_loc = @2;
			yyerrok;
		}
	| KW_VCPU_INIT '{' switch_list '}'
		{ $$ = block(KFP_N_VCPU_INIT, &@$, $3, &@4); }
	| KW_VCPU_INIT '{' switch_list error '}'
		{ $$ = block(KFP_N_VCPU_INIT, &@$, $3, &@5); yyerrok; }
	| KW_HYPERCALLS '{' switch_list '}'
		{ $$ = block(KFP_N_HYPERCALLS, &@$, $3, &@4); }
	| KW_HYPERCALLS '{' switch_list error '}'
		{ $$ = block(KFP_N_HYPERCALLS, &@$, $3, &@5); yyerrok; }
	| KW_FIRMWARE_REGS KW_UNKNOWN unknown_rule ';'
		{
			$$ = node(KFP_N_FIRMWARE_REGS, &@$);
			$$->u.unknown.rule = (enum kfp_unknown_rule)$3;
			$$->u.unknown.rule_loc = @3;
		}
	;

msr_list
	: %empty                        { $$ = (struct kfp_node_list){ 0 }; }
	| msr_list msr_stmt             { $$ = list_append($1, $2); }
	| msr_list error ';'            { $$ = $1; yyerrok; }
	;

msr_stmt
	: action name_list ';'
		{
			$$ = features(&@$, KFP_DOM_MSR, (enum kfp_action)$1, &@1, $2);
		}
	;

field_list
	: %empty                        { $$ = (struct kfp_node_list){ 0 }; }
	| field_list field_stmt         { $$ = list_append($1, $2); }
	| field_list error ';'          { $$ = $1; yyerrok; }
	;

field_stmt
	: IDENT cmp value ';'
		{
			$$ = node(KFP_N_FIELD, &@$);
			$$->name = $1;
			$$->name_loc = @1;
			$$->u.field.cmp = (enum kfp_cmp)$2;
			$$->u.field.value = $3;
		}
	/* Every field the block does not name. */
	| '*' cmp value ';'
		{
			$$ = node(KFP_N_FIELD, &@$);
			$$->name = kfp_xstrdup("*");
			$$->name_loc = @1;
			$$->u.field.cmp = (enum kfp_cmp)$2;
			$$->u.field.value = $3;
		}
	;

cmp
	: '='                           { $$ = KFP_CMP_EQ; }
	| LE                            { $$ = KFP_CMP_LE; }
	| GE                            { $$ = KFP_CMP_GE; }
	;

value
	: NUMBER                        { $$ = (struct kfp_value){ .num = $1, .loc = @1 }; }
	| IDENT                         { $$ = (struct kfp_value){ .named = true, .name = $1, .loc = @1 }; }
	;

switch_list
	: %empty                        { $$ = (struct kfp_node_list){ 0 }; }
	| switch_list switch_stmt       { $$ = list_append($1, $2); }
	| switch_list error ';'         { $$ = $1; yyerrok; }
	;

switch_stmt
	: IDENT switch_state ';'
		{
			$$ = node(KFP_N_SWITCH, &@$);
			$$->name = $1;
			$$->name_loc = @1;
			$$->u.sw.state = (enum kfp_switch_state)$2;
		}
	;

switch_state
	: %empty                        { $$ = KFP_SWITCH_IMPLICIT_ON; }
	| KW_ON                         { $$ = KFP_SWITCH_ON; }
	| KW_OFF                        { $$ = KFP_SWITCH_OFF; }
	;

/* Feature names.  A few keywords are also CPUID feature names (xsave, vmx,
 * msr), so they are accepted as names inside a list. */
name_list
	: %empty                        { $$ = (struct kfp_names){ 0 }; }
	| name_list name_item           { $$ = $1; kfp_names_push(&$$, $2); }
	;

ident_list
	: IDENT                         { $$ = (struct kfp_names){ 0 }; kfp_names_push(&$$, name_of($1, &@1, false)); }
	| ident_list IDENT              { $$ = $1; kfp_names_push(&$$, name_of($2, &@2, false)); }
	;

name_item
	: IDENT                         { $$ = name_of($1, &@1, false); }
	| GROUPREF                      { $$ = name_of($1, &@1, true); }
	| KW_XSAVE                      { $$ = name_of(kfp_xstrdup("xsave"), &@1, false); }
	| KW_VMX                        { $$ = name_of(kfp_xstrdup("vmx"), &@1, false); }
	| KW_MSR                        { $$ = name_of(kfp_xstrdup("msr"), &@1, false); }
	;

%%

int kfp_yylex(KFP_YYSTYPE *val, KFP_YYLTYPE *loc, struct kfp_lexer *lx);

/* How a token is named in "unexpected X" and "expected X". */
static void describe(char *buf, size_t size, yysymbol_kind_t sym)
{
	const char *name = yysymbol_name(sym);

	if (sym == YYSYMBOL_YYEOF)
		snprintf(buf, size, "end of file");
	else if (sym >= YYSYMBOL_KW_POLICY && sym <= YYSYMBOL_KW_ZERO)
		snprintf(buf, size, "'%s'", name);
	else if (sym == YYSYMBOL_LE || sym == YYSYMBOL_GE)
		snprintf(buf, size, "'%s'", name);
	else
		snprintf(buf, size, "%s", name);
}

static int yyreport_syntax_error(const yypcontext_t *pctx, struct kfp_lexer *lx)
{
	yysymbol_kind_t tok = yypcontext_token(pctx);
	const KFP_YYLTYPE *loc = yypcontext_location(pctx);

	/* The scanner has already said what is wrong with this input. */
	if (tok == YYSYMBOL_JUNK)
		return 0;

	yysymbol_kind_t expected[YYNTOKENS];
	int n = yypcontext_expected_tokens(pctx, expected, YYNTOKENS);
	if (n < 0)
		n = 0;

	char what[160], buf[64];
	describe(what, sizeof(what), tok);
	char *text = NULL;
	if (tok == YYSYMBOL_IDENT || tok == YYSYMBOL_NUMBER ||
	    tok == YYSYMBOL_KVER || tok == YYSYMBOL_GROUPREF) {
		text = kfp_loc_text(loc);
		size_t len = strlen(what);
		snprintf(what + len, sizeof(what) - len, " '%.60s%s'", text,
			 strlen(text) > 60 ? "..." : "");
	}

	/* "expected a, b or c" */
	size_t cap = 256, len = 0;
	char *list = kfp_xmalloc(cap);
	list[0] = 0;
	for (int i = 0; i < n; i++) {
		describe(buf, sizeof(buf), expected[i]);
		const char *sep = i == 0 ? "" : i == n - 1 ? " or " : ", ";
		size_t need = len + strlen(sep) + strlen(buf) + 1;
		if (need > cap) {
			cap = 2 * need;
			list = kfp_xrealloc(list, cap);
		}
		len += (size_t)sprintf(list + len, "%s%s", sep, buf);
	}

	if (n > 0)
		kfp_error(lx->ctx, loc, "unexpected %s, expected %s", what, list);
	else
		kfp_error(lx->ctx, loc, "unexpected %s", what);

	/* A statement that ends where a new one starts lacks its ';'. */
	bool semi = false;
	for (int i = 0; i < n; i++)
		semi |= expected[i] == YYTRANSLATE(';');
	if (semi && loc->line > lx->last_line)
		kfp_note(lx->ctx, loc, "is a ';' missing at the end of line %u?", lx->last_line);

	/* Names, paths and globs are strings: say how to write one. */
	bool want_string = false;
	for (int i = 0; i < n; i++)
		want_string |= expected[i] == YYSYMBOL_STRING;
	if (want_string && tok == YYSYMBOL_IDENT && text)
		kfp_note(lx->ctx, loc, "names, paths and globs are written in double quotes");

	/* A misspelled keyword gets "did you mean". */
	if (tok == YYSYMBOL_IDENT && text) {
		const char *cands[YYNTOKENS];
		size_t nc = 0;
		for (int i = 0; i < n; i++)
			if (expected[i] >= YYSYMBOL_KW_POLICY &&
			    expected[i] <= YYSYMBOL_KW_ZERO)
				cands[nc++] = yysymbol_name(expected[i]);
		const char *s = kfp_suggest(text, cands, nc);
		if (s)
			kfp_note(lx->ctx, loc, "did you mean '%s'?", s);
	}
	free(text);
	free(list);
	return 0;
}
