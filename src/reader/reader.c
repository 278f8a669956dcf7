/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader's procedures (reader.h). One event loop: the NG link (ngap_link.h) and one UDP
 * socket to the air medium. Per inventory (keyed by the AIoT-CorrelationIdentifier) it runs
 * rounds of framed slotted ALOHA (docs/protocol.md §5.5) until a round is silent.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "air/air.h"
#include "air/air_udp.h"
#include "common/aiot_err.h"
#include "common/clock.h"
#include "nas/nas.h"
#include "ngap/ngap_aiot.h"
#include "ngap/ngap_link.h"
#include "reader.h"
#include "reader_dfsa.h"
#include "svc/log.h"

#define MAX_TIMEOUTS_IN_ROW 3 /* silent medium: the inventory ends */
#define BACKOFF_MIN_MS 200
#define BACKOFF_MAX_MS 10000

typedef struct inv inv;

typedef struct cmd {
	inv *s;
	size_t dev; /* index into s->devs */
	uint8_t nas[AIR_MAX_NAS];
	uint16_t nas_len;
	int tries;
	struct event *timer;
} cmd;

typedef struct rdev {
	uint32_t ran_id; /* RAN-AIOT-Device-NGAP-ID, assigned by this reader */
	uint32_t handle; /* the air handle of this session */
	cmd *pending;
} rdev;

typedef struct batch_ent {
	uint32_t ran_id;
	uint16_t len;
	uint8_t nas[AIR_MAX_NAS];
} batch_ent;

struct inv {
	reader *r;
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
	rdev *devs;
	size_t ndev, devcap;
	uint32_t *hidx;
	size_t hcap;
	/* This round. */
	uint32_t rx_single, rx_collided;
	uint8_t rx_active; /* SLOT frames of this round in the current receive batch */
	uint32_t *ack;
	size_t nack, ackcap;
	batch_ent *batch;
	size_t nbatch;
	struct event *round_timer;
};

struct reader {
	reader_cfg cfg;
	struct event_base *base;
	ngap_link *link;
	int link_up;
	const char *link_transport;
	struct event *reconnect;
	unsigned backoff_ms;
	int fd;
	struct event *air_ev;
	inv *sessions;
	unsigned nsessions;
	uint32_t next_ran_id;
	reader_stats st;
};

static void link_connect(reader *r);

static struct timeval ms_tv(unsigned ms)
{
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000};
	return tv;
}

/* 0 when handed to the NG link. */
static int ng_send(reader *r, const ngap_msg *m)
{
	if (r->link == NULL) {
		log_warn("NG link down: %s (correlation %u) not sent", ngap_type_name(m->type),
		         m->correlation_id);
		return -1;
	}
	int rc = ngap_send(r->link, m);
	if (rc != AIOT_OK)
		log_warn("%s (correlation %u) not sent: %s", ngap_type_name(m->type),
		         m->correlation_id, aiot_strerror(rc));
	return rc != AIOT_OK;
}

static void air_send(reader *r, const air_frame *f)
{
	uint8_t buf[AIR_MAX_FRAME];
	int n = air_encode(f, buf, sizeof buf);
	if (n < 0) {
		log_error("air %s: cannot encode: %s", air_type_name(f->type), aiot_strerror(n));
		return;
	}
	if (send(r->fd, buf, (size_t)n, 0) != n)
		log_warn("air %s: %s", air_type_name(f->type), strerror(errno));
}

static void ng_fail(reader *r, ngap_type t, uint16_t corr, uint8_t value, int has_ran, uint32_t ran)
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

static inv *find_corr(reader *r, uint16_t corr)
{
	for (inv *s = r->sessions; s != NULL; s = s->next)
		if (s->corr == corr)
			return s;
	return NULL;
}

static inv *find_air(reader *r, uint32_t air_session)
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
	c->s->devs[c->dev].pending = NULL;
	event_free(c->timer);
	free(c);
}

/* Forget the session; the devices forget it too (air RELEASE). */
static void inv_free(inv *s, int release_air)
{
	reader *r = s->r;
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
	for (size_t i = 0; i < s->ndev; i++)
		cmd_free(s->devs[i].pending);
	if (s->round_timer != NULL)
		event_free(s->round_timer);
	free(s->devs);
	free(s->hidx);
	free(s->ack);
	free(s->batch);
	free(s);
}

static size_t hslot(uint32_t handle, size_t cap)
{
	return (size_t)((handle * 2654435761u) ^ (handle >> 16)) & (cap - 1);
}

