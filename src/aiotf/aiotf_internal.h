/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF internals shared by its files. Everything below the "loop thread" line is touched
 * only by the AIOTF's event loop thread. */
#ifndef AIOT_AIOTF_INTERNAL_H
#define AIOT_AIOTF_INTERNAL_H
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "aiotf.h"
#include "crypto/backend.h"
#include "nas/nas.h"
#include "ngap/ngap_link.h"
#include "sbi/sbi_client.h"
#include "sbi/sbi_hist.h"
#include "sbi/sbi_json.h"

#define AIOTF_MAX_DEVICES_PER_REQ 10000 /* targetDevices.devices items */
#define AIOTF_STREAMS_PER_CONN 100      /* ADM requests in flight per connection */
#define AIOTF_NOTIF_BATCH 1000          /* DevicesRepInfo per AIoTNotif */
#define AIOTF_TARGET_WINDOW 128         /* single-device pagings in progress per transaction */
#define AIOTF_NAMED_MAX_RAND_D 64       /* randDlist of one named get-authentication */
#define AIOTF_MAX_URI 1024
#define AIOTF_AFAUTH_CACHE 256          /* AFs whose authorization data is kept (afauth.c) */

/* ---- small byte-keyed hash map (map.c) ------------------------------------------------- */

typedef struct amap_ent {
	struct amap_ent *next;          /* hash chain */
	struct amap_ent *older, *newer; /* by last amap_put, for a bounded map's eviction */
	uint32_t hash;
	uint8_t klen;
	void *val;
	uint8_t key[];
} amap_ent;

typedef struct amap {
	amap_ent **b;
	size_t nb, n;
	uint64_t seed; /* drawn at amap_init: keys are identifiers peers choose */
	amap_ent *oldest, *newest;
	/* Optional bound, set after amap_init: past max entries amap_put evicts the entry put
	 * longest ago, frees its value with evict and counts it in *evictions. */
	size_t max;
	void (*evict)(void *val);
	atomic_ullong *evictions;
} amap;

/* 0, or -1 (no memory, no randomness). A zeroed amap is initialised by its first amap_put. */
int amap_init(amap *m, size_t nbuckets);
void *amap_get(const amap *m, const uint8_t *k, size_t klen);
/* Insert or replace (the entry becomes the newest); returns the previous value (or NULL);
 * -1 in *err on allocation failure. */
void *amap_put(amap *m, const uint8_t *k, size_t klen, void *val, int *err);
void *amap_del(amap *m, const uint8_t *k, size_t klen);
void amap_clear(amap *m, void (*free_val)(void *));

/* ---- identifiers and validated requests (naiotf.c) ------------------------------------- */

typedef struct aiotf_id {
	uint8_t len; /* 1..AIOT_NAS_MAX_ID_LEN */
	uint8_t b[AIOT_NAS_MAX_ID_LEN];
} aiotf_id;

/* AiotAreaId (TS 29.571), as validated: digits / hex digits, nid "" when absent. */
typedef struct aiotf_area {
	char mcc[4], mnc[4], nid[12], code[7];
} aiotf_area;

typedef enum tx_type { TX_INVENTORY = 0, TX_COMMAND = 1 } tx_type;
typedef enum tgt_kind { TGT_AREA = 0, TGT_DEVICES = 1, TGT_FILTER = 2 } tgt_kind;

typedef struct aiotf_req {
	tx_type type;
	char trans_id[48];
	char *af_id;
	char *notif_uri;
	tgt_kind kind;          /* TGT_AREA: no targetDevices */
	aiotf_area *areas;      /* targetArea.areaIds (NULL when absent) */
	size_t nareas;
	aiotf_id *devs; /* TGT_DEVICES */
	size_t ndevs;
	aiotf_id filt;  /* TGT_FILTER */
	uint32_t num_devices;   /* 0 = absent */
	uint32_t time_interval; /* 0 = absent */
	/* TX_COMMAND */
	int cmd;                /* AIOT_CMD_READ / _WRITE / _DISABLE */
	uint16_t offset;
	uint8_t length;
	uint8_t data[AIOT_NAS_MAX_DATA];
	sbi_pending *pending;   /* the AF's request, answered once authorized (afauth.c) */
	char notif_addr[46];    /* notifUri's host as checked and resolved (notify_policy.c) */
	struct notif_dest *dest; /* its destination, held while the transaction runs */
	struct aiotf_req *next;
} aiotf_req;

