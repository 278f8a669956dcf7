/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ADM device store (store.h): an in-memory cache of every device, persisted to SQLite
 * (store_sqlite.c) by one writer thread with group commit.
 *
 * Cache layout (per device; get-authentication never touches the database):
 *   devs[]    compact records, 128 bytes each (key, T-IDs, RANDs, permanent ID inline up to
 *             16 bytes, group as an index into an interned table);
 *   by_id     open-addressing hash (linear probing) of uint32 indexes, load <= 1/2;
 *   by_tid    the same over current and previous T-IDs (entry = index << 1 | is_prev);
 *   sorted    indexes ordered by permanent ID: aiot_store_match_prefix is two binary
 *             searches (filtering information = a bit prefix of AiotDevPermId, TS 29.369).
 * Hash keys are seeded from the CSPRNG at open, so bucket positions are not predictable.
 *
 * Locks: db_lock (SQLite connection) > rw (cache; writers preferred); q_lock (queue) is taken
 * alone. Only holders of db_lock change the cache: inserts, and the writer thread publishing a
 * committed batch (see "writer thread").
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/aiot_err.h"
#include "common/hash.h"
#include "common/hex.h"
#include "svc/wipe.h"
#include "keywrap.h"
#include "store.h"
#include "store_db.h"
#include "store_internal.h"

#define ID_INLINE 16
#define MAX_DEVICES 0x7FFFFFFEu /* by_tid packs index + 1 into 31 bits */
#define MAX_GROUPS 0xFFFFu
#define PROFILE_LOAD_MAX (1u << 20) /* a profile written before the 4 KiB limit */

enum { F_PRIVACY = 1, F_TID = 2, F_TID_PREV = 4, F_SESSION = 8, F_CONCEALED = 16 };

struct dev {
	uint8_t key[32];
	uint8_t tid[16], tid_prev[16];
	uint8_t rand_n[16], rand_d[16];
	union {
		uint8_t in[ID_INLINE];
		uint8_t *heap;
	} id;
	char *profile;
	uint16_t group;
	uint8_t id_len, suite, res_bits, key_len, flags;
};

enum op_kind { OP_TID, OP_SESSION, OP_PROFILE };

/* One queued update. A profile set (aiot_store_set_profiles) is n consecutive ops; the first
 * carries n, done and arg, and the set commits or fails as one. */
struct op {
	struct op *next;
	enum op_kind kind;
	uint8_t id_len, cas, expect_tid, expect_session;
	aiot_tid_type tid_type;
	uint8_t id[AIOT_PERM_ID_MAX];
	uint8_t a[16], b[16];                  /* tid, tid_prev (computed) | rand_n, rand_d */
	uint8_t e_tid[16], e_rn[16], e_rd[16]; /* compare-and-set: what the caller read */
	uint8_t has_tid_prev;
	char *json, *expect;
	size_t set_n;
	int rc;
	aiot_store_done done;
	void *arg;
};

struct aiot_store {
	pthread_rwlock_t rw;
	struct dev *devs;
	size_t n, cap;
	uint32_t *sorted; /* capacity cap */
	uint32_t *by_id;
	size_t id_mask;
	uint32_t *by_tid;
	size_t tid_mask, tid_n;
	char **groups;
	size_t ngroups, groups_cap;
	uint64_t seed;

	pthread_mutex_t db_lock;
	aiot_db *db;
	aiot_keywrap *kw;

	pthread_mutex_t q_lock;
	pthread_cond_t q_cond, q_drained;
	struct op *head, *tail;
	int busy, stop, writer_started;
	pthread_t writer;
};

/* ---- records ---------------------------------------------------------------------------- */

static const uint8_t *dev_id(const struct dev *d)
{
	return d->id_len <= ID_INLINE ? d->id.in : d->id.heap;
}

static int id_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	if (c != 0)
		return c;
	return (alen > blen) - (alen < blen);
}

static void dev_free(struct dev *d)
{
	if (d->id_len > ID_INLINE)
		free(d->id.heap);
	free(d->profile);
	OPENSSL_cleanse(d, sizeof *d);
}

static void dev_to_record(const aiot_store *s, const struct dev *d, aiot_dev_record *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->perm_id, dev_id(d), d->id_len);
	r->perm_id_len = d->id_len;
	r->suite = (aiot_suite)d->suite;
	r->res_bits = d->res_bits;
	memcpy(r->key, d->key, d->key_len);
	r->key_len = d->key_len;
	memcpy(r->group, s->groups[d->group], strlen(s->groups[d->group]) + 1);
	r->privacy = (d->flags & F_PRIVACY) != 0;
	r->has_tid = (d->flags & F_TID) != 0;
	r->has_tid_prev = (d->flags & F_TID_PREV) != 0;
	r->tid_type = (d->flags & F_CONCEALED) ? AIOT_TID_CONCEALED : AIOT_TID_STORED;
	memcpy(r->tid, d->tid, 16);
	memcpy(r->tid_prev, d->tid_prev, 16);
	r->has_session = (d->flags & F_SESSION) != 0;
	memcpy(r->rand_n, d->rand_n, 16);
	memcpy(r->rand_d, d->rand_d, 16);
}

/* Interned group name index, or -1 (out of memory / too many groups). */
static int group_intern(aiot_store *s, const char *name)
{
	for (size_t i = s->ngroups; i-- > 0;)
		if (strcmp(s->groups[i], name) == 0)
			return (int)i;
	if (s->ngroups >= MAX_GROUPS)
		return -1;
	if (s->ngroups == s->groups_cap) {
		size_t nc = s->groups_cap ? 2 * s->groups_cap : 8;
		char **g = realloc(s->groups, nc * sizeof *g);
		if (g == NULL)
			return -1;
		s->groups = g;
		s->groups_cap = nc;
	}
	if ((s->groups[s->ngroups] = strdup(name)) == NULL)
		return -1;
	return (int)s->ngroups++;
}

