/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store against its backend interface (store_backend.h). "mem" below is a complete
 * backend, kept in process memory: it loads, inserts and commits all or nothing like the
 * SQLite one, and it can be told to fail a commit or an insert, or to hold a commit until
 * released (so that the writes queued meanwhile form one batch). Proven here: the cache
 * changes only with what the backend committed, a compare-and-set that no longer holds is
 * reported and never reaches the backend, a set commits whole, and a done callback runs once
 * its batch is visible (so a re-read after AIOT_STORE_CHANGED sees the write that won); and
 * the SQLite backend, called through the interface, commits a batch whole or not at all.
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

#include "common/aiot_err.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "test_store_util.h"

#define MEM_MAX 16

/* ---- the "mem" backend ------------------------------------------------------------------ */

static struct mem {
	aiot_dev_record d[MEM_MAX];
	char *profile[MEM_MAX];
	size_t n;
	uint8_t kek[32];
	int created, fail_commit, fail_insert, hold, in_commit;
	int per_device;         /* commit as Redis Cluster does: each device alone (res) */
	uint8_t fail_dev;       /* per_device: the device (perm_id[11]) whose changes fail */
	size_t commits, last_n; /* commit calls, changes in the last one */
	aiot_store_change last[MEM_MAX];
	uint8_t last_prev[MEM_MAX][16];
	pthread_mutex_t lock;
	pthread_cond_t cond;
} mem = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

static long mem_find(const uint8_t *id, size_t len)
{
	for (size_t i = 0; i < mem.n; i++)
		if (mem.d[i].perm_id_len == len && memcmp(mem.d[i].perm_id, id, len) == 0)
			return (long)i;
	return -1;
}

static void *mem_open(const char *path, int create, const uint8_t kek[32], char *err, size_t errlen)
{
	(void)path;
	if (!mem.created && !create) {
		snprintf(err, errlen, "no such store");
		return NULL;
	}
	if (mem.created && memcmp(kek, mem.kek, 32) != 0) {
		snprintf(err, errlen, "wrong KEK");
		return NULL;
	}
	memcpy(mem.kek, kek, 32);
	mem.created = 1;
	return &mem;
}

static void mem_close(void *b)
{
	(void)b; /* the devices stay: "durable" until mem_remove */
}

static long long mem_count(void *b)
{
	(void)b;
	return (long long)mem.n;
}

static int mem_load(void *b, aiot_store_row_fn row, void *arg, char *err, size_t errlen)
{
	(void)b;
	for (size_t i = 0; i < mem.n; i++) {
		int rc = row(arg, &mem.d[i], mem.profile[i]);
		if (rc != AIOT_OK) {
			snprintf(err, errlen, "row %zu refused", i);
			return rc;
		}
	}
	return AIOT_OK;
}

static int mem_insert(void *b, const aiot_dev_record *recs, size_t n, char *err, size_t errlen)
{
	(void)b;
	if (mem.fail_insert || mem.n + n > MEM_MAX) {
		snprintf(err, errlen, "insert failed (injected)");
		return AIOT_ERR_STATE;
	}
	for (size_t i = 0; i < n; i++)
		if (mem_find(recs[i].perm_id, recs[i].perm_id_len) >= 0) {
			snprintf(err, errlen, "record %zu exists", i + 1);
			return AIOT_ERR_INVAL;
		}
	memcpy(&mem.d[mem.n], recs, n * sizeof *recs);
	mem.n += n;
	return AIOT_OK;
}

static int mem_apply(const aiot_store_change *c)
{
	long i = mem_find(c->perm_id, c->len);
	if (i < 0)
		return AIOT_ERR_UNKNOWN;
	aiot_dev_record *r = &mem.d[i];
	switch (c->kind) {
	case AIOT_CHANGE_TID:
		memcpy(r->tid, c->tid, 16);
		r->has_tid = 1;
		if ((r->has_tid_prev = c->tid_prev != NULL))
			memcpy(r->tid_prev, c->tid_prev, 16);
		r->tid_type = c->tid_type;
		break;
	case AIOT_CHANGE_SESSION:
		memcpy(r->rand_n, c->rand_n, 16);
		memcpy(r->rand_d, c->rand_d, 16);
		r->has_session = 1;
		break;
	case AIOT_CHANGE_PROFILE:
		free(mem.profile[i]);
		mem.profile[i] = c->json != NULL ? strdup(c->json) : NULL;
		break;
	case AIOT_CHANGE_DOA:
		r->doa_n = (uint8_t)c->doa_n;
		memcpy(r->doa_rand_d, c->doa_rand_d, 16 * c->doa_n);
		break;
	}
	return AIOT_OK;
}

