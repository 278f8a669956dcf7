/* SPDX-License-Identifier: Apache-2.0 */
/* Shared by the unit tests that open a real SQLite store in a temporary directory. */
#ifndef AIOT_TEST_STORE_UTIL_H
#define AIOT_TEST_STORE_UTIL_H

#include <stdio.h>
#include <unistd.h>

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
