/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-nrf: the NRF daemon. `aiot-nrf --listen ADDR:PORT --signing-key FILE.pem [-c nrf.yaml]
 * [flags]`; flags override the file. See README.md "Running the NRF" and config/nrf.yaml.
 */
#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nrf.h"
#include "nrfc/nrfc_cfg.h"
#include "oauth/jws.h"
#include "svc/config.h"
#include "svc/daemon.h"
#include "svc/log.h"
#include "svc/nodump.h"

static const char usage_text[] =
    "usage: aiot-nrf --signing-key FILE.pem [-c nrf.yaml] [options]\n"
    "  -c, --config FILE        YAML configuration (keys below, nested by '.')\n"
    "  --listen ADDR:PORT       SBI address (listen)                  [127.0.0.1:8000]\n"
    "  --signing-key FILE.pem   P-256 key of the access tokens, created (0600) if absent;\n"
    "                           its public half is written to FILE.pub.pem (the producers'\n"
    "                           --nrf-public-key) (signing-key) required\n"
    "  --token-lifetime-s N     expires_in of an access token (token.lifetime-s)  [3600]\n"
    "  token.policy.NFTYPE      (file) scopes the requester NF type may get, e.g.\n"
    "                           token.policy.AIOTF: nadm-sec nadm-dm; a type not listed:\n"
    "                           refused. No token.policy key at all: AIOTF: nadm-sec\n"
    "                           nadm-dm, AMF: nausf-auth, AUSF: nudm-ueau naanf-akma,\n"
    "                           AF: naiotf-aiot naanf-akma (as config/nrf.yaml)\n"
    "  --store sqlite:PATH      the registry (store)       [sqlite:DIR/nrf.db, DIR: the key's]\n"
    "  --nf-instance-id UUID    the NRF's NF instance ID (nf-instance-id) [kept in\n"
    "                           PATH.nf-instance-id beside the store, or\n"
    "                           --nf-instance-id-file FILE]\n"
    "  --heartbeat-s N          heartBeatTimer given to NFs (heartbeat-s)       [60]\n"
    "  --heartbeat-grace-ms MS  lateness before SUSPENDED (heartbeat-grace-ms) [5000]\n"
    "  --validity-s N           SearchResult validityPeriod (validity-s)        [60]\n"
    "  --max-instances N        NF instances registered at most (max-instances) [4096]\n"
    "  --tls-cert FILE          server certificate: TLS 1.3 (tls.cert)\n"
    "  --tls-key FILE           its private key (tls.key)\n"
    "  --tls-ca FILE            CA for client certificates: mutual TLS (tls.ca)\n"
    "  --workers N              SBI worker threads (workers)                      [2]\n"
    "  --metrics ADDR:PORT      Prometheus /metrics over HTTP/1.1 (metrics)\n"
    "  --log-level LEVEL        error|warn|info|debug (log-level)               [info]\n"
    "  --limits.max-body N --limits.max-connections N   as config/adm.yaml\n";

static const cfg_opt opts[] = {
    {"listen", "listen"},
    {"signing-key", "signing-key"},
    {"store", "store"},
    {"nf-instance-id", "nf-instance-id"},
    {"heartbeat-s", "heartbeat-s"},
    {"heartbeat-grace-ms", "heartbeat-grace-ms"},
    {"validity-s", "validity-s"},
    {"token-lifetime-s", "token.lifetime-s"},
    {"max-instances", "max-instances"},
    {"tls-cert", "tls.cert"},
    {"tls-key", "tls.key"},
    {"tls-ca", "tls.ca"},
    {"workers", "workers"},
    {"metrics", "metrics"},
    {"log-level", "log-level"},
};
static const char *const base_keys[] = {"limits.max-body", "limits.max-connections",
                                        "nf-instance-id-file", NULL};
/* base_keys and token.policy.TYPE for every NF type (nrf_token_nf_types). */
static char policy_key_buf[128][32];
static const char *file_keys[128];

static void make_file_keys(void)
{
	size_t n = 0;
	for (size_t i = 0; base_keys[i] != NULL; i++)
		file_keys[n++] = base_keys[i];
	for (size_t i = 0; nrf_token_nf_types[i] != NULL && n + 1 < 128; i++, n++) {
		snprintf(policy_key_buf[n], sizeof policy_key_buf[n], "token.policy.%s",
		         nrf_token_nf_types[i]);
		file_keys[n] = policy_key_buf[n];
	}
	file_keys[n] = NULL;
}

