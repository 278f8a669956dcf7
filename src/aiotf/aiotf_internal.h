/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF daemon internals shared by its files (never by the procedures): the context (struct
 * aiotf), the SBI handoff, AF authorization, the ADM client pool, notifications, readers and
 * the NG link. The procedures, their transactions and their context (struct aiotf_proc,
 * embedded in struct aiotf) are in proc.h, the counters in stats.h, the map in map.h,
 * requests in naiotf.h. Everything below the "loop thread" line is touched only by the
 * AIOTF's event loop thread. */
#ifndef AIOT_AIOTF_INTERNAL_H
#define AIOT_AIOTF_INTERNAL_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "aiotf.h"
#include "crypto/backend.h"
#include "nas/nas.h"
#include "ngap/ngap_link.h"
#include "sbi/sbi_client.h"
#include "sbi/sbi_hist.h"
#include "sbi/sbi_json.h"

#include "doa_subs.h"
#include "map.h"
#include "naiotf.h"
#include "proc.h"
#include "stats.h"

#define AIOTF_MAX_DEVICES_PER_REQ 10000 /* targetDevices.devices items */
#define AIOTF_STREAMS_PER_CONN 100      /* ADM requests in flight per connection */
#define AIOTF_MAX_URI 1024
#define AIOTF_AFAUTH_CACHE 256 /* AFs whose authorization data is kept (afauth.c) */

/* The receiver of DO-A registrations and Uplink Data (struct aiotf.doa_sink). */
typedef void (*aiotf_doa_sink_fn)(void *arg, const aiotf_id *perm, const uint8_t *data, size_t len);

/* The DO-A counters in /metrics (doa_metrics.c). */
void aiotf_doa_metrics(FILE *f, aiotf_stats *s);

/* ---- AF authorization (afauth.c) ------------------------------------------------------- */

/* IndividualAfAuthorizationData of one AF, as checked. */
typedef struct afauth {
	uint8_t known; /* the ADM has data for this AF */
	uint8_t has_area, has_targets;
	unsigned ops;      /* allowedServiceOperations, a bit per operation */
	aiotf_area *areas; /* allowedArea.areaIds */
	size_t nareas;
	amap ids;        /* allowedTargetAiotDevices: permanent IDs (a set) */
	aiotf_id *filts; /* ... and filtering information */
	size_t nfilts;
} afauth;

typedef struct afauth_entry afauth_entry;

/* The data for af_id in an AfAuthorizationData answer (not known when the map lacks it);
 * -1 with err when it does not match the schema. */
int afauth_parse(const cJSON *body, const char *af_id, afauth *z, char *err, size_t errlen);
void afauth_clear(afauth *z);
/* 0 if z allows r, else -1 with the reason in why. */
int afauth_decide(const afauth *z, const aiotf_req *r, char *why, size_t cap);

/* ================= loop thread only below ================================================ */

/* ---- ADM client pool (adm_client.c) ----------------------------------------------------- */

/* One ADM instance: its own adm.connections connections. Spreading and failover are
 * described in adm_client.c. The atomics are read by /metrics (an SBI thread). */
typedef struct adm_inst {
	aiotf *a;
	char url[AIOTF_MAX_URI]; /* http[s]://HOST:PORT, the metrics' instance label */
	char host[256];
	int port;
	sbi_client **c;
	int *inflight;    /* per connection */
	int busy;         /* the sum */
	int down;         /* marked down, probed with backoff until it answers */
	int backoff_ms;   /* the next probe's delay */
	int probing;      /* a probe is in flight */
	uint64_t down_us; /* when it went down */
	struct event *probe_ev;
	atomic_ullong requests; /* sent to it, retries included */
	atomic_ullong failures; /* transport failures and timeouts on it */
	atomic_int up;
} adm_inst;

typedef struct admreq admreq;
typedef struct adm_pool {
	adm_inst *inst;
	int ninst;
	int nconn;   /* connections per instance (cfg.adm_connections) */
	int tls;     /* every instance http, or every one https */
	unsigned rr; /* round-robin start among equally loaded instances */
	admreq *qhead, *qtail;
	size_t queued;
	admreq *failed; /* failed before sending: done() runs from fail_ev */
	struct event *fail_ev;
	struct nrfc_tokens *tokens; /* OAuth 2.0 to the ADM (nrfc_token.h), or NULL */
	int token_waiting;          /* the queue waits for a token fetch */
} adm_pool;

/* adm.url: 1 to AIOTF_MAX_ADM comma-separated http://HOST:PORT or https://HOST:PORT, all of
 * one scheme, none twice. Each into out[i] (url, host, port); *tls the scheme. The number, or
 * -1 with err. Sans-I/O. */
int adm_urls_parse(const char *list, adm_inst *out, int max, int *tls, char *err, size_t errlen);
int adm_pool_init(aiotf *a, char *err, size_t errlen);
void adm_pool_free(aiotf *a);
/* The per-instance series of /metrics (any thread). */
void adm_pool_metrics(FILE *f, aiotf *a);
/* Queue a request to the ADM; done runs exactly once, never from inside this call.
 * body (malloc'd, owned) or build. -1 (out of memory) or -2 (cfg.adm_max_queued requests
 * already wait): nothing was queued, body is freed, done will never run and arg stays the
 * caller's. */
int adm_call(aiotf *a, const char *method, const char *path, char *body, size_t len,
             adm_build_fn build, adm_done_fn done, void *arg);

/* ---- notifications (notify.c) ----------------------------------------------------------- */

