/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HMAC-SHA-256 (RFC 2104, FIPS 198-1) over a gather list.
 * CT: time depends on key_len and the total message length only.
 */
#include "hmac_sha256.h"
#include "sha256.h"
#include "ct.h"

#define BLOCK 64

void aiot_hmac_sha256(const uint8_t *key, size_t key_len, const aiot_iov *iov, size_t niov,
                      uint8_t mac[32])
{
	uint8_t k0[BLOCK] = {0}, pad[BLOCK], inner[32];
	aiot_sha256_ctx c;

	/* FIPS 198-1 4 steps 1-3: K0 = K, or H(K) if K is longer than the block, zero-padded */
	if (key_len > BLOCK) {
		aiot_sha256(key, key_len, k0);
	} else {
		for (size_t i = 0; i < key_len; i++)
			k0[i] = key[i];
	}

	/* inner = H((K0 ^ ipad) || text) */
	for (unsigned i = 0; i < BLOCK; i++)
		pad[i] = k0[i] ^ 0x36;
	aiot_sha256_init(&c);
	aiot_sha256_update(&c, pad, BLOCK);
	for (size_t i = 0; i < niov; i++)
		if (iov[i].len > 0)
			aiot_sha256_update(&c, iov[i].p, iov[i].len);
	aiot_sha256_final(&c, inner);

	/* mac = H((K0 ^ opad) || inner) */
	for (unsigned i = 0; i < BLOCK; i++)
		pad[i] = k0[i] ^ 0x5c;
	aiot_sha256_init(&c);
	aiot_sha256_update(&c, pad, BLOCK);
	aiot_sha256_update(&c, inner, sizeof(inner));
	aiot_sha256_final(&c, mac);

	aiot_zeroize(k0, sizeof(k0));
	aiot_zeroize(pad, sizeof(pad));
	aiot_zeroize(inner, sizeof(inner));
}
