/* SPDX-License-Identifier: Apache-2.0 */
/* HMAC-SHA-256 (RFC 2104 / FIPS 198-1) over a gather list. Freestanding. */
#ifndef AIOT_HMAC_SHA256_H
#define AIOT_HMAC_SHA256_H
#include "backend.h"

void aiot_hmac_sha256(const uint8_t *key, size_t key_len, const aiot_iov *iov, size_t niov,
                      uint8_t mac[32]);

#endif
