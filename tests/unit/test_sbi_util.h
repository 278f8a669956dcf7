/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the test_sbi_*.c programs (header-only so that each test stays one file):
 * a test handler with synchronous, deferred (completed from another thread) and
 * never-completed routes, client helpers that run an event loop until every response
 * arrived, throwaway PKI generated with the openssl CLI, and popen() capture for curl/h2load.
 */
#ifndef TEST_SBI_UTIL_H
#define TEST_SBI_UTIL_H
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/event.h>

#include "sbi/sbi_client.h"
#include "sbi/sbi_server.h"

/* Not every test program uses every helper. */
#define TU static __attribute__((unused))

/* ---- the application under test ----------------------------------------------------------- */

struct tq_item {
	sbi_pending *p;
	char *body;
	struct tq_item *next;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct tq_item *head, *tail;
	int stop;
	pthread_t thread;
	sbi_pending *never[1024]; /* "/never" requests, completed by the test at the end */
	int nnever;
} tapp = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 0, {0}, 0};

TU void *completer_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&tapp.lock);
	for (;;) {
		struct tq_item *it;
		sbi_response resp;

		while (tapp.head == NULL && !tapp.stop)
			pthread_cond_wait(&tapp.cond, &tapp.lock);
		if (tapp.head == NULL)
			break;
		it = tapp.head;
		tapp.head = it->next;
		if (tapp.head == NULL)
			tapp.tail = NULL;
		pthread_mutex_unlock(&tapp.lock);
		memset(&resp, 0, sizeof(resp));
		sbi_json(&resp, 200, it->body);
		sbi_complete(it->p, &resp); /* from this thread, not the worker's */
		free(it);
		pthread_mutex_lock(&tapp.lock);
	}
	pthread_mutex_unlock(&tapp.lock);
	return NULL;
}

TU void tapp_start(void)
{
	tapp.stop = 0;
	tapp.nnever = 0;
	pthread_create(&tapp.thread, NULL, completer_main, NULL);
}

/* Completes the "/never" requests (possibly after the server stopped) and ends the thread. */
TU void tapp_stop(void)
{
	int i;

	pthread_mutex_lock(&tapp.lock);
	tapp.stop = 1;
	pthread_cond_signal(&tapp.cond);
	pthread_mutex_unlock(&tapp.lock);
	pthread_join(tapp.thread, NULL);
	for (i = 0; i < tapp.nnever; i++) {
		sbi_response resp;

		memset(&resp, 0, sizeof(resp));
		sbi_problem(&resp, 504, NULL, "late");
		sbi_complete(tapp.never[i], &resp);
	}
	tapp.nnever = 0;
}

static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
TU char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s = NULL;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	return s;
}

TU void test_handler(void *a, const sbi_request *req, sbi_response *resp)
{
	(void)a;
	if (strcmp(req->path, "/echo") == 0) {
		/* the body back, and what the server parsed in headers */
		char *b = malloc(req->body_len + 1);
		size_t i;

		memcpy(b, req->body, req->body_len + 1);
		resp->status = 200;
		resp->content_type = req->content_type ? "application/json" : "text/plain";
		resp->body = b;
		resp->body_len = req->body_len;
		resp->extra[0] = (sbi_header){"x-method", req->method};
		resp->extra[1] = (sbi_header){"x-query", req->query ? req->query : "-"};
		resp->nextra = 2;
		for (i = 0; i < req->nheaders; i++)
			if (strcmp(req->headers[i].name, "x-tag") == 0)
				resp->extra[resp->nextra++] = (sbi_header){"x-tag", "seen"};
		return;
	}
	if (strcmp(req->path, "/defer") == 0) {
		struct tq_item *it = calloc(1, sizeof(*it));

		it->p = sbi_defer(req);
		it->body = xasprintf("{\"len\":%zu,\"worker\":%d}", req->body_len, req->worker);
		pthread_mutex_lock(&tapp.lock);
		if (tapp.tail)
			tapp.tail->next = it;
		else
			tapp.head = it;
		tapp.tail = it;
		pthread_cond_signal(&tapp.cond);
		pthread_mutex_unlock(&tapp.lock);
		return;
	}
	if (strcmp(req->path, "/never") == 0) {
		pthread_mutex_lock(&tapp.lock);
		tapp.never[tapp.nnever++] = sbi_defer(req);
		pthread_mutex_unlock(&tapp.lock);
		return;
	}
	if (strcmp(req->path, "/teapot") == 0) {
		sbi_problem(resp, 418, NULL, "short and \"stout\"\n");
		return;
	}
	sbi_problem(resp, 404, "RESOURCE_URI_STRUCTURE_NOT_FOUND", "no route for %s", req->path);
}

