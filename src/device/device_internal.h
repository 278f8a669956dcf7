/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the device's two state machines share (device.c: network-triggered, TS 33.369 5.2.2;
 * device_doa.c: device-originated access), soft (key_load) or card (cfg->cred, aiot_cred.h).
 * Private to src/device: a firmware includes aiot_device.h / aiot_doa.h only. aiot_dev_load_key
 * lives in device.c; the rest is inline so that each caller keeps the one frame it had (stack:
 * docs/benchmarks.md).
 */
#ifndef AIOT_DEVICE_INTERNAL_H
#define AIOT_DEVICE_INTERNAL_H
#include <stddef.h>
#include <stdint.h>
#include "aiot_device.h"
#include "../crypto/ct.h"
#include "../crypto/kdf.h"

#define DEV_BE NULL    /* the reference primitives, called directly (backend.h) */
#define DEV_KEY_MAX 32 /* K_AIOT_root: 16 or 32 bytes (aiot_suite_check_key) */
/* Keeps K_AIOT_root's frame off the path of the other callers (stack: docs/benchmarks.md). */
#define DEV_NOINLINE __attribute__((noinline))
#define DEV_INLINE static inline __attribute__((always_inline))
/* The card path (cfg->cred, aiot_cred.h): 1 = built (default); 0 = a soft-key firmware that
 * links none of it (cmake/device-m0.sh measures both; docs/benchmarks.md). */
#ifndef AIOT_DEVICE_CRED
#define AIOT_DEVICE_CRED 1
#endif
#define DEV_CRED(cfg) (AIOT_DEVICE_CRED && (cfg)->cred)

/* 1 if cfg is complete (key_load, or all three cred ops) and its suite is one this image was
 * built with, else 0. */
DEV_INLINE int aiot_dev_cfg_ok(const aiot_device_cfg *cfg)
{
	/* A suite this image was built with (AIOT_DEVICE_SUITES, backend.h). */
	return cfg && cfg->perm_id && cfg->perm_id_len >= 1 &&
	       cfg->perm_id_len <= AIOT_NAS_MAX_ID_LEN &&
	       (cfg->suite == AIOT_SUITE_AES || (AIOT_REF_3GPP && cfg->suite == AIOT_SUITE_3GPP)) &&
	       AIOT_RES_BITS_VALID(cfg->res_bits) && cfg->entropy &&
	       (cfg->cred ? AIOT_DEVICE_CRED && cfg->cred->inventory && cfg->cred->doa &&
	                        cfg->cred->next_tid
	                  : cfg->key_load != NULL);
}

/* K_AIOT_root from secure storage into key[DEV_KEY_MAX]: its length (16 or 32), or
 * AIOT_ERR_* with key zeroised. */
int aiot_dev_load_key(const aiot_device_cfg *cfg, uint8_t key[DEV_KEY_MAX]);

/* K_AIOT_int / K_AIOT_enc from K_AIOTF (A.3), in the caller's KDF frame k. Cannot fail. */
DEV_INLINE void aiot_dev_nas_keys(const aiot_device_cfg *cfg, aiot_kdf2 *k,
                                  const uint8_t k_aiotf[AIOT_KAIOTF_LEN], uint8_t k_int[16],
                                  uint8_t k_enc[16])
{
	static const uint8_t alg[4] = {AIOT_ALG_TYPE_INT, AIOT_ALG_ID_NIA2, AIOT_ALG_TYPE_ENC,
	                               AIOT_ALG_ID_NEA2};

	aiot_kdf2_algkey(k, k_aiotf, alg, k_int);
	aiot_prf2(DEV_BE, cfg->suite, k);
	aiot_kdf2_algkey(k, k_aiotf, alg + 2, k_enc);
	aiot_prf2(DEV_BE, cfg->suite, k);
}

/* K_AIOTF (A.3) from K_AIOT_root and the RANDs, then K_AIOT_int / K_AIOT_enc from it;
 * K_AIOTF is not kept. Cannot fail (arguments checked by the callers). */
