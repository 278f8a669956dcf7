/* SPDX-License-Identifier: Apache-2.0 */
/* AIoT NAS codec (src/nas/nas.c, docs/protocol.md §3): golden encodings, round trips of
 * every message / command / status, every class of malformed input, encoder errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/aiot_err.h"
#include "nas/nas.h"
#include "nas_codec_check.h"

static uint8_t pattern[256];

static void fill_pattern(void)
{
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (uint8_t)(i * 7 + 3);
}

/* ---- generic properties, applied to every valid encoding below ------------------------- */

static int dec_inv(const uint8_t *b, size_t l, void *m)
{
	return aiot_nas_decode_inventory_response(b, l, m);
}
static int enc_inv(const void *m, uint8_t *o, size_t c)
{
	return aiot_nas_encode_inventory_response(m, o, c);
}
static int dec_cmd(const uint8_t *b, size_t l, void *m)
{
	return aiot_nas_decode_command(b, l, m);
}
static int enc_cmd(const void *m, uint8_t *o, size_t c)
{
	return aiot_nas_encode_command(m, o, c);
}
static int dec_res(const uint8_t *b, size_t l, void *m)
{
	return aiot_nas_decode_result(b, l, m);
}
static int enc_res(const void *m, uint8_t *o, size_t c)
{
	return aiot_nas_encode_result(m, o, c);
}
static int dec_prot(const uint8_t *b, size_t l, void *m)
{
	return aiot_nas_decode_protected(b, l, m);
}
static int enc_prot(const void *m, uint8_t *o, size_t c)
{
	return aiot_nas_encode_protected(m, o, c);
}

/* A protected message: its payload runs to the end, so only the MAC can tell a prefix longer
 * than the header, or an octet more, from the message sent. */
static int prefix_prot(size_t l, size_t len)
{
	(void)len;
	if (l > AIOT_NAS_MAX_PDU)
		return AIOT_ERR_MALFORMED;
	return l <= AIOT_NAS_SEC_HDR_LEN ? AIOT_ERR_TRUNC : AIOT_OK;
}

/* ---- peek ------------------------------------------------------------------------------- */

static void test_peek_type(void **state)
{
	(void)state;
	uint8_t b[1];
	assert_int_equal(aiot_nas_peek_type(NULL, 0), AIOT_ERR_TRUNC);
	assert_int_equal(aiot_nas_peek_type(b, 0), AIOT_ERR_TRUNC);
	for (unsigned t = 0; t < 256; t++) {
		b[0] = (uint8_t)t;
		int want = (t >= 1 && t <= AIOT_NAS_UPLINK_DATA) ? (int)t : AIOT_ERR_UNKNOWN;
		assert_int_equal(aiot_nas_peek_type(b, 1), want);
	}
}

/* ---- Inventory Response ----------------------------------------------------------------- */

static void make_inv(aiot_nas_inventory_response *m, uint8_t res_len, aiot_nas_id_type t,
                     uint8_t id_len)
{
	memset(m, 0, sizeof *m);
	m->rand_tag[0] = 0xA1; /* RAND_AIOT_n A1 B2 ... */
	m->rand_tag[1] = 0xB2;
	for (int i = 0; i < 16; i++) {
		m->rand_d[i] = (uint8_t)(0x10 + i);
		m->res[i] = (uint8_t)(0xE0 + i);
	}
	m->res_len = res_len;
	m->id_type = t;
	m->id_len = id_len;
	m->id = id_len ? pattern : NULL;
}

static size_t build_inv(const aiot_nas_inventory_response *m, uint8_t *b)
{
	size_t n = 0;
	b[n++] = 0x01;
	b[n++] = (uint8_t)(m->id_type << 6 | (m->res_len / 4 - 1) << 4);
	b[n++] = m->rand_tag[0];
	b[n++] = m->rand_tag[1];
	memcpy(b + n, m->rand_d, 16);
	n += 16;
	memcpy(b + n, m->res, m->res_len);
	n += m->res_len;
	if (m->id_type == AIOT_NAS_ID_PERM)
		b[n++] = m->id_len;
	memcpy(b + n, pattern, m->id_len);
	return n + m->id_len;
}

