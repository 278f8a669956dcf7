/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The cards of `aiot demo --uicc N` (demo_run.h): pcscd's reader slots, one perso file per
 * card (mode 0600: keys) with the AIoT application of device i and the USIM of MSGin5G UE i,
 * and one aiot-uicc per card. The device simulator then binds devices 0..N-1 to them
 * (aiot-devsim --uicc), and the MSGin5G phase runs UE i on card i's USIM.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "common/aiot_err.h"
#include "common/clock.h"
#include "common/hex.h"
#include "crypto/ct.h"
#include "demo_run.h"
#include "pcsc/cred_uicc.h"
#include "pcsc/pcsc.h"
#include "sbi/sbi_json.h"

static const char *const card_name[DEMO_UICC_MAX] = {"aiot-uicc-0", "aiot-uicc-1"};

/* `pcsc.sh CMD` (its stderr appended to DIR/pcsc.log): its exit status, stdout in out. */
static int pcsc_sh(demo *d, const char *cmd, char *out, size_t cap)
{
	char script[PATH_MAX], log[PATH_MAX];

	demo_script_path("pcsc.sh", "AIOT_PCSC_SH", script, sizeof script);
	snprintf(log, sizeof log, "%s/pcsc.log", d->dir);
	return demo_script("", script, cmd, log, out, cap);
}

/* "PORT<TAB>READER" lines: the slots, into d->reader and ports. The number found. */
static unsigned long parse_slots(demo *d, char *text, int *ports)
{
	unsigned long n = 0;
	for (char *l = strtok(text, "\n"); l != NULL && n < DEMO_UICC_MAX; l = strtok(NULL, "\n")) {
		char *tab = strchr(l, '\t');
		if (tab == NULL)
			continue;
		ports[n] = atoi(l);
		snprintf(d->card_reader[n++], sizeof d->card_reader[0], "%s", tab + 1);
	}
	return n;
}

/* The slots: a `pcsc.sh run`'s, or our pcscd (started unless it runs). 0: none. */
static unsigned long slots(demo *d, int *ports)
{
	char text[1024] = "", why[256] = "";
	const char *env = getenv("AIOT_PCSC_SLOTS");
	FILE *f;

	if (env != NULL && (f = fopen(env, "r")) != NULL) {
		size_t n = fread(text, 1, sizeof text - 1, f);
		text[n] = '\0';
		fclose(f);
		return parse_slots(d, text, ports);
	}
	if (pcsc_sh(d, "status", text, sizeof text) != 0) {
		if (pcsc_sh(d, "start", text, sizeof text) != 0) {
			snprintf(text, sizeof text, "%s/pcsc.log", d->dir);
			if ((f = fopen(text, "r")) != NULL) {
				while (fgets(text, sizeof text, f) != NULL)
					snprintf(why, sizeof why, "%s", text);
				fclose(f);
			}
			why[strcspn(why, "\n")] = '\0';
			fprintf(d->out, "           no cards: pcscd cannot run here (%s)\n",
			        why[0] ? why : "scripts/pcsc.sh start failed");
			return 0;
		}
		d->pcsc_started = 1;
	}
	return parse_slots(d, text, ports);
}

