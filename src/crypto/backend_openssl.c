/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The network-side backend on OpenSSL 3: EVP_MAC (HMAC, CMAC) and EVP_CIPHER (AES-CTR,
 * AES-ECB) objects are fetched and their contexts created once per instance and reused for
 * every call (re-keyed with *_init), which uses AES-NI / SHA-NI where the CPU has them.
 * Not thread-safe: one instance per thread.
 */
#include "backend_openssl.h"

/* The low-level SHA-256 API (deprecated in OpenSSL 3, still shipped) is the only way to
 * keep a precomputed HMAC state without an allocation per use. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/core_names.h>
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <stdlib.h>
#include <string.h>

#include "../common/aiot_err.h"
#include "ct.h"

typedef struct ossl_state {
	aiot_backend be; /* first: aiot_backend_openssl_free() casts back */
	EVP_MAC *hmac;
	EVP_MAC_CTX *hmac_ctx;
	EVP_MAC *cmac;
	EVP_MAC_CTX *cmac_ctx;
	EVP_CIPHER *ctr;
	EVP_CIPHER *ecb;
	EVP_CIPHER_CTX *cipher_ctx;
} ossl_state;

static int ossl_hmac(void *ctx, const uint8_t *key, size_t key_len, const aiot_iov *iov,
                     size_t niov, uint8_t mac[32])
{
	ossl_state *st = ctx;
	size_t outl = 0;
	if (key == NULL || key_len == 0 || mac == NULL || (niov > 0 && iov == NULL))
		return AIOT_ERR_INVAL;
	for (size_t i = 0; i < niov; i++)
		if (iov[i].len > 0 && iov[i].p == NULL)
			return AIOT_ERR_INVAL;
	if (!EVP_MAC_init(st->hmac_ctx, key, key_len, NULL))
		return AIOT_ERR_CRYPTO;
	for (size_t i = 0; i < niov; i++)
		if (iov[i].len > 0 && !EVP_MAC_update(st->hmac_ctx, iov[i].p, iov[i].len))
			return AIOT_ERR_CRYPTO;
	if (!EVP_MAC_final(st->hmac_ctx, mac, &outl, 32) || outl != 32)
		return AIOT_ERR_CRYPTO;
	return AIOT_OK;
}

/* One AES-128 block with the ECB context keyed by cmac_bits(). */
static int ecb_block(ossl_state *st, const uint8_t in[16], uint8_t out[16])
{
	int outl = 0;
	return EVP_EncryptUpdate(st->cipher_ctx, out, &outl, in, 16) && outl == 16;
}

static void cmac_dbl(uint8_t b[16])
{
	/* SP 800-38B 6.1: shift left one bit, XOR R_128 = 0x87 if the MSB was set.
	 * CT: the MSB selects 0x87 through a mask, not a branch. */
	uint8_t msb = b[0] >> 7;
	for (int i = 0; i < 15; i++)
		b[i] = (uint8_t)((b[i] << 1) | (b[i + 1] >> 7));
	b[15] = (uint8_t)((b[15] << 1) ^ (0x87 & (0 - msb)));
}

/* SP 800-38B with a partial final byte: AES-ECB from OpenSSL, CMAC chaining here.
 * OpenSSL's CMAC only takes whole bytes. */
