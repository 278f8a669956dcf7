/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Known-answer tests: published vectors, each written out below with its source, run
 * through the freestanding primitives and through BOTH backends (aiot_backend_ref and
 * aiot_backend_openssl), plus negative tests (bit flips, invalid arguments).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/aiot_err.h"
#include "crypto/aes128.h"
#include "crypto/backend.h"
#include "crypto/backend_openssl.h"
#include "crypto/cmac.h"
#include "crypto/ctr.h"
#include "crypto/hmac_sha256.h"
#include "crypto/nxa2.h"
#include "crypto/sha256.h"

#define MAXBUF 2100

static const aiot_backend *backends[2];
#define NBE (sizeof(backends) / sizeof(backends[0]))

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decodes a test vector's hex string (no separators); fails the test on bad input. */
static size_t unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = strlen(s);
	assert_int_equal(n % 2, 0);
	assert_true(n / 2 <= cap);
	for (size_t i = 0; i < n / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		assert_true(hi >= 0 && lo >= 0);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return n / 2;
}

/* Splits buf into 3 pieces (the middle one may be empty) to exercise the gather paths. */
static void split3(const uint8_t *buf, size_t len, aiot_iov iov[3])
{
	size_t a = len / 3, b = len / 2;
	iov[0] = (aiot_iov){buf, a};
	iov[1] = (aiot_iov){buf + a, b - a};
	iov[2] = (aiot_iov){buf + b, len - b};
}

/* ---------------------------------------------------------------------------------------- */
/* AES-128 */

struct aes_tv {
	const char *key, *pt, *ct;
};

static const struct aes_tv aes_tvs[] = {
    /* FIPS 197 Appendix C.1 (AES-128, Nk = 4, Nr = 10) */
    {"000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
     "69c4e0d86a7b0430d8cdb78070b4c55a"},
    /* FIPS 197 Appendix B (Cipher example) */
    {"2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734",
     "3925841d02dc09fbdc118597196a0b32"},
    /* NIST SP 800-38A F.1.1 ECB-AES128.Encrypt, blocks #1-#4 */
    {"2b7e151628aed2a6abf7158809cf4f3c", "6bc1bee22e409f96e93d7e117393172a",
     "3ad77bb40d7a3660a89ecaf32466ef97"},
    {"2b7e151628aed2a6abf7158809cf4f3c", "ae2d8a571e03ac9c9eb76fac45af8e51",
     "f5d3d58503b9699de785895a96fdbaaf"},
    {"2b7e151628aed2a6abf7158809cf4f3c", "30c81c46a35ce411e5fbc1191a0a52ef",
     "43b1cd7f598ece23881b00e3ed030688"},
    {"2b7e151628aed2a6abf7158809cf4f3c", "f69f2445df4f9b17ad2b417be66c3710",
     "7b0c785e27e8ad3f8223207104725dd4"},
};

static void test_aes128_kat(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(aes_tvs) / sizeof(aes_tvs[0]); i++) {
		uint8_t key[16], pt[16], ct[16], out[16], zero[16] = {0};
		aiot_aes128 ks;

		unhex(aes_tvs[i].key, key, 16);
		unhex(aes_tvs[i].pt, pt, 16);
		unhex(aes_tvs[i].ct, ct, 16);
		aiot_aes128_init(&ks, key);
		aiot_aes128_encrypt(&ks, pt, out);
		assert_memory_equal(out, ct, 16);
		aiot_aes128_encrypt(&ks, pt, pt); /* in == out */
		assert_memory_equal(pt, ct, 16);
		aiot_aes128_clear(&ks);
		for (size_t w = 0; w < 44; w++)
			assert_int_equal(ks.rk[w], 0);

		/* The same block through each backend: CTR over a zero block with T1 = pt. */
		unhex(aes_tvs[i].pt, pt, 16);
		for (size_t b = 0; b < NBE; b++) {
			memset(out, 0xAA, sizeof(out));
			assert_int_equal(
			    backends[b]->aes_ctr(backends[b]->ctx, key, pt, zero, out, 16),
			    AIOT_OK);
			assert_memory_equal(out, ct, 16);
		}
	}
}

/* NIST SP 800-38A F.5.1 CTR-AES128.Encrypt */
static void test_ctr_sp800_38a(void **state)
{
	static const char *pt_hex = "6bc1bee22e409f96e93d7e117393172a"
	                            "ae2d8a571e03ac9c9eb76fac45af8e51"
	                            "30c81c46a35ce411e5fbc1191a0a52ef"
	                            "f69f2445df4f9b17ad2b417be66c3710";
	static const char *ct_hex = "874d6191b620e3261bef6864990db6ce"
	                            "9806f66b7970fdff8617187bb9fffdff"
	                            "5ae4df3edbd5d35e5b4f09020db03eab"
	                            "1e031dda2fbe03d1792170a0f3009cee";
	uint8_t key[16], t1[16], pt[64], ct[64], out[64];

	(void)state;
	unhex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	unhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff", t1, 16);
	unhex(pt_hex, pt, 64);
	unhex(ct_hex, ct, 64);

	aiot_aes_ctr(key, t1, pt, out, 64);
	assert_memory_equal(out, ct, 64);
	for (size_t b = 0; b < NBE; b++) {
		const aiot_backend *be = backends[b];
		/* every length 0..64 is a prefix of the vector (partial last block) */
		for (size_t len = 0; len <= 64; len++) {
			memset(out, 0, sizeof(out));
			assert_int_equal(be->aes_ctr(be->ctx, key, t1, pt, out, len), AIOT_OK);
			assert_memory_equal(out, ct, len);
		}
		memcpy(out, ct, 64); /* decrypt in place */
		assert_int_equal(be->aes_ctr(be->ctx, key, t1, out, out, 64), AIOT_OK);
		assert_memory_equal(out, pt, 64);
	}
}

