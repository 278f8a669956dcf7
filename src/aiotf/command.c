/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The command procedure (TS 23.369 6.2.3) after authentication (TS 33.369 5.2.2 step 11,
 * 5.3.2): get-session-key -> K_AIOTF -> K_AIOT_int / K_AIOT_enc; the AIoT NAS Command
 * Request integrity protected (128-NIA2) and ciphered (128-NEA2) under downlink COUNTs
 * starting at 0; the Command Response verified (each uplink COUNT accepted once) and its
 * result reported. A device using identifier privacy then gets a TID_UPDATE command and
 * the ADM rotates its T-ID (get-tid), so both sides move to the next T-ID.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nas.h"
#include "proc.h"
#include "sbi/sbi_json.h"
#include "common/aiot_err.h"
#include "common/bytes.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/vendor_ext.h"
#include "crypto/aiot_fc.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "nas/nas_security.h"
#include "svc/log.h"

enum { CMD_KEY = 1, CMD_WAIT, CMD_TID_WAIT, CMD_GET_TID, CMD_DONE };

/* (paging, RAN device ID): correlation identifiers are per reader link, so two pagings of
 * one transaction may share one; the probe itself names the paging. */
#define CMD_KEY_LEN (sizeof(probe *) + 4)
static void cmd_key(const dresp *d, uint8_t key[CMD_KEY_LEN])
{
	memcpy(key, &d->p, sizeof d->p);
	aiot_put_be32(key + CMD_KEY_LEN - 4, d->ran_device_id);
}

void cmd_free(aiotf_proc *pc, cmdstate *c)
{
	if (c == NULL)
		return;
	pc->io->timer_free(c->timer);
	cJSON_Delete(c->item);
	aiot_zeroize(c, sizeof *c);
	free(c);
}

static const char *status_cause(int st)
{
	switch (st) {
	case AIOT_ST_PARAMS_INVALID:
		return "COMMAND_TYPE_SPECIFIC_PARAMETERS_INVALID";
	case AIOT_ST_LOW_ENERGY:
		return "LOW_ENERGY";
	case AIOT_ST_INVALID_MANDATORY:
		return "INVALID_MANDATORY_INFORMATION";
	case AIOT_ST_NOT_IMPLEMENTED:
		return "MESSAGE_TYPE_NON_EXISTENT_OR_NOT_IMPLEMENTED";
	default:
		return "ERROR_UNSPECIFIED";
	}
}

/* The device's DevicesRepInfo: success (READ data) or its per-device failCause. */
static void set_result(dresp *d, int ok, const uint8_t *data, size_t len, const char *cause)
{
	cmdstate *c = d->cmd;
	cJSON_Delete(c->item);
	c->ok = (uint8_t)ok;
	c->item = aiotf_dev_item(&d->perm, ok ? data : NULL, len,
	                         ok      ? NULL
	                         : cause ? cause
	                                 : "ERROR_UNSPECIFIED");
}

static void cmd_end(dresp *d)
{
	cmdstate *c = d->cmd;
	tx *t = d->t;
	uint8_t key[CMD_KEY_LEN];
	if (c->phase == CMD_DONE)
		return;
	c->phase = CMD_DONE;
	t->pc->io->timer_cancel(c->timer);
	aiot_zeroize(c->k_int, sizeof c->k_int);
	aiot_zeroize(c->k_enc, sizeof c->k_enc);
	cmd_key(d, key);
	if (amap_get(&t->cmds, key, sizeof key) == d)
		amap_del(&t->cmds, key, sizeof key);
	if (c->item == NULL)
		set_result(d, 0, NULL, 0, "ERROR_UNSPECIFIED");
	if (c->ok) {
		t->ncmd_ok++;
		atomic_fetch_add(&t->pc->st->cmd_ok, 1);
	} else {
		t->ncmd_fail++;
		atomic_fetch_add(&t->pc->st->cmd_failed, 1);
	}
	tx_add_report(t, c->item);
	c->item = NULL;
	d->p->cmds_active--;
	tx_release(t); /* held by cmd_start */
}

