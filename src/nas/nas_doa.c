/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AIoT NAS codec for device-originated access (DO-A): M1-M4 and Uplink Data, layout
 * docs/protocol.md §3.10. As nas.c: every length checked before it is read, one encoding per
 * message (decode then encode gives the input back; fuzz/fuzz_nas_doa_*.c check it),
 * encoders validate everything before the first write. Freestanding.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../common/aiot_err.h"
#include "nas_doa.h"
#include "nas_internal.h"

#define DOA_RESERVED 0x3Fu /* octet 1 bits 5-0 of M1 and M3 */
#define ACCEPT_RESERVED 0x7Fu

/* The identifier field of M1: its length on the wire (with the PERM length octet), or
 * AIOT_ERR_INVAL. */
static int id_wire_len(aiot_nas_id_type t, const uint8_t *id, unsigned id_len)
{
	if (id == NULL)
		return AIOT_ERR_INVAL;
	if (t == AIOT_NAS_ID_TID && id_len == 16)
		return 16;
	if (t == AIOT_NAS_ID_PERM && id_len >= 1 && id_len <= AIOT_NAS_MAX_ID_LEN)
		return 1 + (int)id_len;
	return AIOT_ERR_INVAL;
}

/* ---- M1 DO-A Registration Request (docs/protocol.md §3.10.1) ------------------------------ */

