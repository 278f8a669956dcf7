/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The APDUs of our virtual AIoT-UICC (docs/protocol.md §7), one table shared by the card
 * (src/uicc: aiot-uicc) and the host (src/uicc/uicc_cmd.c, src/pcsc). ISO/IEC 7816-4
 * framing; the USIM application follows TS 31.102 and ETSI TS 102 221; the AIoT application
 * is ours, shaped like USIM AUTHENTICATE (TS 31.102 7.1.2): LV-coded inputs, a 'DB'-tagged
 * answer of LV-coded outputs, '9862' when the network's proof fails.
 */
#ifndef AIOT_UICC_APDU_H
#define AIOT_UICC_APDU_H
#include <stdint.h>

/* Application identifiers (ISO/IEC 7816-4 8.2.1.2). SELECT by DF name matches a prefix
 * (P2 '00' first or only occurrence), so the 7-octet USIM prefix selects the USIM. */
#define UICC_AID_USIM_PREFIX 0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02 /* ETSI RID, USIM */
#define UICC_AID_USIM_PREFIX_LEN 7
#define UICC_AID_USIM UICC_AID_USIM_PREFIX, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0x00, 0x00, 0x01, 0x00
#define UICC_AID_USIM_LEN 16
/* 'F' first nibble: a proprietary, unregistered AID (ISO/IEC 7816-5); "AIOT", version 1. */
#define UICC_AID_AIOT 0xF0, 0x41, 0x49, 0x4F, 0x54, 0x01
#define UICC_AID_AIOT_LEN 6

/* Classes and instructions. */
#define UICC_CLA_ISO 0x00  /* SELECT, READ BINARY, GET RESPONSE, USIM AUTHENTICATE */
#define UICC_CLA_AIOT 0x80 /* proprietary class: the AIoT application's AUTHENTICATE */
#define UICC_INS_SELECT 0xA4
#define UICC_INS_READ_BINARY 0xB0
#define UICC_INS_GET_RESPONSE 0xC0
#define UICC_INS_AUTHENTICATE 0x88

/* SELECT P1: '04' by DF name (AID); '00' by file identifier (EF_IMSI under the ADF USIM).
 * P2 '04' (return FCP) or '0C' (no response data) are accepted. */
#define UICC_SELECT_BY_AID 0x04
#define UICC_SELECT_BY_FID 0x00
#define UICC_FID_EF_IMSI 0x6F07 /* TS 31.102 4.2.2: 9 octets, length then BCD digits */
#define UICC_FID_MF 0x3F00      /* ETSI TS 102 221 8.3: selecting it leaves any application */
/* Under the ADF AIoT (ours): the permanent identifier aiotDevPermId, 1..128 octets, as is. */
#define UICC_FID_EF_AIOT_ID 0x6F01
#define UICC_EF_IMSI_LEN 9

/* USIM AUTHENTICATE (TS 31.102 7.1.2.1): P1 '00', P2 '81' (3G/5G context), data
 * '10' RAND '10' AUTN. Answer 'DB' '08' RES '10' CK '10' IK (no Kc), or 'DC' '0E' AUTS on a
 * synchronisation failure; SW '9862' on a MAC failure. */
#define UICC_USIM_P2_3G 0x81
#define UICC_TAG_SUCCESS 0xDB
#define UICC_TAG_SYNC_FAIL 0xDC

/* AIoT AUTHENTICATE: CLA '80', INS '88', P1 = the RES length in octets (4, 8, 12 or 16;
 * '00' for NEXT_TID), P2 = the operation.
 *   INVENTORY  data '10' RAND_n '10' RAND_d
 *              answer 'DB' L RES_AIOT '10' K_AIOTF           (TS 33.369 5.2.2 step 4, A.2, A.3)
 *   DOA        data '10' RAND_n '10' RAND_d L ID '08' MAC_N  (ID: 1..128 octets, as sent in M1)
 *              answer 'DB' L RES_D '10' K_AIOTF; SW '9862' if MAC_N does not verify
 *   NEXT_TID   data '10' RAND_n '10' RAND_d
 *              answer 'DB' '10' T-ID
 * The suite is the card's (its personalisation). */
#define UICC_AIOT_P2_INVENTORY 0x01
#define UICC_AIOT_P2_DOA 0x02
#define UICC_AIOT_P2_NEXT_TID 0x03

/* Status words (ISO/IEC 7816-4 5.6, TS 31.102 7.3). */
#define UICC_SW_OK 0x9000
#define UICC_SW1_MORE 0x61          /* T=0: SW2 octets wait for GET RESPONSE */
#define UICC_SW1_WRONG_LE 0x6C      /* Le wrong: SW2 is the right one */
#define UICC_SW_AUTH_ERROR 0x9862   /* authentication error, incorrect MAC */
#define UICC_SW_WRONG_LENGTH 0x6700 /* Lc or data lengths inconsistent */
#define UICC_SW_SECURITY 0x6982     /* security status not satisfied */
#define UICC_SW_NOT_ALLOWED 0x6986  /* command not allowed (no current EF, no app) */
#define UICC_SW_WRONG_DATA 0x6A80   /* incorrect parameters in the data field */
#define UICC_SW_NOT_FOUND 0x6A82    /* file or application not found */
#define UICC_SW_WRONG_P1P2 0x6A86   /* incorrect P1-P2 */
#define UICC_SW_WRONG_OFFSET 0x6B00 /* READ BINARY beyond the file */
#define UICC_SW_INS_UNKNOWN 0x6D00  /* instruction not supported */
#define UICC_SW_CLA_UNKNOWN 0x6E00  /* class not supported */
#define UICC_SW_NO_PRECISE 0x6F00   /* no precise diagnosis (internal) */

#endif
