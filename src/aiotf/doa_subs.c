/* SPDX-License-Identifier: Apache-2.0 */
/*
 * DO-A subscriptions (openapi/Naiotf_DoA.yaml): the resources an AF creates with POST
 * /naiotf-aiot/v1/doa-subscriptions, reads with GET and ends with DELETE, and the delivery of
 * DO-A registrations and uplink data to them as AIoTNotif bodies (TS 29.569 6.1.6.2.x reused:
 * transId = subscriptionId, one DevicesRepInfo per registration or data block).
 *
 * Who owns what: this file owns every subscription and its aiotf_req (kept whole: afId,
 * notifUri, the notification destination it holds, the filter, regInd) from the 201 to the
 * DELETE or the AIOTF's end, all in the loop thread. The request checks are naiotf.c's, the
 * authorization afauth.c's (allowedServiceOperations "DOA"; a filter within
 * allowedTargetAiotDevices, so that what passes the filter is what the AF may see), the
 * sending notify.c's (destination bounds, queue bounds, in order per destination).
 * Bounds: doa.max-subscriptions in all and doa.max-subscriptions-per-af, over them 503
 * NF_CONGESTION (docs/security.md "DO-A subscriptions").
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <event2/event.h>

#include "aiotf_internal.h"
#include "common/hex.h"
#include "doa_subs.h"
#include "svc/log.h"

typedef struct doa_sub {
	aiotf_req *r; /* r->trans_id is the subscriptionId */
	char location[sizeof "/naiotf-aiot/v1/" DOA_SUBS_PATH "/" +
	              sizeof((aiotf_req *)0)->trans_id];
	cJSON *items; /* DevicesRepInfo waiting for the batch to be sent */
	size_t nitems;
	struct doa_sub *next;
} doa_sub;

struct doa_subs {
	doa_sub *head;
	size_t n;
	struct event *flush; /* DOA_BATCH_MS after the first item of a batch */
};

int doa_sub_new_id(aiotf_req *r)
{
	uint8_t rnd[DOA_SUB_ID_LEN / 2];
	if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
		return -1;
	aiot_hex_encode(rnd, sizeof rnd, r->trans_id);
	return 0;
}

/* SBI thread. */
void doa_subs_handle_id(aiotf *a, const sbi_request *req, const char *id, sbi_response *resp)
{
	int get = strcmp(req->method, "GET") == 0;
	if (!get && strcmp(req->method, "DELETE") != 0) {
		sbi_problem(resp, 405, NULL, "%s accepts GET and DELETE only", req->path);
		resp->extra[resp->nextra++] = (sbi_header){"allow", "GET, DELETE"};
		return;
	}
	aiotf_req *r = strlen(id) == DOA_SUB_ID_LEN ? calloc(1, sizeof *r) : NULL;
	if (r == NULL) { /* not an identifier this AIOTF gives, or out of memory */
		sbi_problem(resp, 404, "SUBSCRIPTION_NOT_FOUND", "no such DO-A subscription");
		return;
	}
	r->type = get ? TX_DOA_GET : TX_DOA_DEL;
	memcpy(r->trans_id, id, DOA_SUB_ID_LEN);
	atomic_fetch_add(&a->st.active_tx, 1);
	aiotf_enqueue(a, req, r, resp);
}

static int id_order(const void *x, const void *y)
{
	const aiotf_id *a = x, *b = y;
	if (a->len != b->len)
		return a->len - b->len;
	return memcmp(a->b, b->b, a->len);
}

/* The subscription's filter: targetDevices (devices, sorted at creation, or a filteringInfo
 * prefix); none selects every device (allowed only to an AF without
 * allowedTargetAiotDevices). */
static int selects(const aiotf_req *r, const aiotf_id *perm)
{
	if (r->kind == TGT_FILTER)
		return perm->len >= r->filt.len && memcmp(perm->b, r->filt.b, r->filt.len) == 0;
	if (r->kind == TGT_DEVICES)
		return bsearch(perm, r->devs, r->ndevs, sizeof *r->devs, id_order) != NULL;
	return 1;
}

