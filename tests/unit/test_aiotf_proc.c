/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF procedures without sockets (src/aiotf/proc.h): the inventory and command procedures
 * driven through orders of events the integration tests cannot force (an ADM answer after
 * the paging's timeout, a reader lost between two reports, duplicate answers, a stop during a
 * command). The actions go to recording fakes of aiotf_io; the test plays the ADM, the
 * readers and the clock. Each transaction must end exactly once: one lastRepInd, its memory
 * freed once (ASan), the active count back to zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aiotf/aiotf_internal.h"
#include "common/base64.h"
#include "common/hex.h"
#include "crypto/aiot_fc.h"
#include "crypto/backend_openssl.h"
#include "crypto/kdf.h"
#include "nas/nas_security.h"

/* ---- the fakes ------------------------------------------------------------------------- */

#define MAXREC 64

struct aiotf_timer {
	aiotf_timer_fn fn;
	void *arg;
	int armed, ms;
};

typedef struct adm_rec {
	char path[128];
	char *body;
	adm_build_fn build;
	adm_done_fn done;
	void *arg;
	int answered;
} adm_rec;

typedef struct ng_rec {
	reader *rd;
	ngap_type type;
	uint16_t corr;
	uint32_t ran_device_id;
	uint8_t nas[AIOT_NAS_MAX_PDU];
	size_t nas_len;
} ng_rec;

static struct {
	uint64_t now;
	aiotf_timer *timers[MAXREC];
	size_t ntimers;
	adm_rec adm[MAXREC];
	size_t nadm;
	ng_rec ng[MAXREC];
	size_t nng;
	char *notif[MAXREC];
	size_t nnotif;
	reader *closed;  /* the link ng_close was asked to close */
	size_t released; /* transactions whose notification destination was released */
} F;

static uint64_t f_now(aiotf *a)
{
	(void)a;
	return F.now;
}

static int f_adm(aiotf *a, const char *method, const char *path, char *body, size_t len,
                 adm_build_fn build, adm_done_fn done, void *arg)
{
	(void)a;
	(void)method;
	(void)len;
	assert_true(F.nadm < MAXREC);
	adm_rec *r = &F.adm[F.nadm++];
	*r = (adm_rec){.body = body, .build = build, .done = done, .arg = arg};
	snprintf(r->path, sizeof r->path, "%s", path);
	return 0;
}

static int f_ng(aiotf *a, reader *rd, const ngap_msg *m)
{
	(void)a;
	assert_true(F.nng < MAXREC);
	ng_rec *r = &F.ng[F.nng++];
	memset(r, 0, sizeof *r);
	r->rd = rd;
	r->type = m->type;
	r->corr = m->correlation_id;
	if (m->type == NGAP_COMMAND_REQUEST) {
		r->ran_device_id = m->u.cmd.ran_device_id;
		r->nas_len = m->u.cmd.nas_len;
		memcpy(r->nas, m->u.cmd.nas_pdu, r->nas_len);
	}
	return 0;
}

static void f_ng_close(aiotf *a, reader *rd)
{
	(void)a;
	F.closed = rd;
}

static void f_notify_release(aiotf *a, const aiotf_req *r)
{
	(void)a;
	(void)r;
	F.released++;
}

static int f_notify(aiotf *a, const aiotf_req *r, char *body, int last)
{
	(void)a;
	(void)r;
	(void)last;
	assert_true(F.nnotif < MAXREC);
	F.notif[F.nnotif++] = body;
	return 0;
}

static aiotf_timer *f_timer_new(aiotf *a, aiotf_timer_fn fn, void *arg)
{
	(void)a;
	aiotf_timer *tm = calloc(1, sizeof *tm);
	assert_non_null(tm);
	tm->fn = fn;
	tm->arg = arg;
	for (size_t i = 0; i < F.ntimers; i++)
		if (F.timers[i] == NULL) {
			F.timers[i] = tm;
			return tm;
		}
	assert_true(F.ntimers < MAXREC);
	F.timers[F.ntimers++] = tm;
	return tm;
}

