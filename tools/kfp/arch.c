/* SPDX-License-Identifier: Apache-2.0 */
/* The one place that chooses this host's arch descriptor: each arch's
 * commands are built for that arch only (tools/kfp/CMakeLists.txt). */
#include "arch.h"

#include <stddef.h>

const struct tool_arch *tool_host_arch(void)
{
#if defined(__x86_64__)
	return &tool_arch_x86_64;
#elif defined(__aarch64__)
	return &tool_arch_arm64;
#else
	return NULL;
#endif
}
