/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Redis Cluster backend's reads (store_redis.h; store_backend.h read, find_tid, fetch):
 * called by any thread, outside the store's be_lock, each on a connection of the handle's pool
 * of RS_POOL (pool_lock), so that lookups do not wait for the writer's commits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/aiot_err.h"
#include "store_redis.h"

/* ---- reads: any thread, a connection of the pool -------------------------------------- */

/* Gives slot i back to the pool. */
static void pool_put(rs *r, int i)
{
	pthread_mutex_lock(&r->pool_lock);
	r->busy[i] = 0;
	pthread_cond_signal(&r->pool_cond);
	pthread_mutex_unlock(&r->pool_lock);
}

/* A free connection of the pool (opened on first use), its slot in *slot; NULL when it cannot
 * be opened. */
static redis_cluster *pool_get(rs *r, int *slot)
{
	char err[160];
	int i = 0;
	pthread_mutex_lock(&r->pool_lock);
	for (;;) {
		for (i = 0; i < RS_POOL && r->busy[i]; i++)
			;
		if (i < RS_POOL)
			break;
		pthread_cond_wait(&r->pool_cond, &r->pool_lock);
	}
	r->busy[i] = 1;
	pthread_mutex_unlock(&r->pool_lock);
	*slot = i;
	/* Slot i is this thread's until busy[i] is cleared: read it before giving it back. */
	redis_cluster *cl = r->pool[i];
	if (cl == NULL)
		cl = r->pool[i] = redis_cluster_open(r->u.seeds, NULL, err, sizeof err);
	if (cl == NULL) {
		fprintf(stderr, "aiot store: %s\n", err);
		pool_put(r, i);
	}
	return cl;
}

/* One command on a connection of the pool: its reply, or NULL. */
static redisReply *read_cmd(rs *r, struct rs_cmd *c)
{
	char err[160];
	int i;
	redis_cluster *cl = pool_get(r, &i);
	if (cl == NULL)
		return NULL;
	redis_cmd cmd = rs_cmd_of(c);
	redisReply *x = redis_cluster_command(cl, &cmd, err, sizeof err);
	if (x == NULL)
		fprintf(stderr, "aiot store: read: %s\n", err);
	pool_put(r, i);
	return x;
}

int rs_read(void *b, const uint8_t *id, size_t len, aiot_dev_record *rec, char **profile)
{
	static const char *const state[] = {"tt", "t", "tp", "rn", "rd", "d"};
	rs *r = b;
	struct rs_cmd c;
	const char *names[8], *pj = NULL;
	size_t n = 0;
	aiot_dev_record st;
	for (size_t k = 0; k < (rec != NULL ? 6u : 1u); k++)
		names[n++] = state[k];
	if (profile != NULL) {
		names[n++] = "j";
		*profile = NULL;
	}
	dev_key(r->u.ns, id, len, &c);
	rs_key_cmd(&c, "HMGET");
	for (size_t k = 0; k < n; k++)
		rs_args(&c, names[k]);
	redisReply *x = read_cmd(r, &c);
	if (x == NULL)
		return AIOT_ERR_TIMEOUT;
	memset(&st, 0, sizeof st);
	const char *why = rs_decode_state(x, names, n, &st, &pj);
	int rc = why == NULL                      ? AIOT_OK
	         : strcmp(why, RS_NO_DEVICE) == 0 ? AIOT_ERR_UNKNOWN
	                                          : AIOT_ERR_MALFORMED;
	if (rc == AIOT_ERR_MALFORMED)
		fprintf(stderr, "aiot store: %s: %s\n", c.key, why);
	if (rc == AIOT_OK && rec != NULL) {
		rec->has_tid = st.has_tid;
		rec->has_tid_prev = st.has_tid_prev;
		rec->tid_type = st.tid_type;
		memcpy(rec->tid, st.tid, 16);
		memcpy(rec->tid_prev, st.tid_prev, 16);
		rec->has_session = st.has_session;
		memcpy(rec->rand_n, st.rand_n, 16);
		memcpy(rec->rand_d, st.rand_d, 16);
		rec->doa_n = st.doa_n;
		memcpy(rec->doa_rand_d, st.doa_rand_d, sizeof rec->doa_rand_d);
	}
	if (rc == AIOT_OK && profile != NULL && pj != NULL && (*profile = strdup(pj)) == NULL)
		rc = AIOT_ERR_NOSPACE;
	freeReplyObject(x);
	return rc;
}

int rs_find_tid(void *b, const uint8_t tid[16], uint8_t id[AIOT_PERM_ID_MAX], size_t *len)
{
	rs *r = b;
	struct rs_cmd c;
	tid_key(r->u.ns, tid, &c);
	rs_key_cmd(&c, "GET");
	redisReply *x = read_cmd(r, &c);
	int rc = x == NULL ? AIOT_ERR_TIMEOUT : AIOT_ERR_UNKNOWN;
	if (x != NULL && x->type == REDIS_REPLY_STRING && x->len >= 1 &&
	    x->len <= AIOT_PERM_ID_MAX) {
		memcpy(id, x->str, x->len);
		*len = x->len;
		rc = AIOT_OK;
	} else if (x != NULL && x->type != REDIS_REPLY_NIL) {
		rc = AIOT_ERR_MALFORMED;
	}
	freeReplyObject(x);
	return rc;
}

int rs_fetch(void *b, const uint8_t *id, size_t len, aiot_store_row_fn row, void *arg)
{
	rs *r = b;
	struct rs_cmd c;
	aiot_dev_record rec;
	const char *profile = NULL;
	dev_key(r->u.ns, id, len, &c);
	rs_key_cmd(&c, "HGETALL");
	redisReply *x = read_cmd(r, &c);
	if (x == NULL)
		return AIOT_ERR_TIMEOUT;
	int rc = AIOT_ERR_UNKNOWN;
	if (x->type == REDIS_REPLY_ARRAY && x->elements > 0) {
		memset(&rec, 0, sizeof rec);
		const char *why = rs_decode_dev(r, c.key, x, &rec, &profile);
		if (why != NULL)
			fprintf(stderr, "aiot store: %s: %s\n", c.key, why);
		rc = why != NULL ? AIOT_ERR_MALFORMED : row(arg, &rec, profile);
		OPENSSL_cleanse(&rec, sizeof rec);
	}
	freeReplyObject(x);
	return rc;
}
