/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-aiotf: the AIOTF daemon. `aiot-aiotf -c aiotf.yaml [flags]`; flags override the file.
 * Serves Naiotf_AIoT to AFs, listens for readers on the NG link, and uses the ADM.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiotf.h"
#include "nrf_link.h"
#include "nrfc/nrfc_cfg.h"
#include "sbi/sbi_wipe.h"
#include "svc/config.h"
#include "svc/daemon.h"
#include "svc/log.h"
#include "svc/nodump.h"

static const char usage_text[] =
    "usage: aiot-aiotf [-c aiotf.yaml] [options]\n"
    "  -c, --config FILE            YAML configuration (keys in parentheses, nested by '.')\n"
    "  --listen ADDR:PORT           Naiotf_AIoT SBI address (listen)         [127.0.0.1:7780]\n"
    "  --tls-cert FILE              server certificate: TLS 1.3 (tls.cert)\n"
    "  --tls-key FILE               its private key (tls.key)\n"
    "  --tls-ca FILE                CA for AF client certificates (tls.ca)\n"
    "  --ng-listen ADDR:PORT        NG link for readers (ng.listen)          [127.0.0.1:38412]\n"
    "  --ng-transport T             auto|sctp|tcp (ng.transport)             [auto]\n"
    "  --ng-tls-cert FILE           TLS 1.3 on the NG link, TCP only: this certificate\n"
    "                               (ng.tls-cert)\n"
    "  --ng-tls-key FILE            its private key, mode 0600 (ng.tls-key)\n"
    "  --ng-tls-ca FILE             CA of the readers' certificates (ng.tls-ca)\n"
    "  --ng-tls-required            refuse readers speaking plain NG or without a\n"
    "                               certificate of ng.tls-ca (ng.tls-required: true)\n"
    "  --adm URL[,URL...]           the ADM instances: http://HOST:PORT or https://HOST:PORT,\n"
    "                               one scheme for all (adm.url, a comma-separated string);\n"
    "                               required unless --nrf finds the ADM instances;\n"
    "                               http:// is h2c and ignores adm.ca/cert/key. Requests go\n"
    "                               to the instance up with the fewest in flight; one that\n"
    "                               fails is marked down, its requests retried on another,\n"
    "                               and it is probed (100 ms, doubling to 2 s) until it\n"
    "                               answers (docs/redis-cluster.md \"Several ADMs\")\n"
    "  --adm-ca FILE                CA of the ADMs' certificates (adm.ca)\n"
    "  --adm-cert FILE              client certificate for mutual TLS (adm.cert)\n"
    "  --adm-key FILE               its private key (adm.key)\n"
    "  --adm-connections N          HTTP/2 connections to each ADM instance\n"
    "                               (adm.connections)                        [4]\n"
    "  --adm-timeout-ms MS          per ADM request (adm.timeout-ms)         [2000]\n"
    "  --inventory-timeout-ms MS    silence per paging (inventory-timeout-ms) [5000]\n"
    "  --command-timeout-ms MS      per Command Request (command-timeout-ms) [3000]\n"
    "  --name NAME                  AIOTF name in NGAP (name)                [aiotf]\n"
    "  --cipher on|off              cipher command payloads (cipher)         [on]\n"
    "  --notif-ca FILE              CA for https notifUris (notif-ca)\n"
    "  --notify-schemes LIST        notifUri schemes allowed (notify.schemes) [http,https]\n"
    "  --notify-hosts LIST          notifUri hosts allowed: names, *.domain (notify.hosts)\n"
    "                               [any]\n"
    "  --notify-networks LIST       addresses a notifUri may lead to: ADDR/BITS, any\n"
    "                               (notify.networks) [public unicast; and loopback when\n"
    "                               --listen is a loopback address]\n"
    "  --notify-max-destinations N  notification destinations = connections\n"
    "                               (notify.max-destinations)           [256]\n"
    "  --notify-max-destinations-per-af N  of them, created for one afId\n"
    "                               (notify.max-destinations-per-af)    [64]\n"
    "  --doa-max-subscriptions N    DO-A subscriptions of the AFs, in memory\n"
    "                               (doa.max-subscriptions)             [1024]\n"
    "  --doa-max-subscriptions-per-af N  of them, created by one afId\n"
    "                               (doa.max-subscriptions-per-af)      [64]\n"
    "  --notify-queue-bytes N       notifications queued, in all (notify.queue-bytes)\n"
    "                               [33554432]\n"
    "  --notify-dest-queue-bytes N  ... per destination (notify.dest-queue-bytes) [4194304]\n"
    "  --max-transactions N         queued + running (max-transactions)      [1024]\n"
    "  --shutdown-grace S           on SIGTERM, seconds to finish or fail the running\n"
    "                               transactions and notify the AFs (shutdown-grace) [3]\n"
    "  --cache-max N                T-IDs and device profiles the AIOTF keeps from the\n"
    "                               ADM, each; the oldest is evicted (cache-max) [100000]\n"
    "  --af-auth-ttl-ms MS          keep an AF's authorization data from the ADM this\n"
    "                               long, 0: fetch it for every request (af-auth-ttl-ms) [10000]\n"
    "  --reader-report-rate N       D2Rs/s per reader in its Inventory Reports, 0: no\n"
    "                               limit (ng.report-rate)                   [100000]\n"
    "  --reader-report-burst N      token bucket depth (ng.report-burst)     [2 x rate]\n"
    "  --reader-flood-close N       reports dropped within a second that close the\n"
    "                               reader's NG link, 0: never (ng.flood-close) [5000]\n"
    "  --reader-max-d2r N           D2Rs taken from one reader in one transaction\n"
    "                               (ng.max-d2r)                             [262144]\n"
    "  --reader-max-adm N           get-authentication requests of one reader in one\n"
    "                               transaction waiting for the ADM (ng.max-adm) [16384]\n"
    "  --adm-max-queued N           ADM requests waiting for a stream (adm.max-queued)\n"
    "                                                                        [65536]\n"
    "  --ng-max-links N             NG links open at once; over it the oldest link\n"
    "                               without NG Setup is closed (ng.max-links)  [1024]\n"
    "  --ng-max-links-per-peer N    NG links from one address (ng.max-links-per-peer) [64]\n"
    "  --ng-setup-timeout-ms N      a link without NG Setup by then is closed\n"
    "                               (ng.setup-timeout-ms)                    [5000]\n"
    "  --ng-idle-timeout-ms N       a set-up link silent this long is closed, 0: never\n"
    "                               (ng.idle-timeout-ms)                     [0]\n"
    "  --ng-buffer-max N            octets of partial frames held over all links; over it\n"
    "                               the link holding most is closed (ng.buffer-max) [33554432]\n"
    "  --ng-ack-timeout-ms N        a paging the reader has not acknowledged by then ends\n"
    "                               (ng.ack-timeout-ms)                      [2000]\n"
    "  --ng-unacked-close N         pagings unacknowledged in a row that close the link,\n"
    "                               0: never (ng.unacked-close)              [3]\n"
    "  --doa-exchange-timeout-ms MS DO-A: M1 to M4 at most (doa.exchange-timeout-ms) [5000]\n"
    "  --doa-max-contexts N         DO-A exchanges and registered devices held; an M1 past\n"
    "                               it is refused (doa.max-contexts)         [100000]\n"
    "  --doa-context-ttl-s S        a registered DO-A device without verified Uplink Data\n"
    "                               this long is forgotten (doa.context-ttl-s) [3600]\n"
    "  --doa-m1-rate N              DO-A Registration Requests per second per reader link,\n"
    "                               before any ADM request, 0: off (doa.m1-rate) [10000]\n"
    "  --doa-m1-burst N             ... bucket size, 0: 2 x rate (doa.m1-burst) [0]\n"
    "  --doa-id-m1-max N            DO-A Registration Requests per identifier within\n"
    "                               doa.id-window-ms, 0: off (doa.id-m1-max)  [8]\n"
    "  --doa-id-window-ms MS        (doa.id-window-ms)                       [10000]\n"
    "  --metrics ADDR:PORT          Prometheus /metrics over HTTP/1.1 (metrics)\n" AIOT_OAUTH_USAGE
    "  --log-level LEVEL            error|warn|info|debug (log-level)        [info]\n"
    "  --nrf URL                    register with this NRF, and find the ADM through it\n"
    "                               when --adm is not given (nrf.url); also nrf.ca,\n"
    "                               nrf.cert, nrf.key, nrf.heartbeat-s\n"
    "  --adm-oauth2                 send the ADM an access token from the NRF with every\n"
    "                               request (adm.oauth2) [true when the discovered ADM's\n"
    "                               NFService says oauth2Required, else false]\n"
    "  --nf-instance-id UUID        (nf-instance-id) or --nf-instance-id-file FILE, where\n"
    "                               one is made and kept: one of them with --nrf\n";

