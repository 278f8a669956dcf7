/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-ausf: the AUSF daemon (Nausf_UEAuthentication for 5G AKA; AKMA anchor keys to the
 * AAnF). `aiot-ausf -c ausf.yaml [flags]`; flags override the file. See README.md "Running
 * the UDM and the AUSF" and config/ausf.yaml.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "ausf.h"
#include "nrfc/nf_main.h"
#include "nrfc/nrfc_cfg.h"
#include "svc/daemon.h"
#include "svc/log.h"
#include "nrfc/nf_usage.h"

// clang-format off
static const char usage_text[] =
    "usage: aiot-ausf [-c ausf.yaml] [options]\n"
    "  -c, --config FILE       YAML configuration (keys below, nested by '.')\n"
    "  --udm URL               the UDM, http(s)://HOST:PORT (udm.url) [with --nrf: discovered]\n"
    "  --udm-oauth2            an access token from the NRF on every UDM request\n"
    "                          (udm.oauth2) [true when the discovered UDM requires one]\n"
    "  --aanf URL              the AAnF for AKMA anchor keys (aanf.url) [with --nrf, --mcc\n"
    "                          and --mnc: discovered]\n"
    "  --aanf-oauth2           the same towards the AAnF (aanf.oauth2)\n"
    "  --mcc DIGITS --mnc DIGITS  the home network, for the A-KID (mcc, mnc)\n"
    "  --serving-networks LIST the SNNs the SEAFs may use, ',' separated (serving-networks)\n"
    "                          [any]\n"
    "  --client-ca FILE        CA of the UDM and the AAnF over https (client.ca);\n"
    "                          client.cert, client.key: the AUSF's certificate (mutual TLS)\n"
    "  --api-root URL          apiRoot of Location and _links (api-root) [from listen]\n"
    "  --ctx-ttl-ms N          life of an authentication context, >= 1000 (ctx-ttl-ms) [30000]\n"
    "  --timeout-ms N          per request to the UDM or the AAnF (timeout-ms)  [5000]\n"
    "  --max-contexts N        (max-contexts)                                  [100000]\n"
    NF_USAGE_SBI("7782") NF_USAGE_NRF("AUSF")
    "  --nf-instance-id UUID   ausfInstanceId towards the UDM, NRF registration\n"
    "                          (nf-instance-id) [--nf-instance-id-file FILE, else random]\n"
    AIOT_OAUTH_USAGE;
// clang-format on

static const cfg_opt opts[] = {
    NF_MAIN_FLAGS,
    {"udm", "udm.url"},
    {"udm-oauth2", "udm.oauth2=true"},
    {"aanf", "aanf.url"},
    {"aanf-oauth2", "aanf.oauth2=true"},
    {"mcc", "mcc"},
    {"mnc", "mnc"},
    {"serving-networks", "serving-networks"},
    {"client-ca", "client.ca"},
    {"api-root", "api-root"},
    {"ctx-ttl-ms", "ctx-ttl-ms"},
    {"timeout-ms", "timeout-ms"},
    {"max-contexts", "max-contexts"},
    AIOT_OAUTH_FLAGS,
};
static const char *const file_keys[] = {NF_MAIN_FILE_KEYS, "client.cert", "client.key", NULL};

/* The NFProfile's services with --nrf (TS 29.510). */
static const char *const services[] = {"nausf-auth", NULL};

/* With --nrf: the UDM, and with mcc and mnc (AKMA) the AAnF, found through the NRF when their
 * URLs are not given (TS 29.510 5.3.2.2.2). */
static int discover(cfg *c, const char *id)
{
	if (nf_main_discover(c, "udm", "UDM", "AUSF", id, "nudm-ueau") != 0)
		return -1;
	if (cfg_get(c, "mcc") == NULL || cfg_get(c, "mnc") == NULL)
		return 0;
	return nf_main_discover(c, "aanf", "AANF", "AUSF", id, "naanf-akma");
}

/* udm.oauth2, aanf.oauth2: the tokens' NRF into *nc. 0 or -1 (logged). */
static int tokens(const cfg *c, ausf_cfg *ac, nrfc_cfg *nc)
{
	ac->udm_oauth2 = nf_main_peer_tokens(c, "udm", nc);
	ac->aanf_oauth2 = nf_main_peer_tokens(c, "aanf", nc);
	ac->nrf = ac->udm_oauth2 > 0 || ac->aanf_oauth2 > 0 ? nc : NULL;
	return ac->udm_oauth2 < 0 || ac->aanf_oauth2 < 0 ? -1 : 0;
}

