/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Keys at rest (store.h, docs/security.md): AES-256-GCM under the 256-bit KEK, a random 96-bit
 * nonce per record, AAD = the device's permanent ID, so a blob cannot be moved to another
 * row. Blob = nonce (12) || ciphertext || tag (16). Random nonces under one KEK stay within
 * NIST SP 800-38D §8.3 (at most 2^32 encryptions) for any realistic device population.
 * Internal to src/store. A context is not thread-safe: the store serialises its use.
 */
#ifndef AIOT_STORE_KEYWRAP_H
#define AIOT_STORE_KEYWRAP_H
#include <stddef.h>
#include <stdint.h>

#define AIOT_KW_NONCE_LEN 12
#define AIOT_KW_TAG_LEN 16
#define AIOT_KW_OVERHEAD (AIOT_KW_NONCE_LEN + AIOT_KW_TAG_LEN)
#define AIOT_KW_MAX_PT 64

typedef struct aiot_keywrap aiot_keywrap;

/* Expands the KEK once (OpenSSL keeps the schedule; the caller's copy is not retained).
 * NULL on failure. */
aiot_keywrap *aiot_keywrap_new(const uint8_t kek[32]);
/* Cleanses the key schedules and frees. NULL is accepted. */
void aiot_keywrap_free(aiot_keywrap *kw);

/* Seals pt (1..AIOT_KW_MAX_PT bytes) into out (pt_len + AIOT_KW_OVERHEAD bytes).
 * AIOT_OK or AIOT_ERR_INVAL / AIOT_ERR_CRYPTO. */
int aiot_keywrap_seal(aiot_keywrap *kw, const uint8_t *aad, size_t aad_len, const uint8_t *pt,
                      size_t pt_len, uint8_t *out);
/* Opens a blob into pt (cap bytes). Returns the plaintext length, AIOT_ERR_MAC if the tag
 * does not verify (wrong KEK, tampered or moved blob), AIOT_ERR_MALFORMED for a bad length,
 * AIOT_ERR_CRYPTO. pt is zeroised on failure. */
int aiot_keywrap_open(aiot_keywrap *kw, const uint8_t *aad, size_t aad_len, const uint8_t *blob,
                      size_t blob_len, uint8_t *pt, size_t cap);

/* The KEK check value every backend stores at creation, so that a wrong KEK is reported at
 * open instead of failing row by row (store.h): the sealing of a fixed label. open: AIOT_OK,
 * or AIOT_ERR_MAC if the value does not authenticate under this KEK. */
#define AIOT_KW_CHECK_LEN (30 + AIOT_KW_OVERHEAD)
int aiot_keywrap_check_seal(aiot_keywrap *kw, uint8_t out[AIOT_KW_CHECK_LEN]);
int aiot_keywrap_check_open(aiot_keywrap *kw, const uint8_t *blob, size_t len);

#endif
