/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NG link transport (docs/protocol.md §4.4): NGAP messages over a one-to-one SCTP socket
 * (SOCK_STREAM, IPPROTO_SCTP) where the kernel has SCTP, TCP otherwise, on libevent
 * bufferevents. Both carry the same framing: a 4-octet big-endian length, then one message
 * (ngap_codec.c). On a one-to-one SCTP socket written through a bufferevent, messages go
 * on stream 0 with PPID 0, not the PPID 60 of real NGAP (setting it needs sctp_sendmsg per
 * message); the length prefix makes message boundaries independent of SCTP's.
 *
 * A frame announcing more than the link's maximum (NGAP_MAX_MESSAGE octets unless the owner
 * lowered it), or a message that does not decode, closes the link with an error (a real
 * NG-RAN node would send an ErrorIndication first). A listener bounds the octets of partial
 * frames its links hold in total: past the budget, the link holding the most is closed.
 * Writes use write(2): a process using this must ignore SIGPIPE. The sockets and the
 * listener are in ngap_listener.c; the structures they share in ngap_link_internal.h.
 *
 * With a TLS context (ngap_tls.h; TCP only), the same frames travel in TLS 1.3 records
 * (bufferevent_openssl): no frame is read before the handshake, with its certificate checks,
 * has completed, and a link that fails it is closed with ngap_link_tls_refused() set.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/ssl.h>

#include "../common/aiot_err.h"
#include "../common/bytes.h"
#include "ngap_link.h"
#include "ngap_link_internal.h"
#include "ngap_tls.h"
#include "svc/netaddr.h"

#define FRAME_PREFIX 4
#define MAX_SINGLE_READ 65536 /* per read(2); libevent's default is 16 KiB */
/* Queued output beyond which ngap_send refuses (a peer that stopped reading). */
#define MAX_OUTPUT (16u * NGAP_MAX_MESSAGE)
void ngap_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- links ------------------------------------------------------------------------------- */

static void link_account(ngap_link *l, size_t held)
{
	if (l->ls != NULL)
		l->ls->partial = l->ls->partial - l->partial + held;
	l->partial = held;
}

static void link_destroy(ngap_link *l)
{
	link_account(l, 0);
	if (l->ls != NULL) {
		if (l->ls_prev)
			l->ls_prev->ls_next = l->ls_next;
		else
			l->ls->links = l->ls_next;
		if (l->ls_next)
			l->ls_next->ls_prev = l->ls_prev;
	}
	bufferevent_free(l->bev);
	free(l);
}

/* Deliver on_close once; the link is freed when its callbacks have returned. */
static void link_fail(ngap_link *l, const char *err)
{
	l->dead = 1;
	if (l->closed)
		return;
	l->closed = 1;
	bufferevent_disable(l->bev, EV_READ | EV_WRITE);
	if (l->cbs.on_close != NULL)
		l->cbs.on_close(l->cbs.arg, l, err);
}

/* Called as a callback ends: free the link if it died meanwhile. */
static void link_leave(ngap_link *l)
{
	if (--l->depth == 0 && l->dead)
		link_destroy(l);
}

/* One complete frame at the head of in: decode it and hand it over. */
static void deliver_frame(ngap_link *l, struct evbuffer *in, uint32_t flen)
{
	char err[160];
	ngap_msg *m = NULL;
	uint8_t *p;
	int rc;

	p = evbuffer_pullup(in, FRAME_PREFIX + (ev_ssize_t)flen);
	if (p == NULL) {
		link_fail(l, "out of memory reassembling a frame");
		return;
	}
	rc = ngap_decode(p + FRAME_PREFIX, flen, &m);
	if (rc != AIOT_OK) {
		ngap_set_err(err, sizeof err, "NGAP decode error: %s (%u-octet frame)",
		             aiot_strerror(rc), (unsigned)flen);
		evbuffer_drain(in, FRAME_PREFIX + (size_t)flen);
		link_fail(l, err);
		return;
	}
	evbuffer_drain(in, FRAME_PREFIX + (size_t)flen);
	if (l->cbs.on_msg != NULL)
		l->cbs.on_msg(l->cbs.arg, l, m);
	else
		ngap_free(m);
}

/* The listener's links hold more partial octets than its budget: close the link that holds
 * the most (the one that made it overflow may be a genuine reader behind a hoarder). */
