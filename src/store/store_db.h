/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device store's SQLite persistence (store_sqlite.c), internal to src/store.
 * A connection is not thread-safe: store.c serialises every call with its database mutex.
 *
 * Durability: WAL with synchronous=NORMAL. A committed transaction is in the WAL file when
 * COMMIT returns, so it survives the process being killed (kill -9, crash); the WAL is not
 * fsynced on every commit, so the last transactions before a power loss or kernel crash may
 * be lost (never corrupted). This is the documented SQLite trade-off for WAL/NORMAL.
 */
#ifndef AIOT_STORE_DB_H
#define AIOT_STORE_DB_H
#include <stddef.h>
#include <stdint.h>

#include "keywrap.h"
#include "store.h"

#define AIOT_STORE_SCHEMA_VERSION 1

typedef struct aiot_db aiot_db;

/* Opens (and with create, makes) the database at path, sets WAL / synchronous=NORMAL /
 * busy_timeout, creates or checks the schema, and checks the KEK against the stored check
 * value. NULL with a message in err on failure. */
aiot_db *aiot_db_open(const char *path, int create, aiot_keywrap *kw, char *err, size_t errlen);
void aiot_db_close(aiot_db *db);

/* Number of device rows, or a negative AIOT_ERR_*. */
long long aiot_db_count(aiot_db *db);

/* Calls row(arg, rec, profile_json) for every device, keys decrypted. The record is
 * zeroised after each call. Fails (naming the rows) if any key does not authenticate. */
typedef int (*aiot_db_row_fn)(void *arg, const aiot_dev_record *rec, const char *profile_json);
int aiot_db_load(aiot_db *db, aiot_keywrap *kw, aiot_db_row_fn row, void *arg, char *err,
                 size_t errlen);

/* Inserts n devices in one transaction; nothing is inserted on any failure.
 * AIOT_ERR_INVAL for a permanent ID that already exists (named in err). */
int aiot_db_insert(aiot_db *db, aiot_keywrap *kw, const aiot_dev_record *recs, size_t n, char *err,
                   size_t errlen);

/* Group commit by the writer thread: begin, any number of updates, commit (or rollback). */
int aiot_db_begin(aiot_db *db);
int aiot_db_commit(aiot_db *db);
void aiot_db_rollback(aiot_db *db);
int aiot_db_update_tid(aiot_db *db, const uint8_t *perm_id, size_t len, const uint8_t *tid,
                       const uint8_t *tid_prev, aiot_tid_type type);
int aiot_db_update_session(aiot_db *db, const uint8_t *perm_id, size_t len,
                           const uint8_t rand_n[16], const uint8_t rand_d[16]);
int aiot_db_update_profile(aiot_db *db, const uint8_t *perm_id, size_t len, const char *json);
/* The last SQLite error message of the connection. */
const char *aiot_db_errmsg(aiot_db *db);

#endif
