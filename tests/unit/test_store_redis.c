/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Redis Cluster backend's texts (store_redis_codec.c), without a cluster: the store URL
 * and its options, duplicates in an insert, and the decoding of a device's hash
 * (every field, and what is refused), a device's mutable state as HMGET answers it (for the
 * ADMs that share a store) and the T-ID index key. On a cluster: it_store_redis.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/aiot_err.h"
#include "store/store_redis.h"

static void test_url(void **state)
{
	(void)state;
	rs_url u;
	char err[256];
	assert_int_equal(rs_url_parse("//127.0.0.1:7000,127.0.0.1:7001", &u, err, sizeof err),
	                 AIOT_OK);
	assert_string_equal(u.seeds, "redis-cluster://127.0.0.1:7000,127.0.0.1:7001");
	assert_string_equal(u.ns, "aiot");
	assert_int_equal(u.wait_n, RS_WAIT_DEFAULT);
	assert_int_equal(u.wait_ms, RS_WAIT_MS_DEFAULT);
	assert_int_equal(rs_url_parse("//h:1?wait=0&wait-ms=50&ns=a-b.c_9", &u, err, sizeof err),
	                 AIOT_OK);
	assert_string_equal(u.seeds, "redis-cluster://h:1");
	assert_string_equal(u.ns, "a-b.c_9");
	assert_int_equal(u.wait_n, 0);
	assert_int_equal(u.wait_ms, 50);
	static const char *const bad[] = {
	    "h:1",          "//",          "//h:1?wait=6",
	    "//h:1?wait=",  "//h:1?x=1",   "//h:1?wait-ms=0",
	    "//h:1?ns={x}", "//h:1?ns=",   "//h:1?wait=1x",
	    "//h:1?ns",     "//h:1?&ns=a", "//h:1?ns=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_int_equal(rs_url_parse(bad[i], &u, err, sizeof err), AIOT_ERR_INVAL);
		assert_non_null(strstr(err, "redis-cluster://HOST:PORT"));
	}
}

static void test_duplicate(void **state)
{
	(void)state;
	aiot_dev_record r[4];
	memset(r, 0, sizeof r);
	for (int i = 0; i < 4; i++) {
		r[i].perm_id_len = 3;
		r[i].perm_id[2] = (uint8_t)i;
	}
	assert_int_equal(rs_duplicate(r, 4), 4);
	r[3].perm_id[2] = 1;
	size_t d = rs_duplicate(r, 4);
	assert_true(d == 1 || d == 3);
	r[3].perm_id_len = 4; /* a longer ID with the same first bytes differs */
	assert_int_equal(rs_duplicate(r, 4), 4);
}

/* A HGETALL reply of n field/value pairs (strings). */
static redisReply *hash_reply(const char *const *kv, const size_t *len, size_t n)
{
	redisReply *x = calloc(1, sizeof *x);
	x->type = REDIS_REPLY_ARRAY;
	x->elements = 2 * n;
	x->element = calloc(2 * n, sizeof *x->element);
	for (size_t i = 0; i < 2 * n; i++) {
		redisReply *e = x->element[i] = calloc(1, sizeof *e);
		e->type = REDIS_REPLY_STRING;
		e->len = len != NULL && len[i] ? len[i] : strlen(kv[i]);
		e->str = calloc(1, e->len + 1);
		memcpy(e->str, kv[i], e->len);
	}
	return x;
}

static const char *decode(const char *const *kv, const size_t *len, size_t n, aiot_dev_record *r)
{
	const char *profile = NULL;
	const uint8_t *blob = NULL;
	size_t bl = 0;
	memset(r, 0, sizeof *r);
	redisReply *x = hash_reply(kv, len, n);
	const char *why = rs_decode_fields(x, r, &profile, &blob, &bl);
	if (why == NULL)
		assert_true(blob != NULL && bl > 0);
	freeReplyObject(x);
	return why;
}

