/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Several processes on one shared store (store_backend.h `shared`, docs/redis-cluster.md):
 * two or three aiot_store handles opened on one Redis Cluster namespace stand for two ADMs.
 * A T-ID rotation through A is seen by B (new and previous T-ID, through the cluster's T-ID
 * index); A and B deciding on the same expected T-ID, or the same profile text: exactly one
 * commits, the other gets AIOT_STORE_CHANGED; one RAND_d added through A and B at once, from
 * two threads, many times: exactly one accepted each time; a device inserted through a third
 * handle is found by B by permanent ID and by T-ID; get_key has no round trip and no mutable
 * field; the T-ID index (pruned, rebuilt at open). Also the cost of a lookup that reads the
 * cluster. Needs AIOT_TEST_STORE_URL (run by it_store_redis); skipped without it (SQLite has
 * one process per store).
 */
#include <pthread.h>
#include <stdatomic.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "common/aiot_err.h"
#include "common/hex.h"
#include "redis/cluster.h"
#include "store/store.h"
#include "store/store_backend.h"
#include "test_store_util.h"

#define NDEV 8
static char uri[512];
static const uint8_t kek[32] = {0x5B, 7, 7, 7};
static aiot_dev_record devs[NDEV];

static aiot_store *open_store(int create)
{
	return test_store_open(uri, kek, create);
}

static void make_dev(aiot_dev_record *r, uint8_t i, uint8_t code)
{
	memset(r, 0, sizeof *r);
	r->perm_id_len = 10;
	memcpy(r->perm_id, "\xE0\xE0\x00", 3);
	r->perm_id[3] = code;
	memcpy(r->perm_id + 4, "shared", 6);
	r->perm_id[9] = i;
	r->suite = AIOT_SUITE_3GPP;
	r->key_len = 16;
	memset(r->key, 0x40 + i, 16);
	r->res_bits = 64;
	r->privacy = 1;
	r->has_tid = 1;
	memset(r->tid, 0xA0 + i, 16);
	r->tid[0] = code;
	snprintf(r->group, sizeof r->group, "shared-%u", code);
}

static int setup(void **state)
{
	(void)state;
	if (test_store_redis() == NULL)
		return 0;
	test_store_uri("unused", uri, sizeof uri);
	char err[256];
	aiot_store *a = open_store(1);
	for (uint8_t i = 0; i < NDEV; i++)
		make_dev(&devs[i], i, 1);
	int rc = aiot_store_insert(a, devs, NDEV, err, sizeof err);
	aiot_store_close(a);
	return rc == AIOT_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (test_store_redis() != NULL)
		aiot_store_remove(uri);
	return 0;
}

#define NEED_CLUSTER()                                                                             \
	do {                                                                                       \
		if (test_store_redis() == NULL)                                                    \
			skip();                                                                    \
	} while (0)

struct outcome {
	pthread_mutex_t mu;
	int ok, changed, other;
};

static void count_done(void *arg, int rc)
{
	struct outcome *o = arg;
	pthread_mutex_lock(&o->mu);
	if (rc == AIOT_OK)
		o->ok++;
	else if (rc == AIOT_STORE_CHANGED)
		o->changed++;
	else
		o->other++;
	pthread_mutex_unlock(&o->mu);
}

static void tid_n(uint8_t t[16], uint8_t dev, uint8_t n)
{
	memset(t, n, 16);
	t[15] = dev;
}

/* Rotation through A, seen by B by the new and the previous T-ID; a T-ID that left the
 * device is unknown to B. */
