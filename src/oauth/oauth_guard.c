/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The producer's OAuth 2.0 check (oauth_guard.h): the Bearer field (RFC 6750 2.1), the token
 * through the worker's cache of verified tokens, the claims against the policy, and the
 * refusal (RFC 6750 3, TS 29.500 5.2.7 ProblemDetails).
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "oauth/oauth_guard.h"
#include "svc/log.h"

struct aiot_oauth_guard {
	aiot_oauth_cfg cfg;
	char kid[AIOT_JWS_KID_LEN + 1];
	aiot_jwt_cache **cache;                          /* one per worker */
	_Atomic uint64_t refused[AIOT_JWT_STATUS_N + 1]; /* + no or two Authorization fields */
};
#define NO_TOKEN AIOT_JWT_STATUS_N

/* RFC 6750 3: the challenge (static: sbi_response.extra holds static strings only). */
static const char *challenge(aiot_jwt_status st)
{
	switch (st) {
	case AIOT_JWT_NO_SCOPE:
		return "Bearer error=\"insufficient_scope\"";
	case AIOT_JWT_EXPIRED:
		return "Bearer error=\"invalid_token\", error_description=\"expired\"";
	case AIOT_JWT_NOT_YET_VALID:
		return "Bearer error=\"invalid_token\", error_description=\"not yet valid\"";
	case AIOT_JWT_BAD_AUD:
		return "Bearer error=\"invalid_token\", error_description=\"wrong audience\"";
	default:
		return "Bearer error=\"invalid_token\"";
	}
}

static int refuse(aiot_oauth_guard *g, sbi_response *resp, int status, const char *www,
                  unsigned reason, const char *detail)
{
	atomic_fetch_add(&g->refused[reason], 1);
	sbi_problem(resp, status, NULL, "%s", detail);
	resp->extra[resp->nextra++] = (sbi_header){"www-authenticate", www};
	return -1;
}

/* The Authorization field: 1 found (token, len), 0 none or not Bearer, -1 twice. */
static int bearer(const sbi_request *req, const char **token, size_t *len)
{
	const char *v = NULL;
	for (size_t i = 0; i < req->nheaders; i++) {
		if (strcmp(req->headers[i].name, "authorization") != 0)
			continue;
		if (v != NULL)
			return -1;
		v = req->headers[i].value;
	}
	if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
		return 0;
	v += 7;
	v += strspn(v, " ");
	*token = v;
	*len = strlen(v);
	return 1;
}

/* The scopes this request needs: its service's and, when configured, its operation's. */
static void needed(const aiot_oauth_guard *g, const sbi_request *req, int op, const char *scopes[3])
{
	size_t n = 0;
	for (const aiot_oauth_service *s = g->cfg.services; s != NULL && s->prefix != NULL; s++)
		if (strncmp(req->path, s->prefix, strlen(s->prefix)) == 0) {
			scopes[n++] = s->scope;
			break;
		}
	if (g->cfg.operation_scopes && op >= 0 && (size_t)op < g->cfg.nops &&
	    g->cfg.op_scopes[op][0] != '\0')
		scopes[n++] = g->cfg.op_scopes[op];
	scopes[n] = NULL;
}

