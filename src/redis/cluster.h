/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A Redis Cluster client on hiredis (which has none): routing by key slot (slot.h) over the
 * slot map (slotmap.h), MOVED and ASK redirections (redirect.h), refresh of the map and
 * reconnection when a node fails and a replica is promoted, pipelining. This file: the
 * synchronous client, for tools and tests (blocking, one thread at a time); cluster_async.h
 * is the one for event loops.
 *
 * Delivery: a command whose connection broke after it was sent is sent again (after a map
 * refresh), so a command may be applied twice: writes through this client must be idempotent
 * (SET of a whole value, a Lua compare-and-set), never INCR-like. Nothing here logs; error
 * texts name slots and node addresses only, never a key or a value.
 */
#ifndef AIOT_REDIS_CLUSTER_H
#define AIOT_REDIS_CLUSTER_H
#include <stddef.h>

#include <hiredis/hiredis.h>

typedef struct redis_cluster_opts {
	int io_timeout_ms; /* connect and per-reply timeout of one node (default 1000) */
	int retry_ms; /* how long a command keeps retrying a slot with no node (default 5000) */
} redis_cluster_opts;

/* o with its unset (zero) fields at the defaults; o may be NULL. */
redis_cluster_opts redis_cluster_opts_fill(const redis_cluster_opts *o);

/* One command of a pipeline, routed by key (which need not be one of argv, e.g. WAIT). */
typedef struct redis_cmd {
	const char *key;
	size_t keylen;
	int argc;
	const char **argv;
	const size_t *argvlen;
} redis_cmd;

typedef struct redis_cluster redis_cluster;

/* Connects to the seeds of "redis-cluster://HOST:PORT[,HOST:PORT...]" and loads the slot
 * map (every slot covered). NULL with a message in err. o may be NULL (defaults). */
redis_cluster *redis_cluster_open(const char *url, const redis_cluster_opts *o, char *err,
                                  size_t errlen);
void redis_cluster_close(redis_cluster *c);

/* The reply (the caller frees it with freeReplyObject; an error reply is a reply), or NULL
 * with a message in err when no node served the key's slot within retry_ms. */
redisReply *redis_cluster_command(redis_cluster *c, const redis_cmd *cmd, char *err, size_t errlen);

/* cmd, then WAIT numreplicas timeout_ms pipelined on the same connection, so that the WAIT
 * counts the replicas that have cmd's write (a redirected or resent cmd is followed by a new
 * WAIT). The reply of cmd as redis_cluster_command; *acked the replicas that acknowledged it
 * (WAIT's answer), -1 if the WAIT itself failed. */
redisReply *redis_cluster_command_wait(redis_cluster *c, const redis_cmd *cmd, int numreplicas,
                                       int timeout_ms, int *acked, char *err, size_t errlen);

/* Sends the n commands, grouped per node, all of a node's before reading its replies, then
 * redoes the redirected ones one by one. replies[i] answers cmds[i] (NULL if it failed).
 * AIOT_OK when all n have a reply, else the first failure's message in err. */
int redis_cluster_pipeline(redis_cluster *c, const redis_cmd *cmds, size_t n, redisReply **replies,
                           char *err, size_t errlen);

/* The same with WAIT numreplicas timeout_ms after each node's commands, on the same
 * connection (numreplicas < 0: none): acked[i] (NULL: not wanted) is that WAIT's answer for
 * cmds[i], or that of the WAIT sent again with it when it had to be redone alone; -1 when
 * the WAIT failed. A lost WAIT answer makes its node's commands be sent again. */
int redis_cluster_pipeline_wait(redis_cluster *c, const redis_cmd *cmds, size_t n, int numreplicas,
                                int timeout_ms, redisReply **replies, int *acked, char *err,
                                size_t errlen);

/* Reloads the slot map from the first node that answers. */
int redis_cluster_refresh(redis_cluster *c, char *err, size_t errlen);

/* The address "host:port" of the master now serving key's slot per the map (tests). */
int redis_cluster_master_of(redis_cluster *c, const char *key, size_t keylen, char *out,
                            size_t outlen);

/* One slot of each master the map knows (the first it serves), as many as fit in cap; the
 * number of masters. With redis_cluster_slot_command: a command for every master (SCAN). */
size_t redis_cluster_master_slots(redis_cluster *c, unsigned *slots, size_t cap);

/* cmd (its key unused) to the master of slot, as redis_cluster_command. */
redisReply *redis_cluster_slot_command(redis_cluster *c, unsigned slot, const redis_cmd *cmd,
                                       char *err, size_t errlen);

#endif
