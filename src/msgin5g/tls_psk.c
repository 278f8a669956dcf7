/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The TLS profile of the AKMA AF (TS 33.535 Annex B, TS 24.109 K.3; docs/security.md
 * "MSGin5G"): TLS 1.3 only, TLS_AES_128_GCM_SHA256 only, external PSK K_AF for identity
 * "3GPP-AKMA" || A-KID, no certificate, no session tickets (every session is a fresh AKMA
 * key use), and psk_dhe_ke only: OpenSSL 3.0 accepts psk_ke only with
 * SSL_OP_ALLOW_NO_DHE_KEX, which is cleared here.
 * The optional, non-normative SEAL KM (solution #5) adds the identity "SEAL-KM" || key id,
 * its PSK fetched the same way from the KM (a second kaf_cache, s->km).
 * Asynchronous key lookup: the ClientHello callback reads the identity from the
 * pre_shared_key extension; when K_AF is not cached it starts the AAnF fetch and returns
 * SSL_CLIENT_HELLO_RETRY (the handshake pauses; server.c resumes it when the fetch ends);
 * the PSK find-session callback then builds the session from the cached key.
 */
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

#include "common/aiot_err.h"
#include "server_internal.h"
#include "svc/log.h"

#define EXT_PRE_SHARED_KEY 41 /* RFC 8446 4.2 */

/* The key source of a PSK identity, its A-KID or key id into id_out; NULL when the identity
 * is malformed, or SEAL-KM without a KM configured. */
static kaf_cache *key_source(m5_server *s, const uint8_t *id, size_t len,
                             char id_out[MSGIN5G_AKID_MAX + 1])
{
	if (msgin5g_psk_akid(id, len, id_out) == AIOT_OK)
		return s->keys;
	if (s->km != NULL && msgin5g_psk_seal_key_id(id, len, id_out) == AIOT_OK)
		return s->km;
	return NULL;
}

static int on_client_hello(SSL *ssl, int *al, void *arg)
{
	m5_server *s = arg;
	m5_conn *c = SSL_get_app_data(ssl);
	const unsigned char *ext, *id;
	size_t len, id_len;
	if (c->key == KEY_READY)
		return SSL_CLIENT_HELLO_SUCCESS; /* resumed after the fetch */
	if (c->key == KEY_FAILED) {
		*al = SSL_AD_UNKNOWN_PSK_IDENTITY;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (!SSL_client_hello_get0_ext(ssl, EXT_PRE_SHARED_KEY, &ext, &len) ||
	    msgin5g_psk_find_identity(ext, len, &id, &id_len) != 0 ||
	    (c->src = key_source(s, id, id_len, c->akid)) == NULL) {
		s->st.hs_no_psk++;
		c->key = KEY_FAILED;
		log_info("%s: handshake refused: no PSK identity 3GPP-AKMA<A-KID>%s", c->peer,
		         s->km != NULL ? " or SEAL-KM<key id>" : "");
		*al = SSL_AD_UNKNOWN_PSK_IDENTITY;
		return SSL_CLIENT_HELLO_ERROR;
	}
	if (kaf_cache_get(c->src, c->akid) != NULL) {
		c->key = KEY_READY;
		return SSL_CLIENT_HELLO_SUCCESS;
	}
	if (kaf_cache_fetch(c->src, c->akid) != 0) {
		s->st.hs_aanf_error++;
		c->key = KEY_FAILED;
		log_warn("%s: handshake refused: too many key requests in flight", c->peer);
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_CLIENT_HELLO_ERROR;
	}
	c->key = KEY_WAIT;
	return SSL_CLIENT_HELLO_RETRY;
}

/* RFC 8446 4.2.11: the session of an external PSK; *sess NULL: this identity is not ours. */
static int on_find_psk(SSL *ssl, const unsigned char *identity, size_t identity_len,
                       SSL_SESSION **sess)
{
	static const unsigned char aes128gcm_sha256[2] = {0x13, 0x01};
	m5_conn *c = SSL_get_app_data(ssl);
	char akid[MSGIN5G_AKID_MAX + 1];
	const kaf_key *k;
	SSL_SESSION *ss = NULL;
	const SSL_CIPHER *cipher = SSL_CIPHER_find(ssl, aes128gcm_sha256);
	*sess = NULL;
	if (c->src == NULL || key_source(c->s, identity, identity_len, akid) != c->src ||
	    strcmp(akid, c->akid) != 0 || (k = kaf_cache_get(c->src, akid)) == NULL)
		return 1;
	if (cipher == NULL || (ss = SSL_SESSION_new()) == NULL ||
	    !SSL_SESSION_set1_master_key(ss, k->kaf, sizeof k->kaf) ||
	    !SSL_SESSION_set_cipher(ss, cipher) ||
	    !SSL_SESSION_set_protocol_version(ss, TLS1_3_VERSION)) {
		SSL_SESSION_free(ss);
		return 0;
	}
	snprintf(c->supi, sizeof c->supi, "%s", k->supi);
	*sess = ss;
	return 1;
}

SSL_CTX *m5_tls_ctx(m5_server *s, char *err, size_t errlen)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL || !SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) ||
	    !SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256") ||
	    !SSL_CTX_set_num_tickets(ctx, 0)) {
		snprintf(err, errlen, "TLS context: %s", ERR_reason_error_string(ERR_get_error()));
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_clear_options(ctx, SSL_OP_ALLOW_NO_DHE_KEX); /* psk_dhe_ke only */
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);          /* no resumption either */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_max_early_data(ctx, 0); /* no 0-RTT */
	SSL_CTX_set_client_hello_cb(ctx, on_client_hello, s);
	SSL_CTX_set_psk_find_session_callback(ctx, on_find_psk);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}
