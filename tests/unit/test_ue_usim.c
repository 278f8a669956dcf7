/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The software USIM (src/ue/usim.c) against its mirror, the network side of AKA built from
 * MILENAGE here (AUTN = SQN xor AK || AMF || MAC-A, TS 33.102 6.3.2) and the re-sync of
 * 6.3.5 (aiot_milenage_auts): fresh, replayed, too old and out-of-window SQNs (Annex C.2),
 * the IND array, wrong MACs, and AUTS that the network verifies and recovers SQN_MS from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "common/hex.h"
#include "crypto/milenage.h"
#include "ue/usim.h"

static const uint8_t K[16] = {0x46, 0x5b, 0x5c, 0xe8, 0xb1, 0x99, 0xb4, 0x9f,
                              0xaa, 0x5f, 0x0a, 0x2e, 0xe2, 0x38, 0xa6, 0xbc};
static const uint8_t OPC[16] = {0xcd, 0x63, 0xcb, 0x71, 0x95, 0x4a, 0x9f, 0x4e,
                                0x48, 0xa5, 0x99, 0x4e, 0x37, 0xa0, 0x2b, 0xaf};
static const uint8_t AMF[2] = {0x80, 0x00};

/* The network's authentication vector for SQN = seq || ind. */
struct av {
	uint8_t rand[16], autn[16];
	aiot_milenage_out o;
};

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

static void make_av(struct av *v, uint64_t seq, unsigned ind, uint8_t rand_tag)
{
	uint8_t sqn[6];
	memset(v->rand, rand_tag, 16);
	v->rand[0] = (uint8_t)seq;
	put48(sqn, seq << 5 | ind);
	aiot_milenage(K, OPC, v->rand, sqn, AMF, &v->o);
	for (int i = 0; i < 6; i++)
		v->autn[i] = sqn[i] ^ v->o.ak[i];
	memcpy(v->autn + 6, AMF, 2);
	memcpy(v->autn + 8, v->o.mac_a, 8);
}

/* Run one challenge; on success check RES, CK, IK against the network's. */
static int challenge(aiot_usim *u, uint64_t seq, unsigned ind, aiot_usim_result *r)
{
	struct av v;
	make_av(&v, seq, ind, 0x5a);
	int rc = aiot_usim_authenticate(u, v.rand, v.autn, r);
	if (rc == AIOT_OK) {
		assert_memory_equal(r->res, v.o.res, 8);
		assert_memory_equal(r->ck, v.o.ck, 16);
		assert_memory_equal(r->ik, v.o.ik, 16);
	}
	return rc;
}

/* The network verifies AUTS for the challenge (seq, ind) and returns the SQN_MS it holds. */
static uint64_t network_resync(uint64_t seq, unsigned ind, const aiot_usim_result *r)
{
	struct av v;
	uint8_t sqn_ms[6];
	make_av(&v, seq, ind, 0x5a);
	assert_int_equal(aiot_milenage_auts(K, OPC, v.rand, r->auts, sqn_ms), AIOT_OK);
	return get48(sqn_ms);
}

static void test_ts35208_set1(void **state)
{
	(void)state;
	/* AUTN from the published f1 and f5 of test set 1; SQN ff9bb4d0b607, AMF b9b9. */
	uint8_t rand[16], autn[16], want[16];
	aiot_usim u;
	aiot_usim_result r;
	aiot_hex_decode("23553cbe9637a89d218ae64dae47bf35", 32, rand, 16);
	aiot_hex_decode("55f328b43577b9b94a9ffac354dfafb3", 32, autn, 16); /* sqn^ak|amf|mac */
	aiot_usim_init(&u, K, OPC);
	assert_int_equal(aiot_usim_authenticate(&u, rand, autn, &r), AIOT_USIM_SYNC_FAILURE);
	u.delta = UINT64_MAX; /* SEQ is far above 0 + delta on a fresh card */
	assert_int_equal(aiot_usim_authenticate(&u, rand, autn, &r), AIOT_OK);
	aiot_hex_decode("a54211d5e3ba50bf", 16, want, 8);
	assert_memory_equal(r.res, want, 8);
	aiot_hex_decode("b40ba9a3c58b2a05bbf0d987b21bf8cb", 32, want, 16);
	assert_memory_equal(r.ck, want, 16);
	aiot_hex_decode("f769bcd751044604127672711c6d3441", 32, want, 16);
	assert_memory_equal(r.ik, want, 16);
	assert_true(u.seq_ms[0xb607 & 31] == (0xff9bb4d0b607ull >> 5));
	aiot_usim_clear(&u);
}

