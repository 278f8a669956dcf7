/* SPDX-License-Identifier: Apache-2.0 */
/* A consumer's access token cache (nrfc_token.h). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "common/clock.h"
#include "nrfc_token.h"
#include "sbi/sbi_json.h"
#include "svc/wipe.h"
#include "svc/log.h"

#define MAX_KEYS 8
#define MAX_WAITERS 4

typedef struct tok_entry {
	struct nrfc_tokens *t;
	char target[33], scope[256];
	char *token; /* NULL: none */
	uint64_t gen, renew_ms, expire_ms;
	int fetching;
	struct {
		nrfc_token_cb cb;
		void *arg;
	} w[MAX_WAITERS];
	int nw;
} tok_entry;

struct nrfc_tokens {
	sbi_client *c;
	char host[256], path[600], id[37], type[33];
	tok_entry e[MAX_KEYS];
	int n, closing;
	uint64_t gen_next;
	atomic_ullong fetched, renewed, failed, invalidated; /* read by other threads */
};

/* application/x-www-form-urlencoded of s (every octet but unreserved ones escaped). */
static int form_put(char *out, size_t cap, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		            (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
		if (*o + 4 > cap)
			return -1;
		if (plain) {
			out[(*o)++] = (char)c;
		} else {
			out[(*o)++] = '%';
			out[(*o)++] = hex[c >> 4];
			out[(*o)++] = hex[c & 15];
		}
	}
	out[*o] = '\0';
	return 0;
}

int nrfc_token_form(char *out, size_t cap, const char *nf_instance_id, const char *nf_type,
                    const char *target_nf_type, const char *scope)
{
	const char *const name[] = {
	    "grant_type=", "&nfInstanceId=", "&nfType=", "&targetNfType=", "&scope="};
	const char *const val[] = {"client_credentials", nf_instance_id, nf_type, target_nf_type,
	                           scope};
	size_t o = 0;
	for (size_t i = 0; i < 5; i++) {
		size_t l = strlen(name[i]);
		if (o + l >= cap)
			return -1;
		memcpy(out + o, name[i], l);
		o += l;
		if (form_put(out, cap, &o, val[i]) != 0)
			return -1;
	}
	return (int)o;
}

int nrfc_token_rsp_parse(const char *json, size_t len, char **token, uint32_t *expires_in)
{
	sbi_err e = {0};
	cJSON *r = sbi_json_parse_object((const uint8_t *)json, len, &e);
	const cJSON *at = cJSON_GetObjectItemCaseSensitive(r, "access_token");
	const cJSON *tt = cJSON_GetObjectItemCaseSensitive(r, "token_type");
	const cJSON *ex = cJSON_GetObjectItemCaseSensitive(r, "expires_in");
	int rc = -1;
	*token = NULL;
	if (cJSON_IsString(at) && at->valuestring[0] != '\0' && strlen(at->valuestring) < 4096 &&
	    cJSON_IsString(tt) && strcmp(tt->valuestring, "Bearer") == 0 && cJSON_IsNumber(ex) &&
	    ex->valuedouble >= 1 && ex->valuedouble <= 86400 &&
	    ex->valuedouble == (double)(int)ex->valuedouble &&
	    (*token = strdup(at->valuestring)) != NULL) {
		*expires_in = (uint32_t)ex->valuedouble;
		rc = 0;
	}
	cJSON_Delete(r);
	return rc;
}

