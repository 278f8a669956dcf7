/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internals shared by the SBI server and client files (not installed, not for applications):
 * address parsing, TLS contexts, reason phrases, metrics counters.
 */
#ifndef AIOT_SBI_INTERNAL_H
#define AIOT_SBI_INTERNAL_H
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <event2/buffer.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "sbi/sbi_hist.h"
#include "sbi/sbi_server.h"
#include "sbi/sbi_tls.h"

/* ---- sbi_addr.c ------------------------------------------------------------------------- */

/* "ADDR:PORT", "[V6ADDR]:PORT" or "NAME:PORT" -> socket address. 0 or -1 (message in err). */
/* A bound socket's port, or -1. */
int sbi_socket_port(int fd);
/* evthread_use_pthreads(), once per process. */
void sbi_threads_init(void);

/* ---- sbi_tls.c (and sbi_tls.h) ---------------------------------------------------------- */

/* TLS 1.3 only, ALPN "h2" (RFC 9113 3.2). ca != NULL: client certificates are required. */
SSL_CTX *sbi_tls_server_ctx(const char *cert, const char *key, const char *ca, char *err,
                            size_t errlen);
/* TLS 1.3 only, ALPN "h2", server verified against ca; cert/key optional (mutual TLS). */
SSL_CTX *sbi_tls_client_ctx(const char *ca, const char *cert, const char *key, char *err,
                            size_t errlen);
/* The peer certificate's URI SAN "urn:uuid:<uuid>" (TS 33.310 6.1.3c: the NF instance ID)
 * as 36 lowercase characters + NUL in out; "" when there is none. */
void sbi_tls_peer_nf_instance(SSL *ssl, char out[37]);
/* The verified peer certificate's first URI SAN, else its subject CN, when it is 1..
 * SBI_PEER_ID_MAX printable ASCII characters; "" otherwise (sbi_request.peer_id). */
void sbi_tls_peer_id(SSL *ssl, char out[SBI_PEER_ID_MAX + 1]);
/* 1 when the handshake on ssl selected "h2". */
int sbi_tls_alpn_is_h2(SSL *ssl);

/* ---- sbi_problem.c ---------------------------------------------------------------------- */

/* RFC 9110 15 reason phrase; "Unknown" for codes it does not name. */
const char *sbi_reason_phrase(int status);

/* ---- sbi_metrics.c ---------------------------------------------------------------------- */

enum sbi_reject_reason {
	SBI_REJECT_BODY_TOO_LARGE,
	SBI_REJECT_HEADER_TOO_LARGE,
	SBI_REJECT_BAD_REQUEST,
	SBI_REJECT_PROTOCOL,     /* invalid frame / stream error detected by nghttp2 */
	SBI_REJECT_ALPN,         /* TLS client that did not negotiate h2 */
	SBI_REJECT_TLS,          /* handshake failure */
	SBI_REJECT_OVERLOAD,     /* 503: the worker's in-flight request bound was reached */
	SBI_REJECT_CONN_LIMIT,   /* connection refused: the worker's connection bound */
	SBI_REJECT_IDLE,         /* connection closed after idle_timeout_ms without traffic */
	SBI_REJECT_SLOW_READER,  /* connection closed: its output did not drain in time */
	SBI_REJECT_BODY_TIMEOUT, /* 408: request not complete within body_timeout_ms */
	SBI_REJECT_RESET_FLOOD,  /* GOAWAY: RST_STREAM faster than the server allows */
	SBI_REJECT_MEMORY,       /* 503: the connection's or the server's memory budget */
	SBI_REJECT_STALLED,      /* connection closed: an answer made no progress (zero window) */
	SBI_REJECT_HANDSHAKE_TIMEOUT, /* TLS handshake not done within handshake_timeout_ms */
	SBI_REJECT_N
};

typedef struct sbi_metrics {
	_Atomic uint64_t status[600]; /* responses by exact status code, 100..599 */
	_Atomic int64_t conns_active;
	_Atomic uint64_t conns_total;
	_Atomic int64_t pending;  /* requests handed to the application, not yet answered */
	_Atomic int64_t buffered; /* bytes of unsent answers and incomplete request bodies */
	_Atomic uint64_t rejected[SBI_REJECT_N];
	/* the HTTP/1.1 listener (sbi_metrics_http.c) on its own thread */
	struct event_base *base;
	struct sbi_metrics_http *http;
	int port;
	int thread_started;
	pthread_t thread;
	char *(*app_metrics)(void *app);
	void *app;
	char *(*auth_metrics)(void *auth); /* sbi_server_cfg.auth_metrics */
	void *auth;
	/* latency per operation: op_hist[nops] is "other" */
	const char *const *op_names;
	int nops;
	sbi_hist *op_hist;
} sbi_metrics;

/* Allocate the histograms of the operations named (NULL-terminated; NULL: only "other"). */
int sbi_metrics_operations(sbi_metrics *m, const char *const *names);
/* One answered request of operation op (an index of the names, else "other"). */
void sbi_metrics_observe(sbi_metrics *m, int op, uint64_t us);

void sbi_metrics_response(sbi_metrics *m, int status);
void sbi_metrics_reject(sbi_metrics *m, enum sbi_reject_reason r);
/* Bind listen and serve GET /metrics from a thread. 0 or -1 (message in err). */
int sbi_metrics_start(sbi_metrics *m, const char *listen, char *err, size_t errlen);
/* Stop the thread and free the listener and the histograms. */
void sbi_metrics_stop(sbi_metrics *m);
/* The Prometheus text page (malloc'd), or NULL. */
char *sbi_metrics_render(sbi_metrics *m);

/* The body of an nghttp2 data provider over a flat buffer (client requests and server
 * responses alike): copy up to len bytes from body at *off, set EOF at the end. */
static inline ssize_t sbi_buf_read(const uint8_t *body, size_t total, size_t *off, uint8_t *buf,
                                   size_t len, uint32_t *flags)
{
	size_t n = total - *off;
	if (n > len)
		n = len;
	if (n > 0)
		memcpy(buf, body + *off, n);
	*off += n;
	if (*off == total)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* Feeds what `in` holds to an nghttp2 session (client and server alike), draining what it
 * took: 0, or nghttp2's error (fatal for the session; the rest of `in` is left). */
static inline int sbi_h2_feed(nghttp2_session *h2, struct evbuffer *in)
{
	while (evbuffer_get_length(in) > 0) {
		struct evbuffer_iovec v[8];
		int i, nv = evbuffer_peek(in, -1, NULL, v, 8);
		size_t used = 0;

		for (i = 0; i < nv && i < 8; i++) {
			ssize_t r = nghttp2_session_mem_recv(h2, v[i].iov_base, v[i].iov_len);

			if (r < 0)
				return (int)r;
			used += (size_t)r;
		}
		evbuffer_drain(in, used);
	}
	return 0;
}

/* The capacity (doubling from cap, or from first) that holds `used` + `need` bytes. */
static inline size_t sbi_grow_cap(size_t cap, size_t used, size_t need, size_t first)
{
	if (cap == 0)
		cap = first;
	while (cap - used < need)
		cap *= 2;
	return cap;
}

#endif
