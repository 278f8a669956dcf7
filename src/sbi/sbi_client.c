/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI HTTP/2 client (TS 29.500 5.2): an nghttp2 client session over one libevent
 * bufferevent (TCP h2c with prior knowledge, RFC 9113 3.3, or TLS 1.3 + ALPN h2, RFC 9113
 * 3.2), connected lazily and re-connected on demand.
 *
 * Every completion (response, timeout, transport failure) is put on a done list and
 * delivered from a "kick" event, so callbacks never run inside sbi_client_request() or
 * inside nghttp2, and a callback may free the client.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>
#include <nghttp2/nghttp2.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "svc/wipe.h"
#include "sbi/sbi_client.h"
#include "sbi/sbi_internal.h"
#include "sbi/sbi_wipe.h"

#define DEFAULT_TIMEOUT_MS 5000
#define MAX_RESP_BODY (64u << 20)
#define OUT_HIGH_WATER (64u << 10)
#define STREAM_WINDOW (1u << 20)
#define CONN_WINDOW (16u << 20)
#define MAX_RETRIES 3 /* of a stream refused by the server (REFUSED_STREAM) */

enum { C_IDLE, C_CONNECTING, C_CONNECTED };

struct creq {
	struct sbi_client *c;
	struct creq *prev, *next; /* c->reqs: live, not yet finished */
	struct creq *done_next;
	char *method, *path, *ct;
	char *authz; /* the Authorization field (a bearer token: wiped), or NULL */
	uint8_t *body;
	size_t body_len, body_off;
	sbi_client_cb cb;
	void *arg;
	int32_t stream_id; /* 0: not submitted on the current connection */
	int retries;
	struct event *timer;
	int status;
	char *rct;
	uint8_t *rbody;
	size_t rlen, rcap;
	const char *error;
	char errbuf[160];
};

struct sbi_client {
	struct event_base *base;
	char *host, *server_name;
	int port, timeout_ms;
	SSL_CTX *ssl;
	struct evdns_base *dns;
	int own_dns; /* dns made by this client (no shared resolver given) */
	nghttp2_session_callbacks *cbs;
	struct bufferevent *bev;
	nghttp2_session *h2;
	int state;
	int draining; /* GOAWAY received: no new streams on this connection */
	struct creq *reqs, *reqs_tail;
	struct creq *done, *done_tail;
	struct event *kick;
	int delivering, free_requested, closing;
};

static void client_disconnect(struct sbi_client *c, const char *why);
static void client_flush(struct sbi_client *c);

/* ---- request bookkeeping ------------------------------------------------------------------ */

static void creq_free(struct creq *r)
{
	if (r->timer)
		event_free(r->timer);
	free(r->method);
	free(r->path);
	free(r->ct);
	aiot_free_wipe(r->authz);
	free(r->body);
	free(r->rct);
	aiot_free_wipe(r->rbody);
	free(r);
}

static void kick(struct sbi_client *c)
{
	event_active(c->kick, EV_TIMEOUT, 0);
}

/* Moves r to the done list; its callback runs from the kick event. */
static void creq_finish(struct creq *r, const char *error)
{
	struct sbi_client *c = r->c;

	if (error != NULL) {
		snprintf(r->errbuf, sizeof(r->errbuf), "%s", error);
		r->error = r->errbuf;
		r->status = 0;
	}
	if (r->stream_id > 0 && c->h2 != NULL)
		nghttp2_session_set_stream_user_data(c->h2, r->stream_id, NULL);
	r->stream_id = 0;
	evtimer_del(r->timer);
	if (r->prev)
		r->prev->next = r->next;
	else
		c->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		c->reqs_tail = r->prev;
	r->prev = r->next = NULL;
	r->done_next = NULL;
	if (c->done_tail)
		c->done_tail->done_next = r;
	else
		c->done = r;
	c->done_tail = r;
	kick(c);
}

