/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device store's Redis Cluster backend (store_backend.h), scheme
 * "redis-cluster://HOST:PORT[,HOST:PORT...][?wait=N&wait-ms=T&ns=NAME]", on the synchronous
 * cluster client (src/redis/cluster.h): the store calls a backend only under its be_lock
 * (open, insert, and its writer thread's commits), one call at a time, so blocking calls are
 * right here and the backend needs no lock of its own.
 *
 * Layout (docs/redis-cluster.md): NAME:meta, a hash {v: schema version, kek: KEK check
 * value}; NAME:dev:{HEX}, one hash per device, HEX its permanent ID in hex and the hash tag,
 * so a device's whole state is in one slot. Keys are sealed under the KEK (keywrap.h, AAD =
 * the permanent ID, as in SQLite). NAME:tid:{HEX}: the T-ID index (store_redis_index.c).
 *
 * The backend is shared (store_backend.h): several ADM processes use one store, so every
 * change is one Lua script on the device's slot that checks the change's expectation and
 * writes, atomically (compare-and-set in the cluster, not in a process's cache), then WAIT
 * N T on the same connection; it is committed only when the script answered 1 and WAIT
 * counted N replicas. A T-ID's index entry is written (and confirmed) before the change that
 * makes the T-ID the device's: the index may name a device that does not hold the T-ID
 * (checked on lookup), never miss one that does; the entry of a rotation that did not commit
 * is removed again (index_unwind). Redis has no transaction across slots, so
 * the all-or-none promise holds per device; insert deletes again what it wrote when any
 * device failed. Each change has a nonce and its script recognises its own write, so the
 * client may send one twice (cluster.c resends a node's commands after a lost connection,
 * also those that ran, maybe after other changes of the device): DO-A while its RAND_d is in
 * the window (a nonce per entry), T-ID while its T-ID is the current or the previous one
 * (tn/tpn), session and profile while its nonce is among the device's last RS_NONCES of that
 * kind (sn/jn); past that, a resend is decided like a new change (the scripts below).
 *
 * Locks: open, insert and commit run under the store's be_lock on r->c; read, find_tid and
 * fetch run on any thread, each on a connection of the pool (pool_lock); the keywrap
 * context is used by both (kw_lock).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/aiot_err.h"
#include "common/hex.h"
#include "keywrap.h"
#include "redis/cluster.h"
#include "store_backend.h"
#include "store_redis.h"

#define RS_VERSION "1"

/* ---- commands ------------------------------------------------------------------------ */

int rs_pipeline(rs *r, struct rs_cmd *c, size_t n, redisReply **rep, int *acked, int wait,
                char *err, size_t errlen)
{
	redis_cmd *cmds = calloc(n ? n : 1, sizeof *cmds);
	if (cmds == NULL) {
		snprintf(err, errlen, "out of memory");
		return AIOT_ERR_NOSPACE;
	}
	for (size_t i = 0; i < n; i++)
		cmds[i] = rs_cmd_of(&c[i]);
	int rc = redis_cluster_pipeline_wait(r->c, cmds, n, wait && r->u.wait_n ? r->u.wait_n : -1,
	                                     r->u.wait_ms, rep, acked, err, errlen);
	free(cmds);
	return rc;
}

void rs_free_replies(redisReply **rep, size_t n)
{
	for (size_t i = 0; rep != NULL && i < n; i++)
		freeReplyObject(rep[i]);
}

/* ---- open: the meta key, the KEK check ------------------------------------------------- */

static const char meta_create_lua[] =
    "if redis.call('EXISTS',KEYS[1])==1 then return 0 end "
    "redis.call('HSET',KEYS[1],'v',ARGV[1],'kek',ARGV[2]) return 1";

static int meta_create(rs *r, char *err, size_t errlen)
{
	struct rs_cmd c;
	uint8_t check[AIOT_KW_CHECK_LEN];
	int acked = -1;
	if (aiot_keywrap_check_seal(r->kw, check) != AIOT_OK) {
		snprintf(err, errlen, "cannot compute the KEK check value");
		return AIOT_ERR_CRYPTO;
	}
	c.keylen = (size_t)snprintf(c.key, sizeof c.key, "%s:meta", r->u.ns);
	eval_begin(&c, meta_create_lua);
	rs_args(&c, RS_VERSION);
	rs_arg(&c, check, sizeof check);
	redis_cmd cmd = rs_cmd_of(&c);
	redisReply *x = r->u.wait_n ? redis_cluster_command_wait(r->c, &cmd, r->u.wait_n,
	                                                         r->u.wait_ms, &acked, err, errlen)
	                            : redis_cluster_command(r->c, &cmd, err, errlen);
	int ok = x != NULL && x->type == REDIS_REPLY_INTEGER &&
	         (x->integer == 0 || r->u.wait_n == 0 || acked >= r->u.wait_n);
	if (x != NULL && !ok)
		snprintf(err, errlen, "%s:meta: not created (WAIT: %d of %d replicas)", r->u.ns,
		         acked, r->u.wait_n);
	freeReplyObject(x);
	return ok ? AIOT_OK : AIOT_ERR_STATE;
}

/* Reads NAME:meta: 1 found (checked), 0 absent, <0 error. */
static int meta_check(rs *r, char *err, size_t errlen)
{
	struct rs_cmd c;
	c.keylen = (size_t)snprintf(c.key, sizeof c.key, "%s:meta", r->u.ns);
	c.argc = 0;
	rs_args(&c, "HMGET");
	rs_arg(&c, c.key, c.keylen);
	rs_args(&c, "v");
	rs_args(&c, "kek");
	redis_cmd cmd = rs_cmd_of(&c);
	redisReply *x = redis_cluster_command(r->c, &cmd, err, errlen);
	int rc = AIOT_ERR_STATE;
	if (x == NULL)
		return rc;
	if (x->type != REDIS_REPLY_ARRAY || x->elements != 2) {
		snprintf(err, errlen, "%s:meta: unexpected reply", r->u.ns);
		goto out;
	}
	const redisReply *v = x->element[0], *k = x->element[1];
	if (v->type == REDIS_REPLY_NIL && k->type == REDIS_REPLY_NIL) {
		rc = 0;
		goto out;
	}
	if (v->type != REDIS_REPLY_STRING || strcmp(v->str, RS_VERSION) != 0) {
		snprintf(err, errlen,
		         "%s:meta: schema version %s is not supported (this build: %s)", r->u.ns,
		         v->type == REDIS_REPLY_STRING ? v->str : "(none)", RS_VERSION);
		goto out;
	}
	if (k->type != REDIS_REPLY_STRING ||
	    aiot_keywrap_check_open(r->kw, (const uint8_t *)k->str, k->len) != AIOT_OK) {
		snprintf(err, errlen,
		         "%s: wrong key-encryption key (the KEK check value does not "
		         "authenticate)",
		         r->u.ns);
		rc = AIOT_ERR_MAC;
		goto out;
	}
	rc = 1;
out:
	freeReplyObject(x);
	return rc;
}

static void rs_close(void *b);

static void *rs_open(const char *path, int create, const uint8_t kek[32], char *err, size_t errlen)
{
	rs *r = calloc(1, sizeof *r);
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&r->kw_lock, NULL);
	pthread_mutex_init(&r->pool_lock, NULL);
	pthread_cond_init(&r->pool_cond, NULL);
	if (rs_url_parse(path, &r->u, err, errlen) != AIOT_OK)
		goto fail;
	if ((r->kw = aiot_keywrap_new(kek)) == NULL) {
		snprintf(err, errlen, "cannot initialise AES-256-GCM");
		goto fail;
	}
	if ((r->c = redis_cluster_open(r->u.seeds, NULL, err, errlen)) == NULL)
		goto fail;
	int found = meta_check(r, err, errlen);
	if (found == 0 && !create) {
		snprintf(err, errlen,
		         "%s:meta: not an aiot device store (aiot provision creates a store; the "
		         "daemons only open one)",
		         r->u.ns);
		goto fail;
	}
	if (found == 0 &&
	    (meta_create(r, err, errlen) != AIOT_OK || (found = meta_check(r, err, errlen)) != 1))
		goto fail;
	if (found < 0)
		goto fail;
	return r;
fail:
	rs_close(r);
	return NULL;
}

