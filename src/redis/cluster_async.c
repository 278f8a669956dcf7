/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Redis Cluster client on libevent (cluster_async.h). A command (struct acmd) is either
 * on the wire (hiredis holds it as callback data), or pending in c->pend, waiting for a map
 * refresh; one timer (tick) drives refreshes, expiry and the stall check. A command with a
 * WAIT holds its reply (a copy) until the WAIT of the same dispatch answers: dispatches are
 * numbered (gen) so that the WAIT of an earlier, redirected dispatch is ignored.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/adapters/libevent.h>
#include <hiredis/async.h>

#include "cluster_async.h"
#include "common/aiot_err.h"
#include "common/clock.h"
#include "redirect.h"
#include "reply.h"
#include "slotmap.h"

#define TICK_MS 50
#define MAX_REDIRECTS 16

struct acmd {
	redis_acluster *c;
	unsigned slot;
	char *buf, *wbuf; /* the command and its WAIT, RESP-encoded (wbuf NULL: no WAIT) */
	size_t len, wlen;
	redis_acluster_cb *cb;
	void *arg;
	uint64_t deadline;
	int node, asking, redirects; /* the next dispatch's target (-1: the map's) */
	unsigned gen, waiting_gen;   /* dispatch number; the one whose WAIT is awaited */
	int refs, done;              /* hiredis callbacks outstanding; cb called */
	redisReply *reply;           /* held until the WAIT answers */
	struct acmd *next;
};

struct wait_tok {
	struct acmd *m;
	unsigned gen;
};

struct anode {
	redis_acluster *c;
	redisAsyncContext *ac;
	unsigned inflight;
	uint64_t progress; /* last reply, or when inflight left 0 */
};

struct redis_acluster {
	struct event_base *base;
	struct event *tick;
	redis_slotmap map;
	struct anode node[REDIS_MAX_NODES];
	redis_cluster_opts o;
	int max_wait_ms;
	struct acmd *pend, **pend_tail;
	size_t npend, nwire; /* pending; dispatched and not yet answered */
	int refreshing, want_refresh, closing;
	size_t refresh_next;
};

static void dispatch(struct acmd *m);

/* ---- commands' lifetime ------------------------------------------------------------------ */

static void release(struct acmd *m)
{
	if (!m->done || m->refs > 0)
		return;
	redisFreeCommand(m->buf);
	redisFreeCommand(m->wbuf);
	freeReplyObject(m->reply);
	free(m);
}

static void finish(struct acmd *m, const redisReply *r, int acked, const char *err)
{
	if (!m->done) {
		m->done = 1;
		m->cb(r, acked, err, m->arg);
	}
	release(m);
}

static void arm(redis_acluster *c)
{
	struct timeval tv = {0, TICK_MS * 1000};
	if (!evtimer_pending(c->tick, NULL))
		evtimer_add(c->tick, &tv);
}

static void expire(struct acmd *m)
{
	char err[96];
	snprintf(err, sizeof err, "slot %u: no node served it within %d ms", m->slot,
	         m->c->o.retry_ms);
	finish(m, NULL, -1, err);
}

static void pend(struct acmd *m)
{
	redis_acluster *c = m->c;
	if (c->closing) {
		finish(m, NULL, -1, "the cluster client is closed");
		return;
	}
	if (aiot_mono_ms() >= m->deadline) {
		expire(m);
		return;
	}
	m->next = NULL;
	*c->pend_tail = m;
	c->pend_tail = &m->next;
	c->npend++;
	c->want_refresh = 1;
	arm(c);
}

/* ---- connections ------------------------------------------------------------------------- */

static void on_connect(const redisAsyncContext *ac, int status)
{
	struct anode *nd = ac->data;
	if (status != REDIS_OK && nd->ac == ac)
		nd->ac = NULL; /* hiredis frees it, failing its commands */
}

static void on_disconnect(const redisAsyncContext *ac, int status)
{
	struct anode *nd = ac->data;
	(void)status;
	if (nd->ac == ac)
		nd->ac = NULL;
}

static redisAsyncContext *node_ac(redis_acluster *c, int i)
{
	struct anode *nd = &c->node[i];
	if (nd->ac != NULL)
		return nd->ac;
	redisAsyncContext *ac =
	    redisAsyncConnect(c->map.node[i].addr.host, c->map.node[i].addr.port);
	if (ac == NULL || ac->err || redisLibeventAttach(ac, c->base) != REDIS_OK) {
		if (ac != NULL)
			redisAsyncFree(ac);
		return NULL;
	}
	redis_reader_bound(ac->c.reader);
	ac->data = nd;
	redisAsyncSetConnectCallback(ac, on_connect);
	redisAsyncSetDisconnectCallback(ac, on_disconnect);
	return nd->ac = ac;
}

static void sent(struct anode *nd)
{
	if (nd->inflight++ == 0)
		nd->progress = aiot_mono_ms();
}

static void answered(struct anode *nd)
{
	nd->inflight--;
	nd->progress = aiot_mono_ms();
}

