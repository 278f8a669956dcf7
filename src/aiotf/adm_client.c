/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIOTF's client of the ADM (Nadm_Sec, Nadm_DM): a small pool of HTTP/2 connections,
 * each multiplexing up to AIOTF_STREAMS_PER_CONN requests; the rest wait in a FIFO of at
 * most cfg.adm_max_queued (a flood of reports cannot grow it without bound). Every
 * request has the configured timeout and is retried once on a transport failure; whatever
 * happens, its callback runs exactly once (TS 33.369 NOTE 3: the ADM is the bottleneck, so
 * the AIOTF keeps many requests in flight instead of one at a time).
 * OAuth 2.0 (TS 33.501 13.4.1): with cfg.adm_tokens_nrf every request carries the cached
 * access token for (ADM, "nadm-sec nadm-dm") from the NRF (src/nrfc/nrfc_token.h); while none
 * is there the queue waits for the fetch; a 401 invalidates the token and the request is sent
 * once more with a new one.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "aiotf_internal.h"
#include "nrfc/nrfc_token.h"
#include "svc/log.h"

#define TOKEN_TARGET "ADM"
#define TOKEN_SCOPE "nadm-sec nadm-dm" /* the services the AIOTF uses */

struct admreq {
	aiotf *a;
	const char *method;
	char path[1024]; /* a query carries up to 255 percent-encoded characters (afauth.c) */
	char *body;
	size_t body_len;
	adm_build_fn build;
	adm_done_fn done;
	void *arg;
	int attempts;
	int token_retried;  /* sent again after a 401 */
	uint64_t token_gen; /* the token it carried */
	int conn;
	uint64_t t0_us;
	admreq *next;
};

static void fail_later_cb(evutil_socket_t fd, short what, void *arg);

