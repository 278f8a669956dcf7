/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Differential tests: the freestanding reference implementation and the OpenSSL backend
 * must agree on every function, over AIOT_DIFF_N (default 100,000) random inputs each.
 * Inputs come from a seeded xorshift generator; the seed is printed and can be set with
 * AIOT_DIFF_SEED to replay a failure.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/evp.h>

#include "common/aiot_err.h"
#include "crypto/aes128.h"
#include "crypto/aiot_fc.h"
#include "crypto/backend_openssl.h"
#include "crypto/kdf.h"
#include "crypto/nxa2.h"
#include "crypto/sha256.h"
#include "test_rng.h"

static unsigned long n_iter = 100000;
static aiot_backend *ossl;
static const aiot_backend *ref = &aiot_backend_ref;
/* The reference side of a comparison: every other iteration the backend struct, else NULL,
 * the reference primitives called directly (what the device does, backend.h). */
#define REF(i) (((i)&1u) ? ref : NULL)

static size_t below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* Split buf into up to 4 random iov pieces, to exercise the gather paths. */
static size_t split(const uint8_t *buf, size_t len, aiot_iov iov[4])
{
	size_t n = 1 + below(4), off = 0, k = 0;
	for (size_t i = 0; i + 1 < n; i++) {
		size_t take = len - off ? below(len - off + 1) : 0;
		iov[k++] = (aiot_iov){buf + off, take};
		off += take;
	}
	iov[k++] = (aiot_iov){buf + off, len - off};
	return k;
}

static void test_aes_block(void **state)
{
	(void)state;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	assert_non_null(c);
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t key[16], in[16], a[16], b[16];
		int outl;
		aiot_aes128 ks;
		fill(key, 16);
		fill(in, 16);
		aiot_aes128_init(&ks, key);
		aiot_aes128_encrypt(&ks, in, a);
		assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_ecb(), NULL, key, NULL), 1);
		EVP_CIPHER_CTX_set_padding(c, 0);
		assert_int_equal(EVP_EncryptUpdate(c, b, &outl, in, 16), 1);
		assert_memory_equal(a, b, 16);
	}
	EVP_CIPHER_CTX_free(c);
}

static void test_sha256(void **state)
{
	(void)state;
	static uint8_t msg[300];
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t a[32], b[32];
		unsigned int outl;
		size_t len = below(sizeof msg);
		fill(msg, len);
		aiot_sha256(msg, len, a);
		assert_int_equal(EVP_Digest(msg, len, b, &outl, EVP_sha256(), NULL), 1);
		assert_memory_equal(a, b, 32);
	}
}

static void test_hmac(void **state)
{
	(void)state;
	static uint8_t msg[300], key[150];
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t a[32], b[32];
		aiot_iov iov[4];
		size_t len = below(sizeof msg), klen = 1 + below(sizeof key - 1);
		fill(msg, len);
		fill(key, klen);
		size_t n = split(msg, len, iov);
		assert_int_equal(ref->hmac_sha256(ref->ctx, key, klen, iov, n, a), AIOT_OK);
		assert_int_equal(ossl->hmac_sha256(ossl->ctx, key, klen, iov, n, b), AIOT_OK);
		assert_memory_equal(a, b, 32);
	}
}

static void test_cmac(void **state)
{
	(void)state;
	static uint8_t msg[200];
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t key[16], a[16], b[16];
		aiot_iov iov[4];
		size_t len = below(sizeof msg);
		fill(msg, len);
		fill(key, 16);
		/* Half byte-aligned (OpenSSL's CMAC), half any bit length (its ECB path). */
		size_t bits = (i & 1) ? (len ? 8 * len - below(8) : 0) : 8 * len;
		size_t n = split(msg, len, iov);
		assert_int_equal(ref->aes_cmac(ref->ctx, key, iov, n, bits, a), AIOT_OK);
		assert_int_equal(ossl->aes_cmac(ossl->ctx, key, iov, n, bits, b), AIOT_OK);
		assert_memory_equal(a, b, 16);
	}
}

