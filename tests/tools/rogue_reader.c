/* SPDX-License-Identifier: Apache-2.0 */
/*
 * rogue_reader: an NG-RAN node that lies (tests/integration/attacks.sh). It connects to the
 * AIOTF's NG link like aiot-reader, completes NG Setup and then, for each Inventory Request
 * (TS 33.369 5.2.2 step 2), answers InventoryResponse and one InventoryReport (step 6,
 * inventoryCompleteIndication set) with Inventory Responses it never read from a device:
 *
 *   --replay FILE   the "inv HEX" lines of a rogue_air relay record: genuine Inventory
 *                   Responses of an earlier session, under an old RAND_AIOT_n;
 *   --forge FILE    devices.jsonl: a genuine identifier with a random RAND_AIOT_d and a
 *                   random RES_AIOT of the device's length (--forge-count N: the first N);
 *   --fake-tid N    N T-IDs nobody holds (random, drawn once), each with a random
 *                   RAND_AIOT_d and RES_AIOT: the amplification of TS 33.369 NOTE 3.
 *                   Forged and fake answers carry the RAND tag of the Inventory Request's
 *                   RAND_AIOT_n (this attacker is paged: the tag filters, it does not
 *                   authenticate).
 *
 * --silent accepts every Inventory Request (InventoryResponse) and never reports: the
 * AIOTF's paging stays open until its timeout (a reader whose devices never answer).
 *
 * --unsolicited N sends N Inventory Reports right after NG Setup on correlation ids that no
 * paging opened (--before-setup N: that many before NG Setup), paced --pace-us apart
 * (0: all at once). Prints JSON lines: one per Inventory Request answered and a summary:
 *   {"event":"summary","requests":N,"reports":N,"d2r":N,"closed_by_peer":true|false}
 * Exits after --requests N answered requests (0: only the unsolicited reports; then it waits
 * --linger-ms for the AIOTF to close the link), or --timeout-s.
 */
#include <event2/event.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cjson/cJSON.h>

#include "common/aiot_err.h"
#include "common/base64.h"
#include "common/hex.h"
#include "nas/nas.h"
#include "ngap/ngap_aiot.h"
#include "ngap/ngap_link.h"

static const char usage_text[] =
    "usage: rogue_reader --aiotf ADDR:PORT [--transport auto|sctp|tcp] [--gnb-id N]\n"
    "                    [--reader-index N] [--replay FILE] [--forge devices.jsonl\n"
    "                    [--forge-count N]] [--fake-tid N] [--requests N] [--unsolicited N]\n"
    "                    [--before-setup N] [--pace-us N] [--linger-ms N] [--timeout-s N]\n"
    "                    [--silent]\n";

typedef struct pdu {
	uint8_t b[AIOT_NAS_MAX_PDU];
	uint16_t len;
} pdu;

static struct {
	struct event_base *base;
	ngap_link *link;
	struct event *tick, *linger;
	pdu *replay;
	size_t nreplay;
	pdu *forge; /* identifiers + RES length; RAND_d and RES drawn per answer */
	size_t nforge;
	unsigned long requests_wanted, requests, reports, d2r;
	unsigned long unsolicited, before_setup, unsol_sent;
	unsigned long pace_us, linger_ms;
	uint32_t gnb_id;
	uint16_t reader_index;
	uint16_t next_corr;
	uint8_t rand_n[16]; /* of the Inventory Request answered (unsolicited: zero) */
	int setup_done, closed_by_peer, rc, silent;
} R = {.requests_wanted = 1, .gnb_id = 666, .reader_index = 66, .linger_ms = 3000};

static void die_oom(void)
{
	fputs("rogue_reader: out of memory or internal error\n", stderr);
	exit(1);
}

static int load_replay(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, rcap = 0;
	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		if (strncmp(line, "inv ", 4) != 0)
			continue;
		char *hex = line + 4;
		hex[strcspn(hex, "\r\n")] = '\0';
		if (R.nreplay == rcap) {
			rcap = rcap ? 2 * rcap : 256;
			if ((R.replay = realloc(R.replay, rcap * sizeof *R.replay)) == NULL)
				die_oom();
		}
		int n = aiot_hex_decode(hex, strlen(hex), R.replay[R.nreplay].b, AIOT_NAS_MAX_PDU);
		if (n <= 0) {
			fprintf(stderr, "rogue_reader: %s: bad inv line\n", path);
			continue;
		}
		R.replay[R.nreplay++].len = (uint16_t)n;
	}
	free(line);
	fclose(f);
	return 0;
}

