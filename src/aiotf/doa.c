/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device-originated access (DO-A), the network side (docs/protocol.md §3.10 "The network
 * side"; DESIGN §5), sans I/O like inventory.c: events in through doa_on_uplink /
 * doa_on_failure / doa_reader_lost and the ADM answers, actions out through pc->io only.
 *
 *   M1  -> rate limits (doa_limit.c) -> get-doa-authentication -> M2 {tag, RAND_n, MAC_N}
 *   M3  -> RES_D = XRES_D (constant time) -> get-session-key -> K_AIOTF -> K_AIOT_int/enc
 *       -> the first data block verified (uplink COUNT 0) -> [get-tid] -> M4 (downlink COUNT 0)
 * (the T-ID step: doa_tid.c)
 *   Uplink Data -> MAC, replay rule (§3.8: each COUNT once, strictly increasing) -> delivered
 *
 * A device is bound to (reader link, RAN-AIOT-Device-NGAP-ID): Uplink Data carries no
 * identifier. One doa_ctx per binding, first an exchange (M1 .. M4), then a registered
 * context; owned by pc->doa_ctxs / pc->doa_list (this file only). An ADM request holds its
 * context: a context that ends while one is outstanding is unlinked, its keys zeroised, and
 * freed by the answer (or by the drop when the AIOTF is torn down). Each exchange ends once
 * (exchange_end, counted by enum doa_end); nothing is sent for an M1 or M3 refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nas_doa.h"
#include "nas/nas_security.h"
#include "doa_internal.h"
#include "common/base64.h"
#include "common/bytes.h"
#include "common/hex.h"
#include "crypto/aiot_fc.h"
#include "crypto/ct.h"
#include "sbi/sbi_json.h"
#include "svc/log.h"

static void ctx_key(const reader *rd, uint32_t ran_id, uint8_t key[DOA_KEY_LEN])
{
	memcpy(key, &rd, sizeof rd);
	aiot_put_be32(key + sizeof rd, ran_id);
}

static doa_ctx *ctx_find(aiotf_proc *pc, const reader *rd, uint32_t ran_id)
{
	uint8_t key[DOA_KEY_LEN];
	ctx_key(rd, ran_id, key);
	return amap_get(&pc->doa_ctxs, key, sizeof key);
}

static void ctx_wipe(doa_ctx *c)
{
	free(c->first);
	c->first = NULL;
	aiot_zeroize(c->k_int, sizeof c->k_int);
	aiot_zeroize(c->k_enc, sizeof c->k_enc);
	aiot_zeroize(c->xres, sizeof c->xres);
}

static void ctx_free(doa_ctx *c)
{
	c->pc->io->timer_free(c->timer);
	ctx_wipe(c);
	aiot_zeroize(c, sizeof *c);
	free(c);
}

static void exchange_end(doa_ctx *c, enum doa_end why)
{
	if (c->ex_ended)
		return;
	c->ex_ended = 1;
	atomic_fetch_add(&c->pc->st->doa_ended[why], 1);
}

/* The binding ends: unlinked at once; freed now, or by its outstanding ADM answer. */
static void ctx_end(doa_ctx *c, enum doa_end why)
{
	aiotf_proc *pc = c->pc;
	uint8_t key[DOA_KEY_LEN];
	if (c->dead)
		return;
	exchange_end(c, why);
	ctx_key(c->rd, c->ran_id, key);
	if (amap_get(&pc->doa_ctxs, key, sizeof key) == c)
		amap_del(&pc->doa_ctxs, key, sizeof key);
	if (c->prev)
		c->prev->next = c->next;
	else
		pc->doa_list = c->next;
	if (c->next)
		c->next->prev = c->prev;
	pc->doa_n--;
	atomic_store(&pc->st->doa_contexts, (int)pc->doa_n);
	pc->io->timer_cancel(c->timer);
	if (c->adm_pending) {
		c->dead = 1;
		ctx_wipe(c);
		return;
	}
	ctx_free(c);
}

static void ctx_timeout(void *arg)
{
	doa_ctx *c = arg;
	if (c->state == DS_REG)
		atomic_fetch_add(&c->pc->st->doa_ctx_expired, 1);
	ctx_end(c, DOA_END_TIMEOUT);
}

static void ctx_touch(doa_ctx *c)
{
	aiotf_proc *pc = c->pc;
	if (pc->doa_list == c)
		return;
	c->prev->next = c->next;
	if (c->next)
		c->next->prev = c->prev;
	c->prev = NULL;
	c->next = pc->doa_list;
	pc->doa_list->prev = c;
	pc->doa_list = c;
}

static doa_ctx *ctx_new(aiotf_proc *pc, reader *rd, uint32_t ran_id)
{
	uint8_t key[DOA_KEY_LEN];
	int err = 0;
	doa_ctx *c = calloc(1, sizeof *c);
	if (c == NULL)
		return NULL;
	*c = (doa_ctx){.pc = pc, .rd = rd, .ran_id = ran_id, .state = DS_ADM};
	if ((c->timer = pc->io->timer_new(pc->owner, ctx_timeout, c)) == NULL) {
		free(c);
		return NULL;
	}
	ctx_key(rd, ran_id, key);
	amap_put(&pc->doa_ctxs, key, sizeof key, c, &err);
	if (err) {
		ctx_free(c);
		return NULL;
	}
	c->next = pc->doa_list;
	if (pc->doa_list)
		pc->doa_list->prev = c;
	pc->doa_list = c;
	pc->doa_n++;
	atomic_store(&pc->st->doa_contexts, (int)pc->doa_n);
	pc->io->timer_arm(c->timer, pc->cfg->doa_exchange_timeout_ms);
	return c;
}

/* ---- the ADM requests: each holds its context ------------------------------------------ */

typedef struct doa_op {
	doa_ctx *c;
	doa_answer_fn fn;
} doa_op;

static void op_drop(void *arg)
{
	doa_op *op = arg;
	op->c->adm_pending = 0;
	if (op->c->dead)
		ctx_free(op->c); /* else doa_free frees it */
	free(op);
}

static void op_done(void *arg, int status, const cJSON *body, const char *err)
{
	doa_op *op = arg;
	doa_ctx *c = op->c;
	doa_answer_fn fn = op->fn;
	free(op);
	c->adm_pending = 0;
	if (c->dead) { /* the exchange ended (timeout, reader lost, ...): nothing is sent */
		atomic_fetch_add(&c->pc->st->doa_late_adm, 1);
		ctx_free(c);
		return;
	}
	fn(c, status, body, err);
}

/* POST path {"aiotDevPermId" (or the identifier of M1 for get-doa-authentication), ...}. */
int doa_adm(doa_ctx *c, const char *path, char *body, int n, doa_answer_fn fn)
{
	doa_op *op = n < 0 ? NULL : malloc(sizeof *op);
	if (op == NULL) {
		free(n < 0 ? NULL : body);
		return -1;
	}
	*op = (doa_op){c, fn};
	int rc = tx_adm(c->pc, NULL, "POST", path, body, (size_t)n, NULL, op_done, op_drop, op);
	if (rc != 0)
		free(op);
	else
		c->adm_pending = 1;
	return rc;
}

const char *doa_adm_why(int status, const char *err)
{
	return status == 0     ? (err ? err : "ADM unreachable")
	       : status == 200 ? "malformed answer"
	                       : "ADM error";
}

/* ---- the downlink -------------------------------------------------------------------------- */

static int send_down(doa_ctx *c, const uint8_t *pdu, size_t len)
{
	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_DOA_DOWNLINK_NAS;
	m.u.doa.ran_device_id = c->ran_id;
	m.u.doa.end = 0; /* M2 and M4 keep the RAN ID (docs/protocol.md §4.3.9) */
	m.u.doa.nas_pdu = pdu;
	m.u.doa.nas_len = (uint16_t)len;
	return ng_send(c->pc, c->rd, &m);
}

static void deliver(doa_ctx *c, const uint8_t *data, size_t len)
{
	c->pc->io->doa_deliver(c->pc->owner, &c->perm, data, len);
}

/* Verify one Uplink Data PDU (buf, modified in place) under the context's keys and the replay
 * rule; deliver it. 0, or -1 (refused, counted). */
static int uplink_data(doa_ctx *c, uint8_t *buf, size_t len)
{
	aiotf_proc *pc = c->pc;
	aiot_nas_protected pr;
	int rc = aiot_nas_unprotect(pc->be, c->k_int, c->k_enc, AIOT_DIR_UPLINK, buf, len, &pr);
	if (rc != 0 || pr.type != AIOT_NAS_UPLINK_DATA) {
		atomic_fetch_add(&pc->st->doa_data_bad_mac, 1);
		return -1;
	}
	if (c->ul_seen && pr.count <= c->ul_count) { /* a replay or a duplicate (§3.8) */
		atomic_fetch_add(&pc->st->doa_data_replayed, 1);
		return -1;
	}
	c->ul_seen = 1;
	c->ul_count = pr.count;
	atomic_fetch_add(&pc->st->doa_data_delivered, 1);
	deliver(c, pr.payload, pr.payload_len);
	return 0;
}

/* ---- M4 ------------------------------------------------------------------------------------ */

void doa_registered(doa_ctx *c)
{
	aiotf_proc *pc = c->pc;
	uint8_t plain[AIOT_NAS_DOA_ACCEPT_LEN], pdu[AIOT_NAS_MAX_PDU];
	aiot_nas_doa_accept acc = {.tid_update = c->tid_update};
	int n = aiot_nas_encode_doa_accept(&acc, plain, sizeof plain);
	int m = n < 0 ? n
	              : aiot_nas_protect(pc->be, c->k_int, pc->cfg->cipher ? c->k_enc : NULL,
	                                 AIOT_NAS_DOA_REG_ACCEPT, 0, AIOT_DIR_DOWNLINK, plain,
	                                 (size_t)n, pdu, sizeof pdu);
	if (m < 0 || send_down(c, pdu, (size_t)m) != 0) {
		ctx_end(c, DOA_END_ERROR);
		return;
	}
	c->state = DS_REG;
	exchange_end(c, DOA_END_REGISTERED);
	atomic_fetch_add(&pc->st->doa_registered, 1);
	pc->io->timer_arm(c->timer, pc->cfg->doa_context_ttl_s * 1000);
	deliver(c, NULL, 0);
	if (c->first != NULL) { /* uplink COUNT 0, verified after the registration */
		uplink_data(c, c->first, c->first_len);
		free(c->first);
		c->first = NULL;
	}
}

static void on_key(doa_ctx *c, int status, const cJSON *body, const char *err)
{
	aiotf_proc *pc = c->pc;
	/* §2.3: K_AIOT_int / K_AIOT_enc from K_AIOTF, as after a paging (command.c). */
	if (aiotf_session_keys(pc, status, body, c->k_int, c->k_enc) != 0) {
		log_warn("DO-A: get-session-key: %s", doa_adm_why(status, err));
		ctx_end(c, DOA_END_ERROR);
		return;
	}
	const profile_info *pi = amap_get(&pc->profiles, c->perm.b, c->perm.len);
	if (c->id_type == AIOT_NAS_ID_TID || (pi != NULL && pi->has_tid))
		doa_tid_step(c);
	else
		doa_registered(c);
}

/* ---- M3 ------------------------------------------------------------------------------------ */

static void on_m3(doa_ctx *c, const uint8_t *pdu, size_t len)
{
	aiotf_proc *pc = c->pc;
	aiot_nas_doa_auth_response r;
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1], rn[33], rd[33], *body = NULL;
	if (aiot_nas_decode_doa_auth_response(pdu, len, &r) != AIOT_OK ||
	    r.res_len != c->xres_len || !aiot_ct_eq(r.res_d, c->xres, c->xres_len)) {
		/* A clone (right identifier, wrong key) or a forgery: the exchange is dropped,
		 * nothing is sent (a replayed M3 finds no exchange waiting for it). */
		atomic_fetch_add(&pc->st->doa_res_d_failed, 1);
		ctx_end(c, DOA_END_RES_D);
		return;
	}
	if (r.data != NULL) {
		if ((c->first = malloc(r.data_len)) == NULL) {
			ctx_end(c, DOA_END_ERROR);
			return;
		}
		memcpy(c->first, r.data, r.data_len);
		c->first_len = r.data_len;
	}
	aiot_b64_encode(c->perm.b, c->perm.len, b64);
	aiot_hex_encode(c->rand_n, 16, rn);
	aiot_hex_encode(c->rand_d, 16, rd);
	/* K_AIOTF for (device, RAND_n, RAND_d); this call records the session (§2.5). */
	int n = asprintf(&body, "{\"aiotDevPermId\":\"%s\",\"randN\":\"%s\",\"randD\":\"%s\"}", b64,
	                 rn, rd);
	c->state = DS_KEY;
	if (doa_adm(c, "/nadm-sec/v1/get-session-key", body, n, on_key) != 0)
		ctx_end(c, DOA_END_ERROR);
}

