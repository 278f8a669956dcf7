/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot demo [--devices N] [--clones K] [--json] [--workdir DIR] [--loss P] [--no-doa]
 * [--doa-devices N] [--no-doa-attacks] [--no-sba] [--no-msgin5g] [--uicc N]
 * [--store sqlite|redis-cluster]`: the whole system on
 * one machine (TS 33.369 5.2.2 with TS 23.369 6.2.2 / 6.2.3, and device-originated access,
 * docs/protocol.md §3.10). It provisions N devices, starts NRF, ADM and AIOTF (mutual TLS,
 * registration, discovery, OAuth 2.0: demo_start.c, demo_sba.c; --no-sba: ADM and AIOTF with mutual
 * TLS only), device simulator (N devices + K clones) and reader (TLS backhaul) as separate
 * processes on loopback, then acts as the AF: an inventory of all devices, READ to ten
 * authenticated devices, WRITE + READ-back to one, and a command aimed at a cloned identity.
 * Meanwhile a share of the devices register on their own (DO-A) and send data to the AF's DO-A
 * subscription, among a rogue network, DO-A clones and replays played by the simulator. Exits 0
 * only if every genuine device was authenticated, every clone was rejected, no command reached a
 * clone, and (unless --no-doa) every genuine DO-A device registered and delivered its data while no
 * forged network message, clone or replay was accepted, (unless --no-sba) every request without a
 * valid token was refused, and (unless --no-msgin5g) two UEs ran 5G AKA and AKMA, registered at the
 * MSGin5G server and exchanged their messages with delivery reports while every attacker was
 * refused (demo_msgin5g.c). With --uicc N (default 2 where pcscd can run) devices 1..N and the UEs
 * keep their keys on virtual UICCs behind pcscd (demo_uicc.c) and must pass all the same.
 * With --store redis-cluster the ADM's store is a Redis Cluster the demo starts and stops
 * (demo_cluster.c), served by two ADM instances over which the AIOTF spreads its requests.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "common/base64.h"
#include "common/clock.h"
#include "demo.h"

#include "demo_run.h"

static void load_ids(demo *d, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t i = 0;
	if (f == NULL)
		demo_die(d, "%s: %s", path, strerror(errno));
	d->ids = calloc(d->n, sizeof *d->ids);
	while (d->ids && i < d->n && fgets(line, sizeof line, f) != NULL) {
		cJSON *j = cJSON_Parse(line);
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "aiotDevPermId");
		if (cJSON_IsString(id))
			d->ids[i++] = strdup(id->valuestring);
		cJSON_Delete(j);
	}
	fclose(f);
	if (i != d->n)
		demo_die(d, "%s holds %zu devices, %lu expected", path, i, d->n);
}

/* The simulator's stats (SIGUSR1, docs/protocol.md §5.7.2), or the demo ends. */
static cJSON *devsim_stats(demo *d)
{
	cJSON *j = demo_devsim_stats(&d->devsim, d->dir);
	if (j == NULL)
		demo_die(d, "the device simulator wrote no statistics");
	return j;
}

/* A devsim counter; -1 when missing (which fails any "must be 0" check). */
static long stat_num(const cJSON *j, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, name);
	return cJSON_IsNumber(v) ? (long)v->valuedouble : -1;
}

/* One Naiotf request, waited for; progress every few seconds. */
static const demo_tx_result *transact(demo *d, const char *path, const char *body, int timeout_s)
{
	char err[512];
	char *tid = demo_af_request(d->af, d->aiotf_port, path, body, err, sizeof err);
	if (tid == NULL)
		demo_die(d, "%s: %s", path, err);
	const demo_tx_result *r = NULL;
	for (int waited = 0; waited < timeout_s && !demo_interrupted; waited += 2) {
		r = demo_af_wait(d->af, tid, 2000);
		if (r != NULL && r->done)
			break;
		if (waited % 10 == 8 && r != NULL)
			fprintf(d->out, "           ... %zu devices reported so far\n",
			        r->ndevices),
			    fflush(d->out);
	}
	if (demo_interrupted)
		demo_die(d, "interrupted");
	if (r == NULL || !r->done)
		demo_die(d, "transaction %s did not finish within %d s", tid, timeout_s);
	free(tid);
	return r;
}

static char *cmd_body(demo *d, const char *type, char **ids, size_t nids, int offset, int length,
                      const char *data_b64)
{
	char notif[128];
	snprintf(notif, sizeof notif, "http://127.0.0.1:%d/notify", demo_af_port(d->af));
	cJSON *j = cJSON_CreateObject();
	cJSON_AddStringToObject(j, "afId", "aiot-demo-af");
	cJSON_AddStringToObject(j, "commandType", type);
	cJSON *td = cJSON_AddObjectToObject(j, "targetDevices");
	cJSON *arr = cJSON_AddArrayToObject(td, "devices");
	for (size_t i = 0; i < nids; i++)
		cJSON_AddItemToArray(arr, cJSON_CreateString(ids[i]));
	if (offset >= 0)
		cJSON_AddNumberToObject(j, "offset", offset);
	if (length >= 0)
		cJSON_AddNumberToObject(j, "length", length);
	if (data_b64 != NULL)
		cJSON_AddStringToObject(j, "data", data_b64);
	cJSON_AddStringToObject(j, "notifUri", notif);
	char *s = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	return s;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int index_of(const demo_tx_result *r, const char *id)
{
	for (size_t i = 0; i < r->ndevices; i++)
		if (strcmp(r->ids[i], id) == 0)
			return (int)i;
	return -1;
}

/* The DO-A phase's outcome: devices counted at the AF and the simulator, attacks at the
 * simulator (its stats, docs/protocol.md §5.7.3) and the AF (a data block twice). */
typedef struct doa_result {
	unsigned long registered, delivered, foreign;
	long rogue_accepted, clone_registered, replays_accepted;
} doa_result;

/* Wait until every DO-A device registered (the AF was notified and the device holds M4) and
 * delivered data of its own, then read what the attackers achieved. */
static void doa_phase(demo *d, doa_result *res)
{
	double t0 = aiot_mono_s(), limit = 30 + (double)d->ndoa / 50, shown = 0;
	demo_doa_counts c;
	long dev_reg = 0;
	for (;;) {
		demo_doa_count(d->doa, &c);
		cJSON *st = devsim_stats(d);
		dev_reg = stat_num(st, "doa_registered");
		cJSON_Delete(st);
		double t = aiot_mono_s() - t0;
		if ((c.registered >= d->ndoa && c.delivered >= d->ndoa &&
		     dev_reg >= (long)d->ndoa) ||
		    t > limit)
			break;
		if (demo_interrupted)
			demo_die(d, "interrupted");
		if (t - shown >= 5) {
			fprintf(d->out,
			        "           ... %lu of %lu registered (%ld hold M4), %lu delivered "
			        "data\n",
			        c.registered, d->ndoa, dev_reg, c.delivered);
			fflush(d->out);
			shown = t;
		}
		usleep(250000);
	}
	double took = aiot_mono_s() - t0;
	/* The replayer sends what it recorded some time after the original: give it two
	 * data periods (the simulator's default, 1 s) before the count. */
	if (d->doa_attacks)
		sleep(2);
	demo_doa_count(d->doa, &c);
	cJSON *st = devsim_stats(d);
	res->registered = c.registered < (unsigned long)(dev_reg < 0 ? 0 : dev_reg)
	                      ? c.registered
	                      : (unsigned long)dev_reg;
	res->delivered = c.delivered;
	res->foreign = c.foreign;
	res->rogue_accepted = stat_num(st, "doa_rogue_network_accepted");
	res->clone_registered = stat_num(st, "doa_clone_registered");
	long answered = stat_num(st, "doa_replays_answered");
	res->replays_accepted = answered < 0 ? -1 : answered + (long)c.duplicates;
	fprintf(d->out,
	        "           %lu of %lu registered, %lu delivered data (%lu blocks) within %.1f s\n",
	        res->registered, d->ndoa, res->delivered, c.blocks, took);
	if (d->doa_attacks)
		fprintf(
		    d->out,
		    "           rogue network: %ld forged M2s and %ld forged M4s, %ld accepted; "
		    "%ld clones: %ld M3s, %ld registered;\n"
		    "           replays: %ld sent, %ld answered, %lu data blocks delivered twice\n",
		    stat_num(st, "doa_rogue_m2_sent"), stat_num(st, "doa_rogue_m4_sent"),
		    res->rogue_accepted, stat_num(st, "doa_clones"),
		    stat_num(st, "doa_clone_m3_sent"), res->clone_registered,
		    stat_num(st, "doa_replays_sent"), answered, c.duplicates);
	if (c.foreign > 0)
		fprintf(d->out, "           %lu reports the AF cannot attribute to their device\n",
		        c.foreign);
	cJSON_Delete(st);
}

int cmd_demo(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"devices", required_argument, NULL, 'n'},
	    {"clones", required_argument, NULL, 'k'},
	    {"json", no_argument, NULL, 'j'},
	    {"workdir", required_argument, NULL, 'w'},
	    {"loss", required_argument, NULL, 'l'},
	    {"no-doa", no_argument, NULL, 'D'},
	    {"doa-devices", required_argument, NULL, 'e'},
	    {"no-doa-attacks", no_argument, NULL, 'A'},
	    {"no-sba", no_argument, NULL, 'S'},
	    {"no-msgin5g", no_argument, NULL, 'M'},
	    {"uicc", required_argument, NULL, 'u'},
	    {"store", required_argument, NULL, 's'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	demo d = {.n = 1000,
	          .k = 5,
	          .ndoa = ULONG_MAX, /* 10 % of the devices */
	          .doa_attacks = 1,
	          .msgin5g = 1,
	          .uicc = DEMO_UICC_MAX,
	          .dir = "aiot-demo",
	          .loss = "0",
	          .out = stdout};
	int no_doa = 0, no_sba = 0;
	char err[512], a1[64], a4[1100], a5[1100], a6[1100], a7[1100];
	int o;
	optind = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n':
			d.n = (unsigned long)cli_uint("--devices", optarg, 1000000);
			break;
		case 'k':
			d.k = (unsigned long)cli_uint("--clones", optarg, 100000);
			break;
		case 'j':
			d.json = 1, d.out = stderr;
			break;
		case 'w':
			d.dir = optarg;
			break;
		case 'l':
			d.loss = optarg;
			break;
		case 'D':
			no_doa = 1;
			break;
		case 'e':
			d.ndoa = (unsigned long)cli_uint("--doa-devices", optarg, 1000000);
			break;
		case 'A':
			d.doa_attacks = 0;
			break;
		case 'S':
			no_sba = 1;
			break;
		case 'M':
			d.msgin5g = 0;
			break;
		case 'u':
			d.uicc = (unsigned long)cli_uint("--uicc", optarg, DEMO_UICC_MAX);
			break;
		case 's':
			if (strcmp(optarg, "redis-cluster") == 0)
				d.cluster = 1;
			else if (strcmp(optarg, "sqlite") != 0)
				cli_fail(CLI_EXIT_USAGE,
				         "demo: --store is sqlite or redis-cluster, not '%s'",
				         optarg);
			break;
		case 'h':
			puts(
			    "usage: aiot demo [--devices N (1000)] [--clones K (5)] [--json] "
			    "[--workdir DIR (aiot-demo)] [--loss P (0)]\n"
			    "                 [--no-doa] [--doa-devices N (10 % of --devices)] "
			    "[--no-doa-attacks] [--no-sba] [--no-msgin5g] [--uicc N (2)]\n"
			    "                 [--store sqlite|redis-cluster (sqlite)]\n"
			    "  --no-doa          skip device-originated access (DO-A)\n"
			    "  --doa-devices N   devices that register on their own and send data\n"
			    "  --no-doa-attacks  DO-A without the simulated rogue network, clones "
			    "and "
			    "replays\n"
			    "  --no-sba          no NRF and no OAuth 2.0: static URLs, mutual TLS "
			    "between AIOTF and ADM only\n"
			    "  --no-msgin5g      skip the MSGin5G phase (UDM, AUSF, AAnF, MSGin5G "
			    "server, two AKMA UEs)\n"
			    "  --uicc N          devices 1..N (and the UEs) on virtual UICCs "
			    "behind "
			    "pcscd, at most 2\n"
			    "                    (two card slots with Debian's vpcd); 0: none\n"
			    "  --store redis-cluster  the ADM's store on a Redis Cluster the demo "
			    "starts (3 masters +\n"
			    "                    3 replicas, scripts/redis-cluster.sh; needs "
			    "redis-server), two ADM\n"
			    "                    instances on it, the AIOTF spreading over both");
			return 0;
		default:
			cli_fail(CLI_EXIT_USAGE, "demo: bad option (see aiot demo --help)");
		}
	}
	if (d.n < 11)
		cli_fail(CLI_EXIT_USAGE, "demo: --devices must be at least 11");
	if (d.k > d.n)
		cli_fail(CLI_EXIT_USAGE, "demo: more clones than devices");
	if (no_doa)
		d.ndoa = 0;
	else if (d.ndoa == ULONG_MAX)
		d.ndoa = d.n / 10;
	else if (d.ndoa > d.n)
		cli_fail(CLI_EXIT_USAGE, "demo: --doa-devices is more than --devices");
	d.doa_clones = d.doa_attacks ? (d.k < d.ndoa ? d.k : d.ndoa) : 0;
	if (d.cluster)
		demo_cluster_check();
	signal(SIGINT, demo_on_signal);
	signal(SIGTERM, demo_on_signal);
	signal(SIGPIPE, SIG_IGN);
	d.t0 = aiot_mono_s();

	/* 1. The work directory: a fresh store, KEK and PKI every run. */
	if (demo_prepare_dir(d.dir, err, sizeof err) != 0)
		cli_fail(CLI_EXIT_FAIL, "demo: %s", err); /* nothing started yet */
	/* Certificates beyond the core's: the MSGin5G phase's, then the second ADM's. */
	const char *extra[DEMO_M5_NCERTS + 1];
	size_t nextra = 0;
	for (size_t i = 0; d.msgin5g && i < DEMO_M5_NCERTS; i++)
		extra[nextra++] = demo_m5_certs[i];
	if (d.cluster)
		extra[d.adm2_extra = (int)nextra++] = "adm2";
	if (demo_sba_prepare(d.dir, !no_sba, extra, nextra, &d.sba, err, sizeof err) != 0)
		demo_die(&d, "%s", err);
	if (d.sba.enabled)
		demo_step(&d, 1,
		          "work directory %s/: CA, certificates naming each NF instance (NRF, ADM, "
		          "AIOTF, AF, reader%s), the NRF's ES256 signing key",
		          d.dir, d.msgin5g ? ", UDM, AUSF, AAnF, SEAF, MSGin5G server" : "");
	else
		demo_step(
		    &d, 1,
		    "work directory %s/: CA and certificates for mutual TLS between AIOTF and "
		    "ADM%s",
		    d.dir, d.msgin5g ? ", and of the UDM, AUSF, AAnF and SEAF" : "");

	/* 2. Provisioning (the factory step): keys and IDs into the ADM's store. */
	snprintf(a1, sizeof a1, "%lu", d.n);
	if (d.cluster) {
		demo_cluster_start(&d);
		demo_step(&d, 2,
		          "a Redis Cluster of 3 masters and 3 replicas on loopback "
		          "(scripts/redis-cluster.sh, files in %s/redis/): %s",
		          d.dir, d.store);
	} else {
		snprintf(d.store, sizeof d.store, "sqlite:%s/adm.db", d.dir);
	}
	snprintf(a4, sizeof a4, "%s", d.store);
	snprintf(a5, sizeof a5, "%s/kek", d.dir);
	snprintf(a6, sizeof a6, "%s/devices.jsonl", d.dir);
	snprintf(a7, sizeof a7, "%s/provision.log", d.dir);
	demo_step(&d, 2, "provisioning %lu devices (aiot provision: random keys, encrypted store)",
	          d.n);
	char *pv[] = {"aiot", "provision", "--store",     a4,      "--kek-file", a5,  "--count",
	              a1,     "--group",   "warehouse-1", "--out", a6,           NULL};
	if (demo_run("aiot", a7, pv) != 0)
		demo_die(&d, "provisioning failed (see %s)", a7);
	load_ids(&d, a6);
	demo_uicc_start(&d);

	/* 3, 4. The network functions, the AF, the device simulator and the reader. */
	demo_start_core(&d);

	/* 5. Inventory of all devices (TS 23.369 6.2.2): the AF's request, answered by
	 * notifications listing the authenticated devices. */
	char body[512];
	snprintf(
	    body, sizeof body,
	    "{\"afId\":\"aiot-demo-af\",\"targetArea\":{\"areaIds\":[{\"plmnId\":{\"mcc\":\"001\","
	    "\"mnc\":\"01\"},\"aiotAreaCode\":\"000001\"}]},\"numDevices\":%lu,"
	    "\"notifUri\":\"http://127.0.0.1:%d/notify\"}",
	    d.n + d.k, demo_af_port(d.af));
	demo_step(&d, 5, "AF -> AIOTF: inventory of all devices");
	double t_inv = aiot_mono_s();
	double rej0 = demo_metric(d.aiotf_metrics, "aiot_aiotf_auth_failures_total");
	const demo_tx_result *inv =
	    transact(&d, "/naiotf-aiot/v1/request-inv", body, 60 + (int)(d.n / 200));
	t_inv = aiot_mono_s() - t_inv;
	double rej = demo_metric(d.aiotf_metrics, "aiot_aiotf_auth_failures_total") - rej0;
	/* Every reported identity must be a provisioned one (foreign would be a forgery). */
	unsigned long authenticated = 0, foreign;
	char **sorted = malloc((inv->ndevices + 1) * sizeof *sorted);
	if (sorted == NULL)
		demo_die(&d, "out of memory");
	memcpy(sorted, inv->ids, inv->ndevices * sizeof *sorted);
	qsort(sorted, inv->ndevices, sizeof *sorted, cmp_str);
	for (unsigned long i = 0; i < d.n; i++)
		if (bsearch(&d.ids[i], sorted, inv->ndevices, sizeof *sorted, cmp_str) != NULL)
			authenticated++;
	unsigned long uicc_auth = 0;
	for (unsigned long i = 0; i < d.uicc; i++)
		uicc_auth +=
		    bsearch(&d.ids[i], sorted, inv->ndevices, sizeof *sorted, cmp_str) != NULL;
	free(sorted);
	foreign = (unsigned long)inv->ndevices - authenticated;
	fprintf(d.out,
	        "           %lu of %lu devices authenticated in %.2f s (%.0f devices/s), %.0f "
	        "responses rejected%s%s\n",
	        authenticated, d.n, t_inv, (double)authenticated / t_inv, rej,
	        inv->fail_cause[0] ? ", failCause " : "", inv->fail_cause);
	if (d.cluster) { /* the AIOTF's requests to each ADM instance (its /metrics) */
		char s1[128], s2[128];
		snprintf(
		    s1, sizeof s1,
		    "aiot_aiotf_adm_instance_requests_total{instance=\"https://127.0.0.1:%d\"}",
		    d.adm_port);
		snprintf(
		    s2, sizeof s2,
		    "aiot_aiotf_adm_instance_requests_total{instance=\"https://127.0.0.1:%d\"}",
		    d.adm2_port);
		fprintf(d.out,
		        "           the AIOTF's requests so far: %.0f to ADM 1, %.0f to ADM 2\n",
		        demo_metric(d.aiotf_metrics, s1), demo_metric(d.aiotf_metrics, s2));
	}

	/* 6. Commands (TS 23.369 6.2.3): READ to ten authenticated devices, WRITE + READ-back,
	 * and a READ aimed at an identity a clone also answers to. */
	cJSON *st = devsim_stats(&d);
	long uicc_bound = stat_num(st, "uicc_devices");
	if (d.uicc > 0)
		fprintf(
		    d.out,
		    "           on cards: %ld devices bound, %lu of them authenticated, %ld card "
		    "operations, %ld card errors\n",
		    uicc_bound, uicc_auth, stat_num(st, "uicc_ops"), stat_num(st, "uicc_errors"));
	const cJSON *clone_ids = cJSON_GetObjectItemCaseSensitive(st, "clone_ids");
	char *clone_target = NULL;
	if (cJSON_IsArray(clone_ids) && cJSON_IsString(cJSON_GetArrayItem(clone_ids, 0)))
		clone_target = strdup(cJSON_GetArrayItem(clone_ids, 0)->valuestring);
	char *ten[10];
	size_t nten = 0;
	/* Ten authenticated devices whose identity no clone claims, the card-backed first. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < inv->ndevices && nten < 10; i++) {
			int cloned = 0, card = 0;
			const cJSON *c;
			cJSON_ArrayForEach(c, clone_ids) cloned |=
			    cJSON_IsString(c) && strcmp(c->valuestring, inv->ids[i]) == 0;
			for (unsigned long k = 0; k < d.uicc; k++)
				card |= strcmp(d.ids[k], inv->ids[i]) == 0;
			if (!cloned && card == (pass == 0))
				ten[nten++] = inv->ids[i];
		}
	cJSON_Delete(st);
	demo_step(&d, 6,
	          "AF -> AIOTF: READ to %zu devices, WRITE + READ-back, a command aimed at a clone",
	          nten);
	unsigned long read_ok = 0, write_ok = 0;
	char *b = cmd_body(&d, "READ", ten, nten, 0, 16, NULL);
	const demo_tx_result *r = transact(&d, "/naiotf-aiot/v1/request-cmd", b, 60);
	free(b);
	for (size_t i = 0; i < nten; i++) {
		int at = index_of(r, ten[i]);
		if (at >= 0 && r->read_data[at] != NULL && r->dev_fail[at] == NULL)
			read_ok++;
	}
	fprintf(d.out, "           READ: %lu of %zu devices answered with their user memory\n",
	        read_ok, nten);

	uint8_t data[16];
	char data_b64[AIOT_B64_LEN(16) + 1];
	if (getrandom(data, sizeof data, 0) != (ssize_t)sizeof data)
		demo_die(&d, "no randomness");
	aiot_b64_encode(data, sizeof data, data_b64);
	b = cmd_body(&d, "WRITE", ten, 1, 32, 16, data_b64);
	r = transact(&d, "/naiotf-aiot/v1/request-cmd", b, 60);
	free(b);
	int w_at = index_of(r, ten[0]);
	int wrote = w_at >= 0 && r->dev_fail[w_at] == NULL;
	b = cmd_body(&d, "READ", ten, 1, 32, 16, NULL);
	r = transact(&d, "/naiotf-aiot/v1/request-cmd", b, 60);
	free(b);
	int r_at = index_of(r, ten[0]);
	if (wrote && r_at >= 0 && r->read_data[r_at] != NULL &&
	    strcmp(r->read_data[r_at], data_b64) == 0)
		write_ok = 1;
	fprintf(d.out, "           WRITE %s at offset 32 of %s, READ back: %s\n", data_b64, ten[0],
	        write_ok ? "same bytes" : "MISMATCH");

	long clone_accepted = -1;
	if (clone_target != NULL) {
		b = cmd_body(&d, "READ", &clone_target, 1, 0, 8, NULL);
		r = transact(&d, "/naiotf-aiot/v1/request-cmd", b, 60);
		free(b);
		int at = index_of(r, clone_target);
		fprintf(d.out, "           READ aimed at %s (also claimed by a clone): %s\n",
		        clone_target,
		        at >= 0 && r->read_data[at] ? "answered by the authenticated device"
		                                    : "no answer");
	}
	st = devsim_stats(&d);
	clone_accepted = stat_num(st, "clone_commands_accepted");
	cJSON_Delete(st);
	free(clone_target);

	/* 7. Device-originated access: they have been registering since the reader came up. */
	doa_result doa = {0};
	if (d.ndoa > 0) {
		demo_step(
		    &d, 7, "DO-A: %lu devices register on their own and send data to the AF%s",
		    d.ndoa, d.doa_attacks ? ", among a rogue network, clones and replays" : "");
		doa_phase(&d, &doa);
	} else {
		demo_step(&d, 7, "DO-A: skipped (--no-doa)");
	}

	/* 8. Requests without a valid access token: every one refused. */
	demo_sba_probe_result unauth = {0};
	if (d.sba.enabled) {
		demo_step(
		    &d, 8,
		    "AF -> ADM, AIOTF: requests without a token or with a forged or misused one");
		demo_sba_probe(d.af, &d.sba, d.adm_port, d.aiotf_port, &unauth);
		fprintf(d.out, "           %lu refused (401/403), %lu accepted%s\n",
		        unauth.rejected, unauth.accepted,
		        unauth.errors ? ", and the probe itself FAILED" : "");
	} else {
		demo_step(&d, 8, "OAuth 2.0: skipped (--no-sba)");
	}

	/* 9. MSGin5G with AKMA (issue 15). */
	demo_m5_result m5 = {0};
	if (d.msgin5g) {
		demo_step(&d, 9,
		          "MSGin5G: two UEs run 5G AKA and AKMA, register at the MSGin5G server "
		          "and exchange messages; attackers with a wrong key, an unknown A-KID, "
		          "another UE's service ID");
		demo_msgin5g_phase(&d, &m5);
	} else {
		demo_step(&d, 9, "MSGin5G: skipped (--no-msgin5g)");
	}

	/* 10. Stop everything. */
	demo_step(&d, 10, "stopping %saiot-reader, aiot-devsim, aiot-aiotf, aiot-adm%s%s",
	          d.msgin5g ? "aiot-msgin5g, aiot-ausf, aiot-aanf, aiot-udm, " : "",
	          d.cluster ? " (both), the Redis Cluster" : "", d.sba.enabled ? ", aiot-nrf" : "");
	demo_stop_all();
	demo_uicc_stop(&d);
	demo_cluster_stop(&d);
	demo_af_stop(d.af);
	d.af = NULL;
	demo_doa_free(d.doa);
	d.doa = NULL;
	demo_sba_free(&d.sba);

	double secs = aiot_mono_s() - d.t0;
	unsigned long missed = d.n - authenticated;
	int doa_ok = doa.registered == d.ndoa && doa.delivered == d.ndoa && doa.foreign == 0 &&
	             doa.rogue_accepted == 0 && doa.clone_registered == 0 &&
	             doa.replays_accepted == 0;
	int inv_ok = authenticated == d.n && (unsigned long)rej == d.k && foreign == 0 &&
	             clone_accepted == 0;
	int sba_ok = !d.sba.enabled || (unauth.accepted == 0 && unauth.errors == 0);
	int uicc_ok = uicc_bound == (long)d.uicc && uicc_auth == d.uicc &&
	              (!d.msgin5g || m5.on_cards == d.uicc);
	int ok = inv_ok && doa_ok && sba_ok && (!d.msgin5g || m5.ok) && uicc_ok;
	fprintf(d.out,
	        "\nsummary: %lu devices, %lu clones\n"
	        "  authenticated %lu, missed %lu, clone responses rejected %.0f, read_ok %lu/%zu, "
	        "write_ok %lu, commands accepted by clones %ld, %.1f s\n"
	        "  %s\n",
	        d.n, d.k, authenticated, missed, rej, read_ok, nten, write_ok, clone_accepted, secs,
	        inv_ok ? "OK: every genuine device authenticated, every clone rejected, no command "
	                 "reached a clone"
	               : "FAILED");
	if (d.ndoa > 0)
		fprintf(d.out,
		        "  DO-A: %lu devices, registered %lu, data delivered %lu, rogue network "
		        "accepted %ld, clones registered %ld, replays accepted %ld\n"
		        "  %s\n",
		        d.ndoa, doa.registered, doa.delivered, doa.rogue_accepted,
		        doa.clone_registered, doa.replays_accepted,
		        doa_ok
		            ? "OK: every DO-A device registered and delivered its data; no rogue "
		              "network, clone or replay accepted"
		            : "FAILED (DO-A)");
	if (d.sba.enabled)
		fprintf(
		    d.out,
		    "  SBA: NRF registration and discovery, OAuth 2.0 (ES256) on the ADM and the "
		    "AIOTF, mutual TLS on every SBI request (the AF's notification callback: h2c "
		    "on loopback), TLS 1.3 with certificates on the NG backhaul; unauthorized "
		    "requests refused %lu, accepted %lu\n  %s\n",
		    unauth.rejected, unauth.accepted,
		    sba_ok ? "OK: every request without a valid token refused" : "FAILED (SBA)");
	if (d.msgin5g)
		demo_msgin5g_summary(&d, &m5);
	if (d.uicc > 0)
		fprintf(
		    d.out,
		    "  UICC: %lu cards behind pcscd, devices bound %ld, authenticated %lu%s\n  "
		    "%s\n",
		    d.uicc, uicc_bound, uicc_auth,
		    d.msgin5g ? ", the MSGin5G UEs' USIMs on the same cards" : "",
		    uicc_ok
		        ? "OK: the card-backed devices authenticated with their keys on the cards"
		        : "FAILED (UICC)");
	if (d.json)
		printf("{\"devices\":%lu,\"clones\":%lu,\"authenticated\":%lu,\"rejected\":%.0f,"
		       "\"missed\":%lu,\"read_ok\":%lu,\"write_ok\":%lu,"
		       "\"clone_commands_accepted\":%ld,\"doa_devices\":%lu,\"doa_registered\":%lu,"
		       "\"doa_data_delivered\":%lu,\"doa_rogue_network_accepted\":%ld,"
		       "\"doa_clone_registered\":%ld,\"doa_replays_accepted\":%ld,"
		       "\"nrf\":%s,\"oauth2\":%s,\"unauthorized_rejected\":%lu,"
		       "\"unauthorized_accepted\":%lu,\"akma_ues\":%lu,\"akma_registered\":%lu,"
		       "\"msgin5g_delivered\":%lu,\"msgin5g_attackers_accepted\":%lu,"
		       "\"uicc_devices\":%ld,\"uicc_authenticated\":%lu,\"uicc_ues\":%lu,"
		       "\"store\":\"%s\",\"adm_instances\":%d,\"seconds\":%.2f}\n",
		       d.n, d.k, authenticated, rej, missed, read_ok, write_ok, clone_accepted,
		       d.ndoa, doa.registered, doa.delivered, doa.rogue_accepted,
		       doa.clone_registered, doa.replays_accepted, d.sba.enabled ? "true" : "false",
		       d.sba.enabled ? "true" : "false", unauth.rejected, unauth.accepted, m5.ues,
		       m5.registered, m5.delivered, m5.attackers_accepted, uicc_bound, uicc_auth,
		       m5.on_cards, d.cluster ? "redis-cluster" : "sqlite", d.cluster ? 2 : 1,
		       secs);
	for (unsigned long i = 0; i < d.n; i++)
		free(d.ids[i]);
	free(d.ids);
	return ok ? 0 : 1;
}
