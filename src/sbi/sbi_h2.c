/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HTTP/2 session of one SBI connection (TS 29.500 5.2, RFC 9113): nghttp2 server
 * callbacks, the streams of the connection and their answers, the per-request limits
 * (header block, body, content-length) and the hand-off of a complete request to the
 * application. Runs on the worker thread that owns the connection. A connection owns its
 * streams; a stream owns its request until the hand-off (sbi_srv.h states the whole rule).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nghttp2/nghttp2.h>

#include "sbi/sbi_srv.h"
#include "sbi/sbi_wipe.h"

static ssize_t body_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
	struct sbi_stream *st = src->ptr;
	ssize_t n;

	(void)s;
	(void)id;
	(void)ud;
	n = sbi_buf_read((const uint8_t *)st->resp_body, st->resp_len, &st->resp_off, buf, len,
	                 flags);
	if (n > 0)
		st->t_progress = st->conn->t_active = aiot_mono_coarse_ms();
	return n;
}

#define NV(n, v, vl)                                                                               \
	(nghttp2_nv)                                                                               \
	{                                                                                          \
		(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, (vl), NGHTTP2_NV_FLAG_NONE          \
	}

/* v in decimal into buf (21 bytes suffice), NUL-terminated: its length. */
static size_t dec(char *buf, size_t v)
{
	char tmp[24];
	size_t n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	for (i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return n;
}

/* Status >= 400 from the handler passes as is. */
void sbi_stream_respond(struct sbi_stream *st, sbi_response *resp)
{
	struct sbi_conn *c = st->conn;
	sbi_server *srv = c->w->srv;
	nghttp2_data_provider prd;
	nghttp2_nv nv[3 + 4];
	char status[24], clen[24];
	size_t n = 0, i;
	int body_allowed;

	if (st->responded) {
		sbi_resp_drop(resp);
		return;
	}
	if (resp->status < 100 || resp->status > 599 || resp->status == 101) {
		sbi_resp_drop(resp);
		sbi_problem(resp, 500, NULL, "the handler produced no valid response");
	}
	st->responded = 1;
	body_allowed =
	    !st->head && resp->status != 204 && resp->status != 304 && resp->status >= 200;
	st->resp_body = resp->body;
	st->resp_sensitive = resp->sensitive;
	st->resp_len = resp->body ? resp->body_len : 0;
	st->resp_off = 0;
	resp->body = NULL;
	if (!body_allowed && !st->head) {
		sbi_body_free(st->resp_body, st->resp_sensitive);
		st->resp_body = NULL;
		st->resp_len = 0;
	}
	sbi_mem_charge(st, &st->mem_resp, st->resp_len);
	st->sending = body_allowed && st->resp_len > 0;
	st->t_progress = aiot_mono_coarse_ms();

	dec(status, (size_t)resp->status); /* 100..599: three digits */
	nv[n++] = NV(":status", status, 3);
	if (st->resp_len > 0 && resp->content_type != NULL)
		nv[n++] = NV("content-type", resp->content_type, strlen(resp->content_type));
	if (body_allowed || st->head)
		nv[n++] = NV("content-length", clen, dec(clen, st->resp_len));
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
	if (nghttp2_submit_response(c->h2, st->id, nv, n, st->sending ? &prd : NULL) != 0)
		nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, st->id, NGHTTP2_INTERNAL_ERROR);
}

/* The stream lets go of its request: a deferred one now belongs to the completion queue
 * alone (freed when sbi_complete() is delivered), any other is freed now. */
static void stream_drop_request(struct sbi_stream *st)
{
	sbi_pending *p = st->p;

	if (p == NULL)
		return;
	st->p = NULL;
	if (p->deferred)
		p->stream = NULL;
	else
		sbi_pending_free(p);
}

void sbi_stream_reject(struct sbi_stream *st, int status, enum sbi_reject_reason why,
                       const char *detail)
{
	sbi_server *srv = st->conn->w->srv;
	sbi_response resp;
	char retry[16];

	memset(&resp, 0, sizeof(resp));
	sbi_metrics_reject(&srv->metrics, why);
	st->reject = status;
	/* TS 29.500 Table 5.2.7.2-1; it has no cause for 408, 413 and 431. */
	const char *cause = status == 400   ? "INVALID_MSG_FORMAT"
	                    : status == 500 ? "INSUFFICIENT_RESOURCES"
	                    : status == 503 ? "NF_CONGESTION"
	                                    : NULL;
	sbi_problem(&resp, status, cause, "%s", detail);
	if (status == 503) { /* TS 29.500 6.4.2: tell the consumer when to come back */
		snprintf(retry, sizeof(retry), "%u", srv->cfg.retry_after_s);
		resp.extra[0] = (sbi_header){"retry-after", retry};
		resp.nextra = 1;
	}
	sbi_stream_respond(st, &resp);
	sbi_mem_charge(st, &st->mem_body, 0);
	stream_drop_request(st);
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
		sbi_stream_reject(st, 400, SBI_REJECT_BAD_REQUEST, "missing :method or :path");
		return;
	}
	if (w->npending >= w->max_pending) {
		/* Bounded, not queued: the handler is not called (TS 29.500 6.4). */
		sbi_stream_reject(st, 503, SBI_REJECT_OVERLOAD, "too many requests in progress");
		return;
	}
	sbi_mem_charge(st, &st->mem_body, 0); /* the body is the handler's now */
	if (sbi_over_budget(st->conn, 1)) {   /* answers not yet read by this client, or by all */
		sbi_stream_reject(st, 503, SBI_REJECT_MEMORY,
		                  "too many answers waiting to be sent");
		return;
	}
	if (sbi_req_finish(p, w->index) != 0) {
		sbi_stream_reject(st, 500, SBI_REJECT_BAD_REQUEST, "out of memory");
		return;
	}
	memcpy(p->peer_nf, st->conn->peer_nf, sizeof p->peer_nf);
	p->req.peer_nf_instance = p->peer_nf[0] != '\0' ? p->peer_nf : NULL;
	memcpy(p->peer_id, st->conn->peer_id, sizeof p->peer_id);
	p->req.peer_id = p->peer_id[0] != '\0' ? p->peer_id : NULL;
	p->op = srv->cfg.operation != NULL ? srv->cfg.operation(&p->req) : -1;
	memset(&resp, 0, sizeof(resp));
	if (srv->cfg.authorize != NULL &&
	    srv->cfg.authorize(srv->cfg.auth, &p->req, p->op, &resp) != 0) {
		sbi_stream_respond(st, &resp); /* 401/403: the handler never sees it */
		stream_drop_request(st);
		return;
	}
	st->head = strcmp(p->req.method, "HEAD") == 0;
	st->handed = 1;
	p->counted = 1;
	p->t_handed_us = aiot_mono_us();
	w->npending++;
	atomic_fetch_add(&srv->metrics.pending, 1);
	memset(&resp, 0, sizeof(resp));
	srv->cfg.handler(srv->cfg.app, &p->req, &resp);
	if (p->deferred) {
		sbi_resp_drop(&resp); /* the response comes through sbi_complete() */
		return;
	}
	sbi_pending_uncount(w, p);
	sbi_stream_respond(st, &resp);
	stream_drop_request(st);
}

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct sbi_conn *c = ud;
	struct sbi_stream *st;
	sbi_pending *p;

	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	st = calloc(1, sizeof(*st));
	p = sbi_pending_new(c->w);
	if (st == NULL || p == NULL) {
		free(st);
		if (p != NULL)
			sbi_pending_free(p);
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	p->stream = st;
	st->p = p;
	st->conn = c;
	st->id = f->hd.stream_id;
	st->t_start = aiot_mono_coarse_ms();
	st->next = c->streams;
	if (c->streams)
		c->streams->prev = st;
	c->streams = st;
	c->nstreams++;
	nghttp2_session_set_stream_user_data(s, st->id, st);
	return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nl,
                     const uint8_t *value, size_t vl, uint8_t flags, void *ud)
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
	if (sbi_req_add_header(st->p, name, nl, value, vl) != 0)
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
		sbi_stream_reject(st, 413, SBI_REJECT_BODY_TOO_LARGE,
		                  "request body exceeds the limit");
		return 0;
	}
	if (st->p->bcap - st->p->blen < len + 1 && sbi_over_budget(c, st->p->bcap + len + 1)) {
		sbi_stream_reject(st, 503, SBI_REJECT_MEMORY,
		                  "too many request bodies in progress");
		return 0;
	}
	if (sbi_req_add_body(st->p, data, len) != 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	sbi_mem_charge(st, &st->mem_body, st->p->bcap);
	return 0;
}

