/* SPDX-License-Identifier: Apache-2.0 */
/* The subscriber's two encodings (udm_sub.h): store record and provisioning line. */
#include <stdio.h>
#include <string.h>

#include "udm_sub.h"
#include "common/aiot_err.h"
#include "common/hex.h"
#include "crypto/ct.h"
#include "crypto/milenage.h"
#include "sbi/sbi_json.h"

char *udm_sub_meta(const udm_sub *s)
{
	char sqn[13], amf[5];
	aiot_hex_encode(s->sqn, 6, sqn);
	aiot_hex_encode(s->amf, 2, amf);
	cJSON *o = cJSON_CreateObject();
	char *txt = NULL;
	if (o != NULL && sbi_json_put(o, "sqn", cJSON_CreateString(sqn)) == 0 &&
	    sbi_json_put(o, "amf", cJSON_CreateString(amf)) == 0 &&
	    sbi_json_put(o, "akmaInd", cJSON_CreateBool(s->akma)) == 0 &&
	    sbi_json_put(o, "routingId", cJSON_CreateString(s->rid)) == 0)
		txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}

/* The public members, shared by both encodings; defaults when absent. */
static int public_fields(udm_sub *s, const cJSON *o, sbi_err *e)
{
	static const uint8_t amf_default[2] = {0x80, 0x00};
	memset(s->sqn, 0, sizeof s->sqn);
	memcpy(s->amf, amf_default, 2);
	s->akma = 0;
	snprintf(s->rid, sizeof s->rid, "0");
	if (sbi_json_hex(o, "sqn", 0, s->sqn, 6, e) < 0 ||
	    sbi_json_hex(o, "amf", 0, s->amf, 2, e) < 0 ||
	    sbi_json_bool(o, "akmaInd", 0, &s->akma, e) < 0)
		return -1;
	const cJSON *rid = cJSON_GetObjectItemCaseSensitive(o, "routingId");
	if (rid != NULL) {
		if (!cJSON_IsString(rid) || !ueau_rid_valid(rid->valuestring)) {
			snprintf(e->text, sizeof e->text, "routingId: expected 1 to 4 digits");
			return -1;
		}
		snprintf(s->rid, sizeof s->rid, "%s", rid->valuestring);
	}
	return 0;
}

int udm_sub_load(udm_sub *s, const char *supi, const char *meta, const uint8_t *secret,
                 size_t secret_len, char *err, size_t errlen)
{
	sbi_err e = {0};
	int rc = AIOT_ERR_MALFORMED;
	cJSON *o = NULL;
	memset(s, 0, sizeof *s);
	if (!ueau_supi_valid(supi) || secret_len != UDM_SECRET_LEN) {
		snprintf(err, errlen, "%s: not a subscriber record", supi);
		return rc;
	}
	snprintf(s->supi, sizeof s->supi, "%s", supi);
	if (meta == NULL ||
	    (o = sbi_json_parse_object((const uint8_t *)meta, strlen(meta), &e)) == NULL ||
	    public_fields(s, o, &e) != 0) {
		snprintf(err, errlen, "%s: %s", supi, e.text);
		goto out;
	}
	memcpy(s->k, secret, 16);
	memcpy(s->opc, secret + 16, 16);
	rc = AIOT_OK;
out:
	cJSON_Delete(o);
	return rc;
}

void udm_sub_secret(const udm_sub *s, uint8_t out[UDM_SECRET_LEN])
{
	memcpy(out, s->k, 16);
	memcpy(out + 16, s->opc, 16);
}

int udm_sub_from_line(udm_sub *s, const char *line, size_t len, char *err, size_t errlen)
{
	sbi_err e = {0};
	uint8_t op[16];
	int rc = AIOT_ERR_MALFORMED, has_opc, has_op;
	memset(s, 0, sizeof *s);
	cJSON *o = sbi_json_parse_object((const uint8_t *)line, len, &e);
	const cJSON *supi = cJSON_GetObjectItemCaseSensitive(o, "supi");
	if (o == NULL)
		goto fail;
	if (!cJSON_IsString(supi) || !ueau_supi_valid(supi->valuestring)) {
		snprintf(e.text, sizeof e.text, "supi: expected imsi- and 5 to 15 digits");
		goto fail;
	}
	snprintf(s->supi, sizeof s->supi, "%s", supi->valuestring);
	if (sbi_json_hex(o, "k", 1, s->k, 16, &e) < 0 ||
	    (has_opc = sbi_json_hex(o, "opc", 0, s->opc, 16, &e)) < 0 ||
	    (has_op = sbi_json_hex(o, "op", 0, op, 16, &e)) < 0 || public_fields(s, o, &e) != 0)
		goto fail;
	if (has_opc == has_op) {
		snprintf(e.text, sizeof e.text, "exactly one of opc and op");
		goto fail;
	}
	if (has_op)
		aiot_milenage_opc(s->k, op, s->opc); /* TS 35.206 4.1: OPc = E_K(OP) xor OP */
	rc = AIOT_OK;
fail:
	if (rc != AIOT_OK) {
		snprintf(err, errlen, "%s", e.text);
		aiot_zeroize(s, sizeof *s);
	}
	aiot_zeroize(op, sizeof op);
	sbi_json_wipe(o);
	return rc;
}