static void test_inv_golden(void **state)
{
	(void)state;
	aiot_nas_inventory_response m, d;
	uint8_t out[64];
	static const uint8_t want[] = {
	    0x01, 0x50, /* PERM, RES 8 */
	    0xa1, 0xb2, /* RAND tag: RAND_AIOT_n's first two octets */
	    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17,
	    0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, /* RAND_AIOT_d */
	    0xe0, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, /* RES_AIOT */
	    0x03, 0x03, 0x0a, 0x11,                         /* id length, id */
	};
	make_inv(&m, 8, AIOT_NAS_ID_PERM, 3);
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out), sizeof want);
	assert_memory_equal(out, want, sizeof want);
	assert_int_equal(aiot_nas_decode_inventory_response(want, sizeof want, &d), AIOT_OK);
	assert_int_equal(d.id_type, AIOT_NAS_ID_PERM);
	assert_int_equal(d.res_len, 8);
	assert_int_equal(d.id_len, 3);
	assert_ptr_equal(d.id, want + 29);
	assert_memory_equal(d.rand_tag, m.rand_tag, 2);
	assert_memory_equal(d.rand_d, m.rand_d, 16);
	assert_memory_equal(d.res, m.res, 8);
}

static void test_inv_roundtrip_all(void **state)
{
	(void)state;
	static const uint8_t perm_lens[] = {1, 2, 16, 17, 127, 128};
	for (uint8_t rl = 4; rl <= 16; rl += 4) {
		aiot_nas_inventory_response m, d;
		uint8_t b[600];
		size_t n;

		make_inv(&m, rl, AIOT_NAS_ID_NONE, 0);
		n = build_inv(&m, b);
		assert_int_equal(n, 20u + rl);
		check_codec(&m, b, n, dec_inv, enc_inv, prefix_trunc);
		assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_OK);
		assert_int_equal(d.id_type, AIOT_NAS_ID_NONE);
		assert_null(d.id);
		assert_int_equal(d.id_len, 0);

		make_inv(&m, rl, AIOT_NAS_ID_TID, 16);
		n = build_inv(&m, b);
		assert_int_equal(n, 36u + rl);
		check_codec(&m, b, n, dec_inv, enc_inv, prefix_trunc);
		assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_OK);
		assert_int_equal(d.id_type, AIOT_NAS_ID_TID);
		assert_int_equal(d.id_len, 16);
		assert_memory_equal(d.id, pattern, 16);

		for (size_t i = 0; i < sizeof perm_lens; i++) {
			make_inv(&m, rl, AIOT_NAS_ID_PERM, perm_lens[i]);
			n = build_inv(&m, b);
			assert_int_equal(n, 21u + rl + perm_lens[i]);
			assert_true(n <= AIOT_NAS_INV_RESP_MAX_LEN);
			check_codec(&m, b, n, dec_inv, enc_inv, prefix_trunc);
			assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_OK);
			assert_int_equal(d.res_len, rl);
			assert_memory_equal(d.res, m.res, rl);
			assert_int_equal(d.id_len, perm_lens[i]);
			assert_memory_equal(d.id, pattern, perm_lens[i]);
		}
	}
}

static void test_inv_malformed(void **state)
{
	(void)state;
	aiot_nas_inventory_response m, d;
	uint8_t b[600];
	size_t n;

	make_inv(&m, 16, AIOT_NAS_ID_PERM, 5);
	n = build_inv(&m, b);
	assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_OK);

	/* wrong message type */
	for (unsigned t = 0; t < 256; t++) {
		if (t == AIOT_NAS_INVENTORY_RESPONSE)
			continue;
		b[0] = (uint8_t)t;
		assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_ERR_UNKNOWN);
		assert_int_equal(aiot_nas_decode_inventory_response(b, 1, &d), AIOT_ERR_UNKNOWN);
	}
	b[0] = AIOT_NAS_INVENTORY_RESPONSE;
	/* reserved bits 3-0 */
	for (unsigned bit = 0; bit < 4; bit++) {
		b[1] ^= (uint8_t)(1u << bit);
		assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_ERR_MALFORMED);
		b[1] ^= (uint8_t)(1u << bit);
	}
	/* id type 11 reserved */
	b[1] |= 0xC0;
	assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_ERR_UNKNOWN);
	b[1] = 0x70;
	/* bad id lengths: 0, 129, 255 (the rest of the message left in place) */
	static const uint8_t bad_len[] = {0, 129, 200, 255};
	for (size_t i = 0; i < sizeof bad_len; i++) {
		b[36] = bad_len[i];
		assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_ERR_MALFORMED);
	}
	/* id length 0 with nothing after it */
	b[36] = 0;
	assert_int_equal(aiot_nas_decode_inventory_response(b, 37, &d), AIOT_ERR_MALFORMED);
	/* length octet announces more than present */
	b[36] = 6;
	assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_ERR_TRUNC);
	/* announces less: trailing bytes */
	b[36] = 4;
	assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_ERR_MALFORMED);
	b[36] = 5;
	/* oversized: a 128-byte id followed by 300 more bytes */
	make_inv(&m, 16, AIOT_NAS_ID_PERM, 128);
	n = build_inv(&m, b);
	memset(b + n, 0, 300);
	assert_int_equal(aiot_nas_decode_inventory_response(b, n + 300, &d), AIOT_ERR_MALFORMED);
	/* NONE / TID followed by anything */
	make_inv(&m, 4, AIOT_NAS_ID_NONE, 0);
	n = build_inv(&m, b);
	assert_int_equal(aiot_nas_decode_inventory_response(b, n + 16, &d), AIOT_ERR_MALFORMED);
	/* a NONE message relabelled TID: id missing */
	b[1] |= 0x80;
	assert_int_equal(aiot_nas_decode_inventory_response(b, n, &d), AIOT_ERR_TRUNC);
}

