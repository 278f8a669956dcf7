/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `aiot ue msg|listen|handshake` (ue.h): after 5G AKA and AKMA, the UE as an MSGin5G client
 * (src/msgin5g/client.h): TLS 1.3 with K_AF for "3GPP-AKMA" || A-KID, then MSGin5G-1
 * (TS 24.538) REG, MSG with a delivery report asked, and the messages the server pushes.
 */
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "cli.h"
#include "coap/coap_tcp.h"
#include "common/hex.h"
#include "crypto/ct.h"
#include "msgin5g/client.h"
#include "ue.h"

#define UE_WAIT_MS_DEFAULT 10000

/* --pause: what a TLS server needs to know, then a line from standard input. */
static void ue_pause(const ue_args *a, const aiot_ue_akma *k, const uint8_t kaf[32])
{
	char hex[65], line[16];
	printf("akid %s\n", k->akid);
	if (a->show_keys) {
		aiot_hex_encode(kaf, 32, hex);
		printf("kaf %s\n", hex);
		aiot_zeroize(hex, sizeof hex);
	}
	printf("paused: press Enter to connect to %s\n", a->server);
	fflush(stdout);
	if (fgets(line, sizeof line, stdin) == NULL)
		cli_fail(CLI_EXIT_FAIL, "ue: standard input closed while paused");
}

/* AKA, AKMA, K_AF, then the connection (handshake, and the CSM unless tls_only). */
static m5_client *ue_connect(ue_args *a, int tls_only)
{
	aiot_ue_akma k;
	uint8_t kaf[32];
	char err[300];
	if (a->server == NULL)
		cli_fail(CLI_EXIT_USAGE, "ue %s: --server HOST:PORT is required", a->mode);
	ue_akma_kaf(a, &k, kaf);
	if (a->pause)
		ue_pause(a, &k, kaf);
	m5_client_cfg cfg = {.server = a->server,
	                     .akid = k.akid,
	                     .kaf = kaf,
	                     .timeout_ms = a->net.timeout_ms,
	                     .tls_only = tls_only};
	m5_client *c = m5_client_connect(&cfg, err, sizeof err);
	if (!a->pause)
		printf("akid %s\n", k.akid);
	aiot_ue_akma_clear(&k);
	aiot_zeroize(kaf, sizeof kaf);
	if (c == NULL)
		cli_fail(CLI_EXIT_FAIL, "ue: %s: %s", a->server, err);
	return c;
}

/* REG of --service-id (TS 24.538): exits 1 when the server refuses it. */
static void ue_register(ue_args *a, m5_client *c)
{
	msgin5g_msg r = {0};
	int code = m5_client_register(c, a->service_id, &r);
	if (code != COAP_CREATED || !r.success) {
		m5_client_close(c);
		if (code < 0)
			cli_fail(CLI_EXIT_FAIL, "ue: REG %s: no answer", a->service_id);
		cli_fail(CLI_EXIT_FAIL, "ue: REG %s refused: %d.%02d %s", a->service_id, code >> 5,
		         code & 31, r.cause);
	}
	printf("registered %s\n", a->service_id);
	fflush(stdout);
}

static void ue_message_id(char *id, size_t cap)
{
	uint8_t r[8];
	char hex[17];
	if (getrandom(r, sizeof r, 0) != (ssize_t)sizeof r)
		cli_fail(CLI_EXIT_FAIL, "ue: getrandom failed");
	aiot_hex_encode(r, sizeof r, hex);
	snprintf(id, cap, "%s", hex);
}

/* Wait for the IMDN of message_id; the other pushed messages are printed as listen does. */
static int ue_wait_report(ue_args *a, m5_client *c, const char *message_id)
{
	msgin5g_msg m;
	int got;
	while ((got = m5_client_recv(c, a->wait_ms, &m)) == 1) {
		if (m.type == MSGIN5G_IMDN && strcmp(m.message_id, message_id) == 0) {
			printf("delivered %s\n", message_id);
			return 0;
		}
		if (m.type == MSGIN5G_MSG)
			printf("msg %s %s %s\n", m.message_id, m.from, m.payload);
	}
	fprintf(stderr, "aiot: ue: no delivery report for %s within %d ms\n", message_id,
	        a->wait_ms);
	return CLI_EXIT_FAIL;
}

int ue_msg(ue_args *a)
{
	msgin5g_msg m = {.type = MSGIN5G_MSG, .delivery_report = 1}, r = {0};
	if (a->service_id == NULL || a->to == NULL || a->text == NULL)
		cli_fail(CLI_EXIT_USAGE, "ue msg: --service-id, --to and --text are required");
	if (strlen(a->service_id) > MSGIN5G_ID_MAX || strlen(a->to) > MSGIN5G_ID_MAX ||
	    strlen(a->text) > MSGIN5G_PAYLOAD_MAX)
		cli_fail(CLI_EXIT_USAGE, "ue msg: IDs up to %d octets, --text up to %d",
		         MSGIN5G_ID_MAX, MSGIN5G_PAYLOAD_MAX);
	if (a->wait_ms == 0)
		a->wait_ms = UE_WAIT_MS_DEFAULT;
	snprintf(m.from, sizeof m.from, "%s", a->service_id);
	snprintf(m.to, sizeof m.to, "%s", a->to);
	snprintf(m.payload, sizeof m.payload, "%s", a->text);
	ue_message_id(m.message_id, sizeof m.message_id);
	m5_client *c = ue_connect(a, 0);
	ue_register(a, c);
	int code = m5_client_send(c, &m, &r), rc;
	if (code != COAP_CHANGED || !r.success) {
		fprintf(stderr, "aiot: ue: MSG refused: %d.%02d %s\n", code < 0 ? 0 : code >> 5,
		        code < 0 ? 0 : code & 31, code < 0 ? "no answer" : r.cause);
		rc = CLI_EXIT_FAIL;
	} else {
		printf("sent %s %s\n", m.message_id, r.cause);
		fflush(stdout);
		rc = ue_wait_report(a, c, m.message_id);
	}
	m5_client_close(c);
	return rc;
}

int ue_listen(ue_args *a)
{
	msgin5g_msg m;
	int n = 0, got = 0;
	if (a->service_id == NULL)
		cli_fail(CLI_EXIT_USAGE, "ue listen: --service-id is required");
	if (a->wait_ms == 0)
		a->wait_ms = UE_WAIT_MS_DEFAULT;
	m5_client *c = ue_connect(a, 0);
	ue_register(a, c);
	while ((a->count == 0 || n < a->count) && (got = m5_client_recv(c, a->wait_ms, &m)) == 1) {
		if (m.type != MSGIN5G_MSG)
			continue;
		printf("msg %s %s %s\n", m.message_id, m.from, m.payload);
		fflush(stdout);
		n++;
	}
	m5_client_close(c);
	if (got < 0)
		cli_fail(CLI_EXIT_FAIL, "ue listen: the connection failed after %d messages", n);
	if (a->count > 0 && n < a->count)
		cli_fail(CLI_EXIT_FAIL, "ue listen: %d of %d messages within --wait-ms %d", n,
		         a->count, a->wait_ms);
	return 0;
}

int ue_handshake(ue_args *a)
{
	m5_client *c = ue_connect(a, 1);
	printf("handshake done: TLS 1.3 TLS_AES_128_GCM_SHA256, PSK K_AF\n");
	m5_client_close(c);
	return 0;
}
