/* SPDX-License-Identifier: Apache-2.0 */
/* KM life cycle, request routing, answers and metrics (sealkm.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "sealkm_internal.h"

sealkm *sealkm_new(const sealkm_cfg *cfg, char *err, size_t errlen)
{
	sealkm *k = calloc(1, sizeof *k);
	if (k == NULL || pthread_mutex_init(&k->lock, NULL) != 0) {
		free(k);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->max_lifetime_s = cfg->max_lifetime_s;
	if (cfg->retrievers != NULL) { /* ",a,b," without blanks */
		size_t n = strlen(cfg->retrievers), o = 1;
		if ((k->retrievers = malloc(n + 3)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		k->retrievers[0] = ',';
		for (size_t i = 0; i < n; i++)
			if (cfg->retrievers[i] != ' ')
				k->retrievers[o++] = cfg->retrievers[i];
		memcpy(k->retrievers + o, ",", 2);
	}
	if ((k->kvs = aiot_kvs_open(cfg->store_uri, "seal_km_psks", cfg->kek, 1, err, errlen)) ==
	    NULL)
		goto fail;
	return k;
fail:
	sealkm_free(k);
	return NULL;
}

void sealkm_free(sealkm *k)
{
	if (k == NULL)
		return;
	aiot_kvs_close(k->kvs);
	free(k->retrievers);
	pthread_mutex_destroy(&k->lock);
	free(k);
}

/* 1 when id is one of the configured retrievers. */
static int is_retriever(const sealkm *k, const char *id)
{
	char item[SEALKM_OWNER_MAX + 3];
	if (k->retrievers == NULL || id == NULL || strchr(id, ',') != NULL)
		return 0;
	snprintf(item, sizeof item, ",%s,", id);
	return strstr(k->retrievers, item) != NULL;
}

/* The key as JSON (owner when with_owner), wiped after printing; answers status. */
static void reply_key(sbi_response *resp, int status, const char *key_id, const sealkm_key *key,
                      int with_owner)
{
	char expiry[32];
	struct tm tm;
	cJSON *o = cJSON_CreateObject();
	char *txt = NULL;
	if (o != NULL && gmtime_r(&key->expiry, &tm) != NULL &&
	    strftime(expiry, sizeof expiry, "%Y-%m-%dT%H:%M:%SZ", &tm) != 0 &&
	    sbi_json_put(o, "keyId", cJSON_CreateString(key_id)) == 0 &&
	    sbi_json_put(o, "psk", sbi_json_hex_item(key->psk, SEALKM_PSK_LEN)) == 0 &&
	    (!with_owner || sbi_json_put(o, "owner", cJSON_CreateString(key->owner)) == 0) &&
	    sbi_json_put(o, "expiry", cJSON_CreateString(expiry)) == 0)
		txt = cJSON_PrintUnformatted(o);
	sbi_json_wipe(o);
	if (txt == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	sbi_json(resp, status, txt);
	resp->sensitive = 1;
}

static void psk_create(sealkm *k, const sbi_request *req, sbi_response *resp)
{
	sbi_err e = {0};
	unsigned long long lifetime;
	sealkm_key key = {0};
	char key_id[SEALKM_KEY_ID_LEN + 1];
	if (req->body_len > 0 && !sbi_media_is(req->content_type, "application/json")) {
		sbi_problem(resp, 415, NULL, "content-type must be application/json");
		return;
	}
	if (sealkm_parse_psk_request(req->body, req->body_len, k->max_lifetime_s, &lifetime, &e) !=
	    0) {
		atomic_fetch_add(&k->count[SEALKM_INVALID], 1);
		sbi_problem(resp, sbi_err_status(&e), e.cause, "%s", e.text);
		return;
	}
	snprintf(key.owner, sizeof key.owner, "%s", req->peer_id);
	key.expiry = time(NULL) + (time_t)lifetime;
	if (sealkm_store_issue(k, &key, key_id) != AIOT_OK) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "cannot issue a key");
	} else {
		atomic_fetch_add(&k->count[SEALKM_ISSUED], 1);
		reply_key(resp, 201, key_id, &key, 0);
	}
	aiot_zeroize(&key, sizeof key);
}

static void psk_get(sealkm *k, const sbi_request *req, const char *key_id, sbi_response *resp)
{
	sealkm_key key = {0};
	if (!is_retriever(k, req->peer_id)) {
		atomic_fetch_add(&k->count[SEALKM_FORBIDDEN], 1);
		sbi_problem(resp, 403, NULL, "this client may not retrieve keys");
		return;
	}
	int rc = sealkm_store_find(k, key_id, time(NULL), &key);
	if (rc == AIOT_OK) {
		atomic_fetch_add(&k->count[SEALKM_RETRIEVED], 1);
		reply_key(resp, 200, key_id, &key, 1);
	} else if (rc == AIOT_ERR_NOTFOUND) {
		atomic_fetch_add(&k->count[SEALKM_UNKNOWN], 1);
		sbi_problem(resp, 404, NULL, "no such key, or expired");
	} else {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "the key store failed");
	}
	aiot_zeroize(&key, sizeof key);
}

void sealkm_handle(void *app, const sbi_request *req, sbi_response *resp)
{
	sealkm *k = app;
	char key_id[SEALKM_KEY_ID_LEN + 1];
	int create = strcmp(req->path, SEALKM_ROOT) == 0;
	if (!create && sealkm_parse_key_path(req->path, key_id) != 0) {
		sbi_problem(resp, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND", "no such resource");
		return;
	}
	const char *allow = create ? "POST" : "GET";
	if (strcmp(req->method, allow) != 0) {
		sbi_problem(resp, 405, NULL, "%s only", allow);
		resp->extra[resp->nextra++] = (sbi_header){"allow", allow};
		return;
	}
	if (req->peer_id == NULL) { /* TLS required the certificate: this is a plain-text set-up */
		sbi_problem(resp, 403, NULL, "a client certificate is required");
		return;
	}
	if (create)
		psk_create(k, req, resp);
	else
		psk_get(k, req, key_id, resp);
}

char *sealkm_metrics(void *app)
{
	sealkm *k = app;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	fprintf(f,
	        "# HELP aiot_sealkm_requests_total SEAL KM requests by outcome.\n"
	        "# TYPE aiot_sealkm_requests_total counter\n"
	        "aiot_sealkm_requests_total{result=\"issued\"} %llu\n"
	        "aiot_sealkm_requests_total{result=\"retrieved\"} %llu\n"
	        "aiot_sealkm_requests_total{result=\"unknown\"} %llu\n"
	        "aiot_sealkm_requests_total{result=\"forbidden\"} %llu\n"
	        "aiot_sealkm_requests_total{result=\"invalid\"} %llu\n",
	        (unsigned long long)k->count[SEALKM_ISSUED],
	        (unsigned long long)k->count[SEALKM_RETRIEVED],
	        (unsigned long long)k->count[SEALKM_UNKNOWN],
	        (unsigned long long)k->count[SEALKM_FORBIDDEN],
	        (unsigned long long)k->count[SEALKM_INVALID]);
	fclose(f);
	return out;
}
