/* SPDX-License-Identifier: Apache-2.0 */
/* The network side of a DO-A exchange, for tests (doa_net.h). */
#include "doa_net.h"

#include <string.h>

#include "common/aiot_err.h"
#include "crypto/aiot_fc.h"
#include "crypto/ct.h"
#include "nas/nas_doa.h"
#include "nas/nas_security.h"

int doa_net_m1_id(const uint8_t *m1, size_t len, uint8_t *id_type, uint8_t *id, uint8_t *id_len)
{
	aiot_nas_doa_reg_request r;
	int rc = aiot_nas_decode_doa_reg_request(m1, len, &r);
	if (rc != AIOT_OK)
		return rc;
	*id_type = (uint8_t)r.id_type;
	memcpy(id, r.id, r.id_len);
	*id_len = r.id_len;
	return AIOT_OK;
}

int doa_net_m2(const aiot_backend *be, doa_net_dev *d, const uint8_t *m1, size_t len,
               const uint8_t rand_n[16], uint8_t *out)
{
	aiot_nas_doa_reg_request r;
	aiot_nas_doa_auth_request m2;
	int rc = aiot_nas_decode_doa_reg_request(m1, len, &r);
	if (rc != AIOT_OK)
		return rc;
	aiot_zeroize(d->k_int, sizeof d->k_int);
	aiot_zeroize(d->k_enc, sizeof d->k_enc);
	d->keyed = 0;
	d->ul_next = 0;
	memcpy(d->rand_d, r.rand_d, 16);
	memcpy(d->rand_n, rand_n, 16);
	memcpy(d->id, r.id, r.id_len);
	d->id_len = r.id_len;
	memcpy(m2.rand_tag, d->rand_d, AIOT_NAS_RAND_TAG_LEN);
	memcpy(m2.rand_n, d->rand_n, 16);
	rc = aiot_derive_macn(be, d->suite, d->key, d->key_len, d->rand_n, d->rand_d, d->id,
	                      d->id_len, m2.mac_n);
	if (rc != AIOT_OK)
		return rc;
	return aiot_nas_encode_doa_auth_request(&m2, out, AIOT_NAS_DOA_M2_LEN);
}

static int keys(const aiot_backend *be, doa_net_dev *d)
{
	uint8_t k_aiotf[16];
	int rc =
	    aiot_derive_kaiotf(be, d->suite, d->key, d->key_len, d->rand_n, d->rand_d, k_aiotf);
	if (rc == AIOT_OK)
		rc = aiot_derive_algkey(be, d->suite, k_aiotf, AIOT_ALG_TYPE_INT, AIOT_ALG_ID_NIA2,
		                        d->k_int);
	if (rc == AIOT_OK)
		rc = aiot_derive_algkey(be, d->suite, k_aiotf, AIOT_ALG_TYPE_ENC, AIOT_ALG_ID_NEA2,
		                        d->k_enc);
	aiot_zeroize(k_aiotf, sizeof k_aiotf);
	return rc;
}

int doa_net_m3(const aiot_backend *be, doa_net_dev *d, uint8_t *m3, size_t len,
               const uint8_t **data, size_t *data_len)
{
	aiot_nas_doa_auth_response r;
	uint8_t xres[16];
	int rc = aiot_nas_decode_doa_auth_response(m3, len, &r);
	if (rc != AIOT_OK)
		return rc;
	rc = aiot_derive_resd(be, d->suite, d->key, d->key_len, d->rand_n, d->rand_d, d->id,
	                      d->id_len, d->res_bits, xres);
	if (rc != AIOT_OK)
		return rc;
	if (r.res_len != d->res_bits / 8 || !aiot_ct_eq(r.res_d, xres, r.res_len))
		return AIOT_ERR_MAC;
	if ((rc = keys(be, d)) != AIOT_OK)
		return rc;
	d->keyed = 1;
	*data = NULL;
	*data_len = 0;
	if (r.data == NULL)
		return AIOT_OK;
	return doa_net_uplink(be, d, m3 + (r.data - m3), r.data_len, data, data_len);
}

int doa_net_m4(const aiot_backend *be, const doa_net_dev *d, uint8_t *out, size_t cap)
{
	uint8_t accept = 0;
	if (!d->keyed)
		return AIOT_ERR_STATE;
	return aiot_nas_protect(be, d->k_int, d->k_enc, AIOT_NAS_DOA_REG_ACCEPT, 0,
	                        AIOT_DIR_DOWNLINK, &accept, 1, out, cap);
}

int doa_net_uplink(const aiot_backend *be, doa_net_dev *d, uint8_t *pdu, size_t len,
                   const uint8_t **data, size_t *data_len)
{
	aiot_nas_protected p;
	if (!d->keyed)
		return AIOT_ERR_STATE;
	int rc = aiot_nas_unprotect(be, d->k_int, d->k_enc, AIOT_DIR_UPLINK, pdu, len, &p);
	if (rc != AIOT_OK)
		return rc;
	if (p.type != AIOT_NAS_UPLINK_DATA)
		return AIOT_ERR_UNKNOWN;
	if (p.count < d->ul_next)
		return AIOT_ERR_REPLAY;
	d->ul_next = p.count + 1;
	*data = p.payload;
	*data_len = p.payload_len;
	return AIOT_OK;
}

void doa_net_clear(doa_net_dev *d)
{
	aiot_zeroize(d, sizeof *d);
}