/* Device index by air handle, or SIZE_MAX. */
static size_t dev_by_handle(const inv *s, uint32_t handle)
{
	if (s->hcap == 0)
		return SIZE_MAX;
	for (size_t i = hslot(handle, s->hcap);; i = (i + 1) & (s->hcap - 1)) {
		uint32_t v = s->hidx[i];
		if (v == 0)
			return SIZE_MAX;
		if (s->devs[v - 1].handle == handle)
			return v - 1;
	}
}

static int hash_insert(inv *s, size_t idx)
{
	if (2 * (s->ndev + 1) > s->hcap) { /* keep the load under 1/2 */
		size_t nc = s->hcap ? s->hcap * 2 : 1024;
		uint32_t *nh = calloc(nc, sizeof *nh);
		if (nh == NULL)
			return -1;
		for (size_t i = 0; i < s->hcap; i++)
			if (s->hidx[i] != 0) {
				size_t j = hslot(s->devs[s->hidx[i] - 1].handle, nc);
				while (nh[j] != 0)
					j = (j + 1) & (nc - 1);
				nh[j] = s->hidx[i];
			}
		free(s->hidx);
		s->hidx = nh;
		s->hcap = nc;
	}
	size_t j = hslot(s->devs[idx].handle, s->hcap);
	while (s->hidx[j] != 0)
		j = (j + 1) & (s->hcap - 1);
	s->hidx[j] = (uint32_t)idx + 1;
	return 0;
}

