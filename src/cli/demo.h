/* SPDX-License-Identifier: Apache-2.0 */
/* `aiot demo`: the end-to-end run (README "make demo"). Split by concern: pki.c (mTLS
 * certificates, shared with `aiot pki`), demo_dir.c (the work directory), demo_proc.c (child
 * processes), demo_af.c (the AF: notifications in, Naiotf requests out), demo_msgin5g.c (the
 * MSGin5G phase: AKMA UEs, demo_run.h), cmd_demo.c (the scenario). */
#ifndef AIOT_DEMO_H
#define AIOT_DEMO_H
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

/* Makes the work directory (marked as the demo's own), or reuses one the demo marked or
 * one holding nothing but files a run makes, removing only those files. Refuses any
 * other directory. */
int demo_prepare_dir(const char *dir, char *err, size_t errlen);

/* Child processes: stdout+stderr to logfile. */
typedef struct demo_proc {
	const char *name;
	pid_t pid;
	char log[1024];
} demo_proc;

/* argv[0] is a binary name looked up beside the running aiot binary. */
int demo_spawn(demo_proc *p, const char *name, const char *dir, char *const argv[]);
/* The same, its log DIR/AS.log (several processes of one binary). */
int demo_spawn_as(demo_proc *p, const char *name, const char *as, const char *dir,
                  char *const argv[]);
/* Wait until the log has a line containing needle (or the process died, or timeout);
 * copies that line into line. 0 on success. */
int demo_wait_log(demo_proc *p, const char *needle, int timeout_ms, char *line, size_t cap);
/* SIGTERM, wait up to 5 s, then SIGKILL. Safe on a never-started proc. */
void demo_stop(demo_proc *p);
/* Stop every process registered by demo_spawn (also from a signal handler path). */
void demo_stop_all(void);
/* aiot-devsim's stats: SIGUSR1 makes it write DIR/devsim-stats.json (its --stats file);
 * the parsed JSON, or NULL after 5 s without a complete one. */
cJSON *demo_devsim_stats(const demo_proc *devsim, const char *dir);
/* scripts/NAME beside the build directory of this binary ($ENV overrides when env is not
 * NULL and set): its path into out. */
void demo_script_path(const char *name, const char *env, char *out, size_t cap);
/* `VARS bash 'SCRIPT' ARGS` through the shell, its stderr appended to log: its exit status
 * (pclose's), its stdout into out. VARS: "NAME='value' ..." or "". */
int demo_script(const char *vars, const char *script, const char *args, const char *log, char *out,
                size_t cap);
/* Run a child to completion; its exit status (or -1). */
int demo_run(const char *name, const char *logfile, char *const argv[]);
/* The port in a "... ADDR:PORT ..." log line after the word tag ("listening on"). */
int demo_port_after(const char *line, const char *tag);

/* The AF's authorization data the ADM serves (AfAuthorizationData, Nadm_DM): af_id may
 * request inventories, READ and WRITE, anywhere, and subscribe to DO-A devices. 0 or -1 with err.
 */
int demo_af_write_auth(const char *path, const char *af_id, char *err, size_t errlen);

/* The AF: an HTTP/2 server for AIoTNotif, and the Naiotf client. */
typedef struct demo_af demo_af;
typedef struct demo_tx_result {
	int done;            /* lastRepInd or failCause seen */
	char fail_cause[64]; /* operation failCause, or "" */
	size_t nreports;     /* devicesRepData entries received */
	size_t ndevices;     /* distinct deviceIds */
	char **ids;          /* distinct deviceIds (base64) */
	char **read_data;    /* parallel: readCmdRep (base64) or NULL */
	char **dev_fail;     /* parallel: per-device failCause or NULL */
} demo_tx_result;

demo_af *demo_af_start(char *err, size_t errlen);
int demo_af_port(const demo_af *af);
void demo_af_stop(demo_af *af);
/* The AF's client side from now on: TLS to servers of ca with the client certificate cert
 * (NULL ca: h2c), and the access token of its Naiotf requests (NULL: none). */
void demo_af_set_client(demo_af *af, const char *ca, const char *cert, const char *key,
                        const char *token);
/* "Bearer <token>" as set, or NULL. */
const char *demo_af_authorization(const demo_af *af);
/* One request as the AF (its TLS settings) to 127.0.0.1:port with the Authorization field
 * authorization (NULL: none): the HTTP status (0: transport failure, err), body in *out. */
int demo_af_fetch(demo_af *af, int port, const char *authorization, const char *method,
                  const char *path, const char *content_type, const char *body, char **out,
                  char *err, size_t errlen);
