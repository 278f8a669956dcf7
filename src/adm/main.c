/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-adm: the ADM daemon. `aiot-adm -c adm.yaml [flags]`; flags override the file.
 * See README.md "Running the ADM" and config/adm.yaml.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "adm.h"
#include "crypto/ct.h"
#include "nrfc/nf_main.h"
#include "p11/p11.h"
#include "sbi/sbi_json.h"
#include "svc/config.h"
#include "svc/daemon.h"
#include "svc/log.h"

static const char usage_text[] =
    "usage: aiot-adm [-c adm.yaml] [options]\n"
    "  -c, --config FILE       YAML configuration (keys below, nested by '.')\n"
    "  --listen ADDR:PORT      SBI address (listen)                 [127.0.0.1:7777]\n"
    "  --store URI             device store (store)                 required\n"
    "                          sqlite:PATH or redis-cluster://HOST:PORT[,HOST:PORT...]\n"
    "  --kek-file FILE         32-byte key-encryption key (kek-file) required\n"
    "  --tls-cert FILE         server certificate: TLS 1.3 (tls.cert)\n"
    "  --tls-key FILE          its private key (tls.key)\n"
    "  --tls-ca FILE           CA for client certificates: mutual TLS (tls.ca)\n"
    "  --workers N             SBI worker threads (workers)           [number of CPUs]\n"
    "  --metrics ADDR:PORT     Prometheus /metrics over HTTP/1.1 (metrics)\n"
    "  --af-auth FILE          AfAuthorizationData JSON (af-authorization-data)\n"
    "  --pkcs11-module PATH    keys in a PKCS#11 token: its module (pkcs11.module)\n"
    "  --pkcs11-token LABEL    the token's label (pkcs11.token)\n"
    "  --pkcs11-pin-file FILE  the user PIN, mode 0600 (pkcs11.pin-file); "
    "docs/pkcs11.md\n" AIOT_OAUTH_USAGE
    "  --log-level LEVEL       error|warn|info|debug (log-level)      [info]\n"
    "  --nrf URL               register with this NRF (nrf.url); also nrf.ca, nrf.cert,\n"
    "                          nrf.key, nrf.heartbeat-s\n"
    "  --nf-instance-id UUID   (nf-instance-id) [kept in PATH.nf-instance-id beside the\n"
    "                          store, or --nf-instance-id-file FILE]\n"
    "  --limits.KEY N          the limits of config/adm.yaml, by their key: --limits.max-body\n"
    "                          --limits.max-streams --limits.max-rand-d --limits.max-candidates\n"
    "                          --limits.max-xres --limits.max-bundle --limits.max-pending\n"
    "                          --limits.max-connections --limits.idle-timeout-ms\n"
    "                          --limits.body-timeout-ms --limits.max-conn-memory\n"
    "                          --limits.max-memory --limits.handshake-timeout-ms\n";

static const cfg_opt opts[] = {
    NF_MAIN_FLAGS,
    {"store", "store"},
    {"kek-file", "kek-file"},
    {"af-auth", "af-authorization-data"},
    {"pkcs11-module", "pkcs11.module"},
    {"pkcs11-token", "pkcs11.token"},
    {"pkcs11-pin-file", "pkcs11.pin-file"},
    AIOT_OAUTH_FLAGS,
};
/* Keys whose flag is their own name: --limits.max-body N. */
static const char *const file_keys[] = {
    NF_MAIN_FILE_KEYS, "limits.max-rand-d", "limits.max-candidates",
    "limits.max-xres", "limits.max-bundle", NULL,
};

