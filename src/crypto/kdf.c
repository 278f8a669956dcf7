/* SPDX-License-Identifier: Apache-2.0 */
/* Generic KDF (TS 33.220 Annex B.2) and the AIoT derivations (TS 33.369 Annex A as
 * provisionally defined in DESIGN.md §2). Every constant comes from aiot_fc.h. */
#include "kdf.h"

#include <string.h>

#include "../common/aiot_err.h"
#include "aiot_fc.h"
#include "ct.h"

int aiot_suite_from_name(const char *name, aiot_suite *out)
{
	if (name == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	if (strcmp(name, "3gpp") == 0)
		*out = AIOT_SUITE_3GPP;
	else if (strcmp(name, "aes") == 0)
		*out = AIOT_SUITE_AES;
	else
		return AIOT_ERR_INVAL;
	return AIOT_OK;
}

const char *aiot_suite_name(aiot_suite s)
{
	switch (s) {
	case AIOT_SUITE_3GPP: return "3gpp";
	case AIOT_SUITE_AES: return "aes";
	}
	return "?";
}

int aiot_suite_check_key(aiot_suite s, size_t key_len)
{
	switch (s) {
	case AIOT_SUITE_3GPP: /* HMAC takes any key; K_AIOT_root is 128 or 256 bits */
		return (key_len == 16 || key_len == 32) ? AIOT_OK : AIOT_ERR_KEYLEN;
	case AIOT_SUITE_AES: /* AES-128-CMAC needs exactly 128 bits */
		return key_len == 16 ? AIOT_OK : AIOT_ERR_KEYLEN;
	}
	return AIOT_ERR_INVAL;
}

/* S = FC || P0 || L0 || ... || Pn || Ln as a gather list over the caller's parameters:
 * nothing is copied. iov needs 1 + 2 * np entries, lens 2 * np bytes. */
static size_t build_s(uint8_t *fc_byte, uint8_t fc, const aiot_kdf_param *params, size_t np,
		      uint8_t *lens, aiot_iov *iov, size_t *total)
{
	size_t n = 0;
	*fc_byte = fc;
	iov[n++] = (aiot_iov){fc_byte, 1};
	*total = 1;
	for (size_t i = 0; i < np; i++) {
		lens[2 * i] = (uint8_t)(params[i].len >> 8);
		lens[2 * i + 1] = (uint8_t)params[i].len;
		iov[n++] = (aiot_iov){params[i].p, params[i].len};
		iov[n++] = (aiot_iov){&lens[2 * i], 2};
		*total += (size_t)params[i].len + 2;
	}
	return n;
}

static int check_params(const aiot_kdf_param *params, size_t np)
{
	if (np > AIOT_KDF_MAX_PARAMS || (np > 0 && params == NULL))
		return AIOT_ERR_INVAL;
	for (size_t i = 0; i < np; i++)
		if (params[i].len > 0 && params[i].p == NULL)
			return AIOT_ERR_INVAL;
	return AIOT_OK;
}

int aiot_kdf(const aiot_backend *be, const uint8_t *key, size_t key_len, uint8_t fc,
	     const aiot_kdf_param *params, size_t np, uint8_t out[32])
{
	uint8_t fc_byte, lens[2 * AIOT_KDF_MAX_PARAMS];
	aiot_iov iov[1 + 2 * AIOT_KDF_MAX_PARAMS];
	size_t total;

	if (be == NULL || be->hmac_sha256 == NULL || key == NULL || key_len == 0 || out == NULL)
		return AIOT_ERR_INVAL;
	int rc = check_params(params, np);
	if (rc != AIOT_OK)
		return rc;
	size_t n = build_s(&fc_byte, fc, params, np, lens, iov, &total);
	return be->hmac_sha256(be->ctx, key, key_len, iov, n, out);
}

/* The suite's PRF over S given as a gather list of total bytes. Calls the backend only
 * through its function pointers, so an image whose backend leaves hmac_sha256 (or the AES
 * ops) NULL links no code of that suite (backend.h, AIOT_DEVICE_SUITES in backend_ref.c). */
static int prf_iov(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
		   const aiot_iov *iov, size_t n, size_t total, uint8_t out[32])
{
	int rc;

	if (s == AIOT_SUITE_3GPP) {
		if (be->hmac_sha256 == NULL)
			return AIOT_ERR_INVAL;
		rc = be->hmac_sha256(be->ctx, key, key_len, iov, n, out);
		return rc == AIOT_OK ? 32 : rc;
	}
	if (be->aes_cmac == NULL)
		return AIOT_ERR_INVAL;
	rc = be->aes_cmac(be->ctx, key, iov, n, 8 * total, out);
	return rc == AIOT_OK ? 16 : rc;
}

int aiot_suite_prf(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
		   uint8_t fc, const aiot_kdf_param *params, size_t np, uint8_t out[32])
{
	uint8_t fc_byte, lens[2 * AIOT_KDF_MAX_PARAMS];
	aiot_iov iov[1 + 2 * AIOT_KDF_MAX_PARAMS];
	size_t total;
	int rc;

	if (be == NULL || key == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	if ((rc = aiot_suite_check_key(s, key_len)) != AIOT_OK)
		return rc;
	if ((rc = check_params(params, np)) != AIOT_OK)
		return rc;
	size_t n = build_s(&fc_byte, fc, params, np, lens, iov, &total);
	return prf_iov(be, s, key, key_len, iov, n, total, out);
}

/* One two-parameter derivation: every derivation of Annex A has two parameters. */
typedef struct kdf2 {
	const uint8_t *key, *p0, *p1;
	uint8_t *out;
	size_t key_len, out_len;
	uint8_t s[5]; /* FC, L0 (2), L1 (2) */
} kdf2;

/*
 * PRF(KEY, FC || P0 || L0 || P1 || L1), keep the last out_len bytes. The same S as
 * aiot_suite_prf() but with a 5-entry gather list instead of the 17-entry one, and the
 * arguments in one struct: this is the device's deepest call path.
 */
static int prf2(const aiot_backend *be, aiot_suite s, const kdf2 *k)
{
	uint8_t prf[32];
	const aiot_iov iov[5] = {
		{k->s, 1}, {k->p0, k->s[2]}, {k->s + 1, 2}, {k->p1, k->s[4]}, {k->s + 3, 2},
	};
	int n;

	if (be == NULL || k->key == NULL || k->p0 == NULL || k->p1 == NULL || k->out == NULL)
		return AIOT_ERR_INVAL;
	if ((n = aiot_suite_check_key(s, k->key_len)) != AIOT_OK)
		return n;
	n = prf_iov(be, s, k->key, k->key_len, iov, 5, 5u + k->s[2] + k->s[4], prf);
	if (n >= 0 && (size_t)n >= k->out_len)
		memcpy(k->out, prf + (size_t)n - k->out_len, k->out_len);
	else if (n >= 0)
		n = AIOT_ERR_INVAL;
	aiot_zeroize(prf, sizeof prf);
	return n < 0 ? n : AIOT_OK;
}

/* PRF(KEY, FC || RAND_n || 0x0010 || RAND_d || 0x0010), keep the last out_len bytes. */
static int derive_rands(const aiot_backend *be, aiot_suite s, const uint8_t *key,
			size_t key_len, uint8_t fc, const uint8_t rand_n[16],
			const uint8_t rand_d[16], uint8_t *out, size_t out_len)
{
	const kdf2 k = {key, rand_n, rand_d, out, key_len, out_len,
			{fc, 0, AIOT_RAND_LEN, 0, AIOT_RAND_LEN}};

	return prf2(be, s, &k);
}

int aiot_derive_res(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
		    const uint8_t rand_n[16], const uint8_t rand_d[16], unsigned bits,
		    uint8_t *res)
{
	if (!AIOT_RES_BITS_VALID(bits))
		return AIOT_ERR_INVAL;
	return derive_rands(be, s, key, key_len, AIOT_FC_RES, rand_n, rand_d, res, bits / 8);
}

int aiot_derive_kaiotf(const aiot_backend *be, aiot_suite s, const uint8_t *key,
		       size_t key_len, const uint8_t rand_n[16], const uint8_t rand_d[16],
		       uint8_t k_aiotf[16])
{
	return derive_rands(be, s, key, key_len, AIOT_FC_KAIOTF, rand_n, rand_d, k_aiotf,
			    AIOT_KAIOTF_LEN);
}

int aiot_derive_tid(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
		    const uint8_t rand_n[16], const uint8_t rand_d[16], uint8_t tid[16])
{
	return derive_rands(be, s, key, key_len, AIOT_FC_TID, rand_n, rand_d, tid, AIOT_TID_LEN);
}

int aiot_derive_algkey(const aiot_backend *be, aiot_suite s, const uint8_t k_aiotf[16],
		       uint8_t alg_type, uint8_t alg_id, uint8_t out[16])
{
	if (alg_type != AIOT_ALG_TYPE_ENC && alg_type != AIOT_ALG_TYPE_INT)
		return AIOT_ERR_INVAL;
	const kdf2 k = {k_aiotf, &alg_type, &alg_id, out, AIOT_KAIOTF_LEN, AIOT_ALGKEY_LEN,
			{AIOT_FC_ALGKEY, 0, 1, 0, 1}};

	return prf2(be, s, &k);
}

int aiot_prf_key_init(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
		      aiot_prf_key *pk)
{
	int rc;
	if (be == NULL || key == NULL || pk == NULL)
		return AIOT_ERR_INVAL;
	if ((rc = aiot_suite_check_key(s, key_len)) != AIOT_OK)
		return rc;
	memset(pk, 0, sizeof *pk);
	pk->suite = s;
	pk->key_len = (uint8_t)key_len;
	memcpy(pk->key, key, key_len);
	if (s == AIOT_SUITE_3GPP && be->hmac_prepare != NULL && be->hmac_prepared != NULL) {
		if ((rc = be->hmac_prepare(be->ctx, key, key_len, pk->st)) != AIOT_OK) {
			aiot_prf_key_clear(pk);
			return rc;
		}
		pk->prepared = 1;
	}
	return AIOT_OK;
}

void aiot_prf_key_clear(aiot_prf_key *pk)
{
	aiot_zeroize(pk, sizeof *pk);
}

int aiot_derive_res_k(const aiot_backend *be, const aiot_prf_key *pk, const uint8_t rand_n[16],
		      const uint8_t rand_d[16], unsigned bits, uint8_t *res)
{
	if (pk == NULL || !pk->prepared)
		return pk == NULL ? AIOT_ERR_INVAL
				  : aiot_derive_res(be, pk->suite, pk->key, pk->key_len, rand_n,
						    rand_d, bits, res);
	if (!AIOT_RES_BITS_VALID(bits) || rand_n == NULL || rand_d == NULL || res == NULL)
		return AIOT_ERR_INVAL;
	/* The same S as derive_rands(): FC || RAND_n || 0x0010 || RAND_d || 0x0010. */
	uint8_t fc_byte, lens[4], mac[32];
	const aiot_kdf_param p[2] = {{rand_n, AIOT_RAND_LEN}, {rand_d, AIOT_RAND_LEN}};
	aiot_iov iov[5];
	size_t total;
	size_t n = build_s(&fc_byte, AIOT_FC_RES, p, 2, lens, iov, &total);
	int rc = be->hmac_prepared(be->ctx, pk->st, iov, n, mac);
	if (rc == AIOT_OK)
		memcpy(res, mac + 32 - bits / 8, bits / 8);
	aiot_zeroize(mac, sizeof mac);
	return rc;
}