static void test_rotation_visible(void **state)
{
	(void)state;
	NEED_CLUSTER();
	aiot_store *a = open_store(0), *b = open_store(0);
	aiot_dev_record r;
	uint8_t t1[16], t2[16];
	const aiot_dev_record *d = &devs[0];
	struct outcome o = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	assert_int_equal(aiot_store_get_by_tid(b, d->tid, &r), AIOT_OK);
	assert_memory_equal(r.perm_id, d->perm_id, d->perm_id_len);
	assert_memory_equal(r.key, d->key, 16);
	tid_n(t1, 0, 0x11);
	aiot_tid_expect ex = {d->tid, NULL, NULL};
	assert_int_equal(aiot_store_set_tid(a, d->perm_id, d->perm_id_len, &ex, t1, AIOT_TID_STORED,
	                                    count_done, &o),
	                 AIOT_OK);
	aiot_store_flush(a);
	assert_int_equal(o.ok, 1);
	assert_int_equal(aiot_store_get_by_tid(b, t1, &r), AIOT_OK);
	assert_memory_equal(r.tid, t1, 16);
	assert_true(r.has_tid_prev);
	assert_memory_equal(r.tid_prev, d->tid, 16);
	assert_int_equal(aiot_store_get_by_tid(b, d->tid, &r), AIOT_OK); /* the previous one */
	assert_memory_equal(r.tid, t1, 16);
	/* B rotates on what it read; A sees it; the first T-ID is gone */
	tid_n(t2, 0, 0x12);
	ex.tid = t1;
	assert_int_equal(aiot_store_set_tid(b, d->perm_id, d->perm_id_len, &ex, t2, AIOT_TID_STORED,
	                                    count_done, &o),
	                 AIOT_OK);
	aiot_store_flush(b);
	assert_int_equal(o.ok, 2);
	assert_int_equal(aiot_store_get(a, d->perm_id, d->perm_id_len, &r), AIOT_OK);
	assert_memory_equal(r.tid, t2, 16);
	assert_memory_equal(r.tid_prev, t1, 16);
	assert_int_equal(aiot_store_get_by_tid(a, d->tid, &r), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get_by_tid(b, d->tid, &r), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get_by_tid(a, t1, &r), AIOT_OK);
	aiot_store_close(a);
	aiot_store_close(b);
}

/* A and B decide on the same expected T-ID (each its own next T-ID): one wins, 30 times. */
static void test_tid_cas_conflict(void **state)
{
	(void)state;
	NEED_CLUSTER();
	aiot_store *a = open_store(0), *b = open_store(0);
	const aiot_dev_record *d = &devs[1];
	aiot_dev_record r;
	struct outcome o = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	for (uint8_t k = 0; k < 30; k++) {
		uint8_t ta[16], tb[16];
		assert_int_equal(aiot_store_get(b, d->perm_id, d->perm_id_len, &r), AIOT_OK);
		aiot_tid_expect ex = {r.has_tid ? r.tid : NULL, NULL, NULL};
		tid_n(ta, 1, (uint8_t)(0x20 + 2 * k));
		tid_n(tb, 1, (uint8_t)(0x21 + 2 * k));
		assert_int_equal(aiot_store_set_tid(a, d->perm_id, d->perm_id_len, &ex, ta,
		                                    AIOT_TID_STORED, count_done, &o),
		                 AIOT_OK);
		assert_int_equal(aiot_store_set_tid(b, d->perm_id, d->perm_id_len, &ex, tb,
		                                    AIOT_TID_STORED, count_done, &o),
		                 AIOT_OK);
		aiot_store_flush(a);
		aiot_store_flush(b);
		assert_int_equal(o.ok, k + 1);
		assert_int_equal(o.changed, k + 1);
		/* the winner's T-ID is current, the one decided on is previous */
		aiot_dev_record w;
		assert_int_equal(aiot_store_get(a, d->perm_id, d->perm_id_len, &w), AIOT_OK);
		assert_true(memcmp(w.tid, ta, 16) == 0 || memcmp(w.tid, tb, 16) == 0);
		assert_memory_equal(w.tid_prev, r.tid, 16);
	}
	assert_int_equal(o.other, 0);
	aiot_store_close(a);
	aiot_store_close(b);
}

/* One RAND_d through A and B from two threads at once, 100 times: exactly one accepted. */
struct doa_arg {
	aiot_store *s;
	pthread_barrier_t *bar;
	struct outcome *o;
	int rounds;
};

static void *doa_thread(void *p)
{
	struct doa_arg *x = p;
	const aiot_dev_record *d = &devs[2];
	for (int k = 0; k < x->rounds; k++) {
		uint8_t rd[16];
		memset(rd, 0xD0, 16);
		rd[0] = (uint8_t)k;
		rd[1] = (uint8_t)(k >> 8);
		pthread_barrier_wait(x->bar);
		if (aiot_store_add_doa_rand(x->s, d->perm_id, d->perm_id_len, rd, count_done,
		                            x->o) != AIOT_OK)
			count_done(x->o, AIOT_ERR_STATE);
		aiot_store_flush(x->s);
		pthread_barrier_wait(x->bar);
	}
	return NULL;
}