/* Protect and send one command (COUNT = next downlink COUNT). */
static int send_cmd(dresp *d, const aiot_nas_command *cmd)
{
	cmdstate *c = d->cmd;
	aiotf_proc *pc = d->t->pc;
	uint8_t plain[AIOT_NAS_MAX_PAYLOAD], pdu[AIOT_NAS_MAX_PDU];
	if (d->p->rd == NULL || !d->has_ran_id)
		return -1;
	int n = aiot_nas_encode_command(cmd, plain, sizeof plain);
	if (n < 0)
		return -1;
	int m = aiot_nas_protect(pc->be, c->k_int, pc->cfg->cipher ? c->k_enc : NULL,
	                         AIOT_NAS_COMMAND_REQUEST, c->dl_count, AIOT_DIR_DOWNLINK, plain,
	                         (size_t)n, pdu, sizeof pdu);
	aiot_zeroize(plain, sizeof plain);
	if (m < 0)
		return -1;
	c->dl_count++;
	c->sent_cmd = cmd->cmd;
	ngap_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = NGAP_COMMAND_REQUEST;
	msg.correlation_id = d->p->corr;
	snprintf(msg.u.cmd.aiotf_name, sizeof msg.u.cmd.aiotf_name, "%s", pc->name);
	msg.u.cmd.ran_device_id = d->ran_device_id;
	msg.u.cmd.nas_pdu = pdu;
	msg.u.cmd.nas_len = (uint16_t)m;
	msg.u.cmd.expected_d2r_size =
	    (uint16_t)(cmd->cmd == AIOT_CMD_READ ? AIOT_NAS_SEC_HDR_LEN + 3 + cmd->length
	                                         : AIOT_NAS_SEC_HDR_LEN + 2);
	if (ng_send(pc, d->p->rd, &msg) != 0)
		return -1;
	pc->io->timer_arm(c->timer, pc->cfg->command_timeout_ms);
	return 0;
}

static void send_requested(dresp *d)
{
	const aiotf_req *q = d->t->req;
	aiot_nas_command cmd = {.cmd = (aiot_nas_cmd)q->cmd,
	                        .offset = q->offset,
	                        .length = q->length,
	                        .data = q->cmd == AIOT_CMD_WRITE ? q->data : NULL};
	if (q->cmd == AIOT_CMD_DISABLE)
		cmd.offset = cmd.length = 0;
	d->cmd->phase = CMD_WAIT;
	if (send_cmd(d, &cmd) != 0) {
		set_result(d, 0, NULL, 0, "ERROR_UNSPECIFIED");
		cmd_end(d);
	}
}

static void on_key(void *arg, int status, const cJSON *body, const char *err)
{
	dresp *d = arg;
	aiotf_proc *pc = d->t->pc;
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1];
	cmdstate *c = d->cmd;
	if (aiotf_session_keys(pc, status, body, c->k_int, c->k_enc) != 0) {
		aiot_b64_encode(d->perm.b, d->perm.len, b64);
		d->t->nadm_errors++;
		log_warn("transaction %s: get-session-key for %s: %s", d->t->req->trans_id, b64,
		         status == 0     ? (err ? err : "ADM unreachable")
		         : status == 200 ? "malformed answer"
		                         : "ADM error");
		set_result(d, 0, NULL, 0, "ERROR_UNSPECIFIED");
		cmd_end(d);
		return;
	}
	send_requested(d);
}

static void cmd_timeout_cb(void *arg)
{
	dresp *d = arg;
	if (d->cmd->phase == CMD_WAIT)
		set_result(d, 0, NULL, 0, "ERROR_UNSPECIFIED");
	else
		log_warn("transaction %s: TID_UPDATE not answered; the ADM keeps the T-ID",
		         d->t->req->trans_id);
	cmd_end(d);
}

