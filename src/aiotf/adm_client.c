/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIOTF's client of the ADM (Nadm_Sec, Nadm_DM): one or several ADM instances (adm.url's
 * list, or every instance the NRF returns; several ADM processes share one device store on
 * Redis Cluster, docs/redis-cluster.md), each with its own small pool of adm.connections
 * HTTP/2 connections multiplexing up to AIOTF_STREAMS_PER_CONN requests each; the rest wait
 * in one FIFO of at most cfg.adm_max_queued (a flood of reports cannot grow it without
 * bound). Every request has the configured timeout and is retried once on a transport
 * failure; whatever happens, its callback runs exactly once (TS 33.369 NOTE 3: the ADM is the
 * bottleneck, so the AIOTF keeps many requests in flight instead of one at a time).
 *
 * Spreading: a request goes to the instance that is up with the fewest requests in flight,
 * equally loaded instances in turn (round-robin), on that instance's least loaded connection.
 * Failover (TS 29.500 5.2.7: a consumer may retry at another producer instance): a transport
 * failure, a lost connection or a timeout marks the instance down, and the request is sent
 * once more (the one retry), on another instance that is up when there is one. A 503 (that
 * instance overloaded or stopping) is sent once more on another instance that is up, if any,
 * without marking it down; any other HTTP answer, 4xx or 5xx, is final. A down instance gets
 * no request while another is up (when none is, requests go to the down ones: a single ADM
 * behaves as before); it is probed (PROBE_PATH: any HTTP answer shows it serving) PROBE_FIRST_MS
 * after it went down, then at doubling intervals up to PROBE_MAX_MS, and takes requests again
 * once a probe or a request is answered. One log line when an instance goes down, one when it
 * is back; /metrics has each instance's requests, failures and state (adm_pool_metrics).
 *
 * OAuth 2.0 (TS 33.501 13.4.1): with cfg.adm_tokens_nrf every request carries the cached
 * access token for (ADM, "nadm-sec nadm-dm") from the NRF (src/nrfc/nrfc_token.h), one for
 * every instance (its audience is the NF type); while none is there the queue waits for the
 * fetch; a 401 invalidates the token and the request is sent once more with a new one.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "common/clock.h"
#include "aiotf_internal.h"
#include "nrfc/nrfc_token.h"
#include "sbi/sbi_url.h"
#include "svc/log.h"

#define TOKEN_TARGET "ADM"
#define TOKEN_SCOPE "nadm-sec nadm-dm" /* the services the AIOTF uses */
#define PROBE_PATH "/nadm-sec/v1/"     /* not an operation: answered 404, or 401 */
#define PROBE_FIRST_MS 100
#define PROBE_MAX_MS 2000

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
	int inst, conn;     /* where it was sent last (-1: nowhere yet) */
	int avoid;          /* the instance it failed on: another one next, if one is up */
	uint64_t t0_us;
	admreq *next;
};

static void fail_later_cb(evutil_socket_t fd, short what, void *arg);

/* A host name or address of the list, nothing else: it becomes a /metrics label. */
static int host_ok(const char *h)
{
	for (; *h != '\0'; h++)
		if (!isalnum((unsigned char)*h) && strchr(".-_:%", *h) == NULL)
			return 0;
	return 1;
}

/* The list into out (at most max), one scheme for all into *tls. An item that does not fit
 * (empty, too long, not http(s)://HOST:PORT, another scheme than the first kept, twice, past
 * max): strict, the list is refused (-1, err); lenient (a list from NRF discovery: one bad
 * profile must not stop the AIOTF), the item is skipped with a log line. The count kept. */
