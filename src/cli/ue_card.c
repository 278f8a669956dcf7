/* SPDX-License-Identifier: Apache-2.0 */
/* `aiot ue --usim pcsc[:READER]`: the UE's USIM on a card behind PC/SC (ue.h). */
#include <stdio.h>
#include <string.h>

#include "common/aiot_err.h"
#include "ue.h"

int ue_card_open(ue_args *a, const char *reader, char *err, size_t errlen)
{
	char imsi[16];

	if (aiot_pcsc_open(reader, &a->pcsc, err, errlen) != AIOT_OK)
		return -1;
	if (aiot_usim_uicc_open(&a->card, aiot_pcsc_xfer, a->pcsc) != AIOT_OK ||
	    (a->supi == NULL && aiot_usim_uicc_imsi(&a->card, imsi, sizeof imsi) != AIOT_OK)) {
		snprintf(err, errlen, "the USIM in '%s': %s", aiot_pcsc_reader_name(a->pcsc),
		         a->card.link.err);
		ue_card_close(a);
		return -1;
	}
	if (a->supi == NULL) { /* TS 23.003 2.2B: an IMSI-based SUPI */
		snprintf(a->imsi_supi, sizeof a->imsi_supi, "imsi-%s", imsi);
		a->supi = a->imsi_supi;
	}
	a->ops = (aiot_ue_usim){aiot_usim_uicc_authenticate, &a->card};
	fprintf(stderr, "aiot: ue: the USIM of the card in '%s' (T=%d)\n",
	        aiot_pcsc_reader_name(a->pcsc), aiot_pcsc_protocol(a->pcsc));
	return 0;
}

void ue_card_close(ue_args *a)
{
	aiot_pcsc_close(a->pcsc);
	a->pcsc = NULL;
}
