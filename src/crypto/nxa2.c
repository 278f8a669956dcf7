/* SPDX-License-Identifier: Apache-2.0 */
/*
 * 128-NIA2 / 128-NEA2 (TS 33.501 D.3.1.3 / D.3.2.3), i.e. 128-EIA2 / 128-EEA2 of
 * TS 33.401 Annex B.2.3 / B.2.2, on any backend.
 * be == NULL: the reference primitives, called directly (backend.h).
 * CT: only the public lengths, COUNT, BEARER and DIRECTION influence timing.
 */
#include <string.h>

#include "nxa2.h"
#include "cmac.h"
#include "ctr.h"
#include "ct.h"
#include "common/aiot_err.h"
#include "common/bytes.h"

/* COUNT (32) || BEARER (5) || DIRECTION (1) || 0^26: the 64-bit prefix shared by both. */
static void prefix(uint8_t p[8], uint32_t count, uint8_t bearer, uint8_t direction)
{
	aiot_put_be32(p, count);
	p[4] = (uint8_t)((bearer << 3) | (direction << 2));
	p[5] = p[6] = p[7] = 0;
}

/* A backend's CMAC into a temporary, keep the first 4 octets. Out of line: the device path
 * (be == NULL) needs no temporary and should not carry its frame. */
static __attribute__((noinline)) int nia2_be(const aiot_backend *be, const uint8_t key[16],
                                             const aiot_iov iov[2], size_t nbits, uint8_t mac[4])
{
	uint8_t t[16];
	int rc = be->aes_cmac(be->ctx, key, iov, 2, nbits, t);

	if (rc == AIOT_OK)
		memcpy(mac, t, 4);
	aiot_zeroize(t, sizeof(t));
	return rc;
}

/* TS 33.401 B.2.3: M = prefix || MESSAGE, Mlen = 64 + LENGTH; MAC = T[0..31] of CMAC. */
int aiot_nia2(const aiot_backend *be, const uint8_t key[16], uint32_t count, uint8_t bearer,
              uint8_t direction, const uint8_t *msg, size_t nbits, uint8_t mac[4])
{
	uint8_t m0[8];
	aiot_iov iov[2];

	if ((be != NULL && be->aes_cmac == NULL) || key == NULL || mac == NULL || bearer > 31 ||
	    direction > 1 || (nbits > 0 && msg == NULL) || nbits > SIZE_MAX - 64)
		return AIOT_ERR_INVAL;
	prefix(m0, count, bearer, direction);
	iov[0].p = m0;
	iov[0].len = sizeof(m0);
	iov[1].p = msg;
	iov[1].len = nbits / 8 + (nbits % 8 != 0);
	if (be != NULL)
		return nia2_be(be, key, iov, 64 + nbits, mac);
	/* the reference primitive, called directly (backend.h) */
	aiot_aes_cmac_part(key, iov, 2, 64 + nbits, mac, 0, 4);
	return AIOT_OK;
}

/* TS 33.401 B.2.2: AES-CTR with T1 = prefix || 0^64; trailing bits of the last byte = 0. */
int aiot_nea2(const aiot_backend *be, const uint8_t key[16], uint32_t count, uint8_t bearer,
              uint8_t direction, const uint8_t *in, size_t nbits, uint8_t *out)
{
	uint8_t t1[16] = {0};
	size_t len = nbits / 8 + (nbits % 8 != 0);
	int rc;

	if ((be != NULL && be->aes_ctr == NULL) || key == NULL || bearer > 31 || direction > 1 ||
	    (nbits > 0 && (in == NULL || out == NULL)))
		return AIOT_ERR_INVAL;
	prefix(t1, count, bearer, direction);
	if (be == NULL) {
		aiot_aes_ctr(key, t1, in, out, len);
		rc = AIOT_OK;
	} else {
		rc = be->aes_ctr(be->ctx, key, t1, in, out, len);
	}
	if (rc == AIOT_OK && nbits % 8 != 0)
		out[len - 1] &= (uint8_t)(0xFF00u >> (nbits % 8));
	return rc;
}
