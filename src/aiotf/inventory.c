/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The inventory procedure (TS 23.369 6.2.2) with device authentication (TS 33.369 5.2.2):
 *   step 1     get-rand from the ADM                                  -> RAND_AIOT_n
 *   step 2     Inventory Request to every reader (one correlation id each): allDevices,
 *              groupDevices (filteringInfo) or singleDevice (per target, by T-ID when the
 *              device uses identifier privacy)
 *   step 6     Inventory Reports: D2R Inventory Responses (RES_AIOT, RAND_AIOT_d, identifier)
 *   steps 7-9  get-authentication, batched: every RAND_AIOT_d presented under one
 *              identifier shares a request (a clone and the genuine device, say); a T-ID
 *              the AIOTF cannot resolve goes to the ADM, which resolves it (vendor
 *              extension, common/vendor_ext.h): one XRES per RAND_AIOT_d, never a scan
 *              of every device. Each paging has budgets of D2Rs and of ADM requests.
 *   step 10    RES_AIOT = XRES_AIOT, constant time over the device's RES length
 * then the command procedure (command.c) or the report to the AF (AIoTNotif). Steps 7-10
 * are in inv_auth.c; the transaction's lifetime is tx.c's (proc.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nas.h"
#include "proc.h"
#include "sbi/sbi_json.h"
#include "common/base64.h"
#include "svc/log.h"

static const char *kind_name(const tx *t)
{
	return t->req->type == TX_COMMAND ? "command" : "inventory";
}

/* ---- paging ------------------------------------------------------------------------------ */

/* Until the reader acknowledges a paging, the shorter ng.ack-timeout-ms applies (when it is
 * shorter than inventory-timeout-ms): a silent link does not hold the transaction. */
static int ack_phase(const aiotf_proc *pc, const probe *p)
{
	int ack = pc->cfg->ng_ack_timeout_ms;
	return !p->acked && ack > 0 && ack < pc->cfg->inventory_timeout_ms;
}

/* (Re)start a paging's timeout: inventory-timeout-ms without a report from its reader ends
 * it, however long the whole inventory of a large population takes. */
static void probe_arm(aiotf_proc *pc, probe *p)
{
	pc->io->timer_arm(p->timer, ack_phase(pc, p) ? pc->cfg->ng_ack_timeout_ms
	                                             : pc->cfg->inventory_timeout_ms);
}

static void probe_timeout_cb(void *arg)
{
	probe *p = arg;
	aiotf_proc *pc = p->t->pc;
	if (!ack_phase(pc, p)) {
		inv_probe_end(p, "timeout");
	} else if (ng_probe_link_answering(p)) {
		p->acked = 1; /* the link acknowledged a later paging: this answer is only late */
		probe_arm(pc, p);
	} else {
		inv_probe_end(p, "not acknowledged by the reader");
		ng_probe_unacked(pc, p); /* may close the reader's link */
	}
}

void inv_probe_acked(probe *p)
{
	if (p->acked)
		return;
	ng_probe_acked(p);
	if (!p->done)
		probe_arm(p->t->pc, p);
}

/* Step 2: an Inventory Request on one reader. 0 if a probe was opened. */
static int probe_send(tx *t, reader *rd, long target)
{
	aiotf_proc *pc = t->pc;
	const aiotf_req *q = t->req;
	probe *p = calloc(1, sizeof *p);
	if (p == NULL)
		return -1;
	p->t = t;
	p->target = target;
	p->sent_us = pc->io->now_us(pc->owner);
	if ((p->timer = pc->io->timer_new(pc->owner, probe_timeout_cb, p)) == NULL ||
	    ng_probe_attach(p, rd) != 0) {
		log_warn("transaction %s: no AIoT correlation identifier free, paging skipped",
		         q->trans_id);
		pc->io->timer_free(p->timer);
		free(p);
		return -1;
	}
	p->tx_next = t->probes;
	t->probes = p;
	tx_hold(t); /* until inv_probe_end */
	if (target >= 0)
		t->targets[target].open_probes++;

	ngap_msg m;
	memset(&m, 0, sizeof m);
	m.type = NGAP_INVENTORY_REQUEST;
	m.correlation_id = p->corr;
	snprintf(m.u.inv_req.aiotf_name, sizeof m.u.inv_req.aiotf_name, "%s", pc->name);
	m.u.inv_req.expected_d2r_size = AIOT_NAS_INV_RESP_MAX_LEN;
	if (target >= 0) {
		const target_t *g = &t->targets[target];
		const aiotf_id *id = g->has_tid ? &g->tid : &g->perm;
		m.u.inv_req.ident_kind = NGAP_IDENT_SINGLE;
		memcpy(m.u.inv_req.ident, id->b, id->len);
		m.u.inv_req.ident_bits = (uint16_t)(8u * id->len);
		m.u.inv_req.expected_d2r_size =
		    AIOT_NAS_INV_RES_OFF + 16; /* no identifier when named */
	} else if (q->kind == TGT_FILTER) {
		m.u.inv_req.ident_kind = NGAP_IDENT_GROUP;
		memcpy(m.u.inv_req.ident, q->filt.b, q->filt.len);
		m.u.inv_req.ident_bits = (uint16_t)(8u * q->filt.len);
	} else {
		m.u.inv_req.ident_kind = NGAP_IDENT_ALL;
	}
	if (q->num_devices > 0)
		m.u.inv_req.approx_devices =
		    q->num_devices > 65535 ? 65535 : (uint16_t)q->num_devices;
	if (q->time_interval > 0)
		m.u.inv_req.time_interval =
		    q->time_interval > 256 ? 256 : (uint16_t)q->time_interval;
	m.u.inv_req.followon_command = q->type == TX_COMMAND;
	memcpy(m.u.inv_req.rand_n, t->rand_n, 16);
	probe_arm(pc, p);
	if (ng_send(pc, rd, &m) != 0)
		inv_probe_end(p, "send failed");
	return 0;
}

/* Page on every reader that completed NG Setup (no area model: all readers serve all). */
static int page_all(tx *t, long target)
{
	int n = 0;
	if (t->finished)
		return 0; /* halted: nothing new is paged */
	for (reader *rd = ng_reader_next_ready(t->pc, NULL); rd != NULL;
	     rd = ng_reader_next_ready(t->pc, rd))
		n += probe_send(t, rd, target) == 0;
	return n;
}

static void targets_pump(tx *t);

static void target_done(tx *t, size_t i)
{
	if (t->targets[i].state == 3)
		return;
	t->targets[i].state = 3;
	t->targets_active--;
	targets_pump(t); /* the next target holds before this one releases */
	tx_release(t);
}

static void target_page(tx *t, size_t i)
{
	t->targets[i].state = 2;
	if (page_all(t, (long)i) == 0)
		target_done(t, i);
}

/* The ADM's profile of perm: its T-IDs into the T-ID cache, the profile into the profile
 * cache (keep: not over one already there, which a get-tid may have updated since). */
static void profile_learn(aiotf_proc *pc, const aiotf_id *perm, const cJSON *body, int keep)
{
	sbi_err e = {0};
	profile_info *pi = calloc(1, sizeof *pi);
	uint8_t prev[16];
	int err;
	if (pi == NULL)
		return;
	if (sbi_json_hex(body, "tidCurrent", 0, pi->tid, 16, &e) == 1) {
		pi->has_tid = 1;
		aiotf_learn_tid(pc, pi->tid, perm);
	}
	if (sbi_json_hex(body, "tidPrevious", 0, prev, 16, &e) == 1)
		aiotf_learn_tid(pc, prev, perm);
	if (keep && amap_get(&pc->profiles, perm->b, perm->len) != NULL) {
		free(pi);
		return;
	}
	free(amap_put(&pc->profiles, perm->b, perm->len, pi, &err));
	if (err) {
		free(pi);
		log_warn("profile cache: out of memory");
	}
}

/* Nadm_DM aiot-device-profile-data of perm (TS 29.369) for t (or none): tx_adm's 0 or -1. */
static int profile_get(aiotf_proc *pc, tx *t, const aiotf_id *perm, adm_done_fn done, void *arg)
{
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1], path[600];
	aiot_b64_encode(perm->b, perm->len, b64);
	size_t o = snprintf(path, sizeof path, "/nadm-dm/v1/aiot-device-profile-data/");
	for (const char *c = b64; *c != '\0' && o + 4 < sizeof path; c++) {
		if (*c == '+' || *c == '/' || *c == '=')
			o += (size_t)snprintf(path + o, sizeof path - o, "%%%02X",
			                      (unsigned char)*c);
		else
			path[o++] = *c;
	}
	path[o] = '\0';
	return tx_adm(pc, t, "GET", path, NULL, 0, NULL, done, free, arg);
}

