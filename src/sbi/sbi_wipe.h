/* SPDX-License-Identifier: Apache-2.0 */
/*
 * K_AIOTF crosses the SBI as hex text (get-session-key): in cJSON's strings and print
 * buffers, in nghttp2's frame buffers, in libevent's socket buffers. Each of those libraries
 * frees (or reallocs) its blocks without wiping them, so a copy of every key sent would stay
 * in freed memory. These allocators wipe every block they free or move.
 */
#ifndef AIOT_SBI_WIPE_H
#define AIOT_SBI_WIPE_H
#include <nghttp2/nghttp2.h>

/* cJSON hooks and libevent's allocator (both process-wide) that wipe what they free. Call
 * once at start, before any libevent or cJSON allocation (the daemons, `aiot provision`). */
void sbi_wipe_freed_memory(void);

/* nghttp2 allocator that wipes what it frees: for every HTTP/2 session. */
nghttp2_mem *sbi_wipe_mem(void);

#endif
