/* SPDX-License-Identifier: Apache-2.0 */
/* Per-process preparation: the AMX guest permission (x86_64; nothing to do
 * on arm64). */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "sys.h"

#ifndef ARCH_REQ_XCOMP_GUEST_PERM
#define ARCH_REQ_XCOMP_GUEST_PERM 0x1025
#endif
#define XFEATURE_XTILEDATA 18

KFP_API int kfp_prepare_process(const struct kfp_config *cfg, struct kfp_report *rep)
{
	if (!cfg)
		return -EINVAL;
	if (!cfg->x86 || !cfg->x86->amx)
		return 0;
#if !defined(__x86_64__)
	(void)rep;
	return -EINVAL; /* an x86_64 configuration on another architecture */
#else
	/* Name the item after the policy's tile data component. */
	const struct kfp_feature_row *f =
		kfp_feature_find(cfg, KFP_KIND_XSAVE, 0, 0, 0, XFEATURE_XTILEDATA, 0);
	const char *name = f ? f->name : "amx";
	const struct kfp_src *src = f && f->src.file ? &f->src : &cfg->x86->xsave_src;

	/* The kernel sizes a vCPU's FPU buffer when the vCPU is created, so it
	 * refuses this once the process has one. */
	int r = kfp_sys_arch_prctl(ARCH_REQ_XCOMP_GUEST_PERM, XFEATURE_XTILEDATA);
	if (r == -EBUSY) {
		kfp_report_add(rep, KFP_ITEM_ORDER, name, src, r,
			       "ARCH_REQ_XCOMP_GUEST_PERM refused: kfp_prepare_process must run "
			       "before the first vCPU is created");
		return -EBUSY;
	}
	if (r < 0) {
		kfp_report_add(rep, KFP_ITEM_MISSING, name, src, r,
			       "host cannot grant AMX (ARCH_REQ_XCOMP_GUEST_PERM: %s)",
			       strerror(-r));
		return -ENOTSUP;
	}
	return 0;
#endif
}
