/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The demo's DO-A phase, AF side (docs/protocol.md §3.10.7, openapi/Naiotf_DoA.yaml): the
 * AF's DO-A subscription at the AIOTF, and the tally of what its notifications deliver.
 * Each DevicesRepInfo names a device by its permanent identifier: without readCmdRep it is
 * a registration, with it one uplink data block. The simulator's application data is
 * 8 octets, (devices.jsonl line, sequence number) big-endian (§5.7.2), so the tally can
 * check that each block came from the device it is attributed to, and that no block was
 * delivered twice (a replay the network let through).
 *
 * Ownership: the tally owns its arrays; demo_doa_record is called from the AF's server
 * thread, demo_doa_count from the scenario's: one mutex guards everything.
 */
#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/base64.h"
#include "demo.h"

struct demo_doa {
	pthread_mutex_t mu;
	char **ids; /* genuine permanent IDs (base64), borrowed; line L is ids[L - 1] */
	size_t n;
	size_t *by_id;       /* indexes into ids, sorted by ids[i] */
	uint8_t *registered; /* per device: a registration was notified */
	uint8_t *delivered;  /* per device: at least one of its own data blocks came */
	uint64_t *data;      /* every data block: line << 32 | seq */
	size_t ndata, cap;
	unsigned long foreign; /* a block or registration the tally cannot attribute */
};

static char **sort_ids; /* qsort has no context argument */
static int by_id_cmp(const void *a, const void *b)
{
	return strcmp(sort_ids[*(const size_t *)a], sort_ids[*(const size_t *)b]);
}

demo_doa *demo_doa_new(char **ids, size_t n)
{
	demo_doa *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->ids = ids;
	t->n = n;
	t->by_id = malloc(n * sizeof *t->by_id);
	t->registered = calloc(n, 1);
	t->delivered = calloc(n, 1);
	if (t->by_id == NULL || t->registered == NULL || t->delivered == NULL) {
		demo_doa_free(t);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		t->by_id[i] = i;
	sort_ids = ids;
	qsort(t->by_id, n, sizeof *t->by_id, by_id_cmp);
	pthread_mutex_init(&t->mu, NULL);
	return t;
}

void demo_doa_free(demo_doa *t)
{
	if (t == NULL)
		return;
	if (t->by_id != NULL && t->registered != NULL && t->delivered != NULL)
		pthread_mutex_destroy(&t->mu);
	free(t->by_id);
	free(t->registered);
	free(t->delivered);
	free(t->data);
	free(t);
}

/* The device of a permanent ID, or -1. */
static long lookup(const demo_doa *t, const char *id)
{
	size_t lo = 0, hi = t->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(id, t->ids[t->by_id[mid]]);
		if (c == 0)
			return (long)t->by_id[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

/* One DevicesRepInfo; t->mu held. */
static void record_one(demo_doa *t, const cJSON *d)
{
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(d, "deviceId");
	const cJSON *rep = cJSON_GetObjectItemCaseSensitive(d, "readCmdRep");
	long dev = cJSON_IsString(id) ? lookup(t, id->valuestring) : -1;
	if (dev < 0) {
		t->foreign++;
		return;
	}
	if (rep == NULL) {
		t->registered[dev] = 1;
		return;
	}
	uint8_t b[16];
	if (!cJSON_IsString(rep) ||
	    aiot_b64_decode(rep->valuestring, strlen(rep->valuestring), b, sizeof b) != 8) {
		t->foreign++;
		return;
	}
	uint32_t line = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
	uint32_t seq = (uint32_t)b[4] << 24 | (uint32_t)b[5] << 16 | (uint32_t)b[6] << 8 | b[7];
	if (line != (uint32_t)dev + 1) { /* another device's data under this identifier */
		t->foreign++;
		return;
	}
	if (t->ndata == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 1024;
		uint64_t *p = realloc(t->data, cap * sizeof *p);
		if (p == NULL) {
			t->foreign++; /* cannot check it: counted against the run */
			return;
		}
		t->data = p;
		t->cap = cap;
	}
	t->data[t->ndata++] = (uint64_t)line << 32 | seq;
	t->delivered[dev] = 1;
}

void demo_doa_record(void *arg, const cJSON *notif)
{
	demo_doa *t = arg;
	const cJSON *d, *list = cJSON_GetObjectItemCaseSensitive(notif, "devicesRepData");
	pthread_mutex_lock(&t->mu);
	cJSON_ArrayForEach(d, list) record_one(t, d);
	pthread_mutex_unlock(&t->mu);
}

static int u64_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

void demo_doa_count(demo_doa *t, demo_doa_counts *c)
{
	memset(c, 0, sizeof *c);
	pthread_mutex_lock(&t->mu);
	for (size_t i = 0; i < t->n; i++) {
		c->registered += t->registered[i];
		c->delivered += t->delivered[i];
	}
	qsort(t->data, t->ndata, sizeof *t->data, u64_cmp);
	for (size_t i = 1; i < t->ndata; i++)
		c->duplicates += t->data[i] == t->data[i - 1];
	c->blocks = t->ndata;
	c->foreign = t->foreign;
	pthread_mutex_unlock(&t->mu);
}

char *demo_doa_subscribe(demo_af *af, int aiotf_port, const char *af_id, char *err, size_t errlen)
{
	char body[256], *resp = NULL, *id = NULL;
	snprintf(body, sizeof body,
	         "{\"afId\":\"%s\",\"notifUri\":\"http://127.0.0.1:%d/notify\",\"regInd\":true}",
	         af_id, demo_af_port(af));
	int st = demo_af_fetch(af, aiotf_port, demo_af_authorization(af), "POST",
	                       "/naiotf-aiot/v1/doa-subscriptions", "application/json", body, &resp,
	                       err, errlen);
	if (st == 201) {
		cJSON *j = resp ? cJSON_Parse(resp) : NULL;
		const cJSON *s = cJSON_GetObjectItemCaseSensitive(j, "subscriptionId");
		if (cJSON_IsString(s))
			id = strdup(s->valuestring);
		else
			snprintf(err, errlen, "AIOTF answered 201 without subscriptionId");
		cJSON_Delete(j);
	} else if (st != 0) {
		snprintf(err, errlen, "AIOTF answered %d: %.300s", st, resp ? resp : "");
	}
	free(resp);
	return id;
}