/* Device index by RAN-AIOT-Device-NGAP-ID: IDs grow within a session (modulo 2^32). */
static size_t dev_by_ran(const inv *s, uint32_t ran)
{
	if (s->ndev == 0)
		return SIZE_MAX;
	uint32_t base = s->devs[0].ran_id, off = ran - base;
	size_t lo = 0, hi = s->ndev;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t m = s->devs[mid].ran_id - base;
		if (m == off)
			return mid;
		if (m < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return SIZE_MAX;
}

/* ---- inventory rounds (TS 33.369 5.2.2 steps 3, 5, 6) ------------------------------------- */

static void flush_report(inv *s, int complete)
{
	reader *r = s->r;
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
	struct timeval tv = ms_tv(s->r->cfg.round_timeout_ms);
	evtimer_add(s->round_timer, &tv);
}

static void finish_inventory(inv *s)
{
	double dt = (double)(aiot_mono_us() - s->t0_us) / 1e6;
	s->running = 0;
	evtimer_del(s->round_timer);
	flush_report(s, 1);
	log_info("reader: inventory %u: %zu devices read in %u rounds, %u collided slots, %.3f s "
	         "(%.0f devices/s)%s",
	         s->corr, s->ndev, s->rounds, s->collisions, dt,
	         dt > 0 ? (double)s->ndev / dt : 0.0,
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
	reader *r = s->r;
	uint32_t single = s->rx_single, collided = s->rx_collided, empty = 1;
	evtimer_del(s->round_timer);
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
	    (s->deadline_us && aiot_mono_us() >= s->deadline_us)) {
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

static void on_round_timeout(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	end_round(arg, NULL);
}

/* A SINGLE slot: the device's Inventory Response goes to the AIOTF (step 6) under a
 * RAN-AIOT-Device-NGAP-ID; the device is acknowledged at the end of the round. */
static void on_single(inv *s, const air_frame *f)
{
	reader *r = s->r;
	size_t idx = dev_by_handle(s, f->u.slot.handle);
	s->rx_single++;
	/* TS 33.369 5.2.2 NOTE 2, our extension (docs/protocol.md §3.2): an answer to a paging
	 * this reader did not send (its RAND tag is not this session's RAND_AIOT_n) is neither
	 * relayed nor acknowledged: the device answers our paging in a later round. */
	if (!aiot_nas_inv_answers(f->u.slot.nas, f->u.slot.nas_len, s->rand_n)) {
		r->st.d2r_foreign++;
		return;
	}
	if (idx == SIZE_MAX) {
		if (s->ndev == s->devcap) {
			size_t nc = s->devcap ? s->devcap * 2 : 256;
			rdev *nd = realloc(s->devs, nc * sizeof *nd);
			if (nd == NULL)
				return; /* not acknowledged: it answers again */
			s->devs = nd;
			s->devcap = nc;
		}
		idx = s->ndev;
		s->devs[idx] = (rdev){.ran_id = r->next_ran_id++, .handle = f->u.slot.handle};
		if (hash_insert(s, idx) != 0)
			return;
		s->ndev++;
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
	b->ran_id = s->devs[idx].ran_id;
	b->len = f->u.slot.nas_len;
	memcpy(b->nas, f->u.slot.nas, f->u.slot.nas_len);
	if (s->nbatch == r->cfg.report_batch)
		flush_report(s, 0);
}

/* ---- commands (TS 23.369 6.2.3: the reader relays, the device checks the MAC) ------------- */

static void cmd_send_air(cmd *c)
{
	air_frame f = {.type = AIR_COMMAND, .session = c->s->air_session};
	f.u.cmd.handle = c->s->devs[c->dev].handle;
	f.u.cmd.nas = c->nas;
	f.u.cmd.nas_len = c->nas_len;
	c->tries++;
	air_send(c->s->r, &f);
	c->s->r->st.commands_sent++;
	struct timeval tv = ms_tv(c->s->r->cfg.command_timeout_ms);
	evtimer_add(c->timer, &tv);
}

static void on_cmd_timeout(evutil_socket_t fd, short ev, void *arg)
{
	cmd *c = arg;
	(void)fd;
	(void)ev;
	if (c->tries < 2) {
		cmd_send_air(c);
		return;
	}
	inv *s = c->s;
	s->r->st.commands_failed++;
	ng_fail(s->r, NGAP_COMMAND_FAILURE, s->corr, NGAP_CAUSE_DEVICE_NOT_REACHABLE, 1,
	        s->devs[c->dev].ran_id);
	cmd_free(c);
}

static void on_command_request(reader *r, const ngap_msg *m)
{
	inv *s = find_corr(r, m->correlation_id);
	uint32_t ran = m->u.cmd.ran_device_id;
	if (s == NULL) {
		ng_fail(r, NGAP_COMMAND_FAILURE, m->correlation_id, NGAP_CAUSE_UNKNOWN_SESSION, 1,
		        ran);
		return;
	}
	size_t idx = dev_by_ran(s, ran);
	if (idx == SIZE_MAX) {
		ng_fail(r, NGAP_COMMAND_FAILURE, m->correlation_id,
		        NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, 1, ran);
		return;
	}
	if (s->devs[idx].pending != NULL || m->u.cmd.nas_len > AIR_MAX_NAS) {
		ng_fail(r, NGAP_COMMAND_FAILURE, m->correlation_id, NGAP_CAUSE_UNSPECIFIED, 1, ran);
		return;
	}
	cmd *c = calloc(1, sizeof *c);
	if (c == NULL || (c->timer = evtimer_new(r->base, on_cmd_timeout, c)) == NULL) {
		free(c);
		ng_fail(r, NGAP_COMMAND_FAILURE, m->correlation_id, NGAP_CAUSE_OVERLOAD, 1, ran);
		return;
	}
	c->s = s;
	c->dev = idx;
	c->nas_len = m->u.cmd.nas_len;
	memcpy(c->nas, m->u.cmd.nas_pdu, c->nas_len);
	s->devs[idx].pending = c;
	cmd_send_air(c);
}

static void on_command_resp(inv *s, const air_frame *f)
{
	size_t idx = dev_by_handle(s, f->u.cmd.handle);
	if (idx == SIZE_MAX || s->devs[idx].pending == NULL)
		return; /* late (after a retry answered) or unknown */
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_COMMAND_RESPONSE;
	m.correlation_id = s->corr;
	m.u.cmd.ran_device_id = s->devs[idx].ran_id;
	m.u.cmd.nas_pdu = f->u.cmd.nas;
	m.u.cmd.nas_len = f->u.cmd.nas_len;
	if (ng_send(s->r, &m) == 0)
		s->r->st.commands_delivered++;
	cmd_free(s->devs[idx].pending);
}

/* ---- NG link ------------------------------------------------------------------------------ */

static int reader_listed(const reader *r, const ngap_msg *m)
{
	if (m->u.inv_req.nreaders == 0)
		return 1;
	for (uint32_t i = 0; i < m->u.inv_req.nreaders; i++)
		if (m->u.inv_req.readers[i].gnb_id == r->cfg.gnb_id &&
		    m->u.inv_req.readers[i].reader_index == r->cfg.reader_index)
			return 1;
	return 0;
}

static void on_inventory_request(reader *r, const ngap_msg *m)
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
	    (s->round_timer = evtimer_new(r->base, on_round_timeout, s)) == NULL) {
		if (s != NULL)
			free(s->batch);
		free(s);
		ng_fail(r, NGAP_INVENTORY_FAILURE, corr, NGAP_CAUSE_OVERLOAD, 0, 0);
		return;
	}
	s->r = r;
	s->corr = corr;
	do {
		if (getrandom(&s->air_session, sizeof s->air_session, 0) != sizeof s->air_session)
			s->air_session = (uint32_t)aiot_mono_us() ^ ((uint32_t)corr << 16);
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
	s->t0_us = aiot_mono_us();
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

static void on_release_command(reader *r, const ngap_msg *m)
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

static void on_ng_msg(void *arg, ngap_link *l, ngap_msg *m)
{
	reader *r = arg;
	(void)l;
	switch (m->type) {
	case NGAP_NG_SETUP_RESPONSE:
		r->link_up = 1;
		r->st.ng_setups++;
		r->backoff_ms = BACKOFF_MIN_MS;
		log_info("reader: NG link up to %s (%s), AIOTF '%s'", r->cfg.aiotf,
		         r->link_transport, m->u.setup_resp.aiotf_name);
		break;
	case NGAP_INVENTORY_REQUEST:
		on_inventory_request(r, m);
		break;
	case NGAP_COMMAND_REQUEST:
		on_command_request(r, m);
		break;
	case NGAP_SESSION_RELEASE_COMMAND:
		on_release_command(r, m);
		break;
	default:
		log_warn("NG: unexpected %s (correlation %u) ignored", ngap_type_name(m->type),
		         m->correlation_id);
		break;
	}
	ngap_free(m);
}

static void drop_sessions(reader *r)
{
	while (r->sessions != NULL)
		inv_free(r->sessions, 1);
}

static void on_ng_close(void *arg, ngap_link *l, const char *err)
{
	reader *r = arg;
	(void)l;
	log_warn("NG link to %s %s: %s; again in %u ms", r->cfg.aiotf,
	         r->link_up ? "lost" : "failed", err ? err : "closed", r->backoff_ms);
	r->link = NULL;
	r->link_up = 0;
	r->st.ng_link_losses++;
	drop_sessions(r); /* the AIOTF's procedures died with the association */
	struct timeval tv = ms_tv(r->backoff_ms);
	evtimer_add(r->reconnect, &tv);
	r->backoff_ms = r->backoff_ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : r->backoff_ms * 2;
}

static void on_reconnect(evutil_socket_t fd, short ev, void *arg)
{
	(void)fd;
	(void)ev;
	link_connect(arg);
}

static void link_connect(reader *r)
{
	char err[256];
	ngap_link_cbs cbs = {.on_msg = on_ng_msg, .on_close = on_ng_close, .arg = r};
	r->link = ngap_connect(r->base, r->cfg.aiotf, r->cfg.transport, &cbs, err, sizeof err);
	if (r->link == NULL) {
		on_ng_close(r, NULL, err);
		return;
	}
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_NG_SETUP_REQUEST;
	m.u.setup_req.gnb_id = r->cfg.gnb_id;
	m.u.setup_req.reader_index = r->cfg.reader_index;
	snprintf(m.u.setup_req.name, sizeof m.u.setup_req.name, "%s", r->cfg.name);
	ng_send(r, &m);
}

/* ---- air ---------------------------------------------------------------------------------- */

/* One D2R frame. Returns the session a SLOT frame kept going (its round timer is re-armed
 * once per batch of frames, not per frame), else NULL. */
static inv *on_air_frame(reader *r, const uint8_t *buf, size_t n)
{
	air_frame f;
	int rc = air_decode(buf, n, &f);
	if (rc != AIOT_OK) {
		log_debug("air: frame of %zu octets dropped: %s", n, aiot_strerror(rc));
		return NULL;
	}
	inv *s = find_air(r, f.session);
	if (s == NULL)
		return NULL; /* a session already over */
	switch (f.type) {
	case AIR_SLOT:
		if (!s->running || f.u.slot.round != s->round)
			break; /* late frame of an earlier round: its answer is stale */
		if (f.u.slot.outcome == AIR_SLOT_SINGLE)
			on_single(s, &f);
		else
			s->rx_collided++;
		s->rx_active = 1; /* the round is still going */
		return s;
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
	return NULL;
}

#define AIR_RX_BATCH 64 /* datagrams per recvmmsg() */

static void on_air(evutil_socket_t fd, short ev, void *arg)
{
	reader *r = arg;
	static uint8_t buf[AIR_RX_BATCH][AIR_MAX_FRAME + 1];
	struct mmsghdr mm[AIR_RX_BATCH];
	struct iovec iov[AIR_RX_BATCH];
	int active = 0;
	(void)ev;
	for (int i = 0; i < 1024 / AIR_RX_BATCH; i++) {
		memset(mm, 0, sizeof mm);
		for (int k = 0; k < AIR_RX_BATCH; k++) {
			iov[k].iov_base = buf[k];
			iov[k].iov_len = sizeof buf[k];
			mm[k].msg_hdr.msg_iov = &iov[k];
			mm[k].msg_hdr.msg_iovlen = 1;
		}
		int got = recvmmsg(fd, mm, AIR_RX_BATCH, MSG_DONTWAIT, NULL);
		if (got <= 0)
			break;
		for (int k = 0; k < got; k++) /* (a session may end, and be freed, here) */
			active |= on_air_frame(r, buf[k], mm[k].msg_len) != NULL;
		if (got < AIR_RX_BATCH)
			break;
	}
	if (!active)
		return;
	/* Sessions whose round went on in this batch: the silence timer starts again. */
	for (inv *s = r->sessions; s != NULL; s = s->next)
		if (s->rx_active && s->running) {
			s->rx_active = 0;
			struct timeval tv = ms_tv(r->cfg.round_timeout_ms);
			evtimer_add(s->round_timer, &tv);
		}
}

/* 0 if the kernel opens SCTP sockets, else the errno of socket(..., IPPROTO_SCTP). */
static int sctp_probe(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);
	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* Which transport "auto" gives: SCTP if the kernel has it (as ngap_link decides). */
static const char *auto_transport(const char *t)
{
	if (strcmp(t, "auto") != 0)
		return t;
	return sctp_probe() == 0 ? "sctp" : "tcp";
}

/* "sctp" on a kernel without SCTP is a configuration error, not a connection error: no
 * retry can fix it (docs/protocol.md 4.4), so the reader refuses to start, as the AIOTF. */
static int transport_usable(const char *t, char *err, size_t errlen)
{
	int e = strcmp(t, "sctp") == 0 ? sctp_probe() : 0;
	if (e == EPROTONOSUPPORT || e == ESOCKTNOSUPPORT || e == EAFNOSUPPORT ||
	    e == EPFNOSUPPORT || e == EPROTOTYPE || e == EPERM || e == EACCES) {
		snprintf(err, errlen,
		         "ng-transport sctp: this kernel has no SCTP (%s); load the sctp module "
		         "or use --ng-transport tcp or auto",
		         strerror(e));
		return -1;
	}
	return 0;
}

reader *reader_new(struct event_base *base, const reader_cfg *cfg, char *err, size_t errlen)
{
	air_addr peer;
	socklen_t plen;
	reader *r = calloc(1, sizeof *r);
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	r->base = base;
	r->fd = -1;
	r->next_ran_id = 1;
	r->backoff_ms = BACKOFF_MIN_MS;
	r->link_transport = auto_transport(cfg->transport);
	if (transport_usable(cfg->transport, err, errlen) != 0)
		goto fail;
	if (air_addr_parse(cfg->air, &peer, &plen, err, errlen) != 0 ||
	    (r->fd = air_udp_socket(NULL, &peer, err, errlen)) < 0)
		goto fail;
	r->air_ev = event_new(base, r->fd, EV_READ | EV_PERSIST, on_air, r);
	r->reconnect = evtimer_new(base, on_reconnect, r);
	if (r->air_ev == NULL || r->reconnect == NULL || event_add(r->air_ev, NULL) != 0) {
		snprintf(err, errlen, "event setup failed");
		goto fail;
	}
	link_connect(r);
	return r;
fail:
	reader_free(r);
	return NULL;
}

void reader_free(reader *r)
{
	if (r == NULL)
		return;
	if (r->fd >= 0)
		drop_sessions(r);
	if (r->link != NULL)
		ngap_link_free(r->link);
	if (r->air_ev != NULL)
		event_free(r->air_ev);
	if (r->reconnect != NULL)
		event_free(r->reconnect);
	if (r->fd >= 0)
		close(r->fd);
	free(r);
}

reader_stats reader_get_stats(const reader *r)
{
	reader_stats st = r->st;
	st.ng_link_up = r->link_up;
	return st;
}
