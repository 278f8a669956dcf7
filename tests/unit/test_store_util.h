/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the unit tests that open a real store: SQLite in a temporary directory, or, when
 * AIOT_TEST_STORE_URL is set (tests/integration/store_redis.sh), the Redis Cluster there.
 * Include after cmocka.h. */
#ifndef AIOT_TEST_STORE_UTIL_H
#define AIOT_TEST_STORE_UTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/store.h"

/* The Redis Cluster URL the store tests run against, or NULL (SQLite). */
static inline const char *test_store_redis(void)
{
	const char *u = getenv("AIOT_TEST_STORE_URL");
	return u != NULL && *u != '\0' ? u : NULL;
}

/* The store URI of a test: sqlite:DB, or the cluster under a namespace of this test alone
 * (remove it with aiot_store_remove). */
static inline void test_store_uri(const char *db, char *uri, size_t cap)
{
	static unsigned seq;
	const char *u = test_store_redis();
	if (u == NULL)
		snprintf(uri, cap, "sqlite:%s", db);
	else
		snprintf(uri, cap, "%s%cns=t%ld-%u", u, strchr(u, '?') ? '&' : '?', (long)getpid(),
		         seq++);
}

/* The store at uri, or the test fails with the store's message. */
static inline aiot_store *test_store_open(const char *uri, const uint8_t kek[32], int create)
{
	char err[256] = "";
	aiot_store *s = aiot_store_open(uri, kek, create, err, sizeof err);
	if (s == NULL)
		fail_msg("open: %s", err);
	return s;
}

/* Tests of SQLite's files only. */
#define SKIP_ON_REDIS()                                                                            \
	do {                                                                                       \
		if (test_store_redis() != NULL)                                                    \
			skip();                                                                    \
	} while (0)

/* Remove the database at db and the files SQLite keeps beside it. */
static inline void test_sqlite_remove(const char *db)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
	char p[256];
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++) {
		snprintf(p, sizeof p, "%s%s", db, sfx[i]);
		unlink(p);
	}
}

#endif
