/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF: the byte-keyed map (src/aiotf/map.c) may be bounded, evicting the entry put longest
 * ago (the T-ID and profile caches). It is keyed per map (issue 11 item 6): two maps
 * place the same keys in different buckets, and 50 000 identifiers crafted so that every one
 * has the same low 16 bits of FNV-1a (the map's former unseeded hash, so one bucket for every
 * table size up to 65 536) spread over the buckets: the longest chain is counted, not timed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aiotf/aiotf_internal.h"

#define NKEYS 50000
#define BLOCKS 16 /* 2^16 keys of 32 bytes */
#define KLEN (2 * BLOCKS)

static uint16_t fnv_step16(uint16_t h, uint8_t b)
{
	return (uint16_t)((h ^ b) * 16777619u);
}

/* Joux multicollision on FNV-1a mod 2^16 (the low bits of a product depend only on the low
 * bits of its factors): for each 2-byte block, two values leading from the current state to
 * the same state; any choice of one per block gives the same low 16 bits. */
static void craft(uint8_t pairs[BLOCKS][2][2])
{
	uint16_t h = (uint16_t)2166136261u;
	static int32_t seen[65536];

	for (int blk = 0; blk < BLOCKS; blk++) {
		memset(seen, 0xff, sizeof seen);
		for (uint32_t v = 0;; v++) {
			uint8_t a = (uint8_t)(v >> 8), b = (uint8_t)v;
			uint16_t s = fnv_step16(fnv_step16(h, a), b);
			if (seen[s] < 0) {
				seen[s] = (int32_t)v;
				continue;
			}
			pairs[blk][0][0] = (uint8_t)(seen[s] >> 8);
			pairs[blk][0][1] = (uint8_t)seen[s];
			pairs[blk][1][0] = a;
			pairs[blk][1][1] = b;
			h = s;
			break;
		}
	}
}

static void make_key(uint8_t pairs[BLOCKS][2][2], uint32_t i, uint8_t *k)
{
	for (int blk = 0; blk < BLOCKS; blk++)
		memcpy(k + 2 * blk, pairs[blk][(i >> blk) & 1], 2);
}

