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
	NG_CLOSE_TLS,          /* TLS handshake failed: plain NG, no or a foreign certificate */
	NG_CLOSE_N
};

/* Why a DO-A Registration Request (M1) got no answer (doa.c, doa_limit.c). */
enum doa_refusal {
	DOA_REF_MALFORMED = 0, /* not a well-formed M1 */
	DOA_REF_RATE_READER,   /* over doa.m1-rate of its reader link */
	DOA_REF_RATE_ID,       /* over doa.id-m1-max in doa.id-window-ms for its identifier */
	DOA_REF_FULL,          /* doa.max-contexts exchanges and contexts held */
	DOA_REF_UNKNOWN,       /* ADM 404: no device has the identifier */
	DOA_REF_RAND_REUSED,   /* ADM 403: a RAND_d of the device's last 8 exchanges */
	DOA_REF_ADM_ERROR,     /* ADM error, malformed answer, unreachable, timeout */
	DOA_REF_ADM_QUEUE,     /* adm.max-queued requests already waiting */
	DOA_REF_N
};

/* How a DO-A exchange (M1 accepted .. M4 sent) ended: each ends exactly once. */
enum doa_end {
	DOA_END_REGISTERED = 0, /* M4 sent, context registered */
	DOA_END_REFUSED,        /* the ADM refused or failed (doa_refusal) */
	DOA_END_RES_D,          /* RES_D wrong */
	DOA_END_TIMEOUT,        /* doa.exchange-timeout-ms */
	DOA_END_READER_LOST,    /* the reader link went */
	DOA_END_REPLACED,       /* a new M1 under the same (reader, RAN ID) */
	DOA_END_UNDELIVERED,    /* the reader could not deliver M2 (Downlink Failure) */
	DOA_END_ERROR,          /* get-session-key failed, out of memory, send failed */
	DOA_END_STOPPED,        /* the AIOTF stopped */
	DOA_END_N
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
	atomic_ullong adm_token_retries; /* ADM requests sent again with a new token after a 401 */
	sbi_hist adm_latency;            /* each ADM answer or transport failure */
	atomic_ullong unsolicited;       /* reports/answers matching no open paging or command */
	atomic_ullong rate_dropped;      /* Inventory Reports over a reader's report rate */
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
	/* DO-A (doa.c) */
	atomic_ullong doa_m1, doa_m1_refused[DOA_REF_N], doa_m2_sent, doa_res_d_failed;
	atomic_ullong doa_unexpected; /* M3 or data with no exchange/context in that state */
	atomic_ullong doa_ended[DOA_END_N], doa_registered, doa_late_adm;
	atomic_ullong doa_data_delivered, doa_data_replayed, doa_data_bad_mac;
	atomic_ullong doa_ctx_expired; /* registered contexts dropped after doa.context-ttl-s */
	atomic_int doa_contexts;       /* exchanges and registered contexts held */
	atomic_int readers;
	atomic_int ng_links; /* NG links open, set up or not */
	atomic_int active_tx;
} aiotf_stats;

#endif