typedef struct notif_dest notif_dest;
/* The destination of r's notifUri (at r->notif_addr), held until notify_release: NULL with
 * why when notify.max-destinations (or its share per AF) are all held or busy. */
notif_dest *notify_acquire(aiotf *a, const aiotf_req *r, char *why, size_t cap);
void notify_release(aiotf *a, notif_dest *d);
/* POST an AIoTNotif (body malloc'd, owned) to d; in order per destination; last: the
 * transaction's lastRepInd (kept over the queue bounds ahead of other notifications). */
void notify_post(aiotf *a, notif_dest *d, const char *path, char *body, int last);
/* 1 when no notification is queued or in flight. */
int notify_idle(const aiotf *a);
void notify_free_all(aiotf *a);

/* ---- notifUri policy (notify_policy.c) ------------------------------------------------ */

typedef struct notif_policy notif_policy;
typedef struct lookup lookup;
/* Comma-separated lists (NULL: default); local: the SBI listens on loopback only. */
notif_policy *notif_policy_new(const char *schemes, const char *hosts, const char *networks,
                               int local, char *err, size_t errlen);
void notif_policy_free(notif_policy *p);
/* An address (text) under notify.networks or the default: 1, 0, or -1 (not an address);
 * a host under notify.hosts: 1 or 0. */
int notif_policy_allows_addr(const notif_policy *p, const char *addr);
int notif_policy_allows_host(const notif_policy *p, const char *host);
/* Loop thread: check r->notif_uri (resolving a name once), then afauth_submit(r), or refuse
 * it (400 MANDATORY_IE_INCORRECT). */
void notif_policy_admit(aiotf *a, aiotf_req *r);
/* Teardown: answer the requests still waiting for a name (503). */
void notif_policy_cancel_all(aiotf *a);

/* ---- readers and the NG link (ng_readers.c) --------------------------------------------- */

struct reader {
	aiotf *a;
	ngap_link *link;
	uint32_t gnb_id;
	uint16_t reader_index;
	int setup;     /* NG Setup done */
	probe *probes; /* probes on this reader (probe.rd_next) */
	reader *next, *prev;
	/* Correlation identifiers are this link's own (2 octets, big-endian -> probe*): other
	 * links cannot exhaust them. */
	amap corr;
	uint32_t next_corr;
	struct event *timer;  /* NG Setup deadline, then the idle timeout */
	uint64_t last_rx_us;  /* last message from the reader */
	uint32_t unacked;     /* consecutive pagings it left unacknowledged */
	uint64_t last_ack_us; /* when it last acknowledged a paging */
	/* Inventory Report rate limit (ng_readers.c): token bucket, drops in the current
	 * one-second window. */
	double tokens;
	uint64_t refill_us;
	uint64_t window_us;
	uint32_t window_drops;
};

/* aiotf_io's ng_send and ng_close in the daemon (io_event.c). */
int ng_link_send(aiotf *a, reader *rd, const ngap_msg *m);
void ng_link_close_unacked(aiotf *a, reader *rd);
int ng_start(aiotf *a, char *err, size_t errlen);
void ng_stop(aiotf *a);

struct aiotf {
	aiotf_cfg cfg;
	char *name, *ng_listen, *ng_transport, *adm_url, *adm_ca, *adm_cert, *adm_key, *notif_ca;
	aiotf_stats st;
	char trans_prefix[17];
	atomic_ullong trans_seq;

	/* handoff from the SBI thread */
	pthread_mutex_t qlock;
	aiotf_req *qhead, *qtail;
	int stop;
	int draining; /* SIGTERM: new requests refused, in-flight ones drained */
	int grace_ms;
	/* loop thread */
	struct event_base *base;
	struct event *wake;
	pthread_t thread;
	int running;
	aiot_backend *be;
	ngap_listener *ng;
	size_t nlinks; /* NG links accepted and open (set up or not) */
	adm_pool adm;
	/* made once at start (file reads), shared by the ADM and notification clients */
	struct evdns_base *dns;
	struct ssl_ctx_st *adm_tls_ctx, *notif_tls;
	notif_dest *dests; /* most recently used first */
	int ndests;
	size_t notif_bytes; /* queued, all destinations */
	notif_policy *notif_pol;
	lookup *lookups; /* notifUri names being resolved */
	/* the procedures' context (proc.h: who owns what in it), with io = aiotf_io_event */
	aiotf_proc proc;
	/* shutdown drain (aiotf_drain) */
	struct event *drain_tick;
	uint64_t drain_t0_us;
	uint8_t drain_forced;
	afauth_entry *afauth; /* AF authorization data by afId, newest first (afauth.c) */
	doa_subs *doa_subs;   /* DO-A subscriptions (doa_subs.c), NULL until the first */
};

/* aiotf.c, SBI thread: hand r (parsed, counted in active_tx) to the loop thread, r->pending
 * deferred; 0, or -1 when stopping (resp filled, r freed). */
int aiotf_enqueue(aiotf *a, const sbi_request *req, aiotf_req *r, sbi_response *resp);

/* afauth.c: answer r (r->pending) once its AF's authorization is known; an accepted
 * request becomes a transaction. */
void afauth_submit(aiotf *a, aiotf_req *r);
void afauth_free_all(aiotf *a); /* after adm_pool_free() */
/* Answer r with a ProblemDetails and free it. */
void afauth_refuse(aiotf *a, aiotf_req *r, int status, const char *cause, const char *detail);

#endif
