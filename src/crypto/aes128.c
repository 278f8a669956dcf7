/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AES-128 encryption (FIPS 197), bitsliced: table-free and constant-time.
 *
 * The 16-byte state is held as 8 bit-planes q[0..7]; bit (4*r + c) of q[b] is bit b of
 * state byte s[r][c] (FIPS 197 3.4: input byte in[r + 4c]). A row is one nibble, so
 * ShiftRows and the row rotations of MixColumns are masked shifts, and SubBytes runs on
 * all 16 bytes at once as the Boyar-Peralta depth-16 boolean circuit.
 *
 * The key schedule runs on the fly (FIPS 197 5.2, one round key ahead of the cipher): the
 * state uses only the low 16 bits of each plane, so round key r - 1 rides in the high 16
 * bits through the round's SubBytes, which yields SubWord for the next round key at no extra
 * S-box cost. The key is kept as 4 words; nothing is expanded or stored.
 *
 * CT: no branch and no memory index depends on the key or the data; Rcon and the loop
 * bounds are public constants.
 */
#include "aes128.h"
#include "ct.h"

#define P16 0xFFFFu /* the live bits of a plane (state); the high half carries the key */
#define ONES 0xFFFFFFFFu

/*
 * FIPS 197 5.1.1 SubBytes on all 32 bit positions of the planes (16 state bytes, 16 key
 * bytes) in parallel: the AES S-box circuit of J. Boyar and
 * R. Peralta, "A depth-16 circuit for the AES S-box" (IACR ePrint 2011/332), 32 AND and
 * 83 XOR/XNOR gates. Inputs/outputs x0/s0 are the most significant bit (q[7]).
 */
/* Out of line: its ~100 temporaries spill, and that frame should not add to encrypt's. */
__attribute__((noinline)) static void sub_bytes(uint32_t q[8])
{
	uint32_t x0 = q[7], x1 = q[6], x2 = q[5], x3 = q[4];
	uint32_t x4 = q[3], x5 = q[2], x6 = q[1], x7 = q[0];
	uint32_t y1, y2, y3, y4, y5, y6, y7, y8, y9, y10, y11, y12, y13, y14, y15, y16;
	uint32_t y17, y18, y19, y20, y21;
	uint32_t t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15, t16;
	uint32_t t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27, t28, t29, t30, t31;
	uint32_t t32, t33, t34, t35, t36, t37, t38, t39, t40, t41, t42, t43, t44, t45;
	uint32_t z0, z1, z2, z3, z4, z5, z6, z7, z8, z9, z10, z11, z12, z13, z14, z15, z16;
	uint32_t z17;
	uint32_t u0, u1, u2, u3, u4, u5, u6, u7, u8, u9, u10, u11, u12, u13, u14, u15;
	uint32_t u16, u17, u18, u19, u20, u21;

	/* top linear transform */
	y14 = x3 ^ x5;
	y13 = x0 ^ x6;
	y9 = x0 ^ x3;
	y8 = x0 ^ x5;
	t0 = x1 ^ x2;
	y1 = t0 ^ x7;
	y4 = y1 ^ x3;
	y12 = y13 ^ y14;
	y2 = y1 ^ x0;
	y5 = y1 ^ x6;
	y3 = y5 ^ y8;
	t1 = x4 ^ y12;
	y15 = t1 ^ x5;
	y20 = t1 ^ x1;
	y6 = y15 ^ x7;
	y10 = y15 ^ t0;
	y11 = y20 ^ y9;
	y7 = x7 ^ y11;
	y17 = y10 ^ y11;
	y19 = y10 ^ y8;
	y16 = t0 ^ y11;
	y21 = y13 ^ y16;
	y18 = x0 ^ y16;

	/* shared non-linear middle: inversion in GF(2^4)^2 */
	t2 = y12 & y15;
	t3 = y3 & y6;
	t4 = t3 ^ t2;
	t5 = y4 & x7;
	t6 = t5 ^ t2;
	t7 = y13 & y16;
	t8 = y5 & y1;
	t9 = t8 ^ t7;
	t10 = y2 & y7;
	t11 = t10 ^ t7;
	t12 = y9 & y11;
	t13 = y14 & y17;
	t14 = t13 ^ t12;
	t15 = y8 & y10;
	t16 = t15 ^ t12;
	t17 = t4 ^ t14;
	t18 = t6 ^ t16;
	t19 = t9 ^ t14;
	t20 = t11 ^ t16;
	t21 = t17 ^ y20;
	t22 = t18 ^ y19;
	t23 = t19 ^ y21;
	t24 = t20 ^ y18;
	t25 = t21 ^ t22;
	t26 = t21 & t23;
	t27 = t24 ^ t26;
	t28 = t25 & t27;
	t29 = t28 ^ t22;
	t30 = t23 ^ t24;
	t31 = t22 ^ t26;
	t32 = t31 & t30;
	t33 = t32 ^ t24;
	t34 = t23 ^ t33;
	t35 = t27 ^ t33;
	t36 = t24 & t35;
	t37 = t36 ^ t34;
	t38 = t27 ^ t36;
	t39 = t29 & t38;
	t40 = t25 ^ t39;
	t41 = t40 ^ t37;
	t42 = t29 ^ t33;
	t43 = t29 ^ t40;
	t44 = t33 ^ t37;
	t45 = t42 ^ t41;
	z0 = t44 & y15;
	z1 = t37 & y6;
	z2 = t33 & x7;
	z3 = t43 & y16;
	z4 = t40 & y1;
	z5 = t29 & y7;
	z6 = t42 & y11;
	z7 = t45 & y17;
	z8 = t41 & y10;
	z9 = t44 & y12;
	z10 = t37 & y3;
	z11 = t33 & y4;
	z12 = t43 & y13;
	z13 = t40 & y5;
	z14 = t29 & y2;
	z15 = t42 & y9;
	z16 = t45 & y14;
	z17 = t41 & y8;

	/* bottom linear transform (the affine constant 0x63 folded in as XNORs, both halves) */
	u0 = z15 ^ z16;
	u1 = z10 ^ z11;
	u2 = z5 ^ z13;
	u3 = z9 ^ z10;
	u4 = z2 ^ z12;
	u5 = z2 ^ z5;
	u6 = z7 ^ z8;
	u7 = z0 ^ z3;
	u8 = z6 ^ z7;
	u9 = z16 ^ z17;
	u10 = z12 ^ u2;
	u11 = u4 ^ u7;
	u12 = z4 ^ u0;
	u13 = z3 ^ u8;
	u14 = u0 ^ u11;
	u15 = z14 ^ u11;
	u16 = u6 ^ u12;
	u17 = u3 ^ u12;
	u18 = z4 ^ u13;
	u19 = u15 ^ u16;
	u20 = z1 ^ u17;
	u21 = u18 ^ u19;
	q[7] = u13 ^ u17;        /* s0 */
	q[1] = u10 ^ u16 ^ ONES;  /* s6 */
	q[0] = u2 ^ u14 ^ ONES;   /* s7 */
	q[4] = u7 ^ u20;         /* s3 */
	q[3] = u5 ^ u20;         /* s4 */
	q[2] = u1 ^ u19;         /* s5 */
	q[6] = u18 ^ q[4] ^ ONES; /* s1 */
	q[5] = u9 ^ u21 ^ ONES;   /* s2 */
}

