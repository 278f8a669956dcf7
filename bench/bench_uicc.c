/* SPDX-License-Identifier: Apache-2.0 */
/*
 * make bench, section uicc (bench/uicc.sh): the card through the real PC/SC stack.
 *   bench_uicc READER PERSO.json SECONDS
 * with the card personalised from PERSO.json in READER (aiot-uicc, behind pcscd), one client:
 *   usim    USIM AUTHENTICATE (a fresh SQN each, MILENAGE on the card) per second, every RES
 *           checked against f2;
 *   card    aiot_device_on_paging (RES_AIOT, K_AIOTF and the session keys: the device's only
 *           K_AIOT_root operation of the network-triggered procedure) per second with the
 *           card's credential ops (src/pcsc/cred_uicc.h);
 *   soft    the same with the key in the device's memory (key_load).
 * A command is verified under the session keys the paging left in the device (K_AIOT_int):
 * no card call, the same cost either way. Prints "NAME RATE COUNT" lines.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "common/clock.h"
#include "crypto/milenage.h"
#include "device/aiot_device.h"
#include "pcsc/cred_uicc.h"
#include "pcsc/pcsc.h"
#include "pcsc/usim_uicc.h"
#include "uicc/uicc_perso.h"

static uicc_perso perso;

static double usim_rate(aiot_pcsc *pc, double secs, unsigned long *n)
{
	static const uint8_t amf[2] = {0x80, 0x00};
	aiot_usim_uicc u;
	uint64_t sqn = 0;
	double t0 = aiot_mono_s();

	for (unsigned i = 0; i < 6; i++)
		sqn = sqn << 8 | perso.sqn[i];
	if (aiot_usim_uicc_open(&u, aiot_pcsc_xfer, pc) != AIOT_OK) {
		fprintf(stderr, "bench_uicc: %s\n", u.link.err);
		exit(1);
	}
	for (*n = 0; aiot_mono_s() - t0 < secs; (*n)++) {
		uint8_t rand[16] = {0}, s[6], autn[16];
		aiot_milenage_out m;
		aiot_usim_result r;
		sqn = ((sqn >> 5) + 1) << 5; /* the next SEQ, IND 0 */
		for (int i = 0; i < 6; i++)
			s[i] = (uint8_t)(sqn >> (40 - 8 * i));
		memcpy(rand, n, sizeof *n);
		aiot_milenage(perso.k, perso.opc, rand, s, amf, &m);
		for (int i = 0; i < 6; i++)
			autn[i] = s[i] ^ m.ak[i];
		memcpy(autn + 6, amf, 2);
		memcpy(autn + 8, m.mac_a, 8);
		if (aiot_usim_uicc_authenticate(&u, rand, autn, &r) != AIOT_OK ||
		    memcmp(r.res, m.res, 8) != 0) {
			fprintf(stderr, "bench_uicc: AUTHENTICATE %lu: wrong answer (%s)\n", *n,
			        u.link.err);
			exit(1);
		}
	}
	return (double)*n / (aiot_mono_s() - t0);
}

static int entropy(void *user, uint8_t *out, size_t len)
{
	(void)user;
	memset(out, 0x5A, len);
	return 0;
}

static int key_load(void *user, uint8_t *key, size_t cap, size_t *len)
{
	(void)user;
	if (perso.aiot_key_len > cap)
		return -1;
	memcpy(key, perso.aiot_key, perso.aiot_key_len);
	*len = perso.aiot_key_len;
	return 0;
}

/* Pagings per second of a device with cred (NULL: soft) and user. */
static double paging_rate(const aiot_cred_ops *cred, void *user, double secs, unsigned long *n)
{
	aiot_device_cfg cfg = {.perm_id = perso.perm_id,
	                       .perm_id_len = perso.perm_id_len,
	                       .suite = perso.suite,
	                       .res_bits = 64,
	                       .entropy = entropy,
	                       .key_load = cred ? NULL : key_load,
	                       .cred = cred,
	                       .user = user};
	aiot_device d;
	uint8_t out[256];
	size_t out_len;
	double t0;

	if (aiot_device_init(&d, &cfg, NULL) != AIOT_OK)
		exit(1);
	t0 = aiot_mono_s();
	for (*n = 0; aiot_mono_s() - t0 < secs; (*n)++) {
		uint8_t rand_n[16] = {0};
		memcpy(rand_n, n, sizeof *n);
		if (aiot_device_on_paging(&d, rand_n, AIOT_PAGE_ALL, NULL, 0, out, sizeof out,
		                          &out_len) != AIOT_OK) {
			fprintf(stderr, "bench_uicc: paging %lu failed\n", *n);
			exit(1);
		}
	}
	return (double)*n / (aiot_mono_s() - t0);
}

int main(int argc, char **argv)
{
	char err[300];
	aiot_pcsc *pc;
	aiot_cred_uicc card;
	unsigned long n;
	double secs = argc == 4 ? atof(argv[3]) : 0;

	if (secs <= 0) {
		fprintf(stderr, "usage: bench_uicc READER PERSO.json SECONDS\n");
		return 2;
	}
	if (uicc_perso_load(argv[2], &perso, err, sizeof err) != 0 ||
	    aiot_pcsc_open(argv[1], &pc, err, sizeof err) != AIOT_OK) {
		fprintf(stderr, "bench_uicc: %s\n", err);
		return 1;
	}
	double r = usim_rate(pc, secs, &n);
	printf("usim %.0f %lu\n", r, n);
	if (aiot_cred_uicc_open(&card, aiot_pcsc_xfer, pc) != AIOT_OK) {
		fprintf(stderr, "bench_uicc: %s\n", card.link.err);
		return 1;
	}
	r = paging_rate(&aiot_cred_uicc_ops, &card, secs, &n);
	printf("card %.0f %lu\n", r, n);
	r = paging_rate(NULL, NULL, secs, &n);
	printf("soft %.0f %lu\n", r, n);
	aiot_pcsc_close(pc);
	return 0;
}
