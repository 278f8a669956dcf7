/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device store (store.h): lookups, bit-granular prefix matching against a brute-force
 * model, atomic duplicate rejection, T-ID rotation, sessions, profiles, persistence across
 * reopen, KEK checks, encryption at rest (no plaintext key in the files, AAD binds a key to
 * its row), the KEK file rules, and durability of acknowledged writes across kill -9.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/rand.h>
#include <sqlite3.h>

#include "common/aiot_err.h"
#include "store/store.h"
#include "store/store_internal.h"
#include "common/hex.h"
#include "redis/cluster.h"
#include "test_store_util.h"

static char dir[64];
static char db_path[128], uri[512];
static uint8_t kek[32];

static void rm_files(void)
{
	test_sqlite_remove(db_path);
	if (test_store_redis() != NULL)
		aiot_store_remove(uri);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/aiot-store-test-XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(db_path, sizeof db_path, "%s/devices.db", dir);
	test_store_uri(db_path, uri, sizeof uri);
	return RAND_bytes(kek, sizeof kek) == 1 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char p[192];
	rm_files();
	snprintf(p, sizeof p, "%s/kek", dir);
	unlink(p);
	rmdir(dir);
	return 0;
}

static aiot_store *open_store(int create)
{
	return test_store_open(uri, kek, create);
}

/* Device i: ID = group code (4 bytes) || i (8 bytes big-endian); deterministic attributes. */
static void make_dev(aiot_dev_record *r, uint32_t code, uint64_t i)
{
	memset(r, 0, sizeof *r);
	r->perm_id_len = 12;
	for (int k = 0; k < 4; k++)
		r->perm_id[k] = (uint8_t)(code >> (24 - 8 * k));
	for (int k = 0; k < 8; k++)
		r->perm_id[4 + k] = (uint8_t)(i >> (56 - 8 * k));
	r->suite = (i % 3 == 0) ? AIOT_SUITE_AES : AIOT_SUITE_3GPP;
	r->key_len = (r->suite == AIOT_SUITE_3GPP && i % 2) ? 32 : 16;
	assert_int_equal(RAND_bytes(r->key, r->key_len), 1);
	r->res_bits = (uint8_t)(32 * (1 + i % 4));
	snprintf(r->group, sizeof r->group, "group-%08x", code);
	r->privacy = (uint8_t)(i % 2);
	if (r->privacy) {
		r->has_tid = 1;
		assert_int_equal(RAND_bytes(r->tid, 16), 1);
	}
}

static void assert_rec_equal(const aiot_dev_record *a, const aiot_dev_record *b)
{
	assert_int_equal(a->perm_id_len, b->perm_id_len);
	assert_memory_equal(a->perm_id, b->perm_id, a->perm_id_len);
	assert_int_equal(a->suite, b->suite);
	assert_int_equal(a->res_bits, b->res_bits);
	assert_int_equal(a->key_len, b->key_len);
	assert_memory_equal(a->key, b->key, a->key_len);
	assert_string_equal(a->group, b->group);
	assert_int_equal(a->privacy, b->privacy);
	assert_int_equal(a->has_tid, b->has_tid);
	if (a->has_tid)
		assert_memory_equal(a->tid, b->tid, 16);
	assert_int_equal(a->has_tid_prev, b->has_tid_prev);
	if (a->has_tid_prev)
		assert_memory_equal(a->tid_prev, b->tid_prev, 16);
	assert_int_equal(a->has_session, b->has_session);
	if (a->has_session) {
		assert_memory_equal(a->rand_n, b->rand_n, 16);
		assert_memory_equal(a->rand_d, b->rand_d, 16);
	}
}

static void test_insert_get_reopen(void **state)
{
	(void)state;
	enum { N = 300 };
	static aiot_dev_record recs[N];
	aiot_dev_record got;
	char err[256];
	aiot_store *s = open_store(1);
	assert_int_equal(aiot_store_count(s), 0);
	for (size_t i = 0; i < N; i++)
		make_dev(&recs[i], 0xA1B2C3D4u, i * 7919);
	/* A long ID (heap path) and a 1-byte ID. */
	recs[0].perm_id_len = AIOT_PERM_ID_MAX;
	memset(recs[0].perm_id + 12, 0x5A, AIOT_PERM_ID_MAX - 12);
	recs[1].perm_id_len = 1;
	recs[1].perm_id[0] = 0x01;
	assert_int_equal(aiot_store_insert(s, recs, 100, err, sizeof err), AIOT_OK);
	assert_int_equal(aiot_store_insert(s, recs + 100, N - 100, err, sizeof err), AIOT_OK);
	assert_int_equal(aiot_store_count(s), N);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(aiot_store_get(s, recs[i].perm_id, recs[i].perm_id_len, &got),
		                 AIOT_OK);
		assert_rec_equal(&recs[i], &got);
		if (recs[i].has_tid) {
			assert_int_equal(aiot_store_get_by_tid(s, recs[i].tid, &got), AIOT_OK);
			assert_rec_equal(&recs[i], &got);
		}
	}
	uint8_t nope[16] = {0};
	assert_int_equal(aiot_store_get(s, nope, 12, &got), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get(s, recs[2].perm_id, 11, &got), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get(s, nope, 0, &got), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get_by_tid(s, nope, &got), AIOT_ERR_UNKNOWN);
	/* get_key: what never changes, the same on both backends; the rest zero */
	for (size_t i = 0; i < N; i += 37) {
		aiot_dev_record want = recs[i];
		want.has_tid = want.has_tid_prev = want.has_session = want.doa_n = 0;
		memset(want.tid, 0, 16), memset(want.tid_prev, 0, 16);
		memset(want.rand_n, 0, 16), memset(want.rand_d, 0, 16);
		assert_int_equal(aiot_store_get_key(s, recs[i].perm_id, recs[i].perm_id_len, &got),
		                 AIOT_OK);
		assert_rec_equal(&want, &got);
		assert_true(got.tid_type == AIOT_TID_STORED && got.doa_n == 0);
	}
	assert_int_equal(aiot_store_get_key(s, nope, 12, &got), AIOT_ERR_UNKNOWN);
	aiot_store_close(s);

	s = open_store(0);
	assert_int_equal(aiot_store_count(s), N);
	for (size_t i = 0; i < N; i++) {
		assert_int_equal(aiot_store_get(s, recs[i].perm_id, recs[i].perm_id_len, &got),
		                 AIOT_OK);
		assert_rec_equal(&recs[i], &got);
		if (recs[i].has_tid)
			assert_int_equal(aiot_store_get_by_tid(s, recs[i].tid, &got), AIOT_OK);
	}
	aiot_store_close(s);
}

