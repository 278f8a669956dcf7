/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The simulated radio medium (docs/protocol.md §5.4): framed slotted random access.
 * For a PAGING, every addressed device not yet acknowledged in the reader's session picks a
 * uniform slot in [0, 2^Q) and answers in it. The first time a session pages it, the device
 * runs aiot_device_on_paging (TS 33.369 5.2.2 steps 3-5: the device library decides whether
 * it is addressed and computes RES_AIOT over RAND_AIOT_n and its fresh RAND_AIOT_d); in the
 * session's later rounds it sends that same Inventory Response again until it is
 * acknowledged, as an RFID tag keeps its reply (its K_AIOTF stays bound to the RAND_AIOT_d the
 * network sees). A slot with one responder carries its Inventory Response, one with more is
 * a collision. Work per round is proportional to the devices still pending (+ 2^Q).
 */
#include <stdlib.h>
#include <string.h>

#include "air/air.h"
#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "sim.h"

struct sim_resp { /* a pending device's slot draw */
	uint32_t idx;
	uint32_t slot;
};

struct sim_session {
	uint32_t id;       /* the reader's session id */
	uint32_t serial;   /* ours, unique for the process lifetime */
	uint32_t *pending; /* devices addressed and not yet acknowledged */
	size_t npending, pcap;
	uint32_t *read; /* devices acknowledged (ended on RELEASE) */
	size_t nread, rcap;
	uint8_t started;
	sim_handles h; /* device handles of this session */
	uint64_t last_use;
};

static int push(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 64;
		uint32_t *nv = realloc(*v, nc * sizeof **v);
		if (nv == NULL)
			return -1;
		*v = nv;
		*cap = nc;
	}
	(*v)[(*n)++] = x;
	return 0;
}

/* Device handles are per session, like EPC Gen2's RN16, so that they do not link one session
 * to the next: handle = ((index ^ k1) * m) ^ k2 (mod 2^32), m odd. */
void sim_handles_new(sim *s, sim_handles *h)
{
	uint64_t r = sim_rand64(s);
	h->k1 = (uint32_t)r;
	h->k2 = (uint32_t)(r >> 32);
	h->m = (uint32_t)sim_rand64(s) | 1u;
	h->minv = h->m; /* Newton: each step doubles the correct low bits (3 -> 48) */
	for (int i = 0; i < 4; i++)
		h->minv *= 2u - h->m * h->minv;
}

uint32_t sim_handle_of(const sim_handles *h, uint32_t idx)
{
	return ((idx ^ h->k1) * h->m) ^ h->k2;
}

uint32_t sim_index_of(const sim_handles *h, uint32_t handle)
{
	return ((handle ^ h->k2) * h->minv) ^ h->k1;
}

/* The session's devices forget it (air RELEASE; TS 33.369 5.2.2 NOTE 1 otherwise). */
static void session_free(sim *s, int slot)
{
	sim_session *ss = s->sessions[slot];
	for (size_t i = 0; i < ss->nread; i++) {
		sim_dev *d = &s->devs[ss->read[i]];
		if (d->serial == ss->serial) {
			aiot_device_end_session(&d->dev);
			d->serial = 0;
			d->acked = 0;
		}
	}
	free(ss->pending);
	free(ss->read);
	free(ss);
	s->sessions[slot] = NULL;
}

static int session_find(const sim *s, uint32_t id)
{
	for (int i = 0; i < SIM_MAX_SESSIONS; i++)
		if (s->sessions[i] != NULL && s->sessions[i]->id == id)
			return i;
	return -1;
}

static sim_session *session_new(sim *s, uint32_t id)
{
	int slot = -1;
	for (int i = 0; i < SIM_MAX_SESSIONS && slot < 0; i++)
		if (s->sessions[i] == NULL)
			slot = i;
	if (slot < 0) { /* full: the least recently used session ends */
		slot = 0;
		for (int i = 1; i < SIM_MAX_SESSIONS; i++)
			if (s->sessions[i]->last_use < s->sessions[slot]->last_use)
				slot = i;
		session_free(s, slot);
	}
	sim_session *ss = calloc(1, sizeof *ss);
	if (ss == NULL)
		return NULL;
	ss->id = id;
	ss->serial = s->next_serial++;
	if (s->next_serial == 0)
		s->next_serial = 1;
	sim_handles_new(s, &ss->h);
	s->sessions[slot] = ss;
	return ss;
}

/* First paging of a session: the candidates from the indexes. The device library makes the
 * final decision (a candidate may still answer AIOT_ERR_NOT_ADDRESSED). */
