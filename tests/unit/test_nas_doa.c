/* SPDX-License-Identifier: Apache-2.0 */
/* AIoT NAS codec of device-originated access (src/nas/nas_doa.c, docs/protocol.md §3.10):
 * golden encodings, encode -> decode -> encode identity of every variant, every truncation,
 * trailing octet, reserved bit, length and code point refused, encoder argument errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/aiot_err.h"
#include "crypto/aiot_fc.h"
#include "nas/nas_doa.h"
#include "nas/nas_security.h"
#include "nas_codec_check.h"

static uint8_t pattern[256];

static int dec_m1(const uint8_t *b, size_t l, void *m)
{
	return aiot_nas_decode_doa_reg_request(b, l, m);
}
static int enc_m1(const void *m, uint8_t *o, size_t c)
{
	return aiot_nas_encode_doa_reg_request(m, o, c);
}
static int dec_m2(const uint8_t *b, size_t l, void *m)
{
	return aiot_nas_decode_doa_auth_request(b, l, m);
}
static int enc_m2(const void *m, uint8_t *o, size_t c)
{
	return aiot_nas_encode_doa_auth_request(m, o, c);
}
static int dec_m3(const uint8_t *b, size_t l, void *m)
{
	return aiot_nas_decode_doa_auth_response(b, l, m);
}
static int enc_m3(const void *m, uint8_t *o, size_t c)
{
	return aiot_nas_encode_doa_auth_response(m, o, c);
}
static int dec_acc(const uint8_t *b, size_t l, void *m)
{
	return aiot_nas_decode_doa_accept(b, l, m);
}
static int enc_acc(const void *m, uint8_t *o, size_t c)
{
	return aiot_nas_encode_doa_accept(m, o, c);
}

/* ---- M1 ----------------------------------------------------------------------------------- */

static void make_m1(aiot_nas_doa_reg_request *m, aiot_nas_id_type t, uint8_t id_len)
{
	memset(m, 0, sizeof *m);
	for (int i = 0; i < 16; i++)
		m->rand_d[i] = (uint8_t)(0x10 + i);
	m->id_type = t;
	m->id_len = id_len;
	m->id = pattern;
}

static void test_m1_golden(void **state)
{
	(void)state;
	static const uint8_t want[] = {
	    0x04, 0x40,                                     /* M1, PERM */
	    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, /* RAND_d */
	    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, /* */
	    0x03, 0x03, 0x0a, 0x11,                         /* length, identifier */
	};
	aiot_nas_doa_reg_request m, d;
	uint8_t out[64];

	make_m1(&m, AIOT_NAS_ID_PERM, 3);
	assert_int_equal(aiot_nas_encode_doa_reg_request(&m, out, sizeof out), sizeof want);
	assert_memory_equal(out, want, sizeof want);
	assert_int_equal(aiot_nas_decode_doa_reg_request(want, sizeof want, &d), AIOT_OK);
	assert_int_equal(d.id_type, AIOT_NAS_ID_PERM);
	assert_int_equal(d.id_len, 3);
	assert_ptr_equal(d.id, want + 19);
	assert_memory_equal(d.rand_d, m.rand_d, 16);
	assert_int_equal(aiot_nas_peek_type(want, sizeof want), AIOT_NAS_DOA_REG_REQUEST);
}

static size_t build_m1(const aiot_nas_doa_reg_request *m, uint8_t *b)
{
	size_t n = 0;
	b[n++] = 0x04;
	b[n++] = (uint8_t)(m->id_type << 6);
	memcpy(b + n, m->rand_d, 16);
	n += 16;
	if (m->id_type == AIOT_NAS_ID_PERM)
		b[n++] = m->id_len;
	memcpy(b + n, pattern, m->id_len);
	return n + m->id_len;
}

static void test_m1_roundtrip(void **state)
{
	(void)state;
	static const uint8_t lens[] = {1, 2, 16, 17, 127, 128};
	aiot_nas_doa_reg_request m;
	uint8_t b[300];
	size_t n;

	make_m1(&m, AIOT_NAS_ID_TID, 16);
	n = build_m1(&m, b);
	assert_int_equal(n, 34);
	check_codec(&m, b, n, dec_m1, enc_m1, prefix_trunc);
	for (size_t i = 0; i < sizeof lens; i++) {
		make_m1(&m, AIOT_NAS_ID_PERM, lens[i]);
		n = build_m1(&m, b);
		assert_int_equal(n, 19u + lens[i]);
		assert_true(n <= AIOT_NAS_DOA_M1_MAX_LEN);
		check_codec(&m, b, n, dec_m1, enc_m1, prefix_trunc);
	}
}

