/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nadm_DM (TS 29.369, API nadm-dm/v1 1.0.1):
 *   GET   /aiot-device-profile-data/{aiotDevPermId}         AiotDevProfileData
 *   PATCH /aiot-device-profile-data/{aiotDevPermId}         merge patch (RFC 7396)
 *   GET   /aiot-device-profile-data?requester-aiot-devices-id=...  AiotDevProfileDataList
 *   PATCH /aiot-device-profile-data                          PatchItem array (RFC 6902 ops)
 *   GET   /af-authorization-data[?af-id=...]                AfAuthorizationData
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm_internal.h"
#include "dm_profile.h"
#include "common/base64.h"
#include "crypto/ct.h"

/* AiotDevProfileData of one device; NULL when out of memory. */
static cJSON *profile_json(adm *a, const aiot_dev_record *r)
{
	char *stored = aiot_store_get_profile_json(a->store, r->perm_id, r->perm_id_len);
	cJSON *doc = dm_doc_load(stored, r->tid_type);
	free(stored);
	cJSON *j = doc ? cJSON_CreateObject() : NULL;
	if (sbi_json_put(j, "aiotDevPermId", sbi_json_b64_item(r->perm_id, r->perm_id_len)) ||
	    sbi_json_put(j, "lastKnownAiotfInfo",
	                 cJSON_DetachItemFromObjectCaseSensitive(doc, "lastKnownAiotfInfo")) ||
	    (r->has_tid && sbi_json_put(j, "tidCurrent", sbi_json_hex_item(r->tid, 16))) ||
	    (r->has_tid_prev &&
	     sbi_json_put(j, "tidPrevious", sbi_json_hex_item(r->tid_prev, 16))) ||
	    sbi_json_put(j, "tidHandlingInformation",
	                 cJSON_DetachItemFromObjectCaseSensitive(doc, "tidHandlingInformation"))) {
		cJSON_Delete(doc);
		cJSON_Delete(j);
		return NULL;
	}
	cJSON_Delete(doc);
	return j;
}

static int decode_id(const char *b64, uint8_t *id, size_t *len)
{
	int n = aiot_b64_decode(b64, strlen(b64), id, AIOT_PERM_ID_MAX);
	if (n <= 0)
		return -1;
	*len = (size_t)n;
	return 0;
}

/* ProblemDetails with invalidParams naming the member (TS 29.571 InvalidParam). */
static void dm_problem(sbi_response *resp, const dm_err *e)
{
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "status", e->status);
	cJSON_AddStringToObject(j, "detail", e->reason);
	cJSON_AddStringToObject(j, "cause", e->cause);
	cJSON *one = cJSON_CreateObject();
	cJSON_AddStringToObject(one, "param", e->param[0] ? e->param : "/");
	cJSON_AddStringToObject(one, "reason", e->reason);
	cJSON_AddItemToArray(cJSON_AddArrayToObject(j, "invalidParams"), one);
	char *txt = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (txt == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	sbi_json(resp, e->status, txt);
	resp->content_type = "application/problem+json";
}

static int refuse(dm_err *e, const char *param, const char *reason)
{
	*e = (dm_err){.status = 400, .cause = "MANDATORY_IE_INCORRECT"};
	snprintf(e->param, sizeof e->param, "%s", param);
	snprintf(e->reason, sizeof e->reason, "%s", reason);
	return -1;
}

/* One device of a PATCH, and one PatchItem of a bundled PATCH. */
typedef struct dm_target {
	uint8_t id[AIOT_PERM_ID_MAX];
	size_t idlen;
	aiot_tid_type type;
	char *stored, *next;
	cJSON *doc;
} dm_target;

typedef struct dm_item {
	const cJSON *it;
	size_t t;
	const char *rest, *from; /* pointers inside the device's profile */
} dm_item;

/* A PATCH (one device, or bundled): applied again to what is stored if another write came
 * first, and written as one (all devices or none). */
typedef struct dm_patch {
	adm_cas c;
	cJSON *body;
	int bundled;
	size_t n, nitems;
	dm_target *t;
	dm_item *items;
	aiot_profile_write *w;
} dm_patch;

