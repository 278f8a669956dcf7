/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The /metrics listener: a small HTTP/1.1 server, one request per connection, bounded against
 * hostile clients (issue 11 item 5): the request head up to MH_MAX_HEAD bytes (431 beyond),
 * no request body (413), GET and HEAD only (405), MH_MAX_CONNS connections at once (a new one
 * closes the oldest one, so idle sockets cannot lock a scraper out), MH_DEADLINE_S
 * from accept to the last byte answered (trickled bytes do not extend it), and a pause instead
 * of a spin when accept() fails for want of descriptors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>

#include "sbi/sbi_internal.h"
#include "sbi/sbi_metrics.h"
#include "svc/log.h"
#include "svc/netaddr.h"

#define MH_MAX_HEAD 8192
#define MH_MAX_CONNS 64
#define MH_DEADLINE_S 10
#define MH_PAUSE_MS 100

struct mh_conn {
	struct mh_conn *prev, *next; /* oldest first */
	struct bufferevent *bev;
	struct event *deadline;
	sbi_metrics_http *h;
};

struct sbi_metrics_http {
	struct event_base *base;
	struct evconnlistener *lst;
	struct event *retry; /* re-enables accepting after EMFILE and the like */
	struct mh_conn *head, *tail;
	int nconns, port, paused; /* paused: accept failing, logged once until one succeeds */
	char *(*render)(void *arg);
	void *arg;
};

static void conn_free(struct mh_conn *c)
{
	sbi_metrics_http *h = c->h;

	*(c->prev ? &c->prev->next : &h->head) = c->next;
	*(c->next ? &c->next->prev : &h->tail) = c->prev;
	h->nconns--;
	bufferevent_free(c->bev);
	event_free(c->deadline);
	free(c);
}

static void conn_deadline(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	conn_free(arg);
}

static void conn_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)what;
	conn_free(arg);
}

/* The answer is out (the output drained): close. */
static void conn_written(struct bufferevent *bev, void *arg)
{
	(void)bev;
	conn_free(arg);
}

static const char *reason(int status)
{
	switch (status) {
	case 200:
		return "OK";
	case 400:
		return "Bad Request";
	case 404:
		return "Not Found";
	case 405:
		return "Method Not Allowed";
	case 413:
		return "Content Too Large";
	case 431:
		return "Request Header Fields Too Large";
	default:
		return "Internal Server Error";
	}
}

/* Send status (with page, taken, for a 200; no body for HEAD) and close once written. */
static void conn_reply(struct mh_conn *c, int status, char *page, int head)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t len = page != NULL ? strlen(page) : 0;

	if (status == 200 && page == NULL)
		status = 500;
	evbuffer_add_printf(out,
	                    "HTTP/1.1 %d %s\r\nContent-Type: text/plain; version=0.0.4; "
	                    "charset=utf-8\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
	                    status, reason(status), status == 200 ? len : 0,
	                    status == 405 ? "Allow: GET, HEAD\r\n" : "");
	if (status == 200 && !head)
		evbuffer_add(out, page, len);
	free(page);
	bufferevent_disable(c->bev, EV_READ);
	bufferevent_setcb(c->bev, NULL, conn_written, conn_event, c);
	bufferevent_enable(c->bev, EV_WRITE);
}

/* 1 when a header line of the head announces a body (RFC 9112 6.3): Content-Length other than
 * 0, or any Transfer-Encoding. */
static int has_body(const char *head)
{
	const char *l = head;

	while ((l = strstr(l, "\r\n")) != NULL && l[2] != '\r') {
		l += 2;
		if (strncasecmp(l, "transfer-encoding:", 18) == 0)
			return 1;
		if (strncasecmp(l, "content-length:", 15) == 0) {
			l += 15;
			l += strspn(l, " \t");
			if (strspn(l, "0") == 0 || l[strspn(l, "0")] != '\r')
				return 1;
		}
	}
	return 0;
}

