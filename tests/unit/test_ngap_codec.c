/* SPDX-License-Identifier: Apache-2.0 */
/* NGAP AIoT codec (src/ngap/ngap_codec.c, docs/protocol.md §4): golden layout, round trips
 * of every message type at its minimum and maximum field values, every truncation, every
 * out-of-range field (decoder and encoder), count bombs, trailing bytes.
 *
 * `test_ngap_codec --write-corpus DIR` writes one small valid encoding of every message
 * type (the seed corpus of fuzz/fuzz_ngap_decode.c) and exits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <malloc.h>

#include <cmocka.h>

#include "common/aiot_err.h"
#include "common/bytes.h"
#include "ngap/ngap_aiot.h"

#define HDR 8

/* Backing storage for the arrays of the samples (large ones included). */
static ngap_reader_ref refs[NGAP_MAX_READERS];
static ngap_reader_report rreps[NGAP_MAX_READERS];
static ngap_device_report devs[NGAP_MAX_DEVICES];
static uint8_t nas_max[NGAP_MAX_NAS_PDU];

static void fill_name(char *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = (char)(0x20 + i % 95); /* ' ' .. '~' */
	dst[n] = '\0';
}

static void init_nas(void)
{
	for (size_t i = 0; i < sizeof nas_max; i++)
		nas_max[i] = (uint8_t)(i * 13 + 1);
}

/* ---- samples ----------------------------------------------------------------------------- */

enum { V_MIN, V_MAX, V_MID, V_BIG1, V_BIG2 };

/* Fills m with a sample of type t; returns 0 if that variant does not exist. */
static int make_sample(ngap_msg *m, ngap_type t, int v)
{
	memset(m, 0, sizeof *m);
	m->type = t;
	m->correlation_id = v == V_MIN ? 0 : 65535;
	switch (t) {
	case NGAP_NG_SETUP_REQUEST:
		if (v > V_MAX)
			return 0;
		m->u.setup_req.gnb_id = v ? 0xFFFFFFFFu : 0;
		m->u.setup_req.reader_index = v ? 65535 : 1;
		fill_name(m->u.setup_req.name, v ? NGAP_MAX_AIOTF_NAME : 0);
		return 1;
	case NGAP_NG_SETUP_RESPONSE:
		if (v > V_MAX)
			return 0;
		fill_name(m->u.setup_resp.aiotf_name, v ? NGAP_MAX_AIOTF_NAME : 1);
		return 1;
	case NGAP_INVENTORY_REQUEST:
		if (v > V_MID)
			return 0;
		fill_name(m->u.inv_req.aiotf_name, v == V_MAX ? NGAP_MAX_AIOTF_NAME : 1);
		if (v == V_MIN) {
			m->u.inv_req.ident_kind = NGAP_IDENT_ALL;
			m->u.inv_req.expected_d2r_size = 1;
			return 1;
		}
		if (v == V_MID) {
			m->u.inv_req.ident_kind = NGAP_IDENT_SINGLE;
			m->u.inv_req.ident_bits = 13;
			m->u.inv_req.ident[0] = 0xAB;
			m->u.inv_req.ident[1] = 0xF8; /* 5 bits used, 3 zero */
			m->u.inv_req.nreaders = 3;
			m->u.inv_req.readers = refs;
			for (int i = 0; i < 3; i++)
				refs[i] =
				    (ngap_reader_ref){(uint32_t)(0x1000 + i), (uint16_t)(i + 1)};
			m->u.inv_req.expected_d2r_size = 100;
			m->u.inv_req.approx_devices = 1;
			m->u.inv_req.time_interval = 1;
			memset(m->u.inv_req.rand_n, 0x5A, 16);
			return 1;
		}
		m->u.inv_req.ident_kind = NGAP_IDENT_GROUP;
		m->u.inv_req.ident_bits = NGAP_MAX_IDENT_BITS;
		memset(m->u.inv_req.ident, 0xFF, sizeof m->u.inv_req.ident);
		m->u.inv_req.nreaders = NGAP_MAX_READERS;
		m->u.inv_req.readers = refs;
		for (uint32_t i = 0; i < NGAP_MAX_READERS; i++)
			refs[i] = (ngap_reader_ref){0xFFFFFFFFu - i, (uint16_t)(65535 - i % 65534)};
		m->u.inv_req.expected_d2r_size = 256;
		m->u.inv_req.approx_devices = 65535;
		m->u.inv_req.time_interval = 256;
		m->u.inv_req.followon_command = 1;
		memset(m->u.inv_req.rand_n, 0xFF, 16);
		return 1;
	case NGAP_INVENTORY_RESPONSE:
	case NGAP_SESSION_RELEASE_COMPLETE:
		return v <= V_MAX;
	case NGAP_INVENTORY_FAILURE:
	case NGAP_COMMAND_FAILURE:
	case NGAP_SESSION_RELEASE_COMMAND:
	case NGAP_SESSION_RELEASE_REQUEST:
		if (v > V_MAX)
			return 0;
		m->u.fail.cause.group = v ? NGAP_CAUSE_MISC : NGAP_CAUSE_RADIO;
		m->u.fail.cause.value = v ? NGAP_CAUSE_OVERLOAD : NGAP_CAUSE_UNSPECIFIED;
		m->u.fail.has_ran_device_id = v ? 1 : 0;
		m->u.fail.ran_device_id = v ? 0xFFFFFFFFu : 0;
		return 1;
	case NGAP_INVENTORY_REPORT:
		m->u.report.gnb_id = v == V_MIN ? 0 : 0xFFFFFFFFu;
		m->u.report.complete = v == V_MIN ? 0 : 1;
		m->u.report.readers = rreps;
		switch (v) {
		case V_MIN:
			m->u.report.readers = NULL;
			return 1;
		case V_MAX: /* every field at its extremes, a few items */
			m->u.report.nreaders = 3;
			rreps[0] = (ngap_reader_report){1, devs, 3};
			rreps[1] = (ngap_reader_report){65535, NULL, 0};
			rreps[2] = (ngap_reader_report){7, devs + 3, 1};
			devs[0] = (ngap_device_report){nas_max, 1, 0, 0};
			devs[1] = (ngap_device_report){nas_max, NGAP_MAX_NAS_PDU, 1, 0xFFFFFFFFu};
			devs[2] = (ngap_device_report){nas_max + 5, 17, 1, 0};
			devs[3] = (ngap_device_report){nas_max, 100, 0, 0};
			return 1;
		case V_BIG1: /* the most readers */
			m->u.report.nreaders = NGAP_MAX_READERS;
			for (uint32_t i = 0; i < NGAP_MAX_READERS; i++)
				rreps[i] = (ngap_reader_report){(uint16_t)(i + 1), NULL, 0};
			return 1;
		case V_BIG2: /* the most devices of one reader */
			m->u.report.nreaders = 1;
			rreps[0] = (ngap_reader_report){42, devs, NGAP_MAX_DEVICES};
			for (uint32_t i = 0; i < NGAP_MAX_DEVICES; i++)
				devs[i] = (ngap_device_report){nas_max + i % 200, 1, 0, 0};
			return 1;
		}
		return 0;
	case NGAP_COMMAND_REQUEST:
		if (v > V_MAX)
			return 0;
		fill_name(m->u.cmd.aiotf_name, v ? NGAP_MAX_AIOTF_NAME : 1);
		m->u.cmd.ran_device_id = v ? 0xFFFFFFFFu : 0;
		m->u.cmd.expected_d2r_size = v ? 256 : 0;
		m->u.cmd.nas_pdu = nas_max;
		m->u.cmd.nas_len = v ? NGAP_MAX_NAS_PDU : 1;
		return 1;
	case NGAP_COMMAND_RESPONSE:
		if (v > V_MAX)
			return 0;
		m->u.cmd.ran_device_id = v ? 0xFFFFFFFFu : 0;
		m->u.cmd.nas_pdu = nas_max;
		m->u.cmd.nas_len = v ? NGAP_MAX_NAS_PDU : 1;
		return 1;
	case NGAP_DOA_UPLINK_NAS:
	case NGAP_DOA_DOWNLINK_NAS:
		if (v > V_MAX)
			return 0;
		m->u.doa.ran_device_id = v ? 0xFFFFFFFFu : 0;
		m->u.doa.end = v && t == NGAP_DOA_DOWNLINK_NAS;
		m->u.doa.nas_pdu = nas_max;
		m->u.doa.nas_len = v ? NGAP_MAX_NAS_PDU : 1;
		return 1;
	case NGAP_DOA_DOWNLINK_FAILURE:
		if (v > V_MAX)
			return 0;
		m->u.fail.cause.group = v ? NGAP_CAUSE_RADIO : NGAP_CAUSE_MISC;
		m->u.fail.cause.value =
		    v ? NGAP_CAUSE_DEVICE_NOT_REACHABLE : NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID;
		m->u.fail.has_ran_device_id = 1;
		m->u.fail.ran_device_id = v ? 0xFFFFFFFFu : 0;
		return 1;
	}
	return 0;
}

