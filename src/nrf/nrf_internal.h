/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the NRF's service files (nrf.c routes to nrf_nfm.c and nrf_disc.c). */
#ifndef AIOT_NRF_INTERNAL_H
#define AIOT_NRF_INTERNAL_H
#include <cjson/cJSON.h>
#include <stdatomic.h>

#include "nrf.h"
#include "sbi/sbi_json.h"

struct nrf {
	nrf_registry *reg;
	nrf_cfg cfg;
	char id[37];
	/* Counters for /metrics, by nrf_operations[] index. */
	atomic_ullong ops[6], rejected;
};

enum { NRF_OP_PUT, NRF_OP_PATCH, NRF_OP_DELETE, NRF_OP_GET, NRF_OP_DISCOVER, NRF_OP_N };

/* A JSON reply (j consumed; NULL: 500). */
void nrf_reply(sbi_response *resp, int status, cJSON *j);
void nrf_reject(nrf *n, sbi_response *resp, const sbi_err *e);

/* Nnrf_NFManagement, TS 29.510 5.2.2; id: the percent-decoded {nfInstanceID}. */
void nrf_nfm_instance(nrf *n, const sbi_request *req, sbi_response *resp, const char *id);
/* Nnrf_NFDiscovery, TS 29.510 5.3.2. */
void nrf_disc_search(nrf *n, const sbi_request *req, sbi_response *resp);

#endif
