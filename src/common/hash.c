/* SPDX-License-Identifier: Apache-2.0 */
/* Seeded hash of byte strings (hash.h). */
#include "hash.h"

#include <string.h>

uint64_t aiot_hash_mix64(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

uint64_t aiot_hash_bytes(uint64_t seed, const uint8_t *p, size_t n)
{
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
	uint64_t w;
	for (; n >= 8; p += 8, n -= 8) {
		memcpy(&w, p, 8);
		h = aiot_hash_mix64(h ^ w);
	}
	w = 0;
	memcpy(&w, p, n);
	return aiot_hash_mix64(h ^ w ^ 0x5bd1e995u);
}
