/* SPDX-License-Identifier: Apache-2.0 */
/*
 * get-authentication by T-ID (issue 11 item 1): the ADM resolves the T-ID of the vendor
 * extension (common/vendor_ext.h) through the store's T-ID index, current or previous, and
 * computes XRES_AIOT for that one device per RAND_AIOT_d, naming it (aiotDevPermId) and
 * echoing the T-ID; an unknown T-ID is a 404 ProblemDetails with no XRES computed. Real
 * store (SQLite in a temporary directory), the ADM's request handler called directly.
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
#include "crypto/kdf.h"
#include "test_store_util.h"

static char dir[64], db[128], uri[160];
static uint8_t kek[32];
static aiot_dev_record dev[3]; /* 0: T-ID T0; 1: T-ID T1, previous T2; 2: no T-ID */
static uint8_t tids[3][16], rand_n[16], rand_d[2][16];
static aiot_store *store;
static adm *the_adm;

static int setup(void **state)
{
	char err[256];
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/aiot-adm-tid-XXXXXX");
	if (mkdtemp(dir) == NULL || RAND_bytes(kek, 32) != 1 || RAND_bytes(&tids[0][0], 48) != 1 ||
	    RAND_bytes(rand_n, 16) != 1 || RAND_bytes(&rand_d[0][0], 32) != 1)
		return -1;
	snprintf(db, sizeof db, "%s/devices.db", dir);
	snprintf(uri, sizeof uri, "sqlite:%s", db);
	for (int i = 0; i < 3; i++) {
		aiot_dev_record *r = &dev[i];
		r->perm_id_len = 12;
		memcpy(r->perm_id, "grp1", 4);
		if (RAND_bytes(r->perm_id + 4, 8) != 1 || RAND_bytes(r->key, 16) != 1)
			return -1;
		r->key_len = 16;
		r->suite = AIOT_SUITE_3GPP;
		r->res_bits = 64;
		snprintf(r->group, sizeof r->group, "g");
	}
	dev[0].privacy = dev[1].privacy = 1;
	dev[0].has_tid = dev[1].has_tid = dev[1].has_tid_prev = 1;
	memcpy(dev[0].tid, tids[0], 16);
	memcpy(dev[1].tid, tids[1], 16);
	memcpy(dev[1].tid_prev, tids[2], 16);
	if ((store = aiot_store_open(uri, kek, 1, err, sizeof err)) == NULL ||
	    aiot_store_insert(store, dev, 3, err, sizeof err) != 0 ||
	    (the_adm = adm_new(store, 1, NULL, NULL, err, sizeof err)) == NULL) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	adm_free(the_adm);
	aiot_store_close(store);
	test_sqlite_remove(db);
	rmdir(dir);
	return 0;
}

/* POST get-authentication with body; the status, the answer parsed into *out (caller frees). */
static int post(const char *body, cJSON **out)
{
	sbi_request req = {.method = "POST",
	                   .path = "/nadm-sec/v1/get-authentication",
	                   .content_type = "application/json",
	                   .body = (const uint8_t *)body,
	                   .body_len = strlen(body)};
	sbi_response resp = {0};
	adm_handle(the_adm, &req, &resp);
	*out = resp.body ? cJSON_ParseWithLength(resp.body, resp.body_len) : NULL;
	free(resp.body);
	return resp.status;
}

/* Body: the T-ID (hex) in the vendor extension, plus extra members (may be ""). */
static char *tid_body(const uint8_t tid[16], const char *extra)
{
	char t[33], n[33], d0[33], d1[33];
	static char b[1024];
	aiot_hex_encode(tid, 16, t);
	aiot_hex_encode(rand_n, 16, n);
	aiot_hex_encode(rand_d[0], 16, d0);
	aiot_hex_encode(rand_d[1], 16, d1);
	snprintf(b, sizeof b,
	         "{\"%s\":{\"%s\":\"%s\"},%s\"randN\":\"%s\",\"randDlist\":[\"%s\",\"%s\"]}",
	         AIOT_VENDOR_EXT, AIOT_VENDOR_TID, t, extra, n, d0, d1);
	return b;
}

static unsigned long long xres_total(void)
{
	char *m = adm_metrics(the_adm);
	const char *p = strstr(m, "\naiot_adm_xres_total ");
	unsigned long long v = p ? strtoull(p + 21, NULL, 10) : ~0ull;
	free(m);
	return v;
}

