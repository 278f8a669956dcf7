/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ADM's get-doa-authentication (nadm_sec_doa.c) on a real SQLite store whose commits the
 * test can hold (a wrapper of the SQLite backend): the answer's MAC_N and XRES_D against the
 * derivations, with P2 the identifier as sent (a T-ID, current or previous, or the permanent
 * ID); the device's session left alone (K_AIOTF stays get-session-key's); 404, 403 and the
 * 400s as ProblemDetails; and two concurrent requests with one RAND_d, both decided while
 * the first write is still uncommitted: the compare-and-set lets exactly one through.
 */
#include <pthread.h>
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
#include "crypto/backend_openssl.h"
#include "crypto/kdf.h"
#include "store/store_backend.h"
#include "test_store_util.h"

#define DOA "/nadm-sec/v1/get-doa-authentication"
#define JSON "application/json"

static char dir[64], db[128];
static uint8_t kek[32];
/* 0: 3gpp RES 64; 1: aes RES 32; 2: 3gpp 256-bit key RES 128 with a T-ID. */
static aiot_dev_record dev[3];
static char id64[3][AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 1];
static aiot_store *store;
static adm *the_adm;
static sbi_server *srv;
static aiot_backend *be;

#include "test_adm_util.h" /* uses the_adm and srv */

/* ---- the SQLite backend, with commits the test can hold --------------------------------- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int hold, in_commit;
} held = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0};

static int held_commit(void *b, const aiot_store_change *ch, size_t n, int *res, char *err,
                       size_t errlen)
{
	pthread_mutex_lock(&held.lock);
	held.in_commit = 1;
	pthread_cond_broadcast(&held.cond);
	while (held.hold)
		pthread_cond_wait(&held.cond, &held.lock);
	held.in_commit = 0;
	pthread_mutex_unlock(&held.lock);
	return aiot_store_backend_sqlite.commit(b, ch, n, res, err, errlen);
}

static aiot_store_backend held_sqlite;

static int setup(void **state)
{
	char err[256];
	(void)state;
	held_sqlite = aiot_store_backend_sqlite;
	held_sqlite.commit = held_commit;
	snprintf(dir, sizeof dir, "/tmp/aiot-adm-doa-XXXXXX");
	if (mkdtemp(dir) == NULL || RAND_bytes(kek, 32) != 1 ||
	    (be = aiot_backend_openssl_new()) == NULL)
		return -1;
	for (int i = 0; i < 3; i++) {
		aiot_dev_record *r = &dev[i];
		r->perm_id_len = (uint8_t)(9 + i); /* P2 lengths 9, 10, 11 */
		memcpy(r->perm_id, "DOA0", 4);
		memset(r->perm_id + 4, 0x50 + i, r->perm_id_len - 4u);
		r->key_len = i == 2 ? 32 : 16;
		if (RAND_bytes(r->key, r->key_len) != 1)
			return -1;
		r->suite = i == 1 ? AIOT_SUITE_AES : AIOT_SUITE_3GPP;
		r->res_bits = i == 1 ? 32 : i == 2 ? 128 : 64;
		snprintf(r->group, sizeof r->group, "doa");
		aiot_b64_encode(r->perm_id, r->perm_id_len, id64[i]);
	}
	dev[2].privacy = dev[2].has_tid = 1;
	if (RAND_bytes(dev[2].tid, 16) != 1)
		return -1;
	snprintf(db, sizeof db, "%s/devices.db", dir);
	if ((store = aiot_store_open_backend(&held_sqlite, db, kek, 1, err, sizeof err)) == NULL ||
	    aiot_store_insert(store, dev, 3, err, sizeof err) != 0 ||
	    (the_adm = adm_new(store, 2, NULL, NULL, err, sizeof err)) == NULL) {
		fprintf(stderr, "setup: %s\n", err);
		return -1;
	}
	sbi_server_cfg cfg = {
	    .listen = "127.0.0.1:0", .workers = 2, .handler = adm_handle, .app = the_adm};
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
	char p[160];
	snprintf(p, sizeof p, "%s.lock", db);
	unlink(p);
	rmdir(dir);
	return 0;
}

/* ---- helpers ---------------------------------------------------------------------------- */

