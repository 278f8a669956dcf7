/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 8323 3.2 framing: Len (4 bits) | TKL (4 bits), extended length (0, 1, 2 or 4
 * octets), Code, Token, then options and payload as in RFC 7252 3.1. The offset encoding
 * of every extended field (13 + one octet, 269 + two, 65805 + four) makes each value's
 * encoding unique, so this decoder accepts exactly the encoder's output.
 */
#include <string.h>

#include "coap_tcp.h"
#include "common/aiot_err.h"
#include "common/bytes.h"

#define EXT1 13u
#define EXT2 269u
#define EXT4 65805u
#define PAYLOAD_MARKER 0xFFu

/* Octets of the extension that encodes x as an option delta/length (RFC 7252 3.1). */
static size_t ext_len(size_t x)
{
	return x < EXT1 ? 0 : x < EXT2 ? 1 : 2;
}

static uint8_t put_ext(uint8_t *p, size_t x, size_t *n)
{
	if (x < EXT1) {
		*n = 0;
		return (uint8_t)x;
	}
	if (x < EXT2) {
		p[0] = (uint8_t)(x - EXT1);
		*n = 1;
		return 13;
	}
	aiot_put_be16(p, (uint16_t)(x - EXT2));
	*n = 2;
	return 14;
}

/* Bytes of options and payload: the frame's Len. */
static int body_size(const coap_msg *m, size_t *size)
{
	size_t n = 0, prev = 0;
	for (size_t i = 0; i < m->nopt; i++) {
		const coap_opt *o = &m->opt[i];
		if (o->num < prev || (o->len > 0 && o->val == NULL))
			return AIOT_ERR_INVAL;
		n += 1 + ext_len(o->num - prev) + ext_len(o->len) + o->len;
		prev = o->num;
	}
	if (m->payload_len > 65535 || (m->payload_len > 0 && m->payload == NULL))
		return AIOT_ERR_INVAL;
	if (m->payload_len > 0)
		n += 1 + m->payload_len;
	*size = n;
	return AIOT_OK;
}

int coap_tcp_encode(const coap_msg *m, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t body, hdr, x;
	if (m->tkl > COAP_MAX_TOKEN || m->nopt > COAP_MAX_OPTS)
		return AIOT_ERR_INVAL;
	int rc = body_size(m, &body);
	if (rc != AIOT_OK)
		return rc;
	hdr = 2 + (body < EXT1 ? 0 : body < EXT2 ? 1 : body < EXT4 ? 2 : 4) + m->tkl;
	if (cap < hdr || cap - hdr < body)
		return AIOT_ERR_NOSPACE;
	/* Every check done: write. */
	uint8_t *p = out;
	if (body < EXT1) {
		*p++ = (uint8_t)(body << 4 | m->tkl);
	} else if (body < EXT2) {
		*p++ = (uint8_t)(13u << 4 | m->tkl);
		*p++ = (uint8_t)(body - EXT1);
	} else if (body < EXT4) {
		*p++ = (uint8_t)(14u << 4 | m->tkl);
		aiot_put_be16(p, (uint16_t)(body - EXT2));
		p += 2;
	} else {
		*p++ = (uint8_t)(15u << 4 | m->tkl);
		aiot_put_be32(p, (uint32_t)(body - EXT4));
		p += 4;
	}
	*p++ = m->code;
	memcpy(p, m->token, m->tkl);
	p += m->tkl;
	size_t prev = 0;
	for (size_t i = 0; i < m->nopt; i++) {
		const coap_opt *o = &m->opt[i];
		uint8_t *h = p++;
		uint8_t d = put_ext(p, o->num - prev, &x);
		p += x;
		uint8_t l = put_ext(p, o->len, &x);
		p += x;
		*h = (uint8_t)(d << 4 | l);
		if (o->len > 0)
			memcpy(p, o->val, o->len);
		p += o->len;
		prev = o->num;
	}
	if (m->payload_len > 0) {
		*p++ = PAYLOAD_MARKER;
		memcpy(p, m->payload, m->payload_len);
		p += m->payload_len;
	}
	*out_len = (size_t)(p - out);
	return AIOT_OK;
}