/* Each forge entry holds a template Inventory Response: identifier and RES length right. */
static int load_forge(const char *path, size_t max)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, fcap = 0;
	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (getline(&line, &cap, f) > 0 && (max == 0 || R.nforge < max)) {
		cJSON *j = cJSON_Parse(line);
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(j, "aiotDevPermId"));
		const cJSON *bits = cJSON_GetObjectItem(j, "resBits");
		uint8_t idb[AIOT_NAS_MAX_ID_LEN];
		int idlen = id ? aiot_b64_decode(id, strlen(id), idb, sizeof idb) : -1;
		if (idlen <= 0 || !cJSON_IsNumber(bits)) {
			fprintf(stderr, "rogue_reader: %s: bad line\n", path);
			cJSON_Delete(j);
			continue;
		}
		if (R.nforge == fcap) {
			fcap = fcap ? 2 * fcap : 256;
			if ((R.forge = realloc(R.forge, fcap * sizeof *R.forge)) == NULL)
				die_oom();
		}
		aiot_nas_inventory_response m = {.res_len = (uint8_t)(bits->valuedouble / 8),
		                                 .id_type = AIOT_NAS_ID_PERM,
		                                 .id = idb,
		                                 .id_len = (uint8_t)idlen};
		int n =
		    aiot_nas_encode_inventory_response(&m, R.forge[R.nforge].b, AIOT_NAS_MAX_PDU);
		if (n > 0)
			R.forge[R.nforge++].len = (uint16_t)n;
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	return 0;
}

/* n Inventory Responses under random T-IDs (identifier privacy), 8-octet RES. */
static void load_fake_tids(unsigned long n)
{
	if (n == 0)
		return;
	if ((R.forge = realloc(R.forge, (R.nforge + n) * sizeof *R.forge)) == NULL)
		die_oom();
	for (unsigned long i = 0; i < n; i++) {
		uint8_t tid[16];
		if (getrandom(tid, sizeof tid, 0) != (ssize_t)sizeof tid)
			die_oom();
		aiot_nas_inventory_response m = {
		    .res_len = 8, .id_type = AIOT_NAS_ID_TID, .id = tid, .id_len = 16};
		int len =
		    aiot_nas_encode_inventory_response(&m, R.forge[R.nforge].b, AIOT_NAS_MAX_PDU);
		if (len <= 0)
			die_oom();
		R.forge[R.nforge++].len = (uint16_t)len;
	}
}

static void finish(int rc)
{
	R.rc = rc;
	event_base_loopbreak(R.base);
}

/* One Inventory Report with every replayed and forged Inventory Response. */
static int send_report(uint16_t corr, int complete)
{
	size_t n = R.nreplay + R.nforge;
	ngap_device_report *dv = calloc(n ? n : 1, sizeof *dv);
	pdu *forged = calloc(R.nforge ? R.nforge : 1, sizeof *forged);
	if (dv == NULL || forged == NULL)
		die_oom();
	for (size_t i = 0; i < R.nreplay; i++)
		dv[i] = (ngap_device_report){.nas_pdu = R.replay[i].b,
		                             .nas_len = R.replay[i].len,
		                             .has_ran_device_id = 1,
		                             .ran_device_id = (uint32_t)i};
	for (size_t i = 0; i < R.nforge; i++) {
		/* Inventory Response: type, flags, RAND tag of the paging, RAND_AIOT_d(16), RES:
		 * fresh random bytes. */
		aiot_nas_inventory_response t;
		forged[i] = R.forge[i];
		if (aiot_nas_decode_inventory_response(forged[i].b, forged[i].len, &t) != AIOT_OK ||
		    getrandom(forged[i].b + AIOT_NAS_INV_RAND_OFF, 16u + t.res_len, 0) !=
		        (ssize_t)(16u + t.res_len))
			die_oom(); /* our own template */
		memcpy(forged[i].b + AIOT_NAS_INV_TAG_OFF, R.rand_n, AIOT_NAS_RAND_TAG_LEN);
		dv[R.nreplay + i] =
		    (ngap_device_report){.nas_pdu = forged[i].b,
		                         .nas_len = forged[i].len,
		                         .has_ran_device_id = 1,
		                         .ran_device_id = (uint32_t)(R.nreplay + i)};
	}
	ngap_reader_report rr = {
	    .reader_index = R.reader_index, .devices = dv, .ndevices = (uint32_t)n};
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_INVENTORY_REPORT;
	m.correlation_id = corr;
	m.u.report.gnb_id = R.gnb_id;
	m.u.report.readers = &rr;
	m.u.report.nreaders = 1;
	m.u.report.complete = (uint8_t)complete;
	int rc = R.link ? ngap_send(R.link, &m) : AIOT_ERR_STATE;
	free(dv);
	free(forged);
	if (rc == AIOT_OK) {
		R.reports++;
		R.d2r += n;
	}
	return rc;
}

