/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ADM's Nadm_Sec and Nadm_DM handlers (src/adm, TS 29.369 5.2, 5.3) on a real store
 * (SQLite in a temporary directory): get-rand, get-authentication (by permanent ID, by
 * filteringInfo, by T-ID in the vendor extension), get-session-key, get-tid (rotation,
 * idempotence, resync), the profile GET (single and bundled) and PATCH, and their refusals
 * as ProblemDetails. Answers that need no store write come from adm_handle() called
 * directly; the ones that write (session, T-ID rotation, PATCH) are answered only once the
 * write committed (adm_write.c, through sbi_defer), so they go through an SBI server of this
 * process on loopback, with the same handler.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <cjson/cJSON.h>
#include <openssl/rand.h>

#include "adm/adm.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/vendor_ext.h"
#include "crypto/backend_openssl.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "sbi/sbi_client.h"
#include "test_store_util.h"

#define SEC "/nadm-sec/v1/"
#define DM "/nadm-dm/v1/aiot-device-profile-data"
#define NDEV 4
#define PATCH_CT "application/merge-patch+json"

static char dir[64], db[128];
static uint8_t kek[32];
/* 0: 3gpp, group "grp1"; 1: aes, RES 32 bits, "grp1"; 2: 3gpp 256-bit key, RES 128 bits,
 * "grp2", privacy with a T-ID; 3: privacy, no T-ID yet, "grp2". */
static aiot_dev_record dev[NDEV];
static char id64[NDEV][AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 1];
static uint8_t tid0[16], rand_n[16], rand_d[2][16];
static aiot_store *store;
static adm *the_adm;
static sbi_server *srv;
static aiot_backend *be;

#include "test_adm_util.h" /* uses the_adm and srv */

static int make_devices(void)
{
	static const uint8_t suffix[NDEV] = {0x11, 0x22, 0x33, 0x44};
	for (int i = 0; i < NDEV; i++) {
		aiot_dev_record *r = &dev[i];
		r->perm_id_len = 12;
		memcpy(r->perm_id, i < 2 ? "grp1" : "grp2", 4);
		memset(r->perm_id + 4, 0x40 + i, 7);
		r->perm_id[11] = suffix[i]; /* base64 without '+', '/' or '=': path-safe */
		r->key_len = i == 2 ? 32 : 16;
		if (RAND_bytes(r->key, r->key_len) != 1)
			return -1;
		r->suite = i == 1 ? AIOT_SUITE_AES : AIOT_SUITE_3GPP;
		r->res_bits = i == 1 ? 32 : i == 2 ? 128 : 64;
		snprintf(r->group, sizeof r->group, "g%d", i);
		aiot_b64_encode(r->perm_id, r->perm_id_len, id64[i]);
	}
	dev[2].privacy = dev[3].privacy = 1;
	dev[2].has_tid = 1;
	dev[2].tid_type = AIOT_TID_STORED;
	memcpy(dev[2].tid, tid0, 16);
	return 0;
}

static int setup(void **state)
{
	char err[256], uri[160];
	adm_limits lim = {.max_rand_d = 4, .max_candidates = 4096, .max_xres = 5, .max_bundle = 2};
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/aiot-adm-handlers-XXXXXX");
	if (mkdtemp(dir) == NULL || RAND_bytes(kek, 32) != 1 || RAND_bytes(tid0, 16) != 1 ||
	    RAND_bytes(rand_n, 16) != 1 || RAND_bytes(&rand_d[0][0], 32) != 1 ||
	    make_devices() != 0 || (be = aiot_backend_openssl_new()) == NULL)
		return -1;
	snprintf(db, sizeof db, "%s/devices.db", dir);
	snprintf(uri, sizeof uri, "sqlite:%s", db);
	if ((store = aiot_store_open(uri, kek, 1, err, sizeof err)) == NULL ||
	    aiot_store_insert(store, dev, NDEV, err, sizeof err) != 0 ||
	    (the_adm = adm_new(store, 1, &lim, NULL, err, sizeof err)) == NULL) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	sbi_server_cfg cfg = {
	    .listen = "127.0.0.1:0", .workers = 1, .handler = adm_handle, .app = the_adm};
	if ((srv = sbi_server_start(&cfg, err, sizeof err)) == NULL) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sbi_server_stop(srv);
	adm_free(the_adm);
	aiot_store_close(store);
	aiot_backend_openssl_free(be);
	test_sqlite_remove(db);
	rmdir(dir);
	return 0;
}

/* ---- Nadm_Sec ---------------------------------------------------------------------------- */

