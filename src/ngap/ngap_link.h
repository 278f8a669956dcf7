/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NG link transport: NGAP messages over SCTP (one-to-one socket, stream 0) where the kernel
 * offers it, TCP otherwise; on both, every message is prefixed by its length (4 octets,
 * big-endian). Written as a byte stream, SCTP carries PPID 0, not NGAP's 60 (docs/protocol.md
 * §4.4). Over TCP, TLS 1.3 may carry the frames (ngap_tls.h). Runs on a caller-owned
 * libevent base. The process must ignore SIGPIPE.
 */
#ifndef AIOT_NGAP_LINK_H
#define AIOT_NGAP_LINK_H
#include "ngap_aiot.h"
#include "ngap_tls.h"

struct event_base;
typedef struct ngap_link ngap_link;
typedef struct ngap_listener ngap_listener;

typedef struct ngap_link_cbs {
	/* A decoded message; the callee owns m (ngap_free). */
	void (*on_msg)(void *arg, ngap_link *l, ngap_msg *m);
	/* The peer closed, a framing/decoding error occurred (err says which), or the link was
	 * refused; the link is freed after this returns. */
	void (*on_close)(void *arg, ngap_link *l, const char *err);
	void *arg;
	/* TLS links only: the handshake completed (the peer's certificate verified); before
	 * any message. May be NULL (and is last: initializers may omit it). */
	void (*on_secure)(void *arg, ngap_link *l);
} ngap_link_cbs;

/* "ADDR:PORT". transport: "sctp", "tcp" or "auto" (SCTP if available, else TCP). */
ngap_listener *ngap_listen(struct event_base *base, const char *addr, const char *transport,
                           void (*on_accept)(void *arg, ngap_link *l), void *arg, char *err,
                           size_t errlen);
int ngap_listener_port(const ngap_listener *ls);
const char *ngap_listener_transport(const ngap_listener *ls); /* "sctp" or "tcp" */
void ngap_listener_free(ngap_listener *ls);
/* Bound the octets of partial frames (announced, not yet complete) that the listener's links
 * hold together; past it the link holding the most is closed (ngap_link_over_budget() says
 * so in its on_close). 0: no bound (the default). */
void ngap_listener_set_partial_max(ngap_listener *ls, size_t octets);

/* TLS 1.3 on the links this TCP listener accepts from now on (the listener keeps a reference
 * to tls); NULL: plain. -1 on an SCTP listener. */
int ngap_listener_set_tls(ngap_listener *ls, ngap_tls_ctx *tls);

/* Connect (non-blocking); failures arrive through on_close. */
ngap_link *ngap_connect(struct event_base *base, const char *addr, const char *transport,
                        const ngap_link_cbs *cbs, char *err, size_t errlen);
/* The same over TCP with TLS 1.3 (tls: ngap_tls_client_ctx), the AIOTF verified as addr's
 * host; a failed handshake arrives through on_close too. */
ngap_link *ngap_connect_tls(struct event_base *base, const char *addr, ngap_tls_ctx *tls,
                            const ngap_link_cbs *cbs, char *err, size_t errlen);
/* Set the callbacks of an accepted link; it starts reading then. */
void ngap_link_set_cbs(ngap_link *l, const ngap_link_cbs *cbs);
/* Encode and queue m; 0 or an AIOT_ERR_*. */
int ngap_send(ngap_link *l, const ngap_msg *m);
/* Close now; on_close is not called. Safe inside this link's callbacks (the free is
 * deferred until they return). Queued output is flushed best effort, without blocking. */
void ngap_link_free(ngap_link *l);
/* The largest frame this link accepts (at most, and by default, NGAP_MAX_MESSAGE); a frame
 * announcing more closes the link. */
void ngap_link_set_max_frame(ngap_link *l, uint32_t max);
/* 1 if the link is TLS and its handshake has not completed (a link closed so was refused). */
int ngap_link_tls_refused(const ngap_link *l);
/* A TLS link once secure: protocol, cipher and the peer's subject (ngap_tls_describe); -1
 * for a plain link or before the handshake. */
int ngap_link_tls_info(const ngap_link *l, char *buf, size_t len);
/* 1 if the link was closed by its listener's partial-frame budget. */
int ngap_link_over_budget(const ngap_link *l);
/* An accepted link's peer address (numeric host), "" if unknown or connected. */
const char *ngap_link_peer(const ngap_link *l);
/* Opaque per-link user pointer. */
void ngap_link_set_user(ngap_link *l, void *user);
void *ngap_link_user(const ngap_link *l);

#endif
