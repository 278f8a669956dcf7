/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ADM's request path on arbitrary input: routing, content-type and JSON checks, and the
 * get-authentication handler end to end (against a real store of 16 devices), plus the
 * Nadm_DM GETs with an arbitrary path segment or query. Operations that answer only after a
 * store write (get-session-key, get-tid, PATCH) need a running SBI server and are covered by
 * the integration tests instead. get-doa-authentication's request path (parse, T-ID and
 * permanent-ID lookups, every refusal) runs against a second ADM whose store is empty, so
 * that it never reaches its store write.
 * Input: byte 0 selects the request, the rest is the body (or the path/query text).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "adm/adm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static adm *g_adm, *g_adm_empty;
static aiot_store *g_store, *g_store_empty;
static char g_dir[64];

static void remove_scratch(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", g_dir);
}

static void setup(void)
{
	char dir[] = "/tmp/aiot-fuzz-adm.XXXXXX", uri[128], err[256];
	uint8_t kek[32];
	if (mkdtemp(dir) == NULL)
		abort(); /* local invariant of the harness, not peer data */
	snprintf(g_dir, sizeof g_dir, "%s", dir);
	atexit(remove_scratch);
	for (int i = 0; i < 32; i++)
		kek[i] = (uint8_t)i;
	snprintf(uri, sizeof uri, "sqlite:%s/adm.db", dir);
	g_store = aiot_store_open(uri, kek, 1, err, sizeof err);
	if (g_store == NULL)
		abort();
	aiot_dev_record r[16];
	memset(r, 0, sizeof r);
	for (int i = 0; i < 16; i++) {
		r[i].perm_id_len = 12;
		memcpy(r[i].perm_id, "\x00\x01\x02\x03", 4); /* one group: filteringInfo AAECAw== */
		r[i].perm_id[11] = (uint8_t)i;
		r[i].suite = (i & 1) ? AIOT_SUITE_AES : AIOT_SUITE_3GPP;
		r[i].res_bits = (uint8_t)(32 * (1 + i % 4));
		r[i].key_len = 16;
		memset(r[i].key, i + 1, 16);
	}
	if (aiot_store_insert(g_store, r, 16, err, sizeof err) != 0)
		abort();
	adm_limits lim = {.max_rand_d = 64, .max_candidates = 16, .max_xres = 1024};
	g_adm = adm_new(g_store, 1, &lim, NULL, err, sizeof err);
	snprintf(uri, sizeof uri, "sqlite:%s/empty.db", dir);
	if (g_adm == NULL ||
	    (g_store_empty = aiot_store_open(uri, kek, 1, err, sizeof err)) == NULL ||
	    (g_adm_empty = adm_new(g_store_empty, 1, &lim, NULL, err, sizeof err)) == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (g_adm == NULL)
		setup();
	if (size < 1)
		return 0;
	char text[600];
	size_t n = size - 1 < sizeof text - 1 ? size - 1 : sizeof text - 1;
	memcpy(text, data + 1, n);
	text[n] = '\0';
	sbi_request req = {.worker = 0};
	sbi_response resp = {0};
	char path[700];
	switch (data[0] % 4) {
	case 0: /* get-authentication with the body; with bit 2: get-doa-authentication */
		req.method = "POST";
		req.path = (data[0] & 4) ? "/nadm-sec/v1/get-doa-authentication"
		                         : "/nadm-sec/v1/get-authentication";
		req.content_type = "application/json";
		req.body = data + 1;
		req.body_len = size - 1;
		break;
	case 1: /* get-rand (no body) or an unknown operation */
		req.method = (data[0] & 4) ? "GET" : "POST";
		snprintf(path, sizeof path, "/nadm-sec/v1/%s", text);
		req.path = strchr(text, '/') || strstr(text, "session") || strstr(text, "tid")
		               ? "/nadm-sec/v1/get-rand"
		               : path;
		break;
	case 2: /* a device profile by an arbitrary path segment */
		req.method = "GET";
		snprintf(path, sizeof path, "/nadm-dm/v1/aiot-device-profile-data/%s", text);
		req.path = path;
		break;
	default: /* bundled profiles / AF data by an arbitrary query */
		req.method = "GET";
		req.path = (data[0] & 4) ? "/nadm-dm/v1/af-authorization-data"
		                         : "/nadm-dm/v1/aiot-device-profile-data";
		req.query = text;
		break;
	}
	int doa = data[0] % 4 == 0 && (data[0] & 4);
	adm_handle(doa ? g_adm_empty : g_adm, &req, &resp);
	free(resp.body);
	return 0;
}
