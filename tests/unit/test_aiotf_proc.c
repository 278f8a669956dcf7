/* SPDX-License-Identifier: Apache-2.0 */
/* AIOTF procedures without sockets (src/aiotf/proc.h): the inventory and command procedures
 * driven through orders of events the integration tests cannot force (an ADM answer after
 * the paging's timeout, a reader lost between two reports, duplicate answers, a stop during a
 * command, the T-ID rotation of a privacy device: TID_UPDATE then get-tid, answered late,
 * failing or not at all). The procedures' context (struct aiotf_proc) is built alone, without
 * the daemon's struct aiotf; the actions go to recording fakes of aiotf_io; the test plays
 * the ADM, the readers and the clock. aiotf_internal.h is included for struct reader only
 * (ng_readers.c's, which the test sets up by hand). Each transaction must end exactly once:
 * one lastRepInd, one release of its notification destination, its memory freed once (ASan),
 * the active count back to zero. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aiotf/aiotf_internal.h" /* struct reader */
#include "aiotf/proc.h"
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

/* Time passes: every armed timer of at most ms fires, in this event (no deferred work). */
static void fire(int ms)
{
	F.now += (uint64_t)ms * 1000u;
	for (size_t i = 0; i < F.ntimers; i++) {
		aiotf_timer *tm = F.timers[i];
		if (tm != NULL && tm->armed && tm->ms > 0 && tm->ms <= ms) {
			tm->armed = 0;
			tm->fn(tm->arg);
		}
	}
}

