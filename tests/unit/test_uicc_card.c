/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The card engine (src/uicc/uicc_card.c, uicc_auth.c) against its mirror, the host's APDU
 * codec (uicc_cmd.c), both ways of T=0/T=1 framing: TS 35.208 sets 1 to 6 through USIM
 * AUTHENTICATE (RES, CK, IK), SQN replay -> 'DC' AUTS that the network verifies, MAC failure
 * -> '9862'; the AIoT application's INVENTORY, DOA (MAC_N right and wrong) and NEXT_TID
 * against the network's derivations (the OpenSSL backend); the IMSI through SELECT + READ
 * BINARY; a state-file failure that must withhold RES; and the ATR. Every answer is scanned
 * for the card's keys. The malformed-APDU battery is test_uicc_malformed.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/hex.h"
#include "crypto/backend_openssl.h"
#include "crypto/milenage.h"
#include "uicc/uicc_card.h"
#include "uicc/uicc_cmd.h"
#include "uicc_test_util.h"

#include "ts35208_sets.h"

static void unhex(const char *s, uint8_t *out, size_t n)
{
	assert_int_equal(strlen(s), 2 * n);
	assert_int_equal(aiot_hex_decode(s, 2 * n, out, n), (int)n);
}

static void put48(uint8_t p[6], uint64_t v)
{
	for (unsigned i = 0; i < 6; i++)
		p[i] = (uint8_t)(v >> (40 - 8 * i));
}

static uint64_t get48(const uint8_t p[6])
{
	uint64_t v = 0;
	for (unsigned i = 0; i < 6; i++)
		v = v << 8 | p[i];
	return v;
}

/* A card personalised with test set t, its SQN_MS one step (32) below the set's SQN. */
static void card_for_set(uicc_card *c, const struct tset *t)
{
	uicc_perso p;
	uint8_t sqn[6];
	uicc_test_perso(&p);
	unhex(t->k, p.k, 16);
	unhex(t->opc, p.opc, 16);
	unhex(t->sqn, sqn, 6);
	put48(p.sqn, get48(sqn) - 32);
	assert_int_equal(uicc_card_init(c, &p), AIOT_OK);
	uicc_test_select(c, (const uint8_t[]){UICC_AID_USIM_PREFIX}, UICC_AID_USIM_PREFIX_LEN);
}

static void autn_for_set(const struct tset *t, uint8_t autn[16])
{
	uint8_t sqn[6], ak[6];
	unhex(t->sqn, sqn, 6);
	unhex(t->f5, ak, 6);
	for (int i = 0; i < 6; i++)
		autn[i] = sqn[i] ^ ak[i];
	unhex(t->amf, autn + 6, 2);
	unhex(t->f1, autn + 8, 8);
}

static int usim_auth(uicc_card *c, const uint8_t rand[16], const uint8_t autn[16], int t0,
                     aiot_usim_result *r)
{
	uint8_t capdu[UICC_CAPDU_MAX], body[256];
	size_t n, bl;
	uint16_t sw;
	assert_int_equal(uicc_cmd_usim_authenticate(rand, autn, capdu, sizeof capdu, &n), AIOT_OK);
	uicc_test_xfer(c, capdu, n, t0, body, &bl, &sw);
	return uicc_rsp_usim_authenticate(body, bl, sw, r);
}

static void test_ts35208_through_authenticate(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		const struct tset *t = &sets[i];
		uint8_t rand[16], autn[16], want[16], sqn[6], back[6], k[16], opc[16];
		aiot_usim_result r;
		uicc_card c;
		card_for_set(&c, t);
		unhex(t->rand, rand, 16);
		autn_for_set(t, autn);
		assert_int_equal(usim_auth(&c, rand, autn, (int)(i & 1), &r), AIOT_OK);
		unhex(t->f2, want, 8);
		assert_memory_equal(r.res, want, 8);
		unhex(t->f3, want, 16);
		assert_memory_equal(r.ck, want, 16);
		unhex(t->f4, want, 16);
		assert_memory_equal(r.ik, want, 16);
		/* the same AUTN again: a replay, 'DC' with AUTS carrying SQN_MS = the set's SQN */
		assert_int_equal(usim_auth(&c, rand, autn, (int)!(i & 1), &r),
		                 AIOT_USIM_SYNC_FAILURE);
		unhex(t->k, k, 16);
		unhex(t->opc, opc, 16);
		unhex(t->sqn, sqn, 6);
		assert_int_equal(aiot_milenage_auts(k, opc, rand, r.auts, back), AIOT_OK);
		assert_memory_equal(back, sqn, 6);
		/* one bit of MAC-A flipped: '9862', nothing written */
		autn[15] ^= 1;
		assert_int_equal(usim_auth(&c, rand, autn, 1, &r), AIOT_ERR_MAC);
		uicc_card_clear(&c);
	}
}

