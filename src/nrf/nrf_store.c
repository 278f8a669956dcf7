/* SPDX-License-Identifier: Apache-2.0 */
/* The NRF's SQLite registry file (nrf_store.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "nrf_store.h"
#include "store/private_file.h"

static const char schema_sql[] = "CREATE TABLE IF NOT EXISTS nf_instances("
                                 " nf_instance_id TEXT PRIMARY KEY,"
                                 " profile_json TEXT NOT NULL) WITHOUT ROWID;";

struct nrf_store {
	sqlite3 *db;
	int lock_fd;
	sqlite3_stmt *put, *del, *all;
};

void nrf_store_close(nrf_store *s)
{
	if (s == NULL)
		return;
	sqlite3_finalize(s->put);
	sqlite3_finalize(s->del);
	sqlite3_finalize(s->all);
	sqlite3_close(s->db);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	free(s);
}

nrf_store *nrf_store_open(const char *uri, char *err, size_t errlen)
{
	if (strncmp(uri, "sqlite:", 7) != 0 || uri[7] == '\0') {
		snprintf(err, errlen, "store: '%s' is not sqlite:PATH", uri);
		return NULL;
	}
	const char *path = uri + 7;
	nrf_store *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->lock_fd = -1;
	if ((s->lock_fd = aiot_private_lock(path, err, errlen)) < 0)
		goto fail_quiet;
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	        SQLITE_OK ||
	    sqlite3_busy_timeout(s->db, 5000) != SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", NULL, NULL,
	                 NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, schema_sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db,
	                       "INSERT OR REPLACE INTO nf_instances(nf_instance_id, profile_json)"
	                       " VALUES(?1, ?2)",
	                       -1, &s->put, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "DELETE FROM nf_instances WHERE nf_instance_id = ?1", -1,
	                       &s->del, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(s->db, "SELECT nf_instance_id, profile_json FROM nf_instances", -1,
	                       &s->all, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path,
		         s->db ? sqlite3_errmsg(s->db) : "cannot open");
		goto fail_quiet;
	}
	return s;
fail_quiet:
	nrf_store_close(s);
	return NULL;
}

static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int nrf_store_put(nrf_store *s, const char *id, const char *profile_json)
{
	if (sqlite3_bind_text(s->put, 1, id, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(s->put, 2, profile_json, -1, SQLITE_STATIC) != SQLITE_OK)
		return -1;
	return step_done(s->put);
}

int nrf_store_delete(nrf_store *s, const char *id)
{
	if (sqlite3_bind_text(s->del, 1, id, -1, SQLITE_STATIC) != SQLITE_OK)
		return -1;
	return step_done(s->del);
}

int nrf_store_load(nrf_store *s, int (*fn)(void *arg, const char *id, const char *profile_json),
                   void *arg)
{
	int rc;
	while ((rc = sqlite3_step(s->all)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s->all, 0);
		const char *pj = (const char *)sqlite3_column_text(s->all, 1);
		if (id == NULL || pj == NULL || fn(arg, id, pj) != 0)
			break;
	}
	sqlite3_reset(s->all);
	return rc == SQLITE_DONE ? 0 : -1;
}