static void test_doa_concurrent(void **state)
{
	(void)state;
	NEED_CLUSTER();
	enum { ROUNDS = 100 };
	pthread_barrier_t bar;
	pthread_t th[2];
	struct outcome o = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	struct doa_arg x[2] = {{open_store(0), &bar, &o, ROUNDS},
	                       {open_store(0), &bar, &o, ROUNDS}};
	pthread_barrier_init(&bar, NULL, 2);
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, doa_thread, &x[i]);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&bar);
	printf("DO-A: %d rounds, %d accepted, %d refused (changed), %d errors\n", ROUNDS, o.ok,
	       o.changed, o.other);
	assert_int_equal(o.ok, ROUNDS);
	assert_int_equal(o.changed, ROUNDS);
	assert_int_equal(o.other, 0);
	/* the window: the last AIOT_DOA_WINDOW RAND_d, in order, the same on both */
	aiot_dev_record r;
	assert_int_equal(aiot_store_get(x[1].s, devs[2].perm_id, devs[2].perm_id_len, &r), AIOT_OK);
	assert_int_equal(r.doa_n, AIOT_DOA_WINDOW);
	assert_int_equal(r.doa_rand_d[AIOT_DOA_WINDOW - 1][0], (ROUNDS - 1) & 0xFF);
	assert_int_equal(r.doa_rand_d[0][0], (ROUNDS - AIOT_DOA_WINDOW) & 0xFF);
	aiot_store_close(x[0].s);
	aiot_store_close(x[1].s);
}

/* A and B both expect no profile: one writes, the other is told; both then read the winner. */
static void test_profile_conflict(void **state)
{
	(void)state;
	NEED_CLUSTER();
	aiot_store *a = open_store(0), *b = open_store(0);
	const aiot_dev_record *d = &devs[3];
	struct outcome o = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	aiot_profile_write wa = {d->perm_id, d->perm_id_len, NULL, "{\"a\":1}"};
	aiot_profile_write wb = {d->perm_id, d->perm_id_len, NULL, "{\"b\":2}"};
	assert_int_equal(aiot_store_set_profiles(a, &wa, 1, count_done, &o), AIOT_OK);
	assert_int_equal(aiot_store_set_profiles(b, &wb, 1, count_done, &o), AIOT_OK);
	aiot_store_flush(a);
	aiot_store_flush(b);
	assert_int_equal(o.ok, 1);
	assert_int_equal(o.changed, 1);
	char *pa = aiot_store_get_profile_json(a, d->perm_id, d->perm_id_len);
	char *pb = aiot_store_get_profile_json(b, d->perm_id, d->perm_id_len);
	assert_non_null(pa);
	assert_non_null(pb);
	assert_string_equal(pa, pb);
	/* B re-decides on what it reads now: it commits */
	aiot_profile_write w2 = {d->perm_id, d->perm_id_len, pb, NULL};
	assert_int_equal(aiot_store_set_profiles(b, &w2, 1, count_done, &o), AIOT_OK);
	aiot_store_flush(b);
	assert_int_equal(o.ok, 2);
	assert_null(aiot_store_get_profile_json(a, d->perm_id, d->perm_id_len));
	free(pa);
	free(pb);
	aiot_store_close(a);
	aiot_store_close(b);
}

/* A device inserted through a third handle after B opened: B finds it by permanent ID (and
 * caches its immutable part), by T-ID, and can write it. */
static void test_insert_elsewhere(void **state)
{
	(void)state;
	NEED_CLUSTER();
	char err[256];
	aiot_store *b = open_store(0), *c = open_store(0);
	aiot_dev_record n, r;
	struct outcome o = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	make_dev(&n, 0, 2);
	size_t before = aiot_store_count(b);
	assert_int_equal(aiot_store_insert(c, &n, 1, err, sizeof err), AIOT_OK);
	assert_int_equal(aiot_store_get_by_tid(b, n.tid, &r), AIOT_OK);
	assert_memory_equal(r.key, n.key, 16);
	assert_int_equal(aiot_store_get_key(b, n.perm_id, n.perm_id_len, &r), AIOT_OK);
	assert_memory_equal(r.key, n.key, 16);
	assert_string_equal(r.group, n.group);
	assert_int_equal(aiot_store_count(b), before + 1);
	assert_int_equal(
	    aiot_store_add_doa_rand(b, n.perm_id, n.perm_id_len, n.key, count_done, &o), AIOT_OK);
	aiot_store_flush(b);
	assert_int_equal(o.ok, 1);
	aiot_store_close(b);
	aiot_store_close(c);
}

