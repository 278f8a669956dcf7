/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keep key material out of core dumps: the ADM caches every K_AIOT_root and holds the KEK, the
 * AIOTF holds K_AIOTF of live sessions, `aiot provision` the KEK. Keys live in many heap
 * buffers (store cache, cJSON, HTTP bodies), so excluding pages one by one (MADV_DONTDUMP)
 * would miss some: the whole process is made non-dumpable instead.
 */
#ifndef AIOT_SVC_NODUMP_H
#define AIOT_SVC_NODUMP_H

/* RLIMIT_CORE 0 (soft and hard) and PR_SET_DUMPABLE 0: no core file, no core handed to a
 * core_pattern pipe, no ptrace attach or /proc/PID/mem by non-root. Call before reading any
 * key. Returns 0, or -1 with errno if either call failed. */
int svc_no_core_dumps(void);

#endif