static void test_get_rand(void **state)
{
	(void)state;
	answer a = direct("POST", SEC "get-rand", NULL, NULL, NULL);
	answer b = direct("POST", SEC "get-rand", NULL, NULL, NULL);
	assert_int_equal(a.status, 200);
	assert_string_equal(a.ct, "application/json");
	assert_int_equal(strlen(str(a.j, "randN")), 32);
	assert_string_not_equal(str(a.j, "randN"), str(b.j, "randN"));
	cJSON_Delete(a.j);
	cJSON_Delete(b.j);
	problem(direct("GET", SEC "get-rand", NULL, NULL, NULL), 405, NULL);
	problem(direct("POST", SEC "get-nothing", NULL, "application/json", "{}"), 404,
	        "RESOURCE_URI_STRUCTURE_NOT_FOUND");
}

static char *auth_body(const char *who)
{
	static char b[512];
	fmt(b, sizeof b, "{%s\"randN\":\"%s\",\"randDlist\":[\"%s\",\"%s\"]}", who, hex16(rand_n),
	    hex16(rand_d[0]), hex16(rand_d[1]));
	return b;
}

/* XRES of dev[k] for rand_d[i], as hex of its RES length. */
static char *xres_of(int k, int i)
{
	static char x[33];
	uint8_t r[16];
	assert_int_equal(aiot_derive_res(be, dev[k].suite, dev[k].key, dev[k].key_len, rand_n,
	                                 rand_d[i], dev[k].res_bits, r),
	                 0);
	aiot_hex_encode(r, dev[k].res_bits / 8, x);
	return x;
}

/* For each randD of the answer: exactly the devices of want (n of them), each with its XRES
 * and named by aiotDevPermId when named. */
static void expect_xres(const cJSON *j, const int *want, int n, int named)
{
	const cJSON *sets = cJSON_GetObjectItemCaseSensitive(j, "authDataSets");
	assert_int_equal(cJSON_GetArraySize(sets), 2);
	for (int i = 0; i < 2; i++) {
		const cJSON *s = cJSON_GetArrayItem(sets, i);
		const cJSON *ads = cJSON_GetObjectItemCaseSensitive(s, "authDataSet");
		assert_string_equal(str(s, "randD"), hex16(rand_d[i]));
		assert_int_equal(cJSON_GetArraySize(ads), n);
		for (int w = 0; w < n; w++) {
			const cJSON *ad = cJSON_GetArrayItem(ads, w);
			int k = want[w];
			if (named) {
				for (k = 0; k < NDEV && strcmp(id64[k], str(ad, "aiotDevPermId"));
				     k++)
					;
				assert_true(k < NDEV);
			} else {
				assert_null(str(ad, "aiotDevPermId")); /* TS 33.369 5.2.2 step 9 */
			}
			int ok = 0;
			for (int m = 0; m < n; m++)
				ok |= want[m] == k;
			assert_true(ok);
			assert_string_equal(str(ad, "xres"), xres_of(k, i));
		}
	}
}

static void test_auth_by_perm_id(void **state)
{
	char who[512];
	(void)state;
	for (int k = 0; k < 3; k++) { /* both suites, RES of 64, 32 and 128 bits */
		fmt(who, sizeof who, "\"aiotDevPermId\":\"%s\",", id64[k]);
		answer a = direct("POST", SEC "get-authentication", NULL, "application/json",
		                  auth_body(who));
		assert_int_equal(a.status, 200);
		expect_xres(a.j, &k, 1, 0);
		cJSON_Delete(a.j);
	}
}

static void test_auth_by_filter(void **state)
{
	static const int grp1[] = {0, 1}, grp2[] = {2, 3};
	(void)state;
	answer a = direct("POST", SEC "get-authentication", NULL, "application/json",
	                  auth_body("\"filteringInfo\":\"Z3JwMQ==\",")); /* "grp1" */
	assert_int_equal(a.status, 200);
	expect_xres(a.j, grp1, 2, 1);
	cJSON_Delete(a.j);
	a = direct("POST", SEC "get-authentication", NULL, "application/json",
	           auth_body("\"filteringInfo\":\"Z3JwMg==\",")); /* "grp2" */
	assert_int_equal(a.status, 200);
	expect_xres(a.j, grp2, 2, 1);
	cJSON_Delete(a.j);
	/* No device in the group: 404; 3 randD x 2 devices over max_xres 5: 413. */
	problem(direct("POST", SEC "get-authentication", NULL, "application/json",
	               auth_body("\"filteringInfo\":\"Z3JwMw==\",")),
	        404, NULL);
	char b[512];
	fmt(b, sizeof b,
	    "{\"filteringInfo\":\"Z3JwMQ==\",\"randN\":\"%s\",\"randDlist\":[\"%s\",\"%s\","
	    "\"%s\"]}",
	    hex16(rand_n), hex16(rand_d[0]), hex16(rand_d[1]), hex16(rand_n));
	problem(direct("POST", SEC "get-authentication", NULL, "application/json", b), 413, NULL);
}