static void creq_reset_response(struct creq *r)
{
	r->status = 0;
	free(r->rct);
	aiot_free_wipe(r->rbody);
	r->rct = NULL;
	r->rbody = NULL;
	r->rlen = r->rcap = 0;
	r->body_off = 0;
	r->stream_id = 0;
}

/* ---- nghttp2 callbacks -------------------------------------------------------------------- */

static ssize_t body_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t len, uint32_t *flags,
                         nghttp2_data_source *src, void *ud)
{
	struct creq *r = src->ptr;

	(void)s;
	(void)id;
	(void)ud;
	return sbi_buf_read((const uint8_t *)r->body, r->body_len, &r->body_off, buf, len, flags);
}

static int on_header(nghttp2_session *s, const nghttp2_frame *f, const uint8_t *name, size_t nl,
                     const uint8_t *value, size_t vl, uint8_t flags, void *ud)
{
	struct creq *r;

	(void)flags;
	(void)ud;
	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat == NGHTTP2_HCAT_HEADERS)
		return 0; /* trailers ignored */
	r = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (r == NULL)
		return 0;
	if (nl == 7 && memcmp(name, ":status", 7) == 0) {
		int st = 0;
		size_t i;

		/* nghttp2 has validated the 3-digit form (RFC 9113 8.3.2). */
		for (i = 0; i < vl && i < 3; i++)
			st = st * 10 + (value[i] - '0');
		r->status = st;
	} else if (nl == 12 && memcmp(name, "content-type", 12) == 0 && r->rct == NULL) {
		r->rct = strndup((const char *)value, vl);
		if (r->rct == NULL)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	}
	return 0;
}

static int on_data_chunk(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data,
                         size_t len, void *ud)
{
	struct creq *r = nghttp2_session_get_stream_user_data(s, id);

	(void)flags;
	(void)ud;
	if (r == NULL)
		return 0;
	if (len > MAX_RESP_BODY - r->rlen) {
		nghttp2_submit_rst_stream(s, NGHTTP2_FLAG_NONE, id, NGHTTP2_CANCEL);
		snprintf(r->errbuf, sizeof(r->errbuf), "response body too large");
		r->error = r->errbuf;
		return 0;
	}
	if (r->rcap - r->rlen < len + 1) {
		size_t cap = sbi_grow_cap(r->rcap, r->rlen, len + 1, 1024);
		uint8_t *nb = aiot_realloc_wipe(r->rbody, r->rcap, cap); /* it may hold K_AIOTF */

		if (nb == NULL)
			return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
		r->rbody = nb;
		r->rcap = cap;
	}
	memcpy(r->rbody + r->rlen, data, len);
	r->rlen += len;
	r->rbody[r->rlen] = '\0';
	return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t id, uint32_t code, void *ud)
{
	struct sbi_client *c = ud;
	struct creq *r = nghttp2_session_get_stream_user_data(s, id);
	char why[96];

	if (r == NULL)
		return 0;
	nghttp2_session_set_stream_user_data(s, id, NULL);
	r->stream_id = 0;
	if (code == NGHTTP2_REFUSED_STREAM && r->error == NULL && r->retries < MAX_RETRIES) {
		/* RFC 9113 8.7: refused = not processed, safe to retry (here, or on the next
		 * connection after a GOAWAY). */
		creq_reset_response(r);
		r->retries++;
		kick(c);
		return 0;
	}
	if (r->error != NULL) {
		creq_finish(r, NULL);
		return 0;
	}
	if (code != NGHTTP2_NO_ERROR || r->status < 200) {
		snprintf(why, sizeof(why), "stream reset: %s", nghttp2_http2_strerror(code));
		creq_finish(r, why);
		return 0;
	}
	creq_finish(r, NULL);
	return 0;
}

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *f, void *ud)
{
	struct sbi_client *c = ud;

	(void)s;
	if (f->hd.type == NGHTTP2_GOAWAY)
		c->draining = 1; /* RFC 9113 6.8: no new streams on this connection */
	return 0;
}

