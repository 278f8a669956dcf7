/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OAuth 2.0 access tokens of the SBA (TS 33.501 13.4.1, TS 29.510 6.3): JWS compact
 * serialization (RFC 7515 7.1) signed ES256 (RFC 7518 3.4: P-256, SHA-256, the 64-octet
 * r||s, converted here to and from OpenSSL's DER ECDSA-Sig), JWT claims (RFC 7519) and
 * their validation by a producer, and a bounded cache of verified tokens.
 *
 * Who owns what:
 *   b64url.c     base64url without padding (RFC 7515 2), strict: no '=', no other alphabet,
 *                no non-zero trailing bits (one text per octet string)
 *   jws_key.c    P-256 keys: load / create the NRF's private key, load a public key, the
 *                key id (RFC 7638 JWK thumbprint)
 *   jws.c        ES256 sign and verify of the compact form, the JOSE header (alg pinned,
 *                kid pinned, crit refused)
 *   jwt_claims.c the claims (iss, sub, aud, scope, exp, iat, nbf) and the policy check
 *   jwt_cache.c  verified tokens: signature checked once, claims re-validated per request
 * Every parser returns a status; none asserts on peer data. The SBI hook of a producer is
 * oauth_guard.h. Thread safety: everything here is reentrant (one EVP_PKEY may sign or verify
 * in several threads at once); a cache is one thread's.
 *
 * An issuer (the NRF, Nnrf_AccessToken) does, once: key = aiot_jws_key_load_or_create(path),
 * aiot_jws_kid(key, kid), and publishes the public half (aiot_jws_pubkey_save) for the
 * producers' oauth2.nrf-public-key; per token: aiot_jws_sign_es256(key, kid, claims, &token).
 * The claims must be what producers accept (aiot_jwt_claims_parse): TS 29.510
 * AccessTokenClaims with iss = the NRF's NF instance ID, sub = the consumer's, aud = the
 * producer's NF type (a string) or an array of producer NF instance IDs, scope the service's
 * (and operation's) names separated by one space, integer exp and iat.
 */
#ifndef AIOT_OAUTH_JWS_H
#define AIOT_OAUTH_JWS_H
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#define AIOT_JWS_MAX_TOKEN 4096 /* longest token accepted (a typical one is ~500 octets) */
#define AIOT_JWS_KID_LEN 43     /* base64url of a SHA-256 */
#define AIOT_JWT_MAX_STR 128    /* iss, sub and each aud */
#define AIOT_JWT_MAX_AUD 8
#define AIOT_JWT_MAX_SCOPE 1024
#define AIOT_JWT_MAX_LEEWAY 30 /* TS 33.501 13.4.1.2: clocks of NFs differ a little */

/* ---- b64url.c --------------------------------------------------------------------------- */

/* Encodes n octets into out (cap >= 4 * ceil(n / 3) + 1, NUL-terminated). Length or -1. */
long aiot_b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap);
/* Decodes len characters of in into out. Octets written, or -1: a character outside
 * [A-Za-z0-9_-], padding, a length of 4k+1, non-zero trailing bits, or more than cap. */
long aiot_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap);

/* ---- jws_key.c ---------------------------------------------------------------------------- */

/* The P-256 private key of path (PEM); created (mode 0600) when path does not exist. A key
 * of another type or curve, or a group- or world-readable file, is refused. NULL + err. */
EVP_PKEY *aiot_jws_key_load_or_create(const char *path, char *err, size_t errlen);
/* A P-256 public key (PEM "PUBLIC KEY", or a certificate). NULL + err. */
EVP_PKEY *aiot_jws_pubkey_load(const char *path, char *err, size_t errlen);
/* Writes key's public half as PEM to path. 0 or -1 + err. */
int aiot_jws_pubkey_save(EVP_PKEY *key, const char *path, char *err, size_t errlen);
/* kid = RFC 7638 thumbprint of the P-256 key: base64url(SHA-256({"crv":"P-256","kty":"EC",
 * "x":...,"y":...})), AIOT_JWS_KID_LEN characters + NUL. 0 or -1 (not a P-256 key). */
int aiot_jws_kid(EVP_PKEY *key, char kid[AIOT_JWS_KID_LEN + 1]);

/* ---- jws.c ------------------------------------------------------------------------------ */

/* Why a token was refused. AIOT_JWT_OK = 0. */
typedef enum aiot_jwt_status {
	AIOT_JWT_OK = 0,
	AIOT_JWT_TOO_LARGE,     /* longer than the bound */
	AIOT_JWT_MALFORMED,     /* not three base64url parts, bad JSON, a claim of a wrong type */
	AIOT_JWT_BAD_ALG,       /* alg other than ES256 (none, HS256, RS256, ...), or crit */
	AIOT_JWT_BAD_KID,       /* kid missing or not the pinned key's */
	AIOT_JWT_BAD_SIGNATURE, /* not 64 octets, or does not verify */
	AIOT_JWT_EXPIRED,       /* exp + leeway <= now */
	AIOT_JWT_NOT_YET_VALID, /* nbf or iat - leeway > now */
	AIOT_JWT_BAD_ISS,
	AIOT_JWT_BAD_AUD,
	AIOT_JWT_BAD_SUB,  /* not the NF instance of the mutual TLS peer */
	AIOT_JWT_NO_SCOPE, /* a required scope missing: 403 insufficient_scope */
	AIOT_JWT_INTERNAL, /* out of memory, OpenSSL failure */
	AIOT_JWT_STATUS_N
} aiot_jwt_status;
/* A short lowercase name ("bad_alg", "expired"): logs and metrics labels. */
const char *aiot_jwt_status_name(aiot_jwt_status s);