static int cmac_bits(ossl_state *st, const uint8_t key[16], const aiot_iov *iov, size_t niov,
                     size_t nbits, uint8_t mac[16])
{
	uint8_t k[16] = {0}, x[16] = {0}, blk[16];
	size_t nbytes = (nbits + 7) / 8, seen = 0, fill = 0;
	int ok = 0;

	EVP_CIPHER_CTX_reset(st->cipher_ctx);
	if (!EVP_EncryptInit_ex2(st->cipher_ctx, st->ecb, key, NULL, NULL))
		goto out;
	EVP_CIPHER_CTX_set_padding(st->cipher_ctx, 0);
	if (!ecb_block(st, k, k)) /* L = E(K, 0^128) */
		goto out;
	cmac_dbl(k); /* K1 */
	/* Absorb every complete block except the last one. */
	for (size_t i = 0; i < niov && seen < nbytes; i++) {
		for (size_t j = 0; j < iov[i].len && seen < nbytes; j++, seen++) {
			if (fill == 16) {
				for (int b = 0; b < 16; b++)
					x[b] ^= blk[b];
				if (!ecb_block(st, x, x))
					goto out;
				fill = 0;
			}
			blk[fill++] = iov[i].p[j];
		}
	}
	if (nbits % 8 != 0 || fill < 16 || nbits == 0) {
		/* Incomplete last block: keep nbits, then one 1 bit and zeros; use K2. */
		size_t rem = nbits % 8;
		if (rem != 0 && fill > 0) { /* rem != 0 implies a last byte in blk */
			blk[fill - 1] &= (uint8_t)(0xFF << (8 - rem));
			blk[fill - 1] |= (uint8_t)(0x80 >> rem);
		} else {
			blk[fill++] = 0x80;
		}
		while (fill < 16)
			blk[fill++] = 0;
		cmac_dbl(k); /* K2 */
	}
	for (int b = 0; b < 16; b++)
		x[b] ^= blk[b] ^ k[b];
	ok = ecb_block(st, x, mac);
out:
	aiot_zeroize(k, sizeof k);
	aiot_zeroize(x, sizeof x);
	aiot_zeroize(blk, sizeof blk);
	return ok ? AIOT_OK : AIOT_ERR_CRYPTO;
}

static int ossl_cmac(void *ctx, const uint8_t key[16], const aiot_iov *iov, size_t niov,
                     size_t nbits, uint8_t mac[16])
{
	ossl_state *st = ctx;
	size_t total = 0, outl = 0;
	if (key == NULL || mac == NULL || (niov > 0 && iov == NULL))
		return AIOT_ERR_INVAL;
	for (size_t i = 0; i < niov; i++) {
		if ((iov[i].len > 0 && iov[i].p == NULL) || iov[i].len > SIZE_MAX / 8 - total)
			return AIOT_ERR_INVAL;
		total += iov[i].len;
	}
	if (nbits > 8 * total) /* total <= SIZE_MAX / 8: no overflow */
		return AIOT_ERR_INVAL;
	if (nbits % 8 != 0)
		return cmac_bits(st, key, iov, niov, nbits, mac);

	/* Whole bytes: OpenSSL's CMAC over the first nbits / 8 bytes. */
	if (!EVP_MAC_init(st->cmac_ctx, key, 16, NULL))
		return AIOT_ERR_CRYPTO;
	size_t left = nbits / 8;
	for (size_t i = 0; i < niov && left > 0; i++) {
		size_t n = iov[i].len < left ? iov[i].len : left;
		if (n > 0 && !EVP_MAC_update(st->cmac_ctx, iov[i].p, n))
			return AIOT_ERR_CRYPTO;
		left -= n;
	}
	if (!EVP_MAC_final(st->cmac_ctx, mac, &outl, 16) || outl != 16)
		return AIOT_ERR_CRYPTO;
	return AIOT_OK;
}

static int ossl_ctr(void *ctx, const uint8_t key[16], const uint8_t ctr0[16], const uint8_t *in,
                    uint8_t *out, size_t len)
{
	ossl_state *st = ctx;
	if (key == NULL || ctr0 == NULL || (len > 0 && (in == NULL || out == NULL)))
		return AIOT_ERR_INVAL;
	if (!EVP_EncryptInit_ex2(st->cipher_ctx, st->ctr, key, ctr0, NULL))
		return AIOT_ERR_CRYPTO;
	while (len > 0) {
		int chunk = len > (1u << 30) ? (1 << 30) : (int)len, outl = 0;
		if (!EVP_EncryptUpdate(st->cipher_ctx, out, &outl, in, chunk) || outl != chunk)
			return AIOT_ERR_CRYPTO;
		in += chunk;
		out += chunk;
		len -= (size_t)chunk;
	}
	return AIOT_OK;
}

/* HMAC-SHA-256 key precomputation (RFC 2104): the hash states after the first block of
 * K0 ^ ipad and K0 ^ opad. Each MAC then costs two block operations (S and the inner digest
 * fit one block each) and no allocation; SHA256_* use SHA-NI/AVX where the CPU has them. */
typedef struct hmac_states {
	SHA256_CTX inner, outer;
} hmac_states;
_Static_assert(sizeof(hmac_states) <= AIOT_HMAC_STATE_MAX, "HMAC state too big");

