/* SPDX-License-Identifier: Apache-2.0 */
/* Heap blocks that may hold keys (K_AIOT_root in the store's cache, K_AIOTF in JSON texts and
 * HTTP bodies): freed or grown without leaving a copy behind in freed memory. */
#ifndef AIOT_SVC_WIPE_H
#define AIOT_SVC_WIPE_H
#include <stddef.h>

/* Zero the whole block (malloc_usable_size) and free it. NULL is a no-op. A cJSON free hook. */
void aiot_free_wipe(void *p);

/* realloc that never leaves the old block unwiped: a new block of n bytes holding the first
 * min(old, n) bytes of p, the old block wiped and freed. NULL on failure (p untouched). */
void *aiot_realloc_wipe(void *p, size_t old, size_t n);

/* The same, for an allocator interface without the old size (libevent, nghttp2). */
void *aiot_realloc_wipe_any(void *p, size_t n);

#endif
