/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card's two AUTHENTICATE commands (uicc_apdu.h, docs/protocol.md §7): the USIM's over
 * aiot_usim (ue/usim.h), the AIoT application's over the derivations of crypto/kdf.h with
 * the reference primitives (constant time, no backend). Each checks the whole command before
 * it computes; keys stay in the card, only RES, CK, IK (USIM), RES / RES_D, K_AIOTF and
 * T-IDs (AIoT) leave.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "uicc/uicc_card_internal.h"

#define LV_RAND_LEN (1 + AIOT_RAND_LEN)
#define TWO_RANDS_LEN (2 * LV_RAND_LEN) /* '10' RAND '10' RAND: every AUTHENTICATE starts so */

/* The two leading LV RANDs (RAND and AUTN for the USIM, RAND_n and RAND_d for AIoT). */
static uint16_t two_rands(const uicc_apdu *a)
{
	if (a->lc < TWO_RANDS_LEN)
		return UICC_SW_WRONG_LENGTH;
	if (a->data[0] != AIOT_RAND_LEN || a->data[LV_RAND_LEN] != AIOT_RAND_LEN)
		return UICC_SW_WRONG_DATA;
	return 0;
}

/* TS 31.102 7.1.2.1, 3G/5G context. The SQN array changes only on success, and only once
 * the daemon has recorded it (uicc_persist_fn). */
uint16_t uicc_usim_authenticate(uicc_card *c, const uicc_apdu *a, size_t *n)
{
	uint64_t before[AIOT_USIM_NIND];
	aiot_usim_result res;
	uint16_t sw;
	uint8_t *o = c->out;
	int rc;

	*n = 0;
	if (c->app != UICC_APP_USIM)
		return UICC_SW_NOT_ALLOWED;
	if (a->p1 != 0 || a->p2 != UICC_USIM_P2_3G)
		return UICC_SW_WRONG_P1P2;
	if ((sw = two_rands(a)) != 0 || a->lc != TWO_RANDS_LEN)
		return sw ? sw : UICC_SW_WRONG_LENGTH;
	memcpy(before, c->usim.seq_ms, sizeof before);
	rc = aiot_usim_authenticate(&c->usim, a->data + 1, a->data + 1 + LV_RAND_LEN, &res);
	if (rc == AIOT_OK && c->persist != NULL && c->persist(c->persist_user, &c->usim) != 0) {
		memcpy(c->usim.seq_ms, before, sizeof before);
		rc = AIOT_ERR_CALLBACK;
	}
	if (rc == AIOT_OK) {
		o[0] = UICC_TAG_SUCCESS, o[1] = sizeof res.res;
		memcpy(o + 2, res.res, sizeof res.res);
		o[10] = sizeof res.ck;
		memcpy(o + 11, res.ck, sizeof res.ck);
		o[27] = sizeof res.ik;
		memcpy(o + 28, res.ik, sizeof res.ik);
		*n = 28 + sizeof res.ik;
		sw = UICC_SW_OK;
	} else if (rc == AIOT_USIM_SYNC_FAILURE) {
		o[0] = UICC_TAG_SYNC_FAIL, o[1] = AIOT_AUTS_LEN;
		memcpy(o + 2, res.auts, AIOT_AUTS_LEN);
		*n = 2 + AIOT_AUTS_LEN;
		sw = UICC_SW_OK;
	} else {
		sw = rc == AIOT_ERR_MAC ? UICC_SW_AUTH_ERROR : UICC_SW_NO_PRECISE;
	}
	aiot_zeroize(&res, sizeof res);
	return sw;
}

/* P1 for INVENTORY and DOA: the RES length in octets (AIOT_RES_BITS_VALID). */
static int res_octets_ok(uint8_t p1)
{
	return AIOT_RES_BITS_VALID(8u * p1);
}

/* The DO-A data after the RANDs: L ID '08' MAC_N, ID 1..AIOT_DOA_ID_MAX octets. */
static uint16_t doa_check(const uicc_apdu *a)
{
	size_t idl;

	if (a->lc < TWO_RANDS_LEN + 1)
		return UICC_SW_WRONG_LENGTH;
	idl = a->data[TWO_RANDS_LEN];
	if (idl == 0 || idl > AIOT_DOA_ID_MAX)
		return UICC_SW_WRONG_DATA;
	if (a->lc != TWO_RANDS_LEN + 1 + idl + 1 + AIOT_MACN_LEN)
		return UICC_SW_WRONG_LENGTH;
	if (a->data[TWO_RANDS_LEN + 1 + idl] != AIOT_MACN_LEN)
		return UICC_SW_WRONG_DATA;
	return 0;
}