/* The answer names dev[k] and carries its XRES for both RAND_d, and echoes the T-ID. */
static void expect_device(const cJSON *j, int k, const uint8_t tid[16])
{
	aiot_backend *be = aiot_backend_openssl_new();
	char id[AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 1], x[33], t[33];
	assert_non_null(be);
	aiot_b64_encode(dev[k].perm_id, dev[k].perm_id_len, id);
	const cJSON *sets = cJSON_GetObjectItem(j, "authDataSets");
	assert_int_equal(cJSON_GetArraySize(sets), 2);
	for (int i = 0; i < 2; i++) {
		uint8_t xres[16];
		const cJSON *ads = cJSON_GetObjectItem(cJSON_GetArrayItem(sets, i), "authDataSet");
		assert_int_equal(cJSON_GetArraySize(ads), 1); /* one device, never a scan */
		const cJSON *ad = cJSON_GetArrayItem(ads, 0);
		assert_int_equal(aiot_derive_res(be, dev[k].suite, dev[k].key, dev[k].key_len,
		                                 rand_n, rand_d[i], 64, xres),
		                 0);
		aiot_hex_encode(xres, 8, x);
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ad, "xres")), x);
		assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ad, "aiotDevPermId")),
		                    id);
	}
	aiot_hex_encode(tid, 16, t);
	const cJSON *ext = cJSON_GetObjectItem(j, AIOT_VENDOR_EXT);
	assert_string_equal(cJSON_GetStringValue(cJSON_GetObjectItem(ext, AIOT_VENDOR_TID)), t);
	aiot_backend_openssl_free(be);
}

static void test_current(void **state)
{
	cJSON *j;
	(void)state;
	unsigned long long x0 = xres_total();
	assert_int_equal(post(tid_body(tids[0], ""), &j), 200);
	expect_device(j, 0, tids[0]);
	cJSON_Delete(j);
	assert_int_equal(post(tid_body(tids[1], ""), &j), 200);
	expect_device(j, 1, tids[1]);
	cJSON_Delete(j);
	assert_int_equal(xres_total() - x0, 4); /* 2 RAND_d x 1 device, twice */
}

static void test_previous(void **state)
{
	cJSON *j;
	(void)state;
	assert_int_equal(post(tid_body(tids[2], ""), &j), 200);
	expect_device(j, 1, tids[2]); /* the device still using its previous T-ID */
	cJSON_Delete(j);
}

static void test_unknown(void **state)
{
	cJSON *j;
	uint8_t nobody[16];
	(void)state;
	assert_int_equal(RAND_bytes(nobody, 16), 1);
	unsigned long long x0 = xres_total();
	assert_int_equal(post(tid_body(nobody, ""), &j), 404);
	assert_int_equal(cJSON_GetObjectItem(j, "status")->valueint, 404); /* ProblemDetails */
	cJSON_Delete(j);
	/* A known T-ID outside the group paged (filteringInfo) is unknown too. */
	char f[64];
	snprintf(f, sizeof f, "\"filteringInfo\":\"%s\",", "Z3JwMg=="); /* "grp2" */
	assert_int_equal(post(tid_body(tids[0], f), &j), 404);
	cJSON_Delete(j);
	snprintf(f, sizeof f, "\"filteringInfo\":\"%s\",", "Z3JwMQ=="); /* "grp1" */
	assert_int_equal(post(tid_body(tids[0], f), &j), 200);
	cJSON_Delete(j);
	assert_int_equal(xres_total() - x0, 2); /* only the last one computed anything */
}

static void test_malformed(void **state)
{
	cJSON *j;
	char id[AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 1], f[128];
	(void)state;
	aiot_b64_encode(dev[0].perm_id, dev[0].perm_id_len, id);
	snprintf(f, sizeof f, "\"aiotDevPermId\":\"%s\",", id);
	assert_int_equal(post(tid_body(tids[0], f), &j), 400); /* T-ID and permanent ID */
	cJSON_Delete(j);
	char b[256];
	snprintf(b, sizeof b, "{\"%s\":[],\"randN\":\"%032d\",\"randDlist\":[\"%032d\"]}",
	         AIOT_VENDOR_EXT, 0, 0);
	assert_int_equal(post(b, &j), 400); /* the extension is an object */
	cJSON_Delete(j);
	snprintf(b, sizeof b,
	         "{\"%s\":{\"%s\":\"abcd\"},\"randN\":\"%032d\",\"randDlist\":[\"%032d\"]}",
	         AIOT_VENDOR_EXT, AIOT_VENDOR_TID, 0, 0);
	assert_int_equal(post(b, &j), 400); /* 16 octets */
	cJSON_Delete(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_current),
	    cmocka_unit_test(test_previous),
	    cmocka_unit_test(test_unknown),
	    cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
