/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The part of fleet_common that every in-guest program uses, fleet_probe
 * and fleet_tool included (they keep their own KVM helpers): console
 * output, the first failure reason, and the /init mounts.
 */
#ifndef FLEET_INIT_H
#define FLEET_INIT_H

void out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Records the first failure reason (for KFP-RESULT FAIL); returns -1. */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *fail_reason(void);

/* As /init: mounts devtmpfs, proc and sysfs, and takes the console from
 * devtmpfs when the kernel started init with no stdio (no /dev/console in
 * the initramfs). */
void fleet_setup_init(void);

#endif