static void targets_reset(dm_patch *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->t[i].stored);
		free(p->t[i].next);
		cJSON_Delete(p->t[i].doc);
		p->t[i].stored = p->t[i].next = NULL;
		p->t[i].doc = NULL;
	}
}

static void patch_free(adm_cas *c)
{
	dm_patch *p = (dm_patch *)c;
	if (p->t != NULL)
		targets_reset(p);
	cJSON_Delete(p->body);
	free(p->t);
	free(p->items);
	free(p->w);
	free(p);
}

/* A bundled path "/{aiotDevPermId}/member...": the device's index in p->t (added if new)
 * and *rest, the pointer inside its profile; -1 if it names no device's member. */
static long path_target(dm_patch *p, const char *path, const char **rest, size_t max)
{
	char b64[4 * AIOT_PERM_ID_MAX];
	uint8_t id[AIOT_PERM_ID_MAX];
	size_t idlen, n = 0;
	const char *end = path[0] == '/' ? strchr(path + 1, '/') : NULL;
	if (end == NULL || (size_t)(end - path) >= sizeof b64)
		return -1;
	for (const char *c = path + 1; c < end; c++) /* RFC 6901: "~1" is '/', "~0" is '~' */
		b64[n++] = (*c == '~' && c + 1 < end) ? (*++c == '1' ? '/' : '~') : *c;
	b64[n] = '\0';
	/* aiotDevPermId and the T-IDs are the ADM's own: only these two members change. */
	if (decode_id(b64, id, &idlen) != 0 || (strncmp(end, "/lastKnownAiotfInfo", 19) != 0 &&
	                                        strncmp(end, "/tidHandlingInformation", 23) != 0))
		return -1;
	*rest = end;
	for (size_t i = 0; i < p->n; i++)
		if (p->t[i].idlen == idlen && memcmp(p->t[i].id, id, idlen) == 0)
			return (long)i;
	if (p->n == max)
		return -1;
	memcpy(p->t[p->n].id, id, idlen);
	p->t[p->n].idlen = idlen;
	return (long)p->n++;
}

/* Parses a bundled body (an array of PatchItem) into items and targets. */
static int bundle_parse(dm_patch *p, size_t max, dm_err *e)
{
	size_t k = 0, cnt = (size_t)cJSON_GetArraySize(p->body);
	char where[48];
	if (cnt == 0 || cnt > max) {
		snprintf(where, sizeof where, "at most %zu PatchItems", max);
		return refuse(e, "/", cnt == 0 ? "an array of PatchItem is required" : where);
	}
	if ((p->items = calloc(cnt, sizeof *p->items)) == NULL ||
	    (p->t = calloc(cnt, sizeof *p->t)) == NULL)
		return refuse(e, "/", "out of memory");
	for (const cJSON *it = p->body->child; it != NULL; it = it->next, k++) {
		const cJSON *op = cJSON_GetObjectItemCaseSensitive(it, "op");
		const cJSON *path = cJSON_GetObjectItemCaseSensitive(it, "path");
		const cJSON *from = cJSON_GetObjectItemCaseSensitive(it, "from");
		dm_item *m = &p->items[k];
		long t = -1;
		snprintf(where, sizeof where, "/%zu/path", k);
		if (!cJSON_IsObject(it) || !cJSON_IsString(op) || !cJSON_IsString(path) ||
		    (t = path_target(p, path->valuestring, &m->rest, cnt)) < 0)
			return refuse(e, where,
			              "expected a PatchItem whose path is /{aiotDevPermId}"
			              "/lastKnownAiotfInfo... or .../tidHandlingInformation...");
		m->it = it;
		m->t = (size_t)t;
		snprintf(where, sizeof where, "/%zu/from", k);
		if (from != NULL && (!cJSON_IsString(from) ||
		                     path_target(p, from->valuestring, &m->from, cnt) != t))
			return refuse(e, where, "from must name a member of the same device");
	}
	p->nitems = cnt;
	return 0;
}

