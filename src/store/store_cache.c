/* SPDX-License-Identifier: Apache-2.0 */
/* The device store's in-memory cache (store_cache.h): records, lookups, and the stage a write
 * batch is checked against (compare-and-set) and published from once it committed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "common/aiot_err.h"
#include "common/hash.h"
#include "store_cache.h"

#define PROFILE_LOAD_MAX (1u << 20) /* a profile written before the 4 KiB limit */

/* ---- records ---------------------------------------------------------------------------- */

static void dev_free(struct store_dev *d)
{
	if (d->id_len > STORE_ID_INLINE)
		free(d->id.heap);
	free(d->profile);
	if (d->doa != NULL)
		OPENSSL_cleanse(d->doa, sizeof *d->doa);
	free(d->doa);
	OPENSSL_cleanse(d, sizeof *d);
}

static void dev_to_record(const store_cache *s, const struct store_dev *d, aiot_dev_record *r)
{
	memset(r, 0, sizeof *r);
	memcpy(r->perm_id, store_dev_id(d), d->id_len);
	r->perm_id_len = d->id_len;
	r->suite = (aiot_suite)d->suite;
	r->res_bits = d->res_bits;
	memcpy(r->key, d->key, d->key_len);
	r->key_len = d->key_len;
	memcpy(r->group, s->groups[d->group], strlen(s->groups[d->group]) + 1);
	r->privacy = (d->flags & F_PRIVACY) != 0;
	if (s->immutable)
		return;
	r->has_tid = (d->flags & F_TID) != 0;
	r->has_tid_prev = (d->flags & F_TID_PREV) != 0;
	r->tid_type = (d->flags & F_CONCEALED) ? AIOT_TID_CONCEALED : AIOT_TID_STORED;
	memcpy(r->tid, d->tid, 16);
	memcpy(r->tid_prev, d->tid_prev, 16);
	r->has_session = (d->flags & F_SESSION) != 0;
	memcpy(r->rand_n, d->rand_n, 16);
	memcpy(r->rand_d, d->rand_d, 16);
	if (d->doa != NULL) {
		r->doa_n = d->doa->n;
		memcpy(r->doa_rand_d, d->doa->rand_d, sizeof r->doa_rand_d);
	}
}

