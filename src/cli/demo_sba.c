/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo's SBA security (TS 33.501 clause 13, docs/security.md seed 001): NF instance IDs,
 * the PKI with each NF's ID in its certificate (URI SAN urn:uuid, TS 33.310), the NRF's
 * signing key and the public half the producers pin, the AF's access token from the NRF
 * (Nnrf_AccessToken, client credentials), and the probe: requests to the ADM and the AIOTF
 * without a token or with a forged or misused one, each of which must be refused (401/403).
 *
 * Ownership: demo_sba owns the NRF key (freed by demo_sba_free) and the paths; tokens
 * returned are the caller's (malloc'd).
 */
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/aiot_err.h"
#include "demo.h"
#include "oauth/jws.h"
#include "pki.h"
#include "sbi/sbi_client.h"
#include "svc/nf_id.h"

static int path_in(char *out, size_t cap, const char *dir, const char *name)
{
	return snprintf(out, cap, "%s/%s", dir, name) < (int)cap ? 0 : -1;
}

int demo_sba_prepare(const char *dir, int sba, const char *const *extra, size_t nextra, demo_sba *s,
                     char *err, size_t errlen)
{
	const char *names[5 + DEMO_PKI_EXTRA_MAX] = {"adm", "aiotf", "nrf", "af", "reader"};
	const char *ids[5 + DEMO_PKI_EXTRA_MAX] = {NULL};
	size_t nnames = sba ? 5 : 2;
	char p[1100];
	memset(s, 0, sizeof *s);
	s->enabled = sba;
	if (path_in(s->ca, sizeof s->ca, dir, "ca.crt") ||
	    path_in(s->af_cert, sizeof s->af_cert, dir, "af.crt") ||
	    path_in(s->af_key, sizeof s->af_key, dir, "af.key") ||
	    path_in(s->signing_key, sizeof s->signing_key, dir, "nrf-signing.pem") ||
	    path_in(s->public_key, sizeof s->public_key, dir, "nrf-signing.pub.pem")) {
		snprintf(err, errlen, "work directory path too long");
		return -1;
	}
	if (sba) {
		struct {
			const char *file;
			char *id;
		} nf[] = {{"adm.id", s->adm_id},
		          {"aiotf.id", s->aiotf_id},
		          {"nrf.id", s->nrf_id},
		          {"af.id", s->af_id}};
		for (size_t i = 0; i < sizeof nf / sizeof nf[0]; i++) {
			path_in(p, sizeof p, dir, nf[i].file);
			if (aiot_nf_instance_id_load_or_create(p, nf[i].id) != 0) {
				snprintf(err, errlen, "%s: cannot make an NF instance ID", p);
				return -1;
			}
			ids[i] = nf[i].id;
		}
	}
	for (size_t i = 0; i < nextra && i < DEMO_PKI_EXTRA_MAX; i++) {
		char file[PKI_MAX_NAME + 8];
		snprintf(file, sizeof file, "%s.id", extra[i]);
		if (sba && (path_in(p, sizeof p, dir, file) != 0 ||
		            aiot_nf_instance_id_load_or_create(p, s->extra_id[i]) != 0)) {
			snprintf(err, errlen, "%s: cannot make an NF instance ID", p);
			return -1;
		}
		ids[nnames] = sba ? s->extra_id[i] : NULL;
		names[nnames++] = extra[i];
	}
	pki_opts o = {.dir = dir,
	              .names = names,
	              .nnames = nnames,
	              .san = PKI_DEFAULT_SAN,
	              .nf_ids = ids,
	              .days = 2,
	              .overwrite = 1};
	if (pki_make(&o, err, errlen) != 0)
		return -1;
	if (!sba)
		return 0;
	/* The NRF's key: made here so that the producers can pin its public half before the
	 * NRF starts (the NRF loads the same file). */
	s->key = aiot_jws_key_load_or_create(s->signing_key, err, errlen);
	if (s->key == NULL || aiot_jws_pubkey_save(s->key, s->public_key, err, errlen) != 0 ||
	    aiot_jws_kid(s->key, s->kid) != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "the NRF's signing key");
		return -1;
	}
	return 0;
}

void demo_sba_free(demo_sba *s)
{
	EVP_PKEY_free(s->key);
	s->key = NULL;
}

/* The access_token of the NRF's answer (status st, body resp), or NULL with err. */
static char *token_of(int st, const char *resp, char *err, size_t errlen)
{
	char *tok = NULL;
	cJSON *j = st == 200 && resp ? cJSON_Parse(resp) : NULL;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, "access_token");
	if (cJSON_IsString(t))
		tok = strdup(t->valuestring);
	else if (st != 0)
		snprintf(err, errlen, "the NRF answered %d: %.300s", st, resp ? resp : "");
	cJSON_Delete(j);
	return tok;
}

/* The client-credentials request (TS 29.510 AccessTokenReq) of nf_id of type nf_type. */
static void token_req(char *body, size_t cap, const char *nf_id, const char *nf_type,
                      const char *target_type, const char *scope)
{
	snprintf(body, cap,
	         "grant_type=client_credentials&nfInstanceId=%s&nfType=%s&targetNfType=%s&scope=%s",
	         nf_id, nf_type, target_type, scope);
}

char *demo_sba_token(demo_af *af, const demo_sba *s, const char *target_type, const char *scope,
                     char *err, size_t errlen)
{
	char body[512], *resp = NULL;
	token_req(body, sizeof body, s->af_id, "AF", target_type, scope);
	int st = demo_af_fetch(af, s->nrf_port, NULL, "POST", "/oauth2/token",
	                       "application/x-www-form-urlencoded", body, &resp, err, errlen);
	char *tok = token_of(st, resp, err, errlen);
	free(resp);
	return tok;
}