static void f_timer_arm(aiotf_timer *tm, int ms)
{
	tm->armed = 1;
	tm->ms = ms;
}

static void f_timer_cancel(aiotf_timer *tm)
{
	tm->armed = 0;
}

static void f_timer_free(aiotf_timer *tm)
{
	if (tm == NULL)
		return;
	for (size_t i = 0; i < F.ntimers; i++)
		if (F.timers[i] == tm)
			F.timers[i] = NULL;
	free(tm);
}

static const aiotf_io fake_io = {
    .now_us = f_now,
    .adm_call = f_adm,
    .ng_send = f_ng,
    .ng_close = f_ng_close,
    .notify = f_notify,
    .notify_release = f_notify_release,
    .timer_new = f_timer_new,
    .timer_arm = f_timer_arm,
    .timer_cancel = f_timer_cancel,
    .timer_free = f_timer_free,
};

/* The event loop's turn: deferred work (timers armed at 0 ms) runs until none is left. */
static void run_deferred(void)
{
	for (int again = 1; again;) {
		again = 0;
		for (size_t i = 0; i < F.ntimers; i++) {
			aiotf_timer *tm = F.timers[i];
			if (tm != NULL && tm->armed && tm->ms == 0) {
				tm->armed = 0;
				tm->fn(tm->arg);
				again = 1;
			}
		}
	}
}

/* Time passes: every armed timer of at least ms fires (then the deferred work runs). */
static void expire(int ms)
{
	F.now += (uint64_t)ms * 1000u;
	for (size_t i = 0; i < F.ntimers; i++) {
		aiotf_timer *tm = F.timers[i];
		if (tm != NULL && tm->armed && tm->ms > 0 && tm->ms <= ms) {
			tm->armed = 0;
			tm->fn(tm->arg);
		}
	}
	run_deferred();
}

/* The ADM answers request i (once, as the ADM client guarantees). */
static void adm_answer(size_t i, int status, const char *json)
{
	adm_rec *r = &F.adm[i];
	assert_true(i < F.nadm);
	assert_false(r->answered);
	r->answered = 1;
	if (r->build != NULL) {
		size_t len;
		r->body = r->build(r->arg, &len);
	}
	cJSON *body = json ? cJSON_Parse(json) : NULL;
	r->done(r->arg, status, body, status == 0 ? "timeout" : NULL);
	cJSON_Delete(body);
	run_deferred();
}

static size_t adm_count(const char *suffix)
{
	size_t n = 0, sl = strlen(suffix);
	for (size_t i = 0; i < F.nadm; i++) {
		size_t pl = strlen(F.adm[i].path);
		n += pl >= sl && strcmp(F.adm[i].path + pl - sl, suffix) == 0;
	}
	return n;
}

static size_t adm_last(const char *suffix)
{
	for (size_t i = F.nadm; i-- > 0;)
		if (strstr(F.adm[i].path, suffix) != NULL)
			return i;
	fail_msg("no ADM request %s", suffix);
	return 0;
}

/* ---- the AIOTF around the procedures ------------------------------------------------------ */

static const uint8_t RAND_N[16] = {0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                                   0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xf0, 0x01};
static const uint8_t K_AIOTF[AIOT_KAIOTF_LEN] = {0x2b, 0x7e, 0x15, 0x16, 0x28, 0xae, 0xd2, 0xa6,
                                                 0xab, 0xf7, 0x15, 0x88, 0x09, 0xcf, 0x4f, 0x3c};

/* The procedures' context, built alone (no struct aiotf): its configuration, counters and
 * crypto backend; owner NULL (the fakes need none). */
static aiotf_proc PC, *const A = &PC;
static aiotf_cfg CFG;
static aiotf_stats ST;
static aiot_backend *BE;
static reader *RD[2];
static int ngap_dummy; /* a link the fakes never use: the readers are "connected" */

