/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SBI server metrics: lock-free counters and latency histograms bumped by the workers, and a
 * plain HTTP/1.1 listener (evhttp on its own thread and event base) serving GET /metrics in
 * the Prometheus text exposition format 0.0.4, with aiot_build_info first.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
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
};

/* Upper bounds of the buckets, in microseconds and as printed (seconds). */
static const uint64_t hist_le_us[SBI_HIST_BUCKETS] = {
	100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000,
	1000000, 2500000, 5000000, 10000000,
};
static const char *const hist_le[SBI_HIST_BUCKETS] = {
	"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025",
	"0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
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
	rc = sbi_hist_header(f, name, "SBI requests answered by the application, from the "
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
		   "# TYPE aiot_sbi_requests_total counter\n", f);
	for (i = 100; i < 600 && rc >= 0; i++) {
		uint64_t v = atomic_load_explicit(&m->status[i], memory_order_relaxed);

		cls[i / 100] += v;
		if (v != 0)
			rc = fprintf(f, "aiot_sbi_requests_total{status=\"%d\"} %llu\n", i,
				     (unsigned long long)v);
	}
	if (rc >= 0)
		rc = fputs("# HELP aiot_sbi_responses_class_total SBI responses, by status class.\n"
			   "# TYPE aiot_sbi_responses_class_total counter\n", f);
	for (i = 1; i < 6 && rc >= 0; i++)
		rc = fprintf(f, "aiot_sbi_responses_class_total{class=\"%dxx\"} %llu\n", i,
			     (unsigned long long)cls[i]);
	if (rc >= 0)
		rc = fprintf(
			f,
			"# HELP aiot_sbi_connections_active Open HTTP/2 connections.\n"
			"# TYPE aiot_sbi_connections_active gauge\n"
			"aiot_sbi_connections_active %lld\n"
			"# HELP aiot_sbi_connections_total HTTP/2 connections accepted.\n"
			"# TYPE aiot_sbi_connections_total counter\n"
			"aiot_sbi_connections_total %llu\n"
			"# HELP aiot_sbi_requests_pending Requests handed to the application and not yet answered.\n"
			"# TYPE aiot_sbi_requests_pending gauge\n"
			"aiot_sbi_requests_pending %lld\n"
			"# HELP aiot_sbi_streams_rejected_total Streams or connections refused by the server.\n"
			"# TYPE aiot_sbi_streams_rejected_total counter\n",
			(long long)atomic_load(&m->conns_active),
			(unsigned long long)atomic_load(&m->conns_total),
			(long long)atomic_load(&m->pending));
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
	if (rc == 0 && m->app_metrics != NULL) {
		app = m->app_metrics(m->app);
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

/* Answer with page (malloc'd, taken): 200 text/plain, or 500 when it is NULL. */
static void send_page(struct evhttp_request *req, char *page)
{
	struct evbuffer *out = evbuffer_new();

	if (page == NULL || out == NULL) {
		free(page);
		if (out)
			evbuffer_free(out);
		evhttp_send_error(req, HTTP_INTERNAL, NULL);
		return;
	}
	evbuffer_add(out, page, strlen(page));
	free(page);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4; charset=utf-8");
	evhttp_send_reply(req, HTTP_OK, "OK", out);
	evbuffer_free(out);
}

/* 1 for GET /metrics; anything else is answered 404 here. */
static int is_metrics_get(struct evhttp_request *req)
{
	const char *uri = evhttp_request_get_uri(req);

	if (evhttp_request_get_command(req) != EVHTTP_REQ_GET || uri == NULL ||
	    (strcmp(uri, "/metrics") != 0 && strncmp(uri, "/metrics?", 9) != 0)) {
		evhttp_send_error(req, HTTP_NOTFOUND, NULL);
		return 0;
	}
	return 1;
}

static void metrics_cb(struct evhttp_request *req, void *arg)
{
	if (is_metrics_get(req))
		send_page(req, sbi_metrics_render(arg));
}

static void *metrics_thread(void *arg)
{
	sbi_metrics *m = arg;

	event_base_loop(m->base, EVLOOP_NO_EXIT_ON_EMPTY);
	return NULL;
}

/* Bind addr and hand the socket to http (GET and HEAD only). The port, or -1 with err. */
static int metrics_listen(struct evhttp *http, const char *addr, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, port;

	if (svc_parse_addr(addr, 1, &ss, &sl, err, errlen) != 0)
		return -1;
	evutil_socket_t fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 64) != 0) {
		snprintf(err, errlen, "metrics listen %s: %s", addr,
			 evutil_socket_error_to_string(EVUTIL_SOCKET_ERROR()));
		goto fail;
	}
	port = sbi_socket_port(fd);
	if (evhttp_accept_socket(http, fd) != 0) {
		snprintf(err, errlen, "metrics listener %s: out of resources", addr);
		goto fail;
	}
	evhttp_set_allowed_methods(http, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD);
	evhttp_set_timeout(http, 10);
	return port;
fail:
	if (fd >= 0)
		evutil_closesocket(fd);
	return -1;
}

int sbi_metrics_start(sbi_metrics *m, const char *addr, char *err, size_t errlen)
{
	m->base = event_base_new();
	if (m->base == NULL)
		goto fail_msg;
	m->http = evhttp_new(m->base);
	if (m->http == NULL)
		goto fail_msg;
	if ((m->port = metrics_listen(m->http, addr, err, errlen)) < 0)
		goto fail;
	evhttp_set_gencb(m->http, metrics_cb, m);
	if (pthread_create(&m->thread, NULL, metrics_thread, m) != 0)
		goto fail_msg;
	m->thread_started = 1;
	return 0;
fail_msg:
	snprintf(err, errlen, "metrics listener %s: out of resources", addr);
fail:
	if (m->http)
		evhttp_free(m->http);
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
	if (m->http)
		evhttp_free(m->http);
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

struct sbi_metrics_http {
	struct evhttp *http;
	int port;
	char *(*render)(void *arg);
	void *arg;
};

static void page_cb(struct evhttp_request *req, void *arg)
{
	sbi_metrics_http *h = arg;

	if (is_metrics_get(req))
		send_page(req, h->render(h->arg));
}

sbi_metrics_http *sbi_metrics_http_start(struct event_base *base, const char *addr,
					 char *(*render)(void *arg), void *arg, char *err,
					 size_t errlen)
{
	sbi_metrics_http *h = calloc(1, sizeof *h);

	if (h == NULL || (h->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "metrics listener %s: out of resources", addr);
		goto fail;
	}
	if ((h->port = metrics_listen(h->http, addr, err, errlen)) < 0)
		goto fail;
	h->render = render;
	h->arg = arg;
	evhttp_set_gencb(h->http, page_cb, h);
	return h;
fail:
	sbi_metrics_http_free(h);
	return NULL;
}

int sbi_metrics_http_port(const sbi_metrics_http *h)
{
	return h->port;
}

void sbi_metrics_http_free(sbi_metrics_http *h)
{
	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	free(h);
}
