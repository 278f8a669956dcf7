/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIOTF (Ambient IoT Function): serves Naiotf_AIoT (TS 29.569, naiotf-aiot/v1) and runs
 * the inventory and command procedures of TS 23.369 6.2.2 / 6.2.3 with the authentication
 * of TS 33.369 5.2.2 against the ADM (Nadm_Sec, Nadm_DM) over the NG link to the readers.
 *
 * Threads: the SBI server's worker validates a request and answers {transId} at once; the
 * work goes to the AIOTF's own event loop thread (a locked queue + event_active), which owns
 * the NG link, the ADM client pool, the notification senders and every transaction.
 */
#ifndef AIOT_AIOTF_H
#define AIOT_AIOTF_H
#include <stddef.h>

#include "crypto/kdf.h"
#include "oauth/oauth_guard.h"
#include "sbi/sbi_server.h"

typedef struct aiotf aiotf;

#define AIOTF_MAX_ADM 16 /* ADM instances: adm.url's list, or those the NRF returns */

typedef struct aiotf_cfg {
	const char *name;         /* AIOTF name in NGAP (1..150 characters) */
	const char *ng_listen;    /* "ADDR:PORT" for readers */
	const char *ng_transport; /* "auto", "sctp" or "tcp" */
	/* TLS 1.3 on the NG link (TCP only, docs/backhaul.md): the AIOTF's certificate and key
	 * (none: plain NG), the CA of the readers' certificates, and whether a reader must
	 * present one (ng_tls_required: else a reader without a certificate is let in). */
	const char *ng_tls_cert, *ng_tls_key, *ng_tls_ca;
	int ng_tls_required;
	/* The ADM instances: comma-separated http://HOST:PORT (h2c) or https://HOST:PORT (TLS
	 * 1.3), one scheme for all; requests are spread over them, with failover (adm_client.c) */
	const char *adm_url;
	const char *adm_ca;   /* PEM CA for https (required with https) */
	const char *adm_cert; /* client certificate (mutual TLS), optional */
	const char *adm_key;
	/* OAuth 2.0 to the ADM: tokens from this NRF for this NF instance (read while aiotf_new
	 * runs only); NULL: requests without a token */
	const struct nrfc_cfg *adm_tokens_nrf;
	const char *nf_instance_id;
	const char *notif_ca;     /* PEM CA for https notifUris; NULL: http notifUris only */
	int adm_connections;      /* HTTP/2 connections to each ADM instance, ~100 streams each */
	int adm_timeout_ms;       /* per ADM request */
	int inventory_timeout_ms; /* per paging, from the Inventory Request to the last report */
	int command_timeout_ms;   /* per Command Request */
	int cipher;               /* 1: cipher command payloads (128-NEA2) */
	int max_transactions;     /* queued + running; more are refused with 503 */
	int af_auth_ttl_ms;       /* AF authorization data kept this long (0: every request) */
	int cache_max;            /* entries in each of the T-ID and profile caches (<1: 100000) */
	/* Per reader link, a token bucket on Inventory Reports (the messages that make the
	 * AIOTF call the ADM), charged per D2R they carry: report_rate D2Rs per second,
	 * report_burst at most; an excess report is dropped and counted. flood_close: that
	 * many reports dropped for rate within one second close the reader's NG link. 0 turns
	 * each off. */
	int report_rate;
	int report_burst; /* 0: 2 * report_rate */
	int flood_close;
	/* Budgets of one paging (one reader in one transaction): D2Rs taken, and
	 * get-authentication requests waiting for the ADM. A D2R past the first is counted
	 * unverified, unchecked; past the second it waits for a request to end (its memory is
	 * bounded by the first). <1: 262144 and 16384. */
	int paging_max_d2r;
	int paging_max_adm;
	int adm_max_queued; /* ADM requests waiting for a stream; <1: 65536 */
	/* Notifications (docs/security.md "Notifications"). The notifUri policy, comma-separated
	 * lists (NULL: default): schemes [http,https]; hosts (names, "*.domain") [any];
	 * networks (ADDR/BITS, "any") [public unicast, plus loopback when notify_local: the
	 * Naiotf SBI listens on loopback, so the AFs are local processes]. */
	const char *notify_schemes, *notify_hosts, *notify_networks;
	int notify_local;
	int notify_max_dests;           /* destinations = connections [256] */
	int notify_max_dests_per_af;    /* created for one afId [64] */
	size_t notify_queue_bytes;      /* queued notifications, all destinations [32 MiB] */
	size_t notify_dest_queue_bytes; /* per destination [4 MiB] */
	/* NG listener bounds (0 turns each off): links in all and per peer address; the NG
	 * Setup deadline of a new link; the idle timeout of a set-up link (no message from it);
	 * octets of partial frames held across all links; the time a reader has to acknowledge
	 * a paging, and how many unacknowledged pagings in a row close its link. */
	int ng_max_links;
	int ng_max_links_per_peer;
	int ng_setup_timeout_ms;
	int ng_idle_timeout_ms;
	size_t ng_buffer_max;
	int ng_ack_timeout_ms;
	int ng_unacked_close;
	/* DO-A subscriptions (doa_subs.h), in all and created by one afId [1024, 64] */
	int doa_max_subs;
	int doa_max_subs_per_af;
	/* Device-originated access (doa.c): an exchange's deadline from M1 to M4; exchanges and
	 * registered contexts held at most (an M1 past it is refused); a context's lifetime
	 * without verified Uplink Data; per reader link, M1s per second (token bucket, burst
	 * doa_m1_burst, 0: 2 * rate; rate 0: off); per identifier, M1s within a window (0: off). */
	int doa_exchange_timeout_ms;
	int doa_max_contexts;
	int doa_context_ttl_s;
	int doa_m1_rate;
	int doa_m1_burst;
	int doa_id_m1_max;
	int doa_id_window_ms;
} aiotf_cfg;

