/* SPDX-License-Identifier: Apache-2.0 */
/* Between the card's framing (uicc_card.c) and its AUTHENTICATE handlers (uicc_auth.c). */
#ifndef AIOT_UICC_CARD_INTERNAL_H
#define AIOT_UICC_CARD_INTERNAL_H
#include <stddef.h>
#include <stdint.h>

#include "uicc/uicc_card.h"

/* A parsed short C-APDU (ISO/IEC 7816-3 12.1.3): data points into the command. */
typedef struct uicc_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;
	size_t lc;
	int has_le;
	unsigned le; /* 1..256 (Le '00' is 256) */
} uicc_apdu;

/* Each handler checks everything, then writes its answer's data into c->out (*n octets)
 * and returns the status word; on any status word but '9000', *n is 0. */
uint16_t uicc_usim_authenticate(uicc_card *c, const uicc_apdu *a, size_t *n);
uint16_t uicc_aiot_authenticate(uicc_card *c, const uicc_apdu *a, size_t *n);

#endif
