/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AES-128-CTR (NIST SP 800-38A 6.5), the counter block incremented as a 128-bit
 * big-endian integer (B.1 with m = 128). in == out is allowed.
 * CT: time depends on len only; the carry ripples through all 16 bytes without a branch.
 */
#include "ctr.h"
#include "aes128.h"
#include "ct.h"

void aiot_aes_ctr(const uint8_t key[16], const uint8_t ctr0[16], const uint8_t *in, uint8_t *out,
                  size_t len)
{
	aiot_aes128_key ks;
	uint8_t ctr[16], ksb[16];

	aiot_aes128_key_init(&ks, key);
	for (unsigned i = 0; i < 16; i++)
		ctr[i] = ctr0[i];
	while (len > 0) {
		size_t n = len < 16 ? len : 16;
		unsigned carry = 1;

		aiot_aes128_key_encrypt(&ks, ctr, ksb);
		for (size_t i = 0; i < n; i++)
			out[i] = in[i] ^ ksb[i];
		in += n;
		out += n;
		len -= n;
		for (unsigned i = 16; i-- > 0;) {
			carry += ctr[i];
			ctr[i] = (uint8_t)carry;
			carry >>= 8;
		}
	}
	aiot_zeroize(&ks, sizeof(ks));
	aiot_zeroize(ctr, sizeof(ctr));
	aiot_zeroize(ksb, sizeof(ksb));
}
