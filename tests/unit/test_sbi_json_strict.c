/* SPDX-License-Identifier: Apache-2.0 */
/* Strict JSON (RFC 8259, RFC 3629): what cJSON alone accepts and a peer must not send — trailing
 * data, a second document, NUL and raw control characters in strings, duplicate member names,
 * invalid UTF-8 and unpaired surrogate escapes — is refused with 400 INVALID_MSG_FORMAT. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sbi/sbi_json.h"

static cJSON *parse_n(const char *body, size_t len, sbi_err *e)
{
	memset(e, 0, sizeof *e);
	return sbi_json_parse_object((const uint8_t *)body, len, e);
}

static void expect_refused_n(const char *body, size_t len, const char *why)
{
	sbi_err e;
	cJSON *j = parse_n(body, len, &e);
	if (j != NULL) {
		cJSON_Delete(j);
		fail_msg("accepted (%s): %.*s", why, (int)len, body);
	}
	assert_non_null(e.cause);
	assert_string_equal(e.cause, "INVALID_MSG_FORMAT");
	assert_int_equal(sbi_err_status(&e), 400);
	if (strstr(e.text, why) == NULL)
		fail_msg("detail \"%s\" does not say \"%s\"", e.text, why);
}

static void expect_refused(const char *body, const char *why)
{
	expect_refused_n(body, strlen(body), why);
}

static void expect_accepted_n(const char *body, size_t len)
{
	sbi_err e;
	cJSON *j = parse_n(body, len, &e);
	if (j == NULL)
		fail_msg("refused (%s): %.*s", e.text, (int)len, body);
	cJSON_Delete(j);
}

static void expect_accepted(const char *body)
{
	expect_accepted_n(body, strlen(body));
}

static void test_trailing(void **state)
{
	(void)state;
	expect_refused("{\"a\":1}x", "trailing");
	expect_refused("{\"a\":1} ,", "trailing");
	expect_refused("{\"a\":1}{\"a\":2}", "trailing");
	expect_refused("{\"a\":1}\n{\"a\":2}\n", "trailing");
	expect_refused("{\"a\":1}[]", "trailing");
	expect_refused_n("{\"a\":1}\0", 8, "trailing");
	expect_accepted("{\"a\":1}");
	expect_accepted(" \t\r\n{\"a\":1} \t\r\n");
}

static void test_nul(void **state)
{
	(void)state;
	expect_refused("{\"a\":\"x\\u0000y\"}", "U+0000");
	expect_refused("{\"a\\u0000b\":1}", "U+0000");
	expect_refused_n("{\"a\":\"x\0y\"}", 11, "control character");
	expect_refused("{\"a\":\"x\ty\"}", "control character");
	expect_refused("{\"a\":\"x\ny\"}", "control character");
	expect_accepted("{\"a\":\"x\\u0001\\ty\\n\"}");
}

static void test_duplicates(void **state)
{
	(void)state;
	expect_refused("{\"a\":1,\"a\":2}", "duplicate member \"a\"");
	expect_refused("{\"a\":1,\"b\":2,\"a\":1}", "duplicate member \"a\"");
	/* names compare after unescaping: \u0061 is "a" */
	expect_refused("{\"a\":1,\"\\u0061\":2}", "duplicate member \"a\"");
	expect_refused("{\"x\":{\"y\":[{\"c\":1,\"c\":2}]}}", "duplicate member \"c\"");
	expect_refused("{\"x\":[[[{\"d\":{\"e\":1,\"e\":1}}]]]}", "duplicate member \"e\"");
	expect_accepted("{\"a\":1,\"A\":2,\"b\":{\"a\":3},\"c\":[{\"a\":4},{\"a\":5}]}");
	/* a large object goes through the sorted path */
	char big[64 * 10 + 16], *p = big;
	*p++ = '{';
	for (int i = 0; i < 60; i++)
		p += sprintf(p, "%s\"m%02d\":%d", i ? "," : "", i, i);
	strcpy(p, "}");
	expect_accepted(big);
	strcpy(p, ",\"m37\":0}");
	expect_refused(big, "duplicate member \"m37\"");
}

static void test_utf8(void **state)
{
	(void)state;
	expect_refused("{\"a\":\"\xC0\xAF\"}", "UTF-8");         /* overlong '/' */
	expect_refused("{\"a\":\"\xE0\x80\xAF\"}", "UTF-8");     /* overlong, 3 bytes */
	expect_refused("{\"a\":\"\xF0\x80\x80\xAF\"}", "UTF-8"); /* overlong, 4 bytes */
	expect_refused("{\"a\":\"\xED\xA0\x80\"}", "UTF-8");     /* U+D800 in UTF-8 */
	expect_refused("{\"a\":\"\xED\xBF\xBF\"}", "UTF-8");     /* U+DFFF in UTF-8 */
	expect_refused("{\"a\":\"\xF4\x90\x80\x80\"}", "UTF-8"); /* U+110000 */
	expect_refused("{\"a\":\"\xF5\x80\x80\x80\"}", "UTF-8");
	expect_refused("{\"a\":\"\xE2\x82\"}", "UTF-8"); /* truncated */
	expect_refused("{\"a\":\"\xE2\"}", "UTF-8");
	expect_refused("{\"a\":\"\x80\"}", "UTF-8"); /* lone continuation */
	expect_refused("{\"a\":\"\xFF\"}", "UTF-8");
	expect_refused("{\"\xC3\":1}", "UTF-8");          /* in a member name */
	expect_refused_n("{\"a\":\"\xF0\x9F\x98", 9, ""); /* truncated at the end */
	/* valid: 2, 3 and 4 byte forms, the extremes */
	expect_accepted("{\"a\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}");
	expect_accepted("{\"a\":\"\xC2\x80\xDF\xBF\xE0\xA0\x80\xEF\xBF\xBF\xF4\x8F\xBF\xBF\"}");
	expect_accepted("{\"\xC3\xA9t\xC3\xA9\":\"\xED\x9F\xBF\xEE\x80\x80\"}");
}

static void test_surrogate_escapes(void **state)
{
	(void)state;
	expect_refused("{\"a\":\"\\uD800\"}", "surrogate");
	expect_refused("{\"a\":\"\\uDBFFx\"}", "surrogate");
	expect_refused("{\"a\":\"\\uDC00\"}", "surrogate");
	expect_refused("{\"a\":\"\\uD800\\u0041\"}", "surrogate");
	expect_refused("{\"a\":\"\\uD800\\uD800\"}", "surrogate");
	expect_refused("{\"a\":\"\\udfff\\ud800\"}", "surrogate");
	expect_accepted("{\"a\":\"\\uD83D\\uDE00\"}");
	expect_accepted("{\"a\":\"\\ud800\\udc00\\udbff\\udfff\\u00e9\\uFFFF\"}");
}

static void test_still_refused(void **state)
{
	(void)state;
	expect_refused("[1]", "object");
	expect_refused("{\"a\":}", "JSON");
	expect_refused("{\"a\":1", "JSON");
	expect_refused("", "body");
	/* the document may end before len only with whitespace */
	expect_accepted_n("{\"a\":1}   ", 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_trailing),          cmocka_unit_test(test_nul),
	    cmocka_unit_test(test_duplicates),        cmocka_unit_test(test_utf8),
	    cmocka_unit_test(test_surrogate_escapes), cmocka_unit_test(test_still_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
