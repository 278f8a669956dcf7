/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader (src/reader): its sans-I/O part, the frame-size rule of the anti-collision
 * rounds (reader_dfsa.c, docs/protocol.md §5.5), with expected values worked out by hand from
 * Schoute's estimate; and reader_new's configuration checks. The rounds, the relaying and the
 * commands (reader_proc.c) are driven without sockets by test_reader_proc.c, and end to end
 * by it_reader_devsim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "air/air.h"
#include "reader/reader.h"
#include "reader/reader_dfsa.h"

static void test_first_q(void **state)
{
	(void)state;
	assert_int_equal(dfsa_first_q(0), 4); /* approxNumberofDevices absent */
	assert_int_equal(dfsa_first_q(1), 0);
	assert_int_equal(dfsa_first_q(2), 1);
	assert_int_equal(dfsa_first_q(3), 2);
	assert_int_equal(dfsa_first_q(16), 4);
	assert_int_equal(dfsa_first_q(17), 5);
	assert_int_equal(dfsa_first_q(1u << 30), AIR_MAX_Q);
}

static uint8_t next(uint8_t q, uint32_t single, uint32_t received, uint32_t collided,
                    uint32_t empty)
{
	dfsa_round r = {
	    .q = q, .single = single, .received = received, .collided = collided, .empty = empty};
	return dfsa_next_q(&r);
}

static void test_next_q(void **state)
{
	(void)state;
	/* 10 collided: backlog 23.9, between 2^4.5 (22.6) and 2^5.5 (45.3): Q 5. */
	assert_int_equal(next(4, 3, 3, 10, 3), 5);
	/* 1 collided: 2.39, between 2^0.5 and 2^1.5: Q 1. */
	assert_int_equal(next(4, 14, 14, 1, 1), 1);
	/* Singles the medium counted but the reader did not receive answer again: 3 -> Q 2. */
	assert_int_equal(next(3, 5, 2, 0, 3), 2);
	/* Nothing left: Q 0 (the next round is silent, the inventory ends). */
	assert_int_equal(next(4, 16, 16, 0, 0), 0);
	/* A saturated frame (no empty slot) means at least 4 x 2^Q: 64 -> Q 6. */
	assert_int_equal(next(4, 13, 13, 3, 0), 6);
	/* Never beyond AIR_MAX_Q. */
	assert_int_equal(next(AIR_MAX_Q, 0, 0, 1u << AIR_MAX_Q, 0), AIR_MAX_Q);
}

static void test_timeout_keeps_q(void **state)
{
	(void)state;
	for (uint8_t q = 0; q <= AIR_MAX_Q; q++) {
		dfsa_round r = {.q = q, .timed_out = 1, .single = 7, .collided = 1000};
		assert_int_equal(dfsa_next_q(&r), q);
	}
}

static void test_new(void **state)
{
	char err[256] = "";
	struct event_base *base = event_base_new();
	reader_cfg cfg = {.aiotf = "127.0.0.1:1",
	                  .transport = "tcp",
	                  .air = "not an address",
	                  .name = "t",
	                  .gnb_id = 1,
	                  .reader_index = 1,
	                  .max_rounds = 4,
	                  .round_timeout_ms = 100,
	                  .command_timeout_ms = 100,
	                  .report_batch = 8,
	                  .max_sessions = 2};
	(void)state;
	assert_non_null(base);
	assert_null(reader_new(base, &cfg, err, sizeof err));
	assert_true(err[0] != '\0');
	cfg.air = "127.0.0.1:9";
	reader *r = reader_new(base, &cfg, err, sizeof err);
	assert_non_null(r);
	reader_stats st = reader_get_stats(r);
	assert_int_equal(st.ng_link_up, 0); /* connecting */
	assert_int_equal(st.inventories, 0);
	reader_free(r);
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_first_q),
	    cmocka_unit_test(test_next_q),
	    cmocka_unit_test(test_timeout_keeps_q),
	    cmocka_unit_test(test_new),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
