/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TLS contexts for the SBI (TS 33.501 13.1: TLS on the SBI; TS 29.500 5.2: HTTP/2 over
 * TLS). TLS 1.3 only, ALPN "h2" (RFC 9113 3.2); a peer that does not negotiate h2 is refused.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include "sbi/sbi_internal.h"
#include "sbi/sbi_tls.h"
#include "svc/nf_id.h"

static const unsigned char alpn_h2[] = {2, 'h', '2'};

void sbi_tls_error(char *buf, size_t len, const char *fallback)
{
	unsigned long e = ERR_get_error();

	if (len == 0)
		return;
	if (e == 0)
		snprintf(buf, len, "%s", fallback);
	else
		ERR_error_string_n(e, buf, len);
	ERR_clear_error();
}

static void ctx_error(char *err, size_t errlen, const char *what, const char *path)
{
	char e[200];

	sbi_tls_error(e, sizeof(e), "unknown error");
	snprintf(err, errlen, "%s %s: %s", what, path ? path : "", e);
}

/* RFC 7301 3.2: no common protocol -> no_application_protocol alert. */
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned int i = 0;

	(void)ssl;
	(void)arg;
	while (i < inlen) {
		unsigned int l = in[i];

		if (l == 0 || i + 1 + l > inlen)
			break;
		if (l == 2 && memcmp(in + i + 1, "h2", 2) == 0) {
			*out = in + i + 1;
			*outlen = 2;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + l;
	}
	return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static int load_cert_key(SSL_CTX *ctx, const char *cert, const char *key, char *err, size_t errlen)
{
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
		ctx_error(err, errlen, "certificate", cert);
		return -1;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1) {
		ctx_error(err, errlen, "private key", key ? key : cert);
		return -1;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		ctx_error(err, errlen, "key does not match certificate", cert);
		return -1;
	}
	return 0;
}

SSL_CTX *sbi_tls_ctx_new(const SSL_METHOD *method, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(method);

	if (ctx == NULL) {
		ctx_error(err, errlen, "SSL_CTX_new", NULL);
		return NULL;
	}
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
		ctx_error(err, errlen, "TLS 1.3", NULL);
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	/* plaintext records may hold K_AIOTF: wiped when OpenSSL frees them */
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
	                             SSL_OP_CLEANSE_PLAINTEXT);
	return ctx;
}

SSL_CTX *sbi_tls_server_ctx(const char *cert, const char *key, const char *ca, char *err,
                            size_t errlen)
{
	SSL_CTX *ctx = sbi_tls_ctx_new(TLS_server_method(), err, errlen);

	if (ctx == NULL)
		return NULL;
	if (load_cert_key(ctx, cert, key, err, errlen) != 0)
		goto fail;
	if (ca != NULL) {
		STACK_OF(X509_NAME) * names;

		if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
			ctx_error(err, errlen, "CA file", ca);
			goto fail;
		}
		names = SSL_load_client_CA_file(ca);
		if (names == NULL) {
			ctx_error(err, errlen, "CA names", ca);
			goto fail;
		}
		SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

SSL_CTX *sbi_tls_client_ctx(const char *ca, const char *cert, const char *key, char *err,
                            size_t errlen)
{
	SSL_CTX *ctx = sbi_tls_ctx_new(TLS_client_method(), err, errlen);

	if (ctx == NULL)
		return NULL;
	if (SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		ctx_error(err, errlen, "CA file", ca);
		goto fail;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (cert != NULL && load_cert_key(ctx, cert, key, err, errlen) != 0)
		goto fail;
	if (SSL_CTX_set_alpn_protos(ctx, alpn_h2, sizeof(alpn_h2)) != 0) {
		ctx_error(err, errlen, "ALPN", NULL);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

int sbi_tls_set_peer_name(SSL *ssl, const char *name)
{
	unsigned char ip[16];
	int is_ip = inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1;

	if (is_ip)
		return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 ? 0 : -1;
	return SSL_set_tlsext_host_name(ssl, name) == 1 && SSL_set1_host(ssl, name) == 1 ? 0 : -1;
}

int sbi_tls_bev_error(struct bufferevent *bev, char *buf, size_t len)
{
	unsigned long e, first = 0;
	int any = 0;
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	long vr = ssl ? SSL_get_verify_result(ssl) : X509_V_OK;
	char what[160];

	/* libevent also queues SSL_get_error() codes (library 0): skip those */
	while ((e = bufferevent_get_openssl_error(bev)) != 0) {
		any = 1;
		if (first == 0 && ERR_GET_LIB(e) != 0)
			first = e;
	}
	if (!any)
		return -1;
	if (first != 0)
		ERR_error_string_n(first, what, sizeof what);
	else
		snprintf(what, sizeof what, "handshake failed");
	if (vr != X509_V_OK)
		snprintf(buf, len, "TLS: %s (%s)", what, X509_verify_cert_error_string(vr));
	else
		snprintf(buf, len, "TLS: %s", what);
	return 0;
}

/* 1 when p[0..n) is 1..SBI_PEER_ID_MAX printable ASCII characters. */
static int printable(const unsigned char *p, int n)
{
	if (n <= 0 || n > SBI_PEER_ID_MAX)
		return 0;
	for (int i = 0; i < n; i++)
		if (p[i] < 0x21 || p[i] > 0x7e)
			return 0;
	return 1;
}

void sbi_tls_peer_id(SSL *ssl, char out[SBI_PEER_ID_MAX + 1])
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	GENERAL_NAMES *names;
	const ASN1_STRING *s = NULL;

	out[0] = '\0';
	if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK)
		return;
	names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; i < sk_GENERAL_NAME_num(names) && s == NULL; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		if (gn->type == GEN_URI)
			s = gn->d.uniformResourceIdentifier;
	}
	if (s == NULL) {
		const X509_NAME *subj = X509_get_subject_name(cert);
		int at = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
		if (at >= 0)
			s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, at));
	}
	if (s != NULL && printable(ASN1_STRING_get0_data(s), ASN1_STRING_length(s))) {
		memcpy(out, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
		out[ASN1_STRING_length(s)] = '\0';
	}
	GENERAL_NAMES_free(names);
}

int sbi_tls_alpn_is_h2(SSL *ssl)
{
	const unsigned char *p = NULL;
	unsigned int l = 0;

	SSL_get0_alpn_selected(ssl, &p, &l);
	return p != NULL && l == 2 && memcmp(p, "h2", 2) == 0;
}

void sbi_tls_peer_nf_instance(SSL *ssl, char out[37])
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	GENERAL_NAMES *names;

	out[0] = '\0';
	if (cert == NULL || SSL_get_verify_result(ssl) != X509_V_OK ||
	    (names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL)) == NULL)
		return;
	for (int i = 0; i < sk_GENERAL_NAME_num(names) && out[0] == '\0'; i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(names, i);
		const unsigned char *d;
		size_t n;
		if (gn->type != GEN_URI)
			continue;
		d = ASN1_STRING_get0_data(gn->d.uniformResourceIdentifier);
		n = (size_t)ASN1_STRING_length(gn->d.uniformResourceIdentifier);
		if (n != 9 + 36 || strncasecmp((const char *)d, "urn:uuid:", 9) != 0)
			continue;
		for (size_t j = 0; j < 36; j++)
			out[j] = (char)tolower(d[9 + j]);
		out[36] = '\0';
		if (!aiot_uuid_valid(out))
			out[0] = '\0';
	}
	GENERAL_NAMES_free(names);
}
