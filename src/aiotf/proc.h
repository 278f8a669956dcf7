/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The AIOTF's procedures (inventory.c, inv_auth.c, command.c) and their transactions (tx.c),
 * sans I/O. They include this header, never aiotf_internal.h: everything they read or write
 * is in their context (struct aiotf_proc) or reached through a function declared here.
 *
 * Events in: an accepted request (tx_start, inv_start), NG-link messages (inv_on_report,
 * inv_probe_acked, inv_probe_end, inv_probe_lost, cmd_on_response), ADM answers and timer
 * expiries (the callbacks the procedures gave). Actions out, only through aiotf_io: send on
 * the NG link (or close a reader's link), call the ADM, notify the AF, arm or cancel a timer,
 * read the clock. The daemon implements aiotf_io with libevent and sockets (io_event.c);
 * tests/unit/test_aiotf_proc.c with recording fakes.
 *
 * Who owns what in struct aiotf_proc (embedded in struct aiotf; a test builds one alone):
 *   owner, io, cfg, name, be, st  the daemon's (aiotf.c): set by aiotf_proc_init, read only
 *                                 here (the counters in *st are bumped, stats.h);
 *   readers                       ng_readers.c's registry: it adds and frees readers; the
 *                                 procedures reach them only through ng_reader_next_ready
 *                                 and the ng_probe_* functions below;
 *   txs                           tx.c's: the transactions, created by tx_start, freed by
 *                                 tx_free (aiotf_proc_free frees those left);
 *   tid_to_perm, profiles         the caches (proc.c): filled by the procedures from ADM
 *                                 answers, bounded by cfg->cache_max;
 *   stopping                      set once by the daemon's teardown (aiotf_free).
 *   doa_*                         doa.c's (device-originated access): exchanges and
 *                                 registered contexts, their rate limits (doa_limit.c),
 *                                 the T-ID step (doa_tid.c).
 * A new procedure is one module beside inventory.c that takes its events through functions
 * declared here and acts through io (doa.c is one).
 *
 * Lifetime (one owner, tx.c): every operation a transaction waits for holds it — an ADM
 * request (tx_adm), an open paging, a single-device target in progress, a D2R waiting for
 * its paging's ADM budget, a command. tx_release of the last hold arms the transaction's end,
 * which runs once: the final AIoTNotif (lastRepInd), then tx_free. tx_halt (the AIOTF is
 * stopping) ends it at once; later events find it finished and change nothing. While the
 * AIOTF is torn down (pc->stopping), ADM answers reach no procedure: tx.c drops them, in one
 * place, and tx_free frees what is left.
 */
#ifndef AIOT_AIOTF_PROC_H
#define AIOT_AIOTF_PROC_H
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "aiotf.h"
#include "crypto/backend.h"
#include "map.h"
#include "naiotf.h"
#include "ngap/ngap_link.h"
#include "stats.h"

#define AIOTF_NOTIF_BATCH 1000    /* DevicesRepInfo per AIoTNotif */
#define AIOTF_TARGET_WINDOW 128   /* single-device pagings in progress per transaction */
#define AIOTF_NAMED_MAX_RAND_D 64 /* randDlist of one named get-authentication */

typedef struct reader reader; /* ng_readers.c */
typedef struct probe probe;
typedef struct tx tx;
typedef struct dresp dresp;
typedef struct authgrp authgrp;
typedef struct aiotf_proc aiotf_proc;
typedef struct doa_ctx doa_ctx;

/* ---- actions (implemented by the daemon, io_event.c, or by a test) ---------------------- */

/* status: HTTP status, 0 on transport failure/timeout (err says which); body: the parsed
 * JSON of a 2xx answer (NULL otherwise or when not JSON), valid during the call only. */
typedef void (*adm_done_fn)(void *arg, int status, const cJSON *body, const char *err);
/* Builds the request body when the request is actually sent (so a queued request can
 * still absorb work); returns a malloc'd body or NULL. */
typedef char *(*adm_build_fn)(void *arg, size_t *len);

typedef struct aiotf_timer aiotf_timer; /* the implementation's */
typedef void (*aiotf_timer_fn)(void *arg);

typedef struct aiotf_io {
	uint64_t (*now_us)(aiotf *a); /* monotonic */
	/* Queue a request to the ADM; done runs exactly once, never from inside this call.
	 * body (malloc'd, owned) or build. -1 (out of memory) or -2 (adm.max-queued requests
	 * already wait): nothing was queued, body is freed, done will never run. */
	int (*adm_call)(aiotf *a, const char *method, const char *path, char *body, size_t len,
	                adm_build_fn build, adm_done_fn done, void *arg);
	int (*ng_send)(aiotf *a, reader *rd, const ngap_msg *m); /* 0, or -1: not sent */
	/* Close rd's link, which leaves its pagings unacknowledged (ng.unacked-close): the
	 * pagings still open on it end through inv_probe_lost, maybe before this returns. */
	void (*ng_close)(aiotf *a, reader *rd);
	/* POST an AIoTNotif body (malloc'd) to r's notifUri: 0 (body taken) or -1 (not). */
	int (*notify)(aiotf *a, const aiotf_req *r, char *body, int last);
	/* r's transaction ended (tx_free): what the notifications hold for it is released. */
	void (*notify_release)(aiotf *a, const aiotf_req *r);
	aiotf_timer *(*timer_new)(aiotf *a, aiotf_timer_fn fn, void *arg); /* NULL: no memory */
	void (*timer_arm)(aiotf_timer *tm, int ms); /* re-arms; 0: once the current event ends */
	void (*timer_cancel)(aiotf_timer *tm);
	void (*timer_free)(aiotf_timer *tm); /* NULL allowed */
	/* DO-A (doa.c): deliver a device's verified Uplink Data (data, len), or its
	 * registration (data NULL, len 0), to whoever subscribed; perm is the device's permanent
	 * ID. The pointers are valid during the call only. */
	void (*doa_deliver)(aiotf *a, const aiotf_id *perm, const uint8_t *data, size_t len);
} aiotf_io;

extern const aiotf_io aiotf_io_event; /* io_event.c */

/* ---- the procedures' context ------------------------------------------------------------- */

struct aiotf_proc {
	aiotf *owner;         /* opaque here: the first argument of every io action */
	const aiotf_io *io;   /* the actions */
	const aiotf_cfg *cfg; /* timeouts, budgets, cipher, cache_max */
	const char *name;     /* AIOTF Name on the NG link */
	aiot_backend *be;     /* NAS security, key derivation */
	aiotf_stats *st;      /* counters the procedures bump */
	reader *readers;      /* ng_readers.c's registry (see above) */
	tx *txs;              /* tx.c's */
	amap tid_to_perm;     /* T-ID (16) -> aiotf_id* */
	amap profiles;        /* permanent ID -> profile_info* */
	int stopping;         /* torn down: ADM answers reach no procedure */
	/* doa.c: exchanges and contexts by (reader, RAN ID), most recently active first */
	amap doa_ctxs;
	doa_ctx *doa_list;
	size_t doa_n;
	amap doa_rd_rate; /* doa_limit.c: reader* -> M1 token bucket */
	amap doa_id_rate; /* doa_limit.c: identifier as sent -> M1 window (cache_max) */
};

/* proc.c: name = cfg->name; the caches bounded by cfg->cache_max (0: unbounded). 0, or -1
 * (out of memory). */
int aiotf_proc_init(aiotf_proc *pc, aiotf *owner, const aiotf_io *io, const aiotf_cfg *cfg,
                    aiot_backend *be, aiotf_stats *st);
/* Frees the transactions left (after the ADM client: their requests are gone), then the
 * caches. */
void aiotf_proc_free(aiotf_proc *pc);
/* The device's suite from a get-session-key answer's vendor extension (common/vendor_ext.h);
 * an ADM without it serves 3gpp devices only. -1 if malformed. */
int aiotf_answer_suite(const cJSON *body, aiot_suite *s);
/* K_AIOT_int / K_AIOT_enc (TS 33.369 5.3.2, provisional FC 0xA2) from a get-session-key
 * answer (status, body): K_AIOTF with the PRF of the device's own suite. 0, or -1 (not a
 * usable answer; nothing written). K_AIOTF never leaves this call. */
int aiotf_session_keys(const aiotf_proc *pc, int status, const cJSON *body, uint8_t k_int[16],
                       uint8_t k_enc[16]);
/* The T-ID cache: tid is one of perm's own. */
void aiotf_learn_tid(aiotf_proc *pc, const uint8_t tid[16], const aiotf_id *perm);

/* ---- pagings on readers (ng_readers.c): bookkeeping on struct reader, no I/O ------------ */

/* Readers that completed NG Setup; the next one after prev (NULL: the first), or NULL. */
size_t ng_readers_ready(const aiotf_proc *pc);
reader *ng_reader_next_ready(const aiotf_proc *pc, const reader *prev);
/* Allocate a correlation id for p on rd and link it; -1 when all 65536 of rd are in use. */
int ng_probe_attach(probe *p, reader *rd);
void ng_probe_detach(probe *p);
/* The probe that owns corr on reader rd, or NULL. */
probe *ng_probe_find(const reader *rd, uint16_t corr);
/* Session Release Command for p's paging, once (through ng_send). */
void ng_probe_release(aiotf_proc *pc, probe *p);
/* The paging p was acknowledged (Inventory Response, Report or Failure) or not within
 * ng.ack-timeout-ms: a reader that leaves ng.unacked-close in a row loses its link. */
void ng_probe_acked(probe *p);
void ng_probe_unacked(aiotf_proc *pc, probe *p);
/* 1 if p's link acknowledged any paging since p was sent (it is working, if slowly). */
int ng_probe_link_answering(const probe *p);
/* pc->io->ng_send: every NG message, the procedures' and the link's own. */
int ng_send(aiotf_proc *pc, reader *rd, const ngap_msg *m);

/* ---- transactions ------------------------------------------------------------------------ */

/* One paging on one reader: one AIoT correlation identifier. */
struct probe {
	tx *t;
	reader *rd; /* NULL once the reader left */
	probe *rd_next, *rd_prev;
	probe *tx_next;
	uint16_t corr;
	uint8_t attached;
	uint8_t done; /* inventory part ended (complete, failure, timeout, link lost) */
	uint8_t released;
	uint8_t acked;      /* the reader answered this paging (ng.ack-timeout-ms) */
	uint64_t sent_us;   /* Inventory Request sent */
	long target;        /* index into t->targets for single-device paging, else -1 */
	aiotf_timer *timer; /* the paging's timeout (inventory.c) */
	int cmds_active;    /* commands on this paging (cmd_probe_lost's shortcut) */
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
	aiotf_id tid; /* paging identity when the device uses identifier privacy */
	uint8_t has_tid;
	uint8_t state; /* 0 waiting, 1 profile lookup, 2 paged, 3 done */
	int open_probes;
} target_t;

enum { AUTH_PENDING = 0, AUTH_OK, AUTH_FAIL, AUTH_UNVERIFIED };

/* Command state of one authenticated device (command.c). Keys zeroised on free. */
typedef struct cmdstate {
	uint8_t k_int[16], k_enc[16];
	uint32_t dl_count;
	uint8_t ul_seen;
	uint32_t ul_count;
	int phase;    /* CMD_* in command.c */
	int sent_cmd; /* command code awaiting its result */
	cJSON *item;  /* the DevicesRepInfo of the requested command */
	uint8_t ok;
	aiotf_timer *timer;
	uint8_t privacy;
} cmdstate;

/* One D2R answer (decoded Inventory Response). */
struct dresp {
	tx *t;
	probe *p;
	dresp *next;     /* in t->resps */
	dresp *grp_next; /* in its authgrp */
	uint8_t rand_d[16];
	uint8_t res[16];
	uint8_t res_len;
	uint8_t id_type; /* aiot_nas_id_type */
	aiotf_id id;     /* as presented (perm or T-ID) */
	aiotf_id perm;   /* resolved permanent identifier (valid when has_perm) */
	uint8_t has_perm;
	uint8_t auth; /* AUTH_* */
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
	probe *p; /* the paging whose ADM budget the request counts against */
	grp_kind kind;
	aiotf_id key; /* permanent ID (NAMED) or T-ID (TID) */
	dresp *resps;
	size_t n;
	uint8_t sent;
};

struct tx {
	aiotf_proc *pc;
	aiotf_req *req;
	tx *next, *prev;
	uint64_t t0_us;
	uint8_t rand_n[16];
	uint8_t have_rand;
	uint8_t finished;
	probe *probes;
	/* Obligations outstanding (tx_hold / tx_release): the transaction ends when none is
	 * left, and only in tx.c (see "Lifetime" above). */
	int holds;
	target_t *targets;
	size_t ntargets, next_target;
	int targets_active; /* targets being resolved or paged: the window, not the lifetime */
	dresp *resps;
	amap open_named; /* permanent ID -> authgrp not yet sent */
	amap open_tid;   /* T-ID -> authgrp not yet sent */
	amap seen;       /* permanent IDs authenticated (reported / commanded once) */
	size_t nresp, nauth, nrej, nunverified, nundecodable, ncmd_ok, ncmd_fail;
	size_t nprobes_failed; /* pagings that ended without the reader's completion */
	cJSON *batch;          /* DevicesRepInfo array being filled */
	size_t nbatch, nreported;
	const char *abort_cause; /* set when the transaction cannot run (ADM down, ...) */
	uint8_t halted;          /* failed by the AIOTF's shutdown (tx_halt) */
	aiotf_timer *fin; /* deferred end (never inside the event that released the last hold) */
	amap cmds;        /* (correlation id, RAN device id) -> dresp awaiting a result */
	uint8_t paging_started;
	size_t nadm_errors;
};

/* Cached Nadm_DM profile facts. */
typedef struct profile_info {
	uint8_t has_tid;
	uint8_t tid[16];
} profile_info;

/* tx.c: the lifetime */
tx *tx_start(aiotf_proc *pc, aiotf_req *r); /* the transaction of an accepted request */
void tx_free(tx *t);
void tx_notify(tx *t, cJSON *items, int last, const char *fail_cause);
void tx_hold(tx *t);    /* an operation the transaction waits for */
void tx_release(tx *t); /* ... ended: the last one arms the end */
void tx_check(tx *t);   /* arm the end (it runs if no hold is left) */
/* An ADM request the transaction waits for (t may be NULL: a cache fill no transaction
 * waits for). done runs once unless the AIOTF is being torn down, when drop(arg) runs
 * instead (drop may be NULL); then the hold is released. adm_call's 0, -1 or -2. */
int tx_adm(aiotf_proc *pc, tx *t, const char *method, const char *path, char *body, size_t len,
           adm_build_fn build, adm_done_fn done, void (*drop)(void *arg), void *arg);
void tx_add_report(tx *t, cJSON *item); /* a DevicesRepInfo; sends full batches */
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

/* inventory.c */
void inv_start(tx *t);
void inv_on_report(aiotf_proc *pc, probe *p, const ngap_msg *m);
void inv_probe_end(probe *p, const char *why); /* complete, failure, timeout, link lost */
void inv_probe_acked(probe *p);                /* the reader accepted the paging */
/* The paging's reader left or released it (p->rd already NULL when it left): its inventory
 * part and its commands end. */
void inv_probe_lost(probe *p, const char *why);
void inv_finish(tx *t); /* release + final notification */
/* Between inventory.c and inv_auth.c: steps 7-9 for one D2R; the ADM's profile of a device
 * that authenticated with a T-ID the AIOTF did not know (its own T-IDs are then cached). */
void inv_auth_route(dresp *d);
void inv_tid_confirm(aiotf_proc *pc, const dresp *d);
/* RES matching for one get-authentication answer (exposed for unit tests). For each
 * response in grp, marks auth AUTH_OK (perm filled) or AUTH_FAIL. -1 if the body is
 * malformed (nothing marked). */
int inv_match_auth(authgrp *g, const cJSON *body);

/* command.c */
void cmd_start(dresp *d); /* an authenticated response of a command transaction */
void cmd_on_response(aiotf_proc *pc, probe *p, const ngap_msg *m);
void cmd_probe_lost(probe *p);
void cmd_free(aiotf_proc *pc, cmdstate *c);

/* doa.c: device-originated access (docs/protocol.md §3.10, "The network side"). An NG
 * DO-A Uplink NAS Transport or Downlink Failure from the set-up reader rd. */
void doa_on_uplink(aiotf_proc *pc, reader *rd, const ngap_msg *m);
void doa_on_failure(aiotf_proc *pc, reader *rd, const ngap_msg *m);
/* rd's link is gone: its exchanges and contexts end, its rate state goes. */
void doa_reader_lost(aiotf_proc *pc, reader *rd);
int doa_init(aiotf_proc *pc);  /* 0 or -1 (out of memory) */
void doa_free(aiotf_proc *pc); /* the exchanges left end (stopped); keys zeroised */

/* doa_limit.c: 1 if an M1 from rd naming id (type octet, then the identifier) may cost an
 * ADM request, else 0 with the refusal counted. */
int doa_admit_reader(aiotf_proc *pc, const reader *rd);
int doa_admit_id(aiotf_proc *pc, const uint8_t *id, size_t len);
void doa_limit_reader_lost(aiotf_proc *pc, const reader *rd);

#endif