static void test_ctr(void **state)
{
	(void)state;
	static uint8_t in[300], a[300], b[300];
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t key[16], ctr[16];
		size_t len = below(sizeof in);
		fill(key, 16);
		fill(ctr, 16);
		if (i % 4 == 0) /* exercise the carry across all 128 counter bits */
			memset(ctr + 8, 0xFF, 8);
		fill(in, len);
		assert_int_equal(ref->aes_ctr(ref->ctx, key, ctr, in, a, len), AIOT_OK);
		assert_int_equal(ossl->aes_ctr(ossl->ctx, key, ctr, in, b, len), AIOT_OK);
		assert_memory_equal(a, b, len);
	}
}

static void test_kdf(void **state)
{
	(void)state;
	static uint8_t pbuf[AIOT_KDF_MAX_PARAMS][40];
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t key[32], a[32], b[32], fc = (uint8_t)rnd();
		aiot_kdf_param p[AIOT_KDF_MAX_PARAMS];
		size_t np = below(AIOT_KDF_MAX_PARAMS + 1), klen = 1 + below(32);
		fill(key, klen);
		for (size_t j = 0; j < np; j++) {
			p[j].len = (uint16_t)below(sizeof pbuf[j] + 1);
			fill(pbuf[j], p[j].len);
			p[j].p = pbuf[j];
		}
		assert_int_equal(aiot_kdf(REF(i), key, klen, fc, p, np, a), AIOT_OK);
		assert_int_equal(aiot_kdf(ossl, key, klen, fc, p, np, b), AIOT_OK);
		assert_memory_equal(a, b, 32);
	}
}

static aiot_suite pick_suite(size_t *klen)
{
	if (rnd() & 1) {
		*klen = 16;
		return AIOT_SUITE_AES;
	}
	*klen = (rnd() & 1) ? 32 : 16;
	return AIOT_SUITE_3GPP;
}

static void test_res(void **state)
{
	(void)state;
	static const unsigned bits[] = {32, 64, 96, 128};
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t key[32], rn[16], rd[16], a[16], b[16];
		size_t klen;
		aiot_suite s = pick_suite(&klen);
		unsigned l = bits[below(4)];
		fill(key, klen);
		fill(rn, 16);
		fill(rd, 16);
		assert_int_equal(aiot_derive_res(REF(i), s, key, klen, rn, rd, l, a), AIOT_OK);
		assert_int_equal(aiot_derive_res(ossl, s, key, klen, rn, rd, l, b), AIOT_OK);
		assert_memory_equal(a, b, l / 8);
	}
}

/* A prepared key (precomputed HMAC states where the backend offers them) gives exactly the
 * RES of the plain derivation, on both backends. */
static void test_res_prepared(void **state)
{
	(void)state;
	static const unsigned bits[] = {32, 64, 96, 128};
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t key[32], rn[16], rd[16], a[16], b[16], c[16];
		size_t klen;
		aiot_prf_key pk;
		aiot_suite s = pick_suite(&klen);
		unsigned l = bits[below(4)];
		fill(key, klen);
		fill(rn, 16);
		fill(rd, 16);
		assert_int_equal(aiot_derive_res(REF(i), s, key, klen, rn, rd, l, a), AIOT_OK);
		assert_int_equal(aiot_prf_key_init(ossl, s, key, klen, &pk), AIOT_OK);
		assert_int_equal(pk.prepared, s == AIOT_SUITE_3GPP);
		assert_int_equal(aiot_derive_res_k(ossl, &pk, rn, rd, l, b), AIOT_OK);
		aiot_prf_key_clear(&pk);
		assert_int_equal(aiot_prf_key_init(ref, s, key, klen, &pk), AIOT_OK);
		assert_int_equal(aiot_derive_res_k(ref, &pk, rn, rd, l, c), AIOT_OK);
		assert_memory_equal(a, b, l / 8);
		assert_memory_equal(a, c, l / 8);
	}
}

