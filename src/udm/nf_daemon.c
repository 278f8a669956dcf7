/* SPDX-License-Identifier: Apache-2.0 */
/* The SBI server keys of the UDM and the AUSF (nf_daemon.h). */
#include <stdio.h>
#include <string.h>

#include "nf_daemon.h"
#include "svc/daemon.h"
#include "svc/log.h"

int nf_daemon_server_cfg(const cfg *c, const char *def_listen, sbi_server_cfg *sc, char *err,
                         size_t errlen)
{
	unsigned long long w, v[6];
	if (cfg_get_uint(c, "workers", 1, 1, 256, &w, err, errlen) ||
	    cfg_get_uint(c, "limits.max-body", 65536, 1024, 1 << 24, &v[0], err, errlen) ||
	    cfg_get_uint(c, "limits.max-streams", 128, 1, 65536, &v[1], err, errlen) ||
	    cfg_get_uint(c, "limits.max-pending", 4096, 1, 1 << 24, &v[2], err, errlen) ||
	    cfg_get_uint(c, "limits.max-connections", 1024, 1, 1 << 20, &v[3], err, errlen) ||
	    cfg_get_uint(c, "limits.idle-timeout-ms", 60000, 100, 86400000, &v[4], err, errlen) ||
	    cfg_get_uint(c, "limits.body-timeout-ms", 10000, 100, 3600000, &v[5], err, errlen))
		return -1;
	*sc = (sbi_server_cfg){
	    .listen = cfg_get(c, "listen") ? cfg_get(c, "listen") : def_listen,
	    .workers = (int)w,
	    .tls_cert = cfg_get(c, "tls.cert"),
	    .tls_key = cfg_get(c, "tls.key"),
	    .tls_ca = cfg_get(c, "tls.ca"),
	    .metrics_listen = cfg_get(c, "metrics"),
	    .max_body = v[0],
	    .max_header = 16384,
	    .max_streams = (uint32_t)v[1],
	    .max_pending = (uint32_t)v[2],
	    .max_connections = (uint32_t)v[3],
	    .idle_timeout_ms = (uint32_t)v[4],
	    .body_timeout_ms = (uint32_t)v[5],
	};
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

void nf_daemon_log_listen(const sbi_server_cfg *sc, sbi_server *srv)
{
	svc_log_listen("listening on", sc->listen, sbi_server_port(srv),
	               sc->tls_ca     ? "TLS 1.3, mutual"
	               : sc->tls_cert ? "TLS 1.3"
	                              : "h2c");
	if (sc->metrics_listen != NULL)
		log_info("metrics on port %d", sbi_server_metrics_port(srv));
}
