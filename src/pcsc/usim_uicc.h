/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A card's USIM (TS 31.102) through a uicc_link: the IMSI from EF_IMSI and AUTHENTICATE in
 * the 3G/5G context, built and parsed by uicc_cmd.h. The UE (ue/ue_aka.h) uses it in place
 * of the soft USIM of usim.h: K, OPc and the SQN array stay on the card.
 */
#ifndef AIOT_USIM_UICC_H
#define AIOT_USIM_UICC_H
#include <stddef.h>
#include <stdint.h>

#include "pcsc/uicc_link.h"
#include "ue/usim.h"

typedef struct aiot_usim_uicc {
	aiot_uicc_link link; /* link.err: why the last call failed */
} aiot_usim_uicc;

/* SELECT the USIM (by the AID prefix A0000000871002): AIOT_OK or AIOT_ERR_* with link.err. */
int aiot_usim_uicc_open(aiot_usim_uicc *u, aiot_uicc_xfer xfer, void *io);

/* The IMSI's digits (6..15, NUL-terminated) from EF_IMSI. */
int aiot_usim_uicc_imsi(aiot_usim_uicc *u, char *imsi, size_t cap);

/* AUTHENTICATE with RAND and AUTN, as aiot_usim_authenticate answers: AIOT_OK (RES, CK,
 * IK in r), AIOT_ERR_MAC ('9862'), AIOT_USIM_SYNC_FAILURE (AUTS in r), or another
 * AIOT_ERR_* (the card or the link failed; link.err). user: an aiot_usim_uicc. */
int aiot_usim_uicc_authenticate(void *user, const uint8_t rand[16],
                                const uint8_t autn[AIOT_AUTN_LEN], aiot_usim_result *r);

#endif
