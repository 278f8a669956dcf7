/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AKMA AF's keys: K_AF per A-KID, fetched from the AAnF (TS 29.535 5.2.2.3
 * Naanf_AKMA_ApplicationKey_Get: POST {aanf}/naanf-akma/v1/retrieve-applicationkey) without
 * ever blocking the event loop (with an access token of the NRF when the AAnF requires one:
 * src/nrfc/nrfc_peer.h), and kept until the AkmaAfKeyData's expiry (TS 33.535 6.3).
 * The same cache, with source KAF_SRC_SEAL_KM, holds the PSKs of the optional, non-normative
 * SEAL key management (solution #5; src/sealkm/sealkm.h): GET {km}/seal-km/v1/psk/{keyId}
 * under mutual TLS, {psk, owner, expiry} kept until the expiry, the owner as the UE ID.
 * A fetch in flight serves every handshake that waits for the same A-KID. Owns the entries
 * and their keys (wiped when dropped); runs on one event base, not thread-safe.
 */
#ifndef AIOT_MSGIN5G_KAF_CACHE_H
#define AIOT_MSGIN5G_KAF_CACHE_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "psk_identity.h"

struct event_base;
typedef struct kaf_cache kaf_cache;

typedef struct kaf_key {
	uint8_t kaf[32]; /* K_AF, or the SEAL KM's PSK */
	/* The UE ID: "imsi-..." when the AAnF gave it (the AF is allowed), else ""; the key's
	 * owner from the SEAL KM. */
	char supi[72];
	time_t expiry;
} kaf_key;

/* A fetch ended: KAF_OK (the key is now in the cache), KAF_UNKNOWN (the AAnF answered 204:
 * no such A-KID; the KM 404: no such key id, or expired) or KAF_ERROR (the AAnF down or wrong); why
 * says it in words. */
enum { KAF_OK, KAF_UNKNOWN, KAF_ERROR };
typedef void (*kaf_done_fn)(void *arg, const char *akid, int result, const char *why);

enum kaf_source { KAF_SRC_AANF, KAF_SRC_SEAL_KM };

typedef struct kaf_cache_cfg {
	enum kaf_source source;
	const char *url;            /* http://HOST:PORT or https://HOST:PORT (SEAL KM: https) */
	const char *ca;             /* https: the CA of the AAnF or the KM */
	const char *cert, *key;     /* SEAL KM: this server's client certificate and key */
	struct nrfc_tokens *tokens; /* access tokens (naanf-akma) for the AAnF; NULL: none */
	const char *af_fqdn;        /* AAnF: the afId sent (TS 29.522 AfId) */
	size_t max_keys;            /* cached keys; the oldest goes first */
	size_t max_fetches;         /* fetches in flight; beyond, a handshake fails */
	int timeout_ms;
	kaf_done_fn done;
	void *arg;
} kaf_cache_cfg;

kaf_cache *kaf_cache_new(struct event_base *base, const kaf_cache_cfg *cfg, char *err,
                         size_t errlen);
void kaf_cache_free(kaf_cache *k);

/* The valid key of akid (expired ones are dropped), or NULL. */
const kaf_key *kaf_cache_get(kaf_cache *k, const char *akid);
/* Start (or join) the fetch of akid; cfg.done runs from the loop when it ends. 0, or -1
 * when too many fetches are in flight. */
int kaf_cache_fetch(kaf_cache *k, const char *akid);

typedef struct kaf_stats {
	uint64_t fetches, keys_got, unknown, errors, expired;
	size_t cached;
} kaf_stats;
kaf_stats kaf_cache_stats(const kaf_cache *k);

/* RFC 3339 date-time (TS 29.571 DateTime) -> time_t; 0 or -1. Exposed for the unit test. */
int kaf_parse_datetime(const char *s, time_t *t);

#endif
