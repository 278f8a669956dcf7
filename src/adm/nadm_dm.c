/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nadm_DM (TS 29.369, API nadm-dm/v1 1.0.1):
 *   GET   /aiot-device-profile-data/{aiotDevPermId}         AiotDevProfileData
 *   PATCH /aiot-device-profile-data/{aiotDevPermId}         merge patch (RFC 7396)
 *   GET   /aiot-device-profile-data?requester-aiot-devices-id=...  AiotDevProfileDataList
 *   GET   /af-authorization-data[?af-id=...]                AfAuthorizationData
 */
#include <stdlib.h>
#include <string.h>

#include "adm_internal.h"
#include "common/base64.h"
#include "crypto/ct.h"

/* AiotDevProfileData of one device; NULL when out of memory. */
static cJSON *profile_json(adm *a, const aiot_dev_record *r)
{
	cJSON *j = cJSON_CreateObject(), *thi;
	char *stored = aiot_store_get_profile_json(a->store, r->perm_id, r->perm_id_len);
	cJSON *extra = stored ? cJSON_Parse(stored) : NULL;
	free(stored);
	cJSON *lk = extra ? cJSON_DetachItemFromObjectCaseSensitive(extra, "lastKnownAiotfInfo")
			  : NULL;
	if (lk == NULL && (lk = cJSON_CreateObject()) != NULL && /* required: "not known" */
	    cJSON_AddBoolToObject(lk, "lastKnownAiotfInfoInd", 0) == NULL) {
		cJSON_Delete(lk);
		lk = NULL;
	}
	if (sbi_json_put(j, "aiotDevPermId", sbi_json_b64_item(r->perm_id, r->perm_id_len))) {
		cJSON_Delete(lk);
		goto fail;
	}
	if (sbi_json_put(j, "lastKnownAiotfInfo", lk) ||
	    (r->has_tid && sbi_json_put(j, "tidCurrent", sbi_json_hex_item(r->tid, 16))) ||
	    (r->has_tid_prev && sbi_json_put(j, "tidPrevious", sbi_json_hex_item(r->tid_prev, 16))) ||
	    (thi = cJSON_AddObjectToObject(j, "tidHandlingInformation")) == NULL ||
	    cJSON_AddStringToObject(thi, "tidType", r->tid_type == AIOT_TID_CONCEALED
							? "CONCEALED"
							: "STORED") == NULL)
		goto fail;
	cJSON *ext = extra ? cJSON_GetObjectItemCaseSensitive(extra, "tidHandlingInformation")
			   : NULL;
	cJSON *flag = ext ? cJSON_GetObjectItemCaseSensitive(ext, "tidHandlingInformation") : NULL;
	if (cJSON_IsBool(flag) &&
	    cJSON_AddBoolToObject(thi, "tidHandlingInformation", cJSON_IsTrue(flag)) == NULL)
		goto fail;
	cJSON_Delete(extra);
	return j;
fail:
	cJSON_Delete(extra);
	cJSON_Delete(j);
	return NULL;
}

