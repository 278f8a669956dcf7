/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device's credential ops (device/aiot_cred.h) answered by a card's AIoT application
 * (docs/protocol.md §7): each op is one AIoT AUTHENTICATE built and parsed by uicc_cmd.h and
 * sent over a uicc_link (PC/SC, or the card engine in process). K_AIOT_root stays on the
 * card; what comes back is RES_AIOT / RES_D with K_AIOTF, or the next T-ID.
 *
 *   aiot_cred_uicc card;
 *   aiot_cred_uicc_open(&card, aiot_pcsc_xfer, pcsc_handle);   // SELECT the AIoT AID
 *   cfg.cred = &aiot_cred_uicc_ops;
 *   cfg.user = &card;  // or a struct of yours whose FIRST member is the aiot_cred_uicc
 *                      // (C11 6.7.2.1p15), which the other callbacks then reach too
 */
#ifndef AIOT_CRED_UICC_H
#define AIOT_CRED_UICC_H
#include "device/aiot_cred.h"
#include "pcsc/uicc_link.h"

typedef struct aiot_cred_uicc {
	aiot_uicc_link link; /* link.err: why the last op failed */
} aiot_cred_uicc;

extern const aiot_cred_ops aiot_cred_uicc_ops;

/* SELECT the AIoT application over xfer/io: AIOT_OK, or AIOT_ERR_* with u->link.err. */
int aiot_cred_uicc_open(aiot_cred_uicc *u, aiot_uicc_xfer xfer, void *io);

/* The card's EF_AIOT_ID (not a secret: which device the card is): id has room for
 * AIOT_DOA_ID_MAX octets. AIOT_OK, or AIOT_ERR_* with u->link.err. */
int aiot_cred_uicc_perm_id(aiot_cred_uicc *u, uint8_t *id, size_t *id_len);

#endif
