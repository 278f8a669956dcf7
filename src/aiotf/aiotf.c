/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF context, the SBI handoff to the event loop thread, the shutdown drain, metrics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <event2/dns.h>
#include <event2/event.h>
#include <event2/thread.h>

#include "common/clock.h"
#include "aiotf_internal.h"
#include "common/hex.h"
#include "crypto/backend_openssl.h"
#include "nrfc/nrfc_token.h"
#include "svc/log.h"

#define API_ROOT "/naiotf-aiot/v1/"

static pthread_once_t threads_once = PTHREAD_ONCE_INIT;
static void threads_init(void)
{
	evthread_use_pthreads();
}

static char *dup_opt(const char *s)
{
	return s ? strdup(s) : NULL;
}

/* ---- the shutdown drain (loop thread) ---------------------------------------------------- */

/* Transactions still running on their own (not finished, not halted). */
static size_t tx_running(const aiotf *a)
{
	size_t n = 0;
	for (const tx *t = a->proc.txs; t != NULL; t = t->next)
		n += !t->finished;
	return n;
}

/* Every 10 ms while stopping: running transactions may finish until grace minus the
 * flush time, then are halted (AIoTNotif with failCause); the loop ends when nothing is
 * running and every notification is delivered, or at grace. */
static void drain_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	aiotf *a = arg;
	(void)fd;
	(void)what;
	uint64_t ms = (aiot_mono_us() - a->drain_t0_us) / 1000u;
	uint64_t flush = a->grace_ms / 2 < 1000 ? (uint64_t)a->grace_ms / 2 : 1000;
	if (!a->drain_forced && ms + flush >= (uint64_t)a->grace_ms) {
		a->drain_forced = 1;
		size_t n = tx_running(a);
		if (n > 0)
			log_warn("stopping: %zu transactions still running after %llu ms: failed",
			         n, (unsigned long long)ms);
		for (tx *t = a->proc.txs; t != NULL; t = t->next)
			tx_halt(t);
	}
	int idle = notify_idle(a);
	if (tx_running(a) == 0 && idle) {
		log_info("stopping: drained in %llu ms", (unsigned long long)ms);
		event_base_loopbreak(a->base);
	} else if (ms >= (uint64_t)a->grace_ms) {
		log_warn("stopping: shutdown-grace (%d ms) over%s", a->grace_ms,
		         idle ? "" : ", notifications still undelivered are dropped");
		event_base_loopbreak(a->base);
	}
}

static void drain_start(aiotf *a)
{
	static const struct timeval tick = {0, 10000};
	a->drain_t0_us = aiot_mono_us();
	log_info("stopping: new requests refused, %zu transactions running, at most %d ms",
	         tx_running(a), a->grace_ms);
	if ((a->drain_tick = event_new(a->base, -1, EV_PERSIST, drain_tick_cb, a)) == NULL ||
	    event_add(a->drain_tick, &tick) != 0) {
		log_error("stopping: out of memory, transactions dropped");
		event_base_loopbreak(a->base);
		return;
	}
	drain_tick_cb(-1, 0, a);
}

/* ---- the loop thread ------------------------------------------------------------------- */

