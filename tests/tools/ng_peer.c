/* SPDX-License-Identifier: Apache-2.0 */
/*
 * ng_peer: a minimal AIOTF for tests of aiot-reader without the real AIOTF. Listens on the
 * NG link, answers the reader's NG Setup, sends one Inventory Request (TS 33.369 5.2.2
 * step 2) and prints every device of the Inventory Reports (step 6) as one JSON line:
 *   {"ran":N,"id_type":"perm"|"tid"|"none","id":"<base64 | hex>","rand_d":"..","res":".."}
 * RAND_AIOT_n goes to stderr ("rand_n HEX").
 * With --keys devices.jsonl --followon it plays the AIOTF's command procedure too (TS 33.369
 * 5.2.2 steps 7-11 done locally with the device keys, a test shortcut for the ADM): it
 * checks each RES, sends every verified device a protected Command Request (TID_UPDATE to a
 * T-ID device, else READ 8 octets; with --command-unverified also to the devices whose RES
 * failed, under the genuine key) and prints one line per outcome:
 *   {"ran":N,"cmd":"read"|"tid_update","res_ok":true|false,"result":"ok"|"failure"|...}
 */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <cjson/cJSON.h>

#include "common/aiot_err.h"
#include "crypto/aiot_fc.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "nas/nas_security.h"
#include "common/base64.h"
#include "common/hex.h"
#include "nas/nas.h"
#include "ngap/ngap_aiot.h"
#include "ngap/ngap_link.h"

static const char usage_text[] =
    "usage: ng_peer [--listen ADDR:PORT] [--transport auto|sctp|tcp] [--rand-n HEX]\n"
    "               [--group HEX --group-bits N | --single HEX] [--approx N] [--followon]\n"
    "               [--correlation N] [--timeout-s N]\n"
    "               [--keys devices.jsonl [--command-unverified]] (with --followon)\n";

typedef struct keyent {
	char id[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1]; /* base64 permanent ID or hex T-ID */
	char tid[33];
	uint8_t key[32];
	size_t key_len;
	aiot_suite suite;
	unsigned res_bits;
} keyent;

typedef struct rec { /* one device read, for the command phase */
	uint32_t ran;
	uint8_t rand_d[16], res[16], res_len, is_tid, res_ok, pending;
	char id[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1];
	uint8_t k_int[16], k_enc[16];
} rec;

static struct {
	struct event_base *base;
	ngap_listener *ls;
	ngap_link *link;
	ngap_msg req;
	unsigned long devices, reports, bad_nas;
	int done, rc;
	keyent *keys;
	size_t nkeys;
	rec *recs;
	size_t nrecs, reccap;
	size_t pending;
	int command_unverified;
} P;

static int load_keys(const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, kcap = 0;
	if (f == NULL) {
		perror(path);
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		cJSON *j = cJSON_Parse(line);
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItem(j, "aiotDevPermId"));
		const char *key = cJSON_GetStringValue(cJSON_GetObjectItem(j, "key"));
		const char *suite = cJSON_GetStringValue(cJSON_GetObjectItem(j, "suite"));
		const char *tid = cJSON_GetStringValue(cJSON_GetObjectItem(j, "tid"));
		cJSON *bits = cJSON_GetObjectItem(j, "resBits");
		if (P.nkeys == kcap) {
			kcap = kcap ? 2 * kcap : 1024;
			P.keys = realloc(P.keys, kcap * sizeof *P.keys);
			if (P.keys == NULL)
				abort(); /* test tool: out of memory */
		}
		keyent *k = &P.keys[P.nkeys];
		memset(k, 0, sizeof *k);
		int n = key ? aiot_hex_decode(key, strlen(key), k->key, sizeof k->key) : -1;
		if (id == NULL || n <= 0 || strlen(id) >= sizeof k->id || suite == NULL ||
		    aiot_suite_from_name(suite, &k->suite) != AIOT_OK || !cJSON_IsNumber(bits)) {
			fprintf(stderr, "ng_peer: %s: bad line\n", path);
			cJSON_Delete(j);
			free(line);
			fclose(f);
			return -1;
		}
		k->key_len = (size_t)n;
		k->res_bits = (unsigned)bits->valuedouble;
		strcpy(k->id, id);
		if (tid != NULL)
			snprintf(k->tid, sizeof k->tid, "%s", tid);
		P.nkeys++;
		cJSON_Delete(j);
	}
	free(line);
	fclose(f);
	return 0;
}