void cmd_start(dresp *d)
{
	tx *t = d->t;
	aiotf_proc *pc = t->pc;
	uint8_t key[CMD_KEY_LEN];
	int err = 0;
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1], rn[33], rd[33];
	d->cmd = calloc(1, sizeof *d->cmd);
	if (d->cmd == NULL) {
		t->ncmd_fail++; /* out of memory: counted, never reported as done */
		atomic_fetch_add(&pc->st->cmd_failed, 1);
		return;
	}
	cmdstate *c = d->cmd;
	d->p->cmds_active++;
	tx_hold(t); /* until cmd_end */
	c->phase = CMD_KEY;
	/* A privacy device: it answered with a T-ID, or it was paged by one (the transaction's
	 * own copy of its profile: the profile cache may have evicted it since, cache-max). */
	const profile_info *pi = amap_get(&pc->profiles, d->perm.b, d->perm.len);
	c->privacy = d->id_type == AIOT_NAS_ID_TID ||
	             (d->p->target >= 0 && t->targets[d->p->target].has_tid) ||
	             (pi != NULL && pi->has_tid);
	if ((c->timer = pc->io->timer_new(pc->owner, cmd_timeout_cb, d)) == NULL ||
	    !d->has_ran_id) {
		set_result(d, 0, NULL, 0, "ERROR_UNSPECIFIED");
		cmd_end(d);
		return;
	}
	cmd_key(d, key);
	amap_put(&t->cmds, key, sizeof key, d, &err);
	if (err) { /* its Command Response could never be matched */
		set_result(d, 0, NULL, 0, "ERROR_UNSPECIFIED");
		cmd_end(d);
		return;
	}
	aiot_b64_encode(d->perm.b, d->perm.len, b64);
	aiot_hex_encode(t->rand_n, 16, rn);
	aiot_hex_encode(d->rand_d, 16, rd);
	char *body = NULL;
	/* Step 11: K_AIOTF for (device, RAND_AIOT_n, RAND_AIOT_d). */
	int n = asprintf(&body, "{\"aiotDevPermId\":\"%s\",\"randN\":\"%s\",\"randD\":\"%s\"}", b64,
	                 rn, rd);
	if (n < 0) {
		set_result(d, 0, NULL, 0, "ERROR_UNSPECIFIED");
		cmd_end(d);
		return;
	}
	if (tx_adm(pc, t, "POST", "/nadm-sec/v1/get-session-key", body, (size_t)n, NULL, on_key,
	           NULL, d) != 0) {
		set_result(d, 0, NULL, 0, "ERROR_UNSPECIFIED");
		cmd_end(d);
	}
}

static void on_tid(void *arg, int status, const cJSON *body, const char *err)
{
	dresp *d = arg;
	aiotf_proc *pc = d->t->pc;
	sbi_err e = {0};
	uint8_t tid[16];
	if (status == 200 && body != NULL && sbi_json_hex(body, "tid", 1, tid, 16, &e) == 1) {
		profile_info *pi = amap_get(&pc->profiles, d->perm.b, d->perm.len);
		if (pi != NULL) {
			pi->has_tid = 1;
			memcpy(pi->tid, tid, 16);
		}
		aiotf_learn_tid(pc, tid, &d->perm);
		atomic_fetch_add(&pc->st->tid_updates, 1);
	} else {
		d->t->nadm_errors++;
		log_warn("transaction %s: get-tid after TID_UPDATE: %s; the device will need a "
		         "resync",
		         d->t->req->trans_id,
		         status == 0 ? (err ? err : "ADM unreachable") : "ADM error");
	}
	cmd_end(d);
}

/* The primary command succeeded; rotate the T-ID of a privacy device. */
static void after_success(dresp *d)
{
	cmdstate *c = d->cmd;
	if (!c->privacy || d->t->req->cmd == AIOT_CMD_DISABLE) {
		cmd_end(d);
		return;
	}
	aiot_nas_command tu = {.cmd = AIOT_CMD_TID_UPDATE};
	c->phase = CMD_TID_WAIT;
	if (send_cmd(d, &tu) != 0) {
		log_warn("transaction %s: cannot send TID_UPDATE", d->t->req->trans_id);
		cmd_end(d);
	}
}

static void tid_update_done(dresp *d, int ok)
{
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1], *body = NULL;
	if (!ok) {
		log_warn("transaction %s: TID_UPDATE refused by the device", d->t->req->trans_id);
		cmd_end(d);
		return;
	}
	d->cmd->phase = CMD_GET_TID;
	aiot_b64_encode(d->perm.b, d->perm.len, b64);
	int n = asprintf(&body, "{\"aiotDevPermId\":\"%s\"}", b64);
	if (n < 0) {
		cmd_end(d);
		return;
	}
	if (tx_adm(d->t->pc, d->t, "POST", "/nadm-sec/v1/get-tid", body, (size_t)n, NULL, on_tid,
	           NULL, d) != 0)
		cmd_end(d);
}

