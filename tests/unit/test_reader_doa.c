/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader's device-originated access without sockets (src/reader/reader_doa.h, driven
 * through reader_proc.h like the inventory): access rounds with singles and collisions and
 * their frame sizes, the relay both ways under a RAN ID stable for the DO-A session, unknown
 * RAN IDs, `end`, the session's rotation and the loss of the NG link, the bound on devices,
 * malformed and foreign frames, and an inventory beside the DO-A rounds. The test plays the
 * AIOTF, the medium and the clock with the recording fakes of test_reader_util.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

/* test_reader_util.h is shared with test_reader_proc.c, which uses all of its helpers. */
#pragma GCC diagnostic ignored "-Wunused-function"
#include "test_reader_util.h"

#define DOA_MS 30
#define DOA_S 10
#define DOA_MAX 4
#define SESSION0 0xA1000000u /* the first random draw of setup() */

static int setup_doa(void **state)
{
	memset(&F, 0, sizeof F);
	fake_io_reset();
	fake_clock_us = 1000000;
	F.next_random = SESSION0;
	reader_cfg cfg = test_cfg();
	cfg.doa_interval_ms = DOA_MS;
	cfg.doa_session_s = DOA_S;
	cfg.doa_max_devices = DOA_MAX;
	*state = reader_proc_new(&cfg, &fake_io, NULL);
	return *state == NULL;
}

static air_frame next_open(uint32_t session, uint16_t round, uint8_t q)
{
	air_frame f = next_air(AIR_DOA_OPEN);
	assert_int_equal(f.session, session);
	assert_int_equal(f.u.doa_open.round, round);
	assert_int_equal(f.u.doa_open.q, q);
	assert_non_null(armed(DOA_MS));
	return f;
}

/* A SINGLE DO-A slot from handle carrying a 3-octet PDU tagged `tag`. */
static void doa_single(reader_proc *p, uint32_t session, uint16_t round, uint32_t handle,
                       uint8_t tag)
{
	uint8_t nas[3] = {0x10, tag, (uint8_t)handle};
	air_frame f = {.type = AIR_DOA_SLOT, .session = session};
	f.u.slot.round = round;
	f.u.slot.slot = handle & 3;
	f.u.slot.outcome = AIR_SLOT_SINGLE;
	f.u.slot.handle = handle;
	f.u.slot.nas = nas;
	f.u.slot.nas_len = sizeof nas;
	air_in(p, &f);
}

static void doa_collision(reader_proc *p, uint32_t session, uint16_t round)
{
	air_frame f = {.type = AIR_DOA_SLOT, .session = session};
	f.u.slot.round = round;
	f.u.slot.slot = 1;
	f.u.slot.outcome = AIR_SLOT_COLLISION;
	f.u.slot.ncolliding = 3;
	air_in(p, &f);
}

/* The next DO-A Uplink NAS Transport: the PDU of doa_single(handle, tag); its RAN ID. */
static uint32_t next_uplink(uint32_t handle, uint8_t tag)
{
	ngap_msg *m = next_ng(NGAP_DOA_UPLINK_NAS);
	assert_int_equal(m->u.doa.nas_len, 3);
	assert_int_equal(m->u.doa.nas_pdu[1], tag);
	assert_int_equal(m->u.doa.nas_pdu[2], (uint8_t)handle);
	uint32_t ran = m->u.doa.ran_device_id;
	ngap_free(m);
	return ran;
}

static void downlink(reader_proc *p, uint32_t ran, uint8_t tag, int end, uint16_t len)
{
	uint8_t nas[AIR_MAX_NAS + 1] = {0x11, tag};
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_DOA_DOWNLINK_NAS;
	m.u.doa.ran_device_id = ran;
	m.u.doa.end = (uint8_t)end;
	m.u.doa.nas_pdu = nas;
	m.u.doa.nas_len = len;
	assert_int_equal(ng(p, &m), 1);
}