static void free_keys(rs *r)
{
	for (size_t i = 0; i < r->nkeys; i++)
		free(r->keys[i]);
	free(r->keys);
	r->keys = NULL;
	r->nkeys = 0;
}

static void rs_close(void *b)
{
	rs *r = b;
	if (r == NULL)
		return;
	free_keys(r);
	redis_cluster_close(r->c);
	for (size_t i = 0; i < RS_POOL; i++)
		redis_cluster_close(r->pool[i]);
	aiot_keywrap_free(r->kw); /* cleanses the KEK schedule */
	pthread_mutex_destroy(&r->kw_lock);
	pthread_mutex_destroy(&r->pool_lock);
	pthread_cond_destroy(&r->pool_cond);
	free(r);
}

/* Every key matching pattern, from every master (SCAN); *keys malloc'd strings. */
static int rs_scan(redis_cluster *c, const char *pattern, char ***keys, size_t *n, char *err,
                   size_t errlen)
{
	unsigned slots[64];
	size_t nm = redis_cluster_master_slots(c, slots, 64), cap = 0;
	int rc = AIOT_OK;
	for (size_t m = 0; m < nm && m < 64 && rc == AIOT_OK; m++) {
		char cursor[32] = "0";
		do {
			const char *argv[6] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
			redis_cmd cmd = {"", 0, 6, argv, NULL};
			redisReply *x = redis_cluster_slot_command(c, slots[m], &cmd, err, errlen);
			rc = rs_scan_reply(x, cursor, sizeof cursor, keys, n, &cap);
			if (rc != AIOT_OK && x != NULL)
				snprintf(err, errlen, "SCAN: unexpected reply (or out of memory)");
			freeReplyObject(x);
		} while (rc == AIOT_OK && strcmp(cursor, "0") != 0);
	}
	return rc;
}

