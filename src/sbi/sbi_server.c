/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI HTTP/2 server (TS 29.500 5.2): nghttp2 server sessions on libevent bufferevents,
 * one event base per worker thread, each worker with its own SO_REUSEPORT listener.
 *
 * Ownership: a connection owns its streams; a stream owns its request (struct sbi_pending)
 * until the handler defers it, after which the request belongs to the completion path and
 * is freed by the worker when sbi_complete() is delivered, whether or not the stream is
 * still alive. sbi_complete() may run on any thread: it queues on the worker's sbi_wq (mutex
 * + event_active() wake-up). The wq is reference counted so that a completion arriving
 * after sbi_server_stop() only frees memory.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "svc/wipe.h"
#include "sbi/sbi_internal.h"
#include "sbi/sbi_wipe.h"
#include "svc/netaddr.h"
#include "sbi/sbi_server.h"

#define DEFAULT_MAX_BODY (1u << 20)
#define DEFAULT_MAX_HEADER (16u << 10)
#define DEFAULT_MAX_STREAMS 128u
#define OUT_HIGH_WATER (64u << 10)    /* stop serialising frames above this much queued */
#define STREAM_WINDOW (256u << 10)    /* RFC 9113 6.9.2 SETTINGS_INITIAL_WINDOW_SIZE */
#define CONN_WINDOW (4u << 20)
#define STOP_GRACE_MS 2000            /* in-flight streams get this long after GOAWAY */
#define DEFAULT_MAX_PENDING 4096u
#define DEFAULT_MAX_CONNECTIONS 1024u
#define DEFAULT_IDLE_TIMEOUT_MS 60000u
#define DEFAULT_BODY_TIMEOUT_MS 10000u
#define DEFAULT_RETRY_AFTER_S 1u
#define DEFAULT_MAX_CONN_MEMORY ((size_t)16 << 20)
#define DEFAULT_MAX_MEMORY ((size_t)256 << 20)
#define DEFAULT_HANDSHAKE_TIMEOUT_MS 10000u
#define BODY_PREALLOC_MAX (64u << 10) /* content-length is a claim: grow past this on data */
#define CLOSE_GRACE_MS 2000u          /* a GOAWAY'd connection that does not go is freed */
/* RST_STREAM from a client: token bucket of RST_BURST refilled at RST_RATE_PER_S
 * (CVE-2023-44487). Strictly inside libnghttp2's own rapid-reset limit (burst 1000, 33/s,
 * which answers GOAWAY(INTERNAL_ERROR) and is not counted), so that ours always acts first
 * and the flood is reported as ENHANCE_YOUR_CALM and counted as reset_flood. */
#define RST_BURST 900u
#define RST_RATE_PER_S 30u
#define NO_OFF SIZE_MAX

struct sbi_conn;
struct sbi_stream;

/* A worker's completion queue; outlives the worker while deferred requests hold a ref. */
struct sbi_wq {
	pthread_mutex_t lock;
	_Atomic int refs;
	int dead;            /* worker gone: completions only free */
	int stopping;        /* sbi_server_stop() asked the worker to stop */
	struct event *wake;  /* NULL once dead */
	sbi_pending *head, *tail;
};

/* One request: what the handler sees plus its storage. */
struct sbi_pending {
	sbi_request req; /* first: sbi_defer() maps req back to its sbi_pending */
	struct sbi_stream *stream; /* NULL once the stream is gone (worker thread only) */
	struct sbi_wq *wq;
	int deferred;
	int counted;       /* in the worker's npending (worker thread only) */
	sbi_pending *next; /* wq link */
	sbi_response resp; /* set by sbi_complete() */
	char *hbuf;        /* "name\0value\0" for every field, pseudo-headers included */
	size_t hlen, hcap;
	size_t *hoff;      /* offsets of the regular header names in hbuf */
	size_t nh, hoff_cap;
	size_t method_off, path_off, ct_off;
	sbi_header *hdrs;
	uint8_t *body;
	size_t blen, bcap;
	size_t hdr_bytes;  /* RFC 7541 4.1 accounting: name + value + 32 per field */
	int64_t content_length;
	uint64_t t_handed_us; /* monotonic: handed to the application */
	int op;               /* cfg.operation() of the request, for the latency histogram */
};

struct sbi_stream {
	struct sbi_conn *conn;
	int32_t id;
	struct sbi_stream *prev, *next;
	sbi_pending *p;    /* NULL after the response was submitted or deferred + delivered */
	int reject;        /* decided error status: the rest of the request is discarded */
	int responded;
	int head;          /* HEAD: no body in the response */
	int handed;        /* given to the handler: the application owes the response */
	int headers_done;  /* the request header block has ended */
	uint64_t t_start;  /* ms, monotonic: HEADERS received */
	char *resp_body;
	size_t resp_len, resp_off;
	int resp_sensitive; /* sbi_response.sensitive */
	int sending;        /* the answer has a body to send through flow control */
	uint64_t t_progress; /* ms: answer submitted, or some of its body sent */
	size_t mem_body, mem_resp; /* bytes charged to the memory budget (mem_charge) */
};

struct sbi_worker;

struct sbi_conn {
	struct sbi_worker *w;
	struct bufferevent *bev;
	nghttp2_session *h2; /* NULL until the TLS handshake selected h2 */
	struct sbi_stream *streams;
	size_t nstreams;
	struct sbi_conn *prev, *next;
	struct sbi_conn *dirty_next;
	int dirty;
	int tls;
	uint64_t t_accept;  /* ms, monotonic: accepted (the TLS handshake deadline runs from it) */
	uint64_t t_active;  /* ms: last request frame (HEADERS, DATA) received or answer bytes sent */
	uint64_t t_write;   /* ms: last bytes drained from the output, or output became non-empty */
	uint64_t t_closing; /* ms: GOAWAY queued by the sweep; 0 = not closing */
	struct evbuffer_cb_entry *out_cb;
	size_t mem;           /* bytes charged by its streams */
	uint32_t rst_tokens;  /* "rapid reset" bucket */
	uint64_t t_rst;       /* ms: last refill */
};