static uint32_t fnv1a(const uint8_t *k, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static size_t longest_chain(const amap *m)
{
	size_t best = 0;
	for (size_t i = 0; i < m->nb; i++) {
		size_t n = 0;
		for (const amap_ent *e = m->b[i]; e != NULL; e = e->next)
			n++;
		if (n > best)
			best = n;
	}
	return best;
}

static void crafted_keys_spread(void **state)
{
	(void)state;
	static uint8_t pairs[BLOCKS][2][2];
	uint8_t k[KLEN], k0[KLEN];
	amap m = {0};
	int err;

	craft(pairs);
	make_key(pairs, 0, k0);
	for (uint32_t i = 0; i < NKEYS; i++) {
		make_key(pairs, i, k);
		/* the attack is real: each key falls in FNV-1a's bucket of key 0 */
		assert_int_equal(fnv1a(k, KLEN) & 0xffff, fnv1a(k0, KLEN) & 0xffff);
		assert_null(amap_put(&m, k, KLEN, (void *)(uintptr_t)(i + 1), &err));
		assert_int_equal(err, 0);
	}
	assert_int_equal(m.n, NKEYS);
	size_t chain = longest_chain(&m);
	print_message("%d crafted keys, %zu buckets: longest chain %zu (FNV-1a: %d)\n", NKEYS, m.nb,
	              chain, NKEYS);
	assert_true(chain <= 16);
	for (uint32_t i = 0; i < NKEYS; i++) {
		make_key(pairs, i, k);
		assert_ptr_equal(amap_get(&m, k, KLEN), (void *)(uintptr_t)(i + 1));
	}
	make_key(pairs, 0, k);
	assert_ptr_equal(amap_del(&m, k, KLEN), (void *)(uintptr_t)1);
	assert_null(amap_get(&m, k, KLEN));
	amap_clear(&m, NULL);
}

/* Two maps, two seeds: the same 4 096 keys land in mostly different buckets. */
static void two_maps_two_layouts(void **state)
{
	(void)state;
	amap a = {0}, b = {0};
	uint8_t k[16] = {0};
	int err;
	size_t same = 0, n = 4096;

	assert_int_equal(amap_init(&a, 4096), 0);
	assert_int_equal(amap_init(&b, 4096), 0);
	assert_true(a.seed != b.seed);
	for (size_t i = 0; i < n; i++) {
		memcpy(k, &i, sizeof i);
		assert_null(amap_put(&a, k, sizeof k, (void *)(uintptr_t)(i + 1), &err));
		assert_null(amap_put(&b, k, sizeof k, (void *)(uintptr_t)(i + 1), &err));
	}
	assert_int_equal(a.nb, b.nb);
	for (size_t i = 0; i < n; i++) {
		memcpy(k, &i, sizeof i);
		assert_ptr_equal(amap_get(&a, k, sizeof k), (void *)(uintptr_t)(i + 1));
		assert_ptr_equal(amap_get(&b, k, sizeof k), (void *)(uintptr_t)(i + 1));
	}
	/* bucket of each key in each map */
	for (size_t i = 0; i < a.nb; i++)
		for (const amap_ent *e = a.b[i]; e != NULL; e = e->next) {
			const amap_ent *f;
			for (f = b.b[i]; f != NULL; f = f->next)
				if (f->klen == e->klen && memcmp(f->key, e->key, e->klen) == 0)
					break;
			same += f != NULL;
		}
	print_message("%zu of %zu keys in the same bucket of both maps (%zu buckets)\n", same, n,
	              a.nb);
	assert_true(same < n / 16);
	amap_clear(&a, NULL);
	amap_clear(&b, NULL);
}

static int nevicted;
static void count_evict(void *val)
{
	(void)val;
	nevicted++;
}

/* A bounded map (the T-ID and profile caches, cache-max) holds at most max entries: 10 000
 * puts into a map of 100 keep the 100 put last, evict the others oldest first, and a key put
 * again counts as new. Unbounded (max 0), nothing is evicted. */
static void bounded_evicts_oldest(void **state)
{
	(void)state;
	amap m = {0};
	atomic_ullong evictions = 0;
	uint8_t k[4];
	int err;
	assert_int_equal(amap_init(&m, 16), 0);
	m.max = 100;
	m.evict = count_evict;
	m.evictions = &evictions;
	nevicted = 0;
	for (uint32_t i = 0; i < 10000; i++) {
		memcpy(k, &i, 4);
		assert_null(amap_put(&m, k, 4, (void *)(uintptr_t)(i + 1), &err));
		assert_int_equal(err, 0);
		assert_true(m.n <= 100);
	}
	assert_int_equal(m.n, 100);
	assert_int_equal(nevicted, 9900);
	assert_int_equal(atomic_load(&evictions), 9900);
	for (uint32_t i = 0; i < 10000; i++) {
		memcpy(k, &i, 4);
		void *v = amap_get(&m, k, 4);
		if (i >= 9900)
			assert_ptr_equal(v, (void *)(uintptr_t)(i + 1));
		else
			assert_null(v);
	}
	/* The oldest now is 9900: a refresh moves it behind the rest, so 9901 goes first. */
	uint32_t old = 9900, next = 10000, second = 9901;
	memcpy(k, &old, 4);
	assert_non_null(amap_put(&m, k, 4, (void *)1, &err));
	memcpy(k, &next, 4);
	assert_null(amap_put(&m, k, 4, (void *)2, &err));
	memcpy(k, &old, 4);
	assert_non_null(amap_get(&m, k, 4));
	memcpy(k, &second, 4);
	assert_null(amap_get(&m, k, 4));
	/* A deleted entry leaves the order: deleting every key then refilling evicts nothing
	 * until the map is full again. */
	while (m.oldest != NULL)
		amap_del(&m, m.oldest->key, m.oldest->klen);
	assert_int_equal(m.n, 0);
	assert_null(m.newest);
	nevicted = 0;
	for (uint32_t i = 0; i < 101; i++) {
		memcpy(k, &i, 4);
		amap_put(&m, k, 4, (void *)(uintptr_t)(i + 1), &err);
	}
	assert_int_equal(nevicted, 1);
	amap_clear(&m, NULL);
	assert_null(m.oldest);

	amap u = {0}; /* unbounded */
	for (uint32_t i = 0; i < 1000; i++) {
		memcpy(k, &i, 4);
		amap_put(&u, k, 4, (void *)(uintptr_t)(i + 1), &err);
	}
	assert_int_equal(u.n, 1000);
	amap_clear(&u, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(crafted_keys_spread),
	    cmocka_unit_test(two_maps_two_layouts),
	    cmocka_unit_test(bounded_evicts_oldest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
