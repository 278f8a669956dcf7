/* SPDX-License-Identifier: Apache-2.0 */
/* The procedures' actions (proc.h, aiotf_io) as the daemon performs them: libevent timers on
 * the loop thread's base, the ADM client pool, the readers' NG links, the notification
 * queues, the DO-A subscriptions. */
#include <stdlib.h>

#include <event2/event.h>

#include "common/clock.h"
#include "aiotf_internal.h"

struct aiotf_timer {
	struct event *ev;
	aiotf_timer_fn fn;
	void *arg;
};

static uint64_t ev_now(aiotf *a)
{
	(void)a;
	return aiot_mono_us();
}

static void timer_cb(evutil_socket_t fd, short what, void *arg)
{
	aiotf_timer *tm = arg;
	(void)fd;
	(void)what;
	tm->fn(tm->arg);
}

static aiotf_timer *ev_timer_new(aiotf *a, aiotf_timer_fn fn, void *arg)
{
	aiotf_timer *tm = malloc(sizeof *tm);
	if (tm == NULL)
		return NULL;
	*tm = (aiotf_timer){NULL, fn, arg};
	if ((tm->ev = evtimer_new(a->base, timer_cb, tm)) == NULL) {
		free(tm);
		return NULL;
	}
	return tm;
}

static void ev_timer_arm(aiotf_timer *tm, int ms)
{
	if (ms == 0) { /* after the current callback, in this loop iteration */
		event_active(tm->ev, 0, 0);
		return;
	}
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	evtimer_add(tm->ev, &tv);
}

static void ev_timer_cancel(aiotf_timer *tm)
{
	event_del(tm->ev);
}

static void ev_timer_free(aiotf_timer *tm)
{
	if (tm == NULL)
		return;
	event_free(tm->ev);
	free(tm);
}

static int ev_notify(aiotf *a, const aiotf_req *r, char *body, int last)
{
	char host[256];
	const char *path;
	int tls, port;
	if (r->dest == NULL ||
	    sbi_parse_url(r->notif_uri, &tls, host, sizeof host, &port, &path) != 0)
		return -1;
	notify_post(a, r->dest, path, body, last);
	return 0;
}

static void ev_notify_release(aiotf *a, const aiotf_req *r)
{
	notify_release(a, r->dest);
}

const aiotf_io aiotf_io_event = {
    .now_us = ev_now,
    .adm_call = adm_call,
    .ng_send = ng_link_send,
    .ng_close = ng_link_close_unacked,
    .notify = ev_notify,
    .notify_release = ev_notify_release,
    .timer_new = ev_timer_new,
    .timer_arm = ev_timer_arm,
    .timer_cancel = ev_timer_cancel,
    .timer_free = ev_timer_free,
    .doa_deliver = doa_subs_deliver, /* the AFs' DO-A subscriptions (doa_subs.c) */
};