struct sbi_worker {
	sbi_server *srv;
	int index;
	int started;
	int stopping;
	pthread_t thread;
	struct event_base *base;
	struct evconnlistener *lst;
	struct event *wake_ev;
	struct event *stop_timer;
	struct event *accept_retry;
	struct sbi_wq *wq;
	struct sbi_conn *conns;
	size_t nconns;
	struct sbi_conn *dirty;
	struct event *sweep;   /* periodic: body and idle timeouts */
	size_t npending;       /* requests handed to the handler, not yet answered */
	size_t max_pending;    /* this worker's share of cfg.max_pending */
	size_t max_conns;      /* this worker's share of cfg.max_connections */
};

struct sbi_server {
	sbi_server_cfg cfg;
	SSL_CTX *ssl;
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;
	int port;
	int nworkers;
	struct sbi_worker *workers;
	sbi_metrics metrics;
};

static void conn_free(struct sbi_conn *c);
static void conn_flush(struct sbi_conn *c);
static void conn_mark_dirty(struct sbi_conn *c);
static void conn_out_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg);
static void conn_refuse(evutil_socket_t fd, int tls);

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The application answered (or will never be asked to): release the in-flight slot. */
static void pending_uncount(struct sbi_worker *w, sbi_pending *p)
{
	if (p->counted) {
		sbi_metrics_observe(&w->srv->metrics, p->op, now_us() - p->t_handed_us);
		p->counted = 0;
		w->npending--;
		atomic_fetch_sub(&w->srv->metrics.pending, 1);
	}
}

/* ---- completion queue --------------------------------------------------------------------- */

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

/* Every response body is freed here: one holding a key is wiped first. */
static void body_free(char *body, int sensitive)
{
	if (sensitive)
		aiot_free_wipe(body);
	else
		free(body);
}

/* Sets what *slot (a stream's share) charges to the connection's and the server's budget. */
static void mem_charge(struct sbi_stream *st, size_t *slot, size_t bytes)
{
	struct sbi_conn *c = st->conn;

	atomic_fetch_add(&c->w->srv->metrics.buffered, (int64_t)bytes - (int64_t)*slot);
	c->mem = c->mem - *slot + bytes;
	*slot = bytes;
}

/* 1 when `more` bytes would take c past its budget or the server past its own. */
static int over_budget(struct sbi_conn *c, size_t more)
{
	const sbi_server_cfg *cfg = &c->w->srv->cfg;
	int64_t total = atomic_load(&c->w->srv->metrics.buffered);

	return c->mem + more > cfg->max_conn_memory ||
	       (size_t)(total > 0 ? total : 0) + more > cfg->max_memory;
}

static void resp_drop(sbi_response *resp)
{
	body_free(resp->body, resp->sensitive);
	resp->body = NULL;
}

static void pending_free(sbi_pending *p)
{
	struct sbi_wq *wq = p->deferred ? p->wq : NULL;

	resp_drop(&p->resp);
	free(p->hbuf);
	free(p->hoff);
	free(p->hdrs);
	free(p->body);
	free(p);
	if (wq != NULL)
		wq_unref(wq);
}

/* ---- responses ---------------------------------------------------------------------------- */

static ssize_t body_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len,
			 uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct sbi_stream *st = src->ptr;

	ssize_t n;

	(void)s;
	(void)id;
	(void)ud;
	n = sbi_buf_read((const uint8_t *)st->resp_body, st->resp_len, &st->resp_off, buf, len, flags);
	if (n > 0)
		st->t_progress = st->conn->t_active = now_ms();
	return n;
}

#define NV(n, v, vl)                                                                    \
	(nghttp2_nv)                                                                   \
	{                                                                              \
		(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), NGHTTP2_NV_FLAG_NONE \
	}

/* Submits resp on st (takes resp->body). Status >= 400 from the handler passes as is. */
static void stream_respond(struct sbi_stream *st, sbi_response *resp)
{
	struct sbi_conn *c = st->conn;
	sbi_server *srv = c->w->srv;
	nghttp2_data_provider prd;
	nghttp2_nv nv[3 + 4];
	char status[4], clen[24];
	size_t n = 0, i;
	int body_allowed;

	if (st->responded) {
		resp_drop(resp);
		return;
	}
	if (resp->status < 100 || resp->status > 599 || resp->status == 101) {
		resp_drop(resp);
		sbi_problem(resp, 500, NULL, "the handler produced no valid response");
	}
	st->responded = 1;
	body_allowed = !st->head && resp->status != 204 && resp->status != 304 &&
		       resp->status >= 200;
	st->resp_body = resp->body;
	st->resp_sensitive = resp->sensitive;
	st->resp_len = resp->body ? resp->body_len : 0;
	st->resp_off = 0;
	resp->body = NULL;
	if (!body_allowed && !st->head) {
		body_free(st->resp_body, st->resp_sensitive);
		st->resp_body = NULL;
		st->resp_len = 0;
	}
	mem_charge(st, &st->mem_resp, st->resp_len);
	st->sending = body_allowed && st->resp_len > 0;
	st->t_progress = now_ms();

	snprintf(status, sizeof(status), "%03d", resp->status);
	snprintf(clen, sizeof(clen), "%zu", st->resp_len);
	nv[n++] = NV(":status", status, 3);
	if (st->resp_len > 0 && resp->content_type != NULL)
		nv[n++] = NV("content-type", resp->content_type, strlen(resp->content_type));
	if (body_allowed || st->head)
		nv[n++] = NV("content-length", clen, strlen(clen));
	for (i = 0; i < resp->nextra && i < 4; i++) {
		const sbi_header *h = &resp->extra[i];

		if (h->name == NULL || h->value == NULL || h->name[0] == ':')
			continue;
		nv[n++] = (nghttp2_nv){(uint8_t *)h->name, (uint8_t *)h->value, strlen(h->name),
				       strlen(h->value), NGHTTP2_NV_FLAG_NONE};
	}
	prd.source.ptr = st;
	prd.read_callback = body_read;
	sbi_metrics_response(&srv->metrics, resp->status);
	if (nghttp2_submit_response(c->h2, st->id, nv, n,
				    st->sending ? &prd : NULL) != 0)
		nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, st->id,
					  NGHTTP2_INTERNAL_ERROR);
}

