/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ES256 JWS, compact serialization (RFC 7515 3.1, 7.1; RFC 7518 3.4). The verifier pins the
 * algorithm and the key: the header's alg must be "ES256" (never "none", an HMAC keyed with
 * the public key, RSA, ...), its kid the pinned key's thumbprint, and it may not carry crit
 * (RFC 7515 4.1.11: we understand no extension). Keys the header names (jku, jwk, x5u, x5c)
 * are never used. Every check runs before the signature; the claims are parsed only from a
 * token whose signature verified.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

#include "oauth/jws.h"
#include "sbi/sbi_json.h"

#define MAX_HEADER 512 /* decoded JOSE header */
#define SIG_LEN 64     /* r || s, 32 octets each */

static const char *const status_names[AIOT_JWT_STATUS_N] = {
    "ok",       "too_large",     "malformed", "bad_alg", "bad_kid", "bad_signature",
    "expired",  "not_yet_valid", "bad_iss",   "bad_aud", "bad_sub", "no_scope",
    "internal",
};

const char *aiot_jwt_status_name(aiot_jwt_status s)
{
	return (unsigned)s < AIOT_JWT_STATUS_N ? status_names[s] : "unknown";
}

/* DER ECDSA-Sig (OpenSSL) -> r||s. 0 or -1. */
static int der_to_raw(const uint8_t *der, size_t len, uint8_t raw[SIG_LEN])
{
	const uint8_t *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	int ok = 0;
	if (sig != NULL) {
		ECDSA_SIG_get0(sig, &r, &s);
		ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
	}
	ECDSA_SIG_free(sig);
	return ok ? 0 : -1;
}

/* r||s -> DER ECDSA-Sig, malloc'd in *der. Length or -1. */
static int raw_to_der(const uint8_t raw[SIG_LEN], uint8_t **der)
{
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(raw, 32, NULL), *s = BN_bin2bn(raw + 32, 32, NULL);
	int n = -1;
	*der = NULL;
	if (sig != NULL && r != NULL && s != NULL && ECDSA_SIG_set0(sig, r, s) == 1) {
		r = s = NULL; /* owned by sig */
		n = i2d_ECDSA_SIG(sig, der);
	}
	BN_free(r);
	BN_free(s);
	ECDSA_SIG_free(sig);
	return n > 0 ? n : -1;
}

static int kid_ok(const char *kid)
{
	size_t n = kid != NULL ? strlen(kid) : 0;
	return n > 0 && n <= AIOT_JWT_MAX_STR &&
	       strspn(kid, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
	                   "qrstuvwxyz0123456789-_") == n;
}

int aiot_jws_sign_es256(EVP_PKEY *key, const char *kid, const char *claims_json, char **token_out,
                        char *err, size_t errlen)
{
	char header[64 + AIOT_JWT_MAX_STR];
	size_t cl = claims_json != NULL ? strlen(claims_json) : 0, cap, off, dl = 0;
	EVP_MD_CTX *md = NULL;
	uint8_t *der = NULL, raw[SIG_LEN];
	char *t = NULL;
	long n;

	*token_out = NULL;
	if (!kid_ok(kid) || cl == 0 || cl > AIOT_JWS_MAX_TOKEN) {
		snprintf(err, errlen,
		         "sign: a kid of base64url characters and claims are required");
		return -1;
	}
	snprintf(header, sizeof header, "{\"alg\":\"ES256\",\"typ\":\"JWT\",\"kid\":\"%s\"}", kid);
	cap = (strlen(header) + cl + SIG_LEN) / 3 * 4 + 16;
	if ((t = malloc(cap)) == NULL)
		goto fail;
	n = aiot_b64url_encode((const uint8_t *)header, strlen(header), t, cap);
	t[n] = '.';
	off = (size_t)n + 1;
	off += (size_t)aiot_b64url_encode((const uint8_t *)claims_json, cl, t + off, cap - off);
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
	    EVP_DigestSign(md, NULL, &dl, (const uint8_t *)t, off) != 1 ||
	    (der = malloc(dl)) == NULL ||
	    EVP_DigestSign(md, der, &dl, (const uint8_t *)t, off) != 1 ||
	    der_to_raw(der, dl, raw) != 0)
		goto fail;
	t[off++] = '.';
	aiot_b64url_encode(raw, SIG_LEN, t + off, cap - off);
	EVP_MD_CTX_free(md);
	free(der);
	*token_out = t;
	return 0;
