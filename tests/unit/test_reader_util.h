/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the unit tests of the reader's procedures (test_reader_proc.c): recording fakes
 * of reader_io (NG messages and air frames kept as encoded bytes, timers fired by hand, the
 * clock), the checks of what the reader sent, and the AIOTF's and the medium's messages.
 * Include after <cmocka.h>.
 */
#ifndef AIOT_TEST_READER_UTIL_H
#define AIOT_TEST_READER_UTIL_H
#include <stdlib.h>
#include <string.h>

#include "air/air.h"
#include "common/aiot_err.h"
#include "nas/nas.h"
#include "ngap/ngap_aiot.h"
#include "reader/reader_dfsa.h"
#include "reader/reader_proc.h"
#include "reader_fake_io.h"

/* ---- the fakes ------------------------------------------------------------------------- */

#define MAXOUT 64
#define ROUND_MS 100
#define CMD_MS 50

typedef struct out_rec {
	int ng; /* 1: NG message, 0: air frame */
	uint8_t buf[2048];
	size_t len;
} out_rec;

static struct {
	uint32_t next_random;
	int random_fails, timer_fails, ng_down;
	out_rec out[MAXOUT];
	size_t nout, next;
} F;

static int f_random(void *arg, void *out, size_t len)
{
	(void)arg;
	if (F.random_fails)
		return -1;
	assert_int_equal(len, sizeof F.next_random);
	memcpy(out, &F.next_random, len);
	F.next_random++;
	return 0;
}

static out_rec *record(int ng)
{
	assert_true(F.nout < MAXOUT);
	out_rec *o = &F.out[F.nout++];
	o->ng = ng;
	return o;
}

static int f_ng_send(void *arg, const ngap_msg *m)
{
	(void)arg;
	if (F.ng_down)
		return -1;
	out_rec *o = record(1);
	int n = ngap_encode(m, o->buf, sizeof o->buf);
	assert_true(n > 0);
	o->len = (size_t)n;
	return 0;
}

static void f_air_send(void *arg, const uint8_t *frame, size_t len)
{
	(void)arg;
	out_rec *o = record(0);
	assert_true(len <= sizeof o->buf);
	memcpy(o->buf, frame, len);
	o->len = len;
}

static reader_timer *f_timer_new(void *arg, reader_timer_fn fn, void *fn_arg)
{
	if (F.timer_fails)
		return NULL;
	reader_timer *tm = fake_timer_new(arg, fn, fn_arg);
	assert_non_null(tm);
	return tm;
}

static const reader_io fake_io = {
    .now_us = fake_now,
    .random = f_random,
    .ng_send = f_ng_send,
    .air_send = f_air_send,
    .timer_new = f_timer_new,
    .timer_arm = fake_timer_arm,
    .timer_cancel = fake_timer_cancel,
    .timer_free = fake_timer_free,
};

/* The armed timer of that period (ROUND_MS: a round, CMD_MS: a command), or NULL. */
static reader_timer *armed(unsigned ms)
{
	for (size_t i = 0; i < FAKE_TIMERS; i++)
		if (fake_timers[i] != NULL && fake_timers[i]->armed && fake_timers[i]->ms == ms)
			return fake_timers[i];
	return NULL;
}

static void fire(unsigned ms)
{
	reader_timer *tm = armed(ms);
	assert_non_null(tm);
	fake_timer_fire(tm);
}

static reader_cfg test_cfg(void)
{
	return (reader_cfg){.gnb_id = 7,
	                    .reader_index = 3,
	                    .max_rounds = 16,
	                    .round_timeout_ms = ROUND_MS,
	                    .command_timeout_ms = CMD_MS,
	                    .report_batch = 8,
	                    .max_sessions = 2};
}

static int setup(void **state)
{
	memset(&F, 0, sizeof F);
	fake_io_reset();
	fake_clock_us = 1000000;
	F.next_random = 0xA1000000u;
	reader_cfg cfg = test_cfg();
	*state = reader_proc_new(&cfg, &fake_io, NULL);
	return *state == NULL;
}

static int teardown(void **state)
{
	reader_proc_free(*state);
	assert_int_equal(fake_ntimers, 0); /* every session's and command's timer freed */
	return 0;
}

/* ---- what the reader sent ---------------------------------------------------------------- */

static void assert_quiet(void)
{
	assert_int_equal(F.next, F.nout);
}

/* The next NG message, of type t (free with ngap_free). */
static ngap_msg *next_ng(ngap_type t)
{
	ngap_msg *m = NULL;
	assert_true(F.next < F.nout);
	out_rec *o = &F.out[F.next++];
	assert_true(o->ng);
	assert_int_equal(ngap_decode(o->buf, o->len, &m), AIOT_OK);
	assert_int_equal(m->type, t);
	return m;
}

