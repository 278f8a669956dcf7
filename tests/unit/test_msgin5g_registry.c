/* SPDX-License-Identifier: Apache-2.0 */
/* The MSGin5G server's UE service IDs (src/msgin5g/registry.c): the bindings file and its
 * refusals, the store-and-forward queues (order, bounds per UE and in total, a message put
 * back at the head). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "msgin5g/registry.h"

static char path[64];

static registry *load(const char *json, size_t per_ue, size_t total, char *err)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(json, f);
	fclose(f);
	return registry_load(path, per_ue, total, err, 256);
}

static int setup(void **state)
{
	(void)state;
	snprintf(path, sizeof path, "/tmp/test_msgin5g_registry.%d.json", (int)getpid());
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	return 0;
}

static void test_bindings(void **state)
{
	(void)state;
	char err[256];
	registry *r = load("{\"b@x\": \"imsi-001010000000002\", \"a@x\": \"imsi-001010000000001\"}",
	                   4, 8, err);
	assert_non_null(r);
	assert_int_equal(registry_count(r), 2);
	assert_string_equal(registry_supi(r, "a@x"), "imsi-001010000000001");
	assert_string_equal(registry_supi(r, "b@x"), "imsi-001010000000002");
	assert_null(registry_supi(r, "c@x"));
	assert_null(registry_conn(r, "a@x"));
	registry_set_conn(r, "a@x", r);
	assert_ptr_equal(registry_conn(r, "a@x"), r);
	registry_free(r);
	static const char *const bad[] = {
	    "[]",
	    "{\"a@x\": \"nai-1@x\"}",
	    "{\"a@x\": \"imsi-12\"}",
	    "{\"a@x\": 1}",
	    "{\"\": \"imsi-001010000000001\"}",
	    "{\"a@x\": \"imsi-001010000000001\", \"a@x\": \"imsi-001010000000002\"}",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		err[0] = '\0';
		assert_null(load(bad[i], 4, 8, err));
		assert_true(strlen(err) > 0);
	}
	assert_null(registry_load("/nonexistent/bindings.json", 4, 8, err, sizeof err));
	assert_non_null(strstr(err, "cannot read"));
	r = registry_load(NULL, 4, 8, err, sizeof err); /* none: nobody bound */
	assert_non_null(r);
	assert_int_equal(registry_count(r), 0);
	assert_null(registry_supi(r, "a@x"));
	registry_free(r);
}

static msgin5g_msg msg(const char *id)
{
	msgin5g_msg m = {.type = MSGIN5G_MSG};
	strcpy(m.message_id, id);
	return m;
}

static void test_queues(void **state)
{
	(void)state;
	char err[256], id[8];
	registry *r = load("{\"a@x\": \"imsi-001010000000001\", \"b@x\": \"imsi-001010000000002\"}",
	                   3, 4, err);
	assert_non_null(r);
	for (int i = 0; i < 3; i++) {
		snprintf(id, sizeof id, "a%d", i);
		msgin5g_msg m = msg(id);
		assert_int_equal(registry_push(r, "a@x", &m, 0), 0);
	}
	msgin5g_msg m = msg("a3");
	assert_int_equal(registry_push(r, "a@x", &m, 0), -1); /* 3 per UE */
	m = msg("b0");
	assert_int_equal(registry_push(r, "b@x", &m, 0), 0);
	m = msg("b1");
	assert_int_equal(registry_push(r, "b@x", &m, 0), -1); /* 4 in total */
	assert_int_equal(registry_push(r, "c@x", &m, 0), -1); /* not bound */
	assert_int_equal(registry_queued(r), 4);
	msgin5g_msg *p = registry_pop(r, "a@x");
	assert_string_equal(p->message_id, "a0"); /* oldest first */
	m = *p;
	free(p);
	p = registry_pop(r, "a@x");
	assert_string_equal(p->message_id, "a1");
	msgin5g_msg b = msg("b1");
	assert_int_equal(registry_push(r, "b@x", &b, 0), 0);
	b = msg("b2");
	assert_int_equal(registry_push(r, "b@x", &b, 0), 0); /* full again: 4 */
	assert_int_equal(registry_push(r, "b@x", &b, 0), -1);
	assert_int_equal(registry_push(r, "a@x", p, 1), 0); /* back at the head */
	assert_int_equal(registry_push(r, "a@x", &m, 1), 0);
	assert_int_equal(registry_queued(r), 6); /* put back: not refused for room */
	free(p);
	static const char *const order[] = {"a0", "a1", "a2"};
	for (size_t i = 0; i < 3; i++) {
		p = registry_pop(r, "a@x");
		assert_non_null(p);
		assert_string_equal(p->message_id, order[i]);
		free(p);
	}
	assert_null(registry_pop(r, "a@x"));
	assert_int_equal(registry_queued(r), 3);
	registry_free(r); /* frees what is still queued (ASan: no leak) */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_bindings),
	    cmocka_unit_test(test_queues),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
