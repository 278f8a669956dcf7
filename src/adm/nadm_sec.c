/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Nadm_Sec (TS 29.369, API nadm-sec/v1 1.0.1): the ADM side of TS 33.369 5.2.2.
 *   get-rand            step 1: a fresh RAND_AIOT_n from the OS CSPRNG
 *   get-authentication  steps 7-9: XRES_AIOT per (RAND_AIOT_d, candidate device); a T-ID
 *                       (vendor extension) resolves to its one device
 *   get-session-key     step 11: K_AIOTF
 *   get-tid             identifier privacy: the device's T-ID, issued and rotated
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "adm_internal.h"
#include "crypto/aiot_fc.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"
#include "common/base64.h"
#include "common/hex.h"
#include "common/vendor_ext.h"

static const aiot_backend *worker_be(adm *a, const sbi_request *req)
{
	adm_cas c = {.a = a, .req = req};
	return adm_cas_be(&c);
}

void nadm_sec_get_rand(adm *a, const sbi_request *req, sbi_response *resp)
{
	uint8_t rand_n[AIOT_RAND_LEN];
	(void)req;
	if (getrandom(rand_n, sizeof rand_n, 0) != (ssize_t)sizeof rand_n) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "no randomness available");
		return;
	}
	cJSON *j = cJSON_CreateObject();
	if (sbi_json_put(j, "randN", sbi_json_hex_item(rand_n, sizeof rand_n)) != 0) {
		cJSON_Delete(j);
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	atomic_fetch_add(&a->rand_issued, 1);
	adm_reply(resp, 200, j);
}

/* Candidate devices for one get-authentication, copied out of the store (keys included:
 * zeroised by cands_free). */
typedef struct cands {
	aiot_dev_record *r;
	size_t n, cap;
} cands;

static void cands_add(void *arg, const aiot_dev_record *rec)
{
	cands *c = arg;
	if (c->n < c->cap)
		c->r[c->n++] = *rec;
}

static void cands_free(cands *c)
{
	if (c->r != NULL)
		aiot_zeroize(c->r, c->cap * sizeof *c->r);
	free(c->r);
}

/* The vendor extension's T-ID (common/vendor_ext.h): 1 with tid filled, 0 when absent, -1
 * after answering resp. */
static int vendor_tid(adm *a, const cJSON *j, uint8_t tid[16], sbi_response *resp)
{
	sbi_err e = {0};
	const cJSON *ext = cJSON_GetObjectItemCaseSensitive(j, AIOT_VENDOR_EXT);
	if (ext == NULL)
		return 0;
	if (!cJSON_IsObject(ext)) {
		atomic_fetch_add(&a->rejected, 1);
		sbi_problem(resp, 400, "OPTIONAL_IE_INCORRECT", "%s is not an object",
		            AIOT_VENDOR_EXT);
		return -1;
	}
	int h = sbi_json_hex(ext, AIOT_VENDOR_TID, 0, tid, 16, &e);
	if (h < 0)
		adm_reject(a, resp, &e);
	return h;
}

/* The one device whose current or previous T-ID is tid, within the filtering information
 * if any: a T-ID costs one XRES per RAND_d, never a scan. Unknown: 404, like an unknown
 * aiotDevPermId (TS 29.369 allows 404 here). 0, or -1 after answering resp. */
static int find_by_tid(adm *a, const uint8_t tid[16], const uint8_t *filt, size_t flen,
                       sbi_response *resp, cands *c)
{
	c->cap = 1;
	if ((c->r = calloc(1, sizeof *c->r)) == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return -1;
	}
	if (aiot_store_get_by_tid(a->store, tid, &c->r[0]) != 0 ||
	    (filt != NULL &&
	     (c->r[0].perm_id_len < flen || memcmp(c->r[0].perm_id, filt, flen) != 0))) {
		atomic_fetch_add(&a->not_found, 1);
		atomic_fetch_add(&a->auth_by_tid[1], 1);
		sbi_problem(resp, 404, NULL, "no AIoT device with this T-ID%s",
		            filt != NULL ? " within filteringInfo" : "");
		return -1;
	}
	atomic_fetch_add(&a->auth_by_tid[0], 1);
	c->n = 1;
	return 0;
}

/* Step 7-8: the devices whose XRES the AIOTF needs: the one named by aiotDevPermId, or the
 * one holding the T-ID of the vendor extension, or all matching filteringInfo (a prefix of
 * the permanent ID), or all devices when none is given (NGAP allDevices). Returns 0, or -1
 * after answering resp. */
