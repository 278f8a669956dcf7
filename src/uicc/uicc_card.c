/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card engine's ISO/IEC 7816 side (uicc_card.h): APDU cases, SELECT, READ BINARY, GET
 * RESPONSE, the T=0 rule and the ATR; the AUTHENTICATE commands are uicc_auth.c's.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "crypto/ct.h"
#include "uicc/uicc_card.h"
#include "uicc/uicc_card_internal.h"

static const uint8_t aid_usim[] = {UICC_AID_USIM};
static const uint8_t aid_aiot[] = {UICC_AID_AIOT};

#define SELECT_P2_FCI 0x00 /* ISO 7816-4: first occurrence, return FCI: answered with FCP */
#define SELECT_P2_FCP 0x04
#define SELECT_P2_NONE 0x0C
#define FCP_TAG 0x62
#define READ_BINARY_SFI 0x80 /* P1 bit 8: short file identifier (not supported) */

/* TS 31.102 4.2.2: length octet, then the digits in BCD, low nibble first, after the parity
 * nibble ('9' for an odd number of digits, '1' for even); 'F' fills the rest. */
static void ef_imsi_encode(const char *imsi, size_t nd, uint8_t ef[UICC_EF_IMSI_LEN])
{
	memset(ef, 0xFF, UICC_EF_IMSI_LEN);
	ef[0] = (uint8_t)((nd + 2) / 2);
	ef[1] = (uint8_t)((nd & 1) ? 0x09 : 0x01);
	for (size_t i = 0; i < nd; i++) {
		uint8_t d = (uint8_t)(imsi[i] - '0'), *o = &ef[1 + (i + 1) / 2];
		*o = ((i + 1) & 1) ? (uint8_t)((*o & 0x0F) | d << 4) : (uint8_t)((*o & 0xF0) | d);
	}
}

static int perso_ok(const uicc_perso *p, size_t *nd)
{
	size_t n = 0;
	while (n <= UICC_IMSI_MAX && p->imsi[n] >= '0' && p->imsi[n] <= '9')
		n++;
	*nd = n;
	if (p->apps == 0 || (p->apps & ~(UICC_HAS_USIM | UICC_HAS_AIOT)) != 0)
		return 0;
	if ((p->apps & UICC_HAS_USIM) &&
	    (n < UICC_IMSI_MIN || n > UICC_IMSI_MAX || p->imsi[n] != '\0'))
		return 0;
	return !(p->apps & UICC_HAS_AIOT) ||
	       (aiot_suite_check_key(p->suite, p->aiot_key_len) == AIOT_OK && p->perm_id_len >= 1 &&
	        p->perm_id_len <= AIOT_DOA_ID_MAX);
}

int uicc_card_init(uicc_card *c, const uicc_perso *p)
{
	size_t nd;
	uint64_t sqn = 0;

	if (c == NULL || p == NULL)
		return AIOT_ERR_INVAL;
	memset(c, 0, sizeof *c);
	if (!perso_ok(p, &nd))
		return AIOT_ERR_INVAL;
	c->apps = p->apps;
	aiot_usim_init(&c->usim, p->k, p->opc);
	for (unsigned i = 0; i < 6; i++)
		sqn = sqn << 8 | p->sqn[i];
	c->usim.seq_ms[sqn & (AIOT_USIM_NIND - 1)] = sqn >> AIOT_USIM_IND_BITS;
	memcpy(c->aiot_key, p->aiot_key, p->aiot_key_len);
	c->aiot_key_len = p->aiot_key_len;
	c->suite = p->suite;
	ef_imsi_encode(p->imsi, nd, c->ef_imsi);
	memcpy(c->perm_id, p->perm_id, p->perm_id_len);
	c->perm_id_len = p->perm_id_len;
	uicc_card_reset(c);
	return AIOT_OK;
}

void uicc_card_reset(uicc_card *c)
{
	c->app = UICC_APP_NONE;
	c->ef = 0;
	c->pending = 0;
	aiot_zeroize(c->out, sizeof c->out);
}