/* The claims of a token (RFC 7519 4.1, TS 29.510 AccessTokenClaims). */
typedef struct aiot_jwt_claims {
	char iss[AIOT_JWT_MAX_STR + 1];
	char sub[AIOT_JWT_MAX_STR + 1];
	/* TS 29.510 Audience: an NFType (a string) or an array of NfInstanceIds */
	char aud[AIOT_JWT_MAX_AUD][AIOT_JWT_MAX_STR + 1];
	size_t naud;
	int aud_is_array;
	char scope[AIOT_JWT_MAX_SCOPE + 1]; /* space-separated (RFC 6749 3.3) */
	int64_t exp, iat, nbf;              /* NumericDate; nbf 0 when absent */
	int has_nbf;
} aiot_jwt_claims;

/* Signs claims_json (a JSON object, copied as is) into *token_out (malloc'd, NUL-terminated):
 * header {"alg":"ES256","typ":"JWT","kid":kid}. 0 or -1 + err. */
int aiot_jws_sign_es256(EVP_PKEY *key, const char *kid, const char *claims_json, char **token_out,
                        char *err, size_t errlen);
/* Verifies a compact token of len octets against the pinned key (and its kid) and parses
 * its claims into *out. Checks, in order: size, form, header (alg = ES256, kid = kid, no
 * crit), signature, claims' types. Time, audience and scope are aiot_jwt_validate()'s. */
aiot_jwt_status aiot_jws_verify_es256(EVP_PKEY *pub, const char *kid, const char *token, size_t len,
                                      aiot_jwt_claims *out);

/* ---- jwt_claims.c ----------------------------------------------------------------------- */

/* Parses a claims object (json, len octets; strict JSON) to the letter of TS 29.510
 * AccessTokenClaims: iss and sub NfInstanceIds (UUIDs), aud, scope matching the YAML's
 * pattern (scopes separated by one space), exp an integer; iat and nbf optional integers. */
aiot_jwt_status aiot_jwt_claims_parse(const uint8_t *json, size_t len, aiot_jwt_claims *out);

/* What a producer accepts (TS 33.501 13.4.1.2). */
typedef struct aiot_jwt_policy {
	const char *issuer;      /* iss: the NRF's NF instance ID */
	const char *nf_type;     /* own NF type ("ADM"): accepted as aud (a string) */
	const char *nf_instance; /* own NF instance ID: accepted in aud (an array); may be NULL */
	int leeway_s;            /* 0..AIOT_JWT_MAX_LEEWAY */
} aiot_jwt_policy;

/* Checks c at time now (seconds since the epoch): exp, nbf/iat, iss, aud, then sub =
 * peer_nf (skipped when peer_nf is NULL), then every scope of scopes (NULL-terminated,
 * may be NULL) is among c->scope's. */
aiot_jwt_status aiot_jwt_validate(const aiot_jwt_claims *c, const aiot_jwt_policy *pol, int64_t now,
                                  const char *peer_nf, const char *const *scopes);
/* 1 when s matches the scope pattern of TS 29.510: ^([a-zA-Z0-9_:-]+)( [a-zA-Z0-9_:-]+)*$ */
int aiot_jwt_scope_valid(const char *s);
/* 1 when scope (one token) is one of the space-separated scopes of list. */
int aiot_jwt_has_scope(const char *list, const char *scope);

/* ---- jwt_cache.c ------------------------------------------------------------------------ */

/* Tokens whose signature verified, each with a copy of its octets, direct-mapped on `slots` slots
 * (a collision replaces), kept until their exp. One thread's (the SBI gives each worker one). */
typedef struct aiot_jwt_cache aiot_jwt_cache;
aiot_jwt_cache *aiot_jwt_cache_new(size_t slots);
void aiot_jwt_cache_free(aiot_jwt_cache *c);
/* aiot_jws_verify_es256() through the cache: a hit costs a keyed hash and a compare. */
aiot_jwt_status aiot_jwt_cache_verify(aiot_jwt_cache *c, EVP_PKEY *pub, const char *kid,
                                      const char *token, size_t len, int64_t now,
                                      aiot_jwt_claims *out);
/* Hits and misses since creation. */
void aiot_jwt_cache_stats(const aiot_jwt_cache *c, uint64_t *hits, uint64_t *misses);

#endif
