/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The usage lines of the settings src/nrfc/nf_main.h reads (SBI server, NRF registration),
 * as aiot-udm, aiot-ausf and aiot-msgin5g print them; port: the NF's default SBI port.
 */
#ifndef AIOT_NF_USAGE_H
#define AIOT_NF_USAGE_H

// clang-format off
#define NF_USAGE_SBI(port)                                                                  \
	"  --listen ADDR:PORT      SBI address (listen)                 [127.0.0.1:" port "]\n" \
	"  --tls-cert FILE         server certificate: TLS 1.3 (tls.cert)\n"                    \
	"  --tls-key FILE          its private key (tls.key)\n"                                 \
	"  --tls-ca FILE           CA for client certificates: mutual TLS (tls.ca)\n"           \
	"  --workers N             SBI worker threads (workers)           [number of CPUs]\n"   \
	"  --metrics ADDR:PORT     Prometheus /metrics over HTTP/1.1 (metrics)\n"               \
	"  --log-level LEVEL       error|warn|info|debug (log-level)      [info]\n"             \
	"  --limits.KEY N          max-body max-streams max-pending max-connections\n"          \
	"                          idle-timeout-ms body-timeout-ms max-conn-memory max-memory\n" \
	"                          handshake-timeout-ms (as config/adm.yaml)\n"
#define NF_USAGE_NRF(type)                                                                  \
	"  --nrf URL               register with this NRF as nfType " type " (nrf.url); also\n" \
	"                          nrf.ca, nrf.cert, nrf.key, nrf.heartbeat-s\n"
// clang-format on

#endif
