/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device store's in-memory cache and its indexes (store_cache.c, store_index.c), internal
 * to src/store. The cache holds every device; get-authentication never touches the backend.
 *
 *   devs[]    compact records, 136 bytes each (key, T-IDs, RANDs, permanent ID inline up to
 *             16 bytes, group as an index into an interned table; the DO-A RAND_d window
 *             on the heap, only for devices that made a DO-A exchange);
 *   by_id     open-addressing hash (linear probing) of uint32 indexes, load <= 1/2;
 *   by_tid    the same over current and previous T-IDs (entry = index << 1 | is_prev): it
 *             resolves the T-IDs a reader reports (aiot_store_get_by_tid, Nadm_Sec);
 *   sorted    indexes ordered by permanent ID: a prefix match is two binary searches
 *             (filtering information = a bit prefix of AiotDevPermId, TS 29.369).
 * Hash keys are seeded from the CSPRNG at init, so bucket positions are not predictable.
 *
 * The cache's own lock is rw (readers: lookups; writer: a publish). Who may change the cache
 * and in which lock order is stated once, in store_backend.h.
 */
#ifndef AIOT_STORE_CACHE_H
#define AIOT_STORE_CACHE_H
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "store.h"

#define STORE_ID_INLINE 16
#define STORE_MAX_DEVICES 0x7FFFFFFEu /* by_tid packs index + 1 into 31 bits */
#define STORE_MAX_GROUPS 0xFFFFu

enum { F_PRIVACY = 1, F_TID = 2, F_TID_PREV = 4, F_SESSION = 8, F_CONCEALED = 16 };

/* A device's DO-A window (aiot_dev_record.doa_rand_d): n RAND_d, oldest first. */
struct store_doa {
	uint8_t n;
	uint8_t rand_d[AIOT_DOA_WINDOW][16];
};

struct store_dev {
	uint8_t key[32];
	uint8_t tid[16], tid_prev[16];
	uint8_t rand_n[16], rand_d[16];
	union {
		uint8_t in[STORE_ID_INLINE];
		uint8_t *heap;
	} id;
	char *profile;
	struct store_doa *doa; /* NULL until the device's first DO-A exchange */
	uint16_t group;
	uint8_t id_len, suite, res_bits, key_len, flags;
};

typedef struct store_cache {
	pthread_rwlock_t rw;
	struct store_dev *devs;
	size_t n, cap;
	uint32_t *sorted; /* capacity cap */
	uint32_t *by_id;
	size_t id_mask;
	uint32_t *by_tid;
	size_t tid_mask, tid_n;
	char **groups;
	size_t ngroups, groups_cap;
	uint64_t seed;
	int immutable; /* a shared backend's cache: lookups copy out the immutable fields only
	                * (store_backend.h); the mutable ones are zero */
} store_cache;

/* One queued update with what its caller read (compare-and-set). A profile set
 * (aiot_store_set_profiles) is n consecutive ops; the first carries n, done and arg, and the
 * set commits or fails as one. The writer (store_writer.c) owns a queued op. */
enum store_op_kind { OP_TID, OP_SESSION, OP_PROFILE, OP_DOA };
struct store_op {
	struct store_op *next;
	enum store_op_kind kind;
	uint8_t id_len, cas, expect_tid, expect_session;
	aiot_tid_type tid_type;
	uint8_t id[AIOT_PERM_ID_MAX];
	uint8_t a[16], b[16]; /* tid, tid_prev (staged) | rand_n, rand_d | rand_d (OP_DOA) */
	uint8_t e_tid[16], e_rn[16], e_rd[16]; /* compare-and-set: what the caller read */
	uint8_t nonce[16];                     /* shared backends: names the change */
	uint8_t has_tid_prev;
	char *json, *expect;
	struct store_doa *doa; /* OP_DOA: the window once staged (what the backend writes); the
	                        * cache takes it over for a device that had none */
	size_t set_n;
	int rc;
	aiot_store_done done;
	void *arg;
};

/* A batch is checked against a stage: for every device it touches, the state the cache will
 * have once the batch's earlier ops are applied, so two ops on one device in one batch see
 * each other. The stage is published to the cache only once the backend committed. */
