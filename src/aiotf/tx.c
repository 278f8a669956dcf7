/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Transactions: the one owner of their lifetime (proc.h, "Lifetime"). A transaction holds
 * while any operation it waits for is outstanding; tx_release of the last hold arms its end,
 * tx_end runs it once (final AIoTNotif, then tx_free). Also the AIoTNotif bodies and the
 * DevicesRepInfo batches the procedures report through.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nas/nas.h"
#include "proc.h"
#include "sbi/sbi_json.h"
#include "svc/log.h"

static void tx_end(void *arg);

static tx *tx_new(aiotf_proc *pc, aiotf_req *req)
{
	tx *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->pc = pc;
	t->req = req;
	t->t0_us = pc->io->now_us(pc->owner);
	if ((t->fin = pc->io->timer_new(pc->owner, tx_end, t)) == NULL ||
	    amap_init(&t->open_named, 64) != 0 || amap_init(&t->open_tid, 64) != 0 ||
	    amap_init(&t->seen, 64) != 0 || amap_init(&t->cmds, 16) != 0) {
		pc->io->timer_free(t->fin);
		amap_clear(&t->open_named, NULL);
		amap_clear(&t->open_tid, NULL);
		amap_clear(&t->seen, NULL);
		free(t);
		return NULL;
	}
	t->next = pc->txs;
	if (pc->txs)
		pc->txs->prev = t;
	pc->txs = t;
	return t;
}

tx *tx_start(aiotf_proc *pc, aiotf_req *r)
{
	tx *t = tx_new(pc, r);
	if (t == NULL)
		log_error("transaction %s: out of memory", r->trans_id);
	else
		atomic_fetch_add(&pc->st->tx[r->type], 1);
	return t;
}

void tx_free(tx *t)
{
	aiotf_proc *pc = t->pc;
	if (t->prev)
		t->prev->next = t->next;
	else
		pc->txs = t->next;
	if (t->next)
		t->next->prev = t->prev;
	for (probe *p = t->probes, *n; p != NULL; p = n) {
		n = p->tx_next;
		ng_probe_detach(p);
		pc->io->timer_free(p->timer);
		free(p);
	}
	for (dresp *d = t->resps, *n; d != NULL; d = n) {
		n = d->next;
		cmd_free(pc, d->cmd);
		free(d);
	}
	/* Open groups are owned by their queued ADM request (freed when it completes). */
	amap_clear(&t->open_named, NULL);
	amap_clear(&t->open_tid, NULL);
	amap_clear(&t->seen, NULL);
	amap_clear(&t->cmds, NULL);
	cJSON_Delete(t->batch);
	pc->io->timer_free(t->fin);
	free(t->targets);
	pc->io->notify_release(pc->owner, t->req);
	aiotf_req_free(t->req);
	free(t);
	atomic_fetch_sub(&pc->st->active_tx, 1);
}

/* The end, once: nothing is outstanding (or tx_halt ended it already). */
static void tx_end(void *arg)
{
	tx *t = arg;
	if (t->finished || t->holds > 0)
		return;
	t->finished = 1;
	inv_finish(t);
	tx_free(t);
}

void tx_halt(tx *t)
{
	if (t->finished)
		return;
	t->finished = 1;
	t->halted = 1;
	t->abort_cause = "NO_SUCC_INV_RESP"; /* the network stopped, not the devices */
	inv_finish(t);                       /* releases the pagings, notifies, logs */
	for (probe *p = t->probes; p != NULL; p = p->tx_next) {
		t->pc->io->timer_cancel(p->timer);
		ng_probe_detach(p); /* later reports on it are unsolicited */
	}
}

void tx_check(tx *t)
{
	if (!t->finished)
		t->pc->io->timer_arm(t->fin, 0);
}

void tx_hold(tx *t)
{
	t->holds++;
}

void tx_release(tx *t)
{
	if (--t->holds == 0)
		tx_check(t);
}

/* One ADM request: the hold it keeps and where its answer goes. */
typedef struct tx_op {
	aiotf_proc *pc;
	tx *t;
	adm_build_fn build;
	adm_done_fn done;
	void (*drop)(void *arg);
	void *arg;
} tx_op;

static char *op_build(void *arg, size_t *len)
{
	tx_op *op = arg;
	return op->build(op->arg, len);
}

