/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AF authorization (TS 23.369: the AIOTF checks each AF request against the AF authorization
 * data held by the ADM, TS 29.369 Nadm_DM af-authorization-data). Every request-inv /
 * request-cmd waits here, in the loop thread, until the data of its afId is known, and is
 * then accepted (200 + transaction) or refused (403). The data is kept per AF for ttl_ms
 * (af-auth-ttl-ms), at most AIOTF_AFAUTH_CACHE AFs; concurrent requests of one AF share one
 * fetch. An answer the ADM could not give (unreachable, 5xx) is never kept.
 *
 * What is checked (docs/security.md "AF authorization"):
 *   no data for the AF (404)                      -> 403
 *   allowedServiceOperations: must name INVENTORY for request-inv, the commandType for
 *     request-cmd; absent grants nothing
 *   allowedArea (when present): every targetArea.areaIds item must be one of its areaIds;
 *     a request without targetArea pages every reader, so it is refused
 *   allowedTargetAiotDevices (when present): each targetDevices.devices item must be listed
 *     or start with a listed filteringInfo; a filteringInfo must start with a listed one
 *     (it is then at least as narrow); a request without targetDevices (all devices of
 *     the area) is refused
 *   DO-A subscriptions: allowedServiceOperations "DOA"; the targets as above (the filter is
 *     then within what the AF may see); an AF restricted to allowedArea is refused (a DO-A
 *     uplink names no area, so the AIOTF could not keep it to one)
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "aiotf_internal.h"
#include "common/base64.h"
#include "svc/log.h"

#define AFAUTH_PATH "/nadm-dm/v1/af-authorization-data?af-id="
#define AFAUTH_MAX_ID 255 /* characters of an afId the ADM can look up */

/* AllowedServiceOperation values this AIOTF offers; bit i of afauth.ops grants op_names[i]. */
/* "DOA" is ours (the anyOf string branch of TS 29.369 AllowedServiceOperation): it grants DO-A
 * subscriptions (openapi/Naiotf_DoA.yaml), i.e. the registrations and uplink data of DO-A
 * devices within allowedTargetAiotDevices. */
static const char *const op_names[] = {"INVENTORY", "READ", "WRITE", "PERMANENT_DISABLE", "DOA"};

struct afauth_entry {
	aiotf *a;
	char *af_id;
	afauth data;
	uint64_t fetched_us; /* 0 while the fetch runs */
	aiotf_req *waiters;  /* requests waiting for the fetch */
	afauth_entry *next;
};

void afauth_clear(afauth *z)
{
	free(z->areas);
	amap_clear(&z->ids, NULL);
	free(z->filts);
	memset(z, 0, sizeof *z);
}

static unsigned ops_bit(const char *s)
{
	for (size_t i = 0; i < sizeof op_names / sizeof op_names[0]; i++)
		if (strcmp(s, op_names[i]) == 0)
			return 1u << i;
	return 0; /* the anyOf string branch: an operation this AIOTF does not offer */
}

/* AllowedTargetAiotDevice: exactly one of aiotDevPermId / filteringInfo (base64). */
static int parse_target(const cJSON *it, afauth *z)
{
	static char listed; /* the value of every z->ids entry */
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "aiotDevPermId");
	const cJSON *f = cJSON_GetObjectItemCaseSensitive(it, "filteringInfo");
	aiotf_id v;
	int err = 0;
	if ((id == NULL) == (f == NULL))
		return -1;
	const cJSON *s = id ? id : f;
	int n = cJSON_IsString(s)
	            ? aiot_b64_decode(s->valuestring, strlen(s->valuestring), v.b, sizeof v.b)
	            : -1;
	if (n <= 0)
		return -1;
	v.len = (uint8_t)n;
	if (f != NULL)
		z->filts[z->nfilts++] = v;
	else
		amap_put(&z->ids, v.b, v.len, &listed, &err);
	return err ? -1 : 0;
}

