/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device store's persistence interface, internal to src/store. A backend keeps the devices
 * durable; the store (store.c) keeps every device in its cache (store_cache.h) and applies to
 * the cache only what the backend committed. The backend's promise: a call that changes
 * devices (insert, commit) either committed all of its changes, durably, and returns AIOT_OK,
 * or returns a negative AIOT_ERR_* and committed none of them: all of the call (SQLite), or
 * all of the failed devices' changes when the backend can only commit one device atomically
 * (Redis Cluster: one hash slot per device), which then says which changes committed.
 * Compare-and-set: on a backend of one process (shared = 0: SQLite, whose lock file makes the
 * store its only writer) the store decides it against the cache before the batch reaches the
 * backend, the cache being the committed state. On a shared backend (shared = 1: Redis Cluster,
 * several ADM processes on one store) the cache holds only what never changes (key, suite,
 * resBits, group, privacy, permanent ID); mutable state is read from the backend on every
 * lookup (read, find_tid) and each change carries its expectation, which the backend decides
 * atomically with the write (commit's res[]: AIOT_OK or AIOT_STORE_CHANGED per change).
 *
 * A backend is selected by the URI scheme ("sqlite:PATH") in the table of store.c: a new
 * backend is one file defining an aiot_store_backend, and one line in that table.
 *
 * Ownership and locks, for all of src/store:
 *   - the backend handle is used under the store's backend lock (be_lock) only, so a backend
 *     needs no locking of its own; it owns the at-rest encryption of the keys (keywrap.h) and
 *     never returns or logs a key in the clear but through the load callback's record;
 *   - the cache is changed only by holders of be_lock (inserts, the writer thread publishing
 *     a committed batch), under the cache's write lock; lookups take the read lock only;
 *   - lock order: be_lock, then the cache's rw. The writer's queue lock (store_writer.h) is
 *     taken alone. No callback (done) runs with any of them held.
 */
#ifndef AIOT_STORE_BACKEND_H
#define AIOT_STORE_BACKEND_H
#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* One change of a batch. Not shared: already decided (its compare-and-set held on the cache),
 * the whole new value. Shared: the change and its expectation (cas), decided by the backend. */
typedef enum aiot_store_change_kind {
	AIOT_CHANGE_TID,     /* tid current, tid_prev previous (NULL: none), tid_type; shared:
	                      * tid becomes current, the backend's current becomes previous */
	AIOT_CHANGE_SESSION, /* rand_n, rand_d */
	AIOT_CHANGE_PROFILE, /* json (NULL: no profile) */
	AIOT_CHANGE_DOA,     /* doa_rand_d: the whole new window, doa_n x 16 bytes, oldest first;
	                      * shared: rand_d joins the window unless it is in it already */
} aiot_store_change_kind;

typedef struct aiot_store_change {
	aiot_store_change_kind kind;
	const uint8_t *perm_id;
	size_t len;
	const uint8_t *tid, *tid_prev;
	aiot_tid_type tid_type;
	const uint8_t *rand_n, *rand_d;
	const char *json;
	const uint8_t *doa_rand_d;
	size_t doa_n;
	/* Shared backends only. cas: the change applies only if the device still matches:
	 * TID: current T-ID e_tid (NULL: none) and, if e_rn is set, session e_rn/e_rd; PROFILE:
	 * the profile text expect (NULL: none); DOA: always (rand_d new to the window). nonce:
	 * 16 bytes naming this change, so that a script the client sends twice (after a lost
	 * connection) recognises its own write instead of reporting a conflict. */
	uint8_t cas;
	const uint8_t *e_tid, *e_rn, *e_rd;
	const char *expect;
	const uint8_t *nonce;
} aiot_store_change;

/* Called for every stored device at load; the record (key in the clear) is the backend's and
 * zeroised by it after the call. A non-zero return stops the load with that error. */
typedef int (*aiot_store_row_fn)(void *arg, const aiot_dev_record *rec, const char *profile_json);

typedef struct aiot_store_backend {
	const char *scheme;    /* "sqlite" for sqlite:PATH */
	const char *path_form; /* what follows "scheme:" in messages (NULL: "PATH") */
	/* Opens (with create: makes) the store at path; checks the KEK (a wrong KEK is an error
	 * here, not garbage keys later). NULL with a message in err. */
	void *(*open)(const char *path, int create, const uint8_t kek[32], char *err,
	              size_t errlen);
	void (*close)(void *b);
	/* Number of devices (sizes the cache), or a negative AIOT_ERR_*. */
	long long (*count)(void *b);
	/* Every device once, keys decrypted; fails (naming them) if any key does not
	 * authenticate under the KEK. */
	int (*load)(void *b, aiot_store_row_fn row, void *arg, char *err, size_t errlen);
	/* n new devices, all or none; AIOT_ERR_INVAL (named in err) if one already exists. */
	int (*insert)(void *b, const aiot_dev_record *recs, size_t n, char *err, size_t errlen);
	/* n changes of existing devices, in order (group commit). On failure, res[i] (set to an
	 * error by the caller) is AIOT_OK for a change that did commit: a backend that commits
	 * all or none leaves res alone; one that commits per device sets AIOT_OK for every
	 * change of each device whose changes all committed (store_writer.c applies those).
	 * A shared backend sets every res[i]: AIOT_OK (committed), AIOT_STORE_CHANGED (its
	 * expectation did not hold: nothing written), AIOT_ERR_UNKNOWN (no such device) or
	 * another error, and returns AIOT_OK only when no change failed. */
	int (*commit)(void *b, const aiot_store_change *ch, size_t n, int *res, char *err,
	              size_t errlen);
	/* Removes the files/keys of a closed store that a failed run just created. */
	void (*remove)(const char *path);

	/* 1: other processes change the store too (above). The three reads below exist only
	 * then; they are thread-safe and called WITHOUT be_lock, so that lookups from many
	 * threads do not wait for the writer's commits (the backend keeps its own connections
	 * for them). None returns a key but fetch, through the row callback. */
	int shared;
	/* The device's mutable state into rec (T-IDs and type, session RANDs, DO-A window;
	 * rec NULL: not read) and its profile (profile NULL: not read; *profile malloc'd or
	 * NULL for none). AIOT_OK, AIOT_ERR_UNKNOWN, or another error. */
	int (*read)(void *b, const uint8_t *id, size_t len, aiot_dev_record *rec, char **profile);
	/* The permanent ID of the device the T-ID index names for tid (a hint: the caller checks
	 * the device's T-IDs). AIOT_OK, AIOT_ERR_UNKNOWN, or another error. */
	int (*find_tid)(void *b, const uint8_t tid[16], uint8_t id[AIOT_PERM_ID_MAX], size_t *len);
	/* One device, as load gives it (row called once, key in the clear): a device another
	 * process added. AIOT_OK, AIOT_ERR_UNKNOWN, or another error. */
	int (*fetch)(void *b, const uint8_t *id, size_t len, aiot_store_row_fn row, void *arg);
} aiot_store_backend;

extern const aiot_store_backend aiot_store_backend_sqlite; /* store_sqlite.c */
extern const aiot_store_backend aiot_store_backend_redis;  /* store_redis.c */

/* aiot_store_open on a given backend (the URI dispatch uses it; so do the tests). */
aiot_store *aiot_store_open_backend(const aiot_store_backend *be, const char *path,
                                    const uint8_t kek[32], int create, char *err, size_t errlen);

#endif
