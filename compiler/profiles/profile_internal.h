/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private to the host profile readers and writer (compiler/profiles/) and
 * the Firecracker fingerprint importer (compiler/importers/fingerprint.c):
 * arrays that remember where each entry was read, sorted and checked once
 * reading is done, and the vocabulary the reader and the writer share.
 */
#ifndef KFP_COMPILER_PROFILES_PROFILE_INTERNAL_H
#define KFP_COMPILER_PROFILES_PROFILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/profiles/profile.h"
#include "compiler/profiles/yaml_reader.h"

/* A profile larger than this is not a profile; refuse it before parsing. */
#define KFP_PROFILE_MAX_FILE_SIZE (64u << 20)

/* Registers and cpuid entries with the position they were read at. */
struct reg_at {
	uint64_t id, value;
	struct yp_pos at;
};

struct regs_b {
	struct reg_at *v;
	size_t n, cap;
};

struct cpuid_at {
	struct kfp_cpuid_entry e;
	struct yp_pos at;
};

struct cpuid_b {
	struct cpuid_at *v;
	size_t n, cap;
};

/* Orders cpuid entries by (function, index). */
int kfp_cpuid_cmp(const struct kfp_cpuid_entry *x, const struct kfp_cpuid_entry *y);

/* Sort (writers usually emit sorted data: checked first), then refuse
 * duplicates, pointing at the later one, and copy into a new array. */
bool kfp_regs_finish(struct yp *y, struct regs_b *b, const char *what,
		     struct kfp_reg_value **out, size_t *n);
bool kfp_reg_list_finish(struct yp *y, struct regs_b *b, uint64_t **out, size_t *n);
bool kfp_cpuid_finish(struct yp *y, struct cpuid_b *b, struct kfp_cpuid_entry **out,
		      size_t *nout);

/* What a reader collects for a profile, sorted and checked into it once
 * the document is read. */
struct profile_bufs {
	struct regs_b caps, msrs, reg_list, id_regs, wmasks, fw_regs, cache_regs;
	struct cpuid_b cpuid, hv_cpuid;
};

void kfp_bufs_fini(struct profile_bufs *b);
/* Finishes every buffer into p (kfp_regs_finish and co.) and checks the
 * cache registers; msr names an MSR in errors. */
bool kfp_bufs_finish(struct yp *y, struct profile_bufs *b, const char *msr,
		     struct kfp_host_profile *p);

/* The state of a reader of one profile document: the first member of the
 * loader's and the fingerprint importer's own state. */
struct profile_reader {
	struct yp y;
	struct kfp_host_profile *p;
	struct profile_bufs b;
};

/* How kfp_profile_read reads a kind of document. */
struct profile_format {
	const char *what;  /* for yp_begin: "a host profile" */
	const char *fail;  /* the error when one fails without saying why */
	bool lenient;      /* yp_init */
	/* The root node, then the checks once the document is read (top: where
	 * the root node starts). */
	bool (*top)(struct profile_reader *r);
	bool (*finish)(struct profile_reader *r, struct yp_pos top);
};

/* Reads data[0..len), named file, as the only YAML document of a new
 * profile; r is zeroed by the caller and finalized here.  NULL and an error
 * queued in ctx on failure. */
struct kfp_host_profile *kfp_profile_read(struct profile_reader *r,
					  const struct profile_format *fmt,
					  struct kfp_ctx *ctx, const char *file,
					  const char *data, size_t len);

/* KVM_ARM_VCPU_INIT feature names, by bit. */
extern const char *const kfp_vcpu_feature_names[];
#define KFP_NVCPU_FEATURE_NAMES 8

/* "x86_64" or "arm64", as a profile spells it. */
const char *kfp_profile_arch_name(enum kfp_arch a);

/* Whether s is valid UTF-8 as libyaml's reader accepts it. */
bool kfp_utf8_valid(const char *s);

/* Reads a whole profile or fingerprint; NULL and an error queued in ctx on
 * failure. */
char *kfp_profile_read_file(struct kfp_ctx *ctx, const char *path, size_t *len);

#endif