static void sub_free(aiotf *a, doa_sub *s)
{
	notify_release(a, s->r->dest);
	aiotf_req_free(s->r);
	cJSON_Delete(s->items);
	free(s);
}

/* DoaSubscription as stored. */
static char *sub_json(const doa_sub *s)
{
	const aiotf_req *r = s->r;
	cJSON *o = cJSON_CreateObject(), *td = NULL, *arr = NULL;
	char *out = NULL;
	if (o == NULL || cJSON_AddStringToObject(o, "subscriptionId", r->trans_id) == NULL ||
	    cJSON_AddStringToObject(o, "afId", r->af_id) == NULL ||
	    cJSON_AddStringToObject(o, "notifUri", r->notif_uri) == NULL ||
	    (r->reg_ind && cJSON_AddTrueToObject(o, "regInd") == NULL))
		goto out;
	if (r->kind != TGT_AREA && sbi_json_put(o, "targetDevices", td = cJSON_CreateObject()))
		goto out;
	if (r->kind == TGT_FILTER &&
	    sbi_json_put(td, "filteringInfo", sbi_json_b64_item(r->filt.b, r->filt.len)))
		goto out;
	if (r->kind == TGT_DEVICES && sbi_json_put(td, "devices", arr = cJSON_CreateArray()))
		goto out;
	for (size_t i = 0; r->kind == TGT_DEVICES && i < r->ndevs; i++) {
		cJSON *it = sbi_json_b64_item(r->devs[i].b, r->devs[i].len);
		if (it == NULL || !cJSON_AddItemToArray(arr, it)) {
			cJSON_Delete(it);
			goto out;
		}
	}
	out = cJSON_PrintUnformatted(o);
out:
	cJSON_Delete(o);
	return out;
}

/* Answer r's request (the SBI thread counted it among the active requests). */
static void answer(aiotf *a, aiotf_req *r, sbi_response *resp)
{
	atomic_fetch_sub(&a->st.active_tx, 1);
	sbi_complete(r->pending, resp);
	r->pending = NULL;
}

static doa_subs *subs_of(aiotf *a)
{
	if (a->doa_subs == NULL)
		a->doa_subs = calloc(1, sizeof *a->doa_subs);
	return a->doa_subs;
}

void doa_subs_create(aiotf *a, aiotf_req *r)
{
	doa_subs *ss = subs_of(a);
	doa_sub *s = NULL;
	int mine = 0;
	char why[200], *body = NULL;
	if (ss == NULL)
		goto oom;
	for (const doa_sub *x = ss->head; x != NULL; x = x->next)
		mine += strcmp(x->r->af_id, r->af_id) == 0;
	if (ss->n >= (size_t)a->cfg.doa_max_subs)
		snprintf(why, sizeof why, "%d DO-A subscriptions exist (doa.max-subscriptions)",
		         a->cfg.doa_max_subs);
	else if (mine >= a->cfg.doa_max_subs_per_af)
		snprintf(why, sizeof why,
		         "this AF holds its %d DO-A subscriptions (doa.max-subscriptions-per-af)",
		         a->cfg.doa_max_subs_per_af);
	else
		why[0] = '\0';
	if (why[0] != '\0') {
		afauth_refuse(a, r, 503, "NF_CONGESTION", why);
		return;
	}
	if ((r->dest = notify_acquire(a, r, why, sizeof why)) == NULL) {
		afauth_refuse(a, r, 503, "NF_CONGESTION", why);
		return;
	}
	if ((s = calloc(1, sizeof *s)) == NULL)
		goto oom;
	s->r = r;
	snprintf(s->location, sizeof s->location, "/naiotf-aiot/v1/%s/%s", DOA_SUBS_PATH,
	         r->trans_id);
	if (r->kind == TGT_DEVICES)
		qsort(r->devs, r->ndevs, sizeof *r->devs, id_order);
	if ((body = sub_json(s)) == NULL)
		goto oom;
	s->next = ss->head;
	ss->head = s;
	ss->n++;
	atomic_store(&a->st.doa_subs, ss->n);
	/* Location is an absolute-path reference (RFC 9110 10.2.2): the AIOTF does not know
	 * the authority its AFs use. The string lives in s, which only a DELETE naming the id
	 * this answer carries can free: it outlives the answer. */
	sbi_response resp = {0};
	sbi_json(&resp, 201, body);
	resp.extra[resp.nextra++] = (sbi_header){"location", s->location};
	answer(a, r, &resp);
	return;
oom:
	free(s);
	notify_release(a, r->dest);
	r->dest = NULL;
	afauth_refuse(a, r, 500, "SYSTEM_FAILURE", "out of memory");
}

