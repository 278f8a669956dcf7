/* SPDX-License-Identifier: Apache-2.0 */
/*
 * src/oauth: base64url, ES256 JWS sign then verify (the mirror), every refusal of the
 * verifier (alg, kid, signature, form, size), the claims' policy (time, iss, aud, sub,
 * scope) and the cache of verified tokens.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/ec.h>

#include "oauth/jws.h"

#define NRF "6b1e0f4e-2c4a-4d59-9a51-0d6f8c1e2a10"
#define PEER "0e9a6a4c-1b7e-4a63-8f4c-7f3a52f5a0c1"
#define NOW 1800000000

static EVP_PKEY *key, *other;
static char kid[AIOT_JWS_KID_LEN + 1];

static const char claims_ok[] = "{\"iss\":\"" NRF "\",\"sub\":\"" PEER "\","
                                "\"aud\":\"ADM\",\"scope\":\"nadm-sec nadm-sec:get-rand:invoke\","
                                "\"exp\":1800000600,\"iat\":1800000000}";

static char *sign(const char *claims)
{
	char err[128], *t = NULL;
	int rc = aiot_jws_sign_es256(key, kid, claims, &t, err, sizeof err);
	if (rc != 0)
		fail_msg("%s", err);
	return t;
}

static aiot_jwt_status verify(const char *t, aiot_jwt_claims *c)
{
	return aiot_jws_verify_es256(key, kid, t, strlen(t), c);
}

/* A compact token of raw parts: header and claims base64url'd, the signature given. */
static char *forge(const char *header, const char *claims, const char *sig)
{
	char *t = malloc(8192);
	long n = aiot_b64url_encode((const uint8_t *)header, strlen(header), t, 8192);
	t[n++] = '.';
	n += aiot_b64url_encode((const uint8_t *)claims, strlen(claims), t + n, 8192 - (size_t)n);
	snprintf(t + n, 8192 - (size_t)n, ".%s", sig);
	return t;
}

static void test_b64url(void **state)
{
	uint8_t b[8];
	char s[16];
	(void)state;
	assert_int_equal(aiot_b64url_encode((const uint8_t *)"\xfb\xff", 2, s, sizeof s), 3);
	assert_string_equal(s, "-_8");
	assert_int_equal(aiot_b64url_decode("-_8", 3, b, sizeof b), 2);
	assert_memory_equal(b, "\xfb\xff", 2);
	assert_int_equal(aiot_b64url_decode("", 0, b, sizeof b), 0);
	assert_int_equal(aiot_b64url_decode("-_8=", 4, b, sizeof b), -1);  /* padding */
	assert_int_equal(aiot_b64url_decode("+/8", 3, b, sizeof b), -1);   /* base64, not url */
	assert_int_equal(aiot_b64url_decode("-_9", 3, b, sizeof b), -1);   /* trailing bits */
	assert_int_equal(aiot_b64url_decode("AAAAA", 5, b, sizeof b), -1); /* 4k+1 */
	assert_int_equal(aiot_b64url_decode("AA A", 4, b, sizeof b), -1);
	assert_int_equal(aiot_b64url_decode("AAAAAAAAAAAA", 12, b, sizeof b), -1); /* 9 > cap */
	assert_int_equal(aiot_b64url_encode(b, 8, s, 11), -1);
}

static void test_kid(void **state)
{
	char k2[AIOT_JWS_KID_LEN + 1];
	(void)state;
	assert_int_equal(strlen(kid), AIOT_JWS_KID_LEN);
	assert_int_equal(aiot_jws_kid(other, k2), 0);
	assert_string_not_equal(kid, k2);
}

/* The mirror: what we sign we verify, and the claims come back as signed. */
static void test_sign_verify(void **state)
{
	aiot_jwt_claims c;
	char *t = sign(claims_ok);
	(void)state;
	assert_int_equal(verify(t, &c), AIOT_JWT_OK);
	assert_string_equal(c.iss, NRF);
	assert_string_equal(c.sub, PEER);
	assert_int_equal(c.naud, 1);
	assert_string_equal(c.aud[0], "ADM");
	assert_int_equal(c.exp, 1800000600);
	assert_int_equal(c.iat, NOW);
	assert_false(c.has_nbf);
	/* another key with the same kid, and the right key under another kid */
	assert_int_equal(aiot_jws_verify_es256(other, kid, t, strlen(t), &c),
	                 AIOT_JWT_BAD_SIGNATURE);
	assert_int_equal(aiot_jws_verify_es256(key, "x", t, strlen(t), &c), AIOT_JWT_BAD_KID);
	free(t);
}

