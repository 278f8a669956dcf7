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
 * then the command procedure (command.c) or the report to the AF (AIoTNotif).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiotf_internal.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/vendor_ext.h"
#include "crypto/ct.h"
#include "svc/log.h"

static const char *kind_name(const tx *t)
{
	return t->req->type == TX_COMMAND ? "command" : "inventory";
}

/* ---- paging ------------------------------------------------------------------------------ */

/* Until the reader acknowledges a paging, the shorter ng.ack-timeout-ms applies (when it is
 * shorter than inventory-timeout-ms): a silent link does not hold the transaction. */
static int ack_phase(const aiotf *a, const probe *p)
{
	int ack = a->cfg.ng_ack_timeout_ms;
	return !p->acked && ack > 0 && ack < a->cfg.inventory_timeout_ms;
}

/* (Re)start a paging's timeout: inventory-timeout-ms without a report from its reader ends
 * it, however long the whole inventory of a large population takes. */
static void probe_arm(aiotf *a, probe *p)
{
	a->io->timer_arm(p->timer, ack_phase(a, p) ? a->cfg.ng_ack_timeout_ms
						   : a->cfg.inventory_timeout_ms);
}

static void probe_timeout_cb(void *arg)
{
	probe *p = arg;
	aiotf *a = p->t->a;
	if (!ack_phase(a, p)) {
		inv_probe_end(p, "timeout");
	} else if (ng_probe_link_answering(p)) {
		p->acked = 1; /* the link acknowledged a later paging: this answer is only late */
		probe_arm(a, p);
	} else {
		inv_probe_end(p, "not acknowledged by the reader");
		ng_probe_unacked(a, p); /* may close the reader's link */
	}
}

void inv_probe_acked(probe *p)
{
	if (p->acked)
		return;
	ng_probe_acked(p);
	if (!p->done)
		probe_arm(p->t->a, p);
}

