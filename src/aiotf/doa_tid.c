/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DO-A (doa.c): the T-ID step between K_AIOTF and M4 for a device with identifier privacy
 * (docs/protocol.md §3.10.7 "T-ID rotation"): get-tid before M4 carries TID_UPDATE, and a
 * device that missed its last M4 resynchronised first. Works on the context doa.c owns, through
 * doa_internal.h; ends in doa_registered (M4) in every case.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doa_internal.h"
#include "common/base64.h"
#include "sbi/sbi_json.h"
#include "svc/log.h"

/* The profile cache keeps the ADM's current T-ID of a device the AIOTF rotated, so that its
 * next registration tells whether it applied that rotation (rotate_tid). */
static void learn_current_tid(aiotf_proc *pc, const aiotf_id *perm, const uint8_t tid[16])
{
	profile_info *pi = amap_get(&pc->profiles, perm->b, perm->len);
	int err = 0;
	if (pi == NULL && (pi = calloc(1, sizeof *pi)) != NULL) {
		amap_put(&pc->profiles, perm->b, perm->len, pi, &err);
		if (err) {
			free(pi);
			pi = NULL;
		}
	}
	if (pi != NULL) {
		pi->has_tid = 1;
		memcpy(pi->tid, tid, 16);
	}
	aiotf_learn_tid(pc, tid, perm);
}

static void on_tid(doa_ctx *c, int status, const cJSON *body, const char *err)
{
	sbi_err e = {0};
	uint8_t tid[16];
	if (status == 200 && body != NULL && sbi_json_hex(body, "tid", 1, tid, 16, &e) == 1) {
		learn_current_tid(c->pc, &c->perm, tid);
		atomic_fetch_add(&c->pc->st->tid_updates, 1);
	} else {
		/* M4 without TID_UPDATE: the device keeps the T-ID the ADM keeps current. */
		c->tid_update = 0;
		log_warn("DO-A: get-tid: %s; Registration Accept without TID_UPDATE",
		         doa_adm_why(status, err));
	}
	doa_registered(c);
}

/* The ADM rotates first (get-tid derives the next T-ID from the session get-session-key just
 * recorded, this exchange's RANDs), then M4 carries TID_UPDATE: the device applies it on M4
 * with no answer to confirm it, and the ADM still finds it by its old T-ID, kept as the
 * previous one, if M4 is lost. */
static int get_tid(doa_ctx *c, int resync, doa_answer_fn fn)
{
	char b64[AIOT_B64_LEN(AIOT_NAS_MAX_ID_LEN) + 1], *body = NULL;
	aiot_b64_encode(c->perm.b, c->perm.len, b64);
	int n = asprintf(&body, "{\"aiotDevPermId\":\"%s\"%s}", b64,
	                 resync ? ",\"resyncInd\":true" : "");
	c->state = DS_TID;
	return doa_adm(c, "/nadm-sec/v1/get-tid", body, n, fn);
}

static void rotate_tid(doa_ctx *c)
{
	c->tid_update = 1;
	if (get_tid(c, 0, on_tid) != 0)
		on_tid(c, 0, NULL, "cannot queue get-tid");
}

static void on_resync(doa_ctx *c, int status, const cJSON *body, const char *err)
{
	sbi_err e = {0};
	uint8_t tid[16];
	if (status != 200 || body == NULL || sbi_json_hex(body, "tid", 1, tid, 16, &e) != 1) {
		/* rotating now could drop the T-ID the device holds */
		log_warn("DO-A: get-tid resync: %s; Registration Accept without TID_UPDATE",
		         doa_adm_why(status, err));
		doa_registered(c);
		return;
	}
	if (memcmp(tid, c->id.b, 16) != 0) {
		/* The device held the ADM's current T-ID after all (the cache was stale): the
		 * resync made it the previous one, where the ADM still finds it. No rotation. */
		learn_current_tid(c->pc, &c->perm, tid);
		doa_registered(c);
		return;
	}
	learn_current_tid(c->pc, &c->perm, tid);
	rotate_tid(c);
}

/* A device that names itself by a T-ID other than the ADM's current one (as the AIOTF last
 * saw it) missed the M4 of its last rotation: it holds the ADM's previous T-ID, which a
 * rotation would now drop. The ADM makes it current again (resyncInd) first, so that it stays
 * the previous one after this rotation, whatever becomes of this M4. */
void doa_tid_step(doa_ctx *c)
{
	const profile_info *pi = amap_get(&c->pc->profiles, c->perm.b, c->perm.len);
	if (c->id_type == AIOT_NAS_ID_TID && pi != NULL && pi->has_tid &&
	    memcmp(pi->tid, c->id.b, 16) != 0) {
		if (get_tid(c, 1, on_resync) != 0)
			on_resync(c, 0, NULL, "cannot queue get-tid");
		return;
	}
	rotate_tid(c);
}
