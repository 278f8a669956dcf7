/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DO-A devices on the simulated medium (docs/protocol.md §5.7): each runs the device library's
 * DO-A machine (aiot_doa.h); this file is its radio and its timers. A DOA_OPEN of a new DO-A
 * session gives every DO-A device fresh handles and makes it register (M1). In each access
 * round, every device with an uplink PDU waiting (M1, M3, Uplink Data) and no back-off left
 * draws a uniform slot in [0, 2^Q); a slot with one sender carries its PDU (DOA_SLOT SINGLE,
 * unless lost), one with more is a COLLISION; ROUND_END gives the counts. A device learns
 * that its PDU got through from the reader's ACK only: a PDU still unacknowledged at the next
 * DOA_OPEN is sent again after a random back-off of 0..2^k - 1 rounds, k = 1, 2, ... capped
 * (DOA-R2 decision 3). Its timer for the answer (M2 after M1, M4 after M3) starts at the ACK;
 * when it expires, aiot_doa_on_timeout gives a new M1. The clock is the caller's (now_us).
 * The attackers of sim_doa_attack.c (§5.7.3) hear what goes over the air here (sim_doa_atk_*)
 * and transmit in the same rounds; a forged downlink takes the genuine one's path
 * (sim_doa_deliver).
 *
 * Ownership: the sim owns the sim_doa_dev array and the round scratch (sim_doa_free); the
 * frames passed in are borrowed for the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "sim.h"

#define BACKOFF_MAX_EXP 6 /* at most 63 rounds sat out */
#define DATA_LEN 8        /* application data: the device's line and a sequence number */

int sim_doa_setup(sim *s, uint32_t n, uint32_t period_ms, uint32_t timeout_ms, char *err,
                  size_t errlen)
{
	uint32_t ngen = s->ndev - s->nclones;
	if (n > ngen) {
		snprintf(err, errlen, "--doa %u: only %u devices", n, ngen);
		return -1;
	}
	s->doa_period_ms = period_ms;
	s->doa_timeout_ms = timeout_ms;
	if (n == 0)
		return 0;
	s->doa = calloc(n, sizeof *s->doa);
	s->doa_draw = calloc(n, sizeof *s->doa_draw);
	if (s->doa == NULL || s->doa_draw == NULL) {
		snprintf(err, errlen, "out of memory for %u DO-A devices", n);
		return -1;
	}
	for (uint32_t j = 0; j < n; j++) {
		sim_doa_dev *dd = &s->doa[j];
		sim_dev *d = &s->devs[(uint32_t)((uint64_t)j * ngen / n)]; /* spread evenly */
		dd->idx = (uint32_t)(d - s->devs);
		if (aiot_doa_init(&dd->doa, &d->cfg, d->tid_indexed ? d->nvm_tid : NULL, 0) !=
		    AIOT_OK) {
			snprintf(err, errlen, "line %u: the device library refused DO-A", d->line);
			return -1;
		}
		s->ndoa++;
	}
	return 0;
}

void sim_doa_free(sim *s)
{
	sim_doa_atk_free(s);
	for (uint32_t j = 0; j < s->ndoa; j++)
		aiot_doa_end(&s->doa[j].doa);
	free(s->doa);
	free(s->doa_draw);
	s->doa = NULL;
	s->doa_draw = NULL;
	s->ndoa = 0;
}

/* A new PDU to send from the next round on (M1, M3, Uplink Data): no back-off. */
static void queue(sim_doa_dev *dd, size_t len)
{
	dd->pdu_len = (uint16_t)len;
	dd->sent = 0;
	dd->backoff = 0;
	dd->bo_exp = 0;
}

static void start(sim *s, sim_doa_dev *dd)
{
	size_t len = 0;
	dd->answer_due_us = 0;
	if (aiot_doa_start(&dd->doa, dd->pdu, sizeof dd->pdu, &len) == AIOT_OK) {
		queue(dd, len);
		s->st.doa_starts++;
	} else {
		dd->pdu_len = 0;
	}
}

