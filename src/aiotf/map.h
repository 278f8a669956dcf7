/* SPDX-License-Identifier: Apache-2.0 */
/* The AIOTF's small byte-keyed hash map (map.c). A map belongs to the structure holding it;
 * its values belong to whoever put them (amap_clear's free_val, or the bounded map's evict). */
#ifndef AIOT_AIOTF_MAP_H
#define AIOT_AIOTF_MAP_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

typedef struct amap_ent {
	struct amap_ent *next;          /* hash chain */
	struct amap_ent *older, *newer; /* by last amap_put, for a bounded map's eviction */
	uint32_t hash;
	uint8_t klen;
	void *val;
	uint8_t key[];
} amap_ent;

typedef struct amap {
	amap_ent **b;
	size_t nb, n;
	uint64_t seed; /* drawn at amap_init: keys are identifiers peers choose */
	amap_ent *oldest, *newest;
	/* Optional bound, set after amap_init: past max entries amap_put evicts the entry put
	 * longest ago, frees its value with evict and counts it in *evictions. */
	size_t max;
	void (*evict)(void *val);
	atomic_ullong *evictions;
} amap;

/* 0, or -1 (no memory, no randomness). A zeroed amap is initialised by its first amap_put. */
int amap_init(amap *m, size_t nbuckets);
void *amap_get(const amap *m, const uint8_t *k, size_t klen);
/* Insert or replace (the entry becomes the newest); returns the previous value (or NULL);
 * -1 in *err on allocation failure. */
void *amap_put(amap *m, const uint8_t *k, size_t klen, void *val, int *err);
void *amap_del(amap *m, const uint8_t *k, size_t klen);
void amap_clear(amap *m, void (*free_val)(void *));

#endif
