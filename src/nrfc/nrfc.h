/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The NRF client every NF of this tree shares (aiot-adm, aiot-aiotf, aiot-udm, aiot-ausf,
 * aiot-aanf, aiot-msgin5g): registration of its
 * NFProfile, heartbeats and deregistration (Nnrf_NFManagement, TS 29.510 5.2.2), and the
 * discovery of a producer (Nnrf_NFDiscovery, TS 29.510 5.3.2).
 *
 * nrfc_start() hands the work to a thread of its own (blocking sbi_fetch on a private event
 * loop), so the NF's own loops never wait for the NRF: it PUTs the profile (retrying every
 * second until the NRF answers), then PATCHes a heartbeat every heartBeatTimer (the NRF's
 * answer; nrf.heartbeat-s overrides it), PUTting again when the NRF has forgotten it (404);
 * nrfc_stop() DELETEs the registration. The profile and the discovery answer are built and
 * read by pure functions (nrfc_profile.c), unit-tested.
 * Access tokens (Nnrf_AccessToken) for a consumer's requests: nrfc_token.h; a producer's
 * client that carries them: nrfc_peer.h; the daemons' shared set-up: nf_main.h.
 * The NRF's own services are called without a token (NFManagement and NFDiscovery of this
 * tree's aiot-nrf require none).
 */
#ifndef AIOT_NRFC_H
#define AIOT_NRFC_H
#include <stddef.h>
#include <stdint.h>

#include "sbi/sbi_client.h"

typedef struct nrfc_nf {
	const char *nf_instance_id; /* UUID */
	const char *nf_type;        /* "ADM", "AIOTF" (TS 29.510 NFType) */
	const char *host;           /* the address it serves on: IPv4, IPv6 or a name */
	int port;
	int tls;                     /* scheme https (else http: h2c) */
	const char *const *services; /* NULL-terminated service names, e.g. "nadm-sec" */
	const char *info_name;       /* "admInfo", "aiotfInfoList" or NULL */
	const char *info_json;       /* its value, a JSON object text */
	int oauth2_required;         /* NFService.oauth2Required: its services need a token */
} nrfc_nf;

typedef struct nrfc_cfg {
	const char *url; /* the NRF's apiRoot: http://HOST:PORT or https://HOST:PORT */
	const char *tls_ca, *tls_cert, *tls_key; /* for https */
	uint32_t heartbeat_s;                    /* 0: the heartBeatTimer the NRF answers */
	int timeout_ms;                          /* per request; 0: 2000 */
} nrfc_cfg;

/* --- pure functions (nrfc_profile.c) ------------------------------------------------- */
/* The NFProfile of nf (TS 29.510 6.1.6.2.2) as JSON text (malloc'd), or NULL. */
char *nrfc_profile_json(const nrfc_nf *nf);
/* From a SearchResult (TS 29.510 6.2.6.2.2): "http[s]://HOST:PORT" of the first instance that
 * offers service (its NFService's scheme and ipEndPoints, else the profile's address).
 * 0, or -1 when none does. */
int nrfc_search_result_url(const char *json, size_t len, const char *service, char *url,
                           size_t cap);
/* The same; *oauth2 (may be NULL) = that NFService's oauth2Required (0 when absent). */
int nrfc_search_result(const char *json, size_t len, const char *service, char *url, size_t cap,
                       int *oauth2);
/* Every endpoint offering service, of every instance (each NFService's ipEndPoints, or the
 * profile's address), up to max, as "URL,URL,..." (each once, in the answer's order) into
 * urls; *oauth2 (may be NULL) 1 when one of those NFServices says oauth2Required. 0, or -1
 * when none does (or the first does not fit in cap). */
int nrfc_search_result_all(const char *json, size_t len, const char *service, int max, char *urls,
                           size_t cap, int *oauth2);
/* The heartBeatTimer of an NFProfile answer, or 0. */
uint32_t nrfc_profile_heartbeat(const char *json, size_t len);

/* --- I/O ------------------------------------------------------------------------------ */
typedef struct nrfc nrfc;

/* Copies cfg and nf; starts the registration thread (call with the daemon's signals
 * blocked). NULL with err when the URL is not http(s)://HOST:PORT. */
nrfc *nrfc_start(const nrfc_cfg *cfg, const nrfc_nf *nf, char *err, size_t errlen);
/* 1 once the NRF has accepted the profile. */
int nrfc_registered(nrfc *c);
/* Stop the heartbeats and DELETE the registration (bounded by timeout_ms); free. */
void nrfc_stop(nrfc *c);

/* Discovery, blocking: target_nf_type / requester_nf_type (and requester_id, may be NULL)
 * -> "http[s]://HOST:PORT" of the producers offering service, up to max of them
 * (nrfc_search_result_all: "URL,URL,..."), and *oauth2 (may be NULL) whether that service
 * requires an access token. Retries every 200 ms until wait_ms has passed (a producer may
 * register after its consumer starts). 0, or -1 with err. */
int nrfc_discover(const nrfc_cfg *cfg, const char *target_nf_type, const char *requester_nf_type,
                  const char *requester_id, const char *service, int wait_ms, int max, char *url,
                  size_t cap, int *oauth2, char *err, size_t errlen);
/* The sbi_client_cfg of the NRF (host: its buffer, hcap octets); *prefix: the apiRoot's path
 * ("" for none). 0, or -1 (not http(s)://HOST:PORT, or https without nrf.ca). */
int nrfc_client_cfg(const nrfc_cfg *cfg, sbi_client_cfg *sc, char *host, size_t hcap,
                    const char **prefix);

#endif
