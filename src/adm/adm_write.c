/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Read-decide-write against the device store (store.h): a handler decides on what it read and
 * queues one write stating what it read (compare-and-set). When another write came first the
 * store changes nothing and the handler decides again on the new state, so concurrent calls
 * never lose an update (two get-tid rotating one device, two PATCHes of one profile).
 * The answer goes out only once the write committed: what the ADM acknowledged is durable.
 */
#include <stdlib.h>

#include "adm_internal.h"

#define CAS_TRIES 16 /* each retry means another write committed: progress is certain */

const aiot_backend *adm_cas_be(const adm_cas *c)
{
	if (c->req == NULL) /* a retry: on the store's writer thread */
		return c->a->be_store;
	int w = c->req->worker >= 0 ? c->req->worker % c->a->workers : 0;
	return c->a->be[w];
}

void adm_cas_defer(adm_cas *c)
{
	if (c->p == NULL)
		c->p = sbi_defer(c->req);
}

int adm_cas_queued(adm_cas *c, int rc, sbi_response *resp)
{
	if (rc == AIOT_OK)
		return 0;
	sbi_json_wipe(c->reply);
	c->reply = NULL;
	sbi_problem(resp, 500, "SYSTEM_FAILURE", "the store cannot take the change");
	return 1;
}

static void finish(adm_cas *c, sbi_response *r)
{
	sbi_complete(c->p, r);
	sbi_json_wipe(c->reply);
	c->free(c);
}

void adm_cas_done(void *arg, int rc)
{
	adm_cas *c = arg;
	sbi_response r = {0};
	c->req = NULL; /* the request's fields are not ours to read from this thread */
	if (rc == AIOT_STORE_CHANGED && ++c->tries < CAS_TRIES) {
		sbi_json_wipe(c->reply);
		c->reply = NULL;
		if (c->decide(c, &r))
			finish(c, &r);
		return;
	}
	c->committed = rc == AIOT_OK;
	if (rc == AIOT_OK && c->reply != NULL) {
		adm_reply(&r, c->status, c->reply);
		c->reply = NULL;
	} else if (rc == AIOT_OK) {
		r.status = c->status;
	} else {
		sbi_problem(&r, 500, "SYSTEM_FAILURE", "the store could not persist the change%s",
		            rc == AIOT_STORE_CHANGED ? " (concurrent modifications)" : "");
	}
	finish(c, &r);
}

void adm_cas_run(adm_cas *c, const sbi_request *req, sbi_response *resp)
{
	sbi_response r = {0};
	c->req = req;
	if (!c->decide(c, &r))
		return; /* queued: adm_cas_done answers */
	if (c->p != NULL) {
		finish(c, &r);
		return;
	}
	*resp = r;
	sbi_json_wipe(c->reply);
	c->free(c);
}