static void next_downlink(uint32_t session, uint32_t handle, uint8_t tag)
{
	air_frame f = next_air(AIR_DOA_DOWNLINK);
	assert_int_equal(f.session, session);
	assert_int_equal(f.u.cmd.handle, handle);
	assert_int_equal(f.u.cmd.nas_len, 2);
	assert_int_equal(f.u.cmd.nas[1], tag);
}

static uint8_t doa_q(uint8_t q, uint32_t single, uint32_t collided)
{
	dfsa_round r = {.q = q, .single = single, .collided = collided};
	r.empty = (1u << q) - single - collided;
	return dfsa_doa_q(&r);
}

/* ---- the tests --------------------------------------------------------------------------- */

/* Rounds: singles relayed at once under new RAN IDs, collisions counted, the ACKs at the
 * round's end, the frame size from the DO-A rule; a device's later PDUs (M3, Uplink Data)
 * under the same RAN ID; a round without ROUND_END goes on until round-timeout-ms, then its
 * ACKs go and the next round opens. */
static void test_rounds(void **state)
{
	reader_proc *p = *state;
	next_open(SESSION0, 1, dfsa_first_q(0));
	assert_quiet();

	doa_single(p, SESSION0, 1, 11, 0xA1);
	uint32_t ran11 = next_uplink(11, 0xA1);
	doa_collision(p, SESSION0, 1);
	doa_single(p, SESSION0, 1, 12, 0xA2);
	uint32_t ran12 = next_uplink(12, 0xA2);
	assert_int_not_equal(ran11, ran12);
	assert_quiet(); /* the ACKs wait for the round's end */
	round_end(p, SESSION0, 1, 4, 2, 1);
	next_ack(SESSION0, (const uint32_t[]){11, 12}, 2);
	assert_quiet();
	round_end(p, SESSION0, 1, 4, 2, 1); /* repeated: nothing */
	assert_quiet();

	uint8_t q = doa_q(4, 2, 1);
	fire(DOA_MS);
	next_open(SESSION0, 2, q);
	doa_single(p, SESSION0, 2, 11, 0xB1); /* its M3: the same RAN ID */
	assert_int_equal(next_uplink(11, 0xB1), ran11);
	doa_single(p, SESSION0, 1, 12, 0xB2); /* a late slot of round 1: still relayed */
	assert_int_equal(next_uplink(12, 0xB2), ran12);
	fire(DOA_MS); /* no ROUND_END yet: the round may still be on the air */
	assert_quiet();
	assert_non_null(armed(DOA_MS));
	fake_clock_us += ROUND_MS * 1000u;
	fire(DOA_MS); /* round-timeout-ms: the ACKs go now, Q from what was received */
	next_ack(SESSION0, (const uint32_t[]){11, 12}, 2);
	dfsa_round seen = {.q = q, .single = 2, .empty = 0};
	next_open(SESSION0, 3, dfsa_doa_q(&seen));
	assert_quiet();

	reader_stats st = reader_proc_stats(p);
	assert_int_equal(st.doa_sessions, 1);
	assert_int_equal(st.doa_rounds, 3);
	assert_int_equal(st.doa_uplink, 4);
	assert_int_equal(st.doa_collided_slots, 1);
}

/* The Frame size follows the contention: a saturated round grows it, an empty one shrinks
 * it to one slot. */
static void test_frame_size(void **state)
{
	reader_proc *p = *state;
	next_open(SESSION0, 1, 4);
	round_end(p, SESSION0, 1, 4, 0, 16); /* every slot collided */
	fire(DOA_MS);
	next_open(SESSION0, 2, doa_q(4, 0, 16));
	assert_true(doa_q(4, 0, 16) > 4);
	uint8_t q = doa_q(4, 0, 16);
	round_end(p, SESSION0, 2, q, 0, 0);
	fire(DOA_MS);
	next_open(SESSION0, 3, 0);
	assert_quiet();
}