/* ---- M1 -> M2 ------------------------------------------------------------------------------ */

static int parse_doa_auth(doa_ctx *c, const cJSON *body, uint8_t mac_n[8])
{
	sbi_err e = {0};
	size_t plen = 0;
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(body, "xresD");
	size_t xl = cJSON_IsString(x) ? strlen(x->valuestring) : 0;
	if (sbi_json_b64(body, "aiotDevPermId", 1, c->perm.b, sizeof c->perm.b, &plen, &e) != 1 ||
	    sbi_json_hex(body, "randN", 1, c->rand_n, 16, &e) != 1 ||
	    sbi_json_hex(body, "macN", 1, mac_n, 8, &e) != 1 || xl < 8 || xl > 32 || xl % 8 != 0 ||
	    aiot_hex_decode(x->valuestring, xl, c->xres, 16) != (int)xl / 2)
		return -1;
	c->perm.len = (uint8_t)plen;
	c->xres_len = (uint8_t)(xl / 2);
	return 0;
}

static void on_doa_auth(doa_ctx *c, int status, const cJSON *body, const char *err)
{
	aiotf_proc *pc = c->pc;
	uint8_t mac_n[8], pdu[AIOT_NAS_DOA_M2_LEN];
	enum doa_refusal why = DOA_REF_ADM_ERROR;
	if (status == 200 && body != NULL && parse_doa_auth(c, body, mac_n) == 0) {
		aiot_nas_doa_auth_request m2;
		memcpy(m2.rand_tag, c->rand_d, sizeof m2.rand_tag);
		memcpy(m2.rand_n, c->rand_n, 16);
		memcpy(m2.mac_n, mac_n, 8);
		int n = aiot_nas_encode_doa_auth_request(&m2, pdu, sizeof pdu);
		if (n < 0 || send_down(c, pdu, (size_t)n) != 0) {
			ctx_end(c, DOA_END_ERROR);
			return;
		}
		c->state = DS_WAIT_M3;
		atomic_fetch_add(&pc->st->doa_m2_sent, 1);
		return;
	}
	if (status == 404)
		why = DOA_REF_UNKNOWN;
	else if (status == 403)
		why = DOA_REF_RAND_REUSED;
	else
		log_warn("DO-A: get-doa-authentication: %s", doa_adm_why(status, err));
	atomic_fetch_add(&pc->st->doa_m1_refused[why], 1);
	ctx_end(c, DOA_END_REFUSED);
}

