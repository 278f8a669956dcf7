/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NG link sockets and listener (ngap_link.h, docs/protocol.md §4.4): SCTP or TCP sockets
 * ("auto": SCTP where the kernel has it), accepting links (TLS ones when the listener has a
 * context: ngap_listener_set_tls), pausing after accept errors, and the list of accepted
 * links whose partial frames the listener's budget bounds (ngap_link.c enforces it). Owns
 * struct ngap_listener; the links are ngap_link.c's.
 */
#include <errno.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/listener.h>
#include <event2/util.h>
#include <openssl/ssl.h>

#include "ngap_link.h"
#include "ngap_link_internal.h"
#include "svc/netaddr.h"

#define LISTEN_BACKLOG 128
/* <linux/sctp.h> SCTP_NODELAY, at level IPPROTO_SCTP (no libsctp headers needed). */
#define NGAP_SCTP_NODELAY 3

int ngap_parse_transport(const char *s, enum transport *t)
{
	if (s == NULL || strcmp(s, "auto") == 0)
		*t = T_AUTO;
	else if (strcmp(s, "sctp") == 0)
		*t = T_SCTP;
	else if (strcmp(s, "tcp") == 0)
		*t = T_TCP;
	else
		return -1;
	return 0;
}

/* The kernel has no SCTP (module absent or blocked). */
static int sctp_unavailable(int e)
{
	return e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT || e == EAFNOSUPPORT ||
	       e == EPFNOSUPPORT || e == EPROTOTYPE || e == EINVAL || e == EPERM || e == EACCES;
}

