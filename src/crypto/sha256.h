/* SPDX-License-Identifier: Apache-2.0 */
/* SHA-256 (FIPS 180-4), portable C, no tables indexed by secret data. */
#ifndef AIOT_SHA256_H
#define AIOT_SHA256_H
#include <stddef.h>
#include <stdint.h>

/* The typedef cannot be named aiot_sha256: that is the one-shot function below. */
typedef struct aiot_sha256 {
	uint32_t h[8];
	uint64_t total; /* bytes hashed so far */
	union {
		uint8_t b[64];  /* the block being filled */
		uint32_t w[16]; /* compress() expands the message schedule in place here */
	} buf;
	uint32_t nbuf;
} aiot_sha256_ctx;

void aiot_sha256_init(aiot_sha256_ctx *c);
void aiot_sha256_update(aiot_sha256_ctx *c, const uint8_t *p, size_t n);
void aiot_sha256_final(aiot_sha256_ctx *c, uint8_t out[32]); /* also zeroises c */
void aiot_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

/*
 * HMAC building blocks (hmac_sha256.c), so that HMAC needs no block buffer or key copy of
 * its own. K0 below is key zero-padded to 64 bytes (key_len <= 64).
 * init_xor:  start a hash whose first block is K0 ^ pad.
 * final_xor: finish c, then start it again as init_xor(key, pad) followed by the 32-byte
 *            digest; tmp (32 bytes) holds the digest on the way and may be key itself.
 */
void aiot_sha256_init_xor(aiot_sha256_ctx *c, const uint8_t *key, size_t key_len, uint8_t pad);
void aiot_sha256_final_xor(aiot_sha256_ctx *c, const uint8_t *key, size_t key_len, uint8_t pad,
                           uint8_t tmp[32]);

#endif