/* Fills the compact record (allocates a long permanent ID and the profile). */
static int dev_from_record(aiot_store *s, const aiot_dev_record *r, const char *profile,
                           struct dev *d)
{
	memset(d, 0, sizeof *d);
	int g = group_intern(s, r->group);
	if (g < 0)
		return AIOT_ERR_NOSPACE;
	if (r->perm_id_len > ID_INLINE) {
		if ((d->id.heap = malloc(r->perm_id_len)) == NULL)
			return AIOT_ERR_NOSPACE;
		memcpy(d->id.heap, r->perm_id, r->perm_id_len);
	} else {
		memcpy(d->id.in, r->perm_id, r->perm_id_len);
	}
	d->id_len = r->perm_id_len;
	if (profile != NULL && (d->profile = strdup(profile)) == NULL) {
		dev_free(d);
		return AIOT_ERR_NOSPACE;
	}
	d->group = (uint16_t)g;
	d->suite = (uint8_t)r->suite;
	d->res_bits = r->res_bits;
	memcpy(d->key, r->key, r->key_len);
	d->key_len = r->key_len;
	d->flags = (uint8_t)((r->privacy ? F_PRIVACY : 0) | (r->has_tid ? F_TID : 0) |
	                     (r->has_tid_prev ? F_TID_PREV : 0) | (r->has_session ? F_SESSION : 0) |
	                     (r->tid_type == AIOT_TID_CONCEALED ? F_CONCEALED : 0));
	if (r->has_tid)
		memcpy(d->tid, r->tid, 16);
	if (r->has_tid_prev)
		memcpy(d->tid_prev, r->tid_prev, 16);
	if (r->has_session) {
		memcpy(d->rand_n, r->rand_n, 16);
		memcpy(d->rand_d, r->rand_d, 16);
	}
	return AIOT_OK;
}

static int record_check(const aiot_dev_record *r)
{
	if (r->perm_id_len < 1 || r->perm_id_len > AIOT_PERM_ID_MAX)
		return AIOT_ERR_INVAL;
	int rc = aiot_suite_check_key(r->suite, r->key_len);
	if (rc != AIOT_OK)
		return rc;
	if (r->res_bits != 32 && r->res_bits != 64 && r->res_bits != 96 && r->res_bits != 128)
		return AIOT_ERR_INVAL;
	if (memchr(r->group, '\0', sizeof r->group) == NULL)
		return AIOT_ERR_INVAL;
	if (r->tid_type != AIOT_TID_STORED && r->tid_type != AIOT_TID_CONCEALED)
		return AIOT_ERR_INVAL;
	if (r->has_tid_prev && !r->has_tid)
		return AIOT_ERR_INVAL;
	return AIOT_OK;
}

/* ---- hash indexes ----------------------------------------------------------------------- */

static size_t id_find_slot(const aiot_store *s, const uint8_t *id, size_t len)
{
	size_t i = (size_t)aiot_hash_bytes(s->seed, id, len) & s->id_mask;
	for (; s->by_id[i] != 0; i = (i + 1) & s->id_mask) {
		const struct dev *d = &s->devs[s->by_id[i] - 1];
		if (d->id_len == len && memcmp(dev_id(d), id, len) == 0)
			break;
	}
	return i;
}

static struct dev *find_id(const aiot_store *s, const uint8_t *id, size_t len)
{
	if (s->by_id == NULL || len < 1 || len > AIOT_PERM_ID_MAX)
		return NULL;
	uint32_t v = s->by_id[id_find_slot(s, id, len)];
	return v ? &s->devs[v - 1] : NULL;
}

static const uint8_t *tid_of(const aiot_store *s, uint32_t entry)
{
	const struct dev *d = &s->devs[(entry >> 1) - 1];
	return (entry & 1) ? d->tid_prev : d->tid;
}

static size_t tid_hash(const aiot_store *s, const uint8_t *tid)
{
	return (size_t)aiot_hash_bytes(s->seed, tid, 16) & s->tid_mask;
}

static void tid_put(aiot_store *s, uint32_t entry)
{
	size_t i = tid_hash(s, tid_of(s, entry));
	while (s->by_tid[i] != 0)
		i = (i + 1) & s->tid_mask;
	s->by_tid[i] = entry;
	s->tid_n++;
}

/* Slot of the entry, or SIZE_MAX. */
static size_t tid_slot_of(const aiot_store *s, uint32_t entry)
{
	for (size_t i = tid_hash(s, tid_of(s, entry)); s->by_tid[i] != 0; i = (i + 1) & s->tid_mask)
		if (s->by_tid[i] == entry)
			return i;
	return SIZE_MAX;
}

/* Linear-probing deletion by backward shift (no tombstones). */
static void tid_del(aiot_store *s, uint32_t entry)
{
	size_t i = tid_slot_of(s, entry), j = i;
	if (i == SIZE_MAX)
		return;
	for (;;) {
		j = (j + 1) & s->tid_mask;
		if (s->by_tid[j] == 0)
			break;
		size_t home = tid_hash(s, tid_of(s, s->by_tid[j]));
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if ((j > i && (home <= i || home > j)) || (j < i && (home <= i && home > j))) {
			s->by_tid[i] = s->by_tid[j];
			i = j;
		}
	}
	s->by_tid[i] = 0;
	s->tid_n--;
}

