/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AES-128 encryption (FIPS 197), bitsliced: table-free and constant-time, sized for a
 * Cortex-M0 (small code and stack before speed).
 *
 * The 16-byte state is held as 8 bit-planes q[0..7]; bit (r + 4c) of q[b] is bit b of
 * state byte s[r][c] (FIPS 197 3.4: input byte in[r + 4c]). A column is one nibble, so
 * ShiftRows and the row rotations of MixColumns are masked shifts. SubBytes runs on all
 * bytes at once: GF(2^8) inversion in a tower field from small bitsliced GF(2^4) helpers,
 * between two changes of basis (the second one with the affine map folded in).
 *
 * The key schedule runs on the fly (FIPS 197 5.2, one round key ahead of the cipher): the
 * state uses only the low 16 bits of each plane, so round key r - 1 rides in the high 16
 * bits through the round's SubBytes, which yields SubWord for the next round key at no extra
 * S-box cost. The key is kept as 4 words; nothing is expanded or stored.
 *
 * CT: every step is the same sequence of AND/XOR/shift on whole planes whatever the key
 * and data; no branch and no memory index depends on them. The only branches and indices
 * are on loop counters, Rcon (which also counts the rounds) and the constant change-of-basis
 * matrices, all public.
 */
#include "aes128.h"
#include "ct.h"

#define P16 0xFFFFu /* the live bits of a plane (state); the high half carries the key */

/*
 * FIPS 197 5.1.1 SubBytes on all 32 bit positions of the planes (16 state bytes, 16 key
 * bytes) in parallel: the multiplicative inverse in GF(2^8) (5.1.1 step 1) is computed in
 * the isomorphic tower field GF((2^4)^2), then the affine map (step 2). The tower:
 * GF(2^4) = GF(2)[x]/(x^4 + x + 1), GF(2^8) = GF(2^4)[y]/(y^2 + y + L), L = x^3 + 1; an
 * element is ah*y + al, al in planes t[0..3] and ah in t[4..7].
 */

/* Bitsliced c = a * b in GF(2^4), Horner over the planes of a; c may alias a or b. */
static void mul4(uint32_t c[4], const uint32_t a[4], const uint32_t b[4])
{
	uint32_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;

	for (unsigned i = 4; i-- > 0;) {
		uint32_t ai = a[i], t = c3; /* c * x: x^4 = x + 1 */

		__asm__("" : "+r"(b)); /* reload b: 4 more live words would spill */
		c3 = c2 ^ (ai & b[3]);
		c2 = c1 ^ (ai & b[2]);
		c1 = c0 ^ t ^ (ai & b[1]);
		c0 = t ^ (ai & b[0]);
	}
	c[0] = c0;
	c[1] = c1;
	c[2] = c2;
	c[3] = c3;
}

/* c = a^2 in GF(2^4) (linear); c may alias a. */
static void sq4(uint32_t c[4], const uint32_t a[4])
{
	uint32_t a1 = a[1];

	c[0] = a[0] ^ a[2];
	c[1] = a[2];
	c[2] = a1 ^ a[3];
	c[3] = a[3];
}

/*
 * out = M in + c over GF(2): out[i] is the XOR of the planes in[j] for the bits j of row
 * m[i], complemented if bit i of c is set. The branches are on the public matrix only;
 * two bits per step halve the loop overhead.
 */
static void lin(uint32_t out[8], const uint32_t in[8], const uint8_t m[8], unsigned c)
{
	for (unsigned i = 0; i < 8; i++) {
		uint32_t x = 0u - ((c >> i) & 1u);
		const uint32_t *p = in;

		for (unsigned r = m[i]; r != 0; r >>= 2, p += 2) {
			if (r & 1u)
				x ^= p[0];
			if (r & 2u)
				x ^= p[1];
		}
		out[i] = x;
	}
}

/* The isomorphism GF(2^8) -> tower (x -> its root 0x2E), and the tower -> GF(2^8) inverse
 * followed by the FIPS 197 5.1.1 affine matrix (its constant 0x63 is added by lin). */
static const uint8_t to_tower[8] = {0xDD, 0x0A, 0x52, 0xC6, 0x70, 0xD2, 0xAC, 0xA0};
static const uint8_t from_tower[8] = {0x65, 0x8F, 0x59, 0x05, 0x7B, 0x8E, 0xD0, 0x86};

/* Out of line: its temporaries should not add to encrypt's frame. */
__attribute__((noinline)) static void sub_bytes(uint32_t q[8])
{
	uint32_t t[8];
	/* q is free between the two changes of basis: s and d live there; al (t[0..3]) is
	 * free once d is known and holds d^2, then the low half of the result. */
	uint32_t *s = q, *d = q + 4, *al = t, *ah = t + 4;

	lin(t, q, to_tower, 0);
	/* (ah y + al)^-1 = (ah y + ah + al) / d, d = L ah^2 + al (ah + al) in GF(2^4) */
	for (unsigned i = 0; i < 4; i++)
		s[i] = al[i] ^ ah[i];
	mul4(d, al, s);
	d[0] ^= ah[0]; /* + L ah^2, a linear map of ah */
	d[1] ^= ah[1] ^ ah[3];
	d[2] ^= ah[3];
	d[3] ^= ah[0] ^ ah[2];
	/* 1 / d = d^14 (and 0 -> 0, as FIPS 197 5.1.1 wants) */
	sq4(al, d);
	mul4(d, d, al);
	sq4(d, d);
	sq4(d, d);
	mul4(d, d, al);
	mul4(al, s, d);
	mul4(ah, ah, d);
	lin(q, t, from_tower, 0x63);
}

