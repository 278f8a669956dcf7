/* SPDX-License-Identifier: Apache-2.0 */
/* The card's SQN state file (uicc_state.h). */
#include <stdio.h>
#include <string.h>

#include "svc/log.h"
#include "ue/usim_state.h"
#include "uicc/uicc_state.h"

static int persist(void *user, const aiot_usim *u)
{
	const uicc_state *st = user;
	char err[300];
	if (aiot_usim_state_save(st->path, st->supi, u, err, sizeof err) != 0) {
		log_error("state not written, AUTHENTICATE refused: %s", err);
		return -1;
	}
	return 0;
}

int uicc_state_open(uicc_state *st, const char *path, const char *imsi, uicc_card *c, char *err,
                    size_t errlen)
{
	if (!(c->apps & UICC_HAS_USIM)) {
		snprintf(err, errlen, "--state: the card has no USIM");
		return -1;
	}
	st->path = path;
	snprintf(st->supi, sizeof st->supi, "imsi-%s", imsi);
	if (aiot_usim_state_load(path, st->supi, &c->usim, err, errlen) != 0 ||
	    aiot_usim_state_save(path, st->supi, &c->usim, err, errlen) != 0)
		return -1;
	c->persist = persist;
	c->persist_user = st;
	return 0;
}

void uicc_state_close(uicc_state *st)
{
	st->path = NULL;
}