static int setup(void **state)
{
	(void)state;
	memset(&F, 0, sizeof F);
	F.now = 1000000;
	memset(&CFG, 0, sizeof CFG);
	memset(&ST, 0, sizeof ST);
	CFG.name = "aiotf-proc-test";
	CFG.inventory_timeout_ms = 5000;
	CFG.command_timeout_ms = 3000;
	CFG.paging_max_d2r = 1000;
	CFG.paging_max_adm = 16;
	CFG.cipher = 1;
	assert_non_null(BE = aiot_backend_openssl_new());
	assert_int_equal(aiotf_proc_init(A, NULL, &fake_io, &CFG, BE, &ST), 0);
	for (int i = 1; i >= 0; i--) {
		reader *rd = calloc(1, sizeof *rd);
		assert_non_null(rd);
		rd->setup = 1;
		rd->link = (ngap_link *)&ngap_dummy;
		rd->gnb_id = (uint32_t)i + 1;
		rd->next = A->readers;
		A->readers = rd;
		RD[i] = rd;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	A->stopping = 1; /* as aiotf_free: ADM answers now only free their memory */
	for (size_t i = 0; i < F.nadm; i++) {
		if (!F.adm[i].answered) {
			F.adm[i].answered = 1;
			F.adm[i].done(F.adm[i].arg, 0, NULL, "the AIOTF is stopping");
		}
		free(F.adm[i].body);
	}
	aiotf_proc_free(A); /* the transactions left, the caches */
	for (int i = 0; i < 2; i++) {
		amap_clear(&RD[i]->corr, NULL);
		free(RD[i]);
	}
	aiot_backend_openssl_free(BE);
	for (size_t i = 0; i < F.ntimers; i++)
		assert_null(F.timers[i]); /* every timer was freed with its owner */
	for (size_t i = 0; i < F.nnotif; i++)
		free(F.notif[i]);
	return 0;
}

#define NOTIF "\"afId\":\"af\",\"notifUri\":\"http://127.0.0.1:9/cb\""
#define AREA                                                                                       \
	"\"targetArea\":{\"areaIds\":[{\"plmnId\":{\"mcc\":\"001\",\"mnc\":\"01\"},"               \
	"\"aiotAreaCode\":\"0a0B0c\"}]}"

static tx *start(tx_type type, const char *json)
{
	sbi_err e = {0};
	aiotf_req *r = naiotf_parse(type, (const uint8_t *)json, strlen(json), &e);
	assert_non_null(r);
	snprintf(r->trans_id, sizeof r->trans_id, "t-%d", (int)type);
	atomic_fetch_add(&ST.active_tx, 1); /* as aiotf_handle */
	tx *t = tx_start(A, r);
	assert_non_null(t);
	inv_start(t);
	run_deferred();
	return t;
}

/* get-rand answered: one Inventory Request per reader; the probe paged on reader i. */
static probe *paged(int i)
{
	for (size_t k = 0; k < F.nng; k++)
		if (F.ng[k].type == NGAP_INVENTORY_REQUEST && F.ng[k].rd == RD[i])
			return ng_probe_find(RD[i], F.ng[k].corr);
	fail_msg("reader %d was not paged", i);
	return NULL;
}

static void answer_rand(void)
{
	char hex[33], json[64];
	aiot_hex_encode(RAND_N, 16, hex);
	snprintf(json, sizeof json, "{\"randN\":\"%s\"}", hex);
	adm_answer(adm_last("get-rand"), 200, json);
}

/* Device n: permanent ID "dev-n", RAND_AIOT_d n..., RES n repeated. */
static void dev(int n, aiotf_id *perm, uint8_t rand_d[16], uint8_t res[8])
{
	perm->len = (uint8_t)snprintf((char *)perm->b, sizeof perm->b, "dev-%d", n);
	memset(rand_d, 0x40 + n, 16);
	memset(res, 0xa0 + n, 8);
}

/* A reader's Inventory Report carrying the D2Rs of devices devs[0..n). */
static void report(probe *p, const int *devs, size_t n, int complete)
{
	uint8_t pdus[4][AIOT_NAS_INV_RESP_MAX_LEN];
	ngap_device_report dv[4];
	ngap_reader_report rr = {0};
	ngap_msg m;
	assert_true(n <= 4);
	memset(dv, 0, sizeof dv);
	for (size_t k = 0; k < n; k++) {
		aiotf_id perm;
		aiot_nas_inventory_response ir = {0};
		dev(devs[k], &perm, ir.rand_d, ir.res);
		memcpy(ir.rand_tag, RAND_N, AIOT_NAS_RAND_TAG_LEN);
		ir.res_len = 8;
		ir.id_type = AIOT_NAS_ID_PERM;
		ir.id = perm.b;
		ir.id_len = perm.len;
		int len = aiot_nas_encode_inventory_response(&ir, pdus[k], sizeof pdus[k]);
		assert_true(len > 0);
		dv[k].nas_pdu = pdus[k];
		dv[k].nas_len = (uint16_t)len;
		dv[k].has_ran_device_id = 1;
		dv[k].ran_device_id = 100u + (uint32_t)devs[k];
	}
	rr.devices = dv;
	rr.ndevices = (uint32_t)n;
	memset(&m, 0, sizeof m);
	m.type = NGAP_INVENTORY_REPORT;
	m.correlation_id = p->corr;
	m.u.report.readers = &rr;
	m.u.report.nreaders = 1;
	m.u.report.complete = (uint8_t)complete;
	inv_on_report(A, p, &m);
	run_deferred();
}

/* The ADM's GetAuthenticationResponse for device n: XRES = its RES. */
static void answer_auth(size_t i, int n)
{
	aiotf_id perm;
	uint8_t rand_d[16], res[8];
	char rd[33], xres[17], json[256];
	dev(n, &perm, rand_d, res);
	aiot_hex_encode(rand_d, 16, rd);
	aiot_hex_encode(res, 8, xres);
	snprintf(json, sizeof json,
	         "{\"authDataSets\":[{\"randD\":\"%s\",\"authDataSet\":[{\"xres\":\"%s\"}]}]}", rd,
	         xres);
	adm_answer(i, 200, json);
}

/* ---- what the AF received ------------------------------------------------------------------ */

static size_t count_last(void)
{
	size_t n = 0;
	for (size_t i = 0; i < F.nnotif; i++)
		n += strstr(F.notif[i], "\"lastRepInd\":true") != NULL;
	return n;
}

/* Times device n appears in the notifications (deviceId is its permanent ID, base64). */
static size_t count_dev(int n)
{
	aiotf_id perm;
	uint8_t rand_d[16], res[8];
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1], pat[sizeof b64 + 16];
	dev(n, &perm, rand_d, res);
	aiot_b64_encode(perm.b, perm.len, b64);
	snprintf(pat, sizeof pat, "\"deviceId\":\"%s\"", b64);
	size_t c = 0;
	for (size_t i = 0; i < F.nnotif; i++)
		for (const char *s = F.notif[i]; (s = strstr(s, pat)) != NULL; s++)
			c++;
	return c;
}