/* ---- count and load: every device once ------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static long long rs_count(void *b)
{
	rs *r = b;
	char pattern[RS_KEY_MAX], err[160];
	snprintf(pattern, sizeof pattern, "%s:dev:*", r->u.ns);
	free_keys(r);
	if (rs_scan(r->c, pattern, &r->keys, &r->nkeys, err, sizeof err) != AIOT_OK) {
		fprintf(stderr, "aiot store: %s\n", err);
		return AIOT_ERR_STATE;
	}
	/* SCAN may return a key twice: every device once. */
	if (r->nkeys > 1)
		qsort(r->keys, r->nkeys, sizeof *r->keys, cmp_str);
	size_t m = 0;
	for (size_t i = 0; i < r->nkeys; i++) {
		if (m > 0 && strcmp(r->keys[m - 1], r->keys[i]) == 0)
			free(r->keys[i]);
		else
			r->keys[m++] = r->keys[i];
	}
	r->nkeys = m;
	return (long long)m;
}

#define LOAD_CHUNK 1000

/* One device's hash (HGETALL) into rec and its profile; NULL or what is wrong. */
const char *rs_decode_dev(rs *r, const char *key, const redisReply *x, aiot_dev_record *rec,
                          const char **profile)
{
	const char *brace = strchr(key, '{');
	size_t hl = brace ? strcspn(brace + 1, "}") : 0;
	int n = brace ? aiot_hex_decode(brace + 1, hl, rec->perm_id, sizeof rec->perm_id) : -1;
	if (n < 1)
		return "bad permanent ID in the key";
	rec->perm_id_len = (uint8_t)n;
	if (x == NULL || x->type != REDIS_REPLY_ARRAY || x->elements == 0 || x->elements % 2)
		return "no such hash";
	const uint8_t *blob = NULL;
	size_t bloblen = 0;
	const char *why = rs_decode_fields(x, rec, profile, &blob, &bloblen);
	if (why != NULL)
		return why;
	pthread_mutex_lock(&r->kw_lock);
	int k = aiot_keywrap_open(r->kw, rec->perm_id, rec->perm_id_len, blob, bloblen, rec->key,
	                          sizeof rec->key);
	pthread_mutex_unlock(&r->kw_lock);
	if (k < 0 || aiot_suite_check_key(rec->suite, (size_t)k) != AIOT_OK)
		return "key does not authenticate under this KEK (tampered with or moved between "
		       "devices)";
	rec->key_len = (uint8_t)k;
	return NULL;
}

