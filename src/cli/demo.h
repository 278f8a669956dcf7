/* SPDX-License-Identifier: Apache-2.0 */
/* `aiot demo`: the end-to-end run (README "make demo"). Split by concern: pki.c (mTLS
 * certificates, shared with `aiot pki`), demo_dir.c (the work directory), demo_proc.c (child
 * processes), demo_af.c (the AF: notifications in, Naiotf requests out), cmd_demo.c (the
 * scenario). */
#ifndef AIOT_DEMO_H
#define AIOT_DEMO_H
#include <stddef.h>
#include <sys/types.h>

#include <cjson/cJSON.h>

int demo_make_pki(const char *dir, char *err, size_t errlen);

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
char *demo_doa_subscribe(int aiotf_port, const char *af_id, int af_port, char *err, size_t errlen);

/* GET http://127.0.0.1:port/metrics and return the value of a sample line "name value"
 * (first match of the exact metric text before the value), or -1. */
double demo_metric(int port, const char *sample);

#endif
