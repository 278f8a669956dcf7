/* SPDX-License-Identifier: Apache-2.0 */
/*
 * doa_aiotf_peer: the AIOTF's side of device-originated access (DO-A) for tests of
 * aiot-reader + aiot-devsim without the real AIOTF (tests/integration/doa_reader_devsim.sh).
 * Listens on the NG link, answers the reader's NG Setup, and for every DO-A Uplink NAS
 * Transport plays the network with the device keys of devices.jsonl (the ADM's part done
 * locally, a test shortcut) through tests/tools/doa_net.c on the OpenSSL backend — a check
 * of the device library that shares none of its code: M1 -> M2, M3 checked (RES_D, first
 * data) -> M4, Uplink Data checked (MAC, growing COUNT, the device's own line number in the
 * data), all bound to the reader's RAN-AIOT-Device-NGAP-ID (DOA-R2 decision 1). It exits 0
 * once --expect devices have registered and each has delivered --data Uplink Data after
 * its M3, and prints one JSON line of counters:
 *   {"registered":N,"registrations":N,"with_data":N,"uplink_data":N,"m1_unknown":N,
 *    "m3_bad":N,"uplink_bad":N,"ran_unknown":N,"ran_rebound":N,"duplicates":N}
 * (duplicates: a PDU equal to the device's last accepted one, sent again when its ACK was
 * late; delivered once).
 */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "common/aiot_err.h"
#include "crypto/backend_openssl.h"
#include "crypto/ct.h"
#include "devfile/devices_jsonl.h"
#include "nas/nas.h"
#include "nas/nas_doa.h"
#include "ngap/ngap_aiot.h"
#include "ngap/ngap_link.h"
#include "doa_net.h"

typedef struct peer_dev {
	doa_net_dev n;
	uint8_t perm[AIOT_DEVLINE_ID_MAX], perm_len;
	uint8_t tid[16], has_tid;
	uint32_t line;
	uint32_t ran; /* of its current exchange */
	uint8_t bound, registered;
	uint32_t data; /* Uplink Data after M3 */
	uint32_t next_seq;
	uint8_t last[AIOT_NAS_MAX_PDU]; /* the last uplink PDU accepted (M1, M3, Uplink Data) */
	uint16_t last_len;
} peer_dev;

static struct {
	struct event_base *base;
	ngap_listener *ls;
	ngap_link *link;
	aiot_backend *be;
	peer_dev *dev;
	size_t ndev;
	unsigned long expect, want_data;
	unsigned long registered, registrations, with_data, uplink, m1_unknown, m3_bad, uplink_bad,
	    ran_unknown, ran_rebound, duplicates;
	int rc, done;
} P;

static int load_keys(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, msg[160];
	size_t cap = 0, dcap = 0;
	ssize_t n;
	uint32_t lineno = 0;
	int rc = 0;
	if (f == NULL) {
		perror(path);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		aiot_devline l;
		lineno++;
		int pr = aiot_devline_parse(line, (size_t)n, 0, AIOT_DEVLINE_ID_MAX, &l, msg,
		                            sizeof msg);
		if (pr == 1)
			continue;
		if (pr != 0) {
			fprintf(stderr, "doa_aiotf_peer: %s:%u: %s\n", path, lineno, msg);
			rc = -1;
			break;
		}
		if (P.ndev == dcap) {
			dcap = dcap ? 2 * dcap : 256;
			P.dev = realloc(P.dev, dcap * sizeof *P.dev);
			if (P.dev == NULL)
				abort(); /* test tool: out of memory */
		}
		peer_dev *d = &P.dev[P.ndev++];
		memset(d, 0, sizeof *d);
		memcpy(d->n.key, l.key, l.key_len);
		d->n.key_len = l.key_len;
		d->n.suite = l.suite;
		d->n.res_bits = l.res_bits;
		memcpy(d->perm, l.perm_id, l.perm_id_len);
		d->perm_len = l.perm_id_len;
		memcpy(d->tid, l.tid, 16);
		d->has_tid = l.has_tid;
		d->line = lineno;
		aiot_zeroize(&l, sizeof l);
	}
	free(line);
	fclose(f);
	return rc;
}

static peer_dev *by_id(uint8_t id_type, const uint8_t *id, uint8_t id_len)
{
	for (size_t i = 0; i < P.ndev; i++) {
		peer_dev *d = &P.dev[i];
		if (id_type == AIOT_NAS_ID_TID
		        ? d->has_tid && id_len == 16 && !memcmp(d->tid, id, 16)
		        : d->perm_len == id_len && !memcmp(d->perm, id, id_len))
			return d;
	}
	return NULL;
}

