/* SPDX-License-Identifier: Apache-2.0 */
/*
 * redis_cluster_check URL STEP: drives the Redis Cluster client (src/redis) against a real
 * cluster (tests/integration/redis_cluster.sh, started by scripts/redis-cluster.sh). Steps:
 *   keyslot    random keys (with and without {tags}): our slot == the server's CLUSTER KEYSLOT
 *   basic      SET/GET over every master, a 2000-command pipeline (timed against one by one)
 *   migrate    a manual migration of one slot (CLUSTER SETSLOT IMPORTING/MIGRATING, MIGRATE,
 *              SETSLOT NODE): ASK during MIGRATING (map unchanged), MOVED after (map updated)
 *   async      the libevent client: 1000 SETs with WAIT 1, then GETs, all pipelined
 *   stall      SIGSTOP of a master: a short retry time fails clearly; the async client's
 *              command on the wire is taken back and served after the failover
 *   failover   300 WAIT-confirmed writes, kill -9 of a master, then the time until the async
 *              and the sync client are served again, and every confirmed write read back
 * Prints "ok ..." / "FAIL ..." lines and exits non-zero on a failure. Values are random and
 * never printed.
 */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <hiredis/hiredis.h>

#include "common/clock.h"
#include "redis/cluster.h"
#include "redis/cluster_async.h"
#include "redis/slot.h"

static redis_cluster *cl;
static const char *url;
static int fails;
static const redis_cluster_opts opts = {.io_timeout_ms = 1000, .retry_ms = 15000};

static void check(int cond, const char *what)
{
	printf("%s %s\n", cond ? "ok  " : "FAIL", what);
	fflush(stdout);
	fails += !cond;
}

static redis_cmd mk(const char *key, int argc, const char **argv)
{
	return (redis_cmd){.key = key, .keylen = strlen(key), .argc = argc, .argv = argv};
}

/* GET key through the cluster client: 1 when it equals val. */
static int get_is(const char *key, const char *val)
{
	char err[160];
	const char *a[] = {"GET", key};
	redis_cmd c = mk(key, 2, a);
	redisReply *r = redis_cluster_command(cl, &c, err, sizeof err);
	int ok = r && r->type == REDIS_REPLY_STRING && strcmp(r->str, val) == 0;
	if (r == NULL)
		fprintf(stderr, "GET: %s\n", err);
	freeReplyObject(r);
	return ok;
}

/* SET key val, then WAIT n on the same connection: the replicas that have it, -1 on error. */
static int set_wait(const char *key, const char *val, int n)
{
	char err[160];
	int acked;
	const char *a[] = {"SET", key, val};
	redis_cmd c = mk(key, 3, a);
	redisReply *r = redis_cluster_command_wait(cl, &c, n, 2000, &acked, err, sizeof err);
	int ok = r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0;
	if (r == NULL)
		fprintf(stderr, "SET: %s\n", err);
	freeReplyObject(r);
	return ok ? acked : -1;
}

static void rand_val(char *v, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	for (size_t i = 0; i + 1 < n; i++)
		v[i] = hex[rand() & 15];
	v[n - 1] = '\0';
}

/* A plain hiredis connection to one node ("host:port"), for the steps an operator makes. */
static redisContext *node(const char *addr)
{
	char host[64];
	int port;
	if (sscanf(addr, "%63[^:]:%d", host, &port) != 2)
		return NULL;
	redisContext *x = redisConnect(host, port);
	if (x != NULL && x->err) {
		redisFree(x);
		return NULL;
	}
	return x;
}

static void step_keyslot(void)
{
	int agree = 0, n = 2000;
	for (int i = 0; i < n; i++) {
		char key[40];
		int l = rand() % 12;
		for (int j = 0; j < l; j++)
			key[j] = "ab{}xyz01"[rand() % 9];
		key[l] = '\0';
		const char *a[] = {"CLUSTER", "KEYSLOT", key};
		redis_cmd c = mk(key, 3, a);
		char err[160];
		redisReply *r = redis_cluster_command(cl, &c, err, sizeof err);
		agree += r && r->type == REDIS_REPLY_INTEGER &&
		         r->integer == (long long)redis_key_slot(key, strlen(key));
		freeReplyObject(r);
	}
	char what[80];
	snprintf(what, sizeof what, "keyslot: %d of %d random keys agree with CLUSTER KEYSLOT",
	         agree, n);
	check(agree == n, what);
}

#define NPIPE 2000

