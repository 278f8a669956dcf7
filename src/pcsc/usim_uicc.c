/* SPDX-License-Identifier: Apache-2.0 */
/* A card's USIM over a uicc_link (usim_uicc.h). */
#include "usim_uicc.h"

#include <string.h>

#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "uicc/uicc_cmd.h"

static const uint8_t aid_usim[] = {UICC_AID_USIM_PREFIX};

int aiot_usim_uicc_open(aiot_usim_uicc *u, aiot_uicc_xfer xfer, void *io)
{
	return aiot_uicc_link_open(&u->link, xfer, io, aid_usim, sizeof aid_usim);
}

/* One command built by uicc_cmd.h (built: its verdict) exchanged; AIOT_OK with the answer. */
static int usim_exchange(aiot_usim_uicc *u, int built, const uint8_t *capdu, size_t n,
                         uint8_t *body, size_t cap, size_t *blen, uint16_t *sw)
{
	if (built != AIOT_OK)
		return aiot_uicc_link_verdict(&u->link, built, "a bad argument", 0);
	return aiot_uicc_link_cmd(&u->link, capdu, n, body, cap, blen, sw);
}

int aiot_usim_uicc_imsi(aiot_usim_uicc *u, char *imsi, size_t cap)
{
	uint8_t body[256];
	size_t blen = 0;
	uint16_t sw = 0;
	int rc = aiot_uicc_link_read_ef(&u->link, UICC_FID_EF_IMSI, UICC_EF_IMSI_LEN, body,
	                                sizeof body, &blen, &sw);

	if (rc == AIOT_OK)
		rc = aiot_uicc_link_verdict(&u->link, uicc_rsp_imsi(body, blen, sw, imsi, cap),
		                            "READ BINARY EF_IMSI", sw);
	return rc;
}

int aiot_usim_uicc_authenticate(void *user, const uint8_t rand[16],
                                const uint8_t autn[AIOT_AUTN_LEN], aiot_usim_result *r)
{
	aiot_usim_uicc *u = user;
	uint8_t capdu[UICC_CAPDU_MAX], body[256];
	size_t n = 0, blen = 0;
	uint16_t sw = 0;
	int rc = uicc_cmd_usim_authenticate(rand, autn, capdu, sizeof capdu, &n);

	memset(r, 0, sizeof *r);
	rc = usim_exchange(u, rc, capdu, n, body, sizeof body, &blen, &sw);
	if (rc == AIOT_OK) {
		rc = uicc_rsp_usim_authenticate(body, blen, sw, r);
		if (rc != AIOT_USIM_SYNC_FAILURE)
			aiot_uicc_link_verdict(&u->link, rc, "AUTHENTICATE", sw);
	}
	aiot_zeroize(body, sizeof body); /* CK, IK */
	return rc;
}
