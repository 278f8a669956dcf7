/* SPDX-License-Identifier: Apache-2.0 */
/* ADM context, request routing and metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm_internal.h"
#include "common/base64.h"
#include "crypto/backend_openssl.h"
#include "p11/p11.h"

#define SEC_ROOT "/nadm-sec/v1/"
#define DM_PROFILE "/nadm-dm/v1/aiot-device-profile-data"
#define DM_AF_AUTH "/nadm-dm/v1/af-authorization-data"

adm *adm_new(aiot_store *store, int workers, const adm_limits *limits, const char *af_auth_json,
             char *err, size_t errlen)
{
	adm *a = calloc(1, sizeof *a);
	if (a == NULL || workers < 1) {
		snprintf(err, errlen, "out of memory or no workers");
		free(a);
		return NULL;
	}
	a->store = store;
	a->workers = workers;
	a->lim = (adm_limits){
	    .max_rand_d = 1024, .max_candidates = 4096, .max_xres = 65536, .max_bundle = 256};
	if (limits != NULL) {
		if (limits->max_rand_d)
			a->lim.max_rand_d = limits->max_rand_d;
		if (limits->max_candidates)
			a->lim.max_candidates = limits->max_candidates;
		if (limits->max_xres)
			a->lim.max_xres = limits->max_xres;
		if (limits->max_bundle)
			a->lim.max_bundle = limits->max_bundle;
	}
	a->be = calloc((size_t)workers, sizeof *a->be);
	if (a->be == NULL)
		goto fail;
	for (int i = 0; i < workers; i++) {
		if ((a->be[i] = aiot_backend_openssl_new()) == NULL ||
		    (i == 0 && (a->be_store = aiot_backend_openssl_new()) == NULL)) {
			snprintf(err, errlen, "OpenSSL cannot provide HMAC, CMAC or AES-CTR");
			goto fail;
		}
	}
	if (af_auth_json != NULL) {
		sbi_err je = {0};
		cJSON *j = sbi_json_parse((const uint8_t *)af_auth_json, strlen(af_auth_json), &je);
		if (j == NULL) {
			snprintf(err, errlen, "AF authorization data: %s", je.text);
			goto fail;
		}
		cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "afAuthData");
		if (dm_af_auth_check(m, err, errlen) != 0) {
			cJSON_Delete(j);
			goto fail;
		}
		a->af_auth = cJSON_DetachItemViaPointer(j, m);
		cJSON_Delete(j);
	}
	return a;
fail:
	adm_free(a);
	return NULL;
}

void adm_free(adm *a)
{
	if (a == NULL)
		return;
	void (*be_free)(aiot_backend *) =
	    a->be_p11 ? aiot_p11_backend_free : aiot_backend_openssl_free;
	for (int i = 0; a->be != NULL && i < a->workers; i++)
		be_free(a->be[i]);
	free(a->be);
	be_free(a->be_store);
	cJSON_Delete(a->af_auth);
	free(a);
}

void adm_reply(sbi_response *resp, int status, cJSON *j)
{
	char *txt = j ? cJSON_PrintUnformatted(j) : NULL;
	sbi_json_wipe(j); /* a reply may hold K_AIOTF */
	if (txt == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	sbi_json(resp, status, txt);
	resp->sensitive = 1; /* wiped when sent */
}

void adm_reject(adm *a, sbi_response *resp, const sbi_err *e)
{
	atomic_fetch_add(&a->rejected, 1);
	sbi_problem(resp, sbi_err_status(e), e->cause, "%s", e->text);
}

void adm_not_found(adm *a, sbi_response *resp, const uint8_t *id, size_t len)
{
	char b64[AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 1];
	atomic_fetch_add(&a->not_found, 1);
	aiot_b64_encode(id, len < AIOT_PERM_ID_MAX ? len : AIOT_PERM_ID_MAX, b64);
	sbi_problem(resp, 404, NULL, "no AIoT device with aiotDevPermId %s", b64);
}

int adm_store_failed(adm *a, sbi_response *resp, int rc)
{
	(void)a;
	if (rc == AIOT_ERR_UNKNOWN)
		return 0;
	sbi_problem(resp, 500, "SYSTEM_FAILURE", "the device store cannot be read");
	return 1;
}

void adm_lookup_failed(adm *a, sbi_response *resp, int rc, const uint8_t *id, size_t len)
{
	if (!adm_store_failed(a, resp, rc))
		adm_not_found(a, resp, id, len);
}

static int want_json_body(const sbi_request *req, sbi_response *resp, const char *media)
{
	if (!sbi_media_is(req->content_type, media)) {
		sbi_problem(resp, 415, NULL, "content-type must be %s", media);
		return 0;
	}
	return 1;
}

