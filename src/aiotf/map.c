/* SPDX-License-Identifier: Apache-2.0 */
/* A small byte-keyed hash map with chaining, grown at load factor 2. Keys are at most 255
 * bytes (identifiers: 1..128), chosen by peers (AFs, readers, devices): the hash is keyed with
 * a seed drawn per map, so nobody can craft keys that share a chain (an unseeded FNV-1a let
 * one Inventory Report put thousands of identifiers in one bucket). A map may be bounded
 * (caches of what the ADM said): the entry put longest ago makes room. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "aiotf_internal.h"
#include "common/hash.h"

static uint32_t key_hash(const amap *m, const uint8_t *k, size_t n)
{
	return (uint32_t)aiot_hash_bytes(m->seed, k, n);
}

int amap_init(amap *m, size_t nbuckets)
{
	size_t nb = 16;
	while (nb < nbuckets)
		nb <<= 1;
	m->n = 0;
	m->nb = 0;
	m->oldest = m->newest = NULL;
	if (getrandom(&m->seed, sizeof m->seed, 0) != (ssize_t)sizeof m->seed)
		return -1;
	m->b = calloc(nb, sizeof *m->b);
	m->nb = m->b ? nb : 0;
	return m->b ? 0 : -1;
}

static amap_ent *find(const amap *m, const uint8_t *k, size_t klen, uint32_t h, amap_ent ***slot)
{
	if (m->nb == 0)
		return NULL;
	amap_ent **pp = &m->b[h & (m->nb - 1)];
	for (; *pp != NULL; pp = &(*pp)->next) {
		amap_ent *e = *pp;
		if (e->hash == h && e->klen == klen && memcmp(e->key, k, klen) == 0) {
			if (slot)
				*slot = pp;
			return e;
		}
	}
	return NULL;
}

void *amap_get(const amap *m, const uint8_t *k, size_t klen)
{
	amap_ent *e = find(m, k, klen, key_hash(m, k, klen), NULL);
	return e ? e->val : NULL;
}

static void grow(amap *m)
{
	size_t nb = m->nb * 2;
	amap_ent **b = calloc(nb, sizeof *b);
	if (b == NULL)
		return; /* keep the longer chains */
	for (size_t i = 0; i < m->nb; i++) {
		amap_ent *e = m->b[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			e->next = b[e->hash & (nb - 1)];
			b[e->hash & (nb - 1)] = e;
		}
	}
	free(m->b);
	m->b = b;
	m->nb = nb;
}

static void order_unlink(amap *m, amap_ent *e)
{
	*(e->older ? &e->older->newer : &m->oldest) = e->newer;
	*(e->newer ? &e->newer->older : &m->newest) = e->older;
}

static void order_append(amap *m, amap_ent *e)
{
	e->newer = NULL;
	e->older = m->newest;
	*(m->newest ? &m->newest->newer : &m->oldest) = e;
	m->newest = e;
}

static void evict_oldest(amap *m)
{
	amap_ent *e = m->oldest;
	void *val = amap_del(m, e->key, e->klen);
	if (m->evict)
		m->evict(val);
	if (m->evictions)
		atomic_fetch_add(m->evictions, 1);
}

void *amap_put(amap *m, const uint8_t *k, size_t klen, void *val, int *err)
{
	*err = 0;
	if (klen > 255 || (m->nb == 0 && amap_init(m, 16) != 0)) {
		*err = -1;
		return NULL;
	}
	uint32_t h = key_hash(m, k, klen); /* after amap_init: it draws the seed */
	amap_ent *e = find(m, k, klen, h, NULL);
	if (e != NULL) {
		void *old = e->val;
		e->val = val;
		order_unlink(m, e);
		order_append(m, e);
		return old;
	}
	if ((e = malloc(sizeof *e + klen)) == NULL) {
		*err = -1;
		return NULL;
	}
	e->hash = h;
	e->klen = (uint8_t)klen;
	e->val = val;
	memcpy(e->key, k, klen);
	e->next = m->b[h & (m->nb - 1)];
	m->b[h & (m->nb - 1)] = e;
	order_append(m, e);
	if (++m->n > 2 * m->nb)
		grow(m);
	if (m->max > 0 && m->n > m->max)
		evict_oldest(m);
	return NULL;
}

void *amap_del(amap *m, const uint8_t *k, size_t klen)
{
	amap_ent **slot = NULL;
	amap_ent *e = find(m, k, klen, key_hash(m, k, klen), &slot);
	if (e == NULL)
		return NULL;
	void *val = e->val;
	*slot = e->next;
	order_unlink(m, e);
	free(e);
	m->n--;
	return val;
}

void amap_clear(amap *m, void (*free_val)(void *))
{
	for (size_t i = 0; i < m->nb; i++) {
		amap_ent *e = m->b[i], *next;
		for (; e != NULL; e = next) {
			next = e->next;
			if (free_val)
				free_val(e->val);
			free(e);
		}
	}
	free(m->b);
	m->b = NULL;
	m->nb = m->n = 0;
	m->oldest = m->newest = NULL;
}
