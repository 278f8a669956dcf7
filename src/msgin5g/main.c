/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-msgin5g: the MSGin5G server as AKMA AF. `aiot-msgin5g --listen ADDR:PORT --aanf URL
 * --af-fqdn FQDN [-c msgin5g.yaml] [flags]`; flags override the file. See README.md
 * "Running the MSGin5G server" and config/msgin5g.yaml.
 */
#include <signal.h>
#include <stdio.h>

#include "svc/daemon.h"

#include <event2/event.h>

#include "sbi/sbi_metrics.h"
#include "server.h"
#include "svc/config.h"
#include "svc/log.h"
#include "svc/nodump.h"

static const char usage_text[] =
    "usage: aiot-msgin5g [-c msgin5g.yaml] [options]\n"
    "  -c, --config FILE       YAML configuration (keys below, nested by '.')\n"
    "  --listen ADDR:PORT      MSGin5G-1: CoAP over TLS 1.3 PSK (listen)  [127.0.0.1:5684]\n"
    "  --aanf URL              the AAnF, http(s)://HOST:PORT (aanf.url)   required\n"
    "  --aanf-ca FILE          CA of an https AAnF (aanf.ca)\n"
    "  --af-fqdn FQDN          this AF's FQDN, the afId for K_AF (af-fqdn) required\n"
    "  --bindings FILE         UE service ID -> SUPI, JSON (bindings)\n"
    "  --metrics ADDR:PORT     Prometheus /metrics over HTTP/1.1 (metrics)\n"
    "  --log-level LEVEL       error|warn|info|debug (log-level)           [info]\n"
    "  --limits.KEY N          the limits of config/msgin5g.yaml, by their key:\n"
    "                          --limits.max-connections --limits.max-message-size\n"
    "                          --limits.max-queued-per-ue --limits.max-queued\n"
    "                          --limits.max-keys --limits.max-fetches\n"
    "                          --limits.handshake-timeout-ms --limits.idle-timeout-ms\n"
    "                          --limits.aanf-timeout-ms\n";

static const cfg_opt opts[] = {
    {"listen", "listen"},       {"aanf", "aanf.url"},     {"aanf-ca", "aanf.ca"},
    {"af-fqdn", "af-fqdn"},     {"bindings", "bindings"}, {"metrics", "metrics"},
    {"log-level", "log-level"},
};

static const struct limit {
	const char *key;
	unsigned long long def, min, max;
} limits[] = {
    {"limits.max-connections", 1024, 1, 1 << 20},
    {"limits.max-message-size", 8192, 1152, 1 << 20}, /* RFC 8323 5.3.1: at least 1152 */
    {"limits.max-queued-per-ue", 64, 1, 1 << 16},
    {"limits.max-queued", 4096, 1, 1 << 24},
    {"limits.max-keys", 4096, 1, 1 << 24},
    {"limits.max-fetches", 256, 1, 1 << 16},
    {"limits.handshake-timeout-ms", 10000, 100, 600000},
    {"limits.idle-timeout-ms", 120000, 100, 86400000},
    {"limits.aanf-timeout-ms", 3000, 100, 60000},
};
#define NLIMITS (sizeof limits / sizeof limits[0])
static const char *const file_keys[] = {
    "limits.max-connections",
    "limits.max-message-size",
    "limits.max-queued-per-ue",
    "limits.max-queued",
    "limits.max-keys",
    "limits.max-fetches",
    "limits.handshake-timeout-ms",
    "limits.idle-timeout-ms",
    "limits.aanf-timeout-ms",
    NULL,
};

static void on_signal(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(arg);
}

int main(int argc, char **argv)
{
	char err[512];
	unsigned long long v[NLIMITS];
	int rc = SVC_EXIT_USAGE;
	struct event_base *base = NULL;
	struct event *sigs[2] = {NULL, NULL};
	m5_server *srv = NULL;
	sbi_metrics_http *mh = NULL;
	cfg *c = cfg_new();
	int pa = c ? cfg_from_args(c, argc, argv, "aiot-msgin5g", opts,
	                           sizeof opts / sizeof opts[0], file_keys, usage_text)
	           : -1;
	if (pa != 0) {
		rc = pa < 0 ? SVC_EXIT_USAGE : SVC_EXIT_OK;
		goto out;
	}
	if (log_init_from_cfg("aiot-msgin5g", c) != 0)
		goto out;
	for (size_t i = 0; i < NLIMITS; i++)
		if (cfg_get_uint(c, limits[i].key, limits[i].def, limits[i].min, limits[i].max,
		                 &v[i], err, sizeof err) != 0) {
			log_error("%s", err);
			goto out;
		}
	if (cfg_get(c, "aanf.url") == NULL || cfg_get(c, "af-fqdn") == NULL) {
		log_error("aanf and af-fqdn are required (--aanf URL --af-fqdn FQDN)");
		goto out;
	}
	rc = SVC_EXIT_FAIL;
	if (svc_no_core_dumps() != 0) { /* K_AF in memory: docs/security.md */
		log_error("cannot disable core dumps");
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((base = event_base_new()) == NULL)
		goto out;
	m5_server_cfg sc = {
	    .listen = cfg_get(c, "listen") ? cfg_get(c, "listen") : "127.0.0.1:5684",
	    .aanf_url = cfg_get(c, "aanf.url"),
	    .aanf_ca = cfg_get(c, "aanf.ca"),
	    .af_fqdn = cfg_get(c, "af-fqdn"),
	    .bindings = cfg_get(c, "bindings"),
	    .max_connections = v[0],
	    .max_message_size = v[1],
	    .max_queued_per_ue = v[2],
	    .max_queued = v[3],
	    .max_keys = v[4],
	    .max_fetches = v[5],
	    .handshake_timeout_ms = (unsigned)v[6],
	    .idle_timeout_ms = (unsigned)v[7],
	    .aanf_timeout_ms = (unsigned)v[8],
	};
	if ((srv = m5_server_start(base, &sc, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	sigs[0] = evsignal_new(base, SIGINT, on_signal, base);
	sigs[1] = evsignal_new(base, SIGTERM, on_signal, base);
	if (sigs[0] == NULL || sigs[1] == NULL || event_add(sigs[0], NULL) ||
	    event_add(sigs[1], NULL))
		goto out;
	svc_log_listen("listening on", sc.listen, m5_server_port(srv),
	               "TLS 1.3 PSK, CoAP over TLS");
	log_info("AF %s, AAnF %s, %zu UE service IDs bound", sc.af_fqdn, sc.aanf_url,
	         m5_server_bindings(srv));
	if (cfg_get(c, "metrics") != NULL) {
		if ((mh = sbi_metrics_http_start(base, cfg_get(c, "metrics"), m5_server_metrics,
		                                 srv, err, sizeof err)) == NULL) {
			log_error("%s", err);
			goto out;
		}
		log_info("metrics on port %d", sbi_metrics_http_port(mh));
	}
	event_base_dispatch(base);
	rc = SVC_EXIT_OK;
out:
	sbi_metrics_http_free(mh);
	m5_server_free(srv);
	for (int i = 0; i < 2; i++)
		if (sigs[i])
			event_free(sigs[i]);
	if (base)
		event_base_free(base);
	cfg_free(c);
	return rc;
}
