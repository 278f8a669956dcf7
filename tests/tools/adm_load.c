/* SPDX-License-Identifier: Apache-2.0 */
/*
 * adm_load: a load of ADM writes that records every acknowledged one, and the check that they
 * are all still there (tests/integration/cluster_faults.sh, bench/run.sh section cluster).
 *
 *   adm_load --devices FILE.jsonl [--seconds S] [--inflight N] [--ops doa,tid] [--log FILE]
 *            URL[,URL...]
 *     Each of N chains takes a device no other chain holds and runs one cycle on it: a DO-A
 *     registration (get-doa-authentication, a fresh RAND_d), then a T-ID rotation
 *     (get-session-key with fresh RANDs, then get-tid when that was acknowledged); then the
 *     next free device. Requests go round-robin over the URLs (several ADM instances).
 *     For S seconds; then every request in flight is waited for. Every response is one log
 *     line "SENT DONE OP DEV STATUS [VALUES]", SENT and DONE the wall clock in ms when the
 *     request went and its answer came (CLOCK_REALTIME, to compare with `date +%s%3N`), OP D (DO-A:
 * VALUES = RAND_d), S (session) or T (get-tid: VALUES = tid tidPrevious of a 200), DEV the device's
 * line number from 0, STATUS the HTTP status or 0 (transport failure or timeout). Prints a summary;
 * "tid_rotations_per_s" counts acknowledged get-tid per second.
 *
 *   adm_load --check LOG --devices FILE.jsonl URL
 *     Reads a load's log and asks the ADM whether every acknowledged write is there:
 *     - T-ID: the profile (GET nadm-dm aiot-device-profile-data) has tidCurrent = the last
 *       acknowledged tid and tidPrevious = its tidPrevious; or, when a get-tid of that device
 *       failed afterwards (an unacknowledged rotation the store may still hold),
 *       tidPrevious = the last acknowledged tid (the device is found by it either way).
 *     - DO-A: every acknowledged RAND_d among the device's last 8 attempts that may have
 *       written (2xx, 5xx, no answer) is refused as reused (403): the window holds the last
 *       8 exchanges, so these must all be in it whatever became of the failed ones.
 *     Exits 1 on any mismatch.
 * The HTTP client is the project's (src/sbi/sbi_client.c, nghttp2 on libevent), h2c.
 */
#include <cjson/cJSON.h>
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "common/base64.h"
#include "common/clock.h"
#include "common/hex.h"
#include "crypto/ct.h"
#include "devfile/devices_jsonl.h"
#include "sbi/sbi_client.h"

#define B64_MAX (4 * ((AIOT_DEVLINE_ID_MAX + 2) / 3) + 1)
#define WINDOW 8 /* the ADM's DO-A RAND_d window (docs/protocol.md) */
#define MAX_URLS 8

enum { OP_DOA, OP_SESSION, OP_TID, OP_GET, OP_N };
static const char op_char[OP_N] = {'D', 'S', 'T', 'G'};

typedef struct dev {
	char b64[B64_MAX], path[3 * B64_MAX + 64]; /* the id; its profile's path */
	int busy;
	/* --check: what the log says */
	int has_tid, tid_failed_after;
	char tid[33], prev[33];
	char win[WINDOW][33]; /* last attempts that may have written: RAND_d, "" when not acked */
	unsigned nwin;
} dev;

typedef struct req {
	int op;
	size_t dev;
	char value[33]; /* RAND_d of a DO-A; expected tid of a GET */
	double t0;
	long long sent_ms;
} req;

static struct {
	struct event_base *base;
	sbi_client *conn[MAX_URLS];
	size_t nconn, next_conn;
	dev *d;
	size_t nd, cursor;
	FILE *log;
	int ops_doa, ops_tid, stopping, checking;
	long inflight, count[OP_N][6]; /* [op][0] transport failures, [op][k] kxx */
	double max_ms, t0;
	long bad, checked;
} L;

static long long wall_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rand_hex(char out[33])
{
	uint8_t r[16];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		abort(); /* the tool's own failure, not peer data */
	aiot_hex_encode(r, sizeof r, out);
}

static void response_cb(void *arg, const sbi_client_response *resp);

static int send_req(req *q, const char *method, const char *path, const char *body)
{
	sbi_client *c = L.conn[L.next_conn++ % L.nconn];
	q->t0 = aiot_mono_s();
	q->sent_ms = wall_ms();
	L.inflight++;
	if (sbi_client_request(c, method, path, body ? "application/json" : NULL, body,
	                       body ? strlen(body) : 0, response_cb, q) != 0) {
		L.inflight--;
		return -1;
	}
	return 0;
}

