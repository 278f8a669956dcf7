/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-reader: the NG-RAN reader daemon. `aiot-reader -c reader.yaml [flags]`; flags
 * override the file (same keys). See reader.h and docs/protocol.md §5.
 */
#include <event2/event.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "reader.h"
#include "sbi/sbi_metrics.h"
#include "svc/config.h"
#include "svc/log.h"

static const char usage_text[] =
    "usage: aiot-reader [-c reader.yaml] [options]\n"
    "  -c, --config FILE         YAML configuration (the keys are the flag names)\n"
    "  --aiotf ADDR:PORT         the AIOTF's NG address (aiotf)       [127.0.0.1:38412]\n"
    "  --ng-transport T          auto|sctp|tcp (ng-transport)           [auto]\n"
    "  --ng-tls-ca FILE          TLS 1.3 on the NG link, TCP only: the AIOTF's certificate\n"
    "                            must chain to this CA and name the host of --aiotf\n"
    "                            (ng-tls-ca)\n"
    "  --ng-tls-cert FILE        this reader's certificate (ng-tls-cert)\n"
    "  --ng-tls-key FILE         its private key, mode 0600 (ng-tls-key)\n"
    "  --air ADDR:PORT           the air medium, UDP (air)              required\n"
    "  --gnb-id N                GlobalGNB-ID gNB ID (gnb-id)           [1]\n"
    "  --reader-index N          AIoT-ReaderIndex 1..65535 (reader-index) [1]\n"
    "  --name NAME               RAN node name (name)                   [aiot-reader]\n"
    "  --max-rounds N            rounds per inventory (max-rounds)      [256]\n"
    "  --round-timeout-ms N      air silence ending a round (round-timeout-ms) [2000]\n"
    "  --command-timeout-ms N    per attempt, one retry (command-timeout-ms) [1000]\n"
    "  --report-batch N          devices per Inventory Report (report-batch) [1024]\n"
    "  --max-sessions N          concurrent inventories (max-sessions)  [64]\n"
    "  --doa-interval-ms N       a DO-A access round every N ms, 0: no DO-A\n"
    "                            (doa.interval-ms)                      [100]\n"
    "  --doa-session-s N         DO-A session (air id, RAN IDs) lifetime (doa.session-s) [300]\n"
    "  --doa-max-devices N       DO-A devices per session (doa.max-devices) [65536]\n"
    "  --metrics ADDR:PORT       Prometheus /metrics over HTTP/1.1 (metrics)\n"
    "  --log-level LEVEL         error|warn|info|debug (log-level)      [info]\n";

static const cfg_opt opts[] = {
    {"aiotf", "aiotf"},
    {"ng-transport", "ng-transport"},
    {"ng-tls-ca", "ng-tls-ca"},
    {"ng-tls-cert", "ng-tls-cert"},
    {"ng-tls-key", "ng-tls-key"},
    {"air", "air"},
    {"gnb-id", "gnb-id"},
    {"reader-index", "reader-index"},
    {"name", "name"},
    {"max-rounds", "max-rounds"},
    {"round-timeout-ms", "round-timeout-ms"},
    {"command-timeout-ms", "command-timeout-ms"},
    {"report-batch", "report-batch"},
    {"max-sessions", "max-sessions"},
    {"doa-interval-ms", "doa.interval-ms"},
    {"doa-session-s", "doa.session-s"},
    {"doa-max-devices", "doa.max-devices"},
    {"metrics", "metrics"},
    {"log-level", "log-level"},
};