static size_t pow2_at_least(size_t n)
{
	size_t c = 16;
	while (c < n)
		c <<= 1;
	return c;
}

/* Rebuilds by_id for capacity for want devices (load <= 1/2). */
static int id_reserve(aiot_store *s, size_t want)
{
	size_t cap = pow2_at_least(2 * want);
	if (s->by_id != NULL && cap <= s->id_mask + 1)
		return AIOT_OK;
	uint32_t *t = calloc(cap, sizeof *t);
	if (t == NULL)
		return AIOT_ERR_NOSPACE;
	free(s->by_id);
	s->by_id = t;
	s->id_mask = cap - 1;
	for (size_t k = 0; k < s->n; k++) {
		const struct dev *d = &s->devs[k];
		s->by_id[id_find_slot(s, dev_id(d), d->id_len)] = (uint32_t)(k + 1);
	}
	return AIOT_OK;
}

static int tid_reserve(aiot_store *s, size_t want)
{
	size_t cap = pow2_at_least(2 * want);
	if (s->by_tid != NULL && cap <= s->tid_mask + 1)
		return AIOT_OK;
	uint32_t *t = calloc(cap, sizeof *t);
	if (t == NULL)
		return AIOT_ERR_NOSPACE;
	free(s->by_tid);
	s->by_tid = t;
	s->tid_mask = cap - 1;
	s->tid_n = 0;
	for (size_t k = 0; k < s->n; k++) {
		uint32_t e = (uint32_t)(k + 1) << 1;
		if (s->devs[k].flags & F_TID)
			tid_put(s, e);
		if (s->devs[k].flags & F_TID_PREV)
			tid_put(s, e | 1);
	}
	return AIOT_OK;
}

static struct dev *find_tid(const aiot_store *s, const uint8_t tid[16])
{
	if (s->by_tid == NULL)
		return NULL;
	for (size_t i = tid_hash(s, tid); s->by_tid[i] != 0; i = (i + 1) & s->tid_mask)
		if (memcmp(tid_of(s, s->by_tid[i]), tid, 16) == 0)
			return &s->devs[(s->by_tid[i] >> 1) - 1];
	return NULL;
}

/* ---- sorted index ----------------------------------------------------------------------- */

static int sorted_cmp(const void *a, const void *b, void *arg)
{
	const aiot_store *s = arg;
	const struct dev *x = &s->devs[*(const uint32_t *)a], *y = &s->devs[*(const uint32_t *)b];
	return id_cmp(dev_id(x), x->id_len, dev_id(y), y->id_len);
}

/* Grows devs and sorted to hold want records. */
static int devs_reserve(aiot_store *s, size_t want)
{
	if (want <= s->cap)
		return AIOT_OK;
	if (want > MAX_DEVICES)
		return AIOT_ERR_NOSPACE;
	size_t nc = s->cap + s->cap / 2; /* 1.5x keeps the slack (memory per device) small */
	if (nc < want)
		nc = want;
	if (nc < 64 && want < 64)
		nc = 64;
	/* not realloc: the old array holds every K_AIOT_root in clear */
	struct dev *d = aiot_realloc_wipe(s->devs, s->cap * sizeof *d, nc * sizeof *d);
	if (d == NULL)
		return AIOT_ERR_NOSPACE;
	s->devs = d;
	uint32_t *o = realloc(s->sorted, nc * sizeof *o);
	if (o == NULL)
		return AIOT_ERR_NOSPACE;
	s->sorted = o;
	s->cap = nc;
	return AIOT_OK;
}

/* Bit-prefix comparison of a permanent ID with the filter: <0, 0 (match) or >0, monotonic in
 * the lexicographic order of sorted[], so the matches form one range. */
static int prefix_cmp(const struct dev *d, const uint8_t *prefix, size_t bits)
{
	const uint8_t *id = dev_id(d);
	size_t nb = bits / 8, rem = bits % 8;
	for (size_t i = 0; i < nb; i++) {
		if (i >= d->id_len)
			return -1;
		if (id[i] != prefix[i])
			return id[i] < prefix[i] ? -1 : 1;
	}
	if (rem != 0) {
		if (nb >= d->id_len)
			return -1;
		uint8_t mask = (uint8_t)(0xFF << (8 - rem));
		uint8_t a = id[nb] & mask, b = prefix[nb] & mask;
		if (a != b)
			return a < b ? -1 : 1;
	}
	return 0;
}