static int mem_commit(void *b, const aiot_store_change *ch, size_t n, int *res, char *err,
                      size_t errlen)
{
	(void)b;
	pthread_mutex_lock(&mem.lock);
	mem.in_commit = 1;
	pthread_cond_broadcast(&mem.cond);
	while (mem.hold)
		pthread_cond_wait(&mem.cond, &mem.lock);
	mem.in_commit = 0;
	pthread_mutex_unlock(&mem.lock);
	mem.commits++;
	mem.last_n = n;
	for (size_t k = 0; k < n && k < MEM_MAX; k++) {
		mem.last[k] = ch[k];
		if (ch[k].tid_prev != NULL)
			memcpy(mem.last_prev[k], ch[k].tid_prev, 16);
	}
	if (mem.per_device) {
		int rc = AIOT_OK;
		for (size_t k = 0; k < n; k++) {
			if (ch[k].perm_id[11] == mem.fail_dev) {
				snprintf(err, errlen, "device failed (injected)");
				rc = res[k] = AIOT_ERR_STATE;
			} else {
				res[k] = mem_apply(&ch[k]);
			}
		}
		return rc;
	}
	for (size_t k = 0; k < n; k++) /* all or nothing: every row exists first */
		if (mem_find(ch[k].perm_id, ch[k].len) < 0 || mem.fail_commit) {
			snprintf(err, errlen, "commit failed (injected)");
			return AIOT_ERR_STATE;
		}
	for (size_t k = 0; k < n; k++)
		(void)mem_apply(&ch[k]);
	return AIOT_OK;
}

static void mem_remove(const char *path)
{
	(void)path;
	for (size_t i = 0; i < MEM_MAX; i++)
		free(mem.profile[i]);
	memset(mem.d, 0, sizeof mem.d);
	memset(mem.profile, 0, sizeof mem.profile);
	mem.n = 0;
	mem.created = mem.fail_commit = mem.fail_insert = mem.hold = 0;
	mem.commits = mem.last_n = 0;
}

static const aiot_store_backend mem_backend = {
    .scheme = "mem",
    .open = mem_open,
    .close = mem_close,
    .count = mem_count,
    .load = mem_load,
    .insert = mem_insert,
    .commit = mem_commit,
    .remove = mem_remove,
};

/* Holds the next commit in the backend; returns once the writer is inside it. */
static void hold_commit(aiot_store *s, const uint8_t *gate_id)
{
	static const uint8_t rn[16] = {1};
	pthread_mutex_lock(&mem.lock);
	mem.hold = 1;
	pthread_mutex_unlock(&mem.lock);
	assert_int_equal(aiot_store_set_session(s, gate_id, 12, rn, rn, NULL, NULL), AIOT_OK);
	pthread_mutex_lock(&mem.lock);
	while (!mem.in_commit)
		pthread_cond_wait(&mem.cond, &mem.lock);
	pthread_mutex_unlock(&mem.lock);
}

static void release_commit(aiot_store *s)
{
	pthread_mutex_lock(&mem.lock);
	mem.hold = 0;
	pthread_cond_broadcast(&mem.cond);
	pthread_mutex_unlock(&mem.lock);
	aiot_store_flush(s);
}

/* ---- helpers ---------------------------------------------------------------------------- */

static const uint8_t kek[32] = {7};

static aiot_store *open_mem(int create)
{
	char err[256] = "";
	aiot_store *s = aiot_store_open_backend(&mem_backend, "test", kek, create, err, sizeof err);
	if (s == NULL)
		fail_msg("open: %s", err);
	return s;
}