static void test_auth_by_tid(void **state)
{
	static const int two = 2;
	char who[128];
	(void)state;
	fmt(who, sizeof who, "\"%s\":{\"%s\":\"%s\"},", AIOT_VENDOR_EXT, AIOT_VENDOR_TID,
	    hex16(tid0));
	answer a =
	    direct("POST", SEC "get-authentication", NULL, "application/json", auth_body(who));
	assert_int_equal(a.status, 200);
	expect_xres(a.j, &two, 1, 1); /* the device is named: the AIOTF did not know it */
	assert_string_equal(
	    str(cJSON_GetObjectItemCaseSensitive(a.j, AIOT_VENDOR_EXT), AIOT_VENDOR_TID),
	    hex16(tid0));
	cJSON_Delete(a.j);
	uint8_t nobody[16];
	assert_int_equal(RAND_bytes(nobody, 16), 1);
	fmt(who, sizeof who, "\"%s\":{\"%s\":\"%s\"},", AIOT_VENDOR_EXT, AIOT_VENDOR_TID,
	    hex16(nobody));
	problem(direct("POST", SEC "get-authentication", NULL, "application/json", auth_body(who)),
	        404, NULL);
}

static void test_auth_refusals(void **state)
{
	char b[512];
	(void)state;
	problem(direct("POST", SEC "get-authentication", NULL, "application/json", "{"), 400,
	        "INVALID_MSG_FORMAT");
	problem(direct("POST", SEC "get-authentication", NULL, "text/plain", auth_body("")), 415,
	        NULL);
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\",\"randN\":\"%s\"}", id64[0], hex16(rand_n));
	problem(direct("POST", SEC "get-authentication", NULL, "application/json", b), 400,
	        "MANDATORY_IE_MISSING");
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\",\"randN\":\"%s\",\"randDlist\":\"%s\"}",
	    id64[0], hex16(rand_n), hex16(rand_d[0]));
	problem(direct("POST", SEC "get-authentication", NULL, "application/json", b), 400,
	        "MANDATORY_IE_INCORRECT");
	fmt(b, sizeof b, "\"aiotDevPermId\":\"%s\",", "AAAAAAAAAAAAAAAA"); /* unknown */
	problem(direct("POST", SEC "get-authentication", NULL, "application/json", auth_body(b)),
	        404, NULL);
}

static void test_session_key(void **state)
{
	char b[256];
	uint8_t k[16];
	aiot_dev_record r;
	(void)state;
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\",\"randN\":\"%s\",\"randD\":\"%s\"}", id64[1],
	    hex16(rand_n), hex16(rand_d[0]));
	answer a = served("POST", SEC "get-session-key", "application/json", b);
	assert_int_equal(a.status, 200);
	assert_int_equal(
	    aiot_derive_kaiotf(be, dev[1].suite, dev[1].key, dev[1].key_len, rand_n, rand_d[0], k),
	    0);
	assert_string_equal(str(a.j, "kAiotf"), hex16(k));
	assert_string_equal(
	    str(cJSON_GetObjectItemCaseSensitive(a.j, AIOT_VENDOR_EXT), AIOT_VENDOR_SUITE), "aes");
	cJSON_Delete(a.j);
	/* Answered once durable: the store already holds the session's RANDs. */
	assert_int_equal(aiot_store_get(store, dev[1].perm_id, dev[1].perm_id_len, &r), 0);
	assert_true(r.has_session);
	assert_memory_equal(r.rand_n, rand_n, 16);
	assert_memory_equal(r.rand_d, rand_d[0], 16);
	aiot_zeroize(&r, sizeof r);
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\",\"randN\":\"%s\",\"randD\":\"%s\"}",
	    "AAAAAAAAAAAAAAAA", hex16(rand_n), hex16(rand_d[0]));
	problem(direct("POST", SEC "get-session-key", NULL, "application/json", b), 404, NULL);
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\",\"randN\":\"%s\"}", id64[1], hex16(rand_n));
	problem(direct("POST", SEC "get-session-key", NULL, "application/json", b), 400,
	        "MANDATORY_IE_MISSING");
}

static answer get_tid(int k, int resync)
{
	char b[128];
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\"%s}", id64[k],
	    resync ? ",\"resyncInd\":true" : "");
	return served("POST", SEC "get-tid", "application/json", b);
}

