/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ADM device store (store.h): the public API over the cache (store_cache.h), a backend
 * chosen by the URI scheme (store_backend.h) and the writer thread (store_writer.h). The one
 * rule: the cache changes only after the backend committed the change (inserts here, updates
 * in the writer), so a lookup never returns what is not durable.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "common/aiot_err.h"
#include "store.h"
#include "store_backend.h"
#include "store_cache.h"
#include "store_internal.h"
#include "store_writer.h"

/* The backends, by URI scheme. */
static const aiot_store_backend *const backends[] = {
    &aiot_store_backend_sqlite,
    &aiot_store_backend_redis,
};
#define NBACKENDS (sizeof backends / sizeof backends[0])

struct aiot_store {
	store_cache cache;
	pthread_mutex_t be_lock;
	const aiot_store_backend *be;
	void *b;
	store_writer w;
};

/* The backend of "scheme:PATH" and PATH (not empty), or NULL. */
static const aiot_store_backend *backend_of(const char *uri, const char **path)
{
	for (size_t i = 0; uri != NULL && i < NBACKENDS; i++) {
		size_t l = strlen(backends[i]->scheme);
		if (strncmp(uri, backends[i]->scheme, l) == 0 && uri[l] == ':' &&
		    uri[l + 1] != '\0') {
			*path = uri + l + 1;
			return backends[i];
		}
	}
	return NULL;
}

static void bad_uri(const char *uri, char *err, size_t errlen)
{
	size_t o = (size_t)snprintf(err, errlen, "store URI '%s': expected", uri ? uri : "");
	for (size_t i = 0; i < NBACKENDS && o < errlen; i++)
		o += (size_t)snprintf(err + o, errlen - o, "%s %s:%s", i ? " or" : "",
		                      backends[i]->scheme,
		                      backends[i]->path_form ? backends[i]->path_form : "PATH");
}

/* ---- open / close ----------------------------------------------------------------------- */

static int load_row(void *arg, const aiot_dev_record *r, const char *profile)
{
	return store_cache_load_row(arg, r, profile);
}

aiot_store *aiot_store_open(const char *uri, const uint8_t kek[32], int create, char *err,
                            size_t errlen)
{
	char dummy[1];
	const char *path = NULL;
	if (err == NULL) {
		err = dummy;
		errlen = sizeof dummy;
	}
	const aiot_store_backend *be = backend_of(uri, &path);
	if (be == NULL || kek == NULL) {
		bad_uri(uri, err, errlen);
		return NULL;
	}
	return aiot_store_open_backend(be, path, kek, create, err, errlen);
}

aiot_store *aiot_store_open_backend(const aiot_store_backend *be, const char *path,
                                    const uint8_t kek[32], int create, char *err, size_t errlen)
{
	aiot_store *s = calloc(1, sizeof *s);
	if (s == NULL || store_cache_init(&s->cache) != AIOT_OK) {
		snprintf(err, errlen,
		         s == NULL ? "out of memory" : "cannot seed the cache (CSPRNG)");
		free(s);
		return NULL;
	}
	pthread_mutex_init(&s->be_lock, NULL);
	s->be = be;
	s->cache.immutable = be->shared;
	if ((s->b = be->open(path, create, kek, err, errlen)) == NULL)
		goto fail;
	/* Size the cache exactly: no growth slack for a loaded population. */
	long long rows = be->count(s->b);
	if (rows < 0 || (size_t)rows > STORE_MAX_DEVICES ||
	    store_devs_reserve(&s->cache, rows > 0 ? (size_t)rows : 1) != AIOT_OK) {
		snprintf(err, errlen, "cannot size the cache for %lld devices", rows);
		goto fail;
	}
	if (be->load(s->b, load_row, &s->cache, err, errlen) != AIOT_OK)
		goto fail;
	if (store_cache_index(&s->cache) != AIOT_OK) {
		snprintf(err, errlen, "out of memory indexing %zu devices", s->cache.n);
		goto fail;
	}
	s->w = (store_writer){.cache = &s->cache, .be_lock = &s->be_lock, .be = be, .b = s->b};
	if (store_writer_start(&s->w) != AIOT_OK) {
		snprintf(err, errlen, "cannot start the store writer thread");
		goto fail;
	}
	return s;
fail:
	aiot_store_close(s);
	return NULL;
}

void aiot_store_close(aiot_store *s)
{
	if (s == NULL)
		return;
	store_writer_stop(&s->w);
	if (s->b != NULL)
		s->be->close(s->b); /* cleanses the KEK schedule */
	store_cache_free(&s->cache);
	pthread_mutex_destroy(&s->be_lock);
	OPENSSL_cleanse(s, sizeof *s);
	free(s);
}