void uicc_card_clear(uicc_card *c)
{
	if (c != NULL)
		aiot_zeroize(c, sizeof *c);
}

/* ISO/IEC 7816-3 8.2: TS '3B' (direct convention), T0 (Y1, K), TD1 [TD2], historical
 * bytes, TCK (present whenever T=1 is offered). Historical bytes (ISO/IEC 7816-4 8.1.1):
 * category '80', then the compact-TLV application identifier 'F6' and the AIoT AID. */
size_t uicc_card_atr(int t0, int t1, uint8_t out[UICC_ATR_MAX])
{
	static const uint8_t hist[] = {0x80, 0xF0 | UICC_AID_AIOT_LEN, UICC_AID_AIOT};
	size_t n = 0;

	if (!t0 && !t1)
		return 0;
	out[n++] = 0x3B;
	out[n++] = (uint8_t)((t1 ? 0x80 : 0x00) | sizeof hist);
	if (t1 && t0)
		out[n++] = 0x80; /* TD1: T=0, TD2 follows */
	if (t1)
		out[n++] = 0x01; /* TD1 or TD2: T=1 */
	memcpy(out + n, hist, sizeof hist);
	n += sizeof hist;
	if (t1) {
		uint8_t tck = 0;
		for (size_t i = 1; i < n; i++)
			tck ^= out[i];
		out[n++] = tck;
	}
	return n;
}

/* ISO/IEC 7816-3 12.1.3, short APDUs only: 0 or a status word. */
static uint16_t apdu_parse(const uint8_t *b, size_t len, uicc_apdu *a)
{
	memset(a, 0, sizeof *a);
	if (len < 4)
		return UICC_SW_WRONG_LENGTH;
	a->cla = b[0], a->ins = b[1], a->p1 = b[2], a->p2 = b[3];
	if (len == 4)
		return 0; /* case 1 */
	if (len == 5) {
		a->has_le = 1, a->le = b[4] ? b[4] : 256; /* case 2 */
		return 0;
	}
	if (b[4] == 0 || (len != 5u + b[4] && len != 6u + b[4]))
		return UICC_SW_WRONG_LENGTH; /* extended length, or Lc that does not fit */
	a->lc = b[4], a->data = b + 5;
	if (len == 6u + b[4])
		a->has_le = 1, a->le = b[5 + b[4]] ? b[5 + b[4]] : 256; /* case 4 */
	return 0;
}

static size_t sw_put(uint8_t *r, size_t n, uint16_t sw)
{
	r[n] = (uint8_t)(sw >> 8);
	r[n + 1] = (uint8_t)sw;
	return n + 2;
}

/* Data from a command that produced n octets in c->out: the T=0 rule (uicc_card.h). Le '00'
 * (256) takes whatever there is. */
static size_t answer(uicc_card *c, const uicc_apdu *a, size_t n, uint16_t sw, uint8_t *r)
{
	if (sw != UICC_SW_OK || n == 0)
		return sw_put(r, 0, sw);
	if (!a->has_le || a->le < n) {
		c->pending = (uint16_t)n;
		return sw_put(r, 0, (uint16_t)(UICC_SW1_MORE << 8 | (n & 0xFF)));
	}
	memcpy(r, c->out, n);
	aiot_zeroize(c->out, n);
	return sw_put(r, n, UICC_SW_OK);
}

static size_t get_response(uicc_card *c, const uicc_apdu *a, uint8_t *r)
{
	size_t have = c->pending, give;

	if (a->lc != 0 || !a->has_le)
		return sw_put(r, 0, UICC_SW_WRONG_LENGTH);
	if (a->p1 != 0 || a->p2 != 0)
		return sw_put(r, 0, UICC_SW_WRONG_P1P2);
	if (have == 0)
		return sw_put(r, 0, UICC_SW_NOT_ALLOWED);
	if (a->le != 256 && a->le > have)
		return sw_put(r, 0, (uint16_t)(UICC_SW1_WRONG_LE << 8 | have));
	give = a->le < have ? a->le : have;
	memcpy(r, c->out, give);
	memmove(c->out, c->out + give, have - give);
	aiot_zeroize(c->out + (have - give), give);
	c->pending = (uint16_t)(have - give);
	if (c->pending)
		return sw_put(r, give, (uint16_t)(UICC_SW1_MORE << 8 | (c->pending & 0xFF)));
	return sw_put(r, give, UICC_SW_OK);
}