static void test_invalid_records(void **state)
{
	(void)state;
	aiot_dev_record r;
	char err[256];
	aiot_store *s = open_store(1);
	make_dev(&r, 1, 1);
	r.suite = AIOT_SUITE_AES;
	r.key_len = 32;
	assert_int_equal(aiot_store_insert(s, &r, 1, err, sizeof err), AIOT_ERR_KEYLEN);
	make_dev(&r, 1, 1);
	r.res_bits = 48;
	assert_int_equal(aiot_store_insert(s, &r, 1, err, sizeof err), AIOT_ERR_INVAL);
	make_dev(&r, 1, 1);
	r.perm_id_len = 0;
	assert_int_equal(aiot_store_insert(s, &r, 1, err, sizeof err), AIOT_ERR_INVAL);
	make_dev(&r, 1, 1);
	memset(r.group, 'g', sizeof r.group); /* no NUL */
	assert_int_equal(aiot_store_insert(s, &r, 1, err, sizeof err), AIOT_ERR_INVAL);
	assert_int_equal(aiot_store_count(s), 0);
	char *bad = NULL;
	assert_null(aiot_store_open("redis:x", kek, 1, err, sizeof err));
	assert_non_null(strstr(err, "sqlite:PATH"));
	assert_null(aiot_store_open("sqlite:", kek, 1, err, sizeof err));
	assert_null(bad);
	aiot_store_close(s);
}

struct collect {
	size_t n;
	uint8_t ids[64][AIOT_PERM_ID_MAX];
	uint8_t lens[64];
};

static void collect_cb(void *arg, const aiot_dev_record *r)
{
	struct collect *c = arg;
	assert_true(c->n < 64);
	memcpy(c->ids[c->n], r->perm_id, r->perm_id_len);
	c->lens[c->n++] = r->perm_id_len;
}

static int bit_prefix_match(const uint8_t *id, size_t len, const uint8_t *p, size_t bits)
{
	if (bits > 8 * len)
		return 0;
	for (size_t b = 0; b < bits; b++)
		if (((id[b / 8] >> (7 - b % 8)) & 1) != ((p[b / 8] >> (7 - b % 8)) & 1))
			return 0;
	return 1;
}

static void test_prefix(void **state)
{
	(void)state;
	enum { N = 600 };
	static aiot_dev_record recs[N];
	char err[256];
	aiot_store *s = open_store(1);
	/* Three groups, IDs of several lengths, clustered low bits so prefixes of every length
	 * select non-trivial ranges. */
	static const uint32_t codes[] = {0x11223344u, 0x11223345u, 0x8000ffffu};
	for (size_t i = 0; i < N; i++) {
		make_dev(&recs[i], codes[i % 3], (uint64_t)(i / 3) * 0x0101010101ULL);
		if (i % 50 == 7) /* 5-byte ID sharing the group code */
			recs[i].perm_id_len = 5, recs[i].perm_id[4] = (uint8_t)i;
		if (i % 50 == 9) /* 20-byte ID */
			recs[i].perm_id_len = 20, recs[i].perm_id[19] = (uint8_t)i;
	}
	/* Insert in two shuffled batches so the sorted merge is exercised. */
	assert_int_equal(aiot_store_insert(s, recs + N / 2, N - N / 2, err, sizeof err), AIOT_OK);
	assert_int_equal(aiot_store_insert(s, recs, N / 2, err, sizeof err), AIOT_OK);

	for (int round = 0; round < 2; round++) {
		for (int t = 0; t < 3000; t++) {
			const aiot_dev_record *base = &recs[(size_t)rand() % N];
			uint8_t p[AIOT_PERM_ID_MAX] = {0};
			size_t bits = (size_t)rand() % (8 * base->perm_id_len + 9);
			memcpy(p, base->perm_id, base->perm_id_len);
			if (t % 4 == 0) /* flip a bit inside the prefix: often empty */
				p[bits ? (bits - 1) / 8 : 0] ^=
				    (uint8_t)(0x80 >> ((bits ? bits - 1 : 0) % 8));
			size_t want = 0;
			for (size_t i = 0; i < N; i++)
				want += (size_t)bit_prefix_match(recs[i].perm_id,
				                                 recs[i].perm_id_len, p, bits);
			struct collect c = {0};
			size_t got = aiot_store_match_prefix(s, p, bits, 64, collect_cb, &c);
			assert_int_equal(got, want);
			assert_int_equal(c.n, want < 64 ? want : 64);
			for (size_t k = 0; k < c.n; k++) {
				assert_true(bit_prefix_match(c.ids[k], c.lens[k], p, bits));
				/* In permanent-ID order. */
				if (k > 0) {
					size_t m =
					    c.lens[k] < c.lens[k - 1] ? c.lens[k] : c.lens[k - 1];
					int cmp = memcmp(c.ids[k - 1], c.ids[k], m);
					assert_true(cmp < 0 ||
					            (cmp == 0 && c.lens[k - 1] < c.lens[k]));
				}
			}
		}
		aiot_store_close(s);
		s = open_store(0); /* the index built at load must agree too */
	}
	/* Edge cases: 0 bits = everything; the cap; a prefix matching nothing. */
	struct collect c = {0};
	assert_int_equal(aiot_store_match_prefix(s, NULL, 0, 10, collect_cb, &c), N);
	assert_int_equal(c.n, 10);
	uint8_t g[4] = {0x11, 0x22, 0x33, 0x44};
	c.n = 0;
	assert_int_equal(aiot_store_match_prefix(s, g, 32, 3, collect_cb, &c), N / 3);
	assert_int_equal(c.n, 3);
	c.n = 0;
	assert_int_equal(aiot_store_match_prefix(s, g, 31, 0, collect_cb, &c), 2 * N / 3);
	assert_int_equal(c.n, 0);
	uint8_t z[4] = {0x7f, 0xff, 0xff, 0xff};
	assert_int_equal(aiot_store_match_prefix(s, z, 1, 10, collect_cb, &c), 2 * N / 3);
	assert_int_equal(aiot_store_match_prefix(s, z, 9, 10, collect_cb, &c), 0);
	assert_int_equal(
	    aiot_store_match_prefix(s, z, 8 * AIOT_PERM_ID_MAX + 1, 10, collect_cb, &c), 0);
	aiot_store_close(s);
}

