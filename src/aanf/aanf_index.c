/* SPDX-License-Identifier: Apache-2.0 */
/* The AKMA context index (aanf_index.h): chained buckets, grown at load factor 1. */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "aanf_index.h"
#include "common/aiot_err.h"
#include "common/hash.h"
#include "crypto/ct.h"

#define INITIAL_BUCKETS 64

static uint64_t hash_str(const aanf_index *x, const char *s)
{
	return aiot_hash_bytes(x->seed, (const uint8_t *)s, strlen(s));
}

int aanf_index_init(aanf_index *x)
{
	memset(x, 0, sizeof *x);
	if (getrandom(&x->seed, sizeof x->seed, 0) != (ssize_t)sizeof x->seed)
		return -1;
	x->by_akid = calloc(INITIAL_BUCKETS, sizeof *x->by_akid);
	x->by_supi = calloc(INITIAL_BUCKETS, sizeof *x->by_supi);
	if (x->by_akid == NULL || x->by_supi == NULL) {
		aanf_index_clear(x);
		return -1;
	}
	x->nb = INITIAL_BUCKETS;
	return 0;
}

static void ctx_free(aanf_ctx *c)
{
	if (c == NULL)
		return;
	aiot_zeroize(c->kakma, sizeof c->kakma);
	free(c->supi);
	free(c);
}

void aanf_index_clear(aanf_index *x)
{
	for (size_t i = 0; x->by_akid != NULL && i < x->nb; i++) {
		aanf_ctx *c = x->by_akid[i], *next;
		for (; c != NULL; c = next) {
			next = c->next_akid;
			ctx_free(c);
		}
	}
	free(x->by_akid);
	free(x->by_supi);
	x->by_akid = x->by_supi = NULL;
	x->nb = x->n = 0;
}

static aanf_ctx **slot_akid(const aanf_index *x, const char *akid, uint64_t h)
{
	aanf_ctx **pp = &x->by_akid[h & (x->nb - 1)];
	for (; *pp != NULL; pp = &(*pp)->next_akid)
		if ((*pp)->h_akid == h && strcmp((*pp)->akid, akid) == 0)
			break;
	return pp;
}

static aanf_ctx **slot_supi(const aanf_index *x, const char *supi, uint64_t h)
{
	aanf_ctx **pp = &x->by_supi[h & (x->nb - 1)];
	for (; *pp != NULL; pp = &(*pp)->next_supi)
		if ((*pp)->h_supi == h && strcmp((*pp)->supi, supi) == 0)
			break;
	return pp;
}

const aanf_ctx *aanf_index_by_akid(const aanf_index *x, const char *akid)
{
	return x->nb ? *slot_akid(x, akid, hash_str(x, akid)) : NULL;
}

const aanf_ctx *aanf_index_by_supi(const aanf_index *x, const char *supi)
{
	return x->nb ? *slot_supi(x, supi, hash_str(x, supi)) : NULL;
}

/* Unlinks c from both chains and frees it. */
static void unlink_free(aanf_index *x, aanf_ctx *c)
{
	aanf_ctx **pa = slot_akid(x, c->akid, c->h_akid), **ps = slot_supi(x, c->supi, c->h_supi);
	*pa = c->next_akid;
	*ps = c->next_supi;
	x->n--;
	ctx_free(c);
}

static void link(aanf_index *x, aanf_ctx *c)
{
	size_t ia = c->h_akid & (x->nb - 1), is = c->h_supi & (x->nb - 1);
	c->next_akid = x->by_akid[ia];
	x->by_akid[ia] = c;
	c->next_supi = x->by_supi[is];
	x->by_supi[is] = c;
}

static void grow(aanf_index *x)
{
	size_t nb = x->nb * 2, old = x->nb;
	aanf_ctx **a = calloc(nb, sizeof *a), **s = calloc(nb, sizeof *s), **oa = x->by_akid;
	if (a == NULL || s == NULL) {
		free(a);
		free(s);
		return; /* keep the longer chains */
	}
	free(x->by_supi);
	x->by_akid = a;
	x->by_supi = s;
	x->nb = nb;
	for (size_t i = 0; i < old; i++) {
		aanf_ctx *c = oa[i], *next;
		for (; c != NULL; c = next) {
			next = c->next_akid;
			link(x, c);
		}
	}
	free(oa);
}

int aanf_index_put(aanf_index *x, const char *akid, const char *supi,
                   const uint8_t kakma[AANF_KAKMA_LEN], uint64_t seq)
{
	size_t al = strlen(akid);
	aanf_ctx *c = calloc(1, sizeof *c + al + 1);
	if (c == NULL || x->nb == 0 || (c->supi = strdup(supi)) == NULL) {
		ctx_free(c);
		return AIOT_ERR_NOSPACE;
	}
	memcpy(c->akid, akid, al + 1);
	memcpy(c->kakma, kakma, AANF_KAKMA_LEN);
	c->seq = seq;
	c->h_akid = hash_str(x, akid);
	c->h_supi = hash_str(x, supi);
	aanf_ctx *old = *slot_akid(x, akid, c->h_akid);
	if (old != NULL)
		unlink_free(x, old);
	if ((old = *slot_supi(x, supi, c->h_supi)) != NULL)
		unlink_free(x, old);
	if (x->n >= x->nb)
		grow(x);
	link(x, c);
	x->n++;
	return AIOT_OK;
}

int aanf_index_del(aanf_index *x, const char *akid)
{
	aanf_ctx *c = x->nb ? *slot_akid(x, akid, hash_str(x, akid)) : NULL;
	if (c == NULL)
		return AIOT_ERR_UNKNOWN;
	unlink_free(x, c);
	return AIOT_OK;
}