/* Loads every target's document; 1 after answering resp (unknown device). */
static int targets_load(dm_patch *p, sbi_response *resp)
{
	aiot_dev_record r;
	for (size_t i = 0; i < p->n; i++) {
		dm_target *t = &p->t[i];
		int rc = aiot_store_get(p->c.a->store, t->id, t->idlen, &r);
		if (rc != AIOT_OK) {
			adm_lookup_failed(p->c.a, resp, rc, t->id, t->idlen);
			return 1;
		}
		t->type = r.tid_type;
		aiot_zeroize(&r, sizeof r);
		t->stored = aiot_store_get_profile_json(p->c.a->store, t->id, t->idlen);
		if ((t->doc = dm_doc_load(t->stored, t->type)) == NULL) {
			sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
			return 1;
		}
	}
	return 0;
}

/* Applies the body to the documents and checks them; 0, or -1 with e. */
static int patch_apply(dm_patch *p, dm_err *e)
{
	if (!p->bundled && dm_merge(p->t[0].doc, p->body, p->t[0].id, p->t[0].idlen, e) != 0)
		return -1;
	for (size_t k = 0; k < p->nitems; k++) {
		char where[48];
		snprintf(where, sizeof where, "/%zu", k);
		const dm_item *m = &p->items[k];
		if (dm_patch_op(p->t[m->t].doc, m->it, m->rest, m->from, where, e) != 0)
			return -1;
	}
	for (size_t i = 0; i < p->n; i++) {
		if (dm_doc_check(p->t[i].doc, p->t[i].type, e) != 0) {
			if (p->bundled) { /* name the device's member as a bundled path would */
				char b64[AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 1], param[256];
				aiot_b64_encode(p->t[i].id, p->t[i].idlen, b64);
				snprintf(param, sizeof param, "/%s%s", b64, e->param);
				snprintf(e->param, sizeof e->param, "%.159s", param);
			}
			return -1;
		}
		if ((p->t[i].next = dm_doc_text(p->t[i].doc)) == NULL)
			return refuse(e, "/", "out of memory");
	}
	return 0;
}

static int patch_decide(adm_cas *c, sbi_response *resp)
{
	dm_patch *p = (dm_patch *)c;
	dm_err e = {0};
	size_t changed = 0;
	targets_reset(p);
	if (targets_load(p, resp))
		return 1;
	if (patch_apply(p, &e) != 0) {
		atomic_fetch_add(&c->a->rejected, 1);
		dm_problem(resp, &e);
		return 1;
	}
	for (size_t i = 0; i < p->n; i++) {
		const dm_target *t = &p->t[i];
		if (t->stored == NULL || strcmp(t->stored, t->next) != 0)
			p->w[changed++] = (aiot_profile_write){t->id, t->idlen, t->stored, t->next};
	}
	c->status = 204;
	if (changed == 0) { /* nothing to write: the profile already says so */
		resp->status = 204;
		return 1;
	}
	adm_cas_defer(c);
	return adm_cas_queued(
	    c, aiot_store_set_profiles(c->a->store, p->w, changed, adm_cas_done, c), resp);
}

/* PATCH of one profile (merge patch) or of the bundle (PatchItem array): the body is checked
 * against TS29369_Nadm_DM.yaml member by member; what is not understood is refused. */