static int find_candidates(adm *a, const cJSON *j, sbi_response *resp, cands *c, int *named,
                           uint8_t tid[16], int *has_tid)
{
	uint8_t id[AIOT_PERM_ID_MAX], filt[AIOT_PERM_ID_MAX];
	size_t idlen = 0, flen = 0;
	sbi_err e = {0};
	int hid = sbi_json_b64(j, "aiotDevPermId", 0, id, sizeof id, &idlen, &e);
	int hf = hid < 0 ? 0 : sbi_json_b64(j, "filteringInfo", 0, filt, sizeof filt, &flen, &e);
	if (hid < 0 || hf < 0) {
		adm_reject(a, resp, &e);
		return -1;
	}
	*named = hid == 1;
	if ((*has_tid = vendor_tid(a, j, tid, resp)) < 0)
		return -1;
	if (*has_tid && hid == 1) {
		atomic_fetch_add(&a->rejected, 1);
		sbi_problem(resp, 400, "OPTIONAL_IE_INCORRECT",
		            "aiotDevPermId and a T-ID in %s are exclusive", AIOT_VENDOR_EXT);
		return -1;
	}
	if (*has_tid)
		return find_by_tid(a, tid, hf == 1 ? filt : NULL, flen, resp, c);
	if (hid == 1) {
		c->cap = 1;
		if ((c->r = calloc(1, sizeof *c->r)) == NULL)
			goto oom;
		/* The key, suite and resBits never change: the cache, on every backend. */
		if (aiot_store_get_key(a->store, id, idlen, &c->r[0]) != 0) {
			adm_not_found(a, resp, id, idlen);
			return -1;
		}
		c->n = 1;
		return 0;
	}
	size_t total = aiot_store_match_prefix(a->store, filt, 8 * flen, 0, NULL, NULL);
	if (total == 0) {
		atomic_fetch_add(&a->not_found, 1);
		sbi_problem(resp, 404, NULL, "no AIoT device matches %s",
		            hf == 1 ? "filteringInfo" : "(no device provisioned)");
		return -1;
	}
	if (total > a->lim.max_candidates) {
		atomic_fetch_add(&a->rejected, 1);
		sbi_problem(resp, 413, NULL, "%s matches %zu devices; at most %zu per request",
		            hf == 1 ? "filteringInfo" : "a request without identifier", total,
		            a->lim.max_candidates);
		return -1;
	}
	c->cap = total;
	if ((c->r = calloc(total, sizeof *c->r)) == NULL)
		goto oom;
	aiot_store_match_prefix(a->store, filt, 8 * flen, total, cands_add, c);
	return 0;
oom:
	sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
	return -1;
}

/* GetAuthenticationResponse {"authDataSets":[{"randD":..,"authDataSet":[{"xres":..,
 * "aiotDevPermId":..}]}]} for every (randD, candidate); NULL on failure. */
static char *auth_response(const aiot_backend *be, const uint8_t rand_n[16],
                           const uint8_t (*rand_d)[AIOT_RAND_LEN], size_t nd, const cands *c,
                           int with_id, const uint8_t *tid)
{
	static const char ext[] = ",\"" AIOT_VENDOR_EXT "\":{\"" AIOT_VENDOR_TID "\":\"";
	static const char head[] = "{\"authDataSets\":[", set1[] = "{\"randD\":\"",
	                  set2[] = "\",\"authDataSet\":[", ad1[] = "{\"xres\":\"",
	                  ad2[] = "\",\"aiotDevPermId\":\"";
	size_t per_ad = sizeof ad1 + 32 + sizeof ad2 + AIOT_B64_LEN(AIOT_PERM_ID_MAX) + 8;
	size_t cap = sizeof head + nd * (sizeof set1 + 32 + sizeof set2 + 8 + c->n * per_ad) +
	             sizeof ext + 32 + 8;
	char *out = malloc(cap), *p = out;
	/* Each candidate's key is prepared once (HMAC states) and used for every randD. */
	aiot_prf_key *pk = calloc(c->n, sizeof *pk);
	if (out == NULL || pk == NULL)
		goto fail;
	for (size_t k = 0; k < c->n; k++)
		if (aiot_prf_key_init(be, c->r[k].suite, c->r[k].key, c->r[k].key_len, &pk[k]) != 0)
			goto fail;
#define PUT(lit) (memcpy(p, lit, sizeof lit - 1), p += sizeof lit - 1)
	PUT(head);
	for (size_t i = 0; i < nd; i++) {
		if (i > 0)
			*p++ = ',';
		PUT(set1);
		aiot_hex_encode(rand_d[i], AIOT_RAND_LEN, p);
		p += 2 * AIOT_RAND_LEN;
		PUT(set2);
		for (size_t k = 0; k < c->n; k++) {
			const aiot_dev_record *r = &c->r[k];
			uint8_t xres[16];
			if (aiot_derive_res_k(be, &pk[k], rand_n, rand_d[i], r->res_bits, xres) !=
			    0)
				goto fail;
			if (k > 0)
				*p++ = ',';
			PUT(ad1);
			aiot_hex_encode(xres, r->res_bits / 8u, p);
			p += r->res_bits / 4u;
			if (with_id) { /* step 9: the permanent ID when the request did not name it
				        */
				PUT(ad2);
				aiot_b64_encode(r->perm_id, r->perm_id_len, p);
				p += strlen(p);
			}
			*p++ = '"';
			*p++ = '}';
		}
		*p++ = ']';
		*p++ = '}';
	}
	*p++ = ']';
	if (tid != NULL) { /* the T-ID resolved (common/vendor_ext.h) */
		PUT(ext);
		aiot_hex_encode(tid, 16, p);
		p += 32;
		*p++ = '"';
		*p++ = '}';
	}
	*p++ = '}';
	*p = '\0';
#undef PUT
	aiot_zeroize(pk, c->n * sizeof *pk);
	free(pk);
	return out;
fail:
	if (pk != NULL)
		aiot_zeroize(pk, c->n * sizeof *pk);
	free(pk);
	free(out);
	return NULL;
}

