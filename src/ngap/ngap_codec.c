/* SPDX-License-Identifier: Apache-2.0 */
/*
 * NGAP AIoT codec: the project's compact binary encoding of the TS 38.413 AIoT procedures
 * (docs/protocol.md §4). Every field is checked against its 38413-j20.asn range by the
 * encoder (AIOT_ERR_INVAL) and by the decoder, which accepts exactly one encoding of each
 * message: decode(encode(m)) == m and encode(decode(b)) == b (fuzz/fuzz_ngap_decode.c).
 *
 * Decoding is two passes over the input: the first validates everything and sizes the
 * arrays, the second fills one allocation [ngap_msg | arrays | copy of the input]. Every
 * count is checked against the bytes that remain before anything is allocated, so the
 * allocation is bounded by a small multiple of the input length.
 */
#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../common/aiot_err.h"
#include "../common/bytes.h"
#include "ngap_aiot.h"

#define NGAP_VERSION 1
#define HDR_LEN 8 /* version, type, correlation id (2), body length (4) */

#define MAX_D2R_SIZE 256      /* expectedD2RMsgSize / estimateofExpectedD2RMsgSize 1..256 */
#define MAX_TIME_INTERVAL 256 /* timeInterval 1..256 */

/* Flag octets: undefined bits must be zero. */
#define FLAG_FOLLOWON 0x01u /* inventory request: AIoT-FollowonCommandIndication */
#define FLAG_RAN_ID 0x01u   /* cause body, device report: RAN-AIOT-Device-NGAP-ID */
#define FLAG_COMPLETE 0x01u /* inventory report: inventoryCompleteIndication */
#define FLAG_DOA_END 0x01u  /* DO-A downlink: the exchange ends with this PDU */

/* Smallest encodings of list items, to bound counts by the bytes present. */
#define READER_REF_LEN 6    /* gNB ID (4), reader index (2) */
#define READER_REPORT_MIN 4 /* reader index (2), device count (2) */
#define DEVICE_REPORT_MIN 4 /* flags, NAS length (2), >= 1 NAS octet */

/* ---- cursors (byte order: common/bytes.h) ------------------------------------------------ */

/* A read cursor; every get_* checks the bytes left first. */
typedef struct rd {
	const uint8_t *p;
	size_t left;
} rd;

static int get_u8(rd *r, uint8_t *v)
{
	if (r->left < 1)
		return AIOT_ERR_TRUNC;
	*v = r->p[0];
	r->p++;
	r->left--;
	return AIOT_OK;
}

static int get_be16(rd *r, uint16_t *v)
{
	if (r->left < 2)
		return AIOT_ERR_TRUNC;
	*v = aiot_get_be16(r->p);
	r->p += 2;
	r->left -= 2;
	return AIOT_OK;
}

static int get_be32(rd *r, uint32_t *v)
{
	if (r->left < 4)
		return AIOT_ERR_TRUNC;
	*v = aiot_get_be32(r->p);
	r->p += 4;
	r->left -= 4;
	return AIOT_OK;
}

static int get_bytes(rd *r, size_t n, const uint8_t **v)
{
	if (r->left < n)
		return AIOT_ERR_TRUNC;
	*v = r->p;
	r->p += n;
	r->left -= n;
	return AIOT_OK;
}

/* A write cursor over a buffer already known to be large enough. */
typedef struct wr {
	uint8_t *p;
} wr;

static void put_u8(wr *w, uint8_t v)
{
	*w->p++ = v;
}

static void put16(wr *w, uint16_t v)
{
	aiot_put_be16(w->p, v);
	w->p += 2;
}

static void put32(wr *w, uint32_t v)
{
	aiot_put_be32(w->p, v);
	w->p += 4;
}

static void put_bytes(wr *w, const void *v, size_t n)
{
	if (n > 0)
		memcpy(w->p, v, n);
	w->p += n;
}

/* ---- field rules (38413-j20.asn) --------------------------------------------------------- */

/* AIOTFNameVisibleString: VisibleString (SIZE(1..150)), characters 0x20..0x7E. Returns the
 * length, or -1 if s is not a valid name of min..150 characters. */
static int name_len(const char *s, size_t min)
{
	size_t n = 0;

	while (n <= NGAP_MAX_AIOTF_NAME && s[n] != '\0') {
		if ((unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7E)
			return -1;
		n++;
	}
	if (n > NGAP_MAX_AIOTF_NAME || n < min)
		return -1;
	return (int)n;
}

static int name_chars_ok(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] < 0x20 || p[i] > 0x7E)
			return 0;
	return 1;
}

