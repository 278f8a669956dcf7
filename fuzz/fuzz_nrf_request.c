/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NRF's request path on arbitrary input (src/nrf): NFProfile checks on PUT, JSON Patch
 * (RFC 6902) on PATCH, and discovery query parsing, against one registry that lives across
 * inputs (memory only), so that patches meet the profiles earlier inputs registered.
 * Input: byte 0 selects the request and one of 4 instance IDs, the rest is the body (PUT,
 * PATCH) or the query (discovery).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nrf/nrf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static nrf *g_nrf;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ids[] = {"0f6c2a4e-1111-4aaa-8bbb-000000000001",
	                                  "0f6c2a4e-2222-4aaa-8bbb-000000000002",
	                                  "0F6C2A4E-1111-4AAA-8BBB-000000000001", "not-a-uuid"};
	char err[256], path[128];
	if (g_nrf == NULL) {
		nrf_cfg cfg = {.registry = {.heartbeat_s = 1, .max_instances = 8},
		               .validity_s = 60};
		if ((g_nrf = nrf_new(NULL, &cfg, err, sizeof err)) == NULL)
			abort(); /* local invariant of the harness, not peer data */
	}
	if (size < 1)
		return 0;
	char *rest = malloc(size);
	if (rest == NULL)
		return 0;
	memcpy(rest, data + 1, size - 1);
	rest[size - 1] = '\0';
	int sel = data[0] & 7;
	snprintf(path, sizeof path, "/nnrf-nfm/v1/nf-instances/%s", ids[(data[0] >> 3) & 3]);
	sbi_request req = {.path = path, .body = (const uint8_t *)rest, .body_len = size - 1};
	switch (sel) {
	case 0:
	case 1:
		req.method = "PUT";
		req.content_type = "application/json";
		break;
	case 2:
	case 3:
		req.method = "PATCH";
		req.content_type = "application/json-patch+json";
		break;
	case 4:
		req.method = "GET";
		req.path = "/nnrf-disc/v1/nf-instances";
		req.query = rest;
		break;
	case 5:
		req.method = "GET";
		break;
	case 6:
		req.method = "DELETE";
		break;
	default:
		req.method = "GET";
		req.path = rest; /* an arbitrary path */
		break;
	}
	sbi_response resp = {0};
	nrf_handle(g_nrf, &req, &resp);
	if (resp.status < 200 || resp.status > 599)
		abort(); /* every request gets an answer */
	free(resp.body);
	free(nrf_metrics(g_nrf));
	free(rest);
	return 0;
}