/* Parse and validate an InventoryReq / CommandReq body. NULL with e filled
 * (sbi_err_status() gives the status). */
aiotf_req *naiotf_parse(tx_type type, const uint8_t *body, size_t len, sbi_err *e);
void aiotf_req_free(aiotf_req *r);
/* An AiotArea; where names it in error texts. 0, or -1 with e filled. *out malloc'd. */
int naiotf_parse_area(const cJSON *area, const char *where, aiotf_area **out, size_t *n,
		      sbi_err *e);
/* "http://HOST:PORT/path" / "https://..." ([v6] allowed). 0 or -1. path points into uri
 * ("/" when absent). */
int aiotf_parse_url(const char *uri, int *tls, char *host, size_t hcap, int *port,
		    const char **path);

/* ---- AF authorization (afauth.c) ------------------------------------------------------- */

/* IndividualAfAuthorizationData of one AF, as checked. */
typedef struct afauth {
	uint8_t known;          /* the ADM has data for this AF */
	uint8_t has_area, has_targets;
	unsigned ops;           /* allowedServiceOperations, a bit per operation */
	aiotf_area *areas;      /* allowedArea.areaIds */
	size_t nareas;
	amap ids;               /* allowedTargetAiotDevices: permanent IDs (a set) */
	aiotf_id *filts;        /* ... and filtering information */
	size_t nfilts;
} afauth;

typedef struct afauth_entry afauth_entry;

/* The data for af_id in an AfAuthorizationData answer (not known when the map lacks it);
 * -1 with err when it does not match the schema. */
int afauth_parse(const cJSON *body, const char *af_id, afauth *z, char *err, size_t errlen);
void afauth_clear(afauth *z);
/* 0 if z allows r, else -1 with the reason in why. */
int afauth_decide(const afauth *z, const aiotf_req *r, char *why, size_t cap);

/* ---- metrics (written by the loop thread, read by the SBI thread) ----------------------- */

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
	atomic_ullong tx[2];           /* by tx_type */
	atomic_ullong tx_failed[2];    /* ended with a FailureCause */
	atomic_ullong requests_refused;
	atomic_ullong devices_authenticated;
	atomic_ullong auth_failures;
	atomic_ullong bad_mac;
	atomic_ullong replays;
	atomic_ullong cmd_ok, cmd_failed;
	atomic_ullong tid_updates;
	atomic_ullong cache_evictions[2]; /* T-ID cache, profile cache */
	atomic_ullong adm_requests, adm_errors, adm_retries;
	sbi_hist adm_latency;          /* each ADM answer or transport failure */
	atomic_ullong unsolicited;     /* reports/answers matching no open paging or command */
	atomic_ullong rate_dropped;    /* Inventory Reports over a reader's report rate */
	/* D2Rs counted unverified, unchecked: over the paging's D2R budget, the ADM request
	 * queue full (adm_client.c); D2Rs that waited for their paging's ADM budget */
	atomic_ullong d2r_budget, d2r_adm_queue, d2r_deferred;
	atomic_ullong adm_queue_full;  /* ADM requests refused: the queue was full */
	atomic_ullong flood_closed;    /* reader links closed for flooding */
	atomic_ullong ng_closed[NG_CLOSE_N]; /* NG links closed by the listener's bounds */
	atomic_ullong foreign_rand;    /* D2R answering a RAND_AIOT_n we did not page (NOTE 2) */
	atomic_ullong undecodable;
	atomic_ullong notif_sent, notif_failed;
	atomic_ullong notif_dropped;      /* over a queue bound (notify.c) */
	atomic_ullong notif_last_dropped; /* ... of them, a transaction's lastRepInd */
	atomic_ullong notif_uri_refused;  /* notifUri outside the policy (notify_policy.c) */
	atomic_ullong notif_dest_refused; /* no destination slot: request refused 503 */
	atomic_ullong notif_queued_bytes;
	atomic_int notif_dests;
	atomic_ullong d2r_received;
	atomic_int readers;
	atomic_int ng_links;           /* NG links open, set up or not */
	atomic_int active_tx;
} aiotf_stats;

