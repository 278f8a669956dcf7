/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AKMA contexts at rest and in memory (aanf_internal.h). One kvs record per context:
 *   id     = the A-KID (sealed into the record's AAD by the kvs store: a K_AKMA cannot be
 *            moved to another A-KID)
 *   meta   = {"supi": SUPI, "seq": N} (public)
 *   secret = K_AKMA (32) || SHA-256(SUPI) (32), AES-256-GCM under the KEK: the SUPI an AF is
 *            told (TS 33.501 Y.2 binds the UE service ID to it) cannot be swapped at rest.
 * register-anchorkey writes the new record before deleting the old one of the same SUPI, so
 * a crash between the two leaves two records; load keeps the higher seq and deletes the other.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aanf_internal.h"
#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "crypto/sha256.h"
#include "sbi/sbi_json.h"

#define SECRET_LEN (AANF_KAKMA_LEN + 32)

typedef struct load_state {
	aanf *a;
	char **stale; /* A-KIDs of records to delete once the walk is over */
	size_t nstale, cap;
	char err[200];
} load_state;

static int stale_add(load_state *st, const char *akid)
{
	if (st->nstale == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 8;
		char **s = realloc(st->stale, cap * sizeof *s);
		if (s == NULL)
			return -1;
		st->stale = s;
		st->cap = cap;
	}
	if ((st->stale[st->nstale] = strdup(akid)) == NULL)
		return -1;
	st->nstale++;
	return 0;
}

/* meta {"supi": ..., "seq": N} -> supi (borrowed from *j), seq. 0 or -1. */
static int meta_parse(const char *meta, cJSON **j, const char **supi, uint64_t *seq)
{
	*j = cJSON_Parse(meta ? meta : "");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(*j, "supi");
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(*j, "seq");
	if (!cJSON_IsString(s) || strlen(s->valuestring) == 0 ||
	    strlen(s->valuestring) > AANF_SUPI_MAX || !cJSON_IsNumber(n) || n->valuedouble < 0 ||
	    n->valuedouble > 9007199254740992.0)
		return -1;
	*supi = s->valuestring;
	*seq = (uint64_t)n->valuedouble;
	return 0;
}

static int load_one(void *arg, const char *id, const char *meta, const uint8_t *secret,
                    size_t secret_len)
{
	load_state *st = arg;
	aanf *a = st->a;
	cJSON *j = NULL;
	const char *supi;
	uint64_t seq;
	uint8_t digest[32];
	int rc = -1;
	if (strlen(id) == 0 || strlen(id) > AANF_AKID_MAX || secret_len != SECRET_LEN ||
	    meta_parse(meta, &j, &supi, &seq) != 0) {
		snprintf(st->err, sizeof st->err, "AKMA context %.64s: malformed record", id);
		goto out;
	}
	aiot_sha256((const uint8_t *)supi, strlen(supi), digest);
	if (!aiot_ct_eq(digest, secret + AANF_KAKMA_LEN, 32)) {
		snprintf(st->err, sizeof st->err, "AKMA context %.64s: SUPI altered at rest", id);
		goto out;
	}
	const aanf_ctx *old = aanf_index_by_supi(&a->idx, supi);
	if (old != NULL && old->seq > seq) { /* this one is the older: drop it */
		rc = stale_add(st, id);
		goto out;
	}
	if ((old != NULL && stale_add(st, old->akid) != 0) ||
	    aanf_index_put(&a->idx, id, supi, secret, seq) != AIOT_OK) {
		snprintf(st->err, sizeof st->err, "out of memory");
		goto out;
	}
	if (seq > a->seq)
		a->seq = seq;
	rc = 0;
out:
	cJSON_Delete(j);
	return rc;
}

int aanf_store_load(aanf *a, char *err, size_t errlen)
{
	load_state st = {.a = a};
	int rc = aiot_kvs_foreach(a->kvs, load_one, &st);
	if (rc != AIOT_OK)
		snprintf(err, errlen, "%s", st.err[0] ? st.err : "store: cannot read the contexts");
	for (size_t i = 0; i < st.nstale; i++) {
		if (rc == AIOT_OK && aiot_kvs_delete(a->kvs, st.stale[i]) != AIOT_OK &&
		    aanf_index_by_akid(&a->idx, st.stale[i]) == NULL)
			rc = -1, snprintf(err, errlen, "store: cannot delete a replaced context");
		free(st.stale[i]);
	}
	free(st.stale);
	return rc == AIOT_OK ? 0 : -1;
}

static char *meta_text(const char *supi, uint64_t seq)
{
	cJSON *m = cJSON_CreateObject();
	char *txt = NULL;
	if (m != NULL && cJSON_AddStringToObject(m, "supi", supi) != NULL &&
	    cJSON_AddNumberToObject(m, "seq", (double)seq) != NULL)
		txt = cJSON_PrintUnformatted(m);
	cJSON_Delete(m);
	return txt;
}

int aanf_store_register(aanf *a, const char *akid, const char *supi,
                        const uint8_t kakma[AANF_KAKMA_LEN], int *replaced)
{
	uint8_t secret[SECRET_LEN];
	char *meta = NULL, *old_akid = NULL;
	int rc = AIOT_ERR_NOSPACE;
	*replaced = 0;
	memcpy(secret, kakma, AANF_KAKMA_LEN);
	aiot_sha256((const uint8_t *)supi, strlen(supi), secret + AANF_KAKMA_LEN);
	pthread_rwlock_wrlock(&a->lock);
	const aanf_ctx *old = aanf_index_by_supi(&a->idx, supi);
	if ((old != NULL && strcmp(old->akid, akid) != 0 &&
	     (old_akid = strdup(old->akid)) == NULL) ||
	    (meta = meta_text(supi, a->seq + 1)) == NULL)
		goto out;
	if ((rc = aiot_kvs_put(a->kvs, akid, meta, secret, sizeof secret)) != AIOT_OK)
		goto out;
	a->seq++;
	/* Durable from here. The old record's delete may fail: load then resolves by seq. */
	if (old_akid != NULL)
		(void)aiot_kvs_delete(a->kvs, old_akid);
	*replaced = old != NULL;
	rc = aanf_index_put(&a->idx, akid, supi, kakma, a->seq);
out:
	pthread_rwlock_unlock(&a->lock);
	aiot_zeroize(secret, sizeof secret);
	free(meta);
	free(old_akid);
	return rc;
}

int aanf_store_find(aanf *a, const char *akid, uint8_t kakma[AANF_KAKMA_LEN], char *supi)
{
	int rc = AIOT_ERR_UNKNOWN;
	pthread_rwlock_rdlock(&a->lock);
	const aanf_ctx *c = aanf_index_by_akid(&a->idx, akid);
	if (c != NULL) {
		memcpy(kakma, c->kakma, AANF_KAKMA_LEN);
		size_t n = strnlen(c->supi, AANF_SUPI_MAX);
		memcpy(supi, c->supi, n);
		supi[n] = '\0';
		rc = AIOT_OK;
	}
	pthread_rwlock_unlock(&a->lock);
	return rc;
}

int aanf_store_remove(aanf *a, const char *supi)
{
	int rc = AIOT_ERR_UNKNOWN;
	pthread_rwlock_wrlock(&a->lock);
	const aanf_ctx *c = aanf_index_by_supi(&a->idx, supi);
	if (c != NULL) {
		rc = aiot_kvs_delete(a->kvs, c->akid);
		if (rc == AIOT_OK || rc == AIOT_ERR_NOTFOUND)
			rc = aanf_index_del(&a->idx, c->akid);
	}
	pthread_rwlock_unlock(&a->lock);
	return rc;
}
