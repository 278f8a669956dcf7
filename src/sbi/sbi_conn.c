/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An SBI connection's life, on the worker thread that accepted it: its bufferevent (plain or
 * TLS 1.3), the end of the TLS handshake (ALPN "h2", RFC 9113 3.2), bytes in to nghttp2 and
 * frames out to the socket, and its end. A worker owns its connections (w->conns); a
 * connection owns its bufferevent, its nghttp2 session and its streams, and
 * sbi_conn_free() is the one place all of them are freed.
 */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "sbi/sbi_srv.h"

void sbi_conn_mark_dirty(struct sbi_conn *c)
{
	if (!c->dirty) {
		c->dirty = 1;
		c->dirty_next = c->w->dirty;
		c->w->dirty = c;
	}
}

void sbi_conn_flush_dirty(struct sbi_worker *w)
{
	while (w->dirty != NULL) {
		struct sbi_conn *c = w->dirty;

		w->dirty = c->dirty_next;
		c->dirty = 0;
		sbi_conn_flush(c);
	}
}

void sbi_conn_flush(struct sbi_conn *c)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);

	if (c->h2 == NULL)
		return;
	while (evbuffer_get_length(out) < OUT_HIGH_WATER) {
		const uint8_t *data;
		ssize_t n = nghttp2_session_mem_send(c->h2, &data);

		if (n < 0) {
			sbi_conn_free(c);
			return;
		}
		if (n == 0)
			break;
		if (bufferevent_write(c->bev, data, (size_t)n) != 0) {
			sbi_conn_free(c);
			return;
		}
	}
	if (!nghttp2_session_want_read(c->h2) && !nghttp2_session_want_write(c->h2) &&
	    evbuffer_get_length(out) == 0)
		sbi_conn_free(c);
}

static void conn_readcb(struct bufferevent *bev, void *arg)
{
	struct sbi_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	if (c->h2 == NULL)
		return;
	if (sbi_h2_feed(c->h2, in) != 0) {
		/* Fatal (bad preface, flooding...): nghttp2 has queued GOAWAY where it could;
		 * send it, then close (RFC 9113 5.4.1). */
		nghttp2_session_terminate_session(c->h2, NGHTTP2_PROTOCOL_ERROR);
		sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_PROTOCOL);
		evbuffer_drain(in, evbuffer_get_length(in));
		bufferevent_disable(bev, EV_READ);
	}
	sbi_conn_flush(c);
}

static void conn_writecb(struct bufferevent *bev, void *arg)
{
	struct sbi_conn *c = arg;

	(void)bev;
	sbi_conn_flush(c);
}

static void conn_eventcb(struct bufferevent *bev, short what, void *arg)
{
	struct sbi_conn *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		/* TLS handshake done: RFC 9113 3.2, only h2 is spoken. */
		SSL *ssl = bufferevent_openssl_get_ssl(bev);

		if (ssl == NULL || !sbi_tls_alpn_is_h2(ssl)) {
			sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_ALPN);
			sbi_conn_free(c);
			return;
		}
		sbi_tls_peer_nf_instance(ssl, c->peer_nf);
		sbi_tls_peer_id(ssl, c->peer_id);
		if (sbi_h2_start(c) != 0) {
			sbi_conn_free(c);
			return;
		}
		sbi_conn_flush(c);
		return;
	}
	if (c->h2 == NULL && c->tls)
		sbi_metrics_reject(&c->w->srv->metrics, SBI_REJECT_TLS);
	sbi_conn_free(c);
}

/* Write progress, for the slow-reader check: bytes left the output, or it stopped being empty. */
static void conn_out_cb(struct evbuffer *b, const struct evbuffer_cb_info *info, void *arg)
{
	struct sbi_conn *c = arg;

	(void)b;
	if (info->n_deleted > 0 || (info->orig_size == 0 && info->n_added > 0))
		c->t_write = aiot_mono_coarse_ms();
}

void sbi_conn_free(struct sbi_conn *c)
{
	struct sbi_worker *w = c->w;

	while (c->streams != NULL)
		sbi_stream_free(c->streams);
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

/* The bufferevent over fd: TLS (the handshake deadline is the sweep's, from t_accept) or
 * plain. NULL on failure (fd then still open). */
static struct bufferevent *conn_bev(struct sbi_conn *c, evutil_socket_t fd)
{
	const int opts = BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS;
	struct sbi_worker *w = c->w;
	struct bufferevent *bev;
	SSL *ssl;

	if (w->srv->ssl == NULL)
		return bufferevent_socket_new(w->base, fd, opts);
	ssl = SSL_new(w->srv->ssl);
	if (ssl == NULL)
		return NULL;
	c->tls = 1;
	bev = bufferevent_openssl_socket_new(w->base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING, opts);
	if (bev != NULL)
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void sbi_conn_new(struct sbi_worker *w, evutil_socket_t fd)
{
	sbi_server *srv = w->srv;
	struct sbi_conn *c;
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		evutil_closesocket(fd);
		return;
	}
	c->w = w;
	c->t_accept = c->t_active = c->t_write = c->t_rst = aiot_mono_coarse_ms();
	c->rst_tokens = RST_BURST;
	c->bev = conn_bev(c, fd);
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
		if (sbi_h2_start(c) != 0) {
			sbi_conn_free(c);
			return;
		}
		sbi_conn_flush(c);
	}
}
