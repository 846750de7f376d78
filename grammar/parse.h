/* SPDX-License-Identifier: Apache-2.0 */
/* The parser's entry points: one source to a tree, and a file with its
 * includes to a unit tree. */
#ifndef KFP_GRAMMAR_PARSE_H
#define KFP_GRAMMAR_PARSE_H

#include "ast.h"
#include "base/ctx.h"

/* Parses one source (no includes followed).  Errors go to ctx; the result
 * holds whatever statements parsed, even when there were errors. */
struct kfp_node *kfp_parse_source(struct kfp_ctx *ctx, struct kfp_source *src);

/* Loads and parses a file and, recursively, the files it includes (paths
 * relative to the including file).  A file already loaded in this context is
 * not loaded again; an include cycle is an error that names the chain.
 * Returns NULL only if the top file cannot be read (the error is queued). */
struct kfp_unit *kfp_load(struct kfp_ctx *ctx, const char *path);

/* Same, from a buffer already in memory (fuzzers, tests); includes are
 * resolved relative to the working directory. */
struct kfp_unit *kfp_load_buffer(struct kfp_ctx *ctx, const char *name,
				 const char *data, size_t len);

#endif