static int ossl_hmac_prepare(void *ctx, const uint8_t *key, size_t key_len, uint8_t *st)
{
	(void)ctx;
	uint8_t k0[64] = {0}, pad[64];
	hmac_states hs;
	if (key == NULL || key_len == 0 || st == NULL)
		return AIOT_ERR_INVAL;
	if (key_len > 64)
		SHA256(key, key_len, k0);
	else
		memcpy(k0, key, key_len);
	for (int i = 0; i < 64; i++)
		pad[i] = k0[i] ^ 0x36;
	SHA256_Init(&hs.inner);
	SHA256_Update(&hs.inner, pad, 64);
	for (int i = 0; i < 64; i++)
		pad[i] = k0[i] ^ 0x5c;
	SHA256_Init(&hs.outer);
	SHA256_Update(&hs.outer, pad, 64);
	memcpy(st, &hs, sizeof hs);
	aiot_zeroize(k0, sizeof k0);
	aiot_zeroize(pad, sizeof pad);
	aiot_zeroize(&hs, sizeof hs);
	return AIOT_OK;
}

static int ossl_hmac_prepared(void *ctx, const uint8_t *st, const aiot_iov *iov, size_t niov,
                              uint8_t mac[32])
{
	(void)ctx;
	hmac_states hs;
	uint8_t inner[32];
	if (st == NULL || mac == NULL || (niov > 0 && iov == NULL))
		return AIOT_ERR_INVAL;
	memcpy(&hs, st, sizeof hs);
	for (size_t i = 0; i < niov; i++) {
		if (iov[i].len > 0 && iov[i].p == NULL) {
			aiot_zeroize(&hs, sizeof hs);
			return AIOT_ERR_INVAL;
		}
		SHA256_Update(&hs.inner, iov[i].p, iov[i].len);
	}
	SHA256_Final(inner, &hs.inner);
	SHA256_Update(&hs.outer, inner, sizeof inner);
	SHA256_Final(mac, &hs.outer);
	aiot_zeroize(&hs, sizeof hs);
	aiot_zeroize(inner, sizeof inner);
	return AIOT_OK;
}

void aiot_backend_openssl_free(aiot_backend *be)
{
	ossl_state *st = (ossl_state *)be;
	if (st == NULL)
		return;
	EVP_MAC_CTX_free(st->hmac_ctx);
	EVP_MAC_free(st->hmac);
	EVP_MAC_CTX_free(st->cmac_ctx);
	EVP_MAC_free(st->cmac);
	EVP_CIPHER_CTX_free(st->cipher_ctx);
	EVP_CIPHER_free(st->ctr);
	EVP_CIPHER_free(st->ecb);
	free(st);
}

aiot_backend *aiot_backend_openssl_new(void)
{
	ossl_state *st = calloc(1, sizeof *st);
	if (st == NULL)
		return NULL;
	char sha256[] = "SHA256", aes_cbc[] = "AES-128-CBC";
	OSSL_PARAM hp[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, sha256, 0),
	                   OSSL_PARAM_construct_end()};
	OSSL_PARAM cp[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, aes_cbc, 0),
	                   OSSL_PARAM_construct_end()};
	st->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	st->cmac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	st->ctr = EVP_CIPHER_fetch(NULL, "AES-128-CTR", NULL);
	st->ecb = EVP_CIPHER_fetch(NULL, "AES-128-ECB", NULL);
	st->cipher_ctx = EVP_CIPHER_CTX_new();
	if (!st->hmac || !st->cmac || !st->ctr || !st->ecb || !st->cipher_ctx)
		goto fail;
	st->hmac_ctx = EVP_MAC_CTX_new(st->hmac);
	st->cmac_ctx = EVP_MAC_CTX_new(st->cmac);
	if (!st->hmac_ctx || !st->cmac_ctx || !EVP_MAC_CTX_set_params(st->hmac_ctx, hp) ||
	    !EVP_MAC_CTX_set_params(st->cmac_ctx, cp))
		goto fail;
	st->be = (aiot_backend){
	    .name = "openssl",
	    .ctx = st,
	    .hmac_sha256 = ossl_hmac,
	    .aes_cmac = ossl_cmac,
	    .aes_ctr = ossl_ctr,
	    .hmac_prepare = ossl_hmac_prepare,
	    .hmac_prepared = ossl_hmac_prepared,
	};
	return &st->be;
fail:
	aiot_backend_openssl_free(&st->be);
	return NULL;
}
