/* SPDX-License-Identifier: Apache-2.0 */
/* Base64 of RFC 4648 §4 with padding. Freestanding. Constant-time in the data (keys may pass
 * through it, as in WireGuard-tools): characters are mapped with arithmetic masks, no table;
 * only the length and whether the whole input was valid leak. */
#include "base64.h"

#include <limits.h>

#include "aiot_err.h"

/* 1 if lo <= c <= hi else 0, without a branch. */
static int in_range(int c, int lo, int hi)
{
	return (int)((((uint32_t)(c - lo) | (uint32_t)(hi - c)) >> 31) ^ 1u);
}

/* Value 0..63 of a character of the alphabet, or -1. */
static int b64_val(unsigned char ch)
{
	int c = ch;
	int v = -1;
	v += (c - 'A' + 1) & -in_range(c, 'A', 'Z');
	v += (c - 'a' + 27) & -in_range(c, 'a', 'z');
	v += (c - '0' + 53) & -in_range(c, '0', '9');
	v += 63 & -in_range(c, '+', '+');
	v += 64 & -in_range(c, '/', '/');
	return v;
}

static char b64_char(unsigned v)
{
	int x = (int)v;
	int c = 'A' + x;
	c += ('a' - 26 - 'A') & -in_range(x, 26, 51);
	c += ('0' - 52 - 'A') & -in_range(x, 52, 61);
	c += ('+' - 62 - 'A') & -in_range(x, 62, 62);
	c += ('/' - 63 - 'A') & -in_range(x, 63, 63);
	return (char)c;
}

void aiot_b64_encode(const uint8_t *in, size_t n, char *out)
{
	size_t i = 0, o = 0;
	for (; i + 3 <= n; i += 3) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64_char(w >> 18);
		out[o++] = b64_char((w >> 12) & 63);
		out[o++] = b64_char((w >> 6) & 63);
		out[o++] = b64_char(w & 63);
	}
	if (n - i == 1) {
		uint32_t w = (uint32_t)in[i] << 16;
		out[o++] = b64_char(w >> 18);
		out[o++] = b64_char((w >> 12) & 63);
		out[o++] = '=';
		out[o++] = '=';
	} else if (n - i == 2) {
		uint32_t w = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64_char(w >> 18);
		out[o++] = b64_char((w >> 12) & 63);
		out[o++] = b64_char((w >> 6) & 63);
		out[o++] = '=';
	}
	out[o] = '\0';
}

int aiot_b64_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	size_t pad = 0, outlen, o = 0;
	int bad = 0;

	if (len % 4 != 0)
		return AIOT_ERR_MALFORMED;
	if (len == 0)
		return 0;
	/* '=' only as the last one or two characters (RFC 4648 §3.2, §4). */
	if (in[len - 1] == '=')
		pad = (in[len - 2] == '=') ? 2 : 1;
	outlen = len / 4 * 3 - pad;
	if (outlen > cap || outlen > INT_MAX)
		return AIOT_ERR_NOSPACE;
	for (size_t i = 0; i < len; i += 4) {
		int last = (i + 4 == len);
		int a = b64_val((unsigned char)in[i]);
		int b = b64_val((unsigned char)in[i + 1]);
		int c = (last && pad == 2) ? 0 : b64_val((unsigned char)in[i + 2]);
		int d = (last && pad >= 1) ? 0 : b64_val((unsigned char)in[i + 3]);
		bad |= (a | b | c | d) < 0;
		uint32_t w = (uint32_t)(a & 63) << 18 | (uint32_t)(b & 63) << 12 |
		             (uint32_t)(c & 63) << 6 | (uint32_t)(d & 63);
		if (!last || pad == 0) {
			out[o++] = (uint8_t)(w >> 16);
			out[o++] = (uint8_t)(w >> 8);
			out[o++] = (uint8_t)w;
		} else if (pad == 1) {
			/* RFC 4648 §3.5: the unused bits must be zero. */
			bad |= (w & 0xFF) != 0;
			out[o++] = (uint8_t)(w >> 16);
			out[o++] = (uint8_t)(w >> 8);
		} else {
			bad |= (w & 0xFFFF) != 0;
			out[o++] = (uint8_t)(w >> 16);
		}
	}
	return bad ? AIOT_ERR_MALFORMED : (int)outlen;
}