/* {"tid":...} (tid != NULL) or {"aiotDevPermId":...} of dev[k], with randD. */
static char *body(int k, const uint8_t *tid, const uint8_t rand_d[16])
{
	static char b[256];
	if (tid != NULL)
		fmt(b, sizeof b, "{\"tid\":\"%s\",\"randD\":\"%s\"}", hex16(tid), hex16(rand_d));
	else
		fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\",\"randD\":\"%s\"}", id64[k],
		    hex16(rand_d));
	return b;
}

/* A 200 for dev[k] whose macN and xresD are the derivations with P2 = p2. Frees a. */
static void expect_doa(answer a, int k, const uint8_t rand_d[16], const uint8_t *p2, size_t p2len)
{
	const aiot_dev_record *r = &dev[k];
	uint8_t rn[16], mac[AIOT_MACN_LEN], xres[16];
	char hex[33];
	assert_int_equal(a.status, 200);
	assert_string_equal(str(a.j, "aiotDevPermId"), id64[k]);
	assert_int_equal(aiot_hex_decode(str(a.j, "randN"), 32, rn, 16), 16);
	assert_int_equal(
	    aiot_derive_macn(be, r->suite, r->key, r->key_len, rn, rand_d, p2, p2len, mac), 0);
	aiot_hex_encode(mac, sizeof mac, hex);
	assert_string_equal(str(a.j, "macN"), hex);
	assert_int_equal(aiot_derive_resd(be, r->suite, r->key, r->key_len, rn, rand_d, p2, p2len,
	                                  r->res_bits, xres),
	                 0);
	aiot_hex_encode(xres, r->res_bits / 8u, hex);
	assert_string_equal(str(a.j, "xresD"), hex);
	cJSON_Delete(a.j);
}

static void fresh(uint8_t rand_d[16])
{
	assert_int_equal(RAND_bytes(rand_d, 16), 1);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_doa_by_perm_id(void **state)
{
	uint8_t rd[16];
	aiot_dev_record r;
	(void)state;
	for (int k = 0; k < 2; k++) {
		fresh(rd);
		expect_doa(served("POST", DOA, JSON, body(k, NULL, rd)), k, rd, dev[k].perm_id,
		           dev[k].perm_id_len);
	}
	/* An unauthenticated request leaves the device's session alone. */
	assert_int_equal(aiot_store_get(store, dev[0].perm_id, dev[0].perm_id_len, &r), 0);
	assert_int_equal(r.has_session, 0);
	assert_int_equal(r.doa_n, 1);
}

static void test_doa_by_tid(void **state)
{
	uint8_t rd[16], t1[16];
	(void)state;
	fresh(rd);
	expect_doa(served("POST", DOA, JSON, body(2, dev[2].tid, rd)), 2, rd, dev[2].tid, 16);
	/* After a rotation the previous T-ID still finds the device, and is P2 as sent. */
	fresh(t1);
	assert_int_equal(aiot_store_set_tid(store, dev[2].perm_id, dev[2].perm_id_len, NULL, t1,
	                                    AIOT_TID_STORED, NULL, NULL),
	                 0);
	aiot_store_flush(store);
	fresh(rd);
	expect_doa(served("POST", DOA, JSON, body(2, dev[2].tid, rd)), 2, rd, dev[2].tid, 16);
	fresh(rd);
	expect_doa(served("POST", DOA, JSON, body(2, t1, rd)), 2, rd, t1, 16);
	memcpy(dev[2].tid, t1, 16);
}

static void test_doa_refusals(void **state)
{
	uint8_t rd[16], nobody[16];
	char b[256];
	(void)state;
	fresh(rd);
	fresh(nobody);
	answer a = served("POST", DOA, JSON, body(0, NULL, rd));
	assert_int_equal(a.status, 200);
	cJSON_Delete(a.j);
	problem(direct("POST", DOA, NULL, JSON, body(0, NULL, rd)), 403, "AUTHENTICATION_REJECTED");
	problem(direct("POST", DOA, NULL, JSON, body(0, nobody, rd)), 404, NULL);
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"AAAA\",\"randD\":\"%s\"}", hex16(rd));
	problem(direct("POST", DOA, NULL, JSON, b), 404, NULL);
	fmt(b, sizeof b, "{\"randD\":\"%s\"}", hex16(rd));
	problem(direct("POST", DOA, NULL, JSON, b), 400, "MANDATORY_IE_MISSING");
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\",\"tid\":\"%s\",\"randD\":\"%s\"}", id64[2],
	    hex16(dev[2].tid), hex16(rd));
	problem(direct("POST", DOA, NULL, JSON, b), 400, "OPTIONAL_IE_INCORRECT");
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\"}", id64[0]);
	problem(direct("POST", DOA, NULL, JSON, b), 400, "MANDATORY_IE_MISSING");
	fmt(b, sizeof b, "{\"tid\":\"%s\",\"randD\":\"%s\"}", "00", hex16(rd));
	problem(direct("POST", DOA, NULL, JSON, b), 400, "OPTIONAL_IE_INCORRECT");
	fmt(b, sizeof b, "{\"aiotDevPermId\":\"%s\",\"randD\":\"%.31s\"}", id64[0], hex16(rd));
	problem(direct("POST", DOA, NULL, JSON, b), 400, "MANDATORY_IE_INCORRECT");
	problem(direct("POST", DOA, NULL, JSON, "[]"), 400, NULL);
	problem(direct("POST", DOA, NULL, "text/plain", body(0, NULL, rd)), 415, NULL);
}

