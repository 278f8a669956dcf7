/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AIoT NAS messages of device-originated access (DO-A, docs/protocol.md §3.10): our own
 * format, no 3GPP text exists. Same rules as nas.h: sans-I/O, decoders point into the input
 * and accept exactly one encoding of each message, every error is an AIOT_ERR_* code.
 * Message type codes: nas.h (AIOT_NAS_DOA_*, AIOT_NAS_UPLINK_DATA).
 *
 *   M1 Registration Request:   0x04 | idtype(2) 000000 | RAND_d(16) | [PERM: len(1..128)] id
 *   M2 Authentication Request: 0x05 | RAND tag(2) = RAND_d[0..1] | RAND_n(16) | MAC_N(8)
 *   M3 Authentication Response: 0x06 | rescode(2) 000000 | RES_D(4/8/12/16)
 *                               | [an Uplink Data PDU with COUNT 0, to the end]
 *   M4 Registration Accept:    security header (nas.h), type 0x07, downlink COUNT 0,
 *                              payload = one octet: T(1) 0000000 (T: TID_UPDATE)
 *   Uplink Data:               security header, type 0x08, uplink COUNT 0 (in M3), 1, 2, ...
 *                              payload = application data, 1..246 octets
 */
#ifndef AIOT_NAS_DOA_H
#define AIOT_NAS_DOA_H
#include <stddef.h>
#include <stdint.h>
#include "nas.h"

/* Layout constants, for the device's in-place builds (docs/protocol.md §3.10). */
#define AIOT_NAS_DOA_FLAGS_SHIFT 6   /* octet 1 bits 7-6: identifier type / RES_D code */
#define AIOT_NAS_DOA_M1_RAND_OFF 2   /* RAND_d */
#define AIOT_NAS_DOA_M1_ID_OFF 18    /* PERM: length octet, then the identifier; T-ID */
#define AIOT_NAS_DOA_M1_MAX_LEN 147  /* 19 + 128 */
#define AIOT_NAS_DOA_M2_TAG_OFF 1    /* RAND_d's first AIOT_NAS_RAND_TAG_LEN octets */
#define AIOT_NAS_DOA_M2_RANDN_OFF 3  /* RAND_n */
#define AIOT_NAS_DOA_M2_MACN_OFF 19  /* MAC_N */
#define AIOT_NAS_DOA_M2_LEN 27       /* fixed */
#define AIOT_NAS_DOA_M3_RES_OFF 2    /* RES_D, then the optional Uplink Data PDU */
#define AIOT_NAS_DOA_ACCEPT_TID 0x80 /* M4 payload bit 7: TID_UPDATE */
#define AIOT_NAS_DOA_ACCEPT_LEN 1    /* M4 payload length */
#define AIOT_NAS_DOA_M4_LEN (AIOT_NAS_SEC_HDR_LEN + AIOT_NAS_DOA_ACCEPT_LEN)
/* Octet 1 of M1 (identifier type) and M3 (RES_D length code: res_len / 4 - 1). */
#define AIOT_NAS_DOA_M1_FLAGS(id_type) ((uint8_t)((unsigned)(id_type) << AIOT_NAS_DOA_FLAGS_SHIFT))
#define AIOT_NAS_DOA_M3_FLAGS(res_len)                                                             \
	((uint8_t)(((unsigned)(res_len) / 4u - 1u) << AIOT_NAS_DOA_FLAGS_SHIFT))
/* Application data in the Uplink Data inside an M3 with RES_D of r octets (M3 <= 256). */
#define AIOT_NAS_DOA_M3_MAX_DATA(r)                                                                \
	(AIOT_NAS_MAX_PDU - AIOT_NAS_DOA_M3_RES_OFF - (r)-AIOT_NAS_SEC_HDR_LEN)

/* M1: the identifier (T-ID, or the permanent ID of a device that has none) and RAND_d. */
typedef struct aiot_nas_doa_reg_request {
	aiot_nas_id_type id_type; /* AIOT_NAS_ID_PERM or AIOT_NAS_ID_TID (never NONE) */
	const uint8_t *id;        /* points into the decoded buffer (or caller data) */
	uint8_t id_len;           /* 16 for TID, 1..128 for PERM */
	uint8_t rand_d[16];
} aiot_nas_doa_reg_request;

/* M2: RAND_n and MAC_N, behind the tag of the RAND_d it answers. */
typedef struct aiot_nas_doa_auth_request {
	uint8_t rand_tag[AIOT_NAS_RAND_TAG_LEN];
	uint8_t rand_n[16];
	uint8_t mac_n[8]; /* AIOT_MACN_LEN */
} aiot_nas_doa_auth_request;

/* M3: RES_D and, optionally, the first Uplink Data PDU (protected, uplink COUNT 0). */
typedef struct aiot_nas_doa_auth_response {
	uint8_t res_d[16];
	uint8_t res_len;     /* 4, 8, 12 or 16 */
	const uint8_t *data; /* the whole Uplink Data PDU, pointing into the buffer; NULL if none */
	size_t data_len;     /* 0 if none, else 11..256 - 2 - res_len */
} aiot_nas_doa_auth_response;

/* M4's plain payload. */
typedef struct aiot_nas_doa_accept {
	uint8_t tid_update; /* 0 or 1: derive and store the next T-ID (FC AIOT_FC_TID) */
} aiot_nas_doa_accept;

/* Encoders return the number of octets written (> 0) or AIOT_ERR_* (nothing written);
 * decoders AIOT_OK or AIOT_ERR_* (docs/protocol.md §3.9). */
int aiot_nas_encode_doa_reg_request(const aiot_nas_doa_reg_request *m, uint8_t *out, size_t cap);
int aiot_nas_decode_doa_reg_request(const uint8_t *buf, size_t len, aiot_nas_doa_reg_request *m);

int aiot_nas_encode_doa_auth_request(const aiot_nas_doa_auth_request *m, uint8_t *out, size_t cap);
int aiot_nas_decode_doa_auth_request(const uint8_t *buf, size_t len, aiot_nas_doa_auth_request *m);

/* m->data may already sit at out + AIOT_NAS_DOA_M3_RES_OFF + res_len (in-place build). The
 * decoder checks the Uplink Data's framing (type 0x08, COUNT 0), not its MAC. */
int aiot_nas_encode_doa_auth_response(const aiot_nas_doa_auth_response *m, uint8_t *out,
                                      size_t cap);
int aiot_nas_decode_doa_auth_response(const uint8_t *buf, size_t len,
                                      aiot_nas_doa_auth_response *m);

/* M4's plain payload (inside the security header, after aiot_nas_unprotect). */
int aiot_nas_encode_doa_accept(const aiot_nas_doa_accept *m, uint8_t *out, size_t cap);
int aiot_nas_decode_doa_accept(const uint8_t *buf, size_t len, aiot_nas_doa_accept *m);

#endif
