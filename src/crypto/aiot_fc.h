/* SPDX-License-Identifier: Apache-2.0 */
/*
 * THE table of AIoT key-derivation constants.
 *
 * TS 33.369 Annex A (A.2 RES_AIOT/XRES_AIOT, A.3 K_AIOTF, ...) could not be read, so every
 * FC value, algorithm identifier and truncation rule below is PROVISIONAL (docs/protocol.md
 * §2). This header is the only place in the tree that may spell them out:
 * code, tests and tools take them from here (tests/cli/ reads this file to get them).
 */
#ifndef AIOT_FC_H
#define AIOT_FC_H

/* FC values: first octet of S in the generic KDF (TS 33.220 Annex B.2). */
#define AIOT_FC_RES 0xA0    /* RES_AIOT / XRES_AIOT (33.369 A.2, provisional) */
#define AIOT_FC_KAIOTF 0xA1 /* K_AIOTF (33.369 A.3, provisional) */
#define AIOT_FC_ALGKEY 0xA2 /* K_AIOT_enc / K_AIOT_int, keyed with K_AIOTF (provisional) */
#define AIOT_FC_TID 0xA3    /* next T-ID (identifier privacy, provisional) */
/* Device-originated access (DO-A, docs/protocol.md): P0 = RAND_n, P1 = RAND_d, P2 = the
 * identifier the device sent in its Registration Request (T-ID, or permanent ID). */
#define AIOT_FC_MACN 0xA4 /* MAC_N, the network's proof in M2 (ours, no 3GPP text) */
#define AIOT_FC_RESD 0xA5 /* RES_D / XRES_D, the device's proof in M3 (ours) */

/* Lengths of the RAND parameters in S: P0 = RAND_AIOT_n, P1 = RAND_AIOT_d, L = 0x0010. */
#define AIOT_RAND_LEN 16

/* Algorithm type distinguisher, P0 of the 0xA2 derivation (cf. TS 33.501 A.8). */
#define AIOT_ALG_TYPE_ENC 0x01
#define AIOT_ALG_TYPE_INT 0x02

/* Algorithm identities, P1 of the 0xA2 derivation (cf. TS 33.501 5.11.1). */
#define AIOT_ALG_ID_NULL 0x00
#define AIOT_ALG_ID_NEA2 0x02 /* 128-NEA2, AES-CTR */
#define AIOT_ALG_ID_NIA2 0x02 /* 128-NIA2, AES-CMAC */

/*
 * Truncation: every output is the LAST n bytes of the PRF output (the least significant
 * bits, as in TS 33.501 A.18). The PRF output is 32 bytes for suite 3gpp (HMAC-SHA-256)
 * and 16 bytes for suite aes (AES-128-CMAC).
 */
#define AIOT_RES_BITS_DEFAULT 64 /* L: 32, 64, 96 or 128, per device profile */
#define AIOT_RES_BITS_VALID(b) ((b) == 32 || (b) == 64 || (b) == 96 || (b) == 128)
#define AIOT_KAIOTF_LEN 16
#define AIOT_ALGKEY_LEN 16
#define AIOT_TID_LEN 16
#define AIOT_MACN_LEN 8 /* MAC_N: the last 8 octets */
/* RES_D: the last L/8 octets, L from the device profile as for RES_AIOT (AIOT_RES_BITS_*) */
#define AIOT_DOA_ID_MAX 128 /* P2: an identifier of 1..1024 bits, whole octets */

/* 128-NIA2 MAC length carried in AIoT NAS (TS 33.401 B.2.3: the first 32 bits of the CMAC). */
#define AIOT_NIA2_MAC_LEN 4

/* NIA2/NEA2 inputs for AIoT NAS (docs/protocol.md §2). */
#define AIOT_NAS_BEARER 0
#define AIOT_DIR_UPLINK 0   /* device -> network */
#define AIOT_DIR_DOWNLINK 1 /* network -> device */

/* 5G AKA and AKMA (aka5g.h): FC values of TS 33.501 Annex A and TS 33.535 Annex A (these
 * are 3GPP's, not provisional). */
#define AIOT_FC_KAUSF 0x6A    /* K_AUSF (33.501 A.2) */
#define AIOT_FC_RES_STAR 0x6B /* RES* / XRES* (33.501 A.4) */
#define AIOT_FC_KAKMA 0x80    /* K_AKMA (33.535 A.2) */
#define AIOT_FC_ATID 0x81     /* A-TID (33.535 A.3) */
#define AIOT_FC_KAF 0x82      /* K_AF (33.535 A.4) */
#define AIOT_FC_KSEAF 0x6C    /* K_SEAF (33.501 A.6), P0 = serving network name */

#endif
