/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-sealkm: the SEAL key-management server (sealkm.h; non-normative, solution #5).
 * `aiot-sealkm --listen ADDR:PORT --tls-cert F --tls-key F --tls-ca F --store sqlite:PATH
 * --kek-file FILE [-c sealkm.yaml]`; flags override the file. See README.md "SEAL key
 * management (optional, non-normative)".
 */
#include <signal.h>
#include <stdio.h>

#include "crypto/ct.h"
#include "nrfc/nf_main.h"
#include "sealkm.h"
#include "store/store.h"
#include "svc/daemon.h"
#include "svc/log.h"

#define DEF_LISTEN "127.0.0.1:7795"

static const char usage_text[] =
    "usage: aiot-sealkm [-c sealkm.yaml] [options]\n"
    "  -c, --config FILE       YAML configuration (keys below, nested by '.')\n"
    "  --listen ADDR:PORT      HTTPS address (listen)                 [" DEF_LISTEN "]\n"
    "  --tls-cert FILE         server certificate: TLS 1.3 (tls.cert)   required\n"
    "  --tls-key FILE          its private key (tls.key)                required\n"
    "  --tls-ca FILE           CA of the client certificates (tls.ca)   required\n"
    "  --store sqlite:PATH     key store, created if missing (store)    required\n"
    "  --kek-file FILE         32-byte key-encryption key, created (mode 0600) if missing\n"
    "                          (kek-file)                             required\n"
    "  --psk-lifetime-s N      a PSK's lifetime, and the most a client may ask\n"
    "                          (psk-lifetime-s)                       [86400]\n"
    "  --retrievers LIST       client identities (URI SAN or CN, comma-separated) that may\n"
    "                          retrieve any key: the MSGin5G servers (retrievers)  [none]\n"
    "  --workers N             worker threads (workers)               [number of CPUs]\n"
    "  --metrics ADDR:PORT     Prometheus /metrics over HTTP/1.1 (metrics)\n"
    "  --log-level LEVEL       error|warn|info|debug (log-level)      [info]\n";

static const cfg_opt opts[] = {
    {"listen", "listen"},         {"tls-cert", "tls.cert"},
    {"tls-key", "tls.key"},       {"tls-ca", "tls.ca"},
    {"workers", "workers"},       {"metrics", "metrics"},
    {"log-level", "log-level"},   {"store", "store"},
    {"kek-file", "kek-file"},     {"psk-lifetime-s", "psk-lifetime-s"},
    {"retrievers", "retrievers"},
};
static const char *const file_keys[] = {NF_MAIN_FILE_KEYS, NULL};

/* The KM's own settings into kc (kek aside). 0 or -1 (logged). */
static int settings(const cfg *c, const sbi_server_cfg *sc, sealkm_cfg *kc, const char **kek)
{
	char err[256];
	kc->store_uri = cfg_get(c, "store");
	*kek = cfg_get(c, "kek-file");
	kc->retrievers = cfg_get(c, "retrievers");
	if (kc->store_uri == NULL || *kek == NULL) {
		log_error("store and kek-file are required (--store sqlite:PATH --kek-file FILE)");
		return -1;
	}
	if (sc->tls_ca == NULL) { /* TS 33.434 5.3: the KM client is authenticated */
		log_error("mutual TLS is required (--tls-cert, --tls-key, --tls-ca)");
		return -1;
	}
	if (cfg_get_uint(c, "psk-lifetime-s", 86400, 1, 31536000, &kc->max_lifetime_s, err,
	                 sizeof err) != 0) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char err[512];
	int rc;
	uint8_t kek[32];
	const char *kek_file;
	sealkm *k = NULL;
	sbi_server *srv = NULL;
	sbi_server_cfg sc = {0};
	sealkm_cfg kc = {0};

	cfg *c = nf_main_begin(argc, argv, "aiot-sealkm", opts, sizeof opts / sizeof opts[0],
	                       file_keys, usage_text, &rc);
	if (c == NULL)
		goto out;
	rc = SVC_EXIT_USAGE; /* until the configuration is checked */
	if (nf_main_sbi_cfg(c, DEF_LISTEN, &sc, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	if (settings(c, &sc, &kc, &kek_file) != 0)
		goto out;
	rc = SVC_EXIT_FAIL;
	if (aiot_kek_load(kek_file, kek, 1, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	sigset_t set; /* blocked before the first thread exists: every thread inherits it */
	svc_block_signals(&set);
	kc.kek = kek;
	k = sealkm_new(&kc, err, sizeof err);
	aiot_zeroize(kek, sizeof kek);
	if (k == NULL) {
		log_error("%s", err);
		goto out;
	}
	sc.handler = sealkm_handle;
	sc.app = k;
	sc.metrics = sealkm_metrics;
	if ((srv = nf_main_serve(&sc, NULL)) == NULL)
		goto out;
	svc_wait_stop(&set);
	rc = 0;
out:
	sbi_server_stop(srv);
	sealkm_free(k);
	cfg_free(c);
	return rc;
}
