/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF procedures without sockets (src/aiotf/proc.h, harness in aiotf_proc_harness.h): the
 * inventory and command procedures driven through orders of events the integration tests
 * cannot force (an ADM answer after the paging's timeout, a reader lost between two reports,
 * duplicate answers, a stop during a command). Each transaction must end exactly once: one
 * lastRepInd, one release of its notification destination, its memory freed once (ASan),
 * the active count back to zero. The T-ID rotation is in test_aiotf_proc_tid.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aiotf_proc_harness.h"

/* ---- inventory --------------------------------------------------------------------------------
 */

/* The paging times out while its get-authentication is still at the ADM: the transaction
 * waits for the answer, then ends once, reporting the device. */
static void inventory_adm_answer_after_timeout(void **state)
{
	(void)state;
	RD[1]->setup = 0; /* one reader */
	start(TX_INVENTORY, "{" NOTIF "," AREA "}");
	assert_int_equal(adm_count("get-rand"), 1);
	answer_rand();
	probe *p = paged(0);
	report(p, (const int[]){1}, 1, 0);
	assert_int_equal(adm_count("get-authentication"), 1);
	expire(5000); /* inventory-timeout-ms of silence */
	assert_true(p->done);
	assert_non_null(A->txs); /* the ADM request still holds it */
	assert_int_equal(F.nnotif, 0);
	answer_auth(adm_last("get-authentication"), 1);
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
	/* The paging failed (timeout): the last notification says so. */
	assert_non_null(strstr(last_notif(), "NO_SUCC_INV_RESP"));
	expire(60000); /* nothing is left to fire */
	assert_int_equal(count_last(), 1);
}

/* A reader that never acknowledges its paging (ng.ack-timeout-ms, ng.unacked-close 1): the
 * paging ends at the shorter deadline, the link is to be closed, the transaction ends once;
 * the other reader, which acknowledged, keeps inventory-timeout-ms. */
static void inventory_paging_not_acknowledged(void **state)
{
	(void)state;
	CFG.ng_ack_timeout_ms = 1000;
	CFG.ng_unacked_close = 1;
	start(TX_INVENTORY, "{" NOTIF "," AREA "}");
	answer_rand();
	probe *p0 = paged(0), *p1 = paged(1);
	inv_probe_acked(p1); /* reader 1's Inventory Response */
	expire(1000);
	assert_true(p0->done);
	assert_false(p1->done);
	assert_ptr_equal(F.closed, RD[0]);
	assert_non_null(A->txs);
	report(p1, (const int[]){1}, 1, 1);
	answer_auth(adm_last("get-authentication"), 1);
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
}

/* Step 1 failing after the ADM client's own timeout (status 0): no paging, one end. */
static void inventory_get_rand_timeout(void **state)
{
	(void)state;
	start(TX_INVENTORY, "{" NOTIF "," AREA "}");
	adm_answer(adm_last("get-rand"), 0, NULL);
	assert_int_equal(F.nng, 0);
	assert_ended_once();
	assert_non_null(strstr(last_notif(), "NO_SUCC_INV_RESP"));
}

/* Reader 0 is lost between its report and the next one, while device 1's answers through
 * both readers (duplicates) share one get-authentication; reader 1 completes later. Device
 * 1 is reported once, device 2 once, the transaction ends once. */
static void inventory_reader_lost_between_reports(void **state)
{
	(void)state;
	start(TX_INVENTORY, "{" NOTIF "," AREA "}");
	answer_rand();
	probe *p0 = paged(0), *p1 = paged(1);
	report(p0, (const int[]){1}, 1, 0);
	report(p1, (const int[]){1}, 1, 0);
	assert_int_equal(adm_count("get-authentication"), 1); /* one request for both D2Rs */
	size_t auth1 = adm_last("get-authentication");
	ng_probe_detach(p0); /* the link closed (reader_gone) */
	inv_probe_lost(p0, "reader disconnected");
	run_deferred();
	inv_probe_lost(p0, "reader disconnected"); /* told twice: ends once */
	run_deferred();
	assert_non_null(A->txs);
	report(p1, (const int[]){2}, 1, 1);
	assert_true(p1->done);
	assert_int_equal(adm_count("get-authentication"), 2);
	size_t auth2 = adm_last("get-authentication");
	answer_auth(auth2, 2);
	assert_non_null(A->txs); /* device 1's request still holds it */
	answer_auth(auth1, 1);
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
	assert_int_equal(count_dev(2), 1);
}

#define TWO_DEVICES "{" NOTIF ",\"targetDevices\":{\"devices\":[\"ZGV2LTE=\",\"ZGV2LTI=\"]}}"

/* Single-device paging: each target's profile first. dev-2 is unknown (404), dev-1 is paged
 * alone, answers, is reported; the transaction ends once, after its last target. */