/* The NOTE 2 filter: the RAND tag against the paging's RAND_AIOT_n. */
static void test_inv_answers(void **state)
{
	(void)state;
	aiot_nas_inventory_response m;
	uint8_t b[600], rand_n[16] = {0xA1, 0xB2, 0x33};
	size_t n;

	make_inv(&m, 8, AIOT_NAS_ID_TID, 16);
	n = build_inv(&m, b);
	assert_int_equal(aiot_nas_inv_answers(b, n, rand_n), 1);
	rand_n[15] ^= 1; /* only the first two octets are carried */
	assert_int_equal(aiot_nas_inv_answers(b, n, rand_n), 1);
	for (int i = 0; i < 2; i++) {
		for (unsigned bit = 0; bit < 8; bit++) {
			rand_n[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(aiot_nas_inv_answers(b, n, rand_n), 0);
			rand_n[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(aiot_nas_inv_answers(b, AIOT_NAS_INV_RES_OFF - 1, rand_n), 0);
	assert_int_equal(aiot_nas_inv_answers(NULL, n, rand_n), 0);
	assert_int_equal(aiot_nas_inv_answers(b, n, NULL), 0);
	b[0] = AIOT_NAS_COMMAND_RESPONSE;
	assert_int_equal(aiot_nas_inv_answers(b, n, rand_n), 0);
}

static void test_inv_encode_inval(void **state)
{
	(void)state;
	aiot_nas_inventory_response m;
	uint8_t out[600];
	static const uint8_t bad_res[] = {0, 1, 3, 5, 7, 9, 15, 17, 20, 255};

	for (size_t i = 0; i < sizeof bad_res; i++) {
		make_inv(&m, bad_res[i], AIOT_NAS_ID_NONE, 0);
		assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out),
		                 AIOT_ERR_INVAL);
	}
	make_inv(&m, 8, AIOT_NAS_ID_NONE, 1);
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out), AIOT_ERR_INVAL);
	make_inv(&m, 8, AIOT_NAS_ID_PERM, 0);
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out), AIOT_ERR_INVAL);
	m.id = pattern;
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out), AIOT_ERR_INVAL);
	make_inv(&m, 8, AIOT_NAS_ID_PERM, 129);
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out), AIOT_ERR_INVAL);
	make_inv(&m, 8, AIOT_NAS_ID_PERM, 4);
	m.id = NULL;
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out), AIOT_ERR_INVAL);
	make_inv(&m, 8, AIOT_NAS_ID_TID, 15);
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out), AIOT_ERR_INVAL);
	make_inv(&m, 8, AIOT_NAS_ID_TID, 17);
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out), AIOT_ERR_INVAL);
	make_inv(&m, 8, AIOT_NAS_ID_TID, 16);
	m.id = NULL;
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out), AIOT_ERR_INVAL);
	make_inv(&m, 8, (aiot_nas_id_type)3, 0);
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, sizeof out), AIOT_ERR_INVAL);
	/* INVAL wins over NOSPACE: argument errors are reported whatever the cap */
	make_inv(&m, 3, AIOT_NAS_ID_NONE, 0);
	assert_int_equal(aiot_nas_encode_inventory_response(&m, out, 0), AIOT_ERR_INVAL);
}

/* ---- Command payload -------------------------------------------------------------------- */

