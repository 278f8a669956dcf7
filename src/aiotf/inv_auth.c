/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Device authentication in the inventory procedure (TS 33.369 5.2.2 steps 7-10), for the
 * D2Rs inventory.c took from Inventory Reports: every RAND_AIOT_d presented under one
 * identifier shares a get-authentication request (authgrp); a T-ID the AIOTF cannot
 * resolve goes to the ADM, which resolves it (vendor extension, common/vendor_ext.h). Each
 * paging has a budget of ADM requests: past it, D2Rs wait for one of its requests to end.
 * A group belongs to its ADM request (tx_adm) until the answer; a waiting D2R holds the
 * transaction until it is routed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nas.h"
#include "proc.h"
#include "sbi/sbi_json.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/vendor_ext.h"
#include "crypto/ct.h"
#include "svc/log.h"

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
	aiotf_proc *pc = t->pc;
	if (t->finished)
		return; /* halted: the AF has had its last notification */
	if (d->auth == AUTH_OK && d->p->target >= 0) {
		const aiotf_id *want = &t->targets[d->p->target].perm;
		if (want->len != d->perm.len || memcmp(want->b, d->perm.b, want->len) != 0)
			d->auth = AUTH_FAIL; /* authentic, but not the device that was paged */
	}
	if (d->auth == AUTH_OK) {
		t->nauth++;
		atomic_fetch_add(&pc->st->devices_authenticated, 1);
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
			inv_tid_confirm(pc, d);
		if (t->req->type == TX_INVENTORY)
			tx_add_report(t, aiotf_dev_item(&d->perm, NULL, 0, NULL));
		else
			cmd_start(d);
	} else if (d->auth == AUTH_FAIL) {
		t->nrej++;
		atomic_fetch_add(&pc->st->auth_failures, 1);
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
			int h = sbi_json_b64(ad, "aiotDevPermId", g->kind != GRP_NAMED, pid,
			                     sizeof pid, &plen, &e);
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
					sbi_json_b64(ad, "aiotDevPermId", 1, pid, sizeof pid, &plen,
					             &e);
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
			aiotf_learn_tid(g->t->pc, g->key.b, &d->perm);
}

/* A request of p ended: the D2Rs waiting for p's ADM budget go on while it allows. */
static void waiting_run(probe *p)
{
	tx *t = p->t;
	while (p->waiting != NULL && p->adm_calls < (size_t)t->pc->cfg->paging_max_adm) {
		dresp *d = p->waiting;
		if ((p->waiting = d->grp_next) == NULL)
			p->waiting_tail = NULL;
		d->grp_next = NULL;
		if (!t->finished) /* halted: nothing more is asked */
			inv_auth_route(d);
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
		         : status == 0 ? (err ? err : "ADM unreachable")
		                       : "ADM error");
		if (status == 413)
			log_warn(
			    "transaction %s: the ADM refused the batch as too large (limits.*)",
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
void inv_auth_route(dresp *d)
{
	tx *t = d->t;
	aiotf_proc *pc = t->pc;
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
		const aiotf_id *perm = amap_get(&pc->tid_to_perm, d->id.b, 16);
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
	if (fresh && d->p->adm_calls >= (size_t)pc->cfg->paging_max_adm) {
		/* This paging's ADM budget is spent: d waits for one of its requests to end. */
		probe *p = d->p;
		if (p->waiting_tail != NULL)
			p->waiting_tail->grp_next = d;
		else
			p->waiting = d;
		p->waiting_tail = d;
		tx_hold(t); /* until waiting_run */
		atomic_fetch_add(&pc->st->d2r_deferred, 1);
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
		int rc = tx_adm(pc, t, "POST", "/nadm-sec/v1/get-authentication", NULL, 0,
		                grp_build, grp_done, free, g);
		if (rc != 0) {
			g->p->adm_calls--;
			grp_unlink(g);
			free(g);
			d->grp_next = NULL;
			d->auth = AUTH_UNVERIFIED;
			if (rc == -2)
				atomic_fetch_add(&pc->st->d2r_adm_queue, 1);
			auth_result(d);
		}
	}
}
