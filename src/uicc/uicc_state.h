/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-uicc --state FILE: the card's USIM SQN array kept in a private file (the format of
 * ue/usim_state.h, bound to "imsi-IMSI"), loaded at start and written through the card's
 * uicc_persist_fn after every AUTHENTICATE that changed it, before the answer leaves.
 */
#ifndef AIOT_UICC_STATE_H
#define AIOT_UICC_STATE_H
#include <stddef.h>

#include "uicc/uicc_card.h"

typedef struct uicc_state {
	const char *path;
	char supi[5 + UICC_IMSI_MAX + 1];
} uicc_state;

/* Loads FILE into c (absent: the perso's SQN stands), writes it once (so a file that cannot
 * be written fails here, not at the first AUTHENTICATE) and hooks c->persist. 0, or -1 with
 * err. The card must carry a USIM. */
int uicc_state_open(uicc_state *st, const char *path, const char *imsi, uicc_card *c, char *err,
                    size_t errlen);
void uicc_state_close(uicc_state *st);

#endif
