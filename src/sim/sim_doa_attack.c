/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attackers of device-originated access on the simulated medium (docs/protocol.md §5.7.3): they
 * hear every DO-A PDU on the air, as any radio in range does, and play
 *  - a rogue network (--rogue-network P): for a share P of the exchanges, the moment a device's
 *    M1 (then its M3) is acknowledged, forged M2s (then M4s) reach the device before the
 *    genuine answer can: (a) random RAND_n and MAC_N, (b) the device's M2 of an earlier
 *    exchange, (c) another device's M2, (d) reflections of the device's own RAND_d and RES_D;
 *    (e) the device's M4 of an earlier exchange, (f) its own Uplink Data sent back. (a)-(d)
 *    carry the tag of the device's current RAND_d, so they reach the MAC_N check.
 *  - clones (--doa-clones K): a genuine DO-A device's identifier (as its M1 sends it) and a
 *    random wrong key; M1, then on any M2 an M3 whose RES_D is derived under the wrong key
 *    (MAC_N ignored, as an attacker would), at most CLONE_ATTEMPTS times per DO-A session.
 *  - a replayer (--doa-replay P): each M3 and Uplink Data heard is recorded with probability
 *    P and sent again half a period later: under the victim's own handle (only while the
 *    victim is registered and sends nothing itself, so that the reader's ACK cannot be taken
 *    for its own and the network's exchange with it is not disturbed), under a fresh attacker
 *    handle, or (an M3) after the attacker's own M1 naming the victim with a fresh RAND_d.
 * Every forged PDU goes through sim_doa_deliver, the path of a genuine DOA_DOWNLINK. The
 * attackers' transmitters ("radios") take part in the access rounds like devices (ids >= ndoa
 * in the round's draw) under handles whose index in the DO-A session is >= ndoa.
 *
 * Ownership: the sim owns its sim_doa_attack (sim_doa_atk_free zeroises the clones' keys); the
 * PDUs passed in are borrowed for the call.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/aiot_err.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "nas/nas_doa.h"
#include "nas/nas_security.h"
#include "sim.h"

#define CLONE_ATTEMPTS 3 /* M1s per clone and DO-A session */
#define REPLAY_RADIOS 8  /* replays in flight at once */
#define REPLAY_QUEUE 64  /* recorded PDUs waiting for their time (beyond: not recorded) */
#define RADIO_TRIES 32   /* rounds a radio tries to get one PDU through */

enum radio_state { R_IDLE, R_SEND, R_WAIT_M2, R_WAIT_M4, R_DONE };
enum replay_kind { K_OWN, K_FRESH, K_AFTER_M1 };

typedef struct atk_dev {    /* what the attackers heard of one genuine DO-A device */
	uint8_t rand_d[16]; /* of its last M1 */
	uint8_t res[16];    /* RES_D of its last M3 */
	uint8_t res_len;    /* 0: none heard yet */
	uint8_t has_m2, has_m4;
	uint8_t rogue;  /* the rogue network attacks this exchange (drawn at M1's ACK) */
	uint8_t own_m3; /* an M3 was replayed under its handle in this DO-A session */
	uint8_t m2[AIOT_NAS_DOA_M2_LEN]; /* the last genuine M2 sent to it */
	uint8_t m4[AIOT_NAS_DOA_M4_LEN]; /* the last genuine M4 */
	uint16_t up_len;
	uint8_t up[AIR_MAX_NAS]; /* its last Uplink Data PDU (alone, or M3's block) */
} atk_dev;

typedef struct radio {    /* an attacker's transmitter */
	uint8_t state;    /* enum radio_state */
	uint8_t after;    /* the state once the reader ACKs pdu */
	uint8_t kind;     /* replay: enum replay_kind */
	uint8_t is_m3;    /* replay: the replayed PDU is an M3 */
	uint8_t sent;     /* pdu went out in the last round, no ACK yet */
	uint8_t tries;    /* rounds pdu was tried */
	uint8_t attempts; /* clone: M1s in this DO-A session */
	uint8_t clone;    /* 1: a clone, 0: a replay radio */
	uint32_t victim;  /* the DO-A device copied or replayed */
	uint32_t hidx;    /* handle index in the DO-A session (K_OWN: the victim's) */
	uint64_t due_us;  /* R_WAIT_*: the answer awaited until */
	uint16_t pdu_len, old_len;
	uint8_t rand_d[16];       /* of its M1 */
	uint8_t pdu[AIR_MAX_NAS]; /* to send */
	uint8_t old[AIR_MAX_NAS]; /* K_AFTER_M1: the old M3, sent after the M2 */
} radio;

typedef struct clone_id {
	uint8_t key[32]; /* the wrong K_AIOT_root */
	uint8_t key_len, res_bits, id_type, id_len;
	aiot_suite suite;
	uint32_t line; /* the copied device's line (its data block's first octets) */
	uint8_t id[AIOT_NAS_MAX_ID_LEN];
} clone_id;

typedef struct recorded {
	uint32_t victim;
	uint8_t kind, is_m3;
	uint16_t len;
	uint64_t due_us;
	uint8_t pdu[AIR_MAX_NAS];
} recorded;

struct sim_doa_attack {
	double rogue, replay;
	atk_dev *dev; /* one per DO-A device */
	clone_id *cid;
	uint32_t nclone;
	radio *r; /* the clones, then REPLAY_RADIOS replay radios */
	uint32_t nr;
	recorded *q; /* a ring of REPLAY_QUEUE */
	uint32_t qhead, qn;
	uint32_t next_hidx;                 /* fresh attacker handles: ndoa + nclone + this */
	uint32_t kinds_m3, kinds_dat;       /* round robin of the replay kinds */
	uint8_t m2[2][AIOT_NAS_DOA_M2_LEN]; /* the last two genuine M2s on the air, for (c) */
	uint32_t m2_dev[2];
	uint8_t m2_next;
};

static int coin(sim *s, double p)
{
	return p > 0 && (double)(sim_rand64(s) >> 11) * 0x1.0p-53 < p;
}

static void clone_copy(sim *s, clone_id *ci, const sim_doa_dev *dd)
{
	const sim_dev *d = &s->devs[dd->idx];
	if (dd->doa.has_tid) { /* what its M1 names: the T-ID it has now */
		ci->id_type = AIOT_NAS_ID_TID;
		ci->id_len = 16;
		memcpy(ci->id, dd->doa.tid, 16);
	} else {
		ci->id_type = AIOT_NAS_ID_PERM;
		ci->id_len = d->cfg.perm_id_len;
		memcpy(ci->id, d->cfg.perm_id, d->cfg.perm_id_len);
	}
	ci->suite = d->cfg.suite;
	ci->res_bits = d->cfg.res_bits;
	ci->line = d->line;
	ci->key_len = d->key_len;
	do /* a wrong key of the same length */
		sim_drbg(s, ci->key, ci->key_len);
	while (aiot_ct_eq(ci->key, d->key, ci->key_len));
}

int sim_doa_attack_setup(sim *s, double rogue, uint32_t clones, double replay, char *err,
                         size_t errlen)
{
	if (rogue <= 0 && clones == 0 && replay <= 0)
		return 0;
	if (s->ndoa == 0 || clones > s->ndoa) {
		snprintf(err, errlen,
		         "the DO-A attackers need DO-A devices to attack (--doa), "
		         "at least one per --doa-clones");
		return -1;
	}
	sim_doa_attack *a = calloc(1, sizeof *a);
	if (a == NULL)
		goto oom;
	s->atk = a;
	a->rogue = rogue;
	a->replay = replay;
	a->nclone = clones;
	a->nr = clones + (replay > 0 ? REPLAY_RADIOS : 0);
	a->dev = calloc(s->ndoa, sizeof *a->dev);
	a->cid = calloc(clones + 1, sizeof *a->cid);
	a->r = calloc(a->nr + 1, sizeof *a->r);
	a->q = calloc(REPLAY_QUEUE, sizeof *a->q);
	uint64_t *draw = realloc(s->doa_draw, (s->ndoa + a->nr) * sizeof *draw);
	if (a->dev == NULL || a->cid == NULL || a->r == NULL || a->q == NULL || draw == NULL)
		goto oom;
	s->doa_draw = draw;
	for (uint32_t c = 0; c < clones; c++) { /* every ndoa/K-th DO-A device */
		radio *r = &a->r[c];
		r->clone = 1;
		r->victim = (uint32_t)((uint64_t)c * s->ndoa / clones);
		r->hidx = s->ndoa + c;
		clone_copy(s, &a->cid[c], &s->doa[r->victim]);
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory for the DO-A attackers");
	return -1;
}

uint32_t sim_doa_clones(const sim *s)
{
	return s->atk ? s->atk->nclone : 0;
}

const uint8_t *sim_doa_clone_key(const sim *s, uint32_t c, size_t *len, uint32_t *victim)
{
	if (s->atk == NULL || c >= s->atk->nclone)
		return NULL;
	*len = s->atk->cid[c].key_len;
	*victim = s->atk->r[c].victim;
	return s->atk->cid[c].key;
}

void sim_doa_atk_free(sim *s)
{
	sim_doa_attack *a = s->atk;
	if (a == NULL)
		return;
	if (a->cid != NULL)
		aiot_zeroize(a->cid, (a->nclone + 1) * sizeof *a->cid);
	free(a->dev);
	free(a->cid);
	free(a->r);
	free(a->q);
	free(a);
	s->atk = NULL;
}

/* pdu (n octets, or an encoder's error) is sent from the next round; then `after`. */
static void radio_send(radio *r, int n, uint8_t after)
{
	if (n <= 0) {
		r->state = r->clone ? R_DONE : R_IDLE;
		return;
	}
	r->pdu_len = (uint16_t)n;
	r->state = R_SEND;
	r->after = after;
	r->sent = 0;
	r->tries = 0;
}

/* M1 naming id with a fresh RAND_d, then wait for M2. */
static void radio_m1(sim *s, radio *r, uint8_t id_type, const uint8_t *id, uint8_t id_len)
{
	aiot_nas_doa_reg_request m = {
	    .id_type = (aiot_nas_id_type)id_type, .id = id, .id_len = id_len};
	sim_drbg(s, m.rand_d, sizeof m.rand_d);
	memcpy(r->rand_d, m.rand_d, 16);
	radio_send(r, aiot_nas_encode_doa_reg_request(&m, r->pdu, sizeof r->pdu), R_WAIT_M2);
}

static void clone_start(sim *s, sim_doa_attack *a, radio *r)
{
	const clone_id *ci = &a->cid[r - a->r];
	if (r->attempts >= CLONE_ATTEMPTS) {
		r->state = R_DONE; /* silent until the next DO-A session */
		return;
	}
	r->attempts++;
	radio_m1(s, r, ci->id_type, ci->id, ci->id_len);
}

/* A clone's M3 for M2: RES_D under its wrong key (MAC_N not checked: it cannot, and does not
 * care) and a first data block protected under the keys that wrong key gives. */
static void clone_m3(radio *r, const clone_id *ci, const uint8_t *m2, size_t len)
{
	aiot_nas_doa_auth_request q;
	aiot_nas_doa_auth_response m = {.res_len = (uint8_t)(ci->res_bits / 8)};
	uint8_t k_aiotf[AIOT_KAIOTF_LEN], k_int[16], k_enc[16], blk[AIOT_NAS_MAX_PDU];
	uint8_t data[8] = {(uint8_t)(ci->line >> 24),
	                   (uint8_t)(ci->line >> 16),
	                   (uint8_t)(ci->line >> 8),
	                   (uint8_t)ci->line,
	                   0xff,
	                   0xff,
	                   0xff,
	                   0xff};
	if (aiot_nas_decode_doa_auth_request(m2, len, &q) != AIOT_OK)
		return; /* not an M2: keep waiting */
	aiot_derive_resd(NULL, ci->suite, ci->key, ci->key_len, q.rand_n, r->rand_d, ci->id,
	                 ci->id_len, ci->res_bits, m.res_d);
	aiot_derive_kaiotf(NULL, ci->suite, ci->key, ci->key_len, q.rand_n, r->rand_d, k_aiotf);
	aiot_derive_algkey(NULL, ci->suite, k_aiotf, AIOT_ALG_TYPE_INT, AIOT_ALG_ID_NIA2, k_int);
	aiot_derive_algkey(NULL, ci->suite, k_aiotf, AIOT_ALG_TYPE_ENC, AIOT_ALG_ID_NEA2, k_enc);
	int n = aiot_nas_protect(NULL, k_int, k_enc, AIOT_NAS_UPLINK_DATA, 0, AIOT_DIR_UPLINK, data,
	                         sizeof data, blk, sizeof blk);
	m.data = n > 0 ? blk : NULL;
	m.data_len = n > 0 ? (size_t)n : 0;
	radio_send(r, aiot_nas_encode_doa_auth_response(&m, r->pdu, sizeof r->pdu), R_WAIT_M4);
	aiot_zeroize(k_aiotf, sizeof k_aiotf);
	aiot_zeroize(k_int, sizeof k_int);
	aiot_zeroize(k_enc, sizeof k_enc);
}

void sim_doa_atk_session(sim *s)
{
	sim_doa_attack *a = s->atk;
	if (a == NULL)
		return;
	a->next_hidx = 0;
	for (uint32_t j = 0; j < s->ndoa; j++)
		a->dev[j].own_m3 = 0;
	for (uint32_t i = 0; i < a->nr; i++) {
		radio *r = &a->r[i];
		r->attempts = 0;
		r->state = R_IDLE;
		if (r->clone)
			clone_start(s, a, r);
	}
}

/* ---- what the attackers hear ---------------------------------------------------------------- */

static void record(sim *s, sim_doa_attack *a, uint32_t j, const uint8_t *pdu, size_t len, int is_m3)
{
	if (!coin(s, a->replay) || a->qn == REPLAY_QUEUE)
		return;
	recorded *e = &a->q[(a->qhead + a->qn++) % REPLAY_QUEUE];
	e->victim = j;
	e->is_m3 = (uint8_t)is_m3;
	e->kind = (uint8_t)(is_m3 ? a->kinds_m3++ % 3 : a->kinds_dat++ % 2);
	e->len = (uint16_t)len;
	memcpy(e->pdu, pdu, len);
	e->due_us = s->now_us + (uint64_t)s->doa_period_ms * 500u; /* half a period later */
}

void sim_doa_atk_heard(sim *s, uint32_t j, const uint8_t *pdu, size_t len)
{
	sim_doa_attack *a = s->atk;
	if (a == NULL || len > AIR_MAX_NAS)
		return;
	atk_dev *ad = &a->dev[j];
	int type = aiot_nas_peek_type(pdu, len);
	if (type == AIOT_NAS_DOA_REG_REQUEST) {
		aiot_nas_doa_reg_request m;
		if (aiot_nas_decode_doa_reg_request(pdu, len, &m) == AIOT_OK)
			memcpy(ad->rand_d, m.rand_d, 16);
	} else if (type == AIOT_NAS_DOA_AUTH_RESPONSE) {
		aiot_nas_doa_auth_response m;
		if (aiot_nas_decode_doa_auth_response(pdu, len, &m) != AIOT_OK)
			return;
		memcpy(ad->res, m.res_d, m.res_len);
		ad->res_len = m.res_len;
		if (m.data != NULL) {
			memcpy(ad->up, m.data, m.data_len);
			ad->up_len = (uint16_t)m.data_len;
		}
		record(s, a, j, pdu, len, 1);
	} else if (type == AIOT_NAS_UPLINK_DATA) {
		memcpy(ad->up, pdu, len);
		ad->up_len = (uint16_t)len;
		record(s, a, j, pdu, len, 0);
	}
}

void sim_doa_atk_heard_down(sim *s, uint32_t j, const uint8_t *pdu, size_t len)
{
	sim_doa_attack *a = s->atk;
	if (a == NULL)
		return;
	atk_dev *ad = &a->dev[j];
	int type = aiot_nas_peek_type(pdu, len);
	if (type == AIOT_NAS_DOA_AUTH_REQUEST && len == AIOT_NAS_DOA_M2_LEN) {
		memcpy(ad->m2, pdu, len);
		ad->has_m2 = 1;
		memcpy(a->m2[a->m2_next], pdu, len);
		a->m2_dev[a->m2_next] = j + 1; /* 0: none */
		a->m2_next ^= 1;
	} else if (type == AIOT_NAS_DOA_REG_ACCEPT && len == AIOT_NAS_DOA_M4_LEN) {
		memcpy(ad->m4, pdu, len);
		ad->has_m4 = 1;
	}
}

/* ---- the rogue network ----------------------------------------------------------------------- */

/* A forged PDU to device j, through the genuine downlink's path; 1 while j still waits. */
static int inject(sim *s, uint32_t j, const uint8_t *pdu, size_t len, uint64_t *sent)
{
	uint8_t state = s->doa[j].doa.state;
	(*sent)++;
	if (sim_doa_deliver(s, &s->doa[j], pdu, len))
		s->st.doa_rogue_network_accepted++; /* must never happen */
	return s->doa[j].doa.state == state;
}

/* An M2 with the tag of the device's current RAND_d: from `from` (an M2 heard), else from
 * rand_n / mac_n. */
static int forge_m2(sim *s, uint32_t j, const uint8_t *from, const uint8_t *rand_n,
                    const uint8_t *mac_n)
{
	aiot_nas_doa_auth_request m;
	uint8_t pdu[AIOT_NAS_DOA_M2_LEN];
	if (from != NULL && aiot_nas_decode_doa_auth_request(from, AIOT_NAS_DOA_M2_LEN, &m) != 0)
		return 1;
	if (from == NULL) {
		memcpy(m.rand_n, rand_n, 16);
		memcpy(m.mac_n, mac_n, 8);
	}
	memcpy(m.rand_tag, s->atk->dev[j].rand_d, sizeof m.rand_tag);
	int n = aiot_nas_encode_doa_auth_request(&m, pdu, sizeof pdu);
	return n <= 0 || inject(s, j, pdu, (size_t)n, &s->st.doa_rogue_m2_sent);
}

static void forge_m2s(sim *s, sim_doa_attack *a, uint32_t j)
{
	atk_dev *ad = &a->dev[j];
	uint8_t rnd[24];
	sim_drbg(s, rnd, sizeof rnd);
	int other = a->m2_dev[0] != 0 && a->m2_dev[0] != j + 1 ? 0 : 1;
	if (!forge_m2(s, j, NULL, rnd, rnd + 16) ||                /* (a) */
	    (ad->has_m2 && !forge_m2(s, j, ad->m2, NULL, NULL)) || /* (b) */
	    (a->m2_dev[other] != 0 && a->m2_dev[other] != j + 1 && /* (c) */
	     !forge_m2(s, j, a->m2[other], NULL, NULL)) ||
	    !forge_m2(s, j, NULL, ad->rand_d,
	              ad->rand_d)) /* (d) RAND_n = RAND_d, MAC_N its octets */
		return;
	if (ad->res_len >= 8) /* (d) MAC_N = its earlier RES_D */
		(void)forge_m2(s, j, NULL, ad->rand_d, ad->res);
}

void sim_doa_atk_acked(sim *s, uint32_t j)
{
	sim_doa_attack *a = s->atk;
	if (a == NULL || a->rogue <= 0)
		return;
	atk_dev *ad = &a->dev[j];
	if (s->doa[j].doa.state == AIOT_DOA_WAIT_M2) {
		ad->rogue = (uint8_t)coin(s, a->rogue);
		if (ad->rogue)
			forge_m2s(s, a, j);
	} else if (s->doa[j].doa.state == AIOT_DOA_WAIT_M4 && ad->rogue) {
		if (ad->has_m4 && !inject(s, j, ad->m4, sizeof ad->m4, &s->st.doa_rogue_m4_sent))
			return;     /* (e) */
		if (ad->up_len > 0) /* (f) */
			(void)inject(s, j, ad->up, ad->up_len, &s->st.doa_rogue_m4_sent);
	}
}

/* ---- the attackers' radios ----------------------------------------------------------------- */

/* An idle replay radio takes the oldest recorded PDU once it is due. */
static void replay_take(sim *s, sim_doa_attack *a, radio *r)
{
	recorded *e = &a->q[a->qhead];
	if (a->qn == 0 || s->now_us < e->due_us)
		return;
	a->qhead = (a->qhead + 1) % REPLAY_QUEUE;
	a->qn--;
	r->victim = e->victim;
	r->kind = e->kind;
	r->is_m3 = e->is_m3;
	r->hidx = e->kind == K_OWN ? e->victim : s->ndoa + a->nclone + a->next_hidx++;
	if (e->kind != K_AFTER_M1) {
		memcpy(r->pdu, e->pdu, e->len);
		radio_send(r, e->len, R_IDLE);
		return;
	}
	/* The victim's identifier as its M1 names it (the T-ID it has, else its permanent ID). */
	const sim_doa_dev *dd = &s->doa[e->victim];
	const aiot_device_cfg *cfg = &s->devs[dd->idx].cfg;
	memcpy(r->old, e->pdu, e->len);
	r->old_len = e->len;
	if (dd->doa.has_tid)
		radio_m1(s, r, AIOT_NAS_ID_TID, dd->doa.tid, 16);
	else
		radio_m1(s, r, AIOT_NAS_ID_PERM, cfg->perm_id, cfg->perm_id_len);
}

/* Timers and retries before a round; 1 if the radio sends in it. */
static int radio_ready(sim *s, sim_doa_attack *a, radio *r)
{
	if ((r->state == R_WAIT_M2 || r->state == R_WAIT_M4) && s->now_us >= r->due_us) {
		if (r->clone)
			clone_start(s, a, r); /* no answer (a refused M3 gets none): again */
		else
			r->state = R_IDLE;
	}
	if (!r->clone && r->state == R_IDLE)
		replay_take(s, a, r);
	if (r->state != R_SEND)
		return 0;
	if (r->sent) { /* collided or lost */
		r->sent = 0;
		if (++r->tries >= RADIO_TRIES) {
			r->state = r->clone ? R_DONE : R_IDLE;
			return 0;
		}
		if (sim_rand64(s) & 1)
			return 0;
	}
	if (r->kind == K_OWN && !r->clone) { /* only while the victim is quiet and registered */
		const sim_doa_dev *dd = &s->doa[r->victim];
		if (dd->doa.state != AIOT_DOA_REGISTERED || dd->pdu_len != 0) {
			if (++r->tries >= RADIO_TRIES)
				r->state = R_IDLE;
			return 0;
		}
	}
	return 1;
}

uint32_t sim_doa_atk_draw(sim *s, uint32_t nslots, uint32_t ndraw)
{
	sim_doa_attack *a = s->atk;
	if (a == NULL)
		return ndraw;
	for (uint32_t i = 0; i < a->nr; i++)
		if (radio_ready(s, a, &a->r[i])) {
			a->r[i].sent = 1;
			s->doa_draw[ndraw++] = (sim_rand64(s) & (nslots - 1)) << 32 | (s->ndoa + i);
		}
	return ndraw;
}

const uint8_t *sim_doa_atk_pdu(sim *s, uint32_t id, uint32_t *handle, uint16_t *len)
{
	radio *r = &s->atk->r[id - s->ndoa];
	if (!r->clone && r->kind == K_OWN && r->is_m3) /* an answer may beat the ACK */
		s->atk->dev[r->victim].own_m3 = 1;
	*handle = sim_handle_of(&s->doa_h, r->hidx);
	*len = r->pdu_len;
	return r->pdu;
}

static void count_acked(sim *s, radio *r)
{
	if (r->clone) {
		if (r->after == R_WAIT_M4)
			s->st.doa_clone_m3_sent++;
		return;
	}
	if (r->after == R_WAIT_M2) /* the attacker's own M1 is not a replay */
		return;
	s->st.doa_replays_sent++;
	if (r->kind == K_AFTER_M1) {
		s->st.doa_replays_after_m1++;
	} else if (r->kind == K_FRESH) {
		s->st.doa_replays_fresh++;
	} else if (r->is_m3) {
		s->st.doa_replays_own_m3++;
	} else {
		s->st.doa_replays_own_data++;
	}
}

void sim_doa_atk_on_ack(sim *s, uint32_t handle)
{
	sim_doa_attack *a = s->atk;
	if (a == NULL)
		return;
	for (uint32_t i = 0; i < a->nr; i++) {
		radio *r = &a->r[i];
		if (r->state != R_SEND || !r->sent || sim_handle_of(&s->doa_h, r->hidx) != handle)
			continue;
		r->sent = 0;
		count_acked(s, r);
		r->state = r->after;
		r->due_us = s->now_us + (uint64_t)s->doa_timeout_ms * 1000u;
	}
}

/* A DOA_DOWNLINK to an attacker's handle: an M2 answers its M1 (normal); an M4 means the
 * network accepted a clone or a replayed M3 (must never happen). */
void sim_doa_atk_on_downlink(sim *s, uint32_t handle, const uint8_t *pdu, size_t len)
{
	sim_doa_attack *a = s->atk;
	aiot_nas_protected p;
	if (a == NULL)
		return;
	uint32_t hidx = sim_index_of(&s->doa_h, handle);
	if (hidx < s->ndoa)
		return;
	if (aiot_nas_decode_protected(pdu, len, &p) == AIOT_OK &&
	    p.type == AIOT_NAS_DOA_REG_ACCEPT) {
		if (hidx < s->ndoa + a->nclone)
			s->st.doa_clone_registered++;
		else
			s->st.doa_replays_answered++;
		return;
	}
	for (uint32_t i = 0; i < a->nr; i++) {
		radio *r = &a->r[i];
		if (r->hidx != hidx || r->state != R_WAIT_M2 ||
		    aiot_nas_peek_type(pdu, len) != AIOT_NAS_DOA_AUTH_REQUEST)
			continue;
		if (r->clone) {
			clone_m3(r, &a->cid[i], pdu, len);
		} else { /* K_AFTER_M1: the old M3 in the new exchange */
			memcpy(r->pdu, r->old, r->old_len);
			radio_send(r, r->old_len, R_IDLE);
		}
	}
}

/* A DOA_DOWNLINK to a genuine device that waits for nothing: an M4 after an M3 replayed under
 * its handle means the network took the replay. 1 if so. */
int sim_doa_atk_unexpected(sim *s, uint32_t j, const uint8_t *pdu, size_t len)
{
	aiot_nas_protected p;
	if (s->atk == NULL || !s->atk->dev[j].own_m3 ||
	    aiot_nas_decode_protected(pdu, len, &p) != AIOT_OK || p.type != AIOT_NAS_DOA_REG_ACCEPT)
		return 0;
	s->st.doa_replays_answered++;
	return 1;
}
