/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The DO-A RAND_d window of the device store on real SQLite (store.h aiot_store_add_doa_rand):
 * the last AIOT_DOA_WINDOW RAND_d of a device are kept in order and the oldest leaves; the
 * window survives a close and reopen (an ADM restart); a version 1 store (before the window
 * existed) is migrated at open, once its KEK is proven, and then keeps a window like a new
 * one. The compare-and-set under concurrency is test_store_backend.c's test_doa_rand_cas.
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
#include "store/store.h"
#include "test_store_util.h"

static char dir[64], db_path[128], uri[512];
static const uint8_t kek[32] = {0x5A, 1, 2, 3};

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/aiot-store-doa-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(db_path, sizeof db_path, "%s/devices.db", dir);
	test_store_uri(db_path, uri, sizeof uri);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char p[192];
	test_sqlite_remove(db_path);
	if (test_store_redis() != NULL)
		aiot_store_remove(uri);
	snprintf(p, sizeof p, "%s.lock", db_path);
	unlink(p);
	rmdir(dir);
	return 0;
}

static aiot_store *open_store(int create)
{
	return test_store_open(uri, kek, create);
}

static aiot_dev_record dev;

static aiot_store *provision(void)
{
	char err[256];
	memset(&dev, 0, sizeof dev);
	dev.perm_id_len = 12;
	memcpy(dev.perm_id,
	       "\xD0\xA0\x00\x01"
	       "devicedo",
	       12);
	dev.suite = AIOT_SUITE_3GPP;
	dev.key_len = 16;
	memset(dev.key, 0x4B, 16);
	dev.res_bits = 64;
	snprintf(dev.group, sizeof dev.group, "doa");
	aiot_store *s = open_store(1);
	assert_int_equal(aiot_store_insert(s, &dev, 1, err, sizeof err), AIOT_OK);
	return s;
}

static int last_rc;
static void done(void *arg, int rc)
{
	(void)arg;
	last_rc = rc;
}

/* Adds RAND_d number i (16 bytes of i) and returns the outcome. */
static int add(aiot_store *s, uint8_t i)
{
	uint8_t d[16];
	memset(d, i, 16);
	last_rc = -100;
	assert_int_equal(aiot_store_add_doa_rand(s, dev.perm_id, 12, d, done, NULL), AIOT_OK);
	aiot_store_flush(s);
	return last_rc;
}

/* The window as read back: RAND_d first..first+n-1, oldest first. */
static void assert_window(aiot_store *s, uint8_t first, uint8_t n)
{
	aiot_dev_record r;
	uint8_t d[16];
	assert_int_equal(aiot_store_get(s, dev.perm_id, 12, &r), AIOT_OK);
	assert_int_equal(r.doa_n, n);
	for (uint8_t k = 0; k < n; k++) {
		memset(d, first + k, 16);
		assert_memory_equal(r.doa_rand_d[k], d, 16);
		assert_true(aiot_store_doa_seen(&r, d));
	}
	memset(d, first + n, 16);
	assert_false(aiot_store_doa_seen(&r, d));
}

/* Ten exchanges: the window keeps the last eight; the two oldest are new again, a kept one is
 * refused; all of it after a restart too. */
static void test_window_and_restart(void **state)
{
	(void)state;
	aiot_store *s = provision();
	for (uint8_t i = 1; i <= 10; i++)
		assert_int_equal(add(s, i), AIOT_OK);
	assert_window(s, 3, AIOT_DOA_WINDOW);
	assert_int_equal(add(s, 3), AIOT_STORE_CHANGED);
	assert_int_equal(add(s, 10), AIOT_STORE_CHANGED);
	aiot_store_close(s);
	s = open_store(0); /* the ADM restarted */
	assert_window(s, 3, AIOT_DOA_WINDOW);
	assert_int_equal(add(s, 10), AIOT_STORE_CHANGED);
	assert_int_equal(add(s, 5), AIOT_STORE_CHANGED);
	assert_int_equal(add(s, 2), AIOT_OK); /* left the window: usable again */
	aiot_store_close(s);
	s = open_store(0);
	aiot_dev_record r;
	uint8_t d[16];
	assert_int_equal(aiot_store_get(s, dev.perm_id, 12, &r), AIOT_OK);
	memset(d, 2, 16);
	assert_memory_equal(r.doa_rand_d[AIOT_DOA_WINDOW - 1], d, 16);
	memset(d, 3, 16);
	assert_false(aiot_store_doa_seen(&r, d)); /* the oldest left for it */
	aiot_store_close(s);
}

/* A store written before the window existed (schema version 1, no column) is migrated at
 * open, only with the right KEK, and then keeps windows. */
static void test_migrate_v1(void **state)
{
	(void)state;
	SKIP_ON_REDIS();
	sqlite3 *db;
	char err[256] = "";
	aiot_store *s = provision();
	aiot_store_close(s);
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
	                              "ALTER TABLE devices DROP COLUMN doa_rand_d;"
	                              "UPDATE schema_version SET version=1",
	                              NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	uint8_t wrong[32] = {1};
	assert_null(aiot_store_open(uri, wrong, 0, err, sizeof err));
	assert_non_null(strstr(err, "wrong key-encryption key"));
	s = open_store(0);
	assert_window(s, 1, 0);
	assert_int_equal(add(s, 1), AIOT_OK);
	aiot_store_close(s);
	s = open_store(0);
	assert_window(s, 1, 1);
	aiot_store_close(s);
	/* A version this build does not know is refused, not guessed at. */
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE schema_version SET version=3", NULL, NULL, NULL),
	                 SQLITE_OK);
	sqlite3_close(db);
	assert_null(aiot_store_open(uri, kek, 0, err, sizeof err));
	assert_non_null(strstr(err, "schema version 3 is not supported"));
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_window_and_restart),
	    T(test_migrate_v1),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