nrfc_tokens *nrfc_tokens_new(struct event_base *base, const nrfc_cfg *nrf,
                             const char *nf_instance_id, const char *nf_type, char *err,
                             size_t errlen)
{
	nrfc_tokens *t = calloc(1, sizeof *t);
	sbi_client_cfg sc;
	const char *prefix;
	if (t == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (nrfc_client_cfg(nrf, &sc, t->host, sizeof t->host, &prefix) != 0) {
		snprintf(err, errlen, "nrf: '%s' is not http://HOST:PORT or https://HOST:PORT",
		         nrf->url ? nrf->url : "");
		free(t);
		return NULL;
	}
	snprintf(t->path, sizeof t->path, "%s/oauth2/token", prefix);
	snprintf(t->id, sizeof t->id, "%s", nf_instance_id);
	snprintf(t->type, sizeof t->type, "%s", nf_type);
	if ((t->c = sbi_client_new(base, &sc, err, errlen)) == NULL) {
		free(t);
		return NULL;
	}
	return t;
}

void nrfc_tokens_free(nrfc_tokens *t)
{
	if (t == NULL)
		return;
	t->closing = 1;
	sbi_client_free(t->c); /* runs on_token of open fetches: they only record */
	for (int i = 0; i < t->n; i++)
		aiot_free_wipe(t->e[i].token);
	free(t);
}

static tok_entry *entry(nrfc_tokens *t, const char *target, const char *scope)
{
	for (int i = 0; i < t->n; i++)
		if (strcmp(t->e[i].target, target) == 0 && strcmp(t->e[i].scope, scope) == 0)
			return &t->e[i];
	if (t->n >= MAX_KEYS || strlen(target) >= sizeof t->e[0].target ||
	    strlen(scope) >= sizeof t->e[0].scope)
		return NULL;
	tok_entry *e = &t->e[t->n++];
	memset(e, 0, sizeof *e);
	e->t = t;
	memcpy(e->target, target, strlen(target) + 1);
	memcpy(e->scope, scope, strlen(scope) + 1);
	return e;
}

static void on_token(void *arg, const sbi_client_response *resp)
{
	tok_entry *e = arg;
	nrfc_tokens *t = e->t;
	char *tok = NULL;
	uint32_t life = 0;
	int ok = resp->status == 200 && resp->body != NULL &&
	         nrfc_token_rsp_parse((const char *)resp->body, resp->body_len, &tok, &life) == 0;
	e->fetching = 0;
	if (t->closing) {
		aiot_free_wipe(tok);
		return;
	}
	if (ok) {
		uint64_t now = aiot_mono_ms();
		if (e->token != NULL && now < e->expire_ms)
			t->renewed++; /* before the old one expired */
		aiot_free_wipe(e->token);
		e->token = tok;
		e->gen = ++t->gen_next;
		e->renew_ms = now + (uint64_t)life * 800; /* 80 % of the lifetime */
		e->expire_ms = now + (uint64_t)life * 1000;
		t->fetched++;
		log_debug("access token for %s (%s) from the NRF, %u s", e->target, e->scope, life);
	} else {
		t->failed++;
		log_warn("no access token for %s (%s) from the NRF: %s %.200s", e->target, e->scope,
		         resp->status ? "status" : resp->error,
		         resp->status && resp->body ? (const char *)resp->body : "");
	}
	int nw = e->nw;
	e->nw = 0;
	for (int i = 0; i < nw; i++)
		e->w[i].cb(e->w[i].arg, ok);
}

static int fetch(tok_entry *e)
{
	nrfc_tokens *t = e->t;
	char form[1024];
	int n = nrfc_token_form(form, sizeof form, t->id, t->type, e->target, e->scope);
	if (e->fetching)
		return 0;
	if (n < 0 || sbi_client_request(t->c, "POST", t->path, "application/x-www-form-urlencoded",
	                                form, (size_t)n, on_token, e) != 0)
		return -1;
	e->fetching = 1;
	return 0;
}

const char *nrfc_token_get(nrfc_tokens *t, const char *target_nf_type, const char *scope,
                           uint64_t *gen)
{
	tok_entry *e = entry(t, target_nf_type, scope);
	uint64_t now = aiot_mono_ms();
	if (e == NULL || e->token == NULL || now + NRFC_TOKEN_MARGIN_MS >= e->expire_ms)
		return NULL;
	if (now >= e->renew_ms)
		(void)fetch(e); /* renew in the background; on failure the next call tries again */
	if (gen != NULL)
		*gen = e->gen;
	return e->token;
}

int nrfc_token_wait(nrfc_tokens *t, const char *target_nf_type, const char *scope, nrfc_token_cb cb,
                    void *arg)
{
	tok_entry *e = entry(t, target_nf_type, scope);
	if (e == NULL || e->nw >= MAX_WAITERS || fetch(e) != 0)
		return -1;
	e->w[e->nw].cb = cb;
	e->w[e->nw].arg = arg;
	e->nw++;
	return 0;
}

void nrfc_token_invalidate(nrfc_tokens *t, const char *target_nf_type, const char *scope,
                           uint64_t gen)
{
	tok_entry *e = entry(t, target_nf_type, scope);
	if (e == NULL || e->token == NULL || e->gen != gen)
		return;
	aiot_free_wipe(e->token);
	e->token = NULL;
	t->invalidated++;
}

void nrfc_token_stats(nrfc_tokens *t, uint64_t out[4])
{
	out[0] = t->fetched;
	out[1] = t->renewed;
	out[2] = t->failed;
	out[3] = t->invalidated;
}
