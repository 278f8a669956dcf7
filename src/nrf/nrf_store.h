/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NRF's registry at rest: one SQLite file of its own ("sqlite:PATH"), a row per NF
 * instance holding its NFProfile as JSON text, so that registrations survive a restart.
 * WAL with synchronous=NORMAL like the device store (src/store/store_sqlite.c): a committed
 * write survives the process being killed. One process per file (PATH.lock). Not thread-safe:
 * the registry (nrf_registry.c) calls it under its lock.
 */
#ifndef AIOT_NRF_STORE_H
#define AIOT_NRF_STORE_H
#include <stddef.h>

typedef struct nrf_store nrf_store;

/* uri: "sqlite:PATH" (created if absent). NULL with err. */
nrf_store *nrf_store_open(const char *uri, char *err, size_t errlen);
void nrf_store_close(nrf_store *s);
/* Insert or replace the profile of id; delete it. 0 or -1. */
int nrf_store_put(nrf_store *s, const char *id, const char *profile_json);
int nrf_store_delete(nrf_store *s, const char *id);
/* Call fn for each stored (id, profile); stops at fn's first non-zero. 0 or -1. */
int nrf_store_load(nrf_store *s, int (*fn)(void *arg, const char *id, const char *profile_json),
                   void *arg);

#endif
