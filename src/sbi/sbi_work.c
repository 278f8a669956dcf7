/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI server's workers: one thread and one event base each, the in-flight bound
 * (TS 29.500 6.4), the life of a pending request (allocation, release) and the completion
 * queue that brings a deferred answer back to the worker from any thread (sbi_defer(),
 * sbi_complete()). The queue is reference counted (the worker + one per deferred request) so
 * that a completion arriving after sbi_server_stop() only frees memory. sbi_srv.h states who
 * owns a pending request when.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <nghttp2/nghttp2.h>

#include "sbi/sbi_srv.h"

static struct sbi_wq *wq_new(void)
{
	struct sbi_wq *wq = calloc(1, sizeof(*wq));

	if (wq == NULL)
		return NULL;
	if (pthread_mutex_init(&wq->lock, NULL) != 0) {
		free(wq);
		return NULL;
	}
	atomic_init(&wq->refs, 1);
	return wq;
}

static void wq_unref(struct sbi_wq *wq)
{
	if (atomic_fetch_sub(&wq->refs, 1) == 1) {
		pthread_mutex_destroy(&wq->lock);
		free(wq);
	}
}

/* Takes the whole queue (and the stop request) under the lock. */
static sbi_pending *wq_take(struct sbi_wq *wq, int *stopping)
{
	sbi_pending *p;

	pthread_mutex_lock(&wq->lock);
	p = wq->head;
	wq->head = wq->tail = NULL;
	*stopping = wq->stopping;
	pthread_mutex_unlock(&wq->lock);
	return p;
}

sbi_pending *sbi_pending_new(struct sbi_worker *w)
{
	sbi_pending *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	sbi_req_init(p);
	p->wq = w->wq;
	return p;
}

void sbi_pending_free(sbi_pending *p)
{
	struct sbi_wq *wq = p->deferred ? p->wq : NULL;

	sbi_req_clear(p);
	free(p);
	if (wq != NULL)
		wq_unref(wq);
}

void sbi_pending_uncount(struct sbi_worker *w, sbi_pending *p)
{
	if (p->counted) {
		sbi_metrics_observe(&w->srv->metrics, p->op, aiot_mono_us() - p->t_handed_us);
		p->counted = 0;
		w->npending--;
		atomic_fetch_sub(&w->srv->metrics.pending, 1);
	}
}

sbi_pending *sbi_defer(const sbi_request *req)
{
	sbi_pending *p = (sbi_pending *)(uintptr_t)req; /* req is p's first member */

	if (req == NULL)
		return NULL;
	if (!p->deferred) {
		p->deferred = 1;
		atomic_fetch_add(&p->wq->refs, 1);
	}
	return p;
}

void sbi_complete(sbi_pending *p, sbi_response *resp)
{
	struct sbi_wq *wq;

	if (p == NULL) {
		sbi_resp_drop(resp);
		return;
	}
	p->resp = *resp;
	resp->body = NULL;
	p->next = NULL;
	wq = p->wq;
	pthread_mutex_lock(&wq->lock);
	if (wq->dead) {
		pthread_mutex_unlock(&wq->lock);
		sbi_pending_free(p);
		return;
	}
	if (wq->tail)
		wq->tail->next = p;
	else
		wq->head = p;
	wq->tail = p;
	event_active(wq->wake, EV_READ, 0);
	pthread_mutex_unlock(&wq->lock);
}

static void stop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sbi_worker *w = arg;

	(void)fd;
	(void)what;
	while (w->conns != NULL)
		sbi_conn_free(w->conns);
	event_base_loopbreak(w->base);
}

/* RFC 9113 6.8: GOAWAY with the last stream processed lets in-flight streams finish. */
static void worker_begin_stop(struct sbi_worker *w)
{
	struct sbi_conn *c, *next;
	struct timeval tv = {STOP_GRACE_MS / 1000, (STOP_GRACE_MS % 1000) * 1000};

	w->stopping = 1;
	sbi_listen_stop(w);
	evtimer_add(w->stop_timer, &tv);
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		if (c->h2 == NULL) {
			sbi_conn_free(c);
			continue;
		}
		nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE,
		                      nghttp2_session_get_last_proc_stream_id(c->h2),
		                      NGHTTP2_NO_ERROR, NULL, 0);
		sbi_conn_mark_dirty(c);
	}
	if (w->nconns == 0)
		event_base_loopbreak(w->base);
}