static unsigned long long rotations(void)
{
	char *m = adm_metrics(the_adm);
	const char *p = strstr(m, "\naiot_adm_tid_rotations_total ");
	unsigned long long v = p ? strtoull(p + 30, NULL, 10) : ~0ull;
	free(m);
	return v;
}

static void test_get_tid(void **state)
{
	char b[256];
	uint8_t next[16];
	aiot_dev_record r;
	(void)state;
	/* Before any session: the T-ID as it is, nothing rotated. */
	unsigned long long r0 = rotations();
	answer a = get_tid(2, 0);
	assert_int_equal(a.status, 200);
	assert_string_equal(str(a.j, "tid"), hex16(tid0));
	assert_string_equal(str(cJSON_GetObjectItemCaseSensitive(a.j, "tidHandInfo"), "tidType"),
	                    "STORED");
	cJSON_Delete(a.j);
	/* After a session: rotation to the T-ID the device derives, previous kept. */
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\",\"randN\":\"%s\",\"randD\":\"%s\"}", id64[2],
	    hex16(rand_n), hex16(rand_d[1]));
	a = served("POST", SEC "get-session-key", "application/json", b);
	assert_int_equal(a.status, 200);
	cJSON_Delete(a.j);
	assert_int_equal(
	    aiot_derive_tid(be, dev[2].suite, dev[2].key, dev[2].key_len, rand_n, rand_d[1], next),
	    0);
	for (int i = 0; i < 2; i++) { /* the second call answers the same rotation */
		a = get_tid(2, 0);
		assert_int_equal(a.status, 200);
		assert_string_equal(str(a.j, "tid"), hex16(next));
		assert_string_equal(str(a.j, "tidPrevious"), hex16(tid0));
		cJSON_Delete(a.j);
	}
	assert_int_equal(rotations() - r0, 1);
	assert_int_equal(aiot_store_get(store, dev[2].perm_id, dev[2].perm_id_len, &r), 0);
	assert_memory_equal(r.tid, next, 16);
	assert_memory_equal(r.tid_prev, tid0, 16);
	/* resyncInd: the device missed the update, the previous T-ID is current again. */
	a = get_tid(2, 1);
	assert_int_equal(a.status, 200);
	assert_string_equal(str(a.j, "tid"), hex16(tid0));
	cJSON_Delete(a.j);
	assert_int_equal(aiot_store_get(store, dev[2].perm_id, dev[2].perm_id_len, &r), 0);
	assert_memory_equal(r.tid, tid0, 16);
	aiot_zeroize(&r, sizeof r);
	/* Refusals: no T-ID and no session; unknown device; no identifier. */
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\"}", id64[3]);
	problem(direct("POST", SEC "get-tid", NULL, "application/json", b), 404, NULL);
	problem(direct("POST", SEC "get-tid", NULL, "application/json",
	               "{\"aiotDevPermId\":\"AAAAAAAAAAAAAAAA\"}"),
	        404, NULL);
	problem(direct("POST", SEC "get-tid", NULL, "application/json", "{\"resyncInd\":true}"),
	        400, "MANDATORY_IE_MISSING");
}

/* ---- Nadm_DM ----------------------------------------------------------------------------- */

static char *profile_path(int k)
{
	static char p[160];
	fmt(p, sizeof p, DM "/%s", id64[k]);
	return p;
}

static void test_profile_get(void **state)
{
	char q[1024];
	(void)state;
	answer a = direct("GET", profile_path(2), NULL, NULL, NULL);
	assert_int_equal(a.status, 200);
	assert_string_equal(str(a.j, "aiotDevPermId"), id64[2]);
	assert_non_null(str(a.j, "tidCurrent"));
	cJSON_Delete(a.j);
	a = direct("GET", profile_path(0), NULL, NULL, NULL);
	assert_int_equal(a.status, 200);
	assert_null(str(a.j, "tidCurrent")); /* no T-ID */
	cJSON_Delete(a.j);
	problem(direct("GET", DM "/AAAAAAAAAAAAAAAA", NULL, NULL, NULL), 404, NULL);
	problem(direct("GET", DM "/!!", NULL, NULL, NULL), 400, "MANDATORY_IE_INCORRECT");
	problem(direct("DELETE", profile_path(0), NULL, NULL, NULL), 405, NULL);
	/* Bundled: the known ones; none known is a 404; more than max_bundle (2) a 400. */
	fmt(q, sizeof q, "requester-aiot-devices-id=%s,AAAAAAAAAAAAAAAA", id64[1]);
	a = direct("GET", DM, q, NULL, NULL);
	assert_int_equal(a.status, 200);
	const cJSON *list = cJSON_GetObjectItemCaseSensitive(a.j, "aiotDevProfileDataList");
	assert_int_equal(cJSON_GetArraySize(list), 1);
	assert_string_equal(str(cJSON_GetArrayItem(list, 0), "aiotDevPermId"), id64[1]);
	cJSON_Delete(a.j);
	problem(direct("GET", DM, "requester-aiot-devices-id=AAAAAAAAAAAAAAAA", NULL, NULL), 404,
	        NULL);
	fmt(q, sizeof q, "requester-aiot-devices-id=%s,%s,%s", id64[0], id64[1], id64[2]);
	problem(direct("GET", DM, q, NULL, NULL), 400, "MANDATORY_QUERY_PARAM_INCORRECT");
	problem(direct("GET", DM, NULL, NULL, NULL), 400, "MANDATORY_QUERY_PARAM_MISSING");
}