static int decode_id(const char *b64, uint8_t *id, size_t *len)
{
	int n = aiot_b64_decode(b64, strlen(b64), id, AIOT_PERM_ID_MAX);
	if (n <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

/* RFC 7396 merge of patch into target (both objects). */
static void merge_patch(cJSON *target, const cJSON *patch)
{
	for (const cJSON *p = patch->child; p != NULL; p = p->next) {
		cJSON *t = cJSON_GetObjectItemCaseSensitive(target, p->string);
		if (cJSON_IsNull(p)) {
			cJSON_DeleteItemFromObjectCaseSensitive(target, p->string);
		} else if (cJSON_IsObject(p) && cJSON_IsObject(t)) {
			merge_patch(t, p);
		} else {
			cJSON_DeleteItemFromObjectCaseSensitive(target, p->string);
			cJSON_AddItemToObject(target, p->string, cJSON_Duplicate(p, 1));
		}
	}
}

/* Validate a PATCH document: only lastKnownAiotfInfo and the tidHandlingInformation flag
 * may change; the identifier and the T-IDs are the ADM's own (403). */
static int check_patch(const cJSON *patch, const uint8_t *id, size_t idlen, sbi_response *resp)
{
	for (const cJSON *p = patch->child; p != NULL; p = p->next) {
		const char *k = p->string;
		if (strcmp(k, "aiotDevPermId") == 0) {
			uint8_t other[AIOT_PERM_ID_MAX];
			size_t olen;
			if (!cJSON_IsString(p) || decode_id(p->valuestring, other, &olen) != 0 ||
			    olen != idlen || memcmp(other, id, idlen) != 0) {
				sbi_problem(resp, 403, "MODIFICATION_NOT_ALLOWED",
					    "aiotDevPermId cannot be changed");
				return -1;
			}
		} else if (strcmp(k, "tidCurrent") == 0 || strcmp(k, "tidPrevious") == 0) {
			sbi_problem(resp, 403, "MODIFICATION_NOT_ALLOWED",
				    "%s is managed by the ADM (Nadm_Sec get-tid)", k);
			return -1;
		} else if (strcmp(k, "lastKnownAiotfInfo") == 0) {
			const cJSON *ind = cJSON_GetObjectItemCaseSensitive(p, "lastKnownAiotfInfoInd");
			if (!cJSON_IsObject(p) || !cJSON_IsBool(ind)) {
				sbi_problem(resp, 400, "MANDATORY_IE_INCORRECT",
					    "lastKnownAiotfInfo: an object with a boolean "
					    "lastKnownAiotfInfoInd is required");
				return -1;
			}
			const char *strs[] = {"lastKnownAiotfId", "lastKnownAiotfFqdn"};
			for (size_t i = 0; i < 2; i++) {
				const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, strs[i]);
				if (s != NULL && !cJSON_IsString(s)) {
					sbi_problem(resp, 400, "OPTIONAL_IE_INCORRECT",
						    "lastKnownAiotfInfo.%s: expected a string", strs[i]);
					return -1;
				}
			}
			const cJSON *addr = cJSON_GetObjectItemCaseSensitive(p, "lastKnownAiotfAddress");
			if (addr != NULL && !cJSON_IsObject(addr)) {
				sbi_problem(resp, 400, "OPTIONAL_IE_INCORRECT",
					    "lastKnownAiotfInfo.lastKnownAiotfAddress: expected an "
					    "IpAddr object");
				return -1;
			}
		} else if (strcmp(k, "tidHandlingInformation") == 0) {
			const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "tidType");
			const cJSON *f = cJSON_GetObjectItemCaseSensitive(p, "tidHandlingInformation");
			if (!cJSON_IsObject(p) || (t != NULL && !cJSON_IsString(t)) ||
			    (f != NULL && !cJSON_IsBool(f))) {
				sbi_problem(resp, 400, "OPTIONAL_IE_INCORRECT",
					    "tidHandlingInformation: malformed");
				return -1;
			}
		}
		/* Other members: ignored, as an unknown extension (TS 29.501 5.2.4). */
	}
	return 0;
}

typedef struct patch_ctx {
	sbi_pending *p;
} patch_ctx;

static void patch_done(void *arg, int rc)
{
	patch_ctx *c = arg;
	sbi_response resp = {0};
	if (rc == 0)
		resp.status = 204;
	else
		sbi_problem(&resp, 500, "SYSTEM_FAILURE", "the store could not persist the change");
	sbi_complete(c->p, &resp);
	free(c);
}

void nadm_dm_profile(adm *a, const sbi_request *req, sbi_response *resp, const char *b64)
{
	uint8_t id[AIOT_PERM_ID_MAX];
	size_t idlen;
	aiot_dev_record r;
	sbi_err e = {0};

	if (decode_id(b64, id, &idlen) != 0) {
		sbi_problem(resp, 400, "MANDATORY_IE_INCORRECT",
			    "aiotDevPermId: expected base64 of 1 to %d bytes", AIOT_PERM_ID_MAX);
		return;
	}
	if (aiot_store_get(a->store, id, idlen, &r) != 0) {
		adm_not_found(a, resp, id, idlen);
		return;
	}
	if (strcmp(req->method, "GET") == 0) {
		adm_reply(resp, 200, profile_json(a, &r));
		goto out;
	}
	cJSON *patch = sbi_json_parse_object(req->body, req->body_len, &e);
	if (patch == NULL) {
		adm_reject(a, resp, &e);
		goto out;
	}
	if (check_patch(patch, id, idlen, resp) != 0) {
		cJSON_Delete(patch);
		goto out;
	}
	char *stored = aiot_store_get_profile_json(a->store, id, idlen);
	cJSON *doc = stored ? cJSON_Parse(stored) : NULL;
	free(stored);
	if (!cJSON_IsObject(doc)) {
		cJSON_Delete(doc);
		doc = cJSON_CreateObject();
	}
	cJSON_DeleteItemFromObjectCaseSensitive(patch, "aiotDevPermId");
	merge_patch(doc, patch);
	cJSON_Delete(patch);
	char *txt = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	patch_ctx *c = calloc(1, sizeof *c);
	if (txt == NULL || c == NULL) {
		free(txt);
		free(c);
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		goto out;
	}
	c->p = sbi_defer(req);
	if (aiot_store_set_profile_json(a->store, id, idlen, txt, patch_done, c) != 0)
		patch_done(c, -1);
	free(txt);
out:
	aiot_zeroize(&r, sizeof r);
}

