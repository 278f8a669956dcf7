/* SPDX-License-Identifier: Apache-2.0 */
/* The host's APDU builders and answer parsers (uicc_cmd.h); the card's side is uicc_card.c
 * and uicc_auth.c, and tests/unit/test_uicc_card.c runs each pair against the other. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/ct.h"
#include "uicc/uicc_cmd.h"

#define LV_RAND_LEN (1 + AIOT_RAND_LEN)
#define USIM_DB_LEN (2 + 8 + 1 + 16 + 1 + 16) /* 'DB' '08' RES '10' CK '10' IK */

/* CLA INS P1 P2 [Lc data] [Le]: the header and Lc; the caller appends the data. */
static uint8_t *hdr(uint8_t *out, uint8_t cla, uint8_t ins, uint8_t p1, uint8_t p2)
{
	out[0] = cla, out[1] = ins, out[2] = p1, out[3] = p2;
	return out + 4;
}

static uint8_t *lv(uint8_t *p, const uint8_t *v, size_t n)
{
	*p++ = (uint8_t)n;
	memcpy(p, v, n);
	return p + n;
}

/* Lc over the data from out + 5 to end; Le '00' appended when le. */
static int finish(uint8_t *out, uint8_t *end, int le, size_t *out_len)
{
	out[4] = (uint8_t)(end - (out + 5));
	if (le)
		*end++ = 0x00;
	*out_len = (size_t)(end - out);
	return AIOT_OK;
}

int uicc_cmd_select_aid(const uint8_t *aid, size_t aid_len, uint8_t *out, size_t cap,
                        size_t *out_len)
{
	if (aid == NULL || aid_len == 0 || aid_len > 16 || out == NULL || out_len == NULL ||
	    cap < 5 + aid_len)
		return AIOT_ERR_INVAL;
	uint8_t *p = hdr(out, UICC_CLA_ISO, UICC_INS_SELECT, UICC_SELECT_BY_AID, 0x0C);
	memcpy(p + 1, aid, aid_len);
	return finish(out, p + 1 + aid_len, 0, out_len);
}

int uicc_cmd_select_fid(uint16_t fid, uint8_t *out, size_t cap, size_t *out_len)
{
	if (out == NULL || out_len == NULL || cap < 7)
		return AIOT_ERR_INVAL;
	uint8_t *p = hdr(out, UICC_CLA_ISO, UICC_INS_SELECT, UICC_SELECT_BY_FID, 0x0C);
	p[1] = (uint8_t)(fid >> 8), p[2] = (uint8_t)fid;
	return finish(out, p + 3, 0, out_len);
}

int uicc_cmd_read_binary(uint16_t offset, uint8_t le, uint8_t *out, size_t cap, size_t *out_len)
{
	if (out == NULL || out_len == NULL || cap < 5 || offset > 0x7FFF)
		return AIOT_ERR_INVAL;
	uint8_t *p =
	    hdr(out, UICC_CLA_ISO, UICC_INS_READ_BINARY, (uint8_t)(offset >> 8), (uint8_t)offset);
	*p = le;
	*out_len = 5;
	return AIOT_OK;
}

/* AIOT_OK for '9000', AIOT_ERR_MAC for '9862', else AIOT_ERR_UNKNOWN. */
static int sw_rc(uint16_t sw)
{
	return sw == UICC_SW_OK           ? AIOT_OK
	       : sw == UICC_SW_AUTH_ERROR ? AIOT_ERR_MAC
	                                  : AIOT_ERR_UNKNOWN;
}

int uicc_rsp_status(size_t body_len, uint16_t sw)
{
	int rc = sw_rc(sw);
	return rc == AIOT_OK && body_len != 0 ? AIOT_ERR_MALFORMED : rc;
}

/* TS 31.102 4.2.2 (the inverse of the card's ef_imsi_encode). */
static int imsi_decode(const uint8_t *b, char *imsi, size_t cap)
{
	size_t l = b[0], nibbles, nd = 0;
	uint8_t par = b[1] & 0x0F;

	if (l < 1 || l > 8 || (par != 0x09 && par != 0x01))
		return AIOT_ERR_MALFORMED;
	nibbles = 2 * l - 1 - (par == 0x01); /* digits: the parity nibble is not one */
	for (size_t i = 1; i <= 2 * l - 1; i++) {
		uint8_t d = (i & 1) ? b[1 + i / 2] >> 4 : b[1 + i / 2] & 0x0F;
		if (i <= nibbles ? d > 9 : d != 0x0F)
			return AIOT_ERR_MALFORMED;
		if (i <= nibbles && nd < cap)
			imsi[nd++] = (char)('0' + d);
	}
	for (size_t i = l + 1; i < UICC_EF_IMSI_LEN; i++)
		if (b[i] != 0xFF)
			return AIOT_ERR_MALFORMED;
	if (nibbles < 6 || nibbles > 15)
		return AIOT_ERR_MALFORMED;
	if (nd >= cap)
		return AIOT_ERR_NOSPACE;
	imsi[nd] = '\0';
	return AIOT_OK;
}

