/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed records (store/kvs.h) on a real SQLite file: put/get/replace/set_meta/delete,
 * persistence across reopen, the KEK check at open, no secret in the clear in the files,
 * a blob moved to another id or table refused, the one-process lock, bad arguments.
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

#include <sqlite3.h>

#include "common/aiot_err.h"
#include "store/kvs.h"
#include "test_store_util.h"

static char dir[64], db_path[128], uri[160];
static const uint8_t kek[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                                17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
static const uint8_t secret1[16] = {0xde, 0xad, 0xbe, 0xef, 0x5e, 0xc4, 0xe7, 0x01,
                                    0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09};

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/test_kvs.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(db_path, sizeof db_path, "%s/kvs.db", dir);
	snprintf(uri, sizeof uri, "sqlite:%s", db_path);
	return 0;
}

static int teardown(void **state)
{
	char lock[160];
	(void)state;
	test_sqlite_remove(db_path);
	snprintf(lock, sizeof lock, "%s.lock", db_path);
	unlink(lock);
	rmdir(dir);
	return 0;
}

static aiot_kvs *open_ok(const char *table, int create)
{
	char err[256] = "";
	aiot_kvs *s = aiot_kvs_open(uri, table, kek, create, err, sizeof err);
	if (s == NULL)
		fail_msg("open: %s", err);
	return s;
}

static void test_roundtrip_and_reopen(void **state)
{
	uint8_t got[AIOT_KVS_SECRET_MAX];
	size_t len = 0;
	char *meta = NULL, err[256];
	(void)state;

	/* No file and no create: refused with a message, nothing made. */
	assert_null(aiot_kvs_open(uri, "subs", kek, 0, err, sizeof err));
	assert_non_null(strstr(err, "does not exist"));
	assert_int_equal(access(db_path, F_OK), -1);

	aiot_kvs *s = open_ok("subs", 1);
	assert_int_equal(aiot_kvs_get(s, "imsi-1", &meta, got, &len), AIOT_ERR_NOTFOUND);
	assert_int_equal(aiot_kvs_put(s, "imsi-1", "{\"sqn\":1}", secret1, sizeof secret1),
	                 AIOT_OK);
	assert_int_equal(aiot_kvs_get(s, "imsi-1", &meta, got, &len), AIOT_OK);
	assert_int_equal(len, sizeof secret1);
	assert_memory_equal(got, secret1, sizeof secret1);
	assert_string_equal(meta, "{\"sqn\":1}");
	free(meta);
	assert_int_equal(aiot_kvs_set_meta(s, "imsi-1", "{\"sqn\":2}"), AIOT_OK);
	assert_int_equal(aiot_kvs_set_meta(s, "imsi-2", "{}"), AIOT_ERR_NOTFOUND);
	/* Replace keeps one record with the new secret. */
	uint8_t secret2[32];
	memset(secret2, 0x5a, sizeof secret2);
	assert_int_equal(aiot_kvs_put(s, "imsi-2", NULL, secret2, sizeof secret2), AIOT_OK);
	aiot_kvs_close(s);

	s = open_ok("subs", 0);
	assert_int_equal(aiot_kvs_get(s, "imsi-1", &meta, got, &len), AIOT_OK);
	assert_string_equal(meta, "{\"sqn\":2}");
	free(meta);
	assert_int_equal(aiot_kvs_get(s, "imsi-2", &meta, got, &len), AIOT_OK);
	assert_null(meta);
	assert_int_equal(len, sizeof secret2);
	assert_memory_equal(got, secret2, sizeof secret2);
	assert_int_equal(aiot_kvs_delete(s, "imsi-2"), AIOT_OK);
	assert_int_equal(aiot_kvs_delete(s, "imsi-2"), AIOT_ERR_NOTFOUND);
	assert_int_equal(aiot_kvs_get(s, "imsi-2", NULL, got, &len), AIOT_ERR_NOTFOUND);
	aiot_kvs_close(s);
}

static int count_fn(void *arg, const char *id, const char *meta, const uint8_t *secret,
                    size_t secret_len)
{
	(void)meta;
	int *n = arg;
	char want[16];
	snprintf(want, sizeof want, "id%02d", *n);
	assert_string_equal(id, want);
	assert_int_equal(secret_len, 16);
	assert_int_equal(secret[0], *n);
	return ++*n == 7 ? 99 : 0; /* stops the walk */
}

static void test_foreach(void **state)
{
	uint8_t sec[16] = {0};
	char id[16];
	int n = 0;
	(void)state;
	aiot_kvs *s = open_ok("ctx", 1);
	for (int i = 9; i >= 0; i--) {
		sec[0] = (uint8_t)i;
		snprintf(id, sizeof id, "id%02d", i);
		assert_int_equal(aiot_kvs_put(s, id, NULL, sec, sizeof sec), AIOT_OK);
	}
	assert_int_equal(aiot_kvs_foreach(s, count_fn, &n), 99);
	assert_int_equal(n, 7);
	/* The statement was reset: a second walk starts again. */
	n = 0;
	assert_int_equal(aiot_kvs_foreach(s, count_fn, &n), 99);
	aiot_kvs_close(s);
}