/* Answers st with a ProblemDetails now and drops the request (TS 29.500 5.2.7). */
static void stream_reject(struct sbi_stream *st, int status, enum sbi_reject_reason why,
			  const char *detail)
{
	sbi_server *srv = st->conn->w->srv;
	sbi_response resp;
	char retry[16];

	memset(&resp, 0, sizeof(resp));
	sbi_metrics_reject(&srv->metrics, why);
	st->reject = status;
	/* TS 29.500 Table 5.2.7.2-1; it has no cause for 408, 413 and 431. */
	const char *cause = status == 400 ? "INVALID_MSG_FORMAT"
			    : status == 500 ? "INSUFFICIENT_RESOURCES"
			    : status == 503 ? "NF_CONGESTION"
					    : NULL;
	sbi_problem(&resp, status, cause, "%s", detail);
	if (status == 503) { /* TS 29.500 6.4.2: tell the consumer when to come back */
		snprintf(retry, sizeof(retry), "%u", srv->cfg.retry_after_s);
		resp.extra[0] = (sbi_header){"retry-after", retry};
		resp.nextra = 1;
	}
	stream_respond(st, &resp);
	mem_charge(st, &st->mem_body, 0);
	if (st->p != NULL && !st->p->deferred) {
		pending_free(st->p);
		st->p = NULL;
	}
}

/* ---- request assembly --------------------------------------------------------------------- */

static int hbuf_add(sbi_pending *p, const uint8_t *name, size_t nl, const uint8_t *value,
		    size_t vl, size_t *off)
{
	size_t need = nl + vl + 2;

	if (p->hcap - p->hlen < need) {
		size_t cap = p->hcap ? p->hcap : 512;
		char *nb;

		while (cap - p->hlen < need)
			cap *= 2;
		nb = realloc(p->hbuf, cap);
		if (nb == NULL)
			return -1;
		p->hbuf = nb;
		p->hcap = cap;
	}
	*off = p->hlen;
	memcpy(p->hbuf + p->hlen, name, nl);
	p->hbuf[p->hlen + nl] = '\0';
	memcpy(p->hbuf + p->hlen + nl + 1, value, vl);
	p->hbuf[p->hlen + nl + 1 + vl] = '\0';
	p->hlen += need;
	return 0;
}

static int store_header(sbi_pending *p, const uint8_t *name, size_t nl, const uint8_t *value,
			size_t vl)
{
	size_t off;

	if (hbuf_add(p, name, nl, value, vl, &off) != 0)
		return -1;
	if (name[0] == ':') {
		if (nl == 7 && memcmp(name, ":method", 7) == 0)
			p->method_off = off + nl + 1;
		else if (nl == 5 && memcmp(name, ":path", 5) == 0)
			p->path_off = off + nl + 1;
		return 0;
	}
	if (p->nh == p->hoff_cap) {
		size_t cap = p->hoff_cap ? p->hoff_cap * 2 : 16;
		size_t *no = realloc(p->hoff, cap * sizeof(*no));

		if (no == NULL)
			return -1;
		p->hoff = no;
		p->hoff_cap = cap;
	}
	p->hoff[p->nh++] = off;
	if (nl == 12 && memcmp(name, "content-type", 12) == 0)
		p->ct_off = off + nl + 1;
	else if (nl == 14 && memcmp(name, "content-length", 14) == 0) {
		/* nghttp2 has checked it is a number and will check it against the DATA
		 * received (RFC 9113 8.1.1: mismatch = malformed, stream error). */
		int64_t v = 0;
		size_t i;

		for (i = 0; i < vl && value[i] >= '0' && value[i] <= '9' && v < INT64_MAX / 10; i++)
			v = v * 10 + (value[i] - '0');
		p->content_length = v;
	}
	return 0;
}

static int body_add(sbi_pending *p, const uint8_t *data, size_t len)
{
	if (p->bcap - p->blen < len + 1) {
		size_t cap = p->bcap ? p->bcap : 1024;
		uint8_t *nb;

		while (cap - p->blen < len + 1)
			cap *= 2;
		nb = realloc(p->body, cap);
		if (nb == NULL)
			return -1;
		p->body = nb;
		p->bcap = cap;
	}
	memcpy(p->body + p->blen, data, len);
	p->blen += len;
	p->body[p->blen] = '\0';
	return 0;
}

/* Builds the handler's view of a complete request. */
static int request_finish(sbi_pending *p, int worker)
{
	size_t i;
	char *q;

	if (p->nh > 0) {
		p->hdrs = calloc(p->nh, sizeof(*p->hdrs));
		if (p->hdrs == NULL)
			return -1;
	}
	for (i = 0; i < p->nh; i++) {
		p->hdrs[i].name = p->hbuf + p->hoff[i];
		p->hdrs[i].value = p->hbuf + p->hoff[i] + strlen(p->hbuf + p->hoff[i]) + 1;
	}
	p->req.method = p->hbuf + p->method_off;
	p->req.path = p->hbuf + p->path_off;
	q = strchr(p->hbuf + p->path_off, '?');
	p->req.query = NULL;
	if (q != NULL) {
		*q = '\0';
		p->req.query = q + 1;
	}
	p->req.content_type = p->ct_off != NO_OFF ? p->hbuf + p->ct_off : NULL;
	p->req.body = p->body ? p->body : (const uint8_t *)"";
	p->req.body_len = p->blen;
	p->req.headers = p->hdrs;
	p->req.nheaders = p->nh;
	p->req.worker = worker;
	return 0;
}

/* END_STREAM seen: hand the request to the application (TS 29.500 5.2.2). */
static void request_complete(struct sbi_stream *st)
{
	struct sbi_worker *w = st->conn->w;
	sbi_server *srv = w->srv;
	sbi_pending *p = st->p;
	sbi_response resp;

	if (st->responded || p == NULL)
		return;
	if (p->method_off == NO_OFF || p->path_off == NO_OFF) {
		stream_reject(st, 400, SBI_REJECT_BAD_REQUEST, "missing :method or :path");
		return;
	}
	if (w->npending >= w->max_pending) {
		/* Bounded, not queued: the handler is not called (TS 29.500 6.4). */
		stream_reject(st, 503, SBI_REJECT_OVERLOAD, "too many requests in progress");
		return;
	}
	mem_charge(st, &st->mem_body, 0); /* the body is the handler's now */
	if (over_budget(st->conn, 1)) { /* answers not yet read by this client, or by all */
		stream_reject(st, 503, SBI_REJECT_MEMORY, "too many answers waiting to be sent");
		return;
	}
	if (request_finish(p, w->index) != 0) {
		stream_reject(st, 500, SBI_REJECT_BAD_REQUEST, "out of memory");
		return;
	}
	st->head = strcmp(p->req.method, "HEAD") == 0;
	st->handed = 1;
	p->counted = 1;
	p->op = srv->cfg.operation != NULL ? srv->cfg.operation(&p->req) : -1;
	p->t_handed_us = now_us();
	w->npending++;
	atomic_fetch_add(&srv->metrics.pending, 1);
	memset(&resp, 0, sizeof(resp));
	srv->cfg.handler(srv->cfg.app, &p->req, &resp);
	if (p->deferred) {
		resp_drop(&resp); /* the response comes through sbi_complete() */
		return;
	}
	pending_uncount(w, p);
	stream_respond(st, &resp);
	st->p = NULL;
	pending_free(p);
}