/* Cause: the groups and values of ngap_aiot.h. */
static int cause_ok(const ngap_cause *c)
{
	return (c->group == NGAP_CAUSE_RADIO || c->group == NGAP_CAUSE_MISC) &&
	       c->value <= NGAP_CAUSE_OVERLOAD;
}

/* AIoT-DeviceIdentificationRequested: singleDevice / groupDevices BIT STRING (SIZE(1..1024)),
 * allDevices NULL; bits past ident_bits in the last octet are zero. */
static int ident_ok(ngap_ident_kind kind, uint16_t bits, const uint8_t *ident)
{
	switch (kind) {
	case NGAP_IDENT_SINGLE:
	case NGAP_IDENT_GROUP:
		if (bits < 1 || bits > NGAP_MAX_IDENT_BITS)
			return 0;
		if (bits % 8 != 0 && (ident[bits / 8] & (0xFFu >> (bits % 8))) != 0)
			return 0;
		return 1;
	case NGAP_IDENT_ALL:
		return bits == 0;
	}
	return 0;
}

static int nas_ok(const uint8_t *pdu, uint16_t len)
{
	return pdu != NULL && len >= 1 && len <= NGAP_MAX_NAS_PDU;
}

/* ---- sizes ------------------------------------------------------------------------------- */

/* Body sizes, or 0 with *bad set if a field is out of range (38413-j20.asn). */
static size_t inv_req_size(const ngap_msg *m, int *bad)
{
	int nl = name_len(m->u.inv_req.aiotf_name, 1);

	if (nl < 0 ||
	    !ident_ok(m->u.inv_req.ident_kind, m->u.inv_req.ident_bits, m->u.inv_req.ident))
		goto out;
	if (m->u.inv_req.nreaders > NGAP_MAX_READERS ||
	    (m->u.inv_req.nreaders > 0 && m->u.inv_req.readers == NULL))
		goto out;
	for (uint32_t i = 0; i < m->u.inv_req.nreaders; i++)
		if (m->u.inv_req.readers[i].reader_index == 0) /* AIoT-ReaderIndex 1..65535 */
			goto out;
	if (m->u.inv_req.expected_d2r_size < 1 || m->u.inv_req.expected_d2r_size > MAX_D2R_SIZE ||
	    m->u.inv_req.time_interval > MAX_TIME_INTERVAL || m->u.inv_req.followon_command > 1)
		goto out;
	return 1 + (size_t)nl + 1 + 2 + (m->u.inv_req.ident_bits + 7u) / 8 + 2 +
	       (size_t)m->u.inv_req.nreaders * READER_REF_LEN + 2 + 2 + 2 + 1 + 16;
out:
	*bad = 1;
	return 0;
}

/* The sum stops past NGAP_MAX_MESSAGE (each reader adds at most ~17 MB), so no overflow. */
static size_t report_size(const ngap_msg *m, int *bad)
{
	size_t n = 4 + 1 + 2;

	if (m->u.report.nreaders > NGAP_MAX_READERS ||
	    (m->u.report.nreaders > 0 && m->u.report.readers == NULL) || m->u.report.complete > 1)
		goto out;
	for (uint32_t i = 0; i < m->u.report.nreaders; i++) {
		const ngap_reader_report *rr = &m->u.report.readers[i];
		if (rr->reader_index == 0 || rr->ndevices > NGAP_MAX_DEVICES ||
		    (rr->ndevices > 0 && rr->devices == NULL))
			goto out;
		n += READER_REPORT_MIN;
		for (uint32_t j = 0; j < rr->ndevices; j++) {
			const ngap_device_report *d = &rr->devices[j];
			if (!nas_ok(d->nas_pdu, d->nas_len) || d->has_ran_device_id > 1)
				goto out;
			n += 1 + (d->has_ran_device_id ? 4u : 0u) + 2 + d->nas_len;
		}
		if (n > NGAP_MAX_MESSAGE)
			goto out;
	}
	return n;
out:
	*bad = 1;
	return 0;
}

