/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network side of a DO-A exchange (docs/protocol.md §3.10; DESIGN of MAC_N / RES_D) for
 * tests, written independently of src/device and src/aiotf on the crypto and NAS codecs:
 * M1 -> M2, M3 checked (RES_D, keys, first data), M4, Uplink Data checked (MAC, COUNT
 * growing). The ADM's part (RAND_n, MAC_N, XRES_D) is done locally with the device's key,
 * a test shortcut. Used by tests/tools/doa_aiotf_peer.c and tests/unit/test_sim_doa.c.
 * Ownership: the caller's doa_net_dev holds key material; doa_net_clear zeroises it.
 */
#ifndef AIOT_TEST_DOA_NET_H
#define AIOT_TEST_DOA_NET_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/backend.h"
#include "crypto/kdf.h"
#include "nas/nas.h"

typedef struct doa_net_dev {
	/* The device (devices.jsonl). */
	uint8_t key[32];
	uint8_t key_len;
	aiot_suite suite;
	uint8_t res_bits;
	/* The exchange. */
	uint8_t rand_n[16], rand_d[16];
	uint8_t id[AIOT_NAS_MAX_ID_LEN];
	uint8_t id_len;
	uint8_t k_int[16], k_enc[16];
	uint8_t keyed;    /* M3 verified: k_int / k_enc valid */
	uint32_t ul_next; /* lowest uplink COUNT accepted next */
} doa_net_dev;

/* The identifier an M1 names (id_type AIOT_NAS_ID_PERM or _TID): AIOT_OK or AIOT_ERR_*. */
int doa_net_m1_id(const uint8_t *m1, size_t len, uint8_t *id_type, uint8_t *id, uint8_t *id_len);
/* M1 of the device d: a new exchange with rand_n (16 octets, the caller's), M2 into out
 * (AIOT_NAS_DOA_M2_LEN). Returns the length or AIOT_ERR_*. */
int doa_net_m2(const aiot_backend *be, doa_net_dev *d, const uint8_t *m1, size_t len,
               const uint8_t rand_n[16], uint8_t *out);
/* M3: RES_D compared with XRES_D in constant time, then the keys; the first data (if any,
 * deciphered in place, uplink COUNT 0) in *data / *data_len (0 when none). AIOT_OK or
 * AIOT_ERR_MAC (wrong RES_D or data MAC) / _MALFORMED. */
int doa_net_m3(const aiot_backend *be, doa_net_dev *d, uint8_t *m3, size_t len,
               const uint8_t **data, size_t *data_len);
/* M4 (Registration Accept, downlink COUNT 0, ciphered) into out; its length or AIOT_ERR_*. */
int doa_net_m4(const aiot_backend *be, const doa_net_dev *d, uint8_t *out, size_t cap);
/* Uplink Data: MAC verified, COUNT >= ul_next (then ul_next = COUNT + 1), deciphered in
 * place. AIOT_OK, AIOT_ERR_MAC, AIOT_ERR_REPLAY or AIOT_ERR_STATE (not keyed). */
int doa_net_uplink(const aiot_backend *be, doa_net_dev *d, uint8_t *pdu, size_t len,
                   const uint8_t **data, size_t *data_len);
void doa_net_clear(doa_net_dev *d);

#endif
