/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The VMM formats kfp knows, and what each calls a catalog feature.  The
 * names are catalog data (vmm_names.c): semantics uses them to recognise
 * another tool's spelling in a policy, the emitters to write QEMU and
 * libvirt models.
 */
#ifndef KFP_COMPILER_CATALOG_VMM_NAMES_H
#define KFP_COMPILER_CATALOG_VMM_NAMES_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog.h"

/*
 * Emitters for the VMMs people already run (emit_vmm.c and vmm_*.c,
 * described in docs/vmm-formats.md): one fleet each.
 *  - KFP_VMM_FIRECRACKER: a Firecracker custom CPU template (JSON), x86_64
 *    or arm64;
 *  - KFP_VMM_QEMU: a QEMU `-cpu` argument (one line), x86_64 only;
 *  - KFP_VMM_LIBVIRT: a libvirt domain `<cpu>` element, x86_64 only.
 */
enum kfp_vmm_format { KFP_VMM_FIRECRACKER, KFP_VMM_QEMU, KFP_VMM_LIBVIRT };

/* The one place that maps catalog names to VMM names: the QEMU (7.2, `-cpu
 * help`) or libvirt (9.0, cpu_map/x86_features.xml) name of a catalog
 * feature of the given kind, written to buf.  False if that VMM has no name
 * for it (and always for KFP_VMM_FIRECRACKER, which works on bits). */
bool kfp_vmm_feature_name(enum kfp_vmm_format fmt, enum kfp_feat_kind kind,
			  const char *name, char *buf, size_t size);

#endif
