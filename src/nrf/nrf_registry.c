/* SPDX-License-Identifier: Apache-2.0 */
/* The NRF's registry (nrf_registry.h): a flat array under one lock, written through to the
 * store before the answer is given. */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json_patch.h"
#include "nrf_profile.h"
#include "nrf_registry.h"

typedef struct nrf_entry {
	char id[37]; /* lowercase */
	cJSON *profile;
	uint64_t heard_ms;   /* last heartbeat (PUT or PATCH) */
	int suspended_by_us; /* nfStatus set to SUSPENDED by the heartbeat check */
} nrf_entry;

struct nrf_registry {
	pthread_mutex_t mu;
	nrf_store *store;
	nrf_registry_cfg cfg;
	nrf_entry *e;
	size_t n, cap;
};

static void lower_id(const char *in, char out[37])
{
	size_t i = 0;
	for (; in[i] && i < 36; i++)
		out[i] = (char)tolower((unsigned char)in[i]);
	out[i] = '\0';
}

static nrf_entry *find(nrf_registry *r, const char *id)
{
	char k[37];
	lower_id(id, k);
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->e[i].id, k) == 0)
			return &r->e[i];
	return NULL;
}

static void set_status(cJSON *p, const char *st)
{
	cJSON *v = cJSON_CreateString(st);
	if (v != NULL && !cJSON_ReplaceItemInObjectCaseSensitive(p, "nfStatus", v))
		cJSON_Delete(v);
}

static const char *status_of(const cJSON *p)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, "nfStatus");
	return cJSON_IsString(s) ? s->valuestring : "";
}

static int persist(nrf_registry *r, const nrf_entry *en)
{
	if (r->store == NULL)
		return 0;
	char *txt = cJSON_PrintUnformatted(en->profile);
	int rc = txt ? nrf_store_put(r->store, en->id, txt) : -1;
	free(txt);
	return rc;
}

/* TS 29.510 5.2.2.3.2: mark the instances whose heartbeats stopped SUSPENDED. */
static void expire(nrf_registry *r, uint64_t now_ms)
{
	for (size_t i = 0; i < r->n; i++) {
		nrf_entry *en = &r->e[i];
		uint64_t limit = (uint64_t)r->cfg.heartbeat_s * 1000 + r->cfg.grace_ms;
		if (now_ms - en->heard_ms <= limit ||
		    strcmp(status_of(en->profile), "SUSPENDED") == 0)
			continue;
		set_status(en->profile, "SUSPENDED");
		en->suspended_by_us = 1;
		(void)persist(r, en); /* at worst a restart sees it REGISTERED, then expires it */
	}
}

static void impose_timer(nrf_registry *r, cJSON *p)
{
	cJSON *v = cJSON_CreateNumber(r->cfg.heartbeat_s);
	if (v == NULL)
		return;
	if (cJSON_GetObjectItemCaseSensitive(p, "heartBeatTimer") != NULL)
		cJSON_ReplaceItemInObjectCaseSensitive(p, "heartBeatTimer", v);
	else
		cJSON_AddItemToObject(p, "heartBeatTimer", v);
}

static int load_one(void *arg, const char *id, const char *pj)
{
	nrf_registry *r = arg;
	sbi_err e = {0};
	cJSON *p = sbi_json_parse_object((const uint8_t *)pj, strlen(pj), &e);
	if (p == NULL || nrf_profile_check(p, id, &e) != 0 || r->n == r->cap) {
		cJSON_Delete(p); /* not ours: skipped */
		return 0;
	}
	nrf_entry *en = &r->e[r->n++];
	lower_id(id, en->id);
	en->profile = p;
	en->suspended_by_us = strcmp(status_of(p), "SUSPENDED") == 0;
	return 0;
}