/* ---- nghttp2 callbacks -------------------------------------------------------------------- */

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct sbi_conn *c = ud;
	struct sbi_stream *st;
	sbi_pending *p;

	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	st = calloc(1, sizeof(*st));
	p = calloc(1, sizeof(*p));
	if (st == NULL || p == NULL) {
		free(st);
		free(p);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	p->method_off = p->path_off = p->ct_off = NO_OFF;
	p->content_length = -1;
	p->wq = c->w->wq;
	p->stream = st;
	st->p = p;
	st->conn = c;
	st->id = f->hd.stream_id;
	st->t_start = now_ms();
	st->next = c->streams;
	if (c->streams)
		c->streams->prev = st;
	c->streams = st;
	c->nstreams++;
	nghttp2_session_set_stream_user_data(s, st->id, st);
	return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name,
		     size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
	struct sbi_conn *c = ud;
	size_t max = c->w->srv->cfg.max_header;
	struct sbi_stream *st;

	(void)flags;
	if (f->hd.type != NGHTTP2_HEADERS)
		return 0;
	st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (st == NULL || st->p == NULL)
		return 0;
	st->p->hdr_bytes += nl + vl + 32;
	/* Over the limit: answer 431 once the block ends; far over it, stop decoding and
	 * reset the stream (the callback failure makes nghttp2 send RST_STREAM). */
	if (st->p->hdr_bytes > max) {
		if (st->p->hdr_bytes > 4 * max)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		st->reject = 431;
		return 0;
	}
	if (st->reject || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0; /* trailers are counted, not stored */
	if (store_header(st->p, name, nl, value, vl) != 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	return 0;
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
			 size_t len, void *ud)
{
	struct sbi_conn *c = ud;
	struct sbi_stream *st = nghttp2_session_get_stream_user_data(s, id);

	(void)flags;
	if (st == NULL || st->p == NULL || st->reject || st->responded)
		return 0; /* discarded; nghttp2 still returns the flow-control credit */
	if (len > c->w->srv->cfg.max_body - st->p->blen) {
		stream_reject(st, 413, SBI_REJECT_BODY_TOO_LARGE, "request body exceeds the limit");
		return 0;
	}
	if (st->p->bcap - st->p->blen < len + 1 && over_budget(c, st->p->bcap + len + 1)) {
		stream_reject(st, 503, SBI_REJECT_MEMORY, "too many request bodies in progress");
		return 0;
	}
	if (body_add(st->p, data, len) != 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	mem_charge(st, &st->mem_body, st->p->bcap);
	return 0;
}

static void headers_done(struct sbi_stream *st)
{
	sbi_server *srv = st->conn->w->srv;

	st->headers_done = 1;
	if (st->responded || st->p == NULL)
		return;
	if (st->reject == 431) {
		stream_reject(st, 431, SBI_REJECT_HEADER_TOO_LARGE, "header block exceeds the limit");
		return;
	}
	if (st->p->content_length > (int64_t)srv->cfg.max_body) {
		stream_reject(st, 413, SBI_REJECT_BODY_TOO_LARGE, "content-length exceeds the limit");
		return;
	}
	if (st->p->content_length > 0 && st->p->body == NULL) {
		size_t n = (size_t)st->p->content_length + 1;

		if (n > BODY_PREALLOC_MAX)
			n = BODY_PREALLOC_MAX;
		if (over_budget(st->conn, n)) {
			stream_reject(st, 503, SBI_REJECT_MEMORY, "too many request bodies in progress");
			return;
		}
		st->p->body = malloc(n);
		if (st->p->body != NULL) {
			st->p->bcap = n;
			mem_charge(st, &st->mem_body, n);
		}
	}
}

/* A client that opens and cancels streams faster than RST_RATE_PER_S after a burst makes the
 * application work for nothing: GOAWAY(ENHANCE_YOUR_CALM) (nghttp2 >= 1.57 does the same). */
static void rst_limit(struct sbi_conn *c)
{
	uint64_t now = now_ms(), add = (now - c->t_rst) * RST_RATE_PER_S / 1000u;

	if (add > 0) {
		c->t_rst = now;
		c->rst_tokens = add >= RST_BURST - c->rst_tokens ? RST_BURST
								: c->rst_tokens + (uint32_t)add;
	}
	if (c->rst_tokens == 0) {
		if (c->t_closing == 0) {
			sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_RESET_FLOOD);
			nghttp2_session_terminate_session(c->h2, NGHTTP2_ENHANCE_YOUR_CALM);
			c->t_closing = now;
		}
		return;
	}
	c->rst_tokens--;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct sbi_stream *st;

	if (f->hd.type == NGHTTP2_RST_STREAM) {
		rst_limit(ud); /* over it: GOAWAY queued, nghttp2 reads no more */
		return 0;
	}
	if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA)
		return 0; /* PING, SETTINGS, WINDOW_UPDATE...: no progress, the idle timer runs */
	((struct sbi_conn *)ud)->t_active = now_ms();
	st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (st == NULL)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST)
		headers_done(st);
	if (f->hd.flags & NGHTTP2_FLAG_END_STREAM)
		request_complete(st);
	return 0;
}

static void stream_free(struct sbi_stream *st)
{
	struct sbi_conn *c = st->conn;

	if (st->prev)
		st->prev->next = st->next;
	else
		c->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	c->nstreams--;
	mem_charge(st, &st->mem_body, 0);
	mem_charge(st, &st->mem_resp, 0);
	if (st->p != NULL) {
		if (st->p->deferred)
			st->p->stream = NULL; /* freed when sbi_complete() is delivered */
		else
			pending_free(st->p);
	}
	body_free(st->resp_body, st->resp_sensitive);
	free(st);
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
	struct sbi_stream *st = nghttp2_session_get_stream_user_data(s, id);

	(void)code;
	(void)ud;
	if (st != NULL) {
		nghttp2_session_set_stream_user_data(s, id, NULL);
		stream_free(st);
	}
	return 0;
}

