/* SPDX-License-Identifier: Apache-2.0 */
/* The cache's indexes (store_cache.h): by permanent ID, by T-ID, sorted by permanent ID.
 * The caller holds the cache's write lock, or is the only thread (open), or reads under the
 * read lock (the find and bound functions). */
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "common/hash.h"
#include "svc/wipe.h"
#include "store_cache.h"

const uint8_t *store_dev_id(const struct store_dev *d)
{
	return d->id_len <= STORE_ID_INLINE ? d->id.in : d->id.heap;
}

static int id_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

/* ---- hash indexes ----------------------------------------------------------------------- */

static size_t id_find_slot(const store_cache *s, const uint8_t *id, size_t len)
{
	size_t i = (size_t)aiot_hash_bytes(s->seed, id, len) & s->id_mask;
	for (; s->by_id[i] != 0; i = (i + 1) & s->id_mask) {
		const struct store_dev *d = &s->devs[s->by_id[i] - 1];
		if (d->id_len == len && memcmp(store_dev_id(d), id, len) == 0)
			break;
	}
	return i;
}

struct store_dev *store_find_id(const store_cache *s, const uint8_t *id, size_t len)
{
	if (s->by_id == NULL || len < 1 || len > AIOT_PERM_ID_MAX)
		return NULL;
	uint32_t v = s->by_id[id_find_slot(s, id, len)];
	return v ? &s->devs[v - 1] : NULL;
}

void store_id_put(store_cache *s, uint32_t idx)
{
	const struct store_dev *d = &s->devs[idx];
	s->by_id[id_find_slot(s, store_dev_id(d), d->id_len)] = idx + 1;
}

static const uint8_t *tid_of(const store_cache *s, uint32_t entry)
{
	const struct store_dev *d = &s->devs[(entry >> 1) - 1];
	return (entry & 1) ? d->tid_prev : d->tid;
}

static size_t tid_hash(const store_cache *s, const uint8_t *tid)
{
	return (size_t)aiot_hash_bytes(s->seed, tid, 16) & s->tid_mask;
}

void store_tid_put(store_cache *s, uint32_t entry)
{
	size_t i = tid_hash(s, tid_of(s, entry));
	while (s->by_tid[i] != 0)
		i = (i + 1) & s->tid_mask;
	s->by_tid[i] = entry;
	s->tid_n++;
}

/* Slot of the entry, or SIZE_MAX. */
static size_t tid_slot_of(const store_cache *s, uint32_t entry)
{
	for (size_t i = tid_hash(s, tid_of(s, entry)); s->by_tid[i] != 0; i = (i + 1) & s->tid_mask)
		if (s->by_tid[i] == entry)
			return i;
	return SIZE_MAX;
}

/* Linear-probing deletion by backward shift (no tombstones). */
void store_tid_del(store_cache *s, uint32_t entry)
{
	size_t i = tid_slot_of(s, entry), j = i;
	if (i == SIZE_MAX)
		return;
	for (;;) {
		j = (j + 1) & s->tid_mask;
		if (s->by_tid[j] == 0)
			break;
		size_t home = tid_hash(s, tid_of(s, s->by_tid[j]));
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			s->by_tid[i] = s->by_tid[j];
			i = j;
		}
	}
	s->by_tid[i] = 0;
	s->tid_n--;
}

size_t store_pow2_at_least(size_t n)
{
	size_t c = 16;
	while (c < n)
		c <<= 1;
	return c;
}

/* Replaces *table by an empty one of room for want entries (load <= 1/2) unless it has the
 * room already: 1 replaced (the caller re-inserts), 0 kept, or AIOT_ERR_NOSPACE. */
static int table_grow(uint32_t **table, size_t *mask, size_t want)
{
	size_t cap = store_pow2_at_least(2 * want);
	if (*table != NULL && cap <= *mask + 1)
		return 0;
	uint32_t *t = calloc(cap, sizeof *t);
	if (t == NULL)
		return AIOT_ERR_NOSPACE;
	free(*table);
	*table = t;
	*mask = cap - 1;
	return 1;
}

