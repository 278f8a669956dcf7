/* SPDX-License-Identifier: Apache-2.0 */
/* The UE and its serving network in 5G AKA, then AKMA (ue_aka.h). */
#include "ue_aka.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "common/hex.h"
#include "crypto/aiot_fc.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "sbi/sbi_client.h"
#include "sbi/sbi_json.h"
#include "sbi/sbi_url.h"
#include "svc/wipe.h"

#define UE_API "/nausf-auth/v1/ue-authentications"
#define UE_HOST_MAX 256
#define UE_HREF_MAX 512

/* One call's context: where the AUSF is and what the UE and the SEAF believe. */
typedef struct ue_run {
	const aiot_ue_net *net;
	int tls;
	char host[UE_HOST_MAX];
	size_t root_len;         /* the apiRoot without its final '/'s */
	char snn[AIOT_SNN_MAX];  /* the UE's: its RES* and K_AUSF bind it */
	const char *seaf_snn;    /* what the SEAF sends the AUSF */
	char authorization[600]; /* "Bearer TOKEN", or "" */
	char *err;
	size_t errlen;
} ue_run;

/* What the AUSF answers to ue-authentications (UEAuthenticationCtx, 5G_AKA). */
typedef struct ue_challenge {
	uint8_t rand[16], autn[16], hxres_star[16];
	char href[UE_HREF_MAX]; /* _links "5g-aka" */
} ue_challenge;

static int ue_fail(ue_run *r, int rc, const char *what, const char *detail)
{
	snprintf(r->err, r->errlen, "%s%s%s", what, detail ? ": " : "", detail ? detail : "");
	return rc;
}

static int ue_setup(ue_run *r, const aiot_ue_net *net)
{
	int port;
	const char *path;
	if (net->ausf == NULL || net->mcc == NULL || net->mnc == NULL || net->rid == NULL)
		return ue_fail(r, AIOT_ERR_INVAL, "the AUSF URL, MCC, MNC and RID are required",
		               NULL);
	if (sbi_parse_url(net->ausf, &r->tls, r->host, sizeof r->host, &port, &path) != 0)
		return ue_fail(r, AIOT_ERR_INVAL, "not an http:// or https:// URL", net->ausf);
	if (r->tls && net->ca == NULL)
		return ue_fail(r, AIOT_ERR_INVAL, "an https:// AUSF needs a CA", NULL);
	(void)path;
	r->root_len = strlen(net->ausf);
	while (r->root_len > 0 && net->ausf[r->root_len - 1] == '/')
		r->root_len--;
	if (aiot_5g_snn(net->mcc, net->mnc, r->snn, sizeof r->snn) != AIOT_OK)
		return ue_fail(r, AIOT_ERR_INVAL, "MCC must be 3 digits, MNC 2 or 3", NULL);
	r->seaf_snn = net->seaf_snn != NULL ? net->seaf_snn : r->snn;
	r->authorization[0] = '\0';
	if (net->bearer != NULL &&
	    (size_t)snprintf(r->authorization, sizeof r->authorization, "Bearer %s", net->bearer) >=
	        sizeof r->authorization)
		return ue_fail(r, AIOT_ERR_INVAL, "the access token is too long", NULL);
	return AIOT_OK;
}

/* One request to url (the AUSF's host unless an href names another); the status, 0 with
 * the transport failure in err. */
static int ue_call(ue_run *r, const char *url, const char *method, const char *body, char **resp)
{
	char host[UE_HOST_MAX], e[200] = "";
	const char *path;
	int tls, port, st;
	if (sbi_parse_url(url, &tls, host, sizeof host, &port, &path) != 0 || tls != r->tls) {
		ue_fail(r, 0, "the AUSF gave a link of another scheme or none", url);
		return -1;
	}
	sbi_client_cfg cfg = {.host = host,
	                      .port = port,
	                      .tls_ca = tls ? r->net->ca : NULL,
	                      .tls_cert = r->net->cert,
	                      .tls_key = r->net->key,
	                      .timeout_ms = r->net->timeout_ms > 0 ? r->net->timeout_ms : 5000};
	st = sbi_fetch_auth(&cfg, method, path, "application/json", body,
	                    r->authorization[0] ? r->authorization : NULL, resp, e, sizeof e);
	if (st == 0)
		snprintf(r->err, r->errlen, "the AUSF: %s", e[0] ? e : "no answer");
	return st;
}

