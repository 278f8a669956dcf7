/* SPDX-License-Identifier: Apache-2.0 */
/* Air-interface codec (src/air/air_codec.c, docs/protocol.md §5): a golden encoding,
 * round trips of every frame, every class of malformed input, encoder errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "air/air.h"
#include "common/aiot_err.h"

static uint8_t nas[AIR_MAX_NAS];
static const uint8_t ident[128] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
static const uint32_t handles[AIR_MAX_ACK] = {1, 0xFFFFFFFFu, 0x12345678u};

/* Encode, decode, re-encode: the same bytes; every shorter prefix fails cleanly; a trailing
 * octet is MALFORMED. Returns the encoded length. */
static size_t round_trip(const air_frame *f, uint8_t *buf)
{
	air_frame d;
	uint8_t again[AIR_MAX_FRAME];
	int n = air_encode(f, buf, AIR_MAX_FRAME);
	assert_true(n >= AIR_HDR_LEN && n < AIR_MAX_FRAME);
	assert_int_equal(air_decode(buf, (size_t)n, &d), AIOT_OK);
	assert_int_equal(d.type, f->type);
	assert_int_equal(d.session, f->session);
	if (d.type == AIR_ACK) {
		d.u.ack.handles = f->u.ack.handles; /* the decoder gives raw octets */
		for (size_t i = 0; i < d.u.ack.n; i++)
			assert_int_equal(air_ack_handle(&d, i), f->u.ack.handles[i]);
	}
	assert_int_equal(air_encode(&d, again, sizeof again), n);
	assert_memory_equal(again, buf, (size_t)n);
	for (int l = 0; l < n; l++) {
		int rc = air_decode(buf, (size_t)l, &d);
		assert_true(rc == AIOT_ERR_TRUNC || rc == AIOT_ERR_MALFORMED);
	}
	uint8_t longer[AIR_MAX_FRAME + 1];
	memcpy(longer, buf, (size_t)n);
	longer[n] = 0;
	assert_int_equal(air_decode(longer, (size_t)n + 1, &d), AIOT_ERR_MALFORMED);
	assert_int_equal(air_encode(f, again, (size_t)n - 1), AIOT_ERR_NOSPACE);
	return (size_t)n;
}

static void test_golden_paging(void **state)
{
	(void)state;
	uint8_t buf[AIR_MAX_FRAME];
	air_frame f = {.type = AIR_PAGING, .session = 0x01020304};
	f.u.paging.round = 7;
	f.u.paging.q = 4;
	f.u.paging.kind = AIR_IDENT_GROUP;
	f.u.paging.ident_bits = 12;
	static const uint8_t id[2] = {0xAB, 0xC0};
	f.u.paging.ident = id;
	memset(f.u.paging.rand_n, 0x5A, 16);
	static const uint8_t want[] = {1,    0x01, 1,    2,    3,    4,    0,    7,    4,    1,
	                               0,    12,   0xAB, 0xC0, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A,
	                               0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A};
	assert_int_equal(round_trip(&f, buf), sizeof want);
	assert_memory_equal(buf, want, sizeof want);
}