static void test_duplicate_atomic(void **state)
{
	(void)state;
	aiot_dev_record a[5], b[3];
	aiot_dev_record got;
	char err[256] = "";
	aiot_store *s = open_store(1);
	for (int i = 0; i < 5; i++)
		make_dev(&a[i], 7, (uint64_t)i);
	assert_int_equal(aiot_store_insert(s, a, 5, err, sizeof err), AIOT_OK);
	/* b[0], b[2] new; b[1] already stored. */
	make_dev(&b[0], 7, 100);
	b[1] = a[3];
	make_dev(&b[2], 7, 101);
	assert_int_equal(aiot_store_insert(s, b, 3, err, sizeof err), AIOT_ERR_INVAL);
	assert_non_null(strstr(err, "already exists"));
	assert_int_equal(aiot_store_count(s), 5);
	assert_int_equal(aiot_store_get(s, b[0].perm_id, 12, &got), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get(s, b[2].perm_id, 12, &got), AIOT_ERR_UNKNOWN);
	/* A duplicate inside one batch. */
	b[1] = b[0];
	assert_int_equal(aiot_store_insert(s, b, 2, err, sizeof err), AIOT_ERR_INVAL);
	assert_int_equal(aiot_store_count(s), 5);
	/* The store still works after a rolled-back batch. */
	assert_int_equal(aiot_store_insert(s, &b[2], 1, err, sizeof err), AIOT_OK);
	aiot_store_close(s);
	s = open_store(0);
	assert_int_equal(aiot_store_count(s), 6);
	assert_int_equal(aiot_store_get(s, b[0].perm_id, 12, &got), AIOT_ERR_UNKNOWN);
	aiot_store_close(s);
}

static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static size_t done_ok, done_fail;

static void count_done(void *arg, int rc)
{
	(void)arg;
	pthread_mutex_lock(&done_lock);
	if (rc == AIOT_OK)
		done_ok++;
	else
		done_fail++;
	pthread_mutex_unlock(&done_lock);
}

static void test_tid_rotation(void **state)
{
	(void)state;
	aiot_dev_record r, got;
	uint8_t t1[16], t2[16], t3[16];
	char err[256];
	aiot_store *s = open_store(1);
	make_dev(&r, 9, 1);
	r.has_tid = 0;
	assert_int_equal(aiot_store_insert(s, &r, 1, err, sizeof err), AIOT_OK);
	memset(t1, 1, 16), memset(t2, 2, 16), memset(t3, 3, 16);
	done_ok = done_fail = 0;
	assert_int_equal(
	    aiot_store_set_tid(s, r.perm_id, 12, NULL, t1, AIOT_TID_STORED, count_done, NULL),
	    AIOT_OK);
	aiot_store_flush(s); /* visible once committed */
	assert_int_equal(aiot_store_get_by_tid(s, t1, &got), AIOT_OK);
	assert_int_equal(got.has_tid_prev, 0);
	assert_int_equal(
	    aiot_store_set_tid(s, r.perm_id, 12, NULL, t2, AIOT_TID_CONCEALED, count_done, NULL),
	    AIOT_OK);
	aiot_store_flush(s);
	assert_int_equal(aiot_store_get_by_tid(s, t1, &got), AIOT_OK); /* previous */
	assert_int_equal(aiot_store_get_by_tid(s, t2, &got), AIOT_OK); /* current */
	assert_memory_equal(got.tid, t2, 16);
	assert_memory_equal(got.tid_prev, t1, 16);
	assert_int_equal(got.tid_type, AIOT_TID_CONCEALED);
	assert_int_equal(
	    aiot_store_set_tid(s, r.perm_id, 12, NULL, t3, AIOT_TID_STORED, NULL, NULL), AIOT_OK);
	aiot_store_flush(s);
	assert_int_equal(aiot_store_get_by_tid(s, t1, &got), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get_by_tid(s, t2, &got), AIOT_OK);
	assert_int_equal(aiot_store_get_by_tid(s, t3, &got), AIOT_OK);
	uint8_t unknown_id[12] = {0xEE};
	assert_int_equal(
	    aiot_store_set_tid(s, unknown_id, 12, NULL, t1, AIOT_TID_STORED, count_done, NULL),
	    AIOT_ERR_UNKNOWN);
	aiot_store_flush(s);
	assert_int_equal(done_ok, 2);
	assert_int_equal(done_fail, 0);
	aiot_store_close(s);
	s = open_store(0);
	assert_int_equal(aiot_store_get_by_tid(s, t1, &got), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get_by_tid(s, t2, &got), AIOT_OK);
	assert_int_equal(aiot_store_get_by_tid(s, t3, &got), AIOT_OK);
	assert_memory_equal(got.tid, t3, 16);
	assert_memory_equal(got.tid_prev, t2, 16);
	assert_int_equal(got.tid_type, AIOT_TID_STORED);
	aiot_store_close(s);
}