/* The identifier as sent (P2 of MAC_N and RES_D): the ADM's request names it the same way. */
static char *doa_auth_body(const aiot_nas_doa_reg_request *m1, int *n)
{
	char idtxt[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1], rd[33], *body = NULL;
	int tid = m1->id_type == AIOT_NAS_ID_TID;
	if (tid)
		aiot_hex_encode(m1->id, 16, idtxt);
	else
		aiot_b64_encode(m1->id, m1->id_len, idtxt);
	aiot_hex_encode(m1->rand_d, 16, rd);
	*n = asprintf(&body, "{\"%s\":\"%s\",\"randD\":\"%s\"}", tid ? "tid" : "aiotDevPermId",
	              idtxt, rd);
	return *n < 0 ? NULL : body;
}

static void on_m1(aiotf_proc *pc, reader *rd, uint32_t ran_id, const uint8_t *pdu, size_t len)
{
	aiot_nas_doa_reg_request m1;
	uint8_t idkey[1 + AIOT_NAS_MAX_ID_LEN];
	atomic_fetch_add(&pc->st->doa_m1, 1);
	if (aiot_nas_decode_doa_reg_request(pdu, len, &m1) != AIOT_OK) {
		atomic_fetch_add(&pc->st->doa_m1_refused[DOA_REF_MALFORMED], 1);
		return;
	}
	idkey[0] = (uint8_t)m1.id_type;
	memcpy(idkey + 1, m1.id, m1.id_len);
	if (!doa_admit_reader(pc, rd) || !doa_admit_id(pc, idkey, 1u + m1.id_len))
		return;
	doa_ctx *old = ctx_find(pc, rd, ran_id);
	if (old != NULL) /* the device starts over (its timer, a new reader session) */
		ctx_end(old, DOA_END_REPLACED);
	doa_ctx *c = NULL;
	if (pc->cfg->doa_max_contexts > 0 && pc->doa_n >= (size_t)pc->cfg->doa_max_contexts) {
		atomic_fetch_add(&pc->st->doa_m1_refused[DOA_REF_FULL], 1);
		return;
	}
	if ((c = ctx_new(pc, rd, ran_id)) == NULL) {
		atomic_fetch_add(&pc->st->doa_m1_refused[DOA_REF_ADM_ERROR], 1);
		return;
	}
	c->id_type = (uint8_t)m1.id_type;
	c->id.len = m1.id_len;
	memcpy(c->id.b, m1.id, m1.id_len);
	memcpy(c->rand_d, m1.rand_d, 16);
	int n = 0;
	char *body = doa_auth_body(&m1, &n);
	int rc = doa_adm(c, "/nadm-sec/v1/get-doa-authentication", body, n, on_doa_auth);
	if (rc != 0) {
		atomic_fetch_add(
		    &pc->st->doa_m1_refused[rc == -2 ? DOA_REF_ADM_QUEUE : DOA_REF_ADM_ERROR], 1);
		ctx_end(c, DOA_END_REFUSED);
	}
}