static int load_chunk(rs *r, size_t from, size_t n, aiot_store_row_fn row, void *arg, char *err,
                      size_t errlen)
{
	struct rs_cmd *c = calloc(n, sizeof *c);
	redisReply **rep = calloc(n, sizeof *rep);
	aiot_dev_record rec, *tids = calloc(n, sizeof *tids);
	int rc = AIOT_ERR_NOSPACE;
	if (c == NULL || rep == NULL || tids == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		c[i].keylen = (size_t)snprintf(c[i].key, sizeof c[i].key, "%s", r->keys[from + i]);
		rs_args(&c[i], "HGETALL");
		rs_arg(&c[i], c[i].key, c[i].keylen);
	}
	if ((rc = rs_pipeline(r, c, n, rep, NULL, 0, err, errlen)) != AIOT_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const char *profile = NULL;
		memset(&rec, 0, sizeof rec);
		memset(&tids[i], 0, sizeof tids[i]);
		/* Gone since the SCAN (an `aiot provision` batch that failed took its devices
		 * back): not a device, not an error. */
		if (rep[i] != NULL && rep[i]->type == REDIS_REPLY_ARRAY && rep[i]->elements == 0)
			continue;
		const char *why = rs_decode_dev(r, c[i].key, rep[i], &rec, &profile);
		if (why == NULL && row(arg, &rec, profile) != AIOT_OK)
			why = "out of memory loading the cache (or an inconsistent record)";
		if (why != NULL) {
			snprintf(err, errlen, "%s: %s", c[i].key, why);
			rc = strstr(why, "KEK") ? AIOT_ERR_MAC : AIOT_ERR_MALFORMED;
			goto out;
		}
		/* what the T-ID index needs, without the key */
		memset(rec.key, 0, sizeof rec.key);
		tids[i] = rec;
	}
	/* A store written before the T-ID index: the missing entries (SET NX). */
	if (rs_index_recs(r, tids, n, 1, err, errlen) != AIOT_OK)
		fprintf(stderr, "aiot store: T-ID index not completed: %s\n", err);
out:
	OPENSSL_cleanse(&rec, sizeof rec);
	free(tids);
	rs_free_replies(rep, n);
	free(rep);
	free(c);
	return rc;
}

static int rs_load(void *b, aiot_store_row_fn row, void *arg, char *err, size_t errlen)
{
	rs *r = b;
	int rc = AIOT_OK;
	if (r->keys == NULL && rs_count(r) < 0) {
		snprintf(err, errlen, "cannot list the devices (SCAN)");
		return AIOT_ERR_STATE;
	}
	for (size_t i = 0; i < r->nkeys && rc == AIOT_OK; i += LOAD_CHUNK)
		rc = load_chunk(r, i, r->nkeys - i < LOAD_CHUNK ? r->nkeys - i : LOAD_CHUNK, row,
		                arg, err, errlen);
	free_keys(r);
	return rc;
}

/* ---- insert: all devices or none (compensation) ---------------------------------------- */

/* ins: the nonce of the insert that made the device, so that a resent script (the client
 * sends again after a lost connection) knows its own write, and the undo deletes only it. */
static const char insert_lua[] = "local n=redis.call('HGET',KEYS[1],'ins') "
                                 "if n then if n==ARGV[1] then return 1 end return 0 end "
                                 "if redis.call('EXISTS',KEYS[1])==1 then return 0 end "
                                 "redis.call('HSET',KEYS[1],'ins',ARGV[1],unpack(ARGV,2)) return 1";
static const char undo_lua[] = "if redis.call('HGET',KEYS[1],'ins')==ARGV[1] then "
                               "return redis.call('DEL',KEYS[1]) end return 0";

static int insert_cmd(rs *r, const aiot_dev_record *d, const char *nonce, struct rs_cmd *c)
{
	dev_key(r->u.ns, d->perm_id, d->perm_id_len, c);
	pthread_mutex_lock(&r->kw_lock);
	int rc = aiot_keywrap_seal(r->kw, d->perm_id, d->perm_id_len, d->key, d->key_len, c->blob);
	pthread_mutex_unlock(&r->kw_lock);
	if (rc != AIOT_OK)
		return AIOT_ERR_CRYPTO;
	eval_begin(c, insert_lua);
	rs_args(c, nonce);
	rs_args(c, "g");
	rs_args(c, d->group);
	rs_args(c, "s");
	rs_argn(c, (int)d->suite);
	rs_args(c, "r");
	rs_argn(c, d->res_bits);
	rs_args(c, "p");
	rs_argn(c, d->privacy ? 1 : 0);
	rs_args(c, "k");
	rs_arg(c, c->blob, d->key_len + AIOT_KW_OVERHEAD);
	rs_args(c, "tt");
	rs_argn(c, (int)d->tid_type);
	if (d->has_tid) {
		rs_args(c, "t");
		rs_arg(c, d->tid, 16);
	}
	if (d->has_tid_prev) {
		rs_args(c, "tp");
		rs_arg(c, d->tid_prev, 16);
	}
	if (d->has_session) {
		rs_args(c, "rn");
		rs_arg(c, d->rand_n, 16);
		rs_args(c, "rd");
		rs_arg(c, d->rand_d, 16);
	}
	if (d->doa_n > 0) {
		rs_args(c, "d");
		rs_arg(c, d->doa_rand_d, 16u * d->doa_n);
	}
	return AIOT_OK;
}