/* 'DB' L RES '10' K_AIOTF (INVENTORY; DOA once MAC_N verified). */
static uint16_t res_and_kaiotf(uicc_card *c, const uicc_apdu *a, size_t *n)
{
	const uint8_t *rn = a->data + 1, *rd = a->data + 1 + LV_RAND_LEN, *id = NULL;
	size_t l = a->p1, idl = 0;
	uint8_t *o = c->out, mac[AIOT_MACN_LEN];
	int rc, fail;

	if (a->p2 == UICC_AIOT_P2_DOA) {
		idl = a->data[TWO_RANDS_LEN], id = a->data + TWO_RANDS_LEN + 1;
		rc = aiot_derive_macn(NULL, c->suite, c->aiot_key, c->aiot_key_len, rn, rd, id, idl,
		                      mac);
		fail = rc != AIOT_OK || !aiot_ct_eq(mac, id + idl + 1, AIOT_MACN_LEN);
		aiot_zeroize(mac, sizeof mac);
		if (fail)
			return rc != AIOT_OK ? UICC_SW_NO_PRECISE : UICC_SW_AUTH_ERROR;
		rc = aiot_derive_resd(NULL, c->suite, c->aiot_key, c->aiot_key_len, rn, rd, id, idl,
		                      8u * (unsigned)l, o + 2);
	} else {
		rc = aiot_derive_res(NULL, c->suite, c->aiot_key, c->aiot_key_len, rn, rd,
		                     8u * (unsigned)l, o + 2);
	}
	o[0] = UICC_TAG_SUCCESS, o[1] = (uint8_t)l, o[2 + l] = AIOT_KAIOTF_LEN;
	if (rc == AIOT_OK)
		rc = aiot_derive_kaiotf(NULL, c->suite, c->aiot_key, c->aiot_key_len, rn, rd,
		                        o + 3 + l);
	if (rc != AIOT_OK) {
		aiot_zeroize(o, 3 + l + AIOT_KAIOTF_LEN);
		return UICC_SW_NO_PRECISE;
	}
	*n = 3 + l + AIOT_KAIOTF_LEN;
	return UICC_SW_OK;
}

static uint16_t next_tid(uicc_card *c, const uicc_apdu *a, size_t *n)
{
	uint8_t *o = c->out;

	o[0] = UICC_TAG_SUCCESS, o[1] = AIOT_TID_LEN;
	if (aiot_derive_tid(NULL, c->suite, c->aiot_key, c->aiot_key_len, a->data + 1,
	                    a->data + 1 + LV_RAND_LEN, o + 2) != AIOT_OK) {
		aiot_zeroize(o, 2 + AIOT_TID_LEN);
		return UICC_SW_NO_PRECISE;
	}
	*n = 2 + AIOT_TID_LEN;
	return UICC_SW_OK;
}

uint16_t uicc_aiot_authenticate(uicc_card *c, const uicc_apdu *a, size_t *n)
{
	uint16_t sw;

	*n = 0;
	if (c->app != UICC_APP_AIOT)
		return UICC_SW_NOT_ALLOWED;
	if (a->p2 == UICC_AIOT_P2_NEXT_TID                                 ? a->p1 != 0
	    : a->p2 == UICC_AIOT_P2_INVENTORY || a->p2 == UICC_AIOT_P2_DOA ? !res_octets_ok(a->p1)
	                                                                   : 1)
		return UICC_SW_WRONG_P1P2;
	if ((sw = two_rands(a)) != 0)
		return sw;
	if (a->p2 == UICC_AIOT_P2_DOA)
		sw = doa_check(a);
	else if (a->lc != TWO_RANDS_LEN)
		sw = UICC_SW_WRONG_LENGTH;
	if (sw != 0)
		return sw;
	return a->p2 == UICC_AIOT_P2_NEXT_TID ? next_tid(c, a, n) : res_and_kaiotf(c, a, n);
}
