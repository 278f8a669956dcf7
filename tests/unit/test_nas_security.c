/* SPDX-License-Identifier: Apache-2.0 */
/* AIoT NAS protection (src/nas/nas_security.c, docs/protocol.md §3.5-3.6), run on the
 * reference backend and on the OpenSSL backend, plus an independent OpenSSL computation of
 * what the MAC and the cipher must cover. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "common/aiot_err.h"
#include "crypto/aiot_fc.h"
#include "crypto/backend.h"
#include "crypto/backend_openssl.h"
#include "nas/nas.h"
#include "nas/nas_security.h"

static const aiot_backend *be; /* the backend under test (group state) */
static aiot_backend *ossl;

static const uint8_t k_int[16] = {0x2b, 0xd6, 0x45, 0x9f, 0x82, 0xc5, 0xb3, 0x00,
                                  0x95, 0x2c, 0x49, 0x10, 0x48, 0x81, 0xff, 0x48};
static const uint8_t k_enc[16] = {0xd3, 0xc5, 0xd5, 0x92, 0x32, 0x7f, 0xb1, 0x1c,
                                  0x40, 0x35, 0xc6, 0x68, 0x0a, 0xf8, 0xc6, 0xd1};
static uint8_t plain[AIOT_NAS_MAX_PAYLOAD];

static int setup_ref(void **state)
{
	(void)state;
	be = &aiot_backend_ref;
	return 0;
}

/* be == NULL: the reference primitives called directly (what the device does). */
static int setup_direct(void **state)
{
	(void)state;
	be = NULL;
	return 0;
}

static int setup_openssl(void **state)
{
	(void)state;
	ossl = aiot_backend_openssl_new();
	be = ossl;
	return ossl == NULL ? -1 : 0;
}

static int teardown_openssl(void **state)
{
	(void)state;
	aiot_backend_openssl_free(ossl);
	ossl = NULL;
	return 0;
}

/* ---- independent model: OpenSSL EVP directly, nothing from src/crypto ------------------- */

static void model_prefix(uint8_t p[16], uint32_t count, uint8_t dir)
{
	memset(p, 0, 16);
	p[0] = (uint8_t)(count >> 24);
	p[1] = (uint8_t)(count >> 16);
	p[2] = (uint8_t)(count >> 8);
	p[3] = (uint8_t)count;
	p[4] = (uint8_t)(AIOT_NAS_BEARER << 3 | dir << 2);
}

/* 128-NIA2 over octets 0-1 || payload (TS 33.401 B.2.3 with whole octets = RFC 4493). */
static void model_mac(uint32_t count, uint8_t dir, const uint8_t *msg, size_t len, uint8_t mac[4])
{
	uint8_t pre[16], t[16];
	size_t tl = sizeof t;
	char cipher[] = "AES-128-CBC";
	OSSL_PARAM params[] = {
	    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cipher, 0),
	    OSSL_PARAM_construct_end(),
	};
	EVP_MAC *m = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *c = EVP_MAC_CTX_new(m);

	assert_non_null(c);
	model_prefix(pre, count, dir);
	assert_int_equal(EVP_MAC_init(c, k_int, 16, params), 1);
	assert_int_equal(EVP_MAC_update(c, pre, 8), 1);
	assert_int_equal(EVP_MAC_update(c, msg, 2), 1);
	assert_int_equal(EVP_MAC_update(c, msg + AIOT_NAS_SEC_HDR_LEN, len - AIOT_NAS_SEC_HDR_LEN),
	                 1);
	assert_int_equal(EVP_MAC_final(c, t, &tl, sizeof t), 1);
	memcpy(mac, t, 4);
	EVP_MAC_CTX_free(c);
	EVP_MAC_free(m);
}

/* 128-NEA2: AES-128-CTR with T1 = COUNT || BEARER || DIRECTION || 0^26 || 0^64. */
static void model_ctr(uint32_t count, uint8_t dir, const uint8_t *in, size_t len, uint8_t *out)
{
	uint8_t iv[16];
	int ol = 0, fl = 0;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();

	model_prefix(iv, count, dir);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_ctr(), NULL, k_enc, iv), 1);
	assert_int_equal(EVP_EncryptUpdate(c, out, &ol, in, (int)len), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, out + ol, &fl), 1);
	assert_int_equal(ol + fl, (int)len);
	EVP_CIPHER_CTX_free(c);
}