static void test_round_trips(void **state)
{
	(void)state;
	uint8_t buf[AIR_MAX_FRAME];
	for (size_t i = 0; i < sizeof nas; i++)
		nas[i] = (uint8_t)(i * 13 + 1);
	air_frame f;
	for (unsigned kind = 0; kind <= AIR_IDENT_ALL; kind++) {
		static const uint16_t bits[] = {1, 7, 8, 32, 96, 1023, 1024};
		for (size_t b = 0; b < sizeof bits / sizeof bits[0]; b++) {
			uint8_t id[128] = {0};
			memcpy(id, ident, sizeof ident);
			memset(&f, 0, sizeof f);
			f.type = AIR_PAGING;
			f.u.paging.q = (uint8_t)(b * 2);
			f.u.paging.kind = (uint8_t)kind;
			f.u.paging.ident_bits = kind == AIR_IDENT_ALL ? 0 : bits[b];
			if (kind == AIR_IDENT_SINGLE && bits[b] % 8)
				continue;
			if (f.u.paging.ident_bits % 8) /* zero the padding */
				id[f.u.paging.ident_bits / 8] &=
				    (uint8_t)(0xFF << (8 - f.u.paging.ident_bits % 8));
			f.u.paging.ident = f.u.paging.ident_bits ? id : NULL;
			round_trip(&f, buf);
		}
	}
	memset(&f, 0, sizeof f);
	f.type = AIR_ACK;
	f.session = 9;
	f.u.ack.handles = handles;
	f.u.ack.n = 3;
	round_trip(&f, buf);
	f.u.ack.n = AIR_MAX_ACK;
	assert_true(round_trip(&f, buf) < AIR_MAX_FRAME);
	for (uint8_t t = AIR_COMMAND; t <= AIR_COMMAND_RESP;
	     t = (uint8_t)(t == AIR_COMMAND ? AIR_COMMAND_RESP : 0xFF)) {
		memset(&f, 0, sizeof f);
		f.type = t;
		f.u.cmd.handle = 0xCAFEBABE;
		f.u.cmd.nas = nas;
		f.u.cmd.nas_len = 1;
		round_trip(&f, buf);
		f.u.cmd.nas_len = AIR_MAX_NAS;
		round_trip(&f, buf);
	}
	memset(&f, 0, sizeof f);
	f.type = AIR_RELEASE;
	f.session = 0xFFFFFFFF;
	assert_int_equal(round_trip(&f, buf), AIR_HDR_LEN);
	memset(&f, 0, sizeof f);
	f.type = AIR_SLOT;
	f.u.slot.round = 65535;
	f.u.slot.slot = 32767;
	f.u.slot.outcome = AIR_SLOT_SINGLE;
	f.u.slot.handle = 42;
	f.u.slot.nas = nas;
	f.u.slot.nas_len = AIR_MAX_NAS;
	round_trip(&f, buf);
	assert_int_equal(round_trip(&f, buf), AIR_HDR_LEN + 5 + 6 + AIR_MAX_NAS);
	f.u.slot.slot = 32768; /* long form: 4 octets, top bit set */
	assert_int_equal(round_trip(&f, buf), AIR_HDR_LEN + 7 + 6 + AIR_MAX_NAS);
	assert_memory_equal(buf + 8, ((const uint8_t[]){0x80, 0, 0x80, 0}), 4);
	memset(&f.u.slot.handle, 0, sizeof f.u.slot - offsetof(__typeof__(f.u.slot), handle));
	f.u.slot.outcome = AIR_SLOT_COLLISION;
	f.u.slot.ncolliding = 2;
	for (uint32_t sl = 0; sl < (1u << AIR_MAX_Q); sl = sl * 2 + 1)
		assert_int_equal(round_trip((f.u.slot.slot = sl, &f), buf),
		                 AIR_HDR_LEN + (sl < 32768 ? 5 : 7) + 2);
	/* DO-A: an access round, the uplink PDU of a slot, a downlink to a handle. */
	memset(&f, 0, sizeof f);
	f.type = AIR_DOA_OPEN;
	f.session = 77;
	for (uint8_t q = 0; q <= AIR_MAX_Q; q++) {
		f.u.doa_open.round = (uint16_t)(q * 4099u);
		f.u.doa_open.q = q;
		assert_int_equal(round_trip(&f, buf), AIR_HDR_LEN + 3);
	}
	memset(&f, 0, sizeof f);
	f.type = AIR_DOA_SLOT;
	f.u.slot.round = 3;
	f.u.slot.slot = 40000;
	f.u.slot.outcome = AIR_SLOT_SINGLE;
	f.u.slot.handle = 7;
	f.u.slot.nas = nas;
	f.u.slot.nas_len = 33;
	assert_int_equal(round_trip(&f, buf), AIR_HDR_LEN + 7 + 6 + 33);
	f.u.slot.slot = 1;
	f.u.slot.outcome = AIR_SLOT_COLLISION;
	f.u.slot.ncolliding = 5;
	assert_int_equal(round_trip(&f, buf), AIR_HDR_LEN + 5 + 2);
	memset(&f, 0, sizeof f);
	f.type = AIR_DOA_DOWNLINK;
	f.u.cmd.handle = 7;
	f.u.cmd.nas = nas;
	f.u.cmd.nas_len = AIR_MAX_NAS;
	assert_int_equal(round_trip(&f, buf), AIR_HDR_LEN + 6 + AIR_MAX_NAS);
	memset(&f, 0, sizeof f);
	f.type = AIR_ROUND_END;
	for (uint8_t q = 0; q <= AIR_MAX_Q; q++) {
		f.u.round_end.q = q;
		f.u.round_end.empty = (1u << q) - (q > 0);
		f.u.round_end.single = q > 0;
		/* counts: 2 octets each up to Q = 15, 4 octets each above */
		assert_int_equal(round_trip(&f, buf), AIR_HDR_LEN + 3 + (q <= 15 ? 6 : 12));
	}
	f.u.round_end.q = 17;
	f.u.round_end.empty = 70000;
	f.u.round_end.single = 40000;
	f.u.round_end.collided = 21072;
	round_trip(&f, buf);
	static const uint8_t want[] = {0, 0,    17,   0, 1, 0x11, 0x70, 0,
	                               0, 0x9C, 0x40, 0, 0, 0x52, 0x50};
	assert_memory_equal(buf + AIR_HDR_LEN, want, sizeof want);
}

static void expect(const uint8_t *b, size_t n, int rc)
{
	air_frame f;
	assert_int_equal(air_decode(b, n, &f), rc);
}

