/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AIoT NAS codec (our format; TS 24.369 could not be read). Layout: docs/protocol.md §3.
 * Every decoder checks each length before reading and accepts exactly one encoding of each
 * message, so decode(encode(m)) == m and encode(decode(b)) == b (the fuzz targets check it).
 * Freestanding: <string.h>, <stdint.h>, <stddef.h> only.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../common/aiot_err.h"
#include "../common/bytes.h"
#include "nas.h"
#include "nas_internal.h"

/* Inventory Response octet 1 (docs/protocol.md §3.2). */
#define INV_ID_SHIFT AIOT_NAS_INV_ID_SHIFT
#define INV_ID_MASK 0xC0u
#define INV_RES_SHIFT AIOT_NAS_INV_RES_SHIFT
#define INV_RES_MASK 0x30u
#define INV_RESERVED 0x0Fu
#define INV_FIXED_LEN AIOT_NAS_INV_RES_OFF /* type, flags, RAND tag, RAND_AIOT_d */

/* Security header octet 1 (docs/protocol.md §3.5). */
#define SEC_CIPHERED 0x80u
#define SEC_RESERVED 0x7Fu

/* READ / WRITE parameters: command code, offset (2), length (1). */
#define CMD_RW_HDR_LEN 4
/* Result: command code, status. */
#define RES_HDR_LEN 2

static int cmd_known(unsigned c)
{
	return c >= AIOT_CMD_READ && c <= AIOT_CMD_TID_UPDATE;
}

static int status_known(unsigned s)
{
	return s <= AIOT_ST_NOT_IMPLEMENTED;
}

/* A READ/WRITE range: 1..AIOT_NAS_MAX_DATA bytes, inside the 64 KiB user memory. */
static int range_ok(uint16_t offset, unsigned length)
{
	return length >= 1 && length <= AIOT_NAS_MAX_DATA && (uint32_t)offset + length <= 65536u;
}

int aiot_nas_peek_type(const uint8_t *buf, size_t len)
{
	if (buf == NULL || len == 0)
		return AIOT_ERR_TRUNC;
	if (buf[0] < AIOT_NAS_INVENTORY_RESPONSE || buf[0] > AIOT_NAS_UPLINK_DATA)
		return AIOT_ERR_UNKNOWN;
	return buf[0];
}

int aiot_nas_flags_hdr(const uint8_t *buf, size_t len, uint8_t type, uint8_t reserved)
{
	if (buf == NULL || len == 0)
		return AIOT_ERR_TRUNC;
	if (buf[0] != type)
		return AIOT_ERR_UNKNOWN;
	if (len < 2)
		return AIOT_ERR_TRUNC;
	if (buf[1] & reserved)
		return AIOT_ERR_MALFORMED;
	return AIOT_OK;
}

/* ---- Inventory Response (docs/protocol.md §3.2) ----------------------------------------- */