/* The next NG failure message of type t: its cause value and RAN device ID. */
static void next_fail(ngap_type t, uint16_t corr, uint8_t cause, int has_ran, uint32_t ran)
{
	ngap_msg *m = next_ng(t);
	assert_int_equal(m->correlation_id, corr);
	assert_int_equal(m->u.fail.cause.group, NGAP_CAUSE_RADIO);
	assert_int_equal(m->u.fail.cause.value, cause);
	assert_int_equal(m->u.fail.has_ran_device_id, has_ran);
	if (has_ran)
		assert_int_equal(m->u.fail.ran_device_id, ran);
	ngap_free(m);
}

/* The next air frame, of type t (its pointers point into the record). */
static air_frame next_air(uint8_t t)
{
	air_frame f;
	assert_true(F.next < F.nout);
	out_rec *o = &F.out[F.next++];
	assert_false(o->ng);
	assert_int_equal(air_decode(o->buf, o->len, &f), AIOT_OK);
	assert_int_equal(f.type, t);
	return f;
}

static air_frame next_paging(uint32_t session, uint16_t round, uint8_t q)
{
	air_frame f = next_air(AIR_PAGING);
	assert_int_equal(f.session, session);
	assert_int_equal(f.u.paging.round, round);
	assert_int_equal(f.u.paging.q, q);
	return f;
}

static void next_ack(uint32_t session, const uint32_t *handles, size_t n)
{
	air_frame f = next_air(AIR_ACK);
	assert_int_equal(f.session, session);
	assert_int_equal(f.u.ack.n, n);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(air_ack_handle(&f, i), handles[i]);
}

/* The next Inventory Report: its devices' RAN IDs, and the NAS PDU of the first. */
static void next_report(uint16_t corr, int complete, const uint32_t *ran, size_t n,
                        const uint8_t *nas0, size_t nas0_len)
{
	ngap_msg *m = next_ng(NGAP_INVENTORY_REPORT);
	assert_int_equal(m->correlation_id, corr);
	assert_int_equal(m->u.report.complete, complete);
	assert_int_equal(m->u.report.gnb_id, 7);
	assert_int_equal(m->u.report.nreaders, 1);
	assert_int_equal(m->u.report.readers[0].reader_index, 3);
	assert_int_equal(m->u.report.readers[0].ndevices, n);
	for (size_t i = 0; i < n; i++) {
		assert_true(m->u.report.readers[0].devices[i].has_ran_device_id);
		assert_int_equal(m->u.report.readers[0].devices[i].ran_device_id, ran[i]);
	}
	if (nas0 != NULL) {
		assert_int_equal(m->u.report.readers[0].devices[0].nas_len, nas0_len);
		assert_memory_equal(m->u.report.readers[0].devices[0].nas_pdu, nas0, nas0_len);
	}
	ngap_free(m);
}

/* ---- what the AIOTF and the air medium send ---------------------------------------------- */