static void test_m1_malformed(void **state)
{
	(void)state;
	aiot_nas_doa_reg_request m, d;
	uint8_t b[300];
	size_t n;

	make_m1(&m, AIOT_NAS_ID_TID, 16);
	n = build_m1(&m, b);
	for (unsigned t = 0; t < 256; t++) { /* wrong message type, however short */
		if (t == AIOT_NAS_DOA_REG_REQUEST)
			continue;
		b[0] = (uint8_t)t;
		assert_int_equal(aiot_nas_decode_doa_reg_request(b, n, &d), AIOT_ERR_UNKNOWN);
		assert_int_equal(aiot_nas_decode_doa_reg_request(b, 1, &d), AIOT_ERR_UNKNOWN);
	}
	b[0] = AIOT_NAS_DOA_REG_REQUEST;
	for (unsigned bit = 0; bit < 6; bit++) { /* reserved bits */
		b[1] = (uint8_t)(0x80u | 1u << bit);
		assert_int_equal(aiot_nas_decode_doa_reg_request(b, n, &d), AIOT_ERR_MALFORMED);
	}
	b[1] = 0x00; /* identifier type 00 (none) has no meaning in M1 */
	assert_int_equal(aiot_nas_decode_doa_reg_request(b, n, &d), AIOT_ERR_UNKNOWN);
	b[1] = 0xC0; /* 11 reserved */
	assert_int_equal(aiot_nas_decode_doa_reg_request(b, n, &d), AIOT_ERR_UNKNOWN);
	/* PERM length 0 and > 128, and a length longer than what follows */
	make_m1(&m, AIOT_NAS_ID_PERM, 5);
	n = build_m1(&m, b);
	b[18] = 0;
	assert_int_equal(aiot_nas_decode_doa_reg_request(b, n, &d), AIOT_ERR_MALFORMED);
	b[18] = 129;
	assert_int_equal(aiot_nas_decode_doa_reg_request(b, 300, &d), AIOT_ERR_MALFORMED);
	b[18] = 6;
	assert_int_equal(aiot_nas_decode_doa_reg_request(b, n, &d), AIOT_ERR_TRUNC);
	b[18] = 4;
	assert_int_equal(aiot_nas_decode_doa_reg_request(b, n, &d), AIOT_ERR_MALFORMED);
	assert_null(d.id);

	/* encoder arguments */
	make_m1(&m, AIOT_NAS_ID_NONE, 0);
	assert_int_equal(aiot_nas_encode_doa_reg_request(&m, b, sizeof b), AIOT_ERR_INVAL);
	make_m1(&m, AIOT_NAS_ID_TID, 15);
	assert_int_equal(aiot_nas_encode_doa_reg_request(&m, b, sizeof b), AIOT_ERR_INVAL);
	make_m1(&m, AIOT_NAS_ID_PERM, 129);
	assert_int_equal(aiot_nas_encode_doa_reg_request(&m, b, sizeof b), AIOT_ERR_INVAL);
	make_m1(&m, AIOT_NAS_ID_PERM, 0);
	assert_int_equal(aiot_nas_encode_doa_reg_request(&m, b, sizeof b), AIOT_ERR_INVAL);
	make_m1(&m, AIOT_NAS_ID_PERM, 4);
	m.id = NULL;
	assert_int_equal(aiot_nas_encode_doa_reg_request(&m, b, sizeof b), AIOT_ERR_INVAL);
	make_m1(&m, (aiot_nas_id_type)3, 16);
	assert_int_equal(aiot_nas_encode_doa_reg_request(&m, b, 0), AIOT_ERR_INVAL);
}

/* ---- M2 ----------------------------------------------------------------------------------- */