/* The backend of the test's store, opened directly: changes with a nonce of the test's. */
static void *backend_open(void)
{
	char err[256] = "";
	void *b =
	    aiot_store_backend_redis.open(uri + strlen("redis-cluster:"), 0, kek, err, sizeof err);
	if (b == NULL)
		fail_msg("backend open: %s", err);
	return b;
}

/* One change through the backend's commit: res[0]. */
static int commit1(void *b, const aiot_store_change *ch)
{
	char err[256] = "";
	int res = AIOT_ERR_STATE;
	aiot_store_backend_redis.commit(b, ch, 1, &res, err, sizeof err);
	return res;
}

/* first, then second (another change of the same device), then first again (the resend):
 * each answers OK. */
static void resend_after(void *b, const aiot_store_change *first, const aiot_store_change *second)
{
	assert_int_equal(commit1(b, first), AIOT_OK);
	assert_int_equal(commit1(b, second), AIOT_OK);
	assert_int_equal(commit1(b, first), AIOT_OK);
}

/* A resend (cluster.c sends a node's commands again after a lost connection, including those
 * that ran): the same change evaluated again after another change of the same device
 * answers OK (its own write), not CHANGED, and overwrites nothing: DO-A, T-ID, session,
 * profile. */
static void test_resend_after_newer(void **state)
{
	(void)state;
	NEED_CLUSTER();
	char err[256];
	aiot_dev_record n, r;
	make_dev(&n, 0, 3);
	aiot_store *a = open_store(0);
	assert_int_equal(aiot_store_insert(a, &n, 1, err, sizeof err), AIOT_OK);
	void *b = backend_open();
	uint8_t n1[16], n2[16], rd1[16], rd2[16], t1[16], t2[16], rn1[16] = {1}, rn2[16] = {2};
	memset(n1, 0x61, 16);
	memset(n2, 0x62, 16);
	memset(rd1, 0xD1, 16);
	memset(rd2, 0xD2, 16);
	tid_n(t1, 0, 0x31);
	tid_n(t2, 0, 0x32);
	/* DO-A: RAND_d 1 (nonce 1), then RAND_d 2 (nonce 2), then the first again */
	aiot_store_change d1 = {.kind = AIOT_CHANGE_DOA,
	                        .perm_id = n.perm_id,
	                        .len = n.perm_id_len,
	                        .rand_d = rd1,
	                        .cas = 1,
	                        .nonce = n1};
	aiot_store_change d2 = d1;
	d2.rand_d = rd2, d2.nonce = n2;
	resend_after(b, &d1, &d2);
	d1.nonce = n2; /* RAND_d 1 from another change: a replay */
	assert_int_equal(commit1(b, &d1), AIOT_STORE_CHANGED);
	assert_int_equal(aiot_store_get(a, n.perm_id, n.perm_id_len, &r), AIOT_OK);
	assert_int_equal(r.doa_n, 2);
	/* T-ID: to t1 (nonce 1), t1 to t2 (nonce 2), the first again */
	aiot_store_change c1 = {.kind = AIOT_CHANGE_TID,
	                        .perm_id = n.perm_id,
	                        .len = n.perm_id_len,
	                        .tid = t1,
	                        .tid_type = AIOT_TID_STORED,
	                        .cas = 1,
	                        .e_tid = n.tid,
	                        .nonce = n1};
	aiot_store_change c2 = c1;
	c2.tid = t2, c2.e_tid = t1, c2.nonce = n2;
	resend_after(b, &c1, &c2);
	assert_int_equal(aiot_store_get(a, n.perm_id, n.perm_id_len, &r), AIOT_OK);
	assert_memory_equal(r.tid, t2, 16);
	assert_memory_equal(r.tid_prev, t1, 16);
	c1.nonce = n2; /* the same expectation from another change: changed */
	assert_int_equal(commit1(b, &c1), AIOT_STORE_CHANGED);
	/* session: 1 (nonce 1), 2 (nonce 2), the first again: the newer one stays */
	aiot_store_change s1 = {.kind = AIOT_CHANGE_SESSION,
	                        .perm_id = n.perm_id,
	                        .len = n.perm_id_len,
	                        .rand_n = rn1,
	                        .rand_d = rd1,
	                        .nonce = n1};
	aiot_store_change s2 = s1;
	s2.rand_n = rn2, s2.rand_d = rd2, s2.nonce = n2;
	resend_after(b, &s1, &s2);
	assert_int_equal(aiot_store_get(a, n.perm_id, n.perm_id_len, &r), AIOT_OK);
	assert_true(r.has_session);
	assert_memory_equal(r.rand_n, rn2, 16);
	assert_memory_equal(r.rand_d, rd2, 16);
	/* profile: none to A (nonce 1), A to B (nonce 2), the first again: B stays */
	aiot_store_change p1 = {.kind = AIOT_CHANGE_PROFILE,
	                        .perm_id = n.perm_id,
	                        .len = n.perm_id_len,
	                        .json = "{\"a\":1}",
	                        .cas = 1,
	                        .nonce = n1};
	aiot_store_change p2 = p1;
	p2.json = "{\"b\":2}", p2.expect = p1.json, p2.nonce = n2;
	resend_after(b, &p1, &p2);
	char *pj = aiot_store_get_profile_json(a, n.perm_id, n.perm_id_len);
	assert_non_null(pj);
	assert_string_equal(pj, "{\"b\":2}");
	free(pj);
	aiot_store_backend_redis.close(b);
	aiot_store_close(a);
}

