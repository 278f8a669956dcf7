/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-aanf: the AAnF daemon. `aiot-aanf -c aanf.yaml [flags]`; flags override the file.
 * See README.md "Running the AAnF" and config/aanf.yaml.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aanf.h"
#include "common/hex.h"
#include "crypto/aka5g.h"
#include "crypto/ct.h"
#include "nrfc/nf_main.h"
#include "store/store.h"
#include "svc/daemon.h"
#include "svc/log.h"

#define DEF_LISTEN "127.0.0.1:7790"

static const char usage_text[] =
    "usage: aiot-aanf [-c aanf.yaml] [options]\n"
    "  -c, --config FILE       YAML configuration (keys below, nested by '.')\n"
    "  --listen ADDR:PORT      SBI address (listen)                 [" DEF_LISTEN "]\n"
    "  --store sqlite:PATH     AKMA context store, created if missing (store)  required\n"
    "  --kek-file FILE         32-byte key-encryption key, created (mode 0600) if missing\n"
    "                          (kek-file)                           required\n"
    "  --ua-protocol-id HEX    Ua* security protocol id of K_AF's AF_ID, 5 octets\n"
    "                          (ua-protocol-id)  [0100000007: TLS 1.3 PSK, TS 33.220 H.3]\n"
    "  --kaf-lifetime-s N      K_AF lifetime: AkmaAfKeyData.expiry (kaf-lifetime-s)  [3600]\n"
    "  --supi-allowed-afs LIST AF ids (FQDNs, comma-separated) given the SUPI with K_AF\n"
    "                          (supi-allowed-afs)                   [none]\n"
    "  --tls-cert FILE         server certificate: TLS 1.3 (tls.cert)\n"
    "  --tls-key FILE          its private key (tls.key)\n"
    "  --tls-ca FILE           CA for client certificates: mutual TLS (tls.ca)\n"
    "  --workers N             SBI worker threads (workers)           [number of CPUs]\n"
    "  --metrics ADDR:PORT     Prometheus /metrics over HTTP/1.1 (metrics)\n" AIOT_OAUTH_USAGE
    "  --log-level LEVEL       error|warn|info|debug (log-level)      [info]\n"
    "  --nrf URL               register with this NRF as nfType AANF (nrf.url); also nrf.ca,\n"
    "                          nrf.cert, nrf.key, nrf.heartbeat-s\n"
    "  --nf-instance-id UUID   (nf-instance-id) [kept in PATH.nf-instance-id beside the\n"
    "                          store, or --nf-instance-id-file FILE]\n"
    "  --limits.KEY N          the SBI limits of config/aanf.yaml, by their key: "
    "--limits.max-body\n"
    "                          --limits.max-streams --limits.max-pending --limits.max-connections\n"
    "                          --limits.idle-timeout-ms --limits.body-timeout-ms\n"
    "                          --limits.max-conn-memory --limits.max-memory\n"
    "                          --limits.handshake-timeout-ms\n";

static const cfg_opt opts[] = {
    NF_MAIN_FLAGS,
    {"store", "store"},
    {"kek-file", "kek-file"},
    {"ua-protocol-id", "ua-protocol-id"},
    {"kaf-lifetime-s", "kaf-lifetime-s"},
    {"supi-allowed-afs", "supi-allowed-afs"},
    AIOT_OAUTH_FLAGS,
};
static const char *const file_keys[] = {NF_MAIN_FILE_KEYS, NULL};

/* The AAnF's own keys into ac (store, kek-file checked by the caller). 0 or -1 (logged). */
static int aanf_settings(const cfg *c, aanf_cfg *ac)
{
	static const uint8_t tls13_psk[AANF_UA_ID_LEN] = AIOT_UA_TLS13_PSK;
	char err[256];
	const char *ua = cfg_get(c, "ua-protocol-id");
	memcpy(ac->ua_id, tls13_psk, sizeof ac->ua_id);
	if (ua != NULL &&
	    (strlen(ua) != 2 * AANF_UA_ID_LEN ||
	     aiot_hex_decode(ua, strlen(ua), ac->ua_id, AANF_UA_ID_LEN) != AANF_UA_ID_LEN)) {
		log_error("ua-protocol-id: expected 10 hex digits (5 octets, TS 33.220 H.3)");
		return -1;
	}
	if (cfg_get_uint(c, "kaf-lifetime-s", 3600, 1, 31536000, &ac->kaf_lifetime_s, err,
	                 sizeof err) != 0) {
		log_error("%s", err);
		return -1;
	}
	ac->supi_afs = cfg_get(c, "supi-allowed-afs");
	return 0;
}

static int nrf_register(const cfg *c, const char *id, const sbi_server_cfg *sc, int port,
                        int oauth2, nrfc **out)
{
	static const char *const services[] = {"naanf-akma", NULL};
	nrfc_nf nf = {.nf_instance_id = id,
	              .nf_type = "AANF", /* TS 29.510 NFType */
	              .services = services,
	              .oauth2_required = oauth2};
	return nf_main_register(c, sc, port, &nf, out);
}

int main(int argc, char **argv)
{
	char err[512], nf_id[37];
	int rc;
	uint8_t kek[32];
	aanf *a = NULL;
	sbi_server *srv = NULL;
	aiot_oauth_guard *guard = NULL;
	nrfc *nrf = NULL;
	sbi_server_cfg sc = {0};
	aanf_cfg ac = {0};

	cfg *c = nf_main_begin(argc, argv, "aiot-aanf", opts, sizeof opts / sizeof opts[0],
	                       file_keys, usage_text, &rc);
	if (c == NULL)
		goto out;
	rc = SVC_EXIT_USAGE; /* until the configuration is checked */
	if (nf_main_sbi_cfg(c, DEF_LISTEN, &sc, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	ac.store_uri = cfg_get(c, "store");
	const char *kek_file = cfg_get(c, "kek-file");
	if (ac.store_uri == NULL || kek_file == NULL) {
		log_error("store and kek-file are required (--store sqlite:PATH --kek-file FILE)");
		goto out;
	}
	if (aanf_settings(c, &ac) != 0 || nf_main_instance_id(c, ac.store_uri, nf_id) != 0)
		goto out;
	if (aiot_oauth_guard_from_cfg(c, "AANF", nf_id[0] ? nf_id : NULL, aanf_oauth_services,
	                              aanf_op_scopes, sc.workers, &guard, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	rc = SVC_EXIT_FAIL;
	if (aiot_kek_load(kek_file, kek, 1, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	sigset_t set; /* blocked before the first thread exists: every thread inherits it */
	svc_block_signals(&set);
	ac.kek = kek;
	a = aanf_new(&ac, err, sizeof err);
	aiot_zeroize(kek, sizeof kek);
	if (a == NULL) {
		log_error("%s", err);
		goto out;
	}
	sc.handler = aanf_handle;
	sc.app = a;
	sc.metrics = aanf_metrics;
	sc.operations = aanf_operations;
	sc.operation = aanf_operation;
	log_info("%zu AKMA contexts, %d workers", aanf_contexts(a), sc.workers);
	if ((srv = nf_main_serve(&sc, guard)) == NULL)
		goto out;
	if (nrf_register(c, nf_id, &sc, sbi_server_port(srv), guard != NULL, &nrf) != 0)
		goto out;
	svc_wait_stop(&set);
	nrfc_stop(nrf); /* deregister first: AFs stop choosing this AAnF */
	nrf = NULL;
	rc = 0;
out:
	nrfc_stop(nrf);
	sbi_server_stop(srv);
	aiot_oauth_guard_free(guard);
	aanf_free(a);
	cfg_free(c);
	return rc;
}