static void assert_dev_equal(const ngap_device_report *a, const ngap_device_report *b)
{
	assert_int_equal(a->nas_len, b->nas_len);
	assert_memory_equal(a->nas_pdu, b->nas_pdu, a->nas_len);
	assert_int_equal(a->has_ran_device_id, b->has_ran_device_id);
	assert_int_equal(a->ran_device_id, b->ran_device_id);
}

static void assert_msg_equal(const ngap_msg *a, const ngap_msg *b)
{
	assert_int_equal(a->type, b->type);
	assert_int_equal(a->correlation_id, b->correlation_id);
	switch (a->type) {
	case NGAP_NG_SETUP_REQUEST:
		assert_int_equal(a->u.setup_req.gnb_id, b->u.setup_req.gnb_id);
		assert_int_equal(a->u.setup_req.reader_index, b->u.setup_req.reader_index);
		assert_string_equal(a->u.setup_req.name, b->u.setup_req.name);
		break;
	case NGAP_NG_SETUP_RESPONSE:
		assert_string_equal(a->u.setup_resp.aiotf_name, b->u.setup_resp.aiotf_name);
		break;
	case NGAP_INVENTORY_REQUEST:
		assert_string_equal(a->u.inv_req.aiotf_name, b->u.inv_req.aiotf_name);
		assert_int_equal(a->u.inv_req.ident_kind, b->u.inv_req.ident_kind);
		assert_int_equal(a->u.inv_req.ident_bits, b->u.inv_req.ident_bits);
		assert_memory_equal(a->u.inv_req.ident, b->u.inv_req.ident,
		                    sizeof a->u.inv_req.ident);
		assert_int_equal(a->u.inv_req.nreaders, b->u.inv_req.nreaders);
		for (uint32_t i = 0; i < a->u.inv_req.nreaders; i++) {
			assert_int_equal(a->u.inv_req.readers[i].gnb_id,
			                 b->u.inv_req.readers[i].gnb_id);
			assert_int_equal(a->u.inv_req.readers[i].reader_index,
			                 b->u.inv_req.readers[i].reader_index);
		}
		assert_int_equal(a->u.inv_req.expected_d2r_size, b->u.inv_req.expected_d2r_size);
		assert_int_equal(a->u.inv_req.approx_devices, b->u.inv_req.approx_devices);
		assert_int_equal(a->u.inv_req.time_interval, b->u.inv_req.time_interval);
		assert_int_equal(a->u.inv_req.followon_command, b->u.inv_req.followon_command);
		assert_memory_equal(a->u.inv_req.rand_n, b->u.inv_req.rand_n, 16);
		break;
	case NGAP_INVENTORY_RESPONSE:
	case NGAP_SESSION_RELEASE_COMPLETE:
		break;
	case NGAP_INVENTORY_FAILURE:
	case NGAP_COMMAND_FAILURE:
	case NGAP_SESSION_RELEASE_COMMAND:
	case NGAP_SESSION_RELEASE_REQUEST:
	case NGAP_DOA_DOWNLINK_FAILURE:
		assert_int_equal(a->u.fail.cause.group, b->u.fail.cause.group);
		assert_int_equal(a->u.fail.cause.value, b->u.fail.cause.value);
		assert_int_equal(a->u.fail.has_ran_device_id, b->u.fail.has_ran_device_id);
		assert_int_equal(a->u.fail.ran_device_id, b->u.fail.ran_device_id);
		break;
	case NGAP_INVENTORY_REPORT:
		assert_int_equal(a->u.report.gnb_id, b->u.report.gnb_id);
		assert_int_equal(a->u.report.complete, b->u.report.complete);
		assert_int_equal(a->u.report.nreaders, b->u.report.nreaders);
		for (uint32_t i = 0; i < a->u.report.nreaders; i++) {
			const ngap_reader_report *ra = &a->u.report.readers[i];
			const ngap_reader_report *rb = &b->u.report.readers[i];
			assert_int_equal(ra->reader_index, rb->reader_index);
			assert_int_equal(ra->ndevices, rb->ndevices);
			for (uint32_t j = 0; j < ra->ndevices; j++)
				assert_dev_equal(&ra->devices[j], &rb->devices[j]);
		}
		break;
	case NGAP_COMMAND_REQUEST:
	case NGAP_COMMAND_RESPONSE:
		assert_string_equal(a->u.cmd.aiotf_name, b->u.cmd.aiotf_name);
		assert_int_equal(a->u.cmd.ran_device_id, b->u.cmd.ran_device_id);
		assert_int_equal(a->u.cmd.expected_d2r_size, b->u.cmd.expected_d2r_size);
		assert_int_equal(a->u.cmd.nas_len, b->u.cmd.nas_len);
		assert_memory_equal(a->u.cmd.nas_pdu, b->u.cmd.nas_pdu, a->u.cmd.nas_len);
		break;
	case NGAP_DOA_UPLINK_NAS:
	case NGAP_DOA_DOWNLINK_NAS:
		assert_int_equal(a->u.doa.ran_device_id, b->u.doa.ran_device_id);
		assert_int_equal(a->u.doa.end, b->u.doa.end);
		assert_int_equal(a->u.doa.nas_len, b->u.doa.nas_len);
		assert_memory_equal(a->u.doa.nas_pdu, b->u.doa.nas_pdu, a->u.doa.nas_len);
		break;
	}
}