static void make_dev(aiot_dev_record *r, uint8_t i, const uint8_t *tid)
{
	memset(r, 0, sizeof *r);
	r->perm_id_len = 12;
	memset(r->perm_id, 0xA0, 4);
	r->perm_id[11] = i;
	r->suite = AIOT_SUITE_3GPP;
	r->key_len = 16;
	memset(r->key, i, 16);
	r->res_bits = 64;
	snprintf(r->group, sizeof r->group, "g");
	if (tid != NULL) {
		r->privacy = r->has_tid = 1;
		memcpy(r->tid, tid, 16);
	}
}

#define RC_MAX 8
static int rc_log[RC_MAX], rc_n;
static uint8_t seen_tid[RC_MAX][16]; /* the device's T-ID as done saw it */
static aiot_store *cur;
static const uint8_t *cur_id;

static void log_done(void *arg, int rc)
{
	aiot_dev_record r;
	size_t k = (size_t)arg;
	rc_log[k] = rc;
	rc_n++;
	memset(seen_tid[k], 0, 16);
	if (aiot_store_get(cur, cur_id, 12, &r) == AIOT_OK)
		memcpy(seen_tid[k], r.tid, 16);
}

static int teardown(void **state)
{
	(void)state;
	mem_remove("test");
	return 0;
}

/* ---- tests ------------------------------------------------------------------------------ */

/* A backend that commits per device (Redis Cluster): the cache takes exactly the devices that
 * committed; a set with a failed device gets the error. */
static void test_per_device_commit(void **state)
{
	(void)state;
	aiot_dev_record a, b, gate, got;
	uint8_t t0[16], t1[16];
	char err[256], *p;
	memset(t0, 0x30, 16), memset(t1, 0x31, 16);
	aiot_store *s = open_mem(1);
	make_dev(&a, 1, t0);
	make_dev(&b, 2, t0);
	b.tid[0] = 0x40;
	make_dev(&gate, 3, NULL);
	assert_int_equal(aiot_store_insert(s, &a, 1, err, sizeof err), AIOT_OK);
	assert_int_equal(aiot_store_insert(s, &b, 1, err, sizeof err), AIOT_OK);
	assert_int_equal(aiot_store_insert(s, &gate, 1, err, sizeof err), AIOT_OK);
	cur = s, cur_id = a.perm_id, rc_n = 0;
	hold_commit(s, gate.perm_id);
	mem.per_device = 1, mem.fail_dev = 2;
	aiot_profile_write w[2] = {{a.perm_id, 12, NULL, "{\"a\":1}"},
	                           {b.perm_id, 12, NULL, "{\"b\":1}"}};
	assert_int_equal(
	    aiot_store_set_tid(s, a.perm_id, 12, NULL, t1, AIOT_TID_STORED, log_done, (void *)0),
	    AIOT_OK);
	assert_int_equal(
	    aiot_store_set_tid(s, b.perm_id, 12, NULL, t1, AIOT_TID_STORED, log_done, (void *)1),
	    AIOT_OK);
	assert_int_equal(aiot_store_set_profiles(s, w, 2, log_done, (void *)2), AIOT_OK);
	release_commit(s);
	assert_int_equal(rc_n, 3);
	assert_int_equal(rc_log[0], AIOT_OK);
	assert_memory_equal(seen_tid[0], t1, 16); /* visible when done ran */
	assert_int_equal(rc_log[1], AIOT_ERR_STATE);
	assert_int_equal(rc_log[2], AIOT_ERR_STATE);
	/* a committed (its T-ID and its half of the profile set), b did not: as the backend. */
	assert_int_equal(aiot_store_get(s, a.perm_id, 12, &got), AIOT_OK);
	assert_memory_equal(got.tid, t1, 16);
	assert_memory_equal(got.tid_prev, t0, 16);
	assert_non_null(p = aiot_store_get_profile_json(s, a.perm_id, 12));
	assert_string_equal(p, "{\"a\":1}");
	free(p);
	assert_int_equal(aiot_store_get(s, b.perm_id, 12, &got), AIOT_OK);
	assert_memory_equal(got.tid, b.tid, 16);
	assert_int_equal(got.has_tid_prev, 0);
	assert_null(aiot_store_get_profile_json(s, b.perm_id, 12));
	assert_int_equal(aiot_store_get_by_tid(s, t1, &got), AIOT_OK);
	assert_memory_equal(got.perm_id, a.perm_id, 12);
	long ia = mem_find(a.perm_id, 12), ib = mem_find(b.perm_id, 12);
	assert_memory_equal(mem.d[ia].tid, t1, 16);
	assert_memory_equal(mem.d[ib].tid, b.tid, 16);
	mem.per_device = 0, mem.fail_dev = 0;
	aiot_store_close(s);
}

