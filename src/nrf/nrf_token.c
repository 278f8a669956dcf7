/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nnrf_AccessToken, TS 29.510 5.4.2.2 (TS29510_Nnrf_AccessToken.yaml): POST /oauth2/token,
 * an AccessTokenReq form -> 200 AccessTokenRsp {access_token, token_type "Bearer",
 * expires_in, scope}, or 400 AccessTokenErr (RFC 6749 5.2: every error is a 400 here, since no
 * client authenticates with an Authorization header; the YAML gives AccessTokenErr only with
 * 400). Both with Cache-Control: no-store and Pragma: no-cache (RFC 6749 5.1).
 * Checks beyond the form (nrf_token_req.c): under mutual TLS nfInstanceId must be the NF
 * instance of the client certificate (TS 33.501 13.3.1.2), else invalid_client; nfType, when
 * absent, is the registered profile's, and when the instance is registered must be it; the
 * policy (nrf_token_policy_check) grants the scopes. The token (TS 33.501 13.4.1.1): JWS
 * ES256 over AccessTokenClaims {iss: the NRF's instance, sub: nfInstanceId, aud: targetNfType
 * or [targetNfInstanceId], scope, iat, exp: iat + token lifetime}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/clock.h"
#include "nrf_internal.h"
#include "oauth/jws.h"

const char *const nrf_token_results[NRF_TOKEN_RESULT_N] = {
    "issued",        "invalid_request",     "invalid_client",
    "invalid_grant", "unauthorized_client", "unsupported_grant_type",
    "invalid_scope",
};

static void count(nrf *n, const char *result)
{
	for (int i = 0; i < NRF_TOKEN_RESULT_N; i++)
		if (strcmp(nrf_token_results[i], result) == 0)
			atomic_fetch_add(&n->tokens[i], 1);
}

static void no_store(sbi_response *resp)
{
	resp->extra[resp->nextra++] = (sbi_header){"cache-control", "no-store"};
	resp->extra[resp->nextra++] = (sbi_header){"pragma", "no-cache"};
}

/* 400 AccessTokenErr (TS 29.510 6.3.5.2.4). */
static void token_err(nrf *n, sbi_response *resp, const nrf_token_err *e)
{
	count(n, e->error);
	cJSON *j = cJSON_CreateObject();
	if (j != NULL &&
	    (sbi_json_put(j, "error", cJSON_CreateString(e->error)) != 0 ||
	     sbi_json_put(j, "error_description", cJSON_CreateString(e->description)) != 0)) {
		cJSON_Delete(j);
		j = NULL;
	}
	nrf_reply(resp, 400, j);
	no_store(resp);
}

/* The requester's NF type: nfType, checked against its registered profile when there is one. */
static int requester_type(nrf *n, nrf_token_req *r, nrf_token_err *e)
{
	cJSON *p = nrf_registry_get(n->reg, r->nf_instance_id, aiot_mono_ms());
	const cJSON *t = p ? cJSON_GetObjectItemCaseSensitive(p, "nfType") : NULL;
	int rc = 0;
	if (cJSON_IsString(t) && r->nf_type[0] == '\0')
		snprintf(r->nf_type, sizeof r->nf_type, "%s", t->valuestring);
	if (cJSON_IsString(t) && strcmp(r->nf_type, t->valuestring) != 0) {
		e->error = "invalid_client";
		snprintf(e->description, sizeof e->description,
		         "nfType is not the registered profile's");
		rc = -1;
	} else if (r->nf_type[0] == '\0') {
		e->error = "invalid_request";
		snprintf(e->description, sizeof e->description,
		         "nfType is required for an unregistered nfInstanceId");
		rc = -1;
	}
	cJSON_Delete(p);
	return rc;
}

static char *claims_json(const nrf *n, const nrf_token_req *r, int64_t now)
{
	cJSON *c = cJSON_CreateObject(), *aud = NULL;
	char *txt = NULL;
	if (r->target_nf_instance_id[0] != '\0') {
		aud = cJSON_CreateArray();
		if (aud != NULL &&
		    !cJSON_AddItemToArray(aud, cJSON_CreateString(r->target_nf_instance_id))) {
			cJSON_Delete(aud);
			aud = NULL;
		}
	} else {
		aud = cJSON_CreateString(r->target_nf_type);
	}
	if (c != NULL && sbi_json_put(c, "iss", cJSON_CreateString(n->id)) == 0 &&
	    sbi_json_put(c, "sub", cJSON_CreateString(r->nf_instance_id)) == 0 &&
	    sbi_json_put(c, "aud", aud) == 0 &&
	    sbi_json_put(c, "scope", cJSON_CreateString(r->scope)) == 0 &&
	    sbi_json_put(c, "iat", cJSON_CreateNumber((double)now)) == 0 &&
	    sbi_json_put(c, "exp", cJSON_CreateNumber((double)(now + n->cfg.token_lifetime_s))) ==
	        0)
		txt = cJSON_PrintUnformatted(c);
	else if (c == NULL)
		cJSON_Delete(aud);
	cJSON_Delete(c);
	return txt;
}

static void issue(nrf *n, const nrf_token_req *r, sbi_response *resp)
{
	char err[256], *token = NULL;
	char *claims = claims_json(n, r, (int64_t)time(NULL));
	cJSON *j = NULL;
	if (claims == NULL ||
	    aiot_jws_sign_es256(n->cfg.signing_key, n->kid, claims, &token, err, sizeof err) != 0) {
		free(claims);
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "cannot sign the token");
		return;
	}
	free(claims);
	if ((j = cJSON_CreateObject()) != NULL &&
	    (sbi_json_put(j, "access_token", cJSON_CreateString(token)) != 0 ||
	     sbi_json_put(j, "token_type", cJSON_CreateString("Bearer")) != 0 ||
	     sbi_json_put(j, "expires_in", cJSON_CreateNumber(n->cfg.token_lifetime_s)) != 0 ||
	     sbi_json_put(j, "scope", cJSON_CreateString(r->scope)) != 0)) {
		cJSON_Delete(j);
		j = NULL;
	}
	free(token);
	count(n, "issued");
	nrf_reply(resp, 200, j);
	no_store(resp);
}

void nrf_token_request(nrf *n, const sbi_request *req, sbi_response *resp)
{
	nrf_token_req r;
	nrf_token_err e = {0};
	if (!sbi_media_is(req->content_type, "application/x-www-form-urlencoded")) {
		atomic_fetch_add(&n->rejected, 1);
		sbi_problem(resp, 415, NULL,
		            "an AccessTokenReq is application/x-www-form-urlencoded");
		return;
	}
	if (n->cfg.signing_key == NULL) {
		sbi_problem(resp, 501, NULL, "this NRF issues no tokens");
		return;
	}
	if (nrf_token_req_parse(req->body, req->body_len, &r, &e) != 0)
		goto refuse;
	/* TS 33.501 13.3.1.2: the NRF checks the consumer's identity against its certificate */
	if (req->peer_nf_instance != NULL && strcmp(req->peer_nf_instance, r.nf_instance_id) != 0) {
		e.error = "invalid_client";
		snprintf(e.description, sizeof e.description,
		         "nfInstanceId is not the NF instance of the client certificate");
		goto refuse;
	}
	if (requester_type(n, &r, &e) != 0 ||
	    nrf_token_policy_check(&n->cfg.token_policy, r.nf_type, r.scope, &e) != 0)
		goto refuse;
	issue(n, &r, resp);
	return;
refuse:
	token_err(n, resp, &e);
}