int aiot_oauth_authorize(void *guard, const sbi_request *req, int op, sbi_response *resp)
{
	aiot_oauth_guard *g = guard;
	const char *token = NULL, *scopes[3];
	size_t len = 0;
	aiot_jwt_claims claims;
	aiot_jwt_status st;
	int64_t now = (int64_t)time(NULL);
	int b = bearer(req, &token, &len);

	if (b < 0)
		return refuse(g, resp, 400, "Bearer error=\"invalid_request\"", NO_TOKEN,
		              "more than one Authorization field");
	if (b == 0) /* RFC 6750 3.1: no error code when there is no credential */
		return refuse(g, resp, 401, "Bearer", NO_TOKEN,
		              "an OAuth 2.0 access token is required");
	st = aiot_jwt_cache_verify(g->cache[req->worker], g->cfg.nrf_key, g->kid, token, len, now,
	                           &claims);
	if (st == AIOT_JWT_OK) {
		needed(g, req, op, scopes);
		st = aiot_jwt_validate(&claims, &g->cfg.policy, now, req->peer_nf_instance, scopes);
	}
	if (st == AIOT_JWT_OK)
		return 0;
	if (st == AIOT_JWT_INTERNAL) {
		atomic_fetch_add(&g->refused[st], 1);
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "cannot check the access token");
		return -1;
	}
	return refuse(g, resp, st == AIOT_JWT_NO_SCOPE ? 403 : 401, challenge(st), st,
	              st == AIOT_JWT_NO_SCOPE ? "the access token lacks a required scope"
	                                      : "invalid access token");
}

aiot_oauth_guard *aiot_oauth_guard_new(const aiot_oauth_cfg *oc, char *err, size_t errlen)
{
	aiot_oauth_guard *g = calloc(1, sizeof *g);
	if (g == NULL || oc->workers < 1 || oc->policy.issuer == NULL ||
	    aiot_jws_kid(oc->nrf_key, g->kid) != 0 ||
	    (g->cache = calloc((size_t)oc->workers, sizeof *g->cache)) == NULL) {
		snprintf(err, errlen, "oauth2: an issuer and a P-256 NRF public key are required");
		EVP_PKEY_free(oc->nrf_key);
		free(g);
		return NULL;
	}
	g->cfg = *oc;
	for (int i = 0; i < oc->workers; i++)
		if ((g->cache[i] = aiot_jwt_cache_new(oc->cache_slots ? oc->cache_slots : 256)) ==
		    NULL) {
			snprintf(err, errlen, "oauth2: out of memory");
			aiot_oauth_guard_free(g);
			return NULL;
		}
	return g;
}

void aiot_oauth_guard_free(aiot_oauth_guard *g)
{
	if (g == NULL)
		return;
	for (int i = 0; g->cache != NULL && i < g->cfg.workers; i++)
		aiot_jwt_cache_free(g->cache[i]);
	free(g->cache);
	EVP_PKEY_free(g->cfg.nrf_key);
	free(g);
}

char *aiot_oauth_metrics(void *guard)
{
	aiot_oauth_guard *g = guard;
	size_t cap = 4096, o = 0;
	char *s = malloc(cap);
	if (s == NULL)
		return NULL;
	o += (size_t)snprintf(s + o, cap - o,
	                      "# HELP aiot_oauth2_refused_total SBI requests refused by the OAuth "
	                      "2.0 check, by reason.\n# TYPE aiot_oauth2_refused_total counter\n");
	for (unsigned i = 1; i <= AIOT_JWT_STATUS_N && o < cap; i++)
		o += (size_t)snprintf(s + o, cap - o,
		                      "aiot_oauth2_refused_total{reason=\"%s\"} %llu\n",
		                      i == NO_TOKEN ? "no_token" : aiot_jwt_status_name(i),
		                      (unsigned long long)atomic_load(&g->refused[i]));
	return s;
}

void aiot_oauth_log(const aiot_oauth_guard *g)
{
	if (g == NULL) {
		log_info("OAuth 2.0: off, SBI requests need no access token (oauth2.required)");
		return;
	}
	log_info("OAuth 2.0: required on every SBI request: ES256 tokens of issuer %s, kid %s, aud "
	         "%s%s%s, leeway %d s, %s scopes",
	         g->cfg.policy.issuer, g->kid, g->cfg.policy.nf_type,
	         g->cfg.policy.nf_instance ? " or " : "",
	         g->cfg.policy.nf_instance ? g->cfg.policy.nf_instance : "", g->cfg.policy.leeway_s,
	         g->cfg.operation_scopes ? "service and operation" : "service");
}
