/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI server's listening sockets: one SO_REUSEPORT socket per worker on the same address
 * (the kernel spreads connections over the workers), the probe that no other process listens
 * there, accept with the worker's connection bound, and the pause on EMFILE. A worker owns
 * its listener and its retry timer (w->lst, w->accept_retry), on its own thread.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <nghttp2/nghttp2.h>

#include "sbi/sbi_srv.h"

int sbi_listen_socket(const struct sockaddr_storage *ss, socklen_t sl, int port, char *err,
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
int sbi_listen_port_free(const struct sockaddr_storage *ss, socklen_t sl, char *err, size_t errlen,
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

/* Over the worker's connection bound: RFC 9113 3.4 server preface (an empty SETTINGS) and
 * GOAWAY(NO_ERROR, last stream 0) so an h2c client knows to go elsewhere, then close. The
 * write is best effort and keeps no state: a refused connection costs nothing after this. */
static void conn_refuse(evutil_socket_t fd, int tls)
{
	static const uint8_t frames[] = {
	    0,
	    0,
	    0,
	    NGHTTP2_SETTINGS,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    8,
	    NGHTTP2_GOAWAY,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    0,
	    NGHTTP2_NO_ERROR,
	};
	if (!tls && send(fd, frames, sizeof(frames), MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
		/* best effort: the close says the same */
	}
	evutil_closesocket(fd);
}

static void accept_cb(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int salen,
                      void *arg)
{
	struct sbi_worker *w = arg;

	(void)l;
	(void)sa;
	(void)salen;
	if (w->nconns >= w->max_conns && !sbi_evict_handshake(w)) {
		sbi_metrics_reject(&w->srv->metrics, SBI_REJECT_CONN_LIMIT);
		conn_refuse(fd, w->srv->ssl != NULL);
		return;
	}
	sbi_conn_new(w, fd);
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

int sbi_listen_start(struct sbi_worker *w, int fd)
{
	w->accept_retry = evtimer_new(w->base, accept_retry_cb, w);
	if (w->accept_retry == NULL)
		return -1;
	w->lst = evconnlistener_new(w->base, accept_cb, w,
	                            LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd);
	if (w->lst == NULL)
		return -1;
	evconnlistener_set_error_cb(w->lst, accept_error_cb);
	return 0;
}

void sbi_listen_stop(struct sbi_worker *w)
{
	if (w->lst != NULL) {
		evconnlistener_free(w->lst);
		w->lst = NULL;
	}
	if (w->accept_retry != NULL) {
		event_free(w->accept_retry);
		w->accept_retry = NULL;
	}
}
