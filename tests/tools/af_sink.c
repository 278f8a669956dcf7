/* SPDX-License-Identifier: Apache-2.0 */
/*
 * af_sink: a test AF that receives AIoTNotif callbacks (TS 29.569) over h2c. Every POST
 * body is appended to --out as one JSON line (compacted) and answered 204 No Content.
 *   af_sink --listen 127.0.0.1:0 --out notifs.jsonl [--tls-cert FILE --tls-key FILE]
 * Logs "listening on ADDR:PORT" on stderr; SIGTERM/SIGINT stop it.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sbi/sbi_server.h"

typedef struct sink {
	FILE *out;
	pthread_mutex_t lock;
	unsigned long n;
} sink;

static void handle(void *app, const sbi_request *req, sbi_response *resp)
{
	sink *s = app;
	if (strcmp(req->method, "POST") != 0) {
		sbi_problem(resp, 405, NULL, "POST only");
		return;
	}
	cJSON *j = cJSON_ParseWithLength((const char *)req->body, req->body_len);
	if (j == NULL) {
		sbi_problem(resp, 400, "INVALID_MSG_FORMAT", "not JSON");
		return;
	}
	char *line = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	pthread_mutex_lock(&s->lock);
	if (line != NULL)
		fprintf(s->out, "%s\n", line);
	fflush(s->out);
	s->n++;
	pthread_mutex_unlock(&s->lock);
	free(line);
	resp->status = 204;
}

int main(int argc, char **argv)
{
	const char *listen = "127.0.0.1:0", *out = NULL, *cert = NULL, *key = NULL;
	char err[256];
	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--listen") == 0)
			listen = argv[i + 1];
		else if (strcmp(argv[i], "--out") == 0)
			out = argv[i + 1];
		else if (strcmp(argv[i], "--tls-cert") == 0)
			cert = argv[i + 1];
		else if (strcmp(argv[i], "--tls-key") == 0)
			key = argv[i + 1];
	}
	if (out == NULL) {
		fprintf(stderr, "usage: af_sink [--listen ADDR:PORT] --out FILE [--tls-cert FILE --tls-key FILE]\n");
		return 2;
	}
	sink s = {.out = fopen(out, "a")};
	if (s.out == NULL) {
		perror(out);
		return 1;
	}
	pthread_mutex_init(&s.lock, NULL);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	sbi_server_cfg sc = {.listen = listen, .workers = 1, .handler = handle, .app = &s,
			     .max_body = 16u << 20, .tls_cert = cert, .tls_key = key};
	sbi_server *srv = sbi_server_start(&sc, err, sizeof err);
	if (srv == NULL) {
		fprintf(stderr, "af_sink: %s\n", err);
		return 1;
	}
	const char *colon = strrchr(listen, ':');
	fprintf(stderr, "af_sink: listening on %.*s:%d\n", (int)(colon - listen), listen,
		sbi_server_port(srv));
	int sig;
	sigwait(&set, &sig);
	sbi_server_stop(srv);
	fprintf(stderr, "af_sink: %lu notifications\n", s.n);
	fclose(s.out);
	return 0;
}
