/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device's credential interface: the one way the device library reaches K_AIOT_root.
 *   soft: aiot_device_cfg.cred == NULL. The library loads the key through cfg->key_load for
 *         each operation, derives, and wipes its copy (as it always did).
 *   card: aiot_device_cfg.cred != NULL. Every derivation keyed with K_AIOT_root is answered
 *         by the credential holder (a UICC's AIoT application through PC/SC, src/pcsc; an
 *         HSM), which returns only what the device needs, as a USIM returns RES, CK and IK:
 *         RES_AIOT and K_AIOTF, RES_D and K_AIOTF once MAC_N verified, the next T-ID. The
 *         library derives K_AIOT_int / K_AIOT_enc from K_AIOTF itself; cfg->key_load is not
 *         used (it may be NULL). cfg->suite must be the card's suite (it keys those
 *         derivations and the NAS protection).
 * Calls are synchronous and use cfg->user. Each returns AIOT_OK; AIOT_ERR_MAC (doa only:
 * MAC_N did not verify on the card, nothing written); or AIOT_ERR_CALLBACK (card absent,
 * removed, refused, or an answer that does not parse). On any error the outputs are zeroed
 * and the state machines change nothing (the same rule as a failing key_load).
 */
#ifndef AIOT_CRED_H
#define AIOT_CRED_H
#include <stdint.h>
#include "../crypto/aiot_fc.h"

typedef struct aiot_cred_ops {
	/* TS 33.369 5.2.2 step 4: RES_AIOT (res_octets = res_bits / 8 octets into res) and
	 * K_AIOTF (A.3) from K_AIOT_root, RAND_n and RAND_d. */
	int (*inventory)(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
	                 uint8_t res_octets, uint8_t *res, uint8_t k_aiotf[AIOT_KAIOTF_LEN]);
	/* DO-A M2 (docs/protocol.md §3.10): MAC_N over RAND_n, RAND_d and id (the identifier
	 * the device sent in M1, 1..AIOT_NAS_MAX_ID_LEN octets) checked in constant time on the
	 * card; only then RES_D (res_octets) and K_AIOTF. */
	int (*doa)(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
	           const uint8_t *id, uint8_t id_len, const uint8_t mac_n[AIOT_MACN_LEN],
	           uint8_t res_octets, uint8_t *res_d, uint8_t k_aiotf[AIOT_KAIOTF_LEN]);
	/* TID_UPDATE: the next T-ID from K_AIOT_root and the session's RANDs (FC AIOT_FC_TID). */
	int (*next_tid)(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
	                uint8_t tid[AIOT_TID_LEN]);
} aiot_cred_ops;

#endif