void aiot_store_remove(const char *uri)
{
	const char *path;
	const aiot_store_backend *be = backend_of(uri, &path);
	if (be != NULL)
		be->remove(path);
}

size_t aiot_store_count(aiot_store *s)
{
	return store_cache_count(&s->cache);
}

void aiot_store_flush(aiot_store *s)
{
	store_writer_flush(&s->w);
}

size_t aiot_store_memory(aiot_store *s)
{
	return sizeof *s + store_cache_memory(&s->cache);
}

/* ---- provisioning ----------------------------------------------------------------------- */

static int insert_check(const aiot_dev_record *recs, size_t n, char *err, size_t errlen)
{
	int rc;
	if (recs == NULL || n > STORE_MAX_DEVICES) {
		snprintf(err, errlen, "invalid device batch");
		return AIOT_ERR_INVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = store_record_check(&recs[i])) != AIOT_OK) {
			snprintf(err, errlen, "record %zu of %zu: %s", i + 1, n,
			         rc == AIOT_ERR_KEYLEN ? "key length not supported by the suite"
			                               : "invalid field (ID length, resBits, "
			                                 "group, T-ID)");
			return rc;
		}
	}
	return AIOT_OK;
}

int aiot_store_insert(aiot_store *s, const aiot_dev_record *recs, size_t n, char *err,
                      size_t errlen)
{
	char dummy[1];
	struct store_dev *staged = NULL;
	uint32_t *order = NULL;
	int rc;

	if (err == NULL) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (n == 0)
		return AIOT_OK;
	if ((rc = insert_check(recs, n, err, errlen)) != AIOT_OK)
		return rc;
	staged = calloc(n, sizeof *staged);
	order = calloc(n, sizeof *order);
	if (staged == NULL || order == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = AIOT_ERR_NOSPACE;
		goto out;
	}
	pthread_mutex_lock(&s->be_lock);
	if ((rc = store_cache_stage_insert(&s->cache, recs, n, staged)) != AIOT_OK) {
		pthread_mutex_unlock(&s->be_lock);
		snprintf(err, errlen, "out of memory (or more than %u groups)", STORE_MAX_GROUPS);
		goto out;
	}
	rc = s->be->insert(s->b, recs, n, err, errlen);
	if (rc == AIOT_OK)
		store_cache_append(&s->cache, staged, order, n);
	else
		store_cache_drop(staged, n);
	pthread_mutex_unlock(&s->be_lock);
out:
	if (staged != NULL)
		OPENSSL_cleanse(staged, n * sizeof *staged);
	free(staged);
	free(order);
	return rc;
}

/* ---- lookups ---------------------------------------------------------------------------- */

/* fetch's row: the one record (key in the clear) into arg. */
static int fetch_row(void *arg, const aiot_dev_record *r, const char *profile)
{
	(void)profile;
	*(aiot_dev_record *)arg = *r;
	return AIOT_OK;
}

/* A shared backend's device that is not in the cache (another process added it): fetched
 * from the backend, checked as an insert, and its immutable part cached (under be_lock, as
 * every change of the cache; if another thread cached it meanwhile, that copy stays). */
static int cache_fetch(aiot_store *s, const uint8_t *perm_id, size_t len)
{
	aiot_dev_record r;
	struct store_dev staged;
	uint32_t order;
	int rc = s->be->fetch(s->b, perm_id, len, fetch_row, &r);
	if (rc == AIOT_OK && (store_record_check(&r) != AIOT_OK || r.perm_id_len != len ||
	                      memcmp(r.perm_id, perm_id, len) != 0))
		rc = AIOT_ERR_MALFORMED;
	if (rc == AIOT_OK) {
		pthread_mutex_lock(&s->be_lock);
		if (store_cache_known(&s->cache, perm_id, len) != AIOT_OK &&
		    (rc = store_cache_stage_insert(&s->cache, &r, 1, &staged)) == AIOT_OK)
			store_cache_append(&s->cache, &staged, &order, 1);
		pthread_mutex_unlock(&s->be_lock);
		OPENSSL_cleanse(&staged, sizeof staged);
	}
	OPENSSL_cleanse(&r, sizeof r);
	return rc;
}

/* AIOT_OK if the device is in the cache (on a shared backend: after fetching it). */
static int cached(aiot_store *s, const uint8_t *perm_id, size_t len)
{
	int rc = store_cache_known(&s->cache, perm_id, len);
	if (rc == AIOT_ERR_UNKNOWN && s->be->shared && len >= 1 && len <= AIOT_PERM_ID_MAX)
		rc = cache_fetch(s, perm_id, len);
	return rc;
}