/* Many rotations over many devices against a model: exercises the hash index's deletion. */
static void test_tid_rotation_model(void **state)
{
	(void)state;
	enum { N = 2000, OPS = 20000 };
	static aiot_dev_record recs[N];
	static uint8_t cur[N][16], prev[N][16];
	static uint8_t has_cur[N], has_prev[N];
	aiot_dev_record got;
	char err[256];
	aiot_store *s = open_store(1);
	for (size_t i = 0; i < N; i++) {
		make_dev(&recs[i], 0x42, i);
		recs[i].has_tid = 0;
	}
	assert_int_equal(aiot_store_insert(s, recs, N, err, sizeof err), AIOT_OK);
	for (size_t k = 0; k < OPS; k++) {
		size_t i = (size_t)rand() % N;
		uint8_t t[16];
		assert_int_equal(RAND_bytes(t, 16), 1);
		assert_int_equal(aiot_store_set_tid(s, recs[i].perm_id, 12, NULL, t,
		                                    AIOT_TID_STORED, NULL, NULL),
		                 AIOT_OK);
		if (has_cur[i]) {
			memcpy(prev[i], cur[i], 16);
			has_prev[i] = 1;
		}
		memcpy(cur[i], t, 16);
		has_cur[i] = 1;
		if (k % 1000 == 999)
			aiot_store_flush(s);
		if (k % 1000 == 999)
			for (size_t j = 0; j < N; j++) {
				if (has_cur[j]) {
					assert_int_equal(aiot_store_get_by_tid(s, cur[j], &got),
					                 AIOT_OK);
					assert_memory_equal(got.perm_id, recs[j].perm_id, 12);
				}
				if (has_prev[j]) {
					assert_int_equal(aiot_store_get_by_tid(s, prev[j], &got),
					                 AIOT_OK);
					assert_memory_equal(got.perm_id, recs[j].perm_id, 12);
				}
			}
	}
	aiot_store_close(s);
	s = open_store(0);
	for (size_t j = 0; j < N; j++) {
		if (has_cur[j])
			assert_int_equal(aiot_store_get_by_tid(s, cur[j], &got), AIOT_OK);
		if (has_prev[j])
			assert_int_equal(aiot_store_get_by_tid(s, prev[j], &got), AIOT_OK);
	}
	aiot_store_close(s);
}

static void test_session_and_profile(void **state)
{
	(void)state;
	aiot_dev_record r, got;
	uint8_t rn[16], rd[16];
	char err[256];
	aiot_store *s = open_store(1);
	make_dev(&r, 5, 5);
	assert_int_equal(aiot_store_insert(s, &r, 1, err, sizeof err), AIOT_OK);
	assert_null(aiot_store_get_profile_json(s, r.perm_id, 12));
	memset(rn, 0xA5, 16), memset(rd, 0x5A, 16);
	done_ok = done_fail = 0;
	assert_int_equal(aiot_store_set_session(s, r.perm_id, 12, rn, rd, count_done, NULL),
	                 AIOT_OK);
	aiot_store_flush(s);
	assert_int_equal(aiot_store_get(s, r.perm_id, 12, &got), AIOT_OK);
	assert_int_equal(got.has_session, 1);
	assert_memory_equal(got.rand_n, rn, 16);
	assert_memory_equal(got.rand_d, rd, 16);
	const char *json = "{\"lastKnownAiotfInfo\":{\"aiotfInstanceId\":\"a1\"}}";
	aiot_profile_write w = {r.perm_id, 12, NULL, json};
	assert_int_equal(aiot_store_set_profiles(s, &w, 1, count_done, NULL), AIOT_OK);
	aiot_store_flush(s);
	char *p = aiot_store_get_profile_json(s, r.perm_id, 12);
	assert_non_null(p);
	assert_string_equal(p, json);
	free(p);
	uint8_t unknown_id[12] = {0};
	assert_int_equal(aiot_store_set_session(s, unknown_id, 12, rn, rd, NULL, NULL),
	                 AIOT_ERR_UNKNOWN);
	aiot_profile_write wu = {unknown_id, 12, NULL, json};
	assert_int_equal(aiot_store_set_profiles(s, &wu, 1, NULL, NULL), AIOT_ERR_UNKNOWN);
	aiot_store_flush(s);
	assert_int_equal(done_ok, 2);
	aiot_store_close(s);

	s = open_store(0);
	assert_int_equal(aiot_store_get(s, r.perm_id, 12, &got), AIOT_OK);
	assert_int_equal(got.has_session, 1);
	assert_memory_equal(got.rand_n, rn, 16);
	assert_memory_equal(got.rand_d, rd, 16);
	p = aiot_store_get_profile_json(s, r.perm_id, 12);
	assert_non_null(p);
	assert_string_equal(p, json);
	free(p);
	/* NULL removes the profile. */
	w = (aiot_profile_write){r.perm_id, 12, json, NULL};
	assert_int_equal(aiot_store_set_profiles(s, &w, 1, NULL, NULL), AIOT_OK);
	aiot_store_flush(s);
	assert_null(aiot_store_get_profile_json(s, r.perm_id, 12));
	aiot_store_close(s);
	s = open_store(0);
	assert_null(aiot_store_get_profile_json(s, r.perm_id, 12));
	aiot_store_close(s);
}

static void test_wrong_kek(void **state)
{
	(void)state;
	aiot_dev_record r;
	char err[256] = "";
	uint8_t other[32];
	aiot_store *s = open_store(1);
	make_dev(&r, 3, 3);
	assert_int_equal(aiot_store_insert(s, &r, 1, err, sizeof err), AIOT_OK);
	aiot_store_close(s);
	memcpy(other, kek, 32);
	other[31] ^= 1;
	assert_null(aiot_store_open(uri, other, 0, err, sizeof err));
	assert_non_null(strstr(err, "wrong key-encryption key"));
	/* Not a store / missing file. */
	assert_null(aiot_store_open("sqlite:/nonexistent-dir/x.db", kek, 0, err, sizeof err));
	assert_null(aiot_store_open("sqlite:/nonexistent-dir/x.db", kek, 1, err, sizeof err));
	s = open_store(0);
	assert_int_equal(aiot_store_count(s), 1);
	aiot_store_close(s);
}