/* A refusal: "the AUSF refused: 403 SERVING_NETWORK_NOT_AUTHORIZED (detail)". */
static int ue_refused(ue_run *r, int status, const char *body)
{
	cJSON *o = body ? cJSON_Parse(body) : NULL;
	const cJSON *cause = cJSON_GetObjectItemCaseSensitive(o, "cause");
	const cJSON *detail = cJSON_GetObjectItemCaseSensitive(o, "detail");
	snprintf(
	    r->err, r->errlen, "the AUSF refused: %d %s%s%s%s", status,
	    cJSON_IsString(cause) ? cause->valuestring : "", cJSON_IsString(detail) ? " (" : "",
	    cJSON_IsString(detail) ? detail->valuestring : "", cJSON_IsString(detail) ? ")" : "");
	cJSON_Delete(o);
	return AIOT_UE_ERR_REFUSED;
}

/* UEAuthenticationCtx (TS 29.509 6.1.6.2.3): authType 5G_AKA, 5gAuthData, _links 5g-aka. */
static int ue_challenge_parse(const char *body, ue_challenge *c, char *why, size_t cap)
{
	sbi_err e = {0};
	int rc = -1;
	cJSON *o = body ? sbi_json_parse_object((const uint8_t *)body, strlen(body), &e) : NULL;
	const cJSON *type = cJSON_GetObjectItemCaseSensitive(o, "authType");
	const cJSON *av = cJSON_GetObjectItemCaseSensitive(o, "5gAuthData");
	const cJSON *links = cJSON_GetObjectItemCaseSensitive(o, "_links");
	const cJSON *href = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(links, "5g-aka"), "href");
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

/* POST ue-authentications (TS 29.509 5.2.2.2.2), with resynchronizationInfo when auts. */
static int ue_authenticate(ue_run *r, const char *supi, const uint8_t *rand, const uint8_t *auts,
                           ue_challenge *c)
{
	char url[UE_HREF_MAX], body[600], rh[33], ah[2 * AIOT_AUTS_LEN + 1], why[200];
	char *resp = NULL, resync[120] = "";
	int st, rc;
	if (auts != NULL) {
		aiot_hex_encode(rand, 16, rh);
		aiot_hex_encode(auts, AIOT_AUTS_LEN, ah);
		snprintf(resync, sizeof resync,
		         ",\"resynchronizationInfo\":{\"rand\":\"%s\",\"auts\":\"%s\"}", rh, ah);
	}
	if ((size_t)snprintf(url, sizeof url, "%.*s%s", (int)r->root_len, r->net->ausf, UE_API) >=
	        sizeof url ||
	    strchr(supi, '"') || strchr(r->seaf_snn, '"') || strchr(supi, '\\') ||
	    (size_t)snprintf(body, sizeof body,
	                     "{\"supiOrSuci\":\"%s\",\"servingNetworkName\":\"%s\"%s}", supi,
	                     r->seaf_snn, resync) >= sizeof body)
		return ue_fail(r, AIOT_ERR_INVAL, "SUPI or serving network name not usable", supi);
	st = ue_call(r, url, "POST", body, &resp);
	if (st == 201)
		rc = ue_challenge_parse(resp, c, why, sizeof why) == 0
		         ? AIOT_OK
		         : ue_fail(r, AIOT_ERR_MALFORMED, "the AUSF's answer", why);
	else
		rc = st <= 0 ? AIOT_UE_ERR_TRANSPORT : ue_refused(r, st, resp);
	free(resp);
	return rc;
}