/* The request of op for device q->dev (a fresh RAND_d / session for the writes). */
static int send_op(req *q, int op)
{
	char body[512], rn[33], rd[33];
	const dev *d = &L.d[q->dev];
	q->op = op;
	switch (op) {
	case OP_DOA:
		if (q->value[0] == '\0')
			rand_hex(q->value);
		snprintf(body, sizeof body, "{\"aiotDevPermId\":\"%s\",\"randD\":\"%s\"}", d->b64,
		         q->value);
		return send_req(q, "POST", "/nadm-sec/v1/get-doa-authentication", body);
	case OP_SESSION:
		rand_hex(rn);
		rand_hex(rd);
		snprintf(body, sizeof body,
		         "{\"aiotDevPermId\":\"%s\",\"randN\":\"%s\",\"randD\":\"%s\"}", d->b64, rn,
		         rd);
		return send_req(q, "POST", "/nadm-sec/v1/get-session-key", body);
	case OP_TID:
		snprintf(body, sizeof body, "{\"aiotDevPermId\":\"%s\"}", d->b64);
		return send_req(q, "POST", "/nadm-sec/v1/get-tid", body);
	default:
		return send_req(q, "GET", d->path, NULL);
	}
}

/* A load chain: the first op of a cycle on the next free device; NULL when none is free. */
static int next_cycle(req *q)
{
	if (L.stopping)
		return -1;
	for (size_t i = 0; i < L.nd; i++) {
		size_t k = L.cursor++ % L.nd;
		if (!L.d[k].busy) {
			L.d[k].busy = 1;
			q->dev = k;
			q->value[0] = '\0';
			return send_op(q, L.ops_doa ? OP_DOA : OP_SESSION);
		}
	}
	return -1;
}

/* tid and tidPrevious of a GetTidResponse or a profile, "" when absent. */
static void tids_of(const sbi_client_response *resp, const char *cur_name, char tid[33],
                    char prev[33])
{
	cJSON *j = resp->body ? cJSON_Parse((const char *)resp->body) : NULL;
	const cJSON *t = cJSON_GetObjectItemCaseSensitive(j, cur_name);
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(j, "tidPrevious");
	snprintf(tid, 33, "%s", cJSON_IsString(t) ? t->valuestring : "");
	snprintf(prev, 33, "%s", cJSON_IsString(p) ? p->valuestring : "");
	cJSON_Delete(j);
}

static void load_done(req *q, const sbi_client_response *resp)
{
	char tid[33] = "", prev[33] = "";
	int ok = resp->status / 100 == 2;
	if (q->op == OP_TID && resp->status == 200)
		tids_of(resp, "tid", tid, prev);
	if (L.log)
		fprintf(L.log, "%lld %lld %c %zu %d %s%s%s\n", q->sent_ms, wall_ms(),
		        op_char[q->op], q->dev, resp->status, q->op == OP_DOA ? q->value : tid,
		        tid[0] ? " " : "", prev);
	int next = -1;
	if (q->op == OP_DOA && L.ops_tid)
		next = OP_SESSION;
	else if (q->op == OP_SESSION && ok)
		next = OP_TID;
	q->value[0] = '\0';
	if (next >= 0 && send_op(q, next) == 0)
		return;
	L.d[q->dev].busy = 0;
	if (next_cycle(q) != 0)
		free(q);
}

static void check_done(req *q, const sbi_client_response *resp)
{
	const dev *d = &L.d[q->dev];
	L.checked++;
	if (q->op == OP_DOA) {
		if (resp->status != 403) {
			L.bad++;
			fprintf(stderr,
			        "LOST: device %zu: acknowledged RAND_d %s answered %d, not 403\n",
			        q->dev, q->value, resp->status);
		}
	} else {
		char tid[33], prev[33];
		tids_of(resp, "tidCurrent", tid, prev);
		int exact = strcmp(tid, d->tid) == 0 && strcmp(prev, d->prev) == 0;
		int later = d->tid_failed_after && strcmp(prev, d->tid) == 0;
		if (resp->status != 200 || !(exact || later)) {
			L.bad++;
			fprintf(
			    stderr,
			    "LOST: device %zu: status %d, tidCurrent %s tidPrevious %s; the last "
			    "acknowledged get-tid said %s %s%s\n",
			    q->dev, resp->status, tid, prev, d->tid, d->prev,
			    d->tid_failed_after ? " (a later get-tid failed)" : "");
		}
	}
	free(q);
}

