/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzzes the Firecracker template reader (compiler/importers/fc_template.c):
 * the JSON check, libyaml and the template model.  An input is either read
 * with no diagnostic, or refused with exactly one error located inside it.
 * Anything else aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ctx.h"
#include "base/util.h"
#include "compiler/importers/fc_template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kfp_ctx ctx;
	kfp_ctx_init(&ctx);
	char *buf = kfp_xmalloc(size + 1);
	memcpy(buf, data, size);
	buf[size] = 0;
	struct kfp_source *src = kfp_source_add(&ctx, "fuzz.json", buf, size);
	struct tpl t;
	bool ok = fc_template_read(&ctx, src, &t);
	if (ok ? ctx.ndiags != 0 : ctx.ndiags != 1 || ctx.diags[0].sev != KFP_SEV_ERROR) {
		fprintf(stderr, "template reader: %s with %zu diagnostics\n",
			ok ? "accepted" : "refused", ctx.ndiags);
		abort();
	}
	if (!ok && (!ctx.diags[0].has_loc || ctx.diags[0].loc.off > size ||
		    ctx.diags[0].loc.end_off > size || ctx.diags[0].loc.line == 0)) {
		fprintf(stderr, "template reader: error outside the input: %s\n", ctx.diags[0].msg);
		abort();
	}
	if (ok && !t.x86 == !t.arm64)
		abort();
	fc_template_free(&t);
	kfp_ctx_fini(&ctx);
	return 0;
}
