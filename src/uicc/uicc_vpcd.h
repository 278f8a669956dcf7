/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card's link to pcscd through the vpcd driver (vsmartcard-vpcd, docs/protocol.md §7.1):
 * every message both ways is a 2-octet big-endian length, then the payload. From vpcd, a
 * payload of 1 octet is a control: 0x00 power off, 0x01 power on, 0x02 reset (no answer),
 * 0x04 get ATR (answered with the ATR); any longer payload is a C-APDU, answered with the
 * R-APDU. uicc_vpcd_message() is that rule, sans I/O; uicc_vpcd_serve() runs it over one
 * connected socket (blocking: one card, one reader).
 */
#ifndef AIOT_UICC_VPCD_H
#define AIOT_UICC_VPCD_H
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "uicc/uicc_card.h"

#define UICC_VPCD_POWER_OFF 0x00
#define UICC_VPCD_POWER_ON 0x01
#define UICC_VPCD_RESET 0x02
#define UICC_VPCD_GET_ATR 0x04
#define UICC_VPCD_OUT_MAX (2 + UICC_RAPDU_MAX)

typedef struct uicc_vpcd {
	uicc_card *card;
	int t0, t1;          /* the protocols the ATR offers */
	unsigned long apdus; /* C-APDUs answered */
} uicc_vpcd;

/* One payload from vpcd (len >= 1). *out_len = 0 when there is nothing to answer. AIOT_OK,
 * or AIOT_ERR_UNKNOWN for a control octet vpcd does not define (nothing answered). */
int uicc_vpcd_message(uicc_vpcd *v, const uint8_t *msg, size_t len, uint8_t out[UICC_VPCD_OUT_MAX],
                      size_t *out_len);

/* Serve vpcd on fd until it closes (0), *stop is set (0), or an I/O or protocol error (-1,
 * reason in err). The card is reset when the link ends. */
int uicc_vpcd_serve(uicc_vpcd *v, int fd, volatile sig_atomic_t *stop, char *err, size_t errlen);

#endif
