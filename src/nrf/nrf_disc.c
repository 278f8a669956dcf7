/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nnrf_NFDiscovery, TS 29.510 5.3.2 (TS29510_Nnrf_NFDiscovery.yaml):
 * GET {apiRoot}/nnrf-disc/v1/nf-instances?target-nf-type=&requester-nf-type=[&...]
 * -> 200 SearchResult {validityPeriod, nfInstances}. Filters served: target-nf-type and
 * requester-nf-type (required), target-nf-instance-id, requester-nf-instance-id (checked),
 * service-names (form style, comma-separated). Other parameters of the YAML are accepted
 * and do not narrow the search (TS 29.510 6.2.3.2.3.1: the NRF may ignore what it does not
 * support).
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "svc/nf_id.h"
#include "nrf_internal.h"
#include "nrf_profile.h"

#define MAX_VALUE 512
#define MAX_NAMES 16

typedef struct disc_params {
	char target[64], requester[64], target_id[64], requester_id[64], services[MAX_VALUE];
	int have_target, have_requester, have_target_id, have_requester_id, have_services;
} disc_params;

/* Parse the query string into p; -1 with e on a malformed or repeated parameter. */
static int parse_query(const char *q, disc_params *p, sbi_err *e)
{
	static const struct {
		const char *name;
		size_t off, have, cap;
	} known[] = {
#define K(n, f, h)                                                                                 \
	{n, offsetof(disc_params, f), offsetof(disc_params, h), sizeof((disc_params *)0)->f}
	    K("target-nf-type", target, have_target),
	    K("requester-nf-type", requester, have_requester),
	    K("target-nf-instance-id", target_id, have_target_id),
	    K("requester-nf-instance-id", requester_id, have_requester_id),
	    K("service-names", services, have_services),
#undef K
	};
	while (q != NULL && *q != '\0') {
		const char *amp = strchr(q, '&'), *end = amp ? amp : q + strlen(q);
		const char *eq = memchr(q, '=', (size_t)(end - q));
		for (size_t i = 0; eq != NULL && i < sizeof known / sizeof known[0]; i++) {
			if (strlen(known[i].name) != (size_t)(eq - q) ||
			    strncmp(q, known[i].name, (size_t)(eq - q)) != 0)
				continue;
			int *have = (int *)((char *)p + known[i].have);
			char *val = (char *)p + known[i].off;
			if (*have || sbi_pct_decode(eq + 1, (size_t)(end - eq - 1), val,
			                            known[i].cap) <= 0) {
				e->cause = "INVALID_QUERY_PARAM";
				snprintf(e->text, sizeof e->text, "%s: malformed or repeated",
				         known[i].name);
				return -1;
			}
			*have = 1;
		}
		q = amp ? amp + 1 : NULL;
	}
	return 0;
}

/* The members of the NFManagement NFProfile the NFDiscovery NFProfile (TS 29.510 6.2.6.2.3)
 * does not have: the NRF's business with the instance, not its consumers'. */
static void to_discovery_profiles(cJSON *arr)
{
	static const char *const mgmt_only[] = {
	    "heartBeatTimer",
	    "nfProfileChangesInd",
	    "nfProfileChangesSupportInd",
	    "nfProfilePartialUpdateChangesSupportInd",
	    "nrfInfo",
	    "shutdownTime",
	    "supportedRcfs",
	    "canaryPrecedenceOverPreferred",
	    "5gDdnmfInfo",
	};
	cJSON *p;
	cJSON_ArrayForEach(p, arr) for (size_t i = 0; i < sizeof mgmt_only / sizeof mgmt_only[0];
	                                i++)
	    cJSON_DeleteItemFromObjectCaseSensitive(p, mgmt_only[i]);
}

static size_t split_names(char *s, const char **names)
{
	size_t n = 0;
	for (char *save = NULL, *t = strtok_r(s, ",", &save); t && n < MAX_NAMES;
	     t = strtok_r(NULL, ",", &save))
		names[n++] = t;
	return n;
}

void nrf_disc_search(nrf *n, const sbi_request *req, sbi_response *resp)
{
	disc_params p = {0};
	sbi_err e = {0};
	const char *names[MAX_NAMES];
	if (parse_query(req->query, &p, &e) != 0)
		goto reject;
	/* TS 29.510 6.2.3.2.3.1: both are mandatory */
	if (!p.have_target || !p.have_requester) {
		e.cause = "MANDATORY_QUERY_PARAM_MISSING";
		snprintf(e.text, sizeof e.text,
		         "target-nf-type and requester-nf-type are required");
		goto reject;
	}
	if ((p.have_target_id && !aiot_uuid_valid(p.target_id)) ||
	    (p.have_requester_id && !aiot_uuid_valid(p.requester_id))) {
		e.cause = "INVALID_QUERY_PARAM";
		snprintf(e.text, sizeof e.text, "an NF instance ID parameter is not a UUID");
		goto reject;
	}
	nrf_query q = {
	    .target_nf_type = p.target,
	    .requester_nf_type = p.requester,
	    .target_nf_instance_id = p.have_target_id ? p.target_id : NULL,
	    .service_names = names,
	    .nservice_names = p.have_services ? split_names(p.services, names) : 0,
	};
	cJSON *res = cJSON_CreateObject(), *arr = nrf_registry_search(n->reg, &q, aiot_mono_ms());
	if (arr != NULL)
		to_discovery_profiles(arr);
	if (res == NULL || arr == NULL ||
	    sbi_json_put(res, "validityPeriod", cJSON_CreateNumber(n->cfg.validity_s)) != 0) {
		cJSON_Delete(arr);
		cJSON_Delete(res);
		res = NULL;
	} else if (sbi_json_put(res, "nfInstances", arr) != 0) { /* arr freed */
		cJSON_Delete(res);
		res = NULL;
	}
	nrf_reply(resp, 200, res);
	return;
reject:
	nrf_reject(n, resp, &e);
}