static void response_cb(void *arg, const sbi_client_response *resp)
{
	req *q = arg;
	double ms = (aiot_mono_s() - q->t0) * 1000;
	int k = resp->status / 100;
	L.inflight--;
	L.count[q->op][k >= 1 && k <= 5 ? k : 0]++;
	if (ms > L.max_ms)
		L.max_ms = ms;
	if (L.checking)
		check_done(q, resp);
	else
		load_done(q, resp);
	if (L.inflight == 0)
		event_base_loopbreak(L.base);
}

static void stop_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	L.stopping = 1;
	if (L.inflight == 0)
		event_base_loopbreak(L.base);
}

static int load_devices(const char *file)
{
	FILE *f = fopen(file, "r");
	char line[AIOT_DEVLINE_MAX_LEN + 2], msg[128];
	size_t cap = 0;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {
		aiot_devline dl;
		if (aiot_devline_parse(line, strlen(line), 0, AIOT_DEVLINE_ID_MAX, &dl, msg,
		                       sizeof msg) != 0)
			continue;
		if (L.nd == cap) {
			void *n = realloc(L.d, (cap = cap ? 2 * cap : 1024) * sizeof *L.d);
			if (n == NULL)
				break;
			L.d = n;
		}
		dev *d = memset(&L.d[L.nd++], 0, sizeof *d);
		aiot_b64_encode(dl.perm_id, dl.perm_id_len, d->b64);
		char *p = d->path + sprintf(d->path, "/nadm-dm/v1/aiot-device-profile-data/");
		for (const char *s = d->b64; *s; s++)
			p += *s == '+' || *s == '/' || *s == '=' ? sprintf(p, "%%%02X", *s)
			                                         : sprintf(p, "%c", *s);
		aiot_zeroize(&dl, sizeof dl);
	}
	fclose(f);
	return L.nd ? 0 : -1;
}

/* Reads a load's log into the devices (see the header for what the check expects). */
static int read_log(const char *file)
{
	FILE *f = fopen(file, "r");
	char line[256], op, v1[64], v2[64];
	long long sent, done;
	size_t k;
	int status;
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f)) {
		v1[0] = v2[0] = '\0';
		if (sscanf(line, "%lld %lld %c %zu %d %63s %63s", &sent, &done, &op, &k, &status,
		           v1, v2) < 5 ||
		    k >= L.nd)
			continue;
		dev *d = &L.d[k];
		int may_write = status / 100 == 2 || status / 100 == 5 || status == 0;
		if (op == 'T' && status == 200) {
			d->has_tid = 1;
			d->tid_failed_after = 0;
			snprintf(d->tid, sizeof d->tid, "%s", v1);
			snprintf(d->prev, sizeof d->prev, "%s", v2);
		} else if (op == 'T' && may_write) {
			d->tid_failed_after = d->has_tid;
		} else if (op == 'D' && may_write) {
			snprintf(d->win[d->nwin++ % WINDOW], 33, "%s", status / 100 == 2 ? v1 : "");
		}
	}
	fclose(f);
	return 0;
}

static int check(const char *logfile)
{
	if (read_log(logfile) != 0) {
		fprintf(stderr, "adm_load: cannot read %s\n", logfile);
		return 1;
	}
	long tids = 0, rands = 0;
	L.checking = 1;
	for (size_t k = 0; k < L.nd; k++) {
		dev *d = &L.d[k];
		for (unsigned i = 0; i < WINDOW && i < d->nwin; i++) {
			req *q = calloc(1, sizeof *q);
			if (d->win[i][0] == '\0' || q == NULL) {
				free(q);
				continue;
			}
			q->dev = k;
			snprintf(q->value, sizeof q->value, "%s", d->win[i]);
			rands += send_op(q, OP_DOA) == 0;
		}
		req *q = d->has_tid ? calloc(1, sizeof *q) : NULL;
		if (q != NULL) {
			q->dev = k;
			tids += send_op(q, OP_GET) == 0;
		}
	}
	if (L.inflight)
		event_base_dispatch(L.base);
	printf("check: %ld T-IDs and %ld RAND_d checked, %ld answered, %ld lost, %ld failed\n",
	       tids, rands, L.checked, L.bad, L.count[OP_GET][0] + L.count[OP_DOA][0]);
	return L.bad || L.checked != tids + rands;
}

