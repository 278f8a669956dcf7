/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AUSF's POST ue-authentications (TS 33.501 6.1.3.2 steps 2-5, TS 29.509 5.2.2.2.2):
 * ask the UDM for a 5G HE AV (Nudm_UEAU generate-auth-data, with the UE's AUTS when it
 * sent one), keep XRES* and K_AUSF in a new context, answer the SEAF with the 5G SE AV
 * (RAND, AUTN, HXRES*). Loop thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ausf_internal.h"
#include "common/clock.h"
#include "common/hex.h"
#include "crypto/aka5g.h"
#include "crypto/ct.h"
#include "svc/log.h"

/* The UDM's error answer, as the SEAF's (TS 29.509: 403, 404, 501 have the UDM's meaning);
 * anything else is the UDM failing: 502, or 503 when it could not be reached at all. */
static void udm_failed(ausf *a, ausf_job *j, const sbi_client_response *resp)
{
	atomic_fetch_add(&a->n_udm_fail, 1);
	switch (resp->status) {
	case 403:
		ausf_job_problem(j, 403, "AUTHENTICATION_REJECTED",
		                 "the UDM rejected the authentication");
		return;
	case 404:
		ausf_job_problem(j, 404, "USER_NOT_FOUND", "the UDM does not know this user");
		return;
	case 501:
		ausf_job_problem(j, 501, "UNSUPPORTED_PROTECTION_SCHEME",
		                 "the UDM cannot de-conceal");
		return;
	case 0:
		log_warn("UDM %s:%d: %s", a->udm.host, a->udm.port, resp->error);
		ausf_job_problem(j, 503, NULL, "the UDM cannot be reached");
		return;
	default:
		log_warn("UDM answered %d", resp->status);
		ausf_job_problem(j, 502, NULL, "the UDM failed");
	}
}

/* The context of a 5G HE AV, and the 201 that points at it. */
static void answer_created(ausf *a, ausf_job *j, const ueau_result *r)
{
	uint8_t rnd[AUSF_CTX_ID_LEN / 2], hxres[16];
	char id[AUSF_CTX_ID_LEN + 1], href[480];
	ausf_ctx *c = NULL;
	if (getrandom(rnd, sizeof rnd, 0) == (ssize_t)sizeof rnd) {
		aiot_hex_encode(rnd, sizeof rnd, id);
		c = ausf_ctx_add(a->ctxs, id);
	}
	if (c == NULL) {
		ausf_job_problem(j, 500, "INSUFFICIENT_RESOURCES", "no room for a new context");
		return;
	}
	snprintf(c->supi, sizeof c->supi, "%s", r->supi);
	snprintf(c->snn, sizeof c->snn, "%s", j->info.snn);
	snprintf(c->rid, sizeof c->rid, "%s", r->rid);
	memcpy(c->xres_star, r->xres_star, 16);
	memcpy(c->kausf, r->kausf, 32);
	c->akma = r->akma;
	c->expires_ms = aiot_mono_ms() + a->cfg.ctx_ttl_ms;
	snprintf(c->location, sizeof c->location, "%s" AUSF_API "/%s", a->api_root, id);
	snprintf(href, sizeof href, "%s" AUSF_CONFIRM, c->location);
	aiot_5g_hxres_star(r->rand, r->xres_star, hxres); /* TS 33.501 A.5 */
	sbi_response resp = {0};
	char *body = ausf_ctx_json(r->rand, r->autn, hxres, href, j->info.snn);
	if (body == NULL) {
		ausf_ctx_remove(a->ctxs, c);
		ausf_job_problem(j, 500, "INSUFFICIENT_RESOURCES", "out of memory");
		return;
	}
	sbi_json(&resp, 201, body);
	resp.content_type = "application/3gppHal+json";
	resp.extra[resp.nextra++] = (sbi_header){"location", c->location};
	atomic_fetch_add(&a->n_created, 1);
	atomic_store(&a->n_ctx, ausf_ctx_count(a->ctxs));
	ausf_job_done(j, &resp);
}

static void on_udm(void *arg, const sbi_client_response *resp)
{
	ausf_job *j = arg;
	ausf *a = j->a;
	ueau_result r;
	sbi_err e = {0};
	if (a->stop) {
		ausf_job_problem(j, 503, NULL, "the AUSF is stopping");
		return;
	}
	if (resp->status != 200) {
		udm_failed(a, j, resp);
		return;
	}
	if (ueau_result_parse(resp->body, resp->body_len, &r, &e) != 0) {
		atomic_fetch_add(&a->n_udm_fail, 1);
		log_warn("UDM answer refused: %s", e.text);
		ausf_job_problem(j, 502, NULL, "the UDM's answer is malformed");
		return;
	}
	answer_created(a, j, &r);
	aiot_zeroize(&r, sizeof r);
}

void ausf_aka_start(ausf *a, ausf_job *j)
{
	ueau_request q = {0};
	char path[sizeof UEAU_API + AUSF_ID_MAX + sizeof UEAU_OP];
	atomic_fetch_add(&a->n_create, 1);
	snprintf(q.snn, sizeof q.snn, "%s", j->info.snn);
	snprintf(q.ausf_id, sizeof q.ausf_id, "%s", a->instance_id);
	q.resync = j->info.resync; /* TS 33.501 6.1.3.3.2: the AUTS goes to the UDM as it came */
	/* supiOrSuci passed ueau_supi_from(): digits, letters and '-' only, nothing to escape */
	snprintf(path, sizeof path, UEAU_API "%s" UEAU_OP, j->info.supi_or_suci);
	char *body = ueau_request_json(&q);
	if (body == NULL || nrfc_peer_request(a->udm.c, "POST", path, "application/json", body,
	                                      strlen(body), on_udm, j) != 0) {
		atomic_fetch_add(&a->n_udm_fail, 1);
		ausf_job_problem(j, 503, NULL, "cannot send to the UDM");
	}
	free(body);
}