static int candidates(sim *s, sim_session *ss, const air_frame *f)
{
	const uint8_t *id = f->u.paging.ident;
	size_t bits = f->u.paging.ident_bits, n = bits / 8;
	uint32_t i;

	if (f->u.paging.kind == AIR_IDENT_SINGLE) {
		for (i = s->perm_head[sim_hash(id, n) & s->hmask]; i != SIM_NONE;
		     i = s->devs[i].next_perm)
			if (s->devs[i].cfg.perm_id_len == n &&
			    memcmp(s->devs[i].cfg.perm_id, id, n) == 0 &&
			    push(&ss->pending, &ss->npending, &ss->pcap, i) != 0)
				return -1;
		if (n != 16)
			return 0;
		for (i = s->tid_head[sim_hash(id, n) & s->hmask]; i != SIM_NONE;
		     i = s->devs[i].next_tid) {
			const sim_dev *d = &s->devs[i];
			int by_perm = d->cfg.perm_id_len == n && memcmp(d->cfg.perm_id, id, n) == 0;
			if (d->dev.has_tid && memcmp(d->dev.tid, id, 16) == 0 && !by_perm &&
			    push(&ss->pending, &ss->npending, &ss->pcap, i) != 0)
				return -1;
		}
		return 0;
	}
	if (f->u.paging.kind == AIR_IDENT_GROUP && bits >= 32) {
		for (i = s->group_head[sim_hash(id, 4) & s->hmask]; i != SIM_NONE;
		     i = s->devs[i].next_group)
			if (memcmp(s->devs[i].cfg.perm_id, id, 4) == 0 &&
			    push(&ss->pending, &ss->npending, &ss->pcap, i) != 0)
				return -1;
		return 0;
	}
	for (i = 0; i < s->ndev; i++) /* ALL, or a filter shorter than the group code */
		if (push(&ss->pending, &ss->npending, &ss->pcap, i) != 0)
			return -1;
	return 0;
}

static int ensure_round_buffers(sim *s, size_t n)
{
	if (s->slot_count == NULL) {
		s->slot_count = calloc((1u << AIR_MAX_Q) + 1, sizeof(uint32_t));
		s->slot_first = calloc((1u << AIR_MAX_Q) + 1, sizeof(uint32_t));
		if (s->slot_count == NULL || s->slot_first == NULL)
			return -1;
	}
	if (n > s->resp_cap) {
		size_t nc = s->resp_cap ? s->resp_cap : 256;
		while (nc < n)
			nc *= 2;
		struct sim_resp *nr = realloc(s->resp, nc * sizeof *nr);
		if (nr == NULL)
			return -1;
		s->resp = nr;
		uint32_t *no = realloc(s->order, nc * sizeof *no);
		if (no == NULL)
			return -1;
		s->order = no;
		s->resp_cap = nc;
	}
	return 0;
}

int sim_lost(sim *s)
{
	return s->loss > 0 && (double)(sim_rand64(s) >> 11) * 0x1.0p-53 < s->loss;
}

void sim_emit_frame(sim_emit_fn emit, void *arg, const air_frame *f)
{
	uint8_t buf[AIR_MAX_FRAME];
	int n = air_encode(f, buf, sizeof buf);
	if (n > 0) /* our own frames: always valid */
		emit(arg, buf, (size_t)n);
}

/* One slot's outcome on the air: SINGLE (unless lost), COLLISION, or nothing. */
static void emit_slot(sim *s, sim_session *ss, const air_frame *f, uint32_t sl, uint32_t n,
                      uint32_t idx, const uint8_t *nas, size_t len, sim_emit_fn emit, void *arg)
{
	air_frame out = {.type = AIR_SLOT, .session = f->session};
	out.u.slot.round = f->u.paging.round;
	out.u.slot.slot = sl;
	if (n == 1) {
		if (sim_lost(s)) {
			s->st.lost++; /* energy detected, frame not decodable */
			return;
		}
		out.u.slot.outcome = AIR_SLOT_SINGLE;
		out.u.slot.handle = sim_handle_of(&ss->h, idx);
		out.u.slot.nas = nas;
		out.u.slot.nas_len = (uint16_t)len;
		sim_emit_frame(emit, arg, &out);
		if (s->devs[idx].clone)
			s->st.clone_responses++;
	} else if (n > 1) {
		out.u.slot.outcome = AIR_SLOT_COLLISION;
		out.u.slot.ncolliding = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
		sim_emit_frame(emit, arg, &out);
	}
}

static uint8_t *resp_of(const sim *s, uint32_t idx)
{
	return s->resp_pdu + (size_t)idx * AIOT_NAS_INV_RESP_MAX_LEN;
}

/*
 * The answer of device idx to a PAGING of session ss: its kept Inventory Response if it
 * already answered this session (re-sent until acknowledged), else a new one from the
 * device library (a new device session: RAND_AIOT_d, RES_AIOT, K_AIOTF), kept for the
 * session's later rounds that page the same RAND_AIOT_n. A device keeps one answer, that of the
 * session it last answered: paged by another session in between, it answers this one anew (5.2.2
 * NOTE 1), and keeps the keys of the earlier ones (aiot_device.h). Returns the PDU length, or 0 if
 * the device does not answer (not addressed, disabled).
 */
