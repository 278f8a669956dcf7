/* SPDX-License-Identifier: Apache-2.0 */
/* Air-interface frame codec (air.h, docs/protocol.md §5). Checks run in wire order, so
 * the first offending field decides the error code. */
#include <string.h>

#include "air.h"
#include "common/aiot_err.h"
#include "common/bytes.h"

/* Identification field rules (NGAP AIoT-DeviceIdentificationRequested): ALL carries no
 * bits; SINGLE a whole identifier (octets); GROUP a bit prefix of 1..1024 bits. */
static int ident_valid(uint8_t kind, uint16_t bits)
{
	switch (kind) {
	case AIR_IDENT_ALL:
		return bits == 0;
	case AIR_IDENT_SINGLE:
		return bits >= 8 && bits <= AIR_MAX_IDENT_BITS && bits % 8 == 0;
	case AIR_IDENT_GROUP:
		return bits >= 1 && bits <= AIR_MAX_IDENT_BITS;
	}
	return 0;
}

/* Bits beyond ident_bits in the last octet: must be zero (one encoding per frame). */
static uint8_t pad_mask(uint16_t bits)
{
	return bits % 8 ? (uint8_t)(0xFFu >> (bits % 8)) : 0;
}

static int nas_valid(const uint8_t *nas, uint16_t len)
{
	return nas != NULL && len >= 1 && len <= AIR_MAX_NAS;
}

/* SLOT slot number: 2 octets (top bit 0) below 2^15, else 4 octets with the top bit set
 * (the rest: the slot number, >= 2^15). Frames of rounds with Q <= 15 keep the 2-octet form. */
static int slot_len(uint32_t slot)
{
	return slot < 0x8000u ? 2 : 4;
}

/* ROUND_END counts: 2 octets each for Q <= 15, 4 octets each for larger frames. */
static int count_len(uint8_t q)
{
	return q <= AIR_SHORT_Q ? 2 : 4;
}

/* Size of f's encoding, or AIOT_ERR_INVAL. */
static int frame_size(const air_frame *f)
{
	switch (f->type) {
	case AIR_PAGING:
		if (f->u.paging.q > AIR_MAX_Q ||
		    !ident_valid(f->u.paging.kind, f->u.paging.ident_bits) ||
		    (f->u.paging.ident_bits && f->u.paging.ident == NULL))
			return AIOT_ERR_INVAL;
		if (f->u.paging.ident_bits && (f->u.paging.ident[(f->u.paging.ident_bits - 1) / 8] &
		                               pad_mask(f->u.paging.ident_bits)))
			return AIOT_ERR_INVAL;
		return AIR_HDR_LEN + 6 + (f->u.paging.ident_bits + 7) / 8 + 16;
	case AIR_ACK:
		if (f->u.ack.n < 1 || f->u.ack.n > AIR_MAX_ACK || f->u.ack.handles == NULL)
			return AIOT_ERR_INVAL;
		return AIR_HDR_LEN + 2 + 4 * f->u.ack.n;
	case AIR_COMMAND:
	case AIR_COMMAND_RESP:
	case AIR_DOA_DOWNLINK:
		if (!nas_valid(f->u.cmd.nas, f->u.cmd.nas_len))
			return AIOT_ERR_INVAL;
		return AIR_HDR_LEN + 6 + f->u.cmd.nas_len;
	case AIR_RELEASE:
		return AIR_HDR_LEN;
	case AIR_DOA_OPEN:
		return f->u.doa_open.q > AIR_MAX_Q ? AIOT_ERR_INVAL : AIR_HDR_LEN + 3;
	case AIR_SLOT:
	case AIR_DOA_SLOT: {
		if (f->u.slot.slot >= (1u << AIR_MAX_Q))
			return AIOT_ERR_INVAL;
		int sl = slot_len(f->u.slot.slot);
		if (f->u.slot.outcome == AIR_SLOT_SINGLE) {
			if (!nas_valid(f->u.slot.nas, f->u.slot.nas_len))
				return AIOT_ERR_INVAL;
			return AIR_HDR_LEN + 3 + sl + 6 + f->u.slot.nas_len;
		}
		if (f->u.slot.outcome == AIR_SLOT_COLLISION && f->u.slot.ncolliding >= 2)
			return AIR_HDR_LEN + 3 + sl + 2;
		return AIOT_ERR_INVAL;
	}
	case AIR_ROUND_END:
		/* 64-bit sum: 4-octet counts could wrap a 32-bit one. */
		if (f->u.round_end.q > AIR_MAX_Q || (uint64_t)f->u.round_end.empty +
		                                            f->u.round_end.single +
		                                            f->u.round_end.collided !=
		                                        1u << f->u.round_end.q)
			return AIOT_ERR_INVAL;
		return AIR_HDR_LEN + 3 + 3 * count_len(f->u.round_end.q);
	}
	return AIOT_ERR_INVAL;
}

