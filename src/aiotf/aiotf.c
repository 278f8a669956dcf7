/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF context, the SBI handoff to the event loop thread, transactions, metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <event2/event.h>
#include <event2/thread.h>

#include "aiotf_internal.h"
#include "common/hex.h"
#include "crypto/backend_openssl.h"
#include "svc/log.h"

#define API_ROOT "/naiotf-aiot/v1/"

static pthread_once_t threads_once = PTHREAD_ONCE_INIT;
static void threads_init(void)
{
	evthread_use_pthreads();
}

uint64_t aiotf_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static char *dup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ---- transactions --------------------------------------------------------------------- */

static void tx_fin_cb(evutil_socket_t fd, short what, void *arg);

static tx *tx_new(aiotf *a, aiotf_req *req)
{
	tx *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->a = a;
	t->req = req;
	t->t0_us = aiotf_now_us();
	if ((t->fin = event_new(a->base, -1, 0, tx_fin_cb, t)) == NULL ||
	    amap_init(&t->open_named, 64) != 0 || amap_init(&t->seen, 64) != 0 ||
	    amap_init(&t->cmds, 16) != 0) {
		if (t->fin)
			event_free(t->fin);
		amap_clear(&t->open_named, NULL);
		amap_clear(&t->seen, NULL);
		free(t);
		return NULL;
	}
	t->next = a->txs;
	if (a->txs)
		a->txs->prev = t;
	a->txs = t;
	return t;
}

void tx_free(tx *t)
{
	aiotf *a = t->a;
	if (t->prev)
		t->prev->next = t->next;
	else
		a->txs = t->next;
	if (t->next)
		t->next->prev = t->prev;
	for (probe *p = t->probes, *n; p != NULL; p = n) {
		n = p->tx_next;
		ng_probe_detach(a, p);
		if (p->timer)
			event_free(p->timer);
		free(p);
	}
	for (dresp *d = t->resps, *n; d != NULL; d = n) {
		n = d->next;
		cmd_free(d->cmd);
		free(d);
	}
	/* Open groups are owned by their queued ADM request (freed when it completes). */
	amap_clear(&t->open_named, NULL);
	amap_clear(&t->seen, NULL);
	amap_clear(&t->cmds, NULL);
	cJSON_Delete(t->batch);
	event_free(t->fin);
	free(t->targets);
	aiotf_req_free(t->req);
	free(t);
	atomic_fetch_sub(&a->st.active_tx, 1);
}

static void tx_fin_cb(evutil_socket_t fd, short what, void *arg)
{
	tx *t = arg;
	(void)fd;
	(void)what;
	if (t->finished || t->pending > 0 || t->probes_open > 0 ||
	    t->next_target < t->ntargets || t->targets_active > 0)
		return;
	t->finished = 1;
	inv_finish(t);
	tx_free(t);
}

void tx_check(tx *t)
{
	if (!t->finished)
		event_active(t->fin, 0, 0);
}

int tx_seen(tx *t, const aiotf_id *perm)
{
	int err;
	if (amap_get(&t->seen, perm->b, perm->len) != NULL)
		return 1;
	amap_put(&t->seen, perm->b, perm->len, t, &err);
	return 0;
}

static cJSON *notif_new(const tx *t)
{
	cJSON *n = cJSON_CreateObject();
	if (n != NULL)
		cJSON_AddStringToObject(n, "transId", t->req->trans_id);
	return n;
}

/* Send an AIoTNotif: items (may be NULL), lastRepInd, failCause (never with items). */
void tx_notify(tx *t, cJSON *items, int last, const char *fail_cause)
{
	cJSON *n = notif_new(t);
	if (n == NULL) {
		cJSON_Delete(items);
		return;
	}
	if (items != NULL)
		cJSON_AddItemToObject(n, "devicesRepData", items);
	if (last)
		cJSON_AddTrueToObject(n, "lastRepInd");
	if (fail_cause != NULL && items == NULL)
		cJSON_AddStringToObject(n, "failCause", fail_cause);
	char *body = cJSON_PrintUnformatted(n);
	cJSON_Delete(n);
	if (body != NULL)
		notify_post(t->a, t->req->notif_uri, body);
}