TU char *app_metrics(void *a)
{
	(void)a;
	return xasprintf("# TYPE aiot_test_app_up gauge\naiot_test_app_up 1\n");
}

TU sbi_server *start_server(sbi_server_cfg *cfg)
{
	char err[256] = "";
	sbi_server *s;

	cfg->handler = test_handler;
	if (cfg->listen == NULL)
		cfg->listen = "127.0.0.1:0";
	if (cfg->workers == 0)
		cfg->workers = 2;
	s = sbi_server_start(cfg, err, sizeof(err));
	if (s == NULL)
		fprintf(stderr, "sbi_server_start: %s\n", err);
	return s;
}

/* ---- client helpers ----------------------------------------------------------------------- */

struct rec {
	int done;
	int status;
	char *body;
	size_t len;
	char ct[64];
	char err[200];
	int *outstanding;
};

TU void rec_cb(void *arg, const sbi_client_response *r)
{
	struct rec *rc = arg;

	rc->done++;
	rc->status = r->status;
	snprintf(rc->err, sizeof(rc->err), "%s", r->error ? r->error : "");
	snprintf(rc->ct, sizeof(rc->ct), "%s", r->content_type ? r->content_type : "");
	free(rc->body);
	rc->body = malloc(r->body_len + 1);
	memcpy(rc->body, r->body, r->body_len + 1);
	rc->len = r->body_len;
	if (rc->outstanding)
		(*rc->outstanding)--;
}

TU void loop_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	*(int *)arg = 1;
}

/* Runs base until *outstanding reaches 0 or limit_ms passes. Returns 0 when all arrived. */
TU int run_until(struct event_base *base, int *outstanding, int limit_ms)
{
	int expired = 0;
	struct event *t = evtimer_new(base, loop_timeout_cb, &expired);
	struct timeval tv = {limit_ms / 1000, (limit_ms % 1000) * 1000};

	evtimer_add(t, &tv);
	while (*outstanding > 0 && !expired)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(t);
	return *outstanding == 0 ? 0 : -1;
}

/* ---- processes and PKI -------------------------------------------------------------------- */

/* Runs cmd through the shell; returns its stdout (malloc'd) and exit status in *rc. */
TU char *run_capture(const char *cmd, int *rc)
{
	FILE *f = popen(cmd, "r");
	char *out = NULL;
	size_t len = 0, cap = 0, n;
	char buf[4096];
	int st;

	if (f == NULL) {
		*rc = -1;
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = realloc(out, cap);
		}
		memcpy(out + len, buf, n);
		len += n;
	}
	if (out == NULL)
		out = calloc(1, 1);
	else
		out[len] = '\0';
	st = pclose(f);
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return out;
}

/* ca.pem/srv.pem/cli.pem (one CA), ca2.pem/cli2.pem (another CA), all P-256. */
TU int make_pki(char dir[static 64])
{
	char *cmd;
	int rc;
	const char *ec = "-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes";

	snprintf(dir, 64, "/tmp/aiot-sbi-pki-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	cmd = xasprintf(
	    "set -e; cd %s; exec 2>pki.log\n"
	    "for ca in ca ca2; do\n"
	    "  openssl req -x509 %s -keyout $ca.key -out $ca.pem -days 2 -subj /CN=aiot-test-$ca\n"
	    "done\n"
	    "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > "
	    "srv.ext\n"
	    "printf 'extendedKeyUsage=clientAuth\\n' > cli.ext\n"
	    "mk() { openssl req %s -keyout $1.key -out $1.csr -subj /CN=$1;\n"
	    "  openssl x509 -req -in $1.csr -CA $2.pem -CAkey $2.key -CAcreateserial -days 2 \\\n"
	    "    -out $1.pem -extfile $3.ext; }\n"
	    "mk srv ca srv; mk cli ca cli; mk cli2 ca2 cli\n",
	    dir, ec, ec);
	rc = system(cmd);
	free(cmd);
	return rc == 0 ? 0 : -1;
}

TU void rm_dir(const char *dir)
{
	char *cmd = xasprintf("rm -rf '%s'", dir);

	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", dir);
	free(cmd);
}

TU char *pki_path(const char *dir, const char *file)
{
	static char bufs[8][128];
	static int i;
	char *b = bufs[i++ % 8];

	snprintf(b, 128, "%s/%s", dir, file);
	return b;
}

#endif
