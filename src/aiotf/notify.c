/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AIoTNotif delivery (TS 29.569 AIoTOperationsNotif callback): POST to the AF's notifUri.
 * One HTTP/2 client (one connection) per destination authority, one notification in flight
 * per destination so that a transaction's reports arrive in order and lastRepInd comes
 * last. A failed POST is retried once, then dropped and counted.
 *
 * Bounds (docs/security.md "Notifications"): at most notify.max-destinations destinations,
 * hence connections, and notify.max-destinations-per-af created for one AF; a destination
 * is held by the transactions naming it, and an idle one no transaction holds is closed to
 * make room (least recently used first). Queued bodies are bounded per destination and in
 * total (bytes); over a bound a notification is dropped and counted, except a lastRepInd,
 * which first pushes out queued intermediate reports of its destination; over the total,
 * the longest queue pays.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiotf_internal.h"
#include "svc/log.h"

typedef struct notif_msg {
	char *path;
	char *body;
	size_t size;
	int attempts;
	int last;
	struct notif_msg *next;
} notif_msg;

struct notif_dest {
	aiotf *a;
	char key[400];
	char owner[256]; /* the afId it was created for (notify.max-destinations-per-af) */
	sbi_client *c;
	notif_msg *qhead, *qtail;
	size_t bytes;
	int busy;
	int refs;                                 /* transactions naming it */
	unsigned long long dropped, dropped_last; /* this episode (logged when it ends) */
	notif_dest *next;
};

static void msg_free(aiotf *a, notif_dest *d, notif_msg *m)
{
	d->bytes -= m->size;
	a->notif_bytes -= m->size;
	atomic_store(&a->st.notif_queued_bytes, a->notif_bytes);
	free(m->path);
	free(m->body);
	free(m);
}

static void pop(notif_dest *d)
{
	notif_msg *m = d->qhead;
	d->qhead = m->next;
	if (d->qhead == NULL)
		d->qtail = NULL;
	msg_free(d->a, d, m);
}

static void send_next(notif_dest *d);

static void on_done(void *arg, const sbi_client_response *resp)
{
	notif_dest *d = arg;
	aiotf *a = d->a;
	notif_msg *m = d->qhead;
	d->busy = 0;
	if (m == NULL || a->proc.stopping)
		return;
	if (resp->status >= 200 && resp->status < 300) {
		atomic_fetch_add(&a->st.notif_sent, 1);
	} else if (m->attempts < 2) {
		send_next(d); /* retry the same message */
		return;
	} else {
		atomic_fetch_add(&a->st.notif_failed, 1);
		if (resp->status == 0)
			log_warn("AIoTNotif to %s%s: %s; dropped", d->key, m->path, resp->error);
		else
			log_warn("AIoTNotif to %s%s: status %d; dropped", d->key, m->path,
			         resp->status);
	}
	pop(d);
	send_next(d);
}

static void send_next(notif_dest *d)
{
	while (!d->busy && d->qhead != NULL) {
		notif_msg *m = d->qhead;
		m->attempts++;
		if (sbi_client_request(d->c, "POST", m->path, "application/json", m->body,
		                       strlen(m->body), on_done, d) == 0) {
			d->busy = 1;
			return;
		}
		atomic_fetch_add(&d->a->st.notif_failed, 1);
		log_warn("AIoTNotif to %s%s: cannot queue; dropped", d->key, m->path);
		pop(d);
	}
	if (d->qhead == NULL && d->dropped > 0) { /* the episode ends with an empty queue */
		log_warn("AIoTNotif to %s: queue drained; %llu notifications were dropped over the "
		         "queue bounds, %llu of them a transaction's last (lastRepInd)",
		         d->key, d->dropped, d->dropped_last);
		d->dropped = d->dropped_last = 0;
	}
}

static void dest_free(aiotf *a, notif_dest *d)
{
	sbi_client_free(d->c); /* on_done returns at once when stopping, else never called */
	while (d->qhead != NULL)
		pop(d);
	free(d);
	atomic_store(&a->st.notif_dests, --a->ndests);
}