/* POST body to the AIOTF's path; returns the transId (malloc'd) or NULL with err. */
char *demo_af_request(demo_af *af, int aiotf_port, const char *path, const char *body, char *err,
                      size_t errlen);
/* Wait until the transaction finished (or timeout); returns its result (owned by af). */
const demo_tx_result *demo_af_wait(demo_af *af, const char *trans_id, int timeout_ms);

/* Notifications whose transId is trans_id (a subscription's id) go to fn(arg, notif) instead
 * of the transaction results, on the AF's server thread. One route (a second replaces it). */
void demo_af_route(demo_af *af, const char *trans_id, void (*fn)(void *, const cJSON *), void *arg);

/* The DO-A phase (demo_doa.c): the AF's subscription and the tally of its notifications. */
typedef struct demo_doa demo_doa;
typedef struct demo_doa_counts {
	unsigned long registered; /* genuine devices whose registration was notified */
	unsigned long delivered;  /* genuine devices with at least one of their own data blocks */
	unsigned long blocks;     /* data blocks delivered */
	unsigned long duplicates; /* data blocks delivered more than once (replays let through) */
	unsigned long foreign;    /* reports naming no provisioned device, or data of another */
} demo_doa_counts;
/* ids: the n genuine permanent IDs in devices.jsonl order (borrowed). NULL: no memory. */
demo_doa *demo_doa_new(char **ids, size_t n);
void demo_doa_free(demo_doa *t);
void demo_doa_record(void *tally, const cJSON *notif); /* a demo_af_route callback */
void demo_doa_count(demo_doa *t, demo_doa_counts *c);
/* POST /naiotf-aiot/v1/doa-subscriptions {afId, notifUri, regInd}: the subscriptionId
 * (malloc'd), or NULL with err. */
char *demo_doa_subscribe(demo_af *af, int aiotf_port, const char *af_id, char *err, size_t errlen);

#define DEMO_PKI_EXTRA_MAX 8 /* certificates beyond the core's (demo_sba_prepare) */
/* SBA security of the demo (demo_sba.c): NF instance IDs, the PKI (adm, aiotf; with sba also
 * nrf, af and reader, each NF's ID in its certificate), the NRF's signing key and its public
 * half for the producers. */
typedef struct demo_sba {
	int enabled;
	char nrf_id[37], adm_id[37], aiotf_id[37], af_id[37];
	char ca[1100], af_cert[1100], af_key[1100];
	char signing_key[1100], public_key[1100];
	char kid[64];
	char extra_id[DEMO_PKI_EXTRA_MAX][37]; /* with sba: the NF instance IDs of the extras */
	struct evp_pkey_st *key; /* the NRF's signing key (the probe's forgeries use it too) */
	int nrf_port;
} demo_sba;
/* extra: more certificates of the same CA (nextra <= DEMO_PKI_EXTRA_MAX), NAME.crt, NAME.key. */
int demo_sba_prepare(const char *dir, int sba, const char *const *extra, size_t nextra, demo_sba *s,
                     char *err, size_t errlen);
void demo_sba_free(demo_sba *s);
/* The AF's access token from the NRF (client credentials, TS 29.510 Nnrf_AccessToken) for
 * target_type and scope: malloc'd, or NULL with err. */
char *demo_sba_token(demo_af *af, const demo_sba *s, const char *target_type, const char *scope,
                     char *err, size_t errlen);
/* The same for an NF of type nf_type (its certificate cert, key), with its own client. */
char *demo_sba_token_nf(const demo_sba *s, const char *cert, const char *key, const char *nf_id,
                        const char *nf_type, const char *target_type, const char *scope, char *err,
                        size_t errlen);
/* Requests without a token, or with a forged or misused one (another key, alg none, a flipped
 * bit, expired, wrong aud, wrong iss, missing scope, another NF's under mutual TLS), to the
 * ADM and the AIOTF: each must get 401 or 403. errors: tokens that could not be made, or the
 * control (the genuine token) refused. */
typedef struct demo_sba_probe_result {
	unsigned long rejected, accepted, errors;
} demo_sba_probe_result;
void demo_sba_probe(demo_af *af, const demo_sba *s, int adm_port, int aiotf_port,
                    demo_sba_probe_result *r);

/* GET http://127.0.0.1:port/metrics and return the value of a sample line "name value"
 * (first match of the exact metric text before the value), or -1. */
double demo_metric(int port, const char *sample);

#endif