/* Bytes (FIPS 197 order, in[r + 4c]) -> planes. CT: fixed loop, shifts by public amounts. */
static void to_planes(uint32_t q[8], const uint8_t in[16])
{
	for (unsigned b = 0; b < 8; b++)
		q[b] = 0;
	for (unsigned k = 0; k < 16; k++) {
		unsigned pos = ((k & 3u) << 2) | (k >> 2);
		for (unsigned b = 0; b < 8; b++)
			q[b] |= (uint32_t)((in[k] >> b) & 1u) << pos;
	}
}

static void from_planes(uint8_t out[16], const uint32_t q[8])
{
	for (unsigned k = 0; k < 16; k++) {
		unsigned pos = ((k & 3u) << 2) | (k >> 2);
		uint32_t v = 0;
		for (unsigned b = 0; b < 8; b++)
			v |= ((q[b] >> pos) & 1u) << b;
		out[k] = (uint8_t)v;
	}
}

/* Row r of every column moves to row r - n (mod 4): the rows are nibbles. */
static uint32_t rot_rows(uint32_t x, unsigned n)
{
	return ((x >> (4 * n)) | (x << (16 - 4 * n))) & P16;
}

/* FIPS 197 5.1.2 ShiftRows: row r rotates left by r columns, i.e. nibble r right by r. */
static void shift_rows(uint32_t q[8])
{
	for (unsigned b = 0; b < 8; b++) {
		uint32_t x = q[b];
		q[b] = (x & 0x000Fu) | ((x >> 1) & 0x0070u) | ((x << 3) & 0x0080u) |
		       ((x >> 2) & 0x0300u) | ((x << 2) & 0x0C00u) | ((x >> 3) & 0x1000u) |
		       ((x << 1) & 0xE000u);
	}
}