/* Closes the least recently used destination that nothing holds or uses (of owner only,
 * when given): 0, or -1 when every one is held or busy. */
static int evict_idle(aiotf *a, const char *owner)
{
	notif_dest **victim = NULL;
	for (notif_dest **pp = &a->dests; *pp != NULL; pp = &(*pp)->next) {
		notif_dest *d = *pp;
		if (d->refs == 0 && !d->busy && d->qhead == NULL &&
		    (owner == NULL || strcmp(d->owner, owner) == 0))
			victim = pp;
	}
	if (victim == NULL)
		return -1;
	notif_dest *d = *victim;
	*victim = d->next;
	dest_free(a, d);
	return 0;
}

static notif_dest *dest_new(aiotf *a, const aiotf_req *r, const char *key, const char *host,
                            int tls, int port)
{
	char err[256];
	notif_dest *d = calloc(1, sizeof *d);
	if (d == NULL)
		return NULL;
	/* The address checked by the policy, never resolved again; the name for TLS and
	 * :authority. */
	sbi_client_cfg cc = {.host = r->notif_addr,
	                     .port = port,
	                     .tls_ctx = tls ? a->notif_tls : NULL,
	                     .tls_server_name = host,
	                     .timeout_ms = 5000};
	if ((d->c = sbi_client_new(a->base, &cc, err, sizeof err)) == NULL) {
		log_warn("AIoTNotif to %s: %s", key, err);
		free(d);
		return NULL;
	}
	d->a = a;
	snprintf(d->key, sizeof d->key, "%s", key);
	snprintf(d->owner, sizeof d->owner, "%s", r->af_id);
	atomic_store(&a->st.notif_dests, ++a->ndests);
	return d;
}

notif_dest *notify_acquire(aiotf *a, const aiotf_req *r, char *why, size_t cap)
{
	char host[256], key[400];
	const char *path;
	int tls, port, owned = 0;
	if (sbi_parse_url(r->notif_uri, &tls, host, sizeof host, &port, &path) != 0) {
		snprintf(why, cap, "notifUri: malformed");
		return NULL;
	}
	snprintf(key, sizeof key, "%s://%s:%d (%s)", tls ? "https" : "http", host, port,
	         r->notif_addr);
	notif_dest **pp = &a->dests, *d;
	for (; (d = *pp) != NULL; pp = &d->next) {
		if (strcmp(d->key, key) == 0) {
			*pp = d->next; /* most recently used first */
			goto found;
		}
		owned += strcmp(d->owner, r->af_id) == 0;
	}
	if (owned >= a->cfg.notify_max_dests_per_af && evict_idle(a, r->af_id) != 0) {
		snprintf(why, cap,
		         "notifUri: this AF holds its %d notification destinations "
		         "(notify.max-destinations-per-af)",
		         a->cfg.notify_max_dests_per_af);
		goto refused;
	}
	if (a->ndests >= a->cfg.notify_max_dests && evict_idle(a, NULL) != 0) {
		snprintf(why, cap,
		         "notifUri: %d notification destinations in use "
		         "(notify.max-destinations)",
		         a->cfg.notify_max_dests);
		goto refused;
	}
	if ((d = dest_new(a, r, key, host, tls, port)) == NULL) {
		snprintf(why, cap, "notifUri: cannot set up a client for %s", key);
		return NULL;
	}
found:
	d->refs++;
	d->next = a->dests;
	a->dests = d;
	return d;
refused:
	atomic_fetch_add(&a->st.notif_dest_refused, 1);
	return NULL;
}

void notify_release(aiotf *a, notif_dest *d)
{
	(void)a;
	if (d != NULL)
		d->refs--;
}

/* The first queued notification of d not in flight (not a lastRepInd when nonlast), or
 * NULL. */
static notif_msg **victim(notif_dest *d, int nonlast)
{
	notif_msg **pp = d->qhead && d->busy ? &d->qhead->next : &d->qhead;
	while (*pp != NULL && nonlast && (*pp)->last)
		pp = &(*pp)->next;
	return *pp != NULL ? pp : NULL;
}

