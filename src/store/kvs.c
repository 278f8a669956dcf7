/* SPDX-License-Identifier: Apache-2.0 */
/* Sealed records (kvs.h): one SQLite table, secrets sealed under the KEK (keywrap.h). */
#include "kvs.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/aiot_err.h"
#include "keywrap.h"
#include "private_file.h"
#include "crypto/ct.h"

#define TABLE_MAX 32
#define BUSY_TIMEOUT_MS 5000

struct aiot_kvs {
	sqlite3 *db;
	aiot_keywrap *kw;
	int lock_fd;
	char table[TABLE_MAX + 1];
	sqlite3_stmt *put, *get, *set_meta, *del, *all;
};

static int valid_table(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > TABLE_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((t[i] >= 'a' && t[i] <= 'z') || (t[i] >= '0' && t[i] <= '9') || t[i] == '_'))
			return 0;
	return 1;
}

static int valid_id(const char *id)
{
	size_t n = id ? strlen(id) : 0;
	return n > 0 && n <= AIOT_KVS_ID_MAX;
}

/* AAD = table || 0x00 || id (kvs.h). */
static size_t make_aad(const aiot_kvs *s, const char *id,
                       uint8_t aad[TABLE_MAX + 2 + AIOT_KVS_ID_MAX])
{
	size_t t = strlen(s->table), n = strlen(id);
	memcpy(aad, s->table, t);
	aad[t] = 0;
	memcpy(aad + t + 1, id, n);
	return t + 1 + n;
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? AIOT_OK : AIOT_ERR_STATE;
}

