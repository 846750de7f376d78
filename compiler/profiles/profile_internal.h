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
