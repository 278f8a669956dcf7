/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI HTTP/2 server (TS 29.500): nghttp2 sessions on libevent, h2c (prior knowledge)
 * or TLS 1.3 with ALPN "h2" and optional mutual TLS (OpenSSL 3). N worker threads, each with
 * its own event loop and its own SO_REUSEPORT listening socket on the same address, so the
 * kernel spreads connections over the cores; a port another process already listens on is
 * refused ("address already in use"), never shared. A request is handed to the application once
 * complete (headers + body), in the worker thread that owns the connection.
 *
 * The server enforces limits itself (answering with ProblemDetails, TS 29.571):
 *   body > max_body -> 413; content-length missing on a POST/PUT/PATCH with a body it
 *   cannot size -> 411; header block > max_header -> stream reset / 431; concurrent streams
 *   per connection <= max_streams (SETTINGS_MAX_CONCURRENT_STREAMS).
 * Overload (TS 29.500 6.4): requests handed to the handler and not yet answered (running or
 * deferred) are bounded per worker (max_pending / workers); beyond it a request is answered
 * 503 cause NF_CONGESTION with Retry-After at once, without calling the handler. Connections
 * are bounded per worker (max_connections / workers); an excess h2c connection gets SETTINGS +
 * GOAWAY and is closed (a TLS one is closed). A request whose headers + body do not arrive
 * within body_timeout_ms gets 408 (the stream is then reset); a connection with no request
 * waiting on the handler and no request or answer bytes for idle_timeout_ms gets GOAWAY and is
 * closed (PING, SETTINGS and WINDOW_UPDATE do not count as traffic), and one whose output has
 * not drained, or one of whose answers has not progressed (a zero flow-control window), for
 * idle_timeout_ms is closed (a client that reads nothing). Answers not yet sent and request
 * bodies not yet complete are bounded per connection and in total (max_conn_memory,
 * max_memory: 503 beyond). A TLS handshake must end within handshake_timeout_ms of accept,
 * however the bytes trickle; connections in their handshake count against the connection
 * bound, and at the bound the oldest of them is closed to admit a new connection.
 * A separate plain HTTP/1.1 listener serves GET /metrics in Prometheus text format.
 */
#ifndef AIOT_SBI_SERVER_H
#define AIOT_SBI_SERVER_H
#include <stddef.h>
#include <stdint.h>

typedef struct sbi_server sbi_server;

typedef struct sbi_header {
	const char *name; /* lowercase */
	const char *value;
} sbi_header;

#define SBI_PEER_ID_MAX 255 /* octets of sbi_request.peer_id */

typedef struct sbi_request {
	const char *method;       /* "GET", "POST", ... */
	const char *path;         /* ":path" without the query, percent-decoding NOT applied */
	const char *query;        /* after '?', or NULL */
	const char *content_type; /* or NULL */
	const uint8_t *body;      /* NUL-terminated for convenience; body_len excludes the NUL */
	size_t body_len;
	const sbi_header *headers; /* all request headers */
	size_t nheaders;
	int worker; /* index of the worker thread, 0..workers-1 */
	/* Mutual TLS: the NF instance ID of the client certificate's URI SAN
	 * "urn:uuid:<nfInstanceId>" (TS 33.310 6.1.3c), lowercase; NULL when there is none. */
	const char *peer_nf_instance;
	/* Mutual TLS: the verified client certificate's identity, its first URI SAN, else its
	 * subject CN (printable ASCII); NULL when there is none. */
	const char *peer_id;
} sbi_request;

typedef struct sbi_response {
	int status;
	const char *content_type; /* static string, e.g. "application/json" */
	char *body;               /* malloc'd; the server frees it. NULL = no body */
	size_t body_len;
	sbi_header extra[4]; /* extra response headers (static or malloc'd? static only) */
	size_t nextra;
	int sensitive; /* body holds a key (K_AIOTF): wiped before it is freed */
} sbi_response;

/* A handler fills resp synchronously, or calls sbi_defer() and completes later. */
typedef void (*sbi_handler)(void *app, const sbi_request *req, sbi_response *resp);

