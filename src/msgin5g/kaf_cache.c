/* SPDX-License-Identifier: Apache-2.0 */
/* K_AF per A-KID from the AAnF, or a SEAL KM's PSK per key id (kaf_cache.h). Linear lists: max_keys
 * is small (one entry per UE in session); a hash index is the step when that changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "crypto/ct.h"
#include "kaf_cache.h"
#include "nrfc/nrfc_peer.h"
#include "sbi/sbi_client.h"
#include "sbi/sbi_json.h"
#include "sbi/sbi_url.h"
#include "svc/log.h"

#define RETRIEVE_PATH "/naanf-akma/v1/retrieve-applicationkey" /* TS 29.535 6.1.3.3 */
#define SEAL_KM_PATH "/seal-km/v1/psk/"                        /* src/sealkm/sealkm.h */

typedef struct entry {
	char akid[MSGIN5G_AKID_MAX + 1];
	int ready; /* 0: fetch in flight */
	kaf_key key;
	kaf_cache *k;
	struct entry *next;
} entry;

struct kaf_cache {
	kaf_cache_cfg cfg;
	nrfc_peer *peer; /* the AAnF or the KM */
	struct ssl_ctx_st *tls;
	entry *head; /* newest first */
	size_t nkeys, nfetch;
	int closing; /* kaf_cache_free: the fetches end without telling anyone */
	kaf_stats st;
};

kaf_cache *kaf_cache_new(struct event_base *base, const kaf_cache_cfg *cfg, char *err,
                         size_t errlen)
{
	char host[256];
	int tls, port;
	const char *path;
	kaf_cache *k = calloc(1, sizeof *k);
	if (k == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	k->cfg = *cfg;
	const char *name = cfg->source == KAF_SRC_SEAL_KM ? "seal-km" : "aanf";
	if (sbi_parse_url(cfg->url, &tls, host, sizeof host, &port, &path) != 0 ||
	    strcmp(path, "/") != 0) {
		snprintf(err, errlen, "%s: '%s' is not http://HOST:PORT or https://HOST:PORT", name,
		         cfg->url);
		goto fail;
	}
	if (tls != (cfg->ca != NULL) ||
	    (cfg->source == KAF_SRC_SEAL_KM && (!tls || cfg->cert == NULL || cfg->key == NULL))) {
		snprintf(err, errlen, "%s: https and %s-ca go together%s", name, name,
		         cfg->source == KAF_SRC_SEAL_KM ? "; the KM needs https, -cert and -key"
		                                        : "");
		goto fail;
	}
	if (tls && (k->tls = sbi_client_tls_ctx(cfg->ca, cfg->cert, cfg->key, err, errlen)) == NULL)
		goto fail;
	sbi_client_cfg cc = {
	    .host = host, .port = port, .tls_ctx = k->tls, .timeout_ms = cfg->timeout_ms};
	nrfc_peer_cfg pc = {
	    .client = &cc, .tokens = cfg->tokens, .target_nf_type = "AANF", .scope = "naanf-akma"};
	if ((k->peer = nrfc_peer_new(base, &pc, err, errlen)) == NULL)
		goto fail;
	return k;
fail:
	kaf_cache_free(k);
	return NULL;
}

static void entry_free(entry *e)
{
	aiot_zeroize(e, sizeof *e);
	free(e);
}

/* Unlink e (found by address). */
static void unlink_entry(kaf_cache *k, entry *e)
{
	for (entry **pp = &k->head; *pp != NULL; pp = &(*pp)->next)
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	if (e->ready)
		k->nkeys--;
	else
		k->nfetch--;
}

void kaf_cache_free(kaf_cache *k)
{
	if (k == NULL)
		return;
	k->closing = 1;
	nrfc_peer_free(k->peer); /* fails the fetches in flight: their callbacks free them */
	while (k->head != NULL) {
		entry *e = k->head;
		k->head = e->next;
		entry_free(e);
	}
	sbi_client_tls_ctx_free(k->tls);
	free(k);
}

static entry *find(kaf_cache *k, const char *akid)
{
	for (entry *e = k->head; e != NULL; e = e->next)
		if (strcmp(e->akid, akid) == 0)
			return e;
	return NULL;
}

const kaf_key *kaf_cache_get(kaf_cache *k, const char *akid)
{
	entry *e = find(k, akid);
	if (e == NULL || !e->ready)
		return NULL;
	if (e->key.expiry <= time(NULL)) { /* TS 33.535 6.3: a new fetch after the expiry */
		k->st.expired++;
		unlink_entry(k, e);
		entry_free(e);
		return NULL;
	}
	return &e->key;
}

int kaf_parse_datetime(const char *s, time_t *t)
{
	struct tm tm = {0};
	int n = 0, oh = 0, om = 0;
	char sign;
	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
	           &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
	    n != 19)
		return -1;
	const char *p = s + n;
	if (*p == '.') /* fractional seconds: ignored */
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		sign = '+';
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && p[3] == ':' &&
	           sscanf(p, "%c%2d:%2d", &sign, &oh, &om) == 3) {
	} else {
		return -1;
	}
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 || oh > 23 || om > 59)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t v = timegm(&tm);
	if (v == (time_t)-1)
		return -1;
	*t = v - (sign == '-' ? -1 : 1) * (time_t)(oh * 3600 + om * 60);
	return 0;
}

