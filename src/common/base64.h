/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 (RFC 4648 §4, with padding) — the "Bytes" type of TS 29.571 (AiotDevPermId,
 * AiotFilteringInformation). Decoding is strict: wrong padding, characters outside the
 * alphabet, whitespace and non-zero trailing bits are errors. */
#ifndef AIOT_BASE64_H
#define AIOT_BASE64_H
#include <stddef.h>
#include <stdint.h>

#define AIOT_B64_LEN(n) ((((n) + 2) / 3) * 4) /* encoded length, without the NUL */

/* Writes AIOT_B64_LEN(n) characters and a NUL into out. */
void aiot_b64_encode(const uint8_t *in, size_t n, char *out);
/* Returns the decoded length, or AIOT_ERR_MALFORMED / AIOT_ERR_NOSPACE. */
int aiot_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap);

#endif
