/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NRF (Network Repository Function) of the AIoT core, as TS 29.510 defines it:
 *   Nnrf_NFManagement {apiRoot}/nnrf-nfm/v1/nf-instances/{nfInstanceID}
 *                     PUT (register / replace), PATCH (update, heartbeat: json-patch+json),
 *                     DELETE (deregister), GET (the profile)      nrf_nfm.c
 *   Nnrf_NFDiscovery  {apiRoot}/nnrf-disc/v1/nf-instances  GET (search)   nrf_disc.c
 *   Nnrf_AccessToken  {apiRoot}/oauth2/token  POST (an access token)      nrf_token.c
 *                     (form and policy: nrf_token_req.c, nrf_token.h)
 * over the registry (nrf_registry.h) and its store (nrf_store.h). Request handling is a pure
 * function of the request, the registry, the signing key and the clock; the daemon (main.c)
 * owns the I/O and the key (src/oauth aiot_jws_key_load_or_create).
 */
#ifndef AIOT_NRF_H
#define AIOT_NRF_H
#include <stdint.h>

#include <openssl/evp.h>

#include "nrf_registry.h"
#include "nrf_token.h"
#include "sbi/sbi_server.h"

typedef struct nrf nrf;

typedef struct nrf_cfg {
	nrf_registry_cfg registry;
	uint32_t validity_s;        /* SearchResult.validityPeriod */
	const char *nf_instance_id; /* the NRF's own */
	EVP_PKEY *signing_key;      /* signs the access tokens (the caller keeps it); NULL: none */
	uint32_t token_lifetime_s;  /* exp - iat of a token */
	nrf_token_policy token_policy;
} nrf_cfg;

enum { NRF_TOKEN_RESULT_N = 7 };
/* "issued" and the AccessTokenErr error codes: the labels of aiot_nrf_tokens_total. */
extern const char *const nrf_token_results[NRF_TOKEN_RESULT_N];

/* store may be NULL (memory only). NULL with err. */
nrf *nrf_new(nrf_store *store, const nrf_cfg *cfg, char *err, size_t errlen);
void nrf_free(nrf *n);

/* The sbi_handler for every NRF route. */
void nrf_handle(void *app, const sbi_request *req, sbi_response *resp);
/* Prometheus text of the NRF's counters (malloc'd). */
char *nrf_metrics(void *app);
extern const char *const nrf_operations[];
int nrf_operation(const sbi_request *req);
/* The registry (for counts in the daemon's log). */
nrf_registry *nrf_get_registry(nrf *n);

#endif