/* The KEK check value: made with the database, checked at every open. */
static int kek_check(aiot_kvs *s, const char *path, char *err, size_t errlen)
{
	uint8_t check[AIOT_KW_CHECK_LEN];
	sqlite3_stmt *st = NULL;
	int rc = AIOT_ERR_STATE;

	if (exec(s->db, "BEGIN IMMEDIATE;"
	                "CREATE TABLE IF NOT EXISTS kvs_meta(name TEXT PRIMARY KEY, value BLOB)") !=
	        AIOT_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT value FROM kvs_meta WHERE name='kek_check'", -1, &st,
	                       NULL) != SQLITE_OK)
		goto sql;
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		if (aiot_keywrap_check_open(s->kw, sqlite3_column_blob(st, 0),
		                            (size_t)sqlite3_column_bytes(st, 0)) != AIOT_OK) {
			snprintf(err, errlen,
			         "%s: wrong key-encryption key (the KEK check value does not "
			         "authenticate)",
			         path);
			rc = AIOT_ERR_MAC;
			goto out;
		}
	} else if (step == SQLITE_DONE) {
		sqlite3_finalize(st);
		st = NULL;
		if (aiot_keywrap_check_seal(s->kw, check) != AIOT_OK ||
		    sqlite3_prepare_v2(s->db,
		                       "INSERT INTO kvs_meta(name, value) VALUES('kek_check', ?)",
		                       -1, &st, NULL) != SQLITE_OK)
			goto sql;
		sqlite3_bind_blob(st, 1, check, sizeof check, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto sql;
	} else {
		goto sql;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (exec(s->db, "COMMIT") != AIOT_OK)
		goto sql;
	return AIOT_OK;
sql:
	snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
out:
	sqlite3_finalize(st);
	exec(s->db, "ROLLBACK");
	return rc;
}

/* Prepares head || "table" || tail (the table name was checked: [a-z0-9_]). */
static int prepare(aiot_kvs *s, const char *head, const char *tail, sqlite3_stmt **st)
{
	char sql[256];
	if (snprintf(sql, sizeof sql, "%s\"%s\"%s", head, s->table, tail) >= (int)sizeof sql)
		return AIOT_ERR_INVAL;
	return sqlite3_prepare_v2(s->db, sql, -1, st, NULL) == SQLITE_OK ? AIOT_OK : AIOT_ERR_STATE;
}

static int open_table(aiot_kvs *s, int create)
{
	sqlite3_stmt *st = NULL;
	if (create) {
		int rc = prepare(s, "CREATE TABLE IF NOT EXISTS ",
		                 "(id TEXT PRIMARY KEY, meta TEXT, secret BLOB NOT NULL)", &st);
		if (rc == AIOT_OK && sqlite3_step(st) != SQLITE_DONE)
			rc = AIOT_ERR_STATE;
		sqlite3_finalize(st);
		if (rc != AIOT_OK)
			return rc;
	}
	if (prepare(s, "INSERT OR REPLACE INTO ", "(id, meta, secret) VALUES(?, ?, ?)", &s->put) !=
	        AIOT_OK ||
	    prepare(s, "SELECT meta, secret FROM ", " WHERE id=?", &s->get) != AIOT_OK ||
	    prepare(s, "UPDATE ", " SET meta=? WHERE id=?", &s->set_meta) != AIOT_OK ||
	    prepare(s, "DELETE FROM ", " WHERE id=?", &s->del) != AIOT_OK ||
	    prepare(s, "SELECT id, meta, secret FROM ", " ORDER BY id", &s->all) != AIOT_OK)
		return AIOT_ERR_STATE;
	return AIOT_OK;
}

aiot_kvs *aiot_kvs_open(const char *uri, const char *table, const uint8_t kek[32], int create,
                        char *err, size_t errlen)
{
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW;
	aiot_kvs *s = NULL;

	if (uri == NULL || strncmp(uri, "sqlite:", 7) != 0 || uri[7] == '\0') {
		snprintf(err, errlen, "store %s: expected sqlite:PATH", uri ? uri : "(none)");
		return NULL;
	}
	const char *path = uri + 7;
	if (table == NULL || !valid_table(table) || (s = calloc(1, sizeof *s)) == NULL) {
		snprintf(err, errlen, "store %s: bad table name or out of memory", path);
		return NULL;
	}
	s->lock_fd = -1;
	snprintf(s->table, sizeof s->table, "%s", table);
	if ((s->kw = aiot_keywrap_new(kek)) == NULL) {
		snprintf(err, errlen, "cannot initialise AES-256-GCM");
		goto fail;
	}
	if ((!create && aiot_private_store_file(path, 0, NULL, NULL, err, errlen) != 0) ||
	    (s->lock_fd = aiot_private_lock(path, err, errlen)) < 0 ||
	    aiot_private_store_file(path, create, NULL, NULL, err, errlen) != 0)
		goto fail;
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : "cannot open the database");
		goto fail;
	}
	sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
	if (exec(s->db, "PRAGMA journal_mode=WAL") != AIOT_OK ||
	    exec(s->db, "PRAGMA synchronous=NORMAL") != AIOT_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(s->db));
		goto fail;
	}
	if (kek_check(s, path, err, errlen) != AIOT_OK)
		goto fail;
	if (open_table(s, create) != AIOT_OK) {
		snprintf(err, errlen, "%s: table %s: %s", path, table, sqlite3_errmsg(s->db));
		goto fail;
	}
	return s;
fail:
	aiot_kvs_close(s);
	return NULL;
}

void aiot_kvs_close(aiot_kvs *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->get);
	sqlite3_finalize(s->set_meta);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->all);
	sqlite3_close(s->db);
	aiot_keywrap_free(s->kw);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

/* Runs a prepared write to its end; AIOT_OK, or AIOT_ERR_NOTFOUND when it changed no row. */
static int run_write(aiot_kvs *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st) == SQLITE_DONE ? AIOT_OK : AIOT_ERR_STATE;
	if (rc == AIOT_OK && sqlite3_changes(s->db) == 0)
		rc = AIOT_ERR_NOTFOUND;
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc;
}

int aiot_kvs_put(aiot_kvs *s, const char *id, const char *meta, const uint8_t *secret,
                 size_t secret_len)
{
	uint8_t aad[TABLE_MAX + 2 + AIOT_KVS_ID_MAX], blob[AIOT_KVS_SECRET_MAX + AIOT_KW_OVERHEAD];

	if (s == NULL || !valid_id(id) || secret == NULL || secret_len == 0 ||
	    secret_len > AIOT_KVS_SECRET_MAX)
		return AIOT_ERR_INVAL;
	size_t aad_len = make_aad(s, id, aad);
	if (aiot_keywrap_seal(s->kw, aad, aad_len, secret, secret_len, blob) != AIOT_OK)
		return AIOT_ERR_CRYPTO;
	sqlite3_bind_text(s->put, 1, id, -1, SQLITE_STATIC);
	if (meta)
		sqlite3_bind_text(s->put, 2, meta, -1, SQLITE_STATIC);
	sqlite3_bind_blob(s->put, 3, blob, (int)(secret_len + AIOT_KW_OVERHEAD), SQLITE_STATIC);
	return run_write(s, s->put);
}