/* ---- slot map refresh -------------------------------------------------------------------- */

static void on_slots(redisAsyncContext *ac, void *reply, void *priv)
{
	redis_acluster *c = priv;
	struct anode *nd = ac->data;
	size_t i = (size_t)(nd - c->node);
	answered(nd);
	c->refreshing = 0;
	if (c->closing)
		return;
	if (reply == NULL ||
	    redis_slotmap_update(&c->map, reply, c->map.node[i].addr.host) != AIOT_OK ||
	    redis_slotmap_covered(&c->map) == 0) {
		c->refresh_next = i + 1; /* the next refresh asks another node */
		if (c->pend != NULL)
			arm(c); /* the tick retries while commands wait */
		return;
	}
	c->refresh_next = i;
	struct acmd *m = c->pend;
	c->pend = NULL;
	c->pend_tail = &c->pend;
	c->npend = 0;
	while (m != NULL) {
		struct acmd *next = m->next;
		dispatch(m);
		m = next;
	}
}

static void refresh_start(redis_acluster *c)
{
	for (size_t k = 0; k < c->map.n; k++) {
		int i = (int)((c->refresh_next + k) % c->map.n);
		redisAsyncContext *ac = node_ac(c, i);
		if (ac != NULL && redisAsyncCommand(ac, on_slots, c, "CLUSTER SLOTS") == REDIS_OK) {
			sent(&c->node[i]);
			c->refresh_next = (size_t)i;
			c->refreshing = 1;
			c->want_refresh = 0;
			return;
		}
	}
}

/* ---- the tick: stalled nodes, expiry, refresh ------------------------------------------- */

static void tick(evutil_socket_t fd, short what, void *arg)
{
	redis_acluster *c = arg;
	uint64_t now = aiot_mono_ms();
	int busy = 0;
	(void)fd;
	(void)what;
	for (size_t i = 0; i < c->map.n; i++) {
		struct anode *nd = &c->node[i];
		if (nd->ac != NULL && nd->inflight > 0 &&
		    now - nd->progress > (uint64_t)(c->o.io_timeout_ms + c->max_wait_ms)) {
			redisAsyncContext *ac = nd->ac;
			nd->ac = NULL;
			redisAsyncFree(ac); /* its commands come back through pend() */
		}
		busy |= nd->inflight > 0;
	}
	for (struct acmd **p = &c->pend; *p != NULL;) {
		struct acmd *m = *p;
		if (now < m->deadline) {
			p = &m->next;
			continue;
		}
		*p = m->next;
		c->npend--;
		expire(m);
	}
	c->pend_tail = &c->pend;
	while (*c->pend_tail != NULL)
		c->pend_tail = &(*c->pend_tail)->next;
	if ((c->pend != NULL || c->want_refresh) && !c->refreshing)
		refresh_start(c);
	if (busy || c->pend != NULL || c->refreshing)
		arm(c);
}

/* ---- dispatch and replies ---------------------------------------------------------------- */

static void on_wait(redisAsyncContext *ac, void *reply, void *priv)
{
	struct wait_tok *t = priv;
	struct acmd *m = t->m;
	const redisReply *r = reply;
	int current = t->gen == m->waiting_gen;
	free(t);
	answered(ac->data);
	m->refs--;
	if (m->c->closing)
		finish(m, NULL, -1, "the cluster client is closed");
	else if (!current || m->done)
		release(m); /* the WAIT of a redirected dispatch */
	else if (r == NULL) {
		freeReplyObject(m->reply); /* the write is unconfirmed: send it again */
		m->reply = NULL;
		m->waiting_gen = 0;
		m->c->nwire--;
		pend(m);
	} else {
		m->c->nwire--;
		finish(m, m->reply, r->type == REDIS_REPLY_INTEGER ? (int)r->integer : -1, NULL);
	}
}

static void on_reply(redisAsyncContext *ac, void *reply, void *priv)
{
	struct acmd *m = priv;
	redis_acluster *c = m->c;
	struct anode *nd = ac->data;
	int next, asking;
	answered(nd);
	m->refs--;
	if (c->closing) {
		finish(m, NULL, -1, "the cluster client is closed");
		return;
	}
	switch (redis_route_reply(&c->map, reply, (int)(nd - c->node), &next, &asking)) {
	case REDIS_STEP_DONE:
		if (m->wbuf == NULL) {
			c->nwire--;
			finish(m, reply, -1, NULL);
		} else if ((m->reply = redis_reply_dup(reply)) == NULL) {
			c->nwire--;
			finish(m, NULL, -1, "out of memory");
		} else {
			m->waiting_gen = m->gen; /* on_wait finishes */
		}
		return;
	case REDIS_STEP_REDIRECT:
		c->nwire--;
		if (++m->redirects > MAX_REDIRECTS) {
			finish(m, NULL, -1, "too many redirections");
			return;
		}
		c->want_refresh |= next < 0; /* a MOVED: the map may have moved more */
		m->node = next;
		m->asking = asking;
		dispatch(m);
		return;
	case REDIS_STEP_RETRY:
		c->nwire--;
		pend(m);
		return;
	}
}