typedef struct sbi_pending sbi_pending;
/* Inside a handler: the response will come later through sbi_complete() (any thread). The
 * request's memory stays valid until then. If the client goes away first, completion is
 * still required and is then a no-op. */
sbi_pending *sbi_defer(const sbi_request *req);
void sbi_complete(sbi_pending *p, sbi_response *resp);

typedef struct sbi_server_cfg {
	const char *listen;   /* "ADDR:PORT" ("[::1]:PORT" for IPv6); port 0 = ephemeral */
	int workers;          /* >= 1 */
	const char *tls_cert; /* PEM; NULL = cleartext h2c */
	const char *tls_key;
	const char *tls_ca;         /* PEM CA bundle; set = client certificates required */
	const char *metrics_listen; /* "ADDR:PORT" for GET /metrics over HTTP/1.1, or NULL */
	size_t max_body;            /* default 1 MiB */
	size_t max_header;          /* default 16 KiB */
	uint32_t max_streams;       /* default 128 */
	uint32_t max_pending;       /* in-flight requests, all workers; default 4096 */
	uint32_t max_connections;   /* open connections, all workers; default 1024 */
	uint32_t idle_timeout_ms;   /* default 60000 */
	uint32_t body_timeout_ms;   /* a request's headers + body; default 10000 */
	uint32_t retry_after_s;     /* Retry-After of the 503; default 1 */
	/* Bytes of answers not yet sent and of request bodies not yet complete, per connection
	 * and over all connections: at the budget a new request is answered 503 without calling
	 * the handler (and a growing body gets 503). Defaults 16 MiB and 256 MiB. */
	size_t max_conn_memory;
	size_t max_memory;
	uint32_t handshake_timeout_ms; /* accept to end of TLS handshake, fixed; default 10000 */
	sbi_handler handler;
	void *app;
	/* Appends application metrics (Prometheus text) to the /metrics page; may be NULL.
	 * Returns a malloc'd string or NULL. */
	char *(*metrics)(void *app);
	/* The service operations (NULL-terminated names, may be NULL) and the index of a
	 * request's one among them (-1 or NULL: "other"), for the latency histogram
	 * aiot_sbi_request_duration_seconds{op=...} of /metrics. Called in the worker. */
	const char *const *operations;
	int (*operation)(const sbi_request *req);
	/* Authorization of every SBI request before its handler (TS 33.501 13.4.1.2, OAuth 2.0
	 * at the producer; src/oauth/oauth_guard.h is the one the NFs use), called in the worker
	 * with the request's operation index (as above): 0 lets the request through; otherwise
	 * it filled resp (401/403 ProblemDetails) and the handler is not called. NULL: none.
	 * The /metrics listener is not an SBI service and never passes here. */
	int (*authorize)(void *auth, const sbi_request *req, int op, sbi_response *resp);
	void *auth;
	char *(*auth_metrics)(void *auth); /* appended to /metrics like metrics(); may be NULL */
} sbi_server_cfg;

/* Bind and start the workers. NULL on failure, with a message in err. */
sbi_server *sbi_server_start(const sbi_server_cfg *cfg, char *err, size_t errlen);
/* The port actually bound (useful with port 0). */
int sbi_server_port(const sbi_server *s);
int sbi_server_metrics_port(const sbi_server *s);
/* Stop accepting, finish in-flight streams (bounded wait), join the workers, free. */
void sbi_server_stop(sbi_server *s);

/* Helpers for handlers. problem(): an application/problem+json ProblemDetails
 * {"title","status","detail","cause"} (TS 29.571 5.2.4.1); cause may be NULL. */
void sbi_problem(sbi_response *resp, int status, const char *cause, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* 1 when cause is one TS 29.500 Table 5.2.7.2-1 defines for status (or NULL: cause is
 * optional), else 0. sbi_problem() checks it in debug builds. */
int sbi_cause_valid(int status, const char *cause);
/* Takes ownership of a malloc'd JSON text. */
void sbi_json(sbi_response *resp, int status, char *json);
/* Writes str as the body of a JSON string (RFC 8259 7: no quotes added); invalid UTF-8
 * becomes U+FFFD. Returns the bytes written (out may be NULL to measure). */
size_t sbi_json_escape(char *out, const char *str);

#endif