nrf_registry *nrf_registry_new(nrf_store *store, const nrf_registry_cfg *cfg, uint64_t now_ms,
                               char *err, size_t errlen)
{
	nrf_registry *r = calloc(1, sizeof *r);
	if (r == NULL || cfg->heartbeat_s < 1)
		goto fail;
	r->cfg = *cfg;
	r->cap = cfg->max_instances ? cfg->max_instances : 4096;
	r->store = store;
	if ((r->e = calloc(r->cap, sizeof *r->e)) == NULL)
		goto fail;
	pthread_mutex_init(&r->mu, NULL);
	if (store != NULL && nrf_store_load(store, load_one, r) != 0) {
		snprintf(err, errlen, "NRF store: cannot read the registry");
		nrf_registry_free(r);
		return NULL;
	}
	for (size_t i = 0; i < r->n; i++)
		r->e[i].heard_ms = now_ms;
	return r;
fail:
	snprintf(err, errlen, "out of memory or heartbeat 0");
	if (r != NULL)
		free(r->e);
	free(r);
	return NULL;
}

void nrf_registry_free(nrf_registry *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		cJSON_Delete(r->e[i].profile);
	free(r->e);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

static int fail(sbi_err *e, int status, const char *cause, const char *text)
{
	e->status = status;
	e->cause = cause;
	snprintf(e->text, sizeof e->text, "%s", text);
	return -1;
}

/* Store p as en's profile (taking it), or give it back on a store failure. */
static int commit(nrf_registry *r, nrf_entry *en, cJSON *p, uint64_t now_ms, cJSON **out,
                  sbi_err *e)
{
	cJSON *old = en->profile;
	en->profile = p;
	if (persist(r, en) != 0 || (*out = cJSON_Duplicate(p, 1)) == NULL) {
		en->profile = old;
		cJSON_Delete(p);
		return fail(e, 500, "SYSTEM_FAILURE", "the registry cannot be written");
	}
	cJSON_Delete(old);
	en->heard_ms = now_ms;
	return 0;
}

int nrf_registry_put(nrf_registry *r, const char *id, cJSON *profile, uint64_t now_ms, cJSON **out,
                     sbi_err *e)
{
	if (nrf_profile_check(profile, id, e) != 0) {
		cJSON_Delete(profile);
		return -1;
	}
	impose_timer(r, profile);
	pthread_mutex_lock(&r->mu);
	nrf_entry *en = find(r, id);
	int created = en == NULL, rc = -1;
	if (created && r->n == r->cap) {
		cJSON_Delete(profile);
		fail(e, 403, NULL, "the registry is full");
		goto out;
	}
	if (created) {
		en = &r->e[r->n];
		memset(en, 0, sizeof *en);
		lower_id(id, en->id);
	}
	en->suspended_by_us = 0;
	if (commit(r, en, profile, now_ms, out, e) == 0) {
		rc = created ? 201 : 200;
		r->n += (size_t)created;
	}
out:
	pthread_mutex_unlock(&r->mu);
	return rc;
}

static int same_member(const cJSON *a, const cJSON *b, const char *name)
{
	return cJSON_Compare(cJSON_GetObjectItemCaseSensitive(a, name),
	                     cJSON_GetObjectItemCaseSensitive(b, name), 1);
}

int nrf_registry_patch(nrf_registry *r, const char *id, const cJSON *patch, uint64_t now_ms,
                       cJSON **out, sbi_err *e)
{
	int rc = -1;
	pthread_mutex_lock(&r->mu);
	expire(r, now_ms);
	nrf_entry *en = find(r, id);
	if (en == NULL) {
		fail(e, 404, NULL, "no NF instance with this nfInstanceId");
		goto out;
	}
	cJSON *p = json_patch_apply(en->profile, patch, e);
	if (p == NULL)
		goto out;
	if (nrf_profile_check(p, id, e) != 0 || !same_member(p, en->profile, "nfType") ||
	    !same_member(p, en->profile, "nfInstanceId")) {
		if (e->status == 0)
			fail(e, 400, "MANDATORY_IE_INCORRECT",
			     "nfType and nfInstanceId cannot change");
		cJSON_Delete(p);
		goto out;
	}
	/* TS 29.510 5.2.2.3.2: a heartbeat brings an instance the NRF suspended back */
	int sets_status = !same_member(p, en->profile, "nfStatus");
	if (en->suspended_by_us && !sets_status)
		set_status(p, "REGISTERED");
	impose_timer(r, p);
	en->suspended_by_us = 0;
	if (commit(r, en, p, now_ms, out, e) == 0)
		rc = 200;
out:
	pthread_mutex_unlock(&r->mu);
	return rc;
}

int nrf_registry_delete(nrf_registry *r, const char *id)
{
	int rc = -1;
	pthread_mutex_lock(&r->mu);
	nrf_entry *en = find(r, id);
	if (en != NULL && (r->store == NULL || nrf_store_delete(r->store, en->id) == 0)) {
		cJSON_Delete(en->profile);
		*en = r->e[--r->n];
		rc = 0;
	}
	pthread_mutex_unlock(&r->mu);
	return rc;
}

cJSON *nrf_registry_get(nrf_registry *r, const char *id, uint64_t now_ms)
{
	pthread_mutex_lock(&r->mu);
	expire(r, now_ms);
	nrf_entry *en = find(r, id);
	cJSON *p = en ? cJSON_Duplicate(en->profile, 1) : NULL;
	pthread_mutex_unlock(&r->mu);
	return p;
}

/* TS 29.510 6.1.6.2.2 allowedNfTypes: absent, any type may discover the instance. */
static int allowed(const cJSON *p, const char *requester)
{
	const cJSON *a = cJSON_GetObjectItemCaseSensitive(p, "allowedNfTypes"), *t;
	if (!cJSON_IsArray(a))
		return 1;
	cJSON_ArrayForEach(t, a) if (cJSON_IsString(t) &&
	                             strcmp(t->valuestring, requester) == 0) return 1;
	return 0;
}

static int matches(const nrf_entry *en, const nrf_query *q)
{
	const cJSON *p = en->profile, *type = cJSON_GetObjectItemCaseSensitive(p, "nfType");
	char k[37];
	if (strcmp(status_of(p), "REGISTERED") != 0 || !cJSON_IsString(type) ||
	    strcmp(type->valuestring, q->target_nf_type) != 0 || !allowed(p, q->requester_nf_type))
		return 0;
	if (q->target_nf_instance_id != NULL) {
		lower_id(q->target_nf_instance_id, k);
		if (strcmp(k, en->id) != 0)
			return 0;
	}
	return q->nservice_names == 0 ||
	       nrf_profile_has_service(p, q->service_names, q->nservice_names);
}

cJSON *nrf_registry_search(nrf_registry *r, const nrf_query *q, uint64_t now_ms)
{
	cJSON *arr = cJSON_CreateArray();
	pthread_mutex_lock(&r->mu);
	expire(r, now_ms);
	for (size_t i = 0; arr != NULL && i < r->n; i++) {
		if (!matches(&r->e[i], q))
			continue;
		cJSON *c = cJSON_Duplicate(r->e[i].profile, 1);
		if (c == NULL || !cJSON_AddItemToArray(arr, c)) {
			cJSON_Delete(c);
			cJSON_Delete(arr);
			arr = NULL;
		}
	}
	pthread_mutex_unlock(&r->mu);
	return arr;
}

size_t nrf_registry_count(nrf_registry *r, uint64_t now_ms, size_t *suspended)
{
	pthread_mutex_lock(&r->mu);
	expire(r, now_ms);
	size_t n = r->n, s = 0;
	for (size_t i = 0; i < r->n; i++)
		s += strcmp(status_of(r->e[i].profile), "SUSPENDED") == 0;
	pthread_mutex_unlock(&r->mu);
	if (suspended)
		*suspended = s;
	return n;
}