static void test_malformed(void **state)
{
	(void)state;
	air_frame f;
	uint8_t b[AIR_MAX_FRAME + 8] = {0};
	assert_int_equal(air_decode(NULL, 0, &f), AIOT_ERR_TRUNC);
	expect(b, 0, AIOT_ERR_TRUNC);
	b[0] = 2; /* version */
	b[1] = AIR_RELEASE;
	expect(b, 6, AIOT_ERR_UNKNOWN);
	b[0] = 1;
	b[1] = 0x07; /* type */
	expect(b, 6, AIOT_ERR_UNKNOWN);
	b[1] = 0x80;
	expect(b, 6, AIOT_ERR_UNKNOWN);
	b[1] = AIR_RELEASE;
	expect(b, AIR_MAX_FRAME + 1, AIOT_ERR_MALFORMED);
	/* PAGING: q, kind, ident length rules, padding bits. */
	uint8_t p[] = {1, AIR_PAGING, 0, 0, 0, 1, 0, 0,  /*q*/ 19, /*kind*/ 2, 0,  0,  1,  2,
	               3, 4,          5, 6, 7, 8, 9, 10, 11,       12,         13, 14, 15, 16};
	expect(p, sizeof p, AIOT_ERR_MALFORMED);
	p[8] = AIR_MAX_Q;
	expect(p, sizeof p, AIOT_OK);
	p[9] = 3;
	expect(p, sizeof p, AIOT_ERR_MALFORMED);
	p[9] = AIR_IDENT_ALL;
	p[11] = 8; /* ALL with identification bits */
	expect(p, sizeof p, AIOT_ERR_MALFORMED);
	p[9] = AIR_IDENT_SINGLE; /* SINGLE: 8 bits + 16 of RAND = 17 octets, 16 given */
	expect(p, sizeof p, AIOT_ERR_TRUNC);
	p[11] = 0; /* SINGLE with no identifier */
	expect(p, sizeof p, AIOT_ERR_MALFORMED);
	p[9] = AIR_IDENT_GROUP;
	expect(p, sizeof p, AIOT_ERR_MALFORMED);
	uint8_t g[] = {1, AIR_PAGING, 0,    0,  0,  1,  0,  0,  3, AIR_IDENT_GROUP,
	               0, 3,          0xE1, 1,  2,  3,  4,  5,  6, 7,
	               8, 9,          10,   11, 12, 13, 14, 15, 16};
	expect(g, sizeof g, AIOT_ERR_MALFORMED); /* 3-bit prefix with padding bits set */
	g[12] = 0xE0;
	expect(g, sizeof g, AIOT_OK);
	g[10] = 0x04;
	g[11] = 0x01; /* 1025 bits */
	expect(g, sizeof g, AIOT_ERR_MALFORMED);
	g[11] = 0x00;
	g[9] = AIR_IDENT_SINGLE; /* 1024 bits: needs 128 + 16 octets */
	expect(g, sizeof g, AIOT_ERR_TRUNC);
	/* ACK: count bounds. */
	uint8_t a[] = {1, AIR_ACK, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1};
	expect(a, sizeof a, AIOT_ERR_MALFORMED);
	a[7] = 1;
	expect(a, 12, AIOT_OK);
	a[6] = 0x01;
	a[7] = 0x2D; /* 301 */
	expect(a, sizeof a, AIOT_ERR_MALFORMED);
	/* COMMAND / COMMAND_RESP: NAS length 0 and 257. */
	uint8_t c[6 + 6 + 300] = {1, AIR_COMMAND, 0, 0, 0, 1, 0, 0, 0, 9, 0, 0};
	expect(c, 12, AIOT_ERR_MALFORMED);
	c[10] = 1;
	c[11] = 1; /* 257 */
	expect(c, 12 + 257, AIOT_ERR_MALFORMED);
	c[1] = AIR_COMMAND_RESP;
	c[10] = 0;
	c[11] = 2;
	expect(c, 13, AIOT_ERR_TRUNC);
	expect(c, 14, AIOT_OK);
	/* SLOT: slot number (long form: >= 2^15 and < 2^AIR_MAX_Q only), outcome, count. */
	uint8_t l[] = {1,    AIR_SLOT,           0, 0, 0, 1, 0, 1, 0x80, 0, 0x7F,
	               0xFF, AIR_SLOT_COLLISION, 0, 2};
	expect(l, sizeof l, AIOT_ERR_MALFORMED); /* 32767 in the long form: not canonical */
	l[10] = 0x80;
	l[11] = 0;
	expect(l, sizeof l, AIOT_OK); /* 32768 */
	l[9] = 0x04;
	expect(l, sizeof l, AIOT_ERR_MALFORMED); /* 2^18 + 2^15 >= 2^AIR_MAX_Q */
	expect(l, 9, AIOT_ERR_TRUNC);
	uint8_t s[] = {1, AIR_SLOT, 0, 0, 0, 1, 0, 1, 0x7F, 0x00, AIR_SLOT_COLLISION, 0, 2};
	expect(s, sizeof s, AIOT_OK);
	s[12] = 1;
	expect(s, sizeof s, AIOT_ERR_MALFORMED);
	s[10] = 3;
	expect(s, sizeof s, AIOT_ERR_UNKNOWN);
	s[10] = AIR_SLOT_SINGLE;
	expect(s, sizeof s, AIOT_ERR_TRUNC);
	/* ROUND_END: counts must add up to 2^Q. */
	uint8_t r[] = {1, AIR_ROUND_END, 0, 0, 0, 1, 0, 1, 2, 0, 1, 0, 1, 0, 1};
	expect(r, sizeof r, AIOT_ERR_MALFORMED);
	r[14] = 2;
	expect(r, sizeof r, AIOT_OK);
	r[8] = 16; /* Q 16 has 4-octet counts */
	expect(r, sizeof r, AIOT_ERR_TRUNC);
	r[8] = AIR_MAX_Q + 1;
	expect(r, sizeof r, AIOT_ERR_MALFORMED);
	uint8_t w[] = {1,    AIR_ROUND_END, 0, 0, 0, 1, 0, 1, 16, 0, 0,
	               0xFF, 0xFF,          0, 0, 0, 0, 0, 0, 0,  1};
	expect(w, sizeof w, AIOT_OK);
	w[20] = 2; /* 65537 slots of 65536 */
	expect(w, sizeof w, AIOT_ERR_MALFORMED);
	/* 0xFFFFFFFF + 0x10001 + 0: a 32-bit sum would wrap to 2^16 */
	static const uint8_t wrap[] = {16, 0xFF, 0xFF, 0xFF, 0xFF, 0, 1, 0, 1, 0, 0, 0, 0};
	memcpy(w + 8, wrap, sizeof wrap);
	expect(w, sizeof w, AIOT_ERR_MALFORMED);
}