typedef struct tid_ref {
	aiotf_proc *pc;
	aiotf_id perm;
} tid_ref;

static void on_tid_profile(void *arg, int status, const cJSON *body, const char *err)
{
	tid_ref *r = arg;
	(void)err; /* a cache: the device is simply authenticated anonymously again */
	if (status == 200 && body != NULL)
		profile_learn(r->pc, &r->perm, body, 1);
	free(r);
}

/* A device authenticated with a T-ID the AIOTF does not know, by an ADM that did not say it
 * resolved the T-ID (one without the vendor extension scans every device). RES_AIOT does
 * not cover the T-ID (TS 33.369 5.2.2): a replayed (RAND_AIOT_d, RES_AIOT) authenticates with
 * any T-ID in such a scan. So the T-ID is not learnt from the answer; the device's profile
 * from the ADM says which T-IDs are its own (tidCurrent, tidPrevious), and only those are
 * cached. */
void inv_tid_confirm(aiotf_proc *pc, const dresp *d)
{
	if (amap_get(&pc->tid_to_perm, d->id.b, 16) != NULL)
		return;
	tid_ref *r = malloc(sizeof *r);
	if (r == NULL)
		return;
	*r = (tid_ref){pc, d->perm};
	if (profile_get(pc, NULL, &d->perm, on_tid_profile, r) != 0)
		free(r);
}