/* A multi-device profile set whose writes land on the masters but are not confirmed by WAIT
 * (wait=2 on a cluster of one replica per master: the outcome is unknown to the ADM) fails,
 * and is undone: the devices keep no profile. */
static void test_set_unconfirmed_undone(void **state)
{
	(void)state;
	NEED_CLUSTER();
	char err[256], wuri[600];
	aiot_dev_record n[2];
	make_dev(&n[0], 0, 4);
	make_dev(&n[1], 1, 4);
	aiot_store *a = open_store(0);
	assert_int_equal(aiot_store_insert(a, n, 2, err, sizeof err), AIOT_OK);
	snprintf(wuri, sizeof wuri, "%s&wait=2&wait-ms=20", uri);
	aiot_store *w = test_store_open(wuri, kek, 0);
	struct outcome o = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	aiot_profile_write pw[2] = {{n[0].perm_id, n[0].perm_id_len, NULL, "{\"u\":1}"},
	                            {n[1].perm_id, n[1].perm_id_len, NULL, "{\"u\":1}"}};
	assert_int_equal(aiot_store_set_profiles(w, pw, 2, count_done, &o), AIOT_OK);
	aiot_store_flush(w);
	assert_int_equal(o.other, 1);
	for (int i = 0; i < 2; i++)
		assert_null(aiot_store_get_profile_json(a, n[i].perm_id, n[i].perm_id_len));
	aiot_store_close(w);
	aiot_store_close(a);
}

/* One command on the test's cluster (its namespace's T-ID index entry of tid): the reply. */
static redisReply *index_cmd(const char *verb, const uint8_t tid[16])
{
	char url[512], key[160], hex[33], err[256] = "";
	snprintf(url, sizeof url, "%.*s", (int)strcspn(uri, "?"), uri);
	aiot_hex_encode(tid, 16, hex);
	snprintf(key, sizeof key, "%s:tid:{%s}", strstr(uri, "ns=") + 3, hex);
	redis_cluster *c = redis_cluster_open(url, NULL, err, sizeof err);
	assert_non_null(c);
	const char *argv[2] = {verb, key};
	redis_cmd cmd = {key, strlen(key), 2, argv, NULL};
	redisReply *x = redis_cluster_command(c, &cmd, err, sizeof err);
	redis_cluster_close(c);
	assert_non_null(x);
	return x;
}

/* The index: an entry names the device; the entry of a T-ID that left the device is removed;
 * a store whose entries are missing (written before the index) gets them back at open. */
