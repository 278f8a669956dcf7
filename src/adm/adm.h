/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ADM (AIoT Data Management) network function: the UDM/ARPF of AIoT. It holds the
 * device profiles and K_AIOT_root and serves, exactly as TS 29.369 V19.2.0 defines them:
 *   Nadm_Sec  {apiRoot}/nadm-sec/v1  get-rand, get-authentication, get-session-key, get-tid
 *   Nadm_DM   {apiRoot}/nadm-dm/v1   aiot-device-profile-data (GET/PATCH, single and
 *                                    bundled), af-authorization-data (GET)
 * and one local extension of Nadm_Sec for device-originated access (openapi/Nadm_Sec_DoA.yaml):
 *   get-doa-authentication  {tid | aiotDevPermId, randD} -> {aiotDevPermId, randN, macN, xresD}
 * Request handling is a pure function of the request and the store; the daemon (main.c)
 * owns the I/O.
 */
#ifndef AIOT_ADM_H
#define AIOT_ADM_H
#include <stddef.h>
#include <stdint.h>

#include "oauth/oauth_guard.h"
#include "sbi/sbi_server.h"
#include "store/store.h"

typedef struct adm_limits {
	size_t max_rand_d;     /* entries of randDlist in one get-authentication (default 1024) */
	size_t max_candidates; /* devices one filteringInfo may match (default 4096) */
	size_t max_xres;       /* randDlist x candidates per request (default 65536) */
	size_t max_bundle;     /* IDs in one bundled profile GET (default 256) */
} adm_limits;

typedef struct adm adm;

/* workers: number of SBI worker threads (one crypto backend each). af_auth_json: the
 * AfAuthorizationData documents served by Nadm_DM, as a JSON object {"<afId>": {...}} or
 * NULL. */
adm *adm_new(aiot_store *store, int workers, const adm_limits *limits, const char *af_auth_json,
             char *err, size_t errlen);
void adm_free(adm *a);

/* Keys in a PKCS#11 token (docs/pkcs11.md): the derivations with K_AIOT_root run by C_Sign,
 * in one session of tok per worker (tok outlives a; label names it in messages). The store is
 * checked first: every device must hold a reference (p11.h), else -1 with err; a device whose
 * object the token lacks is named in a warning (its requests get 500). 0, or -1 with err. */
struct aiot_p11;
int adm_use_pkcs11(adm *a, struct aiot_p11 *tok, const char *label, char *err, size_t errlen);
/* Without a token: -1 with err when the store's records are references to token objects. */
int adm_check_plain_keys(adm *a, char *err, size_t errlen);

/* The sbi_handler for every ADM route. */
void adm_handle(void *app, const sbi_request *req, sbi_response *resp);
/* Prometheus text of the ADM's own counters (malloc'd). */
char *adm_metrics(void *app);
/* sbi_server_cfg.operations / .operation: the Nadm_Sec and Nadm_DM operations, for the
 * latency histogram. */
extern const char *const adm_operations[];
/* OAuth 2.0 (TS 29.369 securitySchemes): the scope of each service and of each operation
 * (indexed as adm_operations; get-doa-authentication, an extension, has none of its own). */
extern const aiot_oauth_service adm_oauth_services[];
extern const char *const adm_op_scopes[];
int adm_operation(const sbi_request *req);

#endif