struct call {
	pthread_t th;
	const char *body;
	answer a;
};

static void *call_main(void *arg)
{
	struct call *c = arg;
	c->a = served("POST", DOA, JSON, c->body);
	return NULL;
}

static unsigned long long doa_requests(void)
{
	char *m = adm_metrics(the_adm), *p = strstr(m, "\naiot_adm_doa_requests_total ");
	unsigned long long n = p ? strtoull(p + 29, NULL, 10) : 0;
	free(m);
	return n;
}

/* Two requests with one RAND_d for one device, both decided while no write can commit (the
 * window cannot show the RAND_d to either): both queue their write, and the compare-and-set
 * lets one through; the other decides again on the committed window and is refused. */
static void test_doa_concurrent_cas(void **state)
{
	static const uint8_t gate_rn[16] = {1};
	uint8_t rd[16];
	char b[256];
	struct call c[2];
	(void)state;
	fresh(rd);
	fmt(b, sizeof b, "%s", body(1, NULL, rd));
	pthread_mutex_lock(&held.lock);
	held.hold = 1;
	pthread_mutex_unlock(&held.lock);
	assert_int_equal(aiot_store_set_session(store, dev[0].perm_id, dev[0].perm_id_len, gate_rn,
	                                        gate_rn, NULL, NULL),
	                 0);
	pthread_mutex_lock(&held.lock);
	while (!held.in_commit)
		pthread_cond_wait(&held.cond, &held.lock);
	pthread_mutex_unlock(&held.lock);
	unsigned long long before = doa_requests();
	for (int i = 0; i < 2; i++) {
		c[i].body = b;
		assert_int_equal(pthread_create(&c[i].th, NULL, call_main, &c[i]), 0);
	}
	for (int t = 0; t < 1000 && doa_requests() < before + 2; t++)
		usleep(5000);
	assert_int_equal(doa_requests(), before + 2);
	usleep(200000); /* both decided and queued (they cannot be answered before the release) */
	pthread_mutex_lock(&held.lock);
	held.hold = 0;
	pthread_cond_broadcast(&held.cond);
	pthread_mutex_unlock(&held.lock);
	for (int i = 0; i < 2; i++)
		pthread_join(c[i].th, NULL);
	int ok = c[0].a.status == 200 ? 0 : 1;
	expect_doa(c[ok].a, 1, rd, dev[1].perm_id, dev[1].perm_id_len);
	assert_int_equal(c[1 - ok].a.status, 403); /* served(): no content type to check */
	assert_string_equal(str(c[1 - ok].a.j, "cause"), "AUTHENTICATION_REJECTED");
	cJSON_Delete(c[1 - ok].a.j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_doa_by_perm_id),
	    cmocka_unit_test(test_doa_by_tid),
	    cmocka_unit_test(test_doa_refusals),
	    cmocka_unit_test(test_doa_concurrent_cas),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