static void inventory_targets(void **state)
{
	(void)state;
	RD[1]->setup = 0;
	start(TX_INVENTORY, TWO_DEVICES);
	answer_rand();
	assert_int_equal(adm_count("aiot-device-profile-data/ZGV2LTE%3D"), 1);
	assert_int_equal(adm_count("aiot-device-profile-data/ZGV2LTI%3D"), 1);
	adm_answer(adm_last("ZGV2LTI%3D"), 404, NULL);
	assert_non_null(A->txs);
	adm_answer(adm_last("ZGV2LTE%3D"), 200, "{}");
	report(paged(0), (const int[]){1}, 1, 1);
	assert_non_null(A->txs);
	answer_auth(adm_last("get-authentication"), 1);
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
	assert_int_equal(count_dev(2), 0);
	assert_null(strstr(last_notif(), "failCause"));
}

/* The AIOTF stops while the targets' profiles are at the ADM; the answers arrive after the
 * stop: nothing is paged, nothing more is notified. */
static void inventory_targets_answer_after_stop(void **state)
{
	(void)state;
	start(TX_INVENTORY, TWO_DEVICES);
	answer_rand();
	tx_halt(A->txs);
	assert_int_equal(count_last(), 1);
	size_t sent = F.nnotif, ng = F.nng;
	adm_answer(adm_last("ZGV2LTE%3D"), 200, "{}");
	adm_answer(adm_last("ZGV2LTI%3D"), 0, NULL);
	assert_int_equal(F.nng, ng);
	assert_int_equal(F.nnotif, sent);
}

/* ---- command ----------------------------------------------------------------------------------
 */

/* The device answers, and its answer arrives twice (a replay): one result, one end. */
static void command_duplicate_response(void **state)
{
	(void)state;
	probe *p = command_sent();
	command_response(p, 0);
	command_response(p, 0); /* before the end runs: matched to nothing */
	assert_int_equal(atomic_load(&ST.cmd_ok), 1);
	run_deferred();
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
	assert_non_null(strstr(F.notif[0], "readCmdRep"));
	assert_null(strstr(last_notif(), "failCause"));
}

/* The reader is lost while the Command Response is awaited: the device's command fails,
 * the transaction ends once, reporting it. */
static void command_reader_lost(void **state)
{
	(void)state;
	probe *p = command_sent();
	ng_probe_detach(p);
	inv_probe_lost(p, "reader disconnected");
	run_deferred();
	assert_ended_once();
	assert_int_equal(atomic_load(&ST.cmd_failed), 1);
	assert_int_equal(count_dev(1), 1);
	assert_non_null(strstr(F.notif[0], "ERROR_UNSPECIFIED"));
}

/* The AIOTF stops (drain over: tx_halt) while the Command Response is awaited: the AF gets
 * its last notification at once, with failCause; the command's timeout afterwards reports
 * nothing more, and the transaction is freed with the AIOTF. */
static void command_stop_during_command(void **state)
{
	(void)state;
	command_sent();
	tx *t = A->txs;
	tx_halt(t);
	assert_int_equal(count_last(), 1);
	assert_non_null(strstr(last_notif(), "NO_SUCC_INV_RESP"));
	size_t sent = F.nnotif;
	tx_halt(t);   /* the drain's tick again: nothing */
	expire(3000); /* command-timeout-ms: the command ends, quietly */
	assert_int_equal(F.nnotif, sent);
	assert_non_null(A->txs); /* halted transactions are freed with the AIOTF */
	assert_int_equal(count_last(), 1);
}

/* The AIOTF stops while get-session-key is at the ADM: halted, then torn down; the ADM's
 * late answer (the pool failing it on teardown) reaches no procedure. */
static void command_stop_during_session_key(void **state)
{
	(void)state;
	command_reported(1);
	answer_auth(adm_last("get-authentication"), 1);
	assert_int_equal(adm_count("get-session-key"), 1);
	tx_halt(A->txs);
	assert_int_equal(count_last(), 1);
	size_t sent = F.nnotif;
	/* Torn down: the ADM pool fails get-session-key (A->stopping); nothing moves. */
	A->stopping = 1;
	size_t i = adm_last("get-session-key");
	F.adm[i].answered = 1;
	F.adm[i].done(F.adm[i].arg, 0, NULL, "the AIOTF is stopping");
	assert_int_equal(F.nnotif, sent);
}

/* A D2R of a device the ADM does not know (404): one AUTH_FAILURE end, nothing commanded. */
static void command_unknown_device(void **state)
{
	(void)state;
	command_reported(3);
	adm_answer(adm_last("get-authentication"), 404, NULL);
	assert_int_equal(adm_count("get-session-key"), 0);
	assert_ended_once();
	assert_non_null(strstr(last_notif(), "AUTH_FAILURE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(inventory_adm_answer_after_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(inventory_get_rand_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(inventory_paging_not_acknowledged, setup, teardown),
	    cmocka_unit_test_setup_teardown(inventory_reader_lost_between_reports, setup, teardown),
	    cmocka_unit_test_setup_teardown(inventory_targets, setup, teardown),
	    cmocka_unit_test_setup_teardown(inventory_targets_answer_after_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_reader_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_duplicate_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_stop_during_command, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_stop_during_session_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_unknown_device, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