static const keyent *find_key(const rec *r)
{
	for (size_t i = 0; i < P.nkeys; i++)
		if (strcmp(r->is_tid ? P.keys[i].tid : P.keys[i].id, r->id) == 0)
			return &P.keys[i];
	return NULL;
}

static rec *rec_by_ran(uint32_t ran)
{
	size_t lo = 0, hi = P.nrecs; /* the reader assigns RAN IDs in increasing order */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (P.recs[mid].ran == ran)
			return &P.recs[mid];
		if (P.recs[mid].ran < ran)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void release_session(ngap_link *l)
{
	ngap_msg r;
	memset(&r, 0, sizeof r);
	r.type = NGAP_SESSION_RELEASE_COMMAND;
	r.correlation_id = P.req.correlation_id;
	ngap_send(l, &r);
}

/* Steps 7-11 with local keys, then a protected Command Request per device. */
static void send_commands(ngap_link *l)
{
	const aiot_backend *be = &aiot_backend_ref;
	for (size_t i = 0; i < P.nrecs; i++) {
		rec *r = &P.recs[i];
		const keyent *k = find_key(r);
		uint8_t xres[16], kaiotf[16], plain[8], pdu[AIOT_NAS_MAX_PDU];
		if (k == NULL) {
			printf("{\"ran\":%u,\"cmd\":\"none\",\"result\":\"unknown-id\"}\n", r->ran);
			continue;
		}
		aiot_derive_res(be, k->suite, k->key, k->key_len, P.req.u.inv_req.rand_n, r->rand_d,
		                k->res_bits, xres);
		r->res_ok = r->res_len == k->res_bits / 8 && aiot_ct_eq(xres, r->res, r->res_len);
		if (!r->res_ok && !P.command_unverified)
			continue;
		aiot_derive_kaiotf(be, k->suite, k->key, k->key_len, P.req.u.inv_req.rand_n,
		                   r->rand_d, kaiotf);
		aiot_derive_algkey(be, k->suite, kaiotf, AIOT_ALG_TYPE_INT, AIOT_ALG_ID_NIA2,
		                   r->k_int);
		aiot_derive_algkey(be, k->suite, kaiotf, AIOT_ALG_TYPE_ENC, AIOT_ALG_ID_NEA2,
		                   r->k_enc);
		aiot_nas_command c = {.cmd = r->is_tid ? AIOT_CMD_TID_UPDATE : AIOT_CMD_READ,
		                      .offset = 0,
		                      .length = 8};
		int pl = aiot_nas_encode_command(&c, plain, sizeof plain);
		int n = pl < 0 ? pl
		               : aiot_nas_protect(be, r->k_int, r->k_enc, AIOT_NAS_COMMAND_REQUEST,
		                                  0, AIOT_DIR_DOWNLINK, plain, (size_t)pl, pdu,
		                                  sizeof pdu);
		if (n < 0) {
			fprintf(stderr, "ng_peer: cannot build a command: %s\n", aiot_strerror(n));
			continue;
		}
		ngap_msg m;
		memset(&m, 0, sizeof m);
		m.type = NGAP_COMMAND_REQUEST;
		m.correlation_id = P.req.correlation_id;
		snprintf(m.u.cmd.aiotf_name, sizeof m.u.cmd.aiotf_name, "ng-peer");
		m.u.cmd.ran_device_id = r->ran;
		m.u.cmd.nas_pdu = pdu;
		m.u.cmd.nas_len = (uint16_t)n;
		m.u.cmd.expected_d2r_size = 256;
		if (ngap_send(l, &m) == AIOT_OK) {
			r->pending = 1;
			P.pending++;
		}
	}
	fprintf(stderr, "ng_peer: %zu commands sent\n", P.pending);
	if (P.pending == 0)
		release_session(l);
}

static void command_done(ngap_link *l, const ngap_msg *m)
{
	rec *r = rec_by_ran(m->type == NGAP_COMMAND_RESPONSE ? m->u.cmd.ran_device_id
	                                                     : m->u.fail.ran_device_id);
	const char *result = "ok", *cmd;
	if (r == NULL || !r->pending) {
		fprintf(stderr, "ng_peer: unexpected %s\n", ngap_type_name(m->type));
		return;
	}
	cmd = r->is_tid ? "tid_update" : "read";
	if (m->type == NGAP_COMMAND_FAILURE) {
		printf("{\"ran\":%u,\"cmd\":\"%s\",\"res_ok\":%s,\"result\":\"failure\",\"cause\":%"
		       "u}\n",
		       r->ran, cmd, r->res_ok ? "true" : "false", m->u.fail.cause.value);
	} else {
		uint8_t buf[AIOT_NAS_MAX_PDU];
		aiot_nas_protected p;
		aiot_nas_result res;
		memcpy(buf, m->u.cmd.nas_pdu, m->u.cmd.nas_len);
		if (aiot_nas_unprotect(&aiot_backend_ref, r->k_int, r->k_enc, AIOT_DIR_UPLINK, buf,
		                       m->u.cmd.nas_len, &p) != AIOT_OK ||
		    p.type != AIOT_NAS_COMMAND_RESPONSE)
			result = "mac";
		else if (aiot_nas_decode_result(p.payload, p.payload_len, &res) != AIOT_OK)
			result = "malformed";
		else if (res.status != AIOT_ST_SUCCESS)
			result = "status";
		printf("{\"ran\":%u,\"cmd\":\"%s\",\"res_ok\":%s,\"result\":\"%s\"}\n", r->ran, cmd,
		       r->res_ok ? "true" : "false", result);
	}
	r->pending = 0;
	if (--P.pending == 0)
		release_session(l);
}

static void print_device(const ngap_device_report *d)
{
	aiot_nas_inventory_response m;
	char id[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1], rd[33], res[33];
	int rc = aiot_nas_decode_inventory_response(d->nas_pdu, d->nas_len, &m);
	if (rc != AIOT_OK) {
		fprintf(stderr, "ng_peer: device %u: not an Inventory Response: %s\n",
		        d->ran_device_id, aiot_strerror(rc));
		P.bad_nas++;
		return;
	}
	const char *type = "none";
	id[0] = '\0';
	if (m.id_type == AIOT_NAS_ID_PERM) {
		type = "perm";
		aiot_b64_encode(m.id, m.id_len, id);
	} else if (m.id_type == AIOT_NAS_ID_TID) {
		type = "tid";
		aiot_hex_encode(m.id, m.id_len, id);
	}
	aiot_hex_encode(m.rand_d, 16, rd);
	aiot_hex_encode(m.res, m.res_len, res);
	if (P.keys != NULL) {
		if (P.nrecs == P.reccap) {
			P.reccap = P.reccap ? 2 * P.reccap : 1024;
			P.recs = realloc(P.recs, P.reccap * sizeof *P.recs);
			if (P.recs == NULL)
				abort(); /* test tool: out of memory */
		}
		rec *r = &P.recs[P.nrecs++];
		memset(r, 0, sizeof *r);
		r->ran = d->ran_device_id;
		memcpy(r->rand_d, m.rand_d, 16);
		memcpy(r->res, m.res, m.res_len);
		r->res_len = m.res_len;
		r->is_tid = m.id_type == AIOT_NAS_ID_TID;
		snprintf(r->id, sizeof r->id, "%s", id);
	}
	printf("{\"ran\":%u,\"id_type\":\"%s\",\"id\":\"%s\",\"rand_d\":\"%s\",\"res\":\"%s\"}\n",
	       d->has_ran_device_id ? d->ran_device_id : 0, type, id, rd, res);
	P.devices++;
}

static void finish(int rc)
{
	P.rc = rc;
	P.done = 1;
	fflush(stdout);
	event_base_loopbreak(P.base);
}

static void on_msg(void *arg, ngap_link *l, ngap_msg *m)
{
	(void)arg;
	switch (m->type) {
	case NGAP_NG_SETUP_REQUEST: {
		ngap_msg r;
		memset(&r, 0, sizeof r);
		r.type = NGAP_NG_SETUP_RESPONSE;
		snprintf(r.u.setup_resp.aiotf_name, sizeof r.u.setup_resp.aiotf_name, "ng-peer");
		fprintf(stderr, "ng_peer: NG setup from gNB %u reader %u '%s'\n",
		        m->u.setup_req.gnb_id, m->u.setup_req.reader_index, m->u.setup_req.name);
		if (ngap_send(l, &r) != AIOT_OK || ngap_send(l, &P.req) != AIOT_OK)
			finish(1);
		break;
	}
	case NGAP_INVENTORY_RESPONSE:
		fprintf(stderr, "ng_peer: inventory %u accepted\n", m->correlation_id);
		break;
	case NGAP_INVENTORY_FAILURE:
		fprintf(stderr, "ng_peer: inventory failure, cause %u/%u\n", m->u.fail.cause.group,
		        m->u.fail.cause.value);
		finish(2);
		break;
	case NGAP_INVENTORY_REPORT:
		P.reports++;
		for (uint32_t i = 0; i < m->u.report.nreaders; i++)
			for (uint32_t j = 0; j < m->u.report.readers[i].ndevices; j++)
				print_device(&m->u.report.readers[i].devices[j]);
		if (m->u.report.complete) {
			fprintf(stderr, "ng_peer: inventory complete: %lu devices in %lu reports\n",
			        P.devices, P.reports);
			if (P.req.u.inv_req.followon_command && P.keys != NULL) {
				send_commands(l);
			} else if (P.req.u.inv_req.followon_command) {
				release_session(l);
			} else {
				finish(P.bad_nas ? 3 : 0);
			}
		}
		break;
	case NGAP_COMMAND_RESPONSE:
	case NGAP_COMMAND_FAILURE:
		command_done(l, m);
		break;
	case NGAP_SESSION_RELEASE_COMPLETE:
		finish(P.bad_nas ? 3 : 0);
		break;
	default:
		fprintf(stderr, "ng_peer: unexpected %s\n", ngap_type_name(m->type));
		break;
	}
	ngap_free(m);
}

static void on_close(void *arg, ngap_link *l, const char *err)
{
	(void)arg;
	(void)l;
	fprintf(stderr, "ng_peer: link closed: %s\n", err ? err : "by peer");
	P.link = NULL;
	if (!P.done)
		finish(1);
}

static void on_accept(void *arg, ngap_link *l)
{
	(void)arg;
	if (P.link != NULL) { /* one reader at a time */
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
	fprintf(stderr, "ng_peer: timeout (%lu devices so far)\n", P.devices);
	finish(4);
}

static int hex_arg(const char *s, uint8_t *out, size_t cap, const char *name)
{
	int n = aiot_hex_decode(s, strlen(s), out, cap);
	if (n <= 0) {
		fprintf(stderr, "ng_peer: --%s: not hex of 1..%zu bytes\n", name, cap);
		exit(1);
	}
	return n;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"listen", required_argument, NULL, 1},
	    {"transport", required_argument, NULL, 2},
	    {"rand-n", required_argument, NULL, 3},
	    {"group", required_argument, NULL, 4},
	    {"group-bits", required_argument, NULL, 5},
	    {"single", required_argument, NULL, 6},
	    {"approx", required_argument, NULL, 7},
	    {"followon", no_argument, NULL, 8},
	    {"correlation", required_argument, NULL, 9},
	    {"timeout-s", required_argument, NULL, 10},
	    {"keys", required_argument, NULL, 11},
	    {"command-unverified", no_argument, NULL, 12},
	    {NULL, 0, NULL, 0},
	};
	const char *listen = "127.0.0.1:0", *transport = "auto";
	char err[256], hex[33];
	int o, have_rand = 0, gbytes = 0;
	long timeout_s = 120;
	ngap_msg *q = &P.req;

	q->type = NGAP_INVENTORY_REQUEST;
	q->correlation_id = 1;
	snprintf(q->u.inv_req.aiotf_name, sizeof q->u.inv_req.aiotf_name, "ng-peer");
	q->u.inv_req.ident_kind = NGAP_IDENT_ALL;
	q->u.inv_req.expected_d2r_size = 256;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 1:
			listen = optarg;
			break;
		case 2:
			transport = optarg;
			break;
		case 3:
			hex_arg(optarg, q->u.inv_req.rand_n, 16, "rand-n");
			have_rand = 1;
			break;
		case 4:
			q->u.inv_req.ident_kind = NGAP_IDENT_GROUP;
			gbytes =
			    hex_arg(optarg, q->u.inv_req.ident, sizeof q->u.inv_req.ident, "group");
			q->u.inv_req.ident_bits = (uint16_t)(8 * gbytes);
			break;
		case 5:
			q->u.inv_req.ident_bits = (uint16_t)atoi(optarg);
			break;
		case 6:
			q->u.inv_req.ident_kind = NGAP_IDENT_SINGLE;
			q->u.inv_req.ident_bits =
			    (uint16_t)(8 * hex_arg(optarg, q->u.inv_req.ident,
			                           sizeof q->u.inv_req.ident, "single"));
			break;
		case 7:
			q->u.inv_req.approx_devices = (uint16_t)atoi(optarg);
			break;
		case 8:
			q->u.inv_req.followon_command = 1;
			break;
		case 9:
			q->correlation_id = (uint16_t)atoi(optarg);
			break;
		case 10:
			timeout_s = atol(optarg);
			break;
		case 11:
			if (load_keys(optarg) != 0)
				return 1;
			break;
		case 12:
			P.command_unverified = 1;
			break;
		default:
			fputs(usage_text, stderr);
			return 1;
		}
	}
	if (!have_rand && getrandom(q->u.inv_req.rand_n, 16, 0) != 16) {
		perror("getrandom");
		return 1;
	}
	if (q->u.inv_req.ident_kind == NGAP_IDENT_GROUP &&
	    (q->u.inv_req.ident_bits < 1 || q->u.inv_req.ident_bits > 8 * gbytes)) {
		fprintf(stderr, "ng_peer: --group-bits: 1..%d\n", 8 * gbytes);
		return 1;
	}
	if (q->u.inv_req.ident_bits % 8) /* zero the bits past the filter */
		q->u.inv_req.ident[q->u.inv_req.ident_bits / 8] &=
		    (uint8_t)(0xFF << (8 - q->u.inv_req.ident_bits % 8));
	aiot_hex_encode(q->u.inv_req.rand_n, 16, hex);
	fprintf(stderr, "rand_n %s\n", hex);

	P.base = event_base_new();
	if (P.base == NULL)
		return 1;
	P.ls = ngap_listen(P.base, listen, transport, on_accept, NULL, err, sizeof err);
	if (P.ls == NULL) {
		fprintf(stderr, "ng_peer: %s\n", err);
		return 1;
	}
	const char *colon = strrchr(listen, ':');
	fprintf(stderr, "ng_peer: listening on %.*s:%d (%s)\n", (int)(colon - listen), listen,
	        ngap_listener_port(P.ls), ngap_listener_transport(P.ls));
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
	if (P.keys != NULL)
		aiot_zeroize(P.keys, P.nkeys * sizeof *P.keys);
	free(P.keys);
	free(P.recs);
	return P.rc;
}