/* TS 102 221 11.1.1.3: the FCP template of an ADF ('84' its AID) or an EF ('83' its file
 * identifier, '80' its size). */
static size_t fcp(const uicc_card *c, uint16_t fid, uint8_t *o)
{
	int df = fid == 0 || fid == UICC_FID_MF;
	size_t n = 2;

	o[n++] = 0x82, o[n++] = 2, o[n++] = df ? 0x78 : 0x41, o[n++] = 0x21;
	if (fid == 0) { /* the ADF just selected */
		const uint8_t *aid = c->app == UICC_APP_USIM ? aid_usim : aid_aiot;
		size_t al = c->app == UICC_APP_USIM ? sizeof aid_usim : sizeof aid_aiot;
		o[n++] = 0x84, o[n++] = (uint8_t)al;
		memcpy(o + n, aid, al);
		n += al;
	} else {
		o[n++] = 0x83, o[n++] = 2, o[n++] = (uint8_t)(fid >> 8), o[n++] = (uint8_t)fid;
	}
	if (!df) {
		size_t size = fid == UICC_FID_EF_IMSI ? UICC_EF_IMSI_LEN : c->perm_id_len;
		o[n++] = 0x80, o[n++] = 2, o[n++] = 0, o[n++] = (uint8_t)size;
	}
	o[0] = FCP_TAG, o[1] = (uint8_t)(n - 2);
	return n;
}

static uint8_t aid_match(const uicc_card *c, const uicc_apdu *a)
{
	if ((c->apps & UICC_HAS_USIM) && a->lc >= UICC_AID_USIM_PREFIX_LEN &&
	    a->lc <= sizeof aid_usim && memcmp(a->data, aid_usim, a->lc) == 0)
		return UICC_APP_USIM;
	if ((c->apps & UICC_HAS_AIOT) && a->lc == sizeof aid_aiot &&
	    memcmp(a->data, aid_aiot, a->lc) == 0)
		return UICC_APP_AIOT;
	return UICC_APP_NONE;
}

/* The EF a file identifier names in the current application, or 0. */
static uint16_t fid_match(const uicc_card *c, uint16_t fid)
{
	if (fid == UICC_FID_MF)
		return fid;
	if ((fid == UICC_FID_EF_IMSI && c->app == UICC_APP_USIM) ||
	    (fid == UICC_FID_EF_AIOT_ID && c->app == UICC_APP_AIOT))
		return fid;
	return 0;
}

static size_t select(uicc_card *c, const uicc_apdu *a, uint8_t *r)
{
	uint16_t fid = 0;
	uint8_t app;

	if (a->lc == 0)
		return sw_put(r, 0, UICC_SW_WRONG_LENGTH);
	if (a->p2 != SELECT_P2_FCI && a->p2 != SELECT_P2_FCP && a->p2 != SELECT_P2_NONE)
		return sw_put(r, 0, UICC_SW_WRONG_P1P2);
	if (a->p1 == UICC_SELECT_BY_AID) {
		if ((app = aid_match(c, a)) == UICC_APP_NONE)
			return sw_put(r, 0, UICC_SW_NOT_FOUND);
		c->app = app, c->ef = 0;
	} else if (a->p1 == UICC_SELECT_BY_FID) {
		if (a->lc != 2)
			return sw_put(r, 0, UICC_SW_WRONG_LENGTH);
		if ((fid = fid_match(c, (uint16_t)(a->data[0] << 8 | a->data[1]))) == 0)
			return sw_put(r, 0, UICC_SW_NOT_FOUND);
		if (fid == UICC_FID_MF)
			c->app = UICC_APP_NONE, c->ef = 0;
		else
			c->ef = fid;
	} else {
		return sw_put(r, 0, UICC_SW_WRONG_P1P2);
	}
	if (a->p2 == SELECT_P2_NONE)
		return sw_put(r, 0, UICC_SW_OK);
	return answer(c, a, fcp(c, fid, c->out), UICC_SW_OK, r);
}

