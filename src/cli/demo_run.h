/* SPDX-License-Identifier: Apache-2.0 */
/* The state of one `aiot demo` run, shared by the scenario (cmd_demo.c) and the start-up of
 * its processes (demo_start.c). Not an interface beyond those two files. */
#ifndef AIOT_CLI_DEMO_RUN_H
#define AIOT_CLI_DEMO_RUN_H
#include <signal.h>
#include <stdio.h>

#include "demo.h"

#define DEMO_STEPS 9
#define DOA_ATTACK_P "0.25" /* --rogue-network and --doa-replay of the simulator */

typedef struct demo {
	unsigned long n, k;
	unsigned long ndoa, doa_clones; /* DO-A devices (0: --no-doa), DO-A clones */
	int doa_attacks;
	int json;
	FILE *out; /* progress: stdout, or stderr with --json (stdout holds the JSON alone) */
	const char *dir;
	const char *loss;
	demo_sba sba; /* NRF, OAuth 2.0, the NF certificates (sba.enabled: not --no-sba) */
	demo_proc nrf, adm, aiotf, devsim, reader;
	demo_af *af;
	demo_doa *doa;
	int adm_port, aiotf_port, aiotf_metrics, ng_port, devsim_port;
	char **ids; /* genuine permanent IDs (base64), n of them */
	double t0;
} demo;

extern volatile sig_atomic_t demo_interrupted; /* SIGINT / SIGTERM */
void demo_on_signal(int sig);

/* "[i/9 t s] ..." on d->out. */
void demo_step(demo *d, int i, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The run failed: the message, every process stopped, where the logs are; exit 1. */
_Noreturn void demo_die(demo *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Steps 3 and 4: the NRF (with sba), the ADM, the AIOTF, the AF (its token and DO-A
 * subscription), the device simulator and the reader, each waited for. Ports into d. */
void demo_start_core(demo *d);

#endif
