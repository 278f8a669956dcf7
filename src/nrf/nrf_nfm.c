/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nnrf_NFManagement, TS 29.510 5.2.2 (TS29510_Nnrf_NFManagement.yaml), the NF instance
 * resource {apiRoot}/nnrf-nfm/v1/nf-instances/{nfInstanceID}:
 *   PUT    RegisterNFInstance: 201 + Location (new) or 200 (replaced), the NFProfile
 *   PATCH  UpdateNFInstance (application/json-patch+json): 200 + the NFProfile; a
 *          heartbeat is a PATCH (TS 29.510 5.2.2.3.2)
 *   DELETE DeregisterNFInstance: 204
 *   GET    GetNFInstance: 200 + the NFProfile
 */
#include <stdio.h>
#include <string.h>

#include "common/clock.h"
#include "svc/nf_id.h"
#include "nrf_internal.h"
#include "nrf_profile.h"

static cJSON *parse(nrf *n, const sbi_request *req, sbi_response *resp, const char *media)
{
	sbi_err e = {0};
	if (!sbi_media_is(req->content_type, media)) {
		sbi_problem(resp, 415, NULL, "content-type must be %s", media);
		return NULL;
	}
	cJSON *j = sbi_json_parse(req->body, req->body_len, &e);
	if (j == NULL)
		nrf_reject(n, resp, &e);
	return j;
}

static void put(nrf *n, const sbi_request *req, sbi_response *resp, const char *id)
{
	/* The resource lives until the answer is submitted, right after this handler returns,
	 * in this thread (sbi_h2.c): a per-thread buffer holds the Location. */
	static _Thread_local char location[96];
	sbi_err e = {0};
	cJSON *out = NULL, *p = parse(n, req, resp, "application/json");
	if (p == NULL)
		return;
	int st = nrf_registry_put(n->reg, id, p, aiot_mono_ms(), &out, &e);
	if (st < 0) {
		nrf_reject(n, resp, &e);
		return;
	}
	nrf_reply(resp, st, out);
	if (st == 201 && resp->status == 201) { /* TS 29.510 5.2.2.2.2: Location of the resource */
		snprintf(location, sizeof location, "/nnrf-nfm/v1/nf-instances/%s", id);
		resp->extra[resp->nextra++] = (sbi_header){"location", location};
	}
}

static void patch(nrf *n, const sbi_request *req, sbi_response *resp, const char *id)
{
	sbi_err e = {0};
	cJSON *out = NULL, *p = parse(n, req, resp, "application/json-patch+json");
	if (p == NULL)
		return;
	int st = nrf_registry_patch(n->reg, id, p, aiot_mono_ms(), &out, &e);
	cJSON_Delete(p);
	if (st < 0)
		nrf_reject(n, resp, &e);
	else
		nrf_reply(resp, st, out);
}

void nrf_nfm_instance(nrf *n, const sbi_request *req, sbi_response *resp, const char *id)
{
	const char *m = req->method;
	if (!aiot_uuid_valid(id)) {
		sbi_err e = {.cause = "MANDATORY_IE_INCORRECT"};
		snprintf(e.text, sizeof e.text, "nfInstanceID is not a UUID");
		nrf_reject(n, resp, &e);
		return;
	}
	if (strcmp(m, "PUT") == 0) {
		put(n, req, resp, id);
	} else if (strcmp(m, "PATCH") == 0) {
		patch(n, req, resp, id);
	} else if (strcmp(m, "DELETE") == 0) {
		if (nrf_registry_delete(n->reg, id) == 0)
			resp->status = 204;
		else
			sbi_problem(resp, 404, NULL, "no NF instance %s", id);
	} else if (strcmp(m, "GET") == 0) {
		cJSON *p = nrf_registry_get(n->reg, id, aiot_mono_ms());
		if (p != NULL)
			nrf_reply(resp, 200, p);
		else
			sbi_problem(resp, 404, NULL, "no NF instance %s", id);
	} else {
		sbi_problem(resp, 405, NULL,
		            "nf-instances/{nfInstanceID} accepts GET, PUT, PATCH, "
		            "DELETE");
		resp->extra[resp->nextra++] = (sbi_header){"allow", "GET, PUT, PATCH, DELETE"};
	}
}
