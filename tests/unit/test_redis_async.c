/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Redis Cluster clients (src/redis/cluster.h, cluster_async.h) with no cluster to talk
 * to (a loopback port nobody listens on): clear errors, a bounded wait, every callback run
 * exactly once, an event loop that ends by itself. The clients against a real cluster:
 * tests/integration/redis_cluster.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "common/clock.h"
#include "redis/cluster.h"
#include "redis/cluster_async.h"

static char url[64];

/* A loopback port that was free a moment ago: connections to it are refused. */
static int setup(void **state)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	(void)state;
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &l), 0);
	close(fd);
	snprintf(url, sizeof url, "redis-cluster://127.0.0.1:%u", ntohs(a.sin_port));
	return 0;
}

struct outcome {
	int calls;
	char err[128];
};

static void on_done(const redisReply *r, int acked, const char *err, void *arg)
{
	struct outcome *o = arg;
	assert_null(r);
	assert_int_equal(acked, -1);
	o->calls++;
	snprintf(o->err, sizeof o->err, "%s", err ? err : "");
}

static redis_cmd get_cmd(const char **argv)
{
	return (redis_cmd){.key = "k", .keylen = 1, .argc = 2, .argv = argv};
}

static void test_sync_no_cluster(void **state)
{
	char err[160];
	(void)state;
	assert_null(redis_cluster_open(url, NULL, err, sizeof err));
	assert_string_equal(err, "no node of the cluster answered CLUSTER SLOTS");
	assert_null(redis_cluster_open("redis-cluster://127.0.0.1", NULL, err, sizeof err));
	assert_non_null(strstr(err, "expected redis-cluster://HOST:PORT"));
}

static void test_async_expires(void **state)
{
	char err[160];
	const char *argv[] = {"GET", "k"};
	redis_cmd c = get_cmd(argv);
	struct outcome o = {0}, w = {0};
	redis_cluster_opts opts = {.retry_ms = 300};
	struct event_base *base = event_base_new();
	(void)state;
	redis_acluster *ac = redis_acluster_new(base, url, &opts, err, sizeof err);
	assert_non_null(ac);
	uint64_t t0 = aiot_mono_ms();
	assert_int_equal(redis_acluster_command(ac, &c, -1, 0, on_done, &o), 0);
	assert_int_equal(redis_acluster_command(ac, &c, 1, 100, on_done, &w), 0);
	assert_int_equal(o.calls, 0); /* never from inside the call */
	assert_int_equal(redis_acluster_pending(ac), 2);
	event_base_dispatch(base); /* ends when nothing is left to do */
	uint64_t ms = aiot_mono_ms() - t0;
	assert_int_equal(o.calls, 1);
	assert_int_equal(w.calls, 1);
	assert_string_equal(o.err, "slot 7629: no node served it within 300 ms");
	assert_true(ms >= 300 && ms < 3000);
	assert_int_equal(redis_acluster_pending(ac), 0);
	redis_acluster_free(ac);
	event_base_free(base);
}

static void test_async_free_fails_pending(void **state)
{
	char err[160];
	const char *argv[] = {"GET", "k"};
	redis_cmd c = get_cmd(argv);
	struct outcome o[3] = {{0}};
	struct event_base *base = event_base_new();
	(void)state;
	redis_acluster *ac = redis_acluster_new(base, url, NULL, err, sizeof err);
	for (int i = 0; i < 3; i++)
		assert_int_equal(redis_acluster_command(ac, &c, i - 1, 100, on_done, &o[i]), 0);
	event_base_loop(base, EVLOOP_ONCE);
	redis_acluster_free(ac);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(o[i].calls, 1);
		assert_string_equal(o[i].err, "the cluster client is closed");
	}
	assert_null(redis_acluster_new(base, "nope", NULL, err, sizeof err));
	event_base_free(base);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_sync_no_cluster, setup),
	    cmocka_unit_test_setup(test_async_expires, setup),
	    cmocka_unit_test_setup(test_async_free_fails_pending, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
