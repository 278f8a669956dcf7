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

/* Sends [ASKING,] cmd[, WAIT] to node i and reads their replies: cmd's (NULL when the
 * connection failed, then dropped) and WAIT's count in *acked (-1: none). WAIT blocks up to
 * its timeout: the reply timeout grows by as much meanwhile. */
static redisReply *send_one(redis_cluster *c, int i, const redis_cmd *cmd, int asking,
                            const struct wait_cmd *wait, int *acked)
{
	redisReply *r = NULL, *w = NULL, *a = NULL;
	redisContext *x = conn(c, i);
	*acked = -1;
	if (x == NULL ||
	    (wait != NULL && redisSetTimeout(x, tv_of(c->o.io_timeout_ms + wait->ms)) != REDIS_OK))
		return NULL;
	if (asking)
		redisAppendCommand(x, "ASKING");
	redisAppendCommandArgv(x, cmd->argc, cmd->argv, cmd->argvlen);
	if (wait != NULL) {
		const char *argv[3] = {"WAIT", wait->n, wait->t};
		redisAppendCommandArgv(x, 3, argv, NULL);
	}
	if ((asking && redisGetReply(x, (void **)&a) != REDIS_OK) ||
	    redisGetReply(x, (void **)&r) != REDIS_OK ||
	    (wait != NULL && redisGetReply(x, (void **)&w) != REDIS_OK)) {
		freeReplyObject(a);
		freeReplyObject(r);
		drop(c, i);
		return NULL;
	}
	if (wait != NULL)
		redisSetTimeout(x, tv_of(c->o.io_timeout_ms));
	if (w != NULL && w->type == REDIS_REPLY_INTEGER)
		*acked = (int)w->integer;
	freeReplyObject(a);
	freeReplyObject(w);
	return r;
}

static redisReply *run(redis_cluster *c, const redis_cmd *cmd, const struct wait_cmd *wait,
                       int *acked, char *err, size_t errlen)
{
	unsigned slot = redis_key_slot(cmd->key, cmd->keylen);
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

/* Pipelining: every command of node j sent, then its replies read in order; a redirected
 * or lost one is left NULL for redis_cluster_pipeline to redo alone. */
static void pipeline_node(redis_cluster *c, int j, const redis_cmd *cmds, const int *node, size_t n,
                          redisReply **replies)
{
	redisContext *x = conn(c, j);
	if (x == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (node[i] == j)
			redisAppendCommandArgv(x, cmds[i].argc, cmds[i].argv, cmds[i].argvlen);
	for (size_t i = 0; i < n; i++) {
		redisReply *r = NULL;
		int next, asking;
		if (node[i] != j)
			continue;
		if (redisGetReply(x, (void **)&r) != REDIS_OK) {
			drop(c, j);
			return;
		}
		if (redis_route_reply(&c->map, r, j, &next, &asking) == REDIS_STEP_DONE)
			replies[i] = r;
		else
			freeReplyObject(r);
	}
}

int redis_cluster_pipeline(redis_cluster *c, const redis_cmd *cmds, size_t n, redisReply **replies,
                           char *err, size_t errlen)
{
	int rc = AIOT_OK;
	int *node = calloc(n ? n : 1, sizeof *node);
	if (node == NULL) {
		snprintf(err, errlen, "out of memory");
		return AIOT_ERR_NOSPACE;
	}
	for (size_t i = 0; i < n; i++) {
		replies[i] = NULL;
		node[i] = c->map.slot[redis_key_slot(cmds[i].key, cmds[i].keylen)];
	}
	for (int j = 0; j < (int)c->map.n; j++)
		pipeline_node(c, j, cmds, node, n, replies);
	for (size_t i = 0; i < n; i++) {
		char e[160];
		if (replies[i] == NULL &&
		    (replies[i] = redis_cluster_command(c, &cmds[i], e, sizeof e)) == NULL &&
		    rc == AIOT_OK) {
			snprintf(err, errlen, "command %zu of %zu: %s", i + 1, n, e);
			rc = AIOT_ERR_TIMEOUT;
		}
	}
	free(node);
	return rc;
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
