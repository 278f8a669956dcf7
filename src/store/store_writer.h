/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device store's writer thread (store_writer.c), internal to src/store: updates are
 * queued (store_op, store_cache.h) and one thread commits everything queued so far as one
 * batch (group commit): stage and compare-and-set against the cache, the backend's commit
 * under be_lock, the stage published to the cache only if the commit succeeded, then each
 * set's done callback with no lock held. The writer owns a queued op until its done ran.
 * Locks: store_backend.h.
 */
#ifndef AIOT_STORE_WRITER_H
#define AIOT_STORE_WRITER_H
#include <pthread.h>

#include "store_backend.h"
#include "store_cache.h"

typedef struct store_writer {
	store_cache *cache;
	pthread_mutex_t *be_lock;
	const aiot_store_backend *be;
	void *b;

	pthread_mutex_t q_lock;
	pthread_cond_t q_cond, q_drained;
	struct store_op *head, *tail;
	int busy, stop, started;
	pthread_t thread;
	uint8_t nonce[8]; /* shared backends: each change's nonce is this, then seq */
	uint64_t seq;
} store_writer;

/* Starts the thread (w's cache, be_lock, be and b set by the caller). */
int store_writer_start(store_writer *w);
/* Commits what is queued, then joins the thread (no-op if it never started). */
void store_writer_stop(store_writer *w);
/* Blocks until every queued op has its outcome. */
void store_writer_flush(store_writer *w);
/* Queues the chain first..last (a set stays contiguous: one batch). */
void store_writer_enqueue(store_writer *w, struct store_op *first, struct store_op *last);

struct store_op *store_op_new(enum store_op_kind kind, const uint8_t *id, size_t len,
                              aiot_store_done done, void *arg);
void store_op_free(struct store_op *o); /* the chain from o */

#endif