static int load(double seconds, long chains)
{
	struct timeval tv = {(time_t)seconds, (suseconds_t)((seconds - (long)seconds) * 1e6)};
	struct event *stop = evtimer_new(L.base, stop_cb, NULL);
	evtimer_add(stop, &tv);
	L.t0 = aiot_mono_s();
	for (long i = 0; i < chains; i++) {
		req *q = calloc(1, sizeof *q);
		if (q == NULL || next_cycle(q) != 0) {
			free(q);
			break;
		}
	}
	if (L.inflight)
		event_base_dispatch(L.base);
	double s = aiot_mono_s() - L.t0;
	event_free(stop);
	static const char *const names[] = {"doa", "session", "tid"};
	long fails = 0;
	printf("load: %.2f s, %ld chains, %zu devices, max latency %.0f ms\n", s, chains, L.nd,
	       L.max_ms);
	for (int o = OP_DOA; o <= OP_TID; o++) {
		printf("%s: %ld 2xx, %ld 4xx, %ld 5xx, %ld failed\n", names[o], L.count[o][2],
		       L.count[o][4], L.count[o][5], L.count[o][0]);
		fails += L.count[o][0];
	}
	printf("doa_per_s %.1f\ntid_rotations_per_s %.1f\n", L.count[OP_DOA][2] / s,
	       L.count[OP_TID][2] / s);
	return fails != 0;
}

static void usage(void)
{
	fputs("usage: adm_load --devices FILE.jsonl [--seconds S] [--inflight N] [--ops doa,tid]\n"
	      "                [--log FILE] [--timeout-ms T] URL[,URL...]\n"
	      "       adm_load --check LOG --devices FILE.jsonl URL\n",
	      stderr);
	exit(2);
}

int main(int argc, char **argv)
{
	const char *devices = NULL, *logfile = NULL, *checklog = NULL, *urls = NULL,
	           *ops = "doa,tid";
	double seconds = 10;
	long chains = 32, timeout_ms = 30000;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--devices") == 0 && v)
			devices = argv[++i];
		else if (strcmp(a, "--seconds") == 0 && v)
			seconds = atof(argv[++i]);
		else if (strcmp(a, "--inflight") == 0 && v)
			chains = atol(argv[++i]);
		else if (strcmp(a, "--ops") == 0 && v)
			ops = argv[++i];
		else if (strcmp(a, "--log") == 0 && v)
			logfile = argv[++i];
		else if (strcmp(a, "--check") == 0 && v)
			checklog = argv[++i];
		else if (strcmp(a, "--timeout-ms") == 0 && v)
			timeout_ms = atol(argv[++i]);
		else if (a[0] != '-' && urls == NULL)
			urls = a;
		else
			usage();
	}
	L.ops_doa = strstr(ops, "doa") != NULL;
	L.ops_tid = strstr(ops, "tid") != NULL;
	if (devices == NULL || urls == NULL || seconds <= 0 || chains < 1 || timeout_ms < 1 ||
	    !(L.ops_doa || L.ops_tid))
		usage();
	if (load_devices(devices) != 0) {
		fprintf(stderr, "adm_load: no device in %s\n", devices);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	L.base = event_base_new();
	char host[64], err[256];
	int port, off;
	for (const char *u = urls; *u && L.nconn < MAX_URLS; u += off + (u[off] == ',')) {
		if (sscanf(u, "http://%63[^:/]:%d%n", host, &port, &off) != 2 ||
		    (u[off] != '\0' && u[off] != ',' && u[off] != '/'))
			usage();
		off += (int)strcspn(u + off, ",");
		sbi_client_cfg cfg = {.host = host, .port = port, .timeout_ms = (int)timeout_ms};
		if ((L.conn[L.nconn++] = sbi_client_new(L.base, &cfg, err, sizeof err)) == NULL) {
			fprintf(stderr, "adm_load: %s\n", err);
			return 1;
		}
	}
	int rc;
	if (checklog) {
		rc = check(checklog);
	} else {
		L.log = logfile ? fopen(logfile, "w") : NULL;
		if (logfile && L.log == NULL) {
			fprintf(stderr, "adm_load: cannot write %s\n", logfile);
			return 1;
		}
		if (L.log)
			setvbuf(L.log, NULL, _IOLBF, 0); /* a test may read it while it grows */
		rc = load(seconds, chains < (long)L.nd ? chains : (long)L.nd);
		if (L.log)
			fclose(L.log);
	}
	for (size_t c = 0; c < L.nconn; c++)
		sbi_client_free(L.conn[c]);
	event_base_free(L.base);
	free(L.d);
	return rc;
}