static const cfg_opt opts[] = {
    {"listen", "listen"},
    {"tls-cert", "tls.cert"},
    {"tls-key", "tls.key"},
    {"tls-ca", "tls.ca"},
    {"ng-listen", "ng.listen"},
    {"ng-transport", "ng.transport"},
    {"ng-tls-cert", "ng.tls-cert"},
    {"ng-tls-key", "ng.tls-key"},
    {"ng-tls-ca", "ng.tls-ca"},
    {"ng-tls-required", "ng.tls-required=true"},
    {"adm", "adm.url"},
    {"adm-ca", "adm.ca"},
    {"adm-cert", "adm.cert"},
    {"adm-key", "adm.key"},
    {"adm-connections", "adm.connections"},
    {"adm-timeout-ms", "adm.timeout-ms"},
    {"inventory-timeout-ms", "inventory-timeout-ms"},
    {"command-timeout-ms", "command-timeout-ms"},
    {"name", "name"},
    {"cipher", "cipher"},
    {"notif-ca", "notif-ca"},
    {"notify-schemes", "notify.schemes"},
    {"notify-hosts", "notify.hosts"},
    {"notify-networks", "notify.networks"},
    {"notify-max-destinations", "notify.max-destinations"},
    {"notify-max-destinations-per-af", "notify.max-destinations-per-af"},
    {"doa-max-subscriptions", "doa.max-subscriptions"},
    {"doa-max-subscriptions-per-af", "doa.max-subscriptions-per-af"},
    {"notify-queue-bytes", "notify.queue-bytes"},
    {"notify-dest-queue-bytes", "notify.dest-queue-bytes"},
    {"max-transactions", "max-transactions"},
    {"shutdown-grace", "shutdown-grace"},
    {"af-auth-ttl-ms", "af-auth-ttl-ms"},
    {"cache-max", "cache-max"},
    {"metrics", "metrics"},
    {"log-level", "log-level"},
    AIOT_OAUTH_FLAGS,
    {"reader-report-rate", "ng.report-rate"},
    {"reader-report-burst", "ng.report-burst"},
    {"reader-flood-close", "ng.flood-close"},
    {"reader-max-d2r", "ng.max-d2r"},
    {"reader-max-adm", "ng.max-adm"},
    {"adm-max-queued", "adm.max-queued"},
    {"ng-max-links", "ng.max-links"},
    {"ng-max-links-per-peer", "ng.max-links-per-peer"},
    {"ng-setup-timeout-ms", "ng.setup-timeout-ms"},
    {"ng-idle-timeout-ms", "ng.idle-timeout-ms"},
    {"ng-buffer-max", "ng.buffer-max"},
    {"ng-ack-timeout-ms", "ng.ack-timeout-ms"},
    {"ng-unacked-close", "ng.unacked-close"},
    {"doa-exchange-timeout-ms", "doa.exchange-timeout-ms"},
    {"doa-max-contexts", "doa.max-contexts"},
    {"doa-context-ttl-s", "doa.context-ttl-s"},
    {"doa-m1-rate", "doa.m1-rate"},
    {"doa-m1-burst", "doa.m1-burst"},
    {"doa-id-m1-max", "doa.id-m1-max"},
    {"doa-id-window-ms", "doa.id-window-ms"},
    {"nrf", "nrf.url"},
    {"nrf.ca", "nrf.ca"}, /* as the ADM's: --nrf.ca FILE etc. */
    {"nrf.cert", "nrf.cert"},
    {"nrf.key", "nrf.key"},
    {"nrf.heartbeat-s", "nrf.heartbeat-s"},
    {"adm-oauth2", "adm.oauth2=true"},
    {"nf-instance-id", "nf-instance-id"},
    {"nf-instance-id-file", "nf-instance-id-file"},
};

