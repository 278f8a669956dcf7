/* SPDX-License-Identifier: Apache-2.0 */
/* The AUSF's loop, the hand-over from the SBI workers, routing and metrics (ausf.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "ausf_internal.h"
#include "common/clock.h"
#include "crypto/ct.h"
#include "sbi/sbi_url.h"
#include "svc/log.h"
#include "svc/nf_id.h"

#define SWEEP_MS 500 /* expired contexts go within this of their expiry */

void ausf_job_done(ausf_job *j, sbi_response *resp)
{
	sbi_complete(j->pending, resp);
	aiot_zeroize(j, sizeof *j);
	free(j);
}

void ausf_job_problem(ausf_job *j, int status, const char *cause, const char *text)
{
	sbi_response r = {0};
	sbi_problem(&r, status, cause, "%s", text);
	ausf_job_done(j, &r);
}

static void run_job(ausf *a, ausf_job *j)
{
	if (j->kind == AUSF_R_CREATE)
		ausf_aka_start(a, j);
	else
		ausf_confirm(a, j);
}

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	ausf *a = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&a->qlock);
	ausf_job *j = a->qhead;
	a->qhead = a->qtail = NULL;
	int stop = a->stop;
	pthread_mutex_unlock(&a->qlock);
	for (ausf_job *n; j != NULL; j = n) {
		n = j->next;
		if (stop)
			ausf_job_problem(j, 503, NULL, "the AUSF is stopping");
		else
			run_job(a, j);
	}
	if (stop)
		event_base_loopbreak(a->base);
}

static void sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	ausf *a = arg;
	(void)fd;
	(void)what;
	size_t gone = ausf_ctx_expire(a->ctxs, aiot_mono_ms());
	atomic_fetch_add(&a->n_expired, gone);
	atomic_store(&a->n_ctx, ausf_ctx_count(a->ctxs));
}

/* A producer at url; with oauth2, (target, scope) tokens from a->tokens. */
static int peer_init(ausf *a, ausf_peer *p, const char *what, const char *url, const char *target,
                     const char *scope, int oauth2, char *err, size_t errlen)
{
	const char *path;
	if (sbi_parse_url(url, &p->tls, p->host, sizeof p->host, &p->port, &path) != 0 ||
	    strcmp(path, "/") != 0) {
		snprintf(err, errlen, "%s: '%s' is not http://HOST:PORT or https://HOST:PORT", what,
		         url);
		return -1;
	}
	if (p->tls && a->tls == NULL) {
		snprintf(err, errlen, "%s: https needs client.ca (the CA of the peers)", what);
		return -1;
	}
	sbi_client_cfg cc = {.host = p->host,
	                     .port = p->port,
	                     .tls_ctx = p->tls ? a->tls : NULL,
	                     .dns = a->dns,
	                     .timeout_ms = (int)a->cfg.timeout_ms};
	nrfc_peer_cfg pc = {.client = &cc,
	                    .tokens = oauth2 ? a->tokens : NULL,
	                    .target_nf_type = target,
	                    .scope = scope};
	return (p->c = nrfc_peer_new(a->base, &pc, err, errlen)) == NULL ? -1 : 0;
}

static int copy_cfg(ausf *a, const ausf_cfg *cfg, char *err, size_t errlen)
{
	a->cfg = *cfg;
	if (a->cfg.ctx_ttl_ms == 0)
		a->cfg.ctx_ttl_ms = 30000;
	if (a->cfg.timeout_ms == 0)
		a->cfg.timeout_ms = 5000;
	if (a->cfg.max_contexts == 0)
		a->cfg.max_contexts = 100000;
	if (cfg->udm_url == NULL || cfg->instance_id == NULL ||
	    !aiot_uuid_valid(cfg->instance_id)) {
		snprintf(err, errlen, "udm (URL) and nf-instance-id (UUID) are required");
		return -1;
	}
	snprintf(a->instance_id, sizeof a->instance_id, "%s", cfg->instance_id);
	if (cfg->aanf_url != NULL &&
	    (cfg->mcc == NULL || cfg->mnc == NULL || strlen(cfg->mcc) != 3 ||
	     strspn(cfg->mcc, "0123456789") != 3 || strlen(cfg->mnc) < 2 || strlen(cfg->mnc) > 3 ||
	     strspn(cfg->mnc, "0123456789") != strlen(cfg->mnc))) {
		snprintf(err, errlen,
		         "aanf needs the home network's mcc (3 digits) and mnc (2 or 3)");
		return -1;
	}
	if (cfg->mcc && cfg->mnc) {
		snprintf(a->mcc, sizeof a->mcc, "%.3s", cfg->mcc);
		snprintf(a->mnc, sizeof a->mnc, "%.3s", cfg->mnc);
	}
	return 0;
}

