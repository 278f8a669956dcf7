/* SPDX-License-Identifier: Apache-2.0 */
/* Hex <-> bytes. Decoding is constant-time in the digit values (keys pass through it):
 * only the length and whether the whole string was valid leak. Freestanding. */
#ifndef AIOT_HEX_H
#define AIOT_HEX_H
#include <stddef.h>
#include <stdint.h>

/* Decode a string of exactly 2 * n hex digits (either case) into out (cap bytes).
 * Returns the byte count, or AIOT_ERR_MALFORMED (odd length / non-hex digit) or
 * AIOT_ERR_NOSPACE. */
int aiot_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t cap);

/* Lowercase hex of n bytes into out (2 * n + 1 bytes, NUL-terminated). */
void aiot_hex_encode(const uint8_t *in, size_t n, char *out);

#endif