static size_t read_file(const char *path, uint8_t **buf)
{
	FILE *f = fopen(path, "rb");
	*buf = NULL;
	if (f == NULL)
		return 0;
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	*buf = malloc((size_t)n + 1);
	assert_non_null(*buf);
	assert_int_equal(fread(*buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	return (size_t)n;
}

static size_t count_keys_in_files(const aiot_dev_record *recs, size_t n)
{
	char p[192];
	static const char *const sfx[] = {"", "-wal", "-shm"};
	size_t found = 0, total = 0;
	for (size_t f = 0; f < 3; f++) {
		uint8_t *buf;
		snprintf(p, sizeof p, "%s%s", db_path, sfx[f]);
		size_t len = read_file(p, &buf);
		total += len;
		if (buf == NULL)
			continue; /* -wal / -shm are gone after a clean close */
		for (size_t i = 0; i < n; i++) {
			if (memmem(buf, len, recs[i].key, recs[i].key_len) != NULL)
				found++;
			/* The first 8 bytes alone would also be a leak. */
			else if (memmem(buf, len, recs[i].key, 8) != NULL)
				found++;
		}
		free(buf);
	}
	assert_true(total > 0);
	return found;
}

static void test_no_plaintext_key_on_disk(void **state)
{
	(void)state;
	SKIP_ON_REDIS();
	enum { N = 200 };
	static aiot_dev_record recs[N];
	aiot_dev_record got;
	char err[256];
	aiot_store *s = open_store(1);
	for (size_t i = 0; i < N; i++)
		make_dev(&recs[i], 0x0D15C, i);
	assert_int_equal(aiot_store_insert(s, recs, N, err, sizeof err), AIOT_OK);
	/* Sanity: the IDs themselves are on disk (the search works). */
	uint8_t *buf;
	size_t len = read_file(db_path, &buf);
	char wal[192];
	snprintf(wal, sizeof wal, "%s-wal", db_path);
	uint8_t *wbuf;
	size_t wlen = read_file(wal, &wbuf);
	assert_true(memmem(buf, len, recs[N - 1].perm_id, 12) != NULL ||
	            memmem(wbuf, wlen, recs[N - 1].perm_id, 12) != NULL);
	free(buf);
	free(wbuf);
	assert_int_equal(count_keys_in_files(recs, N), 0); /* WAL not yet checkpointed */
	aiot_store_close(s);
	assert_int_equal(count_keys_in_files(recs, N), 0); /* after the checkpoint */
	struct stat st;
	assert_int_equal(stat(db_path, &st), 0);
	assert_int_equal(st.st_mode & 077, 0);
	s = open_store(0);
	assert_int_equal(aiot_store_get(s, recs[7].perm_id, 12, &got), AIOT_OK);
	assert_memory_equal(got.key, recs[7].key, recs[7].key_len);
	aiot_store_close(s);
}

static void test_swapped_key_blob(void **state)
{
	(void)state;
	SKIP_ON_REDIS();
	aiot_dev_record r[3];
	char err[512] = "";
	aiot_store *s = open_store(1);
	for (int i = 0; i < 3; i++) {
		make_dev(&r[i], 0xBEEF, (uint64_t)i);
		r[i].suite = AIOT_SUITE_3GPP;
		r[i].key_len = 16;
	}
	assert_int_equal(aiot_store_insert(s, r, 3, err, sizeof err), AIOT_OK);
	aiot_store_close(s);

	/* An attacker with write access to the file swaps two rows' key blobs. */
	sqlite3 *db;
	assert_int_equal(sqlite3_open(db_path, &db), SQLITE_OK);
	char *emsg = NULL;
	int rc = sqlite3_exec(db,
	                      "CREATE TEMP TABLE k AS SELECT perm_id, key_blob FROM devices;"
	                      "UPDATE devices SET key_blob = (SELECT key_blob FROM k WHERE "
	                      "k.perm_id <> devices.perm_id ORDER BY k.perm_id LIMIT 1) WHERE "
	                      "perm_id IN (SELECT perm_id FROM devices ORDER BY perm_id LIMIT 2);",
	                      NULL, NULL, &emsg);
	if (rc != SQLITE_OK)
		fail_msg("sqlite: %s", emsg);
	sqlite3_close(db);
	assert_null(aiot_store_open(uri, kek, 0, err, sizeof err));
	assert_non_null(strstr(err, "2 of 3 device keys do not authenticate"));
	assert_non_null(strstr(err, "moved"));
}

/* The same on the cluster: a key blob copied into another device's hash. */
static void redis_hash_key(const aiot_dev_record *r, char *key, size_t cap)
{
	char hex[2 * AIOT_PERM_ID_MAX + 1];
	aiot_hex_encode(r->perm_id, r->perm_id_len, hex);
	snprintf(key, cap, "%s:dev:{%s}", strstr(uri, "ns=") + 3, hex);
}

static void test_swapped_key_blob_redis(void **state)
{
	(void)state;
	if (test_store_redis() == NULL)
		skip();
	aiot_dev_record r[2];
	char err[512] = "", url[512], ka[160], kb[160];
	aiot_store *s = open_store(1);
	for (int i = 0; i < 2; i++)
		make_dev(&r[i], 0xBEEF, (uint64_t)i);
	assert_int_equal(aiot_store_insert(s, r, 2, err, sizeof err), AIOT_OK);
	aiot_store_close(s);
	snprintf(url, sizeof url, "%.*s", (int)strcspn(uri, "?"), uri);
	redis_cluster *c = redis_cluster_open(url, NULL, err, sizeof err);
	assert_non_null(c);
	redis_hash_key(&r[0], ka, sizeof ka);
	redis_hash_key(&r[1], kb, sizeof kb);
	const char *get[3] = {"HGET", ka, "k"};
	redis_cmd cg = {ka, strlen(ka), 3, get, NULL};
	redisReply *blob = redis_cluster_command(c, &cg, err, sizeof err);
	assert_true(blob != NULL && blob->type == REDIS_REPLY_STRING);
	const char *set[4] = {"HSET", kb, "k", blob->str};
	size_t setlen[4] = {4, strlen(kb), 1, blob->len};
	redis_cmd cs = {kb, strlen(kb), 4, set, setlen};
	freeReplyObject(redis_cluster_command(c, &cs, err, sizeof err));
	freeReplyObject(blob);
	redis_cluster_close(c);
	assert_null(aiot_store_open(uri, kek, 0, err, sizeof err));
	assert_non_null(strstr(err, "does not authenticate under this KEK"));
	assert_non_null(strstr(err, "moved"));
}

static void test_kek_file(void **state)
{
	(void)state;
	char p[192], err[256] = "";
	uint8_t k1[32], k2[32];
	struct stat st;
	snprintf(p, sizeof p, "%s/kek", dir);
	unlink(p);
	assert_int_not_equal(aiot_kek_load(p, k1, 0, err, sizeof err), AIOT_OK);
	assert_non_null(strstr(err, p));
	assert_int_equal(aiot_kek_load(p, k1, 1, err, sizeof err), AIOT_OK);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(st.st_size, 32);
	assert_int_equal(aiot_kek_load(p, k2, 1, err, sizeof err), AIOT_OK); /* exists: loaded */
	assert_memory_equal(k1, k2, 32);
	assert_int_equal(aiot_kek_load(p, k2, 0, err, sizeof err), AIOT_OK);
	assert_memory_equal(k1, k2, 32);
	/* Readable by group / other: refused. */
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_not_equal(aiot_kek_load(p, k2, 0, err, sizeof err), AIOT_OK);
	assert_non_null(strstr(err, "group/other"));
	assert_int_equal(chmod(p, 0604), 0);
	assert_int_not_equal(aiot_kek_load(p, k2, 1, err, sizeof err), AIOT_OK);
	assert_int_equal(chmod(p, 0400), 0);
	assert_int_equal(aiot_kek_load(p, k2, 0, err, sizeof err), AIOT_OK);
	/* Wrong sizes. */
	assert_int_equal(chmod(p, 0600), 0);
	int fd = open(p, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_not_equal(aiot_kek_load(p, k2, 0, err, sizeof err), AIOT_OK);
	assert_non_null(strstr(err, "exactly 32 bytes"));
	assert_int_equal(truncate(p, 31), 0);
	assert_int_not_equal(aiot_kek_load(p, k2, 0, err, sizeof err), AIOT_OK);
	assert_non_null(strstr(err, "exactly 32 bytes"));
	assert_int_equal(truncate(p, 0), 0);
	assert_int_not_equal(aiot_kek_load(p, k2, 1, err, sizeof err), AIOT_OK);
	unlink(p);
}

/* Readers on several threads while a writer rotates T-IDs: no torn records (run this
 * under ASan/TSan). */
struct reader_arg {
	aiot_store *s;
	const aiot_dev_record *recs;
	size_t n;
	_Atomic int stop;
};

static void *reader_main(void *p)
{
	struct reader_arg *a = p;
	aiot_dev_record got;
	size_t reads = 0;
	while (!a->stop) {
		size_t i = reads++ % a->n;
		if (aiot_store_get(a->s, a->recs[i].perm_id, 12, &got) != AIOT_OK ||
		    memcmp(got.key, a->recs[i].key, a->recs[i].key_len) != 0)
			return (void *)1;
		if (got.has_tid && aiot_store_get_by_tid(a->s, got.tid, &got) != AIOT_OK)
			continue; /* rotated meanwhile: acceptable */
	}
	return NULL;
}

static void test_concurrent_readers(void **state)
{
	(void)state;
	enum { N = 500 };
	static aiot_dev_record recs[N];
	char err[256];
	pthread_t th[3];
	aiot_store *s = open_store(1);
	for (size_t i = 0; i < N; i++)
		make_dev(&recs[i], 0xC0, i);
	assert_int_equal(aiot_store_insert(s, recs, N, err, sizeof err), AIOT_OK);
	struct reader_arg a = {.s = s, .recs = recs, .n = N};
	for (int t = 0; t < 3; t++)
		assert_int_equal(pthread_create(&th[t], NULL, reader_main, &a), 0);
	for (size_t k = 0; k < 5000; k++) {
		uint8_t tid[16];
		assert_int_equal(RAND_bytes(tid, 16), 1);
		assert_int_equal(aiot_store_set_tid(s, recs[k % N].perm_id, 12, NULL, tid,
		                                    AIOT_TID_STORED, NULL, NULL),
		                 AIOT_OK);
		if (k == 2500) { /* an insert in the middle */
			aiot_dev_record extra;
			make_dev(&extra, 0xC1, k);
			assert_int_equal(aiot_store_insert(s, &extra, 1, err, sizeof err), AIOT_OK);
		}
	}
	a.stop = 1;
	for (int t = 0; t < 3; t++) {
		void *ret;
		pthread_join(th[t], &ret);
		assert_null(ret);
	}
	aiot_store_close(s);
}

static void test_memory_per_device(void **state)
{
	(void)state;
	SKIP_ON_REDIS();
	enum { N = 100000, B = 10000 };
	aiot_dev_record *recs = calloc(B, sizeof *recs);
	char err[256];
	assert_non_null(recs);
	aiot_store *s = open_store(1);
	for (size_t b = 0; b < N / B; b++) {
		for (size_t i = 0; i < B; i++) {
			make_dev(&recs[i], 0x600D, b * B + i);
			recs[i].privacy = 1;
			recs[i].has_tid = 1;
		}
		assert_int_equal(aiot_store_insert(s, recs, B, err, sizeof err), AIOT_OK);
	}
	size_t grown = aiot_store_memory(s);
	aiot_store_close(s);
	s = open_store(0);
	size_t loaded = aiot_store_memory(s);
	/* Every device with a T-ID rotated once: two index entries each. */
	print_message("store memory: %zu devices with T-IDs, %.1f bytes/device after inserts, "
	              "%.1f bytes/device after reopen\n",
	              (size_t)N, (double)grown / N, (double)loaded / N);
	assert_true(loaded / N < 300);
	assert_true(grown / N < 300);
	aiot_store_close(s);
	free(recs);
}

/* kill -9: a child inserts and rotates T-IDs, reporting each acknowledged write on a pipe;
 * the parent kills it mid-stream, reopens, and finds every acknowledged write. */
enum { KILL_DEVS = 3000, KILL_BATCH = 100 };
static int ack_fd;

static void child_done(void *arg, int rc)
{
	char line[64];
	int n = snprintf(line, sizeof line, "%s %lu\n", rc == AIOT_OK ? "acked" : "failed",
	                 (unsigned long)(uintptr_t)arg);
	if (write(ack_fd, line, (size_t)n) != n)
		_exit(3);
}

static void kill_tid(size_t i, uint8_t tid[16])
{
	memset(tid, 0, 16);
	memcpy(tid, "KILLTEST", 8);
	for (int k = 0; k < 8; k++)
		tid[8 + k] = (uint8_t)(i >> (56 - 8 * k));
}

static void child_run(int fd)
{
	static aiot_dev_record recs[KILL_DEVS];
	char err[256];
	ack_fd = fd;
	aiot_store *s = aiot_store_open(uri, kek, 1, err, sizeof err);
	if (s == NULL)
		_exit(2);
	for (size_t i = 0; i < KILL_DEVS; i++) {
		make_dev(&recs[i], 0xDEAD, i);
		recs[i].has_tid = 0;
	}
	for (size_t b = 0; b < KILL_DEVS; b += KILL_BATCH) {
		if (aiot_store_insert(s, recs + b, KILL_BATCH, err, sizeof err) != AIOT_OK)
			_exit(4);
		char line[64];
		int n = snprintf(line, sizeof line, "inserted %zu\n", b + KILL_BATCH);
		if (write(fd, line, (size_t)n) != n)
			_exit(3);
		for (size_t i = b; i < b + KILL_BATCH; i++) {
			uint8_t tid[16];
			kill_tid(i, tid);
			if (aiot_store_set_tid(s, recs[i].perm_id, 12, NULL, tid, AIOT_TID_STORED,
			                       child_done, (void *)(uintptr_t)i) != AIOT_OK)
				_exit(5);
		}
	}
	aiot_store_flush(s);
	pause(); /* wait for the kill */
	_exit(0);
}

static void test_kill9_durability(void **state)
{
	(void)state;
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		child_run(p[1]);
	}
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	assert_non_null(f);
	static uint8_t acked[KILL_DEVS];
	size_t inserted = 0, nacks = 0;
	char line[128];
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long v;
		if (sscanf(line, "inserted %lu", &v) == 1)
			inserted = v;
		else if (sscanf(line, "acked %lu", &v) == 1 && v < KILL_DEVS)
			acked[v] = 1, nacks++;
		else
			fail_msg("child: %s", line);
		if (nacks >= KILL_DEVS / 2)
			break;
	}
	kill(pid, SIGKILL);
	/* Drain what was already written before the kill: those were acknowledged too. */
	while (fgets(line, sizeof line, f) != NULL) {
		unsigned long v;
		if (sscanf(line, "inserted %lu", &v) == 1)
			inserted = v;
		else if (sscanf(line, "acked %lu", &v) == 1 && v < KILL_DEVS)
			acked[v] = 1, nacks++;
	}
	fclose(f);
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	assert_true(nacks > 0);

	aiot_store *s = open_store(0);
	assert_true(aiot_store_count(s) >= inserted);
	size_t checked = 0;
	for (size_t i = 0; i < KILL_DEVS; i++) {
		if (!acked[i])
			continue;
		aiot_dev_record want, got;
		uint8_t tid[16];
		make_dev(&want, 0xDEAD, i);
		kill_tid(i, tid);
		assert_int_equal(aiot_store_get(s, want.perm_id, 12, &got), AIOT_OK);
		assert_int_equal(got.has_tid, 1);
		assert_memory_equal(got.tid, tid, 16);
		assert_int_equal(aiot_store_get_by_tid(s, tid, &got), AIOT_OK);
		checked++;
	}
	print_message("kill -9: %zu devices inserted, %zu acknowledged T-ID writes, all present "
	              "after reopen\n",
	              inserted, checked);
	aiot_store_close(s);
}

/* Holds the writer thread in a done callback so that the next writes form one batch. */
static pthread_mutex_t gate_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cond = PTHREAD_COND_INITIALIZER;
static int gate_open, gate_reached;
static int rc_log[8], rc_n;

static void gate_done(void *arg, int rc)
{
	(void)arg;
	(void)rc;
	pthread_mutex_lock(&gate_lock);
	gate_reached = 1;
	pthread_cond_broadcast(&gate_cond);
	while (!gate_open)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
}

static void log_done(void *arg, int rc)
{
	rc_log[(intptr_t)arg] = rc;
	rc_n++;
}

static void gate_hold(aiot_store *s, const uint8_t *id)
{
	uint8_t rn[16] = {9};
	gate_open = gate_reached = 0;
	assert_int_equal(aiot_store_set_session(s, id, 12, rn, rn, gate_done, NULL), AIOT_OK);
	pthread_mutex_lock(&gate_lock);
	while (!gate_reached)
		pthread_cond_wait(&gate_cond, &gate_lock);
	pthread_mutex_unlock(&gate_lock);
}

static void gate_release(aiot_store *s)
{
	pthread_mutex_lock(&gate_lock);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cond);
	pthread_mutex_unlock(&gate_lock);
	aiot_store_flush(s);
}

