/* SPDX-License-Identifier: Apache-2.0 */
/* One application on a card over an APDU transport (uicc_link.h). */
#include "uicc_link.h"

#include <stdio.h>

#include "common/aiot_err.h"
#include "pcsc/pcsc.h"
#include "uicc/uicc_cmd.h"

static int link_select(aiot_uicc_link *l)
{
	uint8_t capdu[UICC_CAPDU_MAX], body[256];
	size_t n, blen;
	uint16_t sw;
	int rc = uicc_cmd_select_aid(l->aid, l->aid_len, capdu, sizeof capdu, &n);

	if (rc == AIOT_OK)
		rc = l->xfer(l->io, capdu, n, body, sizeof body, &blen, &sw, l->err, sizeof l->err);
	if (rc == AIOT_ERR_STATE) /* a cold reset reaches a handle as two (power off, on) */
		rc = l->xfer(l->io, capdu, n, body, sizeof body, &blen, &sw, l->err, sizeof l->err);
	if (rc == AIOT_OK && uicc_rsp_status(blen, sw) != AIOT_OK) {
		snprintf(l->err, sizeof l->err, "the card has no such application (SELECT: '%04X')",
		         sw);
		rc = AIOT_ERR_NOTFOUND;
	}
	return rc;
}

int aiot_uicc_link_open(aiot_uicc_link *l, aiot_uicc_xfer xfer, void *io, const uint8_t *aid,
                        size_t aid_len)
{
	*l = (aiot_uicc_link){.xfer = xfer, .io = io, .aid = aid, .aid_len = aid_len};
	if (xfer == aiot_pcsc_xfer)
		l->hold = aiot_pcsc_hold;
	if (xfer == NULL || aid == NULL || aid_len == 0) {
		snprintf(l->err, sizeof l->err, "bad arguments");
		return AIOT_ERR_INVAL;
	}
	return link_select(l);
}

/* The card lost our selection: no application, or one that does not know the command. */
static int lost_selection(int rc, uint16_t sw)
{
	return rc == AIOT_ERR_STATE ||
	       (rc == AIOT_OK && (sw == UICC_SW_NOT_ALLOWED || sw == UICC_SW_INS_UNKNOWN ||
	                          sw == UICC_SW_CLA_UNKNOWN));
}

static int link_hold(aiot_uicc_link *l, int on)
{
	return l->hold ? l->hold(l->io, on, l->err, sizeof l->err) : AIOT_OK;
}

int aiot_uicc_link_cmd(aiot_uicc_link *l, const uint8_t *capdu, size_t len, uint8_t *body,
                       size_t cap, size_t *body_len, uint16_t *sw)
{
	int rc = link_hold(l, 1);

	*body_len = 0, *sw = 0;
	if (rc != AIOT_OK && link_hold(l, 1) != AIOT_OK) /* a reset card: once more */
		return rc;
	rc = l->xfer(l->io, capdu, len, body, cap, body_len, sw, l->err, sizeof l->err);
	if (lost_selection(rc, *sw) && link_select(l) == AIOT_OK)
		rc = l->xfer(l->io, capdu, len, body, cap, body_len, sw, l->err, sizeof l->err);
	link_hold(l, 0);
	return rc;
}

int aiot_uicc_link_begin(aiot_uicc_link *l)
{
	int rc = link_hold(l, 1);

	if (rc != AIOT_OK && (rc = link_hold(l, 1)) != AIOT_OK) /* a reset card: once more */
		return rc;
	if ((rc = link_select(l)) != AIOT_OK)
		link_hold(l, 0);
	return rc;
}

void aiot_uicc_link_end(aiot_uicc_link *l)
{
	link_hold(l, 0);
}

int aiot_uicc_link_read_ef(aiot_uicc_link *l, uint16_t fid, uint8_t le, uint8_t *body, size_t cap,
                           size_t *body_len, uint16_t *sw)
{
	uint8_t capdu[UICC_CAPDU_MAX];
	size_t n = 0;
	int rc = aiot_uicc_link_begin(l);

	if (rc != AIOT_OK)
		return rc;
	rc = uicc_cmd_select_fid(fid, capdu, sizeof capdu, &n);
	if (rc == AIOT_OK)
		rc = l->xfer(l->io, capdu, n, body, cap, body_len, sw, l->err, sizeof l->err);
	if (rc == AIOT_OK)
		rc = aiot_uicc_link_verdict(l, uicc_rsp_status(*body_len, *sw), "SELECT EF", *sw);
	if (rc == AIOT_OK)
		rc = uicc_cmd_read_binary(0, le, capdu, sizeof capdu, &n);
	if (rc == AIOT_OK)
		rc = l->xfer(l->io, capdu, n, body, cap, body_len, sw, l->err, sizeof l->err);
	aiot_uicc_link_end(l);
	return rc;
}

int aiot_uicc_link_verdict(aiot_uicc_link *l, int rc, const char *what, uint16_t sw)
{
	if (rc == AIOT_ERR_MALFORMED)
		snprintf(l->err, sizeof l->err, "%s: the card's answer does not parse", what);
	else if (rc != AIOT_OK)
		snprintf(l->err, sizeof l->err, "%s: the card answered '%04X'", what, sw);
	return rc;
}
