/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Redis Cluster backend's texts (store_redis.h): its URL, the keys, the decoding of a
 * device's hash (the change scripts are in store_redis.c). No I/O. A device's hash
 * (NAME:dev:{HEX}):
 *   g group, s suite, r resBits, p privacy, k the sealed key, tt T-ID type   (always)
 *   t T-ID, tp previous T-ID, rn/rd session RANDs, d DO-A window (16 x n), j profile (when set)
 *   ins the nonce of the insert that made it (store_redis.c); tn, tpn the nonces of the changes
 *   that made t and tp; dw one nonce per entry of d; sn the nonces of the last session writes;
 *   jn the nonce of the last profile change; dn (stores written before dw) the nonce of the
 *   last DO-A change. With these a script sent twice recognises its own write (store_redis.c
 *   says exactly when).
 * and the T-ID index NAME:tid:{HEX}, HEX a T-ID in hex: the permanent ID of the device that
 * holds (or held) that T-ID, a hint checked against the device's hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "common/hex.h"
#include "redis/slotmap.h"
#include "store_redis.h"

/* ---- the URL ---------------------------------------------------------------------------- */

static int int_of(const char *v, size_t len, int lo, int hi, int *out)
{
	char buf[16], *end;
	if (len == 0 || len >= sizeof buf)
		return AIOT_ERR_INVAL;
	memcpy(buf, v, len);
	buf[len] = '\0';
	long x = strtol(buf, &end, 10);
	if (*end != '\0' || x < lo || x > hi)
		return AIOT_ERR_INVAL;
	*out = (int)x;
	return AIOT_OK;
}

static int ns_ok(const char *v, size_t len)
{
	if (len == 0 || len > RS_NS_MAX)
		return 0;
	for (size_t i = 0; i < len; i++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.",
		           v[i]) == NULL)
			return 0;
	return 1;
}

/* One "name=value" of the query. */
static int query_param(const char *p, size_t len, rs_url *u)
{
	const char *eq = memchr(p, '=', len);
	if (eq == NULL)
		return AIOT_ERR_INVAL;
	size_t nl = (size_t)(eq - p), vl = len - nl - 1;
	if (nl == 4 && memcmp(p, "wait", 4) == 0)
		return int_of(eq + 1, vl, 0, 5, &u->wait_n);
	if (nl == 7 && memcmp(p, "wait-ms", 7) == 0)
		return int_of(eq + 1, vl, 1, 60000, &u->wait_ms);
	if (nl == 2 && memcmp(p, "ns", 2) == 0 && ns_ok(eq + 1, vl)) {
		memcpy(u->ns, eq + 1, vl);
		u->ns[vl] = '\0';
		return AIOT_OK;
	}
	return AIOT_ERR_INVAL;
}

int rs_url_parse(const char *path, rs_url *u, char *err, size_t errlen)
{
	const char *q = strchr(path, '?');
	size_t sl = q ? (size_t)(q - path) : strlen(path);
	*u = (rs_url){.ns = "aiot", .wait_n = RS_WAIT_DEFAULT, .wait_ms = RS_WAIT_MS_DEFAULT};
	if (strncmp(path, "//", 2) != 0 || sl <= 2 ||
	    (size_t)snprintf(u->seeds, sizeof u->seeds, "redis-cluster:%.*s", (int)sl, path) >=
	        sizeof u->seeds)
		goto bad;
	for (const char *p = q; p != NULL && *p != '\0';) {
		p++;
		size_t len = strcspn(p, "&");
		if (query_param(p, len, u) != AIOT_OK)
			goto bad;
		p += len;
	}
	return AIOT_OK;
bad:
	snprintf(err, errlen,
	         "store URI: expected " REDIS_URL_FORM
	         "[?wait=0..5&wait-ms=1..60000&ns=NAME] (NAME: up to %d of [A-Za-z0-9_.-])",
	         RS_NS_MAX);
	return AIOT_ERR_INVAL;
}

/* ---- commands --------------------------------------------------------------------------- */

void rs_argn(struct rs_cmd *c, int v)
{
	char *p = c->num[c->nnum++ % 4];
	snprintf(p, sizeof c->num[0], "%d", v);
	rs_args(c, p);
}

void eval_begin(struct rs_cmd *c, const char *script)
{
	c->argc = c->nnum = 0;
	rs_args(c, "EVAL");
	rs_args(c, script);
	rs_args(c, "1");
	rs_arg(c, c->key, c->keylen);
}

