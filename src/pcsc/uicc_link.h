/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One application on a card, reached through any APDU transport: PC/SC (aiot_pcsc_xfer,
 * pcsc.h) or, in the tests, the card engine in process. This module owns the application's
 * selection: it SELECTs the AID once, and selects it again and re-sends a command once when
 * the card says no application is selected ('6986', '6D00', '6E00': another host sharing
 * the card selected another one) or the transport reports a reset. cred_uicc.h (the AIoT
 * application) and usim_uicc.h (the USIM) build on it. Blocking; one link per thread.
 */
#ifndef AIOT_UICC_LINK_H
#define AIOT_UICC_LINK_H
#include <stddef.h>
#include <stdint.h>

/* One C-APDU exchanged: the answer's data into body (*body_len), its status word into *sw.
 * AIOT_OK whatever the status word; AIOT_ERR_* with err when the exchange failed
 * (AIOT_ERR_STATE: no card, removed or reset). aiot_pcsc_transmit's contract. */
typedef int (*aiot_uicc_xfer)(void *io, const uint8_t *capdu, size_t len, uint8_t *body, size_t cap,
                              size_t *body_len, uint16_t *sw, char *err, size_t errlen);

typedef struct aiot_uicc_link {
	aiot_uicc_xfer xfer;
	void *io;
	const uint8_t *aid; /* the application (static storage) */
	size_t aid_len;
	char err[200]; /* why the last call failed */
} aiot_uicc_link;

/* Bind the link and SELECT the application: AIOT_OK, or AIOT_ERR_* with l->err. */
int aiot_uicc_link_open(aiot_uicc_link *l, aiot_uicc_xfer xfer, void *io, const uint8_t *aid,
                        size_t aid_len);

/* One command to the application (selected again once if needed, as above): AIOT_OK with
 * body and sw, or AIOT_ERR_* with l->err. */
int aiot_uicc_link_cmd(aiot_uicc_link *l, const uint8_t *capdu, size_t len, uint8_t *body,
                       size_t cap, size_t *body_len, uint16_t *sw);

/* l->err from a parser's verdict on the answer to `what` (uicc_cmd.h codes); returns rc. */
int aiot_uicc_link_verdict(aiot_uicc_link *l, int rc, const char *what, uint16_t sw);

#endif
