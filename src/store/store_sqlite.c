/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device store's SQLite backend (store_backend.h, scheme "sqlite:PATH"). Every statement
 * is prepared once at open; keys are bound only as AES-256-GCM blobs (keywrap.h), under the
 * KEK the backend holds from open to close. A connection is not thread-safe: the store calls
 * a backend under its backend lock only.
 *
 * Durability: WAL with synchronous=NORMAL. A committed transaction is in the WAL file when
 * COMMIT returns, so it survives the process being killed (kill -9, crash); the WAL is not
 * fsynced on every commit, so the last transactions before a power loss or kernel crash may
 * be lost (never corrupted). This is the documented SQLite trade-off for WAL/NORMAL.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "common/aiot_err.h"
#include "common/hex.h"
#include "keywrap.h"
#include "private_file.h"
#include "store_backend.h"

/* 2: devices.doa_rand_d (the DO-A RAND_d window); a version 1 store is migrated at open. */
#define AIOT_STORE_SCHEMA_VERSION 2

#define BUSY_TIMEOUT_MS 5000
#define PAGE_CACHE_KIB "-65536" /* negative: KiB, not pages */

static const char schema_sql[] = "CREATE TABLE schema_version(version INTEGER NOT NULL);"
                                 "CREATE TABLE meta(name TEXT PRIMARY KEY, value BLOB NOT NULL);"
                                 "CREATE TABLE devices("
                                 " perm_id BLOB PRIMARY KEY,"
                                 " group_name TEXT NOT NULL,"
                                 " suite INT NOT NULL,"
                                 " res_bits INT NOT NULL,"
                                 " privacy INT NOT NULL,"
                                 " key_blob BLOB NOT NULL,"
                                 " tid BLOB,"
                                 " tid_prev BLOB,"
                                 " tid_type INT NOT NULL DEFAULT 0,"
                                 " rand_n BLOB,"
                                 " rand_d BLOB,"
                                 " profile_json TEXT,"
                                 " doa_rand_d BLOB"
                                 ") WITHOUT ROWID;"
                                 "CREATE INDEX devices_tid ON devices(tid);"
                                 "CREATE INDEX devices_tid_prev ON devices(tid_prev);"
                                 "CREATE INDEX devices_group ON devices(group_name);";

typedef struct aiot_db {
	sqlite3 *db;
	aiot_keywrap *kw;
	int lock_fd; /* PATH.lock, flock()ed while open: one process per store */
	sqlite3_stmt *begin, *commit, *rollback, *insert, *upd_tid, *upd_session, *upd_profile,
	    *upd_doa;
} aiot_db;

__attribute__((format(printf, 3, 4))) static void set_err(char *err, size_t errlen, const char *fmt,
                                                          ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? AIOT_OK : AIOT_ERR_STATE;
}

static int prepare(aiot_db *d, const char *sql, sqlite3_stmt **st)
{
	return sqlite3_prepare_v3(d->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK
	           ? AIOT_OK
	           : AIOT_ERR_STATE;
}

/* Runs a statement that returns no row, and resets it. */
static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? AIOT_OK : AIOT_ERR_STATE;
}

/* 1: the schema exists, 0: an empty database, <0: error. */
static int schema_exists(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int rc = AIOT_ERR_STATE;
	if (sqlite3_prepare_v2(db,
	                       "SELECT count(*) FROM sqlite_schema WHERE type='table' AND "
	                       "name='schema_version'",
	                       -1, &st, NULL) != SQLITE_OK)
		goto out;
	if (sqlite3_step(st) == SQLITE_ROW)
		rc = sqlite3_column_int(st, 0) > 0;
out:
	sqlite3_finalize(st);
	return rc;
}