/* Encodes m into a new buffer (freed by the caller). */
static uint8_t *encode_alloc(const ngap_msg *m, size_t *len)
{
	size_t n = ngap_encoded_size(m);
	uint8_t *b;

	assert_true(n >= HDR);
	b = malloc(n);
	assert_non_null(b);
	assert_int_equal(ngap_encode(m, b, n), (int)n);
	*len = n;
	return b;
}

/* The properties every valid encoding has. */
static void check_valid_encoding(const ngap_msg *m)
{
	size_t n;
	uint8_t *b = encode_alloc(m, &n), *b2, *t;
	ngap_msg *d = NULL, *d2 = NULL;
	size_t n2;

	/* Header. */
	assert_int_equal(b[0], 1);
	assert_int_equal(b[1], m->type);
	assert_int_equal(b[2] << 8 | b[3], m->correlation_id);
	assert_int_equal((size_t)b[4] << 24 | (size_t)b[5] << 16 | (size_t)b[6] << 8 | b[7],
	                 n - HDR);

	/* Round trip both ways; the message owns a copy of the input. */
	assert_int_equal(ngap_decode(b, n, &d), AIOT_OK);
	assert_non_null(d);
	assert_msg_equal(m, d);
	b2 = encode_alloc(d, &n2);
	assert_int_equal(n2, n);
	assert_memory_equal(b, b2, n);
	if (d->type == NGAP_COMMAND_REQUEST || d->type == NGAP_COMMAND_RESPONSE)
		assert_true(d->u.cmd.nas_pdu < b || d->u.cmd.nas_pdu >= b + n);
	/* Bounded allocation: a small multiple of the input. */
	assert_true(malloc_usable_size(d) <= 8 * n + 4096);
	ngap_free(d);

	/* No space. */
	assert_int_equal(ngap_encode(m, b2, n - 1), AIOT_ERR_NOSPACE);
	assert_int_equal(ngap_encode(m, b2, 0), AIOT_ERR_NOSPACE);

	/* Every truncation, as it comes (header says more). */
	for (size_t k = 0; k < n; k++) {
		d2 = (ngap_msg *)1;
		assert_int_not_equal(ngap_decode(b, k, &d2), AIOT_OK);
		assert_null(d2);
	}
	/* Every truncation of the body with a consistent header (small messages: O(n^2)). */
	if (n < 4096) {
		t = malloc(n);
		assert_non_null(t);
		for (size_t k = HDR; k < n; k++) {
			memcpy(t, b, k);
			aiot_put_be32(t + 4, (uint32_t)(k - HDR));
			assert_int_not_equal(ngap_decode(t, k, &d2), AIOT_OK);
			assert_null(d2);
		}
		free(t);
	}
	/* Trailing bytes, with the header as is and with the header counting them. */
	t = malloc(n + 1);
	assert_non_null(t);
	memcpy(t, b, n);
	t[n] = 0;
	assert_int_equal(ngap_decode(t, n + 1, &d2), AIOT_ERR_MALFORMED);
	aiot_put_be32(t + 4, (uint32_t)(n + 1 - HDR));
	assert_int_equal(ngap_decode(t, n + 1, &d2), AIOT_ERR_MALFORMED);
	assert_null(d2);
	free(t);
	free(b);
	free(b2);
}

