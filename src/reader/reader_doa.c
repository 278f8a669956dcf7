/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The reader's DO-A access rounds and relay (reader_doa.h). The device table maps an air
 * handle to a RAN-AIOT-Device-NGAP-ID and back in O(1): entry i of at most doa_max_devices
 * carries RAN ID (generation << RAN_IDX_BITS) | i, so a RAN ID names its entry and a stale
 * one (an entry freed by `end` or by a new session) does not match; handles are found by
 * linear probing (deleted by backward shift, no tombstones).
 */
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "reader_dfsa.h"
#include "reader_doa.h"
#include "svc/log.h"

#define RAN_IDX_BITS 20 /* doa_max_devices <= 2^20 */
#define RAN_IDX_MASK ((1u << RAN_IDX_BITS) - 1)

typedef struct doa_ent {
	uint32_t handle;
	uint32_t ran_id; /* 0: free */
} doa_ent;

struct reader_doa {
	reader_cfg cfg;
	const reader_io *io;
	void *io_arg;
	reader_stats *st;
	uint32_t session; /* the air id of the current DO-A session */
	uint64_t session_end_us;
	uint64_t round_t0_us; /* the current round's DOA_OPEN */
	uint16_t round;
	uint8_t q;
	uint8_t ended; /* ROUND_END of the current round seen */
	uint32_t rx_single, rx_collided;
	uint32_t gen; /* RAN ID generation, grows with every entry taken */
	doa_ent *ent;
	uint32_t *free_idx; /* stack of free entries */
	size_t nfree;
	uint32_t *hidx; /* handle -> entry + 1 (0: empty), hcap a power of 2 >= 2 x entries */
	size_t hcap;
	uint32_t *ack; /* handles relayed in this round */
	size_t nack, ackcap;
	reader_timer *timer;
};

static void air_out(reader_doa *d, const air_frame *f)
{
	uint8_t buf[AIR_MAX_FRAME];
	int n = air_encode(f, buf, sizeof buf);
	if (n < 0) {
		log_error("air %s: cannot encode: %s", air_type_name(f->type), aiot_strerror(n));
		return;
	}
	d->io->air_send(d->io_arg, buf, (size_t)n);
}

/* ---- the device table --------------------------------------------------------------------- */

static size_t hslot(const reader_doa *d, uint32_t handle)
{
	return (size_t)((handle * 2654435761u) ^ (handle >> 16)) & (d->hcap - 1);
}

/* The hash position of handle, or SIZE_MAX. */
static size_t find_handle(const reader_doa *d, uint32_t handle)
{
	for (size_t j = hslot(d, handle);; j = (j + 1) & (d->hcap - 1)) {
		if (d->hidx[j] == 0)
			return SIZE_MAX;
		if (d->ent[d->hidx[j] - 1].handle == handle)
			return j;
	}
}

/* The entry of a RAN ID, or NULL. */
static doa_ent *find_ran(const reader_doa *d, uint32_t ran)
{
	uint32_t i = ran & RAN_IDX_MASK;
	if (ran == 0 || i >= d->cfg.doa_max_devices || d->ent[i].ran_id != ran)
		return NULL;
	return &d->ent[i];
}

/* A new entry for handle (not in the table), or NULL when the table is full. */
static doa_ent *take(reader_doa *d, uint32_t handle)
{
	if (d->nfree == 0)
		return NULL;
	uint32_t i = d->free_idx[--d->nfree];
	if (++d->gen >= (1u << (32 - RAN_IDX_BITS)))
		d->gen = 1;
	d->ent[i] = (doa_ent){.handle = handle, .ran_id = (d->gen << RAN_IDX_BITS) | i};
	size_t j = hslot(d, handle);
	while (d->hidx[j] != 0)
		j = (j + 1) & (d->hcap - 1);
	d->hidx[j] = i + 1;
	return &d->ent[i];
}

/* Forget an entry: its RAN ID stops matching, its handle leaves the index. */
static void forget(reader_doa *d, doa_ent *e)
{
	size_t mask = d->hcap - 1, j = find_handle(d, e->handle);
	e->ran_id = 0;
	d->free_idx[d->nfree++] = (uint32_t)(e - d->ent);
	if (j == SIZE_MAX)
		return;
	for (size_t k = (j + 1) & mask; d->hidx[k] != 0; k = (k + 1) & mask) {
		size_t home = hslot(d, d->ent[d->hidx[k] - 1].handle);
		if (((k - home) & mask) >= ((k - j) & mask)) { /* home not in (j, k]: move */
			d->hidx[j] = d->hidx[k];
			j = k;
		}
	}
	d->hidx[j] = 0;
}

