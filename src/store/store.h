/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ADM's device store: the device profiles and long-term keys K_AIOT_root.
 * Every device is held in an in-memory cache with its indexes (store_cache.h) for the hot path
 * (get-authentication by permanent ID never touches the database), and persisted by a backend
 * chosen by the URI scheme (store_backend.h): SQLite, "sqlite:PATH" (WAL, prepared
 * statements), or Redis Cluster, "redis-cluster://..." (docs/redis-cluster.md), which several
 * ADM processes share: there the cache holds only what never changes and the mutable state
 * is read from the cluster on each lookup, compare-and-set decided in the cluster. Keys
 * are encrypted at rest with AES-256-GCM under the 256-bit key-encryption key (KEK), nonce per
 * record, AAD = the permanent ID: the database file never holds a key in the clear, and a
 * ciphertext cannot be moved to another device's row.
 *
 * Thread-safety: lookups may run from any thread concurrently (read lock). Updates are
 * persisted by the store's writer thread, which commits in batches (group commit) and applies
 * a change to the cache only after its transaction committed: what a lookup returns is
 * durable, and an acknowledged write survives kill -9.
 */
#ifndef AIOT_STORE_H
#define AIOT_STORE_H
#include <stddef.h>
#include <stdint.h>

#include "crypto/kdf.h"

#define AIOT_PERM_ID_MAX 64   /* bytes of AiotDevPermId this store takes */
#define AIOT_GROUP_MAX 63     /* characters of a group name */
#define AIOT_GROUP_CODE_LEN 4 /* permanent IDs start with a 4-byte group code */
#define AIOT_DOA_WINDOW 8     /* RAND_d of a device's last DO-A exchanges the ADM refuses */

typedef enum aiot_tid_type { AIOT_TID_STORED = 0, AIOT_TID_CONCEALED = 1 } aiot_tid_type;

typedef struct aiot_dev_record {
	uint8_t perm_id[AIOT_PERM_ID_MAX];
	uint8_t perm_id_len;
	aiot_suite suite;
	uint8_t res_bits;
	uint8_t key[32]; /* K_AIOT_root in the clear: only ever in memory */
	uint8_t key_len; /* 16 or 32 */
	char group[AIOT_GROUP_MAX + 1];
	uint8_t privacy; /* device presents T-IDs */
	uint8_t has_tid, has_tid_prev;
	aiot_tid_type tid_type;
	uint8_t tid[16], tid_prev[16];
	uint8_t has_session; /* RANDs of the last session whose K_AIOTF was issued */
	uint8_t rand_n[16], rand_d[16];
	/* DO-A (docs/protocol.md): the RAND_d of the device's last doa_n exchanges, oldest first.
	 * A RAND_d among them is refused (replayed Registration Request). */
	uint8_t doa_n;
	uint8_t doa_rand_d[AIOT_DOA_WINDOW][16];
} aiot_dev_record;

/* 1 if rand_d is one of r's last AIOT_DOA_WINDOW DO-A RAND_d (no secret: no constant time). */
int aiot_store_doa_seen(const aiot_dev_record *r, const uint8_t rand_d[16]);

typedef struct aiot_store aiot_store;

/* uri: "sqlite:PATH". kek: 32 bytes. create: make the database if it does not exist.
 * Loads every device into the cache. NULL on failure with a message in err (a wrong KEK
 * is detected and reported, not silently producing garbage keys). */
aiot_store *aiot_store_open(const char *uri, const uint8_t kek[32], int create, char *err,
                            size_t errlen);
/* Flushes pending writes, joins the writer thread, zeroises the cache and the KEK. */
void aiot_store_close(aiot_store *s);

/* Number of devices. */
size_t aiot_store_count(aiot_store *s);

/* Provisioning: insert n new devices in one transaction (durable on return). Fails with
 * AIOT_ERR_INVAL (and inserts nothing) if a permanent ID already exists. 0 on success. */
int aiot_store_insert(aiot_store *s, const aiot_dev_record *recs, size_t n, char *err,
                      size_t errlen);

/* Lookups copy the record (key included) into *out; the caller zeroises it.
 * AIOT_OK, or AIOT_ERR_UNKNOWN if no such device (another negative AIOT_ERR_* if a shared
 * store cannot be read). by_tid matches the current or the previous T-ID.
 * On a store shared by several processes (redis-cluster://, docs/redis-cluster.md) the
 * immutable fields come from this process's cache and the mutable state (T-IDs, session,
 * DO-A window, profile) is read from the backend on every call: one round trip (by_tid:
 * two, through the T-ID index). A device another process added is fetched and cached on
 * its first lookup by permanent ID. */
int aiot_store_get(aiot_store *s, const uint8_t *perm_id, size_t len, aiot_dev_record *out);
int aiot_store_get_by_tid(aiot_store *s, const uint8_t tid[16], aiot_dev_record *out);
/* The hot path's lookup: only what never changes (permanent ID, suite, resBits, key, group,
 * privacy; every other field zero), from the cache on every backend: no round trip. */
int aiot_store_get_key(aiot_store *s, const uint8_t *perm_id, size_t len, aiot_dev_record *out);