/* K_AIOTF, K_AIOT_enc/int from it, and the next T-ID, for one random session. */
static void test_session_keys(void **state)
{
	(void)state;
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t key[32], rn[16], rd[16], ka[16], kb[16], a[16], b[16];
		size_t klen;
		aiot_suite s = pick_suite(&klen);
		fill(key, klen);
		fill(rn, 16);
		fill(rd, 16);
		assert_int_equal(aiot_derive_kaiotf(REF(i), s, key, klen, rn, rd, ka), AIOT_OK);
		assert_int_equal(aiot_derive_kaiotf(ossl, s, key, klen, rn, rd, kb), AIOT_OK);
		assert_memory_equal(ka, kb, 16);
		uint8_t type = (rnd() & 1) ? AIOT_ALG_TYPE_ENC : AIOT_ALG_TYPE_INT;
		uint8_t alg = (uint8_t)rnd();
		assert_int_equal(aiot_derive_algkey(REF(i), s, ka, type, alg, a), AIOT_OK);
		assert_int_equal(aiot_derive_algkey(ossl, s, ka, type, alg, b), AIOT_OK);
		assert_memory_equal(a, b, 16);
		assert_int_equal(aiot_derive_tid(REF(i), s, key, klen, rn, rd, a), AIOT_OK);
		assert_int_equal(aiot_derive_tid(ossl, s, key, klen, rn, rd, b), AIOT_OK);
		assert_memory_equal(a, b, 16);
	}
}

/* DO-A: MAC_N and RES_D over an identifier of any length, both backends (be NULL too). */
static void test_doa(void **state)
{
	(void)state;
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t key[32], rn[16], rd[16], id[AIOT_DOA_ID_MAX], a[16], b[16], c[16];
		size_t klen, idlen = 1 + below(AIOT_DOA_ID_MAX);
		unsigned bits = 32 * (unsigned)(1 + below(4));
		aiot_suite s = pick_suite(&klen);
		fill(key, klen);
		fill(rn, 16);
		fill(rd, 16);
		fill(id, idlen);
		assert_int_equal(aiot_derive_macn(REF(i), s, key, klen, rn, rd, id, idlen, a),
		                 AIOT_OK);
		assert_int_equal(aiot_derive_macn(ossl, s, key, klen, rn, rd, id, idlen, b),
		                 AIOT_OK);
		assert_int_equal(aiot_derive_macn(NULL, s, key, klen, rn, rd, id, idlen, c),
		                 AIOT_OK);
		assert_memory_equal(a, b, AIOT_MACN_LEN);
		assert_memory_equal(a, c, AIOT_MACN_LEN);
		assert_int_equal(aiot_derive_resd(REF(i), s, key, klen, rn, rd, id, idlen, bits, a),
		                 AIOT_OK);
		assert_int_equal(aiot_derive_resd(ossl, s, key, klen, rn, rd, id, idlen, bits, b),
		                 AIOT_OK);
		assert_memory_equal(a, b, bits / 8);
	}
}

static void test_nia2_nea2(void **state)
{
	(void)state;
	static uint8_t msg[300], a[300], b[300];
	for (unsigned long i = 0; i < n_iter; i++) {
		uint8_t key[16];
		size_t len = below(sizeof msg);
		size_t bits = len ? 8 * len - below(8) : 0;
		uint32_t count = (uint32_t)rnd();
		uint8_t bearer = (uint8_t)below(32), dir = (uint8_t)(rnd() & 1);
		fill(key, 16);
		fill(msg, len);
		assert_int_equal(aiot_nia2(REF(i), key, count, bearer, dir, msg, bits, a), AIOT_OK);
		assert_int_equal(aiot_nia2(ossl, key, count, bearer, dir, msg, bits, b), AIOT_OK);
		assert_memory_equal(a, b, 4);
		assert_int_equal(aiot_nea2(REF(i), key, count, bearer, dir, msg, bits, a), AIOT_OK);
		assert_int_equal(aiot_nea2(ossl, key, count, bearer, dir, msg, bits, b), AIOT_OK);
		assert_memory_equal(a, b, (bits + 7) / 8);
	}
}

