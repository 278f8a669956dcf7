/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal to the Redis Cluster backend, shared here only so that each file stays one concern:
 *   store_redis.c        open, load, insert, commit (the writes, under the store's be_lock);
 *   store_redis_index.c  the T-ID index (NAME:tid:{HEX});
 *   store_redis_read.c   the reads of any thread, on a pool of connections;
 *   store_redis_codec.c  the URL, the command texts, the decoding of a device's hash (no I/O).
 * Layout and atomicity: the top of store_redis.c.
 */
#ifndef AIOT_STORE_REDIS_H
#define AIOT_STORE_REDIS_H
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <pthread.h>

#include <hiredis/hiredis.h>

#include "keywrap.h"
#include "redis/cluster.h"
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
/* CMD c->key: a command on the key already in c. */
static inline void rs_key_cmd(struct rs_cmd *c, const char *cmd)
{
	c->argc = c->nnum = 0;
	rs_args(c, cmd);
	rs_arg(c, c->key, c->keylen);
}
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

/* ---- the backend's handle and its I/O (store_redis.c, _index.c, _read.c) --------------- */

#define RS_POOL 4 /* connections for the reads of the SBI workers */

typedef struct rs {
	redis_cluster *c;
	aiot_keywrap *kw;
	pthread_mutex_t kw_lock;
	rs_url u;
	char **keys; /* the device keys found by count, for load */
	size_t nkeys;
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	redis_cluster *pool[RS_POOL]; /* opened on first use */
	uint8_t busy[RS_POOL];
} rs;

static inline redis_cmd rs_cmd_of(struct rs_cmd *c)
{
	return (redis_cmd){c->key, c->keylen, c->argc, c->argv, c->argvlen};
}

/* 1 when the reply is the integer v. */
static inline int rs_is_int(const redisReply *x, long long v)
{
	return x != NULL && x->type == REDIS_REPLY_INTEGER && x->integer == v;
}

/* 1 when the reply is the status OK. */
static inline int rs_is_ok(const redisReply *x)
{
	return x != NULL && x->type == REDIS_REPLY_STATUS && strcmp(x->str, "OK") == 0;
}

/* A write of a pipeline committed: answered (ok) and confirmed by WAIT. */
static inline int rs_confirmed(const rs *r, int ok, int acked)
{
	return ok && (r->u.wait_n == 0 || acked >= r->u.wait_n);
}

/* The n commands c on the handle's connection, each then WAIT (wait: the URL's N) with its
 * count in acked[i]: replies into rep (NULL where none came). */
int rs_pipeline(rs *r, struct rs_cmd *c, size_t n, redisReply **rep, int *acked, int wait,
                char *err, size_t errlen);
void rs_free_replies(redisReply **rep, size_t n);
/* A device's HGETALL reply x at key into rec, the key unsealed: NULL or what is wrong. */
const char *rs_decode_dev(rs *r, const char *key, const redisReply *x, aiot_dev_record *rec,
                          const char **profile);

/* The T-ID index (store_redis_index.c). SET NAME:tid:{tid} permId (nx: only if absent). */
void rs_index_cmd(const rs *r, const uint8_t tid[16], const uint8_t *id, size_t len, int nx,
                  struct rs_cmd *c);
/* The n entries ix, confirmed by WAIT like a change; failed[k] set for each that is not. */
int rs_index_write(rs *r, struct rs_cmd *ix, size_t n, uint8_t *failed, char *err, size_t errlen);
/* The entries of the T-IDs recs hold (nx: only the missing ones, at load). */
int rs_index_recs(rs *r, const aiot_dev_record *recs, size_t n, int nx, char *err, size_t errlen);
/* rs_index_recs before an insert, its error saying that nothing was inserted. */
int rs_insert_index(rs *r, const aiot_dev_record *recs, size_t n, char *err, size_t errlen);
/* After a commit, best effort: the T-IDs gone[j] that left the devices of ch[map[j]]... */
void rs_index_prune(rs *r, const aiot_store_change *ch, size_t m, const size_t *map,
                    const uint8_t *const *gone);
/* ... and the new T-IDs of the rotations that did not commit (res[i] != AIOT_OK). */
void rs_index_unwind(rs *r, const aiot_store_change *ch, size_t n, const int *res);

/* The backend's reads (store_redis_read.c), any thread: store_backend.h read, find_tid,
 * fetch. */
int rs_read(void *b, const uint8_t *id, size_t len, aiot_dev_record *rec, char **profile);
int rs_find_tid(void *b, const uint8_t tid[16], uint8_t id[AIOT_PERM_ID_MAX], size_t *len);
int rs_fetch(void *b, const uint8_t *id, size_t len, aiot_store_row_fn row, void *arg);

#endif