static int on_invalid_frame(nghttp2_session *s, const nghttp2_frame *f, int err, void *ud)
{
	struct sbi_conn *c = ud;

	(void)s;
	(void)f;
	(void)err;
	sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_PROTOCOL);
	return 0;
}

static nghttp2_session_callbacks *callbacks_new(void)
{
	nghttp2_session_callbacks *cb;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		return NULL;
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cb, on_invalid_frame);
	return cb;
}

/* ---- connections -------------------------------------------------------------------------- */

static int session_start(struct sbi_conn *c)
{
	sbi_server *srv = c->w->srv;
	nghttp2_settings_entry iv[] = {
		{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, srv->cfg.max_streams},
		{NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)srv->cfg.max_header},
		{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
	};

	if (nghttp2_session_server_new3(&c->h2, srv->cbs, c, srv->opt, sbi_wipe_mem()) != 0) {
		c->h2 = NULL;
		return -1;
	}
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])) !=
		    0 ||
	    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW) != 0)
		return -1;
	if (c->w->stopping)
		nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE, 0, NGHTTP2_NO_ERROR, NULL, 0);
	return 0;
}

static void conn_mark_dirty(struct sbi_conn *c)
{
	if (!c->dirty) {
		c->dirty = 1;
		c->dirty_next = c->w->dirty;
		c->w->dirty = c;
	}
}

/* Serialises frames into the bufferevent; closes the connection when nghttp2 is done. */
static void conn_flush(struct sbi_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (c->h2 == NULL)
		return;
	while (evbuffer_get_length(out) < OUT_HIGH_WATER) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(c->h2, &data);

		if (n < 0) {
			conn_free(c);
			return;
		}
		if (n == 0)
			break;
		if (bufferevent_write(c->bev, data, (size_t)n) != 0) {
			conn_free(c);
			return;
		}
	}
	if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2) &&
	    evbuffer_get_length(out) == 0)
		conn_free(c);
}

static void conn_readcb(struct bufferevent *bev, void *arg)
{
	struct sbi_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (c->h2 == NULL)
		return;
	while (evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v[8];
		int i, nv = evbuffer_peek(in, -1, NULL, v, 8);
		size_t used = 0;

		for (i = 0; i < nv && i < 8; i++) {
			ssize_t r = nghttp2_session_mem_recv(c->h2, v[i].iov_base, v[i].iov_len);

			if (r < 0) {
				/* Fatal (bad preface, flooding...): nghttp2 has queued GOAWAY
				 * where it could; send it, then close (RFC 9113 5.4.1). */
				nghttp2_session_terminate_session(c->h2, NGHTTP2_PROTOCOL_ERROR);
				sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_PROTOCOL);
				evbuffer_drain(in, evbuffer_get_length(in));
				bufferevent_disable(bev, EV_READ);
				conn_flush(c);
				return;
			}
			used += (size_t)r;
		}
		evbuffer_drain(in, used);
	}
	conn_flush(c);
}

static void conn_writecb(struct bufferevent *bev, void *arg)
{
	struct sbi_conn *c = arg;

	(void)bev;
	conn_flush(c);
}

static void conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct sbi_conn *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		/* TLS handshake done: RFC 9113 3.2, only h2 is spoken. */
		SSL *ssl = bufferevent_openssl_get_ssl(bev);

		if (ssl == NULL || !sbi_tls_alpn_is_h2(ssl)) {
			sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_ALPN);
			conn_free(c);
			return;
		}
		if (session_start(c) != 0) {
			conn_free(c);
			return;
		}
		conn_flush(c);
		return;
	}
	if (c->h2 == NULL && c->tls)
		sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_TLS);
	conn_free(c);
}

static void conn_free(struct sbi_conn *c)
{
	struct sbi_worker *w = c->w;

	while (c->streams != NULL)
		stream_free(c->streams);
	if (c->h2)
		nghttp2_session_del(c->h2);
	if (c->out_cb) /* before the free: a deferred run must not see c */
		evbuffer_remove_cb_entry(bufferevent_get_output(c->bev), c->out_cb);
	if (c->bev)
		bufferevent_free(c->bev);
	if (c->prev)
		c->prev->next = c->next;
	else
		w->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	w->nconns--;
	if (c->dirty) { /* unlink from the worker's dirty list */
		struct sbi_conn **pp = &w->dirty;

		while (*pp != NULL && *pp != c)
			pp = &(*pp)->dirty_next;
		if (*pp == c)
			*pp = c->dirty_next;
	}
	atomic_fetch_sub(&w->srv->metrics.conns_active, 1);
	free(c);
	if (w->stopping && w->nconns == 0)
		event_base_loopbreak(w->base);
}

/* At the connection bound, a connection still in its TLS handshake gives way to a new one
 * (the oldest first): half-open handshakes count against the bound, but cannot lock genuine
 * clients out of it, since a real handshake ends in a few round trips. 1 when one was closed. */