int air_encode(const air_frame *f, uint8_t *out, size_t cap)
{
	if (f == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	int n = frame_size(f);
	if (n < 0)
		return n;
	if ((size_t)n > cap)
		return AIOT_ERR_NOSPACE;
	uint8_t *p = out;
	*p++ = AIR_VERSION;
	*p++ = f->type;
	aiot_put_be32(p, f->session);
	p += 4;
	switch (f->type) {
	case AIR_PAGING: {
		size_t il = (f->u.paging.ident_bits + 7u) / 8;
		aiot_put_be16(p, f->u.paging.round);
		p[2] = f->u.paging.q;
		p[3] = f->u.paging.kind;
		aiot_put_be16(p + 4, f->u.paging.ident_bits);
		p += 6;
		if (il)
			memcpy(p, f->u.paging.ident, il);
		memcpy(p + il, f->u.paging.rand_n, 16);
		break;
	}
	case AIR_ACK:
		aiot_put_be16(p, f->u.ack.n);
		for (size_t i = 0; i < f->u.ack.n; i++)
			aiot_put_be32(p + 2 + 4 * i, f->u.ack.handles[i]);
		break;
	case AIR_COMMAND:
	case AIR_COMMAND_RESP:
	case AIR_DOA_DOWNLINK:
		aiot_put_be32(p, f->u.cmd.handle);
		aiot_put_be16(p + 4, f->u.cmd.nas_len);
		memcpy(p + 6, f->u.cmd.nas, f->u.cmd.nas_len);
		break;
	case AIR_RELEASE:
		break;
	case AIR_DOA_OPEN:
		aiot_put_be16(p, f->u.doa_open.round);
		p[2] = f->u.doa_open.q;
		break;
	case AIR_SLOT:
	case AIR_DOA_SLOT:
		aiot_put_be16(p, f->u.slot.round);
		p += 2;
		if (slot_len(f->u.slot.slot) == 2) {
			aiot_put_be16(p, (uint16_t)f->u.slot.slot);
			p += 2;
		} else {
			aiot_put_be32(p, f->u.slot.slot | 0x80000000u);
			p += 4;
		}
		*p++ = f->u.slot.outcome;
		if (f->u.slot.outcome == AIR_SLOT_SINGLE) {
			aiot_put_be32(p, f->u.slot.handle);
			aiot_put_be16(p + 4, f->u.slot.nas_len);
			memcpy(p + 6, f->u.slot.nas, f->u.slot.nas_len);
		} else {
			aiot_put_be16(p, f->u.slot.ncolliding);
		}
		break;
	case AIR_ROUND_END:
		aiot_put_be16(p, f->u.round_end.round);
		p[2] = f->u.round_end.q;
		if (count_len(f->u.round_end.q) == 2) {
			aiot_put_be16(p + 3, (uint16_t)f->u.round_end.empty);
			aiot_put_be16(p + 5, (uint16_t)f->u.round_end.single);
			aiot_put_be16(p + 7, (uint16_t)f->u.round_end.collided);
		} else {
			aiot_put_be32(p + 3, f->u.round_end.empty);
			aiot_put_be32(p + 7, f->u.round_end.single);
			aiot_put_be32(p + 11, f->u.round_end.collided);
		}
		break;
	}
	return n;
}

/* handle(4) length(2) NAS(length), to the end of the frame. */
static int decode_nas(const uint8_t *p, size_t len, uint32_t *handle, const uint8_t **nas,
                      uint16_t *nas_len)
{
	if (len < 6)
		return AIOT_ERR_TRUNC;
	*handle = aiot_get_be32(p);
	*nas_len = aiot_get_be16(p + 4);
	if (*nas_len < 1 || *nas_len > AIR_MAX_NAS)
		return AIOT_ERR_MALFORMED;
	if (len - 6 < *nas_len)
		return AIOT_ERR_TRUNC;
	if (len - 6 > *nas_len)
		return AIOT_ERR_MALFORMED;
	*nas = p + 6;
	return AIOT_OK;
}

static int decode_paging(const uint8_t *p, size_t len, air_frame *f)
{
	if (len < 6)
		return AIOT_ERR_TRUNC;
	f->u.paging.round = aiot_get_be16(p);
	f->u.paging.q = p[2];
	f->u.paging.kind = p[3];
	f->u.paging.ident_bits = aiot_get_be16(p + 4);
	if (f->u.paging.q > AIR_MAX_Q || f->u.paging.kind > AIR_IDENT_ALL ||
	    !ident_valid(f->u.paging.kind, f->u.paging.ident_bits))
		return AIOT_ERR_MALFORMED;
	size_t il = (f->u.paging.ident_bits + 7u) / 8;
	if (len - 6 < il + 16)
		return AIOT_ERR_TRUNC;
	if (len - 6 > il + 16)
		return AIOT_ERR_MALFORMED;
	if (il && (p[6 + il - 1] & pad_mask(f->u.paging.ident_bits)))
		return AIOT_ERR_MALFORMED;
	f->u.paging.ident = il ? p + 6 : NULL;
	memcpy(f->u.paging.rand_n, p + 6 + il, 16);
	return AIOT_OK;
}

static int decode_slot(const uint8_t *p, size_t len, air_frame *f)
{
	if (len < 4)
		return AIOT_ERR_TRUNC;
	f->u.slot.round = aiot_get_be16(p);
	if (p[2] & 0x80) { /* long form: 4 octets, only for slots >= 2^15 */
		if (len < 6)
			return AIOT_ERR_TRUNC;
		f->u.slot.slot = aiot_get_be32(p + 2) & 0x7FFFFFFFu;
		if (f->u.slot.slot < 0x8000u || f->u.slot.slot >= (1u << AIR_MAX_Q))
			return AIOT_ERR_MALFORMED;
		p += 6;
		len -= 6;
	} else {
		f->u.slot.slot = aiot_get_be16(p + 2);
		p += 4;
		len -= 4;
	}
	if (len < 1)
		return AIOT_ERR_TRUNC;
	f->u.slot.outcome = *p++;
	len--;
	if (f->u.slot.outcome == AIR_SLOT_SINGLE)
		return decode_nas(p, len, &f->u.slot.handle, &f->u.slot.nas, &f->u.slot.nas_len);
	if (f->u.slot.outcome != AIR_SLOT_COLLISION)
		return AIOT_ERR_UNKNOWN;
	if (len < 2)
		return AIOT_ERR_TRUNC;
	if (len > 2)
		return AIOT_ERR_MALFORMED;
	f->u.slot.ncolliding = aiot_get_be16(p);
	return f->u.slot.ncolliding >= 2 ? AIOT_OK : AIOT_ERR_MALFORMED;
}

static int decode_round_end(const uint8_t *p, size_t len, air_frame *f)
{
	if (len < 3)
		return AIOT_ERR_TRUNC;
	f->u.round_end.round = aiot_get_be16(p);
	f->u.round_end.q = p[2];
	if (f->u.round_end.q > AIR_MAX_Q)
		return AIOT_ERR_MALFORMED;
	size_t cl = (size_t)count_len(f->u.round_end.q);
	if (len < 3 + 3 * cl)
		return AIOT_ERR_TRUNC;
	if (len > 3 + 3 * cl)
		return AIOT_ERR_MALFORMED;
	if (cl == 2) {
		f->u.round_end.empty = aiot_get_be16(p + 3);
		f->u.round_end.single = aiot_get_be16(p + 5);
		f->u.round_end.collided = aiot_get_be16(p + 7);
	} else {
		f->u.round_end.empty = aiot_get_be32(p + 3);
		f->u.round_end.single = aiot_get_be32(p + 7);
		f->u.round_end.collided = aiot_get_be32(p + 11);
	}
	if ((uint64_t)f->u.round_end.empty + f->u.round_end.single + f->u.round_end.collided !=
	    1u << f->u.round_end.q)
		return AIOT_ERR_MALFORMED;
	return AIOT_OK;
}

int air_decode(const uint8_t *buf, size_t len, air_frame *f)
{
	if (f == NULL)
		return AIOT_ERR_INVAL;
	memset(f, 0, sizeof(*f));
	if (buf == NULL || len < 2)
		return AIOT_ERR_TRUNC;
	if (buf[0] != AIR_VERSION)
		return AIOT_ERR_UNKNOWN;
	f->type = buf[1];
	if (air_type_name(f->type) == NULL)
		return AIOT_ERR_UNKNOWN;
	if (len < AIR_HDR_LEN)
		return AIOT_ERR_TRUNC;
	if (len > AIR_MAX_FRAME)
		return AIOT_ERR_MALFORMED;
	f->session = aiot_get_be32(buf + 2);
	const uint8_t *p = buf + AIR_HDR_LEN;
	len -= AIR_HDR_LEN;
	switch (f->type) {
	case AIR_PAGING:
		return decode_paging(p, len, f);
	case AIR_ACK:
		if (len < 2)
			return AIOT_ERR_TRUNC;
		f->u.ack.n = aiot_get_be16(p);
		if (f->u.ack.n < 1 || f->u.ack.n > AIR_MAX_ACK)
			return AIOT_ERR_MALFORMED;
		if (len - 2 < 4u * f->u.ack.n)
			return AIOT_ERR_TRUNC;
		if (len - 2 > 4u * f->u.ack.n)
			return AIOT_ERR_MALFORMED;
		f->u.ack.raw = p + 2;
		return AIOT_OK;
	case AIR_COMMAND:
	case AIR_COMMAND_RESP:
	case AIR_DOA_DOWNLINK:
		return decode_nas(p, len, &f->u.cmd.handle, &f->u.cmd.nas, &f->u.cmd.nas_len);
	case AIR_RELEASE:
		return len == 0 ? AIOT_OK : AIOT_ERR_MALFORMED;
	case AIR_DOA_OPEN:
		if (len < 3)
			return AIOT_ERR_TRUNC;
		f->u.doa_open.round = aiot_get_be16(p);
		f->u.doa_open.q = p[2];
		return len > 3 || f->u.doa_open.q > AIR_MAX_Q ? AIOT_ERR_MALFORMED : AIOT_OK;
	case AIR_SLOT:
	case AIR_DOA_SLOT:
		return decode_slot(p, len, f);
	case AIR_ROUND_END:
		return decode_round_end(p, len, f);
	}
	return AIOT_ERR_UNKNOWN;
}

uint32_t air_ack_handle(const air_frame *f, size_t i)
{
	return aiot_get_be32(f->u.ack.raw + 4 * i);
}

const char *air_type_name(uint8_t type)
{
	switch (type) {
	case AIR_PAGING:
		return "PAGING";
	case AIR_ACK:
		return "ACK";
	case AIR_COMMAND:
		return "COMMAND";
	case AIR_RELEASE:
		return "RELEASE";
	case AIR_SLOT:
		return "SLOT";
	case AIR_ROUND_END:
		return "ROUND_END";
	case AIR_COMMAND_RESP:
		return "COMMAND_RESP";
	case AIR_DOA_OPEN:
		return "DOA_OPEN";
	case AIR_DOA_DOWNLINK:
		return "DOA_DOWNLINK";
	case AIR_DOA_SLOT:
		return "DOA_SLOT";
	}
	return NULL;
}