void dev_key(const char *ns, const uint8_t *id, size_t len, struct rs_cmd *c)
{
	char hex[2 * AIOT_PERM_ID_MAX + 1];
	aiot_hex_encode(id, len, hex);
	c->keylen = (size_t)snprintf(c->key, sizeof c->key, "%s:dev:{%s}", ns, hex);
}

void tid_key(const char *ns, const uint8_t tid[16], struct rs_cmd *c)
{
	char hex[33];
	aiot_hex_encode(tid, 16, hex);
	c->keylen = (size_t)snprintf(c->key, sizeof c->key, "%s:tid:{%s}", ns, hex);
}

static int cmp_rec(const void *a, const void *b, void *arg)
{
	const aiot_dev_record *r = arg;
	const aiot_dev_record *x = &r[*(const size_t *)a], *y = &r[*(const size_t *)b];
	if (x->perm_id_len != y->perm_id_len)
		return x->perm_id_len < y->perm_id_len ? -1 : 1;
	return memcmp(x->perm_id, y->perm_id, x->perm_id_len);
}

size_t rs_duplicate(const aiot_dev_record *recs, size_t n)
{
	size_t *o = malloc((n ? n : 1) * sizeof *o), dup = n;
	if (o == NULL)
		return 0; /* refused as if a duplicate: nothing is written */
	for (size_t i = 0; i < n; i++)
		o[i] = i;
	qsort_r(o, n, sizeof *o, cmp_rec, (void *)recs);
	for (size_t i = 1; i < n && dup == n; i++)
		if (cmp_rec(&o[i - 1], &o[i], (void *)recs) == 0)
			dup = o[i];
	free(o);
	return dup;
}

void rs_failure(int wait_n, const redisReply *x, int acked, char *err, size_t errlen)
{
	if (x == NULL)
		snprintf(err, errlen, "no answer from the cluster");
	else if (x->type == REDIS_REPLY_ERROR)
		snprintf(err, errlen, "%s",
		         strstr(x->str, "NODEV") != NULL ? "no such device row" : x->str);
	else
		snprintf(err, errlen, "write not confirmed by WAIT: %d of %d replicas", acked,
		         wait_n);
}

/* ---- decoding --------------------------------------------------------------------------- */

static int small_int(const redisReply *v, int *out)
{
	return int_of(v->str, v->len, 0, 255, out);
}

static const char *fixed16(const redisReply *v, uint8_t *out, uint8_t *has)
{
	if (v->len != 16)
		return "bad 16-byte field";
	memcpy(out, v->str, 16);
	*has = 1;
	return NULL;
}

/* One field of the hash; NULL or what is wrong. */
static const char *field(const char *f, const redisReply *v, aiot_dev_record *r,
                         const char **profile, const uint8_t **blob, size_t *bloblen)
{
	int x = -1;
	uint8_t rn = 0;
	if (strcmp(f, "g") == 0) {
		if (v->len > AIOT_GROUP_MAX || strlen(v->str) != v->len)
			return "bad group";
		memcpy(r->group, v->str, v->len + 1);
	} else if (strcmp(f, "s") == 0) {
		if (small_int(v, &x) || (x != AIOT_SUITE_3GPP && x != AIOT_SUITE_AES))
			return "bad suite";
		r->suite = (aiot_suite)x;
	} else if (strcmp(f, "r") == 0) {
		if (small_int(v, &x) || (x != 32 && x != 64 && x != 96 && x != 128))
			return "bad resBits";
		r->res_bits = (uint8_t)x;
	} else if (strcmp(f, "p") == 0) {
		if (small_int(v, &x) || x > 1)
			return "bad privacy";
		r->privacy = (uint8_t)x;
	} else if (strcmp(f, "tt") == 0) {
		if (small_int(v, &x) || (x != AIOT_TID_STORED && x != AIOT_TID_CONCEALED))
			return "bad T-ID type";
		r->tid_type = (aiot_tid_type)x;
	} else if (strcmp(f, "k") == 0) {
		*blob = (const uint8_t *)v->str;
		*bloblen = v->len;
	} else if (strcmp(f, "t") == 0) {
		return fixed16(v, r->tid, &r->has_tid);
	} else if (strcmp(f, "tp") == 0) {
		return fixed16(v, r->tid_prev, &r->has_tid_prev);
	} else if (strcmp(f, "rn") == 0) {
		return fixed16(v, r->rand_n, &rn);
	} else if (strcmp(f, "rd") == 0) {
		return fixed16(v, r->rand_d, &r->has_session);
	} else if (strcmp(f, "j") == 0) {
		if (v->len > AIOT_PROFILE_MAX || strlen(v->str) != v->len)
			return "bad profile";
		*profile = v->str;
	} else if (strcmp(f, "d") == 0) {
		if (v->len % 16 != 0 || v->len > sizeof r->doa_rand_d)
			return "bad DO-A window";
		memcpy(r->doa_rand_d, v->str, v->len);
		r->doa_n = (uint8_t)(v->len / 16);
	} else {
		static const char *const nonces[] = {"ins", "tn", "tpn", "dn", "dw", "sn", "jn"};
		for (size_t k = 0; k < sizeof nonces / sizeof nonces[0]; k++)
			if (strcmp(f, nonces[k]) == 0)
				return NULL;
		return "unknown field";
	}
	return NULL;
}