static const uint8_t RAND_N[16] = {0x5a, 0x17, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

static int ng(reader_proc *p, ngap_msg *m)
{
	return reader_proc_on_ng(p, m);
}

static void inventory_request(reader_proc *p, uint16_t corr, uint16_t approx, int followon)
{
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_INVENTORY_REQUEST;
	m.correlation_id = corr;
	m.u.inv_req.ident_kind = NGAP_IDENT_ALL;
	m.u.inv_req.approx_devices = approx;
	m.u.inv_req.followon_command = (uint8_t)followon;
	memcpy(m.u.inv_req.rand_n, RAND_N, 16);
	assert_int_equal(ng(p, &m), 1);
}

/* An accepted inventory: its Inventory Response and first PAGING; returns the air session. */
static uint32_t start_inventory(reader_proc *p, uint16_t corr, uint16_t approx, int followon)
{
	uint32_t session = F.next_random;
	inventory_request(p, corr, approx, followon);
	ngap_msg *m = next_ng(NGAP_INVENTORY_RESPONSE);
	assert_int_equal(m->correlation_id, corr);
	ngap_free(m);
	air_frame f = next_paging(session, 1, dfsa_first_q(approx));
	assert_int_equal(f.u.paging.kind, AIR_IDENT_ALL);
	assert_memory_equal(f.u.paging.rand_n, RAND_N, 16);
	assert_non_null(armed(ROUND_MS));
	assert_quiet();
	return session;
}

static void air_in(reader_proc *p, const air_frame *f)
{
	uint8_t buf[AIR_MAX_FRAME];
	int n = air_encode(f, buf, sizeof buf);
	assert_true(n > 0);
	reader_proc_on_air(p, buf, (size_t)n);
}

/* A device's Inventory Response answering rand_n (id: its permanent identifier octet). */
static size_t inv_resp(const uint8_t *rand_n, uint8_t id, uint8_t *out)
{
	uint8_t perm[4] = {0xd0, 0, 0, id};
	aiot_nas_inventory_response r = {.res_len = 4, .id_type = AIOT_NAS_ID_PERM};
	memcpy(r.rand_tag, rand_n, AIOT_NAS_RAND_TAG_LEN);
	memset(r.rand_d, id, sizeof r.rand_d);
	memset(r.res, id ^ 0xff, 4);
	r.id = perm;
	r.id_len = sizeof perm;
	int n = aiot_nas_encode_inventory_response(&r, out, AIR_MAX_NAS);
	assert_true(n > 0);
	return (size_t)n;
}

static void slot_single(reader_proc *p, uint32_t session, uint16_t round, uint32_t handle,
                        const uint8_t *nas, size_t len)
{
	air_frame f = {.type = AIR_SLOT, .session = session};
	f.u.slot.round = round;
	f.u.slot.slot = handle & 3;
	f.u.slot.outcome = AIR_SLOT_SINGLE;
	f.u.slot.handle = handle;
	f.u.slot.nas = nas;
	f.u.slot.nas_len = (uint16_t)len;
	air_in(p, &f);
}

static void answer(reader_proc *p, uint32_t session, uint16_t round, uint32_t handle)
{
	uint8_t nas[AIR_MAX_NAS];
	size_t n = inv_resp(RAND_N, (uint8_t)handle, nas);
	slot_single(p, session, round, handle, nas, n);
}

static void slot_collision(reader_proc *p, uint32_t session, uint16_t round)
{
	air_frame f = {.type = AIR_SLOT, .session = session};
	f.u.slot.round = round;
	f.u.slot.outcome = AIR_SLOT_COLLISION;
	f.u.slot.ncolliding = 2;
	air_in(p, &f);
}

static void round_end(reader_proc *p, uint32_t session, uint16_t round, uint8_t q, uint32_t single,
                      uint32_t collided)
{
	air_frame f = {.type = AIR_ROUND_END, .session = session};
	f.u.round_end.round = round;
	f.u.round_end.q = q;
	f.u.round_end.single = single;
	f.u.round_end.collided = collided;
	f.u.round_end.empty = (1u << q) - single - collided;
	air_in(p, &f);
}

static uint8_t next_q(uint8_t q, uint32_t single, uint32_t received, uint32_t collided)
{
	dfsa_round r = {.q = q,
	                .single = single,
	                .received = received,
	                .collided = collided,
	                .empty = (1u << q) - single - collided};
	return dfsa_next_q(&r);
}

static void command_request(reader_proc *p, uint16_t corr, uint32_t ran, uint8_t code)
{
	uint8_t nas[3] = {0x02, code, 0x99};
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_COMMAND_REQUEST;
	m.correlation_id = corr;
	m.u.cmd.ran_device_id = ran;
	m.u.cmd.nas_pdu = nas;
	m.u.cmd.nas_len = sizeof nas;
	assert_int_equal(ng(p, &m), 1);
}

static void next_air_command(uint32_t session, uint32_t handle, uint8_t code)
{
	air_frame f = next_air(AIR_COMMAND);
	assert_int_equal(f.session, session);
	assert_int_equal(f.u.cmd.handle, handle);
	assert_int_equal(f.u.cmd.nas_len, 3);
	assert_int_equal(f.u.cmd.nas[1], code);
}

static void command_resp(reader_proc *p, uint32_t session, uint32_t handle, uint8_t code)
{
	uint8_t nas[2] = {0x03, code};
	air_frame f = {.type = AIR_COMMAND_RESP, .session = session};
	f.u.cmd.handle = handle;
	f.u.cmd.nas = nas;
	f.u.cmd.nas_len = sizeof nas;
	air_in(p, &f);
}

static void next_command_response(uint16_t corr, uint32_t ran, uint8_t code)
{
	ngap_msg *m = next_ng(NGAP_COMMAND_RESPONSE);
	assert_int_equal(m->correlation_id, corr);
	assert_int_equal(m->u.cmd.ran_device_id, ran);
	assert_int_equal(m->u.cmd.nas_len, 2);
	assert_int_equal(m->u.cmd.nas_pdu[1], code);
	ngap_free(m);
}

static void release(reader_proc *p, uint16_t corr)
{
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_SESSION_RELEASE_COMMAND;
	m.correlation_id = corr;
	assert_int_equal(ng(p, &m), 1);
}

static void next_release(uint32_t session)
{
	air_frame f = next_air(AIR_RELEASE);
	assert_int_equal(f.session, session);
}

static void next_release_complete(uint16_t corr)
{
	ngap_msg *m = next_ng(NGAP_SESSION_RELEASE_COMPLETE);
	assert_int_equal(m->correlation_id, corr);
	ngap_free(m);
}

#endif
