/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AES-128-CMAC (NIST SP 800-38B 6.2) over the first nbits bits of a gather list, streamed:
 * message bytes are XORed straight into the chaining value X, and a full block is only
 * enciphered once more input is known to follow, so the last block can still take K1 or K2.
 * Stack: the 16-byte key (round keys on the fly), X and one subkey.
 * CT: time depends on nbits (public) only; the subkey shift has no secret branch.
 */
#include "cmac.h"
#include "aes128.h"
#include "ct.h"

/* SP 800-38B 6.1 step 2/3: K <<= 1, XOR Rb = 0x87 into the last byte if the MSB was set. */
static void dbl(uint8_t k[16])
{
	uint8_t rb = (uint8_t)(0x87 & -(k[0] >> 7)); /* CT: mask, no branch */

	for (unsigned i = 0; i < 15; i++)
		k[i] = (uint8_t)((k[i] << 1) | (k[i + 1] >> 7));
	k[15] = (uint8_t)((k[15] << 1) ^ rb);
}

typedef struct cmac_state {
	aiot_aes128_key ks; /* 16 bytes: round keys on the fly */
	uint8_t x[16];      /* chaining value XOR the current block */
	size_t left;        /* message bytes still to absorb */
	uint8_t fill;       /* bytes of x holding the current block */
	uint8_t rbits;      /* bits used in the last byte, 0 = all 8 */
} cmac_state;

static void absorb(cmac_state *st, uint8_t m)
{
	if (st->fill == 16) { /* more input follows: this block is not the last */
		aiot_aes128_key_encrypt(&st->ks, st->x, st->x);
		st->fill = 0;
	}
	if (--st->left == 0 && st->rbits != 0)
		m &= (uint8_t)(0xFF00u >> st->rbits); /* drop the bits past nbits */
	st->x[st->fill++] ^= m;
}

void aiot_aes_cmac_part(const uint8_t key[16], const aiot_iov *iov, size_t niov, size_t nbits,
                        uint8_t *out, unsigned off, unsigned n)
{
	cmac_state st = {.left = nbits / 8 + (nbits % 8 != 0), .rbits = (uint8_t)(nbits % 8)};
	uint8_t k[16] = {0};

	const uint8_t *p = NULL;
	size_t rem = 0, v = 0;

	aiot_aes128_key_init(&st.ks, key);
	/* One call site, so absorb() is inlined: no frame of its own on the device's deepest
	 * path. A list shorter than nbits reads as zeros (defensive; callers check). */
	while (st.left > 0) {
		uint8_t m = 0;

		while (rem == 0 && v < niov) {
			p = iov[v].p;
			rem = iov[v++].len;
		}
		if (rem > 0) {
			m = *p++;
			rem--;
		}
		absorb(&st, m);
	}

	/* SP 800-38B 6.2 steps 1-4: L = CIPH_K(0^128), K1 = dbl(L), K2 = dbl(K1) */
	aiot_aes128_key_encrypt(&st.ks, k, k);
	dbl(k);
	if (nbits == 0 || nbits % 128 != 0) {
		/* partial (or empty) last block: pad with a 1 bit then 0s, use K2 */
		if (st.rbits != 0)
			st.x[st.fill - 1] ^= (uint8_t)(0x80u >> st.rbits);
		else
			st.x[st.fill] ^= 0x80;
		dbl(k);
	}
	for (unsigned i = 0; i < 16; i++)
		st.x[i] ^= k[i];
	aiot_aes128_key_encrypt(&st.ks, st.x, st.x);
	for (unsigned i = 0; i < n; i++)
		out[i] = st.x[off + i];

	aiot_zeroize(&st, sizeof(st));
	aiot_zeroize(k, sizeof(k));
}

void aiot_aes_cmac(const uint8_t key[16], const aiot_iov *iov, size_t niov, size_t nbits,
                   uint8_t mac[16])
{
	aiot_aes_cmac_part(key, iov, niov, nbits, mac, 0, 16);
}