static void send_setup(void)
{
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_NG_SETUP_REQUEST;
	m.u.setup_req.gnb_id = R.gnb_id;
	m.u.setup_req.reader_index = R.reader_index;
	snprintf(m.u.setup_req.name, sizeof m.u.setup_req.name, "rogue-reader");
	ngap_send(R.link, &m);
}

static void arm_linger(void)
{
	struct timeval tv = {(time_t)(R.linger_ms / 1000),
	                     (suseconds_t)(R.linger_ms % 1000) * 1000};
	evtimer_add(R.linger, &tv);
}

/* Unsolicited reports: correlation ids counting down from 65535, which the AIOTF (it
 * allocates upwards from 0) has not opened on this link. */
static void on_tick(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	unsigned long total = R.before_setup + R.unsolicited;
	do {
		if (R.unsol_sent == R.before_setup && !R.setup_done) {
			send_setup();
			return; /* resumed by the NG Setup Response */
		}
		if (R.unsol_sent == total)
			break;
		if (send_report((uint16_t)(65535 - R.unsol_sent % 30000), 1) != AIOT_OK)
			break;
		R.unsol_sent++;
	} while (R.pace_us == 0);
	if (R.unsol_sent < total && R.link != NULL) {
		struct timeval tv = {0, (suseconds_t)R.pace_us};
		evtimer_add(R.tick, &tv);
		return;
	}
	if (R.requests_wanted == 0)
		arm_linger();
}

static void on_linger(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	finish(0);
}

static void on_msg(void *arg, ngap_link *l, ngap_msg *m)
{
	(void)arg;
	switch (m->type) {
	case NGAP_NG_SETUP_RESPONSE:
		R.setup_done = 1;
		fprintf(stderr, "rogue_reader: NG Setup done with '%s'\n",
		        m->u.setup_resp.aiotf_name);
		event_active(R.tick, EV_TIMEOUT, 0);
		break;
	case NGAP_INVENTORY_REQUEST: {
		char hex[33];
		ngap_msg r;
		memset(&r, 0, sizeof r);
		r.type = NGAP_INVENTORY_RESPONSE;
		r.correlation_id = m->correlation_id;
		ngap_send(l, &r);
		memcpy(R.rand_n, m->u.inv_req.rand_n, 16);
		int rc = R.silent ? AIOT_OK : send_report(m->correlation_id, 1);
		R.requests++;
		aiot_hex_encode(m->u.inv_req.rand_n, 16, hex);
		printf("{\"event\":\"inventory_request\",\"corr\":%u,\"rand_n\":\"%s\","
		       "\"answered\":%zu,\"sent\":%s}\n",
		       m->correlation_id, hex, R.nreplay + R.nforge,
		       rc == AIOT_OK ? "true" : "false");
		fflush(stdout);
		break;
	}
	case NGAP_SESSION_RELEASE_COMMAND: {
		ngap_msg r;
		memset(&r, 0, sizeof r);
		r.type = NGAP_SESSION_RELEASE_COMPLETE;
		r.correlation_id = m->correlation_id;
		ngap_send(l, &r);
		if (R.requests_wanted > 0 && R.requests >= R.requests_wanted)
			finish(0);
		break;
	}
	case NGAP_COMMAND_REQUEST: { /* never sent: only authenticated devices get commands */
		ngap_msg r;
		memset(&r, 0, sizeof r);
		r.type = NGAP_COMMAND_FAILURE;
		r.correlation_id = m->correlation_id;
		r.u.fail.cause = (ngap_cause){NGAP_CAUSE_RADIO, NGAP_CAUSE_DEVICE_NOT_REACHABLE};
		r.u.fail.has_ran_device_id = 1;
		r.u.fail.ran_device_id = m->u.cmd.ran_device_id;
		ngap_send(l, &r);
		printf("{\"event\":\"command_request\",\"corr\":%u,\"ran\":%u}\n",
		       m->correlation_id, m->u.cmd.ran_device_id);
		fflush(stdout);
		break;
	}
	default:
		break;
	}
	ngap_free(m);
}

static void on_close(void *arg, ngap_link *l, const char *err)
{
	(void)arg;
	(void)l;
	fprintf(stderr, "rogue_reader: link closed: %s\n", err ? err : "by peer");
	R.link = NULL;
	R.closed_by_peer = 1;
	finish(R.requests_wanted > 0 && R.requests < R.requests_wanted ? 2 : 0);
}

