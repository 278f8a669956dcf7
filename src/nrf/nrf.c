/* SPDX-License-Identifier: Apache-2.0 */
/* NRF context, request routing and metrics (nrf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "nrf_internal.h"

#define NFM_INSTANCES "/nnrf-nfm/v1/nf-instances"
#define DISC_INSTANCES "/nnrf-disc/v1/nf-instances"
#define OAUTH2_TOKEN "/oauth2/token"

nrf *nrf_new(nrf_store *store, const nrf_cfg *cfg, char *err, size_t errlen)
{
	nrf *n = calloc(1, sizeof *n);
	if (n == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->cfg = *cfg;
	if (cfg->nf_instance_id != NULL)
		snprintf(n->id, sizeof n->id, "%s", cfg->nf_instance_id);
	n->cfg.nf_instance_id = n->id;
	if (cfg->signing_key != NULL && aiot_jws_kid(cfg->signing_key, n->kid) != 0) {
		snprintf(err, errlen, "the signing key is not a P-256 key");
		free(n);
		return NULL;
	}
	if ((n->reg = nrf_registry_new(store, &cfg->registry, aiot_mono_ms(), err, errlen)) ==
	    NULL) {
		free(n);
		return NULL;
	}
	return n;
}

void nrf_free(nrf *n)
{
	if (n == NULL)
		return;
	nrf_registry_free(n->reg);
	free(n);
}

nrf_registry *nrf_get_registry(nrf *n)
{
	return n->reg;
}

void nrf_reply(sbi_response *resp, int status, cJSON *j)
{
	char *txt = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (txt == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	sbi_json(resp, status, txt);
}

void nrf_reject(nrf *n, sbi_response *resp, const sbi_err *e)
{
	atomic_fetch_add(&n->rejected, 1);
	sbi_problem(resp, sbi_err_status(e), e->cause, "%s", e->text);
}

void nrf_handle(void *app, const sbi_request *req, sbi_response *resp)
{
	nrf *n = app;
	const char *p = req->path;
	int op = nrf_operation(req);
	if (op >= 0)
		atomic_fetch_add(&n->ops[op], 1);

	if (strcmp(p, OAUTH2_TOKEN) == 0) {
		if (strcmp(req->method, "POST") == 0) {
			nrf_token_request(n, req, resp);
		} else {
			sbi_problem(resp, 405, NULL, "%s accepts POST", p);
			resp->extra[resp->nextra++] = (sbi_header){"allow", "POST"};
		}
		return;
	}
	if (strcmp(p, DISC_INSTANCES) == 0) {
		if (strcmp(req->method, "GET") == 0) {
			nrf_disc_search(n, req, resp);
		} else {
			sbi_problem(resp, 405, NULL, "%s accepts GET", p);
			resp->extra[resp->nextra++] = (sbi_header){"allow", "GET"};
		}
		return;
	}
	if (strncmp(p, NFM_INSTANCES "/", strlen(NFM_INSTANCES) + 1) == 0) {
		const char *seg = p + strlen(NFM_INSTANCES) + 1;
		char id[64];
		if (strchr(seg, '/') != NULL ||
		    sbi_pct_decode(seg, strlen(seg), id, sizeof id) <= 0) {
			sbi_problem(resp, 400, "MANDATORY_IE_INCORRECT",
			            "nfInstanceID path segment is not valid");
			return;
		}
		nrf_nfm_instance(n, req, resp, id);
		return;
	}
	sbi_problem(resp, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND", "no resource %s", p);
}

const char *const nrf_operations[] = {
    "RegisterNFInstance",
    "UpdateNFInstance",
    "DeregisterNFInstance",
    "GetNFInstance",
    "SearchNFInstances",
    "AccessTokenRequest",
    NULL,
};

int nrf_operation(const sbi_request *req)
{
	const char *p = req->path, *m = req->method;
	if (strcmp(p, DISC_INSTANCES) == 0)
		return strcmp(m, "GET") == 0 ? NRF_OP_DISCOVER : -1;
	if (strcmp(p, OAUTH2_TOKEN) == 0)
		return strcmp(m, "POST") == 0 ? NRF_OP_TOKEN : -1;
	if (strncmp(p, NFM_INSTANCES "/", strlen(NFM_INSTANCES) + 1) != 0)
		return -1;
	return !strcmp(m, "PUT")      ? NRF_OP_PUT
	       : !strcmp(m, "PATCH")  ? NRF_OP_PATCH
	       : !strcmp(m, "DELETE") ? NRF_OP_DELETE
	       : !strcmp(m, "GET")    ? NRF_OP_GET
	                              : -1;
}

char *nrf_metrics(void *app)
{
	nrf *n = app;
	char *out = NULL;
	size_t len = 0, suspended = 0;
	size_t total = nrf_registry_count(n->reg, aiot_mono_ms(), &suspended);
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	fprintf(f,
	        "# HELP aiot_nrf_nf_instances NF instances registered, by the NRF's status.\n"
	        "# TYPE aiot_nrf_nf_instances gauge\n"
	        "aiot_nrf_nf_instances{status=\"registered\"} %zu\n"
	        "aiot_nrf_nf_instances{status=\"suspended\"} %zu\n"
	        "# HELP aiot_nrf_ops_total Nnrf_NFManagement / Nnrf_NFDiscovery / Nnrf_AccessToken "
	        "requests.\n"
	        "# TYPE aiot_nrf_ops_total counter\n",
	        total - suspended, suspended);
	for (int i = 0; i < NRF_OP_N; i++)
		fprintf(f, "aiot_nrf_ops_total{op=\"%s\"} %llu\n", nrf_operations[i],
		        (unsigned long long)n->ops[i]);
	fprintf(f, "# HELP aiot_nrf_tokens_total Access token requests: issued, or the "
	           "AccessTokenErr error.\n"
	           "# TYPE aiot_nrf_tokens_total counter\n");
	for (int i = 0; i < NRF_TOKEN_RESULT_N; i++)
		fprintf(f, "aiot_nrf_tokens_total{result=\"%s\"} %llu\n", nrf_token_results[i],
		        (unsigned long long)n->tokens[i]);
	fprintf(f,
	        "# HELP aiot_nrf_errors_total Requests refused.\n"
	        "# TYPE aiot_nrf_errors_total counter\n"
	        "aiot_nrf_errors_total %llu\n",
	        (unsigned long long)n->rejected);
	fclose(f);
	return out;
}
