/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader's procedures (reader_proc.h): per inventory (keyed by the
 * AIoT-CorrelationIdentifier) rounds of framed slotted ALOHA (docs/protocol.md §5.5) until a
 * round is silent, the relaying of answers and commands. No socket, no libevent, no clock:
 * every action goes through reader_io.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "air/air.h"
#include "common/aiot_err.h"
#include "nas/nas.h"
#include "reader_devtab.h"
#include "reader_dfsa.h"
#include "reader_doa.h"
#include "reader_proc.h"
#include "svc/log.h"

#define MAX_TIMEOUTS_IN_ROW 3 /* silent medium: the inventory ends */

typedef struct inv inv;
typedef struct cmd cmd;

struct cmd {
	inv *s;
	size_t dev; /* index into s->dt.devs */
	uint8_t nas[AIR_MAX_NAS];
	uint16_t nas_len;
	int tries;
	reader_timer *timer;
};

typedef struct batch_ent {
	uint32_t ran_id;
	uint16_t len;
	uint8_t nas[AIR_MAX_NAS];
} batch_ent;

struct inv {
	reader_proc *r;
	inv *next;
	uint16_t corr; /* AIoT-CorrelationIdentifier */
	uint32_t air_session;
	uint8_t rand_n[16];
	uint8_t kind;
	uint16_t ident_bits;
	uint8_t ident[AIR_MAX_IDENT_BITS / 8];
	uint8_t followon; /* keep the device table for commands until released */
	uint8_t running;  /* rounds still going */
	uint8_t q;
	uint16_t round;
	unsigned rounds, collisions, timeouts_in_row;
	uint64_t t0_us, deadline_us;
	/* Devices read, in RAN-ID order; handle -> index+1 (open addressing). */
	devtab dt;
	/* This round. */
	uint32_t rx_single, rx_collided;
	uint8_t rx_active; /* SLOT frames of this round in the current receive batch */
	uint32_t *ack;
	size_t nack, ackcap;
	batch_ent *batch;
	size_t nbatch;
	reader_timer *round_timer;
};

struct reader_proc {
	reader_cfg cfg;
	const reader_io *io;
	void *io_arg;
	inv *sessions;
	unsigned nsessions;
	uint32_t next_ran_id;
	uint8_t rx_active; /* some round went on in the current receive batch */
	reader_stats st;
	reader_doa *doa; /* device-originated access (reader_doa.c) */
};

/* 0 when handed to the NG link. */
static int ng_send(reader_proc *r, const ngap_msg *m)
{
	return r->io->ng_send(r->io_arg, m);
}

static void air_send(reader_proc *r, const air_frame *f)
{
	uint8_t buf[AIR_MAX_FRAME];
	int n = air_encode(f, buf, sizeof buf);
	if (n < 0) {
		log_error("air %s: cannot encode: %s", air_type_name(f->type), aiot_strerror(n));
		return;
	}
	r->io->air_send(r->io_arg, buf, (size_t)n);
}

static void ng_fail(reader_proc *r, ngap_type t, uint16_t corr, uint8_t value, int has_ran,
                    uint32_t ran)
{
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = t;
	m.correlation_id = corr;
	m.u.fail.cause.group = NGAP_CAUSE_RADIO;
	m.u.fail.cause.value = value;
	m.u.fail.has_ran_device_id = (uint8_t)has_ran;
	m.u.fail.ran_device_id = ran;
	ng_send(r, &m);
}

/* ---- sessions ---------------------------------------------------------------------------- */

static inv *find_corr(reader_proc *r, uint16_t corr)
{
	for (inv *s = r->sessions; s != NULL; s = s->next)
		if (s->corr == corr)
			return s;
	return NULL;
}

static inv *find_air(reader_proc *r, uint32_t air_session)
{
	for (inv *s = r->sessions; s != NULL; s = s->next)
		if (s->air_session == air_session)
			return s;
	return NULL;
}

