/* SPDX-License-Identifier: Apache-2.0 */
/* AES-128-CMAC (NIST SP 800-38B; RFC 4493 for whole bytes) over the first nbits bits of a
 * gather list. Freestanding, built on aes128.c. */
#ifndef AIOT_CMAC_H
#define AIOT_CMAC_H
#include "backend.h"

/* Octets off .. off + n - 1 of the same MAC (off + n <= 16): the truncations of NIA2 (the
 * first 4) and of the KDF (the last n) without a copy of the whole MAC on the stack. */
void aiot_aes_cmac_part(const uint8_t key[16], const aiot_iov *iov, size_t niov, size_t nbits,
                        uint8_t *out, unsigned off, unsigned n);

void aiot_aes_cmac(const uint8_t key[16], const aiot_iov *iov, size_t niov, size_t nbits,
                   uint8_t mac[16]);

#endif