/* AkmaAfKeyData (TS 29.522): kaf (64 hex digits here: TLS 1.3 PSK, 32 octets), expiry,
 * supi when the AF may have it. From the SEAL KM: psk (64 hex digits), expiry, owner. */
static int parse_key(const kaf_cache *k, const sbi_client_response *r, kaf_key *key,
                     const char **why)
{
	sbi_err e = {0};
	int rc = -1, km = k->cfg.source == KAF_SRC_SEAL_KM;
	cJSON *j = sbi_json_parse_object(r->body, r->body_len, &e);
	const cJSON *exp = cJSON_GetObjectItemCaseSensitive(j, "expiry");
	const cJSON *supi = cJSON_GetObjectItemCaseSensitive(j, km ? "owner" : "supi");
	*why = km ? "the KM's key refused" : "AkmaAfKeyData refused";
	if (j == NULL || sbi_json_hex(j, km ? "psk" : "kaf", 1, key->kaf, 32, &e) != 1 ||
	    !cJSON_IsString(exp) || kaf_parse_datetime(exp->valuestring, &key->expiry) != 0 ||
	    (km && supi == NULL))
		goto out;
	if (supi != NULL) {
		if (!cJSON_IsString(supi) || strlen(supi->valuestring) >= sizeof key->supi)
			goto out;
		strcpy(key->supi, supi->valuestring);
	}
	if (key->expiry <= time(NULL)) {
		*why = "K_AF already expired";
		goto out;
	}
	rc = 0;
out:
	sbi_json_wipe(j); /* and deletes it */
	return rc;
}

/* Room for one more key: drop the oldest ready ones (the list is newest first). */
static void make_room(kaf_cache *k)
{
	while (k->nkeys >= k->cfg.max_keys) {
		entry *last = NULL;
		for (entry *e = k->head; e != NULL; e = e->next)
			if (e->ready)
				last = e;
		if (last == NULL)
			return;
		unlink_entry(k, last);
		entry_free(last);
	}
}

static void on_key(void *arg, const sbi_client_response *r)
{
	entry *e = arg;
	kaf_cache *k = e->k;
	char akid[MSGIN5G_AKID_MAX + 1];
	const char *why = r->error ? r->error : "unexpected status";
	int result = KAF_ERROR, km = k->cfg.source == KAF_SRC_SEAL_KM;
	strcpy(akid, e->akid);
	unlink_entry(k, e);
	if (k->closing) {
		entry_free(e);
		return;
	}
	if (r->status == 200 && parse_key(k, r, &e->key, &why) == 0) {
		result = KAF_OK;
		make_room(k);
		e->ready = 1;
		e->next = k->head;
		k->head = e;
		k->nkeys++;
		k->st.keys_got++;
	} else {
		if (r->status == (km ? 404 : 204)) {
			why = km ? "unknown or expired key id (KM: 404)"
			         : "unknown A-KID (AAnF: 204)"; /* TS 29.535 6.1.3.3.3.1 */
			result = KAF_UNKNOWN;
			k->st.unknown++;
		} else {
			k->st.errors++;
		}
		entry_free(e);
	}
	if (result != KAF_OK)
		log_warn("%s %s: %s (status %d)",
		         km ? "SEAL KM psk" : "AAnF retrieve-applicationkey", akid, why, r->status);
	k->cfg.done(k->cfg.arg, akid, result, why);
}

/* AkmaAfKeyReq (TS 29.522): afId, aKId. Malloc'd, or NULL. */
static char *aanf_request(const kaf_cache *k, const char *akid)
{
	cJSON *req = cJSON_CreateObject();
	char *body = NULL;
	if (req != NULL && cJSON_AddStringToObject(req, "afId", k->cfg.af_fqdn) != NULL &&
	    cJSON_AddStringToObject(req, "aKId", akid) != NULL)
		body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	return body;
}

int kaf_cache_fetch(kaf_cache *k, const char *akid)
{
	entry *e = find(k, akid);
	if (e != NULL && !e->ready)
		return 0; /* joined */
	if (e != NULL) {  /* expired: fetched again */
		unlink_entry(k, e);
		entry_free(e);
	}
	if (k->nfetch >= k->cfg.max_fetches)
		return -1;
	char *body = NULL, path[sizeof SEAL_KM_PATH + MSGIN5G_AKID_MAX];
	int rc = -1;
	if (k->cfg.source == KAF_SRC_SEAL_KM)
		snprintf(path, sizeof path, "%s%s", SEAL_KM_PATH, akid); /* key id: hex digits */
	else if ((body = aanf_request(k, akid)) == NULL)
		return -1;
	if ((e = calloc(1, sizeof *e)) != NULL) {
		snprintf(e->akid, sizeof e->akid, "%s", akid);
		e->k = k;
		rc = body != NULL
		         ? nrfc_peer_request(k->peer, "POST", RETRIEVE_PATH, "application/json",
		                             body, strlen(body), on_key, e)
		         : nrfc_peer_request(k->peer, "GET", path, NULL, NULL, 0, on_key, e);
	}
	free(body);
	if (rc != 0) {
		free(e);
		return -1;
	}
	e->next = k->head;
	k->head = e;
	k->nfetch++;
	k->st.fetches++;
	return 0;
}

kaf_stats kaf_cache_stats(const kaf_cache *k)
{
	kaf_stats s = k->st;
	s.cached = k->nkeys;
	return s;
}
