/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIOTF's DO-A procedure (src/aiotf/doa.c) through the procedures' harness: genuine
 * devices run the device library (src/device/aiot_doa.h) and the test plays the ADM with the
 * real derivations (kdf.h), aiotf_doa_tag.h. A full registration (with a T-ID:
 * test_aiotf_proc_doa_tid.c), then the attacks and failures: a wrong RES_D (a clone), a replayed
 * M3, an M3 without exchange, replayed and forged Uplink Data, the M1 rate limits, the contexts
 * bound, an ADM answer after the deadline, the reader lost between M2 and M3, a stop during an
 * exchange; every exchange ends exactly once (enum doa_end).
 */
#include "aiotf_doa_tag.h"

/* ---- the procedure ------------------------------------------------------------------------- */

static void test_registration(void **state)
{
	(void)state;
	tag t;
	uint8_t pdu[AIOT_NAS_MAX_PDU];
	size_t len;
	tag_init(&t, 1, 0);
	register_tag(&t, NULL);
	assert_int_equal(adm_count("get-doa-authentication"), 1);
	assert_int_equal(adm_count("get-session-key"), 1);
	assert_int_equal(adm_count("get-tid"), 0);
	/* M1 named the device by its permanent ID: the ADM was asked for that, with RAND_d. */
	char b64[64], rd[33];
	aiot_b64_encode(t.perm, sizeof t.perm, b64);
	aiot_hex_encode(t.d.rand_d, 16, rd);
	const char *body = F.adm[0].body;
	assert_non_null(strstr(body, b64));
	assert_non_null(strstr(body, rd));
	/* registration, then the first data block (uplink COUNT 0) */
	assert_int_equal(F.ndoa, 2);
	assert_true(F.doa[0].registration);
	assert_memory_equal(F.doa[0].perm.b, t.perm, sizeof t.perm);
	assert_false(F.doa[1].registration);
	assert_int_equal(F.doa[1].len, sizeof DATA0);
	assert_memory_equal(F.doa[1].data, DATA0, sizeof DATA0);
	send_data(&t, "t=21.6C", pdu, &len);
	send_data(&t, "t=21.7C", pdu, &len);
	assert_int_equal(F.ndoa, 4);
	assert_memory_equal(F.doa[3].data, "t=21.7C", 7);
	assert_int_equal(ST.doa_m1, 1);
	assert_int_equal(ST.doa_m2_sent, 1);
	assert_int_equal(ST.doa_registered, 1);
	assert_int_equal(ST.doa_data_delivered, 3);
	assert_int_equal(ST.doa_ended[DOA_END_REGISTERED], 1);
	assert_int_equal(ended(), 1);
	assert_int_equal(ST.doa_contexts, 1);
}

/* A clone (right identifier, wrong key) cannot verify MAC_N; one that answers anyway (a forged
 * RES_D) has its exchange dropped: nothing sent, no key asked, counted. */
static void test_wrong_res_d(void **state)
{
	(void)state;
	tag t;
	uint8_t m1[AIOT_NAS_MAX_PDU], m3[32];
	tag_init(&t, 3, 0);
	t.key[0] ^= 1; /* the clone */
	send_m1(&t, m1);
	t.key[0] ^= 1;
	adm_doa(adm_last("get-doa-authentication"), &t); /* computed with the genuine key */
	t.key[0] ^= 1;
	size_t nng = F.nng;
	const ng_rec *r = last_down();
	size_t n;
	assert_int_equal(
	    aiot_doa_on_auth_request(&t.d, r->nas, r->nas_len, NULL, 0, 1, m3, sizeof m3, &n),
	    AIOT_ERR_MAC);
	aiot_nas_doa_auth_response f = {.res_len = 8};
	memset(f.res_d, 0x5a, 8);
	int k = aiot_nas_encode_doa_auth_response(&f, m3, sizeof m3);
	assert_true(k > 0);
	uplink(&t, m3, (size_t)k);
	assert_int_equal(ST.doa_res_d_failed, 1);
	assert_int_equal(ST.doa_ended[DOA_END_RES_D], 1);
	assert_int_equal(F.nng, nng);
	assert_int_equal(adm_count("get-session-key"), 0);
	assert_int_equal(ST.doa_contexts, 0);
	uplink(&t, m3, (size_t)k); /* again: no exchange any more */
	assert_int_equal(ST.doa_unexpected, 1);
	assert_int_equal(ended(), 1);
	assert_int_equal(F.ndoa, 0);
}