static void route_sec(adm *a, const sbi_request *req, sbi_response *resp, const char *op)
{
	if (strcmp(req->method, "POST") != 0) {
		sbi_problem(resp, 405, NULL, "%s accepts POST only", req->path);
		resp->extra[resp->nextra++] = (sbi_header){"allow", "POST"};
		return;
	}
	if (strcmp(op, "get-rand") == 0) {
		nadm_sec_get_rand(a, req, resp); /* no request body (TS 29.369 get-rand) */
		return;
	}
	void (*fn)(adm *, const sbi_request *, sbi_response *) = NULL;
	if (strcmp(op, "get-authentication") == 0)
		fn = nadm_sec_get_authentication;
	else if (strcmp(op, "get-session-key") == 0)
		fn = nadm_sec_get_session_key;
	else if (strcmp(op, "get-tid") == 0)
		fn = nadm_sec_get_tid;
	else if (strcmp(op, "get-doa-authentication") == 0)
		fn = nadm_sec_get_doa_authentication;
	if (fn == NULL) {
		sbi_problem(resp, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND",
		            "no operation %s in nadm-sec/v1", op);
		return;
	}
	if (want_json_body(req, resp, "application/json"))
		fn(a, req, resp);
}

void adm_handle(void *app, const sbi_request *req, sbi_response *resp)
{
	adm *a = app;
	const char *p = req->path;

	if (strncmp(p, SEC_ROOT, strlen(SEC_ROOT)) == 0) {
		route_sec(a, req, resp, p + strlen(SEC_ROOT));
		return;
	}
	atomic_fetch_add(&a->dm_requests, 1);
	if (strcmp(p, DM_PROFILE) == 0) {
		if (strcmp(req->method, "GET") == 0) {
			nadm_dm_profiles(a, req, resp);
		} else if (strcmp(req->method, "PATCH") == 0) {
			if (want_json_body(req, resp, "application/merge-patch+json"))
				nadm_dm_patch_bundle(a, req, resp); /* as TS29369_Nadm_DM.yaml */
		} else {
			sbi_problem(resp, 405, NULL, "%s accepts GET and PATCH", p);
			resp->extra[resp->nextra++] = (sbi_header){"allow", "GET, PATCH"};
		}
		return;
	}
	if (strncmp(p, DM_PROFILE "/", strlen(DM_PROFILE) + 1) == 0) {
		const char *seg = p + strlen(DM_PROFILE) + 1;
		char id[4 * AIOT_PERM_ID_MAX];
		if (strchr(seg, '/') != NULL ||
		    sbi_pct_decode(seg, strlen(seg), id, sizeof id) <= 0) {
			sbi_problem(resp, 400, "MANDATORY_IE_INCORRECT",
			            "aiotDevPermId path segment is not valid");
			return;
		}
		if (strcmp(req->method, "GET") == 0 ||
		    (strcmp(req->method, "PATCH") == 0 &&
		     want_json_body(req, resp, "application/merge-patch+json"))) {
			nadm_dm_profile(a, req, resp, id);
		} else if (strcmp(req->method, "PATCH") != 0) {
			sbi_problem(resp, 405, NULL, "%s accepts GET and PATCH",
			            DM_PROFILE "/{id}");
			resp->extra[resp->nextra++] = (sbi_header){"allow", "GET, PATCH"};
		}
		return;
	}
	if (strcmp(p, DM_AF_AUTH) == 0) {
		if (strcmp(req->method, "GET") == 0) {
			nadm_dm_af_auth(a, req, resp);
		} else {
			sbi_problem(resp, 405, NULL, "%s accepts GET", p);
			resp->extra[resp->nextra++] = (sbi_header){"allow", "GET"};
		}
		return;
	}
	sbi_problem(resp, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND", "no resource %s", p);
}

enum {
	OP_SEC_N = 5,
	OP_PROFILE_GET = 5,
	OP_PROFILE_PATCH,
	OP_PROFILES_GET,
	OP_PROFILES_PATCH,
	OP_AF_AUTH_GET
};
const char *const adm_operations[] = {
    "get-rand",
    "get-authentication",
    "get-session-key",
    "get-tid",
    "get-doa-authentication", /* Nadm_Sec first (with its DO-A extension) */
    "dm-profile-get",
    "dm-profile-patch",
    "dm-profiles-get",
    "dm-profiles-patch",
    "dm-af-authorization-data-get",
    NULL,
};

const aiot_oauth_service adm_oauth_services[] = {
    {SEC_ROOT, "nadm-sec"},
    {"/nadm-dm/v1/", "nadm-dm"},
    {NULL, NULL},
};

const char *const adm_op_scopes[] = {
    "nadm-sec:get-rand:invoke",
    "nadm-sec:get-authentication:invoke",
    "nadm-sec:get-session-key:invoke",
    "nadm-sec:get-tid:invoke",
    "",
    "nadm-dm:aiot-device-profile-data:read",
    "nadm-dm:aiot-device-profile-data:modify",
    "nadm-dm:aiot-device-profile-data:read",
    "nadm-dm:aiot-device-profile-data:modify",
    "nadm-dm:af-authorization-data:read",
    NULL,
};

int adm_operation(const sbi_request *req)
{
	const char *p = req->path;
	int get = strcmp(req->method, "GET") == 0, patch = strcmp(req->method, "PATCH") == 0;

	if (strncmp(p, SEC_ROOT, strlen(SEC_ROOT)) == 0) {
		for (int i = 0; i < OP_SEC_N && strcmp(req->method, "POST") == 0; i++)
			if (strcmp(p + strlen(SEC_ROOT), adm_operations[i]) == 0)
				return i;
		return -1;
	}
	if (strcmp(p, DM_PROFILE) == 0)
		return get ? OP_PROFILES_GET : patch ? OP_PROFILES_PATCH : -1;
	if (strncmp(p, DM_PROFILE "/", strlen(DM_PROFILE) + 1) == 0)
		return get ? OP_PROFILE_GET : patch ? OP_PROFILE_PATCH : -1;
	return strcmp(p, DM_AF_AUTH) == 0 && get ? OP_AF_AUTH_GET : -1;
}

char *adm_metrics(void *app)
{
	adm *a = app;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	fprintf(f,
	        "# HELP aiot_adm_devices Devices in the store.\n"
	        "# TYPE aiot_adm_devices gauge\n"
	        "aiot_adm_devices %zu\n"
	        "# HELP aiot_adm_ops_total Nadm_Sec / Nadm_DM operations served.\n"
	        "# TYPE aiot_adm_ops_total counter\n"
	        "aiot_adm_ops_total{op=\"get-rand\"} %llu\n"
	        "aiot_adm_ops_total{op=\"get-authentication\"} %llu\n"
	        "aiot_adm_ops_total{op=\"get-session-key\"} %llu\n"
	        "aiot_adm_ops_total{op=\"get-tid\"} %llu\n"
	        "aiot_adm_ops_total{op=\"dm\"} %llu\n"
	        "# HELP aiot_adm_xres_total XRES_AIOT values computed.\n"
	        "# TYPE aiot_adm_xres_total counter\n"
	        "aiot_adm_xres_total %llu\n"
	        "# HELP aiot_adm_tid_rotations_total T-IDs rotated.\n"
	        "# TYPE aiot_adm_tid_rotations_total counter\n"
	        "aiot_adm_tid_rotations_total %llu\n"
	        "# HELP aiot_adm_auth_by_tid_total get-authentication by T-ID (vendor extension).\n"
	        "# TYPE aiot_adm_auth_by_tid_total counter\n"
	        "aiot_adm_auth_by_tid_total{result=\"found\"} %llu\n"
	        "aiot_adm_auth_by_tid_total{result=\"unknown\"} %llu\n"
	        "# HELP aiot_adm_errors_total Requests refused.\n"
	        "# TYPE aiot_adm_errors_total counter\n"
	        "aiot_adm_errors_total{reason=\"not_found\"} %llu\n"
	        "aiot_adm_errors_total{reason=\"invalid\"} %llu\n",
	        aiot_store_count(a->store), (unsigned long long)a->rand_issued,
	        (unsigned long long)a->auth_requests, (unsigned long long)a->session_keys,
	        (unsigned long long)a->tid_requests, (unsigned long long)a->dm_requests,
	        (unsigned long long)a->xres_computed, (unsigned long long)a->tid_rotations,
	        (unsigned long long)a->auth_by_tid[0], (unsigned long long)a->auth_by_tid[1],
	        (unsigned long long)a->not_found, (unsigned long long)a->rejected);
	fprintf(f,
	        "# HELP aiot_adm_doa_requests_total get-doa-authentication (DO-A) requests.\n"
	        "# TYPE aiot_adm_doa_requests_total counter\n"
	        "aiot_adm_doa_requests_total %llu\n"
	        "# HELP aiot_adm_doa_total get-doa-authentication outcomes.\n"
	        "# TYPE aiot_adm_doa_total counter\n"
	        "aiot_adm_doa_total{result=\"issued\"} %llu\n"
	        "aiot_adm_doa_total{result=\"unknown\"} %llu\n"
	        "aiot_adm_doa_total{result=\"rand_d_reused\"} %llu\n",
	        (unsigned long long)a->doa_requests,
	        (unsigned long long)a->doa_results[ADM_DOA_ISSUED],
	        (unsigned long long)a->doa_results[ADM_DOA_UNKNOWN],
	        (unsigned long long)a->doa_results[ADM_DOA_RAND_REUSED]);
	fclose(f);
	return out;
}
