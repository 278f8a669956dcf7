/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Redirections and the slot map (src/redis/redirect.h, slotmap.h, reply.h): MOVED/ASK texts
 * as redis-server sends them, malformed ones refused, seeds URLs, CLUSTER SLOTS replies
 * (parsed from RESP by hiredis's own reader) applied whole or not at all, the routing step
 * of both clients, the deep copy of a reply, and the bound on announced aggregates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/aiot_err.h"
#include "redis/redirect.h"
#include "redis/reply.h"
#include "redis/slotmap.h"

static redisReply *resp(const char *s)
{
	void *r = NULL;
	redisReader *rd = redisReaderCreate();
	assert_non_null(rd);
	assert_int_equal(redisReaderFeed(rd, s, strlen(s)), REDIS_OK);
	assert_int_equal(redisReaderGetReply(rd, &r), REDIS_OK);
	assert_non_null(r);
	redisReaderFree(rd);
	return r;
}

static int parse(const char *s, redis_redirect *out)
{
	return redis_redirect_parse(s, strlen(s), "10.0.0.9", out);
}

static void test_redirect_texts(void **state)
{
	redis_redirect r;
	(void)state;
	assert_int_equal(parse("MOVED 3999 127.0.0.1:6381", &r), AIOT_OK);
	assert_int_equal(r.kind, REDIS_REDIRECT_MOVED);
	assert_int_equal(r.slot, 3999);
	assert_string_equal(r.addr.host, "127.0.0.1");
	assert_int_equal(r.addr.port, 6381);
	assert_int_equal(parse("ASK 16383 ::1:7000", &r), AIOT_OK);
	assert_int_equal(r.kind, REDIS_REDIRECT_ASK);
	assert_int_equal(r.slot, 16383);
	assert_string_equal(r.addr.host, "::1");
	assert_int_equal(parse("MOVED 0 :7001", &r), AIOT_OK); /* Redis 7: unknown endpoint */
	assert_string_equal(r.addr.host, "10.0.0.9");
	assert_int_equal(parse("CLUSTERDOWN The cluster is down", &r), AIOT_OK);
	assert_int_equal(r.kind, REDIS_RETRY_LATER);
	assert_int_equal(parse("TRYAGAIN Multiple keys request during rehashing of slot", &r),
	                 AIOT_OK);
	assert_int_equal(r.kind, REDIS_RETRY_LATER);
	assert_int_equal(parse("WRONGTYPE Operation against a key", &r), AIOT_OK);
	assert_int_equal(r.kind, REDIS_REPLY_FINAL);
	assert_int_equal(parse("MOVEDX 1 a:1", &r), AIOT_OK); /* another word */
	assert_int_equal(r.kind, REDIS_REPLY_FINAL);
	static const char *const bad[] = {
	    "MOVED",      "MOVED ",      "MOVED 16384 a:1", "MOVED 99999 a:1", "MOVED 1",
	    "MOVED 1 a",  "MOVED 1 a:0", "MOVED 1 a:65536", "MOVED -1 a:1",    "MOVED 1  a:1",
	    "ASK 1 a:1x", "ASK x a:1",   "ASK 1 a b:1",     "ASK 123456 a:1",  "MOVED 1 :1",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(redis_redirect_parse(bad[i], strlen(bad[i]), NULL, &r),
		                 AIOT_ERR_MALFORMED);
}

static void test_seeds(void **state)
{
	redis_slotmap *m = malloc(sizeof *m);
	(void)state;
	assert_int_equal(redis_slotmap_init(m, "redis-cluster://127.0.0.1:7000,127.0.0.1:7001"),
	                 AIOT_OK);
	assert_int_equal(m->n, 2);
	assert_int_equal(m->node[1].addr.port, 7001);
	assert_int_equal(m->slot[0], -1);
	assert_int_equal(redis_slotmap_covered(m), 0);
	assert_int_equal(redis_slotmap_init(m, "localhost:1"), AIOT_OK);
	static const char *const bad[] = {"",  "redis-cluster://", "a:1,",  "a:1,,b:2",
	                                  "a", "a:1;rm",           "a b:1", "redis://a:1"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(redis_slotmap_init(m, bad[i]), AIOT_ERR_MALFORMED);
	assert_int_equal(redis_slotmap_init(m, NULL), AIOT_ERR_MALFORMED);
	free(m);
}

/* Two ranges, each a master and a replica, as redis-server 7 answers (with the metadata). */
#define SLOTS_OK                                                                                   \
	"*2\r\n"                                                                                   \
	"*4\r\n:0\r\n:8191\r\n*4\r\n$9\r\n127.0.0.1\r\n:7000\r\n$2\r\nid\r\n*0\r\n"                \
	"*3\r\n$9\r\n127.0.0.1\r\n:7003\r\n$2\r\nid\r\n"                                           \
	"*4\r\n:8192\r\n:16383\r\n*3\r\n$0\r\n\r\n:7001\r\n$2\r\nid\r\n"                           \
	"*3\r\n$9\r\n127.0.0.1\r\n:7004\r\n$2\r\nid\r\n"

#define OVERLAP                                                                                    \
	"*2\r\n*3\r\n:0\r\n:10\r\n*2\r\n$1\r\na\r\n:1\r\n"                                         \
	"*3\r\n:10\r\n:20\r\n*2\r\n$1\r\nb\r\n:1\r\n"

static void test_cluster_slots(void **state)
{
	redis_slotmap *m = malloc(sizeof *m);
	(void)state;
	assert_int_equal(redis_slotmap_init(m, "127.0.0.1:7000"), AIOT_OK);
	redisReply *r = resp(SLOTS_OK);
	assert_int_equal(redis_slotmap_update(m, r, "127.0.0.9"), AIOT_OK);
	freeReplyObject(r);
	assert_int_equal(redis_slotmap_covered(m), REDIS_SLOTS);
	assert_int_equal(m->n, 4);
	assert_int_equal(m->slot[0], 0);
	assert_int_equal(m->slot[16383], 2);
	assert_string_equal(m->node[2].addr.host, "127.0.0.9"); /* empty host: the one asked */
	assert_int_equal(m->node[1].master, 0);                 /* 7003 replicates 7000 */
	assert_int_equal(m->node[3].master, 2);
	/* Refused whole: overlap, bad range, bad port, a replica equal to its master. */
	static const char *const bad[] = {
	    OVERLAP,
	    "*1\r\n*3\r\n:5\r\n:4\r\n*2\r\n$1\r\na\r\n:1\r\n",
	    "*1\r\n*3\r\n:0\r\n:16384\r\n*2\r\n$1\r\na\r\n:1\r\n",
	    "*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n$1\r\na\r\n:0\r\n",
	    "*1\r\n*3\r\n:0\r\n:1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n",
	    "*1\r\n*4\r\n:0\r\n:1\r\n*2\r\n$1\r\na\r\n:1\r\n*2\r\n$1\r\na\r\n:1\r\n",
	    "*1\r\n*2\r\n:0\r\n:1\r\n",
	    "*1\r\n:1\r\n",
	    "$2\r\nno\r\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		r = resp(bad[i]);
		assert_int_equal(redis_slotmap_update(m, r, "x"), AIOT_ERR_MALFORMED);
		freeReplyObject(r);
		assert_int_equal(redis_slotmap_covered(m), REDIS_SLOTS); /* unchanged */
		assert_int_equal(m->slot[16383], 2);
	}
	free(m);
}

static void test_route(void **state)
{
	redis_slotmap *m = malloc(sizeof *m);
	int next, asking;
	(void)state;
	assert_int_equal(redis_slotmap_init(m, "127.0.0.1:7000"), AIOT_OK);
	m->slot[42] = 0;
	redisReply *r = resp("-MOVED 42 127.0.0.1:7002\r\n");
	assert_int_equal(redis_route_reply(m, r, 0, &next, &asking), REDIS_STEP_REDIRECT);
	assert_int_equal(next, -1);
	assert_int_equal(m->slot[42], 1); /* MOVED updates the map */
	freeReplyObject(r);
	r = resp("-ASK 42 127.0.0.1:7005\r\n");
	assert_int_equal(redis_route_reply(m, r, 1, &next, &asking), REDIS_STEP_REDIRECT);
	assert_int_equal(next, 2);
	assert_int_equal(asking, 1);
	assert_int_equal(m->slot[42], 1); /* ASK does not */
	freeReplyObject(r);
	r = resp("-CLUSTERDOWN The cluster is down\r\n");
	assert_int_equal(redis_route_reply(m, r, 1, &next, &asking), REDIS_STEP_RETRY);
	freeReplyObject(r);
	assert_int_equal(redis_route_reply(m, NULL, 1, &next, &asking), REDIS_STEP_RETRY);
	r = resp("-ERR unknown command\r\n");
	assert_int_equal(redis_route_reply(m, r, 1, &next, &asking), REDIS_STEP_DONE);
	freeReplyObject(r);
	r = resp("-MOVED 42 nowhere\r\n"); /* malformed: the caller's error, no map change */
	assert_int_equal(redis_route_reply(m, r, 1, &next, &asking), REDIS_STEP_DONE);
	assert_int_equal(m->slot[42], 1);
	freeReplyObject(r);
	free(m);
}

static void test_reply_dup(void **state)
{
	(void)state;
	redisReply *r = resp(SLOTS_OK);
	redisReply *d = redis_reply_dup(r);
	assert_non_null(d);
	assert_int_equal(d->elements, 2);
	assert_int_equal(d->element[1]->element[2]->element[1]->integer, 7001);
	assert_int_equal(d->element[0]->element[2]->element[0]->len, 9);
	assert_memory_equal(d->element[0]->element[2]->element[0]->str, "127.0.0.1", 10);
	freeReplyObject(r);
	freeReplyObject(d);
	assert_null(redis_reply_dup(NULL));
}

/* A node announcing a huge array is refused before hiredis allocates it; a legal one passes. */
static void test_reader_bound(void **state)
{
	(void)state;
	static const char *huge[] = {"*1073741824\r\n", "*1048577\r\n", "*2\r\n*2000000\r\n",
	                             "*-5\r\n"};
	for (size_t i = 0; i < sizeof huge / sizeof huge[0]; i++) {
		redisReader *rd = redisReaderCreate();
		void *r = NULL;
		assert_non_null(rd);
		redis_reader_bound(rd);
		assert_int_equal(redisReaderFeed(rd, huge[i], strlen(huge[i])), REDIS_OK);
		assert_int_equal(redisReaderGetReply(rd, &r), REDIS_ERR);
		assert_null(r);
		redisReaderFree(rd);
	}
	const char *ok = "*2\r\n*3\r\n:1\r\n:2\r\n$1\r\nx\r\n$-1\r\n";
	redisReader *rd = redisReaderCreate();
	assert_non_null(rd);
	redis_reader_bound(rd);
	redis_reader_bound(rd); /* twice: no change */
	void *v = NULL;
	assert_int_equal(redisReaderFeed(rd, ok, strlen(ok)), REDIS_OK);
	assert_int_equal(redisReaderGetReply(rd, &v), REDIS_OK);
	redisReply *r = v;
	assert_non_null(r);
	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	assert_int_equal(r->elements, 2);
	assert_int_equal(r->element[0]->elements, 3);
	assert_string_equal(r->element[0]->element[2]->str, "x");
	assert_int_equal(r->element[1]->type, REDIS_REPLY_NIL);
	freeReplyObject(r);
	redisReaderFree(rd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_redirect_texts), cmocka_unit_test(test_seeds),
	    cmocka_unit_test(test_cluster_slots),  cmocka_unit_test(test_route),
	    cmocka_unit_test(test_reply_dup),      cmocka_unit_test(test_reader_bound),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
