/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AUSF for 5G AKA and AKMA: Nausf_UEAuthentication (TS 29.509 5.2.2, TS 33.501 6.1.3.2)
 *   POST {apiRoot}/nausf-auth/v1/ue-authentications                     -> 201 UEAuthenticationCtx
 *   PUT  {apiRoot}/nausf-auth/v1/ue-authentications/{authCtxId}/5g-aka-confirmation
 * The SBI workers decode a request (ausf_json.h) and hand it to the AUSF's own event loop
 * thread, which owns everything else: the UDM client (Nudm_UEAU generate-auth-data), the
 * contexts and K_AUSF (ausf_ctx.h), and the AAnF client (TS 33.535 6.1: after a successful
 * confirmation of a UE the UDM marked akmaInd, K_AKMA and A-KID are registered at the AAnF
 * with Naanf_AKMA register-anchorkey). Nothing on that loop blocks. When the UDM or the AAnF
 * requires OAuth 2.0, every request to it carries an access token from the NRF (scopes
 * nudm-ueau, naanf-akma; src/nrfc/nrfc_peer.h: one retry on 401).
 */
#ifndef AIOT_AUSF_H
#define AIOT_AUSF_H
#include <stddef.h>

#include "nrfc/nrfc.h"
#include "oauth/oauth_guard.h"
#include "sbi/sbi_server.h"

typedef struct ausf_cfg {
	const char *udm_url;  /* http(s)://HOST:PORT, required */
	const char *aanf_url; /* http(s)://HOST:PORT, or NULL: no AKMA registration */
	const char *client_ca, *client_cert, *client_key; /* TLS towards the UDM and the AAnF */
	const char *instance_id;     /* the AUSF's NF instance ID (ausfInstanceId to the UDM) */
	const nrfc_cfg *nrf;         /* where the access tokens come from; NULL: no tokens */
	int udm_oauth2, aanf_oauth2; /* a token on every request to the UDM / the AAnF */
	const char *mcc, *mnc;       /* the home network's, for the A-KID (TS 33.535 6.1) */
	/* The serving network names the SEAFs may use, separated by ',' or ' ' (TS 33.501
	 * 6.1.3.2 step 2); NULL: any. */
	const char *serving_networks;
	unsigned ctx_ttl_ms; /* an authentication context's life, default 30000 */
	unsigned timeout_ms; /* per request to the UDM or the AAnF, default 5000 */
	size_t max_contexts; /* default 100000 */
} ausf_cfg;

typedef struct ausf ausf;

ausf *ausf_new(const ausf_cfg *cfg, char *err, size_t errlen);
/* The apiRoot of the Location and _links ("http://127.0.0.1:7782"), then the loop thread.
 * Requests handed over before wait for it. 0 or -1. */
int ausf_start(ausf *a, const char *api_root);
/* Stops the loop: what is pending is answered 503. Before sbi_server_stop(). */
void ausf_stop(ausf *a);
void ausf_free(ausf *a);

void ausf_handle(void *app, const sbi_request *req, sbi_response *resp);
char *ausf_metrics(void *app);
extern const char *const ausf_operations[];
extern const aiot_oauth_service ausf_oauth_services[];
extern const char *const ausf_op_scopes[];
int ausf_operation(const sbi_request *req);

#endif
