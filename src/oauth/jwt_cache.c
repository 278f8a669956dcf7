/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Verified tokens (TS 33.501 13.4.1.2 lets a producer keep what it verified): the hot path
 * pays one ECDSA verification per token, then a SHA-256 per request. Only tokens whose
 * signature verified under the pinned key and whose claims parsed are stored, with their
 * claims; the caller validates those claims (time, audience, scope, subject) on every
 * request, so a cached token expires exactly as a fresh one. A hit is the same octets: the slot
 * holds a copy of the token, compared whole. The slot is chosen by the tree's keyed hash with a
 * random seed per cache (`common/hash.c`: 0.4 us for a 450-octet token where SHA-256 through
 * EVP_Digest took 1.7 us), so nobody can aim tokens at one slot. Direct-mapped, a fixed number
 * of slots: bounded memory, and a flood of distinct tokens only costs verifications.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "common/hash.h"
#include "oauth/jws.h"

struct entry {
	char *token; /* malloc'd copy; NULL: empty */
	size_t len;
	aiot_jwt_claims claims;
};

struct aiot_jwt_cache {
	size_t mask;
	uint64_t seed;
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
	if (RAND_bytes((unsigned char *)&c->seed, sizeof c->seed) != 1) {
		aiot_jwt_cache_free(c);
		return NULL;
	}
	return c;
}

void aiot_jwt_cache_free(aiot_jwt_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; c->e != NULL && i <= c->mask; i++)
		free(c->e[i].token);
	free(c->e);
	free(c);
}

aiot_jwt_status aiot_jwt_cache_verify(aiot_jwt_cache *c, EVP_PKEY *pub, const char *kid,
                                      const char *token, size_t len, int64_t now,
                                      aiot_jwt_claims *out)
{
	struct entry *e;
	aiot_jwt_status st;
	char *copy;

	if (len > AIOT_JWS_MAX_TOKEN)
		return AIOT_JWT_TOO_LARGE;
	e = &c->e[aiot_hash_bytes(c->seed, (const uint8_t *)token, len) & c->mask];
	if (e->token != NULL && e->len == len && memcmp(e->token, token, len) == 0 &&
	    now < e->claims.exp + AIOT_JWT_MAX_LEEWAY) {
		c->hits++;
		*out = e->claims;
		return AIOT_JWT_OK;
	}
	c->misses++;
	if ((st = aiot_jws_verify_es256(pub, kid, token, len, out)) != AIOT_JWT_OK)
		return st;
	if ((copy = malloc(len)) == NULL)
		return AIOT_JWT_OK; /* verified, just not kept */
	memcpy(copy, token, len);
	free(e->token);
	e->token = copy;
	e->len = len;
	e->claims = *out;
	return AIOT_JWT_OK;
}

void aiot_jwt_cache_stats(const aiot_jwt_cache *c, uint64_t *hits, uint64_t *misses)
{
	*hits = c->hits;
	*misses = c->misses;
}