static const ngap_type all_types[] = {
    NGAP_NG_SETUP_REQUEST,        NGAP_NG_SETUP_RESPONSE,        NGAP_INVENTORY_REQUEST,
    NGAP_INVENTORY_RESPONSE,      NGAP_INVENTORY_FAILURE,        NGAP_INVENTORY_REPORT,
    NGAP_COMMAND_REQUEST,         NGAP_COMMAND_RESPONSE,         NGAP_COMMAND_FAILURE,
    NGAP_SESSION_RELEASE_COMMAND, NGAP_SESSION_RELEASE_COMPLETE, NGAP_SESSION_RELEASE_REQUEST,
    NGAP_DOA_UPLINK_NAS,          NGAP_DOA_DOWNLINK_NAS,         NGAP_DOA_DOWNLINK_FAILURE,
};
#define NTYPES (sizeof all_types / sizeof all_types[0])

static void test_roundtrip_all(void **state)
{
	ngap_msg m;
	int count = 0;

	(void)state;
	for (size_t i = 0; i < NTYPES; i++)
		for (int v = V_MIN; v <= V_BIG2; v++)
			if (make_sample(&m, all_types[i], v)) {
				check_valid_encoding(&m);
				count++;
			}
	assert_int_equal(count, 2 * 15 + 3); /* + inventory mid, report big1/big2 */
}

/* ---- golden layout: hand-built bytes equal the encoder's ------------------------------- */

typedef struct bb {
	uint8_t b[2048];
	size_t n;
} bb;

static void b8(bb *x, unsigned v)
{
	x->b[x->n++] = (uint8_t)v;
}

static void b16(bb *x, unsigned v)
{
	b8(x, v >> 8);
	b8(x, v);
}

static void b32(bb *x, uint32_t v)
{
	b16(x, v >> 16);
	b16(x, v & 0xFFFF);
}

static void bmem(bb *x, const void *p, size_t n)
{
	memcpy(x->b + x->n, p, n);
	x->n += n;
}

static void bstr(bb *x, const char *s)
{
	b8(x, (unsigned)strlen(s));
	bmem(x, s, strlen(s));
}

static void bhdr(bb *x, unsigned type, unsigned corr)
{
	x->n = 0;
	b8(x, 1);
	b8(x, type);
	b16(x, corr);
	b32(x, 0);
}

static void bfix(bb *x) /* set the body length */
{
	aiot_put_be32(x->b + 4, (uint32_t)(x->n - HDR));
}

static int bdecode(bb *x)
{
	ngap_msg *m = NULL;
	int rc;

	bfix(x);
	rc = ngap_decode(x->b, x->n, &m);
	if (rc == AIOT_OK)
		ngap_free(m);
	else
		assert_null(m);
	return rc;
}

static void assert_golden(const ngap_msg *m, bb *x)
{
	uint8_t out[2048];

	bfix(x);
	assert_int_equal(ngap_encode(m, out, sizeof out), (int)x->n);
	assert_memory_equal(out, x->b, x->n);
}

static void test_golden(void **state)
{
	ngap_msg m;
	bb x;
	static const uint8_t rand_n[16] = {0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A,
	                                   0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A, 0x5A};

	(void)state;
	memset(&m, 0, sizeof m);
	m.type = NGAP_NG_SETUP_REQUEST;
	m.correlation_id = 0x1234;
	m.u.setup_req.gnb_id = 0x01020304;
	m.u.setup_req.reader_index = 7;
	strcpy(m.u.setup_req.name, "rdr");
	bhdr(&x, 1, 0x1234);
	b32(&x, 0x01020304);
	b16(&x, 7);
	bstr(&x, "rdr");
	assert_golden(&m, &x);
	assert_int_equal(x.n, 8 + 4 + 2 + 1 + 3);

	make_sample(&m, NGAP_INVENTORY_REQUEST, V_MID);
	bhdr(&x, 3, 65535);
	bstr(&x, " ");
	b8(&x, 0);
	b16(&x, 13);
	b8(&x, 0xAB);
	b8(&x, 0xF8);
	b16(&x, 3);
	for (int i = 0; i < 3; i++) {
		b32(&x, (uint32_t)(0x1000 + i));
		b16(&x, (unsigned)i + 1);
	}
	b16(&x, 100);
	b16(&x, 1);
	b16(&x, 1);
	b8(&x, 0);
	bmem(&x, rand_n, 16);
	assert_golden(&m, &x);

	make_sample(&m, NGAP_COMMAND_FAILURE, V_MAX);
	bhdr(&x, 9, 65535);
	b8(&x, 4);
	b8(&x, 6);
	b8(&x, 1);
	b32(&x, 0xFFFFFFFFu);
	assert_golden(&m, &x);

	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	bhdr(&x, 6, 65535);
	b32(&x, 0xFFFFFFFFu);
	b8(&x, 1);
	b16(&x, 3);
	b16(&x, 1);
	b16(&x, 3);
	b8(&x, 0);
	b16(&x, 1);
	bmem(&x, nas_max, 1);
	b8(&x, 1);
	b32(&x, 0xFFFFFFFFu);
	b16(&x, 256);
	bmem(&x, nas_max, 256);
	b8(&x, 1);
	b32(&x, 0);
	b16(&x, 17);
	bmem(&x, nas_max + 5, 17);
	b16(&x, 65535);
	b16(&x, 0);
	b16(&x, 7);
	b16(&x, 1);
	b8(&x, 0);
	b16(&x, 100);
	bmem(&x, nas_max, 100);
	assert_golden(&m, &x);

	make_sample(&m, NGAP_COMMAND_REQUEST, V_MIN);
	bhdr(&x, 7, 0);
	bstr(&x, " ");
	b32(&x, 0);
	b16(&x, 0);
	b16(&x, 1);
	b8(&x, nas_max[0]);
	assert_golden(&m, &x);

	make_sample(&m, NGAP_COMMAND_RESPONSE, V_MIN);
	bhdr(&x, 8, 0);
	b32(&x, 0);
	b16(&x, 1);
	b8(&x, nas_max[0]);
	assert_golden(&m, &x);

	make_sample(&m, NGAP_SESSION_RELEASE_COMPLETE, V_MAX);
	bhdr(&x, 11, 65535);
	assert_golden(&m, &x);
}

/* ---- decoder: every out-of-range field -------------------------------------------------- */

