/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The parts of the SBI's TLS setup (sbi_tls.c) that the NG link (src/ngap/ngap_tls.c) reuses:
 * a TLS 1.3-only context with the tree's options, the peer name a client verifies, and the
 * OpenSSL error text. sbi_tls.c owns them.
 */
#ifndef AIOT_SBI_TLS_H
#define AIOT_SBI_TLS_H
#include <stddef.h>

#include <openssl/ssl.h>

/* TLS 1.3 only, no compression nor renegotiation, plaintext records wiped when freed. */
SSL_CTX *sbi_tls_ctx_new(const SSL_METHOD *method, char *err, size_t errlen);
/* Verify the server as name: a DNS name (also sent as SNI) or an IP literal (RFC 6066 3: no
 * IP in SNI), matched against the certificate's subjectAltName. 0 or -1. */
int sbi_tls_set_peer_name(SSL *ssl, const char *name);
/* What failed in a TLS bufferevent: "TLS: <first OpenSSL error> (<certificate verification
 * result>)" in buf; -1 (buf untouched) when it queued no OpenSSL error. */
struct bufferevent;
int sbi_tls_bev_error(struct bufferevent *bev, char *buf, size_t len);
/* The oldest queued OpenSSL error as text (or fallback), clearing the queue. */
void sbi_tls_error(char *buf, size_t len, const char *fallback);

#endif
