/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the main() of every network function daemon does alike (aiot-adm, aiot-aanf, aiot-udm,
 * aiot-ausf, aiot-msgin5g; the AIOTF uses the consumer part):
 * the SBI server's settings from the configuration (listen, workers, metrics, tls.*, the
 * server's limits.*), the NF instance ID, the registration with an NRF (nrf.*, src/nrfc),
 * and a consumer's discovery of its producer and its tokens (KEY.url, KEY.oauth2).
 * Each NF keeps its own keys, routes and NFProfile content.
 */
#ifndef AIOT_NRFC_NF_MAIN_H
#define AIOT_NRFC_NF_MAIN_H
#include <stddef.h>

#include "nrfc/nrfc.h"
#include "oauth/oauth_guard.h"
#include "sbi/sbi_server.h"
#include "svc/config.h"

/* The configuration keys of nf_main_sbi_cfg() and nf_main_register() that have no short
 * flag (`--limits.max-body N`), for cfg_from_args()'s file_keys. */
#define NF_MAIN_FILE_KEYS                                                                          \
	"limits.max-body", "limits.max-streams", "limits.max-pending", "limits.max-connections",   \
	    "limits.idle-timeout-ms", "limits.body-timeout-ms", "limits.max-conn-memory",          \
	    "limits.max-memory", "limits.handshake-timeout-ms", "nrf.ca", "nrf.cert", "nrf.key",   \
	    "nrf.heartbeat-s", "nf-instance-id-file"
/* The NRF's alone, for an NF that is no SBI server (aiot-msgin5g). */
#define NF_MAIN_NRF_FILE_KEYS                                                                      \
	"nrf.ca", "nrf.cert", "nrf.key", "nrf.heartbeat-s", "nf-instance-id-file"
#define NF_MAIN_NRF_FLAGS                                                                          \
	{"nrf", "nrf.url"},                                                                        \
	{                                                                                          \
		"nf-instance-id", "nf-instance-id"                                                 \
	}
/* Their flags (cfg_opt) next to the NF's own. */
#define NF_MAIN_FLAGS                                                                              \
	{"listen", "listen"}, {"tls-cert", "tls.cert"}, {"tls-key", "tls.key"},                    \
	    {"tls-ca", "tls.ca"}, {"workers", "workers"}, {"metrics", "metrics"},                  \
	    {"log-level", "log-level"}, {"nrf", "nrf.url"},                                        \
	{                                                                                          \
		"nf-instance-id", "nf-instance-id"                                                 \
	}

/* The prologue of an NF daemon: its command line and configuration (cfg_from_args), logging
 * (log-level), no core dumps (docs/security.md T11c) and the wiping allocators (sbi_wipe.h).
 * The configuration (free it with cfg_free), or NULL when the daemon is to exit now with
 * *status: SVC_EXIT_OK after --help, else SVC_EXIT_USAGE or SVC_EXIT_FAIL (logged). */
cfg *nf_main_begin(int argc, char **argv, const char *prog, const cfg_opt *opts, size_t nopts,
                   const char *const *file_keys, const char *usage, int *status);

/* listen (default def_listen), workers (default: the CPUs), metrics, tls.cert/key/ca (checked
 * to go together) and the limits.* of the SBI server into sc (its other members untouched).
 * 0, or -1 with err. */
int nf_main_sbi_cfg(const cfg *c, const char *def_listen, sbi_server_cfg *sc, char *err,
                    size_t errlen);

/* Starts the SBI server of sc (its handler, app, metrics and operations set by the NF) with
 * guard as its authorization (NULL: none), and logs where it listens, what OAuth 2.0 requires
 * and the metrics port. The server, or NULL (logged). */
sbi_server *nf_main_serve(sbi_server_cfg *sc, aiot_oauth_guard *guard);

/* This NF's instance ID when it has one (nf-instance-id, nf-instance-id-file, or with nrf.url
 * the one kept in STORE-PATH.nf-instance-id beside the store): id[0] = '\0' when none.
 * 0, or -1 (logged). */
int nf_main_instance_id(const cfg *c, const char *store_uri, char id[37]);

/* An NF without a store (aiot-ausf, aiot-msgin5g): nf-instance-id, or the one kept in
 * nf-instance-id-file, else a new random one per run. 0, or -1 (logged). */
int nf_main_instance_id_any(const cfg *c, char id[37]);

/* With nrf.url: register nf (its nf_instance_id, nf_type, services, info; host, port and tls
 * are filled here from sc and port) and heartbeat (src/nrfc); *out stays NULL without
 * nrf.url. 0, or -1 (logged). */
int nf_main_register(const cfg *c, const sbi_server_cfg *sc, int port, nrfc_nf *nf, nrfc **out);
/* nf_main_register() of an NF whose profile is its type and services alone (no *Info):
 * nf_type "UDM", services {"nudm-ueau", NULL}, oauth2: its services need a token. */
int nf_main_register_services(const cfg *c, const sbi_server_cfg *sc, int port, const char *id,
                              const char *nf_type, const char *const *services, int oauth2,
                              nrfc **out);

/* --- the consumer side: a producer named by its key prefix (e.g. "udm": udm.url, udm.oauth2)
 * The AIOTF's ADM (adm.*), the AUSF's UDM and AAnF, aiot-msgin5g's AAnF. */

/* With nrf.url and no KEY.url: the producer found by Nnrf_NFDiscovery (TS 29.510 5.3.2.2.2:
 * target_type offering service, for requester_type / requester_id; waits up to 10 s for it to
 * register), into KEY.url; KEY.oauth2 becomes true when its NFService says oauth2Required
 * and KEY.oauth2 is not given. Nothing without nrf.url or with KEY.url. 0, or -1 (logged). */
int nf_main_discover(cfg *c, const char *key, const char *target_type, const char *requester_type,
                     const char *requester_id, const char *service);
/* The same with every instance found, up to max: KEY.url becomes "URL,URL,..." (the AIOTF's
 * ADM instances, adm.url). Discovery happens once, at start. */
int nf_main_discover_all(cfg *c, const char *key, const char *target_type,
                         const char *requester_type, const char *requester_id, const char *service,
                         int max);

/* KEY.oauth2 (true: an access token from the NRF on every request to the producer): 1 with
 * *nc the NRF, 0 when off, -1 (logged: not a boolean, or no nrf.url). */
int nf_main_peer_tokens(const cfg *c, const char *key, nrfc_cfg *nc);

#endif