static void test_cmd_golden(void **state)
{
	(void)state;
	aiot_nas_command c = {.cmd = AIOT_CMD_READ, .offset = 0x1234, .length = 0x20};
	uint8_t out[16];
	static const uint8_t rd[] = {0x01, 0x12, 0x34, 0x20};
	static const uint8_t wr[] = {0x02, 0xff, 0xfe, 0x02, 0xaa, 0xbb};
	static const uint8_t ab[] = {0xaa, 0xbb};

	assert_int_equal(aiot_nas_encode_command(&c, out, sizeof out), 4);
	assert_memory_equal(out, rd, 4);
	c = (aiot_nas_command){.cmd = AIOT_CMD_WRITE, .offset = 0xfffe, .length = 2, .data = ab};
	assert_int_equal(aiot_nas_encode_command(&c, out, sizeof out), 6);
	assert_memory_equal(out, wr, 6);
	assert_int_equal(aiot_nas_decode_command(wr, sizeof wr, &c), AIOT_OK);
	assert_int_equal(c.cmd, AIOT_CMD_WRITE);
	assert_int_equal(c.offset, 0xfffe);
	assert_int_equal(c.length, 2);
	assert_ptr_equal(c.data, wr + 4);
	c = (aiot_nas_command){.cmd = AIOT_CMD_DISABLE};
	assert_int_equal(aiot_nas_encode_command(&c, out, sizeof out), 1);
	assert_int_equal(out[0], 0x03);
	c = (aiot_nas_command){.cmd = AIOT_CMD_TID_UPDATE};
	assert_int_equal(aiot_nas_encode_command(&c, out, sizeof out), 1);
	assert_int_equal(out[0], 0x04);
}

static void test_cmd_roundtrip_all(void **state)
{
	(void)state;
	static const struct {
		uint16_t off;
		uint8_t len;
	} rng[] = {{0, 1}, {0, 200}, {1, 17}, {0x1234, 0x20}, {65535, 1}, {65336, 200}};
	uint8_t b[600];
	aiot_nas_command c, d;

	for (size_t i = 0; i < sizeof rng / sizeof rng[0]; i++) {
		c = (aiot_nas_command){
		    .cmd = AIOT_CMD_READ, .offset = rng[i].off, .length = rng[i].len};
		b[0] = 0x01;
		b[1] = (uint8_t)(rng[i].off >> 8);
		b[2] = (uint8_t)rng[i].off;
		b[3] = rng[i].len;
		check_codec(&c, b, 4, dec_cmd, enc_cmd, prefix_trunc);
		assert_int_equal(aiot_nas_decode_command(b, 4, &d), AIOT_OK);
		assert_int_equal(d.cmd, AIOT_CMD_READ);
		assert_int_equal(d.offset, rng[i].off);
		assert_int_equal(d.length, rng[i].len);
		assert_null(d.data);

		c.cmd = AIOT_CMD_WRITE;
		c.data = pattern;
		b[0] = 0x02;
		memcpy(b + 4, pattern, rng[i].len);
		check_codec(&c, b, 4u + rng[i].len, dec_cmd, enc_cmd, prefix_trunc);
		assert_int_equal(aiot_nas_decode_command(b, 4u + rng[i].len, &d), AIOT_OK);
		assert_int_equal(d.length, rng[i].len);
		assert_memory_equal(d.data, pattern, rng[i].len);
		assert_true(4u + rng[i].len <= AIOT_NAS_MAX_PAYLOAD);
	}
	c = (aiot_nas_command){.cmd = AIOT_CMD_DISABLE};
	b[0] = 0x03;
	check_codec(&c, b, 1, dec_cmd, enc_cmd, prefix_trunc);
	c = (aiot_nas_command){.cmd = AIOT_CMD_TID_UPDATE};
	b[0] = 0x04;
	check_codec(&c, b, 1, dec_cmd, enc_cmd, prefix_trunc);
	/* parameters of DISABLE / TID_UPDATE are ignored by the encoder (none on the wire) */
	c.offset = 7;
	assert_int_equal(aiot_nas_encode_command(&c, b, sizeof b), 1);
}