/* The counter is a 128-bit big-endian integer: ff..ff wraps to 00..00 (SP 800-38A B.1). */
static void test_ctr_wrap(void **state)
{
	uint8_t key[16], t1[16], zero[48] = {0}, a[48], blk[16];
	aiot_aes128 ks;

	(void)state;
	unhex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	unhex("fffffffffffffffffffffffffffffffe", t1, 16);
	aiot_aes128_init(&ks, key);
	for (size_t b = 0; b < NBE; b++) {
		assert_int_equal(backends[b]->aes_ctr(backends[b]->ctx, key, t1, zero, a, 48),
		                 AIOT_OK);
		aiot_aes128_encrypt(&ks, t1, blk);
		assert_memory_equal(a, blk, 16);
		memset(blk, 0xff, 16);
		aiot_aes128_encrypt(&ks, blk, blk);
		assert_memory_equal(a + 16, blk, 16);
		memset(blk, 0, 16);
		aiot_aes128_encrypt(&ks, blk, blk);
		assert_memory_equal(a + 32, blk, 16);
	}
	aiot_aes128_clear(&ks);
}

/* ---------------------------------------------------------------------------------------- */
/* SHA-256 (FIPS 180-2 Appendix B / NIST CSRC example values) */

static void check_sha256(const uint8_t *m, size_t n, const char *want_hex)
{
	uint8_t want[32], got[32];
	aiot_sha256_ctx c;

	unhex(want_hex, want, 32);
	aiot_sha256(m, n, got);
	assert_memory_equal(got, want, 32);
	/* streamed in uneven pieces */
	aiot_sha256_init(&c);
	for (size_t off = 0, k = 0; off < n; k++) {
		size_t take = 1 + (k * 37) % 131;
		if (take > n - off)
			take = n - off;
		aiot_sha256_update(&c, m + off, take);
		off += take;
	}
	aiot_sha256_final(&c, got);
	assert_memory_equal(got, want, 32);
	/* final() zeroises the context */
	for (size_t i = 0; i < sizeof(c); i++)
		assert_int_equal(((const uint8_t *)&c)[i], 0);
}