/* Issue 10 item 2: a commit that fails (another writer holds the database past the busy
 * timeout) changes nothing: not the disk, not the cache, and the callers learn it. */
static void test_failed_commit_leaves_cache(void **state)
{
	(void)state;
	SKIP_ON_REDIS();
	aiot_dev_record r, gate, got;
	uint8_t t0[16], t1[16], rn[16];
	char err[256];
	sqlite3 *other;
	aiot_store *s = open_store(1);
	make_dev(&r, 0x77, 1);
	make_dev(&gate, 0x77, 2);
	memset(t0, 0x10, 16), memset(t1, 0x11, 16), memset(rn, 0x22, 16);
	memcpy(r.tid, t0, 16);
	r.has_tid = 1;
	r.has_tid_prev = r.has_session = 0;
	assert_int_equal(aiot_store_insert(s, &r, 1, err, sizeof err), AIOT_OK);
	assert_int_equal(aiot_store_insert(s, &gate, 1, err, sizeof err), AIOT_OK);
	gate_hold(s, gate.perm_id); /* the three writes below: one batch, one busy timeout */
	assert_int_equal(sqlite3_open(db_path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN EXCLUSIVE", NULL, NULL, NULL), SQLITE_OK);
	done_ok = done_fail = 0;
	aiot_profile_write w = {r.perm_id, 12, NULL, "{\"x\":1}"};
	assert_int_equal(
	    aiot_store_set_tid(s, r.perm_id, 12, NULL, t1, AIOT_TID_STORED, count_done, NULL),
	    AIOT_OK);
	assert_int_equal(aiot_store_set_session(s, r.perm_id, 12, rn, rn, count_done, NULL),
	                 AIOT_OK);
	assert_int_equal(aiot_store_set_profiles(s, &w, 1, count_done, NULL), AIOT_OK);
	gate_release(s);
	assert_int_equal(done_fail, 3);
	assert_int_equal(done_ok, 0);
	assert_int_equal(aiot_store_get(s, r.perm_id, 12, &got), AIOT_OK);
	assert_memory_equal(got.tid, t0, 16);
	assert_int_equal(got.has_tid_prev, 0);
	assert_int_equal(got.has_session, 0);
	assert_null(aiot_store_get_profile_json(s, r.perm_id, 12));
	assert_int_equal(aiot_store_get_by_tid(s, t1, &got), AIOT_ERR_UNKNOWN);
	assert_int_equal(aiot_store_get_by_tid(s, t0, &got), AIOT_OK);
	assert_int_equal(sqlite3_exec(other, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	/* The retry commits, and is what a restart finds. */
	assert_int_equal(
	    aiot_store_set_tid(s, r.perm_id, 12, NULL, t1, AIOT_TID_STORED, count_done, NULL),
	    AIOT_OK);
	aiot_store_flush(s);
	assert_int_equal(done_ok, 1);
	aiot_store_close(s);
	s = open_store(0);
	assert_int_equal(aiot_store_get_by_tid(s, t1, &got), AIOT_OK);
	assert_memory_equal(got.tid_prev, t0, 16);
	aiot_store_close(s);
}

/* Issue 10 item 3: compare-and-set. Two rotations decided on the same current T-ID, in one
 * batch: the first wins, the second finds the T-ID changed; previous stays the old one. */
static void test_store_cas(void **state)
{
	(void)state;
	aiot_dev_record r[2], got;
	uint8_t t0[16], t1[16], t2[16], rn[16] = {9};
	char err[256];
	aiot_store *s = open_store(1);
	make_dev(&r[0], 0x78, 1);
	make_dev(&r[1], 0x78, 2);
	memset(t0, 0x30, 16), memset(t1, 0x31, 16), memset(t2, 0x32, 16);
	memcpy(r[0].tid, t0, 16);
	r[0].has_tid = 1;
	r[0].has_tid_prev = r[0].has_session = 0;
	r[1].has_tid = r[1].has_tid_prev = 0;
	assert_int_equal(aiot_store_insert(s, r, 2, err, sizeof err), AIOT_OK);
	aiot_tid_expect ex = {t0, NULL, NULL}, none = {NULL, NULL, NULL};
	aiot_tid_expect wrong_session = {NULL, t2, t2};
	gate_hold(s, r[1].perm_id);
	rc_n = 0;
	assert_int_equal(
	    aiot_store_set_tid(s, r[0].perm_id, 12, &ex, t1, AIOT_TID_STORED, log_done, (void *)0),
	    AIOT_OK);
	assert_int_equal(
	    aiot_store_set_tid(s, r[0].perm_id, 12, &ex, t2, AIOT_TID_STORED, log_done, (void *)1),
	    AIOT_OK);
	assert_int_equal(aiot_store_set_tid(s, r[0].perm_id, 12, &none, t2, AIOT_TID_STORED,
	                                    log_done, (void *)2),
	                 AIOT_OK);
	gate_release(s);
	assert_int_equal(rc_n, 3);
	assert_int_equal(rc_log[0], AIOT_OK);
	assert_int_equal(rc_log[1], AIOT_STORE_CHANGED);
	assert_int_equal(rc_log[2], AIOT_STORE_CHANGED);
	assert_int_equal(aiot_store_get(s, r[0].perm_id, 12, &got), AIOT_OK);
	assert_memory_equal(got.tid, t1, 16);
	assert_memory_equal(got.tid_prev, t0, 16);
	/* The session a T-ID derives from is part of the check (r[1]'s is rn). */
	ex = (aiot_tid_expect){NULL, rn, rn};
	assert_int_equal(aiot_store_set_tid(s, r[1].perm_id, 12, &wrong_session, t2,
	                                    AIOT_TID_STORED, log_done, (void *)3),
	                 AIOT_OK);
	assert_int_equal(
	    aiot_store_set_tid(s, r[1].perm_id, 12, &ex, t2, AIOT_TID_STORED, log_done, (void *)4),
	    AIOT_OK);
	aiot_store_flush(s);
	assert_int_equal(rc_log[3], AIOT_STORE_CHANGED);
	assert_int_equal(rc_log[4], AIOT_OK);
	/* Profiles: a set commits whole or not at all. */
	aiot_profile_write w[2] = {{r[0].perm_id, 12, NULL, "{\"a\":1}"},
	                           {r[1].perm_id, 12, NULL, "{\"b\":1}"}};
	gate_hold(s, r[1].perm_id);
	assert_int_equal(aiot_store_set_profiles(s, &w[0], 1, log_done, (void *)5), AIOT_OK);
	assert_int_equal(aiot_store_set_profiles(s, w, 2, log_done, (void *)6), AIOT_OK);
	gate_release(s);
	assert_int_equal(rc_log[5], AIOT_OK);
	assert_int_equal(rc_log[6], AIOT_STORE_CHANGED);
	assert_null(aiot_store_get_profile_json(s, r[1].perm_id, 12));
	w[0].expect = "{\"a\":1}";
	assert_int_equal(aiot_store_set_profiles(s, w, 2, log_done, (void *)7), AIOT_OK);
	aiot_store_flush(s);
	assert_int_equal(rc_log[7], AIOT_OK);
	aiot_store_close(s);
	s = open_store(0);
	char *p = aiot_store_get_profile_json(s, r[1].perm_id, 12);
	assert_string_equal(p, "{\"b\":1}");
	free(p);
	assert_int_equal(aiot_store_get(s, r[0].perm_id, 12, &got), AIOT_OK);
	assert_memory_equal(got.tid, t1, 16);
	assert_memory_equal(got.tid_prev, t0, 16);
	aiot_store_close(s);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_insert_get_reopen),
	    T(test_invalid_records),
	    T(test_prefix),
	    T(test_duplicate_atomic),
	    T(test_tid_rotation),
	    T(test_tid_rotation_model),
	    T(test_session_and_profile),
	    T(test_wrong_kek),
	    T(test_no_plaintext_key_on_disk),
	    T(test_swapped_key_blob),
	    T(test_swapped_key_blob_redis),
	    T(test_kek_file),
	    T(test_concurrent_readers),
	    T(test_memory_per_device),
	    T(test_kill9_durability),
	    T(test_failed_commit_leaves_cache),
	    T(test_store_cas),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
