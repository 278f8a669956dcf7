/* SPDX-License-Identifier: Apache-2.0 */
/* The synchronous Redis Cluster client (cluster.h): one blocking connection per node. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cluster.h"
#include "common/aiot_err.h"
#include "common/clock.h"
#include "redirect.h"
#include "reply.h"
#include "slotmap.h"

#define RETRY_PAUSE_MS 50
#define MAX_REDIRECTS 16

/* WAIT numreplicas timeout, sent after a command on its connection. */
struct wait_cmd {
	char n[16], t[16];
	int ms;
};

struct redis_cluster {
	redis_slotmap map;
	redisContext *conn[REDIS_MAX_NODES]; /* by node index of the map, NULL: not connected */
	redis_cluster_opts o;
	size_t next; /* the node the next refresh asks first */
};

static void drop(redis_cluster *c, int i)
{
	if (c->conn[i] != NULL)
		redisFree(c->conn[i]);
	c->conn[i] = NULL;
}

static struct timeval tv_of(int ms)
{
	return (struct timeval){ms / 1000, (ms % 1000) * 1000};
}

static redisContext *conn(redis_cluster *c, int i)
{
	struct timeval tv = tv_of(c->o.io_timeout_ms);
	if (c->conn[i] != NULL)
		return c->conn[i];
	redisContext *x =
	    redisConnectWithTimeout(c->map.node[i].addr.host, c->map.node[i].addr.port, tv);
	if (x == NULL || x->err || redisSetTimeout(x, tv) != REDIS_OK) {
		if (x != NULL)
			redisFree(x);
		return NULL;
	}
	redis_reader_bound(x->reader);
	return c->conn[i] = x;
}

int redis_cluster_refresh(redis_cluster *c, char *err, size_t errlen)
{
	for (size_t k = 0; k < c->map.n; k++) {
		int i = (int)((c->next + k) % c->map.n);
		redisContext *x = conn(c, i);
		redisReply *r = x ? redisCommand(x, "CLUSTER SLOTS") : NULL;
		if (x != NULL && r == NULL)
			drop(c, i);
		int ok = r != NULL &&
		         redis_slotmap_update(&c->map, r, c->map.node[i].addr.host) == AIOT_OK &&
		         redis_slotmap_covered(&c->map) > 0;
		freeReplyObject(r);
		if (ok) {
			c->next = (size_t)i;
			return AIOT_OK;
		}
	}
	if (err != NULL)
		snprintf(err, errlen, "no node of the cluster answered CLUSTER SLOTS");
	return AIOT_ERR_STATE;
}

redis_cluster_opts redis_cluster_opts_fill(const redis_cluster_opts *o)
{
	redis_cluster_opts f = o ? *o : (redis_cluster_opts){0};
	if (f.io_timeout_ms <= 0)
		f.io_timeout_ms = 1000;
	if (f.retry_ms <= 0)
		f.retry_ms = 5000;
	return f;
}

redis_cluster *redis_cluster_open(const char *url, const redis_cluster_opts *o, char *err,
                                  size_t errlen)
{
	redis_cluster *c = calloc(1, sizeof *c);
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->o = redis_cluster_opts_fill(o);
	if (redis_slotmap_init(&c->map, url) != AIOT_OK) {
		snprintf(err, errlen, "store URL: expected " REDIS_URL_FORM);
		goto fail;
	}
	if (redis_cluster_refresh(c, err, errlen) != AIOT_OK)
		goto fail;
	size_t covered = redis_slotmap_covered(&c->map);
	if (covered != REDIS_SLOTS) {
		snprintf(err, errlen, "the cluster serves %zu of %d slots", covered, REDIS_SLOTS);
		goto fail;
	}
	return c;
fail:
	redis_cluster_close(c);
	return NULL;
}

void redis_cluster_close(redis_cluster *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < REDIS_MAX_NODES; i++)
		drop(c, (int)i);
	free(c);
}

/* WAIT blocks up to its timeout: the connection's reply timeout grows by as much meanwhile
 * (extra_ms), and goes back after (0). 0 when the socket refused it. */
static int wait_timeout(redis_cluster *c, redisContext *x, int extra_ms)
{
	return redisSetTimeout(x, tv_of(c->o.io_timeout_ms + extra_ms)) == REDIS_OK;
}

static void append_wait(redisContext *x, const struct wait_cmd *wait)
{
	const char *argv[3] = {"WAIT", wait->n, wait->t};
	redisAppendCommandArgv(x, 3, argv, NULL);
}

/* Sends [ASKING,] cmd[, WAIT] to node i and reads their replies: cmd's (NULL when the
 * connection failed, then dropped) and WAIT's count in *acked (-1: none). */