static int urls_parse(const char *list, adm_inst *out, int max, int *tls, int lenient, char *err,
                      size_t errlen)
{
	const char *p = list != NULL ? list : "";
	int n = 0;
	for (;; p += strcspn(p, ",") + 1) {
		size_t len = strcspn(p, ",");
		const char *s = p, *e = p + len, *path;
		char item[AIOTF_MAX_URI];
		int t;
		adm_inst *in = &out[n < max ? n : 0];
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
			e--;
		if (s == e) {
			snprintf(err, errlen, "adm: an empty URL in the list '%s'",
			         list ? list : "");
			goto bad;
		}
		if ((size_t)(e - s) >= sizeof item) {
			snprintf(err, errlen, "adm: a URL of the list is over %zu characters",
			         sizeof item - 1);
			goto bad;
		}
		memcpy(item, s, (size_t)(e - s));
		item[e - s] = '\0';
		if (n == max) {
			snprintf(err, errlen, "adm: more than %d ADM URLs ('%s')", max, item);
			goto bad;
		}
		if (sbi_parse_url(item, &t, in->host, sizeof in->host, &in->port, &path) != 0 ||
		    strcmp(path, "/") != 0 || strchr(item, '?') != NULL || !host_ok(in->host)) {
			snprintf(err, errlen,
			         "adm: '%s' is not http://HOST:PORT or https://HOST:PORT", item);
			goto bad;
		}
		if (n > 0 && t != *tls) {
			snprintf(err, errlen,
			         "adm: '%s' and '%s' mix http and https: one scheme for every ADM",
			         out[0].url, item);
			goto bad;
		}
		/* the canonical form: the /metrics label, and the check for duplicates */
		int v6 = strchr(in->host, ':') != NULL;
		snprintf(in->url, sizeof in->url, "%s://%s%s%s:%d", t ? "https" : "http",
		         v6 ? "[" : "", in->host, v6 ? "]" : "", in->port);
		for (int j = 0; j < n; j++)
			if (strcmp(out[j].url, in->url) == 0) {
				snprintf(err, errlen, "adm: %s is listed twice", in->url);
				goto bad;
			}
		*tls = t;
		n++;
		goto next;
	bad:
		if (!lenient)
			return -1;
		log_warn("%s: skipped (a list found through the NRF)", err);
	next:
		if (p[len] == '\0')
			return n;
	}
}

int adm_urls_parse(const char *list, adm_inst *out, int max, int *tls, char *err, size_t errlen)
{
	return urls_parse(list, out, max, tls, 0, err, errlen);
}