static void enforce_budget(ngap_listener *ls)
{
	ngap_link *big = NULL;
	char err[128];

	if (ls == NULL || ls->partial_max == 0 || ls->partial <= ls->partial_max)
		return;
	for (ngap_link *o = ls->links; o != NULL; o = o->ls_next)
		if (!o->closed && (big == NULL || o->partial > big->partial))
			big = o;
	if (big == NULL)
		return;
	ngap_set_err(
	    err, sizeof err,
	    "%zu octets of partial frames buffered on this listener (limit %zu); this link "
	    "held the most, %zu",
	    ls->partial, ls->partial_max, big->partial);
	big->over_budget = 1;
	big->depth++; /* it may be another link than the one reading */
	link_fail(big, err);
	link_leave(big);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	ngap_link *l = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	char err[128];

	l->depth++;
	while (!l->dead) {
		size_t avail = evbuffer_get_length(in);
		uint8_t pfx[FRAME_PREFIX];
		uint32_t flen;

		if (avail < FRAME_PREFIX)
			break;
		evbuffer_copyout(in, pfx, FRAME_PREFIX);
		flen = aiot_get_be32(pfx);
		if (flen > l->max_frame) {
			ngap_set_err(err, sizeof err, "frame of %u octets exceeds the %u maximum",
			             (unsigned)flen, (unsigned)l->max_frame);
			link_fail(l, err);
			break;
		}
		if (avail - FRAME_PREFIX < flen)
			break; /* called again at every read: the partial octets are accounted */
		deliver_frame(l, in, flen);
	}
	if (!l->dead) {
		link_account(l, evbuffer_get_length(in));
		enforce_budget(l->ls);
	}
	link_leave(l);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	ngap_link *l = arg;
	char err[160];
	int e = EVUTIL_SOCKET_ERROR();

	l->depth++;
	if (what & BEV_EVENT_CONNECTED) {
		l->connected = 1;
		l->secure = l->tls;
		if (l->tls && l->cbs.on_secure != NULL)
			l->cbs.on_secure(l->cbs.arg, l);
	} else if (l->tls && !l->secure) {
		ngap_tls_bev_error(bev, err, sizeof err);
		link_fail(l, err);
	} else if (what & BEV_EVENT_EOF) {
		link_fail(l, evbuffer_get_length(bufferevent_get_input(bev)) > 0
		                 ? "peer closed the connection in the middle of a frame"
		                 : "peer closed the connection");
	} else if (what & BEV_EVENT_ERROR) {
		ngap_set_err(err, sizeof err, "%s: %s",
		             l->connected ? "socket error" : "connect failed",
		             e ? evutil_socket_error_to_string(e) : "unknown error");
		link_fail(l, err);
	} else if (what & BEV_EVENT_TIMEOUT) {
		link_fail(l, "timeout");
	}
	link_leave(l);
}

/* The bufferevent of a link: plain, or TLS (ssl, owned by it once created). */
static struct bufferevent *link_bev(struct event_base *base, int fd, SSL *ssl, int accepting)
{
	struct bufferevent *bev;