static const char *last_notif(void)
{
	assert_true(F.nnotif > 0);
	return F.notif[F.nnotif - 1];
}

static void assert_ended_once(void)
{
	assert_null(A->txs);
	assert_int_equal(atomic_load(&ST.active_tx), 0);
	assert_int_equal(count_last(), 1);
	assert_int_equal(F.released, 1); /* tx_free, once */
}

/* ---- inventory --------------------------------------------------------------------------------
 */

/* The paging times out while its get-authentication is still at the ADM: the transaction
 * waits for the answer, then ends once, reporting the device. */
static void inventory_adm_answer_after_timeout(void **state)
{
	(void)state;
	RD[1]->setup = 0; /* one reader */
	start(TX_INVENTORY, "{" NOTIF "," AREA "}");
	assert_int_equal(adm_count("get-rand"), 1);
	answer_rand();
	probe *p = paged(0);
	report(p, (const int[]){1}, 1, 0);
	assert_int_equal(adm_count("get-authentication"), 1);
	expire(5000); /* inventory-timeout-ms of silence */
	assert_true(p->done);
	assert_non_null(A->txs); /* the ADM request still holds it */
	assert_int_equal(F.nnotif, 0);
	answer_auth(adm_last("get-authentication"), 1);
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
	/* The paging failed (timeout): the last notification says so. */
	assert_non_null(strstr(last_notif(), "NO_SUCC_INV_RESP"));
	expire(60000); /* nothing is left to fire */
	assert_int_equal(count_last(), 1);
}