/* ---- tests ------------------------------------------------------------------------------ */

static const size_t lens[] = {1, 2, 15, 16, 17, 100, AIOT_NAS_MAX_PAYLOAD};
#define NLENS (sizeof lens / sizeof lens[0])

static void roundtrip_one(uint8_t type, uint8_t dir, int ci, size_t len, uint32_t count)
{
	uint8_t buf[AIOT_NAS_MAX_PDU], want[AIOT_NAS_MAX_PAYLOAD], mac[4];
	aiot_nas_protected p;
	const uint8_t *ke = ci ? k_enc : NULL;

	int n = aiot_nas_protect(be, k_int, ke, type, count, dir, plain, len, buf, sizeof buf);
	assert_int_equal(n, (int)(AIOT_NAS_SEC_HDR_LEN + len));
	assert_int_equal(buf[0], type);
	assert_int_equal(buf[1], ci ? 0x80 : 0x00);
	assert_int_equal(buf[2], (uint8_t)(count >> 24));
	assert_int_equal(buf[5], (uint8_t)count);
	/* payload as sent: the NEA2 cipher text or the plain text */
	if (ci)
		model_ctr(count, dir, plain, len, want);
	else
		memcpy(want, plain, len);
	assert_memory_equal(buf + AIOT_NAS_SEC_HDR_LEN, want, len);
	/* MAC over octets 0-1 || payload as sent (encrypt-then-MAC) */
	model_mac(count, dir, buf, (size_t)n, mac);
	assert_memory_equal(buf + 6, mac, 4);

	assert_int_equal(aiot_nas_unprotect(be, k_int, ke, dir, buf, (size_t)n, &p), AIOT_OK);
	assert_int_equal(p.type, type);
	assert_int_equal(p.ciphered, ci);
	assert_int_equal(p.count, count);
	assert_memory_equal(p.mac, mac, 4);
	assert_ptr_equal(p.payload, buf + AIOT_NAS_SEC_HDR_LEN);
	assert_int_equal(p.payload_len, len);
	assert_memory_equal(p.payload, plain, len);
}

/* Round trip: both types, both directions, with and without ciphering, against the model. */
static void test_roundtrip(void **state)
{
	(void)state;
	static const uint32_t counts[] = {0, 1, 0x01020304, 0xffffffffu};

	/* v: bit 0 type, bit 1 direction, bit 2 ciphered */
	for (unsigned v = 0; v < 8; v++)
		for (size_t i = 0; i < NLENS; i++)
			for (size_t k = 0; k < 4; k++)
				roundtrip_one((uint8_t)(AIOT_NAS_COMMAND_REQUEST + (v & 1)),
				              (uint8_t)(v >> 1 & 1), (int)(v >> 2), lens[i],
				              counts[k]);
}

/* A fixed vector (docs/protocol.md §3.7): READ offset 0x0010 length 8, COUNT 5, downlink. */
static void test_known_answer(void **state)
{
	(void)state;
	static const uint8_t cmd[] = {0x01, 0x00, 0x10, 0x08};
	/* computed with the openssl command line tool (openssl mac CMAC, openssl enc) */
	static const uint8_t want_plain[] = {0x02, 0x00, 0x00, 0x00, 0x00, 0x05, 0x70,
	                                     0x24, 0xc5, 0x82, 0x01, 0x00, 0x10, 0x08};
	static const uint8_t want_ciph[] = {0x02, 0x80, 0x00, 0x00, 0x00, 0x05, 0xce,
	                                    0x3b, 0x21, 0xf2, 0x59, 0xd5, 0xa2, 0x49};
	uint8_t buf[32];

	int n = aiot_nas_protect(be, k_int, NULL, AIOT_NAS_COMMAND_REQUEST, 5, AIOT_DIR_DOWNLINK,
	                         cmd, sizeof cmd, buf, sizeof buf);
	assert_int_equal(n, sizeof want_plain);
	assert_memory_equal(buf, want_plain, sizeof want_plain);
	n = aiot_nas_protect(be, k_int, k_enc, AIOT_NAS_COMMAND_REQUEST, 5, AIOT_DIR_DOWNLINK, cmd,
	                     sizeof cmd, buf, sizeof buf);
	assert_int_equal(n, sizeof want_ciph);
	assert_memory_equal(buf, want_ciph, sizeof want_ciph);
}