int uicc_rsp_imsi(const uint8_t *body, size_t len, uint16_t sw, char *imsi, size_t cap)
{
	int rc;

	if (imsi == NULL || cap == 0 || (body == NULL && len != 0))
		return AIOT_ERR_INVAL;
	rc = sw_rc(sw);
	if (rc == AIOT_OK)
		rc = len == UICC_EF_IMSI_LEN ? imsi_decode(body, imsi, cap) : AIOT_ERR_MALFORMED;
	if (rc != AIOT_OK)
		memset(imsi, 0, cap);
	return rc;
}

int uicc_rsp_aiot_id(const uint8_t *body, size_t len, uint16_t sw, uint8_t *id, size_t *id_len)
{
	int rc;

	if (id == NULL || id_len == NULL || (body == NULL && len != 0))
		return AIOT_ERR_INVAL;
	*id_len = 0;
	rc = sw == UICC_SW_OK ? AIOT_OK : AIOT_ERR_UNKNOWN;
	if (rc == AIOT_OK && (len == 0 || len > AIOT_DOA_ID_MAX))
		rc = AIOT_ERR_MALFORMED;
	if (rc == AIOT_OK) {
		memcpy(id, body, len);
		*id_len = len;
	}
	return rc;
}

int uicc_cmd_usim_authenticate(const uint8_t rand[16], const uint8_t autn[AIOT_AUTN_LEN],
                               uint8_t *out, size_t cap, size_t *out_len)
{
	if (rand == NULL || autn == NULL || out == NULL || out_len == NULL ||
	    cap < 6 + 2 * LV_RAND_LEN)
		return AIOT_ERR_INVAL;
	uint8_t *p = hdr(out, UICC_CLA_ISO, UICC_INS_AUTHENTICATE, 0x00, UICC_USIM_P2_3G) + 1;
	p = lv(p, rand, 16);
	p = lv(p, autn, AIOT_AUTN_LEN);
	return finish(out, p, 1, out_len);
}

/* TS 31.102 7.1.2.1: 'DB' '08' RES '10' CK '10' IK, or 'DC' '0E' AUTS. */
static int usim_parse(const uint8_t *b, size_t len, aiot_usim_result *r)
{
	if (len == 2 + AIOT_AUTS_LEN && b[0] == UICC_TAG_SYNC_FAIL && b[1] == AIOT_AUTS_LEN) {
		memcpy(r->auts, b + 2, AIOT_AUTS_LEN);
		return AIOT_USIM_SYNC_FAILURE;
	}
	if (len != USIM_DB_LEN || b[0] != UICC_TAG_SUCCESS || b[1] != 8 || b[10] != 16 ||
	    b[27] != 16)
		return AIOT_ERR_MALFORMED;
	memcpy(r->res, b + 2, 8);
	memcpy(r->ck, b + 11, 16);
	memcpy(r->ik, b + 28, 16);
	return AIOT_OK;
}

int uicc_rsp_usim_authenticate(const uint8_t *body, size_t len, uint16_t sw, aiot_usim_result *r)
{
	int rc;

	if (r == NULL || (body == NULL && len != 0))
		return AIOT_ERR_INVAL;
	aiot_zeroize(r, sizeof *r);
	rc = sw_rc(sw);
	if (rc == AIOT_OK)
		rc = usim_parse(body, len, r);
	else if (len != 0 && rc == AIOT_ERR_MAC)
		rc = AIOT_ERR_MALFORMED;
	return rc;
}

static uint8_t *aiot_hdr(uint8_t *out, uint8_t p1, uint8_t p2, const uint8_t rand_n[16],
                         const uint8_t rand_d[16])
{
	uint8_t *p = hdr(out, UICC_CLA_AIOT, UICC_INS_AUTHENTICATE, p1, p2) + 1;
	p = lv(p, rand_n, 16);
	return lv(p, rand_d, 16);
}

static int res_octets_ok(uint8_t n)
{
	return AIOT_RES_BITS_VALID(8u * n);
}

int uicc_cmd_aiot_inventory(const uint8_t rand_n[16], const uint8_t rand_d[16], uint8_t res_octets,
                            uint8_t *out, size_t cap, size_t *out_len)
{
	if (rand_n == NULL || rand_d == NULL || out == NULL || out_len == NULL ||
	    !res_octets_ok(res_octets) || cap < 6 + 2 * LV_RAND_LEN)
		return AIOT_ERR_INVAL;
	return finish(out, aiot_hdr(out, res_octets, UICC_AIOT_P2_INVENTORY, rand_n, rand_d), 1,
	              out_len);
}