typedef struct target_ref {
	tx *t;
	size_t i;
} target_ref;

static void on_profile(void *arg, int status, const cJSON *body, const char *err)
{
	target_ref *r = arg;
	tx *t = r->t;
	size_t i = r->i;
	free(r);
	target_t *g = &t->targets[i];
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1];
	aiot_b64_encode(g->perm.b, g->perm.len, b64);
	if (status == 200 && body != NULL) {
		sbi_err e = {0};
		profile_learn(t->pc, &g->perm, body, 0); /* a cache: may fail (out of memory) */
		if (sbi_json_hex(body, "tidCurrent", 0, g->tid.b, 16, &e) == 1) {
			g->has_tid = 1;
			g->tid.len = 16;
		}
		target_page(t, i);
		return;
	}
	if (status == 404) {
		log_info("transaction %s: device %s is unknown to the ADM, not paged",
		         t->req->trans_id, b64);
	} else {
		t->nadm_errors++;
		log_warn("transaction %s: profile of %s: %s; not paged", t->req->trans_id, b64,
		         status ? "ADM error"
		         : err  ? err
		                : "ADM unreachable");
	}
	target_done(t, i);
}

/* Single-device paging: the device's profile says whether it pages by T-ID. */
static void target_resolve(tx *t, size_t i)
{
	aiotf_proc *pc = t->pc;
	target_t *g = &t->targets[i];
	const profile_info *pi = amap_get(&pc->profiles, g->perm.b, g->perm.len);
	if (pi != NULL) {
		if (pi->has_tid) {
			g->has_tid = 1;
			g->tid.len = 16;
			memcpy(g->tid.b, pi->tid, 16);
		}
		target_page(t, i);
		return;
	}
	target_ref *r = malloc(sizeof *r);
	if (r == NULL) {
		target_done(t, i);
		return;
	}
	*r = (target_ref){t, i};
	g->state = 1;
	if (profile_get(pc, t, &g->perm, on_profile, r) != 0) {
		free(r);
		t->nadm_errors++;
		target_done(t, i);
	}
}

static void targets_pump(tx *t)
{
	while (!t->finished && t->targets_active < AIOTF_TARGET_WINDOW &&
	       t->next_target < t->ntargets) {
		size_t i = t->next_target++;
		t->targets_active++;
		tx_hold(t); /* until target_done */
		target_resolve(t, i);
	}
}