/* A commit the backend fails changes nothing in the cache (nor in the backend); the callers
 * learn it; the retry commits and is what a reopen loads. */
static void test_failed_commit_leaves_cache(void **state)
{
	(void)state;
	aiot_dev_record r, gate, got;
	uint8_t t0[16], t1[16], rn[16];
	char err[256];
	memset(t0, 0x10, 16), memset(t1, 0x11, 16), memset(rn, 0x22, 16);
	aiot_store *s = open_mem(1);
	make_dev(&r, 1, t0);
	make_dev(&gate, 2, NULL);
	assert_int_equal(aiot_store_insert(s, &r, 1, err, sizeof err), AIOT_OK);
	assert_int_equal(aiot_store_insert(s, &gate, 1, err, sizeof err), AIOT_OK);
	cur = s, cur_id = r.perm_id, rc_n = 0;
	hold_commit(s, gate.perm_id);
	mem.fail_commit = 1;
	aiot_profile_write w = {r.perm_id, 12, NULL, "{\"x\":1}"};
	assert_int_equal(
	    aiot_store_set_tid(s, r.perm_id, 12, NULL, t1, AIOT_TID_STORED, log_done, (void *)0),
	    AIOT_OK);
	assert_int_equal(aiot_store_set_session(s, r.perm_id, 12, rn, rn, log_done, (void *)1),
	                 AIOT_OK);
	assert_int_equal(aiot_store_set_profiles(s, &w, 1, log_done, (void *)2), AIOT_OK);
	release_commit(s); /* the gate's batch fails too, then the three in one batch */
	assert_int_equal(rc_n, 3);
	assert_int_equal(mem.last_n, 3);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(rc_log[k], AIOT_ERR_STATE);
		assert_memory_equal(seen_tid[k], t0, 16);
	}
	assert_int_equal(aiot_store_get(s, r.perm_id, 12, &got), AIOT_OK);
	assert_memory_equal(got.tid, t0, 16);
	assert_int_equal(got.has_tid_prev, 0);
	assert_int_equal(got.has_session, 0);
	assert_null(aiot_store_get_profile_json(s, r.perm_id, 12));
	assert_int_equal(aiot_store_get_by_tid(s, t1, &got), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get_by_tid(s, t0, &got), AIOT_OK);
	assert_memory_equal(mem.d[0].tid, t0, 16);
	/* The retry commits: visible when done runs, and what a reopen loads. */
	mem.fail_commit = 0;
	assert_int_equal(
	    aiot_store_set_tid(s, r.perm_id, 12, NULL, t1, AIOT_TID_STORED, log_done, (void *)3),
	    AIOT_OK);
	aiot_store_flush(s);
	assert_int_equal(rc_log[3], AIOT_OK);
	assert_memory_equal(seen_tid[3], t1, 16);
	aiot_store_close(s);
	s = open_mem(0);
	assert_int_equal(aiot_store_get_by_tid(s, t1, &got), AIOT_OK);
	assert_memory_equal(got.tid_prev, t0, 16);
	assert_int_equal(aiot_store_get_by_tid(s, t0, &got), AIOT_OK); /* previous */
	aiot_store_close(s);
}

/* Compare-and-set in one batch: the first rotation wins; the second, decided on the same
 * T-ID, and a profile set with a stale expectation are reported AIOT_STORE_CHANGED and never
 * reach the backend; the loser's done already sees the winner's T-ID. */