/* Wrong KEK: refused at open. The file holds no secret in the clear. */
static void test_kek_and_at_rest(void **state)
{
	uint8_t bad[32];
	char err[256];
	(void)state;
	aiot_kvs *s = open_ok("subs", 1);
	assert_int_equal(aiot_kvs_put(s, "imsi-1", NULL, secret1, sizeof secret1), AIOT_OK);
	aiot_kvs_close(s);

	memcpy(bad, kek, sizeof bad);
	bad[31] ^= 1;
	assert_null(aiot_kvs_open(uri, "subs", bad, 0, err, sizeof err));
	assert_non_null(strstr(err, "wrong key-encryption key"));

	/* Every file SQLite keeps (the WAL holds the pages until a checkpoint). */
	static const char *const sfx[] = {"", "-wal"};
	for (size_t i = 0; i < 2; i++) {
		char p[200];
		snprintf(p, sizeof p, "%s%s", db_path, sfx[i]);
		FILE *f = fopen(p, "rb");
		if (f == NULL)
			continue;
		static uint8_t buf[1 << 20];
		size_t n = fread(buf, 1, sizeof buf, f);
		fclose(f);
		for (size_t j = 0; j + sizeof secret1 <= n; j++)
			assert_true(memcmp(buf + j, secret1, sizeof secret1) != 0);
	}
}

/* A sealed blob copied to another id (or another table) does not open: AAD binds it. */
static void test_moved_blob(void **state)
{
	sqlite3 *db;
	uint8_t got[AIOT_KVS_SECRET_MAX];
	size_t len;
	(void)state;
	aiot_kvs *s = open_ok("subs", 1);
	assert_int_equal(aiot_kvs_put(s, "victim", NULL, secret1, sizeof secret1), AIOT_OK);
	assert_int_equal(aiot_kvs_put(s, "attacker", NULL, secret1 + 8, 8), AIOT_OK);
	aiot_kvs_close(s);
	s = open_ok("other", 1);
	assert_int_equal(aiot_kvs_put(s, "victim", NULL, secret1 + 4, 4), AIOT_OK);
	aiot_kvs_close(s);

	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "UPDATE subs SET secret=(SELECT secret FROM subs WHERE "
	                              "id='victim') WHERE id='attacker';"
	                              "UPDATE other SET secret=(SELECT secret FROM subs WHERE "
	                              "id='victim')",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);

	s = open_ok("subs", 0);
	assert_int_equal(aiot_kvs_get(s, "attacker", NULL, got, &len), AIOT_ERR_MAC);
	assert_int_equal(aiot_kvs_get(s, "victim", NULL, got, &len), AIOT_OK);
	aiot_kvs_close(s);
	s = open_ok("other", 0);
	assert_int_equal(aiot_kvs_get(s, "victim", NULL, got, &len), AIOT_ERR_MAC);
	aiot_kvs_close(s);
}

static void test_lock_and_args(void **state)
{
	char err[256];
	uint8_t big[AIOT_KVS_SECRET_MAX + 1] = {0};
	char long_id[AIOT_KVS_ID_MAX + 2];
	(void)state;
	aiot_kvs *s = open_ok("subs", 1);
	/* One process at a time: a second open is refused while the first holds the lock. */
	assert_null(aiot_kvs_open(uri, "subs", kek, 1, err, sizeof err));
	assert_null(aiot_kvs_open("sqlite:", "subs", kek, 1, err, sizeof err));
	assert_null(aiot_kvs_open(uri, "Bad-Name", kek, 1, err, sizeof err));
	assert_null(aiot_kvs_open(uri, "x\"; DROP TABLE subs; --", kek, 1, err, sizeof err));
	assert_int_equal(aiot_kvs_put(s, "a", NULL, big, sizeof big), AIOT_ERR_INVAL);
	assert_int_equal(aiot_kvs_put(s, "a", NULL, big, 0), AIOT_ERR_INVAL);
	assert_int_equal(aiot_kvs_put(s, "", NULL, big, 1), AIOT_ERR_INVAL);
	memset(long_id, 'a', sizeof long_id - 1);
	long_id[sizeof long_id - 1] = '\0';
	assert_int_equal(aiot_kvs_put(s, long_id, NULL, big, 1), AIOT_ERR_INVAL);
	long_id[AIOT_KVS_ID_MAX] = '\0'; /* exactly the maximum */
	assert_int_equal(aiot_kvs_put(s, long_id, NULL, big, AIOT_KVS_SECRET_MAX), AIOT_OK);
	aiot_kvs_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_roundtrip_and_reopen, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_foreach, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_kek_and_at_rest, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_moved_blob, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lock_and_args, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