static void test_signature_bits(void **state)
{
	aiot_jwt_claims c;
	char *t = sign(claims_ok), *sig = strrchr(t, '.') + 1;
	(void)state;
	for (size_t i = 0; i < 85; i += 7) { /* flip one bit per character (not the last) */
		char was = sig[i];
		sig[i] = (char)(sig[i] == 'A' ? 'B' : 'A');
		assert_int_equal(verify(t, &c), AIOT_JWT_BAD_SIGNATURE);
		sig[i] = was;
	}
	sig[10] = '\0'; /* a short signature */
	assert_int_equal(verify(t, &c), AIOT_JWT_BAD_SIGNATURE);
	free(t);
	/* the claims changed under a valid signature */
	t = sign(claims_ok);
	char *other_t =
	    sign("{\"iss\":\"" NRF "\",\"sub\":\"" PEER "\",\"aud\":\"ADM\",\"scope\":\"a\","
	         "\"exp\":1}");
	memcpy(strchr(t, '.'), strchr(other_t, '.'), strrchr(other_t, '.') - strchr(other_t, '.'));
	assert_int_not_equal(verify(t, &c), AIOT_JWT_OK);
	free(t);
	free(other_t);
}

static void test_header_refusals(void **state)
{
	static const struct {
		const char *header;
		aiot_jwt_status st;
	} cases[] = {
	    {"{\"alg\":\"none\",\"kid\":\"%s\"}", AIOT_JWT_BAD_ALG},
	    {"{\"alg\":\"HS256\",\"kid\":\"%s\"}", AIOT_JWT_BAD_ALG},
	    {"{\"alg\":\"RS256\",\"kid\":\"%s\"}", AIOT_JWT_BAD_ALG},
	    {"{\"alg\":\"es256\",\"kid\":\"%s\"}", AIOT_JWT_BAD_ALG},
	    {"{\"kid\":\"%s\"}", AIOT_JWT_BAD_ALG},
	    {"{\"alg\":\"ES256\",\"kid\":\"%s\",\"crit\":[\"exp\"]}", AIOT_JWT_BAD_ALG},
	    {"{\"alg\":\"ES256\"}", AIOT_JWT_BAD_KID},
	    {"{\"alg\":\"ES256\",\"kid\":\"%sx\"}", AIOT_JWT_BAD_KID},
	    {"{\"alg\":\"ES256\",\"kid\":7}", AIOT_JWT_BAD_KID},
	    {"{\"alg\":\"ES256\",\"alg\":\"none\",\"kid\":\"%s\"}", AIOT_JWT_MALFORMED},
	    {"[\"ES256\"]", AIOT_JWT_MALFORMED},
	    {"{\"alg\":\"ES256\",\"kid\":\"%s\"", AIOT_JWT_MALFORMED},
	};
	aiot_jwt_claims c;
	char *t = sign(claims_ok), sig[100], h[256];
	(void)state;
	snprintf(sig, sizeof sig, "%s", strrchr(t, '.') + 1);
	free(t);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *at = strstr(cases[i].header, "%s");
		if (at != NULL) /* the pinned kid in place of %s */
			snprintf(h, sizeof h, "%.*s%s%s", (int)(at - cases[i].header),
			         cases[i].header, kid, at + 2);
		else
			snprintf(h, sizeof h, "%s", cases[i].header);
		t = forge(h, claims_ok, i == 0 ? "" : sig);
		assert_int_equal(verify(t, &c), cases[i].st);
		free(t);
	}
}

