/* SPDX-License-Identifier: Apache-2.0 */
/* The AIOTF's counters: written by the loop thread (the procedures, the NG link, the ADM and
 * notification clients), read by the SBI thread for /metrics (aiotf.c). Atomic, so either
 * side may touch them without a lock; the struct belongs to struct aiotf, the procedures
 * reach it through their context (proc.h). */
#ifndef AIOT_AIOTF_STATS_H
#define AIOT_AIOTF_STATS_H
#include <stdatomic.h>

#include "sbi/sbi_hist.h"

/* Why the AIOTF closed (or refused) an NG link, besides flooding (ng_readers.c). */
enum ng_close_reason {
	NG_CLOSE_LINK_CAP = 0, /* ng.max-links */
	NG_CLOSE_PEER_CAP,     /* ng.max-links-per-peer */
	NG_CLOSE_SETUP,        /* ng.setup-timeout-ms */
	NG_CLOSE_IDLE,         /* ng.idle-timeout-ms */
	NG_CLOSE_BUFFER,       /* ng.buffer-max */
	NG_CLOSE_UNACKED,      /* ng.unacked-close */
	NG_CLOSE_N
};

typedef struct aiotf_stats {
	atomic_ullong tx[2];        /* by tx_type */
	atomic_ullong tx_failed[2]; /* ended with a FailureCause */
	atomic_ullong requests_refused;
	atomic_ullong devices_authenticated;
	atomic_ullong auth_failures;
	atomic_ullong bad_mac;
	atomic_ullong replays;
	atomic_ullong cmd_ok, cmd_failed;
	atomic_ullong tid_updates;
	atomic_ullong cache_evictions[2]; /* T-ID cache, profile cache */
	atomic_ullong adm_requests, adm_errors, adm_retries;
	sbi_hist adm_latency;       /* each ADM answer or transport failure */
	atomic_ullong unsolicited;  /* reports/answers matching no open paging or command */
	atomic_ullong rate_dropped; /* Inventory Reports over a reader's report rate */
	/* D2Rs counted unverified, unchecked: over the paging's D2R budget, the ADM request
	 * queue full (adm_client.c); D2Rs that waited for their paging's ADM budget */
	atomic_ullong d2r_budget, d2r_adm_queue, d2r_deferred;
	atomic_ullong adm_queue_full;        /* ADM requests refused: the queue was full */
	atomic_ullong flood_closed;          /* reader links closed for flooding */
	atomic_ullong ng_closed[NG_CLOSE_N]; /* NG links closed by the listener's bounds */
	atomic_ullong foreign_rand; /* D2R answering a RAND_AIOT_n we did not page (NOTE 2) */
	atomic_ullong undecodable;
	atomic_ullong notif_sent, notif_failed;
	atomic_ullong doa_subs;           /* DO-A subscriptions (a gauge) */
	atomic_ullong notif_dropped;      /* over a queue bound (notify.c) */
	atomic_ullong notif_last_dropped; /* ... of them, a transaction's lastRepInd */
	atomic_ullong notif_uri_refused;  /* notifUri outside the policy (notify_policy.c) */
	atomic_ullong notif_dest_refused; /* no destination slot: request refused 503 */
	atomic_ullong notif_queued_bytes;
	atomic_int notif_dests;
	atomic_ullong d2r_received;
	atomic_int readers;
	atomic_int ng_links; /* NG links open, set up or not */
	atomic_int active_tx;
} aiotf_stats;

#endif
