/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The MSGin5G client (TS 24.538) as an AKMA UE application: TLS 1.3 with the external PSK
 * K_AF for the identity "3GPP-AKMA" || A-KID (TLS_AES_128_GCM_SHA256, psk_dhe_ke, no
 * certificate, no tickets: the server's profile, tls_psk.c), then CoAP over TLS (RFC 8323:
 * CSM first, Ping/Pong) with the JSON messages of msg.h. Blocking, every call bounded by the
 * timeout; one thread per client. The process must ignore SIGPIPE (OpenSSL writes to the
 * socket with write(2): a server that closes would otherwise kill it). Used by the tests
 * (tests/tools/msgin5g_ue.c) and `aiot ue`.
 *
 *   m5_client_cfg cfg = {.server = "127.0.0.1:5684", .akid = akid, .kaf = kaf};
 *   m5_client *c = m5_client_connect(&cfg, err, sizeof err);  // handshake + CSM
 *   msgin5g_msg r;
 *   m5_client_register(c, "ue-a@example.org", &r);            // COAP_CREATED: registered
 *   msgin5g_msg m = {.type = MSGIN5G_MSG, .delivery_report = 1};  // + ids, payload
 *   m5_client_send(c, &m, &r);    // COAP_CHANGED, r.cause "FORWARDED" or "STORED"
 *   m5_client_recv(c, 2000, &m);  // a MSG for us, or an IMDN for what we sent
 *   m5_client_close(c);
 */
#ifndef AIOT_MSGIN5G_CLIENT_H
#define AIOT_MSGIN5G_CLIENT_H
#include <stddef.h>
#include <stdint.h>

#include "msg.h"

typedef struct m5_client m5_client;

typedef struct m5_client_cfg {
	const char *server; /* ADDR:PORT of aiot-msgin5g */
	const char *akid;   /* A-KID text (TS 33.535 6.1): the identity is "3GPP-AKMA" || akid */
	const uint8_t *kaf; /* K_AF, 32 octets (copied; wiped on close) */
	/* NULL: AKMA. MSGIN5G_SEAL_PREFIX: the identity is "SEAL-KM" || akid, akid the SEAL
	 * KM's key id and kaf its PSK (optional, non-normative). */
	const char *prefix;
	int timeout_ms;            /* each call; default 5000 */
	unsigned max_message_size; /* our CSM's Max-Message-Size, 1152..16368; default 16368 */
	int tls_only; /* stop after the TLS handshake: no CoAP at all (a plain TLS peer such as
	               * openssl s_server); then only m5_client_close() is valid */
} m5_client_cfg;

/* TCP connect, TLS handshake, CSM exchange. NULL with err (a refused handshake says so). */
m5_client *m5_client_connect(const m5_client_cfg *cfg, char *err, size_t errlen);
void m5_client_close(m5_client *c); /* sends a Release (RFC 8323 5.5) unless tls_only */

/* The requests: the CoAP response code (COAP_CREATED, COAP_CHANGED, COAP_FORBIDDEN, ...,
 * coap/coap_tcp.h) with the MSGRESP it carried in *resp (may be NULL), or -1 on a transport
 * failure or timeout. */
int m5_client_register(m5_client *c, const char *ue_service_id, msgin5g_msg *resp);
int m5_client_deregister(m5_client *c, const char *ue_service_id, msgin5g_msg *resp);
int m5_client_send(m5_client *c, const msgin5g_msg *msg, msgin5g_msg *resp);

/* The next message the server pushed (MSG or IMDN), acknowledged with 2.04 as it arrived
 * (that acknowledgment is the delivery the server reports). 1 with *out, 0 when none came
 * within timeout_ms, -1 on a failure. */
int m5_client_recv(m5_client *c, int timeout_ms, msgin5g_msg *out);
/* RFC 8323 5.4: 0 when the Pong came back in time, -1 otherwise. */
int m5_client_ping(m5_client *c);

#endif