/* Downlinks: to the device's handle; an unknown RAN ID and an oversized PDU refused with a
 * DO-A Downlink Failure; `end` delivers, then forgets the RAN ID: the device's next PDU gets
 * a new one. */
static void test_downlink(void **state)
{
	reader_proc *p = *state;
	next_open(SESSION0, 1, 4);
	doa_single(p, SESSION0, 1, 21, 0xA1);
	uint32_t ran = next_uplink(21, 0xA1);

	downlink(p, ran, 0xC2, 0, 2); /* M2 */
	next_downlink(SESSION0, 21, 0xC2);
	downlink(p, ran + 1, 0xC3, 0, 2);
	next_fail(NGAP_DOA_DOWNLINK_FAILURE, 0, NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, 1, ran + 1);
	downlink(p, 0, 0xC3, 0, 2);
	next_fail(NGAP_DOA_DOWNLINK_FAILURE, 0, NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, 1, 0);
	downlink(p, ran ^ 0x80000000u, 0xC3, 0, 2); /* right entry, wrong generation */
	next_fail(NGAP_DOA_DOWNLINK_FAILURE, 0, NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, 1,
	          ran ^ 0x80000000u);
	downlink(p, ran, 0xC3, 0, AIR_MAX_NAS + 1);
	next_fail(NGAP_DOA_DOWNLINK_FAILURE, 0, NGAP_CAUSE_DEVICE_NOT_REACHABLE, 1, ran);

	downlink(p, ran, 0xC4, 1, 2); /* M4 with `end`: delivered, then forgotten */
	next_downlink(SESSION0, 21, 0xC4);
	downlink(p, ran, 0xC5, 0, 2);
	next_fail(NGAP_DOA_DOWNLINK_FAILURE, 0, NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, 1, ran);
	doa_single(p, SESSION0, 1, 21, 0xA2);
	uint32_t ran2 = next_uplink(21, 0xA2);
	assert_int_not_equal(ran2, ran);
	downlink(p, ran2, 0xC6, 0, 2);
	next_downlink(SESSION0, 21, 0xC6);
	assert_quiet();

	reader_stats st = reader_proc_stats(p);
	assert_int_equal(st.doa_downlink, 3);
	assert_int_equal(st.doa_unknown_ran, 4);
}

/* doa-session-s later: a new air id, round 1, every RAN ID forgotten; the old session's
 * frames go nowhere. The loss of the NG link starts a new session too. */
static void test_rotation(void **state)
{
	reader_proc *p = *state;
	next_open(SESSION0, 1, 4);
	doa_single(p, SESSION0, 1, 31, 0xA1);
	uint32_t ran = next_uplink(31, 0xA1);
	fake_clock_us += (uint64_t)DOA_S * 1000000u;
	fire(DOA_MS);
	next_ack(SESSION0, (const uint32_t[]){31}, 1); /* owed to the old session */
	next_open(SESSION0 + 1, 1, 4);
	downlink(p, ran, 0xC2, 0, 2);
	next_fail(NGAP_DOA_DOWNLINK_FAILURE, 0, NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, 1, ran);
	doa_single(p, SESSION0, 1, 31, 0xA2); /* the old session: not the reader's any more */
	assert_quiet();
	doa_single(p, SESSION0 + 1, 1, 31, 0xA3);
	uint32_t ran2 = next_uplink(31, 0xA3);
	assert_int_not_equal(ran2, ran);

	reader_proc_link_lost(p);
	downlink(p, ran2, 0xC2, 0, 2);
	next_fail(NGAP_DOA_DOWNLINK_FAILURE, 0, NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, 1, ran2);
	fire(DOA_MS);
	next_open(SESSION0 + 2, 1, 4); /* the relayed PDU's ACK went with its session */
	assert_quiet();
	assert_int_equal(reader_proc_stats(p).doa_sessions, 3);
}

/* At most doa-max-devices devices per session: the next is neither relayed nor ACKed (it
 * retries) until an `end` frees an entry. An uplink the NG link does not take is not ACKed. */