static void test_m2(void **state)
{
	(void)state;
	static const uint8_t want[AIOT_NAS_DOA_M2_LEN] = {
	    0x05, 0x10, 0x11,                               /* M2, tag = RAND_d[0..1] */
	    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, /* RAND_n */
	    0x28, 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e, 0x2f, /* */
	    0x90, 0x91, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, /* MAC_N */
	};
	aiot_nas_doa_auth_request m, d;
	uint8_t b[64];

	memset(&m, 0, sizeof m);
	m.rand_tag[0] = 0x10;
	m.rand_tag[1] = 0x11;
	for (int i = 0; i < 16; i++)
		m.rand_n[i] = (uint8_t)(0x20 + i);
	for (int i = 0; i < 8; i++)
		m.mac_n[i] = (uint8_t)(0x90 + i);
	check_codec(&m, want, sizeof want, dec_m2, enc_m2, prefix_trunc);
	assert_int_equal(aiot_nas_decode_doa_auth_request(want, sizeof want, &d), AIOT_OK);
	assert_memory_equal(&d, &m, sizeof m);
	memcpy(b, want, sizeof want);
	for (unsigned t = 0; t < 256; t++) {
		if (t == AIOT_NAS_DOA_AUTH_REQUEST)
			continue;
		b[0] = (uint8_t)t;
		assert_int_equal(aiot_nas_decode_doa_auth_request(b, sizeof want, &d),
		                 AIOT_ERR_UNKNOWN);
	}
}

/* ---- M3 ----------------------------------------------------------------------------------- */

static const uint8_t k_int[16] = {0x2b, 0xd6, 0x45, 0x9f, 0x82, 0xc5, 0xb3, 0x00,
                                  0x95, 0x2c, 0x49, 0x10, 0x48, 0x81, 0xff, 0x48};

/* An M3 with RES_D of rl octets and, if dl, an Uplink Data PDU (COUNT 0) of dl data octets. */
static size_t build_m3(uint8_t rl, size_t dl, uint8_t *b, aiot_nas_doa_auth_response *m)
{
	size_t n = 2 + rl;

	memset(m, 0, sizeof *m);
	b[0] = 0x06;
	b[1] = (uint8_t)((rl / 4 - 1) << 6);
	for (unsigned i = 0; i < rl; i++)
		b[2 + i] = m->res_d[i] = (uint8_t)(0xE0 + i);
	m->res_len = rl;
	if (dl) {
		int k = aiot_nas_protect(NULL, k_int, NULL, AIOT_NAS_UPLINK_DATA, 0,
		                         AIOT_DIR_UPLINK, pattern, dl, b + n, 300 - n);
		assert_int_equal(k, (int)(AIOT_NAS_SEC_HDR_LEN + dl));
		m->data = b + n;
		m->data_len = (size_t)k;
		n += (size_t)k;
	}
	return n;
}

static size_t m3_res_end;
/* M3 with data: the Uplink Data runs to the end, so only its MAC can tell a shorter one (or an
 * octet more) from the one sent. */
static int prefix_m3(size_t l, size_t len)
{
	(void)len;
	if (l > AIOT_NAS_MAX_PDU)
		return AIOT_ERR_MALFORMED;
	if (l < m3_res_end || (l > m3_res_end && l <= m3_res_end + AIOT_NAS_SEC_HDR_LEN))
		return AIOT_ERR_TRUNC;
	return AIOT_OK;
}

/* M3 without data: an octet after RES_D must frame as an Uplink Data PDU; 0x00 is no type. */
static int prefix_m3_res(size_t l, size_t len)
{
	return l < len ? AIOT_ERR_TRUNC : AIOT_ERR_UNKNOWN;
}

static void test_m3_roundtrip(void **state)
{
	(void)state;
	aiot_nas_doa_auth_response m, d;
	uint8_t b[300];

	for (uint8_t rl = 4; rl <= 16; rl += 4) {
		static const size_t dls[] = {0, 1, 20, 0};
		for (size_t i = 0; i < sizeof dls / sizeof dls[0]; i++) {
			size_t dl = i == 3 ? (size_t)AIOT_NAS_DOA_M3_MAX_DATA(rl) : dls[i];
			size_t n = build_m3(rl, dl, b, &m);
			m3_res_end = 2u + rl;
			check_codec(&m, b, n, dec_m3, enc_m3, dl ? prefix_m3 : prefix_m3_res);
			assert_int_equal(aiot_nas_decode_doa_auth_response(b, n, &d), AIOT_OK);
			assert_int_equal(d.res_len, rl);
			assert_ptr_equal(d.data, dl ? b + 2 + rl : NULL);
			assert_int_equal(d.data_len, dl ? AIOT_NAS_SEC_HDR_LEN + dl : 0);
		}
	}
	/* the golden RES_D-only M3 with a 64-bit RES_D */
	static const uint8_t want[] = {0x06, 0x40, 0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7};
	assert_int_equal(build_m3(8, 0, b, &m), sizeof want);
	assert_memory_equal(b, want, sizeof want);
}

