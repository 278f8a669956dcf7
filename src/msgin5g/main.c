/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-msgin5g: the MSGin5G server as AKMA AF. `aiot-msgin5g --listen ADDR:PORT --aanf URL
 * --af-fqdn FQDN [-c msgin5g.yaml] [flags]`; flags override the file. See README.md
 * "Running the MSGin5G server" and config/msgin5g.yaml. With --nrf it registers as nfType AF
 * and, without --aanf, finds the AAnF through the NRF; the AAnF's access tokens (naanf-akma)
 * come from the NRF when the AAnF requires them (src/nrfc: nf_main.h, nrfc_peer.h).
 */
#include <signal.h>
#include <stdio.h>

#include "svc/daemon.h"

#include <event2/event.h>

#include "nrfc/nf_main.h"
#include "nrfc/nf_usage.h"
#include "nrfc/nrfc_token.h"
#include "sbi/sbi_metrics.h"
#include "server.h"
#include "svc/config.h"
#include "svc/log.h"

static const char usage_text[] =
    "usage: aiot-msgin5g [-c msgin5g.yaml] [options]\n"
    "  -c, --config FILE       YAML configuration (keys below, nested by '.')\n"
    "  --listen ADDR:PORT      MSGin5G-1: CoAP over TLS 1.3 PSK (listen)  [127.0.0.1:5684]\n"
    "  --aanf URL              the AAnF, http(s)://HOST:PORT (aanf.url)   required\n"
    "                          [with --nrf: discovered]\n"
    "  --aanf-ca FILE          CA of an https AAnF (aanf.ca)\n"
    "  --aanf-oauth2           an access token from the NRF on every AAnF request\n"
    "                          (aanf.oauth2) [true when the discovered AAnF requires one]\n"
    "  --af-fqdn FQDN          this AF's FQDN, the afId for K_AF (af-fqdn) required\n"
    "  --bindings FILE         UE service ID -> SUPI, JSON (bindings)\n"
    "  --seal-km URL           also accept PSK identity SEAL-KM<key id>, its key from this\n"
    "                          SEAL KM, https://HOST:PORT (seal-km; optional, non-normative)\n"
    "  --seal-km-ca FILE       its CA (seal-km-ca); --seal-km-cert FILE, --seal-km-key FILE:\n"
    "                          this server's client certificate and key (seal-km-cert, -key)\n"
    "  --metrics ADDR:PORT     Prometheus /metrics over HTTP/1.1 (metrics)\n"
    "  --log-level LEVEL       error|warn|info|debug (log-level)           [info]\n"
    "  --limits.KEY N          the limits of config/msgin5g.yaml, by their key:\n"
    "                          --limits.max-connections --limits.max-message-size\n"
    "                          --limits.max-queued-per-ue --limits.max-queued\n"
    "                          --limits.max-keys --limits.max-fetches\n"
    "                          --limits.handshake-timeout-ms --limits.idle-timeout-ms\n"
    "                          --limits.aanf-timeout-ms\n"
    // clang-format off
    NF_USAGE_NRF("AF")
    "  --nf-instance-id UUID   (nf-instance-id) [--nf-instance-id-file FILE, else random]\n";
// clang-format on

static const cfg_opt opts[] = {
    {"listen", "listen"},
    {"aanf", "aanf.url"},
    {"aanf-ca", "aanf.ca"},
    {"af-fqdn", "af-fqdn"},
    {"bindings", "bindings"},
    {"metrics", "metrics"},
    {"log-level", "log-level"},
    {"aanf-oauth2", "aanf.oauth2=true"},
    {"seal-km", "seal-km"},
    {"seal-km-ca", "seal-km-ca"},
    {"seal-km-cert", "seal-km-cert"},
    {"seal-km-key", "seal-km-key"},
    NF_MAIN_NRF_FLAGS,
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
    NF_MAIN_NRF_FILE_KEYS,
    NULL,
};

static void on_signal(evutil_socket_t sig, short ev, void *arg)
{
	(void)ev;
	log_info("signal %d: stopping", (int)sig);
	event_base_loopbreak(arg);
}

/* With --nrf: the AAnF found through the NRF when aanf.url is not given, and its access
 * tokens' cache on base when aanf.oauth2 (0 with *tok NULL without). 0, or -1 (logged). */