/* ---- sessions and rounds ---------------------------------------------------------------- */

/* A new DO-A session: a fresh air id, every RAN ID forgotten (the devices register again
 * when they see the new id: DOA-R2 decision 1, docs/protocol.md §5.7). */
static void new_session(reader_doa *d)
{
	uint32_t old = d->session;
	do {
		if (d->io->random(d->io_arg, &d->session, sizeof d->session) != 0)
			d->session = (uint32_t)d->io->now_us(d->io_arg) ^ 0xD0A00000u;
	} while (d->session == old);
	memset(d->ent, 0, d->cfg.doa_max_devices * sizeof *d->ent);
	memset(d->hidx, 0, d->hcap * sizeof *d->hidx);
	d->nfree = 0;
	for (uint32_t i = d->cfg.doa_max_devices; i-- > 0;)
		d->free_idx[d->nfree++] = i;
	d->nack = 0;
	d->round = 0;
	d->q = dfsa_first_q(0);
	d->ended = 1;
	d->session_end_us = d->io->now_us(d->io_arg) + (uint64_t)d->cfg.doa_session_s * 1000000u;
	d->st->doa_sessions++;
	log_debug("DO-A session %08x", d->session);
}

static void send_acks(reader_doa *d)
{
	for (size_t i = 0; i < d->nack; i += AIR_MAX_ACK) {
		air_frame f = {.type = AIR_ACK, .session = d->session};
		f.u.ack.handles = d->ack + i;
		f.u.ack.n = (uint16_t)(d->nack - i < AIR_MAX_ACK ? d->nack - i : AIR_MAX_ACK);
		air_out(d, &f);
	}
	d->nack = 0;
}

/* Every doa_interval_ms, once the round has ended (ROUND_END, or round_timeout_ms without
 * it): the ACKs still owed, the next Q, a new session when this one is over, the next
 * DOA_OPEN. */
static void on_tick(void *arg)
{
	reader_doa *d = arg;
	uint64_t now = d->io->now_us(d->io_arg);
	if (!d->ended && now - d->round_t0_us < (uint64_t)d->cfg.round_timeout_ms * 1000u) {
		/* Its frames may still wait in the socket: a new round now would leave their
		 * devices unACKed, and they would send the same PDU again. */
		d->io->timer_arm(d->timer, d->cfg.doa_interval_ms);
		return;
	}
	send_acks(d);
	if (!d->ended) { /* no ROUND_END: what the reader received is all it knows */
		dfsa_round seen = {.q = d->q, .single = d->rx_single, .collided = d->rx_collided};
		seen.empty = d->rx_single + d->rx_collided == 0;
		d->q = dfsa_doa_q(&seen);
	}
	if (now >= d->session_end_us)
		new_session(d);
	air_frame f = {.type = AIR_DOA_OPEN, .session = d->session};
	f.u.doa_open.round = ++d->round;
	f.u.doa_open.q = d->q;
	d->rx_single = d->rx_collided = 0;
	d->ended = 0;
	d->round_t0_us = now;
	air_out(d, &f);
	d->st->doa_rounds++;
	d->io->timer_arm(d->timer, d->cfg.doa_interval_ms);
}

static void on_round_end(reader_doa *d, const air_frame *f)
{
	if (d->ended || f->u.round_end.round != d->round || f->u.round_end.q != d->q)
		return; /* late or repeated */
	d->ended = 1;
	send_acks(d);
	dfsa_round seen = {.q = d->q,
	                   .single = f->u.round_end.single,
	                   .collided = f->u.round_end.collided,
	                   .empty = f->u.round_end.empty};
	d->st->doa_collided_slots += f->u.round_end.collided;
	d->q = dfsa_doa_q(&seen);
}

/* ---- relay ----------------------------------------------------------------------------- */

static int ack_later(reader_doa *d, uint32_t handle)
{
	if (d->nack == d->ackcap) {
		size_t nc = d->ackcap ? d->ackcap * 2 : 64;
		uint32_t *na = realloc(d->ack, nc * sizeof *na);
		if (na == NULL)
			return -1;
		d->ack = na;
		d->ackcap = nc;
	}
	d->ack[d->nack++] = handle;
	return 0;
}

/* A SINGLE DO-A slot: the PDU to the AIOTF under the device's RAN ID (a new one on its
 * first PDU of the session), then ACKed. Not relayed, not ACKed: the device retries. */