static void test_index(void **state)
{
	(void)state;
	NEED_CLUSTER();
	const aiot_dev_record *d = &devs[7];
	struct outcome o = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	aiot_dev_record r;
	uint8_t t1[16], t2[16];
	redisReply *x = index_cmd("GET", d->tid);
	assert_int_equal(x->type, REDIS_REPLY_STRING);
	assert_memory_equal(x->str, d->perm_id, d->perm_id_len);
	freeReplyObject(x);
	aiot_store *a = open_store(0);
	tid_n(t1, 7, 0x71);
	tid_n(t2, 7, 0x72);
	assert_int_equal(aiot_store_set_tid(a, d->perm_id, d->perm_id_len, NULL, t1,
	                                    AIOT_TID_STORED, count_done, &o),
	                 AIOT_OK);
	assert_int_equal(aiot_store_set_tid(a, d->perm_id, d->perm_id_len, NULL, t2,
	                                    AIOT_TID_STORED, count_done, &o),
	                 AIOT_OK);
	aiot_store_flush(a);
	assert_int_equal(o.ok, 2);
	aiot_store_close(a);
	x = index_cmd("GET", d->tid); /* the first T-ID left the device: pruned */
	assert_int_equal(x->type, REDIS_REPLY_NIL);
	freeReplyObject(x);
	freeReplyObject(index_cmd("DEL", t2)); /* as in a store from before the index */
	a = open_store(0);
	assert_int_equal(aiot_store_get_by_tid(a, t2, &r), AIOT_OK);
	assert_memory_equal(r.tid_prev, t1, 16);
	assert_int_equal(aiot_store_get_by_tid(a, d->tid, &r), AIOT_ERR_UNKNOWN);
	aiot_store_close(a);
}

/* A and B rotate on the same expected T-ID: the loser's new T-ID (its index entry written
 * before its script answered "changed") leaves the index again; the winner's stays. */
static void test_index_loser(void **state)
{
	(void)state;
	NEED_CLUSTER();
	char err[256];
	aiot_dev_record n;
	make_dev(&n, 0, 5);
	aiot_store *a = open_store(0), *b = open_store(0);
	assert_int_equal(aiot_store_insert(a, &n, 1, err, sizeof err), AIOT_OK);
	struct outcome o = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	uint8_t ta[16], tb[16];
	tid_n(ta, 0, 0x51);
	tid_n(tb, 0, 0x52);
	aiot_tid_expect ex = {n.tid, NULL, NULL};
	assert_int_equal(aiot_store_set_tid(a, n.perm_id, n.perm_id_len, &ex, ta, AIOT_TID_STORED,
	                                    count_done, &o),
	                 AIOT_OK);
	aiot_store_flush(a);
	assert_int_equal(aiot_store_set_tid(b, n.perm_id, n.perm_id_len, &ex, tb, AIOT_TID_STORED,
	                                    count_done, &o),
	                 AIOT_OK);
	aiot_store_flush(b);
	assert_int_equal(o.ok, 1);
	assert_int_equal(o.changed, 1);
	redisReply *x = index_cmd("GET", ta);
	assert_int_equal(x->type, REDIS_REPLY_STRING);
	assert_memory_equal(x->str, n.perm_id, n.perm_id_len);
	freeReplyObject(x);
	x = index_cmd("GET", tb);
	assert_int_equal(x->type, REDIS_REPLY_NIL);
	freeReplyObject(x);
	x = index_cmd("GET", n.tid); /* the previous T-ID keeps its entry */
	assert_int_equal(x->type, REDIS_REPLY_STRING);
	freeReplyObject(x);
	aiot_store_close(a);
	aiot_store_close(b);
}