static void test_fresh_replay_resync(void **state)
{
	(void)state;
	aiot_usim u;
	aiot_usim_result r;
	aiot_usim_init(&u, K, OPC);
	assert_int_equal(challenge(&u, 0, 0, &r), AIOT_USIM_SYNC_FAILURE); /* SEQ 0 never fresh */
	assert_int_equal(network_resync(0, 0, &r), 0);
	assert_int_equal(challenge(&u, 1, 0, &r), AIOT_OK);
	assert_int_equal(challenge(&u, 1, 0, &r), AIOT_USIM_SYNC_FAILURE); /* replay */
	assert_int_equal(network_resync(1, 0, &r), 1 << 5);
	assert_int_equal(challenge(&u, 5, 2, &r), AIOT_OK);
	/* The network takes SQN_MS from AUTS and moves past it (TS 33.102 C.3). */
	assert_int_equal(challenge(&u, 5, 2, &r), AIOT_USIM_SYNC_FAILURE);
	uint64_t sqn_ms = network_resync(5, 2, &r);
	assert_int_equal(sqn_ms, 5 << 5 | 2);
	assert_int_equal(challenge(&u, (sqn_ms >> 5) + 1, 2, &r), AIOT_OK);
	/* A tampered AUTS does not verify. */
	assert_int_equal(challenge(&u, 6, 2, &r), AIOT_USIM_SYNC_FAILURE);
	struct av v;
	uint8_t out[6];
	make_av(&v, 6, 2, 0x5a);
	for (int i = 0; i < AIOT_AUTS_LEN; i++) {
		r.auts[i] ^= 0x01;
		assert_int_equal(aiot_milenage_auts(K, OPC, v.rand, r.auts, out), AIOT_ERR_MAC);
		r.auts[i] ^= 0x01;
	}
	aiot_usim_clear(&u);
}

static void test_ind_array_and_age(void **state)
{
	(void)state;
	aiot_usim u;
	aiot_usim_result r;
	aiot_usim_init(&u, K, OPC);
	assert_int_equal(challenge(&u, 10, 0, &r), AIOT_OK);
	/* Another IND slot may still take a lower SEQ (vectors used out of order). */
	assert_int_equal(challenge(&u, 3, 7, &r), AIOT_OK);
	assert_int_equal(challenge(&u, 2, 7, &r), AIOT_USIM_SYNC_FAILURE); /* too old for IND 7 */
	assert_int_equal(challenge(&u, 3, 7, &r), AIOT_USIM_SYNC_FAILURE);
	assert_int_equal(challenge(&u, 9, 0, &r), AIOT_USIM_SYNC_FAILURE);
	assert_int_equal(network_resync(9, 0, &r), 10 << 5); /* the highest, with its IND */
	assert_int_equal(challenge(&u, 4, 7, &r), AIOT_OK);
	assert_int_equal(challenge(&u, 11, 31, &r), AIOT_OK);
	uint8_t sqn_ms[6];
	aiot_usim_sqn_ms(&u, sqn_ms);
	assert_int_equal(get48(sqn_ms), 11 << 5 | 31);
	aiot_usim_clear(&u);
}

static void test_delta_window(void **state)
{
	(void)state;
	aiot_usim u;
	aiot_usim_result r;
	aiot_usim_init(&u, K, OPC);
	u.delta = 1000;
	assert_int_equal(challenge(&u, 100, 1, &r), AIOT_OK);
	assert_int_equal(challenge(&u, 1101, 2, &r), AIOT_USIM_SYNC_FAILURE); /* 1001 above */
	assert_int_equal(network_resync(1101, 2, &r), 100 << 5 | 1);
	assert_int_equal(challenge(&u, 1100, 2, &r), AIOT_OK); /* exactly delta above */
	aiot_usim_init(&u, K, OPC);
	assert_int_equal(challenge(&u, AIOT_USIM_DELTA_DEFAULT + 1, 0, &r), AIOT_USIM_SYNC_FAILURE);
	assert_int_equal(challenge(&u, AIOT_USIM_DELTA_DEFAULT, 0, &r), AIOT_OK);
	aiot_usim_clear(&u);
}

static void test_wrong_mac(void **state)
{
	(void)state;
	aiot_usim u, before;
	aiot_usim_result r;
	struct av v;
	static const uint8_t zero[sizeof r] = {0};
	aiot_usim_init(&u, K, OPC);
	make_av(&v, 1, 0, 0x11);
	before = u;
	for (int i = 0; i < 16; i++) { /* SQN xor AK, AMF and MAC-A are all covered */
		v.autn[i] ^= 0x40;
		memset(&r, 0xee, sizeof r);
		assert_int_equal(aiot_usim_authenticate(&u, v.rand, v.autn, &r), AIOT_ERR_MAC);
		assert_memory_equal(&r, zero, sizeof r);
		v.autn[i] ^= 0x40;
	}
	v.rand[3] ^= 1;
	assert_int_equal(aiot_usim_authenticate(&u, v.rand, v.autn, &r), AIOT_ERR_MAC);
	v.rand[3] ^= 1;
	assert_memory_equal(&u, &before, sizeof u); /* no state change on MAC failure */
	/* another subscriber's key */
	uint8_t k2[16];
	memcpy(k2, K, 16);
	k2[0] ^= 1;
	aiot_usim_init(&u, k2, OPC);
	assert_int_equal(aiot_usim_authenticate(&u, v.rand, v.autn, &r), AIOT_ERR_MAC);
	assert_int_equal(aiot_usim_authenticate(NULL, v.rand, v.autn, &r), AIOT_ERR_INVAL);
	assert_true(aiot_usim_amf_is_5g(v.autn));
	v.autn[6] = 0;
	assert_false(aiot_usim_amf_is_5g(v.autn));
	aiot_usim_clear(&u);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ts35208_set1),      cmocka_unit_test(test_fresh_replay_resync),
	    cmocka_unit_test(test_ind_array_and_age), cmocka_unit_test(test_delta_window),
	    cmocka_unit_test(test_wrong_mac),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