/* The DO-A keys (doa.c): 0, or -1 with err. */
static int doa_settings(cfg *c, aiotf_cfg *ac, char *err, size_t cap)
{
	unsigned long long v[7];
	if (cfg_get_uint(c, "doa.exchange-timeout-ms", 5000, 1, 600000, &v[0], err, cap) ||
	    cfg_get_uint(c, "doa.max-contexts", 100000, 1, 100000000, &v[1], err, cap) ||
	    cfg_get_uint(c, "doa.context-ttl-s", 3600, 1, 2000000, &v[2], err, cap) ||
	    cfg_get_uint(c, "doa.m1-rate", 10000, 0, 100000000, &v[3], err, cap) ||
	    cfg_get_uint(c, "doa.m1-burst", 0, 0, 1000000000, &v[4], err, cap) ||
	    cfg_get_uint(c, "doa.id-m1-max", 8, 0, 1000000, &v[5], err, cap) ||
	    cfg_get_uint(c, "doa.id-window-ms", 10000, 1, 86400000, &v[6], err, cap))
		return -1;
	ac->doa_exchange_timeout_ms = (int)v[0];
	ac->doa_max_contexts = (int)v[1];
	ac->doa_context_ttl_s = (int)v[2];
	ac->doa_m1_rate = (int)v[3];
	ac->doa_m1_burst = (int)v[4];
	ac->doa_id_m1_max = (int)v[5];
	ac->doa_id_window_ms = (int)v[6];
	return 0;
}

