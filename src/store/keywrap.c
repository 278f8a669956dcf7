/* SPDX-License-Identifier: Apache-2.0 */
/* AES-256-GCM key wrapping for the device store (keywrap.h), OpenSSL 3 EVP. Each context is
 * keyed once; every record then only sets its nonce (no key schedule per record). */
#include "keywrap.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/aiot_err.h"

struct aiot_keywrap {
	EVP_CIPHER_CTX *enc, *dec;
};

aiot_keywrap *aiot_keywrap_new(const uint8_t kek[32])
{
	aiot_keywrap *kw = calloc(1, sizeof *kw);
	EVP_CIPHER *gcm = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	if (kw == NULL || gcm == NULL)
		goto fail;
	kw->enc = EVP_CIPHER_CTX_new();
	kw->dec = EVP_CIPHER_CTX_new();
	if (kw->enc == NULL || kw->dec == NULL)
		goto fail;
	/* Default GCM IV length is 12 bytes, which is AIOT_KW_NONCE_LEN. */
	if (EVP_EncryptInit_ex2(kw->enc, gcm, kek, NULL, NULL) != 1 ||
	    EVP_DecryptInit_ex2(kw->dec, gcm, kek, NULL, NULL) != 1)
		goto fail;
	EVP_CIPHER_free(gcm);
	return kw;
fail:
	EVP_CIPHER_free(gcm);
	aiot_keywrap_free(kw);
	return NULL;
}

void aiot_keywrap_free(aiot_keywrap *kw)
{
	if (kw == NULL)
		return;
	EVP_CIPHER_CTX_free(kw->enc); /* cleanses the key schedule */
	EVP_CIPHER_CTX_free(kw->dec);
	free(kw);
}

int aiot_keywrap_seal(aiot_keywrap *kw, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                      size_t pt_len, uint8_t *out)
{
	uint8_t *nonce = out, *ct = out + AIOT_KW_NONCE_LEN;
	int n = 0, fin = 0;

	if (kw == NULL || pt_len == 0 || pt_len > AIOT_KW_MAX_PT || aad_len > INT_MAX)
		return AIOT_ERR_INVAL;
	if (RAND_bytes(nonce, AIOT_KW_NONCE_LEN) != 1)
		return AIOT_ERR_CRYPTO;
	if (EVP_EncryptInit_ex2(kw->enc, NULL, NULL, nonce, NULL) != 1 ||
	    EVP_EncryptUpdate(kw->enc, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_EncryptUpdate(kw->enc, ct, &n, pt, (int)pt_len) != 1 ||
	    EVP_EncryptFinal_ex(kw->enc, ct + n, &fin) != 1 || (size_t)(n + fin) != pt_len ||
	    EVP_CIPHER_CTX_ctrl(kw->enc, EVP_CTRL_GCM_GET_TAG, AIOT_KW_TAG_LEN, ct + pt_len) != 1)
		goto fail;
	return AIOT_OK;
fail:
	OPENSSL_cleanse(out, pt_len + AIOT_KW_OVERHEAD);
	return AIOT_ERR_CRYPTO;
}

int aiot_keywrap_open(aiot_keywrap *kw, const uint8_t *aad, size_t aad_len, const uint8_t *blob,
                      size_t blob_len, uint8_t *pt, size_t cap)
{
	size_t pt_len;
	int n = 0, fin = 0, rc = AIOT_ERR_CRYPTO;

	if (kw == NULL || aad_len > INT_MAX)
		return AIOT_ERR_INVAL;
	if (blob_len <= AIOT_KW_OVERHEAD || blob_len - AIOT_KW_OVERHEAD > AIOT_KW_MAX_PT)
		return AIOT_ERR_MALFORMED;
	pt_len = blob_len - AIOT_KW_OVERHEAD;
	if (pt_len > cap)
		return AIOT_ERR_NOSPACE;
	const uint8_t *ct = blob + AIOT_KW_NONCE_LEN;
	if (EVP_DecryptInit_ex2(kw->dec, NULL, NULL, blob, NULL) != 1 ||
	    EVP_DecryptUpdate(kw->dec, NULL, &n, aad, (int)aad_len) != 1 ||
	    EVP_DecryptUpdate(kw->dec, pt, &n, ct, (int)pt_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(kw->dec, EVP_CTRL_GCM_SET_TAG, AIOT_KW_TAG_LEN,
	                        (void *)(ct + pt_len)) != 1)
		goto fail;
	if (EVP_DecryptFinal_ex(kw->dec, pt + n, &fin) != 1) {
		rc = AIOT_ERR_MAC;
		goto fail;
	}
	return (int)pt_len;
fail:
	OPENSSL_cleanse(pt, pt_len);
	return rc;
}

static const char check_label[] = "aiot device store KEK check v1";
static const char check_aad[] = "aiot-store-kek-check";
_Static_assert(sizeof check_label - 1 + AIOT_KW_OVERHEAD == AIOT_KW_CHECK_LEN, "check length");

int aiot_keywrap_check_seal(aiot_keywrap *kw, uint8_t out[AIOT_KW_CHECK_LEN])
{
	return aiot_keywrap_seal(kw, (const uint8_t *)check_aad, sizeof check_aad - 1,
	                         (const uint8_t *)check_label, sizeof check_label - 1, out);
}

int aiot_keywrap_check_open(aiot_keywrap *kw, const uint8_t *blob, size_t len)
{
	uint8_t label[sizeof check_label];
	int n = aiot_keywrap_open(kw, (const uint8_t *)check_aad, sizeof check_aad - 1, blob, len,
	                          label, sizeof label);
	if (n != (int)sizeof check_label - 1 || memcmp(label, check_label, (size_t)n) != 0)
		return AIOT_ERR_MAC;
	return AIOT_OK;
}