static void setup_resp_with(bb *x, const uint8_t *name, size_t n)
{
	bhdr(x, NGAP_NG_SETUP_RESPONSE, 1);
	b8(x, (unsigned)n);
	bmem(x, name, n);
}

static void test_decode_header(void **state)
{
	bb x;
	ngap_msg *m = (ngap_msg *)1;

	(void)state;
	bhdr(&x, NGAP_INVENTORY_RESPONSE, 5);
	assert_int_equal(bdecode(&x), AIOT_OK);
	x.b[0] = 0;
	assert_int_equal(ngap_decode(x.b, x.n, &m), AIOT_ERR_UNKNOWN);
	x.b[0] = 2;
	assert_int_equal(ngap_decode(x.b, x.n, &m), AIOT_ERR_UNKNOWN);
	x.b[0] = 1;
	const unsigned bad_types[] = {0, 16, 0x7F, 0xFF};
	for (size_t i = 0; i < 4; i++) {
		x.b[1] = (uint8_t)bad_types[i];
		assert_int_equal(ngap_decode(x.b, x.n, &m), AIOT_ERR_UNKNOWN);
		assert_null(m);
	}
	/* Arguments. */
	assert_int_equal(ngap_decode(x.b, x.n, NULL), AIOT_ERR_INVAL);
	assert_int_equal(ngap_decode(NULL, 0, &m), AIOT_ERR_TRUNC);
	/* Longer than any message may be. */
	uint8_t *big = calloc(1, NGAP_MAX_MESSAGE + 1);
	assert_non_null(big);
	big[0] = 1;
	big[1] = NGAP_INVENTORY_RESPONSE;
	aiot_put_be32(big + 4, NGAP_MAX_MESSAGE + 1 - HDR);
	assert_int_equal(ngap_decode(big, NGAP_MAX_MESSAGE + 1, &m), AIOT_ERR_MALFORMED);
	free(big);
}

static void test_decode_names(void **state)
{
	bb x;
	uint8_t name[200];

	(void)state;
	memset(name, 'a', sizeof name);
	setup_resp_with(&x, name, 1);
	assert_int_equal(bdecode(&x), AIOT_OK);
	setup_resp_with(&x, name, 150);
	assert_int_equal(bdecode(&x), AIOT_OK);
	setup_resp_with(&x, name, 0);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	setup_resp_with(&x, name, 151);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	const uint8_t bad[] = {0x00, 0x1F, 0x7F, 0x80, 0xFF};
	for (size_t i = 0; i < sizeof bad; i++) {
		name[3] = bad[i];
		setup_resp_with(&x, name, 10);
		assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	}
	/* NG Setup Request: name 0..150, reader index 1..65535. */
	bhdr(&x, NGAP_NG_SETUP_REQUEST, 1);
	b32(&x, 9);
	b16(&x, 1);
	b8(&x, 0);
	assert_int_equal(bdecode(&x), AIOT_OK);
	x.b[HDR + 5] = 0;
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	/* Command Request name. */
	bhdr(&x, NGAP_COMMAND_REQUEST, 1);
	b8(&x, 0);
	b32(&x, 0);
	b16(&x, 0);
	b16(&x, 1);
	b8(&x, 0);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
}

/* An Inventory Request with each field given. */
typedef struct inv_fields {
	unsigned kind, bits, nreaders, reader_index, d2r, approx, time, flags;
	uint8_t last_ident;
} inv_fields;

static int inv_decode(inv_fields f)
{
	bb x;
	bhdr(&x, NGAP_INVENTORY_REQUEST, 1);
	bstr(&x, "aiotf");
	b8(&x, f.kind);
	b16(&x, f.bits);
	for (unsigned i = 0; i < (f.bits + 7) / 8; i++)
		b8(&x, i + 1 == (f.bits + 7) / 8 ? f.last_ident : 0xFF);
	b16(&x, f.nreaders);
	for (unsigned i = 0; i < f.nreaders; i++) {
		b32(&x, i);
		b16(&x, f.reader_index);
	}
	b16(&x, f.d2r);
	b16(&x, f.approx);
	b16(&x, f.time);
	b8(&x, f.flags);
	for (int i = 0; i < 16; i++)
		b8(&x, 0);
	return bdecode(&x);
}

static void test_decode_inventory_request(void **state)
{
	const inv_fields ok = {NGAP_IDENT_SINGLE, 12, 2, 1, 1, 0, 0, 0, 0xF0};
	inv_fields f;

	(void)state;
	assert_int_equal(inv_decode(ok), AIOT_OK);
	f = ok, f.kind = NGAP_IDENT_GROUP, f.bits = 1024, f.last_ident = 0xFF;
	assert_int_equal(inv_decode(f), AIOT_OK);
	f = ok, f.kind = NGAP_IDENT_ALL, f.bits = 0;
	assert_int_equal(inv_decode(f), AIOT_OK);
	f = ok, f.d2r = 256, f.approx = 65535, f.time = 256, f.flags = 1;
	assert_int_equal(inv_decode(f), AIOT_OK);

	f = ok, f.kind = 3;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.bits = 0; /* SINGLE needs 1..1024 bits */
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.kind = NGAP_IDENT_GROUP, f.bits = 0;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.bits = 1025, f.last_ident = 0x80;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.kind = NGAP_IDENT_ALL, f.bits = 8, f.last_ident = 0;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.last_ident = 0xF8; /* 12 bits: the low 4 bits of octet 2 must be zero */
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.last_ident = 0xF1;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.reader_index = 0;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.d2r = 0;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.d2r = 257;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.time = 257;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.time = 0xFFFF;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.flags = 2;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
	f = ok, f.flags = 0x80;
	assert_int_equal(inv_decode(f), AIOT_ERR_MALFORMED);
}

static int cause_decode(unsigned type, unsigned group, unsigned value, unsigned flags, int with_id)
{
	bb x;
	bhdr(&x, type, 1);
	b8(&x, group);
	b8(&x, value);
	b8(&x, flags);
	if (with_id)
		b32(&x, 77);
	return bdecode(&x);
}