void tx_add_report(tx *t, cJSON *item)
{
	if (item == NULL)
		return;
	if (t->batch == NULL && (t->batch = cJSON_CreateArray()) == NULL) {
		cJSON_Delete(item);
		return;
	}
	cJSON_AddItemToArray(t->batch, item);
	if (++t->nbatch >= AIOTF_NOTIF_BATCH) {
		t->nreported += t->nbatch;
		tx_notify(t, t->batch, 0, NULL);
		t->batch = NULL;
		t->nbatch = 0;
	}
}

static void free_id(void *p)
{
	free(p);
}

void aiotf_learn_tid(aiotf *a, const uint8_t tid[16], const aiotf_id *perm)
{
	aiotf_id *copy = malloc(sizeof *copy);
	int err;
	if (copy == NULL)
		return;
	*copy = *perm;
	free(amap_put(&a->tid_to_perm, tid, 16, copy, &err));
	if (err)
		free(copy);
}

/* ---- the loop thread ------------------------------------------------------------------- */

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	aiotf *a = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&a->qlock);
	aiotf_req *list = a->qhead;
	int stop = a->stop;
	a->qhead = a->qtail = NULL;
	pthread_mutex_unlock(&a->qlock);
	for (aiotf_req *r = list, *next; r != NULL; r = next) {
		next = r->next;
		r->next = NULL;
		if (stop)
			afauth_refuse(a, r, 503, NULL, "the AIOTF is stopping");
		else
			afauth_submit(a, r);
	}
	if (stop)
		event_base_loopbreak(a->base);
}

tx *tx_start(aiotf *a, aiotf_req *r)
{
	tx *t = tx_new(a, r);
	if (t == NULL)
		log_error("transaction %s: out of memory", r->trans_id);
	else
		atomic_fetch_add(&a->st.tx[r->type], 1);
	return t;
}

