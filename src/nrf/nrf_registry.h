/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NRF's registry of NF instances (TS 29.510 5.2.2): the NFProfiles, their heartbeats and
 * the NRF's view of their status, in memory, written through to the store (nrf_store.h)
 * when one is given. Thread-safe (one lock): the SBI workers share it. The time is a
 * parameter (monotonic milliseconds), so the heartbeat logic is a pure function of it.
 *
 * Heartbeat (TS 29.510 5.2.2.3.2): every PUT or PATCH of an instance is a heartbeat. An
 * instance with no heartbeat for heartBeatTimer seconds plus the grace is marked SUSPENDED
 * (its nfStatus, stored) and is no longer discovered; its next heartbeat marks it
 * REGISTERED again (unless that PATCH itself sets nfStatus). The NRF imposes its own
 * heartBeatTimer on every profile (TS 29.510 6.1.6.2.2: the NRF may change it).
 */
#ifndef AIOT_NRF_REGISTRY_H
#define AIOT_NRF_REGISTRY_H
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>

#include "nrf_store.h"
#include "sbi/sbi_json.h"

typedef struct nrf_registry nrf_registry;

typedef struct nrf_registry_cfg {
	uint32_t heartbeat_s; /* the heartBeatTimer the NRF imposes, >= 1 */
	uint32_t grace_ms;    /* tolerated lateness of a heartbeat */
	size_t max_instances; /* beyond it a new registration gets 403 (0: 4096) */
} nrf_registry_cfg;

/* A discovery request's filters (TS 29.510 6.2.3.2.3.1); NULL / 0: not given. */
typedef struct nrf_query {
	const char *target_nf_type;    /* required */
	const char *requester_nf_type; /* required: a profile's allowedNfTypes must list it */
	const char *target_nf_instance_id;
	const char *const *service_names;
	size_t nservice_names;
} nrf_query;

/* Loads every profile of store (may be NULL: memory only); a loaded instance counts as
 * heard at now_ms. NULL with err. */
nrf_registry *nrf_registry_new(nrf_store *store, const nrf_registry_cfg *cfg, uint64_t now_ms,
                               char *err, size_t errlen);
void nrf_registry_free(nrf_registry *r);

/* RegisterNFInstance / full replacement (TS 29.510 5.2.2.2.2): profile is checked against
 * id (nrf_profile_check) and taken. Returns 201 (created) or 200 (replaced) with *out a copy
 * of the stored profile, or -1 with e. */
int nrf_registry_put(nrf_registry *r, const char *id, cJSON *profile, uint64_t now_ms, cJSON **out,
                     sbi_err *e);
/* UpdateNFInstance (TS 29.510 5.2.2.3): JSON Patch; the result is checked again and may not
 * change nfInstanceId or nfType. 200 with *out, or -1 with e (404 when id is unknown). */
int nrf_registry_patch(nrf_registry *r, const char *id, const cJSON *patch, uint64_t now_ms,
                       cJSON **out, sbi_err *e);
/* DeregisterNFInstance: 0, or -1 when id is unknown. */
int nrf_registry_delete(nrf_registry *r, const char *id);
/* GetNFInstance: a copy of the profile, or NULL when unknown. */
cJSON *nrf_registry_get(nrf_registry *r, const char *id, uint64_t now_ms);
/* NFDiscover: a new array of copies of the REGISTERED profiles that match q (NULL on
 * allocation failure). */
cJSON *nrf_registry_search(nrf_registry *r, const nrf_query *q, uint64_t now_ms);
/* Instances registered, and how many of them are SUSPENDED. */
size_t nrf_registry_count(nrf_registry *r, uint64_t now_ms, size_t *suspended);

#endif