static void on_rand(void *arg, int status, const cJSON *body, const char *err)
{
	tx *t = arg;
	sbi_err e = {0};
	if (status != 200 || body == NULL ||
	    sbi_json_hex(body, "randN", 1, t->rand_n, 16, &e) != 1) {
		/* Step 1 failed: no authentication is possible, so nothing is paged. */
		log_warn("transaction %s: get-rand: %s", t->req->trans_id,
		         status == 0     ? (err ? err : "ADM unreachable")
		         : status == 200 ? e.text
		                         : "ADM refused");
		t->nadm_errors++;
		t->abort_cause = "NO_SUCC_INV_RESP"; /* the network failed, not the devices */
		t->next_target = t->ntargets;        /* nothing will be paged */
		tx_check(t);
		return;
	}
	t->have_rand = 1;
	t->paging_started = 1;
	if (t->req->kind == TGT_DEVICES)
		targets_pump(t);
	else
		page_all(t, -1);
	tx_check(t);
}

void inv_start(tx *t)
{
	aiotf_proc *pc = t->pc;
	aiotf_req *q = t->req;
	if (ng_readers_ready(pc) == 0) {
		t->abort_cause = "NO_SUCC_INV_RESP";
		log_info("transaction %s: no reader connected", q->trans_id);
		tx_check(t);
		return;
	}
	if (q->kind == TGT_DEVICES) {
		if ((t->targets = calloc(q->ndevs, sizeof *t->targets)) == NULL) {
			t->abort_cause = "NO_SUCC_INV_RESP";
			tx_check(t);
			return;
		}
		for (size_t i = 0; i < q->ndevs; i++)
			t->targets[i].perm = q->devs[i];
		t->ntargets = q->ndevs;
	}
	if (tx_adm(pc, t, "POST", "/nadm-sec/v1/get-rand", NULL, 0, NULL, on_rand, NULL, t) != 0) {
		t->nadm_errors++;
		t->abort_cause = "NO_SUCC_INV_RESP";
		t->next_target = t->ntargets;
		tx_check(t);
	}
}

/* ---- probes end -------------------------------------------------------------------------- */

void inv_probe_end(probe *p, const char *why)
{
	tx *t = p->t;
	if (p->done)
		return;
	p->done = 1;
	t->pc->io->timer_cancel(p->timer);
	log_debug("transaction %s: paging %u ended: %s", t->req->trans_id, p->corr, why);
	if (strcmp(why, "complete") != 0 && strcmp(why, "released by the reader") != 0)
		t->nprobes_failed++; /* timeout, reader lost, InventoryFailure, send failed */
	if (t->req->type == TX_INVENTORY)
		ng_probe_release(t->pc, p); /* TS 23.369 6.2.2: no command follows */
	if (p->target >= 0 && --t->targets[p->target].open_probes == 0)
		target_done(t, (size_t)p->target);
	tx_release(t); /* held by probe_send */
}

void inv_probe_lost(probe *p, const char *why)
{
	inv_probe_end(p, why);
	cmd_probe_lost(p);
}

/* Step 6: the D2R NAS PDUs of one Inventory Report. */
void inv_on_report(aiotf_proc *pc, probe *p, const ngap_msg *m)
{
	tx *t = p->t;
	ng_probe_acked(p);
	probe_arm(pc, p); /* the reader is making progress: the timeout counts silence */
	for (uint32_t r = 0; r < m->u.report.nreaders; r++) {
		const ngap_reader_report *rr = &m->u.report.readers[r];
		for (uint32_t k = 0; k < rr->ndevices; k++) {
			const ngap_device_report *dv = &rr->devices[k];
			aiot_nas_inventory_response ir;
			atomic_fetch_add(&pc->st->d2r_received, 1);
			if (aiot_nas_decode_inventory_response(dv->nas_pdu, dv->nas_len, &ir) !=
			    0) {
				t->nundecodable++;
				atomic_fetch_add(&pc->st->undecodable, 1);
				continue;
			}
			/* NOTE 2 (our extension, docs/protocol.md §3.2): an answer to a paging
			 * we did not send costs no ADM call. */
			if (!aiot_nas_inv_answers(dv->nas_pdu, dv->nas_len, t->rand_n)) {
				atomic_fetch_add(&pc->st->foreign_rand, 1);
				continue;
			}
			if (p->d2r >= (size_t)pc->cfg->paging_max_d2r) {
				/* This reader's budget in this transaction is spent: the rest is
				 * neither kept nor checked. (Undecodable and foreign answers are
				 * dropped before: they cost no memory and no ADM call.) */
				t->nunverified++;
				atomic_fetch_add(&pc->st->d2r_budget, 1);
				continue;
			}
			p->d2r++;
			dresp *d = calloc(1, sizeof *d);
			if (d == NULL) {
				t->nunverified++;
				continue;
			}
			d->t = t;
			d->p = p;
			memcpy(d->rand_d, ir.rand_d, 16);
			memcpy(d->res, ir.res, ir.res_len);
			d->res_len = ir.res_len;
			d->id_type = (uint8_t)ir.id_type;
			d->id.len = ir.id_len;
			if (ir.id_len)
				memcpy(d->id.b, ir.id, ir.id_len);
			d->has_ran_id = dv->has_ran_device_id;
			d->ran_device_id = dv->ran_device_id;
			d->next = t->resps;
			t->resps = d;
			t->nresp++;
			inv_auth_route(d);
		}
	}
	if (m->u.report.complete)
		inv_probe_end(p, "complete");
}