static void *loop_main(void *arg)
{
	aiotf *a = arg;
	event_base_loop(a->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

aiotf *aiotf_new(const aiotf_cfg *cfg, char *err, size_t errlen)
{
	pthread_once(&threads_once, threads_init);
	aiotf *a = calloc(1, sizeof *a);
	if (a == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	pthread_mutex_init(&a->qlock, NULL);
	a->cfg = *cfg;
	a->name = strdup(cfg->name ? cfg->name : "aiotf");
	a->ng_listen = strdup(cfg->ng_listen ? cfg->ng_listen : "127.0.0.1:38412");
	a->ng_transport = strdup(cfg->ng_transport ? cfg->ng_transport : "auto");
	a->adm_url = dup_opt(cfg->adm_url);
	a->adm_ca = dup_opt(cfg->adm_ca);
	a->adm_cert = dup_opt(cfg->adm_cert);
	a->adm_key = dup_opt(cfg->adm_key);
	a->notif_ca = dup_opt(cfg->notif_ca);
	a->cfg.name = a->name;
	a->cfg.ng_listen = a->ng_listen;
	a->cfg.ng_transport = a->ng_transport;
	a->cfg.adm_url = a->adm_url;
	a->cfg.adm_ca = a->adm_ca;
	a->cfg.adm_cert = a->adm_cert;
	a->cfg.adm_key = a->adm_key;
	a->cfg.notif_ca = a->notif_ca;
	if (a->cfg.adm_connections < 1)
		a->cfg.adm_connections = 4;
	if (a->cfg.adm_timeout_ms < 1)
		a->cfg.adm_timeout_ms = 2000;
	if (a->cfg.inventory_timeout_ms < 1)
		a->cfg.inventory_timeout_ms = 5000;
	if (a->cfg.command_timeout_ms < 1)
		a->cfg.command_timeout_ms = 3000;
	if (a->cfg.max_transactions < 1)
		a->cfg.max_transactions = 1024;
	if (a->cfg.af_auth_ttl_ms < 0)
		a->cfg.af_auth_ttl_ms = 0;
	if (a->cfg.report_rate < 0)
		a->cfg.report_rate = 0;
	if (a->cfg.report_rate > 0 && a->cfg.report_burst < 1)
		a->cfg.report_burst = 2 * a->cfg.report_rate;
	if (a->cfg.flood_close < 0)
		a->cfg.flood_close = 0;
	if (a->name == NULL || a->ng_listen == NULL || a->ng_transport == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	size_t nl = strlen(a->name);
	if (nl < 1 || nl > NGAP_MAX_AIOTF_NAME) {
		snprintf(err, errlen, "name: 1 to %d characters", NGAP_MAX_AIOTF_NAME);
		goto fail;
	}
	if (a->adm_url == NULL) {
		snprintf(err, errlen, "adm: the ADM's URL is required (--adm http://HOST:PORT)");
		goto fail;
	}
	uint8_t rnd[8];
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) {
		snprintf(err, errlen, "no randomness available");
		goto fail;
	}
	aiot_hex_encode(rnd, sizeof rnd, a->trans_prefix);
	if ((a->base = event_base_new()) == NULL ||
	    (a->wake = event_new(a->base, -1, 0, wake_cb, a)) == NULL ||
	    (a->corr = calloc(65536, sizeof *a->corr)) == NULL ||
	    amap_init(&a->tid_to_perm, 1024) != 0 || amap_init(&a->profiles, 1024) != 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if ((a->be = aiot_backend_openssl_new()) == NULL) {
		snprintf(err, errlen, "OpenSSL cannot provide HMAC, CMAC or AES-CTR");
		goto fail;
	}
	if (adm_pool_init(a, err, errlen) != 0 || ng_start(a, err, errlen) != 0)
		goto fail;
	return a;
fail:
	aiotf_free(a);
	return NULL;
}

int aiotf_start(aiotf *a)
{
	if (pthread_create(&a->thread, NULL, loop_main, a) != 0)
		return -1;
	a->running = 1;
	return 0;
}

int aiotf_ng_port(const aiotf *a)
{
	return a->ng ? ngap_listener_port(a->ng) : -1;
}

const char *aiotf_ng_transport(const aiotf *a)
{
	return a->ng ? ngap_listener_transport(a->ng) : "none";
}

void aiotf_free(aiotf *a)
{
	if (a == NULL)
		return;
	if (a->running) {
		pthread_mutex_lock(&a->qlock);
		a->stop = 1;
		pthread_mutex_unlock(&a->qlock);
		event_active(a->wake, 0, 0);
		pthread_join(a->thread, NULL);
		a->running = 0;
	}
	/* Teardown in the caller's thread: the loop no longer runs. ADM and notification
	 * callbacks triggered by freeing the clients only release their own memory. */
	a->stopping = 1;
	adm_pool_free(a);
	afauth_free_all(a);
	notify_free_all(a);
	while (a->txs != NULL)
		tx_free(a->txs);
	ng_stop(a);
	for (aiotf_req *r = a->qhead, *n; r != NULL; r = n) {
		n = r->next;
		afauth_refuse(a, r, 503, NULL, "the AIOTF is stopping");
	}
	amap_clear(&a->tid_to_perm, free_id);
	amap_clear(&a->profiles, free_id);
	if (a->be)
		aiot_backend_openssl_free(a->be);
	if (a->wake)
		event_free(a->wake);
	if (a->base)
		event_base_free(a->base);
	free(a->corr);
	free(a->name);
	free(a->ng_listen);
	free(a->ng_transport);
	free(a->adm_url);
	free(a->adm_ca);
	free(a->adm_cert);
	free(a->adm_key);
	free(a->notif_ca);
	pthread_mutex_destroy(&a->qlock);
	free(a);
}

/* ---- Naiotf_AIoT handler (SBI worker thread) --------------------------------------------- */

void aiotf_handle(void *app, const sbi_request *req, sbi_response *resp)
{
	aiotf *a = app;
	const char *p = req->path;
	tx_type type;

	if (strncmp(p, API_ROOT, strlen(API_ROOT)) != 0) {
		sbi_problem(resp, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND", "no resource %s", p);
		return;
	}
	p += strlen(API_ROOT);
	if (strcmp(p, "request-inv") == 0) {
		type = TX_INVENTORY;
	} else if (strcmp(p, "request-cmd") == 0) {
		type = TX_COMMAND;
	} else {
		sbi_problem(resp, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND",
			    "no operation %s in naiotf-aiot/v1", p);
		return;
	}
	if (strcmp(req->method, "POST") != 0) {
		sbi_problem(resp, 405, NULL, "%s accepts POST only", req->path);
		resp->extra[resp->nextra++] = (sbi_header){"allow", "POST"};
		return;
	}
	if (!sbi_media_is(req->content_type, "application/json")) {
		atomic_fetch_add(&a->st.requests_refused, 1);
		sbi_problem(resp, 415, "UNSUPPORTED_MEDIA_TYPE", "content-type must be "
								  "application/json");
		return;
	}
	sbi_err e = {0};
	aiotf_req *r = naiotf_parse(type, req->body, req->body_len, &e);
	if (r == NULL) {
		atomic_fetch_add(&a->st.requests_refused, 1);
		if (e.cause != NULL && strcmp(e.cause, "PAYLOAD_TOO_LARGE") == 0)
			sbi_problem(resp, 413, e.cause, "%s", e.text);
		else if (e.cause != NULL && strcmp(e.cause, "SYSTEM_FAILURE") == 0)
			sbi_problem(resp, 500, e.cause, "%s", e.text);
		else
			sbi_problem(resp, 400, e.cause, "%s", e.text);
		return;
	}
	if (r->notif_uri != NULL && strncmp(r->notif_uri, "https://", 8) == 0 &&
	    a->notif_ca == NULL) {
		atomic_fetch_add(&a->st.requests_refused, 1);
		sbi_problem(resp, 400, "MANDATORY_IE_INCORRECT",
			    "notifUri: https needs a CA configured at the AIOTF (notif-ca)");
		aiotf_req_free(r);
		return;
	}
	if (atomic_fetch_add(&a->st.active_tx, 1) >= a->cfg.max_transactions) {
		atomic_fetch_sub(&a->st.active_tx, 1);
		atomic_fetch_add(&a->st.requests_refused, 1);
		sbi_problem(resp, 503, "NF_CONGESTION", "%d transactions in progress",
			    a->cfg.max_transactions);
		aiotf_req_free(r);
		return;
	}
	snprintf(r->trans_id, sizeof r->trans_id, "%s-%llu", a->trans_prefix,
		 (unsigned long long)atomic_fetch_add(&a->trans_seq, 1) + 1);
	/* The answer waits for the AF's authorization (afauth.c, in the loop thread). */
	pthread_mutex_lock(&a->qlock);
	int stopped = a->stop;
	if (!stopped) {
		r->pending = sbi_defer(req);
		if (a->qtail)
			a->qtail->next = r;
		else
			a->qhead = r;
		a->qtail = r;
	}
	pthread_mutex_unlock(&a->qlock);
	if (stopped) {
		atomic_fetch_sub(&a->st.active_tx, 1);
		aiotf_req_free(r);
		sbi_problem(resp, 503, NULL, "the AIOTF is stopping");
		return;
	}
	event_active(a->wake, 0, 0);
}

char *aiotf_metrics(void *app)
{
	aiotf *a = app;
	aiotf_stats *s = &a->st;
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (f == NULL)
		return NULL;
#define U(x) ((unsigned long long)atomic_load(&(x)))
	fprintf(f,
		"# HELP aiot_aiotf_transactions_total Naiotf_AIoT transactions accepted.\n"
		"# TYPE aiot_aiotf_transactions_total counter\n"
		"aiot_aiotf_transactions_total{type=\"inventory\"} %llu\n"
		"aiot_aiotf_transactions_total{type=\"command\"} %llu\n"
		"# HELP aiot_aiotf_transactions_failed_total Transactions ended with a failCause.\n"
		"# TYPE aiot_aiotf_transactions_failed_total counter\n"
		"aiot_aiotf_transactions_failed_total{type=\"inventory\"} %llu\n"
		"aiot_aiotf_transactions_failed_total{type=\"command\"} %llu\n"
		"# HELP aiot_aiotf_transactions_active Transactions queued or running.\n"
		"# TYPE aiot_aiotf_transactions_active gauge\n"
		"aiot_aiotf_transactions_active %d\n"
		"# HELP aiot_aiotf_requests_refused_total Naiotf requests refused (4xx/5xx).\n"
		"# TYPE aiot_aiotf_requests_refused_total counter\n"
		"aiot_aiotf_requests_refused_total %llu\n"
		"# HELP aiot_aiotf_d2r_total Inventory Responses received in Inventory Reports.\n"
		"# TYPE aiot_aiotf_d2r_total counter\n"
		"aiot_aiotf_d2r_total %llu\n"
		"# HELP aiot_aiotf_devices_authenticated_total Responses whose RES_AIOT matched.\n"
		"# TYPE aiot_aiotf_devices_authenticated_total counter\n"
		"aiot_aiotf_devices_authenticated_total %llu\n"
		"# HELP aiot_aiotf_auth_failures_total Responses whose RES_AIOT did not match.\n"
		"# TYPE aiot_aiotf_auth_failures_total counter\n"
		"aiot_aiotf_auth_failures_total %llu\n"
		"# HELP aiot_aiotf_undecodable_total Inventory Responses that did not decode.\n"
		"# TYPE aiot_aiotf_undecodable_total counter\n"
		"aiot_aiotf_undecodable_total %llu\n"
		"# HELP aiot_aiotf_bad_mac_total Command Responses failing the NIA2 check.\n"
		"# TYPE aiot_aiotf_bad_mac_total counter\n"
		"aiot_aiotf_bad_mac_total %llu\n"
		"# HELP aiot_aiotf_replays_total Command Responses with a COUNT seen before.\n"
		"# TYPE aiot_aiotf_replays_total counter\n"
		"aiot_aiotf_replays_total %llu\n"
		"# HELP aiot_aiotf_commands_total Commands by outcome.\n"
		"# TYPE aiot_aiotf_commands_total counter\n"
		"aiot_aiotf_commands_total{result=\"ok\"} %llu\n"
		"aiot_aiotf_commands_total{result=\"failed\"} %llu\n"
		"# HELP aiot_aiotf_tid_updates_total T-ID rotations completed (TID_UPDATE + get-tid).\n"
		"# TYPE aiot_aiotf_tid_updates_total counter\n"
		"aiot_aiotf_tid_updates_total %llu\n"
		"# HELP aiot_aiotf_adm_requests_total Requests to the ADM (Nadm_Sec, Nadm_DM).\n"
		"# TYPE aiot_aiotf_adm_requests_total counter\n"
		"aiot_aiotf_adm_requests_total %llu\n"
		"# HELP aiot_aiotf_adm_errors_total ADM requests failed (transport, timeout, 4xx/5xx).\n"
		"# TYPE aiot_aiotf_adm_errors_total counter\n"
		"aiot_aiotf_adm_errors_total %llu\n"
		"# HELP aiot_aiotf_adm_retries_total ADM requests retried after a transport failure.\n"
		"# TYPE aiot_aiotf_adm_retries_total counter\n"
		"aiot_aiotf_adm_retries_total %llu\n"
		"# HELP aiot_aiotf_adm_latency_seconds_sum Total ADM request latency.\n"
		"# TYPE aiot_aiotf_adm_latency_seconds_sum counter\n"
		"aiot_aiotf_adm_latency_seconds_sum %.6f\n"
		"# HELP aiot_aiotf_unsolicited_reports_total NG reports with no open paging, dropped.\n"
		"# TYPE aiot_aiotf_unsolicited_reports_total counter\n"
		"aiot_aiotf_unsolicited_reports_total %llu\n"
		"# HELP aiot_aiotf_reports_dropped_total NG reports and answers dropped unprocessed.\n"
		"# TYPE aiot_aiotf_reports_dropped_total counter\n"
		"aiot_aiotf_reports_dropped_total{reason=\"unsolicited\"} %llu\n"
		"aiot_aiotf_reports_dropped_total{reason=\"rate\"} %llu\n"
		"# HELP aiot_aiotf_readers_closed_total Reader NG links closed by the AIOTF.\n"
		"# TYPE aiot_aiotf_readers_closed_total counter\n"
		"aiot_aiotf_readers_closed_total{reason=\"flood\"} %llu\n"
		"# HELP aiot_aiotf_notifications_total AIoTNotif sent, by outcome.\n"
		"# TYPE aiot_aiotf_notifications_total counter\n"
		"aiot_aiotf_notifications_total{result=\"ok\"} %llu\n"
		"aiot_aiotf_notifications_total{result=\"failed\"} %llu\n"
		"# HELP aiot_aiotf_readers_connected Readers with a completed NG Setup.\n"
		"# TYPE aiot_aiotf_readers_connected gauge\n"
		"aiot_aiotf_readers_connected %d\n",
		U(s->tx[0]), U(s->tx[1]), U(s->tx_failed[0]), U(s->tx_failed[1]),
		atomic_load(&s->active_tx), U(s->requests_refused), U(s->d2r_received),
		U(s->devices_authenticated), U(s->auth_failures), U(s->undecodable), U(s->bad_mac),
		U(s->replays), U(s->cmd_ok), U(s->cmd_failed), U(s->tid_updates),
		U(s->adm_requests), U(s->adm_errors), U(s->adm_retries),
		(double)U(s->adm_latency_us) / 1e6, U(s->unsolicited), U(s->unsolicited),
		U(s->rate_dropped), U(s->flood_closed), U(s->notif_sent),
		U(s->notif_failed), atomic_load(&s->readers));
#undef U
	fclose(f);
	return out;
}
