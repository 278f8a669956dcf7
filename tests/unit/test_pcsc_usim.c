/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card's applications as the host reaches them (src/pcsc: uicc_link, usim_uicc,
 * cred_uicc) over the card engine in process (no PC/SC; it_pcsc covers pcscd): the USIM
 * answers as the soft USIM of usim.h with the same K, OPc and SQN state (RES, CK, IK; MAC
 * failure; sync failure with the same AUTS), the IMSI comes from EF_IMSI, and each link
 * selects its application again when another host selected another one on the shared card.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/aiot_err.h"
#include "crypto/milenage.h"
#include "pcsc/cred_uicc.h"
#include "pcsc/usim_uicc.h"
#include "ue/usim.h"
#include "uicc/uicc_card.h"
#include "uicc_test_util.h"

static uicc_card card;
static int link_down, selects;

/* The engine behind a T=0 transport; link_down: the card is gone. */
static int engine_xfer(void *io, const uint8_t *capdu, size_t len, uint8_t *body, size_t cap,
                       size_t *body_len, uint16_t *sw, char *err, size_t errlen)
{
	*body_len = 0;
	*sw = 0;
	if (link_down) {
		snprintf(err, errlen, "the card was removed");
		return AIOT_ERR_STATE;
	}
	assert_true(cap >= 256);
	selects += capdu[1] == UICC_INS_SELECT && capdu[2] == UICC_SELECT_BY_AID;
	uicc_test_xfer(io, capdu, len, 1, body, body_len, sw);
	return AIOT_OK;
}

static uicc_perso perso;

static int setup(void **state)
{
	(void)state;
	uicc_test_perso(&perso);
	link_down = 0;
	selects = 0;
	return uicc_card_init(&card, &perso) == AIOT_OK ? 0 : -1;
}

/* AUTN for SQN under the perso's K/OPc. */
static void autn_for(const uint8_t rand[16], uint64_t sqn_v, uint8_t autn[16])
{
	uint8_t sqn[6];
	aiot_milenage_out m;

	for (int i = 0; i < 6; i++)
		sqn[i] = (uint8_t)(sqn_v >> (40 - 8 * i));
	aiot_milenage(perso.k, perso.opc, rand, sqn, perso.amf, &m);
	for (int i = 0; i < 6; i++)
		autn[i] = sqn[i] ^ m.ak[i];
	memcpy(autn + 6, perso.amf, 2);
	memcpy(autn + 8, m.mac_a, 8);
}

static void test_usim_mirrors_soft(void **state)
{
	aiot_usim_uicc u;
	aiot_usim soft;
	aiot_usim_result a, b;
	uint8_t rand[16], autn[16];
	char imsi[16];

	(void)state;
	aiot_usim_init(&soft, perso.k, perso.opc);
	assert_int_equal(aiot_usim_uicc_open(&u, engine_xfer, &card), AIOT_OK);
	assert_int_equal(aiot_usim_uicc_imsi(&u, imsi, sizeof imsi), AIOT_OK);
	assert_string_equal(imsi, perso.imsi);
	for (int i = 0; i < 16; i++)
		rand[i] = (uint8_t)(0x23 * i + 1);
	/* Fresh (SEQ 5, IND 1), replayed (sync failure, AUTS), forged (MAC failure). */
	const struct {
		uint64_t sqn;
		int flip, want;
	} steps[] = {{(5u << 5) | 1, 0, AIOT_OK},
	             {(5u << 5) | 1, 0, AIOT_USIM_SYNC_FAILURE},
	             {(9u << 5) | 2, 1, AIOT_ERR_MAC},
	             {(9u << 5) | 2, 0, AIOT_OK}};
	for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
		autn_for(rand, steps[s].sqn, autn);
		autn[15] ^= (uint8_t)steps[s].flip;
		assert_int_equal(aiot_usim_authenticate(&soft, rand, autn, &a), steps[s].want);
		assert_int_equal(aiot_usim_uicc_authenticate(&u, rand, autn, &b), steps[s].want);
		assert_memory_equal(&a, &b, sizeof a);
		if (steps[s].want == AIOT_ERR_MAC)
			assert_non_null(strstr(u.link.err, "9862"));
	}
	aiot_usim_clear(&soft);
}

/* Two links on one card, as two host processes sharing it: each finds its application
 * deselected by the other and selects it again, once per switch. */
static void test_links_reselect(void **state)
{
	aiot_usim_uicc u;
	aiot_cred_uicc c;
	aiot_usim_result r;
	uint8_t rand[16] = {7}, rand_d[16] = {9}, autn[16], res[8], k[AIOT_KAIOTF_LEN],
	        tid[AIOT_TID_LEN];

	(void)state;
	assert_int_equal(aiot_usim_uicc_open(&u, engine_xfer, &card), AIOT_OK);
	assert_int_equal(aiot_cred_uicc_open(&c, engine_xfer, &card), AIOT_OK);
	assert_int_equal(selects, 2);
	autn_for(rand, 1u << 5, autn);
	assert_int_equal(aiot_usim_uicc_authenticate(&u, rand, autn, &r), AIOT_OK);
	assert_int_equal(selects, 3);
	assert_int_equal(aiot_cred_uicc_ops.inventory(&c, rand, rand_d, 8, res, k), AIOT_OK);
	assert_int_equal(aiot_cred_uicc_ops.next_tid(&c, rand, rand_d, tid), AIOT_OK);
	assert_int_equal(selects, 4);
	/* The card gone: the op fails with its outputs zeroed and the reason kept. */
	link_down = 1;
	assert_int_equal(aiot_cred_uicc_ops.inventory(&c, rand, rand_d, 8, res, k),
	                 AIOT_ERR_CALLBACK);
	assert_true(uicc_test_all_zero(res, sizeof res) && uicc_test_all_zero(k, sizeof k));
	assert_non_null(strstr(c.link.err, "removed"));
	assert_int_equal(aiot_usim_uicc_authenticate(&u, rand, autn, &r), AIOT_ERR_STATE);
}

/* A card without the application: the open says so. */
static void test_no_application(void **state)
{
	static const uint8_t other[] = {0xA0, 0x00, 0x00, 0x00, 0x99};
	aiot_uicc_link l;

	(void)state;
	assert_int_equal(aiot_uicc_link_open(&l, engine_xfer, &card, other, sizeof other),
	                 AIOT_ERR_NOTFOUND);
	assert_non_null(strstr(l.err, "no such application"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_usim_mirrors_soft, setup),
	    cmocka_unit_test_setup(test_links_reselect, setup),
	    cmocka_unit_test_setup(test_no_application, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