static void step_basic(void)
{
	static char keys[NPIPE][16], vals[NPIPE][24];
	static const char *sa[NPIPE][3], *ga[NPIPE][2];
	static redis_cmd sets[NPIPE], gets[NPIPE];
	static redisReply *rep[NPIPE];
	char masters[3][80] = {{0}}, m[80], err[200], what[160];
	int nm = 0, ok = 1;
	for (int i = 0; i < NPIPE; i++) {
		snprintf(keys[i], sizeof keys[i], "k%d", i);
		rand_val(vals[i], sizeof vals[i]);
		sa[i][0] = "SET", sa[i][1] = keys[i], sa[i][2] = vals[i];
		ga[i][0] = "GET", ga[i][1] = keys[i];
		sets[i] = mk(keys[i], 3, sa[i]);
		gets[i] = mk(keys[i], 2, ga[i]);
	}
	double t0 = aiot_mono_s();
	for (int i = 0; i < 300; i++)
		ok &= set_wait(keys[i], vals[i], 1) >= 0 && get_is(keys[i], vals[i]);
	double one = (aiot_mono_s() - t0) / 600;
	for (int i = 0; i < 300; i++) {
		redis_cluster_master_of(cl, keys[i], strlen(keys[i]), m, sizeof m);
		int seen = 0;
		for (int j = 0; j < nm; j++)
			seen |= strcmp(masters[j], m) == 0;
		if (!seen && nm < 3)
			snprintf(masters[nm++], sizeof masters[0], "%s", m);
	}
	snprintf(what, sizeof what, "basic: 300 SET+WAIT/GET, keys on %d masters", nm);
	check(ok && nm == 3, what);
	t0 = aiot_mono_s();
	int rc = redis_cluster_pipeline(cl, sets, NPIPE, rep, err, sizeof err);
	for (int i = 0; i < NPIPE; i++)
		freeReplyObject(rep[i]);
	/* The same SETs again, each node's batch followed by WAIT 1 */
	static int acked[NPIPE];
	int confirmed = 0;
	rc |= redis_cluster_pipeline_wait(cl, sets, NPIPE, 1, 2000, rep, acked, err, sizeof err);
	for (int i = 0; i < NPIPE; i++) {
		confirmed += acked[i] >= 1 && rep[i] && rep[i]->type == REDIS_REPLY_STATUS;
		freeReplyObject(rep[i]);
	}
	rc |= redis_cluster_pipeline(cl, gets, NPIPE, rep, err, sizeof err);
	double piped = (aiot_mono_s() - t0) / (3 * NPIPE);
	for (int i = 0; i < NPIPE; i++) {
		ok &= rep[i] && rep[i]->type == REDIS_REPLY_STRING && !strcmp(rep[i]->str, vals[i]);
		freeReplyObject(rep[i]);
	}
	snprintf(what, sizeof what,
	         "pipeline: %d SET, %d SET confirmed by WAIT 1, %d GET answered right; %.1f "
	         "us/command pipelined, %.1f us one by one",
	         NPIPE, confirmed, NPIPE, piped * 1e6, one * 1e6);
	check(rc == 0 && ok && confirmed == NPIPE, what);
}

/* A command on one node; 1 when it answered +OK (or, with want, that string). */
static int node_ok(redisContext *x, const char *want, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	redisReply *r = x ? redisvCommand(x, fmt, ap) : NULL;
	va_end(ap);
	int ok = r && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING) &&
	         strcmp(r->str, want ? want : "OK") == 0;
	if (!ok && r && r->type == REDIS_REPLY_ERROR)
		fprintf(stderr, "node: %s\n", r->str);
	freeReplyObject(r);
	return ok;
}

static int node_id(redisContext *x, char id[64])
{
	redisReply *r = x ? redisCommand(x, "CLUSTER MYID") : NULL;
	int ok = r && r->type == REDIS_REPLY_STRING && r->len < 64;
	if (ok)
		memcpy(id, r->str, r->len + 1);
	freeReplyObject(r);
	return ok;
}

