/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI server's parts (private to src/sbi; the API is sbi_server.h). One owner each:
 *   sbi_server.c   configuration defaults, start and stop of the server
 *   sbi_listen.c   listening sockets, accept, the connection bound, the EMFILE pause
 *   sbi_conn.c     a connection's life: bufferevent, TLS handshake end, nghttp2 I/O, free
 *   sbi_h2.c       the HTTP/2 session: nghttp2 callbacks, streams, answers, the hand-off
 *   sbi_request.c  request assembly (headers, body, the handler's view): no I/O
 *   sbi_work.c     worker threads, the completion queue, sbi_defer() / sbi_complete()
 *   sbi_limits.c   timeouts (sweep), memory budget, rapid-reset bucket, handshake eviction
 *
 * Threads. Every connection, stream and worker field belongs to the worker thread whose event
 * base runs the connection; nothing here is shared between workers except the server's
 * configuration (read-only after start) and its atomic metrics. The one structure touched
 * from other threads is a worker's completion queue (struct sbi_wq): its list and flags under
 * wq->lock, its reference count atomic. No lock is held while calling the application.
 *
 * A pending request (sbi_pending) has exactly one owner at a time, handed over explicitly:
 *   1. the stream (worker thread): on_begin_headers() allocates it (sbi_pending_new) into
 *      st->p; assembly fills it (sbi_request.c). Rejected before the handler, answered
 *      synchronously by the handler, or left by a stream that goes away, it is freed by the
 *      stream (stream_drop_request in sbi_h2.c);
 *   2. the application: a handler that calls sbi_defer() takes it (p->deferred, and one
 *      reference on the worker's wq) until it calls sbi_complete(), on any thread; the
 *      request's memory stays valid until then. st->p and p->stream are then only links,
 *      read on the worker thread; a stream that goes first unlinks (p->stream = NULL);
 *   3. the completion queue: sbi_complete() moves the answer into p and queues p on its
 *      worker's wq (under wq->lock); the worker takes the queue (wake_cb), answers the
 *      stream if it is still linked, and frees p. A worker that is gone (wq->dead) never
 *      takes it: sbi_complete() frees p itself, and sbi_worker_destroy() frees what was
 *      queued.
 * sbi_pending_free() is the only free; it releases the wq reference of a deferred request.
 * The in-flight slot (p->counted, w->npending: TS 29.500 6.4) is taken at the hand-off and
 * released by sbi_pending_uncount() when the answer reaches the worker (at once if synchronous).
 */
#ifndef AIOT_SBI_SRV_H
#define AIOT_SBI_SRV_H
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/event.h>
#include <nghttp2/nghttp2.h>
#include <openssl/ssl.h>

#include "common/clock.h"
#include "sbi/sbi_internal.h"
#include "sbi/sbi_server.h"

#define OUT_HIGH_WATER (64u << 10) /* stop serialising frames above this much queued */
#define STREAM_WINDOW (256u << 10) /* RFC 9113 6.9.2 SETTINGS_INITIAL_WINDOW_SIZE */
#define CONN_WINDOW (4u << 20)
#define STOP_GRACE_MS 2000            /* in-flight streams get this long after GOAWAY */
#define BODY_PREALLOC_MAX (64u << 10) /* content-length is a claim: grow past this on data */
#define CLOSE_GRACE_MS 2000u          /* a GOAWAY'd connection that does not go is freed */
/* RST_STREAM from a client: token bucket of RST_BURST refilled at RST_RATE_PER_S
 * (CVE-2023-44487). Strictly inside libnghttp2's own rapid-reset limit (burst 1000, 33/s,
 * which answers GOAWAY(INTERNAL_ERROR) and is not counted), so that ours always acts first
 * and the flood is reported as ENHANCE_YOUR_CALM and counted as reset_flood. */
#define RST_BURST 900u
#define RST_RATE_PER_S 30u
#define NO_OFF SIZE_MAX

struct sbi_conn;
struct sbi_stream;
struct sbi_worker;

/* A worker's completion queue; outlives the worker while deferred requests hold a ref. */
struct sbi_wq {
	pthread_mutex_t lock;
	_Atomic int refs;
	int dead;           /* worker gone: completions only free */
	int stopping;       /* sbi_server_stop() asked the worker to stop */
	struct event *wake; /* NULL once dead */
	sbi_pending *head, *tail;
};

/* One request: what the handler sees plus its storage (ownership: the header comment). */
struct sbi_pending {
	sbi_request req;           /* first: sbi_defer() maps req back to its sbi_pending */
	struct sbi_stream *stream; /* NULL once the stream is gone (worker thread only) */
	struct sbi_wq *wq;
	int deferred;
	int counted;       /* in the worker's npending (worker thread only) */
	sbi_pending *next; /* wq link */
	sbi_response resp; /* set by sbi_complete() */
	char *hbuf;        /* "name\0value\0" for every field, pseudo-headers included */
	size_t hlen, hcap;
	size_t *hoff; /* offsets of the regular header names in hbuf */
	size_t nh, hoff_cap;
	size_t method_off, path_off, ct_off;
	sbi_header *hdrs;
	uint8_t *body;
	size_t blen, bcap;
	size_t hdr_bytes; /* RFC 7541 4.1 accounting: name + value + 32 per field */
	int64_t content_length;
	uint64_t t_handed_us; /* monotonic: handed to the application */
	int op;               /* cfg.operation() of the request, for the latency histogram */
	char peer_nf[37];     /* the connection's, copied: a deferred request may outlive it */
	char peer_id[SBI_PEER_ID_MAX + 1]; /* likewise */
};

struct sbi_stream {
	struct sbi_conn *conn;
	int32_t id;
	struct sbi_stream *prev, *next;
	sbi_pending *p; /* the request while the stream owns it or links to it (header) */
	int reject;     /* decided error status: the rest of the request is discarded */
	int responded;
	int head;         /* HEAD: no body in the response */
	int handed;       /* given to the handler: the application owes the response */
	int headers_done; /* the request header block has ended */
	uint64_t t_start; /* ms, monotonic: HEADERS received */
	char *resp_body;
	size_t resp_len, resp_off;
	int resp_sensitive;        /* sbi_response.sensitive */
	int sending;               /* the answer has a body to send through flow control */
	uint64_t t_progress;       /* ms: answer submitted, or some of its body sent */
	size_t mem_body, mem_resp; /* bytes charged to the memory budget (sbi_mem_charge) */
};

struct sbi_conn {
	struct sbi_worker *w;
	struct bufferevent *bev;
	nghttp2_session *h2; /* NULL until the TLS handshake selected h2 */
	struct sbi_stream *streams;
	size_t nstreams;
	struct sbi_conn *prev, *next;
	struct sbi_conn *dirty_next;
	int dirty;
	int tls;
	uint64_t t_accept; /* ms, monotonic: accepted (the TLS handshake deadline runs from it) */
	uint64_t
	    t_active;     /* ms: last request frame (HEADERS, DATA) received or answer bytes sent */
	uint64_t t_write; /* ms: last bytes drained from the output, or output became non-empty */
	uint64_t t_closing; /* ms: GOAWAY queued by the sweep; 0 = not closing */
	struct evbuffer_cb_entry *out_cb;
	size_t mem;          /* bytes charged by its streams */
	uint32_t rst_tokens; /* "rapid reset" bucket */
	uint64_t t_rst;      /* ms: last refill */
	char peer_nf[37];    /* mutual TLS: the peer's NF instance ID (URI SAN), or "" */
	char peer_id[SBI_PEER_ID_MAX + 1]; /* mutual TLS: sbi_request.peer_id, or "" */
};

struct sbi_worker {
	sbi_server *srv;
	int index;
	int started;
	int stopping;
	pthread_t thread;
	struct event_base *base;
	struct evconnlistener *lst;
	struct event *wake_ev;
	struct event *stop_timer;
	struct event *accept_retry;
	struct sbi_wq *wq;
	struct sbi_conn *conns;
	size_t nconns;
	struct sbi_conn *dirty;
	struct event *sweep; /* periodic: body and idle timeouts */
	size_t npending;     /* requests handed to the handler, not yet answered */
	size_t max_pending;  /* this worker's share of cfg.max_pending */
	size_t max_conns;    /* this worker's share of cfg.max_connections */
};

struct sbi_server {
	sbi_server_cfg cfg;
	SSL_CTX *ssl;
	nghttp2_session_callbacks *cbs;
	nghttp2_option *opt;
	int port;
	int nworkers;
	struct sbi_worker *workers;
	sbi_metrics metrics;
};

/* ---- sbi_request.c: assembly of one request, no I/O ---------------------------------------- */

/* An empty request (p zeroed by its allocator). */
void sbi_req_init(sbi_pending *p);
/* Frees what p holds (headers, body, the answer), not p itself. */
void sbi_req_clear(sbi_pending *p);
/* One header field (pseudo-headers included). 0 or -1 (out of memory). */
int sbi_req_add_header(sbi_pending *p, const uint8_t *name, size_t nl, const uint8_t *value,
                       size_t vl);
/* Appends body bytes (kept NUL-terminated). 0 or -1 (out of memory). */
int sbi_req_add_body(sbi_pending *p, const uint8_t *data, size_t len);
/* Builds the handler's view (p->req) of a complete request. 0 or -1 (out of memory). */
int sbi_req_finish(sbi_pending *p, int worker);
/* Every response body is freed here: one holding a key is wiped first. */
void sbi_body_free(char *body, int sensitive);
void sbi_resp_drop(sbi_response *resp);

/* ---- sbi_h2.c: the HTTP/2 session ---------------------------------------------------------- */

nghttp2_session_callbacks *sbi_h2_callbacks(void);
/* Server session + SETTINGS on c (GOAWAY at once if the worker is stopping). 0 or -1. */
int sbi_h2_start(struct sbi_conn *c);
/* Submits resp on st (takes resp->body). */
void sbi_stream_respond(struct sbi_stream *st, sbi_response *resp);
/* Answers st with a ProblemDetails now and drops the request (TS 29.500 5.2.7). */
void sbi_stream_reject(struct sbi_stream *st, int status, enum sbi_reject_reason why,
                       const char *detail);
/* Unlinks and frees st (with its request, unless the application owns it). */
void sbi_stream_free(struct sbi_stream *st);

/* ---- sbi_conn.c: a connection's life ------------------------------------------------------- */

/* Takes fd (closed on failure): a new connection of w. */
void sbi_conn_new(struct sbi_worker *w, evutil_socket_t fd);
void sbi_conn_free(struct sbi_conn *c);
/* Serialises frames into the bufferevent; closes the connection when nghttp2 is done. */
void sbi_conn_flush(struct sbi_conn *c);
/* c has frames to send: flushed by sbi_conn_flush_dirty() at the end of the current event. */
void sbi_conn_mark_dirty(struct sbi_conn *c);
void sbi_conn_flush_dirty(struct sbi_worker *w);

/* ---- sbi_limits.c: timeouts and limits ----------------------------------------------------- */

/* Sets what *slot (a stream's share) charges to the connection's and the server's budget. */
void sbi_mem_charge(struct sbi_stream *st, size_t *slot, size_t bytes);
/* 1 when `more` bytes would take c past its budget or the server past its own. */
int sbi_over_budget(struct sbi_conn *c, size_t more);
/* One RST_STREAM from the client; over the rate: GOAWAY(ENHANCE_YOUR_CALM). */
void sbi_rst_limit(struct sbi_conn *c);
/* At the connection bound: close the oldest connection in its TLS handshake. 1 if one was. */
int sbi_evict_handshake(struct sbi_worker *w);
/* The periodic sweep's event callback and its period (a quarter of the shortest timeout). */
void sbi_sweep_cb(evutil_socket_t fd, short what, void *arg);
struct timeval sbi_sweep_period(const sbi_server_cfg *cfg);

/* ---- sbi_listen.c: listening sockets ------------------------------------------------------- */

/* Probe (no SO_REUSEPORT) that no other process listens on ss (port != 0). 0 or -1. */
int sbi_listen_port_free(const struct sockaddr_storage *ss, socklen_t sl, char *err, size_t errlen,
                         const char *listen_str);
/* A non-blocking SO_REUSEPORT listening socket on ss with port, or -1. */
int sbi_listen_socket(const struct sockaddr_storage *ss, socklen_t sl, int port, char *err,
                      size_t errlen, const char *listen_str);
/* w's listener on fd (taken): accept, the connection bound, the EMFILE pause. 0 or -1. */
int sbi_listen_start(struct sbi_worker *w, int fd);
/* Stop accepting: frees the listener and its retry timer (idempotent). */
void sbi_listen_stop(struct sbi_worker *w);

/* ---- sbi_work.c: workers and the completion queue ------------------------------------------ */

/* A new, empty request of worker w's connection (NULL: out of memory). */
sbi_pending *sbi_pending_new(struct sbi_worker *w);
/* The one place a request is freed; a deferred one releases its wq reference. */
void sbi_pending_free(sbi_pending *p);
/* The application answered (or will never be asked to): release the in-flight slot. */
void sbi_pending_uncount(struct sbi_worker *w, sbi_pending *p);
/* Event base, queue, timers, listener on fd (taken). 0 or -1 (message in err). */
int sbi_worker_init(sbi_server *s, struct sbi_worker *w, int fd, char *err, size_t errlen);
/* The worker's thread. 0 or -1. */
int sbi_worker_start(struct sbi_worker *w);
/* From any thread: ask a running worker to stop (GOAWAY, grace, then the loop ends). */
void sbi_worker_ask_stop(struct sbi_worker *w);
/* After the worker thread has ended (or never started). */
void sbi_worker_destroy(struct sbi_worker *w);

#endif
