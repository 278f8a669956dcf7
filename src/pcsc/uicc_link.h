/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One application on a card, reached through any APDU transport: PC/SC (aiot_pcsc_xfer,
 * pcsc.h) or, in the tests, the card engine in process. This module owns the application's
 * selection: it SELECTs the AID once, and selects it again and re-sends a command once when
 * the card says no application is selected ('6986', '6D00', '6E00': another host sharing
 * the card selected another one) or the transport reports a reset. cred_uicc.h (the AIoT
 * application) and usim_uicc.h (the USIM) build on it. Blocking; one link per thread.
 * Several hosts may share one card (a device and a UE on the two applications of one UICC):
 * over PC/SC each command with its re-selection, and each sequence between
 * aiot_uicc_link_begin and _end, holds the card (a PC/SC transaction), so another host's
 * SELECT never lands between our SELECT and our command.
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

/* Hold (on = 1) or release (0) the card for this host alone; holds nest. AIOT_OK or
 * AIOT_ERR_* with err. aiot_pcsc_hold's contract. */
typedef int (*aiot_uicc_hold)(void *io, int on, char *err, size_t errlen);

typedef struct aiot_uicc_link {
	aiot_uicc_xfer xfer;
	aiot_uicc_hold hold; /* NULL: nobody else reaches the card (in process) */
	void *io;
	const uint8_t *aid; /* the application (static storage) */
	size_t aid_len;
	char err[200]; /* why the last call failed */
} aiot_uicc_link;

/* Bind the link and SELECT the application: AIOT_OK, or AIOT_ERR_* with l->err. With
 * xfer = aiot_pcsc_xfer the link holds the card through aiot_pcsc_hold. */
int aiot_uicc_link_open(aiot_uicc_link *l, aiot_uicc_xfer xfer, void *io, const uint8_t *aid,
                        size_t aid_len);

/* One command to the application (selected again once if needed, as above): AIOT_OK with
 * body and sw, or AIOT_ERR_* with l->err. */
int aiot_uicc_link_cmd(aiot_uicc_link *l, const uint8_t *capdu, size_t len, uint8_t *body,
                       size_t cap, size_t *body_len, uint16_t *sw);

/* A sequence of commands on the application alone: hold the card and SELECT the
 * application (AIOT_OK, or AIOT_ERR_* with l->err and nothing held); _end releases it. */
int aiot_uicc_link_begin(aiot_uicc_link *l);
void aiot_uicc_link_end(aiot_uicc_link *l);

/* SELECT the EF fid of the application, then READ BINARY from offset 0 (le: the octets; 0
 * to the end), as one sequence (begin/end): AIOT_OK with the answer in body and sw (the
 * caller's parser judges them), or AIOT_ERR_* with l->err (no such EF included). */
int aiot_uicc_link_read_ef(aiot_uicc_link *l, uint16_t fid, uint8_t le, uint8_t *body, size_t cap,
                           size_t *body_len, uint16_t *sw);

/* l->err from a parser's verdict on the answer to `what` (uicc_cmd.h codes); returns rc. */
int aiot_uicc_link_verdict(aiot_uicc_link *l, int rc, const char *what, uint16_t sw);

#endif
