/* SPDX-License-Identifier: Apache-2.0 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

KFP_API void kfp_report_init(struct kfp_report *rep)
{
	/* The items are written as they are added: clearing 64 of them would
	 * cost more than the rest of a vCPU's apply. */
	rep->nitems = rep->nlost = rep->napplied = rep->nproblems = 0;
}

KFP_API const char *kfp_item_status_name(uint8_t status)
{
	switch (status) {
	case KFP_ITEM_APPLIED:
		return "applied";
	case KFP_ITEM_MISSING:
		return "missing";
	case KFP_ITEM_UNSETTABLE:
		return "unsettable";
	case KFP_ITEM_REFUSED:
		return "refused";
	case KFP_ITEM_ORDER:
		return "order";
	}
	return "unknown";
}

KFP_API int kfp_report_item_format(const struct kfp_report_item *item, char *buf, size_t size)
{
	const char *name = item->name ? item->name : "?";
	if (item->src.file)
		return snprintf(buf, size, "%s:%u:%u: %s: %s", item->src.file,
				(unsigned)item->src.line, (unsigned)item->src.col, name,
				item->detail);
	return snprintf(buf, size, "%s: %s", name, item->detail);
}

void kfp_report_add(struct kfp_report *rep, uint8_t status, const char *name,
		    const struct kfp_src *src, int err, const char *fmt, ...)
{
	if (!rep)
		return;
	if (status == KFP_ITEM_APPLIED)
		rep->napplied++;
	else
		rep->nproblems++;
	if (rep->nitems >= KFP_REPORT_MAX) {
		rep->nlost++;
		return;
	}
	struct kfp_report_item *it = &rep->items[rep->nitems++];
	it->status = status;
	it->name = name;
	it->src = src ? *src : (struct kfp_src){ NULL, 0, 0 };
	it->err = err;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(it->detail, sizeof(it->detail), fmt, ap);
	va_end(ap);
}

/* A saved state's policy identity, for both arches' state checks: the
 * refusal of another configuration's state is a report like any other. */
unsigned kfp_state_check_identity(const struct kfp_config *cfg, const uint8_t *id,
				  struct kfp_report *rep)
{
	if (!id) {
		kfp_report_add(rep, KFP_ITEM_REFUSED, "policy identity", NULL, 0,
			       "the state carries no kfp policy identity");
		return 1;
	}
	if (memcmp(id, cfg->id, sizeof(cfg->id)) != 0) {
		kfp_report_add(rep, KFP_ITEM_REFUSED, "policy identity", NULL, 0,
			       "the state was saved under another configuration than fleet \"%s\" "
			       "of policy \"%s\" version %" PRIu64,
			       cfg->fleet, cfg->policy, cfg->policy_version);
		return 1;
	}
	return 0;
}
