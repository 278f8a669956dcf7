/* SPDX-License-Identifier: Apache-2.0 */
/* Nudm_UEAU generate-auth-data, both sides (ueau.h). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ueau.h"
#include "crypto/ct.h"
#include "svc/nf_id.h"

static int digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

int ueau_supi_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 10 && n <= UEAU_SUPI_MAX && strncmp(s, "imsi-", 5) == 0 && digits(s + 5, n - 5);
}

int ueau_rid_valid(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	return n >= 1 && n <= 4 && digits(s, n);
}

int ueau_snn_valid(const char *s)
{
	/* "5G:mnc" 3 ".mcc" 3 ".3gppnetwork.org" [":" 11 upper hex] */
	size_t n = s ? strlen(s) : 0;
	if ((n != 32 && n != 44) || strncmp(s, "5G:mnc", 6) != 0 || !digits(s + 6, 3) ||
	    strncmp(s + 9, ".mcc", 4) != 0 || !digits(s + 13, 3) ||
	    strncmp(s + 16, ".3gppnetwork.org", 16) != 0)
		return 0;
	if (n == 32)
		return 1;
	if (s[32] != ':')
		return 0;
	for (size_t i = 33; i < n; i++)
		if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'A' && s[i] <= 'F'))
			return 0;
	return 1;
}

static int fail(sbi_err *e, int status, const char *cause, const char *text)
{
	e->status = status;
	e->cause = cause;
	snprintf(e->text, sizeof e->text, "%s", text);
	return -1;
}

/* suci-0-<MCC>-<MNC>-<routing indicator>-<scheme>-<key id>-<scheme output> (TS 23.003 2.2B) */
static int suci_to_supi(const char *id, char supi[UEAU_SUPI_MAX + 1], sbi_err *e)
{
	char f[8][24];
	size_t nf = 0;
	const char *p = id;
	while (nf < 8) {
		size_t l = strcspn(p, "-");
		if (l >= sizeof f[0])
			return fail(e, 400, "MANDATORY_IE_INCORRECT", "supiOrSuci: malformed SUCI");
		memcpy(f[nf], p, l);
		f[nf++][l] = '\0';
		if (p[l] == '\0')
			break;
		p += l + 1;
	}
	if (nf != 8 || strlen(f[2]) != 3 || !digits(f[2], 3) || strlen(f[3]) < 2 ||
	    strlen(f[3]) > 3 || !digits(f[3], strlen(f[3])) || !ueau_rid_valid(f[4]))
		return fail(e, 400, "MANDATORY_IE_INCORRECT", "supiOrSuci: malformed SUCI");
	if (strcmp(f[1], "0") != 0)
		return fail(e, 404, "USER_NOT_FOUND",
		            "supiOrSuci: only IMSI-based SUCIs are served");
	if (strcmp(f[5], "0") != 0)
		return fail(e, 501, "UNSUPPORTED_PROTECTION_SCHEME",
		            "supiOrSuci: only the null protection scheme is supported");
	size_t msin = strlen(f[7]);
	if (strcmp(f[6], "0") != 0 || msin == 0 || !digits(f[7], msin) ||
	    snprintf(supi, UEAU_SUPI_MAX + 1, "imsi-%s%s%s", f[2], f[3], f[7]) > UEAU_SUPI_MAX ||
	    !ueau_supi_valid(supi))
		return fail(e, 400, "MANDATORY_IE_INCORRECT",
		            "supiOrSuci: malformed null-scheme SUCI");
	return 0;
}

int ueau_supi_from(const char *id, char supi[UEAU_SUPI_MAX + 1], sbi_err *e)
{
	if (ueau_supi_valid(id)) {
		snprintf(supi, UEAU_SUPI_MAX + 1, "%s", id);
		return 0;
	}
	if (strncmp(id, "suci-", 5) == 0)
		return suci_to_supi(id, supi, e);
	if (strncmp(id, "imsi-", 5) == 0 || id[0] == '\0')
		return fail(e, 400, "MANDATORY_IE_INCORRECT", "supiOrSuci: malformed SUPI");
	return fail(e, 404, "USER_NOT_FOUND", "supiOrSuci: only IMSI SUPIs are served");
}

int ueau_get_snn_resync(const cJSON *o, char snn[UEAU_SNN_MAX + 1], ueau_resync *r, sbi_err *e)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "servingNetworkName");
	if (s == NULL)
		return fail(e, 400, "MANDATORY_IE_MISSING", "servingNetworkName: missing");
	if (!cJSON_IsString(s) || !ueau_snn_valid(s->valuestring))
		return fail(e, 400, "MANDATORY_IE_INCORRECT",
		            "servingNetworkName: expected 5G:mncXXX.mccXXX.3gppnetwork.org");
	snprintf(snn, UEAU_SNN_MAX + 1, "%s", s->valuestring);
	memset(r, 0, sizeof *r);
	const cJSON *ri = cJSON_GetObjectItemCaseSensitive(o, "resynchronizationInfo");
	if (ri == NULL)
		return 0;
	if (!cJSON_IsObject(ri))
		return fail(e, 400, "OPTIONAL_IE_INCORRECT",
		            "resynchronizationInfo: not an object");
	if (sbi_json_hex(ri, "rand", 1, r->rand, 16, e) < 0 ||
	    sbi_json_hex(ri, "auts", 1, r->auts, 14, e) < 0)
		return -1;
	r->present = 1;
	return 0;
}

