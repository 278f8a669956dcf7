/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot_cred_ops over a card's AIoT application (cred_uicc.h). Each op: build, exchange,
 * parse; the parsers check the whole answer before writing and zero the outputs on every
 * error, so the device library sees only AIOT_OK, AIOT_ERR_MAC (doa: '9862') or
 * AIOT_ERR_CALLBACK (anything else; the reason in link.err).
 */
#include "cred_uicc.h"

#include <string.h>

#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "uicc/uicc_cmd.h"

static const uint8_t aid_aiot[] = {UICC_AID_AIOT};

int aiot_cred_uicc_open(aiot_cred_uicc *u, aiot_uicc_xfer xfer, void *io)
{
	return aiot_uicc_link_open(&u->link, xfer, io, aid_aiot, sizeof aid_aiot);
}

int aiot_cred_uicc_perm_id(aiot_cred_uicc *u, uint8_t *id, size_t *id_len)
{
	uint8_t body[256];
	size_t blen = 0;
	uint16_t sw = 0;
	int rc =
	    aiot_uicc_link_read_ef(&u->link, UICC_FID_EF_AIOT_ID, 0, body, sizeof body, &blen, &sw);

	*id_len = 0;
	if (rc == AIOT_OK)
		rc = aiot_uicc_link_verdict(&u->link, uicc_rsp_aiot_id(body, blen, sw, id, id_len),
		                            "READ BINARY EF_AIOT_ID", sw);
	return rc;
}

/* The built command exchanged: AIOT_OK with the answer in body, or AIOT_ERR_CALLBACK. */
static int cred_exchange(aiot_cred_uicc *u, int built, const uint8_t *capdu, size_t n,
                         uint8_t *body, size_t cap, size_t *blen, uint16_t *sw)
{
	if (built != AIOT_OK)
		return aiot_uicc_link_verdict(&u->link, AIOT_ERR_CALLBACK, "a bad argument", 0);
	if (aiot_uicc_link_cmd(&u->link, capdu, n, body, cap, blen, sw) != AIOT_OK)
		return AIOT_ERR_CALLBACK;
	return AIOT_OK;
}

/* A parser's verdict as the device library takes it. */
static int cred_result(aiot_cred_uicc *u, int rc, const char *what, uint16_t sw)
{
	aiot_uicc_link_verdict(&u->link, rc, what, sw);
	return rc == AIOT_OK || rc == AIOT_ERR_MAC ? rc : AIOT_ERR_CALLBACK;
}

static int cred_inventory(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
                          uint8_t res_octets, uint8_t *res, uint8_t k_aiotf[AIOT_KAIOTF_LEN])
{
	aiot_cred_uicc *u = user;
	uint8_t capdu[UICC_CAPDU_MAX], body[256];
	size_t n = 0, blen = 0;
	uint16_t sw = 0;
	int rc = uicc_cmd_aiot_inventory(rand_n, rand_d, res_octets, capdu, sizeof capdu, &n);

	rc = cred_exchange(u, rc, capdu, n, body, sizeof body, &blen, &sw);
	if (rc == AIOT_OK)
		rc = cred_result(u,
		                 uicc_rsp_aiot_inventory(body, blen, sw, res_octets, res, k_aiotf),
		                 "INVENTORY", sw);
	if (rc == AIOT_ERR_MAC) /* not an answer INVENTORY can give */
		rc = AIOT_ERR_CALLBACK;
	if (rc != AIOT_OK) {
		memset(res, 0, res_octets);
		memset(k_aiotf, 0, AIOT_KAIOTF_LEN);
	}
	aiot_zeroize(body, sizeof body); /* K_AIOTF */
	return rc;
}

static int cred_doa(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
                    const uint8_t *id, uint8_t id_len, const uint8_t mac_n[AIOT_MACN_LEN],
                    uint8_t res_octets, uint8_t *res_d, uint8_t k_aiotf[AIOT_KAIOTF_LEN])
{
	aiot_cred_uicc *u = user;
	uint8_t capdu[UICC_CAPDU_MAX], body[256];
	size_t n = 0, blen = 0;
	uint16_t sw = 0;
	int rc = uicc_cmd_aiot_doa(rand_n, rand_d, id, id_len, mac_n, res_octets, capdu,
	                           sizeof capdu, &n);

	rc = cred_exchange(u, rc, capdu, n, body, sizeof body, &blen, &sw);
	if (rc == AIOT_OK)
		rc = cred_result(u, uicc_rsp_aiot_doa(body, blen, sw, res_octets, res_d, k_aiotf),
		                 "DOA", sw);
	if (rc != AIOT_OK) {
		memset(res_d, 0, res_octets);
		memset(k_aiotf, 0, AIOT_KAIOTF_LEN);
	}
	aiot_zeroize(body, sizeof body);
	return rc;
}

static int cred_next_tid(void *user, const uint8_t rand_n[16], const uint8_t rand_d[16],
                         uint8_t tid[AIOT_TID_LEN])
{
	aiot_cred_uicc *u = user;
	uint8_t capdu[UICC_CAPDU_MAX], body[256];
	size_t n = 0, blen = 0;
	uint16_t sw = 0;
	int rc = uicc_cmd_aiot_next_tid(rand_n, rand_d, capdu, sizeof capdu, &n);

	rc = cred_exchange(u, rc, capdu, n, body, sizeof body, &blen, &sw);
	if (rc == AIOT_OK)
		rc = cred_result(u, uicc_rsp_aiot_next_tid(body, blen, sw, tid), "NEXT_TID", sw);
	if (rc == AIOT_ERR_MAC)
		rc = AIOT_ERR_CALLBACK;
	if (rc != AIOT_OK)
		memset(tid, 0, AIOT_TID_LEN);
	return rc;
}

const aiot_cred_ops aiot_cred_uicc_ops = {cred_inventory, cred_doa, cred_next_tid};
