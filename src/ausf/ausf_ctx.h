/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AUSF's memory of 5G AKA runs: the authentication contexts between the 201 and the
 * 5g-aka-confirmation (TS 33.501 6.1.3.2 steps 5-10: XRES*, K_AUSF, the SUPI, with an
 * expiry), and, keyed by SUPI, the K_AUSF of the last successful run (step 12: "the AUSF may
 * store K_AUSF"). A hash table (keyed with a secret seed: the ids come from peers) of at
 * most max entries; secrets are wiped when an entry goes. One owner: the AUSF's loop thread.
 */
#ifndef AIOT_AUSF_CTX_H
#define AIOT_AUSF_CTX_H
#include <stddef.h>
#include <stdint.h>

#include "ausf_json.h"

#define AUSF_NEVER UINT64_MAX

typedef struct ausf_ctx {
	char id[UEAU_SUPI_MAX + AUSF_CTX_ID_LEN + 1]; /* authCtxId, or the SUPI (K_AUSF table) */
	char supi[UEAU_SUPI_MAX + 1], snn[UEAU_SNN_MAX + 1], rid[5];
	uint8_t xres_star[16], kausf[32];
	int akma;
	uint64_t expires_ms; /* monotonic; AUSF_NEVER */
	/* The 201's Location: the SBI worker sends it after the loop answered, so it lives in
	 * the context, which only goes once the SEAF used it or it expired (ctx-ttl-ms is at
	 * least a second: far longer than a worker takes to send an answer handed to it). */
	char location[400];
	struct ausf_ctx *next;
} ausf_ctx;

typedef struct ausf_ctx_tab ausf_ctx_tab;

ausf_ctx_tab *ausf_ctx_tab_new(size_t max);
void ausf_ctx_tab_free(ausf_ctx_tab *t);
/* A new zeroed entry under id (the caller fills the rest), replacing an entry of that id;
 * NULL when the table is full or out of memory. */
ausf_ctx *ausf_ctx_add(ausf_ctx_tab *t, const char *id);
/* The entry of id, NULL when none or expired at now_ms. */
ausf_ctx *ausf_ctx_find(ausf_ctx_tab *t, const char *id, uint64_t now_ms);
/* Wipes and frees c. */
void ausf_ctx_remove(ausf_ctx_tab *t, ausf_ctx *c);
/* Removes the entries expired at now_ms; their number. */
size_t ausf_ctx_expire(ausf_ctx_tab *t, uint64_t now_ms);
size_t ausf_ctx_count(const ausf_ctx_tab *t);

#endif