/* Bytes (FIPS 197 order, in[r + 4c]) -> planes: bit k of q[b] is bit b of in[k]. */
static void to_planes(uint32_t q[8], const uint8_t in[16])
{
	for (unsigned b = 0; b < 8; b++) {
		uint32_t x = 0;

		for (unsigned k = 16; k-- > 0;)
			x = (x << 1) | ((in[k] >> b) & 1u);
		q[b] = x;
	}
}

static void from_planes(uint8_t out[16], const uint32_t q[8])
{
	for (unsigned k = 0; k < 16; k++) {
		unsigned v = 0;

		for (unsigned b = 8; b-- > 0;)
			v = (v << 1) | ((q[b] >> k) & 1u);
		out[k] = (uint8_t)v;
	}
}

/* Row r + 1 of every column moves to row r (the rows are the bits of a nibble); x has
 * 16 bits. */
static uint32_t rot1(uint32_t x)
{
	uint32_t y = x & 0x1111u;

	return ((x ^ y) >> 1) | (y << 3);
}

/*
 * FIPS 197 5.1.3 MixColumns: s'_r = 2(s_r + s_{r+1}) + s_{r+1} + s_{r+2} + s_{r+3}, i.e.
 * with t = s + rot1(s): s' = xtime(t) + t + rot2(t) + s. xtime (4.2.1) moves plane b to
 * b + 1 and folds plane 7 into planes 0, 1, 3, 4 (x^8 = x^4 + x^3 + x + 1).
 */
static void mix_columns(uint32_t q[8])
{
	/* Planes from 7 down, so that t of plane b - 1 is taken before plane b - 1 changes. */
	uint32_t t7 = q[7] ^ rot1(q[7]), t = t7;

	for (unsigned b = 8; b-- > 0;) {
		uint32_t x = q[b] ^ t ^ rot1(rot1(t));

		t = b > 0 ? q[b - 1] ^ rot1(q[b - 1]) : t7; /* public branch */
		x ^= t;
		if ((0x1Au >> b) & 1u)
			x ^= t7;
		q[b] = x;
	}
}

/*
 * One plane of a round after SubBytes. FIPS 197 5.2 KeyExpansion (Nk = 4): k is round key
 * r - 1 and the high half of x its bytes through the S-box; w[4r] = w[4r-4] ^
 * SubWord(RotWord(w[4r-1])) ^ Rcon, then w[4r+c] = w[4r+c-4] ^ w[4r+c-1] (column c of the
 * key is nibble c). FIPS 197 5.1.2 ShiftRows: row r (bits r, r + 4, ...) moves left by r
 * columns, i.e. right by 4r bits in the plane rotated as 16 bits; the key half is dropped.
 */
static void key_and_shift_rows(uint16_t *k, uint32_t *x, unsigned rcon_bit)
{
	uint32_t v = *x >> 28, kx; /* SubWord(column 3) */
	uint32_t d = *x & P16, m = 0x1111u, y = 0;

	d |= d << 16;
	kx = *k ^ rcon_bit ^ ((v >> 1) | ((v << 3) & 0xFu));
	kx ^= kx << 4;
	kx ^= kx << 8;
	*k = (uint16_t)kx;
	for (unsigned r = 0; r < 4; r++, d >>= 4, m <<= 1)
		y |= d & m;
	*x = y;
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
	struct {
		uint32_t q[8];
		uint16_t k[8];
	} st;
	uint32_t *q = st.q;
	uint16_t *k = st.k;

	for (unsigned j = 0; j < 4; j++) {
		k[2 * j] = (uint16_t)kw[j];
		k[2 * j + 1] = (uint16_t)(kw[j] >> 16);
	}
	to_planes(q, in);
	/* Round r = 1..10 uses Rcon = x^(r-1) (FIPS 197 5.2): 0x01 .. 0x80, 0x1B, 0x36; it also
	 * counts the rounds (public). */
	for (unsigned rcon = 1;; rcon <<= 1) {
		if (rcon == 0x100u)
			rcon = 0x1Bu;
		/* AddRoundKey (5.1.4); this round key also enters the high half for SubWord */
		for (unsigned b = 0; b < 8; b++)
			q[b] ^= k[b] | ((uint32_t)k[b] << 16);
		if (rcon == 0x6Cu) /* after round 10 */
			break;
		sub_bytes(q);
		for (unsigned b = 0; b < 8; b++)
			key_and_shift_rows(&k[b], &q[b], (rcon >> b) & 1u);
		if (rcon != 0x36u) /* not round 10 */
			mix_columns(q);
	}
	from_planes(out, q);
	aiot_zeroize(&st, sizeof(st));
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