/* A non-blocking, close-on-exec stream socket; *sctp says which protocol it got. */
int ngap_open_socket(int family, enum transport t, int *sctp, char *err, size_t errlen)
{
	int fd;

	if (t != T_TCP) {
		fd = socket(family, SOCK_STREAM, IPPROTO_SCTP);
		if (fd >= 0) {
			*sctp = 1;
			goto ok;
		}
		if (t == T_SCTP || !sctp_unavailable(errno)) {
			ngap_set_err(err, errlen,
			             "SCTP socket: %s (is the kernel's sctp module loaded? "
			             "transport \"auto\" falls back to TCP)",
			             strerror(errno));
			return -1;
		}
	}
	fd = socket(family, SOCK_STREAM, IPPROTO_TCP);
	if (fd < 0) {
		ngap_set_err(err, errlen, "TCP socket: %s", strerror(errno));
		return -1;
	}
	*sctp = 0;
ok:
	if (evutil_make_socket_nonblocking(fd) != 0 || evutil_make_socket_closeonexec(fd) != 0) {
		ngap_set_err(err, errlen, "socket flags: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Messages are small and latency matters more than segment count. */
void ngap_set_nodelay(int fd, int sctp)
{
	int one = 1;

	if (sctp)
		(void)setsockopt(fd, IPPROTO_SCTP, NGAP_SCTP_NODELAY, &one, sizeof one);
	else
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}
/* ---- listener ---------------------------------------------------------------------------- */

static void accept_cb(struct evconnlistener *lev, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
	ngap_listener *ls = arg;
	ngap_link *l;
	SSL *ssl = NULL;

	(void)lev;
	if (ls->on_accept == NULL || (ls->tls != NULL && (ssl = SSL_new(ls->tls)) == NULL)) {
		close(fd);
		return;
	}
	ngap_set_nodelay(fd, ls->sctp);
	l = ngap_link_new(evconnlistener_get_base(lev), fd, 1, ssl);
	if (l == NULL) {
		close(fd);
		return;
	}
	if (getnameinfo(sa, (socklen_t)salen, l->peer, sizeof l->peer, NULL, 0, NI_NUMERICHOST) !=
	    0)
		l->peer[0] = '\0';
	l->ls = ls;
	l->ls_next = ls->links;
	if (ls->links)
		ls->links->ls_prev = l;
	ls->links = l;
	/* Reading starts when ngap_link_set_cbs() gives the link its callbacks. */
	ls->on_accept(ls->arg, l);
}

static void retry_cb(evutil_socket_t fd, short what, void *arg)
{
	ngap_listener *ls = arg;

	(void)fd;
	(void)what;
	evconnlistener_enable(ls->lev);
}

/* accept() failed other than transiently (libevent already retries EINTR, EAGAIN and
 * ECONNABORTED): out of descriptors or memory. Pause instead of spinning. */
static void accept_error_cb(struct evconnlistener *lev, void *arg)
{
	ngap_listener *ls = arg;
	struct timeval pause = {0, 100 * 1000};

	evconnlistener_disable(lev);
	evtimer_add(ls->retry, &pause);
}

ngap_listener *ngap_listen(struct event_base *base, const char *addr, const char *transport,
                           void (*on_accept)(void *arg, ngap_link *l), void *arg, char *err,
                           size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	enum transport t;
	ngap_listener *ls = NULL;
	int fd = -1, one = 1;

	if (base == NULL || ngap_parse_transport(transport, &t) != 0) {
		ngap_set_err(err, errlen, "unknown transport \"%s\" (want sctp, tcp or auto)",
		             transport ? transport : "(null)");
		return NULL;
	}
	if (svc_parse_addr(addr, 1, &ss, &sslen, err, errlen) != 0)
		return NULL;
	ls = calloc(1, sizeof *ls);
	if (ls == NULL) {
		ngap_set_err(err, errlen, "out of memory");
		return NULL;
	}
	ls->on_accept = on_accept;
	ls->arg = arg;
	fd = ngap_open_socket(ss.ss_family, t, &ls->sctp, err, errlen);
	if (fd < 0)
		goto fail;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sslen) != 0) {
		ngap_set_err(err, errlen, "bind %s: %s", addr, strerror(errno));
		goto fail;
	}
	ls->retry = evtimer_new(base, retry_cb, ls);
	if (ls->retry == NULL) {
		ngap_set_err(err, errlen, "out of memory");
		goto fail;
	}
	ls->lev = evconnlistener_new(
	    base, accept_cb, ls, LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, LISTEN_BACKLOG, fd);
	if (ls->lev == NULL) {
		ngap_set_err(err, errlen, "listen %s: %s", addr, strerror(errno));
		goto fail;
	}
	evconnlistener_set_error_cb(ls->lev, accept_error_cb);
	return ls;

fail:
	if (fd >= 0)
		close(fd);
	if (ls->retry != NULL)
		event_free(ls->retry);
	free(ls);
	return NULL;
}

int ngap_listener_port(const ngap_listener *ls)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;

	if (ls == NULL ||
	    getsockname(evconnlistener_get_fd(ls->lev), (struct sockaddr *)&ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return -1;
}

const char *ngap_listener_transport(const ngap_listener *ls)
{
	return ls != NULL && ls->sctp ? "sctp" : "tcp";
}

void ngap_listener_set_partial_max(ngap_listener *ls, size_t octets)
{
	if (ls != NULL)
		ls->partial_max = octets;
}

int ngap_listener_set_tls(ngap_listener *ls, ngap_tls_ctx *tls)
{
	if (ls == NULL || (tls != NULL && ls->sctp))
		return -1;
	if (tls != NULL && SSL_CTX_up_ref(tls) != 1)
		return -1;
	SSL_CTX_free(ls->tls);
	ls->tls = tls;
	return 0;
}

void ngap_listener_free(ngap_listener *ls)
{
	if (ls == NULL)
		return;
	SSL_CTX_free(ls->tls);
	for (ngap_link *l = ls->links; l != NULL; l = l->ls_next)
		l->ls = NULL; /* links outliving their listener are no longer accounted */
	evconnlistener_free(ls->lev);
	event_free(ls->retry);
	free(ls);
}
