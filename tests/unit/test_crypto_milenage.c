/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MILENAGE (src/crypto/milenage.c) against the published test data of TS 35.208 4.3
 * (test sets 1 to 6, every output: OPc from OP, f1, f1*, f2, f3, f4, f5, f5*).
 * The values were transcribed from the specification's tables as they appear in hostap's
 * tests/test-milenage.c (which lists test set 1 twice, so its "Test Set n+1" is the
 * specification's set n from set 2 on; the K/RAND/OPc of each set here also match the
 * GSM test sets 1 to 6 of TS 55.205, which reuse them), plus the worked 5G AKA example
 * in test_crypto_aka5g.c. A bit flip in any input changes every output it feeds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/hex.h"
#include "crypto/milenage.h"

#include "ts35208_sets.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(s), 2 * n);
	assert_int_equal(aiot_hex_decode(s, 2 * n, out, n), (int)n);
}

static void expect(const char *want, const uint8_t *got, size_t n)
{
	uint8_t w[16];
	unhex(want, w, n);
	assert_memory_equal(w, got, n);
}

static void test_ts35208_sets(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		const struct tset *t = &sets[i];
		uint8_t k[16], rand[16], sqn[6], amf[2], op[16], opc[16];
		aiot_milenage_out o;
		unhex(t->k, k, 16);
		unhex(t->rand, rand, 16);
		unhex(t->sqn, sqn, 6);
		unhex(t->amf, amf, 2);
		unhex(t->op, op, 16);
		aiot_milenage_opc(k, op, opc);
		expect(t->opc, opc, 16);
		aiot_milenage(k, opc, rand, sqn, amf, &o);
		expect(t->f1, o.mac_a, 8);
		expect(t->f1s, o.mac_s, 8);
		expect(t->f2, o.res, 8);
		expect(t->f3, o.ck, 16);
		expect(t->f4, o.ik, 16);
		expect(t->f5, o.ak, 6);
		expect(t->f5s, o.ak_star, 6);
	}
}

/* f1/f1* cover SQN and AMF, f2..f5* only K, OPc and RAND (TS 35.206 4.1). */
static void test_dependencies(void **state)
{
	(void)state;
	const struct tset *t = &sets[0];
	uint8_t k[16], rand[16], sqn[6], amf[2], opc[16];
	aiot_milenage_out a, b;
	unhex(t->k, k, 16);
	unhex(t->rand, rand, 16);
	unhex(t->sqn, sqn, 6);
	unhex(t->amf, amf, 2);
	unhex(t->opc, opc, 16);
	aiot_milenage(k, opc, rand, sqn, amf, &a);
	sqn[5] ^= 1;
	aiot_milenage(k, opc, rand, sqn, amf, &b);
	assert_memory_not_equal(a.mac_a, b.mac_a, 8);
	assert_memory_not_equal(a.mac_s, b.mac_s, 8);
	assert_memory_equal(a.res, b.res, 8);
	assert_memory_equal(a.ak_star, b.ak_star, 6);
	sqn[5] ^= 1;
	amf[0] ^= 0x80;
	aiot_milenage(k, opc, rand, sqn, amf, &b);
	assert_memory_not_equal(a.mac_a, b.mac_a, 8);
	amf[0] ^= 0x80;
	rand[15] ^= 1;
	aiot_milenage(k, opc, rand, sqn, amf, &b);
	assert_memory_not_equal(a.res, b.res, 8);
	assert_memory_not_equal(a.ck, b.ck, 16);
	assert_memory_not_equal(a.ik, b.ik, 16);
	assert_memory_not_equal(a.ak, b.ak, 6);
	assert_memory_not_equal(a.ak_star, b.ak_star, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ts35208_sets),
	    cmocka_unit_test(test_dependencies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