struct store_stage {
	uint32_t dev; /* index + 1; 0: free slot */
	uint8_t flags, tid_set, session_set, profile_set, doa_set;
	uint8_t failed; /* the backend did not commit this device's changes: not published */
	uint8_t tid[16], tid_prev[16], rand_n[16], rand_d[16];
	struct store_doa doa;
	struct store_op *doa_op;     /* the last OP_DOA staged: its window block */
	const char *profile;         /* the cache's (borrowed) or profile_op's */
	struct store_op *profile_op; /* owner of the staged profile text */
};
struct store_stages {
	struct store_stage *t;
	size_t mask;
};

/* ---- store_cache.c ---- */
int store_cache_init(store_cache *c);
void store_cache_free(store_cache *c); /* zeroises every key */
int store_record_check(const aiot_dev_record *r);
/* 1 if rand_d is in the window w. */
int store_doa_has(const struct store_doa *w, const uint8_t rand_d[16]);

/* Open: reserve, one row at a time (single-threaded), then build the indexes. */
int store_cache_load_row(store_cache *c, const aiot_dev_record *r, const char *profile);
int store_cache_index(store_cache *c);

/* Insert: make room and convert n records before the backend commits (staged[n]), so that
 * publishing after a durable commit cannot fail; append publishes, drop undoes. */
int store_cache_stage_insert(store_cache *c, const aiot_dev_record *recs, size_t n,
                             struct store_dev *staged);
void store_cache_append(store_cache *c, struct store_dev *staged, uint32_t *order, size_t n);
void store_cache_drop(struct store_dev *staged, size_t n);

/* Lookups (read lock). */
size_t store_cache_count(store_cache *c);
size_t store_cache_memory(store_cache *c);
int store_cache_known(store_cache *c, const uint8_t *id, size_t len);
int store_cache_get(store_cache *c, const uint8_t *id, size_t len, aiot_dev_record *out);
int store_cache_get_by_tid(store_cache *c, const uint8_t tid[16], aiot_dev_record *out);
size_t store_cache_match_prefix(store_cache *c, const uint8_t *prefix, size_t bits, size_t max,
                                void (*cb)(void *arg, const aiot_dev_record *r), void *arg);
char *store_cache_profile(store_cache *c, const uint8_t *id, size_t len);

/* A batch of nops ops, ntid of them T-ID rotations: the stage table, and room in by_tid. */
int store_batch_begin(store_cache *c, struct store_stages *g, size_t nops, size_t ntid);
/* The set starting at first: AIOT_OK if every compare-and-set holds on the stage (then each
 * op is staged), else AIOT_STORE_CHANGED or AIOT_ERR_UNKNOWN and nothing is staged. */
int store_batch_stage_set(store_cache *c, struct store_stages *g, struct store_op *first);
/* The staged device id did not commit (a backend that commits per device); 1 if it is
 * marked so. */
void store_batch_fail(store_cache *c, struct store_stages *g, const uint8_t *id, size_t len);
int store_batch_failed(store_cache *c, struct store_stages *g, const uint8_t *id, size_t len);
/* After the backend committed: the stage, but for failed devices, into the cache (write
 * lock; no allocation). */
void store_batch_publish(store_cache *c, struct store_stages *g);
void store_batch_end(struct store_stages *g);

/* ---- store_index.c: the indexes (callers hold rw or are the only thread) ---- */
const uint8_t *store_dev_id(const struct store_dev *d);
size_t store_pow2_at_least(size_t n);
int store_devs_reserve(store_cache *c, size_t want);
int store_id_reserve(store_cache *c, size_t want);
int store_tid_reserve(store_cache *c, size_t want);
void store_id_put(store_cache *c, uint32_t idx);
struct store_dev *store_find_id(const store_cache *c, const uint8_t *id, size_t len);
struct store_dev *store_find_tid(const store_cache *c, const uint8_t tid[16]);
void store_tid_put(store_cache *c, uint32_t entry);
void store_tid_del(store_cache *c, uint32_t entry);
int store_sorted_cmp(const void *a, const void *b, void *arg);
size_t store_prefix_bound(const store_cache *c, const uint8_t *prefix, size_t bits, int upper);

#endif