static size_t body_size(const ngap_msg *m, int *bad)
{
	int nl;

	switch (m->type) {
	case NGAP_NG_SETUP_REQUEST:
		nl = name_len(m->u.setup_req.name, 0);
		if (nl < 0 || m->u.setup_req.reader_index == 0)
			break;
		return 4 + 2 + 1 + (size_t)nl;
	case NGAP_NG_SETUP_RESPONSE:
		nl = name_len(m->u.setup_resp.aiotf_name, 1);
		if (nl < 0)
			break;
		return 1 + (size_t)nl;
	case NGAP_INVENTORY_REQUEST:
		return inv_req_size(m, bad);
	case NGAP_INVENTORY_RESPONSE:
	case NGAP_SESSION_RELEASE_COMPLETE:
		return 0;
	case NGAP_INVENTORY_FAILURE:
	case NGAP_COMMAND_FAILURE:
	case NGAP_SESSION_RELEASE_COMMAND:
	case NGAP_SESSION_RELEASE_REQUEST:
		if (!cause_ok(&m->u.fail.cause) || m->u.fail.has_ran_device_id > 1)
			break;
		return 3 + (m->u.fail.has_ran_device_id ? 4u : 0u);
	case NGAP_DOA_DOWNLINK_FAILURE: /* which device it was about is not optional here */
		if (!cause_ok(&m->u.fail.cause) || m->u.fail.has_ran_device_id != 1)
			break;
		return 3 + 4;
	case NGAP_DOA_UPLINK_NAS:
	case NGAP_DOA_DOWNLINK_NAS:
		if (!nas_ok(m->u.doa.nas_pdu, m->u.doa.nas_len) || m->u.doa.end > 1 ||
		    (m->type == NGAP_DOA_UPLINK_NAS && m->u.doa.end))
			break;
		return 4 + 1 + 2 + m->u.doa.nas_len;
	case NGAP_INVENTORY_REPORT:
		return report_size(m, bad);
	case NGAP_COMMAND_REQUEST:
		nl = name_len(m->u.cmd.aiotf_name, 1);
		if (nl < 0 || !nas_ok(m->u.cmd.nas_pdu, m->u.cmd.nas_len) ||
		    m->u.cmd.expected_d2r_size > MAX_D2R_SIZE)
			break;
		return 1 + (size_t)nl + 4 + 2 + 2 + m->u.cmd.nas_len;
	case NGAP_COMMAND_RESPONSE:
		if (!nas_ok(m->u.cmd.nas_pdu, m->u.cmd.nas_len))
			break;
		return 4 + 2 + m->u.cmd.nas_len;
	}
	*bad = 1;
	return 0;
}

size_t ngap_encoded_size(const ngap_msg *m)
{
	int bad = 0;
	size_t n;

	if (m == NULL)
		return 0;
	n = body_size(m, &bad);
	if (bad || n > NGAP_MAX_MESSAGE - HDR_LEN)
		return 0;
	return HDR_LEN + n;
}

/* ---- encoder ----------------------------------------------------------------------------- */

static void put_name(wr *w, const char *s)
{
	size_t n = strlen(s); /* validated: <= NGAP_MAX_AIOTF_NAME */

	put_u8(w, (uint8_t)n);
	put_bytes(w, s, n);
}

static void put_cause_body(wr *w, const ngap_msg *m)
{
	put_u8(w, m->u.fail.cause.group);
	put_u8(w, m->u.fail.cause.value);
	put_u8(w, m->u.fail.has_ran_device_id ? FLAG_RAN_ID : 0);
	if (m->u.fail.has_ran_device_id)
		put32(w, m->u.fail.ran_device_id);
}

static void put_inv_req(wr *w, const ngap_msg *m)
{

	put_name(w, m->u.inv_req.aiotf_name);
	put_u8(w, (uint8_t)m->u.inv_req.ident_kind);
	put16(w, m->u.inv_req.ident_bits);
	put_bytes(w, m->u.inv_req.ident, (m->u.inv_req.ident_bits + 7u) / 8);
	put16(w, (uint16_t)m->u.inv_req.nreaders);
	for (uint32_t i = 0; i < m->u.inv_req.nreaders; i++) {
		put32(w, m->u.inv_req.readers[i].gnb_id);
		put16(w, m->u.inv_req.readers[i].reader_index);
	}
	put16(w, m->u.inv_req.expected_d2r_size);
	put16(w, m->u.inv_req.approx_devices);
	put16(w, m->u.inv_req.time_interval);
	put_u8(w, m->u.inv_req.followon_command ? FLAG_FOLLOWON : 0);
	put_bytes(w, m->u.inv_req.rand_n, sizeof m->u.inv_req.rand_n);
}