/* A reader that never acknowledges its paging (ng.ack-timeout-ms, ng.unacked-close 1): the
 * paging ends at the shorter deadline, the link is to be closed, the transaction ends once;
 * the other reader, which acknowledged, keeps inventory-timeout-ms. */
static void inventory_paging_not_acknowledged(void **state)
{
	(void)state;
	CFG.ng_ack_timeout_ms = 1000;
	CFG.ng_unacked_close = 1;
	start(TX_INVENTORY, "{" NOTIF "," AREA "}");
	answer_rand();
	probe *p0 = paged(0), *p1 = paged(1);
	inv_probe_acked(p1); /* reader 1's Inventory Response */
	expire(1000);
	assert_true(p0->done);
	assert_false(p1->done);
	assert_ptr_equal(F.closed, RD[0]);
	assert_non_null(A->txs);
	report(p1, (const int[]){1}, 1, 1);
	answer_auth(adm_last("get-authentication"), 1);
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
}

/* Step 1 failing after the ADM client's own timeout (status 0): no paging, one end. */
static void inventory_get_rand_timeout(void **state)
{
	(void)state;
	start(TX_INVENTORY, "{" NOTIF "," AREA "}");
	adm_answer(adm_last("get-rand"), 0, NULL);
	assert_int_equal(F.nng, 0);
	assert_ended_once();
	assert_non_null(strstr(last_notif(), "NO_SUCC_INV_RESP"));
}

/* Reader 0 is lost between its report and the next one, while device 1's answers through
 * both readers (duplicates) share one get-authentication; reader 1 completes later. Device
 * 1 is reported once, device 2 once, the transaction ends once. */
static void inventory_reader_lost_between_reports(void **state)
{
	(void)state;
	start(TX_INVENTORY, "{" NOTIF "," AREA "}");
	answer_rand();
	probe *p0 = paged(0), *p1 = paged(1);
	report(p0, (const int[]){1}, 1, 0);
	report(p1, (const int[]){1}, 1, 0);
	assert_int_equal(adm_count("get-authentication"), 1); /* one request for both D2Rs */
	size_t auth1 = adm_last("get-authentication");
	ng_probe_detach(p0); /* the link closed (reader_gone) */
	inv_probe_lost(p0, "reader disconnected");
	run_deferred();
	inv_probe_lost(p0, "reader disconnected"); /* told twice: ends once */
	run_deferred();
	assert_non_null(A->txs);
	report(p1, (const int[]){2}, 1, 1);
	assert_true(p1->done);
	assert_int_equal(adm_count("get-authentication"), 2);
	size_t auth2 = adm_last("get-authentication");
	answer_auth(auth2, 2);
	assert_non_null(A->txs); /* device 1's request still holds it */
	answer_auth(auth1, 1);
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
	assert_int_equal(count_dev(2), 1);
}

#define TWO_DEVICES "{" NOTIF ",\"targetDevices\":{\"devices\":[\"ZGV2LTE=\",\"ZGV2LTI=\"]}}"

/* Single-device paging: each target's profile first. dev-2 is unknown (404), dev-1 is paged
 * alone, answers, is reported; the transaction ends once, after its last target. */