static void drop_queued(aiotf *a, notif_dest *d, notif_msg **pp)
{
	notif_msg *m = *pp;
	*pp = m->next;
	if (d->qtail == m) {
		d->qtail = NULL;
		for (notif_msg *x = d->qhead; x != NULL; x = x->next)
			d->qtail = x;
	}
	if (d->dropped++ == 0)
		log_warn(
		    "AIoTNotif to %s: queue over its bound; queued notifications dropped until "
		    "it drains",
		    d->key);
	if (m->last) {
		atomic_fetch_add(&a->st.notif_last_dropped, 1);
		d->dropped_last++;
	}
	atomic_fetch_add(&a->st.notif_dropped, 1);
	msg_free(a, d, m);
}

/* The destination with the most bytes queued. */
static notif_dest *longest(aiotf *a)
{
	notif_dest *h = a->dests;
	for (notif_dest *d = a->dests; d != NULL; d = d->next)
		if (d->bytes > h->bytes)
			h = d;
	return h;
}

/* Makes room for size bytes in d's queue, never dropping a notification in flight. Over
 * d's own bound, a lastRepInd pushes out d's intermediate reports. Over the total bound,
 * the longest queue pays (its intermediate reports first), so that a destination that
 * never reads cannot starve the others. 0, or -1: the new notification is dropped. */
static int make_room(aiotf *a, notif_dest *d, size_t size, int last)
{
	size_t dcap = a->cfg.notify_dest_queue_bytes, tcap = a->cfg.notify_queue_bytes;
	notif_msg **pp;
	/* An empty queue takes one notification of any size (the batch can exceed dcap). */
	while (d->bytes > 0 && d->bytes + size > dcap) {
		if (!last || (pp = victim(d, 1)) == NULL)
			return -1;
		drop_queued(a, d, pp);
	}
	while (a->notif_bytes + size > tcap) {
		notif_dest *h = longest(a), *from = d;
		pp = NULL;
		if (h != d && h->bytes > d->bytes + size) {
			from = h;
			if ((pp = victim(h, 1)) == NULL)
				pp = victim(h, 0);
		} else if (last) {
			pp = victim(d, 1);
		}
		if (pp == NULL)
			return -1;
		drop_queued(a, from, pp);
	}
	return 0;
}

static void drop(aiotf *a, notif_dest *d, const char *path, char *body, int last)
{
	atomic_fetch_add(&a->st.notif_dropped, 1);
	if (last) { /* counted apart: the AF never learns that the transaction ended */
		atomic_fetch_add(&a->st.notif_last_dropped, 1);
		d->dropped_last++;
	}
	if (d->dropped++ == 0) /* once per episode, which ends when the queue drains */
		log_warn("AIoTNotif to %s%s: queue full (%zu bytes here, %zu in all); dropping "
		         "notifications until it drains",
		         d->key, path, d->bytes, a->notif_bytes);
	free(body);
}

void notify_post(aiotf *a, notif_dest *d, const char *path, char *body, int last)
{
	size_t size = sizeof(notif_msg) + strlen(body) + strlen(path) + 2;
	if (make_room(a, d, size, last) != 0) {
		drop(a, d, path, body, last);
		return;
	}
	notif_msg *m = calloc(1, sizeof *m);
	if (m == NULL || (m->path = strdup(path)) == NULL) {
		atomic_fetch_add(&a->st.notif_failed, 1);
		free(m);
		free(body);
		return;
	}
	m->body = body;
	m->size = size;
	m->last = last;
	d->bytes += size;
	a->notif_bytes += size;
	atomic_store(&a->st.notif_queued_bytes, a->notif_bytes);
	if (d->qtail)
		d->qtail->next = m;
	else
		d->qhead = m;
	d->qtail = m;
	send_next(d);
}

int notify_idle(const aiotf *a)
{
	for (const notif_dest *d = a->dests; d != NULL; d = d->next)
		if (d->busy || d->qhead != NULL)
			return 0;
	return 1;
}

void notify_free_all(aiotf *a)
{
	for (notif_dest *d = a->dests, *n; d != NULL; d = n) {
		n = d->next;
		dest_free(a, d);
	}
	a->dests = NULL;
}
