/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A scripted MSGin5G UE on the client library (src/msgin5g/client.h), for
 * tests/integration/msgin5g.sh:
 *   msgin5g_ue --server ADDR:PORT (--akid AKID | --seal-key-id ID) --kaf HEX [--timeout-ms N]
 *              [--max-message-size N] STEP...
 * steps, run in order, each printing one line:
 *   reg UE | dereg UE      -> "reg 2.01 SUCCESS" / "reg 4.03 FAILURE NOT_AUTHORIZED"
 *   send FROM TO ID TEXT   -> "send 2.04 SUCCESS STORED" (a MSG with a delivery report asked)
 *   recv MS                -> "recv MSG ID FROM TO TEXT" / "recv IMDN ID FROM TO" / "recv none"
 *   ping                   -> "ping ok"
 * Exit 0, or 1 when the connection or a step failed ("connect failed: ...").
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coap/coap_tcp.h"
#include "common/hex.h"
#include "msgin5g/client.h"
#include "msgin5g/psk_identity.h"

static void print_resp(const char *step, int code, const msgin5g_msg *r)
{
	printf("%s %d.%02d %s%s%s\n", step, code >> 5, code & 31,
	       r->success ? "SUCCESS" : "FAILURE", r->cause[0] ? " " : "", r->cause);
}

static int step(m5_client *c, char **av, int ac, int *used)
{
	msgin5g_msg r = {0}, m = {0};
	int code;
	*used = 2;
	if (ac >= 2 && (strcmp(av[0], "reg") == 0 || strcmp(av[0], "dereg") == 0)) {
		code = av[0][0] == 'r' ? m5_client_register(c, av[1], &r)
		                       : m5_client_deregister(c, av[1], &r);
	} else if (ac >= 5 && strcmp(av[0], "send") == 0) {
		m.type = MSGIN5G_MSG;
		m.delivery_report = 1;
		snprintf(m.from, sizeof m.from, "%s", av[1]);
		snprintf(m.to, sizeof m.to, "%s", av[2]);
		snprintf(m.message_id, sizeof m.message_id, "%s", av[3]);
		snprintf(m.payload, sizeof m.payload, "%s", av[4]);
		*used = 5;
		code = m5_client_send(c, &m, &r);
	} else if (ac >= 2 && strcmp(av[0], "recv") == 0) {
		int got = m5_client_recv(c, atoi(av[1]), &m);
		if (got < 0)
			return -1;
		if (got == 0)
			printf("recv none\n");
		else if (m.type == MSGIN5G_MSG)
			printf("recv MSG %s %s %s %s\n", m.message_id, m.from, m.to, m.payload);
		else
			printf("recv IMDN %s %s %s\n", m.message_id, m.from, m.to);
		fflush(stdout);
		return 0;
	} else if (ac >= 1 && strcmp(av[0], "ping") == 0) {
		*used = 1;
		if (m5_client_ping(c) != 0)
			return -1;
		printf("ping ok\n");
		fflush(stdout);
		return 0;
	} else {
		fprintf(stderr, "msgin5g_ue: bad step '%s'\n", av[0]);
		return -1;
	}
	if (code < 0)
		return -1;
	print_resp(av[0], code, &r);
	fflush(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	m5_client_cfg cfg = {0};
	uint8_t kaf[32];
	char err[256];
	int i = 1;
	signal(SIGPIPE, SIG_IGN); /* client.h: a peer that closes must not kill us */
	for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--server") == 0)
			cfg.server = argv[i + 1];
		else if (strcmp(argv[i], "--akid") == 0)
			cfg.akid = argv[i + 1];
		else if (strcmp(argv[i], "--seal-key-id") == 0) /* --kaf: the SEAL KM's PSK */
			cfg.akid = argv[i + 1], cfg.prefix = MSGIN5G_SEAL_PREFIX;
		else if (strcmp(argv[i], "--kaf") == 0 &&
		         aiot_hex_decode(argv[i + 1], strlen(argv[i + 1]), kaf, sizeof kaf) == 32)
			cfg.kaf = kaf;
		else if (strcmp(argv[i], "--timeout-ms") == 0)
			cfg.timeout_ms = atoi(argv[i + 1]);
		else if (strcmp(argv[i], "--max-message-size") == 0)
			cfg.max_message_size = (unsigned)atoi(argv[i + 1]);
		else
			break;
	}
	if (cfg.server == NULL || cfg.akid == NULL || cfg.kaf == NULL) {
		fprintf(stderr,
		        "usage: msgin5g_ue --server ADDR:PORT --akid AKID --kaf HEX STEP...\n");
		return 2;
	}
	m5_client *c = m5_client_connect(&cfg, err, sizeof err);
	if (c == NULL) {
		printf("connect failed: %s\n", err);
		return 1;
	}
	printf("connected\n");
	fflush(stdout);
	int rc = 0, used;
	while (i < argc && rc == 0) {
		rc = step(c, argv + i, argc - i, &used);
		i += used;
	}
	if (rc != 0)
		printf("step failed\n");
	m5_client_close(c);
	return rc != 0;
}
