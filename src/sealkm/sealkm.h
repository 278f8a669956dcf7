/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-sealkm: a SEAL key-management server in the shape of TS 33.434 5.3, for solution #5 of
 * MSGin5G client-server authentication. NON-NORMATIVE: TS 33.501 V20 Annex Y has no text for
 * it; the API below is this project's own. Over mutually authenticated HTTPS (a client
 * certificate is required), with the client certificate's identity (first URI SAN, else CN):
 *   POST {root}/seal-km/v1/psk          a KM client gets a PSK for itself:
 *                                      201 {"keyId", "psk", "expiry"}; the key's owner is
 *                                      the caller. Body: none, or {"lifetime": seconds}.
 *   GET  {root}/seal-km/v1/psk/{keyId}  a retriever (the MSGin5G server, by configuration)
 *                                      gets 200 {"keyId", "psk", "owner", "expiry"}; 404 when
 *                                      unknown or expired, 403 for anyone else.
 * Files: sealkm_req.c the request decoders (sans-I/O); sealkm.c routing, answers, metrics;
 * sealkm_store.c the keys sealed at rest (store/kvs.h). main.c owns the I/O.
 */
#ifndef AIOT_SEALKM_H
#define AIOT_SEALKM_H
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "sbi/sbi_json.h"
#include "sbi/sbi_server.h"

#define SEALKM_PSK_LEN 32
#define SEALKM_KEY_ID_LEN 32 /* 16 random octets, lowercase hex */
#define SEALKM_OWNER_MAX SBI_PEER_ID_MAX
#define SEALKM_ROOT "/seal-km/v1/psk"

typedef struct sealkm_cfg {
	const char *store_uri;             /* "sqlite:PATH", created if missing */
	const uint8_t *kek;                /* 32 bytes */
	unsigned long long max_lifetime_s; /* a PSK's lifetime: the default and the most asked */
	const char *retrievers;            /* identities allowed GET, comma-separated; NULL none */
} sealkm_cfg;

typedef struct sealkm sealkm;

sealkm *sealkm_new(const sealkm_cfg *cfg, char *err, size_t errlen);
void sealkm_free(sealkm *k);
/* The sbi_handler of every route (any worker thread). */
void sealkm_handle(void *app, const sbi_request *req, sbi_response *resp);
char *sealkm_metrics(void *app);

/* ---- sealkm_req.c: the request decoders ------------------------------------------------- */
/* The body of POST psk: empty, or a JSON object with an optional "lifetime" (integer seconds,
 * 1..max). *lifetime = max when absent. 0, or -1 with e (400). */
int sealkm_parse_psk_request(const uint8_t *body, size_t len, unsigned long long max,
                             unsigned long long *lifetime, sbi_err *e);
/* The path of GET psk/{keyId}: key_id receives the key id (SEALKM_KEY_ID_LEN lowercase hex
 * digits). 0, -1 (no such resource). */
int sealkm_parse_key_path(const char *path, char key_id[SEALKM_KEY_ID_LEN + 1]);

/* ---- sealkm_store.c: the keys at rest ---------------------------------------------------- */
typedef struct sealkm_key {
	char owner[SEALKM_OWNER_MAX + 1];
	time_t expiry;
	uint8_t psk[SEALKM_PSK_LEN];
} sealkm_key;
/* A new random key id and PSK for key->owner, durable before it returns. AIOT_OK or an
 * AIOT_ERR_*. */
int sealkm_store_issue(sealkm *k, sealkm_key *key, char key_id[SEALKM_KEY_ID_LEN + 1]);
/* The key of key_id: AIOT_OK, AIOT_ERR_NOTFOUND (unknown or expired at now: then deleted),
 * AIOT_ERR_MAC (the record altered at rest) or an error. */
int sealkm_store_find(sealkm *k, const char *key_id, time_t now, sealkm_key *key);

#endif