void nadm_sec_get_authentication(adm *a, const sbi_request *req, sbi_response *resp)
{
	sbi_err e = {0};
	uint8_t rand_n[AIOT_RAND_LEN], (*rand_d)[AIOT_RAND_LEN] = NULL, tid[16];
	const cJSON *list;
	size_t nd;
	cands c = {0};
	int named, has_tid;

	atomic_fetch_add(&a->auth_requests, 1);
	cJSON *j = sbi_json_parse_object(req->body, req->body_len, &e);
	if (j == NULL || sbi_json_hex(j, "randN", 1, rand_n, sizeof rand_n, &e) < 0 ||
	    sbi_json_array(j, "randDlist", 1, a->lim.max_rand_d, &list, &nd, &e) < 0) {
		adm_reject(a, resp, &e);
		goto out;
	}
	if ((rand_d = malloc(nd * sizeof *rand_d)) == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		goto out;
	}
	size_t i = 0;
	for (const cJSON *it = list->child; it != NULL; it = it->next, i++) {
		cJSON *wrap = cJSON_CreateObject(); /* reuse the one Rand validator */
		if (wrap == NULL ||
		    !cJSON_AddItemReferenceToObject(wrap, "randDlist[]", (cJSON *)it)) {
			cJSON_Delete(wrap);
			sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
			goto out;
		}
		int rc = sbi_json_hex(wrap, "randDlist[]", 1, rand_d[i], AIOT_RAND_LEN, &e);
		cJSON_Delete(wrap);
		if (rc < 0) {
			adm_reject(a, resp, &e);
			goto out;
		}
	}
	if (find_candidates(a, j, resp, &c, &named, tid, &has_tid) < 0)
		goto out;
	if (nd * c.n > a->lim.max_xres) {
		atomic_fetch_add(&a->rejected, 1);
		sbi_problem(resp, 413, NULL,
		            "%zu randD x %zu devices = %zu XRES; at most %zu per request", nd, c.n,
		            nd * c.n, a->lim.max_xres);
		goto out;
	}

	/* Step 8: XRES_AIOT with each device's own suite and RES length (Annex A.2), written
	 * straight into the response body: this is the ADM's hot path, and building it as a
	 * cJSON tree cost more than the cryptography (docs/benchmarks.md). */
	char *body =
	    auth_response(worker_be(a, req), rand_n, rand_d, nd, &c, !named, has_tid ? tid : NULL);
	if (body == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "XRES derivation failed");
		goto out;
	}
	atomic_fetch_add(&a->xres_computed, nd * c.n);
	sbi_json(resp, 200, body);
out:
	cands_free(&c);
	free(rand_d);
	cJSON_Delete(j);
}

/* One get-tid: the device, and the T-ID it meant to make current once it queued a write. */
typedef struct tid_call {
	adm_cas c;
	uint8_t id[AIOT_PERM_ID_MAX], meant[16];
	size_t idlen;
	int resync, has_meant;
} tid_call;