static void test_encoder_errors(void **state)
{
	(void)state;
	uint8_t buf[AIR_MAX_FRAME], id[2] = {0xFF, 0xFF};
	air_frame f = {.type = AIR_PAGING};
	assert_int_equal(air_encode(NULL, buf, sizeof buf), AIOT_ERR_INVAL);
	assert_int_equal(air_encode(&f, NULL, 0), AIOT_ERR_INVAL);
	f.u.paging.kind = AIR_IDENT_ALL;
	f.u.paging.q = AIR_MAX_Q + 1;
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL);
	f.u.paging.q = 0;
	f.u.paging.kind = AIR_IDENT_GROUP;
	f.u.paging.ident_bits = 9;
	f.u.paging.ident = id; /* padding bits set */
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL);
	f.u.paging.ident = NULL;
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL);
	f.type = AIR_ACK;
	f.u.ack.n = 0;
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL);
	f.type = AIR_SLOT;
	memset(&f.u, 0, sizeof f.u);
	f.u.slot.outcome = AIR_SLOT_COLLISION;
	f.u.slot.ncolliding = 1;
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL);
	f.u.slot.outcome = AIR_SLOT_SINGLE; /* no NAS */
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL);
	f.u.slot.outcome = AIR_SLOT_COLLISION;
	f.u.slot.ncolliding = 2;
	f.u.slot.slot = 1u << AIR_MAX_Q;
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL);
	f.type = AIR_ROUND_END;
	memset(&f.u, 0, sizeof f.u);
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL); /* 0 slots of 1 */
	f.type = 0x42;
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL);
	f.type = AIR_DOA_OPEN;
	f.u.doa_open.q = AIR_MAX_Q + 1;
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL);
	f.type = AIR_DOA_DOWNLINK; /* no NAS */
	memset(&f.u, 0, sizeof f.u);
	assert_int_equal(air_encode(&f, buf, sizeof buf), AIOT_ERR_INVAL);
	/* DOA_OPEN: Q in range, nothing after it. */
	uint8_t o[] = {1, AIR_DOA_OPEN, 0, 0, 0, 1, 0, 1, AIR_MAX_Q + 1};
	expect(o, sizeof o, AIOT_ERR_MALFORMED);
	o[8] = AIR_MAX_Q;
	expect(o, sizeof o, AIOT_OK);
	expect(o, sizeof o - 1, AIOT_ERR_TRUNC);
	assert_null(air_type_name(0x42));
	assert_string_equal(air_type_name(AIR_DOA_SLOT), "DOA_SLOT");
	assert_string_equal(air_type_name(AIR_ROUND_END), "ROUND_END");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_golden_paging),
	    cmocka_unit_test(test_round_trips),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_encoder_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
