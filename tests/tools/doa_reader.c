/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doa_reader: a reader on the AIOTF's NG link that carries genuine DO-A devices (the device
 * library, src/device/aiot_doa.h, with the keys of a devices.jsonl from `aiot provision`) and
 * the attackers of tests/integration/aiotf_doa.sh. After NG Setup each device sends its
 * Registration Request (M1) under RAN ID = its line number; the tool relays the AIOTF's M2 to
 * the device, its M3 (with a first data block) back, then M4; a device that verified M4 sends
 * --data Uplink Data PDUs; --rounds R: the genuine devices register R times in a row (a
 * privacy device names itself by the T-ID its last M4 gave it). Attackers:
 *   --clones K     the first K devices again (RAN IDs 1001..), with a wrong key: their M2
 *                  fails the device's MAC_N check; they answer a forged RES_D anyway;
 *   --replay       once every device is done: each M3 and each last Uplink Data again;
 *   --flood N      then N M1s of the first device under fresh RAN IDs, back to back.
 * Prints one JSON summary line:
 *   {"devices":N,"registered":N,"tid_rotations":N,"data_sent":N,"clones":K,
 *    "clone_m2_refused":K,"clone_registered":0,"replayed":N,"flood_sent":N}
 */
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "devfile/devices_jsonl.h"
#include "device/aiot_doa.h"
#include "nas/nas_doa.h"
#include "ngap/ngap_aiot.h"
#include "ngap/ngap_link.h"

#define MAXDEV 256
#define CLONE_RAN 1001u
#define FLOOD_RAN 5001u

typedef struct dev {
	aiot_devline line;
	aiot_device_cfg cfg;
	aiot_doa d;
	uint32_t ran;
	int clone, done, registered;
	uint8_t m3[AIOT_NAS_MAX_PDU], data[AIOT_NAS_MAX_PDU];
	size_t m3_len, data_len;
} dev;

static struct {
	struct event_base *base;
	ngap_link *link;
	struct event *tick;
	dev *devs;
	size_t ndev, nclones;
	unsigned data_per_dev, flood, registered, rotations, data_sent, clone_refused;
	unsigned clone_registered, replayed, flood_sent;
	int replay, phase, setup_done;
	unsigned rounds, round;
} R = {.rounds = 1};

static int cb_entropy(void *user, uint8_t *out, size_t len)
{
	(void)user;
	return getrandom(out, len, 0) == (ssize_t)len ? 0 : -1;
}

static int cb_key(void *user, uint8_t *key, size_t cap, size_t *len)
{
	dev *d = user;
	if (cap < d->line.key_len)
		return -1;
	memcpy(key, d->line.key, d->line.key_len);
	*len = d->line.key_len;
	return 0;
}

static int cb_tid_store(void *user, const uint8_t tid[16])
{
	(void)user;
	(void)tid;
	return 0;
}

static void send_up(uint32_t ran, const uint8_t *pdu, size_t len)
{
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_DOA_UPLINK_NAS;
	m.u.doa.ran_device_id = ran;
	m.u.doa.nas_pdu = pdu;
	m.u.doa.nas_len = (uint16_t)len;
	if (ngap_send(R.link, &m) != 0) {
		fputs("doa_reader: cannot send\n", stderr);
		exit(1);
	}
}

static dev *by_ran(uint32_t ran)
{
	for (size_t i = 0; i < R.ndev + R.nclones; i++)
		if (R.devs[i].ran == ran)
			return &R.devs[i];
	return NULL;
}

static void on_m2(dev *d, const uint8_t *pdu, size_t len)
{
	char first[32];
	size_t n;
	int fl = snprintf(first, sizeof first, "dev-%u-first", d->ran);
	int rc = aiot_doa_on_auth_request(&d->d, pdu, len, (const uint8_t *)first, (size_t)fl, 1,
	                                  d->m3, sizeof d->m3, &n);
	if (d->clone) { /* MAC_N computed for the genuine key: refused; forge RES_D anyway */
		aiot_nas_doa_auth_response f = {.res_len = (uint8_t)(d->line.res_bits / 8)};
		R.clone_refused += rc != AIOT_OK;
		cb_entropy(NULL, f.res_d, sizeof f.res_d);
		int k = aiot_nas_encode_doa_auth_response(&f, d->m3, sizeof d->m3);
		if (k > 0)
			send_up(d->ran, d->m3, (size_t)k);
		d->done = 1;
		return;
	}
	if (rc != AIOT_OK) {
		fprintf(stderr, "doa_reader: device %u refused M2: %d\n", d->ran, rc);
		d->done = 1;
		return;
	}
	d->m3_len = n;
	send_up(d->ran, d->m3, n);
}

