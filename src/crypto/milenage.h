/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MILENAGE (TS 35.206): the example authentication and key generation functions f1, f1*,
 * f2, f3, f4, f5 and f5* over AES-128, with the r and c constants of the specification
 * (r1 = 64, r2 = 0, r3 = 32, r4 = 64, r5 = 96; c1 = 0, c2 = 1, c3 = 2, c4 = 4, c5 = 8).
 * Freestanding, constant-time (the reference AES of aes128.h). The caller owns every buffer;
 * intermediate values are wiped before return.
 */
#ifndef AIOT_MILENAGE_H
#define AIOT_MILENAGE_H
#include <stdint.h>

#define AIOT_AUTS_LEN 14

typedef struct aiot_milenage_out {
	uint8_t mac_a[8];   /* f1:  network authentication (MAC-A in AUTN) */
	uint8_t mac_s[8];   /* f1*: re-synchronisation (MAC-S in AUTS) */
	uint8_t res[8];     /* f2:  RES / XRES */
	uint8_t ck[16];     /* f3 */
	uint8_t ik[16];     /* f4 */
	uint8_t ak[6];      /* f5:  anonymity key for SQN in AUTN */
	uint8_t ak_star[6]; /* f5*: anonymity key for SQN_MS in AUTS */
} aiot_milenage_out;

/* OPc = OP xor E_K(OP) (TS 35.206 4.1). */
void aiot_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16]);

/* Every output of MILENAGE for one (K, OPc, RAND, SQN, AMF). f2..f5* do not depend on SQN
 * and AMF. */
void aiot_milenage(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
                   const uint8_t sqn[6], const uint8_t amf[2], aiot_milenage_out *out);

/* The network side of re-synchronisation (TS 33.102 6.3.5): from AUTS = SQN_MS xor AK* ||
 * MAC-S (14 octets) recover SQN_MS with f5*(RAND) and check MAC-S = f1*(SQN_MS, RAND,
 * AMF = 0000) in constant time. AIOT_OK and sqn_ms written, or AIOT_ERR_MAC. */
int aiot_milenage_auts(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
                       const uint8_t auts[14], uint8_t sqn_ms[6]);

#endif
