/* SPDX-License-Identifier: Apache-2.0 */
/* The harness of the AIOTF procedures' unit tests (aiotf_proc_harness.h): recording fakes of
 * aiotf_io, the procedures' context built alone, and the peers the tests play. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aiotf_proc_harness.h"
#include "common/base64.h"
#include "common/hex.h"
#include "crypto/aiot_fc.h"
#include "crypto/backend_openssl.h"
#include "crypto/kdf.h"

/* ---- the fakes ------------------------------------------------------------------------- */

struct aiotf_timer {
	aiotf_timer_fn fn;
	void *arg;
	int armed, ms;
};

fakes F;

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
	} else if (m->type == NGAP_DOA_DOWNLINK_NAS) {
		r->ran_device_id = m->u.doa.ran_device_id;
		r->end = m->u.doa.end;
		r->nas_len = m->u.doa.nas_len;
		memcpy(r->nas, m->u.doa.nas_pdu, r->nas_len);
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

static void f_doa_deliver(aiotf *a, const aiotf_id *perm, const uint8_t *data, size_t len)
{
	(void)a;
	assert_true(F.ndoa < MAXREC);
	doa_rec *r = &F.doa[F.ndoa++];
	r->perm = *perm;
	r->registration = data == NULL;
	r->len = len;
	if (data != NULL)
		memcpy(r->data, data, len);
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
    .doa_deliver = f_doa_deliver,
};

/* The event loop's turn: deferred work (timers armed at 0 ms) runs until none is left. */
void run_deferred(void)
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
void fire(int ms)
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
void expire(int ms)
{
	fire(ms);
	run_deferred();
}

/* The ADM answers request i (once, as the ADM client guarantees). */
void adm_answer(size_t i, int status, const char *json)
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

size_t adm_count(const char *suffix)
{
	size_t n = 0, sl = strlen(suffix);
	for (size_t i = 0; i < F.nadm; i++) {
		size_t pl = strlen(F.adm[i].path);
		n += pl >= sl && strcmp(F.adm[i].path + pl - sl, suffix) == 0;
	}
	return n;
}

size_t adm_last(const char *suffix)
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
static aiotf_proc PC;
aiotf_proc *const A = &PC;
aiotf_cfg CFG;
aiotf_stats ST;
aiot_backend *BE;
reader *RD[2];
static int ngap_dummy; /* a link the fakes never use: the readers are "connected" */

int setup(void **state)
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

int teardown(void **state)
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

tx *start(tx_type type, const char *json)
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
probe *paged(int i)
{
	for (size_t k = 0; k < F.nng; k++)
		if (F.ng[k].type == NGAP_INVENTORY_REQUEST && F.ng[k].rd == RD[i])
			return ng_probe_find(RD[i], F.ng[k].corr);
	fail_msg("reader %d was not paged", i);
	return NULL;
}

void answer_rand(void)
{
	char hex[33], json[64];
	aiot_hex_encode(RAND_N, 16, hex);
	snprintf(json, sizeof json, "{\"randN\":\"%s\"}", hex);
	adm_answer(adm_last("get-rand"), 200, json);
}

/* Device n: permanent ID "dev-n", RAND_AIOT_d n..., RES n repeated. */
void dev(int n, aiotf_id *perm, uint8_t rand_d[16], uint8_t res[8])
{
	perm->len = (uint8_t)snprintf((char *)perm->b, sizeof perm->b, "dev-%d", n);
	memset(rand_d, 0x40 + n, 16);
	memset(res, 0xa0 + n, 8);
}

/* A reader's Inventory Report carrying the D2Rs of devices devs[0..n), each presenting its
 * permanent ID, or the T-ID tid when tid is not NULL (identifier privacy). */
void report_as(probe *p, const int *devs, size_t n, int complete, const uint8_t *tid)
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

void report(probe *p, const int *devs, size_t n, int complete)
{
	report_as(p, devs, n, complete, NULL);
}

/* The ADM's GetAuthenticationResponse for device n: XRES = its RES. */
void answer_auth(size_t i, int n)
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

size_t count_last(void)
{
	size_t n = 0;
	for (size_t i = 0; i < F.nnotif; i++)
		n += strstr(F.notif[i], "\"lastRepInd\":true") != NULL;
	return n;
}

/* Times device n appears in the notifications (deviceId is its permanent ID, base64). */
size_t count_dev(int n)
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

const char *last_notif(void)
{
	assert_true(F.nnotif > 0);
	return F.notif[F.nnotif - 1];
}

void assert_ended_once(void)
{
	assert_null(A->txs);
	assert_int_equal(atomic_load(&ST.active_tx), 0);
	assert_int_equal(count_last(), 1);
	assert_int_equal(F.released, 1); /* tx_free, once */
}

/* ---- the command procedure's peers ------------------------------------------------------ */

/* A command transaction on reader 0, answered by device n (a complete report), under its
 * T-ID tid when not NULL. */
probe *command_reported_as(int n, const uint8_t *tid)
{
	RD[1]->setup = 0;
	start(TX_COMMAND, READ_CMD);
	answer_rand();
	probe *p = paged(0);
	report_as(p, (const int[]){n}, 1, 1, tid);
	return p;
}

probe *command_reported(int n)
{
	return command_reported_as(n, NULL);
}

/* ... by device 1, authenticated, with its K_AIOTF: the READ Command Request is on the link
 * when this returns. */
probe *command_sent_as(const uint8_t *tid)
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

probe *command_sent(void)
{
	return command_sent_as(NULL);
}

/* The device's K_AIOT_int and K_AIOT_enc (TS 33.369 5.3.2), from K_AIOTF. */
void device_keys(uint8_t k_int[16], uint8_t k_enc[16])
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
void command_result(probe *p, uint32_t count, aiot_nas_cmd cmd, aiot_nas_status status)
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
void command_response(probe *p, uint32_t count)
{
	command_result(p, count, AIOT_CMD_READ, AIOT_ST_SUCCESS);
}

/* The command the device reads in the k-th NG message (a Command Request). */
aiot_nas_cmd sent_command(size_t k)
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