const char *rs_decode_fields(const redisReply *x, aiot_dev_record *rec, const char **profile,
                             const uint8_t **blob, size_t *bloblen)
{
	static const char *const need[] = {"g", "s", "r", "p", "k", "tt"};
	int seen = 0;
	for (size_t i = 0; i + 1 < x->elements; i += 2) {
		const redisReply *f = x->element[i], *v = x->element[i + 1];
		if (f->type != REDIS_REPLY_STRING || v->type != REDIS_REPLY_STRING)
			return "not a device hash";
		for (size_t k = 0; k < sizeof need / sizeof need[0]; k++)
			seen |= (strcmp(f->str, need[k]) == 0) << k;
		seen |= (strcmp(f->str, "rn") == 0) << 6;
		const char *why = field(f->str, v, rec, profile, blob, bloblen);
		if (why != NULL)
			return why;
	}
	if ((seen & 0x3F) != 0x3F)
		return "a field is missing (g, s, r, p, k, tt)";
	if (((seen >> 6) & 1) != rec->has_session)
		return "bad session RANDs (rn without rd or rd without rn)";
	return NULL;
}

const char *rs_decode_state(const redisReply *x, const char *const *names, size_t n,
                            aiot_dev_record *rec, const char **profile)
{
	const uint8_t *blob = NULL;
	size_t bloblen = 0;
	int rn = 0, tt = 0;
	if (x == NULL || x->type != REDIS_REPLY_ARRAY || x->elements != n)
		return "unexpected reply";
	for (size_t i = 0; i < n; i++) {
		const redisReply *v = x->element[i];
		if (v->type == REDIS_REPLY_NIL)
			continue;
		if (v->type != REDIS_REPLY_STRING)
			return "unexpected reply";
		rn |= strcmp(names[i], "rn") == 0;
		tt |= strcmp(names[i], "tt") == 0;
		const char *why = field(names[i], v, rec, profile, &blob, &bloblen);
		if (why != NULL)
			return why;
	}
	if (!tt)
		return RS_NO_DEVICE;
	if (rec->has_session != rn)
		return "bad session RANDs (rn without rd or rd without rn)";
	return NULL;
}

int rs_scan_reply(const redisReply *x, char *cursor, size_t cursorlen, char ***keys, size_t *n,
                  size_t *cap)
{
	if (x == NULL)
		return AIOT_ERR_STATE;
	if (x->type != REDIS_REPLY_ARRAY || x->elements != 2 ||
	    x->element[0]->type != REDIS_REPLY_STRING || x->element[0]->len >= cursorlen ||
	    x->element[1]->type != REDIS_REPLY_ARRAY)
		return AIOT_ERR_MALFORMED;
	const redisReply *a = x->element[1];
	for (size_t i = 0; i < a->elements; i++) {
		if (a->element[i]->type != REDIS_REPLY_STRING)
			return AIOT_ERR_MALFORMED;
		if (*n == *cap) {
			size_t nc = *cap ? 2 * *cap : 1024;
			char **k = realloc(*keys, nc * sizeof *k);
			if (k == NULL)
				return AIOT_ERR_NOSPACE;
			*keys = k;
			*cap = nc;
		}
		if (((*keys)[*n] = strdup(a->element[i]->str)) == NULL)
			return AIOT_ERR_NOSPACE;
		(*n)++;
	}
	memcpy(cursor, x->element[0]->str, x->element[0]->len + 1);
	return AIOT_OK;
}