/* READ BINARY of the current EF (ISO/IEC 7816-4 11.2.3): offset P1-P2 (15 bits). Le '00'
 * reads to the end; a longer Le than the file holds is answered '6Cxx'. */
static size_t read_binary(const uicc_card *c, const uicc_apdu *a, uint8_t *r)
{
	const uint8_t *file = c->ef == UICC_FID_EF_IMSI ? c->ef_imsi : c->perm_id;
	size_t size = c->ef == UICC_FID_EF_IMSI ? UICC_EF_IMSI_LEN : c->perm_id_len, off, avail;

	if (a->lc != 0 || !a->has_le)
		return sw_put(r, 0, UICC_SW_WRONG_LENGTH);
	if (a->p1 & READ_BINARY_SFI)
		return sw_put(r, 0, UICC_SW_WRONG_P1P2);
	if (c->ef == 0 || c->ef == UICC_FID_MF)
		return sw_put(r, 0, UICC_SW_NOT_ALLOWED);
	off = (size_t)a->p1 << 8 | a->p2;
	if (off >= size)
		return sw_put(r, 0, UICC_SW_WRONG_OFFSET);
	avail = size - off;
	if (a->le != 256 && a->le > avail)
		return sw_put(r, 0, (uint16_t)(UICC_SW1_WRONG_LE << 8 | avail));
	if (a->le < avail)
		avail = a->le;
	memcpy(r, file + off, avail);
	return sw_put(r, avail, UICC_SW_OK);
}

static size_t authenticate(uicc_card *c, const uicc_apdu *a, uint8_t *r)
{
	size_t n = 0;
	uint16_t sw = a->cla == UICC_CLA_ISO ? uicc_usim_authenticate(c, a, &n)
	                                     : uicc_aiot_authenticate(c, a, &n);
	return answer(c, a, n, sw, r);
}

static size_t dispatch(uicc_card *c, const uicc_apdu *a, uint8_t *r)
{
	if (a->cla != UICC_CLA_ISO && a->cla != UICC_CLA_AIOT)
		return sw_put(r, 0, UICC_SW_CLA_UNKNOWN);
	if (a->ins == UICC_INS_GET_RESPONSE)
		return get_response(c, a, r);
	c->pending = 0; /* any other command drops an answer not fetched */
	aiot_zeroize(c->out, sizeof c->out);
	if (a->ins == UICC_INS_AUTHENTICATE)
		return authenticate(c, a, r);
	if (a->cla != UICC_CLA_ISO)
		return sw_put(r, 0, UICC_SW_INS_UNKNOWN);
	if (a->ins == UICC_INS_SELECT)
		return select(c, a, r);
	if (a->ins == UICC_INS_READ_BINARY)
		return read_binary(c, a, r);
	return sw_put(r, 0, UICC_SW_INS_UNKNOWN);
}

int uicc_card_apdu(uicc_card *c, const uint8_t *capdu, size_t len, uint8_t *rapdu, size_t cap,
                   size_t *rlen)
{
	uicc_apdu a;
	uint16_t sw;

	if (c == NULL || (capdu == NULL && len != 0) || rapdu == NULL || rlen == NULL ||
	    cap < UICC_RAPDU_MAX)
		return AIOT_ERR_INVAL;
	if ((sw = apdu_parse(capdu, len, &a)) != 0) {
		c->pending = 0;
		aiot_zeroize(c->out, sizeof c->out);
		*rlen = sw_put(rapdu, 0, sw);
		return AIOT_OK;
	}
	*rlen = dispatch(c, &a, rapdu);
	return AIOT_OK;
}