void doa_subs_op(aiotf *a, aiotf_req *r)
{
	doa_subs *ss = a->doa_subs;
	doa_sub **pp = ss ? &ss->head : NULL, *s = NULL;
	for (; pp != NULL && (s = *pp) != NULL; pp = &s->next)
		if (strcmp(s->r->trans_id, r->trans_id) == 0)
			break;
	if (s == NULL) {
		afauth_refuse(a, r, 404, "SUBSCRIPTION_NOT_FOUND", "no such DO-A subscription");
		return;
	}
	sbi_response resp = {0};
	if (r->type == TX_DOA_GET) {
		char *body = sub_json(s);
		if (body == NULL) {
			afauth_refuse(a, r, 500, "SYSTEM_FAILURE", "out of memory");
			return;
		}
		sbi_json(&resp, 200, body);
	} else { /* DELETE: nothing more is sent, the batch waiting included */
		*pp = s->next;
		ss->n--;
		atomic_store(&a->st.doa_subs, ss->n);
		sub_free(a, s);
		resp.status = 204;
	}
	answer(a, r, &resp);
	aiotf_req_free(r);
}

static void flush_one(aiotf *a, doa_sub *s)
{
	char *body = aiotf_notif_body(s->r->trans_id, s->items, 0, NULL);
	s->items = NULL; /* aiotf_notif_body took them */
	s->nitems = 0;
	if (body != NULL && a->proc.io->notify(a, s->r, body, 0) == 0)
		return;
	free(body);
	atomic_fetch_add(&a->st.notif_failed, 1);
	log_error("DO-A subscription %s: AIoTNotif: out of memory, not sent", s->r->trans_id);
}

static void flush_cb(evutil_socket_t fd, short what, void *arg)
{
	aiotf *a = arg;
	(void)fd;
	(void)what;
	for (doa_sub *s = a->doa_subs->head; s != NULL; s = s->next)
		if (s->nitems > 0)
			flush_one(a, s);
}

/* The batch timer, made on first use; sends at once when it cannot be armed. */
static void arm(aiotf *a, doa_sub *s)
{
	static const struct timeval tv = {0, DOA_BATCH_MS * 1000};
	doa_subs *ss = a->doa_subs;
	if (ss->flush == NULL)
		ss->flush = evtimer_new(a->base, flush_cb, a);
	if (ss->flush == NULL || (!evtimer_pending(ss->flush, NULL) && evtimer_add(ss->flush, &tv)))
		flush_one(a, s);
}

void doa_subs_deliver(aiotf *a, const aiotf_id *perm, const uint8_t *data, size_t len)
{
	if (a->doa_subs == NULL)
		return;
	for (doa_sub *s = a->doa_subs->head; s != NULL; s = s->next) {
		if ((data == NULL && !s->r->reg_ind) || !selects(s->r, perm))
			continue;
		cJSON *it = aiotf_dev_item(perm, data, len, NULL);
		if (it == NULL || (s->items == NULL && (s->items = cJSON_CreateArray()) == NULL) ||
		    !cJSON_AddItemToArray(s->items, it)) {
			cJSON_Delete(it);
			atomic_fetch_add(&a->st.notif_failed, 1);
			continue;
		}
		if (++s->nitems >= DOA_BATCH_ITEMS)
			flush_one(a, s);
		else
			arm(a, s);
	}
}

void doa_subs_free_all(aiotf *a)
{
	doa_subs *ss = a->doa_subs;
	if (ss == NULL)
		return;
	while (ss->head != NULL) {
		doa_sub *s = ss->head;
		ss->head = s->next;
		sub_free(a, s);
	}
	if (ss->flush != NULL)
		event_free(ss->flush);
	free(ss);
	a->doa_subs = NULL;
}
