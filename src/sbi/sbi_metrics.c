/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SBI server metrics: lock-free counters and latency histograms bumped by the workers, and a
 * page in the Prometheus text exposition format 0.0.4, with aiot_build_info first, served by
 * the bounded HTTP/1.1 listener of sbi_metrics_http.c on its own thread and event base.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/util.h>
#include <openssl/crypto.h>

#include "sbi/sbi_internal.h"
#include "sbi/sbi_metrics.h"
#include "svc/netaddr.h"

static const char *const reject_names[SBI_REJECT_N] = {
    [SBI_REJECT_BODY_TOO_LARGE] = "body_too_large",
    [SBI_REJECT_HEADER_TOO_LARGE] = "header_too_large",
    [SBI_REJECT_BAD_REQUEST] = "bad_request",
    [SBI_REJECT_PROTOCOL] = "protocol_error",
    [SBI_REJECT_ALPN] = "alpn",
    [SBI_REJECT_TLS] = "tls_handshake",
    [SBI_REJECT_OVERLOAD] = "overload",
    [SBI_REJECT_CONN_LIMIT] = "connection_limit",
    [SBI_REJECT_IDLE] = "idle_timeout",
    [SBI_REJECT_SLOW_READER] = "slow_reader",
    [SBI_REJECT_BODY_TIMEOUT] = "body_timeout",
    [SBI_REJECT_RESET_FLOOD] = "reset_flood",
    [SBI_REJECT_MEMORY] = "memory_budget",
    [SBI_REJECT_STALLED] = "stalled",
    [SBI_REJECT_HANDSHAKE_TIMEOUT] = "handshake_timeout",
};

/* Upper bounds of the buckets, in microseconds and as printed (seconds). */
static const uint64_t hist_le_us[SBI_HIST_BUCKETS] = {
    100,   250,    500,    1000,   2500,    5000,    10000,   25000,
    50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};
static const char *const hist_le[SBI_HIST_BUCKETS] = {
    "0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
    "0.05",   "0.1",     "0.25",   "0.5",   "1",      "2.5",   "5",    "10",
};

