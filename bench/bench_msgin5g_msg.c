/* SPDX-License-Identifier: Apache-2.0 */
/*
 * MSG messages per second through aiot-msgin5g (make bench, "msgin5g-msg"): two UEs of the
 * client library (src/msgin5g/client.h), each its own A-KID and K_AF, register; A sends -n
 * MSGs to B (each send waits for its MSGRESP, as the library does), B (its own thread)
 * receives them. With --delivery-report every MSG asks for an IMDN, and A takes them as they
 * come. A MSG refused with 5.03 (the server's store for B full) is sent again and counted.
 * The clock runs from A's first send until B has every MSG (and A every IMDN).
 *   bench_msgin5g_msg --server ADDR:PORT -n N [--delivery-report] [--payload-size S]
 *       --a AKID KAF_HEX UE_SERVICE_ID --b AKID KAF_HEX UE_SERVICE_ID
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coap/coap_tcp.h"
#include "common/hex.h"
#include "msgin5g/client.h"

typedef struct ue {
	const char *akid, *id;
	uint8_t kaf[32];
	m5_client *c;
} ue;

static struct {
	const char *server;
	long n;
	int dr;
	size_t payload;
	ue a, b;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int b_ready; /* 1 registered, -1 failed */
	long received, imdn, stored, forwarded, retries;
	double t_b; /* when B had every MSG */
} g = {.n = 10000, .payload = 100, .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + t.tv_nsec / 1e9;
}

static int ue_start(ue *u)
{
	char err[256];
	msgin5g_msg r = {0};
	m5_client_cfg cfg = {
	    .server = g.server, .akid = u->akid, .kaf = u->kaf, .timeout_ms = 10000};
	if ((u->c = m5_client_connect(&cfg, err, sizeof err)) == NULL) {
		fprintf(stderr, "%s: connect: %s\n", u->id, err);
		return -1;
	}
	if (m5_client_register(u->c, u->id, &r) != COAP_CREATED) {
		fprintf(stderr, "%s: REG refused (%s)\n", u->id, r.cause);
		return -1;
	}
	return 0;
}

static void *receiver(void *arg)
{
	msgin5g_msg m;
	int ok = ue_start(&g.b) == 0;
	(void)arg;
	pthread_mutex_lock(&g.mu);
	g.b_ready = ok ? 1 : -1;
	pthread_cond_signal(&g.cv);
	pthread_mutex_unlock(&g.mu);
	while (ok && g.received < g.n) {
		int r = m5_client_recv(g.b.c, 10000, &m);
		if (r <= 0) {
			fprintf(stderr, "B: %s after %ld MSGs\n",
			        r ? "failure" : "nothing for 10 s", g.received);
			break;
		}
		if (m.type == MSGIN5G_MSG)
			g.received++;
	}
	g.t_b = now_s();
	return NULL;
}

/* A takes the IMDNs that came (waiting up to ms for each), until it has all of them. */
static int take_imdns(int ms)
{
	msgin5g_msg m;
	int r;
	do {
		if ((r = m5_client_recv(g.a.c, ms, &m)) == 1 && m.type == MSGIN5G_IMDN)
			g.imdn++;
	} while (r == 1 && g.imdn < g.n);
	return r;
}

static int send_all(void)
{
	msgin5g_msg m = {.type = MSGIN5G_MSG, .delivery_report = g.dr}, r;
	snprintf(m.from, sizeof m.from, "%s", g.a.id);
	snprintf(m.to, sizeof m.to, "%s", g.b.id);
	memset(m.payload, 'p', g.payload);
	for (long i = 0; i < g.n;) {
		snprintf(m.message_id, sizeof m.message_id, "m%ld", i);
		int code = m5_client_send(g.a.c, &m, &r);
		if (code == COAP_CHANGED) {
			if (strcmp(r.cause, "STORED") == 0)
				g.stored++;
			else
				g.forwarded++;
			i++;
		} else if (code == COAP_UNAVAILABLE) {
			g.retries++; /* B's store is full: let it drain */
		} else {
			fprintf(stderr, "A: MSG %ld: code %d %s\n", i, code, r.cause);
			return -1;
		}
		if (take_imdns(code == COAP_CHANGED ? 0 : 1) < 0)
			return -1;
	}
	while (g.dr && g.imdn < g.n)
		if (take_imdns(10000) != 1 && g.imdn < g.n) {
			fprintf(stderr, "A: %ld IMDNs of %ld\n", g.imdn, g.n);
			return -1;
		}
	return 0;
}

static int ue_arg(ue *u, char **av)
{
	u->akid = av[0];
	u->id = av[2];
	return aiot_hex_decode(av[1], strlen(av[1]), u->kaf, sizeof u->kaf) == 32 ? 0 : -1;
}

int main(int argc, char **argv)
{
	pthread_t tb;
	int ok = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int left = argc - i - 1;
		if (strcmp(a, "--server") == 0 && left >= 1)
			g.server = argv[++i];
		else if (strcmp(a, "-n") == 0 && left >= 1 && (g.n = atol(argv[i + 1])) > 0)
			i++;
		else if (strcmp(a, "--payload-size") == 0 && left >= 1 &&
		         (g.payload = strtoul(argv[i + 1], NULL, 10)) <= MSGIN5G_PAYLOAD_MAX)
			i++;
		else if (strcmp(a, "--delivery-report") == 0)
			g.dr = 1;
		else if ((strcmp(a, "--a") == 0 || strcmp(a, "--b") == 0) && left >= 3 &&
		         ue_arg(a[2] == 'a' ? &g.a : &g.b, argv + i + 1) == 0)
			i += 3;
		else
			ok = 0;
	}
	if (!ok || g.server == NULL || g.a.id == NULL || g.b.id == NULL) {
		fprintf(stderr,
		        "usage: bench_msgin5g_msg --server ADDR:PORT -n N [--delivery-report] "
		        "[--payload-size S] --a AKID KAF UE --b AKID KAF UE\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN); /* client.h: the caller must */
	if (ue_start(&g.a) != 0 || pthread_create(&tb, NULL, receiver, NULL) != 0)
		return 1;
	pthread_mutex_lock(&g.mu);
	while (g.b_ready == 0)
		pthread_cond_wait(&g.cv, &g.mu);
	pthread_mutex_unlock(&g.mu);
	if (g.b_ready < 0)
		return 1;
	double t0 = now_s();
	int rc = send_all();
	double ta = now_s();
	pthread_join(tb, NULL);
	double t = (g.t_b > ta ? g.t_b : ta) - t0;
	printf("finished in %.2fs, %.2f msgs/s\n", t, (double)g.received / t);
	printf(
	    "MSG sent %ld (forwarded %ld, stored %ld, 5.03 resent %ld), received %ld, IMDN %ld\n",
	    g.forwarded + g.stored, g.forwarded, g.stored, g.retries, g.received, g.imdn);
	m5_client_close(g.a.c);
	if (g.b.c != NULL)
		m5_client_close(g.b.c);
	return rc == 0 && g.received == g.n ? 0 : 1;
}
