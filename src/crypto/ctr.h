/* SPDX-License-Identifier: Apache-2.0 */
/* AES-128-CTR (NIST SP 800-38A), 128-bit big-endian counter. Freestanding. */
#ifndef AIOT_CTR_H
#define AIOT_CTR_H
#include <stddef.h>
#include <stdint.h>

void aiot_aes_ctr(const uint8_t key[16], const uint8_t ctr0[16], const uint8_t *in, uint8_t *out,
                  size_t len);

#endif
