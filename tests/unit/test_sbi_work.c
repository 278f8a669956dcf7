/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI server's completion queue (src/sbi/sbi_work.c) with one worker and no connection:
 * a deferred answer from another thread reaches the worker and ends the request once; one
 * that arrives after the worker is gone only frees memory (the ASan build checks both);
 * a stop request ends the worker's loop. Also the sweep's period (sbi_limits.c).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "sbi/sbi_srv.h"

struct fixture {
	sbi_server s;
	struct sbi_worker w;
	int destroyed;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	char err[128];
	int fd;

	if (f == NULL)
		return -1;
	sbi_threads_init();
	memset(&ss, 0, sizeof(ss));
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->s.cfg.workers = 1;
	f->s.cfg.max_pending = 8;
	f->s.cfg.max_connections = 8;
	f->s.cfg.idle_timeout_ms = f->s.cfg.body_timeout_ms = f->s.cfg.handshake_timeout_ms = 10000;
	fd = sbi_listen_socket(&ss, sizeof(*in), 0, err, sizeof(err), "127.0.0.1:0");
	if (fd < 0 || sbi_worker_init(&f->s, &f->w, fd, err, sizeof(err)) != 0)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	if (!f->destroyed)
		sbi_worker_destroy(&f->w);
	free(f);
	return 0;
}

/* A request handed to the application (what sbi_h2.c does at END_STREAM) and deferred. */
static sbi_pending *handed_deferred(struct sbi_worker *w)
{
	sbi_pending *p = sbi_pending_new(w);

	assert_non_null(p);
	p->counted = 1;
	w->npending++;
	atomic_fetch_add(&w->srv->metrics.pending, 1);
	assert_ptr_equal(sbi_defer(&p->req), p);
	assert_ptr_equal(sbi_defer(&p->req), p); /* twice: still one reference */
	return p;
}

static void answer(sbi_response *r, int sensitive)
{
	memset(r, 0, sizeof(*r));
	r->status = 200;
	r->body = strdup("{\"k\":\"00112233\"}");
	assert_non_null(r->body);
	r->body_len = strlen(r->body);
	r->sensitive = sensitive;
}

static void *complete_thread(void *arg)
{
	sbi_response r;

	answer(&r, 1);
	sbi_complete(arg, &r);
	return NULL;
}

static void test_complete_from_another_thread(void **state)
{
	struct fixture *f = *state;
	sbi_pending *p = handed_deferred(&f->w);
	pthread_t t;

	assert_int_equal(atomic_load(&f->w.wq->refs), 2);
	assert_int_equal(pthread_create(&t, NULL, complete_thread, p), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	/* queued, not yet delivered: the worker still counts it in flight */
	assert_ptr_equal(f->w.wq->head, p);
	assert_int_equal(f->w.npending, 1);
	assert_int_equal(event_base_loop(f->w.base, EVLOOP_NONBLOCK), 0);
	/* delivered (no stream left: nothing to answer) and freed, slot and reference back */
	assert_null(f->w.wq->head);
	assert_int_equal(f->w.npending, 0);
	assert_int_equal(atomic_load(&f->w.srv->metrics.pending), 0);
	assert_int_equal(atomic_load(&f->w.wq->refs), 1);
}

static void test_complete_after_worker_gone(void **state)
{
	struct fixture *f = *state;
	sbi_pending *p = handed_deferred(&f->w);
	struct sbi_wq *wq = f->w.wq;
	sbi_response r;

	sbi_worker_destroy(&f->w);
	f->destroyed = 1;
	/* the queue outlives the worker while the deferred request holds it */
	assert_int_equal(atomic_load(&wq->refs), 1);
	assert_true(wq->dead);
	answer(&r, 0);
	sbi_complete(p, &r); /* frees p, the answer and the last reference (ASan: no leak) */
	assert_null(r.body);
}

static void test_complete_null_frees_answer(void **state)
{
	sbi_response r;

	(void)state;
	answer(&r, 1);
	sbi_complete(NULL, &r);
	assert_null(r.body);
}

static void test_stop_delivers_then_ends_loop(void **state)
{
	struct fixture *f = *state;
	sbi_pending *p = handed_deferred(&f->w);
	sbi_response r;

	answer(&r, 0);
	sbi_complete(p, &r);
	f->w.started = 1; /* this thread plays the worker's */
	sbi_worker_ask_stop(&f->w);
	assert_int_equal(event_base_loop(f->w.base, 0), 0); /* returns: loopbreak, no conns */
	assert_true(f->w.stopping);
	assert_null(f->w.lst);
	assert_int_equal(f->w.npending, 0);
	assert_int_equal(atomic_load(&f->w.wq->refs), 1);
}

static void test_sweep_period(void **state)
{
	sbi_server_cfg cfg = {0};
	struct timeval tv;

	(void)state;
	cfg.idle_timeout_ms = 60000;
	cfg.body_timeout_ms = 10000;
	cfg.handshake_timeout_ms = 10000;
	tv = sbi_sweep_period(&cfg); /* a quarter of the shortest, at most 1 s */
	assert_int_equal(tv.tv_sec, 1);
	assert_int_equal(tv.tv_usec, 0);
	cfg.handshake_timeout_ms = 800;
	tv = sbi_sweep_period(&cfg);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 200000);
	cfg.body_timeout_ms = 100; /* at least 50 ms */
	tv = sbi_sweep_period(&cfg);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 50000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_complete_from_another_thread, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_complete_after_worker_gone, setup, teardown),
	    cmocka_unit_test(test_complete_null_frees_answer),
	    cmocka_unit_test_setup_teardown(test_stop_delivers_then_ends_loop, setup, teardown),
	    cmocka_unit_test(test_sweep_period),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
