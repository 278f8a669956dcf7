/* SPDX-License-Identifier: Apache-2.0 */
/* The device store's writer thread and group commit (store_writer.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/aiot_err.h"
#include "store_writer.h"

struct store_op *store_op_new(enum store_op_kind kind, const uint8_t *id, size_t len,
                              aiot_store_done done, void *arg)
{
	struct store_op *o = calloc(1, sizeof *o);
	if (o == NULL)
		return NULL;
	o->kind = kind;
	o->id_len = (uint8_t)len;
	memcpy(o->id, id, len);
	o->set_n = 1;
	o->done = done;
	o->arg = arg;
	return o;
}

void store_op_free(struct store_op *o)
{
	while (o != NULL) {
		struct store_op *next = o->next;
		free(o->json);
		free(o->expect);
		if (o->doa != NULL)
			OPENSSL_cleanse(o->doa, sizeof *o->doa);
		free(o->doa);
		OPENSSL_cleanse(o, sizeof *o);
		free(o);
		o = next;
	}
}

/* What the backend writes for a staged op. */
static aiot_store_change change_of(const struct store_op *o)
{
	aiot_store_change c = {.perm_id = o->id, .len = o->id_len};
	switch (o->kind) {
	case OP_TID:
		c.kind = AIOT_CHANGE_TID;
		c.tid = o->a;
		c.tid_prev = o->has_tid_prev ? o->b : NULL;
		c.tid_type = o->tid_type;
		break;
	case OP_SESSION:
		c.kind = AIOT_CHANGE_SESSION;
		c.rand_n = o->a;
		c.rand_d = o->b;
		break;
	case OP_PROFILE:
		c.kind = AIOT_CHANGE_PROFILE;
		c.json = o->json;
		break;
	case OP_DOA:
		c.kind = AIOT_CHANGE_DOA;
		c.doa_rand_d = o->doa->rand_d[0];
		c.doa_n = o->doa->n;
		break;
	}
	return c;
}

/* After a failed commit: the devices whose changes did not commit are not published, and a
 * set with such a device gets the error (its other devices may have committed: a backend
 * that commits per device, store_backend.h). */
static void batch_failed(store_writer *w, struct store_stages *g, struct store_op *batch,
                         const aiot_store_change *ch, const int *res, size_t m, int rc)
{
	for (size_t j = 0; j < m; j++)
		if (res[j] != AIOT_OK)
			store_batch_fail(w->cache, g, ch[j].perm_id, ch[j].len);
	for (struct store_op *o = batch; o != NULL;) {
		struct store_op *first = o;
		for (size_t k = first->set_n; k-- > 0; o = o->next)
			if (first->rc == AIOT_OK &&
			    store_batch_failed(w->cache, g, o->id, o->id_len))
				first->rc = rc;
	}
}

/* Stages every set whose compare-and-set holds (its result goes to the set's first op), has
 * the backend commit them as one batch, and publishes what committed. AIOT_OK once the
 * backend was asked (each set's result is then in its first op). */
static int batch_write(store_writer *w, struct store_op *batch, size_t n, size_t ntid, char *err,
                       size_t errlen)
{
	struct store_stages g = {0};
	aiot_store_change *ch = calloc(n, sizeof *ch);
	int *res = calloc(n, sizeof *res);
	size_t m = 0;
	int rc = AIOT_ERR_NOSPACE;

	if (ch == NULL || res == NULL ||
	    (rc = store_batch_begin(w->cache, &g, n, ntid)) != AIOT_OK) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (struct store_op *o = batch; o != NULL;) {
		struct store_op *first = o;
		first->rc = store_batch_stage_set(w->cache, &g, first);
		for (size_t k = first->set_n; k-- > 0; o = o->next)
			if (first->rc == AIOT_OK)
				ch[m++] = change_of(o);
	}
	for (size_t j = 0; j < m; j++)
		res[j] = AIOT_ERR_STATE;
	if (m > 0 && (rc = w->be->commit(w->b, ch, m, res, err, errlen)) != AIOT_OK) {
		fprintf(stderr, "aiot store: write batch of %zu: changes not committed: %s\n", n,
		        err);
		batch_failed(w, &g, batch, ch, res, m, rc);
	}
	store_batch_publish(w->cache, &g);
	rc = AIOT_OK;
out:
	free(res);
	store_batch_end(&g);
	if (ch != NULL)
		OPENSSL_cleanse(ch, n * sizeof *ch);
	free(ch);
	return rc;
}