static void on_m4(dev *d, const uint8_t *pdu, size_t len)
{
	uint8_t buf[AIOT_NAS_MAX_PDU];
	char s[32];
	memcpy(buf, pdu, len);
	uint8_t rot = d->d.tid_rotations;
	int rc = aiot_doa_on_accept(&d->d, buf, len);
	d->done = 1;
	if (rc != AIOT_OK) {
		fprintf(stderr, "doa_reader: device %u refused M4: %d\n", d->ran, rc);
		return;
	}
	if (d->clone) {
		R.clone_registered++;
		return;
	}
	R.registered++;
	R.rotations += d->d.tid_rotations != rot;
	for (unsigned k = 0; k < R.data_per_dev; k++) {
		int sl = snprintf(s, sizeof s, "dev-%u-data-%u", d->ran, k + 1);
		if (aiot_doa_send(&d->d, (const uint8_t *)s, (size_t)sl, 1, d->data, sizeof d->data,
		                  &d->data_len) != AIOT_OK)
			break;
		send_up(d->ran, d->data, d->data_len);
		R.data_sent++;
	}
}

/* Every device (clones too in the first round) sends its M1. */
static void start_all(void)
{
	uint8_t m1[AIOT_NAS_MAX_PDU];
	size_t n;
	R.round++;
	for (size_t i = 0; i < (R.round == 1 ? R.ndev + R.nclones : R.ndev); i++) {
		dev *d = &R.devs[i];
		if (aiot_doa_start(&d->d, m1, sizeof m1, &n) != AIOT_OK) {
			fprintf(stderr, "doa_reader: device %u cannot start\n", d->ran);
			d->done = 1;
			continue;
		}
		send_up(d->ran, m1, n);
	}
}

static int all_done(void)
{
	for (size_t i = 0; i < R.ndev + R.nclones; i++)
		if (!R.devs[i].done)
			return 0;
	return 1;
}

/* Phases: 0 registrations running; 1 replays; 2 flood; 3 linger, then exit. */
static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	struct timeval tv = {0, 300000};
	if (R.phase == 0 && !all_done()) {
		tv.tv_usec = 20000;
	} else if (R.phase == 0 && R.round < R.rounds) {
		for (size_t i = 0; i < R.ndev; i++)
			R.devs[i].done = 0;
		start_all();
	} else if (R.phase == 0) {
		R.phase = 1; /* let the last Uplink Data land first */
	} else if (R.phase == 1) {
		for (size_t i = 0; R.replay && i < R.ndev; i++) {
			dev *d = &R.devs[i];
			if (d->m3_len > 0)
				send_up(d->ran, d->m3, d->m3_len), R.replayed++;
			if (d->data_len > 0)
				send_up(d->ran, d->data, d->data_len), R.replayed++;
		}
		R.phase = 2;
	} else if (R.phase == 2) {
		uint8_t m1[AIOT_NAS_MAX_PDU];
		size_t n;
		for (unsigned k = 0; k < R.flood; k++) {
			aiot_doa_start(&R.devs[0].d, m1, sizeof m1, &n);
			send_up(FLOOD_RAN + k, m1, n);
			R.flood_sent++;
		}
		R.phase = 3;
	} else {
		event_base_loopexit(R.base, NULL);
		return;
	}
	evtimer_add(R.tick, &tv);
}

static void on_msg(void *arg, ngap_link *l, ngap_msg *m)
{
	(void)arg;
	(void)l;
	if (m->type == NGAP_NG_SETUP_RESPONSE && !R.setup_done) {
		R.setup_done = 1;
		start_all();
		event_active(R.tick, EV_TIMEOUT, 0);
	} else if (m->type == NGAP_DOA_DOWNLINK_NAS) {
		dev *d = by_ran(m->u.doa.ran_device_id);
		int t = aiot_nas_peek_type(m->u.doa.nas_pdu, m->u.doa.nas_len);
		if (d != NULL && t == AIOT_NAS_DOA_AUTH_REQUEST)
			on_m2(d, m->u.doa.nas_pdu, m->u.doa.nas_len);
		else if (d != NULL && t == AIOT_NAS_DOA_REG_ACCEPT)
			on_m4(d, m->u.doa.nas_pdu, m->u.doa.nas_len);
	}
	ngap_free(m);
}

static void on_close(void *arg, ngap_link *l, const char *err)
{
	(void)arg;
	(void)l;
	fprintf(stderr, "doa_reader: link closed: %s\n", err ? err : "by the AIOTF");
	R.link = NULL;
	event_base_loopexit(R.base, NULL);
}