/* get-session-key's write: remember the session's RANDs (the next T-ID derives from them). */
typedef struct session_call {
	adm_cas c;
	uint8_t id[AIOT_PERM_ID_MAX], rand_n[16], rand_d[16];
	size_t idlen;
} session_call;

static int session_decide(adm_cas *c, sbi_response *resp)
{
	session_call *s = (session_call *)c;
	adm_cas_defer(c);
	return adm_cas_queued(c,
	                      aiot_store_set_session(c->a->store, s->id, s->idlen, s->rand_n,
	                                             s->rand_d, adm_cas_done, c),
	                      resp);
}

static void session_free(adm_cas *c)
{
	aiot_zeroize(c, sizeof(session_call));
	free(c);
}

static void tid_free(adm_cas *c)
{
	if (c->committed)
		atomic_fetch_add(&c->a->tid_rotations, 1);
	aiot_zeroize(c, sizeof(tid_call));
	free(c);
}

void nadm_sec_get_session_key(adm *a, const sbi_request *req, sbi_response *resp)
{
	sbi_err e = {0};
	uint8_t k_aiotf[16];
	aiot_dev_record r;
	session_call *s = calloc(1, sizeof *s);

	atomic_fetch_add(&a->session_keys, 1);
	if (s == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	cJSON *j = sbi_json_parse_object(req->body, req->body_len, &e);
	if (j == NULL ||
	    sbi_json_b64(j, "aiotDevPermId", 1, s->id, sizeof s->id, &s->idlen, &e) < 0 ||
	    sbi_json_hex(j, "randN", 1, s->rand_n, 16, &e) < 0 ||
	    sbi_json_hex(j, "randD", 1, s->rand_d, 16, &e) < 0) {
		adm_reject(a, resp, &e);
		goto fail;
	}
	if (aiot_store_get_key(a->store, s->id, s->idlen, &r) != 0) {
		adm_not_found(a, resp, s->id, s->idlen);
		goto fail;
	}
	/* Step 11, Annex A.3. */
	int rc = aiot_derive_kaiotf(worker_be(a, req), r.suite, r.key, r.key_len, s->rand_n,
	                            s->rand_d, k_aiotf);
	aiot_suite suite = r.suite;
	aiot_zeroize(&r, sizeof r);
	if (rc != 0) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "K_AIOTF derivation failed");
		goto fail;
	}
	cJSON_Delete(j);
	s->c = (adm_cas){.a = a, .status = 200, .decide = session_decide, .free = session_free};
	s->c.reply = cJSON_CreateObject();
	cJSON *kx = sbi_json_hex_item(k_aiotf, 16);
	aiot_zeroize(k_aiotf, sizeof k_aiotf);
	if (s->c.reply == NULL || kx == NULL || !cJSON_AddItemToObject(s->c.reply, "kAiotf", kx)) {
		sbi_json_wipe(kx); /* out of memory: K_AIOTF is not left in freed memory */
		kx = NULL;
	}
	/* The AIOTF derives K_AIOT_int/enc with the device's own suite; the schema has no member
	 * for it, so it travels in the vendor extension (common/vendor_ext.h). */
	cJSON *ext = kx ? cJSON_AddObjectToObject(s->c.reply, AIOT_VENDOR_EXT) : NULL;
	if (ext == NULL ||
	    cJSON_AddStringToObject(ext, AIOT_VENDOR_SUITE, aiot_suite_name(suite)) == NULL) {
		sbi_json_wipe(s->c.reply);
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		session_free(&s->c);
		return;
	}
	/* Answer once the RANDs are durable, so a T-ID the device may derive is never unknown
	 * after a restart. */
	adm_cas_run(&s->c, req, resp);
	return;
fail:
	cJSON_Delete(j);
	free(s);
}

/* GetTidResponse; NULL when out of memory. */
static cJSON *tid_reply(const aiot_dev_record *r, const uint8_t tid[16], const uint8_t *prev)
{
	cJSON *j = cJSON_CreateObject();
	cJSON *hi = cJSON_AddObjectToObject(j, "tidHandInfo");
	if (hi == NULL ||
	    cJSON_AddStringToObject(hi, "tidType",
	                            r->tid_type == AIOT_TID_CONCEALED ? "CONCEALED" : "STORED") ==
	        NULL ||
	    sbi_json_put(j, "tid", sbi_json_hex_item(tid, 16)) != 0 ||
	    (prev != NULL && sbi_json_put(j, "tidPrevious", sbi_json_hex_item(prev, 16)) != 0)) {
		cJSON_Delete(j);
		return NULL;
	}
	return j;
}

