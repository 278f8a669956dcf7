/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SHA-256 (FIPS 180-4 6.2). Portable, freestanding; the host build on x86-64 hands each
 * block to the CPU's SHA extensions when it has them (sha256_hw.h).
 * CT: the only table (K) is indexed by the public round number; time depends on the
 * message length only.
 */
#include <string.h>

#include "sha256.h"
#include "sha256_hw.h"
#include "ct.h"
#include "../common/bytes.h"

/* FIPS 180-4 4.2.2 */
const uint32_t aiot_sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/*
 * FIPS 180-4 6.2.2 on the block in c->buf. The message schedule is a rolling 16-word window
 * expanded in place in c->buf (the block is consumed), so the frame holds only the eight
 * working variables.
 */
#ifdef AIOT_SHA256_HW
void aiot_sha256_compress_portable(aiot_sha256_ctx *c)
#else
static void compress(aiot_sha256_ctx *c)
#endif
{
	uint32_t *w = c->buf.w, v[8];

	for (unsigned i = 0; i < 16; i++)
		w[i] = aiot_get_be32(c->buf.b + 4 * i); /* in place: word i covers bytes 4i..4i+3 */
	for (unsigned i = 0; i < 8; i++)
		v[i] = c->h[i];
	for (unsigned t = 0; t < 64; t++) {
		if (t >= 16) {
			uint32_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
			uint32_t s0 = ror(w15, 7) ^ ror(w15, 18) ^ (w15 >> 3);
			uint32_t s1 = ror(w2, 17) ^ ror(w2, 19) ^ (w2 >> 10);
			w[t & 15] += s0 + w[(t - 7) & 15] + s1;
		}
		uint32_t e = v[4], a = v[0];
		uint32_t t1 = v[7] + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) +
		              ((e & v[5]) ^ (~e & v[6])) + aiot_sha256_k[t] + w[t & 15];
		uint32_t t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) +
		              ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
		for (unsigned i = 7; i > 0; i--)
			v[i] = v[i - 1];
		v[4] += t1;
		v[0] = t1 + t2;
	}
	for (unsigned i = 0; i < 8; i++)
		c->h[i] += v[i];
	aiot_zeroize(v, sizeof(v));
}

#ifdef AIOT_SHA256_HW
static void compress(aiot_sha256_ctx *c)
{
	if (aiot_sha256_hw())
		aiot_sha256_hw_compress(c->h, c->buf.b);
	else
		aiot_sha256_compress_portable(c);
}
#endif

void aiot_sha256_init(aiot_sha256_ctx *c)
{
	/* FIPS 180-4 5.3.3 */
	static const uint32_t H0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

	for (unsigned i = 0; i < 8; i++)
		c->h[i] = H0[i];
	c->total = 0;
	c->nbuf = 0;
}

void aiot_sha256_update(aiot_sha256_ctx *c, const uint8_t *p, size_t n)
{
	c->total += n;
	while (n > 0) {
		size_t take = 64 - c->nbuf;
		if (take > n)
			take = n;
		memcpy(c->buf.b + c->nbuf, p, take);
		c->nbuf += (uint32_t)take;
		p += take;
		n -= take;
		if (c->nbuf == 64) {
			compress(c);
			c->nbuf = 0;
		}
	}
}

/* FIPS 180-4 5.1.1 padding: 0x80, zeros, 64-bit big-endian bit length; the digest is then
 * in c->h. */
static void finish(aiot_sha256_ctx *c)
{
	uint64_t bits = c->total << 3;

	c->buf.b[c->nbuf++] = 0x80;
	if (c->nbuf > 56) {
		memset(c->buf.b + c->nbuf, 0, 64 - c->nbuf);
		compress(c);
		c->nbuf = 0;
	}
	memset(c->buf.b + c->nbuf, 0, 56 - c->nbuf);
	aiot_put_be32(c->buf.b + 56, (uint32_t)(bits >> 32));
	aiot_put_be32(c->buf.b + 60, (uint32_t)bits);
	compress(c);
}

static void digest(const aiot_sha256_ctx *c, uint8_t out[32])
{
	for (unsigned i = 0; i < 8; i++)
		aiot_put_be32(out + 4 * i, c->h[i]);
}

void aiot_sha256_final(aiot_sha256_ctx *c, uint8_t out[32])
{
	finish(c);
	digest(c, out);
	aiot_zeroize(c, sizeof(*c));
}

void aiot_sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	aiot_sha256_ctx c;

	aiot_sha256_init(&c);
	aiot_sha256_update(&c, p, n);
	aiot_sha256_final(&c, out);
}

/* c->buf = K0 ^ pad. CT: branches on key_len (public) only. */
static void load_xor(aiot_sha256_ctx *c, const uint8_t *key, size_t key_len, uint8_t pad)
{
	for (size_t i = 0; i < 64; i++)
		c->buf.b[i] = (uint8_t)((i < key_len ? key[i] : 0) ^ pad);
}

void aiot_sha256_init_xor(aiot_sha256_ctx *c, const uint8_t *key, size_t key_len, uint8_t pad)
{
	aiot_sha256_init(c);
	load_xor(c, key, key_len, pad);
	compress(c);
	c->total = 64;
}

void aiot_sha256_final_xor(aiot_sha256_ctx *c, const uint8_t *key, size_t key_len, uint8_t pad,
                           uint8_t tmp[32])
{
	finish(c);
	load_xor(c, key, key_len, pad); /* before tmp is written: key may be tmp */
	digest(c, tmp);
	aiot_sha256_init(c);
	compress(c);
	for (unsigned i = 0; i < 32; i++)
		c->buf.b[i] = tmp[i];
	c->nbuf = 32;
	c->total = 96;
}
