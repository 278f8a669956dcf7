/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What aiot-udm and aiot-ausf share as daemons (the ADM's shape): the configuration keys of
 * the SBI server (listen, workers, tls.*, metrics, limits.*) read into a sbi_server_cfg, and
 * the log line of the listening server. The flags and the usage text of those keys are
 * NF_DAEMON_FLAGS / NF_DAEMON_FILE_KEYS / NF_DAEMON_USAGE.
 */
#ifndef AIOT_NF_DAEMON_H
#define AIOT_NF_DAEMON_H
#include <stddef.h>

#include "sbi/sbi_server.h"
#include "svc/config.h"

// clang-format off
#define NF_DAEMON_FLAGS                                                                     \
	{"listen", "listen"}, {"tls-cert", "tls.cert"}, {"tls-key", "tls.key"},             \
	{"tls-ca", "tls.ca"}, {"workers", "workers"}, {"metrics", "metrics"},               \
	{"log-level", "log-level"}
#define NF_DAEMON_FILE_KEYS                                                                 \
	"limits.max-body", "limits.max-streams", "limits.max-pending",                      \
	"limits.max-connections", "limits.idle-timeout-ms", "limits.body-timeout-ms"
#define NF_DAEMON_USAGE(port)                                                               \
	"  --listen ADDR:PORT      SBI address (listen)                 [127.0.0.1:" port "]\n" \
	"  --tls-cert FILE         server certificate: TLS 1.3 (tls.cert)\n"                    \
	"  --tls-key FILE          its private key (tls.key)\n"                                 \
	"  --tls-ca FILE           CA for client certificates: mutual TLS (tls.ca)\n"           \
	"  --workers N             SBI worker threads (workers)                      [1]\n"     \
	"  --metrics ADDR:PORT     Prometheus /metrics over HTTP/1.1 (metrics)\n"               \
	"  --log-level LEVEL       error|warn|info|debug (log-level)      [info]\n"             \
	"  --limits.KEY N          max-body max-streams max-pending max-connections\n"          \
	"                          idle-timeout-ms body-timeout-ms (as config/adm.yaml)\n"
// clang-format on

/* The server keys of c into *sc (handler and app left to the caller); listen defaults to
 * def_listen. 0, or -1 with err. */
int nf_daemon_server_cfg(const cfg *c, const char *def_listen, sbi_server_cfg *sc, char *err,
                         size_t errlen);
/* "listening on ADDR:PORT (h2c|TLS 1.3|TLS 1.3, mutual)" and the metrics port. */
void nf_daemon_log_listen(const sbi_server_cfg *sc, sbi_server *srv);

#endif