static void headers_done(struct sbi_stream *st)
{
	sbi_server *srv = st->conn->w->srv;

	st->headers_done = 1;
	if (st->responded || st->p == NULL)
		return;
	if (st->reject == 431) {
		sbi_stream_reject(st, 431, SBI_REJECT_HEADER_TOO_LARGE,
		                  "header block exceeds the limit");
		return;
	}
	if (st->p->content_length > (int64_t)srv->cfg.max_body) {
		sbi_stream_reject(st, 413, SBI_REJECT_BODY_TOO_LARGE,
		                  "content-length exceeds the limit");
		return;
	}
	if (st->p->content_length > 0 && st->p->body == NULL) {
		size_t n = (size_t)st->p->content_length + 1;

		if (n > BODY_PREALLOC_MAX)
			n = BODY_PREALLOC_MAX;
		if (sbi_over_budget(st->conn, n)) {
			sbi_stream_reject(st, 503, SBI_REJECT_MEMORY,
			                  "too many request bodies in progress");
			return;
		}
		st->p->body = malloc(n);
		if (st->p->body != NULL) {
			st->p->bcap = n;
			sbi_mem_charge(st, &st->mem_body, n);
		}
	}
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct sbi_stream *st;

	if (f->hd.type == NGHTTP2_RST_STREAM) {
		sbi_rst_limit(ud); /* over it: GOAWAY queued, nghttp2 reads no more */
		return 0;
	}
	if (f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA)
		return 0; /* PING, SETTINGS, WINDOW_UPDATE...: no progress, the idle timer runs */
	((struct sbi_conn *)ud)->t_active = aiot_mono_coarse_ms();
	st = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (st == NULL)
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST)
		headers_done(st);
	if (f->hd.flags & NGHTTP2_FLAG_END_STREAM)
		request_complete(st);
	return 0;
}

void sbi_stream_free(struct sbi_stream *st)
{
	struct sbi_conn *c = st->conn;

	if (st->prev)
		st->prev->next = st->next;
	else
		c->streams = st->next;
	if (st->next)
		st->next->prev = st->prev;
	c->nstreams--;
	sbi_mem_charge(st, &st->mem_body, 0);
	sbi_mem_charge(st, &st->mem_resp, 0);
	stream_drop_request(st);
	sbi_body_free(st->resp_body, st->resp_sensitive);
	free(st);
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
	struct sbi_stream *st = nghttp2_session_get_stream_user_data(s, id);

	(void)code;
	(void)ud;
	if (st != NULL) {
		nghttp2_session_set_stream_user_data(s, id, NULL);
		sbi_stream_free(st);
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

nghttp2_session_callbacks *sbi_h2_callbacks(void)
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

int sbi_h2_start(struct sbi_conn *c)
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