static redisReply *send_one(redis_cluster *c, int i, const redis_cmd *cmd, int asking,
                            const struct wait_cmd *wait, int *acked)
{
	redisReply *r = NULL, *w = NULL, *a = NULL;
	redisContext *x = conn(c, i);
	*acked = -1;
	if (x == NULL || (wait != NULL && !wait_timeout(c, x, wait->ms)))
		return NULL;
	if (asking)
		redisAppendCommand(x, "ASKING");
	redisAppendCommandArgv(x, cmd->argc, cmd->argv, cmd->argvlen);
	if (wait != NULL)
		append_wait(x, wait);
	if ((asking && redisGetReply(x, (void **)&a) != REDIS_OK) ||
	    redisGetReply(x, (void **)&r) != REDIS_OK ||
	    (wait != NULL && redisGetReply(x, (void **)&w) != REDIS_OK)) {
		freeReplyObject(a);
		freeReplyObject(r);
		drop(c, i);
		return NULL;
	}
	if (wait != NULL)
		wait_timeout(c, x, 0);
	if (w != NULL && w->type == REDIS_REPLY_INTEGER)
		*acked = (int)w->integer;
	freeReplyObject(a);
	freeReplyObject(w);
	return r;
}

static redisReply *run_slot(redis_cluster *c, unsigned slot, const redis_cmd *cmd,
                            const struct wait_cmd *wait, int *acked, char *err, size_t errlen)
{
	uint64_t deadline = aiot_mono_ms() + (uint64_t)c->o.retry_ms;
	int node = -1, asking = 0;
	for (int redirects = 0; redirects <= MAX_REDIRECTS;) {
		int i = node >= 0 ? node : c->map.slot[slot];
		redisReply *r = i >= 0 ? send_one(c, i, cmd, asking, wait, acked) : NULL;
		switch (redis_route_reply(&c->map, r, i, &node, &asking)) {
		case REDIS_STEP_DONE:
			return r;
		case REDIS_STEP_REDIRECT:
			redirects++;
			break;
		case REDIS_STEP_RETRY:
			if (aiot_mono_ms() >= deadline) {
				freeReplyObject(r);
				snprintf(err, errlen, "slot %u: no node served it within %d ms",
				         slot, c->o.retry_ms);
				return NULL;
			}
			usleep(RETRY_PAUSE_MS * 1000);
			redis_cluster_refresh(c, NULL, 0);
			break;
		}
		freeReplyObject(r);
	}
	snprintf(err, errlen, "slot %u: more than %d redirections", slot, MAX_REDIRECTS);
	return NULL;
}

static redisReply *run(redis_cluster *c, const redis_cmd *cmd, const struct wait_cmd *wait,
                       int *acked, char *err, size_t errlen)
{
	return run_slot(c, redis_key_slot(cmd->key, cmd->keylen), cmd, wait, acked, err, errlen);
}

redisReply *redis_cluster_command(redis_cluster *c, const redis_cmd *cmd, char *err, size_t errlen)
{
	int acked;
	return run(c, cmd, NULL, &acked, err, errlen);
}

redisReply *redis_cluster_command_wait(redis_cluster *c, const redis_cmd *cmd, int numreplicas,
                                       int timeout_ms, int *acked, char *err, size_t errlen)
{
	struct wait_cmd w = {.ms = timeout_ms};
	snprintf(w.n, sizeof w.n, "%d", numreplicas);
	snprintf(w.t, sizeof w.t, "%d", timeout_ms);
	return run(c, cmd, &w, acked, err, errlen);
}

/* A pipeline: the commands, their nodes as the map said when it started, the WAIT after each
 * node's commands (NULL: none), the replies and WAIT counts found. */
struct pipe {
	const redis_cmd *cmds;
	size_t n;
	int *node;
	const struct wait_cmd *wait;
	redisReply **replies;
	int *acked;
};

/* Forgets node j's replies: after a lost WAIT none of them is confirmed. */
static void pipe_forget(struct pipe *p, int j)
{
	for (size_t i = 0; i < p->n; i++) {
		if (p->node[i] == j) {
			freeReplyObject(p->replies[i]);
			p->replies[i] = NULL;
		}
	}
}

/* Every command of node j sent (then its WAIT), then the replies read in order; a redirected
 * or lost one is left NULL for pipeline() to redo alone. */