static size_t answer(sim *s, const sim_session *ss, const air_frame *f, uint32_t idx)
{
	sim_dev *d = &s->devs[idx];
	uint8_t pdu[AIOT_NAS_INV_RESP_MAX_LEN];
	size_t len = 0;
	/* The kept answer, if it answers this paging's RAND_AIOT_n (a paging in this session
	 * with another RAND_AIOT_n, an attacker's, gets a new answer: NOTE 2). */
	if (d->serial == ss->serial && d->resp_len != 0 &&
	    aiot_nas_inv_answers(resp_of(s, idx), d->resp_len, f->u.paging.rand_n)) {
		if (d->disabled)
			return 0;
		s->st.repeats++;
		return d->resp_len;
	}
	/* TS 33.369 5.2.2 steps 4-5 in the device library. */
	int rc =
	    aiot_device_on_paging(&d->dev, f->u.paging.rand_n, (aiot_page_kind)f->u.paging.kind,
	                          f->u.paging.ident, f->u.paging.ident_bits, pdu, sizeof pdu, &len);
	if (rc != AIOT_OK || len == 0 || len > AIOT_NAS_INV_RESP_MAX_LEN)
		return 0;
	memcpy(resp_of(s, idx), pdu, len);
	d->resp_len = (uint8_t)len;
	d->serial = ss->serial;
	d->acked = 0;
	d->answered[d->answered_next++ % AIOT_DEVICE_SESSIONS] = ss->serial;
	s->st.responses++;
	return len;
}

/*
 * A round runs in slot order, as air time passes: every pending device draws its slot
 * first (the draw does not depend on what the device then computes), then the devices of
 * each slot answer (answer()) and the slot's outcome is emitted at once, so that a long
 * round streams its frames instead of going quiet while it computes.
 */
static int on_paging(sim *s, const air_frame *f, sim_emit_fn emit, void *arg)
{
	int k = session_find(s, f->session);
	sim_session *ss = k >= 0 ? s->sessions[k] : session_new(s, f->session);
	uint32_t nslots = 1u << f->u.paging.q, ndraw = 0;

	if (ss == NULL)
		return AIOT_ERR_NOSPACE;
	ss->last_use = s->clock;
	s->st.pagings++;
	if (!ss->started) {
		ss->started = 1;
		if (candidates(s, ss, f) != 0)
			return AIOT_ERR_NOSPACE;
	}
	if (ensure_round_buffers(s, ss->npending) != 0)
		return AIOT_ERR_NOSPACE;
	for (size_t i = 0; i < ss->npending; i++) {
		uint32_t idx = ss->pending[i];
		if (s->devs[idx].serial == ss->serial && s->devs[idx].acked)
			continue; /* read: silent for the rest of the session */
		s->resp[ndraw].idx = idx;
		s->resp[ndraw].slot = (uint32_t)(sim_rand64(s) & (nslots - 1));
		ndraw++;
	}
	/* Counting sort by slot. */
	memset(s->slot_count, 0, nslots * sizeof(uint32_t));
	for (uint32_t i = 0; i < ndraw; i++)
		s->slot_count[s->resp[i].slot]++;
	uint32_t acc = 0;
	for (uint32_t sl = 0; sl < nslots; sl++) {
		s->slot_first[sl] = acc;
		acc += s->slot_count[sl];
	}
	for (uint32_t i = 0; i < ndraw; i++)
		s->order[s->slot_first[s->resp[i].slot]++] = s->resp[i].idx;

	/* The pending list is rebuilt from the devices that answered (in slot order). */
	uint32_t empty = 0, single = 0, collided = 0, pos = 0, keep = 0;
	for (uint32_t sl = 0; sl < nslots; sl++) {
		uint32_t answered = 0, first = SIM_NONE, n = s->slot_count[sl];
		size_t first_len = 0;
		for (uint32_t j = 0; j < n; j++) {
			uint32_t idx = s->order[pos + j];
			size_t len = answer(s, ss, f, idx);
			if (len == 0)
				continue; /* not addressed, disabled: leaves the session */
			ss->pending[keep++] = idx;
			if (answered++ == 0) {
				first = idx;
				first_len = len;
			}
		}
		pos += n;
		if (answered == 0) {
			empty++;
			continue;
		}
		if (answered == 1)
			single++;
		else
			collided++;
		emit_slot(s, ss, f, sl, answered, first,
		          first == SIM_NONE ? NULL : resp_of(s, first), first_len, emit, arg);
	}
	ss->npending = keep;
	s->st.collisions += collided;
	air_frame end = {.type = AIR_ROUND_END, .session = f->session};
	end.u.round_end.round = f->u.paging.round;
	end.u.round_end.q = f->u.paging.q;
	end.u.round_end.empty = empty;
	end.u.round_end.single = single;
	end.u.round_end.collided = collided;
	sim_emit_frame(emit, arg, &end);
	return AIOT_OK;
}

