/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AES-128 encryption (FIPS 197), bitsliced: table-free and constant-time.
 *
 * The 16-byte state is held as 8 bit-planes q[0..7]; bit (4*r + c) of q[b] is bit b of
 * state byte s[r][c] (FIPS 197 3.4: input byte in[r + 4c]). A row is one nibble, so
 * ShiftRows and the row rotations of MixColumns are masked shifts, and SubBytes runs on
 * all 16 bytes at once as the Boyar-Peralta depth-16 boolean circuit.
 *
 * CT: no branch and no memory index depends on the key or the data; the only table
 * (round-key words) is indexed by the public round number.
 */
#include "aes128.h"
#include "ct.h"

#define P16 0xFFFFu /* the live bits of a plane */

/*
 * FIPS 197 5.1.1 SubBytes on 16 bytes in parallel: the AES S-box circuit of J. Boyar and
 * R. Peralta, "A depth-16 circuit for the AES S-box" (IACR ePrint 2011/332), 32 AND and
 * 83 XOR/XNOR gates. Inputs/outputs x0/s0 are the most significant bit (q[7]).
 */
static void sub_bytes(uint32_t q[8])
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

	/* bottom linear transform (the affine constant 0x63 folded in as XNORs) */
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
	q[1] = u10 ^ u16 ^ P16;  /* s6 */
	q[0] = u2 ^ u14 ^ P16;   /* s7 */
	q[4] = u7 ^ u20;         /* s3 */
	q[3] = u5 ^ u20;         /* s4 */
	q[2] = u1 ^ u19;         /* s5 */
	q[6] = u18 ^ q[4] ^ P16; /* s1 */
	q[5] = u9 ^ u21 ^ P16;   /* s2 */
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
	uint32_t t[8];

	for (unsigned b = 0; b < 8; b++)
		t[b] = q[b] ^ rot_rows(q[b], 1);
	for (unsigned b = 0; b < 8; b++) {
		uint32_t x = rot_rows(t[b], 2) ^ rot_rows(q[b], 1);
		if (b > 0)
			x ^= t[b - 1];
		if ((0x1Bu >> b) & 1u)
			x ^= t[7];
		q[b] = x;
	}
}

/* Round key i holds planes 2j (low half) and 2j + 1 (high half) in rk[4i + j]. */
static void add_round_key(uint32_t q[8], const uint32_t *rk)
{
	for (unsigned j = 0; j < 4; j++) {
		q[2 * j] ^= rk[j] & P16;
		q[2 * j + 1] ^= rk[j] >> 16;
	}
}

static void store_round_key(uint32_t *rk, const uint8_t k[16])
{
	uint32_t q[8];

	to_planes(q, k);
	for (unsigned j = 0; j < 4; j++)
		rk[j] = q[2 * j] | (q[2 * j + 1] << 16);
	aiot_zeroize(q, sizeof(q));
}

/* FIPS 197 5.2 KeyExpansion, Nk = 4. SubWord goes through the same circuit (CT). */
void aiot_aes128_init(aiot_aes128 *ks, const uint8_t key[16])
{
	uint8_t k[16], s[16];
	uint32_t q[8];
	unsigned rcon = 1;

	for (unsigned i = 0; i < 16; i++)
		k[i] = key[i];
	store_round_key(ks->rk, k);
	for (unsigned r = 1; r <= 10; r++) {
		to_planes(q, k);
		sub_bytes(q);
		from_planes(s, q);
		/* w[i] = w[i-4] ^ SubWord(RotWord(w[i-1])) ^ Rcon; w[i-1] is k[12..15] */
		k[0] ^= s[13] ^ (uint8_t)rcon;
		k[1] ^= s[14];
		k[2] ^= s[15];
		k[3] ^= s[12];
		for (unsigned i = 4; i < 16; i++)
			k[i] ^= k[i - 4];
		store_round_key(ks->rk + 4 * r, k);
		rcon = ((rcon << 1) ^ ((rcon >> 7) * 0x11Bu)) & 0xFFu; /* public */
	}
	aiot_zeroize(k, sizeof(k));
	aiot_zeroize(s, sizeof(s));
	aiot_zeroize(q, sizeof(q));
}

/* FIPS 197 5.1 Cipher. */
void aiot_aes128_encrypt(const aiot_aes128 *ks, const uint8_t in[16], uint8_t out[16])
{
	uint32_t q[8];

	to_planes(q, in);
	add_round_key(q, ks->rk);
	for (unsigned r = 1; r <= 10; r++) {
		sub_bytes(q);
		shift_rows(q);
		if (r != 10) /* public */
			mix_columns(q);
		add_round_key(q, ks->rk + 4 * r);
	}
	from_planes(out, q);
	aiot_zeroize(q, sizeof(q));
}

void aiot_aes128_clear(aiot_aes128 *ks)
{
	aiot_zeroize(ks, sizeof(*ks));
}