static int evict_handshake(struct sbi_worker *w)
{
	struct sbi_conn *c, *oldest = NULL;

	for (c = w->conns; c != NULL; c = c->next) /* newest first */
		if (c->tls && c->h2 == NULL)
			oldest = c;
	if (oldest == NULL)
		return 0;
	sbi_metrics_reject(&w->srv->metrics, SBI_REJECT_CONN_LIMIT);
	conn_free(oldest);
	return 1;
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
		      int salen, void *arg)
{
	struct sbi_worker *w = arg;
	sbi_server *srv = w->srv;
	struct sbi_conn *c;
	int one = 1;
	const int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;

	(void)l;
	(void)sa;
	(void)salen;
	if (w->nconns >= w->max_conns && !evict_handshake(w)) {
		sbi_metrics_reject(&srv->metrics, SBI_REJECT_CONN_LIMIT);
		conn_refuse(fd, srv->ssl != NULL);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->w = w;
	c->t_accept = c->t_active = c->t_write = c->t_rst = now_ms();
	c->rst_tokens = RST_BURST;
	if (srv->ssl != NULL) {
		SSL *ssl = SSL_new(srv->ssl);

		if (ssl == NULL) {
			evutil_closesocket(fd);
			free(c);
			return;
		}
		c->tls = 1;
		c->bev = bufferevent_openssl_socket_new(w->base, fd, ssl,
							BUFFEREVENT_SSL_ACCEPTING, opts);
		if (c->bev != NULL) /* the deadline: sweep_cb, from t_accept */
			bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	} else {
		c->bev = bufferevent_socket_new(w->base, fd, opts);
	}
	if (c->bev == NULL) {
		evutil_closesocket(fd);
		free(c);
		return;
	}
	c->next = w->conns;
	if (w->conns)
		w->conns->prev = c;
	w->conns = c;
	w->nconns++;
	atomic_fetch_add(&srv->metrics.conns_active, 1);
	atomic_fetch_add(&srv->metrics.conns_total, 1);
	bufferevent_setcb(c->bev, conn_readcb, conn_writecb, conn_eventcb, c);
	c->out_cb = evbuffer_add_cb(bufferevent_get_output(c->bev), conn_out_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	if (!c->tls) {
		if (session_start(c) != 0) {
			conn_free(c);
			return;
		}
		conn_flush(c);
	}
}

/* Write progress, for the slow-reader check: bytes left the output, or it stopped being empty. */
static void conn_out_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct sbi_conn *c = arg;

	(void)b;
	if (info->n_deleted > 0 || (info->orig_size == 0 && info->n_added > 0))
		c->t_write = now_ms();
}

/* Over the worker's connection bound: RFC 9113 3.4 server preface (an empty SETTINGS) and
 * GOAWAY(NO_ERROR, last stream 0) so an h2c client knows to go elsewhere, then close. The
 * write is best effort and keeps no state: a refused connection costs nothing after this. */
static void conn_refuse(evutil_socket_t fd, int tls)
{
	static const uint8_t frames[] = {
		0, 0, 0, NGHTTP2_SETTINGS, 0, 0, 0, 0, 0,
		0, 0, 8, NGHTTP2_GOAWAY, 0, 0, 0, 0, 0,
		0, 0, 0, 0, 0, 0, 0, NGHTTP2_NO_ERROR,
	};
	if (!tls && send(fd, frames, sizeof(frames), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* best effort: the close says the same */
	}
	evutil_closesocket(fd);
}

/* EMFILE and friends: pause accepting for a moment instead of spinning. */
static void accept_error_cb(struct evconnlistener *l, void *arg)
{
	struct sbi_worker *w = arg;
	struct timeval tv = {0, 100000};

	evconnlistener_disable(l);
	evtimer_add(w->accept_retry, &tv);
}

static void accept_retry_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sbi_worker *w = arg;

	(void)fd;
	(void)what;
	if (w->lst != NULL)
		evconnlistener_enable(w->lst);
}

/* ---- deferred responses ------------------------------------------------------------------- */

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
		resp_drop(resp);
		return;
	}
	p->resp = *resp;
	resp->body = NULL;
	p->next = NULL;
	wq = p->wq;
	pthread_mutex_lock(&wq->lock);
	if (wq->dead) {
		pthread_mutex_unlock(&wq->lock);
		pending_free(p);
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

/* An answer stalled for idle_timeout_ms closes the connection. A request still arriving after
 * body_timeout_ms: 408 (nghttp2 then resets the stream with
 * NO_ERROR, RFC 9113 8.1); one stuck inside its header block (CONTINUATION trickle) takes the
 * connection down, since no response can be sent in the middle of a header block. Returns 1
 * when a request on c still waits on the handler. */
static int sweep_streams(struct sbi_conn *c, uint64_t now, uint64_t body_to, uint64_t idle_to)
{
	struct sbi_stream *st, *next;
	int waiting = 0;

	for (st = c->streams; st != NULL; st = next) {
		next = st->next;
		if (st->responded) {
			/* An answer that does not move (the client holds its window at 0, RFC
			 * 9113 6.9) holds its memory: stalled, the connection goes. */
			if (st->sending && st->resp_off < st->resp_len &&
			    now - st->t_progress > idle_to) {
				sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_STALLED);
				nghttp2_session_terminate_session(c->h2, NGHTTP2_NO_ERROR);
				c->t_closing = now;
				return waiting;
			}
			continue;
		}
		if (st->handed) {
			waiting = 1;
			continue;
		}
		if (now - st->t_start <= body_to)
			continue;
		if (!st->headers_done) {
			sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_BODY_TIMEOUT);
			nghttp2_session_terminate_session(c->h2, NGHTTP2_ENHANCE_YOUR_CALM);
			c->t_closing = now;
			return waiting;
		}
		stream_reject(st, 408, SBI_REJECT_BODY_TIMEOUT, "request not complete in time");
	}
	return waiting;
}

/* Periodic: body timeouts, idle connections, clients that read nothing. */
static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sbi_worker *w = arg;
	const sbi_server_cfg *cfg = &w->srv->cfg;
	uint64_t now = now_ms();
	struct sbi_conn *c, *next;

	(void)fd;
	(void)what;
	for (c = w->conns; c != NULL; c = next) {
		size_t out = evbuffer_get_length(bufferevent_get_output(c->bev));
		int waiting;

		next = c->next;
		if (c->h2 == NULL) { /* TLS handshake: a deadline that trickled bytes do not move */
			if (now - c->t_accept > cfg->handshake_timeout_ms) {
				sbi_metrics_reject(&w->srv->metrics, SBI_REJECT_HANDSHAKE_TIMEOUT);
				conn_free(c);
			}
			continue;
		}
		if (c->t_closing != 0) {
			if (now - c->t_closing > CLOSE_GRACE_MS)
				conn_free(c);
			continue;
		}
		if (out > 0 && now - c->t_write > cfg->idle_timeout_ms) {
			sbi_metrics_reject(&w->srv->metrics, SBI_REJECT_SLOW_READER);
			conn_free(c);
			continue;
		}
		waiting = sweep_streams(c, now, cfg->body_timeout_ms, cfg->idle_timeout_ms);
		if (c->t_closing == 0 && !waiting && now - c->t_active > cfg->idle_timeout_ms) {
			sbi_metrics_reject(&w->srv->metrics, SBI_REJECT_IDLE);
			nghttp2_session_terminate_session(c->h2, NGHTTP2_NO_ERROR);
			c->t_closing = now;
		}
		conn_mark_dirty(c);
	}
	while (w->dirty != NULL) {
		c = w->dirty;
		w->dirty = c->dirty_next;
		c->dirty = 0;
		conn_flush(c);
	}
}