/* 0 when adm.url's list is valid (aiotf_cfg.adm_url), else -1 with the problem in err. */
int aiotf_adm_urls_check(const char *list, char *err, size_t errlen);
/* A list found through the NRF: its usable URLs, canonical, into out (each other one
 * skipped with a log line); the count kept, or -1 (none usable) with the problem in err. */
int aiotf_adm_urls_discovered(const char *list, char *out, size_t cap, char *err, size_t errlen);
/* Create the context: event base, NG listener, ADM pool. NULL with a message in err. */
aiotf *aiotf_new(const aiotf_cfg *cfg, char *err, size_t errlen);
/* Start the event loop thread. 0 or -1. */
int aiotf_start(aiotf *a);
int aiotf_ng_port(const aiotf *a);
const char *aiotf_ng_transport(const aiotf *a);
/* SIGTERM: refuse new requests (503), let running transactions finish for up to
 * grace_ms minus a flush time (min(grace/2, 1 s)), fail the rest with an AIoTNotif
 * failCause, deliver the notifications, and stop the loop thread; returns within about
 * grace_ms. */
void aiotf_drain(aiotf *a, int grace_ms);
/* 0 when the notifUri policy lists parse (a bad value is a usage error), else -1 with err. */
int aiotf_notify_policy_check(const char *schemes, const char *hosts, const char *networks,
                              char *err, size_t errlen);
/* Log the notification policy and bounds (once, at start). */
void aiotf_log_notify(const aiotf *a);
/* Stop the loop thread (transactions in progress are abandoned) and free everything. */
void aiotf_free(aiotf *a);

/* sbi_server_cfg.handler / .metrics (any SBI worker thread). */
void aiotf_handle(void *app, const sbi_request *req, sbi_response *resp);
char *aiotf_metrics(void *app);
/* sbi_server_cfg.operations / .operation: the Naiotf_AIoT operations. */
extern const char *const aiotf_operations[];
/* OAuth 2.0 (TS 29.569 securitySchemes): the service's scope and each operation's (indexed
 * as aiotf_operations; the DO-A subscriptions, an extension, need the service's only). */
extern const aiot_oauth_service aiotf_oauth_services[];
extern const char *const aiotf_op_scopes[];
int aiotf_operation(const sbi_request *req);

#endif
