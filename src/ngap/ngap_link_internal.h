/* SPDX-License-Identifier: Apache-2.0 */
/* Internal to src/ngap: the link and listener structures that ngap_link.c (links, framing)
 * and ngap_listener.c (sockets, accepting) share. Each struct's fields are written by the
 * file that owns it; the listener touches a link's ls, ls_next, ls_prev and peer only. */
#ifndef AIOT_NGAP_LINK_INTERNAL_H
#define AIOT_NGAP_LINK_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include <arpa/inet.h>
#include <openssl/ssl.h>

#include "ngap_link.h"

struct event_base;

enum transport { T_AUTO, T_SCTP, T_TCP };

struct ngap_link {
	struct bufferevent *bev;
	ngap_link_cbs cbs;
	void *user;
	int depth;  /* callbacks of this link running now */
	int dead;   /* to be freed when depth drops to 0 */
	int closed; /* on_close delivered or suppressed; no more callbacks */
	int connected;
	int reading; /* EV_READ enabled (accepted links wait for their callbacks) */
	int tls;     /* TLS records over TCP */
	int secure;  /* TLS handshake completed */
	uint32_t max_frame;
	size_t partial;    /* input octets held (a frame not yet complete), counted in ls */
	int over_budget;   /* closed by its listener's partial-frame budget */
	ngap_listener *ls; /* accepted links: the listener that accounts for them */
	ngap_link *ls_next, *ls_prev;
	char peer[INET6_ADDRSTRLEN];
};

struct ngap_listener {
	struct evconnlistener *lev;
	struct event *retry; /* re-enables accepting after EMFILE and the like */
	void (*on_accept)(void *arg, ngap_link *l);
	void *arg;
	int sctp;
	ngap_tls_ctx *tls;  /* NULL: plain */
	ngap_link *links;   /* accepted links still alive */
	size_t partial;     /* sum of their partial octets */
	size_t partial_max; /* 0: no bound */
};

/* snprintf into err, if any. */
void ngap_set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "sctp", "tcp", "auto" (or NULL). 0 or -1. */
int ngap_parse_transport(const char *s, enum transport *t);
/* A non-blocking, close-on-exec stream socket; *sctp says which protocol it got. */
int ngap_open_socket(int family, enum transport t, int *sctp, char *err, size_t errlen);
/* Messages are small and latency matters more than segment count. */
void ngap_set_nodelay(int fd, int sctp);
/* A link over fd (ssl: TLS, owned by the link from now on, freed on failure); connected for
 * accepted links, which then act as the TLS server. NULL when out of memory. */
ngap_link *ngap_link_new(struct event_base *base, int fd, int connected, SSL *ssl);

#endif