ausf *ausf_new(const ausf_cfg *cfg, char *err, size_t errlen)
{
	evthread_use_pthreads();
	ausf *a = calloc(1, sizeof *a);
	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->qlock, NULL);
	if (copy_cfg(a, cfg, err, errlen) != 0)
		goto fail;
	if ((a->base = event_base_new()) == NULL ||
	    (a->wake = event_new(a->base, -1, 0, wake_cb, a)) == NULL ||
	    (a->sweep = event_new(a->base, -1, EV_PERSIST, sweep_cb, a)) == NULL ||
	    (a->ctxs = ausf_ctx_tab_new(a->cfg.max_contexts)) == NULL ||
	    (a->keys = ausf_ctx_tab_new(a->cfg.max_contexts)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((a->dns = evdns_base_new(a->base, EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL) {
		snprintf(err, errlen, "cannot set up the DNS resolver");
		goto fail;
	}
	if (cfg->client_ca != NULL &&
	    (a->tls = sbi_client_tls_ctx(cfg->client_ca, cfg->client_cert, cfg->client_key, err,
	                                 errlen)) == NULL)
		goto fail;
	/* TS 33.501 13.4.1.1: the tokens for both producers from one cache */
	if ((cfg->udm_oauth2 || cfg->aanf_oauth2) &&
	    (cfg->nrf == NULL || (a->tokens = nrfc_tokens_new(a->base, cfg->nrf, a->instance_id,
	                                                      "AUSF", err, errlen)) == NULL)) {
		if (cfg->nrf == NULL)
			snprintf(err, errlen, "access tokens need an NRF (nrf.url)");
		goto fail;
	}
	if (peer_init(a, &a->udm, "udm", cfg->udm_url, "UDM", "nudm-ueau", cfg->udm_oauth2, err,
	              errlen) != 0 ||
	    (cfg->aanf_url != NULL && peer_init(a, &a->aanf, "aanf", cfg->aanf_url, "AANF",
	                                        "naanf-akma", cfg->aanf_oauth2, err, errlen) != 0))
		goto fail;
	return a;
fail:
	ausf_free(a);
	return NULL;
}

static void *loop_main(void *arg)
{
	ausf *a = arg;
	struct timeval tv = {0, SWEEP_MS * 1000};
	event_add(a->sweep, &tv);
	event_active(a->wake, 0, 0); /* what was handed over before the start */
	event_base_dispatch(a->base);
	return NULL;
}

int ausf_start(ausf *a, const char *api_root)
{
	snprintf(a->api_root, sizeof a->api_root, "%s", api_root);
	if (pthread_create(&a->thread, NULL, loop_main, a) != 0)
		return -1;
	a->running = 1;
	return 0;
}

void ausf_stop(ausf *a)
{
	if (a == NULL)
		return;
	pthread_mutex_lock(&a->qlock);
	a->stop = 1;
	pthread_mutex_unlock(&a->qlock);
	if (a->running) {
		event_active(a->wake, 0, 0);
		pthread_join(a->thread, NULL);
		a->running = 0;
	}
	/* Freeing a client runs its open requests' callbacks: they answer 503. The tokens
	 * first: their fetches then end without calling the peers (nrfc_peer.h). */
	nrfc_tokens_free(a->tokens);
	a->tokens = NULL;
	nrfc_peer_free(a->udm.c);
	nrfc_peer_free(a->aanf.c);
	a->udm.c = a->aanf.c = NULL;
	wake_cb(-1, 0, a); /* handed over but never run */
}

void ausf_free(ausf *a)
{
	if (a == NULL)
		return;
	ausf_stop(a);
	ausf_ctx_tab_free(a->ctxs);
	ausf_ctx_tab_free(a->keys);
	sbi_client_tls_ctx_free(a->tls);
	if (a->wake)
		event_free(a->wake);
	if (a->sweep)
		event_free(a->sweep);
	if (a->dns)
		evdns_base_free(a->dns, 0);
	if (a->base)
		event_base_free(a->base);
	pthread_mutex_destroy(&a->qlock);
	free(a);
}

/* TS 33.501 6.1.3.2 step 2: is the SEAF entitled to use this serving network name? */
static int snn_authorized(const ausf *a, const char *snn)
{
	const char *p = a->cfg.serving_networks;
	size_t n = strlen(snn);
	if (p == NULL)
		return 1;
	while (*p != '\0') {
		size_t l = strcspn(p, ", ");
		if (l == n && strncmp(p, snn, n) == 0)
			return 1;
		p += l + strspn(p + l, ", ");
	}
	return 0;
}

/* SBI worker: decode, then hand over to the loop (sbi_defer). */
static ausf_job *decode(ausf *a, const sbi_request *req, int r, const char *id, sbi_response *resp)
{
	const char *method = r == AUSF_R_CREATE ? "POST" : "PUT";
	if (strcmp(req->method, method) != 0) {
		sbi_problem(resp, 405, NULL, "%s accepts %s only", req->path, method);
		resp->extra[resp->nextra++] = (sbi_header){"allow", method};
		return NULL;
	}
	if (!sbi_media_is(req->content_type, "application/json")) {
		sbi_problem(resp, 415, NULL, "content-type must be application/json");
		return NULL;
	}
	ausf_job *j = calloc(1, sizeof *j);
	sbi_err e = {0};
	if (j == NULL) {
		sbi_problem(resp, 500, "INSUFFICIENT_RESOURCES", "out of memory");
		return NULL;
	}
	j->a = a;
	j->kind = r;
	snprintf(j->id, sizeof j->id, "%s", id);
	if ((r == AUSF_R_CREATE
	         ? ausf_authinfo_parse(req->body, req->body_len, &j->info, &e)
	         : ausf_confirm_parse(req->body, req->body_len, j->res_star, &e)) != 0) {
		atomic_fetch_add(&a->n_refused, 1);
		sbi_problem(resp, sbi_err_status(&e), e.cause, "%s", e.text);
		aiot_zeroize(j, sizeof *j);
		free(j);
		return NULL;
	}
	if (r == AUSF_R_CREATE && !snn_authorized(a, j->info.snn)) {
		atomic_fetch_add(&a->n_refused, 1);
		sbi_problem(resp, 403, "SERVING_NETWORK_NOT_AUTHORIZED", "%s is not served here",
		            j->info.snn);
		free(j);
		return NULL;
	}
	return j;
}

void ausf_handle(void *app, const sbi_request *req, sbi_response *resp)
{
	ausf *a = app;
	char id[AUSF_CTX_ID_LEN + 1];
	int r = ausf_route(req->path, id);
	if (r == AUSF_R_NONE) {
		sbi_problem(resp, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND", "no resource %s",
		            req->path);
		return;
	}
	ausf_job *j = decode(a, req, r, id, resp);
	if (j == NULL)
		return;
	pthread_mutex_lock(&a->qlock);
	int stopped = a->stop;
	if (!stopped) {
		j->pending = sbi_defer(req);
		if (a->qtail)
			a->qtail->next = j;
		else
			a->qhead = j;
		a->qtail = j;
	}
	pthread_mutex_unlock(&a->qlock);
	if (stopped) {
		aiot_zeroize(j, sizeof *j);
		free(j);
		sbi_problem(resp, 503, NULL, "the AUSF is stopping");
		return;
	}
	event_active(a->wake, 0, 0);
}

char *ausf_metrics(void *app)
{
	ausf *a = app;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
	fprintf(f,
	        "# HELP aiot_ausf_contexts Authentication contexts waiting for confirmation.\n"
	        "# TYPE aiot_ausf_contexts gauge\n"
	        "aiot_ausf_contexts %zu\n"
	        "# HELP aiot_ausf_authentications_total ue-authentications requests and outcomes.\n"
	        "# TYPE aiot_ausf_authentications_total counter\n"
	        "aiot_ausf_authentications_total{result=\"requested\"} %llu\n"
	        "aiot_ausf_authentications_total{result=\"created\"} %llu\n"
	        "aiot_ausf_authentications_total{result=\"udm_failure\"} %llu\n"
	        "aiot_ausf_authentications_total{result=\"refused\"} %llu\n"
	        "# HELP aiot_ausf_confirmations_total 5g-aka-confirmation outcomes.\n"
	        "# TYPE aiot_ausf_confirmations_total counter\n"
	        "aiot_ausf_confirmations_total{result=\"success\"} %llu\n"
	        "aiot_ausf_confirmations_total{result=\"failure\"} %llu\n"
	        "aiot_ausf_confirmations_total{result=\"unknown_context\"} %llu\n"
	        "# HELP aiot_ausf_contexts_expired_total Contexts never confirmed in time.\n"
	        "# TYPE aiot_ausf_contexts_expired_total counter\n"
	        "aiot_ausf_contexts_expired_total %llu\n"
	        "# HELP aiot_ausf_akma_registrations_total register-anchorkey at the AAnF.\n"
	        "# TYPE aiot_ausf_akma_registrations_total counter\n"
	        "aiot_ausf_akma_registrations_total{result=\"ok\"} %llu\n"
	        "aiot_ausf_akma_registrations_total{result=\"error\"} %llu\n",
	        (size_t)a->n_ctx, (unsigned long long)a->n_create, (unsigned long long)a->n_created,
	        (unsigned long long)a->n_udm_fail, (unsigned long long)a->n_refused,
	        (unsigned long long)a->n_confirm_ok, (unsigned long long)a->n_confirm_fail,
	        (unsigned long long)a->n_unknown_ctx, (unsigned long long)a->n_expired,
	        (unsigned long long)a->n_akma_ok, (unsigned long long)a->n_akma_fail);
	fclose(f);
	return out;
}

const char *const ausf_operations[] = {"ue-authentications", "5g-aka-confirmation", NULL};
const aiot_oauth_service ausf_oauth_services[] = {{"/nausf-auth/v1/", "nausf-auth"}, {NULL, NULL}};
const char *const ausf_op_scopes[] = {"nausf-auth:ue-authentications",
                                      "nausf-auth:ue-authentications", NULL};

int ausf_operation(const sbi_request *req)
{
	char id[AUSF_CTX_ID_LEN + 1];
	return ausf_route(req->path, id);
}
