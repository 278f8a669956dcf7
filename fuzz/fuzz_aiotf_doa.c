/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Fuzz the AIOTF's DO-A procedure (src/aiotf/doa.c) through its context alone (struct
 * aiotf_proc, as tests/unit/aiotf_proc_harness.c builds it): the input is a script of events —
 * raw uplink PDUs, well-formed M1s, M3s and Uplink Data on two readers and 8 RAN IDs, ADM
 * answers (200 with fields from the script, 404, 403, timeout) to any request still open,
 * Downlink Failures, a reader lost, the clock. The fakes check what comes out: every NG
 * message encodes and goes to a reader still there, no timer armed after it was freed
 * (ASan), and at the end every exchange has ended exactly once and every timer was freed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiotf/aiotf_internal.h" /* struct reader */
#include "aiotf/proc.h"
#include "common/hex.h"
#include "crypto/backend_openssl.h"
#include "nas/nas_doa.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXT 64
#define MAXA 64

struct aiotf_timer {
	aiotf_timer_fn fn;
	void *arg;
	int armed, ms;
};

typedef struct areq {
	adm_done_fn done;
	void *arg;
	char path[64];
	int open;
} areq;

static struct {
	uint64_t now;
	aiotf_timer *t[MAXT];
	areq a[MAXA];
	size_t na;
	int lost[2];
} F;

static reader RD[2];

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
	(void)build;
	free(body);
	if (F.na == MAXA)
		return -2; /* adm.max-queued */
	F.a[F.na] = (areq){.done = done, .arg = arg, .open = 1};
	snprintf(F.a[F.na].path, sizeof F.a[F.na].path, "%s", path);
	F.na++;
	return 0;
}

static int f_ng(aiotf *a, reader *rd, const ngap_msg *m)
{
	static uint8_t buf[4096];
	(void)a;
	if (rd < RD || rd > RD + 1 || F.lost[rd - RD] || ngap_encode(m, buf, sizeof buf) <= 0)
		__builtin_trap();
	return 0;
}

static void f_close(aiotf *a, reader *rd)
{
	(void)a;
	(void)rd;
}

static int f_notify(aiotf *a, const aiotf_req *r, char *body, int last)
{
	(void)a;
	(void)r;
	(void)last;
	free(body);
	return 0;
}

static void f_release(aiotf *a, const aiotf_req *r)
{
	(void)a;
	(void)r;
}

static aiotf_timer *f_timer_new(aiotf *a, aiotf_timer_fn fn, void *arg)
{
	(void)a;
	for (int i = 0; i < MAXT; i++)
		if (F.t[i] == NULL) {
			F.t[i] = calloc(1, sizeof *F.t[i]);
			if (F.t[i] != NULL)
				*F.t[i] = (aiotf_timer){fn, arg, 0, 0};
			return F.t[i];
		}
	return NULL; /* as out of memory */
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
	for (int i = 0; tm != NULL && i < MAXT; i++)
		if (F.t[i] == tm)
			F.t[i] = NULL;
	free(tm);
}

static void f_deliver(aiotf *a, const aiotf_id *perm, const uint8_t *d, size_t len)
{
	(void)a;
	if (perm->len == 0 || perm->len > AIOT_NAS_MAX_ID_LEN || (d == NULL) != (len == 0))
		__builtin_trap();
}

static const aiotf_io io = {
    .now_us = f_now,
    .adm_call = f_adm,
    .ng_send = f_ng,
    .ng_close = f_close,
    .notify = f_notify,
    .notify_release = f_release,
    .timer_new = f_timer_new,
    .timer_arm = f_timer_arm,
    .timer_cancel = f_timer_cancel,
    .timer_free = f_timer_free,
    .doa_deliver = f_deliver,
};

typedef struct script {
	const uint8_t *p;
	size_t n;
} script;

static uint8_t take(script *s)
{
	if (s->n == 0)
		return 0;
	s->n--;
	return *s->p++;
}

static void take_n(script *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = take(s);
}

static void uplink(aiotf_proc *pc, int r, uint32_t ran, const uint8_t *pdu, size_t len)
{
	ngap_msg m;
	if (len == 0 || F.lost[r])
		return;
	memset(&m, 0, sizeof m);
	m.type = NGAP_DOA_UPLINK_NAS;
	m.u.doa.ran_device_id = ran;
	m.u.doa.nas_pdu = pdu;
	m.u.doa.nas_len = (uint16_t)len;
	doa_on_uplink(pc, &RD[r], &m);
}

