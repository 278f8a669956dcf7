/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-udm: the UDM daemon (Nudm_UEAU generate-auth-data for 5G AKA and AKMA).
 * `aiot-udm -c udm.yaml [flags]`; flags override the file. See README.md "Running the UDM
 * and the AUSF" and config/udm.yaml. Subscribers come from `aiot provision-ue`.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "nf_daemon.h"
#include "udm.h"
#include "udm_sub.h"
#include "crypto/ct.h"
#include "sbi/sbi_wipe.h"
#include "store/store.h"
#include "svc/daemon.h"
#include "svc/log.h"
#include "svc/nodump.h"

static const char usage_text[] =
    "usage: aiot-udm [-c udm.yaml] [options]\n"
    "  -c, --config FILE       YAML configuration (keys below, nested by '.')\n"
    "  --store sqlite:PATH     subscriber store (store)             required\n"
    "  --kek-file FILE         32-byte key-encryption key (kek-file) required\n" NF_DAEMON_USAGE(
        "7781") AIOT_OAUTH_USAGE;

static const cfg_opt opts[] = {
    {"store", "store"},
    {"kek-file", "kek-file"},
    NF_DAEMON_FLAGS,
    AIOT_OAUTH_FLAGS,
};
static const char *const file_keys[] = {NF_DAEMON_FILE_KEYS, NULL};

int main(int argc, char **argv)
{
	char err[512];
	int rc = SVC_EXIT_USAGE;
	uint8_t kek[32];
	aiot_kvs *kvs = NULL;
	aiot_oauth_guard *guard = NULL;
	udm *u = NULL;
	sbi_server *srv = NULL;
	sbi_server_cfg sc;
	cfg *c = cfg_new();
	int pa = c ? cfg_from_args(c, argc, argv, "aiot-udm", opts, sizeof opts / sizeof opts[0],
	                           file_keys, usage_text)
	           : -1;
	if (pa != 0) {
		rc = pa < 0 ? SVC_EXIT_USAGE : SVC_EXIT_OK;
		goto out;
	}
	if (log_init_from_cfg("aiot-udm", c) != 0)
		goto out;
	if (svc_no_core_dumps() != 0) { /* docs/security.md: keys and core dumps */
		log_error("cannot disable core dumps: %s", strerror(errno));
		rc = SVC_EXIT_FAIL;
		goto out;
	}
	sbi_wipe_freed_memory();
	const char *store_uri = cfg_get(c, "store"), *kek_file = cfg_get(c, "kek-file");
	if (store_uri == NULL || kek_file == NULL) {
		log_error("store and kek-file are required (--store sqlite:PATH --kek-file FILE)");
		goto out;
	}
	if (nf_daemon_server_cfg(c, "127.0.0.1:7781", &sc, err, sizeof err) != 0 ||
	    aiot_oauth_guard_from_cfg(c, "UDM", NULL, udm_oauth_services, udm_op_scopes, sc.workers,
	                              &guard, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	rc = SVC_EXIT_FAIL;
	if (aiot_kek_load(kek_file, kek, 0, err, sizeof err) != 0) {
		log_error("%s", err);
		goto out;
	}
	sigset_t set;
	svc_block_signals(&set); /* before the first thread: every thread inherits the mask */
	kvs = aiot_kvs_open(store_uri, UDM_TABLE, kek, 0, err, sizeof err);
	aiot_zeroize(kek, sizeof kek);
	if (kvs == NULL || (u = udm_new(kvs, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	sc.handler = udm_handle;
	sc.app = u;
	sc.metrics = udm_metrics;
	sc.operations = udm_operations;
	sc.operation = udm_operation;
	sc.authorize = guard != NULL ? aiot_oauth_authorize : NULL;
	sc.auth = guard;
	sc.auth_metrics = guard != NULL ? aiot_oauth_metrics : NULL;
	if ((srv = sbi_server_start(&sc, err, sizeof err)) == NULL) {
		log_error("%s", err);
		goto out;
	}
	nf_daemon_log_listen(&sc, srv);
	aiot_oauth_log(guard);
	svc_wait_stop(&set);
	rc = 0;
out:
	sbi_server_stop(srv);
	udm_free(u);
	aiot_kvs_close(kvs);
	aiot_oauth_guard_free(guard);
	cfg_free(c);
	return rc;
}
