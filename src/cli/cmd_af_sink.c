/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot af-sink [--listen ADDR:PORT] [--out FILE] [--tls-cert FILE --tls-key FILE]`: an AF's
 * notification endpoint. It serves HTTP/2 (h2c, or TLS 1.3 for an https notifUri) and takes every
 * AIoTNotif POSTed to any path (TS 29.569: the notifUri given in request-inv / request-cmd), prints
 * it as one JSON line on stdout (or appends it to FILE) and answers 204. Logs "listening on
 * ADDR:PORT" on stderr; SIGTERM/SIGINT stop it.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "af_notif.h"
#include "cli.h"

static const char sink_usage[] =
    "usage: aiot af-sink [--listen ADDR:PORT] [--out FILE] [--tls-cert FILE --tls-key FILE]\n"
    "  --listen ADDR:PORT  address of the notifUri, port 0: any        [127.0.0.1:9000]\n"
    "  --out FILE          append each AIoTNotif there instead of stdout\n"
    "  --tls-cert FILE     serve TLS 1.3 (https notifUri) with this certificate (PEM)\n"
    "  --tls-key FILE      and its private key (PEM)\n";

typedef struct sink {
	FILE *out;
	unsigned long n;
} sink;

/* One worker thread: the notifications arrive one at a time, in order. */
static void on_notif(void *app, const sbi_request *req, sbi_response *resp)
{
	sink *s = app;
	cJSON *j = af_notif_accept(req, resp);
	if (j == NULL)
		return;
	char *line = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (line == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	fprintf(s->out, "%s\n", line);
	fflush(s->out);
	free(line);
	s->n++;
	resp->status = 204;
}

int cmd_af_sink(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 'l'},   {"out", required_argument, NULL, 'o'},
	    {"tls-cert", required_argument, NULL, 'c'}, {"tls-key", required_argument, NULL, 'k'},
	    {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0},
	};
	const char *listen = "127.0.0.1:9000", *out = NULL, *cert = NULL, *key = NULL;
	char err[256];
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'l':
			listen = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'c':
			cert = optarg;
			break;
		case 'k':
			key = optarg;
			break;
		case 'h':
			fputs(sink_usage, stdout);
			return 0;
		default:
			cli_fail(CLI_EXIT_USAGE, "af-sink: bad option\n%s", sink_usage);
		}
	}
	if (optind != argc)
		cli_fail(CLI_EXIT_USAGE, "af-sink: unexpected argument '%s'\n%s", argv[optind],
		         sink_usage);
	if ((cert == NULL) != (key == NULL))
		cli_fail(CLI_EXIT_USAGE, "af-sink: --tls-cert and --tls-key go together\n%s",
		         sink_usage);
	sink s = {.out = out ? fopen(out, "a") : stdout};
	if (s.out == NULL)
		cli_fail(CLI_EXIT_FAIL, "af-sink: %s: cannot open for appending", out);
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL); /* the server's threads inherit it */
	signal(SIGPIPE, SIG_IGN);
	sbi_server_cfg sc = {.listen = listen,
	                     .workers = 1,
	                     .handler = on_notif,
	                     .app = &s,
	                     .max_body = 16u << 20,
	                     .max_header = 16384,
	                     .max_streams = 256,
	                     .tls_cert = cert,
	                     .tls_key = key};
	sbi_server *srv = sbi_server_start(&sc, err, sizeof err);
	if (srv == NULL)
		cli_fail(CLI_EXIT_FAIL, "af-sink: %s", err);
	const char *colon = strrchr(listen, ':');
	fprintf(stderr, "aiot af-sink: listening on %.*s:%d\n", (int)(colon - listen), listen,
	        sbi_server_port(srv));
	int sig;
	sigwait(&set, &sig);
	sbi_server_stop(srv);
	fprintf(stderr, "aiot af-sink: %lu notifications\n", s.n);
	if (out != NULL)
		fclose(s.out);
	return 0;
}