/* The device's T-IDs as they are: current and previous. */
static int tid_as_is(sbi_response *resp, const aiot_dev_record *r)
{
	adm_reply(resp, 200, tid_reply(r, r->tid, r->has_tid_prev ? r->tid_prev : NULL));
	return 1;
}

/* The T-ID this call makes current into next; 1 after answering resp instead. r is committed
 * state (the store publishes a write only once durable), and a write queued but not yet
 * committed is caught by the compare-and-set: the idempotency checks below hold whatever the
 * timing of the writer thread, and after AIOT_STORE_CHANGED they run on the write that won. */
static int tid_next(tid_call *t, const aiot_dev_record *r, uint8_t next[16], sbi_response *resp)
{
	if (t->has_meant && r->has_tid && aiot_ct_eq(r->tid, t->meant, 16))
		return tid_as_is(resp, r); /* a concurrent call made this very change first */
	if (t->resync) {
		if (r->has_tid_prev) {
			memcpy(next, r->tid_prev, 16);
			return 0;
		}
		if (r->has_tid)
			return tid_as_is(resp, r);
		sbi_problem(resp, 404, NULL, "the device has no T-ID");
		return 1;
	}
	if (!r->has_session) {
		if (r->has_tid)
			return tid_as_is(resp, r);
		sbi_problem(resp, 404, NULL,
		            "the device has no T-ID and no session to derive one from");
		return 1;
	}
	if (aiot_derive_tid(adm_cas_be(&t->c), r->suite, r->key, r->key_len, r->rand_n, r->rand_d,
	                    next) != 0) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "T-ID derivation failed");
		return 1;
	}
	if (r->has_tid && aiot_ct_eq(next, r->tid, 16)) /* already rotated */
		return tid_as_is(resp, r);
	return 0;
}

static int tid_decide(adm_cas *c, sbi_response *resp)
{
	tid_call *t = (tid_call *)c;
	uint8_t next[16];
	aiot_dev_record r;
	int answered = 1;

	if (aiot_store_get(c->a->store, t->id, t->idlen, &r) != 0) {
		adm_not_found(c->a, resp, t->id, t->idlen);
		return 1;
	}
	if (tid_next(t, &r, next, resp))
		goto out;
	/* Written only if the device still has the T-ID (and session) decided on. */
	aiot_tid_expect ex = {r.has_tid ? r.tid : NULL, t->resync ? NULL : r.rand_n,
	                      t->resync ? NULL : r.rand_d};
	c->status = 200;
	c->reply = tid_reply(&r, next, r.has_tid ? r.tid : NULL);
	if (c->reply == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		goto out;
	}
	memcpy(t->meant, next, 16);
	t->has_meant = 1;
	adm_cas_defer(c);
	answered = adm_cas_queued(c,
	                          aiot_store_set_tid(c->a->store, t->id, t->idlen, &ex, next,
	                                             r.tid_type, adm_cas_done, c),
	                          resp);
out:
	aiot_zeroize(&r, sizeof r);
	aiot_zeroize(next, sizeof next);
	return answered;
}

/*
 * get-tid. The next T-ID is derived (FC AIOT_FC_TID) from K_AIOT_root and the RANDs of the
 * device's last session, exactly as the device derives it when it executes a TID_UPDATE
 * command in that session; the ADM keeps current and previous so the device is found by
 * either while the update is in flight.
 *   resyncInd absent/false: rotate to the derived T-ID (idempotent for one session).
 *   resyncInd true: the device still uses the previous T-ID (it missed the update): make
 *   it current again.
 * Concurrent calls for one device: the store's compare-and-set lets one rotate; the others
 * see the rotation done and answer it, so previous is never lost.
 */
void nadm_sec_get_tid(adm *a, const sbi_request *req, sbi_response *resp)
{
	sbi_err e = {0};
	tid_call *t = calloc(1, sizeof *t);

	atomic_fetch_add(&a->tid_requests, 1);
	if (t == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	cJSON *j = sbi_json_parse_object(req->body, req->body_len, &e);
	if (j == NULL ||
	    sbi_json_b64(j, "aiotDevPermId", 1, t->id, sizeof t->id, &t->idlen, &e) < 0 ||
	    sbi_json_bool(j, "resyncInd", 0, &t->resync, &e) < 0) {
		adm_reject(a, resp, &e);
		cJSON_Delete(j);
		free(t);
		return;
	}
	cJSON_Delete(j);
	t->c = (adm_cas){.a = a, .decide = tid_decide, .free = tid_free};
	adm_cas_run(&t->c, req, resp);
}