/* A shared backend (store_backend.h): nothing is staged on the cache (it holds no mutable
 * state); each op goes to the backend with its expectation and the backend decides. A set's
 * result: the first error of its ops, else AIOT_STORE_CHANGED if any op's expectation failed,
 * else AIOT_OK; a failed set's ops that did, or may have, committed are undone
 * (batch_write_shared). */
static aiot_store_change change_shared(store_writer *w, struct store_op *o)
{
	aiot_store_change c = change_of(o); /* nothing staged: no previous T-ID, no window */
	c.cas = o->cas;
	c.nonce = o->nonce;
	memcpy(o->nonce, w->nonce, 8);
	memcpy(o->nonce + 8, &w->seq, 8);
	w->seq++;
	if (o->kind == OP_TID) {
		c.e_tid = o->expect_tid ? o->e_tid : NULL;
		c.e_rn = o->expect_session ? o->e_rn : NULL;
		c.e_rd = o->expect_session ? o->e_rd : NULL;
	} else if (o->kind == OP_PROFILE) {
		c.expect = o->expect;
	} else if (o->kind == OP_DOA) {
		c.rand_d = o->a;
		c.doa_rand_d = NULL;
		c.doa_n = 0;
	}
	return c;
}

static int worse(int a, int b)
{
	if (a < 0)
		return a;
	return b < 0 || b == AIOT_STORE_CHANGED ? b : a;
}

static int batch_write_shared(store_writer *w, struct store_op *batch, size_t n, char *err,
                              size_t errlen)
{
	aiot_store_change *ch = calloc(n ? n : 1, sizeof *ch);
	int *res = calloc(n ? n : 1, sizeof *res);
	size_t m = 0;
	if (ch == NULL || res == NULL) {
		free(ch);
		free(res);
		snprintf(err, errlen, "out of memory");
		return AIOT_ERR_NOSPACE;
	}
	for (struct store_op *o = batch; o != NULL; o = o->next) {
		res[m] = AIOT_ERR_STATE;
		ch[m++] = change_shared(w, o);
	}
	if (w->be->commit(w->b, ch, m, res, err, errlen) != AIOT_OK)
		fprintf(stderr, "aiot store: write batch of %zu: not all committed: %s\n", n, err);
	m = 0;
	size_t nu = 0;
	for (struct store_op *o = batch; o != NULL;) {
		struct store_op *first = o;
		first->rc = AIOT_OK;
		for (size_t k = first->set_n; k-- > 0; o = o->next)
			first->rc = worse(first->rc, res[m++]);
		/* A set is all or none: what committed of a failed set, or may have (an error
		 * other than "changed" or "no such device": refused by WAIT, no answer; the
		 * script may have run on the master), is undone: each profile back to the text
		 * expected, if it still is this set's (a compare-and-set, so harmless where the
		 * write did not land). */
		o = first;
		for (size_t k = first->set_n; k-- > 0; o = o->next) {
			size_t j = m - 1 - k;
			if (first->set_n > 1 && first->rc != AIOT_OK &&
			    res[j] != AIOT_STORE_CHANGED && res[j] != AIOT_ERR_UNKNOWN) {
				ch[nu] = change_shared(w, o);
				ch[nu].cas = 1;
				ch[nu].expect = o->json;
				ch[nu++].json = o->expect;
			}
		}
	}
	if (nu > 0 && w->be->commit(w->b, ch, nu, res, err, errlen) != AIOT_OK)
		fprintf(stderr,
		        "aiot store: a profile set failed and was not undone everywhere (some "
		        "devices keep the new profile): %s\n",
		        err);
	OPENSSL_cleanse(ch, n * sizeof *ch);
	free(ch);
	free(res);
	return AIOT_OK;
}

