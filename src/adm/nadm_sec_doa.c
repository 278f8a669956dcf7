/* SPDX-License-Identifier: Apache-2.0 */
/*
 * get-doa-authentication: the ADM's part of device-originated access (docs/protocol.md, DO-A),
 * a local extension of Nadm_Sec (openapi/Nadm_Sec_DoA.yaml; TS 29.369 has no DO-A operation).
 * The AIOTF relays a device's Registration Request (its identifier and RAND_d); the ADM
 * answers RAND_n, the network's proof MAC_N and the XRES_D the device must return, each
 * bound to both nonces and to the identifier exactly as the device sent it.
 *
 * A RAND_d the device used in one of its last AIOT_DOA_WINDOW exchanges is refused (403): a
 * replayed Registration Request never gets a second MAC_N. The window lives in the store and
 * the RAND_d joins it by compare-and-set before the answer leaves (adm_write.c), so of two
 * concurrent requests with one RAND_d exactly one is answered 200, and a restart forgets
 * nothing acknowledged. K_AIOTF stays get-session-key's (nadm_sec.c), once the AIOTF has
 * checked RES_D: an unauthenticated request changes neither the device's session nor its
 * T-ID.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "adm_internal.h"
#include "crypto/aiot_fc.h"
#include "crypto/ct.h"
#include "crypto/kdf.h"

/* One get-doa-authentication. P2 of the derivations is the identifier as sent (id): the
 * 16-octet T-ID, or the permanent ID's octets. */
typedef struct doa_call {
	adm_cas c;
	uint8_t id[AIOT_PERM_ID_MAX], perm_id[AIOT_PERM_ID_MAX], rand_d[AIOT_RAND_LEN];
	size_t idlen, perm_len; /* perm_len: 0 until the device was found */
	int by_tid;
} doa_call;

static void doa_free(adm_cas *c)
{
	doa_call *d = (doa_call *)c;
	if (c->committed)
		atomic_fetch_add(&c->a->doa_results[ADM_DOA_ISSUED], 1);
	aiot_zeroize(d, sizeof *d);
	free(d);
}

/* The device the identifier names: by T-ID among current and previous ones (the first
 * time), then by the permanent ID found (a rotation meanwhile does not lose it). */
static int doa_device(doa_call *d, aiot_dev_record *r, sbi_response *resp)
{
	adm *a = d->c.a;
	if (d->perm_len == 0 && d->by_tid) {
		int rc = aiot_store_get_by_tid(a->store, d->id, r);
		if (rc != AIOT_OK && adm_store_failed(a, resp, rc))
			return -1;
		if (rc != AIOT_OK) {
			atomic_fetch_add(&a->not_found, 1);
			atomic_fetch_add(&a->doa_results[ADM_DOA_UNKNOWN], 1);
			sbi_problem(resp, 404, NULL, "no AIoT device with this T-ID");
			return -1;
		}
	} else {
		const uint8_t *p = d->perm_len ? d->perm_id : d->id;
		size_t n = d->perm_len ? d->perm_len : d->idlen;
		int rc = aiot_store_get(a->store, p, n, r);
		if (rc != AIOT_OK) {
			atomic_fetch_add(&a->doa_results[ADM_DOA_UNKNOWN], 1);
			adm_lookup_failed(a, resp, rc, p, n);
			return -1;
		}
	}
	memcpy(d->perm_id, r->perm_id, r->perm_id_len);
	d->perm_len = r->perm_id_len;
	return 0;
}

/* The 200 answer for device r and a fresh RAND_n; NULL on failure (*rc: the derivation's
 * error, or AIOT_OK when memory or randomness failed). */