static void test_cmd_malformed(void **state)
{
	(void)state;
	aiot_nas_command d;
	uint8_t b[600];

	memset(b, 0, sizeof b);
	for (unsigned t = 0; t < 256; t++) {
		if (t >= 1 && t <= 4)
			continue;
		b[0] = (uint8_t)t;
		assert_int_equal(aiot_nas_decode_command(b, 1, &d), AIOT_ERR_UNKNOWN);
		assert_int_equal(aiot_nas_decode_command(b, 4, &d), AIOT_ERR_UNKNOWN);
	}
	for (uint8_t cmd = AIOT_CMD_READ; cmd <= AIOT_CMD_WRITE; cmd++) {
		b[0] = cmd;
		/* length 0, > AIOT_NAS_MAX_DATA */
		static const uint8_t bad[] = {0, 201, 255};
		for (size_t i = 0; i < sizeof bad; i++) {
			b[3] = bad[i];
			assert_int_equal(aiot_nas_decode_command(b, 4u + bad[i], &d),
			                 AIOT_ERR_MALFORMED);
		}
		/* offset + length > 65536 */
		b[1] = 0xff;
		b[2] = 0xff;
		b[3] = 2;
		assert_int_equal(aiot_nas_decode_command(b, 6, &d), AIOT_ERR_MALFORMED);
		b[1] = 0xff;
		b[2] = 0x39; /* 65337 + 200 = 65537 */
		b[3] = 200;
		assert_int_equal(aiot_nas_decode_command(b, 204, &d), AIOT_ERR_MALFORMED);
		b[2] = 0x38; /* 65336 + 200 = 65536: the last valid range */
		assert_int_equal(aiot_nas_decode_command(b, cmd == AIOT_CMD_READ ? 4 : 204, &d),
		                 AIOT_OK);
	}
	/* READ with data after it */
	b[0] = AIOT_CMD_READ;
	b[1] = 0;
	b[2] = 0;
	b[3] = 4;
	assert_int_equal(aiot_nas_decode_command(b, 8, &d), AIOT_ERR_MALFORMED);
	/* WRITE shorter / longer than its length octet */
	b[0] = AIOT_CMD_WRITE;
	assert_int_equal(aiot_nas_decode_command(b, 7, &d), AIOT_ERR_TRUNC);
	assert_int_equal(aiot_nas_decode_command(b, 9, &d), AIOT_ERR_MALFORMED);
	assert_int_equal(aiot_nas_decode_command(b, 8, &d), AIOT_OK);
	/* DISABLE / TID_UPDATE with parameters */
	for (uint8_t cmd = AIOT_CMD_DISABLE; cmd <= AIOT_CMD_TID_UPDATE; cmd++) {
		b[0] = cmd;
		for (size_t l = 2; l < 8; l++)
			assert_int_equal(aiot_nas_decode_command(b, l, &d), AIOT_ERR_MALFORMED);
	}
}

static void test_cmd_encode_inval(void **state)
{
	(void)state;
	uint8_t out[600];
	aiot_nas_command c;
	static const aiot_nas_cmd bad_cmds[] = {(aiot_nas_cmd)0, (aiot_nas_cmd)5,
	                                        (aiot_nas_cmd)0xff, (aiot_nas_cmd)-1};

	for (size_t i = 0; i < sizeof bad_cmds / sizeof bad_cmds[0]; i++) {
		c = (aiot_nas_command){.cmd = bad_cmds[i]};
		assert_int_equal(aiot_nas_encode_command(&c, out, sizeof out), AIOT_ERR_INVAL);
	}
	for (aiot_nas_cmd cmd = AIOT_CMD_READ; cmd <= AIOT_CMD_WRITE; cmd++) {
		c = (aiot_nas_command){.cmd = cmd, .length = 0, .data = pattern};
		assert_int_equal(aiot_nas_encode_command(&c, out, sizeof out), AIOT_ERR_INVAL);
		c.length = 201;
		assert_int_equal(aiot_nas_encode_command(&c, out, sizeof out), AIOT_ERR_INVAL);
		c.length = 2;
		c.offset = 65535;
		assert_int_equal(aiot_nas_encode_command(&c, out, sizeof out), AIOT_ERR_INVAL);
	}
	c = (aiot_nas_command){.cmd = AIOT_CMD_WRITE, .length = 1, .data = NULL};
	assert_int_equal(aiot_nas_encode_command(&c, out, sizeof out), AIOT_ERR_INVAL);
}

/* ---- Result payload --------------------------------------------------------------------- */

static void test_result_golden(void **state)
{
	(void)state;
	uint8_t out[16];
	static const uint8_t d3[] = {0xde, 0xad, 0x01};
	static const uint8_t rd[] = {0x01, 0x00, 0x03, 0xde, 0xad, 0x01};
	aiot_nas_result r = {
	    .cmd = AIOT_CMD_READ, .status = AIOT_ST_SUCCESS, .data = d3, .data_len = 3};

	assert_int_equal(aiot_nas_encode_result(&r, out, sizeof out), 6);
	assert_memory_equal(out, rd, 6);
	r = (aiot_nas_result){.cmd = AIOT_CMD_WRITE, .status = AIOT_ST_LOW_ENERGY};
	assert_int_equal(aiot_nas_encode_result(&r, out, sizeof out), 2);
	assert_int_equal(out[0], 0x02);
	assert_int_equal(out[1], 0x03);
	assert_int_equal(aiot_nas_decode_result(rd, sizeof rd, &r), AIOT_OK);
	assert_ptr_equal(r.data, rd + 3);
	assert_int_equal(r.data_len, 3);
}