/* Every device whose permanent ID starts with the first prefix_bits bits of prefix, at
 * most max; cb is called under the read lock for each (do not call back into the store).
 * Returns the number matched (which may exceed max: then cb ran max times only).
 * From the cache only: on a shared store the records carry the immutable fields only, and
 * a device another process added since this one opened the store is matched only once a
 * lookup by permanent ID has cached it. */
size_t aiot_store_match_prefix(aiot_store *s, const uint8_t *prefix, size_t prefix_bits, size_t max,
                               void (*cb)(void *arg, const aiot_dev_record *r), void *arg);

/* Updates are queued to the store's writer thread, which commits them in batches (group
 * commit) and only then applies them to the cache: a lookup never sees a change that is not
 * durable, and a failed commit leaves the cache as it was. done(arg, rc) runs on the writer
 * thread once the outcome is known: AIOT_OK (committed and visible), AIOT_STORE_CHANGED (the
 * compare-and-set found another value: nothing was written; re-read and decide again: the
 * re-read sees the write that won, as done runs once its whole batch is visible) or a
 * negative AIOT_ERR_* (the commit failed: nothing was written). done may be NULL. The calls
 * return AIOT_ERR_UNKNOWN at once for an unknown device (done is then not called).
 * done may queue further updates but must not call aiot_store_flush() or aiot_store_close()
 * (they wait for the writer thread). */
#define AIOT_STORE_CHANGED 1
typedef void (*aiot_store_done)(void *arg, int rc);

/* What a T-ID decision was made on (compare-and-set): the device's current T-ID (NULL: it
 * had none) and, when rand_n/rand_d are set, the session the new T-ID derives from. */
typedef struct aiot_tid_expect {
	const uint8_t *tid;
	const uint8_t *rand_n, *rand_d;
} aiot_tid_expect;

/* Rotation (TS 33.369 identifier privacy): tid becomes current and the current one becomes
 * previous, if the device still matches expect (NULL expect: unconditionally). */
int aiot_store_set_tid(aiot_store *s, const uint8_t *perm_id, size_t len,
                       const aiot_tid_expect *expect, const uint8_t tid[16], aiot_tid_type type,
                       aiot_store_done done, void *arg);
int aiot_store_set_session(aiot_store *s, const uint8_t *perm_id, size_t len,
                           const uint8_t rand_n[16], const uint8_t rand_d[16], aiot_store_done done,
                           void *arg);

/* DO-A (ADM get-doa-authentication): rand_d joins the device's window of its last
 * AIOT_DOA_WINDOW RAND_d (the oldest leaves), if it is not in the window yet. The check is
 * the compare-and-set: when rand_d is already there (another exchange used it, even one
 * queued concurrently) nothing is written and done gets AIOT_STORE_CHANGED; re-read the
 * device and refuse. */
int aiot_store_add_doa_rand(aiot_store *s, const uint8_t *perm_id, size_t len,
                            const uint8_t rand_d[16], aiot_store_done done, void *arg);

/* The Nadm_DM profile document beyond the fields above (lastKnownAiotfInfo ...), as JSON
 * text of at most AIOT_PROFILE_MAX bytes. get: malloc'd string or NULL if none. */
#define AIOT_PROFILE_MAX 4096
char *aiot_store_get_profile_json(aiot_store *s, const uint8_t *perm_id, size_t len);
/* One profile write of a set: json (NULL: remove the profile) replaces the profile if it is
 * still expect (the text read; NULL: there was none). */
typedef struct aiot_profile_write {
	const uint8_t *perm_id;
	size_t len;
	const char *expect, *json;
} aiot_profile_write;
/* Writes n profiles (of n different devices) atomically: all of them (one transaction) or
 * none (AIOT_STORE_CHANGED if any expect no longer holds). On a shared store each device is
 * written atomically and those written of a failed set, or whose write may have landed (no
 * answer, not confirmed by WAIT), are written back (only if they still hold this set's
 * text): all or none but while the undo runs, if the undo fails too, or if the process dies
 * before it (docs/redis-cluster.md). */
int aiot_store_set_profiles(aiot_store *s, const aiot_profile_write *w, size_t n,
                            aiot_store_done done, void *arg);

/* Block until every queued write has committed. */
void aiot_store_flush(aiot_store *s);

/* The KEK file: 32 raw bytes. load: exactly 32 bytes in a regular file (not a symbolic
 * link) owned by this user or root and not accessible to group/other, else an error.
 * create_if_missing: as aiot_kek_create. */
int aiot_kek_load(const char *path, uint8_t kek[32], int create_if_missing, char *err,
                  size_t errlen);
/* A new KEK file: 32 bytes from the OS CSPRNG, mode 0600, O_EXCL (AIOT_ERR_STATE if the file
 * exists), fsynced with its directory; removed again if it could not be written whole. */
int aiot_kek_create(const char *path, uint8_t kek[32], char *err, size_t errlen);

/* Removes the files of the closed store at uri (database, WAL, lock file): only to undo a
 * store a failed run has just created and left empty. */
void aiot_store_remove(const char *uri);

#endif