static void op_done(void *arg, int status, const cJSON *body, const char *err)
{
	tx_op *op = arg;
	tx *t = op->t;
	if (op->pc->stopping) { /* torn down: no procedure runs, tx_free follows */
		if (op->drop != NULL)
			op->drop(op->arg);
		free(op);
		return;
	}
	op->done(op->arg, status, body, err);
	free(op);
	if (t != NULL)
		tx_release(t);
}

int tx_adm(aiotf_proc *pc, tx *t, const char *method, const char *path, char *body, size_t len,
           adm_build_fn build, adm_done_fn done, void (*drop)(void *arg), void *arg)
{
	tx_op *op = malloc(sizeof *op);
	if (op == NULL) {
		free(body);
		return -1;
	}
	*op = (tx_op){pc, t, build, done, drop, arg};
	int rc = pc->io->adm_call(pc->owner, method, path, body, len, build ? op_build : NULL,
	                          op_done, op);
	if (rc != 0) {
		free(op);
		return rc;
	}
	if (t != NULL)
		tx_hold(t);
	return 0;
}

cJSON *aiotf_dev_item(const aiotf_id *perm, const uint8_t *read, size_t len, const char *fail)
{
	cJSON *it = cJSON_CreateObject();
	if (it == NULL || sbi_json_put(it, "deviceId", sbi_json_b64_item(perm->b, perm->len)) ||
	    (read != NULL && sbi_json_put(it, "readCmdRep", sbi_json_b64_item(read, len))) ||
	    (fail != NULL && cJSON_AddStringToObject(it, "failCause", fail) == NULL)) {
		cJSON_Delete(it);
		return NULL;
	}
	return it;
}

char *aiotf_notif_body(const char *trans_id, cJSON *items, int last, const char *fail_cause)
{
	cJSON *n = cJSON_CreateObject();
	char *body = NULL;
	int with_items = items != NULL;
	if (n == NULL || cJSON_AddStringToObject(n, "transId", trans_id) == NULL)
		goto out;
	if (items != NULL) {
		if (!cJSON_AddItemToObject(n, "devicesRepData", items))
			goto out;
		items = NULL; /* n owns it */
	}
	if (last && cJSON_AddTrueToObject(n, "lastRepInd") == NULL)
		goto out;
	if (fail_cause != NULL && !with_items &&
	    cJSON_AddStringToObject(n, "failCause", fail_cause) == NULL)
		goto out;
	body = cJSON_PrintUnformatted(n);
out:
	cJSON_Delete(items);
	cJSON_Delete(n);
	return body;
}

int tx_seen(tx *t, const aiotf_id *perm)
{
	int err;
	if (amap_get(&t->seen, perm->b, perm->len) != NULL)
		return 1;
	amap_put(&t->seen, perm->b, perm->len, t, &err);
	return err ? -1 : 0;
}

/* Send an AIoTNotif: items (may be NULL), lastRepInd, failCause (never with items). */
void tx_notify(tx *t, cJSON *items, int last, const char *fail_cause)
{
	char *body = aiotf_notif_body(t->req->trans_id, items, last, fail_cause);
	if (body != NULL && t->pc->io->notify(t->pc->owner, t->req, body, last) == 0)
		return;
	free(body);
	atomic_fetch_add(&t->pc->st->notif_failed, 1);
	log_error("transaction %s: AIoTNotif: out of memory, not sent", t->req->trans_id);
}

void tx_add_report(tx *t, cJSON *item)
{
	if (item == NULL) {
		t->nunverified++; /* its DevicesRepInfo could not be built (out of memory) */
		return;
	}
	if (t->finished) { /* halted: the last notification is gone */
		cJSON_Delete(item);
		return;
	}
	if ((t->batch == NULL && (t->batch = cJSON_CreateArray()) == NULL) ||
	    !cJSON_AddItemToArray(t->batch, item)) {
		cJSON_Delete(item);
		t->nunverified++; /* not reported: the last notification says so */
		return;
	}
	if (++t->nbatch >= AIOTF_NOTIF_BATCH) {
		t->nreported += t->nbatch;
		tx_notify(t, t->batch, 0, NULL);
		t->batch = NULL;
		t->nbatch = 0;
	}
}
