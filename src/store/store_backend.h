/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The device store's persistence interface, internal to src/store. A backend keeps the devices
 * durable; the store (store.c) keeps every device in its cache (store_cache.h) and applies to
 * the cache only what the backend committed. The backend's promise: a call that changes
 * devices (insert, commit) either committed all of its changes, durably, and returns AIOT_OK,
 * or returns a negative AIOT_ERR_* and committed none of them: all of the call (SQLite), or
 * all of the failed devices' changes when the backend can only commit one device atomically
 * (Redis Cluster: one hash slot per device), which then says which changes committed.
 * Compare-and-set is decided by the store against the cache before the batch reaches the backend
 * (the cache is the committed state, since the store is the backend's only writer: one process
 * holds a store, README).
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

/* One change of a batch, already decided (its compare-and-set held on the cache). */
typedef enum aiot_store_change_kind {
	AIOT_CHANGE_TID,     /* tid current, tid_prev previous (NULL: none), tid_type */
	AIOT_CHANGE_SESSION, /* rand_n, rand_d */
	AIOT_CHANGE_PROFILE, /* json (NULL: no profile) */
	AIOT_CHANGE_DOA,     /* doa_rand_d: the whole new window, doa_n x 16 bytes, oldest first */
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
	 * change of each device whose changes all committed (store_writer.c applies those). */
	int (*commit)(void *b, const aiot_store_change *ch, size_t n, int *res, char *err,
	              size_t errlen);
	/* Removes the files/keys of a closed store that a failed run just created. */
	void (*remove)(const char *path);
} aiot_store_backend;

extern const aiot_store_backend aiot_store_backend_sqlite; /* store_sqlite.c */
extern const aiot_store_backend aiot_store_backend_redis;  /* store_redis.c */

/* aiot_store_open on a given backend (the URI dispatch uses it; so do the tests). */
aiot_store *aiot_store_open_backend(const aiot_store_backend *be, const char *path,
                                    const uint8_t kek[32], int create, char *err, size_t errlen);

#endif