/* ================= loop thread only below ================================================ */

typedef struct reader reader;
typedef struct probe probe;
typedef struct tx tx;
typedef struct dresp dresp;
typedef struct authgrp authgrp;

/* ---- ADM client pool (adm_client.c) ----------------------------------------------------- */

/* status: HTTP status, 0 on transport failure/timeout (err says which); body: the parsed
 * JSON of a 2xx answer (NULL otherwise or when not JSON), valid during the call only. */
typedef void (*adm_done_fn)(void *arg, int status, const cJSON *body, const char *err);
/* Builds the request body when the request is actually sent (so a queued request can
 * still absorb work); returns a malloc'd body or NULL. */
typedef char *(*adm_build_fn)(void *arg, size_t *len);

typedef struct admreq admreq;
typedef struct adm_pool {
	sbi_client **c;
	int *inflight;
	int n;
	admreq *qhead, *qtail;
	size_t queued;
	admreq *failed;          /* failed before sending: done() runs from fail_ev */
	struct event *fail_ev;
} adm_pool;

int adm_pool_init(aiotf *a, char *err, size_t errlen);
void adm_pool_free(aiotf *a);
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

/* The probe that owns corr on reader rd, or NULL. */
probe *ng_probe_find(aiotf *a, const reader *rd, uint16_t corr);
void ng_probe_release(aiotf *a, probe *p);

struct reader {
	aiotf *a;
	ngap_link *link;
	uint32_t gnb_id;
	uint16_t reader_index;
	int setup;          /* NG Setup done */
	probe *probes;      /* probes on this reader (probe.rd_next) */
	reader *next, *prev;
	/* Correlation identifiers are this link's own (2 octets, big-endian -> probe*): other
	 * links cannot exhaust them. */
	amap corr;
	uint32_t next_corr;
	struct event *timer; /* NG Setup deadline, then the idle timeout */
	uint64_t last_rx_us; /* last message from the reader */
	uint32_t unacked;    /* consecutive pagings it left unacknowledged */
	uint64_t last_ack_us; /* when it last acknowledged a paging */
	/* Inventory Report rate limit (ng_readers.c): token bucket, drops in the current
	 * one-second window. */
	double tokens;
	uint64_t refill_us;
	uint64_t window_us;
	uint32_t window_drops;
};

int ng_start(aiotf *a, char *err, size_t errlen);
void ng_stop(aiotf *a);
/* Readers that completed NG Setup. */
size_t ng_readers_ready(const aiotf *a);
/* Allocate a correlation id for p on rd and link it; -1 when all 65536 of rd are in use. */
int ng_probe_attach(aiotf *a, probe *p, reader *rd);
void ng_probe_detach(aiotf *a, probe *p);
/* The paging p was acknowledged (Inventory Response, Report or Failure) or not within
 * ng.ack-timeout-ms: a reader that leaves ng.unacked-close in a row loses its link. */
void ng_probe_acked(probe *p);
void ng_probe_unacked(aiotf *a, probe *p);
/* 1 if p's link acknowledged any paging since p was sent (it is working, if slowly). */
int ng_probe_link_answering(const probe *p);
int ng_send(aiotf *a, reader *rd, const ngap_msg *m);

/* ---- transactions (aiotf.c, inventory.c, command.c) ------------------------------------- */

/* One paging on one reader: one AIoT correlation identifier. */
struct probe {
	tx *t;
	reader *rd;          /* NULL once the reader left */
	probe *rd_next, *rd_prev;
	probe *tx_next;
	uint16_t corr;
	uint8_t attached;
	uint8_t done;        /* inventory part ended (complete, failure, timeout, link lost) */
	uint8_t released;
	uint8_t acked;       /* the reader answered this paging (ng.ack-timeout-ms) */
	uint64_t sent_us;    /* Inventory Request sent */
	long target;         /* index into t->targets for single-device paging, else -1 */
	struct event *timer;
	int cmds_active;
	/* Budgets of this reader in this transaction (cfg.paging_max_*): D2Rs taken, and
	 * get-authentication requests opened and not yet answered; D2Rs waiting for one of
	 * those to end (linked by grp_next). */
	size_t d2r;
	size_t adm_calls;
	dresp *waiting, *waiting_tail;
};

