/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIOTF's DO-A procedure for devices with identifier privacy (src/aiotf/doa_tid.c): the
 * ADM rotates the T-ID (get-tid) before M4 carries TID_UPDATE, the device applies it and the
 * AIOTF learns it; a device that missed its last M4 is resynchronised (resyncInd) before the
 * rotation; get-tid failing leaves M4 without TID_UPDATE.
 */
#include "aiotf_doa_tag.h"

/* A device with identifier privacy: the ADM rotates its T-ID (get-tid) before M4 carries
 * TID_UPDATE; the device applies it; the AIOTF knows the new T-ID. */
static void test_registration_tid(void **state)
{
	(void)state;
	tag t;
	uint8_t tid[16];
	tag_init(&t, 2, 1);
	register_tag(&t, NULL);
	assert_int_equal(adm_count("get-tid"), 1);
	assert_true(adm_last("get-tid") > adm_last("get-session-key"));
	assert_non_null(strstr(F.adm[0].body, "\"tid\":\"7e01"));
	next_tid(&t, tid);
	assert_memory_equal(t.d.tid, tid, 16);
	assert_int_equal(t.d.tid_rotations, 1);
	const aiotf_id *p = amap_get(&A->tid_to_perm, tid, 16);
	assert_non_null(p);
	assert_memory_equal(p->b, t.perm, sizeof t.perm);
	assert_int_equal(ST.tid_updates, 1);
}

/* The device missed the M4 of its first rotation (still TID0, now the ADM's previous T-ID):
 * its next registration makes TID0 current again (resyncInd) before rotating, so the ADM
 * keeps TID0 as the previous T-ID whatever becomes of the new M4. */
static void test_missed_m4_resync(void **state)
{
	(void)state;
	tag t;
	uint8_t m1[AIOT_NAS_MAX_PDU], m3[AIOT_NAS_MAX_PDU], tid[16], th[33];
	char json[128];
	tag_init(&t, 2, 1);
	send_m1(&t, m1);
	adm_doa(adm_last("get-doa-authentication"), &t);
	answer_m2(&t, NULL, 0, m3);
	adm_key(adm_last("get-session-key"), &t);
	adm_tid(adm_last("get-tid"), &t); /* M4 sent, lost: the device keeps TID0 */
	assert_int_equal(adm_count("get-tid"), 1);
	send_m1(&t, m1);
	assert_non_null(strstr(F.adm[adm_last("get-doa-authentication")].body, "7e0102"));
	adm_doa(adm_last("get-doa-authentication"), &t);
	answer_m2(&t, NULL, 0, m3);
	adm_key(adm_last("get-session-key"), &t);
	assert_int_equal(adm_count("get-tid"), 2);
	assert_non_null(strstr(F.adm[adm_last("get-tid")].body, "\"resyncInd\":true"));
	aiot_hex_encode(TID0, 16, (char *)th);
	snprintf(json, sizeof json, "{\"tid\":\"%s\"}", (char *)th);
	adm_answer(adm_last("get-tid"), 200, json); /* TID0 current again */
	assert_int_equal(adm_count("get-tid"), 3);  /* then the rotation */
	assert_null(strstr(F.adm[adm_last("get-tid")].body, "resyncInd"));
	adm_tid(adm_last("get-tid"), &t);
	ng_rec r = *last_down();
	assert_int_equal(aiot_doa_on_accept(&t.d, r.nas, r.nas_len), AIOT_OK);
	next_tid(&t, tid);
	assert_memory_equal(t.d.tid, tid, 16);
	assert_int_equal(ST.doa_registered, 2);
}

/* get-tid fails: M4 without TID_UPDATE, the device keeps its T-ID. */
static void test_tid_rotation_fails(void **state)
{
	(void)state;
	tag t;
	uint8_t m1[AIOT_NAS_MAX_PDU], m3[AIOT_NAS_MAX_PDU];
	tag_init(&t, 2, 1);
	send_m1(&t, m1);
	adm_doa(adm_last("get-doa-authentication"), &t);
	answer_m2(&t, NULL, 0, m3);
	adm_key(adm_last("get-session-key"), &t);
	adm_answer(adm_last("get-tid"), 500, NULL);
	ng_rec r = *last_down();
	assert_int_equal(aiot_doa_on_accept(&t.d, r.nas, r.nas_len), AIOT_OK);
	assert_memory_equal(t.d.tid, TID0, 16);
	assert_int_equal(ST.doa_registered, 1);
	assert_int_equal(ST.tid_updates, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_registration_tid, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missed_m4_resync, doa_setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tid_rotation_fails, doa_setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