/* The device's next application data (data_seq goes up once it is sent). */
static size_t app_data(const sim *s, const sim_doa_dev *dd, uint8_t *out)
{
	uint32_t line = s->devs[dd->idx].line, seq = dd->data_seq;
	for (int i = 0; i < 4; i++) {
		out[i] = (uint8_t)(line >> (24 - 8 * i));
		out[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
	}
	return DATA_LEN;
}

/* Before a round: the device's timers (answer overdue, data due), then its back-off. 1 if it
 * sends in this round. */
static int ready(sim *s, sim_doa_dev *dd)
{
	size_t len = 0;
	if (dd->answer_due_us != 0 && s->now_us >= dd->answer_due_us) {
		dd->answer_due_us = 0;
		int rc = aiot_doa_on_timeout(&dd->doa, dd->pdu, sizeof dd->pdu, &len);
		if (rc == AIOT_OK) {
			queue(dd, len);
			s->st.doa_timeouts++;
		} else { /* max tries: the device starts over */
			s->st.doa_gave_up++;
			start(s, dd);
		}
	}
	if (dd->doa.state == AIOT_DOA_REGISTERED && dd->pdu_len == 0 &&
	    s->now_us >= dd->next_data_us) {
		uint8_t data[DATA_LEN];
		size_t dl = app_data(s, dd, data);
		if (aiot_doa_send(&dd->doa, data, dl, 1, dd->pdu, sizeof dd->pdu, &len) ==
		    AIOT_OK) {
			queue(dd, len);
			dd->data_seq++;
		}
		dd->next_data_us = s->now_us + (uint64_t)s->doa_period_ms * 1000u;
	}
	if (dd->pdu_len == 0)
		return 0;
	if (dd->sent) { /* no ACK for the last try: collided or lost */
		dd->sent = 0;
		if (dd->bo_exp < BACKOFF_MAX_EXP)
			dd->bo_exp++;
		dd->backoff = (uint16_t)(sim_rand64(s) & ((1u << dd->bo_exp) - 1));
		s->st.doa_retries++;
	}
	if (dd->backoff > 0) {
		dd->backoff--;
		return 0;
	}
	return 1;
}

static int by_draw(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* One slot's outcome: a sender id < ndoa is a DO-A device, above an attacker's radio. */
static void emit_slot(sim *s, const air_frame *f, uint32_t slot, uint32_t n, uint32_t id,
                      sim_emit_fn emit, void *arg)
{
	air_frame out = {.type = AIR_DOA_SLOT, .session = f->session};
	out.u.slot.round = f->u.doa_open.round;
	out.u.slot.slot = slot;
	if (n > 1) {
		out.u.slot.outcome = AIR_SLOT_COLLISION;
		out.u.slot.ncolliding = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
	} else if (sim_lost(s)) {
		s->st.lost++;
		return;
	} else if (id < s->ndoa) {
		sim_doa_dev *dd = &s->doa[id];
		out.u.slot.outcome = AIR_SLOT_SINGLE;
		out.u.slot.handle = sim_handle_of(&s->doa_h, id);
		out.u.slot.nas = dd->pdu;
		out.u.slot.nas_len = dd->pdu_len;
		sim_doa_atk_heard(s, id, dd->pdu, dd->pdu_len); /* attackers listen */
	} else {
		out.u.slot.outcome = AIR_SLOT_SINGLE;
		out.u.slot.nas = sim_doa_atk_pdu(s, id, &out.u.slot.handle, &out.u.slot.nas_len);
	}
	sim_emit_frame(emit, arg, &out);
}

void sim_doa_on_open(sim *s, const air_frame *f, sim_emit_fn emit, void *arg)
{
	uint32_t nslots = 1u << f->u.doa_open.q, ndraw = 0;
	s->st.doa_opens++;
	if (!s->doa_started || f->session != s->doa_session) { /* DOA-R2 decision 2 */
		s->doa_started = 1;
		s->doa_session = f->session;
		sim_handles_new(s, &s->doa_h);
		for (uint32_t j = 0; j < s->ndoa; j++)
			start(s, &s->doa[j]);
		sim_doa_atk_session(s);
	}
	for (uint32_t j = 0; j < s->ndoa; j++)
		if (ready(s, &s->doa[j])) {
			s->doa[j].sent = 1;
			s->doa_draw[ndraw++] = (sim_rand64(s) & (nslots - 1)) << 32 | j;
		}
	ndraw = sim_doa_atk_draw(s, nslots, ndraw); /* after the devices: who is idle */
	if (ndraw > 1)                              /* (no DO-A device: doa_draw is NULL) */
		qsort(s->doa_draw, ndraw, sizeof *s->doa_draw, by_draw);
	uint32_t single = 0, collided = 0;
	for (uint32_t i = 0; i < ndraw;) {
		uint32_t slot = (uint32_t)(s->doa_draw[i] >> 32), n = 1;
		while (i + n < ndraw && (uint32_t)(s->doa_draw[i + n] >> 32) == slot)
			n++;
		emit_slot(s, f, slot, n, (uint32_t)s->doa_draw[i], emit, arg);
		single += n == 1;
		collided += n > 1;
		i += n;
	}
	s->st.doa_collisions += collided;
	air_frame end = {.type = AIR_ROUND_END, .session = f->session};
	end.u.round_end.round = f->u.doa_open.round;
	end.u.round_end.q = f->u.doa_open.q;
	end.u.round_end.single = single;
	end.u.round_end.collided = collided;
	end.u.round_end.empty = nslots - single - collided;
	sim_emit_frame(emit, arg, &end);
}

/* The device of a handle in the current DO-A session, or NULL. */
static sim_doa_dev *by_handle(sim *s, uint32_t session, uint32_t handle)
{
	if (!s->doa_started || session != s->doa_session)
		return NULL;
	uint32_t j = sim_index_of(&s->doa_h, handle);
	return j < s->ndoa ? &s->doa[j] : NULL;
}

int sim_doa_on_ack(sim *s, const air_frame *f)
{
	if (!s->doa_started || f->session != s->doa_session)
		return 0;
	for (size_t i = 0; i < f->u.ack.n; i++) {
		sim_doa_dev *dd = by_handle(s, f->session, air_ack_handle(f, i));
		sim_doa_atk_on_ack(s, air_ack_handle(f, i));
		if (dd == NULL || !dd->sent)
			continue;
		dd->sent = 0;
		dd->pdu_len = 0;
		dd->bo_exp = 0;
		if (dd->doa.state == AIOT_DOA_REGISTERED) /* Uplink Data: nothing comes back */
			s->st.doa_uplink_sent++;
		else { /* M1 or M3: the answer is awaited from now */
			dd->answer_due_us = s->now_us + (uint64_t)s->doa_timeout_ms * 1000u;
			sim_doa_atk_acked(s,
			                  (uint32_t)(dd - s->doa)); /* a rogue network is faster */
		}
	}
	return 1;
}

/* M2 (the device verifies MAC_N; M3 with the first data) or M4 (Registration Accept). A PDU the
 * library refuses changes nothing (counted in its m2_dropped / m2_foreign / m4_dropped). */
int sim_doa_deliver(sim *s, sim_doa_dev *dd, const uint8_t *nas, size_t len)
{
	uint8_t pdu[AIR_MAX_NAS], data[DATA_LEN];
	size_t out = 0;
	if (len > sizeof pdu)
		return 0;
	memcpy(pdu, nas, len);
	if (dd->doa.state == AIOT_DOA_WAIT_M2) {
		size_t dl = app_data(s, dd, data);
		if (aiot_doa_on_auth_request(&dd->doa, pdu, len, data, dl, 1, dd->pdu,
		                             sizeof dd->pdu, &out) != AIOT_OK)
			return 0;
		queue(dd, out);
		dd->answer_due_us = 0;
		dd->data_seq++;
		return 1;
	}
	if (dd->doa.state == AIOT_DOA_WAIT_M4) {
		if (aiot_doa_on_accept(&dd->doa, pdu, len) != AIOT_OK)
			return 0;
		s->st.doa_registrations++;
		dd->pdu_len = 0; /* M4 proves M3 arrived, ACK or not */
		dd->sent = 0;
		dd->answer_due_us = 0;
		dd->next_data_us = s->now_us + (uint64_t)s->doa_period_ms * 1000u;
		return 1;
	}
	s->st.doa_unexpected++;
	sim_doa_atk_unexpected(s, (uint32_t)(dd - s->doa), nas, len);
	return 0;
}

void sim_doa_on_downlink(sim *s, const air_frame *f)
{
	sim_doa_dev *dd = by_handle(s, f->session, f->u.cmd.handle);
	if (dd != NULL) {
		sim_doa_atk_heard_down(s, (uint32_t)(dd - s->doa), f->u.cmd.nas, f->u.cmd.nas_len);
		(void)sim_doa_deliver(s, dd, f->u.cmd.nas, f->u.cmd.nas_len);
	} else if (s->doa_started && f->session == s->doa_session) {
		sim_doa_atk_on_downlink(s, f->u.cmd.handle, f->u.cmd.nas, f->u.cmd.nas_len);
	}
}

uint32_t sim_doa_registered(const sim *s)
{
	uint32_t n = 0;
	for (uint32_t j = 0; j < s->ndoa; j++)
		n += s->doa[j].doa.state == AIOT_DOA_REGISTERED;
	return n;
}

uint64_t sim_doa_m2_dropped(const sim *s)
{
	uint64_t n = 0;
	for (uint32_t j = 0; j < s->ndoa; j++)
		n += s->doa[j].doa.m2_dropped + s->doa[j].doa.m2_foreign;
	return n;
}

uint64_t sim_doa_m4_dropped(const sim *s)
{
	uint64_t n = 0;
	for (uint32_t j = 0; j < s->ndoa; j++)
		n += s->doa[j].doa.m4_dropped;
	return n;
}
