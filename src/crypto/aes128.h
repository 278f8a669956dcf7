/* SPDX-License-Identifier: Apache-2.0 */
/* AES-128 encryption (FIPS 197), portable C, table-free and constant-time:
 * CT: no secret-dependent branch or memory index; only the (public) block count leaks. */
#ifndef AIOT_AES128_H
#define AIOT_AES128_H
#include <stdint.h>

typedef struct aiot_aes128 {
	uint32_t rk[44]; /* expanded round keys */
} aiot_aes128;

void aiot_aes128_init(aiot_aes128 *ks, const uint8_t key[16]);
void aiot_aes128_encrypt(const aiot_aes128 *ks, const uint8_t in[16], uint8_t out[16]);
/* Zeroise the key schedule. */
void aiot_aes128_clear(aiot_aes128 *ks);

#endif
