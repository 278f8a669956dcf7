/* SPDX-License-Identifier: Apache-2.0 */
/* Deep copy of a redisReply (reply.h), allocated as hiredis allocates so that
 * freeReplyObject frees it. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "reply.h"

#define MAX_DEPTH 16 /* CLUSTER SLOTS is 4 deep; Lua replies rarely deeper */

static redisReply *dup_at(const redisReply *r, int depth)
{
	redisReply *d;
	if (r == NULL || depth > MAX_DEPTH || (d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	d->type = r->type;
	d->integer = r->integer;
	if (r->str != NULL) {
		if ((d->str = malloc(r->len + 1)) == NULL)
			goto fail;
		memcpy(d->str, r->str, r->len);
		d->str[r->len] = '\0';
		d->len = r->len;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
		if ((d->element = calloc(r->elements, sizeof *d->element)) == NULL)
			goto fail;
		d->elements = r->elements;
		for (size_t i = 0; i < r->elements; i++)
			if ((d->element[i] = dup_at(r->element[i], depth + 1)) == NULL)
				goto fail;
	}
	return d;
fail:
	freeReplyObject(d);
	return NULL;
}

redisReply *redis_reply_dup(const redisReply *r)
{
	return dup_at(r, 0);
}

/* ---- the bound on announced aggregates (reply.h) ------------------------------------------ */

static redisReplyObjectFunctions bounded_fn;
static void *(*create_array)(const redisReadTask *, int);
static pthread_once_t bounded_once = PTHREAD_ONCE_INIT;
static const redisReplyObjectFunctions *bounded_from;

static void *create_array_bounded(const redisReadTask *t, int elements)
{
	if (elements < 0 || elements > REDIS_MAX_ELEMENTS)
		return NULL; /* the reader reports it as out of memory and stops */
	return create_array(t, elements);
}

static void bounded_init(void)
{
	bounded_fn = *bounded_from;
	create_array = bounded_from->createArray;
	bounded_fn.createArray = create_array_bounded;
}

void redis_reader_bound(redisReader *rd)
{
	/* hiredis's default table is static inside the library: copy the one every reader
	 * starts with, once, and swap in the bounded createArray. */
	if (rd == NULL || rd->fn == NULL || rd->fn == &bounded_fn)
		return;
	bounded_from = rd->fn;
	pthread_once(&bounded_once, bounded_init);
	if (rd->fn->createArray == create_array)
		rd->fn = &bounded_fn;
}
