/* SPDX-License-Identifier: Apache-2.0 */
/* Deep copy of a redisReply (reply.h), allocated as hiredis allocates so that
 * freeReplyObject frees it. */
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