/* ---- events -------------------------------------------------------------------------------- */

void doa_on_uplink(aiotf_proc *pc, reader *rd, const ngap_msg *m)
{
	uint8_t buf[AIOT_NAS_MAX_PDU];
	size_t len = m->u.doa.nas_len;
	int type = aiot_nas_peek_type(m->u.doa.nas_pdu, len);
	if (type == AIOT_NAS_DOA_REG_REQUEST) {
		on_m1(pc, rd, m->u.doa.ran_device_id, m->u.doa.nas_pdu, len);
		return;
	}
	doa_ctx *c = ctx_find(pc, rd, m->u.doa.ran_device_id);
	if (type == AIOT_NAS_DOA_AUTH_RESPONSE && c != NULL && c->state == DS_WAIT_M3) {
		on_m3(c, m->u.doa.nas_pdu, len);
	} else if (type == AIOT_NAS_UPLINK_DATA && c != NULL && c->state == DS_REG &&
	           len <= sizeof buf) {
		memcpy(buf, m->u.doa.nas_pdu, len);
		if (uplink_data(c, buf, len) == 0) {
			ctx_touch(c);
			pc->io->timer_arm(c->timer, pc->cfg->doa_context_ttl_s * 1000);
		}
		aiot_zeroize(buf, sizeof buf);
	} else {
		/* An M3 with no exchange waiting (replayed, or after the deadline), data without
		 * a context, anything else: dropped, counted, no ADM request. */
		atomic_fetch_add(&pc->st->doa_unexpected, 1);
	}
}

