/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Mirror test of SHA-256's two block functions (src/crypto/sha256_hw.h): the x86 SHA
 * extensions' against the portable one, on random chaining values and blocks, and the
 * dispatch (aiot_sha256 takes the hardware path on a CPU that has it, so test_crypto_kat and
 * test_crypto_diff then check that path against the published vectors and OpenSSL).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/rand.h>

#include "crypto/sha256_hw.h"

#ifdef AIOT_SHA256_HW
static void test_hw_equals_portable(void **state)
{
	(void)state;
	if (!aiot_sha256_hw()) {
		print_message("no SHA extensions on this CPU: the portable block function alone\n");
		skip();
	}
	for (int i = 0; i < 20000; i++) {
		aiot_sha256_ctx c;
		uint32_t h[8];
		uint8_t block[64];

		assert_int_equal(RAND_bytes((uint8_t *)c.h, sizeof c.h), 1);
		assert_int_equal(RAND_bytes(block, sizeof block), 1);
		if (i < 256) /* the edges: all zeros, all ones, one bit set */
			memset(block, i & 1 ? 0xff : 0x00, sizeof block);
		if (i >= 2 && i < 256)
			block[(i / 8) % 64] ^= (uint8_t)(1u << (i % 8));
		memcpy(h, c.h, sizeof h);
		memcpy(c.buf.b, block, sizeof block);
		aiot_sha256_compress_portable(&c);
		aiot_sha256_hw_compress(h, block);
		assert_memory_equal(h, c.h, sizeof h);
	}
}

/* FIPS 180-4 5.3.3 H(0) and the one block of "abc" (FIPS 180-2 B.1): the digest words. */
static void test_hw_abc(void **state)
{
	static const uint32_t want[8] = {0xba7816bf, 0x8f01cfea, 0x414140de, 0x5dae2223,
	                                 0xb00361a3, 0x96177a9c, 0xb410ff61, 0xf20015ad};
	uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
	uint8_t block[64] = {'a', 'b', 'c', 0x80};

	(void)state;
	if (!aiot_sha256_hw())
		skip();
	block[63] = 24; /* the message length in bits */
	aiot_sha256_hw_compress(h, block);
	assert_memory_equal(h, want, sizeof want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hw_equals_portable),
	    cmocka_unit_test(test_hw_abc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
#else
int main(void)
{
	printf("not an x86-64 host build: SHA-256 has the portable block function alone\n");
	return 0;
}
#endif
