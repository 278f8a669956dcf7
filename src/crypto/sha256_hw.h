/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256's block function in hardware (private to src/crypto). Only the host build on
 * x86-64 defines AIOT_SHA256_HW and compiles x86/sha256_ni.c (CMakeLists.txt); the
 * freestanding cross builds (cmake/device-m0.sh) never see either, and keep the portable
 * block function of sha256.c alone.
 */
#ifndef AIOT_SHA256_HW_H
#define AIOT_SHA256_HW_H
#include <stdint.h>

#include "sha256.h"

/* FIPS 180-4 4.2.2, shared by both block functions. */
extern const uint32_t aiot_sha256_k[64];

#ifdef AIOT_SHA256_HW
/* 1 if this CPU has the SHA extensions (and SSSE3, SSE4.1): CPUID, asked once. */
int aiot_sha256_hw(void);
/* FIPS 180-4 6.2.2 on one 64-byte block, with the SHA extensions: only if aiot_sha256_hw(). */
void aiot_sha256_hw_compress(uint32_t h[8], const uint8_t block[64]);
/* The portable block function on c->buf (consumed), whatever the CPU: the mirror test. */
void aiot_sha256_compress_portable(aiot_sha256_ctx *c);
#endif

#endif
