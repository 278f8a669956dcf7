/* SPDX-License-Identifier: Apache-2.0 */
/* Process-wide core-dump exclusion (nodump.h). */
#include "nodump.h"

#include <sys/prctl.h>
#include <sys/resource.h>

int svc_no_core_dumps(void)
{
	const struct rlimit zero = {0, 0};

	/* The limit alone does not stop a core_pattern pipe ("|handler") from receiving the
	 * dump; non-dumpable does (and also refuses ptrace by non-root). */
	if (setrlimit(RLIMIT_CORE, &zero) != 0)
		return -1;
	return prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