static int aanf_link(cfg *c, const char *id, struct event_base *base, nrfc_tokens **tok)
{
	char err[512];
	nrfc_cfg nc;
	*tok = NULL;
	if (nf_main_discover(c, "aanf", "AANF", "AF", id, "naanf-akma") != 0)
		return -1;
	int on = nf_main_peer_tokens(c, "aanf", &nc);
	if (on <= 0)
		return on;
	if ((*tok = nrfc_tokens_new(base, &nc, id, "AF", err, sizeof err)) == NULL) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

/* TS 29.510 6.1.6.2.2: nfType AF at the MSGin5G-1 address; no SBI service of its own. */
static int nrf_register(const cfg *c, const char *listen, int port, const char *id, nrfc **out)
{
	sbi_server_cfg sc = {.listen = listen};
	return nf_main_register_services(c, &sc, port, id, "AF", NULL, 0, out);
}

int main(int argc, char **argv)
{
	char err[512], id[37];
	unsigned long long v[NLIMITS];
	int rc = SVC_EXIT_USAGE;
	nrfc_tokens *tokens = NULL;
	nrfc *nrf = NULL;
	struct event_base *base = NULL;
	struct event *sigs[2] = {NULL, NULL};
	m5_server *srv = NULL;
	sbi_metrics_http *mh = NULL;
	/* K_AF in memory: no core dumps, freed memory wiped (docs/security.md) */
	cfg *c = nf_main_begin(argc, argv, "aiot-msgin5g", opts, sizeof opts / sizeof opts[0],
	                       file_keys, usage_text, &rc);
	if (c == NULL)
		goto out;
	rc = SVC_EXIT_USAGE;
	for (size_t i = 0; i < NLIMITS; i++)
		if (cfg_get_uint(c, limits[i].key, limits[i].def, limits[i].min, limits[i].max,
		                 &v[i], err, sizeof err) != 0) {
			log_error("%s", err);
			goto out;
		}
	if (nf_main_instance_id_any(c, id) != 0 || (base = event_base_new()) == NULL ||
	    aanf_link(c, id, base, &tokens) != 0)
		goto out;
	if (cfg_get(c, "aanf.url") == NULL || cfg_get(c, "af-fqdn") == NULL) {
		log_error("aanf and af-fqdn are required (--aanf URL --af-fqdn FQDN)");
		goto out;
	}
	rc = SVC_EXIT_FAIL;
	signal(SIGPIPE, SIG_IGN);
	m5_server_cfg sc = {
	    .listen = cfg_get(c, "listen") ? cfg_get(c, "listen") : "127.0.0.1:5684",
	    .aanf_url = cfg_get(c, "aanf.url"),
	    .aanf_ca = cfg_get(c, "aanf.ca"),
	    .aanf_tokens = tokens,
	    .af_fqdn = cfg_get(c, "af-fqdn"),
	    .bindings = cfg_get(c, "bindings"),
	    .seal_km_url = cfg_get(c, "seal-km"),
	    .seal_km_ca = cfg_get(c, "seal-km-ca"),
	    .seal_km_cert = cfg_get(c, "seal-km-cert"),
	    .seal_km_key = cfg_get(c, "seal-km-key"),
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
	log_info("AF %s, AAnF %s, %zu UE service IDs bound%s%s", sc.af_fqdn, sc.aanf_url,
	         m5_server_bindings(srv), sc.seal_km_url ? ", SEAL KM (non-normative) " : "",
	         sc.seal_km_url ? sc.seal_km_url : "");
	if (cfg_get(c, "metrics") != NULL) {
		if ((mh = sbi_metrics_http_start(base, cfg_get(c, "metrics"), m5_server_metrics,
		                                 srv, err, sizeof err)) == NULL) {
			log_error("%s", err);
			goto out;
		}
		log_info("metrics on port %d", sbi_metrics_http_port(mh));
	}
	if (nrf_register(c, sc.listen, m5_server_port(srv), id, &nrf) != 0)
		goto out;
	event_base_dispatch(base);
	rc = SVC_EXIT_OK;
out:
	nrfc_stop(nrf);           /* deregister first */
	nrfc_tokens_free(tokens); /* before the AAnF's client (nrfc_peer.h) */
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