static void test_result_roundtrip_all(void **state)
{
	(void)state;
	uint8_t b[600];
	aiot_nas_result r, d;
	static const uint8_t lens[] = {1, 2, 100, 199, 200};

	for (unsigned cmd = AIOT_CMD_READ; cmd <= AIOT_CMD_TID_UPDATE; cmd++) {
		for (unsigned st = AIOT_ST_SUCCESS; st <= AIOT_ST_NOT_IMPLEMENTED; st++) {
			r = (aiot_nas_result){.cmd = (aiot_nas_cmd)cmd,
			                      .status = (aiot_nas_status)st};
			b[0] = (uint8_t)cmd;
			b[1] = (uint8_t)st;
			if (cmd != AIOT_CMD_READ || st != AIOT_ST_SUCCESS) {
				check_codec(&r, b, 2, dec_res, enc_res, prefix_trunc);
				assert_int_equal(aiot_nas_decode_result(b, 2, &d), AIOT_OK);
				assert_int_equal(d.cmd, cmd);
				assert_int_equal(d.status, st);
				assert_null(d.data);
				assert_int_equal(d.data_len, 0);
				continue;
			}
			for (size_t i = 0; i < sizeof lens; i++) {
				r.data = pattern;
				r.data_len = lens[i];
				b[2] = lens[i];
				memcpy(b + 3, pattern, lens[i]);
				check_codec(&r, b, 3u + lens[i], dec_res, enc_res, prefix_trunc);
				assert_int_equal(aiot_nas_decode_result(b, 3u + lens[i], &d),
				                 AIOT_OK);
				assert_int_equal(d.data_len, lens[i]);
				assert_memory_equal(d.data, pattern, lens[i]);
			}
		}
	}
}

static void test_result_malformed(void **state)
{
	(void)state;
	uint8_t b[600];
	aiot_nas_result d;

	memset(b, 0, sizeof b);
	for (unsigned t = 0; t < 256; t++) {
		if (t >= 1 && t <= 4)
			continue;
		b[0] = (uint8_t)t;
		assert_int_equal(aiot_nas_decode_result(b, 1, &d), AIOT_ERR_UNKNOWN);
		assert_int_equal(aiot_nas_decode_result(b, 2, &d), AIOT_ERR_UNKNOWN);
	}
	b[0] = AIOT_CMD_WRITE;
	for (unsigned st = 6; st < 256; st++) {
		b[1] = (uint8_t)st;
		assert_int_equal(aiot_nas_decode_result(b, 2, &d), AIOT_ERR_UNKNOWN);
	}
	/* READ success with data length 0 / > MAX */
	b[0] = AIOT_CMD_READ;
	b[1] = AIOT_ST_SUCCESS;
	static const uint8_t bad[] = {0, 201, 255};
	for (size_t i = 0; i < sizeof bad; i++) {
		b[2] = bad[i];
		assert_int_equal(aiot_nas_decode_result(b, 3u + bad[i], &d), AIOT_ERR_MALFORMED);
	}
	b[2] = 10;
	assert_int_equal(aiot_nas_decode_result(b, 12, &d), AIOT_ERR_TRUNC);
	assert_int_equal(aiot_nas_decode_result(b, 14, &d), AIOT_ERR_MALFORMED);
	/* data where none is allowed: READ failure, WRITE success */
	b[1] = AIOT_ST_PARAMS_INVALID;
	assert_int_equal(aiot_nas_decode_result(b, 13, &d), AIOT_ERR_MALFORMED);
	assert_int_equal(aiot_nas_decode_result(b, 3, &d), AIOT_ERR_MALFORMED);
	b[0] = AIOT_CMD_WRITE;
	b[1] = AIOT_ST_SUCCESS;
	assert_int_equal(aiot_nas_decode_result(b, 3, &d), AIOT_ERR_MALFORMED);
}

static void test_result_encode_inval(void **state)
{
	(void)state;
	uint8_t out[600];
	aiot_nas_result r = {.cmd = (aiot_nas_cmd)0, .status = AIOT_ST_SUCCESS};

	assert_int_equal(aiot_nas_encode_result(&r, out, sizeof out), AIOT_ERR_INVAL);
	r.cmd = (aiot_nas_cmd)5;
	assert_int_equal(aiot_nas_encode_result(&r, out, sizeof out), AIOT_ERR_INVAL);
	r.cmd = AIOT_CMD_WRITE;
	r.status = (aiot_nas_status)6;
	assert_int_equal(aiot_nas_encode_result(&r, out, sizeof out), AIOT_ERR_INVAL);
	r.status = (aiot_nas_status)-1;
	assert_int_equal(aiot_nas_encode_result(&r, out, sizeof out), AIOT_ERR_INVAL);
	/* data on a result that carries none */
	r.status = AIOT_ST_SUCCESS;
	r.data = pattern;
	r.data_len = 1;
	assert_int_equal(aiot_nas_encode_result(&r, out, sizeof out), AIOT_ERR_INVAL);
	/* READ success: data_len 0, 201, data NULL */
	r.cmd = AIOT_CMD_READ;
	r.data_len = 0;
	assert_int_equal(aiot_nas_encode_result(&r, out, sizeof out), AIOT_ERR_INVAL);
	r.data_len = 201;
	assert_int_equal(aiot_nas_encode_result(&r, out, sizeof out), AIOT_ERR_INVAL);
	r.data_len = 1;
	r.data = NULL;
	assert_int_equal(aiot_nas_encode_result(&r, out, sizeof out), AIOT_ERR_INVAL);
}