/* token.policy.TYPE keys into p; with none at all, the policy config/nrf.yaml ships (the
 * consumers of this tree: the AIOTF of the ADM's services, the AF of the AIOTF's). 0, or -1
 * with err. */
static int load_policy(const cfg *c, nrf_token_policy *p, char *err, size_t errlen)
{
	for (size_t i = 0; nrf_token_nf_types[i] != NULL; i++) {
		char key[64];
		snprintf(key, sizeof key, "token.policy.%s", nrf_token_nf_types[i]);
		const char *v = cfg_get(c, key);
		if (v != NULL && nrf_token_policy_add(p, nrf_token_nf_types[i], v) != 0) {
			snprintf(err, errlen,
			         "%s: '%s' is not a list of scopes (or too many rules)", key, v);
			return -1;
		}
	}
	/* the consumers of this tree: AIOTF -> ADM; AMF (SEAF) -> AUSF, AUSF -> UDM, AAnF
	 * (TS 33.501 6.1.3.2, TS 33.535 6.1); the AFs: AIoT AF -> AIOTF, AKMA AF (aiot-msgin5g) ->
	 * AAnF */
	if (p->n == 0 && (nrf_token_policy_add(p, "AIOTF", "nadm-sec nadm-dm") != 0 ||
	                  nrf_token_policy_add(p, "AMF", "nausf-auth") != 0 ||
	                  nrf_token_policy_add(p, "AUSF", "nudm-ueau naanf-akma") != 0 ||
	                  nrf_token_policy_add(p, "AF", "naiotf-aiot naanf-akma") != 0)) {
		snprintf(err, errlen, "the default token policy");
		return -1;
	}
	return 0;
}

/* FILE.pub.pem beside FILE.pem (FILE.pem.pub.pem for another name). */
static void pub_path(const char *key_path, char *out, size_t cap)
{
	size_t n = strlen(key_path);
	if (n > 4 && strcmp(key_path + n - 4, ".pem") == 0)
		n -= 4;
	snprintf(out, cap, "%.*s.pub.pem", (int)n, key_path);
}

/* store: the configured one, or sqlite:DIR/nrf.db beside the signing key. */
static const char *store_uri(const cfg *c, const char *key_path, char *buf, size_t cap)
{
	if (cfg_get(c, "store") != NULL)
		return cfg_get(c, "store");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s", key_path);
	snprintf(buf, cap, "sqlite:%s/nrf.db", dirname(dir));
	return buf;
}