/* An ADM answer to the open request k, its kind and fields from the script. */
static void answer(script *s)
{
	uint8_t k = take(s), st = take(s), b[16];
	char h[3][33], json[320];
	areq *q = F.na ? &F.a[k % F.na] : NULL;
	if (q == NULL || !q->open)
		return;
	q->open = 0;
	take_n(s, b, sizeof b);
	aiot_hex_encode(b, 16, h[0]);
	aiot_hex_encode(b, 8, h[1]);
	aiot_hex_encode(b + 8, st & 16 ? 8 : 4, h[2]); /* xresD: 4 or 8 octets */
	if (strstr(q->path, "get-doa-authentication"))
		snprintf(json, sizeof json,
		         "{\"aiotDevPermId\":\"ZGV2\",\"randN\":\"%s\",\"macN\":\"%s\",\"xresD\":"
		         "\"%s\"}",
		         h[0], h[1], h[2]);
	else if (strstr(q->path, "get-session-key"))
		snprintf(json, sizeof json, "{\"kAiotf\":\"%s\"}", h[0]);
	else
		snprintf(json, sizeof json, "{\"tid\":\"%s\"}", h[0]);
	int status = (int[]){200, 200, 404, 403, 0, 500}[st % 6];
	cJSON *j = status == 200 ? cJSON_Parse(json) : NULL;
	q->done(q->arg, status, j, status == 0 ? "timeout" : NULL);
	cJSON_Delete(j);
}

static void step(aiotf_proc *pc, script *s)
{
	uint8_t op = take(s), r = take(s) & 1, ran = take(s) & 7, pdu[AIOT_NAS_MAX_PDU];
	size_t len;
	switch (op % 8) {
	case 0: /* raw uplink */
		len = take(s);
		take_n(s, pdu, len);
		uplink(pc, r, ran, pdu, len);
		break;
	case 1: { /* M1 naming "dev" or a T-ID */
		aiot_nas_doa_reg_request m1 = {.id_type = take(s) & 1 ? AIOT_NAS_ID_TID
		                                                      : AIOT_NAS_ID_PERM};
		uint8_t id[16] = "dev";
		take_n(s, m1.rand_d, 16);
		m1.id = id;
		m1.id_len = m1.id_type == AIOT_NAS_ID_TID ? 16 : 3;
		int n = aiot_nas_encode_doa_reg_request(&m1, pdu, sizeof pdu);
		uplink(pc, r, ran, pdu, n > 0 ? (size_t)n : 0);
		break;
	}
	case 2: { /* M3: RES_D from the script (4 or 8 octets) */
		aiot_nas_doa_auth_response m3 = {.res_len = take(s) & 1 ? 8 : 4};
		take_n(s, m3.res_d, m3.res_len);
		int n = aiot_nas_encode_doa_auth_response(&m3, pdu, sizeof pdu);
		uplink(pc, r, ran, pdu, n > 0 ? (size_t)n : 0);
		break;
	}
	case 3:
		answer(s);
		break;
	case 4: {
		ngap_msg m;
		memset(&m, 0, sizeof m);
		m.type = NGAP_DOA_DOWNLINK_FAILURE;
		m.u.fail.has_ran_device_id = 1;
		m.u.fail.ran_device_id = ran;
		if (!F.lost[r])
			doa_on_failure(pc, &RD[r], &m);
		break;
	}
	case 5:
		if (!F.lost[r]) {
			doa_reader_lost(pc, &RD[r]);
			F.lost[r] = 1;
		}
		break;
	default: { /* time passes: timers of at most ms fire */
		int ms = take(s) * 40;
		F.now += (uint64_t)ms * 1000u;
		for (int i = 0; i < MAXT; i++) {
			aiotf_timer *tm = F.t[i];
			if (tm != NULL && tm->armed && tm->ms <= ms) {
				tm->armed = 0;
				tm->fn(tm->arg);
			}
		}
	}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static aiot_backend *be;
	aiotf_cfg cfg = {.name = "fuzz",
	                 .cipher = 1,
	                 .doa_exchange_timeout_ms = 2000,
	                 .doa_max_contexts = 6,
	                 .doa_context_ttl_s = 10,
	                 .doa_m1_rate = 50,
	                 .doa_id_m1_max = 5,
	                 .doa_id_window_ms = 5000};
	aiotf_stats st;
	aiotf_proc pc;
	script s = {data, size};
	if (be == NULL && (be = aiot_backend_openssl_new()) == NULL)
		return 0;
	memset(&F, 0, sizeof F);
	memset(&st, 0, sizeof st);
	memset(RD, 0, sizeof RD);
	if (aiotf_proc_init(&pc, NULL, &io, &cfg, be, &st) != 0)
		return 0;
	while (s.n > 0)
		step(&pc, &s);
	pc.stopping = 1; /* as aiotf_free: the ADM pool fails what is open, then the rest */
	for (size_t i = 0; i < F.na; i++)
		if (F.a[i].open)
			F.a[i].done(F.a[i].arg, 0, NULL, "stopping");
	aiotf_proc_free(&pc);
	unsigned long long started = st.doa_m1, ended = 0;
	for (int i = 0; i < DOA_REF_FULL + 1; i++)
		started -= st.doa_m1_refused[i]; /* refused before an exchange began */
	for (int i = 0; i < DOA_END_N; i++)
		ended += st.doa_ended[i];
	if (ended != started || st.doa_contexts != 0)
		__builtin_trap();
	for (int i = 0; i < MAXT; i++)
		if (F.t[i] != NULL)
			__builtin_trap();
	return 0;
}
