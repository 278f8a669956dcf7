/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS 1.3 on the NG link (docs/protocol.md §4.4, docs/backhaul.md): the contexts of the AIOTF
 * (server) and of a reader (client), both with certificates; ngap_link.c runs the records.
 * TCP only: TLS needs an ordered byte stream, and DTLS/SCTP (RFC 6083) is not offered here.
 */
#ifndef AIOT_NGAP_TLS_H
#define AIOT_NGAP_TLS_H
#include <stddef.h>

typedef struct ssl_ctx_st ngap_tls_ctx; /* an OpenSSL SSL_CTX */

/* The AIOTF: its certificate chain and key; ca (may be NULL): readers' certificates are
 * verified against it; require_peer: a reader without a certificate of ca is refused in the
 * handshake. The key file must be a regular file of this user, mode 0600 or stricter. */
ngap_tls_ctx *ngap_tls_server_ctx(const char *cert, const char *key, const char *ca,
                                  int require_peer, char *err, size_t errlen);
/* A reader: the AIOTF is verified against ca (and its name, ngap_connect_tls); cert and key
 * (both or neither) are the reader's own. */
ngap_tls_ctx *ngap_tls_client_ctx(const char *ca, const char *cert, const char *key, char *err,
                                  size_t errlen);
void ngap_tls_ctx_free(ngap_tls_ctx *ctx);

/* ---- for ngap_link.c ---- */
struct ssl_st;
struct bufferevent;
/* A connection of ctx that verifies the AIOTF as the host of addr ("HOST:PORT",
 * "[V6]:PORT"): its DNS name or IP address in the certificate's subjectAltName. */
struct ssl_st *ngap_tls_peer(ngap_tls_ctx *ctx, const char *addr, char *err, size_t errlen);
/* Why a handshake failed, for on_close. */
void ngap_tls_bev_error(struct bufferevent *bev, char *buf, size_t len);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384, peer CN=...,O=..." (no key material); 0 or -1. */
int ngap_tls_describe(struct ssl_st *ssl, char *buf, size_t len);

#endif