/* {"aiot": device i's credentials, "usim": UE i's} into DIR/uicc-i.json (0600). */
static int write_perso(demo *d, unsigned long i, char *err, size_t errlen)
{
	char path[PATH_MAX], line[4096], imsi[16], hex[33];
	FILE *f;
	unsigned long at = 0;
	cJSON *dev = NULL, *o = cJSON_CreateObject(), *u;
	char *text = NULL;
	int fd, rc = -1;

	snprintf(path, sizeof path, "%s/devices.jsonl", d->dir);
	if ((f = fopen(path, "r")) != NULL) {
		while (fgets(line, sizeof line, f) != NULL && at++ < i)
			;
		fclose(f);
		dev = at == i + 1 ? cJSON_Parse(line) : NULL;
		aiot_zeroize(line, sizeof line);
	}
	if (dev == NULL || o == NULL) {
		snprintf(err, errlen, "device %lu: not in devices.jsonl", i + 1);
		goto out;
	}
	cJSON_DeleteItemFromObject(dev, "resBits");
	cJSON_DeleteItemFromObject(dev, "group");
	cJSON_AddItemToObject(o, "aiot", dev);
	dev = NULL;
	if (d->msgin5g && (u = cJSON_AddObjectToObject(o, "usim")) != NULL) {
		if (getrandom(d->ue_k[i], 16, 0) != 16 || getrandom(d->ue_opc[i], 16, 0) != 16)
			goto out;
		snprintf(imsi, sizeof imsi,
		         "00101"
		         "00000000"
		         "%02lu",
		         i + 1); /* demo_msgin5g.c */
		cJSON_AddStringToObject(u, "imsi", imsi);
		aiot_hex_encode(d->ue_k[i], 16, hex);
		cJSON_AddStringToObject(u, "k", hex);
		aiot_hex_encode(d->ue_opc[i], 16, hex);
		cJSON_AddStringToObject(u, "opc", hex);
		aiot_zeroize(hex, sizeof hex);
	}
	snprintf(path, sizeof path, "%s/uicc-%lu.json", d->dir, i);
	text = cJSON_PrintUnformatted(o);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (text == NULL || fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		snprintf(err, errlen, "%.300s: %s", path, strerror(errno));
	else
		rc = 0;
	if (fd >= 0)
		close(fd);
out:
	if (text != NULL)
		aiot_zeroize(text, strlen(text));
	free(text);
	sbi_json_wipe(dev);
	sbi_json_wipe(o); /* its strings hold keys */
	return rc;
}

/* Until the card in reader answers a SELECT of its AIoT application (15 s at most): 0, or
 * -1. pcscd seeing a card is not enough: after a card of an earlier run died (kill -9), vpcd
 * may drop the new card's first link, and the card links again. */
static int card_answers(const char *reader)
{
	char err[256];
	aiot_pcsc *c;
	aiot_cred_uicc u;

	for (int i = 0; i < 150; i++) {
		if (aiot_pcsc_open(reader, &c, err, sizeof err) == AIOT_OK) {
			int rc = aiot_cred_uicc_open(&u, aiot_pcsc_xfer, c);
			aiot_pcsc_close(c);
			if (rc == AIOT_OK)
				return 0;
		}
		usleep(100000);
	}
	return -1;
}

void demo_uicc_start(demo *d)
{
	int ports[DEMO_UICC_MAX] = {0};
	char err[512];
	unsigned long have;

	if (d->uicc == 0)
		return;
	have = slots(d, ports);
	if (have < d->uicc) {
		if (have > 0)
			fprintf(d->out,
			        "           pcscd has %lu card slots, %lu asked: no cards\n", have,
			        d->uicc);
		d->uicc = 0;
		return;
	}
	for (unsigned long i = 0; i < d->uicc; i++) {
		demo_args a = {.n = 0};
		char perso[PATH_MAX];
		if (write_perso(d, i, err, sizeof err) != 0)
			demo_die(d, "card %lu: %s", i, err);
		snprintf(perso, sizeof perso, "%s/uicc-%lu.json", d->dir, i);
		demo_arg(&a, "aiot-uicc");
		demo_opt(&a, "--perso", "%s", perso);
		demo_opt(&a, "--vpcd", "127.0.0.1:%d", ports[i]);
		if (demo_spawn_as(&d->card[i], "aiot-uicc", card_name[i], d->dir, a.v) != 0 ||
		    card_answers(d->card_reader[i]) != 0)
			demo_die(d, "the card in '%s' did not show up (see %s)", d->card_reader[i],
			         d->card[i].log);
		unlink(perso); /* the card has read it: its keys are on the card only */
	}
	fprintf(d->out,
	        "           %lu cards in pcscd's readers (%s%s%s): the AIoT application of "
	        "device%s 1%s%s, keys on the card only\n",
	        d->uicc, d->card_reader[0], d->uicc > 1 ? ", " : "",
	        d->uicc > 1 ? d->card_reader[1] : "", d->uicc > 1 ? "s" : "",
	        d->uicc > 1 ? " and 2" : "",
	        d->msgin5g ? ", and the USIM of a MSGin5G UE each" : "");
}

void demo_uicc_stop(demo *d)
{
	char out[256];
	if (d->pcsc_started)
		(void)pcsc_sh(d, "stop", out, sizeof out);
	d->pcsc_started = 0;
}