static void test_decode_cause(void **state)
{
	const unsigned types[] = {NGAP_INVENTORY_FAILURE, NGAP_COMMAND_FAILURE,
	                          NGAP_SESSION_RELEASE_COMMAND, NGAP_SESSION_RELEASE_REQUEST};

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		unsigned t = types[i];
		assert_int_equal(cause_decode(t, 0, 0, 0, 0), AIOT_OK);
		assert_int_equal(cause_decode(t, 4, 6, 1, 1), AIOT_OK);
		for (unsigned g = 1; g <= 3; g++)
			assert_int_equal(cause_decode(t, g, 0, 0, 0), AIOT_ERR_MALFORMED);
		assert_int_equal(cause_decode(t, 5, 0, 0, 0), AIOT_ERR_MALFORMED);
		assert_int_equal(cause_decode(t, 255, 0, 0, 0), AIOT_ERR_MALFORMED);
		assert_int_equal(cause_decode(t, 0, 7, 0, 0), AIOT_ERR_MALFORMED);
		assert_int_equal(cause_decode(t, 4, 255, 0, 0), AIOT_ERR_MALFORMED);
		assert_int_equal(cause_decode(t, 0, 0, 2, 0), AIOT_ERR_MALFORMED);
		assert_int_equal(cause_decode(t, 0, 0, 3, 1), AIOT_ERR_MALFORMED);
		assert_int_equal(cause_decode(t, 0, 0, 1, 0), AIOT_ERR_TRUNC);
		assert_int_equal(cause_decode(t, 0, 0, 0, 1), AIOT_ERR_MALFORMED); /* trailing */
	}
}

/* A report of one reader with one device: flags, NAS length as given. */
static void report_one(bb *x, unsigned complete, unsigned ridx, unsigned dflags, unsigned naslen)
{
	bhdr(x, NGAP_INVENTORY_REPORT, 1);
	b32(x, 1);
	b8(x, complete);
	b16(x, 1);
	b16(x, ridx);
	b16(x, 1);
	b8(x, dflags);
	if (dflags & 1)
		b32(x, 5);
	b16(x, naslen);
	for (unsigned i = 0; i < naslen; i++)
		b8(x, i);
}

static void test_decode_report(void **state)
{
	bb x;

	(void)state;
	report_one(&x, 1, 1, 1, 256);
	assert_int_equal(bdecode(&x), AIOT_OK);
	report_one(&x, 0, 65535, 0, 1);
	assert_int_equal(bdecode(&x), AIOT_OK);
	report_one(&x, 2, 1, 0, 1);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	report_one(&x, 0x81, 1, 0, 1);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	report_one(&x, 0, 0, 0, 1);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	report_one(&x, 0, 1, 2, 1);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	report_one(&x, 0, 1, 0, 0);
	assert_int_equal(bdecode(&x), AIOT_ERR_TRUNC); /* fewer bytes than the smallest device */
	b8(&x, 0);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	report_one(&x, 0, 1, 0, 257);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	/* A reader with no devices is allowed (0..65535). */
	bhdr(&x, NGAP_INVENTORY_REPORT, 1);
	b32(&x, 1);
	b8(&x, 0);
	b16(&x, 1);
	b16(&x, 3);
	b16(&x, 0);
	assert_int_equal(bdecode(&x), AIOT_OK);
}

static void test_decode_command(void **state)
{
	bb x;

	(void)state;
	const unsigned d2r[] = {0, 1, 256, 257, 0xFFFF};
	const int want_d2r[] = {AIOT_OK, AIOT_OK, AIOT_OK, AIOT_ERR_MALFORMED, AIOT_ERR_MALFORMED};
	for (size_t i = 0; i < 5; i++) {
		bhdr(&x, NGAP_COMMAND_REQUEST, 1);
		bstr(&x, "f");
		b32(&x, 1);
		b16(&x, d2r[i]);
		b16(&x, 1);
		b8(&x, 0);
		assert_int_equal(bdecode(&x), want_d2r[i]);
	}
	const unsigned nas[] = {0, 1, 256, 257};
	const int want_nas[] = {AIOT_ERR_MALFORMED, AIOT_OK, AIOT_OK, AIOT_ERR_MALFORMED};
	for (size_t i = 0; i < 4; i++) {
		bhdr(&x, NGAP_COMMAND_RESPONSE, 1);
		b32(&x, 1);
		b16(&x, nas[i]);
		for (unsigned k = 0; k < nas[i]; k++)
			b8(&x, k);
		assert_int_equal(bdecode(&x), want_nas[i]);
		bhdr(&x, NGAP_COMMAND_REQUEST, 1);
		bstr(&x, "f");
		b32(&x, 1);
		b16(&x, 1);
		b16(&x, nas[i]);
		for (unsigned k = 0; k < nas[i]; k++)
			b8(&x, k);
		assert_int_equal(bdecode(&x), want_nas[i]);
	}
	/* DO-A transport: the END flag only downlink, no other flag bit, NAS 1..256 octets. */
	for (unsigned t = NGAP_DOA_UPLINK_NAS; t <= NGAP_DOA_DOWNLINK_NAS; t++) {
		const unsigned flags[] = {0, 1, 2, 0x80};
		for (size_t i = 0; i < 4; i++) {
			bhdr(&x, t, 0);
			b32(&x, 7);
			b8(&x, flags[i]);
			b16(&x, 1);
			b8(&x, 0x42);
			int ok = flags[i] == 0 || (flags[i] == 1 && t == NGAP_DOA_DOWNLINK_NAS);
			assert_int_equal(bdecode(&x), ok ? AIOT_OK : AIOT_ERR_MALFORMED);
		}
		for (size_t i = 0; i < 4; i++) {
			bhdr(&x, t, 0);
			b32(&x, 7);
			b8(&x, 0);
			b16(&x, nas[i]);
			for (unsigned k = 0; k < nas[i]; k++)
				b8(&x, k);
			assert_int_equal(bdecode(&x), want_nas[i]);
		}
		bhdr(&x, t, 0); /* truncated RAN ID */
		b16(&x, 7);
		assert_int_equal(bdecode(&x), AIOT_ERR_TRUNC);
	}
	/* A DO-A downlink failure names the device it is about. */
	bhdr(&x, NGAP_DOA_DOWNLINK_FAILURE, 0);
	b8(&x, NGAP_CAUSE_RADIO);
	b8(&x, NGAP_CAUSE_DEVICE_NOT_REACHABLE);
	b8(&x, 0);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
	x.b[HDR + 2] = 1;
	b32(&x, 9);
	assert_int_equal(bdecode(&x), AIOT_OK);
	/* Empty-bodied messages carry nothing. */
	bhdr(&x, NGAP_SESSION_RELEASE_COMPLETE, 1);
	b8(&x, 0);
	assert_int_equal(bdecode(&x), AIOT_ERR_MALFORMED);
}