static void stop_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sbi_worker *w = arg;

	(void)fd;
	(void)what;
	while (w->conns != NULL)
		conn_free(w->conns);
	event_base_loopbreak(w->base);
}

/* RFC 9113 6.8: GOAWAY with the last stream processed lets in-flight streams finish. */
static void worker_begin_stop(struct sbi_worker *w)
{
	struct sbi_conn *c, *next;
	struct timeval tv = {STOP_GRACE_MS / 1000, (STOP_GRACE_MS % 1000) * 1000};

	w->stopping = 1;
	if (w->lst != NULL) {
		evconnlistener_free(w->lst);
		w->lst = NULL;
	}
	evtimer_add(w->stop_timer, &tv);
	for (c = w->conns; c != NULL; c = next) {
		next = c->next;
		if (c->h2 == NULL) {
			conn_free(c);
			continue;
		}
		nghttp2_submit_goaway(c->h2, NGHTTP2_FLAG_NONE,
				      nghttp2_session_get_last_proc_stream_id(c->h2),
				      NGHTTP2_NO_ERROR, NULL, 0);
		conn_mark_dirty(c);
	}
	if (w->nconns == 0)
		event_base_loopbreak(w->base);
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sbi_worker *w = arg;
	struct sbi_wq *wq = w->wq;
	sbi_pending *p, *next;
	int stopping;

	(void)fd;
	(void)what;
	pthread_mutex_lock(&wq->lock);
	p = wq->head;
	wq->head = wq->tail = NULL;
	stopping = wq->stopping;
	pthread_mutex_unlock(&wq->lock);

	for (; p != NULL; p = next) {
		struct sbi_stream *st = p->stream;

		next = p->next;
		pending_uncount(w, p);
		if (st != NULL) {
			st->p = NULL;
			p->stream = NULL;
			stream_respond(st, &p->resp);
			conn_mark_dirty(st->conn);
		}
		pending_free(p);
	}
	if (stopping && !w->stopping)
		worker_begin_stop(w);
	while (w->dirty != NULL) {
		struct sbi_conn *c = w->dirty;

		w->dirty = c->dirty_next;
		c->dirty = 0;
		conn_flush(c);
	}
}

/* ---- workers and the server --------------------------------------------------------------- */

static void *worker_main(void *arg)
{
	struct sbi_worker *w = arg;

	event_base_loop(w->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

static int listen_socket(const struct sockaddr_storage *ss, socklen_t sl, int port, char *err,
			 size_t errlen, const char *listen_str)
{
	struct sockaddr_storage a = *ss;
	int fd, one = 1;

	if (a.ss_family == AF_INET)
		((struct sockaddr_in *)&a)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&a)->sin6_port = htons((uint16_t)port);
	fd = socket(a.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sl) != 0 || listen(fd, 1024) != 0)
		goto fail;
	return fd;
fail:
	snprintf(err, errlen, "listen %s: %s", listen_str, strerror(errno));
	if (fd >= 0)
		close(fd);
	return -1;
}

/* SO_REUSEPORT lets any socket of the same user join a port, and the kernel then spreads
 * connections over both servers. Before our workers share the port, a plain bind (no
 * SO_REUSEPORT) checks that no other process listens there. Port 0 needs no probe: the kernel
 * never picks a port in use for it. */
static int port_free(const struct sockaddr_storage *ss, socklen_t sl, char *err, size_t errlen,
		     const char *listen_str)
{
	int one = 1, rc = -1;
	int fd = socket(ss->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd >= 0 && setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
	    bind(fd, (const struct sockaddr *)ss, sl) == 0)
		rc = 0;
	else
		snprintf(err, errlen, "listen %s: %s", listen_str,
			 errno == EADDRINUSE ? "address already in use (another process listens "
					       "there)"
					     : strerror(errno));
	if (fd >= 0)
		close(fd);
	return rc;
}

static int worker_init(sbi_server *s, struct sbi_worker *w, int fd, char *err, size_t errlen)
{
	w->srv = s;
	w->base = event_base_new();
	w->wq = wq_new();
	if (w->base == NULL || w->wq == NULL)
		goto fail;
	w->wake_ev = event_new(w->base, -1, 0, wake_cb, w);
	w->stop_timer = evtimer_new(w->base, stop_timer_cb, w);
	w->accept_retry = evtimer_new(w->base, accept_retry_cb, w);
	w->sweep = event_new(w->base, -1, EV_PERSIST, sweep_cb, w);
	if (w->wake_ev == NULL || w->stop_timer == NULL || w->accept_retry == NULL ||
	    w->sweep == NULL)
		goto fail;
	/* Each worker gets its share of the server-wide bounds (at least 1). */
	w->max_pending = (s->cfg.max_pending + (uint32_t)s->cfg.workers - 1) / (uint32_t)s->cfg.workers;
	w->max_conns = (s->cfg.max_connections + (uint32_t)s->cfg.workers - 1) /
		       (uint32_t)s->cfg.workers;
	{
		uint32_t ms = s->cfg.idle_timeout_ms < s->cfg.body_timeout_ms ? s->cfg.idle_timeout_ms
									     : s->cfg.body_timeout_ms;
		struct timeval tv;

		if (s->cfg.handshake_timeout_ms < ms)
			ms = s->cfg.handshake_timeout_ms;

		ms /= 4; /* a timeout fires within 25 % of its value */
		ms = ms < 50 ? 50 : ms > 1000 ? 1000 : ms;
		tv.tv_sec = ms / 1000;
		tv.tv_usec = (ms % 1000) * 1000;
		if (event_add(w->sweep, &tv) != 0)
			goto fail;
	}
	w->wq->wake = w->wake_ev;
	w->lst = evconnlistener_new(w->base, accept_cb, w,
				    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (w->lst == NULL)
		goto fail;
	evconnlistener_set_error_cb(w->lst, accept_error_cb);
	return 0;
fail:
	snprintf(err, errlen, "worker %d: out of resources", w->index);
	close(fd);
	return -1;
}

/* Called after the worker thread has ended (or never started). */
static void worker_destroy(struct sbi_worker *w)
{
	sbi_pending *p = NULL, *next;

	while (w->conns != NULL)
		conn_free(w->conns);
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
		pending_free(p);
	}
	if (w->lst)
		evconnlistener_free(w->lst);
	if (w->wake_ev)
		event_free(w->wake_ev);
	if (w->stop_timer)
		event_free(w->stop_timer);
	if (w->accept_retry)
		event_free(w->accept_retry);
	if (w->sweep)
		event_free(w->sweep);
	if (w->base)
		event_base_free(w->base);
	if (w->wq)
		wq_unref(w->wq);
}