static peer_dev *by_ran(uint32_t ran)
{
	for (size_t i = 0; i < P.ndev; i++)
		if (P.dev[i].bound && P.dev[i].ran == ran)
			return &P.dev[i];
	return NULL;
}

static void finish(int rc)
{
	if (P.done) /* the rest of a receive batch */
		return;
	printf("{\"registered\":%lu,\"registrations\":%lu,\"with_data\":%lu,\"uplink_data\":%lu,"
	       "\"m1_unknown\":%lu,\"m3_bad\":%lu,\"uplink_bad\":%lu,\"ran_unknown\":%lu,"
	       "\"ran_rebound\":%lu,\"duplicates\":%lu}\n",
	       P.registered, P.registrations, P.with_data, P.uplink, P.m1_unknown, P.m3_bad,
	       P.uplink_bad, P.ran_unknown, P.ran_rebound, P.duplicates);
	fflush(stdout);
	P.rc = rc;
	P.done = 1;
	event_base_loopbreak(P.base);
}

static void downlink(ngap_link *l, uint32_t ran, const uint8_t *pdu, size_t len)
{
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_DOA_DOWNLINK_NAS;
	m.u.doa.ran_device_id = ran;
	m.u.doa.nas_pdu = pdu;
	m.u.doa.nas_len = (uint16_t)len;
	if (ngap_send(l, &m) != AIOT_OK)
		finish(1);
}

/* The device's application data: its line in devices.jsonl, a growing sequence number. */
static int data_ok(peer_dev *d, const uint8_t *data, size_t len)
{
	if (len != 8)
		return 0;
	uint32_t line = (uint32_t)data[0] << 24 | data[1] << 16 | data[2] << 8 | data[3];
	uint32_t seq = (uint32_t)data[4] << 24 | data[5] << 16 | data[6] << 8 | data[7];
	if (line != d->line || seq < d->next_seq)
		return 0;
	d->next_seq = seq + 1;
	return 1;
}

static void on_m1(ngap_link *l, uint32_t ran, const uint8_t *pdu, size_t len)
{
	uint8_t id_type, id[AIOT_NAS_MAX_ID_LEN], id_len, rand_n[16], m2[AIOT_NAS_DOA_M2_LEN];
	peer_dev *d = NULL;
	if (doa_net_m1_id(pdu, len, &id_type, id, &id_len) == AIOT_OK)
		d = by_id(id_type, id, id_len);
	if (d == NULL || getrandom(rand_n, sizeof rand_n, 0) != sizeof rand_n) {
		P.m1_unknown++;
		return;
	}
	if (d->last_len == len && memcmp(d->last, pdu, len) == 0) {
		P.duplicates++; /* the same M1 (same RAND_d) again: its M2 has gone */
		return;
	}
	memcpy(d->last, pdu, len);
	d->last_len = (uint16_t)len;
	if (d->bound && d->ran != ran)
		P.ran_rebound++; /* a new DO-A session of the reader, or a new registration */
	d->bound = 1;
	d->ran = ran;
	if (d->registered) {
		d->registered = 0;
		P.registered--;
	}
	int n = doa_net_m2(P.be, &d->n, pdu, len, rand_n, m2);
	if (n > 0)
		downlink(l, ran, m2, (size_t)n);
}

static void on_uplink(ngap_link *l, const ngap_msg *m)
{
	uint8_t pdu[AIOT_NAS_MAX_PDU], m4[AIOT_NAS_MAX_PDU];
	const uint8_t *data;
	size_t len = m->u.doa.nas_len, dlen;
	memcpy(pdu, m->u.doa.nas_pdu, len);
	int type = aiot_nas_peek_type(pdu, len);
	if (type == AIOT_NAS_DOA_REG_REQUEST) {
		on_m1(l, m->u.doa.ran_device_id, pdu, len);
		return;
	}
	peer_dev *d = by_ran(m->u.doa.ran_device_id);
	if (d == NULL) {
		P.ran_unknown++;
		return;
	}
	/* A PDU the device sent again because its ACK came late: delivered once (the AIOTF's
	 * deduplication), neither bad nor counted twice. */
	if (d->last_len == len && memcmp(d->last, m->u.doa.nas_pdu, len) == 0) {
		P.duplicates++;
		return;
	}
	if (type == AIOT_NAS_DOA_AUTH_RESPONSE) {
		if (doa_net_m3(P.be, &d->n, pdu, len, &data, &dlen) != AIOT_OK ||
		    (dlen != 0 && !data_ok(d, data, dlen))) {
			P.m3_bad++;
			return;
		}
		int n = doa_net_m4(P.be, &d->n, m4, sizeof m4);
		if (n <= 0) {
			P.m3_bad++;
			return;
		}
		downlink(l, d->ran, m4, (size_t)n);
		memcpy(d->last, m->u.doa.nas_pdu, len);
		d->last_len = (uint16_t)len;
		if (!d->registered) {
			d->registered = 1;
			P.registered++;
		}
		P.registrations++;
		return;
	}
	if (doa_net_uplink(P.be, &d->n, pdu, len, &data, &dlen) != AIOT_OK ||
	    !data_ok(d, data, dlen)) {
		P.uplink_bad++;
		return;
	}
	memcpy(d->last, m->u.doa.nas_pdu, len);
	d->last_len = (uint16_t)len;
	P.uplink++;
	if (++d->data == P.want_data)
		P.with_data++;
	if (P.registered >= P.expect && P.with_data >= P.expect)
		finish(P.m3_bad || P.uplink_bad || P.m1_unknown ? 3 : 0);
}

