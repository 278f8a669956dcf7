/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 (RFC 4648 §4): the §10 test vectors both ways, round trips of every length and
 * byte value, and every class of malformed input the strict decoder must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/aiot_err.h"
#include "common/base64.h"

static const struct {
	const char *plain, *b64;
} rfc4648_10[] = {
    {"", ""},
    {"f", "Zg=="},
    {"fo", "Zm8="},
    {"foo", "Zm9v"},
    {"foob", "Zm9vYg=="},
    {"fooba", "Zm9vYmE="},
    {"foobar", "Zm9vYmFy"},
};

static void test_rfc4648_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof rfc4648_10 / sizeof rfc4648_10[0]; i++) {
		const char *p = rfc4648_10[i].plain, *b = rfc4648_10[i].b64;
		char enc[16];
		uint8_t dec[16];
		memset(enc, 'X', sizeof enc);
		aiot_b64_encode((const uint8_t *)p, strlen(p), enc);
		assert_string_equal(enc, b);
		assert_int_equal(strlen(b), AIOT_B64_LEN(strlen(p)));
		int n = aiot_b64_decode(b, strlen(b), dec, sizeof dec);
		assert_int_equal(n, (int)strlen(p));
		assert_memory_equal(dec, p, strlen(p));
	}
}

/* The whole alphabet, both ends: 0x00.. and 0xff.. patterns, and a 12-byte permanent ID. */
static void test_alphabet(void **state)
{
	(void)state;
	static const uint8_t all[] = {0x00, 0x10, 0x83, 0x10, 0x51, 0x87, 0x20, 0x92, 0x8b, 0x30,
	                              0xd3, 0x8f, 0x41, 0x14, 0x93, 0x51, 0x55, 0x97, 0x61, 0x96,
	                              0x9b, 0x71, 0xd7, 0x9f, 0x82, 0x18, 0xa3, 0x92, 0x59, 0xa7,
	                              0xa2, 0x9a, 0xab, 0xb2, 0xdb, 0xaf, 0xc3, 0x1c, 0xb3, 0xd3,
	                              0x5d, 0xb7, 0xe3, 0x9e, 0xbb, 0xf3, 0xdf, 0xbf};
	const char *want = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char enc[AIOT_B64_LEN(sizeof all) + 1];
	uint8_t dec[sizeof all];
	aiot_b64_encode(all, sizeof all, enc);
	assert_string_equal(enc, want);
	assert_int_equal(aiot_b64_decode(want, strlen(want), dec, sizeof dec), (int)sizeof all);
	assert_memory_equal(dec, all, sizeof all);
}

static void test_roundtrip_lengths(void **state)
{
	(void)state;
	uint8_t in[64] = {0}, dec[64];
	char enc[AIOT_B64_LEN(64) + 1];
	for (size_t n = 0; n <= sizeof in; n++) {
		for (size_t i = 0; i < n; i++)
			in[i] = (uint8_t)(i * 37 + n * 101 + 255);
		aiot_b64_encode(in, n, enc);
		assert_int_equal(strlen(enc), AIOT_B64_LEN(n));
		assert_int_equal(aiot_b64_decode(enc, strlen(enc), dec, n), (int)n);
		assert_memory_equal(dec, in, n);
		if (n > 0) /* exactly one byte too little room */
			assert_int_equal(aiot_b64_decode(enc, strlen(enc), dec, n - 1),
			                 AIOT_ERR_NOSPACE);
	}
	/* Every single byte value. */
	for (unsigned v = 0; v < 256; v++) {
		uint8_t b = (uint8_t)v, d = 0;
		aiot_b64_encode(&b, 1, enc);
		assert_int_equal(aiot_b64_decode(enc, 4, &d, 1), 1);
		assert_int_equal(d, b);
	}
}

static void expect_malformed(const char *s)
{
	uint8_t out[64];
	int rc = aiot_b64_decode(s, strlen(s), out, sizeof out);
	if (rc != AIOT_ERR_MALFORMED)
		fail_msg("\"%s\" decoded with rc %d, want AIOT_ERR_MALFORMED", s, rc);
}

static void test_malformed(void **state)
{
	(void)state;
	/* Length not a multiple of 4 (padding is required). */
	expect_malformed("Zg");
	expect_malformed("Zg=");
	expect_malformed("Zm8");
	expect_malformed("Zm9vY");
	expect_malformed("Zm9vYg");
	/* Padding in the wrong place or too much of it. */
	expect_malformed("====");
	expect_malformed("Z===");
	expect_malformed("=Zg=");
	expect_malformed("Zg==Zm9v");
	expect_malformed("Zm8=Zm9v");
	expect_malformed("Z=g=");
	expect_malformed("Zm=v");
	/* Characters outside the alphabet, including the URL-safe alphabet of §5. */
	expect_malformed("Zm9-");
	expect_malformed("Zm9_");
	expect_malformed("Zm.v");
	expect_malformed("Zm9\x80");
	expect_malformed("Zm9\xff");
	expect_malformed("*m9v");
	/* Whitespace anywhere. */
	expect_malformed("Zm9v Zm9v");
	expect_malformed(" Zm9");
	expect_malformed("Zm9v\n");
	expect_malformed("Zm9\t");
	expect_malformed("Zm\r\nv");
	/* Non-zero trailing bits (§3.5: "Zh==" would decode to "f" too). */
	expect_malformed("Zh==");
	expect_malformed("Zm9=");
	expect_malformed("Zm9vYh==");
	expect_malformed("Zm9vYmF=");
	/* An embedded NUL counted in the length. */
	uint8_t out[8];
	assert_int_equal(aiot_b64_decode("Zm\0v", 4, out, sizeof out), AIOT_ERR_MALFORMED);
}

static void test_nospace(void **state)
{
	(void)state;
	uint8_t out[8];
	assert_int_equal(aiot_b64_decode("Zm9vYmFy", 8, out, 5), AIOT_ERR_NOSPACE);
	assert_int_equal(aiot_b64_decode("Zm9vYmE=", 8, out, 5), 5);
	assert_int_equal(aiot_b64_decode("Zg==", 4, NULL, 0), AIOT_ERR_NOSPACE);
	assert_int_equal(aiot_b64_decode("", 0, NULL, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc4648_vectors),   cmocka_unit_test(test_alphabet),
	    cmocka_unit_test(test_roundtrip_lengths), cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_nospace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
