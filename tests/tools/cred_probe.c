/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool (tests/integration/pcsc_cred.sh): the device's credential ops of a card through
 * the real PC/SC stack (src/pcsc: pcsc.c, uicc_link.c, cred_uicc.c), one line per op:
 *   cred_probe READER RAND_N RAND_D RES_BITS ID MAC_N [N]
 *     inventory RES K_AIOTF          (TS 33.369 5.2.2 step 4)
 *     tid T-ID
 *     doa RES_D K_AIOTF | doa mac    ('9862': MAC_N did not verify on the card)
 *     protocol T=0|T=1
 *   and with N, N more INVENTORY ops timed: "ops N seconds S"; N = 0: ops 50 ms apart until
 *   SIGTERM (room for another host's transactions between them).
 * Exit 0, 1 (the card or the link failed: the reason on stderr), 2 usage.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/aiot_err.h"
#include "common/hex.h"
#include "nas/nas.h"
#include "pcsc/cred_uicc.h"
#include "pcsc/pcsc.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void hex_arg(const char *s, uint8_t *out, size_t want, size_t *got)
{
	int n = aiot_hex_decode(s, strlen(s), out, want ? want : AIOT_NAS_MAX_ID_LEN);
	if (n <= 0 || (want && (size_t)n != want)) {
		fprintf(stderr, "cred_probe: bad hex '%s'\n", s);
		exit(2);
	}
	if (got)
		*got = (size_t)n;
}

static void put(const char *name, const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	char h[2 * AIOT_KAIOTF_LEN + 1];
	aiot_hex_encode(a, an, h);
	printf("%s %s", name, h);
	if (b) {
		aiot_hex_encode(b, bn, h);
		printf(" %s", h);
	}
	printf("\n");
}

int main(int argc, char **argv)
{
	uint8_t rn[16], rd[16], id[AIOT_NAS_MAX_ID_LEN], mac[AIOT_MACN_LEN], res[16], k[16],
	    tid[16];
	size_t id_len;
	aiot_cred_uicc card;
	aiot_pcsc *pc;
	char err[300];
	int rc, bits = argc > 4 ? atoi(argv[4]) : 0;

	if ((argc != 7 && argc != 8) || (bits != 32 && bits != 64 && bits != 96 && bits != 128)) {
		fprintf(stderr, "usage: cred_probe READER RAND_N RAND_D RES_BITS ID MAC_N [N]\n");
		return 2;
	}
	hex_arg(argv[2], rn, 16, NULL);
	hex_arg(argv[3], rd, 16, NULL);
	hex_arg(argv[5], id, 0, &id_len);
	hex_arg(argv[6], mac, AIOT_MACN_LEN, NULL);
	if (aiot_pcsc_open(argv[1], &pc, err, sizeof err) != AIOT_OK ||
	    aiot_cred_uicc_open(&card, aiot_pcsc_xfer, pc) != AIOT_OK) {
		fprintf(stderr, "cred_probe: %s\n", pc ? card.link.err : err);
		return 1;
	}
	printf("protocol T=%d\n", aiot_pcsc_protocol(pc));
	rc = aiot_cred_uicc_ops.inventory(&card, rn, rd, (uint8_t)(bits / 8), res, k);
	if (rc == AIOT_OK)
		put("inventory", res, (size_t)bits / 8, k, 16);
	if (rc == AIOT_OK && (rc = aiot_cred_uicc_ops.next_tid(&card, rn, rd, tid)) == AIOT_OK)
		put("tid", tid, 16, NULL, 0);
	if (rc == AIOT_OK) {
		rc = aiot_cred_uicc_ops.doa(&card, rn, rd, id, (uint8_t)id_len, mac,
		                            (uint8_t)(bits / 8), res, k);
		if (rc == AIOT_OK)
			put("doa", res, (size_t)bits / 8, k, 16);
		else if (rc == AIOT_ERR_MAC)
			printf("doa mac\n");
		rc = rc == AIOT_ERR_MAC ? AIOT_OK : rc;
	}
	if (rc == AIOT_OK && argc == 8) {
		long n = atol(argv[7]);
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		long i = 0;
		signal(SIGTERM, on_term);
		for (; (n == 0 || i < n) && !stop && rc == AIOT_OK; i++) {
			rc = aiot_cred_uicc_ops.inventory(&card, rn, rd, (uint8_t)(bits / 8), res,
			                                  k);
			if (n == 0)
				nanosleep(&(struct timespec){0, 50000000}, NULL);
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		printf("ops %ld seconds %.3f\n", i,
		       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	}
	if (rc != AIOT_OK)
		fprintf(stderr, "cred_probe: %s\n", card.link.err);
	aiot_pcsc_close(pc);
	return rc == AIOT_OK ? 0 : 1;
}
