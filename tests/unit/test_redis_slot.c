/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Key slots (src/redis/slot.h): CRC-16/XMODEM's check value, the hash tag examples of the
 * Redis Cluster specification, and slots that redis-server 7's CLUSTER KEYSLOT returned
 * (tests/integration/redis_cluster.sh compares random keys against the live server too).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "redis/slot.h"

static unsigned slot_of(const char *k)
{
	return redis_key_slot(k, strlen(k));
}

static void test_crc16(void **state)
{
	(void)state;
	assert_int_equal(redis_crc16("123456789", 9), 0x31C3); /* CRC-16/XMODEM check */
	assert_int_equal(redis_crc16("", 0), 0);
	assert_int_equal(redis_crc16(NULL, 0), 0);
}

/* Redis Cluster specification, "Hash tags". */
static void test_spec_hash_tags(void **state)
{
	(void)state;
	/* {user1000}.following and {user1000}.followers: the same slot, that of user1000 */
	assert_int_equal(slot_of("{user1000}.following"), slot_of("user1000"));
	assert_int_equal(slot_of("{user1000}.followers"), slot_of("user1000"));
	/* foo{}{bar}: an empty tag, the whole key is hashed */
	assert_int_equal(slot_of("foo{}{bar}"), redis_crc16("foo{}{bar}", 10) % 16384);
	assert_int_not_equal(slot_of("foo{}{bar}"), slot_of("bar"));
	/* foo{{bar}}zap: the substring "{bar" is hashed */
	assert_int_equal(slot_of("foo{{bar}}zap"), slot_of("{bar"));
	/* foo{bar}{zap}: "bar" is hashed (first '{', first '}' after it) */
	assert_int_equal(slot_of("foo{bar}{zap}"), slot_of("bar"));
	/* no '}' after the '{': the whole key */
	assert_int_equal(slot_of("a{"), redis_crc16("a{", 2) % 16384);
	assert_int_equal(slot_of("}{x"), redis_crc16("}{x", 3) % 16384);
}

/* Answers of redis-server 7.0.15's CLUSTER KEYSLOT. */
static void test_server_slots(void **state)
{
	(void)state;
	assert_int_equal(slot_of("foo"), 12182);
	assert_int_equal(slot_of("bar"), 5061);
	assert_int_equal(slot_of("foo{}{bar}"), 8363);
	assert_int_equal(slot_of("foo{{bar}}zap"), 4015);
	assert_int_equal(slot_of("foo{bar}{zap}"), 5061);
	assert_int_equal(slot_of(""), 0);
	assert_int_equal(slot_of("{}"), 15257);
	assert_int_equal(slot_of("a{"), 14311);
	assert_int_equal(slot_of("123456789"), 12739);
	assert_int_equal(slot_of("{user1000}.following"), 3443);
}

/* A binary key: every byte counts, NUL included. */
static void test_binary_key(void **state)
{
	(void)state;
	const char k[] = {'a', 0, 'b'};
	assert_int_equal(redis_key_slot(k, 3), redis_crc16(k, 3) % 16384);
	assert_int_not_equal(redis_key_slot(k, 3), redis_key_slot(k, 1));
	for (unsigned i = 0; i < 1000; i++)
		assert_true(redis_key_slot(&i, sizeof i) < REDIS_SLOTS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_crc16),
	    cmocka_unit_test(test_spec_hash_tags),
	    cmocka_unit_test(test_server_slots),
	    cmocka_unit_test(test_binary_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
