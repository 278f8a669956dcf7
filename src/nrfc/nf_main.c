/* SPDX-License-Identifier: Apache-2.0 */
/* The NF daemons' shared start-up (nf_main.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "nrfc/nf_main.h"
#include "nrfc/nrfc_cfg.h"
#include "sbi/sbi_wipe.h"
#include "svc/daemon.h"
#include "svc/log.h"
#include "svc/nf_id.h"
#include "svc/nodump.h"

cfg *nf_main_begin(int argc, char **argv, const char *prog, const cfg_opt *opts, size_t nopts,
                   const char *const *file_keys, const char *usage, int *status)
{
	cfg *c = cfg_new();
	int pa = c ? cfg_from_args(c, argc, argv, prog, opts, nopts, file_keys, usage) : -1;
	*status = SVC_EXIT_USAGE;
	if (pa != 0) {
		*status = pa < 0 ? SVC_EXIT_USAGE : SVC_EXIT_OK;
		goto fail;
	}
	if (log_init_from_cfg(prog, c) != 0)
		goto fail;
	if (svc_no_core_dumps() != 0) { /* docs/security.md: keys and core dumps */
		log_error("cannot disable core dumps: %s", strerror(errno));
		*status = SVC_EXIT_FAIL;
		goto fail;
	}
	sbi_wipe_freed_memory();
	return c;
fail:
	cfg_free(c);
	return NULL;
}

int nf_main_sbi_cfg(const cfg *c, const char *def_listen, sbi_server_cfg *sc, char *err,
                    size_t errlen)
{
	unsigned long long w, v[9];
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (cfg_get_uint(c, "workers", ncpu > 0 ? (unsigned long long)ncpu : 1, 1, 256, &w, err,
	                 errlen) ||
	    cfg_get_uint(c, "limits.max-body", 1 << 20, 1024, 1ull << 30, &v[0], err, errlen) ||
	    cfg_get_uint(c, "limits.max-streams", 128, 1, 65536, &v[1], err, errlen) ||
	    cfg_get_uint(c, "limits.max-pending", 4096, 1, 1 << 24, &v[2], err, errlen) ||
	    cfg_get_uint(c, "limits.max-connections", 1024, 1, 1 << 20, &v[3], err, errlen) ||
	    cfg_get_uint(c, "limits.idle-timeout-ms", 60000, 100, 86400000, &v[4], err, errlen) ||
	    cfg_get_uint(c, "limits.body-timeout-ms", 10000, 100, 3600000, &v[5], err, errlen) ||
	    cfg_get_uint(c, "limits.max-conn-memory", 16 << 20, 65536, 1ull << 32, &v[6], err,
	                 errlen) ||
	    cfg_get_uint(c, "limits.max-memory", 256 << 20, 65536, 1ull << 40, &v[7], err,
	                 errlen) ||
	    cfg_get_uint(c, "limits.handshake-timeout-ms", 10000, 100, 600000, &v[8], err, errlen))
		return -1;
	sc->listen = cfg_get(c, "listen") ? cfg_get(c, "listen") : def_listen;
	sc->workers = (int)w;
	sc->tls_cert = cfg_get(c, "tls.cert");
	sc->tls_key = cfg_get(c, "tls.key");
	sc->tls_ca = cfg_get(c, "tls.ca");
	sc->metrics_listen = cfg_get(c, "metrics");
	sc->max_body = v[0];
	sc->max_header = 16384;
	sc->max_streams = (uint32_t)v[1];
	sc->max_pending = (uint32_t)v[2];
	sc->max_connections = (uint32_t)v[3];
	sc->idle_timeout_ms = (uint32_t)v[4];
	sc->body_timeout_ms = (uint32_t)v[5];
	sc->max_conn_memory = (size_t)v[6];
	sc->max_memory = (size_t)v[7];
	sc->handshake_timeout_ms = (uint32_t)v[8];
	if ((sc->tls_cert == NULL) != (sc->tls_key == NULL)) {
		snprintf(err, errlen, "tls.cert and tls.key go together");
		return -1;
	}
	if (sc->tls_ca != NULL && sc->tls_cert == NULL) {
		snprintf(err, errlen, "tls.ca (mutual TLS) needs tls.cert and tls.key");
		return -1;
	}
	return 0;
}

sbi_server *nf_main_serve(sbi_server_cfg *sc, aiot_oauth_guard *guard)
{
	char err[512];
	sc->authorize = guard != NULL ? aiot_oauth_authorize : NULL;
	sc->auth = guard;
	sc->auth_metrics = guard != NULL ? aiot_oauth_metrics : NULL;
	sbi_server *srv = sbi_server_start(sc, err, sizeof err);
	if (srv == NULL) {
		log_error("%s", err);
		return NULL;
	}
	svc_log_listen("listening on", sc->listen, sbi_server_port(srv),
	               sc->tls_ca     ? "TLS 1.3, mutual"
	               : sc->tls_cert ? "TLS 1.3"
	                              : "h2c");
	aiot_oauth_log(guard);
	if (sc->metrics_listen != NULL)
		log_info("metrics on port %d", sbi_server_metrics_port(srv));
	return srv;
}

