/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A consumer's connection to one producer (the AUSF's UDM and AAnF, aiot-msgin5g's AAnF):
 * an sbi_client, and, when the producer requires OAuth 2.0 (TS 33.501 13.4.1.1), the access
 * token for (target NF type, scope) from the consumer's nrfc_tokens cache on every request.
 * While the cache has no token the requests wait, in order, for the one fetch; when it fails
 * they fail (status 0). A 401 (RFC 6750 3.1 invalid_token: expired, or the NRF's key
 * changed) drops the token and the request goes once more with a new one. The model is the
 * AIOTF's ADM client (src/aiotf/adm_client.c). Whatever happens, cb runs exactly once.
 * One event loop's; owns its sbi_client and the copies of the bodies (wiped when freed).
 */
#ifndef AIOT_NRFC_PEER_H
#define AIOT_NRFC_PEER_H
#include <stddef.h>
#include <stdint.h>

#include "nrfc_token.h"
#include "sbi/sbi_client.h"

typedef struct nrfc_peer nrfc_peer;

typedef struct nrfc_peer_cfg {
	const sbi_client_cfg *client; /* the producer (copied by sbi_client_new) */
	nrfc_tokens *tokens;          /* NULL: no token; else outlives the peer */
	const char *target_nf_type;   /* "UDM", "AANF" */
	const char *scope;            /* "nudm-ueau", "naanf-akma" */
	size_t max_waiting;           /* requests waiting for a token; 0: 4096 */
} nrfc_peer_cfg;

nrfc_peer *nrfc_peer_new(struct event_base *base, const nrfc_peer_cfg *cfg, char *err,
                         size_t errlen);
/* Fails what waits for a token and what is in flight (their cb with status 0), then frees.
 * Free the nrfc_tokens before its peers: its fetches then end without calling them. */
void nrfc_peer_free(nrfc_peer *p);

/* As sbi_client_request, with the Authorization of the token. 0 (cb runs later), or -1
 * (cb never runs). */
int nrfc_peer_request(nrfc_peer *p, const char *method, const char *path, const char *content_type,
                      const void *body, size_t body_len, sbi_client_cb cb, void *arg);

#endif