/* GET /metrics: runs on the reader's loop thread (sbi_metrics.h). */
static char *render_metrics(void *arg)
{
	reader_stats st = reader_get_stats(arg);
	const sbi_metric m[] = {
	    {"aiot_reader_inventories_total", "counter", "Inventory Requests accepted.",
	     st.inventories},
	    {"aiot_reader_pagings_total", "counter", "R2D PAGING frames sent, one per round.",
	     st.pagings},
	    {"aiot_reader_collided_slots_total", "counter", "Slots the medium reported collided.",
	     st.collided_slots},
	    {"aiot_reader_d2r_relayed_total", "counter",
	     "Inventory Responses relayed to the AIOTF in Inventory Reports.", st.d2r_relayed},
	    {"aiot_reader_d2r_foreign_total", "counter",
	     "Inventory Responses dropped: their RAND tag is not the paging's (NOTE 2).",
	     st.d2r_foreign},
	    {"aiot_reader_air_dropped_total", "counter",
	     "D2R air frames dropped: they do not decode.", st.air_dropped},
	    {"aiot_reader_commands_sent_total", "counter",
	     "Command Requests sent on the air, retries included.", st.commands_sent},
	    {"aiot_reader_commands_delivered_total", "counter",
	     "Command Responses relayed to the AIOTF.", st.commands_delivered},
	    {"aiot_reader_commands_failed_total", "counter",
	     "Command Requests failed: device not reachable after the retry.", st.commands_failed},
	    {"aiot_reader_doa_sessions_total", "counter",
	     "DO-A sessions opened (first, rotations, NG link losses).", st.doa_sessions},
	    {"aiot_reader_doa_rounds_total", "counter", "DOA_OPEN access rounds announced.",
	     st.doa_rounds},
	    {"aiot_reader_doa_collided_slots_total", "counter",
	     "DO-A slots the medium reported collided.", st.doa_collided_slots},
	    {"aiot_reader_doa_uplink_total", "counter",
	     "DO-A uplink NAS PDUs relayed to the AIOTF and ACKed on the air.", st.doa_uplink},
	    {"aiot_reader_doa_downlink_total", "counter",
	     "DO-A downlink NAS PDUs sent to a device.", st.doa_downlink},
	    {"aiot_reader_doa_unknown_ran_total", "counter",
	     "DO-A downlinks for an unknown RAN-AIOT-Device-NGAP-ID (DO-A Downlink Failure).",
	     st.doa_unknown_ran},
	    {"aiot_reader_doa_table_full_total", "counter",
	     "DO-A uplinks not taken: doa.max-devices devices in the session.", st.doa_table_full},
	    {"aiot_reader_ng_link_up", "gauge", "1 while the NG link to the AIOTF is set up.",
	     (uint64_t)st.ng_link_up},
	    {"aiot_reader_ng_setups_total", "counter", "NG Setups completed (1 + reconnects).",
	     st.ng_setups},
	    {"aiot_reader_ng_link_losses_total", "counter",
	     "NG link closed or connect failed (each followed by a retry).", st.ng_link_losses},
	    {"aiot_reader_ng_tls_failures_total", "counter",
	     "NG link TLS handshakes that failed (the AIOTF's certificate, or refused).",
	     st.ng_tls_failures},
	};
	return sbi_metrics_format(m, sizeof m / sizeof m[0]);
}