int aiotf_adm_urls_discovered(const char *list, char *out, size_t cap, char *err, size_t errlen)
{
	adm_inst *tmp = calloc(AIOTF_MAX_ADM, sizeof *tmp);
	int tls = 0, n;
	size_t used = 0;
	if (tmp == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = urls_parse(list, tmp, AIOTF_MAX_ADM, &tls, 1, err, errlen);
	if (cap > 0)
		out[0] = '\0';
	for (int k = 0; k < n && used < cap; k++)
		used += (size_t)snprintf(out + used, cap - used, "%s%s", k ? "," : "", tmp[k].url);
	free(tmp);
	if (n == 0 || used >= cap) {
		snprintf(err, errlen, "adm: no usable ADM URL in '%s' (found through the NRF)",
		         list ? list : "");
		return -1;
	}
	return n;
}

int aiotf_adm_urls_check(const char *list, char *err, size_t errlen)
{
	adm_inst *tmp = calloc(AIOTF_MAX_ADM, sizeof *tmp);
	int tls = 0, n;
	if (tmp == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n = adm_urls_parse(list, tmp, AIOTF_MAX_ADM, &tls, err, errlen);
	free(tmp);
	return n < 0 ? -1 : 0;
}

static void probe_cb(evutil_socket_t fd, short what, void *arg);

int adm_pool_init(aiotf *a, char *err, size_t errlen)
{
	adm_pool *p = &a->adm;
	if ((p->inst = calloc(AIOTF_MAX_ADM, sizeof *p->inst)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((p->ninst = adm_urls_parse(a->adm_url, p->inst, AIOTF_MAX_ADM, &p->tls, err, errlen)) <
	    0) {
		p->ninst = 0;
		return -1;
	}
	if (p->tls && a->adm_ca == NULL) {
		snprintf(err, errlen, "adm: https needs adm-ca (the CA that signed the ADM)");
		return -1;
	}
	if (!p->tls && (a->adm_ca || a->adm_cert || a->adm_key)) {
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
	if (p->tls && (a->adm_tls_ctx = sbi_client_tls_ctx(a->adm_ca, a->adm_cert, a->adm_key, err,
	                                                   errlen)) == NULL)
		return -1;
	p->nconn = a->cfg.adm_connections;
	for (int k = 0; k < p->ninst; k++) {
		adm_inst *in = &p->inst[k];
		in->a = a;
		atomic_init(&in->up, 1);
		in->c = calloc((size_t)p->nconn, sizeof *in->c);
		in->inflight = calloc((size_t)p->nconn, sizeof *in->inflight);
		in->probe_ev = evtimer_new(a->base, probe_cb, in);
		if (in->c == NULL || in->inflight == NULL || in->probe_ev == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		sbi_client_cfg cc = {
		    .host = in->host,
		    .port = in->port,
		    .tls_ctx = a->adm_tls_ctx, /* one context for every connection */
		    .dns = a->dns,
		    .timeout_ms = a->cfg.adm_timeout_ms,
		};
		for (int i = 0; i < p->nconn; i++)
			if ((in->c[i] = sbi_client_new(a->base, &cc, err, errlen)) == NULL)
				return -1;
	}
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

/* ---- instances up and down ---- */

static void probe_arm(adm_inst *in)
{
	struct timeval tv = {in->backoff_ms / 1000, (in->backoff_ms % 1000) * 1000};
	evtimer_add(in->probe_ev, &tv);
}

/* 1 when an instance other than skip is up. */
static int other_up(const adm_pool *p, int skip)
{
	for (int i = 0; i < p->ninst; i++)
		if (i != skip && !p->inst[i].down)
			return 1;
	return 0;
}

static void inst_down(aiotf *a, adm_inst *in, const char *why)
{
	if (in->down)
		return;
	in->down = 1;
	atomic_store(&in->up, 0);
	in->down_us = aiot_mono_us();
	in->backoff_ms = PROBE_FIRST_MS;
	log_warn("ADM %s is down (%s): %s; probed from %d ms on, every %d ms at most", in->url,
	         why ? why : "transport failure",
	         other_up(&a->adm, (int)(in - a->adm.inst))
	             ? "the other instances take its requests"
	             : "no other instance is up",
	         PROBE_FIRST_MS, PROBE_MAX_MS);
	probe_arm(in);
}

static void inst_up(adm_inst *in)
{
	if (!in->down)
		return;
	in->down = 0;
	atomic_store(&in->up, 1);
	evtimer_del(in->probe_ev);
	log_info("ADM %s is back after %.1f s: it takes requests again", in->url,
	         (double)(aiot_mono_us() - in->down_us) / 1e6);
}

static void probe_done(void *arg, const sbi_client_response *resp)
{
	adm_inst *in = arg;
	aiotf *a = in->a;
	in->probing = 0;
	if (a->proc.stopping || !in->down)
		return;
	if (resp->status != 0) { /* any HTTP answer: it serves again */
		inst_up(in);
		dispatch(a);
		return;
	}
	log_debug("ADM %s probe: %s", in->url, resp->error);
	in->backoff_ms = in->backoff_ms * 2 < PROBE_MAX_MS ? in->backoff_ms * 2 : PROBE_MAX_MS;
	probe_arm(in);
}

static void probe_cb(evutil_socket_t fd, short what, void *arg)
{
	adm_inst *in = arg;
	(void)fd;
	(void)what;
	if (!in->down || in->probing || in->a->proc.stopping)
		return;
	/* on the first connection: the client reconnects on demand */
	if (sbi_client_request(in->c[0], "GET", PROBE_PATH, NULL, NULL, 0, probe_done, in) == 0)
		in->probing = 1;
	else
		probe_arm(in);
}

static void on_response(void *arg, const sbi_client_response *resp)
{
	admreq *r = arg;
	aiotf *a = r->a;
	adm_pool *p = &a->adm;
	adm_inst *in = r->inst >= 0 && r->inst < p->ninst ? &p->inst[r->inst] : NULL;
	if (in != NULL && r->conn >= 0 && r->conn < p->nconn) {
		in->inflight[r->conn]--;
		in->busy--;
	}
	if (a->proc.stopping) {
		r->done(r->arg, 0, NULL, "the AIOTF is stopping");
		req_free(r);
		return;
	}
	sbi_hist_observe(&a->st.adm_latency, aiot_mono_us() - r->t0_us);
	if (in != NULL && resp->status == 0) {
		atomic_fetch_add(&in->failures, 1);
		inst_down(a, in, resp->error);
	} else if (in != NULL) {
		inst_up(in);
	}
	/* One retry (TS 29.500 5.2.7): on a transport failure, or a 503 when another instance
	 * is up; at the head of the queue, on another instance when one is up. */
	if ((resp->status == 0 || (resp->status == 503 && other_up(p, r->inst))) &&
	    r->attempts < 2) {
		log_debug("ADM %s %s %s: %s; retrying", in ? in->url : "", r->method, r->path,
		          resp->status == 0 ? resp->error : "503");
		atomic_fetch_add(&a->st.adm_retries, 1);
		r->avoid = r->inst;
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
			log_warn("ADM %s %s %s: %s", in ? in->url : "", r->method, r->path,
			         resp->error);
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

/* The instance for the next request, or -1 while the candidates' streams are all taken.
 * Candidates: the instances that are up (every instance when none is); among them one other
 * than avoid first, then the fewest requests in flight, equals from p->rr on (round-robin). */
static int pick(const adm_pool *p, int avoid)
{
	int any_up = other_up(p, -1), best = -1, best_tier = 0;
	for (int k = 0; k < p->ninst; k++) {
		int i = (int)((p->rr + (unsigned)k) % (unsigned)p->ninst);
		const adm_inst *in = &p->inst[i];
		if ((any_up && in->down) || in->busy >= p->nconn * AIOTF_STREAMS_PER_CONN)
			continue;
		int tier = i == avoid;
		if (best < 0 || tier < best_tier ||
		    (tier == best_tier && in->busy < p->inst[best].busy)) {
			best = i;
			best_tier = tier;
		}
	}
	return best;
}

static void dispatch(aiotf *a)
{
	adm_pool *p = &a->adm;
	char authz[4200];
	while (p->qhead != NULL && !p->token_waiting) {
		int ii = pick(p, p->qhead->avoid);
		if (ii < 0)
			return;
		adm_inst *in = &p->inst[ii];
		int best = 0; /* its least loaded connection: below the cap, as in->busy is */
		for (int i = 1; i < p->nconn; i++)
			if (in->inflight[i] < in->inflight[best])
				best = i;
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
		r->inst = ii;
		r->conn = best;
		r->t0_us = aiot_mono_us();
		if (sbi_client_request_auth(in->c[best], r->method, r->path,
		                            r->body ? "application/json" : NULL, r->body,
		                            r->body_len, auth, on_response, r) != 0) {
			fail_later(r);
			continue;
		}
		if (r->attempts == 1)
			atomic_fetch_add(&a->st.adm_requests, 1);
		atomic_fetch_add(&in->requests, 1);
		p->rr = (unsigned)ii + 1;
		in->inflight[best]++;
		in->busy++;
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
	r->inst = r->conn = r->avoid = -1;
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
	for (int k = 0; p->inst != NULL && k < p->ninst; k++)
		for (int i = 0; p->inst[k].c != NULL && i < p->nconn; i++)
			sbi_client_free(p->inst[k].c[i]);
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
	for (int k = 0; p->inst != NULL && k < AIOTF_MAX_ADM; k++) {
		if (p->inst[k].probe_ev != NULL)
			event_free(p->inst[k].probe_ev);
		free(p->inst[k].c);
		free(p->inst[k].inflight);
	}
	free(p->inst);
	p->inst = NULL;
	p->ninst = 0;
}

void adm_pool_metrics(FILE *f, aiotf *a)
{
	static const struct {
		const char *name, *type, *help;
	} series[] = {
	    {"up", "gauge",
	     "1 while an ADM instance takes requests, 0 while it is down (probed until it "
	     "answers)."},
	    {"requests_total", "counter", "Requests sent to an ADM instance, retries included."},
	    {"failures_total", "counter",
	     "Requests to an ADM instance that failed in transport or timed out (each marks it "
	     "down)."},
	};
	const adm_pool *p = &a->adm;
	for (size_t k = 0; k < sizeof series / sizeof series[0]; k++) {
		fprintf(
		    f,
		    "# HELP aiot_aiotf_adm_instance_%s %s\n# TYPE aiot_aiotf_adm_instance_%s %s\n",
		    series[k].name, series[k].help, series[k].name, series[k].type);
		for (int i = 0; i < p->ninst; i++) {
			const adm_inst *in = &p->inst[i];
			unsigned long long v = k == 0   ? (unsigned long long)atomic_load(&in->up)
			                       : k == 1 ? atomic_load(&in->requests)
			                                : atomic_load(&in->failures);
			fprintf(f, "aiot_aiotf_adm_instance_%s{instance=\"%s\"} %llu\n",
			        series[k].name, in->url, v);
		}
	}
}