int uicc_cmd_aiot_doa(const uint8_t rand_n[16], const uint8_t rand_d[16], const uint8_t *id,
                      uint8_t id_len, const uint8_t mac_n[AIOT_MACN_LEN], uint8_t res_octets,
                      uint8_t *out, size_t cap, size_t *out_len)
{
	if (rand_n == NULL || rand_d == NULL || id == NULL || mac_n == NULL || out == NULL ||
	    out_len == NULL || id_len == 0 || id_len > AIOT_DOA_ID_MAX ||
	    !res_octets_ok(res_octets) || cap < 6 + 2 * LV_RAND_LEN + 2u + id_len + AIOT_MACN_LEN)
		return AIOT_ERR_INVAL;
	uint8_t *p = aiot_hdr(out, res_octets, UICC_AIOT_P2_DOA, rand_n, rand_d);
	p = lv(p, id, id_len);
	p = lv(p, mac_n, AIOT_MACN_LEN);
	return finish(out, p, 1, out_len);
}

int uicc_cmd_aiot_next_tid(const uint8_t rand_n[16], const uint8_t rand_d[16], uint8_t *out,
                           size_t cap, size_t *out_len)
{
	if (rand_n == NULL || rand_d == NULL || out == NULL || out_len == NULL ||
	    cap < 6 + 2 * LV_RAND_LEN)
		return AIOT_ERR_INVAL;
	return finish(out, aiot_hdr(out, 0x00, UICC_AIOT_P2_NEXT_TID, rand_n, rand_d), 1, out_len);
}

/* 'DB' L RES '10' K_AIOTF, the answer of INVENTORY and DOA. */
static int res_kaiotf(const uint8_t *body, size_t len, uint16_t sw, uint8_t res_octets,
                      uint8_t *res, uint8_t k_aiotf[AIOT_KAIOTF_LEN])
{
	size_t l = res_octets;
	int rc;

	if (res == NULL || k_aiotf == NULL || (body == NULL && len != 0) ||
	    !res_octets_ok(res_octets))
		return AIOT_ERR_INVAL;
	rc = sw_rc(sw);
	if (rc == AIOT_OK && (len != 3 + l + AIOT_KAIOTF_LEN || body[0] != UICC_TAG_SUCCESS ||
	                      body[1] != l || body[2 + l] != AIOT_KAIOTF_LEN))
		rc = AIOT_ERR_MALFORMED;
	if (rc == AIOT_ERR_MAC && len != 0)
		rc = AIOT_ERR_MALFORMED;
	if (rc != AIOT_OK) {
		aiot_zeroize(res, l);
		aiot_zeroize(k_aiotf, AIOT_KAIOTF_LEN);
		return rc;
	}
	memcpy(res, body + 2, l);
	memcpy(k_aiotf, body + 3 + l, AIOT_KAIOTF_LEN);
	return AIOT_OK;
}

int uicc_rsp_aiot_inventory(const uint8_t *body, size_t len, uint16_t sw, uint8_t res_octets,
                            uint8_t *res, uint8_t k_aiotf[AIOT_KAIOTF_LEN])
{
	/* INVENTORY has no network proof to fail: '9862' is not one of its answers. */
	int rc = res_kaiotf(body, len, sw, res_octets, res, k_aiotf);
	return rc == AIOT_ERR_MAC ? AIOT_ERR_UNKNOWN : rc;
}

int uicc_rsp_aiot_doa(const uint8_t *body, size_t len, uint16_t sw, uint8_t res_octets,
                      uint8_t *res_d, uint8_t k_aiotf[AIOT_KAIOTF_LEN])
{
	return res_kaiotf(body, len, sw, res_octets, res_d, k_aiotf);
}

int uicc_rsp_aiot_next_tid(const uint8_t *body, size_t len, uint16_t sw, uint8_t tid[AIOT_TID_LEN])
{
	int rc;

	if (tid == NULL || (body == NULL && len != 0))
		return AIOT_ERR_INVAL;
	rc = sw == UICC_SW_OK ? AIOT_OK : AIOT_ERR_UNKNOWN;
	if (rc == AIOT_OK &&
	    (len != 2 + AIOT_TID_LEN || body[0] != UICC_TAG_SUCCESS || body[1] != AIOT_TID_LEN))
		rc = AIOT_ERR_MALFORMED;
	if (rc != AIOT_OK) {
		aiot_zeroize(tid, AIOT_TID_LEN);
		return rc;
	}
	memcpy(tid, body + 2, AIOT_TID_LEN);
	return AIOT_OK;
}
