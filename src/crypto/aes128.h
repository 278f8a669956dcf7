/* SPDX-License-Identifier: Apache-2.0 */
/* AES-128 encryption (FIPS 197), portable C, table-free and constant-time:
 * CT: no secret-dependent branch or memory index; only the (public) block count leaks. */
#ifndef AIOT_AES128_H
#define AIOT_AES128_H
#include <stdint.h>

/* The key as four words of packed bit planes (16 bytes): the round keys are computed on
 * the fly during each encryption, so no 176-byte key schedule sits on the stack. What
 * cmac.c and ctr.c (the device) use. */
typedef struct aiot_aes128_key {
	uint32_t k[4];
} aiot_aes128_key;

void aiot_aes128_key_init(aiot_aes128_key *k, const uint8_t key[16]);
void aiot_aes128_key_encrypt(const aiot_aes128_key *k, const uint8_t in[16], uint8_t out[16]);

/* The original interface, kept for its callers (tests): rk[0..3] hold an aiot_aes128_key,
 * the rest is zero (44 words so that existing code sees the same layout). */
typedef struct aiot_aes128 {
	uint32_t rk[44];
} aiot_aes128;

void aiot_aes128_init(aiot_aes128 *ks, const uint8_t key[16]);
void aiot_aes128_encrypt(const aiot_aes128 *ks, const uint8_t in[16], uint8_t out[16]);
/* Zeroise the key schedule. */
void aiot_aes128_clear(aiot_aes128 *ks);

#endif