/* A single-device paging target (targetDevices.devices). */
typedef struct target_t {
	aiotf_id perm;
	aiotf_id tid;        /* paging identity when the device uses identifier privacy */
	uint8_t has_tid;
	uint8_t state;       /* 0 waiting, 1 profile lookup, 2 paged, 3 done */
	int open_probes;
} target_t;

enum { AUTH_PENDING = 0, AUTH_OK, AUTH_FAIL, AUTH_UNVERIFIED };

/* Command state of one authenticated device (command.c). Keys zeroised on free. */
typedef struct cmdstate {
	uint8_t k_int[16], k_enc[16];
	uint32_t dl_count;
	uint8_t ul_seen;
	uint32_t ul_count;
	int phase;           /* CMD_* in command.c */
	int sent_cmd;        /* command code awaiting its result */
	cJSON *item;         /* the DevicesRepInfo of the requested command */
	uint8_t ok;
	struct event *timer;
	uint8_t privacy;
} cmdstate;

/* One D2R answer (decoded Inventory Response). */
struct dresp {
	tx *t;
	probe *p;
	dresp *next;         /* in t->resps */
	dresp *grp_next;     /* in its authgrp */
	uint8_t rand_d[16];
	uint8_t res[16];
	uint8_t res_len;
	uint8_t id_type;     /* aiot_nas_id_type */
	aiotf_id id;         /* as presented (perm or T-ID) */
	aiotf_id perm;       /* resolved permanent identifier (valid when has_perm) */
	uint8_t has_perm;
	uint8_t auth;        /* AUTH_* */
	uint8_t has_ran_id;
	uint32_t ran_device_id;
	cmdstate *cmd;
};

/* NAMED: by aiotDevPermId; TID: by a T-ID the AIOTF cannot resolve, which the ADM resolves
 * (vendor extension, common/vendor_ext.h). */
typedef enum grp_kind { GRP_NAMED = 0, GRP_TID = 1 } grp_kind;

/* Responses sharing one get-authentication request. */
struct authgrp {
	tx *t;
	probe *p;            /* the paging whose ADM budget the request counts against */
	grp_kind kind;
	aiotf_id key;        /* permanent ID (NAMED) or T-ID (TID) */
	dresp *resps;
	size_t n;
	uint8_t sent;
};

struct tx {
	aiotf *a;
	aiotf_req *req;
	tx *next, *prev;
	uint64_t t0_us;
	uint8_t rand_n[16];
	uint8_t have_rand;
	uint8_t finished;
	probe *probes;
	int probes_open;     /* probes whose inventory part is not done */
	int pending;         /* ADM requests, profile lookups and commands in progress */
	target_t *targets;
	size_t ntargets, next_target;
	int targets_active;
	dresp *resps;
	amap open_named;     /* permanent ID -> authgrp not yet sent */
	amap open_tid;       /* T-ID -> authgrp not yet sent */
	amap seen;           /* permanent IDs authenticated (reported / commanded once) */
	size_t nresp, nauth, nrej, nunverified, nundecodable, ncmd_ok, ncmd_fail;
	size_t nprobes_failed; /* pagings that ended without the reader's completion */
	cJSON *batch;        /* DevicesRepInfo array being filled */
	size_t nbatch, nreported;
	const char *abort_cause; /* set when the transaction cannot run (ADM down, ...) */
	uint8_t halted;      /* failed by the AIOTF's shutdown (tx_halt) */
	struct event *fin;   /* deferred completion check (never finish inside a loop) */
	amap cmds;           /* (correlation id, RAN device id) -> dresp awaiting a result */
	uint8_t paging_started;
	size_t nadm_errors;
};

/* Cached Nadm_DM profile facts. */
typedef struct profile_info {
	uint8_t has_tid;
	uint8_t tid[16];
} profile_info;

struct aiotf {
	aiotf_cfg cfg;
	char *name, *ng_listen, *ng_transport, *adm_url, *adm_ca, *adm_cert, *adm_key, *notif_ca;
	int adm_tls, adm_port;
	char adm_host[256];
	aiotf_stats st;
	char trans_prefix[17];
	atomic_ullong trans_seq;