static int fail_persist(void *user, const aiot_usim *u)
{
	(void)u;
	++*(int *)user;
	return -1;
}

/* A card that cannot record its SQN answers '6F00', keeps the old array, and gives the RES
 * once recording works again. */
static void test_persist_failure_withholds_res(void **state)
{
	(void)state;
	uint8_t rand[16], autn[16];
	aiot_usim_result r;
	uicc_card c;
	int calls = 0;
	card_for_set(&c, &sets[0]);
	unhex(sets[0].rand, rand, 16);
	autn_for_set(&sets[0], autn);
	uint64_t before[AIOT_USIM_NIND];
	memcpy(before, c.usim.seq_ms, sizeof before);
	c.persist = fail_persist, c.persist_user = &calls;
	assert_int_equal(usim_auth(&c, rand, autn, 0, &r), AIOT_ERR_UNKNOWN);
	assert_int_equal(calls, 1);
	assert_memory_equal(before, c.usim.seq_ms, sizeof before);
	c.persist = NULL;
	assert_int_equal(usim_auth(&c, rand, autn, 0, &r), AIOT_OK);
	uicc_card_clear(&c);
}

static void test_imsi_read(void **state)
{
	(void)state;
	static const char *imsis[] = {"001010000000001", "00101000000012", "123456"};
	for (size_t i = 0; i < 3; i++) {
		uicc_perso p;
		uicc_card c;
		char got[16];
		uicc_test_perso(&p);
		strcpy(p.imsi, imsis[i]);
		assert_int_equal(uicc_card_init(&c, &p), AIOT_OK);
		uicc_test_select(&c, (const uint8_t[]){UICC_AID_USIM}, UICC_AID_USIM_LEN);
		uicc_test_read_imsi(&c, (int)(i & 1), got, sizeof got);
		assert_string_equal(got, imsis[i]);
		uicc_card_clear(&c);
	}
}

