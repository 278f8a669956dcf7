/* SPDX-License-Identifier: Apache-2.0 */
/* Generic KDF (TS 33.220 Annex B.2) and the AIoT derivations (TS 33.369 Annex A as
 * provisionally defined in docs/protocol.md §2). Every constant comes from aiot_fc.h. */
#include "kdf.h"

#include <string.h>

#include "../common/aiot_err.h"
#include "../common/bytes.h"
#include "aiot_fc.h"
#include "cmac.h"
#include "ct.h"
#include "hmac_sha256.h"

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
	case AIOT_SUITE_3GPP:
		return "3gpp";
	case AIOT_SUITE_AES:
		return "aes";
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
		aiot_put_be16(&lens[2 * i], (uint16_t)params[i].len);
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

/* The suite's PRF over S given as a gather list of total bytes; returns the PRF's output
 * length (32 or 16) or AIOT_ERR_*. be == NULL: the reference primitives, called directly
 * (backend.h); otherwise only through the backend's function pointers, so an image whose
 * backend leaves an op NULL links no code of that suite. */
static inline __attribute__((always_inline)) int prf_iov(const aiot_backend *be, aiot_suite s,
                                                         const uint8_t *key, size_t key_len,
                                                         const aiot_iov *iov, size_t n,
                                                         size_t total, uint8_t *out)
{
	int rc;

	if (s == AIOT_SUITE_3GPP) {
#if AIOT_REF_3GPP
		if (be == NULL) {
			aiot_hmac_sha256(key, key_len, iov, n, out);
			return 32;
		}
		if (be->hmac_sha256 == NULL)
			return AIOT_ERR_INVAL;
		rc = be->hmac_sha256(be->ctx, key, key_len, iov, n, out);
		return rc == AIOT_OK ? 32 : rc;
#else
		(void)key_len;
		return AIOT_ERR_INVAL; /* an image built without the 3gpp suite (backend.h) */
#endif
	}
	if (be == NULL) {
		aiot_aes_cmac(key, iov, n, 8 * total, out);
		return 16;
	}
	if (be->aes_cmac == NULL)
		return AIOT_ERR_INVAL;
	rc = be->aes_cmac(be->ctx, key, iov, n, 8 * total, out);
	return rc == AIOT_OK ? 16 : rc;
}

int aiot_kdf(const aiot_backend *be, const uint8_t *key, size_t key_len, uint8_t fc,
             const aiot_kdf_param *params, size_t np, uint8_t out[32])
{
	uint8_t fc_byte, lens[2 * AIOT_KDF_MAX_PARAMS];
	aiot_iov iov[1 + 2 * AIOT_KDF_MAX_PARAMS];
	size_t total;

	if (key == NULL || key_len == 0 || out == NULL)
		return AIOT_ERR_INVAL;
	int rc = check_params(params, np);
	if (rc != AIOT_OK)
		return rc;
	size_t n = build_s(&fc_byte, fc, params, np, lens, iov, &total);
	rc = prf_iov(be, AIOT_SUITE_3GPP, key, key_len, iov, n, total, out);
	return rc < 0 ? rc : AIOT_OK;
}