static void pipe_node(redis_cluster *c, int j, struct pipe *p)
{
	redisReply *w = NULL;
	redisContext *x = conn(c, j);
	if (x == NULL || (p->wait && !wait_timeout(c, x, p->wait->ms)))
		return;
	for (size_t i = 0; i < p->n; i++)
		if (p->node[i] == j)
			redisAppendCommandArgv(x, p->cmds[i].argc, p->cmds[i].argv,
			                       p->cmds[i].argvlen);
	if (p->wait)
		append_wait(x, p->wait);
	for (size_t i = 0; i < p->n; i++) {
		redisReply *r = NULL;
		int next, asking;
		if (p->node[i] != j)
			continue;
		if (redisGetReply(x, (void **)&r) != REDIS_OK)
			goto lost;
		if (redis_route_reply(&c->map, r, j, &next, &asking) == REDIS_STEP_DONE)
			p->replies[i] = r;
		else
			freeReplyObject(r);
	}
	if (p->wait == NULL)
		return;
	if (redisGetReply(x, (void **)&w) != REDIS_OK)
		goto lost;
	for (size_t i = 0; i < p->n; i++)
		if (p->node[i] == j && p->replies[i] != NULL)
			p->acked[i] = w->type == REDIS_REPLY_INTEGER ? (int)w->integer : -1;
	freeReplyObject(w);
	wait_timeout(c, x, 0);
	return;
lost:
	if (p->wait)
		pipe_forget(p, j);
	drop(c, j);
}

static int pipeline(redis_cluster *c, struct pipe *p, char *err, size_t errlen)
{
	int rc = AIOT_OK;
	for (size_t i = 0; i < p->n; i++) {
		p->replies[i] = NULL;
		p->acked[i] = -1;
		p->node[i] = c->map.slot[redis_key_slot(p->cmds[i].key, p->cmds[i].keylen)];
	}
	for (int j = 0; j < (int)c->map.n; j++)
		pipe_node(c, j, p);
	for (size_t i = 0; i < p->n; i++) {
		char e[160];
		if (p->replies[i] == NULL &&
		    (p->replies[i] = run(c, &p->cmds[i], p->wait, &p->acked[i], e, sizeof e)) ==
		        NULL &&
		    rc == AIOT_OK) {
			snprintf(err, errlen, "command %zu of %zu: %s", i + 1, p->n, e);
			rc = AIOT_ERR_TIMEOUT;
		}
	}
	return rc;
}

int redis_cluster_pipeline_wait(redis_cluster *c, const redis_cmd *cmds, size_t n, int numreplicas,
                                int timeout_ms, redisReply **replies, int *acked, char *err,
                                size_t errlen)
{
	struct wait_cmd w = {.ms = timeout_ms};
	int *node = calloc(n ? n : 1, sizeof *node);
	int *own = acked ? NULL : calloc(n ? n : 1, sizeof *own);
	int rc = AIOT_ERR_NOSPACE;
	snprintf(w.n, sizeof w.n, "%d", numreplicas);
	snprintf(w.t, sizeof w.t, "%d", timeout_ms);
	struct pipe p = {cmds, n, node, numreplicas >= 0 ? &w : NULL, replies, acked ? acked : own};
	if (node == NULL || p.acked == NULL)
		snprintf(err, errlen, "out of memory");
	else
		rc = pipeline(c, &p, err, errlen);
	free(node);
	free(own);
	return rc;
}

int redis_cluster_pipeline(redis_cluster *c, const redis_cmd *cmds, size_t n, redisReply **replies,
                           char *err, size_t errlen)
{
	return redis_cluster_pipeline_wait(c, cmds, n, -1, 0, replies, NULL, err, errlen);
}

int redis_cluster_master_of(redis_cluster *c, const char *key, size_t keylen, char *out,
                            size_t outlen)
{
	int i = c->map.slot[redis_key_slot(key, keylen)];
	if (i < 0)
		return AIOT_ERR_NOTFOUND;
	snprintf(out, outlen, "%s:%d", c->map.node[i].addr.host, c->map.node[i].addr.port);
	return AIOT_OK;
}

size_t redis_cluster_master_slots(redis_cluster *c, unsigned *slots, size_t cap)
{
	size_t n = 0;
	uint8_t seen[REDIS_MAX_NODES] = {0};
	for (unsigned s = 0; s < REDIS_SLOTS; s++) {
		int i = c->map.slot[s];
		if (i >= 0 && !seen[i]) {
			seen[i] = 1;
			if (n < cap)
				slots[n] = s;
			n++;
		}
	}
	return n;
}

redisReply *redis_cluster_slot_command(redis_cluster *c, unsigned slot, const redis_cmd *cmd,
                                       char *err, size_t errlen)
{
	int acked;
	if (slot >= REDIS_SLOTS) {
		snprintf(err, errlen, "slot %u out of range", slot);
		return NULL;
	}
	return run_slot(c, slot, cmd, NULL, &acked, err, errlen);
}
