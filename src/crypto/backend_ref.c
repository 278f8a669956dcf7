/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The freestanding reference backend: the portable, constant-time primitives of this
 * directory behind the aiot_backend interface (backend.h). Stateless: ctx is unused.
 *
 * AIOT_DEVICE_SUITES (backend.h) selects which suites' ops are filled in: without the 3gpp
 * suite hmac_sha256 is left NULL and the KDF's 3gpp branch answers AIOT_ERR_INVAL. The device
 * itself does not use this struct but the primitives directly (be == NULL, backend.h).
 */
#include "backend.h"
#include "cmac.h"
#include "ctr.h"
#include "hmac_sha256.h"
#include "common/aiot_err.h"

/* AIOT_OK and the total length if every element with len > 0 has a pointer. */
static int iov_check(const aiot_iov *iov, size_t niov, size_t *total)
{
	size_t t = 0;

	if (niov > 0 && iov == NULL)
		return AIOT_ERR_INVAL;
	for (size_t i = 0; i < niov; i++) {
		if (iov[i].len > 0 && iov[i].p == NULL)
			return AIOT_ERR_INVAL;
		if (iov[i].len > SIZE_MAX - t)
			return AIOT_ERR_INVAL;
		t += iov[i].len;
	}
	*total = t;
	return AIOT_OK;
}

#if AIOT_REF_3GPP
static int ref_hmac_sha256(void *ctx, const uint8_t *key, size_t key_len, const aiot_iov *iov,
                           size_t niov, uint8_t mac[32])
{
	size_t total;

	(void)ctx;
	if (key == NULL || key_len == 0 || mac == NULL || iov_check(iov, niov, &total) != AIOT_OK)
		return AIOT_ERR_INVAL;
	aiot_hmac_sha256(key, key_len, iov, niov, mac);
	return AIOT_OK;
}
#endif

static int ref_aes_cmac(void *ctx, const uint8_t key[16], const aiot_iov *iov, size_t niov,
                        size_t nbits, uint8_t mac[16])
{
	size_t total;

	(void)ctx;
	if (key == NULL || mac == NULL || iov_check(iov, niov, &total) != AIOT_OK)
		return AIOT_ERR_INVAL;
	if (nbits / 8 + (nbits % 8 != 0) > total) /* nbits <= 8 * total, without overflow */
		return AIOT_ERR_INVAL;
	aiot_aes_cmac(key, iov, niov, nbits, mac);
	return AIOT_OK;
}

static int ref_aes_ctr(void *ctx, const uint8_t key[16], const uint8_t ctr0[16], const uint8_t *in,
                       uint8_t *out, size_t len)
{
	(void)ctx;
	if (key == NULL || ctr0 == NULL || (len > 0 && (in == NULL || out == NULL)))
		return AIOT_ERR_INVAL;
	aiot_aes_ctr(key, ctr0, in, out, len);
	return AIOT_OK;
}

const aiot_backend aiot_backend_ref = {
    .name = "ref",
    .ctx = NULL,
#if AIOT_REF_3GPP
    .hmac_sha256 = ref_hmac_sha256,
#endif
    .aes_cmac = ref_aes_cmac,
    .aes_ctr = ref_aes_ctr,
};