static void wake_cb(evutil_socket_t fd, short what, void *arg)
{
	aiotf *a = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&a->qlock);
	aiotf_req *list = a->qhead;
	int stop = a->stop, draining = a->draining;
	a->qhead = a->qtail = NULL;
	pthread_mutex_unlock(&a->qlock);
	for (aiotf_req *r = list, *next; r != NULL; r = next) {
		next = r->next;
		r->next = NULL;
		if (stop || (draining && a->drain_forced)) /* too late to run */
			afauth_refuse(a, r, 503, NULL, "the AIOTF is stopping");
		else if (r->type == TX_DOA_GET || r->type == TX_DOA_DEL)
			doa_subs_op(a, r);
		else
			notif_policy_admit(a, r); /* then afauth_submit */
	}
	if (stop)
		event_base_loopbreak(a->base);
	else if (draining && a->drain_tick == NULL)
		drain_start(a);
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
	if (a->cfg.cache_max < 1)
		a->cfg.cache_max = 100000;
	if (a->cfg.report_rate < 0)
		a->cfg.report_rate = 0;
	if (a->cfg.report_rate > 0 && a->cfg.report_burst < 1)
		a->cfg.report_burst = 2 * a->cfg.report_rate;
	if (a->cfg.flood_close < 0)
		a->cfg.flood_close = 0;
	if (a->cfg.paging_max_d2r < 1)
		a->cfg.paging_max_d2r = 262144;
	if (a->cfg.paging_max_adm < 1)
		a->cfg.paging_max_adm = 16384;
	if (a->cfg.adm_max_queued < 1)
		a->cfg.adm_max_queued = 65536;
	if (a->cfg.notify_max_dests < 1)
		a->cfg.notify_max_dests = 256;
	if (a->cfg.notify_max_dests_per_af < 1)
		a->cfg.notify_max_dests_per_af = 64;
	if (a->cfg.notify_queue_bytes < 1)
		a->cfg.notify_queue_bytes = 32u << 20;
	if (a->cfg.doa_max_subs < 1)
		a->cfg.doa_max_subs = 1024;
	if (a->cfg.doa_max_subs_per_af < 1)
		a->cfg.doa_max_subs_per_af = 64;
	if (a->cfg.notify_dest_queue_bytes < 1)
		a->cfg.notify_dest_queue_bytes = 4u << 20;
	a->cfg.notify_schemes = a->cfg.notify_hosts = a->cfg.notify_networks = NULL;
	int *ng_bounds[] = {&a->cfg.ng_max_links,        &a->cfg.ng_max_links_per_peer,
	                    &a->cfg.ng_setup_timeout_ms, &a->cfg.ng_idle_timeout_ms,
	                    &a->cfg.ng_ack_timeout_ms,   &a->cfg.ng_unacked_close};
	for (size_t i = 0; i < sizeof ng_bounds / sizeof ng_bounds[0]; i++)
		if (*ng_bounds[i] < 0)
			*ng_bounds[i] = 0; /* off */
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
	    (a->wake = event_new(a->base, -1, 0, wake_cb, a)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	/* /etc/resolv.conf and /etc/hosts read here, once, not per new notification host. */
	if ((a->dns = evdns_base_new(a->base, EVDNS_BASE_INITIALIZE_NAMESERVERS)) == NULL) {
		snprintf(err, errlen, "cannot set up the DNS resolver");
		goto fail;
	}
	if (a->notif_ca != NULL &&
	    (a->notif_tls = sbi_client_tls_ctx(a->notif_ca, NULL, NULL, err, errlen)) == NULL)
		goto fail;
	if ((a->notif_pol =
	         notif_policy_new(cfg->notify_schemes, cfg->notify_hosts, cfg->notify_networks,
	                          cfg->notify_local, err, errlen)) == NULL)
		goto fail;
	if ((a->be = aiot_backend_openssl_new()) == NULL) {
		snprintf(err, errlen, "OpenSSL cannot provide HMAC, CMAC or AES-CTR");
		goto fail;
	}
	if (aiotf_proc_init(&a->proc, a, &aiotf_io_event, &a->cfg, a->be, &a->st) != 0) {
		snprintf(err, errlen, "out of memory");
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

void aiotf_drain(aiotf *a, int grace_ms)
{
	if (a == NULL || !a->running)
		return;
	pthread_mutex_lock(&a->qlock);
	a->draining = 1;
	a->grace_ms = grace_ms > 0 ? grace_ms : 0;
	pthread_mutex_unlock(&a->qlock);
	event_active(a->wake, 0, 0);
	pthread_join(a->thread, NULL);
	a->running = 0;
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
	a->proc.stopping = 1;
	adm_pool_free(a);
	afauth_free_all(a);
	notif_policy_cancel_all(a);
	/* The transactions release their notification destinations: before the destinations */
	aiotf_proc_free(&a->proc);
	doa_subs_free_all(a); /* the subscriptions too, and their batch timer */
	ng_stop(a);
	for (aiotf_req *r = a->qhead, *n; r != NULL; r = n) {
		n = r->next;
		afauth_refuse(a, r, 503, NULL, "the AIOTF is stopping");
	}
	notify_free_all(a);
	notif_policy_free(a->notif_pol);
	sbi_client_tls_ctx_free(a->adm_tls_ctx);
	sbi_client_tls_ctx_free(a->notif_tls);
	if (a->be)
		aiot_backend_openssl_free(a->be);
	if (a->wake)
		event_free(a->wake);
	if (a->drain_tick)
		event_free(a->drain_tick);
	if (a->dns)
		evdns_base_free(a->dns, 0);
	if (a->base)
		event_base_free(a->base);
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
	} else if (strcmp(p, DOA_SUBS_PATH) == 0) {
		type = TX_DOA_SUB;
	} else if (strncmp(p, DOA_SUBS_PATH "/", sizeof DOA_SUBS_PATH) == 0) {
		doa_subs_handle_id(a, req, p + sizeof DOA_SUBS_PATH, resp);
		return;
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
		sbi_problem(resp, 415, NULL,
		            "content-type must be "
		            "application/json");
		return;
	}
	sbi_err e = {0};
	aiotf_req *r = naiotf_parse(type, req->body, req->body_len, &e);
	if (r == NULL) {
		atomic_fetch_add(&a->st.requests_refused, 1);
		sbi_problem(resp, sbi_err_status(&e), e.cause, "%s", e.text);
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
	if (type == TX_DOA_SUB) {
		if (doa_sub_new_id(r) != 0) {
			atomic_fetch_sub(&a->st.active_tx, 1);
			aiotf_req_free(r);
			sbi_problem(resp, 500, "SYSTEM_FAILURE", "no randomness available");
			return;
		}
	} else {
		snprintf(r->trans_id, sizeof r->trans_id, "%s-%llu", a->trans_prefix,
		         (unsigned long long)atomic_fetch_add(&a->trans_seq, 1) + 1);
	}
	/* The answer waits for the AF's authorization (afauth.c, in the loop thread). */
	aiotf_enqueue(a, req, r, resp);
}

int aiotf_enqueue(aiotf *a, const sbi_request *req, aiotf_req *r, sbi_response *resp)
{
	pthread_mutex_lock(&a->qlock);
	int stopped = a->stop || a->draining;
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
		return -1;
	}
	event_active(a->wake, 0, 0);
	return 0;
}

const char *const aiotf_operations[] = {"request-inv", "request-cmd", NULL};
const aiot_oauth_service aiotf_oauth_services[] = {{API_ROOT, "naiotf-aiot"}, {NULL, NULL}};
const char *const aiotf_op_scopes[] = {"naiotf-aiot:inventory", "naiotf-aiot:command", NULL};

int aiotf_operation(const sbi_request *req)
{
	const char *p = req->path;

	if (strcmp(req->method, "POST") != 0 || strncmp(p, API_ROOT, strlen(API_ROOT)) != 0)
		return -1;
	p += strlen(API_ROOT);
	return strcmp(p, "request-inv") == 0   ? TX_INVENTORY
	       : strcmp(p, "request-cmd") == 0 ? TX_COMMAND
	                                       : -1;
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
	fprintf(
	    f,
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
	    "# HELP aiot_aiotf_cache_evictions_total Entries evicted from a full cache "
	    "(cache-max).\n"
	    "# TYPE aiot_aiotf_cache_evictions_total counter\n"
	    "aiot_aiotf_cache_evictions_total{cache=\"tid\"} %llu\n"
	    "aiot_aiotf_cache_evictions_total{cache=\"profile\"} %llu\n"
	    "# HELP aiot_aiotf_adm_requests_total Requests to the ADM (Nadm_Sec, Nadm_DM).\n"
	    "# TYPE aiot_aiotf_adm_requests_total counter\n"
	    "aiot_aiotf_adm_requests_total %llu\n"
	    "# HELP aiot_aiotf_adm_errors_total ADM requests failed (transport, timeout, "
	    "4xx/5xx).\n"
	    "# TYPE aiot_aiotf_adm_errors_total counter\n"
	    "aiot_aiotf_adm_errors_total %llu\n"
	    "# HELP aiot_aiotf_adm_retries_total ADM requests retried after a transport failure.\n"
	    "# TYPE aiot_aiotf_adm_retries_total counter\n"
	    "aiot_aiotf_adm_retries_total %llu\n"
	    "# HELP aiot_aiotf_adm_token_retries_total ADM requests sent again with a new access "
	    "token after a 401.\n"
	    "# TYPE aiot_aiotf_adm_token_retries_total counter\n"
	    "aiot_aiotf_adm_token_retries_total %llu\n"
	    "# HELP aiot_aiotf_reports_dropped_total NG reports and answers dropped unprocessed.\n"
	    "# TYPE aiot_aiotf_reports_dropped_total counter\n"
	    "aiot_aiotf_reports_dropped_total{reason=\"unsolicited\"} %llu\n"
	    "aiot_aiotf_reports_dropped_total{reason=\"rate\"} %llu\n"
	    "aiot_aiotf_reports_dropped_total{reason=\"foreign_rand\"} %llu\n"
	    "# HELP aiot_aiotf_d2r_unchecked_total D2Rs counted unverified without an ADM "
	    "request.\n"
	    "# TYPE aiot_aiotf_d2r_unchecked_total counter\n"
	    "aiot_aiotf_d2r_unchecked_total{reason=\"d2r-budget\"} %llu\n"
	    "aiot_aiotf_d2r_unchecked_total{reason=\"adm-queue\"} %llu\n"
	    "# HELP aiot_aiotf_d2r_deferred_total D2Rs that waited for their paging's ADM budget.\n"
	    "# TYPE aiot_aiotf_d2r_deferred_total counter\n"
	    "aiot_aiotf_d2r_deferred_total %llu\n"
	    "# HELP aiot_aiotf_adm_queue_full_total ADM requests refused: the request queue was "
	    "full.\n"
	    "# TYPE aiot_aiotf_adm_queue_full_total counter\n"
	    "aiot_aiotf_adm_queue_full_total %llu\n"
	    "# HELP aiot_aiotf_readers_closed_total Reader NG links closed by the AIOTF.\n"
	    "# TYPE aiot_aiotf_readers_closed_total counter\n"
	    "aiot_aiotf_readers_closed_total{reason=\"flood\"} %llu\n"
	    "aiot_aiotf_readers_closed_total{reason=\"link_cap\"} %llu\n"
	    "aiot_aiotf_readers_closed_total{reason=\"peer_cap\"} %llu\n"
	    "aiot_aiotf_readers_closed_total{reason=\"setup_timeout\"} %llu\n"
	    "aiot_aiotf_readers_closed_total{reason=\"idle_timeout\"} %llu\n"
	    "aiot_aiotf_readers_closed_total{reason=\"buffer\"} %llu\n"
	    "aiot_aiotf_readers_closed_total{reason=\"unacknowledged\"} %llu\n"
	    "aiot_aiotf_readers_closed_total{reason=\"tls\"} %llu\n"
	    "# HELP aiot_aiotf_notifications_total AIoTNotif sent, by outcome.\n"
	    "# TYPE aiot_aiotf_notifications_total counter\n"
	    "aiot_aiotf_notifications_total{result=\"ok\"} %llu\n"
	    "aiot_aiotf_notifications_total{result=\"failed\"} %llu\n"
	    "aiot_aiotf_notifications_total{result=\"dropped\"} %llu\n"
	    "# HELP aiot_aiotf_readers_connected Readers with a completed NG Setup.\n"
	    "# TYPE aiot_aiotf_readers_connected gauge\n"
	    "aiot_aiotf_readers_connected %d\n"
	    "# HELP aiot_aiotf_ng_links NG links open, with or without NG Setup.\n"
	    "# TYPE aiot_aiotf_ng_links gauge\n"
	    "aiot_aiotf_ng_links %d\n",
	    U(s->tx[0]), U(s->tx[1]), U(s->tx_failed[0]), U(s->tx_failed[1]),
	    atomic_load(&s->active_tx), U(s->requests_refused), U(s->d2r_received),
	    U(s->devices_authenticated), U(s->auth_failures), U(s->undecodable), U(s->bad_mac),
	    U(s->replays), U(s->cmd_ok), U(s->cmd_failed), U(s->tid_updates),
	    U(s->cache_evictions[0]), U(s->cache_evictions[1]), U(s->adm_requests),
	    U(s->adm_errors), U(s->adm_retries), U(s->adm_token_retries), U(s->unsolicited),
	    U(s->rate_dropped), U(s->foreign_rand), U(s->d2r_budget), U(s->d2r_adm_queue),
	    U(s->d2r_deferred), U(s->adm_queue_full), U(s->flood_closed),
	    U(s->ng_closed[NG_CLOSE_LINK_CAP]), U(s->ng_closed[NG_CLOSE_PEER_CAP]),
	    U(s->ng_closed[NG_CLOSE_SETUP]), U(s->ng_closed[NG_CLOSE_IDLE]),
	    U(s->ng_closed[NG_CLOSE_BUFFER]), U(s->ng_closed[NG_CLOSE_UNACKED]),
	    U(s->ng_closed[NG_CLOSE_TLS]), U(s->notif_sent), U(s->notif_failed),
	    U(s->notif_dropped), atomic_load(&s->readers), atomic_load(&s->ng_links));
	fprintf(f, /* docs/security.md "Notifications" */
	        "# HELP aiot_aiotf_notif_last_dropped_total Transactions' last notifications "
	        "(lastRepInd) dropped over a queue bound.\n"
	        "# TYPE aiot_aiotf_notif_last_dropped_total counter\n"
	        "aiot_aiotf_notif_last_dropped_total %llu\n"
	        "# HELP aiot_aiotf_notif_refused_total Requests refused for their notifUri.\n"
	        "# TYPE aiot_aiotf_notif_refused_total counter\n"
	        "aiot_aiotf_notif_refused_total{reason=\"policy\"} %llu\n"
	        "aiot_aiotf_notif_refused_total{reason=\"destinations\"} %llu\n"
	        "# HELP aiot_aiotf_notif_destinations Notification destinations (one connection "
	        "each).\n"
	        "# TYPE aiot_aiotf_notif_destinations gauge\n"
	        "aiot_aiotf_notif_destinations %d\n"
	        "# HELP aiot_aiotf_notif_queued_bytes Notifications queued, all destinations.\n"
	        "# TYPE aiot_aiotf_notif_queued_bytes gauge\n"
	        "aiot_aiotf_notif_queued_bytes %llu\n"
	        "# HELP aiot_aiotf_doa_subscriptions DO-A subscriptions of the AFs.\n"
	        "# TYPE aiot_aiotf_doa_subscriptions gauge\n"
	        "aiot_aiotf_doa_subscriptions %llu\n",
	        U(s->notif_last_dropped), U(s->notif_uri_refused), U(s->notif_dest_refused),
	        atomic_load(&s->notif_dests), U(s->notif_queued_bytes), U(s->doa_subs));
#undef U
	if (a->adm.tokens != NULL) { /* OAuth 2.0 to the ADM (nrfc_token.h) */
		static const char *const ev[] = NRFC_TOKEN_EVENTS;
		uint64_t v[4];
		nrfc_token_stats(a->adm.tokens, v);
		fprintf(f, "# HELP aiot_aiotf_adm_tokens_total Access tokens for the ADM from the "
		           "NRF, by event.\n# TYPE aiot_aiotf_adm_tokens_total counter\n");
		for (int i = 0; i < 4; i++)
			fprintf(f, "aiot_aiotf_adm_tokens_total{event=\"%s\"} %llu\n", ev[i],
			        (unsigned long long)v[i]);
	}
	adm_pool_metrics(f, a);
	aiotf_doa_metrics(f, s);
	sbi_hist_header(f, "aiot_aiotf_adm_request_duration_seconds",
	                "ADM requests (Nadm_Sec, Nadm_DM), from sending to the answer or failure.");
	sbi_hist_print(f, "aiot_aiotf_adm_request_duration_seconds", "", &s->adm_latency);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}
