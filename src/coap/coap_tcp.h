/* SPDX-License-Identifier: Apache-2.0 */
/*
 * CoAP over TCP/TLS (RFC 8323 3.2) message codec: sans-I/O, no allocation. The caller owns
 * the buffers; a decoded message points into the input (options, payload) and copies only
 * the token. Only minimal encodings are accepted, so decode(encode(m)) == m and
 * encode(decode(b)) == b (fuzz/fuzz_coap_decode.c). The MSGin5G server and client use it
 * (src/msgin5g); libcoap3 was not used: docs/protocol.md "MSGin5G-1" says why.
 */
#ifndef AIOT_COAP_TCP_H
#define AIOT_COAP_TCP_H
#include <stddef.h>
#include <stdint.h>

#define COAP_MAX_TOKEN 8 /* RFC 8323 3.2: TKL 0..8 */
#define COAP_MAX_OPTS 16 /* more options in one message: AIOT_ERR_MALFORMED */

/* Codes (RFC 7252 12.1, RFC 8323 5.1): class << 5 | detail. */
#define COAP_CODE(c, d) ((uint8_t)((c) << 5 | (d)))
#define COAP_EMPTY COAP_CODE(0, 0)
#define COAP_POST COAP_CODE(0, 2)
#define COAP_CREATED COAP_CODE(2, 1)
#define COAP_CHANGED COAP_CODE(2, 4)
#define COAP_BAD_REQUEST COAP_CODE(4, 0)
#define COAP_UNAUTHORIZED COAP_CODE(4, 1)
#define COAP_FORBIDDEN COAP_CODE(4, 3)
#define COAP_NOT_FOUND COAP_CODE(4, 4)
#define COAP_TOO_LARGE COAP_CODE(4, 13)
#define COAP_UNSUPPORTED_FORMAT COAP_CODE(4, 15)
#define COAP_UNAVAILABLE COAP_CODE(5, 3)
#define COAP_CSM COAP_CODE(7, 1)     /* RFC 8323 5.3 */
#define COAP_PING COAP_CODE(7, 2)    /* 5.4 */
#define COAP_PONG COAP_CODE(7, 3)    /* 5.4 */
#define COAP_RELEASE COAP_CODE(7, 4) /* 5.5 */
#define COAP_ABORT COAP_CODE(7, 5)   /* 5.6 */

/* Option numbers (RFC 7252 5.10, RFC 8323 5.3.1). */
#define COAP_OPT_URI_PATH 11
#define COAP_OPT_CONTENT_FORMAT 12
#define COAP_OPT_MAX_MESSAGE_SIZE 2 /* in a CSM */
#define COAP_FORMAT_JSON 50         /* application/json, RFC 7252 12.3 */

typedef struct coap_opt {
	uint16_t num;
	uint16_t len;
	const uint8_t *val;
} coap_opt;

typedef struct coap_msg {
	uint8_t code;
	uint8_t tkl;
	uint8_t token[COAP_MAX_TOKEN];
	size_t nopt;
	coap_opt opt[COAP_MAX_OPTS]; /* ascending num (encode refuses otherwise) */
	const uint8_t *payload;
	size_t payload_len;
} coap_msg;

/* One frame at the start of buf[0..len). AIOT_OK with *used = its length; AIOT_ERR_TRUNC
 * when more bytes are needed (nothing else is wrong so far); AIOT_ERR_NOSPACE when the
 * frame announces more than max_frame octets (the peer's limit, RFC 8323 5.3.1);
 * AIOT_ERR_MALFORMED for anything else. */
int coap_tcp_decode(const uint8_t *buf, size_t len, size_t max_frame, coap_msg *m, size_t *used);

/* Encode m into out; AIOT_OK with *out_len, AIOT_ERR_NOSPACE, or AIOT_ERR_INVAL (tkl > 8,
 * options out of order, an option or payload over 65535 octets). Nothing is written to out
 * unless every check passed. */
int coap_tcp_encode(const coap_msg *m, uint8_t *out, size_t cap, size_t *out_len);

/* Helpers: add an option (in order; AIOT_ERR_NOSPACE / AIOT_ERR_INVAL), find the first
 * option num (NULL), read an unsigned option value (RFC 7252 3.2, at most 4 octets). */
int coap_add_opt(coap_msg *m, uint16_t num, const void *val, size_t len);
const coap_opt *coap_find_opt(const coap_msg *m, uint16_t num);
int coap_opt_uint(const coap_opt *o, uint32_t *v);
/* An unsigned option value in its minimal form (RFC 7252 3.2) into buf[4]; its length. */
size_t coap_uint_bytes(uint32_t v, uint8_t buf[4]);

#endif
