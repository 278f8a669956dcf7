/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Sealed records: the store of the NFs that keep a few secrets per subscriber or context
 * (the UDM's K/OPc, the AAnF's K_AKMA). One SQLite table of records, each a public JSON text
 * (SQN, flags: read and updated without the KEK) and a secret sealed with AES-256-GCM under
 * the KEK (keywrap.h), AAD = table name || 0x00 || id, so a blob cannot be moved to another
 * record or table. The database holds the KEK check value of the device store (a wrong KEK
 * is reported at open). Commits are synchronous, WAL + synchronous=NORMAL as the device
 * store: what a call acknowledged survives kill -9.
 * One owner: a handle is not thread-safe, and the file is locked (PATH.lock) for one process.
 */
#ifndef AIOT_STORE_KVS_H
#define AIOT_STORE_KVS_H
#include <stddef.h>
#include <stdint.h>

#define AIOT_KVS_SECRET_MAX 64 /* octets of one record's secret */
#define AIOT_KVS_ID_MAX 255    /* octets of a record id */

typedef struct aiot_kvs aiot_kvs;

/* uri: "sqlite:PATH"; table: [a-z0-9_], 1..32 characters. create: make the database file
 * (mode 0600) and the table if missing. NULL on failure, with a message in err. */
aiot_kvs *aiot_kvs_open(const char *uri, const char *table, const uint8_t kek[32], int create,
                        char *err, size_t errlen);
/* Finalizes, closes, releases the lock and wipes the key schedule. NULL is accepted. */
void aiot_kvs_close(aiot_kvs *s);

/* Insert or replace the record id. secret_len 1..AIOT_KVS_SECRET_MAX; meta may be NULL.
 * AIOT_OK, AIOT_ERR_INVAL (arguments), AIOT_ERR_CRYPTO or AIOT_ERR_STATE (the database). */
int aiot_kvs_put(aiot_kvs *s, const char *id, const char *meta, const uint8_t *secret,
                 size_t secret_len);
/* AIOT_OK, AIOT_ERR_NOTFOUND, AIOT_ERR_MAC (a blob that does not open under this KEK and
 * this id), or an error. meta: NULL, or receives a malloc'd copy (NULL if the record has
 * none; free it). secret: NULL, or AIOT_KVS_SECRET_MAX octets. */
int aiot_kvs_get(aiot_kvs *s, const char *id, char **meta, uint8_t secret[AIOT_KVS_SECRET_MAX],
                 size_t *secret_len);
/* Replaces the public part only (e.g. the SQN). AIOT_OK or AIOT_ERR_NOTFOUND or an error. */
int aiot_kvs_set_meta(aiot_kvs *s, const char *id, const char *meta);
/* AIOT_OK or AIOT_ERR_NOTFOUND or an error. */
int aiot_kvs_delete(aiot_kvs *s, const char *id);
/* Calls fn for every record in id order; the secret is opened into a buffer wiped after each
 * call. fn's non-zero return stops the walk and is returned. A record whose blob does not
 * open stops the walk with AIOT_ERR_MAC. */
typedef int (*aiot_kvs_fn)(void *arg, const char *id, const char *meta, const uint8_t *secret,
                           size_t secret_len);
int aiot_kvs_foreach(aiot_kvs *s, aiot_kvs_fn fn, void *arg);

#endif