static void step_migrate(void)
{
	char src[80], dst[80], m[80], sid[64], did[64], va[24], vb[24];
	const char *ka = "{mig}a", *kb = "{mig}b";
	unsigned slot = redis_key_slot("mig", 3);
	redis_cluster_master_of(cl, ka, strlen(ka), src, sizeof src);
	dst[0] = '\0';
	for (int i = 0; i < 100 && !dst[0]; i++) { /* another master */
		char k[16];
		snprintf(k, sizeof k, "o%d", i);
		redis_cluster_master_of(cl, k, strlen(k), m, sizeof m);
		if (strcmp(m, src) != 0)
			snprintf(dst, sizeof dst, "%s", m);
	}
	redisContext *s = node(src), *d = node(dst);
	rand_val(va, sizeof va);
	rand_val(vb, sizeof vb);
	int ok = s && d && node_id(s, sid) && node_id(d, did) && set_wait(ka, va, 1) >= 0 &&
	         node_ok(d, NULL, "CLUSTER SETSLOT %u IMPORTING %s", slot, sid) &&
	         node_ok(s, NULL, "CLUSTER SETSLOT %u MIGRATING %s", slot, did);
	check(ok, "migrate: slot of {mig} MIGRATING from one master, IMPORTING on another");
	/* A new key of a MIGRATING slot: the source answers ASK, the client asks the target. */
	ok = set_wait(kb, vb, 1) >= 0 && get_is(kb, vb) && get_is(ka, va);
	redis_cluster_master_of(cl, kb, strlen(kb), m, sizeof m);
	check(ok && strcmp(m, src) == 0, "ASK: new key written and read on the target, map "
	                                 "unchanged, old key still served by the source");
	check(node_ok(d, NULL, "ASKING") && node_ok(d, vb, "GET %s", kb),
	      "ASK: the new key is on the target node");
	char dhost[64];
	int dport = 0;
	sscanf(dst, "%63[^:]:%d", dhost, &dport);
	ok = node_ok(s, NULL, "MIGRATE %s %d %s 0 5000 KEYS %s", dhost, dport, "", ka) &&
	     node_ok(d, NULL, "CLUSTER SETSLOT %u NODE %s", slot, did) &&
	     node_ok(s, NULL, "CLUSTER SETSLOT %u NODE %s", slot, did);
	check(ok, "migrate: key moved (MIGRATE), slot assigned to the target (SETSLOT NODE)");
	ok = get_is(ka, va) && get_is(kb, vb);
	redis_cluster_master_of(cl, ka, strlen(ka), m, sizeof m);
	check(ok && strcmp(m, src) != 0, "MOVED: both keys read, the map now names the target");
	if (s)
		redisFree(s);
	if (d)
		redisFree(d);
}

/* ---- the libevent client ---------------------------------------------------------------- */

struct acount {
	int done, good, acked;
	uint64_t last_ms;
	const char *want; /* GET: the expected value */
};

static void on_set(const redisReply *r, int acked, const char *err, void *arg)
{
	struct acount *n = arg;
	n->done++;
	n->good += r && r->type == REDIS_REPLY_STATUS && strcmp(r->str, "OK") == 0;
	n->acked += acked >= 1;
	n->last_ms = aiot_mono_ms();
	if (err)
		fprintf(stderr, "async: %s\n", err);
}

static void on_get(const redisReply *r, int acked, const char *err, void *arg)
{
	struct acount *n = arg;
	(void)acked;
	n->done++;
	n->good += r && r->type == REDIS_REPLY_STRING && strcmp(r->str, n->want) == 0;
	if (err)
		fprintf(stderr, "async: %s\n", err);
}

#define NASYNC 1000

static void step_async(void)
{
	static char keys[NASYNC][16], val[24];
	struct event_base *base = event_base_new();
	char err[160], what[160];
	struct acount sets = {0}, gets = {.want = val};
	redis_acluster *ac = redis_acluster_new(base, url, &opts, err, sizeof err);
	rand_val(val, sizeof val);
	double t0 = aiot_mono_s();
	for (int i = 0; ac && i < NASYNC; i++) {
		snprintf(keys[i], sizeof keys[i], "a%d", i);
		const char *a[] = {"SET", keys[i], val};
		redis_cmd c = mk(keys[i], 3, a);
		redis_acluster_command(ac, &c, 1, 2000, on_set, &sets);
	}
	while (ac && sets.done < NASYNC)
		event_base_loop(base, EVLOOP_ONCE);
	for (int i = 0; ac && i < NASYNC; i++) {
		const char *a[] = {"GET", keys[i]};
		redis_cmd c = mk(keys[i], 2, a);
		redis_acluster_command(ac, &c, -1, 0, on_get, &gets);
	}
	while (ac && gets.done < NASYNC)
		event_base_loop(base, EVLOOP_ONCE);
	snprintf(what, sizeof what,
	         "async: %d SET (%d confirmed by WAIT 1) and %d GET right in %.0f ms", sets.good,
	         sets.acked, gets.good, (aiot_mono_s() - t0) * 1e3);
	check(ac && sets.good == NASYNC && sets.acked == NASYNC && gets.good == NASYNC, what);
	check(ac && redis_acluster_pending(ac) == 0, "async: nothing left pending");
	redis_acluster_free(ac);
	event_base_free(base);
}

/* ---- failover ----------------------------------------------------------------------------- */