void doa_on_failure(aiotf_proc *pc, reader *rd, const ngap_msg *m)
{
	doa_ctx *c = ctx_find(pc, rd, m->u.fail.ran_device_id);
	if (c == NULL) {
		atomic_fetch_add(&pc->st->doa_unexpected, 1);
		return;
	}
	/* M2 or M4 did not reach the device: it starts over with a new M1. */
	ctx_end(c, DOA_END_UNDELIVERED);
}

void doa_reader_lost(aiotf_proc *pc, reader *rd)
{
	for (doa_ctx *c = pc->doa_list, *n; c != NULL; c = n) {
		n = c->next;
		if (c->rd == rd)
			ctx_end(c, DOA_END_READER_LOST);
	}
	doa_limit_reader_lost(pc, rd);
}

int doa_init(aiotf_proc *pc)
{
	if (amap_init(&pc->doa_ctxs, 1024) != 0 || amap_init(&pc->doa_rd_rate, 16) != 0 ||
	    amap_init(&pc->doa_id_rate, 1024) != 0) {
		amap_clear(&pc->doa_ctxs, NULL);
		amap_clear(&pc->doa_rd_rate, NULL);
		return -1;
	}
	pc->doa_id_rate.max = pc->cfg->cache_max > 0 ? (size_t)pc->cfg->cache_max : 0;
	pc->doa_id_rate.evict = free;
	return 0;
}

void doa_free(aiotf_proc *pc)
{
	while (pc->doa_list != NULL)
		ctx_end(pc->doa_list, DOA_END_STOPPED);
	amap_clear(&pc->doa_ctxs, NULL);
	amap_clear(&pc->doa_rd_rate, free);
	amap_clear(&pc->doa_id_rate, free);
}