static double now_us(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* Readers on 4 threads while the writer commits sessions back to back. */
struct reader_arg {
	aiot_store *s;
	int n, fails;
	atomic_int done;
};

static void *reader_main(void *p)
{
	struct reader_arg *x = p;
	aiot_dev_record r;
	for (int i = 0; i < x->n; i++)
		x->fails +=
		    aiot_store_get(x->s, devs[5].perm_id, devs[5].perm_id_len, &r) != AIOT_OK;
	atomic_store(&x->done, 1);
	return NULL;
}

static void test_readers_and_writer(void **state)
{
	(void)state;
	NEED_CLUSTER();
	enum { THREADS = 4, N = 1000 };
	aiot_store *a = open_store(0);
	pthread_t th[THREADS];
	struct reader_arg x[THREADS];
	struct outcome o = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	uint8_t rn[16] = {1}, rd[16] = {2};
	double t0 = now_us();
	for (int i = 0; i < THREADS; i++) {
		x[i].s = a, x[i].n = N, x[i].fails = 0;
		atomic_init(&x[i].done, 0);
		pthread_create(&th[i], NULL, reader_main, &x[i]);
	}
	int writes = 0;
	for (int busy = 1; busy; writes++) { /* until the readers are done */
		assert_int_equal(aiot_store_set_session(a, devs[6].perm_id, devs[6].perm_id_len, rn,
		                                        rd, count_done, &o),
		                 AIOT_OK);
		aiot_store_flush(a);
		busy = 0;
		for (int i = 0; i < THREADS; i++)
			busy |= !atomic_load(&x[i].done);
	}
	double t1 = now_us();
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < THREADS; i++)
		assert_int_equal(x[i].fails, 0);
	assert_int_equal(o.ok, writes);
	printf("%d threads x %d aiot_store_get while %d session writes committed: %.1f us per "
	       "lookup (wall / lookups), %.0f lookups/s\n",
	       THREADS, N, writes, (t1 - t0) / (THREADS * N), THREADS * N * 1e6 / (t1 - t0));
	aiot_store_close(a);
}

/* get_key: immutable fields only and no round trip; the cost of the lookups that read the
 * cluster (printed for docs/redis-cluster.md). */
static void test_get_key_and_cost(void **state)
{
	(void)state;
	NEED_CLUSTER();
	enum { N = 2000 };
	aiot_store *a = open_store(0);
	aiot_dev_record r;
	const aiot_dev_record *d = &devs[4];
	assert_int_equal(aiot_store_get_key(a, d->perm_id, d->perm_id_len, &r), AIOT_OK);
	assert_memory_equal(r.key, d->key, 16);
	assert_int_equal(r.res_bits, 64);
	assert_int_equal(r.privacy, 1);
	assert_false(r.has_tid); /* mutable: not in the immutable record */
	double t0 = now_us();
	for (int i = 0; i < N; i++)
		assert_int_equal(aiot_store_get_key(a, d->perm_id, d->perm_id_len, &r), AIOT_OK);
	double t1 = now_us();
	for (int i = 0; i < N; i++)
		assert_int_equal(aiot_store_get(a, d->perm_id, d->perm_id_len, &r), AIOT_OK);
	double t2 = now_us();
	for (int i = 0; i < N; i++)
		assert_int_equal(aiot_store_get_by_tid(a, d->tid, &r), AIOT_OK);
	double t3 = now_us();
	/* a T-ID given after this handle opened: not among the loaded ones, the cluster's index */
	uint8_t nt[16];
	struct outcome o = {PTHREAD_MUTEX_INITIALIZER, 0, 0, 0};
	tid_n(nt, 4, 0x41);
	assert_int_equal(aiot_store_set_tid(a, d->perm_id, d->perm_id_len, NULL, nt,
	                                    AIOT_TID_STORED, count_done, &o),
	                 AIOT_OK);
	aiot_store_flush(a);
	assert_int_equal(o.ok, 1);
	double t4 = now_us();
	for (int i = 0; i < N; i++)
		assert_int_equal(aiot_store_get_by_tid(a, nt, &r), AIOT_OK);
	double t5 = now_us();
	printf("per lookup, %d each, one thread: get_key %.2f us, get %.1f us, get_by_tid %.1f "
	       "us (a T-ID loaded at open), %.1f us (one given since: the cluster's index)\n",
	       N, (t1 - t0) / N, (t2 - t1) / N, (t3 - t2) / N, (t5 - t4) / N);
	aiot_store_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rotation_visible),
	    cmocka_unit_test(test_tid_cas_conflict),
	    cmocka_unit_test(test_doa_concurrent),
	    cmocka_unit_test(test_profile_conflict),
	    cmocka_unit_test(test_insert_elsewhere),
	    cmocka_unit_test(test_get_key_and_cost),
	    cmocka_unit_test(test_readers_and_writer),
	    cmocka_unit_test(test_index),
	    cmocka_unit_test(test_resend_after_newer),
	    cmocka_unit_test(test_set_unconfirmed_undone),
	    cmocka_unit_test(test_index_loser),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
