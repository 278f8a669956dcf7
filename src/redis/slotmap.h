/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cluster's slot map (Redis Cluster specification, "CLUSTER SLOTS"): which node serves
 * each of the 16384 slots, and each node's replicas. Node entries are only ever added (never
 * moved or removed), so a client keeps one connection per node index. Sans-I/O: the map is
 * filled from a parsed reply (hiredis's redisReply) and from redirections (redirect.h); every
 * check is made before the map changes. Owned by one client (cluster.c or cluster_async.c),
 * never shared between threads.
 */
#ifndef AIOT_REDIS_SLOTMAP_H
#define AIOT_REDIS_SLOTMAP_H
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

#include "slot.h"

#define REDIS_MAX_NODES 64
#define REDIS_HOST_MAX 64 /* an IPv6 literal or a short host name, NUL included */

typedef struct redis_addr {
	char host[REDIS_HOST_MAX];
	int port;
} redis_addr;

typedef struct redis_node {
	redis_addr addr;
	int master; /* index of its master when last seen as a replica, -1 for a master */
} redis_node;

typedef struct redis_slotmap {
	size_t n;
	redis_node node[REDIS_MAX_NODES];
	int16_t slot[REDIS_SLOTS]; /* index of the master serving the slot, -1: none known */
} redis_slotmap;

/* "HOST:PORT" (the last ':' separates, so "::1:7000" is host "::1"); an empty host takes
 * dflt_host (a redirection to ":PORT" means the node we asked, Redis 7). AIOT_ERR_* on a
 * malformed address. */
int redis_addr_parse(const char *s, size_t len, const char *dflt_host, redis_addr *out);

#define REDIS_URL_FORM "redis-cluster://HOST:PORT[,HOST:PORT...]"

/* An empty map of the seed nodes "redis-cluster://HOST:PORT[,HOST:PORT...]" (the scheme is
 * optional). AIOT_ERR_MALFORMED if an address is malformed, AIOT_ERR_NOSPACE if too many. */
int redis_slotmap_init(redis_slotmap *m, const char *url);

/* The index of the node at a, added if new; -1 when the table is full. */
int redis_slotmap_node(redis_slotmap *m, const redis_addr *a);

/* Replaces the slot assignment with a CLUSTER SLOTS reply obtained from a node on from_host
 * (an empty host in the reply means that host). The map is unchanged on error. */
int redis_slotmap_update(redis_slotmap *m, const redisReply *r, const char *from_host);

/* Number of slots with a master. */
size_t redis_slotmap_covered(const redis_slotmap *m);

#endif