static char *read_file(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long n;
	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1 << 24) ||
	    fseek(f, 0, SEEK_SET) != 0 || (buf = malloc((size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		snprintf(err, errlen, "%s: cannot read", path);
		free(buf);
		buf = NULL;
	} else {
		buf[n] = '\0';
	}
	if (f != NULL)
		fclose(f);
	return buf;
}

/* TS 29.510 6.1.6.2.2 AdmInfo: the AFs the ADM holds authorization data of (afIdList). */
static char *adm_info(const char *af_auth)
{
	sbi_err e = {0};
	cJSON *j = af_auth ? sbi_json_parse((const uint8_t *)af_auth, strlen(af_auth), &e) : NULL;
	cJSON *info = cJSON_CreateObject(), *ids = NULL, *af;
	cJSON_ArrayForEach(af, cJSON_GetObjectItemCaseSensitive(j, "afAuthData"))
	{
		if (ids == NULL && (ids = cJSON_AddArrayToObject(info, "afIdList")) == NULL)
			break;
		cJSON_AddItemToArray(ids, cJSON_CreateString(af->string));
	}
	char *txt = info ? cJSON_PrintUnformatted(info) : NULL;
	cJSON_Delete(info);
	cJSON_Delete(j);
	return txt;
}

/* With nrf.url: register (nfType ADM, Nadm_Sec and Nadm_DM) and heartbeat (src/nrfc). */
static int nrf_register(const cfg *c, const char *id, const char *af_auth, const sbi_server_cfg *sc,
                        int port, int oauth2, nrfc **out)
{
	static const char *const services[] = {"nadm-sec", "nadm-dm", NULL};
	char *info = adm_info(af_auth);
	nrfc_nf nf = {.nf_instance_id = id,
	              .nf_type = "ADM",
	              .services = services,
	              .info_name = info ? "admInfo" : NULL,
	              .info_json = info,
	              .oauth2_required = oauth2}; /* consumers then bring tokens */
	int rc = nf_main_register(c, sc, port, &nf, out);
	free(info);
	return rc;
}

int main(int argc, char **argv)
{
	char err[512];
	int rc;
	unsigned long long v[4];
	aiot_store *store = NULL;
	adm *a = NULL;
	sbi_server *srv = NULL;
	char *af_auth = NULL;
	aiot_oauth_guard *guard = NULL;
	char nf_id[37];
	uint8_t kek[32];
	nrfc *nrf = NULL;
	aiot_p11 *tok = NULL;
	sbi_server_cfg sc = {0};

	cfg *c = nf_main_begin(argc, argv, "aiot-adm", opts, sizeof opts / sizeof opts[0],
	                       file_keys, usage_text, &rc);
	if (c == NULL)
		goto out;
	rc = SVC_EXIT_USAGE; /* until the configuration is checked */
	if (nf_main_sbi_cfg(c, "127.0.0.1:7777", &sc, err, sizeof err) != 0 ||
	    cfg_get_uint(c, "limits.max-rand-d", 1024, 1, 1 << 20, &v[0], err, sizeof err) ||
	    cfg_get_uint(c, "limits.max-candidates", 4096, 1, 1 << 24, &v[1], err, sizeof err) ||
	    cfg_get_uint(c, "limits.max-xres", 65536, 1, 1 << 26, &v[2], err, sizeof err) ||
	    cfg_get_uint(c, "limits.max-bundle", 256, 1, 65536, &v[3], err, sizeof err)) {
		log_error("%s", err);
		goto out;
	}
	const char *store_uri = cfg_get(c, "store"), *kek_file = cfg_get(c, "kek-file");
	if (store_uri == NULL || kek_file == NULL) {
		log_error("store and kek-file are required (--store URI --kek-file FILE)");
		goto out;
	}
	aiot_p11_cfg p11 = {cfg_get(c, "pkcs11.module"), cfg_get(c, "pkcs11.token"),
	                    cfg_get(c, "pkcs11.pin-file")};
	int with_p11 = (p11.module != NULL) + (p11.token != NULL) + (p11.pin_file != NULL);
	if (with_p11 != 0 && with_p11 != 3) {
		log_error("keys in a PKCS#11 token need all of --pkcs11-module, --pkcs11-token and "
		          "--pkcs11-pin-file (pkcs11.module, pkcs11.token, pkcs11.pin-file)");
		goto out;
	}
	if (nf_main_instance_id(c, store_uri, nf_id) != 0)
		goto out;
	if (aiot_oauth_guard_from_cfg(c, "ADM", nf_id[0] ? nf_id : NULL, adm_oauth_services,
	                              adm_op_scopes, sc.workers, &guard, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	rc = SVC_EXIT_FAIL;
	if (aiot_kek_load(kek_file, kek, 0, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	/* Signals go to this thread only (svc_wait_stop below): blocked before the first thread
	 * (the store's writer, the workers) exists, so that every thread inherits the mask. */
	sigset_t set;
	svc_block_signals(&set);
	/* The token (module, label, PIN: configuration, exit 2) before a long store load, and
	 * after the signal mask: a module may start threads of its own. */
	if (with_p11 && (tok = aiot_p11_open(&p11, err, sizeof err)) == NULL) {
		aiot_zeroize(kek, sizeof kek);
		log_error("%s", err);
		rc = SVC_EXIT_USAGE;
		goto out;
	}
	store = aiot_store_open(store_uri, kek, 0, err, sizeof err);
	aiot_zeroize(kek, sizeof kek);
	if (store == NULL) {
		log_error("%s", err);
		goto out;
	}
	if (cfg_get(c, "af-authorization-data") != NULL &&
	    (af_auth = read_file(cfg_get(c, "af-authorization-data"), err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	adm_limits lim = {
	    .max_rand_d = v[0], .max_candidates = v[1], .max_xres = v[2], .max_bundle = v[3]};
	if ((a = adm_new(store, sc.workers, &lim, af_auth, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	/* Keys in the token or in the store, as the store's records say (exit 2 if not). */
	if (with_p11 ? adm_use_pkcs11(a, tok, p11.token, err, sizeof err) != 0
	             : adm_check_plain_keys(a, err, sizeof err) != 0) {
		log_error("%s", err);
		rc = SVC_EXIT_USAGE;
		goto out;
	}

	sc.handler = adm_handle;
	sc.app = a;
	sc.metrics = adm_metrics;
	sc.operations = adm_operations;
	sc.operation = adm_operation;
	log_info("%zu devices, %d workers", aiot_store_count(store), sc.workers);
	if ((srv = nf_main_serve(&sc, guard)) == NULL)
		goto out;
	if (nrf_register(c, nf_id, af_auth, &sc, sbi_server_port(srv), guard != NULL, &nrf) != 0)
		goto out;
	svc_wait_stop(&set);
	nrfc_stop(nrf); /* deregister first: consumers stop choosing this ADM */
	nrf = NULL;
	rc = 0;
out:
	nrfc_stop(nrf);
	sbi_server_stop(srv);
	aiot_oauth_guard_free(guard);
	adm_free(a); /* its token sessions first */
	aiot_p11_close(tok);
	aiot_store_close(store);
	free(af_auth);
	cfg_free(c);
	return rc;
}
