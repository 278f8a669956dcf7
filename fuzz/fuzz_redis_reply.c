/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz what the Redis Cluster client reads from a node (src/redis): the input is RESP, parsed
 * by hiredis's reader as the client's connections do, and each reply goes through our code:
 * an error reply through redis_redirect_parse and redis_route_reply (MOVED/ASK/retry), an
 * array through redis_slotmap_update (CLUSTER SLOTS), every reply through redis_reply_dup.
 * Checks: a map refused is unchanged, a map taken is consistent (every slot names a node),
 * a parsed redirection is in range, the copy equals the original. The input as a store URL
 * goes through redis_slotmap_init.
 */
#include "fuzz_resp.h"
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "redis/redirect.h"
#include "redis/reply.h"
#include "redis/slotmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static redis_slotmap map, before;

static int same(const redisReply *a, const redisReply *b)
{
	if (a->type != b->type || a->integer != b->integer || a->len != b->len ||
	    a->elements != b->elements || (a->str == NULL) != (b->str == NULL) ||
	    (a->str && memcmp(a->str, b->str, a->len) != 0))
		return 0;
	for (size_t i = 0; a->type == REDIS_REPLY_ARRAY && i < a->elements; i++)
		if (!same(a->element[i], b->element[i]))
			return 0;
	return 1;
}

static void consistent(const redis_slotmap *m)
{
	if (m->n > REDIS_MAX_NODES)
		__builtin_trap();
	for (size_t s = 0; s < REDIS_SLOTS; s++)
		if (m->slot[s] < -1 || m->slot[s] >= (int)m->n)
			__builtin_trap();
	for (size_t i = 0; i < m->n; i++)
		if (m->node[i].addr.port < 1 || m->node[i].addr.port > 65535 ||
		    memchr(m->node[i].addr.host, 0, REDIS_HOST_MAX) == NULL ||
		    m->node[i].master >= (int)m->n)
			__builtin_trap();
}

static void one(const redisReply *r)
{
	redis_redirect rd;
	int next, asking;
	redisReply *d = redis_reply_dup(r);
	if (d != NULL && !same(r, d))
		__builtin_trap();
	freeReplyObject(d);
	if (r->type == REDIS_REPLY_ERROR &&
	    redis_redirect_parse(r->str, r->len, "10.0.0.1", &rd) == AIOT_OK &&
	    rd.kind != REDIS_REPLY_FINAL && rd.kind != REDIS_RETRY_LATER &&
	    (rd.slot >= REDIS_SLOTS || rd.addr.port < 1 || rd.addr.port > 65535 ||
	     rd.addr.host[0] == '\0'))
		__builtin_trap();
	if (r->type == REDIS_REPLY_ERROR) {
		redis_route_reply(&map, r, 0, &next, &asking);
		if (next >= (int)map.n || (asking && next < 0))
			__builtin_trap();
	}
	before = map;
	if (redis_slotmap_update(&map, r, "10.0.0.2") != AIOT_OK &&
	    memcmp(&before, &map, sizeof map) != 0)
		__builtin_trap();
	consistent(&map);
}

static void each(void *r)
{
	one(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *url = malloc(size + 1);
	if (url == NULL)
		return 0;
	memcpy(url, data, size);
	url[size] = '\0';
	if (redis_slotmap_init(&map, url) == AIOT_OK)
		consistent(&map);
	free(url);
	redis_slotmap_init(&map, "127.0.0.1:7000");
	fuzz_resp_replies(data, size, each);
	return 0;
}
