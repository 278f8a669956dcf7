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
	aiot_backend **be;      /* one OpenSSL backend per SBI worker thread */
	aiot_backend *be_store; /* for decisions retried on the store's writer thread */
	int be_p11;             /* they are PKCS#11 sessions instead (adm_p11.c) */
	cJSON *af_auth;         /* AfAuthorizationData.afAuthData map, or NULL */
	/* Counters for /metrics. */
	/* auth_by_tid: get-authentication by T-ID (vendor extension), found / unknown */
	atomic_ullong auth_by_tid[2];
	atomic_ullong rand_issued, auth_requests, xres_computed, session_keys, tid_requests,
	    tid_rotations, dm_requests, not_found, rejected;
	/* get-doa-authentication (nadm_sec_doa.c): requests, and their outcomes */
	atomic_ullong doa_requests, doa_results[3];
};
enum { ADM_DOA_ISSUED, ADM_DOA_UNKNOWN, ADM_DOA_RAND_REUSED };

/* Nadm_Sec, TS 29.369 5.3 (one function per custom operation). */
void nadm_sec_get_rand(adm *a, const sbi_request *req, sbi_response *resp);
void nadm_sec_get_authentication(adm *a, const sbi_request *req, sbi_response *resp);
void nadm_sec_get_session_key(adm *a, const sbi_request *req, sbi_response *resp);
void nadm_sec_get_tid(adm *a, const sbi_request *req, sbi_response *resp);
/* Local extension for device-originated access (openapi/Nadm_Sec_DoA.yaml). */
void nadm_sec_get_doa_authentication(adm *a, const sbi_request *req, sbi_response *resp);

/* Nadm_DM, TS 29.369 5.2. id: the percent-decoded {aiotDevPermId} path segment or NULL. */
void nadm_dm_profile(adm *a, const sbi_request *req, sbi_response *resp, const char *id);
void nadm_dm_profiles(adm *a, const sbi_request *req, sbi_response *resp);
void nadm_dm_patch_bundle(adm *a, const sbi_request *req, sbi_response *resp);
void nadm_dm_af_auth(adm *a, const sbi_request *req, sbi_response *resp);
/* 0 if map (AfAuthorizationData.afAuthData) matches its schema, else -1 with err naming the
 * AF and the member (dm_af_auth.c). */
int dm_af_auth_check(const cJSON *map, char *err, size_t errlen);

/* A read-decide-write under compare-and-set (adm_write.c). decide() reads the store and
 * either answers resp and returns 1, or sets status/reply (the answer once committed), calls
 * adm_cas_defer() and queues one store write with adm_cas_done(c) as its callback, and
 * returns adm_cas_queued(c, rc of the queueing, resp). A write that lost the compare-and-set
 * calls decide() again (req is then NULL). free() releases the caller's structure. */
typedef struct adm_cas adm_cas;
struct adm_cas {
	adm *a;
	const sbi_request *req; /* during the first decision only */
	sbi_pending *p;
	int tries, status, committed;
	cJSON *reply;
	int (*decide)(adm_cas *c, sbi_response *resp);
	void (*free)(adm_cas *c);
};
void adm_cas_run(adm_cas *c, const sbi_request *req, sbi_response *resp);
void adm_cas_defer(adm_cas *c);
int adm_cas_queued(adm_cas *c, int rc, sbi_response *resp);
void adm_cas_done(void *arg, int rc);
/* The crypto backend of the thread running the decision. */
const aiot_backend *adm_cas_be(const adm_cas *c);

/* Answer a request whose JSON was rejected: 400, or 413 when a limit was hit. */
void adm_reject(adm *a, sbi_response *resp, const sbi_err *e);
/* 500 for a derivation (what: "XRES", "K_AIOTF" ...) with the device's K_AIOT_root that
 * failed with rc, naming the device; AIOT_ERR_NOTFOUND: the PKCS#11 token has no object for
 * it (adm_p11.c). */
void adm_key_failed(sbi_response *resp, const uint8_t *id, size_t len, int rc, const char *what);
/* 404 for an unknown device (no cause: TS 29.500 defines none for it). */
void adm_not_found(adm *a, sbi_response *resp, const uint8_t *id, size_t len);
/* A lookup's error rc: 1 after answering 500 when the store could not be read (a shared
 * store's cluster unreachable), 0 for AIOT_ERR_UNKNOWN (the caller answers 404). */
int adm_store_failed(adm *a, sbi_response *resp, int rc);
/* adm_not_found for AIOT_ERR_UNKNOWN, else adm_store_failed. */
void adm_lookup_failed(adm *a, sbi_response *resp, int rc, const uint8_t *id, size_t len);
/* Take ownership of j, print it compactly and answer status. */
void adm_reply(sbi_response *resp, int status, cJSON *j);

#endif