static int ausf_cfg_from(const cfg *c, ausf_cfg *ac, const char *id, char *err, size_t errlen)
{
	unsigned long long v[3];
	if (cfg_get_uint(c, "ctx-ttl-ms", 30000, 1000, 3600000, &v[0], err, errlen) ||
	    cfg_get_uint(c, "timeout-ms", 5000, 50, 600000, &v[1], err, errlen) ||
	    cfg_get_uint(c, "max-contexts", 100000, 1, 10000000, &v[2], err, errlen))
		return -1;
	*ac = (ausf_cfg){.udm_url = cfg_get(c, "udm.url"),
	                 .aanf_url = cfg_get(c, "aanf.url"),
	                 .client_ca = cfg_get(c, "client.ca"),
	                 .client_cert = cfg_get(c, "client.cert"),
	                 .client_key = cfg_get(c, "client.key"),
	                 .instance_id = id,
	                 .mcc = cfg_get(c, "mcc"),
	                 .mnc = cfg_get(c, "mnc"),
	                 .serving_networks = cfg_get(c, "serving-networks"),
	                 .ctx_ttl_ms = (unsigned)v[0],
	                 .timeout_ms = (unsigned)v[1],
	                 .max_contexts = (size_t)v[2]};
	return 0;
}

/* api-root, or http(s)://<the listen host>:<the bound port>. */
static int api_root(const cfg *c, const sbi_server_cfg *sc, int port, char *out, size_t cap)
{
	char host[256];
	if (cfg_get(c, "api-root") != NULL)
		return snprintf(out, cap, "%s", cfg_get(c, "api-root")) < (int)cap ? 0 : -1;
	if (nrfc_listen_host(sc->listen, host, sizeof host) != 0)
		return -1;
	int v6 = strchr(host, ':') != NULL;
	int n = snprintf(out, cap, "%s://%s%s%s:%d", sc->tls_cert ? "https" : "http", v6 ? "[" : "",
	                 host, v6 ? "]" : "", port);
	return n > 0 && (size_t)n < cap ? 0 : -1;
}

int main(int argc, char **argv)
{
	char err[512], id[37], root[300];
	int rc;
	aiot_oauth_guard *guard = NULL;
	ausf *a = NULL;
	sbi_server *srv = NULL;
	nrfc *nrf = NULL;
	sbi_server_cfg sc = {0};
	ausf_cfg ac;
	nrfc_cfg nc;
	cfg *c = nf_main_begin(argc, argv, "aiot-ausf", opts, sizeof opts / sizeof opts[0],
	                       file_keys, usage_text, &rc);
	if (c == NULL)
		goto out;
	rc = SVC_EXIT_USAGE; /* until the configuration is checked */
	if (nf_main_instance_id_any(c, id) != 0 || discover(c, id) != 0)
		goto out;
	if (nf_main_sbi_cfg(c, "127.0.0.1:7782", &sc, err, sizeof err) != 0 ||
	    ausf_cfg_from(c, &ac, id, err, sizeof err) != 0 ||
	    aiot_oauth_guard_from_cfg(c, "AUSF", id, ausf_oauth_services, ausf_op_scopes,
	                              sc.workers, &guard, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	if (tokens(c, &ac, &nc) != 0)
		goto out;
	rc = SVC_EXIT_FAIL;
	sigset_t set;
	svc_block_signals(&set); /* before the first thread: every thread inherits the mask */
	if ((a = ausf_new(&ac, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	sc.handler = ausf_handle;
	sc.app = a;
	sc.metrics = ausf_metrics;
	sc.operations = ausf_operations;
	sc.operation = ausf_operation;
	/* Requests handed over before ausf_start() wait for the loop (ausf.h). */
	if ((srv = nf_main_serve(&sc, guard)) == NULL)
		goto out;
	if (api_root(c, &sc, sbi_server_port(srv), root, sizeof root) != 0 ||
	    ausf_start(a, root) != 0) {
		log_error("cannot start (api-root)");
		goto out;
	}
	log_info("UDM %s, AAnF %s, ausfInstanceId %s", ac.udm_url,
	         ac.aanf_url ? ac.aanf_url : "none", id);
	if (nf_main_register_services(c, &sc, sbi_server_port(srv), id, "AUSF", services,
	                              guard != NULL, &nrf) != 0)
		goto out;
	svc_wait_stop(&set);
	nrfc_stop(nrf); /* deregister first: SEAFs stop choosing this AUSF */
	nrf = NULL;
	rc = 0;
out:
	nrfc_stop(nrf);
	ausf_stop(a); /* answers what is pending while the server can still send it */
	sbi_server_stop(srv);
	ausf_free(a);
	aiot_oauth_guard_free(guard);
	cfg_free(c);
	return rc;
}