char *demo_sba_token_nf(const demo_sba *s, const char *cert, const char *key, const char *nf_id,
                        const char *nf_type, const char *target_type, const char *scope, char *err,
                        size_t errlen)
{
	char body[512], *resp = NULL;
	sbi_client_cfg c = {.host = "127.0.0.1",
	                    .port = s->nrf_port,
	                    .tls_ca = s->ca,
	                    .tls_cert = cert,
	                    .tls_key = key};
	token_req(body, sizeof body, nf_id, nf_type, target_type, scope);
	int st = sbi_fetch(&c, "POST", "/oauth2/token", "application/x-www-form-urlencoded", body,
	                   &resp, err, errlen);
	char *tok = token_of(st, resp, err, errlen);
	free(resp);
	return tok;
}

/* A token over claims, signed by key under kid; NULL on failure. */
static char *sign(EVP_PKEY *key, const char *kid, const char *iss, const char *sub, const char *aud,
                  const char *scope, long exp_in)
{
	char claims[512], err[128], *tok = NULL;
	long now = (long)time(NULL);
	snprintf(claims, sizeof claims,
	         "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"scope\":\"%s\",\"iat\":%ld,"
	         "\"exp\":%ld}",
	         iss, sub, aud, scope, now - 5, now + exp_in);
	return aiot_jws_sign_es256(key, kid, claims, &tok, err, sizeof err) == 0 ? tok : NULL;
}

/* "alg": "none" over the same claims as a genuine token: header.payload. (empty signature) */
static char *alg_none(const char *good)
{
	const char *dot = strchr(good, '.');
	if (dot == NULL)
		return NULL;
	const char *end = strrchr(good, '.');
	const char *hdr = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; /* {"alg":"none","typ":"JWT"} */
	size_t n = strlen(hdr) + (size_t)(end - dot) + 2;
	char *t = malloc(n);
	if (t != NULL)
		snprintf(t, n, "%s%.*s.", hdr, (int)(end - dot), dot);
	return t;
}

/* One request with authorization (NULL: none): 1 refused with 401/403, 0 let through. */
static int refused(demo_af *af, int port, const char *path, const char *method,
                   const char *authorization)
{
	char err[256], *resp = NULL;
	int st = demo_af_fetch(af, port, authorization, method, path, NULL, NULL, &resp, err,
	                       sizeof err);
	free(resp);
	return st == 401 || st == 403;
}

void demo_sba_probe(demo_af *af, const demo_sba *s, int adm_port, int aiotf_port,
                    demo_sba_probe_result *r)
{
	memset(r, 0, sizeof *r);
	char err[256];
	EVP_PKEY *rogue = EVP_EC_gen("P-256");
	struct {
		const char *type, *scope, *path, *method;
		int port;
	} target[] = {
	    {"ADM", "nadm-sec", "/nadm-sec/v1/get-rand", "POST", adm_port},
	    {"AIOTF", "naiotf-aiot", "/naiotf-aiot/v1/doa-subscriptions/0", "GET", aiotf_port},
	};
	for (size_t i = 0; i < 2; i++) {
		const char *ty = target[i].type, *sc = target[i].scope;
		char other[37] = "00000000-0000-4000-8000-000000000000"; /* not the AF */
		char *good = sign(s->key, s->kid, s->nrf_id, s->af_id, ty, sc, 300);
		char *forged[] = {
		    NULL, /* no token at all */
		    rogue ? sign(rogue, s->kid, s->nrf_id, s->af_id, ty, sc, 300) : NULL,
		    good ? alg_none(good) : NULL,
		    good ? strdup(good) : NULL, /* a flipped signature bit, below */
		    sign(s->key, s->kid, s->nrf_id, s->af_id, ty, sc, -120),         /* expired */
		    sign(s->key, s->kid, s->nrf_id, s->af_id, "UDM", sc, 300),       /* wrong aud */
		    sign(s->key, s->kid, s->af_id, s->af_id, ty, sc, 300),           /* wrong iss */
		    sign(s->key, s->kid, s->nrf_id, s->af_id, ty, "nudm-uecm", 300), /* scope */
		    sign(s->key, s->kid, s->nrf_id, other, ty, sc, 300), /* another NF's, mTLS */
		};
		size_t n = sizeof forged / sizeof forged[0];
		if (forged[3] != NULL) {
			size_t l = strlen(forged[3]);
			forged[3][l - 2] = forged[3][l - 2] == 'A' ? 'B' : 'A';
		}
		for (size_t k = 0; k < n; k++) {
			char auth[4200];
			if (k > 0 && forged[k] == NULL) {
				r->errors++; /* could not be made: counted against the run */
				continue;
			}
			if (k > 0)
				snprintf(auth, sizeof auth, "Bearer %s", forged[k]);
			if (refused(af, target[i].port, target[i].path, target[i].method,
			            k > 0 ? auth : NULL))
				r->rejected++;
			else
				r->accepted++;
		}
		/* The control: the same request with the genuine token passes the check. */
		char auth[4200];
		snprintf(auth, sizeof auth, "Bearer %s", good ? good : "");
		if (good == NULL ||
		    refused(af, target[i].port, target[i].path, target[i].method, auth))
			r->errors++;
		for (size_t k = 0; k < n; k++)
			free(forged[k]);
		free(good);
	}
	EVP_PKEY_free(rogue);
	(void)err;
}