int adm_pool_init(aiotf *a, char *err, size_t errlen)
{
	adm_pool *p = &a->adm;
	const char *path;
	if (sbi_parse_url(a->adm_url, &a->adm_tls, a->adm_host, sizeof a->adm_host, &a->adm_port,
	                  &path) != 0 ||
	    strcmp(path, "/") != 0) {
		snprintf(err, errlen, "adm: '%s' is not http://HOST:PORT or https://HOST:PORT",
		         a->adm_url);
		return -1;
	}
	if (a->adm_tls && a->adm_ca == NULL) {
		snprintf(err, errlen, "adm: https needs adm-ca (the CA that signed the ADM)");
		return -1;
	}
	if (!a->adm_tls && (a->adm_ca || a->adm_cert || a->adm_key)) {
		snprintf(err, errlen, "adm-ca/adm-cert/adm-key need an https ADM URL");
		return -1;
	}
	if ((a->adm_cert == NULL) != (a->adm_key == NULL)) {
		snprintf(err, errlen, "adm-cert and adm-key go together");
		return -1;
	}
	if ((p->fail_ev = event_new(a->base, -1, 0, fail_later_cb, a)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	p->n = a->cfg.adm_connections;
	p->c = calloc((size_t)p->n, sizeof *p->c);
	p->inflight = calloc((size_t)p->n, sizeof *p->inflight);
	if (p->c == NULL || p->inflight == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (a->adm_tls && (a->adm_tls_ctx = sbi_client_tls_ctx(a->adm_ca, a->adm_cert, a->adm_key,
	                                                       err, errlen)) == NULL)
		return -1;
	sbi_client_cfg cc = {
	    .host = a->adm_host,
	    .port = a->adm_port,
	    .tls_ctx = a->adm_tls_ctx, /* one context for every connection */
	    .dns = a->dns,
	    .timeout_ms = a->cfg.adm_timeout_ms,
	};
	for (int i = 0; i < p->n; i++)
		if ((p->c[i] = sbi_client_new(a->base, &cc, err, errlen)) == NULL)
			return -1;
	if (a->cfg.adm_tokens_nrf != NULL &&
	    (p->tokens = nrfc_tokens_new(a->base, a->cfg.adm_tokens_nrf, a->cfg.nf_instance_id,
	                                 "AIOTF", err, errlen)) == NULL)
		return -1;
	return 0;
}

static void req_free(admreq *r)
{
	free(r->body);
	free(r);
}

/* Failed requests, delivered from the loop, never from inside the caller: a list and an
 * event made at start, so that failing needs no allocation. */
static void fail_run(aiotf *a)
{
	adm_pool *p = &a->adm;
	while (p->failed != NULL) {
		admreq *r = p->failed;
		p->failed = r->next;
		if (!a->proc.stopping)
			atomic_fetch_add(&a->st.adm_errors, 1);
		r->done(r->arg, 0, NULL,
		        a->proc.stopping ? "the AIOTF is stopping" : "cannot queue the request");
		req_free(r);
	}
}

static void fail_later_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	fail_run(arg);
}

static void fail_later(admreq *r)
{
	adm_pool *p = &r->a->adm;
	r->next = p->failed;
	p->failed = r;
	event_active(p->fail_ev, 0, 0);
}

static void dispatch(aiotf *a);

/* A request sent again goes first: it waited longest. */
static void requeue_head(aiotf *a, adm_pool *p, admreq *r)
{
	r->next = p->qhead;
	p->qhead = r;
	if (p->qtail == NULL)
		p->qtail = r;
	p->queued++;
	dispatch(a);
}

static void on_response(void *arg, const sbi_client_response *resp)
{
	admreq *r = arg;
	aiotf *a = r->a;
	adm_pool *p = &a->adm;
	if (r->conn >= 0 && r->conn < p->n)
		p->inflight[r->conn]--;
	if (a->proc.stopping) {
		r->done(r->arg, 0, NULL, "the AIOTF is stopping");
		req_free(r);
		return;
	}
	sbi_hist_observe(&a->st.adm_latency, aiot_mono_us() - r->t0_us);
	if (resp->status == 0 && r->attempts < 2) {
		/* One retry, at the head of the queue (TS 29.500 5.2.7: transport failure). */
		log_debug("ADM %s %s: %s; retrying", r->method, r->path, resp->error);
		atomic_fetch_add(&a->st.adm_retries, 1);
		requeue_head(a, p, r);
		return;
	}
	if (resp->status == 401 && p->tokens != NULL && !r->token_retried) {
		/* RFC 6750 3.1 invalid_token (expired, or the NRF's key changed): once more with
		 * a new token */
		log_info("ADM %s %s: 401, retrying with a new access token", r->method, r->path);
		nrfc_token_invalidate(p->tokens, TOKEN_TARGET, TOKEN_SCOPE, r->token_gen);
		atomic_fetch_add(&a->st.adm_token_retries, 1);
		r->token_retried = 1;
		requeue_head(a, p, r);
		return;
	}
	cJSON *j = NULL;
	sbi_err je = {0};
	if (resp->status >= 200 && resp->status < 300 && resp->body_len > 0 &&
	    (j = sbi_json_parse(resp->body, resp->body_len, &je)) == NULL)
		log_warn("ADM %s %s: answer refused: %s", r->method, r->path, je.text);
	if (resp->status < 200 || resp->status >= 300) {
		atomic_fetch_add(&a->st.adm_errors, 1);
		if (resp->status == 0)
			log_warn("ADM %s %s: %s", r->method, r->path, resp->error);
		else
			log_debug("ADM %s %s: status %d", r->method, r->path, resp->status);
	}
	r->done(r->arg, resp->status, j, resp->error);
	cJSON_Delete(j);
	req_free(r);
	dispatch(a);
}

/* A token fetch ended. Without a token the requests queued now fail (they all needed it: one
 * unreachable NRF must not make each of them wait for a fetch of its own); later ones try a
 * new fetch. */
static void token_ready(void *arg, int ok)
{
	aiotf *a = arg;
	adm_pool *p = &a->adm;
	p->token_waiting = 0;
	while (!ok && p->qhead != NULL) {
		admreq *r = p->qhead;
		if ((p->qhead = r->next) == NULL)
			p->qtail = NULL;
		p->queued--;
		r->next = NULL;
		fail_later(r);
	}
	dispatch(a);
}

/* "Bearer TOKEN" for the next request into buf, or NULL when the queue must wait (a fetch is
 * started) or no token is configured (*wait 0). */
static const char *bearer(aiotf *a, admreq *r, char *buf, size_t cap, int *wait)
{
	adm_pool *p = &a->adm;
	*wait = 0;
	if (p->tokens == NULL)
		return NULL;
	const char *tok = nrfc_token_get(p->tokens, TOKEN_TARGET, TOKEN_SCOPE, &r->token_gen);
	if (tok != NULL && (size_t)snprintf(buf, cap, "Bearer %s", tok) < cap)
		return buf;
	*wait = 1;
	if (!p->token_waiting &&
	    nrfc_token_wait(p->tokens, TOKEN_TARGET, TOKEN_SCOPE, token_ready, a) == 0)
		p->token_waiting = 1;
	return NULL;
}

static void dispatch(aiotf *a)
{
	adm_pool *p = &a->adm;
	char authz[4200];
	while (p->qhead != NULL && !p->token_waiting) {
		int best = -1;
		for (int i = 0; i < p->n; i++)
			if (p->inflight[i] < AIOTF_STREAMS_PER_CONN &&
			    (best < 0 || p->inflight[i] < p->inflight[best]))
				best = i;
		if (best < 0)
			return;
		int wait;
		const char *auth = bearer(a, p->qhead, authz, sizeof authz, &wait);
		if (wait && p->token_waiting)
			return;
		admreq *r = p->qhead;
		p->qhead = r->next;
		if (p->qhead == NULL)
			p->qtail = NULL;
		p->queued--;
		r->next = NULL;
		if (wait) { /* no token and no fetch could start */
			fail_later(r);
			continue;
		}
		if (r->build != NULL && r->body == NULL) {
			r->body = r->build(r->arg, &r->body_len);
			if (r->body == NULL) {
				fail_later(r);
				continue;
			}
		}
		r->attempts++;
		r->conn = best;
		r->t0_us = aiot_mono_us();
		if (sbi_client_request_auth(p->c[best], r->method, r->path,
		                            r->body ? "application/json" : NULL, r->body,
		                            r->body_len, auth, on_response, r) != 0) {
			fail_later(r);
			continue;
		}
		if (r->attempts == 1)
			atomic_fetch_add(&a->st.adm_requests, 1);
		p->inflight[best]++;
	}
}

int adm_call(aiotf *a, const char *method, const char *path, char *body, size_t len,
             adm_build_fn build, adm_done_fn done, void *arg)
{
	if (a->adm.queued >= (size_t)a->cfg.adm_max_queued && !a->proc.stopping) {
		free(body);
		atomic_fetch_add(&a->st.adm_queue_full, 1);
		log_debug("ADM %s %s: the request queue is full", method, path);
		return -2;
	}
	admreq *r = calloc(1, sizeof *r);
	if (r == NULL) {
		/* Cannot even record the request: the caller handles the failure itself (a
		 * done() from here would re-enter it). */
		free(body);
		log_error("ADM %s %s: out of memory", method, path);
		return -1;
	}
	r->a = a;
	r->method = method;
	snprintf(r->path, sizeof r->path, "%s", path);
	r->body = body;
	r->body_len = len;
	r->build = build;
	r->done = done;
	r->arg = arg;
	r->conn = -1;
	if (a->proc.stopping) {
		fail_later(r);
		return 0;
	}
	adm_pool *p = &a->adm;
	if (p->qtail)
		p->qtail->next = r;
	else
		p->qhead = r;
	p->qtail = r;
	p->queued++;
	dispatch(a);
	return 0;
}

void adm_pool_free(aiotf *a)
{
	adm_pool *p = &a->adm;
	nrfc_tokens_free(p->tokens); /* first: a fetch ending now calls no waiter */
	p->tokens = NULL;
	p->token_waiting = 0;
	/* Freeing a client runs the callbacks of its open requests (stopping: they only free). */
	for (int i = 0; p->c != NULL && i < p->n; i++)
		sbi_client_free(p->c[i]);
	for (admreq *r = p->qhead, *n; r != NULL; r = n) {
		n = r->next;
		r->done(r->arg, 0, NULL, "the AIOTF is stopping");
		req_free(r);
	}
	p->qhead = p->qtail = NULL;
	fail_run(a);
	if (p->fail_ev != NULL)
		event_free(p->fail_ev);
	p->fail_ev = NULL;
	free(p->c);
	free(p->inflight);
	p->c = NULL;
	p->inflight = NULL;
}