static void test_cas_mismatch_reported(void **state)
{
	(void)state;
	aiot_dev_record r[2], got;
	uint8_t t0[16], t1[16], t2[16];
	char err[256];
	memset(t0, 0x30, 16), memset(t1, 0x31, 16), memset(t2, 0x32, 16);
	aiot_store *s = open_mem(1);
	make_dev(&r[0], 1, t0);
	make_dev(&r[1], 2, NULL);
	assert_int_equal(aiot_store_insert(s, r, 2, err, sizeof err), AIOT_OK);
	cur = s, cur_id = r[0].perm_id, rc_n = 0;
	aiot_tid_expect ex = {t0, NULL, NULL};
	aiot_profile_write w[2] = {{r[0].perm_id, 12, NULL, "{\"a\":1}"},
	                           {r[1].perm_id, 12, "{\"stale\":1}", "{\"b\":1}"}};
	hold_commit(s, r[1].perm_id);
	assert_int_equal(
	    aiot_store_set_tid(s, r[0].perm_id, 12, &ex, t1, AIOT_TID_STORED, log_done, (void *)0),
	    AIOT_OK);
	assert_int_equal(
	    aiot_store_set_tid(s, r[0].perm_id, 12, &ex, t2, AIOT_TID_STORED, log_done, (void *)1),
	    AIOT_OK);
	assert_int_equal(aiot_store_set_profiles(s, w, 2, log_done, (void *)2), AIOT_OK);
	size_t before = mem.commits;
	release_commit(s);
	assert_int_equal(rc_n, 3);
	assert_int_equal(rc_log[0], AIOT_OK);
	assert_int_equal(rc_log[1], AIOT_STORE_CHANGED);
	assert_int_equal(rc_log[2], AIOT_STORE_CHANGED);
	assert_memory_equal(seen_tid[1], t1, 16);  /* re-reading after CHANGED finds the winner */
	assert_int_equal(mem.commits, before + 2); /* the gate's batch, then this one */
	assert_int_equal(mem.last_n, 1);           /* only the winner reached the backend */
	assert_int_equal(mem.last[0].kind, AIOT_CHANGE_TID);
	assert_memory_equal(mem.last_prev[0], t0, 16);
	assert_null(aiot_store_get_profile_json(s, r[0].perm_id, 12)); /* a set: whole or not */
	assert_int_equal(aiot_store_get(s, r[0].perm_id, 12, &got), AIOT_OK);
	assert_memory_equal(got.tid, t1, 16);
	assert_memory_equal(got.tid_prev, t0, 16);
	/* A batch where every compare-and-set fails makes no backend call at all. */
	before = mem.commits;
	assert_int_equal(
	    aiot_store_set_tid(s, r[0].perm_id, 12, &ex, t2, AIOT_TID_STORED, log_done, (void *)3),
	    AIOT_OK);
	aiot_store_flush(s);
	assert_int_equal(rc_log[3], AIOT_STORE_CHANGED);
	assert_int_equal(mem.commits, before);
	aiot_store_close(s);
}

/* DO-A: two exchanges queued with one RAND_d for one device (two AIOTFs relaying one M1, or
 * a replay racing the original) land in one batch: exactly one joins the window, the other
 * is AIOT_STORE_CHANGED and never reaches the backend; a different RAND_d is not held up. */
