/* SPDX-License-Identifier: Apache-2.0 */
/* Shared between the ADM's service files (adm.c routes to nadm_sec.c and nadm_dm.c). */
#ifndef AIOT_ADM_INTERNAL_H
#define AIOT_ADM_INTERNAL_H
#include <cjson/cJSON.h>
#include <stdatomic.h>

#include "adm.h"
#include "crypto/backend.h"
#include "sbi/sbi_json.h"

struct adm {
	aiot_store *store;
	adm_limits lim;
	int workers;
	aiot_backend **be; /* one OpenSSL backend per SBI worker thread */
	cJSON *af_auth;    /* AfAuthorizationData.afAuthData map, or NULL */
	/* Counters for /metrics. */
	atomic_ullong rand_issued, auth_requests, xres_computed, session_keys, tid_requests,
		tid_rotations, dm_requests, not_found, rejected;
};

/* Nadm_Sec, TS 29.369 5.3 (one function per custom operation). */
void nadm_sec_get_rand(adm *a, const sbi_request *req, sbi_response *resp);
void nadm_sec_get_authentication(adm *a, const sbi_request *req, sbi_response *resp);
void nadm_sec_get_session_key(adm *a, const sbi_request *req, sbi_response *resp);
void nadm_sec_get_tid(adm *a, const sbi_request *req, sbi_response *resp);

/* Nadm_DM, TS 29.369 5.2. id: the percent-decoded {aiotDevPermId} path segment or NULL. */
void nadm_dm_profile(adm *a, const sbi_request *req, sbi_response *resp, const char *id);
void nadm_dm_profiles(adm *a, const sbi_request *req, sbi_response *resp);
void nadm_dm_af_auth(adm *a, const sbi_request *req, sbi_response *resp);

/* Answer a request whose JSON was rejected: 400, or 413 when a limit was hit. */
void adm_reject(adm *a, sbi_response *resp, const sbi_err *e);
/* 404 for an unknown device (no cause: TS 29.500 defines none for it). */
void adm_not_found(adm *a, sbi_response *resp, const uint8_t *id, size_t len);
/* Take ownership of j, print it compactly and answer status. */
void adm_reply(sbi_response *resp, int status, cJSON *j);

#endif