static void bit_flips_one(uint8_t dir, int ci, size_t len)
{
	uint8_t buf[AIOT_NAS_MAX_PDU], orig[AIOT_NAS_MAX_PDU], mut[AIOT_NAS_MAX_PDU];
	aiot_nas_protected p, d;
	int n = aiot_nas_protect(be, k_int, ci ? k_enc : NULL, AIOT_NAS_COMMAND_REQUEST, 77, dir,
	                         plain, len, orig, sizeof orig);

	assert_true(n > 0);
	for (size_t bit = 0; bit < (size_t)n * 8; bit++) {
		memcpy(buf, orig, (size_t)n);
		buf[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
		memcpy(mut, buf, (size_t)n);
		int rc = aiot_nas_unprotect(be, k_int, k_enc, dir, buf, (size_t)n, &p);
		if (aiot_nas_decode_protected(mut, (size_t)n, &d) == AIOT_OK)
			assert_int_equal(rc, AIOT_ERR_MAC);
		else /* type or reserved flag bits: rejected by the framing */
			assert_true(rc == AIOT_ERR_UNKNOWN || rc == AIOT_ERR_MALFORMED);
		assert_memory_equal(buf, mut, (size_t)n);
		assert_null(p.payload);
	}
}

/* Every single-bit flip anywhere fails, leaving the buffer exactly as received. */
static void test_bit_flips(void **state)
{
	(void)state;
	static const size_t flens[] = {1, 17, 60};

	for (size_t i = 0; i < sizeof flens / sizeof flens[0]; i++) {
		bit_flips_one(AIOT_DIR_UPLINK, 0, flens[i]);
		bit_flips_one(AIOT_DIR_UPLINK, 1, flens[i]);
		bit_flips_one(AIOT_DIR_DOWNLINK, 0, flens[i]);
		bit_flips_one(AIOT_DIR_DOWNLINK, 1, flens[i]);
	}
}

static void wrong_inputs_one(int ci, size_t plen)
{
	uint8_t buf[AIOT_NAS_MAX_PDU + 1], orig[AIOT_NAS_MAX_PDU + 1], k2[16];
	aiot_nas_protected p;
	const uint8_t *ke = ci ? k_enc : NULL;
	int n = aiot_nas_protect(be, k_int, ke, AIOT_NAS_COMMAND_RESPONSE, 1000, AIOT_DIR_UPLINK,
	                         plain, plen, orig, sizeof orig);
	assert_true(n > 0);
	size_t len = (size_t)n;

	/* wrong K_AIOT_int: single-bit changes spread over the key */
	for (size_t bit = 0; bit < 128; bit += 9) {
		memcpy(k2, k_int, 16);
		k2[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memcpy(buf, orig, len);
		assert_int_equal(aiot_nas_unprotect(be, k2, ke, AIOT_DIR_UPLINK, buf, len, &p),
		                 AIOT_ERR_MAC);
		assert_memory_equal(buf, orig, len);
	}
	/* the cipher key in place of the integrity key */
	memcpy(buf, orig, len);
	assert_int_equal(aiot_nas_unprotect(be, k_enc, k_int, AIOT_DIR_UPLINK, buf, len, &p),
	                 AIOT_ERR_MAC);
	/* wrong direction (a reflected message) */
	assert_int_equal(aiot_nas_unprotect(be, k_int, ke, AIOT_DIR_DOWNLINK, buf, len, &p),
	                 AIOT_ERR_MAC);
	assert_memory_equal(buf, orig, len);
	/* truncated by one octet (the framing cannot tell: the MAC does) */
	if (len > AIOT_NAS_SEC_HDR_LEN + 1)
		assert_int_equal(
		    aiot_nas_unprotect(be, k_int, ke, AIOT_DIR_UPLINK, buf, len - 1, &p),
		    AIOT_ERR_MAC);
	/* one octet appended */
	buf[len] = 0;
	assert_int_equal(aiot_nas_unprotect(be, k_int, ke, AIOT_DIR_UPLINK, buf, len + 1, &p),
	                 len + 1 > AIOT_NAS_MAX_PDU ? AIOT_ERR_MALFORMED : AIOT_ERR_MAC);
	assert_memory_equal(buf, orig, len);
	/* and the untouched message still verifies */
	assert_int_equal(aiot_nas_unprotect(be, k_int, ke, AIOT_DIR_UPLINK, buf, len, &p), AIOT_OK);
}

static void test_wrong_key_direction_length(void **state)
{
	(void)state;
	for (size_t i = 0; i < NLENS; i++) {
		wrong_inputs_one(0, lens[i]);
		wrong_inputs_one(1, lens[i]);
	}
}

/* Ciphered message, no K_AIOT_enc: the MAC is checked, then AIOT_ERR_STATE, buffer intact. */
static void test_ciphered_without_kenc(void **state)
{
	(void)state;
	uint8_t buf[64], orig[64];
	aiot_nas_protected p;
	int n = aiot_nas_protect(be, k_int, k_enc, AIOT_NAS_COMMAND_REQUEST, 3, AIOT_DIR_DOWNLINK,
	                         plain, 20, orig, sizeof orig);
	assert_int_equal(n, 30);
	memcpy(buf, orig, 30);
	assert_int_equal(aiot_nas_unprotect(be, k_int, NULL, AIOT_DIR_DOWNLINK, buf, 30, &p),
	                 AIOT_ERR_STATE);
	assert_memory_equal(buf, orig, 30);
	assert_null(p.payload);
	/* a forged one (bad MAC) still reports the MAC failure */
	buf[12] ^= 1;
	assert_int_equal(aiot_nas_unprotect(be, k_int, NULL, AIOT_DIR_DOWNLINK, buf, 30, &p),
	                 AIOT_ERR_MAC);
	/* an unciphered message verifies whether or not k_enc is given */
	n = aiot_nas_protect(be, k_int, NULL, AIOT_NAS_COMMAND_REQUEST, 3, AIOT_DIR_DOWNLINK, plain,
	                     20, buf, sizeof buf);
	assert_int_equal(aiot_nas_unprotect(be, k_int, k_enc, AIOT_DIR_DOWNLINK, buf, 30, &p),
	                 AIOT_OK);
	assert_memory_equal(p.payload, plain, 20);
}

static void test_protect_errors(void **state)
{
	(void)state;
	uint8_t out[AIOT_NAS_MAX_PDU + 8];
	aiot_nas_protected p;

	assert_int_equal(aiot_nas_protect(be, k_int, NULL, AIOT_NAS_INVENTORY_RESPONSE, 0, 0, plain,
	                                  4, out, sizeof out),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_nas_protect(be, k_int, NULL, 0x04, 0, 0, plain, 4, out, sizeof out),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_nas_protect(be, k_int, NULL, AIOT_NAS_COMMAND_REQUEST, 0, 2, plain, 4,
	                                  out, sizeof out),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_nas_protect(be, k_int, NULL, AIOT_NAS_COMMAND_REQUEST, 0, 0, plain, 0,
	                                  out, sizeof out),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_nas_protect(be, k_int, NULL, AIOT_NAS_COMMAND_REQUEST, 0, 0, plain,
	                                  AIOT_NAS_MAX_PAYLOAD + 1, out, sizeof out),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_nas_protect(be, k_int, NULL, AIOT_NAS_COMMAND_REQUEST, 0, 0, NULL, 4,
	                                  out, sizeof out),
	                 AIOT_ERR_INVAL);
	assert_int_equal(aiot_nas_protect(be, NULL, NULL, AIOT_NAS_COMMAND_REQUEST, 0, 0, plain, 4,
	                                  out, sizeof out),
	                 AIOT_ERR_INVAL);
	for (size_t cap = 0; cap < AIOT_NAS_SEC_HDR_LEN + 4; cap++)
		assert_int_equal(aiot_nas_protect(be, k_int, k_enc, AIOT_NAS_COMMAND_REQUEST, 0, 0,
		                                  plain, 4, out, cap),
		                 AIOT_ERR_NOSPACE);
	/* unprotect argument errors */
	int n = aiot_nas_protect(be, k_int, NULL, AIOT_NAS_COMMAND_REQUEST, 0, 0, plain, 4, out,
	                         sizeof out);
	assert_int_equal(n, 14);
	assert_int_equal(aiot_nas_unprotect(be, k_int, NULL, 2, out, 14, &p), AIOT_ERR_INVAL);
	assert_int_equal(aiot_nas_unprotect(be, NULL, NULL, 0, out, 14, &p), AIOT_ERR_INVAL);
	assert_int_equal(aiot_nas_unprotect(be, k_int, NULL, 0, out, 14, NULL), AIOT_ERR_INVAL);
	assert_int_equal(aiot_nas_unprotect(be, k_int, NULL, 0, NULL, 0, &p), AIOT_ERR_TRUNC);
	for (size_t l = 0; l <= AIOT_NAS_SEC_HDR_LEN; l++)
		assert_int_equal(aiot_nas_unprotect(be, k_int, NULL, 0, out, l, &p),
		                 AIOT_ERR_TRUNC);
	assert_int_equal(aiot_nas_unprotect(be, k_int, NULL, 0, out, 14, &p), AIOT_OK);
}

/* The device builds its result in place at out + AIOT_NAS_SEC_HDR_LEN. */
static void test_protect_in_place(void **state)
{
	(void)state;
	uint8_t a[64], b[64];
	aiot_nas_protected p;

	memcpy(a + AIOT_NAS_SEC_HDR_LEN, plain, 40);
	int n = aiot_nas_protect(be, k_int, k_enc, AIOT_NAS_COMMAND_RESPONSE, 9, AIOT_DIR_UPLINK,
	                         a + AIOT_NAS_SEC_HDR_LEN, 40, a, sizeof a);
	assert_int_equal(n, 50);
	assert_int_equal(aiot_nas_protect(be, k_int, k_enc, AIOT_NAS_COMMAND_RESPONSE, 9,
	                                  AIOT_DIR_UPLINK, plain, 40, b, sizeof b),
	                 50);
	assert_memory_equal(a, b, 50);
	assert_int_equal(aiot_nas_unprotect(be, k_int, k_enc, AIOT_DIR_UPLINK, a, 50, &p), AIOT_OK);
	assert_memory_equal(p.payload, plain, 40);
}

static int failing_ctr(void *ctx, const uint8_t key[16], const uint8_t ctr0[16], const uint8_t *in,
                       uint8_t *out, size_t len)
{
	(void)ctx, (void)key, (void)ctr0, (void)in, (void)out, (void)len;
	return AIOT_ERR_CRYPTO;
}

static int failing_cmac(void *ctx, const uint8_t key[16], const aiot_iov *iov, size_t niov,
                        size_t nbits, uint8_t mac[16])
{
	(void)ctx, (void)key, (void)iov, (void)niov, (void)nbits, (void)mac;
	return AIOT_ERR_CRYPTO;
}

/* A failing backend: protect leaves no plain text behind, unprotect leaves buf intact. */
static void test_backend_failure(void **state)
{
	(void)state;
	uint8_t out[64], good[64], buf[64];
	aiot_nas_protected p;
	aiot_backend bad = *be;

	bad.aes_ctr = failing_ctr;
	memset(out, 0x55, sizeof out);
	assert_int_equal(aiot_nas_protect(&bad, k_int, k_enc, AIOT_NAS_COMMAND_REQUEST, 1,
	                                  AIOT_DIR_DOWNLINK, plain, 30, out, sizeof out),
	                 AIOT_ERR_CRYPTO);
	for (size_t i = 0; i < 40; i++)
		assert_int_equal(out[i], 0);
	int n = aiot_nas_protect(be, k_int, k_enc, AIOT_NAS_COMMAND_REQUEST, 1, AIOT_DIR_DOWNLINK,
	                         plain, 30, good, sizeof good);
	assert_int_equal(n, 40);
	memcpy(buf, good, 40);
	assert_int_equal(aiot_nas_unprotect(&bad, k_int, k_enc, AIOT_DIR_DOWNLINK, buf, 40, &p),
	                 AIOT_ERR_CRYPTO);
	assert_null(p.payload);

	bad = *be;
	bad.aes_cmac = failing_cmac;
	assert_int_equal(aiot_nas_protect(&bad, k_int, NULL, AIOT_NAS_COMMAND_REQUEST, 1,
	                                  AIOT_DIR_DOWNLINK, plain, 30, out, sizeof out),
	                 AIOT_ERR_CRYPTO);
	for (size_t i = 0; i < 40; i++)
		assert_int_equal(out[i], 0);
	assert_int_equal(aiot_nas_unprotect(&bad, k_int, k_enc, AIOT_DIR_DOWNLINK, buf, 40, &p),
	                 AIOT_ERR_CRYPTO);
	assert_memory_equal(buf, good, 40); /* octets 8-9 restored */
	bad.aes_cmac = NULL;
	assert_int_equal(aiot_nas_unprotect(&bad, k_int, k_enc, AIOT_DIR_DOWNLINK, buf, 40, &p),
	                 AIOT_ERR_INVAL);
	assert_memory_equal(buf, good, 40);
}

static void cross_one(aiot_backend *o, uint8_t dir, int ci, size_t len, uint32_t count)
{
	uint8_t a[AIOT_NAS_MAX_PDU], b[AIOT_NAS_MAX_PDU];
	aiot_nas_protected p;
	const uint8_t *ke = ci ? k_enc : NULL;
	int n = aiot_nas_protect(be, k_int, ke, AIOT_NAS_COMMAND_REQUEST, count, dir, plain, len, a,
	                         sizeof a);

	assert_int_equal(n, (int)(AIOT_NAS_SEC_HDR_LEN + len));
	assert_int_equal(aiot_nas_protect(o, k_int, ke, AIOT_NAS_COMMAND_REQUEST, count, dir, plain,
	                                  len, b, sizeof b),
	                 n);
	assert_memory_equal(a, b, (size_t)n);
	assert_int_equal(aiot_nas_unprotect(o, k_int, ke, dir, a, (size_t)n, &p), AIOT_OK);
	assert_memory_equal(p.payload, plain, len);
	assert_int_equal(aiot_nas_unprotect(be, k_int, ke, dir, b, (size_t)n, &p), AIOT_OK);
	assert_memory_equal(p.payload, plain, len);
}

/* Reference and OpenSSL backends produce identical messages and accept each other's. */
static void test_cross_backend(void **state)
{
	(void)state;
	aiot_backend *o = aiot_backend_openssl_new();
	assert_non_null(o);

	for (size_t i = 0; i < NLENS; i++) {
		cross_one(o, AIOT_DIR_UPLINK, 0, lens[i], (uint32_t)i);
		cross_one(o, AIOT_DIR_UPLINK, 1, lens[i], (uint32_t)i);
		cross_one(o, AIOT_DIR_DOWNLINK, 0, lens[i], 0xffffff00u + (uint32_t)i);
		cross_one(o, AIOT_DIR_DOWNLINK, 1, lens[i], 0xffffff00u + (uint32_t)i);
	}
	aiot_backend_openssl_free(o);
}

/* What every backend runs; be == NULL (the direct primitives) has no struct to break. */
#define SEC_TESTS_COMMON                                                                           \
	cmocka_unit_test(test_roundtrip), cmocka_unit_test(test_known_answer),                     \
	    cmocka_unit_test(test_bit_flips), cmocka_unit_test(test_wrong_key_direction_length),   \
	    cmocka_unit_test(test_ciphered_without_kenc), cmocka_unit_test(test_protect_errors),   \
	    cmocka_unit_test(test_protect_in_place)
#define SEC_TESTS SEC_TESTS_COMMON, cmocka_unit_test(test_backend_failure)

int main(void)
{
	for (size_t i = 0; i < sizeof plain; i++)
		plain[i] = (uint8_t)(i * 13 + 1);
	const struct CMUnitTest ref_tests[] = {SEC_TESTS, cmocka_unit_test(test_cross_backend)};
	const struct CMUnitTest ossl_tests[] = {SEC_TESTS};
	const struct CMUnitTest direct_tests[] = {SEC_TESTS_COMMON,
	                                          cmocka_unit_test(test_cross_backend)};
	int fails = cmocka_run_group_tests_name("nas_security_ref", ref_tests, setup_ref, NULL);
	fails +=
	    cmocka_run_group_tests_name("nas_security_direct", direct_tests, setup_direct, NULL);
	fails += cmocka_run_group_tests_name("nas_security_openssl", ossl_tests, setup_openssl,
	                                     teardown_openssl);
	return fails;
}