static void on_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	(void)arg;
	fprintf(stderr, "rogue_reader: timeout\n");
	finish(4);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"aiotf", required_argument, NULL, 1},
	    {"transport", required_argument, NULL, 2},
	    {"gnb-id", required_argument, NULL, 3},
	    {"reader-index", required_argument, NULL, 4},
	    {"replay", required_argument, NULL, 5},
	    {"forge", required_argument, NULL, 6},
	    {"forge-count", required_argument, NULL, 7},
	    {"requests", required_argument, NULL, 8},
	    {"unsolicited", required_argument, NULL, 9},
	    {"before-setup", required_argument, NULL, 10},
	    {"pace-us", required_argument, NULL, 11},
	    {"linger-ms", required_argument, NULL, 12},
	    {"timeout-s", required_argument, NULL, 13},
	    {"silent", no_argument, NULL, 14},
	    {"fake-tid", required_argument, NULL, 15},
	    {NULL, 0, NULL, 0},
	};
	const char *aiotf = NULL, *transport = "auto", *replay = NULL, *forge = NULL;
	unsigned long forge_count = 0, timeout_s = 60, fake_tids = 0;
	char err[256];
	int o;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 1:
			aiotf = optarg;
			break;
		case 2:
			transport = optarg;
			break;
		case 3:
			R.gnb_id = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 4:
			R.reader_index = (uint16_t)strtoul(optarg, NULL, 0);
			break;
		case 5:
			replay = optarg;
			break;
		case 6:
			forge = optarg;
			break;
		case 7:
			forge_count = strtoul(optarg, NULL, 0);
			break;
		case 8:
			R.requests_wanted = strtoul(optarg, NULL, 0);
			break;
		case 9:
			R.unsolicited = strtoul(optarg, NULL, 0);
			break;
		case 10:
			R.before_setup = strtoul(optarg, NULL, 0);
			break;
		case 11:
			R.pace_us = strtoul(optarg, NULL, 0);
			break;
		case 12:
			R.linger_ms = strtoul(optarg, NULL, 0);
			break;
		case 13:
			timeout_s = strtoul(optarg, NULL, 0);
			break;
		case 14:
			R.silent = 1;
			break;
		case 15:
			fake_tids = strtoul(optarg, NULL, 0);
			break;
		default:
			fputs(usage_text, stderr);
			return 1;
		}
	}
	if (aiotf == NULL || R.reader_index == 0) {
		fputs(usage_text, stderr);
		return 1;
	}
	if ((replay && load_replay(replay) != 0) || (forge && load_forge(forge, forge_count) != 0))
		return 1;
	if (fake_tids > NGAP_MAX_DEVICES) {
		fprintf(stderr, "rogue_reader: --fake-tid: at most %u\n", NGAP_MAX_DEVICES);
		return 1;
	}
	load_fake_tids(fake_tids);
	if ((!R.silent && R.nreplay + R.nforge == 0) || R.nreplay + R.nforge > NGAP_MAX_DEVICES) {
		fprintf(stderr,
		        "rogue_reader: 1..%u Inventory Responses needed "
		        "(--replay/--forge/--fake-tid)\n",
		        NGAP_MAX_DEVICES);
		return 1;
	}
	fprintf(stderr, "rogue_reader: %zu replayed, %zu forged Inventory Responses per report\n",
	        R.nreplay, R.nforge);
	signal(SIGPIPE, SIG_IGN);
	if ((R.base = event_base_new()) == NULL)
		return 1;
	ngap_link_cbs cbs = {.on_msg = on_msg, .on_close = on_close};
	R.link = ngap_connect(R.base, aiotf, transport, &cbs, err, sizeof err);
	if (R.link == NULL) {
		fprintf(stderr, "rogue_reader: %s\n", err);
		return 1;
	}
	R.tick = evtimer_new(R.base, on_tick, NULL);
	R.linger = evtimer_new(R.base, on_linger, NULL);
	struct event *to = evtimer_new(R.base, on_timeout, NULL);
	struct timeval tv = {(time_t)timeout_s, 0};
	evtimer_add(to, &tv);
	event_active(R.tick, EV_TIMEOUT, 0); /* before-setup reports, then NG Setup */
	R.rc = 1;
	event_base_dispatch(R.base);
	printf("{\"event\":\"summary\",\"requests\":%lu,\"reports\":%lu,\"d2r\":%lu,"
	       "\"unsolicited_sent\":%lu,\"closed_by_peer\":%s}\n",
	       R.requests, R.reports, R.d2r, R.unsol_sent, R.closed_by_peer ? "true" : "false");
	fflush(stdout);
	if (R.link != NULL)
		ngap_link_free(R.link);
	event_free(to);
	event_free(R.tick);
	event_free(R.linger);
	event_base_free(R.base);
	free(R.replay);
	free(R.forge);
	return R.rc;
}
