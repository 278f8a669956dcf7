/* SPDX-License-Identifier: Apache-2.0 */
/* Identifier privacy in the command procedure without sockets (harness in
 * aiotf_proc_harness.h): a device that uses a T-ID, once its command succeeded, gets a
 * TID_UPDATE command; when it confirms, the AIOTF asks the ADM for its next T-ID (get-tid)
 * and caches it. Driven event by event: the order READ, TID_UPDATE, get-tid; the device
 * silent, refusing or answering late; get-tid timing out, failing, answered after a reader
 * was lost or after a stop. Each transaction ends exactly once. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aiotf_proc_harness.h"

/* ---- identifier privacy: TID_UPDATE, then get-tid ------------------------------------------
 */

static const uint8_t TID_OLD[16] = {0x71, 0x71, 0x71, 0x71, 0x71, 0x71, 0x71, 0x71,
                                    0x71, 0x71, 0x71, 0x71, 0x71, 0x71, 0x71, 0x01};
static const uint8_t TID_NEW[16] = {0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x72,
                                    0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x02};
#define TID_NEW_JSON "{\"tid\":\"72727272727272727272727272727202\"}"

/* Device 1's permanent ID cached for T-ID tid (as a previous get-tid or profile left it). */
static void tid_known(const uint8_t tid[16])
{
	aiotf_id perm;
	uint8_t rand_d[16], res[8];
	dev(1, &perm, rand_d, res);
	aiotf_learn_tid(A, tid, &perm);
}

/* 1 if the T-ID cache maps tid to device 1. */
static int tid_is_dev1(const uint8_t tid[16])
{
	const aiotf_id *perm = amap_get(&A->tid_to_perm, tid, 16);
	return perm != NULL && perm->len == 5 && memcmp(perm->b, "dev-1", 5) == 0;
}

/* A privacy device (it answered with its T-ID) whose READ succeeded: the AIOTF sends
 * TID_UPDATE (the NG message after the READ) and nothing else is asked or notified yet. The
 * probe; the index of the TID_UPDATE in F.ng. */
static probe *tid_update_sent(size_t *k)
{
	tid_known(TID_OLD);
	probe *p = command_sent_as(TID_OLD);
	size_t read = F.nng - 1;
	assert_int_equal(sent_command(read), AIOT_CMD_READ);
	command_response(p, 0);
	run_deferred();
	assert_int_equal(F.nng, read + 2);
	*k = F.nng - 1;
	assert_int_equal(sent_command(*k), AIOT_CMD_TID_UPDATE);
	assert_int_equal(F.ng[*k].ran_device_id, 101);
	assert_int_equal(adm_count("get-tid"), 0);
	assert_non_null(A->txs);
	assert_int_equal(F.nnotif, 0);
	return p;
}

/* ... and the device confirmed TID_UPDATE: now (not before) the AIOTF asks the ADM for the
 * device's next T-ID; the transaction waits for the answer. */
static probe *get_tid_asked(void)
{
	size_t k;
	probe *p = tid_update_sent(&k);
	command_result(p, 1, AIOT_CMD_TID_UPDATE, AIOT_ST_SUCCESS);
	run_deferred();
	assert_int_equal(adm_count("get-tid"), 1);
	assert_non_null(strstr(F.adm[adm_last("get-tid")].body, "\"aiotDevPermId\":\"ZGV2LTE=\""));
	assert_int_equal(F.nng, k + 1); /* nothing more on the link */
	assert_non_null(A->txs);
	assert_int_equal(F.nnotif, 0);
	return p;
}

/* The device's READ result, reported once, and no failCause: the T-ID rotation does not
 * change what the AF is told. */
static void assert_read_reported(void)
{
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
	assert_non_null(strstr(F.notif[0], "readCmdRep"));
	assert_null(strstr(last_notif(), "failCause"));
	assert_int_equal(atomic_load(&ST.cmd_ok), 1);
}

/* READ, TID_UPDATE, get-tid, in that order; the new T-ID is cached for the device, the old
 * one stays (the device may not have received the confirmation); one end. */
static void command_tid_update(void **state)
{
	(void)state;
	get_tid_asked();
	adm_answer(adm_last("get-tid"), 200, TID_NEW_JSON);
	assert_read_reported();
	assert_int_equal(atomic_load(&ST.tid_updates), 1);
	assert_true(tid_is_dev1(TID_NEW));
	assert_true(tid_is_dev1(TID_OLD));
}

/* A device that answered with its permanent ID but uses privacy (its cached profile has a
 * T-ID) is rotated too, and its cached profile moves to the new T-ID. A device without
 * privacy gets no TID_UPDATE (command_duplicate_response). */