/* The completion queue's wake-up: deliver each answer to its stream (if still there), then
 * free the request; this is where a deferred request ends. */
static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sbi_worker *w = arg;
	sbi_pending *p, *next;
	int stopping;

	(void)fd;
	(void)what;
	for (p = wq_take(w->wq, &stopping); p != NULL; p = next) {
		struct sbi_stream *st = p->stream;

		next = p->next;
		sbi_pending_uncount(w, p);
		if (st != NULL) {
			st->p = NULL;
			p->stream = NULL;
			sbi_stream_respond(st, &p->resp);
			sbi_conn_mark_dirty(st->conn);
		}
		sbi_pending_free(p);
	}
	if (stopping && !w->stopping)
		worker_begin_stop(w);
	sbi_conn_flush_dirty(w);
}

int sbi_worker_init(sbi_server *s, struct sbi_worker *w, int fd, char *err, size_t errlen)
{
	struct timeval period = sbi_sweep_period(&s->cfg);

	w->srv = s;
	w->base = event_base_new();
	w->wq = wq_new();
	if (w->base == NULL || w->wq == NULL)
		goto fail;
	w->wake_ev = event_new(w->base, -1, 0, wake_cb, w);
	w->stop_timer = evtimer_new(w->base, stop_timer_cb, w);
	w->sweep = event_new(w->base, -1, EV_PERSIST, sbi_sweep_cb, w);
	if (w->wake_ev == NULL || w->stop_timer == NULL || w->sweep == NULL)
		goto fail;
	/* Each worker gets its share of the server-wide bounds (at least 1). */
	w->max_pending =
	    (s->cfg.max_pending + (uint32_t)s->cfg.workers - 1) / (uint32_t)s->cfg.workers;
	w->max_conns =
	    (s->cfg.max_connections + (uint32_t)s->cfg.workers - 1) / (uint32_t)s->cfg.workers;
	if (event_add(w->sweep, &period) != 0)
		goto fail;
	w->wq->wake = w->wake_ev;
	if (sbi_listen_start(w, fd) != 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "worker %d: out of resources", w->index);
	close(fd);
	return -1;
}

static void *worker_main(void *arg)
{
	struct sbi_worker *w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

int sbi_worker_start(struct sbi_worker *w)
{
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0)
		return -1;
	w->started = 1;
	return 0;
}

void sbi_worker_ask_stop(struct sbi_worker *w)
{
	struct sbi_wq *wq = w->wq;

	if (!w->started)
		return;
	pthread_mutex_lock(&wq->lock);
	wq->stopping = 1;
	event_active(wq->wake, EV_READ, 0);
	pthread_mutex_unlock(&wq->lock);
}

void sbi_worker_destroy(struct sbi_worker *w)
{
	sbi_pending *p = NULL, *next;

	while (w->conns != NULL)
		sbi_conn_free(w->conns);
	if (w->wq != NULL) {
		pthread_mutex_lock(&w->wq->lock);
		w->wq->dead = 1;
		w->wq->wake = NULL;
		p = w->wq->head;
		w->wq->head = w->wq->tail = NULL;
		pthread_mutex_unlock(&w->wq->lock);
	}
	for (; p != NULL; p = next) {
		next = p->next;
		sbi_pending_free(p);
	}
	sbi_listen_stop(w);
	if (w->wake_ev)
		event_free(w->wake_ev);
	if (w->stop_timer)
		event_free(w->stop_timer);
	if (w->sweep)
		event_free(w->sweep);
	if (w->base)
		event_base_free(w->base);
	if (w->wq)
		wq_unref(w->wq);
}