/* A replayed M3 (after the registration) and an M3 with no exchange: dropped, no ADM call. */
static void test_replayed_m3(void **state)
{
	(void)state;
	tag t, other;
	uint8_t m3[AIOT_NAS_MAX_PDU];
	tag_init(&t, 4, 0);
	register_tag(&t, m3);
	size_t nadm = F.nadm, nng = F.nng, ndoa = F.ndoa;
	uplink(&t, m3, 10 + 10 + sizeof DATA0);
	tag_init(&other, 5, 0);
	uplink(&other, m3, 10 + 10 + sizeof DATA0); /* on a RAN ID with no exchange */
	assert_int_equal(ST.doa_unexpected, 2);
	assert_int_equal(F.nadm, nadm);
	assert_int_equal(F.nng, nng);
	assert_int_equal(F.ndoa, ndoa);
	assert_int_equal(ST.doa_registered, 1);
	assert_int_equal(ended(), 1);
}

/* Uplink Data: each COUNT once, strictly increasing; a forged MAC refused; all counted. */
static void test_uplink_replay(void **state)
{
	(void)state;
	tag t;
	uint8_t p1[AIOT_NAS_MAX_PDU], p2[AIOT_NAS_MAX_PDU], f[AIOT_NAS_MAX_PDU];
	size_t l1, l2;
	tag_init(&t, 6, 0);
	register_tag(&t, NULL);
	send_data(&t, "one", p1, &l1);
	send_data(&t, "two", p2, &l2);
	uplink(&t, p2, l2); /* a duplicate */
	uplink(&t, p1, l1); /* an older COUNT */
	memcpy(f, p2, l2);
	f[l2 - 1] ^= 1;
	uplink(&t, f, l2);
	assert_int_equal(ST.doa_data_delivered, 3); /* DATA0, one, two */
	assert_int_equal(ST.doa_data_replayed, 2);
	assert_int_equal(ST.doa_data_bad_mac, 1);
	assert_int_equal(F.ndoa, 4);
	/* data from a device that never registered on that RAN ID */
	tag u;
	tag_init(&u, 7, 0);
	uplink(&u, p1, l1);
	assert_int_equal(ST.doa_unexpected, 1);
}

/* M1 rate limits, before any ADM request: per reader link and per identifier. */
static void test_rate_limits(void **state)
{
	(void)state;
	tag t[4];
	uint8_t m1[AIOT_NAS_MAX_PDU];
	CFG.doa_m1_rate = 2;
	CFG.doa_m1_burst = 2;
	for (int i = 0; i < 3; i++) {
		tag_init(&t[i], 10 + i, 0);
		send_m1(&t[i], m1);
	}
	assert_int_equal(adm_count("get-doa-authentication"), 2);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_RATE_READER], 1);
	tag_init(&t[3], 13, 0);
	t[3].rd = 1; /* another reader has its own bucket */
	send_m1(&t[3], m1);
	assert_int_equal(adm_count("get-doa-authentication"), 3);
	F.now += 500000; /* one token back */
	send_m1(&t[2], m1);
	assert_int_equal(adm_count("get-doa-authentication"), 4);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_RATE_READER], 1);

	CFG.doa_m1_rate = 0;
	CFG.doa_id_m1_max = 2;
	tag c[3];
	for (int i = 0; i < 3; i++) { /* one identifier under three RAN IDs */
		tag_init(&c[i], 20, 0);
		c[i].ran += (uint32_t)i * 1000;
		send_m1(&c[i], m1);
	}
	assert_int_equal(adm_count("get-doa-authentication"), 6);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_RATE_ID], 1);
	F.now += 10000000; /* the window has passed */
	send_m1(&c[2], m1);
	assert_int_equal(adm_count("get-doa-authentication"), 7);
	assert_int_equal(ST.doa_m1, 9);
}

/* doa.max-contexts: an M1 past it is refused; 404, 403, ADM errors: nothing sent. */
static void test_bounds_and_refusals(void **state)
{
	(void)state;
	tag t[4];
	uint8_t m1[AIOT_NAS_MAX_PDU];
	CFG.doa_max_contexts = 3;
	for (int i = 0; i < 4; i++) {
		tag_init(&t[i], 30 + i, 0);
		send_m1(&t[i], m1);
	}
	assert_int_equal(adm_count("get-doa-authentication"), 3);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_FULL], 1);
	adm_answer(0, 404, NULL);
	adm_answer(1, 403, "{\"cause\":\"AUTHENTICATION_REJECTED\"}");
	adm_answer(2, 0, NULL);
	assert_int_equal(F.nng, 0);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_UNKNOWN], 1);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_RAND_REUSED], 1);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_ADM_ERROR], 1);
	assert_int_equal(ST.doa_ended[DOA_END_REFUSED], 3);
	assert_int_equal(ended(), 3);
	assert_int_equal(ST.doa_contexts, 0);
	uint8_t bad[3] = {AIOT_NAS_DOA_REG_REQUEST, 0x40, 0};
	uplink(&t[0], bad, sizeof bad);
	assert_int_equal(ST.doa_m1_refused[DOA_REF_MALFORMED], 1);
}