static int load(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, msg[128];
	size_t cap = 0;
	ssize_t n;
	if (f == NULL || (R.devs = calloc(2 * MAXDEV, sizeof *R.devs)) == NULL)
		return -1;
	while ((n = getline(&line, &cap, f)) > 0 && R.ndev < MAXDEV) {
		dev *d = &R.devs[R.ndev];
		int rc = aiot_devline_parse(line, (size_t)n, 0, AIOT_DEVLINE_ID_MAX, &d->line, msg,
		                            sizeof msg);
		if (rc < 0) {
			fprintf(stderr, "doa_reader: %s: %s\n", path, msg);
			return -1;
		}
		if (rc == 0)
			d->ran = (uint32_t)++R.ndev;
	}
	free(line);
	fclose(f);
	for (size_t i = 0; i < R.nclones && i < R.ndev; i++) {
		R.devs[R.ndev + i].line = R.devs[i].line;
		R.devs[R.ndev + i].line.key[0] ^= 0x01; /* right identifier, wrong key */
		R.devs[R.ndev + i].ran = CLONE_RAN + (uint32_t)i;
		R.devs[R.ndev + i].clone = 1;
	}
	for (size_t i = 0; i < R.ndev + R.nclones; i++) {
		dev *d = &R.devs[i];
		d->cfg = (aiot_device_cfg){.perm_id = d->line.perm_id,
		                           .perm_id_len = d->line.perm_id_len,
		                           .suite = d->line.suite,
		                           .res_bits = d->line.res_bits,
		                           .privacy = d->line.privacy,
		                           .entropy = cb_entropy,
		                           .key_load = cb_key,
		                           .tid_store = cb_tid_store,
		                           .user = d};
		if (aiot_doa_init(&d->d, &d->cfg, d->line.has_tid ? d->line.tid : NULL, 0) !=
		    AIOT_OK)
			return -1;
	}
	return R.ndev > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const char *aiotf = NULL, *devices = NULL, *transport = "auto";
	unsigned long timeout_s = 20;
	char err[256];
	static const struct option opts[] = {
	    {"aiotf", 1, NULL, 'a'},     {"devices", 1, NULL, 'd'},   {"data", 1, NULL, 'n'},
	    {"clones", 1, NULL, 'c'},    {"replay", 0, NULL, 'r'},    {"flood", 1, NULL, 'f'},
	    {"transport", 1, NULL, 't'}, {"timeout-s", 1, NULL, 'T'}, {"rounds", 1, NULL, 'R'},
	    {NULL, 0, NULL, 0}};
	for (int c; (c = getopt_long(argc, argv, "", opts, NULL)) != -1;) {
		switch (c) {
		case 'a':
			aiotf = optarg;
			break;
		case 'd':
			devices = optarg;
			break;
		case 'n':
			R.data_per_dev = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'c':
			R.nclones = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			R.replay = 1;
			break;
		case 'f':
			R.flood = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 't':
			transport = optarg;
			break;
		case 'R':
			R.rounds = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'T':
			timeout_s = strtoul(optarg, NULL, 10);
			break;
		default:
			fputs("usage: doa_reader --aiotf ADDR:PORT --devices FILE [--data N] "
			      "[--rounds R] [--clones K] [--replay] [--flood N] [--timeout-s N]\n",
			      stderr);
			return 1;
		}
	}
	if (aiotf == NULL || devices == NULL || R.nclones > MAXDEV || load(devices) != 0) {
		fputs("doa_reader: --aiotf and a devices.jsonl (1..256 devices) needed\n", stderr);
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	R.base = event_base_new();
	ngap_link_cbs cbs = {.on_msg = on_msg, .on_close = on_close};
	if (R.base == NULL ||
	    (R.link = ngap_connect(R.base, aiotf, transport, &cbs, err, sizeof err)) == NULL) {
		fprintf(stderr, "doa_reader: %s\n", err);
		return 1;
	}
	R.tick = evtimer_new(R.base, on_tick, NULL);
	struct timeval tv = {(time_t)timeout_s, 0};
	ngap_msg s;
	memset(&s, 0, sizeof s);
	s.type = NGAP_NG_SETUP_REQUEST;
	s.u.setup_req.gnb_id = 77;
	s.u.setup_req.reader_index = 7;
	snprintf(s.u.setup_req.name, sizeof s.u.setup_req.name, "doa-reader");
	ngap_send(R.link, &s);
	event_base_loopexit(R.base, &tv); /* --timeout-s */
	event_base_dispatch(R.base);
	printf("{\"devices\":%zu,\"registered\":%u,\"tid_rotations\":%u,\"data_sent\":%u,"
	       "\"clones\":%zu,\"clone_m2_refused\":%u,\"clone_registered\":%u,\"replayed\":%u,"
	       "\"flood_sent\":%u,\"finished\":%s}\n",
	       R.ndev, R.registered, R.rotations, R.data_sent, R.nclones, R.clone_refused,
	       R.clone_registered, R.replayed, R.flood_sent, R.phase == 3 ? "true" : "false");
	fflush(stdout);
	if (R.link != NULL)
		ngap_link_free(R.link);
	event_free(R.tick);
	event_base_free(R.base);
	for (size_t i = 0; i < R.ndev + R.nclones; i++)
		aiot_zeroize(&R.devs[i], sizeof R.devs[i]);
	free(R.devs);
	return R.phase == 3 ? 0 : 1;
}