static void dm_patch_run(adm *a, const sbi_request *req, sbi_response *resp, const uint8_t *id,
                         size_t idlen)
{
	size_t cap = id != NULL ? AIOT_PROFILE_MAX : a->lim.max_bundle * (size_t)AIOT_PROFILE_MAX;
	dm_err e = {0};
	if (req->body_len > cap) {
		atomic_fetch_add(&a->rejected, 1);
		sbi_problem(resp, 413, NULL, "a PATCH body takes at most %zu bytes", cap);
		return;
	}
	dm_patch *p = calloc(1, sizeof *p);
	if (p == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	p->c = (adm_cas){.a = a, .decide = patch_decide, .free = patch_free};
	p->bundled = id == NULL;
	sbi_err je = {0};
	if ((p->body = sbi_json_parse(req->body, req->body_len, &je)) == NULL) {
		refuse(&e, "/", "");
		snprintf(e.reason, sizeof e.reason, "%.150s", je.text);
		e.status = sbi_err_status(&je);
		e.cause = je.cause;
		goto refused;
	}
	if (p->bundled ? !cJSON_IsArray(p->body) : !cJSON_IsObject(p->body)) {
		refuse(&e, "/",
		       p->bundled ? "expected a JSON array of PatchItem"
		                  : "expected a JSON merge patch object (RFC 7396)");
		e.cause = "INVALID_MSG_FORMAT";
		goto refused;
	}
	if (!p->bundled) {
		if ((p->t = calloc(1, sizeof *p->t)) == NULL)
			goto oom;
		memcpy(p->t[0].id, id, idlen);
		p->t[0].idlen = idlen;
		p->n = 1;
	} else if (bundle_parse(p, a->lim.max_bundle, &e) != 0) {
		goto refused;
	}
	if ((p->w = calloc(p->n, sizeof *p->w)) == NULL)
		goto oom;
	adm_cas_run(&p->c, req, resp);
	return;
refused:
	atomic_fetch_add(&a->rejected, 1);
	dm_problem(resp, &e);
	patch_free(&p->c);
	return;
oom:
	sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
	patch_free(&p->c);
}

void nadm_dm_patch_bundle(adm *a, const sbi_request *req, sbi_response *resp)
{
	dm_patch_run(a, req, resp, NULL, 0);
}

void nadm_dm_profile(adm *a, const sbi_request *req, sbi_response *resp, const char *b64)
{
	uint8_t id[AIOT_PERM_ID_MAX];
	size_t idlen;
	aiot_dev_record r;

	if (decode_id(b64, id, &idlen) != 0) {
		sbi_problem(resp, 400, "MANDATORY_IE_INCORRECT",
		            "aiotDevPermId: expected base64 of 1 to %d bytes", AIOT_PERM_ID_MAX);
		return;
	}
	if (strcmp(req->method, "GET") != 0) {
		dm_patch_run(a, req, resp, id, idlen);
		return;
	}
	int rc = aiot_store_get(a->store, id, idlen, &r);
	if (rc != AIOT_OK) {
		adm_lookup_failed(a, resp, rc, id, idlen);
		return;
	}
	adm_reply(resp, 200, profile_json(a, &r));
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
			sbi_problem(resp, 400, "MANDATORY_QUERY_PARAM_INCORRECT",
			            "requester-aiot-devices-id: at most %zu identifiers",
			            a->lim.max_bundle);
			return;
		}
		if (sbi_pct_decode(v, n, b64, sizeof b64) <= 0 || decode_id(b64, id, &idlen) != 0) {
			cJSON_Delete(root);
			sbi_problem(resp, 400, "MANDATORY_QUERY_PARAM_INCORRECT",
			            "requester-aiot-devices-id: item %zu is not base64", count);
			return;
		}
		int grc = aiot_store_get(a->store, id, idlen, &r), known = grc == AIOT_OK;
		if (!known && grc != AIOT_ERR_UNKNOWN) {
			cJSON_Delete(root);
			adm_store_failed(a, resp, grc);
			return;
		}
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
		sbi_problem(resp, 404, NULL, "none of the AIoT devices is known");
		return;
	}
	adm_reply(resp, 200, root);
}

void nadm_dm_af_auth(adm *a, const sbi_request *req, sbi_response *resp)
{
	size_t len;
	const char *v = query_param(req->query, "af-id", &len);
	if (a->af_auth == NULL) {
		sbi_problem(resp, 404, NULL, "no AF authorization data configured");
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
		sbi_problem(resp, 400, "OPTIONAL_QUERY_PARAM_INCORRECT", "af-id is not valid");
		return;
	}
	cJSON *one = cJSON_GetObjectItemCaseSensitive(a->af_auth, af);
	if (one == NULL) {
		cJSON_Delete(root);
		sbi_problem(resp, 404, NULL, "no authorization data for AF '%s'", af);
		return;
	}
	cJSON *m = cJSON_AddObjectToObject(root, "afAuthData");
	if (m == NULL || sbi_json_put(m, af, cJSON_Duplicate(one, 1)) != 0) {
		cJSON_Delete(root);
		root = NULL; /* adm_reply: 500 */
	}
	adm_reply(resp, 200, root);
}