int aiot_nas_encode_doa_reg_request(const aiot_nas_doa_reg_request *m, uint8_t *out, size_t cap)
{
	size_t pos = AIOT_NAS_DOA_M1_ID_OFF;
	int idw;

	if (m == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	idw = id_wire_len(m->id_type, m->id, m->id_len);
	if (idw < 0)
		return idw;
	if (cap < pos + (size_t)idw)
		return AIOT_ERR_NOSPACE;

	out[0] = AIOT_NAS_DOA_REG_REQUEST;
	out[1] = AIOT_NAS_DOA_M1_FLAGS(m->id_type);
	memcpy(out + AIOT_NAS_DOA_M1_RAND_OFF, m->rand_d, 16);
	if (m->id_type == AIOT_NAS_ID_PERM)
		out[pos++] = m->id_len;
	memcpy(out + pos, m->id, m->id_len);
	return (int)(pos + m->id_len);
}

int aiot_nas_decode_doa_reg_request(const uint8_t *buf, size_t len, aiot_nas_doa_reg_request *m)
{
	size_t pos = AIOT_NAS_DOA_M1_ID_OFF;
	unsigned idt;

	int rc;

	if (m == NULL)
		return AIOT_ERR_INVAL;
	memset(m, 0, sizeof *m);
	rc = aiot_nas_flags_hdr(buf, len, AIOT_NAS_DOA_REG_REQUEST, DOA_RESERVED);
	if (rc != AIOT_OK)
		return rc;
	idt = buf[1] >> AIOT_NAS_DOA_FLAGS_SHIFT;
	if (idt != AIOT_NAS_ID_PERM && idt != AIOT_NAS_ID_TID) /* 00 and 11 reserved */
		return AIOT_ERR_UNKNOWN;
	m->id_type = (aiot_nas_id_type)idt;
	if (len < pos + (idt == AIOT_NAS_ID_PERM))
		return AIOT_ERR_TRUNC;
	memcpy(m->rand_d, buf + AIOT_NAS_DOA_M1_RAND_OFF, 16);
	if (idt == AIOT_NAS_ID_PERM) {
		m->id_len = buf[pos++];
		if (m->id_len < 1 || m->id_len > AIOT_NAS_MAX_ID_LEN)
			return AIOT_ERR_MALFORMED;
	} else {
		m->id_len = 16;
	}
	if (len - pos < m->id_len)
		return AIOT_ERR_TRUNC;
	if (len - pos > m->id_len) /* nothing may follow */
		return AIOT_ERR_MALFORMED;
	m->id = buf + pos;
	return AIOT_OK;
}

/* ---- M2 DO-A Authentication Request (docs/protocol.md §3.10.2) ---------------------------- */

int aiot_nas_encode_doa_auth_request(const aiot_nas_doa_auth_request *m, uint8_t *out, size_t cap)
{
	if (m == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	if (cap < AIOT_NAS_DOA_M2_LEN)
		return AIOT_ERR_NOSPACE;
	out[0] = AIOT_NAS_DOA_AUTH_REQUEST;
	memcpy(out + AIOT_NAS_DOA_M2_TAG_OFF, m->rand_tag, AIOT_NAS_RAND_TAG_LEN);
	memcpy(out + AIOT_NAS_DOA_M2_RANDN_OFF, m->rand_n, 16);
	memcpy(out + AIOT_NAS_DOA_M2_MACN_OFF, m->mac_n, sizeof m->mac_n);
	return AIOT_NAS_DOA_M2_LEN;
}

int aiot_nas_decode_doa_auth_request(const uint8_t *buf, size_t len, aiot_nas_doa_auth_request *m)
{
	if (m == NULL)
		return AIOT_ERR_INVAL;
	memset(m, 0, sizeof *m);
	if (buf == NULL || len == 0)
		return AIOT_ERR_TRUNC;
	if (buf[0] != AIOT_NAS_DOA_AUTH_REQUEST)
		return AIOT_ERR_UNKNOWN;
	if (len < AIOT_NAS_DOA_M2_LEN)
		return AIOT_ERR_TRUNC;
	if (len > AIOT_NAS_DOA_M2_LEN)
		return AIOT_ERR_MALFORMED;
	memcpy(m->rand_tag, buf + AIOT_NAS_DOA_M2_TAG_OFF, AIOT_NAS_RAND_TAG_LEN);
	memcpy(m->rand_n, buf + AIOT_NAS_DOA_M2_RANDN_OFF, 16);
	memcpy(m->mac_n, buf + AIOT_NAS_DOA_M2_MACN_OFF, sizeof m->mac_n);
	return AIOT_OK;
}

/* ---- M3 DO-A Authentication Response (docs/protocol.md §3.10.3) --------------------------- */

/* The first data block of M3: an Uplink Data PDU with COUNT 0 (framing only, no MAC). */
static int first_data_ok(const uint8_t *p, size_t len)
{
	aiot_nas_protected d;
	int rc = aiot_nas_decode_protected(p, len, &d);

	if (rc != AIOT_OK)
		return rc;
	if (d.type != AIOT_NAS_UPLINK_DATA || d.count != 0)
		return AIOT_ERR_MALFORMED;
	return AIOT_OK;
}

int aiot_nas_encode_doa_auth_response(const aiot_nas_doa_auth_response *m, uint8_t *out, size_t cap)
{
	size_t pos;
	int rc;

	if (m == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	if (m->res_len < 4 || m->res_len > 16 || m->res_len % 4 != 0)
		return AIOT_ERR_INVAL;
	pos = AIOT_NAS_DOA_M3_RES_OFF + m->res_len;
	if (m->data != NULL || m->data_len != 0) {
		if (m->data == NULL || m->data_len > AIOT_NAS_MAX_PDU - pos)
			return AIOT_ERR_INVAL;
		if ((rc = first_data_ok(m->data, m->data_len)) != AIOT_OK)
			return AIOT_ERR_INVAL;
	}
	if (cap < pos + m->data_len)
		return AIOT_ERR_NOSPACE;

	/* memmove: the device protects the data in place, where it belongs in M3 */
	if (m->data_len)
		memmove(out + pos, m->data, m->data_len);
	out[0] = AIOT_NAS_DOA_AUTH_RESPONSE;
	out[1] = AIOT_NAS_DOA_M3_FLAGS(m->res_len);
	memcpy(out + AIOT_NAS_DOA_M3_RES_OFF, m->res_d, m->res_len);
	return (int)(pos + m->data_len);
}

int aiot_nas_decode_doa_auth_response(const uint8_t *buf, size_t len, aiot_nas_doa_auth_response *m)
{
	size_t pos;
	int rc;

	if (m == NULL)
		return AIOT_ERR_INVAL;
	memset(m, 0, sizeof *m);
	rc = aiot_nas_flags_hdr(buf, len, AIOT_NAS_DOA_AUTH_RESPONSE, DOA_RESERVED);
	if (rc != AIOT_OK)
		return rc;
	if (len > AIOT_NAS_MAX_PDU)
		return AIOT_ERR_MALFORMED;
	m->res_len = (uint8_t)(4u * ((unsigned)(buf[1] >> AIOT_NAS_DOA_FLAGS_SHIFT) + 1u));
	pos = AIOT_NAS_DOA_M3_RES_OFF + m->res_len;
	if (len < pos)
		return AIOT_ERR_TRUNC;
	memcpy(m->res_d, buf + AIOT_NAS_DOA_M3_RES_OFF, m->res_len);
	if (len > pos) {
		if ((rc = first_data_ok(buf + pos, len - pos)) != AIOT_OK)
			return rc;
		m->data = buf + pos;
		m->data_len = len - pos;
	}
	return AIOT_OK;
}

/* ---- M4 DO-A Registration Accept payload (docs/protocol.md §3.10.4) ----------------------- */

int aiot_nas_encode_doa_accept(const aiot_nas_doa_accept *m, uint8_t *out, size_t cap)
{
	if (m == NULL || out == NULL || m->tid_update > 1)
		return AIOT_ERR_INVAL;
	if (cap < AIOT_NAS_DOA_ACCEPT_LEN)
		return AIOT_ERR_NOSPACE;
	out[0] = m->tid_update ? AIOT_NAS_DOA_ACCEPT_TID : 0;
	return AIOT_NAS_DOA_ACCEPT_LEN;
}

int aiot_nas_decode_doa_accept(const uint8_t *buf, size_t len, aiot_nas_doa_accept *m)
{
	if (m == NULL)
		return AIOT_ERR_INVAL;
	memset(m, 0, sizeof *m);
	if (buf == NULL || len == 0)
		return AIOT_ERR_TRUNC;
	if (len > AIOT_NAS_DOA_ACCEPT_LEN || (buf[0] & ACCEPT_RESERVED))
		return AIOT_ERR_MALFORMED;
	m->tid_update = (buf[0] & AIOT_NAS_DOA_ACCEPT_TID) ? 1 : 0;
	return AIOT_OK;
}
