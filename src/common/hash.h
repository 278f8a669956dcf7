/* SPDX-License-Identifier: Apache-2.0 */
/* The one keyed hash of the tree's in-memory indexes (the store's, the AIOTF's maps): keys
 * are identifiers a peer chooses, so bucket positions must depend on a secret seed drawn at
 * start, or a peer could send keys crafted to share one bucket. */
#ifndef AIOT_COMMON_HASH_H
#define AIOT_COMMON_HASH_H
#include <stddef.h>
#include <stdint.h>

/* murmur3's fmix64: a bijection that spreads every input bit over the output. */
uint64_t aiot_hash_mix64(uint64_t h);

/* 64-bit hash of n bytes under seed (murmur3's fmix64 over 8-byte words, seeded and
 * length-tagged). */
uint64_t aiot_hash_bytes(uint64_t seed, const uint8_t *p, size_t n);

#endif
