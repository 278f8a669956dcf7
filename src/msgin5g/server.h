/* SPDX-License-Identifier: Apache-2.0 */
/*
 * aiot-msgin5g, the MSGin5G server as AKMA AF (TS 33.501 Y.2, TS 33.535 6.3): TLS 1.3 with
 * the external PSK K_AF (identity "3GPP-AKMA" || A-KID) fetched from the AAnF, then
 * MSGin5G-1 (TS 24.538) as CoAP over TLS (RFC 8323). One event loop thread.
 */
#ifndef AIOT_MSGIN5G_SERVER_H
#define AIOT_MSGIN5G_SERVER_H
#include <stddef.h>

struct event_base;
typedef struct m5_server m5_server;

typedef struct m5_server_cfg {
	const char *listen;   /* ADDR:PORT */
	const char *aanf_url; /* http(s)://HOST:PORT of the AAnF */
	const char *aanf_ca;
	struct nrfc_tokens *aanf_tokens; /* access tokens for the AAnF (nrfc_token.h), or NULL */
	const char *af_fqdn;             /* this AF's FQDN: the afId of retrieve-applicationkey */
	const char *bindings;            /* JSON file {"<UE service ID>": "imsi-..."} */
	/* The optional SEAL KM (non-normative; identity "SEAL-KM" || key id): https URL, its CA
	 * and this server's client certificate and key; seal_km_url NULL: none. */
	const char *seal_km_url, *seal_km_ca, *seal_km_cert, *seal_km_key;
	size_t max_connections, max_message_size, max_queued_per_ue, max_queued, max_keys;
	size_t max_fetches;
	unsigned handshake_timeout_ms, idle_timeout_ms, aanf_timeout_ms;
} m5_server_cfg;

m5_server *m5_server_start(struct event_base *base, const m5_server_cfg *cfg, char *err,
                           size_t errlen);
int m5_server_port(const m5_server *s);
size_t m5_server_bindings(const m5_server *s);
/* Prometheus text (sbi_metrics_format), malloc'd: the sbi_metrics_http render callback. */
char *m5_server_metrics(void *s);
void m5_server_free(m5_server *s);

#endif