/* An option delta or length nibble and its extension at *p (RFC 7252 3.1). */
static int get_ext(unsigned nib, const uint8_t **p, const uint8_t *end, size_t *v)
{
	if (nib < 13) {
		*v = nib;
	} else if (nib == 13) {
		if (end - *p < 1)
			return AIOT_ERR_MALFORMED;
		*v = EXT1 + **p;
		*p += 1;
	} else if (nib == 14) {
		if (end - *p < 2)
			return AIOT_ERR_MALFORMED;
		*v = EXT2 + aiot_get_be16(*p);
		*p += 2;
	} else {
		return AIOT_ERR_MALFORMED; /* 15: reserved (the payload marker is handled before) */
	}
	return AIOT_OK;
}

/* Options and payload of a frame body [p, end). */
static int decode_body(const uint8_t *p, const uint8_t *end, coap_msg *m)
{
	size_t num = 0, delta, len;
	while (p < end && *p != PAYLOAD_MARKER) {
		unsigned h = *p++;
		if (get_ext(h >> 4, &p, end, &delta) != AIOT_OK ||
		    get_ext(h & 15u, &p, end, &len) != AIOT_OK)
			return AIOT_ERR_MALFORMED;
		num += delta;
		if (num > 65535 || len > (size_t)(end - p) || m->nopt == COAP_MAX_OPTS)
			return AIOT_ERR_MALFORMED;
		m->opt[m->nopt++] = (coap_opt){(uint16_t)num, (uint16_t)len, len ? p : NULL};
		p += len;
	}
	if (p < end) { /* the marker: a payload follows, never empty (RFC 7252 3) */
		p++;
		if (p == end || end - p > 65535)
			return AIOT_ERR_MALFORMED;
		m->payload = p;
		m->payload_len = (size_t)(end - p);
	}
	return AIOT_OK;
}

int coap_tcp_decode(const uint8_t *buf, size_t len, size_t max_frame, coap_msg *m, size_t *used)
{
	size_t body, xl;
	if (len < 1)
		return AIOT_ERR_TRUNC;
	unsigned ln = buf[0] >> 4, tkl = buf[0] & 15u;
	if (tkl > COAP_MAX_TOKEN)
		return AIOT_ERR_MALFORMED;
	xl = ln < 13 ? 0 : ln == 13 ? 1 : ln == 14 ? 2 : 4;
	if (len < 1 + xl)
		return AIOT_ERR_TRUNC;
	body = ln < 13    ? ln
	       : ln == 13 ? EXT1 + buf[1]
	       : ln == 14 ? EXT2 + aiot_get_be16(buf + 1)
	                  : EXT4 + (size_t)aiot_get_be32(buf + 1);
	size_t total = 1 + xl + 1 + tkl;
	if (body > max_frame || max_frame - body < total)
		return AIOT_ERR_NOSPACE;
	total += body;
	if (len < total)
		return AIOT_ERR_TRUNC;
	memset(m, 0, sizeof *m);
	m->code = buf[1 + xl];
	m->tkl = (uint8_t)tkl;
	memcpy(m->token, buf + 2 + xl, tkl);
	int rc = decode_body(buf + 2 + xl + tkl, buf + total, m);
	if (rc != AIOT_OK)
		return rc;
	*used = total;
	return AIOT_OK;
}

int coap_add_opt(coap_msg *m, uint16_t num, const void *val, size_t len)
{
	if (len > 65535 || (m->nopt > 0 && m->opt[m->nopt - 1].num > num))
		return AIOT_ERR_INVAL;
	if (m->nopt == COAP_MAX_OPTS)
		return AIOT_ERR_NOSPACE;
	m->opt[m->nopt++] = (coap_opt){num, (uint16_t)len, val};
	return AIOT_OK;
}

const coap_opt *coap_find_opt(const coap_msg *m, uint16_t num)
{
	for (size_t i = 0; i < m->nopt; i++)
		if (m->opt[i].num == num)
			return &m->opt[i];
	return NULL;
}

int coap_opt_uint(const coap_opt *o, uint32_t *v)
{
	if (o->len > 4)
		return AIOT_ERR_MALFORMED;
	*v = 0;
	for (size_t i = 0; i < o->len; i++)
		*v = *v << 8 | o->val[i];
	return AIOT_OK;
}

size_t coap_uint_bytes(uint32_t v, uint8_t buf[4])
{
	size_t n = v > 0xFFFFFFu ? 4 : v > 0xFFFFu ? 3 : v > 0xFFu ? 2 : v > 0 ? 1 : 0;
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return n;
}