int afauth_parse(const cJSON *body, const char *af_id, afauth *z, char *err, size_t errlen)
{
	sbi_err e = {0};
	const cJSON *map = cJSON_GetObjectItemCaseSensitive(body, "afAuthData");
	const cJSON *one =
	    cJSON_IsObject(map) ? cJSON_GetObjectItemCaseSensitive(map, af_id) : NULL;
	const cJSON *ops, *area, *tg, *it;
	memset(z, 0, sizeof *z);
	if (!cJSON_IsObject(map)) {
		snprintf(err, errlen, "AfAuthorizationData without afAuthData");
		return -1;
	}
	if (one == NULL)
		return 0; /* not for this AF: nothing granted */
	if (!cJSON_IsObject(one))
		goto bad;
	z->known = 1;
	if ((ops = cJSON_GetObjectItemCaseSensitive(one, "allowedServiceOperations")) != NULL) {
		if (!cJSON_IsArray(ops) || cJSON_GetArraySize(ops) < 1)
			goto bad;
		cJSON_ArrayForEach(it, ops)
		{
			if (!cJSON_IsString(it))
				goto bad;
			z->ops |= ops_bit(it->valuestring);
		}
	}
	if ((area = cJSON_GetObjectItemCaseSensitive(one, "allowedArea")) != NULL) {
		if (naiotf_parse_area(area, "allowedArea", &z->areas, &z->nareas, &e) < 0) {
			snprintf(err, errlen, "AF '%s': %s", af_id, e.text);
			afauth_clear(z);
			return -1;
		}
		z->has_area = 1;
	}
	if ((tg = cJSON_GetObjectItemCaseSensitive(one, "allowedTargetAiotDevices")) != NULL) {
		size_t n = cJSON_IsArray(tg) ? (size_t)cJSON_GetArraySize(tg) : 0;
		if (n == 0 || amap_init(&z->ids, n) != 0 ||
		    (z->filts = calloc(n, sizeof *z->filts)) == NULL)
			goto bad;
		cJSON_ArrayForEach(it, tg)
		{
			if (parse_target(it, z) != 0)
				goto bad;
		}
		z->has_targets = 1;
	}
	return 0;
bad:
	snprintf(err, errlen, "AF '%s': IndividualAfAuthorizationData does not match its schema",
	         af_id);
	afauth_clear(z);
	return -1;
}

static int area_eq(const aiotf_area *x, const aiotf_area *y)
{
	return strcmp(x->mcc, y->mcc) == 0 && strcmp(x->mnc, y->mnc) == 0 &&
	       strcasecmp(x->nid, y->nid) == 0 && strcasecmp(x->code, y->code) == 0;
}

static int starts_with(const aiotf_id *id, const aiotf_id *prefix)
{
	return id->len >= prefix->len && memcmp(id->b, prefix->b, prefix->len) == 0;
}

/* Permanent ID listed, or under a listed filter. */
static int id_allowed(const afauth *z, const aiotf_id *id)
{
	if (amap_get(&z->ids, id->b, id->len) != NULL)
		return 1;
	for (size_t i = 0; i < z->nfilts; i++)
		if (starts_with(id, &z->filts[i]))
			return 1;
	return 0;
}