/* The SEAF's check (TS 33.501 6.1.3.2 step 10): HRES* = HXRES*; 1 when they match. */
static int ue_seaf_check(const ue_challenge *c, const uint8_t res_star[16])
{
	uint8_t hres[16];
	aiot_5g_hxres_star(c->rand, res_star, hres);
	return aiot_ct_eq(hres, c->hxres_star, 16);
}

/* ConfirmationDataResponse: AUTHENTICATION_SUCCESS with our SUPI and K_SEAF = KDF(K_AUSF,
 * 0x6C, SNN) (TS 33.501 A.6), which proves the AUSF holds the UE's K_AUSF. */
static int ue_confirm_check(ue_run *r, const char *body, const char *supi, const uint8_t kausf[32],
                            int seaf_ok)
{
	sbi_err e = {0};
	uint8_t kseaf[32], mine[32];
	aiot_kdf_param p = {(const uint8_t *)r->snn, (uint16_t)strlen(r->snn)};
	int rc;
	cJSON *o = body ? sbi_json_parse_object((const uint8_t *)body, strlen(body), &e) : NULL;
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(o, "authResult");
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(o, "supi");
	if (!cJSON_IsString(res))
		rc = ue_fail(r, AIOT_ERR_MALFORMED, "the AUSF's confirmation", "no authResult");
	else if (strcmp(res->valuestring, "AUTHENTICATION_SUCCESS") != 0)
		rc = ue_fail(r, AIOT_UE_ERR_REFUSED, "the AUSF refused: AUTHENTICATION_FAILURE",
		             seaf_ok ? "RES* wrong"
		                     : "RES* wrong; the SEAF's HRES* check failed too");
	else if (!seaf_ok || !cJSON_IsString(s) || strcmp(s->valuestring, supi) != 0 ||
	         sbi_json_hex(o, "kseaf", 1, kseaf, 32, &e) != 1 ||
	         aiot_kdf(NULL, kausf, 32, AIOT_FC_KSEAF, &p, 1, mine) != AIOT_OK ||
	         !aiot_ct_eq(kseaf, mine, 32))
		rc = ue_fail(r, AIOT_ERR_MALFORMED, "the AUSF's success does not match the UE",
		             !seaf_ok ? "HRES* != HXRES*" : "SUPI or K_SEAF differ");
	else
		rc = AIOT_OK;
	aiot_zeroize(kseaf, sizeof kseaf);
	aiot_zeroize(mine, sizeof mine);
	sbi_json_wipe(o);
	return rc;
}

/* PUT 5g-aka-confirmation (TS 29.509 5.2.2.2.2 step 2) with RES*. */
static int ue_confirm(ue_run *r, const ue_challenge *c, const uint8_t res_star[16],
                      const char *supi, const uint8_t kausf[32])
{
	char body[64], hex[33], *resp = NULL;
	int st, rc;
	aiot_hex_encode(res_star, 16, hex);
	snprintf(body, sizeof body, "{\"resStar\":\"%s\"}", hex);
	st = ue_call(r, c->href, "PUT", body, &resp);
	if (st == 200)
		rc = ue_confirm_check(r, resp, supi, kausf, ue_seaf_check(c, res_star));
	else
		rc = st <= 0 ? AIOT_UE_ERR_TRANSPORT : ue_refused(r, st, resp);
	aiot_free_wipe(resp);
	return rc;
}