	if (ssl == NULL)
		return bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	bev = bufferevent_openssl_socket_new(
	    base, fd, ssl, accepting ? BUFFEREVENT_SSL_ACCEPTING : BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL)
		SSL_free(ssl);
	else /* a peer that closes without close_notify is an EOF, not an error */
		bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

ngap_link *ngap_link_new(struct event_base *base, int fd, int connected, SSL *ssl)
{
	ngap_link *l = calloc(1, sizeof *l);

	if (l == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	l->bev = link_bev(base, fd, ssl, connected);
	if (l->bev == NULL) {
		free(l);
		return NULL;
	}
	l->tls = ssl != NULL;
	l->connected = connected;
	l->max_frame = NGAP_MAX_MESSAGE;
	bufferevent_set_max_single_read(l->bev, MAX_SINGLE_READ);
	bufferevent_setwatermark(l->bev, EV_READ, FRAME_PREFIX, 0);
	bufferevent_setcb(l->bev, read_cb, NULL, event_cb, l);
	return l;
}

static void link_start_reading(ngap_link *l)
{
	if (l->reading || l->closed)
		return;
	l->reading = 1;
	bufferevent_enable(l->bev, EV_READ | EV_WRITE);
}

static ngap_link *link_connect(struct event_base *base, const char *addr, const char *transport,
                               ngap_tls_ctx *tls, const ngap_link_cbs *cbs, char *err,
                               size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	enum transport t;
	ngap_link *l = NULL;
	SSL *ssl = NULL;
	int fd, sctp;

	if (base == NULL || ngap_parse_transport(transport, &t) != 0) {
		ngap_set_err(err, errlen, "unknown transport \"%s\" (want sctp, tcp or auto)",
		             transport ? transport : "(null)");
		return NULL;
	}
	if (svc_parse_addr(addr, 0, &ss, &sslen, err, errlen) != 0)
		return NULL;
	fd = ngap_open_socket(ss.ss_family, t, &sctp, err, errlen);
	if (fd < 0)
		return NULL;
	ngap_set_nodelay(fd, sctp);
	if (tls != NULL && (ssl = ngap_tls_peer(tls, addr, err, errlen)) == NULL) {
		close(fd);
		return NULL;
	}
	l = ngap_link_new(base, fd, 0, ssl);
	if (l == NULL) {
		close(fd);
		ngap_set_err(err, errlen, "out of memory");
		return NULL;
	}
	if (cbs != NULL)
		l->cbs = *cbs;
	link_start_reading(l);
	if (bufferevent_socket_connect(l->bev, (struct sockaddr *)&ss, (int)sslen) != 0) {
		ngap_set_err(err, errlen, "connect %s: %s", addr,
		             evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		link_destroy(l);
		return NULL;
	}
	return l;
}

ngap_link *ngap_connect(struct event_base *base, const char *addr, const char *transport,
                        const ngap_link_cbs *cbs, char *err, size_t errlen)
{
	return link_connect(base, addr, transport, NULL, cbs, err, errlen);
}

ngap_link *ngap_connect_tls(struct event_base *base, const char *addr, ngap_tls_ctx *tls,
                            const ngap_link_cbs *cbs, char *err, size_t errlen)
{
	return link_connect(base, addr, "tcp", tls, cbs, err, errlen);
}

void ngap_link_set_cbs(ngap_link *l, const ngap_link_cbs *cbs)
{
	if (l == NULL)
		return;
	if (cbs != NULL)
		l->cbs = *cbs;
	else
		memset(&l->cbs, 0, sizeof l->cbs);
	link_start_reading(l);
}

int ngap_send(ngap_link *l, const ngap_msg *m)
{
	struct evbuffer *out;
	struct evbuffer_iovec v;
	size_t n;
	uint8_t *p;
	int rc;

	if (l == NULL || m == NULL)
		return AIOT_ERR_INVAL;
	if (l->closed || l->dead)
		return AIOT_ERR_STATE;
	n = ngap_encoded_size(m);
	if (n == 0)
		return AIOT_ERR_INVAL;
	out = bufferevent_get_output(l->bev);
	if (evbuffer_get_length(out) + n > MAX_OUTPUT)
		return AIOT_ERR_NOSPACE;
	if (evbuffer_reserve_space(out, (ev_ssize_t)(FRAME_PREFIX + n), &v, 1) != 1)
		return AIOT_ERR_NOSPACE;
	p = v.iov_base;
	aiot_put_be32(p, (uint32_t)n);
	rc = ngap_encode(m, p + FRAME_PREFIX, n);
	if (rc < 0)
		return rc; /* nothing committed */
	v.iov_len = FRAME_PREFIX + n;
	if (evbuffer_commit_space(out, &v, 1) != 0)
		return AIOT_ERR_NOSPACE;
	return AIOT_OK;
}

/* Best effort, never blocking: hand what is queued to the kernel before closing, so that a
 * last message (a release, a failure) sent just before ngap_link_free() is not lost. The
 * bufferevent keeps the start of its output frozen; the link is going away, so thaw it. */
static void flush_output(ngap_link *l)
{
	struct evbuffer *out = bufferevent_get_output(l->bev);
	evutil_socket_t fd = bufferevent_getfd(l->bev);

	if (!l->connected || l->tls || fd < 0 || evbuffer_unfreeze(out, 1) != 0)
		return;
	while (evbuffer_get_length(out) > 0) {
		size_t n = evbuffer_get_contiguous_space(out);
		ssize_t w = send(fd, evbuffer_pullup(out, (ev_ssize_t)n), n, MSG_NOSIGNAL);
		if (w <= 0 || evbuffer_drain(out, (size_t)w) != 0)
			break;
	}
}

void ngap_link_free(ngap_link *l)
{
	if (l == NULL)
		return;
	if (!l->closed)
		flush_output(l);
	l->closed = 1; /* no on_close */
	if (l->depth > 0) {
		/* Inside one of this link's callbacks: free when it returns. */
		l->dead = 1;
		bufferevent_disable(l->bev, EV_READ | EV_WRITE);
		return;
	}
	link_destroy(l);
}

void ngap_link_set_max_frame(ngap_link *l, uint32_t max)
{
	if (l != NULL)
		l->max_frame = max < NGAP_MAX_MESSAGE ? max : NGAP_MAX_MESSAGE;
}

int ngap_link_tls_refused(const ngap_link *l)
{
	return l != NULL && l->tls && !l->secure;
}

int ngap_link_tls_info(const ngap_link *l, char *buf, size_t len)
{
	if (l == NULL || !l->secure)
		return -1;
	return ngap_tls_describe(bufferevent_openssl_get_ssl(l->bev), buf, len);
}

int ngap_link_over_budget(const ngap_link *l)
{
	return l != NULL && l->over_budget;
}

const char *ngap_link_peer(const ngap_link *l)
{
	return l != NULL ? l->peer : "";
}

void ngap_link_set_user(ngap_link *l, void *user)
{
	if (l != NULL)
		l->user = user;
}

void *ngap_link_user(const ngap_link *l)
{
	return l != NULL ? l->user : NULL;
}