static void test_m3_malformed(void **state)
{
	(void)state;
	aiot_nas_doa_auth_response m, d;
	uint8_t b[600];
	size_t n = build_m3(8, 5, b, &m); /* 10 + 15 */

	for (unsigned bit = 0; bit < 6; bit++) { /* reserved bits */
		b[1] = (uint8_t)(0x40u | 1u << bit);
		assert_int_equal(aiot_nas_decode_doa_auth_response(b, n, &d), AIOT_ERR_MALFORMED);
	}
	b[1] = 0x40;
	b[10] = AIOT_NAS_COMMAND_RESPONSE; /* the tail must be Uplink Data */
	assert_int_equal(aiot_nas_decode_doa_auth_response(b, n, &d), AIOT_ERR_MALFORMED);
	b[10] = 0x42; /* not a protected type at all */
	assert_int_equal(aiot_nas_decode_doa_auth_response(b, n, &d), AIOT_ERR_UNKNOWN);
	b[10] = AIOT_NAS_UPLINK_DATA;
	b[11] = 0x01; /* reserved bit of the Uplink Data */
	assert_int_equal(aiot_nas_decode_doa_auth_response(b, n, &d), AIOT_ERR_MALFORMED);
	b[11] = 0x00;
	b[15] = 1; /* COUNT 1: the first data block is always COUNT 0 */
	assert_int_equal(aiot_nas_decode_doa_auth_response(b, n, &d), AIOT_ERR_MALFORMED);
	assert_null(d.data);
	b[15] = 0;
	assert_int_equal(aiot_nas_decode_doa_auth_response(b, n, &d), AIOT_OK);
	/* over 256 octets */
	n = build_m3(4, AIOT_NAS_DOA_M3_MAX_DATA(4), b, &m);
	assert_int_equal(n, AIOT_NAS_MAX_PDU);
	assert_int_equal(aiot_nas_decode_doa_auth_response(b, n + 1, &d), AIOT_ERR_MALFORMED);
	for (unsigned t = 0; t < 256; t++) {
		if (t == AIOT_NAS_DOA_AUTH_RESPONSE)
			continue;
		b[0] = (uint8_t)t;
		assert_int_equal(aiot_nas_decode_doa_auth_response(b, 1, &d), AIOT_ERR_UNKNOWN);
	}

	/* encoder arguments: RES_D length, data too long or not an Uplink Data COUNT 0 */
	n = build_m3(8, 5, b, &m);
	m.res_len = 6;
	assert_int_equal(aiot_nas_encode_doa_auth_response(&m, b + 300, 300), AIOT_ERR_INVAL);
	m.res_len = 20;
	assert_int_equal(aiot_nas_encode_doa_auth_response(&m, b + 300, 300), AIOT_ERR_INVAL);
	m.res_len = 8;
	m.data_len = 0;
	assert_int_equal(aiot_nas_encode_doa_auth_response(&m, b + 300, 300), AIOT_ERR_INVAL);
	m.data = NULL;
	m.data_len = 15;
	assert_int_equal(aiot_nas_encode_doa_auth_response(&m, b + 300, 300), AIOT_ERR_INVAL);
	m.data = b + 10;
	m.data_len = 10; /* no payload */
	assert_int_equal(aiot_nas_encode_doa_auth_response(&m, b + 300, 300), AIOT_ERR_INVAL);
	b[15] = 7;
	m.data_len = 15;
	assert_int_equal(aiot_nas_encode_doa_auth_response(&m, b + 300, 300), AIOT_ERR_INVAL);
	b[15] = 0;
	m.data_len = AIOT_NAS_MAX_PDU - 9; /* M3 would be 257 octets */
	memset(b + 25, 0, 300 - 25);
	assert_int_equal(aiot_nas_encode_doa_auth_response(&m, b + 300, 300), AIOT_ERR_INVAL);
}

