/* SPDX-License-Identifier: Apache-2.0 */
/* CoAP over TCP/TLS framing (src/coap/coap_tcp.c, RFC 8323 3.2): golden encodings from the
 * RFC's layout, round trips across every length class, every class of malformed input, and
 * encoder errors that leave the output untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "coap/coap_tcp.h"
#include "common/aiot_err.h"

#define BIG (70000 + 64)

/* encode, decode, re-encode: the same bytes, each shorter prefix is TRUNC; size returned. */
static size_t round_trip(const coap_msg *m, uint8_t *buf, size_t cap)
{
	coap_msg d;
	size_t n, used, n2;
	uint8_t *again = malloc(cap);
	assert_non_null(again);
	assert_int_equal(coap_tcp_encode(m, buf, cap, &n), AIOT_OK);
	assert_int_equal(coap_tcp_decode(buf, n, cap, &d, &used), AIOT_OK);
	assert_int_equal(used, n);
	assert_int_equal(d.code, m->code);
	assert_int_equal(d.tkl, m->tkl);
	assert_memory_equal(d.token, m->token, m->tkl);
	assert_int_equal(d.nopt, m->nopt);
	for (size_t i = 0; i < m->nopt; i++) {
		assert_int_equal(d.opt[i].num, m->opt[i].num);
		assert_int_equal(d.opt[i].len, m->opt[i].len);
		if (m->opt[i].len)
			assert_memory_equal(d.opt[i].val, m->opt[i].val, m->opt[i].len);
	}
	assert_int_equal(d.payload_len, m->payload_len);
	assert_int_equal(coap_tcp_encode(&d, again, cap, &n2), AIOT_OK);
	assert_int_equal(n2, n);
	assert_memory_equal(again, buf, n);
	for (size_t l = n > 300 ? n - 300 : 0; l < n; l++)
		assert_int_equal(coap_tcp_decode(buf, l, cap, &d, &used), AIOT_ERR_TRUNC);
	for (size_t l = 0; l < (n < 8 ? n : 8); l++)
		assert_int_equal(coap_tcp_decode(buf, l, cap, &d, &used), AIOT_ERR_TRUNC);
	free(again);
	return n;
}

/* RFC 8323 Figure 5 layout: Len 0, TKL 0, a CSM with no option: 0x00 0xE1. A POST with
 * token 0xAB, Uri-Path "a" (delta 11, length 1) and payload "x": Len = 2 + 2 = 4. */
static void test_golden(void **state)
{
	(void)state;
	uint8_t buf[64];
	size_t n;
	coap_msg csm = {.code = COAP_CSM};
	assert_int_equal(coap_tcp_encode(&csm, buf, sizeof buf, &n), AIOT_OK);
	assert_int_equal(n, 2);
	assert_int_equal(buf[0], 0x00);
	assert_int_equal(buf[1], 0xE1);
	coap_msg post = {.code = COAP_POST, .tkl = 1, .token = {0xAB}};
	assert_int_equal(coap_add_opt(&post, COAP_OPT_URI_PATH, "a", 1), AIOT_OK);
	post.payload = (const uint8_t *)"x";
	post.payload_len = 1;
	assert_int_equal(coap_tcp_encode(&post, buf, sizeof buf, &n), AIOT_OK);
	const uint8_t want[] = {0x41, 0x02, 0xAB, 0xB1, 'a', 0xFF, 'x'};
	assert_int_equal(n, sizeof want);
	assert_memory_equal(buf, want, sizeof want);
	round_trip(&post, buf, sizeof buf);
}

/* Every Len class (0..12, 13 + 1, 269 + 2, 65805 + 4) and option extension class. */
static void test_length_classes(void **state)
{
	(void)state;
	static const size_t sizes[] = {1, 11, 12, 13, 267, 268, 269, 65533, 65535};
	uint8_t *buf = malloc(BIG), *pl = malloc(70000), v[300];
	assert_non_null(buf);
	assert_non_null(pl);
	memset(pl, 'p', 70000);
	memset(v, 'v', sizeof v);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		coap_msg m = {.code = COAP_CHANGED, .tkl = 8, .token = {1, 2, 3, 4, 5, 6, 7, 8}};
		m.payload = pl;
		m.payload_len = sizes[i];
		round_trip(&m, buf, BIG);
	}
	/* a body over 65805 octets: options and a full payload */
	coap_msg m = {.code = COAP_POST, .tkl = 0};
	assert_int_equal(coap_add_opt(&m, 12, v, 12), AIOT_OK);   /* delta 12, len 12 */
	assert_int_equal(coap_add_opt(&m, 25, v, 13), AIOT_OK);   /* delta 13, len 13 */
	assert_int_equal(coap_add_opt(&m, 293, v, 269), AIOT_OK); /* delta 268, len 269 */
	assert_int_equal(coap_add_opt(&m, 65535, v, 0), AIOT_OK); /* delta 2 bytes, len 0 */
	m.payload = pl;
	m.payload_len = 65535;
	size_t n = round_trip(&m, buf, BIG);
	assert_int_equal(buf[0] >> 4, 15);
	/* the peer's Max-Message-Size: NOSPACE before the whole frame is read */
	coap_msg d;
	size_t used;
	assert_int_equal(coap_tcp_decode(buf, 8, 65536, &d, &used), AIOT_ERR_NOSPACE);
	assert_int_equal(coap_tcp_decode(buf, n, n, &d, &used), AIOT_OK);
	free(buf);
	free(pl);
}

