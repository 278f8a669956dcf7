/* SPDX-License-Identifier: Apache-2.0 */
/* Store internals visible to the tests and benchmarks (not part of the ADM-facing API). */
#ifndef AIOT_STORE_INTERNAL_H
#define AIOT_STORE_INTERNAL_H
#include <stddef.h>

#include "store.h"

/* Bytes of heap the cache holds (records, indexes, groups, long IDs, profiles). */
size_t aiot_store_memory(aiot_store *s);

#endif