static void test_doa_rand_cas(void **state)
{
	(void)state;
	aiot_dev_record r[2], got;
	uint8_t d1[16], d2[16];
	char err[256];
	memset(d1, 0x61, 16), memset(d2, 0x62, 16);
	aiot_store *s = open_mem(1);
	make_dev(&r[0], 1, NULL);
	make_dev(&r[1], 2, NULL);
	assert_int_equal(aiot_store_insert(s, r, 2, err, sizeof err), AIOT_OK);
	cur = s, cur_id = r[0].perm_id, rc_n = 0;
	hold_commit(s, r[1].perm_id);
	for (size_t k = 0; k < 2; k++)
		assert_int_equal(
		    aiot_store_add_doa_rand(s, r[0].perm_id, 12, d1, log_done, (void *)k), AIOT_OK);
	assert_int_equal(aiot_store_add_doa_rand(s, r[0].perm_id, 12, d2, log_done, (void *)2),
	                 AIOT_OK);
	release_commit(s);
	assert_int_equal(rc_n, 3);
	assert_int_equal(rc_log[0], AIOT_OK);
	assert_int_equal(rc_log[1], AIOT_STORE_CHANGED);
	assert_int_equal(rc_log[2], AIOT_OK);
	assert_int_equal(mem.last_n, 2); /* the loser never reached the backend */
	assert_int_equal(mem.last[1].kind, AIOT_CHANGE_DOA);
	assert_int_equal(aiot_store_get(s, r[0].perm_id, 12, &got), AIOT_OK);
	assert_int_equal(got.doa_n, 2);
	assert_memory_equal(got.doa_rand_d[0], d1, 16);
	assert_memory_equal(got.doa_rand_d[1], d2, 16);
	assert_true(aiot_store_doa_seen(&got, d1) && aiot_store_doa_seen(&got, d2));
	/* Later, the same RAND_d again: refused at once, nothing committed. */
	size_t before = mem.commits;
	assert_int_equal(aiot_store_add_doa_rand(s, r[0].perm_id, 12, d2, log_done, (void *)3),
	                 AIOT_OK);
	aiot_store_flush(s);
	assert_int_equal(rc_log[3], AIOT_STORE_CHANGED);
	assert_int_equal(mem.commits, before);
	/* The backend holds the window: a reopen finds it; another device has none. */
	aiot_store_close(s);
	s = open_mem(0);
	assert_int_equal(aiot_store_get(s, r[0].perm_id, 12, &got), AIOT_OK);
	assert_int_equal(got.doa_n, 2);
	assert_true(aiot_store_doa_seen(&got, d1));
	assert_int_equal(aiot_store_get(s, r[1].perm_id, 12, &got), AIOT_OK);
	assert_int_equal(got.doa_n, 0);
	assert_false(aiot_store_doa_seen(&got, d1));
	assert_int_equal(
	    aiot_store_add_doa_rand(s, (const uint8_t *)"nobody-here!", 12, d1, NULL, NULL),
	    AIOT_ERR_UNKNOWN);
	aiot_store_close(s);
}

/* An insert the backend refuses or fails leaves the cache as it was. */
static void test_failed_insert_leaves_cache(void **state)
{
	(void)state;
	aiot_dev_record r[2], got;
	uint8_t t0[16];
	char err[256];
	memset(t0, 0x40, 16);
	aiot_store *s = open_mem(1);
	make_dev(&r[0], 1, NULL);
	make_dev(&r[1], 2, t0);
	assert_int_equal(aiot_store_insert(s, &r[0], 1, err, sizeof err), AIOT_OK);
	mem.fail_insert = 1;
	assert_int_equal(aiot_store_insert(s, &r[1], 1, err, sizeof err), AIOT_ERR_STATE);
	assert_string_equal(err, "insert failed (injected)");
	mem.fail_insert = 0;
	assert_int_equal(aiot_store_insert(s, r, 2, err, sizeof err), AIOT_ERR_INVAL);
	assert_int_equal(aiot_store_count(s), 1);
	assert_int_equal(aiot_store_get(s, r[1].perm_id, 12, &got), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get_by_tid(s, t0, &got), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_match_prefix(s, r[0].perm_id, 32, 0, NULL, NULL), 1);
	assert_int_equal(aiot_store_insert(s, &r[1], 1, err, sizeof err), AIOT_OK);
	assert_int_equal(aiot_store_get_by_tid(s, t0, &got), AIOT_OK);
	assert_int_equal(aiot_store_match_prefix(s, r[0].perm_id, 32, 0, NULL, NULL), 2);
	aiot_store_close(s);
	/* The backend's open refusing (a wrong KEK) is the store's open failing. */
	uint8_t other[32] = {8};
	char e[64] = "";
	assert_null(aiot_store_open_backend(&mem_backend, "test", other, 0, e, sizeof e));
	assert_string_equal(e, "wrong KEK");
}

/* The URI scheme selects the backend from the store's table; an unknown one names those
 * there are. */