/* Step 2: an Inventory Request on one reader. 0 if a probe was opened. */
static int probe_send(tx *t, reader *rd, long target)
{
	aiotf *a = t->a;
	const aiotf_req *q = t->req;
	probe *p = calloc(1, sizeof *p);
	if (p == NULL)
		return -1;
	p->t = t;
	p->target = target;
	p->sent_us = a->io->now_us(a);
	if ((p->timer = a->io->timer_new(a, probe_timeout_cb, p)) == NULL ||
	    ng_probe_attach(a, p, rd) != 0) {
		log_warn("transaction %s: no AIoT correlation identifier free, paging skipped",
			 q->trans_id);
		a->io->timer_free(p->timer);
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
	snprintf(m.u.inv_req.aiotf_name, sizeof m.u.inv_req.aiotf_name, "%s", a->name);
	m.u.inv_req.expected_d2r_size = AIOT_NAS_INV_RESP_MAX_LEN;
	if (target >= 0) {
		const target_t *g = &t->targets[target];
		const aiotf_id *id = g->has_tid ? &g->tid : &g->perm;
		m.u.inv_req.ident_kind = NGAP_IDENT_SINGLE;
		memcpy(m.u.inv_req.ident, id->b, id->len);
		m.u.inv_req.ident_bits = (uint16_t)(8u * id->len);
		m.u.inv_req.expected_d2r_size = AIOT_NAS_INV_RES_OFF + 16; /* no identifier when named */
	} else if (q->kind == TGT_FILTER) {
		m.u.inv_req.ident_kind = NGAP_IDENT_GROUP;
		memcpy(m.u.inv_req.ident, q->filt.b, q->filt.len);
		m.u.inv_req.ident_bits = (uint16_t)(8u * q->filt.len);
	} else {
		m.u.inv_req.ident_kind = NGAP_IDENT_ALL;
	}
	if (q->num_devices > 0)
		m.u.inv_req.approx_devices = q->num_devices > 65535 ? 65535 : (uint16_t)q->num_devices;
	if (q->time_interval > 0)
		m.u.inv_req.time_interval = q->time_interval > 256 ? 256
								   : (uint16_t)q->time_interval;
	m.u.inv_req.followon_command = q->type == TX_COMMAND;
	memcpy(m.u.inv_req.rand_n, t->rand_n, 16);
	probe_arm(a, p);
	if (ng_send(a, rd, &m) != 0)
		inv_probe_end(p, "send failed");
	return 0;
}

/* Page on every reader that completed NG Setup (no area model: all readers serve all). */
static int page_all(tx *t, long target)
{
	int n = 0;
	if (t->finished)
		return 0; /* halted: nothing new is paged */
	for (reader *rd = t->a->readers; rd != NULL; rd = rd->next)
		if (rd->setup && rd->link != NULL && probe_send(t, rd, target) == 0)
			n++;
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
static void profile_learn(aiotf *a, const aiotf_id *perm, const cJSON *body, int keep)
{
	sbi_err e = {0};
	profile_info *pi = calloc(1, sizeof *pi);
	uint8_t prev[16];
	int err;
	if (pi == NULL)
		return;
	if (sbi_json_hex(body, "tidCurrent", 0, pi->tid, 16, &e) == 1) {
		pi->has_tid = 1;
		aiotf_learn_tid(a, pi->tid, perm);
	}
	if (sbi_json_hex(body, "tidPrevious", 0, prev, 16, &e) == 1)
		aiotf_learn_tid(a, prev, perm);
	if (keep && amap_get(&a->profiles, perm->b, perm->len) != NULL) {
		free(pi);
		return;
	}
	free(amap_put(&a->profiles, perm->b, perm->len, pi, &err));
	if (err) {
		free(pi);
		log_warn("profile cache: out of memory");
	}
}

/* Nadm_DM aiot-device-profile-data of perm (TS 29.369) for t (or none): tx_adm's 0 or -1. */
static int profile_get(aiotf *a, tx *t, const aiotf_id *perm, adm_done_fn done, void *arg)
{
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1], path[600];
	aiot_b64_encode(perm->b, perm->len, b64);
	size_t o = snprintf(path, sizeof path, "/nadm-dm/v1/aiot-device-profile-data/");
	for (const char *c = b64; *c != '\0' && o + 4 < sizeof path; c++) {
		if (*c == '+' || *c == '/' || *c == '=')
			o += (size_t)snprintf(path + o, sizeof path - o, "%%%02X", (unsigned char)*c);
		else
			path[o++] = *c;
	}
	path[o] = '\0';
	return tx_adm(a, t, "GET", path, NULL, 0, NULL, done, free, arg);
}

typedef struct tid_ref {
	aiotf *a;
	aiotf_id perm;
} tid_ref;

static void on_tid_profile(void *arg, int status, const cJSON *body, const char *err)
{
	tid_ref *r = arg;
	(void)err; /* a cache: the device is simply authenticated anonymously again */
	if (status == 200 && body != NULL)
		profile_learn(r->a, &r->perm, body, 1);
	free(r);
}

/* A device authenticated with a T-ID the AIOTF does not know, by an ADM that did not say it
 * resolved the T-ID (one without the vendor extension scans every device). RES_AIOT does
 * not cover the T-ID (TS 33.369 5.2.2): a replayed (RAND_AIOT_d, RES_AIOT) authenticates with
 * any T-ID in such a scan. So the T-ID is not learnt from the answer; the device's profile
 * from the ADM says which T-IDs are its own (tidCurrent, tidPrevious), and only those are
 * cached. */
static void tid_confirm(aiotf *a, const dresp *d)
{
	if (amap_get(&a->tid_to_perm, d->id.b, 16) != NULL)
		return;
	tid_ref *r = malloc(sizeof *r);
	if (r == NULL)
		return;
	*r = (tid_ref){a, d->perm};
	if (profile_get(a, NULL, &d->perm, on_tid_profile, r) != 0)
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
		profile_learn(t->a, &g->perm, body, 0); /* a cache: may fail (out of memory) */
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
			 status ? "ADM error" : err ? err : "ADM unreachable");
	}
	target_done(t, i);
}

/* Single-device paging: the device's profile says whether it pages by T-ID. */
static void target_resolve(tx *t, size_t i)
{
	aiotf *a = t->a;
	target_t *g = &t->targets[i];
	const profile_info *pi = amap_get(&a->profiles, g->perm.b, g->perm.len);
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
	if (profile_get(a, t, &g->perm, on_profile, r) != 0) {
		free(r);
		t->nadm_errors++;
		target_done(t, i);
	}
}