static void test_form_refusals(void **state)
{
	aiot_jwt_claims c;
	char *t = sign(claims_ok), *big;
	size_t n = strlen(t);
	(void)state;
	assert_int_equal(aiot_jws_verify_es256(key, kid, t, 0, &c), AIOT_JWT_MALFORMED);
	assert_int_equal(aiot_jws_verify_es256(key, kid, t, strrchr(t, '.') - t, &c),
	                 AIOT_JWT_MALFORMED); /* two parts */
	big = malloc(n + 4);
	snprintf(big, n + 4, "%s.AA", t); /* four parts */
	assert_int_equal(verify(big, &c), AIOT_JWT_MALFORMED);
	free(big);
	t[1] = '*'; /* not base64url in the header */
	assert_int_equal(verify(t, &c), AIOT_JWT_MALFORMED);
	free(t);
	big = calloc(1, AIOT_JWS_MAX_TOKEN + 2);
	memset(big, 'A', AIOT_JWS_MAX_TOKEN + 1);
	assert_int_equal(verify(big, &c), AIOT_JWT_TOO_LARGE);
	free(big);
	/* claims: a valid signature over something that is not AccessTokenClaims */
	/* each differs from a valid one in one point */
#define C0 "{\"iss\":\"" NRF "\",\"sub\":\"" PEER "\",\"aud\":\"ADM\",\"scope\":\"a\",\"exp\":1}"
#define C(iss, sub, rest) "{\"iss\":\"" iss "\",\"sub\":\"" sub "\"," rest "}"
	static const char *const bad[] = {
	    "not json",
	    "[1]",
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"a\""), /* no exp */
	    C(NRF, PEER, "\"aud\":[],\"scope\":\"a\",\"exp\":1"),
	    C(NRF, PEER, "\"aud\":7,\"scope\":\"a\",\"exp\":1"),
	    C(NRF, PEER, "\"aud\":[\"ADM\",7],\"scope\":\"a\",\"exp\":1"),
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"a\",\"exp\":\"1\""),
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"a\",\"exp\":-1"),
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"a\",\"exp\":1.5"),
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"a\",\"exp\":1e300"),
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"a\",\"exp\":1,\"exp\":2"),
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"a\",\"exp\":1,\"nbf\":null"),
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"a  b\",\"exp\":1"), /* two spaces */
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"a \",\"exp\":1"),
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"a/b\",\"exp\":1"),
	    C(NRF, PEER, "\"aud\":\"ADM\",\"scope\":\"\",\"exp\":1"),
	    C(NRF, "s", "\"aud\":\"ADM\",\"scope\":\"a\",\"exp\":1"), /* not NfInstanceIds */
	    C("nrf", PEER, "\"aud\":\"ADM\",\"scope\":\"a\",\"exp\":1"),
	    C("", PEER, "\"aud\":\"ADM\",\"scope\":\"a\",\"exp\":1"),
	};
#undef C
	t = sign(C0);
	assert_int_equal(verify(t, &c), AIOT_JWT_OK); /* the valid one they differ from */
	free(t);

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		t = sign(bad[i]);
		assert_int_equal(verify(t, &c), AIOT_JWT_MALFORMED);
		free(t);
	}
}

static void test_policy(void **state)
{
	aiot_jwt_policy pol = {
	    .issuer = NRF, .nf_type = "ADM", .nf_instance = PEER, .leeway_s = 30};
	const char *const sec[] = {"nadm-sec", NULL},
	                  *const op[] = {"nadm-sec:get-tid:invoke", NULL},
	                  *const pre[] = {"nadm-se", NULL};
	aiot_jwt_claims c;
	char *t = sign(claims_ok);
	(void)state;
	assert_int_equal(verify(t, &c), AIOT_JWT_OK);
	free(t);
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW, PEER, sec), AIOT_JWT_OK);
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW, NULL, NULL), AIOT_JWT_OK);
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW, NRF, sec), AIOT_JWT_BAD_SUB);
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW, PEER, op), AIOT_JWT_NO_SCOPE);
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW, PEER, pre), AIOT_JWT_NO_SCOPE);
	/* exp 1800000600 with 30 s of leeway, and at most 30 s whatever is configured */
	assert_int_equal(aiot_jwt_validate(&c, &pol, 1800000629, NULL, NULL), AIOT_JWT_OK);
	assert_int_equal(aiot_jwt_validate(&c, &pol, 1800000630, NULL, NULL), AIOT_JWT_EXPIRED);
	pol.leeway_s = 3600;
	assert_int_equal(aiot_jwt_validate(&c, &pol, 1800000630, NULL, NULL), AIOT_JWT_EXPIRED);
	pol.leeway_s = 0;
	assert_int_equal(aiot_jwt_validate(&c, &pol, 1800000600, NULL, NULL), AIOT_JWT_EXPIRED);
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW - 1, NULL, NULL), AIOT_JWT_NOT_YET_VALID);
	c.has_nbf = 1, c.nbf = NOW + 100;
	pol.leeway_s = 30;
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW + 69, NULL, NULL), AIOT_JWT_NOT_YET_VALID);
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW + 70, NULL, NULL), AIOT_JWT_OK);
	c.has_nbf = 0;
	pol.issuer = PEER;
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW, NULL, NULL), AIOT_JWT_BAD_ISS);
	pol.issuer = NRF;
	pol.nf_type = "AIOTF";
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW, NULL, NULL), AIOT_JWT_BAD_AUD);
	/* TS 29.510 Audience: a string is an NF type, an array holds NF instance IDs */
	pol.nf_type = "ADM";
	snprintf(c.aud[0], sizeof c.aud[0], "%s", PEER);
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW, NULL, NULL), AIOT_JWT_BAD_AUD);
	c.aud_is_array = 1;
	c.naud = 2;
	snprintf(c.aud[0], sizeof c.aud[0], "ADM");
	snprintf(c.aud[1], sizeof c.aud[1], "%s", NRF);
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW, NULL, NULL), AIOT_JWT_BAD_AUD);
	snprintf(c.aud[1], sizeof c.aud[1], "%s", "0E9A6A4C-1B7E-4A63-8F4C-7F3A52F5A0C1");
	assert_int_equal(aiot_jwt_validate(&c, &pol, NOW, NULL, NULL), AIOT_JWT_OK);
	assert_true(aiot_jwt_has_scope("a  b c", "b"));
	assert_false(aiot_jwt_has_scope("ab", "a"));
	assert_false(aiot_jwt_has_scope("", ""));
}