static void on_signal(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	char err[512];
	int rc = SVC_EXIT_USAGE; /* until the configuration is checked */
	unsigned long long v[10];
	struct event_base *base = NULL;
	struct event *sigs[2] = {NULL, NULL};
	reader *r = NULL;
	sbi_metrics_http *mh = NULL;

	cfg *c = cfg_new();
	int pa = c ? cfg_from_args(c, argc, argv, "aiot-reader", opts, sizeof opts / sizeof opts[0],
	                           NULL, usage_text)
	           : -1;
	if (pa != 0) {
		rc = pa < 0 ? SVC_EXIT_USAGE : SVC_EXIT_OK;
		goto out;
	}
	if (log_init_from_cfg("aiot-reader", c) != 0)
		goto out;
	if (cfg_get_uint(c, "gnb-id", 1, 0, 0xFFFFFFFFull, &v[0], err, sizeof err) ||
	    cfg_get_uint(c, "reader-index", 1, 1, 65535, &v[1], err, sizeof err) ||
	    cfg_get_uint(c, "max-rounds", 256, 1, 65535, &v[2], err, sizeof err) ||
	    cfg_get_uint(c, "round-timeout-ms", 2000, 1, 3600000, &v[3], err, sizeof err) ||
	    cfg_get_uint(c, "command-timeout-ms", 1000, 1, 3600000, &v[4], err, sizeof err) ||
	    cfg_get_uint(c, "report-batch", 1024, 1, 65535, &v[5], err, sizeof err) ||
	    cfg_get_uint(c, "max-sessions", 64, 1, 65536, &v[6], err, sizeof err) ||
	    cfg_get_uint(c, "doa.interval-ms", 100, 0, 3600000, &v[7], err, sizeof err) ||
	    cfg_get_uint(c, "doa.session-s", 300, 1, 86400, &v[8], err, sizeof err) ||
	    cfg_get_uint(c, "doa.max-devices", 65536, 1, 1048575, &v[9], err, sizeof err)) {
		log_error("%s", err);
		goto out;
	}
	reader_cfg rc_ = {
	    .aiotf = cfg_get(c, "aiotf") ? cfg_get(c, "aiotf") : "127.0.0.1:38412",
	    .transport = cfg_get(c, "ng-transport") ? cfg_get(c, "ng-transport") : "auto",
	    .air = cfg_get(c, "air"),
	    .ng_tls_ca = cfg_get(c, "ng-tls-ca"),
	    .ng_tls_cert = cfg_get(c, "ng-tls-cert"),
	    .ng_tls_key = cfg_get(c, "ng-tls-key"),
	    .name = cfg_get(c, "name") ? cfg_get(c, "name") : "aiot-reader",
	    .gnb_id = (uint32_t)v[0],
	    .reader_index = (uint16_t)v[1],
	    .max_rounds = (unsigned)v[2],
	    .round_timeout_ms = (unsigned)v[3],
	    .command_timeout_ms = (unsigned)v[4],
	    .report_batch = (unsigned)v[5],
	    .max_sessions = (unsigned)v[6],
	    .doa_interval_ms = (unsigned)v[7],
	    .doa_session_s = (unsigned)v[8],
	    .doa_max_devices = (unsigned)v[9],
	};
	if (rc_.air == NULL) {
		log_error("air is required (--air ADDR:PORT of aiot-devsim)");
		goto out;
	}
	if (strcmp(rc_.transport, "auto") && strcmp(rc_.transport, "sctp") &&
	    strcmp(rc_.transport, "tcp")) {
		log_error("ng-transport: '%s' is not auto, sctp or tcp", rc_.transport);
		goto out;
	}
	if ((rc_.ng_tls_cert == NULL) != (rc_.ng_tls_key == NULL) ||
	    (rc_.ng_tls_cert != NULL && rc_.ng_tls_ca == NULL)) {
		log_error("ng-tls-cert and ng-tls-key go together, and need ng-tls-ca");
		goto out;
	}
	if (rc_.ng_tls_ca != NULL && strcmp(rc_.transport, "sctp") == 0) {
		log_error("ng-transport sctp with ng-tls-*: TLS runs over TCP only (use "
		          "--ng-transport tcp, or NDS/IP under SCTP: docs/backhaul.md)");
		goto out;
	}
	if (strlen(rc_.name) > 150) {
		log_error("name: at most 150 characters");
		goto out;
	}
	rc = SVC_EXIT_FAIL;
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		goto out;
	sigs[0] = evsignal_new(base, SIGINT, on_signal, base);
	sigs[1] = evsignal_new(base, SIGTERM, on_signal, base);
	if (sigs[0] == NULL || sigs[1] == NULL || event_add(sigs[0], NULL) ||
	    event_add(sigs[1], NULL))
		goto out;
	if ((r = reader_new(base, &rc_, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	if (cfg_get(c, "metrics") != NULL) {
		mh = sbi_metrics_http_start(base, cfg_get(c, "metrics"), render_metrics, r, err,
		                            sizeof err);
		if (mh == NULL) {
			log_error("%s", err);
			goto out;
		}
		log_info("metrics on port %d", sbi_metrics_http_port(mh));
	}
	log_info("reader gNB %u index %u, air %s, AIOTF %s", rc_.gnb_id, rc_.reader_index, rc_.air,
	         rc_.aiotf);
	event_base_dispatch(base);
	rc = 0;
out:
	sbi_metrics_http_free(mh);
	reader_free(r);
	for (int i = 0; i < 2; i++)
		if (sigs[i] != NULL)
			event_free(sigs[i]);
	if (base != NULL)
		event_base_free(base);
	cfg_free(c);
	return rc;
}
