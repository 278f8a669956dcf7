/* SPDX-License-Identifier: Apache-2.0 */
/*
 * base64url without padding (RFC 7515 2, RFC 4648 5). Decoding is strict so that a token has
 * exactly one text: padding, characters of the standard alphabet ('+', '/'), whitespace and
 * non-zero bits after the last octet are refused (RFC 4648 3.5 lets a decoder do so).
 */
#include <limits.h>

#include "oauth/jws.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

static int value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '-')
		return 62;
	if (ch == '_')
		return 63;
	return -1;
}

long aiot_b64url_encode(const uint8_t *in, size_t n, char *out, size_t cap)
{
	size_t need = n / 3 * 4 + (n % 3 ? n % 3 + 1 : 0), o = 0;
	if (need + 1 > cap || need > (size_t)LONG_MAX)
		return -1;
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;
		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		out[o++] = alphabet[v >> 18 & 63];
		out[o++] = alphabet[v >> 12 & 63];
		if (left > 1)
			out[o++] = alphabet[v >> 6 & 63];
		if (left > 2)
			out[o++] = alphabet[v & 63];
	}
	out[o] = '\0';
	return (long)o;
}

long aiot_b64url_decode(const char *in, size_t len, uint8_t *out, size_t cap)
{
	size_t o = 0, tail = len % 4;
	uint32_t acc = 0;
	int bits = 0;

	if (tail == 1 || len / 4 * 3 + (tail ? tail - 1 : 0) > cap)
		return -1;
	for (size_t i = 0; i < len; i++) {
		int v = value((unsigned char)in[i]);
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (acc != 0) /* the unused low bits of the last character */
		return -1;
	return (long)o;
}