/* Commits one batch (group commit), then runs each set's done callback with its result. The
 * callbacks run with no lock held (they may queue further updates). */
static void commit_batch(store_writer *w, struct store_op *batch)
{
	char err[256] = "";
	size_t n = 0, ntid = 0;
	for (struct store_op *o = batch; o != NULL; o = o->next, n++)
		ntid += o->kind == OP_TID;
	pthread_mutex_lock(w->be_lock);
	int rc = w->be->shared ? batch_write_shared(w, batch, n, err, sizeof err)
	                       : batch_write(w, batch, n, ntid, err, sizeof err);
	pthread_mutex_unlock(w->be_lock);
	if (rc != AIOT_OK)
		fprintf(stderr, "aiot store: write batch of %zu failed, nothing applied: %s\n", n,
		        err);
	while (batch != NULL) {
		struct store_op *next = batch->next;
		if (batch->done != NULL)
			batch->done(batch->arg, rc != AIOT_OK ? rc : batch->rc);
		batch->next = NULL;
		store_op_free(batch);
		batch = next;
	}
}

static void *writer_main(void *arg)
{
	store_writer *w = arg;
	pthread_mutex_lock(&w->q_lock);
	for (;;) {
		while (w->head == NULL && !w->stop)
			pthread_cond_wait(&w->q_cond, &w->q_lock);
		if (w->head == NULL)
			break;
		struct store_op *batch = w->head; /* everything queued so far: one transaction */
		w->head = w->tail = NULL;
		w->busy = 1;
		pthread_mutex_unlock(&w->q_lock);
		commit_batch(w, batch);
		pthread_mutex_lock(&w->q_lock);
		w->busy = 0;
		if (w->head == NULL)
			pthread_cond_broadcast(&w->q_drained);
	}
	pthread_mutex_unlock(&w->q_lock);
	return NULL;
}

int store_writer_start(store_writer *w)
{
	if (RAND_bytes(w->nonce, sizeof w->nonce) != 1)
		return AIOT_ERR_CRYPTO;
	pthread_mutex_init(&w->q_lock, NULL);
	pthread_cond_init(&w->q_cond, NULL);
	pthread_cond_init(&w->q_drained, NULL);
	if (pthread_create(&w->thread, NULL, writer_main, w) != 0)
		return AIOT_ERR_STATE;
	w->started = 1;
	return AIOT_OK;
}

void store_writer_stop(store_writer *w)
{
	if (!w->started)
		return;
	store_writer_flush(w);
	pthread_mutex_lock(&w->q_lock);
	w->stop = 1;
	pthread_cond_signal(&w->q_cond);
	pthread_mutex_unlock(&w->q_lock);
	pthread_join(w->thread, NULL);
	pthread_mutex_destroy(&w->q_lock);
	pthread_cond_destroy(&w->q_cond);
	pthread_cond_destroy(&w->q_drained);
	w->started = 0;
}

void store_writer_flush(store_writer *w)
{
	if (!w->started)
		return;
	pthread_mutex_lock(&w->q_lock);
	while (w->head != NULL || w->busy)
		pthread_cond_wait(&w->q_drained, &w->q_lock);
	pthread_mutex_unlock(&w->q_lock);
}

void store_writer_enqueue(store_writer *w, struct store_op *first, struct store_op *last)
{
	pthread_mutex_lock(&w->q_lock);
	last->next = NULL;
	if (w->tail != NULL)
		w->tail->next = first;
	else
		w->head = first;
	w->tail = last;
	pthread_cond_signal(&w->q_cond);
	pthread_mutex_unlock(&w->q_lock);
}
