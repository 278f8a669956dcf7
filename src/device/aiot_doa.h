/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device-originated access (DO-A) on the device: what a tag that transmits on its own (energy
 * storage, own carrier) links beside, or instead of, the network-triggered machine of
 * aiot_device.h. Same rules: freestanding, no malloc, no I/O, no clock (sans-I/O: the firmware
 * feeds received PDUs in, sends what comes out, and calls aiot_doa_on_timeout when its own
 * timer for the pending answer expires). Static state: sizeof(aiot_doa) <= 256 bytes.
 *
 * The exchange (docs/protocol.md §3.10, mutual authentication of ISO/IEC 9798-2 shape):
 *   aiot_doa_start       -> M1 {identifier, fresh RAND_d}                   state WAIT_M2
 *   aiot_doa_on_auth_request(M2 {RAND_n, MAC_N}) -> MAC_N verified in constant time
 *                        -> M3 {RES_D, [first Uplink Data, COUNT 0]}        state WAIT_M4
 *   aiot_doa_on_accept(M4, protected, downlink COUNT 0)                     state REGISTERED
 *   aiot_doa_send        -> Uplink Data, uplink COUNT 1, 2, ...
 * Anything else a peer sends (a wrong, replayed, reflected or foreign M2; a forged or replayed
 * M4) is dropped: the call returns AIOT_ERR_*, a counter below goes up, nothing is sent and
 * nothing else changes, so the device keeps waiting for the genuine answer.
 */
#ifndef AIOT_DOA_H
#define AIOT_DOA_H
#include <stddef.h>
#include <stdint.h>
#include "aiot_device.h"
#include "../nas/nas_doa.h"

typedef enum aiot_doa_state {
	AIOT_DOA_IDLE = 0,       /* nothing pending, not registered */
	AIOT_DOA_WAIT_M2 = 1,    /* M1 sent: waiting for the network's proof */
	AIOT_DOA_WAIT_M4 = 2,    /* M3 sent: waiting for the Registration Accept */
	AIOT_DOA_REGISTERED = 3, /* M4 verified: Uplink Data may be sent */
} aiot_doa_state;

#define AIOT_DOA_MAX_TRIES_DEFAULT 4

typedef struct aiot_doa {
	const aiot_device_cfg *cfg; /* perm_id, suite, res_bits, privacy, entropy, key_load,
	                               tid_store (the other callbacks are not used) */
	uint8_t tid[16];
	uint8_t rand_d[16]; /* of the pending M1 */
	uint8_t rand_n[16]; /* of the M2 verified (TID_UPDATE in M4) */
	uint8_t k_int[16];  /* K_AIOT_int / K_AIOT_enc from K_AIOTF, once M2 verified */
	uint8_t k_enc[16];
	uint32_t ul_count;     /* next uplink COUNT (0 went in M3) */
	uint32_t m2_dropped;   /* M2 refused: MAC_N wrong, malformed, reflected, unexpected */
	uint32_t m2_foreign;   /* M2 whose tag is another RAND_d's (another device's) */
	uint32_t m4_dropped;   /* M4 refused: MAC, COUNT, framing, unexpected */
	uint8_t state;         /* aiot_doa_state */
	uint8_t tries;         /* M1 sent in this registration */
	uint8_t max_tries;     /* then aiot_doa_on_timeout gives up */
	uint8_t has_tid;       /* tid holds a T-ID */
	uint8_t id_type;       /* identifier sent in M1: AIOT_NAS_ID_PERM or AIOT_NAS_ID_TID */
	uint8_t tid_rotations; /* TID_UPDATEs applied (saturates at 255) */
} aiot_doa;

/* tid: the T-ID from non-volatile memory (16 bytes) or NULL; max_tries: M1 attempts per
 * registration, 1..255 (0: AIOT_DOA_MAX_TRIES_DEFAULT). cfg must satisfy aiot_device_init. */
int aiot_doa_init(aiot_doa *d, const aiot_device_cfg *cfg, const uint8_t *tid, uint8_t max_tries);

/* Power-up or an event to report: a fresh RAND_d and M1 into out (*out_len octets), state
 * WAIT_M2; any earlier session and its keys are erased. M1 names the device by its T-ID, or
 * by its permanent ID if it has no T-ID. AIOT_ERR_STATE: privacy is on and there is no T-ID;
 * AIOT_ERR_NOSPACE, _CALLBACK (entropy): nothing changes. */
int aiot_doa_start(aiot_doa *d, uint8_t *out, size_t cap, size_t *out_len);

/* The firmware's timer for the pending answer (M2 or M4) expired: a new M1 with a new RAND_d
 * into out, or AIOT_ERR_TIMEOUT after max_tries M1s (state IDLE, keys erased), or
 * AIOT_ERR_STATE if nothing is pending. Back-off between attempts is the firmware's. */
int aiot_doa_on_timeout(aiot_doa *d, uint8_t *out, size_t cap, size_t *out_len);

/* M2: verifies MAC_N (constant time), derives RES_D, K_AIOTF, K_AIOT_int / K_AIOT_enc and
 * writes M3 into out with, if data_len > 0, the first Uplink Data (data_len octets, 1..
 * AIOT_NAS_DOA_M3_MAX_DATA(res_bits / 8); ciphered if cipher) under uplink COUNT 0.
 * Refused M2: AIOT_ERR_MAC / _MALFORMED / ... (m2_dropped + 1) or AIOT_ERR_NOT_ADDRESSED
 * (m2_foreign + 1); caller errors (INVAL, NOSPACE, CALLBACK) change nothing. */
int aiot_doa_on_auth_request(aiot_doa *d, const uint8_t *pdu, size_t len, const uint8_t *data,
                             size_t data_len, int cipher, uint8_t *out, size_t cap,
                             size_t *out_len);

/* M4: accepted only in WAIT_M4, type Registration Accept, downlink COUNT 0, MAC verified
 * under K_AIOT_int; applies TID_UPDATE (a T-ID that cannot be stored is not applied: the
 * network still knows the old one as previous). pdu is deciphered in place. Refused:
 * AIOT_ERR_* and m4_dropped + 1. */
int aiot_doa_on_accept(aiot_doa *d, uint8_t *pdu, size_t len);

/* Uplink Data with the next uplink COUNT (REGISTERED only; data 1..AIOT_NAS_MAX_PAYLOAD). */
int aiot_doa_send(aiot_doa *d, const uint8_t *data, size_t data_len, int cipher, uint8_t *out,
                  size_t cap, size_t *out_len);

/* Erase the session and its keys (state IDLE); the T-ID and the counters stay. */
void aiot_doa_end(aiot_doa *d);

#endif