/* ---- Security header -------------------------------------------------------------------- */

static void test_prot_golden(void **state)
{
	(void)state;
	uint8_t out[32];
	static const uint8_t pl[] = {0x03};
	static const uint8_t want[] = {0x02, 0x80, 0x01, 0x02, 0x03, 0x04,
	                               0xa1, 0xb2, 0xc3, 0xd4, 0x03};
	aiot_nas_protected p = {.type = AIOT_NAS_COMMAND_REQUEST,
	                        .ciphered = 1,
	                        .count = 0x01020304,
	                        .mac = {0xa1, 0xb2, 0xc3, 0xd4},
	                        .payload = pl,
	                        .payload_len = 1};
	aiot_nas_protected d;

	assert_int_equal(aiot_nas_encode_protected(&p, out, sizeof out), sizeof want);
	assert_memory_equal(out, want, sizeof want);
	assert_int_equal(aiot_nas_decode_protected(want, sizeof want, &d), AIOT_OK);
	assert_int_equal(d.type, AIOT_NAS_COMMAND_REQUEST);
	assert_int_equal(d.ciphered, 1);
	assert_int_equal(d.count, 0x01020304);
	assert_memory_equal(d.mac, p.mac, 4);
	assert_ptr_equal(d.payload, want + 10);
	assert_int_equal(d.payload_len, 1);
}

static void prot_roundtrip_one(uint8_t t, uint8_t ci, size_t len, uint32_t count, int sweep)
{
	aiot_nas_protected p = {.type = t,
	                        .ciphered = ci,
	                        .count = count,
	                        .mac = {1, 2, 3, (uint8_t)count},
	                        .payload = pattern,
	                        .payload_len = len};
	aiot_nas_protected d;
	uint8_t b[600];

	b[0] = t;
	b[1] = ci ? 0x80 : 0x00;
	b[2] = (uint8_t)(count >> 24);
	b[3] = (uint8_t)(count >> 16);
	b[4] = (uint8_t)(count >> 8);
	b[5] = (uint8_t)count;
	memcpy(b + 6, p.mac, 4);
	memcpy(b + 10, pattern, len);
	if (sweep)
		check_codec(&p, b, 10 + len, dec_prot, enc_prot, prefix_prot);
	assert_int_equal(aiot_nas_decode_protected(b, 10 + len, &d), AIOT_OK);
	assert_int_equal(d.type, t);
	assert_int_equal(d.ciphered, ci);
	assert_int_equal(d.count, count);
	assert_memory_equal(d.mac, p.mac, 4);
	assert_ptr_equal(d.payload, b + 10);
	assert_int_equal(d.payload_len, len);
	assert_memory_equal(d.payload, pattern, len);
}

static void test_prot_roundtrip_all(void **state)
{
	(void)state;
	static const size_t lens[] = {1, 2, 5, 100, AIOT_NAS_MAX_PAYLOAD};
	static const uint32_t counts[] = {0, 1, 0x80000000u, 0xffffffffu};

	for (size_t i = 0; i < sizeof lens / sizeof lens[0]; i++) {
		/* the byte-substitution sweep is slow: once per length */
		prot_roundtrip_one(AIOT_NAS_COMMAND_REQUEST, 1, lens[i], 0x01020304, 1);
		for (size_t k = 0; k < 4; k++) {
			prot_roundtrip_one(AIOT_NAS_COMMAND_REQUEST, 0, lens[i], counts[k], 0);
			prot_roundtrip_one(AIOT_NAS_COMMAND_REQUEST, 1, lens[i], counts[k], 0);
			prot_roundtrip_one(AIOT_NAS_COMMAND_RESPONSE, 0, lens[i], counts[k], 0);
			prot_roundtrip_one(AIOT_NAS_COMMAND_RESPONSE, 1, lens[i], counts[k], 0);
		}
	}
}