static void test_decode(void **state)
{
	(void)state;
	aiot_dev_record r;
	const char *kv[] = {"g",  "shelf", "s", "2", "r",  "96", "p", "1", "k",   "blob",
	                    "tt", "1",     "t", "T", "tp", "P",  "d", "D", "ins", "x"};
	size_t len[20] = {[13] = 16, [15] = 16, [17] = 48};
	char T[16] = "0123456789abcdef";
	kv[13] = T, kv[15] = T, kv[17] = "0123456789abcdef0123456789abcdef0123456789abcdef";
	assert_null(decode(kv, len, 10, &r));
	assert_string_equal(r.group, "shelf");
	assert_int_equal(r.suite, AIOT_SUITE_AES);
	assert_int_equal(r.res_bits, 96);
	assert_int_equal(r.privacy, 1);
	assert_int_equal(r.tid_type, AIOT_TID_CONCEALED);
	assert_true(r.has_tid && r.has_tid_prev && !r.has_session);
	assert_int_equal(r.doa_n, 3);
	assert_string_equal(decode(kv, len, 5, &r), "a field is missing (g, s, r, p, k, tt)");
	assert_null(decode(kv, len, 6, &r)); /* g s r p k tt: the minimum */
	const char *sess[] = {"g", "", "s", "1", "r", "32", "p", "0", "k", "b", "tt", "0", "rn", T};
	size_t slen[14] = {[13] = 16};
	assert_non_null(strstr(decode(sess, slen, 7, &r), "session"));
	const char *bad[][2] = {{"s", "3"},  {"r", "33"}, {"p", "2"},   {"tt", "2"}, {"t", "short"},
	                        {"d", "17"}, {"zz", "1"}, {"r", "-32"}, {"s", ""}};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const char *one[] = {"g", "",  "s", "1",  "r", "32",      "p",
		                     "0", "k", "b", "tt", "0", bad[i][0], bad[i][1]};
		assert_non_null(decode(one, NULL, 7, &r));
		one[12] = "j", one[13] = "{}"; /* the same with a good seventh field */
		assert_null(decode(one, NULL, 7, &r));
	}
	/* the nonces the scripts keep (store_redis.c) are no state of the record */
	const char *nonces[] = {"ins", "tn", "tpn", "dn", "dw", "sn", "jn"};
	for (size_t i = 0; i < sizeof nonces / sizeof nonces[0]; i++) {
		const char *one[] = {"g", "",  "s", "1",  "r", "32",      "p",
		                     "0", "k", "b", "tt", "0", nonces[i], "0123456789abcdef"};
		assert_null(decode(one, NULL, 7, &r));
	}
}

/* An HMGET reply: the values (NULL: nil), len[i] their lengths (0: strlen). */
static redisReply *hmget_reply(const char *const *v, const size_t *len, size_t n)
{
	redisReply *x = calloc(1, sizeof *x);
	x->type = REDIS_REPLY_ARRAY;
	x->elements = n;
	x->element = calloc(n, sizeof *x->element);
	for (size_t i = 0; i < n; i++) {
		redisReply *e = x->element[i] = calloc(1, sizeof *e);
		e->type = v[i] == NULL ? REDIS_REPLY_NIL : REDIS_REPLY_STRING;
		if (v[i] == NULL)
			continue;
		e->len = len[i] ? len[i] : strlen(v[i]);
		e->str = calloc(1, e->len + 1);
		memcpy(e->str, v[i], e->len);
	}
	return x;
}

static void test_decode_state(void **state)
{
	(void)state;
	static const char *const names[] = {"tt", "t", "tp", "rn", "rd", "d", "j"};
	const char T[] = "0123456789abcdef", D[] = "0123456789abcdef0123456789abcdef";
	const char *v[7] = {"1", T, NULL, T, T, D, "{\"x\":1}"};
	size_t len[7] = {0, 16, 0, 16, 16, 32, 0};
	aiot_dev_record r;
	const char *profile = NULL;
	memset(&r, 0, sizeof r);
	redisReply *x = hmget_reply(v, len, 7);
	assert_null(rs_decode_state(x, names, 7, &r, &profile));
	assert_true(r.has_tid && !r.has_tid_prev && r.has_session);
	assert_int_equal(r.tid_type, AIOT_TID_CONCEALED);
	assert_int_equal(r.doa_n, 2);
	assert_string_equal(profile, "{\"x\":1}");
	freeReplyObject(x);
	/* no tt: the device does not exist; rn without rd; a bad T-ID; a short reply */
	v[0] = NULL;
	x = hmget_reply(v, len, 7);
	assert_string_equal(rs_decode_state(x, names, 7, &r, &profile), RS_NO_DEVICE);
	freeReplyObject(x);
	v[0] = "0", v[4] = NULL;
	memset(&r, 0, sizeof r);
	x = hmget_reply(v, len, 7);
	assert_non_null(strstr(rs_decode_state(x, names, 7, &r, &profile), "session"));
	freeReplyObject(x);
	v[4] = T, len[1] = 15;
	x = hmget_reply(v, len, 7);
	assert_string_equal(rs_decode_state(x, names, 7, &r, &profile), "bad 16-byte field");
	assert_string_equal(rs_decode_state(x, names, 6, &r, &profile), "unexpected reply");
	freeReplyObject(x);
	struct rs_cmd c;
	uint8_t tid[16];
	memset(tid, 0xAB, 16);
	tid_key("ns", tid, &c);
	assert_string_equal(c.key, "ns:tid:{abababababababababababababababab}");
	assert_int_equal(c.keylen, strlen(c.key));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_url),
	    cmocka_unit_test(test_duplicate),
	    cmocka_unit_test(test_decode),
	    cmocka_unit_test(test_decode_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