int main(int argc, char **argv)
{
	char err[512], sbuf[4200], id[37];
	int rc = SVC_EXIT_USAGE, created = 0;
	unsigned long long workers, hb, grace, validity, maxi, max_body, max_conn, lifetime;
	nrf_store *store = NULL;
	nrf *n = NULL;
	sbi_server *srv = NULL;
	EVP_PKEY *key = NULL;

	make_file_keys();
	cfg *c = cfg_new();
	int pa = c ? cfg_from_args(c, argc, argv, "aiot-nrf", opts, sizeof opts / sizeof opts[0],
	                           file_keys, usage_text)
	           : -1;
	if (pa != 0) {
		rc = pa < 0 ? SVC_EXIT_USAGE : SVC_EXIT_OK;
		goto out;
	}
	if (log_init_from_cfg("aiot-nrf", c) != 0)
		goto out;
	if (cfg_get_uint(c, "workers", 2, 1, 256, &workers, err, sizeof err) ||
	    cfg_get_uint(c, "heartbeat-s", 60, 1, 86400, &hb, err, sizeof err) ||
	    cfg_get_uint(c, "heartbeat-grace-ms", 5000, 0, 3600000, &grace, err, sizeof err) ||
	    cfg_get_uint(c, "validity-s", 60, 1, 86400, &validity, err, sizeof err) ||
	    cfg_get_uint(c, "token.lifetime-s", 3600, 1, 86400, &lifetime, err, sizeof err) ||
	    cfg_get_uint(c, "max-instances", 4096, 1, 1 << 20, &maxi, err, sizeof err) ||
	    cfg_get_uint(c, "limits.max-body", 65536, 1024, 1 << 24, &max_body, err, sizeof err) ||
	    cfg_get_uint(c, "limits.max-connections", 1024, 1, 1 << 20, &max_conn, err,
	                 sizeof err)) {
		log_error("%s", err);
		goto out;
	}
	const char *key_path = cfg_get(c, "signing-key");
	if (key_path == NULL) {
		log_error("signing-key is required (--signing-key FILE.pem)");
		goto out;
	}
	if ((cfg_get(c, "tls.cert") == NULL) != (cfg_get(c, "tls.key") == NULL) ||
	    (cfg_get(c, "tls.ca") != NULL && cfg_get(c, "tls.cert") == NULL)) {
		log_error("tls.cert and tls.key go together; tls.ca needs them");
		goto out;
	}
	const char *uri = store_uri(c, key_path, sbuf, sizeof sbuf);
	if (strncmp(uri, "sqlite:", 7) != 0) {
		log_error("store: '%s' is not sqlite:PATH", uri);
		goto out;
	}
	rc = SVC_EXIT_FAIL;
	if (svc_no_core_dumps() != 0) { /* the signing key: docs/security.md */
		log_error("cannot disable core dumps: %s", strerror(errno));
		goto out;
	}
	char pub[4200], kid[AIOT_JWS_KID_LEN + 1];
	created = access(key_path, F_OK) != 0;
	pub_path(key_path, pub, sizeof pub);
	if ((key = aiot_jws_key_load_or_create(key_path, err, sizeof err)) == NULL ||
	    aiot_jws_pubkey_save(key, pub, err, sizeof err) != 0 || aiot_jws_kid(key, kid) != 0) {
		log_error("%s", err);
		goto out;
	}
	log_info("signing key %s %s, kid %s; public key %s", key_path,
	         created ? "created (P-256, mode 0600)" : "loaded", kid, pub);
	char idfile[4200]; /* the NRF's own NF instance ID, the iss of its tokens */
	snprintf(idfile, sizeof idfile, "%s.nf-instance-id", uri + strlen("sqlite:"));
	if (nrfc_instance_id(c, idfile, id, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	sigset_t set;
	svc_block_signals(&set);
	if ((store = nrf_store_open(uri, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	nrf_cfg ncfg = {
	    .registry = {.heartbeat_s = (uint32_t)hb,
	                 .grace_ms = (uint32_t)grace,
	                 .max_instances = (size_t)maxi},
	    .validity_s = (uint32_t)validity,
	    .nf_instance_id = id,
	    .signing_key = key,
	    .token_lifetime_s = (uint32_t)lifetime,
	};
	if (load_policy(c, &ncfg.token_policy, err, sizeof err) != 0) {
		log_error("%s", err);
		rc = SVC_EXIT_USAGE;
		goto out;
	}
	if ((n = nrf_new(store, &ncfg, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	sbi_server_cfg sc = {
	    .listen = cfg_get(c, "listen") ? cfg_get(c, "listen") : "127.0.0.1:8000",
	    .workers = (int)workers,
	    .tls_cert = cfg_get(c, "tls.cert"),
	    .tls_key = cfg_get(c, "tls.key"),
	    .tls_ca = cfg_get(c, "tls.ca"),
	    .metrics_listen = cfg_get(c, "metrics"),
	    .max_body = max_body,
	    .max_connections = (uint32_t)max_conn,
	    .handler = nrf_handle,
	    .app = n,
	    .metrics = nrf_metrics,
	    .operations = nrf_operations,
	    .operation = nrf_operation,
	};
	if ((srv = sbi_server_start(&sc, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	svc_log_listen("listening on", sc.listen, sbi_server_port(srv),
	               sc.tls_ca     ? "TLS 1.3, mutual"
	               : sc.tls_cert ? "TLS 1.3"
	                             : "h2c");
	log_info("nfInstanceId %s, %zu NF instances, heartBeatTimer %llu s", id,
	         nrf_registry_count(nrf_get_registry(n), 0, NULL), hb);
	if (sc.metrics_listen != NULL)
		log_info("metrics on port %d", sbi_server_metrics_port(srv));
	svc_wait_stop(&set);
	rc = 0;
out:
	sbi_server_stop(srv);
	nrf_free(n);
	nrf_store_close(store);
	EVP_PKEY_free(key);
	cfg_free(c);
	return rc;
}
