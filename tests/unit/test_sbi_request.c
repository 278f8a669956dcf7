/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SBI request assembly (src/sbi/sbi_request.c) without sockets: header fields and body bytes
 * as nghttp2 hands them over, then the handler's view (TS 29.500 5.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sbi/sbi_srv.h"

static void add(sbi_pending *p, const char *name, const char *value)
{
	assert_int_equal(sbi_req_add_header(p, (const uint8_t *)name, strlen(name),
	                                    (const uint8_t *)value, strlen(value)),
	                 0);
}

static void body(sbi_pending *p, const char *data)
{
	assert_int_equal(sbi_req_add_body(p, (const uint8_t *)data, strlen(data)), 0);
}

static void test_post(void **state)
{
	sbi_pending p = {0};

	(void)state;
	sbi_req_init(&p);
	add(&p, ":method", "POST");
	add(&p, ":scheme", "http");
	add(&p, ":path", "/nadm-sec/v1/get-rand?a=1&b=2");
	add(&p, "content-type", "application/json");
	add(&p, "content-length", "7");
	add(&p, "x-trace", "abc");
	body(&p, "{\"a\"");
	body(&p, ":1}");
	assert_int_equal(p.content_length, 7);
	assert_int_equal(sbi_req_finish(&p, 3), 0);
	assert_string_equal(p.req.method, "POST");
	assert_string_equal(p.req.path, "/nadm-sec/v1/get-rand");
	assert_string_equal(p.req.query, "a=1&b=2");
	assert_string_equal(p.req.content_type, "application/json");
	assert_int_equal(p.req.body_len, 7);
	assert_memory_equal(p.req.body, "{\"a\":1}", 8); /* NUL-terminated */
	assert_int_equal(p.req.worker, 3);
	/* the regular fields only, in order */
	assert_int_equal(p.req.nheaders, 3);
	assert_string_equal(p.req.headers[0].name, "content-type");
	assert_string_equal(p.req.headers[1].name, "content-length");
	assert_string_equal(p.req.headers[1].value, "7");
	assert_string_equal(p.req.headers[2].name, "x-trace");
	assert_string_equal(p.req.headers[2].value, "abc");
	sbi_req_clear(&p);
}

static void test_get_without_body(void **state)
{
	sbi_pending p = {0};

	(void)state;
	sbi_req_init(&p);
	add(&p, ":path", "/metrics");
	add(&p, ":method", "GET");
	assert_int_equal(p.content_length, -1);
	assert_int_equal(sbi_req_finish(&p, 0), 0);
	assert_string_equal(p.req.method, "GET");
	assert_string_equal(p.req.path, "/metrics");
	assert_null(p.req.query);
	assert_null(p.req.content_type);
	assert_int_equal(p.req.nheaders, 0);
	assert_int_equal(p.req.body_len, 0);
	assert_string_equal((const char *)p.req.body, "");
	sbi_req_clear(&p);
}

/* Fields and body past the first allocations: every pointer is taken after the last growth. */
static void test_growth(void **state)
{
	sbi_pending p = {0};
	char name[32], value[64], chunk[1000];
	size_t i;

	(void)state;
	sbi_req_init(&p);
	add(&p, ":method", "PUT");
	add(&p, ":path", "/x");
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "x-field-%zu", i);
		snprintf(value, sizeof(value), "value-%zu-%040zu", i, i);
		add(&p, name, value);
	}
	memset(chunk, 'b', sizeof(chunk) - 1);
	chunk[sizeof(chunk) - 1] = '\0';
	for (i = 0; i < 5; i++)
		body(&p, chunk);
	assert_int_equal(sbi_req_finish(&p, 0), 0);
	assert_int_equal(p.req.nheaders, 100);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "x-field-%zu", i);
		snprintf(value, sizeof(value), "value-%zu-%040zu", i, i);
		assert_string_equal(p.req.headers[i].name, name);
		assert_string_equal(p.req.headers[i].value, value);
	}
	assert_int_equal(p.req.body_len, 5 * (sizeof(chunk) - 1));
	assert_int_equal(p.req.body[p.req.body_len], '\0');
	assert_int_equal(p.req.body[p.req.body_len - 1], 'b');
	sbi_req_clear(&p);
}

/* content-length is a claim (nghttp2 checks it against the DATA): an absurd one saturates
 * instead of wrapping negative, so the 413 check still sees it as too large. */
static void test_content_length_saturates(void **state)
{
	sbi_pending p = {0};

	(void)state;
	sbi_req_init(&p);
	add(&p, "content-length", "99999999999999999999999999");
	assert_true(p.content_length > (int64_t)1 << 40);
	sbi_req_clear(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_post),
	    cmocka_unit_test(test_get_without_body),
	    cmocka_unit_test(test_growth),
	    cmocka_unit_test(test_content_length_saturates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
