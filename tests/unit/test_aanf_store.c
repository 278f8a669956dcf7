/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AAnF's contexts (src/aanf): the in-memory index (find by A-KID and by SUPI, replace by
 * either, delete, growth past its first buckets), and the load from a real kvs store: two
 * records of one SUPI (a crash between register-anchorkey's two writes) resolve to the newer
 * and the older is deleted from the store; a record whose SUPI was altered at rest is refused.
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

#include "aanf/aanf.h"
#include "aanf/aanf_index.h"
#include "common/aiot_err.h"
#include "crypto/sha256.h"
#include "store/kvs.h"

static char dir[64], uri[160];
static const uint8_t kek[32] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_aanf.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(uri, sizeof uri, "sqlite:%s/aanf.db", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	return 0;
}

static void test_index(void **state)
{
	aanf_index x;
	uint8_t k[32] = {1};
	char akid[64], supi[32];
	(void)state;
	assert_int_equal(aanf_index_init(&x), 0);
	for (int i = 0; i < 1000; i++) { /* past the first 64 buckets: grows */
		snprintf(akid, sizeof akid, "%d.aa@5gc", i);
		snprintf(supi, sizeof supi, "imsi-00101%09d", i);
		k[1] = (uint8_t)i;
		assert_int_equal(aanf_index_put(&x, akid, supi, k, (uint64_t)i), AIOT_OK);
	}
	assert_int_equal(x.n, 1000);
	const aanf_ctx *c = aanf_index_by_akid(&x, "517.aa@5gc");
	assert_non_null(c);
	assert_string_equal(c->supi, "imsi-00101000000517");
	assert_int_equal(c->kakma[1], 517 & 0xff);
	assert_ptr_equal(aanf_index_by_supi(&x, "imsi-00101000000517"), c);
	/* The same SUPI under a new A-KID replaces the old context. */
	assert_int_equal(aanf_index_put(&x, "new@5gc", "imsi-00101000000517", k, 2000), AIOT_OK);
	assert_null(aanf_index_by_akid(&x, "517.aa@5gc"));
	assert_string_equal(aanf_index_by_supi(&x, "imsi-00101000000517")->akid, "new@5gc");
	/* The same A-KID with another SUPI too. */
	assert_int_equal(aanf_index_put(&x, "new@5gc", "imsi-other", k, 2001), AIOT_OK);
	assert_null(aanf_index_by_supi(&x, "imsi-00101000000517"));
	assert_int_equal(x.n, 1000);
	assert_int_equal(aanf_index_del(&x, "new@5gc"), AIOT_OK);
	assert_int_equal(aanf_index_del(&x, "new@5gc"), AIOT_ERR_UNKNOWN);
	assert_null(aanf_index_by_supi(&x, "imsi-other"));
	assert_int_equal(x.n, 999);
	aanf_index_clear(&x);
}

#define AKID_OLD "1.0a@5gc.mnc001.mcc001.3gppnetwork.org"
#define AKID_NEW "2.0b@5gc.mnc001.mcc001.3gppnetwork.org"

static void put(aiot_kvs *s, const char *akid, const char *supi, int seq, uint8_t fill)
{
	uint8_t secret[64];
	char meta[128];
	memset(secret, fill, 32);
	aiot_sha256((const uint8_t *)supi, strlen(supi), secret + 32);
	snprintf(meta, sizeof meta, "{\"supi\":\"%s\",\"seq\":%d}", supi, seq);
	assert_int_equal(aiot_kvs_put(s, akid, meta, secret, sizeof secret), AIOT_OK);
}

static aanf *open_aanf(char *err, size_t errlen)
{
	aanf_cfg cfg = {.store_uri = uri, .kek = kek, .kaf_lifetime_s = 60};
	return aanf_new(&cfg, err, errlen);
}

static void test_load_keeps_newest(void **state)
{
	char err[256];
	(void)state;
	aiot_kvs *s = aiot_kvs_open(uri, "akma_contexts", kek, 1, err, sizeof err);
	assert_non_null(s);
	/* foreach walks in id order: SUPI 1's older record comes first, SUPI 3's newer one. */
	put(s, AKID_NEW, "imsi-001010000000001", 7, 0xbb);
	put(s, AKID_OLD, "imsi-001010000000001", 3, 0xaa);
	put(s, "3.0c@5gc.mnc001.mcc001.3gppnetwork.org", "imsi-001010000000002", 1, 0xcc);
	put(s, "4.0d@5gc.mnc001.mcc001.3gppnetwork.org", "imsi-001010000000003", 9, 0xdd);
	put(s, "5.0e@5gc.mnc001.mcc001.3gppnetwork.org", "imsi-001010000000003", 2, 0xee);
	aiot_kvs_close(s);

	aanf *a = open_aanf(err, sizeof err);
	assert_non_null(a);
	assert_int_equal(aanf_contexts(a), 3);
	aanf_free(a);
	s = aiot_kvs_open(uri, "akma_contexts", kek, 0, err, sizeof err);
	assert_non_null(s);
	assert_int_equal(aiot_kvs_get(s, AKID_OLD, NULL, NULL, NULL), AIOT_ERR_NOTFOUND);
	uint8_t secret[64];
	size_t len = 0;
	assert_int_equal(aiot_kvs_get(s, AKID_NEW, NULL, secret, &len), AIOT_OK);
	assert_int_equal(secret[0], 0xbb);
	assert_int_equal(
	    aiot_kvs_get(s, "5.0e@5gc.mnc001.mcc001.3gppnetwork.org", NULL, NULL, NULL),
	    AIOT_ERR_NOTFOUND);
	assert_int_equal(
	    aiot_kvs_get(s, "4.0d@5gc.mnc001.mcc001.3gppnetwork.org", NULL, NULL, NULL), AIOT_OK);
	aiot_kvs_close(s);
}

static void test_load_refuses_altered_supi(void **state)
{
	char err[256];
	(void)state;
	aiot_kvs *s = aiot_kvs_open(uri, "akma_contexts", kek, 1, err, sizeof err);
	assert_non_null(s);
	put(s, AKID_OLD, "imsi-001010000000001", 1, 0xaa);
	assert_int_equal(
	    aiot_kvs_set_meta(s, AKID_OLD, "{\"supi\":\"imsi-001019999999999\",\"seq\":1}"),
	    AIOT_OK);
	aiot_kvs_close(s);
	assert_null(open_aanf(err, sizeof err));
	assert_non_null(strstr(err, "SUPI altered at rest"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_index),
	    cmocka_unit_test_setup_teardown(test_load_keeps_newest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_load_refuses_altered_supi, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