static void test_prot_malformed(void **state)
{
	(void)state;
	uint8_t b[600];
	aiot_nas_protected d;

	memset(b, 0x11, sizeof b);
	b[0] = AIOT_NAS_COMMAND_RESPONSE;
	b[1] = 0x80;
	assert_int_equal(aiot_nas_decode_protected(b, 20, &d), AIOT_OK);
	for (unsigned t = 0; t < 256; t++) {
		if (t == 2 || t == 3 || t == AIOT_NAS_DOA_REG_ACCEPT || t == AIOT_NAS_UPLINK_DATA)
			continue;
		b[0] = (uint8_t)t;
		assert_int_equal(aiot_nas_decode_protected(b, 20, &d), AIOT_ERR_UNKNOWN);
		assert_int_equal(aiot_nas_decode_protected(b, 1, &d), AIOT_ERR_UNKNOWN);
	}
	b[0] = AIOT_NAS_COMMAND_REQUEST;
	for (unsigned bit = 0; bit < 7; bit++) {
		b[1] = (uint8_t)(1u << bit);
		assert_int_equal(aiot_nas_decode_protected(b, 20, &d), AIOT_ERR_MALFORMED);
		b[1] |= 0x80;
		assert_int_equal(aiot_nas_decode_protected(b, 20, &d), AIOT_ERR_MALFORMED);
	}
	b[1] = 0;
	/* empty payload, oversized */
	assert_int_equal(aiot_nas_decode_protected(b, AIOT_NAS_SEC_HDR_LEN, &d), AIOT_ERR_TRUNC);
	assert_int_equal(aiot_nas_decode_protected(b, AIOT_NAS_MAX_PDU, &d), AIOT_OK);
	assert_int_equal(d.payload_len, AIOT_NAS_MAX_PAYLOAD);
	assert_int_equal(aiot_nas_decode_protected(b, AIOT_NAS_MAX_PDU + 1, &d),
	                 AIOT_ERR_MALFORMED);
	assert_int_equal(aiot_nas_decode_protected(b, sizeof b, &d), AIOT_ERR_MALFORMED);
}

static void test_prot_encode_inval(void **state)
{
	(void)state;
	uint8_t out[600];
	aiot_nas_protected p = {.type = 1, .payload = pattern, .payload_len = 1};

	assert_int_equal(aiot_nas_encode_protected(&p, out, sizeof out), AIOT_ERR_INVAL);
	p.type = 4;
	assert_int_equal(aiot_nas_encode_protected(&p, out, sizeof out), AIOT_ERR_INVAL);
	p.type = AIOT_NAS_COMMAND_REQUEST;
	p.ciphered = 2;
	assert_int_equal(aiot_nas_encode_protected(&p, out, sizeof out), AIOT_ERR_INVAL);
	p.ciphered = 0;
	p.payload_len = 0;
	assert_int_equal(aiot_nas_encode_protected(&p, out, sizeof out), AIOT_ERR_INVAL);
	p.payload_len = AIOT_NAS_MAX_PAYLOAD + 1;
	assert_int_equal(aiot_nas_encode_protected(&p, out, sizeof out), AIOT_ERR_INVAL);
	p.payload_len = 1;
	p.payload = NULL;
	assert_int_equal(aiot_nas_encode_protected(&p, out, sizeof out), AIOT_ERR_INVAL);
}

/* The payload may be built in place at out + AIOT_NAS_SEC_HDR_LEN. */
static void test_prot_encode_in_place(void **state)
{
	(void)state;
	uint8_t out[64];
	memcpy(out + AIOT_NAS_SEC_HDR_LEN, pattern, 20);
	aiot_nas_protected p = {.type = AIOT_NAS_COMMAND_RESPONSE,
	                        .count = 9,
	                        .payload = out + AIOT_NAS_SEC_HDR_LEN,
	                        .payload_len = 20};
	assert_int_equal(aiot_nas_encode_protected(&p, out, sizeof out), 30);
	assert_memory_equal(out + AIOT_NAS_SEC_HDR_LEN, pattern, 20);
	assert_int_equal(out[5], 9);
}

int main(void)
{
	fill_pattern();
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_peek_type),
	    cmocka_unit_test(test_inv_golden),
	    cmocka_unit_test(test_inv_roundtrip_all),
	    cmocka_unit_test(test_inv_malformed),
	    cmocka_unit_test(test_inv_answers),
	    cmocka_unit_test(test_inv_encode_inval),
	    cmocka_unit_test(test_cmd_golden),
	    cmocka_unit_test(test_cmd_roundtrip_all),
	    cmocka_unit_test(test_cmd_malformed),
	    cmocka_unit_test(test_cmd_encode_inval),
	    cmocka_unit_test(test_result_golden),
	    cmocka_unit_test(test_result_roundtrip_all),
	    cmocka_unit_test(test_result_malformed),
	    cmocka_unit_test(test_result_encode_inval),
	    cmocka_unit_test(test_prot_golden),
	    cmocka_unit_test(test_prot_roundtrip_all),
	    cmocka_unit_test(test_prot_malformed),
	    cmocka_unit_test(test_prot_encode_inval),
	    cmocka_unit_test(test_prot_encode_in_place),
	};
	return cmocka_run_group_tests_name("nas_codec", tests, NULL, NULL);
}
