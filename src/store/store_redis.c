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
 * the permanent ID, as in SQLite). No T-ID index: the store's cache indexes the T-IDs.
 *
 * Atomicity: each device's part of a call is one Lua script on its slot (all its fields or
 * none), then WAIT N T on the same connection; it is committed only when the script answered
 * and WAIT counted N replicas. Redis has no transaction across slots, so the all-or-none
 * promise holds per device: commit reports each change (res) and the store applies only the
 * devices that committed; insert deletes again what it wrote when any device failed.
 * Every write is a whole value (idempotent): the client may send a command twice.
 */
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

typedef struct rs {
	redis_cluster *c;
	aiot_keywrap *kw;
	rs_url u;
	char **keys; /* the device keys found by count, for load */
	size_t nkeys;
} rs;

/* ---- commands ------------------------------------------------------------------------ */

static redis_cmd cmd_of(struct rs_cmd *c)
{
	return (redis_cmd){c->key, c->keylen, c->argc, c->argv, c->argvlen};
}

/* 1 when the reply is the integer v. */
static int is_int(const redisReply *x, long long v)
{
	return x != NULL && x->type == REDIS_REPLY_INTEGER && x->integer == v;
}

/* A write of the pipeline committed: answered as expected and confirmed by WAIT. */
static int confirmed(const rs *r, const redisReply *x, int acked, long long want)
{
	return is_int(x, want) && (r->u.wait_n == 0 || acked >= r->u.wait_n);
}

static int pipeline(rs *r, struct rs_cmd *c, size_t n, redisReply **rep, int *acked, int wait,
                    char *err, size_t errlen)
{
	redis_cmd *cmds = calloc(n ? n : 1, sizeof *cmds);
	if (cmds == NULL) {
		snprintf(err, errlen, "out of memory");
		return AIOT_ERR_NOSPACE;
	}
	for (size_t i = 0; i < n; i++)
		cmds[i] = cmd_of(&c[i]);
	int rc = redis_cluster_pipeline_wait(r->c, cmds, n, wait && r->u.wait_n ? r->u.wait_n : -1,
	                                     r->u.wait_ms, rep, acked, err, errlen);
	free(cmds);
	return rc;
}

static void free_replies(redisReply **rep, size_t n)
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
	redis_cmd cmd = cmd_of(&c);
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
	redis_cmd cmd = cmd_of(&c);
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
	aiot_keywrap_free(r->kw); /* cleanses the KEK schedule */
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
static const char *decode_dev(rs *r, const char *key, const redisReply *x, aiot_dev_record *rec,
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
	int k = aiot_keywrap_open(r->kw, rec->perm_id, rec->perm_id_len, blob, bloblen, rec->key,
	                          sizeof rec->key);
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
	aiot_dev_record rec;
	int rc = AIOT_ERR_NOSPACE;
	if (c == NULL || rep == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		c[i].keylen = (size_t)snprintf(c[i].key, sizeof c[i].key, "%s", r->keys[from + i]);
		rs_args(&c[i], "HGETALL");
		rs_arg(&c[i], c[i].key, c[i].keylen);
	}
	if ((rc = pipeline(r, c, n, rep, NULL, 0, err, errlen)) != AIOT_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		const char *profile = NULL;
		memset(&rec, 0, sizeof rec);
		const char *why = decode_dev(r, c[i].key, rep[i], &rec, &profile);
		if (why == NULL && row(arg, &rec, profile) != AIOT_OK)
			why = "out of memory loading the cache (or an inconsistent record)";
		if (why != NULL) {
			snprintf(err, errlen, "%s: %s", c[i].key, why);
			rc = strstr(why, "KEK") ? AIOT_ERR_MAC : AIOT_ERR_MALFORMED;
			goto out;
		}
	}
out:
	OPENSSL_cleanse(&rec, sizeof rec);
	free_replies(rep, n);
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
	if (aiot_keywrap_seal(r->kw, d->perm_id, d->perm_id_len, d->key, d->key_len, c->blob) !=
	    AIOT_OK)
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
	free_replies(rep, n);
	memset(rep, 0, n * sizeof *rep);
	int rc = pipeline(r, c, n, rep, acked, 1, err, sizeof err);
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
	for (size_t i = 0; i < n; i++)
		if ((rc = insert_cmd(r, &recs[i], nonce, &c[i])) != AIOT_OK) {
			snprintf(err, errlen, "cannot encrypt a key");
			goto out;
		}
	rc = pipeline(r, c, n, rep, acked, 1, err, errlen);
	for (size_t i = 0; i < n && bad == n; i++)
		if (!confirmed(r, rep[i], acked[i], 1))
			bad = i;
	if (bad == n && rc == AIOT_OK)
		goto out;
	if (is_int(rep[bad], 0)) {
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
	free_replies(rep, n);
	free(rep);
	free(acked);
	free(c);
	return rc;
}

/* ---- commit: per device, one script; results per change -------------------------------- */

static int rs_commit(void *b, const aiot_store_change *ch, size_t n, int *res, char *err,
                     size_t errlen)
{
	rs *r = b;
	size_t *order = calloc(n, sizeof *order), *end = calloc(n, sizeof *end), ndev = 0;
	struct rs_cmd *c = calloc(n, sizeof *c);
	redisReply **rep = calloc(n, sizeof *rep);
	int *acked = calloc(n, sizeof *acked), rc = AIOT_ERR_NOSPACE;
	if (order == NULL || end == NULL || c == NULL || rep == NULL || acked == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rs_group(ch, n, order);
	for (size_t i = 0; i < n; ndev++) /* a device's changes are consecutive in order */
		i = end[ndev] = rs_commit_cmd(r->u.ns, ch, order, n, i, &c[ndev]);
	int prc = pipeline(r, c, ndev, rep, acked, 1, err, errlen);
	rc = AIOT_OK;
	for (size_t d = 0, i = 0; d < ndev; i = end[d++]) {
		int ok = confirmed(r, rep[d], acked[d], 1);
		if (!ok && rc == AIOT_OK) {
			rc = rep[d] && rep[d]->type == REDIS_REPLY_ERROR ? AIOT_ERR_UNKNOWN
			                                                 : AIOT_ERR_STATE;
			if (prc == AIOT_OK || rep[d] != NULL)
				rs_failure(r->u.wait_n, rep[d], acked[d], err, errlen);
		}
		for (size_t j = i; j < end[d]; j++)
			res[order[j]] = ok ? AIOT_OK : rc;
	}
out:
	free(end);
	free_replies(rep, ndev);
	free(rep);
	free(acked);
	free(c);
	free(order);
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
};