/* The ME: the USIM on RAND/AUTN, then RES* and K_AUSF with the SNN it sees (A.2, A.4). */
static int ue_me(ue_run *r, aiot_usim *usim, const ue_challenge *c, aiot_usim_result *u,
                 uint8_t res_star[16], uint8_t kausf[32])
{
	int rc;
	if (!aiot_usim_amf_is_5g(c->autn))
		return ue_fail(r, AIOT_ERR_MALFORMED, "AUTN's AMF has no 5G separation bit",
		               "TS 33.501 6.1.3.2 step 7");
	rc = aiot_usim_authenticate(usim, c->rand, c->autn, u);
	if (rc == AIOT_ERR_MAC)
		return ue_fail(
		    r, rc, "the USIM's MAC failure",
		    "MAC-A does not verify: the network is not authentic or K/OPc differ");
	if (rc != AIOT_OK)
		return rc;
	if (aiot_5g_res_star(u->ck, u->ik, r->snn, c->rand, u->res, sizeof u->res, res_star) !=
	        AIOT_OK ||
	    aiot_5g_kausf(u->ck, u->ik, r->snn, c->autn, kausf) != AIOT_OK)
		return ue_fail(r, AIOT_ERR_CRYPTO, "RES* or K_AUSF", NULL);
	return AIOT_OK;
}

/* K_AKMA, A-TID and the A-KID (TS 33.535 6.1, A.2, A.3). */
static int ue_akma(ue_run *r, const char *supi, aiot_ue_akma *out)
{
	uint8_t atid[32];
	int rc = aiot_akma_kakma(out->kausf, supi, out->kakma);
	if (rc == AIOT_OK)
		rc = aiot_akma_atid(out->kausf, supi, atid);
	if (rc == AIOT_OK)
		rc = aiot_akma_akid(atid, r->net->rid, r->net->mcc, r->net->mnc, out->akid,
		                    sizeof out->akid);
	aiot_zeroize(atid, sizeof atid);
	return rc == AIOT_OK ? AIOT_OK
	                     : ue_fail(r, AIOT_ERR_INVAL, "the A-KID", "RID must be 1-4 digits");
}

/* One round: challenge, USIM, confirmation. AIOT_USIM_SYNC_FAILURE leaves RAND and AUTS. */
static int ue_round(ue_run *r, aiot_usim *usim, const char *supi, const uint8_t *resync_rand,
                    const uint8_t *auts, ue_challenge *c, aiot_usim_result *u, aiot_ue_akma *out)
{
	uint8_t res_star[16];
	int rc = ue_authenticate(r, supi, resync_rand, auts, c);
	if (rc == AIOT_OK)
		rc = ue_me(r, usim, c, u, res_star, out->kausf);
	if (rc == AIOT_OK)
		rc = ue_confirm(r, c, res_star, supi, out->kausf);
	aiot_zeroize(res_star, sizeof res_star);
	return rc;
}

int aiot_ue_5g_aka(aiot_usim *usim, const char *supi, const aiot_ue_net *net, aiot_ue_akma *out,
                   char *err, size_t errlen)
{
	ue_run r = {.net = net, .err = err, .errlen = errlen};
	ue_challenge c;
	aiot_usim_result u;
	const char *p;
	size_t plen;
	int rc;
	memset(out, 0, sizeof *out);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (supi == NULL || aiot_supi_kdf_param(supi, &p, &plen) != AIOT_OK)
		return ue_fail(&r, AIOT_ERR_INVAL, "SUPI must be imsi-<5 to 15 digits>", NULL);
	rc = ue_setup(&r, net);
	if (rc == AIOT_OK)
		rc = ue_round(&r, usim, supi, NULL, NULL, &c, &u, out);
	if (rc == AIOT_USIM_SYNC_FAILURE) { /* TS 33.102 6.3.5: one round with AUTS */
		out->resynced = 1;
		uint8_t rand[16];
		memcpy(rand, c.rand, 16);
		rc = ue_round(&r, usim, supi, rand, u.auts, &c, &u, out);
		if (rc == AIOT_USIM_SYNC_FAILURE)
			ue_fail(&r, rc, "sync failure again after resynchronisation", NULL);
	}
	if (rc == AIOT_OK)
		rc = ue_akma(&r, supi, out);
	aiot_zeroize(&u, sizeof u);
	if (rc != AIOT_OK)
		aiot_ue_akma_clear(out);
	return rc;
}

void aiot_ue_akma_clear(aiot_ue_akma *k)
{
	aiot_zeroize(k, sizeof *k);
}