	/* handoff from the SBI thread */
	pthread_mutex_t qlock;
	aiotf_req *qhead, *qtail;
	int stop;
	int draining;        /* SIGTERM: new requests refused, in-flight ones drained */
	int grace_ms;
	/* loop thread */
	struct event_base *base;
	struct event *wake;
	pthread_t thread;
	int running;
	int stopping;
	aiot_backend *be;
	ngap_listener *ng;
	reader *readers;
	size_t nlinks;       /* NG links accepted and open (set up or not) */
	adm_pool adm;
	/* made once at start (file reads), shared by the ADM and notification clients */
	struct evdns_base *dns;
	struct ssl_ctx_st *adm_tls_ctx, *notif_tls;
	notif_dest *dests;   /* most recently used first */
	int ndests;
	size_t notif_bytes;  /* queued, all destinations */
	notif_policy *notif_pol;
	lookup *lookups;     /* notifUri names being resolved */
	tx *txs;
	amap tid_to_perm;    /* T-ID (16) -> aiotf_id* */
	amap profiles;       /* permanent ID -> profile_info* */
	/* shutdown drain (aiotf_drain) */
	struct event *drain_tick;
	uint64_t drain_t0_us;
	uint8_t drain_forced;
	afauth_entry *afauth; /* AF authorization data by afId, newest first (afauth.c) */
};

uint64_t aiotf_now_us(void);

/* afauth.c: answer r (r->pending) once its AF's authorization is known; an accepted
 * request becomes a transaction. */
void afauth_submit(aiotf *a, aiotf_req *r);
void afauth_free_all(aiotf *a); /* after adm_pool_free() */
/* Answer r with a ProblemDetails and free it. */
void afauth_refuse(aiotf *a, aiotf_req *r, int status, const char *cause, const char *detail);

/* aiotf.c */
tx *tx_start(aiotf *a, aiotf_req *r);      /* the transaction of an accepted request */
void tx_free(tx *t);
void tx_notify(tx *t, cJSON *items, int last, const char *fail_cause);
void tx_check(tx *t);                      /* finish the transaction if nothing is left */
void tx_add_report(tx *t, cJSON *item);    /* a DevicesRepInfo; sends full batches */
/* TS 29.569 DevicesRepInfo: deviceId, with readCmdRep (read != NULL) and failCause (fail
 * != NULL). NULL when out of memory. */
cJSON *aiotf_dev_item(const aiotf_id *perm, const uint8_t *read, size_t len, const char *fail);
/* TS 29.569 AIoTNotif, printed: transId, devicesRepData = items (owned, freed in every
 * case), lastRepInd, failCause (never with items). NULL when out of memory. */
char *aiotf_notif_body(const char *trans_id, cJSON *items, int last, const char *fail_cause);
/* 1 if already reported; else marks it and returns 0; -1 when it cannot be recorded (out
 * of memory: the caller must not report the device, which could then be reported twice). */
int tx_seen(tx *t, const aiotf_id *perm);
/* Fail a running transaction now (the AIOTF is stopping): final AIoTNotif with failCause,
 * one log line; it takes no further work and is freed with the AIOTF. */
void tx_halt(tx *t);
void aiotf_learn_tid(aiotf *a, const uint8_t tid[16], const aiotf_id *perm);

/* inventory.c */
void inv_start(tx *t);
void inv_on_report(aiotf *a, probe *p, const ngap_msg *m);
void inv_probe_end(probe *p, const char *why); /* complete, failure, timeout, link lost */
void inv_probe_acked(probe *p);                /* the reader accepted the paging */
void inv_finish(tx *t);                        /* release + final notification */
/* RES matching for one get-authentication answer (exposed for unit tests). For each
 * response in grp, marks auth AUTH_OK (perm filled) or AUTH_FAIL. -1 if the body is
 * malformed (nothing marked). */
int inv_match_auth(authgrp *g, const cJSON *body);

/* command.c */
void cmd_start(dresp *d);   /* an authenticated response of a command transaction */
void cmd_on_response(aiotf *a, probe *p, const ngap_msg *m);
void cmd_probe_lost(probe *p);
void cmd_free(cmdstate *c);

#endif
