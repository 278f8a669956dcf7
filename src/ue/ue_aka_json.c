/* SPDX-License-Identifier: Apache-2.0 */
/* Nausf_UEAuthentication JSON on the serving network's side (ue_aka_json.h). */
#include "ue_aka_json.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "crypto/ct.h"
#include "sbi/sbi_json.h"

char *ue_authinfo_json(const char *supi, const char *snn, const uint8_t rand[16],
                       const uint8_t auts[AIOT_AUTS_LEN])
{
	cJSON *o = cJSON_CreateObject(), *r;
	char *txt = NULL;
	if (o == NULL || sbi_json_put(o, "supiOrSuci", cJSON_CreateString(supi)) ||
	    sbi_json_put(o, "servingNetworkName", cJSON_CreateString(snn)))
		goto out;
	if (auts != NULL) {
		r = cJSON_CreateObject();
		if (r == NULL || sbi_json_put(r, "rand", sbi_json_hex_item(rand, 16)) ||
		    sbi_json_put(r, "auts", sbi_json_hex_item(auts, AIOT_AUTS_LEN))) {
			cJSON_Delete(r);
			goto out;
		}
		if (sbi_json_put(o, "resynchronizationInfo", r)) /* r freed */
			goto out;
	}
	txt = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return txt;
}

char *ue_confirm_json(const uint8_t res_star[16])
{
	cJSON *o = cJSON_CreateObject();
	char *txt = NULL;
	if (o != NULL && sbi_json_put(o, "resStar", sbi_json_hex_item(res_star, 16)) == 0)
		txt = cJSON_PrintUnformatted(o);
	sbi_json_wipe(o);
	return txt;
}

static const cJSON *member(const cJSON *o, const char *name)
{
	return cJSON_GetObjectItemCaseSensitive(o, name);
}

/* TS 29.509 6.1.6.2.3 UEAuthenticationCtx with authType 5G_AKA. */
int ue_challenge_parse(const char *body, size_t len, ue_challenge *c, char *why, size_t cap)
{
	sbi_err e = {0};
	int rc = -1;
	cJSON *o = sbi_json_parse_object((const uint8_t *)body, len, &e);
	const cJSON *type = member(o, "authType"), *av = member(o, "5gAuthData");
	const cJSON *href = member(member(member(o, "_links"), "5g-aka"), "href");
	memset(c, 0, sizeof *c);
	if (o == NULL || !cJSON_IsString(type) || strcmp(type->valuestring, "5G_AKA") != 0 ||
	    !cJSON_IsObject(av) || sbi_json_hex(av, "rand", 1, c->rand, 16, &e) != 1 ||
	    sbi_json_hex(av, "autn", 1, c->autn, 16, &e) != 1 ||
	    sbi_json_hex(av, "hxresStar", 1, c->hxres_star, 16, &e) != 1 || !cJSON_IsString(href) ||
	    strlen(href->valuestring) >= sizeof c->href)
		snprintf(why, cap, "%s", e.text[0] ? e.text : "not a 5G_AKA UEAuthenticationCtx");
	else {
		snprintf(c->href, sizeof c->href, "%s", href->valuestring);
		rc = 0;
	}
	cJSON_Delete(o);
	return rc;
}

/* TS 29.509 6.1.6.2.5 ConfirmationDataResponse; AuthResult 6.1.6.3.3. */
int ue_confirmation_parse(const char *body, size_t len, ue_confirmation *c, char *why, size_t cap)
{
	sbi_err e = {0};
	int rc = -1;
	cJSON *o = sbi_json_parse_object((const uint8_t *)body, len, &e);
	const cJSON *res = member(o, "authResult"), *supi = member(o, "supi");
	memset(c, 0, sizeof *c);
	if (o == NULL)
		snprintf(why, cap, "%s", e.text);
	else if (!cJSON_IsString(res) || (strcmp(res->valuestring, "AUTHENTICATION_SUCCESS") != 0 &&
	                                  strcmp(res->valuestring, "AUTHENTICATION_FAILURE") != 0 &&
	                                  strcmp(res->valuestring, "AUTHENTICATION_ONGOING") != 0))
		snprintf(why, cap, "authResult: missing or not an AuthResult");
	else if (supi != NULL && (!cJSON_IsString(supi) || strlen(supi->valuestring) > UE_SUPI_MAX))
		snprintf(why, cap, "supi: malformed");
	else if ((c->has_kseaf = sbi_json_hex(o, "kseaf", 0, c->kseaf, 32, &e)) < 0)
		snprintf(why, cap, "%s", e.text);
	else {
		c->success = strcmp(res->valuestring, "AUTHENTICATION_SUCCESS") == 0;
		if (supi != NULL)
			snprintf(c->supi, sizeof c->supi, "%s", supi->valuestring);
		rc = 0;
	}
	if (rc != 0)
		aiot_zeroize(c, sizeof *c);
	sbi_json_wipe(o);
	return rc;
}

static void printable(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			*s = '?';
}

/* TS 29.571 ProblemDetails: cause and detail, if any. */
void ue_problem_text(const char *body, size_t len, int status, char *out, size_t cap)
{
	sbi_err e = {0};
	cJSON *o = body != NULL ? sbi_json_parse_object((const uint8_t *)body, len, &e) : NULL;
	const cJSON *cause = member(o, "cause"), *detail = member(o, "detail");
	int d = cJSON_IsString(detail);
	snprintf(out, cap, "%d%s%s%s%s%s", status, cJSON_IsString(cause) ? " " : "",
	         cJSON_IsString(cause) ? cause->valuestring : "", d ? " (" : "",
	         d ? detail->valuestring : "", d ? ")" : "");
	printable(out);
	cJSON_Delete(o);
}