int aiot_nas_encode_inventory_response(const aiot_nas_inventory_response *m, uint8_t *out,
                                       size_t cap)
{
	size_t need, pos;

	if (m == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	if (m->res_len < 4 || m->res_len > 16 || m->res_len % 4 != 0)
		return AIOT_ERR_INVAL;
	need = INV_FIXED_LEN + m->res_len;
	switch (m->id_type) {
	case AIOT_NAS_ID_NONE:
		if (m->id_len != 0)
			return AIOT_ERR_INVAL;
		break;
	case AIOT_NAS_ID_PERM:
		if (m->id == NULL || m->id_len < 1 || m->id_len > AIOT_NAS_MAX_ID_LEN)
			return AIOT_ERR_INVAL;
		need += 1u + m->id_len;
		break;
	case AIOT_NAS_ID_TID:
		if (m->id == NULL || m->id_len != 16)
			return AIOT_ERR_INVAL;
		need += 16;
		break;
	default:
		return AIOT_ERR_INVAL;
	}
	if (cap < need)
		return AIOT_ERR_NOSPACE;

	out[0] = AIOT_NAS_INVENTORY_RESPONSE;
	out[1] = AIOT_NAS_INV_FLAGS(m->id_type, m->res_len);
	memcpy(out + AIOT_NAS_INV_TAG_OFF, m->rand_tag, AIOT_NAS_RAND_TAG_LEN);
	memcpy(out + AIOT_NAS_INV_RAND_OFF, m->rand_d, 16);
	memcpy(out + INV_FIXED_LEN, m->res, m->res_len);
	pos = INV_FIXED_LEN + m->res_len;
	if (m->id_type == AIOT_NAS_ID_PERM)
		out[pos++] = m->id_len;
	if (m->id_type != AIOT_NAS_ID_NONE) {
		memcpy(out + pos, m->id, m->id_len);
		pos += m->id_len;
	}
	return (int)pos;
}

int aiot_nas_decode_inventory_response(const uint8_t *buf, size_t len,
                                       aiot_nas_inventory_response *m)
{
	size_t pos;
	unsigned idt;

	int rc;

	if (m == NULL)
		return AIOT_ERR_INVAL;
	memset(m, 0, sizeof *m);
	rc = aiot_nas_flags_hdr(buf, len, AIOT_NAS_INVENTORY_RESPONSE, INV_RESERVED);
	if (rc != AIOT_OK)
		return rc;
	idt = (buf[1] & INV_ID_MASK) >> INV_ID_SHIFT;
	if (idt > AIOT_NAS_ID_TID) /* code point 11 reserved */
		return AIOT_ERR_UNKNOWN;
	m->id_type = (aiot_nas_id_type)idt;
	m->res_len = (uint8_t)(4u * (((buf[1] & INV_RES_MASK) >> INV_RES_SHIFT) + 1u));

	if (len < INV_FIXED_LEN + (size_t)m->res_len)
		return AIOT_ERR_TRUNC;
	memcpy(m->rand_tag, buf + AIOT_NAS_INV_TAG_OFF, AIOT_NAS_RAND_TAG_LEN);
	memcpy(m->rand_d, buf + AIOT_NAS_INV_RAND_OFF, 16);
	memcpy(m->res, buf + INV_FIXED_LEN, m->res_len);
	pos = INV_FIXED_LEN + m->res_len;

	if (m->id_type == AIOT_NAS_ID_PERM) {
		if (len < pos + 1)
			return AIOT_ERR_TRUNC;
		m->id_len = buf[pos++];
		if (m->id_len < 1 || m->id_len > AIOT_NAS_MAX_ID_LEN)
			return AIOT_ERR_MALFORMED;
	} else if (m->id_type == AIOT_NAS_ID_TID) {
		m->id_len = 16;
	}
	if (m->id_len != 0) {
		if (len - pos < m->id_len)
			return AIOT_ERR_TRUNC;
		m->id = buf + pos;
		pos += m->id_len;
	}
	if (len != pos) /* nothing may follow */
		return AIOT_ERR_MALFORMED;
	return AIOT_OK;
}

/* NOTE 2 filter (docs/protocol.md §3.2): RAND_AIOT_n is public, no constant time needed. */
int aiot_nas_inv_answers(const uint8_t *buf, size_t len, const uint8_t rand_n[16])
{
	return buf != NULL && rand_n != NULL && len >= INV_FIXED_LEN &&
	       buf[0] == AIOT_NAS_INVENTORY_RESPONSE &&
	       memcmp(buf + AIOT_NAS_INV_TAG_OFF, rand_n, AIOT_NAS_RAND_TAG_LEN) == 0;
}

/* ---- Command payload (docs/protocol.md §3.3) -------------------------------------------- */

int aiot_nas_encode_command(const aiot_nas_command *c, uint8_t *out, size_t cap)
{
	size_t need = 1;

	if (c == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	switch (c->cmd) {
	case AIOT_CMD_READ:
	case AIOT_CMD_WRITE:
		if (!range_ok(c->offset, c->length))
			return AIOT_ERR_INVAL;
		need = CMD_RW_HDR_LEN;
		if (c->cmd == AIOT_CMD_WRITE) {
			if (c->data == NULL)
				return AIOT_ERR_INVAL;
			need += c->length;
		}
		break;
	case AIOT_CMD_DISABLE:
	case AIOT_CMD_TID_UPDATE:
		break;
	default:
		return AIOT_ERR_INVAL;
	}
	if (cap < need)
		return AIOT_ERR_NOSPACE;

	out[0] = (uint8_t)c->cmd;
	if (need > 1) {
		aiot_put_be16(out + 1, c->offset);
		out[3] = c->length;
		if (c->cmd == AIOT_CMD_WRITE)
			memcpy(out + CMD_RW_HDR_LEN, c->data, c->length);
	}
	return (int)need;
}

int aiot_nas_decode_command(const uint8_t *buf, size_t len, aiot_nas_command *c)
{
	size_t need = 1;

	if (c == NULL)
		return AIOT_ERR_INVAL;
	memset(c, 0, sizeof *c);
	if (buf == NULL || len == 0)
		return AIOT_ERR_TRUNC;
	if (!cmd_known(buf[0]))
		return AIOT_ERR_UNKNOWN;
	c->cmd = (aiot_nas_cmd)buf[0];
	if (c->cmd == AIOT_CMD_READ || c->cmd == AIOT_CMD_WRITE) {
		if (len < CMD_RW_HDR_LEN)
			return AIOT_ERR_TRUNC;
		c->offset = aiot_get_be16(buf + 1);
		c->length = buf[3];
		if (!range_ok(c->offset, c->length))
			return AIOT_ERR_MALFORMED;
		need = CMD_RW_HDR_LEN;
		if (c->cmd == AIOT_CMD_WRITE) {
			need += c->length;
			if (len < need)
				return AIOT_ERR_TRUNC;
			c->data = buf + CMD_RW_HDR_LEN;
		}
	}
	if (len != need)
		return AIOT_ERR_MALFORMED;
	return AIOT_OK;
}

/* ---- Result payload (docs/protocol.md §3.4) --------------------------------------------- */

static int result_has_data(unsigned cmd, unsigned status)
{
	return cmd == AIOT_CMD_READ && status == AIOT_ST_SUCCESS;
}

int aiot_nas_encode_result(const aiot_nas_result *r, uint8_t *out, size_t cap)
{
	size_t need = RES_HDR_LEN;

	if (r == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	if (!cmd_known((unsigned)r->cmd) || !status_known((unsigned)r->status))
		return AIOT_ERR_INVAL;
	if (result_has_data(r->cmd, r->status)) {
		if (r->data == NULL || r->data_len < 1 || r->data_len > AIOT_NAS_MAX_DATA)
			return AIOT_ERR_INVAL;
		need += 1u + r->data_len;
	} else if (r->data_len != 0) {
		return AIOT_ERR_INVAL;
	}
	if (cap < need)
		return AIOT_ERR_NOSPACE;

	out[0] = (uint8_t)r->cmd;
	out[1] = (uint8_t)r->status;
	if (need > RES_HDR_LEN) {
		out[2] = r->data_len;
		/* memmove: the device builds READ data in place, so source and destination may
		 * overlap */
		memmove(out + RES_HDR_LEN + 1, r->data, r->data_len);
	}
	return (int)need;
}

int aiot_nas_decode_result(const uint8_t *buf, size_t len, aiot_nas_result *r)
{
	size_t need = RES_HDR_LEN;

	if (r == NULL)
		return AIOT_ERR_INVAL;
	memset(r, 0, sizeof *r);
	if (buf == NULL || len == 0)
		return AIOT_ERR_TRUNC;
	if (!cmd_known(buf[0]))
		return AIOT_ERR_UNKNOWN;
	if (len < RES_HDR_LEN)
		return AIOT_ERR_TRUNC;
	if (!status_known(buf[1]))
		return AIOT_ERR_UNKNOWN;
	r->cmd = (aiot_nas_cmd)buf[0];
	r->status = (aiot_nas_status)buf[1];
	if (result_has_data(buf[0], buf[1])) {
		if (len < RES_HDR_LEN + 1)
			return AIOT_ERR_TRUNC;
		r->data_len = buf[2];
		if (r->data_len < 1 || r->data_len > AIOT_NAS_MAX_DATA)
			return AIOT_ERR_MALFORMED;
		need += 1u + r->data_len;
		if (len < need)
			return AIOT_ERR_TRUNC;
		r->data = buf + RES_HDR_LEN + 1;
	}
	if (len != need)
		return AIOT_ERR_MALFORMED;
	return AIOT_OK;
}

/* ---- Security header (docs/protocol.md §3.5) -------------------------------------------- */

static int protected_type(unsigned t)
{
	return t == AIOT_NAS_COMMAND_REQUEST || t == AIOT_NAS_COMMAND_RESPONSE ||
	       t == AIOT_NAS_DOA_REG_ACCEPT || t == AIOT_NAS_UPLINK_DATA;
}

int aiot_nas_encode_protected(const aiot_nas_protected *p, uint8_t *out, size_t cap)
{
	size_t need;

	if (p == NULL || out == NULL || p->payload == NULL)
		return AIOT_ERR_INVAL;
	if (!protected_type(p->type) || p->ciphered > 1)
		return AIOT_ERR_INVAL;
	if (p->payload_len < 1 || p->payload_len > AIOT_NAS_MAX_PAYLOAD)
		return AIOT_ERR_INVAL;
	need = AIOT_NAS_SEC_HDR_LEN + p->payload_len;
	if (cap < need)
		return AIOT_ERR_NOSPACE;

	/* memmove: the payload may already sit at out + AIOT_NAS_SEC_HDR_LEN (in-place build). */
	memmove(out + AIOT_NAS_SEC_HDR_LEN, p->payload, p->payload_len);
	out[0] = p->type;
	out[1] = p->ciphered ? SEC_CIPHERED : 0;
	aiot_put_be32(out + 2, p->count);
	memcpy(out + 6, p->mac, 4);
	return (int)need;
}

int aiot_nas_decode_protected(const uint8_t *buf, size_t len, aiot_nas_protected *p)
{
	if (p == NULL)
		return AIOT_ERR_INVAL;
	memset(p, 0, sizeof *p);
	if (buf == NULL || len == 0)
		return AIOT_ERR_TRUNC;
	if (!protected_type(buf[0]))
		return AIOT_ERR_UNKNOWN;
	if (len > AIOT_NAS_MAX_PDU)
		return AIOT_ERR_MALFORMED;
	if (len < 2)
		return AIOT_ERR_TRUNC;
	if (buf[1] & SEC_RESERVED)
		return AIOT_ERR_MALFORMED;
	if (len <= AIOT_NAS_SEC_HDR_LEN) /* the payload is at least one octet */
		return AIOT_ERR_TRUNC;
	p->type = buf[0];
	p->ciphered = (buf[1] & SEC_CIPHERED) ? 1 : 0;
	p->count = aiot_get_be32(buf + 2);
	memcpy(p->mac, buf + 6, 4);
	p->payload = buf + AIOT_NAS_SEC_HDR_LEN;
	p->payload_len = len - AIOT_NAS_SEC_HDR_LEN;
	return AIOT_OK;
}