static void command_tid_update_by_profile(void **state)
{
	(void)state;
	aiotf_id perm;
	uint8_t rand_d[16], res[8];
	int err = 0;
	dev(1, &perm, rand_d, res);
	profile_info *pi = calloc(1, sizeof *pi);
	assert_non_null(pi);
	pi->has_tid = 1;
	memcpy(pi->tid, TID_OLD, 16);
	assert_null(amap_put(&A->profiles, perm.b, perm.len, pi, &err));
	assert_int_equal(err, 0);
	probe *p = command_sent();
	command_response(p, 0);
	run_deferred();
	assert_int_equal(sent_command(F.nng - 1), AIOT_CMD_TID_UPDATE);
	command_result(p, 1, AIOT_CMD_TID_UPDATE, AIOT_ST_SUCCESS);
	run_deferred();
	adm_answer(adm_last("get-tid"), 200, TID_NEW_JSON);
	assert_read_reported();
	assert_memory_equal(pi->tid, TID_NEW, 16);
	assert_true(tid_is_dev1(TID_NEW));
}

/* get-tid fails at the ADM client's own timeout (status 0): the transaction, which waited
 * for it, ends once; no new T-ID is cached. */
static void command_get_tid_timeout(void **state)
{
	(void)state;
	get_tid_asked();
	expire(60000); /* no AIOTF timer is armed for the ADM's answer */
	assert_non_null(A->txs);
	assert_int_equal(F.nnotif, 0);
	adm_answer(adm_last("get-tid"), 0, NULL);
	assert_read_reported();
	assert_int_equal(atomic_load(&ST.tid_updates), 0);
	assert_null(amap_get(&A->tid_to_perm, TID_NEW, 16));
}

/* The reader is lost while get-tid is at the ADM, which then fails it (500): the command
 * is past the link, so it waits for the answer; one end, nothing cached. */
static void command_get_tid_fails_after_reader_lost(void **state)
{
	(void)state;
	probe *p = get_tid_asked();
	ng_probe_detach(p);
	inv_probe_lost(p, "reader disconnected");
	run_deferred();
	assert_non_null(A->txs);
	assert_int_equal(F.nnotif, 0);
	adm_answer(adm_last("get-tid"), 500, NULL);
	assert_read_reported();
	assert_int_equal(atomic_load(&ST.tid_updates), 0);
	assert_null(amap_get(&A->tid_to_perm, TID_NEW, 16));
}

/* The device does not answer TID_UPDATE within command-timeout-ms: no get-tid (the ADM keeps
 * the T-ID), one end; its answer arriving after the timeout, in the same turn of the loop as
 * the end, matches nothing and asks nothing. */
static void command_tid_update_not_answered(void **state)
{
	(void)state;
	size_t k;
	probe *p = tid_update_sent(&k);
	unsigned long long unsolicited = atomic_load(&ST.unsolicited);
	fire(3000);
	assert_non_null(A->txs); /* its end is deferred */
	command_result(p, 1, AIOT_CMD_TID_UPDATE, AIOT_ST_SUCCESS);
	assert_int_equal(atomic_load(&ST.unsolicited), unsolicited + 1);
	run_deferred();
	assert_int_equal(adm_count("get-tid"), 0);
	assert_read_reported();
}

/* The device refuses TID_UPDATE: no get-tid, one end, the READ still reported. */
static void command_tid_update_refused(void **state)
{
	(void)state;
	size_t k;
	probe *p = tid_update_sent(&k);
	command_result(p, 1, AIOT_CMD_TID_UPDATE, AIOT_ST_ERROR_UNSPECIFIED);
	run_deferred();
	assert_int_equal(adm_count("get-tid"), 0);
	assert_read_reported();
}

/* The AIOTF stops (tx_halt) while get-tid is at the ADM: the AF has its last notification
 * at once; the answer arriving afterwards notifies nothing more. */
static void command_stop_during_get_tid(void **state)
{
	(void)state;
	get_tid_asked();
	tx_halt(A->txs);
	assert_int_equal(count_last(), 1);
	size_t sent = F.nnotif;
	adm_answer(adm_last("get-tid"), 200, TID_NEW_JSON);
	assert_int_equal(F.nnotif, sent);
	assert_int_equal(count_last(), 1);
	assert_non_null(A->txs); /* halted transactions are freed with the AIOTF */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(command_tid_update, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_tid_update_by_profile, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_get_tid_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_get_tid_fails_after_reader_lost, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(command_tid_update_not_answered, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_tid_update_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_stop_during_get_tid, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
