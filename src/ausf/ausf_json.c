/* SPDX-License-Identifier: Apache-2.0 */
/* Nausf_UEAuthentication and AkmaKeyInfo JSON (ausf_json.h). */
#include <stdio.h>
#include <string.h>

#include "ausf_json.h"

int ausf_route(const char *path, char id[AUSF_CTX_ID_LEN + 1])
{
	size_t api = strlen(AUSF_API), conf = strlen(AUSF_CONFIRM), n = strlen(path);
	id[0] = '\0';
	if (strncmp(path, AUSF_API, api) != 0)
		return AUSF_R_NONE;
	if (n == api)
		return AUSF_R_CREATE;
	if (path[api] != '/' || n <= api + 1 + conf || strcmp(path + n - conf, AUSF_CONFIRM) != 0)
		return AUSF_R_NONE;
	size_t len = n - api - 1 - conf;
	if (memchr(path + api + 1, '/', len) != NULL)
		return AUSF_R_NONE;
	if (len <= AUSF_CTX_ID_LEN) {
		memcpy(id, path + api + 1, len);
		id[len] = '\0';
	}
	return AUSF_R_CONFIRM;
}

int ausf_authinfo_parse(const uint8_t *body, size_t len, ausf_authinfo *a, sbi_err *e)
{
	char supi[UEAU_SUPI_MAX + 1];
	int rc = -1;
	memset(a, 0, sizeof *a);
	cJSON *o = sbi_json_parse_object(body, len, e);
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(o, "supiOrSuci");
	if (o == NULL || ueau_get_snn_resync(o, a->snn, &a->resync, e) != 0)
		goto out;
	if (id == NULL || !cJSON_IsString(id) || strlen(id->valuestring) > AUSF_ID_MAX) {
		e->status = 400;
		e->cause = id == NULL ? "MANDATORY_IE_MISSING" : "MANDATORY_IE_INCORRECT";
		snprintf(e->text, sizeof e->text, "supiOrSuci: %s",
		         id == NULL ? "missing" : "malformed");
		goto out;
	}
	if (ueau_supi_from(id->valuestring, supi, e) != 0)
		goto out;
	snprintf(a->supi_or_suci, sizeof a->supi_or_suci, "%s", id->valuestring);
	rc = 0;
out:
	cJSON_Delete(o);
	return rc;
}

int ausf_confirm_parse(const uint8_t *body, size_t len, uint8_t res_star[16], sbi_err *e)
{
	cJSON *o = sbi_json_parse_object(body, len, e);
	int rc = o != NULL && sbi_json_hex(o, "resStar", 1, res_star, 16, e) == 1 ? 0 : -1;
	sbi_json_wipe(o);
	return rc;
}

char *ausf_ctx_json(const uint8_t rand[16], const uint8_t autn[16], const uint8_t hxres_star[16],
                    const char *href, const char *snn)
{
	cJSON *o = cJSON_CreateObject(), *av = cJSON_CreateObject(), *links = cJSON_CreateObject(),
	      *link = cJSON_CreateObject();
	char *txt = NULL;
	if (o == NULL || av == NULL || links == NULL || link == NULL ||
	    sbi_json_put(av, "rand", sbi_json_hex_item(rand, 16)) ||
	    sbi_json_put(av, "autn", sbi_json_hex_item(autn, 16)) ||
	    sbi_json_put(av, "hxresStar", sbi_json_hex_item(hxres_star, 16)) ||
	    sbi_json_put(link, "href", cJSON_CreateString(href))) {
		cJSON_Delete(av);
		cJSON_Delete(links);
		cJSON_Delete(link);
		goto out;
	}
	if (sbi_json_put(links, "5g-aka", link)) {
		cJSON_Delete(av);
		cJSON_Delete(links);
		goto out;
	}
	if (sbi_json_put(o, "authType", cJSON_CreateString("5G_AKA")) ||
	    sbi_json_put(o, "5gAuthData", av) || sbi_json_put(o, "_links", links) ||
	    sbi_json_put(o, "servingNetworkName", cJSON_CreateString(snn)))
		goto out;
	txt = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return txt;
}

char *ausf_confirm_json(int success, const char *supi, const uint8_t kseaf[32])
{
	cJSON *o = cJSON_CreateObject();
	char *txt = NULL;
	if (o == NULL ||
	    sbi_json_put(o, "authResult",
	                 cJSON_CreateString(success ? "AUTHENTICATION_SUCCESS"
	                                            : "AUTHENTICATION_FAILURE")) ||
	    (success && (sbi_json_put(o, "supi", cJSON_CreateString(supi)) ||
	                 sbi_json_put(o, "kseaf", sbi_json_hex_item(kseaf, 32)))))
		goto out;
	txt = cJSON_PrintUnformatted(o);
out:
	sbi_json_wipe(o);
	return txt;
}

char *ausf_akma_json(const char *supi, const char *akid, const uint8_t kakma[32])
{
	cJSON *o = cJSON_CreateObject();
	char *txt = NULL;
	if (o != NULL && sbi_json_put(o, "supi", cJSON_CreateString(supi)) == 0 &&
	    sbi_json_put(o, "aKId", cJSON_CreateString(akid)) == 0 &&
	    sbi_json_put(o, "kAkma", sbi_json_hex_item(kakma, 32)) == 0)
		txt = cJSON_PrintUnformatted(o);
	sbi_json_wipe(o);
	return txt;
}