static void put_report(wr *w, const ngap_msg *m)
{

	put32(w, m->u.report.gnb_id);
	put_u8(w, m->u.report.complete ? FLAG_COMPLETE : 0);
	put16(w, (uint16_t)m->u.report.nreaders);
	for (uint32_t i = 0; i < m->u.report.nreaders; i++) {
		const ngap_reader_report *rr = &m->u.report.readers[i];
		put16(w, rr->reader_index);
		put16(w, (uint16_t)rr->ndevices);
		for (uint32_t j = 0; j < rr->ndevices; j++) {
			const ngap_device_report *d = &rr->devices[j];
			put_u8(w, d->has_ran_device_id ? FLAG_RAN_ID : 0);
			if (d->has_ran_device_id)
				put32(w, d->ran_device_id);
			put16(w, d->nas_len);
			put_bytes(w, d->nas_pdu, d->nas_len);
		}
	}
}

int ngap_encode(const ngap_msg *m, uint8_t *out, size_t cap)
{
	size_t need;
	wr w;

	if (m == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	need = ngap_encoded_size(m);
	if (need == 0)
		return AIOT_ERR_INVAL;
	if (cap < need)
		return AIOT_ERR_NOSPACE;

	w.p = out;
	put_u8(&w, NGAP_VERSION);
	put_u8(&w, (uint8_t)m->type);
	put16(&w, m->correlation_id);
	put32(&w, (uint32_t)(need - HDR_LEN));
	switch (m->type) {
	case NGAP_NG_SETUP_REQUEST:
		put32(&w, m->u.setup_req.gnb_id);
		put16(&w, m->u.setup_req.reader_index);
		put_name(&w, m->u.setup_req.name);
		break;
	case NGAP_NG_SETUP_RESPONSE:
		put_name(&w, m->u.setup_resp.aiotf_name);
		break;
	case NGAP_INVENTORY_REQUEST:
		put_inv_req(&w, m);
		break;
	case NGAP_INVENTORY_RESPONSE:
	case NGAP_SESSION_RELEASE_COMPLETE:
		break;
	case NGAP_INVENTORY_FAILURE:
	case NGAP_COMMAND_FAILURE:
	case NGAP_SESSION_RELEASE_COMMAND:
	case NGAP_SESSION_RELEASE_REQUEST:
	case NGAP_DOA_DOWNLINK_FAILURE:
		put_cause_body(&w, m);
		break;
	case NGAP_INVENTORY_REPORT:
		put_report(&w, m);
		break;
	case NGAP_COMMAND_REQUEST:
		put_name(&w, m->u.cmd.aiotf_name);
		put32(&w, m->u.cmd.ran_device_id);
		put16(&w, m->u.cmd.expected_d2r_size);
		put16(&w, m->u.cmd.nas_len);
		put_bytes(&w, m->u.cmd.nas_pdu, m->u.cmd.nas_len);
		break;
	case NGAP_COMMAND_RESPONSE:
		put32(&w, m->u.cmd.ran_device_id);
		put16(&w, m->u.cmd.nas_len);
		put_bytes(&w, m->u.cmd.nas_pdu, m->u.cmd.nas_len);
		break;
	case NGAP_DOA_UPLINK_NAS:
	case NGAP_DOA_DOWNLINK_NAS:
		put32(&w, m->u.doa.ran_device_id);
		put_u8(&w, m->u.doa.end ? FLAG_DOA_END : 0);
		put16(&w, m->u.doa.nas_len);
		put_bytes(&w, m->u.doa.nas_pdu, m->u.doa.nas_len);
		break;
	}
	return (int)need;
}

/* ---- decoder ----------------------------------------------------------------------------- */

/*
 * Arrays carved from the message's allocation. In the sizing pass (base == NULL) the
 * carvers only count; in the filling pass they hand out zeroed slices.
 */
typedef struct carve {
	uint8_t *base;
	size_t used;
} carve;

static size_t align_up(size_t n)
{
	return (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
}

static void *carve_take(carve *c, size_t n)
{
	void *p = c->base ? c->base + c->used : NULL;

	c->used += align_up(n);
	return p;
}

#define CHECK(expr)                                                                                \
	do {                                                                                       \
		int rc_ = (expr);                                                                  \
		if (rc_ != AIOT_OK)                                                                \
			return rc_;                                                                \
	} while (0)

/* A length-prefixed name of min..150 VisibleString characters into dst[151]. */
static int get_name(rd *r, char *dst, size_t min)
{
	uint8_t n;
	const uint8_t *p;

	CHECK(get_u8(r, &n));
	if (n > NGAP_MAX_AIOTF_NAME || n < min)
		return AIOT_ERR_MALFORMED;
	CHECK(get_bytes(r, n, &p));
	if (!name_chars_ok(p, n))
		return AIOT_ERR_MALFORMED;
	memcpy(dst, p, n);
	dst[n] = '\0';
	return AIOT_OK;
}

static int get_flags(rd *r, uint8_t defined, uint8_t *set)
{
	uint8_t f;

	CHECK(get_u8(r, &f));
	if (f & ~defined)
		return AIOT_ERR_MALFORMED;
	*set = f ? 1 : 0;
	return AIOT_OK;
}

static int get_nas(rd *r, const uint8_t **pdu, uint16_t *len)
{
	CHECK(get_be16(r, len));
	if (*len < 1 || *len > NGAP_MAX_NAS_PDU)
		return AIOT_ERR_MALFORMED;
	return get_bytes(r, *len, pdu);
}

static int dec_cause_body(rd *r, ngap_msg *m)
{
	CHECK(get_u8(r, &m->u.fail.cause.group));
	CHECK(get_u8(r, &m->u.fail.cause.value));
	if (!cause_ok(&m->u.fail.cause))
		return AIOT_ERR_MALFORMED;
	CHECK(get_flags(r, FLAG_RAN_ID, &m->u.fail.has_ran_device_id));
	if (m->u.fail.has_ran_device_id)
		CHECK(get_be32(r, &m->u.fail.ran_device_id));
	return AIOT_OK;
}

static int dec_inv_req(rd *r, ngap_msg *m, carve *c)
{
	uint8_t kind;
	uint16_t n;
	const uint8_t *p;

	CHECK(get_name(r, m->u.inv_req.aiotf_name, 1));
	CHECK(get_u8(r, &kind));
	if (kind > NGAP_IDENT_ALL)
		return AIOT_ERR_MALFORMED;
	m->u.inv_req.ident_kind = (ngap_ident_kind)kind;
	CHECK(get_be16(r, &m->u.inv_req.ident_bits));
	if (m->u.inv_req.ident_bits > NGAP_MAX_IDENT_BITS)
		return AIOT_ERR_MALFORMED;
	CHECK(get_bytes(r, (m->u.inv_req.ident_bits + 7u) / 8, &p));
	memcpy(m->u.inv_req.ident, p, (m->u.inv_req.ident_bits + 7u) / 8);
	if (!ident_ok(m->u.inv_req.ident_kind, m->u.inv_req.ident_bits, m->u.inv_req.ident))
		return AIOT_ERR_MALFORMED;

	CHECK(get_be16(r, &n));
	if ((size_t)n * READER_REF_LEN > r->left)
		return AIOT_ERR_TRUNC;
	m->u.inv_req.nreaders = n;
	m->u.inv_req.readers = n ? carve_take(c, (size_t)n * sizeof(ngap_reader_ref)) : NULL;
	for (uint32_t i = 0; i < n; i++) {
		ngap_reader_ref ref;
		CHECK(get_be32(r, &ref.gnb_id));
		CHECK(get_be16(r, &ref.reader_index));
		if (ref.reader_index == 0)
			return AIOT_ERR_MALFORMED;
		if (m->u.inv_req.readers)
			m->u.inv_req.readers[i] = ref;
	}

	CHECK(get_be16(r, &m->u.inv_req.expected_d2r_size));
	CHECK(get_be16(r, &m->u.inv_req.approx_devices));
	CHECK(get_be16(r, &m->u.inv_req.time_interval));
	if (m->u.inv_req.expected_d2r_size < 1 || m->u.inv_req.expected_d2r_size > MAX_D2R_SIZE ||
	    m->u.inv_req.time_interval > MAX_TIME_INTERVAL)
		return AIOT_ERR_MALFORMED;
	CHECK(get_flags(r, FLAG_FOLLOWON, &m->u.inv_req.followon_command));
	CHECK(get_bytes(r, sizeof m->u.inv_req.rand_n, &p));
	memcpy(m->u.inv_req.rand_n, p, sizeof m->u.inv_req.rand_n);
	return AIOT_OK;
}

/* The device reports of one reader. */
static int dec_devices(rd *r, ngap_reader_report *rr, carve *c)
{
	uint16_t n;

	CHECK(get_be16(r, &n));
	if ((size_t)n * DEVICE_REPORT_MIN > r->left)
		return AIOT_ERR_TRUNC;
	rr->ndevices = n;
	rr->devices = n ? carve_take(c, (size_t)n * sizeof *rr->devices) : NULL;
	for (uint32_t j = 0; j < n; j++) {
		ngap_device_report d = {0};
		CHECK(get_flags(r, FLAG_RAN_ID, &d.has_ran_device_id));
		if (d.has_ran_device_id)
			CHECK(get_be32(r, &d.ran_device_id));
		CHECK(get_nas(r, &d.nas_pdu, &d.nas_len));
		if (rr->devices)
			rr->devices[j] = d;
	}
	return AIOT_OK;
}

static int dec_report(rd *r, ngap_msg *m, carve *c)
{
	uint16_t n;

	CHECK(get_be32(r, &m->u.report.gnb_id));
	CHECK(get_flags(r, FLAG_COMPLETE, &m->u.report.complete));
	CHECK(get_be16(r, &n));
	if ((size_t)n * READER_REPORT_MIN > r->left)
		return AIOT_ERR_TRUNC;
	m->u.report.nreaders = n;
	m->u.report.readers = n ? carve_take(c, (size_t)n * sizeof(ngap_reader_report)) : NULL;
	for (uint32_t i = 0; i < n; i++) {
		ngap_reader_report rr = {0};
		CHECK(get_be16(r, &rr.reader_index));
		if (rr.reader_index == 0)
			return AIOT_ERR_MALFORMED;
		CHECK(dec_devices(r, &rr, c));
		if (m->u.report.readers)
			m->u.report.readers[i] = rr;
	}
	return AIOT_OK;
}

static int dec_body(rd *r, ngap_msg *m, carve *c)
{
	switch (m->type) {
	case NGAP_NG_SETUP_REQUEST:
		CHECK(get_be32(r, &m->u.setup_req.gnb_id));
		CHECK(get_be16(r, &m->u.setup_req.reader_index));
		if (m->u.setup_req.reader_index == 0)
			return AIOT_ERR_MALFORMED;
		return get_name(r, m->u.setup_req.name, 0);
	case NGAP_NG_SETUP_RESPONSE:
		return get_name(r, m->u.setup_resp.aiotf_name, 1);
	case NGAP_INVENTORY_REQUEST:
		return dec_inv_req(r, m, c);
	case NGAP_INVENTORY_RESPONSE:
	case NGAP_SESSION_RELEASE_COMPLETE:
		return AIOT_OK;
	case NGAP_INVENTORY_FAILURE:
	case NGAP_COMMAND_FAILURE:
	case NGAP_SESSION_RELEASE_COMMAND:
	case NGAP_SESSION_RELEASE_REQUEST:
		return dec_cause_body(r, m);
	case NGAP_DOA_DOWNLINK_FAILURE:
		CHECK(dec_cause_body(r, m));
		return m->u.fail.has_ran_device_id ? AIOT_OK : AIOT_ERR_MALFORMED;
	case NGAP_DOA_UPLINK_NAS:
	case NGAP_DOA_DOWNLINK_NAS:
		CHECK(get_be32(r, &m->u.doa.ran_device_id));
		CHECK(get_flags(r, m->type == NGAP_DOA_DOWNLINK_NAS ? FLAG_DOA_END : 0,
		                &m->u.doa.end));
		return get_nas(r, &m->u.doa.nas_pdu, &m->u.doa.nas_len);
	case NGAP_INVENTORY_REPORT:
		return dec_report(r, m, c);
	case NGAP_COMMAND_REQUEST:
		CHECK(get_name(r, m->u.cmd.aiotf_name, 1));
		CHECK(get_be32(r, &m->u.cmd.ran_device_id));
		CHECK(get_be16(r, &m->u.cmd.expected_d2r_size));
		if (m->u.cmd.expected_d2r_size > MAX_D2R_SIZE)
			return AIOT_ERR_MALFORMED;
		return get_nas(r, &m->u.cmd.nas_pdu, &m->u.cmd.nas_len);
	case NGAP_COMMAND_RESPONSE:
		CHECK(get_be32(r, &m->u.cmd.ran_device_id));
		return get_nas(r, &m->u.cmd.nas_pdu, &m->u.cmd.nas_len);
	}
	return AIOT_ERR_UNKNOWN;
}

/* Header and body of buf into m; c sizes (base NULL) or fills the arrays. */
static int dec_all(const uint8_t *buf, size_t len, ngap_msg *m, carve *c)
{
	rd r = {buf, len};
	uint8_t version, type;
	uint32_t body_len;
	int rc;

	CHECK(get_u8(&r, &version));
	if (version != NGAP_VERSION)
		return AIOT_ERR_UNKNOWN;
	CHECK(get_u8(&r, &type));
	if (type < NGAP_NG_SETUP_REQUEST || type > NGAP_DOA_DOWNLINK_FAILURE)
		return AIOT_ERR_UNKNOWN;
	m->type = (ngap_type)type;
	CHECK(get_be16(&r, &m->correlation_id));
	CHECK(get_be32(&r, &body_len));
	if (body_len > r.left)
		return AIOT_ERR_TRUNC;
	if (body_len < r.left)
		return AIOT_ERR_MALFORMED; /* trailing bytes after the announced body */
	rc = dec_body(&r, m, c);
	if (rc != AIOT_OK)
		return rc;
	return r.left == 0 ? AIOT_OK : AIOT_ERR_MALFORMED;
}

int ngap_decode(const uint8_t *buf, size_t len, ngap_msg **out)
{
	ngap_msg scratch;
	carve c = {NULL, 0};
	size_t head, total;
	uint8_t *block = NULL, *copy;
	ngap_msg *m;
	int rc;

	if (out == NULL)
		return AIOT_ERR_INVAL;
	*out = NULL;
	if (buf == NULL)
		return AIOT_ERR_TRUNC;
	if (len > NGAP_MAX_MESSAGE)
		return AIOT_ERR_MALFORMED;

	/* Pass 1: validate everything and size the arrays, allocating nothing. */
	memset(&scratch, 0, sizeof scratch);
	rc = dec_all(buf, len, &scratch, &c);
	if (rc != AIOT_OK)
		goto fail;

	/* Pass 2: one block [message | arrays | input copy]; pointers go into the copy. */
	head = align_up(sizeof(ngap_msg));
	total = head + c.used + len;
	block = calloc(1, total);
	if (block == NULL) {
		rc = AIOT_ERR_NOSPACE;
		goto fail;
	}
	copy = block + head + c.used;
	memcpy(copy, buf, len);
	m = (ngap_msg *)(void *)block;
	c.base = block + head;
	c.used = 0;
	rc = dec_all(copy, len, m, &c);
	if (rc != AIOT_OK) /* cannot happen: the same bytes passed pass 1 */
		goto fail;
	*out = m;
	return AIOT_OK;

fail:
	free(block);
	return rc;
}

void ngap_free(ngap_msg *m)
{
	free(m);
}

const char *ngap_type_name(ngap_type t)
{
	switch (t) {
	case NGAP_NG_SETUP_REQUEST:
		return "NGSetupRequest";
	case NGAP_NG_SETUP_RESPONSE:
		return "NGSetupResponse";
	case NGAP_INVENTORY_REQUEST:
		return "InventoryRequest";
	case NGAP_INVENTORY_RESPONSE:
		return "InventoryResponse";
	case NGAP_INVENTORY_FAILURE:
		return "InventoryFailure";
	case NGAP_INVENTORY_REPORT:
		return "InventoryReport";
	case NGAP_COMMAND_REQUEST:
		return "CommandRequest";
	case NGAP_COMMAND_RESPONSE:
		return "CommandResponse";
	case NGAP_COMMAND_FAILURE:
		return "CommandFailure";
	case NGAP_SESSION_RELEASE_COMMAND:
		return "AIOTSessionReleaseCommand";
	case NGAP_SESSION_RELEASE_COMPLETE:
		return "AIOTSessionReleaseComplete";
	case NGAP_SESSION_RELEASE_REQUEST:
		return "AIOTSessionReleaseRequest";
	case NGAP_DOA_UPLINK_NAS:
		return "DoaUplinkNasTransport";
	case NGAP_DOA_DOWNLINK_NAS:
		return "DoaDownlinkNasTransport";
	case NGAP_DOA_DOWNLINK_FAILURE:
		return "DoaDownlinkFailure";
	}
	return "unknown";
}
