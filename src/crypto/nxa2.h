/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 128-NIA2 and 128-NEA2 (TS 33.501 Annex D.3; defined as 128-EIA2 / 128-EEA2 in
 * TS 33.401 Annex B.2), on any backend.
 *   NIA2: MAC = first 32 bits of AES-CMAC(K, COUNT || BEARER || DIRECTION || 0^26 || MESSAGE)
 *   NEA2: AES-CTR with T1 = COUNT || BEARER || DIRECTION || 0^26 || 0^64
 * Message lengths are in bits; bits past nbits in the last byte are ignored by NIA2 and
 * set to zero in NEA2's output.
 */
#ifndef AIOT_NXA2_H
#define AIOT_NXA2_H
#include "backend.h"

/* bearer < 32, direction <= 1, else AIOT_ERR_INVAL. */
int aiot_nia2(const aiot_backend *be, const uint8_t key[16], uint32_t count, uint8_t bearer,
              uint8_t direction, const uint8_t *msg, size_t nbits, uint8_t mac[4]);

/* out may equal in; out receives (nbits + 7) / 8 bytes. */
int aiot_nea2(const aiot_backend *be, const uint8_t key[16], uint32_t count, uint8_t bearer,
              uint8_t direction, const uint8_t *in, size_t nbits, uint8_t *out);

#endif
