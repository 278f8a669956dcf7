/* SPDX-License-Identifier: Apache-2.0 */
/*
 * JSON Patch (RFC 6902) as the NRF applies it to NFProfiles (src/nrf/json_patch.c): each
 * operation, JSON Pointer escapes and array indices (RFC 6901), the all-or-nothing rule, and
 * every malformed patch refused with the status the NRF answers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "nrf/json_patch.h"

/* Apply patch text to doc text: the result as compact text (malloc'd), or NULL with *status. */
static char *apply(const char *doc, const char *patch, int *status)
{
	cJSON *d = cJSON_Parse(doc), *p = cJSON_Parse(patch);
	sbi_err e = {0};
	assert_non_null(d);
	assert_non_null(p);
	cJSON *r = json_patch_apply(d, p, &e);
	char *before = cJSON_PrintUnformatted(d), *out = r ? cJSON_PrintUnformatted(r) : NULL;
	cJSON *orig = cJSON_Parse(doc);
	char *orig_txt = cJSON_PrintUnformatted(orig);
	assert_string_equal(before, orig_txt); /* the input is never modified */
	*status = r ? 200 : sbi_err_status(&e);
	if (r == NULL)
		assert_true(e.text[0] != '\0');
	free(before);
	free(orig_txt);
	cJSON_Delete(orig);
	cJSON_Delete(r);
	cJSON_Delete(d);
	cJSON_Delete(p);
	return out;
}

static void expect(const char *doc, const char *patch, const char *want)
{
	int st;
	char *out = apply(doc, patch, &st);
	if (st != 200)
		fprintf(stderr, "refused: %s\n", patch);
	assert_int_equal(st, 200);
	assert_string_equal(out, want);
	free(out);
}

static void refused(const char *doc, const char *patch, int want)
{
	int st;
	char *out = apply(doc, patch, &st);
	assert_null(out);
	assert_int_equal(st, want);
}

static void test_heartbeat(void **state)
{
	(void)state;
	/* TS 29.510 5.2.2.3.2: the heartbeat a NF sends */
	expect("{\"nfStatus\":\"SUSPENDED\",\"load\":1}",
	       "[{\"op\":\"replace\",\"path\":\"/nfStatus\",\"value\":\"REGISTERED\"}]",
	       "{\"load\":1,\"nfStatus\":\"REGISTERED\"}");
	expect("{\"load\":1}", "[{\"op\":\"replace\",\"path\":\"/load\",\"value\":50}]",
	       "{\"load\":50}");
}

static void test_operations(void **state)
{
	(void)state;
	expect("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/b\",\"value\":[1]}]",
	       "{\"a\":1,\"b\":[1]}");
	expect("{\"a\":1}", "[{\"op\":\"add\",\"path\":\"/a\",\"value\":2}]", "{\"a\":2}");
	expect("{\"a\":[1,3]}", "[{\"op\":\"add\",\"path\":\"/a/1\",\"value\":2}]",
	       "{\"a\":[1,2,3]}");
	expect("{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/-\",\"value\":2}]", "{\"a\":[1,2]}");
	expect("{\"a\":[1,2,3]}", "[{\"op\":\"remove\",\"path\":\"/a/0\"}]", "{\"a\":[2,3]}");
	expect("{\"a\":[1,2]}", "[{\"op\":\"replace\",\"path\":\"/a/1\",\"value\":9}]",
	       "{\"a\":[1,9]}");
	expect("{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a/b\",\"path\":\"/c\"}]",
	       "{\"a\":{},\"c\":1}");
	expect("{\"a\":{\"b\":1}}", "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/c\"}]",
	       "{\"a\":{\"b\":1},\"c\":{\"b\":1}}");
	expect("{\"a\":{\"b\":1}}", "[{\"op\":\"test\",\"path\":\"/a\",\"value\":{\"b\":1}}]",
	       "{\"a\":{\"b\":1}}");
	/* RFC 6901 3: "~1" is '/', "~0" is '~' */
	expect("{\"a/b\":1,\"m~n\":2}",
	       "[{\"op\":\"remove\",\"path\":\"/a~1b\"},{\"op\":\"replace\",\"path\":\"/m~0n\","
	       "\"value\":3}]",
	       "{\"m~n\":3}");
	/* the operations apply in order, each on the result of the previous */
	expect("{}",
	       "[{\"op\":\"add\",\"path\":\"/x\",\"value\":{}},{\"op\":\"add\",\"path\":\"/x/y\","
	       "\"value\":1}]",
	       "{\"x\":{\"y\":1}}");
}

static void test_refused(void **state)
{
	(void)state;
	refused("{}", "{\"op\":\"add\"}", 400);                    /* not an array */
	refused("{}", "[]", 400);                                  /* empty */
	refused("{}", "[1]", 400);                                 /* not an object */
	refused("{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", 400);  /* no value */
	refused("{}", "[{\"op\":\"copy\",\"path\":\"/a\"}]", 400); /* no from */
	refused("{}", "[{\"op\":\"frob\",\"path\":\"/a\"}]", 400); /* unknown op */
	refused("{}", "[{\"op\":1,\"path\":\"/a\"}]", 400);        /* op not a string */
	refused("{}", "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":1}]", 400); /* absent */
	refused("{}", "[{\"op\":\"remove\",\"path\":\"/a\"}]", 400);
	refused("{}", "[{\"op\":\"add\",\"path\":\"a\",\"value\":1}]", 400);    /* no leading / */
	refused("{}", "[{\"op\":\"add\",\"path\":\"/a~2\",\"value\":1}]", 400); /* bad escape */
	refused("{}", "[{\"op\":\"add\",\"path\":\"/a/b\",\"value\":1}]", 400); /* no parent */
	refused("{}", "[{\"op\":\"add\",\"path\":\"\",\"value\":1}]", 400);     /* the root */
	refused("{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/2\",\"value\":1}]", 400);
	refused("{\"a\":[1]}", "[{\"op\":\"add\",\"path\":\"/a/01\",\"value\":1}]", 400);
	refused("{\"a\":{\"b\":1}}", "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/c\"}]", 400);
	/* RFC 6902 5: a failing operation undoes the earlier ones (the input is checked as
	 * untouched by apply()); a failed test is a conflict */
	refused(
	    "{\"a\":1}",
	    "[{\"op\":\"replace\",\"path\":\"/a\",\"value\":2},{\"op\":\"test\",\"path\":\"/a\","
	    "\"value\":3}]",
	    409);
	char deep[600] = "{}";
	char patch[800];
	memset(deep, 0, sizeof deep);
	for (int i = 0; i < 300; i++)
		deep[i] = 'x';
	snprintf(patch, sizeof patch, "[{\"op\":\"add\",\"path\":\"/%s\",\"value\":1}]", deep);
	refused("{}", patch, 400); /* a token longer than the pointer parser holds */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_heartbeat),
	    cmocka_unit_test(test_operations),
	    cmocka_unit_test(test_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