int aiot_suite_prf(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
                   uint8_t fc, const aiot_kdf_param *params, size_t np, uint8_t out[32])
{
	uint8_t fc_byte, lens[2 * AIOT_KDF_MAX_PARAMS];
	aiot_iov iov[1 + 2 * AIOT_KDF_MAX_PARAMS];
	size_t total;
	int rc;

	if (key == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	if ((rc = aiot_suite_check_key(s, key_len)) != AIOT_OK)
		return rc;
	if ((rc = check_params(params, np)) != AIOT_OK)
		return rc;
	size_t n = build_s(&fc_byte, fc, params, np, lens, iov, &total);
	return prf_iov(be, s, key, key_len, iov, n, total, out);
}

/* S of an aiot_kdf2 as a gather list over its parameters (nothing copied), and its length. */
#define KDF2_IOV(k)                                                                                \
	{                                                                                          \
		{(k)->s, 1}, {(k)->p0, (k)->s[2]}, {(k)->s + 1, 2}, {(k)->p1, (k)->s[4]},          \
		    {(k)->s + 3, 2},                                                               \
	}
#define KDF2_LEN(k) (5u + (k)->s[2] + (k)->s[4])

/* The PRF into a temporary, keep the last out_len bytes: backends, and HMAC-SHA-256's 32
 * bytes. Out of line, so that the device's AES-CMAC path carries no temporary. */
static __attribute__((noinline)) int prf_tail(const aiot_backend *be, aiot_suite s,
                                              const aiot_kdf2 *k, const aiot_iov iov[5],
                                              size_t total)
{
	uint8_t prf[32];
	int n;

	if (be == NULL && s != AIOT_SUITE_3GPP) /* AES-CMAC without a backend: aiot_prf2() */
		return AIOT_ERR_INVAL;
	n = prf_iov(be, s, k->key, k->key_len, iov, 5, total, prf);

	if (n >= 0 && (size_t)n >= k->out_len)
		memcpy(k->out, prf + (size_t)n - k->out_len, k->out_len);
	else if (n >= 0)
		n = AIOT_ERR_INVAL;
	aiot_zeroize(prf, sizeof prf);
	return n < 0 ? n : AIOT_OK;
}

/*
 * PRF(KEY, FC || P0 || L0 || P1 || L1), keep the last out_len bytes. The same S as
 * aiot_suite_prf() but with a 5-entry gather list instead of the 17-entry one and the
 * arguments in one struct: this is the device's deepest call path (kdf.h).
 */
int aiot_prf2(const aiot_backend *be, aiot_suite s, const aiot_kdf2 *k)
{
	const aiot_iov iov[5] = KDF2_IOV(k);
	size_t total = KDF2_LEN(k);
	int rc;

	if (k->key == NULL || k->p0 == NULL || k->p1 == NULL || k->out == NULL)
		return AIOT_ERR_INVAL;
	if ((rc = aiot_suite_check_key(s, k->key_len)) != AIOT_OK)
		return rc;
	if (be == NULL && s == AIOT_SUITE_AES && k->out_len <= 16) {
		/* the reference AES-CMAC writes the last out_len bytes itself */
		aiot_aes_cmac_part(k->key, iov, 5, 8 * total, k->out, 16u - (unsigned)k->out_len,
		                   (unsigned)k->out_len);
		return AIOT_OK;
	}
	return prf_tail(be, s, k, iov, total);
}

/* PRF(KEY, FC || RAND_n || L || RAND_d || L || ID || len(ID)) with a 7-entry gather list over
 * the caller's parameters, as aiot_prf2() does for two: the reference AES-CMAC writes the last
 * out_len bytes itself; HMAC and the backends go through a temporary. A device verifies MAC_N
 * and computes RES_D on its deepest call path. */
int aiot_derive_doa(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
                    uint8_t fc, const uint8_t rand_n[16], const uint8_t rand_d[16],
                    const uint8_t *id, size_t id_len, uint8_t *out, size_t out_len)
{
	const uint8_t hdr[5] = {fc, 0, AIOT_RAND_LEN, 0, AIOT_RAND_LEN};
	const uint8_t l2[2] = {(uint8_t)(id_len >> 8), (uint8_t)id_len};
	const aiot_iov iov[7] = {{hdr, 1},     {rand_n, AIOT_RAND_LEN},
	                         {hdr + 1, 2}, {rand_d, AIOT_RAND_LEN},
	                         {hdr + 3, 2}, {id, id_len},
	                         {l2, 2}};
	size_t total = 5 + 2 * AIOT_RAND_LEN + id_len + 2;
	uint8_t prf[32];
	int n;

	if (key == NULL || rand_n == NULL || rand_d == NULL || id == NULL || id_len == 0 ||
	    id_len > AIOT_DOA_ID_MAX || out == NULL || out_len == 0 || out_len > 16)
		return AIOT_ERR_INVAL;
	if ((n = aiot_suite_check_key(s, key_len)) != AIOT_OK)
		return n;
	if (be == NULL && s == AIOT_SUITE_AES) {
		aiot_aes_cmac_part(key, iov, 7, 8 * total, out, 16u - (unsigned)out_len,
		                   (unsigned)out_len);
		return AIOT_OK;
	}
	n = prf_iov(be, s, key, key_len, iov, 7, total, prf);
	if (n >= 0 && (size_t)n >= out_len)
		memcpy(out, prf + (size_t)n - out_len, out_len);
	else if (n >= 0)
		n = AIOT_ERR_INVAL;
	aiot_zeroize(prf, sizeof prf);
	return n < 0 ? n : AIOT_OK;
}

int aiot_prf_key_init(const aiot_backend *be, aiot_suite s, const uint8_t *key, size_t key_len,
                      aiot_prf_key *pk)
{
	int rc;
	if (key == NULL || pk == NULL)
		return AIOT_ERR_INVAL;
	if ((rc = aiot_suite_check_key(s, key_len)) != AIOT_OK)
		return rc;
	memset(pk, 0, sizeof *pk);
	pk->suite = s;
	pk->key_len = (uint8_t)key_len;
	memcpy(pk->key, key, key_len);
	if (s == AIOT_SUITE_3GPP && be != NULL && be->hmac_prepare != NULL &&
	    be->hmac_prepared != NULL) {
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
	if (pk == NULL || !pk->prepared || be == NULL)
		return pk == NULL ? AIOT_ERR_INVAL
		                  : aiot_derive_res(be, pk->suite, pk->key, pk->key_len, rand_n,
		                                    rand_d, bits, res);
	if (!AIOT_RES_BITS_VALID(bits) || rand_n == NULL || rand_d == NULL || res == NULL)
		return AIOT_ERR_INVAL;
	/* The same S as aiot_derive_res() (kdf.h). */
	uint8_t mac[32];
	aiot_kdf2 k;
	aiot_kdf2_rands(&k, AIOT_FC_RES, pk->key, pk->key_len, rand_n, rand_d, res, bits / 8);
	const aiot_iov iov[5] = KDF2_IOV(&k);
	int rc = be->hmac_prepared(be->ctx, pk->st, iov, 5, mac);
	if (rc == AIOT_OK)
		memcpy(res, mac + 32 - bits / 8, bits / 8);
	aiot_zeroize(mac, sizeof mac);
	return rc;
}