/* An http:// ADM URL is h2c: the TLS client settings (say, of config/aiotf.yaml) do not
 * apply, so `-c aiotf.yaml --adm http://...` works; they are dropped with a notice. */
static void adm_tls_settings(const cfg *c, const char **ca, const char **cert, const char **key)
{
	const char *url = cfg_get(c, "adm.url");
	*ca = cfg_get(c, "adm.ca");
	*cert = cfg_get(c, "adm.cert");
	*key = cfg_get(c, "adm.key");
	if (url == NULL || strncmp(url, "http://", 7) != 0 || (!*ca && !*cert && !*key))
		return;
	log_info("ADM %s is h2c: adm.ca, adm.cert and adm.key ignored", url);
	*ca = *cert = *key = NULL;
}

/* ng.tls-*: a configuration error (exit 2) is refused here. TLS needs TCP: "auto" means TCP
 * then, and SCTP with TLS (which would be DTLS over SCTP, RFC 6083) is refused. */
static int ng_tls_settings(const cfg *c, aiotf_cfg *ac)
{
	const char *req = cfg_get(c, "ng.tls-required");

	ac->ng_tls_cert = cfg_get(c, "ng.tls-cert");
	ac->ng_tls_key = cfg_get(c, "ng.tls-key");
	ac->ng_tls_ca = cfg_get(c, "ng.tls-ca");
	if (req != NULL && strcmp(req, "true") != 0 && strcmp(req, "false") != 0) {
		log_error("ng.tls-required: expected true or false, not '%s'", req);
		return -1;
	}
	ac->ng_tls_required = req != NULL && strcmp(req, "true") == 0;
	if ((ac->ng_tls_cert == NULL) != (ac->ng_tls_key == NULL) ||
	    (ac->ng_tls_ca != NULL && ac->ng_tls_cert == NULL)) {
		log_error("ng.tls-cert and ng.tls-key go together; ng.tls-ca needs them");
		return -1;
	}
	if (ac->ng_tls_required && ac->ng_tls_ca == NULL) {
		log_error("ng.tls-required needs ng.tls-cert, ng.tls-key and ng.tls-ca");
		return -1;
	}
	if (ac->ng_tls_cert == NULL)
		return 0;
	if (strcmp(ac->ng_transport, "sctp") == 0) {
		log_error("ng.transport sctp with ng.tls-*: TLS runs over TCP only (use "
		          "ng.transport tcp, or NDS/IP under SCTP: docs/backhaul.md)");
		return -1;
	}
	ac->ng_transport = "tcp";
	return 0;
}

