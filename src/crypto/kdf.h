/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic 3GPP KDF (TS 33.220 Annex B.2) and the AIoT derivations of TS 33.369 Annex A
 * as provisionally defined in DESIGN.md §2 (constants: aiot_fc.h only).
 *   S = FC || P0 || L0 || P1 || L1 ...,  Li = 2-byte big-endian length of Pi
 *   suite 3gpp: PRF = HMAC-SHA-256(KEY, S) (32 bytes out)
 *   suite aes:  PRF = AES-128-CMAC(KEY, S) (16 bytes out; KEY must be 128 bits)
 * Each output is the last n bytes of the PRF output.
 */
#ifndef AIOT_KDF_H
#define AIOT_KDF_H
#include "backend.h"

typedef enum aiot_suite {
	AIOT_SUITE_3GPP = 1,
	AIOT_SUITE_AES = 2,
} aiot_suite;

#define AIOT_KDF_MAX_PARAMS 8

typedef struct aiot_kdf_param {
	const uint8_t *p;
	uint16_t len;
} aiot_kdf_param;

/* "3gpp" / "aes" <-> enum. from_name returns AIOT_ERR_INVAL on anything else. */
int aiot_suite_from_name(const char *name, aiot_suite *out);
const char *aiot_suite_name(aiot_suite s);
/* AIOT_OK if the suite takes a K_AIOT_root of key_len bytes (3gpp: 16 or 32, aes: 16). */
int aiot_suite_check_key(aiot_suite s, size_t key_len);

/* TS 33.220 B.2 generic KDF: HMAC-SHA-256(key, S), full 32-byte output. np <= 8. */
int aiot_kdf(const aiot_backend *be, const uint8_t *key, size_t key_len, uint8_t fc,
	     const aiot_kdf_param *params, size_t np, uint8_t out[32]);

/* The suite's PRF over S built from fc and params; writes 32 (3gpp) or 16 (aes) bytes and
 * returns that length, or a negative AIOT_ERR_*. */
int aiot_suite_prf(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
		   uint8_t fc, const aiot_kdf_param *params, size_t np, uint8_t out[32]);

/* RES_AIOT / XRES_AIOT (33.369 A.2): bits in {32, 64, 96, 128}; writes bits/8 bytes. */
int aiot_derive_res(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
		    const uint8_t rand_n[16], const uint8_t rand_d[16], unsigned bits,
		    uint8_t *res);

/* K_AIOTF (33.369 A.3). */
int aiot_derive_kaiotf(const aiot_backend *be, aiot_suite s, const uint8_t *key,
		       size_t key_len, const uint8_t rand_n[16], const uint8_t rand_d[16],
		       uint8_t k_aiotf[16]);

/* K_AIOT_enc (alg_type AIOT_ALG_TYPE_ENC) / K_AIOT_int (AIOT_ALG_TYPE_INT) from K_AIOTF. */
int aiot_derive_algkey(const aiot_backend *be, aiot_suite s, const uint8_t k_aiotf[16],
		       uint8_t alg_type, uint8_t alg_id, uint8_t out[16]);

/* Next T-ID (identifier privacy) from K_AIOT_root and the session's RANDs. */
int aiot_derive_tid(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
		    const uint8_t rand_n[16], const uint8_t rand_d[16], uint8_t tid[16]);

/* A K_AIOT_root prepared for many derivations (the ADM's batched get-authentication): the
 * backend's precomputed HMAC states when it offers them, else the key itself. Holds key
 * material: clear it with aiot_prf_key_clear(). */
typedef struct aiot_prf_key {
	aiot_suite suite;
	uint8_t prepared; /* st holds the backend's HMAC states */
	uint8_t key_len;
	uint8_t key[32];
	_Alignas(16) uint8_t st[AIOT_HMAC_STATE_MAX];
} aiot_prf_key;

int aiot_prf_key_init(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
		      aiot_prf_key *pk);
void aiot_prf_key_clear(aiot_prf_key *pk);
/* aiot_derive_res() with a prepared key: same result. */
int aiot_derive_res_k(const aiot_backend *be, const aiot_prf_key *pk, const uint8_t rand_n[16],
		      const uint8_t rand_d[16], unsigned bits, uint8_t *res);

#endif