/* The pid of the master of key's slot (INFO server of that node). */
static int pid_of_master(const char *key, char *addr, size_t addrlen)
{
	redis_cluster_master_of(cl, key, strlen(key), addr, addrlen);
	redisContext *x = node(addr);
	redisReply *r = x ? redisCommand(x, "INFO server") : NULL;
	const char *p = r && r->type == REDIS_REPLY_STRING ? strstr(r->str, "process_id:") : NULL;
	int pid = p ? atoi(p + 11) : 0;
	freeReplyObject(r);
	if (x)
		redisFree(x);
	return pid > 1 ? pid : -1;
}

#define NFO 300
#define NPOST 100

static void step_failover(void)
{
	static char keys[NFO][16], vals[NFO][24], post[NPOST][16];
	char dead[80], now_m[80], err[160], what[200], v[24];
	int acked = 0, on_dead = 0, good = 0;
	struct event_base *base = event_base_new();
	struct acount as = {0};
	redis_acluster *ac = redis_acluster_new(base, url, &opts, err, sizeof err);
	for (int i = 0; i < NPOST; i++) /* half on the master to kill */
		snprintf(post[i], sizeof post[i], i % 2 ? "{fo}p%d" : "p%d", i);
	for (int i = 0; i < NFO; i++) {
		snprintf(keys[i], sizeof keys[i], "f%d", i);
		rand_val(vals[i], sizeof vals[i]);
		acked += set_wait(keys[i], vals[i], 1) >= 1;
	}
	/* Warm the async client's connections to every master, so that it sees the kill. */
	for (int i = 0; ac && i < 30; i++) {
		const char *a[] = {"SET", keys[i], vals[i]};
		redis_cmd c = mk(keys[i], 3, a);
		redis_acluster_command(ac, &c, -1, 0, on_set, &as);
	}
	while (ac && as.done < 30)
		event_base_loop(base, EVLOOP_ONCE);
	check(acked == NFO && as.good == 30, "failover: 300 writes confirmed by WAIT 1");
	redis_cluster_master_of(cl, "{fo}", 4, dead, sizeof dead);
	for (int i = 0; i < NFO; i++) {
		redis_cluster_master_of(cl, keys[i], strlen(keys[i]), now_m, sizeof now_m);
		on_dead += strcmp(now_m, dead) == 0;
	}
	int pid = pid_of_master("{fo}", dead, sizeof dead);
	check(on_dead > 0 && pid > 0 && kill(pid, SIGKILL) == 0, "failover: kill -9 of a master");
	uint64_t t_kill = aiot_mono_ms();
	as = (struct acount){0};
	rand_val(v, sizeof v);
	const char *a[] = {"SET", "{fo}async", v};
	redis_cmd c = mk("{fo}async", 3, a);
	redis_acluster_command(ac, &c, 0, 1000, on_set, &as);
	while (ac && as.done < 1)
		event_base_loop(base, EVLOOP_ONCE);
	uint64_t t_async = as.last_ms - t_kill;
	/* The sync client still holds a connection to the dead master: a pipeline with WAIT
	 * loses that node's batch and redoes it on the promoted replica. */
	int sync_ok = 0;
	redisReply *rep[NPOST];
	int acks[NPOST];
	redis_cmd pc[NPOST];
	const char *pa[NPOST][3];
	for (int i = 0; i < NPOST; i++) {
		pa[i][0] = "SET", pa[i][1] = post[i], pa[i][2] = v;
		pc[i] = mk(post[i], 3, pa[i]);
	}
	int prc = redis_cluster_pipeline_wait(cl, pc, NPOST, 0, 1000, rep, acks, err, sizeof err);
	for (int i = 0; i < NPOST; i++) {
		sync_ok += rep[i] && rep[i]->type == REDIS_REPLY_STATUS && acks[i] >= 0;
		freeReplyObject(rep[i]);
	}
	uint64_t t_sync = aiot_mono_ms() - t_kill;
	snprintf(what, sizeof what,
	         "failover: a write to the dead master's slot answered after %llu ms (async "
	         "client); a pipeline of %d SET+WAIT (%d for that slot) by the sync client, %llu "
	         "ms after the kill",
	         (unsigned long long)t_async, sync_ok, NPOST / 2, (unsigned long long)t_sync);
	check(as.good == 1 && prc == 0 && sync_ok == NPOST, what);
	redis_cluster_master_of(cl, "{fo}", 4, now_m, sizeof now_m);
	check(strcmp(now_m, dead) != 0, "failover: a replica now serves the dead master's slots");
	for (int i = 0; i < NFO; i++)
		good += get_is(keys[i], vals[i]);
	int post_good = 0;
	for (int i = 0; i < NPOST; i++)
		post_good += get_is(post[i], v);
	snprintf(what, sizeof what,
	         "failover: %d of %d confirmed writes read back after it (%d were on the dead "
	         "master), and %d of the %d written after",
	         good, NFO, on_dead, post_good, NPOST);
	check(good == NFO && post_good == NPOST && get_is("{fo}async", v), what);
	printf("recovery_ms async=%llu sync=%llu\n", (unsigned long long)t_async,
	       (unsigned long long)t_sync);
	redis_acluster_free(ac);
	event_base_free(base);
}

