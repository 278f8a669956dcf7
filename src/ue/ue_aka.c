/* SPDX-License-Identifier: Apache-2.0 */
/* The UE and its serving network in 5G AKA, then AKMA (ue_aka.h). */
#include "ue_aka.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "common/hex.h"
#include "crypto/aiot_fc.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "sbi/sbi_client.h"
#include "sbi/sbi_url.h"
#include "svc/wipe.h"
#include "ue_aka_json.h"

#define UE_API "/nausf-auth/v1/ue-authentications"
#define UE_HOST_MAX 256

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
	char text[300];
	ue_problem_text(body, body != NULL ? strlen(body) : 0, status, text, sizeof text);
	snprintf(r->err, r->errlen, "the AUSF refused: %s", text);
	return AIOT_UE_ERR_REFUSED;
}

/* POST ue-authentications (TS 29.509 5.2.2.2.2), with resynchronizationInfo when auts. */
static int ue_authenticate(ue_run *r, const char *supi, const uint8_t *rand, const uint8_t *auts,
                           ue_challenge *c)
{
	char url[UE_HREF_MAX], why[200], *resp = NULL, *body;
	int st, rc;
	if ((size_t)snprintf(url, sizeof url, "%.*s%s", (int)r->root_len, r->net->ausf, UE_API) >=
	    sizeof url)
		return ue_fail(r, AIOT_ERR_INVAL, "the AUSF URL is too long", NULL);
	if ((body = ue_authinfo_json(supi, r->seaf_snn, rand, auts)) == NULL)
		return ue_fail(r, AIOT_ERR_NOSPACE, "out of memory", NULL);
	st = ue_call(r, url, "POST", body, &resp);
	free(body);
	if (st == 201)
		rc = resp != NULL && ue_challenge_parse(resp, strlen(resp), c, why, sizeof why) == 0
		         ? AIOT_OK
		         : ue_fail(r, AIOT_ERR_MALFORMED, "the AUSF's answer",
		                   resp != NULL ? why : "no body");
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
	ue_confirmation cf;
	uint8_t mine[32];
	aiot_kdf_param p = {(const uint8_t *)r->snn, (uint16_t)strlen(r->snn)};
	char why[200];
	int rc;
	if (body == NULL || ue_confirmation_parse(body, strlen(body), &cf, why, sizeof why) != 0)
		return ue_fail(r, AIOT_ERR_MALFORMED, "the AUSF's confirmation",
		               body != NULL ? why : "no body");
	if (!cf.success)
		rc = ue_fail(r, AIOT_UE_ERR_REFUSED, "the AUSF refused: AUTHENTICATION_FAILURE",
		             seaf_ok ? "RES* wrong"
		                     : "RES* wrong; the SEAF's HRES* check failed too");
	else if (!seaf_ok || strcmp(cf.supi, supi) != 0 || !cf.has_kseaf ||
	         aiot_kdf(NULL, kausf, 32, AIOT_FC_KSEAF, &p, 1, mine) != AIOT_OK ||
	         !aiot_ct_eq(cf.kseaf, mine, 32))
		rc = ue_fail(r, AIOT_ERR_MALFORMED, "the AUSF's success does not match the UE",
		             !seaf_ok ? "HRES* != HXRES*" : "SUPI or K_SEAF differ");
	else
		rc = AIOT_OK;
	aiot_zeroize(&cf, sizeof cf);
	aiot_zeroize(mine, sizeof mine);
	return rc;
}

/* PUT 5g-aka-confirmation (TS 29.509 5.2.2.2.2 step 2) with RES*. */
static int ue_confirm(ue_run *r, const ue_challenge *c, const uint8_t res_star[16],
                      const char *supi, const uint8_t kausf[32])
{
	char *body = ue_confirm_json(res_star), *resp = NULL;
	int st, rc;
	if (body == NULL)
		return ue_fail(r, AIOT_ERR_NOSPACE, "out of memory", NULL);
	st = ue_call(r, c->href, "PUT", body, &resp);
	aiot_free_wipe(body);
	if (st == 200)
		rc = ue_confirm_check(r, resp, supi, kausf, ue_seaf_check(c, res_star));
	else
		rc = st <= 0 ? AIOT_UE_ERR_TRANSPORT : ue_refused(r, st, resp);
	aiot_free_wipe(resp);
	return rc;
}

/* The ME: the USIM on RAND/AUTN, then RES* and K_AUSF with the SNN it sees (A.2, A.4). */
static int ue_me(ue_run *r, const aiot_ue_usim *usim, const ue_challenge *c, aiot_usim_result *u,
                 uint8_t res_star[16], uint8_t kausf[32])
{
	int rc;
	if (!aiot_usim_amf_is_5g(c->autn))
		return ue_fail(r, AIOT_ERR_MALFORMED, "AUTN's AMF has no 5G separation bit",
		               "TS 33.501 6.1.3.2 step 7");
	rc = usim->authenticate(usim->user, c->rand, c->autn, u);
	if (rc == AIOT_ERR_MAC)
		return ue_fail(
		    r, rc, "the USIM's MAC failure",
		    "MAC-A does not verify: the network is not authentic or K/OPc differ");
	if (rc == AIOT_USIM_SYNC_FAILURE)
		return rc; /* AUTS in u */
	if (rc != AIOT_OK)
		return ue_fail(r, rc, "the USIM refused the challenge", NULL);
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
static int ue_round(ue_run *r, const aiot_ue_usim *usim, const char *supi,
                    const uint8_t *resync_rand, const uint8_t *auts, ue_challenge *c,
                    aiot_usim_result *u, aiot_ue_akma *out)
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

int aiot_ue_5g_aka_usim(const aiot_ue_usim *usim, const char *supi, const aiot_ue_net *net,
                        aiot_ue_akma *out, char *err, size_t errlen)
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
		uint8_t rand[16], auts[AIOT_AUTS_LEN];
		out->resynced = 1;
		memcpy(rand, c.rand, sizeof rand);
		memcpy(auts, u.auts, sizeof auts);
		rc = ue_round(&r, usim, supi, rand, auts, &c, &u, out);
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

static int ue_soft_usim(void *user, const uint8_t rand[16], const uint8_t autn[AIOT_AUTN_LEN],
                        aiot_usim_result *r)
{
	return aiot_usim_authenticate(user, rand, autn, r);
}

int aiot_ue_5g_aka(aiot_usim *usim, const char *supi, const aiot_ue_net *net, aiot_ue_akma *out,
                   char *err, size_t errlen)
{
	const aiot_ue_usim soft = {ue_soft_usim, usim};
	return aiot_ue_5g_aka_usim(&soft, supi, net, out, err, errlen);
}

void aiot_ue_akma_clear(aiot_ue_akma *k)
{
	aiot_zeroize(k, sizeof *k);
}