static void server_free(sbi_server *s)
{
	int i;

	for (i = 0; i < s->nworkers; i++)
		worker_destroy(&s->workers[i]);
	free(s->workers);
	sbi_metrics_stop(&s->metrics);
	if (s->ssl)
		SSL_CTX_free(s->ssl);
	if (s->cbs)
		nghttp2_session_callbacks_del(s->cbs);
	if (s->opt)
		nghttp2_option_del(s->opt);
	free(s);
}

static int server_check_cfg(sbi_server_cfg *c, char *err, size_t errlen)
{
	if (c->max_body == 0)
		c->max_body = DEFAULT_MAX_BODY;
	if (c->max_header == 0)
		c->max_header = DEFAULT_MAX_HEADER;
	if (c->max_streams == 0)
		c->max_streams = DEFAULT_MAX_STREAMS;
	if (c->max_pending == 0)
		c->max_pending = DEFAULT_MAX_PENDING;
	if (c->max_connections == 0)
		c->max_connections = DEFAULT_MAX_CONNECTIONS;
	if (c->idle_timeout_ms == 0)
		c->idle_timeout_ms = DEFAULT_IDLE_TIMEOUT_MS;
	if (c->body_timeout_ms == 0)
		c->body_timeout_ms = DEFAULT_BODY_TIMEOUT_MS;
	if (c->retry_after_s == 0)
		c->retry_after_s = DEFAULT_RETRY_AFTER_S;
	if (c->max_conn_memory == 0)
		c->max_conn_memory = DEFAULT_MAX_CONN_MEMORY;
	if (c->max_memory == 0)
		c->max_memory = DEFAULT_MAX_MEMORY;
	if (c->handshake_timeout_ms == 0)
		c->handshake_timeout_ms = DEFAULT_HANDSHAKE_TIMEOUT_MS;
	if (c->handler == NULL || c->listen == NULL || c->workers < 1 || c->workers > 1024) {
		snprintf(err, errlen, "sbi server: handler, listen and 1..1024 workers required");
		return -1;
	}
	if (c->max_body > SIZE_MAX / 4 || c->max_header > UINT32_MAX / 4) {
		snprintf(err, errlen, "sbi server: max_body/max_header out of range");
		return -1;
	}
	if ((c->tls_cert == NULL) != (c->tls_key == NULL) ||
	    (c->tls_ca != NULL && c->tls_cert == NULL)) {
		snprintf(err, errlen, "sbi server: tls_cert and tls_key go together; tls_ca needs them");
		return -1;
	}
	return 0;
}

sbi_server *sbi_server_start(const sbi_server_cfg *cfg, char *err, size_t errlen)
{
	sbi_server *s;
	struct sockaddr_storage ss;
	socklen_t sl;
	int i;

	sbi_threads_init();
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	if (server_check_cfg(&s->cfg, err, errlen) != 0 ||
	    svc_parse_addr(cfg->listen, 1, &ss, &sl, err, errlen) != 0)
		goto fail;
	if (cfg->tls_cert != NULL) {
		s->ssl = sbi_tls_server_ctx(cfg->tls_cert, cfg->tls_key, cfg->tls_ca, err, errlen);
		if (s->ssl == NULL)
			goto fail;
	}
	s->cbs = callbacks_new();
	if (s->cbs == NULL || nghttp2_option_new(&s->opt) != 0) {
		snprintf(err, errlen, "nghttp2: out of memory");
		goto fail;
	}
	/* RFC 9113 6.5.2: bound what a peer can make us queue (SETTINGS/PING acks). */
	nghttp2_option_set_max_outbound_ack(s->opt, 1000);
	nghttp2_option_set_max_settings(s->opt, 32);
	s->workers = calloc((size_t)s->cfg.workers, sizeof(*s->workers));
	if (s->workers == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	s->port = ss.ss_family == AF_INET ? ntohs(((struct sockaddr_in *)&ss)->sin_port)
					  : ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (s->port != 0 && port_free(&ss, sl, err, errlen, cfg->listen) != 0)
		goto fail;
	for (i = 0; i < s->cfg.workers; i++) {
		/* The first worker binds (port 0 = ephemeral), the others share its port. */
		int fd = listen_socket(&ss, sl, s->port, err, errlen, cfg->listen);

		if (fd < 0)
			goto fail;
		if (i == 0)
			s->port = sbi_socket_port(fd);
		s->workers[i].index = i;
		s->nworkers = i + 1;
		if (worker_init(s, &s->workers[i], fd, err, errlen) != 0)
			goto fail;
	}
	s->metrics.app_metrics = cfg->metrics;
	s->metrics.app = cfg->app;
	if (sbi_metrics_operations(&s->metrics, cfg->operations) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (cfg->metrics_listen != NULL &&
	    sbi_metrics_start(&s->metrics, cfg->metrics_listen, err, errlen) != 0)
		goto fail;
	for (i = 0; i < s->nworkers; i++) {
		struct sbi_worker *w = &s->workers[i];

		if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
			snprintf(err, errlen, "pthread_create: %s", strerror(errno));
			sbi_server_stop(s);
			return NULL;
		}
		w->started = 1;
	}
	return s;
fail:
	server_free(s);
	return NULL;
}

int sbi_server_port(const sbi_server *s)
{
	return s ? s->port : -1;
}

int sbi_server_metrics_port(const sbi_server *s)
{
	return s && s->metrics.base ? s->metrics.port : -1;
}

void sbi_server_stop(sbi_server *s)
{
	int i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nworkers; i++) {
		struct sbi_wq *wq = s->workers[i].wq;

		if (!s->workers[i].started)
			continue;
		pthread_mutex_lock(&wq->lock);
		wq->stopping = 1;
		event_active(wq->wake, EV_READ, 0);
		pthread_mutex_unlock(&wq->lock);
	}
	for (i = 0; i < s->nworkers; i++)
		if (s->workers[i].started)
			pthread_join(s->workers[i].thread, NULL);
	server_free(s);
}