static void expect_malformed(const uint8_t *b, size_t n)
{
	coap_msg d;
	size_t used;
	assert_int_equal(coap_tcp_decode(b, n, 4096, &d, &used), AIOT_ERR_MALFORMED);
}

static void test_malformed(void **state)
{
	(void)state;
	const uint8_t tkl9[] = {0x09, 0x02, 1, 2, 3, 4, 5, 6, 7, 8, 9};
	const uint8_t delta15[] = {0x10, 0x02, 0xF0};
	const uint8_t len15[] = {0x10, 0x02, 0x0F};
	const uint8_t empty_payload[] = {0x10, 0x02, 0xFF};
	const uint8_t opt_past_end[] = {0x20, 0x02, 0xB3, 'a'};
	const uint8_t ext_past_end[] = {0x10, 0x02, 0xD0};
	const uint8_t num_over[] = {0x60, 0x02, 0xE0, 0xFF, 0xFF, 0xE0, 0xFF, 0xFF};
	expect_malformed(tkl9, sizeof tkl9);
	expect_malformed(delta15, sizeof delta15);
	expect_malformed(len15, sizeof len15);
	expect_malformed(empty_payload, sizeof empty_payload);
	expect_malformed(opt_past_end, sizeof opt_past_end);
	expect_malformed(ext_past_end, sizeof ext_past_end);
	expect_malformed(num_over, sizeof num_over);
	uint8_t many[3 + COAP_MAX_OPTS + 1] = {0xD0, COAP_MAX_OPTS + 1 - 13, 0x02};
	memset(many + 3, 0x00, COAP_MAX_OPTS + 1); /* options 0, 0, ... (delta 0, length 0) */
	expect_malformed(many, 3 + COAP_MAX_OPTS + 1);
}

static void test_encode_errors(void **state)
{
	(void)state;
	uint8_t buf[64], pl[70000] = {0};
	size_t n = 99;
	coap_msg m = {.code = COAP_POST, .tkl = 9};
	memset(buf, 0x5A, sizeof buf);
	assert_int_equal(coap_tcp_encode(&m, buf, sizeof buf, &n), AIOT_ERR_INVAL);
	m.tkl = 0;
	m.nopt = 2;
	m.opt[0] = (coap_opt){12, 0, NULL};
	m.opt[1] = (coap_opt){11, 0, NULL}; /* out of order */
	assert_int_equal(coap_tcp_encode(&m, buf, sizeof buf, &n), AIOT_ERR_INVAL);
	assert_int_equal(coap_add_opt(&m, 3, NULL, 0), AIOT_ERR_INVAL);
	m.nopt = 0;
	m.payload = pl;
	m.payload_len = 65536;
	assert_int_equal(coap_tcp_encode(&m, buf, sizeof buf, &n), AIOT_ERR_INVAL);
	m.payload_len = 40;
	for (size_t cap = 0; cap < 44; cap++) /* Len, its extension, Code, marker and payload */
		assert_int_equal(coap_tcp_encode(&m, buf, cap, &n), AIOT_ERR_NOSPACE);
	for (size_t i = 0; i < sizeof buf; i++)
		assert_int_equal(buf[i], 0x5A); /* nothing written */
	assert_int_equal(n, 99);
	assert_int_equal(coap_tcp_encode(&m, buf, 44, &n), AIOT_OK);
}

static void test_uint_options(void **state)
{
	(void)state;
	uint8_t b[4];
	uint32_t v;
	static const uint32_t vals[] = {0,     1,        255,       256,       65535,
	                                65536, 0xFFFFFF, 0x1000000, 0xFFFFFFFF};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		coap_opt o = {COAP_OPT_MAX_MESSAGE_SIZE, 0, b};
		o.len = (uint16_t)coap_uint_bytes(vals[i], b);
		assert_int_equal(coap_opt_uint(&o, &v), AIOT_OK);
		assert_int_equal(v, vals[i]);
	}
	assert_int_equal(coap_uint_bytes(0, b), 0); /* RFC 7252 3.2: zero is the empty value */
	coap_opt five = {1, 5, (const uint8_t *)"12345"};
	assert_int_equal(coap_opt_uint(&five, &v), AIOT_ERR_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden),       cmocka_unit_test(test_length_classes),
	    cmocka_unit_test(test_malformed),    cmocka_unit_test(test_encode_errors),
	    cmocka_unit_test(test_uint_options),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