static void on_single(reader_doa *d, const air_frame *f)
{
	size_t j = find_handle(d, f->u.slot.handle);
	doa_ent *e = j != SIZE_MAX ? &d->ent[d->hidx[j] - 1] : take(d, f->u.slot.handle);
	if (e == NULL) {
		d->st->doa_table_full++;
		return;
	}
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_DOA_UPLINK_NAS;
	m.u.doa.ran_device_id = e->ran_id;
	m.u.doa.nas_pdu = f->u.slot.nas;
	m.u.doa.nas_len = f->u.slot.nas_len;
	if (d->io->ng_send(d->io_arg, &m) != 0 || ack_later(d, f->u.slot.handle) != 0)
		return;
	d->st->doa_uplink++;
}

int reader_doa_on_air(reader_doa *d, const air_frame *f)
{
	if (d->timer == NULL || f->session != d->session)
		return 0;
	switch (f->type) {
	case AIR_DOA_SLOT: /* a slot of an earlier round still carries a good PDU */
		if (f->u.slot.outcome == AIR_SLOT_SINGLE) {
			d->rx_single++;
			on_single(d, f);
		} else {
			d->rx_collided++;
		}
		break;
	case AIR_ROUND_END:
		on_round_end(d, f);
		break;
	default:
		log_debug("air: unexpected %s in the DO-A session", air_type_name(f->type));
		break;
	}
	return 1;
}

static void downlink_failure(reader_doa *d, uint8_t cause, uint32_t ran)
{
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_DOA_DOWNLINK_FAILURE;
	m.u.fail.cause.group = NGAP_CAUSE_RADIO;
	m.u.fail.cause.value = cause;
	m.u.fail.has_ran_device_id = 1;
	m.u.fail.ran_device_id = ran;
	d->io->ng_send(d->io_arg, &m);
}

void reader_doa_on_downlink(reader_doa *d, const ngap_msg *m)
{
	uint32_t ran = m->u.doa.ran_device_id;
	doa_ent *e = d->timer != NULL ? find_ran(d, ran) : NULL;
	if (e == NULL) {
		d->st->doa_unknown_ran++;
		downlink_failure(d, NGAP_CAUSE_UNKNOWN_RAN_AIOT_DEVICE_ID, ran);
		return;
	}
	if (m->u.doa.nas_len == 0 || m->u.doa.nas_len > AIR_MAX_NAS) {
		downlink_failure(d, NGAP_CAUSE_DEVICE_NOT_REACHABLE, ran);
		return;
	}
	air_frame f = {.type = AIR_DOA_DOWNLINK, .session = d->session};
	f.u.cmd.handle = e->handle;
	f.u.cmd.nas = m->u.doa.nas_pdu;
	f.u.cmd.nas_len = m->u.doa.nas_len;
	air_out(d, &f);
	d->st->doa_downlink++;
	if (m->u.doa.end) /* the AIOTF keeps nothing for this ID any more */
		forget(d, e);
}

void reader_doa_link_lost(reader_doa *d)
{
	if (d->timer != NULL)
		new_session(d);
}

reader_doa *reader_doa_new(const reader_cfg *cfg, const reader_io *io, void *io_arg,
                           reader_stats *st)
{
	reader_doa *d = calloc(1, sizeof *d);
	if (d == NULL)
		return NULL;
	d->cfg = *cfg;
	d->io = io;
	d->io_arg = io_arg;
	d->st = st;
	if (cfg->doa_interval_ms == 0)
		return d; /* DO-A off */
	if (d->cfg.doa_max_devices == 0 || d->cfg.doa_max_devices > RAN_IDX_MASK)
		d->cfg.doa_max_devices = RAN_IDX_MASK;
	d->hcap = 16;
	while (d->hcap < 2 * (size_t)d->cfg.doa_max_devices)
		d->hcap *= 2;
	d->ent = calloc(d->cfg.doa_max_devices, sizeof *d->ent);
	d->free_idx = calloc(d->cfg.doa_max_devices, sizeof *d->free_idx);
	d->hidx = calloc(d->hcap, sizeof *d->hidx);
	if (d->ent == NULL || d->free_idx == NULL || d->hidx == NULL ||
	    (d->timer = io->timer_new(io_arg, on_tick, d)) == NULL) {
		reader_doa_free(d);
		return NULL;
	}
	new_session(d);
	on_tick(d);
	return d;
}

void reader_doa_free(reader_doa *d)
{
	if (d == NULL)
		return;
	if (d->timer != NULL)
		d->io->timer_free(d->timer);
	free(d->ent);
	free(d->free_idx);
	free(d->hidx);
	free(d->ack);
	free(d);
}