/* Interned group name index, or -1 (out of memory / too many groups). */
static int group_intern(store_cache *s, const char *name)
{
	for (size_t i = s->ngroups; i-- > 0;)
		if (strcmp(s->groups[i], name) == 0)
			return (int)i;
	if (s->ngroups >= STORE_MAX_GROUPS)
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
static int dev_from_record(store_cache *s, const aiot_dev_record *r, const char *profile,
                           struct store_dev *d)
{
	memset(d, 0, sizeof *d);
	int g = group_intern(s, r->group);
	if (g < 0)
		return AIOT_ERR_NOSPACE;
	if (r->perm_id_len > STORE_ID_INLINE) {
		if ((d->id.heap = malloc(r->perm_id_len)) == NULL)
			return AIOT_ERR_NOSPACE;
		memcpy(d->id.heap, r->perm_id, r->perm_id_len);
	} else {
		memcpy(d->id.in, r->perm_id, r->perm_id_len);
	}
	d->id_len = r->perm_id_len;
	if ((profile != NULL && (d->profile = strdup(profile)) == NULL) ||
	    (r->doa_n > 0 && (d->doa = calloc(1, sizeof *d->doa)) == NULL)) {
		dev_free(d);
		return AIOT_ERR_NOSPACE;
	}
	if (d->doa != NULL) {
		d->doa->n = r->doa_n;
		memcpy(d->doa->rand_d, r->doa_rand_d, sizeof d->doa->rand_d);
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

int store_record_check(const aiot_dev_record *r)
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
	if (r->doa_n > AIOT_DOA_WINDOW)
		return AIOT_ERR_INVAL;
	return AIOT_OK;
}

int store_doa_has(const struct store_doa *w, const uint8_t rand_d[16])
{
	for (size_t i = 0; i < w->n; i++)
		if (memcmp(w->rand_d[i], rand_d, 16) == 0)
			return 1;
	return 0;
}

/* ---- life cycle and open ---------------------------------------------------------------- */

int store_cache_init(store_cache *c)
{
	pthread_rwlockattr_t ra;
	memset(c, 0, sizeof *c);
	if (RAND_bytes((unsigned char *)&c->seed, sizeof c->seed) != 1)
		return AIOT_ERR_CRYPTO;
	/* Writers preferred: a T-ID update must not starve behind the authentication load. */
	pthread_rwlockattr_init(&ra);
	pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&c->rw, &ra);
	pthread_rwlockattr_destroy(&ra);
	return AIOT_OK;
}

void store_cache_free(store_cache *c)
{
	for (size_t i = 0; i < c->n; i++)
		dev_free(&c->devs[i]);
	free(c->devs);
	free(c->sorted);
	free(c->by_id);
	free(c->by_tid);
	for (size_t i = 0; i < c->ngroups; i++)
		free(c->groups[i]);
	free(c->groups);
	pthread_rwlock_destroy(&c->rw);
	OPENSSL_cleanse(c, sizeof *c);
}

int store_cache_load_row(store_cache *c, const aiot_dev_record *r, const char *profile)
{
	if (store_record_check(r) != AIOT_OK ||
	    (profile != NULL && strlen(profile) > PROFILE_LOAD_MAX))
		return AIOT_ERR_MALFORMED;
	if (store_devs_reserve(c, c->n + 1) != AIOT_OK)
		return AIOT_ERR_NOSPACE;
	if (dev_from_record(c, r, profile, &c->devs[c->n]) != AIOT_OK)
		return AIOT_ERR_NOSPACE;
	c->sorted[c->n] = (uint32_t)c->n;
	c->n++;
	return AIOT_OK;
}

int store_cache_index(store_cache *c)
{
	if (c->n > 0)
		qsort_r(c->sorted, c->n, sizeof *c->sorted, store_sorted_cmp, c);
	size_t tids = 0;
	for (size_t i = 0; i < c->n; i++)
		tids += (size_t)((c->devs[i].flags & F_TID) != 0) +
		        ((c->devs[i].flags & F_TID_PREV) != 0);
	if (store_id_reserve(c, c->n) != AIOT_OK || store_tid_reserve(c, tids) != AIOT_OK)
		return AIOT_ERR_NOSPACE;
	return AIOT_OK;
}

/* ---- provisioning ----------------------------------------------------------------------- */

int store_cache_stage_insert(store_cache *c, const aiot_dev_record *recs, size_t n,
                             struct store_dev *staged)
{
	int rc;
	size_t tids = 0, done = 0;
	for (size_t i = 0; i < n; i++)
		tids += (size_t)recs[i].has_tid + recs[i].has_tid_prev;
	pthread_rwlock_wrlock(&c->rw);
	if ((rc = store_devs_reserve(c, c->n + n)) != AIOT_OK ||
	    (rc = store_id_reserve(c, c->n + n)) != AIOT_OK ||
	    (rc = store_tid_reserve(c, c->tid_n + tids)) != AIOT_OK)
		goto out;
	for (; done < n; done++)
		if ((rc = dev_from_record(c, &recs[done], NULL, &staged[done])) != AIOT_OK)
			goto out;
out:
	pthread_rwlock_unlock(&c->rw);
	if (rc != AIOT_OK)
		store_cache_drop(staged, done);
	return rc;
}

void store_cache_drop(struct store_dev *staged, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dev_free(&staged[i]);
}

void store_cache_append(store_cache *c, struct store_dev *staged, uint32_t *order, size_t n)
{
	size_t tids = 0;
	for (size_t k = 0; k < n; k++)
		tids += (size_t)((staged[k].flags & F_TID) != 0) +
		        ((staged[k].flags & F_TID_PREV) != 0);
	pthread_rwlock_wrlock(&c->rw);
	/* Concurrent set_tid calls may have used some of the room stage_insert made: grow again
	 * if possible. If not, the table is still never full (each set_tid keeps load <= 1/2
	 * before this batch, and the batch was reserved for). */
	(void)store_tid_reserve(c, c->tid_n + tids);
	size_t base = c->n;
	memcpy(&c->devs[base], staged, n * sizeof *staged);
	for (size_t k = 0; k < n; k++) {
		const struct store_dev *d = &c->devs[base + k];
		uint32_t e = (uint32_t)(base + k + 1);
		store_id_put(c, (uint32_t)(base + k));
		if (d->flags & F_TID)
			store_tid_put(c, e << 1);
		if (d->flags & F_TID_PREV)
			store_tid_put(c, e << 1 | 1);
		order[k] = (uint32_t)(base + k);
	}
	c->n = base + n;
	qsort_r(order, n, sizeof *order, store_sorted_cmp, c);
	/* Merge the new run into sorted[] from the back. */
	size_t i = base, j = n, w = base + n;
	while (j > 0) {
		if (i > 0 && store_sorted_cmp(&c->sorted[i - 1], &order[j - 1], c) > 0)
			c->sorted[--w] = c->sorted[--i];
		else
			c->sorted[--w] = order[--j];
	}
	pthread_rwlock_unlock(&c->rw);
}

/* ---- lookups ---------------------------------------------------------------------------- */

size_t store_cache_count(store_cache *c)
{
	pthread_rwlock_rdlock(&c->rw);
	size_t n = c->n;
	pthread_rwlock_unlock(&c->rw);
	return n;
}

size_t store_cache_memory(store_cache *c)
{
	pthread_rwlock_rdlock(&c->rw);
	size_t m = c->cap * (sizeof *c->devs + sizeof *c->sorted) +
	           (c->by_id ? (c->id_mask + 1) * sizeof *c->by_id : 0) +
	           (c->by_tid ? (c->tid_mask + 1) * sizeof *c->by_tid : 0) +
	           c->groups_cap * sizeof *c->groups;
	for (size_t i = 0; i < c->ngroups; i++)
		m += strlen(c->groups[i]) + 1;
	for (size_t i = 0; i < c->n; i++) {
		if (c->devs[i].id_len > STORE_ID_INLINE)
			m += c->devs[i].id_len;
		if (c->devs[i].profile != NULL)
			m += strlen(c->devs[i].profile) + 1;
		if (c->devs[i].doa != NULL)
			m += sizeof *c->devs[i].doa;
	}
	pthread_rwlock_unlock(&c->rw);
	return m;
}

int store_cache_known(store_cache *c, const uint8_t *id, size_t len)
{
	pthread_rwlock_rdlock(&c->rw);
	int rc = store_find_id(c, id, len) != NULL ? AIOT_OK : AIOT_ERR_UNKNOWN;
	pthread_rwlock_unlock(&c->rw);
	return rc;
}

/* Copies d (found under the read lock) into out. */
static int copy_out(store_cache *c, const struct store_dev *d, aiot_dev_record *out)
{
	int rc = AIOT_ERR_UNKNOWN;
	if (d != NULL) {
		dev_to_record(c, d, out);
		rc = AIOT_OK;
	}
	pthread_rwlock_unlock(&c->rw);
	return rc;
}

int store_cache_get(store_cache *c, const uint8_t *id, size_t len, aiot_dev_record *out)
{
	pthread_rwlock_rdlock(&c->rw);
	return copy_out(c, store_find_id(c, id, len), out);
}

int store_cache_get_by_tid(store_cache *c, const uint8_t tid[16], aiot_dev_record *out)
{
	pthread_rwlock_rdlock(&c->rw);
	return copy_out(c, store_find_tid(c, tid), out);
}

size_t store_cache_match_prefix(store_cache *c, const uint8_t *prefix, size_t bits, size_t max,
                                void (*cb)(void *arg, const aiot_dev_record *r), void *arg)
{
	aiot_dev_record r;
	pthread_rwlock_rdlock(&c->rw);
	size_t lo = store_prefix_bound(c, prefix, bits, 0);
	size_t hi = store_prefix_bound(c, prefix, bits, 1);
	for (size_t i = lo; cb != NULL && i < hi && i - lo < max; i++) {
		dev_to_record(c, &c->devs[c->sorted[i]], &r);
		cb(arg, &r);
	}
	pthread_rwlock_unlock(&c->rw);
	OPENSSL_cleanse(&r, sizeof r);
	return hi - lo;
}

char *store_cache_profile(store_cache *c, const uint8_t *id, size_t len)
{
	char *json = NULL;
	pthread_rwlock_rdlock(&c->rw);
	const struct store_dev *d = store_find_id(c, id, len);
	if (d != NULL && d->profile != NULL)
		json = strdup(d->profile);
	pthread_rwlock_unlock(&c->rw);
	return json;
}

/* ---- a write batch: stage, compare-and-set, publish ------------------------------------- */

static struct store_stage *stage_of(store_cache *s, struct store_stages *g,
                                    const struct store_dev *d)
{
	uint32_t dev = (uint32_t)(d - s->devs + 1);
	size_t i = (size_t)aiot_hash_mix64(dev) & g->mask;
	while (g->t[i].dev != 0 && g->t[i].dev != dev)
		i = (i + 1) & g->mask;
	struct store_stage *t = &g->t[i];
	if (t->dev == 0) {
		t->dev = dev;
		t->flags = d->flags;
		memcpy(t->tid, d->tid, 16);
		memcpy(t->tid_prev, d->tid_prev, 16);
		memcpy(t->rand_n, d->rand_n, 16);
		memcpy(t->rand_d, d->rand_d, 16);
		t->profile = d->profile;
		if (d->doa != NULL)
			t->doa = *d->doa;
	}
	return t;
}

/* AIOT_OK if the op's compare-and-set holds on the stage, else AIOT_STORE_CHANGED. */
static int op_check(const struct store_op *o, const struct store_stage *t)
{
	if (!o->cas)
		return AIOT_OK;
	if (o->kind == OP_DOA) /* the RAND_d must be new to the device's window */
		return store_doa_has(&t->doa, o->a) ? AIOT_STORE_CHANGED : AIOT_OK;
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
static void op_stage(struct store_op *o, struct store_stage *t)
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
	case OP_DOA: /* the oldest RAND_d leaves a full window */
		if (t->doa.n == AIOT_DOA_WINDOW) {
			memmove(t->doa.rand_d[0], t->doa.rand_d[1], (AIOT_DOA_WINDOW - 1) * 16);
			t->doa.n--;
		}
		memcpy(t->doa.rand_d[t->doa.n++], o->a, 16);
		*o->doa = t->doa; /* what the backend writes */
		t->doa_op = o;
		t->doa_set = 1;
		break;
	}
}

