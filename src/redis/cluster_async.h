/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Redis Cluster client for an event loop (libevent, through hiredis's adapter): no call
 * blocks on the network. Same routing as cluster.h (key slots, MOVED, ASK, map refresh on
 * failover). Commands to one node are pipelined on its one connection (hiredis writes them
 * as they come and matches replies in order). A command whose slot has no node that answers
 * (a master died and no replica is promoted yet, CLUSTERDOWN, TRYAGAIN) waits for the next
 * map refresh (every 50 ms while any is waiting) and fails with a clear error after
 * retry_ms. A node that stops answering for io_timeout_ms (plus the longest WAIT timeout) is
 * disconnected and its commands go the same way. Delivery is at least once (cluster.h).
 *
 * Owned by the thread that runs the event base; not thread-safe. No key or value is logged.
 */
#ifndef AIOT_REDIS_CLUSTER_ASYNC_H
#define AIOT_REDIS_CLUSTER_ASYNC_H
#include <event2/event.h>

#include "cluster.h"

typedef struct redis_acluster redis_acluster;

/* The outcome of one command: reply (valid during the call only; an error reply is a reply)
 * or NULL with err; acked: the replicas WAIT counted (-1 without WAIT or when it failed). */
typedef void redis_acluster_cb(const redisReply *reply, int acked, const char *err, void *arg);

/* Starts loading the slot map from the seeds of url in the background; commands issued
 * before it is loaded wait for it. NULL with a message in err (a malformed URL). */
redis_acluster *redis_acluster_new(struct event_base *base, const char *url,
                                   const redis_cluster_opts *o, char *err, size_t errlen);

/* Fails every pending command ("closed"), then frees. Not from inside a callback. */
void redis_acluster_free(redis_acluster *c);

/* Queues cmd (its arguments are copied); with numreplicas >= 0, WAIT numreplicas
 * wait_timeout_ms follows it on the same connection and cb runs after WAIT's answer. cb
 * runs exactly once, never from within this call. AIOT_ERR_NOSPACE when out of memory. */
int redis_acluster_command(redis_acluster *c, const redis_cmd *cmd, int numreplicas,
                           int wait_timeout_ms, redis_acluster_cb *cb, void *arg);

/* Commands queued or on the wire (tests, shutdown). */
size_t redis_acluster_pending(const redis_acluster *c);

#endif