static void cmd_free(cmd *c)
{
	if (c == NULL)
		return;
	c->s->dt.devs[c->dev].pending = NULL;
	c->s->r->io->timer_free(c->timer);
	free(c);
}

/* Forget the session; the devices forget it too (air RELEASE). */
static void inv_free(inv *s, int release_air)
{
	reader_proc *r = s->r;
	for (inv **pp = &r->sessions; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	r->nsessions--;
	if (release_air) {
		air_frame f = {.type = AIR_RELEASE, .session = s->air_session};
		air_send(r, &f);
	}
	for (size_t i = 0; i < s->dt.n; i++)
		cmd_free(s->dt.devs[i].pending);
	r->io->timer_free(s->round_timer);
	devtab_free(&s->dt);
	free(s->ack);
	free(s->batch);
	free(s);
}

/* ---- inventory rounds (TS 33.369 5.2.2 steps 3, 5, 6) ------------------------------------- */

static void flush_report(inv *s, int complete)
{
	reader_proc *r = s->r;
	if (s->nbatch == 0 && !complete)
		return;
	ngap_device_report *dr = calloc(s->nbatch ? s->nbatch : 1, sizeof *dr);
	if (dr == NULL) {
		log_error("out of memory: Inventory Report of %zu devices dropped", s->nbatch);
		s->nbatch = 0;
		return;
	}
	for (size_t i = 0; i < s->nbatch; i++) {
		dr[i].nas_pdu = s->batch[i].nas;
		dr[i].nas_len = s->batch[i].len;
		dr[i].has_ran_device_id = 1;
		dr[i].ran_device_id = s->batch[i].ran_id;
	}
	ngap_reader_report rr = {
	    .reader_index = r->cfg.reader_index, .devices = dr, .ndevices = (uint32_t)s->nbatch};
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_INVENTORY_REPORT;
	m.correlation_id = s->corr;
	m.u.report.gnb_id = r->cfg.gnb_id;
	m.u.report.readers = &rr;
	m.u.report.nreaders = 1;
	m.u.report.complete = (uint8_t)complete;
	if (ng_send(r, &m) == 0)
		r->st.d2r_relayed += s->nbatch;
	free(dr);
	s->nbatch = 0;
}

static void send_acks(inv *s)
{
	for (size_t i = 0; i < s->nack; i += AIR_MAX_ACK) {
		air_frame f = {.type = AIR_ACK, .session = s->air_session};
		f.u.ack.handles = s->ack + i;
		f.u.ack.n = (uint16_t)(s->nack - i < AIR_MAX_ACK ? s->nack - i : AIR_MAX_ACK);
		air_send(s->r, &f);
	}
	s->nack = 0;
}

static void start_round(inv *s)
{
	air_frame f = {.type = AIR_PAGING, .session = s->air_session};
	s->round++;
	s->rounds++;
	s->rx_single = s->rx_collided = 0;
	f.u.paging.round = s->round;
	f.u.paging.q = s->q;
	f.u.paging.kind = s->kind;
	f.u.paging.ident_bits = s->ident_bits;
	f.u.paging.ident = s->ident_bits ? s->ident : NULL;
	memcpy(f.u.paging.rand_n, s->rand_n, 16);
	air_send(s->r, &f);
	s->r->st.pagings++;
	s->r->io->timer_arm(s->round_timer, s->r->cfg.round_timeout_ms);
}

static void finish_inventory(inv *s)
{
	double dt = (double)(s->r->io->now_us(s->r->io_arg) - s->t0_us) / 1e6;
	s->running = 0;
	s->r->io->timer_cancel(s->round_timer);
	flush_report(s, 1);
	log_info("reader: inventory %u: %zu devices read in %u rounds, %u collided slots, %.3f s "
	         "(%.0f devices/s)%s",
	         s->corr, s->dt.n, s->rounds, s->collisions, dt,
	         dt > 0 ? (double)s->dt.n / dt : 0.0,
	         s->timeouts_in_row >= MAX_TIMEOUTS_IN_ROW ? ", air medium silent" : "");
	if (!s->followon)
		inv_free(s, 1);
}

/*
 * The round is over (ROUND_END, or silence for round-timeout-ms: re == NULL). The frame size
 * of the next round is reader_dfsa.c's. The inventory ends after a silent round: no single,
 * no collision.
 */
static void end_round(inv *s, const air_frame *re)
{
	reader_proc *r = s->r;
	uint32_t single = s->rx_single, collided = s->rx_collided, empty = 1;
	r->io->timer_cancel(s->round_timer);
	send_acks(s);
	if (re != NULL) {
		single = re->u.round_end.single;
		collided = re->u.round_end.collided;
		empty = re->u.round_end.empty;
		s->timeouts_in_row = 0;
	} else {
		s->timeouts_in_row++;
		log_warn("inventory %u round %u: no ROUND_END within %u ms", s->corr, s->round,
		         r->cfg.round_timeout_ms);
	}
	s->collisions += collided;
	r->st.collided_slots += collided;
	log_debug("inventory %u round %u: Q %u, %u single (%u received), %u collided, %u empty%s",
	          s->corr, s->round, s->q, single, s->rx_single, collided, re ? empty : 0,
	          re ? "" : " (timeout)");
	int silent = re != NULL && single == 0 && collided == 0;
	if (silent || s->rounds >= r->cfg.max_rounds || s->timeouts_in_row >= MAX_TIMEOUTS_IN_ROW ||
	    (s->deadline_us && r->io->now_us(r->io_arg) >= s->deadline_us)) {
		finish_inventory(s);
		return;
	}
	flush_report(s, 0);
	dfsa_round seen = {.q = s->q,
	                   .timed_out = re == NULL,
	                   .single = single,
	                   .received = s->rx_single,
	                   .collided = collided,
	                   .empty = empty};
	s->q = dfsa_next_q(&seen);
	start_round(s);
}

static void on_round_timeout(void *arg)
{
	end_round(arg, NULL);
}

/* A SINGLE slot: the device's Inventory Response goes to the AIOTF (step 6) under a
 * RAN-AIOT-Device-NGAP-ID; the device is acknowledged at the end of the round. */
static void on_single(inv *s, const air_frame *f)
{
	reader_proc *r = s->r;
	size_t idx = devtab_by_handle(&s->dt, f->u.slot.handle);
	s->rx_single++;
	/* TS 33.369 5.2.2 NOTE 2, our extension (docs/protocol.md §3.2): an answer to a paging
	 * this reader did not send (its RAND tag is not this session's RAND_AIOT_n) is neither
	 * relayed nor acknowledged: the device answers our paging in a later round. */
	if (!aiot_nas_inv_answers(f->u.slot.nas, f->u.slot.nas_len, s->rand_n)) {
		r->st.d2r_foreign++;
		return;
	}
	if (idx == SIZE_MAX) {
		idx = devtab_add(&s->dt, r->next_ran_id, f->u.slot.handle);
		if (idx == SIZE_MAX)
			return; /* not acknowledged: it answers again */
		r->next_ran_id++;
	}
	/* else: its ACK was lost and it answered again (the same Inventory Response: a device
	 * keeps its answer until acknowledged, §5.4); relayed again under the same RAN ID. */
	if (s->nack == s->ackcap) {
		size_t nc = s->ackcap ? s->ackcap * 2 : 256;
		uint32_t *na = realloc(s->ack, nc * sizeof *na);
		if (na == NULL)
			return;
		s->ack = na;
		s->ackcap = nc;
	}
	s->ack[s->nack++] = f->u.slot.handle;
	batch_ent *b = &s->batch[s->nbatch++];
	b->ran_id = s->dt.devs[idx].ran_id;
	b->len = f->u.slot.nas_len;
	memcpy(b->nas, f->u.slot.nas, f->u.slot.nas_len);
	if (s->nbatch == r->cfg.report_batch)
		flush_report(s, 0);
}

/* ---- commands (TS 23.369 6.2.3: the reader relays, the device checks the MAC) ------------- */

static void cmd_send_air(cmd *c)
{
	air_frame f = {.type = AIR_COMMAND, .session = c->s->air_session};
	f.u.cmd.handle = c->s->dt.devs[c->dev].handle;
	f.u.cmd.nas = c->nas;
	f.u.cmd.nas_len = c->nas_len;
	c->tries++;
	air_send(c->s->r, &f);
	c->s->r->st.commands_sent++;
	c->s->r->io->timer_arm(c->timer, c->s->r->cfg.command_timeout_ms);
}

static void on_cmd_timeout(void *arg)
{
	cmd *c = arg;
	if (c->tries < 2) {
		cmd_send_air(c);
		return;
	}
	inv *s = c->s;
	s->r->st.commands_failed++;
	ng_fail(s->r, NGAP_COMMAND_FAILURE, s->corr, NGAP_CAUSE_DEVICE_NOT_REACHABLE, 1,
	        s->dt.devs[c->dev].ran_id);
	cmd_free(c);
}

static void on_command_request(reader_proc *r, const ngap_msg *m)
{
	inv *s = find_corr(r, m->correlation_id);
	uint32_t ran = m->u.cmd.ran_device_id;
	if (s == NULL) {
		ng_fail(r, NGAP_COMMAND_FAILURE, m->correlation_id, NGAP_CAUSE_UNKNOWN_SESSION, 1,
		        ran);
		return;
	}
	size_t idx = devtab_by_ran(&s->dt, ran);
	if (idx == SIZE_MAX) {
		ng_fail(r, NGAP_COMMAND_FAILURE, m->correlation_id,
		        NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, 1, ran);
		return;
	}
	if (s->dt.devs[idx].pending != NULL || m->u.cmd.nas_len > AIR_MAX_NAS) {
		ng_fail(r, NGAP_COMMAND_FAILURE, m->correlation_id, NGAP_CAUSE_UNSPECIFIED, 1, ran);
		return;
	}
	cmd *c = calloc(1, sizeof *c);
	if (c == NULL || (c->timer = r->io->timer_new(r->io_arg, on_cmd_timeout, c)) == NULL) {
		free(c);
		ng_fail(r, NGAP_COMMAND_FAILURE, m->correlation_id, NGAP_CAUSE_OVERLOAD, 1, ran);
		return;
	}
	c->s = s;
	c->dev = idx;
	c->nas_len = m->u.cmd.nas_len;
	memcpy(c->nas, m->u.cmd.nas_pdu, c->nas_len);
	s->dt.devs[idx].pending = c;
	cmd_send_air(c);
}

static void on_command_resp(inv *s, const air_frame *f)
{
	size_t idx = devtab_by_handle(&s->dt, f->u.cmd.handle);
	if (idx == SIZE_MAX || s->dt.devs[idx].pending == NULL)
		return; /* late (after a retry answered) or unknown */
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_COMMAND_RESPONSE;
	m.correlation_id = s->corr;
	m.u.cmd.ran_device_id = s->dt.devs[idx].ran_id;
	m.u.cmd.nas_pdu = f->u.cmd.nas;
	m.u.cmd.nas_len = f->u.cmd.nas_len;
	if (ng_send(s->r, &m) == 0)
		s->r->st.commands_delivered++;
	cmd_free(s->dt.devs[idx].pending);
}

/* ---- NG link ------------------------------------------------------------------------------ */

static int reader_listed(const reader_proc *r, const ngap_msg *m)
{
	if (m->u.inv_req.nreaders == 0)
		return 1;
	for (uint32_t i = 0; i < m->u.inv_req.nreaders; i++)
		if (m->u.inv_req.readers[i].gnb_id == r->cfg.gnb_id &&
		    m->u.inv_req.readers[i].reader_index == r->cfg.reader_index)
			return 1;
	return 0;
}

static void on_inventory_request(reader_proc *r, const ngap_msg *m)
{
	uint16_t corr = m->correlation_id;
	if (!reader_listed(r, m)) {
		ng_fail(r, NGAP_INVENTORY_FAILURE, corr, NGAP_CAUSE_AREA_NOT_SERVED, 0, 0);
		return;
	}
	if (find_corr(r, corr) != NULL) {
		ng_fail(r, NGAP_INVENTORY_FAILURE, corr, NGAP_CAUSE_MULTIPLE_SESSION_IDS, 0, 0);
		return;
	}
	/* A single device is named by a whole identifier (permanent ID or T-ID, octets). */
	if (m->u.inv_req.ident_kind == NGAP_IDENT_SINGLE && m->u.inv_req.ident_bits % 8 != 0) {
		ng_fail(r, NGAP_INVENTORY_FAILURE, corr, NGAP_CAUSE_UNSPECIFIED, 0, 0);
		return;
	}
	if (r->nsessions >= r->cfg.max_sessions) {
		ng_fail(r, NGAP_INVENTORY_FAILURE, corr, NGAP_CAUSE_OVERLOAD, 0, 0);
		return;
	}
	inv *s = calloc(1, sizeof *s);
	if (s != NULL)
		s->batch = malloc(r->cfg.report_batch * sizeof *s->batch);
	if (s == NULL || s->batch == NULL ||
	    (s->round_timer = r->io->timer_new(r->io_arg, on_round_timeout, s)) == NULL) {
		if (s != NULL)
			free(s->batch);
		free(s);
		ng_fail(r, NGAP_INVENTORY_FAILURE, corr, NGAP_CAUSE_OVERLOAD, 0, 0);
		return;
	}
	s->r = r;
	s->corr = corr;
	do {
		if (r->io->random(r->io_arg, &s->air_session, sizeof s->air_session) != 0)
			s->air_session =
			    (uint32_t)r->io->now_us(r->io_arg) ^ ((uint32_t)corr << 16);
	} while (find_air(r, s->air_session) != NULL);
	memcpy(s->rand_n, m->u.inv_req.rand_n, 16);
	s->kind = m->u.inv_req.ident_kind == NGAP_IDENT_SINGLE  ? AIR_IDENT_SINGLE
	          : m->u.inv_req.ident_kind == NGAP_IDENT_GROUP ? AIR_IDENT_GROUP
	                                                        : AIR_IDENT_ALL;
	s->ident_bits = s->kind == AIR_IDENT_ALL ? 0 : m->u.inv_req.ident_bits;
	memcpy(s->ident, m->u.inv_req.ident, (s->ident_bits + 7u) / 8);
	s->followon = m->u.inv_req.followon_command ? 1 : 0;
	s->q = dfsa_first_q(m->u.inv_req.approx_devices);
	s->running = 1;
	s->t0_us = r->io->now_us(r->io_arg);
	if (m->u.inv_req.time_interval) /* the inventory's time budget, in seconds */
		s->deadline_us = s->t0_us + (uint64_t)m->u.inv_req.time_interval * 1000000u;
	s->next = r->sessions;
	r->sessions = s;
	r->nsessions++;
	r->st.inventories++;

	ngap_msg resp;
	memset(&resp, 0, sizeof resp);
	resp.type = NGAP_INVENTORY_RESPONSE;
	resp.correlation_id = corr;
	ng_send(r, &resp);
	log_debug("inventory %u: air session %08x, Q %u, %s", corr, s->air_session, s->q,
	          s->kind == AIR_IDENT_ALL     ? "all devices"
	          : s->kind == AIR_IDENT_GROUP ? "group"
	                                       : "single device");
	start_round(s);
}

static void on_release_command(reader_proc *r, const ngap_msg *m)
{
	inv *s = find_corr(r, m->correlation_id);
	if (s != NULL)
		inv_free(s, 1);
	ngap_msg c;
	memset(&c, 0, sizeof c);
	c.type = NGAP_SESSION_RELEASE_COMPLETE;
	c.correlation_id = m->correlation_id;
	ng_send(r, &c);
}

/* ---- air ---------------------------------------------------------------------------------- */

void reader_proc_on_air(reader_proc *r, const uint8_t *buf, size_t n)
{
	air_frame f;
	int rc = air_decode(buf, n, &f);
	if (rc != AIOT_OK) {
		r->st.air_dropped++;
		log_debug("air: frame of %zu octets dropped: %s", n, aiot_strerror(rc));
		return;
	}
	inv *s = find_air(r, f.session);
	if (s == NULL) {
		(void)reader_doa_on_air(r->doa, &f); /* else a session already over */
		return;
	}
	switch (f.type) {
	case AIR_SLOT:
		if (!s->running || f.u.slot.round != s->round)
			break; /* late frame of an earlier round: its answer is stale */
		if (f.u.slot.outcome == AIR_SLOT_SINGLE)
			on_single(s, &f);
		else
			s->rx_collided++;
		s->rx_active = 1; /* the round is still going */
		r->rx_active = 1;
		break;
	case AIR_ROUND_END:
		if (s->running && f.u.round_end.round == s->round && f.u.round_end.q == s->q) {
			s->rx_active = 0;
			end_round(s, &f);
		}
		break;
	case AIR_COMMAND_RESP:
		on_command_resp(s, &f);
		break;
	default:
		log_debug("air: unexpected %s", air_type_name(f.type));
		break;
	}
}

void reader_proc_air_batch_end(reader_proc *r)
{
	if (!r->rx_active)
		return;
	r->rx_active = 0;
	/* Sessions whose round went on in this batch: the silence timer starts again. */
	for (inv *s = r->sessions; s != NULL; s = s->next)
		if (s->rx_active && s->running) {
			s->rx_active = 0;
			r->io->timer_arm(s->round_timer, r->cfg.round_timeout_ms);
		}
}

/* ---- the procedures' events and lifetime -------------------------------------------------- */

int reader_proc_on_ng(reader_proc *r, const ngap_msg *m)
{
	switch (m->type) {
	case NGAP_INVENTORY_REQUEST:
		on_inventory_request(r, m);
		return 1;
	case NGAP_COMMAND_REQUEST:
		on_command_request(r, m);
		return 1;
	case NGAP_SESSION_RELEASE_COMMAND:
		on_release_command(r, m);
		return 1;
	case NGAP_DOA_DOWNLINK_NAS:
		reader_doa_on_downlink(r->doa, m);
		return 1;
	default:
		return 0;
	}
}

void reader_proc_link_lost(reader_proc *r)
{
	while (r->sessions != NULL)
		inv_free(r->sessions, 1);
	reader_doa_link_lost(r->doa);
}

reader_proc *reader_proc_new(const reader_cfg *cfg, const reader_io *io, void *io_arg)
{
	reader_proc *r = calloc(1, sizeof *r);
	if (r == NULL)
		return NULL;
	r->cfg = *cfg;
	r->cfg.aiotf = r->cfg.transport = r->cfg.air = r->cfg.name = NULL; /* not kept */
	r->io = io;
	r->io_arg = io_arg;
	r->next_ran_id = 1;
	if ((r->doa = reader_doa_new(cfg, io, io_arg, &r->st)) == NULL) {
		free(r);
		return NULL;
	}
	return r;
}

void reader_proc_free(reader_proc *r)
{
	if (r == NULL)
		return;
	reader_proc_link_lost(r);
	reader_doa_free(r->doa);
	free(r);
}

reader_stats reader_proc_stats(const reader_proc *r)
{
	return r->st;
}

unsigned reader_proc_sessions(const reader_proc *r)
{
	return r->nsessions;
}