/* First position in sorted[] whose prefix_cmp is >= 0 (upper = 0) or > 0 (upper = 1). */
static size_t prefix_bound(const aiot_store *s, const uint8_t *prefix, size_t bits, int upper)
{
	size_t lo = 0, hi = s->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = prefix_cmp(&s->devs[s->sorted[mid]], prefix, bits);
		if (c < 0 || (upper && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* ---- writer thread (group commit) ------------------------------------------------------- */

/*
 * A batch is checked and written against a stage: for every device it touches, the state the
 * cache will have once the batch's earlier ops are applied. Compare-and-set checks read the
 * stage, so two ops on one device in one batch see each other. The cache is changed only after
 * COMMIT returned, from the stage, under the write lock; a failed commit drops the stage.
 * The writer reads the cache without the read lock: it holds db_lock, and every other change
 * to the cache (inserts) holds db_lock too.
 */
struct stage {
	uint32_t dev; /* index + 1; 0: free slot */
	uint8_t flags, tid_set, session_set, profile_set;
	uint8_t tid[16], tid_prev[16], rand_n[16], rand_d[16];
	const char *profile;   /* the cache's (borrowed) or profile_op's */
	struct op *profile_op; /* owner of the staged profile text */
};

struct stages {
	struct stage *t;
	size_t mask;
};

static struct stage *stage_of(aiot_store *s, struct stages *g, const struct dev *d)
{
	uint32_t dev = (uint32_t)(d - s->devs + 1);
	size_t i = (size_t)aiot_hash_mix64(dev) & g->mask;
	while (g->t[i].dev != 0 && g->t[i].dev != dev)
		i = (i + 1) & g->mask;
	struct stage *t = &g->t[i];
	if (t->dev == 0) {
		t->dev = dev;
		t->flags = d->flags;
		memcpy(t->tid, d->tid, 16);
		memcpy(t->tid_prev, d->tid_prev, 16);
		memcpy(t->rand_n, d->rand_n, 16);
		memcpy(t->rand_d, d->rand_d, 16);
		t->profile = d->profile;
	}
	return t;
}

/* AIOT_OK if the op's compare-and-set holds on the stage, else AIOT_STORE_CHANGED. */
static int op_check(const struct op *o, const struct stage *t)
{
	if (!o->cas)
		return AIOT_OK;
	if (o->kind == OP_PROFILE) {
		int same = o->expect == NULL || t->profile == NULL
		               ? o->expect == t->profile
		               : strcmp(o->expect, t->profile) == 0;
		return same ? AIOT_OK : AIOT_STORE_CHANGED;
	}
	int has = (t->flags & F_TID) != 0;
	if (has != o->expect_tid || (has && memcmp(t->tid, o->e_tid, 16) != 0))
		return AIOT_STORE_CHANGED;
	if (o->expect_session && (!(t->flags & F_SESSION) || memcmp(t->rand_n, o->e_rn, 16) != 0 ||
	                          memcmp(t->rand_d, o->e_rd, 16) != 0))
		return AIOT_STORE_CHANGED;
	return AIOT_OK;
}

/* Applies the op to the stage (a T-ID op learns its previous T-ID here). */
static void op_stage(struct op *o, struct stage *t)
{
	switch (o->kind) {
	case OP_TID:
		/* Rotation (TS 33.369 identifier privacy): the current T-ID stays valid as the
		 * previous one until the device has been seen with the new one. */
		o->has_tid_prev = (t->flags & F_TID) != 0;
		memcpy(o->b, t->tid, 16);
		memcpy(t->tid_prev, t->tid, 16);
		memcpy(t->tid, o->a, 16);
		t->flags = (uint8_t)((t->flags & ~(F_TID_PREV | F_CONCEALED)) | F_TID |
		                     (o->has_tid_prev ? F_TID_PREV : 0) |
		                     (o->tid_type == AIOT_TID_CONCEALED ? F_CONCEALED : 0));
		t->tid_set = 1;
		break;
	case OP_SESSION:
		memcpy(t->rand_n, o->a, 16);
		memcpy(t->rand_d, o->b, 16);
		t->flags |= F_SESSION;
		t->session_set = 1;
		break;
	case OP_PROFILE:
		t->profile = o->json;
		t->profile_op = o;
		t->profile_set = 1;
		break;
	}
}

static int op_write(aiot_db *db, const struct op *o)
{
	switch (o->kind) {
	case OP_TID:
		return aiot_db_update_tid(db, o->id, o->id_len, o->a, o->has_tid_prev ? o->b : NULL,
		                          o->tid_type);
	case OP_SESSION:
		return aiot_db_update_session(db, o->id, o->id_len, o->a, o->b);
	case OP_PROFILE:
		return aiot_db_update_profile(db, o->id, o->id_len, o->json);
	}
	return AIOT_ERR_INVAL;
}

/* Checks, stages and writes one set of ops (a single op, or a profile set). Its result goes
 * to the set's first op; a negative return is an SQLite failure that fails the batch. */
static int set_write(aiot_store *s, struct stages *g, struct op *first)
{
	struct op *o = first;
	for (size_t k = 0; k < first->set_n; k++, o = o->next) {
		struct dev *d = find_id(s, o->id, o->id_len);
		first->rc = d != NULL ? op_check(o, stage_of(s, g, d)) : AIOT_ERR_UNKNOWN;
		if (first->rc != AIOT_OK)
			return AIOT_OK; /* this set is refused; the batch goes on */
	}
	o = first;
	for (size_t k = 0; k < first->set_n; k++, o = o->next) {
		op_stage(o, stage_of(s, g, find_id(s, o->id, o->id_len)));
		int rc = op_write(s->db, o);
		if (rc != AIOT_OK)
			return rc;
	}
	return AIOT_OK;
}

/* Publishes a committed stage into the cache; caller holds rw for writing. No allocation:
 * the batch reserved the T-ID index's room. */
static void stage_publish(aiot_store *s, struct stage *t)
{
	struct dev *d = &s->devs[t->dev - 1];
	uint32_t e = t->dev << 1;
	if (t->tid_set) {
		if (d->flags & F_TID_PREV)
			tid_del(s, e | 1);
		if (d->flags & F_TID)
			tid_del(s, e);
		memcpy(d->tid, t->tid, 16);
		memcpy(d->tid_prev, t->tid_prev, 16);
		uint8_t keep = d->flags & (uint8_t) ~(F_TID | F_TID_PREV | F_CONCEALED);
		d->flags = (uint8_t)(keep | (t->flags & (F_TID | F_TID_PREV | F_CONCEALED)));
		if (d->flags & F_TID)
			tid_put(s, e);
		if (d->flags & F_TID_PREV)
			tid_put(s, e | 1);
	}
	if (t->session_set) {
		memcpy(d->rand_n, t->rand_n, 16);
		memcpy(d->rand_d, t->rand_d, 16);
		d->flags |= F_SESSION;
	}
	if (t->profile_set) {
		free(d->profile);
		d->profile = t->profile_op->json; /* the cache takes the text over */
		t->profile_op->json = NULL;
	}
}

/* Writes the batch in one transaction; returns AIOT_OK once committed and published. */
static int batch_write(aiot_store *s, struct op *batch, struct stages *g, size_t ntid)
{
	pthread_rwlock_wrlock(&s->rw);
	int rc = tid_reserve(s, s->tid_n + 2 * ntid);
	pthread_rwlock_unlock(&s->rw);
	if (rc != AIOT_OK)
		return rc;
	if ((rc = aiot_db_begin(s->db)) != AIOT_OK)
		return rc;
	for (struct op *o = batch; o != NULL && rc == AIOT_OK;) {
		rc = set_write(s, g, o);
		for (size_t k = o->set_n; k-- > 0;)
			o = o->next;
	}
	if (rc == AIOT_OK)
		rc = aiot_db_commit(s->db);
	if (rc != AIOT_OK)
		return rc;
	pthread_rwlock_wrlock(&s->rw);
	for (size_t i = 0; i <= g->mask; i++)
		if (g->t[i].dev != 0)
			stage_publish(s, &g->t[i]);
	pthread_rwlock_unlock(&s->rw);
	return AIOT_OK;
}

/* Commits one batch (group commit), then runs each set's done callback with its result. The
 * callbacks run with no lock held (they may queue further updates). */
static void commit_batch(aiot_store *s, struct op *batch)
{
	size_t n = 0, ntid = 0;
	for (struct op *o = batch; o != NULL; o = o->next, n++)
		ntid += o->kind == OP_TID;
	struct stages g = {.mask = pow2_at_least(2 * n) - 1};
	int rc = AIOT_ERR_NOSPACE;
	pthread_mutex_lock(&s->db_lock);
	if ((g.t = calloc(g.mask + 1, sizeof *g.t)) != NULL)
		rc = batch_write(s, batch, &g, ntid);
	if (rc != AIOT_OK) {
		fprintf(stderr, "aiot store: write batch of %zu failed, nothing applied: %s\n", n,
		        rc == AIOT_ERR_NOSPACE ? "out of memory" : aiot_db_errmsg(s->db));
		aiot_db_rollback(s->db);
	}
	pthread_mutex_unlock(&s->db_lock);
	if (g.t != NULL)
		OPENSSL_cleanse(g.t, (g.mask + 1) * sizeof *g.t);
	free(g.t);
	while (batch != NULL) {
		struct op *next = batch->next;
		if (batch->done != NULL)
			batch->done(batch->arg, rc != AIOT_OK ? rc : batch->rc);
		free(batch->json);
		free(batch->expect);
		OPENSSL_cleanse(batch, sizeof *batch);
		free(batch);
		batch = next;
	}
}

static void *writer_main(void *arg)
{
	aiot_store *s = arg;
	pthread_mutex_lock(&s->q_lock);
	for (;;) {
		while (s->head == NULL && !s->stop)
			pthread_cond_wait(&s->q_cond, &s->q_lock);
		if (s->head == NULL)
			break;
		struct op *batch = s->head; /* everything queued so far: one transaction */
		s->head = s->tail = NULL;
		s->busy = 1;
		pthread_mutex_unlock(&s->q_lock);
		commit_batch(s, batch);
		pthread_mutex_lock(&s->q_lock);
		s->busy = 0;
		if (s->head == NULL)
			pthread_cond_broadcast(&s->q_drained);
	}
	pthread_mutex_unlock(&s->q_lock);
	return NULL;
}

/* Queues the chain first..last (a set stays contiguous: one batch). */
static void enqueue(aiot_store *s, struct op *first, struct op *last)
{
	pthread_mutex_lock(&s->q_lock);
	last->next = NULL;
	if (s->tail != NULL)
		s->tail->next = first;
	else
		s->head = first;
	s->tail = last;
	pthread_cond_signal(&s->q_cond);
	pthread_mutex_unlock(&s->q_lock);
}

static struct op *op_new(enum op_kind kind, const uint8_t *id, size_t len, aiot_store_done done,
                         void *arg)
{
	struct op *o = calloc(1, sizeof *o);
	if (o == NULL)
		return NULL;
	o->kind = kind;
	o->id_len = (uint8_t)len;
	memcpy(o->id, id, len);
	o->set_n = 1;
	o->done = done;
	o->arg = arg;
	return o;
}

static void op_free(struct op *o)
{
	while (o != NULL) {
		struct op *next = o->next;
		free(o->json);
		free(o->expect);
		free(o);
		o = next;
	}
}

/* ---- open / close ----------------------------------------------------------------------- */

static int load_row(void *arg, const aiot_dev_record *r, const char *profile)
{
	aiot_store *s = arg;
	if (record_check(r) != AIOT_OK || (profile != NULL && strlen(profile) > PROFILE_LOAD_MAX))
		return AIOT_ERR_MALFORMED;
	if (devs_reserve(s, s->n + 1) != AIOT_OK)
		return AIOT_ERR_NOSPACE;
	if (dev_from_record(s, r, profile, &s->devs[s->n]) != AIOT_OK)
		return AIOT_ERR_NOSPACE;
	s->sorted[s->n] = (uint32_t)s->n;
	s->n++;
	return AIOT_OK;
}

aiot_store *aiot_store_open(const char *uri, const uint8_t kek[32], int create, char *err,
                            size_t errlen)
{
	char dummy[1];
	aiot_store *s = NULL;
	pthread_rwlockattr_t ra;

	if (err == NULL) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (uri == NULL || kek == NULL || strncmp(uri, "sqlite:", 7) != 0 || uri[7] == '\0') {
		snprintf(err, errlen, "store URI '%s': expected sqlite:PATH", uri ? uri : "");
		return NULL;
	}
	if ((s = calloc(1, sizeof *s)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* Writers preferred: a T-ID update must not starve behind the authentication load. */
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&s->rw, &ra);
	pthread_rwlockattr_destroy(&ra);
	pthread_mutex_init(&s->db_lock, NULL);
	pthread_mutex_init(&s->q_lock, NULL);
	pthread_cond_init(&s->q_cond, NULL);
	pthread_cond_init(&s->q_drained, NULL);
	if (RAND_bytes((unsigned char *)&s->seed, sizeof s->seed) != 1 ||
	    (s->kw = aiot_keywrap_new(kek)) == NULL) {
		snprintf(err, errlen, "cannot initialise AES-256-GCM");
		goto fail;
	}
	if ((s->db = aiot_db_open(uri + 7, create, s->kw, err, errlen)) == NULL)
		goto fail;
	/* Size the cache exactly: no growth slack for a loaded population. */
	long long rows = aiot_db_count(s->db);
	if (rows < 0 || (size_t)rows > MAX_DEVICES ||
	    devs_reserve(s, rows > 0 ? (size_t)rows : 1) != AIOT_OK) {
		snprintf(err, errlen, "cannot size the cache for %lld devices", rows);
		goto fail;
	}
	if (aiot_db_load(s->db, s->kw, load_row, s, err, errlen) != AIOT_OK)
		goto fail;
	if (s->n > 0)
		qsort_r(s->sorted, s->n, sizeof *s->sorted, sorted_cmp, s);
	size_t tids = 0;
	for (size_t i = 0; i < s->n; i++)
		tids += (size_t)((s->devs[i].flags & F_TID) != 0) +
		        ((s->devs[i].flags & F_TID_PREV) != 0);
	if (id_reserve(s, s->n) != AIOT_OK || tid_reserve(s, tids) != AIOT_OK) {
		snprintf(err, errlen, "out of memory indexing %zu devices", s->n);
		goto fail;
	}
	if (pthread_create(&s->writer, NULL, writer_main, s) != 0) {
		snprintf(err, errlen, "cannot start the store writer thread");
		goto fail;
	}
	s->writer_started = 1;
	return s;
fail:
	aiot_store_close(s);
	return NULL;
}

void aiot_store_close(aiot_store *s)
{
	if (s == NULL)
		return;
	if (s->writer_started) {
		aiot_store_flush(s);
		pthread_mutex_lock(&s->q_lock);
		s->stop = 1;
		pthread_cond_signal(&s->q_cond);
		pthread_mutex_unlock(&s->q_lock);
		pthread_join(s->writer, NULL);
	}
	aiot_db_close(s->db);
	aiot_keywrap_free(s->kw); /* cleanses the KEK schedule */
	for (size_t i = 0; i < s->n; i++)
		dev_free(&s->devs[i]);
	free(s->devs);
	free(s->sorted);
	free(s->by_id);
	free(s->by_tid);
	for (size_t i = 0; i < s->ngroups; i++)
		free(s->groups[i]);
	free(s->groups);
	pthread_rwlock_destroy(&s->rw);
	pthread_mutex_destroy(&s->db_lock);
	pthread_mutex_destroy(&s->q_lock);
	pthread_cond_destroy(&s->q_cond);
	pthread_cond_destroy(&s->q_drained);
	OPENSSL_cleanse(s, sizeof *s);
	free(s);
}

size_t aiot_store_count(aiot_store *s)
{
	pthread_rwlock_rdlock(&s->rw);
	size_t n = s->n;
	pthread_rwlock_unlock(&s->rw);
	return n;
}

void aiot_store_flush(aiot_store *s)
{
	pthread_mutex_lock(&s->q_lock);
	while (s->head != NULL || s->busy)
		pthread_cond_wait(&s->q_drained, &s->q_lock);
	pthread_mutex_unlock(&s->q_lock);
}

size_t aiot_store_memory(aiot_store *s)
{
	pthread_rwlock_rdlock(&s->rw);
	size_t m = sizeof *s + s->cap * (sizeof *s->devs + sizeof *s->sorted) +
	           (s->by_id ? (s->id_mask + 1) * sizeof *s->by_id : 0) +
	           (s->by_tid ? (s->tid_mask + 1) * sizeof *s->by_tid : 0) +
	           s->groups_cap * sizeof *s->groups;
	for (size_t i = 0; i < s->ngroups; i++)
		m += strlen(s->groups[i]) + 1;
	for (size_t i = 0; i < s->n; i++) {
		if (s->devs[i].id_len > ID_INLINE)
			m += s->devs[i].id_len;
		if (s->devs[i].profile != NULL)
			m += strlen(s->devs[i].profile) + 1;
	}
	pthread_rwlock_unlock(&s->rw);
	return m;
}

/* ---- provisioning ----------------------------------------------------------------------- */

/* Makes room for n more devices (and their T-IDs) before the database commit, so that the
 * cache update after a durable commit cannot fail. Caller holds db_lock. */
static int reserve_for(aiot_store *s, const aiot_dev_record *recs, size_t n, struct dev *staged)
{
	int rc;
	size_t tids = 0, done = 0;
	for (size_t i = 0; i < n; i++)
		tids += (size_t)recs[i].has_tid + recs[i].has_tid_prev;
	pthread_rwlock_wrlock(&s->rw);
	if ((rc = devs_reserve(s, s->n + n)) != AIOT_OK ||
	    (rc = id_reserve(s, s->n + n)) != AIOT_OK ||
	    (rc = tid_reserve(s, s->tid_n + tids)) != AIOT_OK)
		goto out;
	for (; done < n; done++)
		if ((rc = dev_from_record(s, &recs[done], NULL, &staged[done])) != AIOT_OK)
			goto out;
out:
	pthread_rwlock_unlock(&s->rw);
	if (rc != AIOT_OK)
		for (size_t i = 0; i < done; i++)
			dev_free(&staged[i]);
	return rc;
}

/* Appends the committed devices: no allocation (reserve_for made the room). */
static void commit_to_cache(aiot_store *s, struct dev *staged, uint32_t *order, size_t n)
{
	size_t tids = 0;
	for (size_t k = 0; k < n; k++)
		tids += (size_t)((staged[k].flags & F_TID) != 0) +
		        ((staged[k].flags & F_TID_PREV) != 0);
	pthread_rwlock_wrlock(&s->rw);
	/* Concurrent set_tid calls may have used some of the room reserve_for made: grow again
	 * if possible. If not, the table is still never full (each set_tid keeps load <= 1/2
	 * before this batch, and the batch was reserved for). */
	(void)tid_reserve(s, s->tid_n + tids);
	size_t base = s->n;
	memcpy(&s->devs[base], staged, n * sizeof *staged);
	for (size_t k = 0; k < n; k++) {
		struct dev *d = &s->devs[base + k];
		uint32_t e = (uint32_t)(base + k + 1);
		s->by_id[id_find_slot(s, dev_id(d), d->id_len)] = e;
		if (d->flags & F_TID)
			tid_put(s, e << 1);
		if (d->flags & F_TID_PREV)
			tid_put(s, e << 1 | 1);
		order[k] = (uint32_t)(base + k);
	}
	s->n = base + n;
	qsort_r(order, n, sizeof *order, sorted_cmp, s);
	/* Merge the new run into sorted[] from the back. */
	size_t i = base, j = n, w = base + n;
	while (j > 0) {
		if (i > 0 && sorted_cmp(&s->sorted[i - 1], &order[j - 1], s) > 0)
			s->sorted[--w] = s->sorted[--i];
		else
			s->sorted[--w] = order[--j];
	}
	pthread_rwlock_unlock(&s->rw);
}

int aiot_store_insert(aiot_store *s, const aiot_dev_record *recs, size_t n, char *err,
                      size_t errlen)
{
	char dummy[1];
	struct dev *staged = NULL;
	uint32_t *order = NULL;
	int rc;

	if (err == NULL) {
		err = dummy;
		errlen = sizeof dummy;
	}
	if (n == 0)
		return AIOT_OK;
	if (recs == NULL || n > MAX_DEVICES) {
		snprintf(err, errlen, "invalid device batch");
		return AIOT_ERR_INVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = record_check(&recs[i])) != AIOT_OK) {
			snprintf(err, errlen, "record %zu of %zu: %s", i + 1, n,
			         rc == AIOT_ERR_KEYLEN ? "key length not supported by the suite"
			                               : "invalid field (ID length, resBits, "
			                                 "group, T-ID)");
			return rc;
		}
	}
	staged = calloc(n, sizeof *staged);
	order = calloc(n, sizeof *order);
	if (staged == NULL || order == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = AIOT_ERR_NOSPACE;
		goto out;
	}
	pthread_mutex_lock(&s->db_lock);
	if ((rc = reserve_for(s, recs, n, staged)) != AIOT_OK) {
		pthread_mutex_unlock(&s->db_lock);
		snprintf(err, errlen, "out of memory (or more than %u groups)", MAX_GROUPS);
		goto out;
	}
	rc = aiot_db_insert(s->db, s->kw, recs, n, err, errlen);
	if (rc == AIOT_OK)
		commit_to_cache(s, staged, order, n);
	else
		for (size_t i = 0; i < n; i++)
			dev_free(&staged[i]);
	pthread_mutex_unlock(&s->db_lock);
out:
	if (staged != NULL)
		OPENSSL_cleanse(staged, n * sizeof *staged);
	free(staged);
	free(order);
	return rc;
}

/* ---- lookups ---------------------------------------------------------------------------- */

int aiot_store_get(aiot_store *s, const uint8_t *perm_id, size_t len, aiot_dev_record *out)
{
	int rc = AIOT_ERR_UNKNOWN;
	if (perm_id == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	pthread_rwlock_rdlock(&s->rw);
	const struct dev *d = find_id(s, perm_id, len);
	if (d != NULL) {
		dev_to_record(s, d, out);
		rc = AIOT_OK;
	}
	pthread_rwlock_unlock(&s->rw);
	return rc;
}

int aiot_store_get_by_tid(aiot_store *s, const uint8_t tid[16], aiot_dev_record *out)
{
	int rc = AIOT_ERR_UNKNOWN;
	if (tid == NULL || out == NULL)
		return AIOT_ERR_INVAL;
	pthread_rwlock_rdlock(&s->rw);
	const struct dev *d = find_tid(s, tid);
	if (d != NULL) {
		dev_to_record(s, d, out);
		rc = AIOT_OK;
	}
	pthread_rwlock_unlock(&s->rw);
	return rc;
}

size_t aiot_store_match_prefix(aiot_store *s, const uint8_t *prefix, size_t prefix_bits, size_t max,
                               void (*cb)(void *arg, const aiot_dev_record *r), void *arg)
{
	aiot_dev_record r;
	if (prefix_bits > 8 * AIOT_PERM_ID_MAX || (prefix == NULL && prefix_bits > 0))
		return 0;
	pthread_rwlock_rdlock(&s->rw);
	size_t lo = prefix_bound(s, prefix, prefix_bits, 0);
	size_t hi = prefix_bound(s, prefix, prefix_bits, 1);
	for (size_t i = lo; cb != NULL && i < hi && i - lo < max; i++) {
		dev_to_record(s, &s->devs[s->sorted[i]], &r);
		cb(arg, &r);
	}
	pthread_rwlock_unlock(&s->rw);
	OPENSSL_cleanse(&r, sizeof r);
	return hi - lo;
}

char *aiot_store_get_profile_json(aiot_store *s, const uint8_t *perm_id, size_t len)
{
	char *json = NULL;
	if (perm_id == NULL)
		return NULL;
	pthread_rwlock_rdlock(&s->rw);
	const struct dev *d = find_id(s, perm_id, len);
	if (d != NULL && d->profile != NULL)
		json = strdup(d->profile);
	pthread_rwlock_unlock(&s->rw);
	return json;
}

/* ---- updates ---------------------------------------------------------------------------- */

static int known(aiot_store *s, const uint8_t *perm_id, size_t len)
{
	pthread_rwlock_rdlock(&s->rw);
	int rc = find_id(s, perm_id, len) != NULL ? AIOT_OK : AIOT_ERR_UNKNOWN;
	pthread_rwlock_unlock(&s->rw);
	return rc;
}

/* Queues a single op for a device that exists; frees it otherwise. */
static int submit(aiot_store *s, struct op *o)
{
	int rc = known(s, o->id, o->id_len);
	if (rc != AIOT_OK) {
		op_free(o);
		return rc;
	}
	enqueue(s, o, o);
	return AIOT_OK;
}

int aiot_store_set_tid(aiot_store *s, const uint8_t *perm_id, size_t len,
                       const aiot_tid_expect *expect, const uint8_t tid[16], aiot_tid_type type,
                       aiot_store_done done, void *arg)
{
	if (perm_id == NULL || tid == NULL || len < 1 || len > AIOT_PERM_ID_MAX ||
	    (type != AIOT_TID_STORED && type != AIOT_TID_CONCEALED) ||
	    (expect != NULL && (expect->rand_n == NULL) != (expect->rand_d == NULL)))
		return AIOT_ERR_INVAL;
	struct op *o = op_new(OP_TID, perm_id, len, done, arg);
	if (o == NULL)
		return AIOT_ERR_NOSPACE;
	memcpy(o->a, tid, 16);
	o->tid_type = type;
	if (expect != NULL) {
		o->cas = 1;
		if ((o->expect_tid = expect->tid != NULL))
			memcpy(o->e_tid, expect->tid, 16);
		if ((o->expect_session = expect->rand_n != NULL)) {
			memcpy(o->e_rn, expect->rand_n, 16);
			memcpy(o->e_rd, expect->rand_d, 16);
		}
	}
	return submit(s, o);
}

int aiot_store_set_session(aiot_store *s, const uint8_t *perm_id, size_t len,
                           const uint8_t rand_n[16], const uint8_t rand_d[16], aiot_store_done done,
                           void *arg)
{
	if (perm_id == NULL || rand_n == NULL || rand_d == NULL || len < 1 ||
	    len > AIOT_PERM_ID_MAX)
		return AIOT_ERR_INVAL;
	struct op *o = op_new(OP_SESSION, perm_id, len, done, arg);
	if (o == NULL)
		return AIOT_ERR_NOSPACE;
	memcpy(o->a, rand_n, 16);
	memcpy(o->b, rand_d, 16);
	return submit(s, o);
}

static int profile_ok(const char *json)
{
	return json == NULL || strlen(json) <= AIOT_PROFILE_MAX;
}

int aiot_store_set_profiles(aiot_store *s, const aiot_profile_write *w, size_t n,
                            aiot_store_done done, void *arg)
{
	struct op *first = NULL, *last = NULL;
	int rc = AIOT_ERR_INVAL;
	if (w == NULL || n == 0)
		return AIOT_ERR_INVAL;
	for (size_t k = 0; k < n; k++) {
		rc = AIOT_ERR_INVAL;
		if (w[k].perm_id == NULL || w[k].len < 1 || w[k].len > AIOT_PERM_ID_MAX ||
		    !profile_ok(w[k].json) || !profile_ok(w[k].expect))
			goto fail;
		rc = AIOT_ERR_NOSPACE;
		struct op *o = op_new(OP_PROFILE, w[k].perm_id, w[k].len, NULL, NULL);
		if (o == NULL)
			goto fail;
		if (last != NULL)
			last->next = o;
		else
			first = o;
		last = o;
		o->cas = 1;
		if ((w[k].json != NULL && (o->json = strdup(w[k].json)) == NULL) ||
		    (w[k].expect != NULL && (o->expect = strdup(w[k].expect)) == NULL))
			goto fail;
		if ((rc = known(s, o->id, o->id_len)) != AIOT_OK)
			goto fail;
		rc = AIOT_ERR_INVAL; /* each device once: the set's checks all precede its writes */
		for (size_t j = 0; j < k; j++)
			if (w[j].len == w[k].len &&
			    memcmp(w[j].perm_id, w[k].perm_id, w[k].len) == 0)
				goto fail;
	}
	first->set_n = n;
	first->done = done;
	first->arg = arg;
	enqueue(s, first, last);
	return AIOT_OK;
fail:
	op_free(first);
	return rc;
}