/* The AIoT application against the network's derivations with the same key. */
static void check_aiot(aiot_suite suite, size_t key_len)
{
	aiot_backend *be = aiot_backend_openssl_new();
	uint8_t rn[16], rd[16], res[16], k[16], want[16], wk[16], tid[16], mac[8], id[20];
	uint8_t capdu[UICC_CAPDU_MAX], body[256];
	size_t n, bl;
	uint16_t sw;
	uicc_perso p;
	uicc_card c;

	assert_non_null(be);
	uicc_test_perso(&p);
	p.suite = suite, p.aiot_key_len = (uint8_t)key_len;
	assert_int_equal(uicc_card_init(&c, &p), AIOT_OK);
	uicc_test_select(&c, (const uint8_t[]){UICC_AID_AIOT}, UICC_AID_AIOT_LEN);
	memset(rn, 0x11, 16), memset(rd, 0x22, 16), memset(id, 0x33, sizeof id);
	for (uint8_t l = 4; l <= 16; l += 4) {
		assert_int_equal(uicc_cmd_aiot_inventory(rn, rd, l, capdu, sizeof capdu, &n), 0);
		uicc_test_xfer(&c, capdu, n, l & 4, body, &bl, &sw);
		assert_int_equal(uicc_rsp_aiot_inventory(body, bl, sw, l, res, k), AIOT_OK);
		assert_int_equal(
		    aiot_derive_res(be, suite, p.aiot_key, key_len, rn, rd, 8u * l, want), AIOT_OK);
		assert_memory_equal(res, want, l);
		assert_int_equal(aiot_derive_kaiotf(be, suite, p.aiot_key, key_len, rn, rd, wk), 0);
		assert_memory_equal(k, wk, 16);
		/* DO-A with the network's MAC_N, then with a wrong one */
		assert_int_equal(
		    aiot_derive_macn(be, suite, p.aiot_key, key_len, rn, rd, id, sizeof id, mac),
		    0);
		assert_int_equal(
		    uicc_cmd_aiot_doa(rn, rd, id, sizeof id, mac, l, capdu, sizeof capdu, &n),
		    AIOT_OK);
		uicc_test_xfer(&c, capdu, n, !(l & 4), body, &bl, &sw);
		assert_int_equal(uicc_rsp_aiot_doa(body, bl, sw, l, res, k), AIOT_OK);
		assert_int_equal(aiot_derive_resd(be, suite, p.aiot_key, key_len, rn, rd, id,
		                                  sizeof id, 8u * l, want),
		                 AIOT_OK);
		assert_memory_equal(res, want, l);
		assert_memory_equal(k, wk, 16);
		mac[l % 8] ^= 0x40;
		assert_int_equal(
		    uicc_cmd_aiot_doa(rn, rd, id, sizeof id, mac, l, capdu, sizeof capdu, &n),
		    AIOT_OK);
		uicc_test_xfer(&c, capdu, n, 1, body, &bl, &sw);
		assert_int_equal(sw, UICC_SW_AUTH_ERROR);
		assert_int_equal(uicc_rsp_aiot_doa(body, bl, sw, l, res, k), AIOT_ERR_MAC);
		assert_true(uicc_test_all_zero(res, l) && uicc_test_all_zero(k, 16));
		rn[0]++;
	}
	assert_int_equal(uicc_cmd_aiot_next_tid(rn, rd, capdu, sizeof capdu, &n), AIOT_OK);
	uicc_test_xfer(&c, capdu, n, 0, body, &bl, &sw);
	assert_int_equal(uicc_rsp_aiot_next_tid(body, bl, sw, tid), AIOT_OK);
	assert_int_equal(aiot_derive_tid(be, suite, p.aiot_key, key_len, rn, rd, want), AIOT_OK);
	assert_memory_equal(tid, want, 16);
	uicc_card_clear(&c);
	aiot_backend_openssl_free(be);
}

static void test_aiot_app(void **state)
{
	(void)state;
	check_aiot(AIOT_SUITE_3GPP, 32);
	check_aiot(AIOT_SUITE_3GPP, 16);
	check_aiot(AIOT_SUITE_AES, 16);
}