/* The device protects its first data in place, at its final position in M3. */
static void test_m3_in_place(void **state)
{
	(void)state;
	aiot_nas_doa_auth_response m, d;
	uint8_t b[300], ref[300];
	size_t n = build_m3(12, 30, ref, &m);

	memcpy(b, ref, n);
	memset(b, 0, 14);
	m.data = b + 14;
	assert_int_equal(aiot_nas_encode_doa_auth_response(&m, b, sizeof b), (int)n);
	assert_memory_equal(b, ref, n);
	assert_int_equal(aiot_nas_decode_doa_auth_response(b, n, &d), AIOT_OK);
}

/* ---- M4 payload and the protected M4 / Uplink Data ---------------------------------------- */

static void test_accept(void **state)
{
	(void)state;
	aiot_nas_doa_accept m = {0}, d;
	static const uint8_t plain[] = {0x00}, tid[] = {0x80};
	uint8_t b[4];

	check_codec(&m, plain, 1, dec_acc, enc_acc, prefix_trunc);
	m.tid_update = 1;
	check_codec(&m, tid, 1, dec_acc, enc_acc, prefix_trunc);
	for (unsigned v = 0; v < 256; v++) {
		b[0] = (uint8_t)v;
		int rc = aiot_nas_decode_doa_accept(b, 1, &d);
		assert_int_equal(rc, (v & 0x7F) ? AIOT_ERR_MALFORMED : AIOT_OK);
	}
	m.tid_update = 2;
	assert_int_equal(aiot_nas_encode_doa_accept(&m, b, sizeof b), AIOT_ERR_INVAL);
}

/* M4 and Uplink Data use the security header of nas.h: both new types frame as protected
 * messages, and nothing else of the DO-A set does. */
static void test_protected_types(void **state)
{
	(void)state;
	uint8_t b[32] = {0}, out[32];
	aiot_nas_protected p;

	for (unsigned t = AIOT_NAS_DOA_REG_REQUEST; t <= AIOT_NAS_UPLINK_DATA; t++) {
		b[0] = (uint8_t)t;
		int want = (t == AIOT_NAS_DOA_REG_ACCEPT || t == AIOT_NAS_UPLINK_DATA)
		               ? AIOT_OK
		               : AIOT_ERR_UNKNOWN;
		assert_int_equal(aiot_nas_decode_protected(b, AIOT_NAS_DOA_M4_LEN, &p), want);
		assert_int_equal(aiot_nas_peek_type(b, 1), (int)t);
	}
	/* a genuine M4 (TID_UPDATE) under K_AIOT_int: 11 octets, downlink COUNT 0 */
	int n = aiot_nas_protect(NULL, k_int, NULL, AIOT_NAS_DOA_REG_ACCEPT, 0, AIOT_DIR_DOWNLINK,
	                         (const uint8_t[]){AIOT_NAS_DOA_ACCEPT_TID}, 1, out, sizeof out);
	assert_int_equal(n, AIOT_NAS_DOA_M4_LEN);
	assert_int_equal(
	    aiot_nas_unprotect(NULL, k_int, NULL, AIOT_DIR_DOWNLINK, out, (size_t)n, &p), AIOT_OK);
	assert_int_equal(p.type, AIOT_NAS_DOA_REG_ACCEPT);
	/* reflected as uplink: the MAC fails */
	assert_int_equal(aiot_nas_unprotect(NULL, k_int, NULL, AIOT_DIR_UPLINK, out, (size_t)n, &p),
	                 AIOT_ERR_MAC);
}

int main(void)
{
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
	pattern[0] = 0x03;
	pattern[1] = 0x0a;
	pattern[2] = 0x11;
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_m1_golden),       cmocka_unit_test(test_m1_roundtrip),
	    cmocka_unit_test(test_m1_malformed),    cmocka_unit_test(test_m2),
	    cmocka_unit_test(test_m3_roundtrip),    cmocka_unit_test(test_m3_malformed),
	    cmocka_unit_test(test_m3_in_place),     cmocka_unit_test(test_accept),
	    cmocka_unit_test(test_protected_types),
	};
	return cmocka_run_group_tests_name("nas_doa", tests, NULL, NULL);
}