/* Counts that promise more items than there are bytes: rejected before any allocation. */
static void test_decode_count_bombs(void **state)
{
	bb x;

	(void)state;
	bhdr(&x, NGAP_INVENTORY_REPORT, 1);
	b32(&x, 1);
	b8(&x, 0);
	b16(&x, 65535);
	assert_int_equal(bdecode(&x), AIOT_ERR_TRUNC);
	b16(&x, 1);
	b16(&x, 0);
	assert_int_equal(bdecode(&x), AIOT_ERR_TRUNC);

	bhdr(&x, NGAP_INVENTORY_REPORT, 1);
	b32(&x, 1);
	b8(&x, 0);
	b16(&x, 1);
	b16(&x, 1);
	b16(&x, 65535); /* devices */
	for (int i = 0; i < 100; i++)
		b8(&x, 0);
	assert_int_equal(bdecode(&x), AIOT_ERR_TRUNC);

	bhdr(&x, NGAP_INVENTORY_REQUEST, 1);
	bstr(&x, "f");
	b8(&x, NGAP_IDENT_ALL);
	b16(&x, 0);
	b16(&x, 65535); /* readers */
	for (int i = 0; i < 100; i++)
		b8(&x, 1);
	assert_int_equal(bdecode(&x), AIOT_ERR_TRUNC);

	/* A huge body length with a short buffer. */
	bhdr(&x, NGAP_INVENTORY_REPORT, 1);
	aiot_put_be32(x.b + 4, 0xFFFFFFFFu);
	ngap_msg *m = NULL;
	assert_int_equal(ngap_decode(x.b, x.n, &m), AIOT_ERR_TRUNC);
	assert_null(m);
}

/* ---- encoder: every out-of-range field ------------------------------------------------- */

static void assert_enc_inval(const ngap_msg *m)
{
	uint8_t out[1024];

	assert_int_equal(ngap_encoded_size(m), 0);
	assert_int_equal(ngap_encode(m, out, sizeof out), AIOT_ERR_INVAL);
}

static void test_encode_inval(void **state)
{
	ngap_msg m;
	uint8_t out[64];

	(void)state;
	assert_int_equal(ngap_encode(NULL, out, sizeof out), AIOT_ERR_INVAL);
	make_sample(&m, NGAP_INVENTORY_RESPONSE, V_MIN);
	assert_int_equal(ngap_encode(&m, NULL, 100), AIOT_ERR_INVAL);
	assert_int_equal(ngap_encoded_size(NULL), 0);
	m.type = 0;
	assert_enc_inval(&m);
	m.type = 16;
	assert_enc_inval(&m);
	/* DO-A: no END flag uplink; a downlink failure without its RAN ID. */
	make_sample(&m, NGAP_DOA_UPLINK_NAS, V_MIN);
	m.u.doa.end = 1;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_DOA_DOWNLINK_NAS, V_MIN);
	m.u.doa.end = 2;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_DOA_DOWNLINK_NAS, V_MIN);
	m.u.doa.nas_len = 0;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_DOA_DOWNLINK_FAILURE, V_MIN);
	m.u.fail.has_ran_device_id = 0;
	assert_enc_inval(&m);

	/* Names. */
	make_sample(&m, NGAP_NG_SETUP_RESPONSE, V_MIN);
	m.u.setup_resp.aiotf_name[0] = '\0';
	assert_enc_inval(&m);
	memset(m.u.setup_resp.aiotf_name, 'a', sizeof m.u.setup_resp.aiotf_name); /* no NUL */
	assert_enc_inval(&m);
	make_sample(&m, NGAP_NG_SETUP_RESPONSE, V_MIN);
	m.u.setup_resp.aiotf_name[0] = 0x7F;
	assert_enc_inval(&m);
	m.u.setup_resp.aiotf_name[0] = '\n';
	assert_enc_inval(&m);
	make_sample(&m, NGAP_NG_SETUP_REQUEST, V_MIN);
	m.u.setup_req.reader_index = 0;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_NG_SETUP_REQUEST, V_MIN);
	strcpy(m.u.setup_req.name, "\x01");
	assert_enc_inval(&m);
	make_sample(&m, NGAP_COMMAND_REQUEST, V_MIN);
	m.u.cmd.aiotf_name[0] = '\0';
	assert_enc_inval(&m);

	/* Inventory Request. */
#define INV(field, val)                                                                            \
	do {                                                                                       \
		make_sample(&m, NGAP_INVENTORY_REQUEST, V_MID);                                    \
		m.u.inv_req.field = (val);                                                         \
		assert_enc_inval(&m);                                                              \
	} while (0)
	INV(ident_kind, (ngap_ident_kind)3);
	INV(ident_bits, 0);
	INV(ident_bits, 1025);
	INV(ident[1], 0xFC); /* 13 bits: 3 trailing bits must be zero */
	INV(nreaders, NGAP_MAX_READERS + 1);
	INV(readers, NULL);
	INV(readers[1].reader_index, 0);
	INV(expected_d2r_size, 0);
	INV(expected_d2r_size, 257);
	INV(time_interval, 257);
	INV(followon_command, 2);
