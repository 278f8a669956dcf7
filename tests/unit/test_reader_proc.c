/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader's procedures without sockets (src/reader/reader_proc.h): inventory rounds with
 * answers, collisions, lost ACKs and timeouts over several frames, commands relayed with their
 * retry, Session Release during a round, malformed and stale frames, and timers firing in
 * orders the integration tests cannot force. The test plays the AIOTF, the air medium and
 * the clock; the actions go to recording fakes of reader_io, which keep every NG message and
 * air frame as encoded bytes and decode them again to check them. Every session must end
 * once: its timers freed (the fake counts them) and its memory freed (ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "test_reader_util.h"

/* ---- the tests --------------------------------------------------------------------------- */

/* Three frames: answers and a collision, an answer repeated because its ACK was lost, a stale
 * answer of an earlier round, then a silent round that ends the inventory. */
static void test_rounds(void **state)
{
	reader_proc *p = *state;
	uint8_t nas11[AIR_MAX_NAS];
	size_t n11 = inv_resp(RAND_N, 11, nas11);
	uint32_t s = start_inventory(p, 1, 4, 0);

	answer(p, s, 1, 11);
	slot_collision(p, s, 1);
	answer(p, s, 1, 12);
	reader_timer *tm = armed(ROUND_MS);
	tm->armed = 0;
	reader_proc_air_batch_end(p); /* the round went on: its silence timer starts again */
	assert_true(tm->armed);
	assert_quiet(); /* ACKs and the report wait for the round's end */

	round_end(p, s, 1, 2, 2, 1);
	next_ack(s, (const uint32_t[]){11, 12}, 2);
	next_report(1, 0, (const uint32_t[]){1, 2}, 2, nas11, n11);
	uint8_t q = next_q(2, 2, 2, 1);
	assert_int_equal(q, 1);
	next_paging(s, 2, q);
	assert_quiet();

	answer(p, s, 2, 12); /* its ACK was lost: relayed again under the same RAN ID */
	answer(p, s, 1, 14); /* a late frame of round 1: stale */
	answer(p, s, 2, 13);
	reader_proc_air_batch_end(p);
	round_end(p, s, 2, q, 2, 0);
	next_ack(s, (const uint32_t[]){12, 13}, 2);
	next_report(1, 0, (const uint32_t[]){2, 3}, 2, NULL, 0);
	next_paging(s, 3, 0);
	assert_quiet();

	round_end(p, s, 3, 0, 0, 0); /* silent: the inventory ends */
	next_report(1, 1, NULL, 0, NULL, 0);
	next_release(s);
	assert_quiet();
	assert_int_equal(reader_proc_sessions(p), 0);
	assert_int_equal(fake_ntimers, 0);
	reader_stats st = reader_proc_stats(p);
	assert_int_equal(st.inventories, 1);
	assert_int_equal(st.pagings, 3);
	assert_int_equal(st.collided_slots, 1);
	assert_int_equal(st.d2r_relayed, 4);
	assert_int_equal(st.d2r_foreign, 0);

	round_end(p, s, 3, 0, 0, 0); /* the session is over: nothing */
	assert_quiet();
}

/* report-batch (8) answers go to the AIOTF at once, the rest at the round's end. */
static void test_report_batch(void **state)
{
	reader_proc *p = *state;
	uint32_t s = start_inventory(p, 2, 16, 0);
	for (uint32_t h = 1; h <= 9; h++)
		answer(p, s, 1, 100 + h);
	next_report(2, 0, (const uint32_t[]){1, 2, 3, 4, 5, 6, 7, 8}, 8, NULL, 0);
	assert_quiet();
	round_end(p, s, 1, 4, 9, 0);
	air_frame f = next_air(AIR_ACK);
	assert_int_equal(f.u.ack.n, 9);
	next_report(2, 0, (const uint32_t[]){9}, 1, NULL, 0);
	next_paging(s, 2, 0);
	reader_proc_link_lost(p);
	next_release(s);
	assert_quiet();
}

/* A follow-on command session: commands relayed, answered, retried, failed; refusals; then
 * Session Release with a command in flight. */
static void test_commands(void **state)
{
	reader_proc *p = *state;
	uint32_t s = start_inventory(p, 5, 1, 1);
	answer(p, s, 1, 21);
	round_end(p, s, 1, 0, 1, 0);
	next_ack(s, (const uint32_t[]){21}, 1);
	next_report(5, 0, (const uint32_t[]){1}, 1, NULL, 0);
	next_paging(s, 2, 0);
	round_end(p, s, 2, 0, 0, 0);
	next_report(5, 1, NULL, 0, NULL, 0); /* complete, but the session stays for commands */
	assert_quiet();
	assert_int_equal(reader_proc_sessions(p), 1);
	assert_null(armed(ROUND_MS));

	command_request(p, 5, 1, 0xc1);
	next_air_command(s, 21, 0xc1);
	assert_non_null(armed(CMD_MS));
	command_request(p, 5, 1, 0xc2); /* one command per device at a time */
	next_fail(NGAP_COMMAND_FAILURE, 5, NGAP_CAUSE_UNSPECIFIED, 1, 1);
	command_request(p, 5, 9, 0xc3);
	next_fail(NGAP_COMMAND_FAILURE, 5, NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, 1, 9);
	command_request(p, 6, 1, 0xc4);
	next_fail(NGAP_COMMAND_FAILURE, 6, NGAP_CAUSE_UNKNOWN_SESSION, 1, 1);
	command_resp(p, s, 21, 0xc1);
	next_command_response(5, 1, 0xc1);
	assert_null(armed(CMD_MS));
	command_resp(p, s, 21, 0xc1); /* a duplicate: no command waits for it */
	assert_quiet();

	/* Lost once: the retry is answered. */
	command_request(p, 5, 1, 0xd1);
	next_air_command(s, 21, 0xd1);
	fire(CMD_MS);
	next_air_command(s, 21, 0xd1);
	command_resp(p, s, 21, 0xd1);
	next_command_response(5, 1, 0xd1);

	/* Lost twice: aiot-device-not-reachable; a response after that is ignored. */
	command_request(p, 5, 1, 0xe1);
	next_air_command(s, 21, 0xe1);
	fire(CMD_MS);
	next_air_command(s, 21, 0xe1);
	fire(CMD_MS);
	next_fail(NGAP_COMMAND_FAILURE, 5, NGAP_CAUSE_DEVICE_NOT_REACHABLE, 1, 1);
	assert_null(armed(CMD_MS));
	command_resp(p, s, 21, 0xe1);
	assert_quiet();

	/* Session Release with a command in flight: its timer goes with it. */
	command_request(p, 5, 1, 0xf1);
	next_air_command(s, 21, 0xf1);
	release(p, 5);
	next_release(s);
	next_release_complete(5);
	assert_int_equal(fake_ntimers, 0);
	command_resp(p, s, 21, 0xf1);
	command_request(p, 5, 1, 0xf2);
	next_fail(NGAP_COMMAND_FAILURE, 5, NGAP_CAUSE_UNKNOWN_SESSION, 1, 1);
	assert_quiet();

	reader_stats st = reader_proc_stats(p);
	assert_int_equal(st.commands_sent, 6); /* 1 + 2 + 2 + 1 */
	assert_int_equal(st.commands_delivered, 2);
	assert_int_equal(st.commands_failed, 1);
}

/* The AIOTF releases the session in the middle of a round: nothing more is relayed. */
static void test_release_during_round(void **state)
{
	reader_proc *p = *state;
	uint32_t s = start_inventory(p, 9, 4, 0);
	answer(p, s, 1, 31);
	reader_proc_air_batch_end(p);
	release(p, 9);
	next_release(s);
	next_release_complete(9);
	assert_quiet();
	assert_int_equal(fake_ntimers, 0);
	answer(p, s, 1, 32);
	round_end(p, s, 1, 2, 2, 0);
	reader_proc_air_batch_end(p);
	assert_quiet();
	release(p, 10); /* unknown: completed all the same */
	next_release_complete(10);
	assert_int_equal(reader_proc_stats(p).d2r_relayed, 0);
}

/* Undecodable frames are dropped and counted; stale, foreign and unexpected ones change
 * nothing. */
static void test_bad_frames(void **state)
{
	reader_proc *p = *state;
	uint32_t s = start_inventory(p, 1, 4, 0);
	const uint8_t junk[] = {0xff, 0x00, 0x01};
	reader_proc_on_air(p, junk, sizeof junk);
	uint8_t buf[AIR_MAX_FRAME], nas[AIR_MAX_NAS];
	size_t nn = inv_resp(RAND_N, 7, nas);
	air_frame f = {.type = AIR_SLOT, .session = s};
	f.u.slot.round = 1;
	f.u.slot.outcome = AIR_SLOT_SINGLE;
	f.u.slot.handle = 7;
	f.u.slot.nas = nas;
	f.u.slot.nas_len = (uint16_t)nn;
	int n = air_encode(&f, buf, sizeof buf);
	assert_true(n > 1);
	reader_proc_on_air(p, buf, (size_t)n - 1); /* truncated */
	reader_proc_on_air(p, buf, 0);
	assert_int_equal(reader_proc_stats(p).air_dropped, 3);

	const uint8_t other[16] = {0x11, 0x22};
	nn = inv_resp(other, 8, nas); /* an answer to someone else's paging */
	slot_single(p, s, 1, 8, nas, nn);
	answer(p, s + 1, 1, 9);                             /* no such session */
	round_end(p, s, 1, 3, 0, 0);                        /* not this round's Q */
	air_frame pg = {.type = AIR_RELEASE, .session = s}; /* R2D, from the medium */
	air_in(p, &pg);
	assert_quiet();
	reader_stats st = reader_proc_stats(p);
	assert_int_equal(st.d2r_foreign, 1);
	assert_int_equal(st.d2r_relayed, 0);

	round_end(p, s, 1, 2, 1, 0); /* the foreign answer is not acknowledged, not reported */
	next_paging(s, 2, next_q(2, 1, 1, 0));
	assert_quiet();

	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_NG_SETUP_RESPONSE; /* not a procedure's: the daemon's */
	assert_int_equal(ng(p, &m), 0);
	assert_quiet();
}

/* No ROUND_END: each silence timeout acknowledges and reports what came, keeps Q and pages
 * again; a ROUND_END after the timeout is stale; the third timeout in a row ends the
 * inventory. */
static void test_round_timeouts(void **state)
{
	reader_proc *p = *state;
	uint32_t s = start_inventory(p, 2, 4, 0);
	answer(p, s, 1, 41);
	reader_proc_air_batch_end(p);
	fire(ROUND_MS);
	next_ack(s, (const uint32_t[]){41}, 1);
	next_report(2, 0, (const uint32_t[]){1}, 1, NULL, 0);
	next_paging(s, 2, 2);
	round_end(p, s, 1, 2, 1, 0); /* the lost ROUND_END of round 1, late */
	answer(p, s, 1, 42);
	assert_quiet();
	fire(ROUND_MS);
	next_paging(s, 3, 2);
	fire(ROUND_MS);
	next_report(2, 1, NULL, 0, NULL, 0);
	next_release(s);
	assert_quiet();
	assert_int_equal(reader_proc_sessions(p), 0);
	assert_int_equal(reader_proc_stats(p).pagings, 3);
}

/* The inventory's time budget (timeInterval) ends it at the next round's end, with what that
 * round read in the final report. */
static void test_deadline(void **state)
{
	reader_proc *p = *state;
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_INVENTORY_REQUEST;
	m.correlation_id = 3;
	m.u.inv_req.ident_kind = NGAP_IDENT_ALL;
	m.u.inv_req.approx_devices = 4;
	m.u.inv_req.time_interval = 1;
	memcpy(m.u.inv_req.rand_n, RAND_N, 16);
	uint32_t s = F.next_random;
	assert_int_equal(ng(p, &m), 1);
	ngap_free(next_ng(NGAP_INVENTORY_RESPONSE));
	next_paging(s, 1, 2);
	answer(p, s, 1, 51);
	fake_clock_us += 1500000;
	round_end(p, s, 1, 2, 1, 3);
	next_ack(s, (const uint32_t[]){51}, 1);
	next_report(3, 1, (const uint32_t[]){1}, 1, NULL, 0);
	next_release(s);
	assert_quiet();
}

/* Inventory Requests refused: another reader's area, a correlation ID in use, a partial
 * octet for a single device, too many sessions, no memory for a timer. */
static void test_refusals(void **state)
{
	reader_proc *p = *state;
	ngap_reader_ref other = {.gnb_id = 7, .reader_index = 4},
	                me = {.gnb_id = 7, .reader_index = 3};
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_INVENTORY_REQUEST;
	m.correlation_id = 1;
	m.u.inv_req.ident_kind = NGAP_IDENT_ALL;
	m.u.inv_req.readers = &other;
	m.u.inv_req.nreaders = 1;
	ng(p, &m);
	next_fail(NGAP_INVENTORY_FAILURE, 1, NGAP_CAUSE_AREA_NOT_SERVED, 0, 0);

	m.u.inv_req.readers = &me;
	F.random_fails = 1; /* the air session then comes from the clock */
	ng(p, &m);
	ngap_free(next_ng(NGAP_INVENTORY_RESPONSE));
	uint32_t s1 = (uint32_t)fake_clock_us ^ (1u << 16);
	next_paging(s1, 1, 4);
	F.random_fails = 0;

	ng(p, &m);
	next_fail(NGAP_INVENTORY_FAILURE, 1, NGAP_CAUSE_MULTIPLE_SESSION_IDS, 0, 0);
	m.correlation_id = 2;
	m.u.inv_req.ident_kind = NGAP_IDENT_SINGLE;
	m.u.inv_req.ident_bits = 12;
	ng(p, &m);
	next_fail(NGAP_INVENTORY_FAILURE, 2, NGAP_CAUSE_UNSPECIFIED, 0, 0);
	m.u.inv_req.ident_kind = NGAP_IDENT_ALL;
	m.u.inv_req.ident_bits = 0;
	F.timer_fails = 1;
	ng(p, &m);
	next_fail(NGAP_INVENTORY_FAILURE, 2, NGAP_CAUSE_OVERLOAD, 0, 0);
	F.timer_fails = 0;
	uint32_t s2 = start_inventory(p, 2, 0, 0);
	m.correlation_id = 3; /* max-sessions (2) */
	ng(p, &m);
	next_fail(NGAP_INVENTORY_FAILURE, 3, NGAP_CAUSE_OVERLOAD, 0, 0);
	assert_int_equal(reader_proc_stats(p).inventories, 2);

	/* Both rounds go on in one receive batch; then the NG link goes: both end. */
	answer(p, s1, 1, 61);
	answer(p, s2, 1, 62);
	for (size_t i = 0; i < FAKE_TIMERS; i++)
		if (fake_timers[i] != NULL)
			fake_timers[i]->armed = 0;
	reader_proc_air_batch_end(p);
	int n = 0;
	for (size_t i = 0; i < FAKE_TIMERS; i++)
		n += fake_timers[i] != NULL && fake_timers[i]->armed;
	assert_int_equal(n, 2);
	reader_proc_link_lost(p);
	air_frame a = next_air(AIR_RELEASE), b = next_air(AIR_RELEASE);
	assert_true((a.session == s1 && b.session == s2) || (a.session == s2 && b.session == s1));
	assert_quiet();
	assert_int_equal(fake_ntimers, 0);
}

/* The NG link is down: the air side goes on, nothing is counted as relayed. */
static void test_ng_down(void **state)
{
	reader_proc *p = *state;
	uint32_t s = start_inventory(p, 4, 1, 1);
	F.ng_down = 1;
	answer(p, s, 1, 71);
	round_end(p, s, 1, 0, 1, 0);
	next_ack(s, (const uint32_t[]){71}, 1);
	next_paging(s, 2, 0);
	assert_int_equal(reader_proc_stats(p).d2r_relayed, 0);
	F.ng_down = 0;
	round_end(p, s, 2, 0, 0, 0);
	next_report(4, 1, NULL, 0, NULL, 0);
	F.timer_fails = 1; /* a command without memory for its timer */
	command_request(p, 4, 1, 0x01);
	next_fail(NGAP_COMMAND_FAILURE, 4, NGAP_CAUSE_OVERLOAD, 1, 1);
	F.timer_fails = 0;
	assert_quiet();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rounds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_report_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commands, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_release_during_round, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_frames, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_round_timeouts, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_deadline, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ng_down, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