/* The value of query parameter name (not decoded), or NULL; *len its length. */
static const char *query_param(const char *q, const char *name, size_t *len)
{
	size_t n = strlen(name);
	while (q != NULL && *q != '\0') {
		const char *amp = strchr(q, '&');
		size_t seg = amp ? (size_t)(amp - q) : strlen(q);
		if (seg > n && strncmp(q, name, n) == 0 && q[n] == '=') {
			*len = seg - n - 1;
			return q + n + 1;
		}
		q = amp ? amp + 1 : NULL;
	}
	return NULL;
}

void nadm_dm_profiles(adm *a, const sbi_request *req, sbi_response *resp)
{
	size_t len, count = 0;
	const char *v = query_param(req->query, "requester-aiot-devices-id", &len);
	if (v == NULL || len == 0) {
		sbi_problem(resp, 400, "MANDATORY_QUERY_PARAM_MISSING",
			    "requester-aiot-devices-id is required");
		return;
	}
	cJSON *root = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(root, "aiotDevProfileDataList");
	const char *end = v + len;
	if (list == NULL) {
		cJSON_Delete(root);
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	while (v < end) {
		const char *comma = memchr(v, ',', (size_t)(end - v));
		size_t n = comma ? (size_t)(comma - v) : (size_t)(end - v);
		char b64[4 * AIOT_PERM_ID_MAX];
		uint8_t id[AIOT_PERM_ID_MAX];
		size_t idlen;
		aiot_dev_record r;
		if (++count > a->lim.max_bundle) {
			cJSON_Delete(root);
			sbi_problem(resp, 400, "INVALID_QUERY_PARAM",
				    "requester-aiot-devices-id: at most %zu identifiers",
				    a->lim.max_bundle);
			return;
		}
		if (sbi_pct_decode(v, n, b64, sizeof b64) <= 0 || decode_id(b64, id, &idlen) != 0) {
			cJSON_Delete(root);
			sbi_problem(resp, 400, "INVALID_QUERY_PARAM",
				    "requester-aiot-devices-id: item %zu is not base64", count);
			return;
		}
		int known = aiot_store_get(a->store, id, idlen, &r) == 0;
		cJSON *pj = known ? profile_json(a, &r) : NULL;
		aiot_zeroize(&r, sizeof r);
		if (known && (pj == NULL || !cJSON_AddItemToArray(list, pj))) {
			cJSON_Delete(pj);
			cJSON_Delete(root);
			sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
			return;
		}
		v += n + 1;
	}
	if (cJSON_GetArraySize(list) == 0) { /* minItems 1 */
		cJSON_Delete(root);
		atomic_fetch_add(&a->not_found, 1);
		sbi_problem(resp, 404, "CONTEXT_NOT_FOUND", "none of the AIoT devices is known");
		return;
	}
	adm_reply(resp, 200, root);
}

void nadm_dm_af_auth(adm *a, const sbi_request *req, sbi_response *resp)
{
	size_t len;
	const char *v = query_param(req->query, "af-id", &len);
	if (a->af_auth == NULL) {
		sbi_problem(resp, 404, "DATA_NOT_FOUND", "no AF authorization data configured");
		return;
	}
	cJSON *root = cJSON_CreateObject();
	if (v == NULL) {
		if (sbi_json_put(root, "afAuthData", cJSON_Duplicate(a->af_auth, 1)) != 0) {
			cJSON_Delete(root);
			root = NULL; /* adm_reply: 500 */
		}
		adm_reply(resp, 200, root);
		return;
	}
	char af[256];
	if (sbi_pct_decode(v, len, af, sizeof af) < 0) {
		cJSON_Delete(root);
		sbi_problem(resp, 400, "INVALID_QUERY_PARAM", "af-id is not valid");
		return;
	}
	cJSON *one = cJSON_GetObjectItemCaseSensitive(a->af_auth, af);
	if (one == NULL) {
		cJSON_Delete(root);
		sbi_problem(resp, 404, "DATA_NOT_FOUND", "no authorization data for AF '%s'", af);
		return;
	}
	cJSON *m = cJSON_AddObjectToObject(root, "afAuthData");
	if (m == NULL || sbi_json_put(m, af, cJSON_Duplicate(one, 1)) != 0) {
		cJSON_Delete(root);
		root = NULL; /* adm_reply: 500 */
	}
	adm_reply(resp, 200, root);
}
