/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo's AF: it receives AIoTNotif (TS 29.569) on an HTTP/2 server of its own, keeps
 * per-transaction results, and sends Naiotf requests to the AIOTF with aiot's SBI client.
 */
#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "af_notif.h"
#include "demo.h"
#include "sbi/sbi_client.h"
#include "sbi/sbi_server.h"
#include "svc/wipe.h"

#define MAX_TX 64

typedef struct tx {
	char id[128];
	demo_tx_result r;
	size_t cap;
	size_t *slots; /* open addressing over r.ids: index + 1, 0 = empty */
	size_t nslots; /* power of two, > 2 * cap */
} tx;

static size_t hash_str(const char *s)
{
	size_t h = 1469598103934665603ULL; /* FNV-1a */
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* Index of id in t->r.ids, or the empty slot where it would go (*slot). */
static long find(const tx *t, const char *id, size_t *slot)
{
	if (t->nslots == 0)
		return -1;
	for (size_t i = hash_str(id) & (t->nslots - 1);; i = (i + 1) & (t->nslots - 1)) {
		if (t->slots[i] == 0) {
			*slot = i;
			return -1;
		}
		if (strcmp(t->r.ids[t->slots[i] - 1], id) == 0)
			return (long)(t->slots[i] - 1);
	}
}

static int rehash(tx *t, size_t nslots)
{
	size_t *s = calloc(nslots, sizeof *s);
	if (s == NULL)
		return -1;
	free(t->slots);
	t->slots = s;
	t->nslots = nslots;
	for (size_t k = 0; k < t->r.ndevices; k++) {
		size_t i = hash_str(t->r.ids[k]) & (nslots - 1);
		while (s[i] != 0)
			i = (i + 1) & (nslots - 1);
		s[i] = k + 1;
	}
	return 0;
}

struct demo_af {
	sbi_server *srv;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	tx txs[MAX_TX];
	int ntx;
	/* The AF's client side: TLS (ca, cert, key; "" = h2c) and its Authorization field. */
	char ca[1100], cert[1100], key[1100];
	char *authorization; /* "Bearer <token>" or NULL */
	char route_id[128];  /* demo_af_route: notifications of this transId go to route_fn */
	void (*route_fn)(void *, const cJSON *);
	void *route_arg;
};

void demo_af_route(demo_af *af, const char *trans_id, void (*fn)(void *, const cJSON *), void *arg)
{
	pthread_mutex_lock(&af->mu);
	snprintf(af->route_id, sizeof af->route_id, "%s", trans_id);
	af->route_fn = fn;
	af->route_arg = arg;
	pthread_mutex_unlock(&af->mu);
}

static tx *tx_get(demo_af *af, const char *id)
{
	for (int i = 0; i < af->ntx; i++)
		if (strcmp(af->txs[i].id, id) == 0)
			return &af->txs[i];
	if (af->ntx == MAX_TX)
		return NULL;
	tx *t = &af->txs[af->ntx++];
	snprintf(t->id, sizeof t->id, "%s", id);
	return t;
}

static char *dup_str(const cJSON *j)
{
	return cJSON_IsString(j) ? strdup(j->valuestring) : NULL;
}

/* Record one DevicesRepInfo; a device reported twice keeps its latest data. */
static void add_device(tx *t, const cJSON *d)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(d, "deviceId");
	if (!cJSON_IsString(id))
		return;
	t->r.nreports++;
	size_t slot = 0;
	long found = find(t, id->valuestring, &slot);
	size_t i = found >= 0 ? (size_t)found : t->r.ndevices;
	if (found < 0) {
		if (t->r.ndevices == t->cap) {
			size_t cap = t->cap ? 2 * t->cap : 256;
			char **a = realloc(t->r.ids, cap * sizeof *a);
			char **b = realloc(t->r.read_data, cap * sizeof *b);
			char **c = realloc(t->r.dev_fail, cap * sizeof *c);
			if (a)
				t->r.ids = a;
			if (b)
				t->r.read_data = b;
			if (c)
				t->r.dev_fail = c;
			if (!a || !b || !c)
				return;
			t->cap = cap;
			if (rehash(t, 4 * cap) != 0)
				return;
			find(t, id->valuestring, &slot);
		}
		t->r.ids[i] = strdup(id->valuestring);
		t->slots[slot] = i + 1;
		t->r.read_data[i] = t->r.dev_fail[i] = NULL;
		t->r.ndevices++;
	}
	free(t->r.read_data[i]);
	free(t->r.dev_fail[i]);
	t->r.read_data[i] = dup_str(cJSON_GetObjectItemCaseSensitive(d, "readCmdRep"));
	t->r.dev_fail[i] = dup_str(cJSON_GetObjectItemCaseSensitive(d, "failCause"));
}

