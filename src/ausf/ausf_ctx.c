/* SPDX-License-Identifier: Apache-2.0 */
/* The AUSF's context tables (ausf_ctx.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ausf_ctx.h"
#include "common/hash.h"
#include "crypto/ct.h"

#define BUCKETS 4096

struct ausf_ctx_tab {
	ausf_ctx *b[BUCKETS];
	size_t n, max;
	uint64_t seed;
};

ausf_ctx_tab *ausf_ctx_tab_new(size_t max)
{
	ausf_ctx_tab *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	if (getrandom(&t->seed, sizeof t->seed, 0) != (ssize_t)sizeof t->seed) {
		free(t);
		return NULL;
	}
	t->max = max;
	return t;
}

static ausf_ctx **bucket(ausf_ctx_tab *t, const char *id)
{
	return &t->b[aiot_hash_bytes(t->seed, (const uint8_t *)id, strlen(id)) % BUCKETS];
}

static void drop(ausf_ctx_tab *t, ausf_ctx **pp)
{
	ausf_ctx *c = *pp;
	*pp = c->next;
	aiot_zeroize(c, sizeof *c);
	free(c);
	t->n--;
}

void ausf_ctx_remove(ausf_ctx_tab *t, ausf_ctx *c)
{
	for (ausf_ctx **pp = bucket(t, c->id); *pp != NULL; pp = &(*pp)->next)
		if (*pp == c) {
			drop(t, pp);
			return;
		}
}

ausf_ctx *ausf_ctx_find(ausf_ctx_tab *t, const char *id, uint64_t now_ms)
{
	for (ausf_ctx *c = *bucket(t, id); c != NULL; c = c->next)
		if (strcmp(c->id, id) == 0)
			return c->expires_ms > now_ms ? c : NULL;
	return NULL;
}

ausf_ctx *ausf_ctx_add(ausf_ctx_tab *t, const char *id)
{
	if (strlen(id) >= sizeof((ausf_ctx *)0)->id)
		return NULL;
	ausf_ctx *old = ausf_ctx_find(t, id, 0);
	if (old != NULL)
		ausf_ctx_remove(t, old);
	ausf_ctx *c;
	if (t->n >= t->max || (c = calloc(1, sizeof *c)) == NULL)
		return NULL;
	strcpy(c->id, id);
	ausf_ctx **pp = bucket(t, id);
	c->next = *pp;
	*pp = c;
	t->n++;
	return c;
}

size_t ausf_ctx_expire(ausf_ctx_tab *t, uint64_t now_ms)
{
	size_t gone = 0;
	for (size_t i = 0; i < BUCKETS && t->n > 0; i++)
		for (ausf_ctx **pp = &t->b[i]; *pp != NULL;)
			if ((*pp)->expires_ms <= now_ms) {
				drop(t, pp);
				gone++;
			} else {
				pp = &(*pp)->next;
			}
	return gone;
}

size_t ausf_ctx_count(const ausf_ctx_tab *t)
{
	return t->n;
}

void ausf_ctx_tab_free(ausf_ctx_tab *t)
{
	if (t == NULL)
		return;
	ausf_ctx_expire(t, AUSF_NEVER); /* every entry, AUSF_NEVER ones too */
	free(t);
}