/* Publishes a committed stage into the cache; caller holds rw for writing. No allocation:
 * the batch reserved the T-ID index's room. */
static void stage_publish(store_cache *s, struct store_stage *t)
{
	struct store_dev *d = &s->devs[t->dev - 1];
	uint32_t e = t->dev << 1;
	if (t->tid_set) {
		if (d->flags & F_TID_PREV)
			store_tid_del(s, e | 1);
		if (d->flags & F_TID)
			store_tid_del(s, e);
		memcpy(d->tid, t->tid, 16);
		memcpy(d->tid_prev, t->tid_prev, 16);
		uint8_t keep = d->flags & (uint8_t) ~(F_TID | F_TID_PREV | F_CONCEALED);
		d->flags = (uint8_t)(keep | (t->flags & (F_TID | F_TID_PREV | F_CONCEALED)));
		if (d->flags & F_TID)
			store_tid_put(s, e);
		if (d->flags & F_TID_PREV)
			store_tid_put(s, e | 1);
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
	if (t->doa_set) {
		if (d->doa == NULL) { /* the op's block, made before the commit */
			d->doa = t->doa_op->doa;
			t->doa_op->doa = NULL;
		}
		*d->doa = t->doa;
	}
}

/* The writer reads the cache here without the read lock: it holds the backend lock, and every
 * change to the cache is made under it (store_backend.h). */
int store_batch_begin(store_cache *c, struct store_stages *g, size_t nops, size_t ntid)
{
	g->mask = store_pow2_at_least(2 * nops) - 1;
	if ((g->t = calloc(g->mask + 1, sizeof *g->t)) == NULL)
		return AIOT_ERR_NOSPACE;
	pthread_rwlock_wrlock(&c->rw);
	int rc = store_tid_reserve(c, c->tid_n + 2 * ntid);
	pthread_rwlock_unlock(&c->rw);
	return rc;
}

int store_batch_stage_set(store_cache *c, struct store_stages *g, struct store_op *first)
{
	struct store_op *o = first;
	for (size_t k = 0; k < first->set_n; k++, o = o->next) {
		const struct store_dev *d = store_find_id(c, o->id, o->id_len);
		int rc = d != NULL ? op_check(o, stage_of(c, g, d)) : AIOT_ERR_UNKNOWN;
		if (rc != AIOT_OK)
			return rc; /* this set is refused: nothing of it is staged */
	}
	o = first;
	for (size_t k = 0; k < first->set_n; k++, o = o->next)
		op_stage(o, stage_of(c, g, store_find_id(c, o->id, o->id_len)));
	return AIOT_OK;
}

/* The stage of a device the batch staged (the writer holds be_lock: no read lock). */
static struct store_stage *staged(store_cache *c, struct store_stages *g, const uint8_t *id,
                                  size_t len)
{
	const struct store_dev *d = store_find_id(c, id, len);
	return d != NULL ? stage_of(c, g, d) : NULL;
}

void store_batch_fail(store_cache *c, struct store_stages *g, const uint8_t *id, size_t len)
{
	struct store_stage *t = staged(c, g, id, len);
	if (t != NULL)
		t->failed = 1;
}

int store_batch_failed(store_cache *c, struct store_stages *g, const uint8_t *id, size_t len)
{
	struct store_stage *t = staged(c, g, id, len);
	return t == NULL || t->failed;
}

void store_batch_publish(store_cache *c, struct store_stages *g)
{
	pthread_rwlock_wrlock(&c->rw);
	for (size_t i = 0; i <= g->mask; i++)
		if (g->t[i].dev != 0 && !g->t[i].failed)
			stage_publish(c, &g->t[i]);
	pthread_rwlock_unlock(&c->rw);
}

void store_batch_end(struct store_stages *g)
{
	if (g->t != NULL)
		OPENSSL_cleanse(g->t, (g->mask + 1) * sizeof *g->t);
	free(g->t);
	g->t = NULL;
}