/* ---- the end ------------------------------------------------------------------------------ */

/* TS 29.569 FailureCause defines two values. AUTH_FAILURE says devices failed
 * authentication, so it is given only when answers were checked and rejected; whatever the
 * network failed at (ADM unreachable or refusing, readers lost, pagings unanswered, the AIOTF
 * stopping) is NO_SUCC_INV_RESP, the closest: no Inventory Response could be counted as
 * successful. NULL: the transaction succeeded. */
static const char *final_cause(const tx *t, size_t total)
{
	if (t->abort_cause != NULL)
		return t->abort_cause;
	if (total > 0)
		return t->req->type == TX_INVENTORY && (t->nunverified > 0 || t->nprobes_failed > 0)
		           ? "NO_SUCC_INV_RESP"
		           : NULL;
	return t->nrej > 0 && t->nunverified == 0 && t->nadm_errors == 0 ? "AUTH_FAILURE"
	                                                                 : "NO_SUCC_INV_RESP";
}

void inv_finish(tx *t)
{
	aiotf_proc *pc = t->pc;
	for (probe *p = t->probes; p != NULL; p = p->tx_next)
		ng_probe_release(pc, p); /* command procedure done (TS 23.369 6.2.3 step 11) */
	size_t total = t->nreported + t->nbatch;
	const char *cause = final_cause(t, total);
	/* The devices not yet sent, then the last notification: lastRepInd with the failCause
	 * if any (AIoTNotif allows failCause with lastRepInd, never with devicesRepData). A
	 * batch just flushed (a multiple of AIOTF_NOTIF_BATCH) leaves nothing to send first. */
	if (t->batch != NULL)
		tx_notify(t, t->batch, cause == NULL, NULL);
	if (cause != NULL || t->batch == NULL)
		tx_notify(t, NULL, 1, cause);
	t->batch = NULL;
	t->nbatch = 0;
	t->nreported = total;
	if (total == 0)
		atomic_fetch_add(&pc->st->tx_failed[t->req->type], 1);
	double ms = (double)(pc->io->now_us(pc->owner) - t->t0_us) / 1000.0;
	const char *why = t->halted ? " (the AIOTF is stopping)" : "";
	if (t->req->type == TX_COMMAND)
		log_info(
		    "transaction %s %s: %zu responses, %zu authenticated, %zu rejected, "
		    "%zu unverified, %zu undecodable, commands %zu ok %zu failed, %.1f ms%s%s%s",
		    t->req->trans_id, kind_name(t), t->nresp, t->nauth, t->nrej, t->nunverified,
		    t->nundecodable, t->ncmd_ok, t->ncmd_fail, ms, cause ? ", failCause " : "",
		    cause ? cause : "", why);
	else
		log_info("transaction %s %s: %zu responses, %zu authenticated, %zu rejected, "
		         "%zu unverified, %zu undecodable, %zu devices reported, %.1f ms%s%s%s",
		         t->req->trans_id, kind_name(t), t->nresp, t->nauth, t->nrej,
		         t->nunverified, t->nundecodable, total, ms, cause ? ", failCause " : "",
		         cause ? cause : "", why);
}