/* Opens the blob of column col of st for id into secret (NULL: only checks it opens). */
static int open_blob(aiot_kvs *s, const char *id, sqlite3_stmt *st, int col, uint8_t *secret,
                     size_t *secret_len)
{
	uint8_t aad[TABLE_MAX + 2 + AIOT_KVS_ID_MAX], pt[AIOT_KVS_SECRET_MAX];
	size_t aad_len = make_aad(s, id, aad);
	int n = aiot_keywrap_open(s->kw, aad, aad_len, sqlite3_column_blob(st, col),
	                          (size_t)sqlite3_column_bytes(st, col), pt, sizeof pt);
	if (n < 0)
		return n;
	if (secret)
		memcpy(secret, pt, (size_t)n);
	if (secret_len)
		*secret_len = (size_t)n;
	aiot_zeroize(pt, sizeof pt);
	return AIOT_OK;
}

static int dup_meta(sqlite3_stmt *st, int col, char **meta)
{
	const char *m = (const char *)sqlite3_column_text(st, col);
	*meta = NULL;
	if (m && (*meta = strdup(m)) == NULL)
		return AIOT_ERR_STATE;
	return AIOT_OK;
}

int aiot_kvs_get(aiot_kvs *s, const char *id, char **meta, uint8_t secret[AIOT_KVS_SECRET_MAX],
                 size_t *secret_len)
{
	int rc;

	if (meta)
		*meta = NULL;
	if (s == NULL || !valid_id(id))
		return AIOT_ERR_INVAL;
	sqlite3_bind_text(s->get, 1, id, -1, SQLITE_STATIC);
	int step = sqlite3_step(s->get);
	if (step == SQLITE_DONE)
		rc = AIOT_ERR_NOTFOUND;
	else if (step != SQLITE_ROW)
		rc = AIOT_ERR_STATE;
	else if ((rc = open_blob(s, id, s->get, 1, secret, secret_len)) == AIOT_OK && meta)
		rc = dup_meta(s->get, 0, meta);
	sqlite3_reset(s->get);
	sqlite3_clear_bindings(s->get);
	return rc;
}

int aiot_kvs_set_meta(aiot_kvs *s, const char *id, const char *meta)
{
	if (s == NULL || !valid_id(id))
		return AIOT_ERR_INVAL;
	if (meta)
		sqlite3_bind_text(s->set_meta, 1, meta, -1, SQLITE_STATIC);
	sqlite3_bind_text(s->set_meta, 2, id, -1, SQLITE_STATIC);
	return run_write(s, s->set_meta);
}

int aiot_kvs_delete(aiot_kvs *s, const char *id)
{
	if (s == NULL || !valid_id(id))
		return AIOT_ERR_INVAL;
	sqlite3_bind_text(s->del, 1, id, -1, SQLITE_STATIC);
	return run_write(s, s->del);
}

int aiot_kvs_foreach(aiot_kvs *s, aiot_kvs_fn fn, void *arg)
{
	uint8_t secret[AIOT_KVS_SECRET_MAX];
	size_t len = 0;
	int rc = AIOT_OK, step = SQLITE_DONE;

	if (s == NULL || fn == NULL)
		return AIOT_ERR_INVAL;
	while (rc == AIOT_OK && (step = sqlite3_step(s->all)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s->all, 0);
		if (id == NULL || !valid_id(id)) {
			rc = AIOT_ERR_MALFORMED;
			break;
		}
		if ((rc = open_blob(s, id, s->all, 2, secret, &len)) != AIOT_OK)
			break;
		rc = fn(arg, id, (const char *)sqlite3_column_text(s->all, 1), secret, len);
		aiot_zeroize(secret, sizeof secret);
	}
	if (rc == AIOT_OK && step != SQLITE_DONE)
		rc = AIOT_ERR_STATE;
	sqlite3_reset(s->all);
	return rc;
}