int ueau_request_parse(const char *seg, size_t seg_len, const uint8_t *body, size_t len,
                       ueau_request *r, sbi_err *e)
{
	char id[256];
	int rc = -1;
	memset(r, 0, sizeof *r);
	if (sbi_pct_decode(seg, seg_len, id, sizeof id) < 0)
		return fail(e, 400, "MANDATORY_IE_INCORRECT", "supiOrSuci: bad percent-encoding");
	cJSON *o = sbi_json_parse_object(body, len, e);
	if (o == NULL || ueau_get_snn_resync(o, r->snn, &r->resync, e) != 0)
		goto out;
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(o, "ausfInstanceId");
	if (a == NULL) {
		fail(e, 400, "MANDATORY_IE_MISSING", "ausfInstanceId: missing");
		goto out;
	}
	if (!cJSON_IsString(a) || !aiot_uuid_valid(a->valuestring)) {
		fail(e, 400, "MANDATORY_IE_INCORRECT", "ausfInstanceId: expected a UUID");
		goto out;
	}
	snprintf(r->ausf_id, sizeof r->ausf_id, "%s", a->valuestring);
	rc = ueau_supi_from(id, r->supi, e); /* last: a 404 only for a well-formed request */
out:
	cJSON_Delete(o);
	return rc;
}

static cJSON *resync_item(const ueau_resync *r)
{
	cJSON *o = cJSON_CreateObject();
	if (o == NULL || sbi_json_put(o, "rand", sbi_json_hex_item(r->rand, 16)) != 0 ||
	    sbi_json_put(o, "auts", sbi_json_hex_item(r->auts, 14)) != 0) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

char *ueau_request_json(const ueau_request *r)
{
	cJSON *o = cJSON_CreateObject();
	char *txt = NULL;
	if (o != NULL && sbi_json_put(o, "servingNetworkName", cJSON_CreateString(r->snn)) == 0 &&
	    sbi_json_put(o, "ausfInstanceId", cJSON_CreateString(r->ausf_id)) == 0 &&
	    (!r->resync.present ||
	     sbi_json_put(o, "resynchronizationInfo", resync_item(&r->resync)) == 0))
		txt = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return txt;
}

char *ueau_result_json(const ueau_result *r)
{
	cJSON *o = cJSON_CreateObject(), *av = cJSON_CreateObject();
	char *txt = NULL;
	if (o == NULL || av == NULL ||
	    sbi_json_put(av, "avType", cJSON_CreateString("5G_HE_AKA")) ||
	    sbi_json_put(av, "rand", sbi_json_hex_item(r->rand, 16)) ||
	    sbi_json_put(av, "autn", sbi_json_hex_item(r->autn, 16)) ||
	    sbi_json_put(av, "xresStar", sbi_json_hex_item(r->xres_star, 16)) ||
	    sbi_json_put(av, "kausf", sbi_json_hex_item(r->kausf, 32)) ||
	    sbi_json_put(o, "authType", cJSON_CreateString("5G_AKA"))) {
		cJSON_Delete(av);
		goto out;
	}
	if (sbi_json_put(o, "authenticationVector", av) ||
	    sbi_json_put(o, "supi", cJSON_CreateString(r->supi)) ||
	    sbi_json_put(o, "akmaInd", cJSON_CreateBool(r->akma)) ||
	    (r->rid[0] && sbi_json_put(o, "routingId", cJSON_CreateString(r->rid))))
		goto out;
	txt = cJSON_PrintUnformatted(o);
out:
	sbi_json_wipe(o);
	return txt;
}

int ueau_result_parse(const uint8_t *body, size_t len, ueau_result *r, sbi_err *e)
{
	int rc = -1;
	memset(r, 0, sizeof *r);
	cJSON *o = sbi_json_parse_object(body, len, e);
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(o, "authType");
	const cJSON *av = cJSON_GetObjectItemCaseSensitive(o, "authenticationVector");
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(av, "avType");
	const cJSON *supi = cJSON_GetObjectItemCaseSensitive(o, "supi");
	const cJSON *rid = cJSON_GetObjectItemCaseSensitive(o, "routingId");
	if (o == NULL)
		goto out;
	if (!cJSON_IsString(t) || strcmp(t->valuestring, "5G_AKA") != 0 || !cJSON_IsString(at) ||
	    strcmp(at->valuestring, "5G_HE_AKA") != 0) {
		fail(e, 400, "MANDATORY_IE_INCORRECT", "authType: only 5G_AKA with 5G_HE_AKA");
		goto out;
	}
	if (!cJSON_IsString(supi) || !ueau_supi_valid(supi->valuestring) ||
	    (rid != NULL && (!cJSON_IsString(rid) || !ueau_rid_valid(rid->valuestring)))) {
		fail(e, 400, "MANDATORY_IE_INCORRECT", "supi or routingId malformed");
		goto out;
	}
	if (sbi_json_hex(av, "rand", 1, r->rand, 16, e) < 0 ||
	    sbi_json_hex(av, "autn", 1, r->autn, 16, e) < 0 ||
	    sbi_json_hex(av, "xresStar", 1, r->xres_star, 16, e) < 0 ||
	    sbi_json_hex(av, "kausf", 1, r->kausf, 32, e) < 0 ||
	    sbi_json_bool(o, "akmaInd", 0, &r->akma, e) < 0)
		goto out;
	snprintf(r->supi, sizeof r->supi, "%s", supi->valuestring);
	if (rid != NULL)
		snprintf(r->rid, sizeof r->rid, "%s", rid->valuestring);
	rc = 0;
out:
	if (rc != 0)
		aiot_zeroize(r, sizeof *r);
	sbi_json_wipe(o);
	return rc;
}
