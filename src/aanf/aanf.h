/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AAnF (AKMA Anchor Function, TS 33.535 4.2): it keeps the AKMA context of each UE that
 * the AUSF registers (SUPI, A-KID, K_AKMA) and gives AKMA AFs their K_AF. It serves
 * Naanf_AKMA exactly as TS 29.535 V19.5.0 defines it (spec/openapi/TS29535_Naanf_AKMA.yaml):
 *   {apiRoot}/naanf-akma/v1  register-anchorkey (AkmaKeyInfo), retrieve-applicationkey
 *                            (AkmaAfKeyRequest -> AkmaAfKeyData, TS29522_AKMA.yaml),
 *                            remove-context (CtxRemove)
 * Files: aanf.c routing, metrics, life cycle; naanf_akma.c the three operations (request
 * checks and answers); aanf_store.c the contexts: K_AKMA sealed at rest in the kvs store
 * (store/kvs.h), an in-memory index (aanf_index.c) loaded at start and kept in step with it.
 * Request handling is a function of the request and the contexts; main.c owns the I/O.
 */
#ifndef AIOT_AANF_H
#define AIOT_AANF_H
#include <stddef.h>
#include <stdint.h>

#include "oauth/oauth_guard.h"
#include "sbi/sbi_server.h"

#define AANF_UA_ID_LEN 5

typedef struct aanf_cfg {
	const char *store_uri;             /* "sqlite:PATH", created if missing */
	const uint8_t *kek;                /* 32 bytes */
	uint8_t ua_id[AANF_UA_ID_LEN];     /* Ua* security protocol identifier (TS 33.220 H.3) */
	unsigned long long kaf_lifetime_s; /* AkmaAfKeyData.expiry = now + this */
	/* AF identifiers (afId) that are given the SUPI, comma-separated; NULL: none. */
	const char *supi_afs;
} aanf_cfg;

typedef struct aanf aanf;

/* Opens (creating) the store and loads every context into the index. NULL with err. */
aanf *aanf_new(const aanf_cfg *cfg, char *err, size_t errlen);
void aanf_free(aanf *a);
/* The number of AKMA contexts held. */
size_t aanf_contexts(aanf *a);

/* The sbi_handler of every AAnF route (any worker thread). */
void aanf_handle(void *app, const sbi_request *req, sbi_response *resp);
/* Prometheus text of the AAnF's counters (malloc'd). */
char *aanf_metrics(void *app);
/* sbi_server_cfg.operations / .operation, and the OAuth 2.0 scopes of TS 29.535
 * (securitySchemes: the service scope, and each operation's, indexed as aanf_operations). */
extern const char *const aanf_operations[];
int aanf_operation(const sbi_request *req);
extern const aiot_oauth_service aanf_oauth_services[];
extern const char *const aanf_op_scopes[];

#endif
