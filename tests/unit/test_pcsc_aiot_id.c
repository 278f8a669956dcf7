/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EF_AIOT_ID, the card's one readable AIoT file (which device the card is): the card engine
 * (src/uicc) against its mirror, uicc_rsp_aiot_id, over T=0 and T=1; then cred_uicc's
 * aiot_cred_uicc_perm_id over the engine in process, with another host selecting the USIM
 * (or the EF_IMSI) of the same card between our calls: the answer is still the ID, and the
 * AIoT application's next command still works. The parser's refusals last.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "common/aiot_err.h"
#include "pcsc/cred_uicc.h"
#include "uicc/uicc_card.h"
#include "uicc/uicc_cmd.h"
#include "uicc_test_util.h"

static const uint8_t aid_aiot[] = {UICC_AID_AIOT};
static const uint8_t aid_usim[] = {UICC_AID_USIM};

static void card_with_id(uicc_card *c, const uint8_t *id, size_t n)
{
	uicc_perso p;
	uicc_test_perso(&p);
	memcpy(p.perm_id, id, n);
	p.perm_id_len = (uint8_t)n;
	assert_int_equal(uicc_card_init(c, &p), AIOT_OK);
}

static void test_mirror(void **state)
{
	(void)state;
	uint8_t id[AIOT_DOA_ID_MAX], got[AIOT_DOA_ID_MAX], capdu[UICC_CAPDU_MAX], body[256];
	size_t lens[] = {1, 12, AIOT_DOA_ID_MAX}, n, bl, gl;
	uint16_t sw;
	uicc_card c;

	for (size_t i = 0; i < sizeof id; i++)
		id[i] = (uint8_t)(0x31 * i + 7);
	for (size_t k = 0; k < 3; k++) {
		for (int t0 = 0; t0 < 2; t0++) {
			card_with_id(&c, id, lens[k]);
			uicc_test_select(&c, aid_aiot, sizeof aid_aiot);
			assert_int_equal(
			    uicc_cmd_select_fid(UICC_FID_EF_AIOT_ID, capdu, sizeof capdu, &n),
			    AIOT_OK);
			uicc_test_xfer(&c, capdu, n, t0, body, &bl, &sw);
			assert_int_equal(uicc_rsp_status(bl, sw), AIOT_OK);
			assert_int_equal(uicc_cmd_read_binary(0, 0, capdu, sizeof capdu, &n),
			                 AIOT_OK);
			uicc_test_xfer(&c, capdu, n, t0, body, &bl, &sw);
			assert_int_equal(uicc_rsp_aiot_id(body, bl, sw, got, &gl), AIOT_OK);
			assert_int_equal(gl, lens[k]);
			assert_memory_equal(got, id, gl);
			uicc_card_clear(&c);
		}
	}
	/* Under the USIM there is no EF_AIOT_ID. */
	card_with_id(&c, id, 12);
	uicc_test_select(&c, aid_usim, sizeof aid_usim);
	assert_int_equal(uicc_cmd_select_fid(UICC_FID_EF_AIOT_ID, capdu, sizeof capdu, &n),
	                 AIOT_OK);
	uicc_test_xfer(&c, capdu, n, 0, body, &bl, &sw);
	assert_int_equal(sw, UICC_SW_NOT_FOUND);
	uicc_card_clear(&c);
}

/* The engine in process, shared with another host: whenever the card is not held by us,
 * that host SELECTs the USIM and its EF_IMSI (what a UE sharing the card does) before our
 * command, and whenever we take the card it has just done so. */
typedef struct env {
	uicc_card card;
	int meddle, held;
	unsigned meddled;
} env;

static void other_host(env *e)
{
	uint8_t c[UICC_CAPDU_MAX], b[256];
	size_t n, bl;
	uint16_t s;

	if (!e->meddle)
		return;
	uicc_test_select(&e->card, aid_usim, sizeof aid_usim);
	assert_int_equal(uicc_cmd_select_fid(UICC_FID_EF_IMSI, c, sizeof c, &n), AIOT_OK);
	uicc_test_xfer(&e->card, c, n, 1, b, &bl, &s);
	e->meddled++;
}

static int engine_hold(void *io, int on, char *err, size_t errlen)
{
	env *e = io;

	(void)err, (void)errlen;
	if (on && e->held++ == 0)
		other_host(e);
	if (!on)
		assert_true(e->held-- > 0);
	return AIOT_OK;
}

static int engine_xfer(void *io, const uint8_t *capdu, size_t len, uint8_t *body, size_t cap,
                       size_t *body_len, uint16_t *sw, char *err, size_t errlen)
{
	env *e = io;

	(void)err, (void)errlen;
	assert_true(cap >= 256);
	if (e->held == 0)
		other_host(e);
	uicc_test_xfer(&e->card, capdu, len, 1, body, body_len, sw);
	return AIOT_OK;
}

static void test_cred_uicc_perm_id(void **state)
{
	(void)state;
	static const uint8_t id[12] = {0xC3, 0x5A, 0x96, 0x0F, 0x11, 0x22, 3, 4, 5, 6, 7, 8};
	uint8_t got[AIOT_DOA_ID_MAX], rn[16] = {1}, rd[16] = {2}, res[8], k[16];
	size_t gl;
	env e = {0};
	aiot_cred_uicc u;

	card_with_id(&e.card, id, sizeof id);
	assert_int_equal(aiot_cred_uicc_open(&u, engine_xfer, &e), AIOT_OK);
	u.link.hold = engine_hold;
	assert_int_equal(aiot_cred_uicc_perm_id(&u, got, &gl), AIOT_OK);
	assert_int_equal(gl, sizeof id);
	assert_memory_equal(got, id, gl);
	e.meddle = 1;
	for (int i = 0; i < 3; i++) {
		assert_int_equal(aiot_cred_uicc_perm_id(&u, got, &gl), AIOT_OK);
		assert_int_equal(gl, sizeof id);
		assert_memory_equal(got, id, gl);
		assert_int_equal(aiot_cred_uicc_ops.inventory(&u, rn, rd, 8, res, k), AIOT_OK);
	}
	assert_int_equal(e.held, 0);
	assert_true(e.meddled >= 6);
	uicc_card_clear(&e.card);
}

static void test_parser_refusals(void **state)
{
	(void)state;
	uint8_t body[AIOT_DOA_ID_MAX + 1] = {1, 2, 3}, id[AIOT_DOA_ID_MAX];
	size_t n = 99;

	assert_int_equal(uicc_rsp_aiot_id(body, 3, UICC_SW_NOT_FOUND, id, &n), AIOT_ERR_UNKNOWN);
	assert_int_equal(n, 0);
	assert_int_equal(uicc_rsp_aiot_id(body, 0, UICC_SW_OK, id, &n), AIOT_ERR_MALFORMED);
	assert_int_equal(uicc_rsp_aiot_id(body, sizeof body, UICC_SW_OK, id, &n),
	                 AIOT_ERR_MALFORMED);
	assert_int_equal(uicc_rsp_aiot_id(NULL, 3, UICC_SW_OK, id, &n), AIOT_ERR_INVAL);
	assert_int_equal(uicc_rsp_aiot_id(body, 3, UICC_SW_OK, id, &n), AIOT_OK);
	assert_int_equal(n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mirror),
	    cmocka_unit_test(test_cred_uicc_perm_id),
	    cmocka_unit_test(test_parser_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