static int refuse(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int refuse(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return -1;
}

static int targets_allowed(const afauth *z, const aiotf_req *r, char *why, size_t cap)
{
	if (!z->has_targets)
		return 0;
	if (r->kind == TGT_AREA)
		return refuse(why, cap,
		              "all devices (of the area) are beyond "
		              "allowedTargetAiotDevices: name targetDevices");
	if (r->kind == TGT_FILTER) {
		for (size_t i = 0; i < z->nfilts; i++)
			if (starts_with(&r->filt, &z->filts[i]))
				return 0;
		return refuse(why, cap,
		              "targetDevices.filteringInfo is not within "
		              "allowedTargetAiotDevices");
	}
	for (size_t i = 0; i < r->ndevs; i++)
		if (!id_allowed(z, &r->devs[i]))
			return refuse(why, cap,
			              "targetDevices.devices[%zu] is not within "
			              "allowedTargetAiotDevices",
			              i);
	return 0;
}

int afauth_decide(const afauth *z, const aiotf_req *r, char *why, size_t cap)
{
	int op = r->type == TX_INVENTORY    ? 0
	         : r->type == TX_DOA_SUB    ? 4
	         : r->cmd == AIOT_CMD_READ  ? 1
	         : r->cmd == AIOT_CMD_WRITE ? 2
	                                    : 3;
	if (!z->known)
		return refuse(why, cap, "no authorization data for AF '%s'", r->af_id);
	if (!(z->ops & (1u << op)))
		return refuse(why, cap, "AF '%s' is not allowed %s (allowedServiceOperations)",
		              r->af_id, op_names[op]);
	if (z->has_area && r->type == TX_DOA_SUB)
		return refuse(why, cap,
		              "AF '%s' is restricted to allowedArea: DO-A uplinks name no "
		              "area, so a DO-A subscription cannot be kept to one",
		              r->af_id);
	if (z->has_area && r->nareas == 0)
		return refuse(why, cap,
		              "AF '%s' is restricted to allowedArea: targetArea is "
		              "required (without it every reader is paged)",
		              r->af_id);
	for (size_t i = 0; z->has_area && i < r->nareas; i++) {
		size_t k = 0;
		while (k < z->nareas && !area_eq(&r->areas[i], &z->areas[k]))
			k++;
		if (k == z->nareas)
			return refuse(why, cap, "targetArea.areaIds[%zu] is outside allowedArea",
			              i);
	}
	return targets_allowed(z, r, why, cap);
}

/* ---- answering the AF ------------------------------------------------------------------ */

void afauth_refuse(aiotf *a, aiotf_req *r, int status, const char *cause, const char *detail)
{
	sbi_response resp = {0};
	atomic_fetch_add(&a->st.requests_refused, 1);
	atomic_fetch_sub(&a->st.active_tx, 1);
	sbi_problem(&resp, status, cause, "%s", detail);
	sbi_complete(r->pending, &resp);
	aiotf_req_free(r);
}

/* Authorized: the transId, then the transaction. */
static void accept_req(aiotf *a, aiotf_req *r)
{
	sbi_response resp = {0};
	char *body = NULL;
	if (r->type == TX_DOA_SUB) {
		doa_subs_create(a, r);
		return;
	}
	if (asprintf(&body, "{\"transId\":\"%s\"}", r->trans_id) < 0) {
		afauth_refuse(a, r, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	if (a->drain_forced) { /* SIGTERM: authorized too late to run */
		free(body);
		afauth_refuse(a, r, 503, NULL, "the AIOTF is stopping");
		return;
	}
	char why[200];
	if ((r->dest = notify_acquire(a, r, why, sizeof why)) == NULL) {
		free(body); /* docs/security.md "Notifications": no destination slot */
		afauth_refuse(a, r, 503, "NF_CONGESTION", why);
		return;
	}
	sbi_pending *p = r->pending;
	tx *t = tx_start(&a->proc, r);
	if (t == NULL) {
		free(body);
		notify_release(a, r->dest);
		afauth_refuse(a, r, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	sbi_json(&resp, 200, body);
	sbi_complete(p, &resp);
	inv_start(t);
}

/* The AF's own text, safe for a log line (no control characters, bounded). */
static const char *printable(const char *in, char *out, size_t cap)
{
	size_t i = 0;
	for (; in[i] != '\0' && i + 1 < cap; i++)
		out[i] = (unsigned char)in[i] < 0x20 || in[i] == 0x7f ? '?' : in[i];
	out[i] = '\0';
	return out;
}

static void decide_and_answer(aiotf *a, const afauth *z, aiotf_req *r)
{
	char why[256], pa[80];
	r->next = NULL;
	if (afauth_decide(z, r, why, sizeof why) == 0) {
		accept_req(a, r);
		return;
	}
	log_info("request from AF '%s' refused: %s", printable(r->af_id, pa, sizeof pa),
	         printable(why, why, sizeof why));
	afauth_refuse(a, r, 403, NULL, why);
}

/* ---- the cache and the fetch ----------------------------------------------------------- */

static void entry_free(afauth_entry *e)
{
	afauth_clear(&e->data);
	free(e->af_id);
	free(e);
}

/* Drop expired entries, then the oldest fetched ones beyond the bound (the list is in
 * fetch order, newest first); entries being fetched stay. */
static void prune(aiotf *a)
{
	uint64_t now = aiot_mono_us(), ttl = (uint64_t)a->cfg.af_auth_ttl_ms * 1000u;
	size_t kept = 0;
	for (afauth_entry **pp = &a->afauth; *pp != NULL;) {
		afauth_entry *e = *pp;
		int fetching = e->fetched_us == 0;
		if (!fetching && (now - e->fetched_us >= ttl || kept >= AIOTF_AFAUTH_CACHE)) {
			*pp = e->next;
			entry_free(e);
			continue;
		}
		kept += !fetching;
		pp = &e->next;
	}
}

static void unlink_entry(aiotf *a, afauth_entry *e)
{
	for (afauth_entry **pp = &a->afauth; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			return;
		}
}

static void on_fetch(void *arg, int status, const cJSON *body, const char *err)
{
	afauth_entry *e = arg;
	aiotf *a = e->a;
	aiotf_req *w = e->waiters;
	char msg[256] = "";
	e->waiters = NULL;
	int ok = status == 404 || (status == 200 && body != NULL &&
	                           afauth_parse(body, e->af_id, &e->data, msg, sizeof msg) == 0);
	if (!a->proc.stopping && !ok) {
		if (status == 0)
			snprintf(msg, sizeof msg,
			         "the ADM could not be reached for the AF "
			         "authorization data: %s",
			         err ? err : "no answer");
		else if (status != 200)
			snprintf(msg, sizeof msg,
			         "the ADM answered %d to the AF authorization data "
			         "request",
			         status);
		else if (msg[0] == '\0')
			snprintf(msg, sizeof msg, "the ADM's AF authorization data is not JSON");
		char pa[80];
		log_warn("AF '%s': %s", printable(e->af_id, pa, sizeof pa),
		         printable(msg, msg, sizeof msg));
	}
	for (aiotf_req *r = w, *n; r != NULL; r = n) {
		n = r->next;
		if (a->proc.stopping)
			afauth_refuse(a, r, 503, NULL, "the AIOTF is stopping");
		else if (!ok && status == 0) /* TS 29.500 5.2.7.2: the network, not the AF */
			afauth_refuse(a, r, 504, "TARGET_NF_NOT_REACHABLE", msg);
		else if (!ok)
			afauth_refuse(a, r, 500, "SYSTEM_FAILURE", msg);
		else
			decide_and_answer(a, &e->data, r);
	}
	unlink_entry(a, e);
	if (a->proc.stopping || !ok) {
		entry_free(e);
		return;
	}
	e->fetched_us = aiot_mono_us();
	e->next = a->afauth; /* newest first */
	a->afauth = e;
	prune(a);
}

/* afId as a query value (RFC 3986 unreserved characters kept). */
static void pct_encode(const char *in, char *out)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *in != '\0'; in++) {
		unsigned char c = (unsigned char)*in;
		if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
			*out++ = (char)c;
		} else {
			*out++ = '%';
			*out++ = hex[c >> 4];
			*out++ = hex[c & 15];
		}
	}
	*out = '\0';
}

void afauth_submit(aiotf *a, aiotf_req *r)
{
	uint64_t now = aiot_mono_us(), ttl = (uint64_t)a->cfg.af_auth_ttl_ms * 1000u;
	afauth_entry *e;
	char path[sizeof AFAUTH_PATH + 3 * AFAUTH_MAX_ID];
	r->next = NULL;
	if (strlen(r->af_id) > AFAUTH_MAX_ID) {
		afauth_refuse(a, r, 403, NULL,
		              "afId: no authorization data can name an AF ID "
		              "longer than 255 characters");
		return;
	}
	for (e = a->afauth; e != NULL; e = e->next)
		if (strcmp(e->af_id, r->af_id) == 0)
			break;
	if (e != NULL && e->fetched_us == 0) { /* a fetch runs: wait for it */
		r->next = e->waiters;
		e->waiters = r;
		return;
	}
	if (e != NULL && now - e->fetched_us < ttl) {
		decide_and_answer(a, &e->data, r);
		return;
	}
	if (e != NULL) {
		unlink_entry(a, e);
		entry_free(e);
	}
	if ((e = calloc(1, sizeof *e)) == NULL || (e->af_id = strdup(r->af_id)) == NULL) {
		free(e);
		afauth_refuse(a, r, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	e->a = a;
	e->waiters = r;
	e->next = a->afauth;
	a->afauth = e;
	memcpy(path, AFAUTH_PATH, sizeof AFAUTH_PATH - 1);
	pct_encode(r->af_id, path + sizeof AFAUTH_PATH - 1);
	if (adm_call(a, "GET", path, NULL, 0, NULL, on_fetch, e) != 0) { /* out of memory */
		unlink_entry(a, e);
		e->waiters = NULL;
		entry_free(e);
		afauth_refuse(a, r, 500, "SYSTEM_FAILURE", "out of memory");
	}
}

void afauth_free_all(aiotf *a)
{
	while (a->afauth != NULL) {
		afauth_entry *e = a->afauth;
		a->afauth = e->next;
		for (aiotf_req *r = e->waiters, *n; r != NULL; r = n) {
			n = r->next;
			afauth_refuse(a, r, 503, NULL, "the AIOTF is stopping");
		}
		entry_free(e);
	}
}