int nf_main_instance_id(const cfg *c, const char *store_uri, char id[37])
{
	char err[512], idfile[4200];
	id[0] = '\0';
	if (cfg_get(c, "nf-instance-id") == NULL && cfg_get(c, "nf-instance-id-file") == NULL &&
	    cfg_get(c, "nrf.url") == NULL)
		return 0;
	snprintf(idfile, sizeof idfile, "%s.nf-instance-id",
	         store_uri + strcspn(store_uri, ":") + 1);
	if (nrfc_instance_id(c, idfile, id, err, sizeof err) != 0) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

int nf_main_instance_id_any(const cfg *c, char id[37])
{
	char err[512];
	if (cfg_get(c, "nf-instance-id") == NULL && cfg_get(c, "nf-instance-id-file") == NULL) {
		if (aiot_uuid_random(id) == 0)
			return 0;
		log_error("no randomness available");
		return -1;
	}
	if (nrfc_instance_id(c, NULL, id, err, sizeof err) != 0) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

int nf_main_register(const cfg *c, const sbi_server_cfg *sc, int port, nrfc_nf *nf, nrfc **out)
{
	char err[512], host[256];
	nrfc_cfg nc;
	int on = nrfc_cfg_from(c, &nc, err, sizeof err);
	*out = NULL;
	if (on <= 0) {
		if (on < 0)
			log_error("%s", err);
		return on;
	}
	if (nrfc_listen_host(sc->listen, host, sizeof host) != 0) {
		log_error("listen: no host for the NFProfile");
		return -1;
	}
	nf->host = host;
	nf->port = port;
	nf->tls = sc->tls_cert != NULL;
	*out = nrfc_start(&nc, nf, err, sizeof err); /* copies nf */
	nf->host = NULL;
	if (*out == NULL) {
		log_error("%s", err);
		return -1;
	}
	log_info("nfInstanceId %s, registering with the NRF %s", nf->nf_instance_id, nc.url);
	return 0;
}

int nf_main_register_services(const cfg *c, const sbi_server_cfg *sc, int port, const char *id,
                              const char *nf_type, const char *const *services, int oauth2,
                              nrfc **out)
{
	nrfc_nf nf = {.nf_instance_id = id,
	              .nf_type = nf_type,
	              .services = services,
	              .oauth2_required = oauth2};
	return nf_main_register(c, sc, port, &nf, out);
}

#define DISCOVERY_WAIT_MS 10000 /* a producer started with its consumer may register later */

int nf_main_discover(cfg *c, const char *key, const char *target_type, const char *requester_type,
                     const char *requester_id, const char *service)
{
	return nf_main_discover_all(c, key, target_type, requester_type, requester_id, service, 1);
}

int nf_main_discover_all(cfg *c, const char *key, const char *target_type,
                         const char *requester_type, const char *requester_id, const char *service,
                         int max)
{
	char err[512], url[4096], k_url[64], k_oauth[64];
	nrfc_cfg nc;
	int oauth2 = 0, on = nrfc_cfg_from(c, &nc, err, sizeof err);
	snprintf(k_url, sizeof k_url, "%s.url", key);
	snprintf(k_oauth, sizeof k_oauth, "%s.oauth2", key);
	if (on < 0) {
		log_error("%s", err);
		return -1;
	}
	if (on == 0 || cfg_get(c, k_url) != NULL)
		return 0;
	if (nrfc_discover(&nc, target_type, requester_type, requester_id, service,
	                  DISCOVERY_WAIT_MS, max, url, sizeof url, &oauth2, err, sizeof err) != 0) {
		log_error("no %s: %s", target_type, err);
		return -1;
	}
	log_info("%s %s found through the NRF%s", target_type, url,
	         oauth2 ? ", OAuth 2.0 required" : "");
	/* TS 29.510 6.1.6.2.3 NFService.oauth2Required: the producer wants tokens */
	if (oauth2 && cfg_get(c, k_oauth) == NULL && cfg_set(c, k_oauth, "true") != 0)
		return -1;
	return cfg_set(c, k_url, url);
}

int nf_main_peer_tokens(const cfg *c, const char *key, nrfc_cfg *nc)
{
	char err[512], k_oauth[64];
	snprintf(k_oauth, sizeof k_oauth, "%s.oauth2", key);
	const char *v = cfg_get(c, k_oauth);
	if (v == NULL || strcmp(v, "false") == 0)
		return 0;
	if (strcmp(v, "true") != 0) {
		log_error("%s: expected true or false, not '%s'", k_oauth, v);
		return -1;
	}
	if (nrfc_cfg_from(c, nc, err, sizeof err) <= 0) {
		log_error("%s needs an NRF (nrf.url) to get the tokens from", k_oauth);
		return -1;
	}
	return 1;
}