static void test_sha256_kat(void **state)
{
	static uint8_t million[1000000];
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

	(void)state;
	/* FIPS 180-2 B.1: "abc" */
	check_sha256((const uint8_t *)"abc", 3,
	             "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* NIST CSRC SHA-256 example: the empty message */
	check_sha256(NULL, 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	/* FIPS 180-2 B.2: the 448-bit message (two-block padding) */
	check_sha256((const uint8_t *)m448, strlen(m448),
	             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* FIPS 180-2 B.3: one million 'a' */
	memset(million, 'a', sizeof(million));
	check_sha256(million, sizeof(million),
	             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

/* ---------------------------------------------------------------------------------------- */
/* HMAC-SHA-256: RFC 4231 section 4, test cases 1-7 */

struct hmac_tv {
	const char *key;  /* hex */
	size_t key_rep;   /* if > 0: key is one hex byte repeated key_rep times */
	const char *data; /* hex, or ASCII if data_ascii */
	int data_ascii;
	size_t data_rep; /* if > 0: data is one hex byte repeated */
	const char *mac; /* hex; case 5 gives only the first 128 bits */
};

static const struct hmac_tv hmac_tvs[] = {
    /* RFC 4231 4.2 Test Case 1 */
    {"0b", 20, "Hi There", 1, 0,
     "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
    /* RFC 4231 4.3 Test Case 2: a key shorter than the output */
    {"4a656665", 0, "what do ya want for nothing?", 1, 0,
     "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
    /* RFC 4231 4.4 Test Case 3 */
    {"aa", 20, "dd", 0, 50, "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
    /* RFC 4231 4.5 Test Case 4 */
    {"0102030405060708090a0b0c0d0e0f10111213141516171819", 0, "cd", 0, 50,
     "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
    /* RFC 4231 4.6 Test Case 5: output truncated to 128 bits */
    {"0c", 20, "Test With Truncation", 1, 0, "a3b6167473100ee06e0c796c2955552b"},
    /* RFC 4231 4.7 Test Case 6: 131-byte key, hashed first */
    {"aa", 131, "Test Using Larger Than Block-Size Key - Hash Key First", 1, 0,
     "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
    /* RFC 4231 4.8 Test Case 7: 131-byte key and 152-byte data */
    {"aa", 131,
     "This is a test using a larger than block-size key and a larger than block-size data. "
     "The key needs to be hashed before being used by the HMAC algorithm.",
     1, 0, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
};

static size_t build(const char *hex, size_t rep, uint8_t *out, size_t cap)
{
	if (rep == 0)
		return unhex(hex, out, cap);
	uint8_t v;
	unhex(hex, &v, 1);
	assert_true(rep <= cap);
	memset(out, v, rep);
	return rep;
}

static void test_hmac_rfc4231(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(hmac_tvs) / sizeof(hmac_tvs[0]); i++) {
		const struct hmac_tv *tv = &hmac_tvs[i];
		uint8_t key[200], data[200], want[32], got[32];
		size_t klen = build(tv->key, tv->key_rep, key, sizeof(key));
		size_t dlen, mlen = unhex(tv->mac, want, sizeof(want));
		aiot_iov one, three[3];

		if (tv->data_ascii) {
			dlen = strlen(tv->data);
			memcpy(data, tv->data, dlen);
		} else {
			dlen = build(tv->data, tv->data_rep, data, sizeof(data));
		}
		one = (aiot_iov){data, dlen};
		split3(data, dlen, three);

		aiot_hmac_sha256(key, klen, &one, 1, got);
		assert_memory_equal(got, want, mlen);
		for (size_t b = 0; b < NBE; b++) {
			const aiot_backend *be = backends[b];
			memset(got, 0, sizeof(got));
			assert_int_equal(be->hmac_sha256(be->ctx, key, klen, &one, 1, got),
			                 AIOT_OK);
			assert_memory_equal(got, want, mlen);
			memset(got, 0, sizeof(got));
			assert_int_equal(be->hmac_sha256(be->ctx, key, klen, three, 3, got),
			                 AIOT_OK);
			assert_memory_equal(got, want, mlen);
		}
	}
}

/* ---------------------------------------------------------------------------------------- */
/* AES-CMAC: RFC 4493 section 4, examples 1-4 (= NIST SP 800-38B D.1) */

static void test_cmac_rfc4493(void **state)
{
	static const char *msg_hex = "6bc1bee22e409f96e93d7e117393172a"
	                             "ae2d8a571e03ac9c9eb76fac45af8e51"
	                             "30c81c46a35ce411e5fbc1191a0a52ef"
	                             "f69f2445df4f9b17ad2b417be66c3710";
	static const struct {
		size_t len;
		const char *mac;
	} ex[] = {
	    {0, "bb1d6929e95937287fa37d129b756746"},  /* Example 1: len = 0 */
	    {16, "070a16b46b4d4144f79bdd9dd04a287c"}, /* Example 2: len = 16 */
	    {40, "dfa66747de9ae63030ca32611497c827"}, /* Example 3: len = 40 */
	    {64, "51f0bebf7e3b9d92fc49741779363cfe"}, /* Example 4: len = 64 */
	};
	uint8_t key[16], msg[64], want[16], got[16];

	(void)state;
	unhex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
	unhex(msg_hex, msg, 64);
	for (size_t i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		aiot_iov one = {msg, ex[i].len}, three[3];

		unhex(ex[i].mac, want, 16);
		split3(msg, ex[i].len, three);
		aiot_aes_cmac(key, &one, 1, 8 * ex[i].len, got);
		assert_memory_equal(got, want, 16);
		aiot_aes_cmac(key, three, 3, 8 * ex[i].len, got);
		assert_memory_equal(got, want, 16);
		for (size_t b = 0; b < NBE; b++) {
			const aiot_backend *be = backends[b];
			memset(got, 0, sizeof(got));
			assert_int_equal(be->aes_cmac(be->ctx, key, &one, 1, 8 * ex[i].len, got),
			                 AIOT_OK);
			assert_memory_equal(got, want, 16);
			memset(got, 0, sizeof(got));
			assert_int_equal(be->aes_cmac(be->ctx, key, three, 3, 8 * ex[i].len, got),
			                 AIOT_OK);
			assert_memory_equal(got, want, 16);
			/* a longer list: only the first nbits count */
			aiot_iov whole = {msg, 64};
			memset(got, 0, sizeof(got));
			assert_int_equal(be->aes_cmac(be->ctx, key, &whole, 1, 8 * ex[i].len, got),
			                 AIOT_OK);
			assert_memory_equal(got, want, 16);
		}
	}
}

/* ---------------------------------------------------------------------------------------- */
/*
 * 128-EEA2 / 128-EIA2: TS 33.401 Annex C.1 (test sets 1-6) and C.2 (test sets 1-8), the same
 * sets as TS 33.501 D.4.4 / D.4.5 (128-NEA2 / 128-NIA2). Copied from
 * srsran/srsRAN_Project tests/unittests/security/security_test.cpp (commit fd61e6467fab,
 * TEST(security_nea2_test, testset1..6) and TEST(security_nia2_test, testset1..8)).
 */

struct eea2_tv {
	const char *key;
	uint32_t count;
	uint8_t bearer, dir;
	size_t nbits;
	const char *pt, *ct;
};

static const struct eea2_tv eea2_tvs[] = {
    /* 33.401 C.1 Test Set 1 */
    {"d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x15, 1, 253,
     "981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a6dc66b1f0",
     "e9fed8a63d155304d71df20bf3e82214b20ed7dad2f233dc3c22d7bdeeed8e78"},
    /* 33.401 C.1 Test Set 2 */
    {"2bd6459f82c440e0952c49104805ff48", 0xc675a64b, 0x0c, 1, 798,
     "7ec61272743bf1614726446a6c38ced166f6ca76eb5430044286346cef130f92922b03450d3a9975e5bd2ea0eb55a"
     "d8e1b199e3ec4316020"
     "e9a1b285e762795359b7bdfd39bef4b2484583d5afe082aee638bf5fd5a606193901a08f4ab41aab9b134880",
     "5961605353c64bdca15b195e288553a910632506d6200aa790c4c806c99904cf2445cc50bb1cf168a49673734e081"
     "b57e324ce5259c0e78d"
     "4cd97b870976503c0943f2cb5ae8f052c7b7d392239587b8956086bcab18836042e2e6ce42432a17105c53d0"},
    /* 33.401 C.1 Test Set 3 */
    {"0a8b6bd8d9b08b08d64e32d1817777fb", 0x544d49cd, 0x04, 0, 310,
     "fd40a41d370a1f65745095687d47ba1d36d2349e23f644392c8ea9c49d40c13271aff264d0f248",
     "75750d37b4bba2a4dedb34235bd68c6645acdaaca48138a3b0c471e2a7041a576423d2927287f0"},
    /* 33.401 C.1 Test Set 4 */
    {"aa1f95aea533bcb32eb63bf52d8f831a", 0x72d8c671, 0x10, 1, 1022,
     "fb1b96c5c8badfb2e8e8edfde78e57f2ad81e74103fc430a534dcc37afcec70e1517bb06f27219dae49022d"
     "dc47a068de4c9496a951a6b09edbdc864c7adbd740ac50c022f3082bafd22d78197c5d508b977bca13f32e6"
     "52e74ba728576077ce628c535e87dc6077ba07d29068590c8cb5f1088e082cfa0ec961302d69cf3d44",
     "dfb440acb3773549efc04628aeb8d8156275230bdc690d94b00d8d95f28c4b56307f60f4ca55eba661ebba"
     "72ac808fa8c49e26788ed04a5d606cb418de74878b9a22f8ef29590bc4eb57c9faf7c41524a885b8979c42"
     "3f2f8f8e0592a9879201be7ff9777a162ab810feb324ba74c4c156e04d39097209653ac33e5a5f2d8864"},
    /* 33.401 C.1 Test Set 5 */
    {"9618ae46891f86578eebe90ef7a1202e", 0xc675a64b, 0x0c, 1, 1245,
     "8daa17b1ae050529c6827f28c0ef6a1242e93f8b314fb18a77f790ae049fedd612267fecaefc450174d76d9f9aa77"
     "55a30cd90a9a5874bf4"
     "8eaf70eea3a62a250a8b6bd8d9b08b08d64e32d1817777fb544d49cd49720e219dbf8bbed33904e1fd40a41d370a1"
     "f65745095687d47ba1d"
     "36d2349e23f644392c8ea9c49d40c13271aff264d0f24841d6465f0996ff84e65fc517c53efc3363c38492a8",
     "919c8c33d66789703d05a0d7ce82a2aeac4ee76c0f4da050335e8a84e7897ba5df2f36bd513e3d0c8578c7a0fcf04"
     "3e03aa3a39fbaad7d15"
     "be074faa5d9029f71fb457b647834714b0e18f117fca10677945096c8c5f326ba8d6095eb29c3e36cf245d1622aaf"
     "e921f7566c4f5d644f2"
     "f1fc0ec684ddb21349747622e209295d27ff3f95623371d49b147c0af486171f22cd04b1cbeb2658223e6938"},
    /* 33.401 C.1 Test Set 6 */
    {"54f4e2e04c83786eec8fb5abe8e36566", 0xaca4f50f, 0x0b, 0, 3861,
     "40981ba6824c1bfb4286b299783daf442c099f7ab0f58d5c8e46b104f08f01b41ab485472029b71d36bd1a3d90dc3"
     "a41b46d51672ac4c966"
     "3a2be063da4bc8d2808ce33e2cccbfc634e1b259060876a0fbb5a437ebcc8d31c19e4454318745e3fa16bb11adae2"
     "48879fe52db2543e53c"
     "f445d3d828ce0bf5c560593d97278a59762dd0c2c9cd68d4496a792508614014b13b6aa51128c18cd6a90b87978c2"
     "ff1cabe7d9f898a411b"
     "fdb84f68f6727b1499cdd30df0443ab4a66653330bcba1105e4cec034c73e605b4310eaaadcfd5b0ca27ffd89d144"
     "df4792759427c9cc1f8"
     "cd8c87202364b8a687954cb05a8d4e2d99e73db160deb180ad0841e96741a5d59fe4189f15420026fe4cd12104932"
     "fb38f735340438aaf7e"
     "ca6fd5cfd3a195ce5abe65272af607ada1be65a6b4c9c0693234092c4d018f1756c6db9dc8a6d80b888138616b681"
     "262f954d0e771174878"
     "0d92291d86299972db741cfa4f37b8b56cdb18a7ca8218e86e4b4b716a4d04371fbec262fc5ad0b3819b187b97e55"
     "b1a4d7c19ee24c8b4d7"
     "723cfedf045b8acae4869517d80e50615d9035d5d9c5a40af602280b542597b0cb18619eeb35925759d195e100e8e"
     "4aa0c38a3c2abe0f3d8"
     "ff04f3c33c295069c23694b5bbeacdd542e28e8a94edb9119f412d054be1fa7200b090",
     "5cb72c6edc878f1566e10253afc364c9fa540d914db94cbee275d0917ca6af0d77acb4ef3bbe1a722b2ef5bd1d4b8"
     "e2aa5024ec1388a201e"
     "7bce7920aec615895f763a5564dcc4c482a2ee1d8bfecc4498eca83fbb75f9ab530e0dafbede2fa5895b82991b627"
     "7c529e0f2529d7f7960"
     "6be96706296dedfa9d7412b616958cb563c678c02825c30d0aee77c4c146d2765412421a808d13cec819694c75ad5"
     "72e9b973d948b81a933"
     "7c3b2a17192e22c2069f7ed1162af44cdea817603665e807ce40c8e0dd9d6394dc6e31153fe1955c47afb51f2617e"
     "e0c5e3b8ef1ad7574ed"
     "343edc2743cc94c990e1f1fd264253c178dea739c0befeebcd9f9b76d49c1015c9fecf50e53b8b5204dbcd3eed863"
     "855dabcdcc94b31e318"
     "021568855c8b9e52a981957a112827f978ba960f1447911b317b5511fbcc7fb13ac153db74251117e4861eb9e83bf"
     "fffc4eb7755579038e5"
     "7924b1f78b3e1ad90bab2a07871b72db5eef96c334044966db0c37cafd1a89e5646a3580eb6465f121dce9cb88d85"
     "b96cf23ccccd4280767"
     "bee8eeb23d8652461db6493103003baf89f5e18261ea43c84a92ebffffe4909dc46c5192f825f770600b9602c557b"
     "5f8b431a79d45977dd9"
     "c41b863da9e142e90020cfd074d6927b7ab3b6725d1a6f3f98b9c9daa8982aff067828"},
};

struct eia2_tv {
	const char *ik;
	uint32_t count;
	uint8_t bearer, dir;
	size_t nbits;
	const char *msg, *mac;
};

static const struct eia2_tv eia2_tvs[] = {
    /* 33.401 C.2 Test Set 1 (58 bits) */
    {"2bd6459f82c5b300952c49104881ff48", 0x38a6f056, 0x18, 0, 58, "3332346263393840", "118c6eb8"},
    /* 33.401 C.2 Test Set 2 */
    {"d3c5d592327fb11c4035c6680af8c6d1", 0x398a59b4, 0x1a, 1, 64, "484583d5afe082ae", "b93787e6"},
    /* 33.401 C.2 Test Set 3 (254 bits) */
    {"7e5e94431e11d73828d739cc6ced4573", 0x36af6144, 0x18, 1, 254,
     "b3d3c9170a4e1632f60f861013d22d84b726b6a278d802d1eeaf1321ba5929dc", "1f60b01d"},
    /* 33.401 C.2 Test Set 4 (511 bits) */
    {"d3419be821087acd02123a9248033359", 0xc7590ea9, 0x17, 0, 511,
     "bbb057038809496bcff86d6fbc8ce5b135a06b166054f2d565be8ace75dc851e0bcdd8f07141c495872fb5d8c"
     "0c66a8b6da556663e4e461205d84580bee5bc7e",
     "6846a2f0"},
    /* 33.401 C.2 Test Set 5 */
    {"83fd23a244a74cf358da3019f1722635", 0x36af6144, 0x0f, 1, 768,
     "35c68716633c66fb750c266865d53c11ea05b1e9fa49c8398d48e1efa5909d3947902837f5ae96d5a05bc8d61ca8d"
     "bef1b13a4b4abfe4fb1"
     "006045b674bb54729304c382be53a5af05556176f6eaa2ef1d05e4b083181ee674cda5a485f74d7a",
     "e657e182"},
    /* 33.401 C.2 Test Set 6 (383 bits) */
    {"6832a65cff4473621ebdd4ba26a921fe", 0x36af6144, 0x18, 0, 383,
     "d3c53839626820717765667620323837636240981ba6824c1bfb1ab485472029b71d808ce33e2cc3c0b5fc1f3de8a"
     "6dc",
     "f0668c1e"},
    /* 33.401 C.2 Test Set 7 (2558 bits) */
    {"5d0a80d8134ae19677824b671e838af4", 0x7827fab2, 0x05, 1, 2558,
     "70dedf2dc42c5cbd3a96f8a0b11418b3608d5733604a2cd36aabc70ce3193bb5153be2d3c06dfdb2d16e9c357158b"
     "e6a41d6b861e491db3f"
     "bfeb518efcf048d7d58953730ff30c9ec470ffcd663dc34201c36addc0111c35b38afee7cfdb582e3731f8b4baa8d"
     "1a89c06e81199a97162"
     "27be344efcb436ddd0f096c064c3b5e2c399993fc77394f9e09720a811850ef23b2ee05d9e6173609d86e1c0c18ea"
     "51a012a00bb413b9cb8"
     "188a703cd6bae31cc67b34b1b00019e6a2b2a690f02671fe7c9ef8dec0094e533763478d58d2c5f5b827a0148c594"
     "8a96931acf84f465a64"
     "e62ce74007e991e37ea823fa0fb21923b79905b733b631e6c7d6860a3831ac351a9c730c52ff72d9d308eedbab21f"
     "de143a0ea17e23edc1f"
     "74cbb3638a2033aaa15464eaa733385dbbeb6fd73509b857e6a419dca1d8907af977fbac4dfa35ec",
     "f4cc8fa3"},
    /* 33.401 C.2 Test Set 8 (16448 bits) */
    {"b3120ffdb2cf6af4e73eaf2ef4ebec69", 0x296f393c, 0x0b, 1, 16448,
     "00000000000000000101010101010101e0958045f3a0bba4e3968346f0a3b8a7c02a018ae640765226b987c913e6c"
     "bf083570016cf83efbc"
     "61c082513e21561a427c009d28c298eface78ed6d56c2d4505ad032e9c04dc60e73a81696da665c6c48603a57b45a"
     "b33221585e68ee31691"
     "87fb0239528632dd656c807ea3248b7b46d002b2b5c7458eb85b9ce95879e0340859055e3b0abbc3eace8719caa80"
     "265c97205d5dc4bcc90"
     "2fe1839629ed71328a0f0449f588557e6898860e042aecd84b2404c212c9222da5bf8a89ef6797870cf50771a60f6"
     "6a2ee62853657addf04"
     "cdde07fa414e11f12b4d81b9b4e8ac538ea30666688d881f6c348421992f31b94f8806ed8fccff4c9123b89642527"
     "ad613b109bf75167485"
     "f1268bf884b4cd23d29a0934925703d634098f7767f1be7491e708a8bb949a3873708aef4a36239e50cc08235cd5e"
     "d6bbe578668a17b58c1"
     "171d0b90e813a9e4f58a89d719b11042d6360b1b0f52deb730a58d58faf46315954b0a872691475977dc88c0d733f"
     "eff54600a0cc1d0300a"
     "aaeb94572c6e95b01ae90de04f1dce47f87e8fa7bebf77e1dbc20d6ba85cb9143d518b285dfa04b698bf0cf7819f2"
     "0fa7a288eb0703d995c"
     "59940c7c66de57a9b70f82379b70e2031e450fcfd2181326fcd28d8823baaa80df6e0f443559647539fd8907c0ffd"
     "9d79c130ed81c9afd9b"
     "7e848c9fed38443d5d380e53fbdb8ac8c3d3f06876054f122461107de92fea09c6f6923a188d53afe54a10f60e6e9"
     "d5a03d996b5fbc820f8"
     "a637116a27ad04b444a0932dd60fbd12671c11e1c0ec73e789879faa3d42c64d20cd1252742a3768c25a901585888"
     "ecee1e612d9936b403b"
     "0775949a66cdfd99a29b1345baa8d9d5400c91024b0a607363b013ce5de9ae869d3b8d95b0570b3c2d391422d3245"
     "0cbcfae96652286e96d"
     "ec1214a9346527980a8192eac1c39a3aaf6f15351da6be764df89772ec0407d06e4415befae7c92580df9bf507497"
     "c8f2995160d4e218daa"
     "cb02944abf83340ce8be1686a960faf90e2d90c55cc6475babc3171a80a363174954955d7101dab16ae8179167e21"
     "444b443a9eaaa7c91de"
     "36d118c39d389f8dd4469a846c9a262bf7fa18487a79e8de11699e0b8fdf557cb48719d453ba713056109b93a218c"
     "89675ac195fb4fb0663"
     "9b3797144955b3c9327d1aec003d42ecd0ea98abf19ffb4af3561a67e77c35bf15c59c2412da881db02b1bfbcebfa"
     "c5152bc99bc3f1d15f7"
     "71001b7029fedb028f8b852bc4407eb83f891c9ca733254fdd1e9edb56919ce9fea21c174072521c18319a54b5d4e"
     "fbebddf1d8b69b1cbf2"
     "5f489fcc981372547cf41d008ef0bca1926f934b735e090b3b251eb33a36f82ed9b29cf4cb944188fa0e1e38dd778"
     "f7d1c9d987b28d132df"
     "b9731fa4f4b416935be49de30516af3578581f2f13f561c0663361941eab249a4bc123f8d15cd711a956a1bf20fe6"
     "eb78aea2373361da042"
     "6c79a530c3bb1de0c99722ef1fde39ac2b00a0a8ee7c800a08bc2264f89f4effe627ac2f0531fb554f6d21d74c590"
     "a70adfaa390bdfbb3d6"
     "8e46215cab187d2368d5a71f5ebec081cd3b20c082dbe4cd2faca28773795d6b0c10204b659a939ef29bbe1088243"
     "624429927a7eb576dd3"
     "a00ea5e01af5d47583b2272c0c161a806521a16ff9b0a722c0cf26b025d5836e2258a4f7d4773ac801e4263bc294f"
     "43def7fa8703f3a4197"
     "463525887652b0b2a4a2a7cf87f00914871e25039113c7e1618da34064b57a43c463249fb8d05e0f26f4a6d84972e"
     "7a9054824145f91295c"
     "dbe39a6f920facc659712b46a54ba295bbe6a90154e91b33985a2bcd420ad5c67ec9ad8eb7ac6864db272a516bc94"
     "c2839b0a8169a6bf58e"
     "1a0c2ada8c883b7bf497a49171268ed15ddd2969384e7ff4bf4aab2ec9ecc6529cf629e2df0f08a77a65afa12aa9b"
     "505df8b287ef6cc9149"
     "3d1caa39076e28ef1ea028f5118de61ae02bb6aefc3343a050292f199f401857b2bead5e6ee2a1f191022f9278016"
     "f047791a9d18da7d2a6"
     "d27f2e0e51c2f6ea30e8ac49a0604f4c13542e85b68381b9fdcfa0ce4b2d341354852d360245c536b612af71f3e77"
     "c9095ae2dbde504b265"
     "733dabfe10a20fc7d6d32c21ccc72b8b3444ae663d65922d17f82caa2b865cd88913d291a65899026ea1328439723"
     "c198c36b0c3c8d085bf"
     "af8a320fde334b4a4919b44c2b95f6e8ecf73393f7f0d2a40e60b1d406526b022ddc331810b1a5f7c347bd53ed1f1"
     "05d6a0d30aba477e178"
     "889ab2ec55d558deab2630204336962b4db5b663b6902b89e85b31bc6af50fc50accb3fb9b57b663297031378db47"
     "896d7fbaf6c600add2c"
     "67f936db037986db856eb49cf2db3f7da6d23650e438f1884041b013119e4c2ae5af37cccdfb68660738b58b3c59d"
     "1c0248437472aba1f35"
     "ca1fb90cd714aa9f635534f49e7c5bba81c2b6b36fdee21ca27e347f793d2ce944edb23c8c9b914be10335e350feb"
     "5070394b7a4a15c0ca1"
     "20283568b7bfc254fe838b137a2147ce7c113a3a4d65499d9e86b87dbcc7f03bbd3a3ab1aa243ece5ba9bcf25f828"
     "36cfe473b2d83e7a720"
     "1cd0b96a72451e863f6c3ba664a6d073d1f7b5ed990865d978bd3815d06094fc9a2aba5221c22d5ab996389e3721e"
     "3af5f05beddc2875e0d"
     "faeb39021ee27a41187cbb45ef40c3e73bc03989f9a30d12c54ba7d2141da8a875493e65776ef35f97debc2286cc4"
     "af9b4623eee902f840c"
     "52f1b8ad658939aef71f3f72b9ec1de21588bd35484ea44436343ff95ead6ab1d8afb1b2a303df1b71e53c4aea6b2"
     "e3e9372be0d1bc99798"
     "b0ce3cc10d2a596d565dba82f88ce4cff3b33d5d24e9c0831124bf1ad54b792532983dd6c3a8b7d0",
     "ebd5ccb0"},
};

static void test_eea2_33401(void **state)
{
	static uint8_t pt[MAXBUF], ct[MAXBUF], out[MAXBUF];

	(void)state;
	for (size_t i = 0; i < sizeof(eea2_tvs) / sizeof(eea2_tvs[0]); i++) {
		const struct eea2_tv *tv = &eea2_tvs[i];
		uint8_t key[16];
		size_t len = unhex(tv->pt, pt, sizeof(pt));
		unsigned rbits = (unsigned)(tv->nbits % 8);

		unhex(tv->key, key, 16);
		assert_int_equal(unhex(tv->ct, ct, sizeof(ct)), len);
		assert_int_equal(len, (tv->nbits + 7) / 8);
		for (size_t b = 0; b < NBE; b++) {
			const aiot_backend *be = backends[b];
			memset(out, 0xEE, sizeof(out));
			assert_int_equal(
			    aiot_nea2(be, key, tv->count, tv->bearer, tv->dir, pt, tv->nbits, out),
			    AIOT_OK);
			assert_memory_equal(out, ct, len);
			assert_int_equal(out[len], 0xEE); /* nothing written past (nbits+7)/8 */
			/* decrypt in place */
			assert_int_equal(
			    aiot_nea2(be, key, tv->count, tv->bearer, tv->dir, out, tv->nbits, out),
			    AIOT_OK);
			assert_memory_equal(out, pt, len);
			/* set bits past nbits in the input: the output's stay 0 */
			if (rbits != 0) {
				memcpy(out, pt, len);
				out[len - 1] |= (uint8_t)(0xFFu >> rbits);
				assert_int_equal(aiot_nea2(be, key, tv->count, tv->bearer, tv->dir,
				                           out, tv->nbits, out),
				                 AIOT_OK);
				assert_memory_equal(out, ct, len);
			}
		}
	}
}

static void test_eia2_33401(void **state)
{
	static uint8_t msg[MAXBUF];

	(void)state;
	for (size_t i = 0; i < sizeof(eia2_tvs) / sizeof(eia2_tvs[0]); i++) {
		const struct eia2_tv *tv = &eia2_tvs[i];
		uint8_t key[16], want[4], got[4];
		size_t len = unhex(tv->msg, msg, sizeof(msg));
		unsigned rbits = (unsigned)(tv->nbits % 8);

		unhex(tv->ik, key, 16);
		unhex(tv->mac, want, 4);
		assert_int_equal(len, (tv->nbits + 7) / 8);
		for (size_t b = 0; b < NBE; b++) {
			const aiot_backend *be = backends[b];
			memset(got, 0, sizeof(got));
			assert_int_equal(
			    aiot_nia2(be, key, tv->count, tv->bearer, tv->dir, msg, tv->nbits, got),
			    AIOT_OK);
			assert_memory_equal(got, want, 4);
			/* bits past nbits are ignored */
			if (rbits != 0) {
				uint8_t save = msg[len - 1];
				msg[len - 1] ^= (uint8_t)(0xFFu >> rbits);
				memset(got, 0, sizeof(got));
				assert_int_equal(aiot_nia2(be, key, tv->count, tv->bearer, tv->dir,
				                           msg, tv->nbits, got),
				                 AIOT_OK);
				assert_memory_equal(got, want, 4);
				msg[len - 1] = save;
			}
		}
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Negative tests */

/* Flipping any one of a sample of key, message and header bits changes the NIA2 MAC. */
static void test_nia2_bit_flips(void **state)
{
	const struct eia2_tv *tv = &eia2_tvs[0]; /* 58-bit message: partial last byte */
	uint8_t key[16], msg[8], want[4], got[4];

	(void)state;
	unhex(tv->ik, key, 16);
	unhex(tv->msg, msg, sizeof(msg));
	unhex(tv->mac, want, 4);
	for (size_t b = 0; b < NBE; b++) {
		const aiot_backend *be = backends[b];
		for (unsigned bit = 0; bit < 128; bit++) {
			key[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
			assert_int_equal(
			    aiot_nia2(be, key, tv->count, tv->bearer, tv->dir, msg, tv->nbits, got),
			    AIOT_OK);
			assert_memory_not_equal(got, want, 4);
			key[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
		}
		for (unsigned bit = 0; bit < tv->nbits; bit++) {
			msg[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
			assert_int_equal(
			    aiot_nia2(be, key, tv->count, tv->bearer, tv->dir, msg, tv->nbits, got),
			    AIOT_OK);
			assert_memory_not_equal(got, want, 4);
			msg[bit / 8] ^= (uint8_t)(0x80u >> (bit % 8));
		}
		/* one more or one fewer bit is a different message */
		assert_int_equal(
		    aiot_nia2(be, key, tv->count, tv->bearer, tv->dir, msg, tv->nbits - 1, got),
		    AIOT_OK);
		assert_memory_not_equal(got, want, 4);
		assert_int_equal(
		    aiot_nia2(be, key, tv->count, tv->bearer, tv->dir, msg, tv->nbits + 1, got),
		    AIOT_OK);
		assert_memory_not_equal(got, want, 4);
		for (unsigned bit = 0; bit < 32; bit++) {
			assert_int_equal(aiot_nia2(be, key, tv->count ^ (1u << bit), tv->bearer,
			                           tv->dir, msg, tv->nbits, got),
			                 AIOT_OK);
			assert_memory_not_equal(got, want, 4);
		}
		assert_int_equal(
		    aiot_nia2(be, key, tv->count, tv->bearer ^ 1, tv->dir, msg, tv->nbits, got),
		    AIOT_OK);
		assert_memory_not_equal(got, want, 4);
		assert_int_equal(
		    aiot_nia2(be, key, tv->count, tv->bearer, tv->dir ^ 1, msg, tv->nbits, got),
		    AIOT_OK);
		assert_memory_not_equal(got, want, 4);
		/* and the unchanged input still verifies */
		assert_int_equal(
		    aiot_nia2(be, key, tv->count, tv->bearer, tv->dir, msg, tv->nbits, got),
		    AIOT_OK);
		assert_memory_equal(got, want, 4);
	}
}

/* A one-bit change of key or message changes the HMAC and the CMAC. */
static void test_mac_bit_flips(void **state)
{
	uint8_t key[16] = {1, 2, 3}, msg[40] = {9, 8, 7}, a[32], c[32];
	aiot_iov iov = {msg, sizeof(msg)};

	(void)state;
	for (size_t b = 0; b < NBE; b++) {
		const aiot_backend *be = backends[b];
		assert_int_equal(be->hmac_sha256(be->ctx, key, 16, &iov, 1, a), AIOT_OK);
		key[15] ^= 1;
		assert_int_equal(be->hmac_sha256(be->ctx, key, 16, &iov, 1, c), AIOT_OK);
		assert_memory_not_equal(a, c, 32);
		key[15] ^= 1;
		msg[39] ^= 0x80;
		assert_int_equal(be->hmac_sha256(be->ctx, key, 16, &iov, 1, c), AIOT_OK);
		assert_memory_not_equal(a, c, 32);
		msg[39] ^= 0x80;

		assert_int_equal(be->aes_cmac(be->ctx, key, &iov, 1, 8 * sizeof(msg), a), AIOT_OK);
		key[0] ^= 0x80;
		assert_int_equal(be->aes_cmac(be->ctx, key, &iov, 1, 8 * sizeof(msg), c), AIOT_OK);
		assert_memory_not_equal(a, c, 16);
		key[0] ^= 0x80;
		msg[0] ^= 0x01;
		assert_int_equal(be->aes_cmac(be->ctx, key, &iov, 1, 8 * sizeof(msg), c), AIOT_OK);
		assert_memory_not_equal(a, c, 16);
		msg[0] ^= 0x01;
	}
}

static void test_invalid_args(void **state)
{
	static const aiot_backend empty = {.name = "empty"};
	uint8_t key[16] = {0}, msg[8] = {0}, out[32];
	aiot_iov iov = {msg, sizeof(msg)}, nullp = {NULL, 4};

	(void)state;
	for (size_t b = 0; b < NBE; b++) {
		const aiot_backend *be = backends[b];
		/* TS 33.401 B.2: BEARER is 5 bits, DIRECTION 1 bit */
		assert_int_equal(aiot_nia2(be, key, 0, 32, 0, msg, 64, out), AIOT_ERR_INVAL);
		assert_int_equal(aiot_nia2(be, key, 0, 0, 2, msg, 64, out), AIOT_ERR_INVAL);
		assert_int_equal(aiot_nea2(be, key, 0, 32, 0, msg, 64, out), AIOT_ERR_INVAL);
		assert_int_equal(aiot_nea2(be, key, 0, 0, 2, msg, 64, out), AIOT_ERR_INVAL);
		assert_int_equal(aiot_nia2(be, key, 0, 31, 1, msg, 64, out), AIOT_OK);
		assert_int_equal(aiot_nea2(be, key, 0, 31, 1, msg, 64, out), AIOT_OK);
		assert_int_equal(aiot_nia2(be, NULL, 0, 0, 0, msg, 64, out), AIOT_ERR_INVAL);
		assert_int_equal(aiot_nia2(be, key, 0, 0, 0, NULL, 64, out), AIOT_ERR_INVAL);
		assert_int_equal(aiot_nea2(be, key, 0, 0, 0, msg, 64, NULL), AIOT_ERR_INVAL);
		/* empty messages are valid */
		assert_int_equal(aiot_nia2(be, key, 0, 0, 0, NULL, 0, out), AIOT_OK);
		assert_int_equal(aiot_nea2(be, key, 0, 0, 0, NULL, 0, NULL), AIOT_OK);

		/* backend.h contract */
		assert_int_equal(be->hmac_sha256(be->ctx, key, 0, &iov, 1, out), AIOT_ERR_INVAL);
		assert_int_equal(be->hmac_sha256(be->ctx, NULL, 16, &iov, 1, out), AIOT_ERR_INVAL);
		assert_int_equal(be->hmac_sha256(be->ctx, key, 16, &nullp, 1, out), AIOT_ERR_INVAL);
		assert_int_equal(be->aes_cmac(be->ctx, key, &iov, 1, 65, out), AIOT_ERR_INVAL);
		assert_int_equal(be->aes_cmac(be->ctx, key, &iov, 1, 64, out), AIOT_OK);
		assert_int_equal(be->aes_cmac(be->ctx, key, &nullp, 1, 8, out), AIOT_ERR_INVAL);
		assert_int_equal(be->aes_cmac(be->ctx, key, NULL, 1, 0, out), AIOT_ERR_INVAL);
		assert_int_equal(be->aes_ctr(be->ctx, key, key, NULL, out, 4), AIOT_ERR_INVAL);
		assert_int_equal(be->aes_ctr(be->ctx, key, key, msg, NULL, 4), AIOT_ERR_INVAL);
		assert_int_equal(be->aes_ctr(be->ctx, NULL, key, msg, out, 4), AIOT_ERR_INVAL);
	}
	/* no backend: the reference primitives directly (backend.h), same result as the struct */
	uint8_t ref_out[16];
	assert_int_equal(aiot_nia2(NULL, key, 7, 3, 1, msg, 64, out), AIOT_OK);
	assert_int_equal(aiot_nia2(&aiot_backend_ref, key, 7, 3, 1, msg, 64, ref_out), AIOT_OK);
	assert_memory_equal(out, ref_out, 4);
	assert_int_equal(aiot_nea2(NULL, key, 7, 3, 1, msg, 60, out), AIOT_OK);
	assert_int_equal(aiot_nea2(&aiot_backend_ref, key, 7, 3, 1, msg, 60, ref_out), AIOT_OK);
	assert_memory_equal(out, ref_out, 8);
	/* a backend without the ops */
	assert_int_equal(aiot_nia2(&empty, key, 0, 0, 0, msg, 64, out), AIOT_ERR_INVAL);
	assert_int_equal(aiot_nea2(&empty, key, 0, 0, 0, msg, 64, out), AIOT_ERR_INVAL);
}

static int setup(void **state)
{
	(void)state;
	backends[0] = &aiot_backend_ref;
	backends[1] = aiot_backend_openssl_new();
	return backends[1] == NULL;
}

static int teardown(void **state)
{
	(void)state;
	aiot_backend_openssl_free((aiot_backend *)backends[1]);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_aes128_kat),     cmocka_unit_test(test_ctr_sp800_38a),
	    cmocka_unit_test(test_ctr_wrap),       cmocka_unit_test(test_sha256_kat),
	    cmocka_unit_test(test_hmac_rfc4231),   cmocka_unit_test(test_cmac_rfc4493),
	    cmocka_unit_test(test_eea2_33401),     cmocka_unit_test(test_eia2_33401),
	    cmocka_unit_test(test_nia2_bit_flips), cmocka_unit_test(test_mac_bit_flips),
	    cmocka_unit_test(test_invalid_args),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