static void test_scheme_dispatch(void **state)
{
	(void)state;
	char err[128] = "";
	assert_null(aiot_store_open("mem:test", kek, 1, err, sizeof err));
	assert_string_equal(err, "store URI 'mem:test': expected sqlite:PATH or "
	                         "redis-cluster://HOST:PORT[,HOST:PORT...]");
	assert_null(aiot_store_open("sqlite", kek, 1, err, sizeof err));
	assert_string_equal(err, "store URI 'sqlite': expected sqlite:PATH or "
	                         "redis-cluster://HOST:PORT[,HOST:PORT...]");
}

/* The SQLite backend keeps the same promise: a batch with a change it cannot make (no such
 * row) commits none of its changes. */
static aiot_dev_record loaded;
static int keep_row(void *arg, const aiot_dev_record *r, const char *profile)
{
	(void)arg, (void)profile;
	loaded = *r;
	return AIOT_OK;
}

/* A batch with a change of a device that does not exist: SQLite commits none of it; Redis
 * Cluster (one slot per device) commits the other device's change and says so (res). */
static void test_backend_batch(void **state)
{
	(void)state;
	const int redis = test_store_redis() != NULL;
	const aiot_store_backend *be =
	    redis ? &aiot_store_backend_redis : &aiot_store_backend_sqlite;
	char dir[] = "/tmp/aiot-store-be-XXXXXX", db[64], uri[512], err[256] = "";
	aiot_dev_record r, ghost;
	uint8_t t0[16], t1[16];
	int res[2] = {AIOT_ERR_STATE, AIOT_ERR_STATE};
	memset(t0, 0x50, 16), memset(t1, 0x51, 16);
	make_dev(&r, 1, t0);
	make_dev(&ghost, 2, NULL);
	assert_non_null(mkdtemp(dir));
	snprintf(db, sizeof db, "%s/d.db", dir);
	test_store_uri(db, uri, sizeof uri);
	const char *path = strchr(uri, ':') + 1;
	void *b = be->open(path, 1, kek, err, sizeof err);
	assert_non_null(b);
	assert_int_equal(be->insert(b, &r, 1, err, sizeof err), AIOT_OK);
	assert_int_equal(be->insert(b, &r, 1, err, sizeof err), AIOT_ERR_INVAL);
	assert_non_null(strstr(err, "already exists"));
	aiot_store_change ch[2] = {
	    {.kind = AIOT_CHANGE_TID, .perm_id = r.perm_id, .len = 12, .tid = t1, .tid_prev = t0},
	    {.kind = AIOT_CHANGE_PROFILE, .perm_id = ghost.perm_id, .len = 12, .json = "{}"}};
	assert_int_equal(be->commit(b, ch, 2, res, err, sizeof err), AIOT_ERR_UNKNOWN);
	assert_string_equal(err, "no such device row");
	assert_int_equal(res[0], redis ? AIOT_OK : AIOT_ERR_STATE);
	assert_int_not_equal(res[1], AIOT_OK);
	assert_int_equal(be->load(b, keep_row, NULL, err, sizeof err), AIOT_OK);
	assert_memory_equal(loaded.tid, redis ? t1 : t0, 16);
	assert_int_equal(loaded.has_tid_prev, redis);
	ch[0].tid = t0, ch[0].tid_prev = t1;
	assert_int_equal(be->commit(b, ch, 1, res, err, sizeof err), AIOT_OK);
	assert_int_equal(be->load(b, keep_row, NULL, err, sizeof err), AIOT_OK);
	assert_memory_equal(loaded.tid, t0, 16);
	assert_memory_equal(loaded.tid_prev, t1, 16);
	assert_int_equal(be->count(b), 1);
	be->close(b);
	be->remove(path);
	assert_int_equal(rmdir(dir), 0);
}

#define T(f) cmocka_unit_test_teardown(f, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_failed_commit_leaves_cache),
	    T(test_cas_mismatch_reported),
	    T(test_doa_rand_cas),
	    T(test_failed_insert_leaves_cache),
	    T(test_scheme_dispatch),
	    T(test_backend_batch),
	    T(test_per_device_commit),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