/* The first invalidParams entry of a Nadm_DM refusal names param. Frees a. */
static void refused_param(answer a, int status, const char *cause, const char *param)
{
	const cJSON *ip =
	    cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(a.j, "invalidParams"), 0);
	assert_non_null(ip);
	assert_string_equal(str(ip, "param"), param);
	problem(a, status, cause);
}

static void test_profile_patch(void **state)
{
	static const char good[] =
	    "{\"lastKnownAiotfInfo\":{\"lastKnownAiotfInfoInd\":true,\"lastKnownAiotfId\":"
	    "\"3fa85f64-5717-4562-b3fc-2c963f66afa6\",\"lastKnownAiotfAddress\":{\"ipv4Addr\":"
	    "\"192.0.2.1\"},\"lastKnownAiotfFqdn\":\"aiotf1.example.org\"}}";
	char b[256];
	(void)state;
	answer a = served("PATCH", profile_path(0), PATCH_CT, good);
	assert_int_equal(a.status, 204);
	cJSON_Delete(a.j);
	a = direct("GET", profile_path(0), NULL, NULL, NULL);
	assert_int_equal(a.status, 200);
	const cJSON *lk = cJSON_GetObjectItemCaseSensitive(a.j, "lastKnownAiotfInfo");
	assert_string_equal(str(lk, "lastKnownAiotfFqdn"), "aiotf1.example.org");
	cJSON_Delete(a.j);
	/* An empty merge patch changes nothing (RFC 7396). */
	a = served("PATCH", profile_path(0), PATCH_CT, "{}");
	assert_int_equal(a.status, 204);
	cJSON_Delete(a.j);
	/* Refusals, each naming the member; nothing applied. */
	refused_param(direct("PATCH", profile_path(0), NULL, PATCH_CT, "{\"junk\":1}"), 400,
	              "INVALID_MSG_FORMAT", "/junk");
	fmt(b, sizeof b, "{\"tidCurrent\":\"%s\"}", hex16(tid0));
	refused_param(direct("PATCH", profile_path(2), NULL, PATCH_CT, b), 403,
	              "MODIFICATION_NOT_ALLOWED", "/tidCurrent");
	refused_param(direct("PATCH", profile_path(0), NULL, PATCH_CT,
	                     "{\"lastKnownAiotfInfo\":{\"lastKnownAiotfInfoInd\":true,"
	                     "\"lastKnownAiotfAddress\":{\"ipv4Addr\":\"300.1.1.1\"}}}"),
	              400, "OPTIONAL_IE_INCORRECT",
	              "/lastKnownAiotfInfo/lastKnownAiotfAddress/ipv4Addr");
	problem(direct("PATCH", profile_path(0), NULL, "application/json", good), 415, NULL);
	problem(direct("PATCH", DM "/AAAAAAAAAAAAAAAA", NULL, PATCH_CT, good), 404, NULL);
	a = direct("GET", profile_path(0), NULL, NULL, NULL);
	lk = cJSON_GetObjectItemCaseSensitive(a.j, "lastKnownAiotfInfo");
	assert_string_equal(
	    str(cJSON_GetObjectItemCaseSensitive(lk, "lastKnownAiotfAddress"), "ipv4Addr"),
	    "192.0.2.1");
	cJSON_Delete(a.j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_get_rand),       cmocka_unit_test(test_auth_by_perm_id),
	    cmocka_unit_test(test_auth_by_filter), cmocka_unit_test(test_auth_by_tid),
	    cmocka_unit_test(test_auth_refusals),  cmocka_unit_test(test_session_key),
	    cmocka_unit_test(test_get_tid),        cmocka_unit_test(test_profile_get),
	    cmocka_unit_test(test_profile_patch),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