/*
 * FIPS 197 5.1.3 MixColumns: s'_r = 2(s_r + s_{r+1}) + s_{r+1} + s_{r+2} + s_{r+3}.
 * With t = s + rot1(s): s' = xtime(t) + rot2(t) + rot1(s); xtime (4.2.1) moves plane b to
 * b + 1 and folds plane 7 into planes 0, 1, 3, 4 (x^8 = x^4 + x^3 + x + 1).
 */
static void mix_columns(uint32_t q[8])
{
	/* Planes from 7 down: t[b] and t[b - 1] are computed from planes not yet replaced, so
	 * no copy of t is needed (only t[7], used by the reduction). */
	uint32_t t7 = q[7] ^ rot_rows(q[7], 1);

	for (unsigned b = 8; b-- > 0;) {
		uint32_t r1 = rot_rows(q[b], 1);
		uint32_t x = rot_rows(q[b] ^ r1, 2) ^ r1;
		if (b > 0)
			x ^= q[b - 1] ^ rot_rows(q[b - 1], 1);
		if ((0x1Bu >> b) & 1u)
			x ^= t7;
		q[b] = x;
	}
}

/*
 * FIPS 197 5.2 KeyExpansion, one round (Nk = 4), in the plane domain: k holds round key
 * r - 1 and the high halves of q its bytes through the S-box. w[4r] = w[4r-4] ^
 * SubWord(RotWord(w[4r-1])) ^ Rcon, then w[4r+c] = w[4r+c-4] ^ w[4r+c-1]. Column c of the
 * key is bit c of each nibble (row).
 */
static void next_round_key(uint32_t k[8], const uint32_t q[8], unsigned rcon)
{
	for (unsigned b = 0; b < 8; b++) {
		/* RotWord: row r + 1 of column 3 to row r; then column 3 -> column 0. */
		uint32_t t = (rot_rows(q[b] >> 16, 1) >> 3) & 0x1111u;
		uint32_t x = k[b] ^ t ^ ((rcon >> b) & 1u); /* Rcon: row 0, column 0 */

		x ^= (x << 1) & 0x2222u;
		x ^= (x << 1) & 0x4444u;
		x ^= (x << 1) & 0x8888u;
		k[b] = x;
	}
}

static void key_init(uint32_t kw[4], const uint8_t key[16])
{
	uint32_t q[8];

	to_planes(q, key);
	/* Plane pairs (2j, 2j + 1) packed into kw[j]: low and high half. */
	for (unsigned j = 0; j < 4; j++)
		kw[j] = q[2 * j] | (q[2 * j + 1] << 16);
	aiot_zeroize(q, sizeof(q));
}

/* FIPS 197 5.1 Cipher, each round key derived from the previous one as it goes. */
static void encrypt(const uint32_t kw[4], const uint8_t in[16], uint8_t out[16])
{
	uint32_t q[8], k[8];
	unsigned rcon = 1;

	for (unsigned j = 0; j < 4; j++) {
		k[2 * j] = kw[j] & P16;
		k[2 * j + 1] = kw[j] >> 16;
	}
	to_planes(q, in);
	for (unsigned b = 0; b < 8; b++)
		q[b] ^= k[b];
	for (unsigned r = 1; r <= 10; r++) {
		for (unsigned b = 0; b < 8; b++)
			q[b] |= k[b] << 16; /* round key r - 1 goes through the S-box too */
		sub_bytes(q);
		next_round_key(k, q, rcon);
		shift_rows(q); /* keeps the low half only */
		if (r != 10)   /* public */
			mix_columns(q);
		for (unsigned b = 0; b < 8; b++)
			q[b] ^= k[b];
		rcon = ((rcon << 1) ^ ((rcon >> 7) * 0x11Bu)) & 0xFFu; /* public */
	}
	from_planes(out, q);
	aiot_zeroize(q, sizeof(q));
	aiot_zeroize(k, sizeof(k));
}

void aiot_aes128_key_init(aiot_aes128_key *k, const uint8_t key[16])
{
	key_init(k->k, key);
}

void aiot_aes128_key_encrypt(const aiot_aes128_key *k, const uint8_t in[16], uint8_t out[16])
{
	encrypt(k->k, in, out);
}

void aiot_aes128_init(aiot_aes128 *ks, const uint8_t key[16])
{
	aiot_zeroize(ks, sizeof(*ks));
	key_init(ks->rk, key);
}

void aiot_aes128_encrypt(const aiot_aes128 *ks, const uint8_t in[16], uint8_t out[16])
{
	encrypt(ks->rk, in, out);
}

void aiot_aes128_clear(aiot_aes128 *ks)
{
	aiot_zeroize(ks, sizeof(*ks));
}