static void test_cache(void **state)
{
	aiot_jwt_cache *cache = aiot_jwt_cache_new(4);
	aiot_jwt_claims c;
	uint64_t hits, misses;
	char *t = sign(claims_ok);
	(void)state;
	assert_non_null(cache);
	assert_int_equal(aiot_jwt_cache_verify(cache, key, kid, t, strlen(t), NOW, &c), 0);
	assert_int_equal(aiot_jwt_cache_verify(cache, key, kid, t, strlen(t), NOW, &c), 0);
	assert_string_equal(c.sub, PEER);
	aiot_jwt_cache_stats(cache, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 1);
	/* a refused token is never stored; past exp + 30 s an entry no longer counts */
	t[strlen(t) - 5] ^= 1;
	assert_int_not_equal(aiot_jwt_cache_verify(cache, key, kid, t, strlen(t), NOW, &c), 0);
	assert_int_not_equal(aiot_jwt_cache_verify(cache, key, kid, t, strlen(t), NOW, &c), 0);
	t[strlen(t) - 5] ^= 1;
	assert_int_equal(aiot_jwt_cache_verify(cache, key, kid, t, strlen(t), 1800000630, &c), 0);
	aiot_jwt_cache_stats(cache, &hits, &misses);
	assert_int_equal(hits, 1);
	assert_int_equal(misses, 4);
	free(t);
	aiot_jwt_cache_free(cache);
}

static void test_keys(void **state)
{
	char dir[] = "/tmp/oauth_keyXXXXXX", path[64], pub[64], err[256], k1[AIOT_JWS_KID_LEN + 1],
	     k2[AIOT_JWS_KID_LEN + 1];
	EVP_PKEY *a, *b, *p;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/nrf.pem", dir);
	snprintf(pub, sizeof pub, "%s/nrf.pub", dir);
	assert_non_null(a = aiot_jws_key_load_or_create(path, err, sizeof err)); /* created */
	assert_non_null(b = aiot_jws_key_load_or_create(path, err, sizeof err)); /* loaded */
	assert_int_equal(aiot_jws_pubkey_save(a, pub, err, sizeof err), 0);
	assert_non_null(p = aiot_jws_pubkey_load(pub, err, sizeof err));
	assert_int_equal(aiot_jws_kid(b, k1), 0);
	assert_int_equal(aiot_jws_kid(p, k2), 0);
	assert_string_equal(k1, k2);
	assert_null(aiot_jws_pubkey_load("/nonexistent/x", err, sizeof err));
	chmod(path, 0644);
	assert_null(aiot_jws_key_load_or_create(path, err, sizeof err));
	assert_non_null(strstr(err, "chmod 600"));
	unlink(path);
	unlink(pub);
	rmdir(dir);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
	EVP_PKEY_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_b64url),
	    cmocka_unit_test(test_kid),
	    cmocka_unit_test(test_sign_verify),
	    cmocka_unit_test(test_signature_bits),
	    cmocka_unit_test(test_header_refusals),
	    cmocka_unit_test(test_form_refusals),
	    cmocka_unit_test(test_policy),
	    cmocka_unit_test(test_cache),
	    cmocka_unit_test(test_keys),
	};
	key = EVP_EC_gen("P-256");
	other = EVP_EC_gen("P-256");
	if (key == NULL || other == NULL || aiot_jws_kid(key, kid) != 0)
		return 1;
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	EVP_PKEY_free(key);
	EVP_PKEY_free(other);
	return rc;
}