int store_id_reserve(store_cache *s, size_t want)
{
	int rc = table_grow(&s->by_id, &s->id_mask, want);
	for (size_t k = 0; rc == 1 && k < s->n; k++)
		store_id_put(s, (uint32_t)k);
	return rc < 0 ? rc : AIOT_OK;
}

int store_tid_reserve(store_cache *s, size_t want)
{
	int rc = table_grow(&s->by_tid, &s->tid_mask, want);
	if (rc == 1)
		s->tid_n = 0;
	for (size_t k = 0; rc == 1 && k < s->n; k++) {
		uint32_t e = (uint32_t)(k + 1) << 1;
		if (s->devs[k].flags & F_TID)
			store_tid_put(s, e);
		if (s->devs[k].flags & F_TID_PREV)
			store_tid_put(s, e | 1);
	}
	return rc < 0 ? rc : AIOT_OK;
}

struct store_dev *store_find_tid(const store_cache *s, const uint8_t tid[16])
{
	if (s->by_tid == NULL)
		return NULL;
	for (size_t i = tid_hash(s, tid); s->by_tid[i] != 0; i = (i + 1) & s->tid_mask)
		if (memcmp(tid_of(s, s->by_tid[i]), tid, 16) == 0)
			return &s->devs[(s->by_tid[i] >> 1) - 1];
	return NULL;
}

/* ---- sorted index ----------------------------------------------------------------------- */

int store_sorted_cmp(const void *a, const void *b, void *arg)
{
	const store_cache *s = arg;
	const struct store_dev *x = &s->devs[*(const uint32_t *)a],
	                       *y = &s->devs[*(const uint32_t *)b];
	return id_cmp(store_dev_id(x), x->id_len, store_dev_id(y), y->id_len);
}

/* Grows devs and sorted to hold want records. */
int store_devs_reserve(store_cache *s, size_t want)
{
	if (want <= s->cap)
		return AIOT_OK;
	if (want > STORE_MAX_DEVICES)
		return AIOT_ERR_NOSPACE;
	size_t nc = s->cap + s->cap / 2; /* 1.5x keeps the slack (memory per device) small */
	if (nc < want)
		nc = want;
	if (nc < 64 && want < 64)
		nc = 64;
	/* not realloc: the old array holds every K_AIOT_root in clear */
	struct store_dev *d = aiot_realloc_wipe(s->devs, s->cap * sizeof *d, nc * sizeof *d);
	if (d == NULL)
		return AIOT_ERR_NOSPACE;
	s->devs = d;
	uint32_t *o = realloc(s->sorted, nc * sizeof *o);
	if (o == NULL)
		return AIOT_ERR_NOSPACE;
	s->sorted = o;
	s->cap = nc;
	return AIOT_OK;
}

/* Bit-prefix comparison of a permanent ID with the filter: <0, 0 (match) or >0, monotonic in
 * the lexicographic order of sorted[], so the matches form one range. */
static int prefix_cmp(const struct store_dev *d, const uint8_t *prefix, size_t bits)
{
	const uint8_t *id = store_dev_id(d);
	size_t nb = bits / 8, rem = bits % 8;
	for (size_t i = 0; i < nb; i++) {
		if (i >= d->id_len)
			return -1;
		if (id[i] != prefix[i])
			return id[i] < prefix[i] ? -1 : 1;
	}
	if (rem != 0) {
		if (nb >= d->id_len)
			return -1;
		uint8_t mask = (uint8_t)(0xFF << (8 - rem));
		uint8_t a = id[nb] & mask, b = prefix[nb] & mask;
		if (a != b)
			return a < b ? -1 : 1;
	}
	return 0;
}

/* First position in sorted[] whose prefix_cmp is >= 0 (upper = 0) or > 0 (upper = 1). */
size_t store_prefix_bound(const store_cache *s, const uint8_t *prefix, size_t bits, int upper)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = prefix_cmp(&s->devs[s->sorted[mid]], prefix, bits);
		if (c < 0 || (upper && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}
