/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AIoT NAS messages (the project's own compact format: TS 24.369 could not be read).
 * Bit-by-bit layout: docs/protocol.md §3. Sans-I/O: encoders write into caller buffers,
 * decoders point into the input buffer (no copies, no allocation) and return AIOT_ERR_* for
 * every truncated, oversized, unknown or inconsistent input. Freestanding.
 *
 * Message types (octet 0):
 *   0x01 Inventory Response   D2R, plain: RES_AIOT, RAND_AIOT_d, optional identifier
 *   0x02 Command Request      network -> device, protected: COUNT, MAC, [ciphered] command
 *   0x03 Command Response     device -> network, protected: COUNT, MAC, [ciphered] result
 *   0x04-0x08                 device-originated access (DO-A): nas_doa.h
 * The protected messages carry a security header: flags (bit 7 = ciphered), COUNT (32 bits,
 * big-endian) and a 32-bit 128-NIA2 MAC. The MAC covers octets 0-1 and everything after the
 * MAC (the possibly ciphered payload); COUNT enters NIA2 as its COUNT input.
 *
 *   Inventory Response: type | idtype(2) rescode(2) 0000 | RAND tag(2) | RAND_AIOT_d(16)
 *                       | RES(4/8/12/16) | [PERM: len(1..128) id] | [T-ID: 16] -- nothing may
 *                       follow. The RAND tag (our extension, not TS 33.369) is the first two
 *                       octets of the paging's RAND_AIOT_n: readers and the AIOTF drop answers
 *                       to pagings they did not send (5.2.2 NOTE 2) before any ADM call.
 *   Protected:          type | C 0000000 | COUNT(4) | MAC(4) | payload(1..246, to the end)
 *   Command payload:    cmd | READ/WRITE: offset(2) length(1, 1..200) [WRITE: data]
 *   Result payload:     cmd | status | [READ+SUCCESS: length(1, 1..200) data]
 * Every message has exactly one valid encoding: decode then encode gives the input back.
 */
#ifndef AIOT_NAS_H
#define AIOT_NAS_H
#include <stddef.h>
#include <stdint.h>

#define AIOT_NAS_INVENTORY_RESPONSE 0x01
#define AIOT_NAS_COMMAND_REQUEST 0x02
#define AIOT_NAS_COMMAND_RESPONSE 0x03
/* DO-A (docs/protocol.md §3.10, nas_doa.h); 0x07 and 0x08 carry the security header. */
#define AIOT_NAS_DOA_REG_REQUEST 0x04   /* M1, device -> network, plain */
#define AIOT_NAS_DOA_AUTH_REQUEST 0x05  /* M2, network -> device, plain (MAC_N) */
#define AIOT_NAS_DOA_AUTH_RESPONSE 0x06 /* M3, device -> network, RES_D [+ Uplink Data] */
#define AIOT_NAS_DOA_REG_ACCEPT 0x07    /* M4, network -> device, protected, COUNT 0 */
#define AIOT_NAS_UPLINK_DATA 0x08       /* device -> network, protected, COUNT 0 (in M3), 1, 2.. */

#define AIOT_NAS_MAX_ID_LEN 128 /* identifier: 1..1024 bits as in NGAP, whole octets here */
#define AIOT_NAS_MAX_DATA 200   /* user-memory bytes in one READ/WRITE */
#define AIOT_NAS_MAX_PDU 256    /* NGAP estimateofExpectedD2RMsgSize 1..256 */
#define AIOT_NAS_SEC_HDR_LEN 10 /* type, flags, COUNT(4), MAC(4) */
#define AIOT_NAS_MAX_PAYLOAD (AIOT_NAS_MAX_PDU - AIOT_NAS_SEC_HDR_LEN) /* 1..246 */
#define AIOT_NAS_RAND_TAG_LEN 2
#define AIOT_NAS_INV_RESP_MAX_LEN                                                                  \
	(2 + AIOT_NAS_RAND_TAG_LEN + 16 + 16 + 1 + AIOT_NAS_MAX_ID_LEN) /* 165 */

/* Inventory Response layout (docs/protocol.md §3.2), for the device's in-place build. */
#define AIOT_NAS_INV_TAG_OFF 2  /* RAND tag: RAND_AIOT_n's first AIOT_NAS_RAND_TAG_LEN octets */
#define AIOT_NAS_INV_RAND_OFF 4 /* RAND_AIOT_d */
#define AIOT_NAS_INV_RES_OFF 20 /* RES_AIOT, then the identifier */
/* Octet 1: identifier type (bits 7-6), RES length code (bits 5-4: res_len / 4 - 1). */
#define AIOT_NAS_INV_ID_SHIFT 6
#define AIOT_NAS_INV_RES_SHIFT 4
#define AIOT_NAS_INV_FLAGS(id_type, res_len)                                                       \
	((uint8_t)((unsigned)(id_type) << AIOT_NAS_INV_ID_SHIFT | ((unsigned)(res_len) / 4u - 1u)  \
	                                                              << AIOT_NAS_INV_RES_SHIFT))

/* Identifier presented in an Inventory Response. */
typedef enum aiot_nas_id_type {
	AIOT_NAS_ID_NONE = 0, /* the paging named the device; no identifier needed */
	AIOT_NAS_ID_PERM = 1, /* AIoT Device Permanent Identifier (TS 23.003 31.2) */
	AIOT_NAS_ID_TID = 2,  /* temporary identifier, 16 bytes */
} aiot_nas_id_type;

typedef struct aiot_nas_inventory_response {
	uint8_t rand_tag[AIOT_NAS_RAND_TAG_LEN]; /* of the RAND_AIOT_n answered */
	uint8_t rand_d[16];
	uint8_t res[16];
	uint8_t res_len; /* 4, 8, 12 or 16 */
	aiot_nas_id_type id_type;
	const uint8_t *id; /* points into the decoded buffer (or caller data when encoding) */
	uint8_t id_len;    /* 0 for NONE, 16 for TID, 1..128 for PERM */
} aiot_nas_inventory_response;

/* Commands (TS 23.369 5.2.2: Read, Write, Disable) and privacy. */
typedef enum aiot_nas_cmd {
	AIOT_CMD_READ = 0x01,       /* offset(2) length(1) */
	AIOT_CMD_WRITE = 0x02,      /* offset(2) length(1) data(length) */
	AIOT_CMD_DISABLE = 0x03,    /* permanent disable, no parameters */
	AIOT_CMD_TID_UPDATE = 0x04, /* rotate the T-ID (device derives it, FC AIOT_FC_TID) */
} aiot_nas_cmd;

/* Result status in a Command Response; mirrors the per-device fail causes of TS 29.569. */
typedef enum aiot_nas_status {
	AIOT_ST_SUCCESS = 0x00,
	AIOT_ST_PARAMS_INVALID = 0x01, /* COMMAND_TYPE_SPECIFIC_PARAMETERS_INVALID */
	AIOT_ST_ERROR_UNSPECIFIED = 0x02,
	AIOT_ST_LOW_ENERGY = 0x03,
	AIOT_ST_INVALID_MANDATORY = 0x04, /* INVALID_MANDATORY_INFORMATION */
	AIOT_ST_NOT_IMPLEMENTED = 0x05,   /* MESSAGE_TYPE_NON_EXISTENT_OR_NOT_IMPLEMENTED */
} aiot_nas_status;

/* Plain command payload, carried inside a Command Request. */
typedef struct aiot_nas_command {
	aiot_nas_cmd cmd;
	uint16_t offset;     /* READ/WRITE */
	uint8_t length;      /* READ/WRITE, <= AIOT_NAS_MAX_DATA */
	const uint8_t *data; /* WRITE: length bytes */
} aiot_nas_command;

/* Plain result payload, carried inside a Command Response. */
typedef struct aiot_nas_result {
	aiot_nas_cmd cmd; /* echoes the command */
	aiot_nas_status status;
	const uint8_t *data; /* READ with SUCCESS: data_len bytes, else NULL */
	uint8_t data_len;
} aiot_nas_result;

/* A protected message as seen on the wire (before or after integrity/cipher processing). */
typedef struct aiot_nas_protected {
	uint8_t type;     /* COMMAND_REQUEST, _RESPONSE, DOA_REG_ACCEPT or UPLINK_DATA */
	uint8_t ciphered; /* 0 or 1 */
	uint32_t count;
	uint8_t mac[4];
	const uint8_t *payload; /* points into the buffer */
	size_t payload_len;
} aiot_nas_protected;

/* Returns the type octet of a PDU, or AIOT_ERR_TRUNC / AIOT_ERR_UNKNOWN. */
int aiot_nas_peek_type(const uint8_t *buf, size_t len);

/* Encoders return the number of bytes written (> 0) or AIOT_ERR_*. */
int aiot_nas_encode_inventory_response(const aiot_nas_inventory_response *m, uint8_t *out,
                                       size_t cap);
int aiot_nas_decode_inventory_response(const uint8_t *buf, size_t len,
                                       aiot_nas_inventory_response *m);
/* 1 if buf is an Inventory Response whose RAND tag is that of rand_n (a paging we sent),
 * else 0. A filter, not authentication: anyone who heard the paging can copy the tag. */
int aiot_nas_inv_answers(const uint8_t *buf, size_t len, const uint8_t rand_n[16]);

int aiot_nas_encode_command(const aiot_nas_command *c, uint8_t *out, size_t cap);
int aiot_nas_decode_command(const uint8_t *buf, size_t len, aiot_nas_command *c);

int aiot_nas_encode_result(const aiot_nas_result *r, uint8_t *out, size_t cap);
int aiot_nas_decode_result(const uint8_t *buf, size_t len, aiot_nas_result *r);

/* Security header framing only (no crypto): writes header + payload copy, MAC as given.
 * p->payload may already sit at out + AIOT_NAS_SEC_HDR_LEN (in-place build). Decoding does
 * not check the MAC; the payload runs to the end of buf (1..AIOT_NAS_MAX_PAYLOAD octets). */
int aiot_nas_encode_protected(const aiot_nas_protected *p, uint8_t *out, size_t cap);
int aiot_nas_decode_protected(const uint8_t *buf, size_t len, aiot_nas_protected *p);

#endif
