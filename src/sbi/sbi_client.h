/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The SBI HTTP/2 client: nghttp2's own client session (not libcurl) on a
 * libevent base the caller owns, over TCP (h2c prior knowledge) or TLS 1.3 with ALPN "h2"
 * and an optional client certificate. One sbi_client is one connection with many
 * concurrent streams; it reconnects on demand. Not thread-safe: use it from its base's
 * thread.
 */
#ifndef AIOT_SBI_CLIENT_H
#define AIOT_SBI_CLIENT_H
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct evdns_base;
struct ssl_ctx_st;
typedef struct sbi_client sbi_client;

typedef struct sbi_client_cfg {
	const char *host; /* IP address or name */
	int port;
	const char *tls_ca;   /* PEM CA to verify the server; NULL = cleartext h2c */
	const char *tls_cert; /* client certificate (mutual TLS), optional */
	const char *tls_key;
	const char *tls_server_name; /* SNI / verification name; default host */
	int timeout_ms;              /* per request; default 5000 */
	/* Made once at start and shared, so that a new client reads no file on the event
	 * loop (the CA and certificate files; /etc/resolv.conf and /etc/hosts for a name):
	 * tls_ctx from sbi_client_tls_ctx() instead of tls_ca/cert/key (the client keeps a
	 * reference); dns a resolver on the same base that outlives the client. */
	struct ssl_ctx_st *tls_ctx;
	struct evdns_base *dns;
} sbi_client_cfg;

/* A TLS 1.3 client context trusting ca, with an optional client certificate; NULL with
 * err. Free with sbi_client_tls_ctx_free() (clients hold their own references). */
struct ssl_ctx_st *sbi_client_tls_ctx(const char *ca, const char *cert, const char *key, char *err,
                                      size_t errlen);
void sbi_client_tls_ctx_free(struct ssl_ctx_st *ctx);

typedef struct sbi_client_response {
	int status;        /* HTTP status, or 0 when the request failed (see error) */
	const char *error; /* transport failure text, or NULL */
	const char *content_type;
	const uint8_t *body; /* NUL-terminated */
	size_t body_len;
} sbi_client_response;

typedef void (*sbi_client_cb)(void *arg, const sbi_client_response *resp);

sbi_client *sbi_client_new(struct event_base *base, const sbi_client_cfg *cfg, char *err,
                           size_t errlen);
void sbi_client_free(sbi_client *c);

/* Queue a request; cb runs exactly once (success, HTTP error, timeout or transport
 * failure) from the event loop, never from inside this call. Returns 0, or -1 when the
 * request could not even be queued (cb is then not called). */
int sbi_client_request(sbi_client *c, const char *method, const char *path,
                       const char *content_type, const void *body, size_t body_len,
                       sbi_client_cb cb, void *arg);

/* The same with an Authorization header field (e.g. "Bearer TOKEN", RFC 6750 2.1; sent
 * never-indexed in HPACK, wiped when the request ends); NULL: none. */
int sbi_client_request_auth(sbi_client *c, const char *method, const char *path,
                            const char *content_type, const void *body, size_t body_len,
                            const char *authorization, sbi_client_cb cb, void *arg);

/* Blocking convenience for tools and tests: runs a private event loop until the response
 * arrives. Returns the status (0 on transport failure, message in err); *body_out receives
 * a malloc'd NUL-terminated body (may be NULL). */
int sbi_fetch(const sbi_client_cfg *cfg, const char *method, const char *path,
              const char *content_type, const char *body, char **body_out, char *err,
              size_t errlen);
/* sbi_fetch() with an Authorization field (RFC 6750: "Bearer <token>"; NULL: none), sent
 * never indexed (sbi_client_request_auth). */
int sbi_fetch_auth(const sbi_client_cfg *cfg, const char *method, const char *path,
                   const char *content_type, const char *body, const char *authorization,
                   char **body_out, char *err, size_t errlen);

#endif
