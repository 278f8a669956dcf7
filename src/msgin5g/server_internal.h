/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside aiot-msgin5g: the server (server.c: listener, connections, TLS handshake, metrics)
 * owns every m5_conn; tls_psk.c sets up the TLS 1.3 PSK profile and its callbacks;
 * session.c speaks CoAP over TLS and MSGin5G-1 on an established connection.
 */
#ifndef AIOT_MSGIN5G_SERVER_INTERNAL_H
#define AIOT_MSGIN5G_SERVER_INTERNAL_H
#include <stdint.h>

#include <openssl/ssl.h>

#include "kaf_cache.h"
#include "msg.h"
#include "registry.h"
#include "server.h"

#define M5_MAX_INFLIGHT 16 /* messages pushed to one UE and not yet acknowledged */
/* Answers a peer leaves unread, in octets: beyond, its requests are not read until it reads
 * (a peer cannot grow the server's memory by never reading). */
#define M5_MAX_UNREAD (256 * 1024)

typedef enum m5_key_state { KEY_NONE, KEY_WAIT, KEY_READY, KEY_FAILED } m5_key_state;

typedef struct m5_push {
	uint32_t token;
	msgin5g_msg *m; /* malloc'd (registry_pop) */
} m5_push;

typedef struct m5_conn {
	m5_server *s;
	int fd;
	SSL *ssl;
	struct event *ev;        /* handshake: the socket's readiness */
	struct event *timer;     /* handshake: its deadline (handshake-timeout-ms) */
	struct bufferevent *bev; /* established: CoAP frames (owns ssl and fd) */
	m5_key_state key;
	kaf_cache *src; /* where its key comes from: s->keys (AKMA) or s->km (SEAL KM) */
	char akid[MSGIN5G_AKID_MAX + 1]; /* the A-KID, or the SEAL KM's key id */
	char supi[72];                   /* from the AAnF ("" when it gave none) */
	char peer[64];
	char ue[MSGIN5G_ID_MAX + 1]; /* registered UE service ID, or "" */
	int csm_seen;                /* RFC 8323 5.3: the peer's CSM came first */
	int paused;                  /* not reading until it reads its answers (M5_MAX_UNREAD) */
	uint32_t peer_max;           /* its Max-Message-Size (5.3.1; 1152 until its CSM says) */
	uint32_t next_token;
	m5_push inflight[M5_MAX_INFLIGHT];
	size_t ninflight;
	struct m5_conn *prev, *next;
} m5_conn;

typedef struct m5_stats {
	uint64_t accepted, handshakes, hs_unknown_akid, hs_aanf_error, hs_no_psk, hs_failed,
	    hs_timeout, regs, regs_refused, deregs, msgs, msgs_refused, delivered, imdn, frames_bad;
} m5_stats;

struct m5_server {
	m5_server_cfg cfg;
	struct event_base *base;
	struct evconnlistener *lis;
	SSL_CTX *tls;
	kaf_cache *keys; /* K_AF from the AAnF */
	kaf_cache *km;   /* PSKs from the SEAL KM, or NULL */
	registry *reg;
	m5_conn *conns;
	size_t nconns;
	int port;
	m5_stats st;
};

/* tls_psk.c: the server's SSL_CTX (TLS 1.3, TLS_AES_128_GCM_SHA256, psk_dhe_ke, no
 * certificate, no tickets) whose callbacks find K_AF in s->keys; NULL with err. */
SSL_CTX *m5_tls_ctx(m5_server *s, char *err, size_t errlen);

/* server.c */
void m5_conn_close(m5_conn *c, const char *why);

/* session.c: the connection is established (bev set): send the CSM, read frames. 0 or -1. */
int m5_session_start(m5_conn *c);
/* Deliver what waits for c's UE, up to M5_MAX_INFLIGHT unacknowledged. */
void m5_session_flush(m5_conn *c);
/* c closes: its unacknowledged messages go back to the head of its UE's queue. */
void m5_session_end(m5_conn *c);

#endif
