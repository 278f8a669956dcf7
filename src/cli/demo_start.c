/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The start-up of `aiot demo` (steps 3 and 4): the NRF, the ADM, the AIOTF, the AF, the
 * device simulator and the reader, as separate processes on loopback, each waited for until
 * its log says it is ready. With SBA security (the default, TS 33.501 clause 13): every SBI
 * under mutual TLS with NF certificates naming their NF instance, the ADM and the AIOTF
 * registered with the NRF, the AIOTF finding the ADM through it, and OAuth 2.0 access tokens
 * from the NRF required by both producers. Also the progress line and the failure path the
 * scenario shares (demo_run.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/clock.h"
#include "demo_run.h"

volatile sig_atomic_t demo_interrupted;

void demo_on_signal(int sig)
{
	(void)sig;
	demo_interrupted = 1;
}

void demo_step(demo *d, int i, const char *fmt, ...)
{
	va_list ap;
	fprintf(d->out, "[%d/%d %6.1fs] ", i, DEMO_STEPS, aiot_mono_s() - d->t0);
	va_start(ap, fmt);
	vfprintf(d->out, fmt, ap);
	va_end(ap);
	fputc('\n', d->out);
	fflush(d->out);
}

void demo_die(demo *d, const char *fmt, ...)
{
	va_list ap;
	fputs("aiot demo: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	demo_stop_all();
	demo_uicc_stop(d);
	demo_cluster_stop(d);
	demo_af_stop(d->af);
	fprintf(stderr, "aiot demo: logs are in %s/\n", d->dir);
	exit(1);
}

void demo_arg(demo_args *a, const char *s)
{
	if (a->n < DEMO_ARGS_MAX) {
		snprintf(a->buf[a->n], sizeof a->buf[a->n], "%s", s);
		a->v[a->n] = a->buf[a->n];
		a->v[++a->n] = NULL;
	}
}

void demo_opt(demo_args *a, const char *flag, const char *fmt, ...)
{
	char s[1100];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(s, sizeof s, fmt, ap);
	va_end(ap);
	demo_arg(a, flag);
	demo_arg(a, s);
}

void demo_start_proc(demo *d, demo_proc *p, demo_args *a, const char *ready, char *line, size_t cap)
{
	demo_start_proc_as(d, p, a, a->v[0], ready, line, cap);
}

void demo_start_proc_as(demo *d, demo_proc *p, demo_args *a, const char *as, const char *ready,
                        char *line, size_t cap)
{
	if (a->n >= DEMO_ARGS_MAX)
		demo_die(d, "%s: too many arguments", a->v[0]);
	if (demo_spawn_as(p, a->v[0], as, d->dir, a->v) != 0)
		demo_die(d, "cannot start %s", a->v[0]);
	if (demo_wait_log(p, ready, 20000, line, cap) != 0)
		demo_die(d, "%s did not start (see %s)", a->v[0], p->log);
}

/* An NF's mutual-TLS client settings towards the NRF, its registration, and OAuth 2.0 as a
 * producer (the NRF's public key pinned, its instance ID the only issuer). */
void demo_sba_flags(demo *d, demo_args *a, const char *nf, const char *nf_id)
{
	demo_opt(a, "--nrf", "https://127.0.0.1:%d", d->sba.nrf_port);
	demo_opt(a, "--nrf.ca", "%s", d->sba.ca);
	demo_opt(a, "--nrf.cert", "%s/%s.crt", d->dir, nf);
	demo_opt(a, "--nrf.key", "%s/%s.key", d->dir, nf);
	demo_opt(a, "--nf-instance-id", "%s", nf_id);
	demo_arg(a, "--oauth2-required");
	demo_opt(a, "--nrf-public-key", "%s", d->sba.public_key);
	demo_opt(a, "--oauth2-issuer", "%s", d->sba.nrf_id);
}

/* One ADM instance on the demo's store: its certificate NAME.crt naming NF instance nf_id. */
static void start_adm(demo *d, demo_proc *p, const char *as, const char *name, const char *nf_id,
                      const char *afauth, char *line, size_t cap)
{
	demo_args a = {.n = 0};
	demo_arg(&a, "aiot-adm");
	demo_opt(&a, "--listen", "127.0.0.1:0");
	demo_opt(&a, "--store", "%s", d->store);
	demo_opt(&a, "--kek-file", "%s/kek", d->dir);
	demo_opt(&a, "--tls-cert", "%s/%s.crt", d->dir, name);
	demo_opt(&a, "--tls-key", "%s/%s.key", d->dir, name);
	demo_opt(&a, "--tls-ca", "%s", d->sba.ca);
	demo_opt(&a, "--workers", "2");
	demo_opt(&a, "--af-auth", "%s", afauth);
	if (d->sba.enabled)
		demo_sba_flags(d, &a, name, nf_id);
	demo_start_proc_as(d, p, &a, as, "listening on", line, cap);
}

static void start_nrf_adm(demo *d, char *line, size_t cap)
{
	char err[512];
	if (d->sba.enabled) {
		demo_args a = {.n = 0};
		demo_arg(&a, "aiot-nrf");
		demo_opt(&a, "--listen", "127.0.0.1:0");
		demo_opt(&a, "--signing-key", "%s", d->sba.signing_key);
		demo_opt(&a, "--store", "sqlite:%s/nrf.db", d->dir);
		demo_opt(&a, "--nf-instance-id", "%s", d->sba.nrf_id);
		demo_opt(&a, "--tls-cert", "%s/nrf.crt", d->dir);
		demo_opt(&a, "--tls-key", "%s/nrf.key", d->dir);
		demo_opt(&a, "--tls-ca", "%s", d->sba.ca);
		demo_start_proc(d, &d->nrf, &a, "listening on", line, cap);
		d->sba.nrf_port = demo_port_after(line, "listening on");
	}
	char afauth[1100];
	snprintf(afauth, sizeof afauth, "%s/af-auth.json", d->dir);
	if (demo_af_write_auth(afauth, "aiot-demo-af", err, sizeof err) != 0)
		demo_die(d, "%s", err);
	start_adm(d, &d->adm, "aiot-adm", "adm", d->sba.adm_id, afauth, line, cap);
	d->adm_port = demo_port_after(line, "listening on");
	if (d->cluster) {
		start_adm(d, &d->adm2, "aiot-adm-2", "adm2", d->sba.extra_id[d->adm2_extra], afauth,
		          line, cap);
		d->adm2_port = demo_port_after(line, "listening on");
	}
	char adms[128];
	if (d->cluster)
		snprintf(adms, sizeof adms,
		         "aiot-adm on 127.0.0.1:%d and 127.0.0.1:%d (one store on "
		         "the Redis Cluster)",
		         d->adm_port, d->adm2_port);
	else
		snprintf(adms, sizeof adms, "aiot-adm on 127.0.0.1:%d", d->adm_port);
	if (d->sba.enabled)
		demo_step(d, 3,
		          "aiot-nrf on 127.0.0.1:%d (ES256 access tokens), %s registered with it; "
		          "all TLS 1.3 with client certificates, the ADM%s require%s OAuth 2.0",
		          d->sba.nrf_port, adms, d->cluster ? "s" : "", d->cluster ? "" : "s");
	else
		demo_step(d, 3, "%s (TLS 1.3, client certificates required)", adms);
}

static void start_aiotf(demo *d, char *line, size_t cap)
{
	demo_args a = {.n = 0};
	demo_arg(&a, "aiot-aiotf");
	demo_opt(&a, "--listen", "127.0.0.1:0");
	demo_opt(&a, "--ng-listen", "127.0.0.1:0");
	if (d->cluster) { /* both instances: the AIOTF spreads over them and fails over */
		demo_opt(&a, "--adm", "https://127.0.0.1:%d,https://127.0.0.1:%d", d->adm_port,
		         d->adm2_port);
		if (d->sba.enabled) /* tokens from the NRF, as for a discovered ADM */
			demo_arg(&a, "--adm-oauth2");
	} else if (!d->sba.enabled) /* else found through the NRF */
		demo_opt(&a, "--adm", "https://127.0.0.1:%d", d->adm_port);
	demo_opt(&a, "--adm-ca", "%s", d->sba.ca);
	demo_opt(&a, "--adm-cert", "%s/aiotf.crt", d->dir);
	demo_opt(&a, "--adm-key", "%s/aiotf.key", d->dir);
	demo_opt(&a, "--metrics", "127.0.0.1:0");
	demo_opt(&a, "--name", "aiotf-demo");
	if (d->sba.enabled) {
		demo_opt(&a, "--tls-cert", "%s/aiotf.crt",
		         d->dir); /* Naiotf under mutual TLS too */
		demo_opt(&a, "--tls-key", "%s/aiotf.key", d->dir);
		demo_opt(&a, "--tls-ca", "%s", d->sba.ca);
		demo_sba_flags(d, &a, "aiotf", d->sba.aiotf_id);
		/* the NG backhaul: TLS 1.3, reader certificates of the CA required */
		demo_opt(&a, "--ng-transport", "tcp");
		demo_opt(&a, "--ng-tls-cert", "%s/aiotf.crt", d->dir);
		demo_opt(&a, "--ng-tls-key", "%s/aiotf.key", d->dir);
		demo_opt(&a, "--ng-tls-ca", "%s", d->sba.ca);
		demo_arg(&a, "--ng-tls-required");
	}
	demo_start_proc(d, &d->aiotf, &a, "metrics on port", line, cap);
	d->aiotf_metrics = atoi(strstr(line, "metrics on port") + strlen("metrics on port"));
	if (demo_wait_log(&d->aiotf, "listening on", 15000, line, cap) != 0)
		demo_die(d, "aiot-aiotf: no SBI address in its log");
	d->aiotf_port = demo_port_after(line, "listening on");
	if (demo_wait_log(&d->aiotf, "ng link on", 1000, line, cap) != 0)
		demo_die(d, "aiot-aiotf: no NG link address in its log");
	d->ng_port = demo_port_after(line, "ng link on");
}

/* The AF: its notification server, its TLS client settings and access token, and its DO-A
 * subscription, before any DO-A device can register. */
static void start_af(demo *d)
{
	char err[512];
	d->af = demo_af_start(err, sizeof err);
	if (d->af == NULL)
		demo_die(d, "AF: %s", err);
	if (d->sba.enabled) {
		demo_af_set_client(d->af, d->sba.ca, d->sba.af_cert, d->sba.af_key, NULL);
		char *tok = demo_sba_token(d->af, &d->sba, "AIOTF", "naiotf-aiot", err, sizeof err);
		if (tok == NULL)
			demo_die(d, "the AF's access token: %s", err);
		demo_af_set_client(d->af, d->sba.ca, d->sba.af_cert, d->sba.af_key, tok);
		free(tok);
	}
	if (d->ndoa > 0) {
		d->doa = demo_doa_new(d->ids, d->n);
		char *sub = d->doa ? demo_doa_subscribe(d->af, d->aiotf_port, "aiot-demo-af", err,
		                                        sizeof err)
		                   : NULL;
		if (sub == NULL)
			demo_die(d, "DO-A subscription: %s", d->doa ? err : "out of memory");
		demo_af_route(d->af, sub, demo_doa_record, d->doa);
		free(sub);
	}
}

static void start_devsim_reader(demo *d, char *line, size_t cap)
{
	demo_args a = {.n = 0};
	demo_arg(&a, "aiot-devsim");
	demo_opt(&a, "--devices", "%s/devices.jsonl", d->dir);
	demo_opt(&a, "--air-listen", "127.0.0.1:0");
	demo_opt(&a, "--clones", "%lu", d->k);
	demo_opt(&a, "--loss", "%s", d->loss);
	demo_opt(&a, "--stats", "%s/devsim-stats.json", d->dir);
	demo_opt(&a, "--doa", "%lu", d->ndoa);
	if (d->doa_attacks && d->ndoa > 0) { /* the DO-A attackers (docs/protocol.md §5.7.3) */
		demo_opt(&a, "--doa-clones", "%lu", d->doa_clones);
		demo_opt(&a, "--rogue-network", "%s", DOA_ATTACK_P);
		demo_opt(&a, "--doa-replay", "%s", DOA_ATTACK_P);
	}
	if (d->uicc > 0) /* devices 1..uicc on the cards (demo_uicc.c) */
		demo_opt(&a, "--uicc", "%lu", d->uicc);
	demo_start_proc(d, &d->devsim, &a, "air on", line, cap);
	d->devsim_port = demo_port_after(line, "air on");
	demo_args r = {.n = 0};
	demo_arg(&r, "aiot-reader");
	demo_opt(&r, "--aiotf", "127.0.0.1:%d", d->ng_port);
	demo_opt(&r, "--air", "127.0.0.1:%d", d->devsim_port);
	demo_opt(&r, "--gnb-id", "1");
	demo_opt(&r, "--reader-index", "1");
	demo_opt(&r, "--name", "reader-1");
	/* DO-A access rounds every 20 ms, or none. At the reader's default of 100 ms a device
	 * at its largest back-off (63 rounds, §5.7.2) sits out 6.3 s: the last of 30 devices
	 * took up to 30 s to register. */
	demo_opt(&r, "--doa-interval-ms", "%s", d->ndoa > 0 ? "20" : "0");
	if (d->sba.enabled) {
		demo_opt(&r, "--ng-transport", "tcp");
		demo_opt(&r, "--ng-tls-ca", "%s", d->sba.ca);
		demo_opt(&r, "--ng-tls-cert", "%s/reader.crt", d->dir);
		demo_opt(&r, "--ng-tls-key", "%s/reader.key", d->dir);
	}
	demo_start_proc(d, &d->reader, &r, "NG link up", line, cap);
}

void demo_start_core(demo *d)
{
	char line[1024];
	start_nrf_adm(d, line, sizeof line);
	start_aiotf(d, line, sizeof line);
	start_af(d);
	start_devsim_reader(d, line, sizeof line);
	demo_step(
	    d, 4,
	    "aiot-aiotf (Naiotf :%d%s, NG link :%d%s), aiot-devsim (%lu devices + %lu clones, "
	    "%lu of them DO-A, air :%d), aiot-reader connected",
	    d->aiotf_port,
	    d->cluster       ? (d->sba.enabled ? ", mutual TLS and OAuth 2.0; both ADM instances"
	                                       : ", both ADM instances")
	    : d->sba.enabled ? ", mutual TLS and OAuth 2.0; it found the ADM through the NRF"
	                     : "",
	    d->ng_port, d->sba.enabled ? " under TLS 1.3, reader certificate required" : "", d->n,
	    d->k, d->ndoa, d->devsim_port);
}
