/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The generic 3GPP KDF (TS 33.220 Annex B.2) and the AIoT derivations of TS 33.369 Annex A
 * as provisionally defined in docs/protocol.md §2 (constants: aiot_fc.h only).
 *   S = FC || P0 || L0 || P1 || L1 ...,  Li = 2-byte big-endian length of Pi
 *   suite 3gpp: PRF = HMAC-SHA-256(KEY, S) (32 bytes out)
 *   suite aes:  PRF = AES-128-CMAC(KEY, S) (16 bytes out; KEY must be 128 bits)
 * Each output is the last n bytes of the PRF output.
 * be: a backend (backend.h), or NULL for the reference primitives called directly.
 */
#ifndef AIOT_KDF_H
#define AIOT_KDF_H
#include "backend.h"
#include "aiot_fc.h"
#include "../common/aiot_err.h"

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

/*
 * One derivation of Annex A: PRF(key, FC || P0 || L0 || P1 || L1), the last out_len bytes
 * of the PRF output into out (every derivation there has two parameters). s holds FC and
 * the two big-endian lengths, as they appear in S. The functions below fill it in; they are
 * inline so that the device's deepest call path has one frame for the KDF.
 */
typedef struct aiot_kdf2 {
	const uint8_t *key, *p0, *p1;
	uint8_t *out;
	size_t key_len, out_len;
	uint8_t s[5]; /* FC, L0 (2), L1 (2) */
} aiot_kdf2;

int aiot_prf2(const aiot_backend *be, aiot_suite s, const aiot_kdf2 *k);

/* k for PRF(KEY, FC || RAND_n || 0x0010 || RAND_d || 0x0010), the last out_len bytes: the
 * derivations keyed with K_AIOT_root (RES, K_AIOTF, T-ID). */
static inline void aiot_kdf2_rands(aiot_kdf2 *k, uint8_t fc, const uint8_t *key, size_t key_len,
                                   const uint8_t rand_n[16], const uint8_t rand_d[16], uint8_t *out,
                                   size_t out_len)
{
	*k = (aiot_kdf2){
	    key, rand_n, rand_d, out, key_len, out_len, {fc, 0, AIOT_RAND_LEN, 0, AIOT_RAND_LEN}};
}

/* k for K_AIOT_enc / K_AIOT_int: PRF(K_AIOTF, 0xA2-FC || type || 0x0001 || id || 0x0001);
 * alg points at the two octets algorithm type, algorithm identity. */
static inline void aiot_kdf2_algkey(aiot_kdf2 *k, const uint8_t k_aiotf[16], const uint8_t alg[2],
                                    uint8_t out[16])
{
	*k = (aiot_kdf2){k_aiotf,
	                 &alg[0],
	                 &alg[1],
	                 out,
	                 AIOT_KAIOTF_LEN,
	                 AIOT_ALGKEY_LEN,
	                 {AIOT_FC_ALGKEY, 0, 1, 0, 1}};
}

static inline int aiot_derive_rands(const aiot_backend *be, aiot_suite s, const uint8_t *key,
                                    size_t key_len, uint8_t fc, const uint8_t rand_n[16],
                                    const uint8_t rand_d[16], uint8_t *out, size_t out_len)
{
	aiot_kdf2 k;

	aiot_kdf2_rands(&k, fc, key, key_len, rand_n, rand_d, out, out_len);
	return aiot_prf2(be, s, &k);
}

/* RES_AIOT / XRES_AIOT (33.369 A.2): bits in {32, 64, 96, 128}; writes bits/8 bytes. */
static inline int aiot_derive_res(const aiot_backend *be, aiot_suite s, const uint8_t *key,
                                  size_t key_len, const uint8_t rand_n[16],
                                  const uint8_t rand_d[16], unsigned bits, uint8_t *res)
{
	if (!AIOT_RES_BITS_VALID(bits))
		return AIOT_ERR_INVAL;
	return aiot_derive_rands(be, s, key, key_len, AIOT_FC_RES, rand_n, rand_d, res, bits / 8);
}

/* K_AIOTF (33.369 A.3). */
static inline int aiot_derive_kaiotf(const aiot_backend *be, aiot_suite s, const uint8_t *key,
                                     size_t key_len, const uint8_t rand_n[16],
                                     const uint8_t rand_d[16], uint8_t k_aiotf[16])
{
	return aiot_derive_rands(be, s, key, key_len, AIOT_FC_KAIOTF, rand_n, rand_d, k_aiotf,
	                         AIOT_KAIOTF_LEN);
}

/* K_AIOT_enc (alg_type AIOT_ALG_TYPE_ENC) / K_AIOT_int (AIOT_ALG_TYPE_INT) from K_AIOTF. */
static inline int aiot_derive_algkey(const aiot_backend *be, aiot_suite s,
                                     const uint8_t k_aiotf[16], uint8_t alg_type, uint8_t alg_id,
                                     uint8_t out[16])
{
	const uint8_t alg[2] = {alg_type, alg_id};
	aiot_kdf2 k;

	if (alg_type != AIOT_ALG_TYPE_ENC && alg_type != AIOT_ALG_TYPE_INT)
		return AIOT_ERR_INVAL;
	aiot_kdf2_algkey(&k, k_aiotf, alg, out);
	return aiot_prf2(be, s, &k);
}

/* Next T-ID (identifier privacy) from K_AIOT_root and the session's RANDs. */
static inline int aiot_derive_tid(const aiot_backend *be, aiot_suite s, const uint8_t *key,
                                  size_t key_len, const uint8_t rand_n[16],
                                  const uint8_t rand_d[16], uint8_t tid[16])
{
	return aiot_derive_rands(be, s, key, key_len, AIOT_FC_TID, rand_n, rand_d, tid,
	                         AIOT_TID_LEN);
}

/* The DO-A derivations keyed with K_AIOT_root: PRF(KEY, FC || RAND_n || 0x0010 || RAND_d ||
 * 0x0010 || ID || len(ID)), the last out_len bytes. id: the identifier the device sent in its
 * Registration Request, 1..AIOT_DOA_ID_MAX octets. */
int aiot_derive_doa(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
                    uint8_t fc, const uint8_t rand_n[16], const uint8_t rand_d[16],
                    const uint8_t *id, size_t id_len, uint8_t *out, size_t out_len);

/* MAC_N, the network's proof in DO-A M2: AIOT_MACN_LEN (8) bytes. */
static inline int aiot_derive_macn(const aiot_backend *be, aiot_suite s, const uint8_t *key,
                                   size_t key_len, const uint8_t rand_n[16],
                                   const uint8_t rand_d[16], const uint8_t *id, size_t id_len,
                                   uint8_t mac_n[AIOT_MACN_LEN])
{
	return aiot_derive_doa(be, s, key, key_len, AIOT_FC_MACN, rand_n, rand_d, id, id_len, mac_n,
	                       AIOT_MACN_LEN);
}

/* RES_D / XRES_D, the device's proof in DO-A M3: bits in {32, 64, 96, 128}; bits/8 bytes. */
static inline int aiot_derive_resd(const aiot_backend *be, aiot_suite s, const uint8_t *key,
                                   size_t key_len, const uint8_t rand_n[16],
                                   const uint8_t rand_d[16], const uint8_t *id, size_t id_len,
                                   unsigned bits, uint8_t *res_d)
{
	if (!AIOT_RES_BITS_VALID(bits))
		return AIOT_ERR_INVAL;
	return aiot_derive_doa(be, s, key, key_len, AIOT_FC_RESD, rand_n, rand_d, id, id_len, res_d,
	                       bits / 8);
}

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