/* The two suites must not collide, and every derivation must depend on every input. */
static void test_domain_separation(void **state)
{
	(void)state;
	uint8_t key[16], rn[16], rd[16], res[16], kf[16], tid[16];
	fill(key, 16);
	fill(rn, 16);
	fill(rd, 16);
	for (int s = AIOT_SUITE_3GPP; s <= AIOT_SUITE_AES; s++) {
		assert_int_equal(aiot_derive_res(ossl, s, key, 16, rn, rd, 128, res), AIOT_OK);
		assert_int_equal(aiot_derive_kaiotf(ossl, s, key, 16, rn, rd, kf), AIOT_OK);
		assert_int_equal(aiot_derive_tid(ossl, s, key, 16, rn, rd, tid), AIOT_OK);
		assert_memory_not_equal(res, kf, 16);
		assert_memory_not_equal(kf, tid, 16);
		uint8_t swapped[16];
		assert_int_equal(aiot_derive_res(ossl, s, key, 16, rd, rn, 128, swapped), AIOT_OK);
		assert_memory_not_equal(res, swapped, 16);
	}
	/* MAC_N, RES_D (same inputs, one role each) and RES_AIOT differ; the identifier binds. */
	uint8_t id[16], mn[16], rdoa[16], other[16];
	fill(id, 16);
	for (int s = AIOT_SUITE_3GPP; s <= AIOT_SUITE_AES; s++) {
		assert_int_equal(aiot_derive_res(ossl, s, key, 16, rn, rd, 64, res), AIOT_OK);
		assert_int_equal(aiot_derive_macn(ossl, s, key, 16, rn, rd, id, 16, mn), AIOT_OK);
		assert_int_equal(aiot_derive_resd(ossl, s, key, 16, rn, rd, id, 16, 64, rdoa),
		                 AIOT_OK);
		assert_memory_not_equal(mn, rdoa, 8);
		assert_memory_not_equal(res, rdoa, 8);
		assert_int_equal(aiot_derive_macn(ossl, s, key, 16, rn, rd, id, 15, other),
		                 AIOT_OK);
		assert_memory_not_equal(mn, other, 8);
	}
	assert_int_equal(aiot_derive_macn(ossl, AIOT_SUITE_AES, key, 16, rn, rd, id, 0, mn),
	                 AIOT_ERR_INVAL);
	assert_int_equal(
	    aiot_derive_macn(ossl, AIOT_SUITE_AES, key, 16, rn, rd, id, AIOT_DOA_ID_MAX + 1, mn),
	    AIOT_ERR_INVAL);
	assert_int_equal(aiot_derive_resd(ossl, AIOT_SUITE_AES, key, 16, rn, rd, id, 16, 40, mn),
	                 AIOT_ERR_INVAL);
	/* Bad arguments are errors, never a result. */
	assert_int_equal(aiot_derive_res(ossl, AIOT_SUITE_AES, key, 32, rn, rd, 64, res),
	                 AIOT_ERR_KEYLEN);
	assert_int_equal(aiot_derive_res(ossl, AIOT_SUITE_3GPP, key, 20, rn, rd, 64, res),
	                 AIOT_ERR_KEYLEN);
	assert_int_equal(aiot_derive_res(ossl, AIOT_SUITE_3GPP, key, 16, rn, rd, 48, res),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_derive_algkey(ossl, AIOT_SUITE_3GPP, key, 7, 2, res), AIOT_ERR_INVAL);
	assert_int_equal(aiot_derive_res(ossl, (aiot_suite)9, key, 16, rn, rd, 64, res),
	                 AIOT_ERR_INVAL);
}

static int setup(void **state)
{
	(void)state;
	ossl = aiot_backend_openssl_new();
	return ossl == NULL;
}

static int teardown(void **state)
{
	(void)state;
	aiot_backend_openssl_free(ossl);
	return 0;
}

int main(void)
{
	const char *e = getenv("AIOT_DIFF_N");
	if (e != NULL)
		n_iter = strtoul(e, NULL, 10);
	e = getenv("AIOT_DIFF_SEED");
	rng_state = e != NULL ? strtoull(e, NULL, 0) : 0x5EED0A107ULL;
	if (rng_state == 0)
		rng_state = 1;
	printf("differential tests: %lu random inputs per function, seed 0x%llx\n", n_iter,
	       (unsigned long long)rng_state);
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aes_block),    cmocka_unit_test(test_sha256),
	    cmocka_unit_test(test_hmac),         cmocka_unit_test(test_cmac),
	    cmocka_unit_test(test_ctr),          cmocka_unit_test(test_kdf),
	    cmocka_unit_test(test_res),          cmocka_unit_test(test_res_prepared),
	    cmocka_unit_test(test_session_keys), cmocka_unit_test(test_doa),
	    cmocka_unit_test(test_nia2_nea2),    cmocka_unit_test(test_domain_separation),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
