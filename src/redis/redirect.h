/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Redirections and retryable errors in a node's error reply (Redis Cluster specification,
 * "Redirection and resharding"): "MOVED slot host:port" (the slot now lives there for good:
 * update the map), "ASK slot host:port" (this one query goes there after ASKING; the map is
 * unchanged), and the transient "TRYAGAIN", "CLUSTERDOWN", "LOADING", "MASTERDOWN" (retry
 * later). Sans-I/O.
 */
#ifndef AIOT_REDIS_REDIRECT_H
#define AIOT_REDIS_REDIRECT_H
#include <stddef.h>

#include "slotmap.h"

typedef enum redis_redirect_kind {
	REDIS_REPLY_FINAL, /* not a redirection: the answer (an error the caller sees) */
	REDIS_REDIRECT_MOVED,
	REDIS_REDIRECT_ASK,
	REDIS_RETRY_LATER, /* TRYAGAIN, CLUSTERDOWN, LOADING, MASTERDOWN */
} redis_redirect_kind;

typedef struct redis_redirect {
	redis_redirect_kind kind;
	unsigned slot;   /* MOVED, ASK */
	redis_addr addr; /* MOVED, ASK */
} redis_redirect;

/* Classifies an error reply's text str[0..len). A "MOVED"/"ASK" that does not parse is an
 * error (AIOT_ERR_MALFORMED), never a guess; any other text is REDIS_REPLY_FINAL. */
int redis_redirect_parse(const char *str, size_t len, const char *from_host, redis_redirect *out);

/* What a client does next with reply r (NULL: the connection failed) that node `from` sent:
 * STEP_DONE (r is the answer), STEP_REDIRECT to *next (-1: the map's node, which a MOVED has
 * just updated; else an ASK target, to send ASKING to first: *asking), STEP_RETRY after a
 * pause and a map refresh. The map changes on MOVED only. */
typedef enum redis_step {
	REDIS_STEP_DONE,
	REDIS_STEP_REDIRECT,
	REDIS_STEP_RETRY,
} redis_step;

redis_step redis_route_reply(redis_slotmap *m, const redisReply *r, int from, int *next,
                             int *asking);

#endif
