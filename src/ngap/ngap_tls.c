/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS contexts of the NG link (ngap_tls.h): TLS 1.3 only, with the SBI's options (sbi_tls.h),
 * certificates on both sides (the NDS/IP role of TS 33.210 taken by TLS, as TS 33.501 9.2
 * allows for N2). The private key is read from the descriptor that was checked (owner, mode
 * 0600 or stricter, no symbolic link: private_file.h), so no other file can be swapped in.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <event2/bufferevent.h>
#include <event2/util.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "ngap_tls.h"
#include "sbi/sbi_tls.h"
#include "store/private_file.h"

static void tls_fail(char *err, size_t errlen, const char *what, const char *path)
{
	char e[200];

	sbi_tls_error(e, sizeof e, "unknown error");
	snprintf(err, errlen, "NG TLS: %s %s: %s", what, path ? path : "", e);
}

static int load_key(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
	char e[300];
	int fd = aiot_private_open("NG TLS private key", path, O_RDONLY, e, sizeof e);
	FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
	EVP_PKEY *k = NULL;
	int rc = -1;

	if (f == NULL) {
		snprintf(err, errlen, "%s", fd >= 0 ? "NG TLS private key: fdopen failed" : e);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	k = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (k == NULL || SSL_CTX_use_PrivateKey(ctx, k) != 1)
		tls_fail(err, errlen, "private key", path);
	else if (SSL_CTX_check_private_key(ctx) != 1)
		tls_fail(err, errlen, "private key does not match the certificate", path);
	else
		rc = 0;
	EVP_PKEY_free(k); /* the context holds its own reference */
	return rc;
}

static SSL_CTX *ctx_with_cert(const SSL_METHOD *m, const char *cert, const char *key, char *err,
                              size_t errlen)
{
	SSL_CTX *ctx = sbi_tls_ctx_new(m, err, errlen);

	if (ctx == NULL || cert == NULL)
		return ctx;
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		tls_fail(err, errlen, "certificate", cert);
		goto fail;
	}
	if (load_key(ctx, key, err, errlen) != 0)
		goto fail;
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

ngap_tls_ctx *ngap_tls_server_ctx(const char *cert, const char *key, const char *ca,
                                  int require_peer, char *err, size_t errlen)
{
	SSL_CTX *ctx = NULL;
	STACK_OF(X509_NAME) *names = NULL;

	if (cert == NULL || key == NULL || (require_peer && ca == NULL)) {
		snprintf(err, errlen, "NG TLS: a certificate and its key%s are needed",
		         require_peer ? ", and the readers' CA," : "");
		return NULL;
	}
	if ((ctx = ctx_with_cert(TLS_server_method(), cert, key, err, errlen)) == NULL)
		return NULL;
	if (ca != NULL) {
		/* RFC 8446 4.3.2: the CertificateRequest names the CA readers must chain to */
		if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1 ||
		    (names = SSL_load_client_CA_file(ca)) == NULL) {
			tls_fail(err, errlen, "CA file", ca);
			SSL_CTX_free(ctx);
			return NULL;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(
		    ctx, SSL_VERIFY_PEER | (require_peer ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
		    NULL);
	}
	/* one link per reader, kept for hours: no session resumption to manage */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
}

ngap_tls_ctx *ngap_tls_client_ctx(const char *ca, const char *cert, const char *key, char *err,
                                  size_t errlen)
{
	SSL_CTX *ctx;

	if (ca == NULL || (cert == NULL) != (key == NULL)) {
		snprintf(err, errlen,
		         "NG TLS: the AIOTF's CA is needed; certificate and key go "
		         "together");
		return NULL;
	}
	if ((ctx = ctx_with_cert(TLS_client_method(), cert, key, err, errlen)) == NULL)
		return NULL;
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		tls_fail(err, errlen, "CA file", ca);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

void ngap_tls_ctx_free(ngap_tls_ctx *ctx)
{
	SSL_CTX_free(ctx);
}

struct ssl_st *ngap_tls_peer(ngap_tls_ctx *ctx, const char *addr, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	size_t n = colon != NULL ? (size_t)(colon - addr) : 0;
	SSL *ssl;

	if (n >= 2 && addr[0] == '[' && addr[n - 1] == ']') { /* "[V6]:PORT" */
		addr++;
		n -= 2;
	}
	if (n == 0 || n >= sizeof host) {
		snprintf(err, errlen, "NG TLS: no host in \"%s\" to verify the AIOTF as", addr);
		return NULL;
	}
	memcpy(host, addr, n);
	host[n] = '\0';
	if ((ssl = SSL_new(ctx)) == NULL || sbi_tls_set_peer_name(ssl, host) != 0) {
		tls_fail(err, errlen, "peer name", host);
		SSL_free(ssl);
		return NULL;
	}
	return ssl;
}

void ngap_tls_bev_error(struct bufferevent *bev, char *buf, size_t len)
{
	int e = EVUTIL_SOCKET_ERROR();

	if (sbi_tls_bev_error(bev, buf, len) != 0)
		snprintf(buf, len, "TLS handshake: %s",
		         e ? evutil_socket_error_to_string(e) : "peer closed the connection");
}

int ngap_tls_describe(struct ssl_st *ssl, char *buf, size_t len)
{
	X509 *peer = ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL;
	char subj[256] = "none";

	if (ssl == NULL)
		return -1;
	if (peer != NULL)
		X509_NAME_oneline(X509_get_subject_name(peer), subj, sizeof subj);
	snprintf(buf, len, "%s %s, peer certificate %s", SSL_get_version(ssl),
	         SSL_get_cipher_name(ssl), subj);
	return 0;
}
