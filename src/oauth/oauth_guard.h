/* SPDX-License-Identifier: Apache-2.0 */
/*
 * OAuth 2.0 at a producer (TS 33.501 13.4.1.2, TS 29.500 6.7.3, RFC 6750): the SBI
 * server's authorize hook (sbi_server_cfg.authorize). Every SBI request must carry
 * "Authorization: Bearer <token>" with an ES256 token of the NRF (the pinned key and kid),
 * iss = the NRF, aud = this NF's type or instance ID, within exp/nbf (leeway <= 30 s), sub =
 * the mutual TLS peer's NF instance when its certificate names one, and the scope of the
 * service (its API root) plus, when configured, the operation's scope of the YAML
 * (securitySchemes). Refusals: 401 `WWW-Authenticate: Bearer error="invalid_token"`, 403
 * error="insufficient_scope", 400 error="invalid_request" (two Authorization fields), each
 * with a ProblemDetails body. The guard owns the NRF's key and one cache of verified tokens
 * per SBI worker (a worker only touches its own: no lock); it is read-only otherwise.
 */
#ifndef AIOT_OAUTH_GUARD_H
#define AIOT_OAUTH_GUARD_H
#include "oauth/jws.h"
#include "sbi/sbi_server.h"
struct cfg; /* svc/config.h */

typedef struct aiot_oauth_service {
	const char *prefix; /* API root on the path, "/nadm-sec/v1/" */
	const char *scope;  /* its service scope, "nadm-sec" */
} aiot_oauth_service;

typedef struct aiot_oauth_cfg {
	EVP_PKEY *nrf_key; /* the guard takes it (freed with the guard, or on failure) */
	aiot_jwt_policy policy;
	const aiot_oauth_service *services; /* terminated by a NULL prefix */
	/* op_scopes[op] for the SBI server's operation index op ("": none), nops of them;
	 * required only when operation_scopes is set. */
	const char *const *op_scopes;
	size_t nops;
	int operation_scopes;
	int workers;        /* the SBI server's */
	size_t cache_slots; /* per worker; 0 = 256 */
} aiot_oauth_cfg;

typedef struct aiot_oauth_guard aiot_oauth_guard;

aiot_oauth_guard *aiot_oauth_guard_new(const aiot_oauth_cfg *oc, char *err, size_t errlen);
void aiot_oauth_guard_free(aiot_oauth_guard *g);
/* The sbi_server_cfg.authorize hook (auth = the guard). */
int aiot_oauth_authorize(void *guard, const sbi_request *req, int op, sbi_response *resp);
/* Logs (info) what the guard requires, or that SBI requests need no token (g NULL). */
void aiot_oauth_log(const aiot_oauth_guard *g);
/* Prometheus text of the refusals by reason (malloc'd; NULL on failure). */
char *aiot_oauth_metrics(void *guard);

/* The producer's configuration (README "OAuth 2.0"): oauth2.required (true|false),
 * oauth2.nrf-public-key, oauth2.issuer, oauth2.operation-scopes (true|false), oauth2.leeway-s
 * (0..30, default 30). nf_instance: this NF's instance ID (nf-instance-id, src/nrfc), accepted
 * in an aud array; NULL: none. op_scopes: NULL-terminated, indexed as the server's
 * operations. *out = NULL when oauth2.required is off. 0, or -1 with err (a configuration
 * error). The guard keeps c's strings: c must outlive it. */
int aiot_oauth_guard_from_cfg(const struct cfg *c, const char *nf_type, const char *nf_instance,
                              const aiot_oauth_service *services, const char *const *op_scopes,
                              int workers, aiot_oauth_guard **out, char *err, size_t errlen);
/* The daemons' flags for the keys above (cfg_opt; `--oauth2-required` takes no value). */
// clang-format off
#define AIOT_OAUTH_FLAGS                                                      \
	{"oauth2-required", "oauth2.required=true"},                          \
	{"nrf-public-key", "oauth2.nrf-public-key"},                          \
	{"oauth2-issuer", "oauth2.issuer"},                                   \
	{"oauth2.operation-scopes", "oauth2.operation-scopes"},               \
	{"oauth2.leeway-s", "oauth2.leeway-s"}
// clang-format on
#define AIOT_OAUTH_USAGE                                                                           \
	"  --oauth2-required       OAuth 2.0 access tokens on every SBI request "                  \
	"(oauth2.required)\n"                                                                      \
	"  --nrf-public-key FILE   the NRF's P-256 public key, PEM (oauth2.nrf-public-key)\n"      \
	"  --oauth2-issuer UUID    the NRF's NF instance ID, the tokens' iss (oauth2.issuer)\n"    \
	"  --oauth2.operation-scopes true|false  per-operation scopes too       [false]\n"         \
	"  --oauth2.leeway-s N     clock leeway of exp/nbf, at most 30          [30]\n"

#endif