int aiot_store_get_key(aiot_store *s, const uint8_t *perm_id, size_t len, aiot_dev_record *out)
{
	if (perm_id == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	int rc = store_cache_get(&s->cache, perm_id, len, out);
	if (rc == AIOT_ERR_UNKNOWN && s->be->shared && cached(s, perm_id, len) == AIOT_OK)
		rc = store_cache_get(&s->cache, perm_id, len, out);
	if (rc == AIOT_OK && !s->be->shared) { /* the same answer on both backends */
		aiot_dev_record k = *out;
		memset(out, 0, sizeof *out);
		memcpy(out->perm_id, k.perm_id, k.perm_id_len);
		out->perm_id_len = k.perm_id_len;
		out->suite = k.suite;
		out->res_bits = k.res_bits;
		memcpy(out->key, k.key, k.key_len);
		out->key_len = k.key_len;
		memcpy(out->group, k.group, sizeof out->group);
		out->privacy = k.privacy;
		OPENSSL_cleanse(&k, sizeof k);
	}
	return rc;
}

int aiot_store_get(aiot_store *s, const uint8_t *perm_id, size_t len, aiot_dev_record *out)
{
	if (perm_id == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	if (!s->be->shared)
		return store_cache_get(&s->cache, perm_id, len, out);
	/* Shared: the immutable part from the cache, the mutable state from the backend. */
	int rc = aiot_store_get_key(s, perm_id, len, out);
	if (rc == AIOT_OK && (rc = s->be->read(s->b, perm_id, len, out, NULL)) != AIOT_OK)
		OPENSSL_cleanse(out, sizeof *out);
	return rc;
}

int aiot_store_get_by_tid(aiot_store *s, const uint8_t tid[16], aiot_dev_record *out)
{
	uint8_t id[AIOT_PERM_ID_MAX];
	size_t len = 0;
	if (tid == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	if (!s->be->shared)
		return store_cache_get_by_tid(&s->cache, tid, out);
	/* The index is a hint (written before the device's change commits, never removed
	 * atomically with it): the device's own T-IDs decide. */
	int rc = s->be->find_tid(s->b, tid, id, &len);
	if (rc == AIOT_OK && (rc = aiot_store_get(s, id, len, out)) == AIOT_OK &&
	    !(out->has_tid && memcmp(out->tid, tid, 16) == 0) &&
	    !(out->has_tid_prev && memcmp(out->tid_prev, tid, 16) == 0)) {
		OPENSSL_cleanse(out, sizeof *out);
		rc = AIOT_ERR_UNKNOWN;
	}
	return rc;
}

size_t aiot_store_match_prefix(aiot_store *s, const uint8_t *prefix, size_t prefix_bits, size_t max,
                               void (*cb)(void *arg, const aiot_dev_record *r), void *arg)
{
	if (prefix_bits > 8 * AIOT_PERM_ID_MAX || (prefix == NULL && prefix_bits > 0))
		return 0;
	return store_cache_match_prefix(&s->cache, prefix, prefix_bits, max, cb, arg);
}

char *aiot_store_get_profile_json(aiot_store *s, const uint8_t *perm_id, size_t len)
{
	char *json = NULL;
	if (perm_id == NULL)
		return NULL;
	if (!s->be->shared)
		return store_cache_profile(&s->cache, perm_id, len);
	if (cached(s, perm_id, len) != AIOT_OK ||
	    s->be->read(s->b, perm_id, len, NULL, &json) != AIOT_OK)
		return NULL;
	return json;
}

/* ---- updates ---------------------------------------------------------------------------- */

/* Queues a single op for a device that exists; frees it otherwise. */
static int submit(aiot_store *s, struct store_op *o)
{
	int rc = cached(s, o->id, o->id_len);
	if (rc != AIOT_OK) {
		store_op_free(o);
		return rc;
	}
	store_writer_enqueue(&s->w, o, o);
	return AIOT_OK;
}

int aiot_store_set_tid(aiot_store *s, const uint8_t *perm_id, size_t len,
                       const aiot_tid_expect *expect, const uint8_t tid[16], aiot_tid_type type,
                       aiot_store_done done, void *arg)
{
	if (perm_id == NULL || tid == NULL || len < 1 || len > AIOT_PERM_ID_MAX ||
	    (type != AIOT_TID_STORED && type != AIOT_TID_CONCEALED) ||
	    (expect != NULL && (expect->rand_n == NULL) != (expect->rand_d == NULL)))
		return AIOT_ERR_INVAL;
	struct store_op *o = store_op_new(OP_TID, perm_id, len, done, arg);
	if (o == NULL)
		return AIOT_ERR_NOSPACE;
	memcpy(o->a, tid, 16);
	o->tid_type = type;
	if (expect != NULL) {
		o->cas = 1;
		if ((o->expect_tid = expect->tid != NULL))
			memcpy(o->e_tid, expect->tid, 16);
		if ((o->expect_session = expect->rand_n != NULL)) {
			memcpy(o->e_rn, expect->rand_n, 16);
			memcpy(o->e_rd, expect->rand_d, 16);
		}
	}
	return submit(s, o);
}

int aiot_store_set_session(aiot_store *s, const uint8_t *perm_id, size_t len,
                           const uint8_t rand_n[16], const uint8_t rand_d[16], aiot_store_done done,
                           void *arg)
{
	if (perm_id == NULL || rand_n == NULL || rand_d == NULL || len < 1 ||
	    len > AIOT_PERM_ID_MAX)
		return AIOT_ERR_INVAL;
	struct store_op *o = store_op_new(OP_SESSION, perm_id, len, done, arg);
	if (o == NULL)
		return AIOT_ERR_NOSPACE;
	memcpy(o->a, rand_n, 16);
	memcpy(o->b, rand_d, 16);
	return submit(s, o);
}

int aiot_store_add_doa_rand(aiot_store *s, const uint8_t *perm_id, size_t len,
                            const uint8_t rand_d[16], aiot_store_done done, void *arg)
{
	if (perm_id == NULL || rand_d == NULL || len < 1 || len > AIOT_PERM_ID_MAX)
		return AIOT_ERR_INVAL;
	struct store_op *o = store_op_new(OP_DOA, perm_id, len, done, arg);
	if (o == NULL || (o->doa = calloc(1, sizeof *o->doa)) == NULL) {
		store_op_free(o);
		return AIOT_ERR_NOSPACE;
	}
	memcpy(o->a, rand_d, 16);
	o->cas = 1;
	return submit(s, o);
}

int aiot_store_doa_seen(const aiot_dev_record *r, const uint8_t rand_d[16])
{
	struct store_doa w = {.n = r->doa_n};
	if (w.n > AIOT_DOA_WINDOW)
		return 1; /* not a record of this store: refuse rather than read past the window */
	memcpy(w.rand_d, r->doa_rand_d, sizeof w.rand_d);
	return store_doa_has(&w, rand_d);
}

static int profile_ok(const char *json)
{
	return json == NULL || strlen(json) <= AIOT_PROFILE_MAX;
}

int aiot_store_set_profiles(aiot_store *s, const aiot_profile_write *w, size_t n,
                            aiot_store_done done, void *arg)
{
	struct store_op *first = NULL, *last = NULL;
	int rc = AIOT_ERR_INVAL;
	if (w == NULL || n == 0)
		return AIOT_ERR_INVAL;
	for (size_t k = 0; k < n; k++) {
		rc = AIOT_ERR_INVAL;
		if (w[k].perm_id == NULL || w[k].len < 1 || w[k].len > AIOT_PERM_ID_MAX ||
		    !profile_ok(w[k].json) || !profile_ok(w[k].expect))
			goto fail;
		rc = AIOT_ERR_NOSPACE;
		struct store_op *o = store_op_new(OP_PROFILE, w[k].perm_id, w[k].len, NULL, NULL);
		if (o == NULL)
			goto fail;
		if (last != NULL)
			last->next = o;
		else
			first = o;
		last = o;
		o->cas = 1;
		if ((w[k].json != NULL && (o->json = strdup(w[k].json)) == NULL) ||
		    (w[k].expect != NULL && (o->expect = strdup(w[k].expect)) == NULL))
			goto fail;
		if ((rc = cached(s, o->id, o->id_len)) != AIOT_OK)
			goto fail;
		rc = AIOT_ERR_INVAL; /* each device once: the set's checks all precede its writes */
		for (size_t j = 0; j < k; j++)
			if (w[j].len == w[k].len &&
			    memcmp(w[j].perm_id, w[k].perm_id, w[k].len) == 0)
				goto fail;
	}
	first->set_n = n;
	first->done = done;
	first->arg = arg;
	store_writer_enqueue(&s->w, first, last);
	return AIOT_OK;
fail:
	store_op_free(first);
	return rc;
}
