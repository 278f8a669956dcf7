/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verified tokens (TS 33.501 13.4.1.2 lets a producer keep what it verified): the hot path
 * pays one ECDSA verification per token, then a SHA-256 per request. Only tokens whose
 * signature verified under the pinned key and whose claims parsed are stored, with their
 * claims; the caller validates those claims (time, audience, scope, subject) on every
 * request, so a cached token expires exactly as a fresh one. Keyed by the SHA-256 of the whole
 * token: a hit is the same octets. Direct-mapped, a fixed number of slots: bounded memory, and
 * a flood of distinct tokens only costs verifications, never growth.
 */
#include <stdlib.h>
#include <string.h>

#include "oauth/jws.h"

struct entry {
	uint8_t digest[32];
	int used;
	aiot_jwt_claims claims;
};

struct aiot_jwt_cache {
	size_t mask;
	uint64_t hits, misses;
	struct entry *e;
};

aiot_jwt_cache *aiot_jwt_cache_new(size_t slots)
{
	size_t n = 1;
	aiot_jwt_cache *c = calloc(1, sizeof *c);
	while (n < slots && n < (1u << 20))
		n <<= 1;
	if (c == NULL || (c->e = calloc(n, sizeof *c->e)) == NULL) {
		free(c);
		return NULL;
	}
	c->mask = n - 1;
	return c;
}

void aiot_jwt_cache_free(aiot_jwt_cache *c)
{
	if (c == NULL)
		return;
	free(c->e);
	free(c);
}

aiot_jwt_status aiot_jwt_cache_verify(aiot_jwt_cache *c, EVP_PKEY *pub, const char *kid,
                                      const char *token, size_t len, int64_t now,
                                      aiot_jwt_claims *out)
{
	uint8_t md[32];
	unsigned int mdl = 0;
	struct entry *e;
	aiot_jwt_status st;

	if (len > AIOT_JWS_MAX_TOKEN)
		return AIOT_JWT_TOO_LARGE;
	if (EVP_Digest(token, len, md, &mdl, EVP_sha256(), NULL) != 1)
		return AIOT_JWT_INTERNAL;
	e = &c->e[((size_t)md[0] << 16 | (size_t)md[1] << 8 | md[2]) & c->mask];
	if (e->used && memcmp(e->digest, md, sizeof md) == 0 &&
	    now < e->claims.exp + AIOT_JWT_MAX_LEEWAY) {
		c->hits++;
		*out = e->claims;
		return AIOT_JWT_OK;
	}
	c->misses++;
	if ((st = aiot_jws_verify_es256(pub, kid, token, len, out)) != AIOT_JWT_OK)
		return st;
	memcpy(e->digest, md, sizeof md);
	e->claims = *out;
	e->used = 1;
	return AIOT_JWT_OK;
}

void aiot_jwt_cache_stats(const aiot_jwt_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c->hits;
	*misses = c->misses;
}