#undef INV
	make_sample(&m, NGAP_INVENTORY_REQUEST, V_MIN);
	m.u.inv_req.ident_bits = 8; /* allDevices carries no bits */
	assert_enc_inval(&m);
	make_sample(&m, NGAP_INVENTORY_REQUEST, V_MIN);
	m.u.inv_req.ident_kind = NGAP_IDENT_GROUP; /* with 0 bits */
	assert_enc_inval(&m);

	/* Cause bodies. */
	const ngap_type ct[] = {NGAP_INVENTORY_FAILURE, NGAP_COMMAND_FAILURE,
	                        NGAP_SESSION_RELEASE_COMMAND, NGAP_SESSION_RELEASE_REQUEST};
	for (size_t i = 0; i < 4; i++) {
		make_sample(&m, ct[i], V_MAX);
		m.u.fail.cause.group = 1;
		assert_enc_inval(&m);
		make_sample(&m, ct[i], V_MAX);
		m.u.fail.cause.value = NGAP_CAUSE_OVERLOAD + 1;
		assert_enc_inval(&m);
		make_sample(&m, ct[i], V_MAX);
		m.u.fail.has_ran_device_id = 2;
		assert_enc_inval(&m);
	}

	/* Inventory Report. */
	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	m.u.report.complete = 2;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	m.u.report.nreaders = NGAP_MAX_READERS + 1;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	m.u.report.readers = NULL;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	rreps[1].reader_index = 0;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	rreps[0].ndevices = NGAP_MAX_DEVICES + 1;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	rreps[0].devices = NULL;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	devs[2].nas_len = 0;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	devs[2].nas_len = 257;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	devs[2].nas_pdu = NULL;
	assert_enc_inval(&m);
	make_sample(&m, NGAP_INVENTORY_REPORT, V_MAX);
	devs[2].has_ran_device_id = 2;
	assert_enc_inval(&m);

	/* Commands. */
	const ngap_type cmds[] = {NGAP_COMMAND_REQUEST, NGAP_COMMAND_RESPONSE};
	for (size_t i = 0; i < 2; i++) {
		make_sample(&m, cmds[i], V_MAX);
		m.u.cmd.nas_len = 0;
		assert_enc_inval(&m);
		make_sample(&m, cmds[i], V_MAX);
		m.u.cmd.nas_len = 257;
		assert_enc_inval(&m);
		make_sample(&m, cmds[i], V_MAX);
		m.u.cmd.nas_pdu = NULL;
		assert_enc_inval(&m);
	}
	make_sample(&m, NGAP_COMMAND_REQUEST, V_MAX);
	m.u.cmd.expected_d2r_size = 257;
	assert_enc_inval(&m);
}

/* A report bigger than NGAP_MAX_MESSAGE cannot be encoded (split it). */
static void test_encode_too_big(void **state)
{
	ngap_msg m;

	(void)state;
	make_sample(&m, NGAP_INVENTORY_REPORT, V_BIG2);
	for (uint32_t i = 0; i < NGAP_MAX_DEVICES; i++)
		devs[i] = (ngap_device_report){nas_max, NGAP_MAX_NAS_PDU, 1, i};
	assert_int_equal(ngap_encoded_size(&m), 0); /* 65535 * 263 > 4 MiB */
	uint8_t out[16];
	assert_int_equal(ngap_encode(&m, out, sizeof out), AIOT_ERR_INVAL);
	/* Just under the limit is fine. */
	rreps[0].ndevices = (NGAP_MAX_MESSAGE - 64) / (1 + 4 + 2 + NGAP_MAX_NAS_PDU);
	size_t n = ngap_encoded_size(&m);
	assert_true(n > 0 && n <= NGAP_MAX_MESSAGE);
	check_valid_encoding(&m);
}

static void test_type_names(void **state)
{
	(void)state;
	assert_string_equal(ngap_type_name(NGAP_INVENTORY_REQUEST), "InventoryRequest");
	assert_string_equal(ngap_type_name(NGAP_SESSION_RELEASE_COMMAND),
	                    "AIOTSessionReleaseCommand");
	for (size_t i = 0; i < NTYPES; i++)
		assert_string_not_equal(ngap_type_name(all_types[i]), "unknown");
	assert_string_equal(ngap_type_name((ngap_type)0), "unknown");
	assert_string_equal(ngap_type_name((ngap_type)16), "unknown");
}

/* One small valid encoding of every message type, for the fuzzer's seed corpus. */
static int write_corpus(const char *dir)
{
	ngap_msg m;
	char path[512];

	for (size_t i = 0; i < NTYPES; i++) {
		/* The maximum Inventory Request has 65535 readers: use the middle one. */
		int v = all_types[i] == NGAP_INVENTORY_REQUEST ? V_MID : V_MAX;
		uint8_t buf[4096];
		make_sample(&m, all_types[i], v);
		int n = ngap_encode(&m, buf, sizeof buf);
		if (n < 0)
			return 1;
		snprintf(path, sizeof path, "%s/%02d_%s", dir, (int)all_types[i],
		         ngap_type_name(all_types[i]));
		FILE *f = fopen(path, "wb");
		if (f == NULL || fwrite(buf, 1, (size_t)n, f) != (size_t)n) {
			perror(path);
			return 1;
		}
		fclose(f);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip_all),
	    cmocka_unit_test(test_golden),
	    cmocka_unit_test(test_decode_header),
	    cmocka_unit_test(test_decode_names),
	    cmocka_unit_test(test_decode_inventory_request),
	    cmocka_unit_test(test_decode_cause),
	    cmocka_unit_test(test_decode_report),
	    cmocka_unit_test(test_decode_command),
	    cmocka_unit_test(test_decode_count_bombs),
	    cmocka_unit_test(test_encode_inval),
	    cmocka_unit_test(test_encode_too_big),
	    cmocka_unit_test(test_type_names),
	};

	init_nas();
	if (argc == 3 && strcmp(argv[1], "--write-corpus") == 0)
		return write_corpus(argv[2]);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