/* Deletes what this insert (nonce) wrote; AIOT_OK when every device is gone again. */
static int insert_undo(rs *r, struct rs_cmd *c, size_t n, const char *nonce, redisReply **rep,
                       int *acked)
{
	char err[160];
	for (size_t i = 0; i < n; i++) {
		eval_begin(&c[i], undo_lua);
		rs_args(&c[i], nonce);
	}
	rs_free_replies(rep, n);
	memset(rep, 0, n * sizeof *rep);
	int rc = rs_pipeline(r, c, n, rep, acked, 1, err, sizeof err);
	for (size_t i = 0; i < n && rc == AIOT_OK; i++)
		if (rep[i] == NULL || rep[i]->type != REDIS_REPLY_INTEGER)
			rc = AIOT_ERR_STATE;
	return rc;
}

static int rs_insert(void *b, const aiot_dev_record *recs, size_t n, char *err, size_t errlen)
{
	rs *r = b;
	uint8_t nb[16];
	char nonce[33], idhex[2 * AIOT_PERM_ID_MAX + 1];
	struct rs_cmd *c = calloc(n, sizeof *c);
	redisReply **rep = calloc(n, sizeof *rep);
	int *acked = calloc(n, sizeof *acked);
	int rc = AIOT_ERR_NOSPACE;
	size_t bad = n;

	if (c == NULL || rep == NULL || acked == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rc = AIOT_ERR_CRYPTO;
	if (RAND_bytes(nb, sizeof nb) != 1) {
		snprintf(err, errlen, "CSPRNG failure");
		goto out;
	}
	aiot_hex_encode(nb, sizeof nb, nonce);
	if ((bad = rs_duplicate(recs, n)) < n) {
		aiot_hex_encode(recs[bad].perm_id, recs[bad].perm_id_len, idhex);
		snprintf(err, errlen,
		         "permanent ID %s (record %zu of %zu) already exists (twice in the batch); "
		         "nothing inserted",
		         idhex, bad + 1, n);
		rc = AIOT_ERR_INVAL;
		goto out;
	}
	if ((rc = rs_insert_index(r, recs, n, err, errlen)) != AIOT_OK)
		goto out;
	for (size_t i = 0; i < n; i++)
		if ((rc = insert_cmd(r, &recs[i], nonce, &c[i])) != AIOT_OK) {
			snprintf(err, errlen, "cannot encrypt a key");
			goto out;
		}
	rc = rs_pipeline(r, c, n, rep, acked, 1, err, errlen);
	for (size_t i = 0; i < n && bad == n; i++)
		if (!rs_confirmed(r, rs_is_int(rep[i], 1), acked[i]))
			bad = i;
	if (bad == n && rc == AIOT_OK)
		goto out;
	if (rs_is_int(rep[bad], 0)) {
		aiot_hex_encode(recs[bad].perm_id, recs[bad].perm_id_len, idhex);
		snprintf(err, errlen, "permanent ID %s (record %zu of %zu) already exists", idhex,
		         bad + 1, n);
		rc = AIOT_ERR_INVAL;
	} else if (rc == AIOT_OK) {
		snprintf(err, errlen, "record %zu of %zu: %s", bad + 1, n,
		         rep[bad] == NULL || rep[bad]->type != REDIS_REPLY_INTEGER
		             ? "no answer"
		             : "not confirmed by WAIT");
		rc = AIOT_ERR_STATE;
	}
	size_t o = strlen(err);
	if (insert_undo(r, c, n, nonce, rep, acked) == AIOT_OK)
		snprintf(err + o, errlen - o, "; nothing inserted");
	else
		snprintf(err + o, errlen - o,
		         "; undoing the devices already written failed too: some of the %zu may "
		         "remain in the cluster",
		         n);
out:
	if (c != NULL)
		OPENSSL_cleanse(c, n * sizeof *c);
	rs_free_replies(rep, n);
	free(rep);
	free(acked);
	free(c);
	return rc;
}

/* ---- commit: one script per change, its expectation decided in the cluster ------------- */

/* ARGV: cas, expected T-ID ('' none), expected rand_n, rand_d ('' no expectation), the new
 * T-ID, its type, the nonce. The current T-ID becomes the previous one (TS 33.369 identifier
 * privacy), its nonce (tn) the previous one's (tpn). Answers {1, the T-ID that left the
 * device or ''} or {0, ''} (changed). A resend of a rotation that committed answers {1, ''}
 * without writing while its T-ID is the current one with this nonce or, after one more
 * rotation, the previous one with this nonce; after two more it is gone from the device and
 * the resend is decided like a new change. tn/tpn absent (a store written before): no
 * nonce, never matched. */
static const char tid_lua[] =
    "if redis.call('EXISTS',KEYS[1])==0 then return redis.error_reply('NODEV') end "
    "local f=redis.call('HMGET',KEYS[1],'t','tp','tn','rn','rd','tpn') "
    "local t=f[1] or '' "
    "if ARGV[7]~='' and ((t==ARGV[5] and f[3]==ARGV[7]) or (f[2]==ARGV[5] and f[6]==ARGV[7])) "
    "then return {1,''} end "
    "if ARGV[1]=='1' then "
    "if t~=ARGV[2] then return {0,''} end "
    "if ARGV[3]~='' and (f[4]~=ARGV[3] or f[5]~=ARGV[4]) then return {0,''} end end "
    "local gone=f[2] or '' "
    "if t~='' then redis.call('HSET',KEYS[1],'tp',t) else redis.call('HDEL',KEYS[1],'tp') end "
    "if t~='' and f[3] then redis.call('HSET',KEYS[1],'tpn',f[3]) "
    "else redis.call('HDEL',KEYS[1],'tpn') end "
    "redis.call('HSET',KEYS[1],'t',ARGV[5],'tt',ARGV[6],'tn',ARGV[7]) "
    "if gone==ARGV[5] or gone==t then gone='' end "
    "return {1,gone}";
/* ARGV: rand_d, the nonce, the window size. 0 when rand_d is in the window already, 1 when
 * it joins it or when the entry that holds it carries this nonce (a resend of a change that
 * committed, whatever changed since: dw holds one 16-byte nonce per entry of d, zeros for
 * none). A dw that does not match d in length (a store written before: only dn, the nonce of
 * the last change) counts as no nonces. A resend after the entry left the window adds it
 * again (it is then older than the AIOT_DOA_WINDOW newer RAND_d). */
static const char doa_lua[] =
    "if redis.call('EXISTS',KEYS[1])==0 then return redis.error_reply('NODEV') end "
    "local f=redis.call('HMGET',KEYS[1],'d','dw') "
    "local d=f[1] or '' "
    "local w=f[2] or '' "
    "if #w~=#d then w=string.rep('\\0',#d) end "
    "for i=1,#d-15,16 do if string.sub(d,i,i+15)==ARGV[1] then "
    "if ARGV[2]~='' and string.sub(w,i,i+15)==ARGV[2] then return 1 end return 0 end end "
    "local n=ARGV[2] if n=='' then n=string.rep('\\0',16) end "
    "d=d..ARGV[1] w=w..n "
    "local m=16*tonumber(ARGV[3]) "
    "if #d>m then d=string.sub(d,#d-m+1) w=string.sub(w,#w-m+1) end "
    "redis.call('HSET',KEYS[1],'d',d,'dw',w) redis.call('HDEL',KEYS[1],'dn') return 1";
/* The last RS_NONCES nonces of one kind of a device's changes, in the hash field FIELD (16
 * bytes each, oldest first): the script answers 1 without writing when NONCE (a Lua
 * expression, '' none) is among them (a resend of a change that committed, whatever changed
 * since); otherwise s is the list with NONCE added, for the caller to store with its write.
 * A field of one nonce (a store written before the list) is a list of one. */
#define RS_NONCES "8"
#define RS_SEEN_LUA(FIELD, NONCE)                                                                  \
	"local s=redis.call('HGET',KEYS[1],'" FIELD "') or '' "                                    \
	"if " NONCE "~='' then "                                                                   \
	"for i=1,#s-15,16 do if string.sub(s,i,i+15)==" NONCE " then return 1 end end "            \
	"s=s.." NONCE " "                                                                          \
	"if #s>16*" RS_NONCES " then s=string.sub(s,#s-16*" RS_NONCES "+1) end end "
/* ARGV: rand_n, rand_d ('' both: no session), the nonce. A whole value, but a resend must
 * not overwrite a newer session another change (another ADM) wrote meanwhile: sn holds the
 * nonces of the device's last RS_NONCES session writes. A resend after more than that many
 * newer session writes of the device would overwrite the newest. */
/* clang-format off */
static const char session_lua[] =
    "if redis.call('EXISTS',KEYS[1])==0 then return redis.error_reply('NODEV') end "
    RS_SEEN_LUA("sn", "ARGV[3]")
    "redis.call('HSET',KEYS[1],'sn',s) "
    "if ARGV[1]~='' then redis.call('HSET',KEYS[1],'rn',ARGV[1],'rd',ARGV[2]) "
    "else redis.call('HDEL',KEYS[1],'rn','rd') end "
    "return 1";
/* clang-format on */
/* ARGV: cas, has expect, expect, has json, json, the nonce. jn: the nonces of the device's
 * last RS_NONCES profile writes (as sn). */
/* clang-format off */
static const char profile_lua[] =
    "if redis.call('EXISTS',KEYS[1])==0 then return redis.error_reply('NODEV') end "
    RS_SEEN_LUA("jn", "ARGV[6]")
    "local j=redis.call('HGET',KEYS[1],'j') "
    "if ARGV[1]=='1' then if ARGV[2]=='1' then if j~=ARGV[3] then return 0 end "
    "elseif j then return 0 end end "
    "if ARGV[4]=='1' then redis.call('HSET',KEYS[1],'j',ARGV[5],'jn',s) "
    "else redis.call('HDEL',KEYS[1],'j') redis.call('HSET',KEYS[1],'jn',s) end "
    "return 1";
/* clang-format on */

static void opt16(struct rs_cmd *c, const uint8_t *p)
{
	rs_arg(c, p != NULL ? (const void *)p : "", p != NULL ? 16 : 0);
}

/* The change's nonce ('' when it has none: the tests' direct backend calls). */
static void nonce_arg(struct rs_cmd *c, const aiot_store_change *ch)
{
	rs_arg(c, ch->nonce != NULL ? (const void *)ch->nonce : "", ch->nonce != NULL ? 16 : 0);
}

static void opt_text(struct rs_cmd *c, const char *p)
{
	rs_args(c, p != NULL ? "1" : "0");
	rs_arg(c, p != NULL ? p : "", p != NULL ? strlen(p) : 0);
}

/* The script of one change into c. */
static void change_cmd(const rs *r, const aiot_store_change *ch, struct rs_cmd *c)
{
	dev_key(r->u.ns, ch->perm_id, ch->len, c);
	switch (ch->kind) {
	case AIOT_CHANGE_TID:
		eval_begin(c, tid_lua);
		rs_args(c, ch->cas ? "1" : "0");
		opt16(c, ch->e_tid);
		opt16(c, ch->e_rn);
		opt16(c, ch->e_rn != NULL ? ch->e_rd : NULL);
		rs_arg(c, ch->tid, 16);
		rs_argn(c, (int)ch->tid_type);
		nonce_arg(c, ch);
		break;
	case AIOT_CHANGE_DOA:
		eval_begin(c, doa_lua);
		rs_arg(c, ch->rand_d, 16);
		nonce_arg(c, ch);
		rs_argn(c, AIOT_DOA_WINDOW);
		break;
	case AIOT_CHANGE_PROFILE:
		eval_begin(c, profile_lua);
		rs_args(c, ch->cas ? "1" : "0");
		opt_text(c, ch->expect);
		opt_text(c, ch->json);
		nonce_arg(c, ch);
		break;
	case AIOT_CHANGE_SESSION: /* a whole value, no expectation */
		eval_begin(c, session_lua);
		opt16(c, ch->rand_n);
		opt16(c, ch->rand_n != NULL ? ch->rand_d : NULL);
		nonce_arg(c, ch);
		break;
	}
}

/* A change's outcome from its script's reply x and WAIT's count; *gone the T-ID that left
 * the device (into x) or NULL. */
static int change_result(const rs *r, const redisReply *x, int acked, const uint8_t **gone)
{
	const redisReply *v = x;
	*gone = NULL;
	if (x != NULL && x->type == REDIS_REPLY_ARRAY && x->elements == 2 &&
	    x->element[1]->type == REDIS_REPLY_STRING) {
		if (x->element[1]->len == 16)
			*gone = (const uint8_t *)x->element[1]->str;
		v = x->element[0];
	}
	if (x != NULL && x->type == REDIS_REPLY_ERROR)
		return strstr(x->str, "NODEV") != NULL ? AIOT_ERR_UNKNOWN : AIOT_ERR_STATE;
	if (rs_is_int(v, 0))
		return AIOT_STORE_CHANGED;
	return rs_confirmed(r, rs_is_int(v, 1), acked) ? AIOT_OK : AIOT_ERR_STATE;
}

static int rs_commit(void *b, const aiot_store_change *ch, size_t n, int *res, char *err,
                     size_t errlen)
{
	rs *r = b;
	struct rs_cmd *c = calloc(n ? n : 1, sizeof *c);
	size_t *map = calloc(n ? n : 1, sizeof *map), ni = 0, m = 0;
	uint8_t *failed = calloc(n ? n : 1, 1);
	redisReply **rep = calloc(n ? n : 1, sizeof *rep);
	const uint8_t **gone = calloc(n ? n : 1, sizeof *gone);
	int *acked = calloc(n ? n : 1, sizeof *acked), rc = AIOT_ERR_NOSPACE;
	if (c == NULL || map == NULL || failed == NULL || rep == NULL || gone == NULL ||
	    acked == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* 1. The index entries of the new T-IDs, confirmed before the changes that make them
	 *    current: a T-ID a device holds is always in the index. */
	for (size_t i = 0; i < n; i++)
		if (ch[i].kind == AIOT_CHANGE_TID) {
			rs_index_cmd(r, ch[i].tid, ch[i].perm_id, ch[i].len, 0, &c[ni]);
			map[ni++] = i;
		}
	rc = rs_index_write(r, c, ni, failed, err, errlen);
	for (size_t k = 0; k < n; k++)
		res[k] = AIOT_OK;
	for (size_t k = 0; k < ni; k++)
		if (failed[k])
			res[map[k]] = AIOT_ERR_STATE;
	/* 2. One script per change, in batch order (a device's are on one node, in order). */
	for (size_t i = 0; i < n; i++)
		if (res[i] == AIOT_OK) {
			change_cmd(r, &ch[i], &c[m]);
			map[m++] = i;
		}
	int prc = m > 0 ? rs_pipeline(r, c, m, rep, acked, 1, err, errlen) : AIOT_OK;
	for (size_t k = 0; k < m; k++) {
		int x = res[map[k]] = change_result(r, rep[k], acked[k], &gone[k]);
		if (x < 0 && rc == AIOT_OK) {
			rc = x;
			if (prc == AIOT_OK || rep[k] != NULL)
				rs_failure(r->u.wait_n, rep[k], acked[k], err, errlen);
		}
		if (x != AIOT_OK)
			gone[k] = NULL;
	}
	/* 3. Best effort: the T-IDs that left their devices leave the index, and so do the new
	 *    T-IDs of the rotations that did not commit. */
	rs_index_prune(r, ch, m, map, gone);
	rs_index_unwind(r, ch, n, res);
out:
	if (rep != NULL)
		rs_free_replies(rep, m);
	free(rep);
	free(gone);
	free(acked);
	free(failed);
	free(map);
	free(c);
	return rc;
}

/* ---- remove: a store a failed run created ---------------------------------------------- */

static void rs_remove(const char *path)
{
	rs_url u;
	char err[160], pattern[RS_KEY_MAX];
	char **keys = NULL;
	size_t n = 0;
	if (rs_url_parse(path, &u, err, sizeof err) != AIOT_OK)
		return;
	redis_cluster *c = redis_cluster_open(u.seeds, NULL, err, sizeof err);
	snprintf(pattern, sizeof pattern, "%s:*", u.ns);
	if (c != NULL && rs_scan(c, pattern, &keys, &n, err, sizeof err) == AIOT_OK) {
		for (size_t i = 0; i < n; i++) {
			const char *argv[2] = {"DEL", keys[i]};
			redis_cmd cmd = {keys[i], strlen(keys[i]), 2, argv, NULL};
			freeReplyObject(redis_cluster_command(c, &cmd, err, sizeof err));
		}
	}
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
	redis_cluster_close(c);
}

const aiot_store_backend aiot_store_backend_redis = {
    .scheme = "redis-cluster",
    .path_form = "//HOST:PORT[,HOST:PORT...]",
    .open = rs_open,
    .close = rs_close,
    .count = rs_count,
    .load = rs_load,
    .insert = rs_insert,
    .commit = rs_commit,
    .remove = rs_remove,
    .shared = 1,
    .read = rs_read,
    .find_tid = rs_find_tid,
    .fetch = rs_fetch,
};