static cJSON *doa_reply(doa_call *d, const aiot_dev_record *r, int *rc)
{
	uint8_t rand_n[AIOT_RAND_LEN], mac_n[AIOT_MACN_LEN], xres_d[16];
	const aiot_backend *be = adm_cas_be(&d->c);
	cJSON *j = NULL;
	*rc = AIOT_OK;
	if (getrandom(rand_n, sizeof rand_n, 0) != (ssize_t)sizeof rand_n ||
	    (*rc = aiot_derive_macn(be, r->suite, r->key, r->key_len, rand_n, d->rand_d, d->id,
	                            d->idlen, mac_n)) != 0 ||
	    (*rc = aiot_derive_resd(be, r->suite, r->key, r->key_len, rand_n, d->rand_d, d->id,
	                            d->idlen, r->res_bits, xres_d)) != 0)
		goto out;
	j = cJSON_CreateObject();
	if (sbi_json_put(j, "aiotDevPermId", sbi_json_b64_item(r->perm_id, r->perm_id_len)) != 0 ||
	    sbi_json_put(j, "randN", sbi_json_hex_item(rand_n, sizeof rand_n)) != 0 ||
	    sbi_json_put(j, "macN", sbi_json_hex_item(mac_n, sizeof mac_n)) != 0 ||
	    sbi_json_put(j, "xresD", sbi_json_hex_item(xres_d, r->res_bits / 8u)) != 0) {
		sbi_json_wipe(j);
		j = NULL;
	}
out:
	aiot_zeroize(xres_d, sizeof xres_d);
	aiot_zeroize(mac_n, sizeof mac_n);
	return j;
}

static int doa_decide(adm_cas *c, sbi_response *resp)
{
	doa_call *d = (doa_call *)c;
	aiot_dev_record r;
	int answered = 1;

	if (doa_device(d, &r, resp) != 0)
		goto out;
	if (aiot_store_doa_seen(&r, d->rand_d)) {
		atomic_fetch_add(&c->a->doa_results[ADM_DOA_RAND_REUSED], 1);
		sbi_problem(resp, 403, "AUTHENTICATION_REJECTED",
		            "randD was used in one of the device's last %d DO-A exchanges",
		            AIOT_DOA_WINDOW);
		goto out;
	}
	c->status = 200;
	int rc;
	if ((c->reply = doa_reply(d, &r, &rc)) == NULL) {
		if (rc != AIOT_OK)
			adm_key_failed(resp, r.perm_id, r.perm_id_len, rc, "MAC_N / XRES_D");
		else
			sbi_problem(resp, 500, "SYSTEM_FAILURE",
			            "MAC_N / XRES_D derivation failed");
		goto out;
	}
	/* The answer leaves once RAND_d is durably in the window, and only if no other
	 * exchange put it there first (then: decide again, and refuse). */
	adm_cas_defer(c);
	answered = adm_cas_queued(c,
	                          aiot_store_add_doa_rand(c->a->store, d->perm_id, d->perm_len,
	                                                  d->rand_d, adm_cas_done, c),
	                          resp);
out:
	aiot_zeroize(&r, sizeof r);
	return answered;
}

/* The request: exactly one of tid and aiotDevPermId, and randD. 0, or -1 after answering. */
static int doa_parse(adm *a, const sbi_request *req, doa_call *d, sbi_response *resp)
{
	sbi_err e = {0};
	uint8_t tid[16], perm[AIOT_PERM_ID_MAX];
	size_t plen = 0;
	cJSON *j = sbi_json_parse_object(req->body, req->body_len, &e);
	int ht = j ? sbi_json_hex(j, "tid", 0, tid, sizeof tid, &e) : -1;
	int hp = ht < 0 ? -1 : sbi_json_b64(j, "aiotDevPermId", 0, perm, sizeof perm, &plen, &e);
	int rc = -1;
	if (hp < 0 || sbi_json_hex(j, "randD", 1, d->rand_d, sizeof d->rand_d, &e) < 0) {
		adm_reject(a, resp, &e);
		goto out;
	}
	if (ht + hp != 1) {
		atomic_fetch_add(&a->rejected, 1);
		sbi_problem(resp, 400, ht ? "OPTIONAL_IE_INCORRECT" : "MANDATORY_IE_MISSING",
		            "exactly one of tid and aiotDevPermId is required");
		goto out;
	}
	d->by_tid = ht == 1;
	d->idlen = d->by_tid ? sizeof tid : plen;
	memcpy(d->id, d->by_tid ? tid : perm, d->idlen);
	rc = 0;
out:
	cJSON_Delete(j);
	return rc;
}

void nadm_sec_get_doa_authentication(adm *a, const sbi_request *req, sbi_response *resp)
{
	doa_call *d = calloc(1, sizeof *d);

	atomic_fetch_add(&a->doa_requests, 1);
	if (d == NULL) {
		sbi_problem(resp, 500, "SYSTEM_FAILURE", "out of memory");
		return;
	}
	if (doa_parse(a, req, d, resp) != 0) {
		aiot_zeroize(d, sizeof *d);
		free(d);
		return;
	}
	d->c = (adm_cas){.a = a, .decide = doa_decide, .free = doa_free};
	adm_cas_run(&d->c, req, resp);
}
