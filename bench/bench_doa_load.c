/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An h2load for get-doa-authentication: h2load sends one body for every request, and the ADM
 * refuses (403) a RAND_d the device used in one of its last 8 DO-A exchanges, so h2load
 * measures one 200 and then the 403 path. This client sends each request a fresh body:
 * device i mod N of the provisioning output, a fresh random RAND_d.
 *   usage: bench_doa_load -n N -c C -m M [--devices FILE.jsonl] URL
 * -c connections (h2c prior knowledge), -m concurrent streams on each, -n requests in all,
 * as h2load's. POST application/json {"aiotDevPermId":..,"randD":..}. Without --devices the
 * body names one fixed identifier (for the run against a static server, which ignores it).
 * Prints h2load's two summary lines ("finished in ..., R req/s", "status codes: ...") so
 * that bench/run.sh reads both tools alike. The client is the project's SBI client
 * (src/sbi/sbi_client.c, nghttp2), one per connection, all on one libevent loop: one
 * thread, like h2load's default.
 */
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/clock.h"
#include "sbi/sbi_client.h"

#define ID_MAX 64 /* base64 of a permanent ID, with room */

typedef struct load {
	struct event_base *base;
	sbi_client **conns;
	char (*ids)[ID_MAX];
	size_t nids;
	const char *path;
	long total, sent, done;
	long status[6]; /* [0] transport failures, [k] kxx */
	uint64_t rng;
	double t0, t1;
} load;

/* xorshift64*: RAND_d only has to be new to the ADM, not secret */
static uint64_t next_rand(load *l)
{
	l->rng ^= l->rng >> 12;
	l->rng ^= l->rng << 25;
	l->rng ^= l->rng >> 27;
	return l->rng * 0x2545F4914F6CDD1DULL;
}

static void response_cb(void *arg, const sbi_client_response *resp);

static int send_one(load *l, sbi_client *c)
{
	char body[160];
	const char *id = l->nids ? l->ids[l->sent % (long)l->nids] : "AAAAAAAAAAA=";
	int n =
	    snprintf(body, sizeof body, "{\"aiotDevPermId\":\"%s\",\"randD\":\"%016llx%016llx\"}",
	             id, (unsigned long long)next_rand(l), (unsigned long long)next_rand(l));
	l->sent++;
	return sbi_client_request(c, "POST", l->path, "application/json", body, (size_t)n,
	                          response_cb, c);
}

static load *g_load; /* the callback's argument is the connection */

static void response_cb(void *arg, const sbi_client_response *resp)
{
	load *l = g_load;
	int k = resp->status / 100;
	l->status[k >= 1 && k <= 5 ? k : 0]++;
	l->done++;
	if (l->sent < l->total && send_one(l, arg) != 0)
		l->status[0]++, l->done++;
	if (l->done >= l->total) {
		l->t1 = aiot_mono_s();
		event_base_loopbreak(l->base);
	}
}

static int load_ids(load *l, const char *file)
{
	FILE *f = fopen(file, "r");
	char line[4096];
	size_t cap = 0;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {
		char *p = strstr(line, "\"aiotDevPermId\":\""), *e;
		if (p == NULL || (e = strchr(p += 17, '"')) == NULL || e - p >= ID_MAX)
			continue;
		if (l->nids == cap) {
			void *n = realloc(l->ids, (cap = cap ? 2 * cap : 1024) * sizeof *l->ids);
			if (n == NULL)
				break;
			l->ids = n;
		}
		memcpy(l->ids[l->nids], p, (size_t)(e - p));
		l->ids[l->nids++][e - p] = '\0';
	}
	fclose(f);
	return l->nids ? 0 : -1;
}

static void usage(void)
{
	fputs("usage: bench_doa_load -n N -c C -m M [--devices FILE.jsonl] http://HOST:PORT/PATH\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	load l = {.total = 10000};
	long nc = 1, nm = 1;
	const char *devices = NULL, *url = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			l.total = atol(argv[++i]);
		else if (strcmp(argv[i], "-c") == 0 && i + 1 < argc)
			nc = atol(argv[++i]);
		else if (strcmp(argv[i], "-m") == 0 && i + 1 < argc)
			nm = atol(argv[++i]);
		else if (strcmp(argv[i], "--devices") == 0 && i + 1 < argc)
			devices = argv[++i];
		else if (argv[i][0] != '-' && url == NULL)
			url = argv[i];
		else
			usage();
	}
	char host[64];
	int port = 0, off = 0;
	if (url == NULL || l.total < 1 || nc < 1 || nm < 1 ||
	    sscanf(url, "http://%63[^:/]:%d%n", host, &port, &off) != 2 || url[off] != '/')
		usage();
	l.path = url + off;
	if (devices && load_ids(&l, devices) != 0) {
		fprintf(stderr, "bench_doa_load: no aiotDevPermId in %s\n", devices);
		return 1;
	}
	if (getrandom(&l.rng, sizeof l.rng, 0) != (ssize_t)sizeof l.rng || l.rng == 0)
		l.rng = 0x9E3779B97F4A7C15ULL;
	l.base = event_base_new();
	l.conns = calloc((size_t)nc, sizeof *l.conns);
	g_load = &l;
	sbi_client_cfg cfg = {.host = host, .port = port, .timeout_ms = 60000};
	char err[256];
	for (long c = 0; c < nc; c++)
		if ((l.conns[c] = sbi_client_new(l.base, &cfg, err, sizeof err)) == NULL) {
			fprintf(stderr, "bench_doa_load: %s\n", err);
			return 1;
		}
	l.t0 = aiot_mono_s();
	for (long m = 0; m < nm; m++)
		for (long c = 0; c < nc && l.sent < l.total; c++)
			if (send_one(&l, l.conns[c]) != 0)
				l.status[0]++, l.done++;
	if (l.done < l.total)
		event_base_dispatch(l.base);
	else
		l.t1 = aiot_mono_s();
	double s = l.t1 - l.t0;
	printf("finished in %.2fs, %.2f req/s\n", s, s > 0 ? (double)l.done / s : 0.0);
	printf("requests: %ld total, %ld done, %ld failed (transport)\n", l.total, l.done,
	       l.status[0]);
	printf("status codes: %ld 2xx, %ld 3xx, %ld 4xx, %ld 5xx\n", l.status[2], l.status[3],
	       l.status[4], l.status[5]);
	for (long c = 0; c < nc; c++)
		sbi_client_free(l.conns[c]);
	free(l.conns);
	free(l.ids);
	event_base_free(l.base);
	return l.status[2] == l.total ? 0 : 1;
}