static int on_frame_not_send(nghttp2_session *s, const nghttp2_frame *f, int err, void *ud)
{
	struct sbi_client *c = ud;
	struct creq *r;

	if (f->hd.type != NGHTTP2_HEADERS)
		return 0;
	r = nghttp2_session_get_stream_user_data(s, f->hd.stream_id);
	if (r == NULL)
		return 0;
	nghttp2_session_set_stream_user_data(s, f->hd.stream_id, NULL);
	if ((err == NGHTTP2_ERR_START_STREAM_NOT_ALLOWED ||
	     err == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) &&
	    r->retries < MAX_RETRIES) {
		creq_reset_response(r); /* retried on the next connection */
		r->retries++;
		c->draining = 1;
		return 0;
	}
	r->stream_id = 0;
	creq_finish(r, nghttp2_strerror(err));
	return 0;
}

static nghttp2_session_callbacks *callbacks_new(void)
{
	nghttp2_session_callbacks *cb;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		return NULL;
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_frame_not_send_callback(cb, on_frame_not_send);
	return cb;
}

/* ---- connection --------------------------------------------------------------------------- */

static void client_flush(struct sbi_client *c)
{
	struct evbuffer *out;

	if (c->h2 == NULL)
		return;
	out = bufferevent_get_output(c->bev);
	while (evbuffer_get_length(out) < OUT_HIGH_WATER) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(c->h2, &data);

		if (n < 0) {
			client_disconnect(c, nghttp2_strerror((int)n));
			return;
		}
		if (n == 0)
			break;
		if (bufferevent_write(c->bev, data, (size_t)n) != 0) {
			client_disconnect(c, "out of memory");
			return;
		}
	}
	if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2) &&
	    evbuffer_get_length(out) == 0)
		client_disconnect(c, "connection closed by peer (GOAWAY)");
}

/* Submits every request not yet on this connection. */
static void client_submit(struct sbi_client *c)
{
	struct creq *r, *next;

	for (r = c->reqs; r != NULL && !c->draining; r = next) {
		nghttp2_nv nv[7];
		nghttp2_data_provider prd;
		size_t n = 0;
		int32_t id;
		const char *scheme = c->ssl ? "https" : "http";
		const char *auth = c->server_name ? c->server_name : c->host;

		next = r->next;
		if (r->stream_id != 0)
			continue;
#define CNV(nm, v)                                                                                 \
	(nghttp2_nv){(uint8_t *)(nm), (uint8_t *)(v), strlen(nm), strlen(v), NGHTTP2_NV_FLAG_NONE}
		nv[n++] = CNV(":method", r->method);
		nv[n++] = CNV(":scheme", scheme);
		nv[n++] = CNV(":authority", auth);
		nv[n++] = CNV(":path", r->path);
		if (r->ct != NULL)
			nv[n++] = CNV("content-type", r->ct);
		if (r->authz != NULL)
			nv[n++] = (nghttp2_nv){(uint8_t *)"authorization", (uint8_t *)r->authz, 13,
			                       strlen(r->authz), NGHTTP2_NV_FLAG_NO_INDEX};
#undef CNV
		prd.source.ptr = r;
		prd.read_callback = body_read;
		r->body_off = 0;
		id = nghttp2_submit_request(c->h2, NULL, nv, n, r->body ? &prd : NULL, r);
		if (id == NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE) {
			c->draining = 1; /* stream ids exhausted: next connection */
			break;
		}
		if (id < 0) {
			creq_finish(r, nghttp2_strerror(id));
			continue;
		}
		r->stream_id = id;
	}
}

static void client_readcb(struct bufferevent *bev, void *arg)
{
	struct sbi_client *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	int rv;

	if (c->h2 == NULL)
		return;
	rv = sbi_h2_feed(c->h2, in);
	if (rv != 0) {
		client_disconnect(c, nghttp2_strerror(rv));
		return;
	}
	client_flush(c);
}

static void client_writecb(struct bufferevent *bev, void *arg)
{
	(void)bev;
	client_flush(arg);
}