static void test_bounds(void **state)
{
	reader_proc *p = *state;
	uint32_t ran[DOA_MAX];
	next_open(SESSION0, 1, 4);
	for (uint32_t h = 0; h < DOA_MAX; h++) {
		doa_single(p, SESSION0, 1, 40 + h, 0xA0);
		ran[h] = next_uplink(40 + h, 0xA0);
	}
	doa_single(p, SESSION0, 1, 49, 0xA0);
	assert_quiet();
	assert_int_equal(reader_proc_stats(p).doa_table_full, 1);
	downlink(p, ran[1], 0xC1, 1, 2);
	next_downlink(SESSION0, 41, 0xC1);
	doa_single(p, SESSION0, 1, 49, 0xA1);
	next_uplink(49, 0xA1);
	for (uint32_t h = 0; h < DOA_MAX; h++) /* the others keep their RAN IDs */
		if (h != 1) {
			doa_single(p, SESSION0, 1, 40 + h, 0xA2);
			assert_int_equal(next_uplink(40 + h, 0xA2), ran[h]);
		}
	F.ng_down = 1;
	doa_single(p, SESSION0, 1, 40, 0xA3);
	F.ng_down = 0;
	round_end(p, SESSION0, 1, 4, 8, 0);
	next_ack(SESSION0, (const uint32_t[]){40, 41, 42, 43, 49, 40, 42, 43}, 8);
	assert_quiet();
}

/* Malformed D2R frames are counted and dropped; frames of unknown sessions and R2D types are
 * ignored; an inventory runs beside the DO-A rounds, each with its own session. */
static void test_bad_frames_and_inventory(void **state)
{
	reader_proc *p = *state;
	static const uint8_t junk[] = {1, AIR_DOA_SLOT, 0xA1, 0, 0, 0, 0};
	next_open(SESSION0, 1, 4);
	reader_proc_on_air(p, junk, sizeof junk);
	reader_proc_on_air(p, junk, 1);
	assert_int_equal(reader_proc_stats(p).air_dropped, 2);
	doa_single(p, 0x12345678u, 1, 50, 0xA1);
	air_frame open = {.type = AIR_DOA_OPEN, .session = SESSION0};
	open.u.doa_open.q = 2;
	air_in(p, &open);
	assert_quiet();

	uint32_t s = start_inventory(p, 9, 1, 0);
	answer(p, s, 1, 51);
	doa_single(p, SESSION0, 1, 51, 0xA1); /* same handle, other session: independent */
	next_uplink(51, 0xA1);
	round_end(p, s, 1, 0, 1, 0);
	next_ack(s, (const uint32_t[]){51}, 1);
	next_report(9, 0, (const uint32_t[]){1}, 1, NULL, 0);
	next_paging(s, 2, 0);
	round_end(p, SESSION0, 1, 4, 1, 0);
	next_ack(SESSION0, (const uint32_t[]){51}, 1);
	assert_quiet();
}

/* DO-A off (doa-interval-ms 0): no round, no timer, every downlink for an unknown RAN ID. */
static void test_off(void **state)
{
	reader_proc *p = *state;
	assert_quiet();
	assert_int_equal(fake_ntimers, 0);
	downlink(p, 1, 0xC1, 0, 2);
	next_fail(NGAP_DOA_DOWNLINK_FAILURE, 0, NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, 1, 1);
	doa_single(p, SESSION0, 1, 1, 0xA1);
	reader_proc_link_lost(p);
	assert_quiet();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_rounds, setup_doa, teardown),
	    cmocka_unit_test_setup_teardown(test_frame_size, setup_doa, teardown),
	    cmocka_unit_test_setup_teardown(test_downlink, setup_doa, teardown),
	    cmocka_unit_test_setup_teardown(test_rotation, setup_doa, teardown),
	    cmocka_unit_test_setup_teardown(test_bounds, setup_doa, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_frames_and_inventory, setup_doa, teardown),
	    cmocka_unit_test_setup_teardown(test_off, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
