/* SPDX-License-Identifier: Apache-2.0 */
/*
 * AIoTNotif delivery (TS 29.569 AIoTOperationsNotif callback): POST to the AF's notifUri.
 * One HTTP/2 client per destination authority, one notification in flight per destination
 * so that a transaction's reports arrive in order and lastRepInd comes last. A failed POST
 * is retried once, then dropped and counted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aiotf_internal.h"
#include "svc/log.h"

#define MAX_DESTS 256

typedef struct notif_msg {
	char *path;
	char *body;
	int attempts;
	struct notif_msg *next;
} notif_msg;

struct notif_dest {
	aiotf *a;
	char key[300];
	sbi_client *c;
	notif_msg *qhead, *qtail;
	int busy;
	notif_dest *next;
};

static void msg_free(notif_msg *m)
{
	free(m->path);
	free(m->body);
	free(m);
}

static void send_next(notif_dest *d);

static void on_done(void *arg, const sbi_client_response *resp)
{
	notif_dest *d = arg;
	aiotf *a = d->a;
	notif_msg *m = d->qhead;
	d->busy = 0;
	if (m == NULL || a->stopping)
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
	d->qhead = m->next;
	if (d->qhead == NULL)
		d->qtail = NULL;
	msg_free(m);
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
		d->qhead = m->next;
		if (d->qhead == NULL)
			d->qtail = NULL;
		msg_free(m);
	}
}

static notif_dest *dest_get(aiotf *a, const char *uri, const char **path)
{
	char host[256];
	int tls, port, n = 0;
	if (aiotf_parse_url(uri, &tls, host, sizeof host, &port, path) != 0)
		return NULL;
	char key[300];
	snprintf(key, sizeof key, "%s://%s:%d", tls ? "https" : "http", host, port);
	notif_dest **pp = &a->dests, *d;
	for (; (d = *pp) != NULL; pp = &d->next, n++)
		if (strcmp(d->key, key) == 0)
			return d;
	if (n >= MAX_DESTS) { /* recycle an idle destination */
		for (pp = &a->dests; (d = *pp) != NULL; pp = &d->next)
			if (!d->busy && d->qhead == NULL) {
				*pp = d->next;
				sbi_client_free(d->c);
				free(d);
				break;
			}
	}
	if ((d = calloc(1, sizeof *d)) == NULL)
		return NULL;
	char err[256];
	/* The CA and the resolver were loaded at start: nothing blocks the loop here. */
	sbi_client_cfg cc = {.host = host, .port = port, .tls_ctx = tls ? a->notif_tls : NULL,
			     .dns = a->dns, .timeout_ms = 5000};
	if ((tls && a->notif_tls == NULL) ||
	    (d->c = sbi_client_new(a->base, &cc, err, sizeof err)) == NULL) {
		log_warn("AIoTNotif to %s: %s", key, tls ? "no notif-ca for https" : err);
		free(d);
		return NULL;
	}
	d->a = a;
	snprintf(d->key, sizeof d->key, "%s", key);
	d->next = a->dests;
	a->dests = d;
	return d;
}

void notify_post(aiotf *a, const char *uri, char *body)
{
	const char *path;
	notif_dest *d = dest_get(a, uri, &path);
	notif_msg *m = d ? calloc(1, sizeof *m) : NULL;
	if (m == NULL || (m->path = strdup(path)) == NULL) {
		atomic_fetch_add(&a->st.notif_failed, 1);
		free(m);
		free(body);
		return;
	}
	m->body = body;
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
		sbi_client_free(d->c); /* stopping: on_done returns at once */
		for (notif_msg *m = d->qhead, *mn; m != NULL; m = mn) {
			mn = m->next;
			msg_free(m);
		}
		free(d);
	}
	a->dests = NULL;
}
