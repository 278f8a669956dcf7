/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers of the card engine's tests (test_uicc_*.c): a perso, and an exchange that plays
 * the host's T=0 or T=1 framing (Le dropped, '61xx' fetched with GET RESPONSE, '6Cxx'
 * re-sent) and checks that no answer carries any 8 consecutive octets of a card key. */
#ifndef AIOT_UICC_TEST_UTIL_H
#define AIOT_UICC_TEST_UTIL_H
#include <string.h>

#include "uicc/uicc_card.h"
#include "uicc/uicc_cmd.h"

static inline void uicc_test_perso(uicc_perso *p)
{
	memset(p, 0, sizeof *p);
	p->apps = UICC_HAS_USIM | UICC_HAS_AIOT;
	strcpy(p->imsi, "001010000000001");
	for (unsigned i = 0; i < 16; i++)
		p->k[i] = (uint8_t)(0xA0 + i), p->opc[i] = (uint8_t)(0x50 + 3 * i);
	for (unsigned i = 0; i < 32; i++)
		p->aiot_key[i] = (uint8_t)(0x10 + 7 * i);
	p->aiot_key_len = 32;
	p->suite = AIOT_SUITE_3GPP;
	p->amf[0] = 0x80;
	memcpy(p->perm_id, "device-0001", 11);
	p->perm_id_len = 11;
}

static inline int uicc_test_holds(const uint8_t *r, size_t n, const uint8_t *key, size_t kl)
{
	for (size_t w = 0; w + 8 <= kl; w++)
		for (size_t i = 0; i + 8 <= n; i++)
			if (memcmp(r + i, key + w, 8) == 0)
				return 1;
	return 0;
}

/* One raw exchange; the answer checked for keys. */
static inline void uicc_test_raw(uicc_card *c, const uint8_t *capdu, size_t n, uint8_t *r,
                                 size_t *rl)
{
	assert_int_equal(uicc_card_apdu(c, capdu, n, r, UICC_RAPDU_MAX, rl), AIOT_OK);
	assert_true(*rl >= 2 && *rl <= UICC_RAPDU_MAX);
	assert_false(uicc_test_holds(r, *rl, c->usim.k, 16));
	assert_false(uicc_test_holds(r, *rl, c->usim.opc, 16));
	assert_false(uicc_test_holds(r, *rl, c->aiot_key, c->aiot_key_len));
}

static inline void uicc_test_xfer(uicc_card *c, const uint8_t *capdu, size_t n, int t0,
                                  uint8_t *body, size_t *bl, uint16_t *sw)
{
	uint8_t cmd[UICC_CAPDU_MAX], r[UICC_RAPDU_MAX];
	size_t rl;

	memcpy(cmd, capdu, n);
	if (t0 && n > 5 && n == 6u + cmd[4])
		n--; /* T=0: a case-4 command goes without Le */
	*bl = 0;
	for (int round = 0; round < 8; round++) {
		uicc_test_raw(c, cmd, n, r, &rl);
		*sw = (uint16_t)(r[rl - 2] << 8 | r[rl - 1]);
		memcpy(body + *bl, r, rl - 2);
		*bl += rl - 2;
		if (r[rl - 2] == UICC_SW1_MORE) {
			const uint8_t gr[5] = {0x00, UICC_INS_GET_RESPONSE, 0, 0, r[rl - 1]};
			memcpy(cmd, gr, 5), n = 5;
		} else if (r[rl - 2] == UICC_SW1_WRONG_LE) {
			cmd[n - 1] = r[rl - 1];
		} else {
			return;
		}
	}
	fail_msg("no final status word after 8 exchanges");
}

static inline void uicc_test_select(uicc_card *c, const uint8_t *aid, size_t len)
{
	uint8_t capdu[UICC_CAPDU_MAX], body[256];
	size_t n, bl;
	uint16_t sw;
	assert_int_equal(uicc_cmd_select_aid(aid, len, capdu, sizeof capdu, &n), AIOT_OK);
	uicc_test_xfer(c, capdu, n, 0, body, &bl, &sw);
	assert_int_equal(uicc_rsp_status(bl, sw), AIOT_OK);
}

static inline void uicc_test_read_imsi(uicc_card *c, int t0, char *imsi, size_t cap)
{
	uint8_t capdu[UICC_CAPDU_MAX], body[256];
	size_t n, bl;
	uint16_t sw;
	assert_int_equal(uicc_cmd_select_fid(UICC_FID_EF_IMSI, capdu, sizeof capdu, &n), AIOT_OK);
	uicc_test_xfer(c, capdu, n, t0, body, &bl, &sw);
	assert_int_equal(uicc_rsp_status(bl, sw), AIOT_OK);
	assert_int_equal(
	    uicc_cmd_read_binary(0, t0 ? 0 : UICC_EF_IMSI_LEN, capdu, sizeof capdu, &n), AIOT_OK);
	uicc_test_xfer(c, capdu, n, t0, body, &bl, &sw);
	assert_int_equal(uicc_rsp_imsi(body, bl, sw, imsi, cap), AIOT_OK);
}

static inline int uicc_test_all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	for (size_t i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

#endif
