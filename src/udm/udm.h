/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The UDM (with its ARPF) for 5G AKA and AKMA: Nudm_UEAU generate-auth-data (TS 29.503
 * 5.4.2.2, TS 33.501 6.1.3.2) over the subscribers of the sealed record store (udm_sub.h).
 *   POST {apiRoot}/nudm-ueau/v1/{supiOrSuci}/security-information/generate-auth-data
 * Per request: the subscriber is read, SQN_HE advanced (and, with resynchronizationInfo,
 * first re-synchronised from a verified AUTS), the new SQN_HE committed to the store, and
 * only then the vector answered: a vector never carries an SQN the store could lose.
 * The store has one owner: every access holds the udm's mutex (the SBI workers share it).
 * The daemon (main.c) owns the I/O.
 */
#ifndef AIOT_UDM_H
#define AIOT_UDM_H
#include <stddef.h>

#include "oauth/oauth_guard.h"
#include "sbi/sbi_server.h"
#include "store/kvs.h"

typedef struct udm udm;

/* kvs: the subscriber table (UDM_TABLE), owned by the caller, outliving the udm. */
udm *udm_new(aiot_kvs *kvs, char *err, size_t errlen);
void udm_free(udm *u);

/* The sbi_handler of every UDM route. */
void udm_handle(void *app, const sbi_request *req, sbi_response *resp);
/* Prometheus text of the UDM's counters (malloc'd). */
char *udm_metrics(void *app);
/* The operations (for the latency histogram) and the OAuth 2.0 scopes (TS 29.503). */
extern const char *const udm_operations[];
extern const aiot_oauth_service udm_oauth_services[];
extern const char *const udm_op_scopes[];
int udm_operation(const sbi_request *req);

#endif
