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

struct tset {
	const char *k, *rand, *sqn, *amf, *op, *opc;
	const char *f1, *f1s, *f2, *f3, *f4, *f5, *f5s;
};

/* TS 35.208 4.3.1 .. 4.3.6 */
static const struct tset sets[] = {
    {"465b5ce8b199b49faa5f0a2ee238a6bc", "23553cbe9637a89d218ae64dae47bf35", "ff9bb4d0b607", "b9b9",
     "cdc202d5123e20f62b6d676ac72cb318", "cd63cb71954a9f4e48a5994e37a02baf", "4a9ffac354dfafb3",
     "01cfaf9ec4e871e9", "a54211d5e3ba50bf", "b40ba9a3c58b2a05bbf0d987b21bf8cb",
     "f769bcd751044604127672711c6d3441", "aa689c648370", "451e8beca43b"},
    {"fec86ba6eb707ed08905757b1bb44b8f", "9f7c8d021accf4db213ccff0c7f71a6a", "9d0277595ffc", "725c",
     "dbc59adcb6f9a0ef735477b7fadf8374", "1006020f0a478bf6b699f15c062e42b3", "9cabc3e99baf7281",
     "95814ba2b3044324", "8011c48c0c214ed2", "5dbdbb2954e8f3cde665b046179a5098",
     "59a92d3b476a0443487055cf88b2307b", "33484dc2136b", "deacdd848cc6"},
    {"9e5944aea94b81165c82fbf9f32db751", "ce83dbc54ac0274a157c17f80d017bd6", "0b604a81eca8", "9e09",
     "223014c5806694c007ca1eeef57f004f", "a64a507ae1a2a98bb88eb4210135dc87", "74a58220cba84c49",
     "ac2cc74a96871837", "f365cd683cd92e96", "e203edb3971574f5a94b0d61b816345d",
     "0c4524adeac041c4dd830d20854fc46b", "f0b9c08ad02e", "6085a86c6f63"},
    {"4ab1deb05ca6ceb051fc98e77d026a84", "74b0cd6031a1c8339b2b6ce2b8c4a186", "e880a1b580b6", "9f07",
     "2d16c5cd1fdf6b22383584e3bef2a8d8", "dcf07cbd51855290b92a07a9891e523e", "49e785dd12626ef2",
     "9e85790336bb3fa2", "5860fc1bce351e7e", "7657766b373d1c2138f307e3de9242f9",
     "1c42e960d89b8fa99f2744e0708ccb53", "31e11a609118", "fe2555e54aa9"},
    {"6c38a116ac280c454f59332ee35c8c4f", "ee6466bc96202c5a557abbeff8babf63", "414b98222181", "4464",
     "1ba00a1a7c6700ac8c3ff3e96ad08725", "3803ef5363b947c6aaa225e58fae3934", "078adfb488241a57",
     "80246b8d0186bcf1", "16c8233f05a0ac28", "3f8c7587fe8e4b233af676aede30ba3b",
     "a7466cc1e6b2a1337d49d3b66e95d7b4", "45b0f69ab06c", "1f53cd2b1113"},
    {"2d609d4db0ac5bf0d2c0de267014de0d", "194aa756013896b74b4a2a3b0af4539e", "6bf69438c2e4", "5f67",
     "460a48385427aa39264aac8efc9e73e8", "c35a0ab0bcbfc9252caff15f24efbde0", "bd07d3003b9e5cc3",
     "bcb6c2fcad152250", "8c25a16cd918a1df", "4cd0846020f8fa0731dd47cbdc6be411",
     "88ab80a415f15c73711254a1d388f696", "7e6455f34cf3", "dc6dd01e8f15"},
};

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
