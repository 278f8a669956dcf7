/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated air interface between an NG-RAN reader and AIoT devices (docs/protocol.md
 * §5). One frame per UDP datagram, < AIR_MAX_FRAME octets:
 *
 *   version(1) = 1 | type(1) | session(4, the reader's inventory session) | body
 *
 * R2D (reader -> devices): PAGING, ACK, COMMAND, RELEASE. D2R (medium -> reader): SLOT,
 * ROUND_END, COMMAND_RESP. Device-originated access (DO-A, §5.7): the reader opens access
 * rounds (DOA_OPEN) in which devices with something to send contend for slots; the medium
 * reports each non-empty slot (DOA_SLOT: the uplink NAS PDU, or a collision) and the round's
 * counts (ROUND_END); the reader answers a device by its handle (DOA_DOWNLINK) and tells
 * those it has read to stop retrying (ACK). The process simulating the devices is the radio medium:
 * it runs the slotted random access and reports each slot's outcome (TS 33.369 5.2.2 steps 3-5 run
 * inside it). AIoT NAS PDUs travel as opaque octet strings (docs/protocol.md §3).
 *
 * Sans-I/O codec: encoders write into a caller buffer and validate every field first;
 * decoders point into the input (no copies, no allocation) and return AIOT_ERR_* on any
 * truncated, oversized, unknown or non-canonical input. Every frame has exactly one valid
 * encoding.
 */
#ifndef AIOT_AIR_H
#define AIOT_AIR_H
#include <stddef.h>
#include <stdint.h>

#define AIR_VERSION 1
#define AIR_HDR_LEN 6
#define AIR_MAX_FRAME 1400      /* every frame fits one loopback/Ethernet datagram */
#define AIR_MAX_Q 18            /* frame size 2^Q slots, Q 0..18 */
#define AIR_SHORT_Q 15          /* Q <= 15: 2-octet slot numbers and counts (§5.2) */
#define AIR_MAX_IDENT_BITS 1024 /* NGAP singleDevice / groupDevices BIT STRING (1..1024) */
#define AIR_MAX_NAS 256         /* AIOT_NAS_MAX_PDU */
#define AIR_MAX_ACK 300         /* handles in one ACK: 6 + 2 + 4 * 300 = 1208 octets */

typedef enum air_type {
	AIR_PAGING = 0x01,       /* R2D: round, Q, identification, RAND_AIOT_n */
	AIR_ACK = 0x02,          /* R2D: handles read successfully; they stay silent */
	AIR_COMMAND = 0x03,      /* R2D: handle, Command Request NAS PDU */
	AIR_RELEASE = 0x04,      /* R2D: the session ends; devices forget it */
	AIR_DOA_OPEN = 0x05,     /* R2D: a DO-A access round: round, Q */
	AIR_DOA_DOWNLINK = 0x06, /* R2D: handle, DO-A downlink NAS PDU (M2, M4) */
	AIR_SLOT = 0x81,         /* D2R: one non-empty slot: SINGLE (handle + NAS) or COLLISION */
	AIR_ROUND_END = 0x82,    /* D2R: the round's slot counts */
	AIR_COMMAND_RESP = 0x83, /* D2R: handle, Command Response NAS PDU */
	AIR_DOA_SLOT = 0x84,     /* D2R: a non-empty DO-A slot, as SLOT (uplink NAS PDU) */
} air_type;

/* Identification information of a paging (NGAP AIoT-DeviceIdentificationRequested). */
enum { AIR_IDENT_SINGLE = 0, AIR_IDENT_GROUP = 1, AIR_IDENT_ALL = 2 };
/* Outcome of a slot. */
enum { AIR_SLOT_SINGLE = 1, AIR_SLOT_COLLISION = 2 };

typedef struct air_frame {
	uint8_t type; /* air_type */
	uint32_t session;
	union {
		struct {
			uint16_t round;
			uint8_t q;            /* 0..AIR_MAX_Q */
			uint8_t kind;         /* AIR_IDENT_* */
			uint16_t ident_bits;  /* 0 for ALL; SINGLE 8..1024 (whole octets);
			                         GROUP 1..1024 */
			const uint8_t *ident; /* ceil(ident_bits / 8) octets, unused low bits 0 */
			uint8_t rand_n[16];   /* RAND_AIOT_n (TS 33.369 5.2.2 step 3) */
		} paging;
		struct {
			uint16_t n;              /* 1..AIR_MAX_ACK */
			const uint32_t *handles; /* encode: n handles */
			const uint8_t *raw; /* decode: 4n octets, big-endian (air_ack_handle) */
		} ack;
		struct { /* AIR_DOA_OPEN */
			uint16_t round;
			uint8_t q; /* 2^q slots, q 0..AIR_MAX_Q */
		} doa_open;
		struct { /* AIR_COMMAND, AIR_COMMAND_RESP, AIR_DOA_DOWNLINK */
			uint32_t handle;
			const uint8_t *nas;
			uint16_t nas_len; /* 1..AIR_MAX_NAS */
		} cmd;
		struct { /* AIR_SLOT, AIR_DOA_SLOT */
			uint16_t round;
			uint32_t slot;       /* < 2^AIR_MAX_Q: 2 octets below 2^15, else 4 */
			uint8_t outcome;     /* AIR_SLOT_* */
			uint32_t handle;     /* SINGLE */
			const uint8_t *nas;  /* SINGLE: the Inventory Response (DO-A: uplink PDU) */
			uint16_t nas_len;    /* SINGLE: 1..AIR_MAX_NAS */
			uint16_t ncolliding; /* COLLISION: >= 2 */
		} slot;
		struct {
			uint16_t round;
			uint8_t q;
			uint32_t empty, single, collided; /* sum = 2^q; 2 octets each if
			                                     q <= AIR_SHORT_Q, else 4 */
		} round_end;
	} u;
} air_frame;

/* Returns bytes written (> 0), AIOT_ERR_INVAL (a field out of range; nothing written) or
 * AIOT_ERR_NOSPACE. */
int air_encode(const air_frame *f, uint8_t *out, size_t cap);
/* Returns AIOT_OK or AIOT_ERR_TRUNC / _UNKNOWN / _MALFORMED; pointers in f point into buf. */
int air_decode(const uint8_t *buf, size_t len, air_frame *f);
/* Handle i (< f->u.ack.n) of a decoded ACK. */
uint32_t air_ack_handle(const air_frame *f, size_t i);
const char *air_type_name(uint8_t type);

#endif