static void on_msg(void *arg, ngap_link *l, ngap_msg *m)
{
	(void)arg;
	if (m->type == NGAP_NG_SETUP_REQUEST) {
		ngap_msg r;
		memset(&r, 0, sizeof r);
		r.type = NGAP_NG_SETUP_RESPONSE;
		snprintf(r.u.setup_resp.aiotf_name, sizeof r.u.setup_resp.aiotf_name, "doa-peer");
		if (ngap_send(l, &r) != AIOT_OK)
			finish(1);
	} else if (m->type == NGAP_DOA_UPLINK_NAS) {
		on_uplink(l, m);
	} else if (m->type == NGAP_DOA_DOWNLINK_FAILURE) {
		fprintf(stderr, "doa_aiotf_peer: downlink failure for RAN ID %u, cause %u\n",
		        m->u.fail.ran_device_id, m->u.fail.cause.value);
	} else {
		fprintf(stderr, "doa_aiotf_peer: unexpected %s\n", ngap_type_name(m->type));
	}
	ngap_free(m);
}

static void on_close(void *arg, ngap_link *l, const char *err)
{
	(void)arg;
	(void)l;
	fprintf(stderr, "doa_aiotf_peer: link closed: %s\n", err ? err : "by peer");
	P.link = NULL;
	if (!P.done)
		finish(1);
}

static void on_accept(void *arg, ngap_link *l)
{
	(void)arg;
	if (P.link != NULL) { /* one reader */
		ngap_link_free(l);
		return;
	}
	P.link = l;
	ngap_link_cbs cbs = {.on_msg = on_msg, .on_close = on_close};
	ngap_link_set_cbs(l, &cbs);
}

static void on_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	fprintf(stderr, "doa_aiotf_peer: timeout\n");
	finish(4);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 1},    {"keys", required_argument, NULL, 2},
	    {"expect", required_argument, NULL, 3},    {"data", required_argument, NULL, 4},
	    {"timeout-s", required_argument, NULL, 5}, {NULL, 0, NULL, 0},
	};
	const char *listen = "127.0.0.1:0", *keys = NULL;
	char err[256];
	long timeout_s = 60;
	int o;
	P.want_data = 1;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (o == 1)
			listen = optarg;
		else if (o == 2)
			keys = optarg;
		else if (o == 3)
			P.expect = strtoul(optarg, NULL, 10);
		else if (o == 4)
			P.want_data = strtoul(optarg, NULL, 10);
		else if (o == 5)
			timeout_s = atol(optarg);
		else
			return 1;
	}
	if (keys == NULL || P.expect == 0 || P.want_data == 0) {
		fputs("usage: doa_aiotf_peer --keys devices.jsonl --expect N [--data N] "
		      "[--listen ADDR:PORT] [--timeout-s N]\n",
		      stderr);
		return 1;
	}
	if (load_keys(keys) != 0 || (P.be = aiot_backend_openssl_new()) == NULL ||
	    (P.base = event_base_new()) == NULL)
		return 1;
	P.ls = ngap_listen(P.base, listen, "tcp", on_accept, NULL, err, sizeof err);
	if (P.ls == NULL) {
		fprintf(stderr, "doa_aiotf_peer: %s\n", err);
		return 1;
	}
	fprintf(stderr, "doa_aiotf_peer: listening on 127.0.0.1:%d\n", ngap_listener_port(P.ls));
	struct event *t = evtimer_new(P.base, on_timeout, NULL);
	struct timeval tv = {.tv_sec = timeout_s};
	evtimer_add(t, &tv);
	P.rc = 1;
	event_base_dispatch(P.base);
	event_free(t);
	if (P.link != NULL)
		ngap_link_free(P.link);
	ngap_listener_free(P.ls);
	event_base_free(P.base);
	aiot_backend_openssl_free(P.be);
	for (size_t i = 0; i < P.ndev; i++)
		doa_net_clear(&P.dev[i].n);
	free(P.dev);
	return P.rc;
}