/* The default notifUri policy allows loopback when the Naiotf SBI listens on loopback
 * only: its AFs are then local processes, which reach loopback without the AIOTF. */
static int listen_is_loopback(const char *listen)
{
	return strncmp(listen, "127.", 4) == 0 || strncmp(listen, "[::1]:", 6) == 0 ||
	       strncmp(listen, "localhost:", 10) == 0;
}

int main(int argc, char **argv)
{
	char err[512];
	char nf_id[37] = {0};
	nrfc *nrf = NULL;
	int rc = SVC_EXIT_USAGE; /* until the configuration is checked */
	unsigned long long conns, adm_to, inv_to, cmd_to, max_tx, rrate, rburst, fclose, grace;
	unsigned long long az_ttl, cache_max, max_d2r, max_adm, adm_queued, ndst, ndst_af, dsubs,
	    dsubs_af, nqb, ndqb;
	unsigned long long ng_links, ng_peer, ng_setup, ng_idle, ng_buf, ng_ack, ng_unacked;
	aiotf *a = NULL;
	sbi_server *srv = NULL;
	aiot_oauth_guard *guard = NULL;

	cfg *c = cfg_new();
	int pa = c ? cfg_from_args(c, argc, argv, "aiot-aiotf", opts, sizeof opts / sizeof opts[0],
	                           NULL, usage_text)
	           : -1;
	if (pa != 0) {
		rc = pa < 0 ? SVC_EXIT_USAGE : SVC_EXIT_OK;
		goto out;
	}
	if (log_init_from_cfg("aiot-aiotf", c) != 0)
		goto out;
	if (svc_no_core_dumps() != 0) { /* docs/security.md: keys and core dumps */
		log_error("cannot disable core dumps: %s", strerror(errno));
		rc = SVC_EXIT_FAIL;
		goto out;
	}
	sbi_wipe_freed_memory();
	if (cfg_get_uint(c, "adm.connections", 4, 1, 64, &conns, err, sizeof err) != 0 ||
	    cfg_get_uint(c, "adm.timeout-ms", 2000, 10, 600000, &adm_to, err, sizeof err) != 0 ||
	    cfg_get_uint(c, "inventory-timeout-ms", 5000, 10, 3600000, &inv_to, err, sizeof err) ||
	    cfg_get_uint(c, "command-timeout-ms", 3000, 10, 600000, &cmd_to, err, sizeof err) ||
	    cfg_get_uint(c, "max-transactions", 1024, 1, 1000000, &max_tx, err, sizeof err) ||
	    cfg_get_uint(c, "af-auth-ttl-ms", 10000, 0, 3600000, &az_ttl, err, sizeof err) ||
	    cfg_get_uint(c, "cache-max", 100000, 1, 100000000, &cache_max, err, sizeof err) ||
	    cfg_get_uint(c, "ng.report-rate", 100000, 0, 100000000, &rrate, err, sizeof err) ||
	    cfg_get_uint(c, "ng.report-burst", 0, 0, 1000000000, &rburst, err, sizeof err) ||
	    cfg_get_uint(c, "ng.max-d2r", 262144, 1, 100000000, &max_d2r, err, sizeof err) ||
	    cfg_get_uint(c, "ng.max-adm", 16384, 1, 10000000, &max_adm, err, sizeof err) ||
	    cfg_get_uint(c, "adm.max-queued", 65536, 1, 10000000, &adm_queued, err, sizeof err) ||
	    cfg_get_uint(c, "ng.flood-close", 5000, 0, 100000000, &fclose, err, sizeof err) ||
	    cfg_get_uint(c, "shutdown-grace", 3, 0, 3600, &grace, err, sizeof err) ||
	    cfg_get_uint(c, "notify.max-destinations", 256, 1, 65536, &ndst, err, sizeof err) ||
	    cfg_get_uint(c, "doa.max-subscriptions", 1024, 1, 1000000, &dsubs, err, sizeof err) ||
	    cfg_get_uint(c, "doa.max-subscriptions-per-af", 64, 1, 1000000, &dsubs_af, err,
	                 sizeof err) ||
	    cfg_get_uint(c, "notify.max-destinations-per-af", 64, 1, 65536, &ndst_af, err,
	                 sizeof err) ||
	    cfg_get_uint(c, "notify.queue-bytes", 32u << 20, 1u << 16, 1ull << 40, &nqb, err,
	                 sizeof err) ||
	    cfg_get_uint(c, "notify.dest-queue-bytes", 4u << 20, 1u << 16, 1ull << 40, &ndqb, err,
	                 sizeof err) ||
	    cfg_get_uint(c, "ng.max-links", 1024, 0, 1000000, &ng_links, err, sizeof err) ||
	    cfg_get_uint(c, "ng.max-links-per-peer", 64, 0, 1000000, &ng_peer, err, sizeof err) ||
	    cfg_get_uint(c, "ng.setup-timeout-ms", 5000, 0, 3600000, &ng_setup, err, sizeof err) ||
	    cfg_get_uint(c, "ng.idle-timeout-ms", 0, 0, 86400000, &ng_idle, err, sizeof err) ||
	    cfg_get_uint(c, "ng.buffer-max", 32u << 20, 0, 1ull << 40, &ng_buf, err, sizeof err) ||
	    cfg_get_uint(c, "ng.ack-timeout-ms", 2000, 0, 3600000, &ng_ack, err, sizeof err) ||
	    cfg_get_uint(c, "ng.unacked-close", 3, 0, 1000000, &ng_unacked, err, sizeof err)) {
		log_error("%s", err);
		goto out;
	}
	const char *ciph = cfg_get(c, "cipher") ? cfg_get(c, "cipher") : "on";
	if (strcmp(ciph, "on") != 0 && strcmp(ciph, "off") != 0) {
		log_error("cipher: '%s' is not on or off", ciph);
		goto out;
	}
	const char *tr = cfg_get(c, "ng.transport") ? cfg_get(c, "ng.transport") : "auto";
	if (strcmp(tr, "auto") != 0 && strcmp(tr, "sctp") != 0 && strcmp(tr, "tcp") != 0) {
		log_error("ng.transport: '%s' is not auto, sctp or tcp", tr);
		goto out;
	}
	if ((cfg_get(c, "tls.cert") == NULL) != (cfg_get(c, "tls.key") == NULL)) {
		log_error("tls.cert and tls.key go together");
		goto out;
	}
	if (cfg_get(c, "tls.ca") != NULL && cfg_get(c, "tls.cert") == NULL) {
		log_error("tls.ca (mutual TLS) needs tls.cert and tls.key");
		goto out;
	}
	if (aiotf_notify_policy_check(cfg_get(c, "notify.schemes"), cfg_get(c, "notify.hosts"),
	                              cfg_get(c, "notify.networks"), err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	/* this AIOTF's NF instance ID, an accepted token aud, when configured (src/nrfc) */
	if ((cfg_get(c, "nf-instance-id") != NULL || cfg_get(c, "nf-instance-id-file") != NULL) &&
	    nrfc_instance_id(c, NULL, nf_id, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	if (aiot_oauth_guard_from_cfg(c, "AIOTF", nf_id[0] ? nf_id : NULL, aiotf_oauth_services,
	                              aiotf_op_scopes, 1, &guard, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	if (cfg_get(c, "adm.url") != NULL &&
	    aiotf_adm_urls_check(cfg_get(c, "adm.url"), err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	rc = SVC_EXIT_FAIL;
	if (aiotf_nrf_prepare(c, nf_id) < 0) /* before adm.url is read: it may find it */
		goto out;
	nrfc_cfg tok_nrf;
	int tokens = aiotf_nrf_adm_tokens(c, &tok_nrf);
	if (tokens < 0)
		goto out;
	const char *listen = cfg_get(c, "listen") ? cfg_get(c, "listen") : "127.0.0.1:7780";
	const char *adm_ca, *adm_cert, *adm_key;
	adm_tls_settings(c, &adm_ca, &adm_cert, &adm_key);
	aiotf_cfg ac = {
	    .name = cfg_get(c, "name") ? cfg_get(c, "name") : "aiotf",
	    .ng_listen = cfg_get(c, "ng.listen") ? cfg_get(c, "ng.listen") : "127.0.0.1:38412",
	    .ng_transport = tr,
	    .adm_url = cfg_get(c, "adm.url"),
	    .adm_tokens_nrf = tokens ? &tok_nrf : NULL,
	    .nf_instance_id = nf_id,
	    .adm_ca = adm_ca,
	    .adm_cert = adm_cert,
	    .adm_key = adm_key,
	    .notif_ca = cfg_get(c, "notif-ca"),
	    .adm_connections = (int)conns,
	    .adm_timeout_ms = (int)adm_to,
	    .inventory_timeout_ms = (int)inv_to,
	    .command_timeout_ms = (int)cmd_to,
	    .cipher = strcmp(ciph, "on") == 0,
	    .max_transactions = (int)max_tx,
	    .af_auth_ttl_ms = (int)az_ttl,
	    .cache_max = (int)cache_max,
	    .report_rate = (int)rrate,
	    .report_burst = (int)rburst,
	    .flood_close = (int)fclose,
	    .paging_max_d2r = (int)max_d2r,
	    .paging_max_adm = (int)max_adm,
	    .adm_max_queued = (int)adm_queued,
	    .notify_schemes = cfg_get(c, "notify.schemes"),
	    .notify_hosts = cfg_get(c, "notify.hosts"),
	    .notify_networks = cfg_get(c, "notify.networks"),
	    .notify_local = listen_is_loopback(listen),
	    .notify_max_dests = (int)ndst,
	    .notify_max_dests_per_af = (int)ndst_af,
	    .doa_max_subs = (int)dsubs,
	    .doa_max_subs_per_af = (int)dsubs_af,
	    .notify_queue_bytes = (size_t)nqb,
	    .notify_dest_queue_bytes = (size_t)ndqb,
	    .ng_max_links = (int)ng_links,
	    .ng_max_links_per_peer = (int)ng_peer,
	    .ng_setup_timeout_ms = (int)ng_setup,
	    .ng_idle_timeout_ms = (int)ng_idle,
	    .ng_buffer_max = (size_t)ng_buf,
	    .ng_ack_timeout_ms = (int)ng_ack,
	    .ng_unacked_close = (int)ng_unacked,
	};
	if (ng_tls_settings(c, &ac) != 0) {
		rc = SVC_EXIT_USAGE;
		goto out;
	}
	if (doa_settings(c, &ac, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}

	/* Signals go to this thread only (svc_wait_stop below); the other threads inherit the
	 * mask. */
	sigset_t set;
	svc_block_signals(&set);

	if ((a = aiotf_new(&ac, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	if (aiotf_start(a) != 0) {
		log_error("cannot start the event loop thread");
		goto out;
	}
	sbi_server_cfg sc = {
	    .listen = listen,
	    .workers = 1, /* the work runs in the AIOTF's own loop thread */
	    .tls_cert = cfg_get(c, "tls.cert"),
	    .tls_key = cfg_get(c, "tls.key"),
	    .tls_ca = cfg_get(c, "tls.ca"),
	    .metrics_listen = cfg_get(c, "metrics"),
	    .max_body = 4u << 20,
	    .max_header = 16384,
	    .max_streams = 128,
	    .handler = aiotf_handle,
	    .app = a,
	    .metrics = aiotf_metrics,
	    .operations = aiotf_operations,
	    .operation = aiotf_operation,
	    .authorize = guard != NULL ? aiot_oauth_authorize : NULL,
	    .auth = guard,
	    .auth_metrics = guard != NULL ? aiot_oauth_metrics : NULL,
	};
	if ((srv = sbi_server_start(&sc, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	svc_log_listen("listening on", sc.listen, sbi_server_port(srv),
	               sc.tls_ca     ? "TLS 1.3, mutual"
	               : sc.tls_cert ? "TLS 1.3"
	                             : "h2c");
	svc_log_listen("ng link on", ac.ng_listen, aiotf_ng_port(a),
	               ac.ng_tls_required ? "tcp, TLS 1.3, reader certificates required"
	               : ac.ng_tls_ca     ? "tcp, TLS 1.3, reader certificates verified"
	               : ac.ng_tls_cert   ? "tcp, TLS 1.3"
	                                  : aiotf_ng_transport(a));
	log_info("ADM %s, %d connections to each, cipher %s", ac.adm_url, ac.adm_connections,
	         ac.cipher ? "on" : "off");
	aiotf_log_notify(a);
	aiot_oauth_log(guard);
	log_info(
	    "NG links: at most %d, %d per address (0: no cap); NG Setup within %d ms; idle "
	    "timeout %d ms; partial frames %zu octets in all; pagings acknowledged within %d ms, "
	    "link closed after %d unacknowledged",
	    ac.ng_max_links, ac.ng_max_links_per_peer, ac.ng_setup_timeout_ms,
	    ac.ng_idle_timeout_ms, ac.ng_buffer_max, ac.ng_ack_timeout_ms, ac.ng_unacked_close);
	if (ac.report_rate > 0)
		log_info(
		    "reader Inventory Reports: %d D2R/s, burst %d, link closed at %d dropped/s",
		    ac.report_rate, ac.report_burst > 0 ? ac.report_burst : 2 * ac.report_rate,
		    ac.flood_close);
	else
		log_info("reader Inventory Reports: no rate limit");
	if (sc.metrics_listen != NULL)
		log_info("metrics on port %d", sbi_server_metrics_port(srv));

	if (aiotf_nrf_register(c, nf_id, sc.tls_cert != NULL, sbi_server_port(srv), &nrf) != 0)
		goto out;

	svc_wait_stop(&set);
	nrfc_stop(nrf); /* deregister while draining: AFs stop choosing this AIOTF */
	nrf = NULL;
	aiotf_drain(a, (int)grace * 1000); /* the SBI server answers 503 meanwhile */
	rc = 0;
out:
	nrfc_stop(nrf);
	sbi_server_stop(srv);
	aiot_oauth_guard_free(guard);
	aiotf_free(a);
	cfg_free(c);
	return rc;
}