static void on_notify(void *app, const sbi_request *req, sbi_response *resp)
{
	demo_af *af = app;
	cJSON *j = af_notif_accept(req, resp);
	if (j == NULL)
		return;
	const cJSON *tid = cJSON_GetObjectItemCaseSensitive(j, "transId");
	pthread_mutex_lock(&af->mu);
	if (af->route_fn != NULL && strcmp(tid->valuestring, af->route_id) == 0) {
		void (*fn)(void *, const cJSON *) = af->route_fn;
		void *arg = af->route_arg;
		pthread_mutex_unlock(&af->mu);
		fn(arg, j);
		cJSON_Delete(j);
		resp->status = 204;
		return;
	}
	tx *t = tx_get(af, tid->valuestring);
	if (t != NULL) {
		const cJSON *d, *list = cJSON_GetObjectItemCaseSensitive(j, "devicesRepData");
		cJSON_ArrayForEach(d, list) add_device(t, d);
		const cJSON *fc = cJSON_GetObjectItemCaseSensitive(j, "failCause");
		if (cJSON_IsString(fc)) {
			snprintf(t->r.fail_cause, sizeof t->r.fail_cause, "%s", fc->valuestring);
			t->r.done = 1;
		}
		if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "lastRepInd")))
			t->r.done = 1;
		pthread_cond_broadcast(&af->cv);
	}
	pthread_mutex_unlock(&af->mu);
	cJSON_Delete(j);
	resp->status = 204;
}

demo_af *demo_af_start(char *err, size_t errlen)
{
	demo_af *af = calloc(1, sizeof *af);
	if (af == NULL)
		return NULL;
	pthread_mutex_init(&af->mu, NULL);
	pthread_cond_init(&af->cv, NULL);
	sbi_server_cfg cfg = {
	    .listen = "127.0.0.1:0",
	    .workers = 1,
	    .max_body = 64 << 20,
	    .max_header = 16384,
	    .max_streams = 256,
	    .handler = on_notify,
	    .app = af,
	};
	af->srv = sbi_server_start(&cfg, err, errlen);
	if (af->srv == NULL) {
		free(af);
		return NULL;
	}
	return af;
}

int demo_af_port(const demo_af *af)
{
	return sbi_server_port(af->srv);
}

void demo_af_stop(demo_af *af)
{
	if (af == NULL)
		return;
	sbi_server_stop(af->srv);
	for (int i = 0; i < af->ntx; i++) {
		demo_tx_result *r = &af->txs[i].r;
		for (size_t k = 0; k < r->ndevices; k++) {
			free(r->ids[k]);
			free(r->read_data[k]);
			free(r->dev_fail[k]);
		}
		free(r->ids);
		free(af->txs[i].slots);
		free(r->read_data);
		free(r->dev_fail);
	}
	pthread_mutex_destroy(&af->mu);
	pthread_cond_destroy(&af->cv);
	aiot_free_wipe(af->authorization);
	free(af);
}

