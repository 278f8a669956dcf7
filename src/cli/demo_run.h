/* SPDX-License-Identifier: Apache-2.0 */
/* The state of one `aiot demo` run, shared by the scenario (cmd_demo.c) and the start-up of
 * its processes (demo_start.c). Not an interface beyond those two files. */
#ifndef AIOT_CLI_DEMO_RUN_H
#define AIOT_CLI_DEMO_RUN_H
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "demo.h"

#define DEMO_STEPS 10
#define DEMO_UICC_MAX 2     /* a pcscd with Debian's vpcd has two card slots (scripts/pcsc.sh) */
#define DOA_ATTACK_P "0.25" /* --rogue-network and --doa-replay of the simulator */

typedef struct demo {
	unsigned long n, k;
	unsigned long ndoa, doa_clones; /* DO-A devices (0: --no-doa), DO-A clones */
	int doa_attacks;
	int msgin5g; /* the MSGin5G phase (not --no-msgin5g) */
	int json;
	FILE *out; /* progress: stdout, or stderr with --json (stdout holds the JSON alone) */
	const char *dir;
	const char *loss;
	demo_sba sba; /* NRF, OAuth 2.0, the NF certificates (sba.enabled: not --no-sba) */
	demo_proc nrf, adm, aiotf, devsim, reader;
	demo_proc udm, ausf, aanf, m5; /* the MSGin5G phase's NFs (demo_msgin5g.c) */
	demo_af *af;
	demo_doa *doa;
	int adm_port, aiotf_port, aiotf_metrics, ng_port, devsim_port;
	/* The ADM's store: sqlite:DIR/adm.db, or with --store redis-cluster the demo's own
	 * cluster (demo_cluster.c) and a second ADM instance on it. */
	int cluster, cluster_started;
	char store[1100];
	demo_proc adm2;
	int adm2_port;
	int adm2_extra; /* with cluster: adm2's index in sba.extra_id (its certificate, ID) */
	char **ids;     /* genuine permanent IDs (base64), n of them */
	/* Cards (demo_uicc.c): card i carries the AIoT application of device i (ids[i]) and,
	 * with the MSGin5G phase, the USIM of UE i (its K and OPc here until then). */
	unsigned long uicc;
	demo_proc card[DEMO_UICC_MAX];
	char card_reader[DEMO_UICC_MAX][128];
	uint8_t ue_k[DEMO_UICC_MAX][16], ue_opc[DEMO_UICC_MAX][16];
	int pcsc_started; /* scripts/pcsc.sh start was ours: stop it at the end */
	double t0;
} demo;

extern volatile sig_atomic_t demo_interrupted; /* SIGINT / SIGTERM */
void demo_on_signal(int sig);

/* "[i/9 t s] ..." on d->out. */
void demo_step(demo *d, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The run failed: the message, every process stopped, where the logs are; exit 1. */
_Noreturn void demo_die(demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An argv built as the run goes: the strings are copied, so that temporaries may be added. */
#define DEMO_ARGS_MAX 64
typedef struct demo_args {
	char *v[DEMO_ARGS_MAX + 1];
	char buf[DEMO_ARGS_MAX][1100];
	int n;
} demo_args;
void demo_arg(demo_args *a, const char *s);
/* `--flag VALUE`, the value formatted. */
void demo_opt(demo_args *a, const char *flag, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Spawn a->v[0] into p, wait for `ready` in its log (the line into line), or the demo dies. */
void demo_start_proc(demo *d, demo_proc *p, demo_args *a, const char *ready, char *line,
                     size_t cap);
/* The same with its log DIR/AS.log (several processes of one binary). */
void demo_start_proc_as(demo *d, demo_proc *p, demo_args *a, const char *as, const char *ready,
                        char *line, size_t cap);

/* An NF's mutual-TLS client settings towards the NRF (NAME.crt, NAME.key), its registration
 * under nf_id, and OAuth 2.0 as a producer (the NRF's public key, its instance ID the issuer). */
void demo_sba_flags(demo *d, demo_args *a, const char *nf, const char *nf_id);

/* Steps 3 and 4: the NRF (with sba), the ADM, the AIOTF, the AF (its token and DO-A
 * subscription), the device simulator and the reader, each waited for. Ports into d. */
void demo_start_core(demo *d);

/* Cards (demo_uicc.c), before the device simulator starts: pcscd's slots (a `pcsc.sh run`'s
 * $AIOT_PCSC_SLOTS, or scripts/pcsc.sh start), one perso file and one aiot-uicc per card,
 * each waited for in its reader. When pcscd cannot run here: d->uicc = 0, said in one line.
 * demo_uicc_stop stops pcscd if the demo started it (the cards stop with the others). */
void demo_uicc_start(demo *d);
void demo_uicc_stop(demo *d);

/* --store redis-cluster (demo_cluster.c): check before anything starts that redis-server
 * and redis-cli are there (else one line, exit 1); start the cluster (scripts/redis-cluster.sh,
 * files in DIR/redis) and set d->store, or the demo dies; stop it (safe when not started). */
void demo_cluster_check(void);
void demo_cluster_start(demo *d);
void demo_cluster_stop(demo *d);

/* The MSGin5G phase (demo_msgin5g.c): the certificates it needs of the demo's CA, and its
 * run (step 9): subscribers, UDM, AUSF, AAnF, MSGin5G server, two UEs, the attackers. */
#define DEMO_M5_NCERTS 5
extern const char *const demo_m5_certs[DEMO_M5_NCERTS];
typedef struct demo_m5_result {
	unsigned long ues;        /* UEs that completed 5G AKA and AKMA */
	unsigned long on_cards;   /* of them with the USIM of a card (demo_uicc.c) */
	unsigned long registered; /* UEs registered at the MSGin5G server */
	unsigned long delivered;  /* messages delivered with their delivery report */
	unsigned long messages;   /* messages sent */
	unsigned long attacks, attacks_refused, attackers_accepted;
	int ok; /* every honest step done, every attacker refused */
} demo_m5_result;
void demo_msgin5g_phase(demo *d, demo_m5_result *r);
void demo_msgin5g_summary(demo *d, const demo_m5_result *r); /* its summary lines */

#endif