/* The status for a complete request head (NUL-terminated). */
static int route(const char *head, int *is_head)
{
	const char *sp1 = strchr(head, ' '), *eol = strstr(head, "\r\n");
	const char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	size_t mlen, tlen;

	if (sp1 == NULL || sp2 == NULL || sp2 > eol || strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return 400;
	mlen = (size_t)(sp1 - head);
	tlen = (size_t)(sp2 - sp1 - 1);
	*is_head = mlen == 4 && memcmp(head, "HEAD", 4) == 0;
	if (!*is_head && !(mlen == 3 && memcmp(head, "GET", 3) == 0))
		return 405;
	if (has_body(head))
		return 413;
	if (!(tlen == 8 && memcmp(sp1 + 1, "/metrics", 8) == 0) &&
	    !(tlen > 8 && memcmp(sp1 + 1, "/metrics?", 9) == 0))
		return 404;
	return 200;
}

static void conn_read(struct bufferevent *bev, void *arg)
{
	struct mh_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
	char head[MH_MAX_HEAD + 1];
	int status, is_head = 0;

	if (end.pos < 0 || (size_t)end.pos + 4 > MH_MAX_HEAD) {
		if (evbuffer_get_length(in) >= MH_MAX_HEAD)
			conn_reply(c, 431, NULL, 0);
		return;
	}
	evbuffer_remove(in, head, (size_t)end.pos + 4);
	head[end.pos + 4] = '\0';
	status = route(head, &is_head);
	conn_reply(c, status, status == 200 ? c->h->render(c->h->arg) : NULL, is_head);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
	sbi_metrics_http *h = arg;
	struct timeval dl = {MH_DEADLINE_S, 0};
	struct mh_conn *c = calloc(1, sizeof(*c));

	(void)l;
	(void)sa;
	(void)salen;
	h->paused = 0;
	if (c == NULL ||
	    (c->bev = bufferevent_socket_new(h->base, fd, BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (c->deadline = evtimer_new(h->base, conn_deadline, c)) == NULL) {
		if (c != NULL && c->bev != NULL)
			bufferevent_free(c->bev);
		else
			evutil_closesocket(fd);
		free(c);
		return;
	}
	if (h->nconns >= MH_MAX_CONNS)
		conn_free(h->head);
	c->h = h;
	c->prev = h->tail;
	*(h->tail ? &h->tail->next : &h->head) = c;
	h->tail = c;
	h->nconns++;
	evtimer_add(c->deadline, &dl);
	bufferevent_setwatermark(c->bev, EV_READ, 0, MH_MAX_HEAD);
	bufferevent_setcb(c->bev, conn_read, NULL, conn_event, c);
	bufferevent_enable(c->bev, EV_READ);
}

/* accept() failed other than transiently (libevent retries EINTR, EAGAIN, ECONNABORTED): out
 * of descriptors or memory. Pause instead of spinning; one log line per episode. */
static void accept_error(struct evconnlistener *l, void *arg)
{
	sbi_metrics_http *h = arg;
	struct timeval pause = {0, MH_PAUSE_MS * 1000};
	int e = EVUTIL_SOCKET_ERROR();

	if (!h->paused)
		log_warn("metrics: accept: %s; pausing %d ms between attempts",
		         evutil_socket_error_to_string(e), MH_PAUSE_MS);
	h->paused = 1;
	evconnlistener_disable(l);
	evtimer_add(h->retry, &pause);
}

static void accept_retry(evutil_socket_t fd, short what, void *arg)
{
	sbi_metrics_http *h = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(h->lst);
}

/* Bind addr and listen on it. The socket, or -1 with err. */
static evutil_socket_t metrics_socket(const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1;

	if (svc_parse_addr(addr, 1, &ss, &sl, err, errlen) != 0)
		return -1;
	evutil_socket_t fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0) {
		snprintf(err, errlen, "metrics listen %s: %s", addr,
		         evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		if (fd >= 0)
			evutil_closesocket(fd);
		return -1;
	}
	return fd;
}

sbi_metrics_http *sbi_metrics_http_start(struct event_base *base, const char *addr,
                                         char *(*render)(void *arg), void *arg, char *err,
                                         size_t errlen)
{
	sbi_metrics_http *h = calloc(1, sizeof *h);
	evutil_socket_t fd = -1;

	if (h == NULL || (h->retry = evtimer_new(base, accept_retry, h)) == NULL)
		goto oom;
	if ((fd = metrics_socket(addr, err, errlen)) < 0)
		goto fail;
	h->port = sbi_socket_port(fd);
	h->lst = evconnlistener_new(base, on_accept, h,
	                            LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (h->lst == NULL)
		goto oom;
	evconnlistener_set_error_cb(h->lst, accept_error);
	h->base = base;
	h->render = render;
	h->arg = arg;
	return h;
oom:
	snprintf(err, errlen, "metrics listener %s: out of resources", addr);
	if (fd >= 0)
		evutil_closesocket(fd);
fail:
	sbi_metrics_http_free(h);
	return NULL;
}

int sbi_metrics_http_port(const sbi_metrics_http *h)
{
	return h->port;
}

void sbi_metrics_http_free(sbi_metrics_http *h)
{
	if (h == NULL)
		return;
	while (h->head != NULL)
		conn_free(h->head);
	if (h->lst != NULL)
		evconnlistener_free(h->lst);
	if (h->retry != NULL)
		event_free(h->retry);
	free(h);
}
