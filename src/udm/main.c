/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-udm: the UDM daemon (Nudm_UEAU generate-auth-data for 5G AKA and AKMA).
 * `aiot-udm -c udm.yaml [flags]`; flags override the file. See README.md "Running the UDM
 * and the AUSF" and config/udm.yaml. Subscribers come from `aiot provision-ue`.
 */
#include <signal.h>
#include <stdio.h>

#include "nrfc/nf_usage.h"
#include "udm.h"
#include "udm_sub.h"
#include "crypto/ct.h"
#include "nrfc/nf_main.h"
#include "store/store.h"
#include "svc/daemon.h"
#include "svc/log.h"

// clang-format off
static const char usage_text[] =
    "usage: aiot-udm [-c udm.yaml] [options]\n"
    "  -c, --config FILE       YAML configuration (keys below, nested by '.')\n"
    "  --store sqlite:PATH     subscriber store (store)             required\n"
    "  --kek-file FILE         32-byte key-encryption key (kek-file) required\n"
    NF_USAGE_SBI("7781") NF_USAGE_NRF("UDM")
    "  --nf-instance-id UUID   (nf-instance-id) [kept in PATH.nf-instance-id beside the\n"
    "                          store, or --nf-instance-id-file FILE]\n"
    AIOT_OAUTH_USAGE;
// clang-format on

static const cfg_opt opts[] = {
    NF_MAIN_FLAGS,
    {"store", "store"},
    {"kek-file", "kek-file"},
    AIOT_OAUTH_FLAGS,
};
static const char *const file_keys[] = {NF_MAIN_FILE_KEYS, NULL};

/* The NFProfile's services with --nrf (TS 29.510). */
static const char *const services[] = {"nudm-ueau", NULL};

int main(int argc, char **argv)
{
	char err[512], nf_id[37];
	int rc;
	uint8_t kek[32];
	aiot_kvs *kvs = NULL;
	aiot_oauth_guard *guard = NULL;
	udm *u = NULL;
	sbi_server *srv = NULL;
	nrfc *nrf = NULL;
	sbi_server_cfg sc = {0};
	cfg *c = nf_main_begin(argc, argv, "aiot-udm", opts, sizeof opts / sizeof opts[0],
	                       file_keys, usage_text, &rc);
	if (c == NULL)
		goto out;
	rc = SVC_EXIT_USAGE; /* until the configuration is checked */
	const char *store_uri = cfg_get(c, "store"), *kek_file = cfg_get(c, "kek-file");
	if (store_uri == NULL || kek_file == NULL) {
		log_error("store and kek-file are required (--store sqlite:PATH --kek-file FILE)");
		goto out;
	}
	if (nf_main_instance_id(c, store_uri, nf_id) != 0)
		goto out;
	if (nf_main_sbi_cfg(c, "127.0.0.1:7781", &sc, err, sizeof err) != 0 ||
	    aiot_oauth_guard_from_cfg(c, "UDM", nf_id[0] ? nf_id : NULL, udm_oauth_services,
	                              udm_op_scopes, sc.workers, &guard, err, sizeof err) != 0) {
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
	if ((srv = nf_main_serve(&sc, guard)) == NULL ||
	    nf_main_register_services(c, &sc, sbi_server_port(srv), nf_id, "UDM", services,
	                              guard != NULL, &nrf) != 0)
		goto out;
	svc_wait_stop(&set);
	nrfc_stop(nrf); /* deregister first: AUSFs stop choosing this UDM */
	nrf = NULL;
	rc = 0;
out:
	nrfc_stop(nrf);
	sbi_server_stop(srv);
	udm_free(u);
	aiot_kvs_close(kvs);
	aiot_oauth_guard_free(guard);
	cfg_free(c);
	return rc;
}