static void inventory_targets(void **state)
{
	(void)state;
	RD[1]->setup = 0;
	start(TX_INVENTORY, TWO_DEVICES);
	answer_rand();
	assert_int_equal(adm_count("aiot-device-profile-data/ZGV2LTE%3D"), 1);
	assert_int_equal(adm_count("aiot-device-profile-data/ZGV2LTI%3D"), 1);
	adm_answer(adm_last("ZGV2LTI%3D"), 404, NULL);
	assert_non_null(A->txs);
	adm_answer(adm_last("ZGV2LTE%3D"), 200, "{}");
	report(paged(0), (const int[]){1}, 1, 1);
	assert_non_null(A->txs);
	answer_auth(adm_last("get-authentication"), 1);
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
	assert_int_equal(count_dev(2), 0);
	assert_null(strstr(last_notif(), "failCause"));
}

/* The AIOTF stops while the targets' profiles are at the ADM; the answers arrive after the
 * stop: nothing is paged, nothing more is notified. */
static void inventory_targets_answer_after_stop(void **state)
{
	(void)state;
	start(TX_INVENTORY, TWO_DEVICES);
	answer_rand();
	tx_halt(A->txs);
	assert_int_equal(count_last(), 1);
	size_t sent = F.nnotif, ng = F.nng;
	adm_answer(adm_last("ZGV2LTE%3D"), 200, "{}");
	adm_answer(adm_last("ZGV2LTI%3D"), 0, NULL);
	assert_int_equal(F.nng, ng);
	assert_int_equal(F.nnotif, sent);
}

/* ---- command ----------------------------------------------------------------------------------
 */

#define READ_CMD "{" NOTIF "," AREA ",\"commandType\":\"READ\",\"offset\":0,\"length\":4}"

/* A command transaction on reader 0, answered by device n (a complete report). */
static probe *command_reported(int n)
{
	RD[1]->setup = 0;
	start(TX_COMMAND, READ_CMD);
	answer_rand();
	probe *p = paged(0);
	report(p, (const int[]){n}, 1, 1);
	return p;
}

/* ... by device 1, authenticated, with its K_AIOTF: the READ Command Request is on the link
 * when this returns. */
static probe *command_sent(void)
{
	probe *p = command_reported(1);
	answer_auth(adm_last("get-authentication"), 1);
	assert_int_equal(adm_count("get-session-key"), 1);
	char hex[33], json[64];
	aiot_hex_encode(K_AIOTF, sizeof K_AIOTF, hex);
	snprintf(json, sizeof json, "{\"kAiotf\":\"%s\"}", hex);
	adm_answer(adm_last("get-session-key"), 200, json);
	assert_int_equal(F.ng[F.nng - 1].type, NGAP_COMMAND_REQUEST);
	return p;
}

/* The device's Command Response (uplink COUNT count) to the READ just sent. */
static void command_response(probe *p, uint32_t count)
{
	uint8_t k_int[16], k_enc[16], plain[64], pdu[AIOT_NAS_MAX_PDU];
	static const uint8_t data[4] = {1, 2, 3, 4};
	assert_int_equal(aiot_derive_algkey(BE, AIOT_SUITE_3GPP, K_AIOTF, AIOT_ALG_TYPE_INT,
	                                    AIOT_ALG_ID_NIA2, k_int),
	                 0);
	assert_int_equal(aiot_derive_algkey(BE, AIOT_SUITE_3GPP, K_AIOTF, AIOT_ALG_TYPE_ENC,
	                                    AIOT_ALG_ID_NEA2, k_enc),
	                 0);
	aiot_nas_result r = {
	    .cmd = AIOT_CMD_READ, .status = AIOT_ST_SUCCESS, .data = data, .data_len = 4};
	int n = aiot_nas_encode_result(&r, plain, sizeof plain);
	assert_true(n > 0);
	int m = aiot_nas_protect(BE, k_int, k_enc, AIOT_NAS_COMMAND_RESPONSE, count,
	                         AIOT_DIR_UPLINK, plain, (size_t)n, pdu, sizeof pdu);
	assert_true(m > 0);
	ngap_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = NGAP_COMMAND_RESPONSE;
	msg.correlation_id = p->corr;
	msg.u.cmd.ran_device_id = 101;
	msg.u.cmd.nas_pdu = pdu;
	msg.u.cmd.nas_len = (uint16_t)m;
	cmd_on_response(A, p, &msg);
}

