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
	uint8_t buf[64];
	uint32_t nbuf;
} aiot_sha256_ctx;

void aiot_sha256_init(aiot_sha256_ctx *c);
void aiot_sha256_update(aiot_sha256_ctx *c, const uint8_t *p, size_t n);
void aiot_sha256_final(aiot_sha256_ctx *c, uint8_t out[32]); /* also zeroises c */
void aiot_sha256(const uint8_t *p, size_t n, uint8_t out[32]);

#endif