/* The host's parsers refuse what a card must not answer, and zero their outputs. */
static void test_cmd_parsers_refuse(void **state)
{
	(void)state;
	uint8_t body[64], res[16], k[16], tid[16];
	aiot_usim_result r;
	char imsi[16];

	memset(body, 0, sizeof body);
	body[0] = UICC_TAG_SUCCESS, body[1] = 8, body[10] = 16, body[27] = 16;
	assert_int_equal(uicc_rsp_usim_authenticate(body, 44, UICC_SW_OK, &r), AIOT_OK);
	assert_int_equal(uicc_rsp_usim_authenticate(body, 45, UICC_SW_OK, &r), AIOT_ERR_MALFORMED);
	assert_int_equal(uicc_rsp_usim_authenticate(body, 43, UICC_SW_OK, &r), AIOT_ERR_MALFORMED);
	assert_int_equal(uicc_rsp_usim_authenticate(body, 0, 0x6A82, &r), AIOT_ERR_UNKNOWN);
	assert_int_equal(uicc_rsp_usim_authenticate(body, 0, UICC_SW_AUTH_ERROR, &r), AIOT_ERR_MAC);
	body[0] = UICC_TAG_SYNC_FAIL;
	assert_int_equal(uicc_rsp_usim_authenticate(body, 44, UICC_SW_OK, &r), AIOT_ERR_MALFORMED);
	body[0] = UICC_TAG_SUCCESS, body[1] = 8, body[10] = 16;
	assert_int_equal(uicc_rsp_aiot_inventory(body, 27, UICC_SW_OK, 8, res, k), AIOT_OK);
	memset(res, 0xAA, sizeof res), memset(k, 0xAA, sizeof k);
	assert_int_equal(uicc_rsp_aiot_inventory(body, 27, UICC_SW_OK, 4, res, k),
	                 AIOT_ERR_MALFORMED);
	assert_true(uicc_test_all_zero(res, 4) && uicc_test_all_zero(k, 16));
	assert_int_equal(uicc_rsp_aiot_inventory(body, 27, UICC_SW_AUTH_ERROR, 8, res, k),
	                 AIOT_ERR_MALFORMED);
	assert_int_equal(uicc_rsp_aiot_inventory(body, 0, UICC_SW_AUTH_ERROR, 8, res, k),
	                 AIOT_ERR_UNKNOWN);
	assert_int_equal(uicc_rsp_aiot_inventory(body, 27, UICC_SW_OK, 3, res, k), AIOT_ERR_INVAL);
	body[1] = 16;
	assert_int_equal(uicc_rsp_aiot_next_tid(body, 18, UICC_SW_OK, tid), AIOT_OK);
	assert_int_equal(uicc_rsp_aiot_next_tid(body, 19, UICC_SW_OK, tid), AIOT_ERR_MALFORMED);
	assert_int_equal(uicc_rsp_status(0, UICC_SW_OK), AIOT_OK);
	assert_int_equal(uicc_rsp_status(2, UICC_SW_OK), AIOT_ERR_MALFORMED);
	assert_int_equal(uicc_rsp_status(0, UICC_SW_NOT_FOUND), AIOT_ERR_UNKNOWN);
	/* EF_IMSI: a digit above 9, a parity nibble other than 1 or 9, too few digits */
	uint8_t ef[9] = {0x08, 0x09, 0x10, 0x10, 0x00, 0x00, 0x00, 0x00, 0x10};
	assert_int_equal(uicc_rsp_imsi(ef, 9, UICC_SW_OK, imsi, sizeof imsi), AIOT_OK);
	assert_string_equal(imsi, "001010000000001");
	assert_int_equal(uicc_rsp_imsi(ef, 9, UICC_SW_OK, imsi, 15), AIOT_ERR_NOSPACE);
	ef[2] = 0x1A;
	assert_int_equal(uicc_rsp_imsi(ef, 9, UICC_SW_OK, imsi, sizeof imsi), AIOT_ERR_MALFORMED);
	ef[2] = 0x10, ef[1] = 0x08;
	assert_int_equal(uicc_rsp_imsi(ef, 9, UICC_SW_OK, imsi, sizeof imsi), AIOT_ERR_MALFORMED);
	uint8_t shortef[9] = {0x02, 0x09, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
	assert_int_equal(uicc_rsp_imsi(shortef, 9, UICC_SW_OK, imsi, sizeof imsi),
	                 AIOT_ERR_MALFORMED);
	assert_int_equal(uicc_rsp_imsi(ef, 8, UICC_SW_OK, imsi, sizeof imsi), AIOT_ERR_MALFORMED);
}

/* ISO/IEC 7816-3 8.2: T=0 only has no TCK; with T=1 the XOR of T0 .. TCK is 0. */
static void test_atr(void **state)
{
	(void)state;
	uint8_t atr[UICC_ATR_MAX];
	for (int t0 = 0; t0 <= 1; t0++)
		for (int t1 = 0; t1 <= 1; t1++) {
			size_t n = uicc_card_atr(t0, t1, atr), hist;
			if (!t0 && !t1) {
				assert_int_equal(n, 0);
				continue;
			}
			assert_int_equal(atr[0], 0x3B);
			hist = atr[1] & 0x0F;
			assert_int_equal(n, 2 + (t1 ? 1 + t0 + 1 : 0) + hist);
			if (t1) {
				uint8_t x = 0;
				for (size_t i = 1; i < n; i++)
					x ^= atr[i];
				assert_int_equal(x, 0);
			}
			assert_memory_equal(atr + n - hist - (t1 ? 1 : 0) + 2,
			                    ((const uint8_t[]){UICC_AID_AIOT}), UICC_AID_AIOT_LEN);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ts35208_through_authenticate),
	    cmocka_unit_test(test_persist_failure_withholds_res),
	    cmocka_unit_test(test_imsi_read),
	    cmocka_unit_test(test_aiot_app),
	    cmocka_unit_test(test_cmd_parsers_refuse),
	    cmocka_unit_test(test_atr),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