DEV_INLINE void aiot_dev_session_keys(const aiot_device_cfg *cfg, const uint8_t *key,
                                      size_t key_len, const uint8_t rand_n[16],
                                      const uint8_t rand_d[16], uint8_t k_int[16],
                                      uint8_t k_enc[16])
{
	uint8_t k_aiotf[AIOT_KAIOTF_LEN];
	aiot_kdf2 k; /* one derivation at a time, in one frame (kdf.h) */

	aiot_kdf2_rands(&k, AIOT_FC_KAIOTF, key, key_len, rand_n, rand_d, k_aiotf, AIOT_KAIOTF_LEN);
	aiot_prf2(DEV_BE, cfg->suite, &k);
	aiot_dev_nas_keys(cfg, &k, k_aiotf, k_int, k_enc);
	/* K_AIOTF itself is not kept: only K_AIOT_int / K_AIOT_enc are needed. */
	aiot_zeroize(k_aiotf, sizeof(k_aiotf));
}

/* The NAS keys from the card's K_AIOTF (aiot_cred.h), which is then wiped. */
DEV_INLINE void aiot_dev_cred_keys(const aiot_device_cfg *cfg, uint8_t k_aiotf[AIOT_KAIOTF_LEN],
                                   uint8_t k_int[16], uint8_t k_enc[16])
{
	aiot_kdf2 k;

	aiot_dev_nas_keys(cfg, &k, k_aiotf, k_int, k_enc);
	aiot_zeroize(k_aiotf, AIOT_KAIOTF_LEN);
}

/* A new T-ID persisted through cfg->tid_store (if any): AIOT_ST_SUCCESS, or
 * AIOT_ST_ERROR_UNSPECIFIED (the device then keeps its old T-ID). */
DEV_INLINE uint8_t aiot_dev_store_tid(const aiot_device_cfg *cfg, const uint8_t new_tid[16])
{
	if (cfg->tid_store && cfg->tid_store(cfg->user, new_tid) != 0)
		return AIOT_ST_ERROR_UNSPECIFIED;
	return AIOT_ST_SUCCESS;
}

/* TID_UPDATE: the next T-ID from K_AIOT_root and the session's RANDs (FC AIOT_FC_TID),
 * persisted through cfg->tid_store first. AIOT_ST_SUCCESS, or AIOT_ST_ERROR_UNSPECIFIED if the
 * key cannot be loaded or the T-ID stored (the device then keeps its old T-ID). Callers wrap
 * it in a DEV_NOINLINE function of their own. */
DEV_INLINE uint8_t aiot_dev_next_tid(const aiot_device_cfg *cfg, const uint8_t rand_n[16],
                                     const uint8_t rand_d[16], uint8_t new_tid[AIOT_TID_LEN])
{
	uint8_t key[DEV_KEY_MAX];
	int key_len = aiot_dev_load_key(cfg, key);

	if (key_len < 0)
		return AIOT_ST_ERROR_UNSPECIFIED;
	aiot_derive_tid(DEV_BE, cfg->suite, key, (size_t)key_len, rand_n, rand_d, new_tid);
	aiot_zeroize(key, sizeof(key));
	return aiot_dev_store_tid(cfg, new_tid);
}

/* aiot_dev_next_tid on the card (cfg->cred): its failure is a key_load's. Callers dispatch
 * between the two, so that neither frame is on the other's path. */
DEV_INLINE uint8_t aiot_dev_cred_tid(const aiot_device_cfg *cfg, const uint8_t rand_n[16],
                                     const uint8_t rand_d[16], uint8_t new_tid[AIOT_TID_LEN])
{
	if (cfg->cred->next_tid(cfg->user, rand_n, rand_d, new_tid) != AIOT_OK)
		return AIOT_ST_ERROR_UNSPECIFIED;
	return aiot_dev_store_tid(cfg, new_tid);
}

#endif
