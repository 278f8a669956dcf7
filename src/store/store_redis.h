/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the Redis Cluster backend (store_redis.c, the I/O) and store_redis_codec.c (the
 * URL, the command texts, the decoding of a device's hash; no I/O): shared here only so that
 * each file stays one concern. Layout and atomicity: the top of store_redis.c.
 */
#ifndef AIOT_STORE_REDIS_H
#define AIOT_STORE_REDIS_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "keywrap.h"
#include "store_backend.h"

#define RS_NS_MAX 32
#define RS_KEY_MAX (RS_NS_MAX + 8 + 2 * AIOT_PERM_ID_MAX + 2)
#define RS_SEEDS_MAX 1024
#define RS_WAIT_DEFAULT 1       /* replicas that must confirm a write */
#define RS_WAIT_MS_DEFAULT 1000 /* how long WAIT waits for them */

/* "//HOST:PORT[,HOST:PORT...][?wait=N&wait-ms=T&ns=NAME]" (the path after "redis-cluster:"). */
typedef struct rs_url {
	char seeds[RS_SEEDS_MAX]; /* "redis-cluster://HOST:PORT,..." for redis_cluster_open */
	char ns[RS_NS_MAX + 1];   /* key prefix, default "aiot" */
	int wait_n, wait_ms;
} rs_url;

int rs_url_parse(const char *path, rs_url *u, char *err, size_t errlen);

/* One command, built in place (its argv points into it and into the caller's data). */
#define RS_ARGS 32
struct rs_cmd {
	char key[RS_KEY_MAX];
	size_t keylen;
	int argc, nnum;
	const char *argv[RS_ARGS];
	size_t argvlen[RS_ARGS];
	char num[4][8];
	uint8_t blob[32 + AIOT_KW_OVERHEAD];
};

static inline void rs_arg(struct rs_cmd *c, const void *p, size_t len)
{
	c->argv[c->argc] = p;
	c->argvlen[c->argc++] = len;
}

static inline void rs_args(struct rs_cmd *c, const char *s)
{
	rs_arg(c, s, strlen(s));
}

void rs_argn(struct rs_cmd *c, int v);
/* EVAL script 1 key (c->key). */
void eval_begin(struct rs_cmd *c, const char *script);
void dev_key(const char *ns, const uint8_t *id, size_t len, struct rs_cmd *c);

/* The index of a record whose permanent ID another record of recs has too (0 when out of
 * memory), or n. */
size_t rs_duplicate(const aiot_dev_record *recs, size_t n);
/* Why a device's write is not committed, into err. */
void rs_failure(int wait_n, const redisReply *x, int acked, char *err, size_t errlen);

/* A device's HGETALL reply into rec (all but the permanent ID and the key), its profile
 * (pointing into x) and its sealed key; NULL, or what is wrong. */
const char *rs_decode_fields(const redisReply *x, aiot_dev_record *rec, const char **profile,
                             const uint8_t **blob, size_t *bloblen);
/* A SCAN reply: its keys appended to *keys (n of cap), the next cursor. */
/* HMGET key names[0..n) (n of them, "tt" among them) into rec and *profile (into x): NULL,
 * RS_NO_DEVICE (tt absent: no such device), or what is wrong. */
#define RS_NO_DEVICE "no such device"
const char *rs_decode_state(const redisReply *x, const char *const *names, size_t n,
                            aiot_dev_record *rec, const char **profile);
/* NAME:tid:{HEX}, the T-ID index entry of tid, into c->key. */
void tid_key(const char *ns, const uint8_t tid[16], struct rs_cmd *c);
int rs_scan_reply(const redisReply *x, char *cursor, size_t cursorlen, char ***keys, size_t *n,
                  size_t *cap);

#endif
