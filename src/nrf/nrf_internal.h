/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the NRF's service files (nrf.c routes to nrf_nfm.c and nrf_disc.c). */
#ifndef AIOT_NRF_INTERNAL_H
#define AIOT_NRF_INTERNAL_H
#include <cjson/cJSON.h>
#include <stdatomic.h>

#include "nrf.h"
#include "oauth/jws.h"
#include "sbi/sbi_json.h"

enum {
	NRF_OP_PUT,
	NRF_OP_PATCH,
	NRF_OP_DELETE,
	NRF_OP_GET,
	NRF_OP_DISCOVER,
	NRF_OP_TOKEN,
	NRF_OP_N
};

struct nrf {
	nrf_registry *reg;
	nrf_cfg cfg;
	char id[37];
	char kid[AIOT_JWS_KID_LEN + 1]; /* of cfg.signing_key */
	/* Counters for /metrics, by nrf_operations[] index. */
	atomic_ullong ops[NRF_OP_N], rejected;
	atomic_ullong tokens[NRF_TOKEN_RESULT_N]; /* by nrf_token_results[] */
};

/* A JSON reply (j consumed; NULL: 500). */
void nrf_reply(sbi_response *resp, int status, cJSON *j);
void nrf_reject(nrf *n, sbi_response *resp, const sbi_err *e);

/* Nnrf_NFManagement, TS 29.510 5.2.2; id: the percent-decoded {nfInstanceID}. */
void nrf_nfm_instance(nrf *n, const sbi_request *req, sbi_response *resp, const char *id);
/* Nnrf_AccessToken, TS 29.510 5.4.2.2 (nrf_token.c): POST /oauth2/token. */
void nrf_token_request(nrf *n, const sbi_request *req, sbi_response *resp);
/* Nnrf_NFDiscovery, TS 29.510 5.3.2. */
void nrf_disc_search(nrf *n, const sbi_request *req, sbi_response *resp);

#endif
