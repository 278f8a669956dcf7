/* SPDX-License-Identifier: Apache-2.0 */
/* MILENAGE, TS 35.206 4.1 (OPc) and 4.1 (f1..f5*): five AES-128 blocks after TEMP. */
#include "milenage.h"

#include <string.h>

#include "../common/aiot_err.h"
#include "aes128.h"
#include "ct.h"

/* out = in rotated cyclically by r bytes towards the most significant end (rot(x, 8r)). */
static void rot(const uint8_t in[16], unsigned r, uint8_t out[16])
{
	for (unsigned i = 0; i < 16; i++)
		out[i] = in[(i + r) % 16];
}

static void xor16(uint8_t *dst, const uint8_t *a, const uint8_t *b)
{
	for (unsigned i = 0; i < 16; i++)
		dst[i] = a[i] ^ b[i];
}

void aiot_milenage_opc(const uint8_t k[16], const uint8_t op[16], uint8_t opc[16])
{
	aiot_aes128_key key;
	uint8_t e[16];

	aiot_aes128_key_init(&key, k);
	aiot_aes128_key_encrypt(&key, op, e);
	xor16(opc, e, op);
	aiot_zeroize(e, sizeof e);
	aiot_zeroize(&key, sizeof key);
}

/* OUTn = E_K(rot(x xor OPc, r) xor c) xor OPc, c = 0 except its last octet. */
static void out_n(const aiot_aes128_key *key, const uint8_t opc[16], const uint8_t x[16],
                  unsigned r_bytes, uint8_t c_last, uint8_t out[16])
{
	uint8_t t[16], u[16];

	xor16(t, x, opc);
	rot(t, r_bytes, u);
	u[15] ^= c_last;
	aiot_aes128_key_encrypt(key, u, t);
	xor16(out, t, opc);
	aiot_zeroize(t, sizeof t);
	aiot_zeroize(u, sizeof u);
}

void aiot_milenage(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
                   const uint8_t sqn[6], const uint8_t amf[2], aiot_milenage_out *out)
{
	aiot_aes128_key key;
	uint8_t temp[16], in1[16], t[16], o[16];

	aiot_aes128_key_init(&key, k);
	xor16(t, rand, opc);
	aiot_aes128_key_encrypt(&key, t, temp); /* TEMP = E_K(RAND xor OPc) */

	/* f1, f1*: OUT1 = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc,
	 * IN1 = SQN || AMF || SQN || AMF, r1 = 64 bits, c1 = 0. */
	memcpy(in1, sqn, 6);
	memcpy(in1 + 6, amf, 2);
	memcpy(in1 + 8, in1, 8);
	xor16(t, in1, opc);
	rot(t, 8, o);
	xor16(t, o, temp);
	aiot_aes128_key_encrypt(&key, t, o);
	xor16(o, o, opc);
	memcpy(out->mac_a, o, 8);
	memcpy(out->mac_s, o + 8, 8);

	out_n(&key, opc, temp, 0, 1, o); /* OUT2: f5 = bits 0..47, f2 = bits 64..127 */
	memcpy(out->ak, o, 6);
	memcpy(out->res, o + 8, 8);
	out_n(&key, opc, temp, 4, 2, out->ck); /* OUT3 = f3, r3 = 32 bits */
	out_n(&key, opc, temp, 8, 4, out->ik); /* OUT4 = f4, r4 = 64 bits */
	out_n(&key, opc, temp, 12, 8, o);      /* OUT5: f5* = bits 0..47, r5 = 96 bits */
	memcpy(out->ak_star, o, 6);

	aiot_zeroize(temp, sizeof temp);
	aiot_zeroize(in1, sizeof in1);
	aiot_zeroize(t, sizeof t);
	aiot_zeroize(o, sizeof o);
	aiot_zeroize(&key, sizeof key);
}

int aiot_milenage_auts(const uint8_t k[16], const uint8_t opc[16], const uint8_t rand[16],
                       const uint8_t auts[14], uint8_t sqn_ms[6])
{
	static const uint8_t amf0[2] = {0, 0}; /* TS 33.102 6.3.3: AMF* is all zeros */
	aiot_milenage_out o;
	uint8_t sqn[6];
	int ok;

	aiot_milenage(k, opc, rand, auts, amf0, &o); /* only f5* is used from this pass */
	for (unsigned i = 0; i < 6; i++)
		sqn[i] = auts[i] ^ o.ak_star[i];
	aiot_milenage(k, opc, rand, sqn, amf0, &o);
	ok = aiot_ct_eq(o.mac_s, auts + 6, 8);
	if (ok)
		memcpy(sqn_ms, sqn, 6);
	aiot_zeroize(&o, sizeof o);
	aiot_zeroize(sqn, sizeof sqn);
	return ok ? AIOT_OK : AIOT_ERR_MAC;
}