void sbi_hist_observe(sbi_hist *h, uint64_t us)
{
	size_t i = 0;

	while (i < SBI_HIST_BUCKETS && us > hist_le_us[i])
		i++;
	atomic_fetch_add_explicit(&h->n[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_us, us, memory_order_relaxed);
}

int sbi_hist_header(FILE *f, const char *name, const char *help)
{
	return fprintf(f, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
}

int sbi_hist_print(FILE *f, const char *name, const char *labels, sbi_hist *h)
{
	const char *sep = labels[0] != '\0' ? "," : "";
	uint64_t cum = 0;
	int rc = 0;
	size_t i;

	for (i = 0; i <= SBI_HIST_BUCKETS; i++) {
		cum += atomic_load_explicit(&h->n[i], memory_order_relaxed);
		rc |= fprintf(f, "%s_bucket{%s%sle=\"%s\"} %llu\n", name, labels, sep,
		              i < SBI_HIST_BUCKETS ? hist_le[i] : "+Inf", (unsigned long long)cum);
	}
	rc |= fprintf(f, "%s_sum%s%s%s %.6f\n%s_count%s%s%s %llu\n", name, *labels ? "{" : "",
	              labels, *labels ? "}" : "",
	              (double)atomic_load_explicit(&h->sum_us, memory_order_relaxed) / 1e6, name,
	              *labels ? "{" : "", labels, *labels ? "}" : "", (unsigned long long)cum);
	return rc < 0 ? -1 : 0;
}

void sbi_metrics_response(sbi_metrics *m, int status)
{
	if (status >= 100 && status < 600)
		atomic_fetch_add_explicit(&m->status[status], 1, memory_order_relaxed);
}

void sbi_metrics_reject(sbi_metrics *m, enum sbi_reject_reason r)
{
	if ((unsigned)r < SBI_REJECT_N)
		atomic_fetch_add_explicit(&m->rejected[r], 1, memory_order_relaxed);
}

int sbi_metrics_operations(sbi_metrics *m, const char *const *names)
{
	int n = 0;

	while (names != NULL && names[n] != NULL)
		n++;
	m->op_hist = calloc((size_t)n + 1, sizeof(*m->op_hist));
	if (m->op_hist == NULL)
		return -1;
	m->op_names = names;
	m->nops = n;
	return 0;
}

void sbi_metrics_observe(sbi_metrics *m, int op, uint64_t us)
{
	if (m->op_hist == NULL)
		return;
	sbi_hist_observe(&m->op_hist[op >= 0 && op < m->nops ? op : m->nops], us);
}

/* aiot_build_info: the release and the libraries it runs with (the "info" metric idiom). */
static int render_build_info(FILE *f)
{
	return fprintf(f,
	               "# HELP aiot_build_info The aiot release and the libraries in use.\n"
	               "# TYPE aiot_build_info gauge\n"
	               "aiot_build_info{version=\"%s\",openssl=\"%s\",nghttp2=\"%s\","
	               "libevent=\"%s\"} 1\n",
	               AIOT_VERSION, OpenSSL_version(OPENSSL_VERSION_STRING),
	               nghttp2_version(0)->version_str, event_get_version());
}

static int render_ops(FILE *f, sbi_metrics *m)
{
	static const char name[] = "aiot_sbi_request_duration_seconds";
	char label[96];
	int i, rc;

	if (m->op_hist == NULL)
		return 0;
	rc = sbi_hist_header(f, name,
	                     "SBI requests answered by the application, from the "
	                     "complete request to the response, by operation.");
	for (i = 0; i <= m->nops && rc >= 0; i++) {
		snprintf(label, sizeof(label), "op=\"%s\"", i < m->nops ? m->op_names[i] : "other");
		rc = sbi_hist_print(f, name, label, &m->op_hist[i]);
	}
	return rc < 0 ? -1 : 0;
}

static int render_server(FILE *f, sbi_metrics *m)
{
	uint64_t cls[6] = {0};
	int i, rc;

	rc = fputs("# HELP aiot_sbi_requests_total SBI responses sent, by status.\n"
	           "# TYPE aiot_sbi_requests_total counter\n",
	           f);
	for (i = 100; i < 600 && rc >= 0; i++) {
		uint64_t v = atomic_load_explicit(&m->status[i], memory_order_relaxed);

		cls[i / 100] += v;
		if (v != 0)
			rc = fprintf(f, "aiot_sbi_requests_total{status=\"%d\"} %llu\n", i,
			             (unsigned long long)v);
	}
	if (rc >= 0)
		rc = fputs("# HELP aiot_sbi_responses_class_total SBI responses, by status class.\n"
		           "# TYPE aiot_sbi_responses_class_total counter\n",
		           f);
	for (i = 1; i < 6 && rc >= 0; i++)
		rc = fprintf(f, "aiot_sbi_responses_class_total{class=\"%dxx\"} %llu\n", i,
		             (unsigned long long)cls[i]);
	if (rc >= 0)
		rc = fprintf(f,
		             "# HELP aiot_sbi_connections_active Open HTTP/2 connections.\n"
		             "# TYPE aiot_sbi_connections_active gauge\n"
		             "aiot_sbi_connections_active %lld\n"
		             "# HELP aiot_sbi_connections_total HTTP/2 connections accepted.\n"
		             "# TYPE aiot_sbi_connections_total counter\n"
		             "aiot_sbi_connections_total %llu\n"
		             "# HELP aiot_sbi_requests_pending Requests handed to the application "
		             "and not yet answered.\n"
		             "# TYPE aiot_sbi_requests_pending gauge\n"
		             "aiot_sbi_requests_pending %lld\n"
		             "# HELP aiot_sbi_buffered_bytes Answers not yet sent and request "
		             "bodies not yet complete.\n"
		             "# TYPE aiot_sbi_buffered_bytes gauge\n"
		             "aiot_sbi_buffered_bytes %lld\n"
		             "# HELP aiot_sbi_streams_rejected_total Streams or connections "
		             "refused by the server.\n"
		             "# TYPE aiot_sbi_streams_rejected_total counter\n",
		             (long long)atomic_load(&m->conns_active),
		             (unsigned long long)atomic_load(&m->conns_total),
		             (long long)atomic_load(&m->pending),
		             (long long)atomic_load(&m->buffered));
	for (i = 0; i < SBI_REJECT_N && rc >= 0; i++)
		rc = fprintf(f, "aiot_sbi_streams_rejected_total{reason=\"%s\"} %llu\n",
		             reject_names[i], (unsigned long long)atomic_load(&m->rejected[i]));
	return rc < 0 ? -1 : 0;
}

char *sbi_metrics_render(sbi_metrics *m)
{
	char *out = NULL, *app = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	int rc;

	if (f == NULL)
		return NULL;
	rc = render_build_info(f) < 0 || render_server(f, m) != 0 || render_ops(f, m) != 0;
	for (int k = 0; k < 2 && rc == 0; k++) { /* the application's, then the authorizer's */
		char *(*fn)(void *) = k == 0 ? m->app_metrics : m->auth_metrics;
		app = fn != NULL ? fn(k == 0 ? m->app : m->auth) : NULL;
		if (app != NULL)
			rc = fputs(app, f) < 0;
		free(app);
	}
	if (fclose(f) != 0 || rc != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Runs on the listener's thread (sbi_metrics_http.c). */
static char *metrics_page(void *arg)
{
	return sbi_metrics_render(arg);
}

static void *metrics_thread(void *arg)
{
	sbi_metrics *m = arg;

	event_base_loop(m->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

int sbi_metrics_start(sbi_metrics *m, const char *addr, char *err, size_t errlen)
{
	m->base = event_base_new();
	if (m->base == NULL)
		goto fail_msg;
	m->http = sbi_metrics_http_start(m->base, addr, metrics_page, m, err, errlen);
	if (m->http == NULL)
		goto fail;
	m->port = sbi_metrics_http_port(m->http);
	if (pthread_create(&m->thread, NULL, metrics_thread, m) != 0)
		goto fail_msg;
	m->thread_started = 1;
	return 0;
fail_msg:
	snprintf(err, errlen, "metrics listener %s: out of resources", addr);
fail:
	sbi_metrics_http_free(m->http);
	if (m->base)
		event_base_free(m->base);
	m->http = NULL;
	m->base = NULL;
	return -1;
}

void sbi_metrics_stop(sbi_metrics *m)
{
	if (m->thread_started) {
		event_base_loopbreak(m->base);
		pthread_join(m->thread, NULL);
		m->thread_started = 0;
	}
	sbi_metrics_http_free(m->http);
	if (m->base)
		event_base_free(m->base);
	m->http = NULL;
	m->base = NULL;
	free(m->op_hist); /* after the thread: it reads them */
	m->op_hist = NULL;
}

/* ---- a /metrics page on the caller's event base (sbi_metrics.h) -------------------------- */

char *sbi_metrics_format(const sbi_metric *m, size_t n)
{
	struct evbuffer *b = evbuffer_new();
	char *out = NULL;
	int bad = 0;

	if (b == NULL)
		return NULL;
	char *info = NULL;
	size_t ilen = 0;
	FILE *f = open_memstream(&info, &ilen);
	bad = f == NULL || render_build_info(f) < 0;
	if (f != NULL)
		bad |= fclose(f) != 0;
	bad = bad || evbuffer_add(b, info, ilen) != 0;
	free(info);
	for (size_t i = 0; i < n; i++)
		bad |= evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", m[i].name,
		                           m[i].help, m[i].name, m[i].type, m[i].name,
		                           (unsigned long long)m[i].value) < 0;
	size_t len = evbuffer_get_length(b);
	if (!bad && (out = malloc(len + 1)) != NULL) {
		evbuffer_remove(b, out, len);
		out[len] = '\0';
	}
	evbuffer_free(b);
	return out;
}