static int create_schema(aiot_db *d, aiot_keywrap *kw, char *err, size_t errlen)
{
	uint8_t check[AIOT_KW_CHECK_LEN];
	sqlite3_stmt *st = NULL;

	if (exec(d->db, "BEGIN IMMEDIATE") != AIOT_OK)
		goto fail_sql;
	int exists = schema_exists(d->db); /* another process may have created it meanwhile */
	if (exists < 0)
		goto fail_sql_rb;
	if (exists) {
		exec(d->db, "ROLLBACK");
		return AIOT_OK;
	}
	if (exec(d->db, schema_sql) != AIOT_OK)
		goto fail_sql_rb;
	if (sqlite3_prepare_v2(d->db, "INSERT INTO schema_version(version) VALUES(?)", -1, &st,
	                       NULL) != SQLITE_OK)
		goto fail_sql_rb;
	sqlite3_bind_int(st, 1, AIOT_STORE_SCHEMA_VERSION);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail_sql_rb;
	sqlite3_finalize(st);
	st = NULL;
	if (aiot_keywrap_check_seal(kw, check) != AIOT_OK) {
		exec(d->db, "ROLLBACK");
		snprintf(err, errlen, "cannot compute the KEK check value");
		return AIOT_ERR_CRYPTO;
	}
	if (sqlite3_prepare_v2(d->db, "INSERT INTO meta(name, value) VALUES('kek_check', ?)", -1,
	                       &st, NULL) != SQLITE_OK)
		goto fail_sql_rb;
	sqlite3_bind_blob(st, 1, check, sizeof check, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		goto fail_sql_rb;
	sqlite3_finalize(st);
	st = NULL;
	if (exec(d->db, "COMMIT") != AIOT_OK)
		goto fail_sql_rb;
	return AIOT_OK;
fail_sql_rb:
	snprintf(err, errlen, "cannot create the schema: %s", sqlite3_errmsg(d->db));
	sqlite3_finalize(st);
	exec(d->db, "ROLLBACK");
	return AIOT_ERR_STATE;
fail_sql:
	snprintf(err, errlen, "cannot create the schema: %s", sqlite3_errmsg(d->db));
	return AIOT_ERR_STATE;
}

/* Version 1 had no DO-A window: the column is added (no device has used DO-A yet). */
static int migrate_v1(aiot_db *d)
{
	if (exec(d->db, "BEGIN IMMEDIATE") != AIOT_OK)
		return AIOT_ERR_STATE;
	if (exec(d->db, "ALTER TABLE devices ADD COLUMN doa_rand_d BLOB;"
	                "UPDATE schema_version SET version=2 WHERE version=1;"
	                "COMMIT") != AIOT_OK) {
		exec(d->db, "ROLLBACK");
		return AIOT_ERR_STATE;
	}
	return AIOT_OK;
}

static int check_schema_and_kek(aiot_db *d, const char *path, aiot_keywrap *kw, char *err,
                                size_t errlen)
{
	sqlite3_stmt *st = NULL;
	int rc = AIOT_ERR_STATE;

	if (sqlite3_prepare_v2(d->db, "SELECT version FROM schema_version", -1, &st, NULL) !=
	        SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		set_err(err, errlen, "%s: no schema version (%s)", path, sqlite3_errmsg(d->db));
		goto out;
	}
	int version = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (version != 1 && version != AIOT_STORE_SCHEMA_VERSION) {
		snprintf(err, errlen, "%s: schema version %d is not supported (this build: %d)",
		         path, version, AIOT_STORE_SCHEMA_VERSION);
		goto out;
	}
	if (sqlite3_prepare_v2(d->db, "SELECT value FROM meta WHERE name='kek_check'", -1, &st,
	                       NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		set_err(err, errlen, "%s: no KEK check value (%s)", path, sqlite3_errmsg(d->db));
		goto out;
	}
	if (aiot_keywrap_check_open(kw, sqlite3_column_blob(st, 0),
	                            (size_t)sqlite3_column_bytes(st, 0)) != AIOT_OK) {
		set_err(err, errlen,
		        "%s: wrong key-encryption key (the KEK check value does not "
		        "authenticate)",
		        path);
		rc = AIOT_ERR_MAC;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* Migrated only once the KEK proved this is the operator's store. */
	if (version == 1 && migrate_v1(d) != AIOT_OK) {
		set_err(err, errlen, "%s: cannot migrate schema version 1 to %d (%s)", path,
		        AIOT_STORE_SCHEMA_VERSION, sqlite3_errmsg(d->db));
		goto out;
	}
	rc = AIOT_OK;
out:
	sqlite3_finalize(st);
	return rc;
}

static int prepare_all(aiot_db *d)
{
	if (prepare(d, "BEGIN IMMEDIATE", &d->begin) != AIOT_OK ||
	    prepare(d, "COMMIT", &d->commit) != AIOT_OK ||
	    prepare(d, "ROLLBACK", &d->rollback) != AIOT_OK ||
	    prepare(d,
	            "INSERT INTO devices(perm_id, group_name, suite, res_bits, privacy, key_blob,"
	            " tid, tid_prev, tid_type, rand_n, rand_d, profile_json, doa_rand_d)"
	            " VALUES(?,?,?,?,?,?,?,?,?,?,?,NULL,?)",
	            &d->insert) != AIOT_OK ||
	    prepare(d, "UPDATE devices SET tid=?, tid_prev=?, tid_type=? WHERE perm_id=?",
	            &d->upd_tid) != AIOT_OK ||
	    prepare(d, "UPDATE devices SET rand_n=?, rand_d=? WHERE perm_id=?", &d->upd_session) !=
	        AIOT_OK ||
	    prepare(d, "UPDATE devices SET profile_json=? WHERE perm_id=?", &d->upd_profile) !=
	        AIOT_OK ||
	    prepare(d, "UPDATE devices SET doa_rand_d=? WHERE perm_id=?", &d->upd_doa) != AIOT_OK)
		return AIOT_ERR_STATE;
	return AIOT_OK;
}

/* Only `aiot provision` creates a device store: a daemon given a mistyped path must not
 * start on an empty one. */
#define MISSING_HINT " (aiot provision creates a store; the daemons only open one)"

/* Undoes what a failed create made: the database, its WAL files and the lock file. */
static void remove_files(const char *path)
{
	static const char *const sfx[] = {"", "-wal", "-shm", "-journal", ".lock"};
	char p[4096];
	for (size_t i = 0; i < sizeof sfx / sizeof sfx[0]; i++)
		if (snprintf(p, sizeof p, "%s%s", path, sfx[i]) < (int)sizeof p)
			(void)unlink(p);
}

static void db_close(void *b);

static void *db_open(const char *path, int create, const uint8_t kek[32], char *err, size_t errlen)
{
	aiot_db *d = calloc(1, sizeof *d);
	sqlite3_stmt *st = NULL;
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	int created = 0;

	if (d == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->lock_fd = -1;
	if ((d->kw = aiot_keywrap_new(kek)) == NULL) {
		set_err(err, errlen, "cannot initialise AES-256-GCM");
		goto fail;
	}
	/* Missing: refused before a lock file is made beside it. Then re-checked under the
	 * lock, which is held until db_close. */
	if ((!create && aiot_private_store_file(path, 0, NULL, MISSING_HINT, err, errlen) != 0) ||
	    (d->lock_fd = aiot_private_lock(path, err, errlen)) < 0 ||
	    aiot_private_store_file(path, create, &created, MISSING_HINT, err, errlen) != 0)
		goto fail;
	if (sqlite3_open_v2(path, &d->db, flags, NULL) != SQLITE_OK) {
		set_err(err, errlen, "%s: %s", path,
		        d->db ? sqlite3_errmsg(d->db) : "cannot open the database");
		goto fail;
	}
	sqlite3_extended_result_codes(d->db, 1);
	sqlite3_busy_timeout(d->db, BUSY_TIMEOUT_MS);
	if (sqlite3_prepare_v2(d->db, "PRAGMA journal_mode=WAL", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW ||
	    strcmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
		set_err(err, errlen, "%s: cannot enable WAL (%s)", path, sqlite3_errmsg(d->db));
		goto fail;
	}
	sqlite3_finalize(st);
	st = NULL;
	/* WAL + NORMAL: committed transactions survive a process crash (see the top of this file).
	 * A 64 MiB page cache halves provisioning time (inserts at random B-tree positions). */
	if (exec(d->db, "PRAGMA synchronous=NORMAL") != AIOT_OK ||
	    exec(d->db, "PRAGMA cache_size=" PAGE_CACHE_KIB) != AIOT_OK) {
		set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(d->db));
		goto fail;
	}
	int exists = schema_exists(d->db);
	if (exists < 0) {
		set_err(err, errlen, "%s: not a database (%s)", path, sqlite3_errmsg(d->db));
		goto fail;
	}
	if (!exists && !create) {
		set_err(err, errlen, "%s: not an aiot device store (no schema)", path);
		goto fail;
	}
	if (!exists && create_schema(d, d->kw, err, errlen) != AIOT_OK)
		goto fail;
	if (check_schema_and_kek(d, path, d->kw, err, errlen) != AIOT_OK)
		goto fail;
	if (prepare_all(d) != AIOT_OK) {
		set_err(err, errlen, "%s: %s", path, sqlite3_errmsg(d->db));
		goto fail;
	}
	return d;
fail:
	sqlite3_finalize(st);
	db_close(d);
	if (created)
		remove_files(path);
	return NULL;
}

static void db_close(void *b)
{
	aiot_db *d = b;
	if (d == NULL)
		return;
	sqlite3_finalize(d->begin);
	sqlite3_finalize(d->commit);
	sqlite3_finalize(d->rollback);
	sqlite3_finalize(d->insert);
	sqlite3_finalize(d->upd_tid);
	sqlite3_finalize(d->upd_session);
	sqlite3_finalize(d->upd_profile);
	sqlite3_finalize(d->upd_doa);
	sqlite3_close(d->db);
	if (d->lock_fd >= 0)
		close(d->lock_fd); /* after SQLite: the lock covers the whole session */
	aiot_keywrap_free(d->kw);  /* cleanses the KEK schedule */
	free(d);
}

static long long db_count(void *b)
{
	aiot_db *d = b;
	sqlite3_stmt *st = NULL;
	long long n = AIOT_ERR_STATE;
	if (sqlite3_prepare_v2(d->db, "SELECT count(*) FROM devices", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Copies an optional fixed-size blob column; 1 if present, 0 if NULL, <0 if the wrong size. */
static int col_fixed(sqlite3_stmt *st, int col, uint8_t *out, size_t len)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 0;
	const void *p = sqlite3_column_blob(st, col);
	if (p == NULL || (size_t)sqlite3_column_bytes(st, col) != len)
		return AIOT_ERR_MALFORMED;
	memcpy(out, p, len);
	return 1;
}

/* Decodes one row into r (no key yet). A message naming the problem on failure. */
static const char *decode_row(sqlite3_stmt *st, aiot_dev_record *r)
{
	const void *id = sqlite3_column_blob(st, 0);
	int idlen = sqlite3_column_bytes(st, 0);
	if (id == NULL || idlen < 1 || idlen > AIOT_PERM_ID_MAX)
		return "bad perm_id length";
	memcpy(r->perm_id, id, (size_t)idlen);
	r->perm_id_len = (uint8_t)idlen;
	const unsigned char *g = sqlite3_column_text(st, 1);
	if (g == NULL || (size_t)sqlite3_column_bytes(st, 1) > AIOT_GROUP_MAX ||
	    strlen((const char *)g) != (size_t)sqlite3_column_bytes(st, 1))
		return "bad group_name";
	memcpy(r->group, g, (size_t)sqlite3_column_bytes(st, 1) + 1);
	int suite = sqlite3_column_int(st, 2);
	if (suite != AIOT_SUITE_3GPP && suite != AIOT_SUITE_AES)
		return "bad suite";
	r->suite = (aiot_suite)suite;
	int res = sqlite3_column_int(st, 3);
	if (res != 32 && res != 64 && res != 96 && res != 128)
		return "bad res_bits";
	r->res_bits = (uint8_t)res;
	int priv = sqlite3_column_int(st, 4);
	if (priv != 0 && priv != 1)
		return "bad privacy";
	r->privacy = (uint8_t)priv;
	int t = col_fixed(st, 6, r->tid, 16), tp = col_fixed(st, 7, r->tid_prev, 16);
	if (t < 0 || tp < 0)
		return "bad tid / tid_prev length";
	r->has_tid = (uint8_t)t;
	r->has_tid_prev = (uint8_t)tp;
	int tt = sqlite3_column_int(st, 8);
	if (tt != AIOT_TID_STORED && tt != AIOT_TID_CONCEALED)
		return "bad tid_type";
	r->tid_type = (aiot_tid_type)tt;
	int rn = col_fixed(st, 9, r->rand_n, 16), rd = col_fixed(st, 10, r->rand_d, 16);
	if (rn < 0 || rd < 0 || rn != rd)
		return "bad rand_n / rand_d";
	r->has_session = (uint8_t)rn;
	size_t dl = (size_t)sqlite3_column_bytes(st, 12);
	if (dl % 16 != 0 || dl > sizeof r->doa_rand_d)
		return "bad doa_rand_d length";
	if (dl > 0)
		memcpy(r->doa_rand_d, sqlite3_column_blob(st, 12), dl);
	r->doa_n = (uint8_t)(dl / 16);
	return NULL;
}

static int db_load(void *b, aiot_store_row_fn row, void *arg, char *err, size_t errlen)
{
	aiot_db *d = b;
	sqlite3_stmt *st = NULL;
	aiot_dev_record r;
	char idhex[2 * AIOT_PERM_ID_MAX + 1], first_bad[2 * AIOT_PERM_ID_MAX + 1] = "";
	size_t rows = 0, bad_keys = 0;
	int rc = AIOT_ERR_STATE, s;

	if (sqlite3_prepare_v2(
	        d->db,
	        "SELECT perm_id, group_name, suite, res_bits, privacy, key_blob,"
	        " tid, tid_prev, tid_type, rand_n, rand_d, profile_json, doa_rand_d FROM devices",
	        -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "cannot read devices: %s", sqlite3_errmsg(d->db));
		goto out;
	}
	while ((s = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&r, 0, sizeof r);
		rows++;
		const char *why = decode_row(st, &r);
		if (why != NULL) {
			snprintf(err, errlen, "device row %zu: %s", rows, why);
			rc = AIOT_ERR_MALFORMED;
			goto out;
		}
		aiot_hex_encode(r.perm_id, r.perm_id_len, idhex);
		int k =
		    aiot_keywrap_open(d->kw, r.perm_id, r.perm_id_len, sqlite3_column_blob(st, 5),
		                      (size_t)sqlite3_column_bytes(st, 5), r.key, sizeof r.key);
		if (k < 0 || aiot_suite_check_key(r.suite, (size_t)k) != AIOT_OK) {
			/* Keep counting: the error names how many rows are affected. */
			if (bad_keys++ == 0)
				memcpy(first_bad, idhex, sizeof idhex);
			continue;
		}
		r.key_len = (uint8_t)k;
		if (bad_keys == 0 &&
		    (rc = row(arg, &r, (const char *)sqlite3_column_text(st, 11))) != AIOT_OK) {
			snprintf(err, errlen, "device row %zu (perm_id %s): %s", rows, idhex,
			         rc == AIOT_ERR_NOSPACE ? "out of memory loading the cache"
			                                : "inconsistent record");
			goto out;
		}
	}
	if (s != SQLITE_DONE) {
		snprintf(err, errlen, "reading devices: %s", sqlite3_errmsg(d->db));
		goto out;
	}
	if (bad_keys > 0) {
		snprintf(
		    err, errlen,
		    "%zu of %zu device keys do not authenticate under this KEK (first: perm_id "
		    "%s): key_blob tampered with or moved between rows",
		    bad_keys, rows, first_bad);
		rc = AIOT_ERR_MAC;
		goto out;
	}
	rc = AIOT_OK;
out:
	OPENSSL_cleanse(&r, sizeof r);
	sqlite3_finalize(st);
	return rc;
}

static void bind_opt(sqlite3_stmt *st, int col, int has, const uint8_t *p, int len)
{
	if (has)
		sqlite3_bind_blob(st, col, p, len, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, col);
}

static void db_rollback(aiot_db *d)
{
	if (!sqlite3_get_autocommit(d->db))
		(void)step_done(d->rollback);
}

static int db_insert(void *b, const aiot_dev_record *recs, size_t n, char *err, size_t errlen)
{
	aiot_db *d = b;
	uint8_t blob[32 + AIOT_KW_OVERHEAD];
	char idhex[2 * AIOT_PERM_ID_MAX + 1];
	int rc = AIOT_ERR_STATE;

	if (step_done(d->begin) != AIOT_OK) {
		snprintf(err, errlen, "begin: %s", sqlite3_errmsg(d->db));
		return AIOT_ERR_STATE;
	}
	for (size_t i = 0; i < n; i++) {
		const aiot_dev_record *r = &recs[i];
		sqlite3_stmt *st = d->insert;
		if (aiot_keywrap_seal(d->kw, r->perm_id, r->perm_id_len, r->key, r->key_len,
		                      blob) != AIOT_OK) {
			snprintf(err, errlen, "cannot encrypt a key");
			rc = AIOT_ERR_CRYPTO;
			goto fail;
		}
		sqlite3_bind_blob(st, 1, r->perm_id, r->perm_id_len, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, r->group, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, (int)r->suite);
		sqlite3_bind_int(st, 4, r->res_bits);
		sqlite3_bind_int(st, 5, r->privacy ? 1 : 0);
		sqlite3_bind_blob(st, 6, blob, (int)(r->key_len + AIOT_KW_OVERHEAD),
		                  SQLITE_TRANSIENT);
		bind_opt(st, 7, r->has_tid, r->tid, 16);
		bind_opt(st, 8, r->has_tid_prev, r->tid_prev, 16);
		sqlite3_bind_int(st, 9, (int)r->tid_type);
		bind_opt(st, 10, r->has_session, r->rand_n, 16);
		bind_opt(st, 11, r->has_session, r->rand_d, 16);
		bind_opt(st, 12, r->doa_n > 0, r->doa_rand_d[0], 16 * r->doa_n);
		int s = sqlite3_step(st);
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		if (s == SQLITE_CONSTRAINT_PRIMARYKEY || s == SQLITE_CONSTRAINT_UNIQUE) {
			aiot_hex_encode(r->perm_id, r->perm_id_len, idhex);
			snprintf(err, errlen,
			         "permanent ID %s (record %zu of %zu) already exists; nothing "
			         "inserted",
			         idhex, i + 1, n);
			rc = AIOT_ERR_INVAL;
			goto fail;
		}
		if (s != SQLITE_DONE) {
			snprintf(err, errlen, "insert: %s", sqlite3_errstr(s));
			goto fail;
		}
	}
	if (step_done(d->commit) != AIOT_OK) {
		snprintf(err, errlen, "commit: %s", sqlite3_errmsg(d->db));
		goto fail;
	}
	OPENSSL_cleanse(blob, sizeof blob);
	return AIOT_OK;
fail:
	OPENSSL_cleanse(blob, sizeof blob);
	db_rollback(d);
	return rc;
}

/* An UPDATE must hit exactly one row. */
static int step_one(aiot_db *d, sqlite3_stmt *st)
{
	int rc = step_done(st);
	if (rc == AIOT_OK && sqlite3_changes(d->db) != 1)
		rc = AIOT_ERR_UNKNOWN;
	return rc;
}

static int db_update_tid(aiot_db *d, const uint8_t *perm_id, size_t len, const uint8_t *tid,
                         const uint8_t *tid_prev, aiot_tid_type type)
{
	sqlite3_stmt *st = d->upd_tid;
	bind_opt(st, 1, tid != NULL, tid, 16);
	bind_opt(st, 2, tid_prev != NULL, tid_prev, 16);
	sqlite3_bind_int(st, 3, (int)type);
	sqlite3_bind_blob(st, 4, perm_id, (int)len, SQLITE_STATIC);
	return step_one(d, st);
}

static int db_update_session(aiot_db *d, const uint8_t *perm_id, size_t len,
                             const uint8_t rand_n[16], const uint8_t rand_d[16])
{
	sqlite3_stmt *st = d->upd_session;
	sqlite3_bind_blob(st, 1, rand_n, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, rand_d, 16, SQLITE_STATIC);
	sqlite3_bind_blob(st, 3, perm_id, (int)len, SQLITE_STATIC);
	return step_one(d, st);
}

static int db_update_profile(aiot_db *d, const uint8_t *perm_id, size_t len, const char *json)
{
	sqlite3_stmt *st = d->upd_profile;
	if (json != NULL)
		sqlite3_bind_text(st, 1, json, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_blob(st, 2, perm_id, (int)len, SQLITE_STATIC);
	return step_one(d, st);
}

static int db_update_doa(aiot_db *d, const uint8_t *perm_id, size_t len, const uint8_t *w, size_t n)
{
	sqlite3_stmt *st = d->upd_doa;
	bind_opt(st, 1, n > 0, w, (int)(16 * n));
	sqlite3_bind_blob(st, 2, perm_id, (int)len, SQLITE_STATIC);
	return step_one(d, st);
}

static int db_change(aiot_db *d, const aiot_store_change *c)
{
	switch (c->kind) {
	case AIOT_CHANGE_TID:
		return db_update_tid(d, c->perm_id, c->len, c->tid, c->tid_prev, c->tid_type);
	case AIOT_CHANGE_SESSION:
		return db_update_session(d, c->perm_id, c->len, c->rand_n, c->rand_d);
	case AIOT_CHANGE_PROFILE:
		return db_update_profile(d, c->perm_id, c->len, c->json);
	case AIOT_CHANGE_DOA:
		return db_update_doa(d, c->perm_id, c->len, c->doa_rand_d, c->doa_n);
	}
	return AIOT_ERR_INVAL;
}

/* One transaction for the whole batch (group commit). */
static int db_commit(void *b, const aiot_store_change *ch, size_t n, int *res, char *err,
                     size_t errlen)
{
	aiot_db *d = b;
	(void)res; /* all or none */
	int rc = step_done(d->begin);
	for (size_t i = 0; i < n && rc == AIOT_OK; i++)
		rc = db_change(d, &ch[i]);
	if (rc == AIOT_OK)
		rc = step_done(d->commit);
	if (rc != AIOT_OK) {
		set_err(err, errlen, "%s",
		        rc == AIOT_ERR_UNKNOWN ? "no such device row" : sqlite3_errmsg(d->db));
		db_rollback(d);
	}
	return rc;
}

const aiot_store_backend aiot_store_backend_sqlite = {
    .scheme = "sqlite",
    .open = db_open,
    .close = db_close,
    .count = db_count,
    .load = db_load,
    .insert = db_insert,
    .commit = db_commit,
    .remove = remove_files,
};