static void targets_pump(tx *t)
{
	while (!t->finished && t->targets_active < AIOTF_TARGET_WINDOW && t->next_target < t->ntargets) {
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
	if (status != 200 || body == NULL || sbi_json_hex(body, "randN", 1, t->rand_n, 16, &e) != 1) {
		/* Step 1 failed: no authentication is possible, so nothing is paged. */
		log_warn("transaction %s: get-rand: %s", t->req->trans_id,
			 status == 0 ? (err ? err : "ADM unreachable")
				     : status == 200 ? e.text : "ADM refused");
		t->nadm_errors++;
		t->abort_cause = "NO_SUCC_INV_RESP"; /* the network failed, not the devices */
		t->next_target = t->ntargets; /* nothing will be paged */
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
	aiotf *a = t->a;
	aiotf_req *q = t->req;
	if (ng_readers_ready(a) == 0) {
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
	if (tx_adm(a, t, "POST", "/nadm-sec/v1/get-rand", NULL, 0, NULL, on_rand, NULL, t) != 0) {
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
	t->a->io->timer_cancel(p->timer);
	log_debug("transaction %s: paging %u ended: %s", t->req->trans_id, p->corr, why);
	if (strcmp(why, "complete") != 0 && strcmp(why, "released by the reader") != 0)
		t->nprobes_failed++; /* timeout, reader lost, InventoryFailure, send failed */
	if (t->req->type == TX_INVENTORY)
		ng_probe_release(t->a, p); /* TS 23.369 6.2.2: no command follows */
	if (p->target >= 0 && --t->targets[p->target].open_probes == 0)
		target_done(t, (size_t)p->target);
	tx_release(t); /* held by probe_send */
}

void inv_probe_lost(probe *p, const char *why)
{
	inv_probe_end(p, why);
	cmd_probe_lost(p);
}

/* ---- authentication ---------------------------------------------------------------------- */

static amap *grp_open(tx *t, grp_kind kind)
{
	return kind == GRP_NAMED ? &t->open_named : &t->open_tid;
}

static void grp_unlink(authgrp *g)
{
	amap *m = grp_open(g->t, g->kind);
	if (amap_get(m, g->key.b, g->key.len) == g)
		amap_del(m, g->key.b, g->key.len);
}

/* Built when the request leaves the queue: until then the group absorbs more RAND_d. */
static char *grp_build(void *arg, size_t *len)
{
	authgrp *g = arg;
	tx *t = g->t;
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1], hex[33];
	grp_unlink(g);
	g->sent = 1;
	size_t cap = 256 + 2 * sizeof b64 + g->n * 40, o = 0;
	char *s = malloc(cap);
	if (s == NULL)
		return NULL;
	if (g->kind == GRP_NAMED) {
		aiot_b64_encode(g->key.b, g->key.len, b64);
		o += (size_t)snprintf(s + o, cap - o, "{\"aiotDevPermId\":\"%s\",", b64);
	} else {
		/* The T-ID in the vendor extension; a group paging's filteringInfo beside it,
		 * so the device must also belong to the group paged. */
		aiot_hex_encode(g->key.b, 16, hex);
		o += (size_t)snprintf(s + o, cap - o, "{\"%s\":{\"%s\":\"%s\"},", AIOT_VENDOR_EXT,
				      AIOT_VENDOR_TID, hex);
		if (t->req->kind == TGT_FILTER) {
			aiot_b64_encode(t->req->filt.b, t->req->filt.len, b64);
			o += (size_t)snprintf(s + o, cap - o, "\"filteringInfo\":\"%s\",", b64);
		}
	}
	aiot_hex_encode(t->rand_n, 16, hex);
	o += (size_t)snprintf(s + o, cap - o, "\"randN\":\"%s\",\"randDlist\":[", hex);
	for (dresp *d = g->resps; d != NULL; d = d->grp_next) {
		aiot_hex_encode(d->rand_d, 16, hex);
		o += (size_t)snprintf(s + o, cap - o, "%s\"%s\"", d == g->resps ? "" : ",", hex);
	}
	o += (size_t)snprintf(s + o, cap - o, "]}");
	*len = o;
	return s;
}

static void auth_result(dresp *d)
{
	tx *t = d->t;
	aiotf *a = t->a;
	if (t->finished)
		return; /* halted: the AF has had its last notification */
	if (d->auth == AUTH_OK && d->p->target >= 0) {
		const aiotf_id *want = &t->targets[d->p->target].perm;
		if (want->len != d->perm.len || memcmp(want->b, d->perm.b, want->len) != 0)
			d->auth = AUTH_FAIL; /* authentic, but not the device that was paged */
	}
	if (d->auth == AUTH_OK) {
		t->nauth++;
		atomic_fetch_add(&a->st.devices_authenticated, 1);
		int seen = tx_seen(t, &d->perm);
		if (seen < 0) {
			/* Cannot tell a second answer of a device from its first: not reported
			 * rather than maybe reported twice, and the transaction says so. */
			t->nauth--;
			t->nunverified++;
			return;
		}
		if (seen)
			return; /* the same device through another reader or a second answer */
		if (d->id_type == AIOT_NAS_ID_TID)
			tid_confirm(a, d);
		if (t->req->type == TX_INVENTORY)
			tx_add_report(t, aiotf_dev_item(&d->perm, NULL, 0, NULL));
		else
			cmd_start(d);
	} else if (d->auth == AUTH_FAIL) {
		t->nrej++;
		atomic_fetch_add(&a->st.auth_failures, 1);
	} else {
		t->nunverified++;
	}
}

static int xres_of(const cJSON *ad, uint8_t xres[16])
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(ad, "xres");
	if (!cJSON_IsString(x))
		return -1;
	size_t n = strlen(x->valuestring);
	if (n < 8 || n > 32 || n % 8 != 0) /* Xres: 4 to 16 octets */
		return -1;
	return aiot_hex_decode(x->valuestring, n, xres, 16);
}

int inv_match_auth(authgrp *g, const cJSON *body)
{
	const cJSON *sets = cJSON_GetObjectItemCaseSensitive(body, "authDataSets"), *set, *ad;
	sbi_err e = {0};
	uint8_t rd[16], xres[16], pid[AIOT_NAS_MAX_ID_LEN];
	size_t plen;
	if (!cJSON_IsArray(sets))
		return -1;
	/* Pass 1: the whole answer is well formed (TS 29.369 GetAuthenticationResponse). */
	cJSON_ArrayForEach(set, sets)
	{
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(set, "authDataSet");
		if (sbi_json_hex(set, "randD", 1, rd, 16, &e) != 1 || !cJSON_IsArray(arr))
			return -1;
		cJSON_ArrayForEach(ad, arr)
		{
			if (xres_of(ad, xres) < 0)
				return -1;
			int h = sbi_json_b64(ad, "aiotDevPermId", g->kind != GRP_NAMED, pid, sizeof pid,
					     &plen, &e);
			if (h < 0)
				return -1;
		}
	}
	/* Pass 2: step 10, each response against every XRES computed for its RAND_d. */
	for (dresp *d = g->resps; d != NULL; d = d->grp_next)
		d->auth = AUTH_FAIL;
	cJSON_ArrayForEach(set, sets)
	{
		sbi_json_hex(set, "randD", 1, rd, 16, &e);
		const cJSON *arr = cJSON_GetObjectItemCaseSensitive(set, "authDataSet");
		for (dresp *d = g->resps; d != NULL; d = d->grp_next) {
			if (d->auth == AUTH_OK || memcmp(d->rand_d, rd, 16) != 0)
				continue; /* RAND_AIOT_d is public: no need for constant time */
			cJSON_ArrayForEach(ad, arr)
			{
				int n = xres_of(ad, xres);
				if (n != d->res_len || !aiot_ct_eq(d->res, xres, (size_t)n))
					continue;
				if (g->kind != GRP_NAMED) { /* step 9: the ADM names the device */
					sbi_json_b64(ad, "aiotDevPermId", 1, pid, sizeof pid, &plen, &e);
					d->perm.len = (uint8_t)plen;
					memcpy(d->perm.b, pid, plen);
					d->has_perm = 1;
				}
				d->auth = AUTH_OK;
				break;
			}
		}
	}
	return 0;
}

/* The ADM resolved the T-ID of g (it echoes it): each response whose RES matched is the
 * device the ADM named, and the T-ID is one of that device's own, so it is cached. A RES
 * replayed under another T-ID matched nothing (the ADM computed only that T-ID's device). */
static void grp_learn_tid(authgrp *g, const cJSON *body)
{
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(body, AIOT_VENDOR_EXT);
	uint8_t echo[16];
	sbi_err e = {0};
	if (!cJSON_IsObject(ext) || sbi_json_hex(ext, AIOT_VENDOR_TID, 1, echo, 16, &e) != 1 ||
	    memcmp(echo, g->key.b, 16) != 0)
		return; /* an ADM without the extension: tid_confirm asks for the profile */
	for (dresp *d = g->resps; d != NULL; d = d->grp_next)
		if (d->auth == AUTH_OK)
			aiotf_learn_tid(g->t->a, g->key.b, &d->perm);
}

static void auth_route(dresp *d);

/* A request of p ended: the D2Rs waiting for p's ADM budget go on while it allows. */
static void waiting_run(probe *p)
{
	tx *t = p->t;
	while (p->waiting != NULL && p->adm_calls < (size_t)t->a->cfg.paging_max_adm) {
		dresp *d = p->waiting;
		if ((p->waiting = d->grp_next) == NULL)
			p->waiting_tail = NULL;
		d->grp_next = NULL;
		if (!t->finished) /* halted: nothing more is asked */
			auth_route(d);
		tx_release(t); /* held by auth_route while d waited */
	}
}

static void grp_done(void *arg, int status, const cJSON *body, const char *err)
{
	authgrp *g = arg;
	tx *t = g->t;
	g->p->adm_calls--;
	if (!g->sent)
		grp_unlink(g);
	int mark = AUTH_UNVERIFIED;
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1];
	aiot_b64_encode(g->key.b, g->key.len, b64);
	if (status == 200 && body != NULL && inv_match_auth(g, body) == 0) {
		mark = -1; /* set per response */
		if (g->kind == GRP_TID)
			grp_learn_tid(g, body);
	} else if (status == 404) {
		mark = AUTH_FAIL; /* no such device: the identifier it presented is not ours */
	} else {
		t->nadm_errors++;
		log_warn("transaction %s: get-authentication for %s %s (%zu RAND_d): %s",
			 t->req->trans_id, g->kind == GRP_TID ? "T-ID" : "device", b64, g->n,
			 status == 200 ? "malformed answer"
				       : status == 0 ? (err ? err : "ADM unreachable") : "ADM error");
		if (status == 413)
			log_warn("transaction %s: the ADM refused the batch as too large (limits.*)",
				 t->req->trans_id);
	}
	for (dresp *d = g->resps, *n; d != NULL; d = n) {
		n = d->grp_next;
		d->grp_next = NULL;
		if (mark >= 0)
			d->auth = (uint8_t)mark;
		auth_result(d);
	}
	probe *p = g->p;
	free(g);
	waiting_run(p);
}

static authgrp *grp_new(tx *t, probe *p, grp_kind kind, const aiotf_id *key)
{
	authgrp *g = calloc(1, sizeof *g);
	int err = 0;
	if (g == NULL)
		return NULL;
	g->t = t;
	g->p = p;
	g->kind = kind;
	g->key = *key;
	amap_put(grp_open(t, kind), key->b, key->len, g, &err);
	if (err) {
		free(g);
		return NULL;
	}
	return g;
}

/* Steps 7-9: find or open the get-authentication request this response joins. */
static void auth_route(dresp *d)
{
	tx *t = d->t;
	aiotf *a = t->a;
	authgrp *g = NULL;
	grp_kind kind;
	const aiotf_id *key = NULL;

	if (d->id_type == AIOT_NAS_ID_NONE) {
		if (d->p->target < 0) { /* unnamed answer to a group paging: cannot be checked */
			d->auth = AUTH_FAIL;
			auth_result(d);
			return;
		}
		d->perm = t->targets[d->p->target].perm;
		d->has_perm = 1;
	} else if (d->id_type == AIOT_NAS_ID_PERM) {
		d->perm = d->id;
		d->has_perm = 1;
	} else {
		const aiotf_id *perm = amap_get(&a->tid_to_perm, d->id.b, 16);
		if (perm != NULL) {
			d->perm = *perm;
			d->has_perm = 1;
		}
	}
	kind = d->has_perm ? GRP_NAMED : GRP_TID;
	key = d->has_perm ? &d->perm : &d->id;
	g = amap_get(grp_open(t, kind), key->b, key->len);
	if (g != NULL && g->n >= AIOTF_NAMED_MAX_RAND_D)
		g = NULL;
	int fresh = g == NULL;
	if (fresh && d->p->adm_calls >= (size_t)a->cfg.paging_max_adm) {
		/* This paging's ADM budget is spent: d waits for one of its requests to end. */
		probe *p = d->p;
		if (p->waiting_tail != NULL)
			p->waiting_tail->grp_next = d;
		else
			p->waiting = d;
		p->waiting_tail = d;
		tx_hold(t); /* until waiting_run */
		atomic_fetch_add(&a->st.d2r_deferred, 1);
		return;
	}
	if (fresh && (g = grp_new(t, d->p, kind, key)) == NULL) {
		d->auth = AUTH_UNVERIFIED;
		auth_result(d);
		return;
	}
	d->grp_next = g->resps;
	g->resps = d;
	g->n++;
	if (fresh) {
		g->p->adm_calls++;
		int rc = tx_adm(a, t, "POST", "/nadm-sec/v1/get-authentication", NULL, 0, grp_build,
				grp_done, free, g);
		if (rc != 0) {
			g->p->adm_calls--;
			grp_unlink(g);
			free(g);
			d->grp_next = NULL;
			d->auth = AUTH_UNVERIFIED;
			if (rc == -2)
				atomic_fetch_add(&a->st.d2r_adm_queue, 1);
			auth_result(d);
		}
	}
}

/* Step 6: the D2R NAS PDUs of one Inventory Report. */
void inv_on_report(aiotf *a, probe *p, const ngap_msg *m)
{
	tx *t = p->t;
	ng_probe_acked(p);
	probe_arm(a, p); /* the reader is making progress: the timeout counts silence */
	for (uint32_t r = 0; r < m->u.report.nreaders; r++) {
		const ngap_reader_report *rr = &m->u.report.readers[r];
		for (uint32_t k = 0; k < rr->ndevices; k++) {
			const ngap_device_report *dv = &rr->devices[k];
			aiot_nas_inventory_response ir;
			atomic_fetch_add(&a->st.d2r_received, 1);
			if (aiot_nas_decode_inventory_response(dv->nas_pdu, dv->nas_len, &ir) != 0) {
				t->nundecodable++;
				atomic_fetch_add(&a->st.undecodable, 1);
				continue;
			}
			/* NOTE 2 (our extension, docs/protocol.md §3.2): an answer to a paging
			 * we did not send costs no ADM call. */
			if (!aiot_nas_inv_answers(dv->nas_pdu, dv->nas_len, t->rand_n)) {
				atomic_fetch_add(&a->st.foreign_rand, 1);
				continue;
			}
			if (p->d2r >= (size_t)a->cfg.paging_max_d2r) {
				/* This reader's budget in this transaction is spent: the rest is
				 * neither kept nor checked. (Undecodable and foreign answers are
				 * dropped before: they cost no memory and no ADM call.) */
				t->nunverified++;
				atomic_fetch_add(&a->st.d2r_budget, 1);
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
			auth_route(d);
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
	aiotf *a = t->a;
	for (probe *p = t->probes; p != NULL; p = p->tx_next)
		ng_probe_release(a, p); /* command procedure done (TS 23.369 6.2.3 step 11) */
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
		atomic_fetch_add(&a->st.tx_failed[t->req->type], 1);
	double ms = (double)(a->io->now_us(a) - t->t0_us) / 1000.0;
	const char *why = t->halted ? " (the AIOTF is stopping)" : "";
	if (t->req->type == TX_COMMAND)
		log_info("transaction %s %s: %zu responses, %zu authenticated, %zu rejected, "
			 "%zu unverified, %zu undecodable, commands %zu ok %zu failed, %.1f ms%s%s%s",
			 t->req->trans_id, kind_name(t), t->nresp, t->nauth, t->nrej,
			 t->nunverified, t->nundecodable, t->ncmd_ok, t->ncmd_fail, ms,
			 cause ? ", failCause " : "", cause ? cause : "", why);
	else
		log_info("transaction %s %s: %zu responses, %zu authenticated, %zu rejected, "
			 "%zu unverified, %zu undecodable, %zu devices reported, %.1f ms%s%s%s",
			 t->req->trans_id, kind_name(t), t->nresp, t->nauth, t->nrej,
			 t->nunverified, t->nundecodable, total, ms, cause ? ", failCause " : "",
			 cause ? cause : "", why);
}