static void on_ack(sim *s, const air_frame *f)
{
	int k = session_find(s, f->session);
	if (k < 0)
		return;
	sim_session *ss = s->sessions[k];
	ss->last_use = s->clock;
	for (size_t i = 0; i < f->u.ack.n; i++) {
		uint32_t idx = sim_index_of(&ss->h, air_ack_handle(f, i));
		if (idx >= s->ndev)
			continue;
		sim_dev *d = &s->devs[idx];
		if (d->serial != ss->serial || d->acked)
			continue;
		if (push(&ss->read, &ss->nread, &ss->rcap, idx) != 0)
			return; /* not marked: it answers again next round */
		d->acked = 1;
	}
}

/* Command Request to one device of the session: the device authenticates the network by the
 * MAC (TS 33.369 5.2.2, last paragraph) and answers only if it verifies. */
static void on_command(sim *s, const air_frame *f, sim_emit_fn emit, void *arg)
{
	int k = session_find(s, f->session);
	if (k < 0)
		return;
	sim_session *ss = s->sessions[k];
	ss->last_use = s->clock;
	uint32_t idx = sim_index_of(&ss->h, f->u.cmd.handle);
	if (idx >= s->ndev)
		return;
	sim_dev *d = &s->devs[idx];
	int answered = 0;
	for (int i = 0; i < AIOT_DEVICE_SESSIONS; i++)
		answered |= d->answered[i] == ss->serial;
	if (!answered)
		return; /* not a device of this session */
	uint8_t pdu[AIR_MAX_NAS], out[AIOT_NAS_MAX_PDU];
	size_t olen = 0;
	memcpy(pdu, f->u.cmd.nas, f->u.cmd.nas_len);
	int rc = aiot_device_on_command(&d->dev, pdu, f->u.cmd.nas_len, out, sizeof out, &olen);
	if (rc != AIOT_OK) {
		s->st.commands_rejected++;
		return;
	}
	s->st.commands_accepted++;
	if (d->clone)
		s->st.clone_commands_accepted++; /* must never happen */
	if (sim_lost(s)) {
		s->st.lost++;
		return;
	}
	air_frame r = {.type = AIR_COMMAND_RESP, .session = f->session};
	r.u.cmd.handle = f->u.cmd.handle;
	r.u.cmd.nas = out;
	r.u.cmd.nas_len = (uint16_t)olen;
	sim_emit_frame(emit, arg, &r);
}

int sim_medium_input(sim *s, const uint8_t *buf, size_t len, sim_emit_fn emit, void *arg)
{
	air_frame f;
	int rc = air_decode(buf, len, &f);
	s->clock++;
	if (rc != AIOT_OK) {
		s->st.bad_frames++;
		return rc;
	}
	switch (f.type) {
	case AIR_PAGING:
		return on_paging(s, &f, emit, arg);
	case AIR_ACK:
		if (!sim_doa_on_ack(s, &f))
			on_ack(s, &f);
		return AIOT_OK;
	case AIR_DOA_OPEN:
		sim_doa_on_open(s, &f, emit, arg);
		return AIOT_OK;
	case AIR_DOA_DOWNLINK:
		sim_doa_on_downlink(s, &f);
		return AIOT_OK;
	case AIR_COMMAND:
		on_command(s, &f, emit, arg);
		return AIOT_OK;
	case AIR_RELEASE: {
		int k = session_find(s, f.session);
		if (k >= 0)
			session_free(s, k);
		return AIOT_OK;
	}
	default: /* D2R frames are not for devices */
		s->st.bad_frames++;
		return AIOT_ERR_UNKNOWN;
	}
}

void sim_free(sim *s)
{
	sim_doa_free(s);
	sim_uicc_free(s);
	for (int i = 0; i < SIM_MAX_SESSIONS; i++)
		if (s->sessions[i] != NULL)
			session_free(s, i);
	if (s->devs != NULL)
		for (uint32_t i = 0; i < s->ndev; i++)
			aiot_zeroize(s->devs[i].key, sizeof s->devs[i].key);
	free(s->devs);
	free(s->ids);
	free(s->mem);
	free(s->resp_pdu);
	free(s->perm_head);
	free(s->tid_head);
	free(s->group_head);
	free(s->resp);
	free(s->order);
	free(s->slot_count);
	free(s->slot_first);
	memset(s, 0, sizeof *s);
}
