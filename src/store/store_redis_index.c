/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Redis Cluster backend's T-ID index (store_redis.h): NAME:tid:{HEX} -> the permanent ID
 * of the device holding that T-ID as current or previous. A hint in another slot than the
 * device: written and confirmed before the change that gives the T-ID to the device, checked
 * against the device on lookup (store_redis_read.c), removed best effort when the T-ID leaves
 * the device or its rotation did not commit (docs/redis-cluster.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "store_redis.h"

/* ---- the T-ID index ------------------------------------------------------------------- */

/* SET NAME:tid:{tid} permId (nx: only if absent) into c. */
void rs_index_cmd(const rs *r, const uint8_t tid[16], const uint8_t *id, size_t len, int nx,
                  struct rs_cmd *c)
{
	tid_key(r->u.ns, tid, c);
	rs_key_cmd(c, "SET");
	rs_arg(c, id, len);
	if (nx)
		rs_args(c, "NX");
}

/* Writes the index entries of the n commands ix (confirmed by WAIT like a change); failed[k]
 * set for each that is not. AIOT_OK when all are. */
int rs_index_write(rs *r, struct rs_cmd *ix, size_t n, uint8_t *failed, char *err, size_t errlen)
{
	redisReply **rep = calloc(n ? n : 1, sizeof *rep);
	int *acked = calloc(n ? n : 1, sizeof *acked), rc = AIOT_OK;
	if (rep == NULL || acked == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = AIOT_ERR_NOSPACE;
	} else if (n > 0) {
		rs_pipeline(r, ix, n, rep, acked, 1, err, errlen);
	}
	for (size_t k = 0; k < n; k++) {
		if (rc == AIOT_ERR_NOSPACE || !rs_confirmed(r, rs_is_ok(rep[k]), acked[k])) {
			if (failed != NULL)
				failed[k] = 1;
			if (rc == AIOT_OK && rep[k] != NULL)
				snprintf(err, errlen, "T-ID index: %s",
				         rep[k]->type == REDIS_REPLY_ERROR
				             ? rep[k]->str
				             : "write not confirmed by WAIT");
			if (rc == AIOT_OK)
				rc = AIOT_ERR_STATE;
		}
	}
	if (rep != NULL)
		rs_free_replies(rep, n);
	free(rep);
	free(acked);
	return rc;
}

/* The index entries of the T-IDs the new devices hold, before the devices (an insert that
 * fails after them leaves stale entries: harmless). nx (load): only those missing, for a
 * store written before the index existed. */
int rs_index_recs(rs *r, const aiot_dev_record *recs, size_t n, int nx, char *err, size_t errlen)
{
	size_t ni = 0;
	struct rs_cmd *ix = calloc(2 * n + 1, sizeof *ix);
	if (ix == NULL) {
		snprintf(err, errlen, "out of memory");
		return AIOT_ERR_NOSPACE;
	}
	for (size_t i = 0; i < n; i++) {
		if (recs[i].has_tid)
			rs_index_cmd(r, recs[i].tid, recs[i].perm_id, recs[i].perm_id_len, nx,
			             &ix[ni++]);
		if (recs[i].has_tid_prev)
			rs_index_cmd(r, recs[i].tid_prev, recs[i].perm_id, recs[i].perm_id_len, nx,
			             &ix[ni++]);
	}
	int rc = AIOT_OK;
	if (ni > 0 && !nx) {
		rc = rs_index_write(r, ix, ni, NULL, err, errlen);
	} else if (ni > 0) { /* SET NX answers nil when present: no WAIT, no check */
		redisReply **rep = calloc(ni, sizeof *rep);
		rc = rep != NULL ? rs_pipeline(r, ix, ni, rep, NULL, 0, err, errlen)
		                 : AIOT_ERR_NOSPACE;
		rs_free_replies(rep, ni);
		free(rep);
	}
	free(ix);
	return rc;
}

int rs_insert_index(rs *r, const aiot_dev_record *recs, size_t n, char *err, size_t errlen)
{
	int rc = rs_index_recs(r, recs, n, 0, err, errlen);
	if (rc != AIOT_OK) {
		size_t o = strlen(err);
		snprintf(err + o, errlen - o, "; nothing inserted");
	}
	return rc;
}

/* The entries of T-IDs that left their device, if they still name it (best effort: a stale
 * entry is harmless, lookups check the device). */
static const char del_if_lua[] =
    "if redis.call('GET',KEYS[1])==ARGV[1] then return redis.call('DEL',KEYS[1]) end return 0";

/* The index entries of the T-IDs that left their devices, removed (best effort). */
void rs_index_prune(rs *r, const aiot_store_change *ch, size_t m, const size_t *map,
                    const uint8_t *const *gone)
{
	char err[160];
	size_t k = 0;
	struct rs_cmd *c = calloc(m ? m : 1, sizeof *c);
	redisReply **rep = calloc(m ? m : 1, sizeof *rep);
	for (size_t j = 0; c != NULL && rep != NULL && j < m; j++) {
		if (gone[j] == NULL)
			continue;
		tid_key(r->u.ns, gone[j], &c[k]);
		eval_begin(&c[k], del_if_lua);
		rs_arg(&c[k], ch[map[j]].perm_id, ch[map[j]].len);
		k++;
	}
	if (k > 0) {
		rs_pipeline(r, c, k, rep, NULL, 0, err, sizeof err);
		rs_free_replies(rep, k);
	}
	free(rep);
	free(c);
}

/* 1 if the HMGET t tp reply x shows the device holding tid (either). Unsure (no reply): 1. */
static int holds_tid(const redisReply *x, const uint8_t tid[16])
{
	if (x == NULL || x->type != REDIS_REPLY_ARRAY || x->elements != 2)
		return 1;
	for (size_t k = 0; k < 2; k++)
		if (x->element[k]->type == REDIS_REPLY_STRING && x->element[k]->len == 16 &&
		    memcmp(x->element[k]->str, tid, 16) == 0)
			return 1;
	return 0;
}

/* Step 1 wrote the index entry of every rotation's new T-ID; those of the rotations that did
 * not commit (changed, no such device, or an error) are removed again when the device does
 * not hold that T-ID (its t/tp read) and the entry still names the device (del_if_lua), best
 * effort. Not atomic (the entry and the device are in other slots): a script giving the
 * device that T-ID between the read and the delete (this change's own script still in
 * flight after a lost connection, or another ADM drawing the same random 128-bit T-ID)
 * would lose its entry; the window is one round trip. */
void rs_index_unwind(rs *r, const aiot_store_change *ch, size_t n, const int *res)
{
	char err[160];
	size_t m = 0, k = 0;
	struct rs_cmd *c = calloc(n ? n : 1, sizeof *c);
	size_t *map = calloc(n ? n : 1, sizeof *map);
	redisReply **rep = calloc(n ? n : 1, sizeof *rep), **del = calloc(n ? n : 1, sizeof *del);
	if (c == NULL || map == NULL || rep == NULL || del == NULL)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (ch[i].kind == AIOT_CHANGE_TID && res[i] != AIOT_OK) {
			dev_key(r->u.ns, ch[i].perm_id, ch[i].len, &c[m]);
			rs_key_cmd(&c[m], "HMGET");
			rs_args(&c[m], "t");
			rs_args(&c[m], "tp");
			map[m++] = i;
		}
	if (m == 0)
		goto out;
	rs_pipeline(r, c, m, rep, NULL, 0, err, sizeof err);
	for (size_t j = 0; j < m; j++) {
		const aiot_store_change *x = &ch[map[j]];
		if (holds_tid(rep[j], x->tid))
			continue;
		tid_key(r->u.ns, x->tid, &c[k]);
		eval_begin(&c[k], del_if_lua);
		rs_arg(&c[k], x->perm_id, x->len);
		k++;
	}
	if (k > 0)
		rs_pipeline(r, c, k, del, NULL, 0, err, sizeof err);
out:
	if (rep != NULL)
		rs_free_replies(rep, m);
	if (del != NULL)
		rs_free_replies(del, k);
	free(del);
	free(rep);
	free(map);
	free(c);
}