/* The device answers, and its answer arrives twice (a replay): one result, one end. */
static void command_duplicate_response(void **state)
{
	(void)state;
	probe *p = command_sent();
	command_response(p, 0);
	command_response(p, 0); /* before the end runs: matched to nothing */
	assert_int_equal(atomic_load(&ST.cmd_ok), 1);
	run_deferred();
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
	assert_non_null(strstr(F.notif[0], "readCmdRep"));
	assert_null(strstr(last_notif(), "failCause"));
}

/* The reader is lost while the Command Response is awaited: the device's command fails,
 * the transaction ends once, reporting it. */
static void command_reader_lost(void **state)
{
	(void)state;
	probe *p = command_sent();
	ng_probe_detach(p);
	inv_probe_lost(p, "reader disconnected");
	run_deferred();
	assert_ended_once();
	assert_int_equal(atomic_load(&ST.cmd_failed), 1);
	assert_int_equal(count_dev(1), 1);
	assert_non_null(strstr(F.notif[0], "ERROR_UNSPECIFIED"));
}

/* The AIOTF stops (drain over: tx_halt) while the Command Response is awaited: the AF gets
 * its last notification at once, with failCause; the command's timeout afterwards reports
 * nothing more, and the transaction is freed with the AIOTF. */
static void command_stop_during_command(void **state)
{
	(void)state;
	command_sent();
	tx *t = A->txs;
	tx_halt(t);
	assert_int_equal(count_last(), 1);
	assert_non_null(strstr(last_notif(), "NO_SUCC_INV_RESP"));
	size_t sent = F.nnotif;
	tx_halt(t);   /* the drain's tick again: nothing */
	expire(3000); /* command-timeout-ms: the command ends, quietly */
	assert_int_equal(F.nnotif, sent);
	assert_non_null(A->txs); /* halted transactions are freed with the AIOTF */
	assert_int_equal(count_last(), 1);
}

/* The AIOTF stops while get-session-key is at the ADM: halted, then torn down; the ADM's
 * late answer (the pool failing it on teardown) reaches no procedure. */
static void command_stop_during_session_key(void **state)
{
	(void)state;
	command_reported(1);
	answer_auth(adm_last("get-authentication"), 1);
	assert_int_equal(adm_count("get-session-key"), 1);
	tx_halt(A->txs);
	assert_int_equal(count_last(), 1);
	size_t sent = F.nnotif;
	/* Torn down: the ADM pool fails get-session-key (A->stopping); nothing moves. */
	A->stopping = 1;
	size_t i = adm_last("get-session-key");
	F.adm[i].answered = 1;
	F.adm[i].done(F.adm[i].arg, 0, NULL, "the AIOTF is stopping");
	assert_int_equal(F.nnotif, sent);
}

/* A D2R of a device the ADM does not know (404): one AUTH_FAILURE end, nothing commanded. */
static void command_unknown_device(void **state)
{
	(void)state;
	command_reported(3);
	adm_answer(adm_last("get-authentication"), 404, NULL);
	assert_int_equal(adm_count("get-session-key"), 0);
	assert_ended_once();
	assert_non_null(strstr(last_notif(), "AUTH_FAILURE"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(inventory_adm_answer_after_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(inventory_get_rand_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(inventory_paging_not_acknowledged, setup, teardown),
	    cmocka_unit_test_setup_teardown(inventory_reader_lost_between_reports, setup, teardown),
	    cmocka_unit_test_setup_teardown(inventory_targets, setup, teardown),
	    cmocka_unit_test_setup_teardown(inventory_targets_answer_after_stop, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_reader_lost, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_duplicate_response, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_stop_during_command, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_stop_during_session_key, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_unknown_device, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
