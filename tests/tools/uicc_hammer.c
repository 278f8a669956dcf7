/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test tool (tests/integration/devsim_uicc.sh): one host hammering one application of a card
 * through PC/SC while another host uses the card's other application, to show that every
 * answer is the right application's (uicc_link.h holds the card around SELECT + command).
 *   uicc_hammer READER usim N IMSI   N x (EF_IMSI read = IMSI; AUTHENTICATE with a wrong
 *                                    MAC -> '9862')
 *   uicc_hammer READER aiot N ID     N x (EF_AIOT_ID read = ID (base64); INVENTORY and
 *                                    NEXT_TID with fixed RANDs = their first answers)
 * Prints "ok N wrong W errors E"; exit 0 when W and E are 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "common/base64.h"
#include "pcsc/cred_uicc.h"
#include "pcsc/pcsc.h"
#include "pcsc/usim_uicc.h"

static unsigned ok, wrong, errors;

static void tally(int good, int rc, const char *why)
{
	if (rc != AIOT_OK && rc != AIOT_ERR_MAC) {
		if (errors++ < 5)
			fprintf(stderr, "uicc_hammer: error: %s\n", why);
	} else if (!good) {
		if (wrong++ < 5)
			fprintf(stderr, "uicc_hammer: wrong answer: %s\n", why);
	} else {
		ok++;
	}
}

static void usim_round(aiot_usim_uicc *u, const char *want, unsigned i)
{
	char imsi[16];
	uint8_t rand[16] = {0}, autn[AIOT_AUTN_LEN] = {0};
	aiot_usim_result r;
	int rc = aiot_usim_uicc_imsi(u, imsi, sizeof imsi);

	tally(rc == AIOT_OK && strcmp(imsi, want) == 0, rc, u->link.err);
	memcpy(rand, &i, sizeof i);
	rc = aiot_usim_uicc_authenticate(u, rand, autn, &r);
	tally(rc == AIOT_ERR_MAC, rc == AIOT_ERR_MAC ? AIOT_OK : rc, u->link.err);
}

static void aiot_round(aiot_cred_uicc *u, const uint8_t *want, size_t wl, uint8_t first[48],
                       unsigned i)
{
	static const uint8_t rn[16] = {0xA1}, rd[16] = {0xB2};
	uint8_t id[AIOT_DOA_ID_MAX], got[48];
	size_t n = 0;
	int rc = aiot_cred_uicc_perm_id(u, id, &n);

	tally(rc == AIOT_OK && n == wl && memcmp(id, want, wl) == 0, rc, u->link.err);
	rc = aiot_cred_uicc_ops.inventory(u, rn, rd, 8, got, got + 8);
	if (rc == AIOT_OK)
		rc = aiot_cred_uicc_ops.next_tid(u, rn, rd, got + 24);
	if (i == 0 && rc == AIOT_OK)
		memcpy(first, got, 48);
	tally(rc == AIOT_OK && memcmp(got, first, 40) == 0, rc, u->link.err);
}

int main(int argc, char **argv)
{
	aiot_pcsc *pc;
	char err[300];
	uint8_t want[AIOT_DOA_ID_MAX], first[48] = {0};
	unsigned n = argc == 5 ? (unsigned)strtoul(argv[3], NULL, 10) : 0;
	int usim = argc == 5 && strcmp(argv[2], "usim") == 0;
	aiot_usim_uicc us;
	aiot_cred_uicc cu;
	int wl = 0, rc;

	if (n == 0 || (!usim && strcmp(argv[2], "aiot") != 0)) {
		fprintf(stderr, "usage: uicc_hammer READER usim|aiot N IMSI|ID\n");
		return 2;
	}
	if (!usim && (wl = aiot_b64_decode(argv[4], strlen(argv[4]), want, sizeof want)) <= 0) {
		fprintf(stderr, "uicc_hammer: ID: not base64\n");
		return 2;
	}
	if (aiot_pcsc_open(argv[1], &pc, err, sizeof err) != AIOT_OK) {
		fprintf(stderr, "uicc_hammer: %s\n", err);
		return 1;
	}
	rc = usim ? aiot_usim_uicc_open(&us, aiot_pcsc_xfer, pc)
	          : aiot_cred_uicc_open(&cu, aiot_pcsc_xfer, pc);
	if (rc != AIOT_OK) {
		fprintf(stderr, "uicc_hammer: %s\n", usim ? us.link.err : cu.link.err);
		aiot_pcsc_close(pc);
		return 1;
	}
	for (unsigned i = 0; i < n; i++) {
		if (usim)
			usim_round(&us, argv[4], i);
		else
			aiot_round(&cu, want, (size_t)wl, first, i);
	}
	aiot_pcsc_close(pc);
	printf("ok %u wrong %u errors %u\n", ok, wrong, errors);
	return wrong || errors ? 1 : 0;
}