/* The ADM answers after the exchange's deadline: nothing is sent, the memory is freed. */
static void test_adm_after_timeout(void **state)
{
	(void)state;
	tag t;
	uint8_t m1[AIOT_NAS_MAX_PDU];
	tag_init(&t, 40, 0);
	send_m1(&t, m1);
	expire(2000);
	assert_int_equal(ST.doa_ended[DOA_END_TIMEOUT], 1);
	assert_int_equal(ST.doa_contexts, 0);
	adm_doa(adm_last("get-doa-authentication"), &t);
	assert_int_equal(F.nng, 0);
	assert_int_equal(ST.doa_late_adm, 1);
	assert_int_equal(ended(), 1);
}

/* The reader leaves between M2 and M3, or while get-session-key is asked. */
static void test_reader_lost(void **state)
{
	(void)state;
	tag t, u;
	uint8_t m1[AIOT_NAS_MAX_PDU], m3[AIOT_NAS_MAX_PDU];
	tag_init(&t, 41, 0);
	send_m1(&t, m1);
	adm_doa(adm_last("get-doa-authentication"), &t);
	doa_reader_lost(A, RD[0]);
	assert_int_equal(ST.doa_ended[DOA_END_READER_LOST], 1);
	answer_m2(&t, NULL, 0, m3); /* a new link with the same name: no exchange */
	assert_int_equal(ST.doa_unexpected, 1);
	assert_int_equal(adm_count("get-session-key"), 0);

	tag_init(&u, 42, 0);
	send_m1(&u, m1);
	adm_doa(adm_last("get-doa-authentication"), &u);
	answer_m2(&u, NULL, 0, m3);
	doa_reader_lost(A, RD[0]);
	size_t nng = F.nng;
	adm_key(adm_last("get-session-key"), &u);
	assert_int_equal(F.nng, nng); /* no M4 */
	assert_int_equal(ST.doa_late_adm, 1);
	assert_int_equal(ST.doa_ended[DOA_END_READER_LOST], 2);
	assert_int_equal(ST.doa_registered, 0);
	assert_int_equal(ended(), 2);
}

/* M2 undelivered (Downlink Failure), a new M1 replacing an exchange, a context's TTL. */
static void test_failure_replace_ttl(void **state)
{
	(void)state;
	tag t, u;
	uint8_t m1[AIOT_NAS_MAX_PDU], p[AIOT_NAS_MAX_PDU];
	size_t l;
	tag_init(&t, 43, 0);
	send_m1(&t, m1);
	adm_doa(adm_last("get-doa-authentication"), &t);
	ngap_msg f;
	memset(&f, 0, sizeof f);
	f.type = NGAP_DOA_DOWNLINK_FAILURE;
	f.u.fail.has_ran_device_id = 1;
	f.u.fail.ran_device_id = t.ran;
	doa_on_failure(A, RD[0], &f);
	assert_int_equal(ST.doa_ended[DOA_END_UNDELIVERED], 1);
	send_m1(&t, m1);
	send_m1(&t, m1); /* the device started over before the ADM answered */
	assert_int_equal(ST.doa_ended[DOA_END_REPLACED], 1);
	adm_doa(adm_last("get-doa-authentication") - 1, &t); /* the replaced one: freed */
	assert_int_equal(ST.doa_late_adm, 1);
	tag_init(&u, 44, 0);
	register_tag(&u, NULL);
	expire(60000);
	assert_int_equal(ST.doa_ctx_expired, 1);
	assert_int_equal(aiot_doa_send(&u.d, (const uint8_t *)"x", 1, 1, p, sizeof p, &l), AIOT_OK);
	uplink(&u, p, l);
	assert_int_equal(ST.doa_unexpected, 1);
	/* t's exchange (the newest M1) timed out with u's TTL */
	assert_int_equal(ended(), 4);
}

/* The AIOTF stops during an exchange: it ends once (stopped), its ADM answer only frees. */
static void test_stop_during_exchange(void **state)
{
	(void)state;
	tag t, u;
	uint8_t m1[AIOT_NAS_MAX_PDU], m3[AIOT_NAS_MAX_PDU];
	tag_init(&t, 45, 0);
	send_m1(&t, m1);
	adm_doa(adm_last("get-doa-authentication"), &t); /* waiting for M3 */
	tag_init(&u, 46, 0);
	send_m1(&u, m1);
	adm_doa(adm_last("get-doa-authentication"), &u);
	answer_m2(&u, NULL, 0, m3); /* get-session-key outstanding */
	A->stopping = 1;
	size_t k = adm_last("get-session-key");
	F.adm[k].answered = 1;
	F.adm[k].done(F.adm[k].arg, 0, NULL, "the AIOTF is stopping"); /* dropped */
	doa_free(A);
	assert_int_equal(ST.doa_ended[DOA_END_STOPPED], 2);
	assert_int_equal(ended(), 2);
	assert_int_equal(ST.doa_registered, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_registration, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_wrong_res_d, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_replayed_m3, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_uplink_replay, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rate_limits, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bounds_and_refusals, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_adm_after_timeout, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reader_lost, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failure_replace_ttl, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_stop_during_exchange, doa_setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
