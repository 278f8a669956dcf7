/* SPDX-License-Identifier: Apache-2.0 */
#include "hex.h"

#include "aiot_err.h"

/* Value of hex digit c in 0..15, or -1. CT: arithmetic masks, no branch, no table
 * (the WireGuard-tools technique). */
static int hex_val(unsigned char c)
{
	int d = c - '0';
	int l = (c | 0x20) - 'a' + 10;
	int is_d = ((d >= 0) & (d <= 9));
	int is_l = ((l >= 10) & (l <= 15));
	return (d & -is_d) | (l & -is_l) | (-1 & ~(-is_d | -is_l));
}

int aiot_hex_decode(const char *hex, size_t hex_len, uint8_t *out, size_t cap)
{
	int bad = 0;
	if (hex_len % 2 != 0)
		return AIOT_ERR_MALFORMED;
	if (hex_len / 2 > cap)
		return AIOT_ERR_NOSPACE;
	for (size_t i = 0; i < hex_len / 2; i++) {
		int hi = hex_val((unsigned char)hex[2 * i]);
		int lo = hex_val((unsigned char)hex[2 * i + 1]);
		bad |= (hi | lo) < 0;
		out[i] = (uint8_t)(((unsigned)hi << 4) | ((unsigned)lo & 0xFu)); /* hi may be -1 */
	}
	return bad ? AIOT_ERR_MALFORMED : (int)(hex_len / 2);
}

/* CT: digits computed arithmetically, no table lookup on secret nibbles. */
static char hex_digit(unsigned n)
{
	return (char)(n + '0' + (((9u - n) >> 8) & (unsigned)('a' - '0' - 10)));
}

void aiot_hex_encode(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++) {
		out[2 * i] = hex_digit(in[i] >> 4);
		out[2 * i + 1] = hex_digit(in[i] & 0xFu);
	}
	out[2 * n] = '\0';
}
