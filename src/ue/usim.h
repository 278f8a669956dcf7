/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A software USIM with MILENAGE (TS 33.102 6.3.3, TS 35.206): the card side of AKA, sans
 * I/O. It owns K, OPc and the sequence-number state of TS 33.102 Annex C.2 (an array of 32
 * SEQ_MS values indexed by IND, the 5 low bits of SQN); the caller owns persistence (copy
 * the struct's seq array to storage after every call that returns AIOT_OK) and the I/O.
 *
 * Given RAND and AUTN = SQN xor AK || AMF || MAC-A (16 octets), aiot_usim_authenticate():
 *   1. recovers SQN with AK = f5(RAND) and checks MAC-A = f1(SQN, RAND, AMF) in constant
 *      time -> AIOT_ERR_MAC (the ME answers "MAC failure"), nothing changes;
 *   2. checks SQN = SEQ || IND is fresh (Annex C.2.2): SEQ > SEQ_MS(IND), and
 *      SEQ - max_i SEQ_MS(i) <= delta (the wrap-around limit of C.3.2) ->
 *      AIOT_USIM_SYNC_FAILURE with AUTS = SQN_MS xor AK* || MAC-S, where SQN_MS is the
 *      highest SEQ accepted with its IND, AK* = f5*(RAND) and MAC-S = f1*(SQN_MS, RAND,
 *      AMF = 0000) (6.3.3); nothing else changes;
 *   3. else stores SEQ_MS(IND) = SEQ and returns AIOT_OK with RES (8 octets), CK and IK.
 * The age limit L of C.3.4 (time-based SQNs only) is not implemented. The AMF separation
 * bit that a 5G ME checks (TS 33.501 6.1.3.2) is the ME's: aiot_usim_amf_is_5g().
 * Freestanding (no libc I/O, no allocation); keys and intermediate values are wiped.
 */
#ifndef AIOT_USIM_H
#define AIOT_USIM_H
#include <stddef.h>
#include <stdint.h>

#include "common/aiot_err.h"
#include "crypto/milenage.h"

#define AIOT_USIM_IND_BITS 5
#define AIOT_USIM_NIND (1u << AIOT_USIM_IND_BITS) /* a = 32 array entries */
#define AIOT_USIM_DELTA_DEFAULT (1ull << 28)      /* TS 33.102 C.3.2 */
#define AIOT_USIM_SYNC_FAILURE AIOT_ERR_REPLAY    /* SQN not fresh: AUTS written */
#define AIOT_AUTN_LEN 16

typedef struct aiot_usim {
	uint8_t k[16], opc[16];
	uint64_t seq_ms[AIOT_USIM_NIND]; /* SEQ_MS(i): 43-bit SEQ last accepted with IND = i */
	uint64_t delta;                  /* largest accepted jump above the highest SEQ_MS */
} aiot_usim;

typedef struct aiot_usim_result {
	uint8_t res[8], ck[16], ik[16]; /* AIOT_OK */
	uint8_t auts[AIOT_AUTS_LEN];    /* AIOT_USIM_SYNC_FAILURE */
} aiot_usim_result;

/* A fresh card: every SEQ_MS(i) = 0 (so the first SQN accepted has SEQ >= 1), delta =
 * AIOT_USIM_DELTA_DEFAULT. */
void aiot_usim_init(aiot_usim *u, const uint8_t k[16], const uint8_t opc[16]);
/* Wipe the keys and state. */
void aiot_usim_clear(aiot_usim *u);

/* The AKA of TS 33.102 6.3.3 as described above. r is written only as described; on
 * AIOT_ERR_MAC or AIOT_ERR_INVAL it is zeroed. */
int aiot_usim_authenticate(aiot_usim *u, const uint8_t rand[16], const uint8_t autn[16],
                           aiot_usim_result *r);

/* SQN_MS: the highest SEQ accepted so far, with its IND (what AUTS carries). */
void aiot_usim_sqn_ms(const aiot_usim *u, uint8_t sqn_ms[6]);

/* 1 if the AMF in AUTN has the separation bit (bit 0 of AMF) set, as 5G requires. */
static inline int aiot_usim_amf_is_5g(const uint8_t autn[16])
{
	return (autn[6] & 0x80) != 0;
}

#endif