/* Sends [ASKING,] the command[, its WAIT] on one connection, in that order. */
static int send_on(redisAsyncContext *ac, struct acmd *m)
{
	struct wait_tok *t = NULL;
	if (m->wbuf != NULL && (t = malloc(sizeof *t)) == NULL)
		return AIOT_ERR_NOSPACE;
	m->gen++;
	if ((m->asking && redisAsyncCommand(ac, NULL, NULL, "ASKING") != REDIS_OK) ||
	    redisAsyncFormattedCommand(ac, on_reply, m, m->buf, m->len) != REDIS_OK) {
		free(t);
		return AIOT_ERR_STATE;
	}
	m->refs++;
	sent(ac->data);
	if (t != NULL) {
		*t = (struct wait_tok){m, m->gen};
		if (redisAsyncFormattedCommand(ac, on_wait, t, m->wbuf, m->wlen) == REDIS_OK) {
			m->refs++;
			sent(ac->data);
		} else {
			free(t); /* on_reply then delivers without WAIT: acked -1 */
			redisFreeCommand(m->wbuf);
			m->wbuf = NULL;
		}
	}
	return AIOT_OK;
}

static void dispatch(struct acmd *m)
{
	redis_acluster *c = m->c;
	int i = m->node >= 0 ? m->node : c->map.slot[m->slot];
	redisAsyncContext *ac = i >= 0 ? node_ac(c, i) : NULL;
	int rc = ac != NULL ? send_on(ac, m) : AIOT_ERR_STATE;
	m->node = -1;
	m->asking = 0;
	if (rc != AIOT_OK) { /* no node, or out of memory: after the next refresh */
		pend(m);
		return;
	}
	c->nwire++;
	arm(c);
}

/* ---- the API ----------------------------------------------------------------------------- */

redis_acluster *redis_acluster_new(struct event_base *base, const char *url,
                                   const redis_cluster_opts *o, char *err, size_t errlen)
{
	redis_acluster *c = calloc(1, sizeof *c);
	if (c == NULL || (c->tick = evtimer_new(base, tick, c)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(c);
		return NULL;
	}
	c->base = base;
	c->pend_tail = &c->pend;
	c->o = redis_cluster_opts_fill(o);
	for (size_t i = 0; i < REDIS_MAX_NODES; i++)
		c->node[i].c = c;
	if (redis_slotmap_init(&c->map, url) != AIOT_OK) {
		snprintf(err, errlen, "store URL: expected " REDIS_URL_FORM);
		redis_acluster_free(c);
		return NULL;
	}
	refresh_start(c);
	arm(c);
	return c;
}

void redis_acluster_free(redis_acluster *c)
{
	if (c == NULL)
		return;
	c->closing = 1;
	/* The pending first: a stale WAIT answer (below) may free one that is done. */
	while (c->pend != NULL) {
		struct acmd *m = c->pend;
		c->pend = m->next;
		finish(m, NULL, -1, "the cluster client is closed");
	}
	for (size_t i = 0; i < REDIS_MAX_NODES; i++) {
		redisAsyncContext *ac = c->node[i].ac;
		c->node[i].ac = NULL;
		if (ac != NULL)
			redisAsyncFree(ac); /* fails what it carried */
	}
	if (c->tick != NULL)
		event_free(c->tick);
	free(c);
}

int redis_acluster_command(redis_acluster *c, const redis_cmd *cmd, int numreplicas,
                           int wait_timeout_ms, redis_acluster_cb *cb, void *arg)
{
	struct acmd *m = calloc(1, sizeof *m);
	if (m == NULL)
		return AIOT_ERR_NOSPACE;
	*m = (struct acmd){.c = c, .cb = cb, .arg = arg, .node = -1};
	m->slot = redis_key_slot(cmd->key, cmd->keylen);
	m->deadline = aiot_mono_ms() + (uint64_t)c->o.retry_ms;
	int len = redisFormatCommandArgv(&m->buf, cmd->argc, cmd->argv, cmd->argvlen);
	if (len < 0)
		goto fail;
	m->len = (size_t)len;
	if (numreplicas >= 0) {
		char n[16], t[16];
		snprintf(n, sizeof n, "%d", numreplicas);
		snprintf(t, sizeof t, "%d", wait_timeout_ms);
		const char *w[3] = {"WAIT", n, t};
		if ((len = redisFormatCommandArgv(&m->wbuf, 3, w, NULL)) < 0)
			goto fail;
		m->wlen = (size_t)len;
		if (wait_timeout_ms > c->max_wait_ms)
			c->max_wait_ms = wait_timeout_ms;
	}
	dispatch(m); /* never delivers: on failure it pends (the deadline is ahead) */
	return AIOT_OK;
fail:
	redisFreeCommand(m->buf);
	free(m);
	return AIOT_ERR_NOSPACE;
}

size_t redis_acluster_pending(const redis_acluster *c)
{
	return c->npend + c->nwire;
}
