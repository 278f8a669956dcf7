/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A consumer's OAuth 2.0 access tokens (TS 33.501 13.4.1.1, TS 29.510 5.4.2.2; issue 14 item
 * 4): fetched from the NRF by POST {apiRoot}/oauth2/token (an AccessTokenReq form,
 * grant_type=client_credentials, this NF's nfInstanceId and nfType, targetNfType, scope),
 * cached per (target NF type, scope), renewed in the background once 80 % of the lifetime
 * (expires_in) has passed, and never used in its last NRFC_TOKEN_MARGIN_MS. A producer's 401
 * invalidates the token it refused (nrfc_token_invalidate), so that the caller's one retry
 * gets a fresh one.
 *
 * One thread's (the owner's event loop): fetches are asynchronous on that loop (sbi_client),
 * so the owner never waits for the NRF. The form and the AccessTokenRsp are built and read
 * by pure functions, unit-tested.
 */
#ifndef AIOT_NRFC_TOKEN_H
#define AIOT_NRFC_TOKEN_H
#include <stddef.h>
#include <stdint.h>

#include "nrfc.h"

#define NRFC_TOKEN_MARGIN_MS 1000 /* a token this close to its expiry is not used */

struct event_base;
typedef struct nrfc_tokens nrfc_tokens;

/* The cache of the NF nf_instance_id (nfType nf_type) on base. NULL with err. */
nrfc_tokens *nrfc_tokens_new(struct event_base *base, const nrfc_cfg *nrf,
                             const char *nf_instance_id, const char *nf_type, char *err,
                             size_t errlen);
/* Fetches still running end without calling their waiters. */
void nrfc_tokens_free(nrfc_tokens *t);

/* A usable token for (target_nf_type, scope), or NULL (none yet, or expired: call
 * nrfc_token_wait). Past 80 % of its lifetime a renewal starts and the current token is
 * still returned. *gen (may be NULL): the token's generation, for nrfc_token_invalidate. */
const char *nrfc_token_get(nrfc_tokens *t, const char *target_nf_type, const char *scope,
                           uint64_t *gen);
/* cb(arg, ok) runs from the loop when a fetch for the key ends (one is started if none is
 * running): ok = a token is now there. 0, or -1 (too many waiters, or out of memory). */
typedef void (*nrfc_token_cb)(void *arg, int ok);
int nrfc_token_wait(nrfc_tokens *t, const char *target_nf_type, const char *scope, nrfc_token_cb cb,
                    void *arg);
/* The producer refused the token of generation gen: forget it (a later one is kept). */
void nrfc_token_invalidate(nrfc_tokens *t, const char *target_nf_type, const char *scope,
                           uint64_t gen);
/* Tokens fetched, of which renewed before the previous one expired, fetches failed,
 * tokens invalidated; in the order of nrfc_token_events. Any thread. */
void nrfc_token_stats(nrfc_tokens *t, uint64_t out[4]);
#define NRFC_TOKEN_EVENTS                                                                          \
	{                                                                                          \
		"fetched", "renewed", "failed", "invalidated"                                      \
	}

/* --- pure functions ------------------------------------------------------------------ */
/* The AccessTokenReq form (application/x-www-form-urlencoded) into out. Length, or -1. */
int nrfc_token_form(char *out, size_t cap, const char *nf_instance_id, const char *nf_type,
                    const char *target_nf_type, const char *scope);
/* An AccessTokenRsp (TS 29.510 6.3.5.2.3): *token (malloc'd) and *expires_in (1..86400; absent:
 * refused, a consumer needs it to renew). token_type must be Bearer. 0, or -1. */
int nrfc_token_rsp_parse(const char *json, size_t len, char **token, uint32_t *expires_in);

#endif