void demo_af_set_client(demo_af *af, const char *ca, const char *cert, const char *key,
                        const char *token)
{
	snprintf(af->ca, sizeof af->ca, "%s", ca ? ca : "");
	snprintf(af->cert, sizeof af->cert, "%s", cert ? cert : "");
	snprintf(af->key, sizeof af->key, "%s", key ? key : "");
	aiot_free_wipe(af->authorization);
	af->authorization = NULL;
	if (token != NULL && (af->authorization = malloc(strlen(token) + 8)) != NULL)
		sprintf(af->authorization, "Bearer %s", token);
}

const char *demo_af_authorization(const demo_af *af)
{
	return af->authorization;
}

int demo_af_fetch(demo_af *af, int port, const char *authorization, const char *method,
                  const char *path, const char *content_type, const char *body, char **out,
                  char *err, size_t errlen)
{
	sbi_client_cfg cfg = {.host = "127.0.0.1",
	                      .port = port,
	                      .timeout_ms = 30000,
	                      .tls_ca = af->ca[0] ? af->ca : NULL,
	                      .tls_cert = af->cert[0] ? af->cert : NULL,
	                      .tls_key = af->key[0] ? af->key : NULL};
	return sbi_fetch_auth(&cfg, method, path, content_type, body, authorization, out, err,
	                      errlen);
}

char *demo_af_request(demo_af *af, int aiotf_port, const char *path, const char *body, char *err,
                      size_t errlen)
{
	char *resp = NULL;
	int st = demo_af_fetch(af, aiotf_port, af->authorization, "POST", path, "application/json",
	                       body, &resp, err, errlen);
	char *id = NULL;
	if (st >= 200 && st < 300) {
		cJSON *j = resp ? cJSON_Parse(resp) : NULL;
		const cJSON *t = j ? cJSON_GetObjectItemCaseSensitive(j, "transId") : NULL;
		if (cJSON_IsString(t))
			id = strdup(t->valuestring);
		else
			snprintf(err, errlen, "AIOTF answered %d without transId: %.200s", st,
			         resp ? resp : "");
		cJSON_Delete(j);
	} else if (st != 0) {
		snprintf(err, errlen, "AIOTF answered %d: %.300s", st, resp ? resp : "");
	}
	free(resp);
	return id;
}

const demo_tx_result *demo_af_wait(demo_af *af, const char *trans_id, int timeout_ms)
{
	struct timespec dl;
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&af->mu);
	tx *t = tx_get(af, trans_id);
	while (t != NULL && !t->r.done)
		if (pthread_cond_timedwait(&af->cv, &af->mu, &dl) != 0)
			break;
	pthread_mutex_unlock(&af->mu);
	return t ? &t->r : NULL;
}

double demo_metric(int port, const char *sample)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	const char req[] = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
	if (write(fd, req, sizeof req - 1) < 0) {
		close(fd);
		return -1;
	}
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	while (buf != NULL && len + 1 < cap && (n = read(fd, buf + len, cap - len - 1)) > 0)
		len += (size_t)n;
	close(fd);
	if (buf == NULL)
		return -1;
	buf[len] = '\0';
	double v = -1;
	size_t sl = strlen(sample);
	for (char *line = buf; line != NULL && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, sample, sl) == 0 && line[sl] == ' ') {
			v = strtod(line + sl + 1, NULL);
			break;
		}
	}
	free(buf);
	return v;
}

int demo_af_write_auth(const char *path, const char *af_id, char *err, size_t errlen)
{
	FILE *f = fopen(path, "w");
	int ok = f != NULL &&
	         fprintf(f,
	                 "{\"afAuthData\":{\"%s\":{\"afId\":\"%s\",\"allowedServiceOperations\":"
	                 "[\"INVENTORY\",\"READ\",\"WRITE\",\"DOA\"]}}}\n",
	                 af_id, af_id) > 0;
	if (f != NULL && fclose(f) != 0)
		ok = 0;
	if (!ok)
		snprintf(err, errlen, "%s: cannot write the AF authorization data", path);
	return ok ? 0 : -1;
}