static int session_start(struct sbi_client *c)
{
	nghttp2_settings_entry iv[] = {
	    {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
	    {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, STREAM_WINDOW},
	};

	if (nghttp2_session_client_new3(&c->h2, c->cbs, c, NULL, sbi_wipe_mem()) != 0) {
		c->h2 = NULL;
		return -1;
	}
	if (nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, 2) != 0 ||
	    nghttp2_session_set_local_window_size(c->h2, NGHTTP2_FLAG_NONE, 0, CONN_WINDOW) != 0)
		return -1;
	return 0;
}

static void client_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct sbi_client *c = arg;
	char why[200];
	int one = 1;

	if (what & BEV_EVENT_CONNECTED) {
		SSL *ssl = bufferevent_openssl_get_ssl(bev);

		if (ssl != NULL && !sbi_tls_alpn_is_h2(ssl)) {
			client_disconnect(c, "TLS: server did not negotiate ALPN h2");
			return;
		}
		setsockopt(bufferevent_getfd(bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		bufferevent_set_timeouts(bev, NULL, NULL);
		if (session_start(c) != 0) {
			client_disconnect(c, "nghttp2: out of memory");
			return;
		}
		c->state = C_CONNECTED;
		c->draining = 0;
		client_submit(c);
		client_flush(c);
		return;
	}
	if (what & BEV_EVENT_TIMEOUT) {
		snprintf(why, sizeof(why), "connect to %s:%d timed out", c->host, c->port);
	} else if (bufferevent_socket_get_dns_error(bev) != 0) {
		snprintf(why, sizeof(why), "resolve %s: %s", c->host,
		         evutil_gai_strerror(bufferevent_socket_get_dns_error(bev)));
	} else if (c->ssl != NULL && sbi_tls_bev_error(bev, why, sizeof why) == 0) {
		/* why says what failed in the handshake */
	} else if (what & BEV_EVENT_EOF) {
		snprintf(why, sizeof(why), "connection closed by peer");
	} else {
		snprintf(why, sizeof(why), "%s:%d: %s", c->host, c->port,
		         evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
	}
	client_disconnect(c, why);
}

static int client_connect(struct sbi_client *c)
{
	const int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
	struct timeval tv = {c->timeout_ms / 1000, (c->timeout_ms % 1000) * 1000};

	if (c->ssl != NULL) {
		const char *name = c->server_name ? c->server_name : c->host;
		SSL *ssl = SSL_new(c->ssl);

		if (ssl == NULL)
			return -1;
		if (sbi_tls_set_peer_name(ssl, name) != 0) {
			SSL_free(ssl);
			return -1;
		}
		c->bev = bufferevent_openssl_socket_new(c->base, -1, ssl,
		                                        BUFFEREVENT_SSL_CONNECTING, opts);
		if (c->bev == NULL)
			return -1;
		bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	} else {
		c->bev = bufferevent_socket_new(c->base, -1, opts);
		if (c->bev == NULL)
			return -1;
	}
	bufferevent_setcb(c->bev, client_readcb, client_writecb, client_eventcb, c);
	bufferevent_set_timeouts(c->bev, &tv, &tv);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	c->state = C_CONNECTING;
	if (bufferevent_socket_connect_hostname(c->bev, c->dns, AF_UNSPEC, c->host, c->port) != 0) {
		bufferevent_free(c->bev);
		c->bev = NULL;
		c->state = C_IDLE;
		return -1;
	}
	return 0;
}

/* Tears the connection down. Requests already on it fail; requests never sent stay
 * queued for a new connection, unless this connection never came up. */
static void client_disconnect(struct sbi_client *c, const char *why)
{
	int was_up = c->state == C_CONNECTED;
	struct creq *r, *next;

	if (c->h2)
		nghttp2_session_del(c->h2);
	if (c->bev)
		bufferevent_free(c->bev);
	c->h2 = NULL;
	c->bev = NULL;
	c->state = C_IDLE;
	c->draining = 0;
	for (r = c->reqs; r != NULL; r = next) {
		next = r->next;
		if (r->stream_id != 0 || !was_up)
			creq_finish(r, why);
	}
	kick(c);
}

/* ---- public API --------------------------------------------------------------------------- */

static void client_destroy(struct sbi_client *c);

static void deliver(struct sbi_client *c)
{
	c->delivering = 1;
	while (c->done != NULL && !c->free_requested) {
		struct creq *r = c->done;
		sbi_client_response resp;

		c->done = r->done_next;
		if (c->done == NULL)
			c->done_tail = NULL;
		resp.status = r->error ? 0 : r->status;
		resp.error = r->error;
		resp.content_type = r->rct;
		resp.body = r->rbody ? r->rbody : (const uint8_t *)"";
		resp.body_len = r->rlen;
		r->cb(r->arg, &resp);
		creq_free(r);
	}
	c->delivering = 0;
	if (c->free_requested)
		client_destroy(c);
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sbi_client *c = arg;

	(void)fd;
	(void)what;
	if (c->state == C_CONNECTED && c->draining && c->h2 != NULL)
		client_flush(c); /* may close a drained connection */
	if (c->reqs != NULL && c->state == C_IDLE && client_connect(c) != 0) {
		char why[200];

		snprintf(why, sizeof(why), "cannot connect to %s:%d", c->host, c->port);
		client_disconnect(c, why);
	}
	if (c->state == C_CONNECTED && !c->draining) {
		client_submit(c);
		client_flush(c);
	}
	deliver(c);
}

static void timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct creq *r = arg;
	struct sbi_client *c = r->c;

	(void)fd;
	(void)what;
	if (r->stream_id > 0 && c->h2 != NULL) {
		/* RFC 9113 8.1: abandon the stream with RST_STREAM(CANCEL). */
		nghttp2_submit_rst_stream(c->h2, NGHTTP2_FLAG_NONE, r->stream_id, NGHTTP2_CANCEL);
		creq_finish(r, "timeout");
		client_flush(c);
		return;
	}
	creq_finish(r, "timeout");
}

sbi_client *sbi_client_new(struct event_base *base, const sbi_client_cfg *cfg, char *err,
                           size_t errlen)
{
	struct sbi_client *c;
	unsigned char ip[16];

	if (base == NULL || cfg == NULL || cfg->host == NULL || cfg->port <= 0 ||
	    cfg->port > 65535) {
		snprintf(err, errlen, "sbi client: base, host and port 1..65535 required");
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto oom;
	c->base = base;
	c->port = cfg->port;
	c->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	c->host = strdup(cfg->host);
	c->server_name = cfg->tls_server_name ? strdup(cfg->tls_server_name) : NULL;
	c->cbs = callbacks_new();
	c->kick = event_new(base, -1, 0, kick_cb, c);
	if (c->host == NULL || (cfg->tls_server_name && c->server_name == NULL) || c->cbs == NULL ||
	    c->kick == NULL)
		goto oom;
	if (cfg->tls_ctx != NULL) {
		if (SSL_CTX_up_ref(cfg->tls_ctx) != 1)
			goto oom;
		c->ssl = cfg->tls_ctx;
	} else if (cfg->tls_ca != NULL) {
		c->ssl = sbi_tls_client_ctx(cfg->tls_ca, cfg->tls_cert, cfg->tls_key, err, errlen);
		if (c->ssl == NULL)
			goto fail;
	} else if (cfg->tls_cert != NULL) {
		snprintf(err, errlen, "sbi client: tls_cert needs tls_ca");
		goto fail;
	}
	if (inet_pton(AF_INET, c->host, ip) == 1 || inet_pton(AF_INET6, c->host, ip) == 1) {
		/* numeric: connected without a resolver */
	} else if (cfg->dns != NULL) {
		c->dns = cfg->dns;
	} else {
		c->own_dns = 1;
		c->dns = evdns_base_new(base, EVDNS_BASE_INITIALIZE_NAMESERVERS);
		if (c->dns == NULL) {
			snprintf(err, errlen, "sbi client: cannot set up DNS for %s", c->host);
			goto fail;
		}
	}
	return c;
oom:
	snprintf(err, errlen, "sbi client: out of memory");
fail:
	if (c != NULL)
		client_destroy(c);
	return NULL;
}

static void client_destroy(struct sbi_client *c)
{
	struct creq *r;

	c->closing = 1;
	c->delivering = 1; /* a callback calling sbi_client_free() again is a no-op */
	if (c->h2)
		nghttp2_session_del(c->h2);
	if (c->bev)
		bufferevent_free(c->bev);
	c->h2 = NULL;
	c->bev = NULL;
	/* Exactly-once: requests still open learn that the client went away. */
	while (c->reqs != NULL)
		creq_finish(c->reqs, "client closed");
	while ((r = c->done) != NULL) {
		sbi_client_response resp;

		c->done = r->done_next;
		resp.status = r->error ? 0 : r->status;
		resp.error = r->error;
		resp.content_type = r->rct;
		resp.body = r->rbody ? r->rbody : (const uint8_t *)"";
		resp.body_len = r->rlen;
		r->cb(r->arg, &resp);
		creq_free(r);
	}
	if (c->kick)
		event_free(c->kick);
	if (c->dns && c->own_dns)
		evdns_base_free(c->dns, 0);
	if (c->ssl)
		SSL_CTX_free(c->ssl);
	if (c->cbs)
		nghttp2_session_callbacks_del(c->cbs);
	free(c->host);
	free(c->server_name);
	free(c);
}

struct ssl_ctx_st *sbi_client_tls_ctx(const char *ca, const char *cert, const char *key, char *err,
                                      size_t errlen)
{
	return sbi_tls_client_ctx(ca, cert, key, err, errlen);
}

void sbi_client_tls_ctx_free(struct ssl_ctx_st *ctx)
{
	SSL_CTX_free(ctx);
}

void sbi_client_free(sbi_client *c)
{
	if (c == NULL)
		return;
	if (c->delivering) {
		c->free_requested = 1; /* from inside a callback: finish after it returns */
		return;
	}
	client_destroy(c);
}

int sbi_client_request(sbi_client *c, const char *method, const char *path,
                       const char *content_type, const void *body, size_t body_len,
                       sbi_client_cb cb, void *arg)
{
	return sbi_client_request_auth(c, method, path, content_type, body, body_len, NULL, cb,
	                               arg);
}

int sbi_client_request_auth(sbi_client *c, const char *method, const char *path,
                            const char *content_type, const void *body, size_t body_len,
                            const char *authorization, sbi_client_cb cb, void *arg)
{
	struct creq *r;
	struct timeval tv;

	if (c == NULL || c->closing || c->free_requested || method == NULL || path == NULL ||
	    path[0] != '/' || cb == NULL || (body == NULL && body_len > 0))
		return -1;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return -1;
	r->c = c;
	r->cb = cb;
	r->arg = arg;
	r->method = strdup(method);
	r->path = strdup(path);
	r->ct = content_type ? strdup(content_type) : NULL;
	r->authz = authorization ? strdup(authorization) : NULL;
	if (body != NULL) {
		r->body = malloc(body_len ? body_len : 1);
		if (r->body != NULL)
			memcpy(r->body, body, body_len);
		r->body_len = body_len;
	}
	r->timer = evtimer_new(c->base, timeout_cb, r);
	if (r->method == NULL || r->path == NULL || (content_type && r->ct == NULL) ||
	    (authorization && r->authz == NULL) || (body != NULL && r->body == NULL) ||
	    r->timer == NULL) {
		creq_free(r);
		return -1;
	}
	tv.tv_sec = c->timeout_ms / 1000;
	tv.tv_usec = (c->timeout_ms % 1000) * 1000;
	evtimer_add(r->timer, &tv);
	r->prev = c->reqs_tail;
	if (c->reqs_tail)
		c->reqs_tail->next = r;
	else
		c->reqs = r;
	c->reqs_tail = r;
	kick(c);
	return 0;
}
