/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HMAC-SHA-256 (RFC 2104, FIPS 198-1) over a gather list.
 * CT: time depends on key_len and the total message length only.
 */
#include "hmac_sha256.h"
#include "sha256.h"
#include "ct.h"

#define BLOCK 64

/*
 * Stack: one SHA-256 context and nothing else. K0 ^ ipad / K0 ^ opad are built straight in
 * the context's block buffer (sha256.h init_xor / final_xor); a key longer than a block is
 * hashed into mac, which also carries the inner digest until the outer hash ends.
 */
void aiot_hmac_sha256(const uint8_t *key, size_t key_len, const aiot_iov *iov, size_t niov,
                      uint8_t mac[32])
{
	aiot_sha256_ctx c;

	/* FIPS 198-1 4 steps 1-3: K0 = K, or H(K) if K is longer than the block, zero-padded */
	if (key_len > BLOCK) {
		aiot_sha256_init(&c);
		aiot_sha256_update(&c, key, key_len);
		aiot_sha256_final(&c, mac);
		key = mac;
		key_len = 32;
	}
	/* inner = H((K0 ^ ipad) || text) */
	aiot_sha256_init_xor(&c, key, key_len, 0x36);
	for (size_t i = 0; i < niov; i++)
		if (iov[i].len > 0)
			aiot_sha256_update(&c, iov[i].p, iov[i].len);
	/* mac = H((K0 ^ opad) || inner) */
	aiot_sha256_final_xor(&c, key, key_len, 0x5c, mac);
	aiot_sha256_final(&c, mac); /* also zeroises c */
}