void cmd_on_response(aiotf_proc *pc, probe *p, const ngap_msg *m)
{
	tx *t = p->t;
	uint8_t key[CMD_KEY_LEN], buf[AIOT_NAS_MAX_PDU];
	dresp probe_d = {.p = p};
	int failure = m->type == NGAP_COMMAND_FAILURE;
	if (failure && !m->u.fail.has_ran_device_id) {
		atomic_fetch_add(&pc->st->unsolicited, 1);
		return;
	}
	probe_d.ran_device_id = failure ? m->u.fail.ran_device_id : m->u.cmd.ran_device_id;
	cmd_key(&probe_d, key);
	dresp *d = amap_get(&t->cmds, key, sizeof key);
	if (d == NULL || (d->cmd->phase != CMD_WAIT && d->cmd->phase != CMD_TID_WAIT)) {
		atomic_fetch_add(&pc->st->unsolicited, 1);
		return;
	}
	cmdstate *c = d->cmd;
	int tid_phase = c->phase == CMD_TID_WAIT;
	if (failure) {
		pc->io->timer_cancel(c->timer);
		if (tid_phase) {
			tid_update_done(d, 0);
		} else {
			set_result(d, 0, NULL, 0, "ERROR_UNSPECIFIED");
			cmd_end(d);
		}
		return;
	}
	if (m->u.cmd.nas_len == 0 || m->u.cmd.nas_len > sizeof buf) {
		atomic_fetch_add(&pc->st->bad_mac, 1);
		return;
	}
	memcpy(buf, m->u.cmd.nas_pdu, m->u.cmd.nas_len);
	aiot_nas_protected pr;
	int rc = aiot_nas_unprotect(pc->be, c->k_int, c->k_enc, AIOT_DIR_UPLINK, buf,
	                            m->u.cmd.nas_len, &pr);
	if (rc != 0 || pr.type != AIOT_NAS_COMMAND_RESPONSE) {
		/* Not from the device holding K_AIOTF: as if nothing had been received. */
		atomic_fetch_add(&pc->st->bad_mac, 1);
		log_debug("transaction %s: Command Response rejected: %s", t->req->trans_id,
		          rc ? aiot_strerror(rc) : "not a Command Response");
		return;
	}
	if (c->ul_seen && pr.count <= c->ul_count) { /* docs/protocol.md §3.8 */
		atomic_fetch_add(&pc->st->replays, 1);
		return;
	}
	c->ul_seen = 1;
	c->ul_count = pr.count;
	pc->io->timer_cancel(c->timer);
	aiot_nas_result r;
	rc = aiot_nas_decode_result(pr.payload, pr.payload_len, &r);
	int ok = rc == 0 && (int)r.cmd == c->sent_cmd && r.status == AIOT_ST_SUCCESS;
	if (tid_phase) {
		aiot_zeroize(buf, sizeof buf);
		tid_update_done(d, ok);
		return;
	}
	const aiotf_req *q = t->req;
	if (ok && q->cmd == AIOT_CMD_READ && r.data_len != q->length)
		ok = 0; /* the device must return exactly what was asked */
	if (ok)
		set_result(d, 1, q->cmd == AIOT_CMD_READ ? r.data : NULL, r.data_len, NULL);
	else
		set_result(d, 0, NULL, 0,
		           rc == 0 && (int)r.cmd == c->sent_cmd ? status_cause(r.status)
		                                                : "ERROR_UNSPECIFIED");
	aiot_zeroize(buf, sizeof buf);
	if (ok)
		after_success(d);
	else
		cmd_end(d);
}

void cmd_probe_lost(probe *p)
{
	tx *t = p->t;
	if (p->cmds_active == 0)
		return;
	for (dresp *d = t->resps; d != NULL; d = d->next) {
		if (d->p != p || d->cmd == NULL)
			continue;
		if (d->cmd->phase == CMD_WAIT) {
			set_result(d, 0, NULL, 0, "ERROR_UNSPECIFIED");
			cmd_end(d);
		} else if (d->cmd->phase == CMD_TID_WAIT) {
			cmd_end(d);
		}
	}
}