/* A stopped master (SIGSTOP): connections stay open, nothing answers. A client with a short
 * retry time fails with a clear error; the async client's command, already on the wire,
 * is taken back by the stall check and served once a replica is promoted. */
static void step_stall(void)
{
	char addr[80], err[160], what[400], v[24];
	struct event_base *base = event_base_new();
	struct acount as = {0};
	redis_cluster_opts quick = {.io_timeout_ms = 200, .retry_ms = 300};
	redis_cluster *qc = redis_cluster_open(url, &quick, err, sizeof err);
	redis_acluster *ac = redis_acluster_new(base, url, &opts, err, sizeof err);
	rand_val(v, sizeof v);
	const char *a[] = {"SET", "{st}", v};
	redis_cmd c = mk("{st}", 3, a);
	redis_acluster_command(ac, &c, -1, 0, on_set, &as); /* connects to the master */
	while (ac && as.done < 1)
		event_base_loop(base, EVLOOP_ONCE);
	int pid = pid_of_master("{st}", addr, sizeof addr);
	check(qc && as.good == 1 && pid > 0 && kill(pid, SIGSTOP) == 0,
	      "stall: SIGSTOP of a master");
	uint64_t t0 = aiot_mono_ms();
	redisReply *r = qc ? redis_cluster_command(qc, &c, err, sizeof err) : NULL;
	snprintf(what, sizeof what, "stall: a client with retry_ms 300 fails after %llu ms: %s",
	         (unsigned long long)(aiot_mono_ms() - t0), r ? "(answered)" : err);
	check(r == NULL && strstr(err, "no node served it within 300 ms") != NULL, what);
	freeReplyObject(r);
	as = (struct acount){0};
	redis_acluster_command(ac, &c, 0, 0, on_set, &as);
	while (ac && as.done < 1)
		event_base_loop(base, EVLOOP_ONCE);
	snprintf(what, sizeof what,
	         "stall: the async client's write answered %llu ms after the stop, by the "
	         "promoted replica",
	         (unsigned long long)(as.last_ms - t0));
	check(as.good == 1 && get_is("{st}", v), what);
	check(pid > 0 && kill(pid, SIGCONT) == 0, "stall: SIGCONT of the stopped master");
	t0 = aiot_mono_ms();
	int back = 0;
	while (!back && aiot_mono_ms() - t0 < 20000) { /* it rejoins as the new master's replica */
		redisContext *x = node(addr);
		redisReply *i = x ? redisCommand(x, "INFO replication") : NULL;
		back = i && i->type == REDIS_REPLY_STRING && strstr(i->str, "role:slave") &&
		       strstr(i->str, "master_link_status:up");
		freeReplyObject(i);
		if (x)
			redisFree(x);
		if (!back)
			usleep(100 * 1000);
	}
	snprintf(what, sizeof what, "stall: the stopped master is back as a replica after %llu ms",
	         (unsigned long long)(aiot_mono_ms() - t0));
	check(back, what);
	redis_cluster_close(qc);
	redis_acluster_free(ac);
	event_base_free(base);
}

int main(int argc, char **argv)
{
	char err[200];
	if (argc != 3) {
		fprintf(stderr, "usage: %s URL keyslot|basic|migrate|async|stall|failover\n",
		        argv[0]);
		return 2;
	}
	url = argv[1];
	srand((unsigned)getpid() ^ (unsigned)aiot_mono_us());
	if ((cl = redis_cluster_open(url, &opts, err, sizeof err)) == NULL) {
		fprintf(stderr, "FAIL open: %s\n", err);
		return 1;
	}
	const char *s = argv[2];
	if (!strcmp(s, "keyslot"))
		step_keyslot();
	else if (!strcmp(s, "basic"))
		step_basic();
	else if (!strcmp(s, "migrate"))
		step_migrate();
	else if (!strcmp(s, "async"))
		step_async();
	else if (!strcmp(s, "failover"))
		step_failover();
	else if (!strcmp(s, "stall"))
		step_stall();
	else
		fails++;
	redis_cluster_close(cl);
	return fails ? 1 : 0;
}
