/* SPDX-License-Identifier: Apache-2.0 */
/* Test inputs from a seeded xorshift64* generator: deterministic, fast, good enough to pick
 * inputs, and a failure replays from the seed the test prints (set rng_state first). */
#ifndef AIOT_TEST_RNG_H
#define AIOT_TEST_RNG_H
#include <stddef.h>
#include <stdint.h>

static uint64_t rng_state;

static inline uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static inline void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rnd();
}

#endif