fail:
	snprintf(err, errlen, "sign: ES256 signature failed (a P-256 private key is needed)");
	EVP_MD_CTX_free(md);
	free(der);
	free(t);
	return -1;
}

/* The JOSE header (RFC 7515 4): alg pinned, kid pinned, no crit. */
static aiot_jwt_status check_header(const char *b64, size_t len, const char *kid)
{
	uint8_t buf[MAX_HEADER];
	long n = len <= MAX_HEADER / 3 * 4 ? aiot_b64url_decode(b64, len, buf, sizeof buf) : -1;
	sbi_err e;
	cJSON *h = n > 0 ? sbi_json_parse_object(buf, (size_t)n, &e) : NULL;
	const cJSON *alg = cJSON_GetObjectItemCaseSensitive(h, "alg");
	const cJSON *k = cJSON_GetObjectItemCaseSensitive(h, "kid");
	aiot_jwt_status st = AIOT_JWT_OK;

	if (h == NULL)
		st = AIOT_JWT_MALFORMED;
	else if (!cJSON_IsString(alg) || strcmp(alg->valuestring, "ES256") != 0 ||
	         cJSON_GetObjectItemCaseSensitive(h, "crit") != NULL)
		st = AIOT_JWT_BAD_ALG;
	else if (!cJSON_IsString(k) || strcmp(k->valuestring, kid) != 0)
		st = AIOT_JWT_BAD_KID;
	cJSON_Delete(h);
	return st;
}

static aiot_jwt_status check_signature(EVP_PKEY *pub, const char *token, size_t signed_len,
                                       const char *b64sig, size_t siglen)
{
	uint8_t raw[SIG_LEN], *der = NULL;
	EVP_MD_CTX *md = NULL;
	int dl;
	aiot_jwt_status st = AIOT_JWT_BAD_SIGNATURE;

	if (siglen != 86 || aiot_b64url_decode(b64sig, siglen, raw, sizeof raw) != SIG_LEN)
		return AIOT_JWT_BAD_SIGNATURE;
	if ((dl = raw_to_der(raw, &der)) < 0 || (md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pub) != 1)
		st = AIOT_JWT_INTERNAL;
	else if (EVP_DigestVerify(md, der, (size_t)dl, (const uint8_t *)token, signed_len) == 1)
		st = AIOT_JWT_OK;
	EVP_MD_CTX_free(md);
	OPENSSL_free(der);
	return st;
}

aiot_jwt_status aiot_jws_verify_es256(EVP_PKEY *pub, const char *kid, const char *token, size_t len,
                                      aiot_jwt_claims *out)
{
	const char *d1, *d2;
	uint8_t *claims;
	long n;
	aiot_jwt_status st;

	if (len > AIOT_JWS_MAX_TOKEN)
		return AIOT_JWT_TOO_LARGE;
	if (token == NULL || len == 0 || (d1 = memchr(token, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token))) == NULL ||
	    memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL)
		return AIOT_JWT_MALFORMED; /* three parts, exactly (RFC 7515 7.1) */
	if ((st = check_header(token, (size_t)(d1 - token), kid)) != AIOT_JWT_OK ||
	    (st = check_signature(pub, token, (size_t)(d2 - token), d2 + 1,
	                          len - (size_t)(d2 + 1 - token))) != AIOT_JWT_OK)
		return st;
	if ((claims = malloc(len)) == NULL)
		return AIOT_JWT_INTERNAL;
	n = aiot_b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), claims, len);
	st = n > 0 ? aiot_jwt_claims_parse(claims, (size_t)n, out) : AIOT_JWT_MALFORMED;
	free(claims);
	return st;
}
