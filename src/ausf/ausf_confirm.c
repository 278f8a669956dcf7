/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AUSF's PUT 5g-aka-confirmation (TS 33.501 6.1.3.2 steps 10-12, TS 29.509 5.2.2.2.2)
 * and the AKMA anchor key it leads to (TS 33.535 6.1): RES* against XRES* in constant time;
 * on success K_SEAF to the SEAF and K_AUSF kept; when the UDM said akmaInd, K_AKMA, A-TID and
 * A-KID derived and registered at the AAnF (register-anchorkey) BEFORE the SEAF has its
 * answer, so that a UE that goes straight to an AKMA AF finds its A-KID known there; the
 * AAnF being slow or down delays the answer by at most the AAnF client's timeout and never
 * fails the authentication (it is counted and logged). A context serves one confirmation:
 * afterwards, like an expired or an unknown one, it is 404. Loop thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ausf_internal.h"
#include "common/aiot_err.h"
#include "common/clock.h"
#include "crypto/aiot_fc.h"
#include "crypto/aka5g.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "svc/log.h"

#define AANF_PATH "/naanf-akma/v1/register-anchorkey"

typedef struct akma_reg {
	ausf *a;
	ausf_job *j;  /* the confirmation, answered once the AAnF has answered */
	char *answer; /* its ConfirmationDataResponse (K_SEAF) */
	char supi[UEAU_SUPI_MAX + 1];
} akma_reg;

/* 200 with the ConfirmationDataResponse body (taken over: sbi_json owns it). */
static void answer(ausf_job *j, char *body, int ok)
{
	sbi_response resp = {0};
	sbi_json(&resp, 200, body);
	resp.sensitive = ok; /* K_SEAF */
	ausf_job_done(j, &resp);
}

static void on_aanf(void *arg, const sbi_client_response *resp)
{
	akma_reg *r = arg;
	if (resp->status == 200) {
		atomic_fetch_add(&r->a->n_akma_ok, 1);
		log_debug("AKMA anchor key of %s registered", r->supi);
	} else {
		atomic_fetch_add(&r->a->n_akma_fail, 1);
		log_warn("AAnF register-anchorkey for %s: %s", r->supi,
		         resp->status ? "refused" : resp->error);
		if (resp->status)
			log_warn("AAnF answered %d", resp->status);
	}
	answer(r->j, r->answer, 1);
	free(r);
}

/* TS 33.535 6.1 / Annex A.2, A.3: K_AKMA and A-KID from K_AUSF, then register-anchorkey.
 * 0: the AAnF's callback answers j with body; -1: the caller answers j itself. */
static int register_akma(ausf *a, const ausf_ctx *c, ausf_job *j, char *body_ok)
{
	int rc = -1;
	uint8_t kakma[32], atid[32];
	char akid[300], *body = NULL;
	akma_reg *r = calloc(1, sizeof *r);
	const char *rid = c->rid[0] ? c->rid : "0";
	if (r == NULL || aiot_akma_kakma(c->kausf, c->supi, kakma) != AIOT_OK ||
	    aiot_akma_atid(c->kausf, c->supi, atid) != AIOT_OK ||
	    aiot_akma_akid(atid, rid, a->mcc, a->mnc, akid, sizeof akid) != AIOT_OK ||
	    (body = ausf_akma_json(c->supi, akid, kakma)) == NULL) {
		atomic_fetch_add(&a->n_akma_fail, 1);
		log_error("AKMA keys of %s: cannot derive", c->supi);
		free(r);
		goto out;
	}
	*r = (akma_reg){.a = a, .j = j, .answer = body_ok};
	snprintf(r->supi, sizeof r->supi, "%s", c->supi);
	if (nrfc_peer_request(a->aanf.c, "POST", AANF_PATH, "application/json", body, strlen(body),
	                      on_aanf, r) != 0) {
		atomic_fetch_add(&a->n_akma_fail, 1);
		free(r);
	} else {
		rc = 0;
	}
out:
	if (body != NULL)
		aiot_zeroize(body, strlen(body));
	free(body);
	aiot_zeroize(kakma, sizeof kakma);
	aiot_zeroize(atid, sizeof atid);
	return rc;
}

/* TS 33.501 A.6: K_SEAF = KDF(K_AUSF, FC, P0 = serving network name). */
static int kseaf(const ausf_ctx *c, uint8_t out[32])
{
	aiot_kdf_param p = {(const uint8_t *)c->snn, (uint16_t)strlen(c->snn)};
	return aiot_kdf(NULL, c->kausf, 32, AIOT_FC_KSEAF, &p, 1, out);
}

/* K_AUSF kept per SUPI after a success (TS 33.501 6.1.3.2 step 12). */
static void keep_kausf(ausf *a, const ausf_ctx *c)
{
	ausf_ctx *k = ausf_ctx_add(a->keys, c->supi);
	if (k == NULL) {
		log_warn("K_AUSF of %s not kept: the table is full", c->supi);
		return;
	}
	snprintf(k->supi, sizeof k->supi, "%s", c->supi);
	snprintf(k->snn, sizeof k->snn, "%s", c->snn);
	memcpy(k->kausf, c->kausf, 32);
	k->expires_ms = AUSF_NEVER;
}

void ausf_confirm(ausf *a, ausf_job *j)
{
	uint8_t k[32];
	ausf_ctx *c = j->id[0] ? ausf_ctx_find(a->ctxs, j->id, aiot_mono_ms()) : NULL;
	if (c == NULL) {
		atomic_fetch_add(&a->n_unknown_ctx, 1);
		ausf_job_problem(j, 404, NULL,
		                 "no authentication context (unknown, expired or used)");
		return;
	}
	int ok = aiot_ct_eq(j->res_star, c->xres_star, 16) && kseaf(c, k) == AIOT_OK;
	char *body = ausf_confirm_json(ok, c->supi, k);
	aiot_zeroize(k, sizeof k);
	if (body == NULL) {
		ausf_job_problem(j, 500, "INSUFFICIENT_RESOURCES", "out of memory");
		return; /* the context stays: the SEAF may try again */
	}
	atomic_fetch_add(ok ? &a->n_confirm_ok : &a->n_confirm_fail, 1);
	if (ok)
		keep_kausf(a, c);
	if (!ok || !c->akma || a->aanf.c == NULL || register_akma(a, c, j, body) != 0)
		answer(j, body, ok);
	ausf_ctx_remove(a->ctxs, c);
	atomic_store(&a->n_ctx, ausf_ctx_count(a->ctxs));
}
