/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nnrf_AccessToken, the pure half (TS 29.510 5.4.2.2, TS29510_Nnrf_AccessToken.yaml; RFC 6749
 * 4.4 and 5.2): the AccessTokenReq form and the NRF's policy of which requester NF type may
 * get which scopes. nrf_token.c serves POST /oauth2/token with them and signs the token
 * (src/oauth). Both functions here are pure: the unit test and the fuzz target drive them.
 *
 * The form (application/x-www-form-urlencoded, WHATWG/HTML: '&'-separated name=value, '+'
 * for a space, %XX escapes) is parsed strictly: a bad escape, a NUL, an empty or repeated
 * name, or a name that is not a property of AccessTokenReq is refused (invalid_request). Of
 * the YAML's properties this NRF uses grant_type, nfInstanceId, nfType, targetNfType,
 * targetNfInstanceId and scope; the others (requesterPlmn, targetSnssaiList, ...) are
 * accepted and do not narrow the grant (no roaming, no slices here).
 */
#ifndef AIOT_NRF_TOKEN_H
#define AIOT_NRF_TOKEN_H
#include <stddef.h>
#include <stdint.h>

#define NRF_TOKEN_MAX_SCOPE 1024
#define NRF_TOKEN_MAX_RULES 16

/* AccessTokenErr.error (TS 29.510 6.3.5.2.4, RFC 6749 5.2), with a description. */
typedef struct nrf_token_err {
	const char *error; /* "invalid_request", "invalid_client", "invalid_scope", ... */
	char description[160];
} nrf_token_err;

typedef struct nrf_token_req {
	char nf_instance_id[37];        /* lowercased */
	char nf_type[33];               /* "" when absent */
	char target_nf_type[33];        /* "" when absent */
	char target_nf_instance_id[37]; /* "" when absent; lowercased */
	char scope[NRF_TOKEN_MAX_SCOPE + 1];
} nrf_token_req;

/* Parses a form body of len octets into r: every property decoded, grant_type =
 * client_credentials (else unsupported_grant_type), nfInstanceId a UUID, scope matching the
 * YAML's pattern (else invalid_scope), nfType / targetNfType NF type names, targetNfType or
 * targetNfInstanceId present. 0, or -1 with e. */
int nrf_token_req_parse(const uint8_t *body, size_t len, nrf_token_req *r, nrf_token_err *e);

/* Which scopes each requester NF type may be granted: token.policy.TYPE "s1 s2" in
 * config/nrf.yaml; a type without a rule gets nothing (default deny). A rule's service name
 * ("nadm-sec") also grants that service's operation scopes ("nadm-sec:get-authentication:
 * invoke", TS 33.501 13.4.1.1). */
typedef struct nrf_token_policy {
	size_t n;
	struct {
		char nf_type[33];
		char scopes[NRF_TOKEN_MAX_SCOPE + 1];
	} rule[NRF_TOKEN_MAX_RULES];
} nrf_token_policy;

/* Adds a rule (scopes: space-separated, the YAML's scope pattern). 0, or -1 (malformed, a
 * type given twice, or more than NRF_TOKEN_MAX_RULES). */
int nrf_token_policy_add(nrf_token_policy *p, const char *nf_type, const char *scopes);
/* 0 when nf_type may get every scope of scope; -1 with e: unauthorized_client (no rule for
 * the type) or invalid_scope (a scope not granted). */
int nrf_token_policy_check(const nrf_token_policy *p, const char *nf_type, const char *scope,
                           nrf_token_err *e);

/* The NFType values of TS29510_Nnrf_NFManagement.yaml (NULL-terminated): the policy's keys. */
extern const char *const nrf_token_nf_types[];

#endif