/* ... then the deferred work runs. */
static void expire(int ms)
{
	fire(ms);
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

/* A reader's Inventory Report carrying the D2Rs of devices devs[0..n), each presenting its
 * permanent ID, or the T-ID tid when tid is not NULL (identifier privacy). */
static void report_as(probe *p, const int *devs, size_t n, int complete, const uint8_t *tid)
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
		ir.id_type = tid != NULL ? AIOT_NAS_ID_TID : AIOT_NAS_ID_PERM;
		ir.id = tid != NULL ? tid : perm.b;
		ir.id_len = tid != NULL ? 16 : perm.len;
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

static void report(probe *p, const int *devs, size_t n, int complete)
{
	report_as(p, devs, n, complete, NULL);
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

/* A command transaction on reader 0, answered by device n (a complete report), under its
 * T-ID tid when not NULL. */
static probe *command_reported_as(int n, const uint8_t *tid)
{
	RD[1]->setup = 0;
	start(TX_COMMAND, READ_CMD);
	answer_rand();
	probe *p = paged(0);
	report_as(p, (const int[]){n}, 1, 1, tid);
	return p;
}

static probe *command_reported(int n)
{
	return command_reported_as(n, NULL);
}

/* ... by device 1, authenticated, with its K_AIOTF: the READ Command Request is on the link
 * when this returns. */
static probe *command_sent_as(const uint8_t *tid)
{
	probe *p = command_reported_as(1, tid);
	answer_auth(adm_last("get-authentication"), 1);
	assert_int_equal(adm_count("get-session-key"), 1);
	char hex[33], json[64];
	aiot_hex_encode(K_AIOTF, sizeof K_AIOTF, hex);
	snprintf(json, sizeof json, "{\"kAiotf\":\"%s\"}", hex);
	adm_answer(adm_last("get-session-key"), 200, json);
	assert_int_equal(F.ng[F.nng - 1].type, NGAP_COMMAND_REQUEST);
	return p;
}

static probe *command_sent(void)
{
	return command_sent_as(NULL);
}

/* The device's K_AIOT_int and K_AIOT_enc (TS 33.369 5.3.2), from K_AIOTF. */
static void device_keys(uint8_t k_int[16], uint8_t k_enc[16])
{
	assert_int_equal(aiot_derive_algkey(BE, AIOT_SUITE_3GPP, K_AIOTF, AIOT_ALG_TYPE_INT,
	                                    AIOT_ALG_ID_NIA2, k_int),
	                 0);
	assert_int_equal(aiot_derive_algkey(BE, AIOT_SUITE_3GPP, K_AIOTF, AIOT_ALG_TYPE_ENC,
	                                    AIOT_ALG_ID_NEA2, k_enc),
	                 0);
}

/* The device's Command Response (uplink COUNT count) with result (cmd, status); a READ's
 * success carries 4 octets. */
static void command_result(probe *p, uint32_t count, aiot_nas_cmd cmd, aiot_nas_status status)
{
	uint8_t k_int[16], k_enc[16], plain[64], pdu[AIOT_NAS_MAX_PDU];
	static const uint8_t data[4] = {1, 2, 3, 4};
	int read = cmd == AIOT_CMD_READ && status == AIOT_ST_SUCCESS;
	device_keys(k_int, k_enc);
	aiot_nas_result r = {
	    .cmd = cmd, .status = status, .data = read ? data : NULL, .data_len = read ? 4 : 0};
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

/* The device's Command Response (uplink COUNT count) to the READ just sent. */
static void command_response(probe *p, uint32_t count)
{
	command_result(p, count, AIOT_CMD_READ, AIOT_ST_SUCCESS);
}

/* The command the device reads in the k-th NG message (a Command Request). */
static aiot_nas_cmd sent_command(size_t k)
{
	uint8_t k_int[16], k_enc[16], buf[AIOT_NAS_MAX_PDU];
	aiot_nas_protected pr;
	aiot_nas_command c;
	assert_true(k < F.nng);
	assert_int_equal(F.ng[k].type, NGAP_COMMAND_REQUEST);
	device_keys(k_int, k_enc);
	memcpy(buf, F.ng[k].nas, F.ng[k].nas_len);
	assert_int_equal(
	    aiot_nas_unprotect(BE, k_int, k_enc, AIOT_DIR_DOWNLINK, buf, F.ng[k].nas_len, &pr), 0);
	assert_int_equal(pr.type, AIOT_NAS_COMMAND_REQUEST);
	assert_int_equal(aiot_nas_decode_command(pr.payload, pr.payload_len, &c), 0);
	return c.cmd;
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

/* ---- identifier privacy: TID_UPDATE, then get-tid ------------------------------------------
 */

static const uint8_t TID_OLD[16] = {0x71, 0x71, 0x71, 0x71, 0x71, 0x71, 0x71, 0x71,
                                    0x71, 0x71, 0x71, 0x71, 0x71, 0x71, 0x71, 0x01};
static const uint8_t TID_NEW[16] = {0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x72,
                                    0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x72, 0x02};
#define TID_NEW_JSON "{\"tid\":\"72727272727272727272727272727202\"}"

/* Device 1's permanent ID cached for T-ID tid (as a previous get-tid or profile left it). */
static void tid_known(const uint8_t tid[16])
{
	aiotf_id perm;
	uint8_t rand_d[16], res[8];
	dev(1, &perm, rand_d, res);
	aiotf_learn_tid(A, tid, &perm);
}

/* 1 if the T-ID cache maps tid to device 1. */
static int tid_is_dev1(const uint8_t tid[16])
{
	const aiotf_id *perm = amap_get(&A->tid_to_perm, tid, 16);
	return perm != NULL && perm->len == 5 && memcmp(perm->b, "dev-1", 5) == 0;
}

/* A privacy device (it answered with its T-ID) whose READ succeeded: the AIOTF sends
 * TID_UPDATE (the NG message after the READ) and nothing else is asked or notified yet. The
 * probe; the index of the TID_UPDATE in F.ng. */
static probe *tid_update_sent(size_t *k)
{
	tid_known(TID_OLD);
	probe *p = command_sent_as(TID_OLD);
	size_t read = F.nng - 1;
	assert_int_equal(sent_command(read), AIOT_CMD_READ);
	command_response(p, 0);
	run_deferred();
	assert_int_equal(F.nng, read + 2);
	*k = F.nng - 1;
	assert_int_equal(sent_command(*k), AIOT_CMD_TID_UPDATE);
	assert_int_equal(F.ng[*k].ran_device_id, 101);
	assert_int_equal(adm_count("get-tid"), 0);
	assert_non_null(A->txs);
	assert_int_equal(F.nnotif, 0);
	return p;
}

/* ... and the device confirmed TID_UPDATE: now (not before) the AIOTF asks the ADM for the
 * device's next T-ID; the transaction waits for the answer. */
static probe *get_tid_asked(void)
{
	size_t k;
	probe *p = tid_update_sent(&k);
	command_result(p, 1, AIOT_CMD_TID_UPDATE, AIOT_ST_SUCCESS);
	run_deferred();
	assert_int_equal(adm_count("get-tid"), 1);
	assert_non_null(strstr(F.adm[adm_last("get-tid")].body, "\"aiotDevPermId\":\"ZGV2LTE=\""));
	assert_int_equal(F.nng, k + 1); /* nothing more on the link */
	assert_non_null(A->txs);
	assert_int_equal(F.nnotif, 0);
	return p;
}

/* The device's READ result, reported once, and no failCause: the T-ID rotation does not
 * change what the AF is told. */
static void assert_read_reported(void)
{
	assert_ended_once();
	assert_int_equal(count_dev(1), 1);
	assert_non_null(strstr(F.notif[0], "readCmdRep"));
	assert_null(strstr(last_notif(), "failCause"));
	assert_int_equal(atomic_load(&ST.cmd_ok), 1);
}

/* READ, TID_UPDATE, get-tid, in that order; the new T-ID is cached for the device, the old
 * one stays (the device may not have received the confirmation); one end. */
static void command_tid_update(void **state)
{
	(void)state;
	get_tid_asked();
	adm_answer(adm_last("get-tid"), 200, TID_NEW_JSON);
	assert_read_reported();
	assert_int_equal(atomic_load(&ST.tid_updates), 1);
	assert_true(tid_is_dev1(TID_NEW));
	assert_true(tid_is_dev1(TID_OLD));
}

/* A device that answered with its permanent ID but uses privacy (its cached profile has a
 * T-ID) is rotated too, and its cached profile moves to the new T-ID. A device without
 * privacy gets no TID_UPDATE (command_duplicate_response). */
static void command_tid_update_by_profile(void **state)
{
	(void)state;
	aiotf_id perm;
	uint8_t rand_d[16], res[8];
	int err = 0;
	dev(1, &perm, rand_d, res);
	profile_info *pi = calloc(1, sizeof *pi);
	assert_non_null(pi);
	pi->has_tid = 1;
	memcpy(pi->tid, TID_OLD, 16);
	assert_null(amap_put(&A->profiles, perm.b, perm.len, pi, &err));
	assert_int_equal(err, 0);
	probe *p = command_sent();
	command_response(p, 0);
	run_deferred();
	assert_int_equal(sent_command(F.nng - 1), AIOT_CMD_TID_UPDATE);
	command_result(p, 1, AIOT_CMD_TID_UPDATE, AIOT_ST_SUCCESS);
	run_deferred();
	adm_answer(adm_last("get-tid"), 200, TID_NEW_JSON);
	assert_read_reported();
	assert_memory_equal(pi->tid, TID_NEW, 16);
	assert_true(tid_is_dev1(TID_NEW));
}

/* get-tid fails at the ADM client's own timeout (status 0): the transaction, which waited
 * for it, ends once; no new T-ID is cached. */
static void command_get_tid_timeout(void **state)
{
	(void)state;
	get_tid_asked();
	expire(60000); /* no AIOTF timer is armed for the ADM's answer */
	assert_non_null(A->txs);
	assert_int_equal(F.nnotif, 0);
	adm_answer(adm_last("get-tid"), 0, NULL);
	assert_read_reported();
	assert_int_equal(atomic_load(&ST.tid_updates), 0);
	assert_null(amap_get(&A->tid_to_perm, TID_NEW, 16));
}

/* The reader is lost while get-tid is at the ADM, which then fails it (500): the command
 * is past the link, so it waits for the answer; one end, nothing cached. */
static void command_get_tid_fails_after_reader_lost(void **state)
{
	(void)state;
	probe *p = get_tid_asked();
	ng_probe_detach(p);
	inv_probe_lost(p, "reader disconnected");
	run_deferred();
	assert_non_null(A->txs);
	assert_int_equal(F.nnotif, 0);
	adm_answer(adm_last("get-tid"), 500, NULL);
	assert_read_reported();
	assert_int_equal(atomic_load(&ST.tid_updates), 0);
	assert_null(amap_get(&A->tid_to_perm, TID_NEW, 16));
}

/* The device does not answer TID_UPDATE within command-timeout-ms: no get-tid (the ADM keeps
 * the T-ID), one end; its answer arriving after the timeout, in the same turn of the loop as
 * the end, matches nothing and asks nothing. */
static void command_tid_update_not_answered(void **state)
{
	(void)state;
	size_t k;
	probe *p = tid_update_sent(&k);
	unsigned long long unsolicited = atomic_load(&ST.unsolicited);
	fire(3000);
	assert_non_null(A->txs); /* its end is deferred */
	command_result(p, 1, AIOT_CMD_TID_UPDATE, AIOT_ST_SUCCESS);
	assert_int_equal(atomic_load(&ST.unsolicited), unsolicited + 1);
	run_deferred();
	assert_int_equal(adm_count("get-tid"), 0);
	assert_read_reported();
}

/* The device refuses TID_UPDATE: no get-tid, one end, the READ still reported. */
static void command_tid_update_refused(void **state)
{
	(void)state;
	size_t k;
	probe *p = tid_update_sent(&k);
	command_result(p, 1, AIOT_CMD_TID_UPDATE, AIOT_ST_ERROR_UNSPECIFIED);
	run_deferred();
	assert_int_equal(adm_count("get-tid"), 0);
	assert_read_reported();
}

/* The AIOTF stops (tx_halt) while get-tid is at the ADM: the AF has its last notification
 * at once; the answer arriving afterwards notifies nothing more. */
static void command_stop_during_get_tid(void **state)
{
	(void)state;
	get_tid_asked();
	tx_halt(A->txs);
	assert_int_equal(count_last(), 1);
	size_t sent = F.nnotif;
	adm_answer(adm_last("get-tid"), 200, TID_NEW_JSON);
	assert_int_equal(F.nnotif, sent);
	assert_int_equal(count_last(), 1);
	assert_non_null(A->txs); /* halted transactions are freed with the AIOTF */
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
	    cmocka_unit_test_setup_teardown(command_tid_update, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_tid_update_by_profile, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_get_tid_timeout, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_get_tid_fails_after_reader_lost, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(command_tid_update_not_answered, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_tid_update_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(command_stop_during_get_tid, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
